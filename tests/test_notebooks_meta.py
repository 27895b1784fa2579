"""Notebooks are committed without outputs (the site and nbmake execute them)."""

import json
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

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


# --- docs/hooks/run_notebooks.py: the background runs of the site build -----------------------


def _notebook(path, *sources):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, path)
    return path


def test_the_build_finds_notebooks_through_symlinks_and_skips_dot_folders(tmp_path):
    import run_notebooks

    outside = tmp_path / "notebooks"
    (outside / ".ipynb_checkpoints").mkdir(parents=True)
    _notebook(outside / "a.ipynb", "1")
    _notebook(outside / ".ipynb_checkpoints" / "a-checkpoint.ipynb", "1")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notebooks").symlink_to(outside)  # as docs/notebooks -> ../notebooks
    _notebook(docs / "b.ipynb", "1")
    found = run_notebooks._notebooks(docs)
    assert [p.relative_to(docs).as_posix() for p in found] == ["b.ipynb", "notebooks/a.ipynb"]


def test_a_background_failure_is_reported_by_its_page_with_the_cell(tmp_path, monkeypatch):
    import multiprocessing

    import run_notebooks

    monkeypatch.setattr(run_notebooks, "CACHE", tmp_path / "cache")
    good = _notebook(tmp_path / "good.ipynb", "print(6 * 7)")
    bad = _notebook(tmp_path / "bad.ipynb", "x = 1", "x / 0")
    pending = [(s, run_notebooks._target(s)) for s in (bad, good)]
    # what each background process runs, here in this process: the failure does not stop the others
    run_notebooks._claim_and_execute(pending, multiprocessing.get_context("fork").Value("i", 0))
    (_, bad_target), (_, good_target) = pending
    assert not bad_target.exists()
    assert json.loads(good_target.read_text())["cells"][0]["outputs"][0]["text"] == ["42\n"]
    # no background process is left to write it: the page runs it again here, and the error says where
    monkeypatch.setitem(run_notebooks._background, "processes", [])
    monkeypatch.setitem(run_notebooks._background, "sources", {t: s for s, t in pending})
    from types import SimpleNamespace

    page = SimpleNamespace(file=SimpleNamespace(src_uri="bad.ipynb", abs_src_path=str(bad_target)))
    with pytest.raises(RuntimeError, match=r"bad\.ipynb, cell 2 failed:[\s\S]*ZeroDivisionError"):
        run_notebooks.on_pre_page(page, None, None)


def test_a_notebook_page_waits_for_its_run_before_mkdocs_jupyter_reads_it():
    # mkdocs-jupyter reads the executed copy in its own pre_page (for its cache key): a page
    # whose notebook is still running in the background must wait before that, not after
    from mkdocs.config import load_config

    root = Path(__file__).resolve().parents[1]
    config = load_config(str(root / "mkdocs.yml"))
    order = [getattr(m, "__module__", "") for m in config.plugins.events["pre_page"]]
    ours = order.index("docs/hooks/run_notebooks.py")  # a hook module is named by its path
    assert any(name.startswith("mkdocs_jupyter") for name in order[ours + 1 :]), order


def test_the_lock_pins_a_build_backend_the_site_can_build_the_wheel_with():
    # the site builds the lossref wheel its notebook pages offer without build isolation
    # (docs/hooks/run_notebooks.py), with the setuptools in .venv: the lock must pin one that
    # pyproject.toml's build-system accepts. Without the pin .venv kept the setuptools Python's
    # venv ships (65.5), which cannot read `license = "MIT"`, and `make serve` failed on a fresh
    # clone unless `make conformance` had pulled a newer one in with PyTorch
    root = Path(__file__).resolve().parents[1]
    pins = dict(
        line.split("==", 1) for line in (root / "requirements.lock").read_text().split() if "==" in line
    )
    build = tomllib.loads((root / "pyproject.toml").read_text())["build-system"]["requires"]
    for requirement in map(Requirement, build):
        assert requirement.name in pins, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[requirement.name]), (requirement, pins[requirement.name])


def test_the_wheel_is_built_again_only_when_its_sources_change(tmp_path, monkeypatch):
    # every build offers the wheel; under `make serve` a prose edit used to run pip (a second)
    import subprocess

    import run_notebooks

    root = tmp_path / "checkout"
    (root / "lossref" / "__pycache__").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'lossref'\n")
    (root / "README.md").write_text("# lossref\n")
    (root / "lossref" / "__init__.py").write_text("x = 1\n")
    (root / "lossref" / "__pycache__" / "stale.pyc").write_bytes(b"\0")
    monkeypatch.setattr(run_notebooks, "ROOT", root)
    monkeypatch.setattr(run_notebooks, "CACHE", root / ".cache" / "executed-notebooks")
    built = []

    def build(command, **kwargs):  # what the wheel build leaves in its output folder, from the source it read
        source = Path(command[-1])
        built.append((source / "lossref" / "__init__.py").read_text())
        dist = Path(command[command.index("--out-dir" if "--out-dir" in command else "-w") + 1])
        dist.mkdir()
        (dist / "lossref-0.1.0-py3-none-any.whl").write_text(built[-1])

    monkeypatch.setattr(subprocess, "run", build)
    first = run_notebooks.build_wheel()
    assert run_notebooks.build_wheel() == first
    (root / "lossref" / "__pycache__" / "stale.pyc").write_bytes(b"\1")  # not a source
    assert run_notebooks.build_wheel() == first
    assert built == ["x = 1\n"]
    (root / "lossref" / "__init__.py").write_text("x = 2\n")
    second = run_notebooks.build_wheel()
    assert second != first
    assert second.name == first.name
    assert built == ["x = 1\n", "x = 2\n"]
    assert second.read_text() == "x = 2\n"
    assert not first.exists()  # the older wheel is removed


def test_the_wheel_is_built_by_the_venvs_uv_else_by_pip(tmp_path, monkeypatch):
    # uv beside the interpreter (the Makefile's venv): its build, offline and with the installed
    # setuptools, the same wheel in a third of pip's time; without it, pip's
    import run_notebooks

    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    monkeypatch.setattr(run_notebooks.sys, "executable", str(python))
    command = run_notebooks._wheel_command(tmp_path / "src", tmp_path / "dist")
    assert command[:3] == [str(python), "-m", "pip"]
    assert "--no-build-isolation" in command
    (tmp_path / "bin" / "uv").write_text("")
    command = run_notebooks._wheel_command(tmp_path / "src", tmp_path / "dist")
    assert command[:2] == [str(tmp_path / "bin" / "uv"), "build"]
    assert {"--no-build-isolation", "--offline"} <= set(command)
    assert command[command.index("--python") + 1] == str(python)
    assert command[-3:] == ["--out-dir", str(tmp_path / "dist"), str(tmp_path / "src")]
