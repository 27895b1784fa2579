"""Analytic gradients vs finite differences: random inputs from hypothesis, and extremes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lossref
from lossref._domains import LOGITS, REAL

from helpers import (
    ALL_VARIANTS,
    LOSSES,
    assert_gradient_matches,
    get,
    per_sample_numerical_gradient,
    prepare,
    reductions,
    variant_id,
)


def _draw(loss, hyper, seed, batch, scale):
    rng = np.random.default_rng(seed)
    if not loss.reduction.independent_rows:  # a lone row has no negatives, and (SupCon) no positive: no mean
        batch = max(batch, 2)
    if loss.name == "circle":
        batch = max(batch, 3)  # circle needs a positive and a negative: labels [0, 0, 1] at least
    args = prepare(loss, loss.sample_inputs(rng, batch=batch, classes=4), hyper)
    # widen real-valued first arguments: tiny, ordinary and large residuals/logits
    if loss.meta.domain[loss.arg_names[0]] in (REAL, LOGITS):
        args[0] = args[0] * scale
    return args, rng


@pytest.mark.parametrize("pair", ALL_VARIANTS, ids=variant_id)
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    batch=st.integers(1, 6),
    scale=st.sampled_from([1e-3, 0.3, 1.0, 4.0, 30.0]),
    data=st.data(),
)
def test_gradient_matches_finite_differences(pair, seed, batch, scale, data):
    loss, hyper = pair
    reduction = data.draw(st.sampled_from(reductions(loss)))
    args, _ = _draw(loss, hyper, seed, batch, scale)
    assert_gradient_matches(loss, args, hyper, reduction=reduction)


OTHER_ARGS = [
    (loss, hyper, i)
    for loss, hyper in ALL_VARIANTS
    for i, name in enumerate(loss.arg_names)
    if i > 0 and name in loss.differentiable
]


@pytest.mark.parametrize(
    ("loss", "hyper", "argnum"), OTHER_ARGS, ids=lambda v: v.name if hasattr(v, "name") else str(v)
)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gradient_wrt_other_arguments(loss, hyper, argnum, seed):
    args, _ = _draw(loss, hyper, seed, 5, 1.0)
    assert_gradient_matches(loss, args, hyper, argnum=argnum)


def test_argnum_must_name_a_differentiable_argument():
    with pytest.raises(
        ValueError, match="argnum must name a differentiable argument of mse: 'y_pred'; got 1"
    ):
        lossref.mse.grad([1.0], [0.0], argnum=1)
    assert lossref.mse.grad([1.0], [0.0], argnum="y_pred").tolist() == [2.0]


NO_GRADIENT = [loss for loss in LOSSES if not loss.differentiable]


@pytest.mark.parametrize("loss", NO_GRADIENT, ids=lambda loss: loss.name)
def test_evaluation_only_losses_refuse_a_gradient(loss, rng):
    # the losses left out of every gradient test above and below: grad must say why
    args = loss.sample_inputs(rng)
    assert np.isfinite(loss(*args))
    for call in (loss.grad, loss.value_and_grad):
        with pytest.raises(TypeError, match=f"{loss.name} has no gradient: it is piecewise constant"):
            call(*args)
    assert {loss.name for loss in LOSSES} - {loss.name for loss, _ in ALL_VARIANTS} == {
        loss.name for loss in NO_GRADIENT
    }


# a coupled loss (InfoNCE) rejects weights=: test_losses checks that it raises
@pytest.mark.parametrize("pair", [p for p in ALL_VARIANTS if p[0].reduction.independent_rows], ids=variant_id)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_weighted_gradient_matches_finite_differences(pair, seed):
    loss, hyper = pair
    args, rng = _draw(loss, hyper, seed, 5, 1.0)
    weights = rng.uniform(0.1, 3.0, size=5)
    assert_gradient_matches(loss, args, hyper, weights=weights)


# Extremes: rows of a table, each a place where a naive formula overflows, divides by
# zero or loses the gradient. Every row must give finite values and gradients that agree
# with finite differences (except across kinks, which are tested by hand elsewhere).
# Probabilities within 1e-12 of 0 or 1 are too close to the edge for finite differences
# in float64; they are checked for finiteness here and against closed forms in test_losses.
EXTREMES = [
    (loss.name, args, hyper) for loss in lossref.catalog() for args, hyper in loss.meta.checks.extremes
]


def test_every_loss_declares_extremes():
    assert {name for name, *_ in EXTREMES} == {loss.name for loss in lossref.catalog()}


@pytest.mark.parametrize(
    ("name", "args", "hyper"), EXTREMES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(EXTREMES)]
)
def test_finite_value_and_gradient_at_extremes(name, args, hyper):
    loss = get(name)  # with the examples of its required hyperparameters
    args = [np.asarray(a) for a in args]
    if not loss.differentiable:  # evaluation only: a finite value, and grad raises
        assert np.isfinite(loss(*args, reduction="none", **hyper)).all()
        with pytest.raises(TypeError, match="has no gradient"):
            loss.grad(*args, reduction="sum", **hyper)
        return
    if not loss.reduction.per_sample:  # a metric of the whole batch (RMSE): no per-sample values
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            value, grad = loss.value_and_grad(*args, **hyper)
        assert np.isfinite(value)
        assert np.isfinite(grad).all()
        assert_gradient_matches(loss, [a.astype(float) for a in args], hyper)
        return
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        values = loss(*args, reduction="none", **hyper)
        value, grad = loss.value_and_grad(*args, reduction="sum", **hyper)
    assert np.isfinite(values).all()
    assert np.isfinite(value)
    assert np.isfinite(grad).all()
    x = args[0].astype(float)
    if loss.name == "binary_cross_entropy" and min(x.min(), 1 - x.max()) < 1e-9:
        return
    if (
        not loss.reduction.independent_rows
    ):  # every row's loss moves with every row: differences of the whole sum
        floats = [
            a.astype(float) if name in loss.differentiable else a
            for name, a in zip(loss.arg_names, args, strict=True)
        ]
        for name in loss.differentiable:
            assert_gradient_matches(loss, floats, hyper, reduction="sum", argnum=loss.arg_names.index(name))
        return
    numeric, noise = per_sample_numerical_gradient(loss, [x, *args[1:]], hyper)
    check = np.isfinite(numeric)  # log-probabilities at exactly 0 cannot be stepped
    if loss.meta.checks.kink_distance is not None:
        check &= loss.meta.checks.kink_distance(x, *args[1:], **hyper) > 3e-3 * np.maximum(1, np.abs(x))
    error = np.abs(grad - numeric)[check]
    assert (error <= 1e-7 * np.abs(numeric[check]) + noise[check] + 1e-300).all(), (grad, numeric, noise)


# --- issue 20: relativistic average GAN (variant="relativistic_average") ---
# The batch means couple the samples, so the registry-wide per-sample checks (which run every
# declared variant of these losses sample by sample, with weights) cannot run this variant: the
# gradient of the whole reduced loss is checked here, for both logit arguments.
RAGAN = {"variant": "relativistic_average"}


def _ragan_cases():
    """(loss, arguments, hyperparameters, argnum) for both losses and every differentiable logit."""
    d, g = lossref.gan_discriminator, lossref.gan_generator
    return lambda r, f: [
        (d, [r, f], RAGAN, 0),
        (d, [r, f], RAGAN, 1),
        (g, [f], {**RAGAN, "real_logits": r}, 0),
    ]


@pytest.mark.parametrize("shape", [(), (1,), (2,), (6,), (2, 3)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-3, 0.3, 1.0, 4.0, 30.0]))
def test_relativistic_average_gan_gradient_matches_finite_differences(shape, reduction, seed, scale):
    rng = np.random.default_rng(seed)
    r, f = rng.normal(scale=scale, size=shape), rng.normal(scale=scale, size=shape)
    for loss, args, hyper, argnum in _ragan_cases()(r, f):
        assert_gradient_matches(loss, args, hyper, reduction=reduction, argnum=argnum, coupled=True)


RAGAN_EXTREMES = [
    # saturated logits, far apart and cancelling in the means
    ([1e4, -1e4, 0.0, 1e-300, 40.0, -40.0], [-1e4, 1e4, 0.0, -1e-300, 40.0, -745.0]),
    # logits of 1e4 that differ by tenths: the means must keep the digits below 1e4
    ([1e4 + 0.3, 1e4 + 0.1, 1e4 - 2.0], [1e4, 1e4 + 0.1, 1e4 + 0.2]),
    # every relativistic logit beyond ±700, and ties
    ([700.0, 700.5, 699.0], [-10.0, 0.1, 5.0]),
    ([3.0, 3.0], [3.0, 3.0]),
    ([1e8, -1e8], [1e8 + 2.0, -1e8]),
]


@pytest.mark.parametrize(("real", "fake"), RAGAN_EXTREMES)
def test_relativistic_average_gan_at_extremes(real, fake):
    r, f = np.array(real), np.array(fake)
    for loss, args, hyper, argnum in _ragan_cases()(r, f):
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
            values = loss(*args, reduction="none", **hyper)
            value, grad = loss.value_and_grad(*args, reduction="sum", argnum=argnum, **hyper)
        assert np.isfinite(values).all()
        assert np.isfinite(value)
        assert np.isfinite(grad).all()
        assert_gradient_matches(loss, args, hyper, reduction="sum", argnum=argnum, coupled=True)


def test_relativistic_average_gan_against_mpmath():
    # tests/mp_reference.py's formula at 400 digits: every pair's value, and every entry of both
    # gradients (of the sum, by mpmath's differentiation), within 1e-15 relative; the two gradient
    # terms have one sign, so their sum does not cancel
    import mpmath as mp

    from accuracy import DPS, derivative, relative_error
    from mp_reference import relativistic_average_gan as ref

    batches = [
        *RAGAN_EXTREMES,
        ([0.0], [0.0]),
        ([1e-300, -1e-300], [0.0, 1e-300]),
        ([0.1, 0.2, 0.3, 0.7, 1.1], [0.3, 0.1, -0.2, 0.5, 0.2]),
        ([-30.0, 35.0, 1e-8], [20.0, -700.0, 0.0]),
        ([0.15, 1e4], [1e4, -1e4 + 0.3]),
    ]
    d = lossref.gan_discriminator
    worst_value = worst_grad = 0.0
    with mp.workdps(DPS):
        for real, fake in batches:
            r, f = np.array(real), np.array(fake)
            exact = ref([mp.mpf(x) for x in real], [mp.mpf(x) for x in fake])
            for ours, e in zip(d(r, f, reduction="none", **RAGAN), exact, strict=True):
                worst_value = max(worst_value, relative_error(float(ours), e) or 0.0)
            for k, arr in enumerate((r, f)):
                grad = d.grad(r, f, reduction="sum", argnum=k, **RAGAN)
                for j in range(arr.size):

                    def total(t, k=k, j=j, real=real, fake=fake):
                        point = [[mp.mpf(x) for x in real], [mp.mpf(x) for x in fake]]
                        point[k][j] = t
                        return mp.fsum(ref(*point))

                    e = derivative(total, mp.mpf(float(arr[j])))
                    worst_grad = max(worst_grad, relative_error(float(grad[j]), e) or 0.0)
    assert worst_value <= 1e-15
    assert worst_grad <= 1e-15
