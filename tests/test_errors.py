"""Bad input gets a clear ValueError/TypeError naming the argument, never a silent NaN or broadcast."""

import re

import numpy as np
import pytest

import lossref

from helpers import LOSSES, get, loss_id


def _valid(loss, batch=3):
    return list(loss.sample_inputs(np.random.default_rng(0), batch=batch, classes=4))


def _raises(exc, message, loss, args, **kw):
    with pytest.raises(exc, match=re.escape(message)):
        loss(*args, **kw)


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_rejects_nan_inf_and_empty_first_argument(loss):
    first = loss.arg_names[0]
    args = _valid(loss)
    for bad, message in [(np.nan, f"{first} contains NaN"), (np.inf, f"{first} contains inf")]:
        broken = args[0].copy()
        broken.flat[0] = bad
        _raises(ValueError, message, loss, [broken, *args[1:]])
    empty = np.zeros((0,) + args[0].shape[1:])
    _raises(ValueError, f"{first} is empty", loss, [empty, *args[1:]])


# a loss of one argument (a penalty on parameters) has no second shape to mismatch
@pytest.mark.parametrize("loss", [loss for loss in LOSSES if len(loss.arg_names) > 1], ids=loss_id)
def test_rejects_shape_mismatch(loss):
    args = _valid(loss, batch=3)
    other = _valid(loss, batch=2)
    with pytest.raises(ValueError, match="shape"):
        loss(args[0], other[1], *args[2:])  # the second argument a batch short (a third, if any, as the first)


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_rejects_non_numeric_input(loss):
    args = _valid(loss)
    with pytest.raises(TypeError, match=f"{loss.arg_names[0]} must be an array of real numbers"):
        loss(np.array(["a"] * args[0].size).reshape(args[0].shape), *args[1:])
    with pytest.raises(TypeError, match=f"{loss.arg_names[0]} must be an array of real numbers"):
        loss(args[0].astype(bool), *args[1:])


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_rejects_unknown_reduction_and_keywords(loss):
    args = _valid(loss)
    _raises(ValueError, "reduction must be one of 'mean', 'sum', 'none'; got 'avg'", loss, args, reduction="avg")
    _raises(TypeError, f"{loss.name}() got an unexpected keyword argument 'nonsense'", loss, args, nonsense=1)
    _raises(TypeError, f"{loss.name}() takes {len(loss.arg_names)} positional arguments", loss, args[:-1])  # one short
    if not loss.differentiable:  # checked first: with any reduction there is no gradient
        with pytest.raises(TypeError, match=f"{loss.name} has no gradient"):
            loss.grad(*args, reduction="none")
    else:
        with pytest.raises(ValueError, match="grad needs a scalar loss" if loss.reduction.per_sample else "supports reduction="):
            loss.grad(*args, reduction="none")


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_rejects_bad_weights(loss):
    args = _valid(loss, batch=3)
    if not loss.reduction.accepts_weights:  # rows are each other's negatives: no per-sample weights at all
        _raises(ValueError, f"weights= is not supported by {loss.name}", loss, args, weights=[1.0, 1.0, 1.0])
        return
    _raises(ValueError, "weights has shape (2,) but the per-sample loss has shape (3,)", loss, args, weights=[1.0, 1.0])
    _raises(ValueError, "weights must be >= 0", loss, args, weights=[1.0, -1.0, 1.0])
    _raises(ValueError, "weights contains NaN", loss, args, weights=[1.0, np.nan, 1.0])
    if "mean" in loss.reduction.choices:  # a penalty sums: zero weights give 0, not an error
        _raises(ValueError, "the mean is undefined", loss, args, reduction="mean", weights=[0.0, 0.0, 0.0])


DOMAIN_ROWS = [
    (loss, index, row)
    for loss in LOSSES
    for index, name in enumerate(loss.arg_names)
    for row in loss.meta.domain[name].invalid
]


@pytest.mark.parametrize("loss, index, row", DOMAIN_ROWS, ids=lambda v: v.name if hasattr(v, "name") else (str(v[0]) if isinstance(v, tuple) else str(v)))
def test_rejects_values_outside_the_declared_domain(loss, index, row):
    value, exc, message = row
    args = _valid(loss)
    planted = np.array(args[index], copy=True)
    planted.flat[0] = value
    args[index] = planted
    _raises(exc, f"{loss.arg_names[index]} {message}", loss, args)


def test_every_constrained_argument_has_invalid_examples():
    from lossref._domains import LOGITS, REAL

    for loss in LOSSES:
        for name in loss.arg_names:
            domain = loss.meta.domain[name]
            assert domain in (REAL, LOGITS) or domain.invalid, f"{loss.name}: {name}"


# (loss, hyperparameters, exception, message), declared by each loss as ``invalid``
BAD_HYPERPARAMETERS = [(loss.name, *row) for loss in lossref.catalog() for row in loss.meta.invalid]


@pytest.mark.parametrize("name, hyper, exc, message", BAD_HYPERPARAMETERS, ids=lambda v: v if isinstance(v, str) else None)
def test_rejects_invalid_hyperparameter(name, hyper, exc, message):
    loss = get(name)
    _raises(exc, message, loss, _valid(loss), **hyper)


@pytest.mark.parametrize("loss", [loss for loss in LOSSES if loss.meta.required], ids=loss_id)
def test_required_hyperparameters_cannot_be_left_out(loss):
    for name in loss.meta.required:  # each left out alone, the others given
        others = {k: v for k, v in loss.meta.required.items() if k != name}
        _raises(TypeError, f"required keyword-only argument: '{name}'", lossref.get(loss.name), _valid(loss), **others)


def test_every_loss_with_hyperparameters_has_a_bad_hyperparameter_row():
    covered = {name for name, *_ in BAD_HYPERPARAMETERS}
    assert covered == {loss.name for loss in LOSSES if loss.hyperparameters}


# (loss, arguments, exception, message): domain errors each loss owns
BAD_DOMAIN = [
    ("binary_cross_entropy", ([1.2, 0.5], [1.0, 0.0]), ValueError, "probs must be probabilities in [0, 1]; got 1.2"),
    ("binary_cross_entropy", ([0.2, 0.5], [1.0, 2.0]), ValueError, "y_true must be probabilities in [0, 1]; got 2.0"),
    ("binary_cross_entropy_with_logits", ([0.2, 0.5], [-1.0, 1.0]), ValueError, "y_true must be probabilities in [0, 1]"),
    ("sigmoid_focal", ([0.2, 0.5], [1.0, 3.0]), ValueError, "y_true must be probabilities in [0, 1]"),
    ("hinge", ([0.2, 0.5], [1.0, 0.0]), ValueError, "labels must be -1 or +1; got 0.0"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [2]), ValueError, "target must be in [0, 2) (the number of classes); got 2"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [-1]), ValueError, "target must be in [0, 2)"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [True]), TypeError, "target must be an array of real numbers, got dtype bool"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [[0.5, 0.6]]), ValueError, "target rows must sum to 1"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [[1.5, -0.5]]), ValueError, "target must be probabilities in [0, 1]"),
    ("softmax_cross_entropy", ([[0.0, 1.0], [1.0, 0.0]], [0]), ValueError, "target has shape (1,) but (2,) was expected"),
    ("softmax_cross_entropy", (1.0, [0]), ValueError, "logits must have a class axis"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [[1.0, 0.0]]), None, None),
    ("sparse_categorical_cross_entropy", ([[0.0, 1.0]], [[0.0, 1.0]]), TypeError,
     "labels must be integer class indices, got dtype float64; for one-hot or soft probability targets use softmax_cross_entropy"),
    ("sparse_categorical_cross_entropy", ([[0.0, 1.0]], [2]), ValueError, "labels must be in [0, 2) (the number of classes); got 2"),
    ("softmax_focal", ([[0.0, 1.0]], [[0.0, 1.0]]), TypeError, "labels must be integer class indices"),
    ("softmax_focal", (1.0, [0]), ValueError, "logits must have a class axis"),
    ("zero_one", ([[0.0, 1.0]], [0.5]), TypeError, "labels must be integer class indices"),
    ("zero_one", ([[0.0, 1.0], [1.0, 0.0]], [0]), ValueError, "labels has shape (1,) but (2,) was expected"),
    ("nll", ([[0.2, 0.8]], [1]), ValueError, "log_probs must be log-probabilities (<= 0); got 0.2"),
    ("nll", ([[-0.2, -1.8]], [1.0]), TypeError, "labels must be integer class indices, got dtype float64"),
    ("nll", ([[-0.2, -1.8]], [5]), ValueError, "labels must be in [0, 2)"),
    ("kl_div", ([[-0.2, -1.8]], [[0.5, 0.5]]), ValueError, "log_probs (as probabilities) rows must sum to 1"),
    ("kl_div", ([[np.log(0.5), np.log(0.5)]], [[0.5, 0.6]]), ValueError, "target rows must sum to 1"),
    ("kl_div", ([[np.log(0.5), np.log(0.5)]], [[1.5, -0.5]]), ValueError, "target must be probabilities in [0, 1]"),
    ("kl_div", ([[np.log(0.5), np.log(0.5)]], [[0.5, 0.5, 0.0]]), ValueError, "log_probs has shape (1, 2) but target has shape (1, 3)"),
    # raw logits passed as cosines; rounding just outside [-1, 1] is accepted (control rows)
    ("arcface", ([[0.5, 1.2]], [0]), ValueError,
     "cosines must be cosines in [-1, 1] (up to 1e-06 of rounding); got 1.2 - normalise the features"),
    ("arcface", ([[0.5, 1.0 + 1e-7], [-1.0 - 1e-7, 0.0]], [1, 0]), None, None),
    ("cosface", ([[0.5, -1.5]], [1]), ValueError, "cosines must be cosines in [-1, 1]"),
    ("cosface", ([[0.5, 1.0 + 1e-7]], [1]), None, None),
    ("arcface", ([[0.5, 0.2]], [2]), ValueError, "labels must be in [0, 2) (the number of classes); got 2"),
    ("arcface", (0.5, [0]), ValueError, "cosines must have a class axis"),
    ("cosface", ([[0.5, 0.2]], [0.0]), TypeError, "labels must be integer class indices"),
    ("cosface", ([[0.5, 0.2], [0.1, 0.0]], [0]), ValueError, "labels has shape (1,) but (2,) was expected"),
    ("ranknet", ([0.0, 1.0], [0.0, 0.0], [1.0, 1.5]), ValueError, "targets must be probabilities in [0, 1]; got 1.5"),
    ("ranknet", ([0.0, 1.0], [0.0, 0.0], [-1.0, 1.0]), ValueError, "targets must be probabilities in [0, 1]; got -1.0"),
    ("ranknet", ([0.0, 1.0], [0.0, 0.0], [0.0, 0.5]), None, None),
    ("ranknet", ([0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.5]), ValueError, "scores_i has shape (2,) but scores_j has shape (3,)"),
    ("listnet", ([[0.0, 1.0]], [[0.0, 1.0, 2.0]]), ValueError, "scores has shape (1, 2) but labels has shape (1, 3)"),
    ("listnet", (1.0, 1.0), ValueError, "scores must have an item axis (its last axis)"),
    ("listmle", ([[0.0, 1.0]], [[True, False]]), TypeError, "labels must be an array of real numbers, got dtype bool"),
    ("listmle", ([[0.0, 1.0]], [[np.inf, 0.0]]), ValueError, "labels contains inf"),
    ("listmle", ([[0.0, 1.0], [2.0, 3.0]], [[2.0, 1.0]]), ValueError, "scores has shape (2, 2) but labels has shape (1, 2)"),
    ("listmle", ([[0.0, 1.0]], [[2, 1]]), None, None),
]


@pytest.mark.parametrize("name, args, exc, message", BAD_DOMAIN, ids=[f"{r[0]}-{i}" for i, r in enumerate(BAD_DOMAIN)])
def test_rejects_out_of_domain_input(name, args, exc, message):
    loss = lossref.get(name)
    if exc is None:  # control row: a valid call next to the invalid ones
        assert np.isfinite(loss(*args))
        return
    _raises(exc, message, loss, args)


def test_label_dtype_check_comes_before_range_check():
    with pytest.raises(TypeError, match="labels must be integer class indices"):
        lossref.nll([[-0.5, -1.0]], np.array([0.5]))


def test_get_unknown_loss_and_unknown_family():
    with pytest.raises(KeyError, match="no loss named 'hubber'; known: "):
        lossref.get("hubber")
    with pytest.raises(ValueError, match="family must be one of"):
        lossref.catalog(family="nonsense")


def test_center_rejects_centers_and_labels_that_do_not_fit_the_features():
    x = np.zeros((2, 3))
    for centers, labels, exc, message in [
        (np.zeros((4, 2)), [0, 1], ValueError, "centers must have shape (C, 3), one row per class; got shape (4, 2)"),
        (np.zeros(3), [0, 0], ValueError, "centers must have shape (C, 3), one row per class; got shape (3,)"),
        (np.zeros((2, 3)), [0, 2], ValueError, "labels must be in [0, 2) (one row of centers per class); got 2"),
        (np.zeros((2, 3)), [0, 1, 1], ValueError, "labels has shape (3,) but (2,) was expected"),
        (np.zeros((2, 3)), [0.0, 1.0], TypeError, "labels must be integer class indices"),
        ([[0.0, 0.0, np.inf]], [0, 0], ValueError, "centers contains inf"),
    ]:
        _raises(exc, message, lossref.center, [x, labels], centers=centers)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'centers'"):
        lossref.center(x, [0, 1])
