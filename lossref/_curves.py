"""Inputs and slopes shared by the loss curves of several families (the site's plots).

A curve of an embedding loss turns one row in the plane by an angle θ; these build those rows
and read the slope dℓ/dθ back from a gradient.
"""

import numpy as np


def pair_rows_in_plane(x):
    """Two (anchor, positive) pairs in the plane: anchor 1 at angle θ from its positive (1, 0).

    Pair 2 is fixed (anchor and positive both (0, 1)), so the curve shows how the loss of a
    batch of two changes as the first pair opens.
    """
    n = x.shape[0]
    anchors = np.stack([np.stack([np.cos(x), np.sin(x)], axis=-1), np.tile([0.0, 1.0], (n, 1))], axis=1)
    positives = np.tile([[1.0, 0.0], [0.0, 1.0]], (n, 1, 1))
    return anchors, positives


def first_row_rotation(g, args):
    """dℓ/dθ for a curve that turns the first row (cos θ, sin θ) of its first argument.

    The row moves along (−sin θ, cos θ), so the slope is that direction dotted with the row's
    gradient: −g₀ sin θ + g₁ cos θ.
    """
    return -g[..., 0, 0] * args[0][..., 0, 1] + g[..., 0, 1] * args[0][..., 0, 0]


def two_class_probabilities(x, q1=1.0):
    """Predicted p = (1 − p₁, p₁) at each p₁ in ``x``, and the target (1 − q₁, q₁) beside each."""
    return np.stack([1 - x, x], axis=-1), np.broadcast_to([1 - q1, q1], (*x.shape, 2)).copy()


def along_second_class(g, args):
    """dℓ/dp₁ along p = (1 − p₁, p₁): ∂ℓ/∂p₁ − ∂ℓ/∂p₀."""
    return g[..., 1] - g[..., 0]
