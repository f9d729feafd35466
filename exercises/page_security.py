"""Browser-side defences for the HTML pages (the JSON API does not need them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

# Everything the pages use comes from this origin; nothing is inline except JSON data
# blocks, which browsers never execute. If a prompt ever slipped a script past the
# Markdown sanitiser, the browser would still refuse to run it.
_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # The ACE editor's stylesheet draws its gutter icons as data: URLs.
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(_DIRECTIVES)


def with_page_headers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a page ``view`` so its responses carry the content security policy.

    Args:
        view: a Django view function returning an HTML response.

    Returns:
        The wrapped view; a response that already has a policy keeps it.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return wrapped
