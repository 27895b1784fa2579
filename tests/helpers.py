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
    loss, args, hyper, *, reduction=None, weights=None, rtol=1e-7, atol=1e-10, argnum=0
):
    """Analytic gradient of the reduced loss vs fourth-order central differences.

    Elements closer to a declared kink than the stencil's reach are left out: finite
    differences there measure neither side (the subgradient is tested by hand).
    """
    args = list(args)
    x = np.asarray(args[argnum], dtype=float)
    kw = dict(hyper, reduction=reduction, weights=weights)

    def f(v):
        return loss(*args[:argnum], v, *args[argnum + 1 :], **kw)

    analytic = loss.grad(*args, argnum=argnum, **kw)
    step = fd_step(loss, x, loss.arg_names[argnum], hyper)
    numeric = numerical_gradient(f, x, step=step, relative=False)
    mask = np.ones(x.shape, bool)
    # for a loss with several differentiable arguments (margin_ranking's x1 and x2) the kink
    # distance holds for each of them: the same shape, and a lower bound in every argument
    if loss.meta.checks.kink_distance is not None and (argnum == 0 or len(loss.differentiable) > 1):
        reach = 3 * step
        mask = loss.meta.checks.kink_distance(*args, **hyper) > reach
    assert analytic.shape == x.shape
    assert np.isfinite(analytic).all()
    # plus the stencil's own rounding error, a few ulps of |f| divided by the step
    rounding = 16 * np.finfo(float).eps * max(1.0, abs(f(x))) / step
    np.testing.assert_allclose(analytic[mask], numeric[mask], rtol=rtol, atol=atol + rounding)
    return mask


def per_sample_numerical_gradient(loss, args, hyper):
    """Finite differences of the *sum* of per-sample losses, and their rounding-error bound.

    Moving x_i changes only its own sample's loss, so the difference is taken on that
    sample alone: the rounding error scales with that sample's loss, not with the sum of
    all of them (which matters when another sample's loss is 1e8). The step is chosen per
    coordinate, by the argument's domain, to stay inside it.
    """
    x, rest = np.asarray(args[0], dtype=float), args[1:]
    domain = loss.meta.domain[loss.arg_names[0]]
    per_sample_axes = np.ndim(loss(x, *rest, reduction="none", **hyper))  # the batch axes of x
    grad, noise = np.empty_like(x), np.empty_like(x)
    for i in np.ndindex(x.shape):
        if domain.positive:
            # a rate or a variance, whose curvature scales with it: a relative step (none at 0),
            # short enough that the truncation error vanishes next to a minimum, and a power of
            # two, so that x ± kh are exact (rounded steps would cost |f'|·ulp(x)/h there)
            h = 2.0 ** np.round(np.log2(1e-5 * abs(x[i]))) if x[i] != 0 else 0.0
        else:
            # the domain's step for this coordinate alone (it moves alone), capped by the loss's
            # own: inside [0, 1], or below 0, near an edge; 0 or less where it cannot be stepped
            h = fd_step(loss, np.full(1, x[i]), hyper=hyper)
        sample = i[:per_sample_axes]
        f = []
        for k in (2, 1, -1, -2):
            xk = x.copy()
            xk[i] += k * h
            f.append(loss(xk, *rest, reduction="none", **hyper)[sample])
        grad[i] = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h) if h > 0 else np.nan
        # rounding error of the stencil: a few ulps of the sample's loss, divided by h
        noise[i] = 16 * np.finfo(float).eps * max(abs(v) for v in f) / h if h > 0 else np.nan
    return grad, noise
