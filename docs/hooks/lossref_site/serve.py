"""The edit loop of ``make serve``: after a prose edit, rebuild only the pages that changed.

``make serve`` runs ``mkdocs serve --strict --dirty``. A dirty build renders only the pages
whose source is newer than their output, which is right for a prose edit (one page, about a
second) and wrong for anything that other pages are generated from: the library (every loss
page, figure and table), a glossary term (tooltips on every page), an interview page (the
practice bank), a notebook, a hook, ``mkdocs.yml``, or a page added, removed or retitled (the
nav of every page). For those this module marks every file modified, so the build is a full
one. ``make build`` and the tests never build dirty.
"""

import logging
import re

from .data import ROOT

# what every page is generated from, beside its own source
SHARED = (
    "lossref",
    "notebooks",
    "docs/hooks",
    "docs/assets",
    "docs/glossary",
    "docs/interview",
    "mkdocs.yml",
)
DIRTY_WARNING = "A 'dirty' build is being performed"

_state = {"dirty": False, "snapshot": None}


class _DropDirtyWarning(logging.Filter):
    """mkdocs warns on every dirty build; under --strict that warning would abort the build."""

    def filter(self, record):
        return not str(record.msg).startswith(DIRTY_WARNING)


def startup(command, dirty):
    """Remember whether builds are dirty; only then is mkdocs' dirty-build warning dropped."""
    _state["dirty"] = dirty
    if dirty and command == "serve":
        logging.getLogger("mkdocs.commands.build").addFilter(_DropDirtyWarning())


def snapshot(root=ROOT):
    """Path -> (mtime, title) of every source a build reads; the title only for Markdown pages."""
    out = {}
    for top in ("docs", *SHARED):
        base = root / top
        paths = [base] if base.is_file() else base.rglob("*")
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                title = _title(path) if path.suffix == ".md" else None
                out[path.relative_to(root).as_posix()] = (path.stat().st_mtime_ns, title)
    return out


def _title(path):
    match = re.search(r"^(?:title:\s*(.+)|#\s+(.+))$", path.read_text(errors="replace"), re.M)
    return match and (match[1] or match[2]).strip()


def needs_full_build(before, after):
    """True unless the only changes are edits to existing prose pages that kept their titles."""
    if before is None or before.keys() != after.keys():
        return True
    for path, (mtime, title) in after.items():
        if (mtime, title) == before[path]:
            continue
        if title != before[path][1] or not path.endswith(".md") or path.startswith(SHARED):
            return True
    return False


def mark(files):
    """Under a dirty build: every file counts as modified when a shared source changed."""
    if not _state["dirty"]:
        return files
    before, after = _state["snapshot"], snapshot()
    _state["snapshot"] = after
    if needs_full_build(before, after):
        for file in files:
            file.is_modified = lambda: True
    return files
