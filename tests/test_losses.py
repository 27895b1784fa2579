"""Hand-computed values for every loss, and the reduction/weights contract shared by all."""

import itertools
import math
import re

import mpmath as mp
import numpy as np
import pytest

import lossref
from lossref import (
    arcface,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    center,
    class_balanced,
    cosface,
    ctc,
    hinge,
    huber,
    info_nce,
    kl_div,
    listmle,
    listnet,
    log_cosh,
    lovasz_hinge,
    lovasz_softmax,
    mae,
    mse,
    n_pair,
    nll,
    perceptual,
    quantile,
    ranknet,
    sigmoid_focal,
    smooth_l1,
    softmax_cross_entropy,
    softmax_focal,
    sparse_categorical_cross_entropy,
    supervised_contrastive,
    zero_one,
)
from lossref._math import log1p_of_sum, sigmoid
from lossref.examples import EXAMPLE

from helpers import LOSSES, loss_id

# (loss, args, hyperparameters, reduction="sum" value worked out by hand, comment)
BY_HAND = [
    (mse, ([1.0, -2.0, 0.5], [0.0, 0.0, 0.5]), {}, 5.0, "1 + 4 + 0"),
    (mae, ([1.0, -2.0, 0.5], [0.0, 0.0, 0.5]), {}, 3.0, "1 + 2 + 0"),
    (huber, ([0.5, 3.0, -3.0], [0.0, 0.0, 0.0]), {"delta": 1.0}, 0.125 + 2.5 + 2.5, "½·0.25, then 1·(3 − ½)"),
    (huber, ([0.5, 3.0], [0.0, 0.0]), {"delta": 2.0}, 0.125 + 4.0, "½·0.25, then 2·(3 − 1)"),
    (smooth_l1, ([0.5, 3.0], [0.0, 0.0]), {"beta": 2.0}, 0.0625 + 2.0, "0.25/(2·2), then 3 − 1"),
    (smooth_l1, ([0.5, -3.0], [0.0, 0.0]), {"beta": 0.0}, 3.5, "β = 0 is L1"),
    (log_cosh, ([0.0, 2.0], [0.0, 0.0]), {}, math.log(math.cosh(2.0)), "log cosh 0 = 0"),
    (
        quantile,
        ([0.0, 0.0, 1.0], [1.0, -1.0, 1.0]),
        {"q": 0.9},
        0.9 + 0.1,
        "under: q·1, over: (1 − q)·1, tie: 0",
    ),
    (
        binary_cross_entropy,
        ([0.5, 0.8, 0.1], [1.0, 0.0, 0.0]),
        {},
        -math.log(0.5) - math.log(0.2) - math.log(0.9),
        "−log p or −log(1 − p)",
    ),
    (
        binary_cross_entropy_with_logits,
        ([0.0, math.log(3.0)], [1.0, 0.0]),
        {},
        math.log(2.0) + math.log(4.0),
        "σ(log 3) = 3/4",
    ),
    (
        binary_cross_entropy_with_logits,
        ([0.0, math.log(3.0)], [1.0, 1.0]),
        {"pos_weight": 2.0},
        2 * math.log(2.0) + 2 * math.log(4 / 3),
        "w₊·(−log p)",
    ),
    (
        sigmoid_focal,
        ([0.0, math.log(3.0)], [1.0, 0.0]),
        {"gamma": 2.0, "alpha": 0.25},
        0.25 * 0.25 * math.log(2.0) + 0.75 * (0.75**2) * math.log(4.0),
        "α_t (1 − p_t)² · CE",
    ),
    (hinge, ([2.0, 0.5, -1.0], [1.0, 1.0, -1.0]), {}, 0.0 + 0.5 + 0.0, "max(0, 1 − y f)"),
    (hinge, ([0.5, -1.0], [1.0, 1.0]), {"margin": 0.0}, 1.0, "perceptron: max(0, −y f)"),
    (
        softmax_cross_entropy,
        ([[0.0, 0.0], [math.log(3.0), 0.0]], [0, 0]),
        {},
        math.log(2.0) + math.log(4 / 3),
        "−log softmax",
    ),
    (
        softmax_cross_entropy,
        ([[0.0, 0.0, 0.0]], [1]),
        {"label_smoothing": 0.3},
        math.log(3.0),
        "uniform logits: every class costs log 3",
    ),
    (
        softmax_cross_entropy,
        ([[math.log(3.0), 0.0]], [[0.5, 0.5]]),
        {},
        -0.5 * math.log(0.75) - 0.5 * math.log(0.25),
        "soft target",
    ),
    (
        nll,
        ([[math.log(0.25), math.log(0.75)], [math.log(0.5), math.log(0.5)]], [1, 0]),
        {},
        -math.log(0.75) - math.log(0.5),
        "−a_y",
    ),
    (
        kl_div,
        ([[math.log(0.25), math.log(0.75)]], [[0.5, 0.5]]),
        {},
        0.5 * math.log(2.0) + 0.5 * math.log(2 / 3),
        "Σ q log(q/p)",
    ),
    (kl_div, ([[math.log(0.25), math.log(0.75)]], [[0.0, 1.0]]), {}, -math.log(0.75), "0·log 0 = 0"),
    (
        info_nce,
        ([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]),
        {"temperature": 0.05, "form": "symmetric"},
        2 * math.log1p(math.exp(-20.0)),
        "each row and column: log(1 + e^(0 − 1)/τ), τ = 0.05",
    ),
    (
        info_nce,
        ([[1.0, 0.0], [0.0, 2.0]], [[0.0, 3.0], [1.0, 0.0]]),
        {"temperature": 1.0},
        2 * math.log1p(math.e),
        "each anchor's positive is orthogonal, its negative parallel: log(e⁰ + e¹) − 0",
    ),
    (
        ctc,
        (np.log(np.full((1, 2, 2), 0.5)), [[1]], [2], [1]),
        {},
        -math.log(0.75),
        "T = 2 uniform frames over {∅, a}: a∅, ∅a and aa spell “a”, 3 of 4 paths of probability 1/4",
    ),
    (
        ctc,
        (np.log(np.full((1, 3, 2), 0.5)), [[1, 1]], [3], [2]),
        {},
        3 * math.log(2.0),
        "“aa” in 3 frames: only a∅a, probability 1/8",
    ),
    (
        ctc,
        (np.log([[[0.6, 0.4], [0.3, 0.7], [0.5, 0.5]]]), [[1]], [2], [1]),
        {},
        -math.log(0.4 * 0.3 + 0.6 * 0.7 + 0.4 * 0.7),
        "input length 2: frame 2 unread; a∅ + ∅a + aa",
    ),
    (
        ctc,
        (np.log(np.full((1, 2, 3), 1 / 3)), [[0]], [2], [0]),
        {"blank": 2},
        2 * math.log(3.0),
        "empty target, blank 2: only ∅∅",
    ),
    (
        perceptual,
        ([[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
        {"feature_fn": EXAMPLE, "feature_vjp": None, "layer_weights": (1.0, 0.5)},
        (0 + 0.5 * 3 * math.tanh(1.0) ** 2 / 3) + ((2.0**2 + 2.0**2) / 2 + 0.5 * math.tanh(2.0) ** 2 / 3),
        "a shift has no edges; a spike at 2 has edges +2, −2 (mean over 2), and one tanh(2) of 3",
    ),
    (
        lovasz_hinge,
        ([[0.0, 2.0, 0.0, -1.0], [0.5, -0.5, 3.0, 1.0]], [[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0]]),
        {},
        2 / 3 + (4.0 * 1 / 3 + 0.5 * (2 / 3 - 1 / 3) + 0.5 * (3 / 4 - 2 / 3)),
        "errors 0/1: Δ({0, 2}) = 2/3; errors (0.5, 0.5, 4, 0), gt {0, 3}: Δ({2}) = 1/3, Δ({2, 0}) = "
        "2/3, Δ({2, 0, 1}) = 3/4",
    ),
    (
        lovasz_softmax,
        ([[[0.6, 0.4], [0.3, 0.7], [0.8, 0.2]]], [[0, 1, 1]]),
        {},
        ((0.8 * 1 / 2 + 0.4 * (1 - 1 / 2)) + (0.8 * 1 / 2 + 0.4 * (2 / 3 - 1 / 2) + 0.3 * (1 - 2 / 3))) / 2,
        "errors (0.4, 0.3, 0.8) for both classes; class 0 (gt {0}) sorted px 2, 0, 1: Δ = 1/2, 1, 1; "
        "class 1 (gt {1, 2}): Δ = 1/2, 2/3, 1",
    ),
    (
        n_pair,
        ([[1.0, 0.0], [0.0, 2.0]], [[0.0, 3.0], [1.0, 0.0]]),
        {},
        math.log1p(math.e) + math.log1p(math.exp(6.0)),
        "f f⁺ᵀ = [[0, 1], [6, 0]]: log(e⁰ + e¹) − 0 and log(e⁶ + e⁰) − 0",
    ),
    (
        supervised_contrastive,
        ([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [0, 0, 0]),
        {"temperature": 1.0},
        2 * (math.log1p(math.e) - 0.5) + math.log(2.0),
        "one class: rows 0, 1 see (1, 0), mean of LSE − 1 and LSE − 0; row 2 sees (0, 0): log 2",
    ),
    (
        arcface,
        ([[-1.0, 0.0]], [0]),
        {"scale": 1.0, "margin": 0.5},
        math.log1p(math.exp(1 + 0.5 * math.sin(0.5))),
        "θ_y = π is past π − m: target logit −1 − m sin m, other 0",
    ),
    (
        arcface,
        ([[-0.5, 0.0], [0.5, 0.0]], [0, 0]),
        {"scale": 1.0, "margin": math.pi / 6, "easy_margin": True},
        math.log1p(math.exp(0.5)) + math.log(2.0),
        "easy margin: c_y ≤ 0 keeps −0.5; c_y = ½ gets cos(π/3 + π/6) = 0",
    ),
    (
        cosface,
        ([[0.5, 0.0], [1.0, 1.0]], [0, 1]),
        {"scale": 2.0, "margin": 0.5},
        math.log(2.0) + math.log1p(math.e),
        "z = 2·(0.5 − 0.5, 0) = (0, 0); z = (2, 2·(1 − 0.5)) = (2, 1): log(e² + e) − 1",
    ),
    (
        ranknet,
        ([1.0, 0.0, 3.0], [0.0, 0.0, 3.0], [1.0, 0.5, 0.0]),
        {},
        math.log1p(math.exp(-1.0)) + 2 * math.log(2.0),
        "−log σ(1), then z = 0: −½ log ½ − ½ log ½ and −log(1 − ½)",
    ),
    (
        ranknet,
        ([0.5], [0.0], [0.0]),
        {"sigma": 2.0},
        math.log1p(math.e),
        "z = 2 · 0.5 = 1, P̄ = 0: −log(1 − σ(1)) = log(1 + e)",
    ),
    (
        listnet,
        ([[0.0, 0.0], [math.log(3.0), 0.0]], [[7.0, 7.0], [0.0, 0.0]]),
        {},
        math.log(2.0) + 0.5 * math.log(16 / 3),
        "uniform q: log 2; p = (¾, ¼), q = (½, ½): −½ log ¾ − ½ log ¼",
    ),
    (listnet, ([[0.0, 0.0]], [[math.log(3.0), 0.0]]), {}, math.log(2.0), "p = (½, ½): −(¾ + ¼) log ½"),
    (listmle, ([[math.log(3.0), 0.0]], [[1.0, 0.0]]), {}, math.log(4 / 3), "one stage: −log(3 / (3 + 1))"),
    (
        listmle,
        ([[0.0, math.log(2.0), math.log(3.0)]], [[0.0, 1.0, 2.0]]),
        {},
        math.log(3.0),
        "π = (3, 2, 1): −log(3/6 · 2/3 · 1) = log 3",
    ),
    (
        listmle,
        ([[0.0, 2.0, 1.0]], [[1.0, 1.0, 0.0]]),
        {},
        math.log(1 + math.e + math.e**2) + math.log1p(math.exp(-1.0)),
        "tie: π = (1, 2, 3) by index: [LSE(0, 2, 1) − 0] + [LSE(2, 1) − 2]",
    ),
]


@pytest.mark.parametrize(
    ("loss", "args", "hyper", "expected", "why"), BY_HAND, ids=[f"{r[0].name}-{r[4]}" for r in BY_HAND]
)
def test_value_by_hand(loss, args, hyper, expected, why):
    assert loss(*args, reduction="sum", **hyper) == pytest.approx(expected, rel=1e-14)


def test_every_loss_has_a_hand_computed_value():
    # a row above, or a docstring example whose comment shows the arithmetic (run by Sybil)
    by_docstring = {loss.name for loss in LOSSES if re.search(r">>> .*\S.*  # .*\d", loss.__doc__)}
    assert {row[0].name for row in BY_HAND} | by_docstring == {loss.name for loss in LOSSES}


# subgradients at kinks, pinned by hand (finite differences cannot see them)
def test_subgradients_at_kinks():
    assert mae.grad([0.0, 1.0], [0.0, 0.0], reduction="sum").tolist() == [0.0, 1.0]
    assert hinge.grad([1.0, -1.0], [1.0, -1.0], reduction="sum").tolist() == [0.0, 0.0]
    assert quantile.grad([2.0], [2.0], q=0.3, reduction="sum").tolist() == [0.0]
    assert smooth_l1.grad([0.0], [0.0], beta=0.0, reduction="sum").tolist() == [0.0]
    # Huber and Smooth L1 are differentiable at |r| = threshold: both sides agree
    assert huber.grad([1.0, -1.0], [0.0, 0.0], reduction="sum").tolist() == [1.0, -1.0]
    assert smooth_l1.grad([2.0], [0.0], beta=2.0, reduction="sum").tolist() == [1.0]


def test_margin_subgradients_at_kinks_and_ties():
    grad = lambda loss, *args, **kw: loss.grad(*args, reduction="sum", **kw).tolist()  # noqa: E731
    mc, ml = lossref.multiclass_hinge, lossref.multilabel_margin
    # slack exactly 0 (f_y − max_{j≠y} f_j = m): the minimum-norm subgradient, 0
    assert grad(mc, [[2.0, 1.0, 0.0]], [0]) == [[0.0, 0.0, 0.0]]
    assert grad(mc, [[2.0, 1.0, 1.0]], [0], variant="weston_watkins") == [[0.0, 0.0, 0.0]]
    assert grad(mc, [[2.5, 1.0, 1.0]], [0], margin=1.5, p=2) == [[0.0, 0.0, 0.0]]
    # wrong classes tied for the max: the gradient is split equally (also minimum-norm)
    assert grad(mc, [[0.0, 1.0, 1.0, 1.0]], [0]) == [[-1.0, 1 / 3, 1 / 3, 1 / 3]]  # 1, three ways
    assert grad(mc, [[0.0, 1.0, 1.0]], [0], p=2, class_weights=[3.0, 1.0, 1.0]) == [
        [-12.0, 6.0, 6.0]
    ]  # 3·2·s
    # Weston–Watkins charges each wrong class separately: no tie rule needed
    assert grad(mc, [[0.0, 1.0, 1.0]], [0], variant="weston_watkins") == [[-2 / 3, 1 / 3, 1 / 3]]
    # multi-label pair at its kink (f_0 − f_1 = 1) contributes 0; the other pair is active
    assert grad(ml, [[2.0, 1.0, 1.5]], [[1, 0, 0]]) == [[-1 / 3, 0.0, 1 / 3]]
    # the C¹ losses: both one-sided derivatives agree at their joints
    for loss, f, y in [
        (lossref.squared_hinge, 1.0, 1.0),
        (lossref.modified_huber, 1.0, 1.0),
        (lossref.modified_huber, -1.0, 1.0),
    ]:
        left, right = grad(loss, [f - 1e-12], [y]), grad(loss, [f + 1e-12], [y])
        assert grad(loss, [f], [y]) == pytest.approx(left, abs=1e-11)
        assert grad(loss, [f], [y]) == pytest.approx(right, abs=1e-11)
    assert grad(lossref.modified_huber, [-1.0], [1.0]) == [-4.0]


def test_gradients_by_hand():
    np.testing.assert_allclose(mse.grad([1.0, -2.0], [0.0, 0.0]), [1.0, -2.0])  # 2r/N
    np.testing.assert_allclose(softmax_cross_entropy.grad([[0.0, 0.0]], [1]), [[0.5, -0.5]])  # p − e_y
    np.testing.assert_allclose(binary_cross_entropy_with_logits.grad([0.0], [1.0]), [-0.5])  # σ(z) − y
    np.testing.assert_allclose(binary_cross_entropy.grad([0.25], [1.0]), [-4.0])  # (p − y)/(p(1 − p))
    np.testing.assert_allclose(binary_cross_entropy.grad([1e-12], [1.0]), [-1e12], rtol=1e-15)
    np.testing.assert_allclose(binary_cross_entropy.grad([1 - 2**-40], [0.0]), [2.0**40], rtol=1e-15)
    np.testing.assert_allclose(kl_div.grad([[math.log(0.5)] * 2], [[0.2, 0.8]]), [[-0.2, -0.8]])  # −q
    np.testing.assert_allclose(
        nll.grad([[-1.0, -0.5]], [0], class_weights=[3.0, 1.0], reduction="sum"), [[-3.0, 0.0]]
    )


def test_edges_of_binary_cross_entropy_are_exact():
    assert binary_cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert math.isinf(binary_cross_entropy([0.0], [1.0]))
    assert binary_cross_entropy([1e-300], [1.0]) == pytest.approx(300 * math.log(10), rel=1e-15)


def test_log1p_of_sum_is_within_two_units_of_2_to_the_minus_53_of_log1p(rng):
    # BCE with logits' softplus: log u − ((u − 1) − x) for u = fl(1 + x). np.log rounds once and
    # replacing δ/u by δ adds at most 2⁻⁵³ relative: under 2·2⁻⁵³ in all, against mpmath, over
    # twenty decades of x, where 1 + x rounds to 1 and at the top of the range
    x = np.concatenate([10.0 ** rng.uniform(-20, 0, 400), [1.0, 0.5, 2.0**-52, 2.0**-53, 2.0**-60, 1e-300]])
    got = log1p_of_sum(1.0 + x, x)
    with mp.workdps(40):
        worst = max(abs(mp.mpf(g) - mp.log1p(v)) / mp.log1p(v) for g, v in zip(got, x, strict=True))
    assert worst < 2 * 2.0**-53
    assert log1p_of_sum(np.array([1.0]), np.array([0.0]))[0] == 0.0  # e^{-|z|} underflowed to 0
    assert log1p_of_sum(np.array([1.0]), np.array([1e-300]))[0] == 1e-300  # 1 + x = 1: log1p(x) = x


def test_focal_reduces_to_bce_with_gamma_zero_and_no_alpha(rng):
    z, y = rng.normal(size=20) * 5, rng.uniform(size=20)
    focal = sigmoid_focal.value_and_grad(z, y, gamma=0.0, alpha=None)
    bce = binary_cross_entropy_with_logits.value_and_grad(z, y)
    assert focal[0] == pytest.approx(bce[0], rel=1e-14)
    np.testing.assert_allclose(focal[1], bce[1], rtol=1e-13, atol=1e-17)


def test_softmax_focal_reduces_to_cross_entropy_with_gamma_zero_and_no_alpha(rng):
    z, labels = rng.normal(size=(20, 5)) * 5, rng.integers(0, 5, size=20)
    focal = softmax_focal.value_and_grad(z, labels, gamma=0.0)
    ce = softmax_cross_entropy.value_and_grad(z, labels)
    assert focal[0] == pytest.approx(ce[0], rel=1e-14)
    np.testing.assert_allclose(focal[1], ce[1], rtol=1e-13, atol=1e-17)


def test_softmax_focal_alpha_forms_and_mean_over_n():
    z, labels = [[0.0, math.log(3.0)], [0.0, 0.0]], [1, 0]
    # p_y = 3/4 and 1/2: (1/4)² log(4/3) and (1/2)² log 2
    plain = np.array([math.log(4 / 3) / 16, math.log(2) / 4])
    np.testing.assert_allclose(softmax_focal(z, labels, reduction="none"), plain, rtol=1e-15)
    np.testing.assert_allclose(
        softmax_focal(z, labels, alpha=0.25, reduction="none"), 0.25 * plain, rtol=1e-15
    )
    per_class = softmax_focal(z, labels, alpha=[2.0, 0.5], reduction="none")
    np.testing.assert_allclose(per_class, [0.5 * plain[0], 2.0 * plain[1]], rtol=1e-15)
    # per-class α still divides by N, not by Σ α_y
    assert softmax_focal(z, labels, alpha=[2.0, 0.5]) == pytest.approx(per_class.sum() / 2, rel=1e-15)


@pytest.mark.parametrize(
    "hyper",
    [
        {},
        {"label_smoothing": 0.1},
        {"class_weights": [0.5, 2.0, 1.0, 3.0]},
        {"ignore_index": 2, "class_weights": [0.5, 2.0, 1.0, 3.0]},
    ],
)
def test_sparse_categorical_cross_entropy_is_softmax_cross_entropy_on_labels(rng, hyper):
    z, labels = rng.normal(size=(8, 4)) * 3, np.array([0, 2, 1, 3, 2, 0, 1, 1])
    for reduction in ("none", "mean", "sum"):
        np.testing.assert_array_equal(
            sparse_categorical_cross_entropy(z, labels, reduction=reduction, **hyper),
            softmax_cross_entropy(z, labels, reduction=reduction, **hyper),
        )
    np.testing.assert_array_equal(
        sparse_categorical_cross_entropy.grad(z, labels, **hyper),
        softmax_cross_entropy.grad(z, labels, **hyper),
    )


def test_class_balanced_weights_by_hand(rng):
    z, labels = rng.normal(size=(6, 3)), np.array([0, 1, 2, 2, 1, 2])
    counts = [1, 2, 4]
    # β = 1/2: 1/(1 - β^n) = 2, 4/3, 16/15 (times 1 - β), scaled to sum 3: 15/11, 10/11, 8/11
    w = np.array([15.0, 10.0, 8.0]) / 11
    ours = class_balanced(z, labels, samples_per_class=counts, beta=0.5, reduction="none")
    np.testing.assert_allclose(
        ours, w[labels] * softmax_cross_entropy(z, labels, reduction="none"), rtol=1e-14
    )
    # "mean" divides by N; PyTorch-style class weights divide by Σ w_y; the sums agree
    kw = {"samples_per_class": counts, "beta": 0.5}
    assert class_balanced(z, labels, **kw) == pytest.approx(ours.sum() / 6, rel=1e-15)
    weighted = softmax_cross_entropy(z, labels, class_weights=w)
    assert weighted == pytest.approx(ours.sum() / w[labels].sum(), rel=1e-14)
    assert softmax_cross_entropy(z, labels, class_weights=w, reduction="sum") == pytest.approx(
        ours.sum(), rel=1e-14
    )
    one_hot = np.eye(3)[labels]
    bce = binary_cross_entropy_with_logits(z, one_hot, reduction="none").sum(-1)
    np.testing.assert_allclose(
        class_balanced(z, labels, base="sigmoid", reduction="none", **kw), w[labels] * bce, rtol=1e-14
    )
    focal = sigmoid_focal(z, one_hot, gamma=1.5, alpha=None, reduction="none").sum(-1)
    np.testing.assert_allclose(
        class_balanced(z, labels, base="focal", gamma=1.5, reduction="none", **kw),
        w[labels] * focal,
        rtol=1e-14,
    )


def test_class_balanced_limits_of_beta(rng):
    z, labels, counts = rng.normal(size=(6, 3)), np.array([0, 1, 2, 2, 1, 0]), np.array([1000, 100, 10])
    ce = softmax_cross_entropy(z, labels, reduction="none")
    # β = 0: every weight is 1; β → 1: inverse class frequency (scaled to sum C)
    np.testing.assert_allclose(
        class_balanced(z, labels, samples_per_class=counts, beta=0.0, reduction="none"), ce, rtol=1e-15
    )
    inverse = 3 * (1 / counts) / (1 / counts).sum()
    near_one = class_balanced(z, labels, samples_per_class=counts, beta=1 - 1e-9, reduction="none")
    np.testing.assert_allclose(near_one, inverse[labels] * ce, rtol=1e-6)


def test_zero_one_ties_go_to_the_first_maximal_class():
    scores = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [0.0, 2.0, 2.0], [-1.0, -1.0, -1.0]])
    assert zero_one(scores, [1, 2, 1, 0], reduction="none").tolist() == [1.0, 1.0, 0.0, 0.0]
    assert zero_one(scores, [1, 2, 1, 0], reduction="sum") == 2.0
    # binary scores f as rows (0, f): class 1 exactly when f > 0; f = 0 is class 0
    f = np.array([-0.5, 0.0, 0.5])
    assert zero_one(np.stack([np.zeros(3), f], -1), [1, 1, 1], reduction="none").tolist() == [1.0, 1.0, 0.0]


def test_nll_of_log_softmax_is_softmax_cross_entropy(rng):
    z, labels = rng.normal(size=(6, 5)), rng.integers(0, 5, size=6)
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    assert nll(log_p, labels) == pytest.approx(softmax_cross_entropy(z, labels), rel=1e-14)


def test_huber_is_delta_times_smooth_l1(rng):
    y_pred, y_true = rng.normal(size=30) * 3, rng.normal(size=30)
    for delta in (0.3, 1.0, 2.5):
        assert huber(y_pred, y_true, delta=delta) == pytest.approx(
            delta * smooth_l1(y_pred, y_true, beta=delta), rel=1e-14
        )


def test_cross_entropy_is_entropy_plus_kl(rng):
    z = rng.normal(size=(4, 3))
    q = rng.dirichlet(np.ones(3), size=4)
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    entropy = -(q * np.log(q)).sum(-1).mean()
    assert softmax_cross_entropy(z, q) == pytest.approx(entropy + kl_div(log_p, q), rel=1e-13)


def test_label_smoothing_equals_smoothed_one_hot_target(rng):
    z, labels = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    smoothed = 0.8 * np.eye(4)[labels] + 0.2 / 4
    assert softmax_cross_entropy(z, labels, label_smoothing=0.2) == pytest.approx(
        softmax_cross_entropy(z, smoothed), rel=1e-14
    )
    np.testing.assert_allclose(
        softmax_cross_entropy.grad(z, labels, label_smoothing=0.2),
        softmax_cross_entropy.grad(z, smoothed),
        rtol=1e-13,
        atol=1e-16,
    )


def test_class_weighted_mean_divides_by_the_sum_of_label_weights():
    z = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    labels, w = np.array([0, 1, 1]), np.array([2.0, 0.5])
    per_sample = softmax_cross_entropy(z, labels, reduction="none")  # unweighted
    expected = (2.0 * per_sample[0] + 0.5 * per_sample[1] + 0.5 * per_sample[2]) / (2.0 + 0.5 + 0.5)
    assert softmax_cross_entropy(z, labels, class_weights=w) == pytest.approx(expected, rel=1e-15)


def test_ignored_samples_leave_the_numerator_and_the_denominator():
    z = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    labels = np.array([0, 7, 1])
    kept = softmax_cross_entropy(z[[0, 2]], labels[[0, 2]])
    assert softmax_cross_entropy(z, labels, ignore_index=7) == pytest.approx(kept, rel=1e-15)
    grad = softmax_cross_entropy.grad(z, labels, ignore_index=7)
    assert (grad[1] == 0).all()


def test_margins_of_zero_leave_scaled_softmax_cross_entropy(rng):
    # ArcFace and CosFace without a margin: cross-entropy of s·cos θ (the normalised softmax),
    # and its gradient times s; cosines below the 1 − 1e-7 band, where ArcFace changes nothing
    c, labels = rng.uniform(-0.99, 0.99, size=(8, 5)), rng.integers(0, 5, size=8)
    for loss in (arcface, cosface):
        assert loss(c, labels, scale=16.0, margin=0.0) == pytest.approx(
            softmax_cross_entropy(16 * c, labels), rel=1e-14
        )
        np.testing.assert_allclose(
            loss.grad(c, labels, scale=16.0, margin=0.0),
            16 * softmax_cross_entropy.grad(16 * c, labels),
            rtol=1e-12,
            atol=1e-300,
        )
    # CosFace is that cross-entropy with m taken off the target cosine, at any margin
    shifted = 30 * (c - 0.35 * np.eye(5)[labels])
    assert cosface(c, labels, scale=30.0) == pytest.approx(softmax_cross_entropy(shifted, labels), rel=1e-14)
    np.testing.assert_allclose(
        cosface.grad(c, labels, scale=30.0),
        30 * softmax_cross_entropy.grad(shifted, labels),
        rtol=1e-12,
        atol=1e-300,
    )


def _arc_logit(loss_value):
    # with one other class at logit 0 and s = 1, ℓ = log(1 + e^{−ψ}): the target logit ψ back
    return -math.log(math.expm1(loss_value))


def test_arcface_threshold_rule_by_hand():
    m = 0.5
    th = math.cos(math.pi - m)  # = −cos m: θ_y = π − m, where θ_y + m reaches π
    above = np.nextafter(th, 1.0)
    value = lambda c, **kw: arcface([[c, 0.0]], [0], scale=1.0, margin=m, **kw)  # noqa: E731
    # strictly above the threshold: cos(θ + m), which is −1 at θ = π − m; at it: the fallback
    assert _arc_logit(value(above)) == pytest.approx(-1.0, abs=1e-7)
    assert _arc_logit(value(th)) == pytest.approx(
        th - m * math.sin(m), rel=1e-13
    )  # −cos m − m sin m = −1.117
    # the slope: 0 just above (cos(θ + m) is at its minimum), 1 on the fallback, times s(p_y − 1)
    p_y = 1 / (1 + math.exp(-(th - m * math.sin(m))))
    assert arcface.grad([[th, 0.0]], [0], scale=1.0, margin=m)[0, 0] == pytest.approx(p_y - 1, rel=1e-13)
    assert abs(arcface.grad([[above, 0.0]], [0], scale=1.0, margin=m)[0, 0]) < 1e-7
    # easy_margin moves the threshold to 0: c_y = 0 keeps its cosine, just above it cos(π/2 + m)
    assert _arc_logit(value(0.0, easy_margin=True)) == 0.0
    assert _arc_logit(value(1e-300, easy_margin=True)) == pytest.approx(-math.sin(m), rel=1e-13)


@pytest.mark.parametrize(
    "c",
    [
        -1.0 - 1e-6,
        -1.0,
        -0.999,
        math.cos(math.pi - 0.5),
        -0.3,
        0.0,
        0.5,
        0.999999,
        1 - 1e-7,
        float(np.nextafter(1 - 1e-7, 2.0)),
        1 - 1e-12,
        1.0,
        1.0 + 1e-6,
    ],
)
def test_arcface_gradient_is_finite_at_every_valid_cosine(c):
    # ψ' = cos m + c sin m/√(1 − c²) is infinite at c = 1; lossref takes sin θ at min(c, 1 − 1e-7)
    m, top = 0.5, 1 - 1e-7
    value, grad = arcface.value_and_grad([[c, 0.3]], [0], scale=64.0, margin=m)
    assert np.isfinite(value)
    assert np.isfinite(grad).all()
    if c <= math.cos(math.pi - m):
        psi, slope = c - m * math.sin(m), 1.0
    elif c <= top:
        psi, slope = math.cos(math.acos(c) + m), math.cos(m) + c * math.sin(m) / math.sqrt(1 - c * c)
    else:  # the band: the sine frozen at √(1 − (1 − ε)²) ≈ 4.47e-4, the slope cos m
        psi, slope = c * math.cos(m) - math.sqrt(1 - top * top) * math.sin(m), math.cos(m)
    p_other = 1 / (1 + math.exp(64 * (psi - 0.3)))  # 1 − p_y, the other class's probability
    assert value == pytest.approx(math.log1p(math.exp(64 * (0.3 - psi))), rel=1e-12)
    assert grad[0, 0] == pytest.approx(-64 * p_other * slope, rel=1e-12)
    # the largest slope, at the edge of the band: cos m + sin m / 4.47e-4 ≈ 1073, times s (p_y − 1)
    assert slope <= math.cos(m) + math.sin(m) / math.sqrt(1 - top * top) < 1073


def test_arcface_band_changes_the_logit_by_at_most_sin_m_sqrt_2eps():
    # inside 1 − 1e-7 < c ≤ 1 the value is continuous and differs from cos(θ + m) by < 2.2e-4
    m = 0.5
    edge = 1 - 1e-7
    for c in (edge, 1 - 1e-8, 1.0):
        exact = math.cos(math.acos(c) + m)
        ours = _arc_logit(arcface([[c, 0.0]], [0], scale=1.0, margin=m))
        assert abs(ours - exact) <= math.sin(m) * math.sqrt(2e-7) + 1e-12
    assert _arc_logit(arcface([[edge, 0.0]], [0], scale=1.0, margin=m)) == pytest.approx(
        math.cos(math.acos(edge) + m), rel=1e-9
    )


def test_arcface_is_not_convex_in_the_cosines():
    # the CosFace page's claim: even between the jumps (θ_y < π − m, below the 1 − 1e-7 band) a
    # chord lies below the ArcFace loss; CosFace's convexity is checked with the other properties
    a, b = (
        np.array([[-0.85, 0.0]]),
        np.array([[0.3, 0.0]]),
    )  # θ_y = 2.59 and 1.27 rad, both below π − m = 2.64
    mid = arcface((a + b) / 2, [0], scale=4.0)
    assert mid > (arcface(a, [0], scale=4.0) + arcface(b, [0], scale=4.0)) / 2


def test_center_gradient_for_the_centers_is_minus_the_feature_gradient(rng):
    # the page's claim: ∂ℓ/∂c_k = −Σ_{i: y_i = k} ∂ℓ/∂x_i, checked against finite differences
    x, centers, labels = rng.normal(size=(7, 3)), rng.normal(size=(4, 3)), np.array([0, 2, 2, 1, 0, 2, 1])
    by_centers = np.zeros_like(centers)
    np.add.at(by_centers, labels, -center.grad(x, labels, centers=centers))
    numeric = lossref.numerical_gradient(lambda c: center(x, labels, centers=c), centers)
    np.testing.assert_allclose(by_centers, numeric, rtol=1e-9, atol=1e-12)
    assert (by_centers[3] == 0).all()  # class 3 has no sample in the batch


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_reductions_and_weights_contract(loss, rng):
    args = loss.sample_inputs(rng, batch=6, classes=4)
    if loss.reduction.choices != ("mean", "sum", "none"):
        # a metric such as RMSE: only its own reductions, and a clear error for the others
        for reduction in {"mean", "sum", "none"} - set(loss.reduction.choices):
            with pytest.raises(ValueError, match=f"{loss.name} supports reduction="):
                loss(*args, reduction=reduction)
        return
    per_sample = loss(*args, reduction="none")
    assert per_sample.shape == (6,)
    assert loss(*args, reduction="sum") == pytest.approx(per_sample.sum(), rel=1e-14)
    terms, scale = per_sample, None  # what "mean" averages
    if loss.reduction.scale is not None:  # CTC: "mean" divides each sample by its target length first
        scale = loss.reduction.mean_scale(
            [loss.meta.domain[n].convert(a, n) for n, a in zip(loss.arg_names, args, strict=True)], {}
        )
        terms = scale * per_sample
    assert loss(*args) == pytest.approx(terms.mean(), rel=1e-14)
    assert isinstance(loss(*args), float)
    w = rng.uniform(0.1, 2.0, size=6)
    if (
        not loss.reduction.accepts_weights
    ):  # rows are each other's negatives: a weight cannot scale one row alone
        with pytest.raises(ValueError, match=f"weights= is not supported by {loss.name}"):
            loss(*args, weights=w)
    else:
        _check_weights(loss, args, per_sample, terms, w)
    if not loss.differentiable:  # evaluation only (the 0–1 loss): grad raises
        with pytest.raises(TypeError, match="has no gradient"):
            loss.grad(*args)
        return
    # grad is the gradient of the reduced loss: mean = sum / N (of the scaled terms, for CTC)
    total = (
        loss.grad(*args, reduction="sum")
        if scale is None
        else loss.grad(*args, reduction="sum", weights=scale)
    )
    np.testing.assert_allclose(loss.grad(*args), total / 6, rtol=1e-13, atol=1e-300)
    value, grad = loss.value_and_grad(*args)
    assert value == loss(*args)
    assert np.array_equal(grad, loss.grad(*args))
    assert grad.shape == np.shape(args[0])
    assert grad.dtype == np.float64


def _check_weights(loss, args, per_sample, terms, w):
    assert loss(*args, weights=w) == pytest.approx((w * terms).sum() / w.sum(), rel=1e-14)
    assert loss(*args, weights=w, reduction="sum") == pytest.approx((w * per_sample).sum(), rel=1e-14)
    np.testing.assert_allclose(loss(*args, weights=w, reduction="none"), w * per_sample, rtol=1e-14)
    # integer weights mean repetition: weight 2 equals the sample twice
    reps = np.array([2, 1, 1, 1, 1, 1])
    repeated = [np.repeat(a, reps, axis=0) for a in args]
    assert loss(*args, weights=reps) == pytest.approx(loss(*repeated), rel=1e-13)


@pytest.mark.parametrize("loss", [loss for loss in LOSSES if loss.elementwise], ids=loss_id)
def test_elementwise_losses_keep_any_shape(loss, rng):
    args = loss.sample_inputs(rng, batch=12)
    shaped = [np.reshape(a, (2, 3, 2)) for a in args]
    if not loss.reduction.per_sample:  # a metric of the whole batch (RMSE): over every element
        assert loss(*shaped) == pytest.approx(loss(*args), rel=1e-15)
        np.testing.assert_allclose(loss.grad(*shaped).ravel(), loss.grad(*args), rtol=1e-15)
        return
    assert loss(*shaped, reduction="none").shape == (2, 3, 2)
    np.testing.assert_allclose(loss(*shaped, reduction="none").ravel(), loss(*args, reduction="none"))
    assert loss.grad(*shaped).shape == (2, 3, 2)
    scalar = [a[0] for a in args]
    assert loss(*scalar) == pytest.approx(loss(*args, reduction="none")[0])


@pytest.mark.parametrize(
    "name",
    [
        "softmax_cross_entropy",
        "nll",
        "kl_div",
        "multiclass_hinge",
        "multilabel_margin",
        "sparse_categorical_cross_entropy",
        "softmax_focal",
        "zero_one",
        "listnet",
        "listmle",
    ],
)
def test_class_axis_losses_take_extra_batch_axes(name, rng):
    loss = lossref.get(name)
    args = loss.sample_inputs(rng, batch=6, classes=3)
    shaped = [np.reshape(a, (2, 3, *np.shape(a)[1:])) for a in args]
    np.testing.assert_allclose(
        loss(*shaped, reduction="none").ravel(), loss(*args, reduction="none"), rtol=1e-15
    )


def test_metadata_reads_as_attributes():
    assert huber.family == "regression"
    assert huber.formula == huber.meta.formula
    with pytest.raises(AttributeError):
        huber.no_such_thing  # noqa: B018
    assert repr(huber) == "<Loss huber (regression)>"
    assert str(huber.__signature__) == "(y_pred, y_true, *, delta=1.0, reduction='mean', weights=None)"


def test_gradcheck_reports_nan_and_non_finite_values():
    from lossref import gradcheck

    x = np.array([1.0, 2.0])
    result = gradcheck(lambda v: np.sum(v**2), lambda v: np.array([np.nan, 4.0]), x)
    assert not result.ok
    assert result.worst_index == (0,)
    assert not gradcheck(lambda v: np.inf, lambda v: v, x).ok  # an infinite loss never passes
    near_zero = gradcheck(lambda v: np.sum(v**2), lambda v: 2 * v, np.array([1e-12, 1.0]))
    assert near_zero.ok
    assert near_zero.max_rel_error < 1e-6


def test_ppo_clip_gradient_at_the_clip_boundary_is_the_unclipped_side():
    # ε chosen so that ρ = e^{±1/4} is exactly 1 ± ε in float64: both branches are equal there
    up, down = math.exp(0.25), math.exp(-0.25)
    assert 1.0 + (up - 1.0) == up
    assert 1.0 - (1.0 - down) == down
    ppo_clip = lossref.ppo_clip
    assert ppo_clip.grad([0.25], [0.0], [2.0], clip_eps=up - 1.0, reduction="sum").tolist() == [-2.0 * up]
    assert ppo_clip.grad([-0.25], [0.0], [-2.0], clip_eps=1.0 - down, reduction="sum").tolist() == [
        2.0 * down
    ]
    # just past the boundary the clipped branch is active: no gradient; A = 0: none either
    assert ppo_clip.grad([0.26], [0.0], [2.0], clip_eps=up - 1.0, reduction="sum").tolist() == [0.0]
    assert ppo_clip.grad([0.3, -5.0], [0.0, 0.0], [0.0, 0.0], reduction="sum").tolist() == [0.0, 0.0]


def test_sequence_normalisation_is_a_mean_of_per_sequence_means():
    from lossref import sequence_cross_entropy

    z = np.array(
        [
            [[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
            [[0.0, 3.0], [1.0, 0.0], [0.0, 0.0]],
            [[5.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
        ]
    )
    y = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    mask = np.array([[1, 1, 1], [1, 0, 0], [0, 0, 0]])  # 3 tokens, 1 token, an all-padding sequence
    per_token = sequence_cross_entropy(z, y, mask=mask, reduction="none")
    means = [per_token[0].sum() / 3, per_token[1].sum() / 1]  # the empty sequence has no mean: left out
    assert sequence_cross_entropy(z, y, mask=mask, normalize="sequences") == pytest.approx(
        np.mean(means), rel=1e-15
    )
    assert sequence_cross_entropy(z, y, mask=mask) == pytest.approx(per_token.sum() / 4, rel=1e-15)
    grad = sequence_cross_entropy.grad(z, y, mask=mask, normalize="sequences")
    expected = (
        sequence_cross_entropy.grad(z, y, mask=mask, reduction="sum")
        * np.array([1 / 3, 1.0, 0.0])[:, None, None]
        / 2
    )
    np.testing.assert_allclose(grad, expected, rtol=1e-15)


# --- learning to rank ---------------------------------------------------------------------------


def test_ranknet_gradients_by_hand():
    # σ_s (P − P̄) for s_i and its negative for s_j: z = 0 → P = ½; z = 2·log 3 → P = 9/10
    np.testing.assert_allclose(ranknet.grad([0.0, 0.0], [0.0, 0.0], [1.0, 0.5], reduction="sum"), [-0.5, 0.0])
    np.testing.assert_allclose(
        ranknet.grad([math.log(3.0)], [0.0], [0.0], sigma=2.0, reduction="sum"), [1.8], rtol=1e-15
    )
    np.testing.assert_allclose(
        ranknet.grad([math.log(3.0)], [0.0], [0.0], sigma=2.0, reduction="sum", argnum=1), [-1.8], rtol=1e-15
    )
    # a tie target keeps its relative accuracy next to z = 0: P − ½ = ½ tanh(z/2) ≈ z/4
    assert ranknet.grad([1e-300], [0.0], [0.5], reduction="sum")[0] == pytest.approx(2.5e-301, rel=1e-15)
    assert ranknet.grad([1e-10], [0.0], [0.5], reduction="sum")[0] == pytest.approx(
        2.5e-11, rel=1e-15
    )  # tanh(z/2)/2
    # the naive σ(z) − ½: 7 correct digits at 1e-10, none below 1e-16
    assert 1e-8 < abs(sigmoid(np.array(1e-10)) - 0.5 - 2.5e-11) / 2.5e-11 < 1e-7
    assert sigmoid(np.array(1e-16)) == 0.5


def test_ranknet_is_bce_on_the_scaled_difference_and_bradley_terry_with_target_one(rng):
    si, sj = rng.normal(size=(2, 30)) * 4
    target = rng.uniform(size=30)
    bce = binary_cross_entropy_with_logits(1.5 * (si - sj), target, reduction="none")
    np.testing.assert_allclose(ranknet(si, sj, target, sigma=1.5, reduction="none"), bce, rtol=1e-14)
    bt = lossref.bradley_terry(si, sj, reduction="none")
    np.testing.assert_allclose(ranknet(si, sj, np.ones(30), reduction="none"), bt, rtol=1e-14)
    # swapping the pair and the target's side leaves every value unchanged
    np.testing.assert_allclose(
        ranknet(sj, si, 1 - target, reduction="none"), ranknet(si, sj, target, reduction="none"), rtol=1e-14
    )


def _catalog_listmle_gradient(scores, labels):
    # the catalog's formula, written out: −1 + Σ_{i≤k} e^{t_k} / Σ_{j≥i} e^{t_j}, t = scores in label order
    out = np.empty_like(scores)
    for row, (s, y) in enumerate(zip(scores, labels, strict=True)):
        order = sorted(range(len(y)), key=lambda j: -y[j])
        t = s[order]
        suffix = np.array([np.exp(t[i:]).sum() for i in range(len(t))])
        out[row, order] = [-1 + sum(np.exp(t[k]) / suffix[i] for i in range(k + 1)) for k in range(len(t))]
    return out


def test_listmle_gradient_is_the_catalog_formula(rng):
    scores, labels = rng.normal(size=(6, 5)), rng.integers(0, 3, size=(6, 5)).astype(float)
    np.testing.assert_allclose(
        listmle.grad(scores, labels, reduction="sum"),
        _catalog_listmle_gradient(scores, labels),
        rtol=1e-12,
        atol=1e-15,
    )


def test_listmle_breaks_label_ties_by_index():
    scores = np.array([[0.0, 2.0, 1.0]])
    # labels (1, 1, 0): items 1 and 2 tie; the earlier one ranks first, so π = (1, 2, 3), as with (2, 1, 0)
    tied = listmle(scores, [[1.0, 1.0, 0.0]])
    assert tied == listmle(scores, [[2.0, 1.0, 0.0]])
    assert tied == pytest.approx(math.log(1 + math.e + math.e**2) + math.log1p(math.exp(-1.0)), rel=1e-15)
    # the other tie order, π = (2, 1, 3), is a different value: −log(e²/(1 + e + e²)) − log(1/(1 + e))
    other = listmle(scores, [[1.0, 2.0, 0.0]])
    assert other == pytest.approx(math.log(1 + math.e + math.e**2) - 2 + math.log1p(math.e), rel=1e-15)
    assert other != pytest.approx(tied, rel=1e-3)
    # moving the tied items' positions moves the tie-break with them
    assert listmle(scores[:, [1, 0, 2]], [[1.0, 1.0, 0.0]]) == pytest.approx(other, rel=1e-15)


def test_list_losses_depend_on_score_differences_only(rng):
    scores, labels = rng.normal(size=(4, 5)), rng.integers(0, 4, size=(4, 5)).astype(float)
    for loss in (listnet, listmle):
        np.testing.assert_allclose(
            loss(scores + 100.0, labels, reduction="none"), loss(scores, labels, reduction="none"), rtol=1e-12
        )
        np.testing.assert_allclose(loss.grad(scores, labels).sum(axis=-1), 0.0, atol=1e-15)  # rows sum to 0
    # ListNet: labels matter through softmax only (a shift changes nothing); ListMLE: through their order only
    np.testing.assert_allclose(
        listnet(scores, labels + 3.0, reduction="none"), listnet(scores, labels, reduction="none"), rtol=1e-14
    )
    np.testing.assert_array_equal(
        listmle(scores, 10.0 * labels**3, reduction="none"), listmle(scores, labels, reduction="none")
    )


def test_listnet_is_minimal_where_scores_match_the_labels(rng):
    labels = rng.normal(size=(3, 4))
    q = np.exp(labels) / np.exp(labels).sum(-1, keepdims=True)
    entropy = -(q * np.log(q)).sum(-1)
    at_minimum = labels - 5.0  # softmax(s) = softmax(y)
    np.testing.assert_allclose(listnet(at_minimum, labels, reduction="none"), entropy, rtol=1e-14)
    np.testing.assert_allclose(listnet.grad(at_minimum, labels), 0.0, atol=1e-16)
    # and it is softmax_cross_entropy with the target softmax(y)
    scores = rng.normal(size=(3, 4))
    np.testing.assert_allclose(
        listnet(scores, labels, reduction="none"),
        softmax_cross_entropy(scores, q, reduction="none"),
        rtol=1e-14,
    )


def test_listmle_computes_each_stage_in_its_own_frame():
    # a suffix far below the list's maximum: one shared frame (a reverse logaddexp.accumulate)
    # rounds log Σ e^{t} at |t| = 1e4, an absolute 1e-12, which stages of size 1 then feel
    t = np.array([0.0, -1e4, -9999.0])  # already in label order
    shared = np.flip(np.logaddexp.accumulate(np.flip(t)))
    shared_value = (shared - t).sum()
    shared_grad = np.array([sum(np.exp(t[k] - shared[i]) for i in range(k + 1)) - 1 for k in range(3)])
    with mp.workdps(50):  # the same formulas in 50 digits
        lse = [mp.log(mp.fsum(mp.exp(mp.mpf(v)) for v in t[i:])) for i in range(3)]
        exact_value = float(mp.fsum(lse[i] - t[i] for i in range(3)))
        exact_grad = np.array(
            [float(mp.fsum(mp.exp(t[k] - lse[i]) for i in range(k + 1)) - 1) for k in range(3)]
        )
    labels = [[2.0, 1.0, 0.0]]
    assert abs(shared_value / exact_value - 1) > 1e-13
    assert abs(shared_grad[2] / exact_grad[2] - 1) > 1e-13
    assert listmle([t], labels) == pytest.approx(exact_value, rel=1e-15)
    np.testing.assert_allclose(listmle.grad([t], labels, reduction="sum")[0], exact_grad, rtol=1e-15)


def test_tukey_biweight_with_c_whose_square_overflows():
    # c² overflows from c ≈ 1.34e154; the loss must not need it. By hand: beyond |r| = c the
    # value is c²/6 = 9e308/6 = 1.5e308 and the gradient 0; at r = 1 it is ½(1 − 1/c² …) = ½, slope 1
    c = 3e154
    values = lossref.tukey_biweight([4e154, 1.0], [0.0, 0.0], c=c, reduction="none")
    grad = lossref.tukey_biweight.grad([4e154, 1.0], [0.0, 0.0], c=c, reduction="sum")
    assert values[0] == pytest.approx(1.5e308, rel=1e-15)
    assert values[1] == 0.5
    assert grad.tolist() == [0.0, 1.0]


# --- issue 19: regression and probabilistic additions ----------------------------------------


def test_msle_by_hand():
    # ŷ = 3, y = 1: (log 4 − log 2)² = (log 2)²; ŷ = y = 9: 0; ŷ = 0, y = e² − 1: (0 − 2)² = 4
    values = lossref.msle([3.0, 9.0, 0.0], [1.0, 9.0, math.e**2 - 1], reduction="none")
    np.testing.assert_allclose(values, [math.log(2) ** 2, 0.0, 4.0], rtol=1e-15)
    # ∂/∂ŷ = 2 (log 4 − log 2) / 4 = log(2) / 2; at ŷ = 0: 2 · (−2) / 1 = −4
    grad = lossref.msle.grad([3.0, 0.0], [1.0, math.e**2 - 1], reduction="sum")
    np.testing.assert_allclose(grad, [math.log(2) / 2, -4.0], rtol=1e-15)


def test_msle_keeps_digits_where_log1p_difference_cancels():
    # ŷ = 1e6 + 1, y = 1e6: log1p(ŷ) − log1p(y) loses ~12 digits; the exact d is log1p(1/(1e6 + 1))
    with mp.workdps(50):
        exact = float(mp.log1p(mp.mpf(1) / (10**6 + 1)) ** 2)
    naive = (math.log1p(1e6 + 1) - math.log1p(1e6)) ** 2
    assert abs(naive / exact - 1) > 1e-12
    assert lossref.msle([1e6 + 1], [1e6]) == pytest.approx(exact, rel=1e-15)


def test_epsilon_insensitive_by_hand():
    # ε = 0.5: r = 0.3 inside the tube → 0; r = −2 → 1.5; r = 0.5 on its edge → 0 (gradient 0)
    args = ([0.3, -2.0, 0.5], [0.0, 0.0, 0.0])
    assert lossref.epsilon_insensitive(*args, epsilon=0.5, reduction="none").tolist() == [0.0, 1.5, 0.0]
    assert lossref.epsilon_insensitive.grad(*args, epsilon=0.5, reduction="sum").tolist() == [0.0, -1.0, 0.0]
    # squared: 0, 1.5² = 2.25, 0; gradient 2 · (−1) · 1.5 = −3
    assert lossref.epsilon_insensitive(*args, epsilon=0.5, squared=True, reduction="none").tolist() == [
        0.0,
        2.25,
        0.0,
    ]
    assert lossref.epsilon_insensitive.grad(*args, epsilon=0.5, squared=True, reduction="sum").tolist() == [
        0.0,
        -3.0,
        0.0,
    ]


def test_epsilon_insensitive_keeps_the_rounding_of_the_residual():
    # ŷ = 0.3, y = −1e-17, ε = 0.3: fl(ŷ − y) = 0.3 drops the 1e-17, so the naive |r| − ε is 0;
    # the exact excess of these float64 inputs is 1e-17 (to 16 digits)
    y_pred, y_true, eps = 0.3, -1e-17, 0.3
    with mp.workdps(50):
        exact = float(mp.mpf(y_pred) - mp.mpf(y_true) - mp.mpf(eps))
    assert abs(y_pred - y_true) - eps == 0.0
    assert exact == pytest.approx(1e-17, rel=1e-15)
    assert lossref.epsilon_insensitive([y_pred], [y_true], epsilon=eps) == exact
    assert lossref.epsilon_insensitive.grad([y_pred], [y_true], epsilon=eps).tolist() == [1.0]


def test_expectile_by_hand():
    # τ = 0.8, u = y − ŷ: u = 1 → 0.8 · 1; u = −2 → 0.2 · 4 = 0.8; u = 0 → 0
    args = ([0.0, 2.0, 5.0], [1.0, 0.0, 5.0])
    np.testing.assert_allclose(
        lossref.expectile(*args, tau=0.8, reduction="none"), [0.8, 0.8, 0.0], rtol=1e-15
    )
    # −2 w u: −2 · 0.8 · 1 = −1.6; −2 · 0.2 · (−2) = 0.8; 0
    np.testing.assert_allclose(
        lossref.expectile.grad(*args, tau=0.8, reduction="sum"), [-1.6, 0.8, 0.0], rtol=1e-15
    )
    # τ = 0.5 is half the squared error
    assert lossref.expectile([3.0], [1.0]) == 2.0


def test_expectile_minimiser_is_the_expectile():
    # y = (0, 0, 3), τ = 0.75: the constant c with 0.75 Σ_{y>c}(y − c) = 0.25 Σ_{y<c}(c − y):
    # 0.75 (3 − c) = 0.25 · 2c → c = 2.25 / 1.25 = 1.8; the mean is 1
    y = np.array([0.0, 0.0, 3.0])
    assert abs(lossref.expectile.grad(np.full(3, 1.8), y, tau=0.75).sum()) < 1e-15
    assert lossref.expectile.grad(np.full(3, 1.0), y, tau=0.75).sum() < 0  # below it: push up


def test_barron_by_hand():
    # r = 2, c = 1: α = 2 → ½·4 = 2; α = 1 → √5 − 1; α = 0 → log 3; α = −2 → 2·4/8 = 1;
    # α = −∞ → 1 − e⁻²; α = 4 → (2/4)((4/2 + 1)² − 1) = 4
    expected = {
        2.0: 2.0,
        1.0: math.sqrt(5) - 1,
        0.0: math.log(3),
        -2.0: 1.0,
        -math.inf: -math.expm1(-2.0),
        4.0: 4.0,
    }
    for alpha, value in expected.items():
        assert lossref.barron([2.0], [0.0], alpha=alpha) == pytest.approx(value, rel=1e-15), alpha
    # gradient (r/c²)(r²/(c²|α − 2|) + 1)^{α/2 − 1}: α = 1 → 2/√5; α = 0 → 2/3; α = −2 → 2/4
    for alpha, slope in {1.0: 2 / math.sqrt(5), 0.0: 2 / 3, -2.0: 0.5, 2.0: 2.0}.items():
        assert lossref.barron.grad([2.0], [0.0], alpha=alpha)[0] == pytest.approx(slope, rel=1e-15)
    # scale: r = 2, c = 2 is r = 1, c = 1 at α = 0: log(1 + ½)
    assert lossref.barron([2.0], [0.0], alpha=0.0, scale=2.0) == pytest.approx(math.log(1.5), rel=1e-15)


def test_barron_is_continuous_at_its_special_values():
    # near α = 2 and α = 0 the general formula is 0/0; lossref's value must approach the limit
    # with the error of the first-order term in α, not the cancellation of the naive form
    r = np.array([1e-8, 0.3, 3.0, 1e4])
    z = np.zeros_like(r)
    for special in (2.0, 0.0):
        limit = lossref.barron(r, z, alpha=special, reduction="none")
        for delta in (1e-6, 1e-10, 1e-14):
            for alpha in (special - delta, special + delta):
                near = lossref.barron(r, z, alpha=alpha, reduction="none")
                # |∂ρ/∂α| ≲ (1 + log² of the residual) here, so |ρ(α) − ρ(special)| ≲ 100 δ ρ
                np.testing.assert_allclose(near, limit, rtol=100 * delta + 1e-15)
    # the general formula as written, pow(·) − 1, cancels for |r| ≪ c at any α: at α = 1,
    # r = 1e-9 it gives 0 instead of √(1 + r²) − 1 ≈ r²/2 = 5e-19
    naive = (1 / 1) * ((1e-18 / 1 + 1) ** 0.5 - 1)
    assert naive == 0.0
    assert lossref.barron([1e-9], [0.0], alpha=1.0) == pytest.approx(5e-19, rel=1e-15)


def test_crps_gaussian_by_hand():
    # z = 0: σ (2φ(0) − 1/√π) = σ (√2 − 1)/√π; ∂/∂μ = erf(0) = 0; ∂/∂σ² = (√2 − 1)/(√π · 2σ)
    k = (math.sqrt(2) - 1) / math.sqrt(math.pi)
    values = lossref.crps_gaussian([0.0, 5.0], [0.0, 5.0], [1.0, 4.0], reduction="none")
    np.testing.assert_allclose(values, [k, 2 * k], rtol=1e-15)
    np.testing.assert_allclose(
        lossref.crps_gaussian.grad([0.0, 5.0], [0.0, 5.0], [1.0, 4.0], argnum="var", reduction="sum"),
        [k / 2, k / 4],
        rtol=1e-15,
    )
    # σ → 0: the CRPS of a point forecast is the absolute error; ∂/∂μ = sign(μ − y)
    assert lossref.crps_gaussian([3.0], [1.0], [1e-300]) == pytest.approx(2.0, rel=1e-15)
    assert lossref.crps_gaussian.grad(
        [3.0, -3.0], [1.0, 1.0], [1e-300, 1e-300], reduction="sum"
    ).tolist() == [
        1.0,
        -1.0,
    ]


def test_crps_gaussian_is_the_integral_of_the_squared_cdf_difference():
    # the definition ∫ (F(x) − 1[y ≤ x])² dx by quadrature, not the closed form
    mu, y, var = 0.3, 1.0, 0.25
    with mp.workdps(30):
        sigma = mp.sqrt(var)

        def cdf(x):
            return mp.ncdf((x - mu) / sigma)

        integral = mp.quad(lambda x: cdf(x) ** 2, [-mp.inf, mu, y]) + mp.quad(
            lambda x: (1 - cdf(x)) ** 2, [y, mp.inf]
        )
    assert lossref.crps_gaussian([mu], [y], [var]) == pytest.approx(float(integral), rel=1e-14)


def test_generalized_kl_by_hand():
    # y = 4, ŷ = 2: 4 log 2 − 4 + 2; y = 0, ŷ = 1: 0 − 0 + 1; y = ŷ = 2: 0
    values = lossref.generalized_kl([2.0, 1.0, 2.0], [4.0, 0.0, 2.0], reduction="none")
    np.testing.assert_allclose(values, [4 * math.log(2) - 2, 1.0, 0.0], rtol=1e-15)
    # 1 − y/ŷ: 1 − 2 = −1, 1 − 0 = 1, 0
    assert lossref.generalized_kl.grad([2.0, 1.0, 2.0], [4.0, 0.0, 2.0], reduction="sum").tolist() == [
        -1.0,
        1.0,
        0.0,
    ]


def test_generalized_kl_keeps_digits_where_its_terms_cancel():
    # ŷ = 1e6 + 1, y = 1e6: the three terms are ~1e7 and cancel to ~5e-7; exact from 50 digits
    y_pred, y_true = 1e6 + 1.0, 1e6
    with mp.workdps(50):
        exact = float(mp.mpf(y_true) * mp.log(mp.mpf(y_true) / y_pred) - y_true + y_pred)
    naive = y_true * math.log(y_true / y_pred) - y_true + y_pred
    assert abs(naive / exact - 1) > 1e-6
    assert lossref.generalized_kl([y_pred], [y_true]) == pytest.approx(exact, rel=1e-15)


def test_cox_partial_likelihood_by_hand():
    # η = (log 2, 0, 0), t = (1, 2, 2), δ = (1, 1, 0): R(1) = {1, 2, 3}, R(2) = {2, 3} (the tie at
    # t = 2 stays at risk: Breslow). ℓ = log(2 + 1 + 1) − log 2 + log(1 + 1) − 0 = log 4
    eta, t, d = [[math.log(2.0), 0.0, 0.0]], [[1.0, 2.0, 2.0]], [[1.0, 1.0, 0.0]]
    assert lossref.cox_partial_likelihood(eta, t, d) == pytest.approx(math.log(4.0), rel=1e-15)
    # ∂/∂η_k = Σ_{events i, k ∈ R(t_i)} e^{η_k}/Σ_R − δ_k: (2/4 − 1, 1/4 + 1/2 − 1, 1/4 + 1/2)
    np.testing.assert_allclose(
        lossref.cox_partial_likelihood.grad(eta, t, d, reduction="sum"), [[-0.5, -0.25, 0.75]], rtol=1e-15
    )
    # a row without events contributes 0; rows are averaged
    assert lossref.cox_partial_likelihood(
        [*eta, [0.0, 0.0, 0.0]], t + t, [*d, [0.0, 0.0, 0.0]]
    ) == pytest.approx(math.log(4.0) / 2, rel=1e-15)


def test_cox_partial_likelihood_gradient_where_one_subject_dominates_its_risk_set():
    # η = (40, 0, 1), all events at t = 1, 2, 3: ∂ℓ/∂η₁ = p₁₁ − 1 = −(e⁰ + e¹)/(e⁴⁰ + e⁰ + e¹);
    # 1 − p₁₁ rounds to 0 in float64, the sum of the others' shares does not
    eta, t, d = [[40.0, 0.0, 1.0]], [[1.0, 2.0, 3.0]], [[1.0, 1.0, 1.0]]
    exact = -(1 + math.e) / (math.exp(40.0) + 1 + math.e)
    grad = lossref.cox_partial_likelihood.grad(eta, t, d, reduction="sum")
    assert grad[0, 0] == pytest.approx(exact, rel=1e-14)


# --- issue 19: classification -----------------------------------------------------------------


def test_brier_score_by_hand():
    # row 1, label 0: (0.7 - 1)² + 0.2² + 0.1² = 0.09 + 0.04 + 0.01 = 0.14
    # row 2, target (0.5, 0.5, 0): (0.25 - 0.5)² + (0.25 - 0.5)² + 0.5² = 0.0625 + 0.0625 + 0.25 = 0.375
    p = [[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]]
    q = [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]
    np.testing.assert_allclose(lossref.brier_score(p, q, reduction="none"), [0.14, 0.375], rtol=1e-15)
    np.testing.assert_allclose(
        lossref.brier_score(p[:1], [0], reduction="none"), [0.14], rtol=1e-15
    )  # a label is its one-hot row
    assert lossref.brier_score(p, q) == pytest.approx((0.14 + 0.375) / 2, rel=1e-15)
    # ∂/∂p = 2 (p − q), by hand: row 1 (−0.6, 0.4, 0.2), row 2 (−0.5, −0.5, 1.0)
    np.testing.assert_allclose(
        lossref.brier_score.grad(p, q, reduction="sum"), [[-0.6, 0.4, 0.2], [-0.5, -0.5, 1.0]], rtol=1e-14
    )
    # worst case: all mass on a wrong class costs 1² + 1² = 2
    assert lossref.brier_score([[0.0, 1.0, 0.0]], [0]) == 2.0


def test_binary_brier_score_is_mse_on_the_positive_probability(rng):
    # the usual binary (p − y)² is half the two-column score: 2 (p − y)² summed over (1 − p, p)
    p, y = rng.uniform(size=6), rng.integers(0, 2, size=6)
    two_columns = np.stack([1 - p, p], axis=-1)
    np.testing.assert_allclose(
        lossref.brier_score(two_columns, y, reduction="none") / 2, (p - y) ** 2, rtol=1e-14
    )
    assert lossref.brier_score(two_columns, y) / 2 == pytest.approx(
        lossref.mse(p, y.astype(float)), rel=1e-14
    )


def test_poly1_cross_entropy_by_hand():
    # z = (log 3, 0): p = (3/4, 1/4). ℓ = log(4/3) + ε/4; ∂ℓ/∂z = (1 + ¾ε)(p − e_y)
    z = [[math.log(3.0), 0.0]]
    assert lossref.poly1_cross_entropy(z, [0], epsilon=2.0) == pytest.approx(math.log(4 / 3) + 0.5, rel=1e-15)
    np.testing.assert_allclose(
        lossref.poly1_cross_entropy.grad(z, [0], epsilon=2.0), [[-0.625, 0.625]], rtol=1e-15
    )
    # label 1: p_y = 1/4, ℓ = log 4 + ¾ε
    assert lossref.poly1_cross_entropy(z, [1], epsilon=1.0) == pytest.approx(math.log(4.0) + 0.75, rel=1e-15)
    # ε = 0 is cross-entropy, exactly as defined
    assert lossref.poly1_cross_entropy(z, [0], epsilon=0.0) == pytest.approx(math.log(4 / 3), rel=1e-15)


def test_poly1_cross_entropy_at_epsilon_minus_one_keeps_its_tiny_value():
    # ε = −1: ℓ = −log p − (1 − p) ≈ (1 − p)²/2 as p → 1. z = (40, 0): 1 − p_y = e^{-40}/(1 + e^{-40}),
    # so ℓ = e^{-80}/2 (1 + O(e^{-40})); the direct form −log p_y − (1 − p_y) rounds to 0 there
    value = lossref.poly1_cross_entropy([[40.0, 0.0]], [0], epsilon=-1.0)
    assert value == pytest.approx(math.exp(-80) / 2, rel=1e-14)
    # gradient (1 − p_y)(p − e_y): (1 − p_y)² = e^{-80} in both entries, up to sign
    np.testing.assert_allclose(
        lossref.poly1_cross_entropy.grad([[40.0, 0.0]], [0], epsilon=-1.0),
        [[-math.exp(-80), math.exp(-80)]],
        rtol=1e-14,
    )


def test_generalized_cross_entropy_by_hand():
    # z = (log 3, 0): p_y = 3/4. q = 1/2: (1 − √¾)/½ = 2 − √3; ∂ℓ/∂z = √¾ (p − e_y)
    z = [[math.log(3.0), 0.0]]
    gce = lossref.generalized_cross_entropy
    assert gce(z, [0], q=0.5) == pytest.approx(2 - math.sqrt(3), rel=1e-14)
    np.testing.assert_allclose(gce.grad(z, [0], q=0.5), np.sqrt(0.75) * np.array([[-0.25, 0.25]]), rtol=1e-15)
    # q = 1: 1 − p_y = 1/4, and the gradient p_y (p − e_y) = ¾ (−¼, ¼)
    assert gce(z, [0], q=1.0) == pytest.approx(0.25, rel=1e-15)
    np.testing.assert_allclose(gce.grad(z, [0], q=1.0), [[-0.1875, 0.1875]], rtol=1e-15)
    # q = 0 is cross-entropy −log p_y = log(4/3), and q = 1e-9 is within 1e-9·log² of it
    assert gce(z, [0], q=0.0) == pytest.approx(math.log(4 / 3), rel=1e-15)
    assert gce(z, [0], q=1e-9) == pytest.approx(math.log(4 / 3), rel=1e-9)


def test_generalized_cross_entropy_near_p_one_does_not_round_to_zero():
    # z = (40, 0, 0): 1 − p_y ≈ 2e^{-40}, so ℓ = (1 − p_y^q)/q ≈ 2e^{-40} for any q; 1 − p_y^q is 0 in float64
    for q in (0.7, 1e-6):
        assert lossref.generalized_cross_entropy([[40.0, 0.0, 0.0]], [0], q=q) == pytest.approx(
            2 * math.exp(-40), rel=1e-12
        )


def test_generalized_cross_entropy_at_q_one_is_half_the_l1_distance_of_probabilities(rng):
    z, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    half_l1 = 0.5 * np.abs(p - np.eye(4)[y]).sum(-1)
    np.testing.assert_allclose(
        lossref.generalized_cross_entropy(z, y, q=1.0, reduction="none"), half_l1, rtol=1e-13
    )


def test_symmetric_cross_entropy_by_hand():
    # z = (log 3, 0), label 0: p_y = 3/4. CE = log(4/3); RCE = −(¼ · A) = 1 for A = −4
    z = [[math.log(3.0), 0.0]]
    sce = lossref.symmetric_cross_entropy
    assert sce(z, [0]) == pytest.approx(0.1 * math.log(4 / 3) + 1.0, rel=1e-15)
    assert sce(z, [0], alpha=6.0, beta=0.1) == pytest.approx(6 * math.log(4 / 3) + 0.1, rel=1e-15)
    # RCE alone (α = 0) on three classes, by its definition −Σ_c p_c log q_c, log 0 := A:
    # p = (½, ¼, ¼), label 0 → −(¼ A + ¼ A) = −A/2 = 2
    z3 = [[math.log(2.0), 0.0, 0.0]]
    assert sce(z3, [0], alpha=0.0) == pytest.approx(2.0, rel=1e-15)
    # gradient (α − βA p_y)(p − e_y) = (0.1 + 3)(−¼, ¼)
    np.testing.assert_allclose(sce.grad(z, [0]), [[-0.775, 0.775]], rtol=1e-15)


def test_symmetric_cross_entropy_is_alpha_times_poly1(rng):
    # with a label, α CE − βA(1 − p_y) = α [CE + ε (1 − p_y)] with ε = −βA/α
    z, y = rng.normal(scale=3.0, size=(6, 5)), rng.integers(0, 5, size=6)
    for alpha, beta, floor in ((0.1, 1.0, -4.0), (6.0, 0.1, -4.0), (1.0, 0.5, math.log(1e-4))):
        np.testing.assert_allclose(
            lossref.symmetric_cross_entropy(z, y, alpha=alpha, beta=beta, log_floor=floor, reduction="none"),
            alpha * lossref.poly1_cross_entropy(z, y, epsilon=-beta * floor / alpha, reduction="none"),
            rtol=1e-14,
        )


def test_logit_adjusted_cross_entropy_by_hand():
    # π = (¾, ¼), z = 0: z + log π gives softmax (¾, ¼); the rare class 1 costs log 4, the common one log(4/3)
    la = lossref.logit_adjusted_cross_entropy
    assert la([[0.0, 0.0]], [1], class_priors=[0.75, 0.25]) == pytest.approx(math.log(4), rel=1e-15)
    assert la([[0.0, 0.0]], [0], class_priors=[0.75, 0.25]) == pytest.approx(math.log(4 / 3), rel=1e-15)
    # τ = 2: softmax ∝ (9/16, 1/16) → p_1 = 1/10; only ratios of π matter (counts (3, 1) give the same)
    assert la([[0.0, 0.0]], [1], class_priors=[3, 1], tau=2.0) == pytest.approx(math.log(10), rel=1e-15)
    # τ = 0: plain cross-entropy, whatever π
    assert la([[0.0, 0.0]], [1], class_priors=[0.75, 0.25], tau=0.0) == pytest.approx(math.log(2), rel=1e-15)
    np.testing.assert_allclose(
        la.grad([[0.0, 0.0]], [1], class_priors=[3, 1], tau=2.0), [[0.9, -0.9]], rtol=1e-15
    )


def test_balanced_softmax_is_logit_adjustment_with_tau_one(rng):
    # Ren et al.'s n_y e^{z_y} / Σ n_c e^{z_c} is Menon et al.'s CE(z + τ log π) at τ = 1, π = n / Σn
    z, y = rng.normal(scale=3.0, size=(7, 4)), rng.integers(0, 4, size=7)
    n = np.array([5000, 420, 37, 3])
    bs = lossref.balanced_softmax.value_and_grad(z, y, class_counts=n)
    la = lossref.logit_adjusted_cross_entropy.value_and_grad(z, y, class_priors=n / n.sum(), tau=1.0)
    assert bs[0] == pytest.approx(la[0], rel=1e-14)
    np.testing.assert_allclose(bs[1], la[1], rtol=1e-13, atol=1e-17)
    # by hand: counts (30, 10), z = 0 → softmax (¾, ¼)
    assert lossref.balanced_softmax([[0.0, 0.0]], [1], class_counts=[30, 10]) == pytest.approx(
        math.log(4), rel=1e-15
    )


def test_ldam_by_hand():
    # counts (16, 1): n^{-1/4} = (½, 1), scaled to max_margin ½: Δ = (¼, ½)
    # label 0, z = (1, 0), s = 2: s (z − Δ_0 e_0) = (1.5, 0) → −log σ(1.5)
    ldam = lossref.ldam
    expected = math.log1p(math.exp(-1.5))
    assert ldam([[1.0, 0.0]], [0], class_counts=[16, 1], scale=2.0) == pytest.approx(expected, rel=1e-15)
    # label 1 (the rare class, Δ = ½): s (z − ½ e_1) = (2, −1) → log(1 + e^3)
    assert ldam([[1.0, 0.0]], [1], class_counts=[16, 1], scale=2.0) == pytest.approx(
        math.log1p(math.exp(3)), rel=1e-15
    )
    # gradient s (softmax(u) − e_y): label 0, u = (1.5, 0): 2 (σ(1.5) − 1, σ(−1.5))
    s = 1 / (1 + math.exp(1.5))
    np.testing.assert_allclose(
        ldam.grad([[1.0, 0.0]], [0], class_counts=[16, 1], scale=2.0), [[-2 * s, 2 * s]], rtol=1e-14
    )
    # max_margin 0: cross-entropy of s·z
    assert ldam([[1.0, 0.0]], [0], class_counts=[16, 1], scale=2.0, max_margin=0.0) == pytest.approx(
        math.log1p(math.exp(-2.0)), rel=1e-15
    )


# --- issue 19: segmentation -------------------------------------------------------------------


def test_generalized_dice_gives_an_empty_class_the_largest_weight():
    # class 0 empty, class 1 = both pixels: w₁ = 1/2² and the empty class gets w₀ = w₁ = 1/4.
    # I = ¼(0.5 + 1) = 0.375, U = ¼·0.5 + ¼(1.5 + 2) = 1: ℓ = 1 − 0.75 = 0.25 (weight 0 for
    # the empty class would give 1 − 0.75/0.875 = 1/7: its false alarm would cost nothing)
    p, t = [[[0.5, 0.0], [0.5, 1.0]]], [[[0.0, 0.0], [1.0, 1.0]]]
    assert lossref.generalized_dice(p, t, smooth=0.0) == pytest.approx(0.25, rel=1e-15)
    # w_c((2I + s) − 2t(U + s))/(U + s)²: ¼·0.75 where t = 0, ¼(0.75 − 2) where t = 1
    grad = lossref.generalized_dice.grad(p, t, smooth=0.0)
    np.testing.assert_allclose(grad, [[[0.1875, 0.1875], [-0.3125, -0.3125]]], rtol=1e-15)


def test_generalized_dice_without_foreground_is_zero_or_raises():
    p, t = [[[0.3, 0.2], [0.7, 0.8]]], [[[0.0, 0.0], [0.0, 0.0]]]
    # every weight is 0: ℓ = 1 − s/s (MONAI 1.5.0 likewise), and nothing to learn from
    assert lossref.generalized_dice(p, t) == 0.0
    assert not lossref.generalized_dice.grad(p, t).any()
    with pytest.raises(ValueError, match=r"0/0 .* use smooth > 0"):
        lossref.generalized_dice(p, t, smooth=0.0)


def test_generalized_dice_weights_never_overflow():
    # a soft class of Σt = 1e-200 (1/(Σt)² = 1e400 overflows) against a class of 2 pixels: the
    # rare class dominates, ℓ ≈ its own Dice with s = 0, 1 − 2·0.5e-200/(1 + 1e-200) = 1 − 1e-200
    p, t = [[[0.5, 0.5], [0.5, 0.5]]], [[[1e-200, 0.0], [1.0, 1.0]]]
    value, grad = lossref.generalized_dice.value_and_grad(p, t, smooth=0.0)
    assert value == 1.0
    assert np.isfinite(grad).all()
    # ∂ℓ/∂p = w_c(2I − 2tU)/U² with U ≈ w₀, 2I ≈ w₀·1e-200: 1e-200 − 2e-200 where t = 1e-200, 1e-200 where
    # t = 0
    np.testing.assert_allclose(grad[0, 0], [-1e-200, 1e-200], rtol=1e-12)
    np.testing.assert_allclose(grad[0, 1], [0.0, 0.0], atol=1e-300)


def test_mcc_gradient_by_hand():
    # TP = 1.5, FP = 0, FN = 0.5, TN = 1 (ε = 0): D = √(1.5·2·1·1.5) = √4.5, TP + FP = TN + FN = 1.5,
    # so ∂ℓ/∂p_i = −(t_i(FP + TN) − (1 − t_i)(TP + FN))/D: −1/√4.5 where t = 1, 2/√4.5 where t = 0
    grad = lossref.mcc.grad([[1.0, 0.5, 0.0]], [[1.0, 1.0, 0.0]], eps=0.0)
    np.testing.assert_allclose(
        grad, [[-1 / math.sqrt(4.5), -1 / math.sqrt(4.5), 2 / math.sqrt(4.5)]], rtol=1e-15
    )


def test_mcc_on_an_empty_target():
    # ε = 1e-5 on each count of 4 pixels: the perfect prediction has MCC = 4ε/(2ε·(4 + 2ε)) ≈ ½,
    # all-foreground ≈ −½ and p = ½ exactly 0
    empty = np.zeros((1, 4))
    assert lossref.mcc(empty, empty) == pytest.approx(1 - 4 / (2 * (4 + 2e-5)), rel=1e-12)
    assert lossref.mcc(np.ones((1, 4)), empty) == pytest.approx(1 + 4 / (2 * (4 + 2e-5)), rel=1e-12)
    assert lossref.mcc(np.full((1, 4), 0.5), empty) == pytest.approx(1.0, rel=1e-15)
    with pytest.raises(ValueError, match=r"0/0 .* use eps > 0"):
        lossref.mcc(empty, empty, eps=0.0)


def test_mcc_keeps_relative_accuracy_near_a_perfect_mask():
    # p = t except one pixel off by δ = 1e-9 (ε = 0): TP = 2 − δ, FN = δ, FP = 0, TN = 2.
    # 1 − MCC = 1 − (2 − δ)·2 / √((2 − δ)·2·2·(2 + δ)) = 1 − √((2 − δ)/(2 + δ)) ≈ δ/2
    # (the naive 1 − num/D loses ε/(δ/2) ≈ 4e-7 of it to the cancellation)
    p0 = 1.0 - 1e-9
    with mp.workdps(50):
        d = 1 - mp.mpf(p0)  # δ as stored: 1 − p₀ is exact in float64
        exact = float(1 - mp.sqrt((2 - d) / (2 + d)))
    value = lossref.mcc([[p0, 1.0, 0.0, 0.0]], [[1.0, 1.0, 0.0, 0.0]], eps=0.0)
    assert value == pytest.approx(exact, rel=1e-13, abs=0.0)


# --- issue 19: ranking ------------------------------------------------------------------------


def test_lambdarank_by_hand():
    # s = (0, 1), y = (1, 0): item 0 (gain 1) ranks second. maxDCG = 1, |ΔNDCG| = 1 − 1/log2(3),
    # ℓ = |ΔNDCG|·log(1 + e^{σ}), ∂ℓ/∂s₀ = −σ|ΔNDCG|·σ(σ(s₁ − s₀)) = −σ|ΔNDCG|/(1 + e^{−σ})
    w = 1 - 1 / math.log2(3)
    for sigma in (1.0, 2.0):
        value, grad = lossref.lambdarank.value_and_grad([[0.0, 1.0]], [[1.0, 0.0]], sigma=sigma)
        assert value == pytest.approx(w * math.log1p(math.exp(sigma)), rel=1e-15)
        pull = sigma * w / (1 + math.exp(-sigma))
        np.testing.assert_allclose(grad, [[-pull, pull]], rtol=1e-15)
    # equal labels: no pair, no loss; ranked right, the weight is the same but the pair costs less
    assert lossref.lambdarank([[0.0, 1.0]], [[2.0, 2.0]]) == 0.0
    assert lossref.lambdarank([[1.0, 0.0]], [[1.0, 0.0]]) == pytest.approx(
        w * math.log1p(math.exp(-1)), rel=1e-15
    )


def test_lambdarank_truncation_drops_pairs_below_the_top_k():
    # ranks by s: item 2 (s = 3), item 0, item 1. Gains (3, 1, 0). With k = 1 only pairs involving
    # the top-ranked item 2 (gain 0) count: (0, 2) and (1, 2); maxDCG@1 = 3.
    s, y = [[2.0, 1.0, 3.0]], [[2.0, 1.0, 0.0]]
    d = [1.0, 1 / math.log2(3), 0.5]  # discounts at ranks 0, 1, 2
    pair_02 = 3 * abs(d[1] - d[0]) / 3 * math.log1p(math.exp(-(2.0 - 3.0)))
    pair_12 = 1 * abs(d[2] - d[0]) / 3 * math.log1p(math.exp(-(1.0 - 3.0)))
    assert lossref.lambdarank(s, y, truncation=1) == pytest.approx(pair_02 + pair_12, rel=1e-14)


def test_approx_ndcg_by_hand():
    # s = (1, 0), y = (1, 0), τ = 1: r̂ = (1 + σ(−1), 1 + σ(1)); only item 0 has a gain (1), maxDCG = 1:
    # ℓ = 1 − 1/log2(1 + r̂₀) = 1 − 1/log2(2 + σ(−1))
    sig = 1 / (1 + math.exp(1.0))  # σ(−1)
    value = lossref.approx_ndcg([[1.0, 0.0]], [[1, 0]], temperature=1.0)
    assert value == pytest.approx(1 - 1 / math.log2(2 + sig), rel=1e-15)
    # ∂ℓ/∂s₀ = −∂NDCG/∂r̂₀ · ∂r̂₀/∂s₀ = [1/((1 + r̂₀) ln 2 log2²(1 + r̂₀))] · (−σ'(−1)); ∂ℓ/∂s₁ the opposite
    r0 = 1 + sig
    c0 = 1 / ((1 + r0) * math.log(2) * math.log2(1 + r0) ** 2)
    slope = sig * (1 - sig)
    grad = lossref.approx_ndcg.grad([[1.0, 0.0]], [[1, 0]], temperature=1.0)
    np.testing.assert_allclose(grad, [[-c0 * slope, c0 * slope]], rtol=1e-14)


def test_approx_ndcg_leaves_lists_without_a_relevant_item_out_of_the_mean():
    s, y = [[1.0, 0.0], [0.3, 0.9]], [[1, 0], [0, 0]]
    values = lossref.approx_ndcg(s, y, reduction="none")
    assert values[1] == 0.0
    assert lossref.approx_ndcg(s, y) == values[0]  # divided by 1 list, not 2
    with pytest.raises(ValueError, match="every list has only 0 labels"):
        lossref.approx_ndcg([[0.3, 0.9]], [[0, 0]])


def test_approx_ndcg_keeps_relative_accuracy_near_the_true_ranking():
    # s = (40, 3, 0), y = (2, 1, 0), τ = 0.1: ranked right, items 1 and 2 by 30τ. ℓ ≈ 5e-15, of
    # order σ(−30); 1 − DCG/maxDCG computed as written is off by 1.3% (measured), so compare with
    # mpmath at 50 digits (τ as the float 0.1 holds it)
    with mp.workdps(50):
        s = [mp.mpf(40), mp.mpf(3), mp.mpf(0)]  # gains (3, 1, 0) for y = (2, 1, 0)
        tau = mp.mpf(0.1)
        ranks = [
            1 + mp.fsum(1 / (1 + mp.exp(-(s[j] - s[i]) / tau)) for j in range(3) if j != i) for i in range(3)
        ]
        ideal = 3 + 1 / mp.log(3, 2)
        exact = float(
            1 - mp.fsum(g / mp.log(1 + r, 2) for g, r in zip((3, 1, 0), ranks, strict=True)) / ideal
        )
    value = lossref.approx_ndcg([[40.0, 3.0, 0.0]], [[2, 1, 0]])
    assert value == pytest.approx(exact, rel=1e-13, abs=0.0)


# --- issue 19: margin, detection and image losses ------------------------------------------


def test_hinge_embedding_by_hand():
    # y = +1: x itself (even below 0); y = -1: max(0, m - x)
    x, y = [0.3, 0.3, 1.5, -0.2], [1.0, -1.0, -1.0, 1.0]
    np.testing.assert_allclose(
        lossref.hinge_embedding(x, y, reduction="none"), [0.3, 0.7, 0.0, -0.2], rtol=1e-15
    )
    np.testing.assert_allclose(
        lossref.hinge_embedding(x, y, margin=2.0, reduction="none"), [0.3, 1.7, 0.5, -0.2], rtol=1e-15
    )
    assert lossref.hinge_embedding(x, y) == pytest.approx(0.8 / 4, rel=1e-15)
    assert lossref.hinge_embedding.grad(x, y, reduction="sum").tolist() == [1.0, -1.0, 0.0, 1.0]
    # at the kink x = m (y = -1) the subgradient is 0; for y = +1 the slope is 1 everywhere
    assert lossref.hinge_embedding.grad([1.0, 1.0], [-1.0, 1.0], reduction="sum").tolist() == [0.0, 1.0]


def test_multilabel_soft_margin_by_hand():
    # z = (ln 3, 0, -ln 3), t = (1, 0, 1): softplus(-ln 3) = ln(4/3), softplus(0) = ln 2,
    # softplus(ln 3) = ln 4; the mean over C = 3 is ln(32/3) / 3
    z, t = [[math.log(3), 0.0, -math.log(3)]], [[1, 0, 1]]
    loss = lossref.multilabel_soft_margin
    assert loss(z, t) == pytest.approx(math.log(32 / 3) / 3, rel=1e-15)
    # (σ(z) - t) / 3 with σ(±ln 3) = 3/4, 1/4
    np.testing.assert_allclose(loss.grad(z, t), [[-1 / 12, 1 / 6, -1 / 4]], rtol=1e-15)
    # class weights scale each class term; the mean over classes still divides by C = 3
    w = [2.0, 0.0, 1.0]
    assert loss(z, t, class_weights=w) == pytest.approx((2 * math.log(4 / 3) + math.log(4)) / 3, rel=1e-15)
    np.testing.assert_allclose(loss.grad(z, t, class_weights=w), [[-1 / 6, 0.0, -1 / 4]], rtol=1e-15)
    # a target logit of 40: the gradient -σ(-40)/C, which σ(40) - 1 would round to 0
    assert loss.grad([[40.0]], [[1]])[0, 0] == pytest.approx(-1 / (1 + math.exp(40)), rel=1e-15)


def test_box_losses_by_hand():
    # (0, 0, 2, 2) against (1, 1, 3, 3): I = 1, U = 4 + 4 - 1 = 7, C = 3 × 3 = 9, centres (1, 1)
    # and (2, 2): ρ² = 2, c² = 18. GIoU: 1 - 1/7 + 2/9 = 68/63; DIoU: 1 - 1/7 + 1/9 = 61/63;
    # the aspect ratios agree (v = 0): CIoU = DIoU
    b, g = [[0.0, 0.0, 2.0, 2.0]], [[1.0, 1.0, 3.0, 3.0]]
    assert lossref.giou(b, g) == pytest.approx(68 / 63, rel=1e-15)
    assert lossref.diou(b, g) == pytest.approx(61 / 63, rel=1e-15)
    assert lossref.ciou(b, g) == pytest.approx(61 / 63, rel=1e-15)
    # (0, 0, 2, 1) against the unit box: IoU = 1/2, ρ² = 1/4, c² = 5: DIoU = 0.55; v = 4/π²·atan(1/3)²
    # (atan 1 − atan 2 = −atan(1/3)), α = v / (1/2 + v)
    v = 4 / math.pi**2 * math.atan(1 / 3) ** 2
    b, g = [[0.0, 0.0, 2.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]]
    assert lossref.diou(b, g) == pytest.approx(0.55, rel=1e-15)
    assert lossref.ciou(b, g) == pytest.approx(0.55 + v * v / (0.5 + v), rel=1e-14)
    # apart: (2, 0, 3, 1) against (0, -1, 1, 2): IoU = 0, U = 1 + 3 = 4, C = 3 × 3 = 9:
    # GIoU loss 2 - 4/9; ∂ = -(∂U·C - U·∂C)/C² with ∂U = (-1, -1, 1, 1), ∂C = (0, 0, 3, 0)
    b, g = [[2.0, 0.0, 3.0, 1.0]], [[0.0, -1.0, 1.0, 2.0]]
    assert lossref.giou(b, g) == pytest.approx(14 / 9, rel=1e-15)
    np.testing.assert_allclose(lossref.giou.grad(b, g), [[1 / 9, 1 / 9, 1 / 27, -1 / 9]], rtol=1e-15)


def test_box_losses_at_a_perfect_prediction_and_at_ties():
    # ℓ = 0 exactly, and the subgradient 0: at an edge on the target's edge neither side counts
    box = [[0.5, -1.0, 2.0, 3.0]]
    for loss in (lossref.giou, lossref.diou, lossref.ciou):
        assert loss(box, box) == 0.0
        assert loss.grad(box, box).tolist() == [[0.0, 0.0, 0.0, 0.0]]
    # a hair apart: 1 − IoU is computed from the non-overlapping strips, not as 1 − I/U
    b, g = [[1e-12, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]]
    assert lossref.giou(b, g) == pytest.approx(1e-12 / 1.0, rel=1e-11)  # 1 − (1 − 1e-12)/1


@pytest.mark.parametrize("name", ["giou", "diou", "ciou"])
def test_box_losses_reject_inverted_boxes(name):
    loss = lossref.get(name)
    with pytest.raises(ValueError, match=re.escape("pred_boxes must have x1 < x2 and y1 < y2 in every box")):
        loss([[1.0, 0.0, 0.5, 1.0]], [[0.0, 0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=re.escape("true_boxes must have x1 < x2 and y1 < y2")):
        loss([[0.0, 0.0, 1.0, 1.0]], [[0.0, 2.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=re.escape("pred_boxes must have shape (..., 4)")):
        loss([[0.0, 0.0, 1.0]], [[0.0, 0.0, 1.0]])


def test_total_variation_by_hand():
    # image 1: [[0, 1], [3, 1]]: vertical |3 − 0| + |1 − 1|, horizontal |1 − 0| + |1 − 3|: 6;
    # image 2 constant: 0. Channels add: a 2-channel image is the sum of its channels' TV
    imgs = np.array([[[0.0, 1.0], [3.0, 1.0]], [[5.0, 5.0], [5.0, 5.0]]])
    tv = lossref.total_variation
    assert tv(imgs, reduction="none").tolist() == [6.0, 0.0]
    assert tv(imgs) == 3.0
    # sign(x − up) − sign(down − x) + sign(x − left) − sign(right − x); sign(0) = 0 at the tie 1, 1
    assert tv.grad(imgs[:1], reduction="sum").tolist() == [[[-2.0, 1.0], [2.0, -1.0]]]
    assert tv(imgs[None].transpose(1, 0, 2, 3)[:1], reduction="none").tolist() == [6.0]  # (1, 2, 2, 2)
    with pytest.raises(ValueError, match=re.escape("images must be a batch of images, shape (N, H, W)")):
        tv(np.zeros((4, 4)))


def test_perceptron_by_hand():
    # max(0, −y f): right sign 0, wrong sign |f|; f = 0 costs 0 with gradient 0 (lossref's kink rule)
    f, y = np.array([2.0, -0.5, 3.0, 0.0]), np.array([1.0, 1.0, -1.0, -1.0])
    assert lossref.perceptron(f, y, reduction="none").tolist() == [0.0, 0.5, 3.0, 0.0]
    assert lossref.perceptron(f, y) == 0.875  # 3.5 / 4
    assert lossref.perceptron.grad(f, y, reduction="sum").tolist() == [0.0, -1.0, 1.0, 0.0]
    # the hinge loss with margin 0
    assert (
        lossref.perceptron(f, y, reduction="none").tolist()
        == lossref.hinge(f, y, margin=0.0, reduction="none").tolist()
    )
    with pytest.raises(ValueError, match="labels must be -1 or"):
        lossref.perceptron(f, (y + 1) / 2)


# --- issue 20: preference optimisation -----------------------------------------------------


def test_simpo_by_hand():
    # β = 2, γ = 1: averages −3/2 and −4/2 give Δ = 0.5, so βΔ − γ = 0 and ℓ = log 2
    pc, pr, lc, lr = np.array([-3.0]), np.array([-4.0]), np.array([2.0]), np.array([2.0])
    assert lossref.simpo(pc, pr, lc, lr) == pytest.approx(math.log(2), rel=1e-15)
    # ∂ℓ/∂log π(y_c) = −β σ(0) / |y_c| = −0.5, and +0.5 for the rejected response
    assert lossref.simpo.grad(pc, pr, lc, lr, reduction="sum").tolist() == [-0.5]
    assert lossref.simpo.grad(pc, pr, lc, lr, reduction="sum", argnum=1).tolist() == [0.5]
    # only the averages count: −30/20 and −20/10 are the same pair
    assert lossref.simpo([-30.0], [-20.0], [20.0], [10.0]) == pytest.approx(math.log(2), rel=1e-15)
    # β = 1, γ = 0, Δ = log 3: softplus(−log 3) = log(4/3)
    assert lossref.simpo([math.log(3) - 5.0], [-5.0], [1.0], [1.0], beta=1.0, gamma=0.0) == pytest.approx(
        math.log(4 / 3), rel=1e-14
    )
    with pytest.raises(ValueError, match="chosen_lengths must be token counts >= 1"):
        lossref.simpo(pc, pr, [0.0], lr)


def test_ipo_by_hand():
    # τ = 0.1: target h = 5; h = (−10 + 12) − (−20 + 19) = 3, so ℓ = (3 − 5)² = 4
    pc, pr, rc, rr = (np.array([v]) for v in (-10.0, -20.0, -12.0, -19.0))
    assert lossref.ipo(pc, pr, rc, rr) == 4.0
    assert lossref.ipo.grad(pc, pr, rc, rr, reduction="sum").tolist() == [-4.0]  # 2(h − 5)
    assert lossref.ipo.grad(pc, pr, rc, rr, reduction="sum", argnum=1).tolist() == [4.0]
    # at the target the loss and its gradient vanish; beyond it IPO pulls h back (DPO never does)
    assert lossref.ipo([-10.0], [-20.0], [-12.0], [-17.0]) == 0.0
    assert lossref.ipo.grad([-4.0], [-20.0], [-12.0], [-19.0], reduction="sum").tolist() == [8.0]
    # τ = 0.5: target 1; h = 0 costs 1
    assert lossref.ipo([-3.0], [-3.0], [-3.0], [-3.0], tau=0.5) == 1.0


def test_sparsemax_loss_by_hand():
    # z = (1, ½, −1): 1 + 2·½ > 1 + ½ but 1 + 3·(−1) < ½, so S = {0, 1}, τ = (1 + ½ − 1)/2 = ¼,
    # p = (¾, ¼, 0). ℓ = −z_y + ½ Σ_S (z_j² − τ²) + ½ = −z_y + ½ (1 + ¼ − ⅛) + ½ = 1.0625 − z_y
    z = [[1.0, 0.5, -1.0]] * 3
    loss = lossref.sparsemax_loss
    assert loss(z, [0, 1, 2], reduction="none").tolist() == [0.0625, 0.5625, 2.0625]
    assert loss.grad(z, [0, 1, 2], reduction="sum").tolist() == [
        [-0.25, 0.25, 0.0],
        [0.75, -0.75, 0.0],
        [0.75, 0.25, -1.0],  # y outside the support: its gradient is −1, the full pull
    ]
    # a lead of 2 >= 1: p = e_0 and ℓ = 0 exactly, where cross-entropy is still > 0; y = 1 then
    # costs −1 + ½ (9 − 4) + ½ = 2 (τ = 3 − 1)
    assert loss([[3.0, 1.0, 0.0]] * 2, [0, 1], reduction="none").tolist() == [0.0, 2.0]
    assert loss.grad([[3.0, 1.0, 0.0]], [0], reduction="sum").tolist() == [[0.0, 0.0, 0.0]]
    # uniform over 4 classes: p = ¼, τ = −¼: ½ (0 − 4/16) + ½ = 0.375
    assert loss([[5.0, 5.0, 5.0, 5.0]], [2]) == 0.375
    # two classes, logits (0, t), y = 1: (1 − t)²/4 for |t| < 1, −t below −1, 0 above 1
    t = np.array([0.5, -2.0, 1.5, 0.0])
    pairs = np.stack([np.zeros_like(t), t], axis=-1)
    assert loss(pairs, [1, 1, 1, 1], reduction="none").tolist() == [0.0625, 2.0, 0.0, 0.25]


def test_sparsemax_loss_at_large_logits_keeps_its_quarters():
    # z = (1e8, 1e8 − ½, 0): the support is the first two, p = (¾, ¼, 0); a naive
    # ½ Σ (z_j² − τ²) would subtract numbers of 1e16 and lose every digit of the answer
    z = [[1e8, 1e8 - 0.5, 0.0]] * 3
    # y = 2 is outside the support: ½ (9/16 + 1/16 + 1) + (τ − z_2) = 0.8125 + 1e8 − 0.75
    assert lossref.sparsemax_loss(z, [0, 1, 2], reduction="none").tolist() == [0.0625, 0.5625, 1e8 + 0.0625]
    with pytest.raises(ValueError, match=re.escape("labels must be in [0, 3)")):
        lossref.sparsemax_loss(z, [0, 1, 3])


def test_ordinal_logistic_by_hand():
    loss = lossref.ordinal_logistic
    # K = 4, y = 1: targets [y > k] = (1, 0, 0); at z = 0 each task costs log 2, slope σ(0) − t
    assert loss([[0.0, 0.0, 0.0]], [1]) == pytest.approx(3 * math.log(2), rel=1e-15)
    assert loss.grad([[0.0, 0.0, 0.0]], [1]).tolist() == [[-0.5, 0.5, 0.5]]
    # z = (2, 0, −2): y = 2 (targets 1, 1, 0) costs softplus(−2) + log 2 + softplus(−2); y = 0
    # (targets 0, 0, 0) replaces the first softplus(−2) by softplus(2) = 2 + softplus(−2)
    sp = math.log1p(math.exp(-2.0))
    z = [[2.0, 0.0, -2.0]] * 4
    # y = 1 (1, 0, 0) costs the same as y = 2; y = 3 (1, 1, 1) the same as y = 0
    expected = [
        2 + 2 * sp + math.log(2),
        2 * sp + math.log(2),
        2 * sp + math.log(2),
        2 + 2 * sp + math.log(2),
    ]
    np.testing.assert_allclose(loss(z, [0, 1, 2, 3], reduction="none"), expected, rtol=1e-15)
    # task weights scale each threshold's term; a weight of 0 drops it
    assert loss([[0.0, 5.0, 0.0]], [1], task_weights=[2.0, 0.0, 1.0]) == pytest.approx(
        3 * math.log(2), rel=1e-15
    )
    # saturated: a right side costs ~e^{-1e4} (0), a wrong one 1e4 per task
    assert loss([[1e4, 1e4, -1e4]], [2]) == 0.0
    assert loss([[1e4, 1e4, -1e4]], [0]) == 2e4


def test_ordinal_logistic_matches_the_coral_pytorch_docstring():
    # coral-pytorch 1.2.0, coral_pytorch/losses.py, coral_loss's example (float32): levels
    # (1, 1, 0, 0), (1, 0, 0, 0), (1, 1, 1, 1) are the labels 2, 1, 4 of K = 5; it prints 0.6920
    logits = [[2.1, 1.8, -2.1, -1.8], [1.9, -1.0, -1.5, -1.3], [1.9, 1.8, 1.7, 1.6]]
    assert round(lossref.ordinal_logistic(logits, [2, 1, 4]), 4) == 0.6920


def test_ordinal_logistic_labels_run_from_0_to_the_number_of_logits():
    loss = lossref.ordinal_logistic
    z = np.zeros((2, 3))
    assert loss(z, [0, 3], reduction="none").tolist() == [3 * math.log(2)] * 2  # K − 1 = 3 is a class
    with pytest.raises(ValueError, match=re.escape("labels must be in [0, 3] (K = 4 ordered classes")):
        loss(z, [0, 4])
    with pytest.raises(ValueError, match=re.escape("labels has shape (3,) but (2,) was expected")):
        loss(z, [0, 1, 2])
    with pytest.raises(TypeError, match="labels must be integer class indices"):
        loss(z, [0.0, 1.0])


def test_sparsemax_loss_is_accurate_to_its_condition_number():
    # random rows at five scales, a third with a runner-up less than 1 behind (the loss near 0):
    # against mpmath (tests/mp_reference.py, from the paper's formula), the relative error stays
    # within a few ulps times κ = Σ_j |z_j ∂ℓ/∂z_j| / ℓ, the error an ulp of each logit alone causes
    from mp_reference import sparsemax_loss as exact

    rng = np.random.default_rng(19)
    eps = np.finfo(float).eps
    for scale in (1e-3, 1.0, 30.0, 1e4, 1e8):
        z = rng.normal(size=(100, 4)) * scale
        z[::3, 1] = z[::3, 0] - rng.uniform(0.0, 1.0, size=34)
        y = rng.integers(0, 4, size=100)
        ours = lossref.sparsemax_loss(z, y, reduction="none")
        kappa = (np.abs(z * lossref.sparsemax_loss.grad(z, y, reduction="sum")).sum(axis=1)) / np.where(
            ours > 0, ours, 1.0
        )
        with mp.workdps(50):
            for row, label, value, k in zip(z, y, ours, kappa, strict=True):
                reference = exact([mp.mpf(float(v)) for v in row], int(label))
                assert abs(value - reference) <= 8 * eps * (1 + k) * abs(reference), (row, label)


# --- issue 20: auxiliary losses ------------------------------------------------------------


def test_z_loss_by_hand():
    # two equal logits: Z = 2, ℓ = log² 2, ∂ℓ/∂z = 2 log 2 · (½, ½) = (log 2, log 2)
    assert lossref.z_loss([[0.0, 0.0]]) == pytest.approx(math.log(2) ** 2, rel=1e-15)
    assert lossref.z_loss.grad([[0.0, 0.0]])[0].tolist() == pytest.approx([math.log(2)] * 2, rel=1e-15)
    # a row of log-probabilities: log Z = 0, so no loss and no gradient
    assert lossref.z_loss(np.log([[0.5, 0.25, 0.25]])) == pytest.approx(0.0, abs=1e-30)
    # a shift c of every logit adds c to log Z: (log 3 + c)², the softmax unchanged
    for c in (-3.0, 10.0):
        assert lossref.z_loss([[c, c, c]]) == pytest.approx((math.log(3) + c) ** 2, rel=1e-14)
    # huge logits: log Z = 1e150 exactly (the others' share underflows), no overflow
    assert lossref.z_loss([[1e150, 1.0, -1e150]]) == pytest.approx(1e300, rel=1e-15)
    # the mean over rows: (log² 2 + 0) / 2
    assert lossref.z_loss([[0.0, 0.0], [-0.5 * math.log(4), -0.5 * math.log(4)]]) == pytest.approx(
        math.log(2) ** 2 / 2, rel=1e-14
    )


def test_proxy_anchor_by_hand():
    # proxies (1, 0), (0, 1), (−1, 0); x = (1, 0), (0, 2), (0, −1) of classes 0, 1, 0; α = 1, δ = 0.
    # cosines: x0 → 1, 0, −1; x1 → 0, 1, 0; x2 → 0, −1, 0. Proxy 2 has no positive: P⁺ = {0, 1}.
    e = math.exp(-1.0)
    a0, a1 = math.log(2 + e), math.log(1 + e)  # log(1 + e^(−1) + e^(−0)), log(1 + e^(−1))
    b0, b1, b2 = math.log(2.0), math.log(2 + e), math.log(3 + e)  # log(1 + Σ e^(s)) over the others
    x, y = [[1.0, 0.0], [0.0, 2.0], [0.0, -1.0]], [0, 1, 0]
    p = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]
    expected = (a0 + a1) / 2 + (b0 + b1 + b2) / 3
    assert lossref.proxy_anchor(x, y, p, alpha=1.0, margin=0.0) == pytest.approx(expected, rel=1e-15)
    per_proxy = lossref.proxy_anchor(x, y, p, alpha=1.0, margin=0.0, reduction="none")
    np.testing.assert_allclose(per_proxy, [1.5 * a0 + b0, 1.5 * a1 + b1, b2], rtol=1e-15)
    assert lossref.proxy_anchor(x, y, p, alpha=1.0, margin=0.0, reduction="sum") == pytest.approx(
        3 * expected
    )
    # δ = 0.1 shifts every exponent by α·δ: positives e^(−(s − 0.1)), negatives e^(s + 0.1)
    shifted = (math.log(1 + math.exp(-0.9) + math.exp(0.1)) + math.log(1 + math.exp(-0.9))) / 2 + (
        math.log(1 + math.exp(0.1))
        + math.log(1 + math.exp(0.1) + math.exp(-0.9))
        + math.log(1 + math.exp(-0.9) + 2 * math.exp(0.1))
    ) / 3
    assert lossref.proxy_anchor(x, y, p, alpha=1.0) == pytest.approx(shifted, rel=1e-14)
    with pytest.raises(ValueError, match=re.escape("labels must be in [0, 3) (one proxy per class); got 3")):
        lossref.proxy_anchor(x, [0, 1, 3], p)
    with pytest.raises(ValueError, match=re.escape("proxies must have shape (C, 2), one row per class")):
        lossref.proxy_anchor(x, y, [[1.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="proxies has a zero vector"):
        lossref.proxy_anchor(x, y, [[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])


def test_proxy_nca_by_hand():
    # proxies (1, 0), (0, 1), (−1, 0); x = (2, 0) of class 0, (0, 3) of class 0, (1, 1) of class 1; s = 1.
    # squared distances of unit vectors: x0 → 0, 2, 4; x1 → 2, 0, 2; x2 → 2 − √2, 2 − √2, 2 + √2
    p = [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]
    x, y = [[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]], [0, 0, 1]
    r = math.sqrt(2.0)
    expected = [
        math.log1p(math.exp(-2) + math.exp(-4)),  # −log(e⁰ / (e⁰ + e⁻² + e⁻⁴))
        math.log(math.exp(-2) + 1 + math.exp(-2)) + 2,  # −log(e⁻² / (e⁻² + e⁰ + e⁻²))
        math.log(2 + math.exp(-2 * r)),  # −log(e^(−(2−√2)) / (2e^(−(2−√2)) + e^(−(2+√2))))
    ]
    np.testing.assert_allclose(lossref.proxy_nca(x, y, p, reduction="none"), expected, rtol=1e-15)
    # a scale s multiplies every distance: x0 with s = 2 is log(1 + e⁻⁴ + e⁻⁸)
    assert lossref.proxy_nca(x[:1], y[:1], p, scale=2.0) == pytest.approx(
        math.log1p(math.exp(-4) + math.exp(-8)), rel=1e-15
    )
    # the paper's denominator leaves the positive proxy out: ℓ + log(1 − q_y), negative for x0
    q_y = 1 / (1 + math.exp(-2) + math.exp(-4))
    paper = -math.log(1.0 / (math.exp(-2) + math.exp(-4)))
    assert lossref.proxy_nca(x[:1], y[:1], p) + math.log(1 - q_y) == pytest.approx(paper, rel=1e-14)
    assert paper < 0
    # the gradient by x0: 2s (I − x̂x̂ᵀ)/‖x‖ Σ_c (q_c − [c = y]) p̂_c; only the (0, 1) component survives,
    # where it is 2·q₁/2 = q₁ = e⁻² q_y
    g = lossref.proxy_nca.grad(x[:1], y[:1], p, reduction="sum")
    np.testing.assert_allclose(g, [[0.0, math.exp(-2) * q_y]], rtol=1e-14, atol=1e-300)
    with pytest.raises(ValueError, match=re.escape("labels must be in [0, 3) (one proxy per class); got -1")):
        lossref.proxy_nca(x, [0, -1, 1], p)


def test_nca_by_hand():
    # points 0, 1, 3 on a line, classes 0, 0, 1; squared distances 1 (0–1), 9 (0–3), 4 (1–3); s = 1.
    x, y = [[0.0], [1.0], [3.0]], [0, 0, 1]
    expected = [
        math.log1p(math.exp(-8)),  # −log(e⁻¹ / (e⁻¹ + e⁻⁹))
        math.log1p(math.exp(-3)),  # −log(e⁻¹ / (e⁻¹ + e⁻⁴))
        0.0,  # no class-mate: left out of the mean
    ]
    np.testing.assert_allclose(lossref.nca(x, y, reduction="none"), expected, rtol=1e-15)
    assert lossref.nca(x, y) == pytest.approx((expected[0] + expected[1]) / 2, rel=1e-15)
    # s = 2 doubles every exponent
    assert lossref.nca(x, y, scale=2.0, reduction="none")[0] == pytest.approx(
        math.log1p(math.exp(-16)), rel=1e-15
    )
    # the gradient of the sum by point 0, which rows 0 and 1 both depend on (z_ij = −(x_i − x_j)²):
    # ∂ℓ₀/∂x₀ = −2(w₀₁(x₀ − x₁) + w₀₂(x₀ − x₂)) with w₀₁ = p₀₁ − 1 = −q, w₀₂ = p₀₂ = q = e⁻⁸/(1 + e⁻⁸);
    # ∂ℓ₁/∂x₀ = w₁₀ · ∂z₁₀/∂x₀ with w₁₀ = p₁₀ − 1 = −r, r = e⁻³/(1 + e⁻³), ∂z₁₀/∂x₀ = 2(x₁ − x₀)
    q, r = math.exp(-8) / (1 + math.exp(-8)), math.exp(-3) / (1 + math.exp(-3))
    d_l0 = -2 * (-q * (0 - 1) + q * (0 - 3))  # ∂ℓ₀/∂x₀
    d_l1 = -r * 2 * (1 - 0)  # ∂ℓ₁/∂x₀
    assert lossref.nca.grad(x, y, reduction="sum")[0, 0] == pytest.approx(d_l0 + d_l1, rel=1e-13)
    with pytest.raises(ValueError, match="no two rows of labels are equal"):
        lossref.nca(x, [0, 1, 2])
    with pytest.raises(ValueError, match="overflows float64"):
        lossref.nca([[1e200], [0.0]], [0, 0])


def test_nca_matches_scikit_learn_objective():
    # scikit-learn 1.9.1's NeighborhoodComponentsAnalysis maximises Goldberger et al.'s other objective,
    # Σ_i Σ_{j∈P(i)} p_ij (sklearn/neighbors/_nca.py, _loss_grad_lbfgs), which is Σ_i e^(−ℓ_i)
    from sklearn.neighbors import NeighborhoodComponentsAnalysis

    rng = np.random.default_rng(19)
    x, labels = rng.normal(size=(8, 3)), np.array([0, 1, 2, 0, 1, 2, 0, 1])
    est = NeighborhoodComponentsAnalysis()
    est.n_iter_, est.verbose = 1, 0  # set by fit(); the objective reads them
    objective, _ = est._loss_grad_lbfgs(np.eye(3).ravel(), x, labels[:, None] == labels[None, :])
    per_row = lossref.nca(x, labels, reduction="none")
    assert objective == pytest.approx(np.exp(-per_row).sum(), rel=1e-13)
    assert objective != pytest.approx(-per_row.sum(), rel=1e-2)  # the log-likelihood is another number


def test_proxy_nca_is_a_cosine_classifier(rng):
    # the page's claim: −s‖x̂ − p̂‖² = 2s·cos − 2s, so Proxy-NCA is softmax cross-entropy on the
    # logits 2s·cos(x, p_c): CosFace with no margin and scale 2s, on cosines computed here
    x, p, y = rng.normal(size=(7, 5)), rng.normal(size=(4, 5)), np.array([0, 3, 1, 1, 2, 0, 3])
    cos = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (p / np.linalg.norm(p, axis=1, keepdims=True)).T
    np.testing.assert_allclose(
        lossref.proxy_nca(x, y, p, scale=1.5, reduction="none"),
        lossref.cosface(cos, y, scale=3.0, margin=0.0, reduction="none"),
        rtol=1e-13,
    )


def test_orpo_by_hand():
    # p_c = 2/3 (odds 2), p_r = 1/3 (odds 1/2): log odds ratio log 4, σ(−log 4) = 1/5; λ = 1
    pc, pr, one = np.array([math.log(2 / 3)]), np.array([math.log(1 / 3)]), np.array([1.0])
    assert lossref.orpo(pc, pr, one, one, lam=1.0) == pytest.approx(math.log(1.5 * 1.25), rel=1e-15)
    # −(1 + λσ(−x)/(1 − p_c)) = −(1 + 0.2·3) and +λσ(−x)/(1 − p_r) = 0.2·3/2
    assert lossref.orpo.grad(pc, pr, one, one, lam=1.0, reduction="sum")[0] == pytest.approx(-1.6, rel=1e-15)
    assert lossref.orpo.grad(pc, pr, one, one, lam=1.0, reduction="sum", argnum=1)[0] == pytest.approx(
        0.3, rel=1e-15
    )
    # two tokens with the same mean: the same loss, half the gradient per summed log-probability
    assert lossref.orpo(2 * pc, pr, 2 * one, one, lam=1.0) == pytest.approx(math.log(1.875), rel=1e-15)
    assert lossref.orpo.grad(2 * pc, pr, 2 * one, one, lam=1.0, reduction="sum")[0] == pytest.approx(-0.8)
    # m̄_c = −1e-300: odds 1e300, so log(1 − e^m̄) = log(1e-300), which a naive log(1 − exp)
    # makes −inf; ℓ = 1e-300 + 0.1·σ(−x) ≈ 1.1e-300 and ∂ℓ/∂m̄_c = −(1 + 0.1·1e-300/1e-300) = −1.1
    half = [math.log(0.5)]
    assert lossref.orpo([-1e-300], half, [1.0], [1.0]) == pytest.approx(1.1e-300, rel=1e-12)
    assert lossref.orpo.grad([-1e-300], half, [1.0], [1.0], reduction="sum")[0] == pytest.approx(
        -1.1, rel=1e-12
    )
    # m̄ = −1e4 for both: odds e^−1e4 each (log1p(−e^m̄) = 0), ratio 1: ℓ = 1e4 + 0.1 log 2
    assert lossref.orpo([-1e4], [-1e4], [1.0], [1.0]) == pytest.approx(1e4 + 0.1 * math.log(2), rel=1e-15)
    assert lossref.orpo.grad([-1e4], [-1e4], [1.0], [1.0], reduction="sum")[0] == pytest.approx(
        -1.05, rel=1e-15
    )
    with pytest.raises(ValueError, match="policy_chosen_logps must be log-probabilities < 0"):
        lossref.orpo([0.0], half, [1.0], [1.0])


def test_kto_by_hand():
    # β = 1, z₀ = 0, r = log 3 for both: desirable 1 − σ(log 3) = 1/4, undesirable 1 − σ(−log 3) = 3/4
    policy, ref, desirable = np.array([math.log(3) - 5.0] * 2), np.array([-5.0, -5.0]), np.array([1, 0])
    kw = {"reference_point": 0.0, "beta": 1.0}
    np.testing.assert_allclose(
        lossref.kto(policy, ref, desirable, reduction="none", **kw), [0.25, 0.75], rtol=1e-15
    )
    # ∓β σ(v) σ(−v) = ∓(3/4)(1/4)
    np.testing.assert_allclose(
        lossref.kto.grad(policy, ref, desirable, reduction="sum", **kw), [-3 / 16, 3 / 16], rtol=1e-15
    )
    # λ_D = 2, λ_U = 0.5: (0.5 + 0.375) / 2, the mean over responses (TRL's too)
    assert lossref.kto(
        policy, ref, desirable, desirable_weight=2.0, undesirable_weight=0.5, **kw
    ) == pytest.approx(0.4375, rel=1e-15)
    # a per-response z₀ (an array): z₀ = log 3 puts the desirable response at 1 − σ(0)
    assert lossref.kto(
        policy, ref, desirable, reference_point=np.array([math.log(3), 0.0]), beta=1.0, reduction="none"
    )[0] == pytest.approx(0.5, rel=1e-15)
    # z₀ is a constant: the gradient does not include ∂z₀/∂log π even when z₀ is the batch's own mean
    z0 = float(np.mean(policy - ref))
    np.testing.assert_allclose(
        lossref.kto.grad(policy, ref, desirable, reference_point=z0, beta=1.0, reduction="sum"),
        [-0.25, 0.25],  # r = z₀: ∓σ(0)²
        rtol=1e-15,
    )
    # r − z₀ = 40, desirable: 1 − σ(40) = e^−40/(1 + e^−40) ≈ 4.2e-18, where 1 − σ rounds to 0
    tail = lossref.kto([-1.0], [-41.0], [True], reference_point=0.0, beta=1.0)
    assert tail == pytest.approx(math.exp(-40) / (1 + math.exp(-40)), rel=1e-15)
    with pytest.raises(
        ValueError, match=re.escape("reference_point must be a number or have the responses' shape")
    ):
        lossref.kto(policy, ref, desirable, reference_point=np.zeros(3))
    with pytest.raises(ValueError, match="desirable must be 0 or 1"):
        lossref.kto(policy, ref, [1, 2], reference_point=0.0)


def test_circle_by_hand():
    # x0 = (1, 0), x1 = (0.6, 0.8) share label 0; x2 = (0, 1) is alone in label 1. γ = 1, m = 0.25:
    # Δ_p = 0.75, Δ_n = 0.25. Anchor 0: s_p = 0.6, α_p = 0.65, exponent −0.65·(0.6 − 0.75) = 0.0975;
    # s_n = 0, α_n = 0.25, exponent 0.25·(0 − 0.25) = −0.0625: ℓ = log(1 + e^0.035) = 0.7108003.
    # Anchor 1: the same positive, s_n = 0.8, α_n = 1.05, exponent 1.05·0.55 = 0.5775:
    # ℓ = log(1 + e^0.675) = 1.0865508. Anchor 2 has no positive: 0, and out of the mean.
    x, y = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], [0, 0, 1]
    values = lossref.circle(x, y, gamma=1.0, margin=0.25, reduction="none")
    np.testing.assert_allclose(values, [0.71080032, 1.08655083, 0.0], atol=1e-8)
    assert lossref.circle(x, y, gamma=1.0, margin=0.25) == pytest.approx((0.71080032 + 1.08655083) / 2)
    # scaling a row changes nothing (cosines); γ = 1e4 stays finite (exponents of ±5e3)
    np.testing.assert_allclose(
        lossref.circle(np.array(x) * [[3.0], [0.5], [7.0]], y, gamma=1.0, margin=0.25, reduction="none"),
        values,
        rtol=1e-14,
    )
    assert np.isfinite(lossref.circle.grad(x, y, gamma=1e4)).all()
    # a batch of one class has no negatives: no anchor counts, the mean is refused
    with pytest.raises(ValueError, match="no anchor has both a positive"):
        lossref.circle(x, [0, 0, 0])


def test_multi_similarity_by_hand():
    # x0 = (1, 0), x1 = (0.6, 0.8) label 0; x2 = (0, 1) label 1; α = 1, β = 2, λ = 0.5.
    # Positive term, anchors 0 and 1 (s_p = 0.6): log(1 + e^{−0.1}) = 0.6443967.
    # Anchor 0: s_n = 0, ½ log(1 + e^{−1}) = 0.1566309 → 0.8010275; anchor 1: s_n = 0.8,
    # ½ log(1 + e^{0.6}) = 0.5187440 → 1.1631406; anchor 2 (no positive: 0) has negatives at
    # s = 0 and 0.8: ½ log(1 + e^{−1} + e^{0.6}) = 0.5800102. Mean 0.8480594.
    x, y = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], [0, 0, 1]
    values = lossref.multi_similarity(x, y, alpha=1.0, beta=2.0, base=0.5, reduction="none")
    np.testing.assert_allclose(values, [0.80102750, 1.16314064, 0.58001018], atol=1e-8)
    assert lossref.multi_similarity(x, y, alpha=1.0, beta=2.0, base=0.5) == pytest.approx(0.84805944)
    # a batch of distinct labels has no positives: only the negative terms; one class: only positives
    assert lossref.multi_similarity(x, [0, 1, 2], alpha=1.0, beta=2.0, base=0.5, reduction="none")[0] == (
        pytest.approx(0.5 * np.log(1 + np.exp(-1.0) + np.exp(2 * (0.6 - 0.5))))
    )
    # β = 1e4 stays finite (exponents of 1e4)
    assert np.isfinite(lossref.multi_similarity.grad(x, y, beta=1e4, base=0.0)).all()


def test_lifted_structure_by_hand():
    lifted_structure = lossref.lifted_structure
    # x0 = (0, 0), x1 = (1, 0) label 0; x2 = (0, 2) label 1; α = 1. One positive pair, D = 1;
    # the negatives are at D_02 = 2 and D_12 = √5: J = log(e^{1−2} + e^{1−√5}) + 1 = 0.5820631.
    # Sum over positive pairs of [J]_+² = 0.3387974; mean 1/(2|P|)·that = J²/2 = 0.1693987.
    x, y = [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], [0, 0, 1]
    np.testing.assert_allclose(
        lifted_structure(x, y, reduction="none"), [0.16939872, 0.16939872, 0.0], atol=1e-8
    )
    assert lifted_structure(x, y) == pytest.approx(0.16939872)
    assert lifted_structure(x, y, reduction="sum") == pytest.approx(0.33879744)
    # ∂(J²)/∂x2 = −2J (w0 (x2 − x0)/2 + w1 (x2 − x1)/√5), w0 = e^{−1}/(e^{−1} + e^{1−√5}) = 0.5587444
    g = lifted_structure.grad(x, y, reduction="sum")
    np.testing.assert_allclose(g[2], [0.22972341, -1.10989584], atol=1e-8)
    # far negatives (distances of 1000): a naive Σ e^{α − D} underflows to 0 and J to −inf
    # J = log(e^{1−999} + e^{1−1413.6}) + 1000 = 2 (+1e-180): J²/2 = 2
    assert lifted_structure([[0.0, 0.0], [1000.0, 0.0], [0.0, 999.0]], y) == pytest.approx(2.0, rel=1e-14)
    # coincident rows: the distance's gradient is 0 there, and the value is finite
    assert np.isfinite(lifted_structure.grad([[0.0, 0.0], [0.0, 0.0], [0.0, 2.0]], y)).all()
    with pytest.raises(ValueError, match="no positive pair"):
        lifted_structure(x, [0, 1, 2])


def test_circle_kink_takes_the_inactive_side():
    # x2 = (−3, 4) has cosine −0.6 (exact in float64) with x0 = (1, 0) and x1 = (2, 0): with m = 0.6,
    # α_n = [s_n + m]_+ sits exactly at its kink. The slope is taken where α_n = 0: x2 gets no gradient.
    # Anchors 0 and 1: positive exponent −0.6·(1 − 0.4) = −0.36, negative exponent 0 → log(1 + e^{−0.36}).
    x, y = [[1.0, 0.0], [2.0, 0.0], [-3.0, 4.0]], [0, 0, 1]
    assert lossref.circle(x, y, gamma=1.0, margin=0.6) == pytest.approx(0.5292604490, rel=1e-9)
    assert lossref.circle.grad(x, y, gamma=1.0, margin=0.6)[2].tolist() == [0.0, 0.0]


def test_ssim_by_hand():
    # flat images have σ = 0, so SSIM is the luminance term (2μxμy + C₁)/(μx² + μy² + C₁):
    # μx = 0.5, μy = 0.3, C₁ = 1e-4: 1 − 0.3001/0.3401 = 0.04/0.3401
    x, y = np.full((1, 11, 11), 0.5), np.full((1, 11, 11), 0.3)
    assert lossref.ssim(x, y) == pytest.approx(0.04 / 0.3401, rel=1e-14)
    # a wider image has more window positions, all equal; a second, identical channel halves it
    assert lossref.ssim(np.full((1, 11, 14), 0.5), np.full((1, 11, 14), 0.3)) == pytest.approx(
        0.04 / 0.3401, rel=1e-14
    )
    two = np.stack([np.full((11, 11), 0.5), np.full((11, 11), 0.3)])[None]
    assert lossref.ssim(two, np.full_like(two, 0.3)) == pytest.approx(0.02 / 0.3401, rel=1e-14)
    # a uniform shift t of x moves only μx: d/dt = −2(μy B₁ − μx A₁)/B₁² = 2·0.04802/0.3401², shared
    # among the pixels by the Gaussian weights (corner/centre = e^{−2·25/(2·1.5²)})
    g = lossref.ssim.grad(x, y)
    assert g.sum() == pytest.approx(2 * (0.5 * 0.3001 - 0.3 * 0.3401) / 0.3401**2, rel=1e-12)
    assert g[0, 0, 0] / g[0, 5, 5] == pytest.approx(np.exp(-50 / 4.5), rel=1e-12)
    # data_range scales C₁ and C₂: L = 255 puts C₁ = 6.5025 beside the means
    assert lossref.ssim(x, y, data_range=255.0) == pytest.approx(0.04 / (0.34 + 6.5025), rel=1e-13)
    assert lossref.ssim(x, x) == 0.0
    assert not lossref.ssim.grad(x, x).any()
    with pytest.raises(ValueError, match="smaller than the 11 × 11 window"):
        lossref.ssim(np.zeros((1, 10, 11)), np.zeros((1, 10, 11)))


def test_hausdorff_dt_by_hand():
    # a 1 × 4 row: g = (1, 0, 0, 0) has d_g = (1, 1, 2, 3) (distance to the nearest pixel of the
    # other class); p > 0.5 = (1, 1, 0, 0) has d_p = (2, 1, 1, 2). α = 2: weights (5, 2, 5, 13)
    p, g = np.array([[[0.9, 0.8, 0.2, 0.1]]]), np.array([[[1.0, 0.0, 0.0, 0.0]]])
    loss = lossref.hausdorff_dt
    assert loss(p, g) == pytest.approx((0.01 * 5 + 0.64 * 2 + 0.04 * 5 + 0.01 * 13) / 4, rel=1e-14)
    # α = 1: weights (3, 2, 3, 5)
    assert loss(p, g, alpha=1.0) == pytest.approx((0.01 * 3 + 0.64 * 2 + 0.04 * 3 + 0.01 * 5) / 4, rel=1e-14)
    # the maps are constants: 2 (p − g) w / n
    np.testing.assert_allclose(loss.grad(p, g), [[[-0.2 * 5 / 4, 1.6 * 2 / 4, 0.4 * 5 / 4, 0.2 * 13 / 4]]])
    # 2-D: a diagonal neighbour is √2 away, so d² = 2; target a single centre pixel of a 3 × 3 mask,
    # prediction empty (p ≤ 0.5 everywhere: no boundary, d_p = 0)
    g2 = np.zeros((1, 3, 3))
    g2[0, 1, 1] = 1.0
    p2 = np.full((1, 3, 3), 0.5)
    # centre: d = 1 (its 4 neighbours), edges: 1, corners: √2 -> Σ (p − g)² d² = .25·1 + 4·.25·1 + 4·.25·2
    assert loss(p2, g2) == pytest.approx((0.25 + 1.0 + 2.0) / 9, rel=1e-14)
    # no foreground anywhere: both maps are 0, and so is the loss, whatever p is
    assert loss(np.full((2, 3, 3), 0.4), np.zeros((2, 3, 3)), reduction="none").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match=re.escape("targets must be a binary mask of 0 and 1; got 0.5")):
        loss(p, np.array([[[1.0, 0.5, 0.0, 0.0]]]))


@pytest.mark.parametrize(
    ("shape", "per_mask"),
    [((5, 7, 9), False), ((5, 16, 17), True), ((5, 3, 5, 6), False), ((5, 4, 8, 8), True)],
)
def test_hausdorff_dt_distance_transform_matches_one_mask_at_a_time(shape, per_mask):
    # small masks (under 256 pixels) share one transform over the batch, with a long spacing on
    # the batch axis; larger ones get one each. Both must equal SciPy's transform of each mask
    # alone (0 for masks without a boundary)
    from scipy.ndimage import distance_transform_edt

    from lossref._segmentation import _ONE_TRANSFORM_PER_MASK

    assert (np.prod(shape[1:]) >= _ONE_TRANSFORM_PER_MASK) == per_mask  # both paths are covered
    rng = np.random.default_rng(19)
    g = (rng.random(shape) < 0.3).astype(float)
    g[1], g[3] = 0.0, 1.0
    p = rng.uniform(0.02, 0.98, size=g.shape)
    expected = []
    for pi, gi in zip(p, g, strict=True):
        maps = [
            distance_transform_edt(m) + distance_transform_edt(~m) if m.any() and not m.all() else 0 * pi
            for m in (pi > 0.5, gi > 0.5)
        ]
        expected.append(np.mean((pi - gi) ** 2 * (maps[0] ** 2 + maps[1] ** 2)))
    np.testing.assert_allclose(lossref.hausdorff_dt(p, g, reduction="none"), expected, rtol=1e-14)


# --- issue 20: RL fine-tuning terms ----------------------------------------------------------


def test_entropy_bonus_by_hand():
    # p = (½, ½): −H = log ½, and the uniform row is the minimum: gradient 0
    assert lossref.entropy_bonus([[0.0, 0.0]]) == pytest.approx(-math.log(2), rel=1e-15)
    assert lossref.entropy_bonus.grad([[0.0, 0.0]]).tolist() == [[0.0, 0.0]]
    # p = (¾, ¼): −H = ¾ log ¾ + ¼ log ¼ = ¾ log 3 − log 4 = −0.5623351446188083;
    # ∂ℓ/∂z = ±p₁p₂(log p₁ − log p₂) = ±(3/16) log 3 = ±0.2059898...
    z = [[math.log(3), 0.0]]
    assert lossref.entropy_bonus(z) == pytest.approx(0.75 * math.log(3) - math.log(4), rel=1e-15)
    assert lossref.entropy_bonus(z) == pytest.approx(-0.5623351446188083, rel=1e-15)
    assert lossref.entropy_bonus.grad(z)[0].tolist() == pytest.approx([0.2059898, -0.2059898], rel=1e-6)
    # a deterministic policy (1e4 ahead): −H = 0 and no gradient, no NaN from 0 · log 0
    assert lossref.entropy_bonus([[1e4, 0.0, -1e4]]) == 0.0
    assert lossref.entropy_bonus.grad([[1e4, 0.0, -1e4]]).tolist() == [[0.0, 0.0, 0.0]]
    # four equal logits: −log 4; the mean over rows of −log 2 and −log 4
    assert lossref.entropy_bonus([[1.0] * 4]) == pytest.approx(-math.log(4), rel=1e-15)
    assert lossref.entropy_bonus([[0.0, 0.0, -1e4, -1e4], [1.0] * 4]) == pytest.approx(-1.5 * math.log(2))


def test_kl_penalty_by_hand():
    # ρ = π_ref/π = 2 (log π = −log 2, log π_ref = 0): k1 = −log 2, k2 = ½ log² 2, k3 = 2 − 1 − log 2
    x = math.log(2)
    kl = lossref.kl_penalty
    assert kl([-x], [0.0], estimator="k1") == pytest.approx(-0.6931471805599453, rel=1e-15)
    assert kl([-x], [0.0], estimator="k2") == pytest.approx(0.2402265069591007, rel=1e-15)
    assert kl([-x], [0.0]) == pytest.approx(0.3068528194400547, rel=1e-15)
    # gradients by log π: 1, −log ρ, 1 − ρ
    assert kl.grad([-x], [0.0], estimator="k1").tolist() == [1.0]
    assert kl.grad([-x], [0.0], estimator="k2").tolist() == pytest.approx([-x], rel=1e-15)
    assert kl.grad([-x], [0.0]).tolist() == pytest.approx([-1.0], rel=1e-15)
    # the worked example: π = (.5, .3, .2), π_ref = (.2, .3, .5); E_π[k1] = E_π[k3] = 0.3 log 2.5,
    # E_π[k2] = 0.7 · ½ log² 2.5 (biased)
    pi, ref = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    for est, mean in (
        ("k1", 0.3 * math.log(2.5)),
        ("k2", 0.35 * math.log(2.5) ** 2),
        ("k3", 0.3 * math.log(2.5)),
    ):
        values = kl(np.log(pi), np.log(ref), estimator=est, reduction="none")
        assert pi @ values == pytest.approx(mean, rel=1e-14), est
    # log ρ = 1e-8 (exact in float64 here): k3 = x²/2 + x³/6 + ..., where e^x − 1 − x gives 0
    lp, rp = -2.0, -2.0 + 2.0**-27
    x = rp - lp
    assert kl([lp], [rp]) == pytest.approx(x * x / 2 + x**3 / 6, rel=1e-15)
    # ρ = e^{700}: k3 = e^700 − 701 (finite), gradient 1 − e^700; ρ = e^{-700}: k3 = 699
    assert kl([-700.0], [0.0]) == pytest.approx(math.exp(700.0), rel=1e-13)
    assert kl([0.0], [-700.0]) == pytest.approx(699.0, rel=1e-15)
    assert kl.grad([0.0], [-700.0]).tolist() == pytest.approx([1.0], rel=1e-15)


def test_kl_penalty_rejects_an_unknown_estimator():
    with pytest.raises(ValueError, match="estimator must be 'k1', 'k2' or 'k3'; got 'k4'"):
        lossref.kl_penalty([-1.0], [-1.0], estimator="k4")


def test_ppo_value_by_hand():
    # V_old = 0, R = 1, ε = 0.2: inside the range ½(V − R)²; past +ε towards R the clipped error
    # (0.2 − 1)² = 0.64 is larger and the gradient is 0; away from R, or past 2R − 0.2 = 1.8, the
    # unclipped error is larger
    pv = lossref.ppo_value
    V, old, R = [0.1, 0.5, -0.5, 2.0], [0.0] * 4, [1.0] * 4
    assert pv(V, old, R, reduction="none").tolist() == pytest.approx([0.405, 0.32, 1.125, 0.5], rel=1e-15)
    assert pv.grad(V, old, R, reduction="sum").tolist() == pytest.approx([-0.9, 0.0, -1.5, 1.0], rel=1e-15)
    # clip=None: ½(V − R)², gradient V − R everywhere
    assert pv(V, old, R, clip=None, reduction="none").tolist() == pytest.approx([0.405, 0.125, 1.125, 0.5])
    assert pv.grad([0.5], [0.0], [1.0], clip=None, reduction="sum").tolist() == [-0.5]
    # ties (exact in binary, ε = 0.25): at the range's end V = 0.25 both branches are V itself;
    # at V = 2R − 0.25 = 1.75 the squares are both 0.5625: lossref takes the unclipped side, V − R
    assert pv([1.75, 0.25], [0.0, 0.0], [1.0, 1.0], clip=0.25, reduction="none").tolist() == [0.28125] * 2
    assert pv.grad([1.75, 0.25], [0.0, 0.0], [1.0, 1.0], clip=0.25, reduction="sum").tolist() == [0.75, -0.75]
    # V = R is not a zero of the clipped loss when R is out of reach: ½(0.2 − 1)² from V_old = 0
    assert pv([1.0], [0.0], [1.0]) == pytest.approx(0.32, rel=1e-15)
    # the clipped end V_old + ε lands within 1e-12 of R: ½(V_old + ε − R)² = ½·1e-24, which
    # (V_old + ε) − R computed naively gets 4e-5 wrong (the rounding of V_old + ε)
    assert pv([1.0], [-1e-12], [1.0], clip=1.0) == pytest.approx(0.5 * 1e-24, rel=1e-14)


# --- issue 20: self-supervised losses ------------------------------------------------------


def test_siglip_by_hand():
    # x = y = I₂, t = 1, b = 0: logits 1 on the diagonal, 0 off it; each image's loss is
    # −log σ(1) − log σ(−0) = log(1 + e⁻¹) + log 2 = 0.313262 + 0.693147
    eye = [[1.0, 0.0], [0.0, 1.0]]
    per_image = math.log1p(math.exp(-1.0)) + math.log(2)
    assert lossref.siglip(
        eye, eye, logit_scale=1.0, logit_bias=0.0, reduction="none"
    ).tolist() == pytest.approx([per_image, per_image], rel=1e-15)
    # the paper's mean divides by N = 2 (not by the N² = 4 pairs): the mean is one image's loss
    assert lossref.siglip(eye, eye, logit_scale=1.0, logit_bias=0.0) == pytest.approx(per_image, rel=1e-15)
    # the paper's initialisation t = 10, b = −10: the matching pair's logit is 0 (log 2), the
    # orthogonal negative's −10 (log(1 + e⁻¹⁰)); rows are normalised, so scaling them changes nothing
    init = math.log(2) + math.log1p(math.exp(-10.0))
    assert lossref.siglip([[3.0, 0.0], [0.0, 0.5]], eye) == pytest.approx(init, rel=1e-15)
    # gradient: an opposite text pair (cos = −1) with t = 2, b = 0, N = 1: ℓ = softplus(2) and
    # ∂ℓ/∂x̂ = −σ(−s)·t·ŷ = −σ(2)·2·(−1, 0), but its component along x̂ = (1, 0) is projected out
    g = lossref.siglip.grad([[1.0, 0.0]], [[-1.0, 0.0]], logit_scale=2.0, logit_bias=0.0)
    assert lossref.siglip([[1.0, 0.0]], [[-1.0, 0.0]], logit_scale=2.0, logit_bias=0.0) == pytest.approx(
        math.log1p(math.exp(2.0)), rel=1e-15
    )
    assert g[0].tolist() == pytest.approx([0.0, 0.0], abs=1e-15)
    # orthogonal pair, N = 1, t = 2, b = 0: s = 0, ∂ℓ/∂s = −σ(0) = −½, ∂ℓ/∂x = −½·2·(0, 1)/‖x‖ with ‖x‖ = 2
    g = lossref.siglip.grad([[2.0, 0.0]], [[0.0, 1.0]], logit_scale=2.0, logit_bias=0.0)
    assert g[0].tolist() == pytest.approx([0.0, -0.5], rel=1e-15)
    # logits of ±1e4: −log σ(−1e4) = 1e4 (no log 0), −log σ(1e4) = 0
    assert lossref.siglip(eye, [[-1.0, 0.0], [0.0, -1.0]], logit_scale=1e4, logit_bias=0.0) == pytest.approx(
        1e4 + math.log(2), rel=1e-15
    )


def test_byol_by_hand():
    # p = (1, 0), z = (3, 3): cos 45° = 1/√2, ℓ = 2 − √2; orthogonal: 2; opposite: 4; parallel: 0
    p = [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 2.0]]
    z = [[3.0, 3.0], [0.0, 5.0], [-2.0, 0.0], [2.0, 4.0]]
    assert lossref.byol(p, z, reduction="none").tolist() == pytest.approx(
        [2 - math.sqrt(2), 2.0, 4.0, 0.0], abs=1e-15
    )
    # gradient, orthogonal pair p = (2, 0), z = (0, 1): −(2/‖p‖)(ẑ − 0·p̂) = (0, −1); z gets none
    assert lossref.byol.grad([[2.0, 0.0]], [[0.0, 1.0]], reduction="sum")[0].tolist() == [0.0, -1.0]
    with pytest.raises(ValueError, match="argnum must name a differentiable argument"):
        lossref.byol.grad([[2.0, 0.0]], [[0.0, 1.0]], argnum=1)
    # nearly parallel: 2 − 2 cos θ = θ² − θ⁴/12 for a rotation by θ = 1e-6; 2 − 2·cos would round to 0 or
    # 2.2e-16
    theta = 1e-6
    assert lossref.byol([[1.0, 0.0]], [[math.cos(theta), math.sin(theta)]]) == pytest.approx(
        theta**2, rel=1e-9
    )
    # a zero vector has no direction
    with pytest.raises(ValueError, match="zero vector"):
        lossref.byol([[0.0, 0.0]], [[1.0, 0.0]])


def test_vicreg_by_hand():
    # dimension 2 collapsed: std = √(0 + 1e-4) = 0.01, hinge 0.99; dimension 1 has unbiased
    # variance (1 + 1)/1 = 2 > γ²: no hinge. v = (0 + 0.99)/2 per view; μ/2 · (v + v) = 25 · 0.495
    x = [[1.0, 0.0], [-1.0, 0.0]]
    assert lossref.vicreg(x, x) == pytest.approx(12.375, rel=1e-14)
    assert lossref.vicreg(x, x, reduction="none").tolist() == pytest.approx([12.375, 12.375], rel=1e-14)
    # ... and no gradient: the collapsed column is centred at 0, the other above γ, the views equal
    assert np.abs(lossref.vicreg.grad(x, x)).max() == 0.0
    # covariance: rows (1, 1), (−1, −1), (0, 0): variances (1 + 1)/2 = 1 (std √1.0001 > 1: no hinge),
    # cov₁₂ = (1 + 1)/2 = 1; c = (1² + 1²)/D = 1 per view, ν(c + c) = 2
    x = [[1.0, 1.0], [-1.0, -1.0], [0.0, 0.0]]
    assert lossref.vicreg(x, x) == pytest.approx(2.0, rel=1e-14)
    # invariance alone: one entry off by 0.5, λ · 0.25/(N D) = 25 · 0.25/6
    y = [[1.5, 1.0], [-1.0, -1.0], [0.0, 0.0]]
    assert lossref.vicreg(x, y, variance=0.0, covariance=0.0) == pytest.approx(25 * 0.25 / 6, rel=1e-14)
    # its gradient: 2λ/(N D) (x − y) under the mean = 50/6 · (−0.5) on that entry, 0 elsewhere
    g = lossref.vicreg.grad(x, y, variance=0.0, covariance=0.0)
    assert g.tolist() == [[pytest.approx(-50 / 6 * 0.5, rel=1e-14), 0.0], [0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="at least 2 rows"):
        lossref.vicreg([[1.0, 2.0]], [[1.0, 2.0]])


def test_barlow_twins_by_hand():
    # columns of ±1 with mean 0 and biased variance 1: with ε = 0 the batch norm leaves x as it is
    x = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]])
    # C = xᵀx/4 = I: no loss, and no gradient (a minimum)
    assert lossref.barlow_twins(x, x, eps=0.0) == 0.0
    assert np.abs(lossref.barlow_twins.grad(x, x, eps=0.0)).max() < 1e-15
    # y = −x: C = −I, (1 − (−1))² per dimension
    assert lossref.barlow_twins(x, -x, eps=0.0) == pytest.approx(8.0, rel=1e-15)
    # BatchNorm1d's ε = 1e-5: σ = √(1 + 1e-5), C = I/(1 + 1e-5), 2·(1e-5/(1 + 1e-5))²
    assert lossref.barlow_twins(x, x) == pytest.approx(2 * (1e-5 / (1 + 1e-5)) ** 2, rel=1e-9)
    # redundant columns: C = [[1, 1], [1, 1]], only the two off-diagonal 1s, λ·2 = 0.01
    r = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, 1.0], [-1.0, -1.0]])
    assert lossref.barlow_twins(r, r, eps=0.0) == pytest.approx(2 * 5e-3, rel=1e-14)
    # every row carries the batch's loss: "none" repeats it, the mean is it
    assert lossref.barlow_twins(r, r, eps=0.0, reduction="none").tolist() == pytest.approx(
        [0.01] * 4, rel=1e-14
    )
    # scaling and shifting a view changes nothing (the batch norm removes it)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 6, 3))
    assert lossref.barlow_twins(3 * a + 7, b, eps=0.0) == pytest.approx(
        lossref.barlow_twins(a, b, eps=0.0), rel=1e-12
    )
    with pytest.raises(ValueError, match="constant column"):
        lossref.barlow_twins([[1.0, 2.0], [1.0, 3.0]], [[1.0, 2.0], [0.0, 3.0]], eps=0.0)


def test_grpo_by_hand():
    # one group: completion 1 has two tokens, completion 2 one (its second is padding); rewards
    # (1, 0) centred only (Dr. GRPO's scale_rewards="none"): A = (+0.5, −0.5), β = 0
    old = np.log([[[1.0, 1.0], [1.0, 1.0]]]) - 1.0
    lp = old + np.log([[[1.5, 1.0], [0.5, 1.0]]])  # ρ = 1.5, 1 | 0.5, (padding)
    mask = [[[1, 1], [1, 0]]]
    kw = {"mask": mask, "beta": 0.0, "scale_rewards": "none"}
    # token losses: ρ = 1.5 clipped at 1.2 (A > 0): −0.6; ρ = 1: −0.5; ρ = 0.5 clipped at 0.8 (A < 0): +0.4
    assert lossref.grpo(lp, old, old, [[1.0, 0.0]], **kw) == pytest.approx((-1.1 / 2 + 0.4) / 2, rel=1e-14)
    assert lossref.grpo(lp, old, old, [[1.0, 0.0]], loss_type="bnpo", **kw) == pytest.approx(
        -0.7 / 3, rel=1e-14
    )
    assert lossref.grpo(lp, old, old, [[1.0, 0.0]], loss_type="dapo", **kw) == pytest.approx(
        -0.7 / 3, rel=1e-14
    )
    assert lossref.grpo(lp, old, old, [[1.0, 0.0]], loss_type="dr_grpo", **kw) == pytest.approx(
        -0.7 / 4, rel=1e-14
    )
    # clip-higher: ε_high = 0.6 lets ρ = 1.5 through unclipped: −0.75 instead of −0.6
    assert lossref.grpo(
        lp, old, old, [[1.0, 0.0]], loss_type="bnpo", epsilon_high=0.6, **kw
    ) == pytest.approx(-0.85 / 3, rel=1e-14)
    # only the unclipped real token moves: −Aρ = −0.5, times 1/|o₁| = 1/2, over G = 2 completions
    g = lossref.grpo.grad(lp, old, old, [[1.0, 0.0]], **kw)
    assert g.tolist() == [[[0.0, -0.125], [0.0, 0.0]]]
    # at the clip boundary ρ = 1 + ε exactly the unclipped side's gradient −Aρ counts (autograd's)
    edge = old + np.log1p(0.2)
    g = lossref.grpo.grad(edge, old, old, [[1.0, 0.0]], beta=0.0, scale_rewards="none", reduction="sum")
    assert g[0, 0, 0] == pytest.approx(-0.5 * 1.2 / (2 * 2), rel=1e-14)  # /|o₁|, /G
    # the k3 term: π_ref = 2π_θ on every token, ρ = 1, equal rewards (A = 0): β(2 − 1 − log 2) per token
    ref = old + np.log(2.0)
    assert lossref.grpo(old, old, ref, [[3.0, 3.0]], beta=0.04) == pytest.approx(
        0.04 * (1 - np.log(2.0)), rel=1e-14
    )
    # its gradient β(1 − e^x) = −β per token, /|o_i| = 2, /G = 2
    assert lossref.grpo.grad(old, old, ref, [[3.0, 3.0]], beta=0.04) == pytest.approx(
        np.full((1, 2, 2), -0.01)
    )
    # group std with Bessel's correction: rewards (0, 0, 3) have std √3 and A = (−1, −1, 2)/(√3 + 1e-4)
    flat = np.full((3, 1), -1.0)
    a = lossref._policy_gradient.group_advantages([0.0, 0.0, 3.0])
    assert a == pytest.approx(np.array([-1.0, -1.0, 2.0]) / (np.sqrt(3.0) + 1e-4), rel=1e-15)
    # a (G, T) array is one group; a batch of groups stacks them
    one = lossref.grpo(flat, flat, flat, [0.0, 0.0, 3.0])
    two = lossref.grpo(
        np.stack([flat, flat]), np.stack([flat, flat]), np.stack([flat, flat]), [[0.0, 0.0, 3.0]] * 2
    )
    assert one == two == pytest.approx(0.0, abs=1e-16)


def test_grpo_rejects_mismatched_rewards_and_a_short_max_length():
    lp = np.full((2, 3, 4), -1.0)
    with pytest.raises(ValueError, match=r"rewards has shape \(2, 2\); it must be \(2, 3\)"):
        lossref.grpo(lp, lp, lp, np.zeros((2, 2)))
    with pytest.raises(
        ValueError, match=r"max_completion_length must be >= T, the padded completion length \(4\)"
    ):
        lossref.grpo(lp, lp, lp, np.zeros((2, 3)), loss_type="dr_grpo", max_completion_length=3)
    with pytest.raises(ValueError, match=r"log_probs must have shape \(..., G, T\)"):
        lossref.grpo([-1.0], [-1.0], [-1.0], [0.0])
    with pytest.raises(ValueError, match="mask is 0 everywhere"):
        lossref.grpo(lp, lp, lp, np.zeros((2, 3)), mask=np.zeros((2, 3, 4)), loss_type="bnpo")


def test_reinforce_baselines_by_hand():
    lp, r = [[-2.0, -1.0, -3.0]], [[1.0, 0.0, 2.0]]
    # no baseline: −r·log π = (2, 0, 6)
    assert lossref.reinforce(lp, r, reduction="none").tolist() == [[2.0, 0.0, 6.0]]
    # a given baseline, a number or one per completion: −(r − b)·log π
    assert lossref.reinforce(lp, r, baseline=1.0, reduction="none").tolist() == [[0.0, -1.0, 3.0]]
    assert lossref.reinforce(lp, r, baseline=[[0.0, 0.0, 1.0]], reduction="sum") == 2.0 + 0.0 + 3.0
    # RLOO: the others' mean, (0 + 2)/2 = 1, (1 + 2)/2 = 1.5, (1 + 0)/2 = 0.5; advantages 0, −1.5, 1.5
    assert lossref.reinforce(lp, r, baseline="rloo", reduction="none").tolist() == [[0.0, -1.5, 4.5]]
    # the advantages sum to 0 in every group, so a constant shift of log π leaves the loss unchanged
    assert lossref.reinforce(np.array(lp) - 5.0, r, baseline="rloo", reduction="sum") == pytest.approx(3.0)
    with pytest.raises(ValueError, match=r"baseline='rloo' needs at least 2 samples per group"):
        lossref.reinforce([[-1.0], [-2.0]], [[1.0], [0.0]], baseline="rloo")
    with pytest.raises(ValueError, match=r"baseline has shape \(3,\) but rewards has shape \(1, 3\)"):
        lossref.reinforce(lp, r, baseline=[0.0, 0.0, 1.0])


# --- issue 20: moe_load_balancing, denoising_score_matching, flow_matching ---


def test_moe_load_balancing_by_hand():
    moe = lossref.moe_load_balancing
    # four tokens, each sure of its own expert: f = P = ¼, ℓ = α·4·4·(1/16) = α (the paper's 1e-2)
    z = 1e4 * np.eye(4)
    assert moe(z) == pytest.approx(1e-2, rel=1e-15)
    assert np.abs(moe.grad(z)).max() == 0.0  # saturated: p(1 − p) = 0
    # collapse: every token to expert 1 with certainty, f = P = e₁: ℓ = αN
    assert moe(np.tile([1e4, 0.0, 0.0, 0.0], (3, 1)), alpha=1.0) == pytest.approx(4.0, rel=1e-15)
    # top-2 of 3 experts, one token with logits (log 3, log 2, 0): p = (½, ⅓, ⅙), f = (½, ½, 0)
    z = np.log([[3.0, 2.0, 1.0]])
    assert moe(z, top_k=2, alpha=1.0) == pytest.approx(3 * (0.5 * 0.5 + 0.5 / 3), rel=1e-14)
    # ∂/∂z_j = 3 p_j (f_j − f·p), f·p = 5/12
    g = moe.grad(z, top_k=2, alpha=1.0)[0]
    expected = [3 * 0.5 * (0.5 - 5 / 12), 3 / 3 * (0.5 - 5 / 12), 3 / 6 * (0 - 5 / 12)]
    assert g.tolist() == pytest.approx(expected, rel=1e-13)
    # top_k = N: every expert chosen once per token, f = 1/N whatever the logits, ℓ = α
    z = np.random.default_rng(0).normal(size=(5, 3))
    assert moe(z, top_k=3) == pytest.approx(1e-2, rel=1e-14)
    assert np.abs(moe.grad(z, top_k=3)).max() < 1e-18
    # per-token values average to the loss; leading axes are all tokens of one batch
    z = np.random.default_rng(1).normal(size=(2, 3, 4))
    assert moe(z, reduction="none").shape == (2, 3)
    assert moe(z) == pytest.approx(moe(z.reshape(6, 4)), rel=1e-15)
    assert moe(z, reduction="none").mean() == pytest.approx(moe(z), rel=1e-14)


def test_moe_load_balancing_ties_go_to_the_lower_expert_index():
    moe = lossref.moe_load_balancing
    # a tied row picks expert 1 (top-1) or experts 1 and 2 (top-2 of three equal logits)
    assert moe([[0.0, 0.0, 0.0]], alpha=1.0) == pytest.approx(3 * (1 / 3), rel=1e-15)
    assert moe([[0.0, 0.0, 0.0], [0.0, 0.0, 5.0]], top_k=2, alpha=1.0) == pytest.approx(
        moe([[1e-9, 1e-9, 0.0], [0.0, 1e-9, 5.0]], top_k=2, alpha=1.0), rel=1e-8
    )
    # the gradient at the tie is the one of that choice: f = (1, 0) for (0, 0)
    assert moe.grad([[0.0, 0.0]], alpha=1.0).tolist() == [[0.5, -0.5]]
    # f jumps at the tie: just below it, expert 2 is chosen and the gradient flips
    assert moe.grad([[-1e-12, 0.0]], alpha=1.0)[0].tolist() == pytest.approx([-0.5, 0.5], rel=1e-9)
    # experts are ranked by logit, even where the probabilities underflow to the same 0
    z = np.array([[0.0, -2000.0, -1000.0], [-2000.0, 0.0, -1000.0]])
    # experts 1, 2 each chosen once as first, expert 3 twice as second: f = (¼, ¼, ½)
    assert moe(z, top_k=2, alpha=1.0) == pytest.approx(3 * 0.25, rel=1e-15)


def test_moe_load_balancing_balanced_minimum_and_a_batch_below_it():
    moe = lossref.moe_load_balancing
    rng = np.random.default_rng(2)
    # when the router's probabilities agree with its dispatch (P = f), ℓ = αN Σ f_i² ≥ α
    # (Cauchy–Schwarz), with equality only at f = 1/N: hard routers (p one-hot) with these counts
    for counts in ([3, 1, 0, 0], [2, 2, 0, 0], [1, 1, 1, 1]):
        z = np.concatenate([np.tile(1e4 * np.eye(4)[i], (c, 1)) for i, c in enumerate(counts)])
        f = np.array(counts) / 4
        assert moe(z, alpha=1.0) == pytest.approx(4 * np.sum(f * f), rel=1e-14)
    # but f is a count and P a mean, and the batch can score below α: two tokens barely prefer
    # expert 1, one is sure of expert 2: f = (⅔, ⅓), P ≈ (⅓, ⅔), ℓ ≈ 2·(2/9 + 2/9) = 8/9
    z = np.array([[1e-6, 0.0], [1e-6, 0.0], [-1e4, 0.0]])
    assert moe(z, alpha=1.0) == pytest.approx(8 / 9, rel=1e-6)
    # random routers stay at or above the balanced value on average, not everywhere
    values = [moe(rng.normal(size=(16, 4)), alpha=1.0) for _ in range(50)]
    assert np.mean(values) > 1.0


def test_moe_load_balancing_rejects_bad_input():
    moe = lossref.moe_load_balancing
    with pytest.raises(ValueError, match=re.escape("top_k must be an integer in [1, N] = [1, 3]")):
        moe(np.zeros((2, 3)), top_k=4)
    with pytest.raises(ValueError, match="top_k must be an integer"):
        moe(np.zeros((2, 3)), top_k=True)
    with pytest.raises(ValueError, match="router_logits must have an expert axis"):
        moe(1.0)
    with pytest.raises(ValueError, match="weights= is not supported by moe_load_balancing"):
        moe(np.zeros((2, 3)), weights=[1.0, 1.0])


def test_denoising_score_matching_by_hand():
    dsm = lossref.denoising_score_matching
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 5))
    sigma = np.array([0.01, 0.3, 1.0, 20.0])
    eps = rng.normal(size=(4, 5))
    noisy = x + sigma[:, None] * eps
    # the kernel's own score −(x̃ − x)/σ² = −ε/σ: no loss, no gradient
    exact = -eps / sigma[:, None]
    assert dsm(exact, noisy, x, sigma) < 1e-28
    assert np.abs(dsm.grad(exact, noisy, x, sigma)).max() < 1e-14
    # s = 0: ½‖ε‖² per sample with λ = σ², ½‖ε‖²/σ² without it (sigma_power = 0)
    zero = np.zeros_like(x)
    half_eps2 = 0.5 * np.sum(eps**2, axis=1)
    np.testing.assert_allclose(dsm(zero, noisy, x, sigma, reduction="none"), half_eps2, rtol=1e-12)
    np.testing.assert_allclose(
        dsm(zero, noisy, x, sigma, sigma_power=0.0, reduction="none"), half_eps2 / sigma**2, rtol=1e-12
    )
    # any power: σ^p/2 ‖s + (x̃ − x)/σ²‖², and its gradient σ^p (s + (x̃ − x)/σ²), summed over features
    s = rng.normal(size=x.shape)
    inner = s + (noisy - x) / sigma[:, None] ** 2
    for p in (0.0, 1.0, 2.0, 3.0):
        w = sigma**p
        np.testing.assert_allclose(
            dsm(s, noisy, x, sigma, sigma_power=p, reduction="none"),
            0.5 * w * np.sum(inner**2, axis=1),
            rtol=1e-12,
        )
        np.testing.assert_allclose(
            dsm.grad(s, noisy, x, sigma, sigma_power=p, reduction="sum"), w[:, None] * inner, rtol=1e-12
        )
    # λ = σ²: D/2 times the ε-prediction MSE with ε̂ = −σ·s
    np.testing.assert_allclose(
        dsm(s, noisy, x, sigma, reduction="none"),
        5 / 2 * lossref.diffusion_noise_mse(-sigma[:, None] * s, eps, reduction="none"),
        rtol=1e-12,
    )
    # σ = 1e-200: (x̃ − x)/σ² would overflow; ½‖σs + ε‖² does not
    assert dsm([[1.0, 0.0]], [[3e-200, 0.0]], [[0.0, 0.0]], [1e-200]) == pytest.approx(4.5, rel=1e-15)
    # extra batch axes: sigma has the samples' batch shape
    np.testing.assert_allclose(
        dsm(
            s.reshape(2, 2, 5),
            noisy.reshape(2, 2, 5),
            x.reshape(2, 2, 5),
            sigma.reshape(2, 2),
            reduction="none",
        ),
        dsm(s, noisy, x, sigma, reduction="none").reshape(2, 2),
        rtol=1e-15,
    )


def test_denoising_score_matching_rejects_bad_input():
    dsm = lossref.denoising_score_matching
    ok = np.zeros((2, 3))
    with pytest.raises(ValueError, match=re.escape("sigma has shape (3,) but (2,) was expected")):
        dsm(ok, ok, ok, np.ones(3))
    with pytest.raises(ValueError, match="sigma must be > 0"):
        dsm(ok, ok, ok, [1.0, 0.0])
    with pytest.raises(ValueError, match=re.escape("noisy has shape (2, 2) but score_pred has shape (2, 3)")):
        dsm(ok, np.zeros((2, 2)), ok, np.ones(2))
    with pytest.raises(ValueError, match=re.escape("clean has shape (2, 2) but score_pred has shape (2, 3)")):
        dsm(ok, ok, np.zeros((2, 2)), np.ones(2))
    with pytest.raises(TypeError, match="sigma_power must be a real number"):
        dsm(ok, ok, ok, np.ones(2), sigma_power="2")


def test_flow_matching_by_hand():
    fm = lossref.flow_matching
    rng = np.random.default_rng(4)
    x0, x1, v = rng.normal(size=(3, 6, 4))
    # rectified flow: u = x₁ − x₀, the mean over the features of (v − u)², gradient 2(v − u)/D
    np.testing.assert_allclose(
        fm(v, x0, x1, reduction="none"), np.mean((v - x1 + x0) ** 2, axis=1), rtol=1e-14
    )
    np.testing.assert_allclose(fm.grad(v, x0, x1, reduction="sum"), (v - x1 + x0) / 2, rtol=1e-14)
    # σ_min: u = x₁ − (1 − σ_min)·x₀, the velocity of x_t = (1 − (1 − σ_min)t)·x₀ + t·x₁ at every t
    s = 0.25
    u = x1 - 0.75 * x0
    assert fm(u, x0, x1, sigma_min=s) == 0.0
    for t in (0.0, 0.3, 1.0):
        h = 1e-6
        path = lambda t: (1 - (1 - s) * t) * x0 + t * x1  # noqa: E731
        np.testing.assert_allclose((path(t + h) - path(t - h)) / (2 * h), u, rtol=1e-8, atol=1e-8)
    # σ_min = 1: the target is the data itself
    assert fm(x1, x0, x1, sigma_min=1.0) == 0.0
    with pytest.raises(ValueError, match=re.escape("x1 has shape (6, 3) but velocity_pred has shape (6, 4)")):
        fm(v, x0, x1[:, :3])


# --- issue 20: sinkhorn ---


def _sinkhorn_lp(cost, a, b):
    """The exact OT cost min ⟨P, C⟩ over P ≥ 0 with P1 = a, Pᵀ1 = b: a linear program."""
    from scipy.optimize import linprog

    n, m = cost.shape
    eq = np.vstack([np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))])
    res = linprog(cost.ravel(), A_eq=eq, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert res.status == 0
    return res.fun


def _sq(x, y):
    return ((np.asarray(x)[:, None, :] - np.asarray(y)[None, :, :]) ** 2).sum(-1)


def test_sinkhorn_tends_to_the_exact_lp_as_epsilon_shrinks():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    a, b = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.2, 0.3, 0.4])
    exact = _sinkhorn_lp(_sq(x, y), a, b)
    entropy = -(a @ np.log(a)) - (b @ np.log(b))
    gaps = []
    for eps in (1.0, 0.1, 0.01, 1e-3, 1e-4):
        value = lossref.sinkhorn(x, y, epsilon=eps, a=a, b=b)
        # OT ≤ OT_ε ≤ OT + ε KL(P* ‖ a⊗b) ≤ OT + ε (H(a) + H(b)), P* an optimal LP plan
        assert exact - 1e-12 <= value <= exact + eps * entropy
        gaps.append(value - exact)
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-4


def test_sinkhorn_equal_clouds_is_an_assignment():
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    cost = _sq(x, y)
    rows, cols = linear_sum_assignment(cost)
    exact = cost[rows, cols].mean()
    assert exact == pytest.approx(_sinkhorn_lp(cost, np.full(6, 1 / 6), np.full(6, 1 / 6)), rel=1e-9)
    value = lossref.sinkhorn(x, y, epsilon=1e-4)
    assert exact <= value <= exact + 1e-4 * 2 * math.log(6)
    # the plan is the permutation: the envelope gradient 2 Σ_j P_ij (x_i − y_j) is 2 (x_i − y_σ(i)) / n
    np.testing.assert_allclose(lossref.sinkhorn.grad(x, y, epsilon=1e-4), 2 * (x - y[cols]) / 6, atol=1e-8)


def test_sinkhorn_matches_mpmath_with_weights():
    from mp_reference import REFERENCES

    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(2, 2))
    a, b = np.array([0.25, 0.25, 0.5]), np.array([0.75, 0.25])
    for hyper in ({"epsilon": 0.3}, {"epsilon": 0.05, "debias": True}):
        ours = lossref.sinkhorn(x, y, a=a, b=b, **hyper)
        with mp.workdps(40):
            exact = REFERENCES["sinkhorn"](
                [[mp.mpf(v) for v in r] for r in x], [[mp.mpf(v) for v in r] for r in y], a=a, b=b, **hyper
            )
        assert ours == pytest.approx(float(exact), rel=1e-13)


def test_sinkhorn_zero_weight_drops_the_point():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    a = np.array([0.6, 0.0, 0.4])
    full = lossref.sinkhorn.value_and_grad(x, y, epsilon=0.1, a=a)
    dropped = lossref.sinkhorn.value_and_grad(x[[0, 2]], y, epsilon=0.1, a=a[[0, 2]])
    assert full[0] == pytest.approx(dropped[0], rel=1e-13)
    np.testing.assert_allclose(full[1][[0, 2]], dropped[1], rtol=1e-10, atol=1e-13)
    assert (full[1][1] == 0).all()


def test_sinkhorn_batch_is_independent_problems():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(3, 2, 2)), rng.normal(size=(3, 5, 2))
    per_pair = lossref.sinkhorn(x, y, epsilon=0.2, reduction="none")
    assert per_pair.shape == (3,)
    for k in range(3):
        assert per_pair[k] == pytest.approx(lossref.sinkhorn(x[k], y[k], epsilon=0.2), rel=1e-12)
    assert lossref.sinkhorn(x, y, epsilon=0.2) == pytest.approx(per_pair.mean(), rel=1e-15)


def test_sinkhorn_translation_and_symmetry():
    rng = np.random.default_rng(10)
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    a = np.array([0.1, 0.2, 0.3, 0.4])
    value = lossref.sinkhorn(x, y, epsilon=0.1, a=a)
    # swapping the clouds (and their weights) changes no bit
    assert lossref.sinkhorn(y, x, epsilon=0.1, b=a) == value
    # OT_ε(x + t, y) = OT_ε(x, y) + 2 t·(x̄ − ȳ) + ‖t‖², x̄ = Σ a_i x_i: the plan does not move
    t = np.array([1e3, -2e3])
    shift = 2 * t @ (a @ x - y.mean(0)) + t @ t
    assert lossref.sinkhorn(x + t, y, epsilon=0.1, a=a) == pytest.approx(value + shift, rel=1e-13)
    assert lossref.sinkhorn(x + t, y + t, epsilon=0.1, a=a) == pytest.approx(value, rel=1e-11)


def test_sinkhorn_debiased_limits():
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(5, 2))
    assert lossref.sinkhorn(x, x, epsilon=0.05, debias=True) == 0.0
    assert lossref.sinkhorn(x, y, epsilon=0.05, debias=True) > 0
    # ε → ∞: P → a⊗b and S_ε → ‖x̄ − ȳ‖² (the page's interview question)
    gap = x.mean(0) - y.mean(0)
    assert lossref.sinkhorn(x, y, epsilon=1e6, debias=True) == pytest.approx(gap @ gap, rel=1e-4)


def test_sinkhorn_rejects_bad_clouds_and_weights():
    x, y = np.zeros((3, 2)), np.ones((4, 2))
    with pytest.raises(ValueError, match=re.escape("x must be a point cloud of shape (..., n, d)")):
        lossref.sinkhorn(np.zeros(3), y, epsilon=0.1)
    with pytest.raises(ValueError, match="the same dimension d"):
        lossref.sinkhorn(x, np.ones((4, 3)), epsilon=0.1)
    with pytest.raises(ValueError, match="a must sum to 1"):
        lossref.sinkhorn(x, y, epsilon=0.1, a=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="b has shape"):
        lossref.sinkhorn(x, y, epsilon=0.1, b=[0.5, 0.5])
    with pytest.raises(ValueError, match="overflows float64"):
        lossref.sinkhorn([[1e200, 0.0]], [[-1e200, 0.0]], epsilon=0.1)
    # a sum within 1e-6 of 1 is rescaled, not refused
    assert lossref.sinkhorn(x, y, epsilon=0.1, a=[1 / 3 + 1e-8, 1 / 3, 1 / 3]) == pytest.approx(2.0)
    with pytest.raises(RuntimeError, match=r"max_iter=1 iterations"):
        lossref.sinkhorn(np.eye(2), np.eye(2)[::-1] * 3, epsilon=1e-3, max_iter=1)


# --- issue 20: rnnt ---


def _rnnt_brute_force(z, targets, frames, labels, blank):
    """−log P(y | x) as a sum over every alignment, each a word of T − 1 blanks and U labels.

    Written from the definition, with no lattice recursion: the alignment visits the nodes
    its moves lead to, and ends with the blank at (T − 1, U).
    """
    log_p = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
    total = []
    for moves in itertools.product("bl", repeat=frames - 1 + labels):
        if moves.count("l") != labels:
            continue
        t = u = 0
        score = 0.0
        for move in moves:
            if move == "b":
                score += log_p[t, u, blank]
                t += 1
            else:
                score += log_p[t, u, targets[u]]
                u += 1
        total.append(score + log_p[t, u, blank])
    return -np.logaddexp.reduce(total)


@pytest.mark.parametrize("blank", [0, 2, -1])
def test_rnnt_equals_the_sum_over_all_alignments(blank):
    rng = np.random.default_rng(4)
    v = 4
    z = rng.normal(scale=2.0, size=(4, 3, 4, v))  # B = 4, T = 3, U = 3
    labels = [c for c in range(v) if c != blank % v]
    targets = rng.choice(labels, size=(4, 3))
    frames, lengths = np.array([3, 2, 1, 3]), np.array([3, 1, 2, 0])
    ours = lossref.rnnt(z, targets, frames, lengths, blank=blank, reduction="none")
    for b in range(4):
        expected = _rnnt_brute_force(z[b], targets[b], frames[b], lengths[b], blank % v)
        assert ours[b] == pytest.approx(expected, rel=1e-13)
    # alignments counted: C(T − 1 + U, U), all equally likely when the logits are 0
    assert lossref.rnnt(np.zeros((1, 3, 4, 4)), [[1, 2, 3]], [3], [3]) == pytest.approx(
        -math.log(math.comb(5, 3) / 4**6), rel=1e-14
    )


def test_rnnt_by_hand():
    # T = 1, target "a", V = 2, logits 0: the only alignment emits a then ∅, each with p = 1/2
    assert lossref.rnnt(np.zeros((1, 1, 2, 2)), [[1]], [1], [1]) == pytest.approx(2 * math.log(2), rel=1e-15)
    # ∂ℓ/∂z = p·γ − γ(k): occupancy 1 at both nodes; (0, 0) leaves by "a", (0, 1) by ∅
    grad = lossref.rnnt.grad(np.zeros((1, 1, 2, 2)), [[1]], [1], [1])
    np.testing.assert_allclose(grad, [[[[0.5, -0.5], [-0.5, 0.5]]]], rtol=1e-15)
    # an empty target (length 0, the padding unread): ℓ = −Σ_t log p_{t,0}(∅) along the row u = 0
    z = np.array([[[[1.0, 0.0], [5.0, 5.0]], [[0.0, 2.0], [5.0, 5.0]]]])  # T = 2, U = 1; u = 1 unread
    expected = math.log1p(math.exp(-1.0)) + math.log1p(math.exp(2.0))
    assert lossref.rnnt(z, [[0]], [2], [0]) == pytest.approx(expected, rel=1e-15)
    assert (lossref.rnnt.grad(z, [[0]], [2], [0])[0, :, 1] == 0).all()


def test_rnnt_gradient_near_a_certain_alignment():
    # one alignment of probability 1 − 1e-9 (logits ±20): each gradient entry agrees with
    # mpmath's derivative to 1e-14 of the largest entry (ε times the log-space sums of size 40),
    # though an entry that is a difference of two path sums agreeing to 1e-26 (≈ 1e-27 here)
    # cannot keep its own relative digits
    from mp_reference import rnnt as reference

    z = np.array([[[[-20.0, 20.0, 0.0], [20.0, -20.0, 0.0]], [[20.0, 0.0, -20.0], [0.0, 20.0, -20.0]]]])
    for blank in (0, 2):
        ours = lossref.rnnt.grad(z, [[1]], [2], [1], blank=blank, reduction="sum")[0]
        with mp.workdps(60):
            for j in np.ndindex(ours.shape):

                def along(x, j=j, blank=blank):
                    point = z[0].tolist()
                    point[j[0]][j[1]][j[2]] = x
                    return reference(point, [1], 2, 1, blank=blank)

                exact = float(mp.diff(along, mp.mpf(z[0][j])))
                assert abs(ours[j] - exact) <= 1e-14 * np.abs(ours).max(), (blank, j)
                if abs(exact) > 1e-12:
                    assert ours[j] == pytest.approx(exact, rel=1e-13)


def test_negative_sampling_by_hand():
    # s⁺ = 0, s⁻ = (0, 0): softplus(0)·3 = 3 log 2; ∂/∂s⁺ = σ(0) − 1 = −½, ∂/∂s⁻ = σ(0) = ½
    assert lossref.negative_sampling([[0.0, 0.0]], [0.0]) == pytest.approx(3 * math.log(2), rel=1e-15)
    g = lossref.negative_sampling.grad([[0.0, 0.0]], [0.0], argnum="positive_scores")
    assert g.tolist() == [-0.5]
    # s⁺ = log 3 (σ = ¾), s⁻ = (−log 3,) (σ(−s⁻) = ¾): 2·log(4/3)
    v = lossref.negative_sampling([[-math.log(3)]], [math.log(3)])
    assert v == pytest.approx(2 * math.log(4 / 3), rel=1e-15)
    # saturated: a huge true score and very negative negatives cost e^{-1e4}-small, no overflow
    assert lossref.negative_sampling([[-1e4, -1e4]], [1e4]) == 0.0
    assert lossref.negative_sampling([[1e4]], [-1e4]) == pytest.approx(2e4, rel=1e-15)
    with pytest.raises(ValueError, match="positive_scores has shape"):
        lossref.negative_sampling([[0.0, 1.0]], [0.0, 1.0])


def test_negative_sampling_needs_a_negative_axis():
    with pytest.raises(ValueError, match="negative_scores must have a last axis"):
        lossref.negative_sampling(0.0, 0.0)


def test_gradient_penalty_by_hand():
    # g = (3, 4): ‖g‖ = 5, 10·(5 − 1)² = 160, ∂ℓ/∂g = 2·10·4·(3, 4)/5 = (48, 64)
    assert lossref.gradient_penalty([[3.0, 4.0]]) == pytest.approx(160.0, rel=1e-15)
    assert lossref.gradient_penalty.grad([[3.0, 4.0]])[0].tolist() == pytest.approx([48.0, 64.0], rel=1e-15)
    # the kink at g = 0: value λ·1 = 10 with λ = 10, and the chosen subgradient 0
    assert lossref.gradient_penalty([[0.0, 0.0]]) == pytest.approx(10.0, rel=1e-15)
    assert lossref.gradient_penalty.grad([[0.0, 0.0]])[0].tolist() == [0.0, 0.0]


def test_r1_penalty_by_hand():
    # g = (3, 4): ‖g‖² = 25, 10/2·25 = 125, ∂ℓ/∂g = 10·(3, 4); two rows (3, 4) and (1, 0): (125 + 5)/2
    assert lossref.r1_penalty([[3.0, 4.0]]) == pytest.approx(125.0, rel=1e-15)
    assert lossref.r1_penalty.grad([[3.0, 4.0]])[0].tolist() == [30.0, 40.0]
    assert lossref.r1_penalty([[3.0, 4.0], [1.0, 0.0]]) == pytest.approx(65.0, rel=1e-15)
    # the mean halves each row's gradient; γ = 1: ½·25
    assert lossref.r1_penalty.grad([[3.0, 4.0], [1.0, 0.0]]).tolist() == [[15.0, 20.0], [5.0, 0.0]]
    assert lossref.r1_penalty([[3.0, 4.0]], gamma=1.0) == 12.5
    # smooth at g = 0: value and gradient 0
    assert lossref.r1_penalty([[0.0, 0.0]]) == 0.0
    assert lossref.r1_penalty.grad([[0.0, 0.0]]).tolist() == [[0.0, 0.0]]


# --- issue 20: relativistic average GAN (variant="relativistic_average") ---
RAGAN = {"variant": "relativistic_average"}


def _ragan_softplus(x):
    return math.log1p(math.exp(x))


def _ragan_sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_relativistic_average_gan_by_hand():
    # d_r = (1, 3), d_f = (1, −1): mean d_r = 2, mean d_f = 0, so d̃_r = (1, 3) and d̃_f = (−1, −3);
    # each pair's loss is softplus(−d̃_r) + softplus(d̃_f) = 2·softplus(−1), 2·softplus(−3)
    r, f = [1.0, 3.0], [1.0, -1.0]
    per_pair = lossref.gan_discriminator(r, f, reduction="none", **RAGAN)
    assert per_pair.tolist() == pytest.approx([2 * _ragan_softplus(-1), 2 * _ragan_softplus(-3)], rel=1e-15)
    assert lossref.gan_discriminator(r, f, **RAGAN) == pytest.approx(
        _ragan_softplus(-1) + _ragan_softplus(-3), rel=1e-15
    )
    # the gradient of the sum: ∂/∂d_r,j = −σ(−d̃_r,j) − mean σ(d̃_f), ∂/∂d_f,j = σ(d̃_f,j) + mean σ(−d̃_r),
    # here mean σ(d̃_f) = mean σ(−d̃_r) = (σ(−1) + σ(−3))/2
    m = (_ragan_sigmoid(-1) + _ragan_sigmoid(-3)) / 2
    g_r = lossref.gan_discriminator.grad(r, f, reduction="sum", **RAGAN)
    g_f = lossref.gan_discriminator.grad(r, f, reduction="sum", argnum=1, **RAGAN)
    assert g_r.tolist() == pytest.approx([-_ragan_sigmoid(-1) - m, -_ragan_sigmoid(-3) - m], rel=1e-15)
    assert g_f.tolist() == pytest.approx([_ragan_sigmoid(-1) + m, _ragan_sigmoid(-3) + m], rel=1e-15)
    # a batch of one: d̃_r = d_r − d_f = −d̃_f, so ℓ = 2·softplus(d_f − d_r)
    assert lossref.gan_discriminator([0.5], [2.0], **RAGAN) == pytest.approx(
        2 * _ragan_softplus(1.5), rel=1e-15
    )


def test_relativistic_average_generator_is_the_discriminator_swapped():
    rng = np.random.default_rng(2018)
    r, f = rng.normal(size=6), rng.normal(size=6)
    g = lossref.gan_generator
    # ℓ_G = softplus(−(d_f − mean d_r)) + softplus(d_r − mean d_f): the discriminator's with r ↔ f
    np.testing.assert_array_equal(
        g(f, real_logits=r, reduction="none", **RAGAN),
        lossref.gan_discriminator(f, r, reduction="none", **RAGAN),
    )
    np.testing.assert_array_equal(
        g.grad(f, real_logits=r, **RAGAN), lossref.gan_discriminator.grad(f, r, **RAGAN)
    )
    # by hand: d_f = (0, 2), d_r = (1, 1): d̃_f = (−1, 1), d̃_r = (0, 0)
    assert g([0.0, 2.0], real_logits=[1.0, 1.0], reduction="none", **RAGAN).tolist() == pytest.approx(
        [_ragan_softplus(1) + math.log(2), _ragan_softplus(-1) + math.log(2)], rel=1e-15
    )


def test_relativistic_average_gan_depends_on_the_whole_batch():
    r, f = np.array([0.5, -1.0, 2.0]), np.array([0.0, 1.0, -0.5])
    before = lossref.gan_discriminator(r, f, reduction="none", **RAGAN)
    moved = f.copy()
    moved[2] += 3.0  # one fake sample moves: every pair's loss moves (mean d_f is in every d̃_r)
    after = lossref.gan_discriminator(r, moved, reduction="none", **RAGAN)
    assert (after != before).all()
    # the other variants are per pair: only the moved pair changes
    minimax = lossref.gan_discriminator(r, moved, reduction="none") - lossref.gan_discriminator(
        r, f, reduction="none"
    )
    assert minimax[:2].tolist() == [0.0, 0.0]
    # the means run over every element: a (2, 3) batch is the flattened batch of six
    r2, f2 = np.arange(6.0).reshape(2, 3) / 3, np.linspace(-1, 1, 6).reshape(2, 3)
    np.testing.assert_array_equal(
        lossref.gan_discriminator(r2, f2, reduction="none", **RAGAN).ravel(),
        lossref.gan_discriminator(r2.ravel(), f2.ravel(), reduction="none", **RAGAN),
    )


def test_relativistic_average_gan_refuses_weights_and_misplaced_real_logits():
    r, f = [0.5, -1.0], [0.0, 1.0]
    with pytest.raises(
        ValueError, match="weights= is not supported by gan_discriminator with variant='relativistic"
    ):
        lossref.gan_discriminator(r, f, weights=[1.0, 2.0], **RAGAN)
    with pytest.raises(
        ValueError, match="weights= is not supported by gan_generator with variant='relativistic"
    ):
        lossref.gan_generator.grad(f, real_logits=r, weights=[1.0, 2.0], **RAGAN)
    # the other variants keep their weights
    assert lossref.gan_discriminator(r, f, weights=[1.0, 0.0]) == pytest.approx(
        _ragan_softplus(-0.5) + _ragan_softplus(0.0), rel=1e-15
    )
    with pytest.raises(ValueError, match="needs real_logits"):
        lossref.gan_generator(f, **RAGAN)
    with pytest.raises(ValueError, match="real_logits is only used by variant='relativistic_average'"):
        lossref.gan_generator(f, real_logits=r)
    with pytest.raises(
        ValueError, match=re.escape("real_logits has shape (3,) but fake_logits has shape (2,)")
    ):
        lossref.gan_generator(f, real_logits=[0.0, 1.0, 2.0], **RAGAN)
    with pytest.raises(ValueError, match="real_logits contains NaN"):
        lossref.gan_generator(f, real_logits=[0.0, np.nan], **RAGAN)


# --- issue 20: sampled_softmax ---
def test_sampled_softmax_by_hand():
    # all corrected scores 0: a uniform softmax over K + 1 = 3 entries, ℓ = log 3
    assert lossref.sampled_softmax([[0.0, 0.0]], [0.0], [[0.0, 0.0]], [0.0]) == pytest.approx(
        math.log(3), rel=1e-15
    )
    # s⁻ = 0 with log k⁻ = log 3: z⁻ = −log 3, z⁺ = 0, ℓ = log(1 + 1/3) = log(4/3);
    # p⁻ = (1/3)/(4/3) = 1/4, so ∂/∂s⁻ = 1/4 and ∂/∂s⁺ = p⁺ − 1 = −1/4
    args = ([[0.0]], [0.0], [[math.log(3)]], [0.0])
    assert lossref.sampled_softmax(*args) == pytest.approx(math.log(4 / 3), rel=1e-15)
    assert lossref.sampled_softmax.grad(*args)[0, 0] == pytest.approx(0.25, rel=1e-15)
    assert lossref.sampled_softmax.grad(*args, argnum="positive_scores")[0] == pytest.approx(-0.25, rel=1e-15)
    # the true class's count moves its logit the other way: log k⁺ = log 3 gives z⁺ = −log 3, ℓ = log 4
    v = lossref.sampled_softmax([[0.0]], [0.0], [[0.0]], [math.log(3)])
    assert v == pytest.approx(math.log(4), rel=1e-15)
    # saturated: no overflow, e^{-2e4} is 0 and a dominant negative costs its margin 2e4
    assert lossref.sampled_softmax([[-1e4, -1e4]], [1e4], [[0.0, 0.0]], [0.0]) == 0.0
    assert lossref.sampled_softmax([[1e4]], [-1e4], [[0.0]], [0.0]) == pytest.approx(2e4, rel=1e-15)
    # a slot masked at −1e300 contributes exactly nothing
    assert lossref.sampled_softmax([[0.0, -1e300]], [0.0], [[0.0, 0.0]], [0.0]) == math.log(2)


def test_sampled_softmax_shapes():
    with pytest.raises(ValueError, match="positive_scores has shape"):
        lossref.sampled_softmax([[0.0, 1.0]], [0.0, 1.0], [[0.0, 0.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match=re.escape("negative_log_counts has shape (2,)")):
        lossref.sampled_softmax([[0.0, 1.0]], [0.0], [0.0, 0.0], [0.0])
    with pytest.raises(ValueError, match=re.escape("positive_log_counts has shape (2,)")):
        lossref.sampled_softmax([[0.0, 1.0]], [0.0], [[0.0, 0.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="negative_scores must have a last axis"):
        lossref.sampled_softmax(0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="negative_log_counts contains NaN"):
        lossref.sampled_softmax([[0.0, 1.0]], [0.0], [[0.0, np.nan]], [0.0])
    with pytest.raises(ValueError, match="argnum must name a differentiable argument"):
        lossref.sampled_softmax.grad([[0.0]], [0.0], [[0.0]], [0.0], argnum="negative_log_counts")


# --- issue 20: generalized_jsd ---


def test_generalized_jsd_at_one_half_is_js_div(rng):
    a = np.log(rng.dirichlet(np.ones(5), size=6))
    b = np.log(rng.dirichlet(np.ones(5), size=6))
    np.testing.assert_allclose(
        lossref.generalized_jsd(a, b, beta=0.5, reduction="none"),
        lossref.js_div(a, b, reduction="none"),
        rtol=1e-14,
    )
    for k in (0, 1):
        np.testing.assert_allclose(
            lossref.generalized_jsd.grad(a, b, argnum=k),
            lossref.js_div.grad(a, b, argnum=k),
            rtol=1e-13,
            atol=1e-17,
        )


def test_generalized_jsd_by_hand():
    # s = (0.5, 0.5), t = (0.9, 0.1), β = 0.2: m = (0.58, 0.42)
    # 0.2·(0.9 log(0.9/0.58) + 0.1 log(0.1/0.42)) + 0.8·(0.5 log(0.5/0.58) + 0.5 log(0.5/0.42))
    by_hand = 0.2 * (0.9 * math.log(0.9 / 0.58) + 0.1 * math.log(0.1 / 0.42)) + 0.8 * 0.5 * (
        math.log(0.5 / 0.58) + math.log(0.5 / 0.42)
    )
    ours = lossref.generalized_jsd(np.log([[0.5, 0.5]]), np.log([[0.9, 0.1]]), beta=0.2)
    assert ours == pytest.approx(by_hand, rel=1e-14)
    assert by_hand == pytest.approx(0.050385 + 0.010373, rel=1e-4)  # 0.2·0.25193 + 0.4·0.025933
    # disjoint supports: H₂(β), the largest value
    h = -0.2 * math.log(0.2) - 0.8 * math.log(0.8)
    assert lossref.generalized_jsd([[0.0, -1e4]], [[-1e4, 0.0]], beta=0.2) == pytest.approx(h, rel=1e-15)


def test_generalized_jsd_against_mpmath_near_agreement_and_extreme_beta():
    # rows 1e-12..1e-3 apart (ℓ of order x²: the form that cancels nothing) and β from 1e-10 to
    # 1 − 1e-10, value and both gradients, against the formula at 60 digits
    from mp_reference import REFERENCES

    ref = REFERENCES["generalized_jsd"]
    base = np.log([0.5, 0.3, 0.2])
    for dx in (1e-12, 1e-6, 1e-3, 0.9, 1.1, 30.0):
        b = base.copy()
        b[0] -= dx  # t₀ = 0.5·e^-dx, the other two scaled up: t stays a distribution
        b[1:] += np.log1p(-np.expm1(-dx))
        for beta in (1e-10, 0.01, 0.3, 0.5, 0.97, 1 - 1e-10):
            value = lossref.generalized_jsd([base], [b], beta=beta)
            grads = [lossref.generalized_jsd.grad([base], [b], beta=beta, argnum=k)[0] for k in (0, 1)]
            with mp.workdps(60):
                a_, b_ = [mp.mpf(v) for v in base], [mp.mpf(v) for v in b]
                exact = ref(a_, b_, beta)
                assert abs(value - exact) <= 4e-15 * exact, (dx, beta)
                for j in range(3):
                    da = mp.diff(
                        lambda x, j=j, a_=a_, b_=b_, w=beta: ref([*a_[:j], x, *a_[j + 1 :]], b_, w), a_[j]
                    )
                    db = mp.diff(
                        lambda x, j=j, a_=a_, b_=b_, w=beta: ref(a_, [*b_[:j], x, *b_[j + 1 :]], w), b_[j]
                    )
                    assert abs(grads[0][j] - da) <= 4e-15 * abs(da), (dx, beta, j)
                    assert abs(grads[1][j] - db) <= 4e-15 * abs(db), (dx, beta, j)


# --- issue 20: nce ---
def test_nce_by_hand():
    # all corrected scores 0: three terms softplus(0) = log 2
    assert lossref.nce([[0.0, 0.0]], [0.0], [[0.0, 0.0]], [0.0]) == pytest.approx(3 * math.log(2), rel=1e-15)
    # s⁻ = 0 with log k⁻ = log 3: z⁻ = −log 3, softplus(−log 3) = log(1 + 1/3) = log(4/3), σ(z⁻) = 1/4;
    # s⁺ = 0 with log k⁺ = log 3: z⁺ = −log 3, softplus(log 3) = log 4, ∂/∂s⁺ = σ(z⁺) − 1 = −3/4
    args = ([[0.0]], [0.0], [[math.log(3)]], [math.log(3)])
    assert lossref.nce(*args) == pytest.approx(math.log(4) + math.log(4 / 3), rel=1e-15)
    assert lossref.nce.grad(*args)[0, 0] == pytest.approx(0.25, rel=1e-15)
    assert lossref.nce.grad(*args, argnum="positive_scores")[0] == pytest.approx(-0.75, rel=1e-15)
    # saturated: no overflow; a dominant negative costs its corrected score, a masked slot nothing
    assert lossref.nce([[-1e4, -1e4]], [1e4], [[0.0, 0.0]], [0.0]) == 0.0
    assert lossref.nce([[1e4]], [1e4], [[0.0]], [0.0]) == pytest.approx(1e4, rel=1e-15)
    assert lossref.nce([[0.0, -1e300]], [0.0], [[0.0, 0.0]], [0.0]) == pytest.approx(
        2 * math.log(2), rel=1e-15
    )


def test_nce_shapes():
    with pytest.raises(ValueError, match="positive_scores has shape"):
        lossref.nce([[0.0, 1.0]], [0.0, 1.0], [[0.0, 0.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match=re.escape("negative_log_counts has shape (2,)")):
        lossref.nce([[0.0, 1.0]], [0.0], [0.0, 0.0], [0.0])
    with pytest.raises(ValueError, match=re.escape("positive_log_counts has shape (2,)")):
        lossref.nce([[0.0, 1.0]], [0.0], [[0.0, 0.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="negative_scores must have a last axis"):
        lossref.nce(0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="positive_log_counts contains NaN"):
        lossref.nce([[0.0, 1.0]], [0.0], [[0.0, 0.0]], [np.nan])
    with pytest.raises(ValueError, match="argnum must name a differentiable argument"):
        lossref.nce.grad([[0.0]], [0.0], [[0.0]], [0.0], argnum="positive_log_counts")


def test_nce_with_zero_log_counts_is_negative_sampling():
    rng = np.random.default_rng(5)
    neg, pos = rng.normal(scale=3, size=(6, 4)), rng.normal(scale=3, size=6)
    zeros = (np.zeros((6, 4)), np.zeros(6))
    assert lossref.nce(neg, pos, *zeros) == lossref.negative_sampling(neg, pos)
    np.testing.assert_array_equal(
        lossref.nce.grad(neg, pos, *zeros), lossref.negative_sampling.grad(neg, pos)
    )
    # a log count only shifts the score: nce(s, c) = negative_sampling(s − c)
    log_neg, log_pos = rng.uniform(-4, 1, size=(6, 4)), rng.uniform(-4, 1, size=6)
    assert lossref.nce(neg, pos, log_neg, log_pos) == lossref.negative_sampling(neg - log_neg, pos - log_pos)


# --- issue 20: mmd ---


def test_mmd_by_hand():
    # σ² = 1/(2 ln 2): k = 2^{−d²}; x = {0, 1}, y = {0, 2}: k(0, 1) = k(1, 2) = 1/2, k(0, 2) = 1/16
    sigma = 1 / math.sqrt(2 * math.log(2))
    x, y = [[0.0], [1.0]], [[0.0], [2.0]]
    # biased: mean of [[1, 1/2], [1/2, 1]] = 0.75, of [[1, 1/16], [1/16, 1]] = 0.53125, and
    # −2 × the mean of the cross kernels (1 + 1/16 + 1/2 + 1/2)/4 = −2 × 0.515625: 0.25
    assert lossref.mmd(x, y, bandwidth=sigma, estimator="biased") == pytest.approx(0.25, rel=1e-14)
    # unbiased: the pairs i = i' left out, so k(0, 1) and k(0, 2) alone: 0.5 + 0.0625 − 1.03125
    assert lossref.mmd(x, y, bandwidth=sigma) == pytest.approx(-0.46875, rel=1e-14)
    # ∂/∂x_1 (x_1 = 1), biased: −(2/4)·k(1, 0)·1/σ² + (2/4)·(k(1, 0)·1 + k(1, 2)·(−1))/σ² = −0.25/σ²
    g = lossref.mmd.grad(x, y, bandwidth=sigma, estimator="biased")
    assert g[1, 0] == pytest.approx(-0.25 * 2 * math.log(2), rel=1e-14)


def test_mmd_unbiased_estimator_is_unbiased():
    # Monte Carlo over 4000 pairs of clouds from N(0, I) in 2-D, σ = 1: E k(X, X') = 3^{-d/2} = 1/3
    rng = np.random.default_rng(20)
    x, y = rng.normal(size=(2, 4000, 8, 2))
    u = lossref.mmd(x, y, bandwidth=1.0, reduction="none")
    b = lossref.mmd(x, y, bandwidth=1.0, estimator="biased", reduction="none")
    se_u, se_b = u.std() / np.sqrt(len(u)), b.std() / np.sqrt(len(b))
    assert abs(u.mean()) < 4 * se_u
    # the biased V-statistic: (1/n + 1/m)(1 − E k) above MMD² = 0, on every draw
    assert abs(b.mean() - (1 / 8 + 1 / 8) * (1 - 1 / 3)) < 4 * se_b
    assert (b > 0).all()
    assert (u < 0).any()


def test_mmd_several_bandwidths_sum_their_kernels():
    rng = np.random.default_rng(21)
    x, y = rng.normal(size=(5, 2)), rng.normal(size=(4, 2)) + 0.3
    for est in ("unbiased", "biased"):
        both = lossref.mmd.value_and_grad(x, y, bandwidth=[0.5, 2.0], estimator=est)
        parts = [lossref.mmd.value_and_grad(x, y, bandwidth=s, estimator=est) for s in (0.5, 2.0)]
        assert both[0] == pytest.approx(parts[0][0] + parts[1][0], rel=1e-14)
        np.testing.assert_allclose(both[1], parts[0][1] + parts[1][1], rtol=1e-13, atol=1e-16)


def test_mmd_symmetry_translation_and_batch():
    rng = np.random.default_rng(22)
    x, y = rng.integers(-8, 8, size=(3, 5, 2)) / 8, rng.integers(-8, 8, size=(3, 4, 2)) / 8
    values = lossref.mmd(x, y, bandwidth=0.7, reduction="none")
    assert (lossref.mmd(y, x, bandwidth=0.7, reduction="none") == values).all()
    # dyadic points: x + 1e6 and its differences are exact, so the value is the same to the bit
    assert (lossref.mmd(x + 1e6, y + 1e6, bandwidth=0.7, reduction="none") == values).all()
    for k in range(3):
        assert values[k] == pytest.approx(lossref.mmd(x[k], y[k], bandwidth=0.7), rel=1e-15)
    assert lossref.mmd(x, y, bandwidth=0.7) == pytest.approx(values.mean(), rel=1e-15)
    # translation invariance: the gradients of all points sum to 0
    gx = lossref.mmd.grad(x, y, bandwidth=0.7, reduction="sum")
    gy = lossref.mmd.grad(x, y, bandwidth=0.7, reduction="sum", argnum="y")
    np.testing.assert_allclose(gx.sum(axis=1) + gy.sum(axis=1), 0.0, atol=1e-15)
    # the biased estimate is 0 for equal clouds (to rounding of its terms, of order 1, when the
    # points come in another order; exactly when they come in the same order)
    assert lossref.mmd(x[0], x[0][::-1], bandwidth=0.7, estimator="biased") == pytest.approx(0.0, abs=1e-15)
    assert lossref.mmd(x[0], x[0], bandwidth=0.7, estimator="biased") == 0.0


def test_mmd_matches_mpmath_at_several_sizes():
    from mp_reference import REFERENCES

    rng = np.random.default_rng(23)
    for n, m, d, hyper in [
        (2, 2, 1, {}),
        (4, 3, 3, {"estimator": "biased"}),
        (3, 5, 2, {"bandwidth": (0.3, 3.0)}),
    ]:
        x, y = rng.normal(size=(n, d)), rng.normal(size=(m, d)) + 0.5
        hyper = {"bandwidth": 0.8, **hyper}
        with mp.workdps(40):
            exact, scale = REFERENCES["mmd"](
                [[mp.mpf(float(v)) for v in r] for r in x],
                [[mp.mpf(float(v)) for v in r] for r in y],
                **hyper,
            )
        assert abs(lossref.mmd(x, y, **hyper) - float(exact)) <= 1e-15 * float(scale)


def test_mmd_gradient_wrt_y_at_the_extremes():
    # the registry's extremes test differences x; y here, with the loss's step (σ/100 at most)
    for args, hyper in lossref.mmd.meta.checks.extremes:
        x, y = (np.asarray(a, float) for a in args)
        step = lossref.mmd.meta.checks.fd_step(**hyper)
        analytic = lossref.mmd.grad(x, y, argnum="y", **hyper)
        numeric = lossref.numerical_gradient(
            lambda t, x=x, hyper=hyper: lossref.mmd(x, t, **hyper), y, step=step, relative=False
        )
        rounding = 16 * np.finfo(float).eps * max(1.0, abs(lossref.mmd(x, y, **hyper))) / step
        np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-10 + rounding)


def test_mmd_rejects_bad_clouds():
    x, y = np.zeros((3, 2)), np.ones((4, 2))
    with pytest.raises(ValueError, match="x has 1 point per cloud: the unbiased estimator needs at least 2"):
        lossref.mmd(x[:1], y, bandwidth=1.0)
    with pytest.raises(ValueError, match="y has 1 point per cloud"):
        lossref.mmd(x, y[:1], bandwidth=1.0)
    assert lossref.mmd(x[:1], y[:1], bandwidth=1.0, estimator="biased") == pytest.approx(2 - 2 * math.exp(-1))
    with pytest.raises(ValueError, match="the same dimension d"):
        lossref.mmd(x, np.ones((4, 3)), bandwidth=1.0)
    with pytest.raises(ValueError, match="same leading"):
        lossref.mmd(np.zeros((2, 3, 2)), y, bandwidth=1.0)
    with pytest.raises(ValueError, match="x must be a point cloud"):
        lossref.mmd(np.zeros(3), y, bandwidth=1.0)
    with pytest.raises(ValueError, match="overflows float64"):
        lossref.mmd([[1e308, 0.0], [0.0, 0.0]], [[-1e308, 0.0], [0.0, 0.0]], bandwidth=1.0)
    # coordinates 1e200 apart: the squared distance overflows, the kernel is 0, the value finite
    far = lossref.mmd.value_and_grad([[1e200, 0.0], [0.0, 0.0]], [[-1e200, 0.0], [0.0, 1.0]], bandwidth=1.0)
    assert np.isfinite(far[0])
    assert np.isfinite(far[1]).all()
