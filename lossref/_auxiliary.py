"""Auxiliary losses added to a large model's main loss to keep its training stable.

They take the model's own logits (a router's or the output layer's) and no target: they
penalise a property of the logits themselves, and are added to the task loss with a small
coefficient (1e-3 or 1e-4) chosen by the user, outside the loss.
"""

import dataclasses
import math

import numpy as np

from ._core import Checks, Curve, Extreme, Plot, Result, Series, class_axis_loss
from ._domains import LOGITS
from ._math import logsumexp

__all__ = ["z_loss"]  # its losses, re-exported by lossref/__init__.py

# logits with the rows where log Z is large, negative, or near 0 (log-probabilities, where
# it cancels) added to the logits' stress rows: the z-loss has no other argument to vary
ROW_LOGITS = dataclasses.replace(
    LOGITS,
    stress=(
        *LOGITS.stress,
        (30.0, 29.0, 28.0),
        (-50.0, -60.0, -70.0),
        (math.log(0.7), math.log(0.2), math.log(0.1)),
        (700.0, 0.0, -700.0),
        (1e-8, 0.0, -1e-8),
    ),
)


def _shift_curve():
    # the softmax ignores a common shift c of every logit; the z-loss does not: plotted
    # against c for the row (1, 0, −1) + c, its derivative by c is Σ_j ∂ℓ/∂z_j = 2·LSE(z)
    return Curve(
        x_label="shift c added to every logit, z = (1, 0, −1) + c",
        grad_label="derivative by the shift, Σⱼ ∂ℓ/∂zⱼ",
        x_range=(-4.0, 3.0),
        args=lambda x: (np.array([1.0, 0.0, -1.0]) + x[..., None],),
        series=(Series("", {}, {}),),
        component=lambda g, args: g.sum(axis=-1),
    )


@class_axis_loss(
    family="regularization",
    aliases=("router z-loss", "logit z-loss", "log-partition penalty"),
    formula=(
        r"\ell(z) = \big(\log Z\big)^2 = \Big(\log \sum_{c=1}^{C} e^{z_c}\Big)^2",
        r"\text{per row } z \text{ (a token's router or output logits); the mean over rows}",
    ),
    gradient=r"\frac{\partial \ell}{\partial z_j} = 2\,\log Z\;\mathrm{softmax}(z)_j",
    domain={"logits": ROW_LOGITS},
    use_case="Keeping the log-partition function of a softmax near 0 in large models (MoE routers, "
    "the output layer of large language models), which keeps the logits small and bfloat16 "
    "round-off harmless.",
    properties=("non_negative", "smooth"),
    equivalents={
        "T5X": (
            "`cross_entropy_with_logits(logits, targets, z_loss)` in t5x/losses.py adds z_loss · log²Z to "
            "each token's cross-entropy (t5x commit 08058ed): `z_loss(logits)` times the coefficient"
        ),
    },
    references=(
        "Zoph et al., ST-MoE: Designing Stable and Transferable Sparse Expert Models (2022), router z-loss",
        "Chowdhery et al., PaLM: Scaling Language Modeling with Pathways (2022), §5: z_loss = 1e-4 · log²Z",
    ),
    reduction_note="The mean over rows (tokens), as ST-MoE's (1/B) Σ; multiply by the coefficient yourself.",
    plot=Plot(curve=_shift_curve()),
    checks=Checks(
        # saturated, tied and huge rows (log Z = 1e150: ℓ = 1e300). A row of log-probabilities
        # (log Z ≈ 0) is left to the hand test: there the gradient is ~1e-16, below what a
        # finite difference of a quadratic can resolve
        extremes=(Extreme(([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [0.0, 0.0, 0.0], [1e150, 1.0, -1e150]],)),),
    ),
)
def z_loss(logits):
    """The z-loss (log Z)²: the squared log-partition function of each row of logits.

    Softmax probabilities do not change when the same constant is added to every logit, so
    nothing in the cross-entropy stops the logits drifting; the z-loss pulls log Z, and with
    it that common level, to 0.

    Args:
        logits: Logits z, shape (..., C): the class axis is last; one loss per row.

    Returns:
        The mean over rows by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import z_loss
        >>> z_loss([[0.0, 0.0]]) == math.log(2) ** 2          # Z = e⁰ + e⁰ = 2
        True
        >>> z_loss.grad([[0.0, 0.0]]) / math.log(2)           # 2·log Z·softmax(z) / log 2
        array([[1., 1.]])
    """
    lse = logsumexp(logits)
    return Result(lse[..., 0] ** 2, lambda: 2.0 * lse * np.exp(logits - lse))
