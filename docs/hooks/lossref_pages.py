"""mkdocs hooks: the parts of the site that come from the ``lossref`` registry.

Each event delegates to the site package ``lossref_site`` (next to this file): the nav from
the registry, one SVG figure per loss, the generated blocks of the pages, LaTeX rendered to
MathML at build time (pages load no script and no font from anywhere) and the notebook pages'
post-processing, a fix to the search worker's lunr, and the dirty rebuilds of ``make serve``.
"""

import lossref_site.blocks
import lossref_site.figures
import lossref_site.mathml
import lossref_site.nav
import lossref_site.notebooks
import lossref_site.search
import lossref_site.serve


def on_startup(command, dirty):
    """``make serve`` builds dirty: see ``lossref_site.serve`` for when a build is still a full one."""
    lossref_site.serve.startup(command, dirty)


def on_config(config):
    """Derive the nav from the registry, the notebooks folder and the prose sections."""
    return lossref_site.nav.nav(config)


def on_files(files, config):
    """Add one SVG figure per loss, drawn from ``lossref`` at build time."""
    return lossref_site.serve.mark(lossref_site.figures.add(files, config))


def on_page_markdown(markdown, page, config, files):
    return lossref_site.blocks.page_markdown(markdown, page)


def on_page_content(content, page, config, files):
    return lossref_site.mathml.render_page(content)


def on_post_page(output, page, config):
    return lossref_site.notebooks.post_page(output, page)


def on_env(env, config, files):
    """The figures still drawn in the background are written at the end, not copied by mkdocs."""
    lossref_site.figures.defer_pending(files)
    return env


def on_post_build(config):
    lossref_site.notebooks.post_build(config)
    lossref_site.search.fix_worker(config["site_dir"])
