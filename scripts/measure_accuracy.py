"""Measure every loss against the mpmath reference and write tests/golden/accuracy.json.

The pages print these bounds; tests/test_accuracy.py re-measures and fails if a loss does
worse than its committed bound. Run after changing a loss or adding one; with loss names as
arguments only those entries are re-measured (the rest of the file is kept).
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import lossref  # noqa: E402

from accuracy import bound, measure_all  # noqa: E402


def main(names):
    path = ROOT / "tests" / "golden" / "accuracy.json"
    out = json.loads(path.read_text()) if names else {}
    for loss in [lossref.get(name) for name in names] or lossref.catalog():
        m = measure_all(loss)
        out[loss.name] = {
            "value_bound": bound(m["value"]),
            "grad_bound": None if m["grad"] is None else bound(m["grad"]),  # None: no gradient
            "value_measured": m["value"],
            "grad_measured": m["grad"],
            "points": m["points"],
        }
        grad = "   none " if m["grad"] is None else f"{m['grad']:.2e}"
        print(f"{loss.name:34s} value {m['value']:.2e}  grad {grad}  ({m['points']} points)")
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
