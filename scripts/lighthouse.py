"""The pinned Lighthouse (``tools/lighthouse``, ``make lighthouse``) on Debian's Chromium.

Two users: the site tests assert its accessibility, best-practices and SEO scores, which audit
the page itself; ``make bench`` (``scripts/bench_site.py``) records its performance score, which
depends on the machine's load, so it is measured and reported, never asserted.
"""

import json
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
SCRIPT = ROOT / "tools" / "lighthouse" / "audit.mjs"
CHROMIUM = "/usr/bin/chromium"


def missing():
    """Why Lighthouse cannot run on this machine, or None when it can."""
    if not LIGHTHOUSE.exists():
        return "run `make lighthouse` (npm ci in tools/lighthouse); make test does"
    if not Path(CHROMIUM).exists():
        return "no browser: install Debian's chromium (apt-get install -y chromium); .ci/run does"
    return None


def audit(urls, categories):
    """Lighthouse's audit of each page of ``urls``, in ``categories``, with the desktop preset.

    The pages are audited in turn in one Chrome (``tools/lighthouse/audit.mjs``); a URL given
    more than once is audited each time.

    Args:
        urls: the pages, served over HTTP.
        categories: Lighthouse category ids, e.g. ``("accessibility", "seo")``.

    Returns:
        For each of ``urls`` in order, ``{"scores": {category id: score from 0 to 1},
        "lcp_ms": {"simulated": ms, "observed": ms}}``: the largest contentful paint, which the
        performance score reads, Lighthouse's simulated (throttled) one and the one it observed
        (None without the performance category).
    """
    result = subprocess.run(
        ["node", str(SCRIPT), ",".join(categories), *urls],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=120 * len(urls),
    )
    if result.returncode:
        raise RuntimeError(f"Lighthouse failed on {urls}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)
