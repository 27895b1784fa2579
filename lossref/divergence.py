"""Divergences between probability distributions over the last axis."""

import numpy as np

from ._checks import as_float_array, in_interval, rows_sum_to_one
from ._core import Curve, Difference, class_axis_loss
from ._domains import _DISTRIBUTION_ROWS, LOG_PROBABILITY, Domain, _sample_distribution
from ._math import log_softmax, xlogy


def _target(value, name):
    arr = as_float_array(value, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have a class axis (its last axis)")
    return arr


_TARGET = Domain(
    "probabilities over the last axis (log-probabilities with log_target=True)",
    _target,
    _sample_distribution,
    has_class_axis=True,
    invalid=((1.5, ValueError, "must be probabilities in [0, 1]"),),
    stress=_DISTRIBUTION_ROWS,
)


@class_axis_loss(
    family="divergence",
    formula=r"\ell(a, q) = \mathrm{KL}(q \,\|\, p) = \sum_c q_c \left(\log q_c - a_c\right), \quad a = \log p,\ 0 \log 0 = 0",
    gradient=r"\frac{\partial \ell}{\partial a} = -q \qquad \left(\text{through } a = \operatorname{log\_softmax}(z): \ \frac{\partial \ell}{\partial z} = \big(\textstyle\sum_c q_c\big) p - q\right)",
    domain={"log_probs": LOG_PROBABILITY, "target": _TARGET},
    use_case="Distribution matching: distillation, VAEs, policy regularisation. KL(target ‖ prediction), prediction in log space.",
    properties=("non_negative", "convex"),
    equivalents={
        "PyTorch": "torch.nn.KLDivLoss(reduction=\"batchmean\", log_target=False)",
        "Keras": "keras.losses.KLDivergence() (probabilities for both, clipped to [1e-7, 1])",
        "optax": "optax.losses.kl_divergence(log_predictions, targets)",
    },
    references=("Kullback & Leibler, On Information and Sufficiency (1951)",),
    differences=(
        Difference(
            "pytorch-kl-unnormalised-input",
            "PyTorch",
            "`KLDivLoss` accepts rows that are not distributions and then can return negative "
            "values; `lossref` raises unless both rows sum to 1 (within 1e-6).",
        ),
        Difference(
            "pytorch-kl-mean-divides-by-nc",
            "PyTorch",
            "`KLDivLoss`'s default `reduction=\"mean\"` divides the sum by N·C, which is the KL "
            "divided by C. `lossref`'s `\"mean\"` is PyTorch's `\"batchmean\"`: the mean over rows.",
        ),
    ),
    reduction_note="`\"mean\"` sums over the class axis and averages over the rows N: PyTorch's `\"batchmean\"`.",
    curve=Curve(
        x_label="logit z₁ of the prediction p = softmax([0, z₁])",
        x_range=(-5.0, 5.0),
        args=lambda x, q1=0.3: (
            log_softmax(np.stack([np.zeros_like(x), x], axis=-1)),
            np.broadcast_to([1 - q1, q1], x.shape + (2,)).copy(),
        ),
        series=tuple((f"target q₁ = {q:g}", {"q1": q}, {}) for q in (0.1, 0.5, 0.9)),
        # chain rule through a = log_softmax(z): ∂ℓ/∂z = g - p·Σg
        component=lambda g, args: g[..., 1] - np.exp(args[0][..., 1]) * g.sum(axis=-1),
        grad_label="∂ℓ/∂z₁ through a = log_softmax(z)",
    ),
    variants=({"log_target": True},),
    extremes=(
        ([[[-1e4, 0.0], [-1e-16, -37.0]], [[0.0, 1.0], [1 - 1e-16, 1e-16]]], {}),
        ([[[-1e4, 0.0], [-1e-16, -37.0]], [[-1e4, 0.0], [0.0, -800.0]]], {'log_target': True}),
    ),
    invalid=(
        ({'log_target': 'yes'}, TypeError, 'log_target must be True or False'),
    ),
)
def kl_div(log_probs, target, *, log_target=False):
    """Kullback–Leibler divergence KL(target ‖ prediction), prediction given as log-probabilities.

    The argument order follows PyTorch and optax: the *first* argument is the model's
    log-probabilities a = log p, the *second* is the target distribution q. So this is
    KL(q ‖ p), the reverse of the order the arguments are written in.

    Args:
        log_probs: Log-probabilities a = log p of the prediction, shape (..., C).
        target: Target probabilities q, shape (..., C); or log-probabilities log q if
            ``log_target=True`` (more accurate when q has tiny entries).
        log_target: Whether ``target`` is given in log space.

    Returns:
        The mean over rows of the per-row KL by default (PyTorch's ``"batchmean"``).

    Examples:
        >>> import math
        >>> from lossref import kl_div
        >>> q = [0.5, 0.5]
        >>> by_hand = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
        >>> math.isclose(kl_div([math.log(0.25), math.log(0.75)], q), by_hand, rel_tol=1e-15)
        True
        >>> kl_div([math.log(0.5), math.log(0.5)], q)     # identical distributions
        0.0
    """
    if log_probs.ndim == 0:
        raise ValueError("log_probs must have a class axis (its last axis)")
    if target.shape != log_probs.shape:
        raise ValueError(f"log_probs has shape {log_probs.shape} but target has shape {target.shape}")
    if not isinstance(log_target, bool):
        raise TypeError(f"log_target must be True or False, got {log_target!r}")
    if log_target:
        if (target > 0).any():
            raise ValueError("target must be log-probabilities (<= 0) when log_target=True")
        q = np.exp(target)
    else:
        in_interval(target, "target", 0.0, 1.0, "probabilities")
        q = target
    # KL >= 0 holds only between distributions: reject rows that do not sum to 1
    rows_sum_to_one(q, "target")
    rows_sum_to_one(np.exp(log_probs), "log_probs (as probabilities)")
    if log_target:
        value = (q * (target - log_probs)).sum(axis=-1)
    else:
        value = (xlogy(q, q) - q * log_probs).sum(axis=-1)
    return value, -q

