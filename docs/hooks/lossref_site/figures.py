"""One SVG figure per loss, drawn by ``lossref.plotting`` and cached by what it is drawn from."""

import functools
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from mkdocs.structure.files import File

import lossref
from lossref import plotting

from . import explorer
from .data import ROOT

_build = {"pool": None, "futures": [], "deferred": []}  # this build's drawing in the background (see ``add``)


def add(files, config):
    """Add one SVG figure per loss (light and dark), drawn from ``lossref``, and its explorers' data.

    Both are cached in .cache/ by what they are drawn from, and what is missing is drawn in the
    background (see ``_missing``): the build goes on to write the pages meanwhile. A loss page
    waits for its explorers' data only; the figures are written into the site at the end
    (``defer_pending``, ``finish``).
    """
    if _build["pool"] is not None:  # a build that stopped before on_env (an error under serve)
        _build["pool"].shutdown(cancel_futures=True)
    _build.update(pool=None, futures=[], deferred=[])
    names = [loss.name for loss in lossref.catalog()]
    plots, explorers = _folders()
    background = _missing(names, plots, explorers)
    for name in names:
        explorer.remember(name, _loader(explorers / f"{name}.json", background.get(name)))
        for suffix in ("", "-dark"):
            path = f"assets/plots/{name}{suffix}.svg"
            files.append(File.generated(config, path, abs_src_path=str(plots / f"{name}{suffix}.svg")))
    # a family's overlay (one figure, drawn each build: a fifth of a second)
    for family in sorted({loss.meta.family for loss in lossref.catalog() if loss.meta.plot.overlay}):
        light = plotting.overlay_svg(family)
        files.append(File.generated(config, f"assets/plots/overlay-{family}.svg", content=light))
        files.append(
            File.generated(config, f"assets/plots/overlay-{family}-dark.svg", content=plotting.recolor(light))
        )
    return files


def defer_pending(files):
    """Take the figures still being drawn out of ``files``, which mkdocs copies after on_env.

    Every page has been read by then, its links checked against ``files``; ``finish`` writes
    these figures into the site at the end of the build. Their drawing (about 17 CPU-s from an
    empty cache) so goes on beside the build's last, serial steps (the templates, the search
    index), which left a core idle.
    """
    for file in list(files):
        source = file.abs_src_path
        if file.src_uri.startswith("assets/plots/") and source and not Path(source).exists():
            files.remove(file)
            _build["deferred"].append((Path(source), Path(file.abs_dest_path)))


def finish():
    """Wait for this build's background drawing and write the figures ``defer_pending`` took out.

    A worker's error is raised here.
    """
    pool, futures, deferred = _build["pool"], _build["futures"], _build["deferred"]
    _build.update(pool=None, futures=[], deferred=[])
    for future in futures:
        future.result()
    if pool is not None:
        pool.shutdown()
    for source, target in deferred:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def _folders():
    """The cache folders of the figures and of the explorers' data.

    A figure depends on the library (its kernels, metadata and ``plotting``) and on the
    versions of Matplotlib, NumPy and Python; an explorer's data (``explorer.slider_data`` for
    each hyperparameter the loss explores) on the same and on ``explorer.py``. Each folder is
    named by a hash of those files and versions, so any library edit redraws everything and a
    prose edit under ``make serve`` redraws nothing.
    """
    library = sorted((ROOT / "lossref").rglob("*.py"))
    folders = _folder("plots", library), _folder("explorers", [*library, Path(explorer.__file__)])
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def _missing(names, plots, explorers):
    """Draw what the cache lacks; return {name: the future of its explorers' data} for those pending.

    Drawing is most of the build's own time (a fifth of a second per figure, and up to a second
    for a coupled loss's explorers, which evaluate it one grid point at a time), so it runs in a
    pool of forked processes, one per core, while the build writes the pages; the explorers first,
    as the pages need them. Not under ``mkdocs serve``, whose threads make forking unsafe: there
    it is drawn here and now.
    """
    jobs = [(_explore, name, explorers) for name in names if not (explorers / f"{name}.json").exists()]
    jobs += [
        (_draw, name, plots)
        for name in names
        if not ((plots / f"{name}.svg").exists() and (plots / f"{name}-dark.svg").exists())
    ]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1 or threading.active_count() > 1:
        for job, name, folder in jobs:
            job(name, folder)
        return {}
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=background_priority
    )
    futures = [(job, name, pool.submit(job, name, folder)) for job, name, folder in jobs]
    _build.update(pool=pool, futures=[future for *_, future in futures])
    return {name: future for job, name, future in futures if job is _explore}


def background_priority(niceness=10):
    """Lower this forked worker's CPU priority below the build's own process, to ``niceness``.

    The build's process is the critical path: it reads every page, waiting for an explorer's
    data or a notebook where it needs one, then writes them all, alone. Run level with the two
    pools' four workers on two cores, it got two fifths of a core; ahead of them, it keeps one.
    The figures, which nothing reads before the end (``defer_pending``), draw at 15: behind the
    explorers and notebooks, which the pages wait for. Only ever raised (an unprivileged
    process cannot lower it back).
    """
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > current:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


def _loader(path, future):
    """The explorers' data of one loss, read from ``path`` once ``future`` (if any) has written it.

    Read once: a page with several explorers asks for it once per explorer.
    """

    @functools.cache
    def load():
        if future is not None:
            future.result()  # the worker's error, if it failed
        return json.loads(path.read_text())

    return load


def _folder(kind, sources):
    """.cache/KIND/HASH: the hash of ``sources`` and the versions; older folders are removed."""
    import matplotlib

    digest = hashlib.sha256(f"{matplotlib.__version__} {np.__version__} {sys.version}".encode())
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    folder = ROOT / ".cache" / kind / digest.hexdigest()[:16]
    if not folder.exists():  # what an older library drew is not needed again
        for old in folder.parent.glob("*"):
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _write(path, text):
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _explore(name, folder):
    """Write the data of loss ``name``'s explorers, one ``slider_data`` per hyperparameter it explores."""
    loss = lossref.get(name)
    data = {hyper: explorer.slider_data(loss, hyper) for hyper in loss.meta.plot.explore}
    _write(folder / f"{name}.json", json.dumps(data))


def _draw(name, folder):
    """Write loss ``name``'s figure, light and dark (the light one last: both exist once it does)."""
    background_priority(15)
    light = plotting.svg(lossref.get(name))
    _write(folder / f"{name}-dark.svg", plotting.recolor(light))
    _write(folder / f"{name}.svg", light)
