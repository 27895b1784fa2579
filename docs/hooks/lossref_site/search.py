"""The site search: a fix for lunr's token-set keys, which can make a query fail silently.

Material's search worker bundles lunr 2.3.9. When lunr minimises the trie of all index
words (``TokenSet.Builder``), it merges two nodes whose ``toString()`` keys are equal, and
the key is the node's final flag followed by each edge as its label and the child's numeric
id, with no separator. With digit labels (index words such as ``log1p`` or ``7cc7ba5``) two
different nodes can get one key: edges {1→#23, 4→#5} and {1→#2, 3→#45} both read
``012345``. The merged trie then holds words the index does not, a prefix query reaches one,
and lunr throws: the reader sees "No matching documents". Which words break depends on the
whole index (a reworded sentence on one page once broke "clip" everywhere), so the key gets
a terminator after each id, which makes it unambiguous (a label is one character, an id only
digits). tests/test_site.py sweeps every word of the built index, and every prefix of one,
through the worker, and checks the key on two such nodes.
"""

from pathlib import Path

WORKERS = "assets/javascripts/workers"
_KEY = "e=e+s+o.id}return e}"  # lunr's TokenSet.prototype.toString loop, as material minifies it
_FIXED = 'e=e+s+o.id+","}return e}'


def fix_worker(site_dir):
    """Terminate each edge of lunr's token-set keys in the built search worker; idempotent."""
    workers = sorted((Path(site_dir) / WORKERS).glob("search.*.min.js"))
    if not workers:
        raise RuntimeError(f"no search worker in {WORKERS}: did mkdocs-material move it?")
    for worker in workers:
        code = worker.read_text(encoding="utf-8")
        if _FIXED in code:  # a dirty rebuild (make serve) keeps the fixed copy
            continue
        if code.count(_KEY) != 1:
            raise RuntimeError(
                f"{worker.name}: lunr's TokenSet key is not where lossref_site.search expects it. "
                "If the new material/lunr terminates each edge itself, drop this fix; otherwise "
                "update _KEY and _FIXED."
            )
        worker.write_text(code.replace(_KEY, _FIXED), encoding="utf-8")
