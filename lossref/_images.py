"""Image losses: functions of a batch of images, (N, H, W) or (N, C, H, W)."""

import numpy as np

from ._checks import as_float_array
from ._core import Checks, Curve, Difference, Extreme, Plot, Result, Series, class_axis_loss
from ._domains import Domain

__all__ = ["total_variation"]  # its losses, re-exported by lossref/__init__.py


def _images(value, name):
    arr = as_float_array(value, name)
    if arr.ndim not in (3, 4):
        raise ValueError(
            f"{name} must be a batch of images, shape (N, H, W) or (N, C, H, W); got shape {arr.shape}"
        )
    return arr


def _sample_images(rng, shape):
    # the class-axis shape (N, C) gives the batch and the number of channels; 3 × 4 pixels
    return rng.normal(size=(shape[0], shape[-1], 3, 4))


IMAGES = Domain(
    "real pixels, shape (N, H, W) or (N, C, H, W): one image per sample",
    _images,
    _sample_images,
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"),),
    # constant, a step edge, checkerboards, ties, pixels of 1e±300 and of 1e8 beside 1: each
    # entry one 2 × 3 image (the accuracy tests add the batch axis)
    stress=(
        ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
        ((1.0, 1.0, 0.0), (1.0, 1.0, 0.0)),
        ((1.0, -1.0, 1.0), (-1.0, 1.0, -1.0)),
        ((1e-300, 0.0, 2e-300), (-1e-300, 3e-300, 0.0)),
        ((1e8, 1.0, -0.5), (-0.5, 1e8 + 1.0, 1e8)),
        ((1e300, -1e300, 0.25), (0.25, 1e300, -1e300)),
        ((2.0, 3.0, -1.0), (2.0, 3.0, -1.0)),
        ((1.0, 2.0, 4.0), (4.0, 2.0, 1.0)),
        ((-3.0, 0.1, -3.0), (0.1, -3.0, 0.1)),
        ((1e-12, 0.0, 1e-12), (0.0, 1e-12, 0.0)),
        ((30.0, -700.0, 1e4), (1e4, -1e8, 30.0)),
    ),
)


def _neighbour_gaps(x):
    """Each pixel's distance to the nearest of its (up to four) neighbours: where |·| kinks."""
    x = np.asarray(x, float)
    gap = np.full(x.shape, np.inf)
    down = np.abs(x[..., 1:, :] - x[..., :-1, :])
    right = np.abs(x[..., :, 1:] - x[..., :, :-1])
    gap[..., 1:, :] = np.minimum(gap[..., 1:, :], down)
    gap[..., :-1, :] = np.minimum(gap[..., :-1, :], down)
    gap[..., :, 1:] = np.minimum(gap[..., :, 1:], right)
    gap[..., :, :-1] = np.minimum(gap[..., :, :-1], right)
    return gap


@class_axis_loss(
    family="images",
    aliases=("TV loss", "total variation regularizer", "anisotropic total variation"),
    formula=(
        r"\mathrm{TV}(x) = \sum_{c}\sum_{i,j} \big|x_{c,i+1,j} - x_{c,i,j}\big| + \big|x_{c,i,j+1} - x_{c,i,j}\big|",  # noqa: E501
        r"\text{per image } x \text{ of shape } (C, H, W) \text{ or } (H, W)",
    ),
    gradient=(
        r"\frac{\partial\,\mathrm{TV}}{\partial x_{c,i,j}} = \operatorname{sign}(x_{c,i,j} - x_{c,i-1,j}) "
        r"- \operatorname{sign}(x_{c,i+1,j} - x_{c,i,j}) + \operatorname{sign}(x_{c,i,j} - x_{c,i,j-1}) "
        r"- \operatorname{sign}(x_{c,i,j+1} - x_{c,i,j})",
        r"\operatorname{sign}(0) = 0;\ \text{terms past the image's border are left out}",
    ),
    domain={"images": IMAGES},
    use_case="A regularizer that favours piecewise-constant images: denoising, deblurring, "
    "image synthesis and style transfer, and smooth adversarial perturbations.",
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "Kornia": "kornia.losses.total_variation(images).sum(-1) for (N, C, H, W) (Kornia 0.9.0 "
        "returns one value per channel; see below)",
        "TensorFlow": "tf.image.total_variation(images) on (N, H, W, C), channels last (TensorFlow 2.21.0, "
        "tensorflow/python/ops/image_ops_impl.py)",
    },
    references=(
        "Rudin, Osher & Fatemi, Nonlinear Total Variation Based Noise Removal Algorithms (Physica D 1992)",
        "Mahendran & Vedaldi, Understanding Deep Image Representations by Inverting Them (CVPR 2015)",
    ),
    differences=(
        Difference(
            "kornia-tv-per-channel",
            "Kornia",
            "`kornia.losses.total_variation` (0.9.0, `kornia/losses/total_variation.py`) sums over the "
            "last two axes only: one value per image and channel for (N, C, H, W), whose sum over C "
            'is `lossref`\'s. Its `reduction="mean"` averages the vertical differences over their '
            "(H − 1)·W and the horizontal ones over their H·(W − 1) and adds the two means, per "
            "channel; `lossref`'s `reduction=\"mean\"` averages the images' sums over the batch.",
        ),
    ),
    plot=Plot(
        curve=Curve(
            x_label="centre pixel x of a 3 × 3 image of zeros",
            grad_label="gradient ∂TV/∂x",
            x_range=(-2.0, 2.0),
            args=lambda x: (np.pad(x[:, None, None], ((0, 0), (1, 1), (1, 1))),),
            series=(Series("", {}, {}),),
            component=lambda g, args: g[..., 1, 1],
        )
    ),
    checks=Checks(
        extremes=(
            Extreme(
                (
                    [
                        [[1e8, -1e8, 0.0], [1e-300, 1e4, 1e4], [-1e4, 1e-12, 0.0]],
                        [[1e200, 0.0, -1e200], [0.5, 1.5, 0.5], [3.0, 2.0, 3.0]],
                    ],
                )
            ),
            Extreme(([[[[1e8, 0.0], [0.0, -1e8]], [[1e-300, 2.0], [5.0, 3.0]]]],)),  # (N, C, H, W)
        ),
        kink_distance=_neighbour_gaps,
        # ties between neighbours (|·|' = 0 in both), pixels of 1e8 and 1e200 beside 0, an (N, C, H, W) batch
        torch_extremes=(
            Extreme(
                [
                    [
                        [[1e8, -1e8, 0.0], [1e-300, 1e4, 1e4], [-1e4, 1e-12, 0.0]],
                        [[1e200, 0.0, -1e200], [0.5, 1.5, 0.5], [3.0, 2.0, 3.0]],
                    ],
                ]
            ),
            Extreme([[[[[1e8, 0.0], [0.0, -1e8]], [[1e-300, 2.0], [5.0, 5.0]]]]]),
        ),
    ),
)
def total_variation(images):
    """Anisotropic total variation: the sum of absolute differences between neighbouring pixels.

    One value per image, summed over its channels, rows and columns; a batch of one image
    needs its batch axis. At a tie between neighbours the derivative of |·| is 0.

    Args:
        images: A batch of images, shape (N, H, W) or (N, C, H, W).

    Returns:
        The mean over the N images by default; ``reduction="none"`` gives each image's TV.

    Examples:
        >>> from lossref import total_variation
        >>> img = [[[0.0, 1.0], [3.0, 1.0]]]      # one 2 × 2 image
        >>> total_variation(img)  # |3 - 0| + |1 - 1| + |1 - 0| + |1 - 3|
        6.0
        >>> total_variation.grad(img)
        array([[[-2.,  1.],
                [ 2., -1.]]])
    """
    down = images[..., 1:, :] - images[..., :-1, :]
    right = images[..., :, 1:] - images[..., :, :-1]
    per_sample_axes = tuple(range(1, images.ndim))
    value = np.abs(down).sum(axis=per_sample_axes) + np.abs(right).sum(axis=per_sample_axes)

    def grad():
        g = np.zeros_like(images)
        s, t = np.sign(down), np.sign(right)
        g[..., 1:, :] += s
        g[..., :-1, :] -= s
        g[..., :, 1:] += t
        g[..., :, :-1] -= t
        return g

    return Result(value, grad)
