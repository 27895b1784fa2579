"""Meta-tests for the docs: every fence is collected, every loss has a page, every page its blocks."""

import os
import re
from pathlib import Path

import pytest
from sybil import Sybil

import lossref

from doc_examples import PythonFenceParser, count_python_fences

ROOT = Path(__file__).resolve().parents[1]
COLLECTED = [ROOT / "docs", ROOT / "notebooks", ROOT / "README.md"]  # pytest testpaths that hold Markdown


def markdown_files():
    seen = {}
    for top in ("docs", "notebooks"):
        for folder, _, names in os.walk(ROOT / top, followlinks=True):
            for name in names:
                if name.endswith(".md"):
                    path = Path(folder, name)
                    seen.setdefault(path.resolve(), path)
    return [*sorted(seen), ROOT / "README.md"]


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_python_fence_is_collected(path):
    text = path.read_text()
    document = Sybil(parsers=[PythonFenceParser()], patterns=["*.md"]).parse(path)
    assert len(list(document)) == count_python_fences(text), "a ```python fence the test parser missed"
    assert any(path == top or top in path.parents for top in COLLECTED), "outside pytest's testpaths"
    assert "<!-- skip" not in text  # no silently skipped examples


def test_pages_and_registry_match():
    pages = {p.stem for p in (ROOT / "docs" / "losses").glob("*.md")} - {"index", "compare"}
    assert pages == {loss.name for loss in lossref.catalog()}


SECTIONS = [
    "## Intuition",
    "## When to use it",
    "## Pitfalls",
    "## Worked example",
    "## Related",
    "## Interview questions",
]


@pytest.mark.parametrize("loss", lossref.catalog(), ids=lambda loss: loss.name)
def test_loss_page_follows_the_anatomy(loss):
    text = (ROOT / "docs" / "losses" / f"{loss.name}.md").read_text()
    markers = re.findall(r"<!-- lossref: (\w+) (\w+) -->", text)
    # besides its own three blocks, a page may show its family's overlay figure (DPO's comparison)
    overlays = [name for kind, name in markers if kind == "overlay"]
    assert set(overlays) <= {loss.meta.family}
    markers = [marker for marker in markers if marker[0] != "overlay"]
    assert markers == [("definition", loss.name), ("frameworks", loss.name), ("api", loss.name)]
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions), "sections out of order"
    assert text.startswith("# ")
    assert text.count('??? question "') >= 2
    assert count_python_fences(text) >= 1


@pytest.mark.parametrize("loss", lossref.catalog(), ids=lambda loss: loss.name)
def test_metadata_is_complete(loss):
    meta = loss.meta
    assert meta.formula
    assert meta.gradient
    assert meta.use_case
    assert meta.references
    assert meta.equivalents
    assert meta.plot.curve is not None
    assert meta.plot.curve.series
    assert loss.__doc__
    assert "Args:" in loss.__doc__
    assert "Examples:" in loss.__doc__
    for name in loss.hyperparameters:
        assert f"{name}:" in loss.__doc__, f"hyperparameter {name} undocumented"
