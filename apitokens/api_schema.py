"""How the OpenAPI schema describes token authentication (drf-spectacular extension)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apitokens.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Token <secret>` (or `Bearer <secret>`), a token from /api/v1/tokens/."
                " An expired or revoked token gets a 401 whose `error.code` is"
                " `token_expired` or `token_revoked`."
            ),
        }
