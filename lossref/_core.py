"""The ``Loss`` object, the registry and reductions.

A loss module writes a *kernel*: a function of validated float64 arrays that returns the
per-sample loss and its derivative with respect to the first argument. The decorators
here turn that kernel into a public ``Loss``: validation, ``reduction=``, ``weights=``,
``.grad``, ``.value_and_grad``, metadata and registration.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import reduction_name
from ._reductions import MEAN, Reduction

_REGISTRY: dict[str, "Loss"] = {}

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
        args: ``args(x, **series_args)`` returns the loss's positional arguments.
        series: ``(label, series_args, hyperparameters)`` triples, one line each.
        component: ``component(grad, args)`` picks the plotted derivative from the gradient
            array (for losses with a class axis, the derivative with respect to one logit).
        grad_label: Title of the gradient panel, when it is not ∂ℓ/∂(first argument).
        y_limits: Optional ``(low, high)`` for the loss panel, when the loss blows up.
    """

    x_label: str
    x_range: tuple
    args: Callable
    series: tuple
    component: Callable | None = None
    grad_label: str | None = None
    y_limits: tuple | None = None
    argnum: int = 0  # the argument the gradient panel differentiates (a GAN discriminator: its fake logits)


@dataclass(frozen=True)
class Meta:
    """Metadata a page and the tests read; see ``shared/design.md``.

    Test data that belongs to one loss lives here too, so adding a loss touches only its
    module, its page and its golden vectors: ``variants`` (hyperparameters every
    registry-wide test also runs), ``extremes`` (``(args, hyperparameters)`` rows where a
    naive formula overflows or cancels: values and gradients must stay finite and match
    finite differences), ``invalid`` (``(hyperparameters, exception, message)`` rows) and
    ``kink_distance`` (how far each input is from a kink, where finite differences fail).

    A kernel whose backward pass costs real work (CTC's β recursion, perceptual's VJP) may
    return a zero-argument function in place of the gradient: the core calls it only when a
    gradient is asked for, so a value-only call never runs it (and an error it raises, such as
    perceptual without ``feature_vjp``, reaches ``.grad`` only).

    A loss with several differentiable arguments lists them in ``differentiable`` and its
    kernel returns a dict ``{argument: gradient}``.

    ``reduction`` is the loss's reduction strategy (``lossref/_reductions.py``): a plain mean by
    default; a mean with a per-sample scale (CTC), the root of a mean (RMSE, whose kernel may
    return a fourth output: the keywords of its outer function), a batch mean of coupled rows
    (InfoNCE) or a penalty's sum. It owns ``reduction=``, ``weights=`` and the gradient's scaling.
    A loss that bends on a length shorter than the tests' finite-difference step (1e-3)
    gives ``fd_step(**hyperparameters)``, the step to use instead (Charbonnier: ε/100).

    ``robust`` maps a claim of ``ROBUSTNESS`` (robust to outliers, to label noise) to the
    reference in ``references`` that shows it: a claim from the literature, which no test
    executes, so a page prints it apart from the checked ``properties``.

    ``explore`` gives the range of each hyperparameter a reader can vary on the loss's page;
    the site draws the curve of ``curve`` for a grid of values in that range.

    An evaluation-only loss (the 0–1 loss) sets ``differentiable=False``: its ``.grad``
    raises, and the gradient tests leave it out (one test checks that it raises). A
    keyword-only hyperparameter without a default is listed in ``required`` with an
    example value, which the registry-wide tests pass (a per-class array is written for
    the tests' four classes).
    """

    family: str
    formula: str | tuple  # LaTeX; a tuple is shown as one display per line
    gradient: str | tuple
    domain: dict
    use_case: str
    properties: tuple = ()
    equivalents: dict = field(default_factory=dict)
    references: tuple = ()
    differences: tuple = ()
    curve: Curve | None = None
    variants: tuple = ()
    extremes: tuple = ()
    invalid: tuple = ()
    kink_distance: Callable | None = None
    differentiable: tuple | bool = ()  # arguments ``grad(argnum=)`` can differentiate; default: the first; False: none
    required: dict = field(default_factory=dict)  # hyperparameter without a default -> example value for the tests
    reduction: Reduction = MEAN  # how per-sample values are reduced (see lossref/_reductions.py)
    fd_step: Callable | None = None  # hyperparameters -> finite-difference step for the tests
    reduction_note: str = "`\"mean\"` divides by the number of samples N (by Σw with `weights=`)."
    # hyperparameter -> (low, high) or (low, high, "log"): the range of the page's slider
    explore: dict = field(default_factory=dict)
    robust: dict = field(default_factory=dict)  # claim in ROBUSTNESS -> the reference that shows it
    # (arguments, **hyperparameters) -> why no sample counts toward "mean" (its norm is all 0),
    # naming the argument at fault (class_weights, mask, labels)
    empty_mean: Callable | None = None
    aliases: tuple = ()  # other names the loss goes by (pinball loss, NT-Xent): search keywords on its page


class Loss:
    """A registered loss: callable for its value, with ``.grad`` and metadata.

    Every loss accepts, besides its own arguments:

    * ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (per-sample values).
    * ``weights``: non-negative per-sample weights, the shape of the per-sample loss.
      ``"mean"`` then divides by the sum of the weights (times the loss's own
      normaliser, e.g. the class weight of each label for cross-entropy).
    """

    def __init__(self, kernel: Callable[..., tuple], meta: Meta, layout: str) -> None:
        self._kernel = kernel
        self.meta = meta
        self.layout = layout
        self.name = kernel.__name__
        self.__name__ = kernel.__name__
        self.__qualname__ = kernel.__qualname__
        self.__module__ = kernel.__module__
        self.__doc__ = kernel.__doc__
        self.__wrapped__ = kernel
        sig = inspect.signature(kernel)
        params = list(sig.parameters.values())
        self.arg_names = tuple(
            p.name for p in params if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        self.hyperparameters = {
            p.name: p.default for p in params if p.kind == inspect.Parameter.KEYWORD_ONLY
        }
        if set(meta.domain) != set(self.arg_names):
            raise AssertionError(f"{self.name}: domain keys must match {self.arg_names}")
        no_default = {n for n, d in self.hyperparameters.items() if d is inspect.Parameter.empty}
        if set(meta.required) != no_default:
            raise AssertionError(f"{self.name}: required must give an example for each of {sorted(no_default)}")
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

    def __call__(self, *args: Any, reduction: str | None = None, weights: Any = None, **hyper: Any) -> Any:
        value, _ = self._evaluate(args, reduction, weights, hyper, want_grad=False)
        return value

    def grad(
        self, *args: Any, reduction: str | None = None, weights: Any = None, argnum: int | str = 0, **hyper: Any
    ) -> np.ndarray:
        """Gradient of the reduced loss with respect to one argument (same shape as it).

        ``argnum`` is the argument's position or name: 0, the first, by default.
        """
        return self._evaluate(args, reduction, weights, hyper, want_grad=True, argnum=argnum)[1]

    def value_and_grad(
        self, *args: Any, reduction: str | None = None, weights: Any = None, argnum: int | str = 0, **hyper: Any
    ) -> tuple[Any, np.ndarray]:
        """``(value, grad)`` in one pass."""
        return self._evaluate(args, reduction, weights, hyper, want_grad=True, argnum=argnum)

    def sample_inputs(self, rng: np.random.Generator, *, batch: int = 5, classes: int = 4) -> tuple[np.ndarray, ...]:
        """Draw valid positional arguments from the declared domains (for tests and plots)."""
        shape = (batch, classes) if self.layout == "classes" else (batch,)
        return tuple(self.meta.domain[n].sample(rng, shape) for n in self.arg_names)

    def _argname(self, argnum: int | str) -> str:
        name = self.arg_names[argnum] if isinstance(argnum, int) and 0 <= argnum < len(self.arg_names) else argnum
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
        unknown = set(hyper) - set(self.hyperparameters)
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
        arrays = [self.meta.domain[n].convert(a, n) for n, a in zip(self.arg_names, args, strict=True)]
        if self.layout == "elementwise":
            _same_shape(self.arg_names, arrays)
        out = self._kernel(*arrays, **hyper)
        values, grad = out[0], out[1]
        norm = out[2] if len(out) > 2 else None
        if reduction == "mean" and self.meta.empty_mean is not None and norm is not None and not np.any(norm):
            raise ValueError(
                f"the mean is undefined: the denominator is 0 ({self.meta.empty_mean(*arrays, **hyper)}); "
                "use reduction='sum'"
            )
        context = out[3] if len(out) > 3 else {}  # keywords for the strategy's outer function
        mean_scale = strategy.mean_scale(arrays, hyper) if reduction == "mean" else None
        inputs = (*arrays, *args, *hyper.values())  # what the caller holds: never returned or written
        value, factor = strategy.reduce(values, norm, reduction, weights, mean_scale, inputs)
        del out, values  # the per-sample values are free before a deferred backward pass runs
        if not want_grad:
            grad = None
        else:
            if callable(grad):  # a deferred backward pass: run only when a gradient is asked for
                grad = grad()
            if isinstance(grad, dict):
                grad = grad[target]
            grad = strategy.scale_gradient(grad, factor, inputs)
        return strategy.finish(value, grad, reduction, context)


def _same_shape(names: tuple[str, ...], arrays: list[np.ndarray]) -> None:
    for name, arr in zip(names[1:], arrays[1:], strict=True):
        if arr.shape != arrays[0].shape:
            raise ValueError(
                f"{names[0]} has shape {arrays[0].shape} but {name} has shape {arr.shape}"
            )


def _register(layout: str, **meta_fields: Any) -> Callable[[Callable[..., tuple]], Loss]:
    meta = Meta(**meta_fields)

    def decorate(kernel: Callable[..., tuple]) -> Loss:
        loss = Loss(kernel, meta, layout)
        if loss.name in _REGISTRY:
            raise AssertionError(f"loss {loss.name!r} registered twice")
        _REGISTRY[loss.name] = loss
        return loss

    return decorate


def elementwise_loss(**meta_fields: Any) -> Callable[[Callable[..., tuple]], Loss]:
    """Register a loss whose arguments all have one shape and whose loss is per element."""
    return _register("elementwise", **meta_fields)


def class_axis_loss(**meta_fields: Any) -> Callable[[Callable[..., tuple]], Loss]:
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
