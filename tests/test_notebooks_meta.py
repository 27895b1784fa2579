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
            assert cell["outputs"] == []
            assert cell["execution_count"] is None
    index = (path.parent / "index.md").read_text()
    assert f"]({path.name})" in index, "listed on the notebooks index page"
    assert nb["cells"][0]["source"][0].startswith("# "), "a title"
    assert any("What to take away" in "".join(c["source"]) for c in nb["cells"])


def _shown_only_by_jupyter(source):
    """Why a cell's output would differ between Jupyter and the site's in-process runner.

    docs/hooks/run_notebooks.py keeps what a cell prints and the figures it draws; Jupyter also
    shows the value of a bare last expression and what display() shows.
    """
    import ast

    tree = ast.parse(source)
    # display(x) or IPython.display.display(x), anywhere in the cell
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    if any("display" in (getattr(f, "id", None), getattr(f, "attr", None)) for f in calls):
        return "calls display()"
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call):
        return "ends in a bare expression"
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        name = getattr(last.value.func, "id", None) or getattr(last.value.func, "attr", None)
        if name not in ("print", "show", "tight_layout", "savefig", "close", "seed", "grid"):  # return None
            return f"ends in a call whose value Jupyter would show ({name})"
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_show_the_same_output_on_the_site_and_in_jupyter(path):
    nb = json.loads(path.read_text())
    bad = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            reason = _shown_only_by_jupyter(
                "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            )
            if reason:
                bad.append((i, reason, source.strip().splitlines()[-1]))
    assert not bad, f"end the cell with print(...) or assign the value: {bad}"


def test_the_check_sees_a_bare_expression():
    assert _shown_only_by_jupyter("x = 1\nx") == "ends in a bare expression"
    assert _shown_only_by_jupyter("display(1)") == "calls display()"
    assert _shown_only_by_jupyter("import IPython\nIPython.display.display(1)\nprint(2)") == "calls display()"
    assert _shown_only_by_jupyter("ax.legend()") == "ends in a call whose value Jupyter would show (legend)"
    assert _shown_only_by_jupyter("plt.show()") is None
    assert _shown_only_by_jupyter("y = f(x)") is None
    assert _shown_only_by_jupyter("print(1)") is None
