"""The committed JSON files the pages quote: golden vectors and accuracy bounds."""

import functools
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "golden" / "torch.json"
ACCURACY = ROOT / "tests" / "golden" / "accuracy.json"


def committed(path):
    """A committed JSON file (golden vectors, accuracy bounds), parsed once per version of it.

    Every loss page reads the same few files, and parsing them per page cost ~10 s a build.
    """
    return _parsed(path, path.stat().st_mtime_ns) if path.exists() else None


@functools.lru_cache(maxsize=16)
def _parsed(path, mtime):  # the mtime is the cache key: `make serve` sees a regenerated file
    return json.loads(path.read_text())


def torch_version():
    """The PyTorch release the golden vectors were computed with, without its build tag (``+cpu``)."""
    return committed(GOLDEN)["torch"].split("+")[0]


def golden_names():
    golden = committed(GOLDEN)
    return set() if golden is None else {case["loss"] for case in golden["cases"]}


def executed_calls():
    """The executed calls: (loss, framework) pairs, versions, and the pairs run live only.

    A pair is listed where a golden file holds a passing case for it; the live-only pairs are run
    against the framework by a test (perceptual: its hyperparameters are functions, which no
    golden file holds).
    """
    pairs, versions, live = set(), {}, set()
    if GOLDEN.exists():
        torch_golden = committed(GOLDEN)
        versions["PyTorch"] = torch_version()
        pairs |= {(case["loss"], "PyTorch") for case in torch_golden["cases"]}
        live = {(name, "PyTorch") for name in torch_golden.get("live_only", {})}
    for framework, name in (
        ("Keras", "keras"),
        ("optax", "optax"),
        ("pytorch-metric-learning", "pml"),
        ("Kornia", "kornia"),
    ):
        path = GOLDEN.with_name(f"{name}.json")
        if path.exists():
            golden = committed(path)
            versions[framework] = golden["version"]
            pairs |= {(case["loss"], framework) for case in golden["cases"]}
    return pairs, versions, live
