"""Large-vocabulary losses: a binary or softmax loss on the true class and a few sampled classes.

They take scores (logits, dot products of an input and an output embedding) of the true class
per sample and of K sampled ("negative") classes per sample, instead of a row over the whole
vocabulary.
"""

import dataclasses

import numpy as np

from ._checks import as_float_array
from ._core import Checks, Curve, Difference, Extreme, Plot, Result, Series, class_axis_loss
from ._domains import LOGITS, Domain
from ._math import sigmoid, softplus

__all__ = ["nce", "negative_sampling", "sampled_softmax"]  # its losses, re-exported by lossref/__init__.py


def _sample_row_scores(rng, shape):
    # the true class's score gets the negatives' shape (N, K) and drops the sample axis
    return rng.normal(scale=2.0, size=shape[:-1])


POSITIVE_SCORE = Domain(
    "real, shape (...): the true class's score s⁺ of each sample",
    as_float_array,
    _sample_row_scores,
    stress=(0.0, 3.0, -40.0, 800.0),
)


NEGATIVE_SCORES = dataclasses.replace(
    LOGITS,
    text="real, shape (..., K): the K sampled classes' scores s⁻ of each sample",
)


def _rows_match(negative_scores, positive_scores):
    if negative_scores.ndim == 0:
        raise ValueError("negative_scores must have a last axis of K sampled scores; got a scalar")
    if positive_scores.shape != negative_scores.shape[:-1]:
        raise ValueError(
            f"positive_scores has shape {positive_scores.shape} but negative_scores has shape "
            f"{negative_scores.shape}: it must be positive_scores.shape + (K,)"
        )


def _sgns_curve():
    return Curve(
        x_label="positive score s⁺ (negatives s⁻ = (0, −1))",
        grad_label="∂ℓ/∂s⁺",
        x_range=(-6.0, 6.0),
        args=lambda x: (np.broadcast_to([0.0, -1.0], (*np.shape(x), 2)), x),
        series=(Series("", {}, {}),),
        argnum=1,
    )


@class_axis_loss(
    family="classification",
    aliases=("SGNS", "skip-gram negative sampling", "word2vec loss", "negative sampling loss"),
    formula=(
        r"\ell(s^+, s^-) = -\log\sigma(s^+) - \sum_{k=1}^{K} \log\sigma(-s^-_k) = \mathrm{softplus}(-s^+) + \sum_{k=1}^{K} \mathrm{softplus}(s^-_k)",  # noqa: E501
        r"s^+ \text{ the true (context) word's score, } s^-_k \text{ the } K \text{ sampled words' scores (dot products)}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial s^+} = -\sigma(-s^+) = \sigma(s^+) - 1, \qquad \frac{\partial \ell}{\partial s^-_k} = \sigma(s^-_k)",  # noqa: E501
    ),
    domain={"negative_scores": NEGATIVE_SCORES, "positive_scores": POSITIVE_SCORE},
    use_case=(
        "Training word embeddings (word2vec skip-gram) and other large-vocabulary embedding models "
        "(recommenders, node2vec): the true pair is pushed up and K sampled pairs down, at the cost "
        "of K + 1 dot products instead of a softmax over the vocabulary."
    ),
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={
        "word2vec": (
            "the skip-gram update with `-negative K` in word2vec.c (tmikolov/word2vec, commit e092540): "
            "its g = (label − σ(s))·α is −α times `negative_sampling`'s gradient, one sampled word at a time"
        ),
    },
    references=(
        (
            "Mikolov, Sutskever, Chen, Corrado & Dean, Distributed Representations of Words and Phrases "
            "and their Compositionality (NeurIPS 2013), eq. 4"
        ),
        (
            "Goldberg & Levy, word2vec Explained: deriving Mikolov et al.'s negative-sampling "
            "word-embedding method (2014)"
        ),
        "Levy & Goldberg, Neural Word Embedding as Implicit Matrix Factorization (NeurIPS 2014)",
    ),
    differences=(
        Difference(
            "word2vec-clipped-sigmoid",
            "word2vec",
            "word2vec.c (tmikolov/word2vec, commit e092540) reads σ from a table of 1000 values: for a "
            "score f with |f| ≤ 6 it uses σ at the grid point (2⌊(f + 6)·83⌋/1000 − 1)·6 (the step "
            "1000/6/2 is integer division, 83), which is up to about 0.04 off; for f > 6 it takes σ = 1 "
            "and for f < −6 σ = 0, so a pair scored beyond ±6 gets no update. `lossref` uses the exact "
            "σ for every score.",
        ),
        Difference(
            "word2vec-skips-accidental-hits",
            "word2vec",
            "word2vec.c (commit e092540) skips a drawn negative that is the true context word: that "
            "sample has fewer than K negative terms. `lossref` takes the K scores it is given; drop an "
            "accidental hit before the call, or mask it with a score of −1e4 (softplus(−1e4) = 0).",
        ),
    ),
    differentiable=("negative_scores", "positive_scores"),
    reduction_note="The mean over samples (rows); each row sums its K negative terms.",
    plot=Plot(curve=_sgns_curve()),
    checks=Checks(
        # saturated pairs (±1e4: softplus exactly 0 or the score itself), a tie at 0, and ±800
        extremes=(
            Extreme(([[1e4, -1e4], [-1e4, 1e4], [0.0, 0.0], [-800.0, 40.0]], [1e4, -1e4, 0.0, 800.0])),
        ),
    ),
)
def negative_sampling(negative_scores, positive_scores):
    """Skip-gram negative sampling: −log σ(s⁺) − Σ_k log σ(−s⁻_k) per sample.

    The K negatives come first: like every class-axis loss, the argument with the last axis
    (here the K sampled classes) leads.

    Args:
        negative_scores: The K sampled classes' scores s⁻, shape (..., K).
        positive_scores: The true class's score s⁺ (a logit: the dot product of the input and
            the true output embedding), shape (...).

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import negative_sampling
        >>> negative_sampling([[0.0, 0.0]], [0.0]) == 3 * math.log(2)  # softplus(0)·3 = 3·log 2
        True
        >>> negative_sampling.grad([[0.0, 0.0]], [0.0])  # ∂/∂s⁻ = σ(0) = 1/2 each
        array([[0.5, 0.5]])
        >>> negative_sampling.grad([[0.0, 0.0]], [0.0], argnum="positive_scores")  # σ(0) − 1 = −1/2
        array([-0.5])
    """
    _rows_match(negative_scores, positive_scores)
    values = softplus(-positive_scores) + softplus(negative_scores).sum(axis=-1)

    def backward():
        return {"positive_scores": -sigmoid(-positive_scores), "negative_scores": sigmoid(negative_scores)}

    return Result(values, backward)


# --- sampled_softmax (issue 20) ---------------------------------------------------------------


# where the TensorFlow behaviour of both log-Q-corrected losses was read (TensorFlow is not installed:
# tests/test_differences.py writes it in NumPy)
_TF_SOURCE = "TensorFlow at commit 7cc7ba5 (2.22.0 in development), `tensorflow/python/ops/nn_impl.py`"


def _log_count_sample(rng, shape):
    # log expected counts log(K·Q(c)) of a sampler: at most log K, often far below
    return rng.uniform(-4.0, 1.0, size=shape)


NEGATIVE_LOG_COUNTS = Domain(
    "real, shape (..., K): log k⁻ = log(K·Q(c)), the sampler's log expected count of each sampled class",
    as_float_array,
    _log_count_sample,
    has_class_axis=True,
    stress=((0.0, 0.0, 0.0), (1.5, -0.5, 0.25)),
)


POSITIVE_LOG_COUNTS = Domain(
    "real, shape (...): log k⁺, the sampler's log expected count of the true class",
    as_float_array,
    lambda rng, shape: _log_count_sample(rng, shape[:-1]),
    stress=(0.0, -1.25),
)


def _counts_match(negative_scores, positive_scores, negative_log_counts, positive_log_counts):
    _rows_match(negative_scores, positive_scores)
    if negative_log_counts.shape != negative_scores.shape:
        raise ValueError(
            f"negative_log_counts has shape {negative_log_counts.shape} but negative_scores has shape "
            f"{negative_scores.shape}: they must match (broadcast a shared sample's counts first)"
        )
    if positive_log_counts.shape != positive_scores.shape:
        raise ValueError(
            f"positive_log_counts has shape {positive_log_counts.shape} but positive_scores has shape "
            f"{positive_scores.shape}: they must match"
        )


# a dominant true class, a dominant negative (±1e4: terms exactly 0 or the score), a slot masked
# at −1e300, ties, ±800, with log counts that shift and do not shift the scores
_CORRECTED_EXTREME = Extreme(
    (
        [[-1e4, -1e4], [1e4, -1e4], [0.0, 0.0], [-1e300, 3.0], [-800.0, 40.0]],
        [1e4, -1e4, 0.0, 1.0, 800.0],
        [[0.0, 0.0], [-2.0, 1.0], [0.0, 0.0], [0.0, -1.0], [1.0, -3.0]],
        [0.0, 0.0, 0.0, -2.0, 0.5],
    )
)


def _corrected_curve():
    # the same curve for both log-Q-corrected losses: their pages and the compare page line up
    return Curve(
        x_label="positive score s⁺ (s⁻ = (0, −1), log k⁻ = −1)",
        grad_label="∂ℓ/∂s⁺",
        x_range=(-6.0, 6.0),
        args=lambda x: (
            np.broadcast_to([0.0, -1.0], (*np.shape(x), 2)),
            x,
            np.full((*np.shape(x), 2), -1.0),
            np.zeros(np.shape(x)),
        ),
        series=(Series("", {}, {}),),
        argnum=1,
    )


@class_axis_loss(
    family="classification",
    aliases=("sampled softmax loss", "sampled softmax cross-entropy", "importance-sampled softmax"),
    formula=(
        r"\ell = -\log \frac{e^{z^+}}{e^{z^+} + \sum_{k=1}^{K} e^{z^-_k}} = \log\Big(1 + \sum_{k=1}^{K} e^{z^-_k - z^+}\Big)",  # noqa: E501
        r"z^+ = s^+ - \log k^+, \quad z^-_k = s^-_k - \log k^-_k, \quad k = K\,Q(c) \text{ the expected count}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial s^-_k} = p^-_k = \frac{e^{z^-_k}}{e^{z^+} + \sum_j e^{z^-_j}}, \qquad \frac{\partial \ell}{\partial s^+} = p^+ - 1 = -\sum_k p^-_k \qquad (\text{log counts: constants})",  # noqa: E501
    ),
    domain={
        "negative_scores": NEGATIVE_SCORES,
        "positive_scores": POSITIVE_SCORE,
        "negative_log_counts": NEGATIVE_LOG_COUNTS,
        "positive_log_counts": POSITIVE_LOG_COUNTS,
    },
    use_case=(
        "Training a softmax classifier or language model over a huge vocabulary (neural machine "
        "translation, recommenders, retrieval): a softmax over the true class and K classes drawn "
        "from a proposal Q, with log(K·Q) subtracted from each score so the gradient estimates the "
        "full softmax's."
    ),
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={
        "TensorFlow": (
            "`tf.nn.sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, "
            "sampled_values=(sampled, true_expected_count, sampled_expected_count), "
            f"remove_accidental_hits=False)` per example ({_TF_SOURCE}, `_compute_sampled_logits`): "
            "its scores are "
            "`inputs @ weights.T + biases`, its log counts `log(expected_count)`"
        ),
    },
    references=(
        (
            "Bengio & Senécal, Adaptive Importance Sampling to Accelerate Training of a Neural "
            "Probabilistic Language Model (IEEE Trans. Neural Networks, 2008)"
        ),
        (
            "Jean, Cho, Memisevic & Bengio, On Using Very Large Target Vocabulary for Neural Machine "
            "Translation (ACL 2015), section 3"
        ),
        "TensorFlow, Candidate Sampling Algorithms Reference (tensorflow.org/extras/candidate_sampling.pdf)",
    ),
    differences=(
        Difference(
            "tf-removes-accidental-hits",
            "TensorFlow",
            f"`tf.nn.sampled_softmax_loss` defaults to `remove_accidental_hits=True` ({_TF_SOURCE}): "
            "a sampled class equal to a true class gets "
            "−FLOAT_MAX (the float32 maximum) added to its logit, so it drops out of the softmax. "
            "`lossref` takes the scores it is given: mask such a slot with a score of −1e300 (its "
            "term is then exactly 0), which reproduces TensorFlow's default.",
        ),
        Difference(
            "tf-num-true",
            "TensorFlow",
            f"With `num_true = T > 1` TensorFlow ({_TF_SOURCE}) puts all T true classes in the row, "
            "each with target 1/T: its loss is the mean over t of "
            "`lossref`'s loss with true class t and the other T − 1 true classes among the "
            "negatives. `lossref` has one true class per row (`num_true=1`).",
        ),
        Difference(
            "tf-per-example-shared-sample",
            "TensorFlow",
            f"TensorFlow ({_TF_SOURCE}) returns one loss per example (shape `[batch_size]`, no "
            "reduction) and draws one set of K classes for the whole "
            "batch, with one expected count per sampled class. `lossref` averages over samples by "
            'default (`reduction="none"` gives TensorFlow\'s vector) and takes a (N, K) row of '
            "negatives per sample: broadcast a shared sample to it.",
        ),
    ),
    differentiable=("negative_scores", "positive_scores"),
    reduction_note="The mean over samples (rows); each row is one softmax over its K + 1 corrected scores.",
    plot=Plot(curve=_corrected_curve()),
    checks=Checks(
        extremes=(_CORRECTED_EXTREME,),
    ),
)
def sampled_softmax(negative_scores, positive_scores, negative_log_counts, positive_log_counts):
    """Sampled softmax: softmax cross-entropy over the true class and K sampled classes, log-Q corrected.

    Each score s has the sampler's log expected count log k = log(K·Q(c)) subtracted before the
    softmax; the true class sits at index 0. The K negatives come first: like every class-axis
    loss, the argument with the last axis (the K sampled classes) leads.

    Args:
        negative_scores: The K sampled classes' scores s⁻ (logits), shape (..., K).
        positive_scores: The true class's score s⁺, shape (...).
        negative_log_counts: log k⁻ of each sampled class, shape (..., K): log(K·Q(c)) for K
            draws with replacement from the proposal Q (TensorFlow's ``sampled_expected_count``,
            logged). A constant of the sampler: no gradient.
        positive_log_counts: log k⁺ of the true class, shape (...) (TensorFlow's
            ``true_expected_count``, logged). No gradient.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import sampled_softmax
        >>> sampled_softmax([[0.0, 0.0]], [0.0], [[0.0, 0.0]], [0.0]) == math.log(3)  # z = 0: 1/3 each
        True
        >>> # s⁻ = log 2, log k⁻ = log 2: z⁻ = 0 = z⁺, so again ∂/∂s⁻ = 1/3 each, ∂/∂s⁺ = 1/3 − 1
        >>> l2 = math.log(2)
        >>> sampled_softmax.grad([[l2, l2]], [0.0], [[l2, l2]], [0.0]).round(4).tolist()
        [[0.3333, 0.3333]]
        >>> g = sampled_softmax.grad([[0.0, 0.0]], [0.0], [[0.0, 0.0]], [0.0], argnum="positive_scores")
        >>> g.round(4).tolist()
        [-0.6667]
    """
    _counts_match(negative_scores, positive_scores, negative_log_counts, positive_log_counts)
    # d_k = z⁻_k − z⁺; ℓ = log(1 + Σ e^{d_k}), shifted by a = max(0, max d) so no exp overflows
    shift = positive_log_counts[..., None] - negative_log_counts
    d = (negative_scores - positive_scores[..., None]) + shift
    a = np.maximum(d.max(axis=-1), 0.0)
    e = np.exp(d - a[..., None])  # e^{z⁻_k − z⁺ − a}
    total = e.sum(axis=-1)
    head = np.exp(-a)  # e^{z⁺ − z⁺ − a}
    # log1p only where the sum is small (a = 0, head = 1): elsewhere head + total ≥ 1.5 is exact
    # enough, and np.log is correctly rounded more often than np.log1p
    values = a + np.where(total < 0.5, np.log1p(total), np.log(head + total))

    def backward():
        norm = head + total
        return {"negative_scores": e / norm[..., None], "positive_scores": -total / norm}

    return Result(values, backward)


# --- nce (issue 20) ---------------------------------------------------------------------------


@class_axis_loss(
    family="classification",
    aliases=("NCE", "noise-contrastive estimation", "NCE loss", "noise contrastive estimation loss"),
    formula=(
        r"\ell = \mathrm{softplus}(-z^+) + \sum_{k=1}^{K} \mathrm{softplus}(z^-_k) = -\log\sigma(z^+) - \sum_{k=1}^{K} \log\sigma(-z^-_k)",  # noqa: E501
        r"z^+ = s^+ - \log k^+, \quad z^-_k = s^-_k - \log k^-_k, \quad k = K\,Q(c) \text{ the expected count}",  # noqa: E501
    ),
    gradient=(
        r"\frac{\partial \ell}{\partial s^+} = \sigma(z^+) - 1, \qquad \frac{\partial \ell}{\partial s^-_k} = \sigma(z^-_k) \qquad (\text{log counts: constants})",  # noqa: E501
    ),
    domain={
        "negative_scores": NEGATIVE_SCORES,
        "positive_scores": POSITIVE_SCORE,
        "negative_log_counts": NEGATIVE_LOG_COUNTS,
        "positive_log_counts": POSITIVE_LOG_COUNTS,
    },
    use_case=(
        "Training a language model or large-vocabulary classifier whose scores should be "
        "self-normalised log-probabilities, without a softmax over the vocabulary: K + 1 logistic "
        "regressions (true class against K noise draws) on scores corrected by log(K·Q)."
    ),
    properties=("non_negative", "convex", "smooth", "bounded_gradient"),
    equivalents={
        "TensorFlow": (
            "`tf.nn.nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, "
            "sampled_values=(sampled, true_expected_count, sampled_expected_count))` per example "
            f"({_TF_SOURCE}, `nce_loss` and `_compute_sampled_logits`): its scores are "
            "`inputs @ weights.T + biases`, its log counts `log(expected_count)`"
        ),
    },
    references=(
        (
            "Gutmann & Hyvärinen, Noise-contrastive estimation: A new estimation principle for "
            "unnormalized statistical models (AISTATS 2010)"
        ),
        (
            "Mnih & Teh, A fast and simple algorithm for training neural probabilistic language "
            "models (ICML 2012)"
        ),
        "TensorFlow, Candidate Sampling Algorithms Reference (tensorflow.org/extras/candidate_sampling.pdf)",
    ),
    differences=(
        Difference(
            "tf-nce-keeps-accidental-hits",
            "TensorFlow",
            f"`tf.nn.nce_loss` defaults to `remove_accidental_hits=False` ({_TF_SOURCE}), unlike "
            "`sampled_softmax_loss`: a sampled class equal to the true class stays a negative, as "
            "in `lossref`. With `True` its logit gets −FLOAT_MAX (the float32 maximum) added, so its "
            "term is 0 (TensorFlow calls that 'sampled logistic', not NCE); mask the slot with a "
            "score of −1e300 to reproduce it.",
        ),
        Difference(
            "tf-nce-num-true",
            "TensorFlow",
            f"With `num_true = T > 1` ({_TF_SOURCE}) each of the T true classes gets the sigmoid target "
            "1/T, not 1: the loss is the mean over t of `lossref`'s loss with true class t and the "
            "other T − 1 true classes among the negatives. `lossref` has one true class per row.",
        ),
        Difference(
            "tf-nce-per-example-shared-sample",
            "TensorFlow",
            f"TensorFlow ({_TF_SOURCE}) returns one loss per example (shape `[batch_size]`, the sum "
            "over the true and sampled terms, no reduction) and draws one set of K classes for the "
            'whole batch. `lossref` averages over samples by default (`reduction="none"` gives '
            "TensorFlow's vector) and takes a (N, K) row of negatives per sample: broadcast a "
            "shared sample to it.",
        ),
    ),
    differentiable=("negative_scores", "positive_scores"),
    reduction_note="The mean over samples (rows); each row sums its true term and its K negative terms.",
    plot=Plot(curve=_corrected_curve()),
    checks=Checks(
        extremes=(_CORRECTED_EXTREME,),
    ),
)
def nce(negative_scores, positive_scores, negative_log_counts, positive_log_counts):
    """Noise-contrastive estimation: logistic loss of the true class against K noise draws, log-Q corrected.

    Each score s has the sampler's log expected count log k = log(K·Q(c)) subtracted, then the
    true class is a positive and each sampled class a negative of a binary logistic regression.
    With all log counts 0 it is ``negative_sampling``. The K negatives come first: like every
    class-axis loss, the argument with the last axis (the K sampled classes) leads.

    Args:
        negative_scores: The K sampled classes' scores s⁻ (logits), shape (..., K).
        positive_scores: The true class's score s⁺, shape (...).
        negative_log_counts: log k⁻ of each sampled class, shape (..., K): log(K·Q(c)) for K
            draws from the noise distribution Q (TensorFlow's ``sampled_expected_count``,
            logged). A constant of the sampler: no gradient.
        positive_log_counts: log k⁺ of the true class, shape (...) (TensorFlow's
            ``true_expected_count``, logged). No gradient.

    Returns:
        The mean over samples by default; see ``reduction`` and ``weights``.

    Examples:
        >>> import math
        >>> from lossref import nce
        >>> nce([[0.0, 0.0]], [0.0], [[0.0, 0.0]], [0.0]) == 3 * math.log(2)  # softplus(0)·3 = 3·log 2
        True
        >>> # s⁻ = log 3 with log k⁻ = log 3: z⁻ = 0, so ∂/∂s⁻ = σ(0) = 1/2 each
        >>> l3 = math.log(3)
        >>> nce.grad([[l3, l3]], [0.0], [[l3, l3]], [0.0]).tolist()
        [[0.5, 0.5]]
        >>> # s⁺ = 0, log k⁺ = log 3: z⁺ = −log 3, σ(z⁺) − 1 = 1/4 − 1 = −3/4
        >>> nce.grad([[0.0]], [0.0], [[0.0]], [l3], argnum="positive_scores").round(12).tolist()
        [-0.75]
    """
    _counts_match(negative_scores, positive_scores, negative_log_counts, positive_log_counts)
    # negative sampling on the corrected scores z = s − log k; the shift is a constant, so the
    # gradients in z are the gradients in s
    return negative_sampling.__wrapped__(
        negative_scores - negative_log_counts, positive_scores - positive_log_counts
    )
