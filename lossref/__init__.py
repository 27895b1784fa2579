"""lossref: loss functions with their values, analytic gradients and metadata, in NumPy."""

from ._core import Curve, Difference, Loss, catalog, get
from ._gradcheck import GradcheckResult, gradcheck, numerical_gradient
from .classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    class_balanced,
    nll,
    sigmoid_focal,
    softmax_cross_entropy,
    softmax_focal,
    sparse_categorical_cross_entropy,
    zero_one,
)
from .divergence import cross_entropy, js_div, kl_div, knowledge_distillation
from .margin import (
    exponential,
    hinge,
    modified_huber,
    multiclass_hinge,
    multilabel_margin,
    soft_margin,
    squared_hinge,
)
from .probabilistic import gamma_deviance, gaussian_nll, poisson_nll, tweedie_deviance
from .ranking import cosine_embedding, margin_ranking
from .regression import (
    cauchy,
    charbonnier,
    huber,
    log_cosh,
    mae,
    mape,
    mse,
    quantile,
    rmse,
    smape,
    smooth_l1,
    tukey_biweight,
)

__all__ = [
    "Curve",
    "Difference",
    "GradcheckResult",
    "Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "catalog",
    "cauchy",
    "charbonnier",
    "class_balanced",
    "cosine_embedding",
    "cross_entropy",
    "exponential",
    "gamma_deviance",
    "gaussian_nll",
    "get",
    "gradcheck",
    "hinge",
    "huber",
    "js_div",
    "kl_div",
    "knowledge_distillation",
    "log_cosh",
    "mae",
    "mape",
    "margin_ranking",
    "modified_huber",
    "mse",
    "multiclass_hinge",
    "multilabel_margin",
    "nll",
    "numerical_gradient",
    "poisson_nll",
    "quantile",
    "rmse",
    "sigmoid_focal",
    "smape",
    "smooth_l1",
    "soft_margin",
    "softmax_cross_entropy",
    "softmax_focal",
    "sparse_categorical_cross_entropy",
    "squared_hinge",
    "tukey_biweight",
    "tweedie_deviance",
    "zero_one",
]

__version__ = "0.1.0"
