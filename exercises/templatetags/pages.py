"""Template helpers for the student and instructor pages."""

from __future__ import annotations

import json

from django import template
from django.utils.safestring import SafeString, mark_safe

from exercises.markup import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render ``text`` (instructor Markdown) to sanitised HTML; see ``exercises.markup``."""
    # Safe to mark: render_markdown's output has passed the nh3 allow-list.
    return mark_safe(render_markdown(text))


@register.filter(name="score")
def score_filter(value: float | None) -> str:
    """Format a score for a table cell: ``7``, ``7.5``, ``0.33``; empty for ``None``."""
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


@register.filter(name="pretty_json")
def pretty_json_filter(value: object) -> str:
    """Return ``value`` as indented JSON (non-ASCII kept) for showing a stored answer."""
    return json.dumps(value, indent=2, ensure_ascii=False)
