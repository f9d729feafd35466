"""Let the LMS that launched a user frame ActQuiz's pages, and no one else.

Pages deny framing by default (``frame-ancestors 'none'`` and X-Frame-Options). A
launch records the platform's origins in the session; for that session this
middleware allows exactly those origins as frame ancestors, on the pages a user
reaches from a launch (``FRAMEABLE_NAMESPACES``). The sign-in and sign-out pages,
the admin and the API stay unframeable even then: a framed password form is what
clickjacking and phishing want, and nothing launched from an LMS needs one.
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


# The pages of a launched session: a student's exercises, submissions and course, an
# instructor's course pages, the LMS page and the LTI views themselves.
FRAMEABLE_NAMESPACES = frozenset({"pages", "lms"})
NEVER_FRAMED = frozenset({"pages:login", "pages:logout"})


def is_frameable(request: HttpRequest) -> bool:
    """Return whether the page ``request`` resolved to may be framed by a launching LMS."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name in NEVER_FRAMED:
        return False
    return bool(set(match.namespaces) & FRAMEABLE_NAMESPACES)


def registered_origins() -> list[str]:
    """Return the origins of every registered platform (issuer and login URL), sorted.

    For pages shown before a launch says which platform it is (an LTI error page).
    """
    from lms.models import Registration
    from lms.protocol import origin_of

    origins = {
        origin_of(url)
        for pair in Registration.objects.values_list("issuer", "auth_login_url")
        for url in pair
        if url.startswith(("https://", "http://"))
    }
    return sorted(origins)


class LtiFramingMiddleware:
    """Listed after XFrameOptionsMiddleware, so it sees the response first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(SESSION_KEY) if session is not None else None
        if origins and is_frameable(request):
            allow_framing(response, list(origins))
        return response
