"""lossref: loss functions with their values, analytic gradients and metadata, in NumPy."""

from ._angular import arcface, center, cosface
from ._boxes import ciou, diou, giou
from ._classification import (
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
from ._contrastive import info_nce, n_pair, supervised_contrastive
from ._core import Curve, Difference, Loss, catalog, get
from ._divergence import cross_entropy, js_div, kl_div, knowledge_distillation
from ._generative import diffusion_noise_mse, gan_discriminator, gan_generator, vae_elbo
from ._gradcheck import GradcheckResult, gradcheck, numerical_gradient
from ._images import total_variation
from ._listwise import listmle, listnet
from ._margin import (
    exponential,
    hinge,
    hinge_embedding,
    modified_huber,
    multiclass_hinge,
    multilabel_margin,
    multilabel_soft_margin,
    soft_margin,
    squared_hinge,
)
from ._perceptual import perceptual
from ._preference import bradley_terry, dpo, ppo_clip
from ._probabilistic import gamma_deviance, gaussian_nll, poisson_nll, tweedie_deviance
from ._ranking import contrastive, cosine_embedding, margin_ranking, ranknet, triplet_margin
from ._regression import (
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
from ._regularization import elastic_net_penalty, l1_penalty, l2_penalty
from ._segmentation import dice, focal_tversky, jaccard, lovasz_hinge, lovasz_softmax, tversky
from ._sequence import ctc, sequence_cross_entropy

__all__ = [
    "Curve",
    "Difference",
    "GradcheckResult",
    "Loss",
    "arcface",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "bradley_terry",
    "catalog",
    "cauchy",
    "center",
    "charbonnier",
    "ciou",
    "class_balanced",
    "contrastive",
    "cosface",
    "cosine_embedding",
    "cross_entropy",
    "ctc",
    "dice",
    "diffusion_noise_mse",
    "diou",
    "dpo",
    "elastic_net_penalty",
    "exponential",
    "focal_tversky",
    "gamma_deviance",
    "gan_discriminator",
    "gan_generator",
    "gaussian_nll",
    "get",
    "giou",
    "gradcheck",
    "hinge",
    "hinge_embedding",
    "huber",
    "info_nce",
    "jaccard",
    "js_div",
    "kl_div",
    "knowledge_distillation",
    "l1_penalty",
    "l2_penalty",
    "listmle",
    "listnet",
    "log_cosh",
    "lovasz_hinge",
    "lovasz_softmax",
    "mae",
    "mape",
    "margin_ranking",
    "modified_huber",
    "mse",
    "multiclass_hinge",
    "multilabel_margin",
    "multilabel_soft_margin",
    "n_pair",
    "nll",
    "numerical_gradient",
    "perceptual",
    "poisson_nll",
    "ppo_clip",
    "quantile",
    "ranknet",
    "rmse",
    "sequence_cross_entropy",
    "sigmoid_focal",
    "smape",
    "smooth_l1",
    "soft_margin",
    "softmax_cross_entropy",
    "softmax_focal",
    "sparse_categorical_cross_entropy",
    "squared_hinge",
    "supervised_contrastive",
    "total_variation",
    "triplet_margin",
    "tukey_biweight",
    "tversky",
    "tweedie_deviance",
    "vae_elbo",
    "zero_one",
]

__version__ = "0.1.0"
