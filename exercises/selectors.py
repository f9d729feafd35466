"""Reads that need more than one query: what a student may see of an exercise, gradebooks."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from exercises import grading_policy, specs
from exercises.grading_policy import Policy
from exercises.list_filters import ExerciseFilters, SubmissionFilters
from exercises.models import (
    Course,
    CourseExercise,
    Exercise,
    Membership,
    RegradeItem,
    RegradeJob,
    Submission,
)
from exercises.progress import SubmissionRow, course_policies, submission_rows
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


def in_course_order(exercises: QuerySet[Exercise], course: Course) -> QuerySet[Exercise]:
    """Return those of ``exercises`` that ``course`` offers, in course order."""
    return Exercise.objects.filter(
        pk__in=exercises.values("pk"), offerings__course=course
    ).order_by("offerings__position", "offerings__id")


def gradebook(course: Course) -> dict[str, Any]:
    """Return the gradebook of ``course``: per student and exercise, the counted score.

    Each cell keeps ``best_score`` (the highest effective score, an instructor's review
    winning over the automatic one, among graded submissions in this course) and
    ``attempts``, and adds ``counted_score`` by the course policy
    (``exercises.grading_policy``: late and retry penalties, best / last / last
    before the due date), ``provisional`` (the counted attempt waits for review),
    ``counted_attempt`` (its number) and ``late``. A row's ``total`` adds the final
    counted scores only; ``total_provisional`` adds the provisional ones.
    """
    exercises = course_exercises(course)
    policies = course_policies(course)
    students = (
        Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user")
        .order_by("user__username")
    )
    submissions: dict[tuple[int, int], list[SubmissionRow]] = {}
    for submission in submission_rows(Submission.objects.filter(course=course)):
        submissions.setdefault((submission.user_id, submission.exercise_id), []).append(submission)
    rows = []
    for membership in students:
        user = membership.user
        row: dict[str, Any] = {
            "user_id": user.id,
            "username": user.username,
            "name": user.get_full_name(),
            "exercises": {},
        }
        total = provisional_total = 0.0
        for exercise in exercises:
            cell = _gradebook_cell(
                exercise,
                policies.get(exercise.id, Policy()),
                submissions.get((user.id, exercise.id), []),
            )
            row["exercises"][exercise.slug] = cell
            if cell["provisional"]:
                provisional_total += cell["counted_score"]
            else:
                total += cell["counted_score"] or 0.0
        row["total"] = total
        row["total_provisional"] = provisional_total
        rows.append(row)
    return {
        "course": course.slug,
        "exercises": [
            {
                "slug": exercise.slug,
                "title": exercise.title,
                "max_score": exercise.points,
                "counted_attempt": policies.get(exercise.id, Policy()).counted_attempt,
            }
            for exercise in exercises
        ],
        "max_total": sum(exercise.points for exercise in exercises),
        "students": rows,
    }


def _gradebook_cell(
    exercise: Exercise, policy: Policy, mine: list[SubmissionRow]
) -> dict[str, Any]:
    scores = [
        s.effective_score
        for s in mine
        if s.status == Submission.Status.GRADED and s.effective_score is not None
    ]
    counted = grading_policy.counted_score(
        policy, grading_policy.credit_attempts(policy, exercise.kind, mine)
    )
    return {
        "best_score": max(scores) if scores else None,
        "max_score": exercise.points,
        "attempts": len(mine),
        "counted_score": counted.score,
        "provisional": counted.provisional,
        "counted_attempt": counted.attempt.number if counted.attempt else None,
        "late": bool(counted.attempt and counted.attempt.late),
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


def _awaiting_review() -> Q:
    """Submissions waiting for an instructor: graded answers needing a review, unreviewed,
    and each student's latest attempt at the exercise in that course (an answer the
    student has since replaced, graded or not, no longer needs a review)."""
    newer = Submission.objects.filter(
        course=OuterRef("course"),
        user=OuterRef("user"),
        exercise=OuterRef("exercise"),
        attempt__gt=OuterRef("attempt"),
    )
    return Q(
        needs_review=True, status=Submission.Status.GRADED, reviewed_score__isnull=True
    ) & ~Exists(newer)


def review_queue(course: Course) -> QuerySet[Submission]:
    """Return the answers in ``course`` waiting for an instructor, oldest first."""
    return (
        Submission.objects.filter(course=course)
        .filter(_awaiting_review())
        .order_by("created_at", "id")
    )


def _user_is(value: str, prefix: str = "user") -> Q:
    """Match a user by username, or by id when ``value`` is a whole number."""
    match = Q(**{f"{prefix}__username": value})
    if value.isascii() and value.isdigit() and len(value) <= 18:
        match |= Q(**{f"{prefix}_id": int(value)})
    return match


def submissions_matching(
    submissions: QuerySet[Submission], filters: SubmissionFilters
) -> QuerySet[Submission]:
    """Return ``submissions`` narrowed by ``filters``, with what their serializer reads.

    ``needs_review`` keeps (True) or drops (False) the answers waiting for an
    instructor (``_awaiting_review``). The order stays the queryset's own.
    """
    if filters.status:
        submissions = submissions.filter(status=filters.status)
    if filters.exercise:
        submissions = submissions.filter(exercise__slug=filters.exercise)
    if filters.course:
        submissions = submissions.filter(course__slug=filters.course)
    if filters.user:
        submissions = submissions.filter(_user_is(filters.user))
    if filters.since:
        submissions = submissions.filter(created_at__gte=filters.since)
    if filters.until:
        submissions = submissions.filter(created_at__lt=filters.until)
    if filters.needs_review is True:
        submissions = submissions.filter(_awaiting_review())
    elif filters.needs_review is False:
        submissions = submissions.exclude(pk__in=Submission.objects.filter(_awaiting_review()))
    return submissions.select_related("exercise", "course", "user", "reviewed_by")


def exercises_matching(
    exercises: QuerySet[Exercise], filters: ExerciseFilters
) -> QuerySet[Exercise]:
    """Return ``exercises`` narrowed by ``filters`` (kind, framework, concept, published)."""
    if filters.kind:
        exercises = exercises.filter(kind=filters.kind)
    if filters.framework is not None:
        exercises = exercises.filter(framework=filters.framework)
    if filters.concept:
        exercises = exercises.filter(concepts__contains=[filters.concept])
    if filters.published is not None:
        exercises = exercises.filter(published=filters.published)
    return exercises


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
