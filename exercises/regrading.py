"""Regrading as background work: every submission in a scope graded again, with progress.

A regrade job covers an exercise's submissions (all, or one course's), one student's,
or one submission. Starting it records each submission's score and grading attempt
(``RegradeItem``), bumps every ``grading_attempt`` in one UPDATE (so a result still
on its way from an older attempt is refused with 409) and, once committed, sends the
tasks in batches at a low broker priority, behind students' new submissions. Results
finish the items as they arrive (``exercises.regrade_progress``, called by
``services``); the job is done when every item is. One regrade per exercise runs at a
time: the database refuses a second (``regrade_one_running_per_exercise``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from actquiz.exceptions import ConflictError, NotFoundError
from exercises import services
from exercises.models import Course, Exercise, RegradeItem, RegradeJob, Submission

# Redis priorities run 0 (first) to 9 (last); students' submissions go at the default.
REGRADE_PRIORITY = 9
# Rows per UPDATE and INSERT: well under every backend's limit on query parameters.
WRITE_BATCH = 500


class RegradeRunning(ConflictError):
    """409: another regrade of the exercise is running; ``job`` is that one."""

    default_code = "regrade_running"

    def __init__(self, job: RegradeJob) -> None:
        super().__init__(
            f"Regrade {job.pk} of {job.exercise.slug} is still running: "
            f"{job.done} of {job.total} done. Wait for it to finish, then start again.",
            code="regrade_running",
        )
        self.job = job


@dataclass(frozen=True)
class RegradeScope:
    """What a regrade covers: a description for people, its course, the submissions."""

    description: str
    course: Course | None
    submissions: QuerySet[Submission]


def _find_user(reference: str | int) -> AbstractBaseUser | None:
    users = get_user_model().objects
    text = str(reference)
    user = users.filter(username=text).first()
    if user is None and text.isdigit():
        user = users.filter(pk=int(text)).first()
    return user


def regrade_scope(
    *,
    exercise: Exercise,
    courses: QuerySet[Course] | None,
    course: str | None = None,
    user: str | int | None = None,
    submission: int | None = None,
) -> RegradeScope:
    """Return the submissions of ``exercise`` a regrade covers.

    ``courses`` are the courses whose submissions the caller may regrade (None: every
    submission, a superuser's). ``course`` (a slug), ``user`` (a username or id) and
    ``submission`` (an id) narrow it; each must exist within what the caller may
    regrade, else ``NotFoundError`` (404) names it, without telling whether it exists
    elsewhere. The job's course is the one named, the submission's, or the caller's
    only course.
    """
    submissions = Submission.objects.filter(exercise=exercise)
    offering = Course.objects.filter(offerings__exercise=exercise)
    allowed = offering if courses is None else offering.filter(pk__in=courses.values("pk"))
    if courses is not None:
        submissions = submissions.filter(course__in=allowed)
    parts = [f"submissions to {exercise.slug}"]
    job_course = None
    if course is not None:
        job_course = allowed.filter(slug=course).first()
        if job_course is None:
            raise NotFoundError(f"You cannot regrade {exercise.slug} in course {course!r}.")
        submissions = submissions.filter(course=job_course)
        parts.append(f"in {job_course.slug}")
    if user is not None:
        student = _find_user(user)
        if student is None or not submissions.filter(user=student).exists():
            raise NotFoundError(f"No submissions of {user!r} to {exercise.slug} to regrade.")
        submissions = submissions.filter(user=student)
        parts = [f"{student.get_username()}'s {parts[0]}", *parts[1:]]
    if submission is not None:
        chosen = submissions.filter(pk=submission).select_related("course").first()
        if chosen is None:
            raise NotFoundError(f"No submission {submission} to {exercise.slug} to regrade.")
        submissions = submissions.filter(pk=chosen.pk)
        parts = [f"submission {chosen.pk}", *parts[1:]]
        job_course = job_course or chosen.course
    if job_course is None and courses is not None:
        only = list(allowed.distinct()[:2])
        job_course = only[0] if len(only) == 1 else None
    return RegradeScope(" ".join(parts), job_course, submissions)


def _create_job(
    exercise: Exercise, scope: RegradeScope, started_by: AbstractBaseUser
) -> RegradeJob:
    try:
        with transaction.atomic():
            return RegradeJob.objects.create(
                exercise=exercise,
                scope=scope.description[:200],
                course=scope.course,
                created_by=started_by,
            )
    except IntegrityError:
        running = (
            RegradeJob.objects.select_related("exercise")
            .filter(exercise=exercise, status=RegradeJob.Status.RUNNING)
            .first()
        )
        if running is None:
            raise
        raise RegradeRunning(running) from None


def _locked_rows(submissions: QuerySet[Submission]) -> list[tuple[int, int, float | None, int]]:
    locking = submissions.order_by("pk")
    # Lock only the submission rows (the scope may join courses), so a result being
    # recorded right now either lands before the regrade or is refused after it.
    if connection.features.has_select_for_update_of:
        locking = locking.select_for_update(of=("self",))
    else:
        locking = locking.select_for_update()
    return list(locking.values_list("pk", "grading_attempt", "score", "exercise_version"))


def regrade_start(
    *, exercise: Exercise, scope: RegradeScope, started_by: AbstractBaseUser
) -> RegradeJob:
    """Start a regrade of ``scope`` (from ``regrade_scope``) and return its job.

    Raises ``RegradeRunning`` (409) while another regrade of ``exercise`` runs. The
    tasks are sent after commit, in batches; a dead broker leaves them to the
    requeue sweep, and the job completes when their results arrive.
    """
    with transaction.atomic():
        job = _create_job(exercise, scope, started_by)
        rows = _locked_rows(scope.submissions)
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), WRITE_BATCH):
            Submission.objects.filter(pk__in=ids[start : start + WRITE_BATCH]).update(
                grading_attempt=F("grading_attempt") + 1,
                status=Submission.Status.QUEUED,
                enqueued_at=None,
                started_at=None,
                finished_at=None,
                # Someone asked for this grading: the delivery cap starts afresh.
                deliveries=0,
            )
        RegradeItem.objects.bulk_create(
            [
                RegradeItem(
                    job=job,
                    submission_id=pk,
                    grading_attempt=attempt + 1,
                    old_score=score,
                    old_exercise_version=version,
                )
                for pk, attempt, score, version in rows
            ],
            batch_size=WRITE_BATCH,
        )
        job.total = len(rows)
        if not rows:
            job.status = RegradeJob.Status.DONE
            job.finished_at = timezone.now()
        job.save(update_fields=["total", "status", "finished_at"])
        transaction.on_commit(lambda: services.enqueue_grading_many(ids, priority=REGRADE_PRIORITY))
    return job


def regrade_submission(
    *, submission: Submission, started_by: AbstractBaseUser
) -> tuple[RegradeJob, bool]:
    """Regrade one ``submission`` through a one-submission job.

    Asking again while a running regrade still waits for this submission returns
    that job and sends nothing, so repeated calls never pile up tasks. Raises
    ``RegradeRunning`` (409) when a regrade of the exercise that does not cover this
    submission runs. Returns ``(job, started)``.
    """
    waiting = (
        RegradeJob.objects.select_related("exercise", "course")
        .filter(
            status=RegradeJob.Status.RUNNING,
            exercise_id=submission.exercise_id,
            items__submission=submission,
            items__finished=False,
        )
        .first()
    )
    if waiting is not None:
        return waiting, False
    scope = RegradeScope(
        f"submission {submission.pk}",
        submission.course,
        Submission.objects.filter(pk=submission.pk),
    )
    return regrade_start(exercise=submission.exercise, scope=scope, started_by=started_by), True
