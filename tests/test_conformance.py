"""lossref against PyTorch 2.13: committed golden vectors, and the same cases live when torch is installed."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import lossref

from conformance_cases import WITH_TORCH, cases
from torch_registry import LIVE_ONLY

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "golden" / "torch.json").read_text())
RTOL, ATOL = 1e-10, 1e-15  # ATOL only matters for values below ~1e-5 (e.g. 4e-18 vs 0)


def _hyper(hyper):
    return {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in hyper.items()}


def _args(case):
    return [np.asarray(a) for a in case["args"]]


def case_id(case):
    argnum = f"-argnum{case['argnum']}" if case.get("argnum") else ""
    return f"{case['loss']}-{case['kind']}-{case['reduction']}{argnum}"


def assert_matches_torch(case, torch_value, torch_grad):
    loss = lossref.get(case["loss"])
    args, hyper = _args(case), _hyper(case["hyper"])
    kw = dict(hyper, reduction=case["reduction"], weights=case["weights"])
    np.testing.assert_allclose(loss(*args, **kw), torch_value, rtol=RTOL, atol=ATOL)
    if case["reduction"] == "none" or not loss.differentiable:  # zero_one: neither side has a gradient
        assert torch_grad is None
    else:
        np.testing.assert_allclose(
            loss.grad(*args, argnum=case.get("argnum", 0), **kw), torch_grad, rtol=RTOL, atol=ATOL
        )


def test_golden_file_matches_the_case_list():
    # the committed vectors were generated from today's inputs: regenerate if not. Sampled
    # inputs pass through exp (softmax rows), whose last bit differs between CPUs (NumPy's
    # SIMD paths; 5 ulps seen on one CI machine), so arrays are compared to 1e-13 relative;
    # everything else exactly. The golden
    # values are checked at the committed inputs, so an ulp here changes nothing there.
    keys = ("loss", "kind", "hyper", "reduction", "argnum")  # argnum only where not 0
    expected = cases()
    assert len(GOLDEN["cases"]) == len(expected)
    for committed, case in zip(GOLDEN["cases"], expected, strict=True):
        assert {k: committed[k] for k in keys if k in committed} == {k: case[k] for k in keys if k in case}
        for name in ("args", "weights"):
            if case[name] is None or committed[name] is None:
                assert committed[name] == case[name]
                continue
            for a, b in zip(committed[name], case[name], strict=True):
                np.testing.assert_allclose(
                    np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-13, atol=0
                )
    assert GOLDEN["torch"].startswith("2.13.0")
    assert GOLDEN["dtype"] == "float64"


def test_every_loss_with_a_pytorch_reference_has_golden_cases():
    covered = {c["loss"] for c in GOLDEN["cases"]}
    assert covered == WITH_TORCH
    # a loss whose metadata names a PyTorch equivalent is checked against it: golden or live
    claimed = {loss.name for loss in lossref.catalog() if "PyTorch" in loss.meta.equivalents}
    assert claimed - WITH_TORCH == set(LIVE_ONLY)
    kinds = {(c["loss"], c["kind"]) for c in GOLDEN["cases"]}
    for name in covered:
        if lossref.get(name).reduction.accepts_weights:  # a coupled loss (InfoNCE) rejects weights=
            assert (name, "weights") in kinds
    for name in {c["loss"] for c in GOLDEN["cases"] if c["kind"] == "extreme"}:
        assert name in covered
    assert {c["loss"] for c in GOLDEN["cases"] if c["kind"] == "extreme"} == covered


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=case_id)
def test_matches_pytorch_golden_vectors(case):
    assert_matches_torch(case, case["torch_value"], case["torch_grad"])


HAVE_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(
    not HAVE_TORCH, reason="PyTorch not installed (make conformance); golden vectors still ran"
)
def test_the_static_reading_agrees_with_the_registrations():
    import torch_reference  # noqa: F401 - registers the @torch_reference functions
    from torch_registry import TORCH_REFERENCES, reference_names

    assert list(TORCH_REFERENCES) == reference_names()
    assert set(TORCH_REFERENCES) <= {loss.name for loss in lossref.catalog()}
    assert all(
        fn.__name__ == name for name, (fn, _) in TORCH_REFERENCES.items()
    )  # the decorator names its own loss


def test_a_loss_registered_twice_is_an_error():
    from torch_registry import TORCH_REFERENCES, torch_reference

    before = dict(TORCH_REFERENCES)
    torch_reference("a_loss", "torch.a_loss")(lambda: None)
    try:
        with pytest.raises(ValueError, match="'a_loss' is registered twice"):
            torch_reference("a_loss", "again")(lambda: None)
    finally:
        TORCH_REFERENCES.clear()
        TORCH_REFERENCES.update(before)


def test_reference_names_reads_only_decorators():
    from torch_registry import reference_names

    source = (
        '"""``@torch_reference(name, call)`` in a docstring does not count."""\n'
        '@torch_reference("mse", "torch.nn.functional.mse_loss")\n'
        "def mse(): ...\n"
        '@other("mae")\n'
        "def mae(): ...\n"
    )
    assert reference_names(source) == ["mse"]


@pytest.mark.skipif(
    not HAVE_TORCH, reason="PyTorch not installed (make conformance); golden vectors still ran"
)
@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_matches_pytorch_live(case):
    from torch_reference import evaluate

    value, grad = evaluate(
        case["loss"], case["args"], case["hyper"], case["reduction"], case["weights"], case.get("argnum", 0)
    )
    assert_matches_torch(case, value, grad)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch not installed (make conformance)")
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_perceptual_matches_torch_autograd(reduction):
    # perceptual has functions for hyperparameters, so no golden vectors: a small CNN in PyTorch
    # is the user's network (lossref gets its features and a VJP by autograd), and the loss is
    # written again in PyTorch with F.mse_loss per layer and differentiated by autograd
    import torch
    import torch.nn.functional as F

    gen = torch.Generator().manual_seed(0)
    k1 = torch.randn(3, 2, 3, 3, generator=gen, dtype=torch.float64)
    k2 = torch.randn(4, 3, 3, 3, generator=gen, dtype=torch.float64)

    def net(x):
        h1 = F.relu(F.conv2d(x, k1, padding=1))
        return [h1, torch.tanh(F.conv2d(h1, k2))]

    def feature_fn(x):
        with torch.no_grad():
            return [f.numpy() for f in net(torch.tensor(x))]

    def feature_vjp(x, cotangents):
        xt = torch.tensor(x, requires_grad=True)
        feats = net(xt)
        return torch.autograd.grad(feats, xt, [torch.tensor(c) for c in cotangents])[0].numpy()

    y_hat, y = torch.randn(2, 3, 2, 6, 5, generator=gen, dtype=torch.float64)
    weights = (0.7, 2.0)
    y_hat_t = y_hat.clone().requires_grad_(True)
    per_sample = sum(
        w * F.mse_loss(a, b, reduction="none").flatten(1).mean(dim=1)
        for w, a, b in zip(weights, net(y_hat_t), net(y), strict=True)
    )
    total = per_sample.mean() if reduction == "mean" else per_sample.sum()
    total.backward()
    kw = dict(feature_fn=feature_fn, feature_vjp=feature_vjp, layer_weights=weights, reduction=reduction)
    value, grad = lossref.perceptual.value_and_grad(y_hat.numpy(), y.numpy(), **kw)
    assert value == pytest.approx(float(total.detach()), rel=1e-13)
    np.testing.assert_allclose(grad, y_hat_t.grad.numpy(), rtol=1e-12, atol=1e-15)
