"""Reading the built site's pages: what each loads, links, names (ids) and says, parsed once per run.

Shared by the site, glossary and guide tests.
"""

import functools
import re
from html.parser import HTMLParser
from typing import ClassVar
from urllib.parse import urlsplit


class Resources(HTMLParser):
    """Collect every URL the browser would fetch, every link, ids and visible text."""

    LOADED: ClassVar[dict[str, str]] = {
        "script": "src",
        "img": "src",
        "iframe": "src",
        "source": "src",
        "video": "src",
        "audio": "src",
        "embed": "src",
        "object": "data",
    }

    def __init__(self):
        super().__init__()
        self.loaded, self.links, self.ids, self.text, self.images = [], [], set(), [], []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag in self.LOADED and a.get(self.LOADED[tag]):
            self.loaded.append(a[self.LOADED[tag]])
        if (
            tag == "link"
            and a.get("href")
            and set((a.get("rel") or "").split())
            & {"stylesheet", "icon", "preload", "modulepreload", "manifest", "prefetch"}
        ):
            self.loaded.append(a["href"])
        if tag == "img":
            self.images.append(a)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if "style" in a:
            self.loaded += re.findall(r"url\(['\"]?([^'\")]+)", a["style"])
        if tag in ("script", "style", "code", "pre", "math"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "math") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


@functools.cache
def parse(path):
    """The page's resources, links, ids and text, parsed once per run (read them, never change them).

    Five tests read every page; html.parser is pure Python, so parsing 150 pages four times over
    (and each link target again for its ids) was most of their minute and a half.
    """
    parser = Resources()
    parser.feed(path.read_text())
    return parser


def html_pages(out):
    return sorted(out.rglob("*.html"))


def is_external(url):
    parts = urlsplit(url)
    return bool(parts.scheme in ("http", "https") or url.startswith("//"))
