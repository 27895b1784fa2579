"""One SVG figure per loss, drawn by ``lossref.plotting`` and cached by what it is drawn from."""

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


def add(files, config):
    """Add one SVG figure per loss, drawn from ``lossref`` at build time, and its explorers' data."""
    names = [loss.name for loss in lossref.catalog()]
    for name, (light, sliders) in zip(names, cached(names), strict=True):
        files.append(File.generated(config, f"assets/plots/{name}.svg", content=light))
        files.append(File.generated(config, f"assets/plots/{name}-dark.svg", content=plotting.recolor(light)))
        explorer.remember(name, sliders)
    # a family's overlay (one figure, drawn each build: a fifth of a second)
    for family in sorted({loss.meta.family for loss in lossref.catalog() if loss.meta.plot.overlay}):
        light = plotting.overlay_svg(family)
        files.append(File.generated(config, f"assets/plots/overlay-{family}.svg", content=light))
        files.append(
            File.generated(config, f"assets/plots/overlay-{family}-dark.svg", content=plotting.recolor(light))
        )
    return files


def cached(names):
    """(SVG, explorer data) of each loss, from .cache/ when nothing they are drawn from has changed.

    A figure depends on the library (its kernels, metadata and ``plotting``) and on the
    versions of Matplotlib, NumPy and Python; an explorer's data (``explorer.slider_data`` for
    each hyperparameter the loss explores) on the same and on ``explorer.py``. Each cache folder
    is named by a hash of those files and versions, so any library edit redraws everything and
    a prose edit under ``make serve`` redraws nothing. Drawing is most of the build's own time
    (a fifth of a second per figure, and up to a second for a coupled loss's explorers, which
    evaluate it one grid point at a time), so what is missing is drawn by a pool of forked
    processes, one per core; not under ``mkdocs serve``, whose threads make forking unsafe.
    """
    library = sorted((ROOT / "lossref").rglob("*.py"))
    plots = _folder("plots", library)
    explorers = _folder("explorers", [*library, Path(explorer.__file__)])
    jobs = [
        (name, not (plots / f"{name}.svg").exists(), not (explorers / f"{name}.json").exists())
        for name in names
    ]
    jobs = [job for job in jobs if job[1] or job[2]]
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers > 1 and threading.active_count() == 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            drawn = list(pool.map(_draw, jobs, chunksize=4))
    else:
        drawn = [_draw(job) for job in jobs]
    for folder in (plots, explorers):
        folder.mkdir(parents=True, exist_ok=True)
    for (name, *_), (svg, sliders) in zip(jobs, drawn, strict=True):
        if svg is not None:
            _write(plots / f"{name}.svg", svg)
        if sliders is not None:
            _write(explorers / f"{name}.json", json.dumps(sliders))
    return [
        ((plots / f"{name}.svg").read_text(), json.loads((explorers / f"{name}.json").read_text()))
        for name in names
    ]


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


def _draw(job):
    """(SVG or None, explorer data or None) of one loss, as ``job`` = (name, svg?, explorers?) asks.

    A function of plain values, which a process pool can send to its workers.
    """
    name, svg, sliders = job
    loss = lossref.get(name)
    return (
        plotting.svg(loss) if svg else None,
        {hyper: explorer.slider_data(loss, hyper) for hyper in loss.meta.plot.explore} if sliders else None,
    )
