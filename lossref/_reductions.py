"""Reduction strategies: how a loss turns its per-sample values into the reported number.

Each loss declares one strategy. It owns ``reduction=`` (which choices exist and the default),
``weights=`` (and the error when a weight cannot apply), the scaling of the per-sample gradient,
and what plotting and the tests need to know about the loss's shape of reduction. Nothing
outside the core asks "is this loss coupled / a metric / a penalty": it asks the strategy.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import numpy as np

from ._checks import sample_weights

# what the per-sample gradient is multiplied by: a scalar, one factor per sample, or None ("none")
Factor = float | np.ndarray | None


class Total(NamedTuple):
    """The sum of a kernel's per-sample values, given in their place when no single one is needed.

    A plain ``"mean"`` or ``"sum"`` (no ``weights=``, no per-sample scale) reads only the total.
    A kernel that works block by block can then sum each cache-sized block as it goes instead of
    writing an input-sized array of values (see ``lossref._core.BlockValues``).
    """

    total: float
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class Reduction:
    """How per-sample values are reduced.

    Attributes:
        kind: A short name (``"mean"``, ``"scaled mean"``, ``"root mean"``, ``"batch mean"``,
            ``"penalty sum"``).
        choices: The ``reduction=`` values the loss accepts; the first is the default.
        per_sample: Whether the loss has per-sample values (``reduction="none"``). A metric of
            the whole batch (RMSE) has not.
        independent_rows: Whether each sample's value depends on its own row only. InfoNCE's
            rows are each other's negatives: the kernel's gradient is that of the sum over
            rows with respect to every row, so a per-sample weight cannot scale one row alone
            and ``weights=`` is refused.
        scale: ``scale(*arguments, **hyperparameters)``, each sample's factor under ``"mean"``
            only, for a framework whose mean is not the mean of the per-sample values
            (PyTorch's CTC divides each sequence's loss by its target length first).
        outer: ``(f, f')`` applied after the reduction (RMSE's square root); the kernel may
            return a fourth output, the keywords for both.
    """

    kind: str
    choices: tuple = ("mean", "sum", "none")
    per_sample: bool = True
    independent_rows: bool = True
    scale: Callable | None = None
    outer: tuple | None = None

    @property
    def default(self) -> str:
        return self.choices[0]

    @property
    def accepts_weights(self) -> bool:
        return self.independent_rows

    def mean_scale(self, arrays: Sequence[np.ndarray], hyper: dict[str, Any]) -> np.ndarray | None:
        """Each sample's factor under ``"mean"`` (None: 1)."""
        return None if self.scale is None else self.scale(*arrays, **hyper)

    def needs_values(self, reduction: str, weights: object) -> bool:
        """Whether ``reduce`` reads each sample's value, or only their total (a ``Total`` will do)."""
        return reduction == "none" or weights is not None or (reduction == "mean" and self.scale is not None)

    def check(self, name: str, reduction: str, weights: object) -> None:
        """Raise if ``reduction`` or ``weights`` cannot apply to the loss called ``name``."""
        if reduction not in self.choices:
            raise ValueError(
                f"{name} supports reduction={' or '.join(repr(r) for r in self.choices)} only; got "
                f"{reduction!r}"
            )
        if weights is not None and not self.accepts_weights:
            raise ValueError(
                f"weights= is not supported by {name}: each row's loss depends on the other rows "
                "(they are its negatives), so a weight cannot scale one sample's gradient alone; "
                "select or repeat rows instead"
            )

    def reduce(
        self,
        values: "np.ndarray | Total",
        norm: np.ndarray | None,
        reduction: str,
        weights: object,
        mean_scale: np.ndarray | None = None,
        inputs: tuple = (),
        why_empty: Callable[[], str] | None = None,
    ) -> tuple[float | np.ndarray, Factor]:
        """The reduced value and the factor for the per-sample gradient (None under ``"none"``).

        ``norm`` is each sample's share of the ``"mean"`` denominator (1 by default; the class
        weight of its label for weighted cross-entropy; 0 for an ignored sample). ``mean_scale``
        multiplies each sample in the numerator of ``"mean"`` only (CTC: 1/target length).
        ``inputs`` are the arrays the caller passed (not copied when already float64): an output
        that shares memory with one of them is copied, never returned or scaled in place.
        ``why_empty()`` says why a ``"mean"`` has a zero denominator, naming the argument at fault.
        ``values`` is a ``Total`` only where ``needs_values`` said the total will do.
        """
        if isinstance(values, Total) and self.needs_values(reduction, weights):
            raise AssertionError("a kernel gave the Total of its values where each value is read")
        # no weights: no array of ones, and the plain Σ/N
        w = None if weights is None else sample_weights(weights, values.shape)
        if reduction == "none":
            values = cast(np.ndarray, values)  # not a Total: checked above
            return (_own(values, inputs) if w is None else values * w), None
        if reduction == "sum":
            return float(_total(values) if w is None else _total(w * values)), (1.0 if w is None else w)
        if w is None:
            denominator = values.size if norm is None else np.sum(norm)
        else:
            denominator = np.sum(w if norm is None else w * norm)
        if denominator == 0:
            why = why_empty() if why_empty is not None else "every sample's share of it is 0"
            raise ValueError(f"the mean is undefined: the denominator is 0 ({why}); use reduction='sum'")
        if mean_scale is not None:
            w = mean_scale if w is None else w * mean_scale
        total = (
            _total(values) if w is None else _total(w * values)
        ) / denominator  # as Σ/N: a plain mean's last bits
        return float(total), (1.0 / denominator if w is None else w / denominator)

    def scale_gradient(self, grad: np.ndarray, factor: Factor, inputs: tuple = ()) -> np.ndarray:
        """The per-sample ``grad`` times the reduction's ``factor`` (a scalar, or one per sample)."""
        if isinstance(factor, np.ndarray):
            factor = factor.reshape(
                factor.shape + (1,) * (grad.ndim - factor.ndim)
            )  # a per-row scale over the class axis
        elif factor == 1.0:
            return _own(grad, inputs)
        if _writable_temporary(grad, inputs):
            grad *= factor  # in place: the kernel's own temporary, no second gradient-sized array
            return grad
        return grad * factor

    def finish(
        self, value: float | np.ndarray, grad: np.ndarray | None, reduction: str, context: dict[str, Any]
    ) -> tuple[float | np.ndarray, np.ndarray | None]:
        """Apply the outer function of a metric of the whole batch (RMSE's root), if any."""
        if self.outer is None or reduction == "none":
            return value, grad
        f, df = self.outer
        return f(value, **context), (None if grad is None else df(value, **context) * grad)


def _total(values: "np.ndarray | Total") -> Any:
    """``np.sum(values)`` (the same pairwise sum) without its Python-level dispatch."""
    if isinstance(values, Total):
        return values.total
    return np.add.reduce(values, axis=None)


def _shares(arr: np.ndarray, inputs: tuple) -> bool:
    return any(isinstance(a, np.ndarray) and np.may_share_memory(arr, a) for a in inputs)


def _own(arr: np.ndarray, inputs: tuple) -> np.ndarray:
    """``arr``, or a copy where it shares memory with an input the caller still holds."""
    return arr.copy() if isinstance(arr, np.ndarray) and _shares(arr, inputs) else arr


def _writable_temporary(arr: object, inputs: tuple) -> bool:
    return (
        isinstance(arr, np.ndarray)
        and arr.dtype == np.float64
        and arr.flags.writeable
        and arr.flags.owndata
        and not _shares(arr, inputs)
    )


MEAN = Reduction("mean")
BATCH_MEAN = Reduction("batch mean", independent_rows=False)
PENALTY_SUM = Reduction("penalty sum", choices=("sum", "none"))


def scaled_mean(scale: Callable[..., np.ndarray]) -> Reduction:
    """A mean whose samples carry a factor under ``"mean"`` only.

    The factor is ``scale(*arguments, **hyperparameters)``: ``"none"`` and ``"sum"`` are
    unaffected, ``"mean"`` is Σ w·s·ℓ / Σ w.
    """
    return Reduction("scaled mean", scale=scale)


def root_mean(f: Callable[..., float], df: Callable[..., float]) -> Reduction:
    """A metric of the whole batch, ``f`` of the mean (RMSE: its square root), with slope ``df``."""
    return Reduction("root mean", choices=("mean",), per_sample=False, outer=(f, df))
