"""The site generator behind docs/hooks/lossref_pages.py: pages and figures built from ``lossref``.

* ``nav``: the nav, losses by family (``lossref._core.FAMILIES``) then the prose sections.
* ``blocks``: pure functions from a loss (or the registry) to a page's Markdown/HTML blocks.
* ``explorer``: the sliders and the compare page, drawn in the static figure's style.
* ``figures``: one SVG per loss, cached by what it is drawn from.
* ``mathml``: LaTeX to MathML, spaced as TeX spaces it.
* ``notebooks``: notebook pages made offline, with one shared stylesheet.
* ``data``: the committed JSON files (golden vectors, accuracy bounds), read once per version.
"""
