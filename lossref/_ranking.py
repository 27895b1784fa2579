"""Ranking and metric-learning losses: pairs of scores or embeddings against pair labels."""

from dataclasses import replace

import numpy as np

from ._checks import as_float_array, flag, non_negative, positive, real_scalar
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
from ._domains import BINARY_TARGET, REAL, SIGN_LABEL, VECTORS, Domain
from ._math import sigmoid, softplus

__all__ = [
    "contrastive",
    "cosine_embedding",
    "margin_ranking",
    "ranknet",
    "triplet_margin",
]  # its losses, re-exported by lossref/__init__.py

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
    # the two gradients, deferred: only .grad needs them
    return cos, lambda: (
        _cosine_gradient(u1, nu1, r1, rho1, n1, u2, rho2, dot),
        _cosine_gradient(u2, nu2, r2, rho2, n2, u1, rho1, dot),
    )


_TORCH_EPS = float(np.float32(1e-12))  # PyTorch's EPSILON in Loss.cpp is a C++ float


def _cosine_embedding_kink(x1, x2, labels, margin=0.0, eps=1e-12):
    """How far x1 and x2 are from the kink cos = m of a y = −1 pair: moving x_i by δ moves cos by ≤ δ/N_i."""
    cos, _ = _cosine_parts(x1, x2, eps)
    norm = np.minimum(_scaled(x1, eps)[4], _scaled(x2, eps)[4])
    distance = np.where(labels == -1, np.abs(cos - margin) * norm, np.inf)
    return np.broadcast_to(distance[..., None], x1.shape)


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell(x_1, x_2, y) = \begin{cases} 1 - \cos(x_1, x_2) & y = +1 \\ \max\big(0,\ \cos(x_1, x_2) - m\big) & y = -1 \end{cases}",  # noqa: E501
        r"\cos(x_1, x_2) = \frac{x_1 \cdot x_2}{\sqrt{(\lVert x_1 \rVert^2 + \varepsilon)(\lVert x_2 \rVert^2 + \varepsilon)}}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial x_1} = \mp\, \frac{\partial \cos}{\partial x_1} \ \ (\text{− for } y = +1;\ \text{+ for } y = -1 \text{ when } \cos > m,\ \text{else } 0)",  # noqa: E501
        r"\frac{\partial \cos}{\partial x_1} = \frac{1}{N_1 N_2}\Big(x_2 - \frac{x_1 \cdot x_2}{N_1^2}\, x_1\Big), \quad N_i = \sqrt{\lVert x_i \rVert^2 + \varepsilon}",  # noqa: E501
    ),
    domain={"x1": VECTORS, "x2": VECTORS, "labels": ROW_SIGN_LABEL},
    use_case=(
        "Learning embeddings from labelled pairs: pull similar pairs to cosine 1, push dissimilar ones "
        "below a margin."
    ),
    properties=("non_negative", "symmetric"),
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
    differentiable=("x1", "x2"),
    plot=Plot(
        curve=Curve(
            x_label="angle θ between x1 and x2 (radians)",  # x1 = (cos θ, sin θ), x2 = (1, 0)
            x_range=(0.0, np.pi),
            args=lambda x, y=1.0: (
                np.stack([np.cos(x), np.sin(x)], axis=-1),
                np.broadcast_to([1.0, 0.0], (*x.shape, 2)).copy(),
                np.full(x.shape, y),
            ),
            series=(
                Series("y = +1", {"y": 1.0}, {}),
                Series("y = −1, m = 0", {"y": -1.0}, {}),
                Series("y = −1, m = 0.5", {"y": -1.0}, {"margin": 0.5}),
            ),
            # dℓ/dθ = ∇ℓ · dx1/dθ with dx1/dθ = (−sin θ, cos θ)
            component=lambda g, args: -g[..., 0] * args[0][..., 1] + g[..., 1] * args[0][..., 0],
            grad_label="dℓ/dθ (rotating x1)",
        ),
        explore={"margin": (-0.5, 0.9)},
    ),
    checks=Checks(
        variants=({"margin": 0.5}, {"margin": -0.3}, {"eps": 0.0}),
        # entries whose squares overflow or underflow. (Zero and tiny x1, and parallel pairs, are in
        # the accuracy grid: there the loss bends on a scale of √ε, or the gradient is below the
        # finite differences' own error.)
        extremes=(
            Extreme(
                [
                    [[1e200, -1e200, 3e199], [1e4, 1.0, -1e4], [1e4, 1.0, -1e4], [3.0, -2.0, 0.5]],
                    [[1.0, 2.0, -3.0], [1e-4, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]],
                    [1.0, -1.0, 1.0, -1.0],
                ]
            ),
            Extreme(
                [
                    [[1e200, -1e200, 3e199], [1.0, 2.0, 3.0]],
                    [[1e-200, 2e-200, 3e-200], [3e-200, 2e-200, 1e-200]],
                    [-1.0, 1.0],
                ],
                {"margin": -0.5, "eps": 0.0},
            ),
        ),
        invalid=(
            Invalid({"margin": 1.5}, ValueError, "margin must be in [-1, 1]"),
            Invalid({"eps": -1e-12}, ValueError, "eps must be >= 0"),
        ),
        kink_distance=_cosine_embedding_kink,
        # no exact ties (cos = m) and no norms near √ε: both are documented differences
        torch_extremes=(
            Extreme(
                [
                    [[1e4, 1.0, -1e4], [1.0, 2.0, 3.0], [1e-3, 2e-3, 0.0], [-1.0, 0.5, 2.0]],
                    [[1e-4, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 2.0, 1.0], [1.0, -0.5, -2.0]],
                    [-1.0, 1.0, -1.0, 1.0],
                ]
            ),
            Extreme(
                [[[1e4, 1.0, -1e4], [1e-3, 2e-3, 0.0]], [[1e-4, 2.0, 3.0], [3.0, 2.0, 1.0]], [-1.0, -1.0]],
                {"margin": -0.5, "eps": 0.0},
            ),
        ),
    ),
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
    """  # noqa: E501 (doctest lines with their hand-computed values)
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
    cos, cosine_gradients = _cosine_parts(x1, x2, float(eps))
    similar = labels == 1
    active = ~similar & (cos > margin)
    value = np.where(similar, 1.0 - cos, np.where(active, cos - margin, 0.0))

    def backward():
        dcos1, dcos2 = cosine_gradients()
        sign = np.where(similar, -1.0, np.where(active, 1.0, 0.0))[..., None]
        return {"x1": sign * dcos1 + 0.0, "x2": sign * dcos2 + 0.0}  # + 0.0: no -0.0

    return Result(value, backward)


@elementwise_loss(
    family="ranking",
    formula=r"\ell(x_1, x_2, y) = \max\big(0,\ -y\,(x_1 - x_2) + m\big), \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial x_1} = -\frac{\partial \ell}{\partial x_2} = \begin{cases} -y & -y\,(x_1 - x_2) + m > 0 \\ 0 & \text{otherwise (0 at the kink)} \end{cases}",  # noqa: E501
    domain={"x1": REAL, "x2": REAL, "labels": SIGN_LABEL},
    use_case="Pairwise ranking: score x1 above x2 (y = +1) or below it (y = −1) by at least a margin.",
    properties=("non_negative", "convex", "bounded_gradient"),
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
    differentiable=("x1", "x2"),
    plot=Plot(
        curve=Curve(
            x_label="score difference x1 − x2 (label y = +1)",
            x_range=(-3.0, 3.0),
            args=lambda x: (x, np.zeros_like(x), np.ones_like(x)),
            series=tuple(Series(f"m = {m:g}", {}, {"margin": m}) for m in (0.0, 0.5, 1.0)),
            grad_label="gradient ∂ℓ/∂x1 (and ∂ℓ/∂x2 = −∂ℓ/∂x1)",
        ),
        explore={"margin": (0.0, 2.0)},
    ),
    checks=Checks(
        variants=({"margin": 1.0}, {"margin": 0.1}),
        extremes=(
            Extreme(
                [[1e4, -1e4, 1e-300, 3.0, 1e8], [-1e4, 1e4, 0.0, 3.5, -1e8], [1.0, 1.0, -1.0, -1.0, -1.0]]
            ),
            Extreme([[1e4, 0.25, 2.0], [1e4, 0.5, -2.0], [1.0, -1.0, 1.0]], {"margin": 1.0}),
        ),
        invalid=(Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),),
        kink_distance=lambda x1, x2, labels, margin=0.0: np.abs(margin - labels * (x1 - x2)),
        torch_extremes=(
            Extreme(
                [[1e4, -1e4, 1e-300, 3.0, 1e8], [-1e4, 1e4, 0.0, 3.5, -1e8], [1.0, 1.0, -1.0, -1.0, -1.0]]
            ),
            Extreme([[1e4, 0.25, 2.0], [1e4, 0.5, -2.0], [1.0, -1.0, 1.0]], {"margin": 1.0}),
        ),
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
    """  # noqa: E501 (doctest lines with their hand-computed values)
    non_negative(margin=margin)
    slack = -labels * (x1 - x2) + margin  # PyTorch's order of operations
    active = slack > 0
    return Result(
        np.where(active, slack, 0.0),
        lambda: {"x1": np.where(active, -labels, 0.0), "x2": np.where(active, labels, 0.0)},
    )


# scores as REAL, with a shorter stress list: the grid is its square times four targets and two
# values of σ (the full list made 1568 points and the slowest accuracy test of the suite)
RANK_SCORES = replace(
    REAL,
    invalid=(Invalid(np.inf, ValueError, "contains inf"),),
    stress=(0.0, 1e-300, -1e-12, 1e-6, -0.5, 1.0, 30.0, -700.0, 1e4),
)
PAIR_PROBABILITY = Domain(
    "[0, 1]: the target probability that item i ranks above item j (1, 0, or ½ for a tie)",
    BINARY_TARGET.convert,
    lambda rng, shape: rng.choice([0.0, 0.5, 1.0], size=shape),
    invalid=BINARY_TARGET.invalid,
    stress=(0.0, 1.0, 0.5, 0.2),
)


@elementwise_loss(
    family="ranking",
    formula=(
        r"\ell = -\bar P \log P - (1 - \bar P) \log(1 - P), \quad P = \sigma(z), \ z = \sigma_s\,(s_i - s_j)",
        r"\ell = \bar P\,\operatorname{softplus}(-z) + (1 - \bar P)\,\operatorname{softplus}(z)",
    ),
    gradient=r"\frac{\partial \ell}{\partial s_i} = -\frac{\partial \ell}{\partial s_j} = \sigma_s\,(P - \bar P)",  # noqa: E501
    domain={"scores_i": RANK_SCORES, "scores_j": RANK_SCORES, "targets": PAIR_PROBABILITY},
    use_case=(
        "Pairwise learning to rank (RankNet): fit the probability σ(σ_s(s_i − s_j)) that item i ranks above "
        "item j to a target probability."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "F.binary_cross_entropy_with_logits(σ_s * (s_i - s_j), P̄) (no built-in)",
        "TF-Ranking": (
            "tfr.keras.losses.PairwiseLogisticLoss(temperature=1/σ_s) (v0.5.3; every pair with y_i > y_j of "
            "a list: P̄ = 1)"
        ),
        "Rax": (
            "rax.pairwise_logistic_loss(scores, labels) (v0.4.0, `rax/_src/losses.py`: every pair with "
            "y_i > y_j of a list, P̄ = 1, σ_s = 1; its default `reduce_fn=jnp.mean` averages over the "
            'valid pairs of the whole batch, which is `lossref`\'s `"mean"` over those pairs)'
        ),
    },
    references=(
        (
            "Burges, Shaked, Renshaw, Lazier, Deeds, Hamilton & Hullender, Learning to Rank using Gradient "
            "Descent (ICML 2005)"
        ),
        "Burges, From RankNet to LambdaRank to LambdaMART: An Overview (Microsoft Research, 2010)",
    ),
    differentiable=("scores_i", "scores_j"),
    reduction_note='`"mean"` divides by the number of pairs N (by Σw with `weights=`).',
    plot=Plot(
        curve=Curve(
            x_label="score difference s_i − s_j",
            x_range=(-6.0, 6.0),
            args=lambda x, target=1.0: (x, np.zeros_like(x), np.full_like(x, target)),
            series=(
                Series("P̄ = 1 (i above j)", {"target": 1.0}, {}),
                Series("P̄ = ½ (a tie)", {"target": 0.5}, {}),
                Series("P̄ = 1, σ_s = 3", {"target": 1.0}, {"sigma": 3.0}),
            ),
            grad_label="gradient ∂ℓ/∂s_i (and ∂ℓ/∂s_j = −∂ℓ/∂s_i)",
        ),
        explore={"sigma": (0.25, 4.0, "log")},
    ),
    checks=Checks(
        variants=({"sigma": 2.5},),
        # saturated pairs both ways, differences of 2e8, ties with every target, soft targets
        extremes=(
            Extreme(
                [
                    [1e4, -1e4, 1e4, 1e8, 0.0, 1e-300, 40.0, 3.0],
                    [-1e4, 1e4, -1e4, -1e8, 0.0, 0.0, 0.0, 3.0],
                    [1.0, 1.0, 0.0, 0.5, 0.5, 0.3, 1.0, 0.0],
                ]
            ),
            Extreme(
                [[1e4, -1e4, 1.0, 700.0, 2.0], [-1e4, 1e4, 0.0, -45.0, 2.0], [0.0, 0.5, 1.0, 1.0, 1.0]],
                {"sigma": 2.5},
            ),
        ),
        invalid=(
            Invalid({"sigma": 0.0}, ValueError, "sigma must be > 0"),
            Invalid({"sigma": -1.0}, ValueError, "sigma must be > 0"),
        ),
        # saturated pairs both ways, ties (z = 0) with every target, soft targets, differences of 2e8
        torch_extremes=(
            Extreme(
                [
                    [1e4, -1e4, 1e4, 1e8, 0.0, 1e-300, 40.0, 3.0],
                    [-1e4, 1e4, -1e4, -1e8, 0.0, 0.0, 0.0, 3.0],
                    [1.0, 1.0, 0.0, 0.5, 0.5, 0.3, 1.0, 0.0],
                ]
            ),
            Extreme(
                [[1e4, -1e4, 1.0, 700.0, 2.0], [-1e4, 1e4, 0.0, -45.0, 2.0], [0.0, 0.5, 1.0, 1.0, 1.0]],
                {"sigma": 2.5},
            ),
        ),
    ),
)
def ranknet(scores_i, scores_j, targets, *, sigma=1.0):
    """RankNet: cross-entropy between a target and the modelled probability that i ranks above j.

    The model's probability is P = σ(σ_s (s_i − s_j)); the loss is the binary cross-entropy
    of P against the target P̄ (1 if i should rank above j, 0 if below, ½ for a tie),
    computed on the logit z = σ_s (s_i − s_j) as P̄·softplus(−z) + (1 − P̄)·softplus(z), so
    no score difference overflows or takes log(0). With P̄ = 1 it is the Bradley–Terry loss.

    Args:
        scores_i: Scores s_i of the first items of the pairs, any shape.
        scores_j: Scores s_j of the second items, the same shape. Differentiable too:
            ``grad(..., argnum=1)``.
        targets: P̄ in [0, 1], the same shape: the probability that item i should rank
            above item j (Burges et al. use 1, 0 and ½).
        sigma: σ_s > 0, the slope of the sigmoid (Burges et al.'s σ; TF-Ranking's
            ``temperature`` is 1/σ_s). Default 1.

    Returns:
        The mean over pairs by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import ranknet
        >>> ranknet([0.0, 1.0], [0.0, 0.0], [0.5, 1.0], reduction="none").round(6)   # log 2, softplus(−1)
        array([0.693147, 0.313262])
        >>> ranknet.grad([0.0], [0.0], [1.0], reduction="sum", argnum=1)   # −σ_s (P − P̄) = −(½ − 1)
        array([0.5])
    """
    positive(sigma=sigma)
    z = float(sigma) * (scores_i - scores_j)
    value = targets * softplus(-z) + (1.0 - targets) * softplus(z)

    def backward():
        # P − P̄ as (1 − P̄)σ(z) − P̄σ(−z): exact for hard targets, where 1 − σ(z) would cancel.
        # Near a tie target it is ½·tanh(z/2) − (P̄ − ½) instead (P̄ − ½ is exact for P̄ in
        # [¼, ¾]): for P̄ = ½ that keeps its relative accuracy as z → 0, where σ(z) rounds to ½.
        middle = np.abs(targets - 0.5) <= 0.25
        difference = np.where(
            middle,
            0.5 * np.tanh(0.5 * z) - (targets - 0.5),
            (1.0 - targets) * sigmoid(z) - targets * sigmoid(-z),
        )
        g = float(sigma) * difference
        return {"scores_i": g + 0.0, "scores_j": -g + 0.0}

    return Result(value, backward)


def _row_binary(value, name):
    arr = as_float_array(value, name)
    if not np.isin(arr, (0.0, 1.0)).all():
        bad = arr[~np.isin(arr, (0.0, 1.0))].flat[0]
        raise ValueError(f"{name} must be 0 or 1 (1 = similar pair); got {float(bad)!r}")
    return arr


ROW_PAIR_LABEL = Domain(
    "{0, 1}, one per pair (1 = similar): the shape of embeddings_a without its last axis",
    _row_binary,
    lambda rng, shape: rng.integers(0, 2, size=shape[:-1]).astype(float),
    invalid=(Invalid(-1.0, ValueError, "must be 0 or 1"), Invalid(0.5, ValueError, "must be 0 or 1")),
    stress=(0.0, 1.0),
)


def _norm_and_slope(diff, p):
    """‖Δ‖_p over the last axis and its gradient sign(Δ_k)(|Δ_k|/‖Δ‖_p)^{p−1}, deferred.

    Computed on Δ/s with s = max|Δ_k|, so entries of 1e200 do not overflow and 1e-200 do
    not underflow. At Δ = 0 the gradient is 0 (the subgradient PyTorch's autograd returns).
    """
    s = np.abs(diff).max(axis=-1)
    safe = np.where(s > 0, s, 1.0)
    u = diff / safe[..., None]
    if p == 2:
        r = np.sqrt((u * u).sum(axis=-1))
    elif p == 1:
        r = np.abs(u).sum(axis=-1)
    else:
        r = (np.abs(u) ** p).sum(axis=-1) ** (1.0 / p)
    norm = s * r

    def slope():
        rsafe = np.where(s > 0, r, 1.0)[..., None]
        if p == 2:
            slope = u / rsafe
        elif p == 1:
            slope = np.sign(u)
        else:
            slope = np.sign(u) * (np.abs(u) / rsafe) ** (p - 1)
        return np.where((s > 0)[..., None], slope, 0.0)

    return norm, slope


def _triplet_parts(anchor, positive, negative, margin, p, eps, swap):
    d_ap, g_ap = _norm_and_slope(anchor - positive + eps, p)
    d_an, g_an = _norm_and_slope(anchor - negative + eps, p)
    if swap:
        d_pn, g_pn = _norm_and_slope(positive - negative + eps, p)
        use_pn = d_pn < d_an  # a tie keeps d(a, n)
    else:
        d_pn, g_pn, use_pn = d_an, g_an, np.zeros(d_an.shape, bool)
    d_neg = np.where(use_pn, d_pn, d_an)
    slack = d_ap - d_neg + margin
    return slack, d_ap, d_an, d_pn, g_ap, g_an, g_pn, use_pn


def _triplet_kink(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False):
    """A lower bound on how far each coordinate is from a kink.

    Each distance moves by at most δ when one coordinate moves by δ, so the slack moves by
    at most 2δ: |slack|/2; with swap, the switch d(a, n) = d(p, n) likewise. A norm bends on
    the scale of its own size near 0 (d/30), and for p ≠ 2 where a difference crosses 0.
    """
    slack, d_ap, d_an, d_pn, *_ = _triplet_parts(anchor, positive, negative, margin, p, eps, swap)
    dist = np.minimum(np.abs(slack) / 2, np.minimum(np.minimum(d_ap, d_an), d_pn) / 30)
    if swap:
        dist = np.minimum(dist, np.abs(d_an - d_pn) / 2)
    out = np.broadcast_to(dist[..., None], anchor.shape)
    if p != 2:  # |Δ_k|^p is not smooth at Δ_k = 0 (its p-th derivative jumps)
        diffs = [anchor - positive + eps, anchor - negative + eps, positive - negative + eps]
        out = np.minimum(out, np.minimum.reduce([np.abs(d) for d in diffs]))
    return out


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell(a, p, n) = \max\big(0,\ d(a, p) - d(a, n) + m\big)",
        r"d(u, v) = \lVert u - v + \varepsilon \rVert_p \quad (\varepsilon \text{ added to every entry})",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial a} = \nabla d(a, p) - \nabla d(a, n), \quad \frac{\partial \ell}{\partial p} = -\nabla d(a, p), \quad \frac{\partial \ell}{\partial n} = \nabla d(a, n) \quad (\text{0 when inactive or at the kink})",  # noqa: E501
        r"\nabla \lVert \Delta \rVert_p = \mathrm{sign}(\Delta)\,\big(|\Delta| / \lVert \Delta \rVert_p\big)^{p-1} \quad (\Delta / \lVert \Delta \rVert_2 \text{ for } p = 2)",  # noqa: E501
    ),
    domain={"anchor": VECTORS, "positive": VECTORS, "negative": VECTORS},
    use_case=(
        "Metric learning from triplets: pull the positive closer to the anchor than the negative by a margin."
    ),
    properties=("non_negative", "bounded_gradient"),
    equivalents={
        "PyTorch": "torch.nn.TripletMarginLoss(margin=1.0, p=2, eps=1e-6, swap=False)",
        "optax": "jnp.mean(optax.losses.triplet_margin_loss(a, p, n, norm_degree=2, eps=0.0)) at eps = 0 "
        "(its ε is inside the root, (ΣΔ^p + ε)^{1/p}; even degrees only, see below)",
        "pytorch-metric-learning": (
            "losses.TripletMarginLoss(margin=m, distance=LpDistance(normalize_embeddings=False), "
            "reducer=MeanReducer()) with the triplets as indices_tuple, at eps = 0 (v2.9.0; its defaults "
            "differ, see below)"
        ),
    },
    references=(
        "PyTorch documentation, torch.nn.TripletMarginLoss",
        (
            "Schroff, Kalenichenko & Philbin, FaceNet: A Unified Embedding for Face Recognition and "
            "Clustering (2015)"
        ),
        "Weinberger & Saul, Distance Metric Learning for Large Margin Nearest Neighbor Classification (2009)",
        "Balntas, Riba, Ponsa & Mikolajczyk, Learning local feature descriptors with triplets and shallow "
        "convolutional neural networks (2016) (the swap)",
    ),
    differences=(
        Difference(
            "optax-triplet-no-abs",
            "optax",
            "`optax.losses.triplet_margin_loss` (0.2.8) raises each difference to `norm_degree` without "
            "an absolute value, (ΣΔ^p + ε)^{1/p}: that is the p-norm for even p only. With "
            "`norm_degree=1` it sums signed differences, which can be negative, so it is not the L1 "
            "distance `lossref`'s p = 1 uses.",
        ),
        Difference(
            "pml-triplet-defaults",
            "pytorch-metric-learning",
            "`TripletMarginLoss()` (v2.9.0, `losses/triplet_margin_loss.py`) defaults to margin 0.05, "
            "forms every triplet its labels allow, measures `LpDistance` between embeddings it first "
            "normalises to unit length, and its `AvgNonZeroReducer` averages only the triplets whose "
            "loss is not 0: a larger number than `lossref`'s mean over all of them. With the "
            "triplets passed as `indices_tuple`, `LpDistance(normalize_embeddings=False)` and "
            "`MeanReducer()` it is `lossref` at `eps=0`.",
        ),
    ),
    aliases=("triplet loss",),  # names readers search for
    differentiable=("anchor", "positive", "negative"),
    plot=Plot(
        curve=Curve(
            x_label="distance x from anchor to negative (positive at 1)",
            x_range=(0.01, 3.5),  # from 0.01: at x = 0 the direction of a − n is ε's
            # a = (0, 0), p = (1, 0), n = (0, x)
            args=lambda x: (
                np.zeros((*x.shape, 2)),
                np.broadcast_to([1.0, 0.0], (*x.shape, 2)).copy(),
                np.stack([np.zeros_like(x), x], axis=-1),
            ),
            series=tuple(Series(f"m = {m:g}", {}, {"margin": m}) for m in (0.5, 1.0, 2.0)),
            # dℓ/dx = ∂ℓ/∂n₂ = −∂ℓ/∂a₂ (only a and n depend on x through d(a, n))
            component=lambda g, args: -g[..., 1],
            grad_label="dℓ/dx (moving the negative away)",
        ),
        explore={"margin": (0.2, 3.0)},
    ),
    checks=Checks(
        variants=({"p": 1}, {"swap": True}, {"margin": 0.2, "p": 3, "eps": 0.0}),
        extremes=(
            Extreme(
                [
                    [[1e200, -1e200, 3e199], [1e-200, 3e-200, 0.0], [1e4, 1.0, -1e4], [1.0, 2.0, 3.0]],
                    [[1e200, -1e200, 3e199], [2e-200, 0.0, 1e-200], [1e4, 2.0, -1e4], [1.5, 2.0, 3.0]],
                    [[-1e200, 1e200, 0.0], [0.0, 0.0, 1e-200], [1e4, 1.0, -1e4 + 1.5], [1.0, 2.0, 6.0]],
                ]
            ),
            Extreme(
                [
                    [[1e8, -1e8, 0.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                    [[1e8, -1e8 + 3.0, 0.0], [2.0, 2.0, 3.0], [0.5, -0.5, 0.0]],
                    [[1e8, -1e8 + 2.0, 0.5], [1.0, 2.5, 3.0], [2.0, 0.0, 0.0]],
                ],
                {"swap": True, "margin": 0.5},
            ),
        ),
        invalid=(
            Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),
            Invalid({"p": 0.5}, ValueError, "p must be a finite number >= 1"),
            Invalid({"eps": -1e-6}, ValueError, "eps must be >= 0"),
            Invalid({"swap": "yes"}, TypeError, "swap must be True or False"),
        ),
        kink_distance=_triplet_kink,
        torch_extremes=(
            Extreme(
                [
                    [[1e4, 1.0, -1e4], [1.0, 2.0, 3.0], [1e-3, 2e-3, 0.0], [0.0, 0.0, 0.0]],
                    [[1e4, 2.0, -1e4], [1.5, 2.0, 3.0], [3.0, 2.0, 1.0], [0.5, -0.5, 0.0]],
                    [[1e4, 1.0, -1e4 + 1.5], [1.0, 2.0, 6.0], [1e-3, 2e-3, 0.5], [2.0, 0.0, 0.0]],
                ]
            ),
            Extreme(
                [
                    [[1e4, 1.0, -1e4], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
                    [[1e4, 2.0, -1e4], [2.0, 2.0, 3.0], [0.5, -0.5, 0.0]],
                    [[1e4, 3.0, -1e4], [1.0, 2.5, 3.0], [2.0, 0.0, 0.0]],
                ],
                {"swap": True, "margin": 0.5},
            ),
            Extreme(
                [
                    [[1e4, 1.0, -1e4], [1.0, 2.0, 3.0]],
                    [[1e4, 2.0, -1e4], [2.0, 2.0, 3.5]],
                    [[1e4, 3.0, -1e4], [1.0, 2.5, 3.0]],
                ],
                {"p": 1, "swap": True},
            ),
        ),
    ),
)
def triplet_margin(anchor, positive, negative, *, margin=1.0, p=2, eps=1e-6, swap=False):
    """Triplet margin loss (PyTorch's TripletMarginLoss) on rows of embeddings.

    Each row is a triplet: the anchor should be closer to its positive than to its negative
    by at least m, max(0, d(a, p) − d(a, n) + m). As PyTorch's ``pairwise_distance``,
    d(u, v) = ‖u − v + ε‖_p adds ε to every entry of the difference (optax adds it inside
    the sum of powers instead). ``swap=True`` uses min(d(a, n), d(p, n)) as the negative
    distance (Balntas et al. 2016); a tie keeps d(a, n). At the kink (the slack exactly 0)
    the gradient is 0, the library-wide convention for max(0, ·); so is the gradient of a
    norm at 0 and sign(0) for p = 1. Rows are scaled by their largest entry before taking
    powers, so no finite input overflows.

    Args:
        anchor: Anchor embeddings, shape (..., D): features on the last axis.
        positive: Positive embeddings, the same shape (``grad(..., argnum=1)``).
        negative: Negative embeddings, the same shape (``grad(..., argnum=2)``).
        margin: m >= 0 (PyTorch's default 1.0; FaceNet uses 0.2 on unit vectors).
        p: The norm's order, a finite number >= 1 (2: Euclidean).
        eps: ε >= 0 added to each entry of the difference (PyTorch's 1e-6).
        swap: Use the distance swap of Balntas et al.

    Returns:
        The mean over triplets by default.

    Examples:
        >>> from lossref import triplet_margin
        >>> a, pos, neg = [[0.0, 0.0]], [[3.0, 4.0]], [[0.0, 2.0]]
        >>> triplet_margin(a, pos, neg, eps=0.0, reduction="none")   # max(0, 5 − 2 + 1)
        array([4.])
        >>> triplet_margin.grad(a, pos, neg, eps=0.0, argnum=2)      # ∂/∂n = (a − n)/d(a, n)
        array([[ 0., -1.]])
    """
    non_negative(margin=margin)
    non_negative(eps=eps)
    p = real_scalar(p, "p")
    if not (np.isfinite(p) and p >= 1):
        raise ValueError(f"p must be a finite number >= 1 (the order of a norm); got {p}")
    flag(swap=swap)
    for name, x in (("positive", positive), ("negative", negative)):
        if x.shape != anchor.shape:
            raise ValueError(f"anchor has shape {anchor.shape} but {name} has shape {x.shape}")
    slack, _, _, _, g_ap, g_an, g_pn, use_pn = _triplet_parts(
        anchor, positive, negative, float(margin), float(p), float(eps), bool(swap)
    )

    def backward():  # the slopes g_… are deferred too
        active = (slack > 0)[..., None]
        pn = use_pn[..., None]
        ap = g_ap()
        g_neg_a = np.where(pn, 0.0, g_an())
        g_neg_p = np.where(pn, g_pn(), 0.0)
        return {
            "anchor": np.where(active, ap - g_neg_a, 0.0) + 0.0,
            "positive": np.where(active, -ap - g_neg_p, 0.0) + 0.0,
            "negative": np.where(active, g_neg_a + g_neg_p, 0.0) + 0.0,
        }

    return Result(np.where(slack > 0, slack, 0.0), backward)


def _contrastive_kink(embeddings_a, embeddings_b, labels, margin=1.0):
    """Dissimilar pairs: the squared hinge bends at d = m, and max(0, m − d)² has a cone at d = 0."""
    d, _ = _norm_and_slope(embeddings_a - embeddings_b, 2)
    dist = np.where(labels == 0, np.minimum(np.abs(d - margin), d / 30), np.inf)
    return np.broadcast_to(dist[..., None], embeddings_a.shape)


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell(a, b, y) = y\, d^2 + (1 - y)\,\max(0,\ m - d)^2, \quad d = \lVert a - b \rVert_2",
        r"y = 1 \text{ for a similar pair, } y = 0 \text{ for a dissimilar one}",
    ),
    gradient=r"\frac{\partial \ell}{\partial a} = -\frac{\partial \ell}{\partial b} = 2y\,(a - b) - 2(1 - y)\max(0,\ m - d)\,\frac{a - b}{d} \quad (0 \text{ at } d = 0)",  # noqa: E501
    domain={"embeddings_a": VECTORS, "embeddings_b": VECTORS, "labels": ROW_PAIR_LABEL},
    use_case="Siamese networks: pull similar pairs together, push dissimilar pairs at least a margin apart.",
    properties=("non_negative", "symmetric"),
    equivalents={
        "TensorFlow Addons": (
            "tfa.losses.contrastive_loss(y_true, d, margin=1.0) (v0.23.0; takes the distance d; same "
            "labels, no ½)"
        ),
        "pytorch-metric-learning": (
            "losses.ContrastiveLoss(pos_margin=0, neg_margin=1) (v2.9.0; a different loss: unsquared "
            "hinges, see below)"
        ),
    },
    references=(
        "Hadsell, Chopra & LeCun, Dimensionality Reduction by Learning an Invariant Mapping (CVPR 2006)",
        "Chopra, Hadsell & LeCun, Learning a Similarity Metric Discriminatively (CVPR 2005)",
    ),
    differences=(
        Difference(
            "pml-contrastive-unsquared",
            "pytorch-metric-learning",
            "`ContrastiveLoss` (v2.9.0, `losses/contrastive_loss.py`) squares nothing: max(0, d − m₊) "
            "for a similar pair and max(0, m₋ − d) for a dissimilar one, at m₊ = 0 the square roots of "
            "`lossref`'s terms. It also averages the similar and the dissimilar pairs separately and "
            "adds the two means. No arguments give Hadsell et al.'s loss.",
        ),
        Difference(
            "pml-contrastive-defaults",
            "pytorch-metric-learning",
            "By default `ContrastiveLoss` (v2.9.0) measures distances between embeddings normalised to "
            "unit length (`LpDistance`), and its `AvgNonZeroReducer` averages each of the two groups "
            "over its non-zero terms only.",
        ),
    ),
    differentiable=("embeddings_a", "embeddings_b"),
    plot=Plot(
        curve=Curve(
            x_label="distance d = ‖a − b‖",
            x_range=(0.0, 2.5),
            args=lambda x, y=1.0: (
                np.stack([x, np.zeros_like(x)], axis=-1),
                np.zeros((*x.shape, 2)),
                np.full(x.shape, y),
            ),
            series=(
                Series("similar (y = 1)", {"y": 1.0}, {}),
                Series("dissimilar (y = 0), m = 1", {"y": 0.0}, {}),
                Series("dissimilar (y = 0), m = 2", {"y": 0.0}, {"margin": 2.0}),
            ),
            component=lambda g, args: g[..., 0],
            grad_label="dℓ/dd (moving a away from b)",
        ),
        explore={"margin": (0.25, 3.0)},
    ),
    checks=Checks(
        variants=({"margin": 2.0}, {"margin": 0.5}),
        extremes=(
            Extreme(
                [
                    [
                        [1e150, -1e150, 3e149],
                        [1e-200, 3e-200, 0.0],
                        [1e4, 1.0, -1e4],
                        [1.0, 2.0, 3.0],
                        [1e200, 0.0, 0.0],
                    ],
                    [
                        [1e150, -1e150, 0.0],
                        [2e-200, 0.0, 1e-200],
                        [1e4, 1.5, -1e4],
                        [1.0, 2.0, 3.5],
                        [-1e200, 0.0, 0.0],
                    ],
                    [1.0, 0.0, 0.0, 1.0, 0.0],
                ]
            ),
            Extreme(
                [
                    [[1e8, -1e8, 0.0], [0.5, 0.0, 0.0], [1.0, 2.0, 3.0]],
                    [[1e8, -1e8 + 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]],
                    [0.0, 0.0, 0.0],
                ],
                {"margin": 2.0},
            ),
        ),
        invalid=(Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),),
        kink_distance=_contrastive_kink,
        # identical similar and dissimilar pairs (d = 0: gradient 0 in both), huge and tiny rows
        torch_extremes=(
            Extreme(
                [
                    [[1e4, 1.0, -1e4], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1e-3, 2e-3, 0.0], [0.25, 0.0, 0.0]],
                    [[1e4, 2.0, -1e4], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 0.0]],
                    [1.0, 1.0, 0.0, 0.0, 0.0],
                ]
            ),
        ),
    ),
)
def contrastive(embeddings_a, embeddings_b, labels, *, margin=1.0):
    """Contrastive loss (Hadsell, Chopra & LeCun 2006) on pairs of embeddings.

    Similar pairs (y = 1) pay y·d², dissimilar pairs (y = 0) pay max(0, m − d)², with the
    Euclidean distance d = ‖a − b‖₂. No factor ½: this is TensorFlow Addons' convention;
    Hadsell et al. write ½ on both terms (and use Y = 0 for similar pairs), which halves
    the loss and its gradient. d has no gradient at a = b: lossref returns 0 there, for
    similar pairs (the gradient of d², exactly) and for dissimilar ones (whose loss has a
    cone there; 0 is the subgradient PyTorch's autograd of the norm gives). Rows are scaled
    by their largest entry, so d never overflows (d² may: it is then inf).

    Args:
        embeddings_a: First embeddings of the pairs, shape (..., D): features last.
        embeddings_b: Second embeddings, the same shape (``grad(..., argnum=1)``).
        labels: 1 (similar) or 0 (dissimilar) per pair, shape (...). ±1 labels are rejected.
        margin: m >= 0: dissimilar pairs farther apart than m cost nothing.

    Returns:
        The mean over pairs by default.

    Examples:
        >>> from lossref import contrastive
        >>> a, b = [[0.0, 0.0], [0.0, 0.0]], [[3.0, 4.0], [0.3, 0.4]]
        >>> contrastive(a, b, [1.0, 0.0], reduction="none")   # 5², max(0, 1 − 0.5)²
        array([25.  ,  0.25])
    """
    non_negative(margin=margin)
    if embeddings_b.shape != embeddings_a.shape:
        raise ValueError(
            f"embeddings_a has shape {embeddings_a.shape} but embeddings_b has shape {embeddings_b.shape}"
        )
    if labels.shape != embeddings_a.shape[:-1]:
        raise ValueError(
            f"labels has shape {labels.shape} but {embeddings_a.shape[:-1]} was expected "
            f"(one per pair: the shape of embeddings_a {embeddings_a.shape} without its last axis)"
        )
    diff = embeddings_a - embeddings_b
    d, unit = _norm_and_slope(diff, 2)  # unit() = (a − b)/d, 0 at d = 0
    gap = np.maximum(float(margin) - d, 0.0)
    similar = labels == 1
    with np.errstate(over="ignore"):
        value = np.where(similar, d * d, gap * gap)

    def backward():
        grad = np.where(similar[..., None], 2.0 * diff, -2.0 * gap[..., None] * unit()) + 0.0
        return {"embeddings_a": grad, "embeddings_b": -grad}

    return Result(value, backward)
