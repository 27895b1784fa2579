"""The ``Loss`` object, the registry and reductions.

A loss module writes a *kernel*: a function of validated float64 arrays that returns the
per-sample loss and its derivative with respect to the first argument. The decorators
here turn that kernel into a public ``Loss``: validation, ``reduction=``, ``weights=``,
``.grad``, ``.value_and_grad``, metadata and registration.
"""

import contextvars
import inspect
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from ._checks import as_float_array, reduction_name
from ._math import BLOCK, block_buffers, blocks
from ._reductions import MEAN, Reduction, Total

_REGISTRY: dict[str, "Loss"] = {}

# the families, in the order the site shows them; a loss's ``Meta.family`` is one of these
FAMILIES = (
    "regression",
    "probabilistic",
    "classification",
    "margin",
    "divergence",
    "ranking",
    "segmentation",
    "detection",
    "images",
    "sequence",
    "generative",
    "preference",
    "regularization",
)

PROPERTIES = {
    "non_negative": "ℓ ≥ 0 for every valid input",
    "convex": "convex in the first argument, over its domain (a convex set)",
    "zero_iff_equal": "ℓ = 0 exactly when the prediction equals the target",
    "symmetric": "swapping prediction and target leaves ℓ unchanged",
    "bounded_gradient": "|∂ℓ/∂(first argument)| stays bounded however extreme the inputs",
    "smooth": "differentiable everywhere in the first argument",
}

# Claims a test cannot execute: each loss that makes one names, in ``Meta.robust``, the
# reference (one of its ``references``) that shows it. A bounded gradient is not such a claim:
# it bounds a residual's influence on a regression fit, but hinge and logistic tails are both
# linear, and label noise defeats every convex loss (Long & Servedio 2010).
ROBUSTNESS = {
    "outliers": "robust to outliers in the target: one residual's influence on the fit is bounded",
    "label_noise": "robust to label noise, on predicted class probabilities",
}


# whether the running kernel's caller asked for a gradient; see gradient_requested()
_GRADIENT_REQUESTED = contextvars.ContextVar("lossref_gradient_requested", default=False)


def gradient_requested() -> bool:
    """True while a kernel runs for ``.grad`` or ``.value_and_grad``, False for a value-only call.

    A deferred gradient recomputes what the forward pass already had (the residual, e^{-|z|}),
    one more pass over input-sized arrays. A kernel whose backward pass shares most of its
    forward pass asks this and computes both in one pass over cache-sized blocks, or the value
    alone (gradient ``None``). Either way its gradient is the same.
    """
    return _GRADIENT_REQUESTED.get()


# whether the running kernel's caller reads each sample's value; see BlockValues
_VALUES_REQUESTED = contextvars.ContextVar("lossref_values_requested", default=True)


class BlockValues:
    """The per-sample values of a kernel that works block by block, or only their sum.

    ``reduction="none"``, ``weights=`` and a per-sample scale read each value: they are written
    into an array of ``shape``. A plain ``"mean"`` or ``"sum"`` reads only the total: each block
    is written into a block-sized temporary and summed, so no input-sized array of values is
    made: no page faults for it, and no pass over it to sum it (with its gradient in the same
    pass, huber's value_and_grad at 1e6 went from about 4.3 to 3.6 ms). Each block is summed pairwise
    as ``np.sum`` does, then the block sums are.

    Examples:
        >>> import numpy as np
        >>> from lossref._core import BlockValues
        >>> values = BlockValues((5,))          # outside a loss call: the array is kept
        >>> for s, vb in values.blocks():
        ...     vb[...] = np.arange(5.0)[s] ** 2
        >>> values.result()
        array([ 0.,  1.,  4.,  9., 16.])
    """

    def __init__(self, shape: tuple[int, ...], width: int = 1) -> None:
        self.shape = shape
        self.width = width  # elements per row: blocks hold whole rows of the class axis
        self.array = np.empty(shape) if _VALUES_REQUESTED.get() else None
        self._sums: list[float] = []

    def blocks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """``(s, vb)`` per block: rows ``s`` of the input, and where their values go.

        The input is seen as (rows, width); ``vb`` is (rows in s, width), 1-D when ``width`` is
        1. Once the kernel has written it, it is summed (when only the total is kept).
        """
        width = self.width
        rows = math.prod(self.shape) // width if width else 0
        row_shape = (width,) if width > 1 else ()
        if self.array is not None:
            flat = self.array.reshape((rows, *row_shape))
            for s in blocks(rows, width):
                yield s, flat[s]
            return
        # one block-sized buffer for every block: a fresh one per block can cost page faults
        # each time (glibc maps and unmaps a large block until a larger free moves its threshold)
        (buffer,) = block_buffers(rows, 1, width)
        for s in blocks(rows, width):
            vb = buffer[: rows - s.start] if s.stop > rows else buffer  # the last, short block
            yield s, vb
            self._sums.append(np.add.reduce(vb, axis=None))

    def result(self) -> "np.ndarray | Total":
        """The values, or their ``Total``: what the kernel puts in ``Result.values``."""
        if self.array is not None:
            return self.array
        sums = self._sums
        if len(sums) == 1:  # one block: np.sum's bits
            return Total(float(sums[0]), self.shape)
        # the block sums pairwise too (np.sum's inf on overflow)
        return Total(float(np.add.reduce(np.array(sums, dtype=float))), self.shape)


class Result(NamedTuple):
    """What a kernel returns.

    Attributes:
        values: The per-sample losses; or, from a kernel that sums them as it goes
            (``BlockValues``), their ``Total`` when the reduction reads nothing else.
        grad: The derivative of each sample's loss with respect to the first argument (same
            shape as it); for a loss with several differentiable arguments, a dict
            ``{argument: gradient}``. Either may be deferred: a zero-argument function that
            computes it, which the core calls only when a gradient is asked for, so a value-only
            call never runs the backward pass. A kernel that computes both in one pass checks
            ``gradient_requested()`` and gives ``None`` when it is False.
        norm: Each sample's share of the ``"mean"`` denominator (None: 1 each): the class weight
            of its label for weighted cross-entropy, 0 for an ignored sample.
        context: Keywords for the reduction's outer function (RMSE's scale), if it has one; or
            ``{"coupled_rows": why}`` from a per-sample loss whose rows are coupled under some
            hyperparameters (RaGAN's batch means), which then refuses ``weights=``.
    """

    values: np.ndarray
    grad: Any
    norm: np.ndarray | None = None
    context: dict | None = None


class Series(NamedTuple):
    """One line of a loss's plot: its label, the keywords of ``Curve.args``, hyperparameters."""

    label: str
    args: dict
    hyper: dict


class Extreme(NamedTuple):
    """Inputs where a naive formula overflows or cancels; value and gradient must stay finite.

    There, the gradient must also match finite differences.
    """

    args: tuple
    hyper: dict = {}  # noqa: RUF012 (a NamedTuple default, never mutated)


class Invalid(NamedTuple):
    """Hyperparameters the loss must refuse, with the exception and a regex of its message."""

    hyper: dict
    error: type[Exception]
    match: str


@dataclass(frozen=True)
class Difference:
    """A documented difference between ``lossref`` and a framework.

    ``id`` names the test that demonstrates it: ``tests/test_differences.py`` must define
    ``test_<id with - replaced by _>``; a meta-test enforces this.
    """

    id: str
    framework: str
    text: str


@dataclass(frozen=True)
class Curve:
    """How the site draws a loss: a grid ``x`` mapped to the loss's arguments.

    Attributes:
        x_label: Axis label for ``x``.
        x_range: ``(low, high)`` of the grid.
        args: ``args(x, **series.args)`` returns the loss's positional arguments.
        series: ``Series`` rows, one line each.
        component: ``component(grad, args)`` picks the plotted derivative from the gradient
            array (for losses with a class axis, the derivative with respect to one logit).
        grad_label: Title of the gradient panel, when it is not ∂ℓ/∂(first argument).
        y_limits: Optional ``(low, high)`` for the loss panel, when the loss blows up.
        argnum: The argument the gradient panel differentiates (a GAN discriminator: its fake
            logits).
    """

    x_label: str
    x_range: tuple
    args: Callable
    series: tuple
    component: Callable | None = None
    grad_label: str | None = None
    y_limits: tuple | None = None
    argnum: int = 0


@dataclass(frozen=True)
class Plot:
    """How the site draws the loss.

    Attributes:
        curve: The figure's curve (None: no figure).
        explore: Hyperparameter -> ``(low, high)`` or ``(low, high, "log")``: the range of its
            slider on the page, which redraws ``curve`` for a grid of values in that range.
        overlay: A curve on an axis the losses of its family share (its first series is
            drawn), for the figure that overlays them all (``<!-- lossref: overlay FAMILY -->``,
            e.g. the preference losses against their implicit reward margin). None: not drawn.
    """

    curve: Curve | None = None
    explore: dict = field(default_factory=dict)
    overlay: Curve | None = None


@dataclass(frozen=True)
class Checks:
    """Test data only this loss knows; the registry-wide tests read it.

    Attributes:
        variants: Hyperparameter dicts every registry-wide test also runs.
        extremes: ``Extreme`` rows: inputs where a naive formula overflows or cancels.
        invalid: ``Invalid`` rows: hyperparameters the loss must refuse.
        kink_distance: ``kink_distance(*arguments, **hyperparameters)``, how far each input is
            from a kink, where finite differences fail.
        fd_step: ``fd_step(**hyperparameters)``, the finite-difference step for a loss that bends
            on a length shorter than the tests' default step 1e-3 (Charbonnier: ε/100).
        torch_extremes: ``Extreme`` rows compared with PyTorch (``tests/golden/torch.json``):
            saturated logits, ties, residuals of 1e8, probabilities away from PyTorch's clamps,
            where both must still agree to 1e-10; a row where PyTorch itself fails (a documented
            difference) is left out, so these differ from ``extremes``.
    """

    variants: tuple = ()
    extremes: tuple = ()
    invalid: tuple = ()
    kink_distance: Callable | None = None
    fd_step: Callable | None = None
    torch_extremes: tuple = ()


@dataclass(frozen=True)
class Meta:
    """Metadata a page and the tests read; see ``shared/design.md``.

    Three groups, in this order: what the loss *is* (the fields below, which its page prints),
    how the site draws it (``plot``) and the test data only it knows (``checks``). Adding a loss
    touches only its module, its page and its references.

    Attributes:
        family: The family (its section of the site), one of ``FAMILIES``.
        formula: LaTeX; a tuple is shown as one display per line.
        gradient: LaTeX of the gradient, likewise.
        domain: Argument name -> ``Domain``.
        use_case: One sentence: when to use it.
        properties: Names from ``PROPERTIES``; each is checked by ``tests/test_properties.py``.
        equivalents: Framework -> the call that computes the same loss.
        references: Papers and sources, as text.
        differences: ``Difference`` rows, each demonstrated by a test.
        robust: A claim of ``ROBUSTNESS`` -> the reference in ``references`` that shows it (a
            claim from the literature that no test executes, printed apart from
            ``properties``).
        aliases: Other names the loss goes by (pinball loss, NT-Xent): search keywords.
        differentiable: The arguments ``grad(argnum=)`` can differentiate (default: the first);
            ``False`` for an evaluation-only loss (the 0–1 loss), whose ``.grad`` raises.
        required: A keyword-only hyperparameter without a default -> an example value, which
            plots and the registry-wide tests pass (a per-class array is written for the tests'
            four classes).
        reduction: The reduction strategy (``lossref/_reductions.py``): a plain mean by default;
            a mean with a per-sample scale (CTC), a root mean (RMSE), a batch mean of coupled
            rows (InfoNCE) or a penalty's sum. It owns ``reduction=``, ``weights=`` and the
            gradient's scaling.
        reduction_note: What ``"mean"`` divides by, as the page states it.
        empty_mean: ``empty_mean(*arguments, **hyperparameters)``: why no sample counts toward
            ``"mean"`` (its norm is all 0), naming the argument at fault.
        propagates_non_finite: True for a kernel whose reduced value is NaN or ±inf whenever
            an input is: the core then skips the finiteness pass over its real-valued inputs
            and makes it only when the value is not finite, to name the argument at fault
            (one pass over memory less per input; ``tests/test_errors.py`` plants NaN and ±inf
            in every block of every argument of these losses).
        plot: How the site draws it.
        checks: Its test data.
    """

    family: str
    formula: str | tuple
    gradient: str | tuple
    domain: dict
    use_case: str
    properties: tuple = ()
    equivalents: dict = field(default_factory=dict)
    references: tuple = ()
    differences: tuple = ()
    robust: dict = field(default_factory=dict)
    aliases: tuple = ()
    differentiable: tuple | bool = ()
    required: dict = field(default_factory=dict)
    reduction: Reduction = MEAN
    reduction_note: str = '`"mean"` divides by the number of samples N (by Σw with `weights=`).'
    empty_mean: Callable | None = None
    propagates_non_finite: bool = False
    plot: Plot = field(default_factory=Plot)
    checks: Checks = field(default_factory=Checks)


class Loss:
    """A registered loss: callable for its value, with ``.grad`` and metadata.

    Every loss accepts, besides its own arguments:

    * ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (per-sample values).
    * ``weights``: non-negative per-sample weights, the shape of the per-sample loss.
      ``"mean"`` then divides by the sum of the weights (times the loss's own
      normaliser, e.g. the class weight of each label for cross-entropy).
    """

    def __init__(self, kernel: Callable[..., Result], meta: Meta, layout: str) -> None:
        self._kernel = kernel
        self.meta = meta
        self._layout = layout  # "elementwise" or "classes": ask .elementwise or .has_class_axis
        self.name = kernel.__name__
        self.__name__ = kernel.__name__
        self.__qualname__ = kernel.__qualname__
        self.__module__ = kernel.__module__
        self.__doc__ = kernel.__doc__
        self.__wrapped__ = kernel
        sig = inspect.signature(kernel)
        params = list(sig.parameters.values())
        self.arg_names = tuple(p.name for p in params if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD)
        self.hyperparameters = {p.name: p.default for p in params if p.kind == inspect.Parameter.KEYWORD_ONLY}
        if set(meta.domain) != set(self.arg_names):
            raise AssertionError(f"{self.name}: domain keys must match {self.arg_names}")
        no_default = {n for n, d in self.hyperparameters.items() if d is inspect.Parameter.empty}
        if set(meta.required) != no_default:
            raise AssertionError(
                f"{self.name}: required must give an example for each of {sorted(no_default)}"
            )
        common = [
            # the default is the loss's first reduction: "mean", or "sum" for a penalty
            inspect.Parameter("reduction", inspect.Parameter.KEYWORD_ONLY, default=meta.reduction.default),
            inspect.Parameter("weights", inspect.Parameter.KEYWORD_ONLY, default=None),
        ]
        self.__signature__ = sig.replace(parameters=params + common)

    def __getattr__(self, attr: str) -> Any:
        # Metadata reads like attributes: huber.formula, huber.family, ...
        if attr != "meta" and hasattr(self.meta, attr):
            return getattr(self.meta, attr)
        raise AttributeError(f"{type(self).__name__!s} has no attribute {attr!r}")

    def __repr__(self) -> str:
        return f"<Loss {self.name} ({self.meta.family})>"

    @property
    def differentiable(self) -> tuple[str, ...]:
        """The arguments ``grad(argnum=...)`` accepts: the first, unless the loss lists more.

        Empty for an evaluation-only loss (``differentiable=False``), whose ``grad`` raises.
        """
        listed = self.meta.differentiable
        if listed is False:
            return ()
        return tuple(listed) if isinstance(listed, tuple) and listed else self.arg_names[:1]

    @property
    def elementwise(self) -> bool:
        """Whether every argument has one shape and the loss is one value per element.

        Such a loss (registered with ``elementwise_loss``) takes any shape, a scalar included.
        Otherwise the loss has a class axis (``has_class_axis``).
        """
        return self._layout == "elementwise"

    @property
    def has_class_axis(self) -> bool:
        """Whether the first argument's last axis is the class axis, with one loss per row.

        Such a loss is registered with ``class_axis_loss``; a sample is a row, never a scalar.
        """
        return self._layout == "classes"

    def as_batch(self, *point: Any) -> tuple[np.ndarray, ...]:
        """The arguments of one sample as a batch of one, to pass to the loss.

        Each argument of a class-axis loss gains a leading batch axis (a row of logits becomes a
        one-row matrix, a label a one-element vector); an elementwise loss takes a single point
        as it is.
        """
        if self.has_class_axis:
            return tuple(np.asarray(a)[None] for a in point)
        return tuple(np.asarray(a) for a in point)

    def _real_valued(self, name: str) -> bool:
        """Whether argument ``name``'s whole validation is ``as_float_array`` (the set ℝ)."""
        return self.meta.domain[name].convert is as_float_array

    def _convert(self, name: str, value: object, deferred: bool) -> np.ndarray:
        """``value`` validated as argument ``name``; without the finiteness pass if ``deferred``."""
        if deferred and self._real_valued(name):
            return as_float_array(value, name, check_finite=False)
        return self.meta.domain[name].convert(value, name)

    def per_sample(self, *arrays: np.ndarray, **hyper: Any) -> Result:
        """This loss's kernel on validated ``arrays``, its values one per sample.

        For a kernel that builds on another loss's kernel and reads its values: the caller's
        reduction may need only a total (``BlockValues``), but the outer kernel needs each one.
        A kernel that returns the other's ``Result`` unchanged calls ``__wrapped__`` instead.
        """
        token = _VALUES_REQUESTED.set(True)
        try:
            return self._kernel(*arrays, **hyper)
        finally:
            _VALUES_REQUESTED.reset(token)

    def __call__(self, *args: Any, reduction: str | None = None, weights: Any = None, **hyper: Any) -> Any:
        value, _ = self._evaluate(args, reduction, weights, hyper, want_grad=False)
        return value

    def grad(
        self,
        *args: Any,
        reduction: str | None = None,
        weights: Any = None,
        argnum: int | str = 0,
        **hyper: Any,
    ) -> np.ndarray:
        """Gradient of the reduced loss with respect to one argument (same shape as it).

        ``argnum`` is the argument's position or name: 0, the first, by default.
        """
        return self._evaluate(args, reduction, weights, hyper, want_grad=True, argnum=argnum)[1]

    def value_and_grad(
        self,
        *args: Any,
        reduction: str | None = None,
        weights: Any = None,
        argnum: int | str = 0,
        **hyper: Any,
    ) -> tuple[Any, np.ndarray]:
        """``(value, grad)`` in one pass."""
        return self._evaluate(args, reduction, weights, hyper, want_grad=True, argnum=argnum)

    def _values_and_grad_of_sum(
        self, *args: Any, argnum: int | str = 0, **hyper: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each sample's loss and the gradient of their sum, from one run of the kernel.

        ``loss(..., reduction="none")`` and ``loss.grad(..., reduction="sum")`` in one call, for the
        plots (``lossref.plotting.along_curve``): as two calls the kernel ran twice, and a loss whose
        rows are coupled is drawn one batch per grid point.

        Examples:
            >>> from lossref import mse
            >>> values, grad = mse._values_and_grad_of_sum([1.0, 3.0], [0.0, 0.0])
            >>> values.tolist(), grad.tolist()      # r², and 2r
            ([1.0, 9.0], [2.0, 6.0])
        """
        if not self.reduction.per_sample:
            raise ValueError(f"{self.name} has no per-sample values: it is a metric of the whole batch")
        return self._evaluate(args, "sum", None, hyper, want_grad=True, argnum=argnum, keep_values=True)

    def sample_inputs(
        self, rng: np.random.Generator, *, batch: int = 5, classes: int = 4
    ) -> tuple[np.ndarray, ...]:
        """Draw valid positional arguments from the declared domains (for tests and plots)."""
        shape = (batch, classes) if self.has_class_axis else (batch,)
        return tuple(self.meta.domain[n].sample(rng, shape) for n in self.arg_names)

    def _argname(self, argnum: int | str) -> str:
        name = (
            self.arg_names[argnum]
            if isinstance(argnum, int) and 0 <= argnum < len(self.arg_names)
            else argnum
        )
        if name not in self.differentiable:
            raise ValueError(
                f"argnum must name a differentiable argument of {self.name}: "
                f"{', '.join(repr(n) for n in self.differentiable)}; got {argnum!r}"
            )
        return name

    def _evaluate(
        self,
        args: tuple,
        reduction: str | None,
        weights: Any,
        hyper: dict[str, Any],
        want_grad: bool,
        argnum: int | str = 0,
        keep_values: bool = False,
    ) -> tuple[Any, Any]:
        if want_grad and not self.differentiable:
            raise TypeError(
                f"{self.name} has no gradient: it is piecewise constant, so its derivative is 0 "
                "wherever it exists and undefined where the value jumps, which gives gradient "
                "descent nothing to follow. Train with a differentiable surrogate (e.g. "
                f"softmax_cross_entropy or hinge) and use {self.name} to evaluate."
            )
        if len(args) != len(self.arg_names):
            raise TypeError(
                f"{self.name}() takes {len(self.arg_names)} positional arguments "
                f"({', '.join(self.arg_names)}), got {len(args)}"
            )
        unknown = [k for k in hyper if k not in self.hyperparameters]
        if unknown:
            raise TypeError(f"{self.name}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        strategy = self.meta.reduction
        reduction = reduction_name(strategy.default if reduction is None else reduction)
        strategy.check(self.name, reduction, weights)
        target = self._argname(argnum) if want_grad else None
        if want_grad and reduction == "none":
            raise ValueError(
                "grad needs a scalar loss: use reduction='mean' or 'sum' "
                "(with 'sum', an elementwise loss's grad is its per-element derivative)"
            )
        # a kernel that propagates NaN and inf to its value is checked by its value (see Meta);
        # below a block, the pass costs less than the errstate around the kernel
        deferred = (
            self.meta.propagates_non_finite and reduction != "none" and getattr(args[0], "size", 0) >= BLOCK
        )
        arrays = [self._convert(n, a, deferred) for n, a in zip(self.arg_names, args, strict=True)]
        if self.elementwise:
            _same_shape(self.arg_names, arrays)
        token = _GRADIENT_REQUESTED.set(want_grad)
        values_token = _VALUES_REQUESTED.set(keep_values or strategy.needs_values(reduction, weights))
        try:
            if deferred:  # inf − inf and 0·inf are NaN, and raise no warning before the error
                with np.errstate(invalid="ignore"):
                    out = self._kernel(*arrays, **hyper)
            else:
                out = self._kernel(*arrays, **hyper)
        finally:
            _VALUES_REQUESTED.reset(values_token)
            _GRADIENT_REQUESTED.reset(token)
        values, grad, norm, context = out
        if weights is not None and context and "coupled_rows" in context:
            _refuse_weights(self.name, context["coupled_rows"])

        def why_empty() -> str:  # the reduction raises when "mean" has nothing to divide by
            if self.meta.empty_mean is not None and norm is not None and not np.any(norm):
                return str(self.meta.empty_mean(*arrays, **hyper))
            return "weights is 0 for every sample that counts"

        mean_scale = strategy.mean_scale(arrays, hyper) if reduction == "mean" else None
        inputs = (*arrays, *args, *hyper.values())  # what the caller holds: never returned or written
        value, factor = strategy.reduce(values, norm, reduction, weights, mean_scale, inputs, why_empty)
        if deferred and not np.isfinite(value):  # a NaN or inf input, or an overflow
            for name, arr in zip(self.arg_names, arrays, strict=True):
                if self._real_valued(name):
                    as_float_array(arr, name)  # raises, naming the argument
        kept = np.array(values) if keep_values else None  # a copy: a backward pass may reuse values
        del out, values  # the per-sample values are free before a deferred backward pass runs
        if not want_grad:
            grad = None
        else:
            if callable(grad):  # a deferred backward pass: run only when a gradient is asked for
                grad = grad()
            if isinstance(grad, dict):
                grad = grad[target]
            grad = strategy.scale_gradient(grad, factor, inputs)
        if keep_values:
            return kept, grad
        return strategy.finish(value, grad, reduction, context or {})


def _refuse_weights(name: str, why: str) -> None:
    """Refuse ``weights=`` for a loss whose rows are coupled under some hyperparameters only.

    Its kernel says so with ``Result.context = {"coupled_rows": why}`` (RaGAN's batch means): a
    per-sample weight cannot scale one sample's share of the gradient alone.
    """
    raise ValueError(
        f"weights= is not supported by {name} {why}: each sample's loss depends on the other "
        "samples, so a weight cannot scale one sample's gradient alone; select or repeat samples instead"
    )


def _same_shape(names: tuple[str, ...], arrays: list[np.ndarray]) -> None:
    for name, arr in zip(names[1:], arrays[1:], strict=True):
        if arr.shape != arrays[0].shape:
            raise ValueError(f"{names[0]} has shape {arrays[0].shape} but {name} has shape {arr.shape}")


def _register(layout: str, **meta_fields: Any) -> Callable[[Callable[..., Result]], Loss]:
    meta = Meta(**meta_fields)

    def decorate(kernel: Callable[..., Result]) -> Loss:
        loss = Loss(kernel, meta, layout)
        if meta.family not in FAMILIES:
            raise AssertionError(
                f"loss {loss.name!r}: unknown family {meta.family!r}; add it to FAMILIES in _core.py"
            )
        if loss.name in _REGISTRY:
            raise AssertionError(f"loss {loss.name!r} registered twice")
        _REGISTRY[loss.name] = loss
        return loss

    return decorate


def elementwise_loss(**meta_fields: Any) -> Callable[[Callable[..., Result]], Loss]:
    """Register a loss whose arguments all have one shape and whose loss is per element."""
    return _register("elementwise", **meta_fields)


def class_axis_loss(**meta_fields: Any) -> Callable[[Callable[..., Result]], Loss]:
    """Register a loss whose first argument has the class axis last; one loss per row."""
    return _register("classes", **meta_fields)


def get(name: str) -> Loss:
    """Return the registered loss called ``name``.

    Examples:
        >>> import lossref
        >>> lossref.get("mse")
        <Loss mse (regression)>
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no loss named {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def catalog(family: str | None = None) -> list[Loss]:
    """All registered losses, sorted by name; only one ``family`` if given.

    Examples:
        >>> import lossref
        >>> [loss.name for loss in lossref.catalog(family="margin")][:2]
        ['exponential', 'hinge']
    """
    losses = sorted(_REGISTRY.values(), key=lambda loss: loss.name)
    if family is None:
        return losses
    families = {loss.meta.family for loss in losses}
    if family not in families:
        raise ValueError(f"family must be one of {sorted(families)}; got {family!r}")
    return [loss for loss in losses if loss.meta.family == family]
