import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The site built once per test process in strict mode: (site directory, build seconds)."""
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    result = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-4000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert not warnings, warnings
    return out, seconds


