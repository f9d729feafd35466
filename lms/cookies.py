"""Partitioned (CHIPS) session and CSRF cookies, for pages framed by an LMS.

Browsers that block third-party cookies (Safari, Firefox, Chrome when set so) drop an
ordinary ``SameSite=None`` cookie set inside an LMS iframe, so a launch in Moodle's
frame would land signed out. A ``Partitioned`` cookie is kept, in a jar of its own for
that top-level site: the frame's session lives inside the LMS page, and a top-level
visit to ActQuiz (a new window) has its usual cookies. Browsers that do not know the
attribute ignore it. Django (5.2) and Python (before 3.14) cannot write it, so this
middleware swaps the two cookies' morsels for ones that add it.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import Morsel

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class _PartitionedMorsel(Morsel):
    def OutputString(self, attrs: list[str] | None = None) -> str:
        return f"{super().OutputString(attrs)}; Partitioned"


def _partitioned(morsel: Morsel) -> Morsel:
    copy = _PartitionedMorsel()
    copy.set(morsel.key, morsel.value, morsel.coded_value)
    copy.update(morsel)
    return copy


class PartitionedCookieMiddleware:
    """Listed before the session and CSRF middleware, so it sees their cookies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not settings.ACTQUIZ_PARTITIONED_COOKIES:
            return response
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            morsel = response.cookies.get(name)
            # Deletions too: only a Partitioned Set-Cookie reaches a partitioned cookie.
            if morsel is not None and morsel["secure"]:
                # dict's own setter: SimpleCookie's would wrap the value in a new Morsel.
                dict.__setitem__(response.cookies, name, _partitioned(morsel))
        return response
