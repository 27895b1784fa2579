"""Kernel two-sample discrepancies between point clouds: the Gaussian-kernel MMD²."""

from dataclasses import replace

import numpy as np

from ._checks import as_float_array
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain
from ._transport import _cloud

__all__ = ["mmd"]  # its losses, re-exported by lossref/__init__.py

ESTIMATORS = ("unbiased", "biased")


def _cloud_step(x):
    # the kernel bends on the length σ: the tests' bandwidths are ≥ 0.5 here (extremes set their own)
    return 1e-3


# the accuracy grid (x: 2 points, y: 3 points, in the plane): ordinary clouds, a cloud far from
# the other (all cross kernels underflow to 0), coordinates on an offset of 1e3 (squared
# distances from differences, never ‖a‖² + ‖b‖² − 2a·b), one point shared by both clouds
X_CLOUDS = Domain(
    "real, shape (..., n, d): a cloud of n points in ℝᵈ (leading axes: a batch of clouds)",
    _cloud,
    # three points in the plane per draw (the tests' class count is not a dimension here)
    lambda rng, shape: rng.normal(size=(*shape[:-1], 3, 2)),
    has_class_axis=True,
    invalid=((np.inf, ValueError, "contains inf"), (np.nan, ValueError, "contains NaN")),
    stress=(
        ((0.0, 0.0), (1.0, 0.5)),
        ((2.0, 1.5), (3.0, -1.0)),
        ((1000.3, 1000.0), (999.5, 1000.8)),
    ),
    fd_step=_cloud_step,
)
Y_CLOUDS = replace(
    X_CLOUDS,
    text="real, shape (..., m, d): a cloud of m points in ℝᵈ, the same leading axes and d as x",
    sample=lambda rng, shape: rng.normal(size=(*shape[:-1], 4, 2)) + np.array([0.5, 0.0]),
    stress=(
        ((0.2, -0.1), (1.0, 0.5), (-0.6, 0.9)),
        ((1000.0, 1000.2), (1000.9, 999.6), (999.8, 999.9)),
    ),
)


def _key(points):
    return (points.shape[-2], np.ascontiguousarray(points).tobytes())


def _bandwidths(bandwidth):
    """The validated bandwidths σ_s > 0, as a tuple of floats (one number: a tuple of one)."""
    if isinstance(bandwidth, str | bool):
        raise TypeError(f"bandwidth must be a real number > 0 or a 1-D sequence of them; got {bandwidth!r}")
    arr = as_float_array(bandwidth, "bandwidth")
    if arr.ndim > 1:
        raise ValueError(f"bandwidth must be a number or a 1-D sequence of numbers; got shape {arr.shape}")
    if (arr <= 0).any():
        raise ValueError(f"bandwidth must be > 0; got {float(arr[arr <= 0].flat[0])!r}")
    return tuple(float(s) for s in arr.ravel())


def _block(diff, sigmas, drop_diagonal):
    """Sums over one kernel matrix, for every bandwidth, of k and of k − 1; and each point's pull.

    ``diff`` holds the differences p_i − q_j, shape (..., a, b, d). Returns (Σk, Σ(k − 1)), each a
    list with one array of shape (...) per bandwidth, and a deferred function giving
    (R, C): R_i = Σ_s Σ_j k_s,ij u_ij / σ_s and C_j = Σ_s Σ_i k_s,ij u_ij / σ_s, u = (p_i − q_j)/σ_s.
    The squared distances come from the differences: ‖p‖² + ‖q‖² − 2p·q loses every digit of a
    distance of 1 between points 1e8 from the origin.
    """
    with np.errstate(over="ignore"):  # ‖p − q‖² > 1e308: its kernel is 0, which exp(−inf) gives
        sq = np.einsum("...d,...d->...", diff, diff)
    kernels, sums, sums_m1 = [], [], []
    for s in sigmas:
        with np.errstate(over="ignore", under="ignore"):
            t = sq / (2.0 * s * s)
            k = np.exp(-t)
            km1 = np.expm1(-t)  # k − 1 to full relative accuracy when σ is large next to the distances
        if drop_diagonal:  # the U-statistic leaves out i = i' (masked, not subtracted: Σk − n cancels)
            idx = np.arange(diff.shape[-2])
            k[..., idx, idx] = 0.0
            km1[..., idx, idx] = 0.0
        kernels.append(k)
        sums.append(k.sum(axis=(-2, -1)))
        sums_m1.append(km1.sum(axis=(-2, -1)))

    def pulls():
        rows = cols = 0.0
        for s, k in zip(sigmas, kernels, strict=True):
            with np.errstate(over="ignore", invalid="ignore"):
                u = diff / s
            if not np.isfinite(u).all():  # only where ‖p − q‖/σ > 1e308: k = 0 there
                u = np.where(np.isfinite(u), u, 0.0)
            ku = k[..., None] * u
            rows = rows + ku.sum(axis=-2) / s
            cols = cols + ku.sum(axis=-3) / s
        return rows, cols

    return sums, sums_m1, pulls


def _mmd(x, y, sigmas, unbiased):
    """MMD² of every cloud pair and a function for (∂/∂x, ∂/∂y); x before y in a fixed order."""
    n, m = x.shape[-2], y.shape[-2]
    wxx = 1.0 / (n * (n - 1)) if unbiased else 1.0 / (n * n)
    wyy = 1.0 / (m * (m - 1)) if unbiased else 1.0 / (m * m)
    wxy = 1.0 / (n * m)
    sxx, exx, pxx = _block(x[..., :, None, :] - x[..., None, :, :], sigmas, unbiased)
    syy, eyy, pyy = _block(y[..., :, None, :] - y[..., None, :, :], sigmas, unbiased)
    sxy, exy, pxy = _block(x[..., :, None, :] - y[..., None, :, :], sigmas, False)
    value = 0.0
    for a, b, c, ea, eb, ec in zip(sxx, syy, sxy, exx, eyy, exy, strict=True):
        # the same number two ways, since the means of 1 cancel (1 + 1 − 2 = 0): from the means
        # of k, or of k − 1; each is off by a few ulps of its terms' sum, so take the smaller sum
        # (k − 1 when σ is large next to the distances and every k is near 1)
        with_k = (wxx * a + wyy * b) - 2.0 * wxy * c
        with_km1 = (wxx * ea + wyy * eb) - 2.0 * wxy * ec
        terms_k = (wxx * a + wyy * b) + 2.0 * wxy * c
        terms_km1 = -((wxx * ea + wyy * eb) + 2.0 * wxy * ec)
        value = value + np.where(terms_k <= terms_km1, with_k, with_km1)

    def grads():
        rxx, _ = pxx()
        ryy, _ = pyy()
        rxy, cxy = pxy()
        # ∂k(p, q)/∂p = −k (p − q)/σ²; the within-cloud sums count each pair twice (i, i') and (i', i)
        return (-2.0 * wxx * rxx + 2.0 * wxy * rxy, -2.0 * wyy * ryy - 2.0 * wxy * cxy)

    return value, grads


def _shift_curve():
    # x = {(t, 0), (t + 1, 1)} slid along the first axis past y = {(0, 0), (1, 1), (0.5, 2)}
    # (sinkhorn's figure: the two overlay on the compare page)
    base_x = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 2.0]])
    return Curve(
        x_label="shift t of x along the first axis",
        x_range=(-2.0, 2.0),
        args=lambda t: (
            base_x + np.stack([t, np.zeros_like(t)], axis=-1)[..., None, :],
            np.broadcast_to(y, (*np.shape(t), 3, 2)).copy(),
        ),
        series=(
            Series("σ = 1, unbiased", {}, {}),
            Series("σ = 1, biased", {}, {"estimator": "biased"}),
            Series("σ = 0.5 and 2 (sum of kernels), unbiased", {}, {"bandwidth": (0.5, 2.0)}),
        ),
        # dℓ/dt: the sum of ∂ℓ/∂x over the points' first coordinates
        component=lambda g, args: g[..., 0].sum(axis=-1),
        grad_label="dℓ/dt (sliding x)",
    )


@class_axis_loss(
    family="divergence",
    formula=(
        r"k(a, b) = \sum_s \exp\!\Big(-\frac{\lVert a - b \rVert^2}{2\sigma_s^2}\Big) \qquad \text{(one bandwidth: one term)}",  # noqa: E501
        r"\text{biased: } \widehat{\mathrm{MMD}}{}^2_b = \frac{1}{n^2}\sum_{i,i'} k(x_i, x_{i'}) + \frac{1}{m^2}\sum_{j,j'} k(y_j, y_{j'}) - \frac{2}{nm}\sum_{i,j} k(x_i, y_j)",  # noqa: E501
        r"\text{unbiased: } \widehat{\mathrm{MMD}}{}^2_u = \frac{1}{n(n-1)}\sum_{i \ne i'} k(x_i, x_{i'}) + \frac{1}{m(m-1)}\sum_{j \ne j'} k(y_j, y_{j'}) - \frac{2}{nm}\sum_{i,j} k(x_i, y_j)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \widehat{\mathrm{MMD}}{}^2}{\partial x_i} = -\frac{2}{n(n-1)} \sum_{i'} \sum_s \frac{k_s(x_i, x_{i'})}{\sigma_s^2}(x_i - x_{i'}) + \frac{2}{nm} \sum_j \sum_s \frac{k_s(x_i, y_j)}{\sigma_s^2}(x_i - y_j)",  # noqa: E501
        r"\frac{\partial \widehat{\mathrm{MMD}}{}^2}{\partial y_j} = -\frac{2}{m(m-1)} \sum_{j'} \sum_s \frac{k_s(y_j, y_{j'})}{\sigma_s^2}(y_j - y_{j'}) + \frac{2}{nm} \sum_i \sum_s \frac{k_s(x_i, y_j)}{\sigma_s^2}(y_j - x_i)",  # noqa: E501
        r"\text{(biased: } n^2 \text{ and } m^2 \text{ for } n(n-1) \text{ and } m(m-1)\text{)}",
    ),
    domain={"x": X_CLOUDS, "y": Y_CLOUDS},
    use_case=(
        "A differentiable distance between two samples with no pairing between their points "
        "(generative models, domain adaptation, two-sample tests): the squared distance between the "
        "clouds' mean embeddings under a Gaussian kernel, from kernel averages alone."
    ),
    properties=("symmetric", "smooth", "bounded_gradient"),
    equivalents={
        "GeomLoss": (
            "SamplesLoss('gaussian', blur=σ) (GeomLoss 0.2.6, geomloss/kernel_samples.py): "
            "½·mmd(x, y, bandwidth=σ, estimator='biased'); the same kernel exp(−‖x − y‖²/2σ²) "
            "(blur = σ, default 0.05); its tensorized backend (up to 5000² pairs) squares distances as "
            "‖x‖² − 2x·y + ‖y‖²"
        ),
    },
    references=(
        "Gretton, Borgwardt, Rasch, Schölkopf & Smola, A Kernel Two-Sample Test (JMLR 2012)",
        "Long, Cao, Wang & Jordan, Learning Transferable Features with Deep Adaptation Networks (ICML 2015)",
        "Li, Swersky & Zemel, Generative Moment Matching Networks (ICML 2015)",
        "Li, Chang, Cheng, Yang & Póczos, MMD GAN: Towards Deeper Understanding of Moment Matching Network (NeurIPS 2017)",  # noqa: E501
    ),
    differences=(
        Difference(
            "geomloss-half-biased-mmd",
            "GeomLoss",
            "GeomLoss 0.2.6's `SamplesLoss('gaussian', blur=σ)` returns ½‖α − β‖²_k, half the "
            "biased (V-statistic) MMD², diagonal terms k(x_i, x_i) = 1 included: it is "
            "½·`mmd(x, y, bandwidth=σ, estimator='biased')`. Its blur is σ itself (the kernel is "
            "exp(−‖x − y‖²/2·blur²)), with a default of 0.05; `lossref` requires the bandwidth and "
            "defaults to the unbiased estimator.",
        ),
        Difference(
            "geomloss-expanded-squared-distances",
            "GeomLoss",
            "GeomLoss 0.2.6's tensorized backend (geomloss/utils.py, squared_distances) computes "
            "‖x/σ‖² − 2(x/σ)·(y/σ) + ‖y/σ‖², which cancels for points far from the origin next to "
            "their distance: a cloud on an offset of 1e6 (σ = 1) loses the MMD² to rounding, and "
            "k(x_i, x_i) need not be 1. `lossref` squares the differences x_i − y_j.",
        ),
    ),
    aliases=(
        "maximum mean discrepancy",
        "kernel two-sample statistic",
        "Gaussian MMD",
        "RBF MMD",
        "multi-kernel MMD",
    ),
    differentiable=("x", "y"),
    required={"bandwidth": 1.0},
    reduction_note=(
        '`"mean"` divides by the number of cloud pairs (the leading axes); one pair of clouds of shape '
        "(n, d) and (m, d) is a batch of one."
    ),
    plot=Plot(curve=_shift_curve(), explore={"bandwidth": (0.1, 5.0, "log")}),
    checks=Checks(
        variants=({"estimator": "biased"}, {"bandwidth": (0.5, 2.0)}),
        extremes=(
            # coincident points: a point repeated in x and shared with y (k = 1, u = 0)
            Extreme([[[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 1.0]]], {"bandwidth": 1.0}),
            # clouds 100σ apart on an offset of 1e4: every cross kernel underflows to 0
            Extreme(
                [
                    [[1e4, 1e4], [1e4 + 1.0, 1e4 + 0.5], [1e4 + 0.3, 1e4 - 0.7]],
                    [[1e4 + 100.0, 1e4], [1e4 + 101.0, 1e4 + 1.0], [1e4 + 100.5, 1e4 - 1.0]],
                ],
                {"bandwidth": 1.0},
            ),
            # a tiny bandwidth: points 1e-3 apart see each other, the rest of the cloud does not
            Extreme(
                [[[0.0, 0.0], [1e-3, 0.0], [1.0, 1.0]], [[5e-4, 1e-3], [1.0, 1.0005], [3.0, 0.0]]],
                {"bandwidth": 1e-3, "estimator": "biased"},
            ),
            # a huge bandwidth: every k ≈ 1, the value ~ 1e-9, from the means of k − 1
            Extreme(
                [[[0.0, 0.0], [1.0, 0.5], [0.3, -0.7]], [[0.2, 0.1], [1.1, 0.4], [-0.5, 0.6], [0.9, -1.0]]],
                {"bandwidth": 1e4},
            ),
        ),
        invalid=(
            Invalid({"bandwidth": 0.0}, ValueError, "bandwidth must be > 0"),
            Invalid({"bandwidth": (1.0, -2.0)}, ValueError, "bandwidth must be > 0"),
            Invalid({"bandwidth": [[1.0]]}, ValueError, "bandwidth must be a number or a 1-D sequence"),
            Invalid({"bandwidth": "1"}, TypeError, "bandwidth must be a real number"),
            Invalid({"estimator": "mean"}, ValueError, "estimator must be 'unbiased' or 'biased'"),
        ),
        fd_step=lambda bandwidth=1.0, **_: min(1e-3, 1e-2 * min(np.atleast_1d(bandwidth))),
    ),
)
def mmd(x, y, *, bandwidth, estimator="unbiased"):
    """Squared maximum mean discrepancy between two point clouds, with a Gaussian kernel.

    k(a, b) = exp(−‖a − b‖²/(2σ²)), or the sum of such kernels over several bandwidths σ_s.
    ``estimator="unbiased"`` is Gretton et al.'s U-statistic MMD²_u (the within-cloud means leave
    out i = i'; it can be negative); ``"biased"`` is the V-statistic MMD²_b (all pairs; ≥ 0, and
    0 when the clouds are equal as multisets). Both cost O((n + m)² d) time and memory.

    Args:
        x: Points, shape (..., n, d); leading axes are a batch of independent cloud pairs.
        y: Points, shape (..., m, d), the same leading axes and d. Differentiable too:
            ``grad(..., argnum=1)``.
        bandwidth: σ > 0, in the units of the points (GeomLoss's blur); or a 1-D sequence of
            bandwidths, whose Gaussian kernels are summed (as in MMD GAN; divide by their count
            for the mean). Required: it only means something next to the data's distances.
        estimator: ``"unbiased"`` (needs n, m ≥ 2) or ``"biased"``.

    Returns:
        The mean over the batch of cloud pairs by default (one pair: its MMD²);
        ``reduction="none"`` gives one value per pair.

    Examples:
        >>> from lossref import mmd
        >>> x, y = [[0.0], [1.0]], [[0.0], [2.0]]  # σ = 1: k = e^{−d²/2}
        >>> # biased: (1 + e^{−1/2})/2 + (1 + e^{−2})/2 − 2(1 + e^{−2} + 2e^{−1/2})/4 = (1 − e^{−1/2})/2
        >>> round(float(mmd(x, y, bandwidth=1.0, estimator="biased")), 6)  # (1 − 0.606531)/2
        0.196735
        >>> # unbiased (i ≠ i'): e^{−1/2} + e^{−2} − (1 + e^{−2} + 2e^{−1/2})/2 = (e^{−2} − 1)/2 < 0
        >>> round(float(mmd(x, y, bandwidth=1.0)), 6)  # (0.135335 − 1)/2
        -0.432332
    """
    sigmas = _bandwidths(bandwidth)
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be 'unbiased' or 'biased'; got {estimator!r}")
    unbiased = estimator == "unbiased"
    if x.shape[:-2] != y.shape[:-2] or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            f"x has shape {x.shape} but y has shape {y.shape}: they need the same leading (batch) axes "
            "and the same dimension d (the last axis); the numbers of points n and m may differ"
        )
    for name, cloud in (("x", x), ("y", y)):
        if unbiased and cloud.shape[-2] < 2:
            raise ValueError(
                f"{name} has {cloud.shape[-2]} point per cloud: the unbiased estimator needs at least 2 "
                "(it averages over pairs of distinct points); pass estimator='biased'"
            )
    with np.errstate(over="ignore", invalid="ignore"):  # max − min per coordinate bounds every difference
        spread = np.ptp(np.concatenate([x, y], axis=-2), axis=-2)
    if not np.isfinite(spread).all():
        raise ValueError(
            "x and y: a difference of two coordinates overflows float64 (points apart by more than "
            "about 1e308); rescale the points by s and the bandwidth by s"
        )
    # the clouds in a fixed order (by their bytes), so that mmd(x, y) == mmd(y, x) to the last bit
    swap = _key(y) < _key(x)
    value, grads = _mmd(y, x, sigmas, unbiased) if swap else _mmd(x, y, sigmas, unbiased)

    def backward():
        gx, gy = grads()
        return {"x": gy, "y": gx} if swap else {"x": gx, "y": gy}

    return Result(value, backward)
