"""mkdocs hook: the interview-prep index's table of topics, counted from the pages themselves.

Each question is a ``??? question "[Easy|Medium|Hard] ..."`` block in ``docs/interview/``;
``<!-- interview: topics -->`` on the index becomes a table of the topic pages with their
question counts by difficulty, so no count on the site is typed by hand.

The practice page (``practice.md``) draws from the same blocks as rendered: every topic page's
questions and answer HTML are collected while the site is built and written into the practice
page as JSON at ``<!-- interview: practice-data -->``, so no question is typed twice. Each
question carries an ``id``, a hash of its text, which keys the reader's marks in the browser:
adding, removing or moving a question leaves every other mark on its question.
"""

import hashlib
import html
import json
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
        if not found:  # the practice page: a tool, not a topic
            continue
        counts = {level: found.count(level) for level in LEVELS}
        totals = {level: totals[level] + counts[level] for level in LEVELS}
        rows.append(
            f"| [{title}]({name}) | {len(found)} | " + " | ".join(str(counts[lv]) for lv in LEVELS) + " |"
        )
    total = sum(totals.values())
    return "\n".join(
        [
            "| Topic | Questions | Easy | Medium | Hard |",
            "|---|---|---|---|---|",
            *rows,
            f"| **All topics** | **{total}** | " + " | ".join(str(totals[lv]) for lv in LEVELS) + " |",
            "",
        ]
    )


def on_page_markdown(markdown, page, config, files):
    if "<!-- interview: topics -->" in markdown:
        return markdown.replace("<!-- interview: topics -->", topics_table())
    return markdown


DETAILS = re.compile(r"<details[^>]*>|</details>")
SUMMARY = re.compile(r"<summary>\[(Easy|Medium|Hard)\] (.*?)</summary>", re.S)
HIGHLIGHT = re.compile(r'<div class="highlight"><pre>(?:<span></span>)?<code>(.*?)</code></pre></div>', re.S)
_bank = {}  # topic page name -> its questions, filled while the pages render


def question_blocks(content):
    """Each top-level ``<details class="question">`` of a rendered page, as (level, question, answer HTML)."""
    found, depth, start = [], 0, None
    for tag in DETAILS.finditer(content):
        if tag.group().startswith("</"):
            depth -= 1
            if depth == 0 and start is not None:
                block = content[start : tag.start()]
                summary = SUMMARY.search(block)
                found.append((summary.group(1), summary.group(2).strip(), block[summary.end() :].strip()))
                start = None
        else:
            if depth == 0 and 'class="question' in tag.group():
                start = tag.end()
            depth += 1
    return found


def question_id(question):
    """12 hex digits of the SHA-256 of the question as text.

    Tags and entities are gone, spaces collapsed, case folded, so a re-rendering or a fixed
    capital keeps the reader's mark.
    """
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", question)).split()).casefold()
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _plain_code(match):
    # the deck shows code as plain text: the highlighter's spans would double the page's weight
    text = html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))
    return "<pre><code>" + html.escape(text, quote=False) + "</code></pre>"


def on_pre_build(config):
    _bank.clear()  # `mkdocs serve` rebuilds in the same process: no question from a page since removed


def on_page_content(content, page, config, files):
    src = page.file.src_uri
    if src.startswith("interview/") and src not in ("interview/index.md", "interview/practice.md"):
        _bank[Path(src).name] = {
            "topic": page.title,
            "questions": [
                {"id": question_id(q), "level": level, "q": q, "a": HIGHLIGHT.sub(_plain_code, a)}
                for level, q, a in question_blocks(content)
            ],
        }
    return content


def on_post_build(config):
    page = Path(config["site_dir"]) / "interview" / "practice" / "index.html"
    marker = "<!-- interview: practice-data -->"
    if not page.exists() or marker not in page.read_text():
        return
    index = (FOLDER / "index.md").read_text()
    order = [name for name in dict.fromkeys(re.findall(r"\]\(([\w-]+\.md)\)", index)) if name in _bank]
    topics = [_bank[name] | {"id": Path(name).stem} for name in order]
    # the rendered blocks must be exactly the bank's questions, level for level
    expected = [lv for name in order for lv in questions((FOLDER / name).read_text())]
    got = [q["level"] for t in topics for q in t["questions"]]
    if got != expected or len(order) != len(_bank):
        raise ValueError(f"practice data: {len(got)} rendered questions, {len(expected)} in the bank")
    ids = [q["id"] for t in topics for q in t["questions"]]
    if len(set(ids)) != len(ids):  # one question asked twice: its two entries would share a mark
        twice = sorted({q["q"] for t in topics for q in t["questions"] if ids.count(q["id"]) > 1})
        raise ValueError(f"practice data: a question appears twice in the bank: {twice}")
    data = json.dumps(topics, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    page.write_text(
        page.read_text().replace(
            marker, f'<script type="application/json" id="practice-data">{data}</script>'
        )
    )
