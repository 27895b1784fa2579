"""Small, fixed example networks for the losses that take a user's network (perceptual)."""

import numpy as np


class ExampleFeatures:
    """A two-layer feature map for examples and tests, on the last axis.

    Neighbour differences (a linear edge filter, n = D − 1 per sample) and tanh (a saturating
    nonlinearity, n = D).

    Call it for the features; ``ExampleFeatures.vjp`` is its vector–Jacobian product.

    Examples:
        >>> import numpy as np
        >>> from lossref.examples import ExampleFeatures
        >>> edges, squashed = ExampleFeatures()(np.array([[0.0, 1.0, 3.0]]))
        >>> edges.tolist(), squashed.round(3).tolist()
        ([[1.0, 2.0]], [[0.0, 0.762, 0.995]])
    """

    def __call__(self, x):
        """The two layers' activations at ``x``: neighbour differences, then tanh."""
        return [np.diff(x, axis=-1), np.tanh(x)]

    @staticmethod
    def vjp(x, cotangents):
        """Σ_l J_l(x)ᵀ c_l for the two layers' cotangents ``[c_edges, c_tanh]``."""
        c_edges, c_tanh = cotangents
        out = np.zeros_like(x)
        out[..., 1:] += c_edges  # ∂(x_{i+1} − x_i): +1 at i + 1, −1 at i
        out[..., :-1] -= c_edges
        e = np.exp(-2.0 * np.abs(x))  # tanh' = sech² = 4e/(1 + e)²: no overflow, no 1 − tanh² cancellation
        return out + c_tanh * 4.0 * e / (1.0 + e) ** 2

    def __repr__(self):
        return "ExampleFeatures()"


EXAMPLE = ExampleFeatures()
