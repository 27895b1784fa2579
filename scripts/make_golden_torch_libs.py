"""Regenerate tests/golden/pml.json and tests/golden/kornia.json from pytorch-metric-learning and Kornia.

Run with ``make golden`` (installs the pinned libraries). The cases live in
``tests/framework_cases.py`` so the live tests recompute exactly the same calls.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from framework_cases import GOLDEN_FILES, cases, write_golden  # noqa: E402
from torch_libs_reference import VERSIONS, evaluate  # noqa: E402

NOTE = "PyTorch float64 tensors, one thread; the gradient is autograd's of the same call"


def main():
    for framework in ("pytorch-metric-learning", "Kornia"):
        out = [
            dict(c, value=v, grad_value=g)
            for c in cases()
            if c["framework"] == framework
            for v, g in [evaluate(c)]
        ]
        header = {
            "generator": "scripts/make_golden_torch_libs.py",
            "framework": framework,
            "version": VERSIONS[framework],
            "torch": VERSIONS["torch"],
            "dtype": "float64",
            "note": NOTE,
        }
        path = write_golden(ROOT / "tests" / "golden" / GOLDEN_FILES[framework], header, out)
        print(f"wrote {len(out)} cases to {path.relative_to(ROOT)} with {framework} {VERSIONS[framework]}")


if __name__ == "__main__":
    main()
