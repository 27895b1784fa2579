"""Matplotlib figures of a loss and its gradient, drawn from the loss's own ``Curve``.

Matplotlib is imported inside the functions, so ``import lossref`` never needs it.
"""

import numpy as np

# One palette and one look for every figure on the site (colour-blind safe, Okabe–Ito).
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "svg.fonttype": "none",  # keep text as text: smaller files, page fonts
    "svg.hashsalt": "lossref",  # deterministic ids, so rebuilds do not churn
}


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
    curve = loss.meta.curve
    x = np.linspace(*curve.x_range, points)
    out = []
    for label, series_args, hyper in curve.series:
        args = curve.args(x, **series_args)
        if not loss.differentiable:  # evaluation only (the 0–1 loss): no gradient to draw
            values, grad = loss(*args, reduction="none", **hyper), None
        elif "none" in loss.meta.reductions:
            values = loss(*args, reduction="none", **hyper)
            # with reduction="sum" the gradient holds each sample's own derivative
            grad = loss.grad(*args, reduction="sum", argnum=curve.argnum, **hyper)
        else:  # a metric of a whole batch (RMSE): each grid point is a batch, one row of args
            pairs = [loss.value_and_grad(*row, **hyper) for row in zip(*args, strict=True)]
            values, grad = np.array([v for v, _ in pairs]), np.array([g for _, g in pairs])
        slope = curve.component(grad, args) if curve.component and grad is not None else grad
        out.append((label, x, values, slope))
    return out


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

    curve = loss.meta.curve
    with plt.rc_context(STYLE):
        fig, (ax_value, ax_grad) = plt.subplots(1, 2, figsize=(8.4, 3.3))
        # fixed margins: a layout engine would lay the figure out twice, the slowest part of a build
        fig.subplots_adjust(left=0.08, right=0.985, bottom=0.17, top=0.9, wspace=0.28)
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
            ax_grad.text(0.5, 0.5, curve.grad_label or "no gradient", ha="center", va="center",
                         transform=ax_grad.transAxes, linespacing=1.6)
        for ax in drawn:
            ax.set_xlabel(curve.x_label)
            ax.axhline(0, color="0.4", linewidth=0.8)
        ax_value.set_ylabel("ℓ")
        if curve.y_limits:
            ax_value.set_ylim(*curve.y_limits)
        if any(label for label, *_ in curve.series):
            ax_value.legend(loc="best", fontsize=9)
    return fig


def svg(loss, **kwargs):
    """The figure of ``loss`` as an SVG string (what the site embeds)."""
    import io

    import matplotlib.pyplot as plt

    fig = figure(loss, **kwargs)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()
