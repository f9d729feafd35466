"""Reads for the pages: one student's standing on the exercises of a course."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from exercises.models import Course, Exercise, Submission


@dataclass(frozen=True)
class ExerciseProgress:
    """What the course page shows for one exercise: best score, attempts, latest status."""

    exercise: Exercise
    best_score: float | None
    attempts: int
    latest_status: str | None
    needs_review: bool

    @property
    def solved(self) -> bool:
        """Whether the best score reached the exercise's points."""
        return self.best_score is not None and self.best_score >= self.exercise.points - 1e-9


def course_progress(
    user: AbstractBaseUser, course: Course, exercises: list[Exercise]
) -> list[ExerciseProgress]:
    """Return ``user``'s progress on each of ``exercises`` within ``course``, in order.

    Args:
        user: the student.
        course: counts only submissions made in this course.
        exercises: the exercises to report on (those the user may see).

    Returns:
        One ``ExerciseProgress`` per exercise; the best score is the highest effective
        score (an instructor's review wins) among graded submissions.
    """
    submissions = (
        Submission.objects.filter(user=user, course=course, exercise__in=exercises)
        .only("exercise_id", "status", "score", "reviewed_score", "needs_review", "created_at")
        .order_by("created_at", "id")
    )
    best: dict[int, float] = {}
    attempts: dict[int, int] = {}
    latest: dict[int, Submission] = {}
    for submission in submissions:
        key = submission.exercise_id
        attempts[key] = attempts.get(key, 0) + 1
        latest[key] = submission
        score = submission.effective_score
        if submission.status == Submission.Status.GRADED and score is not None:
            best[key] = max(score, best.get(key, score))
    return [
        ExerciseProgress(
            exercise=exercise,
            best_score=best.get(exercise.id),
            attempts=attempts.get(exercise.id, 0),
            latest_status=latest[exercise.id].status if exercise.id in latest else None,
            needs_review=exercise.id in latest and latest[exercise.id].needs_review,
        )
        for exercise in exercises
    ]
