"""mkdocs hook: the interview-prep index's table of topics, counted from the pages themselves.

Each question is a ``??? question "[Easy|Medium|Hard] ..."`` block in ``docs/interview/``;
``<!-- interview: topics -->`` on the index becomes a table of the topic pages with their
question counts by difficulty, so no count on the site is typed by hand.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "interview"
QUESTION = re.compile(r'^\s*\?\?\?\+? question "\[(Easy|Medium|Hard)\] ', re.M)
LEVELS = ("Easy", "Medium", "Hard")


def questions(text):
    """The difficulty of each question on a page, in order."""
    return QUESTION.findall(text)


def topics_table():
    index = (FOLDER / "index.md").read_text()
    rows, totals = [], dict.fromkeys(LEVELS, 0)
    for name in dict.fromkeys(re.findall(r"\]\(([\w-]+\.md)\)", index)):
        text = (FOLDER / name).read_text()
        title = text.splitlines()[0].lstrip("# ").strip()
        found = questions(text)
        counts = {level: found.count(level) for level in LEVELS}
        totals = {level: totals[level] + counts[level] for level in LEVELS}
        rows.append(f"| [{title}]({name}) | {len(found)} | " + " | ".join(str(counts[lv]) for lv in LEVELS) + " |")
    total = sum(totals.values())
    return "\n".join([
        "| Topic | Questions | Easy | Medium | Hard |",
        "|---|---|---|---|---|",
        *rows,
        f"| **All topics** | **{total}** | " + " | ".join(str(totals[lv]) for lv in LEVELS) + " |",
        "",
    ])


def on_page_markdown(markdown, page, config, files):
    if "<!-- interview: topics -->" in markdown:
        return markdown.replace("<!-- interview: topics -->", topics_table())
    return markdown
