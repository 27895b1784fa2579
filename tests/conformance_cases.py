"""The conformance cases: inputs for which PyTorch's answer is stored in tests/golden/torch.json.

Random draws for every loss and hyperparameter variant (each reduction, and a weighted
mean), the extra input paths (probability targets, ignore_index, per-class pos_weight,
log targets) and each loss's extremes (``Checks.torch_extremes``). Deterministic: the same list every run.
"""

import zlib

import numpy as np

import lossref

import torch_registry
from helpers import prepare, variants

BIG = 1e4

# Only losses with a @torch_reference (scripts/torch_reference.py) have golden cases; the others
# are compared elsewhere (their metadata's equivalents say where) and by mpmath.
WITH_TORCH = set(torch_registry.reference_names())


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _case(name, args, hyper, reduction, weights=None, kind="random", argnum=0):
    case = {
        "loss": name,
        "kind": kind,
        "args": [_jsonable(np.asarray(a)) for a in args],
        "hyper": _jsonable(hyper),
        "reduction": reduction,
        "weights": _jsonable(weights),
    }
    if argnum:  # the gradient is taken with respect to args[argnum] (absent: the first)
        case["argnum"] = argnum
    return case


def _argnums(loss, reduction):
    """The arguments a case's gradient is taken for: every differentiable one.

    Under "none", or for a loss with no gradient such as zero_one, only the value is compared,
    once.
    """
    if reduction == "none":
        return [0]
    return [loss.arg_names.index(name) for name in loss.differentiable] or [0]


# The losses of the golden file's first version draw their inputs from one shared generator,
# in catalog order; this record of them is frozen. Every loss added since draws from its own
# generator, seeded by its name, so adding one leaves every earlier case (and its random
# inputs) as it was, and needs no edit here.
FIRST_VERSION = frozenset(
    (
        "arcface",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "bradley_terry",
        "cauchy",
        "center",
        "charbonnier",
        "class_balanced",
        "contrastive",
        "cosface",
        "cosine_embedding",
        "cross_entropy",
        "ctc",
        "dice",
        "diffusion_noise_mse",
        "dpo",
        "elastic_net_penalty",
        "exponential",
        "focal_tversky",
        "gan_discriminator",
        "gan_generator",
        "gaussian_nll",
        "hinge",
        "huber",
        "info_nce",
        "jaccard",
        "js_div",
        "kl_div",
        "knowledge_distillation",
        "l1_penalty",
        "l2_penalty",
        "listmle",
        "listnet",
        "log_cosh",
        "lovasz_hinge",
        "lovasz_softmax",
        "mae",
        "mape",
        "margin_ranking",
        "modified_huber",
        "mse",
        "multiclass_hinge",
        "multilabel_margin",
        "n_pair",
        "nll",
        "poisson_nll",
        "ppo_clip",
        "quantile",
        "ranknet",
        "sequence_cross_entropy",
        "sigmoid_focal",
        "smape",
        "smooth_l1",
        "soft_margin",
        "softmax_cross_entropy",
        "softmax_focal",
        "sparse_categorical_cross_entropy",
        "squared_hinge",
        "supervised_contrastive",
        "triplet_margin",
        "tukey_biweight",
        "tversky",
        "vae_elbo",
    )
)
# the first two losses added later, drawn before seeds came from names
ADDED_LATER_SEEDS = {"rmse": 1, "zero_one": 2}


def _own_generator(name):
    return np.random.default_rng([2026, ADDED_LATER_SEEDS.get(name, zlib.crc32(name.encode()))])


def cases():
    rng = np.random.default_rng(2026)
    out = []
    for loss in lossref.catalog():
        if loss.name in FIRST_VERSION:
            out += _loss_cases(loss, rng)
    out += _extra_paths(rng)
    for loss in lossref.catalog():
        if loss.name not in FIRST_VERSION and loss.name in WITH_TORCH:
            out += _loss_cases(loss, _own_generator(loss.name))
    return out


def _loss_cases(loss, rng):
    """Random draws for each hyperparameter variant and reduction, a weighted mean, the extremes."""
    out = []
    for _, hyper in variants(loss):
        for _draw in range(2):
            args = prepare(loss, loss.sample_inputs(rng, batch=5, classes=4), hyper)
            for reduction in loss.reduction.choices:  # a penalty: "sum" and "none" only
                for argnum in _argnums(loss, reduction):
                    out.append(_case(loss.name, args, hyper, reduction, argnum=argnum))
    args = loss.sample_inputs(rng, batch=5, classes=4)
    if loss.reduction.accepts_weights:  # a coupled loss (InfoNCE) rejects weights=
        out.append(
            _case(
                loss.name,
                args,
                dict(loss.meta.required),
                loss.reduction.default,
                weights=rng.uniform(0.1, 3.0, size=5),
                kind="weights",
            )
        )
    # rows: the loss's arguments, then hyperparameters; "sum" and "none" where the loss has them
    # (RMSE: "mean")
    reductions = [r for r in ("sum", "none") if r in loss.reduction.choices] or list(loss.reduction.choices)
    for xs, hyper in loss.meta.checks.torch_extremes:
        for reduction in reductions:
            for argnum in _argnums(loss, reduction):
                out.append(_case(loss.name, xs, hyper, reduction, kind="extreme", argnum=argnum))
    return out


def _extra_paths(rng):
    """Input forms beyond the sampled defaults."""
    out = []
    z = rng.normal(scale=2.0, size=(6, 4))
    q = np.exp(z[::-1]) / np.exp(z[::-1]).sum(-1, keepdims=True)
    w = np.array([0.5, 2.0, 1.0, 3.0])
    labels = np.array([0, 2, 1, 2, 3, 2])
    for hyper in (
        {},
        {"label_smoothing": 0.2},
        {"class_weights": w},
        {"label_smoothing": 0.2, "class_weights": w},
    ):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("softmax_cross_entropy", [z, q], hyper, reduction, kind="probability-targets"))
            out.append(
                _case(
                    "softmax_cross_entropy",
                    [z, labels],
                    dict(hyper, ignore_index=2),
                    reduction,
                    kind="ignore-index",
                )
            )
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    for hyper in ({"ignore_index": 2}, {"ignore_index": 2, "class_weights": w}):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("nll", [log_p, labels], hyper, reduction, kind="ignore-index"))
    y = rng.integers(0, 2, size=(6, 4)).astype(float)
    for reduction in ("mean", "sum"):
        out.append(
            _case(
                "binary_cross_entropy_with_logits",
                [z, y],
                {"pos_weight": np.array([0.5, 1.0, 3.0, 9.0])},
                reduction,
                kind="per-class-pos-weight",
            )
        )
        out.append(
            _case(
                "binary_cross_entropy_with_logits",
                [z, rng.uniform(size=(6, 4))],
                {},
                reduction,
                kind="soft-labels",
            )
        )
        out.append(
            _case(
                "sigmoid_focal",
                [z, rng.uniform(size=(6, 4))],
                {"gamma": 1.5, "alpha": 0.4},
                reduction,
                kind="soft-labels",
            )
        )
    for hyper in ({"ignore_index": 2}, {"ignore_index": 2, "label_smoothing": 0.2, "class_weights": w}):
        for reduction in ("mean", "sum", "none"):
            out.append(
                _case("sparse_categorical_cross_entropy", [z, labels], hyper, reduction, kind="ignore-index")
            )
    # padded batches (B, T, V): a mask of real tokens; PyTorch sees label -100 there
    zs = rng.normal(scale=2.0, size=(3, 5, 4))
    lengths = np.array([5, 2, 3])
    mask = (np.arange(5) < lengths[:, None]).astype(float)
    tokens = np.where(mask > 0, rng.integers(0, 4, size=(3, 5)), -100)
    for hyper in (
        {"mask": mask},
        {"mask": mask, "label_smoothing": 0.2},
        {"mask": mask, "normalize": "sequences"},
    ):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("sequence_cross_entropy", [zs, tokens], hyper, reduction, kind="padding-mask"))
    return out
