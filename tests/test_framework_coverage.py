"""Every PyTorch, Keras, optax and scikit-learn equivalent on a loss page is executed by a
conformance case, or is listed here: not runnable (with the reason), or a known gap.

The equivalents stay prose in each loss's metadata; the case registries say which
(loss, framework) pairs run: tests/framework_cases.py (Keras, optax), the PyTorch golden
cases (tests/conformance_cases.py) and tests/sklearn_cases.py (scikit-learn, and its penalised linear models in
test_conformance_sklearn).
"""

import importlib.util
import json
from pathlib import Path

import lossref

import framework_cases
import sklearn_cases
import torch_registry
from conformance_cases import NO_TORCH
from test_conformance_sklearn import PENALIZED

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = ("PyTorch", "Keras", "optax", "scikit-learn")


def _hook():
    """The site's page hook (docs/hooks/lossref_pages.py), which builds the framework blocks."""
    spec = importlib.util.spec_from_file_location("lossref_pages", ROOT / "docs" / "hooks" / "lossref_pages.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook

# the framework has no such function: the entry says so and names what comes closest
NOT_RUNNABLE = {
    ("huber", "scikit-learn"): "no fixed-δ Huber loss: HuberRegressor estimates a scale σ with the fit",
    ("smape", "scikit-learn"): "no SMAPE in scikit-learn",
    ("jaccard", "Keras"): "no soft Jaccard loss in Keras; keras.metrics.IoU is a hard, thresholded metric",
    ("knowledge_distillation", "Keras"): "no distillation loss in Keras (only an example script)",
    ("vae_elbo", "Keras"): "the ELBO is code in a Keras example, written by hand, not a library call",
}

# runnable, but no case runs them yet: this list may only shrink
GAPS = {}
MAX_GAPS = 0


def covered():
    """(loss, framework) pairs that a conformance case runs."""
    pairs = {(c["loss"], c["framework"]) for c in framework_cases.CASES}
    pairs |= {(loss.name, "PyTorch") for loss in lossref.catalog() if loss.name not in NO_TORCH}
    pairs |= {(name, "PyTorch") for name in torch_registry.LIVE_ONLY}  # live against autograd
    pairs |= {(c["loss"], "scikit-learn") for c in sklearn_cases.cases()}
    pairs |= {(row[0], "scikit-learn") for row in PENALIZED}  # live: fitted linear models
    return pairs


def equivalents():
    return {(loss.name, fw) for loss in lossref.catalog() for fw in loss.meta.equivalents if fw in FRAMEWORKS}


def test_every_equivalent_runs_or_says_why_not():
    missing = equivalents() - covered() - NOT_RUNNABLE.keys() - GAPS.keys()
    assert not missing, f"equivalents without a conformance case: {sorted(missing)}"


def test_the_exception_lists_are_current():
    # an entry that a case now runs, or whose equivalent is gone, must leave the lists
    for pairs in (NOT_RUNNABLE, GAPS):
        assert not pairs.keys() & covered(), sorted(pairs.keys() & covered())
        assert pairs.keys() <= equivalents(), sorted(pairs.keys() - equivalents())
        assert all(reason.strip() for reason in pairs.values())
    assert len(GAPS) <= MAX_GAPS  # close a gap with a case; never add one


def test_a_not_runnable_entry_says_so_on_the_page():
    for name, fw in NOT_RUNNABLE:
        text = lossref.get(name).meta.equivalents[fw].lower()
        assert text.startswith(("no ", "none", "the vae example")), (name, fw, text)


def test_pages_read_the_versions_from_the_golden_files():
    hook = _hook()
    typed = ("2.13", "3.15", "0.2.8", "1.9.")
    assert not any(v in Path(hook.__file__).read_text() for v in typed)  # no version typed in the hook
    golden = {fw: json.loads((ROOT / "tests" / "golden" / f"{fw}.json").read_text())
              for fw in ("torch", "keras", "optax", "sklearn")}
    block = hook.frameworks_block(lossref.get("huber"))
    assert f"PyTorch {golden['torch']['torch'].split('+')[0]} " in block
    assert f"Keras {golden['keras']['version']} on JAX {golden['keras']['jax']} " in block
    assert f"optax {golden['optax']['version']} " in block
    assert "scikit-learn" not in block.split("Executed against")[1]  # huber has no scikit-learn case
    sklearn_line = f"scikit-learn {golden['sklearn']['version']} (16 calls, "  # 8 rows, each unweighted and weighted
    assert sklearn_line in hook.frameworks_block(lossref.get("tweedie_deviance"))
    # a loss that no golden case runs (perceptual: PyTorch live only, its hyperparameters are functions) claims none
    assert "Executed against" not in hook.frameworks_block(lossref.get("perceptual"))


def test_translation_table_shows_only_executed_calls():
    hook = _hook()
    names_table = hook.translation_block().split("### Arguments")[0]
    rows = {line.split(" | ")[0]: line.split(" | ")[1:] for line in names_table.splitlines() if line.startswith("| [`")}
    columns = dict(zip(hook.FRAMEWORKS, zip(*rows.values(), strict=True), strict=True))
    names = [key[key.index("`") + 1:key.index("`]")] for key in rows]
    root = ROOT / "tests" / "golden"
    golden = {(case["loss"], fw) for fw, file in (("PyTorch", "torch"), ("Keras", "keras"), ("optax", "optax"))
              for case in json.loads((root / f"{file}.json").read_text())["cases"]}
    live = {(name, "PyTorch") for name in json.loads((root / "torch.json").read_text())["live_only"]}
    assert live == {("perceptual", "PyTorch")}
    for fw in ("PyTorch", "Keras", "optax"):
        for name, cell in zip(names, columns[fw], strict=True):
            ran = (name, fw) in golden | live and fw in lossref.get(name).meta.equivalents
            assert (cell.strip(" |") != "—") == ran, (name, fw)
            assert cell.strip(" |").endswith("(live)") == ((name, fw) in live), (name, fw)


def test_a_live_only_check_names_a_test_that_exists():
    # the golden file's live_only entries name the test that runs them: it must exist and use PyTorch
    source = (ROOT / "tests" / "test_conformance.py").read_text()
    for name, test in json.loads((ROOT / "tests" / "golden" / "torch.json").read_text())["live_only"].items():
        body = source.split(f"def {test}(")[1].split("\ndef ")[0]
        assert "import torch" in body and f"lossref.{name}" in body, (name, test)
