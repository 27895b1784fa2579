"""mkdocs hook: execute the notebooks without a Jupyter kernel, so the site build stays fast.

A Jupyter kernel costs about two seconds to start, once per notebook; running the cells
in a fork of the build's process costs only their own compute, and runs beside the rest of
the build. Each notebook gets a fresh namespace, default matplotlib settings and its own
folder as working directory; printed text and every open figure become the cell's outputs.
The executed copy (cached by content) is what mkdocs-jupyter then renders, with its own
execution turned off. The real kernel still runs every notebook in the tests (nbmake), which
is what a reader's machine does.
"""

import base64
import contextlib
import hashlib
import importlib.metadata
import io
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from pathlib import Path

import nbformat
import tinycss2
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from lossref_site.figures import background_priority

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "executed-notebooks"


def _fingerprint(path):
    digest = hashlib.sha256(path.read_bytes())
    for source in [Path(__file__), *sorted((ROOT / "lossref").glob("*.py"))]:  # this file draws the figures
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _figures():
    import matplotlib.pyplot as plt
    import PIL.Image

    outputs = []
    for number in plt.get_fignums():
        # a PNG with a 256-colour palette, inline in the page (which must stay under the 300 KB
        # page budget): a plot's flat colours and anti-aliasing survive, at a third of the bytes.
        # Not an SVG: with text as text, each of the 28 figures was 1.7 to 22 times the size of
        # its PNG (palette, base64), and drawing it was half of the figures' time (9 of 18 s).
        png, palette = io.BytesIO(), io.BytesIO()
        figure = plt.figure(number)
        figure.savefig(png, format="png", dpi=80, bbox_inches="tight", metadata={"Software": None})
        PIL.Image.open(png).quantize(256, method=PIL.Image.Quantize.FASTOCTREE).save(
            palette, "png", optimize=True
        )
        encoded = base64.b64encode(min(png.getvalue(), palette.getvalue(), key=len)).decode()
        outputs.append(
            nbformat.v4.new_output("display_data", data={"image/png": encoded, "text/plain": "<Figure>"})
        )
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
                    raise RuntimeError(
                        f"{path.name}, cell {count} failed:\n{traceback.format_exc()}"
                    ) from exc
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


def _target(source):
    # a folder per fingerprint keeps the file name, which is the name of the download
    return CACHE / _fingerprint(source) / source.name


# The notebooks that are not cached run in the background, in forked processes (one per core),
# from the start of the build: while the figures are drawn and the other pages are written.
# Each notebook page waits for its own notebook (on_pre_page). Not under `mkdocs serve`, whose
# threads make forking unsafe: there they run in on_files, in this process.
_background = {"processes": [], "sources": {}}


def _notebooks(docs_dir):
    """Every .ipynb under ``docs_dir`` (through its symlinks), as mkdocs finds them: no dot-folders."""
    found = []
    for folder, subfolders, names in os.walk(docs_dir, followlinks=True):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [Path(folder) / n for n in sorted(names) if n.endswith(".ipynb")]
    return found


def _claim_and_execute(pending, claimed):
    """Take the next unclaimed (notebook, target) until none is left: the long ones balance out."""
    background_priority()
    while True:
        with claimed.get_lock():
            index = claimed.value
            claimed.value += 1
        if index >= len(pending):
            return
        # a failure is left to the page, which runs it again in the build's process and reports it
        with contextlib.suppress(Exception):
            _execute_to([pending[index]])


def on_pre_build(config):
    _background["processes"], _background["sources"] = [], {}
    if threading.active_count() > 1:
        return
    pending = [(s, t) for s in _notebooks(config["docs_dir"]) if not (t := _target(s)).exists()]
    if not pending:
        return
    context = multiprocessing.get_context("fork")
    claimed = context.Value("i", 0)
    workers = min(len(pending), os.cpu_count() or 1)
    _background["processes"] = [
        context.Process(target=_claim_and_execute, args=(pending, claimed)) for _ in range(workers)
    ]
    for process in _background["processes"]:
        process.start()
    _background["sources"] = {target: source for source, target in pending}


def _wait_for(target):
    """Until ``target`` is written; if its process could not, run it here, where its error stops the build."""
    while not target.exists() and any(p.is_alive() for p in _background["processes"]):
        time.sleep(0.05)
    if not target.exists():
        _execute_to([(_background["sources"][target], target)])


def _wheel_sources():
    """The files the wheel is built from: pyproject.toml, README.md and the package (no caches)."""
    package = (p for p in (ROOT / "lossref").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [ROOT / "pyproject.toml", ROOT / "README.md", *sorted(package)]


def _wheel_command(source, dist):
    """The command that builds ``source``'s wheel into ``dist``, offline, with the installed setuptools.

    uv's where the venv has it (the Makefile installs it there), else pip's: the same wheel,
    file for file, in 0.45 s where pip took 1.3, and a clean build waits for it.
    """
    uv = Path(sys.executable).with_name("uv")
    if uv.exists():
        return [
            str(uv),
            "build",
            "--wheel",
            "--no-build-isolation",
            "--offline",
            "--quiet",
            "--python",
            sys.executable,
            "--out-dir",
            str(dist),
            str(source),
        ]
    return [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(dist),
        str(source),
    ]


def build_wheel():
    """The ``lossref`` wheel, built offline from a copy of the sources, or the cached one.

    No build isolation: the installed setuptools. The copy means the build leaves no ``build/``
    folder in the checkout. Cached in .cache/wheel/ by a hash of its sources and of the
    setuptools and Python that build it: a build takes half a second (pip: 1.3), which every rebuild under
    ``make serve`` paid, a prose edit's too.
    """
    sources = _wheel_sources()  # what is hashed is what is copied and built
    digest = hashlib.sha256(f"{importlib.metadata.version('setuptools')} {sys.version}".encode())
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    folder = CACHE.parent / "wheel" / digest.hexdigest()[:16]
    cached = sorted(folder.glob("lossref-*-py3-none-any.whl"))
    if cached:
        return cached[0]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "src"
        for path in sources:
            copy = source / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy)
        subprocess.run(_wheel_command(source, Path(tmp) / "dist"), check=True, capture_output=True)
        wheel = next((Path(tmp) / "dist").glob("lossref-*-py3-none-any.whl"))
        shutil.rmtree(folder.parent, ignore_errors=True)  # the wheels of older sources
        folder.mkdir(parents=True)
        partial = folder / f"{wheel.name}.{os.getpid()}.partial"
        shutil.copy(wheel, partial)
        return partial.replace(folder / wheel.name)


def on_files(files, config):
    wheel = build_wheel()
    files.append(File.generated(config, f"downloads/{wheel.name}", abs_src_path=str(wheel)))
    config["extra"]["lossref_wheel"] = f"downloads/{wheel.name}"
    for file in files:
        if not file.src_uri.endswith(".ipynb"):
            continue
        source = Path(file.abs_src_path)
        target = _target(source)
        file.abs_src_path = str(target)
        if not target.exists() and target not in _background["sources"]:  # not started in on_pre_build
            _execute_to([(source, target)])
    return files


@event_priority(100)  # before mkdocs-jupyter's, which reads the file for its cache key
def on_pre_page(page, config, files):
    """A notebook page reads its executed copy: wait until the background has written it."""
    if page.file.src_uri.endswith(".ipynb"):
        _wait_for(Path(page.file.abs_src_path))
    return page


def on_env(env, config, files):
    """Every notebook page has been read by now: the background processes are done."""
    for process in _background["processes"]:
        process.join()
    return env


def on_post_page(output, page, config):
    """Under the notebook's title: its download and how to run it with ``lossref`` from this site."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    name = Path(page.file.src_uri).name
    wheel = config["extra"]["lossref_wheel"]
    box = (
        '<div class="admonition tip lossref-take-home"><p class="admonition-title">Run it on your machine</p>'
        f'<p><a class="md-button md-button--primary" href="{name}" download>Download {name}</a> '
        f'<a class="md-button" href="{get_relative_url(wheel, page.url)}" download>'
        "Download the lossref wheel</a></p>"
        "<p>In a new virtual environment, in the folder holding both downloads:</p>"
        f"<pre><code>pip install {Path(wheel).name} matplotlib jupyterlab\n"
        f"jupyter lab {name}</code></pre></div>"
    )
    start = output.find('<div class="jupyter-wrapper">')
    title = output.find("</h1>", start)
    if start < 0 or title < 0:
        raise ValueError(f"{page.file.src_uri}: no notebook title to put the download box under")
    title += len("</h1>")
    return output[:title] + box + output[title:]


# --- The shared notebook stylesheet: the custom properties something reads -----------------
# lossref_pages.py (an earlier hook in mkdocs.yml) writes it trimmed to the rules whose classes
# the notebook pages use; those rules still declare JupyterLab's whole theme, about 1,000
# custom properties (icons as data URIs, palettes), of which the pages read some fifty.
NOTEBOOK_CSS = "assets/notebook.css"
_VAR = re.compile(r"var\(\s*(--[\w-]+)")


def _blocks(rules):
    return tinycss2.parse_rule_list(rules, skip_whitespace=True, skip_comments=True)


def _qualified(rules):
    for rule in rules:
        if rule.type == "qualified-rule":
            yield rule
        elif rule.type == "at-rule" and rule.content:
            yield from _qualified(_blocks(rule.content))


def _declarations(rule):
    contents = tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True, skip_comments=True)
    return [d for d in contents if d.type == "declaration"]


def _read_properties(rules, elsewhere):
    """The custom properties that some value reads.

    In a normal property of ``rules``, in ``elsewhere`` (the site's other styles and scripts,
    which could read one the notebook styles set), or in a custom property read already.
    """
    read, custom = set(elsewhere), {}
    for rule in _qualified(rules):
        for declaration in _declarations(rule):
            value = tinycss2.serialize(declaration.value)
            if declaration.name.startswith("--"):
                custom.setdefault(declaration.name, []).append(value)
            else:
                read.update(_VAR.findall(value))
    pending = list(read)
    while pending:
        for value in custom.pop(pending.pop(), []):
            new = set(_VAR.findall(value)) - read
            read |= new
            pending += new
    return read


def _without_unread(rules, read):
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            if all(":root" in s and not s.startswith(":root") for s in selectors):
                continue  # ".jupyter-wrapper :root" (the html element inside a div) matches nothing
            body = [
                d.serialize() for d in _declarations(rule) if not d.name.startswith("--") or d.name in read
            ]
            if body:
                kept.append(f"{tinycss2.serialize(rule.prelude).strip()}{{{';'.join(body)}}}")
        elif rule.type == "at-rule" and rule.content and rule.lower_at_keyword in ("media", "supports"):
            inner = _without_unread(_blocks(rule.content), read)
            if inner:
                kept.append(
                    f"@{rule.at_keyword} {tinycss2.serialize(rule.prelude).strip()}{{{''.join(inner)}}}"
                )
        elif rule.type not in ("comment", "whitespace", "error"):
            kept.append(rule.serialize())
    return kept


def on_post_build(config):
    site = Path(config["site_dir"])
    path = site / NOTEBOOK_CSS
    if not path.exists():
        return
    elsewhere = set()
    for other in [*site.rglob("*.css"), *site.rglob("*.js")]:
        if other != path:  # any "--name" counts: a script may read one with getPropertyValue
            elsewhere.update(re.findall(r"--[A-Za-z][\w-]*", other.read_text(errors="replace")))
    rules = tinycss2.parse_stylesheet(path.read_text(), skip_whitespace=True, skip_comments=True)
    path.write_text("\n".join(_without_unread(rules, _read_properties(rules, elsewhere))))
