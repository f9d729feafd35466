"""The API's only request parser: JSON, size-capped.

Kept apart from ``actquiz.api`` because DRF imports the parser while it builds
``APIView``, before a module that imports ``rest_framework.views`` could finish.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from actquiz.exceptions import PayloadTooLarge

# The widest integer any column holds (PostgreSQL bigint); ids, attempt numbers and
# scores beyond it cannot be stored or compared, and nothing legitimate sends them.
MAX_JSON_INT = 2**63 - 1


class _HostileNumber(ValueError):
    """A number JSON allows (or Python reads) that no field can take."""


def _reject_constant(name: str) -> float:
    raise _HostileNumber(f"{name} is not a number JSON allows; send a finite number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # 1e999 reads as an infinity: refused like the Infinity literal.
        raise _HostileNumber(f"The number {text[:40]} is too large; send a finite number.")
    return value


def _bounded_int(text: str) -> int:
    # Digits are counted before int() runs: a huge literal costs quadratic time to
    # convert, and Python refuses past 4300 digits anyway.
    digits = len(text.lstrip("-"))
    value = int(text) if digits <= 20 else None
    if value is None or not -MAX_JSON_INT - 1 <= value <= MAX_JSON_INT:
        shown = text if len(text) <= 40 else f"{text[:20]}... ({digits} digits)"
        raise _HostileNumber(
            f"The number {shown} is out of range; integers must lie within ±2**63."
        )
    return value


class LimitedJSONParser(BaseParser):
    """JSON parser that reads at most ``ACTQUIZ_MAX_REQUEST_BYTES`` of the body.

    DRF's own parser reads the whole stream whatever its size; a hostile client could
    make the web tier hold gigabytes. Deep nesting is refused too, and so is any number
    no field can take: NaN and Infinity, floats that overflow to infinity (``1e999``),
    integers outside PostgreSQL's bigint.
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
            return json.loads(
                text,
                parse_constant=_reject_constant,
                parse_float=_finite_float,
                parse_int=_bounded_int,
            )
        except _HostileNumber as exc:
            raise exceptions.ParseError(
                f"The request body has a number no field takes: {exc}"
            ) from exc
        except RecursionError as exc:
            raise exceptions.ParseError("The JSON body is nested too deeply.") from exc
        except ValueError as exc:
            raise exceptions.ParseError(f"The request body is not valid JSON: {exc}") from exc
