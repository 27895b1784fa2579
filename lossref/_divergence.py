"""Divergences between probability distributions over the last axis."""

from dataclasses import replace

import numpy as np

from ._checks import (
    as_float_array,
    as_label_array,
    flag,
    in_interval,
    in_open_unit_interval,
    in_unit_interval,
    last_axis,
    positive,
    rows_sum_to_one,
)
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._curves import along_second_class, two_class_probabilities
from ._domains import (
    _DISTRIBUTION_ROWS,
    DISTRIBUTION,
    LABELS_OR_DISTRIBUTION,
    LOG_PROBABILITY,
    LOGITS,
    Domain,
    _sample_distribution,
)
from ._labels import _check_class_axis, _check_labels, _label_cross_entropy
from ._math import _expm1_excess, log_softmax, xlogy

__all__ = [
    "cross_entropy",
    "generalized_jsd",
    "js_div",
    "kl_div",
    "knowledge_distillation",
]  # its losses, re-exported by lossref/__init__.py


def _target(value, name):
    return last_axis(as_float_array(value, name), name)


_TARGET = Domain(
    "probabilities over the last axis (log-probabilities with log_target=True)",
    _target,
    _sample_distribution,
    has_class_axis=True,
    invalid=(Invalid(1.5, ValueError, "must be probabilities in [0, 1]"),),
    stress=_DISTRIBUTION_ROWS,
)


@class_axis_loss(
    family="divergence",
    formula=r"\ell(a, q) = \mathrm{KL}(q \,\|\, p) = \sum_c q_c \left(\log q_c - a_c\right), \quad a = \log p,\ 0 \log 0 = 0",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial a} = -q \qquad \left(\text{through } a = \operatorname{log\_softmax}(z): \ \frac{\partial \ell}{\partial z} = \big(\textstyle\sum_c q_c\big) p - q\right)",  # noqa: E501
    domain={"log_probs": LOG_PROBABILITY, "target": _TARGET},
    use_case=(
        "Distribution matching: distillation, VAEs, policy regularisation. KL(target ‖ prediction), "
        "prediction in log space."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": 'torch.nn.KLDivLoss(reduction="batchmean", log_target=False)',
        "Keras": (
            "keras.losses.KLDivergence()(target, p) (target first; probabilities for both, clipped to "
            "[1e-7, 1])"
        ),
        "optax": "jnp.mean(optax.losses.kl_divergence(log_probs, target)) (log-probabilities first, as here)",
        "Kornia": (
            "kornia.losses.kl_div_loss_2d(p, target) on probabilities (N, K, H, W): KL(target ‖ p) per (n, "
            "k) slice over H × W, then the mean (Kornia 0.9.0)"
        ),
    },
    references=("Kullback & Leibler, On Information and Sufficiency (1951)",),
    differences=(
        Difference(
            "pytorch-kl-unnormalised-input",
            "PyTorch",
            "`KLDivLoss` accepts rows that are not distributions and then can return negative "
            "values; `lossref` raises unless both rows sum to 1 (within 1e-6).",
        ),
        Difference(
            "pytorch-kl-mean-divides-by-nc",
            "PyTorch",
            '`KLDivLoss`\'s default `reduction="mean"` divides the sum by N·C, which is the KL '
            'divided by C. `lossref`\'s `"mean"` is PyTorch\'s `"batchmean"`: the mean over rows.',
        ),
    ),
    aliases=("KL divergence", "relative entropy"),  # names readers search for
    reduction_note=(
        '`"mean"` sums over the class axis and averages over the rows N: PyTorch\'s `"batchmean"`.'
    ),
    plot=Plot(
        curve=Curve(
            x_label="logit z₁ of the prediction p = softmax([0, z₁])",
            x_range=(-5.0, 5.0),
            args=lambda x, q1=0.3: (
                log_softmax(np.stack([np.zeros_like(x), x], axis=-1)),
                np.broadcast_to([1 - q1, q1], (*x.shape, 2)).copy(),
            ),
            series=tuple(Series(f"target q₁ = {q:g}", {"q1": q}, {}) for q in (0.1, 0.5, 0.9)),
            # chain rule through a = log_softmax(z): ∂ℓ/∂z = g - p·Σg
            component=lambda g, args: g[..., 1] - np.exp(args[0][..., 1]) * g.sum(axis=-1),
            grad_label="∂ℓ/∂z₁ through a = log_softmax(z)",
        ),
    ),
    checks=Checks(
        variants=({"log_target": True},),
        extremes=(
            Extreme([[[-1e4, 0.0], [-1e-16, -37.0]], [[0.0, 1.0], [1 - 1e-16, 1e-16]]]),
            Extreme([[[-1e4, 0.0], [-1e-16, -37.0]], [[-1e4, 0.0], [0.0, -800.0]]], {"log_target": True}),
        ),
        invalid=(Invalid({"log_target": "yes"}, TypeError, "log_target must be True or False"),),
        torch_extremes=(Extreme([[[-1e4, 0.0], [-1e-16, -37.0]], [[0.0, 1.0], [1.0 - 1e-16, 1e-16]]]),),
    ),
)
def kl_div(log_probs, target, *, log_target=False):
    """Kullback–Leibler divergence KL(target ‖ prediction), prediction given as log-probabilities.

    The argument order follows PyTorch and optax: the *first* argument is the model's
    log-probabilities a = log p, the *second* is the target distribution q. So this is
    KL(q ‖ p), the reverse of the order the arguments are written in.

    Args:
        log_probs: Log-probabilities a = log p of the prediction, shape (..., C).
        target: Target probabilities q, shape (..., C); or log-probabilities log q if
            ``log_target=True`` (more accurate when q has tiny entries).
        log_target: Whether ``target`` is given in log space.

    Returns:
        The mean over rows of the per-row KL by default (PyTorch's ``"batchmean"``).

    Examples:
        >>> import math
        >>> from lossref import kl_div
        >>> q = [0.5, 0.5]
        >>> by_hand = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
        >>> math.isclose(kl_div([math.log(0.25), math.log(0.75)], q), by_hand, rel_tol=1e-15)
        True
        >>> kl_div([math.log(0.5), math.log(0.5)], q)     # identical distributions
        0.0
    """
    last_axis(log_probs, "log_probs")
    if target.shape != log_probs.shape:
        raise ValueError(f"log_probs has shape {log_probs.shape} but target has shape {target.shape}")
    flag(log_target=log_target)
    if log_target:
        if (target > 0).any():
            raise ValueError("target must be log-probabilities (<= 0) when log_target=True")
        q = np.exp(target)
    else:
        in_interval(target, "target", 0.0, 1.0, "probabilities")
        q = target
    # KL >= 0 holds only between distributions: reject rows that do not sum to 1
    rows_sum_to_one(q, "target")
    rows_sum_to_one(np.exp(log_probs), "log_probs (as probabilities)")
    if log_target:
        value = (q * (target - log_probs)).sum(axis=-1)
    else:
        value = (xlogy(q, q) - q * log_probs).sum(axis=-1)
    return Result(value, lambda: -q)


_LOG2 = np.log(2.0)


def _log_ratio_to_mixture(x):
    """log(p/m) for m = (p + q)/2, from x = log p - log q: log 2 - softplus(-x).

    Near x = 0 that difference cancels; log1p(expm1(-x)/2) is the same number, accurate.
    """
    near = x >= -1.0
    return np.where(near, -np.log1p(np.expm1(-np.where(near, x, 0.0)) / 2), _LOG2 - np.logaddexp(0.0, -x))


def _js_gap(y):
    """log 2 - H₂(σ(2y)) >= 0 for y = |log p - log q| / 2, H₂ the binary entropy in nats.

    Equals y·tanh(y) - log cosh(y): used as is below y = 1 (with log cosh y = log1p(2 sinh²(y/2)),
    accurate near 0) and as log 2 - log1p(e) - 2y·e/(1 + e), e = exp(-2y), above, where the
    first form would subtract two numbers close to y.
    """
    y = np.minimum(y, 400.0)  # beyond, the gap is log 2 to the last bit
    small = y < 1.0
    s = np.where(small, y, 0.0)
    near = s * np.tanh(s) - np.log1p(2.0 * np.sinh(s / 2) ** 2)
    e = np.exp(-2.0 * y)
    far = _LOG2 - np.log1p(e) - 2.0 * y * e / (1.0 + e)
    return np.where(small, near, far)


def _log_row(q1):
    """log of the row (1 - q₁, q₁), with a log-probability of -1e4 (a probability of exactly 0) for 0."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log([1.0 - q1, q1]), -1e4)


@class_axis_loss(
    family="divergence",
    formula=(
        r"\ell(a, b) = \mathrm{JS}(p, q) = \tfrac12\,\mathrm{KL}(p \,\|\, m) + \tfrac12\,\mathrm{KL}(q \,\|\, m), \quad p = e^{a},\ q = e^{b},\ m = \tfrac12 (p + q)",  # noqa: E501
        r"0 \le \ell \le \log 2 \ \text{(nats; divide by } \log 2 \text{ for bits)}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial a_c} = \tfrac12\, p_c \log\frac{p_c}{m_c} \qquad \Big(\frac{\partial \ell}{\partial b_c} = \tfrac12\, q_c \log\frac{q_c}{m_c}\Big)",  # noqa: E501
        r"\text{through } a = \mathrm{log\_softmax}(z): \ \frac{\partial \ell}{\partial z} = g - p \textstyle\sum_c g_c, \quad g = \frac{\partial \ell}{\partial a}",  # noqa: E501
    ),
    domain={"log_probs": LOG_PROBABILITY, "target_log_probs": LOG_PROBABILITY},
    use_case=(
        "A symmetric divergence bounded by log 2: consistency between two predictions (AugMix), "
        "distillation, GAN theory."
    ),
    properties=("non_negative", "symmetric", "zero_iff_equal", "bounded_gradient", "smooth"),
    equivalents={
        "SciPy": (
            "`scipy.spatial.distance.jensenshannon(p, q) ** 2` (probabilities; it returns the square root)"
        ),
        "PyTorch": (
            "no built-in loss; for (N, C) rows of log-probabilities a, b: "
            "`log_m = torch.logaddexp(a, b) - math.log(2)`, then "
            '`loss = 0.5 * F.kl_div(log_m, a, reduction="batchmean", log_target=True)'
            ' + 0.5 * F.kl_div(log_m, b, reduction="batchmean", log_target=True)` '
            '(with `kl_div`\'s default `"mean"` it is JS/C)'
        ),
        "Kornia": (
            "kornia.losses.js_div_loss_2d(p, q) on probabilities (N, K, H, W): one divergence per (n, k) "
            "slice over H × W, then the mean (Kornia 0.9.0)"
        ),
    },
    references=("Lin, Divergence Measures Based on the Shannon Entropy (1991)",),
    differences=(
        Difference(
            "scipy-jensenshannon-square-root",
            "SciPy",
            "`scipy.spatial.distance.jensenshannon` takes probabilities and returns √JS, the "
            "Jensen–Shannon *distance* (a metric), after renormalising its inputs; `js_div` "
            "returns the divergence JS and raises on rows that do not sum to 1. Square SciPy's "
            "value to compare.",
        ),
    ),
    aliases=("Jensen-Shannon divergence",),  # names readers search for
    differentiable=("log_probs", "target_log_probs"),
    reduction_note='`"mean"` sums over the class axis and averages over the rows N, as `kl_div`.',
    plot=Plot(
        curve=Curve(
            x_label="logit z₁ of the prediction p = softmax([0, z₁])",
            x_range=(-8.0, 8.0),
            args=lambda x, q1=0.3: (
                log_softmax(np.stack([np.zeros_like(x), x], axis=-1)),
                np.broadcast_to(_log_row(q1), (*x.shape, 2)).copy(),
            ),
            series=tuple(Series(f"target q₁ = {q:g}", {"q1": q}, {}) for q in (0.0, 0.5, 0.9)),
            # chain rule through a = log_softmax(z): ∂ℓ/∂z = g - p·Σg
            component=lambda g, args: g[..., 1] - np.exp(args[0][..., 1]) * g.sum(axis=-1),
            grad_label="∂ℓ/∂z₁ through a = log_softmax(z)",
        ),
    ),
    checks=Checks(
        extremes=(
            # disjoint supports (JS = log 2), p within 1e-16 of one-hot, p = 0 exactly (a = -800)
            Extreme(
                [
                    [[-1e4, 0.0], [-1e-16, -37.0], [-800.0, 0.0]],
                    [[0.0, -1e4], [0.0, -745.0], [-1e-300, -700.0]],
                ]
            ),
        ),
        # disjoint supports (JS = log 2), p within 1e-16 of one-hot, p = 0 exactly (a = -800)
        torch_extremes=(
            Extreme(
                [
                    [[-1e4, 0.0], [-1e-16, -37.0], [-800.0, 0.0]],
                    [[0.0, -1e4], [0.0, -745.0], [-1e-300, -700.0]],
                ]
            ),
        ),
    ),
)
def js_div(log_probs, target_log_probs):
    """Jensen–Shannon divergence between two distributions given as log-probabilities, in nats.

    JS(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q)/2: symmetric, 0 exactly when
    p = q, and at most log 2, reached when the supports are disjoint. Divide by log 2 for
    bits. Both arguments are log-probabilities (``log_softmax`` outputs), for three reasons:
    the two distributions play the same part, and are usually both model outputs; the
    gradient ½ p (log p − log m) with respect to a = log p stays finite, whereas with respect
    to p it is ½ log(p/m) = −∞ at p_c = 0 < q_c; and a − b is exact where p ≈ q, while
    log q formed from a probability q would be off by an ulp, which swamps log(p/q) there.
    A zero probability is any log-probability below −745 (−1e4, say): its exponential
    is exactly 0.

    The value is summed per class as ½ (p_c + q_c)(log 2 − H₂(p_c / (p_c + q_c))), H₂ the
    binary entropy: terms that are never negative, so nothing cancels when p ≈ q.

    Args:
        log_probs: Log-probabilities a = log p, shape (..., C), each row's exp summing to 1.
        target_log_probs: Log-probabilities b = log q, the same shape. Differentiable too:
            ``js_div.grad(a, b, argnum=1)``.

    Returns:
        The mean over rows of the per-row JS by default.

    Examples:
        >>> import math
        >>> from lossref import js_div
        >>> js_div([[0.0, -1e4]], [[-1e4, 0.0]]) == math.log(2)   # disjoint: ½ log(1/½) + ½ log(1/½)
        True
        >>> a, b = [[math.log(0.25), math.log(0.75)]], [[math.log(0.5), math.log(0.5)]]
        >>> js_div(a, b) == js_div(b, a)
        True
    """
    last_axis(log_probs, "log_probs")
    if target_log_probs.shape != log_probs.shape:
        raise ValueError(
            f"log_probs has shape {log_probs.shape} but target_log_probs has shape {target_log_probs.shape}"
        )
    p, q = np.exp(log_probs), np.exp(target_log_probs)
    # JS <= log 2 and JS >= 0 hold only between distributions
    rows_sum_to_one(p, "log_probs (as probabilities)")
    rows_sum_to_one(q, "target_log_probs (as probabilities)")
    x = log_probs - target_log_probs  # exact where p ≈ q
    value = (0.5 * (p + q) * _js_gap(0.5 * np.abs(x))).sum(axis=-1)
    # + 0.0 turns the -0.0 of p_c = 0 (times a negative log-ratio) into 0.0
    return Result(
        value,
        lambda: {
            "log_probs": 0.5 * p * _log_ratio_to_mixture(x) + 0.0,
            "target_log_probs": 0.5 * q * _log_ratio_to_mixture(-x) + 0.0,
        },
    )


# cross_entropy targets: integer labels or distributions, as softmax_cross_entropy; the tests draw
# distributions (labels: extremes, conformance and the docs)
_LABELS_OR_TARGET = replace(LABELS_OR_DISTRIBUTION, sample=_sample_distribution, invalid=DISTRIBUTION.invalid)


@class_axis_loss(
    family="divergence",
    formula=(
        r"\ell(p, q) = H(q, p) = -\sum_c q_c \log p_c = H(q) + \mathrm{KL}(q \,\|\, p), \quad 0 \log 0 = 0",
        r"\ell(p, y) = -\log p_y \quad \text{(integer label } y\text{)}",
    ),
    gradient=r"\frac{\partial \ell}{\partial p_c} = -\frac{q_c}{p_c} \quad \big(-e_y / p_y \text{ for a label}\big)",  # noqa: E501
    domain={"probs": DISTRIBUTION, "target": _LABELS_OR_TARGET},
    use_case=(
        "Scoring predicted probabilities against a target distribution or labels (log loss); to train, use "
        "softmax_cross_entropy on logits."
    ),
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "no probability-input loss: F.nll_loss on torch.log(p) (labels), or the sum of -q·log p",
        "Keras": (
            "keras.losses.CategoricalCrossentropy() (from_logits=False: renormalises p, clips to [1e-7, 1 − "
            "1e-7])"
        ),
        "scikit-learn": (
            "sklearn.metrics.log_loss(y_true, probs) (integer or one-hot labels; clips p to [ε, 1 − ε])"
        ),
    },
    references=("Cover & Thomas, Elements of Information Theory, ch. 2 (2006)",),
    differences=(
        Difference(
            "sklearn-log-loss-clips",
            "scikit-learn",
            "`log_loss` clips p to [ε, 1 − ε] with ε = 2.2e-16, so p_y = 0 costs −log ε ≈ 36.04; "
            "`cross_entropy` returns the exact +∞. They agree wherever ε ≤ p_y ≤ 1 − ε.",
        ),
        Difference(
            "pytorch-log-probs-zero-nan-gradient",
            "PyTorch",
            "PyTorch has no probability-input cross-entropy; its route `nll_loss(torch.log(p), y)` "
            "gives a NaN gradient for every class with p_c = 0 (0 · ∞ in the backward pass of log), "
            "even where the loss is finite. `cross_entropy` returns 0 there.",
        ),
    ),
    reduction_note='`"mean"` sums over the class axis and averages over the rows N.',
    plot=Plot(
        curve=Curve(
            x_label="predicted p₁ (two classes: p = (1 − p₁, p₁))",
            x_range=(0.03, 0.97),
            args=two_class_probabilities,
            series=tuple(Series(f"target q₁ = {q:g}", {"q1": q}, {}) for q in (1.0, 0.7, 0.5)),
            # along p = (1 - p₁, p₁): dℓ/dp₁ = ∂ℓ/∂p₁ - ∂ℓ/∂p₀, zero at p₁ = q₁
            component=along_second_class,
            grad_label="dℓ/dp₁ along p = (1 − p₁, p₁)",
            y_limits=(0, 3.6),
        ),
    ),
    checks=Checks(
        extremes=(
            Extreme(
                [
                    [[1e-15, 1 - 1e-15, 0.0], [0.5, 0.5, 0.0], [1e-300, 0.25, 0.75]],
                    [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.25, 0.75]],
                ]
            ),
            Extreme([[[1e-15, 1 - 1e-15, 0.0], [1e-300, 0.25, 0.75], [1.0, 0.0, 0.0]], [0, 2, 0]]),
        ),
        torch_extremes=(
            Extreme([[[1e-15, 1 - 1e-15], [0.5, 0.5], [1e-300, 1.0]], [[0.5, 0.5], [0.0, 1.0], [0.0, 1.0]]]),
            Extreme([[[1e-15, 1 - 1e-15], [1e-300, 1.0], [0.25, 0.75]], [0, 1, 1]]),
        ),
    ),
)
def cross_entropy(probs, target):
    """Cross-entropy H(q, p) = −Σ q_c log p_c of predicted *probabilities* against a target.

    For probabilities a model has already produced (evaluation, calibration, teaching).
    To train, pass logits to ``softmax_cross_entropy``: same value with p = softmax(z), and a
    stable gradient p − q. Exact at the edges, with no clipping: a class with q_c = 0 adds 0
    (even where p_c = 0), and p_c = 0 where q_c > 0 gives +∞.

    Args:
        probs: Predicted probabilities p, shape (..., C), each row summing to 1.
        target: Target probabilities q, shape (..., C), each row summing to 1; or integer
            labels in [0, C), shape (...), which means q = e_y and ℓ = −log p_y.

    Returns:
        The mean over rows by default.

    Examples:
        >>> import math
        >>> from lossref import cross_entropy
        >>> cross_entropy([[0.5, 0.25, 0.25]], [0]) == math.log(2)        # -log 0.5
        True
        >>> cross_entropy([[0.5, 0.5]], [[0.5, 0.5]]) == math.log(2)      # H(q) when p = q
        True
        >>> cross_entropy.grad([[0.5, 0.25, 0.25]], [[0.0, 0.5, 0.5]])    # -q / p
        array([[ 0., -2., -2.]])
    """
    last_axis(probs, "probs")
    rows_sum_to_one(probs, "probs")
    if np.issubdtype(target.dtype, np.integer):
        _, labels = _check_labels(target, probs, "target", None)
        p_y = np.take_along_axis(probs, labels[..., None], axis=-1)[..., 0]

        def label_grad():
            grad = np.zeros_like(probs)
            with np.errstate(divide="ignore"):
                np.put_along_axis(grad, labels[..., None], (-1.0 / p_y)[..., None], axis=-1)
            return grad

        with np.errstate(divide="ignore"):
            return Result(0.0 - np.log(p_y), label_grad)  # 0.0 -: no -0.0 at p_y = 1
    if target.shape != probs.shape:
        raise ValueError(f"probs has shape {probs.shape} but target has shape {target.shape}")
    rows_sum_to_one(target, "target")
    with np.errstate(divide="ignore"):
        value = 0.0 - xlogy(target, probs).sum(axis=-1)

    def backward():
        with np.errstate(divide="ignore"):
            return np.where(target == 0, 0.0, -target / np.where(target == 0, 1.0, probs))

    return Result(value, backward)


def _distillation(student_logits, teacher_logits, temperature):
    """T²·KL(p_t ‖ p_s) per row and its (deferred) gradient T (p_s − p_t), at temperature T.

    Rows whose logits differ by at most T/2 (every row once T is large) use the centred
    difference u = Δz − Σ p_t Δz (Δz = z_s − z_t), x = u/T (|x| ≤ 1): KL = log1p(S) exactly,
    with S = Σ p_t (exp(x) − 1 − x) a sum of non-negative terms, so T²·KL = Σ p_t u²·(series) ·
    log1p(S)/S never subtracts two O(1/T) numbers to get an O(1/T²) one, and never forms T²
    (which overflows from T ≈ 1.3e154 while T²·KL tends to ½ Var_{p_t}(Δz)). The gradient is
    T p_t expm1(x − log1p(S)) = p_t (u − ℓ/T)·expm1(w)/w with w = (u − ℓ/T)/T. Other rows,
    far apart, take the difference of the two log-softmaxes, which cancels nothing there.
    """
    t = temperature
    log_pt = log_softmax(teacher_logits / t)
    p_t = np.exp(log_pt)
    dz = student_logits - teacher_logits
    close = (np.abs(dz) <= 0.5 * t).all(axis=-1)
    dz = np.where(close[..., None], dz, 0.0)
    u = dz - (p_t * dz).sum(axis=-1, keepdims=True)
    a = (p_t * u * u * _expm1_excess(u / t)).sum(axis=-1)  # T²·S
    s = a / t / t
    near_value = a * np.where(s > 0, np.log1p(s) / np.where(s > 0, s, 1.0), 1.0)  # log1p(S)/S → 1

    def near_grad():
        v = u - (near_value / t)[..., None]
        w = v / t
        return p_t * v * np.where(w == 0, 1.0, np.expm1(w) / np.where(w == 0, 1.0, w))

    if close.all():
        return Result(near_value, near_grad)
    log_ps = log_softmax(student_logits / t)
    delta = log_ps - log_pt
    far_value = t * (t * (0.0 - (p_t * delta).sum(axis=-1)))  # Σ p_t (log p_t − log p_s)

    def backward():
        # p_s − p_t = p_t·expm1(δ): no cancellation where the two agree (δ < 1 keeps p_t·e^δ finite)
        small = delta < 1.0
        far_grad = t * np.where(small, p_t * np.expm1(np.where(small, delta, 0.0)), np.exp(log_ps) - p_t)
        return np.where(close[..., None], near_grad(), far_grad)

    return Result(np.where(close, near_value, far_value), backward)


@class_axis_loss(
    family="divergence",
    formula=(
        r"\ell(z_s, z_t) = T^2\, \mathrm{KL}\big(p_t^{T} \,\|\, p_s^{T}\big), \quad p^{T} = \mathrm{softmax}(z / T)",  # noqa: E501
        r"\ell(z_s, z_t, y) = \alpha\, T^2\, \mathrm{KL}\big(p_t^{T} \,\|\, p_s^{T}\big) + (1 - \alpha)\, \mathrm{CE}\big(\mathrm{softmax}(z_s), y\big) \quad \text{(with labels)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial z_s} = T\,\big(p_s^{T} - p_t^{T}\big)",
        r"\frac{\partial \ell}{\partial z_s} = \alpha\, T\,\big(p_s^{T} - p_t^{T}\big) + (1 - \alpha)\big(\mathrm{softmax}(z_s) - e_y\big) \quad \text{(with labels)}",  # noqa: E501
    ),
    domain={"student_logits": LOGITS, "teacher_logits": LOGITS},
    use_case=(
        "Knowledge distillation: train a student on a teacher's temperature-softened probabilities (Hinton "
        "et al.)."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": (
            'T² · F.kl_div(log p_s, log p_t, reduction="batchmean", log_target=True), with p = F.softmax(z '
            "/ T)"
        ),
        "Keras": "no built-in loss (Keras' distillation example combines KLDivergence with a student loss)",
    },
    references=("Hinton, Vinyals & Dean, Distilling the Knowledge in a Neural Network (2015)",),
    aliases=("distillation loss",),  # names readers search for
    reduction_note=(
        '`"mean"` sums over the class axis and averages over the rows N (PyTorch\'s `"batchmean"`).'
    ),
    plot=Plot(
        curve=Curve(
            x_label="student logit z₁ (z_s = [0, z₁]; teacher z_t = [0, 2])",
            x_range=(-6.0, 8.0),
            args=lambda x: (
                np.stack([np.zeros_like(x), x], axis=-1),
                np.broadcast_to([0.0, 2.0], (*x.shape, 2)).copy(),
            ),
            series=tuple(Series(f"T = {t:g}", {}, {"temperature": t}) for t in (1.0, 2.0, 4.0, 8.0)),
            component=lambda g, args: g[..., 1],
            grad_label="gradient ∂ℓ/∂z₁",
        ),
        explore={"temperature": (1.0, 10.0)},
    ),
    checks=Checks(
        variants=({"temperature": 1.0}, {"temperature": 5.0}),
        # (rows where student and teacher nearly agree are in the accuracy grid: there the gradient
        # is below the finite differences' own error)
        extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [40.0, 0.0, 1.0], [-745.0, 0.0, 0.0]],
                    [[-1e4, 1e4, 0.0], [0.0, 0.0, 0.0], [2.0, -1.0, 0.5]],
                ]
            ),
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]],
                    [[-1e4, 1e4, 0.0], [1e-12, 0.0, 0.0], [0.0, 0.0, 0.0]],
                ],
                {"temperature": 4.0, "labels": np.array([1, 0, 2]), "alpha": 0.3},
            ),
            # huge T: T²·KL → ½ Var(z_s − z_t), from a KL of 1e-30 (which cancels in KL = log Σ − Σ)
            # and a T² that overflows (T = 1e155)
            Extreme(
                [[[0.3, -1.2, 2.0], [1e4, -1e4, 0.0]], [[1.0, 0.5, -0.7], [0.0, 0.0, 0.0]]],
                {"temperature": 1e15},
            ),
            Extreme(
                [[[0.3, -1.2, 2.0], [1e4, -1e4, 0.0]], [[1.0, 0.5, -0.7], [0.0, 0.0, 0.0]]],
                {"temperature": 1e155},
            ),
        ),
        invalid=(
            Invalid({"temperature": 0.0}, ValueError, "temperature must be > 0"),
            Invalid({"alpha": 1.5, "labels": [0, 1, 2]}, ValueError, "alpha must be in [0, 1]"),
            Invalid({"labels": [0, 1]}, ValueError, "labels has shape (2,) but (3,) was expected"),
            Invalid({"labels": [0, 1, 4]}, ValueError, "labels must be in [0, 4)"),
            Invalid({"labels": [0.0, 1.0, 2.0]}, TypeError, "labels must be integer class indices"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]],
                    [[-1e4, 1e4, 0.0], [1e-12, 0.0, 0.0], [40.0, 0.0, 1.0]],
                ]
            ),
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]],
                    [[-1e4, 1e4, 0.0], [1e-12, 0.0, 0.0], [0.0, 0.0, 0.0]],
                ],
                {"temperature": 4.0, "labels": [1, 0, 2], "alpha": 0.3},
            ),
        ),
    ),
)
def knowledge_distillation(student_logits, teacher_logits, *, temperature=2.0, labels=None, alpha=0.5):
    """Knowledge-distillation loss (Hinton et al. 2015): T² · KL(teacher ‖ student) at temperature T.

    Both distributions are softened by the same temperature: p^T = softmax(z / T). The
    gradient with respect to the student logits is T (p_s^T − p_t^T); for large T that is
    about (z_s − z_t − mean)/C, whatever T, which is why the KL is multiplied by T²
    (without it the soft targets' gradient would shrink as 1/T²).

    With ``labels`` the hard-label cross-entropy at T = 1 is mixed in:
    α·T²·KL + (1 − α)·CE(z_s, y). Without labels the loss is the distillation term alone
    and ``alpha`` is not used.

    Args:
        student_logits: Student logits z_s, shape (..., C).
        teacher_logits: Teacher logits z_t, the same shape (treated as constants).
        temperature: T > 0. Hinton et al. use 1–20; 2 and 4 are common.
        labels: Optional integer labels in [0, C), shape (...), for the hard-label term.
        alpha: α in [0, 1], the weight of the distillation term when ``labels`` are given.

    Returns:
        The mean over rows by default (PyTorch's ``"batchmean"``).

    Examples:
        >>> from lossref import knowledge_distillation as kd
        >>> kd([[0.0, 0.0]], [[1.0, 1.0]])      # equal after softmax: the teacher is matched
        0.0
        >>> kd.grad([[0.0, 0.0]], [[2.0, -2.0]], temperature=1.0, reduction="sum").round(4)   # T (p_s - p_t) = 0.5 - σ(±4)
        array([[-0.482,  0.482]])
    """  # noqa: E501 (doctest lines with their hand-computed values)
    positive(temperature=temperature)
    in_unit_interval(alpha=alpha)
    _check_class_axis(student_logits, "student_logits")
    if teacher_logits.shape != student_logits.shape:
        raise ValueError(
            f"student_logits has shape {student_logits.shape} but teacher_logits has shape "
            f"{teacher_logits.shape}"
        )
    kd = _distillation(student_logits, teacher_logits, float(temperature))
    if labels is None:
        return kd
    y = as_label_array(labels, "labels")
    ce = _label_cross_entropy(
        log_softmax(student_logits), y, "labels", np.ones(student_logits.shape[-1]), 0.0, None
    )
    return Result(
        alpha * kd.values + (1.0 - alpha) * ce.values, lambda: alpha * kd.grad() + (1.0 - alpha) * ce.grad()
    )


def _log_share(x, w, log_w, log_rest):
    """log(s/m) for the mixture m = (1 − w)·s + w·t, from x = log t − log s: −log(1 − w + w·eˣ).

    As −log1p(w·expm1(x)) wherever 1 + w·expm1(x) ≥ 1 − w·(1 − e⁻¹) or ≥ ½ (x ≥ −1, or w ≤ ½),
    so forming it cancels nothing; otherwise, and where eˣ would overflow, in log space:
    −logaddexp(log(1 − w), log w + x), whose result is then far from 0.
    """
    mid = (x <= 700.0) & ((x >= -1.0) | (w <= 0.5))
    with np.errstate(over="ignore"):
        near = -np.log1p(w * np.expm1(np.where(mid, x, 0.0)))
    return np.where(mid, near, -np.logaddexp(log_rest, log_w + x))


def _excess(y):
    """e^y − 1 − y >= 0 for |y| <= 1, from its series (no cancellation)."""
    return y * y * _expm1_excess(y)


def _gjsd_row_log(t1):
    """log of the row (1 − t₁, t₁), a probability of 0 as a log-probability of −1e4."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log([1.0 - t1, t1]), -1e4)


@class_axis_loss(
    family="divergence",
    formula=(
        r"\ell(a, b) = \beta\,\mathrm{KL}(t \,\|\, m) + (1 - \beta)\,\mathrm{KL}(s \,\|\, m)",
        r"s = e^{a}\ \text{(student)}, \quad t = e^{b}\ \text{(teacher)}, \quad m = \beta\, t + (1 - \beta)\, s",  # noqa: E501
        r"0 < \beta < 1, \qquad 0 \le \ell \le -\beta \log \beta - (1 - \beta) \log(1 - \beta), \qquad \beta = \tfrac12: \ \ell = \mathrm{JS}(s, t)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial a_c} = (1 - \beta)\, s_c \log\frac{s_c}{m_c} \qquad \Big(\frac{\partial \ell}{\partial b_c} = \beta\, t_c \log\frac{t_c}{m_c}\Big)",  # noqa: E501
        r"\text{through } a = \mathrm{log\_softmax}(z): \ \frac{\partial \ell}{\partial z} = g - s \textstyle\sum_c g_c, \quad g = \frac{\partial \ell}{\partial a}",  # noqa: E501
    ),
    domain={"log_probs": LOG_PROBABILITY, "teacher_log_probs": LOG_PROBABILITY},
    use_case=(
        "Distillation of language models (GKD): one knob β between forward KL (small β, mode-covering) "
        "and reverse KL (large β, mode-seeking), bounded and finite where supports differ."
    ),
    properties=("non_negative", "zero_iff_equal", "bounded_gradient", "smooth"),
    equivalents={
        "TRL": (
            "`GKDTrainer.generalized_jsd_loss(student_logits, teacher_logits, beta=β)` on logits "
            "(v1.9.0, `trl/experimental/gkd/gkd_trainer.py`): for (N, V) rows it is "
            "`generalized_jsd(log_softmax(z_s), log_softmax(z_t), beta=β)` when 0 < β < 1"
        ),
    },
    references=(
        "Agarwal et al., On-Policy Distillation of Language Models: Learning from Self-Generated Mistakes "
        "(ICLR 2024), eq. 1",
        "TRL v1.9.0, trl/experimental/gkd/gkd_trainer.py (generalized_jsd_loss) and gkd_config.py",
    ),
    differences=(
        Difference(
            "trl-gkd-beta-endpoints",
            "TRL",
            "TRL (v1.9.0) accepts β = 0 and β = 1 and then returns the forward KL(t ‖ s) and the "
            "reverse KL(s ‖ t) themselves, while the mixture formula tends to 0 at both ends (as "
            "β·KL(t ‖ s) and (1 − β)·KL(s ‖ t)): the loss jumps at the endpoints. `generalized_jsd` "
            "takes β in the open interval (0, 1) and raises at 0 and 1; use `kl_div` for the two KLs.",
        ),
        Difference(
            "trl-gkd-batchmean-normalisation",
            "TRL",
            'TRL\'s (v1.9.0) default `reduction="batchmean"` divides the sum over tokens and vocabulary by '
            "the number of unmasked tokens when `labels` are given (at least 1), or by `num_items_in_batch` "
            "when the trainer passes it, as its `compute_loss` does; without labels it divides by the "
            "first dimension only, the number of sequences of a (B, L, V) batch, and its "
            '`"mean"` divides by B·L·V. `lossref`\'s `"mean"` divides by the number of rows (B·L); '
            "`weights=` the label mask gives the per-token mean.",
        ),
    ),
    aliases=("generalized Jensen-Shannon divergence", "skew Jensen-Shannon divergence", "GKD loss"),
    differentiable=("log_probs", "teacher_log_probs"),
    reduction_note='`"mean"` sums over the class axis and averages over the rows N, as `kl_div`.',
    plot=Plot(
        curve=Curve(
            x_label="logit z₁ of s = softmax([0, z₁]); t = (0.8, 0.2)",
            x_range=(-8.0, 8.0),
            args=lambda x: (
                log_softmax(np.stack([np.zeros_like(x), x], axis=-1)),
                np.broadcast_to(_gjsd_row_log(0.2), (*x.shape, 2)).copy(),
            ),
            series=tuple(Series(f"β = {b:g}", {}, {"beta": b}) for b in (0.1, 0.5, 0.9)),
            # chain rule through a = log_softmax(z): ∂ℓ/∂z = g - s·Σg
            component=lambda g, args: g[..., 1] - np.exp(args[0][..., 1]) * g.sum(axis=-1),
            grad_label="∂ℓ/∂z₁ through a = log_softmax(z)",
        ),
        explore={"beta": (0.02, 0.98)},
    ),
    checks=Checks(
        variants=({"beta": 0.1}, {"beta": 0.9}, {"beta": 1e-6}),
        extremes=(
            # disjoint supports (ℓ = H₂(β)), a student within 1e-16 of one-hot, a probability of
            # exactly 0 (a = -800) against one of e^-700; rows 1e-12 apart (ℓ ≈ 1e-25) are checked
            # against mpmath in tests/test_losses.py: there the gradient is below the finite
            # differences' own error
            Extreme(
                [
                    [[-1e4, 0.0], [-1e-16, -37.0], [-800.0, 0.0]],
                    [[0.0, -1e4], [0.0, -745.0], [-1e-300, -700.0]],
                ],
                {"beta": 0.3},
            ),
            Extreme(
                [
                    [[-1e4, 0.0], [-1e-16, -37.0], [-800.0, 0.0]],
                    [[0.0, -1e4], [0.0, -745.0], [-1e-300, -700.0]],
                ],
                {"beta": 1e-12},
            ),
            Extreme(
                [
                    [[-1e4, 0.0], [-1e-16, -37.0], [-800.0, 0.0]],
                    [[0.0, -1e4], [0.0, -745.0], [-1e-300, -700.0]],
                ],
                {"beta": 1 - 1e-12},
            ),
        ),
        invalid=(
            Invalid({"beta": 0.0}, ValueError, "beta must be in (0, 1)"),
            Invalid({"beta": 1.0}, ValueError, "beta must be in (0, 1)"),
            Invalid({"beta": 1.5}, ValueError, "beta must be in (0, 1)"),
            Invalid({"beta": -0.5}, ValueError, "beta must be in (0, 1)"),
            Invalid({"beta": "0.5"}, TypeError, "beta must be a real number"),
        ),
    ),
)
def generalized_jsd(log_probs, teacher_log_probs, *, beta=0.5):
    """Generalized Jensen–Shannon divergence of GKD (Agarwal et al. 2024), in nats.

    With the student s = exp(log_probs), the teacher t = exp(teacher_log_probs) and their
    mixture m = β t + (1 − β) s: ℓ = β KL(t ‖ m) + (1 − β) KL(s ‖ m). β = ½ is ``js_div``;
    small β behaves like β·KL(t ‖ s) (forward KL, mode-covering), β near 1 like
    (1 − β)·KL(s ‖ t) (reverse KL, mode-seeking). β weights the *teacher* in the mixture, as
    in TRL's ``GKDTrainer``. Both arguments are log-probabilities, as for ``js_div``.

    Each class adds m_c · KL(π_c ‖ β) ≥ 0, the binary KL between π_c = β t_c / m_c and β, so
    nothing cancels in the sum. Where the student and the teacher nearly agree
    (|log t_c − log s_c| ≤ 1) that term is β(1 − β) s_c x (eˣ − 1) − m_c log1p(K), x the
    log-ratio and K a sum of non-negative series in x: a value of order x² is never the
    difference of two numbers of order x.

    Args:
        log_probs: The student's log-probabilities a = log s, shape (..., C), each row's exp
            summing to 1.
        teacher_log_probs: The teacher's log-probabilities b = log t, the same shape.
            Differentiable too: ``generalized_jsd.grad(a, b, argnum=1)`` (GKD holds the
            teacher fixed).
        beta: β in (0, 1), the teacher's weight in the mixture. TRL's default is 0.5.

    Returns:
        The mean over rows of the per-row divergence by default.

    Examples:
        >>> import math
        >>> from lossref import generalized_jsd
        >>> s, t = [[math.log(0.5), math.log(0.5)]], [[0.0, -1e4]]     # t = (1, 0)
        >>> by_hand = 0.25 * math.log(1.6) + 0.375 * math.log(16 / 15)  # m = (0.625, 0.375): ¼ log(1/0.625) + ¾·½ (log 0.8 + log(4/3))
        >>> math.isclose(generalized_jsd(s, t, beta=0.25), by_hand, rel_tol=1e-15)
        True
        >>> disjoint = generalized_jsd([[0.0, -1e4]], [[-1e4, 0.0]], beta=0.25)
        >>> math.isclose(disjoint, -0.25 * math.log(0.25) - 0.75 * math.log(0.75), rel_tol=1e-15)  # H₂(β)
        True
    """  # noqa: E501 (doctest lines with their hand-computed values)
    in_open_unit_interval(beta=beta)
    last_axis(log_probs, "log_probs")
    if teacher_log_probs.shape != log_probs.shape:
        raise ValueError(
            f"log_probs has shape {log_probs.shape} but teacher_log_probs has shape {teacher_log_probs.shape}"
        )
    s, t = np.exp(log_probs), np.exp(teacher_log_probs)
    # the bounds 0 <= ℓ <= H₂(β) hold only between distributions
    rows_sum_to_one(s, "log_probs (as probabilities)")
    rows_sum_to_one(t, "teacher_log_probs (as probabilities)")
    beta = float(beta)
    rest, log_beta, log_rest = 1.0 - beta, np.log(beta), np.log1p(-beta)
    x = teacher_log_probs - log_probs  # exact where s ≈ t
    log_s_over_m = _log_share(x, beta, log_beta, log_rest)
    log_t_over_m = _log_share(-x, rest, log_rest, log_beta)
    # far apart: the two KL terms, of opposite signs but never close in size
    far = beta * t * log_t_over_m + rest * s * log_s_over_m
    # close: m·KL(π ‖ β) = β(1 − β)·s·x·expm1(x) − m·log1p(K), K = (1 − β)φ(−βx) + βφ((1 − β)x)
    close = np.abs(x) <= 1.0
    xc = np.where(close, x, 0.0)
    k = rest * _excess(-beta * xc) + beta * _excess(rest * xc)
    near = beta * rest * s * xc * np.expm1(xc) - (rest * s + beta * t) * np.log1p(k)
    value = np.where(close, near, far).sum(axis=-1)
    # + 0.0 turns the -0.0 of a zero probability (times a negative log-ratio) into 0.0
    return Result(
        value,
        lambda: {
            "log_probs": rest * s * log_s_over_m + 0.0,
            "teacher_log_probs": beta * t * log_t_over_m + 0.0,
        },
    )
