"""Password guessing limits: failed logins counted per account and per client address.

Every password check goes through ``authenticate()`` and so through
``RateLimitedModelBackend``: the page login, the admin login and any later endpoint
that checks a password. After ``ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT`` failures for one
username, or ``ACTQUIZ_LOGIN_FAILURES_PER_IP`` from one address, within
``ACTQUIZ_LOGIN_WINDOW_SECONDS``, every attempt is refused (the right password too)
until the sliding window lets one more through. The counters live in the shared
cache (Redis), so they hold across gunicorn workers and hosts. A refused attempt is
not counted, and a successful login clears its account's failures (not its address's).
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse

from actquiz.throttles import SlidingWindow

# Set on the request when an attempt was refused: seconds until the next may succeed.
RETRY_AFTER_ATTRIBUTE = "actquiz_login_retry_after"


def client_address(request: HttpRequest | None) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or from ``X-Forwarded-For`` behind proxies.

    With ``ACTQUIZ_TRUSTED_PROXIES = n`` the address is the n-th from the end of the
    header (each trusted proxy appends the address it saw); without, the header is
    ignored, since a client could write anything into it.
    """
    if request is None:
        return "unknown"
    proxies = settings.ACTQUIZ_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "unknown") or "unknown"


def _windows() -> tuple[SlidingWindow, SlidingWindow]:
    seconds = settings.ACTQUIZ_LOGIN_WINDOW_SECONDS
    per_account = SlidingWindow(
        cache, limit=settings.ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT, seconds=seconds
    )
    per_address = SlidingWindow(
        cache, limit=settings.ACTQUIZ_LOGIN_FAILURES_PER_IP, seconds=seconds
    )
    return per_account, per_address


def _account_key(username: str) -> str:
    # Usernames are matched case-sensitively by Django but guessed in any case: one
    # counter for every spelling keeps "Alice" and "alice" from doubling the budget.
    return f"login-fail:user:{username.strip().casefold()[:150]}"


def _address_key(address: str) -> str:
    return f"login-fail:ip:{address[:64]}"


def login_attempt_begins(request: HttpRequest | None, username: str) -> int:
    """Count a login attempt as ``username`` from ``request``'s address as a failure.

    Counted before the password is checked, atomically, so concurrent guesses cannot
    all slip under the limit together; ``login_succeeded`` takes it back. Returns 0
    when the attempt may go on, else the whole seconds until one may (not counted).
    """
    per_account, per_address = _windows()
    now = time.time()
    account, address = _account_key(username), _address_key(client_address(request))
    wait = per_account.hit(account, now)
    if not wait:
        wait = per_address.hit(address, now)
        if wait:
            per_account.uncount(account, now)
    return max(1, math.ceil(wait)) if wait > 0 else 0


def login_succeeded(request: HttpRequest | None, username: str) -> None:
    """Forget the account's failures (its owner knows the password); uncount the address's."""
    per_account, per_address = _windows()
    now = time.time()
    window = int(now // per_account.seconds)
    key = _account_key(username)
    for index in (window - 1, window):
        cache.delete(f"{key}:{index}")
    per_address.uncount(_address_key(client_address(request)), now)


class RateLimitedModelBackend(ModelBackend):
    """Django's username/password backend behind the failed-login limits."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(self._username_field(), None)
        if username is None or password is None:
            return None
        wait = login_attempt_begins(request, str(username))
        if wait:
            if request is not None:
                setattr(request, RETRY_AFTER_ATTRIBUTE, wait)
            # PermissionDenied stops authenticate() at once: no other backend, no
            # password check, so a correct guess while locked out teaches nothing.
            raise PermissionDenied("Too many failed logins.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            login_succeeded(request, str(username))
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def rate_limited_message(wait: int) -> str:
    """The message shown to someone whose login was refused for ``wait`` seconds."""
    minutes = max(1, math.ceil(wait / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed logins for this account or from your network. "
        f"Try again in {minutes} {unit}."
    )


class LoginLimitMiddleware:
    """A refused login answers 429 with ``Retry-After``, whatever view asked for it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        wait = getattr(request, RETRY_AFTER_ATTRIBUTE, 0)
        if wait and response.status_code < 300:
            response.status_code = 429
            response.reason_phrase = "Too Many Requests"
            response["Retry-After"] = str(wait)
        return response


class _RateLimitedFormMixin:
    """Shows the limit's message, not "wrong password", when a login was refused."""

    request: HttpRequest | None

    @property
    def retry_after_minutes(self) -> int:
        wait = getattr(self.request, RETRY_AFTER_ATTRIBUTE, 0)
        return max(1, math.ceil(wait / 60)) if wait else 0

    def get_invalid_login_error(self) -> ValidationError:
        wait = getattr(self.request, RETRY_AFTER_ATTRIBUTE, 0)
        if wait:
            return ValidationError(rate_limited_message(wait), code="rate_limited")
        return super().get_invalid_login_error()  # type: ignore[misc]


class RateLimitedAuthenticationForm(_RateLimitedFormMixin, AuthenticationForm):
    """The page login's form."""


class RateLimitedAdminAuthenticationForm(_RateLimitedFormMixin, AdminAuthenticationForm):
    """The admin login's form."""
