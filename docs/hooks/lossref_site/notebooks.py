"""Notebook pages: offline math, no CDN loaders, and one shared, trimmed stylesheet."""

import re
from pathlib import Path

import tinycss2
from mkdocs.utils import get_relative_url

from .mathml import to_mathml

# Notebook pages: nbconvert adds a MathJax loader (an empty <script src=""> here) and a
# Mermaid loader that imports from a CDN. Drop both and render the notebook's $…$ math here,
# so notebook pages are offline too.
_NB_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S | re.I)
_NB_MERMAID = re.compile(
    r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>', re.S
)
_NB_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_NB_INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$")


def _convert_notebook_math(fragment):
    fragment = _NB_DISPLAY.sub(lambda m: to_mathml(m.group(1), True), fragment)
    return _NB_INLINE.sub(lambda m: to_mathml(m.group(1), False), fragment)


# nbconvert inlines the same ~600 KB of JupyterLab styles into every notebook page: they are
# moved to one shared stylesheet, trimmed after the build to the rules the pages use
_NB_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
NOTEBOOK_CSS = "assets/notebook.css"
_notebook_styles = {}


def _share_notebook_styles(output, page):
    styles = _NB_STYLE.findall(output)
    _notebook_styles.setdefault("css", styles)
    if styles != _notebook_styles["css"]:
        raise ValueError(f"{page.file.src_uri}: its notebook styles differ from the other notebooks'")
    link = f'<link rel="stylesheet" href="{get_relative_url(NOTEBOOK_CSS, page.url)}">'
    first = _NB_STYLE.search(output).start()
    return output[:first] + link + _NB_STYLE.sub("", output[first:])


def _used_classes(site):
    classes = set()
    for page in (site / "notebooks").rglob("*.html"):
        for value in re.findall(r'class="([^"]*)"', page.read_text()):
            classes.update(value.split())
    return classes


def _trim(rules, classes):
    """The rules of ``rules`` that can match: each class a selector names is on some page."""
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = tinycss2.serialize(rule.prelude).split(",")
            if not any(set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", sel)) <= classes for sel in selectors):
                continue
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports") and rule.content:
            inner = _trim(
                tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True), classes
            )
            if not inner:
                continue
            kept.append(f"@{rule.at_keyword} {tinycss2.serialize(rule.prelude).strip()} {{{''.join(inner)}}}")
            continue
        elif rule.type in ("comment", "whitespace", "error"):
            continue
        kept.append(rule.serialize())
    return kept


def post_build(config):
    """Write the notebooks' shared stylesheet, trimmed to the classes the built pages use."""
    if "css" not in _notebook_styles:
        return
    site = Path(config["site_dir"])
    css = "\n".join(_notebook_styles.pop("css"))
    rules = tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
    (site / NOTEBOOK_CSS).write_text("\n".join(_trim(rules, _used_classes(site))))


def post_page(output, page):
    """A notebook page without its loaders and inlined styles, its Markdown math as MathML."""
    if not page.file.src_uri.endswith(".ipynb"):
        return output
    output = _share_notebook_styles(_NB_MERMAID.sub("", _NB_MATHJAX.sub("", output)), page)
    # only markdown cells hold math; code cells keep their dollar signs
    return re.sub(
        r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)',
        lambda m: m.group(1) + _convert_notebook_math(m.group(2)) + m.group(3),
        output,
        flags=re.S,
    )
