"""Every equivalent of a FRAMEWORKS framework on a loss page is executed, or listed here.

FRAMEWORKS: PyTorch, Keras, optax, scikit-learn, pytorch-metric-learning and Kornia. An equivalent is
executed by a conformance case, or listed as not runnable (with the reason), or as a known gap.

The equivalents stay prose in each loss's metadata; ``runs()`` gives each entry the ids of the
cases that run it, read from the case registries (never typed twice): tests/framework_cases.py
(Keras, optax, pytorch-metric-learning, Kornia), the PyTorch golden cases
(tests/conformance_cases.py) and tests/sklearn_cases.py (scikit-learn, and its penalised linear
models in test_conformance_sklearn).
"""

import json
from pathlib import Path

import lossref

import conformance_cases
import framework_cases
import sklearn_cases
import torch_registry
from lossref_site import blocks
from sklearn_cases import PENALIZED

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("PyTorch", "Keras", "optax", "scikit-learn", "pytorch-metric-learning", "Kornia")


# the framework has no such function: the entry says so and names what comes closest, with the
# release and file it was checked against, and the public module that has no such name (checked
# by test_a_not_runnable_entry_is_checked_upstream when that release is installed)
NOT_RUNNABLE = {
    ("huber", "scikit-learn"): (
        "no fixed-δ Huber loss: HuberRegressor estimates a scale σ with the fit",
        ("scikit-learn", "1.9.1", "sklearn/linear_model/_huber.py"),
        ("sklearn.metrics", ("huber",)),
    ),
    ("smape", "scikit-learn"): (
        "no SMAPE in scikit-learn",
        ("scikit-learn", "1.9.1", "sklearn/metrics/_regression.py"),
        ("sklearn.metrics", ("smape", "symmetric")),
    ),
    ("jaccard", "Keras"): (
        "no soft Jaccard loss in Keras; keras.metrics.IoU is a hard, thresholded metric",
        ("keras", "3.15.1", "keras/src/metrics/iou_metrics.py"),
        ("keras.losses", ("jaccard", "iou")),
    ),
    ("knowledge_distillation", "Keras"): (
        "no distillation loss in Keras (only an example script)",
        ("keras", "3.15.1", "keras/src/losses/losses.py"),
        ("keras.losses", ("distil",)),
    ),
    ("vae_elbo", "Keras"): (
        "the ELBO is code in a Keras example, written by hand, not a library call",
        ("keras", "3.15.1", "keras/src/losses/losses.py"),
        ("keras.losses", ("elbo", "vae")),
    ),
}

# runnable, but no case runs them yet: this list may only shrink
GAPS = {}
MAX_GAPS = 0


def runs():
    """(loss, framework) -> the ids of the conformance cases that run it, read from the case registries."""
    out = {}

    def add(name, framework, case_id):
        out.setdefault((name, framework), []).append(case_id)

    for c in conformance_cases.cases():  # the PyTorch golden and live cases, in torch.json's order
        add(c["loss"], "PyTorch", f"torch: {c['loss']}-{c['kind']}-{c['reduction']}")
    for name, test in torch_registry.LIVE_ONLY.items():  # live against autograd
        add(name, "PyTorch", f"test_conformance.py::{test}")
    for c in framework_cases.CASES:
        add(c["loss"], c["framework"], c["id"])
    for c in sklearn_cases.cases():
        add(c["loss"], "scikit-learn", c["id"])
    for i, row in enumerate(PENALIZED):  # live: fitted linear models
        add(row[0], "scikit-learn", f"test_penalties_match_scikit_learns_linear_models[{row[0]}-{i}]")
    return out


def covered():
    """(loss, framework) pairs that a conformance case runs."""
    return set(runs())


def equivalents():
    return {(loss.name, fw) for loss in lossref.catalog() for fw in loss.meta.equivalents if fw in FRAMEWORKS}


def test_every_equivalent_runs_or_says_why_not():
    missing = equivalents() - covered() - NOT_RUNNABLE.keys() - GAPS.keys()
    assert not missing, f"equivalents without a conformance case: {sorted(missing)}"


def test_every_equivalent_knows_its_cases():
    # each entry of a FRAMEWORKS framework: the cases that run it, or why none can
    ran = runs()
    for pair in equivalents():
        assert bool(ran.get(pair)) != (pair in NOT_RUNNABLE), pair
    assert len(ran[("rmse", "PyTorch")]) == 5  # 2 draws, a weighted mean, 2 extremes; "mean" only
    assert ran[("perceptual", "PyTorch")] == ["test_conformance.py::test_perceptual_matches_torch_autograd"]
    golden = {c["loss"] for c in json.loads((ROOT / "tests" / "golden" / "torch.json").read_text())["cases"]}
    assert {name for name, fw in ran if fw == "PyTorch"} - set(torch_registry.LIVE_ONLY) == golden


def test_a_not_runnable_entry_is_checked_upstream():
    import importlib
    import importlib.metadata
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    checked = 0
    for (_name, fw), (reason, (package, release, file), (module, absent)) in NOT_RUNNABLE.items():
        assert reason.strip(), (fw, release, file)
        assert release.count(".") == 2, (fw, release, file)
        assert file.endswith(".py"), (fw, release, file)
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
        if installed != release:
            continue
        mod = importlib.import_module(module)
        root = Path(importlib.import_module(file.split("/")[0]).__file__).parent.parent
        assert (root / file).is_file(), file
        found = [n for n in dir(mod) if any(a in n.lower() for a in absent)]
        assert not found, (module, found)
        checked += 1
    assert checked or not importlib.util.find_spec("keras"), "no entry's release is installed"


def test_the_exception_lists_are_current():
    # an entry that a case now runs, or whose equivalent is gone, must leave the lists
    for pairs in (NOT_RUNNABLE, GAPS):
        assert not pairs.keys() & covered(), sorted(pairs.keys() & covered())
        assert pairs.keys() <= equivalents(), sorted(pairs.keys() - equivalents())
        assert all((reason[0] if isinstance(reason, tuple) else reason).strip() for reason in pairs.values())
    assert len(GAPS) <= MAX_GAPS  # close a gap with a case; never add one


def test_a_not_runnable_entry_says_so_on_the_page():
    for name, fw in NOT_RUNNABLE:
        text = lossref.get(name).meta.equivalents[fw].lower()
        assert text.startswith(("no ", "none", "the vae example")), (name, fw, text)


def test_pages_read_the_versions_from_the_golden_files():
    typed = ("2.13", "3.15", "0.2.8", "1.9.")
    generator = [
        ROOT / "docs" / "hooks" / "lossref_pages.py",
        *(ROOT / "docs" / "hooks" / "lossref_site").glob("*.py"),
    ]
    assert len(generator) > 2
    for path in generator:  # no version typed in the site generator
        assert not any(v in path.read_text() for v in typed), path.name
    golden = {
        fw: json.loads((ROOT / "tests" / "golden" / f"{fw}.json").read_text())
        for fw in ("torch", "keras", "optax", "sklearn")
    }
    block = blocks.frameworks_block(lossref.get("huber"))
    assert f"PyTorch {golden['torch']['torch'].split('+')[0]} " in block
    assert f"Keras {golden['keras']['version']} on JAX {golden['keras']['jax']} " in block
    assert f"optax {golden['optax']['version']} " in block
    assert "scikit-learn" not in block.split("Executed against")[1]  # huber has no scikit-learn case
    sklearn_line = (
        f"scikit-learn {golden['sklearn']['version']} (16 calls, "  # 8 rows, each unweighted and weighted
    )
    assert sklearn_line in blocks.frameworks_block(lossref.get("tweedie_deviance"))
    # a loss that no golden case runs (perceptual: PyTorch live only, its hyperparameters are functions)
    # claims none
    assert "Executed against" not in blocks.frameworks_block(lossref.get("perceptual"))


def test_translation_table_shows_only_executed_calls():
    names_table = blocks.translation_block().split("### Arguments")[0]
    rows = {
        line.split(" | ")[0]: line.split(" | ")[1:]
        for line in names_table.splitlines()
        if line.startswith("| [`")
    }
    # the last column names the other libraries, unchecked here (test_other_libraries_column)
    columns = dict(zip(blocks.FRAMEWORKS, list(zip(*rows.values(), strict=True))[:-1], strict=True))
    names = [key[key.index("`") + 1 : key.index("`]")] for key in rows]
    root = ROOT / "tests" / "golden"
    golden = {
        (case["loss"], fw)
        for fw, file in (("PyTorch", "torch"), ("Keras", "keras"), ("optax", "optax"))
        for case in json.loads((root / f"{file}.json").read_text())["cases"]
    }
    live = {(name, "PyTorch") for name in json.loads((root / "torch.json").read_text())["live_only"]}
    assert live == {("perceptual", "PyTorch")}
    for fw in ("PyTorch", "Keras", "optax"):
        for name, cell in zip(names, columns[fw], strict=True):
            ran = (name, fw) in golden | live and fw in lossref.get(name).meta.equivalents
            assert (cell.strip(" |") != "—") == ran, (name, fw)
            assert cell.strip(" |").endswith("(live)") == ((name, fw) in live), (name, fw)


def test_other_libraries_column_names_the_other_equivalents():
    names_table = blocks.translation_block().split("### Arguments")[0]
    rows = [line for line in names_table.splitlines() if line.startswith("| [`")]
    last = {row[row.index("`") + 1 : row.index("`]")]: row.rstrip(" |").rsplit(" | ", 1)[1] for row in rows}
    assert len(last) == len(lossref.catalog())
    assert last["giou"] == "[torchvision](../losses/giou.md#framework-mapping)"
    assert (
        last["lambdarank"] == "[LightGBM](../losses/lambdarank.md#framework-mapping)"
    )  # PyTorch has a column
    assert last["huber"] == "—"  # PyTorch, Keras and optax only
    for name, cell in last.items():
        assert cell == "—" or cell.endswith(f"(../losses/{name}.md#framework-mapping)"), (name, cell)


def test_a_live_only_check_names_a_test_that_exists():
    # the golden file's live_only entries name the test that runs them: it must exist and use PyTorch
    source = (ROOT / "tests" / "test_conformance.py").read_text()
    for name, test in json.loads((ROOT / "tests" / "golden" / "torch.json").read_text())["live_only"].items():
        body = source.split(f"def {test}(")[1].split("\ndef ")[0]
        assert "import torch" in body, (name, test)
        assert f"lossref.{name}" in body, (name, test)
