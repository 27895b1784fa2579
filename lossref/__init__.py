"""lossref: loss functions with their values, analytic gradients and metadata, in NumPy."""

from ._core import Curve, Difference, Loss, catalog, get
from ._gradcheck import GradcheckResult, gradcheck, numerical_gradient
from .classification import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    nll,
    sigmoid_focal,
    softmax_cross_entropy,
)
from .divergence import kl_div
from .margin import hinge
from .regression import huber, log_cosh, mae, mse, quantile, smooth_l1

__all__ = [
    "Curve",
    "Difference",
    "GradcheckResult",
    "Loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "catalog",
    "get",
    "gradcheck",
    "hinge",
    "huber",
    "kl_div",
    "log_cosh",
    "mae",
    "mse",
    "nll",
    "numerical_gradient",
    "quantile",
    "sigmoid_focal",
    "smooth_l1",
    "softmax_cross_entropy",
]

__version__ = "0.1.0"
