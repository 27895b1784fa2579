"""Margin losses: a real-valued score against a ±1 label, penalised by the signed margin y·f."""

import numpy as np

from ._checks import non_negative
from ._core import Curve, Difference, elementwise_loss
from ._domains import REAL, SIGN_LABEL


@elementwise_loss(
    family="margin",
    formula=r"\ell(f, y) = \max(0,\ m - y f), \quad y \in \{-1, +1\}",
    gradient=r"\frac{\partial \ell}{\partial f} = \begin{cases} -y & y f < m \\ 0 & y f \ge m \end{cases}",
    domain={"scores": REAL, "labels": SIGN_LABEL},
    use_case="Linear SVMs and max-margin binary classification on raw scores.",
    properties=("non_negative", "convex", "bounded_gradient"),
    equivalents={
        "Keras": "keras.losses.Hinge() (converts {0, 1} labels to ±1)",
        "optax": "optax.losses.hinge_loss(scores, labels)",
        "scikit-learn": "sklearn.metrics.hinge_loss(y_true, scores); SGDClassifier(loss=\"hinge\")",
        "PyTorch": "no direct equivalent (nn.HingeEmbeddingLoss is a different loss)",
    },
    references=("Cortes & Vapnik, Support-Vector Networks (1995)",),
    differences=(
        Difference(
            "keras-hinge-01-labels",
            "Keras",
            "Keras silently maps {0, 1} labels to ±1. `lossref` raises instead: with 0/1 labels "
            "every y = 0 term would be a constant m with zero gradient. Convert with 2y − 1.",
        ),
    ),
    curve=Curve(
        x_label="score f (label y = +1)",
        x_range=(-3.0, 3.0),
        args=lambda x: (x, np.ones_like(x)),
        series=tuple((f"m = {m:g}", {}, {"margin": m}) for m in (0.0, 1.0, 2.0)),
    ),
    variants=({"margin": 0.0}, {"margin": 2.0}),
    kink_distance=lambda scores, labels, margin=1.0: np.abs(margin - labels * scores),
    extremes=(
        ([[1e4, -1e4, 1e-300], [1.0, 1.0, -1.0]], {}),
    ),
    invalid=(
        ({'margin': -1.0}, ValueError, 'margin must be >= 0'),
    ),
)
def hinge(scores, labels, *, margin=1.0):
    """Binary hinge loss on raw scores with ±1 labels.

    At the kink (y·f = m) the gradient is 0, the library-wide convention for max(0, ·).

    Args:
        scores: Decision values f (not probabilities), any shape.
        labels: Labels in {-1, +1}, the same shape. {0, 1} labels are rejected.
        margin: m >= 0; 1 is the SVM margin, 0 gives the perceptron loss.

    Returns:
        The mean loss by default; see ``reduction`` and ``weights``.

    Examples:
        >>> from lossref import hinge
        >>> hinge([2.0, 0.5, -1.0], [1.0, 1.0, 1.0])   # (0 + 0.5 + 2) / 3
        0.8333333333333334
        >>> hinge.grad([2.0, 0.5], [1.0, -1.0], reduction="sum")
        array([0., 1.])
    """
    non_negative(margin=margin)
    slack = margin - labels * scores
    return np.maximum(slack, 0.0), np.where(slack > 0, -labels, 0.0)
