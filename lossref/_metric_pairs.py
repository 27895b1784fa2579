"""Pair-based metric-learning losses on a labelled batch of embeddings.

Every same-label pair of rows is a positive, every different-label pair a negative. The losses
are coupled: a row's value depends on the others.
"""

import numpy as np

from ._checks import as_label_array, non_negative, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._curves import first_row_rotation
from ._domains import EMBEDDING_ROWS, RAW_EMBEDDING_ROWS, Domain
from ._math import through_normalisation, unit_rows
from ._reductions import BATCH_MEAN

__all__ = ["circle", "lifted_structure", "multi_similarity"]  # re-exported by lossref/__init__.py


def _labels(value, name):
    arr = as_label_array(value, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (N,), one label per row; got shape {arr.shape}")
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0 (class ids); got {int(arr[arr < 0][0])}")
    return arr


def _sample_labels(rng, shape):
    # every row gets a positive (each label at least twice) and, from three rows on, a negative
    n = shape[0]
    return rng.permutation(np.arange(n) // 2 if n < 4 else np.arange(n) % (n // 2))


PAIR_LABEL = Domain(
    "integers ≥ 0, one per row: equal labels make a positive pair, different ones a negative",
    _labels,
    _sample_labels,
    invalid=(Invalid(-1, ValueError, "must be >= 0"),),
    stress=(0, 1),
)


def _check_labels(embeddings, labels):
    if labels.shape != embeddings.shape[:1]:
        raise ValueError(f"embeddings has shape {embeddings.shape} but labels has shape {labels.shape}")


def _pair_masks(labels):
    """Positive (same label, not itself) and negative (different label) pairs, N × N."""
    same = labels[:, None] == labels[None, :]
    neg = ~same
    np.fill_diagonal(same, False)
    return same, neg


def _masked_lse(z, mask):
    """Per row, log Σ_{mask} e^{z} (−inf for an empty row) and the softmax over the mask (0 off it)."""
    has = mask.any(axis=1)
    m = np.where(has, np.max(np.where(mask, z, -np.inf), axis=1, initial=-np.inf), 0.0)
    with np.errstate(under="ignore"):
        e = np.exp(np.where(mask, z - m[:, None], -np.inf))  # off the mask: e^{−inf} = 0
    total = e.sum(axis=1)
    with np.errstate(divide="ignore"):
        lse = np.where(has, m + np.log(np.where(has, total, 1.0)), -np.inf)
    return lse, e / np.where(has, total, 1.0)[:, None]


def _softplus(t):
    """log(1 + e^t) without overflow; 0 at t = −inf."""
    return np.logaddexp(0.0, t)


def _sigmoid(t):
    return np.exp(-np.logaddexp(0.0, -t))


def _three_point_args(x):
    # three points in the plane: anchor 0 at angle θ from its positive (1, 0) (label 0), and a
    # negative (label 1) fixed at 90°
    n = x.shape[0]
    rows = np.stack(
        [np.stack([np.cos(x), np.sin(x)], axis=-1), np.tile([1.0, 0.0], (n, 1)), np.tile([0.0, 1.0], (n, 1))],
        axis=1,
    )
    return rows, np.tile([0, 0, 1], (n, 1))


def _circle_kink(embeddings, labels, gamma=80.0, margin=0.4):
    """α_n = [s_n + m]_+ bends at s_n = −m; a coordinate step δ moves a cosine by at most 2δ/‖x‖."""
    u, norm = unit_rows(embeddings, "embeddings")
    _, neg = _pair_masks(labels)
    gap = np.where(neg, np.abs(u @ u.T + margin), np.inf)
    dist = np.minimum(gap.min(axis=1), gap.min(axis=0)) * norm[:, 0] / 4
    return np.broadcast_to(dist[:, None], embeddings.shape)


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = \log\Big(1 + \sum_{n \in N(i)} e^{\gamma \alpha_n (s_{in} - \Delta_n)} \sum_{p \in P(i)} e^{-\gamma \alpha_p (s_{ip} - \Delta_p)}\Big), \qquad s_{ij} = \cos(x_i, x_j)",  # noqa: E501
        r"\alpha_p = [1 + m - s_{ip}]_+,\ \ \alpha_n = [s_{in} + m]_+,\ \ \Delta_p = 1 - m,\ \ \Delta_n = m; \text{ anchors without a positive or a negative are left out}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell_i}{\partial s_{ip}} = 2\gamma\,(s_{ip} - 1)\,\sigma(t_i)\,\pi_{ip}, \quad \frac{\partial \ell_i}{\partial s_{in}} = 2\gamma\, s_{in}\,[s_{in} > -m]\,\sigma(t_i)\,\pi_{in}",  # noqa: E501
        r"t_i = \operatorname{LSE}_P + \operatorname{LSE}_N \text{ of the exponents}, \ \ \pi = \text{their softmax within } P(i) \text{ and within } N(i); \ \alpha \text{ is differentiated (not held constant)}",  # noqa: E501
    ),
    domain={"embeddings": EMBEDDING_ROWS, "labels": PAIR_LABEL},
    use_case=(
        "Deep metric learning (face recognition, re-identification, image retrieval) from class labels: "
        "weight each pair by how far its similarity is from its optimum, with one decision margin."
    ),
    properties=("non_negative",),
    equivalents={
        "Keras": "keras.losses.Circle(gamma=80.0, margin=0.4) on unit rows (3.15.1, its defaults)",
        "pytorch-metric-learning": "losses.CircleLoss(m=0.4, gamma=80) (v2.9.0, its defaults; value only)",
    },
    references=(
        "Sun et al., Circle Loss: A Unified Perspective of Pair Similarity Optimization (CVPR 2020)",
    ),
    differences=(
        Difference(
            "circle-pml-detached-weights",
            "pytorch-metric-learning",
            "`CircleLoss` (v2.9.0, `losses/circle_loss.py`) computes the weights α_p, α_n from a "
            "detached similarity, so its gradient holds them constant: ∂/∂s_p is γ α_p σ π instead "
            "of 2γ(1 − s_p) σ π. The values agree; `lossref`'s gradient is the derivative of the "
            "value (as Keras 3.15.1's autograd gives), so it passes a finite-difference check.",
        ),
        Difference(
            "circle-keras-no-normalisation",
            "Keras",
            "`keras.losses.Circle` (3.15.1) takes the embeddings as already L2-normalised and uses "
            "their raw dot products, clipping the distance 1 − s at 0. `lossref` normalises each "
            "row first; on rows of norm ≠ 1 the two differ (normalise before calling Keras).",
        ),
    ),
    aliases=("Circle loss",),
    differentiable=("embeddings",),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` divides by the number of anchors with at least one positive and one negative '
        "(`weights=` is not supported: the rows are coupled)."
    ),
    empty_mean=lambda embeddings, labels, **_: (
        "no anchor has both a positive (another row with its label) and a negative (a row with "
        "another label), so none counts toward the mean"
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, anchor to its positive (rad)",
            x_range=(0.0, np.pi),
            args=_three_point_args,
            series=(
                Series("γ = 80, m = 0.4", {}, {}),
                Series("γ = 16, m = 0.4", {}, {"gamma": 16.0}),
                Series("γ = 80, m = 0.25", {}, {"margin": 0.25}),
            ),
            component=first_row_rotation,
            grad_label="dℓ/dθ (rotating the anchor)",
        ),
        explore={"gamma": (1.0, 256.0, "log"), "margin": (0.0, 0.5)},
    ),
    checks=Checks(
        variants=({"gamma": 16.0, "margin": 0.25},),
        # γ = 1e4: exponents of ±4e4 (a naive e^{·} overflows), a huge row, an anchor alone in its class
        extremes=(
            Extreme(
                [
                    [
                        [1.0, 2.0, 3.0],
                        [1e200, -1e200, 3e199],
                        [3.0, 1.0, -2.0],
                        [-1.0, 0.5, 2.0],
                        [2.0, 4.0, 6.5],
                    ],
                    [0, 1, 0, 1, 2],
                ],
                {"gamma": 1e4},
            ),
        ),
        invalid=(
            Invalid({"gamma": 0.0}, ValueError, "gamma must be > 0"),
            Invalid({"margin": -0.1}, ValueError, "margin must be >= 0"),
        ),
        kink_distance=_circle_kink,
        # the exponents move by about 2γ per unit of cosine: a step of 1e-3 bends with them
        fd_step=lambda gamma=80.0, **_: min(1e-3, 0.01 / gamma),
    ),
)
def circle(embeddings, labels, *, gamma=80.0, margin=0.4):
    """Circle loss: each pair's similarity is pushed towards its optimum, weighted by its distance.

    Similarities are cosines s. For anchor i, each positive p contributes the exponent
    −γ α_p (s_ip − Δ_p) and each negative n the exponent γ α_n (s_in − Δ_n), with self-paced
    weights α_p = [1 + m − s_ip]_+, α_n = [s_in + m]_+ and margins Δ_p = 1 − m, Δ_n = m; the
    anchor's loss is softplus(LSE over its positives + LSE over its negatives). An anchor with
    no positive or no negative has loss 0 and is left out of the mean. The gradient
    differentiates the weights α too (the exact derivative of the value). Log-sum-exp and
    softplus forms keep γ in the thousands finite.

    Args:
        embeddings: Embeddings x, shape (N, D); any non-zero norm (they are normalised).
        labels: Integer class ids ≥ 0, shape (N,).
        gamma: The scale γ > 0 (80 for fine-grained retrieval, 256 for faces in the paper).
        margin: The relaxation m ≥ 0 (0.4 and 0.25 in the paper).

    Returns:
        The mean over anchors with a positive and a negative by default; ``reduction="none"``
        gives one loss per row (0 for a row left out).

    Examples:
        >>> from lossref import circle
        >>> x = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]      # two of class 0, one of class 1
        >>> circle(x, [0, 0, 1], gamma=1.0, margin=0.0, reduction="none").round(6)
        array([0.693147, 0.693147, 0.      ])
        >>> # anchor 0: s_p = 1 (α_p = 0), s_n = 0 (α_n = 0): softplus(0 + 0) = log 2
    """
    positive(gamma=gamma)
    non_negative(margin=margin)
    _check_labels(embeddings, labels)
    g, m = float(gamma), float(margin)
    u, norm = unit_rows(embeddings, "embeddings")
    s = u @ u.T
    pos, neg = _pair_masks(labels)
    kept = pos.any(axis=1) & neg.any(axis=1)
    # −γ α_p (s − Δ_p) and γ α_n (s − Δ_n); on the active side they are γ((s−1)² − m²) and γ(s² − m²)
    alpha_p = np.maximum(1.0 + m - s, 0.0)
    alpha_n = np.maximum(s + m, 0.0)
    lse_p, pi_p = _masked_lse(-g * alpha_p * (s - (1.0 - m)), pos)
    lse_n, pi_n = _masked_lse(g * alpha_n * (s - m), neg)
    t = np.where(kept, lse_p + np.where(kept, lse_n, 0.0), -np.inf)
    values = np.where(kept, _softplus(t), 0.0)

    def backward():  # only for .grad: an N×N by N×D product the value does not need
        slope_p = -g * (alpha_p - (1.0 + m - s > 0) * (s - (1.0 - m)))  # ∂/∂s of −γ α_p (s − Δ_p)
        slope_n = g * (alpha_n + (s + m > 0) * (s - m))
        coupling = np.where(pos, pi_p * slope_p, 0.0) + np.where(neg, pi_n * slope_n, 0.0)
        grad_s = np.where(kept, _sigmoid(t), 0.0)[:, None] * coupling
        return through_normalisation((grad_s + grad_s.T) @ u, u, norm)

    return Result(values, backward, kept.astype(float))


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = \frac{1}{\alpha}\log\Big(1 + \sum_{p \in P(i)} e^{-\alpha (s_{ip} - \lambda)}\Big) + \frac{1}{\beta}\log\Big(1 + \sum_{n \in N(i)} e^{\beta (s_{in} - \lambda)}\Big), \qquad s_{ij} = \cos(x_i, x_j)",  # noqa: E501
        r"P(i) = \{p \ne i : y_p = y_i\},\ \ N(i) = \{n : y_n \ne y_i\}; \text{ an empty sum contributes } 0",
    ),
    gradient=(
        r"\frac{\partial \ell_i}{\partial s_{ip}} = -\frac{e^{-\alpha (s_{ip} - \lambda)}}{1 + \sum_{p'} e^{-\alpha (s_{ip'} - \lambda)}}, \qquad \frac{\partial \ell_i}{\partial s_{in}} = \frac{e^{\beta (s_{in} - \lambda)}}{1 + \sum_{n'} e^{\beta (s_{in'} - \lambda)}}",  # noqa: E501
    ),
    domain={"embeddings": EMBEDDING_ROWS, "labels": PAIR_LABEL},
    use_case=(
        "Deep metric learning for image retrieval from class labels: weight every positive and negative "
        "pair of the batch by its own similarity and by the other pairs of its anchor."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "pytorch-metric-learning": (
            "losses.MultiSimilarityLoss(alpha=2, beta=50, base=1.0) (v2.9.0; its default base is 0.5; "
            "without its MultiSimilarityMiner)"
        ),
    },
    references=(
        (
            "Wang, Han, Huang, Dong & Scott, Multi-Similarity Loss with General Pair Weighting for Deep "
            "Metric Learning (CVPR 2019)"
        ),
    ),
    aliases=("MS loss",),
    differentiable=("embeddings",),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` divides by the number of rows N (`weights=` is not supported: the rows are coupled).'
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, anchor to its positive (rad)",
            x_range=(0.0, np.pi),
            args=_three_point_args,
            series=(
                Series("α = 2, β = 50, λ = 1", {}, {}),
                Series("λ = 0.5", {}, {"base": 0.5}),
                Series("α = 10, β = 10", {}, {"alpha": 10.0, "beta": 10.0}),
            ),
            component=first_row_rotation,
            grad_label="dℓ/dθ (rotating the anchor)",
        ),
        explore={"alpha": (0.5, 20.0, "log"), "beta": (1.0, 100.0, "log"), "base": (0.0, 1.5)},
    ),
    checks=Checks(
        variants=({"base": 0.5}, {"alpha": 10.0, "beta": 5.0, "base": -0.2}),
        # β = 1e4 and α = 1e4: exponents of ±2e4 (a naive e^{·} overflows), a huge row, a lone row
        extremes=(
            Extreme(
                [
                    [
                        [1.0, 2.0, 3.0],
                        [1e200, -1e200, 3e199],
                        [3.0, 1.0, -2.0],
                        [-1.0, 0.5, 2.0],
                        [2.0, 4.0, 6.5],
                    ],
                    [0, 1, 0, 1, 2],
                ],
                {"alpha": 1e4, "beta": 1e4, "base": 0.0},
            ),
        ),
        invalid=(
            Invalid({"alpha": 0.0}, ValueError, "alpha must be > 0"),
            Invalid({"beta": -1.0}, ValueError, "beta must be > 0"),
        ),
        # β bends the loss on a scale of 1/β in the cosines
        fd_step=lambda alpha=2.0, beta=50.0, **_: min(1e-3, 0.01 / max(alpha, beta)),
    ),
)
def multi_similarity(embeddings, labels, *, alpha=2.0, beta=50.0, base=1.0):
    """Multi-similarity (MS) loss: soft penalties on every positive below λ and negative above λ.

    Similarities are cosines s. Anchor i's loss is (1/α) log(1 + Σ_p e^{−α(s_ip − λ)}) over
    its positives plus (1/β) log(1 + Σ_n e^{β(s_in − λ)}) over its negatives: each pair's
    weight in the gradient is its softmax share, so a pair counts more when it is worse than
    λ and when the anchor's other pairs are better (the paper's relative similarity). An empty
    sum contributes 0, and every row counts in the mean. This is the loss alone: the paper
    also mines pairs first (see the page). Softplus of log-sum-exp keeps large α, β finite.

    Args:
        embeddings: Embeddings x, shape (N, D); any non-zero norm (they are normalised).
        labels: Integer class ids ≥ 0, shape (N,).
        alpha: α > 0, the positives' scale (2 in the paper).
        beta: β > 0, the negatives' scale (50 in the paper).
        base: The similarity margin λ (1 in the paper; pytorch-metric-learning's default is 0.5).

    Returns:
        The mean over the N rows by default; ``reduction="none"`` gives one loss per row.

    Examples:
        >>> import numpy as np
        >>> from lossref import multi_similarity
        >>> x = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]      # two of class 0, one of class 1
        >>> multi_similarity(x, [0, 0, 1], alpha=1.0, beta=1.0, reduction="none").round(6)
        array([1.006409, 1.006409, 0.551445])
        >>> # anchor 0: log(1 + e⁰) + log(1 + e⁻¹); anchor 2 (no positive): log(1 + 2e⁻¹)
    """
    positive(alpha=alpha)
    positive(beta=beta)
    _check_labels(embeddings, labels)
    a, b, lam = float(alpha), float(beta), float(np.asarray(base, dtype=float))
    if not np.isfinite(lam):
        raise ValueError(f"base must be finite; got {lam}")
    u, norm = unit_rows(embeddings, "embeddings")
    s = u @ u.T
    pos, neg = _pair_masks(labels)
    lse_p, pi_p = _masked_lse(-a * (s - lam), pos)
    lse_n, pi_n = _masked_lse(b * (s - lam), neg)
    values = _softplus(lse_p) / a + _softplus(lse_n) / b

    def backward():  # only for .grad: an N×N by N×D product the value does not need
        grad_s = _sigmoid(lse_n)[:, None] * pi_n - _sigmoid(lse_p)[:, None] * pi_p
        return through_normalisation((grad_s + grad_s.T) @ u, u, norm)

    return Result(values, backward)


def _pairwise_distances(x):
    """‖x_i − x_j‖ for every pair, and (deferred) ∂/∂x_i, (x_i − x_j)/‖x_i − x_j‖: 0 at coincident rows.

    Each difference is scaled by its largest entry first, so entries of 1e200 do not overflow
    and 1e-200 do not underflow.
    """
    diff = x[:, None, :] - x[None, :, :]
    scale = np.abs(diff).max(axis=-1)
    safe = np.where(scale > 0, scale, 1.0)
    unit = diff / safe[..., None]
    length = np.sqrt((unit * unit).sum(axis=-1))
    distance = scale * length

    def slope():
        return np.where((scale > 0)[..., None], unit / np.where(scale > 0, length, 1.0)[..., None], 0.0)

    return distance, slope


def _lifted_parts(embeddings, labels, margin):
    d, slope = _pairwise_distances(embeddings)
    pos, neg = _pair_masks(labels)
    lse, soft = _masked_lse(margin - d, neg)  # L_i = log Σ_{k ∈ N(i)} e^{α − D_ik}
    both = np.logaddexp(lse[:, None], lse[None, :])  # log(E_i + E_j)
    j = np.where(pos, both + np.where(pos, d, 0.0), -np.inf)
    return j, d, slope, pos, lse, soft, both


def _lifted_kink(embeddings, labels, margin=1.0):
    """The distance to a kink: a distance at 0 (d/30), or J = 0, where [J]_+² bends.

    A distance is not differentiable at 0, and [J]_+² has a second-derivative jump at J = 0:
    one coordinate step δ moves each D by at most δ, so J by at most 2δ (|J|/4 is safe).
    """
    j, d, *_ = _lifted_parts(embeddings, labels, float(margin))
    off = d + np.diag(np.full(len(d), np.inf))
    gap = np.abs(j[np.isfinite(j)]).min(initial=np.inf) / 4
    return np.broadcast_to(np.minimum(off.min(axis=1) / 30, gap)[:, None], embeddings.shape)


@class_axis_loss(
    family="ranking",
    formula=(
        r"J_{ij} = \log\Big(\sum_{k \in N(i)} e^{\alpha - D_{ik}} + \sum_{l \in N(j)} e^{\alpha - D_{jl}}\Big) + D_{ij}, \qquad D_{ij} = \lVert x_i - x_j \rVert_2",  # noqa: E501
        r"\mathcal{L} = \frac{1}{2|P|} \sum_{\{i, j\} \in P} [J_{ij}]_+^2, \qquad \ell_i = \tfrac12 \sum_{j \in P(i)} [J_{ij}]_+^2, \ \ \text{mean} = \frac{\sum_i \ell_i}{\sum_i |P(i)|}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \sum_i \ell_i}{\partial D_{ij}} = 2[J_{ij}]_+ \ (\{i,j\} \in P), \qquad \frac{\partial \sum_i \ell_i}{\partial D_{ik}} = -2\sum_{j \in P(i)} [J_{ij}]_+ \frac{e^{\alpha - D_{ik}}}{E_i + E_j} - (\text{the same with } i, k \text{ swapped}) \ \ (k \in N(i))",  # noqa: E501
        r"\frac{\partial D_{ij}}{\partial x_i} = \frac{x_i - x_j}{D_{ij}} \ (0 \text{ at } x_i = x_j), \qquad E_i = \sum_{k \in N(i)} e^{\alpha - D_{ik}}",  # noqa: E501
    ),
    domain={"embeddings": RAW_EMBEDDING_ROWS, "labels": PAIR_LABEL},
    use_case=(
        "Deep metric learning from class labels with Euclidean distances: each positive pair is pushed "
        "closer than every negative of either of its two rows, by a margin."
    ),
    properties=("non_negative",),
    equivalents={
        "pytorch-metric-learning": (
            "losses.LiftedStructureLoss(neg_margin=1, pos_margin=0, distance=distances.LpDistance("
            "normalize_embeddings=False)) (v2.9.0)"
        ),
    },
    references=(
        "Oh Song, Xiang, Jegelka & Savarese, Deep Metric Learning via Lifted Structured Feature "
        "Embedding (CVPR 2016)",
        "Hermans, Beyer & Leibe, In Defense of the Triplet Loss for Person Re-Identification (2017)",
    ),
    differences=(
        Difference(
            "lifted-pml-normalises",
            "pytorch-metric-learning",
            "`LiftedStructureLoss` (v2.9.0, `losses/lifted_structure_loss.py`) measures distances with "
            "`LpDistance`, whose default `normalize_embeddings=True` divides every row by its norm "
            "first: its default is `lossref`'s loss on unit rows. Pass "
            "`distance=LpDistance(normalize_embeddings=False)` for Song et al.'s loss on raw embeddings.",
        ),
        Difference(
            "lifted-pml-generalized",
            "pytorch-metric-learning",
            "`GeneralizedLiftedStructureLoss` (v2.9.0, same file) is another loss, the generalisation of "
            "Hermans et al. (2017): per anchor, [LSE over its positives of D + LSE over its negatives of "
            "(α − D)]_+, without the square or the pairing of two rows' negatives.",
        ),
    ),
    aliases=("lifted structured loss",),
    differentiable=("embeddings",),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` is the paper\'s 1/(2|P|) Σ over positive pairs: row i carries half of each of its '
        "pairs' terms and counts |P(i)| times in the denominator (`weights=` is not supported: the "
        'rows are coupled). `"sum"` is Σ over positive pairs of [J]_+².'
    ),
    empty_mean=lambda embeddings, labels, **_: (
        "no two rows of labels are equal, so there is no positive pair to average over"
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, anchor to its positive (rad; all three rows on the unit circle)",
            x_range=(0.0, np.pi),
            args=_three_point_args,
            series=(
                Series("α = 1", {}, {}),
                Series("α = 0.5", {}, {"margin": 0.5}),
                Series("α = 2", {}, {"margin": 2.0}),
            ),
            component=first_row_rotation,
            grad_label="dℓ/dθ (rotating the anchor)",
        ),
        explore={"margin": (0.0, 3.0)},
    ),
    checks=Checks(
        variants=({"margin": 0.5},),
        # distances of about 1000 (a naive Σ e^{α − D} underflows to 0 and its log to −inf), tiny
        # rows (differences of 1e-200), a lone class
        extremes=(
            Extreme(
                [
                    [[1e3, 0.0, 0.0], [1e3, 2.0, 0.0], [-1e3, 5.0, 0.0], [-1e3, 5.0, 3.0], [0.0, 1e3, 0.0]],
                    [0, 0, 1, 1, 2],
                ],
            ),
            Extreme(
                [[[1e-200, 0.0], [3e-200, 1e-200], [0.0, 2e-200], [-1e-200, 5e-200]], [0, 0, 1, 1]],
                {"margin": 0.0},
            ),
        ),
        invalid=(Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),),
        kink_distance=_lifted_kink,
    ),
)
def lifted_structure(embeddings, labels, *, margin=1.0):
    """Lifted structured loss: every positive pair against all negatives of both of its rows.

    Distances are Euclidean, D_ij = ‖x_i − x_j‖ (the embeddings are not normalised). For each
    positive pair {i, j}, J_ij = log(Σ_{k ∈ N(i)} e^{α − D_ik} + Σ_{l ∈ N(j)} e^{α − D_jl}) + D_ij,
    a smooth version of D_ij − min(negative distance) + α; the loss is 1/(2|P|) Σ [J_ij]_+²
    over the positive pairs. Row i's value is half the sum of its pairs' terms, so that the sum
    over rows is Σ [J]_+² and the mean is the paper's. At coincident rows the distance's
    gradient is taken as 0 (its minimum-norm subgradient). Log-sum-exp keeps far negatives,
    whose e^{α − D} underflows, exact.

    Args:
        embeddings: Embeddings x, shape (N, D), used as they are (not normalised).
        labels: Integer class ids ≥ 0, shape (N,).
        margin: α ≥ 0 (1 in the paper).

    Returns:
        The mean over positive pairs (the paper's 1/(2|P|) Σ) by default; ``reduction="none"``
        gives one value per row, half of its pairs' [J]_+².

    Examples:
        >>> import numpy as np
        >>> from lossref import lifted_structure
        >>> x = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]      # a pair of class 0 and one row of class 1
        >>> round(lifted_structure(x, [0, 0, 1]), 6)      # J = log(e^(1−2) + e^(1−√5)) + 1 = 0.582063
        0.169399
        >>> # the one positive pair: J² / 2 (rows 0 and 1 each carry J²/2; |P| = 1)
    """
    non_negative(margin=margin)
    _check_labels(embeddings, labels)
    j, _, slope, pos, lse, soft, both = _lifted_parts(embeddings, labels, float(margin))
    h = np.where(pos, np.maximum(j, 0.0), 0.0)
    with np.errstate(over="ignore"):
        values = 0.5 * (h * h).sum(axis=1)
    if not np.isfinite(values).all():
        raise ValueError(
            "embeddings are too far apart: [J]_+² overflows float64 (distances above about 1e154); "
            "rescale the embeddings"
        )

    def backward():  # only for .grad: the N × N × D slopes the value does not need
        # each pair's share of E_i: e^{L_i − log(E_i + E_j)}, needed only where [J]_+ > 0
        share = np.where(h > 0, np.exp(np.where(h > 0, lse[:, None], 0.0) - np.where(h > 0, both, 0.0)), 0.0)
        coef = h - 2.0 * soft * (h * share).sum(axis=1, keepdims=True)
        return np.einsum("kj,kjd->kd", coef + coef.T, slope())

    return Result(values, backward, pos.sum(axis=1).astype(float))
