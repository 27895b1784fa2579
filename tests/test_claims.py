"""Claims about other frameworks are executed or dated.

A framework whose code the tests run (PyTorch, Keras and optax through golden vectors, scikit-learn, SciPy) is
checked against its pinned version. For every other framework, each ``Difference`` and each
``equivalents`` entry must name the release (or, for code without releases, the commit) it was
checked against, so a reader knows how old the statement is.
"""

import re

import pytest

import lossref

# frameworks the test suite executes against pinned versions (golden files record them, and
# tests/test_framework_coverage.py requires a case for each equivalent): checked, not just dated
EXECUTED = {
    "PyTorch",
    "torchvision",
    "scikit-learn",
    "SciPy",
    "Keras",
    "optax",
    "pytorch-metric-learning",
    "Kornia",
}

# a release "v1.7.0" / "1.7.0" / "v0.5", or a commit "commit bf64291" for code without releases
RELEASE = re.compile(r"\bv\d+(?:\.\d+)+\b|\b\d+\.\d+\.\d+\b|\bcommit [0-9a-f]{7,40}\b")


def framework_statements():
    for loss in lossref.catalog():
        for d in loss.meta.differences:
            yield f"{loss.name}: difference {d.id} ({d.framework})", d.framework, d.text
        for framework, text in loss.meta.equivalents.items():
            yield f"{loss.name}: {framework} equivalent", framework, text


UNEXECUTED = [(label, text) for label, framework, text in framework_statements() if framework not in EXECUTED]


def test_release_pattern():
    for dated in ("v1.7.0", "checked in 0.28.0", "(v0.5)", "at commit bf64291, which"):
        assert RELEASE.search(dated), dated
    for undated in ("margin=28.6", "cliprange=0.2", "ε = 1e-7", "default 0.07", "shape (1, 3)"):
        assert not RELEASE.search(undated), undated


@pytest.mark.parametrize(("label", "text"), UNEXECUTED, ids=[label for label, _ in UNEXECUTED])
def test_unexecuted_framework_statement_names_a_release(label, text):
    assert RELEASE.search(text), f"{label} names no release or commit: {text}"
