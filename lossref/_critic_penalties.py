"""Gradient penalties on a GAN critic, computed from the critic's input gradient.

The loss takes g = ∇ₓD(x), which the caller's autodiff framework computes (in PyTorch:
``torch.autograd.grad(D(x).sum(), x, create_graph=True)``); lossref's ∂ℓ/∂g is the upstream
gradient that a vector–Jacobian product of that input gradient (double backward) carries into
the critic's parameters.
"""

import numpy as np

from ._checks import non_negative
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import VECTORS

__all__ = ["gradient_penalty", "r1_penalty"]  # its losses, re-exported by lossref/__init__.py


def _norm_kink(gradients, *, lam=10.0):
    # ‖g‖ has its kink at g = 0: the distance of each row from it
    g = np.asarray(gradients, dtype=float)
    return np.broadcast_to(np.linalg.norm(g, axis=-1, keepdims=True), g.shape)


def _norm_curve():
    # along the unit direction u = (0.6, 0.8): g = s·u, ‖g‖ = |s|, minimum at s = ±1, kink at s = 0
    return Curve(
        x_label="s, with g = s·(0.6, 0.8): ‖g‖ = |s|",
        grad_label="∂ℓ/∂g · (0.6, 0.8)",
        x_range=(-1.5, 2.5),
        args=lambda x: (x[..., None] * np.array([0.6, 0.8]),),
        series=(Series("", {}, {}),),
        component=lambda g, args: g @ np.array([0.6, 0.8]),
    )


@class_axis_loss(
    family="generative",
    aliases=("WGAN-GP", "two-sided gradient penalty", "Lipschitz penalty"),
    formula=(
        r"\ell(g) = \lambda\,\big(\lVert g \rVert_2 - 1\big)^2,\quad g = \nabla_{x} D(\hat x)",
        r"\hat x = \epsilon x + (1-\epsilon)\tilde x,\ \epsilon \sim U[0,1];\ \text{the mean over rows}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial g} = 2\lambda\,\big(\lVert g \rVert_2 - 1\big)\,"
        r"\frac{g}{\lVert g \rVert_2}\quad (g \ne 0;\ 0 \text{ at } g = 0)"
    ),
    domain={"gradients": VECTORS},
    use_case="Keeping a Wasserstein GAN critic 1-Lipschitz (WGAN-GP), added to the critic's loss on "
    "random interpolates between real and generated samples.",
    properties=("non_negative",),
    equivalents={
        "PyTorch (recipe)": (
            "`lam * ((torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)[0].flatten(1)"
            ".norm(dim=1) - 1) ** 2).mean()`; value and double backward executed with PyTorch 2.13.0 "
            "(the pinned release) in tests/test_differences.py"
        ),
    },
    references=("Gulrajani et al., Improved Training of Wasserstein GANs (2017), Algorithm 1: λ = 10",),
    reduction_note="The mean over rows (interpolates), as the paper's batch average; λ is inside.",
    plot=Plot(curve=_norm_curve(), explore={"lam": (1.0, 30.0)}),
    checks=Checks(
        variants=({"lam": 1.0},),
        extremes=(Extreme(([[30.0, -40.0, 0.0], [1e-200, 0.0, 0.0]],)),),
        invalid=(Invalid({"lam": -1.0}, ValueError, "lam must be >= 0"),),
        kink_distance=_norm_kink,
    ),
)
def gradient_penalty(gradients, *, lam=10.0):
    """WGAN-GP's penalty λ(‖g‖₂ − 1)² on the critic's input gradient g at each interpolate.

    At g = 0 the norm has a kink; the gradient returned there is 0 (the subgradient PyTorch's
    ``torch.linalg.vector_norm`` also uses), so a critic that is flat at x̂ gets no push.

    Args:
        gradients: g = ∇ₓD(x̂), shape (..., D): one interpolate per row (flatten images to
            (N, C·H·W) first: the norm is over the last axis).
        lam: λ ≥ 0, keyword-only; the paper uses 10.

    Returns:
        The mean over rows by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import gradient_penalty
        >>> float(gradient_penalty([[3.0, 4.0]]))        # 10·(5 − 1)² = 160
        160.0
        >>> gradient_penalty.grad([[3.0, 4.0]])          # 2·10·4·(3, 4)/5 = (48, 64)
        array([[48., 64.]])
    """
    non_negative(lam=lam)
    # ‖g‖ scaled by the largest |g_i|, so that rows of 1e200 do not overflow in g²
    scale = np.max(np.abs(gradients), axis=-1, keepdims=True)
    safe = np.where(scale > 0, scale, 1.0)
    norm = scale * np.sqrt(np.sum((gradients / safe) ** 2, axis=-1, keepdims=True))

    def grad():
        unit = np.divide(gradients / safe, norm / safe, out=np.zeros_like(gradients), where=norm > 0)
        return 2.0 * lam * (norm - 1.0) * unit

    with np.errstate(over="ignore"):  # ‖g‖ > 1e154: ℓ > 1e308 is inf, as it should be
        value = lam * (norm[..., 0] - 1.0) ** 2
    return Result(value, grad)


def _square_curve():
    # along the unit direction u = (0.6, 0.8): g = s·u, ‖g‖² = s², minimum at s = 0
    return Curve(
        x_label="s, with g = s·(0.6, 0.8): ‖g‖ = |s|",
        grad_label="∂ℓ/∂g · (0.6, 0.8)",
        x_range=(-2.0, 2.0),
        args=lambda x: (x[..., None] * np.array([0.6, 0.8]),),
        series=(Series("", {}, {}),),
        component=lambda g, args: g @ np.array([0.6, 0.8]),
    )


@class_axis_loss(
    family="generative",
    aliases=("R1 regularization", "R2 regularization", "zero-centred gradient penalty"),
    formula=(
        r"\ell(g) = \frac{\gamma}{2}\,\lVert g \rVert_2^2,\quad g = \nabla_{x} D(x),\ x \text{ real (R1)}",
        r"\text{R2: the same on generated } x;\ \text{the mean over rows}",
    ),
    gradient=r"\frac{\partial \ell}{\partial g} = \gamma\, g",
    domain={"gradients": VECTORS},
    use_case="Stabilising a GAN discriminator near equilibrium (StyleGAN's R1): added to the "
    "discriminator's loss, it penalises the input gradient on real data.",
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch (recipe)": (
            "`gamma / 2 * (torch.autograd.grad(D(x).sum(), x, create_graph=True)[0].flatten(1)"
            ".pow(2).sum(dim=1)).mean()` with `x.requires_grad_()`; value and double backward executed "
            "with PyTorch 2.13.0 (the pinned release) in tests/test_differences.py"
        ),
        "StyleGAN2": (
            "`D_logistic_r1(..., gamma=10.0)`: "
            "`reduce_sum(square(real_grads), axis=[1,2,3]) * (gamma * 0.5)` per image, averaged "
            "(NVlabs/stylegan2 commit bb434f3, training/loss.py; NumPy transcription executed in "
            "tests/test_differences.py)"
        ),
    },
    references=(
        "Mescheder, Geiger & Nowozin, Which Training Methods for GANs do actually Converge? (2018): "
        "R1 and R2",
        "Karras et al., Analyzing and Improving the Image Quality of StyleGAN (2020): R1 with γ = 10 "
        "(training/loss.py), applied lazily every 16 minibatches",
    ),
    differences=(
        Difference(
            "gan-stability-r1-no-half",
            "GAN_stability",
            "Mescheder et al.'s own code (LMescheder/GAN_stability commit 54111d3, "
            "gan_training/train.py) adds `reg_param * compute_grad2(d_real, x_real).mean()`, i.e. "
            "reg_param·‖g‖² averaged over the batch, without the paper's ½; its default "
            "`reg_param: 10.` (configs/default.yaml) is γ = 20 here. Pass `gamma=2 * reg_param`.",
        ),
    ),
    reduction_note="The mean over rows (real samples), as StyleGAN averages the per-image penalty; "
    "γ/2 is inside.",
    plot=Plot(curve=_square_curve(), explore={"gamma": (0.5, 30.0)}),
    checks=Checks(
        variants=({"gamma": 1.0},),
        extremes=(Extreme(([[1e150, -1e150, 0.0], [1e-200, 0.0, 3e-300]],)),),
        invalid=(Invalid({"gamma": -1.0}, ValueError, "gamma must be >= 0"),),
    ),
)
def r1_penalty(gradients, *, gamma=10.0):
    """R1 penalty γ/2·‖g‖² on the discriminator's input gradient g at real samples.

    The R2 penalty is the same function of the input gradient at generated samples: pass
    ∇ₓD(x̃) instead. Unlike WGAN-GP's penalty it pulls the gradient towards 0, not towards
    norm 1, and it is smooth everywhere.

    Args:
        gradients: g = ∇ₓD(x), shape (..., D): one real sample per row (flatten images to
            (N, C·H·W) first: the squared norm is over the last axis).
        gamma: γ ≥ 0, keyword-only; StyleGAN2's ``D_logistic_r1`` defaults to 10. Mescheder
            et al.'s code multiplies ‖g‖² by its ``reg_param`` (default 10) without the ½:
            its reg_param = 10 is γ = 20 here.

    Returns:
        The mean over rows by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import r1_penalty
        >>> float(r1_penalty([[3.0, 4.0]]))        # 10/2·(9 + 16) = 125
        125.0
        >>> r1_penalty.grad([[3.0, 4.0]])          # 10·(3, 4)
        array([[30., 40.]])
    """
    non_negative(gamma=gamma)
    with np.errstate(over="ignore"):  # ‖g‖ > 1e154: ℓ > 1e308 is inf, as it should be
        value = 0.5 * gamma * np.sum(gradients * gradients, axis=-1)
    return Result(value, lambda: gamma * gradients)
