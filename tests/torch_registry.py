"""Which losses PyTorch checks, read from one place: the ``@torch_reference`` functions.

``@torch_reference(name, call)`` marks a function in scripts/torch_reference.py as PyTorch's
side of ``name`` and records the call it makes (written into each golden case as
``reference``). A loss without one needs no entry anywhere: its metadata's ``equivalents``
say which frameworks check it, and tests/test_conformance.py requires a reference for every
loss whose equivalents name PyTorch. ``reference_names()`` reads the decorators without
importing torch, so the golden tests run without it; with torch installed, the live tests
check that the registrations agree.
"""

import ast
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "torch_reference.py"

TORCH_REFERENCES = {}  # name -> (function, the PyTorch call it makes), filled on import of the script
# PyTorch equivalents no golden vector can hold, run live by a test in tests/test_conformance.py
LIVE_ONLY = {
    # its hyperparameters are functions (the user's network), which golden vectors cannot hold
    "perceptual": "test_perceptual_matches_torch_autograd",
}


def torch_reference(name, call):
    def register(fn):
        if name in TORCH_REFERENCES:
            raise ValueError(f"{name!r} is registered twice")
        TORCH_REFERENCES[name] = (fn, call)
        return fn

    return register


def reference_names(source=None):
    """The losses with a ``@torch_reference`` in scripts/torch_reference.py, in file order."""
    tree = ast.parse(SCRIPT.read_text() if source is None else source)
    return [
        deco.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for deco in node.decorator_list
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "torch_reference"
    ]
