"""Face-recognition losses.

Softmax cross-entropy on cosines with a margin (ArcFace, CosFace), and center loss.
"""

import math

import numpy as np

from ._checks import as_float_array, flag, last_axis, positive, real_scalar
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import CLASS_LABEL, VECTORS, Domain
from ._labels import _check_labels, _p_minus_onehot, _pick
from ._math import log_softmax

__all__ = ["arcface", "center", "cosface"]  # its losses, re-exported by lossref/__init__.py

# Cosines computed as x̂·ŵ in floating point can leave [−1, 1] by a few ulps (more in float32):
# entries up to this far outside are accepted as they are; farther out is a mistake.
COSINE_SLACK = 1e-6
# ArcFace's sin θ = √(1 − c²) is evaluated at min(c, 1 − ε): without it dcos(θ + m)/dcos θ
# is infinite at c = 1 (ε is lossref's own choice: the page's pitfalls bound its effect).
ARC_EPS = 1e-7
_TOP = 1.0 - ARC_EPS


def _cosines(value, name):
    arr = last_axis(as_float_array(value, name), name)
    outside = np.abs(arr) > 1.0 + COSINE_SLACK
    if outside.any():
        raise ValueError(
            f"{name} must be cosines in [-1, 1] (up to {COSINE_SLACK:g} of rounding); got "
            f"{float(arr[outside].flat[0])!r} - normalise the features and the class weights before "
            "taking their dot products"
        )
    return arr


COSINES = Domain(
    "cosines in [−1, 1], shape (..., C): cos θ_j = ŵ_j·x̂, classes on the last axis",
    _cosines,
    lambda rng, shape: rng.uniform(-0.98, 0.98, size=shape),
    has_class_axis=True,
    invalid=(
        Invalid(1.5, ValueError, "must be cosines in [-1, 1]"),
        Invalid(-2.0, ValueError, "must be cosines in [-1, 1]"),
    ),
    # the target at 1 (inside the ε band), at −1 (past π − m), near the band, in between, ties
    stress=(
        (1.0, 0.0, -1.0),
        (0.5, -0.5, 0.25),
        (-0.95, 0.9, 0.6),
        (0.99999, 1.0, -0.3),
        (0.3, 1 - 1e-9, -0.999999),
        (-1.0, -1.0, -1.0),
        (1e-12, -1e-12, 0.0),
    ),
    fd_step=lambda x: 1e-3 * min(1 - float(np.abs(x).max()), 0.1),  # stay inside [-1, 1]
)


def _angle_curve(series):
    """Plot against the angle θ_y between the feature and its class's weight (class 0 of three)."""
    return Curve(
        x_label="angle θ_y to the true class (rad)",  # the two other classes at 90°
        x_range=(0.0, np.pi),
        args=lambda x: (
            np.stack([np.cos(x), np.zeros_like(x), np.zeros_like(x)], axis=-1),
            np.zeros(x.shape, dtype=np.int64),
        ),
        series=series,
        # dℓ/dθ_y = ∂ℓ/∂cos θ_y · (−sin θ_y)
        component=lambda g, args: -g[..., 0] * np.sqrt(np.maximum(0.0, 1.0 - args[0][..., 0] ** 2)),
        grad_label="dℓ/dθ_y (turning the feature away)",
    )


def _scaled_cross_entropy(cosines, labels, target, target_slope, scale):
    """Cross-entropy of z = s·cosines with z_y = s·target; its gradient in the cosines."""
    z = scale * cosines
    np.put_along_axis(z, labels[..., None], (scale * target)[..., None], axis=-1)
    log_p = log_softmax(z)
    log_p_y = _pick(log_p, labels)

    def backward():
        grad = scale * _p_minus_onehot(log_p, labels, log_p_y)  # ∂ℓ/∂z · dz/dc
        grad_y = _pick(grad, labels) * target_slope
        np.put_along_axis(grad, labels[..., None], grad_y[..., None], axis=-1)
        return grad

    return Result(0.0 - log_p_y, backward)


def _threshold(margin, easy_margin):
    """Where the margin stops: insightface's cos(π − m), or 0 with ``easy_margin``."""
    return 0.0 if easy_margin else math.cos(math.pi - margin)


def _arc_target(c, margin, easy_margin):
    """ψ(c) and ψ'(c): cos(θ + m) above the threshold, the insightface fallback below it.

    cos(θ + m) = c·cos m − sin θ·sin m with sin θ = √(1 − c̃²), c̃ = min(c, 1 − ε): the only
    change ε makes is to stop sin θ below √(1 − (1 − ε)²) ≈ 4.5e-4, so the slope
    cos m + c·sin m/sin θ stays finite (it is cos m inside the band, where sin θ is frozen).
    """
    on = c > _threshold(margin, easy_margin)
    safe = np.where(on, np.minimum(c, _TOP), 0.0)  # entries off the branch: a harmless 0
    sin_theta = np.sqrt((1.0 - safe) * (1.0 + safe))  # (1 − c)(1 + c): no cancellation near 1
    cos_m, sin_m = math.cos(margin), math.sin(margin)
    inside = c <= _TOP
    value = np.where(on, c * cos_m - sin_theta * sin_m, c if easy_margin else c - margin * sin_m)
    slope = np.where(on, cos_m + np.where(inside, safe * sin_m / sin_theta, 0.0), 1.0)
    return value, slope


def _arcface_kink(cosines, labels, scale=64.0, margin=0.5, easy_margin=False):
    """The target cosine's distance to the jump at the threshold and to the edge of the ε band."""
    labels = np.asarray(labels)
    c = _pick(cosines, labels)
    distance = np.minimum(np.abs(c - _threshold(margin, easy_margin)), np.abs(c - _TOP))
    out = np.full(cosines.shape, np.inf)
    np.put_along_axis(out, labels[..., None], distance[..., None], axis=-1)
    return out


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell(c, y) = \operatorname{LSE}(z) - z_y, \quad z_j = s\, c_j \ (j \ne y), \quad z_y = s\, \psi(c_y), \qquad c_j = \cos\theta_j = \hat w_j \cdot \hat x",  # noqa: E501
        r"\psi(c) = \begin{cases} \cos(\theta + m) = c \cos m - \sqrt{1 - \tilde c^{2}}\, \sin m & c > \cos(\pi - m) \\ c - m \sin m & \text{otherwise (past } \theta = \pi - m \text{)} \end{cases} \qquad \tilde c = \min(c,\ 1 - 10^{-7})",  # noqa: E501
        r"\text{easy margin: } \psi(c) = \cos(\theta + m) \text{ for } c > 0, \text{ and } c \text{ otherwise}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial c_j} = s\, p_j \ (j \ne y), \qquad \frac{\partial \ell}{\partial c_y} = s\, (p_y - 1)\, \psi'(c_y), \qquad p = \operatorname{softmax}(z)",  # noqa: E501
        r"\psi'(c) = \cos m + \frac{c \sin m}{\sqrt{1 - c^2}} \ \text{ for } c \le 1 - 10^{-7}, \quad \cos m \ \text{ above}, \quad 1 \ \text{ on the fallback}",  # noqa: E501
    ),
    domain={"cosines": COSINES, "labels": CLASS_LABEL},
    use_case=(
        "Face recognition and other open-set embeddings: softmax over classes with an additive angular "
        "margin on the true class."
    ),
    properties=("non_negative",),
    equivalents={
        "insightface": (
            "recognition/arcface_torch losses.ArcFace(s=64.0, margin=0.5) (a margin head: scaled logits for "
            "CrossEntropyLoss; commit 7fadd420, no release of arcface_torch)"
        ),
        "pytorch-metric-learning": (
            "losses.ArcFaceLoss(num_classes, embedding_size, margin=28.6, scale=64) (v2.9.0; margin in "
            "degrees, 28.648° is 0.5 rad; takes embeddings, owns the class weights W: the cosines are "
            "those of the embeddings and W's columns)"
        ),
        "PyTorch": (
            "no built-in: F.cross_entropy(s * logits, labels) with the target cosine replaced by ψ(cos θ_y)"
        ),
    },
    references=(
        (
            "Deng, Guo, Xue & Zafeiriou, ArcFace: Additive Angular Margin Loss for Deep Face Recognition "
            "(CVPR 2019)"
        ),
        (
            "insightface, recognition/arcface_torch/losses.py: the fallback c − m sin m past θ = π − m, and "
            "easy_margin"
        ),
    ),
    differences=(
        Difference(
            "pml-arcface-degrees",
            "pytorch-metric-learning",
            "`ArcFaceLoss(margin=28.6)` takes the margin in **degrees** and converts it with "
            "`np.radians`: its default is 0.4992 rad, and `margin=0.5` there is half a degree. "
            "`lossref` takes radians, as the paper and insightface: 0.5 rad is 28.65°. With the "
            "margin converted the two agree at every angle: since v1.7.0 `ArcFaceLoss` also uses "
            "the fallback cos θ_y − m sin m past θ_y = π − m (executed in v2.9.0, "
            "`losses/arcface_loss.py`, which clamps the cosine to [−1, 1]).",
        ),
    ),
    aliases=("additive angular margin",),  # names readers search for
    plot=Plot(
        curve=_angle_curve(
            (
                Series("m = 0.5", {}, {}),
                Series("m = 0.25", {}, {"margin": 0.25}),
                Series("m = 0 (no margin)", {}, {"margin": 0.0}),
            )
        ),
        explore={"margin": (0.0, 1.0), "scale": (4.0, 124.0)},
    ),
    checks=Checks(
        variants=({"margin": 0.2, "scale": 30.0}, {"easy_margin": True}, {"margin": 0.0}),
        # cosines at exactly ±1 and just outside (within the slack), the target at the threshold
        # cos(π − m) and at the edge of the ε band, saturated softmax (s = 64 and s = 1000)
        extremes=(
            Extreme([[[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.3, -1.0, 1.0]], [0, 0, 2, 1]]),
            Extreme(
                [
                    [
                        [1.0 - 1e-7, 0.5, -1.0],
                        [1.0 - 1e-12, -1.0, 0.2],
                        [math.cos(math.pi - 0.5), 1.0, -1.0],
                        [1.0 + 5e-7, -1.0 - 5e-7, 0.0],
                    ],
                    [0, 0, 0, 0],
                ],
                {"scale": 1e3},
            ),
            Extreme(
                [[[0.0, 0.9, -0.9], [-0.2, 0.1, 0.0], [1.0, -1.0, -1.0]], [0, 1, 0]], {"easy_margin": True}
            ),
        ),
        invalid=(
            Invalid({"scale": 0.0}, ValueError, "scale must be > 0"),
            Invalid({"margin": -0.1}, ValueError, "margin must be in [0, π) radians"),
            Invalid({"margin": 28.6}, ValueError, "margin must be in [0, π) radians"),
            Invalid({"margin": math.pi}, ValueError, "margin must be in [0, π) radians"),
            Invalid({"easy_margin": 1}, TypeError, "easy_margin must be True or False"),
        ),
        kink_distance=_arcface_kink,
        fd_step=lambda scale=64.0, **_: (
            1e-3 * min(1.0, 8.0 / scale)
        ),  # the logits s·c bend on a length 1/s in c
        # cosines at ±1 and within the slack outside, the target at the threshold cos(π − m) (the
        # fallback: strictly above it is cos(θ + m)), at the edge of the 1 − 1e-7 band and inside it,
        # at 0 with easy_margin (the fallback again), saturated softmax (s = 64 and s = 1000)
        torch_extremes=(
            Extreme([[[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.3, -1.0, 1.0]], [0, 0, 2, 1]]),
            Extreme(
                [
                    [
                        [1.0 - 1e-7, 0.5, -1.0],
                        [1.0 - 1e-12, -1.0, 0.2],
                        [math.cos(math.pi - 0.5), 1.0, -1.0],
                        [1.0 + 5e-7, -1.0 - 5e-7, 0.0],
                    ],
                    [0, 0, 0, 0],
                ],
                {"scale": 1e3},
            ),
            Extreme(
                [[[0.0, 0.9, -0.9], [-0.2, 0.1, 0.0], [1.0, -1.0, -1.0]], [0, 1, 0]], {"easy_margin": True}
            ),
            Extreme([[[-1.0, 0.5, 0.0], [-0.99, 0.2, 0.3], [1.0, 0.0, 0.0]], [0, 0, 0]], {"margin": 0.0}),
        ),
    ),
)
def arcface(cosines, labels, *, scale=64.0, margin=0.5, easy_margin=False):
    """ArcFace: softmax cross-entropy on s·cos θ, with the true class's angle widened by m.

    Takes the cosines cos θ_j = ŵ_j·x̂ between the normalised feature and each normalised
    class weight (what insightface's margin head receives). The true class's logit becomes
    s·cos(θ_y + m), the others stay s·cos θ_j. Past θ_y = π − m, where cos(θ_y + m) would
    rise again, the logit is s·(cos θ_y − m·sin m), insightface's fallback (the value jumps
    there, from −1 to −cos m − m·sin m); ``easy_margin=True`` applies the margin only for
    cos θ_y > 0. sin θ_y = √(1 − cos²θ_y) is evaluated at min(cos θ_y, 1 − 10⁻⁷), so the
    gradient stays finite at cos θ_y = 1 (there it is s·(p_y − 1)·cos m).

    Args:
        cosines: Cosines c, shape (..., C), in [−1, 1] (1e-6 of rounding outside is accepted).
        labels: Integer labels in [0, C), shape (...).
        scale: s > 0, the radius of the hypersphere the logits live on (64 in the paper,
            insightface and pytorch-metric-learning).
        margin: m in [0, π), in radians (0.5 in the paper and insightface; pytorch-metric-learning
            takes degrees, 28.6).
        easy_margin: Apply the margin only where cos θ_y > 0 (and leave the logit as it is
            elsewhere) instead of insightface's fallback.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import arcface
        >>> c = [[0.5, 0.0]]                # θ_y = π/3; with m = π/6 the target logit is cos(π/2) = 0
        >>> round(arcface(c, [0], scale=1.0, margin=math.pi / 6), 12) == round(math.log(2), 12)
        True
        >>> arcface.grad(c, [0], scale=1.0, margin=math.pi / 6).round(4)   # (½ − 1)·2/√3, ½
        array([[-0.5774,  0.5   ]])
    """
    positive(scale=scale)
    m = real_scalar(margin, "margin")
    if not 0.0 <= m < math.pi:
        raise ValueError(
            f"margin must be in [0, π) radians; got {margin}"
            + (
                " (pytorch-metric-learning's ArcFaceLoss takes degrees: 28.6° is 0.4992 rad)"
                if m >= math.pi
                else ""
            )
        )
    flag(easy_margin=easy_margin)
    _, labels = _check_labels(labels, cosines, "labels", None)
    target, slope = _arc_target(_pick(cosines, labels), m, bool(easy_margin))
    return _scaled_cross_entropy(cosines, labels, target, slope, float(scale))


@class_axis_loss(
    family="ranking",
    formula=r"\ell(c, y) = \operatorname{LSE}(z) - z_y, \quad z = s\,(c - m\, e_y), \qquad c_j = \cos\theta_j = \hat w_j \cdot \hat x",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial c} = s\,(p - e_y), \qquad p = \operatorname{softmax}\big(s\,(c - m\, e_y)\big)",  # noqa: E501
    domain={"cosines": COSINES, "labels": CLASS_LABEL},
    use_case=(
        "Face recognition and other open-set embeddings: softmax over classes with an additive cosine "
        "margin on the true class."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "insightface": (
            "recognition/arcface_torch losses.CosFace(s=64.0, m=0.40) (a margin head: scaled logits for "
            "CrossEntropyLoss; commit 7fadd420)"
        ),
        "pytorch-metric-learning": (
            "losses.CosFaceLoss(num_classes, embedding_size, margin=0.35, scale=64) (v2.9.0; takes "
            "embeddings, owns the class weights)"
        ),
        "PyTorch": (
            "no built-in: F.cross_entropy(s * logits, labels) with logits = cosines − m·one_hot(labels)"
        ),
    },
    references=(
        "Wang et al., CosFace: Large Margin Cosine Loss for Deep Face Recognition (CVPR 2018)",
        "Wang, Cheng, Liu & Liu, Additive Margin Softmax for Face Verification (2018)",
    ),
    differences=(
        Difference(
            "insightface-cosface-default-margin",
            "insightface",
            "arcface_torch's `CosFace` head (`recognition/arcface_torch/losses.py`, insightface "
            "commit 7fadd420) defaults to m = 0.40; `lossref` defaults to 0.35, the value of the "
            "CosFace paper and of pytorch-metric-learning v2.9.0's `CosFaceLoss`. Pass "
            "`margin=0.4` to reproduce insightface.",
        ),
    ),
    aliases=("large margin cosine loss",),  # names readers search for
    plot=Plot(
        curve=_angle_curve(
            (
                Series("m = 0.35", {}, {}),
                Series("m = 0.2", {}, {"margin": 0.2}),
                Series("m = 0 (no margin)", {}, {"margin": 0.0}),
            )
        ),
        explore={"margin": (0.0, 0.8), "scale": (4.0, 124.0)},
    ),
    checks=Checks(
        variants=({"margin": 0.0}, {"margin": 0.2, "scale": 30.0}),
        # cosines at exactly ±1 and just outside (within the slack), saturated softmax (s = 64, 1000)
        extremes=(
            Extreme([[[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.3, -1.0, 1.0]], [0, 0, 2, 1]]),
            Extreme(
                [[[1.0, 0.5, -1.0], [1.0 + 5e-7, -1.0 - 5e-7, 0.0], [-1.0, 1.0, -1.0]], [0, 0, 2]],
                {"scale": 1e3, "margin": 0.5},
            ),
        ),
        invalid=(
            Invalid({"scale": -1.0}, ValueError, "scale must be > 0"),
            Invalid({"margin": -0.1}, ValueError, "margin must be >= 0"),
        ),
        fd_step=lambda scale=64.0, **_: (
            1e-3 * min(1.0, 8.0 / scale)
        ),  # the logits s·c bend on a length 1/s in c
        torch_extremes=(
            Extreme([[[1.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.3, -1.0, 1.0]], [0, 0, 2, 1]]),
            Extreme(
                [[[1.0, 0.5, -1.0], [1.0 + 5e-7, -1.0 - 5e-7, 0.0], [-1.0, 1.0, -1.0]], [0, 0, 2]],
                {"scale": 1e3, "margin": 0.5},
            ),
        ),
    ),
)
def cosface(cosines, labels, *, scale=64.0, margin=0.35):
    """CosFace (large margin cosine loss): softmax cross-entropy on s·cos θ with m taken off the true class.

    Takes the cosines cos θ_j = ŵ_j·x̂ between the normalised feature and each normalised
    class weight. The true class's logit is s·(cos θ_y − m), the others s·cos θ_j. The
    margin is additive in the cosine, so the loss is the cross-entropy of an affine map of
    the cosines: convex, smooth, with gradient s·(p − e_y).

    Args:
        cosines: Cosines c, shape (..., C), in [−1, 1] (1e-6 of rounding outside is accepted).
        labels: Integer labels in [0, C), shape (...).
        scale: s > 0 (64 in the paper, insightface and pytorch-metric-learning).
        margin: m >= 0, subtracted from the true class's cosine (0.35 in the paper and
            pytorch-metric-learning; insightface's head defaults to 0.40).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import cosface
        >>> c = [[0.5, 0.0]]                                   # z = 2·(0.5 − 0.5, 0) = (0, 0)
        >>> cosface(c, [0], scale=2.0, margin=0.5) == math.log(2)
        True
        >>> cosface.grad(c, [0], scale=2.0, margin=0.5)       # s·(p − e_y) = 2·(½ − 1, ½)
        array([[-1.,  1.]])
    """
    positive(scale=scale)
    m = real_scalar(margin, "margin")
    if m < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    _, labels = _check_labels(labels, cosines, "labels", None)
    c_y = _pick(cosines, labels)
    return _scaled_cross_entropy(cosines, labels, c_y - m, np.ones(c_y.shape), float(scale))


FEATURES = Domain(
    "real vectors, shape (..., D): features on the last axis",
    VECTORS.convert,
    VECTORS.sample,
    has_class_axis=True,
    invalid=VECTORS.invalid,
    # four features, as the tests' centers: at a center, next to one, huge (squares near 1e300),
    # tiny, and far apart in scale within one row
    stress=(
        (0.0, 0.0, 0.0, 0.0),
        (1.0, -1.0, 0.5, 2.0),
        (1.0 + 2**-40, -1.0, 0.5, 2.0),
        (1e150, -1e150, 0.0, 3e149),
        (1e-200, 3e-200, 0.0, 0.0),
        (1e8, 1.0, -1e8, 0.0),
        (-3.0, 0.5, 2.0, -1.0),
        (1e-6, 0.0, -1e-6, 1.0),
    ),
)
_CENTERS = np.array(
    [[0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 0.5, 2.0], [-2.0, 0.5, 1.0, 0.0], [0.25, 3.0, -1.0, -0.5]]
)
_PLANE_CENTERS = np.array([[0.0, 0.0], [1.5, 0.0]])


def _centers(centers, features):
    c = as_float_array(centers, "centers")
    d = features.shape[-1]
    if c.ndim != 2 or c.shape[1] != d:
        raise ValueError(f"centers must have shape (C, {d}), one row per class; got shape {c.shape}")
    return c


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = \tfrac12 \lVert x_i - c_{y_i} \rVert^2",
        r"c \in \mathbb{R}^{C \times D}: \text{ one center per class, passed as centers= (not differentiated)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell_i}{\partial x_i} = x_i - c_{y_i}",
        r"\frac{\partial \ell_i}{\partial c_{y_i}} = -(x_i - c_{y_i}) \quad \text{(not returned: the paper moves each center by its own rule)}",  # noqa: E501
    ),
    domain={"features": FEATURES, "labels": CLASS_LABEL},
    use_case=(
        "Face recognition: pull each feature towards its class's center, next to a softmax loss that "
        "separates the classes."
    ),
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "pytorch-center-loss": (
            "CenterLoss(num_classes, feat_dim) (K. Zhou's module, commit 082ffa2, no releases: owns the "
            "centers, no ½)"
        ),
        "PyTorch": "no built-in: 0.5 * ((x - centers[labels]) ** 2).sum(-1)",
    },
    references=(
        (
            "Wen, Zhang, Li & Qiao, A Discriminative Feature Learning Approach for Deep Face Recognition "
            "(ECCV 2016)"
        ),
    ),
    differences=(
        Difference(
            "pytorch-center-loss-no-half",
            "pytorch-center-loss",
            "K. Zhou's widely copied `CenterLoss` (`center_loss.py` at commit 082ffa2) has no ½, "
            "and clamps every entry of its masked "
            "N × C matrix of squared distances to [10⁻¹², 10¹²], so the N(C − 1) zeros of the other "
            "classes add 10⁻¹² each: its value is 2 × `lossref`'s mean + (C − 1)·10⁻¹², and its "
            "gradient twice `lossref`'s (for squared distances inside the clamp).",
        ),
    ),
    required={"centers": _CENTERS},
    plot=Plot(
        curve=Curve(
            x_label="first coordinate x₁ of the feature (x₂ = 0)",
            x_range=(-3.0, 3.0),
            args=lambda x, y=0: (
                np.stack([x, np.zeros_like(x)], axis=-1),
                np.full(x.shape, y, dtype=np.int64),
            ),
            series=(
                Series("class 0, center (0, 0)", {"y": 0}, {"centers": _PLANE_CENTERS}),
                Series("class 1, center (1.5, 0)", {"y": 1}, {"centers": _PLANE_CENTERS}),
            ),
            component=lambda g, args: g[..., 0],
            grad_label="∂ℓ/∂x₁ = x₁ − c₁",
        ),
    ),
    checks=Checks(
        # squares near 1e300, a feature exactly at its center (loss and gradient 0), differences of
        # 1e-300 (squares underflow to 0, the gradient does not), entries of 1e8 next to 1
        extremes=(
            Extreme(
                [
                    [
                        [1e150, -1e150, 0.0, 3e149],
                        [0.0, 0.0, 0.0, 0.0],
                        [1e-300, 0.0, 0.0, 0.0],
                        [1e8, 1.0, -1e8, 0.0],
                    ],
                    [0, 0, 0, 3],
                ],
                {"centers": _CENTERS},
            ),
            Extreme(
                [[[0.0, 0.0], [-1e-300, 1e-300], [1e4, -1e4]], [0, 1, 1]],
                {"centers": [[0.0, 0.0], [1e-300, -1e-300]]},
            ),
        ),
        invalid=(
            Invalid(
                {"centers": np.zeros((4, 3))}, ValueError, "centers must have shape (C, 4), one row per class"
            ),
            Invalid({"centers": np.zeros((2, 4))}, ValueError, "labels must be in [0, 2)"),
            Invalid({"centers": np.full((4, 4), np.nan)}, ValueError, "centers contains NaN"),
        ),
        # squares near 1e300, a feature at its center, differences of 1e-300, entries of 1e8 next to 1
        torch_extremes=(
            Extreme(
                [
                    [
                        [1e150, -1e150, 0.0, 3e149],
                        [0.0, 0.0, 0.0, 0.0],
                        [1e-300, 0.0, 0.0, 0.0],
                        [1e8, 1.0, -1e8, 0.0],
                        [1.0, -1.0, 0.5, 2.0],
                    ],
                    [0, 0, 0, 3, 1],
                ],
                {
                    "centers": [
                        [0.0, 0.0, 0.0, 0.0],
                        [1.0, -1.0, 0.5, 2.0],
                        [-2.0, 0.5, 1.0, 0.0],
                        [0.25, 3.0, -1.0, -0.5],
                    ]
                },
            ),
            Extreme(
                [[[0.0, 0.0], [-1e-300, 1e-300], [1e4, -1e4]], [0, 1, 1]],
                {"centers": [[0.0, 0.0], [1e-300, -1e-300]]},
            ),
        ),
    ),
)
def center(features, labels, *, centers):
    """Center loss (Wen et al. 2016): half the squared distance from each feature to its class's center.

    The centers are a (C, D) array passed by keyword. In the paper they are not trained by
    this loss's gradient but moved after each batch towards the mean of their class's
    features, c_j ← c_j − α·Σ_{i: y_i = j} (c_j − x_i) / (1 + n_j) with α = 0.5; ``.grad``
    differentiates the features only. (The gradient with respect to c_{y_i} is minus the
    feature gradient, for anyone training the centers by SGD instead.) The paper adds it to
    softmax cross-entropy as CE + λ·ℓ, with λ around 0.003.

    Args:
        features: Features x, shape (..., D).
        labels: Integer labels in [0, C), shape (...): row y_i of ``centers`` is x_i's center.
        centers: Class centers, shape (C, D). Required.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import center
        >>> x, c = [[1.0, 2.0], [0.0, 0.0]], [[0.0, 0.0], [3.0, 4.0]]
        >>> center(x, [0, 1], centers=c, reduction="none")       # ½(1 + 4), ½(9 + 16)
        array([ 2.5, 12.5])
        >>> center.grad(x, [0, 1], centers=c, reduction="sum")   # x − c_y
        array([[ 1.,  2.],
               [-3., -4.]])
    """
    c = _centers(centers, features)
    if labels.shape != features.shape[:-1]:
        raise ValueError(
            f"labels has shape {labels.shape} but {features.shape[:-1]} was expected "
            f"(one per feature: the shape of features {features.shape} without its last axis)"
        )
    bad = labels[(labels < 0) | (labels >= c.shape[0])]
    if bad.size:
        raise ValueError(
            f"labels must be in [0, {c.shape[0]}) (one row of centers per class); got {bad.flat[0]}"
        )
    with np.errstate(over="ignore"):  # a squared distance beyond 1.8e308 is inf, as it should be
        diff = features - c[labels]
        value = 0.5 * (diff * diff).sum(axis=-1)
    return Result(value, diff)  # the gradient is the difference itself: nothing to defer
