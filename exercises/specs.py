"""Translation between catalog entries, ``Exercise`` rows and the engine's ``ExerciseSpec``.

One place decides which field goes where, so ``load_catalog``, the Celery message and
``manage.py grade`` (which may read the catalog straight from disk) agree exactly.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from exercises.jsoncodec import tag_non_finite, untag_non_finite
from exercises.models import Exercise

# Fields of ``Exercise`` that the catalog fills; ``published`` defaults to True.
CATALOG_FIELDS = (
    "slug",
    "title",
    "title_ko",
    "kind",
    "framework",
    "prompt",
    "prompt_ko",
    "entry_point",
    "signature",
    "starter_code",
    "spec",
    "reference_code",
    "points",
    "time_limit_seconds",
    "memory_limit_mb",
    "published",
    "concepts",
)


# Kept for callers of the first version: the Exercise.spec field now tags and untags
# non-finite floats itself (exercises.jsoncodec), so specs hold plain floats.
encode_nonfinite = tag_non_finite
decode_nonfinite = untag_non_finite


def _bilingual(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("en", "")), str(value.get("ko", ""))
    return ("" if value is None else str(value)), ""


def _first(data: dict[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return default


def fields_from_catalog(data: dict[str, Any]) -> dict[str, Any]:
    """Map one ``graders.engine.load_catalog()`` entry to ``Exercise`` field values.

    ``data`` is the parsed ``exercise.toml`` plus the code files; ``title`` and
    ``prompt`` may be ``{"en", "ko"}`` tables or plain strings. Returns a dict keyed
    by ``CATALOG_FIELDS``.
    """
    title, title_ko = _bilingual(data.get("title"))
    prompt, prompt_ko = _bilingual(data.get("prompt"))
    return {
        "slug": str(data["slug"]),
        "title": _first(data, "title_en", default=title) or str(data["slug"]),
        "title_ko": _first(data, "title_ko", default=title_ko),
        "kind": str(data["kind"]),
        "framework": str(data.get("framework") or ""),
        "prompt": _first(data, "prompt_en", default=prompt),
        "prompt_ko": _first(data, "prompt_ko", default=prompt_ko),
        "entry_point": str(data.get("entry_point") or ""),
        "signature": str(data.get("signature") or ""),
        "starter_code": str(_first(data, "starter_code", "starter", default="")),
        "spec": dict(data.get("spec") or {}),
        "reference_code": str(_first(data, "reference_code", "reference", default="")),
        "points": float(data.get("points", 10)),
        "time_limit_seconds": float(data.get("time_limit_seconds", 5)),
        "memory_limit_mb": int(data.get("memory_limit_mb", 256)),
        "published": bool(data.get("published", True)),
        "concepts": list(data.get("concepts") or []),
    }


def content_hash(fields: dict[str, Any]) -> str:
    """Return a SHA-256 hex digest of the catalog ``fields`` (order-independent JSON)."""
    # Tagged like the database stores them, so inf/nan hash the same on every run.
    canonical = json.dumps(tag_non_finite(fields), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def spec_dict(fields: dict[str, Any] | Exercise, *, version: int = 1) -> dict[str, Any]:
    """Return ``ExerciseSpec.to_dict()``-shaped data for an exercise.

    ``fields`` is an ``Exercise`` row or a ``fields_from_catalog`` dict (then
    ``version`` is used). The result travels in the Celery message as is, so it
    carries the reference code and the hidden spec.
    """
    if isinstance(fields, Exercise):
        version = fields.version
        fields = {name: getattr(fields, name) for name in CATALOG_FIELDS}
    return {
        "slug": fields["slug"],
        "kind": fields["kind"],
        "points": float(fields["points"]),
        "spec": decode_nonfinite(fields["spec"]),
        "framework": fields["framework"] or None,
        "entry_point": fields["entry_point"] or None,
        "reference_code": fields["reference_code"] or None,
        "time_limit_seconds": float(fields["time_limit_seconds"]),
        "memory_limit_mb": int(fields["memory_limit_mb"]),
        "version": int(version),
    }
