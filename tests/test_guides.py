"""The guides: enough of them, tables generated from the registry, and a one-page cheat sheet."""

import re
from pathlib import Path

import lossref

from lossref_site.blocks import CHEATSHEET
from site_pages import parse

ROOT = Path(__file__).resolve().parents[1]
GUIDES = sorted(p for p in (ROOT / "docs" / "guides").glob("*.md") if p.name != "index.md")
REQUIRED = {
    "choosing-a-loss",
    "loss-vs-metric",
    "losses-as-likelihoods",
    "custom-losses",
    "numerical-stability",
    "framework-translation",
    "penalties",
    "cheat-sheet",
}


def test_at_least_six_guides_with_checked_code():
    assert len(GUIDES) >= 6
    assert {p.stem for p in GUIDES} >= REQUIRED
    for page in GUIDES:
        if page.stem != "cheat-sheet":  # generated from metadata, no code of its own
            assert "```python" in page.read_text(), page.name
            assert "#>" in page.read_text(), page.name


def test_translation_table_has_one_row_per_loss(site):
    out, _ = site
    html = (out / "guides" / "framework-translation" / "index.html").read_text()
    tables = html.split("<table>")[1:3]
    assert len(tables) == 2
    for table in tables:
        rows = re.findall(r'<tr>\s*<td><a href="\.\./\.\./losses/(\w+)/"', table)
        assert sorted(rows) == sorted(loss.name for loss in lossref.catalog())


def test_decision_table_links_resolve_to_loss_pages():
    text = (ROOT / "docs" / "guides" / "choosing-a-loss.md").read_text()
    table = "\n".join(line for line in text.splitlines() if line.startswith("|"))
    names = set(re.findall(r"\]\(\.\./losses/(\w+)\.md\)", table))
    assert len(names) >= 25
    assert names <= {loss.name for loss in lossref.catalog()}
    assert table.count("\n") >= 12  # header, rule and one row per task


def test_cheat_sheet_has_every_core_loss_in_mathml(site):
    out, _ = site
    page = out / "guides" / "cheat-sheet" / "index.html"
    html = page.read_text()
    cards = html.split('class="lossref-card"')[1:]
    assert [re.search(r'href="\.\./\.\./losses/(\w+)/"', card).group(1) for card in cards] == list(CHEATSHEET)
    assert all(card.count("<math") >= 2 for card in cards)
    visible = " ".join(parse(page).text)
    assert "\\frac" not in visible
    assert "$$" not in visible
