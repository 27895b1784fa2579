"""lossref against PyTorch 2.13: committed golden vectors, and the same cases live when torch is installed."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import lossref

from conformance_cases import NO_TORCH, cases

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
    if case["reduction"] != "none":
        np.testing.assert_allclose(loss.grad(*args, argnum=case.get("argnum", 0), **kw), torch_grad, rtol=RTOL, atol=ATOL)


def test_golden_file_matches_the_case_list():
    # the committed vectors were generated from today's inputs: regenerate if not. Sampled
    # inputs pass through exp (softmax rows), whose last bit differs between CPUs (NumPy's
    # SIMD paths), so arrays are compared to 4 ulps; everything else exactly. The golden
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
                np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                           rtol=4 * np.finfo(float).eps, atol=0)
    assert GOLDEN["torch"].startswith("2.13.0") and GOLDEN["dtype"] == "float64"


def test_every_loss_with_a_pytorch_reference_has_golden_cases():
    covered = {c["loss"] for c in GOLDEN["cases"]}
    assert covered == {loss.name for loss in lossref.catalog()} - NO_TORCH
    kinds = {(c["loss"], c["kind"]) for c in GOLDEN["cases"]}
    for name in covered:
        if not lossref.get(name).meta.coupled:  # a coupled loss (InfoNCE) rejects weights=
            assert (name, "weights") in kinds
    for name in {c["loss"] for c in GOLDEN["cases"] if c["kind"] == "extreme"}:
        assert name in covered
    assert {c["loss"] for c in GOLDEN["cases"] if c["kind"] == "extreme"} == covered


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=case_id)
def test_matches_pytorch_golden_vectors(case):
    assert_matches_torch(case, case["torch_value"], case["torch_grad"])


HAVE_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch not installed (make conformance); golden vectors still ran")
@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_matches_pytorch_live(case):
    sys.path.insert(0, str(ROOT / "scripts"))
    from torch_reference import evaluate

    value, grad = evaluate(case["loss"], case["args"], case["hyper"], case["reduction"], case["weights"], case.get("argnum", 0))
    assert_matches_torch(case, value, grad)
