"""Listwise learning-to-rank losses: one list of item scores per row against its relevance labels."""

import numpy as np

from ._checks import as_float_array, last_axis, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain
from ._math import log_softmax, sigmoid, softplus

__all__ = [
    "approx_ndcg",
    "lambdarank",
    "listmle",
    "listnet",
]  # its losses, re-exported by lossref/__init__.py


def _lists(value, name):
    return last_axis(as_float_array(value, name), name, "an item axis", ": one list per row")


SCORE_LISTS = Domain(
    "real, shape (..., n): one list per row, its n items on the last axis",
    _lists,
    lambda rng, shape: rng.normal(scale=2.0, size=shape),
    has_class_axis=True,
    invalid=(Invalid(np.inf, ValueError, "contains inf"),),
    # saturated and tied rows; a large common offset; two items close together far below the
    # top one, and a low item between two high ones (where one shared log-sum-exp frame loses
    # ε·|s| of absolute accuracy in a suffix)
    stress=(
        (0.0, 0.0, 0.0),
        (1e4, 0.0, -1e4),
        (40.0, 0.0, 1.0),
        (-745.0, 0.0, 0.0),
        (1e-12, 0.0, 0.0),
        (2.0, -1.0, 0.5),
        (-30.0, 30.0, 0.0),
        (10001.0, 1e4, 9999.5),
        (0.0, -1e4, -9999.0),
        (0.0, -1e4, 1e-3),
    ),
)
RELEVANCE = Domain(
    "real relevance labels, the shape of scores: a higher label ranks higher",
    _lists,
    lambda rng, shape: rng.integers(0, 5, size=shape).astype(float),  # graded relevance 0–4, with ties
    has_class_axis=True,
    invalid=(Invalid(np.inf, ValueError, "contains inf"),),
    # every order of three items, ties, and labels whose softmax saturates
    stress=(
        (2.0, 1.0, 0.0),
        (0.0, 1.0, 2.0),
        (1.0, 2.0, 0.0),
        (2.0, 0.0, 1.0),
        (0.0, 2.0, 1.0),
        (1.0, 0.0, 2.0),
        (1.0, 1.0, 0.0),
        (0.0, 0.0, 0.0),
        (1e4, 0.0, -1e4),
        (40.0, 0.0, 1.0),
        (-745.0, 0.0, 0.0),
    ),
)


def _check_shapes(scores, labels):
    if labels.shape != scores.shape:
        raise ValueError(f"scores has shape {scores.shape} but labels has shape {labels.shape}")


def _three_items(x, labels=(2.0, 1.0, 0.0)):
    # a list of three items: item 1's score varies, s₂ = 1 and s₃ = 0
    scores = np.stack([x, np.ones_like(x), np.zeros_like(x)], axis=-1)
    return scores, np.broadcast_to(np.asarray(labels, dtype=float), scores.shape).copy()


def _three_item_curve(args, series, grad_label="∂ℓ/∂s₁"):
    """The plot every listwise loss shares: item 1's score varies in a list of three items."""
    return Curve(
        x_label="score s₁ of item 1 (s₂ = 1, s₃ = 0)",
        x_range=(-4.0, 6.0),
        args=args,
        series=series,
        component=lambda g, args: g[..., 0],
        grad_label=grad_label,
    )


# softmax of ±1e4 in the scores and in the labels, tied scores and labels, a large common offset
_LISTNET_EXTREMES = (
    Extreme(
        [
            [
                [1e4, 0.0, -1e4],
                [-1e4, 0.0, 1e4],
                [1e4, 1e4, 0.0],
                [0.0, 0.0, 0.0],
                [40.0, 0.0, 1.0],
                [10001.0, 1e4, 9999.5],
            ],
            [
                [1e4, 0.0, -1e4],
                [1e4, 0.0, -1e4],
                [1.0, 1.0, 0.0],
                [3.0, 0.0, 1.0],
                [0.0, 0.0, 0.0],
                [2.0, 1.0, 0.0],
            ],
        ]
    ),
)


@class_axis_loss(
    family="ranking",
    formula=r"\ell = -\sum_{j=1}^{n} \operatorname{softmax}(y)_j \log \operatorname{softmax}(s)_j",
    gradient=r"\frac{\partial \ell}{\partial s} = \operatorname{softmax}(s) - \operatorname{softmax}(y)",
    domain={"scores": SCORE_LISTS, "labels": RELEVANCE},
    use_case=(
        "Listwise learning to rank: match the top-one probabilities of the scores, softmax(s), to those of "
        "the relevance labels, softmax(y)."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "F.cross_entropy(s, F.softmax(y, dim=-1)) (no built-in)",
        "optax": (
            "optax.losses.ranking_softmax_loss(s, y) weighs log softmax(s) by the raw labels: "
            "(Σy)·listnet(s, log y)"
        ),
        "TF-Ranking": "tfr.keras.losses.SoftmaxLoss() (v0.5.3; target y/Σy, each list weighted by Σy)",
    },
    references=(
        "Cao, Qin, Liu, Tsai & Li, Learning to Rank: From Pairwise Approach to Listwise Approach (ICML 2007)",
    ),
    differences=(
        Difference(
            "optax-ranking-softmax-unnormalised",
            "optax",
            "`optax.losses.ranking_softmax_loss` uses the labels themselves as the weights, "
            "−Σ y_j log softmax(s)_j, without normalising them; its gradient is (Σy)·softmax(s) − y. "
            "For positive labels it equals (Σy)·`listnet(s, log y)`. The two agree for every s "
            "only when softmax(y) = y, which on lists of n ≥ 2 items means the uniform labels "
            "y = 1/n; labels that merely sum to 1 still give different values.",
        ),
    ),
    reduction_note='`"mean"` divides by the number of lists N (by Σw with `weights=`).',
    plot=Plot(
        curve=_three_item_curve(
            _three_items,
            (
                Series("y = (2, 1, 0)", {"labels": (2.0, 1.0, 0.0)}, {}),
                Series("y = (0, 1, 2)", {"labels": (0.0, 1.0, 2.0)}, {}),
                Series("y = (1, 1, 0)", {"labels": (1.0, 1.0, 0.0)}, {}),
            ),
        ),
    ),
    # PyTorch agrees on every extreme row, so they are its conformance rows too
    checks=Checks(extremes=_LISTNET_EXTREMES, torch_extremes=_LISTNET_EXTREMES),
)
def listnet(scores, labels):
    """ListNet (top-one): the cross-entropy from softmax(labels) to softmax(scores), per list.

    Each row is one list (one query's candidate items), its items on the last axis. The
    labels' top-one probabilities softmax(y) are the target distribution and the scores'
    softmax(s) the prediction, as in Cao et al. (2007) with φ = exp. Computed with a stable
    log-softmax, so scores and labels of ±1e4 are fine.

    Args:
        scores: Scores s, shape (..., n): the items of each list on the last axis.
        labels: Relevance labels y, any real numbers, the same shape; only differences within
            a row matter (softmax is shift-invariant). Not differentiable.

    Returns:
        The mean over lists by default; ``reduction="none"`` gives one loss per list.

    Examples:
        >>> import math
        >>> from lossref import listnet
        >>> round(listnet([[0.0, 0.0]], [[5.0, 5.0]]), 6)         # both uniform: −2 · ½ log ½ = log 2
        0.693147
        >>> listnet.grad([[0.0, 0.0]], [[math.log(3), 0.0]])       # softmax(s) − softmax(y) = ½ − (¾, ¼)
        array([[-0.25,  0.25]])
    """
    _check_shapes(scores, labels)
    log_p = log_softmax(scores)
    q = np.exp(log_softmax(labels))
    return Result(-(q * log_p).sum(axis=-1), lambda: np.exp(log_p) - q)


def _suffix_log_odds(t):
    """x_i = log Σ_{j>i} e^{t_j − t_i} along the last axis (−∞ for the last item).

    Walks the list from its end, keeping the suffix's maximum m and Σ_{j in suffix} e^{t_j − m}
    as 1 + r (the maximum's own 1 kept out of r, as in log_softmax). Every exponent is then a
    difference of two scores, and x_i = (m − t_i) + log1p(r) has no cancellation. A single
    shared frame (one reverse logaddexp.accumulate) loses ε·|s| in absolute terms for a suffix
    far below the row's maximum: nearly 1e-12 relative on (0, −1e4, −9999), a stress row. The loop
    runs over positions in the list; every row is computed at once.
    """
    x = np.empty_like(t)
    x[..., -1] = -np.inf
    m = t[..., -1].copy()
    r = np.zeros(t.shape[:-1])
    for i in range(t.shape[-1] - 2, -1, -1):
        ti = t[..., i]
        x[..., i] = (m - ti) + np.log1p(r)
        higher = ti > m  # a new maximum: rescale the old sum (its own 1 included) to it
        r = np.where(higher, (1.0 + r) * np.exp(np.minimum(m - ti, 0.0)), r + np.exp(np.minimum(ti - m, 0.0)))
        m = np.maximum(m, ti)
    return x


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell = -\sum_{i=1}^{n}\Big(s_{\pi(i)} - \log\sum_{j\ge i} e^{s_{\pi(j)}}\Big), \quad \pi = \text{the items by descending label, ties by index}",  # noqa: E501
        r"\ell = \sum_{i=1}^{n-1} \operatorname{softplus}(x_i), \quad x_i = \log\sum_{j>i} e^{s_{\pi(j)} - s_{\pi(i)}}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial s_{\pi(k)}} = -1 + \sum_{i\le k}\frac{e^{s_{\pi(k)}}}{\sum_{j\ge i} e^{s_{\pi(j)}}}",  # noqa: E501
    domain={"scores": SCORE_LISTS, "labels": RELEVANCE},
    use_case=(
        "Listwise learning to rank: maximise the Plackett–Luce likelihood of the ranking that the relevance "
        "labels define."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "no built-in: torch.logcumsumexp over the scores sorted by descending label, flipped",
        "TF-Ranking": "tfr.keras.losses.ListMLELoss() (v0.5.3; ties among labels shuffled at random)",
    },
    references=(
        "Xia, Liu, Wang, Zhang & Li, Listwise Approach to Learning to Rank: Theory and Algorithm (ICML 2008)",
        "Plackett, The Analysis of Permutations (1975); Luce, Individual Choice Behavior (1959)",
    ),
    differences=(
        Difference(
            "tfranking-listmle-random-ties",
            "TF-Ranking",
            "Items with equal labels can be ranked either way, and the loss depends on the order "
            "chosen. TF-Ranking's `ListMLELoss` (v0.5.3, `python/losses_impl.py`) shuffles the items "
            "before its sort, so tied items "
            "come in a random order (a seeded op); `lossref` breaks ties by index, the earlier "
            "item first, and returns the same value every time.",
        ),
    ),
    reduction_note='`"mean"` divides by the number of lists N (by Σw with `weights=`).',
    plot=Plot(
        curve=_three_item_curve(
            _three_items,
            (
                Series("y = (2, 1, 0)", {"labels": (2.0, 1.0, 0.0)}, {}),
                Series("y = (1, 2, 0)", {"labels": (1.0, 2.0, 0.0)}, {}),
                Series("y = (0, 1, 2)", {"labels": (0.0, 1.0, 2.0)}, {}),
            ),
        ),
    ),
    checks=Checks(
        # saturated lists in and against the label order, tied labels and tied scores, a large
        # common offset, and a low item between two high ones
        extremes=(
            Extreme(
                [
                    [
                        [1e4, 0.0, -1e4],
                        [-1e4, 0.0, 1e4],
                        [1e4, 1e4, 0.0],
                        [0.0, 0.0, 0.0],
                        [40.0, 0.0, 1.0],
                        [10001.0, 1e4, 9999.5],
                        [0.0, -1e4, 1e-3],
                    ],
                    [
                        [2.0, 1.0, 0.0],
                        [2.0, 1.0, 0.0],
                        [1.0, 1.0, 0.0],
                        [1.0, 1.0, 1.0],
                        [0.0, 1.0, 2.0],
                        [3.0, 0.0, 1.0],
                        [2.0, 1.0, 0.0],
                    ],
                ]
            ),
        ),
        # lists in and against the label order at ±1e4, tied labels (index order, as torch's stable
        # argsort) and tied scores, a large common offset, a low item between two high ones
        torch_extremes=(
            Extreme(
                [
                    [
                        [1e4, 0.0, -1e4],
                        [-1e4, 0.0, 1e4],
                        [1e4, 1e4, 0.0],
                        [0.0, 0.0, 0.0],
                        [40.0, 0.0, 1.0],
                        [10001.0, 1e4, 9999.5],
                        [0.0, -1e4, 1e-3],
                        [2.0, 0.5, -1.0],
                    ],
                    [
                        [2.0, 1.0, 0.0],
                        [2.0, 1.0, 0.0],
                        [1.0, 1.0, 0.0],
                        [1.0, 1.0, 1.0],
                        [0.0, 1.0, 2.0],
                        [3.0, 0.0, 1.0],
                        [2.0, 1.0, 0.0],
                        [1.0, 1.0, 1.0],
                    ],
                ]
            ),
        ),
    ),
)
def listmle(scores, labels):
    """ListMLE: the Plackett–Luce negative log-likelihood of the ranking given by the labels.

    π sorts each list by descending label; items with equal labels keep their original
    order (a stable sort: the earlier index ranks first), so the loss is deterministic. The
    loss is −log P(π | s), where the Plackett–Luce model picks the items one at a time, each
    with probability softmax over the items not yet picked. Each stage's cost is computed as
    softplus(log Σ_{j>i} e^{s_π(j) − s_π(i)}), in the frame of its own suffix, and the gradient
    through the same stages; the loop runs over positions in the list, over all rows at once.

    Args:
        scores: Scores s, shape (..., n): the items of each list on the last axis.
        labels: Relevance labels y, the same shape; only their order within a row matters.
            Not differentiable.

    Returns:
        The mean over lists by default; ``reduction="none"`` gives one loss per list.

    Examples:
        >>> from lossref import listmle
        >>> round(listmle([[0.0, 0.0, 0.0]], [[2, 1, 0]]), 6)       # −log(⅓ · ½ · 1) = log 6
        1.791759
        >>> listmle.grad([[0.0, 0.0, 0.0]], [[2, 1, 0]]).round(4)   # ⅓ − 1, ⅓ + ½ − 1, ⅓ + ½ + 1 − 1
        array([[-0.6667, -0.1667,  0.8333]])
    """
    _check_shapes(scores, labels)
    order = np.argsort(-labels, axis=-1, kind="stable")  # descending labels; ties keep index order
    t = np.take_along_axis(scores, order, axis=-1)
    x = _suffix_log_odds(t)
    value = softplus(x).sum(axis=-1)
    return Result(value, lambda: _listmle_grad(x, order))


def _listmle_grad(x, order):
    """ListMLE's gradient from the suffix log-odds ``x`` of the sorted scores.

    A recursion over the items, run only for .grad; the result is scattered back through
    ``order``.
    """
    # ∂ℓ/∂t_k = g_{k−1} − g_k, where g_k = Σ_{i≤k} (stage i's probability beyond item k)
    # = σ(x_k)(1 + g_{k−1}): the catalog's −1 + Σ_{i≤k} w_ik as a difference of two positive sums
    a = sigmoid(x)  # σ(−∞) = 0: the last item
    g = np.empty_like(x)
    previous = np.zeros(x.shape[:-1])
    for k in range(x.shape[-1]):
        previous = a[..., k] * (1.0 + previous)
        g[..., k] = previous
    grad_sorted = -g + 0.0  # no -0.0 for the last item
    grad_sorted[..., 1:] += g[..., :-1]
    grad = np.empty_like(x)
    np.put_along_axis(grad, order, grad_sorted, axis=-1)
    return grad


# --- issue 19: NDCG-driven listwise losses ------------------------------------------------------

_MAX_GRADE = 30  # gains 2^l − 1 are exact in float64 and LightGBM's default label_gain stops at 2^30 − 1


def _grades(value, name):
    arr = _lists(value, name)
    bad = (arr < 0) | (arr > _MAX_GRADE) | (arr != np.round(arr))
    if bad.any():
        raise ValueError(
            f"{name} must be graded relevance, integers in [0, {_MAX_GRADE}] (the gain is 2^label − 1); "
            f"got {float(arr[bad].flat[0])!r}"
        )
    return arr


GRADED_RELEVANCE = Domain(
    f"integers in [0, {_MAX_GRADE}], the shape of scores: graded relevance, gain 2^label − 1",
    _grades,
    lambda rng, shape: rng.integers(0, 5, size=shape).astype(float),  # grades 0–4, with ties
    has_class_axis=True,
    invalid=(
        Invalid(0.5, ValueError, "must be graded relevance"),
        Invalid(-1.0, ValueError, "must be graded relevance"),
        Invalid(31.0, ValueError, "must be graded relevance"),
    ),
    # every order of three grades, ties, no relevant item, and the largest gain
    stress=(
        (2.0, 1.0, 0.0),
        (0.0, 1.0, 2.0),
        (1.0, 0.0, 3.0),
        (1.0, 1.0, 0.0),
        (0.0, 0.0, 0.0),
        (30.0, 0.0, 1.0),
    ),
)


def _gains_and_ideal(labels, k):
    """The gains 2^y − 1 and the ideal DCG of the first ``k`` positions (all for k = None)."""
    gains = np.exp2(labels) - 1.0
    ideal = -np.sort(-gains, axis=-1)
    discounts = 1.0 / np.log2(2.0 + np.arange(labels.shape[-1]))
    if k is not None:
        discounts = np.where(np.arange(labels.shape[-1]) < k, discounts, 0.0)
    return gains, (ideal * discounts).sum(axis=-1)


def _check_truncation(truncation):
    if truncation is not None and (
        isinstance(truncation, bool) or not isinstance(truncation, (int, np.integer)) or truncation < 1
    ):
        raise ValueError(f"truncation must be a positive integer or None; got {truncation!r}")


def _score_kinks(scores, labels, **hyper):
    """Per row, half the smallest gap between two scores.

    Moving a score that far can swap two items in the ranking, and the |ΔNDCG| weights (held
    constant) jump there.
    """
    s = np.asarray(scores, dtype=float)
    gaps = np.abs(s[..., :, None] - s[..., None, :])
    gaps = np.where(np.eye(s.shape[-1], dtype=bool), np.inf, gaps).min(axis=(-2, -1)) / 2
    return np.broadcast_to(gaps[..., None], s.shape)


def _lambdarank_weights(scores, labels, truncation):
    """|ΔNDCG_ij| for each ordered pair with y_i > y_j (0 elsewhere).

    The change in NDCG from swapping items i and j in the ranking by the current scores (ties:
    the earlier index first).
    """
    _check_shapes(scores, labels)
    n = scores.shape[-1]
    order = np.argsort(-scores, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(n), order.shape), axis=-1)
    gains, ideal = _gains_and_ideal(labels, truncation)
    discount = 1.0 / np.log2(2.0 + rank)
    pair = labels[..., :, None] > labels[..., None, :]  # i more relevant than j
    if truncation is not None:  # LightGBM: pairs whose better-ranked item is in the top k
        pair &= np.minimum(rank[..., :, None], rank[..., None, :]) < truncation
    delta = (gains[..., :, None] - gains[..., None, :]) * np.abs(
        discount[..., :, None] - discount[..., None, :]
    )
    safe = np.where(ideal > 0, ideal, 1.0)[..., None, None]  # no relevant item: no pair either
    return np.where(pair, delta / safe, 0.0)


def _ranked_lists(x, labels=(2.0, 1.0, 0.0)):
    scores, grades = _three_items(x, labels)
    return scores, grades


@class_axis_loss(
    family="ranking",
    aliases=("LambdaMART", "NDCG-weighted RankNet"),
    formula=(
        r"\ell = \sum_{i,j:\ y_i > y_j} |\Delta \mathrm{NDCG}_{ij}|\, \log\big(1 + e^{-\sigma (s_i - s_j)}\big)",  # noqa: E501
        r"|\Delta \mathrm{NDCG}_{ij}| = \frac{(2^{y_i} - 2^{y_j})\,\big|\frac{1}{\log_2(2 + r_i)} - \frac{1}{\log_2(2 + r_j)}\big|}{\mathrm{maxDCG}@k}, \quad r = \text{0-based rank by } s",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial s_i} = \sigma \Big(\sum_{j:\ y_j > y_i} |\Delta \mathrm{NDCG}_{ji}|\, \sigma\big(\sigma(s_i - s_j)\big) - \sum_{j:\ y_i > y_j} |\Delta \mathrm{NDCG}_{ij}|\, \sigma\big(\sigma(s_j - s_i)\big)\Big)",  # noqa: E501
        r"\text{with } |\Delta \mathrm{NDCG}| \text{ held constant (it depends on } s \text{ only through the ranking)}",  # noqa: E501
    ),
    domain={"scores": SCORE_LISTS, "labels": GRADED_RELEVANCE},
    use_case=(
        "Learning to rank for NDCG: RankNet's pairwise logistic loss, each pair weighted by how much "
        "swapping it would change NDCG."
    ),
    properties=("non_negative", "bounded_gradient"),
    equivalents={
        "LightGBM": (
            "objective='lambdarank', lambdarank_norm=False (4.6.0; the default truncation 30 and label_gain "
            "2^l − 1), whose gradients are these λ"
        ),
        "PyTorch": (
            "no built-in: softplus of the pair differences weighted by a |ΔNDCG| computed without autograd"
        ),
    },
    references=(
        (
            "Burges, From RankNet to LambdaRank to LambdaMART: An Overview (Microsoft Research Technical "
            "Report MSR-TR-2010-82, 2010)"
        ),
        "Burges, Ragno & Le, Learning to Rank with Nonsmooth Cost Functions (NeurIPS 2006)",
        "Järvelin & Kekäläinen, Cumulated Gain-Based Evaluation of IR Techniques (ACM TOIS 2002)",
    ),
    differences=(
        Difference(
            "lightgbm-lambdarank-norm",
            "LightGBM",
            "LightGBM's `lambdarank` (4.6.0, `src/objective/rank_objective.hpp`) computes these λ with "
            "`lambdarank_norm=true` by default, which divides each |ΔNDCG| by 0.01 + |s_i − s_j| and "
            "rescales the list's λ by log2(1 + Σ|λ|)/Σ|λ|; it reads σ(·) from a table of 2²⁰ bins, "
            "and its default `lambdarank_truncation_level` is 30 (`lossref`: no truncation unless "
            "`truncation=` is given). With `lambdarank_norm=false` and lists of at most 30 items "
            "its gradients are `lossref`'s, up to the table.",
        ),
    ),
    plot=Plot(
        curve=_three_item_curve(
            _ranked_lists,
            (
                Series("y = (2, 1, 0)", {"labels": (2.0, 1.0, 0.0)}, {}),
                Series("y = (0, 1, 2)", {"labels": (0.0, 1.0, 2.0)}, {}),
                Series("y = (2, 1, 0), σ = 4", {"labels": (2.0, 1.0, 0.0)}, {"sigma": 4.0}),
            ),
            grad_label="∂ℓ/∂s₁ (|ΔNDCG| held constant)",
        ),
        explore={"sigma": (0.25, 4.0, "log")},
    ),
    checks=Checks(
        variants=({"sigma": 2.0}, {"truncation": 2}),
        # saturated pairs both ways, a large common offset, no relevant item, the largest grade
        extremes=(
            Extreme(
                (
                    [
                        [1e4, 0.0, -1e4],
                        [-1e4, 0.0, 1e4],
                        [10001.0, 1e4, 9999.5],
                        [40.0, 0.0, 1.0],
                        [0.0, -1e4, 1e-3],
                        [2.0, -1.0, 0.5],
                    ],
                    [
                        [2.0, 1.0, 0.0],
                        [2.0, 1.0, 0.0],
                        [3.0, 0.0, 1.0],
                        [0.0, 0.0, 0.0],
                        [30.0, 0.0, 1.0],
                        [1.0, 1.0, 0.0],
                    ],
                ),
            ),
            Extreme(([[1e4, 0.0, -1e4, 3.0]], [[0.0, 2.0, 1.0, 3.0]]), {"truncation": 1, "sigma": 10.0}),
        ),
        invalid=(
            Invalid({"sigma": 0.0}, ValueError, "sigma must be > 0"),
            Invalid({"truncation": 0}, ValueError, "truncation must be a positive integer or None"),
            Invalid({"truncation": 2.5}, ValueError, "truncation must be a positive integer or None"),
        ),
        # compared with PyTorch: saturated pairs both ways, a large common offset, no relevant
        # item, the largest grade; truncation to the top item
        torch_extremes=(
            Extreme(
                [
                    [
                        [1e4, 0.0, -1e4],
                        [-1e4, 0.0, 1e4],
                        [10001.0, 1e4, 9999.5],
                        [40.0, 0.0, 1.0],
                        [0.0, -1e4, 1e-3],
                    ],
                    [[2.0, 1.0, 0.0], [2.0, 1.0, 0.0], [3.0, 0.0, 1.0], [0.0, 0.0, 0.0], [30.0, 0.0, 1.0]],
                ]
            ),
            Extreme([[[1e4, 0.0, -1e4, 3.0]], [[0.0, 2.0, 1.0, 3.0]]], {"truncation": 1, "sigma": 10.0}),
        ),
        kink_distance=_score_kinks,
    ),
    reduction_note='`"mean"` divides by the number of lists N (by Σw with `weights=`).',
)
def lambdarank(scores, labels, *, sigma=1.0, truncation=None):
    """LambdaRank: RankNet's pairwise logistic loss with each pair weighted by its |ΔNDCG|.

    For each pair with y_i > y_j the pair costs log(1 + e^{−σ(s_i − s_j)}) (RankNet), times
    |ΔNDCG_ij|: the change in NDCG if items i and j traded places in the ranking by the current
    scores, with gains 2^y − 1, discounts 1/log2(2 + rank) and the ideal DCG of the top
    ``truncation`` positions as the normaliser. |ΔNDCG| depends on the scores only through the
    ranking, a piecewise-constant function, and is held constant: the gradient is Burges' λ, and
    it matches finite differences of this value wherever no two scores tie (where the ranking,
    and so the weights, jump). Ties rank the earlier index first, as LightGBM's stable sort.

    Args:
        scores: Scores s, shape (..., n): the items of each list on the last axis.
        labels: Graded relevance, integers in [0, 30], the same shape. Not differentiable.
        sigma: σ > 0, the slope of the pairwise sigmoid (LightGBM's ``sigmoid``, default 1).
        truncation: k: only pairs whose better-ranked item is in the top k count, and NDCG is
            normalised by the ideal DCG@k (LightGBM's ``lambdarank_truncation_level``, default
            30); None counts every pair, normalised by the ideal DCG of the whole list.

    Returns:
        The mean over lists by default; ``reduction="none"`` gives one loss per list.

    Examples:
        >>> import math
        >>> from lossref import lambdarank
        >>> # two items ranked wrong way round, s = (0, 1), y = (1, 0): maxDCG = 1, the swap moves
        >>> # the gain 1 from discount 1/log2(3) to 1: |ΔNDCG| = 1 − 1/log2(3)
        >>> w = 1 - 1 / math.log2(3)
        >>> round(lambdarank([[0.0, 1.0]], [[1.0, 0.0]]) / w, 12)   # log(1 + e) = 1.313262
        1.313261687518
    """
    positive(sigma=sigma)
    _check_truncation(truncation)
    weights = _lambdarank_weights(scores, labels, truncation)
    z = sigma * (scores[..., :, None] - scores[..., None, :])  # σ(s_i − s_j)
    values = (weights * softplus(-z)).sum(axis=(-2, -1))

    def grad():  # only for .grad: λ_i = Σ_j pull of pairs (i over j) − push of pairs (j over i)
        pull = sigma * weights * sigmoid(-z)
        return pull.sum(axis=-2) - pull.sum(axis=-1)

    return Result(values, grad)


def _approx_ndcg_parts(scores, labels, temperature):
    """Soft ranks, gains, the ideal DCG and 1 − NDCG.

    The soft ranks are r = r* + δ around the ideal ranks r* (by descending label, ties by index);
    1 − NDCG is Σ G_i (D(r*_i) − D(r_i)) / maxDCG, with D(r) = 1/log2(1 + r).

    δ_i = Σ_{j below i} σ((s_j − s_i)/τ) − Σ_{j above i} σ((s_i − s_j)/τ): small terms where the
    ranking is nearly right, and D(r*) − D(r) = log2(1 + δ/(1 + r*)) / (log2(1 + r*) log2(1 + r))
    keeps them, where 1 − DCG/maxDCG would cancel to 0.
    """
    _check_shapes(scores, labels)
    n = scores.shape[-1]
    order = np.argsort(-labels, axis=-1, kind="stable")
    position = np.empty_like(order)
    np.put_along_axis(position, order, np.broadcast_to(np.arange(n), order.shape), axis=-1)
    ideal_rank = position + 1.0
    x = (scores[..., None, :] - scores[..., :, None]) / temperature  # x_ij = (s_j − s_i)/τ
    above = position[..., None, :] < position[..., :, None]  # j above i in the ideal order
    below = position[..., None, :] > position[..., :, None]
    delta = np.where(below, sigmoid(x), 0.0).sum(axis=-1) - np.where(above, sigmoid(-x), 0.0).sum(axis=-1)
    rank = ideal_rank + delta
    gains, ideal = _gains_and_ideal(labels, None)
    log_ideal, log_rank = np.log2(1.0 + ideal_rank), np.log2(1.0 + rank)
    shortfall = np.log1p(delta / (1.0 + ideal_rank)) / np.log(2.0) / (log_ideal * log_rank)
    relevant = ideal > 0
    safe = np.where(relevant, ideal, 1.0)
    values = np.where(relevant, (gains * shortfall).sum(axis=-1) / safe, 0.0)
    return values, x, rank, log_rank, gains, safe, relevant


@class_axis_loss(
    family="ranking",
    aliases=("ApproxNDCG", "smooth NDCG"),
    formula=(
        r"\ell = 1 - \frac{1}{\mathrm{maxDCG}} \sum_{i=1}^{n} \frac{2^{y_i} - 1}{\log_2(1 + \hat r_i)}, \quad \hat r_i = 1 + \sum_{j \ne i} \sigma\Big(\frac{s_j - s_i}{\tau}\Big)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial s_k} = \frac{1}{\tau} \sum_{i} \sigma'\Big(\frac{s_k - s_i}{\tau}\Big)\,(c_i - c_k), \quad c_i = \frac{2^{y_i} - 1}{\mathrm{maxDCG}\,(1 + \hat r_i) \ln 2\, \log_2^2(1 + \hat r_i)}",  # noqa: E501
    ),
    domain={"scores": SCORE_LISTS, "labels": GRADED_RELEVANCE},
    use_case=(
        "Learning to rank for NDCG directly: NDCG with each item's rank replaced by a sum of sigmoids of "
        "score differences, so it has a gradient."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "TF-Ranking": "1 + tfr.keras.losses.ApproxNDCGLoss(temperature=τ) (v0.5.3; it returns −NDCG)",
        "Rax": (
            "1 + rax.approx_t12n(rax.ndcg_metric, temperature=τ) (v0.4.0, rax/_src/t12n.py; its default τ = "
            "1)"
        ),
        "PyTorch": "no built-in",
    },
    references=(
        (
            "Qin, Liu & Li, A General Approximation Framework for Direct Optimization of Information "
            "Retrieval Measures (Information Retrieval 2010)"
        ),
        (
            "Bruch, Zoghi, Bendersky & Najork, Revisiting Approximate Metric Optimization in the Age of Deep "
            "Neural Networks (SIGIR 2019)"
        ),
    ),
    differences=(
        Difference(
            "tfranking-approx-ndcg-negative",
            "TF-Ranking",
            "TF-Ranking's `ApproxNDCGLoss` (v0.5.3, `python/losses_impl.py`) returns −NDCG, in [−1, 0], "
            "where `lossref` returns 1 − NDCG, in [0, 1]: the same gradient, values 1 apart. Its "
            "approximate rank Σ_j σ((s_j − s_i)/τ) + ½ (the j = i term is ½) is `lossref`'s, and its "
            "discount 1/ln(1 + r) differs from 1/log2(1 + r) by a factor that cancels in NDCG.",
        ),
    ),
    plot=Plot(
        curve=_three_item_curve(
            _ranked_lists,
            (
                Series("y = (2, 1, 0), τ = 0.1", {"labels": (2.0, 1.0, 0.0)}, {}),
                Series("y = (2, 1, 0), τ = 1", {"labels": (2.0, 1.0, 0.0)}, {"temperature": 1.0}),
                Series("y = (0, 1, 2), τ = 1", {"labels": (0.0, 1.0, 2.0)}, {"temperature": 1.0}),
            ),
        ),
        explore={"temperature": (0.05, 5.0, "log")},
    ),
    checks=Checks(
        variants=({"temperature": 1.0},),
        # saturated lists in and against the label order, ties, a large common offset, no
        # relevant item, the largest grade
        extremes=(
            Extreme(
                (
                    [
                        [1e4, 0.0, -1e4],
                        [-1e4, 0.0, 1e4],
                        [1e4, 1e4, 0.0],
                        [10001.0, 1e4, 9999.5],
                        [40.0, 0.0, 1.0],
                        [0.0, -1e4, 1e-3],
                    ],
                    [
                        [2.0, 1.0, 0.0],
                        [2.0, 1.0, 0.0],
                        [1.0, 1.0, 0.0],
                        [3.0, 0.0, 1.0],
                        [0.0, 0.0, 0.0],
                        [30.0, 0.0, 1.0],
                    ],
                ),
            ),
            Extreme(([[3.0, 2.9, -1.0, 0.0]], [[1.0, 2.0, 0.0, 0.0]]), {"temperature": 1e-3}),
        ),
        invalid=(Invalid({"temperature": 0.0}, ValueError, "temperature must be > 0"),),
        # compared with PyTorch: saturated lists both ways, ties, a large common offset, the
        # largest grade; a tiny temperature
        torch_extremes=(
            Extreme(
                [
                    [
                        [1e4, 0.0, -1e4],
                        [-1e4, 0.0, 1e4],
                        [1e4, 1e4, 0.0],
                        [10001.0, 1e4, 9999.5],
                        [0.0, -1e4, 1e-3],
                    ],
                    [[2.0, 1.0, 0.0], [2.0, 1.0, 0.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0], [30.0, 0.0, 1.0]],
                ]
            ),
            Extreme([[[3.0, 2.9, -1.0, 0.0]], [[1.0, 2.0, 0.0, 0.0]]], {"temperature": 1e-3}),
        ),
        fd_step=lambda temperature=0.1, **_: min(1e-3, temperature / 10),
    ),
    empty_mean=lambda scores, labels, **_: "every list has only 0 labels, so no list has an NDCG",
    reduction_note=(
        '`"mean"` divides by the number of lists with a relevant item (label > 0); by their Σw with '
        "`weights=`."
    ),
)
def approx_ndcg(scores, labels, *, temperature=0.1):
    """ApproxNDCG: one minus NDCG, with each item's rank replaced by a smooth approximation.

    An item's rank is 1 + the number of items scored above it; Qin et al. replace each
    indicator [s_j > s_i] by σ((s_j − s_i)/τ), which gives NDCG a gradient. τ → 0 recovers the
    true NDCG of the ranking (ties count ½ each way); a large τ makes every rank nearly
    (n + 1)/2. Gains 2^y − 1, discounts 1/log2(1 + rank), normalised by the ideal DCG. A list
    without a relevant item (all labels 0) has no NDCG: its loss is 0 and it is left out of
    the mean, as TF-Ranking does with its weights.

    Args:
        scores: Scores s, shape (..., n): the items of each list on the last axis.
        labels: Graded relevance, integers in [0, 30], the same shape. Not differentiable.
        temperature: τ > 0, the width of the sigmoid (TF-Ranking's default 0.1; Qin et al.'s
            α is 1/τ).

    Returns:
        The mean over lists with a relevant item by default; ``reduction="none"`` gives one
        loss per list.

    Examples:
        >>> from lossref import approx_ndcg
        >>> # equal scores: both soft ranks are 1 + ½; NDCG = (1/log2(2.5)) / (1/log2(2)) = 0.756471
        >>> round(approx_ndcg([[0.0, 0.0]], [[1, 0]]), 6)   # 1 − 0.756471
        0.243529
    """
    positive(temperature=temperature)
    values, x, rank, log_rank, gains, safe, relevant = _approx_ndcg_parts(scores, labels, temperature)

    def grad():  # only for .grad
        # c_i = −∂NDCG/∂r_i = G_i / (maxDCG (1 + r_i) ln 2 log2²(1 + r_i)); σ' is even, P_ik = P_ki
        c = gains / (safe[..., None] * (1.0 + rank) * np.log(2.0) * log_rank**2)
        c = np.where(relevant[..., None], c, 0.0)
        p = sigmoid(x) * sigmoid(-x) / temperature
        return (p * (c[..., :, None] - c[..., None, :])).sum(axis=-2)

    return Result(values, grad, relevant.astype(float))
