"""The site's figures: ``plotting.svg`` draws on one reused figure, and must match a fresh one."""

import io

import matplotlib.pyplot as plt

import lossref
from lossref import plotting


def _fresh_svg(loss):
    with plt.rc_context(plotting.STYLE):
        fig = plotting.figure(loss)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def test_svg_on_the_reused_figure_is_a_fresh_figures_byte_for_byte():
    # each one leaves state a careless reset would carry into the next: a panel turned off with a
    # text in it, fixed y limits and a legend, then neither (one unlabelled series)
    names = ["zero_one", "mse", "binary_cross_entropy", "mae", "zero_one", "huber"]
    losses = [lossref.get(name) for name in names]
    assert not losses[0].differentiable
    assert losses[2].meta.plot.curve.y_limits is not None
    assert not any(label for label, *_ in losses[3].meta.plot.curve.series)
    for loss in losses:
        assert plotting.svg(loss) == _fresh_svg(loss), loss.name
    assert plotting.svg(losses[5], dark=True) == plotting.recolor(_fresh_svg(losses[5]))


def test_svg_follows_a_change_of_matplotlib_settings(monkeypatch):
    # axes keep the settings they were made under: a caller's new rcParams need new axes
    huber = lossref.get("huber")
    plotting.svg(huber)
    monkeypatch.setitem(plt.rcParams, "xtick.major.size", 9.0)
    assert plotting.svg(huber) == _fresh_svg(huber)


def test_svg_leaves_no_figure_open_in_pyplot():
    # a notebook's outputs are pyplot's open figures: drawing a page figure must add none
    before = plt.get_fignums()
    plotting.svg(lossref.get("huber"))
    assert plt.get_fignums() == before
