"""Every documented difference from a framework, shown by a test.

Each ``Difference`` in a loss's metadata needs ``test_<id>`` here (a meta-test checks),
so a page never claims a difference that no test demonstrates.
"""

import importlib.util
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import lossref
from lossref import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    class_balanced,
    hinge,
    kl_div,
    multiclass_hinge,
    multilabel_margin,
    nll,
    quantile,
    sigmoid_focal,
    soft_margin,
    softmax_cross_entropy,
    softmax_focal,
    sparse_categorical_cross_entropy,
    squared_hinge,
)

GOLDEN = json.loads((Path(__file__).parent / "golden" / "torch.json").read_text())["differences"]
# Keras 3.15.1, optax 0.2.8, pytorch-metric-learning 2.9.0 and Kornia 0.9.0's values for the cases of
# framework_cases.py (run live by test_conformance_frameworks)
FRAMEWORK = {
    c["id"]: c
    for fw in ("keras", "optax", "pml", "kornia")
    for c in json.loads((Path(__file__).parent / "golden" / f"{fw}.json").read_text())["cases"]
}


def framework_case(case_id):
    """A framework case: its inputs (as arrays) and the value and gradient the framework returned."""
    case = FRAMEWORK[case_id]
    return (
        {k: np.asarray(v) for k, v in case["inputs"].items()},
        np.asarray(case["value"]),
        case["grad_value"],
    )


def test_every_documented_difference_has_a_test():
    # one Difference may be shared by two names of one function (softmax_cross_entropy and
    # sparse_categorical_cross_entropy); distinct differences need distinct ids
    differences = {d for loss in lossref.catalog() for d in loss.meta.differences}
    ids = [d.id for d in differences]
    assert len(ids) == len(set(ids))
    for difference_id in ids:
        assert f"test_{difference_id.replace('-', '_')}" in globals(), difference_id


def test_every_framework_difference_runs_the_framework():
    # its test reads a value Keras, optax, pytorch-metric-learning or Kornia computed (golden, and live
    # in test_conformance_frameworks),
    # or calls scikit-learn (a test dependency, always live)
    import inspect

    marker = {
        "Keras": "framework_case(",
        "optax": "framework_case(",
        "pytorch-metric-learning": "framework_case(",
        "Kornia": "framework_case(",
        "scikit-learn": "sklearn",
    }
    for loss in lossref.catalog():
        for d in loss.meta.differences:
            if d.framework in marker:
                test = globals()[f"test_{d.id.replace('-', '_')}"]
                assert marker[d.framework] in inspect.getsource(test), d.id


def test_every_pytorch_difference_has_golden_vectors():
    for loss in lossref.catalog():
        for d in loss.meta.differences:
            if d.framework in ("PyTorch", "torchvision"):
                assert d.id in GOLDEN, d.id


def test_pytorch_bce_clamps_log():
    case = GOLDEN["pytorch-bce-clamps-log"]
    assert case["torch_none"] == [100.0, 100.0]  # log clamped at -100
    values = binary_cross_entropy(*case["args"], reduction="none")
    assert np.isposinf(values).all()  # the exact value
    assert binary_cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0  # 0 log 0 = 0


def test_pytorch_bce_grad_clamps_denominator():
    case = GOLDEN["pytorch-bce-grad-clamps-denominator"]
    ours = binary_cross_entropy.grad(*case["args"], reduction="sum")
    # exact: d/dp of -log(1 - p) at p = 1e-15 is 1/(1 - p) ≈ 1, of -log p at 1e-300 is -1e300;
    # PyTorch divides by max(p(1-p), 1e-12)
    np.testing.assert_allclose(ours, [1 / (1 - 1e-15), -1 / 0.3, -1e300], rtol=1e-15)
    np.testing.assert_allclose(case["torch_grad"][0], 1e-3, rtol=1e-6)
    np.testing.assert_allclose(case["torch_grad"][1], ours[1], rtol=1e-12)  # agree away from the clamp
    # the log clamp bounds the value at 100 but does not zero the gradient: about -1e12 there
    assert case["torch_none"][2] == 100.0
    np.testing.assert_allclose(case["torch_grad"][2], -1e12, rtol=1e-6)


def _weight_denominator(loss, key):
    case = GOLDEN[key]
    args, w = case["args"], np.asarray(case["weights"])
    ours_sum = loss(*args, weights=w, reduction="sum")
    assert case["torch_mean"] == pytest.approx(ours_sum / w.size, rel=1e-12)  # PyTorch: / N
    assert loss(*args, weights=w) == pytest.approx(ours_sum / w.sum(), rel=1e-15)  # lossref: / Σw
    assert loss(*args, weights=w) != pytest.approx(case["torch_mean"], rel=1e-3)


def test_pytorch_bce_weight_denominator():
    _weight_denominator(binary_cross_entropy, "pytorch-bce-weight-denominator")


def test_pytorch_bcewithlogits_weight_denominator():
    _weight_denominator(binary_cross_entropy_with_logits, "pytorch-bcewithlogits-weight-denominator")


# the integer-label cross-entropy under both of its names shares these differences
CE_WITH_LABELS = pytest.mark.parametrize(
    "ce", [softmax_cross_entropy, sparse_categorical_cross_entropy], ids=lambda loss: loss.name
)


@CE_WITH_LABELS
def test_pytorch_ce_class_axis(ce):
    case = GOLDEN["pytorch-ce-class-axis"]
    z = np.asarray(case["logits_nc_d"])  # PyTorch layout (N, C, d)
    labels = np.asarray(case["labels"])
    ours = ce(np.moveaxis(z, 1, -1), labels)  # lossref: classes last
    assert ours == pytest.approx(case["torch_mean"], rel=1e-12)
    with pytest.raises(ValueError, match=f"{ce.arg_names[1]} has shape"):
        ce(z, labels)  # PyTorch's layout is rejected, not misread


@CE_WITH_LABELS
def test_pytorch_ce_all_ignored(ce):
    case = GOLDEN["pytorch-ce-all-ignored"]
    assert math.isnan(case["torch_mean"])
    with pytest.raises(ValueError, match="denominator is 0"):
        ce(*case["args"], ignore_index=case["ignore_index"])
    assert ce(*case["args"], ignore_index=case["ignore_index"], reduction="sum") == 0.0


@CE_WITH_LABELS
def test_pytorch_ce_ignore_index_default(ce):
    case = GOLDEN["pytorch-ce-ignore-index-default"]
    z, labels = case["args"]
    # PyTorch silently skipped the -100 label: its mean is the first sample's loss alone
    assert case["torch_mean"] == pytest.approx(ce([z[0]], [labels[0]]), rel=1e-12)
    with pytest.raises(ValueError, match=re.escape(f"{ce.arg_names[1]} must be in [0, 3)")):
        ce(z, labels)
    assert ce(z, labels, ignore_index=-100) == pytest.approx(case["torch_mean"], rel=1e-12)


def test_pytorch_class_weighted_ce_mean():
    case = GOLDEN["pytorch-class-weighted-ce-mean"]
    z, labels, counts = case["args"][0], case["args"][1], case["samples_per_class"]
    ours_sum = class_balanced(z, labels, samples_per_class=counts, reduction="sum")
    w_y = np.asarray(case["torch_weights"])[labels]  # PyTorch's weights, computed there from the counts
    assert case["torch_sum"] == pytest.approx(ours_sum, rel=1e-12)  # the sums agree
    assert case["torch_mean"] == pytest.approx(ours_sum / w_y.sum(), rel=1e-12)  # PyTorch: / Σ w_y
    assert class_balanced(z, labels, samples_per_class=counts) == pytest.approx(
        ours_sum / len(labels), rel=1e-15
    )
    assert class_balanced(z, labels, samples_per_class=counts) != pytest.approx(case["torch_mean"], rel=1e-2)


def test_pytorch_nll_accepts_positive_input():
    case = GOLDEN["pytorch-nll-accepts-positive-input"]
    assert case["torch_mean"] < 0  # probabilities passed as log-probabilities: a negative "loss"
    with pytest.raises(ValueError, match="log_probs must be log-probabilities"):
        nll(*case["args"])


def test_pytorch_nll_all_ignored():
    case = GOLDEN["pytorch-nll-all-ignored"]
    assert math.isnan(case["torch_mean"])
    with pytest.raises(ValueError, match="denominator is 0"):
        nll(*case["args"], ignore_index=case["ignore_index"])


def test_pytorch_kl_unnormalised_input():
    case = GOLDEN["pytorch-kl-unnormalised-input"]
    assert case["torch_batchmean"] < 0  # a negative "divergence"
    with pytest.raises(ValueError, match="rows must sum to 1"):
        kl_div(*case["args"])


def test_pytorch_kl_mean_divides_by_nc():
    case = GOLDEN["pytorch-kl-mean-divides-by-nc"]
    ours = kl_div(*case["args"])
    n, c = np.asarray(case["args"][0]).shape
    assert ours == pytest.approx(case["torch_batchmean"], rel=1e-12)
    assert case["torch_mean"] == pytest.approx(ours / c, rel=1e-12)
    assert kl_div(*case["args"], reduction="sum") == pytest.approx(ours * n, rel=1e-15)


def test_torchvision_focal_nan_gradient():
    case = GOLDEN["torchvision-focal-nan-gradient"]
    torch_grad = np.asarray(case["torch_grad"])
    assert np.isnan(torch_grad[:2]).all()  # (1 - p_t)^(γ - 1) = ∞ times p(1 - p) = 0
    ours = sigmoid_focal.grad(*case["args"], gamma=case["gamma"], reduction="sum")
    assert np.isfinite(ours).all()
    assert (ours[:2] == 0).all()
    assert ours[2] == pytest.approx(torch_grad[2], rel=1e-12)


def test_sklearn_pinball_argument_order():
    from sklearn.metrics import mean_pinball_loss

    y_true = np.array([1.0, 2.0, 3.0, 10.0])
    y_pred = np.array([2.0, 2.0, 2.0, 2.0])
    ours = quantile(y_pred, y_true, q=0.9)
    assert mean_pinball_loss(y_true, y_pred, alpha=0.9) == pytest.approx(ours, rel=1e-15)
    swapped = mean_pinball_loss(y_pred, y_true, alpha=0.9)  # the easy mistake
    assert swapped == pytest.approx(quantile(y_pred, y_true, q=0.1), rel=1e-15)
    assert swapped != pytest.approx(ours)


def test_keras_hinge_01_labels():
    scores, labels01 = np.array([0.3, -2.0, 1.5]), np.array([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        hinge(scores, labels01)
    # Keras' conversion, done explicitly: y = 2·y01 − 1 gives max(0, 1 − y f) = [0.7, 0, 0]
    assert hinge(scores, 2 * labels01 - 1, reduction="none").tolist() == pytest.approx([0.7, 0.0, 0.0])
    # Keras 3.15.1 itself on 0/1 labels: the loss on 2·y − 1, not on the 0/1 values
    x, keras, _ = framework_case("hinge-keras-01-labels")
    assert keras == pytest.approx(hinge(x["scores"], 2 * x["y01"] - 1), rel=1e-6)
    assert keras != pytest.approx(np.mean(np.maximum(0, 1 - x["y01"] * x["scores"])), rel=1e-2)


def test_keras_squared_hinge_01_labels():
    scores, labels01 = np.array([0.3, -2.0, 1.5]), np.array([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        squared_hinge(scores, labels01)
    # Keras' conversion, done explicitly: max(0, 1 − y f)² with y = 2·y01 − 1 = [0.49, 0, 0]
    assert squared_hinge(scores, 2 * labels01 - 1, reduction="none").tolist() == pytest.approx(
        [0.49, 0.0, 0.0]
    )
    x, keras, _ = framework_case("squared_hinge-keras-01-labels")
    assert keras == pytest.approx(squared_hinge(x["scores"], 2 * x["y01"] - 1), rel=1e-6)


def _keras_categorical_hinge(y_true, y_pred):
    # keras.losses.categorical_hinge, written out from its source
    pos = np.sum(y_true * y_pred, axis=-1)
    neg = np.max((1.0 - y_true) * y_pred, axis=-1)
    return np.maximum(neg - pos + 1.0, 0.0)


def test_keras_categorical_hinge_zero_floor():
    scores = np.array([[0.5, -2.0, -3.0], [0.5, 0.2, -3.0]])
    labels = np.array([0, 0])
    keras = _keras_categorical_hinge(np.eye(3)[labels], scores)
    x, executed, _ = framework_case("multiclass_hinge-keras-zero-floor")  # Keras 3.15.1 on the same rows
    np.testing.assert_array_equal(x["hinge_scores"], scores)
    np.testing.assert_allclose(executed, keras, rtol=1e-12)
    ours = multiclass_hinge(scores, labels, reduction="none")
    # every wrong score negative: Keras compares with 0, Crammer–Singer with max_{j≠y} f_j = −2
    assert keras[0] == pytest.approx(0.5)
    assert ours[0] == 0.0
    # a wrong score >= 0: the two agree
    assert keras[1] == pytest.approx(ours[1]) == pytest.approx(0.7)


def _indicator_from_torch(indices, num_classes):
    indices = np.asarray(indices)
    listed = np.cumprod(indices != -1, axis=-1).astype(bool)  # the entries before the first −1
    n, k = np.nonzero(listed)
    targets = np.zeros((len(indices), num_classes))
    targets[n, indices[n, k]] = 1.0
    return targets


def test_pytorch_multilabel_margin_target_encoding():
    case = GOLDEN["pytorch-multilabel-margin-target-encoding"]
    scores, torch_none = np.asarray(case["scores"]), case["torch_none"]
    for kind in ("padded", "single"):  # the 1 after the −1 in "padded" is ignored by PyTorch
        targets = _indicator_from_torch(case["indices"][kind], 4)
        assert multilabel_margin(scores, targets, reduction="none") == pytest.approx(
            torch_none[kind], rel=1e-15
        )
    # PyTorch counts a repeated index twice; an indicator cannot repeat a class
    assert torch_none["repeated"][0] == pytest.approx(2 * torch_none["single"][0], rel=1e-15)
    assert multilabel_margin(scores, _indicator_from_torch(case["indices"]["repeated"], 4)) == pytest.approx(
        torch_none["single"][0], rel=1e-15
    )
    with pytest.raises(ValueError, match="targets must be 0 or 1"):
        multilabel_margin(scores, case["indices"]["padded"])  # PyTorch's encoding is rejected, not misread


def test_pytorch_soft_margin_overflow():
    case = GOLDEN["pytorch-soft-margin-overflow"]
    assert np.isposinf(case["torch_none"][:2]).all()
    assert np.isnan(case["torch_grad"][:2]).all()
    values = soft_margin(*case["args"], reduction="none")
    np.testing.assert_allclose(values[:2], [1e4, 800.0], rtol=1e-15)  # softplus(−y f) = −y f + log1p(e^{y f})
    grad = soft_margin.grad(*case["args"], reduction="sum")
    np.testing.assert_allclose(grad[:2], [-1.0, -1.0], rtol=1e-15)
    np.testing.assert_allclose(
        [values[2], grad[2]], [case["torch_none"][2], case["torch_grad"][2]], rtol=1e-13
    )


def test_sklearn_rmse_multioutput():
    from sklearn.metrics import mean_squared_error, root_mean_squared_error

    y_true = np.array([[0.0, 0.0], [0.0, 0.0]])
    y_pred = np.array([[1.0, 3.0], [1.0, 3.0]])  # column RMSEs 1 and 3
    assert root_mean_squared_error(y_true, y_pred) == pytest.approx(2.0, rel=1e-15)  # mean of 1 and 3
    assert lossref.rmse(y_pred, y_true) == pytest.approx(math.sqrt(5.0), rel=1e-15)  # √((1 + 9) / 2)
    assert lossref.rmse(y_pred, y_true) == pytest.approx(
        math.sqrt(mean_squared_error(y_true, y_pred)), rel=1e-15
    )
    # 1-D targets: the same number
    assert lossref.rmse(y_pred[0], y_true[0]) == pytest.approx(
        root_mean_squared_error(y_true[0], y_pred[0]), rel=1e-15
    )


def test_keras_mape_percent():
    y_true, y_pred = np.array([100.0, 0.0, 50.0]), np.array([110.0, 1e-9, 50.0])
    # Keras' MeanAbsolutePercentageError as documented: 100 · mean(|y − ŷ| / max(|y|, 1e-7))
    keras = 100 * np.mean(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), 1e-7))
    assert lossref.mape(y_pred, y_true, eps=1e-7) * 100 == pytest.approx(keras, rel=1e-15)
    assert lossref.mape(y_pred, y_true) != pytest.approx(keras / 100, rel=1e-3)  # ε differs at y = 0
    assert lossref.mape([110.0], [100.0]) == pytest.approx(0.1, rel=1e-15)  # a fraction, not 10
    x, executed, _ = framework_case("mape-keras-equivalent")  # Keras 3.15.1: 100 × the fraction
    assert executed == pytest.approx(100 * lossref.mape(x["y_pred"], x["positive"]), rel=1e-6)


def test_sklearn_mape_argument_order():
    from sklearn.metrics import mean_absolute_percentage_error

    y_true, y_pred = np.array([100.0, 200.0]), np.array([150.0, 100.0])
    ours = lossref.mape(y_pred, y_true)  # (50/100 + 100/200) / 2 = 0.5
    assert ours == pytest.approx(0.5, rel=1e-15)
    assert mean_absolute_percentage_error(y_true, y_pred) == pytest.approx(ours, rel=1e-15)
    swapped = mean_absolute_percentage_error(y_pred, y_true)  # the easy mistake: divides by ŷ
    assert swapped == pytest.approx((50 / 150 + 100 / 100) / 2, rel=1e-15)
    assert swapped == pytest.approx(lossref.mape(y_true, y_pred), rel=1e-15)


def test_scipy_jensenshannon_square_root():
    from scipy.spatial.distance import jensenshannon

    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.3, 0.6])
    ours = lossref.js_div(np.log(p), np.log(q))
    assert jensenshannon(p, q) ** 2 == pytest.approx(ours, rel=1e-12)  # SciPy's distance, squared
    assert jensenshannon(p, q) == pytest.approx(math.sqrt(ours), rel=1e-12)
    assert jensenshannon(2 * p, q) == pytest.approx(jensenshannon(p, q), rel=1e-12)  # SciPy renormalises
    with pytest.raises(ValueError, match="rows must sum to 1"):
        lossref.js_div(np.log(p / 2), np.log(q))


def test_sklearn_log_loss_clips():
    from sklearn.metrics import log_loss

    probs, labels = np.array([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]]), np.array([0, 2])
    clipped = log_loss(labels, probs, labels=[0, 1, 2])
    eps = np.finfo(float).eps
    assert clipped == pytest.approx((-math.log(eps) - math.log(0.5)) / 2, rel=1e-12)  # p_y = 0 costs ≈ 36.04
    assert math.isinf(lossref.cross_entropy(probs, labels))  # the exact value
    assert log_loss(labels[1:], probs[1:], labels=[0, 1, 2]) == pytest.approx(
        lossref.cross_entropy(probs[1:], labels[1:]), rel=1e-15
    )  # equal away from 0 and 1


def test_pytorch_log_probs_zero_nan_gradient():
    case = GOLDEN["pytorch-log-probs-zero-nan-gradient"]
    torch_grad = np.asarray(case["torch_grad"])
    assert math.isfinite(case["torch_sum"])
    assert np.isnan(torch_grad[[0, 1], [0, 2]]).all()
    value, grad = lossref.cross_entropy.value_and_grad(*case["args"], reduction="sum")
    assert value == pytest.approx(case["torch_sum"], rel=1e-15)
    assert grad[0, 0] == 0.0
    assert grad[1, 2] == 0.0
    np.testing.assert_allclose(grad[:, 1], torch_grad[:, 1], rtol=1e-15)  # -1/p_y, where both are defined


def test_pytorch_cosine_embedding_tie():
    case = GOLDEN["pytorch-cosine-embedding-tie"]
    x1, x2, y = (np.asarray(a) for a in case["args"])  # row 0: orthogonal (cos = m = 0); row 1: cos = 0.89
    ours = lossref.cosine_embedding.grad(x1, x2, y, reduction="sum")
    assert ours[0].tolist() == [0.0, 0.0]  # the kink's subgradient 0
    assert case["torch_grad"][0] == pytest.approx([0.0, 1.0], rel=1e-9)  # ∂cos/∂x1 = x2/(|x1||x2|) = (0, 2)/2
    np.testing.assert_allclose(ours[1], case["torch_grad"][1], rtol=1e-9, atol=1e-20)  # agree off the kink


def test_pytorch_cosine_embedding_01_labels():
    case = GOLDEN["pytorch-cosine-embedding-01-labels"]
    x1, x2, y01 = (np.asarray(a) for a in case["args"])
    assert case["torch_none"][0] == 0.0
    assert case["torch_grad"][0] == [0.0, 0.0]
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        lossref.cosine_embedding(x1, x2, y01)
    ours = lossref.cosine_embedding(x1, x2, 2 * y01 - 1, reduction="none")  # the conversion
    assert ours[1] == pytest.approx(case["torch_none"][1], rel=1e-12)
    assert ours[0] == pytest.approx(0.8, rel=1e-11)  # y = -1: cos((1, 2), (2, 1)) = 4/5 > 0


def test_pytorch_cosine_embedding_float32_eps():
    case = GOLDEN["pytorch-cosine-embedding-float32-eps"]
    args = [np.asarray(a) for a in case["args"]]  # tiny vectors: |x|² = 1e-14 and 5e-12, near ε
    torch_eps = float(np.float32(1e-12))
    assert torch_eps == 9.999999960041972e-13
    np.testing.assert_allclose(
        lossref.cosine_embedding(*args, eps=torch_eps, reduction="none"), case["torch_none"], rtol=1e-14
    )
    ours = lossref.cosine_embedding(*args, reduction="none")  # eps = 1e-12 exactly
    assert ours[0] == pytest.approx(1 - 1e-14 / (1e-14 + 1e-12), rel=1e-14)
    assert abs(ours[0] - case["torch_none"][0]) > 1e-11


def test_pytorch_cosine_embedding_overflow():
    case = GOLDEN["pytorch-cosine-embedding-overflow"]
    assert case["torch_none"][0] == 1.0
    assert math.isnan(case["torch_none"][1])
    args = [np.asarray(a) for a in case["args"]]
    assert (lossref.cosine_embedding(*args, reduction="none") < 1e-12).all()  # parallel: 1 - cos = 0, up to ε
    np.testing.assert_allclose(
        lossref.cosine_embedding(*args, eps=0.0, reduction="none"), [0.0, 0.0], atol=1e-15
    )


def test_pytorch_margin_ranking_tie():
    case = GOLDEN["pytorch-margin-ranking-tie"]
    assert case["torch_grad"] == [-1.0, 1.0, 1.0]  # row 0 is a tie: PyTorch passes -y
    ours = lossref.margin_ranking.grad(*case["args"], reduction="sum")
    assert ours.tolist() == [0.0, 1.0, 0.0]  # rows 0 and 2 sit at the kink: 0


def test_pytorch_margin_ranking_01_labels():
    case = GOLDEN["pytorch-margin-ranking-01-labels"]
    x1, x2, y01 = case["args"]
    assert case["torch_none"][0] == pytest.approx(case["margin"])
    assert case["torch_grad"][0] == 0.0
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        lossref.margin_ranking(x1, x2, y01, margin=case["margin"])
    ours = lossref.margin_ranking(x1, x2, 2 * np.asarray(y01) - 1, margin=case["margin"], reduction="none")
    assert ours[1] == pytest.approx(case["torch_none"][1], rel=1e-15)


def _keras_categorical_focal(y_true, logits, alpha=0.25, gamma=2.0):
    # keras.losses.categorical_focal_crossentropy(from_logits=True), written out from its
    # source (keras/src/losses/losses.py, Keras 3): softmax, renormalise, clip, then the sum
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p = np.clip(p / p.sum(axis=-1, keepdims=True), 1e-7, 1.0 - 1e-7)
    return np.sum(alpha * (1.0 - p) ** gamma * -y_true * np.log(p), axis=-1)


def test_keras_categorical_focal_clips():
    z, labels = np.array([[1.0, 0.0, -1.0], [-30.0, 0.0, 0.0]]), np.array([0, 0])
    keras = _keras_categorical_focal(np.eye(3)[labels], z)
    x, executed, _ = framework_case(
        "softmax_focal-keras-clips-probabilities"
    )  # Keras 3.15.1 on the same rows
    np.testing.assert_array_equal(x["focal_edge_logits"], z)
    np.testing.assert_allclose(executed, keras, rtol=1e-12)
    ours = softmax_focal(z, labels, alpha=0.25, reduction="none")
    assert keras[0] == pytest.approx(ours[0], rel=1e-12)  # away from the clip: the same loss
    # p_y = 1/(1 + 2e^30): lossref keeps -log p_y = 30 + log(2 + e^-30); Keras stops at -log 1e-7
    assert ours[1] == pytest.approx(0.25 * (30 + math.log(2)), rel=1e-12)
    assert keras[1] <= 0.25 * -math.log(1e-7) < ours[1] / 1.9
    assert softmax_focal.grad(z[1:], labels[1:])[0, 0] < -0.9  # lossref still pulls z_y up


def test_pytorch_poisson_nll_invalid_input():
    case = GOLDEN["pytorch-poisson-nll-invalid-input"]
    nan_rate, negative_count, _ = case["torch_none_rates"]
    assert math.isnan(nan_rate)
    assert math.isfinite(negative_count)
    assert math.isinf(case["torch_none_log_rates"][0])  # e^800
    poisson_nll = lossref.get("poisson_nll")
    with pytest.raises(
        ValueError, match=re.escape("y_pred must be a rate >= 0 when log_input=False; got -1.0")
    ):
        poisson_nll(case["rates"], [2.0, 1.0, 1.0], log_input=False)
    with pytest.raises(ValueError, match=re.escape("y_true must be >= 0; got -1.0")):
        poisson_nll([1.0, 2.0, 3.0], case["counts"], log_input=False)
    with pytest.raises(ValueError, match=re.escape("y_pred must be a log-rate <= 709.78")):
        poisson_nll(case["log_rates"], [1.0, 1.0])
    # the valid entries agree
    assert poisson_nll([3.0], [1.0], log_input=False) == pytest.approx(case["torch_none_rates"][2], rel=1e-15)
    assert poisson_nll([0.5], [1.0]) == pytest.approx(case["torch_none_log_rates"][1], rel=1e-15)


def test_pytorch_gaussian_nll_var_gradient_below_eps():
    case = GOLDEN["pytorch-gaussian-nll-var-gradient-below-eps"]
    gaussian_nll = lossref.get("gaussian_nll")
    args = case["args"]  # var = [1e-8, 0.5]: the first below eps = 1e-6
    assert gaussian_nll(*args, reduction="sum") == pytest.approx(case["torch_sum"], rel=1e-14)
    ours = gaussian_nll.grad(*args, argnum="var", reduction="sum")
    # PyTorch: the derivative at v = eps, ½(1/ε − r²/ε²), passed straight through the clamp
    assert case["torch_grad_var"][0] == pytest.approx(0.5 * (1 / 1e-6 - 0.25 / 1e-12), rel=1e-12)
    assert ours[0] == 0.0  # lossref: the value is flat in var below eps
    assert ours[1] == pytest.approx(case["torch_grad_var"][1], rel=1e-14)  # above eps they agree
    moved = gaussian_nll(args[0], args[1], [2e-8, 0.5], reduction="sum")
    assert moved == gaussian_nll(*args, reduction="sum")  # finite differences see 0, not -1.25e11
    # the gradients with respect to the mean agree everywhere
    np.testing.assert_allclose(gaussian_nll.grad(*args, reduction="sum"), [0.5 / 1e-6, 0.2 / 0.5], rtol=1e-14)


def test_pytorch_gaussian_nll_zero_var():
    case = GOLDEN["pytorch-gaussian-nll-zero-var"]
    mean, y, var = case["args"]
    gaussian_nll = lossref.get("gaussian_nll")
    assert case["torch_none"][0] == pytest.approx(
        gaussian_nll([mean[0]], [y[0]], [1e-6]), rel=1e-14
    )  # var 0 read as eps
    with pytest.raises(ValueError, match=re.escape("var must be > 0; got 0.0")):
        gaussian_nll(mean, y, var)


def test_pytorch_gaussian_nll_shared_var():
    case = GOLDEN["pytorch-gaussian-nll-shared-var"]
    mean, y, var = (np.asarray(case[k]) for k in ("mean", "y_true", "var"))  # (3, 2), (3, 2), (3,)
    gaussian_nll = lossref.get("gaussian_nll")
    shared = np.broadcast_to(var[:, None], mean.shape)
    assert gaussian_nll(mean, y, shared) == pytest.approx(case["torch_mean"], rel=1e-14)
    with pytest.raises(ValueError, match=re.escape("mean has shape (3, 2) but var has shape (3,)")):
        gaussian_nll(mean, y, var)


def test_sklearn_tweedie_default_power():
    from sklearn.metrics import mean_squared_error, mean_tweedie_deviance

    tweedie_deviance = lossref.get("tweedie_deviance")
    mu, y = np.array([0.5, 2.0, 4.0]), np.array([1.0, 0.0, 3.0])
    assert mean_tweedie_deviance(y, mu) == pytest.approx(mean_squared_error(y, mu), rel=1e-15)  # power=0
    assert tweedie_deviance(mu, y) == pytest.approx(mean_tweedie_deviance(y, mu, power=1.5), rel=1e-13)
    assert tweedie_deviance(mu, y, power=0) == pytest.approx(mean_tweedie_deviance(y, mu), rel=1e-15)
    assert tweedie_deviance(mu, y) != pytest.approx(mean_tweedie_deviance(y, mu), rel=1e-3)


def test_keras_l2_no_half():
    # Keras is not installed: its documented formula, L2(l2)(θ) = l2·Σθ², written out here
    l2_penalty = lossref.get("l2_penalty")
    theta, l2 = np.array([3.0, -4.0, 0.5]), 0.01
    keras_value, keras_grad = l2 * np.sum(theta**2), 2 * l2 * theta
    assert l2_penalty(theta, strength=l2) == pytest.approx(keras_value / 2, rel=1e-15)  # the ½
    assert l2_penalty(theta, strength=2 * l2) == pytest.approx(keras_value, rel=1e-15)
    np.testing.assert_allclose(l2_penalty.grad(theta, strength=2 * l2), keras_grad, rtol=1e-15)
    x, executed, grad = framework_case("l2_penalty-keras-equivalent")  # Keras 3.15.1's L2(l2=0.35)
    assert executed == pytest.approx(0.35 * np.sum(x["theta"] ** 2), rel=1e-14)
    np.testing.assert_allclose(grad, 2 * 0.35 * x["theta"], rtol=1e-14)


def test_keras_l1l2_parametrisation():
    # Keras' documented L1L2(l1, l2)(θ) = l1·Σ|θ| + l2·Σθ², mapped onto (strength, l1_ratio)
    elastic_net_penalty = lossref.get("elastic_net_penalty")
    theta, l1, l2 = np.array([3.0, -4.0, 0.5, 0.0]), 0.01, 0.03
    keras_value = l1 * np.sum(np.abs(theta)) + l2 * np.sum(theta**2)
    ours = elastic_net_penalty(theta, strength=l1 + 2 * l2, l1_ratio=l1 / (l1 + 2 * l2))
    assert ours == pytest.approx(keras_value, rel=1e-14)
    # the same numbers read as (strength, l1_ratio) = (l1 + l2, l1 / (l1 + l2)) are not the same penalty
    assert elastic_net_penalty(theta, strength=l1 + l2, l1_ratio=l1 / (l1 + l2)) != pytest.approx(
        keras_value, rel=1e-3
    )
    x, executed, _ = framework_case("elastic_net_penalty-keras-equivalent")  # Keras 3.15.1's L1L2(0.01, 0.03)
    assert executed == pytest.approx(l1 * np.abs(x["theta"]).sum() + l2 * np.sum(x["theta"] ** 2), rel=1e-14)


def _keras_dice(y_true, y_pred, axis=None):
    # keras.losses.dice, written out from keras/src/losses/losses.py (backend.epsilon() = 1e-7)
    inter = np.sum(y_true * y_pred, axis=axis)
    return 1 - 2.0 * inter / (np.sum(y_true, axis=axis) + np.sum(y_pred, axis=axis) + 1e-7)


def _keras_tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    # keras.losses.tversky, written out from its source: inputs = y_true, targets = y_pred
    inter = np.sum(y_true * y_pred, axis=axis)
    fp = np.sum((1 - y_pred) * y_true, axis=axis)  # named fp, but these are the missed target pixels
    fn = np.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - inter / (inter + fp * alpha + fn * beta + 1e-7)


def test_keras_dice_epsilon_whole_batch():
    p = np.array([[0.9, 0.8, 0.1, 0.0], [0.3, 0.0, 0.0, 0.0]])
    t = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    keras = _keras_dice(t, p)
    # one Dice over the flattened batch, no smoothing, up to ε
    assert keras == pytest.approx(lossref.dice(p.reshape(1, -1), t.reshape(1, -1), smooth=0.0), rel=1e-6)
    assert keras != pytest.approx(
        lossref.dice(p, t, smooth=0.0), rel=1e-3
    )  # not the mean of per-image losses
    # an empty prediction on an empty target: Keras 1, lossref (s > 0) 0
    empty = np.zeros((1, 4))
    assert _keras_dice(empty, empty) == 1.0
    assert lossref.dice(empty, empty) == 0.0
    x, executed, _ = framework_case("dice-keras-equivalent")  # Keras 3.15.1: the formula above
    assert executed == pytest.approx(_keras_dice(x["masks"], x["mask_probs"]), rel=1e-12)
    assert executed != pytest.approx(lossref.dice(x["mask_probs"], x["masks"], smooth=0.0), rel=1e-3)


def test_keras_tversky_alpha_on_false_negatives():
    p = np.array([[0.9, 0.1, 0.8, 0.0]])  # misses pixel 1, leaks onto pixel 2
    t = np.array([[1.0, 1.0, 0.0, 0.0]])
    keras = _keras_tversky(t, p, alpha=0.3, beta=0.7)
    assert keras == pytest.approx(lossref.tversky(p, t, alpha=0.7, beta=0.3, smooth=0.0), rel=1e-6)
    assert keras != pytest.approx(lossref.tversky(p, t, alpha=0.3, beta=0.7, smooth=0.0), rel=1e-3)
    # Keras 3.15.1 itself: Tversky(alpha=0.7, beta=0.3) is lossref's alpha=0.3, beta=0.7
    x, executed, _ = framework_case("tversky-keras-equivalent")
    flat = x["mask_probs"].reshape(1, -1), x["masks"].reshape(1, -1)
    assert executed == pytest.approx(lossref.tversky(*flat, alpha=0.3, beta=0.7, smooth=0.0), rel=1e-6)
    assert executed != pytest.approx(lossref.tversky(*flat, alpha=0.7, beta=0.3, smooth=0.0), rel=1e-3)


def _optax_ntxent(embeddings, labels, temperature):
    # optax.losses.ntxent's semantics, written out: cosine similarities over one matrix; every
    # pair (i, j ≠ i) with the same label is a positive, whose denominator is that positive plus
    # the anchor's negatives (different labels); the mean over the positive pairs
    e = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    s = e @ e.T / temperature
    same = labels[:, None] == labels[None, :]
    losses = []
    for i, j in zip(*np.nonzero(same & ~np.eye(len(labels), dtype=bool)), strict=True):
        negatives = np.exp(s[i][~same[i]])
        losses.append(-np.log(np.exp(s[i, j]) / (np.exp(s[i, j]) + negatives.sum())))
    return np.mean(losses)


def test_optax_ntxent_labels():
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=(2, 5, 4))
    labels = np.r_[np.arange(5), np.arange(5)]  # the two views stacked, one label per pair
    optax_style = _optax_ntxent(np.concatenate([u, v]), labels, temperature=0.2)
    x, executed, _ = framework_case("info_nce-optax-equivalent")  # optax 0.2.8's ntxent on two stacked views
    assert executed == pytest.approx(
        _optax_ntxent(np.concatenate([x["views_u"], x["views_v"]]), np.r_[np.arange(4), np.arange(4)], 0.2),
        rel=1e-12,
    )
    assert optax_style == pytest.approx(lossref.info_nce(u, v, temperature=0.2, form="nt_xent"), rel=1e-13)
    # it is not the one-way form, whose denominator holds only the other side's views
    assert optax_style != pytest.approx(lossref.info_nce(u, v, temperature=0.2), rel=1e-3)


def test_pml_npairs_normalises():
    # pytorch-metric-learning 2.9.0's NPairsLoss() with its default DotProductSimilarity, on the two
    # views stacked with one label per pair: the cross-entropy over dot products of unit vectors
    x, executed, _ = framework_case("n_pair-pml-normalises")
    f, f_pos = x["views_u"], x["views_v"]
    unit, unit_pos = (v / np.linalg.norm(v, axis=1, keepdims=True) for v in (f, f_pos))
    s = unit @ unit_pos.T
    assert executed == pytest.approx(np.mean(np.log(np.exp(s).sum(axis=1)) - np.diag(s)), rel=1e-13)
    assert executed == pytest.approx(lossref.n_pair(unit, unit_pos), rel=1e-13)
    assert executed == pytest.approx(lossref.info_nce(f, f_pos, temperature=1.0), rel=1e-13)
    # Sohn's loss of the raw embeddings is a different number (1.4269 against 1.3003 here); with
    # normalize_embeddings=False pml computes it (the n_pair-pml-equivalent case)
    assert executed != pytest.approx(lossref.n_pair(f, f_pos), rel=1e-2)
    _, raw, _ = framework_case("n_pair-pml-equivalent")
    assert raw == pytest.approx(lossref.n_pair(f, f_pos), rel=1e-13)


def _supcon_authors(features, labels, temperature=0.07, base_temperature=0.07):
    # the authors' rule, written out: an anchor without positives scores 0 but stays in the
    # mean over all anchors, and the loss is scaled by τ/τ_base
    z = features / np.linalg.norm(features, axis=1, keepdims=True)
    n = len(labels)
    s = z @ z.T / temperature
    losses = []
    for i in range(n):
        others = [a for a in range(n) if a != i]
        positives = [a for a in others if labels[a] == labels[i]]
        log_denominator = np.log(np.exp(s[i, others]).sum())
        mean_log_prob = np.mean([s[i, p] - log_denominator for p in positives]) if positives else 0.0
        losses.append(-(temperature / base_temperature) * mean_log_prob)
    return np.mean(losses)


def test_supcon_reference_mean():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(6, 4))
    everyone_paired = np.array([0, 1, 2, 0, 1, 2])
    assert _supcon_authors(z, everyone_paired) == pytest.approx(
        lossref.supervised_contrastive(z, everyone_paired, temperature=0.07), rel=1e-13
    )
    lone = np.array([0, 1, 2, 0, 1, 9])  # the last two anchors have no positive
    per_row = lossref.supervised_contrastive(z, lone, temperature=0.07, reduction="none")
    assert per_row[2] == per_row[5] == 0.0
    # the authors divide by all 6 anchors, lossref by the 4 that have a positive
    assert _supcon_authors(z, lone) == pytest.approx(per_row.sum() / 6, rel=1e-13)
    assert lossref.supervised_contrastive(z, lone, temperature=0.07) == pytest.approx(
        per_row.sum() / 4, rel=1e-14
    )
    # the README's τ = 0.1 against the code's τ_base = 0.07: scaled by 0.1 / 0.07
    assert _supcon_authors(z, everyone_paired, temperature=0.1) == pytest.approx(
        lossref.supervised_contrastive(z, everyone_paired, temperature=0.1) / 0.7, rel=1e-13
    )


def test_pytorch_ctc_grad_through_log_softmax():
    case = GOLDEN["pytorch-ctc-grad-through-log-softmax"]
    log_probs, targets, input_lengths, target_lengths = (np.array(a) for a in case["args"])
    ours = lossref.ctc.grad(log_probs, targets, input_lengths, target_lengths, reduction="sum")  # −γ
    used = (np.arange(log_probs.shape[1]) < input_lengths[:, None])[..., None]
    # PyTorch's is exp(log p) − γ inside the input lengths, 0 after them
    np.testing.assert_allclose(
        case["torch_grad"], ours + np.where(used, np.exp(log_probs), 0.0), rtol=1e-12, atol=1e-15
    )
    assert np.abs(np.array(case["torch_grad"]) - ours).max() > 0.1
    # both give the same gradient for the logits after log_softmax's backward: g − p·Σ_k g
    p = np.exp(log_probs)
    via_ours = ours - p * ours.sum(axis=-1, keepdims=True)
    torch_grad = np.array(case["torch_grad"])
    via_torch = torch_grad - p * torch_grad.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(via_ours, via_torch, atol=1e-14)


def test_pytorch_ctc_infeasible():
    case = GOLDEN["pytorch-ctc-infeasible"]
    assert case["torch_value"] == math.inf
    assert np.isnan(case["torch_grad"]).all()
    with pytest.raises(ValueError, match=r"target 0 cannot be aligned: 2 labels need more than the 2 frames"):
        lossref.ctc(*case["args"])
    args = case["args"]
    assert lossref.ctc(*args, zero_infinity=True) == 0.0
    assert (lossref.ctc.grad(*args, zero_infinity=True) == 0.0).all()


def _reference_lovasz_hinge(logits, targets, per_image=True):
    # Berman et al.'s lovasz_hinge (bermanmaxim/LovaszSoftmax, pytorch/lovasz_losses.py, commit
    # bf64291), written out in NumPy: per image (its default) or, with per_image=False, the whole
    # batch as one image. Errors 1 − y·s sorted decreasingly; the weights are the increments of the
    # Jaccard loss 1 − (|gt| − positives so far) / (|gt| + negatives so far).
    def flat(s, t):
        errors = 1.0 - (2.0 * t - 1.0) * s
        order = np.argsort(-errors, kind="stable")
        gt = t[order]
        jaccard = 1.0 - (gt.sum() - np.cumsum(gt)) / (gt.sum() + np.cumsum(1.0 - gt))
        return np.maximum(errors[order], 0.0) @ np.diff(jaccard, prepend=0.0)

    if per_image:
        return np.mean([flat(s, t) for s, t in zip(logits, targets, strict=True)])
    return flat(logits.ravel(), targets.ravel())


def test_lovasz_per_image_false():
    logits = np.array([[2.0, -1.0, 0.5], [-0.5, 1.5, 0.0]])
    targets = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    per_image = lossref.lovasz_hinge(logits, targets)
    pooled = lossref.lovasz_hinge(logits.reshape(1, -1), targets.reshape(1, -1), reduction="sum")
    # the reference's default (per_image=True) is lossref's mean of per-image losses
    assert _reference_lovasz_hinge(logits, targets) == pytest.approx(per_image, rel=1e-14)
    # smp's default (per_image=False) is one image: lossref on the flattened batch, and another value
    assert _reference_lovasz_hinge(logits, targets, per_image=False) == pytest.approx(pooled, rel=1e-14)
    assert pooled != pytest.approx(per_image, rel=1e-3)
    # the pooled value by hand: errors (−1, 0, 1.5, 1.5, −0.5, 1), gt {0, 3, 4}; sorted 1.5 (t = 0),
    # 1.5 (t = 1), 1 (t = 0): Δ = 1/4, 2/4, 3/5
    assert pooled == pytest.approx(1.5 * 1 / 4 + 1.5 * (2 / 4 - 1 / 4) + 1.0 * (3 / 5 - 2 / 4), rel=1e-15)
    # per image by hand: image 0 errors (−1, 0, 1.5), gt {0}: 1.5 (t = 0) first, Δ = 1/2 → 0.75;
    # image 1 errors (1.5, −0.5, 1), gt {0, 1}: 1.5 (t = 1), Δ = 1/2; 1 (t = 0), Δ = 2/3 → 0.9166…
    assert per_image == pytest.approx((0.75 + 1.5 / 2 + 1.0 * (2 / 3 - 1 / 2)) / 2, rel=1e-15)


# --- face recognition: framework margins and centers, their semantics written out in NumPy ---


def _cross_entropy_rows(z, labels):
    # log(1 + Σ_{j≠y} e^{z_j − z_y}), with log1p: a confident row's tiny loss keeps its digits
    rows = np.arange(len(labels))
    d = z - z[rows, labels][:, None]
    d[rows, labels] = -np.inf
    top = np.maximum(d.max(axis=1), 0.0)
    return top + np.log1p(np.expm1(-top) + np.exp(d - top[:, None]).sum(axis=1))


def _pml_arcface(cosines, labels, margin_degrees=28.6, scale=64.0):
    # pytorch-metric-learning 2.9.0's ArcFaceLoss (losses/arcface_loss.py) on given cosines: the
    # margin converted from degrees, θ = acos(clamp(c, -1, 1)), cos(θ + m) up to θ = π − m and the
    # fallback cos θ − m sin m past it (since v1.7.0), then the cross-entropy of the scaled logits
    c = np.array(cosines, dtype=float)
    rows = np.arange(len(labels))
    m = np.radians(margin_degrees)
    theta = np.arccos(np.clip(c[rows, labels], -1.0, 1.0))
    c[rows, labels] = np.where(theta <= np.pi - m, np.cos(theta + m), np.cos(theta) - m * np.sin(m))
    return _cross_entropy_rows(scale * c, labels)


def test_pml_arcface_degrees():
    rng = np.random.default_rng(7)
    c, labels = rng.uniform(-0.6, 0.9, size=(6, 4)), rng.integers(0, 4, size=6)
    c[[0, 1], labels[:2]] = [-0.95, -0.999]  # θ_y = 2.82 and 3.10 rad, past π − 0.5: the fallback
    ours = lossref.arcface(c, labels, reduction="none")
    # 0.5 rad is 28.648°: pytorch-metric-learning needs the degrees to agree with lossref's default,
    # then they agree at every angle, on either side of π − m
    np.testing.assert_allclose(_pml_arcface(c, labels, margin_degrees=np.degrees(0.5)), ours, rtol=1e-12)
    # its default 28.6° is 0.49916 rad: lossref with that many radians, not with 0.5
    np.testing.assert_allclose(
        _pml_arcface(c, labels),
        lossref.arcface(c, labels, margin=np.radians(28.6), reduction="none"),
        rtol=1e-12,
    )
    assert not np.allclose(_pml_arcface(c, labels), ours, rtol=1e-3)
    # margin=0.5 there is half a degree
    np.testing.assert_allclose(
        _pml_arcface(c, labels, margin_degrees=0.5),
        lossref.arcface(c, labels, margin=np.radians(0.5), reduction="none"),
        rtol=1e-12,
    )
    with pytest.raises(
        ValueError, match=re.escape("margin must be in [0, π) radians; got 28.6 (pytorch-metric-learning")
    ):
        lossref.arcface(c, labels, margin=28.6)
    # pytorch-metric-learning 2.9.0 itself, its default ArcFaceLoss(margin=28.6) with W set: the
    # cosines between the embeddings and W's columns; row 4 (θ_y = 2.94 rad) takes the fallback
    x, executed, _ = framework_case("arcface-pml-degrees")
    e, w, y = x["face_embeddings"], x["face_weights"], x["face_labels"]
    cosines = (e / np.linalg.norm(e, axis=1, keepdims=True)) @ (w / np.linalg.norm(w, axis=0))
    assert np.arccos(cosines[4, y[4]]) > np.pi - np.radians(28.6)
    assert executed == pytest.approx(np.mean(_pml_arcface(cosines, y)), rel=1e-12)
    assert executed == pytest.approx(lossref.arcface(cosines, y, margin=np.radians(28.6)), rel=1e-12)
    assert executed != pytest.approx(lossref.arcface(cosines, y), rel=1e-4)  # 20.1892 against 20.2209
    # margin=28.6479° (0.5 rad): the arcface-pml-equivalent case is lossref's default
    _, converted, _ = framework_case("arcface-pml-equivalent")
    assert converted == pytest.approx(lossref.arcface(cosines, y), rel=1e-12)


def _insightface_cosface(cosines, labels, s=64.0, m=0.40):
    # insightface's arcface_torch CosFace head (defaults s = 64, m = 0.40) followed by the
    # cross-entropy: m off each target cosine, everything times s
    z = np.array(cosines, dtype=float)
    z[np.arange(len(labels)), labels] -= m
    return _cross_entropy_rows(s * z, labels)


def test_insightface_cosface_default_margin():
    rng = np.random.default_rng(8)
    c, labels = rng.uniform(-1.0, 1.0, size=(6, 5)), rng.integers(0, 5, size=6)
    insight = _insightface_cosface(c, labels)
    np.testing.assert_allclose(insight, lossref.cosface(c, labels, margin=0.4, reduction="none"), rtol=1e-12)
    assert lossref.cosface.hyperparameters["margin"] == 0.35
    assert not np.allclose(insight, lossref.cosface(c, labels, reduction="none"), rtol=1e-3)


def _zhou_center_loss(x, labels, centers):
    # K. Zhou's pytorch-center-loss CenterLoss, written out: the N × C squared distances, masked
    # to each sample's own class, every entry clamped to [1e-12, 1e12], summed, divided by N
    d2 = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=-1)
    mask = labels[:, None] == np.arange(len(centers))
    return np.clip(d2 * mask, 1e-12, 1e12).sum() / len(x)


def test_pytorch_center_loss_no_half():
    rng = np.random.default_rng(9)
    x, centers, labels = rng.normal(size=(6, 3)), rng.normal(size=(5, 3)), rng.integers(0, 5, size=6)
    zhou = _zhou_center_loss(x, labels, centers)
    ours = lossref.center(x, labels, centers=centers)
    # no ½, and 1e-12 for each of the C − 1 other classes of every sample
    assert zhou == pytest.approx(2 * ours + (5 - 1) * 1e-12, rel=1e-14)
    assert zhou != pytest.approx(ours, rel=0.1)
    # so its gradient is twice lossref's
    numeric = lossref.numerical_gradient(lambda v: _zhou_center_loss(v, labels, centers), x)
    np.testing.assert_allclose(
        numeric, 2 * lossref.center.grad(x, labels, centers=centers), rtol=1e-8, atol=1e-12
    )


def _optax_ranking_softmax(scores, labels):
    # optax.losses.ranking_softmax_loss's formula, written out: the raw labels weigh log softmax(s)
    log_p = scores - np.log(np.exp(scores).sum(-1, keepdims=True))
    return -(labels * log_p).sum(-1)


def test_optax_ranking_softmax_unnormalised():
    s = np.array([[1.0, 0.5, -1.0], [0.0, 2.0, 1.0]])
    y = np.array([[2.0, 1.0, 0.5], [0.2, 0.3, 0.5]])  # graded labels, and labels that already sum to 1
    optax_style = _optax_ranking_softmax(s, y)
    x, executed, _ = framework_case("listnet-optax-weighted-by-label-sum")  # optax 0.2.8, the mean over lists
    assert executed == pytest.approx(
        np.mean(_optax_ranking_softmax(x["rank_scores"], x["rank_labels"])), rel=1e-12
    )
    # for positive labels optax's loss is Σy times ListNet on log y (softmax(log y) = y / Σy)
    np.testing.assert_allclose(
        optax_style, y.sum(-1) * lossref.listnet(s, np.log(y), reduction="none"), rtol=1e-14
    )
    # on the labels themselves the two differ, even for the row whose labels sum to 1
    ours = lossref.listnet(s, y, reduction="none")
    assert (np.abs(optax_style - ours) > 1e-2 * ours).all()
    # gradients: optax's (Σy)·softmax(s) − y against softmax(s) − softmax(y)
    p = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
    q = np.exp(y) / np.exp(y).sum(-1, keepdims=True)
    np.testing.assert_allclose(lossref.listnet.grad(s, y, reduction="sum"), p - q, rtol=1e-13)
    assert not np.allclose(y.sum(-1, keepdims=True) * p - y, p - q, atol=1e-3)
    # they agree only where softmax(y) = y: uniform labels 1/n (equal labels of another value scale it)
    uniform = np.full((2, 3), 1 / 3)
    np.testing.assert_allclose(
        _optax_ranking_softmax(s, uniform), lossref.listnet(s, uniform, reduction="none"), rtol=1e-14
    )
    np.testing.assert_allclose(
        _optax_ranking_softmax(s, 2 * uniform), 2 * lossref.listnet(s, uniform, reduction="none"), rtol=1e-14
    )


def _plackett_luce_nll(t):
    # −log P(t[0] first, then t[1], ...): each stage picks one of the remaining items by softmax
    return sum(np.log(np.exp(t[i:]).sum()) - t[i] for i in range(len(t)))


def test_tfranking_listmle_random_ties():
    # TF-Ranking's ListMLELoss shuffles before its sort, so tied items come in a random order:
    # its value is the NLL of one of the label-consistent orders, chosen at random
    scores = np.array([0.5, 2.0, -1.0, 1.0])
    labels = np.array([1.0, 1.0, 0.0, 1.0])  # items 0, 1, 3 tie at the top
    orders = [
        p for p in itertools.permutations(range(4)) if all(labels[p[k]] >= labels[p[k + 1]] for k in range(3))
    ]
    values = {p: _plackett_luce_nll(scores[list(p)]) for p in orders}
    assert len(orders) == 6
    assert len({round(v, 12) for v in values.values()}) == 6
    # lossref takes the earlier index first: (0, 1, 3, 2), every time
    assert lossref.listmle([scores], [labels]) == pytest.approx(values[(0, 1, 3, 2)], rel=1e-14)
    assert lossref.listmle([scores], [labels]) == lossref.listmle([scores], [labels])
    # so a shuffled tie-break agrees with it only by chance, and on average it does not
    assert np.mean(list(values.values())) != pytest.approx(values[(0, 1, 3, 2)], rel=1e-3)


def test_lovasz_softmax_per_image_false():
    probs = np.array(
        [
            [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]],
            [[0.3, 0.6, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6]],
        ]
    )
    labels = np.array([[0, 1, 1], [1, 0, 0]])  # class 2 is never a label
    per_image = lossref.lovasz_softmax(probs, labels)
    pooled = lossref.lovasz_softmax(probs.reshape(1, 6, 3), labels.reshape(1, 6))
    assert per_image == pytest.approx(
        lossref.lovasz_softmax(probs, labels, reduction="none").mean(), rel=1e-15
    )
    assert pooled != pytest.approx(per_image, rel=1e-3)
    # pooled by hand: class 0 (gt {0, 4, 5}) has errors (0.3, 0.2, 0.1, 0.3, 0.5, 0.8), sorted 0.8 (5),
    # 0.5 (4), 0.3 (0), ...: the three positives come first, so Δ = 1/3, 2/3, 1 and then stays 1;
    # class 1 (gt {1, 2, 3}): errors (0.2, 0.5, 0.9, 0.4, 0.4, 0.2), sorted 0.9 (2), 0.5 (1), 0.4 (3), ...
    class_0 = (0.8 + 0.5 + 0.3) / 3
    class_1 = (0.9 + 0.5 + 0.4) / 3
    assert pooled == pytest.approx((class_0 + class_1) / 2, rel=1e-14)


# --- framework recipes the pages print, executed: golden values, and live when torch is installed ---

RECIPES = json.loads((Path(__file__).parent / "golden" / "torch.json").read_text())["recipes"]
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def test_js_div_pytorch_recipe():
    case = RECIPES["js_div"]
    # the code PyTorch ran is the code the page prints
    for line in case["code"]:
        assert f"`{line}`" in lossref.js_div.meta.equivalents["PyTorch"], line
    a, b = case["args"]
    assert case["torch_value"] == pytest.approx(lossref.js_div(a, b), rel=1e-12)
    np.testing.assert_allclose(case["torch_grad"], lossref.js_div.grad(a, b), rtol=1e-10, atol=1e-15)
    # without reduction="batchmean", F.kl_div's "mean" divides by N·C as well: JS / C
    assert case["torch_value_default_mean"] == pytest.approx(lossref.js_div(a, b) / np.shape(a)[1], rel=1e-12)


@pytest.mark.skipif(
    not HAVE_TORCH, reason="PyTorch not installed (make conformance); the golden values still ran"
)
def test_golden_differences_and_recipes_match_torch_live():
    from torch_reference import differences, recipes

    def close(live, golden):  # nested dicts and (ragged) lists of numbers, strings equal
        if isinstance(golden, dict):
            return live.keys() == golden.keys() and all(close(live[k], golden[k]) for k in golden)
        if isinstance(golden, list):
            return len(live) == len(golden) and all(close(x, y) for x, y in zip(live, golden, strict=True))
        if isinstance(golden, str):
            return live == golden
        return live == pytest.approx(golden, rel=1e-12, nan_ok=True)

    assert close(differences(), GOLDEN)
    assert close(recipes(), RECIPES)


# --- preference: TRL's DPO loss types, their v1.9.0 formulas written out in NumPy ---


def _trl_dpo(h, beta, label_smoothing, loss_type, version="1.9.0"):
    # trl/trainer/dpo_trainer.py: "sigmoid" is −log σ(βh) from v0.29.0 on; up to v0.28.0 it was
    # (1 − ε)(−log σ(βh)) + ε(−log σ(−βh)); "robust" (rDPO) divides the difference by 1 − 2ε
    z, eps = beta * np.asarray(h, dtype=float), label_smoothing
    clean, flipped = (1 - eps) * np.logaddexp(0, -z), eps * np.logaddexp(0, z)
    if loss_type == "sigmoid":
        return clean + flipped if version == "0.28.0" else np.logaddexp(0, -z)
    assert loss_type == "robust"
    return (clean - flipped) / (1 - 2 * eps)


def test_trl_dpo_label_smoothing():
    h, base = np.array([-5.0, 0.0, 3.0, 40.0]), np.full(4, -50.0)
    ours = lossref.dpo(base + h, base, base, base, beta=0.5, label_smoothing=0.1, reduction="none")
    plain = lossref.dpo(base + h, base, base, base, beta=0.5, reduction="none")
    # v1.9.0: "sigmoid" with label_smoothing=0.1 is plain DPO, not cDPO
    np.testing.assert_allclose(_trl_dpo(h, 0.5, 0.1, "sigmoid"), plain, rtol=1e-15)
    assert not np.allclose(_trl_dpo(h, 0.5, 0.1, "sigmoid"), ours, rtol=1e-3)
    # up to v0.28.0 it was lossref's cDPO
    np.testing.assert_allclose(_trl_dpo(h, 0.5, 0.1, "sigmoid", version="0.28.0"), ours, rtol=1e-14)
    # "robust" is another loss: at βh = 20 it is negative, where cDPO is ε·20 > 0
    robust = _trl_dpo(h, 0.5, 0.1, "robust")
    assert robust[-1] < 0 < ours[-1]
    assert robust[-1] == pytest.approx(
        (0.9 * np.log1p(np.exp(-20.0)) - 0.1 * (20 + np.log1p(np.exp(-20.0)))) / 0.8
    )


def test_keras_bce_clips():
    x, keras, _ = framework_case("binary_cross_entropy-keras-clips-probabilities")
    p, y = x["edge_probs"], x["edge_labels"]  # p = 1e-9 with y = 1, p = 1 − 1e-9 with y = 0
    ours = binary_cross_entropy(p, y, reduction="none")
    assert ours[0] == pytest.approx(-math.log(1e-9), rel=1e-12)  # the exact value, 20.7
    assert keras[0] == pytest.approx(-math.log(1e-7), rel=1e-6)  # Keras stops at −log ε, 16.1
    assert keras[2] == pytest.approx(-math.log(1e-7), rel=1e-6)
    assert ours[2] == pytest.approx(-math.log(1e-9), rel=1e-6)
    np.testing.assert_allclose(keras[[1, 3]], ours[[1, 3]], rtol=1e-6)  # inside the clip they agree


def test_keras_sample_weight_mean_over_n():
    x, keras, _ = framework_case("mse-keras-sample-weight")
    r2, w = (x["y_pred"][:, 0] - x["y_true"][:, 0]) ** 2, x["w"]
    assert keras == pytest.approx(np.sum(w * r2) / 5, rel=1e-6)  # Σwℓ / N
    ours = lossref.mse(x["y_pred"][:, :1], x["y_true"][:, :1], weights=w[:, None])
    assert ours == pytest.approx(np.sum(w * r2) / np.sum(w), rel=1e-14)  # Σwℓ / Σw
    assert keras != pytest.approx(ours, rel=1e-2)


def test_optax_focal_alpha_default():
    x, default, _ = framework_case("sigmoid_focal-optax-default-alpha-none")
    _, balanced, _ = framework_case("sigmoid_focal-optax-equivalent")  # alpha=0.25 passed
    z, y = x["scores"], x["y01"]
    assert default == pytest.approx(sigmoid_focal(z, y, alpha=None), rel=1e-12)
    assert balanced == pytest.approx(sigmoid_focal(z, y), rel=1e-12)  # lossref's default α = 0.25
    assert default != pytest.approx(sigmoid_focal(z, y), rel=1e-2)


def test_keras_ctc_blank_is_padding():
    x, keras, _ = framework_case("ctc-keras-equivalent")
    ctc = lossref.get("ctc")
    lp, labels = x["ctc_log_probs"], x["ctc_labels"]  # labels 1 and 2 of C = 4, padded with 0
    lengths = (labels != 0).sum(axis=1)  # Keras' target lengths: the non-zero labels
    frames = np.full(len(labels), lp.shape[1])  # every frame
    assert keras == pytest.approx(ctc(lp, labels, frames, lengths, blank=0, normalize="sequences"), rel=1e-6)
    # Keras 2's convention, the last class as the blank, gives another loss on the same labels
    assert keras != pytest.approx(ctc(lp, labels, frames, lengths, blank=3, normalize="sequences"), rel=1e-2)
    # the mean is over sequences, not PyTorch's per-target-length mean
    assert keras != pytest.approx(ctc(lp, labels, frames, lengths, blank=0), rel=1e-2)


def test_optax_triplet_no_abs():
    x, odd, _ = framework_case("triplet_margin-optax-odd-degree")  # norm_degree=1, eps=0
    triplet_margin = lossref.get("triplet_margin")
    a, p, n = x["anchor"], x["pos"], x["neg"]
    signed = np.maximum((a - p).sum(-1) - (a - n).sum(-1) + 1.0, 0.0)  # Σ(a − p) − Σ(a − n) + m, no |·|
    assert odd == pytest.approx(signed.mean(), rel=1e-12)
    assert odd != pytest.approx(triplet_margin(a, p, n, p=1, eps=0.0), rel=1e-2)
    _, even, _ = framework_case("triplet_margin-optax-equivalent")  # norm_degree=2: the Euclidean distance
    assert even == pytest.approx(triplet_margin(a, p, n, eps=0.0), rel=1e-12)


# --- issue 19: regression and probabilistic additions ----------------------------------------


def test_keras_msle_clamps_at_epsilon():
    x, keras, _ = framework_case("msle-keras-clamps-at-epsilon")  # Keras 3.15.1, reduction=None
    pred, true = x["msle_edge_pred"][:, 0], x["msle_edge_true"][:, 0]
    ours = lossref.msle(pred, true, reduction="none")
    # by hand: (log 0.5 − log 2)² = (2 log 2)², and (log(1 + 1e-9) − log 0.1)² ≈ (log 10)²
    assert ours[0] == pytest.approx((2 * math.log(2)) ** 2, rel=1e-15)
    assert ours[2] == pytest.approx((1e-9 + math.log(10)) ** 2, rel=1e-12)
    clamped = lossref.msle(np.maximum(pred, 1e-7), np.maximum(true, 1e-7), reduction="none")
    np.testing.assert_allclose(keras, clamped, rtol=1e-6)  # Keras is lossref on clamped inputs
    assert keras[2] == 0.0
    assert keras[0] == pytest.approx(math.log(2) ** 2, rel=1e-6)
    assert ours[3] == keras[3] == 0.0  # above 1e-7 the two agree


# --- issue 19: classification -----------------------------------------------------------------


def test_sklearn_brier_binary_halved():
    # scikit-learn 1.9.1, run live: one column (or two) is halved by scale_by_half="auto", three are not
    from sklearn.metrics import brier_score_loss

    p = np.array([0.9, 0.2, 0.6, 0.35])
    y = np.array([1, 0, 0, 1])
    two = np.stack([1 - p, p], axis=-1)
    ours = lossref.brier_score(two, y)
    assert brier_score_loss(y, p) == pytest.approx(ours / 2, rel=1e-15)
    assert brier_score_loss(y, two) == pytest.approx(ours / 2, rel=1e-15)
    assert brier_score_loss(y, p, scale_by_half=False) == pytest.approx(ours, rel=1e-15)
    assert brier_score_loss(y, p) == pytest.approx(lossref.mse(p, y.astype(float)), rel=1e-15)
    three = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    assert brier_score_loss([0, 1], three, labels=[0, 1, 2]) == pytest.approx(
        lossref.brier_score(three, [0, 1]), rel=1e-15
    )


def test_optax_poly_epsilon_default():
    # optax 0.2.8's poly_loss_cross_entropy without epsilon= is ε = 2, not lossref's default 1
    inputs, value, _ = framework_case("poly1_cross_entropy-optax-default-epsilon-2")
    logits, labels = inputs["logits"], inputs["labels"]
    assert value == pytest.approx(lossref.poly1_cross_entropy(logits, labels, epsilon=2.0), rel=1e-12)
    assert abs(value - lossref.poly1_cross_entropy(logits, labels)) > 0.1


def test_keras_gce_q_default():
    # Keras 3.15.1's CategoricalGeneralizedCrossEntropy() is q = 0.5 on probabilities, not lossref's q = 0.7
    inputs, value, _ = framework_case("generalized_cross_entropy-keras-default-q-0.5")
    logits, labels = inputs["logits"], inputs["labels"]
    assert value == pytest.approx(lossref.generalized_cross_entropy(logits, labels, q=0.5), rel=1e-6)
    assert abs(value - lossref.generalized_cross_entropy(logits, labels)) > 0.01


# --- issue 19: segmentation -------------------------------------------------------------------


def _monai_generalized_dice(p, t, smooth=1e-5):
    # monai.losses.GeneralizedDiceLoss (1.5.0, monai/losses/dice.py) written out on (N, C, P):
    # w = 1/(Σt)² as it stands, each sample's infinite weights replaced by its largest finite one
    with np.errstate(divide="ignore", over="ignore"):
        w = 1.0 / t.sum(-1) ** 2
    infs = np.isinf(w)
    w = np.where(infs, 0.0, w)
    w = w + infs * w.max(axis=-1, keepdims=True)
    inter, total = (w * (p * t).sum(-1)).sum(-1), (w * (p.sum(-1) + t.sum(-1))).sum(-1)
    return 1 - (2 * inter + smooth) / (total + smooth)


def test_monai_generalized_dice_overflowing_weights():
    # the same loss wherever 1/(Σt)² is finite: an empty class (image 0), no foreground (image 1)
    p = np.array([[[0.9, 0.2, 0.1], [0.1, 0.8, 0.9]], [[0.3, 0.6, 0.5], [0.7, 0.4, 0.5]]])
    t = np.array([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    np.testing.assert_allclose(
        lossref.generalized_dice(p, t, reduction="none"), _monai_generalized_dice(p, t), rtol=1e-14
    )
    # a soft class of Σt = 1e-160: 1/(Σt)² overflows, MONAI treats the class as empty (weight
    # ¼, the other class's); in exact arithmetic its weight is 1e320 and its own Dice decides:
    # 1 − 2·0.9e-160 / (0.9 + 1e-160) ≈ 1
    p = np.array([[[0.9, 0.0], [0.1, 1.0]]])
    t = np.array([[[1e-160, 0.0], [1.0, 1.0]]])
    ours = lossref.generalized_dice(p, t, smooth=0.0)
    assert ours == pytest.approx(1.0, rel=1e-15)
    monai = _monai_generalized_dice(p, t, smooth=0.0)[0]
    # MONAI: I = ¼(1.1), U = ¼(0.9 + 1.1 + 2): 1 − 2.2/4 = 0.45
    assert monai == pytest.approx(0.45, rel=1e-12)


def _optax_multiclass_generalized_dice(logits, onehot):
    # optax.losses.multiclass_generalized_dice_loss (0.2.8) written out: classes last, a softmax,
    # one Dice per image and class ((I + 1)/((Σp + Σt)/2 + 1): smooth = 1 is s = 2), weights 1/((Σ_batch
    # t_c)² + 1e-7) scaled to sum
    # to C, and the mean of w_c·(1 − Dice_c) over images and classes
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p = p / p.sum(-1, keepdims=True)
    w = 1.0 / (onehot.sum(axis=(0, 1)) ** 2 + 1e-7)
    w = w / w.sum() * len(w)
    inter, sizes = (p * onehot).sum(1), (p + onehot).sum(1)
    return np.mean(w * (1 - (2 * inter + 2) / (sizes + 2)))


def test_optax_generalized_dice_weighted_mean():
    x, executed, _ = framework_case("generalized_dice-optax-weighted-mean")  # optax 0.2.8
    logits, onehot = x["seg_logits"], x["seg_onehot"]
    assert executed == pytest.approx(_optax_multiclass_generalized_dice(logits, onehot), rel=1e-12)
    # lossref on the same probabilities, classes before pixels: Sudre et al.'s ratio of weighted
    # sums, with any smoothing, is another number
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    probs, targets = np.swapaxes(p, -1, -2), np.swapaxes(onehot, -1, -2)
    for smooth in (0.0, 1e-5, 1.0):
        assert executed != pytest.approx(lossref.generalized_dice(probs, targets, smooth=smooth), rel=1e-2)


def _smp_mcc(p, t, eps=1e-5):
    # segmentation_models_pytorch.losses.MCCLoss (v0.5.0, losses/mcc.py) written out: the counts
    # summed over the whole batch, ε added to each, one 1 − MCC
    tp, tn = (p * t).sum() + eps, ((1 - p) * (1 - t)).sum() + eps
    fp, fn = (p * (1 - t)).sum() + eps, ((1 - p) * t).sum() + eps
    return 1 - (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))


def test_smp_mcc_whole_batch():
    p = np.array([[0.9, 0.8, 0.1, 0.0], [0.3, 0.0, 0.6, 0.2]])
    t = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    smp = _smp_mcc(p, t)
    assert smp == pytest.approx(lossref.mcc(p.reshape(1, -1), t.reshape(1, -1)), rel=1e-14)
    assert smp != pytest.approx(lossref.mcc(p, t), rel=1e-2)  # not the mean of per-image losses
    # one image: the same number
    assert _smp_mcc(p[:1], t[:1]) == pytest.approx(lossref.mcc(p[:1], t[:1]), rel=1e-14)


# --- issue 19: ranking ------------------------------------------------------------------------


def _lightgbm_lambdas(score, label, sigma=1.0, truncation_level=30, norm=True):
    # LightGBM 4.6.0's LambdarankNDCG::GetGradientsForOneQuery (src/objective/rank_objective.hpp)
    # written out for one query, with an exact sigmoid for its table: the gradient of the loss
    n = len(score)
    order = sorted(range(n), key=lambda i: -score[i])  # std::stable_sort by descending score
    gain = [2.0 ** int(v) - 1 for v in label]
    ideal = sorted(gain, reverse=True)[:truncation_level]
    inverse_max_dcg = 1.0 / sum(g / math.log2(2 + r) for r, g in enumerate(ideal))
    lambdas = np.zeros(n)
    best, worst = score[order[0]], score[order[-1]]
    total = 0.0
    for i in range(min(n - 1, truncation_level)):
        for j in range(i + 1, n):
            a, b = order[i], order[j]
            if label[a] == label[b]:
                continue
            (high, hr), (low, lr) = ((a, i), (b, j)) if label[a] > label[b] else ((b, j), (a, i))
            delta = (
                (gain[high] - gain[low])
                * abs(1 / math.log2(2 + hr) - 1 / math.log2(2 + lr))
                * inverse_max_dcg
            )
            if norm and best != worst:
                delta /= 0.01 + abs(score[high] - score[low])
            p_lambda = -sigma * delta / (1 + math.exp(sigma * (score[high] - score[low])))
            lambdas[low] -= p_lambda
            lambdas[high] += p_lambda
            total -= 2 * p_lambda
    if norm and total > 0:
        lambdas *= math.log2(1 + total) / total
    return lambdas


def test_lightgbm_lambdarank_norm():
    rng = np.random.default_rng(19)
    s, y = rng.normal(size=8), rng.integers(0, 4, size=8).astype(float)
    ours = lossref.lambdarank.grad(s[None], y[None], sigma=1.5)[0]
    np.testing.assert_allclose(_lightgbm_lambdas(s, y, sigma=1.5, norm=False), ours, rtol=1e-13, atol=1e-15)
    # the default lambdarank_norm=true rescales them
    assert not np.allclose(_lightgbm_lambdas(s, y, sigma=1.5), ours, rtol=1e-2)
    # truncation: LightGBM's default level 30 on a list of 40 items is lossref's truncation=30
    s, y = rng.normal(size=40), rng.integers(0, 4, size=40).astype(float)
    ours = lossref.lambdarank.grad(s[None], y[None], truncation=30)[0]
    np.testing.assert_allclose(_lightgbm_lambdas(s, y, norm=False), ours, rtol=1e-12, atol=1e-15)
    assert not np.allclose(lossref.lambdarank.grad(s[None], y[None])[0], ours, rtol=1e-3)


def _tfranking_approx_ndcg(scores, labels, temperature=0.1):
    # tfr ApproxNDCGLoss (v0.5.3, python/losses_impl.py) written out for lists with a relevant
    # item: logits / τ, approx_ranks Σ_j σ(s_j − s_i) + ½ (j = i included), discount 1/ln(1 + r)
    # in both the DCG and the ideal DCG, and the loss −NDCG
    s = np.asarray(scores) / temperature
    ranks = (1 / (1 + np.exp(-(s[..., None, :] - s[..., :, None])))).sum(-1) + 0.5
    gains = 2.0 ** np.asarray(labels) - 1
    ideal = (-np.sort(-gains, axis=-1) / np.log1p(np.arange(1, s.shape[-1] + 1))).sum(-1)
    return -(gains / np.log1p(ranks)).sum(-1) / ideal


def test_tfranking_approx_ndcg_negative():
    rng = np.random.default_rng(19)
    s, y = rng.normal(size=(3, 5)), rng.integers(1, 4, size=(3, 5)).astype(float)
    for temperature in (0.1, 1.0):
        tfr = _tfranking_approx_ndcg(s, y, temperature)
        ours = lossref.approx_ndcg(s, y, temperature=temperature, reduction="none")
        np.testing.assert_allclose(tfr, ours - 1, rtol=1e-13)  # −NDCG against 1 − NDCG
        assert (tfr < 0).all()
        assert (ours > 0).all()


# --- issue 19: margin, detection and image losses ------------------------------------------


def test_pytorch_hinge_embedding_other_labels():
    case = GOLDEN["pytorch-hinge-embedding-other-labels"]
    x = np.asarray(case["inputs"])
    # PyTorch, label 0: both terms, x + max(0, 1 - x): 0.3 + 0.7 and 2 + 0; label 1: x
    np.testing.assert_allclose(case["torch_none"], [1.0, 0.3, 2.0], rtol=1e-15)
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        lossref.hinge_embedding(x, case["labels"])
    # with the labels converted, lossref and PyTorch agree wherever PyTorch's label was ±1
    assert lossref.hinge_embedding(x, [-1.0, 1.0, -1.0], reduction="none")[1] == case["torch_none"][1]


def _torchvision_box_eps(name):
    case = GOLDEN[f"torchvision-{name}-eps"]
    loss = lossref.get(name)
    # a 1e-4 × 2e-4 box predicted exactly: IoU = 2e-8 / (2e-8 + 1e-7) = 1/6 for torchvision, by hand
    small, pixels = np.asarray(case["small"]), np.asarray(case["pixels"])
    assert case["torchvision_small"] == pytest.approx(5 / 6, rel=1e-9)
    assert loss(small[:1], small[1:]) == 0.0
    # boxes of tens of pixels: the same loss to within 1e-9 relative
    ours = loss(pixels[:1], pixels[1:])
    assert ours == pytest.approx(case["torchvision_pixels"], rel=1e-9)


def test_torchvision_giou_eps():
    _torchvision_box_eps("giou")


def test_torchvision_diou_eps():
    _torchvision_box_eps("diou")


def test_torchvision_ciou_eps():
    _torchvision_box_eps("ciou")


def test_torchvision_ciou_alpha_gradient():
    case = GOLDEN["torchvision-ciou-alpha-gradient"]
    b, g = np.asarray(case["pred"]), np.asarray(case["true"])
    numeric = lossref.numerical_gradient(lambda x: lossref.ciou(x, g, reduction="sum"), b)
    # lossref's gradient is the derivative of its value; torchvision's (α under no_grad) is not
    np.testing.assert_allclose(lossref.ciou.grad(b, g, reduction="sum"), numeric, rtol=1e-8, atol=1e-10)
    assert np.abs(np.asarray(case["torchvision_grad"]) - numeric).max() > 1e-3


def test_sklearn_perceptron_gradient_at_zero():
    from sklearn.linear_model._sgd_fast import Hinge

    sk = Hinge(0.0)  # the loss of SGDClassifier(loss="perceptron"), scikit-learn 1.9.1
    # at f = 0 scikit-learn's gradient is −y (a tie updates), lossref's is 0; the values agree
    assert sk.py_dloss(0.0, 1.0) == -1.0
    assert sk.py_dloss(0.0, -1.0) == 1.0
    assert lossref.perceptron.grad([0.0, 0.0], [1.0, -1.0], reduction="sum").tolist() == [0.0, 0.0]
    assert sk.py_loss(0.0, 1.0) == lossref.perceptron([0.0], [1.0]) == 0.0
    # away from the kink the gradients agree
    assert sk.py_dloss(-0.5, 1.0) == lossref.perceptron.grad([-0.5], [1.0], reduction="sum")[0] == -1.0


# --- issue 20: TRL's preference losses at v1.9.0, written out in NumPy ---


def test_trl_ipo_length_normalised():
    # trl/trainer/dpo_trainer.py (v1.9.0), loss_type "ipo": each log-ratio is divided by its
    # response's completion-token count (clamped at 1) before h, then (h − 1/(2β))²
    pc, pr = np.array([-12.0, -30.0, -2.0]), np.array([-20.0, -28.0, -9.0])
    rc, rr = np.array([-15.0, -33.0, -2.5]), np.array([-18.0, -25.0, -8.0])
    len_c, len_r = np.array([4.0, 10.0, 1.0]), np.array([8.0, 5.0, 3.0])
    trl_delta = (pc - rc) / np.maximum(len_c, 1) - (pr - rr) / np.maximum(len_r, 1)
    trl = (trl_delta - 1 / (2 * 0.1)) ** 2
    averaged = lossref.ipo(pc / len_c, pr / len_r, rc / len_c, rr / len_r, reduction="none")
    np.testing.assert_allclose(averaged, trl, rtol=1e-14)
    summed = lossref.ipo(pc, pr, rc, rr, reduction="none")  # the paper's form: another loss
    assert not np.allclose(summed, trl, rtol=1e-3)


# --- issue 19 (proxies, nca): pytorch-metric-learning 2.9.0 ---


def test_pml_proxy_nca_drops_underflow():
    inputs, value, _ = framework_case("proxy_nca-pml-drops-underflow")
    x, labels, proxies = (inputs[k] for k in ("far_embeddings", "far_labels", "far_proxies"))
    ours = lossref.proxy_nca(x, labels, proxies, scale=500.0, reduction="none")
    # the last row is nearer the other class's proxy by a cosine gap g: its loss is about 2·500·g,
    # far beyond e^(−745), where pml's probability e^(−loss) is 0 and the row is left out
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    gap = unit[2] @ proxies[1] - unit[2] @ proxies[0]
    assert ours[2] == pytest.approx(1000.0 * gap, rel=1e-12)
    assert ours[2] > 745
    assert value == pytest.approx(ours[:2].mean(), rel=1e-12)  # pml: the mean of the other two
    assert lossref.proxy_nca(x, labels, proxies, scale=500.0) == pytest.approx(ours.mean(), rel=1e-15)
    assert lossref.proxy_nca(x, labels, proxies, scale=500.0) > 300


def test_pml_nca_normalises():
    inputs, value, _ = framework_case("nca-pml-normalises")  # NCALoss(): LpDistance(power=2) normalises
    x, labels = inputs["proxy_embeddings"], inputs["proxy_labels"]
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert value == pytest.approx(lossref.nca(unit, labels), rel=1e-12)
    assert value != pytest.approx(lossref.nca(x, labels), rel=1e-2)  # NCA of the embeddings as given


def test_pml_nca_drops_underflow():
    inputs, value, _ = framework_case("nca-pml-drops-underflow")
    x, labels = inputs["nca_far"], inputs["nca_far_labels"]
    ours = lossref.nca(x, labels, reduction="none")
    # rows 4 and 5: class-mate at distance² 6400, nearest other class at 39.1² and 40²: losses of
    # about 6400 − 1528.81 and 6400 − 1600, where pml's probability e^(−loss) is exactly 0
    np.testing.assert_allclose(ours[4:], [6400 - 39.1**2, 4800.0], rtol=1e-12)
    assert value == pytest.approx(ours[:4].mean(), rel=1e-12)  # pml: the other four rows only
    assert lossref.nca(x, labels) == pytest.approx(ours.mean(), rel=1e-15)


# --- pytorch-metric-learning 2.9.0 and Kornia 0.9.0, executed (tests/golden/pml.json, kornia.json) ---


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_pml_triplet_defaults():
    # TripletMarginLoss() on the 8 stacked views (4 classes of 2): every (a, p, n) its labels allow,
    # 8 anchors × 1 positive × 6 negatives, distances between unit vectors, margin 0.05, and the
    # mean over the triplets whose loss is not 0
    x, executed, _ = framework_case("triplet_margin-pml-defaults")
    e = _unit(np.concatenate([x["views_u"], x["views_v"]]))
    labels = np.arange(8) % 4
    a, p, n = np.array(
        [(a, p, n) for a in range(8) for p in range(8) for n in range(8)
         if a != p and labels[a] == labels[p] and labels[a] != labels[n]]
    ).T  # fmt: skip
    assert len(a) == 48
    per = lossref.triplet_margin(e[a], e[p], e[n], margin=0.05, eps=0.0, reduction="none")
    assert 0 < np.count_nonzero(per) < 48
    assert executed == pytest.approx(per[per > 0].mean(), rel=1e-12)
    assert executed != pytest.approx(per.mean(), rel=1e-3)  # lossref's mean counts the zeros
    # with explicit triplets, no normalisation and MeanReducer it is lossref's mean (the
    # triplet_margin-pml-equivalent case: one of its 6 triplets is inactive and still counted)
    x, executed, _ = framework_case("triplet_margin-pml-equivalent")
    e, t = x["triplet_embeddings"], (x["triplet_a"], x["triplet_p"], x["triplet_n"])
    per = lossref.triplet_margin(*(e[i] for i in t), margin=2.0, eps=0.0, reduction="none")
    assert np.count_nonzero(per) == 5
    assert executed == pytest.approx(per.sum() / 6, rel=1e-12)


def _pair_distances(x, normalise):
    a, b = x["pair_a"], x["pair_b"]
    if normalise:
        a, b = _unit(a), _unit(b)
    return np.linalg.norm(a - b, axis=1)


def test_pml_contrastive_unsquared():
    # ContrastiveLoss(pos_margin=0, neg_margin=1) on raw embeddings with MeanReducer: d for the
    # similar pairs, max(0, 1 − d) for the dissimilar ones, and the two means added
    x, executed, _ = framework_case("contrastive-pml-unsquared")
    d = _pair_distances(x, normalise=False)
    np.testing.assert_allclose(d, [0.0, np.sqrt(0.29), 0.6, 0.5, 0.8, 1.6], rtol=1e-15)  # by hand
    assert executed == pytest.approx((np.sqrt(0.29) + 0.6) / 3 + (0.5 + 0.2) / 3, rel=1e-12)
    # each of its terms is the square root of lossref's (y d² or max(0, m − d)²)
    y = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])  # the indices_tuple: pairs 0–2 similar, 3–5 not
    ours = lossref.contrastive(x["pair_a"], x["pair_b"], y, reduction="none")
    assert executed == pytest.approx(np.sqrt(ours[:3]).mean() + np.sqrt(ours[3:]).mean(), rel=1e-12)
    assert executed != pytest.approx(lossref.contrastive(x["pair_a"], x["pair_b"], y), rel=1e-2)


def test_pml_contrastive_defaults():
    # ContrastiveLoss() as shipped: unit embeddings, and each group averaged over its non-zero terms
    x, executed, _ = framework_case("contrastive-pml-defaults")
    d = _pair_distances(x, normalise=True)
    similar, dissimilar = d[:3], np.maximum(0.0, 1.0 - d[3:])
    # pair 0 coincides; on the unit sphere every dissimilar pair is inside the margin (d < 0.69)
    assert similar[0] == 0.0
    assert (similar[1:] > 0).all()
    assert (dissimilar > 0).all()
    expected = similar[similar > 0].mean() + dissimilar[dissimilar > 0].mean()
    assert executed == pytest.approx(expected, rel=1e-12)
    assert executed != pytest.approx(similar.mean() + dissimilar.mean(), rel=1e-3)


def test_pml_ntxent_default_temperature():
    # NTXentLoss() defaults to τ = 0.07, lossref's info_nce to 0.1; with τ passed they agree (the
    # info_nce-pml-equivalent case)
    x, executed, _ = framework_case("info_nce-pml-default-temperature")
    u, v = x["views_u"], x["views_v"]
    assert lossref.info_nce.hyperparameters["temperature"] == 0.1
    assert executed == pytest.approx(lossref.info_nce(u, v, temperature=0.07), rel=1e-12)
    assert executed != pytest.approx(lossref.info_nce(u, v), rel=1e-2)


def test_kornia_tv_per_channel():
    x, per_channel, _ = framework_case("total_variation-kornia-per-channel")
    images = x["tv_images"]  # one image, 2 channels of 2 × 3
    # by hand: channel 0 has vertical |0.5|, |0.2|, |0.3| and horizontal 0.7, 0.5, 0, 0.6: 1.0 + 1.8;
    # channel 1: 0.7, 0.8, 0.1 and 1.0, 0.5, 0.5, 0.2: 1.6 + 2.2
    np.testing.assert_allclose(per_channel, [[2.8, 3.8]], rtol=1e-15)
    assert lossref.total_variation(images) == pytest.approx(6.6, rel=1e-15)  # lossref sums channels
    for c in range(2):
        assert per_channel[0, c] == pytest.approx(lossref.total_variation(images[:, c]), rel=1e-15)
    # reduction="mean": each direction averaged over its own count, (H − 1)W = 3 and H(W − 1) = 4
    _, mean, _ = framework_case("total_variation-kornia-mean-per-direction")
    np.testing.assert_allclose(mean, [[1.0 / 3 + 1.8 / 4, 1.6 / 3 + 2.2 / 4]], rtol=1e-14)
    assert not np.allclose(mean, per_channel / 6, rtol=1e-3)  # not the TV over the H·W pixels


def test_kornia_focal_alpha_class_0():
    # focal_loss(alpha=0.25): the labels [0, 2, 1, 3, 2] have one row of class 0, weighted 0.75,
    # the four others 0.25; lossref's alpha=0.25 weighs all five by 0.25
    x, executed, _ = framework_case("softmax_focal-kornia-alpha-class-0")
    z, y = x["logits"], x["labels"]
    per_row = lossref.softmax_focal(z, y, reduction="none")  # α = None
    np.testing.assert_array_equal(y, [0, 2, 1, 3, 2])
    assert executed == pytest.approx((0.75 * per_row[0] + 0.25 * per_row[1:].sum()) / 5, rel=1e-12)
    assert executed != pytest.approx(lossref.softmax_focal(z, y, alpha=0.25), rel=1e-2)
    assert executed == pytest.approx(lossref.softmax_focal(z, y, alpha=[0.75, 0.25, 0.25, 0.25]), rel=1e-12)


def test_kornia_focal_mean_over_classes():
    # reduction="mean" divides the N per-sample losses' sum by N·C = 20
    x, executed, _ = framework_case("softmax_focal-kornia-mean-over-classes")
    _, summed, _ = framework_case("softmax_focal-kornia-equivalent")  # reduction="sum", divided by N = 5
    ours = lossref.softmax_focal(x["logits"], x["labels"])
    assert summed == pytest.approx(ours, rel=1e-12)
    assert executed == pytest.approx(ours / 4, rel=1e-12)


def _seg(x):
    p = np.exp(x["seg_logits"])
    return p / p.sum(axis=-1, keepdims=True), x["seg_onehot"]  # (2 images, 6 pixels, 3 classes)


def test_kornia_dice_eps():
    x, executed, _ = framework_case("dice-kornia-default-eps")
    p, t = _seg(x)
    intersection, cardinality = (p * t).sum(axis=(1, 2)), (p + t).sum(axis=(1, 2))
    np.testing.assert_allclose(cardinality, 12.0, rtol=1e-15)  # 6 pixels of probabilities summing to 1, twice
    assert executed == pytest.approx(np.mean(1 - 2 * intersection / (cardinality + 1e-8)), rel=1e-14)
    pooled = lossref.dice(p, t, smooth=0.0)
    # ε = 1e-8 in the denominator alone: about 1e-9 apart, further than float64 rounding
    assert 1e-11 < abs(executed / pooled - 1) < 1e-8
    _, exact, _ = framework_case("dice-kornia-equivalent")  # eps=0.0
    assert exact == pytest.approx(pooled, rel=1e-13)
    assert executed != pytest.approx(lossref.dice(p, t), rel=1e-3)  # smooth = 1 in both places


def test_kornia_tversky_per_class():
    x, executed, _ = framework_case("tversky-kornia-per-class")
    p, t = _seg(x)
    # one index per image and class (lossref on that class's column, smooth 0), averaged over the
    # classes present: image 0 has 0, 1, 2, image 1 only 0 and 1
    columns = [
        lossref.tversky(p[..., c], t[..., c], alpha=0.3, beta=0.7, smooth=0.0, reduction="none")
        for c in range(3)
    ]
    index = 1 - np.stack(columns, axis=1)
    present = t.sum(axis=1) > 0
    np.testing.assert_array_equal(present, [[True, True, True], [True, True, False]])
    per_image = (index * present).sum(axis=1) / present.sum(axis=1)
    assert executed == pytest.approx(1 - per_image.mean(), rel=1e-13)
    assert executed != pytest.approx(lossref.tversky(p, t, alpha=0.3, beta=0.7, smooth=0.0), rel=1e-3)


def test_kornia_lovasz_softmax_all_classes():
    # class 2 is absent from image 1: Kornia counts it (its loss there is the largest p_2), lossref's
    # default leaves it out
    x, executed, _ = framework_case("lovasz_softmax-kornia-equivalent")
    p, t = _seg(x)
    labels = t.argmax(axis=-1)
    assert 2 not in labels[1]
    assert executed == pytest.approx(lossref.lovasz_softmax(p, labels, classes="all"), rel=1e-13)
    # image 1: the sum over all 3 classes less the sum over its 2 present ones is class 2's loss
    every = 3 * lossref.lovasz_softmax(p[1:], labels[1:], classes="all")
    present = 2 * lossref.lovasz_softmax(p[1:], labels[1:])
    assert every - present == pytest.approx(p[1, :, 2].max(), rel=1e-13)
    assert executed != pytest.approx(lossref.lovasz_softmax(p, labels), rel=1e-3)


def test_trl_orpo_nll_over_prompt():
    # trl/experimental/orpo/orpo_trainer.py (v1.9.0): loss = NLL − mean(β log σ(log odds ratio)),
    # the NLL a token-mean cross-entropy over the chosen sequences' prompt and response tokens
    # (the whole batch's tokens pooled), the odds from each response's mean token log-probability
    prompt = [np.array([-2.0, -1.0]), np.array([-3.0])]  # the prompt tokens that are predicted
    chosen = [np.array([-0.5, -1.5]), np.array([-1.0])]
    rejected = [np.array([-2.0, -2.0, -2.0]), np.array([-4.0, -1.0])]
    pc, pr = np.array([c.sum() for c in chosen]), np.array([r.sum() for r in rejected])
    len_c, len_r = np.array([2.0, 1.0]), np.array([3.0, 2.0])
    tokens = np.concatenate([*prompt, *chosen])
    trl_nll = -tokens.mean()
    ours = lossref.orpo(pc, pr, len_c, len_r, lam=0.1)
    ours_nll = np.mean(-pc / len_c)  # the paper's L_SFT: per response, then over pairs
    odds_term = ours - ours_nll  # −mean(λ log σ(·)), the same in both
    mc, mr = pc / len_c, pr / len_r
    log_odds = (mc - mr) - (np.log(-np.expm1(mc)) - np.log(-np.expm1(mr)))
    assert odds_term == pytest.approx(-np.mean(0.1 * -np.logaddexp(0, -log_odds)), rel=1e-14)
    trl = trl_nll + odds_term
    assert trl_nll == pytest.approx(1.5)  # (2 + 1 + 3 + 0.5 + 1.5 + 1) / 6 tokens
    assert ours_nll == pytest.approx(1.0)  # (1 + 1) / 2
    assert trl - ours == pytest.approx(0.5)


# --- issue 19: pair-based metric learning --------------------------------------------------


def _circle_parts(s, labels, gamma, margin):
    """Circle loss written out on a similarity matrix: per anchor t, the softmaxes and α."""
    pos = (labels[:, None] == labels[None, :]) & ~np.eye(len(labels), dtype=bool)
    neg = labels[:, None] != labels[None, :]
    ap, an = np.maximum(1 + margin - s, 0), np.maximum(s + margin, 0)
    zp = np.where(pos, np.exp(-gamma * ap * (s - (1 - margin))), 0.0)
    zn = np.where(neg, np.exp(gamma * an * (s - margin)), 0.0)
    with np.errstate(divide="ignore"):
        t = np.log(zp.sum(1)) + np.log(zn.sum(1))
    keep = pos.any(1) & neg.any(1)
    return (
        t,
        keep,
        pos,
        neg,
        ap,
        an,
        zp / np.maximum(zp.sum(1, keepdims=True), 1e-300),
        zn / np.maximum(zn.sum(1, keepdims=True), 1e-300),
    )


def test_circle_pml_detached_weights():
    inputs, value, grad = framework_case("circle-pml-detached-weights")  # CircleLoss(m=0.25, gamma=16)
    x, y = inputs["pair_embeddings"], inputs["pair_labels"]
    ours = lossref.circle(x, y, gamma=16.0, margin=0.25)
    assert value == pytest.approx(ours, rel=1e-12)  # the values agree
    pml_grad = np.asarray(grad)
    assert not np.allclose(pml_grad, lossref.circle.grad(x, y, gamma=16.0, margin=0.25), rtol=1e-2)
    # pml's gradient is the one with α_p, α_n held constant: slopes −γ α_p and γ α_n
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    u = x / norm
    t, keep, pos, neg, ap, an, pp, pn = _circle_parts(u @ u.T, y, 16.0, 0.25)
    sig = np.where(keep, 1 / (1 + np.exp(-t)), 0.0)[:, None]
    gs = sig * (np.where(pos, -16.0 * ap * pp, 0.0) + np.where(neg, 16.0 * an * pn, 0.0)) / keep.sum()
    gu = (gs + gs.T) @ u
    detached = (gu - (gu * u).sum(1, keepdims=True) * u) / norm
    np.testing.assert_allclose(pml_grad, detached, rtol=1e-10, atol=1e-14)


def test_circle_keras_no_normalisation():
    x, keras_raw, _ = framework_case("circle-keras-raw-rows")  # Circle(gamma=16, margin=0.25) on raw rows
    e, y = x["pair_embeddings"], x["pair_labels"]
    assert not np.allclose(np.linalg.norm(e, axis=1), 1.0)
    ours = lossref.circle(e, y, gamma=16.0, margin=0.25)
    assert keras_raw != pytest.approx(ours, rel=1e-2)
    # Keras used the raw dot products (the distance 1 − s clipped at 0): the same formula on them
    t, keep, *_ = _circle_parts(np.minimum(e @ e.T, 1.0), y, 16.0, 0.25)
    assert keras_raw == pytest.approx(np.logaddexp(0, t[keep]).mean(), rel=1e-6)
    # and on unit rows the two agree (as circle-keras-equivalent)
    unit = e / np.linalg.norm(e, axis=1, keepdims=True)
    assert lossref.circle(unit, y, gamma=16.0, margin=0.25) == pytest.approx(ours, rel=1e-14)


def test_lifted_pml_normalises():
    inputs, executed, _ = framework_case(
        "lifted_structure-pml-normalises"
    )  # LiftedStructureLoss(), pml 2.9.0
    x, y = inputs["pair_embeddings"], inputs["pair_labels"]
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert executed == pytest.approx(lossref.lifted_structure(unit, y), rel=1e-12)
    assert executed != pytest.approx(lossref.lifted_structure(x, y), rel=1e-2)


def test_lifted_pml_generalized():
    inputs, executed, _ = framework_case(
        "lifted_structure-pml-generalized"
    )  # pml 2.9.0, raw distances, α = 1
    x, y = inputs["pair_embeddings"], inputs["pair_labels"]
    assert executed != pytest.approx(lossref.lifted_structure(x, y), rel=1e-2)
    # Hermans et al.'s form, per anchor [LSE_P(D) + LSE_N(1 − D)]_+ (an empty LSE counts 0), averaged
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    same = y[:, None] == y[None, :]
    pos, neg = same & ~np.eye(len(y), dtype=bool), ~same
    lse_p = np.array([np.log(np.exp(r[m]).sum()) if m.any() else 0.0 for r, m in zip(d, pos, strict=True)])
    lse_n = np.array(
        [np.log(np.exp(1 - r[m]).sum()) if m.any() else 0.0 for r, m in zip(d, neg, strict=True)]
    )
    assert executed == pytest.approx(np.maximum(lse_p + lse_n, 0).mean(), rel=1e-12)


# --- issue 19: ssim against Kornia 0.9.0 (tests/golden/kornia.json, live in test_conformance_frameworks) ---


def test_kornia_ssim_loss_halves():
    # the same windows and no eps: Kornia's DSSIM is exactly half of 1 − SSIM
    inputs, kornia_value, _ = framework_case("ssim-kornia-halved")
    ours = lossref.ssim(inputs["ssim_x"], inputs["ssim_y"])
    assert ours > 0.04
    np.testing.assert_allclose(kornia_value, ours / 2, rtol=1e-12)


def test_kornia_ssim_pads_same():
    # Kornia's default: reflect padding keeps a map the size of the image, so it averages other
    # windows than lossref's valid ones; lossref on the reflect-padded images reproduces it (eps =
    # 1e-12 in its denominator moves the value by about 1e-11)
    inputs, kornia_value, _ = framework_case("ssim-kornia-same-padding")
    x, y = inputs["ssim_x"], inputs["ssim_y"]
    assert abs(kornia_value - lossref.ssim(x, y) / 2) > 0.02 * kornia_value  # 2.5 % apart
    pad = ((0, 0), (0, 0), (5, 5), (5, 5))
    padded = lossref.ssim(np.pad(x, pad, mode="reflect"), np.pad(y, pad, mode="reflect"))
    np.testing.assert_allclose(kornia_value, padded / 2, rtol=1e-9)


# --- issue 20: self-supervised losses ---


def test_pytorch_cosine_similarity_eps():
    case = GOLDEN["pytorch-cosine-similarity-eps"]
    p, z = (np.asarray(a) for a in case["args"])
    ours = lossref.byol(p, z, reduction="none")
    # row 0: ‖p‖ = 1e-9, PyTorch's cosine (1/√2)·(1e-9/1e-8); ours the exact 2 − √2
    assert case["torch_none"][0] == pytest.approx(2 - 2 * 0.1 / math.sqrt(2), rel=1e-12)
    assert ours[0] == pytest.approx(2 - math.sqrt(2), rel=1e-14)
    # row 1: p parallel to z with ‖p‖ = 5e-9: PyTorch 2 − 2·0.5 = 1, ours 0
    assert case["torch_none"][1] == pytest.approx(1.0, rel=1e-12)
    assert ours[1] == 0.0
    # row 2: a huge parallel pair, whose squared norm overflows in PyTorch: cosine 0, loss 2
    assert case["torch_none"][2] == 2.0
    assert ours[2] == 0.0
    # at ordinary norms the two agree
    q = np.array([[1.0, 2.0, 3.0]])
    w = np.array([[3.0, -1.0, 0.5]])
    cos = (q @ w.T).item() / (np.linalg.norm(q) * np.linalg.norm(w))
    assert lossref.byol(q, w) == pytest.approx(2 - 2 * cos, rel=1e-14)


# --- issue 20: grpo, reinforce (TRL v1.9.0, written out in NumPy) ---

# GRPOConfig's defaults in TRL v1.9.0 (trl/trainer/grpo_config.py)
TRL_GRPO_DEFAULTS = {
    "loss_type": "dapo",
    "beta": 0.0,
    "epsilon": 0.2,
    "epsilon_high": None,
    "scale_rewards": "group",
}
TRL_GRPO_MAX_COMPLETION_LENGTH = 256


def _trl_nanstd(x, axis=None):
    # trl/trainer/utils.py nanstd (v1.9.0): the mean square deviation times n/(n − 1) (Bessel)
    n = x.shape[axis] if axis is not None else x.size
    return np.sqrt(np.mean((x - np.mean(x, axis=axis, keepdims=True)) ** 2, axis=axis) * n / (n - 1))


def _trl_grpo_advantages(rewards, num_generations, scale_rewards):
    # GRPOTrainer._generate_and_score_completions (v1.9.0), one reward function ("sum_then_normalize")
    grouped = rewards.reshape(-1, num_generations)
    mean = np.repeat(grouped.mean(axis=1), num_generations)
    if scale_rewards == "batch":
        std = np.full_like(rewards, _trl_nanstd(rewards))
    else:
        std = np.repeat(_trl_nanstd(grouped, axis=1), num_generations)
    advantages = rewards - mean
    if scale_rewards != "none":
        advantages = advantages / (std + 1e-4)
    return advantages


def _trl_grpo_loss(logps, old, ref, rewards, mask, num_generations, *, max_completion_length=None, **config):
    """GRPOTrainer._compute_loss (v1.9.0) for importance_sampling_level="token", in NumPy.

    The batch is flat: B = prompts × num_generations rows of T tokens, as TRL holds it.
    """
    c = {**TRL_GRPO_DEFAULTS, **config}
    eps_low = c["epsilon"]
    eps_high = c["epsilon_high"] if c["epsilon_high"] is not None else c["epsilon"]
    adv = _trl_grpo_advantages(rewards, num_generations, c["scale_rewards"])[:, None]
    coef_1 = np.exp(logps - old)
    coef_2 = np.clip(coef_1, 1 - eps_low, 1 + eps_high)
    per_token_loss = -np.minimum(coef_1 * adv, coef_2 * adv)
    if c["beta"] != 0.0:
        per_token_loss = per_token_loss + c["beta"] * (np.exp(ref - logps) - (ref - logps) - 1)
    if c["loss_type"] == "grpo":
        return ((per_token_loss * mask).sum(-1) / np.maximum(mask.sum(-1), 1.0)).mean()
    if c["loss_type"] == "bnpo":
        return (per_token_loss * mask).sum() / max(mask.sum(), 1.0)
    if c["loss_type"] == "dr_grpo":
        length = TRL_GRPO_MAX_COMPLETION_LENGTH if max_completion_length is None else max_completion_length
        return (per_token_loss * mask).sum() / (per_token_loss.shape[0] * length)
    assert c["loss_type"] == "dapo"  # num_items_in_batch: the batch's tokens, one process, no accumulation
    return (per_token_loss * mask).sum() / max(mask.sum(), 1.0)


def _grpo_batch(seed=0, prompts=3, g=4, t=5):
    rng = np.random.default_rng(seed)
    logps = rng.uniform(-3.0, -0.05, size=(prompts, g, t))
    old = logps + rng.uniform(-0.4, 0.4, size=logps.shape)  # both clip branches and the middle
    old = np.minimum(old, 0.0)
    ref = np.minimum(logps + rng.normal(scale=0.5, size=logps.shape), 0.0)
    rewards = rng.normal(size=(prompts, g))
    lengths = rng.integers(1, t + 1, size=(prompts, g))
    mask = (np.arange(t) < lengths[..., None]).astype(float)  # right padding, different lengths
    return logps, old, ref, rewards, mask


def _flat(*arrays):
    return [a.reshape(-1, a.shape[-1]) if a.ndim == 3 else a.reshape(-1) for a in arrays]


@pytest.mark.parametrize("loss_type", ["grpo", "bnpo", "dapo", "dr_grpo"])
@pytest.mark.parametrize("scale_rewards", ["group", "batch", "none"])
def test_grpo_matches_trl_for_every_aggregation(loss_type, scale_rewards):
    logps, old, ref, rewards, mask = _grpo_batch()
    hyper = {"loss_type": loss_type, "scale_rewards": scale_rewards, "beta": 0.04, "epsilon_high": 0.28}
    length = {"max_completion_length": 256} if loss_type == "dr_grpo" else {}
    ours, grad = lossref.grpo.value_and_grad(logps, old, ref, rewards, mask=mask, **hyper, **length)

    def trl(x):
        return _trl_grpo_loss(*_flat(x, old, ref, rewards, mask), 4, **hyper)

    assert ours == pytest.approx(trl(logps), rel=1e-13)
    # TRL differentiates with autograd: its gradient, by central differences of the NumPy form, away
    # from the clip boundaries (at most one token sits within 1e-6 of one here)
    numeric = lossref.numerical_gradient(lambda x: trl(x.reshape(logps.shape)), logps.copy())
    np.testing.assert_allclose(grad, numeric.reshape(logps.shape), rtol=1e-6, atol=1e-10)


def test_trl_grpo_default_loss_type():
    logps, old, ref, rewards, mask = _grpo_batch(1)
    flat = _flat(logps, old, ref, rewards, mask)
    trl_default = _trl_grpo_loss(*flat, 4)  # loss_type="dapo", beta=0
    # TRL's "dapo" on one device is lossref's "bnpo" (and "dapo"): every token counts once
    for name in ("bnpo", "dapo"):
        assert lossref.grpo(logps, old, ref, rewards, mask=mask, beta=0.0, loss_type=name) == pytest.approx(
            trl_default, rel=1e-13
        )
    # lossref's default aggregation is the paper's: a per-completion mean, then the mean over completions
    ours = lossref.grpo(logps, old, ref, rewards, mask=mask, beta=0.0)
    assert ours == pytest.approx(_trl_grpo_loss(*flat, 4, loss_type="grpo"), rel=1e-13)
    assert abs(ours - trl_default) > 1e-3 * abs(trl_default)
    # with equal lengths the two agree
    full = np.ones_like(mask)
    assert lossref.grpo(logps, old, ref, rewards, mask=full, beta=0.0) == pytest.approx(
        _trl_grpo_loss(*_flat(logps, old, ref, rewards, full), 4), rel=1e-13
    )


def test_trl_grpo_default_beta():
    import inspect

    logps, old, ref, rewards, mask = _grpo_batch(2)
    flat = _flat(logps, old, ref, rewards, mask)
    assert inspect.signature(lossref.grpo).parameters["beta"].default == 0.04  # the paper's β
    assert TRL_GRPO_DEFAULTS["beta"] == 0.0
    ours = lossref.grpo(logps, old, ref, rewards, mask=mask, loss_type="bnpo")
    trl = _trl_grpo_loss(*flat, 4)
    # the difference is β times the token mean of k3 (computed here from its definition)
    x = ref - logps
    k3 = ((np.exp(x) - x - 1) * mask).sum() / mask.sum()
    assert ours - trl == pytest.approx(0.04 * k3, rel=1e-10)
    assert lossref.grpo(logps, old, ref, rewards, mask=mask, loss_type="bnpo", beta=0.0) == pytest.approx(
        trl, rel=1e-13
    )


def test_trl_grpo_dr_grpo_max_length():
    logps, old, ref, rewards, mask = _grpo_batch(3)
    flat = _flat(logps, old, ref, rewards, mask)
    trl = _trl_grpo_loss(*flat, 4, loss_type="dr_grpo")  # / (B × 256)
    ours = lossref.grpo(logps, old, ref, rewards, mask=mask, beta=0.0, loss_type="dr_grpo")  # / (B × T)
    assert ours == pytest.approx(trl * TRL_GRPO_MAX_COMPLETION_LENGTH / logps.shape[-1], rel=1e-13)
    kw = {"beta": 0.0, "loss_type": "dr_grpo", "max_completion_length": 256}
    assert lossref.grpo(logps, old, ref, rewards, mask=mask, **kw) == pytest.approx(trl, rel=1e-13)


# RLOOConfig's defaults in TRL v1.9.0 (trl/trainer/rloo_config.py)
TRL_RLOO_DEFAULTS = {"beta": 0.05, "epsilon": 0.2, "normalize_advantages": False}


def _trl_rloo_advantages(
    rewards, num_generations, *, beta=0.0, old_token_logps=None, ref_token_logps=None, mask=None
):
    # RLOOTrainer._generate_and_score_completions (v1.9.0): a k1 KL summed over each completion's tokens
    # comes off the reward, then the leave-one-out baseline (grouped sum − own) / (k − 1)
    if beta != 0.0:
        rewards = rewards - beta * ((old_token_logps - ref_token_logps) * mask).sum(-1)
    grouped = rewards.reshape(-1, num_generations)
    baselines = (grouped.sum(axis=1, keepdims=True) - grouped) / (num_generations - 1)
    return rewards - baselines.reshape(-1)


def _trl_rloo_loss(seq_logps, old_seq_logps, advantages, epsilon=0.2):
    # RLOOTrainer.compute_loss (v1.9.0): PPO's clipped surrogate on the sequence ratio, mean over completions
    coef_1 = np.exp(seq_logps - old_seq_logps)
    coef_2 = np.clip(coef_1, 1 - epsilon, 1 + epsilon)
    return -np.minimum(coef_1 * advantages, coef_2 * advantages).mean()


def _rloo_batch(seed=0, prompts=3, k=4, t=5):
    rng = np.random.default_rng(seed)
    token_logps = rng.uniform(-3.0, -0.05, size=(prompts * k, t))
    mask = (np.arange(t) < rng.integers(1, t + 1, size=(prompts * k, 1))).astype(float)
    ref = np.minimum(token_logps + rng.normal(scale=0.3, size=token_logps.shape), 0.0)
    rewards = rng.normal(size=prompts * k)
    return token_logps, ref, mask, rewards


def test_reinforce_rloo_matches_trl_gradient():
    token_logps, _, mask, rewards = _rloo_batch()
    seq = (token_logps * mask).sum(-1)  # TRL: (per_token_logps * completion_mask).sum(1)
    adv = _trl_rloo_advantages(rewards, 4)
    # lossref's RLOO advantages, group on the last axis
    ours = lossref.reinforce.grad(seq.reshape(3, 4), rewards.reshape(3, 4), baseline="rloo")
    np.testing.assert_allclose(-ours.reshape(-1) * seq.size, adv, rtol=1e-13, atol=1e-15)
    # TRL's loss on the first update (old = current, ρ = 1), differentiated by central differences
    numeric = lossref.numerical_gradient(lambda s: _trl_rloo_loss(s, seq, adv), seq.copy())
    np.testing.assert_allclose(ours.reshape(-1), numeric, rtol=1e-8, atol=1e-12)


def test_trl_rloo_clipped_ratio_value():
    token_logps, _, mask, rewards = _rloo_batch(1)
    seq = (token_logps * mask).sum(-1)
    adv = _trl_rloo_advantages(rewards, 4)
    trl = _trl_rloo_loss(seq, seq, adv)  # ρ = 1: −mean(A)
    assert trl == pytest.approx(-adv.mean(), rel=1e-12, abs=1e-15)
    ours = lossref.reinforce(seq.reshape(3, 4), rewards.reshape(3, 4), baseline="rloo")
    assert ours == pytest.approx(-(adv * seq).mean(), rel=1e-13)
    assert abs(ours - trl) > 0.1


def test_trl_rloo_kl_in_reward():
    token_logps, ref, mask, rewards = _rloo_batch(2)
    seq = (token_logps * mask).sum(-1)
    beta = TRL_RLOO_DEFAULTS["beta"]
    trl_adv = _trl_rloo_advantages(
        rewards, 4, beta=beta, old_token_logps=token_logps, ref_token_logps=ref, mask=mask
    )
    # lossref takes the rewards as given: the KL-shaped rewards give TRL's default advantages
    kl = ((token_logps - ref) * mask).sum(-1)
    shaped = (rewards - beta * kl).reshape(3, 4)
    g = lossref.reinforce.grad(seq.reshape(3, 4), shaped, baseline="rloo", reduction="sum")
    np.testing.assert_allclose(-g.reshape(-1), trl_adv, rtol=1e-12, atol=1e-14)
    # the raw rewards give other advantages
    raw = lossref.reinforce.grad(seq.reshape(3, 4), rewards.reshape(3, 4), baseline="rloo", reduction="sum")
    assert not np.allclose(-raw.reshape(-1), trl_adv, rtol=1e-6)


# --- issue 20: moe_load_balancing, denoising_score_matching, flow_matching ---


def _transformers_load_balancing(layers, num_experts, top_k, attention_mask=None):
    """transformers v4.57.1's load_balancing_loss_func (src/transformers/models/mixtral/modeling_mixtral.py).

    In NumPy, from its formula: the layers' logits concatenated, a softmax, each token's top_k
    experts one-hot over (token, choice, expert); f per (choice, expert) is a mean over tokens (a
    masked mean with an attention mask of shape (batch, sequence), repeated for every layer), P the
    same mean of the probabilities; the loss is num_experts · Σ f·P, with no coefficient.
    """
    z = np.concatenate(layers, axis=0)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    chosen = np.argsort(-p, axis=1, kind="stable")[:, :top_k]  # distinct values here: no ties
    one_hot = np.eye(num_experts)[chosen]  # (tokens, top_k, experts)
    if attention_mask is None:
        w = np.ones(len(z))
    else:
        w = np.tile(np.asarray(attention_mask, dtype=float).ravel(), len(layers))
    tokens_per_expert = np.einsum("t,tke->ke", w, one_hot) / w.sum()
    router_prob_per_expert = w @ p / w.sum()
    return float(np.sum(tokens_per_expert * router_prob_per_expert[None, :]) * num_experts)


def test_transformers_moe_top_k_counts():
    rng = np.random.default_rng(20)
    z = rng.normal(size=(12, 8))
    moe = lossref.moe_load_balancing
    # top-1: the Switch loss, with the coefficient outside
    assert _transformers_load_balancing((z,), 8, 1) == pytest.approx(moe(z, alpha=1.0), rel=1e-14)
    # top-2 (Mixtral's default): each choice counts a token, k times lossref's
    hf = _transformers_load_balancing((z,), 8, 2)
    assert hf == pytest.approx(2 * moe(z, top_k=2, alpha=1.0), rel=1e-14)
    assert abs(hf - moe(z, top_k=2, alpha=1.0)) > 0.5
    # a balanced top-2 router: transformers scores k = 2, lossref α
    balanced = 1e4 * np.eye(8)[[0, 1, 2, 3, 4, 5, 6, 7]] + 1e3 * np.eye(8)[[1, 2, 3, 4, 5, 6, 7, 0]]
    assert _transformers_load_balancing((balanced,), 8, 2) == pytest.approx(2.0, rel=1e-12)
    assert moe(balanced, top_k=2) == pytest.approx(1e-2, rel=1e-12)


def test_transformers_moe_layers_concatenated():
    rng = np.random.default_rng(21)
    layers = (rng.normal(size=(10, 4)), rng.normal(size=(10, 4)) + np.array([2.0, 0.0, 0.0, 0.0]))
    moe = lossref.moe_load_balancing
    hf = _transformers_load_balancing(layers, 4, 1)
    # one loss over the pooled rows...
    assert hf == pytest.approx(moe(np.concatenate(layers), alpha=1.0), rel=1e-14)
    # ...which is not the mean of the per-layer losses
    per_layer = np.mean([moe(z, alpha=1.0) for z in layers])
    assert abs(hf - per_layer) > 1e-3


def test_transformers_moe_attention_mask():
    rng = np.random.default_rng(22)
    batch, seq, n = 2, 5, 4
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    layers = tuple(rng.normal(size=(batch * seq, n)) for _ in range(3))
    hf = _transformers_load_balancing(layers, n, 2, attention_mask=mask)
    keep = np.tile(mask.ravel().astype(bool), len(layers))
    ours = lossref.moe_load_balancing(np.concatenate(layers)[keep], top_k=2, alpha=1.0)
    assert hf == pytest.approx(2 * ours, rel=1e-14)
    # the padding rows would otherwise count
    assert abs(_transformers_load_balancing(layers, n, 2) - hf) > 1e-3


def _torchcfm_target(x0, x1, t, sigma):
    """torchcfm v1.0.7's TargetConditionalFlowMatcher (torchcfm/conditional_flow_matching.py), in NumPy.

    Lipman et al.'s path from its noise x0 (its ε): x_t = t·x1 + (1 − (1 − σ)t)·x0, and
    u_t = (x1 − (1 − σ)·x_t) / (1 − (1 − σ)t).
    """
    t = t[:, None]
    xt = t * x1 + (1 - (1 - sigma) * t) * x0
    return xt, (x1 - (1 - sigma) * xt) / (1 - (1 - sigma) * t)


def _torchcfm_independent(x0, x1, t, sigma, eps):
    """torchcfm v1.0.7's ConditionalFlowMatcher (I-CFM): x_t = t·x1 + (1 − t)·x0 + σ·ε, u_t = x1 − x0."""
    t = t[:, None]
    return t * x1 + (1 - t) * x0 + sigma * eps, x1 - x0


def test_torchcfm_sigma_is_not_sigma_min():
    rng = np.random.default_rng(23)
    x0, x1, v, eps = rng.normal(size=(4, 8, 3))
    t = rng.uniform(0, 0.99, size=8)
    fm = lossref.flow_matching
    for sigma in (0.0, 1e-4, 0.1):
        # Target CFM: its sigma is σ_min, and its t-dependent formula is lossref's constant target
        _, ut = _torchcfm_target(x0, x1, t, sigma)
        np.testing.assert_allclose(ut, x1 - (1 - sigma) * x0, rtol=1e-10, atol=1e-12)
        assert np.mean((v - ut) ** 2) == pytest.approx(fm(v, x0, x1, sigma_min=sigma), rel=1e-10)
        # I-CFM: its sigma blurs the path and leaves the target x1 − x0, lossref's σ_min = 0
        _, ut = _torchcfm_independent(x0, x1, t, sigma, eps)
        assert np.mean((v - ut) ** 2) == pytest.approx(fm(v, x0, x1), rel=1e-14)
    assert abs(fm(v, x0, x1, sigma_min=0.1) - fm(v, x0, x1)) > 1e-3


def test_flow_matching_feature_mean():
    # Lipman et al. (eq. 23): ‖v − u‖², a sum over the D features; lossref (and torchcfm's
    # CIFAR-10 example, torch.mean over every entry) the mean: D times smaller per sample
    rng = np.random.default_rng(24)
    x0, x1, v = rng.normal(size=(3, 5, 7))
    paper = np.sum((v - (x1 - x0)) ** 2, axis=1)
    ours = lossref.flow_matching(v, x0, x1, reduction="none")
    np.testing.assert_allclose(paper, 7 * ours, rtol=1e-14)
    # torchcfm's example's number: the mean over all N·D entries, lossref's "mean"
    assert np.mean((v - (x1 - x0)) ** 2) == pytest.approx(lossref.flow_matching(v, x0, x1), rel=1e-14)


# --- issue 20: sinkhorn ---
# POT and GeomLoss are not installed: their computations, written from their sources at named
# releases, in NumPy.


def _pot_sinkhorn_knopp(a, b, cost, reg, num_iter_max=1000, stop_thr=1e-9):
    """POT 0.9.5, ot/bregman/_sinkhorn.py, sinkhorn_knopp: the plan, from the kernel e^{−M/reg}.

    u, v start at 1/dim; v = b / Kᵀu, u = 1 / ((1/a)·K v); every 10 iterations the L2 error of
    the column marginal is checked against stopThr; a zero in Kᵀu, or a NaN/inf in u or v, stops
    the loop (with a warning) and keeps the previous u, v. ``ot.sinkhorn2`` returns Σ M ⊙ P.
    """
    kernel = np.exp(cost / -reg)
    kp = (1 / a)[:, None] * kernel
    u, v = np.full(len(a), 1 / len(a)), np.full(len(b), 1 / len(b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for ii in range(num_iter_max):
            u_prev, v_prev = u, v
            ktu = kernel.T @ u
            v = b / ktu
            u = 1.0 / (kp @ v)
            if (ktu == 0).any() or not (np.isfinite(u).all() and np.isfinite(v).all()):
                u, v = u_prev, v_prev
                break
            if ii % 10 == 0 and np.linalg.norm(np.einsum("i,ij,j->j", u, kernel, v) - b) < stop_thr:
                break
    return u[:, None] * kernel * v[None, :]


def _pot_sinkhorn2(a, b, cost, reg):
    return float((cost * _pot_sinkhorn_knopp(a, b, cost, reg)).sum())


def _geomloss_sinkhorn(x, y, blur=0.05, scaling=0.5, debias=True, final_repeats=0):
    """GeomLoss 0.2.6, geomloss/sinkhorn_divergence.py + sinkhorn_samples.py, p = 2, uniform weights.

    Cost ½‖x − y‖², ε = blur²; ε-schedule [diameter², e^{2 log diameter}, …, blur²] in steps of
    scaling² (diameter: the diagonal of the bounding box of both clouds); potentials initialised
    by a softmin at the first ε, then one averaged symmetric update per ε, then a last
    (extrapolation) update; value ⟨a, f_ba − f_aa⟩ + ⟨b, g_ab − g_bb⟩ (debias) or ⟨a, f_ba⟩ + ⟨b, g_ab⟩.
    ``final_repeats`` appends that many more blur² to the schedule (not a GeomLoss option: its
    loop run to convergence at the last ε, to compare the converged values).
    """
    from scipy.special import logsumexp

    def cost(p, q):
        return ((p[:, None, :] - q[None, :, :]) ** 2).sum(-1) / 2

    def softmin(eps, c, h):
        return -eps * logsumexp(h[None, :] - c / eps, axis=1)

    both = np.concatenate([x, y])
    diameter = np.linalg.norm(both.max(0) - both.min(0))
    p = 2
    eps_list = (
        [diameter**p]
        + [np.exp(e) for e in np.arange(p * np.log(diameter), p * np.log(blur), p * np.log(scaling))]
        + [blur**p] * (1 + final_repeats)
    )
    a_log, b_log = np.full(len(x), -np.log(len(x))), np.full(len(y), -np.log(len(y)))
    c_xy, c_yx, c_xx, c_yy = cost(x, y), cost(y, x), cost(x, x), cost(y, y)
    eps = eps_list[0]
    g_ab, f_ba = softmin(eps, c_yx, a_log), softmin(eps, c_xy, b_log)
    f_aa, g_bb = softmin(eps, c_xx, a_log), softmin(eps, c_yy, b_log)
    for eps in eps_list:
        ft_ba, gt_ab = softmin(eps, c_xy, b_log + g_ab / eps), softmin(eps, c_yx, a_log + f_ba / eps)
        ft_aa, gt_bb = softmin(eps, c_xx, a_log + f_aa / eps), softmin(eps, c_yy, b_log + g_bb / eps)
        f_ba, g_ab = 0.5 * (f_ba + ft_ba), 0.5 * (g_ab + gt_ab)
        f_aa, g_bb = 0.5 * (f_aa + ft_aa), 0.5 * (g_bb + gt_bb)
    f_ba, g_ab = softmin(eps, c_xy, b_log + g_ab / eps), softmin(eps, c_yx, a_log + f_ba / eps)
    f_aa, g_bb = softmin(eps, c_xx, a_log + f_aa / eps), softmin(eps, c_yy, b_log + g_bb / eps)
    a, b = np.exp(a_log), np.exp(b_log)
    if debias:
        return float(a @ (f_ba - f_aa) + b @ (g_ab - g_bb))
    return float(a @ f_ba + b @ g_ab)


def _clouds(seed=0, n=4, m=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2)), rng.normal(size=(m, 2)) + np.array([1.0, 0.5])


def _sq_cost(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def test_pot_sinkhorn2_transport_cost():
    x, y = _clouds()
    a, b = np.full(4, 0.25), np.full(5, 0.2)
    cost, eps = _sq_cost(x, y), 0.5
    plan = _pot_sinkhorn_knopp(a, b, cost, eps)
    pot = _pot_sinkhorn2(a, b, cost, eps)
    kl = float((plan * np.log(plan / np.outer(a, b))).sum())
    ours = lossref.sinkhorn(x, y, epsilon=eps)
    # the same plan: OT_ε = ⟨P, C⟩ + ε KL(P ‖ a⊗b), to POT's stopping error (L2 marginal 1e-9)
    assert ours == pytest.approx(pot + eps * kl, rel=1e-8)
    assert ours - pot > 0.1  # ε·KL, not rounding
    # POT's entropy term ε Σ P log P is ε KL(P ‖ a⊗b) − ε(H(a) + H(b)): a constant shift, same plan
    neg_entropy = float((plan * np.log(plan)).sum())
    assert neg_entropy == pytest.approx(kl - np.log(4) - np.log(5), rel=1e-9)
    # its value is not what the envelope gradient differentiates: d⟨P, C⟩/dx ≠ 2 Σ_j P_ij (x_i − y_j)
    h = 1e-6
    moved = x.copy()
    moved[0, 0] += h
    slope = (_pot_sinkhorn2(a, b, _sq_cost(moved, y), eps) - pot) / h
    envelope = lossref.sinkhorn.grad(x, y, epsilon=eps)[0, 0]
    assert abs(slope - envelope) > 1e-3


def test_pot_sinkhorn_kernel_underflow():
    x, y = _clouds()
    a, b = np.full(4, 0.25), np.full(5, 0.2)
    cost = _sq_cost(x, y)
    eps = 1e-3
    assert (cost / eps > 745).all(axis=1).any()  # a row of e^{−C/ε} is all 0 in float64
    pot = _pot_sinkhorn2(a, b, cost, eps)
    ours = lossref.sinkhorn(x, y, epsilon=eps)
    assert np.isfinite(ours)
    # POT stops at its last finite scalings: a value with nothing to do with the OT cost
    assert not np.isfinite(pot) or abs(pot - ours) > 0.5 * ours
    # the log-domain value is the exact OT cost up to ε(log 4 + log 5) (here a linear program)
    from scipy.optimize import linprog

    n, m = cost.shape
    eq = np.vstack([np.kron(np.eye(n), np.ones(m)), np.kron(np.ones(n), np.eye(m))])
    lp = linprog(cost.ravel(), A_eq=eq, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    assert lp.fun - 1e-9 <= ours <= lp.fun + eps * (np.log(n) + np.log(m))
    # and lossref raises where POT (sinkhorn2: warn=False) would stop silently after numItermax
    with pytest.raises(RuntimeError, match="sinkhorn did not converge"):
        lossref.sinkhorn(x, y, epsilon=eps, max_iter=2)


def test_geomloss_half_cost():
    x, y = _clouds(1)
    blur = 0.5
    # GeomLoss's OT_{blur²} with ½‖x − y‖² is lossref's at ε = 2·blur², halved: OT_ε(½C) = ½ OT_{2ε}(C)
    half = lossref.sinkhorn(x / np.sqrt(2), y / np.sqrt(2), epsilon=blur**2)  # ‖x/√2 − y/√2‖² = ½‖x − y‖²
    assert half == pytest.approx(0.5 * lossref.sinkhorn(x, y, epsilon=2 * blur**2), rel=1e-13)
    # GeomLoss's own iterations, continued at blur² until they converge
    geom = _geomloss_sinkhorn(x, y, blur=blur, debias=False, final_repeats=300)
    assert geom == pytest.approx(half, rel=1e-9)
    assert abs(geom - lossref.sinkhorn(x, y, epsilon=blur**2)) > 0.1  # not the same ε-to-cost scale


def test_geomloss_debias_default():
    x, y = _clouds(2)
    blur = 0.5
    assert _geomloss_sinkhorn(x, x, blur=blur) == pytest.approx(0.0, abs=1e-12)
    assert lossref.sinkhorn(x, x, epsilon=2 * blur**2) > 0.1  # OT_ε(x, x): the entropic bias
    assert lossref.sinkhorn(x, x, epsilon=2 * blur**2, debias=True) == 0.0
    geom = _geomloss_sinkhorn(x, y, blur=blur, final_repeats=300)
    ours = 0.5 * lossref.sinkhorn(x, y, epsilon=2 * blur**2, debias=True)
    assert geom == pytest.approx(ours, rel=1e-9)


def test_geomloss_fixed_schedule():
    x, y = _clouds(3)
    blur = 0.1  # ε = 0.01 on unit data: GeomLoss's default schedule (scaling 0.5) is not converged
    ours = 0.5 * lossref.sinkhorn(x, y, epsilon=2 * blur**2, debias=True)
    quick = _geomloss_sinkhorn(x, y, blur=blur)  # its default scaling = 0.5: a dozen updates
    slow = _geomloss_sinkhorn(x, y, blur=blur, scaling=0.99)  # ~460 values, one update at blur²
    converged = _geomloss_sinkhorn(x, y, blur=blur, final_repeats=3000)
    assert converged == pytest.approx(ours, rel=1e-9)
    # a fixed number of updates: off by their convergence error, which a slower schedule does not remove
    assert abs(quick - ours) > 1e-6 * ours
    assert abs(slow - ours) > 1e-6 * ours


# --- issue 20: rnnt ---
# torchaudio's rnnt_loss is not installable here (no release matches this PyTorch). These are
# its conventions from torchaudio's src/torchaudio/functional/functional.py at commit b29b6ad
# (rnnt_loss: blank=-1 read as V + blank, clamp=-1, reduction="mean" as costs.mean(),
# fused_log_softmax=True) and src/libtorchaudio/rnnt/cpu/cpu_kernels.h at commit 1d3ac6d (the
# per-sequence costs and logit gradients),
# written out in NumPy with loops, one node at a time, as the kernel runs.


def _torchaudio_rnnt(
    z, targets, logit_lengths, target_lengths, blank=-1, clamp=-1.0, reduction="mean", fused=True
):
    z = np.asarray(z, dtype=float)
    n, _, _, v = z.shape
    blank = v + blank if blank < 0 else blank
    denom = np.log(np.exp(z).sum(axis=-1)) if fused else np.zeros(z.shape[:-1])
    costs, grads = np.zeros(n), np.zeros_like(z)
    for b in range(n):
        t_len, u_len = int(logit_lengths[b]), int(target_lengths[b]) + 1  # U + 1 nodes per frame
        skip = z[b, :, :, blank] - denom[b]
        emit = np.full(z.shape[1:3], -np.inf)
        for u in range(u_len - 1):
            emit[:, u] = z[b, :, u, targets[b][u]] - denom[b, :, u]
        alpha, beta = np.zeros((t_len, u_len)), np.zeros((t_len, u_len))
        for t in range(t_len):
            for u in range(u_len):
                if t == 0 and u == 0:
                    continue
                terms = ([alpha[t - 1, u] + skip[t - 1, u]] if t else []) + (
                    [alpha[t, u - 1] + emit[t, u - 1]] if u else []
                )
                alpha[t, u] = np.logaddexp.reduce(terms)
        for t in range(t_len - 1, -1, -1):
            for u in range(u_len - 1, -1, -1):
                if t == t_len - 1 and u == u_len - 1:
                    beta[t, u] = skip[t, u]
                    continue
                terms = ([beta[t + 1, u] + skip[t, u]] if t < t_len - 1 else []) + (
                    [beta[t, u + 1] + emit[t, u]] if u < u_len - 1 else []
                )
                beta[t, u] = np.logaddexp.reduce(terms)
        cost = -beta[0, 0]
        costs[b] = cost
        for t in range(t_len):
            for u in range(u_len):
                for d in range(v):
                    if fused:  # exp(z + α + cost − denom)·(e^β(t,u) − e^β(next))
                        g = z[b, t, u, d] + alpha[t, u] + cost - denom[b, t, u]
                        if d == blank and t == t_len - 1 and u == u_len - 1:
                            out = np.exp(g + beta[t, u]) - np.exp(g)
                        elif d == blank and t < t_len - 1:
                            out = np.exp(g + beta[t, u]) - np.exp(g + beta[t + 1, u])
                        elif u < u_len - 1 and d == targets[b][u]:
                            out = np.exp(g + beta[t, u]) - np.exp(g + beta[t, u + 1])
                        else:
                            out = np.exp(g + beta[t, u])
                    else:  # −γ with respect to the log-probabilities
                        g = cost + z[b, t, u, d] + alpha[t, u]
                        if d == blank and t == t_len - 1 and u == u_len - 1:
                            out = -np.exp(g)
                        elif d == blank and t < t_len - 1:
                            out = -np.exp(g + beta[t + 1, u])
                        elif u < u_len - 1 and d == targets[b][u]:
                            out = -np.exp(g + beta[t, u + 1])
                        else:
                            out = 0.0
                    grads[b, t, u, d] = np.clip(out, -clamp, clamp) if clamp > 0 else out
    if reduction == "mean":
        return costs.mean(), grads / n
    if reduction == "sum":
        return costs.sum(), grads
    return costs, grads


def _rnnt_batch(seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2.0, size=(3, 4, 3, 5))  # B = 3, T = 4, U = 2, V = 5
    targets = np.array([[1, 2], [3, 3], [2, 0]])  # labels in 1..3: neither blank 0 nor blank 4 = −1
    return z, targets, np.array([4, 3, 2]), np.array([2, 2, 1])


def test_torchaudio_rnnt_blank_last():
    z, y, t_len, u_len = _rnnt_batch()
    value, grad = _torchaudio_rnnt(z, y, t_len, u_len)  # torchaudio's defaults: blank=-1, "mean"
    assert lossref.rnnt(z, y, t_len, u_len, blank=-1) == pytest.approx(value, rel=1e-13)
    assert lossref.rnnt(z, y, t_len, u_len, blank=4) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(lossref.rnnt.grad(z, y, t_len, u_len, blank=-1), grad, rtol=1e-10, atol=1e-15)
    # lossref's default blank is class 0: another loss on the same logits
    assert abs(lossref.rnnt(z, y, t_len, u_len) - value) > 0.1
    assert lossref.rnnt(z, y, t_len, u_len) == pytest.approx(_torchaudio_rnnt(z, y, t_len, u_len, blank=0)[0])
    # both means are over the batch, not per target length (unlike PyTorch's CTC mean)
    per_sequence = lossref.rnnt(z, y, t_len, u_len, blank=-1, reduction="none")
    assert value == pytest.approx(per_sequence.mean(), rel=1e-14)
    assert abs(value - np.mean(per_sequence / u_len)) > 0.5
    assert lossref.rnnt(z, y, t_len, u_len, blank=-1, reduction="sum") == pytest.approx(3 * value, rel=1e-14)
    # nodes past a sequence's lengths get zero gradient in both
    g = lossref.rnnt.grad(z, y, t_len, u_len, blank=-1)
    assert (g[1, 3:] == 0).all()
    assert (g[2, 2:] == 0).all()
    assert (g[2, :, 2:] == 0).all()
    assert (grad[g == 0] == 0).all()


def test_torchaudio_rnnt_clamp():
    # clamp clips each logit-gradient entry of every sequence's cost; the loss is unchanged
    z, y, t_len, u_len = _rnnt_batch(1)
    value, clipped = _torchaudio_rnnt(z, y, t_len, u_len, blank=0, clamp=0.1, reduction="sum")
    assert lossref.rnnt(z, y, t_len, u_len, reduction="sum") == pytest.approx(value, rel=1e-13)
    ours = lossref.rnnt.grad(z, y, t_len, u_len, reduction="sum")
    assert np.abs(ours).max() > 0.5  # the clamp bites
    np.testing.assert_allclose(np.clip(ours, -0.1, 0.1), clipped, rtol=1e-10, atol=1e-15)


def test_torchaudio_rnnt_unfused_log_softmax():
    z, y, t_len, u_len = _rnnt_batch(2)
    log_p = z - np.logaddexp.reduce(z, axis=-1, keepdims=True)
    value, minus_gamma = _torchaudio_rnnt(log_p, y, t_len, u_len, blank=0, reduction="sum", fused=False)
    # lossref applies log_softmax again: log-probabilities are their own log_softmax, same loss
    assert lossref.rnnt(log_p, y, t_len, u_len, reduction="sum") == pytest.approx(value, rel=1e-13)
    assert lossref.rnnt(z, y, t_len, u_len, reduction="sum") == pytest.approx(value, rel=1e-13)
    # torchaudio's unfused gradient is −γ (per log-probability); lossref's is the logit gradient
    # p·Σγ − γ, which is −γ pushed back through log_softmax
    ours = lossref.rnnt.grad(log_p, y, t_len, u_len, reduction="sum")
    assert np.abs(ours - minus_gamma).max() > 0.1
    through = minus_gamma - np.exp(log_p) * minus_gamma.sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(ours, through, rtol=1e-10, atol=1e-15)
    fused = _torchaudio_rnnt(z, y, t_len, u_len, blank=0, reduction="sum")[1]
    np.testing.assert_allclose(ours, fused, rtol=1e-10, atol=1e-15)


# --- issue 20: denoising score matching against Song et al.'s code (yang-song/score_sde_pytorch
# commit d046e72, losses.py), written out in NumPy ---


def _score_sde_loss(score, noisy, clean, std, reduce_mean):
    # get_sde_loss_fn with likelihood_weighting=False: z is the standard normal draw, x̃ = x + σz;
    # losses = (score·σ + z)², reduced over the data dimensions (mean, or half the sum)
    z = (noisy - clean) / std[:, None]
    squares = (score * std[:, None] + z) ** 2
    return squares.mean(axis=-1) if reduce_mean else 0.5 * squares.sum(axis=-1)


def test_score_sde_reduce_mean():
    rng = np.random.default_rng(7)
    clean, std = rng.normal(size=(4, 6)), np.array([0.01, 0.3, 1.0, 20.0])
    noisy = clean + std[:, None] * rng.normal(size=(4, 6))
    score = rng.normal(size=(4, 6))
    ours = lossref.denoising_score_matching(score, noisy, clean, std, reduction="none")
    # reduce_mean=False is this loss (λ = σ², half the sum over the features); the batch mean too
    np.testing.assert_allclose(ours, _score_sde_loss(score, noisy, clean, std, False), rtol=1e-13)
    assert lossref.denoising_score_matching(score, noisy, clean, std) == pytest.approx(
        _score_sde_loss(score, noisy, clean, std, False).mean(), rel=1e-13
    )
    # reduce_mean=True: the mean of the squares, 2/D times this loss
    np.testing.assert_allclose(_score_sde_loss(score, noisy, clean, std, True), ours * 2 / 6, rtol=1e-13)


# --- issue 20: negative_sampling ---
# word2vec.c (tmikolov/word2vec, commit e092540, the skip-gram NEGATIVE SAMPLING loop of
# TrainModelThread), written in NumPy: for each pair (label 1 for the true word, 0 for a drawn one)
# g = (label − σ̃(f))·alpha, with σ̃ read from expTable (EXP_TABLE_SIZE 1000, MAX_EXP 6) and
# clipped to 0/1 beyond ±6; a drawn word equal to the true word is skipped.


def _word2vec_sigmoid(f):
    table_size, max_exp = 1000, 6
    i = np.arange(table_size)
    table = 1 / (1 + np.exp(-((i / table_size * 2 - 1) * max_exp)))
    step = table_size // max_exp // 2  # C integer division: 83
    f = np.asarray(f, dtype=float)
    inside = np.clip(((f + max_exp) * step).astype(int), 0, table_size - 1)
    return np.where(f > max_exp, 1.0, np.where(f < -max_exp, 0.0, table[inside]))


def _word2vec_g(f, label, alpha=0.025):
    """word2vec's g: the learning rate times minus the derivative of the loss by the score f."""
    return (label - _word2vec_sigmoid(f)) * alpha


def test_word2vec_clipped_sigmoid():
    neg = np.array([[0.3, -1.2, 2.5], [-0.7, 0.1, 4.0]])
    pos = np.array([1.1, -2.0])
    alpha = 0.025
    g_neg = lossref.negative_sampling.grad(neg, pos, reduction="sum", argnum="negative_scores")
    g_pos = lossref.negative_sampling.grad(neg, pos, reduction="sum", argnum="positive_scores")
    # inside ±6 word2vec's update is −alpha times lossref's gradient, up to its σ table
    assert np.allclose(_word2vec_g(neg, 0, alpha), -alpha * g_neg, atol=0.04 * alpha)
    assert np.allclose(_word2vec_g(pos, 1, alpha), -alpha * g_pos, atol=0.04 * alpha)
    assert np.abs(_word2vec_g(neg, 0, alpha) + alpha * g_neg).max() > 1e-4 * alpha  # but not exactly
    # beyond ±6 word2vec stops: a negative at f = −7 and a positive at f = 7 get exactly g = 0
    assert _word2vec_g(np.array([-7.0]), 0)[0] == 0.0
    assert _word2vec_g(np.array([7.0]), 1)[0] == 0.0
    g = lossref.negative_sampling.grad([[-7.0]], [7.0], reduction="sum")
    assert 0 < g[0, 0] < 1e-3  # σ(−7) = 9.1e-4: lossref still pushes


def test_word2vec_skips_accidental_hits():
    # true word 3; drawn words (5, 3, 8): word2vec updates (3, label 1), (5, 0), (8, 0) and skips
    # the second draw; lossref takes what it is given, so pass the two remaining scores
    scores = {3: 1.5, 5: -0.5, 8: 0.7}
    drawn = [5, 3, 8]
    kept = [scores[w] for w in drawn if w != 3]
    loss_kept = lossref.negative_sampling([kept], [scores[3]])
    loss_all = lossref.negative_sampling([[scores[w] for w in drawn]], [scores[3]])
    g = lossref.negative_sampling.grad([kept], [scores[3]], reduction="sum")
    assert np.allclose(_word2vec_g(np.array(kept), 0), -0.025 * g[0], atol=0.04 * 0.025)
    # the accidental hit, left in, adds softplus(s⁺) as if the true word were a negative
    assert loss_all - loss_kept == pytest.approx(np.logaddexp(0, scores[3]), rel=1e-14)
    # a masked slot at −1e4 contributes nothing
    assert lossref.negative_sampling([[-0.5, -1e4, 0.7]], [1.5]) == loss_kept


# --- issue 20: gradient_penalty ---
def test_gradient_penalty_double_backward_matches_torch():
    import torch

    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    x_hat = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    torch_gp = 10.0 * ((g.norm(dim=1) - 1) ** 2).mean()
    ref = lossref.gradient_penalty(g.detach().numpy(), lam=10.0)
    assert ref == pytest.approx(torch_gp.item(), rel=1e-12)
    params = [*critic.parameters(), x_hat]
    want = torch.autograd.grad(torch_gp, params, retain_graph=True, allow_unused=True)
    upstream = torch.from_numpy(lossref.gradient_penalty.grad(g.detach().numpy(), lam=10.0))
    got = torch.autograd.grad(g, params, grad_outputs=upstream, allow_unused=True)
    # the last layer's bias does not reach the input gradient: None in both
    assert [a is None for a in got] == [b is None for b in want] == [False, False, False, True, False]
    for a, b in ((a, b) for a, b in zip(got, want, strict=True) if a is not None):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


# --- issue 20: r1_penalty ---
def _stylegan2_r1(real_grads, gamma=10.0):
    # NVlabs/stylegan2 commit bb434f3, training/loss.py, D_logistic_r1: per image
    # reduce_sum(square(real_grads), axis=[1,2,3]) * (gamma * 0.5); the training loop averages it
    return (np.sum(np.square(real_grads), axis=(1, 2, 3)) * (gamma * 0.5)).mean()


def test_r1_penalty_matches_stylegan2_on_images():
    rng = np.random.default_rng(20)
    g = rng.normal(size=(4, 3, 5, 5))  # N, C, H, W: flatten to rows for lossref
    rows = g.reshape(4, -1)
    assert lossref.r1_penalty(rows) == pytest.approx(_stylegan2_r1(g), rel=1e-14)
    assert lossref.r1_penalty(rows, gamma=2.0) == pytest.approx(_stylegan2_r1(g, gamma=2.0), rel=1e-14)
    # both default to γ = 10
    assert lossref.r1_penalty.hyperparameters["gamma"] == 10.0


def test_gan_stability_r1_no_half():
    # LMescheder/GAN_stability commit 54111d3, gan_training/train.py: reg_param * compute_grad2(...).mean(),
    # compute_grad2 = per-sample sum of squared input gradients; configs/default.yaml reg_param: 10.
    rng = np.random.default_rng(21)
    g = rng.normal(size=(3, 2, 4, 4))
    reg_param = 10.0
    gan_stability = reg_param * np.square(g).reshape(3, -1).sum(1).mean()
    rows = g.reshape(3, -1)
    assert lossref.r1_penalty(rows, gamma=2 * reg_param) == pytest.approx(gan_stability, rel=1e-14)
    assert lossref.r1_penalty(rows, gamma=reg_param) == pytest.approx(gan_stability / 2, rel=1e-14)


def test_r1_penalty_double_backward_matches_torch():
    import torch

    torch.manual_seed(1)
    critic = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Softplus(), torch.nn.Linear(4, 1)).double()
    x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)  # real samples
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    torch_r1 = 10.0 / 2 * g.pow(2).sum(dim=1).mean()
    assert lossref.r1_penalty(g.detach().numpy(), gamma=10.0) == pytest.approx(torch_r1.item(), rel=1e-12)
    # lossref's ∂ℓ/∂g, pushed through ∂g/∂θ (a vector–Jacobian product of the input gradient,
    # i.e. a Hessian-vector product for x), is PyTorch's double-backward gradient of the penalty
    params = [*critic.parameters(), x]
    want = torch.autograd.grad(torch_r1, params, retain_graph=True, allow_unused=True)
    upstream = torch.from_numpy(lossref.r1_penalty.grad(g.detach().numpy(), gamma=10.0))
    got = torch.autograd.grad(g, params, grad_outputs=upstream, allow_unused=True)
    assert [a is None for a in got] == [b is None for b in want] == [False, False, False, True, False]
    for a, b in ((a, b) for a, b in zip(got, want, strict=True) if a is not None):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


# --- issue 20: relativistic average GAN (gan_discriminator / gan_generator) ---
def _bce_with_logits_mean(z, y):
    # torch.nn.BCEWithLogitsLoss() (reduction "mean"): mean of max(z, 0) − z·y + log(1 + e^{−|z|})
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def _relativistic_gan_author_code(y_pred, y_pred_fake):
    # AlexiaJM/RelativisticGAN commit 0b9e1f9, code/GAN_losses_iter.py, loss_D == 6 (RaSGAN):
    # errD = (BCE(y_pred − mean(y_pred_fake), 1) + BCE(y_pred_fake − mean(y_pred), 0)) / 2
    # errG = (BCE(y_pred − mean(y_pred_fake), 0) + BCE(y_pred_fake − mean(y_pred), 1)) / 2
    rel_real, rel_fake = y_pred - np.mean(y_pred_fake), y_pred_fake - np.mean(y_pred)
    err_d = (_bce_with_logits_mean(rel_real, 1.0) + _bce_with_logits_mean(rel_fake, 0.0)) / 2
    err_g = (_bce_with_logits_mean(rel_real, 0.0) + _bce_with_logits_mean(rel_fake, 1.0)) / 2
    return err_d, err_g


def test_ragan_author_code_halves():
    rng = np.random.default_rng(2018)
    r, f = rng.normal(scale=2.0, size=8), rng.normal(scale=2.0, size=8)
    err_d, err_g = _relativistic_gan_author_code(r, f)
    ra = {"variant": "relativistic_average"}
    assert lossref.gan_discriminator(r, f, **ra) == pytest.approx(2 * err_d, rel=1e-14)
    assert lossref.gan_generator(f, real_logits=r, **ra) == pytest.approx(2 * err_g, rel=1e-14)


def test_relativistic_average_gan_matches_torch_autograd():
    # the same losses written with torch's BCE-with-logits and batch means: value and autograd
    # gradients for both logit arguments (PyTorch 2.13.0, the pinned release)
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(7)
    r_np, f_np = rng.normal(scale=3.0, size=(4, 2)), rng.normal(scale=3.0, size=(4, 2))
    r = torch.tensor(r_np, requires_grad=True)
    f = torch.tensor(f_np, requires_grad=True)
    rel_r, rel_f = r - f.mean(), f - r.mean()
    ones, zeros = torch.ones_like(r), torch.zeros_like(r)
    loss_d = F.binary_cross_entropy_with_logits(rel_r, ones) + F.binary_cross_entropy_with_logits(
        rel_f, zeros
    )
    loss_g = F.binary_cross_entropy_with_logits(rel_f, ones) + F.binary_cross_entropy_with_logits(
        rel_r, zeros
    )
    d_r, d_f = torch.autograd.grad(loss_d, (r, f))
    (g_f,) = torch.autograd.grad(loss_g, f)
    ra = {"variant": "relativistic_average"}
    d = lossref.gan_discriminator
    assert d(r_np, f_np, **ra) == pytest.approx(loss_d.item(), rel=1e-13)
    np.testing.assert_allclose(d.grad(r_np, f_np, **ra), d_r.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d.grad(r_np, f_np, argnum=1, **ra), d_f.numpy(), rtol=1e-12, atol=1e-15)
    assert lossref.gan_generator(f_np, real_logits=r_np, **ra) == pytest.approx(loss_g.item(), rel=1e-13)
    np.testing.assert_allclose(
        lossref.gan_generator.grad(f_np, real_logits=r_np, **ra), g_f.numpy(), rtol=1e-12, atol=1e-15
    )


# --- issue 20: sampled_softmax ---
# tf.nn.sampled_softmax_loss (TensorFlow source at version 2.22.0 in tensorflow/tf_version.bzl,
# tensorflow/python/ops/nn_impl.py: sampled_softmax_loss and _compute_sampled_logits), written in
# NumPy: true logits x·w_y + b_y of shape (N, T), one shared sample of K classes with logits
# x·w_c + b_c of shape (N, K); with remove_accidental_hits (the default) a sampled class equal to
# one of the row's true classes gets −FLOAT_MAX added; then log(expected count) is subtracted from
# every logit, and the loss per example is the softmax cross-entropy of the row [true, sampled]
# against targets (1/T, ..., 1/T, 0, ..., 0). No reduction: one loss per example.


def _tf_compute_sampled_logits(inputs, weights, biases, labels, sampled, true_count, sampled_count, hits):
    """TensorFlow's _compute_sampled_logits, which sampled_softmax_loss and nce_loss share.

    Returns the row [true logits, sampled logits] with log(expected count) subtracted, and its targets.
    """
    labels = np.asarray(labels).reshape(len(inputs), -1)  # [batch_size, num_true]
    true_logits = np.einsum("nd,ntd->nt", inputs, weights[labels]) + biases[labels]
    sampled_logits = inputs @ weights[sampled].T + biases[sampled]
    if hits:
        hit = (labels[:, :, None] == sampled[None, None, :]).any(axis=1)
        sampled_logits = sampled_logits + np.where(hit, -np.finfo(np.float32).max, 0.0)
    true_logits = true_logits - np.log(true_count)
    sampled_logits = sampled_logits - np.log(sampled_count)
    logits = np.concatenate([true_logits, sampled_logits], axis=1)
    targets = np.concatenate(
        [np.full(true_logits.shape, 1 / labels.shape[1]), np.zeros(sampled_logits.shape)], 1
    )
    return logits, targets


def _tf_sampled_softmax_loss(inputs, weights, biases, labels, sampled, true_count, sampled_count, hits=True):
    logits, targets = _tf_compute_sampled_logits(
        inputs, weights, biases, labels, sampled, true_count, sampled_count, hits
    )
    log_softmax = logits - logits.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    return -(targets * log_softmax).sum(axis=1)


def _tf_problem(seed=0, n=4, vocab=30, dim=3):
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, dim)), rng.normal(size=(vocab, dim)), rng.normal(size=vocab)
    q = np.exp(-0.1 * np.arange(vocab))
    q /= q.sum()
    return x, w, b, q


def test_tf_sampled_softmax_matches():
    x, w, b, q = _tf_problem()
    labels = np.array([2, 7, 11, 19])
    sampled = np.array([0, 1, 3, 5, 8, 14])  # no accidental hit
    k = len(sampled)
    tf = _tf_sampled_softmax_loss(x, w, b, labels, sampled, k * q[labels][:, None], k * q[sampled])
    scores = x @ w.T + b
    ours = lossref.sampled_softmax(
        scores[:, sampled],
        scores[np.arange(4), labels],
        np.broadcast_to(np.log(k * q[sampled]), (4, k)),
        np.log(k * q[labels]),
        reduction="none",
    )
    np.testing.assert_allclose(ours, tf, rtol=1e-13)


def test_tf_removes_accidental_hits():
    x, w, b, q = _tf_problem(1)
    labels = np.array([2, 7, 11, 19])
    sampled = np.array([0, 7, 3, 2, 8, 14])  # class 7 hits row 1, class 2 hits row 0
    k = len(sampled)
    scores = x @ w.T + b
    neg, pos = scores[:, sampled], scores[np.arange(4), labels]
    log_neg, log_pos = np.broadcast_to(np.log(k * q[sampled]), (4, k)), np.log(k * q[labels])
    tf_default = _tf_sampled_softmax_loss(x, w, b, labels, sampled, k * q[labels][:, None], k * q[sampled])
    tf_kept = _tf_sampled_softmax_loss(
        x, w, b, labels, sampled, k * q[labels][:, None], k * q[sampled], hits=False
    )
    ours = lossref.sampled_softmax(neg, pos, log_neg, log_pos, reduction="none")
    # lossref takes the given scores: TensorFlow with remove_accidental_hits=False
    np.testing.assert_allclose(ours, tf_kept, rtol=1e-13)
    # the default differs on the two rows with a hit, and only there
    assert np.all(tf_default[[0, 1]] < ours[[0, 1]] - 1e-3)
    np.testing.assert_allclose(tf_default[[2, 3]], ours[[2, 3]], rtol=1e-13)
    # masking the hit slots with −1e300 reproduces TensorFlow's default
    masked = np.where(labels[:, None] == sampled[None, :], -1e300, neg)
    np.testing.assert_allclose(
        lossref.sampled_softmax(masked, pos, log_neg, log_pos, reduction="none"), tf_default, rtol=1e-13
    )


def test_tf_num_true():
    x, w, b, q = _tf_problem(2)
    labels = np.array([[2, 5], [7, 1], [11, 12], [19, 0]])  # num_true = 2
    sampled = np.array([3, 4, 8, 14, 20])
    k = len(sampled)
    tf = _tf_sampled_softmax_loss(x, w, b, labels, sampled, k * q[labels], k * q[sampled])
    scores = x @ w.T + b
    rows = np.arange(4)
    per_true = []
    for t in range(2):  # true class t; the other true class joins the negatives
        other = labels[:, 1 - t]
        neg = np.column_stack([scores[rows, other], scores[:, sampled]])
        log_neg = np.column_stack([np.log(k * q[other]), np.broadcast_to(np.log(k * q[sampled]), (4, k))])
        pos, log_pos = scores[rows, labels[:, t]], np.log(k * q[labels[:, t]])
        per_true.append(lossref.sampled_softmax(neg, pos, log_neg, log_pos, reduction="none"))
    np.testing.assert_allclose(np.mean(per_true, axis=0), tf, rtol=1e-13)


def test_tf_per_example_shared_sample():
    x, w, b, q = _tf_problem(3)
    labels = np.array([2, 7, 11, 19])
    sampled = np.array([0, 1, 3, 5, 8, 14])
    k = len(sampled)
    tf = _tf_sampled_softmax_loss(x, w, b, labels, sampled, k * q[labels][:, None], k * q[sampled])
    assert tf.shape == (4,)  # one loss per example, not reduced
    scores = x @ w.T + b
    # the shared sample's (K,) counts are broadcast to one (N, K) row per example
    args = (
        scores[:, sampled],
        scores[np.arange(4), labels],
        np.broadcast_to(np.log(k * q[sampled]), (4, k)),
        np.log(k * q[labels]),
    )
    assert lossref.sampled_softmax(*args) == pytest.approx(tf.mean(), rel=1e-13)  # lossref: the mean
    np.testing.assert_allclose(lossref.sampled_softmax(*args, reduction="none"), tf, rtol=1e-13)
    with pytest.raises(ValueError, match="negative_log_counts has shape"):
        lossref.sampled_softmax(*args[:2], np.log(k * q[sampled]), args[3])


def test_sampled_softmax_is_torch_cross_entropy_on_the_corrected_row():
    # PyTorch has no sampled softmax; F.cross_entropy on [s⁺ − log k⁺, s⁻ − log k⁻] with target 0 is it
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    neg, pos = rng.normal(size=(5, 7)), rng.normal(size=5)
    log_neg, log_pos = rng.uniform(-4, 1, size=(5, 7)), rng.uniform(-4, 1, size=5)
    row = torch.tensor(np.concatenate([(pos - log_pos)[:, None], neg - log_neg], axis=1), requires_grad=True)
    loss = torch.nn.functional.cross_entropy(row, torch.zeros(5, dtype=torch.long))
    loss.backward()
    assert lossref.sampled_softmax(neg, pos, log_neg, log_pos) == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(
        lossref.sampled_softmax.grad(neg, pos, log_neg, log_pos), row.grad[:, 1:], rtol=1e-12
    )
    g_pos = lossref.sampled_softmax.grad(neg, pos, log_neg, log_pos, argnum="positive_scores")
    np.testing.assert_allclose(g_pos, row.grad[:, 0], rtol=1e-12)


# --- issue 20: generalized_jsd ---


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _trl_generalized_jsd(
    student_logits,
    teacher_logits,
    labels=None,
    beta=0.5,
    temperature=1.0,
    reduction="batchmean",
    num_items_in_batch=None,
):
    """GKDTrainer.generalized_jsd_loss, TRL v1.9.0 (trl/experimental/gkd/gkd_trainer.py), in NumPy.

    F.kl_div(input, target, log_target=True, reduction="none") is exp(target)·(target − input):
    KL(target ‖ input) per element.
    """
    s = _log_softmax(np.asarray(student_logits, float) / temperature)
    t = _log_softmax(np.asarray(teacher_logits, float) / temperature)
    if beta == 0:
        jsd = np.exp(t) * (t - s)  # kl_div(student, teacher): KL(t ‖ s)
    elif beta == 1:
        jsd = np.exp(s) * (s - t)  # kl_div(teacher, student): KL(s ‖ t)
    else:
        mixture = np.logaddexp(s + np.log1p(-beta), t + np.log(beta))  # logsumexp of the stacked pair
        jsd = beta * np.exp(t) * (t - mixture) + (1 - beta) * np.exp(s) * (s - mixture)
    if labels is not None:
        mask = np.asarray(labels) != -100
        jsd = jsd[mask]
    if num_items_in_batch is not None:
        return jsd.sum() / num_items_in_batch
    if reduction == "batchmean":
        return jsd.sum() / (max(mask.sum(), 1) if labels is not None else max(jsd.shape[0], 1))
    if reduction == "sum":
        return jsd.sum()
    if reduction == "mean":
        return jsd.mean()
    return jsd


def _gkd_batch(seed=0, b=3, length=4, v=6):
    rng = np.random.default_rng(seed)
    zs, zt = rng.normal(scale=2.0, size=(2, b, length, v))
    labels = rng.integers(0, v, size=(b, length))
    labels[0, :2] = -100  # a prompt
    labels[2, 3] = -100  # padding
    return zs, zt, labels


@pytest.mark.parametrize("beta", [0.1, 0.5, 0.9, 1e-6])
def test_trl_generalized_jsd_is_generalized_jsd(beta):
    zs, zt, labels = _gkd_batch()
    mask = (labels != -100).astype(float)
    ours = lossref.generalized_jsd(_log_softmax(zs), _log_softmax(zt), beta=beta, weights=mask)
    # compute_loss passes labels (and no temperature): the per-token mean over unmasked tokens
    assert _trl_generalized_jsd(zs, zt, labels, beta=beta) == pytest.approx(ours, rel=1e-12)
    # a temperature divides the logits, with no T² factor
    hot = lossref.generalized_jsd(_log_softmax(zs / 2), _log_softmax(zt / 2), beta=beta, weights=mask)
    assert _trl_generalized_jsd(zs, zt, labels, beta=beta, temperature=2.0) == pytest.approx(hot, rel=1e-12)


def test_trl_generalized_jsd_gradient_in_torch():
    # TRL v1.9.0's formula in torch ops (F.kl_div, torch.logsumexp), float64, autograd through
    # log_softmax for both logits; lossref's ∂ℓ/∂a chained through a = log_softmax(z): g − s·Σg
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    zs, zt, labels = _gkd_batch(1)
    beta = 0.3
    s_logits = torch.tensor(zs, requires_grad=True)
    t_logits = torch.tensor(zt, requires_grad=True)
    s, t = F.log_softmax(s_logits, dim=-1), F.log_softmax(t_logits, dim=-1)
    b = torch.tensor(beta, dtype=torch.float64)
    mixture = torch.logsumexp(torch.stack([s + torch.log1p(-b), t + torch.log(b)]), dim=0)
    jsd = b * F.kl_div(mixture, t, reduction="none", log_target=True) + (1 - b) * F.kl_div(
        mixture, s, reduction="none", log_target=True
    )
    mask = torch.tensor(labels) != -100
    loss = jsd[mask].sum() / mask.sum()
    loss.backward()
    a, bb, w = _log_softmax(zs), _log_softmax(zt), mask.numpy().astype(float)
    value, grads = lossref.generalized_jsd(a, bb, beta=beta, weights=w), {}
    for k in (0, 1):
        g = lossref.generalized_jsd.grad(a, bb, beta=beta, weights=w, argnum=k)
        p = np.exp(a if k == 0 else bb)
        grads[k] = g - p * g.sum(axis=-1, keepdims=True)
    assert loss.item() == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(s_logits.grad.numpy(), grads[0], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(t_logits.grad.numpy(), grads[1], rtol=1e-10, atol=1e-15)


def test_trl_gkd_beta_endpoints():
    zs, zt, _ = _gkd_batch(2)
    a, b = _log_softmax(zs[0]), _log_softmax(zt[0])  # (L, V) rows
    forward = kl_div(a, np.exp(b))  # KL(t ‖ s), mean over rows
    reverse = kl_div(b, np.exp(a))  # KL(s ‖ t)
    # (L, V) logits: TRL's batchmean without labels divides by the first dimension, the rows here
    assert _trl_generalized_jsd(zs[0], zt[0], beta=0.0) == pytest.approx(forward, rel=1e-12)
    assert _trl_generalized_jsd(zs[0], zt[0], beta=1.0) == pytest.approx(reverse, rel=1e-12)
    # the mixture formula tends to 0 at both ends, as β·KL(t ‖ s) and (1 − β)·KL(s ‖ t)
    eps = 1e-7
    low = lossref.generalized_jsd(a, b, beta=eps)
    high = lossref.generalized_jsd(a, b, beta=1 - eps)
    assert low / eps == pytest.approx(forward, rel=1e-5)
    assert high / eps == pytest.approx(reverse, rel=1e-5)
    assert _trl_generalized_jsd(zs[0], zt[0], beta=eps) == pytest.approx(low, rel=1e-9)
    # the jump: TRL at β = 0 is 1e7 times its value at β = 1e-7; lossref refuses the endpoints
    assert _trl_generalized_jsd(zs[0], zt[0], beta=0.0) > 1e6 * _trl_generalized_jsd(zs[0], zt[0], beta=eps)
    for beta in (0.0, 1.0):
        with pytest.raises(ValueError, match=re.escape("beta must be in (0, 1)")):
            lossref.generalized_jsd(a, b, beta=beta)


def test_trl_gkd_batchmean_normalisation():
    zs, zt, labels = _gkd_batch(3)
    a, b = _log_softmax(zs), _log_softmax(zt)
    mask = labels != -100
    total = lossref.generalized_jsd(a, b, beta=0.5, weights=mask.astype(float), reduction="sum")
    bsz, length, v = zs.shape
    # with labels: the sum over unmasked tokens / their number (lossref: weights= the mask)
    assert _trl_generalized_jsd(zs, zt, labels) == pytest.approx(total / mask.sum(), rel=1e-12)
    # num_items_in_batch (compute_loss passes the Trainer's) replaces the denominator
    assert _trl_generalized_jsd(zs, zt, labels, num_items_in_batch=40) == pytest.approx(total / 40, rel=1e-12)
    # without labels: every token, divided by the number of sequences B, not by the B·L rows
    ours = lossref.generalized_jsd(a, b)
    trl = _trl_generalized_jsd(zs, zt)
    assert trl == pytest.approx(ours * length, rel=1e-12)
    assert trl != pytest.approx(ours, rel=1e-2)
    # TRL's "mean" averages over every element, the vocabulary too: B·L·V
    assert _trl_generalized_jsd(zs, zt, reduction="mean") == pytest.approx(ours / v, rel=1e-12)
    # all positions masked: 0 / max(0, 1) = 0 in TRL; lossref's weighted mean has nothing to average
    assert _trl_generalized_jsd(zs, zt, np.full_like(labels, -100)) == 0.0
    with pytest.raises(ValueError, match="weights"):
        lossref.generalized_jsd(a, b, weights=np.zeros((bsz, length)))


# --- issue 20: nce ---
# tf.nn.nce_loss (TensorFlow tensorflow/python/ops/nn_impl.py: nce_loss and _compute_sampled_logits,
# read at commit 7cc7ba5, 2.22.0 in development, and 4433079; nce_loss_v2 forwards to nce_loss),
# written in NumPy: the logits are built as for sampled_softmax_loss (true logits (N, T), one shared
# sample of K logits (N, K), −FLOAT_MAX on accidental hits only if remove_accidental_hits, which
# defaults to False here; log(expected count) subtracted), then sigmoid_cross_entropy_with_logits
# against targets (1/T, ..., 1/T, 0, ..., 0) in its max(x, 0) − x·z + log1p(exp(−|x|)) form, summed
# over each row (_sum_rows). No reduction: one loss per example.


def _tf_nce_loss(inputs, weights, biases, labels, sampled, true_count, sampled_count, hits=False):
    x, z = _tf_compute_sampled_logits(
        inputs, weights, biases, labels, sampled, true_count, sampled_count, hits
    )
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))).sum(axis=1)


def _nce_args(scores, labels, sampled, q):
    k, n = len(sampled), len(labels)
    return (
        scores[:, sampled],
        scores[np.arange(n), labels],
        np.broadcast_to(np.log(k * q[sampled]), (n, k)),
        np.log(k * q[labels]),
    )


def test_tf_nce_loss_matches():
    x, w, b, q = _tf_problem(10)
    labels, sampled = np.array([2, 7, 11, 19]), np.array([0, 1, 3, 5, 8, 14])
    k = len(sampled)
    tf = _tf_nce_loss(x, w, b, labels, sampled, k * q[labels][:, None], k * q[sampled])
    ours = lossref.nce(*_nce_args(x @ w.T + b, labels, sampled, q), reduction="none")
    np.testing.assert_allclose(ours, tf, rtol=1e-13)


def test_tf_nce_keeps_accidental_hits():
    x, w, b, q = _tf_problem(11)
    labels, sampled = np.array([2, 7, 11, 19]), np.array([0, 7, 3, 2, 8, 14])  # hits in rows 0 and 1
    k = len(sampled)
    args = _nce_args(x @ w.T + b, labels, sampled, q)
    counts = (k * q[labels][:, None], k * q[sampled])
    tf_default = _tf_nce_loss(x, w, b, labels, sampled, *counts)
    tf_removed = _tf_nce_loss(x, w, b, labels, sampled, *counts, hits=True)
    ours = lossref.nce(*args, reduction="none")
    # the default keeps the hit as a negative, as lossref does
    np.testing.assert_allclose(ours, tf_default, rtol=1e-13)
    # remove_accidental_hits=True lowers the two rows with a hit, and only those
    assert np.all(tf_removed[[0, 1]] < ours[[0, 1]] - 1e-3)
    np.testing.assert_allclose(tf_removed[[2, 3]], ours[[2, 3]], rtol=1e-13)
    # masking the hit slots with −1e300 reproduces it
    masked = np.where(labels[:, None] == sampled[None, :], -1e300, args[0])
    np.testing.assert_allclose(lossref.nce(masked, *args[1:], reduction="none"), tf_removed, rtol=1e-13)


def test_tf_nce_num_true():
    x, w, b, q = _tf_problem(12)
    labels = np.array([[2, 5], [7, 1], [11, 12], [19, 0]])  # num_true = 2: sigmoid targets 1/2
    sampled = np.array([3, 4, 8, 14, 20])
    k = len(sampled)
    tf = _tf_nce_loss(x, w, b, labels, sampled, k * q[labels], k * q[sampled])
    scores, rows = x @ w.T + b, np.arange(4)
    per_true = []
    for t in range(2):  # true class t; the other true class joins the negatives
        other = labels[:, 1 - t]
        neg = np.column_stack([scores[rows, other], scores[:, sampled]])
        log_neg = np.column_stack([np.log(k * q[other]), np.broadcast_to(np.log(k * q[sampled]), (4, k))])
        pos, log_pos = scores[rows, labels[:, t]], np.log(k * q[labels[:, t]])
        per_true.append(lossref.nce(neg, pos, log_neg, log_pos, reduction="none"))
    np.testing.assert_allclose(np.mean(per_true, axis=0), tf, rtol=1e-13)
    # not the sum of two one-true-class losses (targets 1 each)
    assert np.all(np.abs(np.sum(per_true, axis=0) - tf) > 1e-2)


def test_tf_nce_per_example_shared_sample():
    x, w, b, q = _tf_problem(13)
    labels, sampled = np.array([2, 7, 11, 19]), np.array([0, 1, 3, 5, 8, 14])
    k = len(sampled)
    tf = _tf_nce_loss(x, w, b, labels, sampled, k * q[labels][:, None], k * q[sampled])
    assert tf.shape == (4,)  # one loss per example: true and sampled terms summed, not reduced
    args = _nce_args(x @ w.T + b, labels, sampled, q)
    assert lossref.nce(*args) == pytest.approx(tf.mean(), rel=1e-13)  # lossref: the mean
    np.testing.assert_allclose(lossref.nce(*args, reduction="none"), tf, rtol=1e-13)
    with pytest.raises(ValueError, match="negative_log_counts has shape"):
        lossref.nce(*args[:2], np.log(k * q[sampled]), args[3])


def test_nce_without_correction_is_negative_sampling_and_bce():
    # TensorFlow's nce_loss with expected counts 1 (log 0) is negative sampling; PyTorch's
    # binary_cross_entropy_with_logits on the corrected row, summed per sample, is nce
    torch = pytest.importorskip("torch")
    x, w, b, q = _tf_problem(14)
    labels, sampled = np.array([2, 7, 11, 19]), np.array([0, 1, 3, 5, 8, 14])
    scores = x @ w.T + b
    neg, pos = scores[:, sampled], scores[np.arange(4), labels]
    tf_uncorrected = _tf_nce_loss(x, w, b, labels, sampled, np.ones((4, 1)), np.ones(6))
    np.testing.assert_allclose(
        lossref.negative_sampling(neg, pos, reduction="none"), tf_uncorrected, rtol=1e-13
    )
    args = _nce_args(scores, labels, sampled, q)
    row = torch.tensor(np.column_stack([args[1] - args[3], args[0] - args[2]]), requires_grad=True)
    target = torch.zeros(4, 7, dtype=torch.float64)
    target[:, 0] = 1.0
    loss = torch.nn.functional.binary_cross_entropy_with_logits(row, target, reduction="sum") / 4
    loss.backward()
    assert lossref.nce(*args) == pytest.approx(loss.item(), rel=1e-13)
    np.testing.assert_allclose(lossref.nce.grad(*args), row.grad[:, 1:], rtol=1e-12)
    np.testing.assert_allclose(lossref.nce.grad(*args, argnum="positive_scores"), row.grad[:, 0], rtol=1e-12)


# --- issue 20: mmd ---
# GeomLoss is not installed: its Gaussian kernel norm, written from its source at a named
# release, in NumPy.


def _geomloss_gaussian(x, y, blur=0.05):
    """GeomLoss 0.2.6, geomloss/kernel_samples.py (kernel_loss, gaussian_kernel) + utils.py.

    Uniform weights α_i = 1/N, β_j = 1/M; C2 = squared_distances(x/blur, y/blur) by the
    expansion ‖x‖² − 2x·y + ‖y‖² (the tensorized backend); K = exp(−C2/2); the value is
    ½⟨α, K_xx α⟩ + ½⟨β, K_yy β⟩ − ⟨α, K_xy β⟩, diagonal terms included.
    """

    def kernel(p, q):
        p, q = p / blur, q / blur
        c2 = (p * p).sum(-1)[:, None] - 2 * p @ q.T + (q * q).sum(-1)[None, :]
        return np.exp(-c2 / 2)

    a, b = np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y))
    return float(0.5 * a @ kernel(x, x) @ a + 0.5 * b @ kernel(y, y) @ b - a @ kernel(x, y) @ b)


def test_geomloss_half_biased_mmd():
    rng = np.random.default_rng(30)
    x, y = rng.normal(size=(6, 2)), rng.normal(size=(5, 2)) + np.array([0.5, 0.0])
    for blur in (0.5, 1.0, 3.0):  # blur is σ itself: exp(−‖x − y‖²/2σ²)
        geom = _geomloss_gaussian(x, y, blur)
        assert geom == pytest.approx(0.5 * lossref.mmd(x, y, bandwidth=blur, estimator="biased"), rel=1e-12)
        assert abs(geom - lossref.mmd(x, y, bandwidth=blur, estimator="biased")) > 1e-3  # not the full value
        assert abs(geom - 0.5 * lossref.mmd(x, y, bandwidth=blur)) > 1e-4  # not the unbiased one
        if 2 * blur**2 != blur:  # not a convention with σ² in place of 2σ²
            assert abs(geom - 0.5 * lossref.mmd(x, y, bandwidth=2 * blur**2, estimator="biased")) > 1e-4
    # its default blur = 0.05 on unit data: every off-diagonal kernel ~ 0, the value ½(1/N + 1/M)
    assert _geomloss_gaussian(x, y) == pytest.approx(0.5 * (1 / 6 + 1 / 5), rel=1e-6)
    assert _geomloss_gaussian(x, y) == pytest.approx(
        0.5 * lossref.mmd(x, y, bandwidth=0.05, estimator="biased")
    )
    # equal clouds: both biased values are 0 (the unbiased one is not)
    assert _geomloss_gaussian(x, x, 1.0) == pytest.approx(0.0, abs=1e-15)
    assert lossref.mmd(x, x, bandwidth=1.0, estimator="biased") == 0.0
    assert lossref.mmd(x, x, bandwidth=1.0) < 0


def test_geomloss_expanded_squared_distances():
    rng = np.random.default_rng(31)
    x, y = rng.normal(size=(6, 2)) + 1e6, rng.normal(size=(5, 2)) + 1e6 + 0.5
    # the same clouds moved back to the origin: x − 1e6 is exact (Sterbenz), and so are the
    # differences x_i − y_j either way, so lossref's value is the same to the bit
    ours = lossref.mmd(x, y, bandwidth=1.0, estimator="biased")
    assert lossref.mmd(x - 1e6, y - 1e6, bandwidth=1.0, estimator="biased") == ours
    assert _geomloss_gaussian(x - 1e6, y - 1e6, 1.0) == pytest.approx(0.5 * ours, rel=1e-12)
    # GeomLoss's expansion at 1e6: ‖x‖² ~ 1e12 leaves about 4 digits of a unit distance
    far = _geomloss_gaussian(x, y, 1.0)
    assert abs(far - 0.5 * ours) > 1e-8 * ours
    assert _geomloss_gaussian(x - 1e6, y - 1e6, 1.0) != far
    # at 1e8 none is left
    at_1e8 = _geomloss_gaussian(x - 1e6 + 1e8, y - 1e6 + 1e8, 1.0)
    assert abs(at_1e8 - 0.5 * ours) > 0.1 * ours
