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

__all__ = ["negative_sampling"]  # its losses, re-exported by lossref/__init__.py


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
