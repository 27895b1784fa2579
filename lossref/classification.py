"""Classification losses: probabilities, logits or log-probabilities against labels."""

import numpy as np

from ._checks import as_float_array, in_unit_interval, non_negative, rows_sum_to_one
from ._core import Curve, Difference, class_axis_loss, elementwise_loss
from ._domains import (
    BINARY_TARGET,
    CLASS_LABEL,
    LABELS_OR_DISTRIBUTION,
    LOG_PROBABILITY,
    LOGITS,
    PROBABILITY,
    REAL,
)
from ._math import log_softmax, sigmoid, softplus, xlog1py, xlogy


def _binary_curve(x_label, x_range, series=None, y_limits=None):
    """Plot against one prediction, for a positive (y = 1) and a negative (y = 0) target."""
    series = series or (("y = 1", {"y": 1.0}, {}), ("y = 0", {"y": 0.0}, {}))
    return Curve(
        x_label=x_label,
        x_range=x_range,
        args=lambda x, y=1.0: (x, np.full_like(x, y)),
        series=series,
        y_limits=y_limits,
    )


def _logit_curve(series):
    """Plot against the logit of the true class (class 0 of three; other logits 0)."""
    return Curve(
        x_label="logit of the true class z_y (other two logits = 0)",
        grad_label="gradient ∂ℓ/∂z_y",
        x_range=(-6.0, 6.0),
        args=lambda x: (np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=-1),
                        np.zeros(x.shape, dtype=np.int64)),
        series=series,
        component=lambda g, args: g[..., 0],
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
    properties=("non_negative", "convex"),
    equivalents={
        "PyTorch": "torch.nn.BCELoss()",
        "Keras": "keras.losses.BinaryCrossentropy() (probabilities by default)",
        "scikit-learn": "sklearn.metrics.log_loss(y_true, probs)",
    },
    references=("Cox, The regression analysis of binary sequences (1958)",),
    differences=(
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
            "of 0 or 1 it is wrong: at p = 1e-15, y = 0 it returns 0.001 instead of 1. "
            "`lossref` returns the exact derivative.",
        ),
        Difference("pytorch-bce-weight-denominator", "PyTorch", _WEIGHT_DENOMINATOR),
    ),
    curve=_binary_curve("predicted probability p", (0.005, 0.995), y_limits=(0, 5.5)),
    extremes=(
        ([[1e-15, 1 - 1e-15, 0.5, 1e-300, 1e-12, 1 - 1e-12], [0.0, 1.0, 1.0, 0.0, 1.0, 0.0]], {}),
        ([[1e-06, 1 - 1e-6, 0.5], [1.0, 0.0, 0.3]], {}),
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
    with np.errstate(divide="ignore", invalid="ignore"):
        # -y/p + (1-y)/(1-p), with each term 0 when its coefficient is 0 (limit, not 0/0)
        pos = np.where(y_true == 0, 0.0, -y_true / probs)
        neg = np.where(y_true == 1, 0.0, (1.0 - y_true) / (1.0 - probs))
    return value, pos + neg


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
    formula=r"\ell(z, y) = -\big[\,w_+ \, y \log \sigma(z) + (1 - y) \log(1 - \sigma(z))\,\big] = w_+\, y \operatorname{softplus}(-z) + (1 - y) \operatorname{softplus}(z)",
    gradient=r"\frac{\partial \ell}{\partial z} = (1 - y)\, \sigma(z) - w_+\, y\, \sigma(-z) \;\; \overset{w_+ = 1}{=} \;\; \sigma(z) - y",
    domain={"logits": REAL, "y_true": BINARY_TARGET},
    use_case="Binary and multi-label classification from logits: the numerically stable way to train a sigmoid output.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.BCEWithLogitsLoss(pos_weight=w₊)",
        "Keras": "keras.losses.BinaryCrossentropy(from_logits=True)",
        "optax": "optax.losses.sigmoid_binary_cross_entropy",
    },
    references=("Cox, The regression analysis of binary sequences (1958)",),
    differences=(
        Difference("pytorch-bcewithlogits-weight-denominator", "PyTorch", _WEIGHT_DENOMINATOR),
    ),
    curve=_binary_curve(
        "logit z",
        (-6.0, 6.0),
        series=(
            ("y = 1", {"y": 1.0}, {}),
            ("y = 0", {"y": 0.0}, {}),
            ("y = 1, w₊ = 3", {"y": 1.0}, {"pos_weight": 3.0}),
        ),
    ),
    variants=({"pos_weight": 3.0}, {"pos_weight": 0.5}),
    extremes=(
        ([[1e4, -1e4, 1e4, -1e4, 0.0], [1.0, 0.0, 0.0, 1.0, 0.5]], {}),
        ([[1e4, -1e4, 40.0, -40.0], [0.0, 1.0, 1.0, 0.0]], {'pos_weight': 7.0}),
    ),
    invalid=(
        ({'pos_weight': -2.0}, ValueError, 'pos_weight must be > 0'),
        ({'pos_weight': [1.0, 2.0]}, ValueError, 'pos_weight must be a scalar or have shape (3,)'),
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
    # -log σ(z) = softplus(-z) and -log(1 - σ(z)) = softplus(z): no σ, no log(0), and no
    # cancellation (the form (1 - y) z + softplus(-z) rounds to 0 for y = 0, z = -40)
    value = pw * y_true * softplus(-logits) + (1.0 - y_true) * softplus(logits)
    return value, (1.0 - y_true) * sigmoid(logits) - pw * y_true * sigmoid(-logits)


def _class_weights(class_weights, num_classes):
    if class_weights is None:
        return np.ones(num_classes)
    w = as_float_array(class_weights, "class_weights")
    if w.shape != (num_classes,):
        raise ValueError(
            f"class_weights must have shape ({num_classes},), one per class; got {w.shape}"
        )
    if (w < 0).any():
        raise ValueError("class_weights must be >= 0")
    return w


def _check_labels(labels, logits, name, ignore_index):
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"{name} has shape {labels.shape} but {logits.shape[:-1]} was expected "
            f"(the shape of the first argument {logits.shape} without its class axis)"
        )
    if ignore_index is not None and (isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer))):
        raise TypeError(f"ignore_index must be an int or None, got {type(ignore_index).__name__}")
    keep = np.ones(labels.shape, bool) if ignore_index is None else labels != ignore_index
    bad = labels[keep & ((labels < 0) | (labels >= logits.shape[-1]))]
    if bad.size:
        raise ValueError(
            f"{name} must be in [0, {logits.shape[-1]}) (the number of classes); got {bad.flat[0]}"
        )
    return keep, np.where(keep, labels, 0)


def _check_class_axis(arr, name):
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a class axis (its last axis); got a scalar")


@class_axis_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = (1 - \varepsilon)\, w_y \big(\operatorname{LSE}(z) - z_y\big) + \frac{\varepsilon}{C} \sum_{c} w_c \big(\operatorname{LSE}(z) - z_c\big) \quad \text{(label } y\text{)}",
        r"\ell(z, q) = -\sum_c w_c\, \tilde q_c \log p_c, \quad \tilde q = (1 - \varepsilon)\, q + \varepsilon / C \quad \text{(target distribution } q\text{)}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial z} = (1 - \varepsilon)\, w_y (p - e_y) + \frac{\varepsilon}{C}\Big(\big(\textstyle\sum_c w_c\big) p - w\Big) \quad \text{(}= p - e_y \text{ for } w = 1,\ \varepsilon = 0\text{)}",
        r"\frac{\partial \ell}{\partial z} = \Big(\textstyle\sum_c w_c \tilde q_c\Big)\, p - w \odot \tilde q \quad \text{(}= p - q \text{ for } w = 1,\ \varepsilon = 0\text{)}",
    ),
    domain={"logits": LOGITS, "target": LABELS_OR_DISTRIBUTION},
    use_case="Multiclass classification from logits: the standard classifier loss (integer labels or soft targets).",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "torch.nn.CrossEntropyLoss(weight=w, ignore_index=i, label_smoothing=ε)",
        "Keras": "keras.losses.SparseCategoricalCrossentropy(from_logits=True) (labels); CategoricalCrossentropy(from_logits=True) (targets)",
        "optax": "optax.losses.softmax_cross_entropy_with_integer_labels (labels); softmax_cross_entropy (targets)",
        "scikit-learn": "sklearn.metrics.log_loss(y_true, softmax(z)) (takes probabilities)",
    },
    references=(
        "Cox, The regression analysis of binary sequences (1958); Shannon (1948)",
        "Szegedy et al., Rethinking the Inception Architecture for Computer Vision (2016), label smoothing",
    ),
    differences=(
        Difference(
            "pytorch-ce-class-axis",
            "PyTorch",
            "PyTorch puts the class axis at position 1 (N, C, d₁, …); `lossref`, Keras and "
            "optax put it last. Move it with `np.moveaxis(z, 1, -1)`.",
        ),
        Difference(
            "pytorch-ce-all-ignored",
            "PyTorch",
            "When every label equals `ignore_index`, PyTorch's `\"mean\"` is 0/0 = NaN; "
            "`lossref` raises a `ValueError` (use `reduction=\"sum\"`, which gives 0).",
        ),
        Difference(
            "pytorch-ce-ignore-index-default",
            "PyTorch",
            "PyTorch's `ignore_index` defaults to −100, so a label −100 is silently skipped; "
            "`lossref` defaults to `None` and rejects negative labels.",
        ),
    ),
    curve=_logit_curve(tuple(
        (f"ε = {e:g}", {}, {"label_smoothing": e}) for e in (0.0, 0.1, 0.3)
    )),
    variants=(
        {"label_smoothing": 0.1},
        {"class_weights": np.array([0.5, 2.0, 1.0, 3.0])},
        {"label_smoothing": 0.2, "class_weights": np.array([0.5, 2.0, 1.0, 3.0])},
    ),
    extremes=(
        ([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0]], {}),
        ([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {'label_smoothing': 0.1}),
        ([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]], {}),
    ),
    invalid=(
        ({'label_smoothing': 1.2}, ValueError, 'label_smoothing must be in [0, 1]'),
        ({'class_weights': [1.0, 2.0]}, ValueError, 'class_weights must have shape (4,)'),
        ({'class_weights': [1.0, 2.0, -1.0, 1.0]}, ValueError, 'class_weights must be >= 0'),
        ({'ignore_index': 1.5}, TypeError, 'ignore_index must be an int or None'),
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
    _check_class_axis(logits, "logits")
    in_unit_interval(label_smoothing=label_smoothing)
    num_classes = logits.shape[-1]
    w = _class_weights(class_weights, num_classes)
    log_p = log_softmax(logits)
    p = np.exp(log_p)
    eps = label_smoothing
    if np.issubdtype(target.dtype, np.integer):
        keep, labels = _check_labels(target, logits, "target", ignore_index)
        w_y = np.where(keep, w[labels], 0.0)
        nll_y = -np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
        smooth = -(log_p * w).sum(axis=-1) / num_classes
        value = (1.0 - eps) * w_y * nll_y + eps * np.where(keep, smooth, 0.0)
        # p - e_y, with p_y - 1 = expm1(log p_y): accurate when p_y is within 1e-16 of 1
        p_minus_onehot = p.copy()
        np.put_along_axis(p_minus_onehot, labels[..., None], np.expm1(-nll_y)[..., None], axis=-1)
        grad = (1.0 - eps) * w_y[..., None] * p_minus_onehot + (eps / num_classes) * (
            w.sum() * p - w
        ) * keep[..., None]
        return value, grad, w_y
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
        log_ratio = log_p + np.log(total) - np.log(wq)
        close = (wq > 0) & (log_ratio < 1.0)
        grad = np.where(close, wq * np.expm1(np.where(close, log_ratio, 0.0)), total * p - wq)
    return value, grad


@class_axis_loss(
    family="classification",
    formula=r"\ell(a, y) = -w_y\, a_y, \qquad a = \log p \ \text{(log-probabilities)}",
    gradient=r"\frac{\partial \ell}{\partial a} = -w_y\, e_y",
    domain={"log_probs": LOG_PROBABILITY, "labels": CLASS_LABEL},
    use_case="Cross-entropy when the model already outputs log-probabilities (after log_softmax).",
    properties=("non_negative", "convex", "smooth"),
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
            "When every label equals `ignore_index`, PyTorch's `\"mean\"` is NaN; `lossref` raises.",
        ),
    ),
    curve=Curve(
        x_label="log-probability of the true class a_y",
        grad_label="gradient ∂ℓ/∂a_y",
        x_range=(-5.0, -0.01),
        # two classes: the other log-probability is log(1 - e^{a_y})
        args=lambda x: (np.stack([x, np.log(-np.expm1(x))], axis=-1), np.zeros(x.shape, dtype=np.int64)),
        series=(("w_y = 1", {}, {}), ("w_y = 2", {}, {"class_weights": np.array([2.0, 1.0])})),
        component=lambda g, args: g[..., 0],
    ),
    variants=({"class_weights": np.array([0.5, 2.0, 1.0, 3.0])},),
    extremes=(
        ([[[-1e4, -1e-300, 0.0], [-745.0, 0.0, -1e+300]], [0, 2]], {}),
    ),
    invalid=(
        ({'class_weights': [1.0]}, ValueError, 'class_weights must have shape (4,)'),
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
    grad = 0.0 - w_y[..., None] * np.eye(log_probs.shape[-1])[safe]  # 0.0 - : no -0.0
    return -w_y * a_y, grad, w_y


@elementwise_loss(
    family="classification",
    formula=(
        r"\ell(z, y) = \alpha_t\,(1 - p_t)^{\gamma}\, \mathrm{BCE}(z, y) \quad (= -\alpha_t\,(1 - p_t)^{\gamma} \log p_t \text{ for } y \in \{0, 1\})",
        r"p = \sigma(z), \quad p_t = p\,y + (1 - p)(1 - y), \quad \alpha_t = \alpha\,y + (1 - \alpha)(1 - y)",
    ),
    gradient=r"\frac{\partial \ell}{\partial z} = \alpha_t (1 - p_t)^{\gamma - 1}\Big[(1 - p_t)(p - y) - \gamma\,(2y - 1)\, p\,(1 - p)\,\mathrm{BCE}(z, y)\Big]",
    domain={"logits": REAL, "y_true": BINARY_TARGET},
    use_case="Dense detection (RetinaNet) and extreme class imbalance: down-weights easy, well-classified examples.",
    properties=("non_negative", "smooth"),
    equivalents={
        "PyTorch": "torchvision.ops.sigmoid_focal_loss(alpha=0.25, gamma=2, reduction=\"none\")",
        "Keras": "keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=α, gamma=γ, from_logits=True)",
        "optax": "optax.losses.sigmoid_focal_loss(alpha=None, gamma=2.0)",
    },
    references=("Lin, Goyal, Girshick, He & Dollár, Focal Loss for Dense Object Detection (2017)",),
    differences=(
        Difference(
            "torchvision-focal-nan-gradient",
            "torchvision",
            "`sigmoid_focal_loss` computes (1 − p_t)^γ directly, so for γ < 1 its autograd "
            "gradient is NaN once a logit saturates (|z| ≳ 37 in float64, far less in float32): "
            "∞ from (1 − p_t)^(γ−1) times 0. `lossref` forms that product in log space and "
            "returns the finite limit (0). Checked with torchvision's formula in PyTorch.",
        ),
    ),
    curve=_binary_curve(
        "logit z (target y = 1)",
        (-5.0, 5.0),
        series=tuple((f"γ = {g:g}", {"y": 1.0}, {"gamma": g, "alpha": None}) for g in (0.0, 0.5, 2.0, 5.0)),
    ),
    variants=({"gamma": 0.0, "alpha": None}, {"gamma": 0.5}, {"gamma": 5.0, "alpha": 0.75}),
    extremes=(
        ([[1e4, -1e4, 1e4, -1e4, 0.0, 30.0], [1.0, 0.0, 0.0, 1.0, 1.0, 0.3]], {}),
        ([[1e4, -1e4, 1e4, -1e4, 40.0], [1.0, 0.0, 0.0, 1.0, 1.0]], {'gamma': 0.5}),
        ([[1e4, -1e4, 1e4, -1e4], [1.0, 0.0, 0.0, 1.0]], {'gamma': 0.0, 'alpha': None}),
    ),
    invalid=(
        ({'gamma': -1.0}, ValueError, 'gamma must be >= 0'),
        ({'alpha': 1.5}, ValueError, 'alpha must be in [0, 1]'),
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
    # γ (1 - p_t)^{γ-1} p (1 - p), formed in log space: no 0 · ∞ when p_t rounds to 1
    focus = gamma * np.exp((gamma - 1.0) * log_1mpt + log_p + log_1mp)
    value = modulator * ce
    # p - y as (1 - y) p - y (1 - p): no cancellation when p rounds to 1
    p_minus_y = (1.0 - y) * np.exp(log_p) - y * np.exp(log_1mp)
    grad = modulator * p_minus_y - focus * (2.0 * y - 1.0) * ce
    if alpha is not None:
        alpha_t = alpha * y + (1.0 - alpha) * (1.0 - y)
        value, grad = alpha_t * value, alpha_t * grad
    return value, grad
