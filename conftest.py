"""Collect the examples the tests run.

Every ```python fence in docs/ and README.md, and every docstring example in lossref/ and the
site package.
"""

from sybil import Sybil
from sybil.parsers.rest import DocTestParser

from doc_examples import PythonFenceParser

markdown_examples = Sybil(parsers=[PythonFenceParser()], patterns=["*.md"], path=".")
docstring_examples = Sybil(
    parsers=[DocTestParser()], patterns=["lossref/*.py", "lossref_site/*.py"], path="."
)

pytest_collect_file = (markdown_examples + docstring_examples).pytest()


def pytest_collection_modifyitems(config, items):
    """Apply the declared markers from what a test uses, so `make check` can leave out the slow tier.

    `site` marks everything that builds the site or drives the browser; `slow`, the mpmath
    accuracy sweep and the notebooks.
    """
    import pytest

    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "site" in fixtures or "browser" in fixtures:
            item.add_marker(pytest.mark.site)
        path = str(item.path)
        if path.endswith(".ipynb") or item.path.name == "test_accuracy.py":
            item.add_marker(pytest.mark.slow)
