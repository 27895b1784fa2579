"""Run the ```python fences of a Markdown page: one namespace per page, top to bottom.

A fence's ``#>`` comment lines are the output it must print, so a reader can copy a fence
as it stands. A fence without ``#>`` lines must print nothing... or anything: only the
``#>`` lines are compared, and a fence that has them must print exactly them.
"""

import contextlib
import io
import re

import numpy as np
from sybil.parsers.markdown import CodeBlockParser

OUTPUT = re.compile(r"^\s*#> ?(.*)$")


def expected_output(source):
    """The text that the ``#>`` lines of ``source`` promise, one line each."""
    return [m.group(1) for m in map(OUTPUT.match, source.splitlines()) if m]


def evaluate_python(example):
    source = example.parsed
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), np.printoptions(legacy=False):
        code = compile(source, f"{example.path}:{example.line}", "exec")
        exec(code, example.namespace)
    want = expected_output(source)
    if want:
        got = buffer.getvalue().rstrip("\n").split("\n")
        if [g.rstrip() for g in got] != [w.rstrip() for w in want]:
            return "printed output differs from the #> lines:\n" + "\n".join(
                ["expected:", *want, "got:", *got]
            )
    return None


class PythonFenceParser(CodeBlockParser):
    language = "python"

    def evaluate(self, example):
        return evaluate_python(example)


def count_python_fences(text):
    """Count ```python fences the way a reader sees them (used by the meta-test)."""
    return len(re.findall(r"^\s*```python\s*$", text, flags=re.M))
