"""Matplotlib figures of a loss and its gradient, drawn from the loss's own ``Curve``.

Matplotlib is imported inside the functions, so ``import lossref`` never needs it.
"""

import threading

import numpy as np

# One palette and one look for every figure on the site, static (matplotlib SVG) and interactive
# (the site's explorers read these constants: docs/hooks/lossref_site/explorer.py).
# Colour-blind safe (Okabe–Ito); the last two are darkened so that legend text in them keeps a
# contrast ratio >= 4.5 on white.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#B07800", "#3D8FC0")
INK, GRID, ZERO = "#1f1f1f", "#b0b0b0", "#666666"  # text and axes, grid lines, the y = 0 line
# The dark-theme figure is the light one recoloured: ink, grid and the darker series colours
# are lightened so that each keeps its contrast on the slate background (ratio >= 4.5 for text).
DARK = {
    INK: "#e2e4e9",
    GRID: "#4a4f5c",
    ZERO: "#9aa0ad",
    "#0072b2": "#56b4e9",
    "#d55e00": "#ff8a4c",
    "#009e73": "#2fd3a0",
    "#cc79a7": "#e8a2c9",
    "#b07800": "#e6b030",
    "#3d8fc0": "#9ad0f0",
}
FONT = ("DejaVu Sans", "Arial", "Helvetica")  # then the generic sans-serif
FONT_SIZE, TITLE_SIZE, LEGEND_SIZE = 11, 12, 9  # in figure points: one SVG user unit each
LINE_WIDTH, AXIS_WIDTH, GRID_ALPHA = 2.0, 0.8, 0.3
FIGSIZE = (8.4, 3.3)  # inches: two panels side by side
# fixed margins: a layout engine would lay the figure out twice, the slowest part of a build
MARGINS = {"left": 0.08, "right": 0.985, "bottom": 0.17, "top": 0.9, "wspace": 0.28}
STYLE = {
    "font.size": FONT_SIZE,
    "font.family": "sans-serif",
    "font.sans-serif": list(FONT),  # one short list in each <text>
    "axes.titlesize": TITLE_SIZE,
    # the title at the top of its axes: Matplotlib's default (None) measures every tick label on
    # each draw to lift the title above any at the top. These figures have none there: the same
    # SVGs and notebook PNGs, byte for byte, in a sixth less time. A figure with tick labels or
    # an x label at the top sets it back to None
    "axes.titley": 1.0,
    "axes.labelsize": FONT_SIZE,
    "axes.linewidth": AXIS_WIDTH,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": GRID_ALPHA,
    "grid.linewidth": AXIS_WIDTH,
    "legend.frameon": False,
    "legend.fontsize": LEGEND_SIZE,
    "lines.linewidth": LINE_WIDTH,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": GRID,
    "figure.facecolor": "none",  # transparent: the page's own background shows through
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "svg.fonttype": "none",  # keep text as text: smaller files, the page's fonts
    "svg.hashsalt": "lossref",  # deterministic ids, so rebuilds do not churn
}


def theme(dark=False):
    """The colours of one theme: ink (text and axes), grid, the zero line and the series.

    Examples:
        >>> theme(dark=True)["series"][:2], theme()["ink"]
        (['#56b4e9', '#ff8a4c'], '#1f1f1f')
    """
    pick = (lambda c: DARK.get(c.lower(), c.lower())) if dark else str.lower
    return {"ink": pick(INK), "grid": pick(GRID), "zero": pick(ZERO), "series": [pick(c) for c in COLORS]}


def curves(loss, points=401):
    """Evaluate ``loss`` and its derivative along its ``Curve``.

    Args:
        loss: A registered ``Loss`` with ``curve`` metadata.
        points: Number of grid points.

    Returns:
        A list of ``(label, x, values, derivatives)`` tuples, one per series
        (``derivatives`` is None for an evaluation-only loss, which has no gradient).

    Examples:
        >>> from lossref import huber
        >>> from lossref.plotting import curves
        >>> label, x, value, slope = curves(huber, points=5)[0]
        >>> label, x.tolist(), slope.tolist()
        ('δ = 0.5', [-3.0, -1.5, 0.0, 1.5, 3.0], [-0.5, -0.5, 0.0, 0.5, 0.5])
    """
    curve = loss.meta.plot.curve
    x = np.linspace(*curve.x_range, points)
    return [
        (label, x, *along_curve(loss, x, series_args, hyper)) for label, series_args, hyper in curve.series
    ]


def along_curve(loss, x, series_args, hyper):
    """The loss and its plotted derivative at the grid ``x`` for one series of its curve."""
    curve = loss.meta.plot.curve
    args = curve.args(x, **series_args)
    hyper = {
        **loss.meta.required,
        **hyper,
    }  # a required hyperparameter plots with its example (perceptual's network)
    if not loss.differentiable:  # evaluation only (the 0–1 loss): no gradient to draw
        values, grad = loss(*args, reduction="none", **hyper), None
    elif (
        not loss.reduction.independent_rows
    ):  # each grid point is a whole batch (InfoNCE): plot its first row's loss
        pairs = [
            loss._values_and_grad_of_sum(*row, argnum=curve.argnum, **hyper)
            for row in zip(*args, strict=True)
        ]
        values, grad = np.array([v[0] for v, _ in pairs]), np.array([g for _, g in pairs])
    elif loss.reduction.per_sample:
        # the gradient of the sum holds each sample's own derivative
        values, grad = loss._values_and_grad_of_sum(*args, argnum=curve.argnum, **hyper)
    else:  # a metric of a whole batch (RMSE): each grid point is a batch, one row of args
        pairs = [loss.value_and_grad(*row, **hyper) for row in zip(*args, strict=True)]
        values, grad = np.array([v for v, _ in pairs]), np.array([g for _, g in pairs])
    slope = curve.component(grad, args) if curve.component and grad is not None else grad
    return values, slope


def figure(loss, *, points=401):
    """A two-panel figure: the loss (left) and its derivative (right) along its curve.

    Args:
        loss: A registered ``Loss``.
        points: Number of grid points.

    Returns:
        A ``matplotlib.figure.Figure``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=FIGSIZE)
        fig.subplots_adjust(**MARGINS)
        _draw(loss, *axes, points=points)
    return fig


def _draw(loss, ax_value, ax_grad, *, points):
    """Draw ``loss`` (left) and its derivative (right) on two empty axes, under ``STYLE``."""
    curve = loss.meta.plot.curve
    for color, (label, x, values, slope) in zip(COLORS, curves(loss, points=points), strict=False):
        ax_value.plot(x, values, color=color, label=label or None)
        if slope is not None:
            ax_grad.plot(x, slope, color=color, label=label or None)
    ax_value.set_title(f"{loss.name}: loss ℓ")
    drawn = (ax_value, ax_grad)
    if loss.differentiable:
        ax_grad.set_title(curve.grad_label or "gradient ∂ℓ/∂(first argument)")
        ax_grad.set_ylabel("∂ℓ")
    else:  # no gradient to draw: the panel says why
        drawn = (ax_value,)
        ax_grad.set_axis_off()
        ax_grad.text(
            0.5,
            0.5,
            curve.grad_label or "no gradient",
            ha="center",
            va="center",
            transform=ax_grad.transAxes,
            linespacing=1.6,
        )
    for ax in drawn:
        ax.set_xlabel(curve.x_label)
        ax.axhline(0, color=ZERO, linewidth=AXIS_WIDTH)
    ax_value.set_ylabel("ℓ")
    if curve.y_limits:
        ax_value.set_ylim(*curve.y_limits)
    if any(label for label, *_ in curve.series):
        ax_value.legend(loc="best")


# svg()'s figure, kept from one call to the next in each thread: Matplotlib builds each tick
# (two lines, two labels, a grid line) the first time an axis draws it, and drawing the 129 pages'
# figures on fresh axes spent a third of its time there and in making the axes
_BLANK = threading.local()


def _blank_axes():
    """This thread's two-panel figure, empty: made again only when Matplotlib's settings change.

    Axes take the settings in force when they are made; a new one is made under other settings
    (a caller's rcParams), as ``figure`` would. Outside pyplot, so never among a notebook's figures.
    """
    import matplotlib
    from matplotlib.figure import Figure

    settings = dict(matplotlib.rcParams)
    if getattr(_BLANK, "settings", None) != settings:
        fig = Figure(figsize=FIGSIZE)
        _BLANK.axes, _BLANK.settings = fig.subplots(1, 2), settings
        fig.subplots_adjust(**MARGINS)
    return _BLANK.axes


def _empty(axes):
    """Take back what ``_draw`` added, so that the next figure is drawn as on fresh axes."""
    for ax in axes:
        for artist in [*ax.lines, *ax.texts]:
            artist.remove()
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.set_title("")
        ax.set(xlabel="", ylabel="")
        ax.set_axis_on()
        ax.relim()  # no data left: the next curves set the limits alone
        ax.set_autoscale_on(True)  # undo a curve's fixed y limits


def svg(loss, *, dark=False, points=401):
    """The figure of ``loss`` as an SVG string (what the site embeds): ``figure``'s, byte for byte.

    Args:
        loss: A registered ``Loss``.
        dark: Recolour for a dark page background (the site shows the variant that
            matches the reader's theme).
        points: Number of grid points.

    Returns:
        The SVG document as a string.
    """
    import io

    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):  # the axes' defaults, and savefig reads svg.fonttype and the face colours
        axes = _blank_axes()
        try:
            _draw(loss, *axes, points=points)
            buffer = io.StringIO()
            axes[0].figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            _empty(axes)
    text = buffer.getvalue()
    return recolor(text) if dark else text


def recolor(svg_text):
    """The dark-theme variant of a light figure: every colour in ``DARK`` replaced.

    Examples:
        >>> recolor('<path style="stroke: #0072b2"/><text style="fill: #1f1f1f">ℓ</text>')
        '<path style="stroke: #56b4e9"/><text style="fill: #e2e4e9">ℓ</text>'
    """
    for light, dark in DARK.items():
        svg_text = svg_text.replace(light.lower(), dark)
    return svg_text


def overlaid(family):
    """The losses of ``family`` that declare ``Plot.overlay``, in catalog order.

    Examples:
        >>> [loss.name for loss in overlaid("preference")]
        ['dpo', 'ipo', 'kto', 'orpo', 'simpo']
    """
    import lossref

    return [loss for loss in lossref.catalog(family) if loss.meta.plot.overlay is not None]


def overlay_figure(family, *, points=401):
    """One panel: every ``overlaid(family)`` loss along its ``Plot.overlay`` curve (first series).

    The curves must share an x-axis label: they are drawn on one axis.

    Returns:
        A ``matplotlib.figure.Figure``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    losses = overlaid(family)
    labels = {loss.meta.plot.overlay.x_label for loss in losses}
    if len(labels) != 1:
        raise ValueError(f"the {family} overlay curves must share one x_label; got {sorted(labels)}")
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(1, 1, figsize=FIGSIZE)
        fig.subplots_adjust(
            left=MARGINS["left"], right=MARGINS["right"], bottom=MARGINS["bottom"], top=MARGINS["top"]
        )
        for color, loss in zip(COLORS, losses, strict=False):
            curve = loss.meta.plot.overlay
            label, series_args, hyper = curve.series[0]
            x = np.linspace(*curve.x_range, points)
            args = curve.args(x, **series_args)
            values = loss(*args, reduction="none", **{**loss.meta.required, **hyper})
            ax.plot(x, values, color=color, label=f"{loss.name}: {label}" if label else loss.name)
        limits = [loss.meta.plot.overlay.y_limits for loss in losses if loss.meta.plot.overlay.y_limits]
        if limits:
            ax.set_ylim(min(lo for lo, _ in limits), max(hi for _, hi in limits))
        ax.set_title(f"{family} losses: loss ℓ")
        ax.set_xlabel(labels.pop())
        ax.set_ylabel("ℓ")
        ax.axhline(0, color=ZERO, linewidth=AXIS_WIDTH)
        ax.legend(loc="upper right")
    return fig


def overlay_svg(family, *, dark=False):
    """``overlay_figure(family)`` as an SVG string, recoloured for a dark page if ``dark``."""
    import io

    import matplotlib.pyplot as plt

    with plt.rc_context(STYLE):
        fig = overlay_figure(family)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return recolor(text) if dark else text
