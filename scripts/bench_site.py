"""Time the site build as a reader of the repository meets it (part of ``make bench``).

Three numbers, each one build in a copy of the checkout's files (tracked and untracked, not
ignored), so the copy's ``.cache/`` starts empty as in a fresh clone and the checkout is never
touched:

* ``clean_build_s``: ``mkdocs build --strict`` from nothing, as the first ``make serve`` or the
  site tests' build in CI (and ``clean_build_cpu_s``, the CPU seconds it used in all its
  processes: divided by the cores, the least time the build could take);
* ``cached_build_s``: the same build again, with the figures, explorer data and executed
  notebooks cached;
* ``prose_edit_rebuild_s``: ``make serve``'s rebuild after an edit to one prose page (a dirty
  build, after the session's first, full one).

And Lighthouse's performance score (desktop preset) of a few pages of the clean build, served
locally, the median of five runs: ``lighthouse_performance``, or ``lighthouse_skipped`` with
the reason it could not run.

Wall-clock times of one run each: they depend on the machine's load, and are for reading only.
"""

import contextlib
import functools
import http.server
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import lighthouse

# the pages whose Lighthouse performance `make bench` records (the home page and a loss page),
# each audited LIGHTHOUSE_RUNS times, as Lighthouse's documentation advises for a score that varies
LIGHTHOUSE_PAGES = ("", "losses/huber/")
LIGHTHOUSE_RUNS = 5

# what `make serve` does, in one process: its first (full) build, an edit, the timed rebuild
_PROSE_EDIT = """
import sys, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

site, page = sys.argv[1], Path(sys.argv[2])
first = load_config("mkdocs.yml", site_dir=site)
first.plugins.on_startup(command="serve", dirty=True)
build(first, dirty=True)
page.write_text(page.read_text() + "\\nOne more sentence.\\n")
start = time.perf_counter()
build(load_config("mkdocs.yml", site_dir=site), dirty=True)
print(time.perf_counter() - start)
"""


def copy_checkout(root, dest):
    """Copy ``root``'s tracked and untracked (not ignored) files to ``dest``; symlinks stay links."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    for name in sorted({n.decode() for n in listed.split(b"\0") if n}):
        source, target = Path(root) / name, Path(dest) / name
        if not source.is_symlink() and not source.exists():  # deleted in the work tree
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)


def _run(command, cwd, env):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command[:3])} failed:\n{result.stderr[-3000:]}")
    return result


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static host's answers, with no line logged per request."""

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory, handler=QuietHandler):
    """Serve ``directory`` over HTTP on a free local port, in a thread; yield its base URL.

    ``handler``: the request handler class (the site tests' serves an empty search index on request).
    """
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def lighthouse_performance(site, pages, runs=LIGHTHOUSE_RUNS):
    """Lighthouse's performance score of each of ``pages`` (paths) of the built ``site``.

    Returns, for each page, the median of ``runs`` audits, every run's score and every run's
    largest contentful paint, simulated and observed (ms). The score varies from run to run
    with the simulated paint: on this site's pages Lighthouse 12.2.3 simulates it either about
    as late as the first paint or near 2.8 s, while the observed one stays near the first paint.
    """
    with serve(site) as base:
        found = lighthouse.audit([f"{base}/{path}" for path in pages for _ in range(runs)], ("performance",))
    result = {}
    for k, path in enumerate(pages):
        page_runs = found[k * runs : (k + 1) * runs]
        scores = [run["scores"]["performance"] for run in page_runs]
        result[path] = {
            "median": statistics.median(scores),
            "runs": scores,
            "lcp_ms": [run["lcp_ms"] for run in page_runs],
        }
    return result


def _children_cpu():
    """CPU seconds (user and system) of this process's finished children and all their descendants.

    The build's forked workers (figures, explorers, notebooks) and its wheel build are waited
    for by the build, so their time counts once the build has exited.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(root, page, lighthouse_pages=LIGHTHOUSE_PAGES):
    """The build times (seconds) of the checkout at ``root`` and its pages' Lighthouse performance.

    Args:
        root: the checkout.
        page: the prose page edited for the rebuild time, relative to ``root``.
        lighthouse_pages: the paths of the clean build whose performance Lighthouse scores.
    """
    with tempfile.TemporaryDirectory(prefix="lossref-bench-site-") as tmp:
        copy = Path(tmp) / "checkout"
        copy_checkout(root, copy)
        # the copy's own library and hooks, not the checkout's (an editable install points there)
        env = {**os.environ, "PYTHONPATH": str(copy)}
        mkdocs = str(Path(sys.executable).with_name("mkdocs"))

        def build(out):
            start, cpu = time.perf_counter(), _children_cpu()
            _run([mkdocs, "build", "--strict", "-q", "-d", str(out)], copy, env)
            return time.perf_counter() - start, _children_cpu() - cpu

        clean, clean_cpu = build(Path(tmp) / "clean")
        cached, _ = build(Path(tmp) / "cached")
        edit = _run([sys.executable, "-c", _PROSE_EDIT, str(Path(tmp) / "serve"), page], copy, env)
        pages = sum(1 for _ in (Path(tmp) / "clean").rglob("index.html"))
        times = {
            "clean_build_s": clean,
            "clean_build_cpu_s": clean_cpu,
            "cached_build_s": cached,
            "prose_edit_rebuild_s": float(edit.stdout.split()[-1]),
            "pages": pages,
        }
        if lighthouse_pages:
            why = lighthouse.missing()
            if why:
                times["lighthouse_skipped"] = why
            else:
                served = Path(tmp) / "clean"
                times["lighthouse_performance"] = lighthouse_performance(served, lighthouse_pages)
    return times
