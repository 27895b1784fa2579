"""Every documented difference from a framework, shown by a test.

Each ``Difference`` in a loss's metadata needs ``test_<id>`` here (a meta-test checks),
so a page never claims a difference that no test demonstrates.
"""

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
    hinge,
    kl_div,
    nll,
    quantile,
    sigmoid_focal,
    softmax_cross_entropy,
)

GOLDEN = json.loads((Path(__file__).parent / "golden" / "torch.json").read_text())["differences"]


def test_every_documented_difference_has_a_test():
    ids = [d.id for loss in lossref.catalog() for d in loss.meta.differences]
    assert len(ids) == len(set(ids))
    for difference_id in ids:
        assert f"test_{difference_id.replace('-', '_')}" in globals(), difference_id


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
    # exact: d/dp of -log(1 - p) at p = 1e-15 is 1/(1 - p) ≈ 1; PyTorch divides by max(p(1-p), 1e-12)
    np.testing.assert_allclose(ours, [1 / (1 - 1e-15), -1 / 0.3], rtol=1e-15)
    np.testing.assert_allclose(case["torch_grad"][0], 1e-3, rtol=1e-6)
    np.testing.assert_allclose(case["torch_grad"][1], ours[1], rtol=1e-12)  # agree away from the clamp


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


def test_pytorch_ce_class_axis():
    case = GOLDEN["pytorch-ce-class-axis"]
    z = np.asarray(case["logits_nc_d"])  # PyTorch layout (N, C, d)
    labels = np.asarray(case["labels"])
    ours = softmax_cross_entropy(np.moveaxis(z, 1, -1), labels)  # lossref: classes last
    assert ours == pytest.approx(case["torch_mean"], rel=1e-12)
    with pytest.raises(ValueError, match="target has shape"):
        softmax_cross_entropy(z, labels)  # PyTorch's layout is rejected, not misread


def test_pytorch_ce_all_ignored():
    case = GOLDEN["pytorch-ce-all-ignored"]
    assert math.isnan(case["torch_mean"])
    with pytest.raises(ValueError, match="denominator is 0"):
        softmax_cross_entropy(*case["args"], ignore_index=case["ignore_index"])
    assert softmax_cross_entropy(*case["args"], ignore_index=case["ignore_index"], reduction="sum") == 0.0


def test_pytorch_ce_ignore_index_default():
    case = GOLDEN["pytorch-ce-ignore-index-default"]
    z, labels = case["args"]
    # PyTorch silently skipped the -100 label: its mean is the first sample's loss alone
    assert case["torch_mean"] == pytest.approx(softmax_cross_entropy([z[0]], [labels[0]]), rel=1e-12)
    with pytest.raises(ValueError, match=re.escape("target must be in [0, 3)")):
        softmax_cross_entropy(z, labels)
    assert softmax_cross_entropy(z, labels, ignore_index=-100) == pytest.approx(case["torch_mean"], rel=1e-12)


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
    assert np.isfinite(ours).all() and (ours[:2] == 0).all()
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
