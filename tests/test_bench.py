"""The benchmark runs and the Performance page renders what it writes; no time is asserted."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(path, name):
    spec = importlib.util.spec_from_file_location(name, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_quick_writes_every_case(tmp_path):
    bench = _module("scripts/bench.py", "lossref_bench")
    out = tmp_path / "results.json"
    bench.main(["--quick", "--repeat", "1", "--out", str(out)])
    result = json.loads(out.read_text())
    names = [row["loss"] for row in result["rows"]]
    assert set(names) == {
        "mse",
        "huber",
        "binary_cross_entropy_with_logits",
        "softmax_cross_entropy",
        "ctc",
        "info_nce",
    }
    for row in result["rows"]:
        assert row["times"]["value_and_grad"] > 0
        assert row["peak_extra_inputs"] > 0
        assert "value / value_and_grad" in row["ratios"]
    assert result["machine"]["cpus"] >= 1
    assert result["versions"]["numpy"]
    if result["versions"]["torch"]:
        assert set(result["primitives"]["ms"]) == {"numpy exp", "torch exp", "numpy log", "torch log"}


def test_performance_page_renders_the_committed_results():
    hook = _module("docs/hooks/performance.py", "lossref_performance_hook")
    result = hook.load()
    page = (ROOT / "docs" / "guides" / "performance.md").read_text()
    rendered = hook.on_page_markdown(page, None, None, None)
    assert "<!-- performance:" not in rendered
    table = [line for line in rendered.splitlines() if line.startswith("| [")]
    assert len(table) == len(result["rows"])
    assert f"NumPy {result['versions']['numpy']}" in rendered
    assert f"{result['machine']['cpus']} CPU" in rendered
    assert f"NumPy's `exp` took {result['primitives']['ms']['numpy exp']:.2f} ms" in rendered


def test_site_timing_builds_a_copy_and_leaves_the_checkout_alone(tmp_path, monkeypatch):
    # a tiny mkdocs project stands in for the checkout: the same three builds, in seconds
    import subprocess
    import urllib.request

    import bench_site

    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: t\n")
    (root / "docs" / "index.md").write_text("# Home\n\nText.\n")
    page = root / "docs" / "prose.md"
    page.write_text("# Prose\n\nText.\n")
    (root / ".gitignore").write_text("site/\n")
    (root / "site").mkdir()
    (root / "site" / "stale.html").write_text("ignored: not copied")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "docs" / "alias.md").symlink_to("prose.md")  # a symlink is copied as a link, not followed
    # Lighthouse's own run is the site tests' (tests/test_site.py); here a stand-in proves that
    # the clean build is served at the URL it is given
    served = []

    def audit(urls, categories):
        for url in urls:
            with urllib.request.urlopen(url) as response:
                page = url.rsplit("/", 2)[-2]
                served.append((page, response.status, b"Prose" in response.read(), categories))
        lcp = {"simulated": 900.0, "observed": 300.0}
        return [{"scores": {"performance": s}, "lcp_ms": lcp} for s in (0.9, 0.5, 0.7, 0.8, 0.6)[: len(urls)]]

    monkeypatch.setattr(bench_site.lighthouse, "audit", audit)
    monkeypatch.setattr(bench_site.lighthouse, "missing", lambda: None)
    times = bench_site.measure(root, "docs/prose.md", lighthouse_pages=("prose/",))
    assert bench_site.LIGHTHOUSE_RUNS == 5
    assert served == [("prose", 200, True, ("performance",))] * 5
    lcp = [{"simulated": 900.0, "observed": 300.0}] * 5
    performance = times.pop("lighthouse_performance")
    assert performance == {"prose/": {"median": 0.7, "runs": [0.9, 0.5, 0.7, 0.8, 0.6], "lcp_ms": lcp}}
    assert set(times) == {
        "clean_build_s",
        "clean_build_cpu_s",
        "cached_build_s",
        "prose_edit_rebuild_s",
        "pages",
    }
    assert all(times[k] > 0 for k in times)
    assert page.read_text() == "# Prose\n\nText.\n"  # the edit was made in the copy
    assert not (root / ".cache").exists()
    assert times["pages"] == 3  # home, prose and its alias: the copy was complete


def test_performance_page_renders_the_site_times_or_says_they_were_not_measured():
    hook = _module("docs/hooks/performance.py", "lossref_performance_hook")
    times = {"clean_build_s": 54.3, "cached_build_s": 20.6, "prose_edit_rebuild_s": 1.7, "pages": 221}
    table = hook.site_table({"site": times})
    assert "| `mkdocs build --strict` from a fresh clone (nothing cached) | 54.3 |" in table
    assert "| `make serve`'s rebuild after an edit to one prose page | 1.7 |" in table
    assert "221 pages" in table
    assert "performance score was not measured in this run (it was not run)" in table
    assert "not timed" in hook.site_table({})
    lcp = [{"simulated": 1040.0, "observed": 262.0}, {"simulated": 2802.0, "observed": 431.0}]
    measured = {
        "": {"median": 0.99, "runs": [1, 0.99, 0.97]},
        "losses/huber/": {"median": 0.9, "runs": [0.9, 0.83], "lcp_ms": lcp},
    }
    scored = hook.site_table({"site": {**times, "lighthouse_performance": measured}})
    assert "the median of 3 runs" in scored
    assert "| home | 0.99 | 0.97 to 1.00 | — | — |" in scored
    assert "| `losses/huber/` | 0.90 | 0.83 to 0.90 | 1.0 to 2.8 s | 0.3 to 0.4 s |" in scored
    skipped = hook.site_table({"site": {**times, "lighthouse_skipped": "no browser"}})
    assert "was not measured in this run (no browser)" in skipped
    assert "CPU-seconds" not in skipped  # a results file from before the CPU time was recorded


def test_performance_page_gives_the_least_time_the_clean_build_allows():
    hook = _module("docs/hooks/performance.py", "lossref_performance_hook")
    times = {
        "clean_build_s": 38.2,
        "clean_build_cpu_s": 76.6,
        "cached_build_s": 17.5,
        "prose_edit_rebuild_s": 2.2,
    }
    text = hook.site_table({"site": {**times, "pages": 221}, "machine": {"cpus": 2}})
    # 76.6 CPU-seconds on two cores: 38.3 s at the least, rounded
    assert "The clean build used 77 CPU-seconds in all its processes" in text
    assert "on 2 cores it cannot take less than 38 s" in text
