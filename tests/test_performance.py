"""What the speed-ups must not break: inputs are not copied, never written into, never returned.

No time is asserted here (``make bench`` measures); memory is, because it is deterministic.
"""

import math

import numpy as np
import pytest

import lossref
from bench import peak_extra
from lossref._checks import as_float_array
from lossref._math import BLOCK

from helpers import ALL_VARIANTS, prepare, variant_id


def test_float64_input_is_not_copied():
    x = np.linspace(-1.0, 1.0, 5)
    assert as_float_array(x, "x") is x
    assert as_float_array(x.astype(np.float32), "x").dtype == np.float64


@pytest.mark.parametrize("pair", ALL_VARIANTS, ids=variant_id)
def test_inputs_are_never_written_into_or_returned(pair):
    loss, hyper = pair
    rng = np.random.default_rng(3)
    batch = 3 if loss.reduction.independent_rows else 4
    args = prepare(loss, loss.sample_inputs(rng, batch=batch, classes=4), hyper)
    args = [np.asarray(a) for a in args]
    before = [a.copy() for a in args]
    for reduction in [r for r in ("mean", "sum") if r in loss.reduction.choices]:
        for argnum in loss.differentiable:
            _, grad = loss.value_and_grad(*args, reduction=reduction, argnum=argnum, **hyper)
            assert not any(np.may_share_memory(grad, a) for a in args), (reduction, argnum)
        loss(*args, reduction=reduction, **hyper)
    per_sample = loss(*args, reduction="none", **hyper) if loss.reduction.per_sample else None
    if per_sample is not None:
        assert not any(np.may_share_memory(per_sample, a) for a in args)
    for a, b in zip(args, before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "binary_cross_entropy_with_logits"])
def test_elementwise_peak_memory_is_at_most_three_inputs(name):
    # the returned gradient counts as one of the three; a boolean mask (an eighth of an
    # input) is allowed on top, as binary_cross_entropy_with_logits needs the sign of z, and
    # 128 kB for NumPy's fixed-size casting buffers and small temporaries
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=400_000), rng.integers(0, 2, size=400_000).astype(float)
    loss = lossref.get(name)
    peak = peak_extra(lambda: loss.value_and_grad(x, y))
    assert peak <= 3.125 * x.nbytes + 128_000, peak / x.nbytes


# the block-sized temporaries each blocked kernel holds beside the gradient, as the Performance
# guide states them (docs/guides/performance.md, "No needless memory")
BLOCK_TEMPORARIES = {"mse": 1, "huber": 2, "binary_cross_entropy_with_logits": 4}


@pytest.mark.parametrize("name", sorted(BLOCK_TEMPORARIES))
def test_blocked_kernels_hold_the_gradient_and_the_temporaries_the_guide_states(name):
    # a block is BLOCK elements or the whole input: on a short input the ratio to it is higher
    # (the bench table's small sizes), on a long one the gradient dominates; a few kB of NumPy's
    # own small allocations on top
    loss, k = lossref.get(name), BLOCK_TEMPORARIES[name]
    rng = np.random.default_rng(0)
    for n in (1_000, 40_000, 400_000):
        x, y = rng.normal(size=n), rng.integers(0, 2, size=n).astype(float)
        block = 8 * min(n, BLOCK)
        extra = peak_extra(lambda x=x, y=y: loss.value_and_grad(x, y)) - x.nbytes  # beyond the gradient
        assert extra <= k * block + 16_000, (n, extra / block)
        if n >= 2 * BLOCK:  # "at most three input-sized arrays in all from 65,536 elements up"
            assert x.nbytes + extra <= 3 * x.nbytes
    assert round(extra / block) == k  # the count is exact: the guide's numbers are not stale


@pytest.mark.parametrize("name", ["mse", "huber", "binary_cross_entropy_with_logits"])
def test_hot_kernels_write_no_input_sized_array_the_reduction_does_not_read(name):
    # under a plain mean the values are summed block by block (BlockValues): a value-only call
    # allocates no input-sized array, value_and_grad one (the gradient, written in the value's
    # pass). Two fresh input-sized arrays freed together are what made glibc hand the memory
    # back to the OS, so that every call paid page faults again (3-4 ms of 4-15 ms at n = 1e6).
    # reduction="none" and weights= read each value: then the values are one more array.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=400_000), rng.integers(0, 2, size=400_000).astype(float)
    loss = lossref.get(name)
    block = 5 * 8 * BLOCK  # a few block-sized temporaries
    assert peak_extra(lambda: loss(x, y)) <= block
    assert peak_extra(lambda: loss(x, y, reduction="sum")) <= block
    assert peak_extra(lambda: loss.value_and_grad(x, y)) <= x.nbytes + block
    assert peak_extra(lambda: loss(x, y, reduction="none")) <= x.nbytes + block
    weighted = peak_extra(lambda: loss.value_and_grad(x, y, weights=y))
    assert weighted <= 3 * x.nbytes + block  # the values, the gradient and w·values


@pytest.mark.parametrize("name", ["mse", "huber", "binary_cross_entropy_with_logits"])
def test_a_sum_kept_per_block_gives_the_sum_of_the_values(name):
    # more than one block, a length that is not a multiple of one, and a (rows, columns) shape:
    # the blocks' sums must cover every value once (up to the order of the additions)
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3, 50_001)), rng.integers(0, 2, size=(3, 50_001)).astype(float)
    loss = lossref.get(name)
    each = loss(x, y, reduction="none")
    assert loss(x, y, reduction="sum") == pytest.approx(math.fsum(each.ravel()), rel=1e-14)
    assert loss(x, y) == pytest.approx(math.fsum(each.ravel()) / each.size, rel=1e-14)
    small = loss(x[:, :7], y[:, :7], reduction="sum")  # one block: np.sum's pairwise sum, bit for bit
    assert small == np.sum(loss(x[:, :7], y[:, :7], reduction="none"))


def test_finite_inputs_whose_sum_overflows_are_accepted():
    # the input check sums the array first; an overflow of that sum is not an inf in the input
    x = np.array([1e308, 1e308, -1e308])
    assert as_float_array(x, "x") is x
    assert lossref.mae(x, x) == 0.0
    with pytest.raises(ValueError, match="x contains inf"):
        as_float_array(np.array([1e308, np.inf]), "x")
    with pytest.raises(ValueError, match="x contains NaN"):
        as_float_array(np.array([np.inf, -np.inf, np.nan]), "x")


def test_bce_gradient_takes_the_sign_bit_at_zero():
    # the fast gradient picks its form by the sign bit of z: -0.0 and +0.0 are both σ(0) - y = 1/2 - y,
    # and the blocks of a long input give what a short one gives
    loss = lossref.binary_cross_entropy_with_logits
    grad = loss.grad(np.array([-0.0, 0.0, -0.0, 0.0]), np.array([1.0, 1.0, 0.0, 0.25]), reduction="sum")
    np.testing.assert_array_equal(grad, [-0.5, -0.5, 0.5, 0.25])
    z = np.tile([-40.0, -1.5, 0.0, 2.0, 40.0], 20_000)
    y = np.tile([1.0, 0.0, 0.5, 1.0, 0.0], 20_000)
    np.testing.assert_array_equal(
        loss.grad(z, y, reduction="sum")[:5], loss.grad(z[:5], y[:5], reduction="sum")
    )


def test_label_pair_index_matches_take_and_put_along_axis():
    # _pick and _p_minus_onehot index (row, label) pairs: on a C- and a Fortran-ordered input
    # they give take/put_along_axis's arrays exactly
    from lossref._labels import _p_minus_onehot, _pick

    rng = np.random.default_rng(17)
    log_p = rng.normal(size=(3, 5, 4))
    labels = rng.integers(0, 4, (3, 5))
    for arr in (log_p, np.asfortranarray(log_p)):
        expected = np.take_along_axis(arr, labels[..., None], axis=-1)[..., 0]
        assert np.array_equal(_pick(arr, labels), expected)
        onehot = np.exp(arr)
        np.put_along_axis(onehot, labels[..., None], np.expm1(expected)[..., None], axis=-1)
        assert np.array_equal(_p_minus_onehot(arr, labels, expected), onehot)


@pytest.mark.parametrize(
    ("name", "hyper"),
    [
        ("softmax_cross_entropy", {}),
        ("generalized_cross_entropy", {"q": 0.7}),
        ("symmetric_cross_entropy", {}),
    ],
)
def test_label_losses_give_the_same_gradient_for_fortran_ordered_logits(name, hyper):
    # the labels' pair index reads and writes rows as a C-ordered view (the test above covers
    # the helpers on a Fortran-ordered array); the sums over a row may add in another order
    loss = lossref.get(name)
    rng = np.random.default_rng(5)
    logits, labels = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    expected = loss.grad(logits, labels, **hyper)
    np.testing.assert_allclose(loss.grad(np.asfortranarray(logits), labels, **hyper), expected, rtol=1e-13)
