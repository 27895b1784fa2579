"""PyTorch's side of every conformance case: the recipe behind tests/golden/torch.json.

Each entry maps a lossref loss to the PyTorch call that computes the same thing, in float64,
with autograd for the gradient. Where PyTorch has the loss, the entry calls it; where it
does not (log-cosh, pinball, hinge, focal), the entry writes the formula in PyTorch so its
autograd gives an independent gradient. ``REFERENCES`` names which is which.
"""

import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def mse(x, y, reduction):
    return F.mse_loss(x, y, reduction=reduction)


def mae(x, y, reduction):
    return F.l1_loss(x, y, reduction=reduction)


def huber(x, y, reduction, delta=1.0):
    return F.huber_loss(x, y, reduction=reduction, delta=delta)


def smooth_l1(x, y, reduction, beta=1.0):
    return F.smooth_l1_loss(x, y, reduction=reduction, beta=beta)


def _reduce(values, reduction):
    return {"mean": values.mean, "sum": values.sum, "none": lambda: values}[reduction]()


def log_cosh(x, y, reduction):
    r = x - y
    a = r.abs()
    small = torch.log1p(2 * torch.sinh(torch.clamp(a, max=1.0) / 2) ** 2)
    large = a + F.softplus(-2 * a) - math.log(2)
    return _reduce(torch.where(a < 1, small, large), reduction)


def quantile(x, y, reduction, q=0.5):
    u = y - x
    return _reduce(torch.maximum(q * u, (q - 1) * u), reduction)


def binary_cross_entropy(x, y, reduction):
    return F.binary_cross_entropy(x, y, reduction=reduction)


def binary_cross_entropy_with_logits(x, y, reduction, pos_weight=None):
    pw = None if pos_weight is None else torch.as_tensor(pos_weight)
    return F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pw)


def sigmoid_focal(x, y, reduction, gamma=2.0, alpha=0.25):
    # torchvision.ops.sigmoid_focal_loss (torchvision 0.29), written out: alpha=None here
    # plays the part of torchvision's alpha < 0
    p = torch.sigmoid(x)
    ce = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha is not None:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return _reduce(loss, reduction)


def hinge(x, y, reduction, margin=1.0):
    return _reduce(torch.clamp(margin - y * x, min=0), reduction)


def _class_kwargs(class_weights, ignore_index):
    kw = {}
    if class_weights is not None:
        kw["weight"] = torch.as_tensor(class_weights)
    if ignore_index is not None:
        kw["ignore_index"] = ignore_index
    return kw


def softmax_cross_entropy(z, t, reduction, label_smoothing=0.0, class_weights=None, ignore_index=None):
    return F.cross_entropy(z, t, reduction=reduction, label_smoothing=label_smoothing,
                           **_class_kwargs(class_weights, ignore_index))


def nll(a, t, reduction, class_weights=None, ignore_index=None):
    return F.nll_loss(a, t, reduction=reduction, **_class_kwargs(class_weights, ignore_index))


def kl_div(a, q, reduction, log_target=False):
    if reduction == "none":
        return F.kl_div(a, q, reduction="none", log_target=log_target).sum(-1)
    torch_reduction = "batchmean" if reduction == "mean" else reduction
    if a.ndim == 1:  # batchmean divides by size(0): one row means the sum
        torch_reduction = "sum"
    return F.kl_div(a, q, reduction=torch_reduction, log_target=log_target)


LOSSES = {f.__name__: f for f in (
    mse, mae, huber, smooth_l1, log_cosh, quantile, binary_cross_entropy,
    binary_cross_entropy_with_logits, sigmoid_focal, hinge, softmax_cross_entropy, nll, kl_div,
)}

REFERENCES = {
    "mse": "torch.nn.functional.mse_loss",
    "mae": "torch.nn.functional.l1_loss",
    "huber": "torch.nn.functional.huber_loss",
    "smooth_l1": "torch.nn.functional.smooth_l1_loss",
    "log_cosh": "the formula in PyTorch (autograd gradient)",
    "quantile": "the formula in PyTorch (autograd gradient)",
    "binary_cross_entropy": "torch.nn.functional.binary_cross_entropy",
    "binary_cross_entropy_with_logits": "torch.nn.functional.binary_cross_entropy_with_logits",
    "sigmoid_focal": "torchvision's sigmoid_focal_loss formula in PyTorch (autograd gradient)",
    "hinge": "the formula in PyTorch (autograd gradient)",
    "softmax_cross_entropy": "torch.nn.functional.cross_entropy",
    "nll": "torch.nn.functional.nll_loss",
    "kl_div": "torch.nn.functional.kl_div (reduction=\"batchmean\")",
}


def evaluate(name, args, hyper, reduction, weights=None):
    """PyTorch's value and gradient (w.r.t. the first argument) for one case.

    With ``weights`` the reduction is the weighted mean Σwℓ/Σw over PyTorch's own
    per-sample losses (PyTorch has no such argument on most losses).

    Returns:
        ``(value, grad)``: a float or nested list, and a nested list or None for "none".
    """
    x = torch.tensor(args[0], dtype=torch.float64, requires_grad=True)
    rest = [torch.tensor(a) for a in args[1:]]
    fn = LOSSES[name]
    if weights is not None:
        w = torch.tensor(weights, dtype=torch.float64)
        per_sample = fn(x, *rest, "none", **hyper)
        out = (w * per_sample).sum() / w.sum() if reduction == "mean" else (w * per_sample).sum()
    else:
        out = fn(x, *rest, reduction, **hyper)
    if reduction == "none":
        return out.detach().tolist(), None
    out.backward()
    return float(out.detach()), x.grad.tolist()


def _quiet_kl_mean(a, q):
    import warnings

    with warnings.catch_warnings():  # PyTorch warns that "mean" is not the KL: that is the point
        warnings.simplefilter("ignore")
        return F.kl_div(a, q, reduction="mean")


def differences():
    """PyTorch's side of each documented difference, keyed by the Difference id."""
    t = torch.tensor
    out = {}
    out["pytorch-bce-clamps-log"] = {
        "args": [[0.0, 1.0], [1.0, 0.0]],
        "torch_none": F.binary_cross_entropy(t([0.0, 1.0]), t([1.0, 0.0]), reduction="none").tolist(),
    }
    p = t([1e-15, 0.3], requires_grad=True)
    F.binary_cross_entropy(p, t([0.0, 1.0]), reduction="sum").backward()
    out["pytorch-bce-grad-clamps-denominator"] = {"args": [[1e-15, 0.3], [0.0, 1.0]], "torch_grad": p.grad.tolist()}
    probs, y, w = [0.2, 0.7, 0.9], [0.0, 1.0, 0.0], [1.0, 2.0, 0.5]
    out["pytorch-bce-weight-denominator"] = {
        "args": [probs, y], "weights": w,
        "torch_mean": float(F.binary_cross_entropy(t(probs), t(y), weight=t(w))),
    }
    logits = [-1.0, 0.5, 2.0]
    out["pytorch-bcewithlogits-weight-denominator"] = {
        "args": [logits, y], "weights": w,
        "torch_mean": float(F.binary_cross_entropy_with_logits(t(logits), t(y), weight=t(w))),
    }
    z = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4).sin()  # (N, C, d)
    labels = t([[0, 1, 2, 1], [2, 2, 0, 1]])
    out["pytorch-ce-class-axis"] = {
        "logits_nc_d": z.tolist(), "labels": labels.tolist(),
        "torch_mean": float(F.cross_entropy(z, labels)),
    }
    z2 = t([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    out["pytorch-ce-all-ignored"] = {
        "args": [z2.tolist(), [1, 1]], "ignore_index": 1,
        "torch_mean": float(F.cross_entropy(z2, t([1, 1]), ignore_index=1)),
    }
    out["pytorch-ce-ignore-index-default"] = {
        "args": [z2.tolist(), [2, -100]],
        "torch_mean": float(F.cross_entropy(z2, t([2, -100]))),
    }
    probs2 = t([[0.2, 0.8], [0.6, 0.4]])
    out["pytorch-nll-accepts-positive-input"] = {
        "args": [probs2.tolist(), [1, 0]],
        "torch_mean": float(F.nll_loss(probs2, t([1, 0]))),
    }
    out["pytorch-nll-all-ignored"] = {
        "args": [probs2.log().tolist(), [0, 0]], "ignore_index": 0,
        "torch_mean": float(F.nll_loss(probs2.log(), t([0, 0]), ignore_index=0)),
    }
    a, q = t([[-1e-3, -1e-3]]), t([[0.5, 0.5]])
    out["pytorch-kl-unnormalised-input"] = {
        "args": [a.tolist(), q.tolist()],
        "torch_batchmean": float(F.kl_div(a, q, reduction="batchmean")),
    }
    a3 = t([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]).log()
    q3 = t([[0.3, 0.3, 0.4], [0.2, 0.2, 0.6]])
    out["pytorch-kl-mean-divides-by-nc"] = {
        "args": [a3.tolist(), q3.tolist()],
        "torch_mean": float(_quiet_kl_mean(a3, q3)),
        "torch_batchmean": float(F.kl_div(a3, q3, reduction="batchmean")),
    }
    x = t([1e4, -1e4, 2.0], requires_grad=True)
    sigmoid_focal(x, t([1.0, 0.0, 1.0]), "sum", gamma=0.5).backward()
    out["torchvision-focal-nan-gradient"] = {
        "args": [[1e4, -1e4, 2.0], [1.0, 0.0, 1.0]], "gamma": 0.5,
        "torch_grad": x.grad.tolist(),
    }
    return out
