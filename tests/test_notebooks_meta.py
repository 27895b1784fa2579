"""Notebooks are committed without outputs (the site and nbmake execute them)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped_and_listed(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    index = (path.parent / "index.md").read_text()
    assert f"]({path.name})" in index, "listed on the notebooks index page"
    assert nb["cells"][0]["source"][0].startswith("# "), "a title"
    assert any("What to take away" in "".join(c["source"]) for c in nb["cells"])
