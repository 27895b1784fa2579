"""Classification losses: probabilities, logits or log-probabilities against labels."""

from dataclasses import replace

import numpy as np

from ._checks import (
    as_array,
    as_float_array,
    in_unit_interval,
    non_negative,
    positive,
    real_scalar,
    rows_sum_to_one,
)
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
    class_axis_loss,
    elementwise_loss,
    gradient_requested,
)
from ._curves import along_second_class, two_class_probabilities
from ._domains import (
    BINARY_TARGET,
    CLASS_LABEL,
    DISTRIBUTION,
    LABELS_OR_DISTRIBUTION,
    LOG_PROBABILITY,
    LOGITS,
    PROBABILITY,
    REAL,
    _sample_predicted_distribution,
)
from ._labels import (
    _INTEGER_LABELS,
    _check_class_axis,
    _check_labels,
    _class_weights,
    _empty_label_mean,
    _label_cross_entropy,
    _logit_curve,
    _p_minus_onehot,
    _pick,
    _softmax_inputs,
)
from ._math import (
    _expm1_excess,
    log1p_of_sum,
    log_softmax,
    log_softmax_at_labels,
    sigmoid,
    softplus,
    xlog1py,
    xlogy,
)

__all__ = [
    "balanced_softmax",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "brier_score",
    "class_balanced",
    "generalized_cross_entropy",
    "ldam",
    "logit_adjusted_cross_entropy",
    "nll",
    "ordinal_logistic",
    "poly1_cross_entropy",
    "sigmoid_focal",
    "softmax_cross_entropy",
    "softmax_focal",
    "sparse_categorical_cross_entropy",
    "sparsemax_loss",
    "symmetric_cross_entropy",
    "zero_one",
]  # its losses, re-exported by lossref/__init__.py


def _binary_curve(x_label, x_range, series=None, y_limits=None):
    """Plot against one prediction, for a positive (y = 1) and a negative (y = 0) target."""
    series = series or (Series("y = 1", {"y": 1.0}, {}), Series("y = 0", {"y": 0.0}, {}))
    return Curve(
        x_label=x_label,
        x_range=x_range,
        args=lambda x, y=1.0: (x, np.full_like(x, y)),
        series=series,
        y_limits=y_limits,
    )


_WEIGHT_DENOMINATOR = (
    "PyTorch's `weight=` multiplies each element's loss but `\"mean\"` still divides by the "
    "number of elements; `lossref`'s `weights=` divides by Σw (a true weighted mean). "
    "PyTorch's value is `lossref`'s `reduction=\"sum\"` divided by N."
)


@elementwise_loss(
    family="classification",
    formula=r"\ell(p, y) = -\big[\,y \log p + (1 - y) \log(1 - p)\,\big]",
    gradient=r"\frac{\partial \ell}{\partial p} = \frac{p - y}{p\,(1 - p)}",
    domain={"probs": PROBABILITY, "y_true": BINARY_TARGET},
    use_case="Binary or multi-label classification when the model already outputs probabilities.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.BCELoss()",
        "Keras": (
            "keras.losses.BinaryCrossentropy()(y_true, probs) (probabilities by default; clips p, see below)"
        ),
        "scikit-learn": "sklearn.metrics.log_loss(y_true, probs)",
    },
    references=("Cox, The regression analysis of binary sequences (1958)",),
    differences=(
        Difference(
            "keras-bce-clips",
            "Keras",
            "`BinaryCrossentropy()` on probabilities clips p to [ε, 1 − ε] with ε = 1e-7 (Keras 3.15.1), "
            "so a confident mistake costs at most −log 1e-7 ≈ 16.1 and has zero gradient beyond the "
            "clip: at p = 1e-9, y = 1 Keras gives 16.1 and `lossref` the exact 20.7. Pass logits with "
            "`from_logits=True` to avoid the clip.",
        ),
        Difference(
            "pytorch-bce-clamps-log",
            "PyTorch",
            "`BCELoss` clamps each log term at −100, so p = 0 with y = 1 costs 100. "
            "`lossref` computes the exact value: +∞ there (and 0·log 0 = 0 when y = 0). "
            "Keras clips p to [1e-7, 1 − 1e-7] instead.",
        ),
        Difference(
            "pytorch-bce-grad-clamps-denominator",
            "PyTorch",
            "The gradient of `BCELoss` divides by max(p(1 − p), 1e-12), so within about 1e-12 "
            "of 0 or 1 it is wrong: at p = 1e-15, y = 0 it returns 0.001 instead of 1. The log "
            "clamp bounds the value, not the gradient: at p = 1e-300, y = 1 the value is the "
            "clamped 100 but the gradient is about −10¹² (exact: −10³⁰⁰), not 0. "
            "`lossref` returns the exact derivative.",
        ),
        Difference("pytorch-bce-weight-denominator", "PyTorch", _WEIGHT_DENOMINATOR),
    ),
    plot=Plot(curve=_binary_curve("predicted probability p", (0.005, 0.995), y_limits=(0, 5.5))),
    checks=Checks(
        extremes=(
            Extreme([[1e-15, 1 - 1e-15, 0.5, 1e-300, 1e-12, 1 - 1e-12], [0.0, 1.0, 1.0, 0.0, 1.0, 0.0]]),
            Extreme([[1e-6, 1 - 1e-6, 0.5], [1.0, 0.0, 0.3]]),
        ),
        torch_extremes=(Extreme([[1e-6, 1 - 1e-6, 0.5, 0.25], [1.0, 0.0, 1.0, 0.0]]),),
    ),
)
def binary_cross_entropy(probs, y_true):
    """Binary cross-entropy on probabilities (prefer the logits version for training).

    Exact at the edges: p = 0 with y = 0 costs 0 (0·log 0 = 0); p = 0 with y = 1 costs +∞.

    Args:
        probs: Predicted probabilities p in [0, 1], any shape.
        y_true: Targets in [0, 1] (hard 0/1 or soft labels), the same shape.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import binary_cross_entropy
        >>> binary_cross_entropy([0.5, 0.9], [1.0, 1.0]) == -(math.log(0.5) + math.log(0.9)) / 2
        True
        >>> binary_cross_entropy.grad([0.5], [1.0])   # (p - y) / (p (1 - p))
        array([-2.])
    """
    with np.errstate(divide="ignore"):
        # log1p(-p), not log(1 - p): 1 - p rounds away p's last digits when p < 1e-3
        value = 0.0 - (xlogy(y_true, probs) + xlog1py(1.0 - y_true, -probs))  # 0.0 -: no -0.0

    def backward():
        with np.errstate(divide="ignore", invalid="ignore"):
            # -y/p + (1-y)/(1-p), with each term 0 when its coefficient is 0 (limit, not 0/0)
            pos = np.where(y_true == 0, 0.0, -y_true / probs)
            neg = np.where(y_true == 1, 0.0, (1.0 - y_true) / (1.0 - probs))
        return pos + neg

    return Result(value, backward)


def _pos_weight(pos_weight, logits):
    if pos_weight is None:
        return 1.0
    pw = as_float_array(pos_weight, "pos_weight")
    if pw.ndim > 1 or (pw.ndim == 1 and pw.shape != logits.shape[-1:]):
        raise ValueError(
            f"pos_weight must be a scalar or have shape {logits.shape[-1:]} (the last axis "
            f"of logits); got shape {pw.shape}"
        )
    if (pw <= 0).any():
        raise ValueError("pos_weight must be > 0")
    return pw


@elementwise_loss(
    family="classification",
    formula=r"\ell(z, y) = -\big[\,w_+ \, y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\,\big] = w_+\, y \operatorname{softplus}(-z) + (1 - y) \operatorname{softplus}(z)",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial z} = (1 - y)\, \sigma(z) - w_+\, y\, \sigma(-z) \;\; \overset{w_+ = 1}{=} \;\; \sigma(z) - y",  # noqa: E501
    domain={"logits": REAL, "y_true": BINARY_TARGET},
    use_case=(
        "Binary and multi-label classification from logits: the numerically stable way to train a sigmoid "
        "output."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.BCEWithLogitsLoss(pos_weight=w₊)",
        "Keras": "keras.losses.BinaryCrossentropy(from_logits=True)",
        "optax": "jnp.mean(optax.losses.sigmoid_binary_cross_entropy(logits, y_true))",
    },
    references=("Cox, The regression analysis of binary sequences (1958)",),
    differences=(Difference("pytorch-bcewithlogits-weight-denominator", "PyTorch", _WEIGHT_DENOMINATOR),),
    propagates_non_finite=True,  # z = ±inf: y·z or (1 − y)·z is ±inf or 0·inf = NaN
    plot=Plot(
        curve=_binary_curve(
            "logit z",
            (-6.0, 6.0),
            series=(
                Series("y = 1", {"y": 1.0}, {}),
                Series("y = 0", {"y": 0.0}, {}),
                Series("y = 1, w₊ = 3", {"y": 1.0}, {"pos_weight": 3.0}),
            ),
        ),
        explore={"pos_weight": (0.25, 5.0)},
    ),
    checks=Checks(
        variants=({"pos_weight": 3.0}, {"pos_weight": 0.5}),
        extremes=(
            Extreme([[1e4, -1e4, 1e4, -1e4, 0.0], [1.0, 0.0, 0.0, 1.0, 0.5]]),
            Extreme([[1e4, -1e4, 40.0, -40.0], [0.0, 1.0, 1.0, 0.0]], {"pos_weight": 7.0}),
        ),
        invalid=(
            Invalid({"pos_weight": -2.0}, ValueError, "pos_weight must be > 0"),
            Invalid({"pos_weight": [1.0, 2.0]}, ValueError, "pos_weight must be a scalar or have shape (3,)"),
        ),
        torch_extremes=(
            Extreme([[1e4, -1e4, 1e4, -1e4, 0.0, 40.0], [1.0, 0.0, 0.0, 1.0, 0.5, 1.0]]),
            Extreme([[1e4, -1e4, 40.0, 3.0], [0.0, 1.0, 1.0, 0.0]], {"pos_weight": 7.0}),
        ),
    ),
)
def binary_cross_entropy_with_logits(logits, y_true, *, pos_weight=None):
    """Sigmoid + binary cross-entropy fused into one stable formula on logits.

    Args:
        logits: Logits z (any real), any shape.
        y_true: Targets in [0, 1] (hard 0/1 or soft labels), the same shape.
        pos_weight: Optional weight w₊ > 0 of the positive term: a scalar, or one per
            class (shape of the last axis), as PyTorch's ``pos_weight``. The usual
            heuristic is #negatives / #positives.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import binary_cross_entropy_with_logits as bce_logits
        >>> bce_logits([0.0], [1.0]) == math.log(2)        # σ(0) = 1/2
        True
        >>> bce_logits([1e4, -1e4], [1.0, 0.0])              # no overflow, no log(0)
        0.0
        >>> bce_logits.grad([0.0, 2.0], [1.0, 0.0], reduction="sum").round(4)   # σ(z) - y
        array([-0.5   ,  0.8808])
    """
    pw = _pos_weight(pos_weight, logits)
    # -log σ(z) = softplus(-z) and -log(1 - σ(z)) = softplus(z), with softplus(±z) = max(±z, 0)
    # + L and L = log1p(e^{-|z|}): no σ, no log(0), one exp and one log. Since (1 - y) + y = 1,
    # ℓ = max((1 - y) z, -w₊ y z) + ((1 - y) + w₊ y) L (the max picks the term whose sign is
    # right for y in [0, 1]): a sum of non-negative terms, so no cancellation (the form
    # softplus(z) - y z rounds to 0 for y = 1, z = 40). Block by block on small temporaries,
    # rows of the class axis when w₊ is per class, with the gradient in the same pass when it is
    # asked for (it shares e^{-|z|} and 1 + e^{-|z|}), and no masked operations (np.where on a
    # random sign pattern is ten times slower).
    width = logits.shape[-1] if np.ndim(pw) == 1 else 1
    z, y = logits.reshape(-1, width), y_true.reshape(-1, width)
    values = BlockValues(logits.shape, width)  # under a plain mean, only each block's sum
    grad = np.empty(logits.shape) if gradient_requested() else None
    g = None if grad is None else grad.reshape(-1, width)
    for s, vb in values.blocks():  # the block's temporaries are freed when each call returns
        vb = vb.reshape(-1, width)
        _bce_block(z[s], y[s], None if pos_weight is None else pw, vb, None if g is None else g[s])
    return Result(values.result(), grad)


def _bce_block(zb, yb, pw, vb, gb):
    """The loss into ``vb`` and, if ``gb`` is given, its gradient into ``gb``, for one block."""
    e = np.abs(zb)
    np.negative(e, out=e)  # -|z| (np.copysign(z, -1.0) is one pass but slower than these two)
    np.exp(e, out=e)  # e^{-|z|}
    u = np.add(1.0, e)
    if pw is None:
        _bce_unweighted_block(zb, yb, e, u, vb, gb)
        return
    if gb is not None:
        _bce_grad_block(zb, yb, e, u, pw, gb)
    log1p_e = log1p_of_sum(u, e, out=u)
    neg = np.subtract(yb, 1.0, out=e)  # -(1 - y), rounded as 1 - y
    np.multiply(yb, zb, out=vb)
    vb *= pw
    k = np.multiply(yb, pw)
    k -= neg  # (1 - y) + w₊ y
    log1p_e *= k
    neg *= zb
    np.minimum(neg, vb, out=vb)  # -max((1 - y) z, -w₊ y z)
    np.subtract(log1p_e, vb, out=vb)


def _bce_unweighted_block(zb, yb, e, u, vb, gb):
    """Without w₊, from e = e^{-|z|} and u = 1 + e: the bracket [z ≥ 0] − y serves both.

    max((1 − y) z, −y z) = z ([z ≥ 0] − y), and σ(z) − y = ([z ≥ 0] − y) − sign(z) σ(−|z|): that
    is (1 − y) − σ(−|z|) for z ≥ 0 and σ(−|z|) − y for z < 0, so no σ near 1 is rounded before y
    is taken from it. The sign bit decides (z = −0.0 takes the second form on both sides). The
    bracket waits in ``vb``, where the value goes: one block-sized temporary more at most.
    """
    step = np.signbit(zb)
    np.logical_not(step, out=step)
    np.subtract(step, yb, out=vb)  # 1 - y rounds as (y - 1) did; -y is exact
    del step
    if gb is not None:
        t = np.divide(e, u)  # σ(-|z|)
        np.copysign(t, zb, out=t)
        np.subtract(vb, t, out=gb)
        del t
    vb *= zb
    vb += log1p_of_sum(u, e, out=u)


def _bce_grad_block(zb, yb, e, u, pw, gb):
    """(1 − y) σ(z) − w₊ y σ(−z) into ``gb``, from e = e^{-|z|} and u = 1 + e."""
    # with d = 1/(1+e): σ(z) = d·max(e, [z >= 0]) and σ(-z) = d·max(e, [z < 0])
    d = np.divide(1.0, u)
    np.maximum(e, zb >= 0, out=gb)
    gb *= d  # σ(z)
    t = np.maximum(e, zb < 0)
    t *= d  # σ(-z)
    gb *= np.subtract(1.0, yb, out=d)
    t *= yb
    t *= pw
    gb -= t  # (1 - y) σ(z) - w₊ y σ(-z)


# PyTorch differences of the integer-label cross-entropy (softmax_cross_entropy and its
# Keras-named twin sparse_categorical_cross_entropy); tests/test_differences.py runs both
_CE_LABEL_DIFFERENCES = (
    Difference(
        "pytorch-ce-class-axis",
        "PyTorch",
        "PyTorch puts the class axis at position 1 (N, C, d₁, …); `lossref`, Keras and "
        "optax put it last. Move it with `np.moveaxis(z, 1, -1)`.",
    ),
    Difference(
        "pytorch-ce-all-ignored",
        "PyTorch",
        'When every label equals `ignore_index`, PyTorch\'s `"mean"` is 0/0 = NaN; '
        '`lossref` raises a `ValueError` (use `reduction="sum"`, which gives 0).',
    ),
    Difference(
        "pytorch-ce-ignore-index-default",
        "PyTorch",
        "PyTorch's `ignore_index` defaults to −100, so a label −100 is silently skipped; "
        "`lossref` defaults to `None` and rejects negative labels.",
    ),
)
_CE_VARIANTS = (
    {"label_smoothing": 0.1},
    {"class_weights": np.array([0.5, 2.0, 1.0, 3.0])},
    {"label_smoothing": 0.2, "class_weights": np.array([0.5, 2.0, 1.0, 3.0])},
)


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = (1 - \varepsilon)\, w_y \big(\operatorname{LSE}(z) - z_y\big) + \frac{\varepsilon}{C} \sum_{c} w_c \big(\operatorname{LSE}(z) - z_c\big) \quad \text{(label } y\text{)}",  # noqa: E501
        r"\ell(z, q) = -\sum_c w_c\, \tilde q_c \log p_c, \quad \tilde q = (1 - \varepsilon)\, q + \varepsilon / C \quad \text{(target distribution } q\text{)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial z} = (1 - \varepsilon)\, w_y (p - e_y) + \frac{\varepsilon}{C}\Big(\big(\textstyle\sum_c w_c\big) p - w\Big) \quad \text{(}= p - e_y \text{ for } w = 1,\ \varepsilon = 0\text{)}",  # noqa: E501
        r"\frac{\partial \ell}{\partial z} = \Big(\textstyle\sum_c w_c \tilde q_c\Big)\, p - w \odot \tilde q \quad \text{(}= p - q \text{ for } w = 1,\ \varepsilon = 0\text{)}",  # noqa: E501
    ),
    domain={"logits": LOGITS, "target": LABELS_OR_DISTRIBUTION},
    use_case=(
        "Multiclass classification from logits: the standard classifier loss (integer labels or soft "
        "targets)."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.CrossEntropyLoss(weight=w, ignore_index=i, label_smoothing=ε)",
        "Keras": "keras.losses.SparseCategoricalCrossentropy(from_logits=True) (labels; no label_smoothing); "
        "CategoricalCrossentropy(from_logits=True, label_smoothing=ε) (targets or one-hot labels; ε/K "
        "as here)",
        "optax": "jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels)) (labels); "
        "softmax_cross_entropy(logits, targets) (targets; label smoothing: optax.smooth_labels(one_hot, "
        "ε), also ε/K)",
        "scikit-learn": "sklearn.metrics.log_loss(y_true, softmax(z)) (takes probabilities)",
    },
    references=(
        "Cox, The regression analysis of binary sequences (1958); Shannon (1948)",
        "Szegedy et al., Rethinking the Inception Architecture for Computer Vision (2016), label smoothing",
    ),
    differences=_CE_LABEL_DIFFERENCES,
    reduction_note=(
        'With integer labels `"mean"` divides by Σ_n w_{y_n} over the samples not ignored (N '
        "without `class_weights`), as PyTorch; with probability targets it divides by N, also "
        "with `class_weights`, as PyTorch. `weights=` multiplies each sample's share."
    ),
    empty_mean=_empty_label_mean,
    plot=Plot(
        curve=_logit_curve(tuple(Series(f"ε = {e:g}", {}, {"label_smoothing": e}) for e in (0.0, 0.1, 0.3))),
        explore={"label_smoothing": (0.0, 0.5)},
    ),
    checks=Checks(
        variants=_CE_VARIANTS,
        extremes=(
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]]),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {"label_smoothing": 0.1}),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]]),
        ),
        invalid=(
            Invalid({"label_smoothing": 1.2}, ValueError, "label_smoothing must be in [0, 1]"),
            Invalid({"class_weights": [1.0, 2.0]}, ValueError, "class_weights must have shape (4,)"),
            Invalid({"class_weights": [1.0, 2.0, -1.0, 1.0]}, ValueError, "class_weights must be >= 0"),
            Invalid({"ignore_index": 1.5}, TypeError, "ignore_index must be an int or None"),
            Invalid({"class_weights": [0.0, 0.0, 0.0, 0.0]}, ValueError, "class_weights must not all be 0"),
        ),
        torch_extremes=(
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]]),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {"label_smoothing": 0.1}),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]]),
        ),
    ),
)
def softmax_cross_entropy(logits, target, *, label_smoothing=0.0, class_weights=None, ignore_index=None):
    """Softmax cross-entropy from logits, with integer labels or probability targets.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        target: Either integer labels in [0, C), shape (...), or target probabilities
            q, shape (..., C), each row summing to 1.
        label_smoothing: ε in [0, 1]; the target becomes (1 - ε)·q + ε/C (as PyTorch,
            Keras and optax).
        class_weights: Optional weights w, shape (C,). With integer labels the
            ``"mean"`` divides by the sum of the label weights Σ w_{y_n}, as PyTorch;
            with probability targets it divides by N, as PyTorch.
        ignore_index: Optional label value whose samples are skipped: they add 0 to the
            sum and nothing to the ``"mean"`` denominator. Integer labels only.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import softmax_cross_entropy
        >>> softmax_cross_entropy([[0.0, 0.0]], [1]) == math.log(2)
        True
        >>> softmax_cross_entropy.grad([[0.0, 0.0]], [1])          # p - e_y
        array([[ 0.5, -0.5]])
        >>> softmax_cross_entropy([[0.0, 0.0]], [[0.5, 0.5]]) == math.log(2)
        True
    """
    if _plain_labels(target, label_smoothing, class_weights, ignore_index):  # the common case
        return _label_cross_entropy_plain(logits, target, "target")
    log_p, w = _softmax_inputs(logits, label_smoothing, class_weights)
    num_classes, eps = logits.shape[-1], label_smoothing
    if np.issubdtype(target.dtype, np.integer):
        return _label_cross_entropy(log_p, target, "target", w, eps, ignore_index)
    p = np.exp(log_p)
    if ignore_index is not None:
        raise ValueError("ignore_index applies to integer labels only; target holds probabilities")
    if target.shape != logits.shape:
        raise ValueError(f"logits has shape {logits.shape} but target has shape {target.shape}")
    rows_sum_to_one(target, "target")
    q = (1.0 - eps) * target + eps / num_classes
    wq = w * q
    value = -(wq * log_p).sum(axis=-1)
    total = wq.sum(axis=-1, keepdims=True)
    # Σq·p - q cancels where p ≈ q/Σq (a confident, correct row): write it as
    # q·expm1(log p + log Σq - log q), exact to a few ulps since log p is accurate
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = log_p + (np.log(total) - np.log(wq))  # log p first would absorb a tiny log p
        close = (wq > 0) & (log_ratio < 1.0)
        grad = np.where(close, wq * np.expm1(np.where(close, log_ratio, 0.0)), total * p - wq)
    return Result(value, grad)


@class_axis_loss(
    family="classification",
    formula=r"\ell(a, y) = -w_y\, a_y, \qquad a = \log p \ \text{(log-probabilities)}",
    gradient=r"\frac{\partial \ell}{\partial a} = -w_y\, e_y",
    domain={"log_probs": LOG_PROBABILITY, "labels": CLASS_LABEL},
    use_case="Cross-entropy when the model already outputs log-probabilities (after log_softmax).",
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.NLLLoss(weight=w, ignore_index=i)",
    },
    references=("Fisher, On the mathematical foundations of theoretical statistics (1922)",),
    differences=(
        Difference(
            "pytorch-nll-accepts-positive-input",
            "PyTorch",
            "`NLLLoss` accepts any real input, so probabilities or logits passed by mistake "
            "give a negative or meaningless loss without a warning; `lossref` rejects any "
            "entry > 0 as not a log-probability.",
        ),
        Difference(
            "pytorch-nll-all-ignored",
            "PyTorch",
            'When every label equals `ignore_index`, PyTorch\'s `"mean"` is NaN; `lossref` raises.',
        ),
    ),
    empty_mean=_empty_label_mean,
    plot=Plot(
        curve=Curve(
            x_label="log-probability of the true class a_y",
            grad_label="gradient ∂ℓ/∂a_y",
            x_range=(-5.0, -0.01),
            # two classes: the other log-probability is log(1 - e^{a_y})
            args=lambda x: (np.stack([x, np.log(-np.expm1(x))], axis=-1), np.zeros(x.shape, dtype=np.int64)),
            series=(
                Series("w_y = 1", {}, {}),
                Series("w_y = 2", {}, {"class_weights": np.array([2.0, 1.0])}),
            ),
            component=lambda g, args: g[..., 0],
        ),
    ),
    checks=Checks(
        variants=({"class_weights": np.array([0.5, 2.0, 1.0, 3.0])},),
        extremes=(Extreme([[[-1e4, -1e-300, 0.0], [-745.0, 0.0, -1e300]], [0, 2]]),),
        invalid=(
            Invalid({"class_weights": [1.0]}, ValueError, "class_weights must have shape (4,)"),
            Invalid({"class_weights": [0.0, 0.0, 0.0, 0.0]}, ValueError, "class_weights must not all be 0"),
        ),
        torch_extremes=(Extreme([[[-1e4, -1e-300, 0.0], [-745.0, 0.0, -1e300]], [0, 2]]),),
    ),
)
def nll(log_probs, labels, *, class_weights=None, ignore_index=None):
    """Negative log-likelihood: picks minus the log-probability of each label.

    ``nll(log_softmax(z), y)`` equals ``softmax_cross_entropy(z, y)``.

    Args:
        log_probs: Log-probabilities a ≤ 0, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        class_weights: Optional weights w, shape (C,); ``"mean"`` divides by Σ w_{y_n}.
        ignore_index: Optional label value whose samples are skipped.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import nll
        >>> nll([[math.log(0.25), math.log(0.75)]], [1]) == -math.log(0.75)
        True
        >>> nll.grad([[-1.0, -0.5], [-0.2, -2.0]], [1, 0])    # -e_y / N
        array([[ 0. , -0.5],
               [-0.5,  0. ]])
    """
    _check_class_axis(log_probs, "log_probs")
    w = _class_weights(class_weights, log_probs.shape[-1])
    keep, safe = _check_labels(labels, log_probs, "labels", ignore_index)
    w_y = np.where(keep, w[safe], 0.0)
    a_y = np.take_along_axis(log_probs, safe[..., None], axis=-1)[..., 0]
    # 0.0 - : no -0.0
    return Result(-w_y * a_y, lambda: 0.0 - w_y[..., None] * np.eye(log_probs.shape[-1])[safe], w_y)


@elementwise_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = \alpha_t\,(1 - p_t)^{\gamma}\, \mathrm{BCE}(z, y) \quad (= -\alpha_t\,(1 - p_t)^{\gamma} \log p_t \text{ for } y \in \{0, 1\})",  # noqa: E501
        r"p = \sigma(z), \quad p_t = p\,y + (1 - p)(1 - y), \quad \alpha_t = \alpha\,y + (1 - \alpha)(1 - y)",
    ),
    gradient=r"\frac{\partial \ell}{\partial z} = \alpha_t (1 - p_t)^{\gamma - 1}\Big[(1 - p_t)(p - y) - \gamma\,(2y - 1)\, p\,(1 - p)\,\mathrm{BCE}(z, y)\Big]",  # noqa: E501
    domain={"logits": REAL, "y_true": BINARY_TARGET},
    use_case=(
        "Dense detection (RetinaNet) and extreme class imbalance: down-weights easy, well-classified "
        "examples."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": 'torchvision.ops.sigmoid_focal_loss(alpha=0.25, gamma=2, reduction="none")',
        "Keras": (
            "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=α, gamma=γ, "
            "from_logits=True)"
        ),
        "optax": (
            "jnp.mean(optax.losses.sigmoid_focal_loss(logits, y_true, alpha=α, gamma=γ)) (its default "
            "alpha=None, see below)"
        ),
        "Kornia": (
            "kornia.losses.binary_focal_loss_with_logits(logits, y_true, alpha=α, gamma=γ, reduction='mean') "
            "(Kornia 0.9.0; its default alpha=0.25, as here)"
        ),
    },
    references=("Lin, Goyal, Girshick, He & Dollár, Focal Loss for Dense Object Detection (2017)",),
    differences=(
        Difference(
            "optax-focal-alpha-default",
            "optax",
            "`optax.losses.sigmoid_focal_loss` defaults to `alpha=None` (optax 0.2.8): no class weight, "
            "which is `lossref`'s `alpha=None`, not its default α = 0.25 (the paper's and torchvision's). "
            "Pass `alpha=0.25` to optax for the same loss.",
        ),
        Difference(
            "torchvision-focal-nan-gradient",
            "torchvision",
            "`sigmoid_focal_loss` computes (1 − p_t)^γ directly, so for γ < 1 its autograd "
            "gradient is NaN once a logit saturates (|z| ≳ 37 in float64, far less in float32): "
            "∞ from (1 − p_t)^(γ−1) times 0. `lossref` forms that product in log space and "
            "returns the finite limit (0). Checked with torchvision's formula in PyTorch.",
        ),
    ),
    plot=Plot(
        curve=_binary_curve(
            "logit z (target y = 1)",
            (-5.0, 5.0),
            series=tuple(
                Series(f"γ = {g:g}", {"y": 1.0}, {"gamma": g, "alpha": None}) for g in (0.0, 0.5, 2.0, 5.0)
            ),
        ),
        explore={"gamma": (0.0, 5.0), "alpha": (0.05, 0.95)},
    ),
    checks=Checks(
        variants=({"gamma": 0.0, "alpha": None}, {"gamma": 0.5}, {"gamma": 5.0, "alpha": 0.75}),
        extremes=(
            Extreme([[1e4, -1e4, 1e4, -1e4, 0.0, 30.0], [1.0, 0.0, 0.0, 1.0, 1.0, 0.3]]),
            Extreme([[1e4, -1e4, 1e4, -1e4, 40.0], [1.0, 0.0, 0.0, 1.0, 1.0]], {"gamma": 0.5}),
            Extreme([[1e4, -1e4, 1e4, -1e4], [1.0, 0.0, 0.0, 1.0]], {"gamma": 0.0, "alpha": None}),
        ),
        invalid=(
            Invalid({"gamma": -1.0}, ValueError, "gamma must be >= 0"),
            Invalid({"alpha": 1.5}, ValueError, "alpha must be in [0, 1]"),
        ),
        torch_extremes=(
            Extreme([[1e4, -1e4, 1e4, -1e4, 0.0, 30.0], [1.0, 0.0, 0.0, 1.0, 1.0, 0.3]]),
            Extreme([[1e4, -1e4, 1e4, -1e4], [1.0, 0.0, 0.0, 1.0]], {"gamma": 0.0, "alpha": None}),
        ),
    ),
)
def sigmoid_focal(logits, y_true, *, gamma=2.0, alpha=0.25):
    """Sigmoid focal loss (RetinaNet): binary cross-entropy scaled by α_t (1 - p_t)^γ.

    With ``gamma=0`` and ``alpha=None`` it is exactly ``binary_cross_entropy_with_logits``.

    Args:
        logits: Logits z, any shape.
        y_true: Targets in [0, 1], the same shape (soft labels use the p_t form above).
        gamma: Focusing parameter γ >= 0; 0 turns the modulating factor off.
        alpha: Weight α in [0, 1] of positives (1 - α for negatives), or ``None`` for no
            weighting. The RetinaNet and torchvision default is 0.25, which
            *down*-weights positives; optax defaults to ``None``.

    Returns:
        The element mean by default. RetinaNet instead sums and divides by the number
        of positive anchors: ``reduction="sum"`` divided by that count.

    Examples:
        >>> import math
        >>> from lossref import sigmoid_focal
        >>> # p = σ(0) = 0.5 for a positive: 0.25 · 0.5² · log 2
        >>> sigmoid_focal([0.0], [1.0]) == 0.25 * 0.25 * math.log(2)
        True
    """
    non_negative(gamma=gamma)
    if alpha is not None:
        in_unit_interval(alpha=alpha)
    y = y_true
    log_p, log_1mp = -softplus(-logits), -softplus(logits)
    ce = -(y * log_p + (1.0 - y) * log_1mp)
    # log(1 - p_t) = log(y σ(-z) + (1 - y) σ(z)), in log space so (1 - p_t)^γ stays finite
    with np.errstate(divide="ignore"):
        log_1mpt = np.logaddexp(np.log(y) + log_1mp, np.log1p(-y) + log_p)
    modulator = np.exp(gamma * log_1mpt)
    value = modulator * ce
    alpha_t = None if alpha is None else alpha * y + (1.0 - alpha) * (1.0 - y)

    def backward():
        # γ (1 - p_t)^{γ-1} p (1 - p), formed in log space: no 0 · ∞ when p_t rounds to 1
        focus = gamma * np.exp((gamma - 1.0) * log_1mpt + log_p + log_1mp)
        # p - y as (1 - y) p - y (1 - p): no cancellation when p rounds to 1
        p_minus_y = (1.0 - y) * np.exp(log_p) - y * np.exp(log_1mp)
        grad = modulator * p_minus_y - focus * (2.0 * y - 1.0) * ce
        return grad if alpha_t is None else alpha_t * grad

    return Result(value if alpha_t is None else alpha_t * value, backward)


@class_axis_loss(
    family="classification",
    formula=softmax_cross_entropy.meta.formula[0],
    gradient=softmax_cross_entropy.meta.gradient[0],
    domain={"logits": LOGITS, "labels": _INTEGER_LABELS},
    use_case=(
        "Keras' name for softmax cross-entropy with integer labels: multiclass classification from logits."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": (
            "torch.nn.CrossEntropyLoss(weight=w, ignore_index=i, label_smoothing=ε) with class-index targets"
        ),
        "Keras": (
            "keras.losses.SparseCategoricalCrossentropy(from_logits=True) (the default from_logits=False "
            "expects probabilities; no label_smoothing: CategoricalCrossentropy(from_logits=True, "
            "label_smoothing=ε) on one-hot labels)"
        ),
        "optax": "jnp.mean(optax.losses.softmax_cross_entropy_with_integer_labels(logits, labels))",
        "scikit-learn": "sklearn.metrics.log_loss(y_true, softmax(z)) (takes probabilities)",
    },
    references=softmax_cross_entropy.meta.references,
    differences=_CE_LABEL_DIFFERENCES,
    reduction_note=(
        '`"mean"` divides by Σ_n w_{y_n}, the class weights of the labels that are not '
        "ignored (N without `class_weights`), as PyTorch; with `weights=` each sample's "
        "share of that denominator is multiplied by its weight."
    ),
    empty_mean=_empty_label_mean,
    plot=Plot(
        curve=softmax_cross_entropy.meta.plot.curve,
        explore={"label_smoothing": (0.0, 0.5)},
    ),
    checks=Checks(
        variants=_CE_VARIANTS,
        extremes=(
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]]),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {"label_smoothing": 0.1}),
        ),
        invalid=(
            Invalid({"label_smoothing": -0.1}, ValueError, "label_smoothing must be in [0, 1]"),
            Invalid({"class_weights": [1.0, 2.0]}, ValueError, "class_weights must have shape (4,)"),
            Invalid({"ignore_index": "none"}, TypeError, "ignore_index must be an int or None"),
            Invalid({"class_weights": [0.0, 0.0, 0.0, 0.0]}, ValueError, "class_weights must not all be 0"),
        ),
        torch_extremes=(
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]]),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]],
                {"label_smoothing": 0.1, "class_weights": [0.5, 2.0, 1.0]},
            ),
        ),
    ),
)
def sparse_categorical_cross_entropy(
    logits, labels, *, label_smoothing=0.0, class_weights=None, ignore_index=None
):
    """Softmax cross-entropy with integer labels, under its Keras name.

    The same function as ``softmax_cross_entropy(logits, labels)`` with integer labels,
    but probability targets are rejected: "sparse" means integer labels.

    Args:
        logits: Logits z, shape (..., C): the class axis is last. Logits, not
            probabilities: Keras' ``from_logits=True``.
        labels: Integer labels in [0, C), shape (...). For one-hot or soft targets use
            ``softmax_cross_entropy``.
        label_smoothing: ε in [0, 1]; the target becomes (1 - ε)·e_y + ε/C.
        class_weights: Optional weights w, shape (C,); ``"mean"`` divides by the sum of
            the label weights Σ w_{y_n}, as PyTorch.
        ignore_index: Optional label value whose samples are skipped (PyTorch's default
            is -100; here ``None``). Keras calls it ``ignore_class``.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import sparse_categorical_cross_entropy as scce
        >>> scce([[0.0, math.log(3.0)]], [1]) == -math.log(3 / 4)   # softmax: (1/4, 3/4)
        True
        >>> scce.grad([[0.0, 0.0]], [0])                              # p - e_y
        array([[-0.5,  0.5]])
    """
    if _plain_labels(labels, label_smoothing, class_weights, ignore_index):  # the common case
        return _label_cross_entropy_plain(logits, labels, "labels")
    log_p, w = _softmax_inputs(logits, label_smoothing, class_weights)
    return _label_cross_entropy(log_p, labels, "labels", w, label_smoothing, ignore_index)


def _plain_labels(target, label_smoothing, class_weights, ignore_index):
    """Integer labels with no smoothing, class weights or ignored label: the common case."""
    return (
        np.issubdtype(target.dtype, np.integer)
        and class_weights is None
        and ignore_index is None
        and isinstance(label_smoothing, int | float)
        and label_smoothing == 0
    )


def _label_cross_entropy_plain(logits, target, name):
    """−log p_y for plain integer labels and, when a gradient is asked for, p − e_y in one pass.

    Only log p_y is formed, not the whole log-softmax; p comes from the exponentials log p_y is
    made of (no second pass of exp), and p_y − 1 is expm1(log p_y). The value is the general
    path's to the bit.
    """
    _check_class_axis(logits, "logits")
    _, labels = _check_labels(target, logits, name, None)
    if not gradient_requested():
        return Result(0.0 - log_softmax_at_labels(logits, labels), None)
    log_p_y, grad = log_softmax_at_labels(logits, labels, gradient=True)
    return Result(0.0 - log_p_y, grad)


def _focal_alpha(alpha, num_classes):
    """α per class: None (all 1), one number >= 0, or shape (C,)."""
    if alpha is None or as_array(alpha, "alpha").ndim > 0:
        return _class_weights(alpha, num_classes, "alpha")
    non_negative(alpha=alpha)
    return np.full(num_classes, float(alpha))


@class_axis_loss(
    family="classification",
    formula=r"\ell(z, y) = -\alpha_y\,(1 - p_y)^{\gamma} \log p_y, \qquad p = \mathrm{softmax}(z)",
    gradient=r"\frac{\partial \ell}{\partial z} = \alpha_y\,(1 - p_y)^{\gamma} \Big(1 - \gamma\, \frac{p_y \log p_y}{1 - p_y}\Big)(p - e_y)",  # noqa: E501
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Multiclass classification with many easy examples: cross-entropy that fades out the "
        "well-classified ones."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": 'no built-in: -α_y (1 - p_y)^γ · F.cross_entropy(z, y, reduction="none"), written out',
        "Keras": (
            "keras.losses.CategoricalFocalCrossentropy(alpha=α, gamma=γ, from_logits=True) on one-hot "
            "targets (default alpha=0.25)"
        ),
        "Kornia": (
            "kornia.losses.focal_loss(logits, labels, alpha=None, gamma=γ, reduction='sum') / N with classes "
            "on axis 1 (Kornia 0.9.0; its alpha and its 'mean' differ, see below)"
        ),
    },
    references=("Lin, Goyal, Girshick, He & Dollár, Focal Loss for Dense Object Detection (2017)",),
    differences=(
        Difference(
            "keras-categorical-focal-clips",
            "Keras",
            "`CategoricalFocalCrossentropy` clips the softmax probabilities to [1e-7, 1 − 1e-7] "
            "even with `from_logits=True`, so a sample with p_y < 1e-7 costs at most "
            "α·16.1 and gets no gradient; `lossref` keeps −log p_y exact. Its default α = 0.25 "
            "multiplies every class. (From Keras' source, `keras/src/losses/losses.py`; Keras "
            "is not installed, so the test checks `lossref`'s side against a transcription.)",
        ),
        Difference(
            "kornia-focal-alpha-class-0",
            "Kornia",
            "`kornia.losses.focal_loss` (0.9.0, `kornia/losses/focal.py`) reads a scalar `alpha` as the "
            "binary convention with class 0 as the background: class 0 is weighted by 1 − α and every other "
            "class by α. `lossref`'s scalar α weighs every class alike; pass `alpha=[1 − α, α, …, α]` for "
            "Kornia's.",
        ),
        Difference(
            "kornia-focal-mean-over-classes",
            "Kornia",
            "`focal_loss(..., reduction='mean')` (Kornia 0.9.0) averages over the N·C entries of a loss that "
            "is 0 off the target class: `lossref`'s mean over the N samples divided by C. Use "
            "`reduction='sum'` and divide by N.",
        ),
    ),
    reduction_note=(
        '`"mean"` divides by the number of samples N (by Σw with `weights=`), also with '
        "per-class α: not by Σ α_{y_n} as class-weighted cross-entropy does."
    ),
    plot=Plot(
        curve=_logit_curve(tuple(Series(f"γ = {g:g}", {}, {"gamma": g}) for g in (0.0, 0.5, 2.0, 5.0))),
        explore={"gamma": (0.0, 5.0)},
    ),
    checks=Checks(
        variants=(
            {"gamma": 0.0},
            {"gamma": 0.5, "alpha": 0.25},
            {"gamma": 5.0, "alpha": np.array([0.5, 2.0, 1.0, 3.0])},
        ),
        extremes=(
            Extreme(
                [
                    [
                        [1e4, -1e4, 0.0],
                        [-1e4, 1e4, 1e4],
                        [0.0, 0.0, 0.0],
                        [40.0, 0.0, 1.0],
                        [-745.0, 0.0, 0.0],
                    ],
                    [0, 0, 2, 0, 0],
                ]
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0], [1e-12, 0.0, 0.0]], [0, 0, 0, 1]],
                {"gamma": 0.5},
            ),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {"gamma": 0.0, "alpha": [0.5, 2.0, 1.0]}),
        ),
        invalid=(
            Invalid({"gamma": -0.5}, ValueError, "gamma must be >= 0"),
            Invalid({"alpha": -1.0}, ValueError, "alpha must be >= 0"),
            Invalid({"alpha": [1.0, 2.0]}, ValueError, "alpha must have shape (4,)"),
        ),
        # γ = 2 keeps autograd of (1 - p_y)^γ finite at p_y = 1 (γ < 1 would give NaN, as torchvision)
        torch_extremes=(
            Extreme(
                [
                    [
                        [1e4, -1e4, 0.0],
                        [-1e4, 1e4, 1e4],
                        [0.0, 0.0, 0.0],
                        [40.0, 0.0, 1.0],
                        [-745.0, 0.0, 0.0],
                    ],
                    [0, 0, 2, 0, 0],
                ]
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [3.0, 0.0, 1.0]], [0, 0, 2]],
                {"gamma": 0.0, "alpha": [0.5, 2.0, 1.0]},
            ),
        ),
    ),
)
def softmax_focal(logits, labels, *, gamma=2.0, alpha=None):
    """Multiclass focal loss: softmax cross-entropy scaled by α_y (1 - p_y)^γ.

    With ``gamma=0`` and ``alpha=None`` it is exactly ``softmax_cross_entropy``.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        gamma: Focusing parameter γ >= 0; 0 turns the modulating factor off.
        alpha: ``None`` (no weighting, the default), one weight α >= 0 for every class,
            or per-class weights of shape (C,). Keras' ``CategoricalFocalCrossentropy``
            defaults to α = 0.25 for every class, a factor 0.25 on the whole loss.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import softmax_focal
        >>> softmax_focal([[0.0, 0.0]], [0]) == 0.25 * math.log(2)  # p_y = 1/2: (1 - 1/2)² · log 2
        True
    """
    _check_class_axis(logits, "logits")
    non_negative(gamma=gamma)
    alpha_y = _focal_alpha(alpha, logits.shape[-1])
    _, labels = _check_labels(labels, logits, "labels", None)
    log_p = log_softmax(logits)
    log_p_y = _pick(log_p, labels)
    ce = 0.0 - log_p_y  # 0.0 -: no -0.0
    one_minus = -np.expm1(log_p_y)  # 1 - p_y without cancellation when p_y is near 1
    modulator = one_minus**gamma  # 0**0 = 1: γ = 0 is plain cross-entropy even at p_y = 1
    alpha_y = alpha_y[labels]
    value = alpha_y * modulator * ce

    def backward():
        # γ (1 - p_y)^{γ-1} p_y log p_y = -γ (1 - p_y)^γ r with r = p_y (-log p_y) / (1 - p_y) in
        # [0, 1]: no (1 - p_y)^{γ-1} = ∞ for γ < 1; r → 1 as p_y → 1 (0/0 at p_y = 1: the limit)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(one_minus > 0, np.exp(log_p_y) * ce / one_minus, 1.0)
        scale = alpha_y * modulator * (1.0 + gamma * r)
        return scale[..., None] * _p_minus_onehot(log_p, labels, log_p_y)

    return Result(value, backward)


def _class_balanced_weights(samples_per_class, beta, num_classes):
    """Cui et al.'s weights (1 - β)/(1 - β^{n_c}), normalised to sum to C."""
    beta = real_scalar(beta, "beta")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta}")
    n = as_float_array(samples_per_class, "samples_per_class")
    if n.shape != (num_classes,):
        raise ValueError(
            f"samples_per_class must have shape ({num_classes},), one count per class; got {n.shape}"
        )
    if (n <= 0).any():
        raise ValueError("samples_per_class must be > 0 (one count per class)")
    # 1 - β^n = -expm1(n log β): exact even when β^n is near 1; the factor 1 - β cancels
    # in the normalisation. β = 0: log β = -∞ and every weight is 1.
    with np.errstate(divide="ignore"):
        inverse = -1.0 / np.expm1(n * np.log(beta))
    return num_classes * inverse / inverse.sum()


_COUNTS = np.array([5000, 500, 50])


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = w_y\, L_{\mathrm{base}}(z, y), \qquad w_c = \frac{C\, \tilde w_c}{\sum_k \tilde w_k}, \quad \tilde w_c = \frac{1 - \beta}{1 - \beta^{n_c}}",  # noqa: E501
        r"L_{\mathrm{softmax}} = \mathrm{LSE}(z) - z_y, \qquad L_{\mathrm{sigmoid}} = \sum_c \mathrm{BCE}(z_c, e_{y,c})",  # noqa: E501
        r"L_{\mathrm{focal}} = \sum_c (1 - p_{t,c})^{\gamma}\, \mathrm{BCE}(z_c, e_{y,c}), \qquad p_{t,c} = \sigma\big((2 e_{y,c} - 1)\, z_c\big)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial z} = w_y\, (p - e_y) \ \text{(softmax)}, \qquad w_y \big(\sigma(z) - e_y\big) \ \text{(sigmoid)}",  # noqa: E501
        r"\frac{\partial \ell}{\partial z_c} = w_y\, \frac{\partial}{\partial z_c} \Big[(1 - p_{t,c})^{\gamma}\, \mathrm{BCE}(z_c, e_{y,c})\Big] \ \text{(focal: the sigmoid focal gradient, α off)}",  # noqa: E501
    ),
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Long-tailed classification: weights each class by the inverse of its effective number of samples."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": (
            'torch.nn.CrossEntropyLoss(weight=w, reduction="sum") / N (base="softmax", w from the counts)'
        ),
        "Keras": (
            "Model.fit(class_weight={c: w_c}) with SparseCategoricalCrossentropy(from_logits=True) "
            '(base="softmax")'
        ),
    },
    references=(
        (
            "Cui, Jia, Lin, Song & Belongie, Class-Balanced Loss Based on Effective Number of Samples (CVPR "
            "2019)"
        ),
    ),
    differences=(
        Difference(
            "pytorch-class-weighted-ce-mean",
            "PyTorch",
            '`CrossEntropyLoss(weight=w)` with the same class-balanced w divides `"mean"` by '
            "Σ_n w_{y_n} instead of N. That weighted mean keeps the samples' relative weights (the "
            "re-weighting is intact) and only rescales the total, by a factor that changes with "
            "each batch's class mix; `class_balanced` divides by N, as Cui et al. The sums agree.",
        ),
    ),
    required={"samples_per_class": np.array([2000, 300, 40, 5])},
    reduction_note=(
        '`"mean"` divides by the number of samples N (by Σw with `weights=`), as Cui et al.: '
        "not by Σ_n w_{y_n} as PyTorch's class-weighted `CrossEntropyLoss`. The class weights "
        "sum to C, so they average 1 over the classes, not over the samples."
    ),
    plot=Plot(
        curve=_logit_curve(
            (
                Series("y = class 0 (n = 5000)", {"y": 0}, {"samples_per_class": _COUNTS}),
                Series("y = class 1 (n = 500)", {"y": 1}, {"samples_per_class": _COUNTS}),
                Series("y = class 2 (n = 50)", {"y": 2}, {"samples_per_class": _COUNTS}),
                Series("y = class 2, focal γ = 2", {"y": 2}, {"samples_per_class": _COUNTS, "base": "focal"}),
            )
        ),
    ),
    checks=Checks(
        variants=(
            {"beta": 0.99},
            {"beta": 0.0},
            {"base": "sigmoid"},
            {"base": "focal", "beta": 0.999},
            {"base": "focal", "gamma": 0.5},
        ),
        extremes=(
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]],
                {"samples_per_class": [10**6, 10, 1]},
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, -40.0, 1.0]], [0, 0, 1]],
                {"samples_per_class": [10**6, 10, 1], "base": "sigmoid", "beta": 0.999999},
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, -40.0, 1.0]], [0, 0, 1]],
                {"samples_per_class": [10**6, 10, 1], "base": "focal", "gamma": 0.5},
            ),
        ),
        invalid=(
            Invalid({"samples_per_class": [5, 3]}, ValueError, "samples_per_class must have shape (4,)"),
            Invalid({"samples_per_class": [5, 3, 0, 1]}, ValueError, "samples_per_class must be > 0"),
            Invalid(
                {"samples_per_class": None}, TypeError, "samples_per_class must be an array of real numbers"
            ),
            Invalid({"beta": 1.0}, ValueError, "beta must be in [0, 1)"),
            Invalid({"base": "hinge"}, ValueError, "base must be one of 'softmax', 'sigmoid', 'focal'"),
            Invalid({"base": "focal", "gamma": -1.0}, ValueError, "gamma must be >= 0"),
        ),
        torch_extremes=(
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]],
                {"samples_per_class": [10**6, 10, 1]},
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, -40.0, 1.0]], [0, 0, 1]],
                {"samples_per_class": [10**6, 10, 1], "base": "sigmoid", "beta": 0.999999},
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, -40.0, 1.0]], [0, 0, 1]],
                {"samples_per_class": [10**6, 10, 1], "base": "focal"},
            ),
        ),
    ),
)
def class_balanced(logits, labels, *, samples_per_class, beta=0.9999, base="softmax", gamma=2.0):
    """Class-balanced loss (Cui et al. 2019): a base loss weighted by the label's class.

    Each class c gets the weight (1 - β)/(1 - β^{n_c}), the inverse of its effective
    number of samples, normalised so the C weights sum to C; sample n's base loss is
    multiplied by the weight of its label y_n. β = 0 gives every class weight 1; β → 1
    approaches inverse class frequency.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        samples_per_class: Required: the number of training samples n_c of each class,
            shape (C,), all > 0 (counts of the whole training set, not of the batch).
        beta: β in [0, 1); the paper's best is often 0.9999 (the default) or 0.999.
        base: ``"softmax"`` (cross-entropy), ``"sigmoid"`` (one-vs-all binary
            cross-entropy against the one-hot label, summed over classes) or
            ``"focal"`` (sigmoid focal loss with ``gamma`` and no α, summed over classes).
        gamma: Focusing parameter γ >= 0 of ``base="focal"``; unused otherwise.

    Returns:
        The mean over samples N by default (as the paper; not Σ w_{y_n} as PyTorch's
        weighted cross-entropy); see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import class_balanced
        >>> cb = class_balanced
        >>> cb([[0.0, 0.0]], [1], samples_per_class=[90, 10], beta=0.0) == math.log(2)  # β = 0: w = (1, 1)
        True
        >>> # β = 1/2: w ∝ (1/(1 - 1/2), 1/(1 - 1/4)) = (2, 4/3); scaled to sum 2: (6/5, 4/5)
        >>> cb([[0.0, 0.0]], [1], samples_per_class=[1, 2], beta=0.5) == 0.8 * math.log(2)  # w_1 · log 2
        True
    """
    _check_class_axis(logits, "logits")
    if base not in ("softmax", "sigmoid", "focal"):
        raise ValueError(f"base must be one of 'softmax', 'sigmoid', 'focal'; got {base!r}")
    non_negative(gamma=gamma)
    num_classes = logits.shape[-1]
    w = _class_balanced_weights(samples_per_class, beta, num_classes)
    if base == "softmax":
        ce = _label_cross_entropy(log_softmax(logits), labels, "labels", w, 0.0, None)
        return Result(ce.values, ce.grad)  # no norm: "mean" divides by N, not by Σ w_y
    _, labels = _check_labels(labels, logits, "labels", None)
    one_hot = np.eye(num_classes)[labels]
    if base == "sigmoid":
        per_class = binary_cross_entropy_with_logits.per_sample(logits, one_hot)
    else:
        per_class = sigmoid_focal.per_sample(logits, one_hot, gamma=gamma, alpha=None)
    w_y = w[labels]

    def grad():  # the base kernel's gradient: computed with its value, or deferred
        g = per_class.grad
        return w_y[..., None] * (g() if callable(g) else g)

    return Result(w_y * per_class.values.sum(axis=-1), grad)


@class_axis_loss(
    family="classification",
    formula=r"\ell(s, y) = \mathbb{1}\big[\arg\max_k s_k \ne y\big] \quad \text{(ties: the first maximal } k\text{)}",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial s} = 0 \ \text{almost everywhere; undefined where the argmax changes: no gradient}",  # noqa: E501
    domain={"scores": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Evaluation only: the error rate (1 − accuracy) of a classifier; not trainable by gradient descent."
    ),
    properties=("non_negative",),
    equivalents={
        "scikit-learn": (
            'sklearn.metrics.zero_one_loss(y_true, scores.argmax(axis=-1)) (normalize=False: reduction="sum")'
        ),
        "PyTorch": "(scores.argmax(dim=-1) != y).float().mean() (no built-in loss)",
        "Keras": "1 - keras.metrics.SparseCategoricalAccuracy()",
    },
    references=("Bartlett, Jordan & McAuliffe, Convexity, Classification, and Risk Bounds (JASA 2006)",),
    differentiable=False,
    reduction_note=(
        '`"mean"` is the error rate, the fraction of misclassified samples (scikit-learn\'s '
        '`zero_one_loss`); `"sum"` is their count (`normalize=False`). With `weights=`, '
        '`"mean"` is the weighted error rate Σ w_n ℓ_n / Σ w_n.'
    ),
    plot=Plot(
        curve=replace(
            _logit_curve((Series("", {}, {}),)),
            x_label="score of the true class s_y (other two scores = 0)",
            grad_label=(
                "no gradient: ∂ℓ/∂s = 0 almost everywhere,\nundefined where the argmax changes;\n.grad raises"
            ),
        ),
    ),
    checks=Checks(
        extremes=(
            Extreme(
                [[[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [1e-300, 0.0, 0.0], [-1e8, 1e8, 1e8]], [0, 2, 0, 2]]
            ),
        ),
        # ties go to the first maximal class in both (numpy.argmax, torch.argmax)
        torch_extremes=(
            Extreme(
                [
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [1e4, -1e4, 1e4], [-1.0, 3.0, 2.0]],
                    [0, 1, 2, 0, 1],
                ]
            ),
        ),
    ),
)
def zero_one(scores, labels):
    """The 0–1 loss: 1 where the highest score is not the label's, else 0 (evaluation only).

    Ties go to the first maximal class, as ``numpy.argmax``: with scores (0, 0) the
    prediction is class 0. It has no gradient (``.grad`` raises): it is piecewise
    constant. A binary classifier with a score f and labels y in {0, 1} is covered by
    the scores (0, f): the prediction is class 1 exactly when f > 0.

    Args:
        scores: Scores, logits or probabilities s, shape (..., C): the class axis is
            last. Only their order within each row matters.
        labels: Integer labels in [0, C), shape (...).

    Returns:
        The error rate by default (``"mean"``); ``reduction="sum"`` counts the errors.

    Examples:
        >>> from lossref import zero_one
        >>> zero_one([[2.0, 1.0], [0.3, 0.9], [0.5, 0.5]], [0, 0, 1])   # right, wrong, tie → class 0: wrong
        0.6666666666666666
    """
    _check_class_axis(scores, "scores")
    _, labels = _check_labels(labels, scores, "labels", None)
    return Result((np.argmax(scores, axis=-1) != labels).astype(np.float64), None)


# --- issue 19: proper scoring, noise-robust and long-tailed classification losses ----------

# Brier targets: integer labels or distributions; the tests draw distributions whose entries
# stay above e⁻⁴/C, so a target moved by ±1e-3 (the zero-iff-equal test) stays in [0, 1]
_BRIER_TARGET = replace(
    LABELS_OR_DISTRIBUTION, sample=_sample_predicted_distribution, invalid=DISTRIBUTION.invalid
)


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(p, q) = \sum_c (p_c - q_c)^2 \quad \text{(target distribution } q\text{)}",
        r"\ell(p, y) = \sum_c (p_c - e_{y,c})^2 = (1 - p_y)^2 + \sum_{c \ne y} p_c^2 \quad \text{(integer label } y\text{)}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial p} = 2\,(p - q) \quad \big(2\,(p - e_y) \text{ for a label}\big)",  # noqa: E501
    domain={"probs": DISTRIBUTION, "target": _BRIER_TARGET},
    use_case=(
        "Scoring predicted class probabilities (calibration and sharpness together): a strictly proper, "
        "bounded alternative to log loss."
    ),
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "no built-in: ((p - F.one_hot(y, C)) ** 2).sum(-1), written out",
        "scikit-learn": "sklearn.metrics.brier_score_loss(y, probs, labels=range(C), scale_by_half=False) "
        "(integer labels; the default halves a two-class score, see below)",
    },
    references=(
        "Brier, Verification of forecasts expressed in terms of probability (Monthly Weather Review, 1950)",
        "Gneiting & Raftery, Strictly Proper Scoring Rules, Prediction, and Estimation (JASA 2007)",
    ),
    differences=(
        Difference(
            "sklearn-brier-binary-halved",
            "scikit-learn",
            '`brier_score_loss` defaults to `scale_by_half="auto"`, which halves the score when there '
            "are one or two probability columns: its binary Brier score is (p − y)², half of "
            "`brier_score`'s two-class Σ_c (p_c − q_c)² = 2 (p − y)². With three or more columns it "
            "does not halve, and the two agree. The binary (p − y)² is `mse(p, y)`.",
        ),
    ),
    reduction_note=(
        '`"mean"` sums over the class axis and averages over the rows N (by Σw with `weights=`), as '
        "scikit-learn."
    ),
    plot=Plot(
        curve=Curve(
            x_label="predicted p₁ (two classes: p = (1 − p₁, p₁))",
            x_range=(0.0, 1.0),
            args=two_class_probabilities,
            series=tuple(Series(f"target q₁ = {q:g}", {"q1": q}, {}) for q in (1.0, 0.7, 0.5)),
            # along p = (1 - p₁, p₁): dℓ/dp₁ = ∂ℓ/∂p₁ - ∂ℓ/∂p₀ = 4 (p₁ - q₁)
            component=along_second_class,
            grad_label="dℓ/dp₁ along p = (1 − p₁, p₁)",
        ),
    ),
    checks=Checks(
        extremes=(
            Extreme(
                [
                    [[1e-300, 0.75, 0.25], [1.0, 0.0, 0.0], [0.0, 0.25, 0.75]],
                    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.25, 0.25]],
                ]
            ),
            Extreme([[[1e-300, 0.75, 0.25], [1.0, 0.0, 0.0], [0.0, 0.25, 0.75]], [0, 0, 2]]),
        ),
        torch_extremes=(
            Extreme(
                [
                    [[1e-300, 1 - 1e-15, 1e-15], [1.0, 0.0, 0.0], [0.0, 0.25, 0.75]],
                    [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.25, 0.25]],
                ]
            ),
            Extreme([[[1e-300, 1 - 1e-15, 1e-15], [1.0, 0.0, 0.0], [0.0, 0.25, 0.75]], [0, 0, 2]]),
        ),
    ),
)
def brier_score(probs, target):
    """Brier score: the squared distance Σ_c (p_c − q_c)² from the predicted to the target distribution.

    The multiclass score as Brier (1950) defined it, in [0, 2] per sample. For a binary
    problem with one probability p per sample, the usual (p − y)² is ``mse(p, y)``: half of
    this score on the two columns (1 − p, p).

    Args:
        probs: Predicted probabilities p, shape (..., C), each row summing to 1.
        target: Integer labels in [0, C), shape (...), meaning q = e_y; or target
            probabilities q, shape (..., C), each row summing to 1.

    Returns:
        The mean over rows of the per-row sum by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import brier_score
        >>> brier_score([[0.5, 0.25, 0.25]], [0])           # 0.5² + 0.25² + 0.25²
        0.375
        >>> brier_score.grad([[0.5, 0.25, 0.25]], [0])      # 2 (p − e_y)
        array([[-1. ,  0.5,  0.5]])
    """
    _check_class_axis(probs, "probs")
    rows_sum_to_one(probs, "probs")
    if np.issubdtype(target.dtype, np.integer):
        _, labels = _check_labels(target, probs, "target", None)
        q = np.eye(probs.shape[-1])[labels]
    else:
        if target.shape != probs.shape:
            raise ValueError(f"probs has shape {probs.shape} but target has shape {target.shape}")
        rows_sum_to_one(target, "target")
        q = target
    r = probs - q
    return Result((r * r).sum(axis=-1), lambda: 2.0 * r)


def _label_log_softmax(logits, labels):
    """Validate logits and labels; return log p, the (validated) labels and log p_y."""
    _check_class_axis(logits, "logits")
    _, labels = _check_labels(labels, logits, "labels", None)
    log_p = log_softmax(logits)
    return log_p, labels, _pick(log_p, labels)


def _saturated(hyper=None):
    """Saturated logits (±1e4, 40 and −745 next to 0), a tie and a uniform row, labels included.

    The extreme row the softmax-based losses share, on their own and against PyTorch.
    """
    logits = [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0], [-745.0, 0.0, 0.0]]
    return Extreme([logits, [0, 0, 2, 0, 0]], hyper or {})


@class_axis_loss(
    family="classification",
    formula=r"\ell(z, y) = -\log p_y + \varepsilon\,(1 - p_y), \qquad p = \mathrm{softmax}(z)",
    gradient=r"\frac{\partial \ell}{\partial z} = (1 + \varepsilon\, p_y)\,(p - e_y)",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Multiclass classification: cross-entropy with the weight of its leading (1 − p_y) term tuned by ε "
        "(ε > 0 pushes confident samples further, ε < 0 eases off)."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": 'no built-in: F.cross_entropy(z, y, reduction="none") + ε (1 − p_y), written out',
        "optax": (
            "jnp.mean(optax.losses.poly_loss_cross_entropy(logits, one_hot, epsilon=ε)) (default ε = 2, see "
            "below)"
        ),
    },
    references=(
        (
            "Leng, Xu, Tan, Yu, Liu, Chen, Shlens, Du, Li & Anguelov, PolyLoss: A Polynomial Expansion "
            "Perspective of Classification Loss Functions (ICLR 2022)"
        ),
    ),
    differences=(
        Difference(
            "optax-poly-epsilon-default",
            "optax",
            "`optax.losses.poly_loss_cross_entropy` defaults to ε = 2 (optax 0.2.8: the paper's ImageNet "
            "value); `poly1_cross_entropy` defaults to ε = 1. Pass `epsilon=` on both sides. optax also "
            "takes probability targets (its 1 − P_t is Σ_c q_c (1 − p_c)); `lossref` takes integer labels.",
        ),
    ),
    plot=Plot(
        curve=_logit_curve(tuple(Series(f"ε = {e:g}", {}, {"epsilon": e}) for e in (-1.0, 0.0, 1.0, 2.0))),
        explore={"epsilon": (-1.0, 5.0)},
    ),
    checks=Checks(
        variants=({"epsilon": 2.0}, {"epsilon": -1.0}, {"epsilon": 10.0}),
        extremes=(
            _saturated(),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0]], [0, 0, 0]], {"epsilon": -1.0}),
        ),
        torch_extremes=(
            _saturated(),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0]], [0, 0, 0]], {"epsilon": -1.0}),
        ),
        invalid=(
            Invalid({"epsilon": -1.5}, ValueError, "epsilon must be >= -1"),
            Invalid({"epsilon": "2"}, TypeError, "epsilon must be a real number"),
        ),
    ),
)
def poly1_cross_entropy(logits, labels, *, epsilon=1.0):
    """Poly-1 loss (Leng et al. 2022): softmax cross-entropy plus ε (1 − p_y).

    Cross-entropy's Taylor series in (1 − p_y) is Σ_j (1 − p_y)^j / j; Poly-1 changes the
    coefficient of the first term from 1 to 1 + ε. ``epsilon=0`` is exactly
    ``softmax_cross_entropy``; ε = −1 removes the first term. Below −1 the loss would rise
    as p_y → 1 (its slope in p_y is −1/p_y − ε), so it is refused.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        epsilon: ε >= −1, the extra weight of the (1 − p_y) term. The paper found ε = 2
            best for ImageNet classification (optax's default) and ε = −1 for detection;
            the default 1 is a mild push.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import poly1_cross_entropy
        >>> poly1_cross_entropy([[0.0, 0.0]], [0]) == math.log(2) + 0.5     # p_y = 1/2
        True
        >>> poly1_cross_entropy.grad([[0.0, 0.0]], [0])                       # (1 + ε p_y)(p − e_y)
        array([[-0.75,  0.75]])
    """
    epsilon = real_scalar(epsilon, "epsilon")
    if epsilon < -1:
        raise ValueError(
            f"epsilon must be >= -1, got {epsilon} (below -1 the loss rises as p_y approaches 1)"
        )
    log_p, labels, a = _label_log_softmax(logits, labels)
    # -a + ε(1 - e^a) = -(1 + ε) a - ε (e^a - 1 - a), a = log p_y: for ε < 0 both terms are
    # >= 0, so the near-cancellation of -a and 1 - e^a at ε = -1 (ℓ ≈ a²/2 as p_y → 1) costs
    # nothing; e^a - 1 - a from its series where |a| <= 1 (a subtraction would round it away)
    small = np.abs(a) <= 1.0
    excess = np.where(small, a * a * _expm1_excess(np.where(small, a, 0.0)), np.expm1(a) - a)
    value = 0.0 - (1.0 + epsilon) * a - epsilon * excess

    def grad():  # 1 + ε p_y = (1 + ε) + ε (p_y - 1): no cancellation at ε = -1 either
        scale = (1.0 + epsilon) + epsilon * np.expm1(a)
        return scale[..., None] * _p_minus_onehot(log_p, labels, a)

    return Result(value, grad)


_ZHANG_SABUNCU = (
    "Zhang & Sabuncu, Generalized Cross Entropy Loss for Training Deep Neural Networks with Noisy Labels "
    "(NeurIPS 2018)"
)


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = \frac{1 - p_y^{\,q}}{q}, \qquad p = \mathrm{softmax}(z), \quad q \in (0, 1]",
        r"q \to 0:\ -\log p_y \ \text{(cross-entropy)}, \qquad q = 1:\ 1 - p_y \ \text{(MAE on probabilities, halved)}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial z} = p_y^{\,q}\,(p - e_y)",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Classification with noisy labels: interpolates between cross-entropy (q → 0) and the noise-robust "
        "MAE on probabilities (q = 1)."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    robust={"label_noise": _ZHANG_SABUNCU},
    aliases=("GCE", "L_q loss", "Lq loss"),
    equivalents={
        "PyTorch": 'no built-in: (1 − exp(−q · F.cross_entropy(z, y, reduction="none"))) / q, written out',
        "Keras": (
            "keras.losses.CategoricalGeneralizedCrossEntropy(q=q)(labels, softmax(z)) (probabilities; "
            "default q = 0.5, see below)"
        ),
    },
    references=(_ZHANG_SABUNCU,),
    differences=(
        Difference(
            "keras-gce-q-default",
            "Keras",
            "`keras.losses.CategoricalGeneralizedCrossEntropy` defaults to q = 0.5 (Keras 3.15.1) and "
            "takes probabilities, not logits; `generalized_cross_entropy` takes logits and defaults to "
            "q = 0.7, the value Zhang & Sabuncu use. Pass `q=` and `softmax(z)` to Keras.",
        ),
    ),
    plot=Plot(
        curve=_logit_curve(tuple(Series(f"q = {q:g}", {}, {"q": q}) for q in (0.0, 0.3, 0.7, 1.0))),
        explore={"q": (0.0, 1.0)},
    ),
    checks=Checks(
        variants=({"q": 0.0}, {"q": 1.0}, {"q": 0.1}),
        extremes=(
            _saturated(),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0], [1e-12, 0.0, 0.0]], [0, 0, 0, 1]],
                {"q": 1e-9},
            ),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0]], [0, 0, 0]], {"q": 1.0}),
        ),
        torch_extremes=(
            _saturated(),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0], [1e-12, 0.0, 0.0]], [0, 0, 0, 1]],
                {"q": 1e-9},
            ),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0]], [0, 0, 0]], {"q": 1.0}),
        ),
        invalid=(
            Invalid({"q": 1.5}, ValueError, "q must be in [0, 1]"),
            Invalid({"q": -0.1}, ValueError, "q must be in [0, 1]"),
        ),
    ),
)
def generalized_cross_entropy(logits, labels, *, q=0.7):
    """Generalized cross-entropy (Zhang & Sabuncu 2018): the L_q loss (1 − p_y^q)/q on softmax probabilities.

    The Box–Cox transform of the likelihood: q → 0 gives cross-entropy −log p_y (``q=0``
    is that limit, exactly), q = 1 gives 1 − p_y, half the L1 distance Σ_c |p_c − e_{y,c}|
    between p and the one-hot label (the noise-robust MAE of Ghosh et al.).

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        q: q in [0, 1]: 0 is cross-entropy, 1 is MAE on probabilities. The paper uses
            0.7; Keras' ``CategoricalGeneralizedCrossEntropy`` defaults to 0.5.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import generalized_cross_entropy as gce
        >>> gce([[0.0, 0.0]], [0], q=1.0)                  # 1 − p_y, p_y = 1/2
        0.5
        >>> round(gce([[0.0, 0.0]], [0], q=0.5), 12)       # (1 − √(1/2)) / (1/2)
        0.585786437627
        >>> gce.grad([[0.0, 0.0]], [0], q=1.0)             # p_y (p − e_y)
        array([[-0.25,  0.25]])
    """
    q = real_scalar(q, "q")
    if not 0 <= q <= 1:
        raise ValueError(f"q must be in [0, 1], got {q}")
    log_p, labels, log_p_y = _label_log_softmax(logits, labels)
    # (1 - p_y^q)/q = -expm1(q log p_y)/q: exact as q → 0 and as p_y → 1 (no 1 - 1)
    value = 0.0 - log_p_y if q == 0 else -np.expm1(q * log_p_y) / q
    return Result(value, lambda: np.exp(q * log_p_y)[..., None] * _p_minus_onehot(log_p, labels, log_p_y))


_WANG = (
    "Wang, Ma, Chen, Luo, Yi & Bailey, Symmetric Cross Entropy for Robust Learning with Noisy Labels (ICCV "
    "2019)"
)


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = \alpha\,\big(-\log p_y\big) + \beta\, \mathrm{RCE}, \qquad \mathrm{RCE} = -\sum_c p_c \log e_{y,c} \ \text{with} \ \log 0 := A",  # noqa: E501
        r"\mathrm{RCE} = -A\,(1 - p_y), \qquad p = \mathrm{softmax}(z)",
    ),
    gradient=r"\frac{\partial \ell}{\partial z} = (\alpha - \beta A\, p_y)\,(p - e_y)",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Classification with noisy labels: cross-entropy plus a bounded reverse cross-entropy that pulls on "
        "every sample, including the hard clean ones."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    robust={"label_noise": _WANG},
    aliases=("SCE", "reverse cross-entropy", "RCE"),
    equivalents={
        "PyTorch": 'no built-in: α F.cross_entropy(z, y, reduction="none") − β A (1 − p_y), written out',
    },
    references=(_WANG,),
    plot=Plot(
        curve=_logit_curve(
            (
                Series("α = 0.1, β = 1 (CIFAR-10)", {}, {}),
                Series("α = 6, β = 0.1 (CIFAR-100)", {}, {"alpha": 6.0, "beta": 0.1}),
                Series("α = 1, β = 0 (cross-entropy)", {}, {"alpha": 1.0, "beta": 0.0}),
            )
        ),
        explore={"beta": (0.0, 2.0), "alpha": (0.0, 2.0)},
    ),
    checks=Checks(
        variants=({"alpha": 6.0, "beta": 0.1}, {"alpha": 0.0, "beta": 1.0}, {"log_floor": -9.2}),
        extremes=(
            _saturated(),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0]], [0, 0, 0]], {"alpha": 0.0}),
        ),
        torch_extremes=(
            _saturated(),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [40.0, 0.0, 1.0]], [0, 0, 0]],
                {"alpha": 6.0, "beta": 0.1},
            ),
        ),
        invalid=(
            Invalid({"alpha": -0.1}, ValueError, "alpha must be >= 0"),
            Invalid({"beta": -1.0}, ValueError, "beta must be >= 0"),
            Invalid({"log_floor": 0.5}, ValueError, "log_floor must be < 0"),
            Invalid({"alpha": 0.0, "beta": 0.0}, ValueError, "alpha and beta must not both be 0"),
        ),
    ),
)
def symmetric_cross_entropy(logits, labels, *, alpha=0.1, beta=1.0, log_floor=-4.0):
    """Symmetric cross-entropy (Wang et al. 2019): α·CE + β·RCE, the reverse cross-entropy with log 0 := A.

    The reverse cross-entropy −Σ_c p_c log q_c swaps prediction and one-hot target; log 0
    is replaced by a finite A (``log_floor``), which makes it −A (1 − p_y): a bounded,
    noise-robust term. With a label the whole loss is therefore α times
    ``poly1_cross_entropy`` with ε = −βA/α.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        alpha: Weight α >= 0 of cross-entropy (the paper: 0.1 on CIFAR-10, 6.0 on CIFAR-100).
        beta: Weight β >= 0 of the reverse cross-entropy (the paper: 1.0 and 0.1).
        log_floor: A < 0, the value that stands for log 0 (the paper: −4).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import symmetric_cross_entropy as sce
        >>> # p_y = 1/2: 0.1 · log 2 + 1 · 4 · (1 − 1/2)
        >>> sce([[0.0, 0.0]], [0]) == 0.1 * math.log(2) + 2.0
        True
        >>> sce.grad([[0.0, 0.0]], [0])               # (α − β A p_y)(p − e_y) = 2.1 (−½, ½)
        array([[-1.05,  1.05]])
    """
    non_negative(alpha=alpha, beta=beta)
    if real_scalar(log_floor, "log_floor") >= 0:
        raise ValueError(f"log_floor must be < 0 (it stands for log 0), got {log_floor}")
    if alpha == 0 and beta == 0:
        raise ValueError("alpha and beta must not both be 0 (the loss would be 0)")
    log_p, labels, a = _label_log_softmax(logits, labels)
    # α (−a) + β (−A)(1 − e^a): two non-negative terms, 1 − e^a = −expm1(a) exact near p_y = 1
    value = 0.0 - alpha * a + beta * log_floor * np.expm1(a)
    return Result(
        value,
        lambda: (alpha - beta * log_floor * np.exp(a))[..., None] * _p_minus_onehot(log_p, labels, a),
    )


def _per_class(value, name, num_classes):
    """A positive per-class array of shape (C,): class counts or priors."""
    if value is None:
        raise TypeError(f"{name} must be an array of real numbers, one per class; got None")
    arr = as_float_array(value, name)
    if arr.shape != (num_classes,):
        raise ValueError(f"{name} must have shape ({num_classes},), one per class; got {arr.shape}")
    if (arr <= 0).any():
        raise ValueError(f"{name} must be > 0 (one per class)")
    return arr


def _shifted_cross_entropy(shifted, labels):
    """Softmax cross-entropy of already adjusted logits: −log p_y and (deferred) p − e_y."""
    log_p, labels, log_p_y = _label_log_softmax(shifted, labels)
    return Result(0.0 - log_p_y, lambda: _p_minus_onehot(log_p, labels, log_p_y))


_MENON = "Menon, Jayasumana, Rawat, Jain, Veit & Kumar, Long-tail learning via logit adjustment (ICLR 2021)"
_LONG_TAIL = np.array([0.6, 0.3, 0.08, 0.02])  # the plots' and tests' class frequencies
_PRIORS_INVALID = (
    Invalid({"class_priors": [0.5, 0.5]}, ValueError, "class_priors must have shape (4,)"),
    Invalid({"class_priors": [0.5, 0.3, 0.2, 0.0]}, ValueError, "class_priors must be > 0"),
    Invalid({"class_priors": None}, TypeError, "class_priors must be an array of real numbers"),
)


@class_axis_loss(
    family="classification",
    formula=r"\ell(z, y) = -\log \frac{e^{z_y + \tau \log \pi_y}}{\sum_c e^{z_c + \tau \log \pi_c}} = \mathrm{LSE}(z + \tau \log \pi) - z_y - \tau \log \pi_y",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial z} = \mathrm{softmax}(z + \tau \log \pi) - e_y",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case="Long-tailed classification: trains on logits shifted by τ log π (class priors), so the unshifted logits predict the balanced error's Bayes classifier.",  # noqa: E501
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    aliases=("logit adjustment", "LA loss"),
    equivalents={
        "PyTorch": "no built-in: F.cross_entropy(z + τ · torch.log(π), y)",
    },
    references=(_MENON,),
    required={"class_priors": _LONG_TAIL},
    plot=Plot(
        curve=_logit_curve(
            (
                *tuple(
                    Series(
                        f"y = class {y} (π = {_LONG_TAIL[y]:g})", {"y": y}, {"class_priors": _LONG_TAIL[:3]}
                    )
                    for y in (0, 2)
                ),
                Series(
                    "y = class 2, τ = 0 (cross-entropy)",
                    {"y": 2},
                    {"class_priors": _LONG_TAIL[:3], "tau": 0.0},
                ),
            )
        ),
        explore={"tau": (0.0, 2.0)},
    ),
    checks=Checks(
        variants=({"tau": 0.0}, {"tau": 2.0}, {"class_priors": np.array([1e-6, 0.5, 0.25, 0.25])}),
        extremes=(_saturated({"class_priors": [0.9, 0.0999, 1e-4]}),),
        torch_extremes=(_saturated({"class_priors": [0.9, 0.0999, 1e-4]}),),
        invalid=(*_PRIORS_INVALID, Invalid({"tau": -1.0}, ValueError, "tau must be >= 0")),
    ),
)
def logit_adjusted_cross_entropy(logits, labels, *, class_priors, tau=1.0):
    """Logit-adjusted cross-entropy (Menon et al. 2021): softmax cross-entropy of z + τ log π.

    Training with the prior added makes the model learn logits *without* it: at test time,
    argmax z (no adjustment) targets the balanced error. Rarer classes get a larger margin:
    their logit must win despite a lower log π. π need not sum to 1 (softmax ignores a
    common shift); ``tau=0`` is plain cross-entropy.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        class_priors: Required: the class frequencies π of the training set, shape (C,),
            all > 0 (counts work too: only ratios matter).
        tau: Scale τ >= 0 of the adjustment; the paper's default is 1.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import logit_adjusted_cross_entropy as la
        >>> # z + log π = (log ¾, log ¼): softmax (¾, ¼), so the rare class 1 costs −log ¼
        >>> la([[0.0, 0.0]], [1], class_priors=[0.75, 0.25]) == math.log(4)   # p_y = 1/4
        True
        >>> la.grad([[0.0, 0.0]], [1], class_priors=[0.75, 0.25])   # softmax(z + log π) − e_y
        array([[ 0.75, -0.75]])
    """
    _check_class_axis(logits, "logits")
    non_negative(tau=tau)
    prior = _per_class(class_priors, "class_priors", logits.shape[-1])
    return _shifted_cross_entropy(logits + tau * np.log(prior), labels)


_REN = (
    "Ren, Yu, Sheng, Ma, Zhao, Yi & Li, Balanced Meta-Softmax for Long-Tailed Visual Recognition (NeurIPS "
    "2020)"
)
_COUNTS_INVALID = (
    Invalid({"class_counts": [5, 3]}, ValueError, "class_counts must have shape (4,)"),
    Invalid({"class_counts": [5, 3, 0, 1]}, ValueError, "class_counts must be > 0"),
    Invalid({"class_counts": None}, TypeError, "class_counts must be an array of real numbers"),
)
_LONG_TAIL_COUNTS = np.array([6000, 3000, 800, 200])


@class_axis_loss(
    family="classification",
    formula=r"\ell(z, y) = -\log \frac{n_y\, e^{z_y}}{\sum_c n_c\, e^{z_c}} = \mathrm{LSE}(z + \log n) - z_y - \log n_y",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial z} = \mathrm{softmax}(z + \log n) - e_y",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Long-tailed classification: the softmax re-weighted by the training class counts, so the model's "
        "own softmax estimates the balanced (label-shift-corrected) posterior."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "no built-in: F.cross_entropy(z + torch.log(n), y)",
    },
    references=(_REN,),
    required={"class_counts": _LONG_TAIL_COUNTS},
    plot=Plot(
        curve=_logit_curve(
            tuple(
                Series(
                    f"y = class {y} (n = {_LONG_TAIL_COUNTS[y]})",
                    {"y": y},
                    {"class_counts": _LONG_TAIL_COUNTS[:3]},
                )
                for y in (0, 1, 2)
            )
        ),
    ),
    checks=Checks(
        variants=({"class_counts": np.array([1, 10**6, 3, 3])},),
        extremes=(_saturated({"class_counts": [10**6, 10, 1]}),),
        torch_extremes=(_saturated({"class_counts": [10**6, 10, 1]}),),
        invalid=_COUNTS_INVALID,
    ),
)
def balanced_softmax(logits, labels, *, class_counts):
    """Balanced softmax cross-entropy (Ren et al. 2020): softmax cross-entropy of z + log n.

    The training softmax becomes n_y e^{z_y} / Σ_c n_c e^{z_c}: the label-shift correction
    from the long-tailed training distribution to a balanced one, so softmax(z) itself
    estimates the balanced posterior. It is ``logit_adjusted_cross_entropy`` with τ = 1
    and π ∝ n.

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        class_counts: Required: the number of training samples n_c of each class, shape
            (C,), all > 0 (of the whole training set, not of the batch).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import balanced_softmax
        >>> # counts (30, 10): softmax(z + log n) at z = 0 is (¾, ¼)
        >>> balanced_softmax([[0.0, 0.0]], [1], class_counts=[30, 10]) == math.log(4)   # p_y = 10/40
        True
    """
    _check_class_axis(logits, "logits")
    n = _per_class(class_counts, "class_counts", logits.shape[-1])
    return _shifted_cross_entropy(logits + np.log(n), labels)


def _ldam_margins(class_counts, max_margin, num_classes):
    """Cao et al.'s margins Δ_c ∝ n_c^{-1/4}, scaled so the largest (rarest class) is ``max_margin``."""
    n = _per_class(class_counts, "class_counts", num_classes)
    inverse = n**-0.25
    return max_margin * inverse / inverse.max()


_CAO = (
    "Cao, Wei, Gaidon, Arechiga & Ma, Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss "
    "(NeurIPS 2019)"
)


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = -\log \frac{e^{s (z_y - \Delta_y)}}{e^{s (z_y - \Delta_y)} + \sum_{c \ne y} e^{s z_c}}, \qquad \Delta_c = \frac{m}{n_c^{1/4}} \Big/ \max_k \frac{1}{n_k^{1/4}}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial z} = s\,\big(\mathrm{softmax}(s\,(z - \Delta_y e_y)) - e_y\big)",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Long-tailed classification: cross-entropy with a larger margin for rarer classes (Δ ∝ n^{-1/4}), on "
        "scaled (usually cosine) logits."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    aliases=("label-distribution-aware margin loss",),
    equivalents={
        "PyTorch": "no built-in: F.cross_entropy(s · (z − Δ_y e_y), y), Δ from the counts",
    },
    references=(_CAO,),
    required={"class_counts": _LONG_TAIL_COUNTS},
    plot=Plot(
        curve=_logit_curve(
            tuple(
                Series(
                    f"y = class {y} (n = {_LONG_TAIL_COUNTS[y]})",
                    {"y": y},
                    {"class_counts": _LONG_TAIL_COUNTS[:3]},
                )
                for y in (0, 1, 2)
            )
        ),
        explore={"max_margin": (0.0, 1.0)},
    ),
    checks=Checks(
        variants=({"scale": 1.0, "max_margin": 1.0}, {"max_margin": 0.0}),
        extremes=(_saturated({"class_counts": [10**6, 10, 1]}),),
        torch_extremes=(_saturated({"class_counts": [10**6, 10, 1]}),),
        invalid=(
            *_COUNTS_INVALID,
            Invalid({"max_margin": -0.5}, ValueError, "max_margin must be >= 0"),
            Invalid({"scale": 0.0}, ValueError, "scale must be > 0"),
        ),
        # the loss bends on a length 1/s in z: a step of 1e-3/s keeps the stencil's error small
        fd_step=lambda scale=30.0, **_: 1e-3 / scale,
    ),
)
def ldam(logits, labels, *, class_counts, max_margin=0.5, scale=30.0):
    """LDAM loss (Cao et al. 2019): cross-entropy with a class-dependent margin Δ_y ∝ n_y^{-1/4}.

    The true class's logit is lowered by its margin before the softmax, so a rare class must
    win by more. The margins are scaled so the rarest class gets ``max_margin``, and the
    logits are multiplied by ``scale`` (the paper normalises features and weights, so z
    are cosines in [−1, 1]: without the scale the softmax would be nearly uniform).

    Args:
        logits: Logits z, shape (..., C): the class axis is last; cosine similarities in
            the paper's setting.
        labels: Integer labels in [0, C), shape (...).
        class_counts: Required: the number of training samples n_c of each class, shape
            (C,), all > 0.
        max_margin: The largest margin m >= 0, the rarest class's (the authors' code: 0.5).
        scale: s > 0, the factor on the margin-adjusted logits (the authors' code: 30).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import ldam
        >>> # counts (16, 1): Δ = (½ · 16^{-1/4}, ½) = (¼, ½); label 1, z = (0, ½): s (z − Δ_y e_y) = 0
        >>> ldam([[0.0, 0.5]], [1], class_counts=[16, 1]) == math.log(2)   # p_y = 1/2
        True
    """
    _check_class_axis(logits, "logits")
    non_negative(max_margin=max_margin)
    positive(scale=scale)
    margins = _ldam_margins(class_counts, max_margin, logits.shape[-1])
    _, safe = _check_labels(labels, logits, "labels", None)
    shifted = logits - np.eye(logits.shape[-1])[safe] * margins[safe][..., None]
    ce = _shifted_cross_entropy(scale * shifted, labels)
    return Result(ce.values, lambda: scale * ce.grad())


def _sparsemax(z):
    """sparsemax over the last axis by sorting (Martins & Astudillo 2016, Algorithm 1), vectorised.

    Returns z − max z, the projection p and the threshold τ (of the shifted logits, shape (..., 1)).
    Shifting first keeps τ and p = z − τ accurate at |z| = 1e8: only entries within 1 of the
    maximum can be in the support, and their difference from it is exact.
    """
    shifted = z - z.max(axis=-1, keepdims=True)
    ordered = -np.sort(-shifted, axis=-1)
    partial = np.cumsum(ordered, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    # the support is the k largest entries for the largest k with 1 + k z_(k) > Σ_{j≤k} z_(j);
    # counting while the test holds keeps it a prefix even if rounding flips a later test
    size = np.logical_and.accumulate(1.0 + k * ordered > partial, axis=-1).sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(partial, size - 1, axis=-1) - 1.0) / size
    return shifted, np.maximum(shifted - tau, 0.0), tau


def _sparsemax_kinks(logits, labels, **_):
    """Per row, half the smallest |z_j − τ|.

    Closer than that, a step can move an entry into or out of the support, where the loss's
    second derivative jumps (its gradient does not).
    """
    shifted, _, tau = _sparsemax(np.asarray(logits, dtype=float))
    gap = np.abs(shifted - tau).min(axis=-1, keepdims=True) / 2
    return np.broadcast_to(gap, shifted.shape)


_MARTINS = (
    "Martins & Astudillo, From Softmax to Sparsemax: A Sparse Model of Attention and Multi-Label "
    "Classification (ICML 2016)"
)
_BLONDEL = "Blondel, Martins & Niculae, Learning with Fenchel-Young Losses (JMLR 2020)"


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = -z_y + \tfrac12 \sum_{j \in S(z)} \big(z_j^2 - \tau(z)^2\big) + \tfrac12, \qquad p = \mathrm{sparsemax}(z) = \big[z - \tau(z)\big]_+",  # noqa: E501
        r"S(z) = \{j : p_j > 0\}, \quad \sum_j p_j = 1; \qquad \text{equivalently } \ell = \tfrac12 \lVert p - e_y \rVert^2 + \big[\tau(z) - z_y\big]_+",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial z} = \mathrm{sparsemax}(z) - e_y",
    domain={"logits": LOGITS, "labels": CLASS_LABEL},
    use_case=(
        "Multiclass classification with sparse predicted probabilities: the loss whose gradient is "
        "sparsemax(z) − e_y, zero once the true logit leads every other by at least 1."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    aliases=("Fenchel-Young loss of sparsemax", "multiclass sparsemax loss"),
    equivalents={
        "optax": (
            "jnp.mean(optax.losses.multiclass_sparsemax_loss(logits, labels)); the binary "
            "optax.losses.sparsemax_loss(z, y) is sparsemax_loss on two classes with logits (0, z)"
        ),
    },
    references=(_MARTINS, _BLONDEL),
    plot=Plot(
        curve=_logit_curve(
            (
                Series("y = class 0", {}, {}),
                Series("y = class 1 (other logits 0)", {"y": 1}, {}),
            )
        ),
    ),
    checks=Checks(
        extremes=(
            _saturated(),
            # a support of two at 1e8 (p = (¾, ¼, 0)), a three-way tie at −1e8, logits of 1e-300
            Extreme([[[1e8, 1e8 - 0.5, 0.0], [-1e8, -1e8, -1e8], [1e-300, 0.0, -1e-300]], [1, 2, 0]]),
        ),
        kink_distance=_sparsemax_kinks,
    ),
)
def sparsemax_loss(logits, labels):
    """Sparsemax loss (Martins & Astudillo 2016): the Fenchel–Young loss whose gradient is sparsemax(z) − e_y.

    sparsemax(z) is the Euclidean projection of z onto the probability simplex: p = [z − τ]_+
    with τ chosen so that p sums to 1, exactly 0 for every logit below τ. The loss is to
    sparsemax what cross-entropy is to softmax. It is 0 once z_y exceeds every other logit
    by at least 1, convex, and differentiable everywhere (its gradient is continuous, only
    its second derivative jumps when an entry enters or leaves the support).

    Args:
        logits: Logits z, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import sparsemax_loss
        >>> # sparsemax(1, ½, −1) = (¾, ¼, 0) with τ = ¼; y = 1: ½ ‖p − e_1‖² = ½ (¾² + ¾²)
        >>> sparsemax_loss([[1.0, 0.5, -1.0]], [1])
        0.5625
        >>> sparsemax_loss.grad([[1.0, 0.5, -1.0]], [1])       # sparsemax(z) − e_y
        array([[ 0.75, -0.75,  0.  ]])
        >>> sparsemax_loss([[1.0, 0.5, -1.0]], [2])   # y outside the support: + (τ − z_y) = 1.25
        2.0625
    """
    _check_class_axis(logits, "logits")
    _, labels = _check_labels(labels, logits, "labels", None)
    shifted, p, tau = _sparsemax(logits)
    others = p.copy()
    np.put_along_axis(others, labels[..., None], 0.0, axis=-1)
    # 1 − p_y = Σ_{j≠y} p_j, so ½‖p − e_y‖² = ½(Σ_{j≠y} p_j² + (Σ_{j≠y} p_j)²): a sum of squares
    # with no 1 − p_y cancellation; the second term is > 0 only when y is outside the support
    rest = others.sum(axis=-1)
    value = 0.5 * ((others * others).sum(axis=-1) + rest * rest)
    value += np.maximum(tau[..., 0] - _pick(shifted, labels), 0.0)

    def grad():
        np.put_along_axis(others, labels[..., None], -rest[..., None], axis=-1)  # p_y − 1 = −Σ_{j≠y} p_j
        return others

    return Result(value, grad)


CUMULATIVE_LOGITS = replace(
    LOGITS,
    text="real, shape (..., K − 1): the cumulative logits z_k of P(y > k), k = 0 … K − 2, last axis",
    # not LOGITS itself, so a check that reads that domain's text cannot put it on this page
    invalid=((np.inf, ValueError, "contains inf"),),
)
ORDINAL_LABEL = replace(
    CLASS_LABEL,
    text="integers in [0, K − 1] (K ordered classes: one more than the logits)",
    # drawn with the logits' shape (..., K − 1): every class 0 … K − 1, the top one included
    sample=lambda rng, shape: rng.integers(0, shape[-1] + 1, size=shape[:-1]),
    stress=(0, 1, 2, 3),
)


def _task_weights(task_weights, num_tasks):
    if task_weights is None:
        return None
    w = as_float_array(task_weights, "task_weights")
    if w.shape != (num_tasks,):
        raise ValueError(
            f"task_weights must have shape ({num_tasks},), one per threshold (the logits' last axis); "
            f"got {w.shape}"
        )
    if (w < 0).any():
        raise ValueError("task_weights must be >= 0")
    return w


_CAO_CORAL = (
    "Cao, Mirjalili & Raschka, Rank Consistent Ordinal Regression for Neural Networks with Application "
    "to Age Estimation (Pattern Recognition Letters 2020)"
)
_MCCULLAGH = "McCullagh, Regression Models for Ordinal Data (JRSS B 1980)"
_THRESHOLDS = np.array([-2.0, 0.0, 2.0])  # the plot's θ_k: K = 4 classes


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = \sum_{k=0}^{K-2} w_k \Big(\operatorname{softplus}(z_k) - [y > k]\, z_k\Big) = -\sum_{k=0}^{K-2} w_k \Big([y > k] \log \sigma(z_k) + [y \le k] \log\big(1 - \sigma(z_k)\big)\Big)",  # noqa: E501
        r"\sigma(z_k) = P(y > k); \quad \text{proportional odds / CORAL: } z_k = s - \theta_k,\ \theta_0 \le \dots \le \theta_{K-2}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial z_k} = w_k \big(\sigma(z_k) - [y > k]\big)",
    domain={"logits": CUMULATIVE_LOGITS, "labels": ORDINAL_LABEL},
    use_case=(
        "Ordinal classification (ratings, grades, age bins): K − 1 binary logistic tasks "
        "“is y above threshold k?”, so a prediction two classes off costs more than one class off."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    aliases=("CORAL loss", "cumulative link loss", "proportional odds", "ordinal regression"),
    equivalents={
        "PyTorch": (
            "no built-in: F.binary_cross_entropy_with_logits(z, (y[:, None] > torch.arange(K − 1)).double(), "
            'reduction="none").sum(-1)'
        ),
    },
    references=(_CAO_CORAL, _MCCULLAGH),
    reduction_note=(
        '`"mean"` divides by the number of samples N (by Σw with `weights=`); each sample\'s value is the '
        "sum over its K − 1 tasks, not their mean (as coral-pytorch 1.2.0's coral_loss)."
    ),
    plot=Plot(
        curve=Curve(
            x_label="shared score s (z_k = s − θ_k, θ = (−2, 0, 2), K = 4)",
            grad_label="∂ℓ/∂s = Σ_k ∂ℓ/∂z_k",
            x_range=(-6.0, 6.0),
            args=lambda x, y=0: (x[..., None] - _THRESHOLDS, np.full(x.shape, y)),
            series=tuple(Series(f"y = {y}", {"y": y}, {}) for y in range(4)),
            component=lambda g, args: g.sum(axis=-1),
        ),
    ),
    checks=Checks(
        variants=({"task_weights": np.array([1.0, 0.5, 2.0, 0.0])},),
        extremes=(
            Extreme(
                [
                    [[1e4, 0.0, -1e4], [-1e4, 40.0, 1e-12], [-745.0, 745.0, 0.0], [1e8, 1e8, -1e8]],
                    [3, 0, 1, 2],
                ]
            ),
        ),
        torch_extremes=(
            Extreme(
                [
                    [[1e4, 0.0, -1e4], [-1e4, 40.0, 1e-12], [-745.0, 745.0, 0.0], [1e8, 1e8, -1e8]],
                    [3, 0, 1, 2],
                ]
            ),
        ),
        invalid=(
            Invalid({"task_weights": [1.0, 1.0]}, ValueError, "task_weights must have shape (4,)"),
            Invalid({"task_weights": [1.0, -1.0, 1.0, 1.0]}, ValueError, "task_weights must be >= 0"),
        ),
    ),
)
def ordinal_logistic(logits, labels, *, task_weights=None):
    """Ordinal logistic loss (CORAL, Cao et al. 2020): one binary cross-entropy per threshold "y > k".

    Class y of K ordered classes becomes the K − 1 binary targets [y > 0], …, [y > K − 2]
    (y = 2 of K = 5: 1, 1, 0, 0), and each cumulative logit z_k is trained by logistic
    regression on its target; the loss of a sample is the sum over the K − 1 tasks. With
    z_k = s − θ_k (one score, increasing thresholds: CORAL's parametrisation) σ(z_k) is the
    proportional-odds model's P(y > k), and the loss sums the negative log-likelihoods of its
    K − 1 binary splits (not the model's likelihood of the class, −log P(y = k)).

    Args:
        logits: Cumulative logits z, shape (..., K − 1): z_k is the logit of P(y > k).
        labels: Integer class labels in [0, K − 1], shape (...).
        task_weights: Optional weights w_k >= 0 of the K − 1 tasks, shape (K − 1,)
            (coral-pytorch's ``importance_weights``); None weighs each task 1.

    Returns:
        The mean over samples of the per-sample sums by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import ordinal_logistic
        >>> # K = 4, y = 1: targets (1, 0, 0); at z = 0 every task costs log 2
        >>> ordinal_logistic([[0.0, 0.0, 0.0]], [1]) == 3 * math.log(2)   # 3 tasks of log 2
        True
        >>> ordinal_logistic.grad([[0.0, 0.0, 0.0]], [1])     # σ(0) − (1, 0, 0)
        array([[-0.5,  0.5,  0.5]])
    """
    _check_class_axis(logits, "logits")
    num_tasks = logits.shape[-1]
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"labels has shape {labels.shape} but {logits.shape[:-1]} was expected "
            f"(the shape of logits {logits.shape} without its last axis)"
        )
    bad = labels[(labels < 0) | (labels > num_tasks)]
    if bad.size:
        raise ValueError(
            f"labels must be in [0, {num_tasks}] (K = {num_tasks + 1} ordered classes for {num_tasks} "
            f"cumulative logits); got {bad.flat[0]}"
        )
    w = _task_weights(task_weights, num_tasks)
    above = labels[..., None] > np.arange(num_tasks)  # [y > k]
    # softplus(z) − t z is softplus(−z) where t = 1 and softplus(z) where t = 0: no overflow, no 1 − 1
    signed = np.where(above, -logits, logits)
    terms = softplus(signed)

    def grad():  # σ(z) − 1 = −σ(−z): accurate where σ(z) is within 1e-16 of 1
        g = np.where(above, -sigmoid(signed), sigmoid(signed))
        return g if w is None else g * w

    return Result((terms if w is None else terms * w).sum(axis=-1), grad)
