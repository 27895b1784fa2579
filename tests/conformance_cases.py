"""The conformance cases: inputs for which PyTorch's answer is stored in tests/golden/torch.json.

Random draws for every loss and hyperparameter variant (each reduction, and a weighted
mean), the extra input paths (probability targets, ignore_index, per-class pos_weight,
log targets) and a table of extremes. Deterministic: the same list every run.
"""

import numpy as np

import lossref

from helpers import prepare, variants

BIG = 1e4

# Losses PyTorch has no function or simple formula for are compared elsewhere (scikit-learn,
# or an independent implementation); the golden cases skip them.
NO_TORCH = set()

# Inputs where PyTorch and lossref must still agree to 1e-10: saturated logits, ties,
# residuals of 1e8, probabilities far from the clamping thresholds.
EXTREMES = {
    "mse": [([BIG, -BIG, 0.0, 1e-300], [-BIG, BIG, 0.0, 0.0], {})],
    "mae": [([0.0, 1.0, -BIG], [0.0, 1.0, BIG], {})],
    "huber": [([1e8, -1e8, 1e-12, 1.0], [0.0, 0.0, 0.0, 0.0], {"delta": 1e-3}),
              ([1.0, -1.0, 0.0], [0.0, 0.0, 0.0], {})],
    "smooth_l1": [([0.0, 2.0, -3.0], [0.0, 0.0, 0.0], {"beta": 0.0}),
                  ([1e8, -1e8, 1e-12], [0.0, 0.0, 0.0], {"beta": 1e-3})],
    "log_cosh": [([BIG, -BIG, 800.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0], {})],
    "quantile": [([1e8, -1e8, 3.0], [0.0, 0.0, 0.0], {"q": 0.01})],
    "binary_cross_entropy": [([1e-6, 1 - 1e-6, 0.5, 0.25], [1.0, 0.0, 1.0, 0.0], {})],
    "binary_cross_entropy_with_logits": [
        ([BIG, -BIG, BIG, -BIG, 0.0, 40.0], [1.0, 0.0, 0.0, 1.0, 0.5, 1.0], {}),
        ([BIG, -BIG, 40.0, 3.0], [0.0, 1.0, 1.0, 0.0], {"pos_weight": 7.0}),
    ],
    "sigmoid_focal": [
        ([BIG, -BIG, BIG, -BIG, 0.0, 30.0], [1.0, 0.0, 0.0, 1.0, 1.0, 0.3], {}),
        ([BIG, -BIG, BIG, -BIG], [1.0, 0.0, 0.0, 1.0], {"gamma": 0.0, "alpha": None}),
    ],
    "hinge": [([BIG, -BIG, 1e-300, 3.0], [1.0, 1.0, -1.0, -1.0], {})],
    "softmax_cross_entropy": [
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG], [0.0, 0.0, 0.0], [40.0, 0.0, 1.0]], [0, 0, 2, 0], {}),
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG]], [0, 0], {"label_smoothing": 0.1}),
        ([[BIG, -BIG, 0.0], [-BIG, BIG, BIG]], [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]], {}),
    ],
    "nll": [([[-BIG, -1e-300, 0.0], [-745.0, 0.0, -1e300]], [0, 2], {})],
    "kl_div": [([[-BIG, 0.0], [-1e-16, -37.0]], [[0.0, 1.0], [1.0 - 1e-16, 1e-16]], {})],
}


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _case(name, args, hyper, reduction, weights=None, kind="random"):
    return {
        "loss": name,
        "kind": kind,
        "args": [_jsonable(np.asarray(a)) for a in args],
        "hyper": _jsonable(hyper),
        "reduction": reduction,
        "weights": _jsonable(weights),
    }


def cases():
    rng = np.random.default_rng(2026)
    out = []
    for loss in lossref.catalog():
        if loss.name in NO_TORCH:
            continue
        for _, hyper in variants(loss):
            for _draw in range(2):
                args = prepare(loss, loss.sample_inputs(rng, batch=5, classes=4), hyper)
                for reduction in ("mean", "sum", "none"):
                    out.append(_case(loss.name, args, hyper, reduction))
        args = loss.sample_inputs(rng, batch=5, classes=4)
        out.append(_case(loss.name, args, {}, "mean", weights=rng.uniform(0.1, 3.0, size=5), kind="weights"))
        for x, y, hyper in EXTREMES.get(loss.name, []):
            for reduction in ("sum", "none"):
                out.append(_case(loss.name, [x, y], hyper, reduction, kind="extreme"))
    out += _extra_paths(rng)
    return out


def _extra_paths(rng):
    """Input forms beyond the sampled defaults."""
    out = []
    z = rng.normal(scale=2.0, size=(6, 4))
    q = np.exp(z[::-1]) / np.exp(z[::-1]).sum(-1, keepdims=True)
    w = np.array([0.5, 2.0, 1.0, 3.0])
    labels = np.array([0, 2, 1, 2, 3, 2])
    for hyper in ({}, {"label_smoothing": 0.2}, {"class_weights": w}, {"label_smoothing": 0.2, "class_weights": w}):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("softmax_cross_entropy", [z, q], hyper, reduction, kind="probability-targets"))
            out.append(_case("softmax_cross_entropy", [z, labels], dict(hyper, ignore_index=2), reduction, kind="ignore-index"))
    log_p = z - np.log(np.exp(z).sum(-1, keepdims=True))
    for hyper in ({"ignore_index": 2}, {"ignore_index": 2, "class_weights": w}):
        for reduction in ("mean", "sum", "none"):
            out.append(_case("nll", [log_p, labels], hyper, reduction, kind="ignore-index"))
    y = rng.integers(0, 2, size=(6, 4)).astype(float)
    for reduction in ("mean", "sum"):
        out.append(_case("binary_cross_entropy_with_logits", [z, y], {"pos_weight": np.array([0.5, 1.0, 3.0, 9.0])},
                         reduction, kind="per-class-pos-weight"))
        out.append(_case("binary_cross_entropy_with_logits", [z, rng.uniform(size=(6, 4))], {}, reduction, kind="soft-labels"))
        out.append(_case("sigmoid_focal", [z, rng.uniform(size=(6, 4))], {"gamma": 1.5, "alpha": 0.4}, reduction, kind="soft-labels"))
    return out
