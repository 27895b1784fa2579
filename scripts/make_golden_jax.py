"""Regenerate tests/golden/keras.json and tests/golden/optax.json from Keras and optax.

Run with ``make golden`` (installs the pinned Keras, optax and JAX). The cases live in
``tests/framework_cases.py`` so the live tests recompute exactly the same calls.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from framework_cases import GOLDEN_FILES, cases, write_golden  # noqa: E402
from jax_reference import VERSIONS, evaluate  # noqa: E402

NOTES = {
    "Keras": "Keras on the JAX backend, floatx float64, jax_enable_x64; keras.ops.mean still computes in "
    "float32 (keras/src/backend/common/dtypes.py maps 64-bit to 32-bit dtypes), so values agree to ~1e-7 "
    "relative",
    "optax": "jax_enable_x64: float64 throughout; optax losses return per-example values, the mean is "
    "taken in the call",
}


def main():
    for framework in ("Keras", "optax"):
        out = []
        for case in cases():
            if case["framework"] == framework:
                value, grad = evaluate(case)
                out.append(dict(case, value=value, grad_value=grad))
        header = {
            "generator": "scripts/make_golden_jax.py",
            "framework": framework,
            "version": VERSIONS[framework],
            "jax": VERSIONS["jax"],
            "dtype": "float64",
            "note": NOTES[framework],
        }
        path = write_golden(ROOT / "tests" / "golden" / GOLDEN_FILES[framework], header, out)
        print(f"wrote {len(out)} cases to {path.relative_to(ROOT)} with {framework} {VERSIONS[framework]}")


if __name__ == "__main__":
    main()
