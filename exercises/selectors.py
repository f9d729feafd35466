"""Reads that need more than one query: what a student may see of an exercise, gradebooks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from exercises import specs
from exercises.models import (
    Course,
    CourseExercise,
    Exercise,
    Membership,
    RegradeItem,
    RegradeJob,
    Submission,
)
from exercises.regrade_progress import same_score


def public_spec(exercise: Exercise, seed: int | None = None) -> dict[str, Any]:
    """Return what a student may see of ``exercise.spec``: never answers or hidden tests.

    Answer kinds get the engine's allow-listed view (choices without the key or
    the explanations, tolerances, length limits); code exercises get nothing,
    their tests stay on the server. ``seed`` (the student's ``ExerciseVariant.seed``,
    or a submission's seed) puts the choices in that student's shuffled order.
    """
    if exercise.kind == Exercise.Kind.CODE:
        return {}
    from graders.engine import ExerciseSpec
    from graders.engine.answers import public_spec as engine_public_spec

    return engine_public_spec(ExerciseSpec.from_dict(specs.spec_dict(exercise)), seed)


def exercise_variant(exercise: Exercise, seed: int) -> dict[str, Any] | None:
    """Return the engine's per-student variant (parameters, rendered prompt) or None.

    ``seed`` is the student's ``ExerciseVariant.seed``.
    """
    from graders import engine

    return engine.variant(engine.ExerciseSpec.from_dict(specs.spec_dict(exercise)), seed)


def course_exercises(course: Course) -> list[Exercise]:
    """Return the exercises ``course`` offers, in course order."""
    offerings = CourseExercise.objects.filter(course=course).select_related("exercise")
    return [offering.exercise for offering in offerings]


def gradebook(course: Course) -> dict[str, Any]:
    """Return the gradebook of ``course``: per student, per exercise, best score and attempts.

    The best score is the highest effective score (an instructor's review wins over
    the automatic score) among graded submissions made in this course.
    """
    exercises = course_exercises(course)
    students = (
        Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user")
        .order_by("user__username")
    )
    # One grouped query: per (student, exercise), every attempt counts, but only graded
    # ones give a best score, and a reviewed score replaces the automatic one
    # (``Submission.effective_score``). MAX skips the NULLs left by the filter.
    effective_score = Coalesce("reviewed_score", "score")
    cells = {
        (cell["user_id"], cell["exercise_id"]): cell
        for cell in Submission.objects.filter(course=course)
        .order_by()
        .values("user_id", "exercise_id")
        .annotate(
            best_score=Max(effective_score, filter=Q(status=Submission.Status.GRADED)),
            attempts=Count("id"),
        )
    }
    rows = []
    for membership in students:
        user = membership.user
        row: dict[str, Any] = {"user_id": user.id, "username": user.username, "exercises": {}}
        total = 0.0
        for exercise in exercises:
            cell = cells.get((user.id, exercise.id), {"best_score": None, "attempts": 0})
            row["exercises"][exercise.slug] = {
                "best_score": cell["best_score"],
                "max_score": exercise.points,
                "attempts": cell["attempts"],
            }
            total += cell["best_score"] or 0.0
        row["total"] = total
        rows.append(row)
    return {
        "course": course.slug,
        "exercises": [
            {"slug": exercise.slug, "title": exercise.title, "max_score": exercise.points}
            for exercise in exercises
        ],
        "max_total": sum(exercise.points for exercise in exercises),
        "students": rows,
    }


def user_submissions(
    user: AbstractBaseUser, *, exercise_slug: str | None = None, limit: int = 100
) -> list[Submission]:
    """Return ``user``'s own submissions, newest first, optionally for one exercise slug."""
    queryset = Submission.objects.filter(user=user).select_related(
        "exercise", "course", "user", "reviewed_by"
    )
    if exercise_slug:
        queryset = queryset.filter(exercise__slug=exercise_slug)
    return list(queryset[:limit])


def course_submissions(
    course: Course,
    *,
    exercise_slug: str | None = None,
    username: str | None = None,
    user_id: int | None = None,
    needs_review: bool = False,
    limit: int = 500,
) -> list[Submission]:
    """Return the submissions made in ``course``, newest first, optionally filtered.

    ``needs_review`` returns the review queue instead (``review_queue``, oldest first).
    """
    queryset = review_queue(course) if needs_review else Submission.objects.filter(course=course)
    queryset = queryset.select_related("exercise", "course", "user", "reviewed_by")
    if exercise_slug:
        queryset = queryset.filter(exercise__slug=exercise_slug)
    if username:
        queryset = queryset.filter(user__username=username)
    if user_id is not None:
        queryset = queryset.filter(user_id=user_id)
    return list(queryset[:limit])


def review_queue(course: Course) -> QuerySet[Submission]:
    """Return the answers in ``course`` waiting for an instructor, oldest first.

    Only each student's latest attempt at each exercise: an answer the student has
    since replaced (a newer attempt, graded or not) no longer needs a review.
    """
    newer = Submission.objects.filter(
        course=course,
        user=OuterRef("user"),
        exercise=OuterRef("exercise"),
        attempt__gt=OuterRef("attempt"),
    )
    return (
        Submission.objects.filter(
            course=course,
            needs_review=True,
            status=Submission.Status.GRADED,
            reviewed_score__isnull=True,
        )
        .filter(~Exists(newer))
        .order_by("created_at", "id")
    )


def review_queue_next(course: Course, current: Submission) -> Submission | None:
    """Return the queue's next answer after ``current`` (wrapping round), or None.

    ``current`` need not be in the queue (it may just have been reviewed).
    """
    queue = review_queue(course).exclude(pk=current.pk)
    after = Q(created_at__gt=current.created_at) | Q(
        created_at=current.created_at, id__gt=current.id
    )
    return queue.filter(after).first() or queue.first()


def regrade_outcomes(job: RegradeJob) -> dict[str, list[dict[str, Any]]]:
    """Return the finished items of ``job`` whose score changed, and those that failed.

    ``{"changes": [{submission, user, old_score, new_score}], "failures":
    [{submission, user, old_score}]}``, in submission order.
    """
    differing = (
        Q(failed=True)
        | Q(old_score__isnull=True)
        | Q(new_score__isnull=True)
        | ~Q(old_score=F("new_score"))
    )
    items = (
        RegradeItem.objects.filter(job=job, finished=True)
        .filter(differing)
        .select_related("submission__user")
        .order_by("submission_id")
    )
    changes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for item in items:
        entry = {
            "submission": item.submission_id,
            "user": item.submission.user.get_username(),
            "old_score": item.old_score,
        }
        if item.failed:
            failures.append(entry)
        elif not same_score(item.old_score, item.new_score):
            changes.append({**entry, "new_score": item.new_score})
    return {"changes": changes, "failures": failures}
