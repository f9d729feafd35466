"""Markdown for exercise prompts, rendered on the server and sanitised.

Prompts are written by instructors and shown to every student, so the HTML that comes
out must not carry scripts, event handlers or foreign frames whatever the Markdown
says. Math between ``$...$`` or ``$$...$$`` becomes MathML (browsers draw it natively,
so no script or font loads from the internet); the whole result then passes through
nh3 (the Ammonia sanitizer) with an allow-list, which is the one security gate.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import latex2mathml.converter
import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

# Display math first: ``$$`` must not be read as two empty inline formulas.
_DISPLAY_MATH = r"\$\$(.+?)\$\$"
# Inline math hugs its content (``$x$``, not ``$ 5 and $``), so prices stay text.
_INLINE_MATH = r"(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?!\$)"

_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
    "mfrac", "msqrt", "mroot", "msup", "msub", "msubsup", "mover", "munder", "munderover",
    "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose",
}  # fmt: skip
_MATHML_ATTRIBUTES = {
    "math": {"display", "xmlns"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace", "largeop", "movablelimits"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mspace": {"width"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mtd": {"columnalign"},
    "mfrac": {"linethickness"},
}
_HTML_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "sub", "sup", "del", "span", "div", "dl", "dt", "dd", "kbd",
}  # fmt: skip
_HTML_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
    "ol": {"start"},
}


class _MathProcessor(InlineProcessor):
    """Turns one LaTeX formula into MathML, parked in the stash as raw HTML."""

    def __init__(self, pattern: str, md: markdown.Markdown, display: str) -> None:
        super().__init__(pattern, md)
        self.display = display

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:
        latex = m.group(1).strip()
        try:
            mathml = latex2mathml.converter.convert(latex, display=self.display)
        except Exception:  # noqa: BLE001 - the converter raises many kinds on bad LaTeX
            # A formula the converter cannot read is shown as its source, never dropped.
            mathml = _code_html(latex)
        return self.md.htmlStash.store(mathml), m.start(0), m.end(0)


class _MathExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Priorities above "backtick" (190) would grab $ inside code; below it is right.
        md.inlinePatterns.register(_MathProcessor(_DISPLAY_MATH, md, "block"), "math_block", 186)
        md.inlinePatterns.register(_MathProcessor(_INLINE_MATH, md, "inline"), "math_inline", 185)


def _code_html(text: str) -> str:
    element = ET.Element("code")
    element.text = text
    return ET.tostring(element, encoding="unicode")


def render_markdown(text: str) -> str:
    """Render instructor-written Markdown to safe HTML.

    Args:
        text: Markdown with optional ``$inline$`` and ``$$display$$`` LaTeX math.

    Returns:
        HTML that contains only allow-listed tags and attributes (links keep only
        http, https and mailto targets and get ``rel="noopener noreferrer"``).
    """
    html = markdown.markdown(
        text or "",
        extensions=["fenced_code", "tables", "sane_lists", _MathExtension()],
        output_format="html",
    )
    attributes = {tag: set(names) for tag, names in _HTML_ATTRIBUTES.items()}
    attributes.update({tag: set(names) for tag, names in _MATHML_ATTRIBUTES.items()})
    return nh3.clean(
        html,
        tags=_HTML_TAGS | _MATHML_TAGS,
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
