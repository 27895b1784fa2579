"""One SVG figure per loss, drawn by ``lossref.plotting`` and cached by what it is drawn from."""

import hashlib
import multiprocessing
import os
import shutil
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from mkdocs.structure.files import File

import lossref
from lossref import plotting

from .data import ROOT


def add(files, config):
    """Add one SVG figure per loss, drawn from ``lossref`` at build time."""
    names = [loss.name for loss in lossref.catalog()]
    for name, light in zip(names, cached(names), strict=True):
        files.append(File.generated(config, f"assets/plots/{name}.svg", content=light))
        files.append(File.generated(config, f"assets/plots/{name}-dark.svg", content=plotting.recolor(light)))
    # a family's overlay (one figure, drawn each build: a fifth of a second)
    for family in sorted({loss.meta.family for loss in lossref.catalog() if loss.meta.plot.overlay}):
        light = plotting.overlay_svg(family)
        files.append(File.generated(config, f"assets/plots/overlay-{family}.svg", content=light))
        files.append(
            File.generated(config, f"assets/plots/overlay-{family}-dark.svg", content=plotting.recolor(light))
        )
    return files


def cached(names):
    """The SVG of each loss, from .cache/plots/ when nothing it is drawn from has changed.

    A figure depends on the library (its kernels, metadata and ``plotting``) and on the
    versions of Matplotlib, NumPy and Python: the cache folder is named by a hash of every
    file in ``lossref/`` and those versions, so any library edit redraws every figure and a
    prose edit under ``make serve`` redraws none. Drawing is most of the build's own time (a
    fifth of a second per figure), so missing figures are drawn by a pool of forked
    processes, one per core; not under ``mkdocs serve``, whose threads make forking unsafe.
    """
    import matplotlib

    digest = hashlib.sha256(f"{matplotlib.__version__} {np.__version__} {sys.version}".encode())
    for path in sorted((ROOT / "lossref").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    folder = ROOT / ".cache" / "plots" / digest.hexdigest()[:16]
    missing = [name for name in names if not (folder / f"{name}.svg").exists()]
    workers = min(len(missing), os.cpu_count() or 1)
    if workers > 1 and threading.active_count() == 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            drawn = list(pool.map(svg_named, missing, chunksize=4))
    else:
        drawn = [svg_named(name) for name in missing]
    if missing:  # figures of an older library are not needed again
        for old in folder.parent.glob("*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for name, svg in zip(missing, drawn, strict=True):
        tmp = folder / f"{name}.{os.getpid()}.tmp"
        tmp.write_text(svg)
        os.replace(tmp, folder / f"{name}.svg")
    return [(folder / f"{name}.svg").read_text() for name in names]


def svg_named(name):
    """``svg`` of the loss registered as ``name``.

    A function of a string, which a process pool can send to its workers (the site draws its
    figures in parallel).
    """
    return plotting.svg(lossref.get(name))
