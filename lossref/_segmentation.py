"""Segmentation losses: overlap between a mask of predicted probabilities and a target mask."""

import numpy as np

from ._checks import as_float_array, as_label_array, in_interval, non_negative, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain, unit_interval_step
from ._labels import _check_labels

__all__ = [
    "dice",
    "focal_tversky",
    "generalized_dice",
    "hausdorff_dt",
    "jaccard",
    "lovasz_hinge",
    "lovasz_softmax",
    "mcc",
    "tversky",
]  # its losses, re-exported by lossref/__init__.py

_NOT_PROBABILITIES = (
    (1.5, ValueError, "must be probabilities in [0, 1]"),
    (-0.25, ValueError, "must be probabilities in [0, 1]"),
)


def _mask(value, name):
    arr = as_float_array(value, name, check_finite=False)  # in_interval refuses NaN and inf
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a pixel axis (its last axis: each sample's pixels, flattened)")
    in_interval(arr, name, 0.0, 1.0, "probabilities")
    return arr


def _sample_targets(rng, shape):
    # mostly hard 0/1 pixels, a quarter of them soft
    hard = rng.integers(0, 2, size=shape).astype(float)
    return np.where(rng.random(shape) < 0.25, rng.uniform(size=shape), hard)


MASK_PROBABILITIES = Domain(
    "[0, 1], shape (..., P): each sample's P pixels flattened on the last axis (after a sigmoid or softmax)",
    _mask,
    lambda rng, shape: rng.uniform(0.02, 0.98, size=shape),
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    # empty and full masks, probabilities within 1e-15 (and 1e-300) of 0 and 1
    stress=(
        (0.0, 0.0, 0.0),
        (1.0, 1.0, 1.0),
        (1e-300, 1e-15, 0.5),
        (1 - 1e-15, 1e-6, 0.9),
        (0.1, 0.5, 1 - 1e-6),
        (1.0, 0.0, 0.25),
    ),
    fd_step=unit_interval_step,
)
MASK_TARGETS = Domain(
    "[0, 1] (hard 0/1 or soft), the shape of probs",
    _mask,
    _sample_targets,
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    stress=((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (1.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 0.3)),
)
_DOMAIN = {"probs": MASK_PROBABILITIES, "targets": MASK_TARGETS}


def _tversky_parts(probs, targets, alpha, beta, smooth):
    """Per-sample 1 − T = (αFP + βFN) / D and its (deferred) gradient, D = TP + αFP + βFN + s.

    1 − T is computed as the ratio of its own non-negative numerator, never as 1 minus a
    ratio, so a near-perfect overlap keeps its relative accuracy; the gradient's numerator
    α(1 − tᵢ)(TP + s) − tᵢ(β(Σt + s) + αFP) is the quotient rule with TP + FN = Σt
    substituted, a difference of two non-negative terms.
    """
    if targets.shape != probs.shape:
        raise ValueError(f"probs has shape {probs.shape} but targets has shape {targets.shape}")
    tp = np.sum(probs * targets, axis=-1)
    fp = np.sum(probs * (1.0 - targets), axis=-1)
    fn = np.sum((1.0 - probs) * targets, axis=-1)
    mismatch = alpha * fp + beta * fn
    d = tp + mismatch + smooth
    if (d == 0).any():
        raise ValueError(
            "the overlap ratio is 0/0 for a sample with an empty prediction and an empty target "
            "(or only the kind of error a zero alpha or beta ignores): use smooth > 0"
        )
    loss = mismatch / d

    def backward():
        hit = (tp + smooth)[..., None]
        miss = (beta * (np.sum(targets, axis=-1) + smooth) + alpha * fp)[..., None]
        return (alpha * (1.0 - targets) * hit - targets * miss) / (d * d)[..., None]

    return Result(loss, backward)


_CURVE_ARGS = dict(
    x_label="p₀ in p = (p₀, .8, .2, .1), t = (t₀, 1, 0, 0)",
    grad_label="gradient ∂ℓ/∂p₀",
    x_range=(0.0, 1.0),
    args=lambda x, t0=1.0: (
        np.stack([x, np.full_like(x, 0.8), np.full_like(x, 0.2), np.full_like(x, 0.1)], axis=-1),
        np.broadcast_to(np.array([t0, 1.0, 0.0, 0.0]), (*x.shape, 4)),
    ),
    component=lambda g, args: g[..., 0],
)
_EXTREMES = (
    # empty target with an empty prediction, full masks, probabilities within 1e-12 of 0 and 1,
    # a single foreground pixel among 1000, soft targets
    (
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1e-12, 1 - 1e-12, 0.5], [1e-300, 0.3, 1.0], [0.2, 0.7, 0.4]],
        [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
    ),
    ([[0.9] + [1e-3] * 999], [[1.0] + [0.0] * 999]),
)


@class_axis_loss(
    family="segmentation",
    formula=(r"\ell = 1 - \frac{2\sum_i p_i t_i + s}{\sum_i p_i + \sum_i t_i + s}",),
    gradient=(
        r"\frac{\partial \ell}{\partial p_i} = \frac{(2I + s) - 2 t_i\,(U + s)}{(U + s)^2}",
        r"I = \sum_j p_j t_j,\ \ U = \sum_j p_j + \sum_j t_j",
    ),
    domain=_DOMAIN,
    use_case=(
        "Segmentation with a small foreground: a loss on the overlap of the whole mask, not on each pixel."
    ),
    properties=("non_negative", "symmetric", "smooth"),
    equivalents={
        "Keras": (
            "keras.losses.Dice(axis=...) — ε = 1e-7 in the denominator only; axis=None: one Dice for the "
            "whole batch"
        ),
        "optax": (
            "optax.losses.dice_loss(logits[..., None], targets[..., None]) — takes logits (a sigmoid on "
            "one channel, a softmax on several); its smooth=1 is s = 2 here"
        ),
        "PyTorch": "no core function",
        "Kornia": (
            "kornia.losses.dice_loss(logits, labels, eps=0.0) at smooth = 0 (Kornia 0.9.0; logits "
            "(N, C, H, W) and the softmax inside; one Dice per image over its classes and pixels; its "
            "default eps=1e-8, see below)"
        ),
    },
    references=(
        (
            "Milletari, Navab & Ahmadi, V-Net: Fully Convolutional Neural Networks for Volumetric Medical "
            "Image Segmentation (3DV 2016)"
        ),
        (
            "Sudre et al., Generalised Dice Overlap as a Deep Learning Loss Function for Highly Unbalanced "
            "Segmentations (DLMIA 2017)"
        ),
    ),
    differences=(
        Difference(
            "keras-dice-epsilon-whole-batch",
            "Keras",
            "`keras.losses.Dice` has no smoothing in the numerator and adds only ε = 1e-7 to the "
            "denominator, so an empty prediction on an empty target costs 1, not 0; with the default "
            "`axis=None` it computes one Dice for the whole batch. `lossref` computes one Dice per "
            "sample with s in both places: Keras' value is `dice(p.reshape(1, -1), t.reshape(1, -1), "
            "smooth=0)` up to ε.",
        ),
        Difference(
            "kornia-dice-eps",
            "Kornia",
            "`kornia.losses.dice_loss` (0.9.0, `kornia/losses/dice.py`) adds `eps=1e-8` to the denominator "
            "only, 1 − 2I/(|P| + |T| + ε); `lossref`'s `smooth` is added to the numerator too. At the "
            "default the two differ in about the ninth digit; `eps=0.0` is `smooth=0.0` exactly.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            **_CURVE_ARGS,
            series=(
                Series("foreground pixel (t₀ = 1), s = 1", {"t0": 1.0}, {}),
                Series("foreground pixel (t₀ = 1), s = 0", {"t0": 1.0}, {"smooth": 0.0}),
                Series("background pixel (t₀ = 0), s = 1", {"t0": 0.0}, {}),
            ),
        ),
        explore={"smooth": (0.0, 5.0)},
    ),
    checks=Checks(
        variants=({"smooth": 0.0}, {"smooth": 1e-7}),
        extremes=tuple(Extreme(args, hyper) for args in _EXTREMES for hyper in ({}, {"smooth": 1e-7})),
        invalid=(Invalid({"smooth": -1.0}, ValueError, "smooth must be >= 0"),),
        # empty and full masks, probabilities within 1e-12 of 0 and 1, soft targets; focal γ < 1 without
        # a perfect overlap (there autograd's γ·0^(γ−1)·0 is NaN, lossref returns 0)
        torch_extremes=(
            Extreme(
                [
                    [
                        [0.0, 0.0, 0.0],
                        [1.0, 1.0, 1.0],
                        [1e-12, 1 - 1e-12, 0.5],
                        [1e-300, 0.3, 1.0],
                        [0.2, 0.7, 0.4],
                    ],
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
                ]
            ),
            Extreme(
                [[[1e-12, 1 - 1e-12, 0.5], [0.2, 0.7, 0.4]], [[0.0, 1.0, 1.0], [0.3, 1.0, 0.5]]],
                {"smooth": 0.0},
            ),
        ),
    ),
)
def dice(probs, targets, *, smooth=1.0):
    """Soft Dice loss per sample: one minus the overlap 2|P∩T| / (|P| + |T|), with smoothing.

    Each row of the last axis is one sample's mask, flattened: reshape images of shape
    (N, H, W) to (N, H·W) (and per-class masks (N, C, H, W) to (N, C, H·W), which gives one
    Dice per sample and class; average them for the usual multiclass Dice). The inputs are
    probabilities — apply the sigmoid (or softmax over classes) first — and the targets may
    be soft. ``smooth`` is added to both numerator and denominator; Keras adds only
    ε = 1e-7 to the denominator, optax's ``smooth`` is half of this one, and some code adds
    it to the denominator only.

    Args:
        probs: Predicted probabilities p, shape (..., P): pixels on the last axis.
        targets: Target mask t in [0, 1], the same shape.
        smooth: s ≥ 0; with s = 0 an empty prediction on an empty target raises (0/0).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import dice
        >>> dice([[1.0, 0.5, 0.0]], [[1.0, 1.0, 0.0]], smooth=0.0)   # 1 - 2·1.5 / (1.5 + 2)
        0.14285714285714285
        >>> dice([[0.0, 0.0]], [[0.0, 0.0]])                          # 1 - (0 + 1) / (0 + 1)
        0.0
    """
    non_negative(smooth=smooth)
    return _tversky_parts(probs, targets, 0.5, 0.5, 0.5 * smooth)


@class_axis_loss(
    family="segmentation",
    formula=(
        r"\ell = 1 - \frac{I + s}{U - I + s}, \quad I = \sum_i p_i t_i,\ \ U = \sum_i p_i + \sum_i t_i",
    ),
    gradient=r"\frac{\partial \ell}{\partial p_i} = -\frac{t_i\,(U - I + s) - (I + s)(1 - t_i)}{(U - I + s)^2}",  # noqa: E501
    domain=_DOMAIN,
    use_case="Segmentation scored by intersection over union: the soft IoU of the whole mask as a loss.",
    properties=("non_negative", "symmetric", "smooth"),
    equivalents={
        "Keras": "no loss (keras.metrics.IoU is the hard metric)",
        "scikit-learn": (
            'no loss; the hard metric jaccard_score(t, p, average="samples") is 1 − ℓ on 0/1 masks at s = 0'
        ),
        "PyTorch": "no core function",
    },
    references=(
        (
            "Rahman & Wang, Optimizing Intersection-over-Union in Deep Neural Networks for Image "
            "Segmentation (ISVC 2016)"
        ),
        "Jaccard, The Distribution of the Flora in the Alpine Zone (New Phytologist 1912)",
    ),
    aliases=("IoU loss",),  # names readers search for
    plot=Plot(
        curve=Curve(
            **_CURVE_ARGS,
            series=(
                Series("foreground pixel (t₀ = 1)", {"t0": 1.0}, {}),
                Series("background pixel (t₀ = 0)", {"t0": 0.0}, {}),
            ),
        ),
        explore={"smooth": (0.0, 5.0)},
    ),
    checks=Checks(
        variants=({"smooth": 0.0},),
        extremes=tuple(Extreme(args, hyper) for args in _EXTREMES for hyper in ({}, {"smooth": 1e-7})),
        invalid=(Invalid({"smooth": -0.5}, ValueError, "smooth must be >= 0"),),
        torch_extremes=(
            Extreme(
                [
                    [
                        [0.0, 0.0, 0.0],
                        [1.0, 1.0, 1.0],
                        [1e-12, 1 - 1e-12, 0.5],
                        [1e-300, 0.3, 1.0],
                        [0.2, 0.7, 0.4],
                    ],
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
                ]
            ),
        ),
    ),
)
def jaccard(probs, targets, *, smooth=1.0):
    """Soft Jaccard (IoU) loss per sample: one minus |P∩T| / |P∪T|, with smoothing.

    The soft union is Σp + Σt − Σpt = Σ(p + t(1 − p)), summed that way so that nothing
    cancels. Layout, inputs and ``smooth`` as for :func:`dice`: probabilities (after a
    sigmoid or softmax), each sample's pixels flattened on the last axis.

    Args:
        probs: Predicted probabilities p, shape (..., P): pixels on the last axis.
        targets: Target mask t in [0, 1], the same shape.
        smooth: s ≥ 0, added to numerator and denominator; with s = 0 an empty prediction
            on an empty target raises (0/0).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import jaccard
        >>> jaccard([[1.0, 0.5, 0.0]], [[1.0, 1.0, 0.0]], smooth=0.0)   # 1 - 1.5 / (1.5 + 2 - 1.5)
        0.25
    """
    non_negative(smooth=smooth)
    return _tversky_parts(probs, targets, 1.0, 1.0, smooth)


@class_axis_loss(
    family="segmentation",
    formula=(
        r"\ell = 1 - \frac{TP + s}{TP + \alpha\,FP + \beta\,FN + s}",
        r"TP = \sum_i p_i t_i,\ \ FP = \sum_i p_i (1 - t_i),\ \ FN = \sum_i (1 - p_i)\, t_i",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial p_i} = \frac{\alpha (1 - t_i)(TP + s) - t_i\big(\beta\,(\sum_j t_j + s) + \alpha\,FP\big)}{D^2}",  # noqa: E501
        r"D = TP + \alpha\,FP + \beta\,FN + s",
    ),
    domain=_DOMAIN,
    use_case=(
        "Segmentation where a missed pixel and a false alarm cost differently: Dice with separate weights "
        "on FP and FN."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "Keras": (
            "keras.losses.Tversky(alpha=β, beta=α) in Keras ≤ 3.15.1 — its alpha multiplies the false "
            "negatives (see below)"
        ),
        "optax": (
            "optax.losses.dice_loss(logits[..., None], targets[..., None], alpha=α, beta=β) — takes logits; "
            "smooth=1.0"
        ),
        "PyTorch": "no core function",
        "Kornia": (
            "kornia.losses.tversky_loss(logits, labels, alpha=α, beta=β) (Kornia 0.9.0; a softmax over C "
            "classes and one index per class: a different reduction, see below)"
        ),
    },
    references=(
        (
            "Salehi, Erdogmus & Gholipour, Tversky Loss Function for Image Segmentation Using 3D Fully "
            "Convolutional Deep Networks (MLMI 2017)"
        ),
        "Tversky, Features of Similarity (Psychological Review 1977)",
    ),
    differences=(
        Difference(
            "keras-tversky-alpha-on-false-negatives",
            "Keras",
            "Keras' `Tversky` (3.15.1 and earlier) documents alpha as the weight of false positives, "
            "but its code multiplies "
            "alpha by Σ(1 − y_pred)·y_true — the false negatives — and beta by the false positives. It "
            "also adds only ε = 1e-7 to the denominator and, with the default `axis=None`, computes one "
            "index for the whole batch. Keras `Tversky(alpha=a, beta=b)` is `lossref` "
            "`tversky(alpha=b, beta=a, smooth=0)` on the flattened batch, up to ε. The swap is fixed "
            "upstream after 3.15.1 (keras-team/keras pull request 23333): check the version you run.",
        ),
        Difference(
            "kornia-tversky-per-class",
            "Kornia",
            "`kornia.losses.tversky_loss` (0.9.0, `kornia/losses/tversky.py`) takes logits (N, C, H, W), "
            "applies a softmax over C, computes one Tversky index per image and class, and averages it over "
            "the classes present in that image before the batch mean (its α also weighs the false "
            "positives). `lossref` computes one index per image over every entry of `probs`, classes pooled.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            **_CURVE_ARGS,
            series=(
                Series("background pixel, α = β = 0.5 (Dice)", {"t0": 0.0}, {}),
                Series("background pixel, α = 0.3, β = 0.7", {"t0": 0.0}, {"alpha": 0.3, "beta": 0.7}),
                Series("background pixel, α = 0.7, β = 0.3", {"t0": 0.0}, {"alpha": 0.7, "beta": 0.3}),
            ),
        ),
        explore={"alpha": (0.1, 0.9), "beta": (0.1, 0.9)},
    ),
    checks=Checks(
        variants=(
            {"alpha": 0.3, "beta": 0.7},
            {"alpha": 1.0, "beta": 1.0, "smooth": 0.0},
            {"alpha": 0.0, "beta": 2.0},
        ),
        extremes=tuple(
            Extreme(args, hyper)
            for args in _EXTREMES
            for hyper in ({}, {"alpha": 0.3, "beta": 0.7, "smooth": 1e-7})
        ),
        invalid=(
            Invalid({"alpha": -0.1}, ValueError, "alpha must be >= 0"),
            Invalid({"beta": -1.0}, ValueError, "beta must be >= 0"),
            Invalid({"smooth": -1.0}, ValueError, "smooth must be >= 0"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [
                        [0.0, 0.0, 0.0],
                        [1.0, 1.0, 1.0],
                        [1e-12, 1 - 1e-12, 0.5],
                        [1e-300, 0.3, 1.0],
                        [0.2, 0.7, 0.4],
                    ],
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
                ],
                {"alpha": 0.3, "beta": 0.7, "smooth": 1e-7},
            ),
        ),
    ),
)
def tversky(probs, targets, *, alpha=0.5, beta=0.5, smooth=1.0):
    """Tversky loss per sample: Dice with weight α on false positives and β on false negatives.

    α multiplies the false positives FP = Σp(1 − t) and β the false negatives
    FN = Σ(1 − p)t, as in Salehi et al.; some papers swap the letters, and so does Keras'
    ``Tversky`` code (its alpha multiplies the false negatives, despite its docstring).
    α = β = ½ is :func:`dice` with half its smoothing (dice with s is tversky with s/2);
    α = β = 1 is :func:`jaccard`. Layout and inputs as for :func:`dice`.

    Args:
        probs: Predicted probabilities p, shape (..., P): pixels on the last axis.
        targets: Target mask t in [0, 1], the same shape.
        alpha: α ≥ 0, the weight of false positives.
        beta: β ≥ 0, the weight of false negatives (Salehi et al.: α = 0.3, β = 0.7 for recall).
        smooth: s ≥ 0, added to numerator and denominator.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import tversky
        >>> # TP = 1.5, FP = 0.5, FN = 0.5: 1 - 1.5 / (1.5 + 0.3·0.5 + 0.7·0.5)
        >>> tversky([[1.0, 0.5, 0.5]], [[1.0, 1.0, 0.0]], alpha=0.3, beta=0.7, smooth=0.0)   # 0.5 / 2
        0.25
    """
    non_negative(alpha=alpha, beta=beta, smooth=smooth)
    return _tversky_parts(probs, targets, alpha, beta, smooth)


def _perfect_overlap(probs, targets, *, alpha=0.3, beta=0.7, gamma=0.75, smooth=1.0):
    # for γ < 1 the derivative is infinite where 1 − T = 0; 1 − T measures the distance to it
    probs, targets = np.asarray(probs, dtype=float), np.asarray(targets, dtype=float)
    if gamma >= 1:
        return np.full(probs.shape, np.inf)
    loss = _tversky_parts(probs, targets, alpha, beta, smooth).values
    return np.broadcast_to(loss[..., None], probs.shape)


@class_axis_loss(
    family="segmentation",
    formula=(r"\ell = (1 - T)^{\gamma}, \quad T = \frac{TP + s}{TP + \alpha\,FP + \beta\,FN + s}",),
    gradient=r"\frac{\partial \ell}{\partial p_i} = -\gamma\,(1 - T)^{\gamma - 1}\,\frac{\partial T}{\partial p_i}",  # noqa: E501
    domain=_DOMAIN,
    use_case=(
        "Segmentation of small lesions: the Tversky loss raised to γ < 1, which keeps pushing on "
        "nearly-right masks."
    ),
    properties=("non_negative",),
    equivalents={
        "Keras": (
            "no loss (keras.losses.Tversky raised to γ: mind its swapped alpha and beta, see the Tversky "
            "page)"
        ),
        "optax": "no loss (optax.losses.dice_loss with alpha and beta, raised to γ)",
        "PyTorch": "no core function",
    },
    references=(
        (
            "Abraham & Khan, A Novel Focal Tversky Loss Function with Improved Attention U-Net for Lesion "
            "Segmentation (ISBI 2019)"
        ),
    ),
    plot=Plot(
        curve=Curve(
            **_CURVE_ARGS,
            series=(
                Series("foreground pixel, γ = 0.75", {"t0": 1.0}, {}),
                Series("foreground pixel, γ = 1 (Tversky)", {"t0": 1.0}, {"gamma": 1.0}),
                Series("foreground pixel, γ = 2", {"t0": 1.0}, {"gamma": 2.0}),
            ),
        ),
        explore={"gamma": (0.5, 3.0), "alpha": (0.1, 0.9)},
    ),
    checks=Checks(
        variants=(
            {"gamma": 1.0},
            {"gamma": 2.0, "alpha": 0.7, "beta": 0.3, "smooth": 0.0},
            {"gamma": 0.5, "smooth": 1e-7},
        ),
        extremes=tuple(
            Extreme(args, hyper) for args in _EXTREMES for hyper in ({}, {"gamma": 2.0, "smooth": 1e-7})
        ),
        invalid=(
            Invalid({"alpha": -0.1}, ValueError, "alpha must be >= 0"),
            Invalid({"beta": -1.0}, ValueError, "beta must be >= 0"),
            Invalid({"gamma": 0.0}, ValueError, "gamma must be > 0"),
            Invalid({"smooth": -1.0}, ValueError, "smooth must be >= 0"),
        ),
        kink_distance=_perfect_overlap,
        torch_extremes=(
            Extreme(
                [
                    [[1e-12, 1 - 1e-12, 0.5], [1e-300, 0.3, 1.0], [0.2, 0.7, 0.4]],
                    [[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
                ]
            ),
            Extreme(
                [
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.2, 0.7, 0.4]],
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.3, 1.0, 0.5]],
                ],
                {"gamma": 2.0, "smooth": 1e-7},
            ),
        ),
    ),
)
def focal_tversky(probs, targets, *, alpha=0.3, beta=0.7, gamma=0.75, smooth=1.0):
    """Focal Tversky loss per sample: the Tversky loss 1 − T raised to the power γ.

    γ is the exponent itself, as in Abraham & Khan's code and most libraries (their paper
    writes 1/γ with γ = 4/3, the same 0.75). γ = 1 is :func:`tversky`. For γ < 1 the
    derivative is infinite at a perfect overlap (T = 1, which needs hard targets and
    p = t); there ``lossref`` returns 0, the loss being at its minimum — the library's
    convention at the kink of max(0, ·).

    Args:
        probs: Predicted probabilities p, shape (..., P): pixels on the last axis.
        targets: Target mask t in [0, 1], the same shape.
        alpha: α ≥ 0, the weight of false positives.
        beta: β ≥ 0, the weight of false negatives.
        gamma: γ > 0, the exponent.
        smooth: s ≥ 0, added to numerator and denominator of T.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import focal_tversky
        >>> # 1 - T = 0.25 (the tversky example); 0.25 ** 0.5
        >>> focal_tversky([[1.0, 0.5, 0.5]], [[1.0, 1.0, 0.0]], gamma=0.5, smooth=0.0)   # √0.25
        0.5
    """
    non_negative(alpha=alpha, beta=beta, smooth=smooth)
    positive(gamma=gamma)
    parts = _tversky_parts(probs, targets, alpha, beta, smooth)
    loss = parts.values

    def backward():
        safe = np.where(loss > 0, loss, 1.0)
        # γ(1 − T)^(γ−1) at 1 − T = 0: 1 for γ = 1, 0 for γ > 1, and 0 by convention for γ < 1
        factor = np.where(loss > 0, gamma * safe ** (gamma - 1.0), 1.0 if gamma == 1 else 0.0)
        return factor[..., None] * parts.grad()

    return Result(loss**gamma, backward)


# --- Lovász hinge -------------------------------------------------------------------------------


def _binary_mask(value, name):
    arr = as_float_array(value, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a pixel axis (its last axis: each sample's pixels, flattened)")
    if not np.isin(arr, (0.0, 1.0)).all():
        bad = arr[~np.isin(arr, (0.0, 1.0))].flat[0]
        raise ValueError(f"{name} must be 0 or 1 (a hard mask); got {float(bad)!r}")
    return arr


PIXEL_LOGITS = Domain(
    "real, shape (..., P): each sample's P pixel logits flattened on the last axis",
    as_float_array,
    lambda rng, shape: rng.normal(scale=2.0, size=shape),
    has_class_axis=True,
    invalid=(Invalid(np.inf, ValueError, "contains inf"),),
    stress=((0.0, 0.0, 0.0), (1e4, -1e4, 0.5), (3.0, -1.0, 2.0), (-2.0, 0.25, 1e-300), (1e8, 1e-8, -1e8)),
)
HARD_MASK = Domain(
    "{0, 1}, the shape of logits",
    _binary_mask,
    lambda rng, shape: rng.integers(0, 2, size=shape).astype(float),
    has_class_axis=True,
    invalid=(Invalid(0.5, ValueError, "must be 0 or 1"), Invalid(-1.0, ValueError, "must be 0 or 1")),
    stress=((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (1.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0)),
)


def _lovasz_errors(logits, targets):
    if targets.shape != logits.shape:
        raise ValueError(f"logits has shape {logits.shape} but targets has shape {targets.shape}")
    signs = 2.0 * targets - 1.0
    return 1.0 - signs * logits, signs


def _lovasz_kinks(logits, targets):
    """Per row, how far the logits are from a kink.

    A kink is an error at 0 (the hinge) or two equal errors (the sort order, and so the
    gradient, switches). Moving s_i by δ moves e_i by δ.
    """
    errors, _ = _lovasz_errors(np.asarray(logits, dtype=float), np.asarray(targets, dtype=float))
    distance = _distance_to_kink(errors).min(axis=-1)
    return np.broadcast_to(distance[..., None], errors.shape)


def _distance_to_kink(errors):
    """Per error (last axis: one sorted set), the distance to the Lovász extension's nearest kink.

    That is the error's distance to 0, or half the gap to the nearest other error of its set
    (two errors moving towards each other tie after moving that far).
    """
    gaps = np.abs(errors[..., :, None] - errors[..., None, :]) / 2
    gaps = np.where(np.eye(errors.shape[-1], dtype=bool), np.inf, gaps).min(axis=-1)
    return np.minimum(np.abs(errors), gaps)


def _lovasz_curve_args(x, truth=(1.0, 0.0, 1.0)):
    # three pixels: pixel 0's logit moves; pixels 1 and 2 have logits −0.5 and 1.5
    n = x.shape[0]
    logits = np.stack([x, np.full(n, -0.5), np.full(n, 1.5)], axis=-1)
    return logits, np.tile(truth, (n, 1))


@class_axis_loss(
    family="segmentation",
    formula=(
        r"\ell = \sum_{k=1}^{P} e_{(k)}^{+}\, g_k, \qquad e_i = 1 - y_i s_i,\ \ y_i = 2t_i - 1,\ \ e_{(1)} \ge e_{(2)} \ge \dots",  # noqa: E501
        r"g_k = \Delta(S_k) - \Delta(S_{k-1}), \qquad \Delta(S) = \frac{|S|}{|\{t = 1\} \cup S|}, \qquad S_k = \{(1), \dots, (k)\}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial s_i} = -y_i\, g_{\operatorname{rank}(i)}\, [e_i > 0] \quad \text{(away from ties between errors)}",  # noqa: E501
    domain={"logits": PIXEL_LOGITS, "targets": HARD_MASK},
    use_case=(
        "Binary segmentation trained for IoU directly: a convex surrogate of the Jaccard loss of each "
        "image's mask."
    ),
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "PyTorch": (
            "no built-in (Berman et al.'s lovasz_hinge(logits, labels, per_image=True), commit bf64291)"
        ),
        "segmentation_models_pytorch": (
            "smp.losses.LovaszLoss(mode='binary', per_image=True) (v0.5.0; its default is False)"
        ),
        "Kornia": (
            "kornia.losses.lovasz_hinge_loss(logits, labels) with logits (N, 1, H, W) and labels (N, H, W) "
            "(Kornia 0.9.0; per image, as here)"
        ),
    },
    references=(
        (
            "Berman, Triki & Blaschko, The Lovász-Softmax Loss: A Tractable Surrogate for the Optimization "
            "of the Intersection-Over-Union Measure (CVPR 2018)"
        ),
        "Lovász, Submodular functions and convexity (1983)",
    ),
    differences=(
        Difference(
            "lovasz-per-image-false",
            "Berman et al. / smp",
            "Berman et al.'s reference `lovasz_hinge` (bermanmaxim/LovaszSoftmax, "
            "`pytorch/lovasz_losses.py` at commit bf64291, which has no releases) defaults to "
            "`per_image=True`, `lossref`'s mean of per-image losses. segmentation_models_pytorch's "
            "`LovaszLoss` (v0.5.0, `losses/lovasz.py`) defaults to `per_image=False`: the whole "
            "batch is one image, one Jaccard surrogate over every pixel, which differs from the "
            "mean of per-image losses. Pass the batch flattened to a single row, `(1, B·P)`, for "
            "the pooled value.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="logit s₀ of pixel 0 (pixels 1, 2: s = −0.5, 1.5)",
            x_range=(-3.0, 3.0),
            args=_lovasz_curve_args,
            series=(Series("t = (1, 0, 1)", {}, {}), Series("t = (0, 0, 1)", {"truth": (0.0, 0.0, 1.0)}, {})),
            component=lambda g, args: g[..., 0],
            grad_label="∂ℓ/∂s₀",
        ),
    ),
    checks=Checks(
        extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.5, 3.0], [2.0, 2.5, -1e4, 1e-300], [5.0, 4.0, -3.0, -7.0]],
                    [[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]],
                ]
            ),
        ),
        kink_distance=_lovasz_kinks,
        # logits of ±1e4 and 1e-300, an empty mask, errors below 0 (no loss), no ties between errors
        torch_extremes=(
            Extreme(
                [
                    [[1e4, -1e4, 0.5, 3.0], [2.0, 2.5, -1e4, 1e-300], [5.0, 4.0, -3.0, -7.0]],
                    [[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]],
                ]
            ),
        ),
    ),
)
def lovasz_hinge(logits, targets):
    """Lovász hinge: the Lovász extension of each image's Jaccard loss, applied to hinge errors.

    Each pixel's hinge error e_i = 1 − y_i s_i (y = ±1) is sorted in decreasing order, and the
    positive parts are weighted by the increments g_k of the Jaccard loss Δ(S) = |S| / |gt ∪ S|
    of the set of the k worst pixels. The result is convex and piecewise linear in the logits,
    equals Δ of the mispredicted set when every error is 0 or 1, and has the exact gradient
    −y_i g_rank(i) wherever no two errors tie (ties get the gradient of the stable sort order).

    Args:
        logits: Pixel logits s, shape (..., P): one image per row, pixels flattened.
        targets: Hard mask t ∈ {0, 1}, the same shape.

    Returns:
        The mean over images by default; ``reduction="none"`` gives one loss per image.

    Examples:
        >>> from lossref import lovasz_hinge
        >>> # s = (2, −2, 1) against t = (1, 0, 1): errors 1 − y s = (−1, −1, 0), none > 0
        >>> lovasz_hinge([[2.0, -2.0, 1.0]], [[1.0, 0.0, 1.0]])
        0.0
        >>> # errors (1, −1, 1, 0) are 0 or 1: ℓ = Δ({0, 2}) = 2 / |{0, 1} ∪ {0, 2}| = 2/3
        >>> round(lovasz_hinge([[0.0, 2.0, 0.0, -1.0]], [[1.0, 1.0, 0.0, 0.0]]), 6)
        0.666667
    """
    errors, signs = _lovasz_errors(logits, targets)
    values, grad_errors = _lovasz_extension(errors, targets)
    return Result(values, lambda: -signs * grad_errors())


def _lovasz_extension(errors, targets):
    """The Lovász extension of each row's Jaccard loss, and a function giving its gradient.

    The extension is that of the Jaccard loss of the row's mask ``targets``, at the positive
    parts of ``errors`` (last axis); its gradient with respect to the errors is the increments g
    of Δ along the errors sorted (stably) in decreasing order.
    """
    order = np.argsort(-errors, axis=-1, kind="stable")
    e = np.take_along_axis(errors, order, axis=-1)
    t = np.take_along_axis(targets, order, axis=-1)
    positives = t.sum(axis=-1, keepdims=True)
    # Δ(S_k) = |S_k| / |gt ∪ S_k| = k / (Σt + negatives among the first k)
    k = np.arange(1, e.shape[-1] + 1)
    jaccard = k / (positives + np.cumsum(1.0 - t, axis=-1))
    g = np.diff(jaccard, axis=-1, prepend=0.0)
    active = e > 0
    values = np.sum(np.where(active, e, 0.0) * g, axis=-1)

    def grad():  # only for .grad: the scatter back to pixel order
        out = np.empty_like(e)
        np.put_along_axis(out, order, g * active, axis=-1)
        return out

    return values, grad


# --- Lovász-softmax -----------------------------------------------------------------------------


def _pixel_class_probs(value, name):
    arr = as_float_array(value, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (..., P, C): pixels flattened, then classes; got shape {arr.shape}"
        )
    in_interval(arr, name, 0.0, 1.0, "probabilities")
    return arr


def _sample_pixel_class_probs(rng, shape):
    z = rng.normal(scale=2.0, size=(shape[0], 4, shape[-1]))  # 4 pixels per image
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


PIXEL_CLASS_PROBS = Domain(
    "[0, 1], shape (..., P, C): each image's P pixels, each with C class probabilities (after a softmax)",
    _pixel_class_probs,
    _sample_pixel_class_probs,
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    # (P, C) = (3, 3): confident and right, confident and wrong, uncertain, and exact 0/1 entries
    stress=(
        ((0.8, 0.15, 0.05), (0.1, 0.7, 0.2), (0.3, 0.3, 0.4)),
        ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.25, 0.5, 0.25)),
        ((1e-300, 1.0 - 1e-15, 1e-15), (0.5, 0.5, 0.0), (0.6, 0.1, 0.3)),
    ),
    fd_step=unit_interval_step,
)


PIXEL_LABELS = Domain(
    "integers in [0, C), shape (..., P): each pixel's class",
    as_label_array,
    lambda rng, shape: rng.integers(0, shape[-1], size=(shape[0], 4)),
    invalid=(Invalid(10**6, ValueError, "must be in [0, "), Invalid(-3, ValueError, "must be in [0, ")),
    stress=((0, 1, 2), (0, 0, 1), (2, 2, 2)),
)
_CLASSES = ("present", "all")


def _lovasz_softmax_parts(probs, labels):
    _check_labels(labels, probs, "labels", None)  # the shape of probs without its class axis, in [0, C)
    c = probs.shape[-1]
    fg = np.moveaxis(labels[..., None] == np.arange(c), -1, -2).astype(float)  # (..., C, P)
    p = np.moveaxis(probs, -1, -2)
    return fg, p


def _lovasz_softmax_kinks(probs, labels, classes="present"):
    """Per image, how far the probabilities are from a kink.

    A kink is an error |[y = c] − p_c| at 0, or two equal errors of one class. Moving p by δ
    moves its error by δ.
    """
    fg, p = _lovasz_softmax_parts(np.asarray(probs, dtype=float), np.asarray(labels))
    distance = _distance_to_kink(np.abs(fg - p)).min(axis=(-2, -1))
    return np.broadcast_to(distance[..., None, None], np.shape(probs))


def _lovasz_softmax_curve_args(x):
    # three pixels, two classes: pixel 0 (label 0) has p₀ = x; pixels 1 (label 1) and 2 (label 0)
    # are fixed at p₀ = 0.3 and 0.8
    n = x.shape[0]
    p0 = np.stack([x, np.full(n, 0.3), np.full(n, 0.8)], axis=-1)
    return np.stack([p0, 1.0 - p0], axis=-1), np.tile([0, 1, 0], (n, 1))


@class_axis_loss(
    family="segmentation",
    formula=(
        r"\ell = \frac{1}{|K|} \sum_{c \in K} \overline{\Delta_c}\big(m(c)\big), \qquad m_i(c) = \big|\,[y_i = c] - p_{i,c}\big|",  # noqa: E501
        r"\overline{\Delta_c}(m) = \sum_{k} m_{(k)}\, g_k(c), \qquad g_k(c) = \Delta_c(S_k) - \Delta_c(S_{k-1}), \qquad \Delta_c(S) = \frac{|S|}{|\{y = c\} \cup S|}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial p_{i,c}} = \frac{1}{|K|}\, g_{\operatorname{rank}_c(i)}(c)\, \operatorname{sign}\big(p_{i,c} - [y_i = c]\big) \quad \text{(away from ties between errors)}",  # noqa: E501
    domain={"probs": PIXEL_CLASS_PROBS, "labels": PIXEL_LABELS},
    use_case=(
        "Multi-class semantic segmentation trained for mean IoU: the Lovász extension of each class's "
        "Jaccard loss, averaged over the classes."
    ),
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "PyTorch": (
            "no built-in (Berman et al.'s lovasz_softmax(probas, labels, classes='present', "
            "per_image=True), commit bf64291)"
        ),
        "segmentation_models_pytorch": (
            "smp.losses.LovaszLoss(mode='multiclass', per_image=True) (v0.5.0; on logits: it applies the "
            "softmax)"
        ),
        "Kornia": (
            "kornia.losses.lovasz_softmax_loss(logits, labels) is classes='all' on softmax(logits) (Kornia "
            "0.9.0; logits (N, C, H, W); see below)"
        ),
    },
    references=(
        (
            "Berman, Triki & Blaschko, The Lovász-Softmax Loss: A Tractable Surrogate for the Optimization "
            "of the Intersection-Over-Union Measure (CVPR 2018)"
        ),
    ),
    differences=(
        Difference(
            "lovasz-softmax-per-image-false",
            "Berman et al. / smp",
            "The reference code's `lovasz_softmax` (bermanmaxim/LovaszSoftmax, commit bf64291) and "
            "smp's `LovaszLoss` (v0.5.0) default to `per_image=False`: the pixels of the "
            "whole batch form one image, and the classes present anywhere in the batch are "
            "averaged once. `lossref` averages per-image losses (`per_image=True`); pass the batch "
            "reshaped to one image, `(1, B·P, C)`, for the pooled value.",
        ),
        Difference(
            "kornia-lovasz-softmax-all-classes",
            "Kornia",
            "`kornia.losses.lovasz_softmax_loss` (0.9.0, `kornia/losses/lovasz_softmax.py`) averages over "
            "all C classes, including those absent from an image (whose loss is then the largest predicted "
            "probability of that class); `lossref`'s default `classes='present'` leaves them out. "
            "`classes='all'` reproduces Kornia.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="p₀ of pixel 0 (label 0; pixels 1, 2 fixed)",
            x_range=(0.0, 1.0),
            args=_lovasz_softmax_curve_args,
            series=(Series("classes present", {}, {}),),
            # moving p₀ of pixel 0 moves its p₁ = 1 − p₀ too: dℓ/dx = ∂ℓ/∂p₀ − ∂ℓ/∂p₁
            component=lambda g, args: g[..., 0, 0] - g[..., 0, 1],
            grad_label="dℓ/dp₀ of pixel 0 (p₁ = 1 − p₀)",
        ),
    ),
    checks=Checks(
        variants=({"classes": "all"},),
        extremes=(
            Extreme(
                [
                    [
                        [[1.0, 0.0, 0.0], [1e-300, 1.0 - 1e-15, 1e-15], [0.2, 0.3, 0.5], [0.45, 0.35, 0.2]],
                        [[0.9, 0.05, 0.05], [0.9, 0.06, 0.04], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1]],
                    ],
                    [[0, 1, 2, 1], [2, 0, 2, 0]],
                ]
            ),
        ),
        invalid=(Invalid({"classes": "some"}, ValueError, "classes must be 'present' or 'all'"),),
        kink_distance=_lovasz_softmax_kinks,
        # probabilities of exactly 0 and 1 and 1e-300, a class absent from an image, no ties
        torch_extremes=(
            Extreme(
                [
                    [
                        [[1.0, 0.0, 0.0], [1e-300, 1.0 - 1e-15, 1e-15], [0.2, 0.3, 0.5], [0.45, 0.35, 0.2]],
                        [[0.9, 0.05, 0.05], [0.9, 0.06, 0.04], [0.1, 0.1, 0.8], [0.7, 0.2, 0.1]],
                    ],
                    [[0, 1, 2, 1], [2, 0, 2, 0]],
                ]
            ),
            Extreme(
                [[[[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.15, 0.25, 0.6]]], [[0, 0, 1]]], {"classes": "all"}
            ),
        ),
    ),
)
def lovasz_softmax(probs, labels, *, classes="present"):
    """Lovász-softmax: the Lovász extension of each class's Jaccard loss, averaged over classes.

    For each class c every pixel's error is m_i(c) = |[y_i = c] − p_{i,c}|; the errors are
    sorted (stably) in decreasing order and weighted by the increments of the Jaccard loss
    Δ_c(S) = |S| / |{y = c} ∪ S| of the set of the k worst pixels. The loss of an image is the
    mean over the classes present in its labels (``classes="present"``, the default) or over
    all C classes. It equals 1 − IoU averaged over the classes when every probability is 0 or 1.

    Args:
        probs: Class probabilities, shape (..., P, C): one image per leading index, its P
            pixels flattened, classes last (a softmax over the last axis).
        labels: Integer classes in [0, C), shape (..., P).
        classes: ``"present"`` (the classes in the image's labels) or ``"all"``.

    Returns:
        The mean over images by default; ``reduction="none"`` gives one loss per image.

    Examples:
        >>> from lossref import lovasz_softmax
        >>> # hard predictions: pixel 1 of class 1 predicted as class 0. Class 0: IoU 1/2;
        >>> # class 1: IoU 0/1. Mean of the Jaccard losses: (1/2 + 1)/2  # = 0.75
        >>> lovasz_softmax([[[1.0, 0.0], [1.0, 0.0]]], [[0, 1]])
        0.75
    """
    if classes not in _CLASSES:
        raise ValueError(f"classes must be 'present' or 'all'; got {classes!r}")
    fg, p = _lovasz_softmax_parts(probs, labels)
    errors = np.abs(fg - p)
    per_class, grad_errors = _lovasz_extension(errors, fg)  # (..., C) and (..., C, P)
    counted = fg.sum(axis=-1) > 0 if classes == "present" else np.ones(per_class.shape, bool)
    count = counted.sum(axis=-1, keepdims=True)
    values = np.where(counted, per_class, 0.0).sum(axis=-1) / count[..., 0]

    def backward():  # only for .grad
        sign = np.where(fg > 0, -1.0, 1.0)  # ∂|fg − p|/∂p away from the kink at p = fg
        grad = np.where(counted[..., None], grad_errors() * sign, 0.0) / count[..., None]
        return np.moveaxis(grad, -2, -1)

    return Result(values, backward)


# --- Generalized Dice ---------------------------------------------------------------------------


def _class_masks(value, name):
    arr = as_float_array(value, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (..., C, P): one mask per class, each with its P pixels flattened; "
            f"got shape {arr.shape}"
        )
    in_interval(arr, name, 0.0, 1.0, "probabilities")
    return arr


def _sample_class_masks(rng, shape, sample=_sample_targets):
    return sample(rng, (shape[0], 3, shape[-1]))  # 3 classes of shape[-1] pixels per sample


CLASS_MASK_PROBABILITIES = Domain(
    "[0, 1], shape (..., C, P): each class's P pixel probabilities flattened on the last axis",
    _class_masks,
    lambda rng, shape: _sample_class_masks(rng, shape, lambda rng, s: rng.uniform(0.02, 0.98, size=s)),
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    # (C, P) = (2, 3): empty and full class masks, probabilities within 1e-15 (and 1e-300) of 0 and 1
    stress=(
        ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
        ((1e-300, 1e-15, 0.5), (1 - 1e-15, 1e-6, 0.9)),
        ((0.1, 0.5, 1 - 1e-6), (1.0, 0.0, 0.25)),
    ),
    fd_step=unit_interval_step,
)
CLASS_MASK_TARGETS = Domain(
    "[0, 1] (hard 0/1 or soft), the shape of probs",
    _class_masks,
    _sample_class_masks,
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    # a rare and a common class, an empty class, no foreground at all, and a soft class of
    # 1e-100 next to one of 1.8 (weights 1e200 apart; the extremes take 1e-200, where 1/(Σt)²
    # overflows), and two soft classes of 1e-12 and 1e-5, where the gradient grows like 1/Σt
    stress=(
        ((1.0, 0.0, 0.0), (0.0, 1.0, 1.0)),
        ((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
        ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
        ((1e-100, 0.0, 0.0), (0.3, 1.0, 0.5)),
        ((1e-12, 0.0, 0.0), (1e-5, 0.0, 0.0)),
    ),
)


def _generalized_dice_curve_args(x, t0=1.0):
    # two classes, four pixels, p₁ = 1 − p₀ (a softmax): class 0 is rare (pixel 0 only, or absent)
    p0 = np.stack([x, np.full_like(x, 0.1), np.full_like(x, 0.2), np.full_like(x, 0.05)], axis=-1)
    t0s = np.broadcast_to(np.array([t0, 0.0, 0.0, 0.0]), p0.shape)
    return np.stack([p0, 1.0 - p0], axis=-2), np.stack([t0s, 1.0 - t0s], axis=-2)


@class_axis_loss(
    family="segmentation",
    formula=(
        r"\ell = 1 - \frac{2\sum_c w_c \sum_i p_{ci} t_{ci} + s}{\sum_c w_c \sum_i (p_{ci} + t_{ci}) + s}",
        r"w_c = \frac{1}{\big(\sum_i t_{ci}\big)^2}\ \text{if}\ \textstyle\sum_i t_{ci} > 0, \quad \text{else}\ w_c = \max_{k:\,\sum_i t_{ki} > 0} w_k",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial p_{ci}} = w_c\, \frac{(2I + s) - 2 t_{ci}\,(U + s)}{(U + s)^2}",
        r"I = \sum_c w_c \sum_j p_{cj} t_{cj},\ \ U = \sum_c w_c \sum_j (p_{cj} + t_{cj})",
    ),
    domain={"probs": CLASS_MASK_PROBABILITIES, "targets": CLASS_MASK_TARGETS},
    use_case=(
        "Multi-class segmentation with very unequal class sizes: one Dice over all classes, each weighted by "
        "the inverse square of its size."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "MONAI": (
            "monai.losses.GeneralizedDiceLoss(smooth_nr=s, smooth_dr=s) on (N, C, H, W) (1.5.0; "
            "w_type='square', batch=False)"
        ),
        "optax": (
            "optax.losses.multiclass_generalized_dice_loss is a different loss: a weighted mean of per-class "
            "Dice losses (see below)"
        ),
        "PyTorch": "no core function",
    },
    references=(
        (
            "Sudre, Li, Vercauteren, Ourselin & Cardoso, Generalised Dice Overlap as a Deep Learning Loss "
            "Function for Highly Unbalanced Segmentations (DLMIA 2017)"
        ),
        (
            "Crum, Camara & Hill, Generalized Overlap Measures for Evaluation and Validation in Medical "
            "Image Analysis (IEEE TMI 2006)"
        ),
    ),
    differences=(
        Difference(
            "monai-generalized-dice-overflowing-weights",
            "MONAI",
            "MONAI's `GeneralizedDiceLoss` (1.5.0, `monai/losses/dice.py`) also gives an empty class "
            "the largest weight of its sample and returns 1 − s/s = 0 for a sample with no "
            "foreground at all; it computes 1/(Σt)² as it stands, so a soft class whose Σt is "
            "below about 1e-154 in float64 (1e-19 in float32) gets an infinite weight and is "
            "treated as empty. `lossref` divides every weight by the largest one first, "
            "w_c/w_max = (min Σt / Σt_c)², and the smoothing by it too, which gives the same value "
            "without overflow.",
        ),
        Difference(
            "optax-generalized-dice-weighted-mean",
            "optax",
            "`optax.losses.multiclass_generalized_dice_loss` (0.2.8) takes logits (a softmax over the "
            "last axis, classes last) and averages w_c·(1 − Dice_c) over the classes and the batch, "
            "with one Dice per sample and class (its smooth = 1, s = 2 in `dice`), weights "
            "1/((Σ_batch t_c)² + 1e-7) from the whole batch, scaled to sum to C. That is a weighted "
            "mean of per-class Dice losses, not Sudre et al.'s ratio of weighted sums, and it gives "
            "different values.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="p₀ of pixel 0 in class 0 (p₁ = 1 − p₀)",
            x_range=(0.0, 1.0),
            args=_generalized_dice_curve_args,
            series=(
                Series("rare class present (t₀ = 1), s = 1e-5", {"t0": 1.0}, {}),
                Series("class 0 absent (t₀ = 0): it gets the largest weight", {"t0": 0.0}, {}),
            ),
            # moving p₀ of pixel 0 moves p₁ = 1 − p₀ too: dℓ/dx = ∂ℓ/∂p₀ − ∂ℓ/∂p₁
            component=lambda g, args: g[..., 0, 0] - g[..., 1, 0],
            grad_label="dℓ/dp₀ of pixel 0 (p₁ = 1 − p₀)",
        ),
        explore={"smooth": (0.0, 1.0)},
    ),
    checks=Checks(
        variants=({"smooth": 0.0}, {"smooth": 1.0}),
        extremes=(
            # an empty class, a sample with no foreground (smooth > 0), a soft target of 1e-200
            # (1/(Σt)² overflows), probabilities within 1e-300 and 1e-15 of 0 and 1
            Extreme(
                (
                    [
                        [[0.9, 1e-300, 0.2], [0.1, 1.0, 0.8], [0.0, 1e-15, 1 - 1e-15]],
                        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [1e-12, 0.0, 1.0]],
                        [[0.3, 0.7, 0.2], [0.7, 0.3, 0.8], [0.0, 0.0, 0.0]],
                    ],
                    [
                        [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]],
                        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                        [[1e-200, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
                    ],
                ),
            ),
            # one foreground pixel among 1000 next to a class of 999
            Extreme(
                (
                    [[[0.9] + [1e-3] * 999, [0.1] + [1 - 1e-3] * 999]],
                    [[[1.0] + [0.0] * 999, [0.0] + [1.0] * 999]],
                )
            ),
        ),
        invalid=(Invalid({"smooth": -1e-5}, ValueError, "smooth must be >= 0"),),
        # compared with PyTorch: an empty class, a sample with no foreground, probabilities within
        # 1e-15 of 0 and 1; class sizes 1 and 999
        torch_extremes=(
            Extreme(
                [
                    [
                        [[0.9, 1e-300, 0.2], [0.1, 1.0, 0.8], [0.0, 1e-15, 1 - 1e-15]],
                        [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5], [1e-12, 0.0, 1.0]],
                    ],
                    [
                        [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]],
                        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
                    ],
                ]
            ),
            Extreme(
                [
                    [[[0.9] + [1e-3] * 999, [0.1] + [1 - 1e-3] * 999]],
                    [[[1.0] + [0.0] * 999, [0.0] + [1.0] * 999]],
                ]
            ),
        ),
    ),
)
def generalized_dice(probs, targets, *, smooth=1e-5):
    """Generalized Dice loss per sample: one Dice over all classes, each weighted by 1/(its size)².

    Sudre et al.'s loss: the overlaps and sizes of the C class masks are summed with weights
    w_c = 1/(Σ_i t_ci)² before the ratio is taken, so a class of 10 pixels counts as much as
    one of 10⁵. An empty class (Σt = 0, where 1/0² is infinite) gets the largest weight of
    its sample, as in MONAI: a false alarm there still costs. A sample with no foreground in
    any class has ℓ = 1 − s/s = 0 (it raises for s = 0). Layout as for :func:`dice`, with a
    class axis before the pixels: probabilities (after a softmax over classes), targets hard
    or soft.

    Args:
        probs: Predicted probabilities p, shape (..., C, P): C class masks of P pixels per sample.
        targets: Target masks t in [0, 1], the same shape.
        smooth: s ≥ 0, added to numerator and denominator (MONAI's default 1e-5 for both).
            It is added to weighted sums of order 1/Σt, so keep it small.

    Returns:
        The mean over samples by default; ``reduction="none"`` gives one loss per sample.

    Examples:
        >>> from lossref import generalized_dice
        >>> p = [[[0.5, 0.5, 0.0, 0.0], [0.5, 0.5, 1.0, 1.0]]]
        >>> t = [[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]]]
        >>> # class 0: 1 pixel (w = 1), overlap 0.5, sizes 1 + 1; class 1: 3 pixels (w = 1/9),
        >>> # overlap 2.5, sizes 3 + 3. ℓ = 1 − 2(0.5 + 2.5/9) / (2 + 6/9)
        >>> round(generalized_dice(p, t, smooth=0.0), 12)   # 1 − 14/24 = 5/12
        0.416666666667
    """
    non_negative(smooth=smooth)
    if targets.shape != probs.shape:
        raise ValueError(f"probs has shape {probs.shape} but targets has shape {targets.shape}")
    sizes = targets.sum(axis=-1)  # (..., C)
    present = sizes > 0
    # w_c / w_max = (min Σt / Σt_c)² ≤ 1 never overflows; an empty class gets w_max (ratio 1);
    # with no foreground at all every weight is 0. The smoothing is divided by w_max too.
    found = present.any(axis=-1)
    smallest = np.where(present, sizes, np.inf).min(axis=-1)
    smallest = np.where(found, smallest, 0.0)
    ratio = np.where(present, (smallest[..., None] / np.where(present, sizes, 1.0)) ** 2, 1.0)
    ratio = ratio * found[..., None]
    s = np.where(found, smooth * smallest**2, smooth)
    inter = np.sum(ratio * np.sum(probs * targets, axis=-1), axis=-1)
    # U − I = Σ w Σ (p + t(1 − p)) and U − 2I = Σ w Σ (p(1 − t) + t(1 − p)): sums of non-negative terms
    union = np.sum(ratio * np.sum(probs + targets * (1.0 - probs), axis=-1), axis=-1)
    mismatch = np.sum(ratio * np.sum(probs * (1.0 - targets) + targets * (1.0 - probs), axis=-1), axis=-1)
    d = union + inter + s  # U + s
    if (d == 0).any():
        raise ValueError(
            "the generalized Dice ratio is 0/0 for a sample with no foreground in any class "
            "and an empty prediction: use smooth > 0"
        )
    values = mismatch / d

    def grad():  # only for .grad
        # each term divided by U + s before the second division: (U + s)² underflows when the
        # rarest class has Σt ≈ 1e-200 and nothing is predicted there
        hit = ((2.0 * inter + s) / d)[..., None, None]
        miss = ((2.0 * union + s) / d)[..., None, None]  # (2(U − I) + s) / (U + s)
        # (2I + s) − 2t(U + s) = (1 − t)(2I + s) − t(2(U − I) + s): two non-negative terms
        return ratio[..., None] * ((1.0 - targets) * hit - targets * miss) / d[..., None, None]

    return Result(values, grad)


# --- Matthews correlation -----------------------------------------------------------------------


@class_axis_loss(
    family="segmentation",
    aliases=("MCC loss", "Matthews correlation coefficient loss"),
    formula=(
        r"\ell = 1 - \frac{TP\cdot TN - FP\cdot FN}{\sqrt{(TP + FP)(TP + FN)(TN + FP)(TN + FN)}}",
        r"TP = \sum_i p_i t_i + \varepsilon,\ \ FP = \sum_i p_i (1 - t_i) + \varepsilon,\ \ FN = \sum_i (1 - p_i)\, t_i + \varepsilon,\ \ TN = \sum_i (1 - p_i)(1 - t_i) + \varepsilon",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial p_i} = -\frac{t_i\,(FP + TN) - (1 - t_i)(TP + FN)}{\sqrt{(TP + FP)(TP + FN)(TN + FP)(TN + FN)}} + \frac{\mathrm{MCC}}{2}\Big(\frac{1}{TP + FP} - \frac{1}{TN + FN}\Big)",  # noqa: E501
    ),
    domain=_DOMAIN,
    use_case=(
        "Binary segmentation scored on foreground and background alike: one minus the soft Matthews "
        "correlation of each mask."
    ),
    properties=("non_negative", "symmetric", "smooth"),
    equivalents={
        "segmentation_models_pytorch": (
            "smp.losses.MCCLoss(eps=ε) on the batch flattened to one row (v0.5.0: one MCC for the whole "
            "batch)"
        ),
        "PyTorch": "no core function",
    },
    references=(
        (
            "Abhishek & Hamarneh, Matthews Correlation Coefficient Loss for Deep Convolutional Networks: "
            "Application to Skin Lesion Segmentation (ISBI 2021)"
        ),
        (
            "Matthews, Comparison of the Predicted and Observed Secondary Structure of T4 Phage Lysozyme "
            "(Biochimica et Biophysica Acta 1975)"
        ),
    ),
    differences=(
        Difference(
            "smp-mcc-whole-batch",
            "segmentation_models_pytorch",
            "smp's `MCCLoss` (v0.5.0, `segmentation_models_pytorch/losses/mcc.py`) sums TP, TN, FP and "
            "FN over the whole batch and returns one 1 − MCC for it; `lossref` computes one per "
            "sample and averages them. Both add ε to each of the four counts (smp's default "
            "ε = 1e-5, kept here). smp's value is `mcc(p.reshape(1, -1), t.reshape(1, -1))`.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            **_CURVE_ARGS,
            series=(
                Series("foreground pixel (t₀ = 1)", {"t0": 1.0}, {}),
                Series("background pixel (t₀ = 0)", {"t0": 0.0}, {}),
            ),
        ),
        explore={"eps": (0.0, 1.0)},
    ),
    checks=Checks(
        variants=({"eps": 1.0},),  # ε = 0 raises on the draws whose target row is constant
        extremes=tuple(Extreme(args, hyper) for args in _EXTREMES for hyper in ({}, {"eps": 1e-12})),
        invalid=(Invalid({"eps": -1e-5}, ValueError, "eps must be >= 0"),),
        # compared with PyTorch: empty and full masks (ε keeps the denominator > 0), probabilities
        # within 1e-12 of 0 and 1, soft targets, a near-perfect mask
        torch_extremes=(
            Extreme(
                [
                    [
                        [0.0, 0.0, 0.0],
                        [1.0, 1.0, 1.0],
                        [1e-12, 1 - 1e-12, 0.5],
                        [1e-300, 0.3, 1.0],
                        [0.2, 0.7, 0.4],
                    ],
                    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.3, 1.0, 0.5]],
                ]
            ),
            Extreme(
                [
                    [[1e-12, 1 - 1e-12, 1.0, 0.0], [0.2, 0.7, 0.4, 0.9]],
                    [[0.0, 1.0, 1.0, 0.0], [0.3, 1.0, 0.5, 1.0]],
                ],
                {"eps": 0.0},
            ),
        ),
    ),
)
def mcc(probs, targets, *, eps=1e-5):
    """Soft MCC loss per sample: one minus the Matthews correlation of the mask and its target.

    The confusion counts are soft (sums of products of p and t), and ε is added to each of
    the four, as in smp and the reference code of Abhishek & Hamarneh, so the denominator is
    never 0. The price: on an empty target even the perfect prediction costs about ½ (MCC is
    undefined when a class is missing, and ε makes it about ½). 1 − MCC is computed from a
    sum of non-negative terms where MCC ≥ 0, so a near-perfect mask keeps its relative
    accuracy. Layout and inputs as for :func:`dice`.

    Args:
        probs: Predicted probabilities p, shape (..., P): pixels on the last axis.
        targets: Target mask t in [0, 1], the same shape.
        eps: ε ≥ 0, added to each of TP, FP, FN and TN (smp's default 1e-5); with ε = 0 a
            sample whose target or prediction is all one class raises (0/0).

    Returns:
        The mean over samples by default; ``reduction="none"`` gives one loss per sample.

    Examples:
        >>> from lossref import mcc
        >>> # TP = 1.5, FP = 0, FN = 0.5, TN = 1: 1 − 1.5 / √(1.5 · 2 · 1 · 1.5) = 1 − 1/√2
        >>> round(mcc([[1.0, 0.5, 0.0]], [[1.0, 1.0, 0.0]], eps=0.0), 6)   # 0.292893
        0.292893
    """
    non_negative(eps=eps)
    if targets.shape != probs.shape:
        raise ValueError(f"probs has shape {probs.shape} but targets has shape {targets.shape}")
    a = np.sum(probs * targets, axis=-1) + eps  # TP
    b = np.sum(probs * (1.0 - targets), axis=-1) + eps  # FP
    c = np.sum((1.0 - probs) * targets, axis=-1) + eps  # FN
    d = np.sum((1.0 - probs) * (1.0 - targets), axis=-1) + eps  # TN
    root = np.sqrt((a + b) * (a + c)) * np.sqrt((d + b) * (d + c))
    if (root == 0).any():
        raise ValueError(
            "the Matthews correlation is 0/0 for a sample whose target or prediction is all one "
            "class: use eps > 0"
        )
    num = a * d - b * c
    # root² − num² = (ad + bc)(a + d)(b + c) + (ac + bd)(ab + cd) + 4abcd, all terms ≥ 0: where
    # MCC ≥ 0, 1 − MCC = (root² − num²) / (root (root + num)) has no cancellation
    excess = (a * d + b * c) * (a + d) * (b + c) + (a * c + b * d) * (a * b + c * d) + 4.0 * a * b * c * d
    positive_side = num >= 0
    values = np.where(
        positive_side,
        excess / (root * (root + np.where(positive_side, num, 0.0))),
        1.0 + np.abs(num) / root,
    )

    def grad():  # only for .grad
        corr = (num / root)[..., None]
        dnum = targets * (b + d)[..., None] - (1.0 - targets) * (a + c)[..., None]
        return -dnum / root[..., None] + 0.5 * corr * (1.0 / (a + b) - 1.0 / (c + d))[..., None]

    return Result(values, grad)


# --- distance-transform Hausdorff loss (issue 19) ------------------------------------------------


def _spatial_masks(value, name, *, binary):
    arr = as_float_array(value, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be a batch of masks, shape (N, H, W) or (N, D, H, W) (the batch axis first); "
            f"got shape {arr.shape}"
        )
    if binary:
        if not np.isin(arr, (0.0, 1.0)).all():
            bad = arr[~np.isin(arr, (0.0, 1.0))].flat[0]
            raise ValueError(f"{name} must be a binary mask of 0 and 1; got {float(bad)!r}")
    else:
        in_interval(arr, name, 0.0, 1.0, "probabilities")
    return arr


def _sample_spatial_probs(rng, shape):
    # 5 × 6 masks; the first is a confident empty prediction (every p < 0.5), as for the many
    # slices of a scan without the organ
    p = rng.uniform(0.02, 0.98, size=(shape[0], 5, 6))
    p[0] = rng.uniform(0.02, 0.48, size=(5, 6))
    return p


def _sample_spatial_targets(rng, shape):
    # binary 5 × 6 masks; the first has no foreground (it pairs with the empty prediction)
    g = rng.integers(0, 2, size=(shape[0], 5, 6)).astype(float)
    g[0] = 0.0
    return g


SPATIAL_PROBABILITIES = Domain(
    "[0, 1], shape (N, H, W) or (N, D, H, W): each sample's foreground probability per pixel",
    lambda value, name: _spatial_masks(value, name, binary=False),
    lambda rng, shape: _sample_spatial_probs(rng, shape),
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    # 3 × 4 masks: empty and full predictions (no boundary), probabilities within 1e-15 (and
    # 1e-300) of 0 and 1, a soft prediction on both sides of 0.5
    stress=(
        ((0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)),
        ((1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0)),
        ((1e-300, 1e-15, 0.2, 0.9), (1 - 1e-15, 0.7, 0.6, 0.1), (0.3, 0.4, 1.0, 0.0)),
        ((0.1, 0.2, 0.1, 0.3), (0.2, 0.8, 0.9, 0.4), (0.1, 0.3, 0.6, 0.2)),
        # a 1 × 200 strip predicted all foreground (no boundary), for the strip target below
        ((0.9,) * 200,),
    ),
    fd_step=unit_interval_step,
)
SPATIAL_TARGETS = Domain(
    "{0, 1}, the shape of probs: the target's foreground",
    lambda value, name: _spatial_masks(value, name, binary=True),
    lambda rng, shape: _sample_spatial_targets(rng, shape),
    has_class_axis=True,
    invalid=((0.5, ValueError, "must be a binary mask of 0 and 1"),),
    # no foreground, all foreground, one pixel, a blob in a corner
    stress=(
        ((0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)),
        ((1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0)),
        ((0.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0)),
        ((1.0, 1.0, 0.0, 0.0), (1.0, 1.0, 1.0, 0.0), (0.0, 0.0, 0.0, 0.0)),
        # one foreground pixel at the end of a 1 × 200 strip: distances up to 199, so the gradient
        # 2(p − g)d²/n reaches 356 (it grows with the mask's extent)
        ((1.0,) + (0.0,) * 199,),
    ),
)


def _boundary_distance(mask):
    """Each pixel's Euclidean distance to the nearest pixel of the other class, per sample.

    That is the distance transform of the foreground plus that of the background (each pixel
    is in one of them), as Karimi & Salcudean and MONAI compute it. A mask with no boundary
    (all background or all foreground) gets a map of 0s: its term drops out of the loss.
    """
    from scipy.ndimage import distance_transform_edt  # lazily: `import lossref` stays light

    spatial = tuple(range(1, mask.ndim))
    out = np.zeros(mask.shape)
    has_boundary = mask.any(axis=spatial) & ~mask.all(axis=spatial)
    if not has_boundary.any():
        return out
    if mask[0].size >= _ONE_TRANSFORM_PER_MASK:
        # SciPy has no batched transform, and its N-D one pays for the batch axis as a spatial
        # one: from 256 pixels a mask, one call per mask is faster, 2-3x from 32 x 32 on (the
        # call's own cost, ~15 µs, is then under half of the mask's transform)
        for i in np.flatnonzero(has_boundary):
            out[i] = distance_transform_edt(mask[i]) + distance_transform_edt(~mask[i])
        return out
    # many small masks: one transform for the whole batch. The batch axis gets a spacing longer
    # than any in-image distance, so every pixel's nearest pixel of the other class lies in its
    # own image (each of these images has both classes) and the in-image distances are unchanged
    sub = mask[has_boundary]
    far = float(np.sqrt(np.sum(np.square(mask.shape[1:]))) + 1.0)
    sampling = (far,) + (1.0,) * len(spatial)
    out[has_boundary] = distance_transform_edt(sub, sampling=sampling) + distance_transform_edt(
        ~sub, sampling=sampling
    )
    return out


# the mask size from which _boundary_distance transforms each mask alone (measured with SciPy
# 1.17 on masks of 8² to 128² pixels and 4³ to 8³ voxels: below it, the batched call is faster)
_ONE_TRANSFORM_PER_MASK = 256


def _hausdorff_curve_args(x):
    # pixel 0 of a 1 × 5 row: prediction (x, .9, .8, .1, .2) against target (0, 1, 1, 0, 0)
    probs = np.stack([x, *(np.full_like(x, v) for v in (0.9, 0.8, 0.1, 0.2))], axis=-1)[:, None, :]
    return probs, np.broadcast_to(np.array([[0.0, 1.0, 1.0, 0.0, 0.0]]), probs.shape)


@class_axis_loss(
    family="segmentation",
    aliases=("Hausdorff loss", "HD loss", "distance-transform Hausdorff loss", "HausdorffDTLoss"),
    formula=(
        r"\ell = \frac{1}{n}\sum_{i} (p_i - g_i)^2 \big(d_{p,i}^{\alpha} + d_{g,i}^{\alpha}\big)",
        r"d_{g,i} = \text{distance from pixel } i \text{ to the nearest pixel of the other class in } g;\ "
        r"d_p \text{ the same for } \mathbb{1}[p > 0.5];\ 0 \text{ for a mask without a boundary}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial p_i} = \frac{2}{n}(p_i - g_i)\big(d_{p,i}^{\alpha} + d_{g,i}^{\alpha}\big)",  # noqa: E501
        r"d_p,\ d_g \text{ held constant (they change only where a } p_i \text{ crosses } 0.5\text{, where } \ell \text{ jumps)}",  # noqa: E501
    ),
    domain={"probs": SPATIAL_PROBABILITIES, "targets": SPATIAL_TARGETS},
    use_case="Segmentation where boundary errors far from the target matter (medical images): a "
    "per-pixel squared error weighted by the distance to the boundaries, a trainable proxy for the "
    "Hausdorff distance.",
    properties=("non_negative",),
    equivalents={
        "MONAI": "monai.losses.HausdorffDTLoss(alpha=α) on (N, 1, H, W) probabilities: the same "
        "distance maps (0 for a mask without a boundary), in float32 (MONAI 1.5.0, "
        "monai/losses/hausdorff_loss.py)",
    },
    references=(
        "Karimi & Salcudean, Reducing the Hausdorff Distance in Medical Image Segmentation With "
        "Convolutional Neural Networks (IEEE TMI 2019)",
    ),
    reduction_note='`"mean"` divides by the number of masks N; each mask\'s loss is already the mean '
    "over its n pixels.",
    plot=Plot(
        curve=Curve(
            x_label="p₀ in p = (p₀, .9, .8, .1, .2), g = (0, 1, 1, 0, 0)",
            grad_label="gradient ∂ℓ/∂p₀",
            x_range=(0.0, 1.0),
            args=_hausdorff_curve_args,
            series=(Series("α = 2", {}, {}), Series("α = 1", {}, {"alpha": 1.0})),
            component=lambda g, args: g[..., 0, 0],
        ),
        explore={"alpha": (0.5, 3.0)},
    ),
    checks=Checks(
        variants=({"alpha": 1.0},),
        extremes=(
            # no foreground in either mask (both maps 0), all foreground, probabilities within
            # 1e-12 of 0 and 1 on a 3-D volume, and a 64 × 64 mask with one target pixel in a corner
            # (distances up to 89, squared): the gradient grows with the image's extent
            Extreme((np.full((1, 3, 4), 0.3), np.zeros((1, 3, 4)))),
            Extreme((np.full((1, 3, 4), 0.7), np.ones((1, 3, 4)))),
            Extreme(
                (
                    np.array([[[[1e-12, 0.2], [0.9, 1 - 1e-12]], [[0.4, 0.3], [0.8, 1e-300]]]]),
                    np.array([[[[0.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]]),
                )
            ),
            Extreme((np.full((1, 64, 64), 0.25), np.pad(np.ones((1, 1, 1)), ((0, 0), (0, 63), (0, 63))))),
            # a 1 × 1000 strip with the target's one pixel at an end: d_g² / n reaches 998
            Extreme((np.full((1, 1, 1000), 0.25), np.pad(np.ones((1, 1, 1)), ((0, 0), (0, 0), (0, 999))))),
        ),
        invalid=(
            Invalid({"alpha": 0.0}, ValueError, "alpha must be > 0"),
            Invalid({"alpha": -2.0}, ValueError, "alpha must be > 0"),
            Invalid({"alpha": np.nan}, ValueError, "alpha must be finite"),
        ),
        # the distance map of the prediction changes where a probability crosses 0.5
        kink_distance=lambda probs, targets, **hyper: np.abs(probs - 0.5),
    ),
)
def hausdorff_dt(probs, targets, *, alpha=2.0):
    """Distance-transform Hausdorff loss (Karimi & Salcudean 2019).

    The squared error of each pixel, weighted by d_p^α + d_g^α: its distances to the boundaries
    of the thresholded prediction (p > 0.5) and of the target. The maps are computed with
    ``scipy.ndimage.distance_transform_edt`` and held constant in the gradient, as in the paper.
    A mask with no boundary (no foreground, or nothing else) has a map of 0s.

    Args:
        probs: Foreground probabilities, shape (N, H, W) or (N, D, H, W): one mask per sample.
        targets: The binary target masks (0 or 1), the shape of ``probs``.
        alpha: The power of the distances; must be > 0. The paper and MONAI use 2.

    Returns:
        The mean over the N masks by default; ``reduction="none"`` gives each mask's loss.

    Examples:
        >>> from lossref import hausdorff_dt
        >>> p = [[[0.9, 0.8, 0.2, 0.1]]]          # one 1 × 4 mask: p > 0.5 is (1, 1, 0, 0)
        >>> g = [[[1.0, 0.0, 0.0, 0.0]]]          # d_g = (1, 1, 2, 3), d_p = (2, 1, 1, 2)
        >>> round(float(hausdorff_dt(p, g)), 6)   # (.01·5 + .64·2 + .04·5 + .01·13) / 4
        0.415
    """
    positive(alpha=alpha)
    if targets.shape != probs.shape:
        raise ValueError(f"probs has shape {probs.shape} but targets has shape {targets.shape}")
    weight = _boundary_distance(probs > 0.5) ** alpha + _boundary_distance(targets > 0.5) ** alpha
    r = probs - targets
    axes = tuple(range(1, probs.ndim))
    n = np.prod(probs.shape[1:])
    value = np.sum(r * r * weight, axis=axes) / n
    return Result(value, lambda: 2.0 * r * weight / n)
