"""Reads for webhook bodies: what a graded submission and a changed score look like."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from exercises.models import Course, Exercise, Submission
from exercises.progress import student_standing
from lms.services import public_url


def counted_score(course: Course, exercise: Exercise, user: Any) -> float | None:
    """Return the score that counts for ``user`` on ``exercise`` in ``course`` now.

    The course policy decides (``exercises.grading_policy``), exactly as the gradebook
    and the LMS passback show it.
    """
    value = student_standing(user, course, exercise).counted.score
    return None if value is None else float(value)


def submission_event_data(submission: Submission) -> dict[str, Any]:
    """Return the ``data`` of a ``submission.graded`` event."""
    return {
        "submission": {
            "id": submission.id,
            "url": public_url(reverse("api:submission-detail", args=[submission.id])),
            "exercise": submission.exercise.slug,
            "user": submission.user.get_username(),
            "status": submission.status,
            "score": submission.score,
            "max_score": submission.max_score,
            "effective_score": submission.effective_score,
            "needs_review": submission.needs_review,
            "attempt": submission.attempt,
            "created_at": submission.created_at.isoformat(),
            "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
        }
    }


def score_event_data(submission: Submission) -> dict[str, Any]:
    """Return the ``data`` of a ``score.changed`` event caused by ``submission``."""
    assert submission.course is not None
    pending_review = Submission.objects.filter(
        course=submission.course,
        exercise=submission.exercise,
        user=submission.user,
        status=Submission.Status.GRADED,
        needs_review=True,
        reviewed_score__isnull=True,
    ).exists()
    return {
        "exercise": submission.exercise.slug,
        "user": submission.user.get_username(),
        "score": counted_score(submission.course, submission.exercise, submission.user),
        "max_score": float(submission.exercise.points),
        "grading_progress": "PendingManual" if pending_review else "FullyGraded",
        "submission": submission.id,
    }
