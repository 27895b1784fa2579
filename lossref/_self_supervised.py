"""Self-supervised and image–text losses: SigLIP's pairwise sigmoid, BYOL / SimSiam."""

from dataclasses import replace

import numpy as np

from ._checks import non_negative, positive, real_scalar
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._curves import pair_rows_in_plane
from ._domains import EMBEDDING_ROWS, VECTORS
from ._math import sigmoid, softplus, through_normalisation, unit_rows
from ._reductions import BATCH_MEAN

__all__ = ["barlow_twins", "byol", "siglip", "vicreg"]  # its losses, re-exported by lossref/__init__.py

# a small batch for the coupled accuracy measure (every gradient entry is an mpmath derivative):
# orthogonal, parallel, opposite, huge (squares overflow) and tiny (squares underflow) rows
SIGLIP_ROWS = replace(
    EMBEDDING_ROWS,
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
            args=lambda x: pair_rows_in_plane(x),
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
        >>> round(siglip(x, x, logit_scale=1.0, logit_bias=0.0), 6)  # 0.313262 + 0.693147
        1.006409
    """
    positive(logit_scale=logit_scale)
    t, b = float(logit_scale), real_scalar(logit_bias, "logit_bias")
    if texts.shape != images.shape:
        raise ValueError(f"images has shape {images.shape} but texts has shape {texts.shape}")
    u, u_norm = unit_rows(images, "images")
    v, v_norm = unit_rows(texts, "texts")
    n = u.shape[0]
    z = 2.0 * np.eye(n) - 1.0
    signed = z * (t * (u @ v.T) + b)
    values = softplus(-signed).sum(axis=1)  # −log σ(m) = softplus(−m): no log 0 for a large −m

    def backward():  # only for .grad: two N×N by N×D products the value does not need
        g = -z * sigmoid(-signed)
        return {
            "images": through_normalisation(t * (g @ v), u, u_norm),
            "texts": through_normalisation(t * (g.T @ u), v, v_norm),
        }

    return Result(values, backward)


# (..., D) like VECTORS, without the zero vector (its cosine is undefined: a ValueError here)
PREDICTIONS = replace(
    VECTORS,
    text="real, shape (..., D), no zero vector: one prediction per row",
    stress=tuple(r for r in VECTORS.stress if any(r)),
)
TARGETS = replace(PREDICTIONS, text="real, shape (..., D), no zero vector: the target network's output")


@class_axis_loss(
    family="ranking",
    formula=(
        r"\ell(p, z) = \big\lVert \hat p - \operatorname{sg}(\hat z) \big\rVert^2 = 2 - 2\, \frac{p \cdot z}{\lVert p \rVert\, \lVert z \rVert}, \qquad \hat p = \frac{p}{\lVert p \rVert}, \ \hat z = \frac{z}{\lVert z \rVert}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial p} = -\frac{2}{\lVert p \rVert} \big(\hat z - (\hat p \cdot \hat z)\, \hat p\big) = \frac{2}{\lVert p \rVert} \Big(d - \tfrac{\lVert d \rVert^2}{2}\, \hat p\Big), \quad d = \hat p - \hat z; \qquad \frac{\partial \ell}{\partial z} \equiv 0 \text{ (stop-gradient)}",  # noqa: E501
    ),
    domain={"predictions": PREDICTIONS, "targets": TARGETS},
    use_case=(
        "Self-supervised learning without negatives (BYOL, SimSiam): the online network's prediction of "
        "one view regresses onto the target network's normalised embedding of the other view."
    ),
    properties=("non_negative", "symmetric", "smooth"),
    equivalents={
        "PyTorch": "2 - 2 * F.cosine_similarity(p, z.detach(), dim=-1) (its eps = 1e-8 clamps each norm)",
    },
    references=(
        "Grill et al., Bootstrap Your Own Latent: A New Approach to Self-Supervised Learning (NeurIPS 2020)",
        "Chen & He, Exploring Simple Siamese Representation Learning (SimSiam, CVPR 2021)",
    ),
    differences=(
        Difference(
            "pytorch-cosine-similarity-eps",
            "PyTorch",
            "`F.cosine_similarity` divides each vector by max(‖x‖, ε) with ε = 1e-8, so for a vector "
            "shorter than 1e-8 its cosine shrinks by ‖x‖/ε and the loss moves towards 2. `lossref` "
            "uses the exact cosine of any non-zero vector and raises on a zero vector. PyTorch also "
            "squares the entries, so a vector beyond about 1e154 has an infinite norm and a cosine of 0.",
        ),
    ),
    aliases=("BYOL loss", "SimSiam loss", "negative cosine similarity"),
    differentiable=("predictions",),
    plot=Plot(
        curve=Curve(
            x_label="angle θ between prediction and target (rad)",
            x_range=(0.0, np.pi),
            args=lambda x, length=1.0: (
                length * np.stack([np.cos(x), np.sin(x)], axis=-1),
                np.broadcast_to([1.0, 0.0], (*x.shape, 2)).copy(),
            ),
            series=(
                Series("‖p‖ = 1", {}, {}),
                Series("‖p‖ = 2", {"length": 2.0}, {}),
            ),
            # dℓ/dθ = ∇ℓ · dp/dθ with dp/dθ = (−p₂, p₁)
            component=lambda g, args: -g[..., 0] * args[0][..., 1] + g[..., 1] * args[0][..., 0],
            grad_label="dℓ/dθ (rotating p)",
        ),
    ),
    checks=Checks(
        # entries whose squares overflow, and the tiny entry of an ordinary target. (Tiny
        # predictions, whose gradients are of order 1/‖p‖, and nearly parallel pairs, whose
        # gradient is below the finite differences' own error, are in the accuracy grid.)
        extremes=(
            Extreme(
                [
                    [[1e200, -1e200, 3e199], [1.0, 2.0, 3.0], [3.0, -2.0, 0.5]],
                    [[1.0, 2.0, -3.0], [2.0, 1.0, 1e-300], [1e-4, 2.0, 3.0]],
                ]
            ),
        ),
        # no norms below 1e-8 or above 1e154: documented difference
        torch_extremes=(
            Extreme(
                [
                    [[1e4, 1.0, -1e4], [1e-3, 2e-3, 0.0], [1.0, 2.0, 3.0]],
                    [[1e-4, 2.0, 3.0], [3.0, 2.0, 1.0], [-1.0, -2.0, -3.0]],
                ]
            ),
        ),
    ),
)
def byol(predictions, targets):
    """BYOL / SimSiam loss: 2 − 2·cos(p, z), the squared distance of the unit vectors.

    The target z comes from the other view through the target (momentum) network, or, in
    SimSiam, from the same network; it is under a stop-gradient, so only the predictions are
    differentiated. The symmetric loss of the papers, ℓ(p₁, z₂) + ℓ(p₂, z₁), is two calls.

    Args:
        predictions: The online network's predictions p, shape (..., D); any non-zero norm.
        targets: The targets z, the same shape; not differentiated (stop-gradient).

    Returns:
        The mean over rows by default; ``reduction="none"`` gives one value in [0, 4] per row.

    Examples:
        >>> from lossref import byol
        >>> round(byol([[1.0, 0.0]], [[3.0, 3.0]]), 6)   # cos 45° = 1/√2: 2 − √2
        0.585786
    """
    if targets.shape != predictions.shape:
        raise ValueError(f"predictions has shape {predictions.shape} but targets has shape {targets.shape}")
    p, p_norm = unit_rows(predictions, "predictions")
    z, _ = unit_rows(targets, "targets")
    d = p - z
    values = (d * d).sum(axis=-1)  # = 2 − 2 cos, without cancelling 2 against 2 cos ≈ 2

    def backward():  # −(2/‖p‖)(ẑ − (p̂·ẑ) p̂), with ẑ − (p̂·ẑ) p̂ = −d + (‖d‖²/2) p̂ (1 − p̂·ẑ = ‖d‖²/2)
        return 2.0 * (d - 0.5 * values[..., None] * p) / p_norm

    return Result(values, backward)


def _batch(value, name):
    arr = EMBEDDING_ROWS.convert(value, name)
    if arr.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 rows: its variance is over the batch; got {arr.shape[0]}")
    return arr


def _batch_step(x):
    # VICReg bends on the scale of a column's spread over the batch (σ ≥ √ε): a batch of scale
    # 1e-3 and the default step 1e-3 put the truncation error at 1.5e-7
    spread = float(x.std(axis=0).min()) if x.ndim == 2 and x.shape[0] > 1 else 1.0
    return 1e-3 * min(1.0, max(spread, 1e-3))


# a batch of N ≥ 2 embeddings; the accuracy grid is one small batch (the loss is not scale-free:
# entries of 1e154 make a covariance overflow, as the exact loss does)
BATCH = replace(
    EMBEDDING_ROWS,
    text="real, shape (N, D), N ≥ 2: one embedding per row",
    convert=_batch,
    fd_step=_batch_step,
    stress=(
        (1.0, 0.0, 0.0),
        (1.0, 2.0, 3.0),
        (2.0, 4.0, 6.0),
        (-1.0, -2.0, -3.0),
        (3.0, -2.0, 0.5),
        (1e-3, 2e-3, 0.0),
    ),
)


def _vicreg_stats(x, gamma, eps):
    """Centred rows, per-dimension std sqrt(Var + ε) (unbiased), hinge mask, covariance."""
    n = x.shape[0]
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / (n - 1)
    std = np.sqrt(np.diagonal(cov) + eps)
    off = cov - np.diag(np.diagonal(cov))
    return xc, std, std < gamma, off


def _vicreg_kink(x, y, invariance=25.0, variance=25.0, covariance=1.0, gamma=1.0, eps=1e-4):
    """How far each entry is from a hinge std_d = γ, in either view.

    Moving one entry by δ moves std_d by at most δ/√(N − 1) (for N ≥ 2).
    """
    n = x.shape[0]
    dist = [np.abs(_vicreg_stats(v, gamma, eps)[1] - gamma) * np.sqrt(n - 1) for v in (x, y)]
    return np.broadcast_to(np.minimum(*dist), x.shape)


_VICREG_EXTREMES = (
    Extreme(
        [
            [[1e4, 0.0, 1e-6], [-1e4, 0.0, -2e-6], [3e4, 0.0, 0.0], [0.0, 0.0, 1e-6]],
            [[2e4, 1.0, 2e-6], [-1e4, 2.0, 0.0], [1e4, -1.0, -1e-6], [0.0, 0.5, 1e-6]],
        ]
    ),
)
_BARLOW_EXTREMES = (
    Extreme(
        [
            [[1e6, 1e-6, 1.0], [-1e6, 3e-6, 2.0], [2e6, -2e-6, 0.5], [0.0, 0.0, -1.0]],
            [[3e6, 2e-6, -1.0], [-1e6, -1e-6, 0.5], [1e6, 1e-6, 2.0], [0.0, 0.0, 1.0]],
        ]
    ),
)


@class_axis_loss(
    family="ranking",
    formula=(
        r"\mathcal{L} = \lambda\, \frac{1}{ND} \sum_{i,d} (x_{id} - y_{id})^2 + \frac{\mu}{2} \big(v(X) + v(Y)\big) + \nu \big(c(X) + c(Y)\big)",  # noqa: E501
        r"v(X) = \frac{1}{D} \sum_d \max\Big(0,\ \gamma - \sqrt{\operatorname{Var}(x_{\cdot d}) + \varepsilon}\Big), \qquad c(X) = \frac{1}{D} \sum_{d \ne e} C(X)_{de}^2, \qquad C(X) = \frac{(X - \bar X)^\top (X - \bar X)}{N - 1}",  # noqa: E501
        r"\text{per row: } \ell_i = \frac{\lambda}{D} \sum_d (x_{id} - y_{id})^2 + \frac{\mu}{2} \big(v(X) + v(Y)\big) + \nu \big(c(X) + c(Y)\big), \text{ so that the mean over rows is } \mathcal{L}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \sum_i \ell_i}{\partial x_{id}} = \frac{2\lambda}{D} (x_{id} - y_{id}) - \frac{N \mu}{2 D} \frac{[\sigma_d < \gamma]\, (x_{id} - \bar x_d)}{(N - 1)\, \sigma_d} + \frac{4 N \nu}{D (N - 1)} \sum_{e \ne d} (x_{ie} - \bar x_e)\, C(X)_{ed}, \qquad \sigma_d = \sqrt{\operatorname{Var}(x_{\cdot d}) + \varepsilon}",  # noqa: E501
    ),
    domain={"x": BATCH, "y": BATCH},
    use_case=(
        "Self-supervised learning from two views without negatives: the invariance term pulls the "
        "views together, the variance and covariance terms stop the embedding from collapsing."
    ),
    properties=("non_negative", "symmetric"),
    equivalents={
        "PyTorch": "no built-in (the official repo's VICReg.forward, main_vicreg.py, in PyTorch)",
        "pytorch-metric-learning": (
            "losses.VICRegLoss(invariance_lambda=25, variance_mu=25, covariance_v=1, eps=1e-4) "
            "(v2.9.0): loss(x, ref_emb=y), γ fixed at 1"
        ),
        "facebookresearch/vicreg": (
            "VICReg.forward in main_vicreg.py (commit b42aa23): F.mse_loss, std over the unbiased "
            "variance + 1e-4, each view's variance term halved, covariance summed over the views, "
            "sim_coeff = std_coeff = 25, cov_coeff = 1"
        ),
    },
    references=(
        (
            "Bardes, Ponce & LeCun, VICReg: Variance-Invariance-Covariance Regularization for "
            "Self-Supervised Learning (ICLR 2022)"
        ),
    ),
    aliases=("VICReg loss",),
    differentiable=("x", "y"),
    reduction=BATCH_MEAN,
    reduction_note=(
        "`\"mean\"` is the VICReg loss. Each row's value is its own invariance term plus the batch's "
        'variance and covariance terms, so `"none"` and `"sum"` are per-row bookkeeping, not a loss '
        "of their own (`weights=` is not supported: the rows are coupled)."
    ),
    plot=Plot(
        curve=Curve(
            x_label="spread s of the batch (both views)",
            x_range=(0.05, 2.0),
            # a batch of three 2-D rows scaled by s: the variance hinge is active below std = γ
            args=lambda x: (
                x[..., None, None] * np.array([[1.0, 0.5], [-1.0, 0.0], [0.0, -0.5]]),
                x[..., None, None] * np.array([[1.1, 0.4], [-0.9, 0.1], [-0.2, -0.5]]),
            ),
            series=(Series("λ = μ = 25, ν = 1", {}, {}), Series("γ = 0.5", {}, {"gamma": 0.5})),
            component=lambda g, args: (g * args[0]).sum(axis=(-1, -2)) / args[0][..., 0, 0],
            grad_label="dℒ/ds (scaling x)",
        ),
        explore={"gamma": (0.25, 2.0)},
    ),
    checks=Checks(
        variants=({"gamma": 0.5, "eps": 0.0}, {"invariance": 1.0, "variance": 2.0, "covariance": 3.0}),
        invalid=(
            Invalid({"gamma": -1.0}, ValueError, "gamma must be >= 0"),
            Invalid({"eps": -1e-4}, ValueError, "eps must be >= 0"),
            Invalid({"invariance": -1.0}, ValueError, "invariance must be >= 0"),
        ),
        kink_distance=_vicreg_kink,
        # a collapsed dimension (std 0: √ε keeps the hinge's gradient finite), one of spread 1e4
        # (its covariance terms are 1e8), one of spread 1e-6, in each view
        extremes=_VICREG_EXTREMES,
        torch_extremes=_VICREG_EXTREMES,
    ),
)
def vicreg(x, y, *, invariance=25.0, variance=25.0, covariance=1.0, gamma=1.0, eps=1e-4):
    """VICReg: invariance between two views, variance and covariance regularisation of each.

    λ times the mean squared difference of the two views, plus μ/2 times each view's mean hinge
    max(0, γ − std) over the dimensions (std over the batch, unbiased, with ε inside the square
    root), plus ν times each view's sum of squared off-diagonal covariances divided by D. This is
    the official code's loss (main_vicreg.py, which halves the paper's μ[v(X) + v(Y)]); the
    variance and covariance terms are statistics of the whole batch, so the rows are coupled.

    Args:
        x: Embeddings of the first views, shape (N, D), N ≥ 2.
        y: Embeddings of the second views, the same shape. Differentiable too: ``grad(..., argnum=1)``.
        invariance: λ ≥ 0 (25).
        variance: μ ≥ 0 (25).
        covariance: ν ≥ 0 (1).
        gamma: γ ≥ 0, the target standard deviation (1).
        eps: ε ≥ 0 inside the square root (1e-4): keeps the gradient finite when a dimension collapses.

    Returns:
        The VICReg loss (the mean over rows) by default; ``reduction="none"`` gives each row's
        invariance term plus the shared variance and covariance terms.

    Examples:
        >>> from lossref import vicreg
        >>> x = [[1.0, 0.0], [-1.0, 0.0]]        # dimension 2 collapsed: std √ε = 0.01
        >>> # invariance 0; variance terms (0.99 + 0)/2 per view, halved, twice; no covariance
        >>> round(vicreg(x, x), 6)                # 25 · 2 · ½ · 0.99/2
        12.375
    """
    non_negative(invariance=invariance, variance=variance, covariance=covariance, gamma=gamma, eps=eps)
    lam, mu, nu, gamma, eps = (float(v) for v in (invariance, variance, covariance, gamma, eps))
    if y.shape != x.shape:
        raise ValueError(f"x has shape {x.shape} but y has shape {y.shape}")
    n, d = x.shape
    diff = x - y
    parts = [_vicreg_stats(v, gamma, eps) for v in (x, y)]
    shared = sum(
        0.5 * mu * np.where(active, gamma - std, 0.0).sum() / d + nu * (off * off).sum() / d
        for _, std, active, off in parts
    )
    values = lam * (diff * diff).sum(axis=1) / d + shared

    def backward():  # only for .grad: the gradient of Σ_i ℓ_i, N copies of the shared terms
        def regulariser(xc, std, active, off):
            # centring adds no term: the centred rows sum to 0 over the batch
            g_var = -0.5 * mu / d * np.where(active, 1.0 / std, 0.0) * xc / (n - 1)
            g_cov = 4.0 * nu / (d * (n - 1)) * (xc @ off)
            return n * (g_var + g_cov)

        g_inv = 2.0 * lam / d * diff
        return {"x": g_inv + regulariser(*parts[0]), "y": -g_inv + regulariser(*parts[1])}

    return Result(values, backward)


def _batch_norm(x, eps, name):
    """BatchNorm1d without affine in training mode: (x − mean)/√(biased Var + ε), per column."""
    xc = x - x.mean(axis=0)
    std = np.sqrt((xc * xc).mean(axis=0) + eps)
    if (std == 0).any():
        raise ValueError(f"{name} has a constant column: its batch norm is undefined with eps = 0")
    return xc / std, std


def _through_batch_norm(g, a, std):
    """Chain ∂/∂a to ∂/∂x for a = BN(x): (g − mean(g) − a·mean(g a)) / σ, column by column."""
    return (g - g.mean(axis=0) - a * (g * a).mean(axis=0)) / std


@class_axis_loss(
    family="ranking",
    formula=(
        r"\mathcal{L} = \sum_{d} (1 - C_{dd})^2 + \lambda \sum_{d \ne e} C_{de}^2, \qquad C = \frac{1}{N} A^\top B, \quad A = \operatorname{BN}(X), \ B = \operatorname{BN}(Y)",  # noqa: E501
        r"\operatorname{BN}(X)_{id} = \frac{x_{id} - \bar x_d}{\sqrt{\tfrac{1}{N} \sum_j (x_{jd} - \bar x_d)^2 + \varepsilon}} \text{ (batch statistics, biased variance, no affine); every row's value is } \mathcal{L}",  # noqa: E501
    ),
    gradient=(
        r"G = \frac{\partial \mathcal{L}}{\partial C}: \ G_{dd} = -2 (1 - C_{dd}), \ G_{de} = 2 \lambda C_{de}; \qquad \frac{\partial \mathcal{L}}{\partial A} = \frac{B G^\top}{N}, \qquad \frac{\partial \mathcal{L}}{\partial x_{\cdot d}} = \frac{1}{\sigma_d} \Big(g - \bar g - a_{\cdot d}\, \overline{g\, a_{\cdot d}}\Big), \ g = \frac{\partial \mathcal{L}}{\partial a_{\cdot d}}",  # noqa: E501
    ),
    domain={"x": BATCH, "y": BATCH},
    use_case=(
        "Self-supervised learning from two views without negatives: the cross-correlation of the two "
        "views' batch-normalised embeddings is driven to the identity (invariant and decorrelated)."
    ),
    properties=("non_negative", "symmetric", "smooth"),
    equivalents={
        "PyTorch": (
            "no built-in: F.batch_norm(z, None, None, training=True) on each view (BatchNorm1d(D, "
            "affine=False) in training mode), then C = a.T @ b / N"
        ),
        "facebookresearch/barlowtwins": (
            "BarlowTwins.forward in main.py (commit 046eec3): BatchNorm1d(affine=False), C divided by "
            "the batch size, lambd = 0.0051 by default (the paper's λ = 5e-3)"
        ),
    },
    references=(
        (
            "Zbontar, Jing, Misra, LeCun & Deny, Barlow Twins: Self-Supervised Learning via Redundancy "
            "Reduction (ICML 2021)"
        ),
    ),
    aliases=("Barlow Twins loss", "redundancy reduction loss"),
    differentiable=("x", "y"),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` is the Barlow Twins loss: a statistic of the whole batch, so each row\'s value under '
        '`"none"` is that same loss (`weights=` is not supported: the rows are coupled).'
    ),
    plot=Plot(
        curve=Curve(
            x_label="correlation ρ of the two views' second dimension",
            x_range=(-0.95, 0.95),
            # four rows; dimension 1 identical in both views; y's dimension 2 is ρ times x's
            # dimension 2 plus √(1 − ρ²) times its dimension 1 (a redundant copy)
            args=lambda r: (
                np.broadcast_to(
                    np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]), (*r.shape, 4, 2)
                ),
                np.stack(
                    [
                        np.broadcast_to(np.array([1.0, -1.0, 1.0, -1.0]), (*r.shape, 4)),
                        r[..., None] * np.array([1.0, 1.0, -1.0, -1.0])
                        + np.sqrt(1 - r[..., None] ** 2) * np.array([1.0, -1.0, 1.0, -1.0]),
                    ],
                    axis=-1,
                ),
            ),
            series=(Series("λ = 5e-3", {}, {}), Series("λ = 1", {}, {"lambd": 1.0})),
            component=lambda g, args: g[..., 0, 1],
            grad_label="∂ℒ/∂x₁₂",
        ),
        explore={"lambd": (1e-3, 1.0, "log")},
    ),
    checks=Checks(
        variants=({"lambd": 1.0}, {"eps": 0.0}),
        invalid=(
            Invalid({"lambd": -1.0}, ValueError, "lambd must be >= 0"),
            Invalid({"eps": -1e-5}, ValueError, "eps must be >= 0"),
        ),
        # columns of spread 1e6 and 1e-6 (where ε = 1e-5 dominates the variance)
        extremes=_BARLOW_EXTREMES,
        torch_extremes=_BARLOW_EXTREMES,
    ),
)
def barlow_twins(x, y, *, lambd=5e-3, eps=1e-5):
    """Barlow Twins: drive the cross-correlation of two batch-normalised views to the identity.

    Each view is normalised per dimension with the batch's mean and biased variance (PyTorch's
    ``BatchNorm1d(D, affine=False)`` in training mode, ε = 1e-5), C = AᵀB/N is their
    cross-correlation, and the loss is Σ_d (1 − C_dd)² + λ Σ_{d≠e} C_de². It is a statistic
    of the whole batch: every row's value (``reduction="none"``) is the loss itself.

    Args:
        x: Embeddings of the first views, shape (N, D), N ≥ 2.
        y: Embeddings of the second views, the same shape. Differentiable too: ``grad(..., argnum=1)``.
        lambd: λ ≥ 0, the weight of the off-diagonal (redundancy) terms; the paper's 5e-3
            (the official code's default is 0.0051).
        eps: ε ≥ 0 added to the variance (BatchNorm1d's 1e-5).

    Returns:
        The Barlow Twins loss by default.

    Examples:
        >>> from lossref import barlow_twins
        >>> x = [[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]]   # uncorrelated columns
        >>> # with ε = 0, C = I: no loss; y = −x flips every correlation: (1 − (−1))² per dimension
        >>> y = [[-a, -b] for a, b in x]
        >>> print(barlow_twins(x, x, eps=0.0), barlow_twins(x, y, eps=0.0))  # 0, then 2 · 2² = 8
        0.0 8.0
    """
    non_negative(lambd=lambd, eps=eps)
    lam, eps = float(lambd), float(eps)
    if y.shape != x.shape:
        raise ValueError(f"x has shape {x.shape} but y has shape {y.shape}")
    n = x.shape[0]
    a, sa = _batch_norm(x, eps, "x")
    b, sb = _batch_norm(y, eps, "y")
    c = a.T @ b / n
    on = 1.0 - np.diagonal(c)
    off = c - np.diag(np.diagonal(c))
    loss = (on * on).sum() + lam * (off * off).sum()
    values = np.full(n, loss)

    def backward():  # only for .grad: the gradient of Σ_i ℓ_i = N·ℒ
        g = 2.0 * lam * off - 2.0 * np.diag(on)  # ∂ℒ/∂C
        return {
            "x": _through_batch_norm(b @ g.T, a, sa),  # N · (B Gᵀ / N)
            "y": _through_batch_norm(a @ g, b, sb),
        }

    return Result(values, backward)
