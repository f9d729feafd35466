"""Reads for the pages: one student's standing on the exercises of a course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from exercises import grading_policy
from exercises.grading_policy import Policy, Standing
from exercises.models import Course, CourseExercise, Exercise, Submission


class SubmissionRow(NamedTuple):
    """What the policy reads of one submission, without building a model instance.

    A gradebook reads every submission of a course; a tuple per row is several times
    cheaper than a model object.
    """

    id: int
    user_id: int
    exercise_id: int
    status: str
    score: float | None
    reviewed_score: float | None
    needs_review: bool
    created_at: datetime
    exercise_version: int

    @property
    def effective_score(self) -> float | None:
        return self.reviewed_score if self.reviewed_score is not None else self.score


def submission_rows(queryset: Any) -> list[SubmissionRow]:
    """Return ``queryset``'s submissions (oldest first) as ``SubmissionRow`` tuples."""
    return [
        SubmissionRow(*values)
        for values in queryset.order_by("created_at", "id").values_list(*SubmissionRow._fields)
    ]


@dataclass(frozen=True)
class ExerciseProgress:
    """What the course page shows for one exercise: scores, attempts, status, standing."""

    exercise: Exercise
    best_score: float | None
    attempts: int
    latest_status: str | None
    needs_review: bool
    standing: Standing

    @property
    def solved(self) -> bool:
        """Whether the best score reached the exercise's points."""
        return self.best_score is not None and self.best_score >= self.exercise.points - 1e-9


def course_policies(course: Course) -> dict[int, Policy]:
    """Return the policy of each exercise ``course`` offers, by exercise id."""
    return {
        offering.exercise_id: Policy.of(offering)
        for offering in CourseExercise.objects.filter(course=course)
    }


def student_standing(
    user: AbstractBaseUser, course: Course, exercise: Exercise, *, now: datetime | None = None
) -> Standing:
    """Return ``user``'s standing on ``exercise`` in ``course`` (policy, attempts, score)."""
    offering = CourseExercise.objects.filter(course=course, exercise=exercise).first()
    submissions = submission_rows(
        Submission.objects.filter(user=user, course=course, exercise=exercise)
    )
    return grading_policy.standing(
        Policy.of(offering),
        kind=exercise.kind,
        max_score=exercise.points,
        submissions=submissions,
        now=now or timezone.now(),
    )


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
        score (an instructor's review wins) among graded submissions, the standing
        applies the course policy (the counted score, attempts left, dates).
    """
    submissions = submission_rows(
        Submission.objects.filter(user=user, course=course, exercise__in=exercises)
    )
    per_exercise: dict[int, list[SubmissionRow]] = {}
    for submission in submissions:
        per_exercise.setdefault(submission.exercise_id, []).append(submission)
    policies = course_policies(course)
    now = timezone.now()
    rows = []
    for exercise in exercises:
        mine = per_exercise.get(exercise.id, [])
        scores = [
            s.effective_score
            for s in mine
            if s.status == Submission.Status.GRADED and s.effective_score is not None
        ]
        rows.append(
            ExerciseProgress(
                exercise=exercise,
                best_score=max(scores) if scores else None,
                attempts=len(mine),
                latest_status=mine[-1].status if mine else None,
                needs_review=bool(mine) and mine[-1].needs_review,
                standing=grading_policy.standing(
                    policies.get(exercise.id, Policy()),
                    kind=exercise.kind,
                    max_score=exercise.points,
                    submissions=mine,
                    now=now,
                ),
            )
        )
    return rows


def submission_notice(
    submission: Submission, *, offering: CourseExercise | None = None
) -> str | None:
    """Return what the course policy takes from ``submission`` for lateness, in words.

    ``offering`` is the submission's ``CourseExercise`` when the caller has it.
    """
    if submission.course_id is None:
        return None
    if offering is None:
        offering = CourseExercise.objects.filter(
            course_id=submission.course_id, exercise_id=submission.exercise_id
        ).first()
    return grading_policy.late_notice(Policy.of(offering), submission.created_at)
