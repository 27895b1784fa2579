"""The test suite's own layout: shared helpers live in helper modules, never in a test module."""

import ast
import importlib.util
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_another():
    # a test module imported by another runs its module-level code twice and ties two files'
    # fixtures together; shared code belongs in a helper module (helpers.py, site_pages.py, ...)
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("test_")]
    assert offenders == []


def test_the_tests_of_one_module_fixture_are_one_unit_of_work():
    # the scheduler (the root conftest.py) hands test_site.py out function by function; the tests
    # that read `tour` must still go to one worker, or each worker loads every page in Chromium
    spec = importlib.util.spec_from_file_location("root_conftest", TESTS.parent / "conftest.py")
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    readers = [
        node.name
        for node in ast.parse((TESTS / "test_site.py").read_text()).body
        if isinstance(node, ast.FunctionDef) and "tour" in [a.arg for a in node.args.args]
    ]
    assert len(readers) >= 2
    assert len({root.work_unit(f"tests/test_site.py::{name}") for name in readers}) == 1
    # and the others are still spread function by function
    assert root.work_unit("tests/test_site.py::test_search_works_offline") != root.work_unit(
        f"tests/test_site.py::{readers[0]}"
    )
