"""scikit-learn's side of the cases in tests/sklearn_cases.py: the recipe behind tests/golden/sklearn.json.

Each case's ``call`` is evaluated as written, with the loss's arguments and ``w`` in scope.
"""

import numpy as np
import sklearn
from scipy.special import expit
from sklearn import metrics
from sklearn._loss.loss import ExponentialLoss, HalfPoissonLoss
from sklearn.decomposition._nmf import _beta_divergence
from sklearn.linear_model._sgd_fast import (
    EpsilonInsensitive,
    Hinge,
    ModifiedHuber,
    SquaredEpsilonInsensitive,
    SquaredHinge,
)

VERSION = sklearn.__version__


def sgd_loss(loss, p, t, w):
    return np.average([loss.py_loss(f, y) for f, y in zip(p, t, strict=True)], weights=w)


def nmf_kl(p, t, w):
    """NMF's β = 1 divergence of X = t from WH = p, one entry at a time, averaged with weights w."""
    one = np.eye(1)
    return np.average(
        [_beta_divergence(np.array([[b]]), np.array([[a]]), one, 1) for a, b in zip(p, t, strict=True)],
        weights=w,
    )


def soft_target_log_loss(p, q, w):
    n, c = q.shape
    weights = (q if w is None else w[:, None] * q).ravel()
    return metrics.log_loss(
        np.tile(np.arange(c), n), np.repeat(p, c, axis=0), sample_weight=weights, labels=range(c)
    )


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


SCOPE = {
    "metrics": metrics,
    "np": np,
    "expit": expit,
    "EpsilonInsensitive": EpsilonInsensitive,
    "ExponentialLoss": ExponentialLoss,
    "HalfPoissonLoss": HalfPoissonLoss,
    "Hinge": Hinge,
    "ModifiedHuber": ModifiedHuber,
    "SquaredEpsilonInsensitive": SquaredEpsilonInsensitive,
    "SquaredHinge": SquaredHinge,
    "nmf_kl": nmf_kl,
    "sgd_loss": sgd_loss,
    "soft_target_log_loss": soft_target_log_loss,
    "softmax": softmax,
}


def evaluate(case):
    """scikit-learn's value for one case."""
    inputs = {k: np.asarray(v) for k, v in case["inputs"].items()}
    w = None if case["weights"] is None else np.asarray(case["weights"])
    return float(eval(case["call"], SCOPE, dict(inputs, w=w)))
