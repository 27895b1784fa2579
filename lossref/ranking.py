"""Ranking and metric-learning losses: pairs of scores or embeddings against ±1 labels."""

import numpy as np

from ._checks import as_float_array, non_negative, real_scalar
from ._core import Curve, Difference, class_axis_loss, elementwise_loss
from ._domains import REAL, SIGN_LABEL, Domain


def _vectors(value, name):
    arr = as_float_array(value, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a feature axis (its last axis)")
    return arr


VECTORS = Domain(
    "real vectors, shape (..., D): features on the last axis",
    _vectors,
    lambda rng, shape: rng.normal(size=shape),
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"),),
    # orthogonal, parallel (exact multiples), opposite, huge (x² overflows), tiny (x² underflows
    # below ε), of norm² ≈ ε, and zero
    stress=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (1.0, 2.0, 3.0), (2.0, 4.0, 6.0), (-1.0, -2.0, -3.0),
            (3.0, -2.0, 0.5), (1e200, -1e200, 3e199), (1e-200, 3e-200, 0.0), (1e-6, 0.0, 0.0),
            (0.0, 0.0, 0.0)),
)
ROW_SIGN_LABEL = Domain(
    "{−1, +1}, one per pair: the shape of x1 without its last axis",
    SIGN_LABEL.convert,
    lambda rng, shape: rng.choice([-1.0, 1.0], size=shape[:-1]),
    invalid=SIGN_LABEL.invalid,
    stress=(-1.0, 1.0),
)


def _scaled(x, eps):
    """Each row as s·u with s = max|x_i| (so u's entries are at most 1), and N = √(‖x‖² + ε).

    ‖x‖² overflows for entries above 1e154 and underflows below 1e-154; in terms of u it
    does neither. Returns u, ‖u‖², ε/s², s/N and N.
    """
    s = np.abs(x).max(axis=-1)
    safe = np.where(s > 0, s, 1.0)  # a zero row: u = 0, N = √ε
    u = x / safe[..., None]
    nu = (u * u).sum(axis=-1)
    with np.errstate(over="ignore"):
        r = eps / safe / safe  # ε/s²; ∞ when s is below about 1e-160 (then N = √ε to the last bit)
    finite = np.isfinite(r)
    norm = np.where(finite, safe * np.sqrt(nu + np.where(finite, r, 0.0)), np.sqrt(eps))
    return u, nu, np.where(finite, r, np.inf), s / norm, norm


def _cosine_gradient(u1, nu1, r1, rho1, norm1, u2, rho2, dot):
    """∂cos/∂x1 = (x2 − (x1·x2 / N1²) x1) / (N1 N2), with cos = x1·x2 / (N1 N2).

    In scaled terms ρ2/N1 · (u2 − (u1·u2)/(‖u1‖² + r1) · u1). The bracket nearly cancels for
    parallel vectors, where only ε keeps it from 0: it is split into u2 − (u1·u2)/‖u1‖² · u1,
    exactly 0 for equal vectors, plus (u1·u2)·r1/(‖u1‖²(‖u1‖² + r1)) · u1, the ε part.
    """
    ok = np.isfinite(r1) & (nu1 > 0)  # else x1 is 0 or below √ε·1e-154: the bracket is u2
    with np.errstate(divide="ignore", invalid="ignore"):
        proj = np.where(ok, dot / nu1, 0.0)
        eps_part = np.where(ok, dot * r1 / (nu1 * (nu1 + r1)), 0.0)
    bracket = u2 - proj[..., None] * u1 + eps_part[..., None] * u1
    return (rho2 / norm1)[..., None] * bracket


def _cosine_parts(x1, x2, eps):
    u1, nu1, r1, rho1, n1 = _scaled(x1, eps)
    u2, nu2, r2, rho2, n2 = _scaled(x2, eps)
    dot = (u1 * u2).sum(axis=-1)
    cos = dot * rho1 * rho2
    return cos, _cosine_gradient(u1, nu1, r1, rho1, n1, u2, rho2, dot), \
        _cosine_gradient(u2, nu2, r2, rho2, n2, u1, rho1, dot)


_TORCH_EPS = float(np.float32(1e-12))  # PyTorch's EPSILON in Loss.cpp is a C++ float


def _cosine_embedding_kink(x1, x2, labels, margin=0.0, eps=1e-12):
    """How far x1 and x2 are from the kink cos = m of a y = −1 pair: moving x_i by δ moves cos by ≤ δ/N_i."""
    cos, _, _ = _cosine_parts(x1, x2, eps)
    norm = np.minimum(_scaled(x1, eps)[4], _scaled(x2, eps)[4])
    distance = np.where(labels == -1, np.abs(cos - margin) * norm, np.inf)
    return np.broadcast_to(distance[..., None], x1.shape)


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell(x_1, x_2, y) = \begin{cases} 1 - \cos(x_1, x_2) & y = +1 \\ \max\big(0,\ \cos(x_1, x_2) - m\big) & y = -1 \end{cases}",
        r"\cos(x_1, x_2) = \frac{x_1 \cdot x_2}{\sqrt{(\lVert x_1 \rVert^2 + \varepsilon)(\lVert x_2 \rVert^2 + \varepsilon)}}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial x_1} = \mp\, \frac{\partial \cos}{\partial x_1} \ \ (\text{− for } y = +1;\ \text{+ for } y = -1 \text{ when } \cos > m,\ \text{else } 0)",
        r"\frac{\partial \cos}{\partial x_1} = \frac{1}{N_1 N_2}\Big(x_2 - \frac{x_1 \cdot x_2}{N_1^2}\, x_1\Big), \quad N_i = \sqrt{\lVert x_i \rVert^2 + \varepsilon}",
    ),
    domain={"x1": VECTORS, "x2": VECTORS, "labels": ROW_SIGN_LABEL},
    use_case="Learning embeddings from labelled pairs: pull similar pairs to cosine 1, push dissimilar ones below a margin.",
    properties=("non_negative",),
    equivalents={
        "PyTorch": "torch.nn.CosineEmbeddingLoss(margin=m) (ε = float32(1e-12), fixed)",
    },
    references=(
        "PyTorch documentation, torch.nn.CosineEmbeddingLoss",
        "Hadsell, Chopra & LeCun, Dimensionality Reduction by Learning an Invariant Mapping (2006)",
    ),
    differences=(
        Difference(
            "pytorch-cosine-embedding-tie",
            "PyTorch",
            "At cos = m exactly for a y = −1 pair (orthogonal vectors with m = 0, say), PyTorch's "
            "`clamp_min` passes the gradient ∂cos/∂x; `lossref` returns 0, the library's "
            "subgradient of max(0, ·) at its kink.",
        ),
        Difference(
            "pytorch-cosine-embedding-01-labels",
            "PyTorch",
            "PyTorch gives a pair whose label is neither 1 nor −1 (a 0 from {0, 1} labels) a loss "
            "of 0 and no gradient, silently; `lossref` raises. Convert with 2y − 1.",
        ),
        Difference(
            "pytorch-cosine-embedding-float32-eps",
            "PyTorch",
            "PyTorch adds ε = float32(1e-12) = 9.99999996e-13 to each squared norm, a constant in "
            "its C++ source; `lossref`'s `eps` defaults to 1e-12 exactly. The two differ only "
            "for vectors of squared norm near 1e-12; pass `eps=float(np.float32(1e-12))` to match "
            "PyTorch there too.",
        ),
        Difference(
            "pytorch-cosine-embedding-overflow",
            "PyTorch",
            "PyTorch squares the entries, so in float64 a vector with entries beyond about 1e154 "
            "has an infinite norm: its cosine becomes 0 (a parallel pair costs 1 instead of 0), "
            "or NaN when the dot product overflows too. `lossref` divides each vector by its "
            "largest entry first and returns the cosine of any finite vectors.",
        ),
    ),
    curve=Curve(
        x_label="angle θ between x1 and x2 (radians)",  # x1 = (cos θ, sin θ), x2 = (1, 0)
        x_range=(0.0, np.pi),
        args=lambda x, y=1.0: (
            np.stack([np.cos(x), np.sin(x)], axis=-1),
            np.broadcast_to([1.0, 0.0], x.shape + (2,)).copy(),
            np.full(x.shape, y),
        ),
        series=(
            ("y = +1", {"y": 1.0}, {}),
            ("y = −1, m = 0", {"y": -1.0}, {}),
            ("y = −1, m = 0.5", {"y": -1.0}, {"margin": 0.5}),
        ),
        # dℓ/dθ = ∇ℓ · dx1/dθ with dx1/dθ = (−sin θ, cos θ)
        component=lambda g, args: -g[..., 0] * args[0][..., 1] + g[..., 1] * args[0][..., 0],
        grad_label="dℓ/dθ (rotating x1)",
    ),
    variants=({"margin": 0.5}, {"margin": -0.3}, {"eps": 0.0}),
    kink_distance=_cosine_embedding_kink,
    # entries whose squares overflow or underflow. (Zero and tiny x1, and parallel pairs, are in
    # the accuracy grid: there the loss bends on a scale of √ε, or the gradient is below the
    # finite differences' own error.)
    extremes=(
        ([[[1e200, -1e200, 3e199], [1e4, 1.0, -1e4], [1e4, 1.0, -1e4], [3.0, -2.0, 0.5]],
          [[1.0, 2.0, -3.0], [1e-4, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
          [1.0, -1.0, 1.0, -1.0]], {}),
        ([[[1e200, -1e200, 3e199], [1.0, 2.0, 3.0]],
          [[1e-200, 2e-200, 3e-200], [3e-200, 2e-200, 1e-200]],
          [-1.0, 1.0]], {"margin": -0.5, "eps": 0.0}),
    ),
    invalid=(
        ({"margin": 1.5}, ValueError, "margin must be in [-1, 1]"),
        ({"eps": -1e-12}, ValueError, "eps must be >= 0"),
    ),
    differentiable=("x1", "x2"),
)
def cosine_embedding(x1, x2, labels, *, margin=0.0, eps=1e-12):
    """Cosine embedding loss (PyTorch's CosineEmbeddingLoss) for pairs labelled ±1.

    Similar pairs (y = +1) pay 1 − cos(x1, x2); dissimilar pairs (y = −1) pay
    max(0, cos − m). As PyTorch, the cosine adds ε to each squared norm,
    x1·x2 / √((‖x1‖² + ε)(‖x2‖² + ε)), so a zero vector has cosine 0 instead of 0/0. At the
    kink cos = m the gradient is 0, the library-wide convention for max(0, ·). Each
    vector is divided by its largest entry before squaring, so no finite input overflows.

    Args:
        x1: First vectors of the pairs, shape (..., D): features on the last axis.
        x2: Second vectors, the same shape. Differentiable too: ``grad(..., argnum=1)``.
        labels: +1 (similar) or −1 (dissimilar) per pair, shape (...). {0, 1} labels are
            rejected.
        margin: m in [−1, 1]; PyTorch's default 0, and it suggests 0 to 0.5.
        eps: ε >= 0 added to each squared norm. PyTorch's is float32(1e-12) =
            9.99999996e-13; with ε = 0 a zero vector raises.

    Returns:
        The mean over pairs by default.

    Examples:
        >>> from lossref import cosine_embedding
        >>> x1, x2 = [[1.0, 0.0], [1.0, 0.0]], [[1.0, 1.0], [3.0, 4.0]]
        >>> cosine_embedding(x1, x2, [1.0, -1.0], eps=0.0, reduction="none").round(4)   # 1 − 1/√2, max(0, 3/5 − 0)
        array([0.2929, 0.6   ])
    """
    if not -1.0 <= real_scalar(margin, "margin") <= 1.0:
        raise ValueError(f"margin must be in [-1, 1] (a cosine), got {margin}")
    non_negative(eps=eps)
    if x2.shape != x1.shape:
        raise ValueError(f"x1 has shape {x1.shape} but x2 has shape {x2.shape}")
    if labels.shape != x1.shape[:-1]:
        raise ValueError(
            f"labels has shape {labels.shape} but {x1.shape[:-1]} was expected "
            f"(one per pair: the shape of x1 {x1.shape} without its last axis)"
        )
    if eps == 0:
        for name, x in (("x1", x1), ("x2", x2)):
            if (np.abs(x).max(axis=-1) == 0).any():
                raise ValueError(f"{name} has a zero vector, whose cosine is undefined with eps=0")
    cos, dcos1, dcos2 = _cosine_parts(x1, x2, float(eps))
    similar = labels == 1
    active = ~similar & (cos > margin)
    value = np.where(similar, 1.0 - cos, np.where(active, cos - margin, 0.0))
    sign = np.where(similar, -1.0, np.where(active, 1.0, 0.0))[..., None]
    return value, {"x1": sign * dcos1 + 0.0, "x2": sign * dcos2 + 0.0}  # + 0.0: no -0.0


@elementwise_loss(
    family="ranking",
    formula=r"\ell(x_1, x_2, y) = \max\big(0,\ -y\,(x_1 - x_2) + m\big), \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial x_1} = -\frac{\partial \ell}{\partial x_2} = \begin{cases} -y & -y\,(x_1 - x_2) + m > 0 \\ 0 & \text{otherwise (0 at the kink)} \end{cases}",
    domain={"x1": REAL, "x2": REAL, "labels": SIGN_LABEL},
    use_case="Pairwise ranking: score x1 above x2 (y = +1) or below it (y = −1) by at least a margin.",
    properties=("non_negative", "convex"),
    equivalents={
        "PyTorch": "torch.nn.MarginRankingLoss(margin=m)",
    },
    references=("Herbrich, Graepel & Obermayer, Large Margin Rank Boundaries for Ordinal Regression (2000)",),
    differences=(
        Difference(
            "pytorch-margin-ranking-tie",
            "PyTorch",
            "Exactly at the kink, −y(x1 − x2) + m = 0 (a tie x1 = x2 with m = 0, say), PyTorch's "
            "`clamp_min` passes the gradient: −y for x1. `lossref` returns 0, the library's "
            "subgradient of max(0, ·) at its kink.",
        ),
        Difference(
            "pytorch-margin-ranking-01-labels",
            "PyTorch",
            "PyTorch accepts any label: y = 0 (from {0, 1} labels) makes every such pair cost m "
            "with zero gradient. `lossref` raises. Convert with 2y − 1.",
        ),
    ),
    curve=Curve(
        x_label="score difference x1 − x2 (label y = +1)",
        x_range=(-3.0, 3.0),
        args=lambda x: (x, np.zeros_like(x), np.ones_like(x)),
        series=tuple((f"m = {m:g}", {}, {"margin": m}) for m in (0.0, 0.5, 1.0)),
        grad_label="gradient ∂ℓ/∂x1 (and ∂ℓ/∂x2 = −∂ℓ/∂x1)",
    ),
    variants=({"margin": 1.0}, {"margin": 0.1}),
    differentiable=("x1", "x2"),
    kink_distance=lambda x1, x2, labels, margin=0.0: np.abs(margin - labels * (x1 - x2)),
    extremes=(
        ([[1e4, -1e4, 1e-300, 3.0, 1e8], [-1e4, 1e4, 0.0, 3.5, -1e8], [1.0, 1.0, -1.0, -1.0, -1.0]], {}),
        ([[1e4, 0.25, 2.0], [1e4, 0.5, -2.0], [1.0, -1.0, 1.0]], {"margin": 1.0}),
    ),
    invalid=(
        ({"margin": -1.0}, ValueError, "margin must be >= 0"),
    ),
)
def margin_ranking(x1, x2, labels, *, margin=0.0):
    """Margin ranking loss (PyTorch's MarginRankingLoss) on two scores and a ±1 label.

    y = +1 asks for x1 ≥ x2 + m, y = −1 for x2 ≥ x1 + m; each violation costs its size.
    At the kink (−y(x1 − x2) + m = 0, e.g. a tie with m = 0) the gradient is 0, the
    library-wide convention for max(0, ·); PyTorch passes −y there.

    Args:
        x1: First scores, any shape.
        x2: Second scores, the same shape. Differentiable too: ``grad(..., argnum=1)``.
        labels: +1 (x1 should rank higher) or −1 (x2 should), the same shape. {0, 1}
            labels are rejected.
        margin: m >= 0, the gap the right order must keep (PyTorch's default 0).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import margin_ranking
        >>> margin_ranking([2.0, 0.5], [1.0, 1.0], [1.0, 1.0], margin=0.5, reduction="none")   # max(0, −1 + 0.5), max(0, 0.5 + 0.5)
        array([0., 1.])
        >>> margin_ranking.grad([2.0, 0.5], [1.0, 1.0], [1.0, 1.0], margin=0.5, reduction="sum", argnum=1)
        array([0., 1.])
    """
    non_negative(margin=margin)
    slack = -labels * (x1 - x2) + margin  # PyTorch's order of operations
    active = slack > 0
    return np.where(active, slack, 0.0), {"x1": np.where(active, -labels, 0.0), "x2": np.where(active, labels, 0.0)}
