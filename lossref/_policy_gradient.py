"""Policy-gradient losses for RL fine-tuning: GRPO's group-relative clipped surrogate and REINFORCE."""

import numpy as np

from ._checks import as_array, as_float_array, in_open_unit_interval, non_negative, positive
from ._core import (
    Checks,
    Curve,
    Difference,
    Extreme,
    Invalid,
    Plot,
    Result,
    Series,
    class_axis_loss,
    elementwise_loss,
)
from ._domains import REAL, Domain, log_probabilities
from ._math import _expm1_excess
from ._reductions import scaled_mean

# its losses, re-exported by lossref/__init__.py
__all__ = ["grpo", "reinforce"]

_G, _T = 3, 4  # completions per group and tokens per completion of the sampled test inputs


def _group_tokens(value, name):
    arr = log_probabilities(value, name, hint="pass the log-probability of each sampled token, not a logit")
    if arr.ndim < 2:
        raise ValueError(
            f"{name} must have shape (..., G, T): completions of a group × tokens; got {arr.shape}"
        )
    return arr


def _sample_token_log_probs(rng, shape):
    # log-ratios up to ±3 between two draws: both clip branches and the unclipped middle
    return rng.uniform(-3.0, -0.01, size=(shape[0], _G, _T))


TOKEN_LOG_PROBS = Domain(
    "log-probabilities ≤ 0, shape (..., G, T): G completions of a prompt × T tokens (padding masked)",
    _group_tokens,
    _sample_token_log_probs,
    has_class_axis=True,
    invalid=(Invalid(0.5, ValueError, "must be log-probabilities (<= 0)"),),
    # (G, T) = (3, 2): a certain token (0), log-ratios of ±700 and ±0.5 against the other rows,
    # a near-impossible token (−1e4); sums and differences of these are exact in float64
    stress=(
        ((0.0, -0.5), (-1.0, -700.0), (-2.0, -0.25)),
        ((-0.5, -1e4), (-701.0, -0.5), (-2.5, 0.0)),
    ),
    # finite differences stay below 0: no step past a certain token (log π = 0)
    fd_step=lambda x: min(1e-3, 0.3 * float((-x).min())),
)


GROUP_REWARDS = Domain(
    "ℝ, shape (..., G): one scalar reward per completion",
    as_float_array,  # its shape is checked against log_probs' by the loss
    lambda rng, shape: rng.normal(size=(shape[0], _G)),
    # exact group means: (0, 1, 2) → A = (−1, 0, 1)/(1 + 1e-4); (0, 0, 3) → std √3; (1, 1, 1) → A = 0
    stress=((0.0, 1.0, 2.0), (0.0, 0.0, 3.0), (1.0, 1.0, 1.0)),
)

_LOSS_TYPES = ("grpo", "bnpo", "dapo", "dr_grpo")
_SCALES = ("group", "batch", "none")


def _token_mask(mask, shape):
    """The 0/1 mask of real completion tokens (all ones if None), the shape of ``log_probs``."""
    if mask is None:
        return np.ones(shape)
    m = as_array(mask, "mask")
    m = as_float_array(m.astype(np.float64) if m.dtype == np.bool_ else m, "mask")
    if m.shape != shape:
        raise ValueError(f"mask has shape {m.shape} but log_probs has shape {shape}; they must match")
    if not np.isin(m, (0.0, 1.0)).all():
        bad = float(m[~np.isin(m, (0.0, 1.0))].flat[0])
        raise ValueError(f"mask must be 0 or 1 (1 marks a completion token); got {bad}")
    return m


def group_advantages(rewards, *, scale_rewards="group", eps=1e-4):
    """GRPO's advantages (r − mean_group r) / (std + eps), std with Bessel's correction.

    The group is the last axis. ``scale_rewards="batch"`` divides by the std of every reward
    passed; ``"none"`` does not divide (Dr. GRPO). A group of one has std 0 (TRL's choice).
    """
    r = np.asarray(rewards, dtype=float)
    centred = r - np.mean(r, axis=-1, keepdims=True)
    if scale_rewards == "none":
        return centred
    if scale_rewards == "group":
        g = r.shape[-1]
        std = np.sqrt(np.sum(centred * centred, axis=-1, keepdims=True) / (g - 1)) if g > 1 else 0.0
    else:
        flat = r.ravel()
        dev = flat - np.mean(flat)
        std = np.sqrt(np.sum(dev * dev) / (flat.size - 1)) if flat.size > 1 else 0.0
    return centred / (std + eps)


def _check_grpo(
    log_probs, old_log_probs, ref_log_probs, rewards, epsilon, epsilon_high, beta, eps, loss_type, scale
):
    in_open_unit_interval(epsilon=epsilon)
    if epsilon_high is not None:
        positive(epsilon_high=epsilon_high)
    non_negative(beta=beta)
    positive(eps=eps)
    if loss_type not in _LOSS_TYPES:
        raise ValueError(f"loss_type must be 'grpo', 'bnpo', 'dapo' or 'dr_grpo'; got {loss_type!r}")
    if scale not in _SCALES:
        raise ValueError(f"scale_rewards must be 'group', 'batch' or 'none'; got {scale!r}")
    for name, arr in (("old_log_probs", old_log_probs), ("ref_log_probs", ref_log_probs)):
        if arr.shape != log_probs.shape:
            raise ValueError(f"log_probs has shape {log_probs.shape} but {name} has shape {arr.shape}")
    if rewards.shape != log_probs.shape[:-1]:
        raise ValueError(
            f"log_probs has shape {log_probs.shape} (G = {log_probs.shape[-2]} completions) but rewards has "
            f"shape {rewards.shape}; it must be {log_probs.shape[:-1]}"
        )


def _grpo_kink_distance(
    log_probs, old_log_probs, ref_log_probs, rewards, *, epsilon=0.2, epsilon_high=None, **_
):
    high = epsilon if epsilon_high is None else epsilon_high
    d = log_probs - old_log_probs
    return np.minimum(np.abs(d - np.log1p(high)), np.abs(d - np.log1p(-epsilon)))


def _grpo_mean_scale(log_probs, *_, mask=None, loss_type="grpo", **__):
    """Each group's factor under ``"mean"``: its number of completion tokens for ``"bnpo"``/``"dapo"``."""
    if loss_type not in ("bnpo", "dapo"):
        return np.ones(log_probs.shape[:-2])
    return _token_mask(mask, log_probs.shape).sum(axis=(-2, -1))


def _grpo_curve_args(x, reward=1.0):
    # one group of two one-token completions with rewards (reward, 0): A = ±0.5·|r|/(std + 1e-4);
    # the first completion's log-ratio is x, the second is on-policy
    n = x.shape[0]
    lp = np.full((n, 2, 1), -1.0)
    lp[:, 0, 0] = -1.0 + x
    old = np.full((n, 2, 1), -1.0)
    return (lp, old, old, np.tile([reward, 0.0], (n, 1)))


@class_axis_loss(
    family="preference",
    formula=(
        r"A_i = \frac{r_i - \operatorname{mean}_{j \le G} r_j}{\operatorname{std}_{j \le G} r_j + \varepsilon_A},\qquad \rho_{i,t} = e^{\log\pi_\theta(o_{i,t}) - \log\pi_{\mathrm{old}}(o_{i,t})},\qquad x_{i,t} = \log\pi_{\mathrm{ref}}(o_{i,t}) - \log\pi_\theta(o_{i,t})",  # noqa: E501
        r"\ell_{i,t} = -\min\big(\rho_{i,t} A_i,\ \operatorname{clip}(\rho_{i,t}, 1-\epsilon, 1+\epsilon_{\mathrm{high}})\,A_i\big) + \beta\,\big(e^{x_{i,t}} - 1 - x_{i,t}\big)",  # noqa: E501
        r"\mathcal L_{\mathrm{grpo}} = \frac1G\sum_i \frac{1}{|o_i|}\sum_t m_{i,t}\ell_{i,t},\qquad \mathcal L_{\mathrm{bnpo}} = \frac{\sum_{i,t} m_{i,t}\ell_{i,t}}{\sum_{i,t} m_{i,t}},\qquad \mathcal L_{\mathrm{dr\_grpo}} = \frac{\sum_{i,t} m_{i,t}\ell_{i,t}}{G\,L_{\max}}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell_{i,t}}{\partial \log\pi_\theta(o_{i,t})} = \begin{cases} 0 & A_i > 0,\ \rho_{i,t} > 1+\epsilon_{\mathrm{high}} \text{ or } A_i < 0,\ \rho_{i,t} < 1-\epsilon \\ -A_i\rho_{i,t} & \text{otherwise} \end{cases} \;+\; \beta\,\big(1 - e^{x_{i,t}}\big)",  # noqa: E501
    domain={
        "log_probs": TOKEN_LOG_PROBS,
        "old_log_probs": TOKEN_LOG_PROBS,
        "ref_log_probs": TOKEN_LOG_PROBS,
        "rewards": GROUP_REWARDS,
    },
    use_case=(
        "RL fine-tuning of language models from a scalar reward (verifiable answers, a reward model) without "
        "a critic: each completion is scored against the other completions of its prompt."
    ),
    properties=(),
    equivalents={
        "TRL": (
            '`GRPOTrainer` with `GRPOConfig(loss_type="grpo", beta=0.04)` (v1.9.0, '
            "`trl/trainer/grpo_trainer.py`; its defaults differ: see below)"
        ),
    },
    references=(
        "Shao et al., DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models "
        "(2024), eq. 3 and 4",
        "Yu et al., DAPO: An Open-Source LLM Reinforcement Learning System at Scale (2025)",
        "Liu et al., Understanding R1-Zero-Like Training: A Critical Perspective (2025) (Dr. GRPO)",
        "TRL v1.9.0, trl/trainer/grpo_trainer.py and trl/trainer/grpo_config.py",
    ),
    differences=(
        Difference(
            "trl-grpo-default-loss-type",
            "TRL",
            '`GRPOConfig` (v1.9.0) defaults to `loss_type="dapo"`: the sum over every completion token '
            "divided by the number of tokens in the (global, accumulated) batch. `lossref` defaults to "
            '`"grpo"`, the paper\'s per-completion mean then mean over completions, which weights a '
            'token of a short completion more. On one device without accumulation, TRL\'s `"dapo"` is '
            '`lossref`\'s `"bnpo"` (also accepted as `"dapo"`).',
        ),
        Difference(
            "trl-grpo-default-beta",
            "TRL",
            "`GRPOConfig` (v1.9.0) defaults to `beta=0.0` (no KL term, no reference model loaded); "
            "`lossref` defaults to the paper's β = 0.04. Pass `beta=0.0` for TRL's default.",
        ),
        Difference(
            "trl-grpo-dr-grpo-max-length",
            "TRL",
            'TRL\'s `"dr_grpo"` divides by G × `max_completion_length` from the config (256 by default '
            "in v1.9.0), not by the padded length of the batch; `lossref` uses the padded length T unless "
            "`max_completion_length=` is given.",
        ),
    ),
    aliases=("group relative policy optimization", "DAPO", "Dr. GRPO"),
    reduction=scaled_mean(_grpo_mean_scale),
    reduction_note=(
        "The per-sample values are per group (prompt): that group's own loss under `loss_type`. "
        '`"mean"` is the loss of the whole batch: the mean over groups for `"grpo"` and `"dr_grpo"` '
        '(their groups have G completions each), the token-weighted mean for `"bnpo"`/`"dapo"` (the '
        'sum over every completion token over their number). `"sum"` adds the groups\' losses; '
        "`weights=` are per group."
    ),
    empty_mean=lambda *a, **_: "mask is 0 everywhere, so there is no completion token to average over",
    plot=Plot(
        curve=Curve(
            x_label="log π_θ − log π_old (first completion)",
            x_range=(-0.7, 0.7),
            args=_grpo_curve_args,
            series=(
                Series("r = (1, 0), ε = 0.2", {}, {"beta": 0.0}),
                Series("r = (0, 1), ε = 0.2", {"reward": -1.0}, {"beta": 0.0}),
                Series("r = (1, 0), ε_high = 0.28", {}, {"beta": 0.0, "epsilon_high": 0.28}),
            ),
            component=lambda g, args: g[..., 0, 0],
            grad_label="gradient ∂ℓ/∂log π_θ (rewarded token)",
        ),
        # the KL term's weight, and DAPO's upper clip (its slider starts where it equals ε)
        explore={"epsilon": (0.05, 0.5), "beta": (0.0, 0.5), "epsilon_high": (0.2, 0.5)},
    ),
    checks=Checks(
        variants=(
            {"loss_type": "bnpo", "epsilon_high": 0.28},
            {"loss_type": "dr_grpo", "scale_rewards": "none", "beta": 0.0},
            {"scale_rewards": "batch", "beta": 1.0},
        ),
        extremes=(
            # log-ratios of ±700 (ρ = e^{±700}, clipped and not), KL log-ratios of −700 and −1e4
            # (k3 ≈ 1e4), rewards of ±1e8 unscaled
            Extreme(
                [
                    [[[0.0, -700.0], [-1e4, -1.0], [-0.5, -2.0]]],
                    [[[-700.0, 0.0], [-1e4, -1.0], [-0.5, -2.5]]],
                    [[[-700.0, -700.0], [-1e4, -1.0], [-1e4, -2.0]]],
                    [[1e8, -1e8, 0.0]],
                ],
                {"scale_rewards": "none"},
            ),
            # rewards 1e-12 apart (std ≪ eps), padding and an empty completion
            Extreme(
                [
                    [[[0.0, -700.0], [-1e4, -1.0], [-0.5, -2.0]]],
                    [[[-700.0, 0.0], [-1e4, -1.0], [-0.5, -2.5]]],
                    [[[-700.0, -700.0], [-1e4, -1.0], [-1e4, -2.0]]],
                    [[1.0, 1.0, 1.0 + 1e-12]],
                ],
                {"loss_type": "dr_grpo", "mask": [[[1, 0], [1, 1], [0, 0]]]},
            ),
            Extreme(
                [
                    [[[0.0, -700.0], [-1e4, -1.0], [-0.5, -2.0]]],
                    [[[-700.0, 0.0], [-1e4, -1.0], [-0.5, -2.5]]],
                    [[[-700.0, -700.0], [-1e4, -1.0], [-1e4, -2.0]]],
                    [[3.0, -1.0, 0.5]],
                ],
                {"mask": [[[1, 1], [1, 0], [0, 0]]], "epsilon_high": 0.28},
            ),
        ),
        invalid=(
            Invalid({"epsilon": 0.0}, ValueError, "epsilon must be in (0, 1)"),
            Invalid({"epsilon_high": -0.1}, ValueError, "epsilon_high must be > 0"),
            Invalid({"beta": -0.04}, ValueError, "beta must be >= 0"),
            Invalid({"eps": 0.0}, ValueError, "eps must be > 0"),
            Invalid(
                {"loss_type": "sapo"}, ValueError, "loss_type must be 'grpo', 'bnpo', 'dapo' or 'dr_grpo'"
            ),
            Invalid({"scale_rewards": True}, ValueError, "scale_rewards must be 'group', 'batch' or 'none'"),
            Invalid({"max_completion_length": 2}, ValueError, "max_completion_length must be >= T"),
            Invalid({"mask": [[1.0, 0.0]]}, ValueError, "mask has shape (1, 2) but log_probs has shape"),
            Invalid({"mask": np.full((3, 3, 4), 0.5)}, ValueError, "mask must be 0 or 1"),
        ),
        kink_distance=_grpo_kink_distance,
    ),
)
def grpo(
    log_probs,
    old_log_probs,
    ref_log_probs,
    rewards,
    *,
    mask=None,
    epsilon=0.2,
    epsilon_high=None,
    beta=0.04,
    scale_rewards="group",
    loss_type="grpo",
    max_completion_length=None,
    eps=1e-4,
):
    """GRPO: PPO's clipped surrogate with group-relative advantages and a k3 KL term, per token.

    Each prompt has G sampled completions o_i with rewards r_i. Their advantages are the
    rewards standardised within the group, A_i = (r_i − mean r)/(std r + eps) (the std with
    Bessel's correction, as TRL; no gradient flows through them). Every token of o_i gets
    −min(ρA_i, clip(ρ, 1 − ε, 1 + ε_high)A_i) + β·k3, with ρ = π_θ/π_old and k3 = e^x − 1 − x,
    x = log π_ref − log π_θ (as ``kl_penalty``). ``loss_type`` sets how tokens are averaged.
    Only ``log_probs`` is differentiable. At ρ = 1 ± ε exactly the gradient is the unclipped
    side's (what autograd of ``torch.min``/``clamp`` gives).

    Args:
        log_probs: log π_θ of each sampled completion token, shape (..., G, T) (one group: (G, T)).
        old_log_probs: log π_old of the same tokens (the sampling policy; ``log_probs`` itself
            for one update per batch, ρ = 1); same shape.
        ref_log_probs: log π_ref of the same tokens (the frozen reference; any array of the shape
            when ``beta=0``); same shape.
        rewards: One scalar reward per completion, shape (..., G).
        mask: 0/1 per token, 1 for a completion token, 0 for padding; None: every token counts.
        epsilon: Lower clip ε in (0, 1): the ratio's floor is 1 − ε (0.2).
        epsilon_high: Upper clip ε_high > 0 (DAPO's clip-higher, e.g. 0.28); None: ``epsilon``.
        beta: Weight β ≥ 0 of the k3 KL term (the paper's 0.04; TRL's default is 0).
        scale_rewards: ``"group"`` (divide by the group std), ``"batch"`` (by the std of all
            rewards passed) or ``"none"`` (Dr. GRPO: centre only).
        loss_type: ``"grpo"`` (each completion's token mean, then the mean over completions),
            ``"bnpo"`` or ``"dapo"`` (the sum over all tokens / the number of tokens) or
            ``"dr_grpo"`` (the sum / (completions × ``max_completion_length``)).
        max_completion_length: L_max of ``"dr_grpo"``; None: T, the padded length.
        eps: ε_A > 0 added to the std (TRL's 1e-4), so a group of equal rewards has A = 0.

    Returns:
        The loss of the batch by default; ``reduction="none"`` gives each group's own loss.

    Examples:
        >>> from lossref import grpo
        >>> lp = [[[-1.0], [-1.0]]]                # one group, G = 2 one-token completions, ρ = 1
        >>> # A = ±0.5/(std + 1e-4) with std = √0.5 (Bessel's): A = ±0.707007
        >>> grpo(lp, lp, lp, [[1.0, 0.0]], reduction="none")   # −A₁ρ − A₂ρ = 0 at ρ = 1
        array([0.])
        >>> grpo.grad(lp, lp, lp, [[1.0, 0.0]]).round(6)   # −A_i ρ / G = ∓0.707007/2
        array([[[-0.353503],
                [ 0.353503]]])
    """
    if max_completion_length is not None:
        positive(max_completion_length=max_completion_length)
        if max_completion_length < log_probs.shape[-1]:
            raise ValueError(
                f"max_completion_length must be >= T, the padded completion length ({log_probs.shape[-1]}); "
                f"got {max_completion_length!r}"
            )
    _check_grpo(
        log_probs,
        old_log_probs,
        ref_log_probs,
        rewards,
        epsilon,
        epsilon_high,
        beta,
        eps,
        loss_type,
        scale_rewards,
    )
    m = _token_mask(mask, log_probs.shape)
    high = epsilon if epsilon_high is None else epsilon_high
    a = group_advantages(rewards, scale_rewards=scale_rewards, eps=eps)[..., None]  # (..., G, 1)
    d = log_probs - old_log_probs
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = np.exp(d)
        # where ρ overflows or is subnormal, ρA may still be an ordinary number: e^{d + log|A|}
        scaled = -np.sign(a) * np.exp(d + np.log(np.abs(a)))
        unclipped = np.where(np.isfinite(ratio) & (ratio >= np.finfo(float).tiny), -a * ratio, scaled)
    clipped = np.where(a > 0, ratio > 1.0 + high, ratio < 1.0 - epsilon)
    bound = np.where(a > 0, 1.0 + high, 1.0 - epsilon)
    surrogate = np.where(a == 0, 0.0, np.where(clipped, -a * bound, unclipped))
    x = ref_log_probs - log_probs
    if beta:
        small = np.abs(x) < 1.0
        with np.errstate(over="ignore"):  # e^x > 1.8e308 only where k3 itself is not representable
            big = np.expm1(np.where(small, 0.0, x)) - x
        k3 = np.where(small, x * x * _expm1_excess(np.where(small, x, 0.0)), big)
        token = surrogate + beta * k3
    else:
        token = surrogate
    lengths = m.sum(axis=-1, keepdims=True)  # (..., G, 1)
    g, t = log_probs.shape[-2:]
    # each token's factor in its group's own loss (a zero-length completion adds 0)
    if loss_type == "grpo":  # its completion's token mean, then the mean over the G completions
        c = m / (np.maximum(lengths, 1.0) * g)
    elif loss_type == "dr_grpo":  # a constant: G × L_max
        c = m / (g * (t if max_completion_length is None else max_completion_length))
    else:  # the group's token mean; "mean" weights the groups by their token counts
        c = m / np.maximum(lengths.sum(axis=-2, keepdims=True), 1.0)
    values = np.sum(c * token, axis=(-2, -1))
    norm = m.sum(axis=(-2, -1)) if loss_type in ("bnpo", "dapo") else None

    def backward():
        slope = np.where(clipped | (a == 0), 0.0, unclipped)
        if beta:
            with np.errstate(over="ignore"):
                slope = slope - beta * np.expm1(x)
        return c * slope

    return Result(values, backward, norm)


# --- REINFORCE ----------------------------------------------------------------------------------


def _sequence_log_probs(value, name):
    return log_probabilities(
        value, name, hint="pass log π(completion), the sum of its tokens' log-probabilities, not a logit"
    )


SEQUENCE_LOG_PROBS = Domain(
    "(−∞, 0]: log π(completion), its tokens' log-probabilities summed",
    _sequence_log_probs,
    lambda rng, shape: rng.uniform(-60.0, -1.0, size=shape),
    invalid=(Invalid(0.5, ValueError, "must be log-probabilities (<= 0)"),),
    # a certain completion (0), a short one, a long one, a saturated one
    stress=(0.0, -0.75, -40.0, -1e4),
    # finite differences stay below 0: no step past a certain completion (log π = 0)
    fd_step=lambda x: min(1e-3, 0.3 * float((-x).min())),
)


def _baseline(baseline, rewards):
    """The baseline b, the shape of ``rewards``."""
    if baseline is None:
        return np.zeros(rewards.shape)
    if isinstance(baseline, str):
        if baseline != "rloo":
            raise ValueError(
                f"baseline must be None, 'rloo', or a number or array of baselines; got {baseline!r}"
            )
        k = rewards.shape[-1] if rewards.ndim else 1
        if k < 2:
            raise ValueError(
                "baseline='rloo' needs at least 2 samples per group (the last axis of rewards); "
                f"got rewards of shape {rewards.shape}"
            )
        # the mean of the other k − 1 rewards of the group
        return (np.sum(rewards, axis=-1, keepdims=True) - rewards) / (k - 1)
    b = as_float_array(baseline, "baseline")
    if b.ndim and b.shape != rewards.shape:
        raise ValueError(
            f"baseline has shape {b.shape} but rewards has shape {rewards.shape}; they must match"
        )
    return np.broadcast_to(b, rewards.shape)


@elementwise_loss(
    family="preference",
    formula=(
        r"\ell_i = -(r_i - b_i)\,\log\pi_\theta(y_i \mid x)",
        r"b_i = 0,\quad b_i = \text{given},\quad b_i^{\mathrm{RLOO}} = \frac{1}{k-1}\sum_{j \ne i} r_j",
    ),
    gradient=r"\frac{\partial \ell_i}{\partial \log\pi_\theta(y_i \mid x)} = -(r_i - b_i)",
    domain={"log_probs": SEQUENCE_LOG_PROBS, "rewards": REAL},
    use_case=(
        "The score-function policy gradient from sampled completions and their rewards; RLOO's leave-one-out "
        "baseline makes it a critic-free RL fine-tuning loss."
    ),
    properties=("convex", "smooth"),
    equivalents={
        "TRL": (
            "`RLOOTrainer` (v1.9.0, `trl/trainer/rloo_trainer.py`) with `RLOOConfig(beta=0.0)` has the same "
            'gradient with `baseline="rloo"` on the first update (ρ = 1); its value is a clipped ratio'
        ),
    },
    references=(
        "Williams, Simple Statistical Gradient-Following Algorithms for Connectionist Reinforcement Learning "
        "(1992)",
        "Kool, van Hoof & Welling, Buy 4 REINFORCE Samples, Get a Baseline for Free! (ICLR 2019 workshop)",
        "Ahmadian et al., Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human "
        "Feedback in LLMs (2024)",
        "TRL v1.9.0, trl/trainer/rloo_trainer.py and trl/trainer/rloo_config.py",
    ),
    differences=(
        Difference(
            "trl-rloo-clipped-ratio-value",
            "TRL",
            "TRL's `RLOOTrainer` (v1.9.0) minimises PPO's clipped surrogate on the sequence ratio, "
            "−min(ρA, clip(ρ, 1 − ε, 1 + ε)A) with ρ = π_θ(y)/π_old(y), averaged over completions. On the "
            "first update (ρ = 1) its gradient with respect to log π_θ(y) is −A/N, the same as "
            '`reinforce(..., baseline="rloo")`, but its value is −mean(A), not −mean(A·log π).',
        ),
        Difference(
            "trl-rloo-kl-in-reward",
            "TRL",
            "`RLOOConfig(beta=0.05)` (v1.9.0) subtracts β·Σ_t (log π_old − log π_ref) (the k1 KL estimate, "
            "summed over the completion's tokens) from each reward before the leave-one-out baseline; "
            "`lossref` takes the rewards as given: pass r − β·KL for the same advantages.",
        ),
    ),
    aliases=(
        "REINFORCE",
        "RLOO",
        "vanilla policy gradient",
        "score-function estimator",
        "leave-one-out baseline",
    ),
    reduction_note='`"mean"` divides by the number of completions N (by Σw with `weights=`).',
    plot=Plot(
        curve=Curve(
            x_label="log π(completion)",
            x_range=(-3.0, 0.0),
            args=lambda x, r: (x, np.full_like(x, r)),
            series=(
                Series("r = 1, no baseline", {"r": 1.0}, {}),
                Series("r = 1, b = 0.5", {"r": 1.0}, {"baseline": 0.5}),
                Series("r = 0, b = 0.5", {"r": 0.0}, {"baseline": 0.5}),
            ),
            grad_label="gradient ∂ℓ/∂log π = −(r − b)",
        ),
        explore={"baseline": (0.0, 1.0)},  # a given baseline b (its default, none, is b = 0)
    ),
    checks=Checks(
        variants=({"baseline": 0.5},),
        extremes=(
            Extreme([[0.0, -1e4, -1e-300, -40.0], [1e8, -1e8, 1.0, 0.0]]),
            Extreme(
                [[[0.0, -1e4, -3.0], [-1e-300, -40.0, -2.0]], [[1e8, -1e8, 1.0], [0.0, 0.0, 5.0]]],
                {"baseline": "rloo"},
            ),
            Extreme([[0.0, -1e4, -40.0], [1e8, -1e8, 1.0]], {"baseline": [1e8, 0.0, 2.0]}),
        ),
        invalid=(
            Invalid({"baseline": "mean"}, ValueError, "baseline must be None, 'rloo', or a number or array"),
            Invalid({"baseline": [1.0, 2.0]}, ValueError, "baseline has shape (2,) but rewards has shape"),
            Invalid({"baseline": float("nan")}, ValueError, "baseline contains NaN"),
        ),
    ),
)
def reinforce(log_probs, rewards, *, baseline=None):
    """REINFORCE: −(r − b)·log π(y | x), whose gradient is the score-function policy gradient.

    Minimising it moves log π(y) up for a completion whose reward beats the baseline and down
    for one below it. The baseline changes no expected gradient as long as it does not depend
    on the completion itself (E[∇log π] = 0), but a good one lowers the variance. With
    ``baseline="rloo"`` each completion's baseline is the mean reward of the other k − 1
    completions of its group (the last axis): independent of it, so still unbiased, and close
    to the expected reward. The rewards and the baseline are data; only ``log_probs`` is
    differentiable.

    Args:
        log_probs: log π_θ(y | x) of each sampled completion (its token log-probabilities
            summed), any shape; with ``"rloo"``, the group's k samples on the last axis.
        rewards: The reward of each completion; same shape.
        baseline: None (b = 0), ``"rloo"`` (leave-one-out mean over the last axis, k ≥ 2), or
            a number or an array of the rewards' shape (a value estimate, a running mean).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import reinforce
        >>> reinforce([-2.0, -1.0], [1.0, 0.0], reduction="none")   # −r·log π: 2 and 0
        array([2., 0.])
        >>> reinforce.grad([-2.0, -1.0, -3.0], [1.0, 0.0, 2.0], baseline="rloo", reduction="sum")   # b = 1, 1.5, 0.5
        array([ 0. ,  1.5, -1.5])
    """  # noqa: E501 (doctest lines with their hand-computed values)
    b = _baseline(baseline, rewards)
    # (r − b)·(−log π) and b − r: a zero advantage gives +0, not −0
    return Result((rewards - b) * -log_probs, lambda: b - rewards)
