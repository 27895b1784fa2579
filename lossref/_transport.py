"""Optimal transport between point clouds: entropic OT by log-domain Sinkhorn iterations."""

from dataclasses import replace

import numpy as np

from ._checks import as_float_array, flag, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain

__all__ = ["sinkhorn"]  # its losses, re-exported by lossref/__init__.py


def _cloud(value, name):
    arr = as_float_array(value, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must be a point cloud of shape (..., n, d): one point per row, its coordinates "
            f"on the last axis; got shape {arr.shape}"
        )
    return arr


def _cloud_step(x):
    # the loss bends on the length ε/|∇C|: the tests' 1e-3 is too long at ε = 0.1 on unit data
    return 1e-4


# the accuracy grid (x: 2 points, y: 3 points, in the plane): ordinary clouds, a cloud far from
# the other (costs of 1e2–1e3, ε = 0.1: the plain kernel e^{−C/ε} underflows), coordinates on an
# offset of 1e3 (C from differences, never ‖x‖² + ‖y‖² − 2x·y), one point on another
X_CLOUDS = Domain(
    "real, shape (..., n, d): a cloud of n points in ℝᵈ (leading axes: a batch of clouds)",
    _cloud,
    # two points in the plane per draw (the tests' class count is not a dimension here): every
    # finite difference is a Sinkhorn solve, so the draws are small
    lambda rng, shape: rng.normal(size=(*shape[:-1], 2, 2)),
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"), (np.nan, ValueError, "contains NaN")),
    stress=(
        ((0.0, 0.0), (1.0, 0.5)),
        ((10.0, 3.0), (12.0, -4.0)),
        ((1000.3, 1000.0), (999.5, 1000.8)),
    ),
    fd_step=_cloud_step,
)
Y_CLOUDS = replace(
    X_CLOUDS,
    text="real, shape (..., m, d): a cloud of m points in ℝᵈ, the same leading axes and d as x",
    sample=lambda rng, shape: rng.normal(size=(*shape[:-1], 3, 2)),
    stress=(
        ((0.2, -0.1), (1.0, 0.5), (-0.6, 0.9)),
        ((1000.0, 1000.2), (1000.9, 999.6), (999.8, 999.9)),
    ),
)


def _point_weights(w, points, name):
    """Validated per-point weights of shape points.shape[:-1] (None: uniform 1/n)."""
    lead = points.shape[:-1]
    if w is None:
        return np.full(lead, 1.0 / lead[-1])
    w = as_float_array(w, name)
    if w.shape != lead and w.shape != lead[-1:]:
        raise ValueError(
            f"{name} has shape {w.shape} but must have shape {lead} (one weight per point) or {lead[-1:]}"
        )
    if (w < 0).any():
        raise ValueError(f"{name} must be >= 0; got {float(w[w < 0].flat[0])!r}")
    total = w.sum(axis=-1, keepdims=True)
    worst = float(np.max(np.abs(total - 1.0)))
    if worst > 1e-6:
        raise ValueError(f"{name} must sum to 1 over each cloud (within 1e-6); got a sum off by {worst:.3g}")
    # rescaled to sum to 1 exactly: otherwise the two marginals differ in mass and no plan meets both
    return np.broadcast_to(w / total, lead)


def _softmin(eps, cost, h, log_w):
    """−ε log Σ_j w_j e^{(h_j − C_ij)/ε} over the last axis: the log-domain Sinkhorn update.

    The exponents are shifted by their maximum (no overflow, and the largest term is 1); the
    plain sum then has a relative error of a few ulps, which is all the iterations need.
    """
    z = log_w[..., None, :] + (h[..., None, :] - cost) / eps
    top = z.max(axis=-1)
    z -= top[..., None]
    return -eps * (top + np.log(np.exp(z, out=z).sum(axis=-1)))


def _marginal_error(w, pot, update, eps):
    """Σ_i w_i |e^{(f_i − f̃_i)/ε} − 1|: the L1 error of the plan's marginal (r_i = w_i e^{(f_i − f̃_i)/ε})."""
    with np.errstate(over="ignore", invalid="ignore"):  # far from convergence: inf, never NaN below
        gap = np.where(w > 0, w * np.abs(np.expm1((pot - update) / eps)), 0.0)
    return gap.sum(axis=-1)


def _newton_step(cost, log_a, log_b, a, b, f, g, eps):
    """f moved by one Newton step on the marginal equations P1 = a, Pᵀ1 = b in (f, g).

    Sinkhorn's alternating updates crawl when P is nearly block-diagonal (points much farther
    apart than √ε): each block's mass is right, but the potentials of the blocks are coupled
    only through entries of P of order e^{−C/ε}, which the updates move by that much per step.
    Newton's method (Brauer, Clason, Lorenz & Wirth 2017) solves for all of them at once. The
    Jacobian (1/ε)[[diag(P1), P], [Pᵀ, diag(Pᵀ1)]] is singular along (1, −1), the shift of f
    against g that leaves P unchanged; the residual has no component there, so adding that
    direction's projector changes no step.
    """
    with np.errstate(under="ignore"):
        exponent = (f[..., :, None] + g[..., None, :] - cost) / eps
        plan = np.exp(log_a[..., :, None] + log_b[..., None, :] + exponent)
    rows, cols = plan.sum(axis=-1), plan.sum(axis=-2)
    n, m = rows.shape[-1], cols.shape[-1]
    shift = np.concatenate([np.ones(n), -np.ones(m)])
    jac = np.broadcast_to(np.outer(shift, shift) / (n + m) ** 2, (*rows.shape[:-1], n + m, n + m)).copy()
    # a point of weight 0 has no equation: a 1 on its diagonal keeps its potential where it is
    diag = np.concatenate([rows + (a == 0), cols + (b == 0)], axis=-1)
    jac[..., np.arange(n + m), np.arange(n + m)] += diag
    jac[..., :n, n:] += plan
    jac[..., n:, :n] += np.swapaxes(plan, -1, -2)
    residual = np.concatenate([rows - a, cols - b], axis=-1)
    # blocks of P that are exactly 0 (underflowed) leave one such direction per block: the
    # pseudo-inverse drops them, and keeps the weakly coupled ones the iterations crawl along
    step = -eps * (np.linalg.pinv(jac, rcond=1e-14, hermitian=True) @ residual[..., None])[..., 0]
    return f + step[..., :n]


def _potentials(cost, cost_t, a, b, eps, tol, max_iter):
    """Dual potentials (f, g) of OT_ε, and T(g), the f-update at them.

    Alternating log-domain Sinkhorn updates f = T(g), g = T(f) (after each g-update the columns
    of P sum to b exactly), warm-started by ε-scaling: ε is halved from the largest cost down to
    ``eps``, each value iterated until the rows of P are within 1e-2 of a. (One update per value,
    as GeomLoss does, is not enough when ε is 1e-5 of the costs: the updates then stall at a
    non-optimal point for millions of iterations.) At ``eps`` they run until the rows are within
    ``tol`` of a (L1). Either threshold is raised to the rounding floor 2⁻⁴⁶·max C/ε that
    e^{(f − T(g))/ε} carries when ε is small next to the costs. ``max_iter`` counts the updates
    of every stage.
    """
    with np.errstate(divide="ignore"):  # a zero weight: log 0 = −∞, its point carries no mass
        log_a, log_b = np.log(a), np.log(b)
    top = float(cost.max())
    stages = [eps]
    while stages[-1] < top:
        stages.append(2.0 * stages[-1])
    g = np.zeros(b.shape)
    f = _softmin(stages[-1], cost, g, log_b)
    done = 0
    for e in reversed(stages):
        threshold = max(1e-2 if e > eps else tol, 2.0**-46 * top / e)
        here = 0
        while done < max_iter:
            done, here = done + 1, here + 1
            g = _softmin(e, cost_t, f, log_a)
            tf = _softmin(e, cost, g, log_b)
            err = _marginal_error(a, f, tf, e)
            if np.max(err) <= threshold:
                f_old, f = f, tf
                break
            if e == eps and here > 3 and np.max(err) < 1e-3:  # crawling: a Newton step
                f = _newton_step(cost, log_a, log_b, a, b, f, g, e)
            else:
                f = tf
        else:
            raise RuntimeError(
                f"sinkhorn did not converge: after max_iter={max_iter} iterations the marginal error "
                f"is {float(np.max(err)):.3g} > tol={tol:g} (at ε = {e:g} on the way to epsilon = "
                f"{eps:g}); raise max_iter or epsilon (the iterations slow down as epsilon shrinks "
                "next to the squared distances)"
            )
    return f_old, g, f


_OVERFLOW = (
    "x and y: a squared distance ‖x_i − y_j‖² overflows float64 (coordinates apart by more than "
    "about 1e154); rescale the points by s and epsilon by s²"
)


def _ot(diff, a, b, eps, tol, max_iter):
    """OT_ε (its dual value) and the plan P, for clouds whose differences x_i − y_j are ``diff``."""
    with np.errstate(over="ignore"):
        cost = np.einsum("...d,...d->...", diff, diff)  # from the differences: no cancellation
    if not np.isfinite(cost).all():
        raise ValueError(_OVERFLOW)
    cost_t = np.ascontiguousarray(np.swapaxes(cost, -1, -2))
    f, g, tf = _potentials(cost, cost_t, a, b, eps, tol, max_iter)
    # the dual value ⟨a, f⟩ + ⟨b, g⟩ − ε(ΣP − 1): its error is second order in the marginal
    # error (the columns of P sum to b exactly, the rows to a_i e^{(f_i − T(g)_i)/ε})
    with np.errstate(over="ignore", invalid="ignore"):
        mass = np.where(a > 0, a * np.expm1((f - tf) / eps), 0.0).sum(axis=-1)
    value = (a * f).sum(axis=-1) + (b * g).sum(axis=-1) - eps * mass
    with np.errstate(divide="ignore"):
        log_plan = (
            np.log(a)[..., :, None]
            + np.log(b)[..., None, :]
            + (f[..., :, None] + g[..., None, :] - cost) / eps
        )
    return value, np.exp(log_plan)


def _key(points, weights):
    return (points.shape[-2], np.ascontiguousarray(points).tobytes(), np.ascontiguousarray(weights).tobytes())


def _ot_pair(x, y, a, b, eps, tol, max_iter):
    """OT_ε(x, y) and a function for its gradients (w.r.t. x, w.r.t. y).

    Which cloud's potential is updated first is fixed by the data (the order of the keys), so
    that swapping x and y solves the same problem in the same order: the value is symmetric to
    the last bit, not only to the tolerance.
    """
    if _key(y, b) < _key(x, a):
        value, grads = _ot_pair(y, x, b, a, eps, tol, max_iter)
        return value, lambda: grads()[::-1]
    # Translating y moves C by a term separable in i and j, which no plan in Π(a, b) sees:
    # OT_ε(x, y) = ‖x̄ − ȳ‖² + OT_ε(x − x̄, y − ȳ) with the same P (x̄ = Σ a_i x_i). Solved on the
    # centred clouds, clouds 1e3 apart have costs of their spread, not 1e6, and e^{(f + g − C)/ε}
    # keeps its digits. (Shifted by x's first point first, so that the means are of small numbers.)
    with np.errstate(over="ignore", invalid="ignore"):
        origin = x[..., :1, :]
        xs, ys = x - origin, y - origin
        x_mean = np.einsum("...i,...id->...d", a, xs)
        y_mean = np.einsum("...i,...id->...d", b, ys)
        xc, yc = xs - x_mean[..., None, :], ys - y_mean[..., None, :]
        shift = x_mean - y_mean
        centred = xc[..., :, None, :] - yc[..., None, :, :]
    with np.errstate(over="ignore"):
        between = (shift * shift).sum(axis=-1)
    if not np.isfinite(between).all():
        raise ValueError(_OVERFLOW)
    value, plan = _ot(centred, a, b, eps, tol, max_iter)
    value = between + value
    diff = x[..., :, None, :] - y[..., None, :, :]

    def grads():  # Σ_j P_ij ∂C_ij/∂x_i and Σ_i P_ij ∂C_ij/∂y_j, C_ij = ‖x_i − y_j‖²
        return (
            2.0 * np.einsum("...ij,...ijd->...id", plan, diff),
            -2.0 * np.einsum("...ij,...ijd->...jd", plan, diff),
        )

    return value, grads


def _validate(epsilon, tol, max_iter, debias):
    positive(epsilon=epsilon, tol=tol)
    flag(debias=debias)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int | np.integer):
        raise TypeError(f"max_iter must be an integer, got {type(max_iter).__name__}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    return float(epsilon), float(tol), int(max_iter)


def _shift_curve():
    # x = {(t, 0), (t + 1, 1)} slid along the first axis past y = {(0, 0), (1, 1), (0.5, 2)}
    base_x = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 2.0]])
    return Curve(
        x_label="shift t of x along the first axis",
        x_range=(-2.0, 2.0),
        args=lambda t: (
            base_x + np.stack([t, np.zeros_like(t)], axis=-1)[..., None, :],
            np.broadcast_to(y, (*np.shape(t), 3, 2)).copy(),
        ),
        series=(
            Series("ε = 0.1", {}, {}),
            Series("ε = 1", {}, {"epsilon": 1.0}),
            Series("ε = 0.1, debiased", {}, {"debias": True}),
        ),
        # dℓ/dt: the sum of ∂ℓ/∂x over the points' first coordinates
        component=lambda g, args: g[..., 0].sum(axis=-1),
        grad_label="dℓ/dt (sliding x)",
    )


@class_axis_loss(
    family="divergence",
    formula=(
        r"\mathrm{OT}_\varepsilon(x, y) = \min_{P \in \Pi(a, b)}\ \sum_{i,j} P_{ij} C_{ij} + \varepsilon\, \mathrm{KL}(P \,\|\, a \otimes b), \qquad C_{ij} = \lVert x_i - y_j \rVert^2",  # noqa: E501
        r"\Pi(a, b) = \{P \ge 0 : P\mathbf{1} = a,\ P^\top \mathbf{1} = b\}, \qquad a, b \text{ uniform unless given}",  # noqa: E501
        r"= \max_{f, g}\ \langle a, f \rangle + \langle b, g \rangle - \varepsilon \sum_{i,j} a_i b_j \big(e^{(f_i + g_j - C_{ij})/\varepsilon} - 1\big), \qquad P_{ij} = a_i b_j\, e^{(f_i + g_j - C_{ij})/\varepsilon}",  # noqa: E501
        r"\text{debias: } S_\varepsilon(x, y) = \mathrm{OT}_\varepsilon(x, y) - \tfrac12 \mathrm{OT}_\varepsilon(x, x) - \tfrac12 \mathrm{OT}_\varepsilon(y, y)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial\, \mathrm{OT}_\varepsilon}{\partial x_i} = \sum_j P_{ij} \frac{\partial C_{ij}}{\partial x_i} = 2 \sum_j P_{ij} (x_i - y_j), \qquad \frac{\partial\, \mathrm{OT}_\varepsilon}{\partial y_j} = 2 \sum_i P_{ij} (y_j - x_i)",  # noqa: E501
        r"\text{(envelope theorem: at the optimal } P \text{ only)}, \qquad \frac{\partial\, \mathrm{OT}_\varepsilon(x, x)}{\partial x_k} = 2 \sum_j \big(P^{xx}_{kj} + P^{xx}_{jk}\big) (x_k - x_j)",  # noqa: E501
    ),
    domain={"x": X_CLOUDS, "y": Y_CLOUDS},
    use_case=(
        "A differentiable distance between two point clouds or empirical distributions (generative "
        "models, domain adaptation, shape and distribution matching): the cost of moving one onto the "
        "other, smoothed by an entropy term so that it has a gradient everywhere."
    ),
    properties=("non_negative", "symmetric", "smooth"),
    equivalents={
        "POT": (
            "ot.sinkhorn2(a, b, ot.dist(x, y), reg=ε) (POT 0.9.5, ot/bregman/_sinkhorn.py): the same "
            "plan P, but it returns ⟨P, C⟩ without the entropy term, from the plain kernel e^{−C/ε} "
            "(method='sinkhorn'), stopping at 1000 iterations or an L2 marginal error of 1e-9"
        ),
        "GeomLoss": (
            "SamplesLoss('sinkhorn', p=2, blur=σ, debias=...) (GeomLoss 0.2.6, "
            "geomloss/sinkhorn_divergence.py): cost ½‖x − y‖² and ε = σ², so it is ½·sinkhorn(x, y, "
            "epsilon=2σ²); debias=True by default; a fixed ε-scaling schedule, not a tolerance"
        ),
    },
    references=(
        "Cuturi, Sinkhorn Distances: Lightspeed Computation of Optimal Transport (NeurIPS 2013)",
        ("Genevay, Peyré & Cuturi, Learning Generative Models with Sinkhorn Divergences (AISTATS 2018)"),
        (
            "Feydy, Séjourné, Vialard, Amari, Trouvé & Peyré, Interpolating between Optimal Transport "
            "and MMD using Sinkhorn Divergences (AISTATS 2019)"
        ),
        "Peyré & Cuturi, Computational Optimal Transport (Foundations and Trends in ML, 2019)",
    ),
    differences=(
        Difference(
            "pot-sinkhorn2-transport-cost",
            "POT",
            "POT 0.9.5's `ot.sinkhorn2` returns ⟨P, C⟩, the transport cost of the entropic plan, "
            "without ε·KL(P ‖ a⊗b); its `ot.sinkhorn` minimises ⟨P, C⟩ + ε Σ P log P, which differs "
            "from ε·KL(P ‖ a⊗b) by the constant ε(H(a) + H(b)), so the plan is the same. `lossref` "
            "returns the full OT_ε, the value whose gradient is Σ_j P_ij ∂C_ij/∂x_i (the gradient "
            "of ⟨P, C⟩ has an extra term through P). Their difference is ε·KL(P ‖ a⊗b) ≥ 0.",
        ),
        Difference(
            "pot-sinkhorn-kernel-underflow",
            "POT",
            "POT 0.9.5's default `method='sinkhorn'` scales the kernel K = e^{−C/ε}: once C/ε "
            "exceeds about 745 for a whole row, that row of K is 0, the update divides by 0, and it "
            "stops at its last finite scalings with a warning; the value is then NaN or meaningless "
            "(its `sinkhorn2` passes `warn=False`, so stopping at `numItermax=1000` is silent). "
            "`lossref` iterates on the log-domain potentials, and raises if it has not converged.",
        ),
        Difference(
            "geomloss-half-cost",
            "GeomLoss",
            "GeomLoss 0.2.6 uses the cost ½‖x − y‖² for p = 2 and ε = blur²: its value is "
            "½·OT_{2·blur²} in `lossref`'s terms (with ‖x − y‖²), since "
            "OT_ε(½C) = ½·OT_{2ε}(C).",
        ),
        Difference(
            "geomloss-debias-default",
            "GeomLoss",
            "GeomLoss 0.2.6's `SamplesLoss('sinkhorn')` is debiased by default (S_ε, zero when "
            "x = y); `lossref`'s default is OT_ε, which is > 0 at x = y (the entropic bias): pass "
            "`debias=True`.",
        ),
        Difference(
            "geomloss-fixed-schedule",
            "GeomLoss",
            "GeomLoss 0.2.6 runs a fixed ε-scaling schedule (ε from diameter² down to blur², "
            "scaling 0.5, one averaged update per value, a last extrapolation) and reports "
            "⟨a, f⟩ + ⟨b, g⟩ there, with no tolerance: it reaches blur² only at its last updates, "
            "so even a slow schedule is not converged there. `lossref` iterates at ε until the "
            "marginal error is below `tol`; the two agree to GeomLoss's convergence error.",
        ),
    ),
    aliases=(
        "Sinkhorn distance",
        "entropic optimal transport",
        "entropy-regularised Wasserstein distance",
        "Sinkhorn divergence",
    ),
    differentiable=("x", "y"),
    required={"epsilon": 0.1},
    reduction_note=(
        '`"mean"` divides by the number of cloud pairs (the leading axes); one pair of clouds of shape '
        "(n, d) and (m, d) is a batch of one."
    ),
    plot=Plot(curve=_shift_curve(), explore={"epsilon": (0.01, 2.0, "log")}),
    checks=Checks(
        variants=({"debias": True}, {"epsilon": 1.0}),
        extremes=(
            # ε = 1e-3 on unit data (C/ε up to 5e3: e^{−C/ε} underflows)
            Extreme(
                [[[0.0, 0.0], [1.0, 0.5], [0.3, -0.7]], [[0.2, 0.1], [1.1, 0.4], [-0.5, 0.6], [0.9, -1.0]]],
                {"epsilon": 1e-3},
            ),
            # clouds 100 apart (C ≈ 1e4 = 1e5·ε), on an offset of 1e4
            Extreme(
                [
                    [[1e4, 1e4], [1e4 + 1.0, 1e4 + 0.5], [1e4 + 0.3, 1e4 - 0.7]],
                    [[1e4 + 100.0, 1e4], [1e4 + 101.0, 1e4 + 1.0], [1e4 + 100.5, 1e4 - 1.0]],
                ],
                {"debias": True},
            ),
        ),
        invalid=(
            Invalid({"epsilon": 0.0}, ValueError, "epsilon must be > 0"),
            Invalid({"tol": -1.0}, ValueError, "tol must be > 0"),
            Invalid({"max_iter": 0}, ValueError, "max_iter must be >= 1"),
            Invalid({"max_iter": 2.5}, TypeError, "max_iter must be an integer"),
            Invalid({"debias": "yes"}, TypeError, "debias must be True or False"),
            Invalid({"a": [0.7, 0.7]}, ValueError, "a must sum to 1"),
            Invalid({"b": [0.5, 0.5]}, ValueError, "b has shape"),
            Invalid({"a": [1.5, -0.5]}, ValueError, "a must be >= 0"),
            Invalid({"max_iter": 1, "epsilon": 1e-3}, RuntimeError, "sinkhorn did not converge"),
        ),
        fd_step=lambda epsilon=0.1, **_: min(1e-4, 1e-2 * epsilon),
    ),
)
def sinkhorn(x, y, *, epsilon, a=None, b=None, debias=False, tol=1e-13, max_iter=10000):
    """Entropic optimal transport between two point clouds (Sinkhorn iterations in the log domain).

    Returns OT_ε = ⟨P, C⟩ + ε·KL(P ‖ a⊗b) at the optimal plan P, with the squared Euclidean cost
    C_ij = ‖x_i − y_j‖² (not GeomLoss's ½‖x_i − y_j‖²), computed as the dual value
    ⟨a, f⟩ + ⟨b, g⟩ − ε(ΣP − 1) at the converged potentials. ``debias=True`` returns the Sinkhorn
    divergence S_ε = OT_ε(x, y) − ½OT_ε(x, x) − ½OT_ε(y, y) (Feydy et al. 2019), ≥ 0 and 0 at
    x = y. The gradient is the envelope theorem's Σ_j P_ij ∂C_ij/∂x_i: exact at the optimum, so
    the iterations run until both marginals of P are within ``tol`` of a and b.

    Args:
        x: Points, shape (..., n, d); leading axes are a batch of independent problems.
        y: Points, shape (..., m, d), the same leading axes and d. Differentiable too:
            ``grad(..., argnum=1)``.
        epsilon: ε > 0, the entropic regularisation, in the units of C (squared distances).
            Required: it only means something next to the data's squared distances.
        a: Weights of the points of x, shape (..., n) or (n,), ≥ 0, summing to 1 within 1e-6
            (then rescaled to sum to 1 exactly); None: uniform 1/n.
        b: Weights of the points of y, likewise; None: uniform 1/m.
        debias: Return the debiased Sinkhorn divergence S_ε instead of OT_ε.
        tol: The iterations stop when the L1 errors of both marginals of P are ≤ tol, or ≤ the
            rounding floor 2⁻⁴⁶·max C/ε (C between the centred clouds) where that is larger.
        max_iter: Iterations at ε (after the ε-scaling warm start) before a ``RuntimeError``.

    Returns:
        The mean over the batch of cloud pairs by default (one pair: its OT_ε);
        ``reduction="none"`` gives one value per pair.

    Raises:
        RuntimeError: If the marginals are not within ``tol`` after ``max_iter`` iterations.

    Examples:
        >>> from lossref import sinkhorn
        >>> # one point each: the only plan moves all mass from x to y, and its KL is 0
        >>> float(sinkhorn([[0.0, 0.0]], [[3.0, 4.0]], epsilon=0.1))  # C = 3² + 4² = 25
        25.0
        >>> # x = y = {0, 1} on a line, ε = 1: P = [[p, q], [q, p]] / 2 with p/q = e (C = 0 or 1),
        >>> # p = e/(1 + e) = 0.731059, q = 0.268941; OT = ⟨P, C⟩ + ε KL = q + p log 2p + q log 2q
        >>> round(float(sinkhorn([[0.0], [1.0]], [[0.0], [1.0]], epsilon=1.0)), 12)  # 0.268941 + 0.111
        0.379885493042
    """
    eps, tol, max_iter = _validate(epsilon, tol, max_iter, debias)
    if x.shape[:-2] != y.shape[:-2] or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"x has shape {x.shape} but y has shape {y.shape}: they need the same leading (batch) axes "
            "and the same dimension d (the last axis); the numbers of points n and m may differ"
        )
    wa, wb = _point_weights(a, x, "a"), _point_weights(b, y, "b")
    value, grads = _ot_pair(x, y, wa, wb, eps, tol, max_iter)
    if debias:  # OT(x, x): x is both clouds, so its gradient collects rows and columns of P
        value_x, grads_x = _ot_pair(x, x, wa, wa, eps, tol, max_iter)
        value_y, grads_y = _ot_pair(y, y, wb, wb, eps, tol, max_iter)
        value = value - 0.5 * value_x - 0.5 * value_y

    def backward():  # only for .grad: from the plans at convergence (envelope theorem)
        gx, gy = grads()
        if debias:
            gx -= 0.5 * sum(grads_x())
            gy -= 0.5 * sum(grads_y())
        return {"x": gx, "y": gy}

    return Result(value, backward)
