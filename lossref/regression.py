"""Regression losses: a real-valued prediction against a real-valued target."""

import numpy as np

from ._checks import in_open_unit_interval, non_negative, positive
from ._core import Curve, Difference, elementwise_loss
from ._domains import REAL

_REAL_PAIR = {"y_pred": REAL, "y_true": REAL}


def _residual_curve(param=None, values=(), symbol=None):
    """Plot against the residual r = ŷ - y, one line per hyperparameter value."""
    if param is None:
        series = (("", {}, {}),)
    else:
        series = tuple((f"{symbol} = {v:g}", {}, {param: v}) for v in values)
    return Curve(
        x_label="residual r = ŷ − y",
        x_range=(-3.0, 3.0),
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
        "Keras": "keras.losses.MeanSquaredError()",
        "optax": "optax.losses.squared_error (optax.losses.l2_loss is ½ of it)",
        "scikit-learn": "sklearn.metrics.mean_squared_error(y_true, y_pred)",
    },
    references=(
        "Legendre (1805) and Gauss (1809), least squares",
        "Hastie, Tibshirani & Friedman, The Elements of Statistical Learning (2009), §2.4",
    ),
    curve=_residual_curve(),
    extremes=(
        ([[1e4, -1e4, 0.0, 1e-300], [-1e4, 1e4, 0.0, 0.0]], {}),
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
    r = y_pred - y_true
    return r * r, 2.0 * r


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = |\hat y - y|",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \operatorname{sign}(\hat y - y), \quad \operatorname{sign}(0) = 0",
    domain=_REAL_PAIR,
    use_case="Robust regression towards the conditional median; every error pulls equally hard.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.L1Loss() / F.l1_loss",
        "Keras": "keras.losses.MeanAbsoluteError()",
        "scikit-learn": "sklearn.metrics.mean_absolute_error(y_true, y_pred)",
    },
    references=("Laplace (1774)", "Koenker & Bassett, Regression Quantiles (1978)"),
    curve=_residual_curve(),
    kink_distance=lambda y_pred, y_true, **_: np.abs(y_pred - y_true),
    extremes=(
        ([[1e4, -1e4, 1e-300], [-1e4, 1e4, 0.0]], {}),
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
    r = y_pred - y_true
    return np.abs(r), np.sign(r)


@elementwise_loss(
    family="regression",
    formula=r"\ell_\delta(\hat y, y) = \begin{cases} \frac{1}{2} r^2 & |r| \le \delta \\ \delta \left(|r| - \frac{1}{2}\delta\right) & |r| > \delta \end{cases}, \quad r = \hat y - y",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \operatorname{clip}(r, -\delta, \delta)",
    domain=_REAL_PAIR,
    use_case="Regression with outliers: squared error near the target, absolute error far from it.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.HuberLoss(delta=δ)",
        "Keras": "keras.losses.Huber(delta=δ)",
        "optax": "optax.losses.huber_loss(delta=δ)",
        "scikit-learn": "no fixed-δ loss: HuberRegressor(epsilon=) scales residuals by an estimated σ",
    },
    references=("Huber, Robust Estimation of a Location Parameter (1964)",),
    curve=_residual_curve("delta", (0.5, 1.0, 2.0), "δ"),
    variants=({"delta": 0.5}, {"delta": 2.0}),
    # the second derivative jumps at |r| = δ, which spoils high-order finite differences
    kink_distance=lambda y_pred, y_true, delta=1.0: np.abs(np.abs(y_pred - y_true) - delta),
    extremes=(
        ([[100000000.0, -100000000.0, 1e-12], [0.0, 0.0, 0.0]], {'delta': 0.001}),
    ),
    invalid=(
        ({'delta': 0.0}, ValueError, 'delta must be > 0, got 0.0'),
        ({'delta': -1.0}, ValueError, 'delta must be > 0'),
        ({'delta': '1'}, TypeError, 'delta must be a real number, got str'),
        ({'delta': np.inf}, ValueError, 'delta must be finite'),
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
    r = y_pred - y_true
    a = np.abs(r)
    value = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return value, np.clip(r, -delta, delta)


@elementwise_loss(
    family="regression",
    formula=r"\ell_\beta(\hat y, y) = \begin{cases} \frac{r^2}{2\beta} & |r| < \beta \\ |r| - \frac{\beta}{2} & |r| \ge \beta \end{cases}, \quad r = \hat y - y",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \operatorname{clip}\left(\frac{r}{\beta}, -1, 1\right) \quad (\operatorname{sign}(r) \text{ when } \beta = 0)",
    domain=_REAL_PAIR,
    use_case="Bounding-box regression (Fast/Faster R-CNN): Huber rescaled so the gradient saturates at ±1.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.SmoothL1Loss(beta=β)",
        "optax": "optax.losses.huber_loss(delta=β) / β",
    },
    references=("Girshick, Fast R-CNN (2015)",),
    curve=_residual_curve("beta", (0.5, 1.0, 2.0), "β"),
    variants=({"beta": 0.0}, {"beta": 0.5}, {"beta": 2.0}),
    kink_distance=lambda y_pred, y_true, beta=1.0: np.minimum(
        np.abs(y_pred - y_true), np.abs(np.abs(y_pred - y_true) - beta)
    ),
    extremes=(
        ([[100000000.0, -100000000.0, 1e-12], [0.0, 0.0, 0.0]], {'beta': 0.001}),
    ),
    invalid=(
        ({'beta': -0.5}, ValueError, 'beta must be >= 0'),
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
        return a, np.sign(r)
    value = np.where(a < beta, 0.5 * r * r / beta, a - 0.5 * beta)
    return value, np.clip(r / beta, -1.0, 1.0)


@elementwise_loss(
    family="regression",
    formula=r"\ell(\hat y, y) = \log\cosh(\hat y - y)",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \tanh(\hat y - y)",
    domain=_REAL_PAIR,
    use_case="Smooth robust regression: like MSE near the target, like MAE far away, twice differentiable.",
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "Keras": "keras.losses.LogCosh()",
        "optax": "optax.losses.log_cosh",
    },
    references=(
        "Saleh & Saleh, Statistical properties of the log-cosh loss function used in machine learning (2022)",
    ),
    curve=_residual_curve(),
    extremes=(
        ([[1e4, -1e4, 800.0, 1e-08, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]], {}),
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
    return np.where(a < 1.0, small, large), np.tanh(r)


@elementwise_loss(
    family="regression",
    formula=r"\ell_q(\hat y, y) = \max\big(q\,(y - \hat y),\ (q - 1)\,(y - \hat y)\big)",
    gradient=r"\frac{\partial \ell}{\partial \hat y} = \begin{cases} 1 - q & \hat y > y \\ -q & \hat y < y \\ 0 & \hat y = y \end{cases}",
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
    curve=_residual_curve("q", (0.1, 0.5, 0.9), "q"),
    variants=({"q": 0.1}, {"q": 0.9}),
    kink_distance=lambda y_pred, y_true, **_: np.abs(y_pred - y_true),
    extremes=(
        ([[100000000.0, -100000000.0], [0.0, 0.0]], {'q': 0.01}),
    ),
    invalid=(
        ({'q': 0.0}, ValueError, 'q must be in (0, 1), got 0.0'),
        ({'q': 1.5}, ValueError, 'q must be in (0, 1)'),
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
    return value, np.where(u > 0, -q, np.where(u < 0, 1.0 - q, 0.0))
