"""An instructor's review of a graded answer: a score, or points per rubric item, and a comment.

The review overrides the automatic score (``Submission.effective_score``) and tells
the student who reviewed it, when, and how (``reviewed_items``: points per test or
rubric item, by name).
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from actquiz.exceptions import ApiError, ConflictError
from exercises.models import Submission
from exercises.services import check_json_value
from exercises.signals import score_changed


def review_items_of(submission: Submission) -> dict[str, dict[str, Any]]:
    """Return the reviewable items of ``submission``: ``{name: {"points", "max_points", "message"}}``.

    They are the tests (for a text answer, the rubric ideas) of its verdict, with the
    points the grader gave and its message.
    """
    items = {}
    for test in submission.tests or []:
        if isinstance(test, dict) and isinstance(test.get("name"), str):
            items[test["name"]] = {
                "points": float(test.get("points") or 0.0),
                "max_points": float(test.get("max_points") or 0.0),
                "message": str(test.get("message") or ""),
            }
    return items


def _checked_items(submission: Submission, items: dict[str, float]) -> dict[str, float]:
    known = review_items_of(submission)
    unknown = sorted(set(items) - set(known))
    if unknown:
        raise ApiError(
            f"Unknown item(s): {', '.join(unknown)}; this answer has "
            f"{', '.join(sorted(known)) or 'no items'}.",
            fields={f"items.{name}": ["unknown item"] for name in unknown},
        )
    for name, points in items.items():
        top = known[name]["max_points"]
        if not 0 <= points <= top:
            raise ApiError(
                f"items.{name} must be between 0 and {top:g}.",
                fields={f"items.{name}": ["out of range"]},
            )
    return {name: float(points) for name, points in items.items()}


def score_from_items(submission: Submission, items: dict[str, float]) -> float:
    """Return the score ``submission`` earns with ``items`` overriding the graded points.

    Items not named keep the grader's points. The items' points are scaled onto
    ``max_score`` when they do not add up to it (a test list worth a different total).
    """
    known = review_items_of(submission)
    earned = sum(items.get(name, item["points"]) for name, item in known.items())
    possible = sum(item["max_points"] for item in known.values())
    score = earned * submission.max_score / possible if possible > 0 else earned
    return round(min(max(score, 0.0), submission.max_score), 6)


def submission_review(
    *,
    submission: Submission,
    reviewer: AbstractBaseUser,
    score: float | None = None,
    items: dict[str, float] | None = None,
    comment: str = "",
) -> Submission:
    """Record an instructor's review of a graded ``submission``; returns it updated.

    Give either ``score`` (the total, as before) or ``items`` (``{name: points}`` for
    some of the submission's tests or rubric items, each within ``0..max_points``; the
    score is computed from them). Raises ``ConflictError`` (409) if the submission is
    not graded, ``ApiError`` (400) for a score or item out of range or an unknown
    item. Sends ``score_changed`` (the LMS passes the new score back).
    """
    if submission.status != Submission.Status.GRADED:
        raise ConflictError("Only a graded submission can be reviewed.", code="not_graded")
    if (score is None) == (items is None):
        raise ApiError(
            'Send either "score" (the total) or "items" (points per item), not both.',
            fields={"score": ["score or items"], "items": ["score or items"]},
        )
    check_json_value(comment, "comment")
    if items is not None:
        overrides = _checked_items(submission, items)
        score = score_from_items(submission, overrides)
    else:
        assert score is not None
        if not (math.isfinite(score) and 0 <= score <= submission.max_score):
            raise ApiError(
                f"score must be between 0 and {submission.max_score:g}.",
                fields={"score": ["out of range"]},
            )
        overrides = {}
    submission.reviewed_score = float(score)
    submission.reviewed_items = overrides
    submission.reviewed_by = reviewer
    submission.reviewed_at = timezone.now()
    submission.review_comment = comment
    submission.needs_review = False
    submission.save(
        update_fields=[
            "reviewed_score",
            "reviewed_items",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "needs_review",
        ]
    )
    score_changed.send(sender=Submission, submission=submission)
    return submission
