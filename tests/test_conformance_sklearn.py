"""lossref against scikit-learn's metrics, live (scikit-learn is a test dependency).

scikit-learn takes ``(y_true, y_pred, sample_weight=)`` and returns the weighted mean
Σwℓ/Σw, the same denominator as lossref's ``weights=``. Each row: the lossref loss, its
hyperparameters, and a function calling scikit-learn with lossref's arguments.
"""

import numpy as np
import pytest
from scipy.special import expit
from sklearn import metrics
from sklearn._loss.loss import ExponentialLoss, HalfPoissonLoss
from sklearn.linear_model._sgd_fast import ModifiedHuber, SquaredHinge

import lossref

RTOL = 1e-12

# (loss name, lossref hyperparameters, call(y_pred, y_true, sample_weight) -> sklearn's value)
CASES = [
    ("mse", {}, lambda p, t, w: metrics.mean_squared_error(t, p, sample_weight=w)),
    ("mae", {}, lambda p, t, w: metrics.mean_absolute_error(t, p, sample_weight=w)),
    ("quantile", {"q": 0.1}, lambda p, t, w: metrics.mean_pinball_loss(t, p, alpha=0.1, sample_weight=w)),
    ("quantile", {"q": 0.9}, lambda p, t, w: metrics.mean_pinball_loss(t, p, alpha=0.9, sample_weight=w)),
    ("rmse", {}, lambda p, t, w: metrics.root_mean_squared_error(t, p, sample_weight=w)),
    ("mape", {}, lambda p, t, w: metrics.mean_absolute_percentage_error(t, p, sample_weight=w)),
    # log_loss clips p to [eps, 1 - eps] (float64 eps): equal away from 0 and 1
    ("binary_cross_entropy", {}, lambda p, t, w: metrics.log_loss(t, p, sample_weight=w, labels=[0, 1])),
    ("hinge", {}, lambda p, t, w: metrics.hinge_loss(t, p, sample_weight=w)),
    ("multiclass_hinge", {}, lambda s, t, w: metrics.hinge_loss(t, s, labels=range(s.shape[1]), sample_weight=w)),
    # log_loss takes P(y = +1) = σ(f): equal while σ(f) stays away from 0 and 1
    ("soft_margin", {}, lambda p, t, w: metrics.log_loss(t, expit(p), sample_weight=w, labels=[-1, 1])),
    # the per-sample losses scikit-learn's estimators minimise (private classes, scikit-learn 1.9)
    ("squared_hinge", {}, lambda p, t, w: _sgd_loss(SquaredHinge(1.0), p, t, w)),
    ("modified_huber", {}, lambda p, t, w: _sgd_loss(ModifiedHuber(), p, t, w)),
    ("exponential", {}, lambda p, t, w: np.average(ExponentialLoss().loss(y_true=(t + 1) / 2, raw_prediction=p), weights=w)),
    ("softmax_cross_entropy", {}, lambda z, t, w: metrics.log_loss(t, _softmax(z), sample_weight=w, labels=range(z.shape[1]))),
    # Tweedie deviances: every admissible kind of power, and the named special cases
    *[("tweedie_deviance", {"power": p}, lambda m, t, w, p=p: metrics.mean_tweedie_deviance(t, m, sample_weight=w, power=p))
      for p in (-1.0, 0.0, 1.0, 1.2, 1.5, 2.0, 3.0)],
    ("tweedie_deviance", {"power": 1.0}, lambda m, t, w: metrics.mean_poisson_deviance(t, m, sample_weight=w)),
    ("gamma_deviance", {}, lambda m, t, w: metrics.mean_gamma_deviance(t, m, sample_weight=w)),
    # HalfPoissonLoss (private, scikit-learn 1.9): e^z − y z on the log-rate z, the default poisson_nll
    ("poisson_nll", {}, lambda z, t, w: HalfPoissonLoss()(t, z, sample_weight=w)),
    ("sparse_categorical_cross_entropy", {},
     lambda z, t, w: metrics.log_loss(t, _softmax(z), sample_weight=w, labels=range(z.shape[1]))),
    # predicted probabilities against soft targets: sklearn takes labels only, so each row becomes
    # C samples labelled 0..C-1 with weights w·q_c (cross-entropy is linear in q)
    ("cross_entropy", {}, lambda p, q, w: _soft_target_log_loss(p, q, w)),
    # the error rate; sklearn compares predicted labels: numpy's argmax (first maximum on ties)
    ("zero_one", {}, lambda s, t, w: metrics.zero_one_loss(t, s.argmax(axis=-1), sample_weight=w)),
]


def _sgd_loss(loss, p, t, w):
    return np.average([loss.py_loss(f, y) for f, y in zip(p, t, strict=True)], weights=w)


def _soft_target_log_loss(p, q, w):
    n, c = q.shape
    weights = (q if w is None else w[:, None] * q).ravel()
    return metrics.log_loss(np.tile(np.arange(c), n), np.repeat(p, c, axis=0), sample_weight=weights, labels=range(c))


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


def test_zero_one_sum_is_scikit_learns_count():
    # normalize=False counts the errors: lossref's reduction="sum" (ties: first maximum)
    scores = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    labels = np.array([1, 2, 0, 0])
    count = metrics.zero_one_loss(labels, scores.argmax(axis=-1), normalize=False)
    assert lossref.zero_one(scores, labels, reduction="sum") == count == 2


# The penalties against scikit-learn's penalised linear models: at the solution scikit-learn
# returns, the gradient of its objective, written with lossref's data loss and penalty, vanishes
# on the non-zero weights, and on the zero weights the data gradient is within the L1 part's
# reach (the subgradient optimality condition). This pins the parametrisation: a factor 2 or a
# swapped ratio would fail it.
PENALIZED = [
    # (lossref penalty, its hyperparameters, the estimator; the estimator's data term over lossref's MSE)
    ("l2_penalty", {"strength": 0.6}, lambda n: _linear("Ridge", alpha=n * 0.6 / 2), 1.0),  # ‖y − Xw‖² + α‖w‖², /n
    ("l1_penalty", {"strength": 0.2}, lambda n: _linear("Lasso", alpha=0.2), 0.5),  # ‖y − Xw‖²/(2n) + α‖w‖₁
    ("elastic_net_penalty", {"strength": 0.3, "l1_ratio": 0.4},
     lambda n: _linear("ElasticNet", alpha=0.3, l1_ratio=0.4), 0.5),
    ("elastic_net_penalty", {"strength": 0.3, "l1_ratio": 0.0},
     lambda n: _linear("ElasticNet", alpha=0.3, l1_ratio=0.0), 0.5),
]


def _linear(name, **kw):
    from sklearn import linear_model

    extra = {} if name == "Ridge" else {"tol": 1e-13, "max_iter": 100_000}
    return getattr(linear_model, name)(fit_intercept=False, **kw, **extra)


@pytest.mark.parametrize("name, hyper, estimator, data_scale", PENALIZED, ids=[f"{p[0]}-{i}" for i, p in enumerate(PENALIZED)])
def test_penalties_match_scikit_learns_linear_models(name, hyper, estimator, data_scale, rng):
    import warnings

    penalty, mse = lossref.get(name), lossref.get("mse")
    X = rng.normal(size=(60, 5))
    y = X @ np.array([2.0, -1.0, 0.0, 0.0, 0.5]) + 0.5 * rng.normal(size=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ElasticNet warns that l1_ratio = 0 is better served by Ridge
        w = estimator(len(y)).fit(X, y).coef_
    data = data_scale * (X.T @ mse.grad(X @ w, y))
    total = data + penalty.grad(w, **hyper)
    assert np.abs(total[w != 0]).max() < 1e-9
    l1_reach = hyper["strength"] * hyper.get("l1_ratio", 1.0 if name == "l1_penalty" else 0.0)
    assert (np.abs(data[w == 0]) <= l1_reach + 1e-12).all()
    assert name == "l2_penalty" or (w == 0).any() or hyper.get("l1_ratio") == 0.0  # the zero path is exercised


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_jaccard_on_hard_masks_is_one_minus_jaccard_score(weighted, rng):
    # on 0/1 masks with s = 0 the soft IoU is the set IoU; average="samples" is one IoU per row
    t = rng.integers(0, 2, size=(30, 8))
    p = rng.integers(0, 2, size=(30, 8))
    t[:, 0] = 1  # no row with an empty union (0/0)
    w = rng.uniform(0.1, 3.0, size=30) if weighted else None
    score = metrics.jaccard_score(t, p, average="samples", sample_weight=w)
    assert lossref.jaccard(p, t, smooth=0.0, weights=w) == pytest.approx(1 - score, rel=RTOL)
