"""The site generator's pure parts, without building the site: page blocks, the nav and math."""

import dataclasses
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import lossref
from lossref._core import FAMILIES, PROPERTIES, Meta, elementwise_loss

from lossref_site import blocks, nav, serve
from lossref_site.mathml import to_mathml

ROOT = Path(__file__).resolve().parents[1]
MATH = '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">'
TIGHT = 'lspace="0" rspace="0"'


def _inline(latex):
    """The MathML of an inline formula, without the <math> wrapper."""
    mathml = to_mathml(latex, False)
    assert mathml.startswith(MATH), mathml
    assert mathml.endswith("</math>"), mathml
    return mathml.removeprefix(MATH).removesuffix("</math>")


def _displays(markdown):
    return re.findall(r"\$\$\n(.*?)\n\$\$", markdown, flags=re.S)


# --- Page blocks ---------------------------------------------------------------------------


def test_definition_block_shows_formula_gradient_domain_and_figure():
    huber = lossref.get("huber")
    block = blocks.definition_block(huber)
    assert _displays(block) == [huber.meta.formula, huber.meta.gradient]
    formula, gradient = (to_mathml(latex, True) for latex in _displays(block))
    # the two cases under one stretchy brace; |r| is tight; the clip function applies to (r, -δ, δ)
    assert '<mo stretchy="true" fence="true" form="prefix">{</mo><mtable>' in formula
    assert f'<mo stretchy="false" fence="true" {TIGHT}>|</mo><mi>r</mi>' in formula
    assert f'<mi>clip</mi><mo {TIGHT}>\u2061</mo><mo stretchy="false">(</mo>' in gradient
    assert "| `y_pred` | ℝ |" in block
    assert "| `delta` (keyword) | default `1.0` |" in block
    assert PROPERTIES["convex"] in block
    assert "Gradient: none" not in block
    assert "](../assets/plots/huber.svg#only-light)" in block
    assert "](../assets/plots/huber-dark.svg#only-dark)" in block


def test_definition_block_of_an_evaluation_only_loss_says_it_has_no_gradient():
    block = blocks.definition_block(lossref.get("zero_one"))
    assert "**Gradient: none.** `.grad` raises a `TypeError`" in block
    assert "`.grad` differentiates the reduced loss" not in block


def test_frameworks_block_names_the_golden_pytorch_version():
    version = json.loads((ROOT / "tests" / "golden" / "torch.json").read_text())["torch"]
    assert re.fullmatch(r"\d+\.\d+\.\d+(\+cpu)?", version), version
    block = blocks.frameworks_block(lossref.get("huber"))
    assert f"Executed against PyTorch {version.removesuffix('+cpu')} (values and gradients" in block
    assert "| PyTorch | `torch.nn.HuberLoss" in block  # framework names in code font
    assert block.startswith("## Framework mapping\n")


def test_frameworks_block_names_the_torch_libraries_it_ran():
    # the versions come from the golden files of the calls that ran, not from the metadata's prose
    for name, framework, file in (
        ("triplet_margin", "pytorch-metric-learning", "pml"),
        ("total_variation", "Kornia", "kornia"),
    ):
        version = json.loads((ROOT / "tests" / "golden" / f"{file}.json").read_text())["version"]
        block = blocks.frameworks_block(lossref.get(name))
        assert re.search(rf"{framework} {re.escape(version)} \(\d+ calls?, to 1e-12\)", block), block


def test_the_site_types_no_pytorch_version():
    version = json.loads((ROOT / "tests" / "golden" / "torch.json").read_text())["torch"].split("+")[0]
    major_minor = ".".join(version.split(".")[:2])
    sources = [*(ROOT / "docs").rglob("*.md"), *(ROOT / "docs" / "hooks").rglob("*.py")]
    assert len(sources) > 50
    typed = [
        p.relative_to(ROOT)
        for p in sources
        if re.search(rf"(?i)(torch|pytorch)\W*{major_minor}", p.read_text())
    ]
    assert not typed, f"read the version from tests/golden/torch.json instead: {typed}"


def test_api_block_has_the_signature_and_the_reference():
    block = blocks.api_block(lossref.get("huber"))
    assert (
        '```text\nlossref.huber(y_pred, y_true, *, delta=1.0, reduction="mean", weights=None)\n```' in block
    )
    assert "::: lossref.huber\n" in block


def test_index_block_lists_each_loss_once_by_family_in_the_site_order():
    block = blocks.index_block()
    headings = re.findall(r"^## (\w+)$", block, flags=re.M)
    used = [f for f in FAMILIES if lossref.catalog(family=f)]
    assert headings == [f.capitalize() for f in used]
    links = re.findall(r"<br>`(\w+)` \|", block)
    assert sorted(links) == sorted(loss.name for loss in lossref.catalog())


def test_cheat_sheet_has_one_card_per_listed_loss():
    block = blocks.cheatsheet_block()
    assert len(blocks.CHEATSHEET) == 12
    assert len(set(blocks.CHEATSHEET)) == 12
    cards = re.findall(r"\]\(\.\./losses/(\w+)\.md\)", block)
    assert cards == list(blocks.CHEATSHEET)
    assert len(_displays(block)) == 2 * len(cards)  # a formula and a gradient each


def test_page_markdown_replaces_each_marker_and_tags_the_loss_page():
    page = SimpleNamespace(file=SimpleNamespace(src_uri="losses/huber.md"), meta={})
    markdown = "# Huber loss\n\n<!-- lossref: definition huber -->\n\n<!-- lossref: api huber -->\n"
    out = blocks.page_markdown(markdown, page)
    assert "<!-- lossref" not in out
    assert blocks.definition_block(lossref.get("huber")) in out
    assert "::: lossref.huber" in out
    assert {"HuberLoss", "nn.HuberLoss", "torch.nn.HuberLoss"} <= set(page.meta["tags"])
    other = SimpleNamespace(file=SimpleNamespace(src_uri="guides/index.md"), meta={})
    assert blocks.page_markdown("no marker", other) == "no marker"
    assert other.meta == {}


# --- The family list, defined once ---------------------------------------------------------


def test_nav_shows_the_families_in_the_library_order():
    losses = nav.nav({})["nav"][1]["Losses"]
    assert losses[:2] == ["losses/index.md", "losses/compare.md"]
    families = [next(iter(group)) for group in losses[2:]]
    assert families == [f.capitalize() for f in FAMILIES if lossref.catalog(family=f)]
    pages = [page for group in losses[2:] for page in next(iter(group.values()))]
    assert sorted(pages) == sorted(f"losses/{loss.name}.md" for loss in lossref.catalog())


def test_every_family_is_listed_once_and_has_a_loss():
    assert len(set(FAMILIES)) == len(FAMILIES)
    assert {loss.meta.family for loss in lossref.catalog()} == set(FAMILIES)


def test_a_loss_of_an_unknown_family_is_refused_at_registration():
    huber = lossref.get("huber")
    fields = {f.name: getattr(huber.meta, f.name) for f in dataclasses.fields(Meta)}
    with pytest.raises(AssertionError, match=r"unknown family 'regresion'.*FAMILIES"):

        @elementwise_loss(**{**fields, "family": "regresion"})
        def misfiled(y_pred, y_true, *, delta=1.0):
            return huber.__wrapped__(y_pred, y_true, delta=delta)

    assert "misfiled" not in {loss.name for loss in lossref.catalog()}


# --- Math: LaTeX to MathML, spaced as TeX ----------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "mathml"),
    [
        # TeX's / is an ordinary symbol: no operator space on either side
        ("1/N", f"<mrow><mn>1</mn><mo {TIGHT}>/</mo><mi>N</mi></mrow>"),
        ("a/b", f"<mrow><mi>a</mi><mo {TIGHT}>/</mo><mi>b</mi></mrow>"),
        (
            r"\log(p)/T",
            f'<mrow><mi>log</mi><mo {TIGHT}>\u2061</mo><mo stretchy="false">(</mo><mi>p</mi>'
            f'<mo stretchy="false">)</mo><mo {TIGHT}>/</mo><mi>T</mi></mrow>',
        ),
        # ∂ is an ordinary symbol too: ∂ℓ/∂ŷ, not ∂ℓ/ ∂ŷ
        (
            r"\partial\ell/\partial\hat y",
            f"<mrow><mo {TIGHT}>∂</mo><mi>ℓ</mi><mo {TIGHT}>/</mo><mo {TIGHT}>∂</mo>"
            '<mover accent="true"><mi>y</mi><mo>^</mo></mover></mrow>',
        ),
        # and, as an ordinary, it is followed by a thin space before a function name (TeX's Ord-Op)
        (
            r"a/\max(b, c)",
            f'<mrow><mi>a</mi><mo {TIGHT}>/</mo><mspace width="0.1667em" /><mi>max</mi>'
            f"<mo {TIGHT}>\u2061</mo>"
            '<mo stretchy="false">(</mo><mi>b</mi><mo>,</mo><mi>c</mi><mo stretchy="false">)</mo></mrow>',
        ),
        # \log p: a thin space after an ordinary symbol and before the argument
        (
            r"w \log p",
            '<mrow><mi>w</mi><mspace width="0.1667em" /><mi>log</mi>'
            '<mo lspace="0" rspace="0.1667em">\u2061</mo>'
            "<mi>p</mi></mrow>",
        ),
        # a sign after an operator is tight; a binary minus keeps the dictionary's space
        ("= -y", f"<mrow><mo>=</mo><mo {TIGHT}>−</mo><mi>y</mi></mrow>"),
        ("a - b", "<mrow><mi>a</mi><mo>−</mo><mi>b</mi></mrow>"),
        # |r| is an ordinary pair of bars, tight around r
        (
            "|r|",
            f'<mrow><mo stretchy="false" fence="true" {TIGHT}>|</mo><mi>r</mi>'
            f'<mo stretchy="false" fence="true" {TIGHT}>|</mo></mrow>',
        ),
        # names with digits survive (latex2mathml drops them from \operatorname) as one upright word
        (
            r"\operatorname{log1p}(x)",
            '<mrow><mi mathvariant="normal">log1p</mi><mo stretchy="false">(</mo><mi>x</mi>'
            '<mo stretchy="false">)</mo></mrow>',
        ),
        (r"\mathrm{KL}", '<mrow><mi mathvariant="normal">KL</mi></mrow>'),
        # a prime is not raised a second time
        ("f'", f"<mrow><mrow><mi>f</mi><mo {TIGHT}>′</mo></mrow></mrow>"),
        # the page's HTML escapes are undone before converting
        ("a &lt; b", "<mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi></mrow>"),
    ],
)
def test_to_mathml_spaces_as_tex(latex, mathml):
    assert _inline(latex) == mathml


def test_a_display_formula_is_a_block():
    assert to_mathml(r"\frac{1}{2}", True).startswith(
        '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block"><mrow><mfrac>'
    )


# --- The dirty rebuilds of make serve -------------------------------------------------------


def _tree(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return serve.snapshot(tmp_path)


def _edit(tmp_path, name, text):
    path = tmp_path / name
    stat = path.stat()
    path.write_text(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # newer, whatever the clock's resolution
    return serve.snapshot(tmp_path)


SITE = {
    "mkdocs.yml": "site_name: x\n",
    "docs/guides/penalties.md": "# Penalties\n\nProse.\n",
    "docs/losses/huber.md": "# Huber\n\nProse.\n",
    "docs/glossary/margin.md": "---\ntitle: margin\n---\nA term.\n",
    "docs/interview/regression.md": "# Regression\n",
    "lossref/_regression.py": "x = 1\n",
    "notebooks/outliers.ipynb": "{}",
}


def test_a_prose_edit_rebuilds_only_its_page(tmp_path):
    before = _tree(tmp_path, SITE)
    assert not serve.needs_full_build(before, before)
    assert not serve.needs_full_build(
        before, _edit(tmp_path, "docs/guides/penalties.md", "# Penalties\n\nMore.\n")
    )
    assert not serve.needs_full_build(before, _edit(tmp_path, "docs/losses/huber.md", "# Huber\n\nMore.\n"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("docs/guides/penalties.md", "# Weight penalties\n\nProse.\n"),  # a new title: every page's nav
        ("docs/glossary/margin.md", "---\ntitle: margin\n---\nAnother definition.\n"),  # tooltips everywhere
        ("docs/interview/regression.md", "# Regression\n\nA question.\n"),  # the practice bank
        ("lossref/_regression.py", "x = 2\n"),  # every loss page, figure and table
        ("notebooks/outliers.ipynb", "{ }"),
        ("mkdocs.yml", "site_name: y\n"),
        ("docs/guides/new-page.md", "# New\n"),  # a page added: the nav
    ],
)
def test_an_edit_other_pages_depend_on_rebuilds_everything(tmp_path, name, text):
    before = _tree(tmp_path, SITE)
    after = _edit(tmp_path, name, text) if (tmp_path / name).exists() else _tree(tmp_path, {name: text})
    assert serve.needs_full_build(before, after)
    assert serve.needs_full_build(None, after)  # the first build of a session


def test_strict_serve_drops_only_the_dirty_build_warning():
    import logging

    logger = logging.getLogger("mkdocs.commands.build")
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append
    logger.addHandler(handler)
    try:
        serve.startup("serve", True)
        logger.warning(serve.DIRTY_WARNING + ", this will likely lead to inaccurate navigation")
        logger.warning("Doc file 'x.md' contains a link to 'y.md', which is not found")
        assert [r.getMessage() for r in seen] == [
            "Doc file 'x.md' contains a link to 'y.md', which is not found"
        ]
    finally:
        logger.removeHandler(handler)
        logger.filters.clear()
        serve.startup("build", False)


# --- issue 20: the overlay block (the DPO page's comparison of the preference losses) -------


def test_overlay_block_draws_each_preference_loss_at_its_implicit_reward_margin():
    import math

    import numpy as np

    from lossref.plotting import overlaid

    losses = overlaid("preference")
    assert [loss.name for loss in losses] == ["dpo", "ipo", "kto", "orpo", "simpo"]
    block = blocks.page_markdown(
        "<!-- lossref: overlay preference -->",
        SimpleNamespace(file=SimpleNamespace(src_uri="losses/dpo.md"), meta={}),
    )
    assert "../assets/plots/overlay-preference.svg#only-light" in block
    assert "../assets/plots/overlay-preference-dark.svg#only-dark" in block
    assert all(f"]({name}.md)" in block for name in ("dpo", "ipo", "kto", "orpo", "simpo"))
    # at u = 0, by hand: −log σ(0); (0 − ½)²/τ² = 25; 1 − σ(0); (1 + λ)·softplus(0); softplus(γ) = log(1 + e)
    expected = {
        "dpo": math.log(2),
        "ipo": 25.0,
        "kto": 0.5,
        "orpo": 1.1 * math.log(2),
        "simpo": math.log(1 + math.e),
    }
    for loss in losses:
        curve = loss.meta.plot.overlay
        _label, series_args, hyper = curve.series[0]
        value = loss(*curve.args(np.array([0.0, 1.0]), **series_args), reduction="none", **hyper)[0]
        assert value == pytest.approx(expected[loss.name], rel=1e-12), loss.name
    with pytest.raises(ValueError, match=r"fewer than two regression losses declare Plot\.overlay"):
        blocks.overlay_block("regression")
