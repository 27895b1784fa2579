"""Input domains as data: each knows how to validate an argument and how to draw valid samples.

Tests draw inputs from these objects, and pages print their ``text``, so a loss states its
domain once.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ._checks import as_array, as_float_array, as_label_array, in_interval, last_axis


@dataclass(frozen=True)
class Domain:
    """The set an argument lives in.

    Attributes:
        text: How a page prints the set, e.g. ``"ℝ"`` or ``"[0, 1]"``.
        convert: ``convert(value, name)`` returns a validated array or raises.
        sample: ``sample(rng, shape)`` draws valid values (tests and plots use it).
        has_class_axis: True if the argument carries the class axis (last axis).
        invalid: ``(value, exception, message)`` rows: planting ``value`` into a valid
            sample must raise ``exception`` with ``"<argument> <message>"`` (tests use them).
        stress: Values (rows of three classes for class-axis domains) where float64
            formulas break: the accuracy tests evaluate every loss on their product.
        positive: True for a scale (a rate, a variance, a mean) that must stay > 0, at
            least for some hyperparameters: tests then step by 1e-3·min(1, |x|), never
            across 0, and do not evaluate the loss at 0.
        fd_step: ``fd_step(x)``, the finite-difference step the tests use at ``x`` when an
            absolute 1e-3 would leave the set or bend with it (probabilities near 0 and 1,
            log-probabilities near 0); None for 1e-3.
    """

    text: str
    convert: Callable
    sample: Callable
    has_class_axis: bool = False
    invalid: tuple = ()
    stress: tuple = ()
    positive: bool = False
    fd_step: Callable | None = None

    def finite_difference_step(self, x: np.ndarray) -> float:
        """The tests' finite-difference step at ``x`` (see ``fd_step``)."""
        if self.fd_step is not None:
            return self.fd_step(x)
        if self.positive:  # a rate or a variance: stay above 0, relative to the smallest entry
            return 1e-3 * min(1.0, float(np.abs(x).min()))
        return 1e-3


def unit_interval_step(x: np.ndarray, cap: float = 0.1) -> float:
    """Stay inside [0, 1]: a step of 1e-3 of the distance to the nearer end (at most ``cap``)."""
    return 1e-3 * min(x.min(), 1 - x.max(), cap)


def _vector_step(x: np.ndarray) -> float:
    # normalised embeddings bend on the scale of the row's norm: a random row of norm 0.18 put
    # a 1e-3 step's truncation error at 5e-7 (InfoNCE). The stress rows (1e±200, 0) keep the
    # absolute step, which their tests were written for.
    with np.errstate(over="ignore", under="ignore"):
        row_norm = float(np.linalg.norm(x, axis=-1).min())
    return 1e-3 * row_norm if 1e-2 <= row_norm < 1.0 else 1e-3


def _probability(value: object, name: str) -> np.ndarray:
    arr = as_float_array(value, name, check_finite=False)  # the bounds refuse NaN and inf
    in_interval(arr, name, 0.0, 1.0, "probabilities")
    return arr


def log_probabilities(
    value: object, name: str, *, hint: str = "did you pass logits or probabilities?"
) -> np.ndarray:
    """Validate log-probabilities (<= 0); ``hint`` ends the error with the likely mistake."""
    arr = as_float_array(value, name)
    if (arr > 0).any():
        raise ValueError(
            f"{name} must be log-probabilities (<= 0); got {float(arr[arr > 0].flat[0])!r} - {hint}"
        )
    return arr


def _sign_label(value: object, name: str) -> np.ndarray:
    arr = as_float_array(value, name)
    if not np.isin(arr, (-1.0, 1.0)).all():
        bad = arr[~np.isin(arr, (-1.0, 1.0))].flat[0]
        raise ValueError(
            f"{name} must be -1 or +1; got {float(bad)!r} (convert {{0, 1}} labels with 2*y - 1)"
        )
    return arr


def _distribution(value: object, name: str) -> np.ndarray:
    arr = last_axis(as_float_array(value, name, check_finite=False), name)
    in_interval(arr, name, 0.0, 1.0, "probabilities")
    return arr


def _labels_or_distribution(value: object, name: str) -> np.ndarray:
    arr = as_array(value, name)
    if arr.dtype != bool and np.issubdtype(arr.dtype, np.integer):
        return as_label_array(arr, name)
    return _distribution(arr, name)


def _sample_distribution(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    z = rng.normal(size=shape) * 2
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sample_log_distribution(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.log(_sample_distribution(rng, shape))


_REAL_STRESS = (0.0, 1e-300, -1e-300, 1e-12, -1e-12, 1e-6, 0.1, -0.5, 1.0, -3.0, 30.0, -700.0, 1e4, -1e8)
_LOGIT_ROWS = (
    (0.0, 0.0, 0.0),
    (1e4, 0.0, -1e4),
    (40.0, 0.0, 1.0),
    (-745.0, 0.0, 0.0),
    (1e-12, 0.0, 0.0),
    (2.0, -1.0, 0.5),
    (-30.0, 30.0, 0.0),
)
# rows whose entries sum to exactly 1 in binary (1 - 2⁻⁵⁰ and 2⁻⁵⁰ are exact), so the true
# answer does not hinge on how the sum rounds
_DISTRIBUTION_ROWS = ((1.0, 0.0, 0.0), (0.25, 0.25, 0.5), (1 - 2**-50, 2**-50, 0.0), (0.0, 0.25, 0.75))

REAL = Domain("ℝ", as_float_array, lambda rng, shape: rng.normal(scale=2.0, size=shape), stress=_REAL_STRESS)
_NOT_PROBABILITIES = (
    (1.5, ValueError, "must be probabilities in [0, 1]"),
    (-0.25, ValueError, "must be probabilities in [0, 1]"),
)

PROBABILITY = Domain(
    "[0, 1]",
    _probability,
    lambda rng, shape: rng.uniform(0.02, 0.98, size=shape),
    invalid=_NOT_PROBABILITIES,
    fd_step=unit_interval_step,
    stress=(0.0, 1e-300, 1e-15, 1e-6, 0.1, 0.5, 0.9, 1 - 1e-6, 1 - 1e-15, 1.0),
)
LOG_PROBABILITY = Domain(
    "(−∞, 0], the log of a distribution over the last axis",
    log_probabilities,
    _sample_log_distribution,
    has_class_axis=True,
    invalid=((0.25, ValueError, "must be log-probabilities (<= 0)"),),
    # log_softmax of some of the logit rows: normalised to within an ulp
    stress=(
        (-1.0986122886681098, -1.0986122886681098, -1.0986122886681098),
        (0.0, -1e4, -2e4),
        (-1.5796578428307375e-17, -40.0, -39.0),
        (-745.6931471805599, -0.6931471805599453, -0.6931471805599453),
        (-0.24131129665715703, -3.241311296657157, -1.7413112966571571),
    ),
    # stay below 0, and keep exp(a) summing to 1 within the 1e-6 that kl_div allows (losses
    # are linear in a, so the small step costs no truncation error)
    fd_step=lambda x: min(1e-7, 0.3 * float((-x).min())),
)
LOGITS = Domain(
    "real, shape (..., C): classes on the last axis",
    as_float_array,
    lambda rng, shape: rng.normal(scale=2.0, size=shape),
    has_class_axis=True,
    stress=_LOGIT_ROWS,
)
SIGN_LABEL = Domain(
    "{−1, +1}",
    _sign_label,
    lambda rng, shape: rng.choice([-1.0, 1.0], size=shape),
    invalid=((0.0, ValueError, "must be -1 or +1"), (2.0, ValueError, "must be -1 or +1")),
    stress=(-1.0, 1.0),
)
BINARY_TARGET = Domain(
    "[0, 1] (hard 0/1 or soft labels)",
    _probability,
    lambda rng, shape: rng.integers(0, 2, size=shape).astype(float),
    invalid=_NOT_PROBABILITIES,
    stress=(0.0, 1.0, 0.3),
)


def _sample_predicted_distribution(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # softmax of logits in [-2, 2]: every entry is above e⁻⁴/C, so derivatives such as
    # -q/p stay moderate and a test's small step never leaves [0, 1]
    e = np.exp(rng.uniform(-2.0, 2.0, size=shape))
    return e / e.sum(axis=-1, keepdims=True)


DISTRIBUTION = Domain(
    "probabilities over the last axis (rows sum to 1)",
    _distribution,
    _sample_predicted_distribution,
    has_class_axis=True,
    invalid=_NOT_PROBABILITIES,
    stress=_DISTRIBUTION_ROWS,
    # rows must still sum to 1 within 1e-6: a step of at most 1e-7
    fd_step=lambda x: unit_interval_step(x, cap=1e-4),
)


def _sample_labels(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    # Label domains get the logits' shape (..., C) and drop the class axis.
    return rng.integers(0, shape[-1], size=shape[:-1])


_BAD_LABELS = ((10**6, ValueError, "must be in [0, "), (-3, ValueError, "must be in [0, "))

CLASS_LABEL = Domain(
    "integers in [0, C)", as_label_array, _sample_labels, invalid=_BAD_LABELS, stress=(0, 1, 2)
)
LABELS_OR_DISTRIBUTION = Domain(
    "integers in [0, C), or probabilities over the last axis",
    _labels_or_distribution,
    _sample_labels,
    invalid=_BAD_LABELS,
    stress=(0, 1, 2, *_DISTRIBUTION_ROWS),
)


def _group_labels(value: object, name: str) -> np.ndarray:
    arr = as_label_array(value, name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (N,), one label per row; got shape {arr.shape}")
    if (arr < 0).any():
        raise ValueError(f"{name} must be >= 0 (class ids); got {int(arr[arr < 0][0])}")
    return arr


def _sample_group_labels(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    # every row gets a partner: each label appears at least twice
    n = shape[0]
    return rng.permutation(np.arange(n) % max(1, n // 2))


# one label per row of a batch whose rows are compared with each other (SupCon, NCA): any
# integer ≥ 0, no class count
GROUP_LABEL = Domain(
    "integers ≥ 0, one per row: rows with equal labels are positives",
    _group_labels,
    _sample_group_labels,
    invalid=((-1, ValueError, "must be >= 0"),),
    stress=(0, 1),
)


def _multi_hot(value: object, name: str) -> np.ndarray:
    raw = as_array(value, name)
    is_bool = raw.dtype == np.bool_
    arr = last_axis(as_float_array(raw.astype(np.float64) if is_bool else raw, name), name)
    outside = ~np.isin(arr, (0.0, 1.0))
    if outside.any():
        raise ValueError(
            f"{name} must be 0 or 1 (a multi-hot indicator, one column per class); got "
            f"{float(arr[outside].flat[0])!r}"
        )
    return arr


MULTI_HOT = Domain(
    "{0, 1}, shape (..., C): 1 marks each target class",
    _multi_hot,
    lambda rng, shape: rng.integers(0, 2, size=shape).astype(float),
    has_class_axis=True,
    invalid=((0.5, ValueError, "must be 0 or 1"), (-1.0, ValueError, "must be 0 or 1")),
    stress=((1.0, 0.0, 0.0), (0.0, 1.0, 1.0), (1.0, 0.0, 1.0), (0.0, 0.0, 0.0)),
)


def _vectors(value: object, name: str) -> np.ndarray:
    return last_axis(as_float_array(value, name), name, "a feature axis")


VECTORS = Domain(
    "real vectors, shape (..., D): features on the last axis",
    _vectors,
    lambda rng, shape: rng.normal(size=shape),
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"),),
    # orthogonal, parallel (exact multiples), opposite, huge (x² overflows), tiny (x² underflows
    # below ε), of norm² ≈ ε, and zero
    stress=(
        (1.0, 0.0, 0.0),
        (0.0, 1.0, 0.0),
        (1.0, 2.0, 3.0),
        (2.0, 4.0, 6.0),
        (-1.0, -2.0, -3.0),
        (3.0, -2.0, 0.5),
        (1e200, -1e200, 3e199),
        (1e-200, 3e-200, 0.0),
        (1e-6, 0.0, 0.0),
        (0.0, 0.0, 0.0),
    ),
    fd_step=_vector_step,
)


def _embedding_rows(value: object, name: str) -> np.ndarray:
    arr = VECTORS.convert(value, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), one embedding per row; got shape {arr.shape}")
    return arr


# one batch of N rows, each compared with every other: exactly two axes, not VECTORS' (..., D)
EMBEDDING_ROWS = replace(VECTORS, text="real, shape (N, D): one embedding per row", convert=_embedding_rows)

# for losses of raw dot products or distances (no normalisation): VECTORS' stress rows, with
# 1e50 instead of 1e200 (their squares must stay finite), plus a row that is not a multiple of another
RAW_EMBEDDING_ROWS = replace(
    EMBEDDING_ROWS,
    stress=(
        (1.0, 0.0, 0.0),
        (0.0, 1.0, 0.0),
        (1.0, 2.0, 3.0),
        (2.0, 4.0, 6.0),
        (-1.0, -2.0, -3.0),
        (3.0, -2.0, 0.5),
        (0.5, 0.5, 0.5),
        (1e50, -1e50, 3e49),
        (1e-200, 3e-200, 0.0),
        (1e-6, 0.0, 0.0),
        (0.0, 0.0, 0.0),
    ),
)
