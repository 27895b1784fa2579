"""The scikit-learn conformance cases: each a call into scikit-learn, written as it runs.

A row names the lossref loss, its hyperparameters and the ``call``: a Python expression over
the loss's arguments (by their lossref names) and ``w`` (``sample_weight``, None unweighted),
run by scripts/sklearn_reference.py with ``metrics``, ``np`` and a few helpers in scope.
scikit-learn takes ``(y_true, y_pred, sample_weight=)`` and returns the weighted mean
Σwℓ/Σw, the same denominator as lossref's ``weights=``. tests/golden/sklearn.json stores
scikit-learn's value for each case; the live test recomputes it.
"""

import numpy as np

import lossref

SKLEARN_VERSION = "1.9.1"
RTOL = 1e-12

# (loss name, lossref hyperparameters, scikit-learn call)
CASES = [
    ("mse", {}, "metrics.mean_squared_error(y_true, y_pred, sample_weight=w)"),
    ("mae", {}, "metrics.mean_absolute_error(y_true, y_pred, sample_weight=w)"),
    ("quantile", {"q": 0.1}, "metrics.mean_pinball_loss(y_true, y_pred, alpha=0.1, sample_weight=w)"),
    ("quantile", {"q": 0.9}, "metrics.mean_pinball_loss(y_true, y_pred, alpha=0.9, sample_weight=w)"),
    ("rmse", {}, "metrics.root_mean_squared_error(y_true, y_pred, sample_weight=w)"),
    ("mape", {}, "metrics.mean_absolute_percentage_error(y_true, y_pred, sample_weight=w)"),
    # log_loss clips p to [eps, 1 - eps] (float64 eps): equal away from 0 and 1
    ("binary_cross_entropy", {}, "metrics.log_loss(y_true, probs, sample_weight=w, labels=[0, 1])"),
    ("hinge", {}, "metrics.hinge_loss(labels, scores, sample_weight=w)"),
    (
        "multiclass_hinge",
        {},
        "metrics.hinge_loss(labels, scores, labels=range(scores.shape[1]), sample_weight=w)",
    ),
    # log_loss takes P(y = +1) = σ(f): equal while σ(f) stays away from 0 and 1
    ("soft_margin", {}, "metrics.log_loss(labels, expit(scores), sample_weight=w, labels=[-1, 1])"),
    # the per-sample losses scikit-learn's estimators minimise (private classes)
    ("squared_hinge", {}, "sgd_loss(SquaredHinge(1.0), scores, labels, w)"),
    ("modified_huber", {}, "sgd_loss(ModifiedHuber(), scores, labels, w)"),
    (
        "exponential",
        {},
        "np.average(ExponentialLoss().loss(y_true=(labels + 1) / 2, raw_prediction=scores), weights=w)",
    ),
    (
        "softmax_cross_entropy",
        {},
        "metrics.log_loss(target, softmax(logits), sample_weight=w, labels=range(logits.shape[1]))",
    ),
    # Tweedie deviances: every admissible kind of power, and the named special cases
    *[
        (
            "tweedie_deviance",
            {"power": p},
            f"metrics.mean_tweedie_deviance(y_true, y_pred, sample_weight=w, power={p})",
        )
        for p in (-1.0, 0.0, 1.0, 1.2, 1.5, 2.0, 3.0)
    ],
    ("tweedie_deviance", {"power": 1.0}, "metrics.mean_poisson_deviance(y_true, y_pred, sample_weight=w)"),
    ("gamma_deviance", {}, "metrics.mean_gamma_deviance(y_true, y_pred, sample_weight=w)"),
    # HalfPoissonLoss (private): e^z − y z on the log-rate z, the default poisson_nll
    ("poisson_nll", {}, "HalfPoissonLoss()(y_true, y_pred, sample_weight=w)"),
    (
        "sparse_categorical_cross_entropy",
        {},
        "metrics.log_loss(labels, softmax(logits), sample_weight=w, labels=range(logits.shape[1]))",
    ),
    # predicted probabilities against soft targets: sklearn takes labels only, so each row becomes
    # C samples labelled 0..C-1 with weights w·q_c (cross-entropy is linear in q)
    ("cross_entropy", {}, "soft_target_log_loss(probs, target, w)"),
    # the error rate; sklearn compares predicted labels: numpy's argmax (first maximum on ties)
    ("zero_one", {}, "metrics.zero_one_loss(labels, scores.argmax(axis=-1), sample_weight=w)"),
    # on 0/1 masks with s = 0 the soft IoU is the set IoU; average="samples" is one IoU per row
    (
        "jaccard",
        {"smooth": 0.0},
        "1 - metrics.jaccard_score(targets, probs, average='samples', sample_weight=w)",
    ),
    # issue 19: scikit-learn 1.9.1 accepts values in (−1, 0), as lossref (older releases raised)
    ("msle", {}, "metrics.mean_squared_log_error(y_true, y_pred, sample_weight=w)"),
    # the per-sample losses of SGDRegressor(loss="epsilon_insensitive" / "squared_epsilon_insensitive")
    (
        "epsilon_insensitive",
        {"epsilon": 0.3},
        "sgd_loss(EpsilonInsensitive(0.3), y_pred, y_true, w)",
    ),
    (
        "epsilon_insensitive",
        {"epsilon": 0.3, "squared": True},
        "sgd_loss(SquaredEpsilonInsensitive(0.3), y_pred, y_true, w)",
    ),
    # NMF(beta_loss="kullback-leibler")'s objective on X ≈ WH, with W = ŷ (one column) and H = 1
    ("generalized_kl", {}, "nmf_kl(y_pred, y_true, w)"),
    # issue 19: the multiclass Brier score, unhalved (scale_by_half="auto" halves it for C <= 2)
    (
        "brier_score",
        {},
        "metrics.brier_score_loss(target, probs, sample_weight=w, labels=range(probs.shape[1]), "
        "scale_by_half=False)",
    ),
    # the per-sample loss of SGDClassifier(loss="perceptron") and Perceptron(): Hinge(threshold=0.0)
    ("perceptron", {}, "sgd_loss(Hinge(0.0), scores, labels, w)"),
]


def _inputs(loss, rng):
    if loss.name == "jaccard":  # hard masks, no row with an empty union (0/0)
        t, p = rng.integers(0, 2, size=(30, 8)), rng.integers(0, 2, size=(30, 8))
        t[:, 0] = 1
        return p, t
    if loss.name == "brier_score":  # scikit-learn takes integer labels
        probs, _ = loss.sample_inputs(rng, batch=40, classes=4)
        return probs, rng.integers(0, 4, size=40)
    return loss.sample_inputs(rng, batch=40, classes=4)


def cases():
    """Each row unweighted and weighted, on inputs drawn from one fixed generator."""
    rng = np.random.default_rng(20261124)
    out = []
    for i, (name, hyper, call) in enumerate(CASES):
        loss = lossref.get(name)
        for weighted in (False, True):
            args = _inputs(loss, rng)
            w = rng.uniform(0.1, 3.0, size=len(args[0])) if weighted else None
            out.append(
                {
                    "id": f"{name}-{i}-{'weighted' if weighted else 'unweighted'}",
                    "loss": name,
                    "hyper": hyper,
                    "call": call,
                    "inputs": {k: np.asarray(a).tolist() for k, a in zip(loss.arg_names, args, strict=True)},
                    "weights": None if w is None else w.tolist(),
                }
            )
    return out


# scikit-learn's penalised linear models, fitted live by tests/test_conformance_sklearn.py
PENALIZED = [
    # (lossref penalty, its hyperparameters, the estimator; the estimator's data term over lossref's MSE)
    (
        "l2_penalty",
        {"strength": 0.6},
        lambda n: _linear("Ridge", alpha=n * 0.6 / 2),
        1.0,
    ),  # ‖y − Xw‖² + α‖w‖², /n
    ("l1_penalty", {"strength": 0.2}, lambda n: _linear("Lasso", alpha=0.2), 0.5),  # ‖y − Xw‖²/(2n) + α‖w‖₁
    (
        "elastic_net_penalty",
        {"strength": 0.3, "l1_ratio": 0.4},
        lambda n: _linear("ElasticNet", alpha=0.3, l1_ratio=0.4),
        0.5,
    ),
    (
        "elastic_net_penalty",
        {"strength": 0.3, "l1_ratio": 0.0},
        lambda n: _linear("ElasticNet", alpha=0.3, l1_ratio=0.0),
        0.5,
    ),
]


def _linear(name, **kw):
    from sklearn import linear_model

    extra = {} if name == "Ridge" else {"tol": 1e-13, "max_iter": 100_000}
    return getattr(linear_model, name)(fit_intercept=False, **kw, **extra)
