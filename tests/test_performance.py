"""What the speed-ups must not break: inputs are not copied, never written into, never returned.

No time is asserted here (``make bench`` measures); memory is, because it is deterministic.
"""

import numpy as np
import pytest

import lossref
from bench import peak_extra
from lossref._checks import as_float_array

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


def test_finite_inputs_whose_sum_overflows_are_accepted():
    # the input check sums the array first; an overflow of that sum is not an inf in the input
    x = np.array([1e308, 1e308, -1e308])
    assert as_float_array(x, "x") is x
    assert lossref.mae(x, x) == 0.0
    with pytest.raises(ValueError, match="x contains inf"):
        as_float_array(np.array([1e308, np.inf]), "x")
    with pytest.raises(ValueError, match="x contains NaN"):
        as_float_array(np.array([np.inf, -np.inf, np.nan]), "x")
