"""The nav: the losses by family, from the registry, then each prose section in its index's order."""

import re

import lossref
from lossref._core import FAMILIES

from .data import ROOT

SECTIONS = (
    ("Guides", "guides"),
    ("Glossary", "glossary"),
    ("Notebooks", "notebooks"),
    ("Interview", "interview"),
)


def family_order(family):
    """The position of ``family`` on the site: the order of ``lossref._core.FAMILIES``."""
    return FAMILIES.index(family)


def nav(config):
    """Derive the nav from the registry, the notebooks folder and the prose sections."""
    losses = {}
    for loss in lossref.catalog():
        losses.setdefault(loss.meta.family, []).append(loss)
    loss_nav = ["losses/index.md", "losses/compare.md"]
    for family in sorted(losses, key=family_order):
        loss_nav.append({family.capitalize(): [f"losses/{loss.name}.md" for loss in losses[family]]})
    # each top-level entry is a tab (theme feature navigation.tabs), and the sidebar lists the
    # current tab's pages; after the losses, each section that exists (a folder with an
    # index.md), in the order its index links to its pages, then any page it does not list yet
    config["nav"] = [{"Home": "index.md"}, {"Losses": loss_nav}]
    for title, folder in SECTIONS:
        if folder == "notebooks":  # the notebooks live outside docs/, linked in by run_notebooks
            config["nav"].append({title: _ordered_section(ROOT / "notebooks", folder, "*.ipynb")})
        elif (ROOT / "docs" / folder / "index.md").exists():
            config["nav"].append({title: _ordered_section(ROOT / "docs" / folder, folder, "*.md")})
    return config


def _ordered_section(path, prefix, pattern):
    """``index.md`` first, then the pages in the order the index links to them, then the rest."""
    listed = re.findall(r"\]\(([\w-]+\.(?:ipynb|md))(?:#[\w-]*)?\)", (path / "index.md").read_text())
    found = sorted(p.name for p in path.glob(pattern) if p.name != "index.md")
    ordered = list(dict.fromkeys(name for name in listed if name in found))
    ordered += [name for name in found if name not in ordered]
    return [f"{prefix}/index.md"] + [f"{prefix}/{name}" for name in ordered]
