"""Let the LMS that launched a user frame ActQuiz's pages, and no one else.

Pages deny framing by default (``frame-ancestors 'none'`` and X-Frame-Options). A
launch records the platform's origins in the session; for that session this
middleware allows exactly those origins as frame ancestors.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "lti_frame_ancestors"
_FRAME_ANCESTORS = re.compile(r"frame-ancestors [^;]*")


def frame_ancestors_policy(origins: list[str]) -> str:
    return "frame-ancestors 'self' " + " ".join(origins)


def allow_framing(response: HttpResponse, origins: list[str]) -> HttpResponse:
    """Mark ``response`` as frameable by ``origins`` (its CSP and X-Frame-Options)."""
    response.xframe_options_exempt = True
    policy = response.headers.get("Content-Security-Policy")
    directive = frame_ancestors_policy(origins)
    if policy is None:
        response.headers["Content-Security-Policy"] = directive
    elif "frame-ancestors" in policy:
        response.headers["Content-Security-Policy"] = _FRAME_ANCESTORS.sub(directive, policy)
    else:
        response.headers["Content-Security-Policy"] = f"{policy}; {directive}"
    return response


class LtiFramingMiddleware:
    """Listed after XFrameOptionsMiddleware, so it sees the response first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(SESSION_KEY) if session is not None else None
        if origins and not request.path.startswith("/admin/"):
            allow_framing(response, list(origins))
        return response
