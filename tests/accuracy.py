"""Accuracy of every loss against a 50-digit mpmath reference on a stress grid.

The grid is the product of each argument's ``Domain.stress`` values: tiny and huge
residuals, logits of ±1e4, probabilities within 1e-15 of 0 or 1. A point counts where the
float64 answer is representable (finite, not in the subnormal range). The worst relative
errors are committed in tests/golden/accuracy.json (scripts/measure_accuracy.py) and printed
on each loss page; test_accuracy.py checks that no loss does worse than it claims.

The mpmath side (the reference values and derivatives, 400 digits) is most of the time, and
depends only on this file, tests/mp_reference.py, mpmath and the point: it is cached in
.cache/accuracy/ (outside git) under a hash of those two files and the mpmath version, one
entry per point. lossref's own float64 answers are never cached, so a change to the library
is always measured. CI (``CI`` set, or ``LOSSREF_ACCURACY_CACHE=off``) recomputes everything.
"""

import hashlib
import itertools
import os
import pickle
from pathlib import Path

import mpmath as mp
import numpy as np

from helpers import prepare, variants
from mp_reference import REFERENCES

TINY = np.finfo(float).tiny
DPS = 400  # digits: enough to resolve a 1e-300 gradient on top of a value of order 1
_HERE = Path(__file__).resolve().parent
_SOURCES = hashlib.sha256(
    b"".join((_HERE / f).read_bytes() for f in ("accuracy.py", "mp_reference.py")) + mp.__version__.encode()
).hexdigest()[:16]
CACHE = (
    None
    if os.environ.get("CI") or os.environ.get("LOSSREF_ACCURACY_CACHE") == "off"
    else (_HERE.parent / ".cache" / "accuracy" / _SOURCES)
)


class Memo:
    """The mpmath results for one loss, keyed by what they are computed from (see above)."""

    def __init__(self, name):
        self.path = None if CACHE is None else CACHE / f"{name}.pkl"
        self.data, self.dirty = {}, False
        if self.path is not None and self.path.exists():
            try:
                self.data = pickle.loads(self.path.read_bytes())
            except Exception:  # a damaged cache is recomputed, never trusted
                self.data = {}

    def __call__(self, key, compute):
        if self.path is None:  # nothing is kept: no key to make (a key is a fifth of some losses' time)
            return compute()
        key = repr(_plain(key))
        if " at 0x" in key:  # a function or object among the hyperparameters: its repr is not its behaviour
            return compute()
        key = hashlib.sha256(key.encode()).hexdigest()
        if key not in self.data:
            self.data[key], self.dirty = compute(), True
        return self.data[key]

    def save(self):
        if self.path is None or not self.dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(self.data))
        os.replace(tmp, self.path)


def _plain(value):
    """``value`` with each mpf as its exact (sign, mantissa, exponent, bits) tuple.

    The key's text then costs a few integers per number: repr() would print every mpf to 400
    digits, which was a fifth of a measurement.
    """
    if isinstance(value, mp.mpf):
        return ("mpf", *value._mpf_)  # tagged: never equal to a tuple of integer labels
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _plain(v)) for k, v in value.items())
    return value


def _no_memo(key, compute):
    return compute()


def stress_points(loss, hyper):
    """Each stress point as a tuple of positional arguments (one sample each)."""
    grids = [loss.meta.domain[name].stress for name in loss.arg_names]
    return [prepare(loss, loss.as_batch(*combo), hyper) for combo in itertools.product(*grids)]


def _fit_classes(loss, hyper, args):
    """Per-class hyperparameters cut to the stress rows' C classes.

    They are written for the tests' four classes; the stress rows have fewer (three): measure
    with the first C entries, so those paths are measured too.
    """
    if not loss.has_class_axis:
        return hyper
    c = args[0].shape[-1]
    return {
        k: (v[:c] if isinstance(v, np.ndarray) and v.ndim == 1 and v.shape[0] > c else v)
        for k, v in hyper.items()
    }


def _mp(value):
    if isinstance(value, np.ndarray) and value.ndim:
        return [_mp(v) for v in value]
    if np.issubdtype(np.asarray(value).dtype, np.integer):
        return int(value)
    return mp.mpf(float(value))


def _mp_hyper(hyper):
    # arrays as (nested) lists of floats: per-class weights, or center loss's (C, D) centers
    return {
        k: (np.asarray(v, dtype=float).tolist() if isinstance(v, np.ndarray) else v) for k, v in hyper.items()
    }


def _value(result):
    return result[0] if isinstance(result, tuple) else result


def derivative(f, x, fx=None):
    """mpmath's derivative; one-sided at the edge of a domain (p = 0 or 1), where central fails.

    ``fx``: f(x), when the caller has it: the value measured at the same point (a coupled
    loss's batch total is the same for every entry it differentiates by: recomputing it was a
    third of that loss's measurement).

    The step is relative, |x|·2^-(prec+10): mpmath's default absolute 2^-(prec+10) is wider
    than the curvature scale of a rate or a variance of 1e-300, and moves a value at 1e300
    by less than the working precision resolves. A step that small needs as many extra
    bits as |x| is below 1 (f(x ± h) must still differ where f' ≪ f/x).
    """
    scale, extra = (1, 10) if x == 0 else (abs(x), 10 + max(0, -int(mp.mag(x))))
    # 32 bits above that minimum, so that the second pass below is the exception: it had
    # followed nearly every first one (SSIM: 7,277 passes for 3,630 derivatives; now 4,010),
    # and 32 bits are about 5 % more working precision. The measured errors are unchanged
    extra += 32
    h = scale * mp.mpf(2) ** -(mp.mp.prec + 10)
    for direction in (0, 1, -1):
        try:
            d = mp.diff(lambda t: _value(f(t)), x, direction=direction, h=h, addprec=extra)
            if isinstance(d, mp.mpf) and d != 0:
                # f(x ± h) differ by ~h|f'|, which must survive rounding |f| at mpmath's working
                # precision 2(prec + 2·extra) bits: where |f| ≫ |x f'| (a large term that does
                # not depend on x), redo with enough extra bits
                lost = int(mp.mag(_value(f(x)) if fx is None else _value(fx))) - int(mp.mag(h * d))
                need = (lost - mp.mp.prec + 40) // 4
                if need > extra:
                    d = mp.diff(lambda t: _value(f(t)), x, direction=direction, h=h, addprec=need)
        except (ValueError, ZeroDivisionError):
            continue
        if isinstance(d, mp.mpf):
            return d
    return None


def relative_error(ours, exact):
    magnitude = 0
    if isinstance(exact, tuple):
        exact, magnitude = exact
    if exact is None or not mp.isfinite(exact) or abs(exact) > np.finfo(float).max:
        return None  # not representable in float64
    scale = max(abs(exact), magnitude)
    if scale < TINY:
        return abs(ours - float(exact)) / TINY if abs(ours) >= TINY else 0.0
    return float(abs(mp.mpf(ours) - exact) / scale)


def measure_coupled(loss, hyper, memo=_no_memo):
    """A coupled loss (InfoNCE): its stress rows form one batch.

    The rows are each other's negatives. A second embedding argument is the same rows shifted by
    one; a label argument cycles through three classes, so every row has positives. Every
    per-row value and every entry of each differentiable argument's gradient (of the sum) is
    compared with the mpmath reference, the gradient relative to the size of the terms it sums
    (``grad_magnitude``).
    """
    ref = REFERENCES[loss.name]
    rows = [np.asarray(r, dtype=float) for r in loss.meta.domain[loss.arg_names[0]].stress]
    rows = np.array([r for r in rows if np.abs(r).max() > 0])  # a zero vector has no direction
    others = [
        np.roll(rows, 1, axis=0) if loss.meta.domain[name].has_class_axis else np.arange(len(rows)) % 3
        for name in loss.arg_names[1:]
    ]
    args = [rows, *others]
    mh = _mp_hyper(hyper)
    values = loss(*args, reduction="none", **hyper)
    differentiable = [loss.arg_names.index(name) for name in loss.differentiable]
    grads = [loss.grad(*args, reduction="sum", argnum=k, **hyper) for k in differentiable]
    exact_args = [[_mp(r) for r in a] if a.ndim == 2 else [int(v) for v in a] for a in args]
    worst_value = worst_grad = 0.0
    with mp.workdps(DPS):
        exact = memo(("coupled", exact_args, mh), lambda: ref(*exact_args, **mh))
        base_total = mp.fsum(exact)  # every entry's derivative starts from the same batch total
        for ours, e in zip(values, exact, strict=True):
            worst_value = max(worst_value, relative_error(float(ours), e) or 0.0)
        magnitudes = memo(
            ("coupled-magnitudes", exact_args, mh), lambda: ref.grad_magnitude(*exact_args, **mh)
        )  # the gradient's terms can cancel
        for k, grad in zip(differentiable, grads, strict=True):
            for i, j in np.ndindex(args[k].shape):

                def total(t, k=k, i=i, j=j):
                    point = [[list(r) for r in a] if isinstance(a[0], list) else a for a in exact_args]
                    point[k][i][j] = t
                    return mp.fsum(ref(*point, **mh))

                exact = memo(
                    ("coupled-grad", k, i, j, exact_args, mh),
                    lambda total=total, k=k, i=i, j=j: derivative(total, exact_args[k][i][j], base_total),
                )
                exact = None if exact is None else (exact, magnitudes[k][i][j])
                g = relative_error(float(grad[i, j]), exact)
                worst_grad = max(worst_grad, g or 0.0)
    return worst_value, worst_grad, len(rows)


def measure(loss, hyper, memo=_no_memo):
    """Worst relative error of the value and of the gradient over the stress grid.

    The gradient's is None for an evaluation-only loss (no gradient): only values count.
    """
    if not loss.reduction.independent_rows:
        return measure_coupled(loss, hyper, memo)
    ref = REFERENCES[loss.name]
    points = stress_points(loss, hyper)
    hyper = _fit_classes(loss, hyper, points[0])
    mh = _mp_hyper(hyper)
    worst_value = worst_grad = 0.0
    counted = 0
    for args in points:
        try:
            if not loss.differentiable:
                value, grad = loss(*args, reduction="none", **hyper), None
            elif loss.reduction.per_sample:
                value = loss(*args, reduction="none", **hyper)
                grad = loss.grad(*args, reduction="sum", **hyper)
            else:  # a metric without per-sample values (RMSE): each point is a one-sample batch
                value, grad = loss.value_and_grad(*args, reduction="mean", **hyper)
        except ValueError:
            continue  # an invalid combination (e.g. a row that is not a distribution)
        if loss.has_class_axis:  # the batch of one's only row
            x, rest = _mp(args[0][0]), [_mp(a[0]) for a in args[1:]]
            value, grad = value[0], (None if grad is None else grad[0])
        else:
            x, rest = _mp(args[0]), [_mp(a) for a in args[1:]]
        with mp.workdps(DPS):
            exact = fx = memo(("value", x, rest, mh), lambda x=x, rest=rest: ref(x, *rest, **mh))
            err = relative_error(float(value), exact)
            if err is None:
                continue
            counted += 1
            worst_value = max(worst_value, err)
            if grad is None:
                continue
            kink = loss.meta.checks.kink_distance
            if kink is not None and np.min(kink(*args, **hyper)) < 1e-6 * max(
                1.0, float(np.max(np.abs(args[0])))
            ):
                continue  # the derivative is not defined at a kink; lossref's choice is tested by hand
            if loss.has_class_axis and args[0].ndim > 2:  # a matrix per sample (CTC's frames)
                for j in np.ndindex(args[0].shape[1:]):

                    def along(t, j=j, x=x, rest=rest):
                        point = _with_entry(x, j, t)
                        return ref(point, *rest, **mh)

                    exact = memo(
                        ("grad", j, x, rest, mh),
                        lambda along=along, j=j, x=x, fx=fx: derivative(along, _entry(x, j), fx),
                    )
                    g = relative_error(float(grad[j]), _with_magnitude(ref, exact, x, rest, mh, memo, j))
                    worst_grad = max(worst_grad, g or 0.0)
            elif loss.has_class_axis:
                for j in range(len(x)):

                    def along(t, j=j, x=x, rest=rest):
                        return ref([*x[:j], t, *x[j + 1 :]], *rest, **mh)

                    exact = memo(
                        ("grad", j, x, rest, mh),
                        lambda along=along, j=j, x=x, fx=fx: derivative(along, x[j], fx),
                    )
                    g = relative_error(float(grad[j]), _with_magnitude(ref, exact, x, rest, mh, memo, (j,)))
                    worst_grad = max(worst_grad, g or 0.0)
            else:

                def along(t, rest=rest):
                    return ref(t, *rest, **mh)

                exact = memo(("grad", x, rest, mh), lambda along=along, x=x, fx=fx: derivative(along, x, fx))
                g = relative_error(float(grad), exact)
                worst_grad = max(worst_grad, g or 0.0)
                # every other differentiable argument (gaussian_nll's variance) counts too
                for k in range(1, len(args)):
                    if loss.arg_names[k] in loss.differentiable:

                        def along_k(t, k=k, point=(x, *rest)):
                            return ref(*point[:k], t, *point[k + 1 :], **mh)

                        grad_k = loss.grad(*args, reduction="sum", argnum=k, **hyper)
                        exact = memo(
                            ("grad", k, x, rest, mh),
                            lambda along_k=along_k, at=rest[k - 1], fx=fx: derivative(along_k, at, fx),
                        )
                        g = relative_error(float(grad_k), exact)
                        worst_grad = max(worst_grad, g or 0.0)
    return worst_value, (worst_grad if loss.differentiable else None), counted


def _with_magnitude(ref, exact, x, rest, mh, memo, j):
    """``exact``, or (exact, its magnitude) where the reference has ``grad_magnitude``.

    A gradient that is a difference of terms (two unit vectors, m − d) is measured relative to
    their sum of magnitudes, as a value's. ``j`` indexes the sample's row, or its matrix (CTC's
    frames, a point cloud), which ``grad_magnitude`` returns in the same nesting.
    """
    if exact is None or not hasattr(ref, "grad_magnitude"):
        return exact
    magnitude = memo(("magnitudes", x, rest, mh), lambda x=x, rest=rest: ref.grad_magnitude(x, *rest, **mh))
    return exact, _entry(magnitude, j)


def measure_all(loss):
    """Worst errors over the default hyperparameters and every variant."""
    memo = Memo(loss.name)
    results = [measure(loss, hyper, memo) for _, hyper in variants(loss)]
    memo.save()
    return {
        "value": max(r[0] for r in results),
        "grad": max(r[1] for r in results) if loss.differentiable else None,
        "points": sum(r[2] for r in results),
    }


def bound(error):
    """The claim printed on the page: the next power of ten at or above the error (≥ 1e-16)."""
    return max(1e-16, 10.0 ** np.ceil(np.log10(error))) if error > 0 else 1e-16


def _entry(x, j):
    """The entry of the nested list ``x`` at the index tuple ``j``."""
    for k in j:
        x = x[k]
    return x


def _with_entry(x, j, t):
    """A copy of the nested list ``x`` (a matrix or RNN-T's lattice per sample), entry ``j`` set to ``t``."""
    if len(j) == 1:
        return [*x[: j[0]], t, *x[j[0] + 1 :]]
    return [*x[: j[0]], _with_entry(x[j[0]], j[1:], t), *x[j[0] + 1 :]]
