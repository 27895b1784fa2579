"""lossref against scikit-learn's metrics, live (scikit-learn is a test dependency).

scikit-learn takes ``(y_true, y_pred, sample_weight=)`` and returns the weighted mean
Σwℓ/Σw, the same denominator as lossref's ``weights=``. Each row: the lossref loss, its
hyperparameters, and a function calling scikit-learn with lossref's arguments.
"""

import numpy as np
import pytest
from sklearn import metrics

import lossref

RTOL = 1e-12

# (loss name, lossref hyperparameters, call(y_pred, y_true, sample_weight) -> sklearn's value)
CASES = [
    ("mse", {}, lambda p, t, w: metrics.mean_squared_error(t, p, sample_weight=w)),
    ("mae", {}, lambda p, t, w: metrics.mean_absolute_error(t, p, sample_weight=w)),
    ("quantile", {"q": 0.1}, lambda p, t, w: metrics.mean_pinball_loss(t, p, alpha=0.1, sample_weight=w)),
    ("quantile", {"q": 0.9}, lambda p, t, w: metrics.mean_pinball_loss(t, p, alpha=0.9, sample_weight=w)),
    # log_loss clips p to [eps, 1 - eps] (float64 eps): equal away from 0 and 1
    ("binary_cross_entropy", {}, lambda p, t, w: metrics.log_loss(t, p, sample_weight=w, labels=[0, 1])),
    ("hinge", {}, lambda p, t, w: metrics.hinge_loss(t, p, sample_weight=w)),
    ("softmax_cross_entropy", {}, lambda z, t, w: metrics.log_loss(t, _softmax(z), sample_weight=w, labels=range(z.shape[1]))),
]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("name, hyper, call", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_matches_scikit_learn(name, hyper, call, weighted, rng):
    loss = lossref.get(name)
    args = loss.sample_inputs(rng, batch=40, classes=4)
    w = rng.uniform(0.1, 3.0, size=40) if weighted else None
    ours = loss(*args, weights=w, **hyper)
    assert ours == pytest.approx(call(*args, w), rel=RTOL)


def test_every_scikit_learn_equivalent_is_compared():
    # a loss whose equivalents name a scikit-learn *metric* must have a row here
    named = {loss.name for loss in lossref.catalog() if "sklearn.metrics." in loss.meta.equivalents.get("scikit-learn", "")}
    assert named <= {c[0] for c in CASES}
