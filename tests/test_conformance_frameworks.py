"""lossref against Keras, optax, pytorch-metric-learning and Kornia, at pinned versions.

Keras 3.15.1 (JAX backend), optax 0.2.8, pytorch-metric-learning 2.9.0 and Kornia 0.9.0:
committed golden values, and the same calls live when the pinned versions are installed
(``make conformance``).
"""

import importlib.metadata
import json
import re
from pathlib import Path

import numpy as np
import pytest

from framework_cases import (
    GOLDEN_FILES,
    JAX_VERSION,
    KERAS_VERSION,
    PINNED,
    assert_matches,
    cases,
    ours,
    pinned_reason,
)

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = {fw: json.loads((ROOT / "tests" / "golden" / name).read_text()) for fw, name in GOLDEN_FILES.items()}
GOLDEN_CASES = [case for fw in GOLDEN for case in GOLDEN[fw]["cases"]]
# which runner evaluates a framework's calls, and the header field naming the version it ran on
RUNNER = {"Keras": "jax", "optax": "jax", "pytorch-metric-learning": "torch", "Kornia": "torch"}
REASON = {runner: pinned_reason(packages) for runner, packages in PINNED.items()}


def test_golden_files_match_the_case_list():
    # the committed values were computed from today's calls and inputs: regenerate if not
    expected = cases()
    assert len({c["id"] for c in expected}) == len(expected)
    for fw, golden in GOLDEN.items():
        assert [c["id"] for c in golden["cases"]] == [c["id"] for c in expected if c["framework"] == fw], fw
        assert golden["framework"] == fw
        assert golden["dtype"] == "float64", fw
        runner = RUNNER[fw]
        package = {"Keras": "keras", "Kornia": "kornia"}.get(fw, fw)
        assert golden["version"] == PINNED[runner][package]
        assert golden[runner] == PINNED[runner][runner].removesuffix("+cpu")
    by_id = {c["id"]: c for c in expected}
    for committed in GOLDEN_CASES:
        case = by_id[committed["id"]]
        for key in ("loss", "framework", "call", "ours", "grad", "rtol"):
            assert committed[key] == case[key], (case["id"], key)
        assert committed["inputs"].keys() == case["inputs"].keys()
        for name, array in case["inputs"].items():
            # 4 ulps: log and exp may differ in the last bit across CPUs
            np.testing.assert_allclose(committed["inputs"][name], array, rtol=4 * np.finfo(float).eps, atol=0)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=lambda c: c["id"])
def test_matches_golden_values(case):
    assert_matches(case, case["value"], case["grad_value"])


def _live(runner):
    return [
        pytest.param(
            c, id=c["id"], marks=pytest.mark.skipif(REASON[runner] is not None, reason=REASON[runner] or "")
        )
        for c in cases()
        if RUNNER[c["framework"]] == runner
    ]


@pytest.mark.parametrize("case", _live("jax"))
def test_matches_live_jax(case):
    from jax_reference import evaluate

    assert_matches(case, *evaluate(case))


@pytest.mark.parametrize("case", _live("torch"))
def test_matches_live_torch_libraries(case):
    from torch_libs_reference import evaluate

    assert_matches(case, *evaluate(case))


def test_keras_mean_is_float32():
    # Keras 3.15.1 with floatx float64 on JAX x64 still averages in float32: its MSE (a mean over the
    # last axis) is off by float32 rounding, its categorical cross-entropy (a sum) is float64-exact
    by_id = {c["id"]: c for c in GOLDEN_CASES}
    mse, ce = by_id["mse-keras-equivalent"], by_id["softmax_cross_entropy-keras-equivalent"]
    error = abs(ours(mse)[0] / mse["value"] - 1)
    assert 1e-10 < error < 1e-6
    assert ours(ce)[0] == pytest.approx(ce["value"], rel=1e-14)


def test_the_pins_agree():
    # the Makefile (make conformance, CI) installs exactly pyproject.toml's conformance extra
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"][
        "conformance"
    ]
    make = re.search(r"^CONFORMANCE := (.*?)\n\n", (ROOT / "Makefile").read_text(), re.S | re.M)[1]
    assert sorted(extra) == sorted(make.replace("\\", " ").split())
    for packages in PINNED.values():
        for package, version in packages.items():
            assert f"{package}=={version.removesuffix('+cpu')}" in extra


def test_live_cases_skip_naming_the_pinned_version(monkeypatch):
    def missing(package):
        raise importlib.metadata.PackageNotFoundError(package)

    packages = PINNED["jax"]
    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert (
        pinned_reason(packages)
        == f"keras {KERAS_VERSION} not installed (make conformance); the golden values still ran"
    )
    monkeypatch.setattr(
        importlib.metadata, "version", lambda package: "3.16.0" if package == "keras" else packages[package]
    )
    assert (
        pinned_reason(packages)
        == f"keras 3.16.0 installed, the cases are pinned to {KERAS_VERSION}; the golden values still ran"
    )
    assert packages["jax"] == JAX_VERSION
