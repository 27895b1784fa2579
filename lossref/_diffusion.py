"""Losses of score-based and flow-based generative models: denoising score matching, flow matching."""

from dataclasses import replace

import numpy as np

from ._checks import as_float_array, in_unit_interval, real_scalar
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import VECTORS, Domain

__all__ = ["denoising_score_matching", "flow_matching"]  # its losses, re-exported by lossref/__init__.py


# rows of D features for the sample-space arguments: zero, ordinary, mixed-scale and tiny rows
# (every argument's rows enter the accuracy grid's product, so a few each)
SAMPLES = replace(
    VECTORS,
    text="real, shape (..., D): one sample per row, its features on the last axis",
    fd_step=None,
    stress=((0.0, 0.0, 0.0), (1.0, -2.0, 0.5), (30.0, -1e4, 1e-6), (1e-100, -3e-100, 1e-100)),
)


def _noise_levels(value, name):
    arr = as_float_array(value, name)
    if (arr <= 0).any():
        raise ValueError(f"{name} must be > 0; got {float(arr[arr <= 0].flat[0])!r}")
    return arr


# σ: one noise level per sample (the shape of the samples without their feature axis)
NOISE_LEVEL = Domain(
    "σ > 0, one per sample: the shape of the samples without their last axis",
    _noise_levels,
    lambda rng, shape: np.exp(rng.uniform(np.log(0.05), np.log(5.0), size=shape[:-1])),
    invalid=(Invalid(0.0, ValueError, "must be > 0"), Invalid(-1.0, ValueError, "must be > 0")),
    stress=(1e-150, 1e-3, 0.5, 1.0, 30.0, 1e100),
    positive=True,
)


def _same(name, arr, ref_name, ref, axes=slice(None)):
    if arr.shape[axes] != ref.shape[axes]:
        what = "shape" if axes == slice(None) else "batch shape"
        raise ValueError(f"{name} has {what} {arr.shape[axes]} but {ref_name} has {what} {ref.shape[axes]}")


def _dsm_curve():
    # one feature, x̃ − x = σ·ε with ε = 1: the minimum is at s = −ε/σ
    def args(x, sigma=1.0):
        shape = (*x.shape, 1)
        return x[..., None], np.full(shape, sigma), np.zeros(shape), np.full(x.shape, sigma)

    return Curve(
        x_label="predicted score s (one feature; x̃ − x = σ·ε with ε = 1)",
        x_range=(-3.0, 2.0),
        args=args,
        series=tuple(Series(f"σ = {s:g}", {"sigma": s}, {}) for s in (0.5, 1.0, 2.0)),
        component=lambda g, args: g[..., 0],
        grad_label="gradient ∂ℓ/∂s = σ²(s + (x̃ − x)/σ²)",
        y_limits=(0.0, 8.0),
    )


@class_axis_loss(
    family="generative",
    formula=(
        r"\ell = \frac{\lambda(\sigma)}{2} \left\lVert s + \frac{\tilde x - x}{\sigma^2} \right\rVert^2, \qquad \lambda(\sigma) = \sigma^{p} \ (p = 2 \text{ in Song and Ermon})",  # noqa: E501
        r"p = 2,\ \tilde x = x + \sigma\varepsilon: \quad \ell = \tfrac12 \lVert \sigma s + \varepsilon \rVert^2 \quad \text{(per sample; summed over its } D \text{ features)}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial s} = \lambda(\sigma) \Big(s + \frac{\tilde x - x}{\sigma^2}\Big) = \sigma^{p-1} \Big(\sigma s + \frac{\tilde x - x}{\sigma}\Big)",  # noqa: E501
    domain={"score_pred": SAMPLES, "noisy": SAMPLES, "clean": SAMPLES, "sigma": NOISE_LEVEL},
    use_case=(
        "Train a score model s(x̃, σ) ≈ ∇ log p_σ(x̃) on data perturbed with Gaussian noise of known "
        "level σ (noise-conditional score networks, score-based diffusion)."
    ),
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "score_sde": (
            "`get_sde_loss_fn(sde, model, train, reduce_mean=False, likelihood_weighting=False)` "
            "(yang-song/score_sde_pytorch commit d046e72, losses.py): ½·Σ(σ·s + z)² per sample with "
            "z = (x̃ − x)/σ, then the batch mean: this loss with p = 2; `reduce_mean=True` takes the mean "
            "of the squares over the features instead of half their sum"
        ),
    },
    references=(
        "Vincent, A Connection Between Score Matching and Denoising Autoencoders (Neural Computation 2011)",
        (
            "Song & Ermon, Generative Modeling by Estimating Gradients of the Data Distribution "
            "(NeurIPS 2019), eq. 2 and λ(σ) = σ²"
        ),
        "Song et al., Score-Based Generative Modeling through Stochastic Differential Equations (ICLR 2021)",
    ),
    aliases=("DSM", "denoising score matching loss", "NCSN loss"),
    reduction_note='`"mean"` divides by the number of samples N (rows; by Σw with `weights=`); each '
    "sample's loss is *summed* over its D features, as ‖·‖² is.",
    plot=Plot(curve=_dsm_curve(), explore={"sigma_power": (0.0, 4.0)}),
    checks=Checks(
        variants=({"sigma_power": 0.0}, {"sigma_power": 1.0}),
        extremes=(
            # noise levels from 1e-150 to 1e100 (the naive (x̃ − x)/σ² overflows at the smallest),
            # scores of 1e8, residuals of 1e-300
            Extreme(
                (
                    [[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0], [0.5, 1e4, -1.0]],
                    [[1e-150, 0.0, -1e-150], [1e50, 1.0, 0.0], [2.0, 1.0, 1e-300]],
                    [[0.0, 1e-150, 0.0], [1e50, 0.0, 1.0], [1.0, 1.0, 0.0]],
                    [1e-150, 1e100, 1.0],
                ),
            ),
            Extreme(
                (
                    [[1e8, -1e8, 0.0], [3.0, -2.0, 1e-300]],
                    [[1e-3, 0.0, -1e-3], [1e4, 0.5, 1.0]],
                    [[0.0, 1e-3, 0.0], [0.0, 0.5, 1.0]],
                    [1e-3, 1e4],
                ),
                {"sigma_power": 0.0},
            ),
        ),
        invalid=(Invalid({"sigma_power": np.inf}, ValueError, "sigma_power must be finite"),),
    ),
)
def denoising_score_matching(score_pred, noisy, clean, sigma, *, sigma_power=2.0):
    """Denoising score matching: the score of the noised sample regressed onto −(x̃ − x)/σ².

    With x̃ = x + σ·ε, the score of the Gaussian perturbation kernel is −(x̃ − x)/σ² = −ε/σ, and
    a network trained on this loss estimates the score of the data blurred at level σ. The
    weight λ(σ) = σ^p (p = 2, Song & Ermon's choice) makes every noise level's loss of order 1:
    it is ½‖σ·s + ε‖², computed in that form (no (x̃ − x)/σ² that overflows for tiny σ).

    Args:
        score_pred: The predicted score s = s_θ(x̃, σ), shape (..., D): one sample per row.
        noisy: The noised sample x̃, the same shape.
        clean: The clean sample x, the same shape.
        sigma: Each sample's noise level σ > 0, shape (...): the batch shape.
        sigma_power: p in the weight λ(σ) = σ^p: 2 (Song & Ermon 2019, the default), 0 for
            Vincent's unweighted objective, any real.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import denoising_score_matching
        >>> # σ = 2, x̃ − x = (2, 0): ε = (1, 0); s = (0, 1): ½‖σs + ε‖² = ½(1 + 4) = 2.5
        >>> denoising_score_matching([[0.0, 1.0]], [[2.0, 0.0]], [[0.0, 0.0]], [2.0])  # ½(1² + 2²)
        2.5
        >>> # the gradient λ(σ)(s + (x̃ − x)/σ²) = 4·((0, 1) + (½, 0)) = (2, 4)
        >>> denoising_score_matching.grad([[0.0, 1.0]], [[2.0, 0.0]], [[0.0, 0.0]], [2.0])
        array([[2., 4.]])
    """
    p = real_scalar(sigma_power, "sigma_power")
    _same("noisy", noisy, "score_pred", score_pred)
    _same("clean", clean, "score_pred", score_pred)
    if sigma.shape != score_pred.shape[:-1]:
        raise ValueError(
            f"sigma has shape {sigma.shape} but {score_pred.shape[:-1]} was expected "
            "(one noise level per sample: the shape of score_pred without its last axis)"
        )
    sig = sigma[..., None]
    # √λ·(s + (x̃ − x)/σ²) = σ^(p/2)·s + σ^(p/2 − 2)·(x̃ − x), term by term: for p = 2 it is
    # σ·s + (x̃ − x)/σ, finite where (x̃ − x)/σ² is not; ℓ = ½‖v‖² and ∂ℓ/∂s = σ^(p/2)·v. A
    # power of a tiny or huge σ, or ‖v‖², overflows only where the exact value does (inf then)
    with np.errstate(over="ignore"):
        if p == 2.0:
            a, v = sig, sig * score_pred + (noisy - clean) / sig
        else:
            a = sig ** (p / 2.0)
            v = a * score_pred + sig ** (p / 2.0 - 2.0) * (noisy - clean)
        value = 0.5 * np.sum(v * v, axis=-1)

    def backward():
        with np.errstate(over="ignore"):
            return a * v

    return Result(value, backward)


def _flow_curve():
    # one feature, x0 = 1 (noise), x1 = 2 (data): u = x1 − (1 − σ_min)·x0 = 1 + σ_min
    def args(x):
        shape = (*x.shape, 1)
        return x[..., None], np.ones(shape), np.full(shape, 2.0)

    return Curve(
        x_label="predicted velocity v (one feature; x₀ = 1, x₁ = 2)",
        x_range=(-1.0, 3.0),
        args=args,
        series=(Series("σ_min = 0 (rectified flow)", {}, {}), Series("σ_min = 0.5", {}, {"sigma_min": 0.5})),
        component=lambda g, args: g[..., 0],
        grad_label="gradient ∂ℓ/∂v = 2(v − u)/D",
    )


@class_axis_loss(
    family="generative",
    formula=(
        r"\ell = \frac{1}{D} \sum_{d=1}^{D} \big(v_d - u_d\big)^2, \qquad u = x_1 - (1 - \sigma_{\min})\, x_0",  # noqa: E501
        r"\text{the target velocity of the path } x_t = \big(1 - (1 - \sigma_{\min})\,t\big)\, x_0 + t\, x_1 \ (x_0 \text{ noise}, x_1 \text{ data}); \ \sigma_{\min} = 0: \text{ rectified flow}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial v_d} = \frac{2}{D} \big(v_d - x_{1,d} + (1 - \sigma_{\min})\, x_{0,d}\big)",  # noqa: E501
    domain={"velocity_pred": SAMPLES, "x0": SAMPLES, "x1": SAMPLES},
    use_case=(
        "Train a continuous normalising flow or a rectified-flow generator by regressing the network's "
        "velocity v(x_t, t) onto the straight-line velocity from a noise sample to a data sample."
    ),
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "torchcfm": (
            "v1.0.7 (torchcfm/conditional_flow_matching.py): `TargetConditionalFlowMatcher(sigma=σ_min)` "
            "gives x_t and u_t; the loss, `torch.mean((vt - ut) ** 2)` in its examples, is the user's"
        ),
    },
    references=(
        "Lipman, Chen, Ben-Hamu, Nickel & Le, Flow Matching for Generative Modeling (ICLR 2023), eq. 20–23",
        (
            "Liu, Gong & Liu, Flow Straight and Fast: Learning to Generate and Transfer Data with "
            "Rectified Flow (ICLR 2023)"
        ),
        (
            "Tong et al., Improving and Generalizing Flow-Based Generative Models with Minibatch Optimal "
            "Transport (TMLR 2024)"
        ),
    ),
    differences=(
        Difference(
            "torchcfm-sigma-is-not-sigma-min",
            "torchcfm",
            "In torchcfm v1.0.7 (`torchcfm/conditional_flow_matching.py`) `sigma` means two things. "
            "`TargetConditionalFlowMatcher(sigma)` is Lipman et al.'s path: its u_t equals `lossref`'s "
            "target with σ_min = sigma and x₀ its noise. `ConditionalFlowMatcher(sigma)` (I-CFM) adds "
            "Gaussian noise of std sigma around the straight path t·x₁ + (1 − t)·x₀ and keeps the "
            "target x₁ − x₀: `lossref`'s σ_min = 0 whatever its sigma.",
        ),
        Difference(
            "flow-matching-feature-mean",
            "Lipman et al. 2023",
            "The paper's objective (eq. 23) is the squared norm ‖v − u‖², a sum over the D features; "
            "`lossref` averages them, as torchcfm's CIFAR-10 example does with `torch.mean((vt - ut) ** 2)` "
            "(atong01/conditional-flow-matching commit f43858d, examples/images/cifar10/train_cifar10.py): "
            "the paper's value is D times `lossref`'s per sample.",
        ),
    ),
    aliases=("conditional flow matching", "CFM", "rectified flow loss"),
    reduction_note='`"mean"` divides by the number of samples N (rows; by Σw with `weights=`); each '
    "sample's loss is already the mean over its D features, so the total is the mean over all entries.",
    plot=Plot(curve=_flow_curve(), explore={"sigma_min": (0.0, 0.9)}),
    checks=Checks(
        variants=({"sigma_min": 1e-4}, {"sigma_min": 0.5}),
        extremes=(
            Extreme(
                (
                    [[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]],
                    [[-1e8, 1e8, 0.0], [0.0, 3.0, 1e4]],
                    [[0.0, 0.0, 1e-300], [1e-300, 6.0, 1e4]],
                ),
            ),
            Extreme(
                (
                    [[1e8, -1e8, 0.0], [1e-300, 3.0, -2.0]],
                    [[-1e8, 1e8, 0.0], [0.0, 3.0, 1e4]],
                    [[0.0, 0.0, 1e-300], [1e-300, 6.0, 1e4]],
                ),
                {"sigma_min": 1.0},
            ),
        ),
        invalid=(
            Invalid({"sigma_min": -0.1}, ValueError, "sigma_min must be in [0, 1]"),
            Invalid({"sigma_min": 1.5}, ValueError, "sigma_min must be in [0, 1]"),
        ),
    ),
)
def flow_matching(velocity_pred, x0, x1, *, sigma_min=0.0):
    """Conditional flow matching on the optimal-transport path: v regressed onto x₁ − (1 − σ_min)·x₀.

    The caller draws t ~ U[0, 1], builds x_t = (1 − (1 − σ_min)·t)·x₀ + t·x₁ from a noise
    sample x₀ and a data sample x₁, and runs the network on (x_t, t); this loss compares its
    output v with the path's velocity, which does not depend on t. σ_min = 0 (the default) is
    rectified flow's straight line from x₀ to x₁.

    Args:
        velocity_pred: The predicted velocity v = v_θ(x_t, t), shape (..., D): one sample per row.
        x0: The noise sample x₀ (t = 0), the same shape.
        x1: The data sample x₁ (t = 1), the same shape.
        sigma_min: σ_min in [0, 1]: the std the path keeps around x₁ at t = 1 (Lipman et al.:
            small, e.g. 1e-4); 0 is rectified flow.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import flow_matching
        >>> # u = x₁ − x₀ = (1, 3); v − u = (1, −1): (1 + 1)/2
        >>> flow_matching([[2.0, 2.0]], [[0.0, -1.0]], [[1.0, 2.0]])  # (1² + (−1)²)/2 = 1
        1.0
        >>> # σ_min = 0.5: u = x₁ − 0.5·x₀ = (1, 2.5); v − u = (1, −0.5): (1 + 0.25)/2
        >>> flow_matching([[2.0, 2.0]], [[0.0, -1.0]], [[1.0, 2.0]], sigma_min=0.5)
        0.625
    """
    in_unit_interval(sigma_min=sigma_min)
    _same("x0", x0, "velocity_pred", velocity_pred)
    _same("x1", x1, "velocity_pred", velocity_pred)
    c = 1.0 - float(sigma_min)
    r = velocity_pred - (x1 - c * x0) if c != 1.0 else velocity_pred - (x1 - x0)
    d = velocity_pred.shape[-1]
    return Result(np.mean(r * r, axis=-1), lambda: 2.0 * r / d)
