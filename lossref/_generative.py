"""Losses of generative models: GAN discriminator and generator, the VAE's negative ELBO, DDPM's noise MSE."""

import math

import numpy as np

from ._checks import as_float_array, last_axis, non_negative
from ._core import (
    Checks,
    Curve,
    Difference,
    Extreme,
    Invalid,
    Plot,
    Result,
    Series,
    class_axis_loss,
    elementwise_loss,
)
from ._domains import REAL, Domain
from ._math import sigmoid, softplus, two_sum, xlog1py, xlogy

__all__ = [
    "diffusion_noise_mse",
    "gan_discriminator",
    "gan_generator",
    "vae_elbo",
]  # its losses, re-exported by lossref/__init__.py


def _one_of(name, value, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}")


def _has_feature_axis(value, name):
    return last_axis(as_float_array(value, name), name, "a feature axis")


# unconstrained rows: noise, latent means and log-variances (features on the last axis)
FEATURES = Domain(
    "real, shape (..., D): features on the last axis",
    _has_feature_axis,
    lambda rng, shape: rng.normal(scale=1.5, size=shape),
    has_class_axis=True,
    invalid=(
        Invalid(np.inf, ValueError, "contains inf"),
    ),  # any real is valid; a row without a feature axis is not
    stress=((0.0, 0.0, 0.0), (1e-12, -1e-6, 1.0), (30.0, -1e4, 700.0), (-0.5, 2.0, 1e-300)),
)
# decoder outputs and data: probabilities for reconstruction="bce" (checked by the loss), reals for "mse"
RECONSTRUCTION = Domain(
    '[0, 1] with reconstruction="bce" (ℝ with "mse"), shape (..., D)',
    _has_feature_axis,
    lambda rng, shape: rng.uniform(0.05, 0.95, size=shape),
    has_class_axis=True,
    invalid=(Invalid(1.5, ValueError, "must be probabilities in [0, 1] with reconstruction='bce'"),),
    stress=((1e-15, 0.5, 1 - 1e-15), (0.0, 1.0, 0.3), (0.25, 0.75, 1e-6)),
)

D_VARIANTS = ("minimax", "least_squares", "wasserstein", "hinge")
G_VARIANTS = ("non_saturating", "saturating", "least_squares", "wasserstein", "hinge")
# relativistic average (RaSGAN): each sample's loss reads the other batch's mean logit, so it is
# not in the plots (a curve over one logit has no batch) nor in the per-sample test variants
RELATIVISTIC = "relativistic_average"
_COUPLED = {"coupled_rows": "with variant='relativistic_average' (the batch means couple the samples)"}
_GAN_REFERENCES = (
    "Goodfellow et al., Generative Adversarial Nets (2014)",
    "Goodfellow, NIPS 2016 Tutorial: Generative Adversarial Networks (2016)",
    "Mao et al., Least Squares Generative Adversarial Networks (2017)",
    "Arjovsky, Chintala & Bottou, Wasserstein GAN (2017)",
    "Gulrajani et al., Improved Training of Wasserstein GANs (2017)",
    "Lim & Ye, Geometric GAN (2017); Miyato et al., Spectral Normalization for GANs (2018)",
    "Jolicoeur-Martineau, The relativistic discriminator: a key element missing from standard GAN (2018): "
    "RaSGAN",
)

_RAGAN_HALVES = Difference(
    "ragan-author-code-halves",
    "RelativisticGAN",
    "The author's code (AlexiaJM/RelativisticGAN commit 0b9e1f9, code/GAN_losses_iter.py, "
    "`loss_D == 6`) divides the sum of its two mean BCE terms by 2, for the discriminator and for the "
    "generator; the paper's RaSGAN losses and `lossref` do not (as the minimax variant). Halve "
    "`lossref`'s value and gradient to get the code's.",
)


def _mean_hi_lo(x):
    """mean(x) as hi + lo, to about twice float64's precision.

    RaGAN's logits d − mean: a plain mean rounds at the size of the logits, so logits of 1e4
    that differ by 0.1 would lose 12 of their 16 digits in d − mean. The exact residuals of
    x − hi (TwoSum) give the correction lo. Logits above 2^1000 are scaled by 2^-24 (exactly)
    so that no partial sum overflows.
    """
    x = x.ravel()
    scale = 2.0**-24 if np.max(np.abs(x)) > 2.0**1000 else 1.0
    y = x * scale
    hi = math.fsum(y) / y.size
    d, e = two_sum(y, -hi)
    return hi / scale, math.fsum(np.concatenate((d, e))) / y.size / scale


def _minus_mean(x, y):
    """x − mean(y) as hi + lo (see _mean_hi_lo): hi is the rounded difference, lo its error."""
    m_hi, m_lo = _mean_hi_lo(y)
    d, e = two_sum(x, -m_hi)
    return d, e - m_lo


def _relativistic_average(r, f):
    """RaSGAN's discriminator loss per pair and, deferred, the gradient of its sum.

    D̃_r = r − mean f and D̃_f = f − mean r; the generator's loss is this with r and f swapped.
    The sum over pairs moves with every logit through the means: ∂Σ/∂r_j = −σ(−D̃_r,j) − mean σ(D̃_f)
    and ∂Σ/∂f_j = σ(D̃_f,j) + mean σ(−D̃_r). Each D̃ is hi + lo; softplus and σ take hi and a
    first-order correction in lo (softplus' = σ, σ' = σ(1 − σ)).
    """
    a, a_lo = _minus_mean(r, f)
    b, b_lo = _minus_mean(f, r)
    push_r, push_f = sigmoid(-a), sigmoid(b)  # σ(D̃) − 1 = −σ(−D̃), without the cancellation
    value = (softplus(-a) - push_r * a_lo) + (softplus(b) + push_f * b_lo)

    def backward():
        p_r = push_r - push_r * sigmoid(a) * a_lo
        p_f = push_f + push_f * sigmoid(-b) * b_lo
        return -p_r - np.mean(p_f), p_f + np.mean(p_r)

    return value, backward


def _hinge_kinks(real_logits, fake_logits, variant="minimax"):
    if variant != "hinge":
        return np.full(np.shape(real_logits), np.inf)
    return np.minimum(np.abs(1.0 - np.asarray(real_logits)), np.abs(1.0 + np.asarray(fake_logits)))


@elementwise_loss(
    family="generative",
    formula=(
        r"\text{minimax: } \ell_D = \mathrm{softplus}(-d_r) + \mathrm{softplus}(d_f)",
        r"\text{least squares: } \ell_D = \tfrac12 (d_r - 1)^2 + \tfrac12 d_f^2",
        r"\text{wasserstein: } \ell_D = d_f - d_r",
        r"\text{hinge: } \ell_D = \max(0, 1 - d_r) + \max(0, 1 + d_f)",
        r"\text{relativistic average: } \ell_D = \mathrm{softplus}(-\tilde d_r) + \mathrm{softplus}(\tilde d_f), \quad \tilde d_r = d_r - \overline{d_f},\ \tilde d_f = d_f - \overline{d_r}",  # noqa: E501
    ),
    gradient=(
        r"\text{minimax: } \frac{\partial \ell_D}{\partial d_r} = \sigma(d_r) - 1, \quad \frac{\partial \ell_D}{\partial d_f} = \sigma(d_f)",  # noqa: E501
        r"\text{least squares: } d_r - 1, \quad d_f",
        r"\text{wasserstein: } -1, \quad 1",
        r"\text{hinge: } -[d_r < 1], \quad [d_f > -1] \quad (0 \text{ at the kinks})",
        r"\text{relativistic average, of } \textstyle\sum_i \ell_{D,i}: \ -\sigma(-\tilde d_{r,j}) - \overline{\sigma(\tilde d_f)}, \quad \sigma(\tilde d_{f,j}) + \overline{\sigma(-\tilde d_r)}",  # noqa: E501
    ),
    domain={"real_logits": REAL, "fake_logits": REAL},
    use_case=(
        "Train a GAN's discriminator (or critic) on its raw outputs for a batch of real and a batch of "
        "generated samples."
    ),
    properties=("convex",),
    equivalents={
        "PyTorch": (
            "F.binary_cross_entropy_with_logits(d_r, ones) + F.binary_cross_entropy_with_logits(d_f, zeros) "
            "(minimax)"
        ),
        "Keras": "BinaryCrossentropy(from_logits=True) on real (label 1) plus on fake (label 0)",
        "TF-GAN": "tfgan.losses.modified_discriminator_loss, least_squares_discriminator_loss, "
        "wasserstein_discriminator_loss (tensorflow/gan commit bc369b7, version 2.1.0)",
        "RelativisticGAN": "`loss_D == 6` (RaSGAN) in code/GAN_losses_iter.py (AlexiaJM/RelativisticGAN "
        'commit 0b9e1f9), halved: `variant="relativistic_average"` divided by 2; transcribed in NumPy '
        "and executed in tests/test_differences.py",
    },
    references=_GAN_REFERENCES,
    differences=(_RAGAN_HALVES,),
    differentiable=("real_logits", "fake_logits"),
    reduction_note='`"mean"` divides by the number of (real, fake) pairs N (by Σw with `weights=`): '
    'the mean over real samples plus the mean over fake samples. With `variant="relativistic_average"` '
    "every sample's loss reads the batch means, the gradient is that of the whole batch's loss, and "
    "`weights=` is refused.",
    plot=Plot(
        curve=Curve(
            x_label="discriminator logit on a fake sample d_f (d_r = 1)",
            x_range=(-4.0, 4.0),
            args=lambda x: (np.ones_like(x), x),
            series=tuple(Series(v, {}, {"variant": v}) for v in D_VARIANTS),
            grad_label="gradient ∂ℓ_D/∂d_f",
            argnum=1,
        ),
    ),
    checks=Checks(
        variants=({"variant": "least_squares"}, {"variant": "wasserstein"}, {"variant": "hinge"}),
        extremes=(
            Extreme([[1e4, -1e4, 0.0, 1e-300, 40.0, -40.0], [-1e4, 1e4, 0.0, -1e-300, 40.0, -745.0]]),
            Extreme([[1e8, -1e8, 1e-300, 3.0], [1e8, -1e8, 0.0, 2.5]], {"variant": "least_squares"}),
            Extreme([[1e8, -1e8, 1e-300, 3.0], [-1e8, 1e4, 0.0, -2.5]], {"variant": "wasserstein"}),
            Extreme([[1e4, -1e4, 0.5, 3.0], [-1e4, 1e4, -0.5, -2.5]], {"variant": "hinge"}),
        ),
        invalid=(Invalid({"variant": "wgan"}, ValueError, "variant must be one of"),),
        kink_distance=_hinge_kinks,
        torch_extremes=(
            Extreme([[1e4, -1e4, 0.0, 40.0, -40.0, 1e-300], [-1e4, 1e4, 0.0, 40.0, -745.0, 0.0]]),
            Extreme([[1e8, -1e8, 1e-300, 3.0], [1e8, -1e8, 0.0, 2.5]], {"variant": "least_squares"}),
            Extreme([[1e8, -1e8, 1e-300, 3.0], [1e8, 1e4, 0.0, -2.5]], {"variant": "wasserstein"}),
            Extreme([[1e4, -1e4, 0.5, 3.0], [-1e4, 1e4, -0.5, -2.5]], {"variant": "hinge"}),
        ),
    ),
)
def gan_discriminator(real_logits, fake_logits, *, variant="minimax"):
    """GAN discriminator (critic) loss on raw outputs for real and generated samples.

    The two batches are paired element by element and must have the same shape: with
    ``"mean"`` the loss is the mean over real samples plus the mean over fake samples.
    For batches of different sizes, call it once per side with the other side's term
    zeroed out, or average ``reduction="none"`` values yourself. Inputs are logits (raw
    scores): no sigmoid. The hinge variant's subgradient is 0 at its kinks (d_r = 1,
    d_f = −1). The Wasserstein variant is only the critic's objective: WGAN-GP's gradient
    penalty λ(‖∇ₓD(x̂)‖ − 1)² needs the critic's input gradient and is not included
    (see ``gradient_penalty``).

    ``"relativistic_average"`` (RaSGAN) scores each real sample against the mean fake logit
    and each fake against the mean real logit: d̃_r = d_r − mean d_f, d̃_f = d_f − mean d_r,
    ℓ = softplus(−d̃_r) + softplus(d̃_f). The means run over every element of the two
    arrays, so one sample's loss depends on the whole batch: ``grad`` is the gradient of
    the batch's reduced loss, and ``weights=`` is refused.

    Args:
        real_logits: Discriminator outputs d_r on real samples, any shape.
        fake_logits: Outputs d_f on generated samples, the same shape. Differentiable too:
            ``grad(..., argnum=1)``.
        variant: ``"minimax"`` (Goodfellow's BCE, the default), ``"least_squares"``
            (LSGAN with labels a = 0, b = 1), ``"wasserstein"`` (WGAN critic), ``"hinge"`` or
            ``"relativistic_average"`` (RaSGAN).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import gan_discriminator
        >>> gan_discriminator([0.0], [0.0])   # log 2 + log 2 = 1.386...
        1.3862943611198906
        >>> gan_discriminator([3.0, 0.5], [-2.0, 0.0], variant="hinge", reduction="none")   # 0 + 0, 0.5 + 1
        array([0. , 1.5])
        >>> gan_discriminator.grad([3.0], [1.0], variant="least_squares", argnum=1)   # d_f = 1
        array([1.])
        >>> # mean d_r = 2, mean d_f = 0: d̃_r = (1, 3), d̃_f = (−1, −3); 2·softplus(−1), 2·softplus(−3)
        >>> gan_discriminator([1.0, 3.0], [1.0, -1.0], variant="relativistic_average", reduction="none")
        array([0.62652338, 0.0971747 ])
    """
    _one_of("variant", variant, (*D_VARIANTS, RELATIVISTIC))
    r, f = real_logits, fake_logits
    if variant == RELATIVISTIC:
        value, backward = _relativistic_average(r, f)
        return Result(
            value, lambda: dict(zip(("real_logits", "fake_logits"), backward(), strict=True)), None, _COUPLED
        )
    if variant == "minimax":
        value = softplus(-r) + softplus(f)
    elif variant == "least_squares":
        value = 0.5 * (r - 1.0) ** 2 + 0.5 * f**2
    elif variant == "wasserstein":
        value = f - r
    else:
        value = np.maximum(0.0, 1.0 - r) + np.maximum(0.0, 1.0 + f)

    def backward():
        if variant == "minimax":
            g_r, g_f = -sigmoid(-r), sigmoid(f)  # σ(d_r) − 1 = −σ(−d_r), without the cancellation
        elif variant == "least_squares":
            g_r, g_f = r - 1.0, f
        elif variant == "wasserstein":
            g_r, g_f = -np.ones_like(r), np.ones_like(f)
        else:
            g_r, g_f = np.where(1.0 - r > 0, -1.0, 0.0), np.where(1.0 + f > 0, 1.0, 0.0)
        return {"real_logits": g_r, "fake_logits": g_f}

    return Result(value, backward)


@elementwise_loss(
    family="generative",
    formula=(
        r"\text{non-saturating: } \ell_G = -\log \sigma(d_f) = \mathrm{softplus}(-d_f)",
        r"\text{saturating: } \ell_G = \log\big(1 - \sigma(d_f)\big) = -\mathrm{softplus}(d_f)",
        r"\text{least squares: } \ell_G = \tfrac12 (d_f - 1)^2",
        r"\text{wasserstein, hinge: } \ell_G = -d_f",
        r"\text{relativistic average: } \ell_G = \mathrm{softplus}(-\tilde d_f) + \mathrm{softplus}(\tilde d_r), \quad \tilde d_f = d_f - \overline{d_r},\ \tilde d_r = d_r - \overline{d_f}",  # noqa: E501
    ),
    gradient=(
        r"\text{non-saturating: } \frac{\partial \ell_G}{\partial d_f} = \sigma(d_f) - 1",
        r"\text{saturating: } \frac{\partial \ell_G}{\partial d_f} = -\sigma(d_f)",
        r"\text{least squares: } d_f - 1; \quad \text{wasserstein, hinge: } -1",
        r"\text{relativistic average, of } \textstyle\sum_i \ell_{G,i}: \ -\sigma(-\tilde d_{f,j}) - \overline{\sigma(\tilde d_r)}",  # noqa: E501
    ),
    domain={"fake_logits": REAL},
    use_case="Train a GAN's generator through the discriminator's raw outputs on generated samples.",
    properties=("smooth",),
    equivalents={
        "PyTorch": "F.binary_cross_entropy_with_logits(d_f, ones) (non-saturating)",
        "Keras": "BinaryCrossentropy(from_logits=True)(ones, d_f) (non-saturating)",
        "TF-GAN": "tfgan.losses.modified_generator_loss (non-saturating), minimax_generator_loss, "
        "least_squares_generator_loss, wasserstein_generator_loss (tensorflow/gan commit bc369b7, "
        "version 2.1.0)",
        "RelativisticGAN": "`loss_D == 6` (RaSGAN) generator step in code/GAN_losses_iter.py "
        '(AlexiaJM/RelativisticGAN commit 0b9e1f9), halved: `variant="relativistic_average"` divided by 2; '
        "transcribed in NumPy and executed in tests/test_differences.py",
    },
    references=_GAN_REFERENCES,
    differences=(_RAGAN_HALVES,),
    reduction_note='`"mean"` divides by the number of samples N (by Σw with `weights=`). With '
    '`variant="relativistic_average"` every sample\'s loss reads the batch means, the gradient is that '
    "of the whole batch's loss, and `weights=` is refused.",
    plot=Plot(
        curve=Curve(
            x_label="discriminator logit on a fake sample d_f",
            x_range=(-6.0, 6.0),
            args=lambda x: (x,),
            series=tuple(Series(v, {}, {"variant": v}) for v in G_VARIANTS if v != "hinge"),
            grad_label="gradient ∂ℓ_G/∂d_f (hinge = wasserstein)",
            y_limits=(-6.0, 8.0),
        ),
    ),
    checks=Checks(
        variants=(
            {"variant": "saturating"},
            {"variant": "least_squares"},
            {"variant": "wasserstein"},
            {"variant": "hinge"},
        ),
        extremes=(
            Extreme([[1e4, -1e4, 0.0, 1e-300, 40.0, -40.0, -745.0]]),
            Extreme([[1e4, -1e4, 0.0, 1e-300, 40.0, -40.0, 745.0]], {"variant": "saturating"}),
            Extreme([[1e4, -1e4, 2.0, 1e-300]], {"variant": "least_squares"}),
            Extreme([[1e8, -1e8, 1e-300]], {"variant": "wasserstein"}),
        ),
        invalid=(
            Invalid({"variant": "minimax"}, ValueError, "variant must be one of"),
            Invalid({"variant": RELATIVISTIC}, ValueError, "needs real_logits"),
            Invalid({"real_logits": [0.5]}, ValueError, "real_logits is only used by"),
        ),
        torch_extremes=(
            Extreme([[1e4, -1e4, 0.0, 1e-300, 40.0, -40.0, -745.0]]),
            Extreme([[1e4, -1e4, 0.0, 1e-300, 40.0, -40.0, 745.0]], {"variant": "saturating"}),
            Extreme([[1e8, -1e8, 1.0, 1e-300]], {"variant": "least_squares"}),
            Extreme([[1e8, -1e8, 1e-300]], {"variant": "hinge"}),
        ),
    ),
)
def gan_generator(fake_logits, *, variant="non_saturating", real_logits=None):
    """GAN generator loss on the discriminator's raw outputs for generated samples.

    ``"non_saturating"`` (the default, what every GAN trains with) is −log σ(d_f);
    ``"saturating"`` is the minimax game's own log(1 − σ(d_f)), whose gradient −σ(d_f)
    vanishes exactly when the discriminator confidently rejects the fakes (d_f ≪ 0).

    ``"relativistic_average"`` (RaSGAN) is the discriminator's relativistic loss with the
    roles swapped: ℓ_G = softplus(−d̃_f) + softplus(d̃_r), d̃_f = d_f − mean d_r,
    d̃_r = d_r − mean d_f. It needs the discriminator's outputs on a real batch too
    (``real_logits``): the generator learns by making fakes look *more real than the real
    samples*, on average. ``grad`` is ∂/∂d_f of the batch's reduced loss (through the means as
    well); ``weights=`` is refused. Its gradient with respect to d_r is
    ``gan_discriminator.grad(fake_logits, real_logits, variant="relativistic_average", argnum=1)``
    (the same function with the arguments swapped).

    Args:
        fake_logits: Discriminator outputs d_f on generated samples, any shape (logits,
            no sigmoid).
        variant: ``"non_saturating"``, ``"saturating"``, ``"least_squares"`` (LSGAN,
            target c = 1), ``"wasserstein"``, ``"hinge"`` (both −d_f) or
            ``"relativistic_average"``.
        real_logits: Discriminator outputs d_r on a batch of real samples, the shape of
            ``fake_logits``; keyword-only, needed by ``"relativistic_average"`` and refused by
            the other variants.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import gan_generator
        >>> gan_generator([0.0, 0.0], variant="least_squares", reduction="none")   # ½(0 − 1)² = 0.5
        array([0.5, 0.5])
        >>> gan_generator.grad([-10.0], variant="saturating").item()   # −σ(−10) ≈ −4.5e-5: saturated
        -4.5397868702434395e-05
        >>> gan_generator.grad([-10.0]).item()   # σ(−10) − 1: still about −1
        -0.9999546021312976
        >>> # d̃_f = 0 − 0 = 0, d̃_r = 0 − 0 = 0: softplus(0) + softplus(0) = 2 log 2
        >>> gan_generator([0.0], variant="relativistic_average", real_logits=[0.0])
        1.3862943611198906
    """
    _one_of("variant", variant, (*G_VARIANTS, RELATIVISTIC))
    f = fake_logits
    if real_logits is not None:
        r = as_float_array(real_logits, "real_logits")  # a ragged list is named before anything else
        if variant != RELATIVISTIC:
            raise ValueError(
                f"real_logits is only used by variant='relativistic_average'; variant={variant!r} "
                "reads the fake logits alone"
            )
        _same("real_logits", r, "fake_logits", f)
        value, backward = _relativistic_average(f, r)  # ℓ_G is ℓ_D with real and fake swapped
        return Result(value, lambda: backward()[0], None, _COUPLED)
    if variant == RELATIVISTIC:
        raise ValueError(
            "variant='relativistic_average' needs real_logits: the discriminator's outputs on a batch of "
            "real samples, the shape of fake_logits"
        )
    if variant == "non_saturating":
        return Result(softplus(-f), lambda: -sigmoid(-f))
    if variant == "saturating":
        return Result(-softplus(f), lambda: -sigmoid(f))
    if variant == "least_squares":
        return Result(0.5 * (f - 1.0) ** 2, lambda: f - 1.0)
    return Result(-f, lambda: -np.ones_like(f))


def _check_bce_inputs(**arrays):
    for name, arr in arrays.items():
        outside = (arr < 0) | (arr > 1)
        if outside.any():
            raise ValueError(
                f"{name} must be probabilities in [0, 1] with reconstruction='bce'; got "
                f"{float(arr[outside].flat[0])!r} (use reconstruction='mse' for real-valued data)"
            )


def _same(name, arr, ref_name, ref, axes=slice(None)):
    if arr.shape[axes] != ref.shape[axes]:
        what = "shape" if axes == slice(None) else "batch shape"
        raise ValueError(f"{name} has {what} {arr.shape[axes]} but {ref_name} has {what} {ref.shape[axes]}")


@class_axis_loss(
    family="generative",
    formula=(
        r"\ell = \mathrm{rec}(\hat x, x) + \beta \cdot \tfrac12 \sum_{j} \big(\mu_j^2 + e^{s_j} - s_j - 1\big), \quad s_j = \log\sigma_j^2",  # noqa: E501
        r"\mathrm{rec}_{\mathrm{bce}} = -\sum_i \big[x_i \log \hat x_i + (1 - x_i)\log(1 - \hat x_i)\big]",
        r"\mathrm{rec}_{\mathrm{mse}} = \sum_i (\hat x_i - x_i)^2",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \hat x_i} = \frac{\hat x_i - x_i}{\hat x_i (1 - \hat x_i)} \ \text{(bce)}, \quad 2(\hat x_i - x_i) \ \text{(mse)}",  # noqa: E501
        r"\frac{\partial \ell}{\partial \mu_j} = \beta\,\mu_j, \quad \frac{\partial \ell}{\partial s_j} = \tfrac{\beta}{2}\big(e^{s_j} - 1\big)",  # noqa: E501
    ),
    domain={"x_recon": RECONSTRUCTION, "x": RECONSTRUCTION, "mu": FEATURES, "log_var": FEATURES},
    use_case="Train a variational autoencoder with a diagonal Gaussian encoder and a standard normal prior.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "F.binary_cross_entropy(x_recon, x, reduction='sum') "
        "- 0.5 * torch.sum(1 + log_var - mu**2 - log_var.exp()) (per batch: divide by N)",
        "Keras": "the VAE example's reconstruction_loss + kl_loss (written by hand)",
    },
    references=(
        "Kingma & Welling, Auto-Encoding Variational Bayes (2014)",
        (
            "Rezende, Mohamed & Wierstra, Stochastic Backpropagation and Approximate Inference in Deep "
            "Generative Models (2014)"
        ),
        (
            "Higgins et al., beta-VAE: Learning Basic Visual Concepts with a Constrained Variational "
            "Framework (2017)"
        ),
    ),
    aliases=("ELBO", "VAE loss"),  # names readers search for
    differentiable=("x_recon", "mu", "log_var"),
    reduction_note='`"mean"` divides by the number of samples N (rows; by Σw with `weights=`); '
    "within a sample both terms are *summed* over their dimensions.",
    plot=Plot(
        curve=Curve(
            x_label="latent mean μ (one latent, log σ² = 0; x̂ = x)",
            x_range=(-3.0, 3.0),
            args=lambda x: (
                np.full((*x.shape, 1), 0.5),
                np.full((*x.shape, 1), 0.5),
                x[..., None],
                np.zeros((*x.shape, 1)),
            ),
            series=tuple(
                Series(f"β = {b:g}", {}, {"beta": b, "reconstruction": "mse"}) for b in (0.5, 1.0, 4.0)
            ),
            component=lambda g, args: g[..., 0],
            grad_label="gradient ∂ℓ/∂μ = βμ",
            argnum=2,
        ),
        explore={"beta": (0.1, 5.0)},
    ),
    checks=Checks(
        variants=({"reconstruction": "mse"}, {"beta": 4.0}, {"beta": 0.0, "reconstruction": "mse"}),
        extremes=(
            Extreme(
                [
                    [[1e-3, 1 - 1e-3, 0.5], [0.3, 0.7, 0.999]],
                    [[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]],
                    [[1e8, -1e-300, 0.0], [30.0, 0.0, -1e4]],
                    [[700.0, -1e4, 1e-12], [-745.0, 0.0, 30.0]],
                ]
            ),
            Extreme(
                [
                    [[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]],
                    [[-1e8, 1e8, 0.0], [0.0, 3.0, 2.0]],
                    [[1e8, 0.0, 1.0], [1.0, 2.0, 3.0]],
                    [[700.0, -1e4, 0.0], [1e-12, -1e-12, 5.0]],
                ],
                {"reconstruction": "mse", "beta": 4.0},
            ),
        ),
        invalid=(
            Invalid({"beta": -1.0}, ValueError, "beta must be >= 0"),
            Invalid({"reconstruction": "l1"}, ValueError, "reconstruction must be one of"),
        ),
        fd_step=lambda **hyper: 1e-5,
        # probabilities within 1e-6 of 0 and 1 (PyTorch clamps p(1 − p) at 1e-12 and log at −100:
        # not reached), means of 1e8, log-variances from −1e4 to 700
        torch_extremes=(
            Extreme(
                [
                    [[1e-6, 1 - 1e-6, 0.5], [0.3, 0.7, 0.999]],
                    [[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]],
                    [[1e8, 0.0, 1.0], [30.0, 0.0, -1e4]],
                    [[700.0, -1e4, 0.5], [-745.0, 0.0, 30.0]],
                ]
            ),
            Extreme(
                [
                    [[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]],
                    [[-1e8, 1e8, 0.0], [0.0, 3.0, 2.0]],
                    [[1e8, 0.0, 1.0], [1.0, 2.0, 3.0]],
                    [[700.0, -1e4, 0.0], [0.5, -0.5, 5.0]],
                ],
                {"reconstruction": "mse", "beta": 4.0},
            ),
        ),
    ),
)
def vae_elbo(x_recon, x, mu, log_var, *, beta=1.0, reconstruction="bce"):
    """Negative evidence lower bound of a VAE with a Gaussian encoder and an N(0, I) prior.

    Per sample (row): the reconstruction term summed over the data dimensions plus β times
    the closed-form KL(N(μ, σ²) ‖ N(0, I)), summed over the latent dimensions, with
    s = log σ² (the encoder outputs s, not σ). ``"bce"`` is the Bernoulli decoder's exact
    −log p(x | z) on probabilities; ``"mse"`` is the sum of squared errors, which is the
    Gaussian decoder's −log p(x | z) for σ² = ½ with the constant (D/2)·log π dropped
    (for unit variance, halve it and add (D/2)·log 2π). The reparameterised sample
    z = μ + σ·ε is drawn in the model, not here.

    Args:
        x_recon: Decoder outputs x̂, shape (..., D): probabilities in [0, 1] for ``"bce"``.
        x: Data, the same shape (in [0, 1] for ``"bce"``; soft values allowed). Not differentiable.
        mu: Encoder means μ, shape (..., d), the same batch axes. Differentiable: ``argnum=2``.
        log_var: Encoder log-variances s = log σ², shape of ``mu``. Differentiable: ``argnum=3``.
        beta: Weight β >= 0 of the KL term (1: the ELBO; > 1: β-VAE).
        reconstruction: ``"bce"`` (default) or ``"mse"``.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import vae_elbo
        >>> vae_elbo([[0.5, 0.5]], [[1.0, 0.0]], [[0.0]], [[0.0]])   # 2 log 2 + 0 = 1.386...
        1.3862943611198906
        >>> vae_elbo([[0.5]], [[0.5]], [[2.0]], [[0.0]], reconstruction="mse")   # 0 + ½·(4 + 1 − 0 − 1) = 2
        2.0
        >>> vae_elbo.grad([[0.5]], [[0.5]], [[2.0]], [[0.0]], reconstruction="mse", argnum="mu")   # β μ
        array([[2.]])
    """
    non_negative(beta=beta)
    _one_of("reconstruction", reconstruction, ("bce", "mse"))
    _same("x", x, "x_recon", x_recon)
    _same("log_var", log_var, "mu", mu)
    _same("mu", mu, "x_recon", x_recon, slice(None, -1))
    if reconstruction == "bce":
        _check_bce_inputs(x_recon=x_recon, x=x)
        with np.errstate(divide="ignore", invalid="ignore"):
            # log1p(-p): 1 - p would round away p's digits near 0; 0·log 0 = 0
            rec = 0.0 - (xlogy(x, x_recon) + xlog1py(1.0 - x, -x_recon))

        def rec_grad():
            # (p − x)/(p(1 − p)): no cancellation between −x/p and (1 − x)/(1 − p); at hard
            # labels the limits 1/(1 − p) (x = 0) and −1/p (x = 1) also hold at the other edge
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(
                    x == 0,
                    1.0 / (1.0 - x_recon),
                    np.where(x == 1, -1.0 / x_recon, (x_recon - x) / (x_recon * (1.0 - x_recon))),
                )
    else:
        rec = (x_recon - x) ** 2

        def rec_grad():
            return 2.0 * (x_recon - x)

    with np.errstate(over="ignore"):  # log σ² > 709: σ² itself is not a float64
        e = np.expm1(log_var)
    kl = 0.5 * np.sum(mu**2 + (e - log_var), axis=-1)
    value = np.sum(rec, axis=-1) + beta * kl
    return Result(value, lambda: {"x_recon": rec_grad(), "mu": beta * mu, "log_var": 0.5 * beta * e})


@class_axis_loss(
    family="generative",
    formula=r"\ell = \frac{1}{D} \sum_{i=1}^{D} \big(\hat\varepsilon_i - \varepsilon_i\big)^2, \quad x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\varepsilon",  # noqa: E501
    gradient=r"\frac{\partial \ell}{\partial \hat\varepsilon_i} = \frac{2}{D}\big(\hat\varepsilon_i - \varepsilon_i\big)",  # noqa: E501
    domain={"noise_pred": FEATURES, "noise": FEATURES},
    use_case=(
        "Train a DDPM-style diffusion model to predict the Gaussian noise that was added to a clean sample."
    ),
    properties=("non_negative", "convex", "zero_iff_equal", "symmetric", "smooth"),
    equivalents={
        "PyTorch": "F.mse_loss(noise_pred, noise) (the same number when every row has D entries)",
        "diffusers": (
            'F.mse_loss(model_pred.float(), target.float(), reduction="mean") in the training scripts '
            "(v0.40.0, examples/text_to_image/train_text_to_image.py)"
        ),
    },
    references=(
        "Ho, Jain & Abbeel, Denoising Diffusion Probabilistic Models (2020)",
        "Sohl-Dickstein et al., Deep Unsupervised Learning using Nonequilibrium Thermodynamics (2015)",
    ),
    reduction_note='`"mean"` divides by the number of samples N (rows; by Σw with `weights=`); '
    "each sample's loss is already the mean over its D features, so the total is the mean over all entries.",
    plot=Plot(
        curve=Curve(
            x_label="predicted noise ε̂ (one feature)",
            x_range=(-3.0, 3.0),
            args=lambda x, eps=0.0: (x[..., None], np.full((*x.shape, 1), eps)),
            series=tuple(Series(f"ε = {e:g}", {"eps": e}, {}) for e in (-1.0, 0.0, 1.5)),
            component=lambda g, args: g[..., 0],
            grad_label="gradient ∂ℓ/∂ε̂",
        ),
    ),
    checks=Checks(
        extremes=(Extreme([[[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]], [[-1e8, 1e8, 0.0], [0.0, 3.0, 1e4]]]),),
        torch_extremes=(
            Extreme([[[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]], [[-1e8, 1e8, 0.0], [0.0, 3.0, 1e4]]]),
        ),
    ),
)
def diffusion_noise_mse(noise_pred, noise):
    """DDPM's "simple" loss: squared error of the predicted noise, averaged over each sample's features.

    The caller builds x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε with ε ~ N(0, I) and a uniformly drawn
    t, and runs the network on (x_t, t); this loss only compares its output ε̂ with ε.

    Args:
        noise_pred: Predicted noise ε̂, shape (..., D): one sample per row, features on the
            last axis (flatten images to rows).
        noise: The noise ε that was added, the same shape.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import diffusion_noise_mse
        >>> diffusion_noise_mse([[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]], reduction="none")   # (1 + 0)/2, (0 + 4)/2
        array([0.5, 2. ])
    """  # noqa: E501 (doctest lines with their hand-computed values)
    _same("noise", noise, "noise_pred", noise_pred)
    r = noise_pred - noise
    d = noise_pred.shape[-1]
    return Result(np.mean(r**2, axis=-1), lambda: 2.0 * r / d)
