"""Collect every ```python fence in docs/ and README.md, and every docstring example in lossref/."""

import sys
from pathlib import Path

from sybil import Sybil
from sybil.parsers.rest import DocTestParser

sys.path.insert(0, str(Path(__file__).parent / "tests"))

from doc_examples import PythonFenceParser  # noqa: E402

markdown_examples = Sybil(parsers=[PythonFenceParser()], patterns=["*.md"], path=".")
docstring_examples = Sybil(parsers=[DocTestParser()], patterns=["lossref/*.py"], path=".")

pytest_collect_file = (markdown_examples + docstring_examples).pytest()
