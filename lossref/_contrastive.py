"""Batch contrastive losses: every other row of the batch is a negative (a coupled loss)."""

import numpy as np

from ._checks import positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._curves import pair_rows_in_plane
from ._domains import EMBEDDING_ROWS, GROUP_LABEL, RAW_EMBEDDING_ROWS
from ._math import through_normalisation, unit_rows
from ._reductions import BATCH_MEAN

__all__ = ["info_nce", "n_pair", "supervised_contrastive"]  # its losses, re-exported by lossref/__init__.py

FORMS = ("one_way", "symmetric", "nt_xent")


def _log_sum_exp_parts(s):
    """Per row, the maximum m, rest = Σ e^{s_j − m} over the other entries, and the softmax.

    LSE = m + log1p(rest), kept apart so that callers can avoid cancellation. Excluded entries
    are −inf and contribute e^{−inf} = 0.
    """
    rows = np.arange(s.shape[0])
    k = s.argmax(axis=1)
    m = s[rows, k]
    e = np.exp(s - m[:, None])
    e[rows, k] = 0.0
    rest = e.sum(axis=1)
    e[rows, k] = 1.0
    return m, rest, e / (1.0 + rest)[:, None]


def _cross_entropy_rows(s, target):
    """Per row, LSE_j(s_rj) − s_r,target and the row's softmax, without cancellation.

    With d_j = s_rj − s_r,target (so d_target = 0) and its maximum m, the loss is
    m + log1p(Σ_{j≠k} e^{d_j − m}): when the positive dominates (m = 0) the small loss comes
    from log1p directly instead of from LSE − s, two nearly equal numbers.
    """
    d = s - s[np.arange(s.shape[0]), target][:, None]
    m, rest, p = _log_sum_exp_parts(d)
    return m + np.log1p(rest), p


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = -\log \frac{e^{s_{ii}}}{\sum_{j=1}^{N} e^{s_{ij}}} = \operatorname{LSE}_j(s_{ij}) - s_{ii}, \qquad s_{ij} = \frac{\cos(u_i, v_j)}{\tau}",  # noqa: E501
        r"\text{symmetric (CLIP): } \tfrac12\big(\ell_i^{\text{row}} + \ell_i^{\text{column}}\big); \quad \text{NT-Xent (SimCLR): the } 2N \text{ views, self excluded, averaged per pair}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \sum_i \ell_i}{\partial s_{ij}} = \operatorname{softmax}_j(s_{i\cdot}) - [i = j], \qquad \frac{\partial s_{ij}}{\partial u_i} = \frac{1}{\tau\,\lVert u_i \rVert}\big(\hat v_j - (\hat u_i \cdot \hat v_j)\,\hat u_i\big)",  # noqa: E501
    ),
    domain={"anchors": EMBEDDING_ROWS, "positives": EMBEDDING_ROWS},
    use_case=(
        "Self-supervised and multimodal representation learning (SimCLR, MoCo, CLIP): pick each anchor's "
        "positive out of the batch."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "PyTorch": "no built-in: F.cross_entropy(F.normalize(u) @ F.normalize(v).T / τ, torch.arange(N))",
        "optax": (
            "optax.losses.ntxent(embeddings, labels, temperature=0.07) (one matrix with labels; every "
            "same-label pair is a positive)"
        ),
        "pytorch-metric-learning": (
            "losses.NTXentLoss(temperature=τ)(u, arange(N), ref_emb=v, ref_labels=arange(N)); on the two "
            "views stacked with labels [0..N−1, 0..N−1] it is form='nt_xent' (v2.9.0; its default τ is 0.07)"
        ),
    },
    references=(
        "van den Oord, Li & Vinyals, Representation Learning with Contrastive Predictive Coding (2018)",
        (
            "Chen, Kornblith, Norouzi & Hinton, A Simple Framework for Contrastive Learning of Visual "
            "Representations (2020)"
        ),
        "Radford et al., Learning Transferable Visual Models From Natural Language Supervision (CLIP, 2021)",
    ),
    differences=(
        Difference(
            "optax-ntxent-labels",
            "optax",
            "optax's `ntxent(embeddings, labels)` takes one matrix and integer labels: every pair of "
            "rows with the same label is a positive, and each anchor's denominator holds its "
            "negatives plus that one positive. With the two views stacked and labels "
            '`[0..N−1, 0..N−1]` it is `lossref`\'s `form="nt_xent"` (self excluded from the '
            "denominator in both).",
        ),
        Difference(
            "pml-ntxent-default-temperature",
            "pytorch-metric-learning",
            "`NTXentLoss()` (v2.9.0, `losses/ntxent_loss.py`) defaults to τ = 0.07, `lossref` to "
            "τ = 0.1: pass the temperature to either. Given the same τ the two agree, value and "
            "gradient.",
        ),
    ),
    aliases=("NT-Xent", "CLIP loss", "SimCLR loss"),  # names readers search for
    differentiable=("anchors", "positives"),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` divides by the number of pairs N (`weights=` is not supported: the rows are coupled).'
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, anchor 1 to its positive (rad)",
            x_range=(0.0, np.pi),
            args=lambda x: pair_rows_in_plane(x),
            series=(
                Series("τ = 0.1", {}, {}),
                Series("τ = 0.5", {}, {"temperature": 0.5}),
                Series("τ = 1", {}, {"temperature": 1.0}),
            ),
            # each grid point is a batch of two pairs: plot anchor 1's loss and dℓ/dθ
            component=lambda g, args: -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0],
            grad_label="dℓ/dθ (rotating anchor 1)",
        ),
        explore={"temperature": (0.02, 2.0, "log")},
    ),
    checks=Checks(
        variants=({"temperature": 0.5}, {"form": "symmetric"}, {"form": "nt_xent", "temperature": 0.2}),
        # a tiny temperature (similarities of ±1000), huge vectors (squares overflow), parallel and
        # opposite rows. (Tiny vectors, whose gradients are of order 1/‖x‖, are in the accuracy grid:
        # finite differences cannot step them.)
        extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
                    [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0], [-1.0, -2.0, -3.0], [3.0, -2.0, 0.5]],
                ],
                {"temperature": 1e-3},
            ),
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0]],
                    [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0], [-1.0, -2.0, -3.0]],
                ],
                {"form": "nt_xent", "temperature": 0.01},
            ),
            Extreme(
                [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]],
                {"form": "symmetric", "temperature": 0.05},
            ),
        ),
        invalid=(
            Invalid({"temperature": 0.0}, ValueError, "temperature must be > 0"),
            Invalid({"form": "clip"}, ValueError, "form must be one of"),
        ),
        # huge and tiny rows, swap both ways; no slack exactly 0 and no ties d(a, n) = d(p, n)
        # a tiny temperature: similarities of ±1000 (torch: cross_entropy on them)
        torch_extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
                    [[2.0, 4.0, 6.0], [-1.0, -2.0, -3.0], [3.0, -2.0, 0.5]],
                ],
                {"temperature": 1e-3},
            ),
            Extreme(
                [[[1.0, 2.0, 3.0], [3.0, 1.0, -2.0]], [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0]]],
                {"form": "nt_xent", "temperature": 0.01},
            ),
            Extreme(
                [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]],
                {"form": "symmetric", "temperature": 0.05},
            ),
        ),
    ),
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
    if positives.shape != anchors.shape:
        raise ValueError(f"anchors has shape {anchors.shape} but positives has shape {positives.shape}")
    u, u_norm = unit_rows(anchors, "anchors")
    v, v_norm = unit_rows(positives, "positives")
    n = u.shape[0]
    tau = float(temperature)
    if form == "nt_xent":
        z = np.concatenate([u, v])
        s = z @ z.T / tau
        np.fill_diagonal(s, -np.inf)  # a view is not its own negative
        partner = np.r_[np.arange(n, 2 * n), np.arange(n)]
        per_view, p = _cross_entropy_rows(s, partner)
        values = 0.5 * (per_view[:n] + per_view[n:])

        def backward():  # only for .grad: a (2N × 2N) by (2N × D) product the value does not need
            g = p.copy()
            g[np.arange(2 * n), partner] -= 1.0
            g *= 0.5  # each pair's value is the mean of its two views' losses
            gz = (g + g.T) @ z / tau
            return _both(gz[:n], gz[n:])
    else:
        s = u @ v.T / tau
        eye = np.eye(n)
        values, p_row = _cross_entropy_rows(s, np.arange(n))
        if form == "symmetric":
            col_values, p_col = _cross_entropy_rows(s.T, np.arange(n))
            values = 0.5 * (values + col_values)

        def backward():  # only for .grad: two N×N by N×D products the value does not need
            g = p_row - eye
            if form == "symmetric":
                g = 0.5 * (g + p_col.T - eye)
            return _both(g @ v / tau, g.T @ u / tau)

    def _both(gu, gv):
        return {
            "anchors": through_normalisation(gu, u, u_norm),
            "positives": through_normalisation(gv, v, v_norm),
        }

    return Result(values, backward)


def _dot_similarities(u, v):
    """u vᵀ, with a clear error where a product overflows instead of an inf or NaN loss."""
    with np.errstate(over="ignore", invalid="ignore"):
        s = u @ v.T
    if not np.isfinite(s).all():
        raise ValueError(
            "anchors · positives overflows float64 (entries above about 1e154): n_pair uses raw "
            "dot products; normalise the embeddings, or use info_nce"
        )
    return s


def _n_pair_curve_args(x, length=1.0):
    anchors, positives = pair_rows_in_plane(x)
    return length * anchors, length * positives


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = \log\Big(1 + \sum_{j \ne i} e^{\,f_i \cdot f_j^{+} - f_i \cdot f_i^{+}}\Big) = \operatorname{LSE}_j\big(f_i \cdot f_j^{+}\big) - f_i \cdot f_i^{+}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \sum_i \ell_i}{\partial f_i} = \sum_j \big(p_{ij} - [i = j]\big)\, f_j^{+}, \qquad \frac{\partial \sum_i \ell_i}{\partial f_j^{+}} = \sum_i \big(p_{ij} - [i = j]\big)\, f_i, \qquad p_{ij} = \operatorname{softmax}_j\big(f_i \cdot f_\cdot^{+}\big)",  # noqa: E501
    ),
    domain={"anchors": RAW_EMBEDDING_ROWS, "positives": RAW_EMBEDDING_ROWS},
    use_case=(
        "Deep metric learning with one positive per class in the batch: each anchor must score its own "
        "positive above every other class's positive."
    ),
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "no built-in: F.cross_entropy(f @ f_pos.T, torch.arange(N))",
        "pytorch-metric-learning": (
            "losses.NPairsLoss(distance=DotProductSimilarity(normalize_embeddings=False)) on anchors and "
            "positives stacked, one label per pair (v2.9.0; its default distance normalises the "
            "embeddings: a different loss)"
        ),
    },
    references=("Sohn, Improved Deep Metric Learning with Multi-class N-pair Loss Objective (NeurIPS 2016)",),
    differences=(
        Difference(
            "pml-npairs-normalises",
            "pytorch-metric-learning",
            "`NPairsLoss` (v2.9.0, `losses/n_pairs_loss.py`) scores pairs with `DotProductSimilarity`, "
            "whose default "
            "`normalize_embeddings=True` divides every embedding by its norm first. Its loss is "
            "therefore `lossref`'s on unit vectors, which is `info_nce` with τ = 1, not the "
            "N-pair loss of raw embeddings (Sohn's, whose norm acts as an inverse temperature).",
        ),
    ),
    differentiable=("anchors", "positives"),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` divides by the number of pairs N (`weights=` is not supported: the rows are coupled).'
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, anchor 1 to its positive (rad)",
            x_range=(0.0, np.pi),
            args=_n_pair_curve_args,
            series=(
                Series("‖f‖ = 1", {}, {}),
                Series("‖f‖ = 2", {"length": 2.0}, {}),
                Series("‖f‖ = 4", {"length": 4.0}, {}),
            ),
            # each grid point is a batch of two pairs: plot anchor 1's loss and dℓ/dθ
            component=lambda g, args: -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0],
            grad_label="dℓ/dθ (rotating anchor 1)",
        ),
    ),
    checks=Checks(
        # similarities of ±1e4 (a saturated softmax), a zero row, a tiny row (its similarities are 0)
        extremes=(
            Extreme(
                [[[100.0, 0.0], [0.0, 100.0], [70.0, -70.0]], [[100.0, 1.0], [-100.0, 0.0], [0.0, 100.0]]]
            ),
            Extreme(
                [
                    [[1e-200, 3e-200, 0.0], [0.0, 0.0, 0.0], [30.0, -30.0, 10.0]],
                    [[1.0, 2.0, 3.0], [3.0, -2.0, 0.5], [30.0, -30.0, 10.0]],
                ]
            ),
        ),
        # similarities of ±1e4 (saturated softmax rows), tiny, zero and large rows
        torch_extremes=(
            Extreme(
                [[[100.0, 0.0], [0.0, 100.0], [70.0, -70.0]], [[100.0, 1.0], [-100.0, 0.0], [0.0, 100.0]]]
            ),
            Extreme(
                [
                    [[1e-200, 3e-200, 0.0], [0.0, 0.0, 0.0], [30.0, -30.0, 10.0]],
                    [[1.0, 2.0, 3.0], [3.0, -2.0, 0.5], [30.0, -30.0, 10.0]],
                ]
            ),
        ),
    ),
)
def n_pair(anchors, positives):
    """N-pair loss: each anchor must score its own positive above the other anchors' positives.

    The batch holds one (anchor, positive) pair per class. Anchor i scores every positive
    with a raw dot product, f_i · f_j⁺, and its loss is the cross-entropy of that row with
    i as the label. The embeddings are not normalised: their norms act as an inverse
    temperature. The rows are coupled, so ``weights=`` is rejected.

    Args:
        anchors: Embeddings f, shape (N, D), one pair (class) per row.
        positives: Their positives f⁺, the same shape; row i is anchor i's positive.
            Differentiable too: ``grad(..., argnum=1)``.

    Returns:
        The mean over the N pairs by default; ``reduction="none"`` gives one loss per pair.

    Examples:
        >>> import numpy as np
        >>> from lossref import n_pair
        >>> f = [[1.0, 0.0], [0.0, 1.0]]                  # each positive equals its anchor
        >>> round(n_pair(f, f), 6)                        # log(1 + e^(0 − 1)) per anchor
        0.313262
    """
    if positives.shape != anchors.shape:
        raise ValueError(f"anchors has shape {anchors.shape} but positives has shape {positives.shape}")
    s = _dot_similarities(anchors, positives)
    n = s.shape[0]
    values, p = _cross_entropy_rows(s, np.arange(n))

    def backward():  # only for .grad: two N×D products the value does not need
        g = p - np.eye(n)
        return {"anchors": g @ positives, "positives": g.T @ anchors}

    return Result(values, backward)


def _supcon_curve_args(x):
    # three points in the plane: anchor 0 at angle θ from its positive (1, 0) (label 0), and a
    # negative (label 1) fixed at 90°
    n = x.shape[0]
    features = np.stack(
        [np.stack([np.cos(x), np.sin(x)], axis=-1), np.tile([1.0, 0.0], (n, 1)), np.tile([0.0, 1.0], (n, 1))],
        axis=1,
    )
    return features, np.tile([0, 0, 1], (n, 1))


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = -\frac{1}{|P(i)|}\sum_{p \in P(i)} \log \frac{e^{s_{ip}}}{\sum_{a \ne i} e^{s_{ia}}}, \qquad s_{ia} = \frac{\cos(z_i, z_a)}{\tau}",  # noqa: E501
        r"P(i) = \{p \ne i : y_p = y_i\}; \text{ anchors with no positive are left out of the mean}",
    ),
    gradient=(
        r"\frac{\partial \ell_i}{\partial s_{ia}} = \operatorname{softmax}_{a \ne i}(s_{i\cdot}) - \frac{[a \in P(i)]}{|P(i)|}, \qquad \frac{\partial s_{ia}}{\partial z_i} = \frac{1}{\tau\,\lVert z_i \rVert}\big(\hat z_a - (\hat z_i \cdot \hat z_a)\,\hat z_i\big)",  # noqa: E501
    ),
    domain={"features": EMBEDDING_ROWS, "labels": GROUP_LABEL},
    use_case=(
        "Supervised representation learning: pull together every pair of same-class samples in the batch, "
        "push apart the rest, before training a linear classifier on top."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "PyTorch": "no built-in (the authors' SupConLoss in the SupContrast repository)",
        "pytorch-metric-learning": (
            "losses.SupConLoss(temperature=0.1) (v2.9.0, its default; its non-zero mean leaves out "
            "the anchors without a positive, as here)"
        ),
    },
    references=("Khosla et al., Supervised Contrastive Learning (NeurIPS 2020)",),
    differences=(
        Difference(
            "supcon-reference-mean",
            "SupContrast (authors' code)",
            "The authors' `SupConLoss` (HobbitLong/SupContrast, `losses.py` at commit 66a8fe5, "
            "no releases) gives an anchor without positives a loss of 0 and then averages over all "
            "anchors, so such anchors still count in the denominator; it also multiplies by "
            "τ/τ_base: 1 at the code's defaults (both 0.07), 0.1/0.07 ≈ 1.43 with the τ = 0.1 of "
            "the README's SupCon commands. `lossref`'s mean leaves those anchors out (as "
            "pytorch-metric-learning v2.9.0's `SupConLoss`, which averages the non-zero losses) and "
            "has no τ_base. With τ = τ_base the two agree when every anchor has a positive.",
        ),
    ),
    differentiable=("features",),
    reduction=BATCH_MEAN,
    reduction_note='`"mean"` divides by the number of anchors that have at least one positive '
    "(`weights=` is not supported: the rows are coupled).",
    empty_mean=lambda features, labels, **_: (
        "no two rows of labels are equal, so no anchor has a positive (another row with its label) "
        "and none counts toward the mean; SupCon needs at least two rows of some class"
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, anchor to its positive (rad)",
            x_range=(0.0, np.pi),
            args=_supcon_curve_args,
            series=(
                Series("τ = 0.1", {}, {}),
                Series("τ = 0.5", {}, {"temperature": 0.5}),
                Series("τ = 1", {}, {"temperature": 1.0}),
            ),
            # each grid point is a batch of three: plot the first row's loss and dℓ/dθ
            component=lambda g, args: -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0],
            grad_label="dℓ/dθ (rotating the anchor)",
        ),
        explore={"temperature": (0.02, 2.0, "log")},
    ),
    checks=Checks(
        variants=({"temperature": 0.5},),
        # τ = 1e-3 (similarities of ±1000), a huge row (its square overflows), an anchor alone in its class
        extremes=(
            Extreme(
                [
                    [
                        [1.0, 2.0, 3.0],
                        [1e200, -1e200, 3e199],
                        [3.0, 1.0, -2.0],
                        [-1.0, 0.5, 2.0],
                        [2.0, 4.0, 6.0],
                    ],
                    [0, 1, 0, 1, 2],
                ],
                {"temperature": 1e-3},
            ),
            Extreme([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]], [3, 3, 3, 5]], {"temperature": 0.05}),
        ),
        invalid=(Invalid({"temperature": 0.0}, ValueError, "temperature must be > 0"),),
        # τ = 1e-3 (similarities of ±1000), a lone anchor (left out of the mean), many positives
        torch_extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0], [2.0, 4.0, 6.0], [0.0, 1.0, 0.0]],
                    [0, 1, 0, 1, 2],
                ],
                {"temperature": 1e-3},
            ),
            Extreme([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]], [3, 3, 3, 5]], {"temperature": 0.05}),
        ),
    ),
)
def supervised_contrastive(features, labels, *, temperature=0.1):
    """Supervised contrastive loss (SupCon): every same-label row of the batch is a positive.

    Similarities are cosines divided by τ. Anchor i's loss is the mean, over its positives
    p (the other rows with its label), of the cross-entropy of its row of similarities
    (itself excluded) with p as the label. An anchor with no positive has loss 0 and is left
    out of the mean. The rows are coupled, so ``weights=`` is rejected.

    Args:
        features: Embeddings z, shape (N, D); any non-zero norm (they are normalised). For
            several augmented views per image, stack the views as rows and repeat the labels.
        labels: Integer class ids ≥ 0, shape (N,).
        temperature: τ > 0 (0.1 in pytorch-metric-learning and in the authors' README commands;
            0.07 is the default in the authors' code).

    Returns:
        The mean over anchors with at least one positive by default; ``reduction="none"``
        gives one loss per row (0 for an anchor without positives).

    Examples:
        >>> from lossref import supervised_contrastive
        >>> z = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]      # two of class 0, one of class 1
        >>> supervised_contrastive(z, [0, 0, 1], temperature=1.0, reduction="none").round(6)
        array([0.313262, 0.313262, 0.      ])
        >>> # anchor 0: log(e¹ + e⁰) − 1 = log(1 + e⁻¹) = 0.313262; anchor 2 has no positive
    """
    positive(temperature=temperature)
    if labels.shape != features.shape[:1]:
        raise ValueError(f"features has shape {features.shape} but labels has shape {labels.shape}")
    z, norm = unit_rows(features, "features")
    if z.shape[0] == 1:  # a lone row has no candidates and no positive
        return Result(np.zeros(1), lambda: np.zeros_like(z), np.zeros(1))
    tau = float(temperature)
    s = z @ z.T / tau
    np.fill_diagonal(s, -np.inf)  # a row is not its own candidate
    same = labels[:, None] == labels[None, :]
    np.fill_diagonal(same, False)
    count = same.sum(axis=1)
    kept = count > 0
    # LSE_i − s_ip = (M_i − s_ip) + log1p(rest_i): both terms ≥ 0, so a dominant positive's
    # small loss comes from log1p, not from the difference of two nearly equal numbers
    m, rest, p = _log_sum_exp_parts(s)
    gap = np.where(same, m[:, None] - np.where(same, s, 0.0), 0.0)
    values = np.where(kept, gap.sum(axis=1) / np.maximum(count, 1) + np.log1p(rest), 0.0)

    def backward():  # only for .grad: an N×N by N×D product the value does not need
        share = np.where(same, 1.0 / np.maximum(count, 1)[:, None], 0.0)
        g = np.where(kept[:, None], p - share, 0.0)
        return through_normalisation((g + g.T) @ z / tau, z, norm)

    return Result(values, backward, kept.astype(float))
