"""PyTorch's side of every conformance case: the recipe behind tests/golden/torch.json.

Each entry maps a lossref loss to the PyTorch call that computes the same thing, in float64,
with autograd for the gradient. Where PyTorch has the loss, the entry calls it; where it
does not (log-cosh, pinball, hinge, focal), the entry writes the formula in PyTorch so its
autograd gives an independent gradient. Each function is registered with
``@torch_reference(loss, call)`` (tests/torch_registry.py), which names which is which.
"""

import inspect
import math
import warnings

import torch
import torch.nn.functional as F

from torch_registry import TORCH_REFERENCES, torch_reference

torch.set_default_dtype(torch.float64)


@torch_reference("mse", "torch.nn.functional.mse_loss")
def mse(x, y, reduction):
    return F.mse_loss(x, y, reduction=reduction)


@torch_reference("mae", "torch.nn.functional.l1_loss")
def mae(x, y, reduction):
    return F.l1_loss(x, y, reduction=reduction)


@torch_reference("huber", "torch.nn.functional.huber_loss")
def huber(x, y, reduction, delta=1.0):
    return F.huber_loss(x, y, reduction=reduction, delta=delta)


@torch_reference("smooth_l1", "torch.nn.functional.smooth_l1_loss")
def smooth_l1(x, y, reduction, beta=1.0):
    return F.smooth_l1_loss(x, y, reduction=reduction, beta=beta)


@torch_reference(
    "rmse", "torch.sqrt of torch.nn.functional.mse_loss; weighted: of Σw r²/Σw (autograd gradient)"
)
def rmse(x, y, reduction, weights=None):
    # mean-only, and a root of the (weighted) mean: the weights go inside the square root
    if reduction != "mean":
        raise ValueError("RMSE has only reduction='mean'")
    if weights is None:
        return torch.sqrt(F.mse_loss(x, y))
    return torch.sqrt((weights * (x - y) ** 2).sum() / weights.sum())


def _reduce(values, reduction):
    return {"mean": values.mean, "sum": values.sum, "none": lambda: values}[reduction]()


@torch_reference("log_cosh", "the formula in PyTorch (autograd gradient)")
def log_cosh(x, y, reduction):
    r = x - y
    a = r.abs()
    small = torch.log1p(2 * torch.sinh(torch.clamp(a, max=1.0) / 2) ** 2)
    large = a + F.softplus(-2 * a) - math.log(2)
    return _reduce(torch.where(a < 1, small, large), reduction)


@torch_reference("quantile", "the formula in PyTorch (autograd gradient)")
def quantile(x, y, reduction, q=0.5):
    u = y - x
    return _reduce(torch.maximum(q * u, (q - 1) * u), reduction)


@torch_reference("charbonnier", "the formula in PyTorch (autograd gradient)")
def charbonnier(x, y, reduction, eps=1e-3):
    a = (x - y).abs()
    root = torch.hypot(x - y, torch.full_like(x, eps))
    return _reduce(a * (a / (root + eps)), reduction)  # √(r² + ε²) − ε without the cancellation


@torch_reference("cauchy", "the formula in PyTorch (autograd gradient)")
def cauchy(x, y, reduction, scale=1.0):
    return _reduce(scale**2 / 2 * torch.log1p(((x - y) / scale) ** 2), reduction)


@torch_reference("tukey_biweight", "the formula in PyTorch (autograd gradient)")
def tukey_biweight(x, y, reduction, c=4.685):
    u = ((x - y) / c) ** 2
    # c²/6 · (1 − (1 − u)³) expanded as c²/6 · u (3 − 3u + u²)
    return _reduce(
        torch.where(u <= 1, c**2 / 6 * u * (3 - 3 * u + u**2), torch.full_like(u, c**2 / 6)), reduction
    )


@torch_reference("mape", "the formula in PyTorch (autograd gradient)")
def mape(x, y, reduction, eps=2.220446049250313e-16):
    return _reduce((x - y).abs() / torch.clamp(y.abs(), min=eps), reduction)


@torch_reference("smape", "torchmetrics' formula in PyTorch (autograd gradient)")
def smape(x, y, reduction, eps=2.220446049250313e-16):
    # torchmetrics' symmetric_mean_absolute_percentage_error, per element
    return _reduce(2 * (x - y).abs() / torch.clamp(x.abs() + y.abs(), min=eps), reduction)


@torch_reference("binary_cross_entropy", "torch.nn.functional.binary_cross_entropy")
def binary_cross_entropy(x, y, reduction):
    return F.binary_cross_entropy(x, y, reduction=reduction)


@torch_reference("binary_cross_entropy_with_logits", "torch.nn.functional.binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(x, y, reduction, pos_weight=None):
    pw = None if pos_weight is None else torch.as_tensor(pos_weight)
    return F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pw)


@torch_reference("sigmoid_focal", "torchvision's sigmoid_focal_loss formula in PyTorch (autograd gradient)")
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


@torch_reference("hinge", "the formula in PyTorch (autograd gradient)")
def hinge(x, y, reduction, margin=1.0):
    return _reduce(torch.clamp(margin - y * x, min=0), reduction)


@torch_reference("squared_hinge", "the formula in PyTorch (autograd gradient)")
def squared_hinge(x, y, reduction, margin=1.0):
    return _reduce(torch.clamp(margin - y * x, min=0) ** 2, reduction)


@torch_reference(
    "multiclass_hinge",
    "torch.nn.functional.multi_margin_loss (weston_watkins); the Crammer-Singer formula in PyTorch "
    "(autograd gradient)",
)
def multiclass_hinge(x, labels, reduction, margin=1.0, variant="crammer_singer", p=1, class_weights=None):
    w = None if class_weights is None else torch.as_tensor(class_weights)
    if variant == "weston_watkins":
        return F.multi_margin_loss(x, labels, p=p, margin=margin, weight=w, reduction=reduction)
    # Crammer-Singer written out: amax splits the gradient evenly between tied maxima, and
    # relu has gradient 0 at 0 (clamp(min=0) would pass it)
    wrong = x.masked_fill(F.one_hot(labels, x.shape[-1]).bool(), -math.inf)
    f_y = x.gather(-1, labels[..., None])[..., 0]
    loss = torch.relu(wrong.amax(dim=-1) - f_y + margin) ** p
    return _reduce(loss if w is None else w[labels] * loss, reduction)


@torch_reference(
    "multilabel_margin",
    "torch.nn.functional.multilabel_margin_loss (indicators converted to padded indices)",
)
def multilabel_margin(x, t, reduction):
    # lossref's 0/1 indicators as PyTorch's targets: the target classes' indices first, then -1
    order = torch.argsort(-t, dim=-1, stable=True)
    indices = torch.where(t.gather(-1, order) > 0, order, torch.full_like(order, -1))
    return F.multilabel_margin_loss(x, indices, reduction=reduction)


@torch_reference("soft_margin", "torch.nn.functional.soft_margin_loss")
def soft_margin(x, y, reduction):
    return F.soft_margin_loss(x, y, reduction=reduction)


@torch_reference("exponential", "the formula in PyTorch (autograd gradient)")
def exponential(x, y, reduction):
    return _reduce(torch.exp(-y * x), reduction)


@torch_reference("modified_huber", "the formula in PyTorch (autograd gradient)")
def modified_huber(x, y, reduction):
    m = y * x
    return _reduce(torch.where(m >= -1, torch.clamp(1 - m, min=0) ** 2, -4 * m), reduction)


def _class_kwargs(class_weights, ignore_index):
    kw = {}
    if class_weights is not None:
        kw["weight"] = torch.as_tensor(class_weights)
    if ignore_index is not None:
        kw["ignore_index"] = ignore_index
    return kw


@torch_reference(
    "zero_one",
    "(scores.argmax(dim=-1) != labels), as float64 (torch.argmax: first maximal index; no gradient)",
)
def zero_one(scores, labels, reduction):
    return _reduce((scores.argmax(dim=-1) != labels).to(torch.float64), reduction)


@torch_reference("softmax_cross_entropy", "torch.nn.functional.cross_entropy")
def softmax_cross_entropy(z, t, reduction, label_smoothing=0.0, class_weights=None, ignore_index=None):
    return F.cross_entropy(
        z,
        t,
        reduction=reduction,
        label_smoothing=label_smoothing,
        **_class_kwargs(class_weights, ignore_index),
    )


@torch_reference("nll", "torch.nn.functional.nll_loss")
def nll(a, t, reduction, class_weights=None, ignore_index=None):
    return F.nll_loss(a, t, reduction=reduction, **_class_kwargs(class_weights, ignore_index))


@torch_reference("kl_div", 'torch.nn.functional.kl_div (reduction="batchmean")')
def kl_div(a, q, reduction, log_target=False):
    if reduction == "none":
        return F.kl_div(a, q, reduction="none", log_target=log_target).sum(-1)
    torch_reduction = "batchmean" if reduction == "mean" else reduction
    if a.ndim == 1:  # batchmean divides by size(0): one row means the sum
        torch_reduction = "sum"
    return F.kl_div(a, q, reduction=torch_reduction, log_target=log_target)


@torch_reference(
    "sparse_categorical_cross_entropy",
    "torch.nn.functional.cross_entropy (class-index targets)",
)
def sparse_categorical_cross_entropy(z, t, reduction, **hyper):
    # Keras' name for the integer-label cross-entropy: the same PyTorch call
    return softmax_cross_entropy(z, t, reduction, **hyper)


@torch_reference(
    "sequence_cross_entropy",
    "torch.nn.functional.cross_entropy with padding labels set to ignore_index=-100 "
    '(normalize="sequences": its per-token losses averaged per sequence, then over sequences)',
)
def sequence_cross_entropy(z, t, reduction, mask=None, label_smoothing=0.0, normalize="tokens"):
    # padding as PyTorch marks it: label -100 (ignore_index); "mean" over the real tokens
    if mask is not None:
        t = torch.where(torch.as_tensor(mask) > 0, t, torch.full_like(t, -100))
    flat_z, flat_t = z.reshape(-1, z.shape[-1]), t.reshape(-1)
    if reduction == "mean" and normalize == "tokens":
        return F.cross_entropy(flat_z, flat_t, ignore_index=-100, label_smoothing=label_smoothing)
    per_token = F.cross_entropy(
        flat_z, flat_t, ignore_index=-100, label_smoothing=label_smoothing, reduction="none"
    ).reshape(t.shape)
    if reduction == "mean":  # normalize="sequences": each sequence's token mean, averaged over the sequences
        real = (t != -100).to(per_token.dtype)
        count = real.sum(dim=-1)
        means = per_token.sum(dim=-1) / count.clamp_min(1)
        return means[count > 0].mean()
    return _reduce(per_token, reduction)


@torch_reference("softmax_focal", "the formula in PyTorch on log_softmax (autograd gradient)")
def softmax_focal(z, t, reduction, gamma=2.0, alpha=None):
    # no PyTorch function: -α_y (1 - p_y)^γ log p_y written out on log_softmax
    log_p = F.log_softmax(z, dim=-1).gather(-1, t[..., None])[..., 0]
    loss = -((-torch.expm1(log_p)) ** gamma) * log_p
    if alpha is not None:
        a = torch.as_tensor(alpha, dtype=torch.float64)
        loss = (a[t] if a.ndim else a) * loss
    return _reduce(loss, reduction)


def _class_balanced_weights(samples_per_class, beta):
    # Cui et al. (2019): (1 - β) / (1 - β^n_c), scaled so the C weights sum to C
    n = torch.as_tensor(samples_per_class, dtype=torch.float64)
    w = (1 - beta) / (1 - beta**n)
    return w * len(n) / w.sum()


@torch_reference(
    "class_balanced",
    "torch.nn.functional.cross_entropy(weight=) per sample (softmax); the BCE-with-logits and "
    "torchvision focal formulas (sigmoid, focal); weights computed from the counts in PyTorch",
)
def class_balanced(z, t, reduction, samples_per_class, beta=0.9999, base="softmax", gamma=2.0):
    w = _class_balanced_weights(samples_per_class, beta)
    if base == "softmax":  # PyTorch's class-weighted cross-entropy per sample; "mean" over N
        loss = F.cross_entropy(z, t, weight=w, reduction="none")
    else:
        one_hot = F.one_hot(t, z.shape[-1]).to(z.dtype)
        if base == "sigmoid":
            per_class = F.binary_cross_entropy_with_logits(z, one_hot, reduction="none")
        else:
            per_class = sigmoid_focal(z, one_hot, "none", gamma=gamma, alpha=None)
        loss = w[t] * per_class.sum(-1)
    return _reduce(loss, reduction)


@torch_reference("js_div", "the formula in PyTorch with torch.nn.functional.kl_div (autograd gradients)")
def js_div(a, b, reduction):
    # no PyTorch function: ½ KL(p ‖ m) + ½ KL(q ‖ m), with log m = logaddexp(a, b) - log 2
    log_m = torch.logaddexp(a, b) - math.log(2)
    kl_p = F.kl_div(log_m, a, reduction="none", log_target=True)
    kl_q = F.kl_div(log_m, b, reduction="none", log_target=True)
    return _reduce(0.5 * (kl_p + kl_q).sum(-1), reduction)


@torch_reference(
    "cross_entropy",
    "torch.nn.functional.nll_loss on log p (labels); the formula in PyTorch (targets)",
)
def cross_entropy(p, t, reduction):
    # no probability-input loss in PyTorch: nll_loss on log p (labels), -Σ q log p (targets)
    if not t.is_floating_point():
        return F.nll_loss(torch.log(p), t, reduction=reduction)
    return _reduce(-torch.xlogy(t, p).sum(-1), reduction)


@torch_reference(
    "knowledge_distillation",
    "torch.nn.functional.kl_div on log_softmax (+ cross_entropy with labels)",
)
def knowledge_distillation(z_s, z_t, reduction, temperature=2.0, labels=None, alpha=0.5):
    # T² · KL(softmax(z_t/T) ‖ softmax(z_s/T)) with F.kl_div, plus (1 - α) CE with labels
    log_ps = F.log_softmax(z_s / temperature, dim=-1)
    log_pt = F.log_softmax(z_t / temperature, dim=-1)
    loss = temperature**2 * F.kl_div(log_ps, log_pt, reduction="none", log_target=True).sum(-1)
    if labels is not None:
        ce = F.cross_entropy(z_s, torch.as_tensor(labels), reduction="none")
        loss = alpha * loss + (1 - alpha) * ce
    return _reduce(loss, reduction)


@torch_reference(
    "cosine_embedding",
    "torch.nn.functional.cosine_embedding_loss (other eps: its formula in PyTorch)",
)
def cosine_embedding(x1, x2, y, reduction, margin=0.0, eps=1e-12):
    if eps == 1e-12:  # PyTorch's own function (its ε is float32(1e-12): a documented difference)
        return F.cosine_embedding_loss(x1, x2, y, margin=margin, reduction=reduction)
    cos = (x1 * x2).sum(-1) / (((x1 * x1).sum(-1) + eps) * ((x2 * x2).sum(-1) + eps)).sqrt()
    loss = torch.where(y == 1, 1 - cos, (cos - margin).clamp_min(0))
    return _reduce(loss, reduction)


@torch_reference("margin_ranking", "torch.nn.functional.margin_ranking_loss")
def margin_ranking(x1, x2, y, reduction, margin=0.0):
    return F.margin_ranking_loss(x1, x2, y, margin=margin, reduction=reduction)


@torch_reference("triplet_margin", "torch.nn.functional.triplet_margin_loss")
def triplet_margin(a, pos, neg, reduction, margin=1.0, p=2, eps=1e-6, swap=False):
    return F.triplet_margin_loss(a, pos, neg, margin=margin, p=p, eps=eps, swap=swap, reduction=reduction)


@torch_reference("contrastive", "the formula in PyTorch with Tensor.norm (autograd gradients)")
def contrastive(a, b, y, reduction, margin=1.0):
    d = (a - b).norm(dim=-1)  # autograd: gradient 0 at d = 0
    loss = y * d.pow(2) + (1 - y) * (margin - d).clamp_min(0).pow(2)
    return _reduce(loss, reduction)


@torch_reference(
    "info_nce",
    "torch.nn.functional.cross_entropy on the cosine-similarity matrix (F.normalize), rows and "
    "columns for the symmetric form, the 2N views with self masked for NT-Xent (autograd gradients)",
)
def info_nce(u, v, reduction, temperature=0.1, form="one_way"):
    # cross-entropy over the cosine-similarity matrix, written from the papers' formulas
    u, v = F.normalize(u, dim=-1, eps=0.0), F.normalize(v, dim=-1, eps=0.0)
    n = u.shape[0]
    if form == "nt_xent":  # SimCLR: 2N views, self excluded, partner i <-> i + N
        z = torch.cat([u, v])
        s = z @ z.T / temperature
        s = s.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
        partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
        per_view = F.cross_entropy(s, partner, reduction="none")
        return _reduce((per_view[:n] + per_view[n:]) / 2, reduction)
    s = u @ v.T / temperature
    target = torch.arange(n)
    loss = F.cross_entropy(s, target, reduction="none")
    if form == "symmetric":  # CLIP: rows and columns
        loss = (loss + F.cross_entropy(s.T, target, reduction="none")) / 2
    return _reduce(loss, reduction)


@torch_reference("n_pair", "torch.nn.functional.cross_entropy on the dot-product matrix (autograd gradients)")
def n_pair(f, f_pos, reduction):
    # Sohn's N-pair loss: cross-entropy over raw dot products, label = own index
    loss = F.cross_entropy(f @ f_pos.T, torch.arange(f.shape[0]), reduction="none")
    return _reduce(loss, reduction)


@torch_reference(
    "supervised_contrastive",
    "the paper's formula in PyTorch with F.log_softmax over the masked cosine-similarity matrix "
    "(autograd gradient)",
)
def supervised_contrastive(z, labels, reduction, temperature=0.1):
    # Khosla et al.: log-softmax over the other rows, averaged over each anchor's positives;
    # anchors without positives leave the mean
    z = F.normalize(z, dim=-1, eps=0.0)
    n = z.shape[0]
    self_mask = torch.eye(n, dtype=torch.bool)
    log_p = F.log_softmax((z @ z.T / temperature).masked_fill(self_mask, float("-inf")), dim=1)
    positive = (labels[:, None] == labels[None, :]) & ~self_mask
    count = positive.sum(dim=1)
    loss = -torch.where(positive, log_p, 0.0).sum(dim=1) / count.clamp_min(1)
    if reduction == "mean":
        return loss.sum() / (count > 0).sum()
    return _reduce(loss, reduction)


@torch_reference(
    "ctc",
    "torch.nn.functional.ctc_loss (time-major); its gradient minus exp(log p) inside the input "
    "lengths (PyTorch returns the gradient through a log_softmax: a documented difference)",
)
def ctc(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    reduction,
    blank=0,
    zero_infinity=False,
    normalize="target_length",
):
    """F.ctc_loss (time-major), with its gradient made the one by the log-probabilities.

    Its backward returns exp(log p) − γ inside the input lengths (the gradient through a
    log_softmax); subtracting Σ (exp(log p) − exp(log p).detach()), which is 0 in value, turns
    that into ∂ℓ/∂log p = −γ under any reduction.
    """
    lp = log_probs.transpose(0, 1)
    loss = F.ctc_loss(
        lp, targets, input_lengths, target_lengths, blank=blank, reduction="none", zero_infinity=zero_infinity
    )
    # rows zeroed by zero_infinity get no gradient from PyTorch: no correction there either
    feasible = torch.isfinite(
        F.ctc_loss(lp.detach(), targets, input_lengths, target_lengths, blank=blank, reduction="none")
    )
    used = ((torch.arange(log_probs.shape[1])[None, :] < input_lengths[:, None]) & feasible[:, None])[
        ..., None
    ]
    p = log_probs.exp()
    loss = loss - torch.where(used, p - p.detach(), 0.0).sum(dim=(1, 2))
    if reduction == "mean" and normalize == "target_length":
        return (loss / target_lengths.clamp_min(1)).mean()
    return _reduce(loss, reduction)


@torch_reference(
    "lovasz_hinge",
    "Berman et al.'s algorithm in PyTorch: torch.sort, Jaccard increments from cumsum, F.relu "
    "(autograd gradient)",
)
def lovasz_hinge(logits, targets, reduction):
    # Berman et al.'s algorithm per image: sort the hinge errors, Jaccard increments, dot with ReLU
    signs = 2 * targets - 1
    errors = 1 - logits * signs
    sorted_errors, order = torch.sort(errors, dim=-1, descending=True, stable=True)
    gt = torch.gather(targets, -1, order)
    gts = gt.sum(dim=-1, keepdim=True)
    intersection = gts - gt.cumsum(dim=-1)
    union = gts + (1 - gt).cumsum(dim=-1)
    jaccard = 1 - intersection / union
    grad = torch.cat([jaccard[..., :1], jaccard[..., 1:] - jaccard[..., :-1]], dim=-1)
    return _reduce((F.relu(sorted_errors) * grad).sum(dim=-1), reduction)


@torch_reference(
    "lovasz_softmax",
    "Berman et al.'s algorithm in PyTorch per image and class: torch.sort of |fg − p_c|, Jaccard "
    "increments from cumsum, the mean over classes (autograd gradient)",
)
def lovasz_softmax(probs, labels, reduction, classes="present"):
    # Berman et al.'s algorithm per image and class: errors |fg − p_c| sorted, Jaccard increments
    n_classes = probs.shape[-1]
    losses = []
    for image, image_labels in zip(probs, labels, strict=True):
        per_class = []
        for c in range(n_classes):
            fg = (image_labels == c).to(probs.dtype)
            if classes == "present" and fg.sum() == 0:
                continue
            errors = (fg - image[:, c]).abs()
            sorted_errors, order = torch.sort(errors, descending=True, stable=True)
            gt = fg[order]
            gts = gt.sum()
            jaccard = 1 - (gts - gt.cumsum(0)) / (gts + (1 - gt).cumsum(0))
            grad = torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])
            per_class.append(torch.dot(sorted_errors, grad))
        losses.append(torch.stack(per_class).mean())
    return _reduce(torch.stack(losses), reduction)


@torch_reference(
    "arcface",
    "cross-entropy as torch.logsumexp of logit differences, on s·logits with the target cosine "
    "replaced by insightface's cos(θ + m) or its fallback, written in PyTorch (autograd gradient)",
)
def arcface(c, labels, reduction, scale=64.0, margin=0.5, easy_margin=False):
    # insightface's margin head (cos(θ + m) = c cos m − sin θ sin m, fallback c − sin(π − m)·m
    # at or below cos(π − m), or c at or below 0 with easy_margin), sin θ taken at c clamped
    # to 1 − 1e-7 (lossref's documented choice), then cross_entropy on s·logits; autograd
    top = 1.0 - 1e-7
    threshold = 0.0 if easy_margin else math.cos(math.pi - margin)
    one_hot = F.one_hot(labels, c.shape[-1]).bool()
    on = c > threshold
    c_on = torch.where(on, c, torch.zeros_like(c))  # the unused branch sees 0: no 0·∞ in backward
    sin_theta = torch.sqrt(1 - torch.clamp(c_on, max=top) ** 2)
    phi = c_on * math.cos(margin) - sin_theta * math.sin(margin)
    fallback = c if easy_margin else c - math.sin(math.pi - margin) * margin
    logits = torch.where(one_hot, torch.where(on, phi, fallback), c)
    return _cross_entropy_of_differences(scale * logits, labels, reduction)


@torch_reference(
    "cosface",
    "cross-entropy as torch.logsumexp of logit differences, on s·(cosines − m·one_hot) (autograd gradient)",
)
def cosface(c, labels, reduction, scale=64.0, margin=0.35):
    logits = c - margin * F.one_hot(labels, c.shape[-1]).to(c.dtype)
    return _cross_entropy_of_differences(scale * logits, labels, reduction)


def _cross_entropy_of_differences(z, labels, reduction):
    # F.cross_entropy's value, written as LSE_j(z_j − z_y) with the target's own difference held
    # at 0: autograd's ∂/∂z_y is then −Σ_{j≠y} p_j, a sum of small terms. F.cross_entropy's
    # p_y − 1 loses the last digits when p_y ≈ 1, which s = 64 makes common (measured: 3e-6
    # relative, 2e-15 absolute, on a gradient entry of 5e-10; lossref agreed with mpmath)
    one_hot = F.one_hot(labels, z.shape[-1]).bool()
    d = torch.where(one_hot, torch.zeros_like(z), z - z.gather(-1, labels[..., None]))
    return _reduce(torch.logsumexp(d, dim=-1), reduction)


@torch_reference("center", "the formula in PyTorch, the centers indexed by the labels (autograd gradient)")
def center(x, labels, reduction, centers):
    centers = torch.as_tensor(centers, dtype=torch.float64)
    return _reduce(0.5 * ((x - centers[labels]) ** 2).sum(-1), reduction)


# learning to rank: no built-ins. RankNet is BCE with logits on the scaled score difference,
# ListNet a soft-target cross-entropy, ListMLE the Plackett–Luce likelihood written with
# logcumsumexp over the scores sorted by descending label (a stable sort: ties keep index order)


@torch_reference(
    "ranknet",
    "torch.nn.functional.binary_cross_entropy_with_logits on sigma * (s_i - s_j) (autograd gradients)",
)
def ranknet(si, sj, target, reduction, sigma=1.0):
    return F.binary_cross_entropy_with_logits(sigma * (si - sj), target, reduction=reduction)


@torch_reference("listnet", "torch.nn.functional.cross_entropy with the probability targets softmax(labels)")
def listnet(s, y, reduction):
    return F.cross_entropy(s, F.softmax(y, dim=-1), reduction=reduction)


@torch_reference(
    "listmle",
    "the Plackett-Luce likelihood with torch.logcumsumexp over the scores sorted by descending label "
    "(torch.argsort, stable) (autograd gradient)",
)
def listmle(s, y, reduction):
    order = torch.argsort(y, dim=-1, descending=True, stable=True)
    t = torch.gather(s, -1, order)
    suffix_lse = torch.logcumsumexp(t.flip(-1), dim=-1).flip(-1)  # log Σ_{j ≥ i} e^{t_j}
    return _reduce((suffix_lse - t).sum(-1), reduction)


@torch_reference("poisson_nll", "torch.nn.functional.poisson_nll_loss")
def poisson_nll(x, y, reduction, log_input=True, full=False, eps=1e-8):
    return F.poisson_nll_loss(x, y, log_input=log_input, full=full, eps=eps, reduction=reduction)


@torch_reference("gaussian_nll", "torch.nn.functional.gaussian_nll_loss")
def gaussian_nll(mean, y, var, reduction, full=False, eps=1e-6):
    return F.gaussian_nll_loss(mean, y, var, full=full, eps=eps, reduction=reduction)


@torch_reference(
    "gan_discriminator",
    "torch.nn.functional.binary_cross_entropy_with_logits (minimax); the other variants' formulas in "
    "PyTorch (autograd gradients)",
)
def gan_discriminator(r, f, reduction, variant="minimax"):
    if variant == "minimax":  # BCE with logits against 1 for real and 0 for fake
        loss = F.binary_cross_entropy_with_logits(
            r, torch.ones_like(r), reduction="none"
        ) + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f), reduction="none")
    elif variant == "least_squares":
        loss = 0.5 * (r - 1) ** 2 + 0.5 * f**2
    elif variant == "wasserstein":
        loss = f - r
    else:
        loss = F.relu(1 - r) + F.relu(1 + f)
    return _reduce(loss, reduction)


@torch_reference(
    "gan_generator",
    "torch.nn.functional.binary_cross_entropy_with_logits (non-saturating, saturating); the other "
    "variants' formulas in PyTorch (autograd gradient)",
)
def gan_generator(f, reduction, variant="non_saturating"):
    if variant == "non_saturating":
        loss = F.binary_cross_entropy_with_logits(f, torch.ones_like(f), reduction="none")
    elif variant == "saturating":  # log(1 − σ(f)) = −BCE(f, 0)
        loss = -F.binary_cross_entropy_with_logits(f, torch.zeros_like(f), reduction="none")
    elif variant == "least_squares":
        loss = 0.5 * (f - 1) ** 2
    else:
        loss = -f
    return _reduce(loss, reduction)


@torch_reference(
    "vae_elbo",
    "torch.nn.functional.binary_cross_entropy / mse_loss summed per row, plus the closed-form KL in "
    "PyTorch (autograd gradients)",
)
def vae_elbo(x_recon, x, mu, log_var, reduction, beta=1.0, reconstruction="bce"):
    if reconstruction == "bce":
        rec = F.binary_cross_entropy(x_recon, x, reduction="none").sum(-1)
    else:
        rec = F.mse_loss(x_recon, x, reduction="none").sum(-1)
    kl = -0.5 * torch.sum(1 + log_var - mu**2 - log_var.exp(), dim=-1)
    return _reduce(rec + beta * kl, reduction)


@torch_reference("diffusion_noise_mse", "torch.nn.functional.mse_loss, averaged per row")
def diffusion_noise_mse(noise_pred, noise, reduction):
    return _reduce(F.mse_loss(noise_pred, noise, reduction="none").mean(-1), reduction)


# Segmentation: no PyTorch function; the textbook formulas per row (pixels on the last axis),
# with 1 − ratio computed naively, so autograd gives an independent quotient-rule gradient
@torch_reference("dice", "the formula in PyTorch (autograd gradient)")
def dice(p, t, reduction, smooth=1.0):
    inter = (p * t).sum(-1)
    return _reduce(1 - (2 * inter + smooth) / (p.sum(-1) + t.sum(-1) + smooth), reduction)


@torch_reference("jaccard", "the formula in PyTorch (autograd gradient)")
def jaccard(p, t, reduction, smooth=1.0):
    inter = (p * t).sum(-1)
    return _reduce(1 - (inter + smooth) / (p.sum(-1) + t.sum(-1) - inter + smooth), reduction)


def _tversky_index(p, t, alpha, beta, smooth):
    tp, fp, fn = (p * t).sum(-1), (p * (1 - t)).sum(-1), ((1 - p) * t).sum(-1)
    return (tp + smooth) / (tp + alpha * fp + beta * fn + smooth)


@torch_reference("tversky", "the formula in PyTorch (autograd gradient)")
def tversky(p, t, reduction, alpha=0.5, beta=0.5, smooth=1.0):
    return _reduce(1 - _tversky_index(p, t, alpha, beta, smooth), reduction)


@torch_reference("focal_tversky", "the formula in PyTorch (autograd gradient)")
def focal_tversky(p, t, reduction, alpha=0.3, beta=0.7, gamma=0.75, smooth=1.0):
    return _reduce((1 - _tversky_index(p, t, alpha, beta, smooth)) ** gamma, reduction)


# preference losses: no built-ins; each is the paper's formula in PyTorch (autograd gradients)
@torch_reference("bradley_terry", "the formula in PyTorch with F.logsigmoid (autograd gradients)")
def bradley_terry(chosen, rejected, reduction, margin=0.0):
    return _reduce(-F.logsigmoid(chosen - rejected - margin), reduction)


@torch_reference(
    "dpo",
    "the paper's formula in PyTorch with F.logsigmoid (autograd gradients for both policy arguments)",
)
def dpo(pc, pr, rc, rr, reduction, beta=0.1, label_smoothing=0.0):
    logits = beta * ((pc - rc) - (pr - rr))  # Rafailov et al. (2023), eq. 7; cDPO smoothing
    return _reduce(
        -(1 - label_smoothing) * F.logsigmoid(logits) - label_smoothing * F.logsigmoid(-logits), reduction
    )


@torch_reference(
    "ppo_clip",
    "the paper's formula in PyTorch with torch.min and torch.clamp (autograd gradient)",
)
def ppo_clip(log_probs, old_log_probs, advantages, reduction, clip_eps=0.2):
    ratio = torch.exp(log_probs - old_log_probs)  # Schulman et al. (2017), eq. 7, negated
    surrogate = torch.min(ratio * advantages, torch.clamp(ratio, 1 - clip_eps, 1 + clip_eps) * advantages)
    return _reduce(-surrogate, reduction)


# penalties: what a training loop adds to its loss
@torch_reference("l2_penalty", "the formula in PyTorch (autograd gradient)")
def l2_penalty(params, reduction, strength=1.0):
    return _reduce(0.5 * strength * params**2, reduction)


@torch_reference("l1_penalty", "the formula in PyTorch with Tensor.abs (autograd gradient; 0 at 0)")
def l1_penalty(params, reduction, strength=1.0):
    return _reduce(strength * params.abs(), reduction)


@torch_reference("elastic_net_penalty", "the formula in PyTorch (autograd gradient)")
def elastic_net_penalty(params, reduction, strength=1.0, l1_ratio=0.5):
    return _reduce(strength * (l1_ratio * params.abs() + 0.5 * (1 - l1_ratio) * params**2), reduction)


MEAN_SCALE = {
    "ctc": lambda xs, hyper: (
        1 / xs[3].clamp_min(1) if hyper.get("normalize", "target_length") == "target_length" else 1.0
    ),
}


def evaluate(name, args, hyper, reduction, weights=None, argnum=0):
    """PyTorch's value and gradient (w.r.t. ``args[argnum]``, the first by default) for one case.

    With ``weights`` the reduction is the weighted mean Σwℓ/Σw over PyTorch's own
    per-sample losses (PyTorch has no such argument on most losses).

    Returns:
        ``(value, grad)``: a float or nested list, and a nested list or None for "none".
    """
    xs = [
        torch.tensor(a, dtype=torch.float64) if i in (0, argnum) else torch.tensor(a)
        for i, a in enumerate(args)
    ]
    xs[argnum].requires_grad_(True)
    fn = TORCH_REFERENCES[name][0]
    if weights is not None and "weights" in inspect.signature(fn).parameters:  # RMSE: weights inside the root
        out = fn(*xs, reduction, weights=torch.tensor(weights, dtype=torch.float64), **hyper)
    elif weights is not None:
        w = torch.tensor(weights, dtype=torch.float64)
        per_sample = fn(*xs, "none", **hyper)
        if reduction == "mean" and name in MEAN_SCALE:  # CTC's mean divides by the target lengths
            per_sample = per_sample * MEAN_SCALE[name](xs, hyper)
        out = (w * per_sample).sum() / w.sum() if reduction == "mean" else (w * per_sample).sum()
    else:
        out = fn(*xs, reduction, **hyper)
    if reduction == "none":
        return out.detach().tolist(), None
    if not out.requires_grad:  # zero_one: argmax has no gradient, only the value is compared
        return float(out), None
    out.backward()
    return float(out.detach()), xs[argnum].grad.tolist()


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
    p = t([1e-15, 0.3, 1e-300], requires_grad=True)
    loss = F.binary_cross_entropy(p, t([0.0, 1.0, 1.0]), reduction="none")
    loss.sum().backward()
    out["pytorch-bce-grad-clamps-denominator"] = {
        "args": [[1e-15, 0.3, 1e-300], [0.0, 1.0, 1.0]],
        "torch_none": loss.detach().tolist(),
        "torch_grad": p.grad.tolist(),
    }
    probs, y, w = [0.2, 0.7, 0.9], [0.0, 1.0, 0.0], [1.0, 2.0, 0.5]
    out["pytorch-bce-weight-denominator"] = {
        "args": [probs, y],
        "weights": w,
        "torch_mean": float(F.binary_cross_entropy(t(probs), t(y), weight=t(w))),
    }
    logits = [-1.0, 0.5, 2.0]
    out["pytorch-bcewithlogits-weight-denominator"] = {
        "args": [logits, y],
        "weights": w,
        "torch_mean": float(F.binary_cross_entropy_with_logits(t(logits), t(y), weight=t(w))),
    }
    z = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4).sin()  # (N, C, d)
    labels = t([[0, 1, 2, 1], [2, 2, 0, 1]])
    out["pytorch-ce-class-axis"] = {
        "logits_nc_d": z.tolist(),
        "labels": labels.tolist(),
        "torch_mean": float(F.cross_entropy(z, labels)),
    }
    z2 = t([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    out["pytorch-ce-all-ignored"] = {
        "args": [z2.tolist(), [1, 1]],
        "ignore_index": 1,
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
        "args": [probs2.log().tolist(), [0, 0]],
        "ignore_index": 0,
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
        "args": [[1e4, -1e4, 2.0], [1.0, 0.0, 1.0]],
        "gamma": 0.5,
        "torch_grad": x.grad.tolist(),
    }
    scores = t([[0.1, 0.2, 0.4, 0.8]])
    indices = {"padded": [[3, 0, -1, 1]], "repeated": [[3, 3, -1, 0]], "single": [[3, -1, -1, -1]]}
    out["pytorch-multilabel-margin-target-encoding"] = {
        "scores": scores.tolist(),
        "indices": indices,
        "torch_none": {
            k: F.multilabel_margin_loss(scores, t(v), reduction="none").tolist() for k, v in indices.items()
        },
    }
    x = t([-1e4, -800.0, 2.0], requires_grad=True)
    F.soft_margin_loss(x, t([1.0, 1.0, -1.0]), reduction="sum").backward()
    out["pytorch-soft-margin-overflow"] = {
        "args": [[-1e4, -800.0, 2.0], [1.0, 1.0, -1.0]],
        "torch_none": F.soft_margin_loss(x.detach(), t([1.0, 1.0, -1.0]), reduction="none").tolist(),
        "torch_grad": x.grad.tolist(),
    }
    z5 = torch.arange(15, dtype=torch.float64).reshape(5, 3).cos() * 2
    y5, counts = t([0, 0, 0, 1, 2]), [500, 50, 5]
    w5 = _class_balanced_weights(counts, 0.9999)
    out["pytorch-class-weighted-ce-mean"] = {
        "args": [z5.tolist(), y5.tolist()],
        "samples_per_class": counts,
        "torch_weights": w5.tolist(),
        "torch_mean": float(F.cross_entropy(z5, y5, weight=w5)),
        "torch_sum": float(F.cross_entropy(z5, y5, weight=w5, reduction="sum")),
    }
    out.update(_probability_and_pair_differences())
    out.update(_ctc_differences())
    return out


# Framework recipes the pages print, executed as written: the golden file keeps the code with
# PyTorch's result, and tests/test_differences.py checks the code is the text in the metadata.
JS_DIV_RECIPE = (
    "log_m = torch.logaddexp(a, b) - math.log(2)",
    'loss = 0.5 * F.kl_div(log_m, a, reduction="batchmean", log_target=True)'
    ' + 0.5 * F.kl_div(log_m, b, reduction="batchmean", log_target=True)',
)


def _run_recipe(lines, a, b):
    a = torch.tensor(a, requires_grad=True)
    scope = {"torch": torch, "F": F, "math": math, "a": a, "b": torch.tensor(b)}
    exec("\n".join(lines), scope)
    scope["loss"].backward()
    return float(scope["loss"].detach()), a.grad.tolist()


def recipes():
    """PyTorch's result for each recipe; for js_div also the recipe without ``batchmean``."""
    z = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    a, b = F.log_softmax(z.sin() * 2, dim=-1).tolist(), F.log_softmax(z.cos(), dim=-1).tolist()
    value, grad = _run_recipe(JS_DIV_RECIPE, a, b)
    with warnings.catch_warnings():  # PyTorch warns that "mean" is not "batchmean": the point here
        warnings.simplefilter("ignore", UserWarning)
        default_mean, _ = _run_recipe(
            [line.replace('reduction="batchmean", ', "") for line in JS_DIV_RECIPE], a, b
        )
    return {
        "js_div": {
            "code": list(JS_DIV_RECIPE),
            "args": [a, b],
            "torch_value": value,
            "torch_grad": grad,
            "torch_value_default_mean": default_mean,
        }
    }


def _ctc_differences():
    """F.ctc_loss's own backward (no correction) and its infinite loss, batch-first in the JSON."""
    out = {}
    z = torch.arange(30, dtype=torch.float64).reshape(2, 5, 3).sin() * 2
    lp = F.log_softmax(z, dim=-1)
    targets, input_lengths, target_lengths = [[1, 2], [2, 2]], [5, 4], [2, 2]
    x = lp.transpose(0, 1).detach().requires_grad_(True)
    F.ctc_loss(
        x, torch.tensor(targets), torch.tensor(input_lengths), torch.tensor(target_lengths), reduction="sum"
    ).backward()
    out["pytorch-ctc-grad-through-log-softmax"] = {
        "args": [lp.tolist(), targets, input_lengths, target_lengths],
        "torch_grad": x.grad.transpose(0, 1).tolist(),
    }
    x = lp[:1, :2].transpose(0, 1).detach().requires_grad_(True)  # 2 frames for "2 2": needs 3
    loss = F.ctc_loss(x, torch.tensor([[2, 2]]), torch.tensor([2]), torch.tensor([2]), reduction="sum")
    loss.backward()
    out["pytorch-ctc-infeasible"] = {
        "args": [lp[:1, :2].tolist(), [[2, 2]], [2], [2]],
        "torch_value": float(loss.detach()),
        "torch_grad": x.grad.transpose(0, 1).tolist(),
    }
    return out


def _probability_and_pair_differences():
    """PyTorch's side of the cross_entropy, cosine_embedding and margin_ranking differences."""
    t = torch.tensor
    out = {}
    p = t([[0.0, 0.5, 0.5], [0.25, 0.75, 0.0]], requires_grad=True)
    loss = F.nll_loss(torch.log(p), t([1, 1]), reduction="sum")  # PyTorch's route for probabilities
    loss.backward()
    out["pytorch-log-probs-zero-nan-gradient"] = {
        "args": [p.tolist(), [1, 1]],
        "torch_sum": float(loss.detach()),
        "torch_grad": p.grad.tolist(),
    }
    x1, x2 = t([[1.0, 0.0], [1.0, 1.0]], requires_grad=True), t([[0.0, 2.0], [1.0, 3.0]])
    F.cosine_embedding_loss(x1, x2, t([-1.0, -1.0]), margin=0.0, reduction="sum").backward()
    out["pytorch-cosine-embedding-tie"] = {
        "args": [x1.tolist(), x2.tolist(), [-1.0, -1.0]],
        "torch_grad": x1.grad.tolist(),
    }
    a, b, y01 = t([[1.0, 2.0], [1.0, 0.0]], requires_grad=True), t([[2.0, 1.0], [1.0, 1.0]]), t([0.0, 1.0])
    loss = F.cosine_embedding_loss(a, b, y01, reduction="none")
    loss.sum().backward()
    out["pytorch-cosine-embedding-01-labels"] = {
        "args": [a.tolist(), b.tolist(), y01.tolist()],
        "torch_none": loss.tolist(),
        "torch_grad": a.grad.tolist(),
    }
    tiny = t([[1e-7, 0.0], [1e-6, 2e-6]])
    out["pytorch-cosine-embedding-float32-eps"] = {
        "args": [tiny.tolist(), tiny.tolist(), [1.0, 1.0]],
        "torch_none": F.cosine_embedding_loss(tiny, tiny, t([1.0, 1.0]), reduction="none").tolist(),
    }
    huge = t([[1e200, -1e200, 3e199], [1e200, -1e200, 3e199]])
    other = t([[1.0, -1.0, 0.3], [1e200, -1e200, 3e199]])  # parallel to huge: the exact loss is 0
    out["pytorch-cosine-embedding-overflow"] = {
        "args": [huge.tolist(), other.tolist(), [1.0, 1.0]],
        "torch_none": F.cosine_embedding_loss(huge, other, t([1.0, 1.0]), reduction="none").tolist(),
    }
    s1 = t([1.0, 2.0, 0.5], requires_grad=True)
    F.margin_ranking_loss(
        s1, t([1.0, 1.5, 0.5]), t([1.0, -1.0, -1.0]), margin=0.0, reduction="sum"
    ).backward()
    out["pytorch-margin-ranking-tie"] = {
        "args": [[1.0, 2.0, 0.5], [1.0, 1.5, 0.5], [1.0, -1.0, -1.0]],
        "torch_grad": s1.grad.tolist(),
    }
    s2 = t([2.0, 0.5], requires_grad=True)
    loss = F.margin_ranking_loss(s2, t([1.0, 1.0]), t([0.0, 1.0]), margin=0.3, reduction="none")
    loss.sum().backward()
    out["pytorch-margin-ranking-01-labels"] = {
        "args": [[2.0, 0.5], [1.0, 1.0], [0.0, 1.0]],
        "margin": 0.3,
        "torch_none": loss.tolist(),
        "torch_grad": s2.grad.tolist(),
    }
    rates, counts = [-1.0, 2.0, 3.0], [2.0, -1.0, 1.0]
    out["pytorch-poisson-nll-invalid-input"] = {
        "rates": rates,
        "counts": counts,
        "log_rates": [800.0, 0.5],
        "torch_none_rates": F.poisson_nll_loss(
            t(rates), t(counts), log_input=False, reduction="none"
        ).tolist(),
        "torch_none_log_rates": F.poisson_nll_loss(t([800.0, 0.5]), t([1.0, 1.0]), reduction="none").tolist(),
    }
    mu, y, var = t([0.5, 0.2]), t([0.0, 0.0]), t([1e-8, 0.5], requires_grad=True)
    F.gaussian_nll_loss(mu, y, var, reduction="sum").backward()
    out["pytorch-gaussian-nll-var-gradient-below-eps"] = {
        "args": [mu.tolist(), y.tolist(), var.tolist()],
        "torch_sum": float(F.gaussian_nll_loss(mu, y, var.detach(), reduction="sum")),
        "torch_grad_var": var.grad.tolist(),
    }
    out["pytorch-gaussian-nll-zero-var"] = {
        "args": [[0.5, 1.0], [0.0, 0.0], [0.0, 1.0]],
        "torch_none": F.gaussian_nll_loss(
            t([0.5, 1.0]), t([0.0, 0.0]), t([0.0, 1.0]), reduction="none"
        ).tolist(),
    }
    mean3 = torch.arange(6, dtype=torch.float64).reshape(3, 2).sin()
    y3, var3 = torch.zeros(3, 2), t([0.5, 1.0, 2.0])
    out["pytorch-gaussian-nll-shared-var"] = {
        "mean": mean3.tolist(),
        "y_true": y3.tolist(),
        "var": var3.tolist(),
        "torch_mean": float(F.gaussian_nll_loss(mean3, y3, var3)),
    }
    return out


# --- issue 19: classification losses PyTorch has no function for, as recipes --------------


def _target_distribution(t, num_classes, dtype):
    """One-hot rows for integer labels; a probability target passes through."""
    return F.one_hot(t, num_classes).to(dtype) if not t.is_floating_point() else t


@torch_reference("brier_score", "the formula in PyTorch with F.one_hot (autograd gradient)")
def brier_score(p, t, reduction):
    q = _target_distribution(t, p.shape[-1], p.dtype)
    return _reduce(((p - q) ** 2).sum(-1), reduction)


@torch_reference(
    "poly1_cross_entropy", "torch.nn.functional.cross_entropy plus ε (1 − p_y) (autograd gradient)"
)
def poly1_cross_entropy(z, t, reduction, epsilon=1.0):
    ce = F.cross_entropy(z, t, reduction="none")
    return _reduce(ce - epsilon * torch.expm1(-ce), reduction)  # 1 − p_y = −expm1(log p_y)


@torch_reference(
    "generalized_cross_entropy",
    "(1 − p_y^q)/q with p_y = exp(−F.cross_entropy) (q = 0: F.cross_entropy; autograd gradient)",
)
def generalized_cross_entropy(z, t, reduction, q=0.7):
    ce = F.cross_entropy(z, t, reduction="none")
    return _reduce(ce if q == 0 else -torch.expm1(-q * ce) / q, reduction)


@torch_reference(
    "symmetric_cross_entropy", "α F.cross_entropy + β RCE with F.one_hot and log 0 := A (autograd gradient)"
)
def symmetric_cross_entropy(z, t, reduction, alpha=0.1, beta=1.0, log_floor=-4.0):
    # RCE as Wang et al. define it, −Σ_c p_c log q_c with log 0 replaced by A (not its closed form)
    one_hot = F.one_hot(t, z.shape[-1]).to(z.dtype)
    log_q = torch.where(one_hot > 0, torch.zeros_like(one_hot), torch.full_like(one_hot, log_floor))
    rce = -(F.softmax(z, dim=-1) * log_q).sum(-1)
    return _reduce(alpha * F.cross_entropy(z, t, reduction="none") + beta * rce, reduction)


@torch_reference("logit_adjusted_cross_entropy", "torch.nn.functional.cross_entropy on z + τ log π")
def logit_adjusted_cross_entropy(z, t, reduction, class_priors, tau=1.0):
    prior = torch.as_tensor(class_priors, dtype=torch.float64)
    return F.cross_entropy(z + tau * torch.log(prior), t, reduction=reduction)


@torch_reference("balanced_softmax", "torch.nn.functional.cross_entropy on z + log n")
def balanced_softmax(z, t, reduction, class_counts):
    return F.cross_entropy(
        z + torch.log(torch.as_tensor(class_counts, dtype=torch.float64)), t, reduction=reduction
    )


@torch_reference(
    "ldam",
    "the cross-entropy of s (z − Δ_y e_y) as torch.logsumexp(u − u_y) (label entry 0), Δ from the "
    "counts in PyTorch (autograd gradient)",
)
def ldam(z, t, reduction, class_counts, max_margin=0.5, scale=30.0):
    # −log softmax(u)_y = log Σ_c e^{u_c − u_y}: its autograd gradient at the label is −Σ_{c≠y} p_c, which
    # keeps its digits when s = 30 saturates the softmax (F.cross_entropy's p_y − 1 rounds to 0 there)
    inverse = torch.as_tensor(class_counts, dtype=torch.float64) ** -0.25
    margins = max_margin * inverse / inverse.max()
    one_hot = F.one_hot(t, z.shape[-1]).to(z.dtype)
    u = scale * (z - one_hot * margins[t][..., None])
    # the label's own entry is the constant 0 (not u_y − u_y, whose two autograd paths would cancel to p_y
    # − Σ p)
    d = torch.where(one_hot > 0, torch.zeros_like(u), u - u.gather(-1, t[..., None]))
    return _reduce(torch.logsumexp(d, dim=-1), reduction)


# --- issue 19: segmentation ---------------------------------------------------------------------


@torch_reference(
    "generalized_dice",
    "MONAI 1.5.0's GeneralizedDiceLoss algorithm in PyTorch (w = 1/(Σt)², infinite weights replaced by "
    "the sample's largest; autograd gradient)",
)
def generalized_dice(p, t, reduction, smooth=1e-5):
    # monai/losses/dice.py at 1.5.0, on (N, C, P): 1/(Σt)² as it stands, then each sample's
    # infinite weights set to its largest finite one (0 when every class is empty)
    w = 1.0 / t.sum(-1) ** 2
    infs = torch.isinf(w)
    w = torch.where(infs, 0.0, w)
    w = w + infs * w.max(dim=-1, keepdim=True).values
    inter = (w * (p * t).sum(-1)).sum(-1)
    total = (w * (p.sum(-1) + t.sum(-1))).sum(-1)
    return _reduce(1 - (2 * inter + smooth) / (total + smooth), reduction)


@torch_reference("mcc", "smp's MCCLoss formula (v0.5.0) per row in PyTorch (autograd gradient)")
def mcc(p, t, reduction, eps=1e-5):
    # segmentation_models_pytorch/losses/mcc.py (v0.5.0), summed per row instead of over the batch
    tp, tn = (p * t).sum(-1) + eps, ((1 - p) * (1 - t)).sum(-1) + eps
    fp, fn = (p * (1 - t)).sum(-1) + eps, ((1 - p) * t).sum(-1) + eps
    corr = (tp * tn - fp * fn) / torch.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return _reduce(1 - corr, reduction)


# --- issue 19: ranking --------------------------------------------------------------------------


def _ndcg_swap_weights(s, y, k=None):
    # |ΔNDCG_ij| for pairs y_i > y_j from the ranking by s (a stable sort: ties keep index order),
    # outside autograd: the weights are held constant
    with torch.no_grad():
        n = s.shape[-1]
        rank = torch.argsort(torch.argsort(-s, dim=-1, stable=True), dim=-1)
        gains = 2.0**y - 1
        positions = torch.arange(n, dtype=s.dtype)
        top = (positions < (n if k is None else k)).to(s.dtype)
        ideal = (torch.sort(gains, dim=-1, descending=True).values * top / torch.log2(2 + positions)).sum(-1)
        disc = 1 / torch.log2(2 + rank.to(s.dtype))
        pair = y[..., :, None] > y[..., None, :]
        if k is not None:
            pair &= torch.minimum(rank[..., :, None], rank[..., None, :]) < k
        delta = (gains[..., :, None] - gains[..., None, :]) * (disc[..., :, None] - disc[..., None, :]).abs()
        return torch.where(pair, delta / torch.where(ideal > 0, ideal, 1.0)[..., None, None], 0.0)


@torch_reference(
    "lambdarank",
    "RankNet's F.softplus on the pair differences, weighted by |ΔNDCG| computed under torch.no_grad "
    "(autograd gradient)",
)
def lambdarank(s, y, reduction, sigma=1.0, truncation=None):
    w = _ndcg_swap_weights(s, y, truncation)
    return _reduce((w * F.softplus(-sigma * (s[..., :, None] - s[..., None, :]))).sum((-2, -1)), reduction)


@torch_reference(
    "approx_ndcg",
    "Qin et al.'s formula in PyTorch: ranks 1 + Σ torch.sigmoid((s_j − s_i)/τ), NDCG against the ideal DCG "
    "(autograd gradient)",
)
def approx_ndcg(s, y, reduction, weights=None, temperature=0.1):
    n = s.shape[-1]
    pairs = torch.sigmoid((s[..., None, :] - s[..., :, None]) / temperature)
    ranks = 1 + pairs.sum(-1) - 0.5  # the j = i term is σ(0) = ½
    gains = 2.0**y - 1
    ideal = (torch.sort(gains, dim=-1, descending=True).values / torch.log2(2 + torch.arange(n))).sum(-1)
    relevant = ideal > 0  # lists without a relevant item: 0, and out of the mean
    ndcg = (gains / torch.log2(1 + ranks)).sum(-1) / torch.where(relevant, ideal, 1.0)
    values = torch.where(relevant, 1 - ndcg, 0.0)
    w = torch.ones_like(values) if weights is None else weights
    if reduction == "mean":
        return (w * values).sum() / (w * relevant).sum()
    return _reduce(w * values if weights is not None else values, reduction)


# --- issue 19: margin, detection and image losses ------------------------------------------


@torch_reference("hinge_embedding", "torch.nn.functional.hinge_embedding_loss")
def hinge_embedding(x, y, reduction, margin=1.0):
    return F.hinge_embedding_loss(x, y, margin=margin, reduction=reduction)


@torch_reference("multilabel_soft_margin", "torch.nn.functional.multilabel_soft_margin_loss")
def multilabel_soft_margin(z, t, reduction, class_weights=None):
    w = None if class_weights is None else torch.as_tensor(class_weights)
    return F.multilabel_soft_margin_loss(z, t, weight=w, reduction=reduction)


_differences_before_issue_19 = differences


def differences():  # extends the table above; appended, so parallel additions merge cleanly
    """``differences()`` above, plus those of the losses added for issue 19."""
    out = _differences_before_issue_19()
    x = torch.tensor([0.3, 0.3, 2.0])
    out["pytorch-hinge-embedding-other-labels"] = {
        "inputs": x.tolist(),
        "labels": [0.0, 1.0, 0.0],
        "torch_none": F.hinge_embedding_loss(x, torch.tensor([0.0, 1.0, 0.0]), reduction="none").tolist(),
    }
    return out


# Boxes: torchvision is not installed here (its wheel pulls CUDA builds of torch), so its
# formulas (torchvision 0.28.0, torchvision/ops/_utils.py _loss_inter_union, giou_loss.py,
# diou_loss.py _diou_iou_loss, ciou_loss.py) are written in plain PyTorch ops, with their eps as
# an argument: the golden cases use eps = 0 and differentiate α; differences() uses
# torchvision's own eps = 1e-7 and its no_grad α.
def _tv_inter_union(b, g):
    x1, y1, x2, y2 = b.unbind(-1)
    a1, b1, a2, b2 = g.unbind(-1)
    xk1, yk1, xk2, yk2 = torch.max(x1, a1), torch.max(y1, b1), torch.min(x2, a2), torch.min(y2, b2)
    overlap = (yk2 > yk1) & (xk2 > xk1)
    inter = torch.where(overlap, (xk2 - xk1) * (yk2 - yk1), torch.zeros_like(x1))
    union = (x2 - x1) * (y2 - y1) + (a2 - a1) * (b2 - b1) - inter
    return inter, union


def _tv_enclosing(b, g):
    x1, y1, x2, y2 = b.unbind(-1)
    a1, b1, a2, b2 = g.unbind(-1)
    return torch.max(x2, a2) - torch.min(x1, a1), torch.max(y2, b2) - torch.min(y1, b1)


def tv_giou(b, g, eps=1e-7):
    inter, union = _tv_inter_union(b, g)
    cw, ch = _tv_enclosing(b, g)
    area_c = cw * ch
    return 1 - (inter / (union + eps) - (area_c - union) / (area_c + eps))


def tv_diou(b, g, eps=1e-7):
    """torchvision's _diou_iou_loss: (1 − IoU + ρ²/(c² + eps), IoU)."""
    inter, union = _tv_inter_union(b, g)
    iou = inter / (union + eps)
    cw, ch = _tv_enclosing(b, g)
    diag2 = cw**2 + ch**2 + eps
    rho2 = ((b[..., 0] + b[..., 2]) / 2 - (g[..., 0] + g[..., 2]) / 2) ** 2 + (
        (b[..., 1] + b[..., 3]) / 2 - (g[..., 1] + g[..., 3]) / 2
    ) ** 2
    return 1 - iou + rho2 / diag2, iou


def tv_ciou(b, g, eps=1e-7, diou_eps=1e-7, alpha_no_grad=True):
    # torchvision calls _diou_iou_loss without its eps: the DIoU part always has 1e-7
    diou_loss, iou = tv_diou(b, g, diou_eps)
    w, h = b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]
    wg, hg = g[..., 2] - g[..., 0], g[..., 3] - g[..., 1]
    v = (4 / torch.pi**2) * torch.pow(torch.atan(wg / hg) - torch.atan(w / h), 2)
    if alpha_no_grad:
        with torch.no_grad():
            alpha = v / (1 - iou + v + eps)
    else:
        alpha = v / (1 - iou + v + eps)
    return diou_loss + alpha * v


@torch_reference(
    "giou", "torchvision 0.28.0's generalized_box_iou_loss formula in PyTorch, eps = 0 (autograd)"
)
def giou(b, g, reduction):
    return _reduce(tv_giou(b, g, eps=0.0), reduction)


@torch_reference("diou", "torchvision 0.28.0's distance_box_iou_loss formula in PyTorch, eps = 0 (autograd)")
def diou(b, g, reduction):
    return _reduce(tv_diou(b, g, eps=0.0)[0], reduction)


@torch_reference(
    "ciou",
    "torchvision 0.28.0's complete_box_iou_loss formula in PyTorch, eps = 0, α differentiated (autograd)",
)
def ciou(b, g, reduction):
    return _reduce(tv_ciou(b, g, eps=0.0, diou_eps=0.0, alpha_no_grad=False), reduction)


_differences_before_boxes = differences


def differences():  # extends the table above; appended, so parallel additions merge cleanly
    """``differences()`` above, plus torchvision's eps and CIoU's α for the box losses."""
    out = _differences_before_boxes()
    # a box of 1e-4 × 2e-4 in normalised coordinates (area 2e-8, below eps), predicted exactly;
    # and boxes of tens of pixels, where eps = 1e-7 is negligible
    small = [[0.1, 0.1, 0.1001, 0.1002], [0.1, 0.1, 0.1001, 0.1002]]
    pixels = [[10.0, 20.0, 50.0, 45.0], [12.0, 18.0, 47.0, 50.0]]
    for name, fn in (("giou", tv_giou), ("diou", lambda b, g: tv_diou(b, g)[0]), ("ciou", tv_ciou)):
        out[f"torchvision-{name}-eps"] = {
            "small": small,
            "pixels": pixels,
            "torchvision_small": float(fn(torch.tensor([small[0]]), torch.tensor([small[1]]))[0]),
            "torchvision_pixels": float(fn(torch.tensor([pixels[0]]), torch.tensor([pixels[1]]))[0]),
        }
    b = torch.tensor([[0.0, 0.0, 2.0, 1.0], [0.5, 0.2, 1.0, 2.0]], requires_grad=True)
    g = torch.tensor([[0.5, -0.5, 1.5, 1.5], [0.0, 0.0, 1.5, 1.0]])
    tv_ciou(b, g, eps=0.0, diou_eps=0.0, alpha_no_grad=True).sum().backward()
    out["torchvision-ciou-alpha-gradient"] = {
        "pred": b.detach().tolist(),
        "true": g.tolist(),
        "torchvision_grad": b.grad.tolist(),
    }
    return out


@torch_reference(
    "total_variation",
    "Kornia 0.8.3's total_variation formula (kornia/losses/total_variation.py) in PyTorch, summed over "
    "channels (autograd)",
)
def total_variation(img, reduction):
    down = (img[..., 1:, :] - img[..., :-1, :]).abs()
    right = (img[..., :, 1:] - img[..., :, :-1]).abs()
    per_image = tuple(range(1, img.dim()))
    return _reduce(down.sum(dim=per_image) + right.sum(dim=per_image), reduction)


# --- issue 20: DPO's successors, written from TRL v1.9.0's trainers (autograd gradients) -------


@torch_reference(
    "simpo",
    "TRL v1.9.0's CPOTrainer loss_type='simpo' formula (trl/experimental/cpo/cpo_trainer.py, cpo_alpha=0, "
    "label_smoothing=0) in PyTorch on length-averaged log-probabilities (autograd gradients for both)",
)
def simpo(pc, pr, len_c, len_r, reduction, beta=2.0, gamma=1.0):
    logits = pc / len_c - pr / len_r - gamma / beta  # average_log_prob=True, then minus simpo_gamma / beta
    return _reduce(-F.logsigmoid(beta * logits), reduction)


@torch_reference(
    "ipo",
    "TRL v1.9.0's DPOTrainer loss_type=['ipo'] formula (trl/trainer/dpo_trainer.py) in PyTorch, on the "
    "log-ratios as given (TRL first divides each by its response's length; autograd gradients for both)",
)
def ipo(pc, pr, rc, rr, reduction, tau=0.1):
    ipo_delta = (pc - rc) - (pr - rr)  # TRL: chosen_avg_score - rejected_avg_score
    return _reduce((ipo_delta - 1 / (2 * tau)) ** 2, reduction)


@torch_reference(
    "ordinal_logistic",
    "torch.nn.functional.binary_cross_entropy_with_logits on the targets [y > k], summed over the K − 1 "
    "tasks (autograd gradient)",
)
def ordinal_logistic(z, t, reduction, task_weights=None):
    above = (t[..., None] > torch.arange(z.shape[-1])).to(z.dtype)
    w = None if task_weights is None else torch.as_tensor(task_weights, dtype=z.dtype)
    terms = F.binary_cross_entropy_with_logits(z, above, weight=w, reduction="none")
    return _reduce(terms.sum(-1), reduction)


def _trl_log1mexp(x):  # trl/experimental/orpo/orpo_trainer.py (v1.9.0): branch at −log 2
    return torch.where(x < -0.6931471805599453, torch.log1p(-torch.exp(x)), torch.log(-torch.expm1(x)))


@torch_reference(
    "orpo",
    "TRL v1.9.0's ORPOTrainer odds_ratio_loss (trl/experimental/orpo/orpo_trainer.py, its log1mexp) in "
    "float64 PyTorch on length-averaged log-probabilities, plus the chosen response's mean NLL (autograd)",
)
def orpo(pc, pr, len_c, len_r, reduction, lam=0.1):
    mc, mr = pc / len_c, pr / len_r  # get_batch_logps(average_log_prob=True)
    log_odds = (mc - mr) - (_trl_log1mexp(mc) - _trl_log1mexp(mr))
    return _reduce(-mc - lam * F.logsigmoid(log_odds), reduction)


@torch_reference(
    "kto",
    "TRL v1.9.0's KTOTrainer loss_type='kto' formula (trl/trainer/kto_trainer.py) in PyTorch with the "
    "reference point z₀ given and detached, as TRL's kl is (autograd gradient)",
)
def kto(
    policy, ref, desirable, reduction, reference_point, beta=0.1, desirable_weight=1.0, undesirable_weight=1.0
):
    logratios = policy - ref
    kl = torch.as_tensor(reference_point, dtype=logratios.dtype).detach()
    chosen_losses = 1 - F.sigmoid(beta * (logratios - kl))
    rejected_losses = 1 - F.sigmoid(beta * (kl - logratios))
    losses = torch.where(
        desirable == 1, desirable_weight * chosen_losses, undesirable_weight * rejected_losses
    )
    return _reduce(losses, reduction)  # TRL: torch.cat(...).nanmean(), a mean over the batch


# --- issue 20: RL fine-tuning terms (autograd gradients) ---------------------------------------


@torch_reference("entropy_bonus", "-torch.distributions.Categorical(logits=z).entropy() (autograd gradient)")
def entropy_bonus(z, reduction):
    return _reduce(-torch.distributions.Categorical(logits=z).entropy(), reduction)


@torch_reference(
    "kl_penalty",
    "TRL v1.9.0's per-token KL formulas in PyTorch (trl/experimental/ppo/ppo_trainer.py: k1 = −logr, "
    "k3 = (logr.exp() − 1) − logr; trl/trainer/grpo_trainer.py: k3; k2 = logr²/2 from Schulman 2020), "
    "logr = ref − logp (autograd gradient)",
)
def kl_penalty(log_probs, ref_log_probs, reduction, estimator="k3"):
    logr = ref_log_probs - log_probs
    k = {"k1": lambda: -logr, "k2": lambda: logr**2 / 2, "k3": lambda: (logr.exp() - 1) - logr}[estimator]()
    return _reduce(k, reduction)


@torch_reference(
    "ppo_value",
    "TRL v1.9.0's clipped value loss in PyTorch (trl/experimental/ppo/ppo_trainer.py: 0.5 · torch.max of "
    "the squared errors of vpred and of torch.clamp(vpred, V_old ± cliprange_value); autograd gradient)",
)
def ppo_value(values, old_values, returns, reduction, clip=0.2):
    if clip is None:
        return _reduce(0.5 * (values - returns) ** 2, reduction)
    clipped = torch.clamp(values, old_values - clip, old_values + clip)
    return _reduce(0.5 * torch.max((values - returns) ** 2, (clipped - returns) ** 2), reduction)


# self-supervised losses (issue 20)
@torch_reference(
    "siglip",
    "Zhai et al. (2023)'s sigmoid loss in PyTorch with F.normalize and F.logsigmoid, summed over texts "
    "(as big_vision's SigLIP trainer, commit 179d020; autograd gradients for both embeddings)",
)
def siglip(x, y, reduction, logit_scale=10.0, logit_bias=-10.0):
    x, y = F.normalize(x, dim=-1, eps=0.0), F.normalize(y, dim=-1, eps=0.0)
    z = 2 * torch.eye(x.shape[0], dtype=x.dtype) - 1  # +1 for the matching pair, −1 for the others
    loss = -F.logsigmoid(z * (logit_scale * x @ y.T + logit_bias)).sum(dim=1)
    return _reduce(loss, reduction)


@torch_reference(
    "byol",
    "2 - 2 * torch.nn.functional.cosine_similarity(p, z.detach()) (BYOL / SimSiam; autograd gradient for p)",
)
def byol(p, z, reduction):
    return _reduce(2 - 2 * F.cosine_similarity(p, z.detach(), dim=-1), reduction)


_differences_before_ssl = differences


def differences():  # extends the table above; appended, so parallel additions merge cleanly
    """``differences()`` above, plus F.cosine_similarity's ε = 1e-8 for byol."""
    out = _differences_before_ssl()
    # ‖p‖ = 1e-9 and 5e-9, below ε = 1e-8: PyTorch's cosine shrinks by ‖p‖/ε; a huge row's norm overflows
    p = torch.tensor([[1e-9, 0.0], [3e-9, 4e-9], [1e200, -1e200]])
    z = torch.tensor([[1.0, 1.0], [3.0, 4.0], [1e200, -1e200]])
    out["pytorch-cosine-similarity-eps"] = {
        "args": [p.tolist(), z.tolist()],
        "torch_none": (2 - 2 * F.cosine_similarity(p, z, dim=-1)).tolist(),
    }
    return out


@torch_reference(
    "vicreg",
    "VICReg.forward of facebookresearch/vicreg (main_vicreg.py, commit b42aa23) in PyTorch: F.mse_loss, "
    "Tensor.var (unbiased), off-diagonal covariances; per row its invariance term plus the batch terms "
    "(autograd gradients for both views)",
)
def vicreg(x, y, reduction, invariance=25.0, variance=25.0, covariance=1.0, gamma=1.0, eps=1e-4):
    n, d = x.shape
    shared = 0
    for v in (x, y):
        vc = v - v.mean(dim=0)
        shared = shared + variance * F.relu(gamma - torch.sqrt(v.var(dim=0) + eps)).mean() / 2
        cov = vc.T @ vc / (n - 1)
        shared = shared + covariance * (cov - torch.diag(torch.diagonal(cov))).pow(2).sum() / d
    return _reduce(invariance * (x - y).pow(2).mean(dim=1) + shared, reduction)


@torch_reference(
    "barlow_twins",
    "torch.nn.functional.batch_norm(training=True) on each view (BatchNorm1d(affine=False), as "
    "facebookresearch/barlowtwins' main.py at commit 046eec3), then the cross-correlation loss "
    "(autograd gradients for both views)",
)
def barlow_twins(x, y, reduction, lambd=5e-3, eps=1e-5):
    def bn(v):  # F.batch_norm refuses eps = 0 in training mode: then its formula, written out
        if eps > 0:
            return F.batch_norm(v, None, None, training=True, eps=eps)
        return (v - v.mean(dim=0)) / v.var(dim=0, unbiased=False).sqrt()

    a, b = bn(x), bn(y)
    c = a.T @ b / x.shape[0]
    on = (1 - torch.diagonal(c)).pow(2).sum()
    off = (c - torch.diag(torch.diagonal(c))).pow(2).sum()
    return _reduce((on + lambd * off).expand(x.shape[0]), reduction)
