"""mkdocs hook: execute the notebooks in this process, so the site build stays fast.

A Jupyter kernel costs about two seconds to start, once per notebook; running the cells
here costs only their own compute. Each notebook gets a fresh namespace, default
matplotlib settings and its own folder as working directory; printed text and every open
figure become the cell's outputs. The executed copy (cached by content) is what
mkdocs-jupyter then renders, with its own execution turned off. The real kernel still
runs every notebook in the tests (nbmake), which is what a reader's machine does.
"""

import base64
import contextlib
import hashlib
import io
import multiprocessing
import os
import threading
import traceback
import warnings
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "executed-notebooks"


def _fingerprint(path):
    digest = hashlib.sha256(path.read_bytes())
    for source in [Path(__file__), *sorted((ROOT / "lossref").glob("*.py"))]:  # this file draws the figures
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _figures():
    import matplotlib
    import matplotlib.pyplot as plt
    import PIL.Image

    outputs = []
    for number in plt.get_fignums():
        # the lighter of an SVG (text as text, no date: the same bytes each build) and a
        # PNG: the page carries it inline, and it must stay under the 300 KB page budget
        figure = plt.figure(number)
        svg, png = io.StringIO(), io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "lossref"}):
            figure.savefig(svg, format="svg", bbox_inches="tight", metadata={"Date": None})
        figure.savefig(png, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        # a 256-colour palette: a plot's flat colours and anti-aliasing survive, at a third of the bytes
        palette = io.BytesIO()
        PIL.Image.open(png).quantize(256, method=PIL.Image.Quantize.FASTOCTREE).save(palette, "png", optimize=True)
        encoded = base64.b64encode(min(png.getvalue(), palette.getvalue(), key=len)).decode()
        data = {"image/svg+xml": svg.getvalue()} if len(svg.getvalue()) < len(encoded) else {"image/png": encoded}
        outputs.append(nbformat.v4.new_output("display_data", data={**data, "text/plain": "<Figure>"}))
    plt.close("all")
    return outputs


def execute(path):
    """Run ``path``'s code cells in order and return the notebook with their outputs."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcdefaults()
    nb = nbformat.read(path, as_version=4)
    namespace = {"__name__": "__main__"}
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        count = 0
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            count += 1
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*non-interactive.*")  # plt.show() under Agg
                try:
                    exec(compile(cell.source, f"{path.name} cell {count}", "exec"), namespace)
                except Exception as exc:
                    raise RuntimeError(f"{path.name}, cell {count} failed:\n{traceback.format_exc()}") from exc
            cell.execution_count = count
            cell.outputs = []
            if stdout.getvalue():
                cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=stdout.getvalue()))
            cell.outputs += _figures()
    finally:
        os.chdir(cwd)
    return nb


def _execute_to(pairs):
    """Execute each (notebook, target) and write it to target atomically."""
    for source, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        nbformat.write(execute(source), partial)
        partial.replace(target)


def _execute_all(pending):
    """Run the notebooks not in the cache, in forked processes (one per core) when it is safe
    to fork (not under ``mkdocs serve``, which runs threads). A notebook that failed there is
    run again here, so that its error stops the build with its traceback."""
    workers = min(len(pending), os.cpu_count() or 1)
    if workers > 1 and threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
        processes = [context.Process(target=_execute_to, args=(pending[i::workers],)) for i in range(workers)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    _execute_to([(source, target) for source, target in pending if not target.exists()])


def on_files(files, config):
    CACHE.mkdir(parents=True, exist_ok=True)
    pending = []
    for file in files:
        if not file.src_uri.endswith(".ipynb"):
            continue
        source = Path(file.abs_src_path)
        # a folder per fingerprint keeps the file name, which is the name of the download
        target = CACHE / _fingerprint(source) / source.name
        if not target.exists():
            pending.append((source, target))
        file.abs_src_path = str(target)
    _execute_all(pending)
    return files
