"""Auxiliary losses added to a large model's main loss to keep its training stable.

They take the model's own logits (a router's or the output layer's) and no target: they
penalise a property of the logits themselves, and are added to the task loss with a small
coefficient (1e-3 or 1e-4) chosen by the user, outside the loss (the load-balancing loss
carries its own, α).
"""

import dataclasses
import math

import numpy as np

from ._checks import as_float_array, last_axis, non_negative
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import LOGITS
from ._math import logsumexp
from ._reductions import BATCH_MEAN

__all__ = ["moe_load_balancing", "z_loss"]  # its losses, re-exported by lossref/__init__.py

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


def _router_logits(value, name):
    return last_axis(as_float_array(value, name), name, "an expert axis")


# a batch of tokens (rows) over three experts, with no tie at the top-1 or top-2 boundary: the
# coupled accuracy measure treats the rows as one batch and differentiates through f as mpmath
# computes it, which is only defined away from a change of the chosen experts
ROUTER_LOGITS = dataclasses.replace(
    LOGITS,
    text="real, shape (..., N): one token per row, the N experts on the last axis",
    convert=_router_logits,
    invalid=((np.inf, ValueError, "contains inf"),),
    stress=(
        (1e4, 0.0, -1e4),
        (40.0, 0.0, 1.0),
        (-745.0, 0.0, 1e-3),
        (2.0, -1.0, 0.5),
        (-30.0, 30.0, 0.0),
        (1e-12, 0.0, -1e-12),
        (700.0, 1.0, -700.0),
        (0.1, 0.3, 0.2),
    ),
)


def _check_top_k(top_k, n):
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or not 1 <= top_k <= n:
        raise ValueError(f"top_k must be an integer in [1, N] = [1, {n}] (N experts); got {top_k!r}")


def _dispatch(z, k):
    """Each row's k chosen experts and the dispatch fractions f (Σ f = 1), rows (T, N).

    Ranked by logit, largest first; a tie goes to the lower expert index (a stable sort).
    Logits rank as the probabilities do, and still rank where those underflow to equal values.
    """
    t, n = z.shape
    chosen = np.argsort(-z, axis=-1, kind="stable")[:, :k]
    return np.bincount(chosen.ravel(), minlength=n) / (k * t)


def _moe_kink(router_logits, top_k=1, alpha=1e-2):
    """How far each row is from a change of its chosen experts: its k-th minus (k+1)-th largest logit.

    Moving one logit by δ changes that gap by at most δ; f (and the value) jump when it closes.
    """
    z = np.asarray(router_logits, dtype=float)
    if top_k >= z.shape[-1]:
        return np.full(z.shape, np.inf)
    ranked = -np.sort(-z, axis=-1)
    gap = ranked[..., top_k - 1] - ranked[..., top_k]
    return np.broadcast_to(gap[..., None], z.shape)


def _moe_curve():
    # two tokens, two experts, top-1: token 2 = (0, 1) always picks expert 2; token 1 = (x, 0)
    # picks expert 1 for x > 0 (f = (½, ½), balanced) and expert 2 for x < 0 (f = (0, 1))
    return Curve(
        x_label="token 1's logit x for expert 1: z₁ = (x, 0), z₂ = (0, 1)",
        grad_label="∂ℓ/∂x (token 1's logit; f held fixed)",
        x_range=(-5.0, 5.0),
        args=lambda x: (
            np.stack([np.stack([x, np.zeros_like(x)], -1), np.broadcast_to([0.0, 1.0], (*x.shape, 2))], -2),
        ),
        series=(Series("token 1's ℓ₁, α = 0.01", {}, {}),),
        component=lambda g, args: g[..., 0, 0],
    )


@class_axis_loss(
    family="regularization",
    aliases=("load-balancing loss", "auxiliary load balancing loss", "Switch auxiliary loss", "MoE aux loss"),
    formula=(
        r"\ell = \alpha\, N \sum_{i=1}^{N} f_i\, P_i, \qquad f_i = \frac{1}{kT} \sum_{t=1}^{T} \big[i \in \operatorname{top}_k(z_t)\big], \qquad P_i = \frac{1}{T} \sum_{t=1}^{T} p_{ti}, \quad p_t = \operatorname{softmax}(z_t)",  # noqa: E501
        r"\text{per token: } \ell_t = \alpha N \sum_i f_i\, p_{ti}, \text{ so that the mean over the } T \text{ tokens is } \ell \text{ (Switch Transformer: } k = 1\text{)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \sum_t \ell_t}{\partial z_{tj}} = \alpha N\, p_{tj} \Big(f_j - \sum_i f_i\, p_{ti}\Big) \quad (f \text{ is a count: piecewise constant, no gradient; it jumps where a token's top-}k \text{ set changes})",  # noqa: E501
    ),
    domain={"router_logits": ROUTER_LOGITS},
    use_case=(
        "The auxiliary loss of a mixture-of-experts layer: added to the task loss, it pushes the router "
        "towards sending an equal share of the tokens to every expert."
    ),
    properties=("non_negative", "bounded_gradient"),
    equivalents={
        "transformers": (
            "`load_balancing_loss_func(gate_logits, num_experts, top_k, attention_mask)` in transformers "
            "v4.57.1 (src/transformers/models/mixtral/modeling_mixtral.py): "
            "top_k · `moe_load_balancing(z, top_k=top_k, alpha=1)` on the layers' concatenated logits "
            "(the coefficient router_aux_loss_coef, 0.001 for Mixtral, is applied by the model)"
        ),
    },
    references=(
        (
            "Fedus, Zoph & Shazeer, Switch Transformers: Scaling to Trillion Parameter Models with Simple "
            "and Efficient Sparsity (JMLR 2022), eq. 4–6: α = 1e-2"
        ),
        (
            "Lepikhin et al., GShard: Scaling Giant Models with Conditional Computation and Automatic "
            "Sharding (2021)"
        ),
        (
            "Dai et al., DeepSeekMoE: Towards Ultimate Expert Specialization in Mixture-of-Experts Language "
            "Models (2024), expert-level balance loss: f_i normalised by the number of chosen experts"
        ),
    ),
    differences=(
        Difference(
            "transformers-moe-top-k-counts",
            "transformers",
            "In transformers v4.57.1 (`src/transformers/models/mixtral/modeling_mixtral.py`, "
            "`load_balancing_loss_func`) each of a token's k choices counts a whole token: its f sums "
            "to k, not 1, so its value is k times `lossref`'s (a balanced router scores k, not 1). It "
            "has no α: the model multiplies by `router_aux_loss_coef` (0.001 for Mixtral). So "
            "transformers = top_k · `moe_load_balancing(z, top_k=top_k, alpha=1)`; with k = 1 the two "
            "agree. It ranks the softmax probabilities with `torch.topk`, whose order among ties is "
            "not documented; `lossref` ranks logits and gives ties to the lower expert index.",
        ),
        Difference(
            "transformers-moe-layers-concatenated",
            "transformers",
            "transformers v4.57.1 concatenates every layer's router logits into one batch of "
            "layers × tokens rows and computes one loss: f and P are pooled over the layers. That is "
            "`lossref` on the concatenated rows, not the mean (or sum) of each layer's own loss, which "
            "the Switch paper adds per layer. Pass one layer's logits for the per-layer loss.",
        ),
        Difference(
            "transformers-moe-attention-mask",
            "transformers",
            "With an `attention_mask`, transformers v4.57.1 leaves padding tokens out of both f and "
            "P (a masked mean over the unmasked tokens of every layer). `lossref` has no mask "
            "(`weights=` is refused: the tokens are coupled through f and P); pass the unmasked rows, "
            "`router_logits[mask]`, for the same number.",
        ),
    ),
    reduction=BATCH_MEAN,
    reduction_note=(
        '`"mean"` is the load-balancing loss: the mean over the T tokens of ℓ_t = αN Σ_i f_i p_ti. '
        'f is a statistic of the whole batch, so `"none"` and `"sum"` are per-token bookkeeping '
        "(`weights=` is not supported: the tokens are coupled; drop padding rows instead)."
    ),
    plot=Plot(curve=_moe_curve(), explore={"alpha": (0.001, 0.1, "log")}),
    checks=Checks(
        variants=({"top_k": 2}, {"alpha": 1.0}, {"top_k": 3}),
        extremes=(
            # saturated routers (p exactly 0 and 1), a huge logit, and a tied row (its gap is 0:
            # left out of the finite differences, its lower-index choice is tested by hand)
            Extreme(
                (
                    [
                        [1e4, -1e4, 0.0],
                        [-1e4, 1e4, 0.0],
                        [0.0, 0.0, 0.0],
                        [1e150, 1.0, -1e150],
                        [3.0, 2.0, 1.0],
                    ],
                )
            ),
            Extreme(
                ([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.5], [30.0, -700.0, 29.0], [1e-9, 0.0, -1e-9]],),
                {"top_k": 2},
            ),
        ),
        invalid=(
            Invalid({"top_k": 0}, ValueError, "top_k must be an integer in"),
            Invalid({"top_k": 1.5}, ValueError, "top_k must be an integer in"),
            Invalid({"top_k": 99}, ValueError, "top_k must be an integer in"),
            Invalid({"alpha": -1e-2}, ValueError, "alpha must be >= 0"),
        ),
        kink_distance=_moe_kink,
    ),
)
def moe_load_balancing(router_logits, *, top_k=1, alpha=1e-2):
    """Switch Transformer's load-balancing loss αN Σ_i f_i P_i on a batch of router logits.

    f_i is the fraction of the T·k token-to-expert assignments that go to expert i (each token
    picks its k largest logits; a tie goes to the lower expert index), P_i the mean router
    probability of expert i. f is a count and carries no gradient: the gradient flows through P
    only, and the value jumps where a token's chosen experts change. A perfectly balanced router
    (f_i = P_i = 1/N) scores α.

    Args:
        router_logits: Router logits z, shape (..., N): one token per row (all leading axes are
            tokens of one batch), the N experts on the last axis.
        top_k: How many experts each token is dispatched to, an integer in [1, N] (1: Switch;
            2: GShard, Mixtral). f is normalised by k, so a balanced router scores α for any k
            (Hugging Face transformers' version is k times larger).
        alpha: The coefficient α ≥ 0 (the Switch paper's 1e-2).

    Returns:
        The load-balancing loss (the mean over tokens) by default; ``reduction="none"`` gives each
        token's ℓ_t = αN Σ_i f_i p_ti.

    Examples:
        >>> from lossref import moe_load_balancing
        >>> # two tokens, each sure of a different expert: f = P = (½, ½)
        >>> moe_load_balancing([[1e4, 0.0], [0.0, 1e4]], alpha=1.0)  # α·2·(¼ + ¼) = α
        1.0
        >>> # a tie goes to expert 1: f = (1, 0), P = (½, ½)
        >>> moe_load_balancing([[0.0, 0.0], [0.0, 0.0]], alpha=1.0)  # α·2·(1·½ + 0·½) = α
        1.0
        >>> # ∂/∂z_tj = αN p_tj (f_j − Σ_i f_i p_ti): 2·½·(1 − ½) = ½ and 2·½·(0 − ½) = −½
        >>> moe_load_balancing.grad([[0.0, 0.0]], alpha=1.0)
        array([[ 0.5, -0.5]])
    """
    non_negative(alpha=alpha)
    n = router_logits.shape[-1]
    _check_top_k(top_k, n)
    z = router_logits.reshape(-1, n)
    scale = float(alpha) * n
    f = _dispatch(z, int(top_k))
    p = np.exp(z - logsumexp(z))
    fp = p @ f  # Σ_i f_i p_ti ≥ 0: no cancellation
    values = (scale * fp).reshape(router_logits.shape[:-1])

    def backward():  # f held fixed: ∂(Σ_i f_i p_ti)/∂z_tj = p_tj (f_j − Σ_i f_i p_ti)
        return (scale * p * (f - fp[:, None])).reshape(router_logits.shape)

    return Result(values, backward)
