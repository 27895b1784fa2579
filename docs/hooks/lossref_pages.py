"""mkdocs hooks: generate the parts of the site that come from the ``lossref`` registry.

* ``<!-- lossref: definition NAME -->``: formula, gradient, domain, properties, plot.
* ``<!-- lossref: frameworks NAME -->``: framework mapping and differences tables.
* ``<!-- lossref: api NAME -->``: full signature and the mkdocstrings reference.
* ``<!-- lossref: index -->``: the table of every loss, grouped by family.

It also builds the nav from the registry, draws one SVG per loss, and renders math to
MathML at build time, so pages load no script and no font from anywhere.
"""

import functools
import hashlib
import html
import json
import math
import multiprocessing
import os
import re
import shutil
import sys
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import latex2mathml.converter
import numpy as np
import tinycss2
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

import lossref
from lossref import plotting
from lossref._core import PROPERTIES, ROBUSTNESS

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "torch.json"
ACCURACY = ROOT / "tests" / "golden" / "accuracy.json"
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MARKER = re.compile(r"<!-- lossref: (\w+)(?: (\w+))? -->")
SECTIONS = (
    ("Guides", "guides"),
    ("Glossary", "glossary"),
    ("Notebooks", "notebooks"),
    ("Interview", "interview"),
)
FAMILIES = (
    "regression",
    "probabilistic",
    "classification",
    "margin",
    "divergence",
    "ranking",
    "segmentation",
    "detection",
    "images",
    "sequence",
    "generative",
    "preference",
    "regularization",
)


def _family_order(family):
    return FAMILIES.index(family) if family in FAMILIES else len(FAMILIES)


def on_config(config):
    """Derive the nav from the registry, the notebooks folder and the prose sections."""
    losses = {}
    for loss in lossref.catalog():
        losses.setdefault(loss.meta.family, []).append(loss)
    loss_nav = ["losses/index.md", "losses/compare.md"]
    for family in sorted(losses, key=_family_order):
        loss_nav.append({family.capitalize(): [f"losses/{loss.name}.md" for loss in losses[family]]})
    # each top-level entry is a tab (theme feature navigation.tabs), and the sidebar lists the
    # current tab's pages; after the losses, each section that exists (a folder with an
    # index.md), in the order its index links to its pages, then any page it does not list yet
    config["nav"] = [{"Home": "index.md"}, {"Losses": loss_nav}]
    for title, folder in SECTIONS:
        if folder == "notebooks":  # the notebooks live outside docs/, linked in by run_notebooks
            config["nav"].append({title: _ordered_section(ROOT / "notebooks", folder, "*.ipynb")})
        elif (ROOT / "docs" / folder / "index.md").exists():
            config["nav"].append({title: _ordered_section(ROOT / "docs" / folder, folder, "*.md")})
    return config


def _ordered_section(path, prefix, pattern):
    """``index.md`` first, then the pages in the order the index links to them, then the rest."""
    listed = re.findall(r"\]\(([\w-]+\.(?:ipynb|md))(?:#[\w-]*)?\)", (path / "index.md").read_text())
    found = sorted(p.name for p in path.glob(pattern) if p.name != "index.md")
    ordered = list(dict.fromkeys(name for name in listed if name in found))
    ordered += [name for name in found if name not in ordered]
    return [f"{prefix}/index.md"] + [f"{prefix}/{name}" for name in ordered]


def on_files(files, config):
    """Add one SVG figure per loss, drawn from ``lossref`` at build time."""
    names = [loss.name for loss in lossref.catalog()]
    for name, light in zip(names, _figures(names), strict=True):
        files.append(File.generated(config, f"assets/plots/{name}.svg", content=light))
        files.append(File.generated(config, f"assets/plots/{name}-dark.svg", content=plotting.recolor(light)))
    return files


def _figures(names):
    """The SVG of each loss, from .cache/plots/ when nothing it is drawn from has changed.

    A figure depends on the library (its kernels, metadata and ``plotting``) and on the
    versions of Matplotlib, NumPy and Python: the cache folder is named by a hash of every
    file in ``lossref/`` and those versions, so any library edit redraws every figure and a
    prose edit under ``make serve`` redraws none. Drawing is most of the build's own time (a
    fifth of a second per figure), so missing figures are drawn by a pool of forked
    processes, one per core; not under ``mkdocs serve``, whose threads make forking unsafe.
    """
    import matplotlib

    digest = hashlib.sha256(f"{matplotlib.__version__} {np.__version__} {sys.version}".encode())
    for path in sorted((ROOT / "lossref").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    folder = ROOT / ".cache" / "plots" / digest.hexdigest()[:16]
    missing = [name for name in names if not (folder / f"{name}.svg").exists()]
    workers = min(len(missing), os.cpu_count() or 1)
    if workers > 1 and threading.active_count() == 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            drawn = list(pool.map(plotting.svg_named, missing, chunksize=4))
    else:
        drawn = [plotting.svg_named(name) for name in missing]
    if missing:  # figures of an older library are not needed again
        for old in folder.parent.glob("*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for name, svg in zip(missing, drawn, strict=True):
        tmp = folder / f"{name}.{os.getpid()}.tmp"
        tmp.write_text(svg)
        os.replace(tmp, folder / f"{name}.svg")
    return [(folder / f"{name}.svg").read_text() for name in names]


_API_NAME = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*|[A-Z][a-z]+[A-Z]\w*|[a-z]+_\w+(?=\())")


def search_keywords(loss):
    """The names a reader searches for: each framework equivalent's API name with every
    dotted suffix (``torch.nn.HuberLoss``, ``nn.HuberLoss``, ``HuberLoss``) and the loss's
    aliases. A name that is another registry loss's own (``F.binary_cross_entropy_with_logits``
    quoted by the GAN losses) is left to that loss's page.
    """
    others = {other.name for other in lossref.catalog()} - {loss.name}
    # "loss" alone is a word of every alias ("CLIP loss", "L2 loss"): as a boosted keyword it
    # would rank the L2 loss first for "CLIP loss", so only the distinctive words are indexed
    words = [loss.name, *(alias.removesuffix(" loss") for alias in loss.meta.aliases)]
    for text in loss.meta.equivalents.values():
        for name in _API_NAME.findall(text.replace("`", "")):
            parts = name.split(".")
            # not another loss's own name, nor a tensor op of an expression (log, clamp, arange)
            if parts[-1] in others or not re.search(r"[A-Z_]", parts[-1]):
                continue
            # a suffix starting "losses." would match the search's "loss*" prefix of any query
            # with "loss" in it, on every page that quotes a Keras or optax loss
            words += [".".join(parts[k:]) for k in range(len(parts)) if parts[k] != "losses"]
    return list(dict.fromkeys(words))


def on_page_markdown(markdown, page, config, files):
    name = page.file.src_uri.removeprefix("losses/").removesuffix(".md")
    if page.file.src_uri.startswith("losses/") and name in lossref.__all__:
        # material's search indexes front-matter tags (boosted) and shows them nowhere
        # unless the tags plugin is on, which it is not
        page.meta["tags"] = search_keywords(lossref.get(name))

    def replace(match):
        kind, name = match.group(1), match.group(2)
        if kind == "index":
            return index_block()
        if kind == "finder":
            return finder_block()
        if kind == "compare":
            return compare_block()
        if kind == "translation":
            return translation_block()
        if kind == "cheatsheet":
            return cheatsheet_block()
        loss = lossref.get(name)
        return {"definition": definition_block, "frameworks": frameworks_block, "api": api_block}[kind](loss)

    return MARKER.sub(replace, markdown)


def _hyper_text(value):
    if value is None:
        return "None"
    return repr(value)


def _cell(text):
    """Text for a Markdown table cell: a literal | (as in p(y | x)) would end the cell."""
    return text.replace("|", "\\|")


def _displays(latex):
    """One $$ block per formula: a tuple holds formulas too long for one line."""
    parts = (latex,) if isinstance(latex, str) else latex
    return [line for part in parts for line in (f"$$\n{part}\n$$", "")]


def _power_of_ten(bound):
    return "10" + str(round(math.log10(bound))).translate(SUPERSCRIPT)


def _stress_range(loss):
    """Describe the first argument's stress values: the range the accuracy claim covers."""
    name = loss.arg_names[0]
    values = np.abs(np.asarray(loss.meta.domain[name].stress, dtype=float)).ravel()
    values = values[values > 0]
    if not values.size:
        return "every combination of the arguments' stress values"
    low, high = values.min(), values.max()
    text = f"`{name}` with magnitudes from {_sci(low)} to {_sci(high)}"
    if loss.meta.domain[name].text.startswith("[0, 1]"):
        text += ", and within 10⁻¹⁵ of 0 and 1"
    return text + ", crossed with the other arguments' stress values"


def _sci(x):
    exponent = math.floor(math.log10(x))
    mantissa = x / 10**exponent
    if 0 <= exponent <= 3:
        return f"{x:g}"
    if abs(mantissa - 1) < 1e-9:
        return "10" + str(exponent).translate(SUPERSCRIPT)
    return f"{mantissa:.3g}·10" + str(exponent).translate(SUPERSCRIPT)


def _accuracy_lines(loss):
    claims = _committed(ACCURACY) or {}
    if loss.name not in claims:
        return []
    c = claims[loss.name]
    return [
        f"**Accuracy (checked by the tests).** Against a 400-digit mpmath evaluation of the formula "
        f"on {c['points']} stress points ({_stress_range(loss)}), the worst relative error is at most "
        f"{_power_of_ten(c['value_bound'])} for the value"
        + ("." if c["grad_bound"] is None else f" and {_power_of_ten(c['grad_bound'])} for the gradient."),
        "",
    ]


def _robustness_lines(meta):
    """Claims from the literature, apart from the checked properties: each with its reference."""
    if not meta.robust:
        return []
    claims = "; ".join(f"{ROBUSTNESS[claim]} ({_cell(ref)})" for claim, ref in meta.robust.items())
    return [f"**Robustness (a published result, not a test).** {claims[0].upper()}{claims[1:]}.", ""]


def definition_block(loss):
    meta = loss.meta
    alt = (
        f"{loss.name}: the loss (left) and "
        f"{'its gradient (right)' if loss.differentiable else 'why it has no gradient (right)'}, drawn by lossref"
    )
    rows = [f"| `{name}` | {_cell(meta.domain[name].text)} |" for name in loss.arg_names]
    rows += [
        f"| `{name}` (keyword) | "
        + ("required |" if name in meta.required else f"default `{_hyper_text(default)}` |")
        for name, default in loss.hyperparameters.items()
    ]
    props = "; ".join(PROPERTIES[p] for p in meta.properties) or "none declared"
    if loss.differentiable:
        gradient_title = "**Gradient** (per sample, with respect to the first argument)"
        grad_note = (
            ' `.grad` differentiates the reduced loss, so under `"mean"` the per-sample '
            "gradient above is divided by the same denominator."
        )
    else:
        gradient_title = "**Gradient: none.** `.grad` raises a `TypeError`: the loss is for evaluation only"
        grad_note = ""
    loss_title = "**Loss** (per sample)"
    if not meta.reduction.per_sample:  # a metric of the whole batch (RMSE): no per-sample form
        loss_title = "**Metric** (of the whole batch: not a mean of per-sample losses)"
        gradient_title = "**Gradient** (of the metric, with respect to each prediction)"
        grad_note = ""
    return "\n".join(
        [
            loss_title,
            "",
            *_displays(meta.formula),
            gradient_title,
            "",
            *_displays(meta.gradient),
            "| Argument | Domain |",
            "|---|---|",
            *rows,
            "",
            f"**Reduction.** {meta.reduction_note}{grad_note}",
            "",
            f"**Properties (checked by the tests, as a function of `{loss.arg_names[0]}` over its domain).** {props}.",
            "",
            *_robustness_lines(meta),
            *_accuracy_lines(loss),
            # one variant per theme; mkdocs-material shows the one matching the reader's palette
            *(
                f"![{alt}](../assets/plots/{loss.name}{suffix}.svg#only-{theme}){{ .lossref-plot }}"
                for suffix, theme in (("", "light"), ("-dark", "dark"))
            ),
            "",
            *(
                explorer_block(loss, name, replaces=name == _covering_explorer(loss))
                for name in meta.plot.explore
            ),
        ]
    )


def _committed(path):
    """A committed JSON file (golden vectors, accuracy bounds), parsed once per version of it:
    every loss page reads the same few files, and parsing them per page cost ~10 s a build.
    """
    return _parsed(path, path.stat().st_mtime_ns) if path.exists() else None


@functools.lru_cache(maxsize=16)
def _parsed(path, mtime):  # the mtime is the cache key: `make serve` sees a regenerated file
    return json.loads(path.read_text())


def _golden_names():
    golden = _committed(GOLDEN)
    return set() if golden is None else {case["loss"] for case in golden["cases"]}


def frameworks_block(loss):
    meta = loss.meta
    lines = ["## Framework mapping", "", "| Framework | Equivalent |", "|---|---|"]
    lines += [f"| {fw} | {_cell(_code_spans(eq))} |" for fw, eq in meta.equivalents.items()]
    lines.append("")
    # the versions come from the golden files the conformance tests check, never typed here
    checked = []
    if loss.name in _golden_names():
        version = _committed(GOLDEN)["torch"].split("+")[0]
        checked.append(
            f"PyTorch {version} (values and gradients in float64 to a relative tolerance of 1e-10, "
            "on random inputs, extremes and every hyperparameter path)"
        )
    for framework, file, tolerance in (
        ("Keras", "keras", "to 1e-6: Keras averages in float32"),
        ("optax", "optax", "to 1e-12"),
        ("scikit-learn", "sklearn", "to 1e-12"),
    ):
        path = GOLDEN.with_name(f"{file}.json")
        golden = _committed(path) or {"cases": []}
        calls = [c for c in golden["cases"] if c["loss"] == loss.name]
        if calls:
            backend = f" on JAX {golden['jax']}" if framework == "Keras" else ""
            checked.append(
                f"{framework} {golden['version']}{backend} ({len(calls)} call{'s' * (len(calls) > 1)}, "
                f"{tolerance})"
            )
    if checked:
        lines += ["Executed against " + "; ".join(checked) + ".", ""]
    lines += ["### Framework differences", ""]
    if meta.differences:
        lines += ["| Framework | Difference |", "|---|---|"]
        lines += [f"| {d.framework} | {_cell(d.text)} |" for d in meta.differences]
    else:
        lines.append("No behavioural difference from the frameworks above is known for the same arguments.")
    lines.append("")
    return "\n".join(lines)


# an identifier starts a word (not "nn" inside "Charbonnier"); F and nn only as F.xxx and nn.xxx (not "False")
_CODE = re.compile(
    r"(?<![\w.`])((?:(?:torch|torchvision|torchmetrics|keras|optax|sklearn|scipy|statsmodels|kornia"
    r"|SGDClassifier|HuberRegressor)\.?|(?:F|nn)\.)[\w.]*(?:\([^()]*\))?)"
)


def _code_spans(text):
    """Set framework identifiers such as ``torch.nn.HuberLoss(delta=δ)`` in code font."""
    return _CODE.sub(lambda m: f"`{m.group(1)}`", text)


def api_block(loss):
    signature = f"lossref.{loss.name}{loss.__signature__}"
    return "\n".join(
        [
            "## API",
            "",
            "```text",
            signature.replace("'", '"'),
            "```",
            "",
            f"::: lossref.{loss.name}",
            "    options:",
            "      show_root_heading: false",
            "      show_source: false",
            "      heading_level: 3",
            "",
        ]
    )


def _page_title(loss):
    """The H1 of the loss's page: the human name lives once, in the page."""
    page = ROOT / "docs" / "losses" / f"{loss.name}.md"
    first = page.read_text().splitlines()[0] if page.exists() else ""
    return first[2:].strip() if first.startswith("# ") else loss.name


def _yes_no(flag):
    return "yes" if flag else "no"


def finder_block():
    """One table of every loss with filters (plain JavaScript in assets/lossref.js)."""
    families = sorted({loss.meta.family for loss in lossref.catalog()}, key=_family_order)
    options = "".join(f'<option value="{f}">{f.capitalize()}</option>' for f in families)
    rows = []
    for loss in lossref.catalog():
        first = loss.arg_names[0]
        props = loss.meta.properties
        flags = {
            "convex": "convex" in props,
            "bounded": "bounded_gradient" in props,
            "smooth": "smooth" in props,
            "robust": "outliers" in loss.meta.robust,
        }
        data = " ".join(f'data-{k}="{_yes_no(v)}"' for k, v in flags.items())
        rows.append(
            f'<tr data-family="{loss.meta.family}" {data}>'
            f'<td><a href="{loss.name}/">{html.escape(_page_title(loss))}</a></td>'
            f"<td>{loss.meta.family}</td>"
            f"<td><code>{first}</code> ∈ {html.escape(loss.meta.domain[first].text)}</td>"
            + "".join(f"<td>{_yes_no(v)}</td>" for v in flags.values())
            + "</tr>"
        )
    return "\n".join(
        [
            '<div class="lossref-finder" markdown="0">',
            '<form class="lossref-filters" aria-label="Filter the losses">',
            f'<label>Family <select name="family"><option value="">all</option>{options}</select></label>',
            '<label><input type="checkbox" name="convex"> convex</label>',
            '<label><input type="checkbox" name="bounded"> bounded gradient</label>',
            '<label><input type="checkbox" name="smooth"> differentiable everywhere</label>',
            '<label><input type="checkbox" name="robust"> robust to outliers (cited)</label>',
            '<output name="count" aria-live="polite"></output>',
            "</form>",
            '<table class="lossref-finder-table"><thead><tr><th>Loss</th><th>Family</th><th>Input</th>'
            "<th>Convex</th><th>Bounded gradient</th><th>Differentiable</th><th>Robust to outliers (cited)</th>"
            "</tr></thead><tbody>",
            *rows,
            "</tbody></table>",
            "</div>",
            "",
        ]
    )


def _json(data):
    # "</" cannot close the <script> element early, whatever a label contains
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


_BOX = "{width} {height}".format(**plotting.web_style()["box"])  # one panel: half the static figure


def _panels(title):
    """Two empty SVG panels (loss, gradient) that assets/lossref.js draws into."""
    return (
        f'<div class="lossref-panels" role="img" aria-label="{html.escape(title)}">'
        f'<svg class="lossref-value" viewBox="0 0 {_BOX}"></svg>'
        f'<svg class="lossref-grad" viewBox="0 0 {_BOX}"></svg></div>'
    )


def _covering_explorer(loss):
    """The hyperparameter whose slider shows everything the static figure shows, if one does.

    That is when the figure's series differ only in that hyperparameter: the slider sweeps
    them all. Otherwise (other targets, variants, class counts) the figure stays and the
    sliders sit under it.
    """
    series = loss.meta.plot.curve.series
    if len({repr(args) for _, args, _ in series}) > 1:
        return None
    varied = {k for _, _, hyper in series for k in hyper if len({repr(h.get(k)) for _, _, h in series}) > 1}
    if len(varied) == 1 and (name := varied.pop()) in loss.meta.plot.explore:
        return name
    return None


def explorer_block(loss, name, *, replaces=False):
    """A slider over one hyperparameter, redrawing the loss and its gradient (plain JS).

    It is drawn in the static figure's style (``plotting.web_style``, in its data) and hidden
    until the script runs: without JavaScript a reader sees the static figure only. With it,
    the explorer that ``replaces`` the figure (it sweeps the figure's curves) takes its place.
    """
    data = {**plotting.explorer(loss, name), "title": f"{loss.name}: loss ℓ", "style": plotting.web_style()}
    ident = f"explore-{loss.name}-{name}"
    return "\n".join(
        [
            f'<div class="lossref-explorer" markdown="0" hidden{" data-replaces-figure" * replaces}>',
            f'<label for="{ident}">Vary <code>{name}</code></label> '
            f'<input type="range" id="{ident}" min="0" max="{len(data["values"]) - 1}" step="1" '
            f'value="{data["start"]}"> <output for="{ident}" aria-live="polite"></output>',
            _panels(f"{loss.name}: the loss and its gradient as {name} varies"),
            '<ul class="lossref-legend"></ul>',
            f'<script type="application/json">{_json(data)}</script>',
            "</div>",
            "",
        ]
    )


def compare_block():
    """Every family's losses that share an x-axis, overlaid on demand (plain JS)."""
    groups = {}
    for loss in sorted(lossref.catalog(), key=lambda loss: _family_order(loss.meta.family)):
        if loss.meta.plot.curve is not None:
            groups.setdefault((loss.meta.family, loss.meta.plot.curve.x_label), []).append(loss)
    data = []
    for (family, x_label), losses in groups.items():
        if len(losses) < 2:
            continue
        curves = []
        for loss in losses:
            x, series_args, hyper = plotting.default_series(loss, points=121)
            values, slope = plotting.along_curve(loss, x, series_args, hyper)
            label = (
                loss.meta.plot.curve.series[0][0]
                if not set(loss.meta.plot.curve.series[0][2]) & set(loss.meta.plot.explore)
                else ""
            )
            curves.append(
                {
                    "name": loss.name,
                    "series": label,
                    "x": [float(x[0]), float(x[-1])],
                    "loss": plotting.rounded(values),
                    "grad": None if slope is None else plotting.rounded(slope),
                    "y_limits": list(loss.meta.plot.curve.y_limits)
                    if loss.meta.plot.curve.y_limits
                    else None,
                }
            )
        data.append({"family": family, "x_label": x_label, "curves": curves, "style": plotting.web_style()})
    options = "".join(
        f'<option value="{i}">{html.escape(g["family"].capitalize())}: {html.escape(g["x_label"])}</option>'
        for i, g in enumerate(data)
    )
    return "\n".join(
        [
            '<div class="lossref-compare" markdown="0">',
            f'<label for="compare-group">Family and x-axis</label> <select id="compare-group">{options}</select>',
            '<fieldset><legend>Losses to overlay</legend><div class="lossref-choices"></div></fieldset>',
            _panels("the chosen losses (left) and their gradients (right), overlaid"),
            '<ul class="lossref-legend"></ul>',
            f'<script type="application/json">{_json(data)}</script>',
            "</div>",
            "",
        ]
    )


FRAMEWORKS = ("PyTorch", "Keras", "optax", "scikit-learn")


def _executed():
    """(loss, framework) pairs the golden files hold a passing case for, each framework's version,
    and the pairs run live only (perceptual: its hyperparameters are functions, no golden file holds them).
    """
    pairs, versions, live = set(), {}, set()
    if GOLDEN.exists():
        torch_golden = _committed(GOLDEN)
        versions["PyTorch"] = torch_golden["torch"].split("+")[0]
        pairs |= {(case["loss"], "PyTorch") for case in torch_golden["cases"]}
        live = {(name, "PyTorch") for name in torch_golden.get("live_only", {})}
    for framework in ("Keras", "optax"):
        path = GOLDEN.with_name(f"{framework.lower()}.json")
        if path.exists():
            golden = _committed(path)
            versions[framework] = golden["version"]
            pairs |= {(case["loss"], framework) for case in golden["cases"]}
    return pairs, versions, live


def translation_block():
    """Every loss's names in the frameworks, then its arguments, domain and denominator.

    A PyTorch, Keras or optax cell is filled only where a conformance case runs that call
    (its golden file holds the case, or, marked "live", the golden file names the live test);
    scikit-learn's cells are checked by tests/test_conformance_sklearn.py.
    """
    losses = sorted(lossref.catalog(), key=lambda loss: (_family_order(loss.meta.family), loss.name))
    executed, versions, live = _executed()
    checked = ", ".join(f"{fw} {v}" for fw, v in versions.items())
    names = [
        f"Executed against {checked}: a cell of those frameworks is empty (—) where no case runs the call.",
        "",
        "| Loss | " + " | ".join(FRAMEWORKS) + " |",
        "|---" * (len(FRAMEWORKS) + 1) + "|",
    ]
    conventions = [
        '| Loss | `lossref` call | First argument | `"mean"` divides by | Known differences |',
        "|---|---|---|---|---|",
    ]
    for loss in losses:
        link = f"[`{loss.name}`](../losses/{loss.name}.md)"
        eq = {
            fw: text
            for fw, text in loss.meta.equivalents.items()
            if fw not in versions or (loss.name, fw) in executed
        }
        eq |= {fw: f"{text} (live)" for fw, text in loss.meta.equivalents.items() if (loss.name, fw) in live}
        names.append(
            f"| {link} | "
            + " | ".join(_cell(_code_spans(eq[fw])) if fw in eq else "—" for fw in FRAMEWORKS)
            + " |"
        )
        hyper = ", ".join(
            f"{k}={'…' if k in loss.meta.required else _hyper_text(v)}"
            for k, v in loss.hyperparameters.items()
        )
        call = f"`{loss.name}({', '.join(loss.arg_names)}{', *, ' + hyper if hyper else ''})`"
        first = loss.arg_names[0]
        differences = len(loss.meta.differences)
        diff_cell = (
            f"[{differences}](../losses/{loss.name}.md#framework-differences)"
            if differences
            else "none known"
        )
        conventions.append(
            f"| {link} | {_cell(call)} | `{first}` ∈ {_cell(loss.meta.domain[first].text)} | "
            f"{_cell(loss.meta.reduction_note)} | {diff_cell} |"
        )
    return "\n".join(
        ["### Names", "", *names, "", "### Arguments, domains and denominators", "", *conventions, ""]
    )


CHEATSHEET = (
    "mse",
    "mae",
    "huber",
    "quantile",
    "binary_cross_entropy_with_logits",
    "softmax_cross_entropy",
    "kl_div",
    "sigmoid_focal",
    "hinge",
    "triplet_margin",
    "dice",
    "poisson_nll",
)


def _first_display(latex):
    return latex[0] if isinstance(latex, tuple) else latex


def cheatsheet_block():
    """The core losses on one printable page: formula, gradient, domain and use, from metadata."""
    cards = []
    for name in CHEATSHEET:
        loss = lossref.get(name)
        first = loss.arg_names[0]
        cards += [
            '<div class="lossref-card" markdown="1">',
            f"**[{_page_title(loss)}](../losses/{name}.md)** `{name}`",
            "",
            f"$$\n{_first_display(loss.meta.formula)}\n$$",
            "",
            f"$$\n{_first_display(loss.meta.gradient)}\n$$",
            "",
            f"`{first}` ∈ {loss.meta.domain[first].text}. {loss.meta.use_case}",
            "",
            "</div>",
        ]
    return "\n".join(['<div class="lossref-cheatsheet" markdown="1">', "", *cards, "", "</div>", ""])


def index_block():
    lines = []
    for family in sorted({loss.meta.family for loss in lossref.catalog()}, key=_family_order):
        lines += [
            f"## {family.capitalize()}",
            "",
            "| Loss | Use case | Input | Hyperparameters |",
            "|---|---|---|---|",
        ]
        for loss in lossref.catalog(family=family):
            first = loss.arg_names[0]
            hyper = ", ".join(f"`{k}`" for k in loss.hyperparameters) or "—"
            lines.append(
                f"| [{_page_title(loss)}]({loss.name}.md)<br>`{loss.name}` | {_cell(loss.meta.use_case)} | "
                f"`{first}` ∈ {_cell(loss.meta.domain[first].text)} | {hyper} |"
            )
        lines.append("")
    return "\n".join(lines)


# --- math: LaTeX to MathML at build time --------------------------------------------------

_BLOCK = re.compile(r'<div class="arithmatex">\s*\\\[(.*?)\\\]\s*</div>', re.S)
_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)


_OPERATOR_NAME = re.compile(r"\\operatorname\{([^}]*[^A-Za-z}][^}]*)\}")


def to_mathml(latex, display):
    latex = html.unescape(latex).strip()
    # latex2mathml drops \operatorname{...} names holding digits or "\_" (log1p, log_softmax)
    latex = _OPERATOR_NAME.sub(r"\\mathrm{\1}", latex)
    return _typeset(latex2mathml.converter.convert(latex, display="block" if display else "inline"))


# latex2mathml's MathML leaves spacing to the browser's operator dictionary, which gets TeX
# wrong in places: _typeset rewrites the tree so MathML Core (Chromium, Firefox) spaces it as TeX.
_M = "{http://www.w3.org/1998/Math/MathML}"
ET.register_namespace("", _M[1:-1])
_ROWS = {_M + t for t in ("math", "mrow", "mtd", "msqrt", "mstyle", "mpadded", "mphantom", "menclose")}
_SCRIPTED = {_M + t for t in ("msub", "msup", "msubsup", "munder", "mover", "munderover")}
_OPEN = {"(", "[", "{", "|", "‖", "⟨", "⌊", "⌈"}
_BARS = {"|", "‖"}
# after these an operator is binary (x) − y, |r| − y; after any other operator or first in a
# row it is a sign, which TeX sets without space: (−βh), = −∑, clip(r, −δ, δ)
_ORDINARY_MO = {")", "]", "}", "|", "‖", "⟩", "⌋", "⌉", "′", "″", "!", "∂", "∞"}
# MathML Core dropped the named widths latex2mathml writes for \, \: \; \!
_NAMED_SPACE = {
    "thinmathspace": "0.1667em",
    "mediummathspace": "0.2222em",
    "thickmathspace": "0.2778em",
    "negativethinmathspace": "-0.1667em",
    "negativemediummathspace": "-0.2222em",
    "negativethickmathspace": "-0.2778em",
}


def _is_name(el):
    # \log, \exp … come out as <mi>log</mi>; \max and \operatorname{…} as <mo>max</mo>
    return (
        el.tag in (_M + "mi", _M + "mo")
        and el.text is not None
        and len(el.text) > 1
        and el.text.isalpha()
        and el.get("mathvariant") is None
    )


def _upright_word(el):
    # \mathrm{KL} comes out letter by letter: <mrow><mi mathvariant="normal">K</mi>…; as one <mi>
    # it is a word, kerned as one and upright by default
    kids = list(el)
    return (
        el.tag == _M + "mrow"
        and len(kids) > 1
        and all(
            ((k.tag == _M + "mi" and k.get("mathvariant") == "normal") or k.tag == _M + "mn") and len(k) == 0
            for k in kids
        )
    )


def _fix(el):
    for k, child in enumerate(list(el)):
        if _upright_word(child):
            word = ET.Element(_M + "mi", mathvariant="normal")  # a name (\mathrm{KL}), not a function
            word.text, word.tail = "".join(c.text or "" for c in child), child.tail
            el[k] = word
    for child in el:
        _fix(child)
        if child.tag == _M + "mspace" and child.get("width") in _NAMED_SPACE:
            child.set("width", _NAMED_SPACE[child.get("width")])
        if child.tag == _M + "mo" and child.text in _BARS and child.get("stretchy") == "false":
            # a plain |r| is an ordinary symbol in TeX: no space inside the bars
            child.set("fence", "true")
            child.set("lspace", "0")
            child.set("rspace", "0")
        if (
            child.tag == _M + "msup"
            and len(child) == 2
            and child[1].text in ("′", "″", "‴")
            and len(child[1]) == 0
        ):
            # the prime glyph is already drawn at superscript height: raised again it floats away
            prime = child[1]
            prime.tag = _M + "mo"
            prime.set("lspace", "0")
            prime.set("rspace", "0")
            child.tag = _M + "mrow"
    if el.tag not in _ROWS:
        return
    for k, child in enumerate(el):
        before = el[k - 1] if k else None
        if (
            child.tag == _M + "mo"
            and child.text in ("−", "+", "±")
            and (before is None or (before.tag == _M + "mo" and before.text not in _ORDINARY_MO))
        ):
            child.set("lspace", "0")
            child.set("rspace", "0")
    k = 0
    while k < len(el) - 1:
        child = el[k]
        base = child[0] if child.tag in _SCRIPTED and len(child) else child
        if _is_name(base):
            base.tag = _M + "mi"  # mo would get an operator's wide spacing on both sides
            before = el[k - 1] if k else None
            if before is not None and (before.tag != _M + "mo" or before.text in _ORDINARY_MO):
                space = ET.Element(_M + "mspace", width="0.1667em")  # TeX's thin space: w \log p
                space.tail, before.tail = before.tail, None
                el.insert(k, space)
                k += 1
            follower = el[k + 1]
            opener = follower[0] if follower.tag == _M + "mrow" and len(follower) else follower
            if follower.tag != _M + "mspace":  # \log\!\left(…\right) sets its own space
                apply = ET.Element(_M + "mo", lspace="0", rspace="0")
                apply.text = "\u2061"  # function application: \log(x) tight, \log p a thin space
                if not (opener.tag == _M + "mo" and opener.text in _OPEN):
                    apply.set("rspace", "0.1667em")
                apply.tail, child.tail = child.tail, None
                el.insert(k + 1, apply)
                k += 1
        k += 1


def _typeset(mathml):
    root = ET.fromstring(mathml)
    _fix(root)
    return ET.tostring(root, encoding="unicode")


def on_page_content(content, page, config, files):
    content = _BLOCK.sub(lambda m: f'<div class="math-block">{to_mathml(m.group(1), True)}</div>', content)
    return _INLINE.sub(lambda m: to_mathml(m.group(1), False), content)


# Notebook pages: nbconvert adds a MathJax loader (an empty <script src=""> here) and a
# Mermaid loader that imports from a CDN. Drop both and render the notebook's $…$ math here,
# so notebook pages are offline too.
_NB_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S | re.I)
_NB_MERMAID = re.compile(
    r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>', re.S
)
_NB_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_NB_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")


def _convert_notebook_math(fragment):
    fragment = _NB_DISPLAY.sub(lambda m: to_mathml(m.group(1), True), fragment)
    return _NB_INLINE.sub(lambda m: to_mathml(m.group(1), False), fragment)


# nbconvert inlines the same ~600 KB of JupyterLab styles into every notebook page: they are
# moved to one shared stylesheet, trimmed after the build to the rules the pages use
_NB_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
NOTEBOOK_CSS = "assets/notebook.css"
_notebook_styles = {}


def _share_notebook_styles(output, page):
    styles = _NB_STYLE.findall(output)
    _notebook_styles.setdefault("css", styles)
    if styles != _notebook_styles["css"]:
        raise ValueError(f"{page.file.src_uri}: its notebook styles differ from the other notebooks'")
    link = f'<link rel="stylesheet" href="{get_relative_url(NOTEBOOK_CSS, page.url)}">'
    first = _NB_STYLE.search(output).start()
    return output[:first] + link + _NB_STYLE.sub("", output[first:])


def _used_classes(site):
    classes = set()
    for page in (site / "notebooks").rglob("*.html"):
        for value in re.findall(r'class="([^"]*)"', page.read_text()):
            classes.update(value.split())
    return classes


def _trim(rules, classes):
    """The rules of ``rules`` that can match: each class a selector names is on some page."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = tinycss2.serialize(rule.prelude).split(",")
            if not any(set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", sel)) <= classes for sel in selectors):
                continue
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            inner = _trim(
                tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True), classes
            )
            if not inner:
                continue
            kept.append(f"@{rule.at_keyword} {tinycss2.serialize(rule.prelude).strip()} {{{''.join(inner)}}}")
            continue
        elif rule.type in ("comment", "whitespace", "error"):
            continue
        kept.append(rule.serialize())
    return kept


def on_post_build(config):
    if "css" not in _notebook_styles:
        return
    site = Path(config["site_dir"])
    css = "\n".join(_notebook_styles.pop("css"))
    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    (site / NOTEBOOK_CSS).write_text("\n".join(_trim(rules, _used_classes(site))))


def on_post_page(output, page, config):
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    output = _share_notebook_styles(_NB_MERMAID.sub("", _NB_MATHJAX.sub("", output)), page)
    # only markdown cells hold math; code cells keep their dollar signs
    return re.sub(
        r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)',
        lambda m: m.group(1) + _convert_notebook_math(m.group(2)) + m.group(3),
        output,
        flags=re.S,
    )
