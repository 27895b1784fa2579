"""mkdocs hook: glossary terms as hover definitions, linked both ways.

Each page in ``docs/glossary/`` starts with front matter::

    ---
    term: Logits
    aliases: [logit]
    summary: One sentence, shown as the tooltip wherever the term is linked.
    autolink: true        # false for words too common to link everywhere ("loss")
    ---

On every other page the first mention of each auto-linked term in running prose (not in
code, math, headings, links, HTML or admonition titles) becomes a link to its glossary page,
titled with the summary, which mkdocs-material shows as a tooltip (``content.tooltips``).
Each glossary page then lists the pages that link to it ("Used on").
"""

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary"
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# Spans the linker must leave alone, in one pass: fenced code, inline code, display and
# inline math, links and images, HTML tags and comments, headings and admonition lines.
PROTECTED = re.compile(
    r"(^[ \t]*```.*?^[ \t]*```[ \t]*$"  # fenced code
    r"|^<div class=\"lossref-.*?^</div>$"  # generated HTML blocks (explorer data, tables)
    # math; inline math may wrap onto the next line of its paragraph (not across a blank line)
    r"|\$\$.*?\$\$|\$(?:[^$\n]|\n(?![ \t]*\n))+\$"
    r"|`[^`\n]+`"  # inline code
    r"|!?\[[^\]\n]*\]\([^)\n]*\)"  # links and images
    r"|<!--.*?-->|<[^>\n]+>"  # HTML comments and tags
    r"|^#[^\n]*$|^[ \t]*(?:\?\?\?|!!!)[^\n]*$|^\|[^\n]*$)",  # headings, admonition titles, table rows
    re.S | re.M,
)

_terms = {}  # slug -> {"term", "summary", "names", "autolink"}
_backlinks = {}  # slug -> {src_uri: title}
_pattern = None


def _front_matter(path):
    match = FRONT.match(path.read_text())
    return yaml.safe_load(match.group(1)) if match else {}


def on_config(config):
    global _pattern
    _terms.clear()
    for path in sorted(GLOSSARY.glob("*.md")):
        if path.name == "index.md":
            continue
        meta = _front_matter(path)
        if "term" not in meta or "summary" not in meta:
            raise ValueError(f"{path}: a glossary page needs front matter with term and summary")
        names = [meta["term"], *meta.get("aliases", [])]
        _terms[path.stem] = {
            "term": meta["term"],
            "summary": meta["summary"],
            "names": names,
            "autolink": meta.get("autolink", True),
        }
    names = {name.lower(): slug for slug, t in _terms.items() if t["autolink"] for name in t["names"]}
    # longest names first, so "cross-entropy" wins over "entropy"
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    _pattern = (re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.I), names) if names else None
    return config


def link_terms(markdown, src_uri):
    """``markdown`` with the first prose mention of each glossary term linked to its page."""
    if _pattern is None:
        return markdown, set()
    regex, names = _pattern
    here = os.path.dirname(src_uri)
    own = Path(src_uri).stem if src_uri.startswith("glossary/") else None
    linked = set()

    def link(match):
        slug = names[match.group(1).lower()]
        if slug in linked or slug == own:
            return match.group(0)
        linked.add(slug)
        target = os.path.relpath(f"glossary/{slug}.md", here or ".")
        summary = _terms[slug]["summary"].replace('"', "'")
        return f'[{match.group(0)}]({target} "{summary}")'

    out, last = [], 0
    for protected in PROTECTED.finditer(markdown):
        out.append(regex.sub(link, markdown[last : protected.start()]))
        out.append(protected.group(0))
        last = protected.end()
    out.append(regex.sub(link, markdown[last:]))
    return "".join(out), linked


def on_files(files, config):
    """Find every page's links to the glossary before any page is rendered (for "Used on")."""
    _backlinks.clear()
    explicit = re.compile(r"glossary/([\w-]+)\.md")
    for file in files.documentation_pages():
        if file.src_uri.startswith("glossary/") or not file.src_uri.endswith(".md"):
            continue
        text = Path(file.abs_src_path).read_text()
        _, linked = link_terms(FRONT.sub("", text), file.src_uri)
        linked |= {slug for slug in explicit.findall(text) if slug in _terms}
        title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), file.src_uri)
        for slug in linked:
            _backlinks.setdefault(slug, {})[file.src_uri] = title
    return files


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    if src.startswith("glossary/") and page.file.name != "index":
        slug = Path(src).stem
        users = sorted(_backlinks.get(slug, {}).items(), key=lambda item: item[1].lower())
        if users:
            markdown = (
                markdown.rstrip()
                + "\n\n## Used on\n\n"
                + "\n".join(f"- [{title}]({os.path.relpath(uri, 'glossary')})" for uri, title in users)
                + "\n"
            )
        return markdown
    if src.startswith("glossary/") or src.endswith(".ipynb"):
        return markdown
    linked_markdown, _ = link_terms(markdown, src)
    return linked_markdown


def glossary_terms():
    """slug -> term data, for the tests and the glossary index."""
    return dict(_terms)
