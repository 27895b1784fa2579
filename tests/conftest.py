import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock
from hypothesis import settings

# CI draws the same examples on every run (`HYPOTHESIS_PROFILE=ci` in .ci/run), so a red build
# always points at a change, never at a lucky draw; a local run explores new examples each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
MKDOCS = Path(sys.executable).with_name("mkdocs")


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)


@pytest.fixture(scope="session")
def site(tmp_path_factory, worker_id):
    """The site built once in strict mode for the whole run: (site directory, build seconds).

    The xdist workers share one build (the first to take the lock builds, the others wait and
    reuse it): two builds at once would only compete for the same cores.
    """
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent  # shared by every worker of this run
    out, stamp = root / "site", root / "site-seconds.txt"
    with FileLock(str(root / "site.lock")):
        if not stamp.exists():
            start = time.perf_counter()
            result = subprocess.run(
                [str(MKDOCS), "build", "--strict", "--site-dir", str(out)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=300,
            )
            seconds = time.perf_counter() - start
            assert result.returncode == 0, result.stderr[-4000:]
            warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
            assert not warnings, warnings
            stamp.write_text(f"{seconds}\n")
        seconds = float(stamp.read_text())
    return out, seconds


def pytest_terminal_summary(terminalreporter, config):
    """Print how long the shared site build took.

    A figure to watch, never a pass/fail gate (a loaded machine would fail a correct change).
    """
    factory = getattr(config, "_tmp_path_factory", None)
    stamp = factory.getbasetemp() / "site-seconds.txt" if factory else None
    if stamp is not None and stamp.exists():
        terminalreporter.write_line(f"site build (mkdocs build --strict): {float(stamp.read_text()):.1f} s")
