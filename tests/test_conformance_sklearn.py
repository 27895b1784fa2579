"""lossref against scikit-learn.

Committed golden values (tests/golden/sklearn.json), the same cases live, and checks of the
penalties against scikit-learn's penalised linear models.

The cases are in tests/sklearn_cases.py; scikit-learn's side is scripts/sklearn_reference.py.
"""

import json
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn import metrics

import lossref

from sklearn_cases import CASES, PENALIZED, RTOL, SKLEARN_VERSION, cases

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "sklearn.json").read_text())


def _ours(case):
    loss = lossref.get(case["loss"])
    args = [np.asarray(case["inputs"][name]) for name in loss.arg_names]
    return loss(
        *args, weights=None if case["weights"] is None else np.asarray(case["weights"]), **case["hyper"]
    )


def test_golden_file_matches_the_case_list():
    # sampled inputs pass through exp (softmax rows, probabilities), whose last bit may differ
    # between CPUs: arrays to 1e-13 relative, everything else exactly (as tests/test_conformance.py)
    expected = cases()
    assert [c["id"] for c in GOLDEN["cases"]] == [c["id"] for c in expected]
    for committed, case in zip(GOLDEN["cases"], expected, strict=True):
        assert {k: committed[k] for k in ("loss", "hyper", "call")} == {
            k: case[k] for k in ("loss", "hyper", "call")
        }
        assert committed["inputs"].keys() == case["inputs"].keys()
        for name in case["inputs"]:
            np.testing.assert_allclose(committed["inputs"][name], case["inputs"][name], rtol=1e-13, atol=0)
        assert (committed["weights"] is None) == (case["weights"] is None)
        if case["weights"] is not None:
            np.testing.assert_allclose(committed["weights"], case["weights"], rtol=1e-13, atol=0)
    assert GOLDEN["framework"] == "scikit-learn"
    assert GOLDEN["version"] == SKLEARN_VERSION


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_matches_scikit_learn_golden_values(case):
    assert _ours(case) == pytest.approx(case["value"], rel=RTOL)


@pytest.mark.skipif(
    sklearn.__version__ != SKLEARN_VERSION,
    reason=f"scikit-learn {sklearn.__version__} installed, the cases need {SKLEARN_VERSION}; "
    "golden values still ran",
)
@pytest.mark.parametrize("case", cases(), ids=lambda c: c["id"])
def test_matches_scikit_learn_live(case):
    from sklearn_reference import evaluate

    assert _ours(case) == pytest.approx(evaluate(case), rel=RTOL)


def test_every_scikit_learn_equivalent_is_compared():
    # a loss whose equivalents name a scikit-learn *metric* must have a row here
    named = {
        loss.name
        for loss in lossref.catalog()
        if "sklearn.metrics." in loss.meta.equivalents.get("scikit-learn", "")
    }
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
@pytest.mark.parametrize(
    ("name", "hyper", "estimator", "data_scale"),
    PENALIZED,
    ids=[f"{p[0]}-{i}" for i, p in enumerate(PENALIZED)],
)
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
    assert (
        name == "l2_penalty" or (w == 0).any() or hyper.get("l1_ratio") == 0.0
    )  # the zero path is exercised
