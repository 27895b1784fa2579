"""Self-supervised and image–text losses: SigLIP's pairwise sigmoid, BYOL / SimSiam."""

from dataclasses import replace

import numpy as np

from ._checks import positive, real_scalar
from ._contrastive import ROWS, _info_nce_curve_args, _through_normalisation, _unit_rows
from ._core import Checks, Curve, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._math import sigmoid, softplus
from ._reductions import BATCH_MEAN

__all__ = ["siglip"]  # its losses, re-exported by lossref/__init__.py

# a small batch for the coupled accuracy measure (every gradient entry is an mpmath derivative):
# orthogonal, parallel, opposite, huge (squares overflow) and tiny (squares underflow) rows
SIGLIP_ROWS = replace(
    ROWS,
    stress=(
        (1.0, 0.0, 0.0),
        (1.0, 2.0, 3.0),
        (2.0, 4.0, 6.0),
        (-1.0, -2.0, -3.0),
        (3.0, -2.0, 0.5),
        (1e200, -1e200, 3e199),
        (1e-200, 3e-200, 0.0),
    ),
)


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell_i = \sum_{j=1}^{N} \log\big(1 + e^{-z_{ij} s_{ij}}\big) = -\sum_{j=1}^{N} \log \sigma(z_{ij} s_{ij}), \qquad s_{ij} = t\, \hat x_i \cdot \hat y_j + b, \quad z_{ij} = \begin{cases} 1 & i = j \\ -1 & i \ne j \end{cases}",  # noqa: E501
        r"\text{mean: } \frac{1}{N} \sum_{i=1}^{N} \ell_i \text{ (Zhai et al.: divided by the batch size } N \text{, not by the } N^2 \text{ pairs)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \sum_i \ell_i}{\partial s_{ij}} = -z_{ij}\, \sigma(-z_{ij} s_{ij}) = g_{ij}, \qquad \frac{\partial \sum_i \ell_i}{\partial x_i} = \frac{t}{\lVert x_i \rVert} \sum_j g_{ij} \big(\hat y_j - (\hat x_i \cdot \hat y_j)\, \hat x_i\big)",  # noqa: E501
    ),
    domain={"images": SIGLIP_ROWS, "texts": SIGLIP_ROWS},
    use_case=(
        "Image–text (or any two-modality) pre-training with large batches: every pair of the batch is an "
        "independent binary match / no-match decision, with no softmax over the batch."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "PyTorch": (
            "no built-in: -F.logsigmoid(z * (t * F.normalize(x) @ F.normalize(y).T + b)).sum(1).mean(), "
            "z = 2·I − 1"
        ),
        "big_vision": (
            "the SigLIP trainer's loss_fn (commit 179d020, big_vision/trainers/proj/image_text/"
            "siglip.py): log_sigmoid of ±logits, summed over texts, mean over images"
        ),
    },
    references=(
        "Zhai, Mustafa, Kolesnikov & Beyer, Sigmoid Loss for Language Image Pre-Training (ICCV 2023)",
    ),
    aliases=("SigLIP loss", "pairwise sigmoid loss"),
    differentiable=("images", "texts"),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` divides by the number of images N, as the paper does (`weights=` is not supported: '
        "each row holds the image's N − 1 negatives)."
    ),
    plot=Plot(
        curve=Curve(
            x_label="angle θ, image 1 to its text (rad)",
            x_range=(0.0, np.pi),
            args=lambda x: _info_nce_curve_args(x),
            series=(
                Series("t = 10, b = −10", {}, {}),
                Series("t = 10, b = 0", {}, {"logit_bias": 0.0}),
                Series("t = 2, b = −1", {}, {"logit_scale": 2.0, "logit_bias": -1.0}),
            ),
            # each grid point is a batch of two pairs: plot image 1's loss and dℓ/dθ
            component=lambda g, args: -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0],
            grad_label="dℓ/dθ (rotating image 1)",
        ),
        explore={"logit_scale": (0.5, 100.0, "log"), "logit_bias": (-20.0, 5.0)},
    ),
    checks=Checks(
        variants=({"logit_scale": 2.0, "logit_bias": -1.0}, {"logit_bias": 0.0}),
        # logits of ±1e4 (log σ of a large negative number is −s, not log 0), and huge rows whose
        # squares overflow
        extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [1e200, -1e200, 3e199], [3.0, 1.0, -2.0]],
                    [[2.0, 4.0, 6.0], [1.0, 0.0, 0.0], [-1.0, -2.0, -3.0]],
                ],
                {"logit_scale": 1e4, "logit_bias": 0.0},
            ),
            Extreme(
                [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [-1.0, 0.0]]],
                {"logit_scale": 1e3, "logit_bias": -500.0},
            ),
        ),
        invalid=(
            Invalid({"logit_scale": 0.0}, ValueError, "logit_scale must be > 0"),
            Invalid({"logit_bias": np.inf}, ValueError, "logit_bias"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [[1.0, 2.0, 3.0], [3.0, 1.0, -2.0], [-1.0, 0.5, 2.0]],
                    [[2.0, 4.0, 6.0], [-1.0, -2.0, -3.0], [3.0, -2.0, 0.5]],
                ],
                {"logit_scale": 1e4, "logit_bias": 0.0},
            ),
        ),
    ),
)
def siglip(images, texts, *, logit_scale=10.0, logit_bias=-10.0):
    """SigLIP: a binary logistic loss on every image–text pair of the batch.

    The embeddings are L2-normalised (as in the paper), each pair gets the logit
    s_ij = t·x̂_i·ŷ_j + b, and the matching pairs (i = j) are positives, all others negatives:
    image i's loss is Σ_j −log σ(z_ij s_ij), with z_ij = +1 on the diagonal and −1 elsewhere.
    The mean divides by the batch size N, as the paper does. The rows are coupled (each image
    is scored against every text), so ``weights=`` is rejected.

    Args:
        images: Embeddings x, shape (N, D); any non-zero norm (they are normalised).
        texts: Embeddings y, the same shape; row i is image i's caption.
            Differentiable too: ``grad(..., argnum=1)``.
        logit_scale: t > 0, the paper's learnable temperature t = exp(t′), initialised at 10.
        logit_bias: b, the learnable bias, initialised at −10 so that the N² − N negatives do not
            dominate the first steps.

    Returns:
        The mean over the N images by default; ``reduction="none"`` gives one loss per image
        (its sum over the N texts).

    Examples:
        >>> from lossref import siglip
        >>> x = [[1.0, 0.0], [0.0, 1.0]]          # orthogonal, each text equal to its image
        >>> # logits t·cos + b: 1 on the diagonal, 0 off it; per image log(1 + e⁻¹) + log 2
        >>> round(siglip(x, x, logit_scale=1.0, logit_bias=0.0), 6)
        1.006409
    """
    positive(logit_scale=logit_scale)
    t, b = float(logit_scale), real_scalar(logit_bias, "logit_bias")
    if texts.shape != images.shape:
        raise ValueError(f"images has shape {images.shape} but texts has shape {texts.shape}")
    u, u_norm = _unit_rows(images, "images")
    v, v_norm = _unit_rows(texts, "texts")
    n = u.shape[0]
    z = 2.0 * np.eye(n) - 1.0
    signed = z * (t * (u @ v.T) + b)
    values = softplus(-signed).sum(axis=1)  # −log σ(m) = softplus(−m): no log 0 for a large −m

    def backward():  # only for .grad: two N×N by N×D products the value does not need
        g = -z * sigmoid(-signed)
        return {
            "images": _through_normalisation(t * (g @ v), u, u_norm),
            "texts": _through_normalisation(t * (g.T @ u), v, v_norm),
        }

    return Result(values, backward)
