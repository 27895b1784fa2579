"""Pair-based metric-learning losses on a labelled batch: every same-label pair of rows is a
positive, every different-label pair a negative (coupled losses: a row's value depends on the
others).
"""

from dataclasses import replace

import numpy as np

from ._checks import as_label_array, non_negative, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import VECTORS, Domain
from ._reductions import BATCH_MEAN

__all__ = ["circle", "multi_similarity"]  # re-exported by lossref/__init__.py


def _embeddings(value, name):
    arr = VECTORS.convert(value, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), one embedding per row; got shape {arr.shape}")
    return arr


# one batch of N rows, each compared with every other: exactly two axes
ROWS = replace(VECTORS, text="real, shape (N, D): one embedding per row", convert=_embeddings)


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


def _unit_rows(x, name):
    """Each row divided by its norm, and the norm, without squaring huge or tiny entries."""
    scale = np.abs(x).max(axis=-1, keepdims=True)
    if (scale == 0).any():
        raise ValueError(f"{name} has a zero vector, whose cosine similarity is undefined")
    u = x / scale
    length = np.sqrt((u * u).sum(axis=-1, keepdims=True))
    return u / length, scale * length


def _through_normalisation(g, unit, norm):
    """Chain ∂/∂x̂ to ∂/∂x for x̂ = x/‖x‖: (g − (x̂·g) x̂) / ‖x‖."""
    return (g - (unit * g).sum(axis=-1, keepdims=True) * unit) / norm


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


def _rotation_component(g, args):
    # the first row's dℓ/dθ from its gradient (−sin θ, cos θ)·g
    return -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0]


def _circle_kink(embeddings, labels, gamma=80.0, margin=0.4):
    """α_n = [s_n + m]_+ bends at s_n = −m; a coordinate step δ moves a cosine by at most 2δ/‖x‖."""
    u, norm = _unit_rows(embeddings, "embeddings")
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
    domain={"embeddings": ROWS, "labels": PAIR_LABEL},
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
            component=_rotation_component,
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
    u, norm = _unit_rows(embeddings, "embeddings")
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
        return _through_normalisation((grad_s + grad_s.T) @ u, u, norm)

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
    domain={"embeddings": ROWS, "labels": PAIR_LABEL},
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
            component=_rotation_component,
            grad_label="dℓ/dθ (rotating the anchor)",
        ),
        explore={"alpha": (0.5, 20.0, "log"), "beta": (1.0, 100.0, "log"), "base": (0.0, 1.0)},
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
        fd_step=lambda alpha=2.0, beta=50.0, **_: min(1e-3, 0.05 / max(alpha, beta)),
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
    u, norm = _unit_rows(embeddings, "embeddings")
    s = u @ u.T
    pos, neg = _pair_masks(labels)
    lse_p, pi_p = _masked_lse(-a * (s - lam), pos)
    lse_n, pi_n = _masked_lse(b * (s - lam), neg)
    values = _softplus(lse_p) / a + _softplus(lse_n) / b

    def backward():  # only for .grad: an N×N by N×D product the value does not need
        grad_s = _sigmoid(lse_n)[:, None] * pi_n - _sigmoid(lse_p)[:, None] * pi_p
        return _through_normalisation((grad_s + grad_s.T) @ u, u, norm)

    return Result(values, backward)
