"""Batch contrastive losses: every other row of the batch is a negative (a coupled loss)."""

import numpy as np

from ._checks import positive
from ._core import Curve, Difference, class_axis_loss
from .ranking import VECTORS

FORMS = ("one_way", "symmetric", "nt_xent")


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


def _cross_entropy_rows(s, target):
    """Per row, LSE_j(s_rj) − s_r,target and the row's softmax, without cancellation.

    With d_j = s_rj − s_r,target (so d_target = 0) and its maximum m at index k, the loss is
    m + log1p(Σ_{j≠k} e^{d_j − m}): when the positive dominates (m = 0) the small loss comes
    from log1p directly instead of from LSE − s, two nearly equal numbers. Excluded
    candidates are −inf and contribute e^{−inf} = 0.
    """
    rows = np.arange(s.shape[0])
    d = s - s[rows, target][:, None]
    k = d.argmax(axis=1)
    m = d[rows, k]
    e = np.exp(d - m[:, None])
    e[rows, k] = 0.0
    rest = e.sum(axis=1)
    e[rows, k] = 1.0
    return m + np.log1p(rest), e / (1.0 + rest)[:, None]


def _info_nce_curve_args(x):
    # two pairs in the plane: anchor 1 at angle θ from its positive (1, 0); pair 2 fixed
    n = x.shape[0]
    anchors = np.stack([np.stack([np.cos(x), np.sin(x)], axis=-1), np.tile([0.0, 1.0], (n, 1))], axis=1)
    positives = np.tile([[1.0, 0.0], [0.0, 1.0]], (n, 1, 1))
    return anchors, positives


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = -\log \frac{e^{s_{ii}}}{\sum_{j=1}^{N} e^{s_{ij}}} = \operatorname{LSE}_j(s_{ij}) - s_{ii}, \qquad s_{ij} = \frac{\cos(u_i, v_j)}{\tau}",
        r"\text{symmetric (CLIP): } \tfrac12\big(\ell_i^{\text{row}} + \ell_i^{\text{column}}\big); \quad \text{NT-Xent (SimCLR): the } 2N \text{ views, self excluded, averaged per pair}",
    ),
    gradient=(
        r"\frac{\partial \sum_i \ell_i}{\partial s_{ij}} = \operatorname{softmax}_j(s_{i\cdot}) - [i = j], \qquad \frac{\partial s_{ij}}{\partial u_i} = \frac{1}{\tau\,\lVert u_i \rVert}\big(\hat v_j - (\hat u_i \cdot \hat v_j)\,\hat u_i\big)",
    ),
    domain={"anchors": VECTORS, "positives": VECTORS},
    use_case="Self-supervised and multimodal representation learning (SimCLR, MoCo, CLIP): pick each anchor's positive out of the batch.",
    properties=("non_negative",),
    equivalents={
        "PyTorch": "no built-in: F.cross_entropy(F.normalize(u) @ F.normalize(v).T / τ, torch.arange(N))",
        "optax": "optax.losses.ntxent(embeddings, labels, temperature=0.07) (one matrix with labels; every same-label pair is a positive)",
        "pytorch-metric-learning": "losses.NTXentLoss(temperature=0.07)",
    },
    references=(
        "van den Oord, Li & Vinyals, Representation Learning with Contrastive Predictive Coding (2018)",
        "Chen, Kornblith, Norouzi & Hinton, A Simple Framework for Contrastive Learning of Visual Representations (2020)",
        "Radford et al., Learning Transferable Visual Models From Natural Language Supervision (CLIP, 2021)",
    ),
    differences=(
        Difference(
            "optax-ntxent-labels",
            "optax",
            "optax's `ntxent(embeddings, labels)` takes one matrix and integer labels: every pair of "
            "rows with the same label is a positive, and each anchor's denominator holds its "
            "negatives plus that one positive. With the two views stacked and labels "
            "`[0..N−1, 0..N−1]` it is `lossref`'s `form=\"nt_xent\"` (self excluded from the "
            "denominator in both).",
        ),
    ),
    curve=Curve(
        x_label="angle θ, anchor 1 to its positive (rad)",
        x_range=(0.0, np.pi),
        args=lambda x: _info_nce_curve_args(x),
        series=(("τ = 0.1", {}, {}), ("τ = 0.5", {}, {"temperature": 0.5}), ("τ = 1", {}, {"temperature": 1.0})),
        # each grid point is a batch of two pairs: plot anchor 1's loss and dℓ/dθ
        component=lambda g, args: -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0],
        grad_label="dℓ/dθ (rotating anchor 1)",
    ),
    explore={"temperature": (0.02, 2.0, "log")},
    variants=({"temperature": 0.5}, {"form": "symmetric"}, {"form": "nt_xent", "temperature": 0.2}),
    # a tiny temperature (similarities of ±1000), huge vectors (squares overflow), parallel and
    # opposite rows. (Tiny vectors, whose gradients are of order 1/‖x‖, are in the accuracy grid:
    # finite differences cannot step them.)
    extremes=(
        ([[[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
          [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0], [-1.0, -2.0, -3.0], [3.0, -2.0, 0.5]]], {"temperature": 1e-3}),
        ([[[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0]],
          [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0], [-1.0, -2.0, -3.0]]], {"form": "nt_xent", "temperature": 0.01}),
        ([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]], {"form": "symmetric", "temperature": 0.05}),
    ),
    invalid=(
        ({"temperature": 0.0}, ValueError, "temperature must be > 0"),
        ({"form": "clip"}, ValueError, "form must be one of"),
    ),
    differentiable=("anchors", "positives"),
    coupled=True,
    reduction_note="`\"mean\"` divides by the number of pairs N (`weights=` is not supported: the rows are coupled).",
)
def info_nce(anchors, positives, *, temperature=0.1, form="one_way"):
    """InfoNCE / NT-Xent: each anchor must pick its own positive out of the batch.

    Similarities are cosines divided by the temperature τ, s_ij = cos(u_i, v_j)/τ, and each
    anchor's loss is the cross-entropy of its row with the matching index as the label. Every
    other row of the batch is a negative, so the rows are coupled: ``weights=`` is rejected
    and the gradient of row i's loss reaches every row.

    Args:
        anchors: Embeddings u, shape (N, D); any non-zero norm (they are normalised).
        positives: Their positives v, the same shape; row i is anchor i's positive.
            Differentiable too: ``grad(..., argnum=1)``.
        temperature: τ > 0 (SimCLR uses 0.1 to 0.5, MoCo and CLIP's initial value 0.07).
        form: ``"one_way"`` (u against every v), ``"symmetric"`` (CLIP: the mean of the
            row-wise and column-wise losses) or ``"nt_xent"`` (SimCLR: all 2N views, each
            against the 2N − 1 others, the two views' losses averaged per pair).

    Returns:
        The mean over the N pairs by default; ``reduction="none"`` gives one loss per pair.

    Examples:
        >>> import numpy as np
        >>> from lossref import info_nce
        >>> u = [[1.0, 0.0], [0.0, 1.0]]                  # orthogonal pairs, each matched
        >>> round(info_nce(u, u, temperature=1.0), 6)     # log(e¹ + e⁰) − 1 = log(1 + e⁻¹)
        0.313262
    """
    positive(temperature=temperature)
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(repr(f) for f in FORMS)}; got {form!r}")
    if anchors.ndim != 2:
        raise ValueError(f"anchors must have shape (N, D), one embedding per row; got shape {anchors.shape}")
    if positives.shape != anchors.shape:
        raise ValueError(f"anchors has shape {anchors.shape} but positives has shape {positives.shape}")
    u, u_norm = _unit_rows(anchors, "anchors")
    v, v_norm = _unit_rows(positives, "positives")
    n = u.shape[0]
    tau = float(temperature)
    if form == "nt_xent":
        z = np.concatenate([u, v])
        s = z @ z.T / tau
        np.fill_diagonal(s, -np.inf)  # a view is not its own negative
        partner = np.r_[np.arange(n, 2 * n), np.arange(n)]
        per_view, p = _cross_entropy_rows(s, partner)
        g = p.copy()
        g[np.arange(2 * n), partner] -= 1.0
        g *= 0.5  # each pair's value is the mean of its two views' losses
        gz = (g + g.T) @ z / tau
        values = 0.5 * (per_view[:n] + per_view[n:])
        gu, gv = gz[:n], gz[n:]
    else:
        s = u @ v.T / tau
        eye = np.eye(n)
        values, p_row = _cross_entropy_rows(s, np.arange(n))
        g = p_row - eye
        if form == "symmetric":
            col_values, p_col = _cross_entropy_rows(s.T, np.arange(n))
            values = 0.5 * (values + col_values)
            g = 0.5 * (g + p_col.T - eye)
        gu, gv = g @ v / tau, g.T @ u / tau
    return values, {
        "anchors": _through_normalisation(gu, u, u_norm),
        "positives": _through_normalisation(gv, v, v_norm),
    }
