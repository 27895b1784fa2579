"""Regression losses: a real-valued prediction against a real-valued target."""

import math
import numbers

import numpy as np

from ._checks import as_float_array, flag, in_open_unit_interval, non_negative, positive
from ._core import (
    BlockValues,
    Checks,
    Curve,
    Difference,
    Extreme,
    Invalid,
    Plot,
    Result,
    Series,
    elementwise_loss,
    gradient_requested,
)
from ._domains import REAL, Domain
from ._math import block_buffers, scratch, two_sum
from ._reductions import root_mean

__all__ = [
    "barron",
    "cauchy",
    "charbonnier",
    "epsilon_insensitive",
    "expectile",
    "huber",
    "log_cosh",
    "mae",
    "mape",
    "mse",
    "msle",
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
    propagates_non_finite=True,  # (ŷ − y)²: NaN and ±inf stay NaN or +inf
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
    # block by block: r into the values' block, 2r into the gradient when one is asked for, then
    # r² over r (under a plain mean the block is only summed: BlockValues)
    values = BlockValues(y_pred.shape)
    grad = np.empty(y_pred.shape) if gradient_requested() else None
    x, y, g = y_pred.reshape(-1), y_true.reshape(-1), None if grad is None else grad.reshape(-1)
    for s, vb in values.blocks():
        r = np.subtract(x[s], y[s], out=vb)
        if g is not None:
            np.multiply(r, 2.0, out=g[s])
        np.multiply(r, r, out=r)
    return Result(values.result(), grad)


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
    propagates_non_finite=True,  # c·(r − c/2): r = ±inf gives +inf, NaN stays NaN
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
    # roundings as those two forms (c/2 is exact). Block by block on small temporaries, and c is
    # the gradient: it is written straight into it when one is asked for. No input-sized array
    # but the gradient, and the values where the reduction reads each one.
    values = BlockValues(y_pred.shape)
    grad = np.empty(y_pred.shape) if gradient_requested() else None
    x, y, g = y_pred.reshape(-1), y_true.reshape(-1), None if grad is None else grad.reshape(-1)
    # temporaries reused by every block, as the values' block is; c goes into the gradient if any
    half, *c_buffer = block_buffers(x.size, 1 if g is not None else 2)
    for s, vb in values.blocks():
        r = np.subtract(x[s], y[s], out=vb)
        c = np.clip(r, -delta, delta, out=g[s] if g is not None else c_buffer[0][: len(r)])
        r -= np.multiply(c, 0.5, out=half[: len(r)])
        r *= c
    return Result(values.result(), grad)


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
        "Kornia": (
            "kornia.losses.charbonnier_loss is ε = 1: √(r² + 1) − 1 (Kornia 0.9.0; per element by default)"
        ),
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
        "Kornia": (
            "kornia.losses.cauchy_loss is scale = √2: log(1 + r²/2) (Kornia 0.9.0; per element by default)"
        ),
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


# --- losses added for issue 19 -------------------------------------------------------------


def _above_minus_one(value, name):
    arr = as_float_array(value, name)
    bad = arr <= -1
    if bad.any():
        raise ValueError(f"{name} must be > -1 (log(1 + x) is taken); got {float(arr[bad].flat[0])!r}")
    return arr


_ABOVE_MINUS_ONE = Domain(
    "x > −1 (usually x ≥ 0: counts, prices, durations)",
    _above_minus_one,
    lambda rng, shape: rng.uniform(-0.5, 4.0, size=shape),
    invalid=((-1.0, ValueError, "must be > -1"), (-3.0, ValueError, "must be > -1")),
    stress=(-1 + 2**-52, -0.5, 0.0, 1e-300, 1e-12, 0.3, 1.0, 1 + 2**-30, 3.0, 1e6, 1e300),
    # log(1 + x) bends on the length 1 + x: never step across −1; a power of two, so that
    # x ± kh are exact next to −1, where 1 + x is a few hundred ulps
    fd_step=lambda x: 2.0 ** np.floor(np.log2(1e-3 * min(1.0, float((1.0 + x).min())))),
)


def _log1p_difference(y_pred, y_true):
    """log(1 + ŷ) − log(1 + y), accurate to a few ulps of the result.

    Where 1 + ŷ and 1 + y are within a factor of 2, log1p((ŷ − y)/(1 + y)) keeps every digit
    that the difference of two logs would cancel; elsewhere the ratio's log is accurate, unless
    the ratio over- or underflows, where the two logs are far apart and their difference is.
    """
    a = 1.0 + y_true
    u = y_pred - y_true
    near = np.abs(u) <= 0.5 * a
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        close = np.log1p(np.where(near, u, 0.0) / a)
        ratio = (1.0 + y_pred) / a
    normal = (ratio > np.finfo(np.float64).tiny) & np.isfinite(ratio)
    far = np.where(normal, np.log(np.where(normal, ratio, 1.0)), np.log1p(y_pred) - np.log1p(y_true))
    return np.where(near, close, far)


@elementwise_loss(
    family="regression",
    aliases=("mean squared logarithmic error", "MSLE", "RMSLE"),
    formula=r"\ell(\hat y, y) = \big(\log(1 + \hat y) - \log(1 + y)\big)^2",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \frac{2\,\big(\log(1 + \hat y) - \log(1 + y)\big)}{1 + \hat y}",  # noqa: E501
    domain={"y_pred": _ABOVE_MINUS_ONE, "y_true": _ABOVE_MINUS_ONE},
    use_case="Non-negative targets spread over orders of magnitude (sales, prices, counts): penalises the "
    "ratio (1 + ŷ)/(1 + y), not the difference.",
    properties=("non_negative", "zero_iff_equal", "symmetric", "smooth"),
    equivalents={
        "Keras": "keras.losses.MeanSquaredLogarithmicError()(y_true, y_pred) (clamps both at 1e-7 first: "
        "equal for ŷ, y ≥ 1e-7)",
        "scikit-learn": "sklearn.metrics.mean_squared_log_error(y_true, y_pred) (raises for values ≤ −1)",
    },
    references=(
        "Hyndman & Koehler, Another look at measures of forecast accuracy, International Journal of "
        "Forecasting (2006)",
        "Tofallis, A better measure of relative prediction accuracy for model selection and model "
        "estimation, Journal of the Operational Research Society (2015)",
    ),
    differences=(
        Difference(
            "keras-msle-clamps-at-epsilon",
            "Keras",
            "Keras replaces every ŷ and y below 1e-7 (`keras.backend.epsilon()`) by 1e-7 before "
            "taking log(1 + ·): for values in (−1, 1e-7) its loss is that of 1e-7, and its gradient "
            "with respect to ŷ there is 0. `lossref` takes log(1 + x) for every x > −1, as "
            "scikit-learn does.",
        ),
    ),
    plot=Plot(
        curve=_prediction_curve((0.0, 1.0, 3.0), x_range=(-0.5, 8.0)),
    ),
    checks=Checks(
        # log1p is not a polynomial: where ℓ and its gradient are ~0 (ŷ ≈ y), the stencil's
        # truncation error h⁴ℓ⁽⁵⁾ would exceed the gradient itself with the default step 1e-3
        fd_step=lambda: 2.0**-20,
        # one row per scale of 1 + ŷ: the tests' finite-difference step follows the smallest
        extremes=(
            Extreme(([-1 + 2**-40, -1 + 2**-40, -1 + 2**-40], [1e300, 0.5, -1 + 2**-52])),
            Extreme(([1e300, 1e-300, 3.0 + 1e-12, 1e6, -0.5], [-1 + 2**-52, 0.0, 3.0, 1e6 + 1.0, 1e-300])),
        ),
    ),
)
def msle(y_pred, y_true):
    """Mean squared logarithmic error: the squared difference of log(1 + ŷ) and log(1 + y).

    A squared error on the scale log(1 + x), so it scores the ratio (1 + ŷ)/(1 + y): missing
    100 by 10 costs as much as missing 1000 by 100 (almost). Defined for ŷ, y > −1.

    Args:
        y_pred: Predictions ŷ > −1, any shape.
        y_true: Targets y > −1, the same shape as ``y_pred``.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``. Its square root is RMSLE.

    Examples:
        >>> import math
        >>> from lossref import msle
        >>> msle([math.e - 1], [0.0])            # (log e − log 1)² = 1
        1.0
        >>> msle.grad([math.e - 1], [0.0])       # 2 · 1 / e
        array([0.73575888])
    """
    d = _log1p_difference(y_pred, y_true)
    return Result(d * d, lambda: 2.0 * d / (1.0 + y_pred))


def _excess(y_pred, y_true, epsilon):
    """(|ŷ − y| − ε, sign(ŷ − y)) with the excess accurate where |ŷ − y| ≈ ε.

    ŷ − y is rounded, and subtracting ε would magnify that rounding (at |r| = ε + 1e-12 the
    excess has only 5 correct digits); adding the rounding error of ŷ − y back (Knuth's
    two-sum) after the exact subtraction |r| − ε (Sterbenz) keeps every digit.
    """
    r, r_err = two_sum(y_pred, -y_true)
    s = np.sign(r)
    with np.errstate(invalid="ignore"):  # r = ±inf where ŷ − y overflows: its error is NaN, unused
        u = (np.abs(r) - epsilon) + np.where(np.isfinite(r), s * r_err, 0.0)
    return u, s


def _epsilon_curve():
    return Curve(
        x_label="residual r = ŷ − y",
        x_range=(-2.0, 2.0),
        args=lambda x: (x, np.zeros_like(x)),
        series=(
            Series("ε = 0.5", {}, {"epsilon": 0.5}),
            Series("ε = 0.5, squared", {}, {"epsilon": 0.5, "squared": True}),
            Series("ε = 0 (MAE)", {}, {"epsilon": 0.0}),
        ),
    )


@elementwise_loss(
    family="regression",
    aliases=("ε-insensitive loss", "SVR loss", "squared epsilon-insensitive"),
    formula=(
        r"\ell_\epsilon(\hat y, y) = \max\big(0,\ |\hat y - y| - \epsilon\big)",
        r"\text{squared: } \ell_\epsilon(\hat y, y) = \max\big(0,\ |\hat y - y| - \epsilon\big)^2",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y)\, \mathbb{1}\big[|\hat y - y| > \epsilon\big]",  # noqa: E501
        r"\text{squared: } \frac{\partial \ell}{\partial \hat y} = 2 \operatorname{sign}(\hat y - y) \max\big(0,\ |\hat y - y| - \epsilon\big)",  # noqa: E501
    ),
    domain=_REAL_PAIR,
    use_case="Support vector regression: residuals inside a tube of half-width ε cost nothing, so the fit "
    "depends only on the points outside it.",
    properties=("non_negative", "convex", "symmetric"),
    equivalents={
        "scikit-learn": "SGDRegressor(loss='epsilon_insensitive', epsilon=ε) and "
        "loss='squared_epsilon_insensitive' "
        "(their per-sample losses); SVR(epsilon=ε) and LinearSVR(loss='epsilon_insensitive' / "
        "'squared_epsilon_insensitive')",
    },
    references=(
        "Vapnik, The Nature of Statistical Learning Theory (1995), §6",
        "Smola & Schölkopf, A tutorial on support vector regression, Statistics and Computing (2004)",
    ),
    plot=Plot(curve=_epsilon_curve(), explore={"epsilon": (0.0, 1.0)}),
    checks=Checks(
        variants=({"squared": True}, {"epsilon": 0.0}, {"epsilon": 0.5, "squared": True}),
        # kinks at r = 0 (for ε = 0) and |r| = ε (the slope jumps; squared: the curvature jumps)
        kink_distance=lambda y_pred, y_true, epsilon=0.1, squared=False: np.minimum(
            np.abs(y_pred - y_true), np.abs(np.abs(y_pred - y_true) - epsilon)
        ),
        extremes=(
            Extreme(([1e8, -1e8, 0.1 + 1e-12, 1e300, 1e-300], [0.0, 0.0, 0.0, -1e300, 0.0])),
            Extreme(([3e153, -3.0, 2.5 + 1e-12], [0.0, 0.0, 0.0]), {"epsilon": 2.5, "squared": True}),
        ),
        invalid=(
            Invalid({"epsilon": -0.1}, ValueError, "epsilon must be >= 0, got -0.1"),
            Invalid({"epsilon": "0.1"}, TypeError, "epsilon must be a real number, got str"),
            Invalid({"epsilon": np.inf}, ValueError, "epsilon must be finite"),
        ),
    ),
)
def epsilon_insensitive(y_pred, y_true, *, epsilon=0.1, squared=False):
    """ε-insensitive loss (Vapnik): zero inside a tube of half-width ε, linear (or squared) outside.

    At |ŷ − y| = ε the gradient is 0, the library's convention at the kink of max(0, ·).

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        epsilon: Half-width ε of the tube, in target units; >= 0. 0.1 by default, as
            scikit-learn's SGDRegressor and SVR. ε = 0 gives the absolute error (squared: MSE).
        squared: Square the excess: scikit-learn's ``squared_epsilon_insensitive``.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import epsilon_insensitive
        >>> epsilon_insensitive([0.3, 2.0], [0.0, 0.0], epsilon=0.5)                # 0, then 2 − 0.5
        0.75
        >>> epsilon_insensitive([2.0], [0.0], epsilon=0.5, squared=True)            # (2 − 0.5)²
        2.25
        >>> epsilon_insensitive.grad([0.3, -2.0], [0.0, 0.0], epsilon=0.5, reduction="sum")
        array([ 0., -1.])
    """
    non_negative(epsilon=epsilon)
    flag(squared=squared)
    u, s = _excess(y_pred, y_true, float(epsilon))
    outside = u > 0
    excess = np.where(outside, u, 0.0)
    if squared:
        return Result(excess * excess, lambda: 2.0 * s * excess)
    return Result(excess, lambda: np.where(outside, s, 0.0))


@elementwise_loss(
    family="regression",
    aliases=("asymmetric least squares", "expectile regression"),
    formula=(
        r"\ell_\tau(\hat y, y) = \big|\tau - \mathbb{1}[u < 0]\big|\, u^2, \quad u = y - \hat y",
        r"\text{i.e. } \tau u^2 \text{ for an under-prediction } (u \ge 0), \ (1 - \tau) u^2 \text{ for an over-prediction}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial \hat y} = -2\,\big|\tau - \mathbb{1}[u < 0]\big|\, u",
    domain=_REAL_PAIR,
    use_case="Expectile regression: the asymmetric cousin of MSE, whose minimiser is the τ-expectile (τ = "
    "0.5: the mean); tail risk and heteroscedasticity.",
    properties=("non_negative", "convex", "zero_iff_equal", "smooth"),
    equivalents={
        "XGBoost": "objective='reg:expectileerror', expectile_alpha=τ: its `expectile` metric is the "
        "(weighted) mean "
        "of this loss; the objective's gradient w·(ŷ − y) is that of ℓ/2 (dmlc/xgboost commit 379b29f0, "
        "src/metric/elementwise_metric.cu and src/objective/expectile_obj.cu)",
    },
    references=(
        "Newey & Powell, Asymmetric Least Squares Estimation and Testing, Econometrica (1987)",
        "Aigner, Amemiya & Poirier, On the estimation of production frontiers, International Economic "
        "Review (1976)",
    ),
    plot=Plot(
        curve=_residual_curve("tau", (0.1, 0.5, 0.9), "τ"),
        explore={"tau": (0.05, 0.95)},
    ),
    checks=Checks(
        variants=({"tau": 0.1}, {"tau": 0.9}),
        # the curvature jumps from 2τ to 2(1 − τ) at u = 0, which spoils high-order differences
        kink_distance=lambda y_pred, y_true, tau=0.5: np.abs(y_pred - y_true),
        extremes=(
            Extreme(([1e150, -1e150, 1e-300, -1e-300, 3.0], [0.0, 0.0, 0.0, 0.0, -3.0]), {"tau": 0.01}),
            Extreme(([1e8, -1e8], [-1e8, 1e8]), {"tau": 0.99}),
        ),
        invalid=(
            Invalid({"tau": 0.0}, ValueError, "tau must be in (0, 1), got 0.0"),
            Invalid({"tau": 1.0}, ValueError, "tau must be in (0, 1)"),
            Invalid({"tau": "0.5"}, TypeError, "tau must be a real number, got str"),
        ),
    ),
)
def expectile(y_pred, y_true, *, tau=0.5):
    """Expectile (asymmetric squared) loss: squared error weighted τ below the target, 1 − τ above.

    Under-predictions (ŷ < y) cost τ u², over-predictions (1 − τ) u², with u = y − ŷ. The
    minimiser over constants is the τ-expectile: the mean at τ = 0.5, where the loss is half
    the squared error. It is to MSE what the pinball loss is to MAE.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        tau: The expectile level τ, in (0, 1); the weight of under-predictions. XGBoost
            calls it ``expectile_alpha``.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import expectile
        >>> expectile([0.0, 0.0], [2.0, -2.0], tau=0.9, reduction="none")   # 0.9 · 4, then 0.1 · 4
        array([3.6, 0.4])
        >>> expectile.grad([0.0, 0.0], [2.0, -2.0], tau=0.9, reduction="sum")  # −2·0.9·2, −2·0.1·(−2)
        array([-3.6,  0.4])
    """
    in_open_unit_interval(tau=tau)
    u = y_true - y_pred
    weight = np.where(u < 0, 1.0 - tau, tau)
    return Result(weight * (u * u), lambda: -2.0 * weight * u)


def _barron_alpha(alpha):
    """α as a float: any real number, or ±∞ (the limits of the family); NaN is refused."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number, got {type(alpha).__name__}")
    a = float(alpha)
    if np.isnan(a):
        raise ValueError(f"alpha must be a real number or ±inf, got {alpha}")
    return a


def _scaled_square(r, c, b):
    """(t, L) with t = (r/c)²/b and L = log(1 + t), also where t or r/c overflows.

    Where t would exceed 1e300, t is inf and L = 2 log(|r|/(c√b)) (1 next to t is below its
    last digit); everywhere else L = log1p(t).
    """
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        q = r / c
        s = np.abs(q) / math.sqrt(b)
        finite = s <= 1e150
        log_s = np.log(np.where(finite, 1.0, np.abs(r))) - math.log(c) - 0.5 * math.log(b)
        # (q·q)/b rounds twice where s·s rounds four times (√b, the division, the square): half
        # the error, which exp(αL/2) multiplies by |αL/2| (450 in Welsch-like tails)
        direct = (q * q) / b
        normal = np.isfinite(direct) & (direct >= np.finfo(np.float64).tiny)
        t = np.where(finite, np.where(normal, direct, s * s), np.inf)
        return t, np.where(finite, np.log1p(np.where(finite, t, 0.0)), 2.0 * log_s)


def _power_1p(t, L, k):
    """(1 + t)^k, by the more accurate of two forms.

    power(1 + t, k) has relative error |k|·ε, exp(k L) has |k L|·ε; so the power where L > 1
    (and t is finite), exp(k L) elsewhere.
    """
    use_power = np.isfinite(t) & (L > 1.0)
    with np.errstate(over="ignore", under="ignore"):
        return np.where(
            use_power, np.power(1.0 + np.where(use_power, t, 0.0), k), np.exp(k * np.where(use_power, 0.0, L))
        )


def _barron_curve():
    return Curve(
        x_label="residual r = ŷ − y (scale c = 1)",
        x_range=(-6.0, 6.0),
        args=lambda x: (x, np.zeros_like(x)),
        series=(
            Series("α = 2 (L2)", {}, {"alpha": 2.0}),
            Series("α = 1 (Charbonnier)", {}, {"alpha": 1.0}),
            Series("α = 0 (Cauchy)", {}, {"alpha": 0.0}),
            Series("α = −2 (Geman–McClure)", {}, {"alpha": -2.0}),
            Series("α = −∞ (Welsch)", {}, {"alpha": -np.inf}),
        ),
        y_limits=(0.0, 6.0),
    )


_BARRON = "Barron, A General and Adaptive Robust Loss Function, CVPR (2019)"


@elementwise_loss(
    family="regression",
    aliases=("general robust loss", "adaptive robust loss"),
    formula=(
        r"\rho(r, \alpha, c) = \frac{|\alpha - 2|}{\alpha}\left[\left(\frac{(r/c)^2}{|\alpha - 2|} + 1\right)^{\alpha/2} - 1\right], \quad r = \hat y - y",  # noqa: E501
        r"\alpha = 2: \tfrac12 (r/c)^2, \quad \alpha = 0: \log\big(\tfrac12 (r/c)^2 + 1\big), \quad \alpha = \mp\infty: \pm\big(1 - e^{\mp\frac12 (r/c)^2}\big)",  # noqa: E501
    ),
    gradient=r"\frac{\partial \rho}{\partial \hat y} = \frac{r}{c^2}\left(\frac{(r/c)^2}{|\alpha - 2|} + 1\right)^{\alpha/2 - 1} \quad \big(\alpha = \mp\infty: \tfrac{r}{c^2} e^{\mp\frac12 (r/c)^2}\big)",  # noqa: E501
    domain=_REAL_PAIR,
    use_case="One robust loss with a shape dial α: L2 (α = 2), Charbonnier (1), Cauchy (0), Geman–McClure "
    "(−2), Welsch (−∞); α can be tuned or learned.",
    properties=("non_negative", "zero_iff_equal", "symmetric", "smooth"),
    equivalents={
        "Barron's robust_loss_pytorch": "robust_loss_pytorch.general.lossfun(r, alpha, scale) "
        "(jonbarron/robust_loss_pytorch "
        "commit 9831f1d, robust_loss_pytorch/general.py: the same limits at α = ±∞, 0, 2; within float32 "
        "ε ≈ 1.2e-7 of "
        "0 and 2 it clamps |α| and |α − 2| to ε, and its pow(·) − 1 cancels for |r| ≪ c)",
        "Kornia": (
            "kornia.losses.geman_mcclure_loss is α = −2 and welsch_loss α = −∞, both at scale = 1 "
            "(charbonnier_loss is α = 1, cauchy_loss α = 0) (Kornia 0.9.0)"
        ),
    },
    references=(
        _BARRON,
        "Black & Rangarajan, On the unification of line processes, outlier rejection, and robust "
        "statistics, IJCV (1996)",
    ),
    required={"alpha": 1.0},
    plot=Plot(curve=_barron_curve(), explore={"alpha": (-6.0, 3.0)}),
    checks=Checks(
        variants=(
            {"alpha": 2.0},
            {"alpha": 0.0},
            {"alpha": -2.0},
            {"alpha": -np.inf},
            {"alpha": 4.0},
            {"alpha": 2.0 - 1e-9},
            {"alpha": 1e-9},
            {"alpha": -1e9},
            {"alpha": 1.0, "scale": 0.1},
        ),
        extremes=(
            Extreme(([1e300, -1e300, 1e-300, 1e8, -3.0], [0.0] * 5), {"alpha": 1.0}),
            Extreme(([1e300, -1e150, 1e-300, 1e8, 2.0], [0.0] * 5), {"alpha": 0.0}),
            Extreme(([1e300, -1e8, 1e-300, 40.0, 0.5], [0.0] * 5), {"alpha": -np.inf}),
            Extreme(([1e300, -1e8, 1e-300, 1e4, 0.5], [0.0] * 5), {"alpha": -1e12}),
            Extreme(([1e150, -1e8, 1e-300, 3.0], [0.0] * 4), {"alpha": 2.0}),
            Extreme(([1e150, -1e8, 1e-300, 3.0], [0.0] * 4), {"alpha": 2.0 - 1e-12}),
            Extreme(([1e150, -1e8, 1e-300, 3.0], [0.0] * 4), {"alpha": 2.0 + 1e-12}),
            Extreme(([1e300, -1e8, 1e-300, 3.0], [0.0] * 4), {"alpha": 1e-12}),
            Extreme(([1e50, -1e8, 1e-300, 3.0], [0.0] * 4), {"alpha": 6.0}),
            Extreme(([30.0, -3.0, 1e-300, 0.5], [0.0] * 4), {"alpha": np.inf}),
            Extreme(([1e200, -1e8, 1e-2, 3.0], [0.0] * 4), {"alpha": 1.0, "scale": 1e-100}),
        ),
        invalid=(
            Invalid({"alpha": np.nan}, ValueError, "alpha must be a real number or ±inf, got nan"),
            Invalid({"alpha": "1"}, TypeError, "alpha must be a real number, got str"),
            Invalid({"scale": 0.0}, ValueError, "scale must be > 0, got 0.0"),
            Invalid({"scale": np.inf}, ValueError, "scale must be finite"),
        ),
    ),
)
def barron(y_pred, y_true, *, alpha, scale=1.0):
    """Barron's general robust loss: its shape α spans L2, Charbonnier, Cauchy, Geman–McClure, Welsch.

    ρ = (|α − 2|/α)(((r/c)²/|α − 2| + 1)^{α/2} − 1), with its limits at α = 2 (½(r/c)²),
    α = 0 (log(½(r/c)² + 1)) and α = ±∞ (±(1 − exp(∓½(r/c)²))) computed exactly. Near those
    values the form expm1((α/2) log1p((r/c)²/|α − 2|)) keeps full accuracy. Every member is
    ≈ ½(r/c)² for |r| ≪ c; smaller α bends the tails further down: α ≤ 1 bounds the
    gradient, α ≤ 0 makes the loss grow at most logarithmically, α < 0 bounds it.

    Args:
        y_pred: Predictions ŷ, any shape.
        y_true: Targets y, the same shape as ``y_pred``.
        alpha: The shape α: any real number, or ``±np.inf``. 2 is L2, 1 Charbonnier
            (pseudo-Huber), 0 Cauchy, −2 Geman–McClure, −∞ Welsch (+∞: exp(½(r/c)²) − 1).
            No default: the choice is the point of the loss.
        scale: The scale c > 0, in target units: the width of the quadratic bowl at r = 0.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import barron
        >>> barron([2.0], [0.0], alpha=-2.0)       # 2 · 4 / (4 + 4): Geman–McClure
        1.0
        >>> barron([2.0], [0.0], alpha=2.0, scale=2.0)   # ½ (2/2)²
        0.5
        >>> barron.grad([2.0], [0.0], alpha=-2.0)  # (r/c²)(r²/4 + 1)^{−2} = 2 / 4
        array([0.5])
    """
    a = _barron_alpha(alpha)
    positive(scale=scale)
    c = float(scale)
    r = y_pred - y_true
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        q = r / c
        if a == 2.0:
            return Result((0.5 * q) * q, lambda: q / c)
        if a == -np.inf:
            half = (0.5 * q) * q
            return Result(-np.expm1(-half), lambda: (q / c) * np.exp(-half))
        if a == np.inf:
            half = (0.5 * q) * q
            return Result(np.expm1(half), lambda: (q / c) * np.exp(half))
        b = abs(a - 2.0)
        t, L = _scaled_square(r, c, b)
    if a == 0.0:
        # b = 2: ρ = log1p(½(r/c)²), ρ' = (r/c²) / (1 + ½(r/c)²)
        return Result(L, lambda: _barron_slope(r, q, c, t, L, -1.0))
    w = 0.5 * a * L
    with np.errstate(over="ignore", invalid="ignore"):
        # (b/α)·((1 + t)^{α/2} − 1): expm1(w) where |w| < ½ (it would cancel), the power
        # otherwise; where that overflows but the product may not (α ≈ 2, b/α small), −b/α is
        # below the last digit and exp(log(b/α) + w) is the value
        small = np.abs(w) < 0.5
        excess = np.where(small, np.expm1(np.where(small, w, 0.0)), _power_1p(t, L, 0.5 * a) - 1.0)
        value = (b / a) * excess
        overflow = ~np.isfinite(value)
        if a > 0 and overflow.any():
            value = np.where(overflow, np.exp(math.log(b / a) + np.where(overflow, w, 0.0)), value)
    return Result(value, lambda: _barron_slope(r, q, c, t, L, 0.5 * a - 1.0))


def _barron_slope(r, q, c, t, L, k):
    """(r/c²)·(1 + t)^k, from logarithms where r/c² or the power leaves the float64 range."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        direct = (q / c) * _power_1p(t, L, k)
        ok = np.isfinite(direct) & ((direct != 0) | (r == 0))
        logs = np.log(np.where(ok, 1.0, np.abs(r))) - 2.0 * math.log(c) + k * np.where(ok, 0.0, L)
        return np.where(ok, direct, np.sign(r) * np.exp(logs))
