"""Numbers as people type them: ``0.25``, ``.25``, ``1/4``, ``0,25``, ``2.5e-1``, ``−0.5``.

A numeric answer may be a JSON number or a text. The text is read by one strict rule
(never ``eval``): an optional sign, digits with a decimal point or a decimal comma, an
optional exponent, or a fraction of two such numbers. Anything else is refused with a
message saying what was not understood, before it counts as an attempt. Full-width
digits and the Unicode minus sign (from a Korean or a math keyboard) read as ASCII.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from graders.engine.answers.errors import InvalidAnswer

MAX_TEXT = 64
_DECIMAL = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(_DECIMAL)
_FRACTION = re.compile(rf"({_DECIMAL})\s*/\s*({_DECIMAL})")
# "1,000" is one thousand to some readers and 1.000 to others: refused, not guessed.
_AMBIGUOUS_COMMA = re.compile(r"[+-]?\d{1,3},\d{3}")


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace("\u2212", "-").replace("\u2044", "/")


def _decimal(text: str, what: str, original: str) -> float:
    if _AMBIGUOUS_COMMA.fullmatch(text):
        raise InvalidAnswer(
            f"{what} {original!r} could be a thousand or a decimal: write it without the "
            "comma, or with a decimal point."
        )
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        raise InvalidAnswer(
            f"{what} {original!r} is not a number: write it like 0.25, .25, 1/4, 0,25 or 2.5e-1."
        )
    return float(text)


def read_number(value: Any, what: str) -> float:
    """Return the finite number ``value`` stands for, or raise ``InvalidAnswer``.

    value: a JSON number, or a text such as ``"1/4"`` (see the module docstring);
    what: how the message names the field, e.g. ``"The answer"``.
    Returns the number as a float.
    """
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise InvalidAnswer(f"{what} is too long to be a number.")
        text = _normalised(value)
        if not text:
            raise InvalidAnswer(f"{what} is empty.")
        fraction = _FRACTION.fullmatch(text)
        if fraction:
            numerator = _decimal(fraction.group(1), what, value)
            denominator = _decimal(fraction.group(2), what, value)
            if denominator == 0:
                raise InvalidAnswer(f"{what} {value!r} divides by zero.")
            number = numerator / denominator
        else:
            number = _decimal(text, what, value)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAnswer(f"{what} must be a number, not {type(value).__name__}.")
    else:
        try:
            number = float(value)
        except OverflowError:
            raise InvalidAnswer(f"{what} is too large to be a number.") from None
    if not math.isfinite(number):
        raise InvalidAnswer(f"{what} must be a finite number (not NaN or infinity).")
    return number


def shown(number: float) -> str:
    """``number`` as the verdict echoes it: up to 12 significant digits, no float noise."""
    return f"{number:.12g}"
