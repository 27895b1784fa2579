"""Listwise learning-to-rank losses: one list of item scores per row against its relevance labels."""

import numpy as np

from ._checks import as_float_array
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain
from ._math import log_softmax, sigmoid, softplus

__all__ = ["listmle", "listnet"]  # its losses, re-exported by lossref/__init__.py


def _lists(value, name):
    arr = as_float_array(value, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have an item axis (its last axis): one list per row")
    return arr


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


_X_LABEL = "score s₁ of item 1 (s₂ = 1, s₃ = 0)"


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
        curve=Curve(
            x_label=_X_LABEL,
            x_range=(-4.0, 6.0),
            args=_three_items,
            series=(
                Series("y = (2, 1, 0)", {"labels": (2.0, 1.0, 0.0)}, {}),
                Series("y = (0, 1, 2)", {"labels": (0.0, 1.0, 2.0)}, {}),
                Series("y = (1, 1, 0)", {"labels": (1.0, 1.0, 0.0)}, {}),
            ),
            component=lambda g, args: g[..., 0],
            grad_label="∂ℓ/∂s₁",
        ),
    ),
    checks=Checks(
        # saturated scores and labels (softmax of ±1e4), ties, a large common offset
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
        ),
        # softmax of ±1e4 in the scores and in the labels, tied scores and labels, a large common offset
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
        ),
    ),
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
        curve=Curve(
            x_label=_X_LABEL,
            x_range=(-4.0, 6.0),
            args=_three_items,
            series=(
                Series("y = (2, 1, 0)", {"labels": (2.0, 1.0, 0.0)}, {}),
                Series("y = (1, 2, 0)", {"labels": (1.0, 2.0, 0.0)}, {}),
                Series("y = (0, 1, 2)", {"labels": (0.0, 1.0, 2.0)}, {}),
            ),
            component=lambda g, args: g[..., 0],
            grad_label="∂ℓ/∂s₁",
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
    """ListMLE's gradient from the suffix log-odds ``x`` of the sorted scores (a recursion over
    the items, run only for .grad), scattered back through ``order``.
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
