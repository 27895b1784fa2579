"""Shared test helpers: variants of each loss and finite-difference comparison."""

import numpy as np

import lossref
from lossref import numerical_gradient


class _WithRequired:
    """A loss whose ``required`` hyperparameters default to the examples its metadata gives.

    The registry-wide tests call every loss with its positional arguments alone; a loss
    with a hyperparameter that has no default (class_balanced's ``samples_per_class``)
    is called with its declared example, unless the test passes its own value.
    """

    def __init__(self, loss):
        self._loss = loss
        self.__doc__ = loss.__doc__

    def __getattr__(self, attr):
        return getattr(self._loss, attr)

    def __repr__(self):
        return repr(self._loss)

    def _kw(self, kw):
        return {**self._loss.meta.required, **kw}

    def __call__(self, *args, **kw):
        return self._loss(*args, **self._kw(kw))

    def grad(self, *args, **kw):
        return self._loss.grad(*args, **self._kw(kw))

    def value_and_grad(self, *args, **kw):
        return self._loss.value_and_grad(*args, **self._kw(kw))


def with_required(loss):
    return _WithRequired(loss) if loss.meta.required else loss


def get(name):
    """``lossref.get(name)``, with the examples of its required hyperparameters filled in."""
    return with_required(lossref.get(name))


LOSSES = [with_required(loss) for loss in lossref.catalog()]


def loss_id(loss):
    return loss.name


def reductions(loss):
    """The scalar reductions a loss supports (RMSE, say, is mean-only)."""
    return [r for r in ("mean", "sum") if r in loss.reduction.choices]


def variants(loss):
    """The default hyperparameters plus every declared variant, as (loss, hyper) pairs.

    Each includes the examples of the loss's required hyperparameters (``meta.required``).
    """
    base = dict(loss.meta.required)
    return [(loss, base)] + [(loss, {**base, **v}) for v in loss.meta.checks.variants]


# the gradient tests run these; an evaluation-only loss (differentiable=False) is left out
# here and test_gradients checks that its grad raises instead
ALL_VARIANTS = [pair for loss in LOSSES if loss.differentiable for pair in variants(loss)]


def variant_id(pair):
    loss, hyper = pair
    hyper = {k: v for k, v in hyper.items() if k not in loss.meta.required}
    if not hyper:
        return f"{loss.name}-default"
    parts = []
    for key, value in hyper.items():
        parts.append(f"{key}=array" if isinstance(value, np.ndarray) else f"{key}={value}")
    return f"{loss.name}-" + ",".join(parts)


def prepare(loss, args, hyper):
    """Adapt sampled arguments to a variant whose input space differs from the default."""
    args = list(args)
    if hyper.get("log_target"):
        with np.errstate(divide="ignore"):  # log 0 = -inf: such rows are rejected, as they should be
            args[1] = np.log(args[1])
    return args


def fd_step(loss, x, name=None, hyper=None):
    """Absolute finite-difference step.

    The argument's domain gives it (1e-3 unless the set is bounded nearby), capped by the loss's
    own ``fd_step`` for its first argument where the loss bends on a shorter length
    (Charbonnier's ε, ArcFace's 1/s).

    An absolute step suits logits and residuals, whose curvature does not shrink as they
    grow; the rounding error ε·|f|/h stays below 1e-8 even at |x| = 1e8.
    """
    name = name or loss.arg_names[0]
    step = loss.meta.domain[name].finite_difference_step(x)
    if loss.meta.checks.fd_step is not None and name == loss.arg_names[0]:
        step = min(step, loss.meta.checks.fd_step(**(hyper or {})))
    return step


def assert_gradient_matches(
    loss, args, hyper, *, reduction=None, weights=None, rtol=1e-7, atol=1e-10, argnum=0, coupled=False
):
    """Analytic gradient of the reduced loss vs fourth-order central differences.

    Elements closer to a declared kink than the stencil's reach are left out: finite
    differences there measure neither side (the subgradient is tested by hand).

    A loss whose samples are independent (``sample_rows``) is checked sample by sample, every
    sample at once: see ``_assert_rows_match``. Other losses are stepped one element at a time
    on the reduced loss, and so is a loss whose variant couples the samples although its
    reduction does not (``coupled``: the relativistic average GAN's batch means).
    """
    args = list(args)
    x = np.asarray(args[argnum], dtype=float)
    kw = dict(hyper, reduction=reduction, weights=weights)

    def f(v):
        return loss(*args[:argnum], v, *args[argnum + 1 :], **kw)

    analytic = loss.grad(*args, argnum=argnum, **kw)
    step = fd_step(loss, x, loss.arg_names[argnum], hyper)
    mask = np.ones(x.shape, bool)
    # for a loss with several differentiable arguments (margin_ranking's x1 and x2) the kink
    # distance holds for each of them: the same shape, and a lower bound in every argument
    if loss.meta.checks.kink_distance is not None and (argnum == 0 or len(loss.differentiable) > 1):
        reach = 3 * step
        mask = loss.meta.checks.kink_distance(*args, **hyper) > reach
    assert analytic.shape == x.shape
    assert np.isfinite(analytic).all()
    samples = 0 if coupled else sample_rows(loss, args, hyper)
    if samples > 0:
        rows = (loss, args, hyper, argnum, samples)
        _assert_rows_match(*rows, analytic, f, step, mask, kw, rtol=rtol, atol=atol)
        return mask
    numeric = numerical_gradient(f, x, step=step, relative=False)
    # plus the stencil's own rounding error, a few ulps of |f| divided by the step
    rounding = 16 * np.finfo(float).eps * max(1.0, abs(f(x))) / step
    np.testing.assert_allclose(analytic[mask], numeric[mask], rtol=rtol, atol=atol + rounding)
    return mask


def sample_rows(loss, args, hyper):
    """How many leading axes of the prediction are sample axes, or 0 if the samples are coupled.

    Positive for a loss with per-sample values (``reduction="none"``), samples that do not see
    each other (``independent_rows``) and a ``"sum"``: each sample's value then depends on its
    own slice of each positional argument only (they all have the batch axes first, as
    ``Loss.as_batch`` has it), which ``per_sample_gradient`` relies on.
    """
    reduction = loss.reduction
    summable = {"sum", "none"} <= set(reduction.choices)
    if not (reduction.per_sample and reduction.independent_rows and summable):
        return 0
    return np.ndim(loss(*args, reduction="none", **hyper))


def per_sample_gradient(loss, args, hyper, steps, *, weights=None, argnum=0):
    """Fourth-order differences of the sum of per-sample losses, every sample stepped at once.

    Moving one coordinate of every sample changes each sample's own value only (the samples
    are independent: ``sample_rows``), so one call with ``reduction="none"`` gives that
    coordinate's difference for every sample: 4 calls per coordinate of a sample instead of 4
    per coordinate of the batch. Each sample is judged by its own value, so the rounding error
    scales with it, not with the sum of all of them (which matters when another sample's loss
    is 1e8). With ``weights``, the values and so the gradient are those of the weighted sum.

    Args:
        loss: The loss.
        args: Its positional arguments.
        hyper: Its hyperparameters.
        steps: The step of each coordinate, shaped like the prediction; 0 or less where it
            cannot be stepped (its gradient and noise are NaN).
        weights: Per-sample weights, or None.
        argnum: The argument to step (the prediction by default).

    Returns:
        The gradient of the sum, and the stencil's rounding-error bound, per coordinate.
    """
    args = list(args)
    x = np.asarray(args[argnum], dtype=float)

    def values(v):
        return loss(*args[:argnum], v, *args[argnum + 1 :], reduction="none", weights=weights, **hyper)

    samples = np.ndim(values(x))
    grad, noise = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    for j in np.ndindex(x.shape[samples:]):
        at = (..., *j)  # this coordinate of every sample
        h = np.asarray(steps, dtype=float)[at]
        stepped = h > 0
        h = np.where(stepped, h, 1.0)
        f = []
        for k in (2, 1, -1, -2):
            xk = x.copy()
            xk[at] += np.where(stepped, k * h, 0.0)
            f.append(values(xk))
        assert f[0].shape == x.shape[:samples], (f[0].shape, x.shape)
        g = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h)
        # rounding error of the stencil: a few ulps of the sample's loss, divided by h
        size = np.maximum.reduce([np.abs(v) for v in f])
        grad[at] = np.where(stepped, g, np.nan)
        noise[at] = np.where(stepped, 16 * np.finfo(float).eps * size / h, np.nan)
    return grad, noise


def _assert_rows_match(loss, args, hyper, argnum, samples, analytic, f, step, mask, kw, *, rtol, atol):
    """The gradient of a loss of independent samples, checked in two parts.

    1. The gradient of the (weighted) sum, every coordinate, against ``per_sample_gradient``.
    2. Under ``"mean"``, each sample's gradient is the sum's times one factor (the mean's share
       of that sample: 1/N, w/Σw, a class weight, CTC's 1/target length). Each sample's row
       (``samples``: the leading axes of a sample) is checked to be proportional to the sum's,
       and its factor against differences of the reduced loss in its coordinate of largest
       gradient, stepped alone.
    """
    x = np.asarray(args[argnum], dtype=float)
    weights = kw["weights"]
    summed = (kw["reduction"] or loss.reduction.default) == "sum"
    # the gradient of the (weighted) sum: ``analytic`` already is, under "sum"
    if summed:
        total = analytic
    else:
        total = loss.grad(*args, argnum=argnum, **dict(hyper, reduction="sum", weights=weights))
    numeric, noise = per_sample_gradient(
        loss, args, hyper, np.full(x.shape, step), weights=weights, argnum=argnum
    )
    floor = 16 * np.finfo(float).eps / step  # as for |f| < 1 elsewhere
    bound = atol + np.maximum(noise, floor) + rtol * np.abs(numeric)
    bad = mask & ~(np.abs(total - numeric) <= bound)  # a NaN fails
    assert not bad.any(), (
        f"gradient of the sum: {int(bad.sum())} of {int(mask.sum())} elements differ, first at "
        f"{np.argwhere(bad)[0].tolist()}: analytic {total[bad][:5]}, numeric {numeric[bad][:5]}, "
        f"allowed {bound[bad][:5]}"
    )
    if summed:
        return
    rounding = 16 * np.finfo(float).eps * max(1.0, abs(f(x))) / step
    for s in np.ndindex(x.shape[:samples]):
        row, row_total = analytic[s], total[s]
        factor = np.vdot(row, row_total) / max(np.vdot(row_total, row_total), 1e-300)
        np.testing.assert_allclose(row, factor * row_total, rtol=1e-12, atol=1e-3 * atol)
        # the factor, from the reduced loss: the sample's coordinate with the largest gradient,
        # stepped alone as before (a move of several at once could cross a kink between them)
        slope = np.where(mask[s], np.abs(row_total), -1.0)
        j = np.unravel_index(np.argmax(slope), np.shape(slope))
        if slope[j] < 0:  # every coordinate of the sample is next to a kink
            continue
        at = (*s, *j)
        unit = np.zeros(x.shape)
        unit[at] = 1.0
        (numeric,) = numerical_gradient(
            lambda t, unit=unit: f(x + t[0] * unit), np.zeros(1), step=step, relative=False
        )
        np.testing.assert_allclose(analytic[at], numeric, rtol=rtol, atol=atol + rounding, err_msg=f"at {at}")


def per_sample_numerical_gradient(loss, args, hyper):
    """``per_sample_gradient`` with a step chosen per coordinate, by the argument's domain.

    Each step stays inside the domain for that coordinate alone (it moves alone within its
    sample): for extremes, where one sample's logit is 1e8 and another's 1e-12.
    """
    x = np.asarray(args[0], dtype=float)
    domain = loss.meta.domain[loss.arg_names[0]]
    steps = np.empty_like(x)
    for i in np.ndindex(x.shape):
        if domain.positive:
            # a rate or a variance, whose curvature scales with it: a relative step (none at 0),
            # short enough that the truncation error vanishes next to a minimum, and a power of
            # two, so that x ± kh are exact (rounded steps would cost |f'|·ulp(x)/h there)
            steps[i] = 2.0 ** np.round(np.log2(1e-5 * abs(x[i]))) if x[i] != 0 else 0.0
        else:
            # the domain's step for this coordinate alone, capped by the loss's own: inside
            # [0, 1], or below 0, near an edge; 0 or less where it cannot be stepped
            steps[i] = fd_step(loss, np.full(1, x[i]), hyper=hyper)
    return per_sample_gradient(loss, [x, *args[1:]], hyper, steps)
