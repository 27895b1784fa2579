"""Image losses: functions of a batch of images, (N, H, W) or (N, C, H, W)."""

import numpy as np

from ._checks import as_float_array, positive
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain

__all__ = ["ssim", "total_variation"]  # its losses, re-exported by lossref/__init__.py


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


# --- SSIM (issue 19) ------------------------------------------------------------------------

_SSIM_WINDOW, _SSIM_SIGMA = 11, 1.5
_SSIM_MAX_PIXEL = 1e150  # SSIM squares pixels: beyond this a square overflows float64


def _ssim_images(value, name):
    arr = _images(value, name)
    h, w = arr.shape[-2:]
    if h < _SSIM_WINDOW or w < _SSIM_WINDOW:
        raise ValueError(
            f"{name} images are {h} × {w} pixels, smaller than the 11 × 11 window of SSIM "
            "(no window fits without padding)"
        )
    if arr.size and np.abs(arr).max() > _SSIM_MAX_PIXEL:
        raise ValueError(
            f"{name} has pixels beyond 1e150 in magnitude, whose squares overflow: SSIM(s·x, s·y) with "
            "data_range s·L equals SSIM(x, y) with L, so scale the images and data_range down together"
        )
    return arr


def _sample_ssim_images(rng, shape):
    # one 12 × 11 image per sample in [0, 1] (two window positions); the class-axis shape gives N
    return rng.uniform(size=(shape[0], 12, 11))


def _stress_image(rows):
    """An 11 × 11 stress image (one window) from a short pattern, tiled and cut."""
    pattern = np.asarray(rows, dtype=float)
    reps = (-(-11 // pattern.shape[0]), -(-11 // pattern.shape[1]))
    return tuple(map(tuple, np.tile(pattern, reps)[:11, :11]))


SSIM_IMAGES = Domain(
    "real pixels (|x| ≤ 1e150), shape (N, H, W) or (N, C, H, W) with H, W ≥ 11: one image per sample",
    _ssim_images,
    _sample_ssim_images,
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"), (1e200, ValueError, "has pixels beyond 1e150")),
    # a power-of-two step keeps x ± kh exact on a background of 1e8 (a rounded step would cost
    # |∂ℓ/∂x|·ulp(x)/h there)
    fd_step=lambda x: 2.0**-10,
    # 11 × 11 images (one window each): flat, a step edge, a checkerboard, a large offset with
    # a small texture, pixels of 1e8 and of 1e-300
    stress=(
        _stress_image([[0.5]]),
        _stress_image([[0.0, 0.0, 1.0, 1.0]]),
        _stress_image([[1.0, 0.0], [0.0, 1.0]]),
        _stress_image([[1e8, 1e8 + 1.0, 1e8 - 0.5]]),
        _stress_image([[0.2, 0.9, 0.4], [0.7, 0.1, 0.6], [0.3, 0.8, 0.5]]),
    ),
)
SSIM_TARGETS = Domain(
    "real pixels (|y| ≤ 1e150), the shape of y_pred",
    _ssim_images,
    _sample_ssim_images,
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"), (1e200, ValueError, "has pixels beyond 1e150")),
    stress=(
        _stress_image([[0.5]]),
        _stress_image([[0.0, 1.0, 1.0, 0.0]]),
        _stress_image([[0.25, 0.9, 0.4], [0.7, 0.1, 0.6], [0.3, 0.8, 0.45]]),
    ),
)


def _gaussian_band(n):
    """The (n − 10) × n matrix of the valid 11-tap Gaussian filter (σ = 1.5, weights sum to 1)."""
    taps = np.arange(_SSIM_WINDOW) - _SSIM_WINDOW // 2
    g = np.exp(-(taps**2) / (2 * _SSIM_SIGMA**2))
    g /= g.sum()
    rows = n - _SSIM_WINDOW + 1
    band = np.zeros((rows, n))
    idx = np.arange(rows)[:, None] + np.arange(_SSIM_WINDOW)
    band[np.arange(rows)[:, None], idx] = g
    return band


def _ssim_curve_args(x):
    # the centre pixel of an 11 × 11 image of 0.5s against a flat target of 0.5
    pred = np.full((x.shape[0], 11, 11), 0.5)
    pred[:, 5, 5] = x
    return pred, np.full_like(pred, 0.5)


@class_axis_loss(
    family="images",
    aliases=("structural similarity", "SSIM loss", "1 - SSIM", "DSSIM"),
    formula=(
        r"\ell = 1 - \frac{1}{M}\sum_{k} \frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}{(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)}\Big|_k",  # noqa: E501
        r"\mu_x = w * x,\ \sigma_x^2 = w * x^2 - \mu_x^2,\ \sigma_{xy} = w * (xy) - \mu_x\mu_y,\ "
        r"w \text{ the } 11 \times 11 \text{ Gaussian window } (\sigma = 1.5), \text{ valid positions } k",
        r"C_1 = (0.01 L)^2,\ C_2 = (0.03 L)^2,\ L = \text{data\_range};\ M = \text{channels} \times \text{positions}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial x_p} = -\frac{1}{M}\Big[w^\top\!\big(a - 2b\mu_x - c\mu_y\big)"
        r" + 2x_p\,w^\top b + y_p\,w^\top c\Big]_p",
        r"a = \frac{2(\mu_y - \mu_x)(\mu_y(\mu_x + \mu_y) + C_1)\,A_2}{B_1^2 B_2},\ "
        r"b = -\frac{A_1 A_2}{B_1 B_2^2},\ c = \frac{2A_1}{B_1 B_2}",
        r"A_1 = 2\mu_x\mu_y + C_1,\ B_1 = \mu_x^2 + \mu_y^2 + C_1,\ A_2 = 2\sigma_{xy} + C_2,\ "
        r"B_2 = \sigma_x^2 + \sigma_y^2 + C_2 \text{ per position; } w^\top \text{ spreads a map back over "
        r"its windows' pixels}",
    ),
    domain={"y_pred": SSIM_IMAGES, "y_true": SSIM_TARGETS},
    use_case="Image restoration, super-resolution and compression: compare images by local means, "
    "contrasts and correlations, closer to perceived quality than a per-pixel error.",
    properties=("non_negative", "zero_iff_equal", "symmetric", "bounded_gradient", "smooth"),
    equivalents={
        "Kornia": "2 * kornia.losses.ssim_loss(y_pred, y_true, 11, max_val=L, eps=0.0, padding='valid') "
        "on (N, C, H, W) (Kornia 0.9.0)",
        "MONAI": "monai.losses.SSIMLoss(spatial_dims=2, data_range=L): 1 − SSIM with the same 11 × 11 "
        "Gaussian window (σ = 1.5) at valid positions, computed in float32 (MONAI 1.5.0, "
        "monai/losses/ssim_loss.py and compute_ssim_and_cs in monai/metrics/regression.py)",
    },
    references=(
        "Wang, Bovik, Sheikh & Simoncelli, Image Quality Assessment: From Error Visibility to "
        "Structural Similarity (IEEE TIP 2004)",
        "Zhao, Gallo, Frosio & Kautz, Loss Functions for Image Restoration With Neural Networks "
        "(IEEE TCI 2017)",
    ),
    differences=(
        Difference(
            "kornia-ssim-loss-halves",
            "Kornia",
            "kornia.losses.ssim_loss (Kornia 0.9.0) returns (1 − SSIM)/2 (DSSIM, clamped to [0, 1]): "
            "half of lossref's 1 − SSIM.",
        ),
        Difference(
            "kornia-ssim-pads-same",
            "Kornia",
            "kornia.losses.ssim_loss (Kornia 0.9.0) defaults to padding='same' (reflect padding, a map "
            "the size of the image) and eps=1e-12 in the denominator; lossref uses valid windows only, "
            "as Wang et al.'s code, and no eps. Pass padding='valid', eps=0.0 to match.",
        ),
    ),
    reduction_note='`"mean"` divides by the number of images N; each image\'s loss is already the mean '
    "over its channels and window positions.",
    plot=Plot(
        curve=Curve(
            x_label="centre pixel x of an 11 × 11 image of 0.5s (target: all 0.5)",
            grad_label="gradient ∂ℓ/∂x",
            x_range=(0.0, 1.0),
            args=_ssim_curve_args,
            series=(Series("L = 1", {}, {}), Series("L = 0.25", {}, {"data_range": 0.25})),
            component=lambda g, args: g[..., 5, 5],
        ),
        explore={"data_range": (0.05, 4.0, "log")},
    ),
    checks=Checks(
        variants=({"data_range": 255.0},),
        extremes=(
            # flat images at opposite ends of the range (σ = 0 and μx = 0: 0/0 without C₁ and C₂);
            # identical ones (ℓ = 0, gradient 0) are tested by hand
            Extreme((np.zeros((1, 11, 11)), np.ones((1, 11, 11)))),
            # a texture on an offset of 1e8: its variance is 1e-16 of its mean square
            Extreme(
                (
                    1e8 + np.tile([[0.0, 1.0, -0.5]], (12, 4))[:, :11][None],
                    1e8 + np.tile([[0.5, 0.0, 1.0]], (12, 4))[:, :11][None],
                )
            ),
            # pixels of 1e-300 beside 0 (variances underflow), an (N, C, H, W) batch of two channels
            Extreme(
                (
                    np.stack([np.eye(11) * 1e-300, np.eye(11)])[None],
                    np.stack([np.zeros((11, 11)), np.eye(11)[::-1]])[None],
                )
            ),
        ),
        invalid=(
            Invalid({"data_range": 0.0}, ValueError, "data_range must be > 0"),
            Invalid({"data_range": -1.0}, ValueError, "data_range must be > 0"),
            Invalid({"data_range": np.inf}, ValueError, "data_range must be finite"),
            Invalid({"data_range": 1e-170}, ValueError, "data_range is so small"),
        ),
    ),
)
def ssim(y_pred, y_true, *, data_range=1.0):
    """1 − SSIM: one minus the mean structural similarity of each image (Wang et al. 2004).

    Local statistics come from an 11 × 11 Gaussian window (σ = 1.5) at every position where it
    fits inside the image ("valid", no padding, as the paper's code). Each image's loss is one
    minus the mean of the SSIM map over its window positions and channels; a batch of one image
    needs its batch axis.

    Args:
        y_pred: Predicted images, shape (N, H, W) or (N, C, H, W), H and W at least 11.
        y_true: Target images, the shape of ``y_pred``.
        data_range: L, the range of the pixel values (1 for [0, 1], 255 for 8-bit images):
            C₁ = (0.01 L)², C₂ = (0.03 L)²; must be > 0. Kornia calls it ``max_val``.

    Returns:
        The mean over the N images by default; ``reduction="none"`` gives each image's 1 − SSIM.

    Examples:
        >>> import numpy as np
        >>> from lossref import ssim
        >>> x = np.full((1, 11, 11), 0.5)         # one flat image: μ = 0.5, σ = 0
        >>> y = np.full((1, 11, 11), 0.3)
        >>> round(float(ssim(x, y)), 12)          # 1 - (2·0.15 + 1e-4) / (0.25 + 0.09 + 1e-4)
        0.117612466921
        >>> float(ssim(x, x))
        0.0
    """
    positive(data_range=data_range)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    if c1 < np.finfo(float).tiny:
        raise ValueError(f"data_range is so small ({data_range}) that C₁ = (0.01 L)² underflows")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but y_true has shape {y_true.shape}")
    gh, gw = _gaussian_band(y_pred.shape[-2]), _gaussian_band(y_pred.shape[-1])

    def blur(img):  # the valid Gaussian filter of every image and channel: Gₕ · img · Gᵥᵀ
        return gh @ img @ gw.T

    # second moments from images centred on their own means (per image and channel): SSIM's
    # variances are shift-invariant, and w*x² − μ² then cancels only the local, not the global,
    # offset (a texture on a background of 1e8 keeps its digits)
    axes = (-2, -1)
    xc = y_pred - y_pred.mean(axis=axes, keepdims=True)
    yc = y_true - y_true.mean(axis=axes, keepdims=True)
    d = y_pred - y_true
    # x − y centred, from the centred images: on a background of 1e8, x − y itself would have
    # rounded away the digits of y below ulp(1e8) that var(x − y) depends on
    dc = xc - yc
    mx, my, md = blur(y_pred), blur(y_true), blur(d)
    mxc, myc, mdc = blur(xc), blur(yc), blur(dc)
    sxx = blur(xc * xc) - mxc * mxc
    syy = blur(yc * yc) - myc * myc
    sxy = blur(xc * yc) - mxc * myc
    b1 = mx * mx + my * my + c1  # luminance denominator
    b2 = sxx + syy + c2  # contrast-structure denominator
    r2 = (2.0 * sxy + c2) / b2
    # 1 − S = (D₁A₂ + B₁D₂)/(B₁B₂) with D₁ = B₁ − A₁ = (μx − μy)² and D₂ = B₂ − A₂ the windowed
    # variance of x − y: no cancellation of 1 − S near S = 1, and exactly 0 for equal images
    dssim = (md * md / b1) * r2 + (blur(dc * dc) - mdc * mdc) / b2
    value = dssim.reshape(dssim.shape[0], -1).mean(axis=1)

    def grad():
        r1 = (2.0 * mx * my + c1) / b1
        # ∂S/∂μx = 2(μy − μx)(μy(μx + μy) + C₁)/B₁² · A₂/B₂, as bounded ratios (no B₁² overflow)
        a = 2.0 * (-md / b1) * ((my * (mx + my) + c1) / b1) * r2
        b = -r1 * r2 / b2
        c = 2.0 * r1 / b2

        def spread(m):  # the adjoint of blur: each map value back over its window's pixels
            return gh.T @ m @ gw

        g = spread(a - 2.0 * b * mxc - c * myc) + 2.0 * xc * spread(b) + yc * spread(c)
        return -g / (dssim[0].size)

    return Result(value, grad)
