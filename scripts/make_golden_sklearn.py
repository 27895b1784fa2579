"""Regenerate tests/golden/sklearn.json: scikit-learn's value for each case in tests/sklearn_cases.py.

Run with ``make golden`` (scikit-learn is pinned as a test dependency).
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from sklearn_cases import cases  # noqa: E402
from sklearn_reference import VERSION, evaluate  # noqa: E402


def main():
    out = [dict(case, value=evaluate(case)) for case in cases()]
    header = {
        "generator": "scripts/make_golden_sklearn.py",
        "framework": "scikit-learn",
        "version": VERSION,
        "dtype": "float64",
    }
    path = ROOT / "tests" / "golden" / "sklearn.json"
    lines = ",\n".join(json.dumps(case) for case in out)  # one case per line: diffs case by case
    path.write_text(json.dumps(header)[:-1] + ', "cases": [\n' + lines + "\n]}\n")
    print(f"wrote {len(out)} cases to {path.relative_to(ROOT)} with scikit-learn {VERSION}")


if __name__ == "__main__":
    main()
