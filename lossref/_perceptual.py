"""Perceptual (feature-matching) loss: squared distances between features of a user's network."""

import numpy as np

from ._checks import as_float_array
from ._core import Checks, Curve, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain
from .examples import EXAMPLE

__all__ = ["perceptual"]  # its losses, re-exported by lossref/__init__.py


def _images(value, name):
    arr = as_float_array(value, name)
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have a batch axis and at least one feature axis, shape (B, ...); got shape "
            f"{arr.shape}"
        )
    return arr


IMAGES = Domain(
    "real, shape (B, ...): a batch of images or signals (any trailing shape)",
    _images,
    lambda rng, shape: rng.normal(size=shape),
    has_class_axis=True,
    invalid=(Invalid(np.inf, ValueError, "contains inf"),),
    stress=((0.0, 0.0, 0.0), (1.0, -2.0, 0.5), (30.0, -30.0, 1e-8), (1e-300, 0.0, -1e-300), (1e8, 1e8, -1e8)),
)


def _features(feature_fn, x, name):
    feats = feature_fn(x)
    if not isinstance(feats, (list, tuple)) or not feats:
        raise TypeError(
            f"feature_fn must return a non-empty list of arrays (one per layer); got {type(feats).__name__}"
        )
    out = []
    for i, f in enumerate(feats):
        # NaN or inf features, or an empty layer (n_l = 0 entries: w_l / n_l), would make the
        # loss NaN without a word: name the layer instead
        f = as_float_array(f, f"feature_fn({name}) layer {i}")
        if f.ndim < 1 or f.shape[0] != x.shape[0]:
            raise ValueError(
                f"feature_fn({name}) layer {i} has shape {f.shape}; its first axis must be the batch "
                f"({x.shape[0]})"
            )
        out.append(f)
    return out


def _curve_args(x):
    # a three-pixel signal: the first pixel moves, the target is flat 0
    y_pred = np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=-1)
    return y_pred, np.zeros_like(y_pred)


@class_axis_loss(
    family="generative",
    formula=(
        r"\ell = \sum_{l} \frac{w_l}{n_l} \lVert \phi_l(\hat y) - \phi_l(y) \rVert_2^2, \qquad n_l = \text{entries of layer } l \text{ per sample (} C_l H_l W_l \text{)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \hat y} = \sum_l \frac{2 w_l}{n_l}\, J_{\phi_l}(\hat y)^{\top} \big(\phi_l(\hat y) - \phi_l(y)\big) \quad \text{(one vector–Jacobian product)}",  # noqa: E501
    ),
    domain={"y_pred": IMAGES, "y_true": IMAGES},
    use_case=(
        "Super-resolution, style transfer and image generation: compare images by the features of a fixed "
        "network (VGG) rather than pixel by pixel."
    ),
    properties=("non_negative", "symmetric"),
    equivalents={
        "PyTorch": (
            "no built-in: F.mse_loss(vgg(ŷ)[l], vgg(y)[l]) summed over layers l with weights (autograd "
            "gives the VJP)"
        ),
        "lpips": (
            "lpips.LPIPS(net='vgg') (v0.1.4; learned per-channel weights on unit-normalised features: a "
            "different metric)"
        ),
    },
    references=(
        (
            "Johnson, Alahi & Fei-Fei, Perceptual Losses for Real-Time Style Transfer and Super-Resolution "
            "(ECCV 2016)"
        ),
        "Salimans et al., Improved Techniques for Training GANs (2016), feature matching",
    ),
    aliases=("LPIPS",),  # names readers search for
    required={"feature_fn": EXAMPLE, "feature_vjp": EXAMPLE.vjp},
    plot=Plot(
        curve=Curve(
            x_label="ŷ₁: first of three pixels (target 0, 0, 0)",
            x_range=(-4.0, 4.0),
            args=_curve_args,
            series=(
                Series("both layers", {}, {}),
                Series("edges only", {}, {"layer_weights": (1.0, 0.0)}),
                Series("tanh only", {}, {"layer_weights": (0.0, 1.0)}),
            ),
            component=lambda g, args: g[..., 0],
            grad_label="∂ℓ/∂ŷ₁",
        ),
    ),
    checks=Checks(
        variants=({"layer_weights": (0.25, 2.0)},),
        # entries of 1e8 (tanh saturated: its derivative underflows to 0), 1e-300 and a zero row
        extremes=(
            Extreme(
                [
                    [[1e8, -1e8, 3.0], [1e-300, 0.0, -1e-300], [0.0, 0.0, 0.0]],
                    [[0.0, 0.0, 0.0], [0.0, 1e-300, 0.0], [0.0, 0.0, 0.0]],
                ]
            ),
            Extreme([[[30.0, -30.0, 1e-8, 0.5]], [[-30.0, 30.0, 0.0, 0.5]]], {"layer_weights": (0.0, 3.0)}),
        ),
        invalid=(
            Invalid({"layer_weights": (1.0, -1.0)}, ValueError, "layer_weights must be >= 0"),
            Invalid(
                {"layer_weights": ("1", "2")}, TypeError, "layer_weights must be an array of real numbers"
            ),
            Invalid(
                {"layer_weights": (1.0 + 2.0j, 1.0)},
                TypeError,
                "layer_weights must be an array of real numbers",
            ),
            Invalid({"layer_weights": (np.nan, 1.0)}, ValueError, "layer_weights contains NaN"),
            Invalid({"layer_weights": [[1.0, 2.0], [3.0]]}, ValueError, "layer_weights is ragged"),
            Invalid(
                {"feature_fn": lambda x: [x, x[:, :0]]}, ValueError, "feature_fn(y_pred) layer 1 is empty"
            ),
            Invalid(
                {"feature_fn": lambda x: [x, np.full_like(x, np.inf)]},
                ValueError,
                "feature_fn(y_pred) layer 1 contains inf",
            ),
            Invalid(
                {"feature_fn": lambda x: [x, x * np.nan]},
                ValueError,
                "feature_fn(y_pred) layer 1 contains NaN",
            ),
            Invalid(
                {"layer_weights": (1.0,)},
                ValueError,
                "layer_weights has 1 entries but feature_fn returned 2 layers",
            ),
            Invalid({"feature_fn": "vgg"}, TypeError, "feature_fn must be callable"),
            Invalid(
                {"feature_fn": lambda x: x}, TypeError, "feature_fn must return a non-empty list of arrays"
            ),
        ),
    ),
)
def perceptual(y_pred, y_true, *, feature_fn, feature_vjp, layer_weights=None):
    """Perceptual loss: weighted mean squared distances between the features of ŷ and of y.

    ``feature_fn`` is a fixed network (VGG in Johnson et al.) that maps a batch to a list of
    layer activations. The gradient needs its vector–Jacobian product ``feature_vjp(x,
    cotangents)``, which returns Σ_l J_l(x)ᵀ c_l with the shape of x: in an autodiff framework,
    one backward pass through the network. Pass ``feature_vjp=None`` for the value alone.

    Args:
        y_pred: Predictions ŷ, shape (B, ...); one loss per leading index.
        y_true: Targets y, the same shape (not differentiated: the network is fixed).
        feature_fn: ``feature_fn(x) -> [φ_1(x), φ_2(x), ...]``, each of shape (B, ...).
        feature_vjp: ``feature_vjp(x, [c_1, c_2, ...]) -> Σ_l J_{φ_l}(x)ᵀ c_l`` (shape of x), or None.
        layer_weights: w_l ≥ 0, one per layer (default all 1).

    Returns:
        The mean over the batch by default; ``reduction="none"`` gives one loss per sample.

    Examples:
        >>> import numpy as np
        >>> from lossref import perceptual
        >>> from lossref.examples import EXAMPLE
        >>> y_hat, y = np.array([[1.0, 1.0, 1.0]]), np.zeros((1, 3))   # a constant shift
        >>> # edges: no difference (0/2); tanh: 3 entries of tanh(1)² averaged over n = 3
        >>> round(perceptual(y_hat, y, feature_fn=EXAMPLE, feature_vjp=EXAMPLE.vjp), 6), round(float(np.tanh(1.0) ** 2), 6)
        (0.580026, 0.580026)
    """  # noqa: E501 (doctest lines with their hand-computed values)
    if not callable(feature_fn):
        raise TypeError(
            f"feature_fn must be callable (a network returning a list of layer outputs); got {feature_fn!r}"
        )
    if feature_vjp is not None and not callable(feature_vjp):
        raise TypeError(f"feature_vjp must be callable or None; got {feature_vjp!r}")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but y_true has shape {y_true.shape}")
    pred, true = _features(feature_fn, y_pred, "y_pred"), _features(feature_fn, y_true, "y_true")
    # as_float_array: strings, complex numbers (whose imaginary part a float cast would drop),
    # NaN and inf are errors that name layer_weights
    weights = np.ones(len(pred)) if layer_weights is None else as_float_array(layer_weights, "layer_weights")
    if weights.shape != (len(pred),):
        raise ValueError(
            f"layer_weights has {weights.size} entries but feature_fn returned {len(pred)} layers"
        )
    if (weights < 0).any():
        raise ValueError(f"layer_weights must be >= 0; got {weights.tolist()}")
    values = np.zeros(y_pred.shape[0])
    differences = []  # (w, n, a − b) per layer: the backward pass's cotangents 2w/n·(a − b)
    for w, a, b in zip(weights, pred, true, strict=True):
        if a.shape != b.shape:
            raise ValueError(f"feature_fn gives shape {a.shape} for y_pred but {b.shape} for y_true")
        n = a[0].size
        d = a - b
        axes = tuple(range(1, d.ndim))
        values = values + w / n * (d * d).sum(axis=axes)
        differences.append((w, n, d))

    def backward():  # only for .grad: a value-only call never runs the user's VJP
        if feature_vjp is None:
            raise TypeError(
                "perceptual needs feature_vjp= for a gradient (the vector–Jacobian product of feature_fn)"
            )
        cotangents = [2.0 * w / n * d for w, n, d in differences]
        grad = as_float_array(feature_vjp(y_pred, cotangents), "the result of feature_vjp")
        if grad.shape != y_pred.shape:
            raise ValueError(
                f"feature_vjp returned shape {grad.shape}; it must return the shape of y_pred {y_pred.shape}"
            )
        return grad

    return Result(values, backward)
