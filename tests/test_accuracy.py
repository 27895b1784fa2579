"""No loss is less accurate than the bound its page states (tests/golden/accuracy.json)."""

import json
from pathlib import Path

import pytest

import lossref

from accuracy import measure_all
from mp_reference import REFERENCES

CLAIMS = json.loads((Path(__file__).parent / "golden" / "accuracy.json").read_text())
GOAL = 1e-13  # the accuracy goal wherever the float64 answer is representable


def test_every_loss_has_a_reference_and_a_claim():
    names = {loss.name for loss in lossref.catalog()}
    assert set(REFERENCES) == names
    assert set(CLAIMS) == names


@pytest.mark.parametrize("loss", lossref.catalog(), ids=lambda loss: loss.name)
def test_accuracy_against_mpmath(loss):
    measured = measure_all(loss)
    claim = CLAIMS[loss.name]
    assert measured["points"] >= 10, "too few stress points counted"
    assert measured["value"] <= claim["value_bound"] <= GOAL
    if not loss.differentiable:  # evaluation only: no gradient, and the page claims none
        assert measured["grad"] is None and claim["grad_bound"] is None
        return
    assert measured["grad"] <= claim["grad_bound"] <= GOAL


class _Perturbed:
    """A loss whose values are off by 1e-9 relative: what a regression in the library looks like."""

    def __init__(self, loss):
        self._loss = loss

    def __getattr__(self, attr):
        return getattr(self._loss, attr)

    def __call__(self, *args, **kw):
        return self._loss(*args, **kw) * (1 + 1e-9)


def test_the_reference_cache_never_hides_a_library_change():
    # the mpmath side may come from .cache/accuracy/ (warm it first); lossref's side never does
    huber = lossref.get("huber")
    assert measure_all(huber)["value"] <= 1e-15
    assert measure_all(_Perturbed(huber))["value"] >= 1e-10
