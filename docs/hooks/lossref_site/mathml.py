"""LaTeX to MathML at build time, spaced as TeX spaces it, so pages load no math script."""

import functools
import html
import re
import xml.etree.ElementTree as ET

import latex2mathml.converter

_BLOCK = re.compile(r'<div class="arithmatex">\s*\\\[(.*?)\\\]\s*</div>', re.S)
_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)


_OPERATOR_NAME = re.compile(r"\\operatorname\{([^}]*[^A-Za-z}][^}]*)\}")


@functools.cache  # a formula repeats across pages and across `make serve` rebuilds (one process)
def to_mathml(latex, display):
    latex = html.unescape(latex).strip()
    # latex2mathml drops \operatorname{...} names holding digits or "\_" (log1p, log_softmax)
    latex = _OPERATOR_NAME.sub(r"\\mathrm{\1}", latex)
    return _typeset(latex2mathml.converter.convert(latex, display="block" if display else "inline"))


# latex2mathml's MathML leaves spacing to the browser's operator dictionary, which gets TeX
# wrong in places: _typeset rewrites the tree so MathML Core (Chromium, Firefox) spaces it as TeX.
_M = "{http://www.w3.org/1998/Math/MathML}"
ET.register_namespace("", _M[1:-1])
_ROWS = {_M + t for t in ("math", "mrow", "mtd", "msqrt", "mstyle", "mpadded", "mphantom", "menclose")}
_SCRIPTED = {_M + t for t in ("msub", "msup", "msubsup", "munder", "mover", "munderover")}
_OPEN = {"(", "[", "{", "|", "‖", "⟨", "⌊", "⌈"}
_BARS = {"|", "‖"}
# after these an operator is binary (x) − y, |r| − y; after any other operator or first in a
# row it is a sign, which TeX sets without space: (−βh), = −∑, clip(r, −δ, δ)
_ORDINARY_MO = {")", "]", "}", "|", "‖", "⟩", "⌋", "⌉", "′", "″", "!", "∂", "∞", "/"}
# MathML Core dropped the named widths latex2mathml writes for \, \: \; \!
_NAMED_SPACE = {
    "thinmathspace": "0.1667em",
    "mediummathspace": "0.2222em",
    "thickmathspace": "0.2778em",
    "negativethinmathspace": "-0.1667em",
    "negativemediummathspace": "-0.2222em",
    "negativethickmathspace": "-0.2778em",
}


def _is_name(el):
    # \log, \exp … come out as <mi>log</mi>; \max and \operatorname{…} as <mo>max</mo>
    return (
        el.tag in (_M + "mi", _M + "mo")
        and el.text is not None
        and len(el.text) > 1
        and el.text.isalpha()
        and el.get("mathvariant") is None
    )


def _upright_word(el):
    # \mathrm{KL} comes out letter by letter: <mrow><mi mathvariant="normal">K</mi>…; as one <mi>
    # it is a word, kerned as one and upright by default
    kids = list(el)
    return (
        el.tag == _M + "mrow"
        and len(kids) > 1
        and all(
            ((k.tag == _M + "mi" and k.get("mathvariant") == "normal") or k.tag == _M + "mn") and len(k) == 0
            for k in kids
        )
    )


def _fix(el):
    for k, child in enumerate(list(el)):
        if _upright_word(child):
            word = ET.Element(_M + "mi", mathvariant="normal")  # a name (\mathrm{KL}), not a function
            word.text, word.tail = "".join(c.text or "" for c in child), child.tail
            el[k] = word
    for child in el:
        _fix(child)
        if child.tag == _M + "mspace" and child.get("width") in _NAMED_SPACE:
            child.set("width", _NAMED_SPACE[child.get("width")])
        if child.tag == _M + "mo" and child.text in ("/", "∂") and len(child) == 0:
            # TeX's / and ∂ are ordinary symbols (a/b, 1/N, z/T, ∂ℓ/∂ŷ): the browser's dictionary
            # would give them operator space (∂ after an operator: ∂ℓ/ ∂ŷ)
            child.set("lspace", "0")
            child.set("rspace", "0")
        if child.tag == _M + "mo" and child.text in _BARS and child.get("stretchy") == "false":
            # a plain |r| is an ordinary symbol in TeX: no space inside the bars
            child.set("fence", "true")
            child.set("lspace", "0")
            child.set("rspace", "0")
        if (
            child.tag == _M + "msup"
            and len(child) == 2
            and child[1].text in ("′", "″", "‴")
            and len(child[1]) == 0
        ):
            # the prime glyph is already drawn at superscript height: raised again it floats away
            prime = child[1]
            prime.tag = _M + "mo"
            prime.set("lspace", "0")
            prime.set("rspace", "0")
            child.tag = _M + "mrow"
    if el.tag not in _ROWS:
        return
    for k, child in enumerate(el):
        before = el[k - 1] if k else None
        if (
            child.tag == _M + "mo"
            and child.text in ("−", "+", "±")
            and (before is None or (before.tag == _M + "mo" and before.text not in _ORDINARY_MO))
        ):
            child.set("lspace", "0")
            child.set("rspace", "0")
    k = 0
    while k < len(el) - 1:
        child = el[k]
        base = child[0] if child.tag in _SCRIPTED and len(child) else child
        if _is_name(base):
            base.tag = _M + "mi"  # mo would get an operator's wide spacing on both sides
            before = el[k - 1] if k else None
            if before is not None and (before.tag != _M + "mo" or before.text in _ORDINARY_MO):
                space = ET.Element(_M + "mspace", width="0.1667em")  # TeX's thin space: w \log p
                space.tail, before.tail = before.tail, None
                el.insert(k, space)
                k += 1
            follower = el[k + 1]
            opener = follower[0] if follower.tag == _M + "mrow" and len(follower) else follower
            if follower.tag != _M + "mspace":  # \log\!\left(…\right) sets its own space
                apply = ET.Element(_M + "mo", lspace="0", rspace="0")
                apply.text = "\u2061"  # function application: \log(x) tight, \log p a thin space
                if not (opener.tag == _M + "mo" and opener.text in _OPEN):
                    apply.set("rspace", "0.1667em")
                apply.tail, child.tail = child.tail, None
                el.insert(k + 1, apply)
                k += 1
        k += 1


def _typeset(mathml):
    root = ET.fromstring(mathml)
    _fix(root)
    return ET.tostring(root, encoding="unicode")


def render_page(content):
    """Every arithmatex formula of a page's HTML as MathML: blocks in a ``math-block`` div."""
    content = _BLOCK.sub(lambda m: f'<div class="math-block">{to_mathml(m.group(1), True)}</div>', content)
    return _INLINE.sub(lambda m: to_mathml(m.group(1), False), content)
