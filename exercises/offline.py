"""Grading a file outside the web flow, for ``manage.py grade``.

The exercise comes from the database when it has the slug, otherwise straight from
``exercises/catalog/`` (so the command works on a fresh clone before ``migrate``);
either way it goes through ``exercises.specs`` exactly as the Celery message does.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from exercises import specs
from exercises.models import Exercise

logger = logging.getLogger(__name__)


class UsageError(Exception):
    """The command was called wrongly (unknown slug, unreadable file)."""


def exercise_spec(slug: str, *, catalog_dir: Path | None = None) -> tuple[dict[str, Any], str]:
    """Return ``(ExerciseSpec dict, source)`` for ``slug``; source is "database" or "catalog".

    ``catalog_dir`` defaults to ``settings.ACTQUIZ_CATALOG_DIR``. Raises ``UsageError``
    when neither knows the slug.
    """
    try:
        exercise = Exercise.objects.filter(slug=slug).first()
    except DatabaseError as exc:
        # No tables yet (before migrate) or no database server: the catalog on disk
        # is the same content the database would have been loaded from.
        logger.info("database unavailable (%s); reading the catalog", exc.__class__.__name__)
        exercise = None
    if exercise is not None:
        return specs.spec_dict(exercise), "database"
    from graders.engine import CatalogError, load_catalog

    try:
        entries = load_catalog(catalog_dir or settings.ACTQUIZ_CATALOG_DIR)
    except CatalogError as exc:
        raise UsageError(f"the catalog is broken: {exc}") from exc
    for entry in entries:
        if entry.get("slug") == slug:
            return specs.spec_dict(specs.fields_from_catalog(entry)), "catalog"
    known = ", ".join(sorted(str(e.get("slug")) for e in entries))
    raise UsageError(f"unknown exercise {slug!r}; known: {known}")


def read_bytes(path: str, *, limit: int) -> bytes:
    """Read at most ``limit + 1`` bytes of ``path`` ("-" is stdin); raises ``UsageError``."""
    import sys

    try:
        if path == "-":
            return sys.stdin.buffer.read(limit + 1)
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def decode_answer(raw: str) -> Any:
    """Return the answer in ``raw``: its JSON value, or the stripped text if it is not JSON.

    Plain text lets a short-text answer or a single choice id be written as is.
    """
    try:
        return json.loads(raw)
    except ValueError:
        return raw.strip()


def rejected_verdict(spec: dict[str, Any], seed: int, kind: str, message: str) -> dict[str, Any]:
    """Return a zero-score ``graded`` verdict for input the engine never saw.

    ``spec`` is the exercise dict, ``kind``/``message`` fill ``error``.
    """
    return {
        "exercise": spec["slug"],
        "status": "graded",
        "score": 0.0,
        "max_score": float(spec["points"]),
        "tests": [],
        "error": {"kind": kind, "message": message},
        "seed": seed,
        "hints": [],
        "needs_review": False,
        "extra": {},
    }


def failed_verdict(spec: dict[str, Any], seed: int, message: str) -> dict[str, Any]:
    """Return a ``failed`` verdict: the grader itself broke, not the submission."""
    verdict = rejected_verdict(spec, seed, "internal", message)
    verdict["status"] = "failed"
    return verdict


def text_report(verdict: dict[str, Any]) -> str:
    """Render ``verdict`` as a short human-readable report (one line per test)."""
    score = f"score {verdict['score']:g} / {verdict['max_score']:g}"
    lines = [f"{verdict['exercise']}: {verdict['status']}, {score}"]
    for test in verdict.get("tests", []):
        mark = "PASS" if test.get("passed") else "FAIL"
        hidden = " (hidden)" if test.get("hidden") else ""
        lines.append(f"  {mark}  {test['name']}{hidden}  {test['points']:g}/{test['max_points']:g}")
        message = str(test.get("message") or "").strip()
        if message and not test.get("passed"):
            lines.extend(f"        {line}" for line in message.splitlines())
    if verdict.get("error"):
        error = verdict["error"]
        lines.append(f"error ({error.get('kind')}): {error.get('message')}")
    for hint in verdict.get("hints") or []:
        lines.append(f"hint: {hint}")
    return "\n".join(lines)
