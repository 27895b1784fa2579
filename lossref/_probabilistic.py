"""Probabilistic losses: negative log-likelihoods and deviances of a predicted distribution."""

import math
from dataclasses import replace

import numpy as np

from ._checks import as_float_array, flag, non_negative, positive, real_scalar
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, elementwise_loss
from ._domains import REAL, Domain

__all__ = [
    "gamma_deviance",
    "gaussian_nll",
    "poisson_nll",
    "tweedie_deviance",
]  # its losses, re-exported by lossref/__init__.py

# exp(x) is finite for x <= log(largest float64) = 709.78...
_MAX_LOG = math.log(np.finfo(np.float64).max)


def _first_bad(arr, bad):
    return float(arr[bad].flat[0])


def _non_negative_array(value, name):
    arr = as_float_array(value, name)
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0; got {_first_bad(arr, arr < 0)!r}")
    return arr


def _positive_array(value, name):
    arr = as_float_array(value, name)
    if (arr <= 0).any():
        raise ValueError(f"{name} must be > 0; got {_first_bad(arr, arr <= 0)!r}")
    return arr


def _sample_positive(rng, shape):
    return np.exp(rng.uniform(np.log(0.2), np.log(4.0), size=shape))


_TINY_TO_HUGE = (1e-300, 1e-12, 0.1, 0.5, 1.0, 1 + 2**-30, 2.0, 3.5, 1e6, 1e100, 1e300)

# y_pred of poisson_nll: a log-rate by default, a rate with log_input=False. The samples are
# positive, so they are valid for both; the stress values cover log-rates up to ±700 and
# rates from 0 to 1e300 (negative ones are skipped where log_input=False rejects them).
_POISSON_INPUT = Domain(
    "log-rate log λ ≤ 709.78 (default); rate λ ≥ 0 with `log_input=False`",
    as_float_array,
    lambda rng, shape: rng.uniform(0.1, 3.0, size=shape),
    invalid=(Invalid(800.0, ValueError, "must be a log-rate <= 709.78"),),
    stress=(-700.0, -30.0, -1.0, 0.0, 1e-300, 1e-12, 0.5, 1.0, 2.5, 30.0, 700.0, 1e6, 1e300),
    positive=True,
)
_COUNTS = Domain(
    "y ≥ 0: counts (non-integer values are accepted)",
    _non_negative_array,
    lambda rng, shape: rng.poisson(2.5, size=shape).astype(float),
    invalid=(Invalid(-1.0, ValueError, "must be >= 0"),),
    stress=(0.0, 1e-300, 0.5, 1.0, 1.5, 2.0, 7.0, 1e6, 1e300),
)
_VARIANCE = Domain(
    "σ² > 0, a variance (not a standard deviation or a log-variance); clamped below at `eps`",
    _positive_array,
    lambda rng, shape: rng.uniform(0.05, 4.0, size=shape),
    invalid=(Invalid(0.0, ValueError, "must be > 0"), Invalid(-1.0, ValueError, "must be > 0")),
    # values below, around and far above eps = 1e-6 (but not at it: the clamp's kink)
    stress=(1e-300, 1e-7, 2e-6, 0.3, 4.0, 1e8, 1e300),
    positive=True,
)
# the target of gaussian_nll: any real, with fewer stress values than REAL (the grid is the
# product with the mean's and the variance's)
_GAUSSIAN_TARGET = replace(
    REAL,
    invalid=(Invalid(np.nan, ValueError, "contains NaN"), Invalid(np.inf, ValueError, "contains inf")),
    stress=(0.0, 1e-300, -1.0, 0.5, 3.0, -1e8),
)
_MEAN = Domain(
    "μ > 0 (any real when `power=0`)",
    as_float_array,
    _sample_positive,
    invalid=(Invalid(0.0, ValueError, "must be > 0"), Invalid(-2.0, ValueError, "must be > 0")),
    stress=(*_TINY_TO_HUGE, 1 - 2**-40),
    positive=True,
)
_TWEEDIE_TARGET = Domain(
    "y ≥ 0 for 1 ≤ power < 2; y > 0 for power ≥ 2; any real for power ≤ 0",
    as_float_array,
    _sample_positive,
    invalid=(Invalid(-1.0, ValueError, "must be >= 0"),),
    # 2e-300, not 1e-300: at μ = y = 1e-300 (power 3) the reference's finite difference
    # cannot resolve the exact zero derivative
    stress=(0.0, 2e-300, *_TINY_TO_HUGE[1:], -3.0),
)
_POSITIVE_MEAN = Domain(
    "μ > 0",
    _positive_array,
    _sample_positive,
    invalid=(Invalid(0.0, ValueError, "must be > 0"), Invalid(-1.0, ValueError, "must be > 0")),
    stress=(*_TINY_TO_HUGE, 1 - 2**-40),
    positive=True,
)
_POSITIVE_TARGET = Domain(
    "y > 0",
    _positive_array,
    _sample_positive,
    invalid=(Invalid(0.0, ValueError, "must be > 0"),),
    stress=_TINY_TO_HUGE,
)


# --- Poisson ------------------------------------------------------------------------------


def _stirling(y):
    """y log y − y + ½ log(2πy) where y > 1, else 0: PyTorch's `full=True` term."""
    big = y > 1
    ys = np.where(big, y, 2.0)
    return np.where(big, ys * np.log(ys) - ys + 0.5 * np.log(2 * np.pi * ys), 0.0)


@elementwise_loss(
    family="probabilistic",
    formula=(
        r"\ell = e^{z} - y\,z \qquad \text{(log-rate input } z = \log\lambda\text{, the default)}",
        r"\ell = \lambda - y \log(\lambda + \epsilon) \qquad \text{(rate input } \lambda\text{)}",
        r"\text{with full: } + \big(y \log y - y + \tfrac12 \log(2\pi y)\big) \text{ where } y > 1",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial z} = e^{z} - y",
        r"\frac{\partial \ell}{\partial \lambda} = 1 - \frac{y}{\lambda + \epsilon}",
    ),
    domain={"y_pred": _POISSON_INPUT, "y_true": _COUNTS},
    use_case="Count regression (events, clicks, arrivals): the NLL of a Poisson rate predicted in log space.",
    properties=("convex", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.PoissonNLLLoss(log_input=True, full=False, eps=1e-8)",
        "Keras": (
            "keras.losses.Poisson() takes the rate, ε = 1e-7: poisson_nll(rate, y, log_input=False, eps=1e-7)"
        ),
        "TensorFlow": (
            "tf.nn.log_poisson_loss(y, log_rate, compute_full_loss=False) (exp(c) − y·c; checked in "
            "tensorflow/python/ops/nn_impl.py at commit 00343a48)"
        ),
        "scikit-learn": "HalfPoissonLoss (sklearn._loss, log link) is the default poisson_nll; "
        "mean_poisson_deviance is tweedie_deviance(power=1)",
    },
    references=(
        "Nelder & Wedderburn, Generalized Linear Models (1972)",
        "McCullagh & Nelder, Generalized Linear Models, 2nd ed. (1989), §6.2",
    ),
    differences=(
        Difference(
            "pytorch-poisson-nll-invalid-input",
            "PyTorch",
            "`PoissonNLLLoss` accepts negative targets, negative rates (`log_input=False`: NaN "
            "below −ε) and log-rates whose exponential overflows (+∞). `lossref` raises a "
            "`ValueError` that names the argument.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="log-rate z = log λ",
            x_range=(-2.0, 2.5),
            args=lambda x, y=1.0: (x, np.full_like(x, y)),
            series=tuple(Series(f"y = {y:g}", {"y": y}, {}) for y in (0.0, 1.0, 3.0)),
        ),
    ),
    checks=Checks(
        variants=({"log_input": False}, {"full": True}, {"log_input": False, "full": True, "eps": 1e-3}),
        extremes=(
            Extreme([[700.0, -700.0, 0.0, 1e-12, 30.0, -30.0], [0.0, 1e6, 0.0, 1.0, 1e300, 7.0]]),
            Extreme(
                [[1e-300, 0.0, 1e6, 2.0, 1e300, 0.999999], [0.0, 5.0, 1e6, 2.0, 1.0, 1.0]],
                {"log_input": False},
            ),
            Extreme([[0.0, 3.0, -2.0, 700.0], [0.0, 1.0, 1e300, 1.5]], {"full": True}),
        ),
        invalid=(
            Invalid({"log_input": 1}, TypeError, "log_input must be True or False"),
            Invalid({"full": "yes"}, TypeError, "full must be True or False"),
            Invalid({"eps": -1e-8}, ValueError, "eps must be >= 0"),
        ),
        # log-rates of ±700, zero counts, huge counts; rates from 1e-300 (with eps) to 1e300
        torch_extremes=(
            Extreme([[700.0, -700.0, 0.0, 30.0, -30.0, 2.0], [0.0, 1e6, 0.0, 1e300, 7.0, 1.0]]),
            Extreme([[1e-300, 0.0, 1e6, 1e300, 0.25], [0.0, 5.0, 1e6, 1.0, 3.0]], {"log_input": False}),
            Extreme([[0.0, 3.0, -2.0, 700.0, 1.0], [0.0, 1.0, 1e300, 1.5, 2.0]], {"full": True}),
        ),
    ),
)
def poisson_nll(y_pred, y_true, *, log_input=True, full=False, eps=1e-8):
    """Poisson negative log-likelihood, with PyTorch's ``PoissonNLLLoss`` semantics.

    **What ``y_pred`` is depends on ``log_input``.** By default it is the *log*-rate
    z = log λ (any real up to 709.78, where e^z overflows), so a network can output it
    without a positivity constraint. With ``log_input=False`` it is the rate λ ≥ 0 itself.

    The constant log(y!) is left out unless ``full=True``, which adds its Stirling
    approximation y log y − y + ½ log(2πy) **only where y > 1** (PyTorch's rule: the term
    is 0 for y ≤ 1, exact for y = 0 and y = 1, where log y! = 0). Targets are counts y ≥ 0;
    non-integer targets are accepted, as in PyTorch.

    Args:
        y_pred: Log-rates z (default) or rates λ ≥ 0 (``log_input=False``), any shape.
        y_true: Observed counts y ≥ 0, the same shape.
        log_input: Whether ``y_pred`` is the log-rate (True, PyTorch's default) or the rate.
        full: Add the Stirling term for log(y!) where y > 1 (PyTorch's default: False).
        eps: Added to λ inside the log when ``log_input=False``; >= 0. PyTorch: 1e-8
            (Keras' ``Poisson`` uses 1e-7). Unused with ``log_input=True``.

    Returns:
        The mean loss over elements by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import poisson_nll
        >>> poisson_nll([0.0, 0.0], [1.0, 3.0])          # (e⁰ − 1·0 + e⁰ − 3·0) / 2
        1.0
        >>> poisson_nll([2.0], [0.0], log_input=False)   # λ − 0·log λ
        2.0
        >>> poisson_nll.grad([0.0], [3.0])               # e⁰ − 3
        array([-2.])
    """
    flag(log_input=log_input, full=full)
    non_negative(eps=eps)
    y = y_true
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log_input:
            if (y_pred > _MAX_LOG).any():
                raise ValueError(
                    f"y_pred must be a log-rate <= {_MAX_LOG:.2f} (e^y_pred overflows); got "
                    f"{_first_bad(y_pred, y_pred > _MAX_LOG)!r} - pass rates with log_input=False"
                )
            rate = np.exp(y_pred)
            value = rate - y * y_pred

            def backward():
                # e^z − y cancels where e^z ≈ y. Near y = 1, where log y is small and so nearly
                # exact, y·expm1(z − log y) keeps the digits that rate − y loses.
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    log_y = np.log(np.where(y > 0, y, 1.0))
                    d = y_pred - log_y
                    near = (y > 0) & (np.abs(log_y) < 1) & (np.abs(d) < 1)
                    return np.where(near, y * np.expm1(np.where(near, d, 0.0)), rate - y)
        else:
            if (y_pred < 0).any():
                raise ValueError(
                    f"y_pred must be a rate >= 0 when log_input=False; got "
                    f"{_first_bad(y_pred, y_pred < 0)!r} (log-rates need log_input=True)"
                )
            if eps == 0 and ((y_pred == 0) & (y > 0)).any():
                raise ValueError("y_pred must be > 0 where y_true > 0 when eps=0 (the likelihood is 0 there)")
            shifted = y_pred + eps
            # log(λ + ε) near λ + ε = 1: λ − 1 is exact there, so log1p keeps full accuracy
            near_one = np.abs(y_pred - 1) < 0.5
            log_rate = np.where(near_one, np.log1p((y_pred - 1) + eps), np.log(shifted))
            value = y_pred - np.where(y == 0, 0.0, y * log_rate)

            def backward():
                # 1 − y/(λ + ε) written as ((λ − y) + ε)/(λ + ε): no cancellation when y ≈ λ
                with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                    return np.where(y == 0, 1.0, ((y_pred - y) + eps) / shifted)

    if full:
        value = value + _stirling(y)
    return Result(value, backward)


# --- Gaussian -----------------------------------------------------------------------------


def _two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _exact_square(x):
    """(p, e) with p = fl(x²) and p + e = x² exactly (Dekker, Veltkamp's split; |x| < 1e150)."""
    p = x * x
    c = 134217729.0 * x  # 2^27 + 1
    hi = c - (c - x)
    lo = x - hi
    return p, ((hi * hi - p) + 2 * hi * lo) + lo * lo


def _variance_derivative(r, r_err, v):
    """½(1/v − r²/v²) = (v − r²)/(2v²) for r + r_err = μ − y, without cancellation.

    Where r² is within a factor 1.6 of v, v − r² is formed exactly (Sterbenz, and the
    rounding error of r² added back); elsewhere (1 − w)(1 + w)/(2v), w = |r|/√v, loses
    at most two bits.
    """
    w = np.abs(r) / np.sqrt(v)
    close = np.abs(1 - w) < 0.25
    rc = np.where(close, r, 0.0)
    p, e = _exact_square(rc)
    exact = (((v - p) - e) - 2 * rc * np.where(close, r_err, 0.0)) / (2 * v) / v
    return np.where(close, exact, (1 - w) * (1 + w) / (2 * v))


@elementwise_loss(
    family="probabilistic",
    formula=(
        r"\ell = \tfrac12 \Big(\log v + \frac{(\mu - y)^2}{v}\Big) \;\big[+\tfrac12 \log 2\pi\big]",
        r"v = \max(\sigma^2, \epsilon)",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \mu} = \frac{\mu - y}{v}",
        r"\frac{\partial \ell}{\partial \sigma^2} = \tfrac12\Big(\frac1v - \frac{(\mu - y)^2}{v^2}\Big)\ (\sigma^2 > \epsilon),\quad 0\ (\sigma^2 \le \epsilon)",  # noqa: E501
    ),
    domain={"mean": REAL, "y_true": _GAUSSIAN_TARGET, "var": _VARIANCE},
    use_case="Regression that predicts its own uncertainty: a mean and a variance per output.",
    properties=("convex", "symmetric", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.GaussianNLLLoss(full=False, eps=1e-6)",
        "TensorFlow Probability": (
            "-tfp.distributions.Normal(mean, sqrt(var)).log_prob(y) (v0.25.0; = full=True, no clamp)"
        ),
    },
    references=(
        "Nix & Weigend, Estimating the mean and variance of the target probability distribution (1994)",
        "Kendall & Gal, What Uncertainties Do We Need in Bayesian Deep Learning for Computer Vision? (2017)",
    ),
    differences=(
        Difference(
            "pytorch-gaussian-nll-var-gradient-below-eps",
            "PyTorch",
            "PyTorch clamps `var` at ε inside `torch.no_grad()`: for σ² < ε its gradient with "
            "respect to `var` is the one at v = ε (straight-through), although the value no "
            "longer depends on σ². `lossref` returns the derivative of the value it computes: "
            "0 for σ² ≤ ε. The gradients with respect to the mean agree.",
        ),
        Difference(
            "pytorch-gaussian-nll-zero-var",
            "PyTorch",
            "PyTorch accepts σ² = 0 and silently uses ε; `lossref` raises: a variance must be > 0.",
        ),
        Difference(
            "pytorch-gaussian-nll-shared-var",
            "PyTorch",
            "PyTorch broadcasts a `var` with one fewer dimension, or with a 1 in place of one "
            "dimension (one variance shared across the features). `lossref` needs `var` in "
            "the shape of `mean`: pass `np.broadcast_to(var, mean.shape)`.",
        ),
    ),
    differentiable=("mean", "var"),
    reduction_note='`"mean"` divides by the number of elements N, as PyTorch\'s `GaussianNLLLoss` '
    "(by Σw with `weights=`; PyTorch has no weights).",
    plot=Plot(
        curve=Curve(
            x_label="residual μ − y",
            x_range=(-3.0, 3.0),
            args=lambda x, var=1.0: (x, np.zeros_like(x), np.full_like(x, var)),
            series=tuple(Series(f"σ² = {v:g}", {"var": v}, {}) for v in (0.25, 1.0, 4.0)),
            grad_label="gradient ∂ℓ/∂μ",
        ),
    ),
    checks=Checks(
        variants=({"full": True}, {"eps": 1e-2}),
        extremes=(
            Extreme(
                [
                    [1e8, -1e8, 0.0, 1e-300, 3.0, 1e150],
                    [0.0, 0.0, 0.0, 0.0, -3.0, -1e150],
                    [1e-300, 1e300, 1e-7, 2e-6, 1e-3, 1e300],
                ]
            ),
            Extreme([[1e8, 2.0, 0.0], [-1e8, 0.0, 1.0], [1e-3, 1e-300, 1e300]], {"full": True, "eps": 1e-2}),
        ),
        invalid=(
            Invalid({"full": 1}, TypeError, "full must be True or False"),
            Invalid({"eps": 0.0}, ValueError, "eps must be > 0"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [1e8, -1e8, 0.0, 1e-300, 3.0, 1e150],
                    [0.0, 0.0, 0.0, 0.0, -3.0, -1e150],
                    [1e-3, 1e300, 2e-6, 1.0, 1e-3, 1e300],
                ]
            ),
            Extreme([[1e8, 2.0, 0.0], [-1e8, 0.0, 1.0], [1e-1, 2e-2, 1e300]], {"full": True, "eps": 1e-2}),
        ),
    ),
)
def gaussian_nll(mean, y_true, var, *, full=False, eps=1e-6):
    """Gaussian negative log-likelihood with a predicted variance (PyTorch's ``GaussianNLLLoss``).

    The variance is clamped below at ``eps``: v = max(σ², ε). Below ε the value no longer
    depends on σ², and the gradient with respect to ``var`` is its true derivative, 0
    (also at σ² = ε exactly, the library's convention at the kink of a max). PyTorch
    instead passes the gradient at v = ε straight through.

    ``grad(..., argnum="var")`` (or ``argnum=2``) differentiates with respect to the
    variance; the default is the mean.

    Args:
        mean: Predicted means μ, any shape.
        y_true: Targets y, the shape of ``mean``.
        var: Predicted variances σ² > 0, the shape of ``mean`` (not a standard deviation,
            not a log-variance).
        full: Add the constant ½ log 2π, making ℓ the exact negative log-density
            (PyTorch's default: False).
        eps: Lower clamp for the variance; > 0. PyTorch: 1e-6.

    Returns:
        The mean loss over elements by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import gaussian_nll
        >>> gaussian_nll([1.0], [0.0], [1.0])                       # ½(log 1 + 1²/1)
        0.5
        >>> gaussian_nll.grad([1.0], [0.0], [2.0], argnum="var")    # ½(1/2 − 1/4)
        array([0.125])
    """
    flag(full=full)
    positive(eps=eps)
    v = np.maximum(var, eps)
    with np.errstate(over="ignore", invalid="ignore"):  # only where |μ − y| overflows: ℓ = inf
        r, r_err = _two_sum(mean, -y_true)
        z = r / v
        value = 0.5 * (np.log(v) + z * r)  # z·r, not r²/v: r² alone may overflow
    if full:
        value = value + 0.5 * math.log(2 * math.pi)

    def backward():
        with np.errstate(over="ignore", invalid="ignore"):
            d_var = np.where(var > eps, _variance_derivative(r, r_err, v), 0.0)
        return {"mean": z, "var": d_var}

    return Result(value, backward)


# --- Tweedie and gamma deviances -----------------------------------------------------------

_SERIES_TERMS = 24


def _log_ratio(y, mu):
    """log(y/μ) for y, μ > 0, accurate to a few ulps of the result.

    Near y = μ, y − μ is exact (Sterbenz), so log1p((y − μ)/μ) keeps every digit; elsewhere
    log of the rounded ratio is accurate, unless the ratio over- or underflows, where
    log y − log μ is (|log(y/μ)| > 700 then).
    """
    ratio = y / mu
    near = np.abs(ratio - 1) < 0.5
    normal = (ratio > np.finfo(np.float64).tiny) & np.isfinite(ratio)
    return np.where(
        near,
        np.log1p(np.where(near, (y - mu) / mu, 0.0)),
        np.where(normal, np.log(np.where(normal, ratio, 1.0)), np.log(y) - np.log(mu)),
    )


def _power_difference(y, mu, L, q):
    """(y^q − μ^q)/q (= log(y/μ) at q = 0), without cancellation: μ^q·expm1(qL)/q for |qL| < 1."""
    if q == 0:
        return L
    small = np.abs(q * L) < 1
    return np.where(
        small,
        np.power(mu, q) * np.expm1(np.where(small, q * L, 0.0)) / q,
        (np.power(y, q) - np.power(mu, q)) / q,
    )


def _y_mu_power(y, mu, a):
    """y·μ^a; where μ^a alone over- or underflows, the same product as (y/μ)·μ^(a+1)."""
    tiny = np.finfo(np.float64).tiny
    mu_a = np.power(mu, a)
    direct = y * mu_a
    ok = np.isfinite(direct) & (direct >= tiny) & np.isfinite(mu_a) & (mu_a >= tiny)
    other = (y / mu) * np.power(mu, a + 1)
    return np.where(ok | ~np.isfinite(other), direct, other)


def _tweedie_positive(y, mu, p):
    """Unit deviance for y > 0, μ > 0 and any power p ≠ 0.

    With a = 1 − p, b = 2 − p and L = log(y/μ), d = 2∫_μ^y (y − t) t^{−p} dt
    = 2(y·(y^a − μ^a)/a − (y^b − μ^b)/b): sklearn's three terms regrouped into two
    power differences, each computed without cancellation (μ^q·expm1(qL)/q where
    y^q ≈ μ^q) and finite at p = 1 and p = 2 (where (y^q − μ^q)/q → log(y/μ)).

    The two differences still cancel as y → μ, where d ≈ (y − μ)²/μ^p. There (m|L| ≤ ½,
    m = max(1, |a|, |b|)) d = 2 y^b D(L) with the Taylor series
    D(L) = Σ_{n≥2} (−1)^n (b^{n−1} − a^{n−1}) Lⁿ/n!, dominated by its first term L²/2.
    """
    a, b = 1.0 - p, 2.0 - p
    L = _log_ratio(y, mu)
    series = max(1.0, abs(a), abs(b)) * np.abs(L) <= 0.5
    Ls = np.where(series, L, 0.0)  # the series only where it converges fast
    term, c, a_power, D = 0.5 * Ls * Ls, 1.0, a, np.zeros_like(L)
    for n in range(2, 2 + _SERIES_TERMS):
        D = D + (c if n % 2 == 0 else -c) * term
        c, a_power = b * c + a_power, a_power * a  # b^n − a^n = b (b^{n−1} − a^{n−1}) + a^{n−1}
        term = term * Ls / (n + 1)
    near = np.where(D == 0, 0.0, 2.0 * np.power(y, b) * D)
    # y·(y^a − μ^a)/a, with y·y^a = y^b: no overflow of y^a alone
    if a == 0:
        y_part = y * L
    else:
        small = np.abs(a * L) < 1
        y_mu_a = _y_mu_power(y, mu, a)
        y_part = np.where(
            small, y_mu_a * np.expm1(np.where(small, a * L, 0.0)) / a, (np.power(y, b) - y_mu_a) / a
        )
    far = 2.0 * (y_part - _power_difference(y, mu, L, b))
    if not np.isfinite(far).all():
        # a power overflowed: sklearn's three terms overflow only with the deviance, and
        # inf − inf (NaN) there is an overflowed deviance, which is >= 0
        three = (
            2.0 * (np.power(y, b) / (a * b) - _y_mu_power(y, mu, a) / a + np.power(mu, b) / b)
            if a * b
            else far
        )
        far = np.where(np.isfinite(far), far, np.where(np.isnan(three), np.inf, three))
    return np.where(series, near, far)


def _tweedie(mu, y, p):
    """Unit deviances and (deferred) ∂d/∂μ for validated inputs (errors already raised)."""
    if p == 0:
        r = mu - y
        return Result(r * r, lambda: 2.0 * r)
    a, b = 1.0 - p, 2.0 - p
    pos = y > 0
    ys = np.where(pos, y, 1.0)
    value = _tweedie_positive(ys, mu, p)
    # y <= 0 (y = 0 for 1 <= p < 2; any y <= 0 for p < 0): max(y, 0)^b = 0, and the other two
    # terms have the same sign, so nothing cancels
    if not pos.all():
        first = 0.0 if p == 1 else np.where(y < 0, -y * np.power(mu, a) / a, 0.0)
        value = np.where(pos, value, 2.0 * (first + np.power(mu, b) / b))

    def backward():
        # ∂d/∂μ = 2(μ − y) μ^{−p}; if μ^{−p} over- or underflows, 2((μ − y)/μ) μ^{1−p}
        with np.errstate(all="ignore"):  # as the value's: overflow only where it is inf too
            g = 2.0 * (mu - y) * np.power(mu, -p)
            bad = ~np.isfinite(g) | ((g == 0) & (mu != y))
            if bad.any():
                g = np.where(bad, 2.0 * ((mu - y) / mu) * np.power(mu, 1.0 - p), g)
            return np.where(mu == y, 0.0, g)

    return Result(value, backward)


def _tweedie_power(power):
    p = real_scalar(power, "power")
    if 0 < p < 1:
        raise ValueError(
            f"power must be <= 0 or >= 1 (no Tweedie distribution has 0 < power < 1); got {power}"
        )
    return p


def _check_tweedie_domain(y_pred, y_true, p):
    """scikit-learn's domains: μ > 0 unless p = 0; y >= 0 for 1 <= p < 2; y > 0 for p >= 2."""
    if p != 0 and (y_pred <= 0).any():
        raise ValueError(f"y_pred must be > 0 for power={p:g}; got {_first_bad(y_pred, y_pred <= 0)!r}")
    if 1 <= p < 2 and (y_true < 0).any():
        raise ValueError(f"y_true must be >= 0 for power={p:g}; got {_first_bad(y_true, y_true < 0)!r}")
    if p >= 2 and (y_true <= 0).any():
        raise ValueError(f"y_true must be > 0 for power={p:g}; got {_first_bad(y_true, y_true <= 0)!r}")


def _mean_curve(series, x_range, x_label="predicted mean μ (target y = 1)"):
    """Plot against the predicted mean μ for the target y = 1 (or y per series)."""
    return Curve(
        x_label=x_label,
        x_range=x_range,
        args=lambda x, y=1.0: (x, np.full_like(x, y)),
        series=series,
    )


_SKLEARN_REDUCTION = '`"mean"` divides by N; with `weights=` by Σw, exactly scikit-learn\'s `sample_weight`.'


@elementwise_loss(
    family="probabilistic",
    formula=(
        r"d_p(y, \mu) = 2\Big(\frac{\max(y, 0)^{2-p}}{(1-p)(2-p)} - \frac{y\,\mu^{1-p}}{1-p} + \frac{\mu^{2-p}}{2-p}\Big)",  # noqa: E501
        r"p = 0:\ (y - \mu)^2 \qquad p = 1:\ 2\Big(y \log\frac{y}{\mu} - y + \mu\Big) \qquad p = 2:\ 2\Big(\log\frac{\mu}{y} + \frac{y}{\mu} - 1\Big)",  # noqa: E501
    ),
    gradient=r"\frac{\partial d_p}{\partial \mu} = \frac{2(\mu - y)}{\mu^{p}}",
    domain={"y_pred": _MEAN, "y_true": _TWEEDIE_TARGET},
    use_case="Non-negative, right-skewed targets with exact zeros (insurance claims, rainfall, sales): "
    "the deviance of a Tweedie GLM.",
    properties=("non_negative", "zero_iff_equal", "smooth"),
    equivalents={
        "scikit-learn": "sklearn.metrics.mean_tweedie_deviance(y_true, y_pred, power=p) (default power=0)",
        "LightGBM / XGBoost": (
            'objective="tweedie" / "reg:tweedie" (LightGBM v4.6.0 '
            "`src/objective/regression_objective.hpp`, XGBoost v3.4.1 `src/objective/regression_obj.cu`; "
            "log link, variance power 1.5 by default). Their gradient is taken in the raw score "
            "η = log μ: −yμ^{1−p} + μ^{2−p} = μ·(∂d/∂μ)/2, the η-gradient of d/2; their metric "
            "is d/2 minus a term in y alone"
        ),
    },
    references=(
        "Jørgensen, The Theory of Dispersion Models (1997)",
        "Tweedie, An index which distinguishes between some important exponential families (1984)",
    ),
    differences=(
        Difference(
            "sklearn-tweedie-default-power",
            "scikit-learn",
            "`mean_tweedie_deviance` defaults to `power=0`, the squared error; `lossref` defaults "
            "to 1.5 (compound Poisson–gamma, the usual Tweedie choice). Pass `power=` explicitly.",
        ),
    ),
    reduction_note=_SKLEARN_REDUCTION,
    plot=Plot(
        curve=_mean_curve(
            tuple(Series(f"p = {p:g}", {}, {"power": p}) for p in (0.0, 1.0, 1.5, 2.0, 3.0)),
            x_range=(0.5, 3.0),
        ),
        explore={"power": (1.0, 3.0)},
    ),
    checks=Checks(
        variants=(
            {"power": 0.0},
            {"power": 1.0},
            {"power": 2.0},
            {"power": 3.0},
            {"power": -1.0},
            {"power": 1.001},
        ),
        extremes=(
            Extreme([[1e-300, 1e300, 1.0 + 2**-40, 0.5, 1e6, 2.0], [0.0, 1e300, 1.0, 1e-300, 2.0, 2.0]]),
            Extreme([[1e-100, 1e100, 1 - 2**-45, 3.0], [1e100, 1e-100, 1.0, 3.0]], {"power": 2.0}),
            Extreme([[1e-300, 1e300, 1 + 1e-9, 4.0], [0.0, 1.0, 1.0, 0.0]], {"power": 1.0}),
            Extreme([[1e-50, 1e100, 1 + 1e-9, 1e-5], [1e100, 1.0, 1.0, 1e5]], {"power": 3.0}),
            Extreme([[1e-100, 1e100, 1 + 1e-9, 5.0], [-1e6, 0.0, 1.0, -3.0]], {"power": -1.0}),
        ),
        invalid=(
            Invalid({"power": 0.5}, ValueError, "power must be <= 0 or >= 1"),
            Invalid({"power": "1.5"}, TypeError, "power must be a real number"),
        ),
    ),
)
def tweedie_deviance(y_pred, y_true, *, power=1.5):
    """Tweedie deviance, as scikit-learn's ``mean_tweedie_deviance`` (arguments reversed).

    The deviance of the Tweedie distribution with mean μ and variance ∝ μ^p: twice the
    log-likelihood ratio of the saturated model (μ = y) to μ. ``power`` selects the family,
    with scikit-learn's domains (checked):

    * p ≤ 0: μ > 0, any real y (p = 0 is the squared error, and then μ may be any real);
    * p = 1 (Poisson) and 1 < p < 2 (compound Poisson–gamma): μ > 0, y ≥ 0;
    * p = 2 (gamma) and p > 2: μ > 0, y > 0;
    * 0 < p < 1 is rejected: no Tweedie distribution exists there.

    Args:
        y_pred: Predicted means μ, any shape.
        y_true: Targets y, the shape of ``y_pred``.
        power: Variance power p. Default 1.5; scikit-learn's ``mean_tweedie_deviance``
            defaults to 0, LightGBM's and XGBoost's Tweedie objectives to 1.5.

    Returns:
        The mean deviance by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import tweedie_deviance
        >>> tweedie_deviance([3.0], [1.0], power=0)          # (1 − 3)²
        4.0
        >>> tweedie_deviance([2.0], [0.0], power=1)          # 2(0 − 0 + 2)
        4.0
        >>> tweedie_deviance([4.0], [1.0], power=1.5)        # 2(1/(−¼) − 4^−½/(−½) + 4^½/½) = 2(−4 + 1 + 4)
        2.0
    """
    p = _tweedie_power(power)
    _check_tweedie_domain(y_pred, y_true, p)
    with np.errstate(all="ignore"):  # overflow only where the deviance itself overflows
        return _tweedie(y_pred, y_true, p)


@elementwise_loss(
    family="probabilistic",
    formula=r"d(y, \mu) = 2\Big(\log\frac{\mu}{y} + \frac{y}{\mu} - 1\Big)",
    gradient=r"\frac{\partial d}{\partial \mu} = \frac{2(\mu - y)}{\mu^{2}}",
    domain={"y_pred": _POSITIVE_MEAN, "y_true": _POSITIVE_TARGET},
    use_case="Positive, right-skewed targets whose spread grows with their mean (costs, durations): "
    "errors count relative to the target.",
    properties=("non_negative", "zero_iff_equal", "smooth"),
    equivalents={
        "scikit-learn": "sklearn.metrics.mean_gamma_deviance(y_true, y_pred), "
        "or mean_tweedie_deviance(y_true, y_pred, power=2)",
    },
    references=("McCullagh & Nelder, Generalized Linear Models, 2nd ed. (1989), §8",),
    reduction_note=_SKLEARN_REDUCTION,
    plot=Plot(
        curve=_mean_curve(
            tuple(Series(f"y = {y:g}", {"y": y}, {}) for y in (0.5, 1.0, 2.0)),
            x_range=(0.5, 5.0),
            x_label="predicted mean μ",
        ),
    ),
    checks=Checks(
        extremes=(Extreme([[1e-300, 1e300, 1 + 2**-40, 1e-100, 3.0], [1e-295, 1e-300, 1.0, 1e100, 3.0]]),)
    ),
)
def gamma_deviance(y_pred, y_true):
    """Gamma deviance, as scikit-learn's ``mean_gamma_deviance`` (arguments reversed).

    The Tweedie deviance with power 2. It depends only on the ratio y/μ, so it is scale
    invariant: d(cy, cμ) = d(y, μ), and an error of 10% costs the same at every size.

    Args:
        y_pred: Predicted means μ > 0, any shape.
        y_true: Targets y > 0, the shape of ``y_pred``.

    Returns:
        The mean deviance by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import gamma_deviance
        >>> math.isclose(gamma_deviance([2.0], [1.0]), 2 * (math.log(2) + 0.5 - 1), rel_tol=1e-15)
        True
        >>> gamma_deviance.grad([2.0], [1.0])          # 2(2 − 1)/2²
        array([0.5])
    """
    with np.errstate(all="ignore"):
        return _tweedie(y_pred, y_true, 2.0)
