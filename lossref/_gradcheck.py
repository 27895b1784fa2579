"""A finite-difference gradient checker readers can run on their own loss."""

from dataclasses import dataclass

import numpy as np


def numerical_gradient(f, x, *, step=1e-3, relative=True):
    """Fourth-order central differences of a scalar function ``f`` at ``x``.

    The step for each coordinate is ``step * max(1, |x_i|)`` (relative for large inputs,
    absolute near 0), or ``step`` if ``relative=False``, which suits functions such as a
    sigmoid whose curvature does not shrink as |x| grows. The truncation error is
    O(h⁴), the rounding error O(ε·|f| / h) for a step h.

    Args:
        f: Function of one array argument returning a scalar.
        x: Point to differentiate at (converted to float64).
        step: Step size.
        relative: Whether the step scales with ``|x_i|``.

    Returns:
        An array of the shape of ``x``.

    Examples:
        >>> import numpy as np
        >>> from lossref import numerical_gradient
        >>> numerical_gradient(lambda x: np.sum(x ** 3), np.array([1.0, 2.0])).round(8)
        array([ 3., 12.])
    """
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):  # one coordinate at a time: f is a black box
        h = step * max(1.0, abs(x[i])) if relative else step
        values = []
        for k in (2, 1, -1, -2):
            xk = x.copy()
            xk[i] += k * h
            values.append(float(f(xk)))
        f2, f1, fm1, fm2 = values
        grad[i] = (-f2 + 8 * f1 - 8 * fm1 + fm2) / (12 * h)
    return grad


@dataclass(frozen=True)
class GradcheckResult:
    """What ``gradcheck`` found. Truthy when the gradients agree."""

    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    analytic: np.ndarray
    numeric: np.ndarray

    def __bool__(self):
        return self.ok


def gradcheck(f, grad, x, *, rtol=1e-6, atol=1e-9, step=1e-3, relative=True):
    """Compare an analytic gradient with fourth-order finite differences.

    Agreement means ``|analytic - numeric| <= atol + rtol * |numeric|`` everywhere; a NaN
    or infinite gradient (or a non-finite ``f`` near ``x``) fails the check.
    ``max_rel_error`` divides by max(|numeric|, atol / rtol), so gradients near 0 do not
    inflate it.
    Keep inputs away from kinks (|x| at 0, max(0, ·) at its corner): finite
    differences across a kink measure neither side's derivative.

    Args:
        f: Your loss as a function of one array, returning a scalar.
        grad: Its claimed gradient, a function returning an array shaped like ``x``.
        x: The point to check at.
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        step: Finite-difference step (see ``numerical_gradient``).
        relative: Whether the step scales with ``|x_i|`` (see ``numerical_gradient``).

    Returns:
        A ``GradcheckResult``; ``bool(result)`` says whether the check passed.

    Examples:
        >>> import numpy as np
        >>> from lossref import gradcheck
        >>> x = np.array([0.3, -1.2, 2.0])
        >>> f = lambda x: np.mean(x ** 2)
        >>> bool(gradcheck(f, lambda x: 2 * x / x.size, x))
        True
        >>> result = gradcheck(f, lambda x: 2 * x, x)      # forgot the 1/N
        >>> result.ok, result.worst_index
        (False, (2,))
    """
    x = np.array(x, dtype=np.float64)
    analytic = np.asarray(grad(x), dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"grad returned shape {analytic.shape} but x has shape {x.shape}")
    with np.errstate(invalid="ignore", over="ignore"):  # an inf - inf stencil is a failure, reported below
        numeric = numerical_gradient(f, x, step=step, relative=relative)
        err = np.abs(analytic - numeric)
    err = np.where(np.isfinite(err), err, np.inf)  # a NaN anywhere is a failure, not a pass
    worst = np.unravel_index(np.argmax(err - rtol * np.abs(np.nan_to_num(numeric))), x.shape)
    # relative to the larger of |numeric| and atol/rtol: a gradient near 0 is judged by atol
    rel = err / np.maximum(np.abs(numeric), atol / rtol)
    ok = bool(np.all(err <= atol + rtol * np.abs(numeric)))
    return GradcheckResult(
        ok, float(err.max()), float(rel.max()), tuple(int(i) for i in worst), analytic, numeric
    )
