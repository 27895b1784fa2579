"""Penalties on parameters: L2 (ridge, weight decay), L1 (lasso) and the elastic net.

A penalty has one argument, the parameters θ, and no target. Its "per-sample" values are
per parameter entry, and its value is their sum: ``reduction="sum"`` is the default and
``"none"`` gives each entry's share; ``"mean"`` is refused, since dividing by the number of
parameters would make the strength depend on the size of the model. ``weights=`` scales
each entry's penalty (glmnet's ``penalty.factor``: 0 leaves an entry unpenalised, e.g. a bias).
"""

import numpy as np

from ._checks import in_unit_interval, non_negative
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, elementwise_loss
from ._domains import REAL
from ._reductions import PENALTY_SUM

__all__ = [
    "elastic_net_penalty",
    "l1_penalty",
    "l2_penalty",
]  # its losses, re-exported by lossref/__init__.py

_NOTE = (
    'A penalty has no samples: its value is the sum over every parameter entry (`"sum"`, the '
    'default), `"none"` gives each entry\'s share, and `"mean"` raises (dividing by the number '
    "of parameters would tie the strength to the model's size). `weights=` scales each entry's "
    "penalty: 0 leaves an entry, a bias say, unpenalised."
)


def _curve(series):
    return Curve(
        x_label="parameter θ",
        x_range=(-3.0, 3.0),
        args=lambda x: (x,),
        series=series,
        grad_label="gradient ∂R/∂θ",
    )


# L2 and L1: a line for each of three strengths λ, and a slider over λ
_STRENGTH_PLOT = Plot(
    curve=_curve(tuple(Series(f"λ = {s:g}", {}, {"strength": s}) for s in (0.5, 1.0, 2.0))),
    explore={"strength": (0.1, 3.0)},
)


@elementwise_loss(
    family="regularization",
    formula=r"R(\theta) = \frac{\lambda}{2}\,\lVert\theta\rVert_2^2 = \frac{\lambda}{2}\sum_j \theta_j^2",
    gradient=r"\frac{\partial R}{\partial \theta_j} = \lambda\,\theta_j",
    domain={"params": REAL},
    use_case="Shrinking weights towards 0 (ridge regression, weight decay) to reduce overfitting.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "torch.optim.SGD(..., weight_decay=λ) (same gradient, applied by the optimizer)",
        "Keras": "keras.regularizers.L2(l2=λ/2)",
        "optax": (
            "optax.add_decayed_weights(λ) (v0.2.8): L2 when it comes before the optimizer's scaling in "
            "the chain (`optax.chain(optax.add_decayed_weights(λ), optax.adam(lr))`), decoupled weight "
            "decay when after it (`optax.adamw`: `scale_by_adam`, then `add_decayed_weights`, then the "
            "learning rate); the two agree only under plain SGD"
        ),
        "scikit-learn": "the penalty of Ridge(alpha=λ/2), α‖w‖²",
    },
    references=(
        "Tikhonov, On the Stability of Inverse Problems (1943)",
        "Hoerl & Kennard, Ridge Regression: Biased Estimation for Nonorthogonal Problems (1970)",
        "Loshchilov & Hutter, Decoupled Weight Decay Regularization (ICLR 2019)",
    ),
    differences=(
        Difference(
            "keras-l2-no-half",
            "Keras",
            "`keras.regularizers.L2(l2=0.01)` adds 0.01·Σθ², with no ½, so its gradient is "
            "0.02·θ. The same penalty in `lossref` is `strength=2 * l2`.",
        ),
    ),
    aliases=("weight decay", "ridge"),  # names readers search for
    reduction=PENALTY_SUM,
    reduction_note=_NOTE,
    plot=_STRENGTH_PLOT,
    checks=Checks(
        variants=({"strength": 3.0}, {"strength": 0.0}),
        extremes=(
            Extreme([[1e150, -1e150, 1e-300, 0.0, 3.0, -1e-12]]),
            Extreme([[1e150, -1e150, 1e-300, 0.0]], {"strength": 1e-8}),
        ),
        invalid=(Invalid({"strength": -1.0}, ValueError, "strength must be >= 0"),),
        torch_extremes=(Extreme([[1e150, -1e150, 1e-300, 0.0, 3.0]]),),
    ),
)
def l2_penalty(params, *, strength=1.0):
    """L2 penalty (ridge, Tikhonov) ½·λ·Σθ²: its gradient λθ is PyTorch's ``weight_decay=λ``.

    Add it to a data loss to shrink the parameters towards 0. Under plain SGD this is the
    same as weight decay; under Adam it is not (decoupled weight decay, AdamW, differs).

    Args:
        params: The parameters θ, any shape (flatten and concatenate several tensors, or
            call once per tensor and add).
        strength: λ >= 0. Note the ½: Keras' ``L2(l2)`` is ``strength = 2 * l2`` here.

    Returns:
        The penalty, summed over every entry, by default; ``reduction="none"`` for each
        entry's share.

    Examples:
        >>> from lossref import l2_penalty
        >>> l2_penalty([3.0, -4.0], strength=0.1)   # ½·0.1·(9 + 16) = 1.25
        1.25
        >>> l2_penalty.grad([3.0, -4.0], strength=0.1)   # λθ
        array([ 0.3, -0.4])
    """
    non_negative(strength=strength)
    return Result(0.5 * strength * params**2, lambda: strength * params)


@elementwise_loss(
    family="regularization",
    formula=r"R(\theta) = \lambda\,\lVert\theta\rVert_1 = \lambda\sum_j |\theta_j|",
    gradient=r"\frac{\partial R}{\partial \theta_j} = \lambda\,\mathrm{sign}(\theta_j) \quad (0 \text{ at } \theta_j = 0)",  # noqa: E501
    domain={"params": REAL},
    use_case=(
        "Sparse models: the lasso's penalty drives unhelpful weights to exactly 0 (with a proximal solver)."
    ),
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "PyTorch": "strength * params.abs().sum() (no built-in)",
        "Keras": "keras.regularizers.L1(l1=λ)",
        "scikit-learn": "the penalty of Lasso(alpha=λ), α‖w‖₁",
    },
    references=("Tibshirani, Regression Shrinkage and Selection via the Lasso (1996)",),
    aliases=("lasso",),  # names readers search for
    reduction=PENALTY_SUM,
    reduction_note=_NOTE,
    plot=_STRENGTH_PLOT,
    checks=Checks(
        variants=({"strength": 3.0},),
        extremes=(Extreme([[1e300, -1e300, 1e-300, -1e-300, 3.0, 0.5]]),),
        invalid=(Invalid({"strength": -1.0}, ValueError, "strength must be >= 0"),),
        kink_distance=lambda params, strength=1.0: np.abs(params),
        torch_extremes=(Extreme([[1e300, -1e300, 1e-300, -1e-300, 0.0, 3.0]], {"strength": 0.5}),),
    ),
)
def l1_penalty(params, *, strength=1.0):
    """L1 penalty (lasso) λ·Σ|θ|, with the subgradient λ·sign(θ) and sign(0) = 0.

    Args:
        params: The parameters θ, any shape.
        strength: λ >= 0 (Keras' ``L1(l1)`` and scikit-learn's ``Lasso(alpha)``: the same λ).

    Returns:
        The penalty, summed over every entry, by default; ``reduction="none"`` for each
        entry's share.

    Examples:
        >>> from lossref import l1_penalty
        >>> l1_penalty([3.0, -4.0, 0.0], strength=0.5)   # 0.5·(3 + 4 + 0) = 3.5
        3.5
        >>> l1_penalty.grad([3.0, -4.0, 0.0], strength=0.5)   # λ·sign(θ), sign(0) = 0
        array([ 0.5, -0.5,  0. ])
    """
    non_negative(strength=strength)
    return Result(strength * np.abs(params), lambda: strength * np.sign(params))


@elementwise_loss(
    family="regularization",
    formula=r"R(\theta) = \lambda\Big(\rho\,\lVert\theta\rVert_1 + \frac{1-\rho}{2}\,\lVert\theta\rVert_2^2\Big)",  # noqa: E501
    gradient=r"\frac{\partial R}{\partial \theta_j} = \lambda\big(\rho\,\mathrm{sign}(\theta_j) + (1-\rho)\,\theta_j\big) \quad (\mathrm{sign}(0) = 0)",  # noqa: E501
    domain={"params": REAL},
    use_case="Sparse models with correlated features: L1's zeros plus L2's grouping and stability.",
    properties=("non_negative", "convex"),
    equivalents={
        "scikit-learn": "the penalty of ElasticNet(alpha=λ, l1_ratio=ρ)",
        "Keras": "keras.regularizers.L1L2(l1=λρ, l2=λ(1−ρ)/2)",
        "PyTorch": "no built-in (write the formula)",
    },
    references=("Zou & Hastie, Regularization and Variable Selection via the Elastic Net (2005)",),
    differences=(
        Difference(
            "keras-l1l2-parametrisation",
            "Keras",
            "`keras.regularizers.L1L2(l1, l2)` adds l1·Σ|θ| + l2·Σθ², two separate strengths "
            "and no ½. The same penalty here is `strength = l1 + 2 * l2`, "
            "`l1_ratio = l1 / (l1 + 2 * l2)`.",
        ),
    ),
    reduction=PENALTY_SUM,
    reduction_note=_NOTE,
    plot=Plot(
        curve=_curve(tuple(Series(f"ρ = {r:g}", {}, {"l1_ratio": r}) for r in (0.0, 0.5, 1.0))),
        explore={"l1_ratio": (0.0, 1.0)},
    ),
    checks=Checks(
        variants=({"l1_ratio": 0.0}, {"l1_ratio": 1.0}, {"strength": 2.0, "l1_ratio": 0.2}),
        extremes=(
            Extreme([[1e150, -1e150, 1e-300, -1e-300, 3.0, 0.5]]),
            Extreme([[1e150, -1e150, 1e-300, 3.0]], {"strength": 2.0, "l1_ratio": 0.2}),
        ),
        invalid=(
            Invalid({"strength": -1.0}, ValueError, "strength must be >= 0"),
            Invalid({"l1_ratio": 1.5}, ValueError, "l1_ratio must be in [0, 1]"),
        ),
        kink_distance=lambda params, strength=1.0, l1_ratio=0.5: np.abs(params),
        torch_extremes=(
            Extreme([[1e150, -1e150, 1e-300, 0.0, 3.0]]),
            Extreme([[1e150, -1e-300, 0.0, 3.0]], {"strength": 2.0, "l1_ratio": 0.2}),
        ),
    ),
)
def elastic_net_penalty(params, *, strength=1.0, l1_ratio=0.5):
    """Elastic-net penalty λ(ρ‖θ‖₁ + ½(1 − ρ)‖θ‖²), in scikit-learn's parametrisation.

    ρ = 1 is :func:`l1_penalty`, ρ = 0 is :func:`l2_penalty`. The subgradient of |θ| at 0
    is taken as 0 (sign(0) = 0).

    Args:
        params: The parameters θ, any shape.
        strength: λ >= 0 (scikit-learn's ``alpha``).
        l1_ratio: ρ in [0, 1], the L1 share (scikit-learn's ``l1_ratio``, default 0.5).

    Returns:
        The penalty, summed over every entry, by default; ``reduction="none"`` for each
        entry's share.

    Examples:
        >>> from lossref import elastic_net_penalty
        >>> elastic_net_penalty([2.0, -2.0], strength=1.0, l1_ratio=0.5)   # 0.5·4 + 0.25·8 = 4
        4.0
        >>> elastic_net_penalty.grad([2.0, 0.0], l1_ratio=0.5)   # 0.5·sign(θ) + 0.5·θ
        array([1.5, 0. ])
    """
    non_negative(strength=strength)
    in_unit_interval(l1_ratio=l1_ratio)
    l2_share = 1.0 - l1_ratio
    a = np.abs(params)
    value = strength * (l1_ratio * a + 0.5 * l2_share * params**2)
    return Result(value, lambda: strength * (l1_ratio * np.sign(params) + l2_share * params))
