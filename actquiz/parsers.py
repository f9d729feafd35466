"""The API's only request parser: JSON, size-capped.

Kept apart from ``actquiz.api`` because DRF imports the parser while it builds
``APIView``, before a module that imports ``rest_framework.views`` could finish.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from actquiz.exceptions import PayloadTooLarge


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


class LimitedJSONParser(BaseParser):
    """JSON parser that reads at most ``ACTQUIZ_MAX_REQUEST_BYTES`` of the body.

    DRF's own parser reads the whole stream whatever its size; a hostile client could
    make the web tier hold gigabytes. Deep nesting and NaN/Infinity are refused too.
    """

    media_type = "application/json"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: dict[str, Any] | None = None,
    ) -> Any:
        """Parse ``stream`` as UTF-8 JSON; returns the decoded value.

        Raises ``PayloadTooLarge`` (413) past the cap, ``ParseError`` (400) otherwise.
        """
        limit = settings.ACTQUIZ_MAX_REQUEST_BYTES
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError("The request body is not valid UTF-8.") from exc
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except RecursionError as exc:
            raise exceptions.ParseError("The JSON body is nested too deeply.") from exc
        except ValueError as exc:
            raise exceptions.ParseError(f"The request body is not valid JSON: {exc}") from exc
