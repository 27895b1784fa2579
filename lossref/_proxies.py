"""Proxy and neighbourhood metric-learning losses: Proxy-Anchor, Proxy-NCA and NCA."""

from dataclasses import replace

import numpy as np

from ._checks import positive, real_scalar
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._curves import first_row_rotation
from ._domains import CLASS_LABEL, EMBEDDING_ROWS
from ._domains import GROUP_LABEL as _GROUP_LABEL
from ._math import through_normalisation, unit_rows
from ._reductions import BATCH_MEAN

__all__ = ["nca", "proxy_anchor", "proxy_nca"]  # its losses, re-exported by lossref/__init__.py


def _sample_proxies(rng, shape):
    # the tests draw (N, D) embeddings with labels in [0, D): at least as many proxies as both
    return rng.normal(size=(max(shape[0], shape[-1]), shape[-1]))


PROXIES = replace(
    EMBEDDING_ROWS,
    text="real, shape (C, D): one proxy per class, any non-zero norm",
    sample=_sample_proxies,
    # a proxy is not the first argument, so Checks.fd_step does not reach it: the exponents of
    # α = 32 bend on a length 1/32 of its norm
    fd_step=lambda x: 1e-4 * min(1.0, float(np.linalg.norm(x, axis=-1).min())),
)


def _check_batch(embeddings, labels, proxies=None):
    """Labels one per row and, with proxies, in [0, C) and proxies of the embeddings' width."""
    if labels.shape != embeddings.shape[:1]:
        raise ValueError(
            f"labels has shape {labels.shape} but embeddings has shape {embeddings.shape}: one label per row"
        )
    if proxies is None:
        return
    d = embeddings.shape[1]
    if proxies.shape[1] != d:
        raise ValueError(f"proxies must have shape (C, {d}), one row per class; got shape {proxies.shape}")
    bad = labels[(labels < 0) | (labels >= proxies.shape[0])]
    if bad.size:
        raise ValueError(
            f"labels must be in [0, {proxies.shape[0]}) (one proxy per class); got {bad.flat[0]}"
        )


def _log1p_sum_exp(t, keep):
    """Per column, log(1 + Σ_{kept i} e^{t_i}) and the weights e^{t_i}/(1 + Σ e^t), with no overflow.

    With m = max(0, max t): m + log(e^{−m} + Σ e^{t−m}); when every t < 0 (m = 0) it is
    log1p of the sum, exact for a tiny sum. A column with nothing kept is log 1 = 0.
    """
    masked = np.where(keep, t, -np.inf)
    m = np.maximum(masked.max(axis=0), 0.0)
    e = np.exp(masked - m)  # e^{−inf} = 0 for the entries left out
    rest = e.sum(axis=0)
    one = np.exp(-m)
    value = np.where(m > 0, m + np.log(one + rest), np.log1p(rest))
    return value, e / (one + rest)


def _plane(theta):
    return np.stack([np.cos(theta), np.sin(theta)], axis=-1)


def _proxy_curve_args(x):
    # one embedding at angle θ from its class's proxy (1, 0); proxy_anchor: that proxy alone
    n = x.shape[0]
    return _plane(x)[:, None, :], np.zeros((n, 1), dtype=np.int64), np.tile([[1.0, 0.0]], (n, 1, 1))


@class_axis_loss(
    family="ranking",
    formula=(
        r"\mathcal{L} = \frac{1}{|P^{+}|} \sum_{p \in P^{+}} \log\Big(1 + \sum_{x \in X_p^{+}} e^{-\alpha\,(s(x, p) - \delta)}\Big) + \frac{1}{|P|} \sum_{p \in P} \log\Big(1 + \sum_{x \in X_p^{-}} e^{\alpha\,(s(x, p) + \delta)}\Big)",  # noqa: E501
        r"s(x, p) = \hat x \cdot \hat p \ \text{(cosine)}; \ P: \text{ all } C \text{ proxies}, \ P^{+}: \text{ those with a positive in the batch}, \ X_p^{\pm}: \text{ the embeddings of class } p \text{ / of the other classes}",  # noqa: E501
        r"\texttt{reduction=\"none\"}: \ \ell_p = \tfrac{C}{|P^{+}|}\, A_p + B_p \text{ per proxy (}A_p, B_p\text{ its two logs), whose mean is } \mathcal{L}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \mathcal{L}}{\partial s_{ip}} = -\frac{\alpha}{|P^{+}|}\, [y_i = p]\, \frac{e^{-\alpha (s_{ip} - \delta)}}{1 + \sum_{x \in X_p^{+}} e^{-\alpha (s_{xp} - \delta)}} + \frac{\alpha}{|P|}\, [y_i \ne p]\, \frac{e^{\alpha (s_{ip} + \delta)}}{1 + \sum_{x \in X_p^{-}} e^{\alpha (s_{xp} + \delta)}}",  # noqa: E501
        r"\frac{\partial \mathcal{L}}{\partial x_i} = \frac{1}{\lVert x_i \rVert} (I - \hat x_i \hat x_i^{\top}) \sum_p \frac{\partial \mathcal{L}}{\partial s_{ip}}\, \hat p, \qquad \frac{\partial \mathcal{L}}{\partial p} = \frac{1}{\lVert p \rVert} (I - \hat p \hat p^{\top}) \sum_i \frac{\partial \mathcal{L}}{\partial s_{ip}}\, \hat x_i",  # noqa: E501
    ),
    domain={"embeddings": EMBEDDING_ROWS, "labels": CLASS_LABEL, "proxies": PROXIES},
    use_case=(
        "Deep metric learning for retrieval (image search, few-shot): a learnable proxy per class, each "
        "pulling its class's embeddings in and pushing the others out, with fast convergence."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "pytorch-metric-learning": (
            "losses.ProxyAnchorLoss(num_classes, embedding_size, margin=0.1, alpha=32) (v2.9.0; owns the "
            "proxies as a parameter)"
        ),
    },
    references=("Kim, Kim, Cho & Kwak, Proxy Anchor Loss for Deep Metric Learning (CVPR 2020)",),
    aliases=("Proxy Anchor", "ProxyAnchorLoss"),  # names readers search for
    differentiable=("embeddings", "proxies"),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` is the paper\'s loss: the positive terms averaged over the proxies that have a '
        'positive in the batch, the negative terms over all C proxies. `"none"` gives one value per '
        'proxy (C/|P⁺|·A_p + B_p), whose mean is the loss; `"sum"` is C times it. `weights=` is not '
        "supported: every proxy's term couples the whole batch."
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ between an embedding and its class's proxy (rad)",
            x_range=(0.0, np.pi),
            args=_proxy_curve_args,
            series=(
                Series("α = 32", {}, {}),
                Series("α = 16", {}, {"alpha": 16.0}),
                Series("α = 4", {}, {"alpha": 4.0}),
            ),
            component=first_row_rotation,
            grad_label="dℓ/dθ (turning the embedding away)",
        ),
        explore={"margin": (0.0, 0.5), "alpha": (1.0, 64.0, "log")},
    ),
    checks=Checks(
        variants=({"alpha": 4.0, "margin": 0.0},),
        # α = 1e3 (exponents up to ±1100: a naive e^x overflows), huge rows, an embedding on its
        # proxy, a proxy with no positive and one with no negative. (Tiny rows, whose gradients are
        # of order 1/‖x‖, are in the accuracy grid: finite differences cannot step them.)
        extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
                    [0, 1, 0, 1],
                    [[2.0, 4.0, 6.0], [-1.0, 0.5, 2.0], [1e100, 0.0, 3e100]],
                ],
                {"alpha": 1e3},
            ),
            Extreme(
                [[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0, 0, 0], [[1.0, 0.0], [-1.0, 0.0]]],
                {"alpha": 200.0, "margin": 0.5},
            ),
        ),
        invalid=(
            Invalid({"alpha": 0.0}, ValueError, "alpha must be > 0"),
            Invalid({"margin": -0.1}, ValueError, "margin must be >= 0"),
        ),
        fd_step=lambda alpha=32.0, **_: 1e-3 * min(1.0, 4.0 / alpha),  # the exponents bend on 1/α
    ),
)
def proxy_anchor(embeddings, labels, proxies, *, alpha=32.0, margin=0.1):
    """Proxy-Anchor loss (Kim et al. 2020): each class's proxy is an anchor against the whole batch.

    Similarities are cosines s(x, p) between an embedding and a proxy. For each proxy p, the
    positive term log(1 + Σ_{x of class p} e^{−α(s − δ)}) pulls its class's embeddings
    closer than cos = δ, and the negative term log(1 + Σ_{x of other classes} e^{α(s + δ)})
    pushes the others below −δ. The positive terms are averaged over the proxies with a
    positive in the batch, the negative terms over all C proxies. Every proxy's log couples
    the batch, so the gradient of one embedding depends on the others (the paper's point: a
    hard example gets a larger share), and ``weights=`` is rejected.

    Args:
        embeddings: Embeddings x, shape (N, D); any non-zero norm (they are normalised).
        labels: Integer classes in [0, C), shape (N,).
        proxies: One learnable proxy per class, shape (C, D); any non-zero norm. Differentiable
            too: ``grad(..., argnum="proxies")``.
        alpha: α > 0, the scale of the exponents (32 in the paper and pytorch-metric-learning).
        margin: δ >= 0 (0.1 in the paper and pytorch-metric-learning).

    Returns:
        The loss by default; ``reduction="none"`` gives one value per proxy (scaled so that
        their mean is the loss).

    Examples:
        >>> from lossref import proxy_anchor
        >>> x, p = [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]   # each on its proxy
        >>> # per proxy: log(1 + e^(−1·1)) for its positive, log(1 + e^(1·0)) for its negative
        >>> round(proxy_anchor(x, [0, 1], p, alpha=1.0, margin=0.0), 6)  # log(1 + e⁻¹) + log 2
        1.006409
    """
    positive(alpha=alpha)
    delta = real_scalar(margin, "margin")
    if delta < 0:
        raise ValueError(f"margin must be >= 0, got {margin}")
    _check_batch(embeddings, labels, proxies)
    u, u_norm = unit_rows(embeddings, "embeddings")
    q, q_norm = unit_rows(proxies, "proxies")
    a = float(alpha)
    c = q.shape[0]
    s = u @ q.T  # (N, C) cosines
    own = labels[:, None] == np.arange(c)[None, :]
    with_positive = own.any(axis=0)
    n_pos = int(with_positive.sum())  # >= 1: every label names a proxy
    pos, w_pos = _log1p_sum_exp(-a * (s - delta), own)
    neg, w_neg = _log1p_sum_exp(a * (s + delta), ~own)
    values = (c / n_pos) * pos + neg

    def backward():  # of Σ_p ℓ_p = C·L: two (N × C) products the value does not need
        g = a * (w_neg - (c / n_pos) * w_pos)  # ∂(Σ_p ℓ_p)/∂s_ip
        return {
            "embeddings": through_normalisation(g @ q, u, u_norm),
            "proxies": through_normalisation(g.T @ u, q, q_norm),
        }

    return Result(values, backward)


def _proxy_nca_curve_args(x):
    # one embedding at angle θ from its class's proxy (1, 0); two other proxies at 90° and 180°
    n = x.shape[0]
    proxies = np.tile([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], (n, 1, 1))
    return _plane(x)[:, None, :], np.zeros((n, 1), dtype=np.int64), proxies


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = -\log \frac{e^{-s\, d(x_i,\, p_{y_i})}}{\sum_{c=1}^{C} e^{-s\, d(x_i,\, p_c)}}, \qquad d(x, p) = \lVert \hat x - \hat p \rVert^2 = 2 - 2\, \hat x \cdot \hat p",  # noqa: E501
        r"\text{so } \ell_i = \operatorname{LSE}_c(2s\, \hat x_i \cdot \hat p_c) - 2s\, \hat x_i \cdot \hat p_{y_i}: \text{ cross-entropy of the logits } 2s \cos(x_i, p_c)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell_i}{\partial \cos(x_i, p_c)} = 2s\,(q_{ic} - [c = y_i]), \qquad q_{ic} = \operatorname{softmax}_c\big(-s\, d(x_i, p_c)\big)",  # noqa: E501
        r"\frac{\partial \ell_i}{\partial x_i} = \frac{2s}{\lVert x_i \rVert} (I - \hat x_i \hat x_i^{\top}) \sum_c (q_{ic} - [c = y_i])\, \hat p_c, \qquad \frac{\partial \sum_i \ell_i}{\partial p_c} = \frac{2s}{\lVert p_c \rVert} (I - \hat p_c \hat p_c^{\top}) \sum_i (q_{ic} - [c = y_i])\, \hat x_i",  # noqa: E501
    ),
    domain={"embeddings": EMBEDDING_ROWS, "labels": CLASS_LABEL, "proxies": PROXIES},
    use_case=(
        "Deep metric learning for retrieval: classify each embedding by its distance to a learnable proxy "
        "per class, with no pair or triplet sampling."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "pytorch-metric-learning": (
            "losses.ProxyNCALoss(num_classes, embedding_size, softmax_scale=s) (v2.9.0; owns the proxies "
            "as a parameter; squared distances of normalised vectors)"
        ),
    },
    references=(
        (
            "Movshovitz-Attias, Toshev, Leung, Ioffe & Singh, No Fuss Distance Metric Learning using Proxies "
            "(ICCV 2017)"
        ),
        "Teh, DeVries & Taylor, ProxyNCA++: Revisiting and Revitalizing Proxy Neighborhood Component Analysis (ECCV 2020)",  # noqa: E501
    ),
    differences=(
        Difference(
            "pml-proxy-nca-drops-underflow",
            "pytorch-metric-learning",
            "`ProxyNCALoss` (v2.9.0, `losses/nca_loss.py`, which it inherits) computes the softmax "
            "probability of each embedding's own proxy and leaves out of the mean every embedding whose "
            "probability is exactly 0. With a large `softmax_scale` an embedding far from its proxy "
            "underflows to 0 and silently stops counting; `lossref` keeps it, with its large finite loss "
            "s·(d_y − min_c d_c) + …, computed as a log-sum-exp.",
        ),
    ),
    aliases=("Proxy-NCA", "ProxyNCALoss"),  # names readers search for
    differentiable=("embeddings", "proxies"),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` divides by the number of embeddings N. `weights=` is not supported: the proxies are '
        "shared by every row, so a per-row weight cannot scale their gradient."
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ between an embedding and its class's proxy (rad)",
            x_range=(0.0, np.pi),
            args=_proxy_nca_curve_args,
            series=(
                Series("s = 1", {}, {}),
                Series("s = 3", {}, {"scale": 3.0}),
                Series("s = 10", {}, {"scale": 10.0}),
            ),
            component=first_row_rotation,
            grad_label="dℓ/dθ (turning the embedding away)",
        ),
        explore={"scale": (0.25, 32.0, "log")},
    ),
    checks=Checks(
        variants=({"scale": 8.0},),
        # s = 1e3 (logits of ±2000: a naive e^x overflows), a huge row, embeddings exactly on their
        # own proxy and on another class's. (Tiny rows: in the accuracy grid.)
        extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
                    [0, 1, 2, 0],
                    [[2.0, 4.0, 6.0], [-1.0, 0.5, 2.0], [1e100, 0.0, 3e100]],
                ],
                {"scale": 1e3},
            ),
            Extreme(
                [[[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], [0, 0, 1], [[1.0, 0.0], [0.0, 1.0]]],
                {"scale": 300.0},
            ),
        ),
        invalid=(
            Invalid({"scale": 0.0}, ValueError, "scale must be > 0"),
            Invalid({"scale": -1.0}, ValueError, "scale must be > 0"),
        ),
        fd_step=lambda scale=1.0, **_: 1e-3 * min(1.0, 4.0 / scale),  # the logits 2s·cos bend on 1/(2s)
    ),
)
def proxy_nca(embeddings, labels, proxies, *, scale=1.0):
    """Proxy-NCA loss: a softmax over the classes' proxies of minus the squared distance.

    Embeddings and proxies are normalised, d(x, p) = ‖x̂ − p̂‖² = 2 − 2 cos(x, p), and each
    embedding's loss is −log of its own proxy's probability under softmax(−s·d) over all C
    proxies: the cross-entropy of the logits 2s·cos(x, p_c), a normalised-softmax classifier
    whose weights are the proxies. The denominator includes the positive proxy, as in
    pytorch-metric-learning and ProxyNCA++; the original paper sums over the other classes'
    proxies only, which is this loss plus log(1 − q_y) and can be negative.

    Args:
        embeddings: Embeddings x, shape (N, D); any non-zero norm (they are normalised).
        labels: Integer classes in [0, C), shape (N,).
        proxies: One learnable proxy per class, shape (C, D); any non-zero norm. Differentiable
            too: ``grad(..., argnum="proxies")``.
        scale: s > 0, multiplies −d before the softmax (pytorch-metric-learning's
            ``softmax_scale``, default 1; ProxyNCA++ uses a temperature, s = 1/T).

    Returns:
        The mean over the N embeddings by default; ``reduction="none"`` gives one loss each.

    Examples:
        >>> from lossref import proxy_nca
        >>> x, p = [[1.0, 0.0]], [[1.0, 0.0], [-1.0, 0.0]]          # d = 0 to its proxy, 4 to the other
        >>> round(proxy_nca(x, [0], p), 6)                          # log(1 + e^(−4))
        0.01815
    """
    positive(scale=scale)
    _check_batch(embeddings, labels, proxies)
    u, u_norm = unit_rows(embeddings, "embeddings")
    q, q_norm = unit_rows(proxies, "proxies")
    s2 = 2.0 * float(scale)
    rows = np.arange(u.shape[0])
    z = s2 * (u @ q.T)  # −s·d up to the constant −2s, which the softmax ignores
    gap = z - z[rows, labels][:, None]  # the logits relative to the true class: 0 at y
    # ℓ = m + log1p(Σ_{c ≠ argmax} e^{gap_c − m}), m = max gap ≥ 0: when the own proxy is the
    # nearest by far (m = 0) the small loss comes from log1p, not from LSE − z_y
    k = gap.argmax(axis=1)
    m = gap[rows, k]
    e = np.exp(gap - m[:, None])
    e[rows, k] = 0.0
    rest = e.sum(axis=1)
    values = m + np.log1p(rest)

    def backward():  # only for .grad: two (N × C) products the value does not need
        e[rows, k] = 1.0
        g = e / (1.0 + rest)[:, None]  # the softmax q
        g[rows, labels] -= 1.0
        g *= s2
        return {
            "embeddings": through_normalisation(g @ q, u, u_norm),
            "proxies": through_normalisation(g.T @ u, q, q_norm),
        }

    return Result(values, backward)


NEIGHBOUR_LABEL = replace(
    _GROUP_LABEL, text="integers ≥ 0, one per row: rows with equal labels are neighbours of the same class"
)

# raw squared distances: a far point (squared distances of 1e8, a one-hot softmax), points whose
# differences underflow when squared (1e-200), parallel, opposite and orthogonal rows. Not 1e200
# (squares overflow: refused), nor 1e50: a row that far out has distances that differ by 1e-50 of
# themselves, which float64 inputs cannot resolve (its loss is ill-conditioned, not inaccurate)
POINTS = replace(
    EMBEDDING_ROWS,
    stress=(
        (1.0, 0.0, 0.0),
        (0.0, 1.0, 0.0),
        (1.0, 2.0, 3.0),
        (2.0, 4.0, 6.0),
        (-1.0, -2.0, -3.0),
        (3.0, -2.0, 0.5),
        (0.5, 0.5, 0.5),
        (1e4, -1e4, 3e3),
        (1e-200, 3e-200, 0.0),
        (1e-6, 0.0, 0.0),
        (0.0, 0.0, 0.0),
    ),
)


def _nca_curve_args(x):
    # three points on a line: point 0 at t (class 0), its class-mate at 0, another class at 2
    n = x.shape[0]
    points = np.stack([np.stack([x, np.zeros(n)], -1), np.zeros((n, 2)), np.tile([2.0, 0.0], (n, 1))], axis=1)
    return points, np.tile([0, 0, 1], (n, 1))


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = -\log \sum_{j \in P(i)} p_{ij}, \qquad p_{ij} = \frac{e^{-s \lVert x_i - x_j \rVert^2}}{\sum_{k \ne i} e^{-s \lVert x_i - x_k \rVert^2}} \ (j \ne i), \qquad P(i) = \{j \ne i : y_j = y_i\}",  # noqa: E501
        r"\ell_i = \operatorname{softplus}\big(\operatorname{LSE}_{j:\, y_j \ne y_i}(z_{ij}) - \operatorname{LSE}_{j \in P(i)}(z_{ij})\big), \quad z_{ij} = -s \lVert x_i - x_j \rVert^2; \ \text{rows with } P(i) = \varnothing \text{ are left out of the mean}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell_i}{\partial z_{ij}} = w_{ij} = p_{ij} - [j \in P(i)]\, \frac{p_{ij}}{\sum_{k \in P(i)} p_{ik}}, \qquad \frac{\partial \sum_i \ell_i}{\partial x_k} = -2s \sum_{j} (w_{kj} + w_{jk})\, (x_k - x_j)",  # noqa: E501
    ),
    domain={"embeddings": POINTS, "labels": NEIGHBOUR_LABEL},
    use_case=(
        "Learning a metric (a linear map or a network) for nearest-neighbour classification: maximise the "
        "log-probability that a stochastic nearest neighbour has the right class."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "pytorch-metric-learning": (
            "losses.NCALoss(softmax_scale=s, distance=distances.LpDistance(power=2, "
            "normalize_embeddings=False)) (v2.9.0; its default distance normalises the embeddings)"
        ),
    },
    references=(
        ("Goldberger, Roweis, Hinton & Salakhutdinov, Neighbourhood Components Analysis (NeurIPS 2004)"),
    ),
    differences=(
        Difference(
            "pml-nca-normalises",
            "pytorch-metric-learning",
            "`NCALoss()` (v2.9.0, `losses/nca_loss.py`) measures distances with `LpDistance(power=2)`, "
            "whose default `normalize_embeddings=True` divides every embedding by its norm first: its "
            "loss is `lossref`'s on unit vectors, not NCA's on the embeddings themselves. Pass "
            "`distance=LpDistance(power=2, normalize_embeddings=False)` to get NCA.",
        ),
        Difference(
            "pml-nca-drops-underflow",
            "pytorch-metric-learning",
            "`NCALoss` (v2.9.0) leaves out of the mean every row whose same-class probability "
            "Σ_{j∈P(i)} p_ij is exactly 0: a row without a class-mate in the batch (as `lossref`), but "
            "also a row whose class-mates are so much farther than its nearest other-class point that "
            "the probability underflows. `lossref` computes −log Σ p_ij as a log-sum-exp and keeps "
            "that row, with its large finite loss.",
        ),
    ),
    aliases=("NCA", "neighborhood components analysis", "NCALoss"),  # names readers search for
    differentiable=("embeddings",),
    reduction=BATCH_MEAN,
    reduction_note='`"mean"` divides by the number of rows that have a same-class neighbour in the batch '
    "(`weights=` is not supported: the rows are coupled).",
    empty_mean=lambda embeddings, labels, **_: (
        "no two rows of labels are equal, so no row has a same-class neighbour and none counts toward "
        "the mean; NCA needs at least two rows of some class"
    ),
    plot=Plot(
        curve=Curve(
            x_label="position t of point 0 (class-mate at 0, other class at 2)",
            x_range=(-1.0, 3.0),
            args=_nca_curve_args,
            series=(
                Series("s = 1", {}, {}),
                Series("s = 3", {}, {"scale": 3.0}),
                Series("s = 0.3", {}, {"scale": 0.3}),
            ),
            # each grid point is a batch of three: point 0's loss, and the slope of the batch's sum
            component=lambda g, args: g[..., 0, 0],
            grad_label="∂(Σᵢ ℓᵢ)/∂t (moving point 0)",
        ),
        explore={"scale": (0.1, 10.0, "log")},
    ),
    checks=Checks(
        variants=({"scale": 4.0},),
        # distances of 1e6 (e^(−1e6) underflows: a naive softmax is 0/0), a row with no class-mate,
        # a row whose class-mates are far beyond its nearest other-class point, coincident points
        extremes=(
            Extreme(
                [
                    [[0.0, 0.0], [1e3, 0.0], [1.0, 1.0], [1e3, 1.0], [-1e3, 0.0]],
                    [0, 0, 1, 1, 2],
                ],
            ),
            Extreme(
                [[[0.0, 0.0], [0.0, 0.0], [0.1, 0.0], [5.0, 0.0]], [0, 1, 1, 0]],
                {"scale": 100.0},
            ),
        ),
        invalid=(
            Invalid({"scale": 0.0}, ValueError, "scale must be > 0"),
            Invalid({"scale": -2.0}, ValueError, "scale must be > 0"),
        ),
        fd_step=lambda scale=1.0, **_: 1e-3 * min(1.0, 1.0 / scale),
    ),
)
def nca(embeddings, labels, *, scale=1.0):
    """Neighbourhood components analysis (NCA) loss: −log of the chance to pick a class-mate.

    Each row i picks a neighbour j ≠ i at random with probability p_ij, a softmax of
    −s·‖x_i − x_j‖² over the other rows, and its loss is −log of the probability that the pick
    has its class. This is Goldberger et al.'s log-likelihood objective; their other objective,
    the expected number of correct picks Σ_i Σ_{j∈P(i)} p_ij (scikit-learn's), is Σ_i e^{−ℓ_i}.
    The distances are Euclidean on the embeddings as given (no normalisation). A row without a
    class-mate in the batch has loss 0 and is left out of the mean. The rows are coupled, so
    ``weights=`` is rejected.

    Args:
        embeddings: Embeddings x, shape (N, D), e.g. a linear map Ax of the data.
        labels: Integer class ids ≥ 0, shape (N,).
        scale: s > 0, multiplies the squared distances (pytorch-metric-learning's
            ``softmax_scale``, default 1; in the paper the scale lives in A).

    Returns:
        The mean over rows with at least one class-mate by default; ``reduction="none"`` gives
        one loss per row (0 for a row without one).

    Examples:
        >>> from lossref import nca
        >>> x = [[0.0], [1.0], [2.0]]                   # classes 0, 0, 1: distances² 1 and 4 from row 0
        >>> nca(x, [0, 0, 1], reduction="none").round(6)   # row 0: −log(e⁻¹ / (e⁻¹ + e⁻⁴))
        array([0.048587, 0.693147, 0.      ])
    """
    positive(scale=scale)
    if labels.shape != embeddings.shape[:1]:
        raise ValueError(f"embeddings has shape {embeddings.shape} but labels has shape {labels.shape}")
    n = embeddings.shape[0]
    if n == 1:  # a lone row has no neighbour
        return Result(np.zeros(1), lambda: np.zeros_like(embeddings), np.zeros(1))
    diff = embeddings[:, None, :] - embeddings[None, :, :]  # exact differences: no cancellation of a Gram
    with np.errstate(over="ignore"):
        z = -float(scale) * (diff * diff).sum(axis=-1)
    if not np.isfinite(z).all():
        raise ValueError(
            "scale · ‖x_i − x_j‖² overflows float64 for embeddings (entries above about 1e154): NCA uses "
            "raw squared distances; rescale the embeddings or the scale"
        )
    same = labels[:, None] == labels[None, :]
    other = ~same
    np.fill_diagonal(same, False)  # a row is not its own neighbour
    kept = same.any(axis=1)
    lse_pos = _masked_lse(z, same)
    lse_neg = _masked_lse(z, other)
    t = lse_neg - np.where(kept, lse_pos, 0.0)  # −inf where a row has no other-class point
    values = np.where(kept, np.logaddexp(0.0, t), 0.0)  # softplus: −log(1 − Σ_neg p) without cancelling

    def backward():  # only for .grad: the (N × N × D) contraction the value does not need
        lse_all = np.logaddexp(np.where(kept, lse_pos, -np.inf), lse_neg)
        with np.errstate(invalid="ignore"):  # rows without a class-mate: 0, masked below
            p = np.exp(np.where(same | other, z - lse_all[:, None], -np.inf))
            w = p - np.exp(np.where(same, z - lse_pos[:, None], -np.inf))
        w = np.where(kept[:, None], w, 0.0)
        a = w + w.T
        return -2.0 * float(scale) * np.einsum("kj,kjd->kd", a, diff)

    return Result(values, backward, kept.astype(float))


def _masked_lse(z, keep):
    """Per row, log Σ_{kept j} e^{z_j}; −inf for a row with nothing kept."""
    masked = np.where(keep, z, -np.inf)
    m = masked.max(axis=1)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):  # log 0 = −inf for an empty row
        return safe + np.log(np.exp(masked - safe[:, None]).sum(axis=1))
