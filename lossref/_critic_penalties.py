"""Gradient penalties on a GAN critic, computed from the critic's input gradient.

The loss takes g = ∇ₓD(x), which the caller's autodiff framework computes (in PyTorch:
``torch.autograd.grad(D(x).sum(), x, create_graph=True)``); lossref's ∂ℓ/∂g is the upstream
gradient that a vector–Jacobian product of that input gradient (double backward) carries into
the critic's parameters.
"""

import numpy as np

from ._checks import non_negative
from ._core import Checks, Curve, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import VECTORS

__all__ = ["gradient_penalty"]  # its losses, re-exported by lossref/__init__.py


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
