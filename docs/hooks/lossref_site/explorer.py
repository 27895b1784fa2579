"""The explorers (a slider over one hyperparameter) and the compare page.

docs/assets/lossref.js draws them in the static figure's style: the constants of
``lossref.plotting``.
"""

import html
import inspect
import json

import numpy as np

import lossref
from lossref.plotting import (
    AXIS_WIDTH,
    FIGSIZE,
    FONT,
    FONT_SIZE,
    GRID_ALPHA,
    LEGEND_SIZE,
    LINE_WIDTH,
    MARGINS,
    TITLE_SIZE,
    along_curve,
    theme,
)

from .nav import family_order


def web_style():
    """The figure's look for the explorers: both themes, fonts, sizes, widths and one panel's box.

    A panel is half the figure, in the same units (points), so an explorer drawn at the
    figure's width matches it line for line; the box is the axes' margins inside the panel.

    Examples:
        >>> box = web_style()["box"]
        >>> box["width"], box["height"], box["left"], box["top"]
        (302.4, 237.6, 48.4, 23.8)
    """
    width, height = FIGSIZE[0] * 72, FIGSIZE[1] * 72
    m = MARGINS
    axes = (m["right"] - m["left"]) * width / (2 + m["wspace"])  # one axes' width
    panel = width / 2
    box = {
        "width": panel,
        "height": height,
        "left": m["left"] * width,
        "right": panel - m["left"] * width - axes,
        "top": (1 - m["top"]) * height,
        "bottom": m["bottom"] * height,
    }
    return {
        "light": theme(),
        "dark": theme(dark=True),
        "font": ", ".join([*(f"'{f}'" for f in FONT), "sans-serif"]),
        "font_size": FONT_SIZE,
        "title_size": TITLE_SIZE,
        "legend_size": LEGEND_SIZE,
        "line_width": LINE_WIDTH,
        "axis_width": AXIS_WIDTH,
        "grid_alpha": GRID_ALPHA,
        "box": {k: round(v, 1) for k, v in box.items()},
    }


def slider_data(loss, name, *, steps=21, points=81, stops=None):
    """The curves a page's slider for hyperparameter ``name`` switches between.

    The series is the first of the loss's curve that sets ``name`` (else its first), with
    every other explorable hyperparameter at its default; ``name`` takes ``steps`` values over its
    ``explore`` range, and starts at its default (a required one, at the value the page's curve
    uses). Numbers are rounded to 4 significant digits to keep the page small.

    Args:
        loss: A registered ``Loss`` whose ``explore`` metadata names ``name``.
        name: The hyperparameter.
        steps: Number of values of the hyperparameter.
        points: Number of grid points along the curve.
        stops: The indices of the hyperparameter's values whose curves are evaluated (all by
            default); the other values' rows are None. For a spot check of a built page.

    Returns:
        A dict ready for JSON: the hyperparameter's values and default index, the grid's
        range, axis labels and, per value, the loss and derivative along the grid.

    Examples:
        >>> from lossref import huber
        >>> data = slider_data(huber, "delta", steps=3, points=3)
        >>> data["values"], data["start"], data["loss"][0], data["grad"][2]
        ([0.1, 1.0, 3.0], 1, [0.295, 0.0, 0.295], [-3.0, 0.0, 3.0])
    """
    low, high, *scale = loss.meta.plot.explore[name]
    grid = np.geomspace(low, high, steps) if scale == ["log"] else np.linspace(low, high, steps)
    default = loss.hyperparameters.get(name)
    if default is inspect.Parameter.empty:  # required: the value the page's curve is drawn with
        default = loss.meta.required.get(name)
    start = 0
    if isinstance(default, (int, float)) and not isinstance(default, bool) and low <= default <= high:
        start = int(np.argmin(np.abs(grid - default)))
        grid[start] = default  # the default is one of the slider's stops
    x, series_args, hyper = default_series(loss, name, points)
    value_rows, grad_rows = [None] * len(grid), [None] * len(grid)
    for i in range(len(grid)) if stops is None else stops:
        values, slope = along_curve(loss, x, series_args, {**hyper, name: float(grid[i])})
        value_rows[i] = rounded(values)
        grad_rows[i] = None if slope is None else rounded(slope)
    curve = loss.meta.plot.curve
    return {
        "name": name,
        "values": rounded(grid),
        "start": start,
        "x": [float(curve.x_range[0]), float(curve.x_range[1])],
        "x_label": curve.x_label,
        "grad_label": curve.grad_label or "gradient ∂ℓ/∂(first argument)",
        "y_limits": list(curve.y_limits) if curve.y_limits else None,
        "loss": value_rows,
        "grad": grad_rows,
    }


def default_series(loss, name=None, points=81):
    """The grid, series arguments and hyperparameters of a loss's curve at its defaults.

    The series is the first of the curve that sets hyperparameter ``name`` (else its first);
    its own settings are kept (class counts, say) except explorable hyperparameters, which
    stay at their defaults.
    """
    curve = loss.meta.plot.curve
    _, series_args, series_hyper = next((s for s in curve.series if name in s[2]), curve.series[0])
    hyper = {
        **loss.meta.required,
        **{k: v for k, v in series_hyper.items() if k not in loss.meta.plot.explore},
    }
    return np.linspace(*curve.x_range, points), series_args, hyper


def rounded(values):
    """Floats to 4 significant digits; non-finite numbers become None (JSON null)."""
    return [float(f"{v:.4g}") if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _json(data):
    # "</" cannot close the <script> element early, whatever a label contains
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


_BOX = "{width} {height}".format(**web_style()["box"])  # one panel: half the static figure


def _panels(title):
    """Two empty SVG panels (loss, gradient) that assets/lossref.js draws into."""
    return (
        f'<div class="lossref-panels" role="img" aria-label="{html.escape(title)}">'
        f'<svg class="lossref-value" viewBox="0 0 {_BOX}"></svg>'
        f'<svg class="lossref-grad" viewBox="0 0 {_BOX}"></svg></div>'
    )


def covering_explorer(loss):
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


_REMEMBERED = {}  # loss name -> a function that returns {hyperparameter: slider_data} (figures.py)


def remember(name, load):
    """Where the data of loss ``name``'s explorers comes from: ``load()``, drawn ahead by the build."""
    _REMEMBERED[name] = load


def explorer_block(loss, name, *, replaces=False):
    """A slider over one hyperparameter, redrawing the loss and its gradient (plain JS).

    It is drawn in the static figure's style (``web_style``, in its data) and hidden
    until the script runs: without JavaScript a reader sees the static figure only. With it,
    the explorer that ``replaces`` the figure (it sweeps the figure's curves) takes its place.
    """
    sliders = _REMEMBERED[loss.name]() if loss.name in _REMEMBERED else {}
    data = {
        **(sliders[name] if name in sliders else slider_data(loss, name)),
        "title": f"{loss.name}: loss ℓ",
        "style": web_style(),
    }
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
    for loss in sorted(lossref.catalog(), key=lambda loss: family_order(loss.meta.family)):
        if loss.meta.plot.curve is not None:
            groups.setdefault((loss.meta.family, loss.meta.plot.curve.x_label), []).append(loss)
    data = []
    for (family, x_label), losses in groups.items():
        if len(losses) < 2:
            continue
        curves = []
        for loss in losses:
            x, series_args, hyper = default_series(loss, points=121)
            values, slope = along_curve(loss, x, series_args, hyper)
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
                    "loss": rounded(values),
                    "grad": None if slope is None else rounded(slope),
                    "y_limits": list(loss.meta.plot.curve.y_limits)
                    if loss.meta.plot.curve.y_limits
                    else None,
                }
            )
        data.append({"family": family, "x_label": x_label, "curves": curves, "style": web_style()})
    options = "".join(
        f'<option value="{i}">{html.escape(g["family"].capitalize())}: {html.escape(g["x_label"])}</option>'
        for i, g in enumerate(data)
    )
    return "\n".join(
        [
            '<div class="lossref-compare" markdown="0">',
            '<label for="compare-group">Family and x-axis</label> '
            f'<select id="compare-group">{options}</select>',
            '<fieldset><legend>Losses to overlay</legend><div class="lossref-choices"></div></fieldset>',
            _panels("the chosen losses (left) and their gradients (right), overlaid"),
            '<ul class="lossref-legend"></ul>',
            f'<script type="application/json">{_json(data)}</script>',
            "</div>",
            "",
        ]
    )
