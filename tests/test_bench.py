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
