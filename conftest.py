"""Collect the examples the tests run.

Every ```python fence in docs/ and README.md, and every docstring example in lossref/ and the
site package.
"""

import os

import pytest
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
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "site" in fixtures or "browser" in fixtures:
            item.add_marker(pytest.mark.site)
        path = str(item.path)
        if path.endswith(".ipynb") or item.path.name == "test_accuracy.py":
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A notebook's Jupyter kernel (nbmake) runs every cell but draws no figure: MPLBACKEND=agg.

    In a full run the site build draws each figure of each notebook, with the Agg renderer that
    Jupyter's inline backend also uses, and the site tests check that its pages show every one
    (test_notebook_pages_show_every_figure). Drawing them a second time in the kernels was 14 of
    their 49 CPU-seconds. ipykernel picks the inline backend only when MPLBACKEND is unset.
    """
    if not item.path.name.endswith(".ipynb"):
        return (yield)
    before = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "agg"
    try:
        return (yield)
    finally:
        if before is None:
            del os.environ["MPLBACKEND"]
        else:
            os.environ["MPLBACKEND"] = before


# Tests whose cost is in a few long items rather than in a file of many short ones are handed
# out one test function (the browser tests) or one test (a loss's mpmath sweep, a notebook, a
# gradient or property check: SPREAD below) at a time, so the two workers finish together
# instead of one file holding a worker for minutes at the end.


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, but the long tests spread over the workers (see above)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        _ordered = False

        def _split_scope(self, nodeid):
            return work_unit(nodeid)

        def _assign_work_unit(self, node):
            if not self._ordered:  # the first assignment: the queue is complete, nothing sent yet
                self._ordered = True
                units = sorted(self.workqueue.items(), key=lambda unit: _priority(*unit))
                self.workqueue.clear()
                self.workqueue.update(units)
            super()._assign_work_unit(node)

    return Scheduling(config, log)


# files of independent tests (no module fixture) whose time is in a few hundred slow ones: a file
# as one unit held one worker for minutes (test_gradients: 234 s of `make check`'s 254)
SPREAD = ("tests/test_accuracy.py", "tests/test_gradients.py", "tests/test_properties.py")

# the browser tests that read the module fixture `tour` (every page loaded in Chromium, about a
# minute of CPU): in two units, each worker loaded every page
TOUR = ("test_every_page_in_a_real_browser", "test_explorers_redraw_from_the_keyboard")


def work_unit(nodeid):
    """The unit of work a test is handed out in: its file, its function or itself (see above)."""
    path = nodeid.split("::", 1)[0]
    if path == "tests/test_site.py":  # a function's parametrisations share a page's setup
        function = nodeid.split("::", 1)[1].split("[", 1)[0]
        return f"{path}::{TOUR[0] if function in TOUR else function}"
    if path in SPREAD or path.endswith(".ipynb"):
        return nodeid
    return path


def _priority(scope, tests):
    """The order the units are handed out: long single tests first, small files last.

    The every-page browser test opens the run on one worker (it builds the site the other
    browser tests share), the mpmath sweeps and notebooks keep the other busy meanwhile; then the
    other browser tests, then the remaining files, largest first.
    """
    path = scope.split("::", 1)[0]
    if scope == f"tests/test_site.py::{TOUR[0]}":
        return (0, 0)
    if path == "tests/test_accuracy.py" or path.endswith(".ipynb"):
        return (1, 0)
    if path == "tests/test_site.py":
        return (2, 0)
    return (3, -len(tests))
