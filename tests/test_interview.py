"""The interview bank: 150 questions or more, each with a level and an answer.

Where an answer claims to check something it has a fence that runs; every question of the
research list (user-needs §3) is covered.
"""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "interview"
PAGES = sorted(p for p in FOLDER.glob("*.md") if p.name not in ("index.md", "practice.md"))

import interview  # noqa: E402
from interview import questions, topics_table  # noqa: E402

BLOCK = re.compile(r'^\?\?\? question "(.*?)"\n((?:[ \t]+.*\n|\n)*)', re.M)


def blocks():
    out = []
    for page in PAGES:
        text = page.read_text() + "\n"
        out += [(page.stem, title, body) for title, body in BLOCK.findall(text)]
    return out


def test_at_least_120_questions():
    assert len(blocks()) >= 150
    # the hook counts the same questions the bank holds
    assert sum(len(questions(p.read_text())) for p in PAGES) == len(blocks())


@pytest.mark.parametrize(
    ("page", "title", "body"), blocks(), ids=lambda v: v[:40] if isinstance(v, str) else ""
)
def test_question_has_level_and_answer(page, title, body):
    assert re.match(r"\[(Easy|Medium|Hard)\] \S", title), title
    answer = re.sub(r"```python.*?```", "", body, flags=re.S)
    answer = re.sub(r"<!--.*?-->", "", answer)
    # prose of two sentences or more, or (a coding question) a reference solution that runs
    assert len(answer.split()) >= 15 or "```python" in body, f"{title}: the answer is too short"


def test_derivations_and_coding_questions_are_checked():
    # a derivation ("derive", "show that", "implement", "code") must come with a fence that runs
    unchecked = [
        title
        for _, title, body in blocks()
        if re.search(r"\b(Derive|Show that|Implement|Code)\b", title) and "```python" not in body
    ]
    assert not unchecked, unchecked


def test_every_research_question_is_covered():
    covered = {
        int(n)
        for _, _, body in blocks()
        for group in re.findall(r"<!-- covers: ([\d, ]+) -->", body)
        for n in group.split(",")
    }
    assert set(range(1, 49)) <= covered, sorted(set(range(1, 49)) - covered)


def test_topics_table_counts_every_page():
    table = topics_table()
    assert f"**{len(blocks())}**" in table
    assert all(f"]({page.name})" in table for page in PAGES)


def _practice_ids(*questions):
    """The practice data's ids for a topic page rendered with ``questions`` (level, question HTML)."""
    content = "".join(
        f'<details class="question"><summary>[{level}] {q}</summary><p>The answer.</p></details>'
        for level, q in questions
    )
    page = SimpleNamespace(file=SimpleNamespace(src_uri="interview/regression.md"), title="Regression")
    interview.on_pre_build(None)
    try:
        interview.on_page_content(content, page, None, None)
        return [q["id"] for q in interview._bank["regression.md"]["questions"]]
    finally:
        interview.on_pre_build(None)


def test_practice_marks_are_keyed_by_the_question_text():
    # the reader's marks are stored under these ids: a question inserted before another must not
    # move its mark (they were keyed by position). Expected: sha256sum of the text as plain,
    # lower-case words (tags gone, entities decoded), first 12 hex digits
    mse = "Why is MSE  not robust to\noutliers?"
    huber = "What does the <code>delta</code> of Huber set?"
    first = _practice_ids(("Easy", mse), ("Medium", huber))
    assert first == ["ce1a73c2389c", "964cc47616be"]
    inserted = _practice_ids(("Hard", "What is a proper scoring rule?"), ("Easy", mse), ("Medium", huber))
    assert inserted[1:] == first
    assert inserted[0] not in first
    assert _practice_ids(("Hard", "what does the delta of huber set?")) == ["964cc47616be"]  # level, case
