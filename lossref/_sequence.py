"""Sequence losses: per-token predictions over a time axis, with padding."""

import numpy as np

from ._checks import as_array, as_float_array, as_label_array, flag, sequence_lengths
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import LOGITS, Domain, log_probabilities
from ._labels import (
    _INTEGER_LABELS,
    _label_cross_entropy,
    _logit_curve,
    _softmax_inputs,
)
from ._reductions import scaled_mean

__all__ = ["ctc", "sequence_cross_entropy"]  # its losses, re-exported by lossref/__init__.py

_NORMALIZE = ("tokens", "sequences")


def _token_mask(mask, labels):
    """The 0/1 mask of real tokens (all ones if None), the shape of ``labels``."""
    if mask is None:
        return np.ones(labels.shape)
    m = as_array(mask, "mask")
    m = as_float_array(m.astype(np.float64) if m.dtype == np.bool_ else m, "mask")
    if m.shape != labels.shape:
        raise ValueError(f"mask has shape {m.shape} but labels has shape {labels.shape}; they must match")
    if not np.isin(m, (0.0, 1.0)).all():
        raise ValueError(
            f"mask must be 0 or 1 (1 marks a real token); got {float(m[~np.isin(m, (0.0, 1.0))].flat[0])!r}"
        )
    return m


def _sequence_mean_scale(logits, labels, *, mask=None, normalize="tokens", **_):
    """Each token's factor under ``"mean"`` (1 unless ``normalize="sequences"``).

    Under ``normalize="sequences"`` each token's loss is divided by its sequence's number of
    real tokens before the mean over sequences: a mean of per-sequence means.
    """
    if normalize != "sequences":
        return np.ones(labels.shape)
    count = _token_mask(mask, labels).sum(axis=-1, keepdims=True)
    return np.broadcast_to(1.0 / np.maximum(count, 1.0), labels.shape)


@class_axis_loss(
    family="sequence",
    formula=(
        r"\ell_{b,t} = m_{b,t}\,\big(\mathrm{LSE}(z_{b,t}) - z_{b,t,y_{b,t}}\big) \quad (\varepsilon = 0)",
        r"\mathcal L = \frac{\sum_{b,t} \ell_{b,t}}{\sum_{b,t} m_{b,t}}\ \text{(tokens)}, \qquad \frac{1}{B}\sum_b \frac{\sum_t \ell_{b,t}}{\sum_t m_{b,t}}\ \text{(sequences)}",  # noqa: E501
    ),
    gradient=r"\frac{\partial \ell_{b,t}}{\partial z_{b,t}} = m_{b,t}\,(p_{b,t} - e_{y_{b,t}}) \quad (\varepsilon = 0)",  # noqa: E501
    domain={"logits": LOGITS, "labels": _INTEGER_LABELS},
    use_case=(
        "Language models and seq2seq decoders: token-level cross-entropy over padded batches (and "
        "perplexity)."
    ),
    properties=("non_negative", "convex", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": (
            "torch.nn.functional.cross_entropy(z.flatten(0, 1), y.flatten(), ignore_index=-100) with "
            "padding labels set to -100"
        ),
        "Keras": "keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=pad_id)",
        "optax": (
            "jnp.sum(optax.losses.softmax_cross_entropy_with_integer_labels(z, y, where=mask)) / mask.sum()"
        ),
    },
    references=(
        (
            "Jelinek, Mercer, Bahl & Baker, Perplexity—a measure of the difficulty of speech recognition "
            "tasks (1977)"
        ),
        "Vaswani et al., Attention Is All You Need (2017)",
    ),
    reduction=scaled_mean(_sequence_mean_scale),
    reduction_note=(
        'The per-sample values are per token (padding gives 0). With `normalize="tokens"` '
        "`\"mean\"` divides by the number of real tokens Σm (PyTorch's `ignore_index`, Keras' "
        '`ignore_class`); with `"sequences"` it is the mean over sequences (every axis of the '
        "labels but the last, time) of each sequence's token mean, leaving out sequences with no "
        'real token. `"sum"` is the raw total; `weights=` (per token) multiply each token\'s '
        "share of the denominator."
    ),
    empty_mean=lambda logits, labels, **_: "mask is 0 everywhere, so there is no real token to average over",
    plot=Plot(
        curve=_logit_curve(tuple(Series(f"ε = {e:g}", {}, {"label_smoothing": e}) for e in (0.0, 0.1, 0.3))),
        explore={"label_smoothing": (0.0, 0.5)},
    ),
    checks=Checks(
        variants=({"label_smoothing": 0.1}, {"normalize": "sequences"}),
        extremes=(
            Extreme(
                [
                    [
                        [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0]],
                        [[40.0, 0.0, 1.0], [-745.0, 0.0, 0.0], [1e4, 0.0, 0.0]],
                    ],
                    [[0, 0, 2], [0, 0, -100]],
                ],
                {"mask": [[1, 1, 1], [1, 1, 0]]},
            ),
            Extreme([[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 0]], {"label_smoothing": 0.1}),
            Extreme(
                [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [0, 7]], {"mask": [1.0, 0.0], "normalize": "sequences"}
            ),
        ),
        invalid=(
            Invalid({"label_smoothing": 1.5}, ValueError, "label_smoothing must be in [0, 1]"),
            Invalid({"normalize": "batch"}, ValueError, "normalize must be 'tokens' or 'sequences'"),
            Invalid({"mask": [[1.0, 0.0]]}, ValueError, "mask has shape (1, 2) but labels has shape"),
            Invalid({"mask": [0.0, 0.0, 0.0]}, ValueError, "mask is 0 everywhere"),
        ),
        # residuals of ±1e8 and 1e150, variances from 1e-3 to 1e300 (away from the clamp at eps,
        # where PyTorch's variance gradient differs: a documented difference)
        # saturated logits, a padded token holding -100, and the sequence normalisation
        torch_extremes=(
            Extreme(
                [
                    [
                        [[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0]],
                        [[40.0, 0.0, 1.0], [-745.0, 0.0, 0.0], [1e4, 0.0, 0.0]],
                    ],
                    [[0, 0, 2], [0, 0, -100]],
                ],
                {"mask": [[1, 1, 1], [1, 1, 0]]},
            ),
            Extreme(
                [[[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]]], [[0, 1]]],
                {"label_smoothing": 0.1, "normalize": "sequences"},
            ),
        ),
    ),
)
def sequence_cross_entropy(logits, labels, *, mask=None, label_smoothing=0.0, normalize="tokens"):
    """Token-level softmax cross-entropy over padded sequences.

    Args:
        logits: Logits z, shape (B, T, V): batch, time, vocabulary (any leading axes;
            the last axis of ``labels`` is time).
        labels: Integer token ids in [0, V), shape (B, T). Entries under ``mask == 0``
            are not read (padding may hold any integer, e.g. -100).
        mask: Optional 0/1 array, shape (B, T): 1 marks a real token. None: all real.
        label_smoothing: ε in [0, 1]; each token's target becomes (1 - ε)·e_y + ε/V.
        normalize: ``"tokens"`` (default): ``"mean"`` divides by the number of real
            tokens. ``"sequences"``: the mean of each sequence's token mean (short
            sequences weigh as much as long ones).

    Returns:
        The mean loss by default; ``reduction="none"`` gives one value per token (0 at
        padding). Perplexity is ``exp`` of the token mean.

    Examples:
        >>> from lossref import sequence_cross_entropy as seq_ce
        >>> z = [[[0.0, 0.0], [0.0, 0.0]]]                  # B = 1, T = 2, V = 2
        >>> seq_ce(z, [[1, -100]], mask=[[1, 0]])             # log 2 / 1 real token
        0.6931471805599453
        >>> seq_ce.grad(z, [[1, -100]], mask=[[1, 0]])        # p - e_y, 0 at padding
        array([[[ 0.5, -0.5],
                [ 0. ,  0. ]]])
    """
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be 'tokens' or 'sequences'; got {normalize!r}")
    log_p, w = _softmax_inputs(logits, label_smoothing, None)
    m = _token_mask(mask, labels)
    # padding may hold any integer (-100, a pad id): read label 0 there, then mask it out
    ce = _label_cross_entropy(log_p, np.where(m > 0, labels, 0), "labels", w, label_smoothing, None)
    if normalize == "tokens":
        norm = m
    else:  # each token's share of the sequences that have a real token: 1/T, so B' in all
        has_tokens = m.sum(axis=-1, keepdims=True) > 0
        norm = np.where(has_tokens, 1.0 / (labels.shape[-1] if labels.ndim else 1), 0.0) * np.ones(
            labels.shape
        )
    return Result(np.where(m > 0, ce.values, 0.0), lambda: np.where(m[..., None] > 0, ce.grad(), 0.0), norm)


# --- CTC --------------------------------------------------------------------------------------

_CTC_T = 6  # frames of the sampled test inputs


def _ctc_log_probs(value, name):
    arr = log_probabilities(value, name, hint="apply log_softmax over the classes first")
    if arr.ndim != 3:
        raise ValueError(f"{name} must have shape (B, T, C): batch, time, classes; got shape {arr.shape}")
    return arr


def _sample_ctc_log_probs(rng, shape):
    z = rng.normal(scale=2.0, size=(shape[0], _CTC_T, shape[-1]))
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


def _uniform(t, c):
    return tuple(tuple(-np.log(c) for _ in range(c)) for _ in range(t))


def _normalised(rows):
    rows = np.asarray(rows, dtype=float)
    return tuple(map(tuple, rows - np.logaddexp.reduce(rows, axis=-1, keepdims=True)))


CTC_LOG_PROBS = Domain(
    "log-probabilities ≤ 0, shape (B, T, C): batch, time, classes (blank included)",
    _ctc_log_probs,
    _sample_ctc_log_probs,
    has_class_axis=True,
    invalid=(Invalid(0.5, ValueError, "must be log-probabilities"),),
    # (T, C) = (4, 3) frames: uniform, moderately peaked, and one path of probability ≈ 1 (the
    # other entries −40). Not −1e4: the log-space recursions add numbers of that size, so γ's
    # relative error grows like ε·Σ|log p| (1.5e-12 measured at −1e4, the conditioning of
    # exp(α + β − …) in such terms); the extremes and golden vectors cover −1e4.
    stress=(
        _uniform(4, 3),
        _normalised([[5.0, 0.0, -5.0], [0.0, 5.0, -5.0], [-5.0, 0.0, 5.0], [5.0, 5.0, 0.0]]),
        ((0.0, -40.0, -40.0), (-40.0, 0.0, -40.0), (-40.0, -40.0, 0.0), (0.0, -40.0, -40.0)),
    ),
    fd_step=lambda x: min(1e-3, 0.3 * float((-x).min())),  # CTC bends on a scale of 1 in log p: stay below 0
)


def _ctc_targets(value, name):
    arr = as_label_array(value, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (B, S): padded label sequences; got shape {arr.shape}")
    return arr


CTC_TARGETS = Domain(
    (
        "integers in [0, C) other than the blank, shape (B, S), padded (entries past the target length are "
        "not read)"
    ),
    _ctc_targets,
    lambda rng, shape: rng.integers(1, shape[-1], size=(shape[0], 3)),
    invalid=(
        Invalid(0, ValueError, "must not contain the blank"),
        Invalid(10**6, ValueError, "must be in [0, "),
    ),
    stress=((1, 2), (1, 1), (2, 1)),
)
INPUT_LENGTHS = Domain(
    "integers in [1, T], shape (B,): the frames of each sequence",
    sequence_lengths,
    lambda rng, shape: rng.integers(_CTC_T - 1, _CTC_T + 1, size=shape[0]),  # ≥ 5 frames: 3 labels always fit
    invalid=(Invalid(-1, ValueError, "must be >= 0"), Invalid(99, ValueError, "must be <= T")),
    stress=(4, 3),
)
TARGET_LENGTHS = Domain(
    "integers in [0, S], shape (B,): the labels of each target",
    sequence_lengths,
    lambda rng, shape: rng.integers(1, 4, size=shape[0]),
    invalid=(Invalid(-1, ValueError, "must be >= 0"), Invalid(99, ValueError, "must be <= S")),
    stress=(2, 1),
)

_CTC_NORMALIZE = ("target_length", "sequences")


def _lse3(a, b, c, out=None):
    """log(e^a + e^b + e^c) elementwise, −inf where all three are −inf (no warnings).

    Two of NumPy's ``logaddexp``, each max + log1p(e^(−|x − y|)) in one loop: near a path of
    probability ≈ 1 the recursion adds tiny terms to 0, which log(1 + …) would round away. The
    recursion calls this once per frame on small arrays, where each NumPy call's set-up is most
    of the time: two calls here, where a max-and-log1p written out took fifteen.
    """
    total = np.logaddexp(a, b, out=out)
    return np.logaddexp(total, c, out=total)


def _ctc_beta(emit, skip, end, last):
    """The backward (β) recursion in log space: β_t(s), frame t's emission included.

    ``emit`` (B, T, K) are the log-probabilities of the extended target y', ``skip`` marks the
    positions α may reach from s − 2, ``end`` the two positions a path may end in, and
    ``last`` each sequence's last frame.
    """
    n, frames, k = emit.shape
    # two −inf columns after the K positions: β_{t+1}(s + 1) and β_{t+1}(s + 2) are views
    beta = np.full((n, frames + 1, k + 2), -np.inf)  # and a −inf frame after the last
    from_two_on = np.full((n, k), -np.inf)  # 0 where β(s) may come from β(s + 2), else −inf
    from_two_on[:, :-2][skip[:, 2:]] = 0.0
    start = np.where(end[:, None, :], emit, -np.inf)
    for t in range(frames - 1, -1, -1):
        after = beta[:, t + 1]
        rec = _lse3(after[:, :-2], after[:, 1:-1], after[:, 2:] + from_two_on)
        rec += emit[:, t]
        # a sequence's last frame starts it; after it, β stays −inf (so does the recursion)
        beta[:, t, :k] = np.where((t == last)[:, None], start[:, t], rec)
    return beta[:, :frames, :k]


def _ctc_check(log_probs, targets, input_lengths, target_lengths, blank):
    b, t, c = log_probs.shape
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < c:
        raise ValueError(f"blank must be an integer class index in [0, {c}); got {blank!r}")
    for name, arr in (
        ("targets", targets),
        ("input_lengths", input_lengths),
        ("target_lengths", target_lengths),
    ):
        if arr.shape[0] != b:
            raise ValueError(
                f"log_probs has shape {log_probs.shape} (B = {b}) but {name} has shape {arr.shape}"
            )
    if (input_lengths > t).any():
        raise ValueError(f"input_lengths must be <= T ({t}); got {int(input_lengths.max())}")
    if (input_lengths < 1).any():
        raise ValueError("input_lengths must be >= 1: a sequence needs at least one frame")
    if (target_lengths > targets.shape[1]).any():
        raise ValueError(f"target_lengths must be <= S ({targets.shape[1]}); got {int(target_lengths.max())}")
    read = np.arange(targets.shape[1]) < target_lengths[:, None]
    if ((targets < 0) | (targets >= c))[read].any():
        bad = targets[read & ((targets < 0) | (targets >= c))][0]
        raise ValueError(f"targets must be in [0, {c}) (C = {c} classes); got {int(bad)}")
    if (targets == blank)[read].any():
        raise ValueError(f"targets must not contain the blank ({blank}) within target_lengths")
    return read


def _ctc_mean_scale(log_probs, targets, input_lengths, target_lengths, normalize="target_length", **_):
    if normalize == "target_length":  # PyTorch: each loss over its target length (at least 1)
        return 1.0 / np.maximum(target_lengths, 1)
    return np.ones(target_lengths.shape)


def _ctc_curve_args(x, target=(1,)):
    # T = 3 frames over {blank, a}: frame 1 gives "a" probability x, frames 0 and 2 are uniform
    n = x.shape[0]
    p = np.full((n, 3, 2), 0.5)
    p[:, 1] = np.stack([1 - x, x], axis=-1)
    return (np.log(p), np.tile(target, (n, 1)), np.full(n, 3), np.full(n, len(target)))


@class_axis_loss(
    family="sequence",
    formula=(
        r"\ell = -\log \sum_{\pi \in \mathcal{B}^{-1}(y)} \prod_{t=1}^{T} p_t(\pi_t) = -\log \big(\alpha_T(2L{+}1) + \alpha_T(2L)\big)",  # noqa: E501
        r"\alpha_t(s) = p_t(y'_s)\big(\alpha_{t-1}(s) + \alpha_{t-1}(s{-}1) + [y'_s \ne \varnothing \wedge y'_s \ne y'_{s-2}]\,\alpha_{t-1}(s{-}2)\big)",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial \log p_t(k)} = -\gamma_t(k) = -\frac{1}{P(y \mid x)} \sum_{s:\, y'_s = k} \frac{\alpha_t(s)\,\beta_t(s)}{p_t(k)}",  # noqa: E501
    ),
    domain={
        "log_probs": CTC_LOG_PROBS,
        "targets": CTC_TARGETS,
        "input_lengths": INPUT_LENGTHS,
        "target_lengths": TARGET_LENGTHS,
    },
    use_case=(
        "Speech and handwriting recognition: train a per-frame classifier from unaligned label sequences."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "PyTorch": (
            "torch.nn.functional.ctc_loss(log_probs.transpose(0, 1), targets, input_lengths, "
            "target_lengths, blank=0) (time-major)"
        ),
        "Keras": (
            "keras.losses.CTC()(labels, logits) (batch-major; class 0 is the blank and label 0 the "
            'padding; the mean of per-sequence values: normalize="sequences")'
        ),
        "optax": (
            "jnp.mean(optax.ctc_loss(logits, logit_paddings, labels, label_paddings, blank_id=0)) "
            '(per-sequence values: normalize="sequences")'
        ),
    },
    references=(
        "Graves, Fernández, Gomez & Schmidhuber, Connectionist Temporal Classification (ICML 2006)",
        "PyTorch documentation, torch.nn.CTCLoss",
    ),
    differences=(
        Difference(
            "keras-ctc-blank-is-padding",
            "Keras",
            "Keras 3's `CTC` (3.15.1) uses class 0 as the blank and label 0 as the padding of `y_true`: "
            "a target's length is its number of non-zero labels, so class 0 cannot be a label, and every "
            "sequence uses all T frames (no input lengths). It is `lossref`'s `blank=0` with "
            '`normalize="sequences"`. The last-class blank was Keras 2\'s `ctc_batch_cost`.',
        ),
        Difference(
            "pytorch-ctc-grad-through-log-softmax",
            "PyTorch",
            "PyTorch's backward returns exp(log p) − γ for `log_probs`, the gradient that reaches "
            "the logits through a `log_softmax`, not ∂ℓ/∂log p = −γ. The two differ by p_t(k) on "
            "every frame inside the input length; after `log_softmax`'s backward both give the "
            "same logit gradient p − γ, because each frame's p and γ each sum to 1.",
        ),
        Difference(
            "pytorch-ctc-infeasible",
            "PyTorch",
            "A target that cannot be aligned (fewer frames than labels plus repeated neighbours) "
            "has probability 0. PyTorch returns ℓ = inf and a NaN gradient unless "
            "`zero_infinity=True`; `lossref` raises a `ValueError` naming the sequence unless "
            "`zero_infinity=True` (then ℓ = 0 and a zero gradient, as PyTorch).",
        ),
    ),
    aliases=("connectionist temporal classification",),  # names readers search for
    reduction=scaled_mean(_ctc_mean_scale),
    reduction_note=(
        'The per-sample values are per sequence, −log P(y | x). With `normalize="target_length"` '
        '(default, as PyTorch) `"mean"` divides each by its target length (at least 1) and then '
        'averages over the batch; with `"sequences"` (Keras, optax) it averages the per-sequence '
        'losses. `"sum"` and `"none"` never divide by the target length.'
    ),
    plot=Plot(
        curve=Curve(
            x_label="p₁(a): “a” at frame 1 of 3 (others uniform)",
            x_range=(0.02, 0.98),
            args=_ctc_curve_args,
            series=(Series("target “a”", {}, {}), Series("target “aa”", {"target": (1, 1)}, {})),
            # the chain rule through log p₁(a) = log x and log p₁(∅) = log(1 − x): −γ₁(a)/x + γ₁(∅)/(1 − x)
            component=lambda g, args: (
                g[..., 1, 1] / np.exp(args[0][..., 1, 1]) - g[..., 1, 0] / np.exp(args[0][..., 1, 0])
            ),
            grad_label="dℓ/dp₁(a) = −γ₁(a)/p + γ₁(∅)/(1 − p)",
        ),
    ),
    checks=Checks(
        variants=({"normalize": "sequences"}, {"zero_infinity": True}),
        extremes=(
            # frames of 0 and −1e4: every alignment of "1 2" costs at least 1e4 (ℓ ≈ 1e4, tied paths
            # share γ); the path 1, 2, ∅, ∅ of probability 1 (ℓ = 0); entries of −745 and −1e-300
            Extreme(
                [
                    [
                        [[-1e4, 0.0, -1e4], [-1e4, -1e4, 0.0], [0.0, -1e4, -1e4], [-1e4, -1e4, 0.0]],
                        [[-1e4, 0.0, -1e4], [-1e4, -1e4, 0.0], [0.0, -1e4, -1e4], [0.0, -1e4, -1e4]],
                        [
                            [-745.0, -1e-300, -800.0],
                            [-1.0986, -1.0986, -1.0986],
                            [-2e4, -0.5, -0.9],
                            [0.0, -1e4, -1e4],
                        ],
                    ],
                    [[1, 2], [1, 2], [1, 1]],
                    [4, 4, 4],
                    [2, 2, 2],
                ]
            ),
            # an infeasible target scored 0, and an empty one
            Extreme(
                [
                    [
                        [[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]],
                        [[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]],
                    ],
                    [[1, 1], [2, 2]],
                    [2, 3],
                    [2, 0],
                ],
                {"zero_infinity": True},
            ),
            # the blank last
            Extreme(
                [[[[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]]], [[0, 1]], [3], [2]],
                {"blank": 2},
            ),
        ),
        invalid=(
            Invalid({"blank": 7}, ValueError, "blank must be an integer class index in [0, 4)"),
            Invalid({"normalize": "tokens"}, ValueError, "normalize must be 'target_length' or 'sequences'"),
            Invalid({"zero_infinity": "False"}, TypeError, "zero_infinity must be True or False"),
        ),
        # frames of 0 and −1e4 (ℓ ≈ 1e4 over tied paths), −745 and −1e-300 entries, an infeasible target
        # scored 0 (zero_infinity) and an empty target, the blank last
        torch_extremes=(
            Extreme(
                [
                    [
                        [[-1e4, 0.0, -1e4], [-1e4, -1e4, 0.0], [0.0, -1e4, -1e4], [-1e4, -1e4, 0.0]],
                        [
                            [-745.0, -1e-300, -800.0],
                            [-1.0986, -1.0986, -1.0986],
                            [-2e4, -0.5, -0.9],
                            [0.0, -1e4, -1e4],
                        ],
                    ],
                    [[1, 2], [1, 1]],
                    [4, 4],
                    [2, 2],
                ]
            ),
            Extreme(
                [
                    [
                        [[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]],
                        [[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]],
                    ],
                    [[1, 1], [2, 2]],
                    [2, 3],
                    [2, 0],
                ],
                {"zero_infinity": True},
            ),
            Extreme(
                [[[[-1.0, -0.5, -2.0], [-0.3, -1.5, -2.0], [-1.2, -0.4, -2.0]]], [[0, 1]], [3], [2]],
                {"blank": 2},
            ),
        ),
    ),
)
def ctc(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    *,
    blank=0,
    zero_infinity=False,
    normalize="target_length",
):
    """Connectionist temporal classification: −log of the total probability of every alignment.

    An alignment is a path of one class per frame which, after merging repeats and then
    dropping blanks, spells the target. The forward (α) and backward (β) recursions run in
    log space, batch-first and vectorised over the batch; the gradient is minus the
    occupancy γ_t(k), the posterior probability that frame t emits class k.

    Args:
        log_probs: Per-frame log-probabilities, shape (B, T, C), blank included (batch
            first: PyTorch's ``ctc_loss`` takes (T, B, C)).
        targets: Label sequences padded to a common length S, shape (B, S), without blanks.
        input_lengths: Frames used per sequence, shape (B,); later frames get zero gradient.
        target_lengths: Labels per target, shape (B,); later entries of ``targets`` are not read.
        blank: Index of the blank class (0, as PyTorch and optax).
        zero_infinity: If True, a target that cannot be aligned (too few frames) scores 0
            with a zero gradient; if False, such a target raises.
        normalize: ``"target_length"`` (PyTorch's mean) or ``"sequences"`` (a plain mean);
            it affects ``reduction="mean"`` only.

    Returns:
        The mean by default; ``reduction="none"`` gives −log P(y | x) per sequence.

    Examples:
        >>> import numpy as np
        >>> from lossref import ctc
        >>> lp = np.log(np.full((1, 2, 2), 0.5))       # T = 2 frames over {blank, a}, uniform
        >>> # "a" has alignments a∅, ∅a and aa, each of probability 1/4: ℓ = −log(3/4)
        >>> round(ctc(lp, [[1]], [2], [1]), 6), round(float(-np.log(0.75)), 6)
        (0.287682, 0.287682)
    """
    if normalize not in _CTC_NORMALIZE:
        raise ValueError(f"normalize must be 'target_length' or 'sequences'; got {normalize!r}")
    flag(zero_infinity=zero_infinity)
    read = _ctc_check(log_probs, targets, input_lengths, target_lengths, blank)
    n, frames, classes = log_probs.shape
    labels = np.where(read, targets, blank)
    ext = np.full((n, 2 * labels.shape[1] + 1), blank)  # y' = ∅ y₁ ∅ y₂ … ∅
    ext[:, 1::2] = labels
    k = ext.shape[1]
    s = np.arange(k)
    inside = s[None, :] <= 2 * target_lengths[:, None]
    skip = np.zeros((n, k), bool)  # α(s) may come from α(s − 2): a label unlike the one before
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    emit = np.take_along_axis(log_probs, ext[:, None, :], axis=2)  # (B, T, K): y' at every frame
    emit = np.where(inside[:, None, :], emit, -np.inf)
    # two −inf columns before the K positions: α_{t−1}(s − 1) and α_{t−1}(s − 2) are views
    padded = np.full((n, frames, k + 2), -np.inf)
    padded[:, 0, 2:4] = emit[:, 0, :2]
    from_two_back = np.where(skip, 0.0, -np.inf)  # 0 where α(s) may come from α(s − 2)
    for t in range(1, frames):
        prev = padded[:, t - 1]
        reach = _lse3(prev[:, 2:], prev[:, 1:-1], prev[:, :-2] + from_two_back, out=padded[:, t, 2:])
        reach += emit[:, t]
    alpha = padded[:, :, 2:]
    last = input_lengths - 1
    end = (s[None, :] == 2 * target_lengths[:, None]) | (s[None, :] == 2 * target_lengths[:, None] - 1)
    final = alpha[np.arange(n), last]  # (B, K)
    log_total = np.logaddexp.reduce(np.where(end, final, -np.inf), axis=1)
    infeasible = np.isneginf(log_total)
    if infeasible.any() and not zero_infinity:
        b = int(np.flatnonzero(infeasible)[0])
        raise ValueError(
            f"target {b} cannot be aligned: {int(target_lengths[b])} labels need more than the "
            f"{int(input_lengths[b])} frames of input_lengths[{b}] (repeated labels need a blank "
            "between them); its probability is 0. Pass zero_infinity=True to score it 0"
        )
    safe_total = np.where(infeasible, 0.0, log_total)

    def backward():  # only for .grad: a value-only call needs α alone, never the β recursion
        beta = _ctc_beta(emit, skip, end, last)
        # γ_t(s) = α_t(s) β_t(s) / (p_t(y'_s) P): both recursions include frame t's emission
        with np.errstate(invalid="ignore"):  # −inf − (−inf) where a position is unreachable
            gamma = np.add(alpha, beta)
            gamma -= emit
            gamma -= safe_total[:, None, None]
        np.fmax(gamma, -np.inf, out=gamma)  # those NaN become −inf: e^−inf = 0
        np.exp(gamma, out=gamma)
        # each frame's occupancy summed per class: a batched matrix product with y' one-hot
        grad = np.matmul(gamma, np.eye(classes)[ext])
        np.negative(grad, out=grad)
        grad[infeasible] = 0.0
        return grad

    return Result(np.where(infeasible, 0.0, -safe_total), backward)
