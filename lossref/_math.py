"""Stable elementary functions shared by several losses."""

import math

import numpy as np


def softplus(x):
    """log(1 + e^x) without overflow: logaddexp(0, x) = max(x, 0) + log1p(e^-|x|)."""
    return np.logaddexp(0.0, x)


def sigmoid(x):
    """σ(x) to a few ulps for every float64 x, without overflow.

    1/(1 + e^{-x}) for x >= 0 and e^{x}/(1 + e^{x}) for x < 0: e^{-|x|} never overflows.
    (exp(-softplus(-x)) is also finite, but its relative error grows like |x|·ε.)
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _shifted_exponentials(z):
    """z as rows (n, C): the row indices, argmax, m = max z, z − m and e^{z − m}.

    Shared by the log-softmax family. The argmax's own e^0 = 1 is set to 0, so that the sum S
    is the part log1p takes. Rows are indexed by (row, column) pairs: ``take_along_axis``
    builds an index array per axis, which doubled the cost of these picks on short rows.
    """
    rows2, rows, top, m = _row_maxima(z)
    shifted = rows2 - m
    e = np.exp(shifted)
    e[rows, top] = 0.0
    return rows, top, m, shifted, e


def _row_sums(e):
    """Σ over the last axis of (n, C) ``e``, shape (n,).

    On short rows NumPy's reduction pays a set-up per row (2.3 ms for 1e5 × 10, a seventh of
    softmax cross-entropy's time); einsum's summation loop is four times faster there and as
    accurate (the rounding error of a sum of C positive terms is below C·ε in either order).
    Long rows keep the pairwise sum, whose error grows like log C.
    """
    return np.einsum("ij->i", e) if e.shape[-1] <= 32 else e.sum(axis=-1)


def as_rows(z):
    """z as rows (n, C) and the row indices 0..n−1, to index it by (row, column) pairs.

    A pair index costs less than half of ``take_along_axis``'s, which builds an index array per axis
    (6 against 16 µs on 400 rows). The rows of a C-contiguous z are a view of it; of any other
    z, a copy.
    """
    rows2 = z.reshape(-1, z.shape[-1])
    return rows2, np.arange(rows2.shape[0])


def _row_maxima(z):
    """z as rows (n, C), the row indices 0..n−1, each row's argmax and its maximum (n, 1)."""
    rows2, rows = as_rows(z)
    top = np.argmax(rows2, axis=-1)
    return rows2, rows, top, rows2[rows, top][:, None]


def log_softmax(z):
    """z - LSE(z) over the last axis, accurate even when one class takes nearly all the mass.

    LSE(z) = m + log1p(Σ_{c ≠ argmax} e^{z_c - m}) with m = max z: shifting by m means e^z
    never overflows, and leaving the argmax's own 1 out of the sum (log1p instead of
    log(1 + ...)) keeps log p_c accurate when p_c is within 1e-16 of 1.
    """
    _, _, _, shifted, e = _shifted_exponentials(z)
    shifted -= np.log1p(_row_sums(e))[:, None]  # in place: z - m is not computed twice
    return shifted.reshape(z.shape)


def log_softmax_at_labels(z, labels, *, gradient=False):
    """log p_y = log softmax(z)_y over the last axis, one label y per row; ``gradient``: and p − e_y.

    Each log p_y is ``log_softmax``'s to the bit, (z_y − m) − log1p(S), without forming the
    other C − 1 log-probabilities. p − e_y is the gradient of −log p_y in z: p = e^{z − m}/(1 + S),
    with S the sum of the exponentials other than the argmax's, a product where exp(log p)
    would be a second pass of exponentials, and more accurate for tiny p (exp(log p) has the
    relative error of log p's absolute one: 700 ulps at log p = −700); p_y − 1 is
    expm1(log p_y), accurate when p_y is within 1e-16 of 1.

    Examples:
        >>> import numpy as np
        >>> z = np.array([[0.0, np.log(3.0)]])
        >>> log_p_y, grad = log_softmax_at_labels(z, np.array([1]), gradient=True)
        >>> bool(log_p_y[0] == log_softmax(z)[0, 1]), grad.round(12).tolist()
        (True, [[0.25, -0.25]])
    """
    rows2, rows, top, m = _row_maxima(z)
    y = labels.reshape(-1)
    p = rows2 - m
    shifted_y = p[rows, y]  # z_y − m, then the exponentials in place: one (n, C) array
    np.exp(p, out=p)
    p[rows, top] = 0.0
    rest = _row_sums(p)
    log_p_y = shifted_y - np.log1p(rest)
    if not gradient:
        return log_p_y.reshape(labels.shape)
    scale = 1.0 / (1.0 + rest)
    p *= scale[:, None]
    p[rows, top] = scale
    p[rows, y] = np.expm1(log_p_y)
    return log_p_y.reshape(labels.shape), p.reshape(z.shape)


def logsumexp(z):
    """LSE(z) = log Σ_c e^{z_c} over the last axis (keepdims), in the same form as ``log_softmax``.

    m + log1p(Σ_{c ≠ argmax} e^{z_c − m}), m = max z: no overflow, and log1p keeps the small
    sum's digits when one class dominates.
    """
    _, _, m, _, e = _shifted_exponentials(z)
    return (m + np.log1p(_row_sums(e))[:, None]).reshape(*z.shape[:-1], 1)


def xlog1py(x, y):
    """x·log(1 + y) with 0·log(1 + y) = 0; log1p keeps 1 - p accurate for p near 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log1p(np.where(x == 0, 0.0, y)))


def xlogy(x, y):
    """x·log(y) with the convention 0·log(0) = 0 (as scipy.special.xlogy)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(np.where(x == 0, 1.0, y)))


def two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _expm1_excess(x):
    """(e^x − 1 − x)/x² for |x| <= 1, from its Taylor series Σ_k x^k/(k + 2)! (Horner).

    Forming e^x − 1 − x by subtraction loses every digit once x² is below ε·|x|; the
    series has no cancellation (its leading term is ½) and 19 terms reach 1/20! < 5e-19.
    """
    out = np.zeros_like(x)
    for k in range(18, -1, -1):
        out = out * x + 1.0 / math.factorial(k + 2)
    return out


def log1p_of_sum(u, x, out=None):
    """log1p(x) for x >= 0, given u = fl(1 + x): log u − ((u − 1) − x) (``out`` may be ``u``).

    u − 1 is exact, so δ = (u − 1) − x is exactly the rounding error of 1 + x, and
    log(1 + x) = log u − log1p(δ/(1 + x)). Taking δ for that last term is off by δ·x/(1 + x),
    at most 2⁻⁵³ relative to log1p(x) ≥ x/(1 + x) (under one ulp), down to x below 2⁻⁵³ (u = 1
    gives x), and saves a division. On the benchmark's AVX2 machine, where NumPy's float64
    log and log1p are both scalar loops, np.log1p took 8.1 ns an element and this 6.0.
    """
    d = np.subtract(u, 1.0)
    d -= x
    out = np.log(u, out=out)
    out -= d
    return out


def scratch(x):
    """A ufunc result as an array the caller may overwrite with ``out=`` or ``*=``.

    On 0-d inputs a ufunc returns a NumPy scalar, which ``out=`` rejects; wrap it.
    """
    return x if isinstance(x, np.ndarray) else np.asarray(x)


BLOCK = 1 << 15  # elements per block: a few block-sized temporaries stay in the L2 cache


def blocks(rows, width=1):
    """Slices of ``rows`` rows of ``width`` elements, about ``BLOCK`` elements each (one row at least).

    NumPy has no fused loops: a kernel that chains several in-place operations runs them block
    by block on small temporaries instead of on input-sized ones. Each fresh input-sized array
    costs page faults on first touch, and glibc hands freed memory back to the OS once two of
    them are free together, so the next call faults again.
    """
    step = _rows_per_block(width)
    return [slice(i, i + step) for i in range(0, rows, step)]


def _rows_per_block(width):
    return max(1, BLOCK // max(width, 1))


def block_buffers(rows, count, width=1):
    """``count`` arrays of one block's size, for a kernel to reuse as each block's temporaries.

    A fresh temporary per block can cost page faults every time: glibc maps and unmaps an
    allocation of a block's size until a larger free raises its threshold (mse's value alone
    at 1e5 took twice its value_and_grad).
    """
    step = min(rows, _rows_per_block(width))
    return [np.empty((step, width) if width > 1 else step) for _ in range(count)]


def unit_rows(x, name):
    """Each row divided by its norm, and the norm, without squaring huge or tiny entries.

    The rows are scaled by their largest |entry| first, so neither 1e200 nor 1e-200 over- or
    underflows in the squares; a zero row has no direction and is refused, naming ``name``.
    """
    scale = np.abs(x).max(axis=-1, keepdims=True)
    if (scale == 0).any():
        raise ValueError(f"{name} has a zero vector, whose cosine similarity is undefined")
    u = x / scale
    length = np.sqrt((u * u).sum(axis=-1, keepdims=True))
    return u / length, scale * length


def through_normalisation(g, unit, norm):
    """Chain ∂/∂x̂ to ∂/∂x for x̂ = x/‖x‖: (g − (x̂·g) x̂) / ‖x‖."""
    return (g - (unit * g).sum(axis=-1, keepdims=True) * unit) / norm
