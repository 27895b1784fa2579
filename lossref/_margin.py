"""Margin losses: scores against ±1 labels (the margin y·f) or against classes (score differences)."""

import numpy as np

from ._checks import non_negative, real_scalar
from ._core import (
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
)
from ._domains import CLASS_LABEL, LOGITS, MULTI_HOT, REAL, SIGN_LABEL
from ._labels import _check_class_axis, _check_labels, _class_weights
from ._math import sigmoid, softplus

__all__ = [
    "exponential",
    "hinge",
    "hinge_embedding",
    "modified_huber",
    "multiclass_hinge",
    "multilabel_margin",
    "multilabel_soft_margin",
    "perceptron",
    "soft_margin",
    "squared_hinge",
]  # its losses, re-exported by lossref/__init__.py


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = \max(0,\ m - y f), \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial f} = \begin{cases} -y & y f < m \\ 0 & y f \ge m \end{cases}",
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="Linear SVMs and max-margin binary classification on raw scores.",
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "Keras": "keras.losses.Hinge() (converts {0, 1} labels to ±1)",
        "optax": "jnp.mean(optax.losses.hinge_loss(scores, labels))",
        "scikit-learn": 'sklearn.metrics.hinge_loss(y_true, scores); SGDClassifier(loss="hinge")',
        "PyTorch": "no direct equivalent (nn.HingeEmbeddingLoss is a different loss)",
    },
    references=("Cortes & Vapnik, Support-Vector Networks (1995)",),
    differences=(
        Difference(
            "keras-hinge-01-labels",
            "Keras",
            "Keras silently maps {0, 1} labels to ±1. `lossref` raises instead: with 0/1 labels "
            "every y = 0 term would be a constant m with zero gradient. Convert with 2y − 1.",
        ),
    ),
    aliases=("SVM loss",),  # names readers search for
    plot=Plot(
        curve=Curve(
            x_label="score f (label y = +1)",
            x_range=(-3.0, 3.0),
            args=lambda x: (x, np.ones_like(x)),
            series=tuple(Series(f"m = {m:g}", {}, {"margin": m}) for m in (0.0, 1.0, 2.0)),
        ),
        explore={"margin": (0.0, 3.0)},
    ),
    checks=Checks(
        variants=({"margin": 0.0}, {"margin": 2.0}),
        extremes=(Extreme([[1e4, -1e4, 1e-300], [1.0, 1.0, -1.0]]),),
        invalid=(Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),),
        kink_distance=lambda scores, labels, margin=1.0: np.abs(margin - labels * scores),
        torch_extremes=(Extreme([[1e4, -1e4, 1e-300, 3.0], [1.0, 1.0, -1.0, -1.0]]),),
    ),
)
def hinge(scores, labels, *, margin=1.0):
    """Binary hinge loss on raw scores with ±1 labels.

    At the kink (y·f = m) the gradient is 0, the library-wide convention for max(0, ·).

    Args:
        scores: Decision values f (not probabilities), any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.
        margin: m >= 0; 1 is the SVM margin, 0 gives the perceptron loss.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import hinge
        >>> hinge([2.0, 0.5, -1.0], [1.0, 1.0, 1.0])   # (0 + 0.5 + 2) / 3
        0.8333333333333334
        >>> hinge.grad([2.0, 0.5], [1.0, -1.0], reduction="sum")
        array([0., 1.])
    """
    non_negative(margin=margin)
    slack = margin - labels * scores
    return Result(np.maximum(slack, 0.0), lambda: np.where(slack > 0, -labels, 0.0))


_ONE_LINE = (Series("", {}, {}),)


def _margin_curve(series=_ONE_LINE, x_range=(-3.0, 3.0), y_limits=None):
    """Plot against the margin y·f: label y = +1, so the score f is the margin."""
    return Curve(
        x_label="margin y·f (label y = +1)",
        x_range=x_range,
        args=lambda x: (x, np.ones_like(x)),
        series=series,
        y_limits=y_limits,
    )


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = \max(0,\ m - y f)^2, \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial f} = -2y\,\max(0,\ m - y f)",
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="Linear SVMs with a differentiable loss: the default loss of scikit-learn's LinearSVC.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "Keras": "keras.losses.SquaredHinge() (m = 1; converts {0, 1} labels to ±1)",
        "scikit-learn": 'LinearSVC(loss="squared_hinge") (the default); SGDClassifier(loss="squared_hinge")',
        "PyTorch": "no loss class: torch.clamp(m - y * f, min=0) ** 2",
    },
    references=(
        "Rennie & Srebro, Loss Functions for Preference Levels (2005)",
        "Fan et al., LIBLINEAR: A Library for Large Linear Classification (2008)",
    ),
    differences=(
        Difference(
            "keras-squared-hinge-01-labels",
            "Keras",
            "Keras maps {0, 1} labels to ±1 before squaring. `lossref` raises instead; convert with 2y − 1.",
        ),
    ),
    plot=Plot(
        curve=_margin_curve(
            tuple(Series(f"m = {m:g}", {}, {"margin": m}) for m in (0.0, 1.0, 2.0)), y_limits=(0, 10)
        ),
        explore={"margin": (0.0, 3.0)},
    ),
    checks=Checks(
        variants=({"margin": 0.0}, {"margin": 2.0}),
        extremes=(
            Extreme([[1e4, -1e4, 1e-300, 3.0, 1.0], [1.0, 1.0, -1.0, -1.0, 1.0]]),
            Extreme([[1e8, -1e8, 1e-12], [-1.0, -1.0, 1.0]], {"margin": 0.0}),
        ),
        invalid=(Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),),
        # C¹, but the second derivative jumps at y f = m, which spoils high-order finite differences
        kink_distance=lambda scores, labels, margin=1.0: np.abs(margin - labels * scores),
        torch_extremes=(Extreme([[1e4, -1e4, 1e-300, 3.0, 1.0], [1.0, 1.0, -1.0, -1.0, 1.0]]),),
    ),
)
def squared_hinge(scores, labels, *, margin=1.0):
    """Squared hinge loss on raw scores with ±1 labels: the hinge, squared.

    Differentiable everywhere: the derivative -2y·max(0, m - y·f) is 0 at the kink of the
    hinge from both sides.

    Args:
        scores: Decision values f (not probabilities), any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.
        margin: m >= 0; Keras and scikit-learn fix it at 1.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import squared_hinge
        >>> squared_hinge([2.0, 0.5, -1.0], [1.0, 1.0, 1.0])   # (0 + 0.25 + 4) / 3
        1.4166666666666667
        >>> squared_hinge.grad([0.5, -1.0], [1.0, 1.0], reduction="sum")   # -2·(1 - y f)
        array([-1., -4.])
    """
    non_negative(margin=margin)
    slack = np.maximum(margin - labels * scores, 0.0)
    return Result(slack * slack, lambda: -2.0 * labels * slack + 0.0)  # + 0.0: no -0.0 beyond the margin


_VARIANTS = ("crammer_singer", "weston_watkins")


def _multiclass_kinks(scores, labels, *, margin=1.0, variant="crammer_singer", **_):
    """Per row, the distance to the nearest kink (copied over the class axis).

    Weston–Watkins: each slack m - f_y + f_j at 0. Crammer–Singer: the slack at 0, and a
    tie between the two largest wrong-class scores (the gradient jumps from one to the other).
    """
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels)
    onehot = np.arange(scores.shape[-1]) == labels[..., None]
    f_y = np.take_along_axis(scores, labels[..., None], axis=-1)
    wrong = np.where(onehot, -np.inf, scores)
    if variant == "weston_watkins":
        distance = np.where(onehot, np.inf, np.abs(margin - f_y + scores)).min(axis=-1)
    else:
        top2 = -np.sort(-wrong, axis=-1)[..., :2]
        gap = top2[..., 0] - top2[..., 1] if scores.shape[-1] > 2 else np.full(labels.shape, np.inf)
        distance = np.minimum(np.abs(margin + top2[..., 0] - f_y[..., 0]), np.nan_to_num(gap, nan=np.inf))
    return np.broadcast_to(distance[..., None], scores.shape)


@class_axis_loss(
    family="margin",
    formula=(
        r"\ell_{\mathrm{CS}}(f, y) = w_y \max\big(0,\ m + \max_{j \ne y} f_j - f_y\big)^p \quad \text{(Crammer–Singer)}",  # noqa: E501
        r"\ell_{\mathrm{WW}}(f, y) = \frac{w_y}{C} \sum_{j \ne y} \max\big(0,\ m - f_y + f_j\big)^p \quad \text{(Weston–Watkins)}",  # noqa: E501
    ),
    gradient=(
        r"\mathrm{CS:}\ \ \frac{\partial \ell}{\partial f_y} = -g,\ \ \frac{\partial \ell}{\partial f_j} = \frac{g\,[j \in J]}{|J|},\ \ J = \mathrm{argmax}_{j \ne y} f_j \ \text{(ties share equally)}",  # noqa: E501
        r"g = p\,w_y\,s_+^{p-1}\,[s > 0], \quad s = m + \max_{j \ne y} f_j - f_y",
        r"\mathrm{WW:}\ \ \frac{\partial \ell}{\partial f_j} = \frac{p\,w_y}{C}\, (s_j)_+^{p-1}[s_j > 0],\ \ \frac{\partial \ell}{\partial f_y} = -\sum_{j \ne y} \frac{\partial \ell}{\partial f_j},\ \ s_j = m - f_y + f_j",  # noqa: E501
    ),
    domain={"scores": LOGITS, "labels": CLASS_LABEL},
    use_case="Multiclass SVMs and max-margin classifiers on raw class scores with integer labels.",
    properties=("non_negative", "convex"),
    equivalents={
        "PyTorch": (
            'torch.nn.MultiMarginLoss(p=p, margin=m, weight=w) is variant="weston_watkins"; no '
            "Crammer–Singer loss"
        ),
        "optax": "jnp.mean(optax.losses.multiclass_hinge_loss(scores, labels)): Crammer–Singer with m = 1",
        "scikit-learn": "sklearn.metrics.hinge_loss(y_true, scores, labels=…): Crammer–Singer with m = 1; "
        'LinearSVC(multi_class="crammer_singer")',
        "Keras": "keras.losses.CategoricalHinge() is not Crammer–Singer (see below)",
    },
    references=(
        (
            "Crammer & Singer, On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines "
            "(JMLR 2001)"
        ),
        "Weston & Watkins, Support Vector Machines for Multi-Class Pattern Recognition (ESANN 1999)",
    ),
    differences=(
        Difference(
            "keras-categorical-hinge-zero-floor",
            "Keras",
            "`CategoricalHinge` takes max((1 − y_true)·y_pred) over the one-hot row, so the true "
            "class enters that max as a 0: when every wrong-class score is negative it uses 0 "
            "instead of the largest wrong-class score, and its loss is larger than Crammer–Singer's.",
        ),
    ),
    reduction_note='`"mean"` divides by the number of samples N (by Σw with `weights=`); '
    "`class_weights` scale each sample's loss but do not enter the denominator, as in PyTorch's "
    "`MultiMarginLoss` (unlike its `CrossEntropyLoss`, which divides by Σ w_y).",
    plot=Plot(
        curve=Curve(
            x_label="true-class score f_y (other scores 0, −0.5)",
            grad_label="gradient ∂ℓ/∂f_y",
            x_range=(-2.0, 2.5),
            args=lambda x: (
                np.stack([x, np.zeros_like(x), np.full_like(x, -0.5)], axis=-1),
                np.zeros(x.shape, dtype=np.int64),
            ),
            series=(
                Series("Crammer–Singer", {}, {}),
                Series("Crammer–Singer, p = 2", {}, {"p": 2}),
                Series("Weston–Watkins", {}, {"variant": "weston_watkins"}),
            ),
            component=lambda g, args: g[..., 0],
            y_limits=(0, 5),
        ),
        explore={"margin": (0.0, 3.0)},
    ),
    checks=Checks(
        variants=(
            {"p": 2},
            {"margin": 0.5, "class_weights": np.array([0.5, 2.0, 1.0, 3.0])},
            {"variant": "weston_watkins"},
            {"variant": "weston_watkins", "p": 2, "margin": 2.0},
            {"variant": "weston_watkins", "class_weights": np.array([0.5, 2.0, 1.0, 3.0]), "margin": 0.0},
        ),
        extremes=(
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1.0, 2.0, 2.0], [40.0, 0.0, 1.0]], [0, 0, 0, 2]]),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e-300, 0.0, -1e-300]], [0, 2, 1]], {"p": 2}),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e-300, 0.5, -3.0]], [0, 0, 1]],
                {"variant": "weston_watkins", "p": 2},
            ),
        ),
        invalid=(
            Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),
            Invalid({"variant": "ww"}, ValueError, "variant must be 'crammer_singer' or 'weston_watkins'"),
            Invalid({"p": 3}, ValueError, "p must be 1 or 2"),
            Invalid({"class_weights": [1.0, 2.0]}, ValueError, "class_weights must have shape (4,)"),
            Invalid({"class_weights": [0.0, 0.0, 0.0, 0.0]}, ValueError, "class_weights must not all be 0"),
        ),
        kink_distance=_multiclass_kinks,
        # ties for the largest wrong score (split evenly, as torch.amax) and slacks exactly at 0
        torch_extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1.0, 2.0, 2.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]],
                    [0, 0, 0, 0, 1],
                ]
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1.0, 2.0, 2.0], [2.0, 1.0, 0.0]], [0, 0, 0, 0]],
                {"p": 2, "margin": 0.5},
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]], [0, 0, 0, 1]],
                {"variant": "weston_watkins", "p": 2, "class_weights": [0.5, 2.0, 3.0]},
            ),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [2.0, 1.0, 0.0]], [0, 0, 0]],
                {"variant": "weston_watkins"},
            ),
        ),
    ),
)
def multiclass_hinge(scores, labels, *, margin=1.0, variant="crammer_singer", p=1, class_weights=None):
    """Multiclass hinge loss on class scores: Crammer–Singer or Weston–Watkins.

    Crammer–Singer charges only the strongest wrong class; Weston–Watkins charges every wrong
    class inside the margin and, as PyTorch, divides by C (the true class included).

    Subgradients: 0 where a hinge is exactly at its kink (slack = 0), and, for
    Crammer–Singer, the gradient split equally between wrong classes tied for the largest
    score. Both are the minimum-norm subgradient; the split keeps the gradient symmetric
    under relabelling of the tied classes.

    Args:
        scores: Class scores f, shape (..., C): the class axis is last.
        labels: Integer labels in [0, C), shape (...).
        margin: m >= 0; 1 in optax, scikit-learn and PyTorch.
        variant: ``"crammer_singer"`` (default; optax, scikit-learn) or
            ``"weston_watkins"`` (PyTorch ``MultiMarginLoss``).
        p: 1 (hinge) or 2 (squared hinge), the exponent of each hinge, as PyTorch's ``p``.
        class_weights: Optional weights w >= 0, shape (C,); each sample's loss is scaled by
            the weight of its label, w_y (PyTorch's ``weight``). ``"mean"`` still divides by N.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import multiclass_hinge
        >>> multiclass_hinge([[2.0, 1.5, -1.0]], [0])       # max(0, 1 + 1.5 - 2)
        0.5
        >>> multiclass_hinge([[2.0, 1.5, -1.0]], [0], variant="weston_watkins")   # (0.5 + 0) / 3
        0.16666666666666666
        >>> multiclass_hinge.grad([[0.0, 1.0, 1.0]], [0])   # tie between classes 1 and 2: split
        array([[-1. ,  0.5,  0.5]])
    """
    _check_class_axis(scores, "scores")
    non_negative(margin=margin)
    if variant not in _VARIANTS:
        raise ValueError(f"variant must be 'crammer_singer' or 'weston_watkins'; got {variant!r}")
    if isinstance(p, bool) or p not in (1, 2):
        raise ValueError(f"p must be 1 or 2 (as PyTorch's MultiMarginLoss); got {p!r}")
    num_classes = scores.shape[-1]
    w = _class_weights(class_weights, num_classes)
    _, labels = _check_labels(labels, scores, "labels", None)
    w_y = w[labels]
    onehot = np.arange(num_classes) == labels[..., None]
    f_y = np.take_along_axis(scores, labels[..., None], axis=-1)
    if variant == "weston_watkins":
        # (f_j - f_y) + m: the difference first, exact when f_j ≈ f_y (Sterbenz)
        slack = np.where(onehot, 0.0, np.maximum((scores - f_y) + margin, 0.0))
        scale = (w_y / num_classes)[..., None]
        value = (scale * slack**p).sum(axis=-1)

        def weston_watkins_grad():
            d = scale * (p * slack ** (p - 1) if p == 2 else (slack > 0))
            return np.where(onehot, 0.0 - d.sum(axis=-1, keepdims=True), d)  # 0.0 -: no -0.0

        return Result(value, weston_watkins_grad)
    wrong = np.where(onehot, -np.inf, scores)
    top = wrong.max(axis=-1, keepdims=True)  # -inf when C = 1: no competitor, loss 0
    slack = np.maximum((top - f_y) + margin, 0.0)[..., 0]

    def backward():
        g = w_y * (p * slack if p == 2 else (slack > 0))
        tied = wrong == top
        share = tied / np.maximum(tied.sum(axis=-1, keepdims=True), 1)
        return np.where(onehot, 0.0 - g[..., None], g[..., None] * share)

    return Result(w_y * slack**p, backward)


def _multilabel_kinks(scores, targets):
    scores, targets = np.asarray(scores, dtype=float), np.asarray(targets, dtype=float)
    slack = 1.0 - scores[..., :, None] + scores[..., None, :]  # [j, i]: target j against non-target i
    pairs = (targets[..., :, None] == 1) & (targets[..., None, :] == 0)
    distance = np.where(pairs, np.abs(slack), np.inf).min(axis=(-2, -1))
    return np.broadcast_to(distance[..., None], scores.shape)


@class_axis_loss(
    family="margin",
    formula=r"\ell(f, t) = \frac{1}{C} \sum_{j:\, t_j = 1}\ \sum_{i:\, t_i = 0} \max\big(0,\ 1 - (f_j - f_i)\big)",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial f_k} = \frac{1}{C}\Big(\sum_{j:\, t_j = 1} [t_k = 0]\,[s_{jk} > 0] - \sum_{i:\, t_i = 0} [t_k = 1]\,[s_{ki} > 0]\Big),\ \ s_{ji} = 1 - f_j + f_i",  # noqa: E501
    domain={"scores": LOGITS, "targets": MULTI_HOT},
    use_case=(
        "Multi-label classification as ranking: every target class should outscore every other class by 1."
    ),
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.MultiLabelMarginLoss() (targets as class indices padded with −1: see below)",
    },
    references=(
        "Crammer & Singer, A Family of Additive Online Algorithms for Category Ranking (JMLR 2003)",
        "Elisseeff & Weston, A Kernel Method for Multi-Labelled Classification (NIPS 2001)",
    ),
    differences=(
        Difference(
            "pytorch-multilabel-margin-target-encoding",
            "PyTorch",
            "`MultiLabelMarginLoss` takes the target classes as an (N, C) integer tensor of class "
            "indices, read up to the first −1 (anything after it is ignored), and counts a "
            "repeated index twice. `lossref` takes a 0/1 indicator matrix of the shape of the "
            "scores, in which a class is a target or not; see the page for the conversion.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="target-class score f₀ (other scores 0, −1)",
            grad_label="gradient ∂ℓ/∂f₀",
            x_range=(-2.0, 2.5),
            args=lambda x, t=(1.0, 0.0, 0.0): (
                np.stack([x, np.zeros_like(x), -np.ones_like(x)], axis=-1),
                np.broadcast_to(np.asarray(t), (*x.shape, 3)),
            ),
            series=(
                Series("targets {0}", {"t": (1.0, 0.0, 0.0)}, {}),
                Series("targets {0, 1}", {"t": (1.0, 1.0, 0.0)}, {}),
            ),
            component=lambda g, args: g[..., 0],
        ),
    ),
    checks=Checks(
        extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [2.0, 1.0, 0.0], [1e-300, 0.0, -1e-300]],
                    [[1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0]],
                ]
            ),
        ),
        kink_distance=_multilabel_kinks,
        torch_extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]],
                    [[1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]],
                ]
            ),
        ),
    ),
)
def multilabel_margin(scores, targets):
    """Multi-label margin loss: each target class should beat each non-target class by 1.

    The value is PyTorch's ``MultiLabelMarginLoss``, with the targets as a 0/1 indicator
    matrix instead of PyTorch's -1-padded class indices. A row with no target class, or
    with every class a target, has no pairs and costs 0. At a kink (f_j - f_i = 1) the
    gradient is 0, the library-wide convention for max(0, ·).

    Args:
        scores: Class scores f, shape (..., C): the class axis is last.
        targets: 0/1 (or boolean) indicators t, the same shape: t_c = 1 marks a target class.

    Returns:
        The mean loss by default (over rows); see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import multilabel_margin
        >>> # pairs (0, 1) and (0, 2): (max(0, 1 - 0.5) + max(0, 1 - 2)) / 3
        >>> multilabel_margin([[1.0, 0.5, -1.0]], [[1, 0, 0]])   # 0.5 / 3
        0.16666666666666666
        >>> multilabel_margin.grad([[1.0, 0.5, -1.0]], [[1, 0, 0]], reduction="sum").round(4)
        array([[-0.3333,  0.3333,  0.    ]])
    """
    _check_class_axis(scores, "scores")
    if targets.shape != scores.shape:
        raise ValueError(f"scores has shape {scores.shape} but targets has shape {targets.shape}")
    num_classes = scores.shape[-1]
    # slack[..., j, i] = 1 - (f_j - f_i) for target j and non-target i; (f_i - f_j) + 1 rounds once
    slack = (scores[..., None, :] - scores[..., :, None]) + 1.0
    pairs = (targets[..., :, None] == 1) & (targets[..., None, :] == 0)
    active = pairs & (slack > 0)
    value = np.where(active, slack, 0.0).sum(axis=(-2, -1)) / num_classes
    return Result(
        value, lambda: ((active.sum(axis=-2) - active.sum(axis=-1)) / num_classes).astype(np.float64)
    )


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = \log\big(1 + e^{-y f}\big) = \mathrm{softplus}(-y f), \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial f} = -y\,\sigma(-y f)",
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="Logistic regression written in the margin: binary cross-entropy with ±1 labels.",
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.SoftMarginLoss()",
        "Keras": "keras.losses.BinaryCrossentropy(from_logits=True) with labels (y + 1) / 2",
        "optax": "jnp.mean(optax.losses.sigmoid_binary_cross_entropy(f, (y + 1) / 2))",
        "scikit-learn": 'SGDClassifier(loss="log_loss"), LogisticRegression (labels any two classes)',
    },
    references=("Friedman, Hastie & Tibshirani, Additive Logistic Regression (2000)",),
    differences=(
        Difference(
            "pytorch-soft-margin-overflow",
            "PyTorch",
            "`SoftMarginLoss` evaluates log1p(exp(−y f)) as written: for y·f < −709.78 the exp "
            "overflows, the value is inf and the gradient NaN. `lossref` uses softplus and returns "
            "the finite value (≈ −y f) and gradient (≈ −y).",
        ),
    ),
    plot=Plot(curve=_margin_curve(x_range=(-4.0, 4.0))),
    checks=Checks(
        extremes=(
            Extreme([[1e4, -1e4, 40.0, -40.0, 0.0, 1e-300, 700.0], [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0]]),
        ),
        # PyTorch overflows for y f < -709.78 (a documented difference): -700 is as far as it goes
        torch_extremes=(
            Extreme([[1e4, -1e4, 40.0, -40.0, 0.0, 1e-300, -700.0], [1.0, -1.0, -1.0, -1.0, 1.0, -1.0, 1.0]]),
        ),
    ),
)
def soft_margin(scores, labels):
    """Soft-margin (logistic) loss on raw scores with ±1 labels.

    Equal to ``binary_cross_entropy_with_logits(scores, (labels + 1) / 2)``.

    Args:
        scores: Decision values (logits) f, any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import soft_margin
        >>> soft_margin([0.0], [1.0]) == math.log(2)             # log(1 + e^0)
        True
        >>> soft_margin.grad([0.0, 0.0], [1.0, -1.0], reduction="sum")   # -y σ(0)
        array([-0.5,  0.5])
    """
    margin = labels * scores
    # softplus(-m) = max(-m, 0) + log1p(e^{-|m|}): no overflow, and e^{-m} survives for large m
    return Result(softplus(-margin), lambda: -labels * sigmoid(-margin))


_EXP_LIMIT = 709.782712893384  # log of the largest float64: e^{-y f} overflows below y f = -this


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = e^{-y f}, \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial f} = -y\, e^{-y f}",
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="Boosting: AdaBoost is forward stagewise minimisation of the exponential loss.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "scikit-learn": 'GradientBoostingClassifier(loss="exponential") (labels y₀₁ = (y + 1) / 2)',
        "PyTorch": "no loss class: torch.exp(-y * f)",
    },
    references=(
        (
            "Freund & Schapire, A Decision-Theoretic Generalization of On-Line Learning and an Application "
            "to Boosting (1997)"
        ),
        "Friedman, Hastie & Tibshirani, Additive Logistic Regression (2000)",
    ),
    plot=Plot(curve=_margin_curve(x_range=(-2.0, 3.0))),
    checks=Checks(
        extremes=(Extreme([[705.0, -709.0, 1e4, -1e4, 0.0, 1e-300], [-1.0, -1.0, 1.0, -1.0, 1.0, -1.0]]),),
        torch_extremes=(
            Extreme([[709.0, -709.0, 1e4, -1e4, 0.0, 1e-300], [-1.0, -1.0, 1.0, -1.0, 1.0, -1.0]]),
        ),
    ),
)
def exponential(scores, labels):
    """Exponential loss on raw scores with ±1 labels (AdaBoost).

    Finite for y·f >= -709.78 (e^{709.78} is the largest float64). Below that the true
    value is not representable: the loss is +inf and its derivative -y·inf, as ``np.exp``
    gives, without a warning.

    Args:
        scores: Decision values f, any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import exponential
        >>> exponential([0.0, 0.0], [1.0, -1.0])    # (e^0 + e^0) / 2
        1.0
        >>> exponential.grad([0.0], [-1.0], reduction="sum")   # -y e^{-y f}
        array([1.])
    """
    with np.errstate(over="ignore"):
        value = np.exp(-labels * scores)
    return Result(value, lambda: -labels * value + 0.0)  # + 0.0: no -0.0 where e^{-y f} underflows


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = \begin{cases} \max(0,\ 1 - y f)^2 & y f \ge -1 \\ -4\, y f & y f < -1 \end{cases}, \quad y \in \{-1, +1\}",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial f} = \begin{cases} -2y\, \max(0,\ 1 - y f) & y f \ge -1 \\ -4y & y f < -1 \end{cases}",  # noqa: E501
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="Linear classifiers that need a smooth loss whose pull from a misclassified point is capped "
    "(|∂ℓ/∂f| ≤ 4; the squared hinge's grows) and rough probabilities (SGDClassifier).",
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={
        "scikit-learn": 'SGDClassifier(loss="modified_huber")',
        "PyTorch": "no loss class: the formula with torch.where",
    },
    references=(
        (
            "Zhang, Solving Large Scale Linear Prediction Problems Using Stochastic Gradient Descent "
            "Algorithms (ICML 2004)"
        ),
    ),
    plot=Plot(curve=_margin_curve(x_range=(-3.0, 2.5))),
    checks=Checks(
        extremes=(
            Extreme([[1e4, -1e4, 1e8, -1e8, -1.0, 1.0, 1e-300], [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0]]),
        ),
        # C¹, but the second derivative jumps at y f = 1 and y f = -1
        kink_distance=lambda scores, labels: np.minimum(
            np.abs(1.0 - labels * scores), np.abs(1.0 + labels * scores)
        ),
        torch_extremes=(
            Extreme(
                [[1e4, -1e4, 1e8, -1e8, -1.0, 1.0, 0.5, 1e-300], [1.0, 1.0, -1.0, -1.0, 1.0, -1.0, -1.0, 1.0]]
            ),
        ),
    ),
)
def modified_huber(scores, labels):
    """Modified Huber loss on raw scores with ±1 labels (scikit-learn's SGDClassifier).

    The squared hinge up to y·f = -1, then the tangent line -4·y·f: the value (4) and the
    slope (-4 in y·f) agree at the joint, so the loss is continuously differentiable.

    Args:
        scores: Decision values f, any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import modified_huber
        >>> modified_huber([0.5, -3.0], [1.0, 1.0], reduction="none")   # (1 - 0.5)², -4·(-3)
        array([ 0.25, 12.  ])
        >>> modified_huber.grad([0.5, -3.0], [1.0, 1.0], reduction="sum")
        array([-1., -4.])
    """
    margin = labels * scores
    slack = np.maximum(1.0 - margin, 0.0)
    linear = margin < -1.0
    value = np.where(linear, -4.0 * margin, slack * slack)
    return Result(value, lambda: -labels * np.where(linear, 4.0, 2.0 * slack) + 0.0)  # + 0.0: no -0.0


@elementwise_loss(
    family="margin",
    formula=r"\ell(x, y) = \begin{cases} x & y = +1 \\ \max(0,\ m - x) & y = -1 \end{cases}",
    gradient=r"\frac{\partial \ell}{\partial x} = \begin{cases} 1 & y = +1 \\ -[x < m] & y = -1 \end{cases}",
    domain={"inputs": REAL, "labels": SIGN_LABEL},
    use_case="Learning a distance (or dissimilarity) x between two inputs from ±1 labels: small for "
    "similar pairs (y = +1), at least m for dissimilar ones (y = −1).",
    properties=("convex", "bounded_gradient"),
    equivalents={"PyTorch": "torch.nn.HingeEmbeddingLoss(margin=m)"},
    differences=(
        Difference(
            "pytorch-hinge-embedding-other-labels",
            "PyTorch",
            "`HingeEmbeddingLoss` applies the y = +1 term wherever y ≠ −1 and the y = −1 term wherever "
            "y ≠ +1, so a label of 0 silently costs x + max(0, m − x). `lossref` raises for any label "
            "other than ±1; convert {0, 1} labels with 2y − 1.",
        ),
    ),
    references=(
        "Hadsell, Chopra & LeCun, Dimensionality Reduction by Learning an Invariant Mapping (CVPR 2006)",
        "PyTorch documentation, torch.nn.HingeEmbeddingLoss",
    ),
    plot=Plot(
        curve=Curve(
            x_label="input x (a distance)",
            x_range=(-0.5, 3.0),
            args=lambda x, y=1.0: (x, np.full_like(x, y)),
            series=(
                Series("y = +1", {"y": 1.0}, {}),
                Series("y = −1, m = 1", {"y": -1.0}, {}),
                Series("y = −1, m = 2", {"y": -1.0}, {"margin": 2.0}),
            ),
        ),
        explore={"margin": (0.0, 3.0)},
    ),
    checks=Checks(
        variants=({"margin": 2.0}, {"margin": -0.5}),
        extremes=(Extreme(([1e4, -1e4, 1e-300, 1e8, -1e8, 0.5], [1.0, -1.0, -1.0, -1.0, 1.0, -1.0])),),
        invalid=(
            Invalid({"margin": np.inf}, ValueError, "margin must be finite"),
            Invalid({"margin": "1"}, TypeError, "margin must be a real number"),
        ),
        kink_distance=lambda inputs, labels, margin=1.0: np.where(
            np.asarray(labels) < 0, np.abs(margin - np.asarray(inputs)), np.inf
        ),
        # no input at the kink x = m, y = -1: there PyTorch's clamp_min passes the gradient -1, lossref 0
        torch_extremes=(
            Extreme([[1e4, -1e4, 1e-300, 1e8, -1e8, 0.5], [1.0, -1.0, -1.0, -1.0, 1.0, -1.0]]),
            Extreme([[3.0, 0.0, -2.0, 1.5], [-1.0, -1.0, -1.0, 1.0]], {"margin": -0.5}),
        ),
    ),
)
def hinge_embedding(inputs, labels, *, margin=1.0):
    """Hinge embedding loss: x itself for a similar pair, max(0, m - x) for a dissimilar one.

    The input x is usually a distance between two embeddings (for example an L1 or L2
    distance), which the similar pairs push down and the dissimilar pairs push up to m.
    At the kink (x = m, y = -1) the gradient is 0, the library-wide convention for max(0, ·).

    Args:
        inputs: The values x (typically distances, >= 0, though any real is accepted), any shape.
        labels: Labels in {-1, +1}, the same shape: +1 similar, -1 dissimilar.
        margin: m, the distance beyond which a dissimilar pair costs nothing; any finite
            real, 1 by default (PyTorch's default).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import hinge_embedding
        >>> hinge_embedding([0.5, 0.25, 2.0], [1.0, -1.0, -1.0])   # (0.5 + 0.75 + 0) / 3
        0.4166666666666667
        >>> hinge_embedding.grad([0.5, 0.25, 2.0], [1.0, -1.0, -1.0], reduction="sum")
        array([ 1., -1.,  0.])
    """
    margin = real_scalar(margin, "margin")
    similar = labels > 0
    slack = margin - inputs
    value = np.where(similar, inputs, np.maximum(slack, 0.0))
    return Result(value, lambda: np.where(similar, 1.0, np.where(slack > 0, -1.0, 0.0)))


@class_axis_loss(
    family="margin",
    aliases=("multi-label logistic loss", "one-versus-all loss"),
    formula=r"\ell(z, t) = \frac{1}{C} \sum_{c=1}^{C} w_c \big[\mathrm{softplus}(-z_c)\, t_c + \mathrm{softplus}(z_c)\,(1 - t_c)\big], \quad t_c \in \{0, 1\}",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial z_c} = \frac{w_c}{C}\,\big(\sigma(z_c) - t_c\big)",
    domain={"logits": LOGITS, "targets": MULTI_HOT},
    use_case="Multi-label classification: one independent logistic loss per class, averaged over the "
    "classes.",
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={"PyTorch": "torch.nn.MultiLabelSoftMarginLoss(weight=w)"},
    references=("PyTorch documentation, torch.nn.MultiLabelSoftMarginLoss",),
    reduction_note='`"mean"` divides by the number of samples N (by Σw with `weights=`); each sample\'s '
    "loss is already a mean over its C classes, and `class_weights` scale the class terms without "
    "entering either denominator, as PyTorch's `weight`.",
    plot=Plot(
        curve=Curve(
            x_label="logit z₀ (other logits 0; targets t)",
            grad_label="gradient ∂ℓ/∂z₀",
            x_range=(-6.0, 6.0),
            args=lambda x, t=(1.0, 0.0, 0.0): (
                np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=-1),
                np.broadcast_to(np.asarray(t), (*x.shape, 3)),
            ),
            series=(
                Series("t = (1, 0, 0)", {"t": (1.0, 0.0, 0.0)}, {}),
                Series("t = (0, 1, 0)", {"t": (0.0, 1.0, 0.0)}, {}),
            ),
            component=lambda g, args: g[..., 0],
        ),
    ),
    checks=Checks(
        variants=({"class_weights": np.array([0.5, 2.0, 1.0, 3.0])},),
        extremes=(
            Extreme(
                (
                    [[1e4, -1e4, 0.0], [-1e4, 1e4, 40.0], [-745.0, 800.0, 1e-300], [0.0, 0.0, 0.0]],
                    [[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]],
                )
            ),
        ),
        invalid=(
            Invalid({"class_weights": [1.0, 2.0]}, ValueError, "class_weights must have shape (4,)"),
            Invalid({"class_weights": [1.0, -1.0, 1.0, 1.0]}, ValueError, "class_weights must be >= 0"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.0], [-1e4, 1e4, 40.0], [-745.0, 700.0, 1e-300]],
                    [[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0]],
                ]
            ),
            Extreme(
                [[[1e4, -1e4, 2.0], [-30.0, 30.0, 0.5]], [[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]],
                {"class_weights": [0.5, 0.0, 3.0]},
            ),
        ),
    ),
)
def multilabel_soft_margin(logits, targets, *, class_weights=None):
    """Multi-label soft margin loss: the logistic loss of each class, averaged over the classes.

    Per sample, the mean over its C classes of binary cross-entropy with logits, so the
    value does not grow with the number of classes (PyTorch's ``MultiLabelSoftMarginLoss``).

    Args:
        logits: Class logits z, shape (..., C): the class axis is last.
        targets: 0/1 (or boolean) indicators t, the same shape: t_c = 1 marks a target class.
        class_weights: Optional weights w >= 0, shape (C,), one per class, as PyTorch's
            ``weight``; each sample's mean still divides by C.

    Returns:
        The mean loss by default (over samples); see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import multilabel_soft_margin
        >>> # (softplus(0) + softplus(0)) / 2 = log 2
        >>> multilabel_soft_margin([[0.0, 0.0]], [[1, 0]]) == math.log(2)
        True
        >>> multilabel_soft_margin.grad([[0.0, 0.0]], [[1, 0]])   # (σ(0) - t) / C
        array([[-0.25,  0.25]])
    """
    _check_class_axis(logits, "logits")
    if targets.shape != logits.shape:
        raise ValueError(f"logits has shape {logits.shape} but targets has shape {targets.shape}")
    num_classes = logits.shape[-1]
    w = _class_weights(class_weights, num_classes) / num_classes
    # -log σ(z) for a target class, -log σ(-z) otherwise: softplus(∓z), stable for any |z|
    value = (w * softplus(np.where(targets == 1, -logits, logits))).sum(axis=-1)
    # σ(z) - 1 = -σ(-z): the second form keeps the e^{-z} that 1 - σ(z) rounds away for z > 37
    return Result(value, lambda: w * np.where(targets == 1, -sigmoid(-logits), sigmoid(logits)))


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = \max(0,\ -y f), \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial f} = \begin{cases} -y & y f < 0 \\ 0 & y f \ge 0 \end{cases}",
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="The perceptron algorithm: update on misclassified examples only, no margin.",
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "scikit-learn": 'SGDClassifier(loss="perceptron") and Perceptron() (Hinge(threshold=0.0))',
    },
    references=("Rosenblatt, The Perceptron (Psychological Review, 1958)",),
    differences=(
        Difference(
            "sklearn-perceptron-gradient-at-zero",
            "scikit-learn",
            "At a score of exactly 0 scikit-learn's Hinge(0.0) (its `perceptron` loss) takes the "
            "gradient −y, so a tie triggers an update. `lossref` returns 0 there, the library-wide "
            "convention for max(0, ·). The values agree everywhere.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="score f (label y = +1)",
            x_range=(-3.0, 3.0),
            args=lambda x: (x, np.ones_like(x)),
            series=(Series("", {}, {}),),
        ),
    ),
    checks=Checks(
        extremes=(Extreme([[1e4, -1e4, 1e-300, -1e300], [1.0, 1.0, -1.0, 1.0]]),),
        kink_distance=lambda scores, labels: np.abs(np.asarray(scores)),
    ),
)
def perceptron(scores, labels):
    """Perceptron criterion on raw scores with ±1 labels: max(0, −y·f).

    The hinge loss with margin 0: a correctly signed score costs nothing, a wrong one costs
    |f|. At f = 0 the gradient is 0, the library-wide convention for max(0, ·); scikit-learn
    takes −y there.

    Args:
        scores: Decision values f (not probabilities), any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import perceptron
        >>> perceptron([2.0, -0.5, 3.0], [1.0, 1.0, -1.0])   # (0 + 0.5 + 3) / 3
        1.1666666666666667
        >>> perceptron.grad([2.0, -0.5, 3.0], [1.0, 1.0, -1.0], reduction="sum")
        array([ 0., -1.,  1.])
    """
    margin = labels * scores
    return Result(np.maximum(-margin, 0.0), lambda: np.where(margin < 0, -labels, 0.0))
