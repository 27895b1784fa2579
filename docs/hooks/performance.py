"""mkdocs hook: the Performance page's tables, rendered from the committed benchmark JSON.

``make bench`` writes ``bench/results.json``; ``<!-- performance: table -->`` becomes the
ratio table, ``<!-- performance: machine -->`` the machine and versions it was measured on, and
``<!-- performance: site -->`` the site build times and ``<!-- performance: primitives -->``
NumPy's exp and log against PyTorch's, so no number on the page is typed by hand.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results.json"
COLUMNS = (
    ("value_and_grad / torch fwd+bwd", "value_and_grad ÷ PyTorch fwd+bwd"),
    ("value / torch fwd", "value ÷ PyTorch forward"),
    ("value_and_grad / numpy", "value_and_grad ÷ hand-fused NumPy"),
    ("value / value_and_grad", "value ÷ value_and_grad"),
)


def load():
    return json.loads(RESULTS.read_text())


def ratio_table(result):
    head = (
        "| Loss | Size | `value_and_grad` (ms) | "
        + " | ".join(title for _, title in COLUMNS)
        + " | Peak extra memory |"
    )
    lines = [head, "|---|---|---:|" + "---:|" * len(COLUMNS) + "---:|"]
    for row in result["rows"]:
        cells = " | ".join(f"{row['ratios'][key]:.2f}" if key in row["ratios"] else "—" for key, _ in COLUMNS)
        lines.append(
            f"| [{row['loss']}](../losses/{row['loss']}.md) | {row['size']} | "
            f"{row['times']['value_and_grad'] * 1e3:.3g} | {cells} | {row['peak_extra_inputs']:.1f} × input |"
        )
    return "\n".join(lines) + "\n"


def machine_text(result):
    m, v, s = result["machine"], result["versions"], result["settings"]
    cpu = f"{m['cpus']} CPU{'s' if m['cpus'] != 1 else ''}" + (
        f" ({m['cpu_model']})" if m.get("cpu_model") else ""
    )
    torch = (
        f"torch {v['torch']} (CPU, {s['torch_threads']} thread)"
        if v.get("torch")
        else f"no torch: {s['torch_skipped']}"
    )
    size = "the small `--quick` sizes" if s["quick"] else "the full sizes"
    runs = s.get("timed_runs_per_round")
    best = f"best of {s['repeat']}" + (f" interleaved rounds of {runs} timed runs" if runs else "")
    return (
        f"Measured on {cpu}, {m['system']}, with Python {v['python']}, NumPy {v['numpy']} and {torch}; "
        f"{s['dtype']}, {best}, {size}.\n"
    )


SITE_ROWS = (
    ("clean_build_s", "`mkdocs build --strict` from a fresh clone (nothing cached)"),
    ("cached_build_s", "the same build again (figures, explorer data and notebooks cached)"),
    ("prose_edit_rebuild_s", "`make serve`'s rebuild after an edit to one prose page"),
)


def primitives_text(result):
    """NumPy's exp and log against PyTorch's, from the same run."""
    prim = result.get("primitives")
    if not prim:
        return "(PyTorch was not installed in this run: no comparison of `exp` and `log`.)"
    ms = prim["ms"]
    return (
        f"In this run, on {prim['size']:,} values, NumPy's `exp` took {ms['numpy exp']:.2f} ms and "
        f"PyTorch's {ms['torch exp']:.2f} ms; `log`, {ms['numpy log']:.2f} and {ms['torch log']:.2f} ms."
    )


def site_table(result):
    site = result.get("site")
    if site is None:
        return "The site build was not timed in this run (`scripts/bench.py --site` times it).\n"
    lines = ["| Build | Seconds |", "|---|---:|"]
    lines += [f"| {title} | {site[key]:.1f} |" for key, title in SITE_ROWS]
    return (
        "\n".join(lines)
        + f"\n\nThe site has {site['pages']} pages. "
        + cpu_text(site, result.get("machine", {}).get("cpus"))
        + "\n\n"
        + lighthouse_text(site)
        + "\n"
    )


def cpu_text(site, cpus):
    """The clean build's CPU time in all its processes, and the least wall time it allows."""
    cpu = site.get("clean_build_cpu_s")
    if cpu is None or not cpus:
        return ""
    return (
        f"The clean build used {cpu:.0f} CPU-seconds in all its processes (the build's own, and "
        f"the workers that draw the figures and run the notebooks): on {cpus} "
        f"core{'s' if cpus != 1 else ''} it cannot take less than {cpu / cpus:.0f} s, however well "
        "that work is spread."
    )


def lighthouse_text(site):
    """Lighthouse's performance score of the pages the benchmark served, or why it did not run."""
    scores = site.get("lighthouse_performance")
    if not scores:
        why = site.get("lighthouse_skipped", "it was not run")
        return f"Lighthouse's performance score was not measured in this run ({why})."
    runs = len(next(iter(scores.values()))["runs"])
    lines = [
        f"Lighthouse's performance score (0 to 1, desktop preset) of pages of the clean build, served "
        f"locally, the median of {runs} runs, with the largest contentful paint it reads, simulated "
        "(throttled) and observed:",
        "",
        "| Page | Performance | Runs | Largest paint, simulated | Largest paint, observed |",
        "|---|---:|---:|---:|---:|",
    ]
    for path, page in scores.items():
        lcp = page.get("lcp_ms") or []
        simulated = _seconds([r["simulated"] for r in lcp]) if lcp else "—"
        observed = _seconds([r["observed"] for r in lcp]) if lcp else "—"
        lines.append(
            f"| {f'`{path}`' if path else 'home'} | {page['median']:.2f} | "
            f"{min(page['runs']):.2f} to {max(page['runs']):.2f} | {simulated} | {observed} |"
        )
    return "\n".join(lines)


def _seconds(values):
    low, high = min(values) / 1e3, max(values) / 1e3
    return f"{low:.1f} s" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f} to {high:.1f} s"


def on_page_markdown(markdown, page, config, files):
    if "<!-- performance:" not in markdown:
        return markdown
    result = load()
    return (
        markdown.replace("<!-- performance: table -->", ratio_table(result))
        .replace("<!-- performance: machine -->", machine_text(result))
        .replace("<!-- performance: site -->", site_table(result))
        .replace("<!-- performance: primitives -->", primitives_text(result))
    )
