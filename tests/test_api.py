"""The public surface: every loss once, under its own name, and no module shadowed by a loss."""

import importlib
import pkgutil
from collections import defaultdict

import numpy as np
import pytest

import lossref
from lossref._core import Result

from helpers import ALL_VARIANTS, LOSSES, loss_id, prepare, variant_id

NON_LOSS_API = {
    "Curve",
    "Difference",
    "GradcheckResult",
    "Loss",
    "catalog",
    "get",
    "gradcheck",
    "numerical_gradient",
}


def test_all_is_the_registry_plus_the_non_loss_api():
    names = {loss.name for loss in lossref.catalog()}
    assert len(lossref.__all__) == len(set(lossref.__all__)), "a name listed twice"
    assert set(lossref.__all__) == names | NON_LOSS_API


def test_each_family_module_exports_exactly_the_losses_it_registers():
    # lossref/__init__.py star-imports the family modules: a loss missing from its module's
    # __all__ would not be public, a stale entry would break the import
    registered = defaultdict(set)
    for loss in lossref.catalog():
        registered[loss.__module__].add(loss.name)
    for module_name, names in registered.items():
        module = importlib.import_module(module_name)
        assert module_name.startswith("lossref._")
        assert len(module.__all__) == len(set(module.__all__)), f"{module_name}: a name listed twice"
        assert set(module.__all__) == names, module_name


def test_every_public_loss_name_is_the_registered_loss():
    for loss in lossref.catalog():
        assert getattr(lossref, loss.name) is loss


def test_no_public_module_is_named_like_a_loss():
    # a public module named like a loss (lossref.contrastive) made `::: lossref.<name>` render
    # the module on the loss's page; family modules are private
    modules = {m.name for m in pkgutil.iter_modules(lossref.__path__) if not m.name.startswith("_")}
    assert modules, "lossref has public modules (plotting, examples)"
    assert not modules & {loss.name for loss in lossref.catalog()}


# --- the kernel contract: a Result, and a backward pass only when a gradient is asked for ---

# the gradient is computed anyway for the value (center: the differences themselves)
FREE_GRADIENT = {"center"}
# the gradient is computed in the value's pass, and only when gradient_requested(): it shares
# the value's exponentials (softmax_cross_entropy: with plain integer labels), or its residual
# and the block's trip through the cache (mse, huber)
FUSED_GRADIENT = {
    "mse",
    "huber",
    "binary_cross_entropy_with_logits",
    "softmax_cross_entropy",
    "sparse_categorical_cross_entropy",
}


@pytest.mark.parametrize("loss", LOSSES, ids=loss_id)
def test_every_kernel_returns_a_result_whose_gradient_runs_only_for_grad(loss, monkeypatch):
    target = getattr(loss, "_loss", loss)  # the registered Loss behind a filled-in required keyword
    kernel = target._kernel
    results, calls = [], []

    def spying(*args, **kw):
        out = kernel(*args, **kw)
        results.append(out)
        if not callable(out.grad):
            return out
        backward = out.grad
        return out._replace(grad=lambda: calls.append(1) or backward())

    monkeypatch.setattr(target, "_kernel", spying)
    args = list(loss.sample_inputs(np.random.default_rng(0), batch=3, classes=4))
    for reduction in loss.reduction.choices:
        loss(*args, reduction=reduction)
    assert results
    assert all(type(out) is Result for out in results)
    assert calls == [], "a value-only call ran the backward pass"
    if not loss.differentiable:
        assert results[0].grad is None
        return
    if loss.name in FUSED_GRADIENT:
        computed = [out for out in results if out.grad is not None and not callable(out.grad)]
        assert not computed, "a value-only call computed the gradient"
        loss.grad(*args)
        assert isinstance(results[-1].grad, np.ndarray)
        assert calls == []
        return
    deferred = callable(results[0].grad)
    assert deferred != (loss.name in FREE_GRADIENT), "defer the gradient: Result(values, lambda: ...)"
    loss.grad(*args)
    assert calls == ([1] if deferred else [])


def test_every_loss_is_either_elementwise_or_has_a_class_axis():
    assert lossref.huber.elementwise
    assert not lossref.huber.has_class_axis
    assert lossref.softmax_cross_entropy.has_class_axis
    assert not lossref.softmax_cross_entropy.elementwise
    for loss in lossref.catalog():
        assert loss.elementwise != loss.has_class_axis, loss.name


def test_as_batch_makes_one_sample_a_batch_of_one():
    # an elementwise loss takes the point as it is: ½·0.5² = 0.125
    y_pred, y_true = lossref.huber.as_batch(0.5, 0.0)
    assert y_pred.shape == ()
    assert y_true.shape == ()
    assert lossref.huber(y_pred, y_true) == 0.125
    # a row gains a batch axis, a label too: −log(e⁰ / (e⁰ + e⁰)) = log 2
    logits, labels = lossref.softmax_cross_entropy.as_batch([0.0, 0.0], 1)
    assert logits.shape == (1, 2)
    assert labels.shape == (1,)
    assert lossref.softmax_cross_entropy(logits, labels) == pytest.approx(np.log(2), rel=1e-15)


@pytest.mark.parametrize("pair", ALL_VARIANTS, ids=variant_id)
def test_values_and_grad_of_sum_is_the_two_calls_it_replaces(pair):
    # the plots take each sample's loss and the gradient of the sum from one run of the kernel:
    # bit for bit what reduction="none" and grad(reduction="sum") give, for every argument
    loss, hyper = pair
    if not loss.reduction.per_sample:  # a metric of the whole batch: refused, named
        with pytest.raises(ValueError, match="no per-sample values"):
            loss._values_and_grad_of_sum(*loss.sample_inputs(np.random.default_rng(0)), **hyper)
        return
    args = prepare(loss, loss.sample_inputs(np.random.default_rng(5), batch=3), hyper)
    for argnum in loss.differentiable:
        values, grad = loss._values_and_grad_of_sum(*args, argnum=argnum, **hyper)
        np.testing.assert_array_equal(values, loss(*args, reduction="none", **hyper))
        np.testing.assert_array_equal(grad, loss.grad(*args, reduction="sum", argnum=argnum, **hyper))
