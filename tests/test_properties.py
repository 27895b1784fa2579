"""Every property a loss declares in its metadata (and so prints on its page) is checked here."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lossref._core import PROPERTIES
from lossref._domains import LOGITS, REAL, SIGN_LABEL

from helpers import LOSSES, prepare, variants

WITH = {prop: [pair for loss in LOSSES if prop in loss.meta.properties for pair in variants(loss)] for prop in PROPERTIES}


def pair_id(pair):
    loss, hyper = pair
    return loss.name + ("" if not hyper else "-" + ",".join(k for k in hyper))


def _inputs(loss, hyper, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    args = prepare(loss, loss.sample_inputs(rng, batch=8, classes=4), hyper)
    return args, rng


def _per_sample(loss, *args, **hyper):
    """reduction="none"; a metric of the whole batch (RMSE) has no per-sample values: its one value."""
    if "none" in loss.meta.reductions:
        return loss(*args, reduction="none", **hyper)
    return np.array([loss(*args, **hyper)])


def test_every_declared_property_is_known():
    for loss in LOSSES:
        assert set(loss.meta.properties) <= set(PROPERTIES), loss.name


@pytest.mark.parametrize("pair", WITH["non_negative"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_non_negative(pair, seed):
    loss, hyper = pair
    args, _ = _inputs(loss, hyper, seed)
    assert (_per_sample(loss, *args, **hyper) >= 0).all()


@pytest.mark.parametrize("pair", WITH["convex"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), t=st.floats(0.05, 0.95))
def test_convex_along_random_chords(pair, seed, t):
    loss, hyper = pair
    args, rng = _inputs(loss, hyper, seed)
    other = prepare(loss, loss.sample_inputs(rng, batch=8, classes=4), hyper)[0]
    x, y = np.asarray(args[0], float), np.asarray(other, float)
    rest = args[1:]
    if loss.name in ("kl_div", "js_div"):  # convex in a on the set of normalised log-probabilities: chord through log-space mixtures
        mix = np.log(t * np.exp(x) + (1 - t) * np.exp(y))
        lhs = _per_sample(loss, mix, *rest, **hyper)
    else:
        lhs = _per_sample(loss, t * x + (1 - t) * y, *rest, **hyper)
    rhs = t * _per_sample(loss, x, *rest, **hyper) + (1 - t) * _per_sample(loss, y, *rest, **hyper)
    assert (lhs <= rhs + 1e-12 * (1 + np.abs(rhs))).all()


@pytest.mark.parametrize("pair", WITH["zero_iff_equal"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_zero_exactly_when_prediction_equals_target(pair, seed):
    loss, hyper = pair
    args, _ = _inputs(loss, hyper, seed)
    target = args[1]
    assert (_per_sample(loss, target, target, **hyper) == 0).all()
    moved = target + np.where(np.arange(target.size).reshape(target.shape) % 2 == 0, 1e-3, -1e-3)
    assert (_per_sample(loss, moved, target, **hyper) > 0).all()


@pytest.mark.parametrize("pair", WITH["symmetric"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_symmetric_in_prediction_and_target(pair, seed):
    loss, hyper = pair
    args, _ = _inputs(loss, hyper, seed)
    np.testing.assert_array_equal(_per_sample(loss, args[0], args[1], **hyper),
                                  _per_sample(loss, args[1], args[0], **hyper))


@pytest.mark.parametrize("pair", WITH["bounded_gradient"], ids=pair_id)
def test_gradient_stays_bounded_for_huge_errors(pair):
    loss, hyper = pair
    huge = np.array([1e2, -1e2, 1e6, -1e6, 1e12, -1e12])
    if len(loss.arg_names) == 1:  # a penalty: no target
        rest = []
    else:
        rest = [np.ones_like(huge) if loss.meta.domain[loss.arg_names[1]] is SIGN_LABEL else np.zeros_like(huge)]
    g = np.abs(loss.grad(huge, *rest, reduction="sum", **hyper))
    # the bound: the slope of the linear tails, reached already at |error| = 100 (within 1e-4:
    # Charbonnier's slope 1/√(1 + ε²/r²) only tends to 1)
    tail = 4.0 if loss.name == "modified_huber" else 1.0  # its tail is -4·y f
    assert g.max() <= g[:2].max() * (1 + 1e-4) and g.max() <= max([tail, *[v for v in hyper.values() if isinstance(v, float)]])


@pytest.mark.parametrize("pair", WITH["smooth"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_smooth_gradient_has_no_jumps(pair, seed):
    loss, hyper = pair
    args, _ = _inputs(loss, hyper, seed)
    x = np.asarray(args[0], float)
    # and at 0, where 0 is inside the domain (not for a rate or a variance)
    zero = loss.layout == "elementwise" and loss.meta.domain[loss.arg_names[0]] in (REAL, LOGITS)
    points = [x, np.zeros_like(x)] if zero else [x]
    for point in points:
        # a jump shows as a gap between gradients 2e-12 apart, where a smooth gradient moves by at most
        # its curvature × 2e-12 (Charbonnier's is 1/ε = 1e3 at r = 0) (shifted down: log-probabilities stay <= 0)
        lo = loss.grad(point - 2e-12, *args[1:], reduction="sum", **hyper)
        hi = loss.grad(point, *args[1:], reduction="sum", **hyper)
        # relative to |∂ℓ|: the exponential loss's gradient e^{-y f} has no bounded curvature
        assert (np.abs(hi - lo) < 1e-6 * np.maximum(1.0, np.abs(hi))).all()


def test_non_smooth_losses_really_have_a_jump():
    # the converse, so "smooth" is not a label everyone gets: each kinked loss jumps at its kink
    from lossref import hinge, mae, quantile

    for loss, x, y in [(mae, 0.0, 0.0), (quantile, 0.0, 0.0), (hinge, 1.0, 1.0)]:
        lo = loss.grad([x - 1e-9], [y], reduction="sum")
        hi = loss.grad([x + 1e-9], [y], reduction="sum")
        assert abs(hi - lo)[0] > 0.1
