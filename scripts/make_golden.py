"""Regenerate tests/golden/torch.json: PyTorch's values and gradients for lossref's cases.

Run with ``make golden`` (installs torch==2.13.0, CPU). The case list lives in
``tests/conformance_cases.py`` so the live test recomputes exactly the same cases.
"""

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from conformance_cases import cases  # noqa: E402
from torch_reference import differences, evaluate, recipes  # noqa: E402
from torch_registry import LIVE_ONLY, TORCH_REFERENCES  # noqa: E402


def main():
    out = []
    for case in cases():
        value, grad = evaluate(
            case["loss"],
            case["args"],
            case["hyper"],
            case["reduction"],
            case["weights"],
            case.get("argnum", 0),
        )
        out.append(
            dict(case, torch_value=value, torch_grad=grad, reference=TORCH_REFERENCES[case["loss"]][1])
        )
    payload = {
        "generator": "scripts/make_golden.py",
        "torch": torch.__version__,
        "dtype": "float64",
        # losses PyTorch checks only live (tests/test_conformance.py), so the site can say so
        "live_only": dict(sorted(LIVE_ONLY.items())),
        "recipes": recipes(),
        "cases": out,
        "differences": differences(),
    }
    path = ROOT / "tests" / "golden" / "torch.json"
    # one case per line: small, and a regenerated file diffs case by case
    lines = [json.dumps(case, allow_nan=True) for case in out]
    header = json.dumps({k: v for k, v in payload.items() if k not in ("cases", "differences")})[:-1]
    diffs = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in payload["differences"].items())
    path.write_text(
        f'{header}, "cases": [\n' + ",\n".join(lines) + '\n], "differences": {\n' + diffs + "\n}}\n"
    )
    print(f"wrote {len(out)} cases to {path.relative_to(ROOT)} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
