"""Preference and policy-gradient losses: reward models, DPO and its successors, PPO's terms.

Most take one scalar per pair, action or token (summed log-probabilities, rewards,
advantages) and are elementwise: every argument has the same shape. The entropy bonus takes
a row of logits per state (the class axis last).
"""

import dataclasses
from functools import partial

import numpy as np

from ._checks import as_float_array, in_open_unit_interval, non_negative, positive, real_scalar
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
from ._domains import LOGITS, REAL, Domain, log_probabilities
from ._math import _expm1_excess, log_softmax, sigmoid, softplus, two_sum

# its losses, re-exported by lossref/__init__.py
__all__ = [
    "bradley_terry",
    "dpo",
    "entropy_bonus",
    "ipo",
    "kl_penalty",
    "kto",
    "orpo",
    "ppo_clip",
    "ppo_value",
    "simpo",
]

SEQUENCE_LOG_PROB = Domain(
    "(−∞, 0]: log π(y | x) summed over the response's tokens",
    partial(
        log_probabilities,
        hint="pass the summed log-probability of the response, not a logit or a probability",
    ),
    # summed token log-probabilities of a response: well below 0, so a finite-difference
    # step never crosses into positive values
    lambda rng, shape: rng.uniform(-60.0, -1.0, size=shape),
    invalid=(Invalid(0.5, ValueError, "must be log-probabilities (<= 0)"),),
    # sums and differences of these are exact in float64, so h is exact: a saturated pair
    # (±1e4), a long response (−40), a short one and a certain one (0); four arguments make
    # 4⁴ points per hyperparameter variant
    stress=(0.0, -0.75, -40.0, -1e4),
)


# the axis the DPO page's comparison shares: each loss's own implicit reward margin
# (Plot.overlay), at its default hyperparameters
REWARD_MARGIN = "implicit reward margin u"
REWARD_MARGIN_RANGE = (-4.0, 4.0)


@elementwise_loss(
    family="preference",
    formula=r"\ell(r_c, r_r) = -\log\sigma(r_c - r_r - m) = \mathrm{softplus}(r_r - r_c + m)",
    gradient=r"\frac{\partial \ell}{\partial r_c} = -\frac{\partial \ell}{\partial r_r} = -\sigma(r_r - r_c + m)",  # noqa: E501
    domain={"chosen_rewards": REAL, "rejected_rewards": REAL},
    use_case="Training a reward model from pairwise human preferences (InstructGPT, Llama 2).",
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={
        "PyTorch": "-F.logsigmoid(r_c - r_r - m) (no built-in)",
        "TRL": (
            "RewardTrainer (v1.9.0, `trl/trainer/reward_trainer.py`: −log σ(r_c − r_r − margin) with a "
            "`margin` column, the Llama 2 variant)"
        ),
    },
    references=(
        "Bradley & Terry, Rank Analysis of Incomplete Block Designs (1952)",
        "Christiano et al., Deep Reinforcement Learning from Human Preferences (2017)",
        "Ouyang et al., Training Language Models to Follow Instructions with Human Feedback (2022)",
        "Touvron et al., Llama 2: Open Foundation and Fine-Tuned Chat Models (2023)",
    ),
    differentiable=("chosen_rewards", "rejected_rewards"),
    plot=Plot(
        curve=Curve(
            x_label="reward gap r_c − r_r",
            x_range=(-6.0, 6.0),
            args=lambda x: (x, np.zeros_like(x)),
            series=tuple(Series(f"m = {m:g}", {}, {"margin": m}) for m in (0.0, 1.0, 3.0)),
            grad_label="gradient ∂ℓ/∂r_c (and ∂ℓ/∂r_r = −∂ℓ/∂r_c)",
        ),
        explore={"margin": (0.0, 3.0)},
    ),
    checks=Checks(
        variants=({"margin": 1.0}, {"margin": 0.5}),
        extremes=(
            Extreme([[1e4, -1e4, 1e8, 0.0, 1e-300, 40.0], [-1e4, 1e4, -1e8, 0.0, 0.0, 0.0]]),
            Extreme([[1e4, -1e4, 1.0, 700.0], [-1e4, 1e4, 0.0, -45.0]], {"margin": 1.0}),
        ),
        invalid=(Invalid({"margin": -1.0}, ValueError, "margin must be >= 0"),),
        torch_extremes=(
            Extreme([[1e4, -1e4, 1e8, 0.0, 1e-300, 40.0], [-1e4, 1e4, -1e8, 0.0, 0.0, 0.0]]),
            Extreme([[1e4, -1e4, 1.0, 700.0], [-1e4, 1e4, 0.0, -45.0]], {"margin": 1.0}),
        ),
    ),
)
def bradley_terry(chosen_rewards, rejected_rewards, *, margin=0.0):
    """Bradley–Terry pairwise loss of a reward model: −log σ(r_c − r_r − m).

    The probability that the chosen response beats the rejected one is σ(r_c − r_r); the loss
    is its negative log-likelihood. A margin m (Llama 2) demands the gap be at least about m.
    Computed as softplus(r_r − r_c + m), finite for any finite rewards.

    Args:
        chosen_rewards: Reward-model scores r_c of the preferred responses, any shape.
        rejected_rewards: Scores r_r of the rejected responses, the same shape.
            Differentiable too: ``grad(..., argnum=1)``.
        margin: m >= 0, the gap the chosen reward should keep (0: the plain model).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import bradley_terry
        >>> round(bradley_terry([0.0], [0.0]), 6)   # −log σ(0) = log 2
        0.693147
        >>> bradley_terry.grad([0.0], [0.0], reduction="sum", argnum=1)   # +σ(0)
        array([0.5])
    """
    non_negative(margin=margin)
    d = (rejected_rewards - chosen_rewards) + margin

    def backward():
        s = sigmoid(d)
        return {"chosen_rewards": -s, "rejected_rewards": s}

    return Result(softplus(d), backward)


@elementwise_loss(
    family="preference",
    formula=(
        r"h = \big(\log\pi_\theta(y_c) - \log\pi_{\mathrm{ref}}(y_c)\big) - \big(\log\pi_\theta(y_r) - \log\pi_{\mathrm{ref}}(y_r)\big)",  # noqa: E501
        r"\ell = (1-\varepsilon)\,\mathrm{softplus}(-\beta h) + \varepsilon\,\mathrm{softplus}(\beta h)",
    ),
    gradient=r"\frac{\partial \ell}{\partial \log\pi_\theta(y_c)} = -\frac{\partial \ell}{\partial \log\pi_\theta(y_r)} = \beta\,\big(\varepsilon - \sigma(-\beta h)\big)",  # noqa: E501
    domain={
        "policy_chosen_logps": SEQUENCE_LOG_PROB,
        "policy_rejected_logps": SEQUENCE_LOG_PROB,
        "reference_chosen_logps": SEQUENCE_LOG_PROB,
        "reference_rejected_logps": SEQUENCE_LOG_PROB,
    },
    use_case="Aligning a language model to pairwise preferences directly, without a reward model or RL.",
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "-F.logsigmoid(beta * h) (no built-in)",
        "TRL": (
            "v1.9.0 (`trl/trainer/dpo_config.py`, `dpo_trainer.py`): "
            '`DPOTrainer(args=DPOConfig(loss_type=["sigmoid"], beta=β))` for ε = 0 only: since '
            'v0.29.0 `"sigmoid"` ignores `label_smoothing` (up to v0.28.0 it was this cDPO ε)'
        ),
    },
    references=(
        "Rafailov, Sharma, Mitchell, Ermon, Manning & Finn, Direct Preference Optimization (NeurIPS 2023)",
        "Mitchell, A Note on DPO with Noisy Preferences and Relationship to IPO (2023): conservative DPO",
    ),
    differences=(
        Difference(
            "trl-dpo-label-smoothing",
            "TRL",
            "In TRL v1.9.0 (`trl/trainer/dpo_trainer.py`; the same since v0.29.0) `loss_type` is a "
            'list of `DPOConfig` fields and `"sigmoid"` is −log σ(βh) whatever `label_smoothing` '
            'is: `lossref`\'s ε = 0. The smoothing is read only by `"robust"` (rDPO: '
            "[(1 − ε)·softplus(−βh) − ε·softplus(βh)] / (1 − 2ε), an unbiased estimate that can be "
            'negative, not cDPO), `"exo_pair"` and `"aot"` (cDPO\'s form on sorted log-ratio '
            'differences). Up to v0.28.0 `"sigmoid"` with `label_smoothing=ε` was `lossref`\'s cDPO.',
        ),
    ),
    aliases=("direct preference optimization",),  # names readers search for
    differentiable=("policy_chosen_logps", "policy_rejected_logps"),
    plot=Plot(
        curve=Curve(
            x_label="log-ratio margin h",
            x_range=(-30.0, 30.0),
            # policy log-probs shifted below 0; h = x exactly
            args=lambda x: (x - 30.0, np.full_like(x, -30.0), np.full_like(x, -30.0), np.full_like(x, -30.0)),
            series=(
                Series("β = 0.1", {}, {}),
                Series("β = 0.25", {}, {"beta": 0.25}),
                Series("β = 0.1, ε = 0.1", {}, {"label_smoothing": 0.1}),
            ),
            grad_label="gradient ∂ℓ/∂log π_θ(y_c)",
        ),
        explore={"beta": (0.02, 1.0, "log"), "label_smoothing": (0.0, 0.45)},
        overlay=Curve(
            x_label=REWARD_MARGIN,
            x_range=REWARD_MARGIN_RANGE,
            args=lambda x: (
                x / 0.1 - 60.0,
                np.full_like(x, -60.0),
                np.full_like(x, -60.0),
                np.full_like(x, -60.0),
            ),
            series=(Series("β = 0.1, u = βh", {}, {}),),
        ),
    ),
    checks=Checks(
        variants=({"beta": 0.5, "label_smoothing": 0.1}, {"beta": 1.0, "label_smoothing": 0.3}),
        extremes=(
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -5.0, -2.0],
                    [-1.0, -1e4, -0.5, -5.0, -2.0],
                    [-1.0, -1e4, -1e-300, 0.0, -1e4],
                    [-1e4, -1.0, -800.0, 0.0, -1e4],
                ]
            ),
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -5.0],
                    [-1.0, -1e4, -0.5, -5.0],
                    [-1.0, -1e4, -1e-300, 0.0],
                    [-1e4, -1.0, -800.0, 0.0],
                ],
                {"beta": 1.0, "label_smoothing": 0.1},
            ),
        ),
        invalid=(
            Invalid({"beta": 0.0}, ValueError, "beta must be > 0"),
            Invalid({"label_smoothing": 0.5}, ValueError, "label_smoothing must be in [0, 0.5)"),
            Invalid({"label_smoothing": -0.1}, ValueError, "label_smoothing must be in [0, 0.5)"),
        ),
        # saturated pairs (h = ±2e4), log-probs of -1e-300 and 0, and cDPO smoothing on them
        torch_extremes=(
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -5.0, -2.0],
                    [-1.0, -1e4, -0.5, -5.0, -2.0],
                    [-1.0, -1e4, -1e-300, 0.0, -1e4],
                    [-1e4, -1.0, -800.0, 0.0, -1e4],
                ]
            ),
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -5.0],
                    [-1.0, -1e4, -0.5, -5.0],
                    [-1.0, -1e4, -1e-300, 0.0],
                    [-1e4, -1.0, -800.0, 0.0],
                ],
                {"beta": 1.0, "label_smoothing": 0.1},
            ),
        ),
    ),
)
def dpo(
    policy_chosen_logps,
    policy_rejected_logps,
    reference_chosen_logps,
    reference_rejected_logps,
    *,
    beta=0.1,
    label_smoothing=0.0,
):
    """Direct Preference Optimization loss (Rafailov et al. 2023), with cDPO label smoothing.

    h is how much more the policy than the frozen reference prefers the chosen response
    (a difference of log-ratios); the loss is −log σ(βh), a Bradley–Terry loss on the
    implicit reward β log(π_θ/π_ref). Label smoothing ε assumes each label is flipped with
    probability ε (conservative DPO): (1 − ε)·softplus(−βh) + ε·softplus(βh), as TRL's
    ``label_smoothing`` with ``loss_type="sigmoid"`` up to v0.28.0 (later TRL ignores it there). Only the policy log-probabilities are differentiable: the
    reference ones are constants.

    Args:
        policy_chosen_logps: log π_θ(y_c | x), summed over the chosen response's tokens.
        policy_rejected_logps: log π_θ(y_r | x) for the rejected response; the same shape.
            Differentiable too: ``grad(..., argnum=1)``.
        reference_chosen_logps: log π_ref(y_c | x) under the frozen reference model.
        reference_rejected_logps: log π_ref(y_r | x).
        beta: β > 0, the strength of the implicit KL penalty (TRL's default 0.1).
        label_smoothing: ε in [0, 0.5), the assumed rate of flipped labels (0: plain DPO).

    Returns:
        The mean loss over pairs by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import dpo
        >>> round(dpo([-5.0], [-5.0], [-5.0], [-5.0]), 6)   # h = 0: −log σ(0) = log 2
        0.693147
        >>> dpo.grad([-5.0], [-5.0], [-5.0], [-5.0], reduction="sum")   # β·(0 − σ(0)) = −0.05
        array([-0.05])
    """  # noqa: E501 (rewrapping it would change the page's whitespace)
    positive(beta=beta)
    if not 0 <= real_scalar(label_smoothing, "label_smoothing") < 0.5:
        raise ValueError(
            f"label_smoothing must be in [0, 0.5), got {label_smoothing} "
            "(at 0.5 and above the labels no longer say which response is preferred)"
        )
    h = (policy_chosen_logps - reference_chosen_logps) - (policy_rejected_logps - reference_rejected_logps)
    z = beta * h
    eps = float(label_smoothing)
    value = (1.0 - eps) * softplus(-z) + eps * softplus(z)  # both terms >= 0: no cancellation

    def backward():
        g = beta * (eps - sigmoid(-z))  # ∂ℓ/∂z = −(1−ε)σ(−z) + εσ(z) = ε − σ(−z)
        return {"policy_chosen_logps": g, "policy_rejected_logps": -g}

    return Result(value, backward)


def _ppo_kink_distance(log_probs, old_log_probs, advantages, clip_eps=0.2):
    d = log_probs - old_log_probs
    return np.minimum(np.abs(d - np.log1p(clip_eps)), np.abs(d - np.log1p(-clip_eps)))


@elementwise_loss(
    family="preference",
    formula=(
        r"\rho = e^{\log\pi_\theta(a|s) - \log\pi_{\mathrm{old}}(a|s)}",
        r"\ell = -\min\big(\rho A,\ \mathrm{clip}(\rho, 1-\epsilon, 1+\epsilon)\,A\big)",
    ),
    gradient=r"\frac{\partial \ell}{\partial \log\pi_\theta} = \begin{cases} 0 & A > 0,\ \rho > 1+\epsilon \ \text{ or } \ A < 0,\ \rho < 1-\epsilon \\ -A\rho & \text{otherwise (also at } \rho = 1\pm\epsilon) \end{cases}",  # noqa: E501
    domain={"log_probs": REAL, "old_log_probs": REAL, "advantages": REAL},  # log-densities may exceed 0
    use_case=(
        "The policy term of Proximal Policy Optimization: policy-gradient steps that cannot move far from "
        "the data-collecting policy."
    ),
    properties=(),
    equivalents={
        "PyTorch": "-torch.min(ratio * A, ratio.clamp(1 - eps, 1 + eps) * A) (no built-in)",
        "Stable-Baselines3": (
            "PPO(clip_range=0.2) policy loss (v2.8.0, `stable_baselines3/ppo/ppo.py`; it normalises the "
            "advantages per minibatch by default)"
        ),
        "TRL": (
            "`trl.experimental.ppo` policy loss with `PPOConfig(cliprange=0.2)` (v1.9.0, "
            "`trl/experimental/ppo/ppo_trainer.py`)"
        ),
    },
    references=(
        "Schulman, Wolski, Dhariwal, Radford & Klimov, Proximal Policy Optimization Algorithms (2017)",
    ),
    aliases=("PPO", "clipped surrogate objective"),  # names readers search for
    plot=Plot(
        curve=Curve(
            x_label="log-ratio log π_θ − log π_old",
            x_range=(-0.7, 0.7),
            args=lambda x, A: (x, np.zeros_like(x), np.full_like(x, A)),
            series=(
                Series("A = +1, ε = 0.2", {"A": 1.0}, {}),
                Series("A = −1, ε = 0.2", {"A": -1.0}, {}),
                Series("A = +1, ε = 0.1", {"A": 1.0}, {"clip_eps": 0.1}),
            ),
            grad_label="gradient ∂ℓ/∂log π_θ",
        ),
        explore={"clip_eps": (0.05, 0.5)},
    ),
    checks=Checks(
        variants=({"clip_eps": 0.1},),
        extremes=(
            Extreme(
                [
                    [0.0, -700.0, 5.0, -3.0, 1.0, 0.0],
                    [-700.0, 0.0, 5.0, -3.0, 1.1, -40.0],
                    [-1.0, 1e8, -1e8, 0.0, 2.0, 1e-300],
                ]
            ),
            Extreme(
                [[0.0, -700.0, -0.5, 0.5], [-700.0, 0.0, 0.0, 0.0], [-1e-3, 1e8, -1e8, 1e8]],
                {"clip_eps": 0.3},
            ),
        ),
        invalid=(
            Invalid({"clip_eps": 0.0}, ValueError, "clip_eps must be in (0, 1)"),
            Invalid({"clip_eps": 1.0}, ValueError, "clip_eps must be in (0, 1)"),
        ),
        kink_distance=_ppo_kink_distance,
        # ratios of e^±700, advantages of ±1e8 and 0, both clipped branches (away from the boundary)
        torch_extremes=(
            Extreme(
                [
                    [0.0, -700.0, 5.0, -3.0, 1.0, 0.0],
                    [-700.0, 0.0, 5.0, -3.0, 1.1, -40.0],
                    [-1.0, 1e8, -1e8, 0.0, 2.0, 1e-300],
                ]
            ),
            Extreme(
                [[0.0, -700.0, -0.5, 0.5], [-700.0, 0.0, 0.0, 0.0], [-1e-3, 1e8, -1e8, 1e8]],
                {"clip_eps": 0.3},
            ),
        ),
    ),
)
def ppo_clip(log_probs, old_log_probs, advantages, *, clip_eps=0.2):
    """PPO's clipped surrogate objective, negated so that it is a loss to minimise.

    With ρ = π_θ/π_old = exp(log π_θ − log π_old), the loss is −min(ρA, clip(ρ, 1−ε, 1+ε)A).
    Once ρ has moved past 1 + ε in the direction the advantage rewards (A > 0) or below
    1 − ε (A < 0), the clipped branch is the minimum and the gradient is 0: the sample stops
    pushing. Elsewhere the gradient is −Aρ. Exactly at ρ = 1 ± ε both branches are equal and
    ``lossref`` returns −Aρ, the unclipped side (and what autograd of the usual
    ``torch.min``/``clamp`` code gives). Only ``log_probs`` is differentiable: the old
    log-probabilities and the advantages are data.

    Args:
        log_probs: log π_θ(a | s) of the taken actions under the current policy, any shape.
        old_log_probs: log π_old(a | s) under the policy that collected the data; same shape.
        advantages: Advantage estimates A (usually normalised per batch); same shape.
        clip_eps: ε in (0, 1), the trust region of the ratio (0.2 in the paper).

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import ppo_clip
        >>> ppo_clip([0.0, 1.0], [0.0, 0.0], [2.0, 2.0], reduction="none")   # ρ = 1: −2; ρ = e clipped to 1.2: −2.4
        array([-2. , -2.4])
        >>> ppo_clip.grad([0.0, 1.0], [0.0, 0.0], [2.0, 2.0], reduction="sum")   # −Aρ, then 0 (clipped)
        array([-2.,  0.])
    """  # noqa: E501 (doctest lines with their hand-computed values)
    in_open_unit_interval(clip_eps=clip_eps)
    a, d = advantages, log_probs - old_log_probs
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = np.exp(d)
        # where ρ overflows or is subnormal, ρA may still be an ordinary number: e^{d + log|A|}
        scaled = -np.sign(a) * np.exp(d + np.log(np.abs(a)))
        unclipped_value = np.where(np.isfinite(ratio) & (ratio >= np.finfo(float).tiny), -a * ratio, scaled)
    # A > 0: min(ρ, 1+ε)·A; A < 0: max(ρ, 1−ε)·A; the unclipped side keeps the boundary
    clipped = np.where(a > 0, ratio > 1.0 + clip_eps, ratio < 1.0 - clip_eps)
    bound = np.where(a > 0, 1.0 + clip_eps, 1.0 - clip_eps)
    value = np.where(clipped, -a * bound, unclipped_value)
    value = np.where(a == 0, 0.0, value)
    return Result(value, lambda: np.where(clipped | (a == 0), 0.0, unclipped_value))


# --- DPO's successors (issue 20): SimPO, IPO, ORPO, KTO -------------------------------------


def _token_counts(value, name):
    arr = as_float_array(value, name)
    if (arr < 1).any():
        raise ValueError(f"{name} must be token counts >= 1; got {float(arr[arr < 1].flat[0])!r}")
    return arr


RESPONSE_LENGTH = Domain(
    "|y| ≥ 1: the response's number of tokens (non-integer counts are accepted)",
    _token_counts,
    lambda rng, shape: rng.integers(1, 200, size=shape).astype(float),
    invalid=(Invalid(0.0, ValueError, "must be token counts >= 1"),),
    # one token, a short answer, a long one
    stress=(1.0, 7.0, 1e3),
)


@elementwise_loss(
    family="preference",
    formula=(
        r"\Delta = \frac{\log\pi_\theta(y_c)}{|y_c|} - \frac{\log\pi_\theta(y_r)}{|y_r|}",
        r"\ell = -\log\sigma(\beta\Delta - \gamma) = \mathrm{softplus}(\gamma - \beta\Delta)",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \log\pi_\theta(y_c)} = -\frac{\beta\,\sigma(\gamma - \beta\Delta)}{|y_c|}",  # noqa: E501
        r"\frac{\partial \ell}{\partial \log\pi_\theta(y_r)} = \frac{\beta\,\sigma(\gamma - \beta\Delta)}{|y_r|}",  # noqa: E501
    ),
    domain={
        "policy_chosen_logps": SEQUENCE_LOG_PROB,
        "policy_rejected_logps": SEQUENCE_LOG_PROB,
        "chosen_lengths": RESPONSE_LENGTH,
        "rejected_lengths": RESPONSE_LENGTH,
    },
    use_case=(
        "Preference tuning without a reference model: a Bradley–Terry loss on length-averaged "
        "log-probabilities with a target margin."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "F.softplus(gamma - beta * (lp_c / len_c - lp_r / len_r)) (no built-in)",
        "TRL": (
            "v1.9.0 (`trl/experimental/cpo/cpo_trainer.py`, `cpo_config.py`): "
            '`CPOTrainer(args=CPOConfig(loss_type="simpo", beta=β, simpo_gamma=γ, cpo_alpha=0.0))`; '
            "its defaults are `beta=0.1`, `simpo_gamma=0.5` and `cpo_alpha=1.0`, which adds the "
            "chosen response's token-mean NLL (CPO's term)"
        ),
    },
    references=(
        "Meng, Xia & Chen, SimPO: Simple Preference Optimization with a Reference-Free Reward (NeurIPS 2024)",
    ),
    aliases=("simple preference optimization",),
    differentiable=("policy_chosen_logps", "policy_rejected_logps"),
    plot=Plot(
        curve=Curve(
            x_label="length-averaged log-probability margin Δ",
            x_range=(-3.0, 3.0),
            # one-token responses below log π = 0: Δ = x exactly
            args=lambda x: (x - 3.0, np.full_like(x, -3.0), np.ones_like(x), np.ones_like(x)),
            series=(
                Series("β = 2, γ = 1", {}, {}),
                Series("β = 2, γ = 0", {}, {"gamma": 0.0}),
                Series("β = 5, γ = 1", {}, {"beta": 5.0}),
            ),
            grad_label="gradient ∂ℓ/∂log π_θ(y_c) (one-token response)",
        ),
        explore={"beta": (0.5, 10.0, "log"), "gamma": (0.0, 3.0)},
        overlay=Curve(
            x_label=REWARD_MARGIN,
            x_range=REWARD_MARGIN_RANGE,
            args=lambda x: (x / 2.0 - 3.0, np.full_like(x, -3.0), np.ones_like(x), np.ones_like(x)),
            series=(Series("β = 2, γ = 1, u = βΔ", {}, {}),),
        ),
    ),
    checks=Checks(
        variants=({"beta": 2.5, "gamma": 1.4}, {"beta": 0.1, "gamma": 0.0}),
        extremes=(
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -0.5, -2.0],
                    [-1.0, -1e4, -0.5, -0.5, -1e4],
                    [1.0, 1.0, 1e3, 1.0, 1e300],
                    [1.0, 3.0, 1.0, 1e8, 1.0],
                ]
            ),
            Extreme([[-1e4, -1.0], [-1.0, -1e4], [1.0, 1.0], [1.0, 1.0]], {"beta": 10.0, "gamma": 3.0}),
        ),
        invalid=(
            Invalid({"beta": 0.0}, ValueError, "beta must be > 0"),
            Invalid({"gamma": -0.5}, ValueError, "gamma must be >= 0"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -0.5, -2.0],
                    [-1.0, -1e4, -0.5, -0.5, -1e4],
                    [1.0, 1.0, 1e3, 1.0, 1e300],
                    [1.0, 3.0, 1.0, 1e8, 1.0],
                ]
            ),
        ),
    ),
)
def simpo(
    policy_chosen_logps, policy_rejected_logps, chosen_lengths, rejected_lengths, *, beta=2.0, gamma=1.0
):
    """SimPO (Meng et al. 2024): a reference-free Bradley–Terry loss on length-averaged log-probabilities.

    The implicit reward of a response is β log π_θ(y)/|y|, its average token log-probability
    times β; the loss is −log σ(β Δ − γ) with Δ the chosen minus the rejected average. The
    target margin γ asks the chosen reward to lead by about γ. No reference model is involved.

    Args:
        policy_chosen_logps: log π_θ(y_c | x), summed over the chosen response's tokens.
        policy_rejected_logps: log π_θ(y_r | x) for the rejected response; the same shape.
            Differentiable too: ``grad(..., argnum=1)``.
        chosen_lengths: |y_c|, the chosen response's token count (>= 1); the same shape.
        rejected_lengths: |y_r|, the rejected response's token count.
        beta: β > 0, the reward scale. Average log-probabilities are small, so it is large
            (2.0 here; TRL's ``CPOConfig`` default 0.1 is CPO's).
        gamma: γ >= 0, the target reward margin (TRL's ``simpo_gamma``, default 0.5 there).

    Returns:
        The mean loss over pairs by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import simpo
        >>> round(simpo([-4.0], [-6.0], [2.0], [2.0]), 6)   # Δ = −2 − (−3) = 1: softplus(1 − 2)
        0.313262
        >>> simpo.grad([-4.0], [-6.0], [2.0], [2.0], reduction="sum").round(6)   # −β σ(−1) / 2
        array([-0.268941])
    """
    positive(beta=beta)
    non_negative(gamma=gamma)
    delta = policy_chosen_logps / chosen_lengths - policy_rejected_logps / rejected_lengths
    d = gamma - beta * delta

    def backward():
        s = beta * sigmoid(d)
        return {"policy_chosen_logps": -s / chosen_lengths, "policy_rejected_logps": s / rejected_lengths}

    return Result(softplus(d), backward)


@elementwise_loss(
    family="preference",
    formula=(
        r"h = \big(\log\pi_\theta(y_c) - \log\pi_{\mathrm{ref}}(y_c)\big) - \big(\log\pi_\theta(y_r) - \log\pi_{\mathrm{ref}}(y_r)\big)",  # noqa: E501
        r"\ell = \Big(h - \frac{1}{2\tau}\Big)^2",
    ),
    gradient=r"\frac{\partial \ell}{\partial \log\pi_\theta(y_c)} = -\frac{\partial \ell}{\partial \log\pi_\theta(y_r)} = 2\Big(h - \frac{1}{2\tau}\Big)",  # noqa: E501
    domain={
        "policy_chosen_logps": SEQUENCE_LOG_PROB,
        "policy_rejected_logps": SEQUENCE_LOG_PROB,
        "reference_chosen_logps": SEQUENCE_LOG_PROB,
        "reference_rejected_logps": SEQUENCE_LOG_PROB,
    },
    use_case=(
        "Preference tuning that regresses the log-ratio margin to a finite target, so the policy "
        "stays near the reference even on deterministic preferences."
    ),
    properties=("non_negative", "convex", "smooth"),
    equivalents={
        "PyTorch": "(h - 1 / (2 * tau)) ** 2 (no built-in)",
        "TRL": (
            "v1.9.0 (`trl/trainer/dpo_config.py`, `dpo_trainer.py`): "
            '`DPOTrainer(args=DPOConfig(loss_type=["ipo"], beta=τ))` on length-averaged log-ratios '
            "(see the differences)"
        ),
    },
    references=(
        "Azar, Rowland, Piot, Guo, Calandriello, Valko & Munos, A General Theoretical Paradigm to "
        "Understand Learning from Human Preferences (AISTATS 2024)",
    ),
    differences=(
        Difference(
            "trl-ipo-length-normalised",
            "TRL",
            'In TRL v1.9.0 (`trl/trainer/dpo_trainer.py`) `loss_type=["ipo"]` divides each '
            "response's log-ratio by its number of completion tokens (at least 1) before taking h; "
            "the paper's eq. 17 and `lossref` use the log-ratios as given. To get TRL's loss, pass "
            "per-token averages: each response's policy and reference log-probabilities divided by "
            "its length.",
        ),
    ),
    aliases=("identity preference optimization", "ΨPO"),
    differentiable=("policy_chosen_logps", "policy_rejected_logps"),
    plot=Plot(
        curve=Curve(
            x_label="log-ratio margin h",
            x_range=(-5.0, 15.0),
            # policy log-probs shifted below 0; h = x exactly
            args=lambda x: (x - 30.0, np.full_like(x, -30.0), np.full_like(x, -30.0), np.full_like(x, -30.0)),
            series=(
                Series("τ = 0.1 (target h = 5)", {}, {}),
                Series("τ = 0.25 (target 2)", {}, {"tau": 0.25}),
                Series("τ = 1 (target 0.5)", {}, {"tau": 1.0}),
            ),
            grad_label="gradient ∂ℓ/∂log π_θ(y_c)",
            y_limits=(0.0, 60.0),
        ),
        # the middle stop is τ = 0.25 (target 2, a grid point): the page rounds τ to 4 digits
        explore={"tau": (0.05, 1.25, "log")},
        overlay=Curve(
            x_label=REWARD_MARGIN,
            x_range=REWARD_MARGIN_RANGE,
            args=lambda x: (
                x / 0.1 - 60.0,
                np.full_like(x, -60.0),
                np.full_like(x, -60.0),
                np.full_like(x, -60.0),
            ),
            series=(Series("τ = 0.1, u = τh", {}, {}),),
            y_limits=(0.0, 5.0),
        ),
    ),
    checks=Checks(
        variants=({"tau": 0.5}, {"tau": 0.01}),
        extremes=(
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -5.0, -2.0],
                    [-1.0, -1e4, -0.5, -5.0, -2.0],
                    [-1.0, -1e4, -1e-300, 0.0, -1e4],
                    [-1e4, -1.0, -800.0, 0.0, -1e4],
                ]
            ),
            Extreme([[-1e4, -1.0], [-1.0, -1e4], [-1.0, -1e4], [-1e4, -1.0]], {"tau": 1e-3}),
        ),
        invalid=(
            Invalid({"tau": 0.0}, ValueError, "tau must be > 0"),
            Invalid({"tau": -0.1}, ValueError, "tau must be > 0"),
        ),
        torch_extremes=(
            Extreme(
                [
                    [-1e4, -1.0, -700.0, -5.0, -2.0],
                    [-1.0, -1e4, -0.5, -5.0, -2.0],
                    [-1.0, -1e4, -1e-300, 0.0, -1e4],
                    [-1e4, -1.0, -800.0, 0.0, -1e4],
                ]
            ),
        ),
    ),
)
def ipo(
    policy_chosen_logps,
    policy_rejected_logps,
    reference_chosen_logps,
    reference_rejected_logps,
    *,
    tau=0.1,
):
    """IPO (Azar et al. 2024): the log-ratio margin h regressed to the target 1/(2τ).

    h is DPO's difference of log-ratios between the chosen and the rejected response. DPO's
    −log σ(βh) keeps falling as h grows, so with deterministic preferences it pushes h to
    infinity; IPO's square is minimal at h = 1/(2τ), a finite distance from the reference.
    Only the policy log-probabilities are differentiable.

    Args:
        policy_chosen_logps: log π_θ(y_c | x), summed over the chosen response's tokens (or
            averaged: see the TRL difference).
        policy_rejected_logps: log π_θ(y_r | x) for the rejected response; the same shape.
            Differentiable too: ``grad(..., argnum=1)``.
        reference_chosen_logps: log π_ref(y_c | x) under the frozen reference model.
        reference_rejected_logps: log π_ref(y_r | x).
        tau: τ > 0, the regularisation strength (TRL's ``beta``, default 0.1 there too): a
            smaller τ sets a larger target margin 1/(2τ).

    Returns:
        The mean loss over pairs by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import ipo
        >>> ipo([-5.0], [-5.0], [-5.0], [-5.0])   # h = 0: (0 − 1/0.2)² = 25
        25.0
        >>> ipo.grad([-5.0], [-5.0], [-5.0], [-5.0], reduction="sum")   # 2(h − 5)
        array([-10.])
    """
    positive(tau=tau)
    h = (policy_chosen_logps - reference_chosen_logps) - (policy_rejected_logps - reference_rejected_logps)
    r = h - 0.5 / tau

    def backward():
        g = 2.0 * r
        return {"policy_chosen_logps": g, "policy_rejected_logps": -g}

    return Result(r * r, backward)


def _negative_log_probabilities(value, name):
    arr = log_probabilities(value, name, hint="pass the summed log-probability of the response")
    if (arr == 0).any():
        raise ValueError(
            f"{name} must be log-probabilities < 0: a response of probability 1 has infinite odds"
        )
    return arr


NEGATIVE_SEQUENCE_LOG_PROB = Domain(
    "(−∞, 0): log π(y | x) summed over the response's tokens; 0 (certainty) has infinite odds",
    _negative_log_probabilities,
    lambda rng, shape: rng.uniform(-60.0, -1.0, size=shape),
    invalid=(
        Invalid(0.5, ValueError, "must be log-probabilities (<= 0)"),
        Invalid(0.0, ValueError, "must be log-probabilities < 0"),
    ),
    # a response of probability 1 − 1e-300 (odds 1e300), a likely one, a long one, a saturated one
    stress=(-1e-300, -0.75, -40.0, -1e4),
    # relative steps near 0, where the odds bend on the scale of |log π| itself
    fd_step=lambda x: 1e-3 * min(1.0, float(np.abs(x).min())),
)


def _log1mexp(x):
    """log(1 − eˣ) for x < 0 without cancellation (Mächler 2012).

    log(−expm1 x) above −log 2, where eˣ is near 1, and log1p(−eˣ) below it, where eˣ is small.
    """
    with np.errstate(divide="ignore"):  # np.where evaluates both branches
        return np.where(x > -np.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


@elementwise_loss(
    family="preference",
    formula=(
        r"\bar m = \frac{\log\pi_\theta(y)}{|y|},\quad \log\mathrm{odds}(y) = \bar m - \log\big(1 - e^{\bar m}\big)",  # noqa: E501
        r"\ell = -\bar m_c - \lambda \log\sigma\big(\log\mathrm{odds}(y_c) - \log\mathrm{odds}(y_r)\big)",
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \log\pi_\theta(y_c)} = -\frac{1}{|y_c|}\Big(1 + \frac{\lambda\,\sigma(-x)}{1 - e^{\bar m_c}}\Big),\quad x = \log\mathrm{odds}(y_c) - \log\mathrm{odds}(y_r)",  # noqa: E501
        r"\frac{\partial \ell}{\partial \log\pi_\theta(y_r)} = \frac{1}{|y_r|}\,\frac{\lambda\,\sigma(-x)}{1 - e^{\bar m_r}}",  # noqa: E501
    ),
    domain={
        "policy_chosen_logps": NEGATIVE_SEQUENCE_LOG_PROB,
        "policy_rejected_logps": NEGATIVE_SEQUENCE_LOG_PROB,
        "chosen_lengths": RESPONSE_LENGTH,
        "rejected_lengths": RESPONSE_LENGTH,
    },
    use_case=(
        "Supervised fine-tuning and preference alignment in one stage, without a reference model: "
        "the chosen response's NLL plus an odds-ratio penalty on the rejected one."
    ),
    properties=("non_negative", "smooth"),
    equivalents={
        "PyTorch": "-m_c - lam * F.logsigmoid(log_odds_c - log_odds_r) (no built-in)",
        "TRL": (
            "v1.9.0 (`trl/experimental/orpo/orpo_trainer.py`, `orpo_config.py`): "
            "`ORPOTrainer(args=ORPOConfig(beta=λ))` (default 0.1), with its NLL over the prompt too "
            "(see the differences)"
        ),
    },
    references=(
        "Hong, Lee & Thorne, ORPO: Monolithic Preference Optimization without Reference Model (EMNLP 2024)",
        "Mächler, Accurately Computing log(1 − exp(−|a|)) (Rmpfr vignette, 2012)",
    ),
    differences=(
        Difference(
            "trl-orpo-nll-over-prompt",
            "TRL",
            "In TRL v1.9.0 (`trl/experimental/orpo/orpo_trainer.py`) the NLL term of a decoder-only "
            "model is a cross-entropy over the prompt's and the chosen response's tokens, averaged "
            "over all tokens of the batch; `lossref` (as the paper's L_SFT) averages over each "
            "chosen response's tokens, then over pairs. The odds-ratio term is the same: TRL also "
            "averages the response's log-probabilities and uses a stable log1mexp.",
        ),
    ),
    aliases=("odds ratio preference optimization",),
    differentiable=("policy_chosen_logps", "policy_rejected_logps"),
    plot=Plot(
        curve=Curve(
            x_label="chosen response's mean token log-probability m̄_c",
            x_range=(-4.0, -0.05),
            # one-token responses, so m̄ = log π; the rejected one fixed
            args=lambda x, rejected=-1.0: (
                x,
                np.full_like(x, rejected),
                np.ones_like(x),
                np.ones_like(x),
            ),
            series=(
                Series("m̄_r = −1, λ = 0.1", {}, {}),
                Series("m̄_r = −1, λ = 1", {}, {"lam": 1.0}),
                Series("m̄_r = −0.25, λ = 1", {"rejected": -0.25}, {"lam": 1.0}),
            ),
            grad_label="gradient ∂ℓ/∂log π_θ(y_c) (one-token response)",
        ),
        explore={"lam": (0.0, 2.0)},
        overlay=Curve(
            x_label=REWARD_MARGIN,
            x_range=REWARD_MARGIN_RANGE,
            # the rejected response at p = 1/2 (odds 1), the chosen at log odds u: m̄_c = log σ(u)
            args=lambda x: (-softplus(-x), np.full_like(x, np.log(0.5)), np.ones_like(x), np.ones_like(x)),
            series=(Series("λ = 0.1, p_r = ½, u = log odds ratio", {}, {}),),
        ),
    ),
    checks=Checks(
        variants=({"lam": 1.0}, {"lam": 0.0}),
        extremes=(
            Extreme(
                [
                    [-1e4, -0.5, -700.0, -1e-12, -1e-200, -2.0],
                    [-0.5, -1e4, -1e-12, -700.0, -1.0, -1e-200],
                    [1.0, 1.0, 1e3, 1.0, 1.0, 7.0],
                    [1.0, 3.0, 1.0, 1e3, 1.0, 1.0],
                ]
            ),
            Extreme([[-1e4, -1e-12], [-1e-12, -1e4], [1.0, 1.0], [1.0, 1.0]], {"lam": 2.0}),
        ),
        invalid=(Invalid({"lam": -0.1}, ValueError, "lam must be >= 0"),),
        # not |m̄| < 1e-16: there e^m̄ rounds to 1 and autograd of TRL's torch.where log1mexp
        # multiplies the unused branch's infinite derivative by 0 (NaN)
        torch_extremes=(
            Extreme(
                [
                    [-1e4, -0.5, -700.0, -1e-12, -1e-9, -2.0],
                    [-0.5, -1e4, -1e-12, -700.0, -1.0, -1e-9],
                    [1.0, 1.0, 1e3, 1.0, 1.0, 7.0],
                    [1.0, 3.0, 1.0, 1e3, 1.0, 1.0],
                ]
            ),
        ),
    ),
)
def orpo(policy_chosen_logps, policy_rejected_logps, chosen_lengths, rejected_lengths, *, lam=0.1):
    """ORPO (Hong et al. 2024): the chosen response's NLL plus λ times an odds-ratio loss.

    With m̄ = log π_θ(y)/|y| the mean token log-probability and p = e^m̄, the odds of a
    response are p/(1 − p). The loss is −m̄_c − λ log σ(log odds(y_c) − log odds(y_r)): a
    supervised term on the chosen response and a Bradley–Terry term on the log odds ratio,
    with no reference model. log(1 − e^m̄) is computed as log1mexp, exact for m̄ near 0 and
    very negative alike, so the loss is finite for every log-probability < 0.

    Args:
        policy_chosen_logps: log π_θ(y_c | x) < 0, summed over the chosen response's tokens.
        policy_rejected_logps: log π_θ(y_r | x) < 0 for the rejected response; the same shape.
            Differentiable too: ``grad(..., argnum=1)``.
        chosen_lengths: |y_c|, the chosen response's token count (>= 1); the same shape.
        rejected_lengths: |y_r|, the rejected response's token count.
        lam: λ >= 0, the weight of the odds-ratio term (TRL's ``beta``, default 0.1 there
            too; 0 leaves supervised fine-tuning).

    Returns:
        The mean loss over pairs by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import orpo
        >>> half = [math.log(0.5)]   # p = 1/2 for both: odds 1, log odds ratio 0
        >>> round(orpo(half, half, [1.0], [1.0]), 6)   # log 2 + 0.1 log 2
        0.762462
        >>> orpo.grad(half, half, [1.0], [1.0], reduction="sum").round(6)   # −1 − 0.1 σ(0)/(1 − 1/2)
        array([-1.1])
    """
    non_negative(lam=lam)
    mean_c = policy_chosen_logps / chosen_lengths
    mean_r = policy_rejected_logps / rejected_lengths
    log1m_c, log1m_r = _log1mexp(mean_c), _log1mexp(mean_r)
    x = (mean_c - mean_r) - (log1m_c - log1m_r)  # the log odds ratio

    def backward():
        # w = λσ(−x)/(1 − p_c) = λ / ((1 − p_c) + (p_c/p_r)(1 − p_r)): a sum of two positive
        # terms, each to a few ulps (σ(−x) itself would underflow where 1/(1 − p_c) overflows,
        # and its exponent, up to 745, carries an absolute error of 1e-13)
        one_minus_c, one_minus_r = -np.expm1(mean_c), -np.expm1(mean_r)
        with np.errstate(over="ignore"):  # p_c/p_r = inf: w = 0, as σ(−x) underflows
            w_c = lam / (one_minus_c + np.exp(mean_c - mean_r) * one_minus_r)
        w_r = w_c * (one_minus_c / one_minus_r)  # λσ(−x)/(1 − p_r)
        return {
            "policy_chosen_logps": -(1.0 + w_c) / chosen_lengths,
            "policy_rejected_logps": w_r / rejected_lengths,
        }

    return Result(-mean_c + lam * softplus(-x), backward)


def _desirable(value, name):
    try:  # TRL's boolean ``label`` column, as 0/1 (a ragged list is as_float_array's to report)
        if np.asarray(value).dtype == bool:
            value = np.asarray(value, dtype=float)
    except ValueError:
        pass
    arr = as_float_array(value, name)
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        raise ValueError(
            f"{name} must be 0 or 1 (True: a desirable response, False: an undesirable one); "
            f"got {float(arr[bad].flat[0])!r}"
        )
    return arr


DESIRABLE = Domain(
    "{0, 1}: 1 (True) where the response is desirable, 0 where it is undesirable",
    _desirable,
    lambda rng, shape: rng.integers(0, 2, size=shape).astype(float),
    invalid=(Invalid(0.5, ValueError, "must be 0 or 1"), Invalid(-1.0, ValueError, "must be 0 or 1")),
    stress=(0.0, 1.0),
)


def _reference_point(value, shape):
    """z₀: a number, or an array of the responses' shape (a per-sample estimate)."""
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return real_scalar(value, "reference_point")
    arr = as_float_array(value, "reference_point")
    if arr.shape not in ((), shape):
        raise ValueError(
            f"reference_point must be a number or have the responses' shape {shape}; got shape {arr.shape}"
        )
    return arr


@elementwise_loss(
    family="preference",
    formula=(
        r"r = \log\pi_\theta(y) - \log\pi_{\mathrm{ref}}(y)",
        r"\ell = \begin{cases} \lambda_D\,\big(1 - \sigma(\beta(r - z_0))\big) & y \text{ desirable} \\ \lambda_U\,\big(1 - \sigma(\beta(z_0 - r))\big) & y \text{ undesirable} \end{cases}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell}{\partial \log\pi_\theta(y)} = \mp\lambda\,\beta\,\sigma(v)\,\sigma(-v),\quad v = \pm\beta(r - z_0)\ \ (\text{upper sign: desirable})",  # noqa: E501
    domain={
        "policy_logps": SEQUENCE_LOG_PROB,
        "reference_logps": SEQUENCE_LOG_PROB,
        "desirable": DESIRABLE,
    },
    use_case=(
        "Aligning a language model to unpaired binary feedback (thumbs up or down per response), "
        "without preference pairs."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": "w * (1 - torch.sigmoid(sign * beta * (r - z0))) (no built-in)",
        "TRL": (
            "v1.9.0 (`trl/trainer/kto_trainer.py`, `kto_config.py`): "
            '`KTOTrainer(args=KTOConfig(loss_type="kto", beta=β, desirable_weight=λ_D, '
            "undesirable_weight=λ_U))`, which estimates z₀ itself (see the page)"
        ),
    },
    references=(
        "Ethayarajh, Xu, Muennighoff, Jurafsky & Kiela, KTO: Model Alignment as Prospect Theoretic "
        "Optimization (ICML 2024)",
    ),
    aliases=("Kahneman–Tversky optimization",),
    required={"reference_point": 0.5},
    plot=Plot(
        curve=Curve(
            x_label="log-ratio r = log π_θ(y) − log π_ref(y)",
            x_range=(-40.0, 40.0),
            # log-probs shifted below 0; r = x exactly
            args=lambda x, desirable=1.0: (x - 40.0, np.full_like(x, -40.0), np.full_like(x, desirable)),
            series=(
                Series("desirable, z₀ = 0", {}, {"reference_point": 0.0}),
                Series("undesirable, z₀ = 0", {"desirable": 0.0}, {"reference_point": 0.0}),
                Series("desirable, z₀ = 10", {}, {"reference_point": 10.0}),
            ),
            grad_label="gradient ∂ℓ/∂log π_θ(y)",
        ),
        explore={"beta": (0.02, 1.0, "log"), "reference_point": (0.0, 20.0)},
        overlay=Curve(
            x_label=REWARD_MARGIN,
            x_range=REWARD_MARGIN_RANGE,
            args=lambda x: (x / 0.1 - 60.0, np.full_like(x, -60.0), np.ones_like(x)),
            series=(Series("desirable, β = 0.1, u = β(r − z₀)", {}, {"reference_point": 0.0}),),
        ),
    ),
    checks=Checks(
        variants=(
            {"beta": 1.0, "desirable_weight": 1.33, "undesirable_weight": 0.5},
            {"reference_point": 0.0},
        ),
        extremes=(
            Extreme(
                [[-1e4, -1.0, -700.0, -2.0], [-1.0, -1e4, -0.5, -2.0], [1.0, 1.0, 0.0, 0.0]],
                {"reference_point": 0.0},
            ),
            Extreme(
                [[-1e4, -1.0, -700.0, -2.0], [-1.0, -1e4, -0.5, -2.0], [0.0, 0.0, 1.0, 1.0]],
                {"beta": 1.0, "reference_point": 1e4},
            ),
        ),
        invalid=(
            Invalid({"beta": 0.0}, ValueError, "beta must be > 0"),
            Invalid({"desirable_weight": -1.0}, ValueError, "desirable_weight must be >= 0"),
            Invalid({"undesirable_weight": -1.0}, ValueError, "undesirable_weight must be >= 0"),
            Invalid({"reference_point": float("nan")}, ValueError, "reference_point must be finite"),
            Invalid({"reference_point": "0.5"}, TypeError, "reference_point must be a real number"),
        ),
        torch_extremes=(
            Extreme(
                [[-1e4, -1.0, -700.0, -2.0], [-1.0, -1e4, -0.5, -2.0], [1.0, 1.0, 0.0, 0.0]],
                {"reference_point": 0.0},
            ),
            Extreme(
                [[-1e4, -1.0, -700.0, -2.0], [-1.0, -1e4, -0.5, -2.0], [0.0, 0.0, 1.0, 1.0]],
                {"beta": 1.0, "reference_point": 1e4},
            ),
        ),
    ),
)
def kto(
    policy_logps,
    reference_logps,
    desirable,
    *,
    reference_point,
    beta=0.1,
    desirable_weight=1.0,
    undesirable_weight=1.0,
):
    """KTO (Ethayarajh et al. 2024): a prospect-theory value of each response's implicit reward.

    Each response is labelled desirable or undesirable on its own (no pairs). Its implicit
    reward r = log π_θ(y)/π_ref(y) is compared with a reference point z₀, an estimate of
    KL(π_θ ‖ π_ref): a desirable response costs λ_D(1 − σ(β(r − z₀))), an undesirable one
    λ_U(1 − σ(β(z₀ − r))). The loss is bounded by λ and saturates once a response is well
    on its side of z₀. z₀ is an input here, not differentiated: TRL estimates it per batch
    from mismatched prompt–response pairs and detaches it. Only ``policy_logps`` is
    differentiable.

    Args:
        policy_logps: log π_θ(y | x), summed over the response's tokens, any shape.
        reference_logps: log π_ref(y | x) under the frozen reference; the same shape.
        desirable: 1 (True) for a desirable response, 0 (False) for an undesirable one.
        reference_point: z₀, a number or an array of the responses' shape (TRL's ``kl``:
            max(0, mean of log π_θ(y'|x) − log π_ref(y'|x)) over mismatched pairs).
        beta: β > 0, the scale of the implicit reward (TRL's default 0.1).
        desirable_weight: λ_D >= 0 (TRL's default 1.0).
        undesirable_weight: λ_U >= 0 (TRL's default 1.0). The paper keeps
            λ_D n_D / (λ_U n_U) in [1, 4/3] for n_D desirable and n_U undesirable examples.

    Returns:
        The mean loss by default (TRL's mean over the batch's responses); see ``reduction``
        and ``weights``.

    Examples:
        >>> from lossref import kto
        >>> kto([-5.0, -5.0], [-5.0, -5.0], [1, 0], reference_point=0.0, reduction="none")   # r = z₀: 1 − σ(0)
        array([0.5, 0.5])
        >>> kto.grad([-5.0, -5.0], [-5.0, -5.0], [1, 0], reference_point=0.0, reduction="sum")   # ∓β σ(0)²
        array([-0.025,  0.025])
    """  # noqa: E501 (doctest lines with their hand-computed values)
    positive(beta=beta)
    non_negative(desirable_weight=desirable_weight, undesirable_weight=undesirable_weight)
    z0 = _reference_point(reference_point, policy_logps.shape)
    good = desirable == 1
    sign = np.where(good, 1.0, -1.0)
    weight = np.where(good, float(desirable_weight), float(undesirable_weight))
    v = sign * (beta * ((policy_logps - reference_logps) - z0))
    value = weight * sigmoid(-v)  # 1 − σ(v), without the cancellation near σ(v) = 1

    def backward():
        return -weight * sign * beta * sigmoid(v) * sigmoid(-v)

    return Result(value, backward)


# --- RL fine-tuning terms (issue 20): entropy bonus, KL penalty, PPO's value loss -------------


# the logits' stress rows and rows where the entropy's terms are nearly equal (a near-uniform
# row, where the gradient log p_j − Σ p log p cancels) or span many orders of magnitude
ACTION_LOGITS = dataclasses.replace(
    LOGITS,
    stress=(
        *LOGITS.stress,
        (30.0, 29.0, 28.0),
        (-50.0, -60.0, -70.0),
        (1e-8, 0.0, -1e-8),
        (700.0, 0.0, -700.0),
        (5.0, 5.0, -3.0),
    ),
)


def _two_class_curve():
    # z = (x, 0): p = σ(x), −H = σ log σ + (1 − σ) log(1 − σ), lowest (−log 2) at x = 0
    return Curve(
        x_label="logit gap x, z = (x, 0)",
        x_range=(-8.0, 8.0),
        args=lambda x: (np.stack([x, np.zeros_like(x)], axis=-1),),
        series=(Series("", {}, {}),),
        component=lambda g, args: g[..., 0],
        grad_label="gradient ∂ℓ/∂z₁",
    )


@class_axis_loss(
    family="preference",
    formula=(
        r"\ell(z) = -H(p) = \sum_{a=1}^{A} p_a \log p_a,\quad p = \mathrm{softmax}(z)",
        r"\text{per row } z \text{ (a state's or a token's action logits); the mean over rows}",
    ),
    gradient=r"\frac{\partial \ell}{\partial z_j} = p_j\,\Big(\log p_j - \sum_a p_a \log p_a\Big)",
    domain={"logits": ACTION_LOGITS},
    use_case=(
        "The entropy term of actor-critic and PPO training: subtracting c·H(π) (c ≈ 0.01) from the "
        "loss keeps the policy from collapsing onto one action too early."
    ),
    properties=("smooth", "bounded_gradient"),
    equivalents={
        "PyTorch": "-torch.distributions.Categorical(logits=z).entropy()",
        "Stable-Baselines3": (
            "PPO(ent_coef=0.0) adds ent_coef · (−mean entropy) to the loss "
            "(v2.8.0, `stable_baselines3/ppo/ppo.py`): `ent_coef * entropy_bonus(z)`"
        ),
    },
    references=(
        "Williams & Peng, Function Optimization using Connectionist Reinforcement Learning Algorithms (1991)",
        "Mnih et al., Asynchronous Methods for Deep Reinforcement Learning (ICML 2016): entropy "
        "regularisation",
        "Schulman, Wolski, Dhariwal, Radford & Klimov, Proximal Policy Optimization Algorithms (2017), eq. 9",
    ),
    aliases=("entropy regularisation", "negative entropy", "entropy loss"),
    reduction_note="The mean over rows (states or tokens); multiply by the entropy coefficient yourself.",
    plot=Plot(curve=_two_class_curve()),
    checks=Checks(
        # saturated, tied, underflowing and huge rows: p log p is 0 · (−2e4) or 0 · (−2e150), never NaN
        extremes=(
            Extreme(([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [0.0, 0.0, 0.0], [745.0, 0.0, 0.0]],)),
            Extreme(([[1e150, 1.0, -1e150], [40.0, 0.0, 1.0]],)),
        ),
        # not the tied row at −1e4: PyTorch's gradient there is −5.8e-14 (rounding of log Z = −1e4 +
        # log 3), lossref's is within 1e-16 of the exact 0
        torch_extremes=(
            Extreme(([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0], [745.0, 0.0, 0.0], [40.0, 0.0, 1.0]],)),
        ),
    ),
)
def entropy_bonus(logits):
    """The negative entropy −H(π) = Σ_a p_a log p_a of the softmax policy of each row of logits.

    Minimising it maximises the entropy, so a policy loss plus c·``entropy_bonus`` (c > 0)
    rewards keeping several actions likely. It is ≤ 0, lowest (−log A) for the uniform policy
    and 0 for a deterministic one. ``log p`` comes from a stable log-softmax, so saturated
    logits give 0 · (large negative) = 0, not NaN.

    Args:
        logits: Action logits z, shape (..., A): the action axis is last; one loss per row.

    Returns:
        The mean over rows by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import entropy_bonus
        >>> entropy_bonus([[0.0, 0.0]]) == -math.log(2)              # p = (½, ½): −H = log ½
        True
        >>> g = entropy_bonus.grad([[math.log(3), 0.0]])              # p = (¾, ¼)
        >>> g / math.log(3)                                           # ±p₁p₂ log(p₁/p₂) = ±(3/16) log 3
        array([[ 0.1875, -0.1875]])
    """
    log_p = log_softmax(logits)
    p = np.exp(log_p)
    neg_h = (p * log_p).sum(axis=-1, keepdims=True)
    return Result(neg_h[..., 0], lambda: p * (log_p - neg_h))


TOKEN_LOG_PROB = Domain(
    "(−∞, 0]: log π(a | s) of the sampled token (action)",
    partial(log_probabilities, hint="pass the log-probability of the sampled token, not a logit"),
    # log-ratios up to ±8: ρ = e^{±8} stays finite, and a 1e-3 step never crosses 0
    lambda rng, shape: rng.uniform(-8.0, -0.01, size=shape),
    invalid=(Invalid(0.5, ValueError, "must be log-probabilities (<= 0)"),),
    # a certain token, an unlikely one, a near-impossible one, and pairs 1e-9 and 1e-7 apart
    # (log ρ near 0, where e^x − 1 − x cancels); differences of these are exact (Sterbenz)
    stress=(0.0, -1e-9, -0.75, -0.7500001, -40.0, -1e4),
    # finite differences stay below 0: no step at a certain token (log π = 0)
    fd_step=lambda x: min(1e-3, 0.3 * float((-x).min())),
)

_KL_ESTIMATORS = ("k1", "k2", "k3")


@elementwise_loss(
    family="preference",
    formula=(
        r"x = \log\rho = \log\pi_{\mathrm{ref}}(a) - \log\pi_\theta(a),\quad a \sim \pi_\theta",
        r"k_1 = -x,\qquad k_2 = \tfrac12 x^2,\qquad k_3 = e^{x} - 1 - x",
    ),
    gradient=r"\frac{\partial k_1}{\partial \log\pi_\theta} = 1,\qquad \frac{\partial k_2}{\partial \log\pi_\theta} = -x,\qquad \frac{\partial k_3}{\partial \log\pi_\theta} = 1 - e^{x}",  # noqa: E501
    domain={"log_probs": TOKEN_LOG_PROB, "ref_log_probs": TOKEN_LOG_PROB},
    use_case=(
        "Estimating KL(π_θ ‖ π_ref) from the sampled tokens alone, as the KL penalty of RLHF "
        "(PPO's reward) and GRPO's loss."
    ),
    properties=("convex", "smooth", "zero_iff_equal"),
    equivalents={
        "PyTorch": "-logr, logr ** 2 / 2 or torch.expm1(logr) - logr with logr = ref - logp (no built-in)",
        "TRL": (
            "v1.9.0: `trl/experimental/ppo/ppo_trainer.py` subtracts `kl_coef` (0.05) × k1 or k3 "
            '(`PPOConfig(kl_estimator="k1")`, the default, or "k3") from the per-token reward; '
            "`trl/trainer/grpo_trainer.py` adds `beta` × k3 to the per-token loss (`GRPOConfig(beta=0.0)` "
            "by default: no KL term)"
        ),
    },
    references=(
        "Schulman, Approximating KL Divergence (2020), http://joschu.net/blog/kl-approx.html",
        "Ouyang et al., Training Language Models to Follow Instructions with Human Feedback (2022)",
        "Shao et al., DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models "
        "(2024), eq. 4 (GRPO's k3 term)",
        "Tang & Munos, On a Few Pitfalls in KL Divergence Gradient Estimation for RL (2025), "
        "arXiv:2506.09477",
    ),
    aliases=("KL estimator", "k3 estimator", "approximate KL", "KL regularisation"),
    plot=Plot(
        curve=Curve(
            x_label="log-ratio x = log π_ref − log π_θ",
            x_range=(-2.5, 2.5),
            # log π_θ = −3, log π_ref = −3 + x: both below 0 on the whole range
            args=lambda x: (np.full_like(x, -3.0), x - 3.0),
            series=tuple(Series(k, {}, {"estimator": k}) for k in _KL_ESTIMATORS),
            grad_label="gradient ∂ℓ/∂log π_θ",
            y_limits=(-2.5, 6.0),
        ),
    ),
    checks=Checks(
        variants=({"estimator": "k1"}, {"estimator": "k2"}),
        extremes=(
            # ρ = e^{±700}, a certain token against a near-impossible one, log ρ = −1e-300 (log π is
            # never within a step of 0 but at 0, where the tests do not step it). Log-ratios of 1e-12
            # are in the stress grid and the hand test: a finite difference cannot resolve a slope
            # of 1e-12 through the rounding of log π ± h
            Extreme([[-700.0, 0.0, 0.0, 0.0, -2.0], [0.0, -700.0, -1e4, -1e-300, -1.5]]),
            Extreme([[-700.0, 0.0, 0.0, 0.0], [0.0, -700.0, -1e4, -1e-300]], {"estimator": "k2"}),
            Extreme([[-700.0, 0.0, 0.0, 0.0], [0.0, -700.0, -1e4, -1e-300]], {"estimator": "k1"}),
        ),
        invalid=(
            Invalid({"estimator": "k4"}, ValueError, "estimator must be 'k1', 'k2' or 'k3'"),
            Invalid({"estimator": 3}, ValueError, "estimator must be 'k1', 'k2' or 'k3'"),
        ),
        torch_extremes=(
            Extreme([[-700.0, 0.0, 0.0, -5.0, -3.0], [0.0, -700.0, -1e4, -5.0, -2.5]]),
            Extreme([[-700.0, 0.0, 0.0, 0.0], [0.0, -700.0, -1e4, -1e-300]], {"estimator": "k2"}),
            Extreme([[-700.0, 0.0, 0.0, 0.0], [0.0, -700.0, -1e4, -1e-300]], {"estimator": "k1"}),
        ),
    ),
)
def kl_penalty(log_probs, ref_log_probs, *, estimator="k3"):
    """Schulman's single-sample estimators of KL(π_θ ‖ π_ref) at tokens sampled from π_θ.

    With x = log ρ = log π_ref(a) − log π_θ(a) and a drawn from π_θ: k1 = −x is unbiased
    but often negative; k2 = x²/2 is biased (its mean is an f-divergence that agrees with the
    KL to second order); k3 = e^x − 1 − x is unbiased and ≥ 0 (E[ρ] = 1). k3 is computed as
    x²·Σ_k x^k/(k + 2)! for |x| < 1, so it keeps its digits where e^x − 1 − x would cancel.
    Only ``log_probs`` is differentiable: the reference model is frozen.

    Args:
        log_probs: log π_θ(a | s) of the sampled tokens under the policy, any shape.
        ref_log_probs: log π_ref(a | s) of the same tokens under the reference model; same shape.
        estimator: ``"k1"``, ``"k2"`` or ``"k3"`` (default; GRPO's choice).

    Returns:
        The mean over tokens by default; see ``reduction`` and ``weights`` (a token mask).

    Examples:
        >>> import math
        >>> from lossref import kl_penalty
        >>> x = math.log(2)                                   # the reference is twice as likely
        >>> kl_penalty([-x], [0.0], reduction="none")         # k3 = 2 − 1 − log 2
        array([0.30685282])
        >>> kl_penalty([-x], [0.0], estimator="k1", reduction="none")   # −log 2
        array([-0.69314718])
        >>> kl_penalty.grad([-x], [0.0], reduction="sum")     # 1 − ρ = 1 − 2
        array([-1.])
    """
    if isinstance(estimator, bool) or estimator not in _KL_ESTIMATORS:
        raise ValueError(f"estimator must be 'k1', 'k2' or 'k3'; got {estimator!r}")
    x = ref_log_probs - log_probs
    if estimator == "k1":
        return Result(-x, lambda: np.ones_like(x))
    if estimator == "k2":
        return Result(0.5 * x * x, lambda: -x)
    small = np.abs(x) < 1.0
    with np.errstate(over="ignore"):  # e^x > 1.8e308 only where the estimate itself is not representable
        big = np.expm1(np.where(small, 0.0, x)) - x
    value = np.where(small, x * x * _expm1_excess(np.where(small, x, 0.0)), big)

    def backward():
        with np.errstate(over="ignore"):
            return -np.expm1(x)

    return Result(value, backward)


def _clip_or_none(clip):
    if clip is not None:
        positive(clip=clip)


def _ppo_value_kink_distance(values, old_values, returns, clip=0.2):
    if clip is None:  # ½(V − R)²: no kink
        return np.full(np.shape(values), np.inf)
    # the ends of the clip range, and the values where the clipped branch's square is overtaken
    # again (V = 2R − V_old ∓ ε, mirrored through R)
    d = values - old_values
    mirror = 2.0 * returns - old_values
    return np.minimum.reduce(
        [
            np.abs(d - clip),
            np.abs(d + clip),
            np.abs(values - (mirror - clip)),
            np.abs(values - (mirror + clip)),
        ]
    )


@elementwise_loss(
    family="preference",
    formula=(
        r"V_{\mathrm{clip}} = V_{\mathrm{old}} + \mathrm{clip}(V - V_{\mathrm{old}},\ -\epsilon,\ \epsilon)",
        r"\ell = \tfrac12 \max\big((V - R)^2,\ (V_{\mathrm{clip}} - R)^2\big)",
    ),
    gradient=r"\frac{\partial \ell}{\partial V} = \begin{cases} 0 & |V - V_{\mathrm{old}}| > \epsilon \text{ and } (V_{\mathrm{clip}} - R)^2 > (V - R)^2 \\ V - R & \text{otherwise (also at ties)} \end{cases}",  # noqa: E501
    domain={"values": REAL, "old_values": REAL, "returns": REAL},
    use_case=(
        "The value-function (critic) term of PPO: regress V(s) on the returns without letting one "
        "update move V far from the value that collected the data."
    ),
    properties=("non_negative", "convex"),
    equivalents={
        "PyTorch": (
            "0.5 * torch.max((v - R) ** 2, (v_old + (v - v_old).clamp(-eps, eps) - R) ** 2) (no built-in)"
        ),
        "TRL": (
            "`trl.experimental.ppo` value loss with `PPOConfig(cliprange_value=0.2)` "
            "(v1.9.0, `trl/experimental/ppo/ppo_trainer.py`; `vf_coef=0.1` outside)"
        ),
        "Stable-Baselines3": (
            "`PPO(clip_range_vf=None)` (the default, v2.8.0, `stable_baselines3/ppo/ppo.py`): "
            "`F.mse_loss`, that is 2 × `ppo_value(..., clip=None)`; with `clip_range_vf=ε` it is the "
            "squared error of the clipped value alone, not this maximum"
        ),
    },
    references=(
        "Schulman, Wolski, Dhariwal, Radford & Klimov, Proximal Policy Optimization Algorithms (2017), eq. 9",
        "Dhariwal et al., OpenAI Baselines (2017): the clipped value loss of baselines/ppo2/model.py",
    ),
    aliases=("PPO critic loss", "vf_loss", "value function loss"),
    plot=Plot(
        curve=Curve(
            x_label="new value V (V_old = 0, R = 1)",
            x_range=(-1.0, 3.0),
            args=lambda x: (x, np.zeros_like(x), np.ones_like(x)),
            series=(
                Series("ε = 0.2", {}, {}),
                Series("ε = 0.5", {}, {"clip": 0.5}),
                Series("unclipped (clip=None)", {}, {"clip": None}),
            ),
            grad_label="gradient ∂ℓ/∂V",
        ),
        explore={"clip": (0.05, 2.0)},
    ),
    checks=Checks(
        variants=({"clip": None}, {"clip": 1.0}),
        extremes=(
            # residuals of ±1e150 (ℓ = 5e299) on both branches, V_old far off, a return of 0
            Extreme(
                [[1e150, -1e150, 0.0, 3.0, -1e4], [0.0, 0.0, 1e150, -2.0, 1e4], [0.0, 1.0, 0.0, 1e150, 0.0]]
            ),
            Extreme([[1e150, -3.0, 1e-300], [0.0, 0.0, 0.0], [-1e150, 2.0, 0.0]], {"clip": None}),
        ),
        invalid=(
            Invalid({"clip": 0.0}, ValueError, "clip must be > 0"),
            Invalid({"clip": -0.2}, ValueError, "clip must be > 0"),
        ),
        kink_distance=_ppo_value_kink_distance,
        # not V = 3 against R = 1e150: both squares round to 1e300, a tie where autograd of
        # torch.max takes the mean of the two sides
        torch_extremes=(
            Extreme(
                [[1e150, -1e150, 0.0, 3.0, -1e4], [0.0, 0.0, 1e150, -2.0, 1e4], [0.0, 1.0, 0.0, 1e4, 0.0]]
            ),
            Extreme([[1e150, -3.0, 1e-300], [0.0, 0.0, 0.0], [-1e150, 2.0, 0.0]], {"clip": None}),
        ),
    ),
)
def ppo_value(values, old_values, returns, *, clip=0.2):
    """PPO's clipped value loss ½·max((V − R)², (V_clip − R)²), V_clip = V_old + clip(V − V_old, ±ε).

    The critic is trained by squared error to the returns R, but the prediction that counts is
    also clipped to within ε of the value V_old that was computed when the data were collected,
    and the larger of the two squared errors is kept. Once V has moved more than ε from V_old
    *towards* R, the clipped error is the larger one and the gradient is 0; a step that moved V
    away from R keeps the full gradient V − R. Where the two squares are equal ``lossref``
    returns V − R, the unclipped side. ``clip=None`` gives the plain ½(V − R)². Only
    ``values`` is differentiable.

    Args:
        values: V(s), the critic's current predictions, any shape.
        old_values: V_old(s), the predictions when the batch was collected; same shape.
        returns: The targets R (e.g. GAE advantages + V_old); same shape.
        clip: ε > 0, the clip range of the value (TRL's ``cliprange_value``, 0.2), or None for no clipping.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights`` (a token or step mask).

    Examples:
        >>> from lossref import ppo_value
        >>> V = [0.1, 0.5, -0.5, 2.0]          # V_old = 0, R = 1, ε = 0.2
        >>> ppo_value(V, [0.0] * 4, [1.0] * 4, reduction="none")   # ½(0.9)², ½(0.8)² clipped, ½(1.5)², ½(1)²
        array([0.405, 0.32 , 1.125, 0.5  ])
        >>> ppo_value.grad(V, [0.0] * 4, [1.0] * 4, reduction="sum")   # V − R, 0 on the clipped branch
        array([-0.9,  0. , -1.5,  1. ])
    """
    _clip_or_none(clip)
    r = values - returns
    if clip is None:
        return Result(0.5 * r * r, lambda: r)
    d = values - old_values
    inside = np.abs(d) <= clip
    # V itself inside the range (V_old + (V − V_old) could round away from V); outside, the nearer
    # end V_old ± ε minus R, with the rounding error of V_old ± ε added back: when R is near that
    # end, (V_old ± ε) − R cancels to the rounding of V_old ± ε
    end, err = two_sum(old_values, np.where(d > 0, clip, -clip))
    rc = np.where(inside, r, (end - returns) + err)
    # ½·max(r², rc²) as ½·max(|r|, |rc|)²: one square, and the tie goes to the unclipped side
    unclipped = np.abs(r) >= np.abs(rc)
    big = np.where(unclipped, r, rc)
    return Result(0.5 * big * big, lambda: np.where(unclipped, r, 0.0))
