"""lossref against Keras 3.15.1 (JAX backend) and optax 0.2.8: committed golden values, and the
same calls live when the pinned versions are installed (``make conformance``).
"""

import importlib.metadata
import json
import re
from pathlib import Path

import numpy as np
import pytest

import lossref

from framework_cases import JAX_VERSION, KERAS_VERSION, OPTAX_VERSION, cases

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = {
    fw: json.loads((ROOT / "tests" / "golden" / f"{fw.lower()}.json").read_text())
    for fw in ("Keras", "optax")
}
PINNED = {"keras": KERAS_VERSION, "optax": OPTAX_VERSION, "jax": JAX_VERSION, "jaxlib": JAX_VERSION}
GOLDEN_CASES = [case for fw in GOLDEN for case in GOLDEN[fw]["cases"]]


def _ours(case):
    scope = {"lossref": lossref, "np": np}
    inputs = {k: np.asarray(v) for k, v in case["inputs"].items()}
    value = eval(case["ours"], scope, inputs)
    grad = None
    if case["grad"]:
        # the gradient of the same call: lossref.<loss>(x, ...) -> lossref.<loss>.grad(x, ...)
        # (reshaped back where ours flattens the input first)
        match = re.match(r"lossref\.(\w+)\((\w+)\b", case["ours"])
        assert match and match[2] == case["grad"], case["id"]
        grad = eval(
            case["ours"].replace(f"lossref.{match[1]}(", f"lossref.{match[1]}.grad(", 1), scope, inputs
        )
        grad = np.reshape(grad, inputs[case["grad"]].shape)
    return value, grad


def assert_matches(case, value, grad):
    if case["ours"] is None:  # a documented difference: test_differences.py reads the value
        return
    ours, ours_grad = _ours(case)
    np.testing.assert_allclose(ours, value, rtol=case["rtol"], atol=1e-300)
    if case["grad"]:
        np.testing.assert_allclose(ours_grad, grad, rtol=case["rtol"], atol=1e-12 * np.abs(grad).max())


def test_golden_files_match_the_case_list():
    # the committed values were computed from today's calls and inputs: regenerate if not
    expected = cases()
    assert [c["id"] for c in GOLDEN_CASES] == [c["id"] for c in expected if c["framework"] == "Keras"] + [
        c["id"] for c in expected if c["framework"] == "optax"
    ]
    assert len({c["id"] for c in expected}) == len(expected)
    by_id = {c["id"]: c for c in expected}
    for committed in GOLDEN_CASES:
        case = by_id[committed["id"]]
        for key in ("loss", "framework", "call", "ours", "grad", "rtol"):
            assert committed[key] == case[key], (case["id"], key)
        assert committed["inputs"].keys() == case["inputs"].keys()
        for name, array in case[
            "inputs"
        ].items():  # 4 ulps: log and exp may differ in the last bit across CPUs
            np.testing.assert_allclose(committed["inputs"][name], array, rtol=4 * np.finfo(float).eps, atol=0)
    assert GOLDEN["Keras"]["version"] == KERAS_VERSION
    assert GOLDEN["optax"]["version"] == OPTAX_VERSION
    assert all(GOLDEN[fw]["jax"] == JAX_VERSION and GOLDEN[fw]["dtype"] == "float64" for fw in GOLDEN)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=lambda c: c["id"])
def test_matches_golden_values(case):
    assert_matches(case, case["value"], case["grad_value"])


def _pinned_reason():
    """Why the live cases cannot run here, or None."""
    for package, version in PINNED.items():
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return f"{package} {version} not installed (make conformance); the golden values still ran"
        if installed != version:
            return f"{package} {installed} installed, the cases are pinned to {version}; the golden values still ran"
    return None


REASON = _pinned_reason()


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
@pytest.mark.parametrize("case", cases(), ids=lambda c: c["id"])
def test_matches_live(case):
    from jax_reference import evaluate

    assert_matches(case, *evaluate(case))


def test_keras_mean_is_float32():
    # Keras 3.15.1 with floatx float64 on JAX x64 still averages in float32: its MSE (a mean over the
    # last axis) is off by float32 rounding, its categorical cross-entropy (a sum) is float64-exact
    by_id = {c["id"]: c for c in GOLDEN_CASES}
    mse, ce = by_id["mse-keras-equivalent"], by_id["softmax_cross_entropy-keras-equivalent"]
    error = abs(_ours(mse)[0] / mse["value"] - 1)
    assert 1e-10 < error < 1e-6
    assert _ours(ce)[0] == pytest.approx(ce["value"], rel=1e-14)


def test_the_pins_agree():
    # the Makefile (make conformance, CI) installs exactly pyproject.toml's conformance extra
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][
        "conformance"
    ]
    make = re.search(r"^CONFORMANCE := (.*?)\n\n", (ROOT / "Makefile").read_text(), re.S | re.M)[1]
    assert sorted(extra) == sorted(make.replace("\\", " ").split())
    for package, version in PINNED.items():
        assert f"{package}=={version}" in extra


def test_live_cases_skip_naming_the_pinned_version(monkeypatch):
    def missing(package):
        raise importlib.metadata.PackageNotFoundError(package)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert (
        _pinned_reason()
        == f"keras {KERAS_VERSION} not installed (make conformance); the golden values still ran"
    )
    monkeypatch.setattr(
        importlib.metadata, "version", lambda package: "3.16.0" if package == "keras" else PINNED[package]
    )
    assert (
        _pinned_reason()
        == f"keras 3.16.0 installed, the cases are pinned to {KERAS_VERSION}; the golden values still ran"
    )
