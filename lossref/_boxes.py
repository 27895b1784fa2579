"""Detection losses: a predicted bounding box against a target box, both as (x1, y1, x2, y2)."""

import numpy as np

from ._checks import as_float_array
from ._core import Checks, Curve, Difference, Extreme, Plot, Result, Series, class_axis_loss
from ._domains import Domain

__all__ = ["ciou", "diou", "giou"]  # its losses, re-exported by lossref/__init__.py


def _boxes(value, name):
    arr = as_float_array(value, name)
    if arr.ndim == 0 or arr.shape[-1] != 4:
        raise ValueError(
            f"{name} must have shape (..., 4), one box (x1, y1, x2, y2) per row; got shape {arr.shape}"
        )
    width, height = arr[..., 2] - arr[..., 0], arr[..., 3] - arr[..., 1]
    bad = (width <= 0) | (height <= 0)
    if bad.any():
        k = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} must have x1 < x2 and y1 < y2 in every box (x1, y1, x2, y2); got "
            f"{arr[tuple(k)].tolist()} at index {tuple(int(i) for i in k)} "
            f"(width {float(width[tuple(k)])!r}, height {float(height[tuple(k)])!r})"
        )
    return arr


def _sample_boxes(rng, shape):
    # the class-axis shape (..., C) names the batch; a box always has 4 coordinates. Centres in
    # [-1.5, 1.5] and sides in [0.5, 3]: about half the pairs overlap, the rest are apart
    batch = shape[:-1]
    centre = rng.uniform(-1.5, 1.5, size=(*batch, 2))
    half = rng.uniform(0.25, 1.5, size=(*batch, 2))
    return np.concatenate([centre - half, centre + half], axis=-1)


def _box_step(x):
    if x.shape[-1] != 4:
        # a lone coordinate (the tests step one at a time, its box unseen): 1e-3 of its size keeps
        # every stress and extreme box valid (their sides are at least a third of their
        # coordinates, or at least 1); 0 at 0, which is then not stepped
        return 1e-3 * min(1.0, float(np.abs(x).min()))
    # a step of 1e-3 of the smallest side: a tiny box stays a box, and a huge one moves
    sides = np.minimum(x[..., 2] - x[..., 0], x[..., 3] - x[..., 1])
    return 1e-3 * min(1.0, float(sides.min()))


BOXES = Domain(
    "boxes (x1, y1, x2, y2) with x1 < x2 and y1 < y2, shape (..., 4)",
    _boxes,
    _sample_boxes,
    has_class_axis=True,
    invalid=((1e6, ValueError, "must have x1 < x2 and y1 < y2"),),
    # unit, wide, shifted, disjoint, nested, a hair apart from the unit box, two tiny ones (the
    # gradient grows like 1/size: not bounded), far away and huge boxes: products of areas that
    # overflow or underflow, and differences that cancel
    stress=(
        (0.0, 0.0, 1.0, 1.0),
        (0.0, 0.0, 2.0, 0.5),
        (0.5, 0.25, 1.5, 1.75),
        (3.0, -2.0, 4.0, -1.0),
        (0.25, 0.25, 0.75, 0.5),
        (1e-12, 0.0, 1.0, 1.0 + 1e-12),
        (1e-9, 1e-9, 2e-9, 3e-9),
        (2e-9, 0.0, 4e-9, 2e-9),
        (1e8, -1e8, 1e8 + 1.0, -1e8 + 2.0),
        (-1e150, -1e150, 1e150, 2e150),
    ),
    fd_step=_box_step,
)
_DOMAIN = {"pred_boxes": BOXES, "true_boxes": BOXES}
_K = 4.0 / np.pi**2  # CIoU's aspect-ratio scale


def _two_sum(a, b):
    """a + b as the rounded sum and its exact rounding error (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _sum4(a, b, c, d):
    """a + b + c + d, rounded once in effect.

    A small box's centre next to a huge box's keeps its offset ((0.25 + 1e150) + (0.75 - 1e150)
    would be 0, not 1).
    """
    s1, e1 = _two_sum(a, b)
    s2, e2 = _two_sum(c, d)
    s, e3 = _two_sum(s1, s2)
    return s + ((e1 + e2) + e3)


def _axis(p1, p2, g1, g2, scale):
    """One axis of the geometry, in lengths divided by ``scale`` (a power of two: exact).

    The enclosing interval splits into the overlap ``i``, the parts covered by only the
    prediction (``ep``) or only the target (``eg``), and a ``gap`` between them: each
    computed from differences of the inputs, so none is a difference of large areas.
    Returns the lengths and their derivatives with respect to (p1, p2).
    """
    lo, hi = np.maximum(p1, g1), np.minimum(p2, g2)
    over = hi > lo
    i = np.where(over, hi - lo, 0.0) * scale
    gap = np.where(over, 0.0, lo - hi) * scale
    w = (p2 - p1) * scale
    wg = (g2 - g1) * scale
    ep = np.where(over, np.maximum(p2 - g2, 0.0) + np.maximum(g1 - p1, 0.0), p2 - p1) * scale
    eg = np.where(over, np.maximum(g2 - p2, 0.0) + np.maximum(p1 - g1, 0.0), g2 - g1) * scale
    c = (np.maximum(p2, g2) - np.minimum(p1, g1)) * scale
    d = _sum4(p1, p2, -g1, -g2) * scale  # twice the distance between the centres
    # derivatives in (p1, p2); at a tie (an edge on the target's edge) max and min split the
    # derivative evenly, as torch.max and torch.min do: a perfect prediction gets gradient 0
    tie1, tie2 = 0.5 * (p1 == g1), 0.5 * (p2 == g2)
    di = (-(over * ((p1 > g1) + tie1)), over * ((p2 < g2) + tie2))
    dc = (-((p1 < g1) + tie1), (p2 > g2) + tie2)
    return {"i": i, "gap": gap, "w": w, "wg": wg, "ep": ep, "eg": eg, "c": c, "d": d, "di": di, "dc": dc}


def _geometry(pred, true):
    """IoU's parts for each box pair, scaled by a power of two near the enclosing box's size."""
    cx = np.maximum(pred[..., 2], true[..., 2]) - np.minimum(pred[..., 0], true[..., 0])
    cy = np.maximum(pred[..., 3], true[..., 3]) - np.minimum(pred[..., 1], true[..., 1])
    # the losses are scale-invariant: lengths of order 1 keep areas of boxes at 1e±200 finite
    scale = np.ldexp(1.0, -np.frexp(np.maximum(cx, cy))[1])
    x = _axis(pred[..., 0], pred[..., 2], true[..., 0], true[..., 2], scale)
    y = _axis(pred[..., 1], pred[..., 3], true[..., 1], true[..., 3], scale)
    inter = x["i"] * y["i"]
    only_pred = x["i"] * y["ep"] + x["ep"] * y["i"] + x["ep"] * y["ep"]
    only_true = x["i"] * y["eg"] + x["eg"] * y["i"] + x["eg"] * y["eg"]
    union = inter + only_pred + only_true
    enclosing = x["c"] * y["c"]
    # the enclosing box outside the union: the gap columns and rows, and the two corners that
    # only one box's sides reach (a sum of non-negative terms, exact to a few ulps)
    outside = (
        x["gap"] * y["c"] + y["gap"] * (x["i"] + x["ep"] + x["eg"]) + x["ep"] * y["eg"] + x["eg"] * y["ep"]
    )
    return {
        "x": x,
        "y": y,
        "scale": scale,
        "inter": inter,
        "union": union,
        "enclosing": enclosing,
        "one_minus_iou": (only_pred + only_true) / union,
        "outside": outside,
    }


def _per_coordinate(fx, fy):
    """Stack per-axis derivatives (in p1, p2) as (x1, y1, x2, y2)."""
    return np.stack([fx[0], fy[0], fx[1], fy[1]], axis=-1)


def _iou_grad(g):
    """∂(1 − IoU) and ∂U in (x1, y1, x2, y2), in scaled units."""
    x, y = g["x"], g["y"]
    # ∂I = ∂i_x·i_y (x coordinates), i_x·∂i_y (y); ∂(w h) = ±h, ±w
    d_inter = _per_coordinate([v * y["i"] for v in x["di"]], [v * x["i"] for v in y["di"]])
    d_area = _per_coordinate((-y["w"], y["w"]), (-x["w"], x["w"]))
    d_union = d_area - d_inter
    u, inter = g["union"][..., None], g["inter"][..., None]
    return -(d_inter * u - inter * d_union) / (u * u), d_union


def _check_pairs(pred_boxes, true_boxes):
    if pred_boxes.shape != true_boxes.shape:
        raise ValueError(
            f"pred_boxes has shape {pred_boxes.shape} but true_boxes has shape {true_boxes.shape}"
        )


def _box_kinks(pred_boxes, true_boxes, **_):
    """Each coordinate's distance to where a max or min switches.

    That is, to the target's edges, and to the edge where the overlap along that axis opens or
    closes.
    """
    p, t = np.asarray(pred_boxes, float), np.asarray(true_boxes, float)
    same = np.abs(p - t)  # x1 against a1: the intersection's max and the enclosing min switch
    # x1 against a2 and x2 against a1: the overlap along the axis starts or ends
    cross = np.abs(p - t[..., [2, 3, 0, 1]])
    return np.minimum(same, cross)


def _shift_curve():
    """Slide a unit box along x past the unit target box (0, 0, 1, 1)."""
    return Curve(
        x_label="horizontal shift s of a unit box past the unit target (0, 0, 1, 1)",
        grad_label="gradient ∂ℓ/∂s",
        x_range=(-3.0, 3.0),
        args=lambda s: (
            np.stack([s, np.zeros_like(s), s + 1.0, np.ones_like(s)], axis=-1),
            np.broadcast_to(np.array([0.0, 0.0, 1.0, 1.0]), (*s.shape, 4)),
        ),
        series=(Series("", {}, {}),),
        component=lambda g, args: g[..., 0] + g[..., 2],
    )


# one scale per row (the finite-difference step is 1e-3 of the row's smallest side): boxes a
# hair apart (1 − IoU cancels), overlapping, apart; areas of 1e200 and 1e-400; centres 1e150 apart
_EXTREMES = (
    Extreme(
        (
            [
                [0.0, 0.0, 1.0, 1.0],
                [1e-12, 0.0, 1.0, 1.0 + 1e-12],
                [5.0, 5.0, 6.0, 7.0],
                [-3.0, 0.0, -2.0, 1.0],
            ],
            [
                [0.5, 0.25, 1.5, 1.25],
                [0.0, 0.0, 1.0, 1.0],
                [-1e8, -1e8, -1e8 + 1.0, -1e8 + 3.0],
                [0.0, -4.0, 3.0, -1.0],
            ],
        )
    ),
    Extreme(([[1e100, 1e100, 3e100, 2e100]], [[2e100, 1.5e100, 4e100, 5e100]])),
    Extreme(([[1e-200, 1e-200, 3e-200, 2e-200]], [[2e-200, 0.0, 4e-200, 3e-200]])),
    Extreme(([[-1.0, -2.0, 3.0, 2.0]], [[-1e150, 0.0, 1e150, 1.0]])),
)
# boxes: nested, overlapping, apart in x and in y, far from the origin, tiny (no edge on an edge:
# there torch.max and torch.min split the gradient, lossref counts neither side)
_TORCH_EXTREMES = (
    Extreme(
        [
            [
                [0.25, 0.25, 0.75, 0.5],
                [0.0, 0.0, 2.0, 1.0],
                [3.0, -2.0, 4.0, -1.0],
                [1e8, -1e8, 1e8 + 1.0, -1e8 + 2.0],
                [1e-6, 2e-6, 3e-6, 5e-6],
            ],
            [
                [0.0, 0.0, 1.0, 1.0],
                [0.5, -0.5, 1.5, 1.5],
                [0.0, 0.5, 1.0, 1.5],
                [1e8 + 0.5, -1e8 + 0.25, 1e8 + 3.0, -1e8 + 1.0],
                [2e-6, 1e-6, 4e-6, 3e-6],
            ],
        ]
    ),
)
# edges on edges: torch.max and torch.min split the gradient evenly, as lossref does
_TORCH_TIES = Extreme(
    [[[0.0, 0.0, 2.0, 1.0], [0.5, -1.0, 2.0, 3.0]], [[0.0, 0.0, 1.0, 1.0], [0.5, -1.0, 2.0, 3.0]]]
)
# CIoU: no equal boxes (α = 0/0 without torchvision's eps)
_TORCH_TIES_CIOU = Extreme(
    [[[0.0, 0.0, 2.0, 1.0], [0.5, -1.0, 2.0, 3.0]], [[0.0, 0.0, 1.0, 1.0], [0.5, -1.0, 1.0, 3.0]]]
)
# GIoU's and DIoU's test data (CIoU's PyTorch rows have no equal boxes)
_CHECKS = Checks(extremes=_EXTREMES, kink_distance=_box_kinks, torch_extremes=(*_TORCH_EXTREMES, _TORCH_TIES))
_TORCHVISION = "torchvision 0.28.0"
_REZATOFIGHI = (
    "Rezatofighi et al., Generalized Intersection over Union: A Metric and A Loss for Bounding Box "
    "Regression (CVPR 2019)"
)
_ZHENG = "Zheng et al., Distance-IoU Loss: Faster and Better Learning for Bounding Box Regression (AAAI 2020)"


def _eps_difference(name, where):
    return Difference(
        f"torchvision-{name}-eps",
        "torchvision",
        f"{_TORCHVISION} (torchvision/ops/{name}_loss.py) adds eps = 1e-7 {where}, in the units of the "
        "coordinates. `lossref` adds nothing: for boxes in pixels the two agree to about 1e-7 of "
        "the value, but for small boxes in normalised coordinates (areas near 1e-7 and below) "
        "torchvision's IoU is far too small, and a perfect prediction does not cost 0.",
    )


@class_axis_loss(
    family="detection",
    aliases=("GIoU loss", "generalized intersection over union", "box regression loss"),
    formula=(
        r"\ell(b, g) = 1 - \mathrm{GIoU} = 1 - \frac{|b \cap g|}{|b \cup g|} + \frac{|C \setminus (b \cup g)|}{|C|}",  # noqa: E501
        r"C = \text{the smallest box enclosing } b \text{ and } g",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial b_k} = -\frac{\partial_k I\, U - I\, \partial_k U}{U^2} "
        r"- \frac{\partial_k U\, |C| - U\, \partial_k |C|}{|C|^2}",
        r"I = |b \cap g|,\ U = |b \cup g|,\ \partial_k \text{: the derivative in the coordinate } b_k",
    ),
    domain=_DOMAIN,
    use_case="Bounding-box regression in object detection: an IoU loss that still has a gradient "
    "when the predicted and target boxes do not overlap.",
    properties=("non_negative", "zero_iff_equal", "symmetric"),
    equivalents={
        "torchvision": "torchvision.ops.generalized_box_iou_loss(pred, target) "
        f"({_TORCHVISION}; eps = 1e-7, see below)",
    },
    references=(_REZATOFIGHI,),
    differences=(_eps_difference("giou", "to the union and to the enclosing area"),),
    plot=Plot(curve=_shift_curve()),
    checks=_CHECKS,
)
def giou(pred_boxes, true_boxes):
    r"""Generalized IoU loss: 1 − GIoU of each predicted box against its target.

    GIoU = IoU − |C \ (b ∪ g)| / |C|, with C the smallest box enclosing both; it is in
    (−1, 1], so the loss is in [0, 2). Unlike 1 − IoU, it has a gradient when the boxes do
    not overlap. Subgradient: where a predicted edge lies exactly on a target edge, the max and
    min that pick the intersection's and the enclosing box's edges split the derivative evenly
    (as ``torch.max`` and ``torch.min`` do), so a perfect prediction has gradient 0.

    Args:
        pred_boxes: Predicted boxes (x1, y1, x2, y2), shape (..., 4), with x1 < x2, y1 < y2.
        true_boxes: Target boxes, the same shape.

    Returns:
        The mean loss over boxes by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import giou
        >>> # the same unit box, or shifted by half: IoU = 0.5/1.5, C = 1.5, union fills C
        >>> giou([[0.0, 0.0, 1.0, 1.0], [0.5, 0.0, 1.5, 1.0]], [[0.0, 0.0, 1.0, 1.0]] * 2, reduction="none")
        array([0.        , 0.66666667])
        >>> # apart by 1: IoU = 0, C = 3, |C \ U| = 1
        >>> giou([[2.0, 0.0, 3.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]])  # 1 - 0 + 1/3
        1.3333333333333333
    """
    _check_pairs(pred_boxes, true_boxes)
    g = _geometry(pred_boxes, true_boxes)
    value = g["one_minus_iou"] + g["outside"] / g["enclosing"]

    def grad():
        d_iou, d_union = _iou_grad(g)
        x, y = g["x"], g["y"]
        d_enc = _per_coordinate([v * y["c"] for v in x["dc"]], [v * x["c"] for v in y["dc"]])
        c, u = g["enclosing"][..., None], g["union"][..., None]
        # |C \ U| / |C| = 1 − U / |C|
        return (d_iou - (d_union * c - u * d_enc) / (c * c)) * g["scale"][..., None]

    return Result(value, grad)


def _centre_term(g):
    """ρ²/c²: squared centre distance over the enclosing box's squared diagonal, and its gradient."""
    x, y = g["x"], g["y"]
    rho2 = (x["d"] * x["d"] + y["d"] * y["d"]) / 4
    diag2 = x["c"] * x["c"] + y["c"] * y["c"]

    def grad():
        # ∂ρ²/∂p = d/2 for both coordinates of an axis; ∂c²/∂p = 2 c ∂c/∂p
        d_rho = _per_coordinate((x["d"] / 2, x["d"] / 2), (y["d"] / 2, y["d"] / 2))
        d_diag = _per_coordinate([2 * x["c"] * v for v in x["dc"]], [2 * y["c"] * v for v in y["dc"]])
        r, c2 = rho2[..., None], diag2[..., None]
        return (d_rho * c2 - r * d_diag) / (c2 * c2)

    return rho2 / diag2, grad


@class_axis_loss(
    family="detection",
    aliases=("DIoU loss", "distance intersection over union", "box regression loss"),
    formula=(
        r"\ell(b, g) = 1 - \frac{|b \cap g|}{|b \cup g|} + \frac{\rho^2(b, g)}{c^2}",
        r"\rho = \text{distance between the box centres},\ c = \text{diagonal of the smallest enclosing box}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial b_k} = -\frac{\partial_k I\, U - I\, \partial_k U}{U^2} "
        r"+ \frac{\partial_k \rho^2\, c^2 - \rho^2\, \partial_k c^2}{c^4}",
        r"\partial_k \rho^2 = \tfrac12 \Delta_x \text{ for } x_1, x_2 \ (\Delta_x = x_1 + x_2 - g_{x_1} - g_{x_2}),\ \text{likewise in } y",  # noqa: E501
    ),
    domain=_DOMAIN,
    use_case="Bounding-box regression that pulls the box centre towards the target's directly, "
    "which converges faster than GIoU when one box contains the other.",
    properties=("non_negative", "zero_iff_equal", "symmetric"),
    equivalents={
        "torchvision": "torchvision.ops.distance_box_iou_loss(pred, target) "
        f"({_TORCHVISION}; eps = 1e-7, see below)",
    },
    references=(_ZHENG,),
    differences=(_eps_difference("diou", "to the union and to the squared diagonal c²"),),
    plot=Plot(curve=_shift_curve()),
    checks=_CHECKS,
)
def diou(pred_boxes, true_boxes):
    """Distance IoU loss: 1 − IoU + ρ²/c² of each predicted box against its target.

    ρ is the distance between the two boxes' centres and c the diagonal of the smallest box
    enclosing both; the loss is in [0, 2). Subgradient at ties as for ``giou``.

    Args:
        pred_boxes: Predicted boxes (x1, y1, x2, y2), shape (..., 4), with x1 < x2, y1 < y2.
        true_boxes: Target boxes, the same shape.

    Returns:
        The mean loss over boxes by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import diou
        >>> # shifted by half: IoU = 1/3, ρ = 0.5, c² = 1.5² + 1²
        >>> round(diou([[0.5, 0.0, 1.5, 1.0]], [[0.0, 0.0, 1.0, 1.0]]), 12)  # 2/3 + 0.25/3.25
        0.74358974359
    """
    _check_pairs(pred_boxes, true_boxes)
    g = _geometry(pred_boxes, true_boxes)
    centre, centre_grad = _centre_term(g)

    def grad():
        d_iou, _ = _iou_grad(g)
        return (d_iou + centre_grad()) * g["scale"][..., None]

    return Result(g["one_minus_iou"] + centre, grad)


@class_axis_loss(
    family="detection",
    aliases=("CIoU loss", "complete intersection over union", "box regression loss"),
    formula=(
        r"\ell(b, g) = 1 - \mathrm{IoU} + \frac{\rho^2(b, g)}{c^2} + \alpha v",
        r"v = \frac{4}{\pi^2}\Big(\arctan\frac{w_g}{h_g} - \arctan\frac{w}{h}\Big)^2, \quad "
        r"\alpha = \frac{v}{(1 - \mathrm{IoU}) + v}",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial b_k} = \frac{\partial \ell_{\mathrm{DIoU}}}{\partial b_k} "
        r"+ \alpha(2 - \alpha)\, \frac{\partial v}{\partial b_k} - \alpha^2\, \frac{\partial (1 - \mathrm{IoU})}{\partial b_k}",  # noqa: E501
        r"\frac{\partial v}{\partial w} = -\frac{8}{\pi^2}\,\theta\,\frac{h}{w^2 + h^2},\ "
        r"\frac{\partial v}{\partial h} = \frac{8}{\pi^2}\,\theta\,\frac{w}{w^2 + h^2},\ "
        r"\theta = \arctan\frac{w_g}{h_g} - \arctan\frac{w}{h}",
    ),
    domain=_DOMAIN,
    use_case="Bounding-box regression (YOLO-family detectors): DIoU plus a penalty on a mismatched "
    "aspect ratio.",
    properties=("non_negative", "zero_iff_equal", "symmetric"),
    equivalents={
        "torchvision": "torchvision.ops.complete_box_iou_loss(pred, target) "
        f"({_TORCHVISION}; eps = 1e-7, see below)",
    },
    references=(_ZHENG,),
    differences=(
        _eps_difference(
            "ciou",
            "to the union and to c² (always 1e-7 there: its own eps argument is not passed on) "
            "and its eps to α's denominator",
        ),
        Difference(
            "torchvision-ciou-alpha-gradient",
            "torchvision",
            f"{_TORCHVISION} (torchvision/ops/ciou_loss.py) computes α under `torch.no_grad()`, as the "
            "paper treats it: its backward pass is DIoU's plus α ∂v, which is not the derivative of "
            "the value it returns. `lossref`'s gradient is that derivative, α's own change included "
            "(α(2 − α) ∂v − α² ∂(1 − IoU) in place of α ∂v); the values agree.",
        ),
    ),
    plot=Plot(curve=_shift_curve()),
    checks=Checks(
        extremes=_EXTREMES, kink_distance=_box_kinks, torch_extremes=(*_TORCH_EXTREMES, _TORCH_TIES_CIOU)
    ),
)
def ciou(pred_boxes, true_boxes):
    """Complete IoU loss: DIoU plus α·v, a penalty on the difference of aspect ratios.

    v = 4/π² (arctan(w_g/h_g) − arctan(w/h))² and α = v / ((1 − IoU) + v) (0 where v = 0).
    The loss is in [0, 3). The gradient is the derivative of this value, α's own included:
    the paper and torchvision hold α constant in the backward pass instead (see the page).
    Subgradient at ties as for ``giou``.

    Args:
        pred_boxes: Predicted boxes (x1, y1, x2, y2), shape (..., 4), with x1 < x2, y1 < y2.
        true_boxes: Target boxes, the same shape.

    Returns:
        The mean loss over boxes by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import ciou, diou
        >>> import math
        >>> # a 2 × 1 box on the unit box: IoU = 1/2, ρ² = 1/4, c² = 5, v = 4/π² atan(1/3)²
        >>> v = 4 / math.pi**2 * math.atan(1 / 3) ** 2
        >>> wide, unit = [[0.0, 0.0, 2.0, 1.0]], [[0.0, 0.0, 1.0, 1.0]]
        >>> abs(ciou(wide, unit) - (0.55 + v * v / (0.5 + v))) < 1e-15  # 0.5 + 0.05 + αv
        True
        >>> shifted = [[0.5, 0.0, 1.5, 1.0]]
        >>> ciou(shifted, unit) == diou(shifted, unit)  # v = 0
        True
    """
    _check_pairs(pred_boxes, true_boxes)
    g = _geometry(pred_boxes, true_boxes)
    centre, centre_grad = _centre_term(g)
    x, y = g["x"], g["y"]
    w, h, wg, hg = x["w"], y["w"], x["wg"], y["wg"]
    # arctan(wg/hg) − arctan(w/h) as one angle: no difference of two nearly equal arctangents
    theta = np.arctan2(wg * h - w * hg, hg * h + wg * w)
    v = _K * theta * theta
    one_minus_iou = g["one_minus_iou"]
    with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 where the boxes are equal: α = 0
        alpha = np.where(v > 0, v / (one_minus_iou + v), 0.0)

    def grad():
        d_iou, _ = _iou_grad(g)
        # h / (w² + h²) as (h / r) / r with r = hypot(w, h): w² + h² underflows for a box 1e-160
        # of the enclosing box's size
        r = np.hypot(w, h)
        dv_dw, dv_dh = -2 * _K * theta * (h / r) / r, 2 * _K * theta * (w / r) / r
        d_v = _per_coordinate((-dv_dw, dv_dw), (-dv_dh, dv_dh))
        # ∂(αv) = α(2 − α) ∂v − α² ∂(1 − IoU), from αv = v² / ((1 − IoU) + v)
        a = alpha[..., None]
        d_alpha_v = a * (2.0 - a) * d_v - a * a * d_iou
        return (d_iou + centre_grad() + d_alpha_v) * g["scale"][..., None]

    return Result(one_minus_iou + centre + alpha * v, grad)
