"""mkdocs hook, the build's last step: write the loss figures drawn in the background.

They are drawn beside the build's own steps and written into the site when all of those are
done (``lossref_site.figures.defer_pending`` and ``finish``): a hook of its own, since
``lossref_pages``'s post-build steps must run before the other hooks' (the notebook stylesheet).
"""

from mkdocs.plugins import event_priority

import lossref_site.figures


@event_priority(-100)  # after every plugin's and hook's post-build step
def on_post_build(config):
    lossref_site.figures.finish()
