"""Bad input gets a clear ValueError/TypeError naming the argument, never a silent NaN or broadcast."""

import re

import numpy as np
import pytest

import lossref
from lossref._checks import as_float_array
from lossref._math import BLOCK

from helpers import ALL_VARIANTS, LOSSES, get, loss_id, variant_id


def _valid(loss, batch=3):
    return list(loss.sample_inputs(np.random.default_rng(0), batch=batch, classes=4))


def _raises(exc, message, loss, args, **kw):
    with pytest.raises(exc, match=re.escape(message)):
        loss(*args, **kw)


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_rejects_nan_and_inf_in_every_float_argument_and_an_empty_first_one(loss):
    first = loss.arg_names[0]
    args = _valid(loss)
    # every float argument, first and last entry: a bounded domain (probabilities) skips the
    # finiteness pass and lets its bounds refuse NaN and ±inf, with the same message
    for i, name in enumerate(loss.arg_names):
        if np.asarray(args[i]).dtype.kind != "f":
            continue
        for bad, message in [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")]:
            for where in (0, -1):
                broken = np.array(args[i], dtype=float)
                broken.flat[where] = bad
                _raises(ValueError, f"{name} contains {message}", loss, [*args[:i], broken, *args[i + 1 :]])
    empty = np.zeros((0, *args[0].shape[1:]))
    _raises(ValueError, f"{first} is empty", loss, [empty, *args[1:]])


# the losses whose inputs are checked for NaN and inf by their value (Meta.propagates_non_finite)
DEFERRED = [pair for pair in ALL_VARIANTS if pair[0].meta.propagates_non_finite]


@pytest.mark.parametrize("pair", DEFERRED, ids=variant_id)
def test_a_loss_checked_by_its_value_still_names_a_non_finite_argument(pair):
    # NaN, +inf and -inf planted in every block of a long input (the value is summed block by
    # block), in one argument or in two at the same place (inf − inf), under each reduction and
    # weights=, for the value and the gradient: each call raises, naming a bad argument
    loss, hyper = pair
    rng = np.random.default_rng(7)
    n = 3 * BLOCK + 17
    args = [loss.meta.domain[name].sample(rng, (n, 4)) for name in loss.arg_names]
    hyper = {k: (v[:4] if isinstance(v, np.ndarray) else v) for k, v in hyper.items()}
    calls = [
        lambda *a: loss(*a, **hyper),
        lambda *a: loss(*a, reduction="sum", **hyper),
        lambda *a: loss.grad(*a, **hyper),
        lambda *a: loss.value_and_grad(*a, weights=np.full((n, 4), 0.5), **hyper),
    ]
    for where in (0, BLOCK // 4 - 1, BLOCK // 4, 2 * BLOCK // 4 + 5, n - 1):
        for bad, word in [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")]:
            for planted in [[0], [1], [0, 1]]:
                broken = [a.copy() for a in args]
                for i in planted:
                    broken[i][where, 1] = bad
                # with two bad arguments, one whose domain checks eagerly (BCE's targets) may be
                # named before a real-valued one checked by the value
                names = "|".join(loss.arg_names[i] for i in planted)
                for call in calls:
                    with pytest.raises(ValueError, match=f"^({names}) contains {word}"):
                        call(*broken)
    # a value that overflows from finite inputs is not an error: it is returned as it is
    if loss is lossref.mse:
        with np.errstate(over="ignore"):
            assert loss(np.array([1e200]), np.array([0.0])) == np.inf


def test_only_real_valued_arguments_are_checked_by_the_value():
    # the deferred check covers the arguments whose whole validation is as_float_array: any
    # other domain keeps its own checks, which refuse NaN and inf themselves
    for loss, _ in DEFERRED:
        assert any(loss.meta.domain[n].convert is as_float_array for n in loss.arg_names), loss.name


# a loss of one argument (a penalty on parameters) has no second shape to mismatch
@pytest.mark.parametrize("loss", [loss for loss in LOSSES if len(loss.arg_names) > 1], ids=loss_id)
def test_rejects_shape_mismatch(loss):
    args = _valid(loss, batch=3)
    other = _valid(loss, batch=2)
    with pytest.raises(ValueError, match="shape"):
        loss(
            args[0], other[1], *args[2:]
        )  # the second argument a batch short (a third, if any, as the first)


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
    _raises(
        ValueError, "reduction must be one of 'mean', 'sum', 'none'; got 'avg'", loss, args, reduction="avg"
    )
    _raises(TypeError, f"{loss.name}() got an unexpected keyword argument 'nonsense'", loss, args, nonsense=1)
    _raises(
        TypeError, f"{loss.name}() takes {len(loss.arg_names)} positional arguments", loss, args[:-1]
    )  # one short
    if not loss.differentiable:  # checked first: with any reduction there is no gradient
        with pytest.raises(TypeError, match=f"{loss.name} has no gradient"):
            loss.grad(*args, reduction="none")
    else:
        with pytest.raises(
            ValueError,
            match="grad needs a scalar loss" if loss.reduction.per_sample else "supports reduction=",
        ):
            loss.grad(*args, reduction="none")


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_rejects_bad_weights(loss):
    args = _valid(loss, batch=3)
    if not loss.reduction.accepts_weights:  # rows are each other's negatives: no per-sample weights at all
        _raises(ValueError, f"weights= is not supported by {loss.name}", loss, args, weights=[1.0, 1.0, 1.0])
        return
    _raises(
        ValueError,
        "weights has shape (2,) but the per-sample loss has shape (3,)",
        loss,
        args,
        weights=[1.0, 1.0],
    )
    _raises(ValueError, "weights must be >= 0", loss, args, weights=[1.0, -1.0, 1.0])
    _raises(ValueError, "weights contains NaN", loss, args, weights=[1.0, np.nan, 1.0])
    if "mean" in loss.reduction.choices:  # a penalty sums: zero weights give 0, not an error
        # raised in one place (the reduction), naming the argument at fault
        message = "the mean is undefined: the denominator is 0 (weights is 0 for every sample that counts)"
        _raises(ValueError, message, loss, args, reduction="mean", weights=[0.0, 0.0, 0.0])


DOMAIN_ROWS = [
    (loss, index, row)
    for loss in LOSSES
    for index, name in enumerate(loss.arg_names)
    for row in loss.meta.domain[name].invalid
]


@pytest.mark.parametrize(
    ("loss", "index", "row"),
    DOMAIN_ROWS,
    ids=lambda v: v.name if hasattr(v, "name") else (str(v[0]) if isinstance(v, tuple) else str(v)),
)
def test_rejects_values_outside_the_declared_domain(loss, index, row):
    value, exc, message = row
    args = _valid(loss)
    planted = np.array(args[index], copy=True)
    planted.flat[0] = value
    args[index] = planted
    _raises(exc, f"{loss.arg_names[index]} {message}", loss, args)


def test_every_constrained_argument_has_invalid_examples():
    from lossref._checks import as_float_array

    # a domain that converts with plain as_float_array (ℝ, logits, or a copy of them with more
    # stress rows) constrains no value; every other one shows what it refuses
    for loss in LOSSES:
        for name in loss.arg_names:
            domain = loss.meta.domain[name]
            assert domain.convert is as_float_array or domain.invalid, f"{loss.name}: {name}"


# (loss, hyperparameters, exception, message), declared by each loss as ``invalid``
BAD_HYPERPARAMETERS = [(loss.name, *row) for loss in lossref.catalog() for row in loss.meta.checks.invalid]


@pytest.mark.parametrize(
    ("name", "hyper", "exc", "message"), BAD_HYPERPARAMETERS, ids=lambda v: v if isinstance(v, str) else None
)
def test_rejects_invalid_hyperparameter(name, hyper, exc, message):
    loss = get(name)
    _raises(exc, message, loss, _valid(loss), **hyper)


@pytest.mark.parametrize("loss", [loss for loss in LOSSES if loss.meta.required], ids=loss_id)
def test_required_hyperparameters_cannot_be_left_out(loss):
    for name in loss.meta.required:  # each left out alone, the others given
        others = {k: v for k, v in loss.meta.required.items() if k != name}
        _raises(
            TypeError,
            f"required keyword-only argument: '{name}'",
            lossref.get(loss.name),
            _valid(loss),
            **others,
        )


def test_every_loss_with_hyperparameters_has_a_bad_hyperparameter_row():
    covered = {name for name, *_ in BAD_HYPERPARAMETERS}
    assert covered == {loss.name for loss in LOSSES if loss.hyperparameters}


# (loss, arguments, exception, message): domain errors each loss owns
BAD_DOMAIN = [
    (
        "binary_cross_entropy",
        ([1.2, 0.5], [1.0, 0.0]),
        ValueError,
        "probs must be probabilities in [0, 1]; got 1.2",
    ),
    (
        "binary_cross_entropy",
        ([0.2, 0.5], [1.0, 2.0]),
        ValueError,
        "y_true must be probabilities in [0, 1]; got 2.0",
    ),
    (
        "binary_cross_entropy_with_logits",
        ([0.2, 0.5], [-1.0, 1.0]),
        ValueError,
        "y_true must be probabilities in [0, 1]",
    ),
    ("sigmoid_focal", ([0.2, 0.5], [1.0, 3.0]), ValueError, "y_true must be probabilities in [0, 1]"),
    ("hinge", ([0.2, 0.5], [1.0, 0.0]), ValueError, "labels must be -1 or +1; got 0.0"),
    (
        "softmax_cross_entropy",
        ([[0.0, 1.0]], [2]),
        ValueError,
        "target must be in [0, 2) (the number of classes); got 2",
    ),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [-1]), ValueError, "target must be in [0, 2)"),
    (
        "softmax_cross_entropy",
        ([[0.0, 1.0]], [True]),
        TypeError,
        "target must be an array of real numbers, got dtype bool",
    ),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [[0.5, 0.6]]), ValueError, "target rows must sum to 1"),
    (
        "softmax_cross_entropy",
        ([[0.0, 1.0]], [[1.5, -0.5]]),
        ValueError,
        "target must be probabilities in [0, 1]",
    ),
    (
        "softmax_cross_entropy",
        ([[0.0, 1.0], [1.0, 0.0]], [0]),
        ValueError,
        "target has shape (1,) but (2,) was expected",
    ),
    ("softmax_cross_entropy", (1.0, [0]), ValueError, "logits must have a class axis"),
    ("softmax_cross_entropy", ([[0.0, 1.0]], [[1.0, 0.0]]), None, None),
    (
        "sparse_categorical_cross_entropy",
        ([[0.0, 1.0]], [[0.0, 1.0]]),
        TypeError,
        "labels must be integer class indices, got dtype float64; for one-hot or soft probability "
        "targets use softmax_cross_entropy",
    ),
    (
        "sparse_categorical_cross_entropy",
        ([[0.0, 1.0]], [2]),
        ValueError,
        "labels must be in [0, 2) (the number of classes); got 2",
    ),
    ("softmax_focal", ([[0.0, 1.0]], [[0.0, 1.0]]), TypeError, "labels must be integer class indices"),
    ("softmax_focal", (1.0, [0]), ValueError, "logits must have a class axis"),
    ("zero_one", ([[0.0, 1.0]], [0.5]), TypeError, "labels must be integer class indices"),
    ("zero_one", ([[0.0, 1.0], [1.0, 0.0]], [0]), ValueError, "labels has shape (1,) but (2,) was expected"),
    ("nll", ([[0.2, 0.8]], [1]), ValueError, "log_probs must be log-probabilities (<= 0); got 0.2"),
    ("nll", ([[-0.2, -1.8]], [1.0]), TypeError, "labels must be integer class indices, got dtype float64"),
    ("nll", ([[-0.2, -1.8]], [5]), ValueError, "labels must be in [0, 2)"),
    ("kl_div", ([[-0.2, -1.8]], [[0.5, 0.5]]), ValueError, "log_probs (as probabilities) rows must sum to 1"),
    ("kl_div", ([[np.log(0.5), np.log(0.5)]], [[0.5, 0.6]]), ValueError, "target rows must sum to 1"),
    (
        "kl_div",
        ([[np.log(0.5), np.log(0.5)]], [[1.5, -0.5]]),
        ValueError,
        "target must be probabilities in [0, 1]",
    ),
    (
        "kl_div",
        ([[np.log(0.5), np.log(0.5)]], [[0.5, 0.5, 0.0]]),
        ValueError,
        "log_probs has shape (1, 2) but target has shape (1, 3)",
    ),
    # raw logits passed as cosines; rounding just outside [-1, 1] is accepted (control rows)
    (
        "arcface",
        ([[0.5, 1.2]], [0]),
        ValueError,
        "cosines must be cosines in [-1, 1] (up to 1e-06 of rounding); got 1.2 - normalise the features",
    ),
    ("arcface", ([[0.5, 1.0 + 1e-7], [-1.0 - 1e-7, 0.0]], [1, 0]), None, None),
    ("cosface", ([[0.5, -1.5]], [1]), ValueError, "cosines must be cosines in [-1, 1]"),
    ("cosface", ([[0.5, 1.0 + 1e-7]], [1]), None, None),
    ("arcface", ([[0.5, 0.2]], [2]), ValueError, "labels must be in [0, 2) (the number of classes); got 2"),
    ("arcface", (0.5, [0]), ValueError, "cosines must have a class axis"),
    ("cosface", ([[0.5, 0.2]], [0.0]), TypeError, "labels must be integer class indices"),
    ("cosface", ([[0.5, 0.2], [0.1, 0.0]], [0]), ValueError, "labels has shape (1,) but (2,) was expected"),
    (
        "ranknet",
        ([0.0, 1.0], [0.0, 0.0], [1.0, 1.5]),
        ValueError,
        "targets must be probabilities in [0, 1]; got 1.5",
    ),
    (
        "ranknet",
        ([0.0, 1.0], [0.0, 0.0], [-1.0, 1.0]),
        ValueError,
        "targets must be probabilities in [0, 1]; got -1.0",
    ),
    ("ranknet", ([0.0, 1.0], [0.0, 0.0], [0.0, 0.5]), None, None),
    (
        "ranknet",
        ([0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.5]),
        ValueError,
        "scores_i has shape (2,) but scores_j has shape (3,)",
    ),
    (
        "listnet",
        ([[0.0, 1.0]], [[0.0, 1.0, 2.0]]),
        ValueError,
        "scores has shape (1, 2) but labels has shape (1, 3)",
    ),
    ("listnet", (1.0, 1.0), ValueError, "scores must have an item axis (its last axis)"),
    (
        "listmle",
        ([[0.0, 1.0]], [[True, False]]),
        TypeError,
        "labels must be an array of real numbers, got dtype bool",
    ),
    ("listmle", ([[0.0, 1.0]], [[np.inf, 0.0]]), ValueError, "labels contains inf"),
    (
        "listmle",
        ([[0.0, 1.0], [2.0, 3.0]], [[2.0, 1.0]]),
        ValueError,
        "scores has shape (2, 2) but labels has shape (1, 2)",
    ),
    ("listmle", ([[0.0, 1.0]], [[2, 1]]), None, None),
]


@pytest.mark.parametrize(
    ("name", "args", "exc", "message"), BAD_DOMAIN, ids=[f"{r[0]}-{i}" for i, r in enumerate(BAD_DOMAIN)]
)
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
        (
            np.zeros((4, 2)),
            [0, 1],
            ValueError,
            "centers must have shape (C, 3), one row per class; got shape (4, 2)",
        ),
        (
            np.zeros(3),
            [0, 0],
            ValueError,
            "centers must have shape (C, 3), one row per class; got shape (3,)",
        ),
        (
            np.zeros((2, 3)),
            [0, 2],
            ValueError,
            "labels must be in [0, 2) (one row of centers per class); got 2",
        ),
        (np.zeros((2, 3)), [0, 1, 1], ValueError, "labels has shape (3,) but (2,) was expected"),
        (np.zeros((2, 3)), [0.0, 1.0], TypeError, "labels must be integer class indices"),
        ([[0.0, 0.0, np.inf]], [0, 0], ValueError, "centers contains inf"),
    ]:
        _raises(exc, message, lossref.center, [x, labels], centers=centers)
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'centers'"):
        lossref.center(x, [0, 1])


# --- issue 14 D: bad input that used to give a raw numpy error, a silent NaN or a wrong value ---

RAGGED = [[1, 0], [1]]  # rows of different lengths: numpy cannot make one array of it


def _array_hyperparameters(loss):
    """The hyperparameters a loss's own metadata passes as an array (or list/tuple).

    Only where arrays are valid: its examples, variants and extremes, and invalid rows rejected
    for their values.
    """
    rows = [
        loss.meta.required,
        *loss.meta.checks.variants,
        *(h for _, h in loss.meta.checks.extremes),
        *(h for h, exc, _ in loss.meta.checks.invalid if exc is ValueError),
    ]
    return sorted({k for h in rows for k, v in h.items() if isinstance(v, list | tuple | np.ndarray)})


RAGGED_CASES = [(loss, name) for loss in LOSSES for name in (*loss.arg_names, *_array_hyperparameters(loss))]


@pytest.mark.parametrize(
    ("loss", "name"), RAGGED_CASES, ids=[f"{loss.name}-{name}" for loss, name in RAGGED_CASES]
)
def test_a_ragged_list_is_named(loss, name):
    args = _valid(loss)
    if name in loss.arg_names:
        args[loss.arg_names.index(name)] = RAGGED
        _raises(ValueError, f"{name} is ragged", loss, args)
    else:
        _raises(ValueError, f"{name} is ragged", loss, args, **{name: RAGGED})


def test_ragged_cases_cover_the_integer_arguments():
    covered = {(loss.name, name) for loss, name in RAGGED_CASES}
    for case in [
        ("softmax_cross_entropy", "target"),
        ("ctc", "input_lengths"),
        ("sequence_cross_entropy", "mask"),
        ("perceptual", "layer_weights"),
        ("knowledge_distillation", "labels"),
        ("nll", "class_weights"),
    ]:
        assert case in covered


FLAG_CASES = [
    (loss, name)
    for loss in LOSSES
    for name, default in loss.hyperparameters.items()
    if isinstance(default, bool)
]


@pytest.mark.parametrize(
    ("loss", "name"), FLAG_CASES, ids=[f"{loss.name}-{name}" for loss, name in FLAG_CASES]
)
def test_boolean_flags_accept_bools_only(loss, name):
    # one rule for every flag: bool and np.bool_ work; the string "False" (truthy) and 1 do not
    from helpers import prepare

    args = _valid(loss)
    for bad in ("False", 1, 0, None):
        _raises(TypeError, f"{name} must be True or False", loss, args, **{name: bad})
    for good in (np.bool_(True), np.bool_(False), True, False):
        hyper = {name: good}
        assert np.isfinite(loss(*prepare(loss, args, hyper), **hyper))


def test_every_boolean_hyperparameter_is_covered():
    assert {(loss.name, name) for loss, name in FLAG_CASES} >= {
        ("arcface", "easy_margin"),
        ("ctc", "zero_infinity"),
        ("gaussian_nll", "full"),
        ("kl_div", "log_target"),
        ("poisson_nll", "log_input"),
        ("poisson_nll", "full"),
        ("triplet_margin", "swap"),
    }


def test_ctc_zero_infinity_string_is_not_read_as_true():
    lp = np.log(np.full((1, 1, 2), 0.5))  # one frame cannot spell "a a"
    with pytest.raises(ValueError, match="cannot be aligned"):
        lossref.ctc(lp, [[1, 1]], [1], [2])
    with pytest.raises(TypeError, match="zero_infinity must be True or False"):
        lossref.ctc(lp, [[1, 1]], [1], [2], zero_infinity="False")


# --- a value-only call never runs a backward pass (every loss: tests/test_api.py) ---


def test_ctc_value_does_not_run_the_beta_recursion(monkeypatch):
    import lossref._sequence as sequence

    runs = []
    beta = sequence._ctc_beta
    monkeypatch.setattr(sequence, "_ctc_beta", lambda *a: runs.append(1) or beta(*a))
    lp = np.log(np.full((1, 2, 2), 0.5))
    assert lossref.ctc(lp, [[1]], [2], [1]) == pytest.approx(-np.log(0.75), rel=1e-15)  # aa, a∅, ∅a of 1/4
    assert runs == []
    lossref.ctc.grad(lp, [[1]], [2], [1])
    assert runs == [1]


def _failing_vjp(x, cotangents):
    raise RuntimeError("the VJP must not run for a value")


def test_perceptual_value_does_not_call_feature_vjp():
    from lossref.examples import EXAMPLE

    y_hat, y = np.array([[1.0, 1.0, 1.0]]), np.zeros((1, 3))
    value = lossref.perceptual(y_hat, y, feature_fn=EXAMPLE, feature_vjp=_failing_vjp)
    assert value == pytest.approx(np.tanh(1.0) ** 2, rel=1e-15)  # edges 0; tanh: 3·tanh(1)²/3
    with pytest.raises(RuntimeError, match="must not run"):
        lossref.perceptual.grad(y_hat, y, feature_fn=EXAMPLE, feature_vjp=_failing_vjp)


def test_perceptual_names_a_bad_feature_vjp_result():
    from lossref.examples import EXAMPLE

    y_hat, y = np.array([[1.0, 1.0, 1.0]]), np.zeros((1, 3))
    for result, message in [
        (np.full((1, 3), np.nan), "the result of feature_vjp contains NaN"),
        (np.full((1, 3), np.inf), "the result of feature_vjp contains inf"),
        (np.full((1, 3), 1j), "the result of feature_vjp must be an array of real numbers"),
    ]:
        with pytest.raises((ValueError, TypeError), match=re.escape(message)):
            lossref.perceptual.grad(y_hat, y, feature_fn=EXAMPLE, feature_vjp=lambda x, c, r=result: r)


# --- a mean with nothing to average names the argument that emptied it ---

EMPTY_MEAN = [
    (
        "supervised_contrastive",
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0, 1, 2]),
        {},
        "no two rows of labels are equal, so no anchor has a positive",
    ),
    (
        "softmax_cross_entropy",
        ([[0.0, 1.0], [1.0, 0.0]], [0, 0]),
        {"class_weights": [0.0, 1.0]},
        "class_weights is 0 for every label in the batch",
    ),
    (
        "nll",
        ([[-0.5, -1.0], [-1.0, -0.5]], [1, 1]),
        {"ignore_index": 1},
        "every label equals ignore_index (1)",
    ),
    (
        "sparse_categorical_cross_entropy",
        ([[0.0, 1.0]], [1]),
        {"class_weights": [1.0, 0.0]},
        "class_weights is 0 for every label in the batch",
    ),
    (
        "sequence_cross_entropy",
        ([[[0.0, 1.0], [1.0, 0.0]]], [[0, 1]]),
        {"mask": [[0, 0]]},
        "mask is 0 everywhere",
    ),
    (
        "sequence_cross_entropy",
        ([[[0.0, 1.0], [1.0, 0.0]]], [[0, 1]]),
        {"mask": [[0, 0]], "normalize": "sequences"},
        "mask is 0 everywhere",
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "hyper", "message"), EMPTY_MEAN, ids=[f"{r[0]}-{i}" for i, r in enumerate(EMPTY_MEAN)]
)
def test_an_empty_mean_names_its_cause(name, args, hyper, message):
    loss = lossref.get(name)
    _raises(ValueError, f"the mean is undefined: the denominator is 0 ({message}", loss, args, **hyper)
    _raises(ValueError, f"the mean is undefined: the denominator is 0 ({message}", loss.grad, args, **hyper)
    assert loss(*args, reduction="sum", **hyper) == 0.0  # the sum of nothing is 0


def test_all_zero_class_weights_are_named():
    for name in ("softmax_cross_entropy", "nll", "sparse_categorical_cross_entropy", "multiclass_hinge"):
        loss = lossref.get(name)
        args = _valid(loss)
        for reduction in ("mean", "sum"):  # with "sum" it used to be a silent 0
            _raises(
                ValueError,
                "class_weights must not all be 0",
                loss,
                args,
                class_weights=np.zeros(4),
                reduction=reduction,
            )
    _raises(
        ValueError,
        "alpha must not all be 0",
        lossref.softmax_focal,
        _valid(lossref.softmax_focal),
        alpha=np.zeros(4),
    )


# --- a domain's text states the shape its conversion accepts ---


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_domain_text_states_the_accepted_rank(loss):
    # "(..., X)": any leading axes, so the loss accepts every argument with an extra batch axis;
    # "(N, D)": exactly two axes, so the loss rejects that, naming the argument
    args = _valid(loss)
    stacked = [np.stack([a, a]) for a in args]
    texts = [loss.meta.domain[name].text for name in loss.arg_names]
    if any("shape (N, D)" in text for text in texts):
        name = loss.arg_names[next(i for i, t in enumerate(texts) if "shape (N, D)" in t)]
        _raises(ValueError, f"{name} must have shape (N, D)", loss, stacked)
    elif "shape (..., " in texts[0]:
        assert np.isfinite(loss(*stacked))


# --- issue 20: rnnt ---


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"logit_lengths": [3, 0]}, ValueError, "logit_lengths must be >= 1"),
        ({"logit_lengths": [4, 3]}, ValueError, "logit_lengths must be <= T (3); got 4"),
        ({"target_lengths": [3, 1]}, ValueError, "target_lengths must be <= U (2); got 3"),
        (
            {"targets": [[1, 0], [2, 1]]},
            ValueError,
            "targets must not contain the blank (0) within target_lengths",
        ),
        ({"targets": [[1, 2, 1], [2, 1, 1]]}, ValueError, "the third axis of logits must be U + 1 = 4"),
        ({"targets": [[1, 5], [2, 1]]}, ValueError, "targets must be in [0, 3) (V = 3 classes); got 5"),
        ({"logits": np.zeros((2, 3, 3))}, ValueError, "logits must have shape (B, T, U+1, V)"),
        ({"logits": np.zeros((2, 0, 3, 3))}, ValueError, "logits is empty"),
        ({"target_lengths": [2]}, ValueError, "but target_lengths has shape (1,)"),
        ({"logit_lengths": [3.0, 3.0]}, TypeError, "logit_lengths must be integer lengths"),
        ({"blank": 3}, ValueError, "blank must be an integer class index in [-3, 3); got 3"),
    ],
)
def test_rnnt_names_the_argument_at_fault(change, error, message):
    args = {
        "logits": np.zeros((2, 3, 3, 3)),  # B = 2, T = 3, U = 2, V = 3
        "targets": [[1, 2], [2, 0]],  # the second's padding holds the blank: not read
        "logit_lengths": [3, 2],
        "target_lengths": [2, 1],
    }
    blank = change.pop("blank", 0)
    args.update(change)
    with pytest.raises(error, match=re.escape(message)):
        lossref.rnnt(*args.values(), blank=blank)


def test_rnnt_value_does_not_run_the_backward_pass(monkeypatch):
    import lossref._transducer as transducer

    runs = []
    diagonals = transducer._diagonals
    monkeypatch.setattr(transducer, "_diagonals", lambda *a: runs.append(1) or diagonals(*a))
    z = np.zeros((1, 2, 2, 2))
    assert lossref.rnnt(z, [[1]], [2], [1]) == pytest.approx(np.log(4), rel=1e-15)
    assert runs == [1]  # the forward recursion only
    lossref.rnnt.grad(z, [[1]], [2], [1])
    assert runs == [1, 1, 1]  # the forward and the backward recursion
