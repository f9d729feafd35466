"""Prompt Markdown as students see it: formatted, with math, and never with live script."""

from __future__ import annotations

import pytest

from exercises.markup import render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://example.org"></iframe>',
    '<svg onload="alert(1)"><circle/></svg>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<math><mtext><style><img src=x onerror="alert(1)"></style></mtext></math>',
    r"$\href{javascript:alert(1)}{x}$",
    '<form action="https://evil.example"><input name="password"></form>',
]


@pytest.mark.parametrize("source", HOSTILE)
def test_it_never_lets_script_or_foreign_content_through(source: str) -> None:
    html = render_markdown(source).lower()
    for needle in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "<iframe",
        "<svg",
        "style=",
        "<form",
        "<input",
        "<img",
    ):
        assert needle not in html, (source, html)


def test_it_renders_the_markdown_instructors_write() -> None:
    html = render_markdown(
        "Write `sigmoid(x)` **without** loops:\n\n- one\n- two\n\n```python\nx = 1\n```"
    )
    assert "<code>sigmoid(x)</code>" in html
    assert "<strong>without</strong>" in html
    assert "<li>one</li>" in html
    assert "<pre><code" in html and "x = 1" in html


def test_it_turns_latex_into_mathml() -> None:
    html = render_markdown(r"Inline $\sigma(x)$ and display $$\frac{1}{1 + e^{-x}}$$")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert 'display="block"' in html and "<mfrac>" in html


def test_it_leaves_dollar_amounts_and_code_alone() -> None:
    html = render_markdown("It costs $5 and $6; `a$b$c` stays code.")
    assert "<math" not in html
    assert "$5 and $6" in html and "<code>a$b$c</code>" in html


def test_it_keeps_safe_links_and_marks_them_noopener() -> None:
    html = render_markdown("[docs](https://numpy.org/doc/)")
    assert 'href="https://numpy.org/doc/"' in html and "noopener" in html
