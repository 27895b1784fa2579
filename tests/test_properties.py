"""Every property a loss declares in its metadata (and so prints on its page) is checked here, both ways.

A declared property must hold, and an undeclared one must fail somewhere (the converse tests at
the end), so no label is set by hand. Each is checked in the first argument's own space: the
values its domain accepts, with the other arguments fixed, over the loss's variants.
"""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

from lossref._angular import COSINES
from lossref._core import PROPERTIES, ROBUSTNESS
from lossref._domains import DISTRIBUTION, LOG_PROBABILITY, LOGITS, PROBABILITY, REAL
from lossref._segmentation import MASK_PROBABILITIES, PIXEL_CLASS_PROBS
from lossref._sequence import CTC_LOG_PROBS

from accuracy import _fit_classes, stress_points
from helpers import LOSSES, loss_id, prepare, variant_id, variants

WITH = {
    prop: [pair for loss in LOSSES if prop in loss.meta.properties for pair in variants(loss)]
    for prop in PROPERTIES
}


def pair_id(pair):
    loss, hyper = pair
    return loss.name + ("" if not hyper else "-" + ",".join(k for k in hyper))


def _inputs(loss, hyper, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    args = prepare(loss, loss.sample_inputs(rng, batch=8, classes=4), hyper)
    return args, rng


def _per_sample(loss, *args, **hyper):
    """reduction="none"; a metric of the whole batch (RMSE) has no per-sample values: its one value."""
    if loss.reduction.per_sample:
        return loss(*args, reduction="none", **hyper)
    return np.array([loss(*args, **hyper)])


def test_every_declared_property_is_known():
    for loss in LOSSES:
        assert set(loss.meta.properties) <= set(PROPERTIES), loss.name


def test_every_robustness_claim_carries_its_reference():
    # a claim no test can execute names the reference that shows it, and that reference is
    # listed on the page; robust to outliers needs the checked fact it rests on, a bounded ψ
    assert not any("robust" in text for text in PROPERTIES.values())  # checked facts claim no robustness
    claims = 0
    for loss in LOSSES:
        for claim, reference in loss.meta.robust.items():
            assert claim in ROBUSTNESS, (loss.name, claim)
            assert reference in loss.meta.references, (loss.name, claim, reference)
            assert claim != "outliers" or "bounded_gradient" in loss.meta.properties, loss.name
            claims += 1
    assert claims >= 9  # the regression M-estimators and MAE's label noise: the check has work to do


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
    # the chord in the first argument's own space: a point off the domain raises, and fails
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
    if loss.meta.domain[loss.arg_names[0]] is LOG_PROBABILITY:  # moved within the domain: rows renormalised
        moved = moved - logsumexp(moved, axis=-1, keepdims=True)
    moved_values = _per_sample(loss, moved, target, **hyper)
    # nonzero off the target; > 0 where the loss is non-negative (the k1 KL estimate is not: it is
    # −log ρ, zero only at ρ = 1 but negative on one side)
    assert (moved_values > 0 if "non_negative" in loss.meta.properties else moved_values != 0).all()


@pytest.mark.parametrize("pair", WITH["symmetric"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_symmetric_in_prediction_and_target(pair, seed):
    loss, hyper = pair
    args, _ = _inputs(loss, hyper, seed)
    # the rest (labels, a variance) stay in place; equal to rounding (cosine_embedding's ‖a‖‖b‖
    # is a product in the other order)
    eps = np.finfo(float).eps
    np.testing.assert_allclose(
        _per_sample(loss, args[0], args[1], *args[2:], **hyper),
        _per_sample(loss, args[1], args[0], *args[2:], **hyper),
        rtol=8 * eps,
        atol=8 * eps,
    )


@pytest.mark.parametrize("pair", WITH["smooth"], ids=pair_id)
@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_smooth_gradient_has_no_jumps(pair, seed):
    loss, hyper = pair
    args, _ = _inputs(loss, hyper, seed)
    x = np.asarray(args[0], float)
    # and at 0, where 0 is inside the domain (not for a rate or a variance)
    zero = loss.elementwise and loss.meta.domain[loss.arg_names[0]] in (REAL, LOGITS)
    points = [x, np.zeros_like(x)] if zero else [x]
    for point in points:
        # a jump shows as a gap between gradients 2e-12 apart, where a smooth gradient moves by at
        # most its curvature × 2e-12 (Charbonnier's is 1/ε = 1e3 at r = 0) (shifted down:
        # log-probabilities stay <= 0)
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


# --- the converse: a property a loss does not declare must fail somewhere ------------------
#
# Without these, a label could be left off (or set) by hand: "convex: no" on a convex loss is as
# wrong on a page as "convex: yes" on a non-convex one. Each search is deterministic, runs over
# the loss's variants, and moves only in the first argument's own space (the values its domain
# accepts): a point the loss rejects is not a counterexample.

WITHOUT = {prop: [loss for loss in LOSSES if prop not in loss.meta.properties] for prop in PROPERTIES}


def _reduction(loss):
    return "sum" if "sum" in loss.reduction.choices else "mean"


def _try(f, *args, **kw):
    """f(...), or None where the point is outside the loss's domain (it raises ValueError)."""
    try:
        with np.errstate(all="ignore"):
            return f(*args, **kw)
    except ValueError:
        return None


def _moderate(loss, hyper):
    """Draws from each argument's domain, as every other test uses them."""
    return [
        prepare(loss, loss.sample_inputs(np.random.default_rng(seed), batch=8, classes=4), hyper)
        for seed in range(6)
    ]


def _toward_edges(loss, x):
    """The first argument pushed to the edges of its domain, the way that domain allows."""
    domain = loss.meta.domain[loss.arg_names[0]]
    if domain in (LOG_PROBABILITY, CTC_LOG_PROBS):  # sharper distributions: log-probabilities → -∞
        return [k * x - logsumexp(k * x, axis=-1, keepdims=True) for k in (10.0, 1e3)]
    if domain in (DISTRIBUTION, PIXEL_CLASS_PROBS):  # towards a vertex of the simplex
        return [np.exp(k * np.log(x) - logsumexp(k * np.log(x), axis=-1, keepdims=True)) for k in (10.0, 1e3)]
    if domain in (PROBABILITY, MASK_PROBABILITIES, COSINES):  # each entry towards its nearer end
        lo = -1.0 if domain is COSINES else 0.0
        mid = 0.5 * (lo + 1.0)
        return [
            np.where(x < mid, lo + (x - lo) * e, 1.0 - (1.0 - x) * e) for e in (1e-2, 1e-4, 1e-6, 1e-8, 1e-12)
        ]
    return [x * s for s in (1e-8, 1e-4, 1e4, 1e8)]  # ℝ, or a scale (> 0): towards 0 and ∞


def _extremes(loss, hyper):
    """Inputs at the edges of the domain.

    The product of every argument's stress values (logits of ±1e4, residuals of 1e4 and -1e8,
    probabilities within 1e-300 of 0 and 1e-15 of 1, log-probability rows down to -2e4, zero
    and 1e200 vectors, targets of 1e-300), and draws whose first argument is pushed to the
    edges of its domain (scaled by 1e±8 on ℝ; to within 1e-12 of the ends of an interval).
    """
    points = []
    for args in _moderate(loss, hyper):
        points += [[x, *args[1:]] for x in _toward_edges(loss, np.asarray(args[0], float))]
    if (
        not loss.reduction.independent_rows
    ):  # its rows are each other's negatives: a batch, not stress points;
        for args in _moderate(loss, hyper):  # the other vectors pushed too (N-pair's positives)
            points += [
                [args[0], *(a * s if np.shape(a) == np.shape(args[0]) else a for a in args[1:])]
                for s in (1e-8, 1e8)
            ]
        return points
    stress = stress_points(loss, hyper)
    if len(stress) > 3000:
        keep = np.random.default_rng(0).choice(len(stress), 3000, replace=False)
        stress = [stress[k] for k in keep]
    if loss.elementwise:  # one batch of all the points; each alone if some are invalid
        batch = [np.concatenate([np.atleast_1d(p[k]) for p in stress]) for k in range(len(loss.arg_names))]
        return points + (
            [batch] if _try(loss.grad, *batch, reduction=_reduction(loss), **hyper) is not None else stress
        )
    return points + stress


def _largest_gradient(loss, hyper, points):
    """max |∂ℓ| over the points the loss accepts, and how many it accepted."""
    largest, counted = 0.0, 0
    for args in points:
        # per-class hyperparameters are written for four classes; the stress rows have three
        h = _fit_classes(loss, hyper, args)
        g = _try(loss.grad, *args, reduction=_reduction(loss), **h)
        if g is not None:
            largest = max(largest, float(np.max(np.abs(g))) if np.isfinite(g).all() else np.inf)
            counted += 1
    return largest, counted


def gradient_growth(loss, hyper):
    """max |∂ℓ| at the extremes over max |∂ℓ| on draws from the domain."""
    extreme, counted = _largest_gradient(loss, hyper, _extremes(loss, hyper))
    assert counted >= 10, f"{loss.name}: only {counted} extreme inputs are valid"  # not a vacuous check
    moderate, _ = _largest_gradient(loss, hyper, _moderate(loss, hyper))
    return extreme / moderate if moderate > 0 else (np.inf if extreme > 0 else 0.0)  # 0: ∂ℓ ≡ 0 (no penalty)


@pytest.mark.parametrize("pair", WITH["bounded_gradient"], ids=pair_id)
def test_bounded_gradient_stays_bounded_at_the_extremes(pair):
    # within 10x of its size on ordinary inputs (the linear tails' slope, σ's 1, β for DPO)
    loss, hyper = pair
    assert gradient_growth(loss, hyper) <= 10


@pytest.mark.parametrize(
    "loss", [loss for loss in WITHOUT["bounded_gradient"] if loss.differentiable], ids=loss_id
)
def test_unbounded_gradient_grows_at_the_extremes(loss):
    # over the hyperparameter's range too: jaccard's gradient grows like 1/smooth, at no variant
    growth = {}
    for pair in variants(loss) + hyperparameter_range(loss):  # one that grows is enough
        growth[variant_id(pair)] = gradient_growth(*pair)
        if growth[variant_id(pair)] >= 100:
            break
    # ≥ 100x, two orders above what a declared bound may show: no loss can pass both tests.
    # (ArcFace's ψ'(c) ~ 1/√(1 − c) is capped at c = 1 − 1e-7, about 1000 cos m: it grows 500x.)
    assert max(growth.values()) >= 100, (
        f"{loss.name}: the gradient stays bounded ({growth}): declare bounded_gradient"
    )


def _chords(loss, hyper):
    """(x, y, rest) chords between two draws of the first argument, the rest shared.

    Then the same scaled by 10 where the domain allows (a non-convex region can lie beyond the
    draws).
    """
    chords = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        args = prepare(loss, loss.sample_inputs(rng, batch=8, classes=4), hyper)
        other = prepare(loss, loss.sample_inputs(rng, batch=8, classes=4), hyper)[0]
        x, y = np.asarray(args[0], float), np.asarray(other, float)
        chords += [(x, y, args[1:]), (10 * x, 10 * y, args[1:])]
    return chords


def convexity_counterexample(loss, hyper):
    """A chord above which the loss rises, or one that leaves the domain (no convex set)."""
    for x, y, rest in _chords(loss, hyper):
        fx, fy = _try(_per_sample, loss, x, *rest, **hyper), _try(_per_sample, loss, y, *rest, **hyper)
        if fx is None or fy is None:
            continue
        for t in (0.25, 0.5, 0.75):
            mid = _try(_per_sample, loss, t * x + (1 - t) * y, *rest, **hyper)
            if mid is None:
                return "the chord leaves the domain"
            chord = t * fx + (1 - t) * fy
            if (mid > chord + 1e-9 * (1 + np.abs(chord))).any():
                return f"the loss rises above a chord by {float(np.max(mid - chord)):.3g}"
    return None


@pytest.mark.parametrize("loss", WITHOUT["convex"], ids=loss_id)
def test_non_convex_losses_rise_above_a_chord(loss):
    found = {variant_id(pair): convexity_counterexample(*pair) for pair in variants(loss)}
    assert any(found.values()), (
        f"{loss.name}: no chord in {len(_chords(*variants(loss)[0]))} shows non-convexity: declare convex"
    )


def gradient_jump(loss, hyper, enough=np.inf):
    """The largest jump of the slope along a chord, by bisection down to 2⁻⁴⁵ of its length.

    Returns as soon as a jump exceeds ``enough``: one kink is all a non-smooth loss must show.

    Random chords, and chords to and through the target (x to y, and to 2y − x: |r| and rmse
    bend at x = y, focal Tversky's (1 − TI)^γ at a perfect prediction). On the four grid
    intervals where the slope changes most, bisection keeps the half where it changes more: a
    kink keeps its jump (times the chord's component across it), a smooth loss's slope differs
    by its curvature × 2⁻⁴⁵ at the end.
    """
    chords = _chords(loss, hyper)[:8:2]
    for x, _, rest in chords[:2]:
        if rest and np.shape(rest[0]) == x.shape:  # (a chord off the domain is skipped below)
            y = np.asarray(rest[0], float)
            chords += [(x, 2 * y - x, rest), (x, y, rest)]
    # a batch loss of Euclidean distances (lifted_structure) bends only where two rows coincide
    x0, _, rest0 = chords[0]
    if "labels" in loss.arg_names and np.ndim(x0) == 2 and len(x0) > 1:
        y = np.array(x0, float)
        y[1] = y[0]
        chords.append((x0, 2 * y - x0, rest0))
    worst = 0.0
    for x, y, rest in chords:
        d = y - x

        def slope(s, x=x, d=d, rest=rest):
            g = _try(loss.grad, x + s * d, *rest, reduction=_reduction(loss), **hyper)
            return None if g is None else float((g * d).sum())

        grid = np.linspace(0.0, 1.0, 33)
        slopes = [slope(s) for s in grid]
        if any(v is None for v in slopes):
            continue
        for k in np.argsort(-np.abs(np.diff(slopes)))[:4]:
            (lo, glo), (hi, ghi) = (grid[k], slopes[k]), (grid[k + 1], slopes[k + 1])
            for _ in range(45):
                mid = 0.5 * (lo + hi)
                gm = slope(mid)
                if abs(gm - glo) >= abs(ghi - gm):
                    hi, ghi = mid, gm
                else:
                    lo, glo = mid, gm
            worst = max(worst, abs(ghi - glo) / max(1.0, abs(ghi)))
            if worst > enough:
                return worst
    return worst


# perceptual is as smooth as the user's feature network: the tests' example (tanh) is, a ReLU
# network is not, so it declares neither (test_network_dependent_properties_are_not_declared)
@pytest.mark.parametrize(
    "loss",
    # gradient_penalty's only kink is the point g = 0 (‖g‖), which a random chord misses
    [
        loss
        for loss in WITHOUT["smooth"]
        if loss.differentiable and loss.name not in {"perceptual", "gradient_penalty"}
    ],
    ids=loss_id,
)
def test_non_smooth_losses_have_a_kink_on_some_chord(loss):
    kink = 1e-3  # the smallest jump of the slope that counts as a kink
    jumps = {}
    for pair in variants(loss):
        jumps[variant_id(pair)] = gradient_jump(*pair, enough=kink)
        if jumps[variant_id(pair)] > kink:
            break
    assert max(jumps.values()) > kink, f"{loss.name}: no jump in the gradient ({jumps}): declare smooth"


def test_modified_huber_caps_the_pull_of_a_misclassified_point_at_4():
    # its use_case says |∂ℓ/∂f| ≤ 4 where the squared hinge's grows (scikit-learn says
    # "tolerance to outliers"): -4y on the linear tail y f < -1, by hand; 2(1 + 1e8) for the squared hinge
    from lossref import modified_huber, squared_hinge

    f, y = np.array([-1e8, -3.0, -1.0, 0.0, 1e8]), np.array([1.0, 1.0, 1.0, 1.0, -1.0])
    np.testing.assert_array_equal(modified_huber.grad(f, y, reduction="sum"), [-4.0, -4.0, -4.0, -2.0, 4.0])
    assert squared_hinge.grad([-1e8], [1.0], reduction="sum")[0] == -2.0 * (1 + 1e8)


def test_a_loss_without_gradient_declares_no_gradient_property():
    # the 0–1 loss is piecewise constant: its value jumps, and .grad raises
    for loss in LOSSES:
        if not loss.differentiable:
            assert not {"smooth", "bounded_gradient"} & set(loss.meta.properties), loss.name


def test_network_dependent_properties_are_not_declared():
    from lossref import perceptual

    assert not {"convex", "smooth", "bounded_gradient", "zero_iff_equal"} & set(perceptual.meta.properties)


def _value_points(loss, hyper):
    """Draws from the domain and the inputs at its edges (as for the gradient bound)."""
    return _moderate(loss, hyper) + _extremes(loss, hyper)


def _values(loss, args, hyper):
    """Per-sample values, or None where the loss rejects the point (or it is malformed for it)."""
    h = _fit_classes(loss, hyper, args)
    try:
        with np.errstate(all="ignore"):
            return np.asarray(_per_sample(loss, *args, **h), float)
    except (ValueError, TypeError):
        return None


def negative_value(loss, hyper):
    """The most negative per-sample value found, or None."""
    worst = None
    for args in _value_points(loss, hyper):
        v = _values(loss, args, hyper)
        if v is not None and (v < 0).any():
            worst = min(worst or 0.0, float(v.min()))
    return worst


@pytest.mark.parametrize("loss", WITHOUT["non_negative"], ids=loss_id)
def test_losses_not_declared_non_negative_go_below_zero(loss):
    found = {variant_id(pair): negative_value(*pair) for pair in variants(loss)}
    assert any(v is not None for v in found.values()), (
        f"{loss.name}: never below 0 ({found}): declare non_negative"
    )


def asymmetry(loss, hyper):
    """Why swapping the first two arguments changes ℓ (or cannot be done), or None."""
    if len(loss.arg_names) < 2:
        return "no target to swap with"
    for args in _value_points(loss, hyper):
        v = _values(loss, args, hyper)
        if v is None:
            continue
        swapped = _values(loss, [args[1], args[0], *args[2:]], hyper)
        if swapped is None or swapped.shape != v.shape:
            return "the target is not a valid prediction"
        apart = ~np.isclose(swapped, v, rtol=1e-9, atol=1e-9, equal_nan=True)  # beyond rounding
        if apart.any():
            return f"ℓ changes from {v[apart].flat[0]:.3g} to {swapped[apart].flat[0]:.3g}"
    return None


@pytest.mark.parametrize("loss", WITHOUT["symmetric"], ids=loss_id)
def test_losses_not_declared_symmetric_change_under_a_swap(loss):
    found = {variant_id(pair): asymmetry(*pair) for pair in variants(loss)}
    assert any(found.values()), f"{loss.name}: swapping never changes ℓ: declare symmetric"


def zero_elsewhere(loss, hyper):
    """Why ℓ = 0 is not exactly prediction = target; None if the search finds neither.

    Either ℓ(t, t) ≠ 0 (or t is no valid prediction), or ℓ(x, t) = 0 at some x ≠ t: the draws,
    and the target shifted by 1 or doubled (a softmax cannot tell logits t + c from t).
    """
    if len(loss.arg_names) < 2:
        return "no target to equal"
    points = [(args, True) for args in _moderate(loss, hyper)] + [
        (args, False) for args in _extremes(loss, hyper)
    ]
    for args, moderate in points:
        if _values(loss, args, hyper) is None:
            continue
        target, rest = args[1], args[2:]
        same = _values(loss, [target, target, *rest], hyper)
        if same is None or np.shape(target) != np.shape(args[0]):
            return "the target is not a valid prediction"
        if (same != 0).any():
            return f"ℓ(t, t) = {float(np.max(np.abs(same))):.3g}"
        if not moderate:  # at the extremes ℓ may underflow to 0 (log-probabilities -1e4 and -2e4
            continue  # both mean probability 0): that is rounding, not a counterexample
        t = np.asarray(target, float)
        for x in (np.asarray(args[0], float), t + 1.0, 2.0 * t):
            v = _values(loss, [x, target, *rest], hyper)
            if v is None or (x == t).all():
                continue
            rows = (x != t).reshape(v.size, -1).any(axis=1)  # the samples (or the one batch) that differ
            if (np.abs(v.ravel()[rows]) <= 1e-12).any():  # zero but for rounding
                return "ℓ = 0 at a prediction other than the target"
    return None


# perceptual is zero iff the *features* agree: with the tests' tanh network that is x = y, with
# a ReLU network it is not (test_network_dependent_properties_are_not_declared)
@pytest.mark.parametrize(
    "loss", [loss for loss in WITHOUT["zero_iff_equal"] if loss.name != "perceptual"], ids=loss_id
)
def test_losses_not_declared_zero_iff_equal_are_zero_elsewhere(loss):
    found = {variant_id(pair): zero_elsewhere(*pair) for pair in variants(loss)}
    assert any(found.values()), (
        f"{loss.name}: ℓ = 0 exactly at prediction = target here: declare zero_iff_equal"
    )


# --- hyperparameters: a property on the page holds for every valid value, not just the variants ---
#
# Each float hyperparameter (one with a slider, a variant, or an invalid example) is set to the
# ends of its slider and to the edges of its valid range near 0 and 1 (0, 1e-7, 1 − 1e-7, 1:
# the smallest smooth, a q or label smoothing next to its end), whichever the loss accepts.


def _float_default(loss, key):
    param = inspect.signature(loss._loss if hasattr(loss, "_loss") else loss).parameters.get(key)
    return param is not None and type(param.default) is float


def hyperparameter_range(loss):
    """(loss, hyper) pairs at the ends of each float hyperparameter's range that the loss accepts."""
    keys = set(loss.meta.plot.explore)
    for v in loss.meta.checks.variants:
        keys |= {k for k, x in v.items() if type(x) is float}
    keys |= {k for bad, *_ in loss.meta.checks.invalid for k in bad if _float_default(loss, k)}
    pairs = []
    for key in sorted(keys):
        values = {0.0, 1e-7, 1 - 1e-7, 1.0} | {float(x) for x in loss.meta.plot.explore.get(key, ())[:2]}
        # on the defaults, and on each variant that sets the key (focal class_balanced's gamma)
        for base in [{}] + [v for v in loss.meta.checks.variants if key in v]:
            for value in sorted(values):
                hyper = {**loss.meta.required, **base, key: value}
                if _try(_per_sample, loss, *_moderate(loss, hyper)[0], **hyper) is not None:
                    pairs.append((loss, hyper))
    return pairs


# A scale (Cauchy's c, Tukey's c) only rescales the residual: ℓ(r; c) = (c/c₀)² ℓ(r c₀/c; c₀),
# so ∂ℓ(·; c) = (c/c₀) ∂ℓ(· c₀/c; c₀) is bounded when it is at c₀. Draws of size 1 against
# c = 1e-7 put every residual in the flat tail, which the growth ratio would misread as growth.
SCALES = {"cauchy": "scale", "tukey_biweight": "c"}


@pytest.mark.parametrize("loss", [loss for loss in LOSSES if loss.name in SCALES], ids=loss_id)
def test_a_scale_hyperparameter_only_rescales_the_residual(loss):
    key = SCALES[loss.name]
    c0 = inspect.signature(loss).parameters[key].default
    y_pred, y_true = _moderate(loss, {})[0]
    for _, hyper in hyperparameter_range(loss):
        c = hyper[key]
        k = c0 / c
        np.testing.assert_allclose(
            loss(y_pred, y_true, reduction="none", **hyper),
            loss(y_pred * k, y_true * k, reduction="none", **{key: c0}) / k**2,
            rtol=1e-12,
        )


@pytest.mark.parametrize(
    "loss", [loss for loss in LOSSES if "bounded_gradient" in loss.meta.properties], ids=loss_id
)
def test_bounded_gradient_holds_over_the_hyperparameter_range(loss):
    # jaccard and tversky's 1/smooth at empty masks grew 2e7x at smooth = 1e-7 (no variant had it)
    pairs = [pair for pair in hyperparameter_range(loss) if SCALES.get(loss.name) not in pair[1]]
    growth = {variant_id(pair): gradient_growth(*pair) for pair in pairs}
    assert all(g <= 10 for g in growth.values()), f"{loss.name}: {growth}"


@pytest.mark.parametrize("loss", [loss for loss in LOSSES if "convex" in loss.meta.properties], ids=loss_id)
def test_convex_over_the_hyperparameter_range(loss):
    found = {variant_id(pair): convexity_counterexample(*pair) for pair in hyperparameter_range(loss)}
    assert not any(found.values()), f"{loss.name}: {found}"
