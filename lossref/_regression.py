"""Regression losses: a real-valued prediction against a real-valued target."""

import numpy as np

from ._checks import in_open_unit_interval, non_negative, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, elementwise_loss
from ._domains import REAL
from ._math import blocks, scratch
from ._reductions import root_mean

__all__ = [
    "cauchy",
    "charbonnier",
    "huber",
    "log_cosh",
    "mae",
    "mape",
    "mse",
    "quantile",
    "rmse",
    "smape",
    "smooth_l1",
    "tukey_biweight",
]  # its losses, re-exported by lossref/__init__.py

_REAL_PAIR = {"y_pred": REAL, "y_true": REAL}
# bounded influence of a residual (a bounded ψ = ρ′) is what makes an M-estimator robust to outliers
_HAMPEL = (
    "Hampel, Ronchetti, Rousseeuw & Stahel, Robust Statistics: The Approach Based on Influence Functions "
    "(1986)"
)
# MAE on softmax probabilities (2 − 2 p_y against a one-hot label) tolerates symmetric label noise
_GHOSH = (
    "Ghosh, Kumar & Sastry, Robust Loss Functions under Label Noise for Deep Neural Networks, AAAI (2017)"
)


def _residual_curve(param=None, values=(), symbol=None, x_range=(-3.0, 3.0)):
    """Plot against the residual r = ŷ - y, one line per hyperparameter value."""
    if param is None:
        series = (Series("", {}, {}),)
    else:
        series = tuple(Series(f"{symbol} = {v:g}", {}, {param: v}) for v in values)
    return Curve(
        x_label="residual r = ŷ − y",
        x_range=x_range,
        args=lambda x: (x, np.zeros_like(x)),
        series=series,
    )


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = (\hat y - y)^2",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = 2(\hat y - y)",
    domain=_REAL_PAIR,
    use_case="The default regression loss: the maximum-likelihood loss under Gaussian noise.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.MSELoss() / F.mse_loss",
        "Keras": "keras.losses.MeanSquaredError()(y_true, y_pred)",
        "optax": (
            "jnp.mean(optax.losses.squared_error(y_pred, y_true)) (optax returns per-element values; "
            "l2_loss is ½ of it)"
        ),
        "scikit-learn": "sklearn.metrics.mean_squared_error(y_true, y_pred)",
    },
    references=(
        "Legendre (1805) and Gauss (1809), least squares",
        "Hastie, Tibshirani & Friedman, The Elements of Statistical Learning (2009), §2.4",
    ),
    differences=(
        Difference(
            "keras-sample-weight-mean-over-n",
            "Keras",
            "A Keras loss called with `sample_weight=w` divides Σ w·ℓ by the number of samples N "
            '(its default reduction `"sum_over_batch_size"`, Keras 3.15.1), not by Σw as `lossref`\'s '
            "`weights=` does: Keras' value is `lossref`'s `reduction=\"sum\"` divided by N. "
            "(`Model.fit(class_weight=)` weighs samples the same way.)",
        ),
    ),
    aliases=("L2 loss", "squared error"),  # names readers search for
    plot=Plot(curve=_residual_curve()),
    checks=Checks(
        extremes=(Extreme([[1e4, -1e4, 0.0, 1e-300], [-1e4, 1e4, 0.0, 0.0]]),),
        torch_extremes=(Extreme([[1e4, -1e4, 0.0, 1e-300], [-1e4, 1e4, 0.0, 0.0]]),),
    ),
)
def mse(y_pred, y_true):
    """Mean squared error: the mean of the squared residuals.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.

    Returns:
        The mean of (ŷ - y)² by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import mse
        >>> mse([1.0, 2.0], [0.0, 0.0])          # (1 + 4) / 2
        2.5
        >>> mse.grad([1.0, 2.0], [0.0, 0.0])     # 2 r / N
        array([1., 2.])
    """
    # one input-sized array per call: r² is written over r, and the deferred gradient 2r is
    # recomputed into a fresh one after the core has freed the values
    r = scratch(y_pred - y_true)
    np.multiply(r, r, out=r)

    def grad():
        g = scratch(y_pred - y_true)
        g *= 2.0
        return g

    return Result(r, grad)


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = |\hat y - y|",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y), \quad \operatorname{sign}(0) = 0",  # noqa: E501
    domain=_REAL_PAIR,
    use_case="Robust regression towards the conditional median; every error pulls equally hard.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.L1Loss() / F.l1_loss",
        "Keras": "keras.losses.MeanAbsoluteError()",
        "scikit-learn": "sklearn.metrics.mean_absolute_error(y_true, y_pred)",
    },
    references=("Laplace (1774)", "Koenker & Bassett, Regression Quantiles (1978)", _HAMPEL, _GHOSH),
    robust={"outliers": _HAMPEL, "label_noise": _GHOSH},
    aliases=("L1 loss", "absolute error"),  # names readers search for
    plot=Plot(curve=_residual_curve()),
    checks=Checks(
        extremes=(Extreme([[1e4, -1e4, 1e-300], [-1e4, 1e4, 0.0]]),),
        kink_distance=lambda y_pred, y_true, **_: np.abs(y_pred - y_true),
        torch_extremes=(Extreme([[0.0, 1.0, -1e4], [0.0, 1.0, 1e4]]),),
    ),
)
def mae(y_pred, y_true):
    """Mean absolute error (L1 loss).

    At a tie (ŷ = y) the gradient is 0, the subgradient PyTorch's autograd also returns.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.

    Returns:
        The mean of |ŷ - y| by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import mae
        >>> mae([1.0, -3.0], [0.0, 0.0])         # (1 + 3) / 2
        2.0
        >>> mae.grad([1.0, -3.0, 0.0], [0.0, 0.0, 0.0])   # sign(r) / N, sign(0) = 0
        array([ 0.33333333, -0.33333333,  0.        ])
    """
    r = scratch(y_pred - y_true)
    return Result(np.abs(r), lambda: np.sign(r, out=r))  # deferred, written over the temporary r


@elementwise_loss(
    family="regression",
    formula=r"\ell_\delta(\hat y, y) = \begin{cases} \frac{1}{2} r^2 & |r| \le \delta \\ \delta \left(|r| - \frac{1}{2}\delta\right) & |r| > \delta \end{cases}, \quad r = \hat y - y",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \operatorname{clip}(r, -\delta, \delta)",
    domain=_REAL_PAIR,
    use_case="Regression with outliers: squared error near the target, absolute error far from it.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.HuberLoss(delta=δ)",
        "Keras": "keras.losses.Huber(delta=δ)",
        "optax": "jnp.mean(optax.losses.huber_loss(y_pred, y_true, delta=δ))",
        "scikit-learn": "no fixed-δ loss: HuberRegressor(epsilon=) scales residuals by an estimated σ",
    },
    references=("Huber, Robust Estimation of a Location Parameter (1964)",),
    robust={"outliers": "Huber, Robust Estimation of a Location Parameter (1964)"},
    plot=Plot(
        curve=_residual_curve("delta", (0.5, 1.0, 2.0), "δ"),
        explore={"delta": (0.1, 3.0)},
    ),
    checks=Checks(
        variants=({"delta": 0.5}, {"delta": 2.0}),
        extremes=(Extreme([[1e8, -1e8, 1e-12], [0.0, 0.0, 0.0]], {"delta": 0.001}),),
        invalid=(
            Invalid({"delta": 0.0}, ValueError, "delta must be > 0, got 0.0"),
            Invalid({"delta": -1.0}, ValueError, "delta must be > 0"),
            Invalid({"delta": "1"}, TypeError, "delta must be a real number, got str"),
            Invalid({"delta": np.inf}, ValueError, "delta must be finite"),
        ),
        # the second derivative jumps at |r| = δ, which spoils high-order finite differences
        kink_distance=lambda y_pred, y_true, delta=1.0: np.abs(np.abs(y_pred - y_true) - delta),
        torch_extremes=(
            Extreme([[1e8, -1e8, 1e-12, 1.0], [0.0, 0.0, 0.0, 0.0]], {"delta": 1e-3}),
            Extreme([[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]]),
        ),
    ),
)
def huber(y_pred, y_true, *, delta=1.0):
    """Huber loss: quadratic for residuals up to ``delta``, linear beyond.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        delta: Residual size where the loss turns from quadratic to linear; > 0.
            PyTorch, Keras and optax all default to 1.0.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import huber
        >>> huber([0.5, 3.0], [0.0, 0.0])          # (0.125 + 2.5) / 2
        1.3125
        >>> huber.grad([0.5, 3.0], [0.0, 0.0])     # clip(r, -1, 1) / 2
        array([0.25, 0.5 ])
    """
    positive(delta=delta)
    # ℓ = c·(r − c/2) with c = clip(r, −δ, δ): ½r² inside, δ(|r| − δ/2) outside, with the same
    # roundings as those two forms (h = c/2 and the final doubling are exact). In place on r,
    # block by block with a small h: one input-sized array per call
    values = np.empty(np.shape(y_pred))
    r, x, y = values.reshape(-1), y_pred.reshape(-1), y_true.reshape(-1)  # r: a view
    for s in blocks(r.size):
        rb = np.subtract(x[s], y[s], out=r[s])
        h = np.clip(rb, -delta, delta)
        h *= 0.5
        rb -= h
        rb *= h
        rb *= 2.0

    def grad():  # deferred: a value-only call skips it
        g = np.empty(np.shape(y_pred))
        np.subtract(y_pred, y_true, out=g)
        return np.clip(g, -delta, delta, out=g)

    return Result(values, grad)


@elementwise_loss(
    family="regression",
    formula=r"\ell_\beta(\hat y, y) = \begin{cases} \frac{r^2}{2\beta} & |r| < \beta \\ |r| - \frac{\beta}{2} & |r| \ge \beta \end{cases}, \quad r = \hat y - y",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \operatorname{clip}\left(\frac{r}{\beta}, -1, 1\right) \quad (\operatorname{sign}(r) \text{ when } \beta = 0)",  # noqa: E501
    domain=_REAL_PAIR,
    use_case="Bounding-box regression (Fast/Faster R-CNN): Huber rescaled so the gradient saturates at ±1.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.SmoothL1Loss(beta=β)",
        "optax": "jnp.mean(optax.losses.huber_loss(y_pred, y_true, delta=β)) / β",
    },
    references=("Girshick, Fast R-CNN (2015)",),
    robust={"outliers": "Girshick, Fast R-CNN (2015)"},
    plot=Plot(
        curve=_residual_curve("beta", (0.5, 1.0, 2.0), "β"),
        explore={"beta": (0.1, 3.0)},
    ),
    checks=Checks(
        variants=({"beta": 0.0}, {"beta": 0.5}, {"beta": 2.0}),
        extremes=(Extreme([[1e8, -1e8, 1e-12], [0.0, 0.0, 0.0]], {"beta": 0.001}),),
        invalid=(Invalid({"beta": -0.5}, ValueError, "beta must be >= 0"),),
        kink_distance=lambda y_pred, y_true, beta=1.0: np.minimum(
            np.abs(y_pred - y_true), np.abs(np.abs(y_pred - y_true) - beta)
        ),
        torch_extremes=(
            Extreme([[0.0, 2.0, -3.0], [0.0, 0.0, 0.0]], {"beta": 0.0}),
            Extreme([[1e8, -1e8, 1e-12], [0.0, 0.0, 0.0]], {"beta": 1e-3}),
        ),
    ),
)
def smooth_l1(y_pred, y_true, *, beta=1.0):
    """Smooth L1 loss: ``huber`` divided by its threshold, so the tails have slope 1.

    ``beta = 0`` is exactly the L1 loss (PyTorch special-cases it the same way).

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        beta: Residual size where the loss turns from quadratic to linear; >= 0.
            PyTorch defaults to 1.0.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import smooth_l1
        >>> smooth_l1([0.5, 3.0], [0.0, 0.0], beta=2.0)   # (0.25/4 + (3 - 1)) / 2
        1.03125
    """
    non_negative(beta=beta)
    r = y_pred - y_true
    a = np.abs(r)
    if beta == 0:
        return Result(a, lambda: np.sign(r))
    value = np.where(a < beta, 0.5 * r * r / beta, a - 0.5 * beta)
    return Result(value, lambda: np.clip(r / beta, -1.0, 1.0))


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = \log\cosh(\hat y - y)",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \tanh(\hat y - y)",
    domain=_REAL_PAIR,
    use_case="Smooth robust regression: like MSE near the target, like MAE far away, twice differentiable.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "Keras": "keras.losses.LogCosh()",
        "optax": "jnp.mean(optax.losses.log_cosh(y_pred, y_true))",
    },
    references=(
        "Saleh & Saleh, Statistical properties of the log-cosh loss function used in machine learning (2022)",
    ),
    robust={
        "outliers": (
            "Saleh & Saleh, Statistical properties of the log-cosh loss function used in machine learning "
            "(2022)"
        ),
    },
    plot=Plot(curve=_residual_curve()),
    checks=Checks(
        extremes=(Extreme([[1e4, -1e4, 800.0, 1e-8, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]),),
        torch_extremes=(Extreme([[1e4, -1e4, 800.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]),),
    ),
)
def log_cosh(y_pred, y_true):
    """Log-cosh loss: ≈ r²/2 for small residuals, ≈ |r| - log 2 for large ones.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import log_cosh
        >>> math.isclose(log_cosh([1.0], [0.0]), math.log(math.cosh(1.0)), rel_tol=1e-15)
        True
        >>> log_cosh([1000.0], [0.0])                 # naive log(cosh(1000)) overflows
        999.3068528194401
    """
    r = y_pred - y_true
    a = np.abs(r)
    # cosh(r) overflows past |r| ~ 710, so use |r| + log1p(e^{-2|r|}) - log 2 for large |r|;
    # near 0 that form cancels, and log1p(2 sinh²(r/2)) keeps full relative accuracy.
    small = np.log1p(2.0 * np.sinh(np.minimum(a, 1.0) / 2.0) ** 2)
    large = a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)
    return Result(np.where(a < 1.0, small, large), lambda: np.tanh(r))


@elementwise_loss(
    family="regression",
    formula=r"\ell_q(\hat y, y) = \max\big(q\,(y - \hat y),\ (q - 1)\,(y - \hat y)\big)",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \begin{cases} 1 - q & \hat y > y \\ -q & \hat y < y \\ 0 & \hat y = y \end{cases}",  # noqa: E501
    domain=_REAL_PAIR,
    use_case="Quantile regression and prediction intervals: the minimiser is the q-th conditional quantile.",
    properties=("non_negative", "convex", "zero_iff_equal", "bounded_gradient"),
    equivalents={
        "scikit-learn": "sklearn.metrics.mean_pinball_loss(y_true, y_pred, alpha=q)",
    },
    references=("Koenker & Bassett, Regression Quantiles, Econometrica (1978)",),
    differences=(
        Difference(
            "sklearn-pinball-argument-order",
            "scikit-learn",
            "`mean_pinball_loss(y_true, y_pred, alpha=q)` takes the target first and calls q "
            "`alpha`; swapping the arguments silently estimates the (1 − q) quantile.",
        ),
    ),
    robust={"outliers": "Koenker & Bassett, Regression Quantiles, Econometrica (1978)"},
    aliases=("pinball loss",),  # names readers search for
    plot=Plot(
        curve=_residual_curve("q", (0.1, 0.5, 0.9), "q"),
        explore={"q": (0.05, 0.95)},
    ),
    checks=Checks(
        variants=({"q": 0.1}, {"q": 0.9}),
        extremes=(Extreme([[1e8, -1e8], [0.0, 0.0]], {"q": 0.01}),),
        invalid=(
            Invalid({"q": 0.0}, ValueError, "q must be in (0, 1), got 0.0"),
            Invalid({"q": 1.5}, ValueError, "q must be in (0, 1)"),
        ),
        kink_distance=lambda y_pred, y_true, **_: np.abs(y_pred - y_true),
        torch_extremes=(Extreme([[1e8, -1e8, 3.0], [0.0, 0.0, 0.0]], {"q": 0.01}),),
    ),
)
def quantile(y_pred, y_true, *, q=0.5):
    """Pinball (quantile) loss: under-predictions cost q, over-predictions cost 1 - q.

    At a tie the gradient is 0, the library-wide convention for kinks of max(0, ·).

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        q: The quantile to estimate, in (0, 1). 0.5 gives half the absolute error.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import quantile
        >>> quantile([0.0, 0.0], [1.0, -1.0], q=0.9)   # (0.9·1 + 0.1·1) / 2
        0.5
        >>> quantile.grad([0.0, 0.0], [1.0, -1.0], q=0.9, reduction="sum")
        array([-0.9,  0.1])
    """
    in_open_unit_interval(q=q)
    u = y_true - y_pred
    value = np.maximum(q * u, (q - 1.0) * u)
    return Result(value, lambda: np.where(u > 0, -q, np.where(u < 0, 1.0 - q, 0.0)))


# --- metrics and robust losses -------------------------------------------------------------


def _rmse_value(mean_square, scale):
    return float(scale * np.sqrt(mean_square))


def _rmse_slope(mean_square, scale):
    # d√U/dU; the kernel's gradient is already multiplied by the scale. At RMSE = 0 the
    # derivative does not exist: lossref returns 0 there (the kernel's gradient is 0 too).
    return 0.5 / np.sqrt(mean_square) if mean_square > 0 else 0.0


def _rmse_curve():
    """RMSE against one residual r₁ with the other residuals of the batch held fixed."""

    def args(x, others=()):
        batch = np.column_stack([x, *[np.full_like(x, r) for r in others]])
        return batch, np.zeros_like(batch)

    return Curve(
        x_label="residual r₁ = ŷ₁ − y₁ (others fixed)",
        x_range=(-3.0, 3.0),
        args=args,
        series=(
            Series("N = 1: RMSE = |r₁|", {}, {}),
            Series("N = 2, other residual 1", {"others": (1.0,)}, {}),
            Series("N = 3, others 1 and −2", {"others": (1.0, -2.0)}, {}),
        ),
        component=lambda grad, args: grad[..., 0],
        grad_label="∂RMSE/∂ŷ₁",
    )


@elementwise_loss(
    family="regression",
    formula=(
        r"\mathrm{RMSE}(\hat y, y) = \sqrt{\frac{1}{N}\sum_{i=1}^{N} r_i^2}, \quad r_i = \hat y_i - y_i",
        r"\text{with weights: } \sqrt{\textstyle\sum_i w_i r_i^2 \big/ \sum_i w_i}",
    ),
    gradient=(
        r"\frac{\partial\,\mathrm{RMSE}}{\partial \hat y_i} = \frac{r_i}{N \cdot \mathrm{RMSE}}"
        r"\quad \left(\frac{w_i\, r_i}{\sum_j w_j \cdot \mathrm{RMSE}} \text{ with weights}\right)",
        r"\text{at } \mathrm{RMSE} = 0 \text{ (every } r_i = 0\text{): } 0",
    ),
    domain=_REAL_PAIR,
    use_case=(
        "Reporting regression error in the units of the target; a metric of the whole batch, not a "
        "per-sample loss."
    ),
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient"),
    equivalents={
        "scikit-learn": "sklearn.metrics.root_mean_squared_error(y_true, y_pred)",
        "Keras": (
            "keras.metrics.RootMeanSquaredError() (a streaming metric: accumulates squares across batches)"
        ),
        "PyTorch": "no function: the square root of F.mse_loss(y_pred, y_true)",
    },
    references=(
        (
            "Hyndman & Koehler, Another look at measures of forecast accuracy, International Journal of "
            "Forecasting (2006)"
        ),
        (
            "Willmott & Matsuura, Advantages of the mean absolute error (MAE) over the root mean square "
            "error (RMSE), Climate Research (2005)"
        ),
    ),
    differences=(
        Difference(
            "sklearn-rmse-multioutput",
            "scikit-learn",
            "For 2-D targets `root_mean_squared_error` takes one RMSE per column and averages them "
            '(`multioutput="uniform_average"`); lossref takes one RMSE over every element, which is '
            "`sqrt(mean_squared_error(y_true, y_pred))`. The two agree for 1-D targets only.",
        ),
    ),
    reduction=root_mean(_rmse_value, _rmse_slope),
    reduction_note=(
        'Only `"mean"`: RMSE is the square root of the (weighted) mean of the squared residuals, '
        '√(Σw r²/Σw) with `weights=`; `"sum"` and `"none"` raise, since RMSE has no per-sample form.'
    ),
    plot=Plot(curve=_rmse_curve()),
    checks=Checks(
        extremes=(
            Extreme([[1e200, -1e200, 1e-300], [0.0, 0.0, 0.0]]),
            Extreme([[1e-300, -1e-300, 0.0], [0.0, 0.0, 0.0]]),
            Extreme([[2.0, -1.0, 0.5], [2.0, -1.0, 0.5]]),
        ),
        # the one point without a gradient is r = 0 for the whole batch; max |r| bounds the distance to it
        kink_distance=lambda y_pred, y_true: np.full(np.shape(y_pred), np.max(np.abs(y_pred - y_true))),
        # RMSE = 0 is left out: there √ has no derivative (lossref returns 0, autograd NaN)
        torch_extremes=(
            Extreme([[1e8, -1e8, 0.0, 1e-3], [0.0, 0.0, 0.0, 0.0]]),
            Extreme([[1e-150, 3e-150], [0.0, 0.0]]),
        ),
    ),
)
def rmse(y_pred, y_true):
    """Root mean squared error: the square root of the mean squared residual.

    A metric of the whole batch, so only ``reduction="mean"`` exists (``weights=`` gives
    √(Σw r²/Σw), as scikit-learn's ``sample_weight``). Where every residual is 0 the
    gradient does not exist; lossref returns 0 there. The residuals are divided by their
    largest magnitude before squaring, so RMSE is exact for residuals from 1e-300 to 1e300.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.

    Returns:
        RMSE over every element; ``reduction`` accepts only ``"mean"``.

    Examples:
        >>> from lossref import rmse
        >>> rmse([3.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0])    # √((9 + 16) / 4) = √6.25
        2.5
        >>> rmse.grad([3.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0])   # r / (N · RMSE) = r / 10
        array([0.3, 0.4, 0. , 0. ])
        >>> rmse.grad([1.0, 2.0], [1.0, 2.0])    # RMSE = 0: no gradient exists; lossref returns 0
        array([0., 0.])
    """
    r = y_pred - y_true
    scale = float(np.max(np.abs(r)))
    if scale == 0.0:
        return Result(np.zeros_like(r), lambda: np.zeros_like(r), context={"scale": 0.0})
    # squares of r / max|r| lie in [0, 1]: no overflow at 1e200, no underflow at 1e-300
    t = r / scale
    return Result(t * t, lambda: 2.0 * t, context={"scale": scale})


@elementwise_loss(
    family="regression",
    formula=r"\ell_\epsilon(\hat y, y) = \sqrt{r^2 + \epsilon^2} - \epsilon, \quad r = \hat y - y",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \frac{r}{\sqrt{r^2 + \epsilon^2}}",
    domain=_REAL_PAIR,
    use_case="Image restoration and optical flow: L1 with its corner at 0 rounded off over a width ε.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "Kornia": "kornia.losses.charbonnier_loss is ε = 1: √(r² + 1) − 1 (v0.8.3)",
        "BasicSR / EDVR": (
            "`CharbonnierLoss(eps=e)` is √(r² + e): ε = √e, without the − ε (BasicSR v1.4.2, default e = "
            "1e-12)"
        ),
    },
    references=(
        "Charbonnier, Blanc-Féraud, Aubert & Barlaud, Two deterministic half-quadratic regularization "
        "algorithms for computed imaging, ICIP (1994)",
        "Barron, A General and Adaptive Robust Loss Function, CVPR (2019)",
        (
            "Lai, Huang, Ahuja & Yang, Deep Laplacian Pyramid Networks for Fast and Accurate "
            "Super-Resolution (LapSRN), CVPR (2017)"
        ),
    ),
    robust={"outliers": "Barron, A General and Adaptive Robust Loss Function, CVPR (2019)"},
    plot=Plot(
        curve=_residual_curve("eps", (1e-3, 0.3, 1.0), "ε"),
        explore={"eps": (0.001, 1.0, "log")},
    ),
    checks=Checks(
        variants=({"eps": 1e-6}, {"eps": 1.0}),
        extremes=(
            Extreme([[1e8, -1e8, 1e200, -3.0, 1e-300, 1e-6, 0.0], [0.0] * 7]),
            Extreme([[1e-9, -2e-12, 1.0], [0.0, 0.0, 0.0]], {"eps": 1e-6}),
        ),
        invalid=(
            Invalid({"eps": 0.0}, ValueError, "eps must be > 0, got 0.0"),
            Invalid({"eps": -1e-3}, ValueError, "eps must be > 0"),
            Invalid({"eps": "1e-3"}, TypeError, "eps must be a real number, got str"),
        ),
        fd_step=lambda eps=1e-3: min(1e-3, eps / 100),  # the bend at 0 is ε wide
        torch_extremes=(
            Extreme([[1e8, -1e8, 1e200, 1e-300, 1e-6, 0.0], [0.0] * 6]),
            Extreme([[1e-9, -2e-12, 1.0], [0.0, 0.0, 0.0]], {"eps": 1e-6}),
        ),
    ),
)
def charbonnier(y_pred, y_true, *, eps=1e-3):
    """Charbonnier loss: √(r² + ε²) − ε, a smooth L1.

    ε is subtracted, so the loss is 0 at r = 0 (Barron's and Kornia's form). Many papers
    and repositories omit the − ε: that adds the constant ε to every sample and changes
    no gradient.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        eps: Width of the rounded corner at r = 0, in target units; > 0. 1e-3 (LapSRN) by
            default; Kornia's ``charbonnier_loss`` is ``eps=1``.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import charbonnier
        >>> charbonnier([3.0], [-1.0], eps=3.0)       # √(16 + 9) − 3
        2.0
        >>> charbonnier.grad([3.0], [-1.0], eps=3.0)   # r / √(r² + ε²) = 4 / 5
        array([0.8])
    """
    positive(eps=eps)
    r = y_pred - y_true
    a = np.abs(r)
    root = np.hypot(r, eps)  # no overflow for |r| up to the float64 maximum
    # √(r² + ε²) − ε = r² / (√(r² + ε²) + ε): no cancellation when |r| << ε
    return Result(a * (a / (root + eps)), lambda: r / root)


@elementwise_loss(
    family="regression",
    formula=r"\ell_c(\hat y, y) = \frac{c^2}{2} \log\left(1 + \frac{r^2}{c^2}\right), \quad r = \hat y - y",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \frac{r}{1 + r^2 / c^2}",
    domain=_REAL_PAIR,
    use_case=(
        "Regression with heavy-tailed noise (Cauchy/Lorentzian): the pull of an outlier fades like c²/r."
    ),
    properties=("non_negative", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "Kornia": "kornia.losses.cauchy_loss is scale = √2: log(1 + r²/2) (v0.8.3)",
        "SciPy": (
            'scipy.optimize.least_squares(loss="cauchy", f_scale=c): its cost ½ Σ c² log(1 + r²/c²) is the '
            "sum of this loss"
        ),
    },
    references=(
        "Black & Anandan, The robust estimation of multiple motions, CVIU (1996)",
        "Barron, A General and Adaptive Robust Loss Function, CVPR (2019)",
    ),
    robust={"outliers": "Black & Anandan, The robust estimation of multiple motions, CVIU (1996)"},
    plot=Plot(
        curve=_residual_curve("scale", (0.5, 1.0, 2.0), "c", x_range=(-6.0, 6.0)),
        explore={"scale": (0.2, 3.0)},
    ),
    checks=Checks(
        variants=({"scale": 0.5}, {"scale": 3.0}),
        extremes=(
            Extreme([[1e8, -1e8, 1e200, -1e300, 1e-300, 0.5], [0.0] * 6]),
            Extreme([[1e154, -1e200, 5.0], [0.0, 0.0, 0.0]], {"scale": 1e-3}),
        ),
        invalid=(
            Invalid({"scale": 0.0}, ValueError, "scale must be > 0, got 0.0"),
            Invalid({"scale": -1.0}, ValueError, "scale must be > 0"),
            Invalid({"scale": np.inf}, ValueError, "scale must be finite"),
        ),
        torch_extremes=(
            Extreme([[1e8, -1e8, 1e150, 1e-300, 0.5, 0.0], [0.0] * 6]),
            Extreme([[1e3, 1e-12, -2e-3], [0.0, 0.0, 0.0]], {"scale": 1e-3}),
        ),
    ),
)
def cauchy(y_pred, y_true, *, scale=1.0):
    """Cauchy (Lorentzian) loss: quadratic near 0, logarithmic for large residuals.

    The negative log-likelihood of Cauchy noise with scale c, up to a constant and the
    factor c², which makes it ≈ r²/2 for |r| << c. It is not convex: beyond |r| = c the
    loss bends down, and the gradient falls back towards 0.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        scale: The scale c, in target units; > 0. The gradient peaks (at ±c/2) where |r| = c.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import cauchy
        >>> cauchy([2.0], [0.0], scale=2.0) == 2 * math.log(2)     # (4/2) · log(1 + 1)
        True
        >>> cauchy.grad([2.0], [0.0], scale=2.0)                    # 2 / (1 + 1)
        array([1.])
    """
    positive(scale=scale)
    c = float(scale)
    r = y_pred - y_true
    t = np.abs(r) / c
    big = t > 1.0
    small = np.where(big, 0.0, t)
    inv = 1.0 / np.where(big, t, 1.0)
    # log(1 + t²) = 2 log t + log1p(1/t²) for t > 1, so t² never overflows
    log_term = np.where(
        big, 2.0 * np.log(np.where(big, t, 1.0)) + np.log1p(inv * inv), np.log1p(small * small)
    )
    # r / (1 + t²) = (c²/r) / (1 + 1/t²) = sign(r) c (1/t) / (1 + 1/t²) for t > 1
    return Result(
        (0.5 * c) * (c * log_term),
        lambda: np.where(big, np.sign(r) * c * inv / (1.0 + inv * inv), r / (1.0 + small * small)),
    )


@elementwise_loss(
    family="regression",
    formula=(
        r"\ell_c(\hat y, y) = \begin{cases} \frac{c^2}{6}\left[1 - \left(1 - \frac{r^2}{c^2}\right)^3\right] & |r| \le c \\ \frac{c^2}{6} & |r| > c \end{cases}",  # noqa: E501
        r"r = \hat y - y",
    ),
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \begin{cases} r\left(1 - \frac{r^2}{c^2}\right)^2 & |r| \le c \\ 0 & |r| > c \end{cases}",  # noqa: E501
    domain=_REAL_PAIR,
    use_case="Robust regression that ignores gross outliers entirely: residuals beyond c have zero gradient.",
    properties=("non_negative", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "statsmodels": (
            "statsmodels.robust.norms.TukeyBiweight(c=c).rho(r) (v0.14.6; RLM applies it to residuals "
            "divided by a robust scale; older versions drop the constant c²/6)"
        ),
    },
    references=(
        (
            "Beaton & Tukey, The fitting of power series, meaning polynomials, illustrated on "
            "band-spectroscopic data, Technometrics (1974)"
        ),
        "Huber & Ronchetti, Robust Statistics, 2nd ed. (2009), §4.8",
    ),
    robust={"outliers": "Huber & Ronchetti, Robust Statistics, 2nd ed. (2009), §4.8"},
    aliases=("bisquare",),  # names readers search for
    plot=Plot(
        curve=_residual_curve("c", (2.0, 4.685, 6.0), "c", x_range=(-7.0, 7.0)),
        explore={"c": (1.0, 8.0)},
    ),
    checks=Checks(
        variants=({"c": 2.0}, {"c": 10.0}),
        extremes=(
            Extreme([[1e8, -1e8, 1e200, 4.0, -4.6, 1e-300], [0.0] * 6]),
            Extreme([[4.684999, -4.684, 3.0, -1e-12], [0.0] * 4]),  # near the edge 1 − r²/c² cancels
            # c ≥ 1.3e154: c² overflows, so 1 − r²/c² must be formed without it (values stay below
            # 1e307 here, where the tests' finite-difference stencil itself would overflow)
            Extreme([[1.0, -3.0, 1e150, 4e153, 1e-300], [0.0] * 5], {"c": 1e155}),
            Extreme([[1.0, -3.0, 1e153, -4e153, 1e-300], [0.0] * 5], {"c": 2e154}),
            Extreme([[1.0, -2.5, 1e100, 1e150, -1e-300], [0.0] * 5], {"c": 1e300}),
        ),
        invalid=(
            Invalid({"c": 0.0}, ValueError, "c must be > 0, got 0.0"),
            Invalid({"c": -4.685}, ValueError, "c must be > 0"),
            Invalid({"c": None}, TypeError, "c must be a real number, got NoneType"),
        ),
        # the second derivative jumps at |r| = c, which spoils high-order finite differences
        kink_distance=lambda y_pred, y_true, c=4.685: np.abs(np.abs(y_pred - y_true) - c),
        torch_extremes=(Extreme([[1e8, -1e8, 4.0, -4.6, 4.685, 1e-300, 0.0], [0.0] * 7]),),
    ),
)
def tukey_biweight(y_pred, y_true, *, c=4.685):
    """Tukey's biweight (bisquare) loss: a redescending M-estimator.

    Close to r²/2 for small residuals; constant (c²/6) beyond |r| = c, where the gradient
    is exactly 0, so gross outliers stop influencing the fit at all. Not convex: a fit
    needs a good starting point (e.g. from Huber or L1).

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        c: Rejection threshold in target units; > 0. The default 4.685 gives 95% of the
            efficiency of least squares under Gaussian noise of unit scale.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import tukey_biweight
        >>> tukey_biweight([1.0, 5.0], [0.0, 0.0], c=2.0, reduction="none")   # (4/6)(1 − (3/4)³), then 4/6
        array([0.38541667, 0.66666667])
        >>> tukey_biweight.grad([1.0, 5.0], [0.0, 0.0], c=2.0, reduction="sum")   # 1 · (3/4)², then 0
        array([0.5625, 0.    ])
    """
    positive(c=c)
    c = float(c)
    r = y_pred - y_true
    a = np.abs(r)
    inside = a <= c
    a_in = np.where(inside, a, 0.0)
    u = (a_in / c) ** 2
    # 1 − r²/c² = ((c − |r|)/c)((c + |r|)/c): c − |r| is exact near the edge, where 1 − u would
    # cancel, and dividing each factor by c never forms c², which overflows from c ≈ 1.3e154
    v = ((c - a_in) / c) * ((c + a_in) / c)
    # (c²/6)(1 − (1 − u)³) = (r²/2)(1 − u + u²/3): no cancellation for small r; ½|r|·(|r|·(…))
    # and c·(c/6) stay finite wherever the value itself is (c²/6 is inf from c ≈ 3.3e154 only)
    with np.errstate(over="ignore"):
        plateau = c * (c / 6.0)
    value = np.where(inside, 0.5 * a_in * (a_in * (1.0 - u + u * u / 3.0)), plateau)
    return Result(value, lambda: np.where(inside, r * v * v, 0.0))


_EPS64 = float(np.finfo(np.float64).eps)


def _prediction_curve(targets, x_range=(-2.0, 4.0)):
    """Plot against the prediction ŷ at a few fixed targets y."""
    return Curve(
        x_label="prediction ŷ (target y fixed)",
        x_range=x_range,
        args=lambda x, y: (x, np.full_like(x, y)),
        series=tuple(Series(f"y = {y:g}", {"y": y}, {}) for y in targets),
    )


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = \frac{|\hat y - y|}{\max(|y|, \epsilon)}",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \frac{\operatorname{sign}(\hat y - y)}{\max(|y|, \epsilon)}, \quad \operatorname{sign}(0) = 0",  # noqa: E501
    domain=_REAL_PAIR,
    use_case="Reporting relative error of positive targets far from 0 (sales, demand), as a fraction.",
    properties=("non_negative", "convex", "zero_iff_equal"),
    equivalents={
        "scikit-learn": (
            "sklearn.metrics.mean_absolute_percentage_error(y_true, y_pred) (a fraction, ε = float64 eps)"
        ),
        "Keras": "keras.losses.MeanAbsolutePercentageError() (a percentage: ×100, ε = 1e-7)",
        "torchmetrics": (
            "torchmetrics.functional.mean_absolute_percentage_error(preds, target) (v1.9.0; a fraction, ε = "
            "1.17e-6)"
        ),
    },
    references=(
        (
            "Hyndman & Koehler, Another look at measures of forecast accuracy, International Journal of "
            "Forecasting (2006)"
        ),
        (
            "de Myttenaere, Golden, Le Grand & Rossi, Mean Absolute Percentage Error for regression models, "
            "Neurocomputing (2016)"
        ),
    ),
    differences=(
        Difference(
            "keras-mape-percent",
            "Keras",
            "Keras returns a percentage, 100 × the fraction lossref and scikit-learn return, and floors "
            "|y| at 1e-7 instead of the float64 machine epsilon: `mape(..., eps=1e-7) * 100`.",
        ),
        Difference(
            "sklearn-mape-argument-order",
            "scikit-learn",
            "`mean_absolute_percentage_error(y_true, y_pred)` takes the target first. MAPE divides by the "
            "target, so swapping the arguments silently divides by the prediction instead.",
        ),
    ),
    plot=Plot(curve=_prediction_curve((0.5, 1.0, 2.0))),
    checks=Checks(
        variants=({"eps": 1e-7},),
        extremes=(
            Extreme([[1.0, -1.0, 1e8, 0.0, 1e200], [1e-300, 0.0, 1e-12, 1e-300, 1e-8]]),
            Extreme([[5.0, -3.0], [0.0, 1e-9]], {"eps": 1e-7}),
        ),
        invalid=(
            Invalid({"eps": 0.0}, ValueError, "eps must be > 0, got 0.0"),
            Invalid({"eps": "tiny"}, TypeError, "eps must be a real number, got str"),
        ),
        kink_distance=lambda y_pred, y_true, **_: np.abs(y_pred - y_true),
        torch_extremes=(Extreme([[1.0, -1.0, 1e8, 0.0, 2.0], [1e-300, 0.0, 1e-12, 1e-300, 2.0]]),),
    ),
)
def mape(y_pred, y_true, *, eps=_EPS64):
    """Mean absolute percentage error, as a fraction: |ŷ − y| / max(|y|, ε).

    0.1 means 10%. The target is the denominator, so the argument order matters (the
    prediction comes first here, the target first in scikit-learn and Keras). Where the
    target is 0 the loss is |ŷ| / ε: huge, not infinite. At ŷ = y the gradient is 0.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        eps: Floor on |y| in the denominator; > 0. The float64 machine epsilon by default,
            as scikit-learn; Keras uses 1e-7 and torchmetrics 1.17e-6.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import mape
        >>> mape([110.0, 90.0], [100.0, 100.0])      # (10/100 + 10/100) / 2
        0.1
        >>> mape.grad([110.0, 90.0], [100.0, 100.0], reduction="sum")   # sign(r) / |y|
        array([ 0.01, -0.01])
    """
    positive(eps=eps)
    r = y_pred - y_true
    denominator = np.maximum(np.abs(y_true), eps)
    return Result(np.abs(r) / denominator, lambda: np.sign(r) / denominator)


def _smape_kink_distance(y_pred, y_true, **_):
    # kinks at ŷ = y and at ŷ = 0; and near ŷ = y = 0 SMAPE (scale-free) changes over the
    # length |ŷ| + |y|, too short for finite differences with a fixed step: treat a
    # thirtieth of it like a distance to a kink
    a, b = np.abs(y_pred), np.abs(y_true)
    return np.minimum(np.minimum(np.abs(y_pred - y_true), a), (a + b) / 30.0)


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = \frac{2\,|\hat y - y|}{\max(|\hat y| + |y|,\ \epsilon)} \in [0, 2]",
    gradient=(
        r"\frac{\partial \ell}{\partial \hat y} = \frac{2\left(\operatorname{sign}(r)\, B - |r| \operatorname{sign}(\hat y)\right)}{B^2},"  # noqa: E501
        r"\quad r = \hat y - y,\ B = |\hat y| + |y| > \epsilon",
        r"\frac{\partial \ell}{\partial \hat y} = \frac{2 \operatorname{sign}(r)}{\epsilon} \text{ where } B \le \epsilon; \quad \operatorname{sign}(0) = 0",  # noqa: E501
    ),
    domain=_REAL_PAIR,
    use_case=(
        "Forecast evaluation (M3/M4 competitions): relative error bounded in [0, 2], defined when y = 0."
    ),
    properties=("non_negative", "zero_iff_equal", "symmetric"),
    equivalents={
        "torchmetrics": (
            "torchmetrics.functional.symmetric_mean_absolute_percentage_error(preds, target) (v1.9.0; the "
            "same form, ε = 1.17e-6)"
        ),
        "scikit-learn": "none (only mean_absolute_percentage_error)",
    },
    references=(
        (
            "Makridakis, Accuracy measures: theoretical and practical concerns, International Journal of "
            "Forecasting (1993)"
        ),
        (
            "Hyndman & Koehler, Another look at measures of forecast accuracy, International Journal of "
            "Forecasting (2006)"
        ),
    ),
    plot=Plot(curve=_prediction_curve((0.5, 1.0, 2.0), x_range=(-3.0, 6.0))),
    checks=Checks(
        variants=({"eps": 1.17e-6},),
        extremes=(
            Extreme([[1.0, 0.0, 1e-300, 1e300, 3.0, 1e8], [0.0, 0.0, 2e-300, -1e300, 1e-12, 1.0]]),
            Extreme([[1e-7, -5.0], [0.0, 5.0]], {"eps": 1.17e-6}),
        ),
        invalid=(
            Invalid({"eps": 0.0}, ValueError, "eps must be > 0, got 0.0"),
            Invalid({"eps": [1e-8]}, TypeError, "eps must be a real number, got list"),
        ),
        kink_distance=_smape_kink_distance,
        torch_extremes=(
            Extreme([[1.0, 0.0, 1e-300, 1e300, 3.0, 1e8, 0.0], [0.0, 0.0, 2e-300, -1e300, 1e-12, 1.0, 5.0]]),
        ),
    ),
)
def smape(y_pred, y_true, *, eps=_EPS64):
    """Symmetric mean absolute percentage error, as a fraction in [0, 2].

    2|ŷ − y| / max(|ŷ| + |y|, ε): the form of Hyndman & Koehler (2006) and torchmetrics.
    Other papers halve it (range [0, 1]) or multiply by 100. ŷ = y = 0 gives 0/ε = 0;
    a prediction of opposite sign to the target (or a target of 0) gives the maximum, 2.
    Kinks at ŷ = y (gradient 0 there) and at ŷ = 0 (the formula with sign(0) = 0: the
    average of the two one-sided derivatives).

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        eps: Floor on |ŷ| + |y| in the denominator; > 0. The float64 machine epsilon by
            default; torchmetrics uses 1.17e-6.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import smape
        >>> smape([3.0, 0.0], [1.0, 0.0], reduction="none")   # 2·2 / (3 + 1); 0/ε = 0
        array([1., 0.])
        >>> smape.grad([3.0], [1.0], reduction="sum")           # 4 |y| / (|ŷ| + |y|)² = 4/16
        array([0.25])
    """
    positive(eps=eps)
    r = y_pred - y_true
    a, b = np.abs(y_pred), np.abs(y_true)
    total = a + b
    floor = total <= eps
    denominator = np.where(floor, eps, total)
    value = 2.0 * (np.abs(r) / denominator)

    def backward():
        # same signs: 2(sign(r) B − |r| sign(ŷ)) / B² = 4 sign(r) |y| / B², without the
        # cancellation; otherwise |r| = B and it is 2 (sign(r) − sign(ŷ)) / B (0, or the ŷ = 0
        # average)
        same = np.sign(y_pred) * np.sign(y_true) > 0
        slope = np.where(
            same,
            4.0 * np.sign(r) * (b / denominator) / denominator,
            2.0 * (np.sign(r) - np.sign(y_pred)) / denominator,
        )
        return np.where(floor, 2.0 * np.sign(r) / eps, slope)

    return Result(value, backward)
