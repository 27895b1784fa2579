"""Blocks of the pages, generated from the registry.

Pure functions from a loss (or the whole catalog) to Markdown or HTML, which the tests can call
without building the site.

* ``<!-- lossref: definition NAME -->``: formula, gradient, domain, properties, plot.
* ``<!-- lossref: frameworks NAME -->``: framework mapping and differences tables.
* ``<!-- lossref: api NAME -->``: full signature and the mkdocstrings reference.
* ``<!-- lossref: index -->``, ``finder``, ``compare``, ``translation``, ``cheatsheet``: the
  tables and pages of every loss.
* ``<!-- lossref: overlay FAMILY -->``: one figure of the family's losses that declare
  ``Plot.overlay``, on their shared axis.
"""

import html
import math
import re

import numpy as np

import lossref
from lossref._core import PROPERTIES, ROBUSTNESS

from .data import ACCURACY, GOLDEN, ROOT, committed, executed_calls, golden_names, torch_version
from .explorer import compare_block, covering_explorer, explorer_block
from .nav import family_order

SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MARKER = re.compile(r"<!-- lossref: (\w+)(?: (\w+))? -->")


_API_NAME = re.compile(r"(?<![\w.])((?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*|[A-Z][a-z]+[A-Z]\w*|[a-z]+_\w+(?=\())")


def search_keywords(loss):
    """The names a reader searches for.

    Each framework equivalent's API name with every dotted suffix (``torch.nn.HuberLoss``,
    ``nn.HuberLoss``, ``HuberLoss``) and the loss's aliases. A name that is another registry
    loss's own (``F.binary_cross_entropy_with_logits`` quoted by the GAN losses) is left to that
    loss's page.
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


def page_markdown(markdown, page):
    """A page's Markdown with each ``<!-- lossref: KIND [NAME] -->`` marker replaced by its block."""
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
        if kind == "overlay":
            return overlay_block(name)
        loss = lossref.get(name)
        return {"definition": definition_block, "frameworks": frameworks_block, "api": api_block}[kind](loss)

    return MARKER.sub(replace, markdown)


def overlay_block(family):
    """The overlay figure of ``family`` (drawn by figures.add), light and dark, with a caption."""
    from lossref.plotting import overlaid

    losses = overlaid(family)
    if len(losses) < 2:
        raise ValueError(f"overlay {family}: fewer than two {family} losses declare Plot.overlay")
    names = ", ".join(f"[{loss.name}]({loss.name}.md)" for loss in losses)
    alt = f"The {family} losses {', '.join(loss.name for loss in losses)} on one axis"
    return "\n".join(
        [
            *(
                f"![{alt}](../assets/plots/overlay-{family}{suffix}.svg#only-{theme}){{ .lossref-plot }}"
                for suffix, theme in (("", "light"), ("-dark", "dark"))
            ),
            "",
            f"*Drawn from each loss's `Plot.overlay` at its default hyperparameters: {names}.*",
            "",
        ]
    )


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
    # stress rows may differ in shape (hausdorff_dt's masks): flatten each one
    stress = loss.meta.domain[name].stress
    values = np.abs(np.concatenate([np.asarray(v, dtype=float).ravel() for v in stress] or [[]]))
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
    claims = committed(ACCURACY) or {}
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
        f"{'its gradient (right)' if loss.differentiable else 'why it has no gradient (right)'}, "
        "drawn by lossref"
    )
    rows = [f"| `{name}` | {_cell(meta.domain[name].text)} |" for name in loss.arg_names]
    rows += [
        f"| `{name}` (keyword) | "
        + ("required |" if name in meta.required else f"default `{_hyper_text(default)}` |")
        for name, default in loss.hyperparameters.items()
    ]
    props = "; ".join(PROPERTIES[p] for p in meta.properties) or "none declared"
    if loss.differentiable:
        wrt = ", ".join(f"`{name}`" for name in loss.differentiable)
        gradient_title = (
            f"**Gradient** (per sample, with respect to {wrt})"
            if len(loss.differentiable) == 1
            else f"**Gradient** (per sample; `.grad` takes `argnum=` any of {wrt})"
        )
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
            f"**Properties (checked by the tests, as a function of `{loss.arg_names[0]}` over its "
            f"domain).** {props}.",
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
                explorer_block(loss, name, replaces=name == covering_explorer(loss))
                for name in meta.plot.explore
            ),
        ]
    )


def frameworks_block(loss):
    meta = loss.meta
    lines = ["## Framework mapping", "", "| Framework | Equivalent |", "|---|---|"]
    lines += [f"| {fw} | {_cell(_code_spans(eq))} |" for fw, eq in meta.equivalents.items()]
    lines.append("")
    # the versions come from the golden files the conformance tests check, never typed here
    checked = []
    if loss.name in golden_names():
        version = torch_version()
        checked.append(
            f"PyTorch {version} (values and gradients in float64 to a relative tolerance of 1e-10, "
            "on random inputs, extremes and every hyperparameter path)"
        )
    for framework, file, tolerance in (
        ("Keras", "keras", "to 1e-6: Keras averages in float32"),
        ("optax", "optax", "to 1e-12"),
        ("pytorch-metric-learning", "pml", "to 1e-12"),
        ("Kornia", "kornia", "to 1e-12"),
        ("scikit-learn", "sklearn", "to 1e-12"),
    ):
        path = GOLDEN.with_name(f"{file}.json")
        golden = committed(path) or {"cases": []}
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
    families = sorted({loss.meta.family for loss in lossref.catalog()}, key=family_order)
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
            "<th>Convex</th><th>Bounded gradient</th><th>Differentiable</th>"
            "<th>Robust to outliers (cited)</th>"
            "</tr></thead><tbody>",
            *rows,
            "</tbody></table>",
            "</div>",
            "",
        ]
    )


FRAMEWORKS = ("PyTorch", "Keras", "optax", "scikit-learn")


def translation_block():
    """Every loss's names in the frameworks, then its arguments, domain and denominator.

    A PyTorch, Keras or optax cell is filled only where a conformance case runs that call
    (its golden file holds the case, or, marked "live", the golden file names the live test);
    scikit-learn's cells are checked by tests/test_conformance_sklearn.py.
    """
    losses = sorted(lossref.catalog(), key=lambda loss: (family_order(loss.meta.family), loss.name))
    executed, versions, live = executed_calls()
    checked = ", ".join(f"{fw} {v}" for fw, v in versions.items())
    names = [
        f"Executed against {checked}: a cell of those frameworks is empty (—) where no case runs the call.",
        "",
        "| Loss | " + " | ".join(FRAMEWORKS) + " | Other libraries |",
        "|---" * (len(FRAMEWORKS) + 2) + "|",
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
        # the rest (torchvision, MONAI, LightGBM…) by name only: their calls and the releases
        # they were checked against are on the loss's page, one click away
        others = [fw for fw in loss.meta.equivalents if fw not in FRAMEWORKS]
        elsewhere = f"[{', '.join(others)}](../losses/{loss.name}.md#framework-mapping)" if others else "—"
        names.append(
            f"| {link} | "
            + " | ".join(_cell(_code_spans(eq[fw])) if fw in eq else "—" for fw in FRAMEWORKS)
            + f" | {_cell(elsewhere)} |"
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
    for family in sorted({loss.meta.family for loss in lossref.catalog()}, key=family_order):
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
