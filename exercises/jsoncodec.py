"""JSON for catalog specs that contain infinities and NaN.

Test inputs such as ``[-inf, 0.0, inf]`` are ordinary floats in ``exercise.toml``,
but neither PostgreSQL's ``jsonb`` nor SQLite's ``JSON_VALID`` accept ``Infinity``
or ``NaN``. They are stored as ``{"$float": "inf"}`` and turned back into floats
when the row is read, so the engine sees exactly what the catalog says.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

TAG = "$float"


def tag_non_finite(value: Any) -> Any:
    """Return ``value`` with every non-finite float replaced by its tagged object."""
    if isinstance(value, float) and not math.isfinite(value):
        return {TAG: repr(value)}  # 'inf', '-inf' or 'nan'

    if isinstance(value, dict):
        return {key: tag_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [tag_non_finite(item) for item in value]
    return value


class NonFiniteJSONEncoder(DjangoJSONEncoder):
    """Encoder for ``JSONField(encoder=...)`` that tags inf, -inf and nan."""

    def encode(self, o: Any) -> str:
        return super().encode(tag_non_finite(o))

    def iterencode(self, o: Any, _one_shot: bool = False) -> Any:
        return super().iterencode(tag_non_finite(o), _one_shot)


def untag_non_finite(value: Any) -> Any:
    """Undo ``tag_non_finite`` on an already decoded value: tags become floats again."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get(TAG), str):
            return float(value[TAG])
        return {key: untag_non_finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untag_non_finite(item) for item in value]
    return value


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and isinstance(obj.get(TAG), str):
        return float(obj[TAG])
    return obj


class NonFiniteJSONDecoder(json.JSONDecoder):
    """Decoder for ``JSONField(decoder=...)`` that restores tagged floats."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["object_hook"] = _untag
        super().__init__(*args, **kwargs)
