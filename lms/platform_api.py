"""Calls from the tool to a platform's services, with OAuth2 access tokens.

Tokens come from the client-credentials grant with a signed JWT assertion
(LTI Advantage security framework) and are reused until shortly before they expire.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone

from lms import keys, protocol
from lms.models import AccessToken, Registration


class PlatformError(Exception):
    """The platform refused or failed a call; ``status`` and ``body`` say how."""

    def __init__(self, message: str, *, status: int | None = None, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _excerpt(text: str) -> str:
    return text[:500]


def access_token(registration: Registration, scopes: list[str], *, fresh: bool = False) -> str:
    """Return a bearer token for ``scopes`` at the platform, cached until it expires."""
    scope = " ".join(sorted(scopes))
    now = timezone.now()
    if not fresh:
        cached = AccessToken.objects.filter(
            registration=registration, scopes=scope, expires_at__gt=now
        ).first()
        if cached is not None:
            return cached.token
    key = keys.signing_key()
    assertion = protocol.client_assertion(
        client_id=registration.client_id,
        token_url=registration.auth_token_url,
        private_key_pem=key.private_key_pem,
        kid=key.kid,
        now=time.time(),
    )
    try:
        response = requests.post(
            registration.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
                "scope": scope,
            },
            timeout=settings.ACTQUIZ_LTI_HTTP_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise PlatformError(f"token endpoint unreachable: {exc}") from exc
    if response.status_code != 200:
        raise PlatformError(
            f"token endpoint answered {response.status_code}",
            status=response.status_code,
            body=_excerpt(response.text),
        )
    try:
        body = response.json()
        token = str(body["access_token"])
        lifetime = int(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise PlatformError(
            "token endpoint sent no access_token", status=200, body=_excerpt(response.text)
        ) from exc
    # A margin so a token is never used in its last seconds.
    expires_at = now + timedelta(seconds=max(lifetime - 30, 0))
    try:
        AccessToken.objects.update_or_create(
            registration=registration,
            scopes=scope,
            defaults={"token": token, "expires_at": expires_at},
        )
    except IntegrityError:
        pass
    return token


def call(
    registration: Registration,
    scopes: list[str],
    method: str,
    url: str,
    *,
    accept: str = "application/json",
    content_type: str | None = None,
    json_body: Any = None,
) -> requests.Response:
    """Send one authorised request; a 401 gets one retry with a fresh token.

    Returns the response whatever its status; raises ``PlatformError`` when the
    platform cannot be reached or no token can be had.
    """
    headers = {"Accept": accept}
    if content_type:
        headers["Content-Type"] = content_type
    for fresh in (False, True):
        headers["Authorization"] = f"Bearer {access_token(registration, scopes, fresh=fresh)}"
        try:
            response = requests.request(
                method,
                url,
                headers=headers,
                data=None if json_body is None else _json_bytes(json_body),
                timeout=settings.ACTQUIZ_LTI_HTTP_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise PlatformError(f"{url} unreachable: {exc}") from exc
        if response.status_code != 401:
            return response
    return response


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


def excerpt(text: str) -> str:
    """Return the start of a response body, as kept in the attempt log."""
    return _excerpt(text)
