"""DRF authentication by API token: ``Authorization: Token <secret>`` (or ``Bearer``)."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from apitokens import services

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    """Authenticates a request by a hashed API token; a refused one gets a 401 saying why."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                "Invalid Authorization header: expected 'Token <secret>'.", code="token_invalid"
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("Invalid token.", code="token_invalid") from exc
        try:
            token = services.token_authenticate(secret=secret)
        except services.TokenRefused as exc:
            raise AuthenticationFailed(str(exc), code=exc.code) from exc
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
