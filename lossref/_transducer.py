"""Transducer losses: a joint network scores every (frame, label-prefix) node of a lattice."""

import numpy as np

from ._checks import as_float_array, as_label_array, sequence_lengths
from ._core import Checks, Curve, Difference, Extreme, Invalid, Plot, Result, Series, class_axis_loss
from ._domains import Domain
from ._math import log_softmax

__all__ = ["rnnt"]  # its losses, re-exported by lossref/__init__.py

_T, _U = 4, 2  # frames and labels of the sampled test inputs


def _joint_logits(value, name):
    arr = as_float_array(value, name)
    if arr.ndim != 4:
        raise ValueError(
            f"{name} must have shape (B, T, U+1, V): batch, frames, label prefixes, classes; got shape "
            f"{arr.shape}"
        )
    if arr.shape[-1] < 2:
        raise ValueError(
            f"{name} needs at least 2 classes (the blank and one label); got V = {arr.shape[-1]}"
        )
    return arr


def _targets(value, name):
    arr = as_label_array(value, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (B, U): padded label sequences; got shape {arr.shape}")
    return arr


JOINT_LOGITS = Domain(
    "real, shape (B, T, U+1, V): the joint network's logits at every (frame, prefix) node",
    _joint_logits,
    lambda rng, shape: rng.normal(scale=2.0, size=(shape[0], _T, _U + 1, shape[-1])),
    has_class_axis=True,
    invalid=(Invalid(np.nan, ValueError, "contains NaN"), Invalid(-np.inf, ValueError, "contains inf")),
    # tiny lattices, V = 3 classes: T = 2 frames by U + 1 = 2 prefixes, uniform, moderate and
    # peaked (logits up to 8); T = 1 by U + 1 = 3. Not a lattice where one
    # alignment has probability 1 − 1e-9: there a gradient entry can be a difference of two path
    # sums that agree to 1e-26 (its page states that accuracy relative to the terms)
    stress=(
        tuple(tuple((0.0, 0.0, 0.0) for _ in range(2)) for _ in range(2)),
        (((1.0, -2.0, 0.5), (3.0, 0.0, -1.0)), ((-0.5, 2.0, 1.5), (0.0, -3.0, 2.0))),
        (((-4.0, 7.0, 1.0), (6.5, -3.0, 0.5)), ((5.0, 1.5, -6.0), (-1.0, 8.0, -5.5))),
        (((0.5, -1.0, 2.0), (1.0, 0.0, -2.0), (3.0, 1.0, 0.0)),),
    ),
)
TRANSDUCER_TARGETS = Domain(
    (
        "integers in [0, V) other than the blank, shape (B, U), padded (entries past the target length "
        "are not read)"
    ),
    _targets,
    lambda rng, shape: rng.integers(1, shape[-1] - 1, size=(shape[0], _U)),  # blank 0 or −1: neither
    invalid=(
        Invalid(0, ValueError, "must not contain the blank"),
        Invalid(10**6, ValueError, "must be in [0, "),
    ),
    stress=((1,), (2,), (1, 2)),
)
LOGIT_LENGTHS = Domain(
    "integers in [1, T], shape (B,): the frames of each sequence",
    sequence_lengths,
    lambda rng, shape: rng.integers(_T - 1, _T + 1, size=shape[0]),
    invalid=(Invalid(-1, ValueError, "must be >= 0"), Invalid(99, ValueError, "must be <= T")),
    stress=(2, 1),
)
TARGET_LENGTHS = Domain(
    "integers in [0, U], shape (B,): the labels of each target",
    sequence_lengths,
    lambda rng, shape: rng.integers(1, _U + 1, size=shape[0]),
    invalid=(Invalid(-1, ValueError, "must be >= 0"), Invalid(99, ValueError, "must be <= U")),
    stress=(1, 0),
)


def _check(logits, targets, logit_lengths, target_lengths, blank):
    """Validate the shapes and ranges; return the blank as an index in [0, V)."""
    b, t, u1, v = logits.shape
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not -v <= blank < v:
        raise ValueError(f"blank must be an integer class index in [{-v}, {v}); got {blank!r}")
    blank = int(blank) % v
    for name, arr in (
        ("targets", targets),
        ("logit_lengths", logit_lengths),
        ("target_lengths", target_lengths),
    ):
        if arr.shape[0] != b:
            raise ValueError(f"logits has shape {logits.shape} (B = {b}) but {name} has shape {arr.shape}")
    if u1 != targets.shape[1] + 1:
        raise ValueError(
            f"logits has shape {logits.shape} but targets has shape {targets.shape}: the third axis of "
            f"logits must be U + 1 = {targets.shape[1] + 1} (one node per label prefix, the empty one "
            "included)"
        )
    if (logit_lengths > t).any():
        raise ValueError(f"logit_lengths must be <= T ({t}); got {int(logit_lengths.max())}")
    if (logit_lengths < 1).any():
        raise ValueError("logit_lengths must be >= 1: the final blank needs a frame")
    if (target_lengths > targets.shape[1]).any():
        raise ValueError(f"target_lengths must be <= U ({targets.shape[1]}); got {int(target_lengths.max())}")
    read = np.arange(targets.shape[1]) < target_lengths[:, None]
    bad = ((targets < 0) | (targets >= v)) & read
    if bad.any():
        raise ValueError(f"targets must be in [0, {v}) (V = {v} classes); got {int(targets[bad][0])}")
    if ((targets == blank) & read).any():
        raise ValueError(f"targets must not contain the blank ({blank}) within target_lengths")
    return blank, read


def _diagonals(t, u1):
    """The nodes (t, u) of the lattice grouped by anti-diagonal d = t + u, in order of d."""
    for d in range(t + u1 - 1):
        ts = np.arange(max(0, d - u1 + 1), min(t - 1, d) + 1)
        yield ts, d - ts


def _curve_args(x):
    # T = 1 frame, target "a" (U = 1) over {∅, a}: node (0, 0) gives "a" the logit x, the rest are 0
    n = x.shape[0]
    z = np.zeros((n, 1, 2, 2))
    z[:, 0, 0, 1] = x
    return (z, np.ones((n, 1), dtype=np.int64), np.ones(n, dtype=np.int64), np.ones(n, dtype=np.int64))


@class_axis_loss(
    family="sequence",
    formula=(
        r"\ell = -\log P(y \mid x) = -\log \sum_{a \in \mathcal{A}(y)} \prod_{(t,u,k) \in a} p_{t,u}(k) = -\big(\alpha_{T-1,U} + \log p_{T-1,U}(\varnothing)\big)",  # noqa: E501
        r"\alpha_{t,u} = \log\!\big(e^{\alpha_{t-1,u} + \log p_{t-1,u}(\varnothing)} + e^{\alpha_{t,u-1} + \log p_{t,u-1}(y_u)}\big), \quad \alpha_{0,0} = 0, \quad p_{t,u} = \mathrm{softmax}(z_{t,u})",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial z_{t,u,k}} = p_{t,u}(k)\,\gamma_{t,u} - \gamma_{t,u}(k), \qquad \gamma_{t,u} = \frac{A_{t,u} B_{t,u}}{P}",  # noqa: E501
        r"\gamma_{t,u}(\varnothing) = \frac{A_{t,u}\, p_{t,u}(\varnothing)\, B_{t+1,u}}{P}, \qquad \gamma_{t,u}(y_{u+1}) = \frac{A_{t,u}\, p_{t,u}(y_{u+1})\, B_{t,u+1}}{P}",  # noqa: E501
        r"A = e^{\alpha},\ B = e^{\beta}\ \text{(forward and backward path sums)},\ B_{T,U} = 1",
        r"\text{zero outside each sample's } T_b \times (U_b{+}1) \text{ lattice}",
    ),
    domain={
        "logits": JOINT_LOGITS,
        "targets": TRANSDUCER_TARGETS,
        "logit_lengths": LOGIT_LENGTHS,
        "target_lengths": TARGET_LENGTHS,
    },
    use_case=(
        "Streaming speech recognition: train an encoder, a label predictor and their joint network from "
        "unaligned transcripts, each output conditioned on the labels before it."
    ),
    properties=("non_negative", "bounded_gradient", "smooth"),
    equivalents={
        "torchaudio": (
            "torchaudio.functional.rnnt_loss(logits, targets.int(), logit_lengths.int(), "
            "target_lengths.int(), blank=0) (its default blank is −1, the last class; read at torchaudio "
            "commit b29b6ad)"
        ),
    },
    references=(
        "Graves, Sequence Transduction with Recurrent Neural Networks (ICML workshop, 2012)",
        "torchaudio, src/torchaudio/functional/functional.py (rnnt_loss, commit b29b6ad) and "
        "src/libtorchaudio/rnnt/cpu/cpu_kernels.h (commit 1d3ac6d)",
    ),
    differences=(
        Difference(
            "torchaudio-rnnt-blank-last",
            "torchaudio",
            "torchaudio's `rnnt_loss` (functional.py at commit b29b6ad) defaults to `blank=-1`, the last "
            "class, and maps a negative "
            "blank to V + blank; `lossref` defaults to `blank=0` (as its CTC and PyTorch's `ctc_loss`) and "
            "accepts the same negative indices, so `blank=-1` gives torchaudio's default.",
        ),
        Difference(
            "torchaudio-rnnt-clamp",
            "torchaudio",
            "torchaudio's `clamp` (default −1: off; cpu_kernels.h at commit 1d3ac6d) clips each entry of "
            "the logit gradient to "
            "[−clamp, clamp] while leaving the loss unchanged, so the gradient is no longer the "
            "loss's derivative. `lossref` has no `clamp`: clip the gradient it returns instead.",
        ),
        Difference(
            "torchaudio-rnnt-unfused-log-softmax",
            "torchaudio",
            "With `fused_log_softmax=False` torchaudio (cpu_kernels.h at commit 1d3ac6d) reads its input "
            "as log-probabilities and returns "
            "−γ, the gradient with respect to them, with no softmax inside. `lossref` always applies "
            "log_softmax: fed log-probabilities it gives the same loss (they are their own log_softmax) "
            "and the logit-form gradient p·γ − γ(k), which is −γ pushed back through log_softmax.",
        ),
    ),
    aliases=("rnn-t", "transducer loss", "rnn transducer"),
    reduction_note=(
        '`"mean"` divides the sum of the per-sequence losses −log P(y | x) by the batch size B, as '
        "torchaudio's `reduction=\"mean\"` (no division by target length, unlike PyTorch's CTC mean); "
        "`weights=` (per sequence) give a weighted mean over Σw."
    ),
    plot=Plot(
        curve=Curve(
            x_label="z₀,₀(a): logit of “a” at node (0, 0)",
            x_range=(-6.0, 6.0),
            args=_curve_args,
            series=(Series("T = 1, target “a”, V = 2", {}, {}),),
            component=lambda g, args: g[..., 0, 0, 1],
            grad_label="∂ℓ/∂z₀,₀(a) = p₀,₀(a) − 1",
        ),
    ),
    checks=Checks(
        variants=({"blank": -1},),
        extremes=(
            # logits of ±50: one alignment of probability ≈ 1 (ℓ ≈ 0) and one of ≈ e^-100 (ℓ ≈ 100s)
            Extreme(
                [
                    [
                        [
                            [[-50.0, 50.0, 0.0], [-50.0, -50.0, 50.0], [50.0, 0.0, -50.0]],
                            [[50.0, -50.0, 0.0], [50.0, -50.0, 0.0], [50.0, -50.0, 50.0]],
                        ],
                        [
                            [[50.0, -50.0, 0.0], [50.0, 0.0, -50.0], [-50.0, 50.0, 50.0]],
                            [[-50.0, 50.0, 0.0], [50.0, 50.0, -50.0], [-50.0, 50.0, 0.0]],
                        ],
                    ],
                    [[1, 2], [2, 1]],
                    [2, 2],
                    [2, 2],
                ]
            ),
            # logits of ±1e4, an empty target, a sequence shorter than T, the blank last
            Extreme(
                [
                    [
                        [[[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], [[0.0, 0.0, 0.0], [1e4, 0.0, -1e4]]],
                        [[[0.3, -1.0, 2.0], [1e4, 1e4, 1e4]], [[-2.0, 0.5, 0.0], [0.1, 0.2, 0.3]]],
                    ],
                    [[7], [1]],
                    [2, 1],
                    [0, 1],
                ],
                {"blank": 2},
            ),
        ),
        invalid=(
            Invalid({"blank": 7}, ValueError, "blank must be an integer class index in [-4, 4)"),
            Invalid({"blank": 1.0}, ValueError, "blank must be an integer class index"),
        ),
    ),
)
def rnnt(logits, targets, logit_lengths, target_lengths, *, blank=0):
    """RNN-Transducer loss: −log of the total probability of every alignment on the (t, u) lattice.

    Node (t, u) is frame t with the first u labels already emitted; the joint network's
    logits there give p_{t,u} = softmax(z_{t,u}). From (t, u) an alignment either emits the
    blank and moves to frame t + 1, or emits label y_{u+1} and stays on frame t; it ends with
    the blank at (T − 1, U). The forward (α) and backward (β) recursions run in log space over
    the lattice's anti-diagonals, vectorised over the batch; log_softmax is applied here.

    Args:
        logits: Joint-network logits z (not log-probabilities), shape (B, T, U + 1, V):
            batch, frames, label prefixes (the empty one included), classes with the blank.
        targets: Label sequences padded to a common length U, shape (B, U), without blanks;
            entries past ``target_lengths`` are not read.
        logit_lengths: Frames used per sequence, in [1, T], shape (B,).
        target_lengths: Labels per target, in [0, U], shape (B,). Nodes with t ≥ T_b or
            u > U_b are not read and get zero gradient.
        blank: Index of the blank class, in [−V, V) (negative counts from the end). 0 by
            default; torchaudio's ``rnnt_loss`` defaults to −1, the last class.

    Returns:
        The mean over the batch by default; ``reduction="none"`` gives −log P(y | x) per sequence.

    Examples:
        >>> import numpy as np
        >>> from lossref import rnnt
        >>> z = np.zeros((1, 2, 2, 2))          # T = 2 frames, target "a" (U = 1), V = 2: all p = 1/2
        >>> # a∅∅ and ∅a∅ (the blank ends each): 2 paths of 3 steps, P = 2/8, ℓ = log 4
        >>> round(rnnt(z, [[1]], [2], [1]), 6), round(float(np.log(4)), 6)
        (1.386294, 1.386294)
    """
    blank, read = _check(logits, targets, logit_lengths, target_lengths, blank)
    n, frames, u1, _ = logits.shape
    log_p = log_softmax(logits)  # log1p form: log p ≈ −1e-9 keeps its digits
    labels = np.where(read, targets, blank)
    rows = np.arange(n)[:, None]
    # emit[b, t, u]: log p_{t,u}(y_{u+1}), −inf from u = U_b on (no label left to emit)
    emit = np.full((n, frames, u1), -np.inf)
    emit[:, :, :-1] = np.where(
        read[:, None, :],
        np.take_along_axis(log_p[:, :, :-1, :], labels[:, None, :, None], axis=3)[..., 0],
        -np.inf,
    )
    skip = log_p[..., blank]  # log p_{t,u}(∅)
    alpha = np.full((n, frames, u1), -np.inf)
    alpha[:, 0, 0] = 0.0
    for ts, us in _diagonals(frames, u1):
        if ts[0] == 0 and us[0] == 0:
            continue
        above = np.where(ts > 0, alpha[:, ts - 1, us] + skip[:, ts - 1, us], -np.inf)
        left = np.where(us > 0, alpha[:, ts, us - 1] + emit[:, ts, us - 1], -np.inf)
        alpha[:, ts, us] = np.logaddexp(above, left)
    last_t, last_u = logit_lengths - 1, target_lengths
    log_total = alpha[rows[:, 0], last_t, last_u] + skip[rows[:, 0], last_t, last_u]

    def backward():  # only for .grad: a value-only call needs α alone
        t_idx = np.arange(frames)[None, :, None]
        u_idx = np.arange(u1)[None, None, :]
        inside = (t_idx < logit_lengths[:, None, None]) & (u_idx <= target_lengths[:, None, None])
        end = (t_idx == last_t[:, None, None]) & (u_idx == last_u[:, None, None])
        beta = np.full((n, frames + 1, u1 + 1), -np.inf)  # a border of −inf past T and past U
        after_blank = np.empty((n, frames, u1))  # log B_{t+1,u}, 0 after the final blank
        diagonals = list(_diagonals(frames, u1))
        for ts, us in reversed(diagonals):
            nxt = np.where(end[:, ts, us], 0.0, beta[:, ts + 1, us])
            after_blank[:, ts, us] = nxt
            val = np.logaddexp(skip[:, ts, us] + nxt, emit[:, ts, us] + beta[:, ts, us + 1])
            beta[:, ts, us] = np.where(inside[:, ts, us], val, -np.inf)
        beta_in = beta[:, :frames, :u1]
        # ∂ℓ/∂z_k = γ p_k − γ(k), γ the node's occupancy and γ(k) = γ c_k for the two classes that
        # leave it, c_k = p_k B_k / B the probability that the alignment takes k there (c_∅ + c_y = 1,
        # B_k the backward sum where k leads). As c_∅ + c_y = 1, p_y − c_y = p_y c_∅ − (1 − p_y) c_y
        # (likewise for ∅): two terms each accurate to ε, with 1 − p = −expm1(log p) and each c ≤ 1.
        # The plain p_y − c_y loses every digit when one alignment has probability ≈ 1 (both ≈ 1,
        # the gradient ≈ 1e-9), and so does expm1(β_y − β) (β ≈ −20, differing by 1e-9).
        leaves = inside[:, :, :-1] & read[:, None, :]  # a label leaves node (t, u): u < U_b, t < T_b
        index = np.broadcast_to(labels[:, None, :, None], (n, frames, u1 - 1, 1))
        with np.errstate(invalid="ignore"):  # −inf − (−inf) outside the lattice: masked below
            occupancy = np.where(inside, np.exp(alpha + beta_in - log_total[:, None, None]), 0.0)
            c_blank = np.where(inside, np.exp(skip + after_blank - beta_in), 0.0)
            c_label = np.zeros((n, frames, u1))
            c_label[:, :, :-1] = np.where(
                leaves, np.exp(emit[:, :, :-1] + beta[:, :frames, 1:u1] - beta_in[:, :, :-1]), 0.0
            )
        p = np.exp(log_p)
        p_label = np.zeros((n, frames, u1))
        p_label[:, :, :-1] = np.take_along_axis(p[:, :, :-1], index, axis=3)[..., 0]
        q_label = np.zeros((n, frames, u1))  # 1 − p_y
        q_label[:, :, :-1] = -np.expm1(np.take_along_axis(log_p[:, :, :-1], index, axis=3)[..., 0])
        p_blank, q_blank = p[..., blank], -np.expm1(skip)
        grad = p * occupancy[..., None]
        label_grad = occupancy * (p_label * c_blank - q_label * c_label)
        # an unread position points at the blank, whose entry is set next: no label leaves it
        label_grad = np.where(leaves, label_grad[:, :, :-1], 0.0)[..., None]
        np.put_along_axis(grad[:, :, :-1], index, label_grad, axis=3)
        grad[..., blank] = occupancy * (p_blank * c_label - q_blank * c_blank)
        return grad

    return Result(-log_total, backward)
