"""Authoring in the product: drafts, validation on the workers, publishing versions.

The life of an exercise an instructor writes or changes:

1. ``exercise_create`` (or ``exercise_import``) stores a document as the draft of a new,
   unpublished exercise in a course; ``draft_update`` edits the draft of any exercise.
   Students keep being graded by the live fields until a publish.
2. ``validation_start`` checks the draft statically, then sends it to the workers
   (``graders.tasks.validate_exercise``), which grade its own solutions in the sandbox
   and post a report back (``validation_record_result``).
3. ``exercise_publish`` accepts only a draft whose exact content (by hash) passed; it
   stores an immutable ``ExerciseVersion``, copies the draft into the live fields and
   bumps ``Exercise.version``.

Errors a client caused are ``ApiError`` subclasses (400, 404, 409, 503).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actquiz.exceptions import ApiError, ConflictError
from exercises import documents, specs
from exercises.models import Course, CourseExercise, Exercise, ExerciseVersion, ValidationJob

logger = logging.getLogger(__name__)

VALIDATE_TASK_NAME = "graders.tasks.validate_exercise"
# Reports come from the workers; anything larger is refused rather than stored.
MAX_REPORT_PROBLEMS = 60


def working_document(exercise: Exercise) -> dict[str, Any]:
    """The document an author works on: the draft, or the live fields when none is pending."""
    if exercise.draft is not None:
        # Stored validated and normalised; not checked again, so a draft that newer
        # rules would refuse can still be read and fixed.
        return dict(exercise.draft)
    return documents.document_from_exercise(exercise)


def exercise_create(
    *, course: Course, document: Any, user: AbstractBaseUser | None = None
) -> Exercise:
    """Create an unpublished exercise from ``document`` and offer it in ``course``.

    course: where it is offered (at the end); document: an exercise document (JSON);
    user: the author. Returns the exercise (version 0: never published; its draft is
    the document). Raises ``ApiError`` 400 for an invalid document, 409 when the slug
    is taken.
    """
    document = documents.validate_document(document)
    with transaction.atomic():
        if Exercise.objects.filter(slug=document["slug"]).exists():
            raise ConflictError(
                f"An exercise with the slug {document['slug']!r} exists already; "
                "choose another slug.",
                code="slug_taken",
                fields={"slug": ["taken"]},
            )
        exercise = Exercise.objects.create(
            **documents.fields_from_document(document),
            published=False,
            version=0,
            draft=document,
            edited_in_product=True,
        )
        last = CourseExercise.objects.filter(course=course).aggregate(n=Max("position"))["n"]
        CourseExercise.objects.create(
            course=course, exercise=exercise, position=0 if last is None else last + 1
        )
    logger.info("exercise %s created in %s by %s", exercise.slug, course.slug, user)
    return exercise


def exercise_import(
    *,
    course: Course,
    document: Any,
    slug: str | None = None,
    user: AbstractBaseUser | None = None,
) -> Exercise:
    """``exercise_create`` for an exported document, optionally under a new ``slug``."""
    if slug is not None:
        if not isinstance(document, dict):
            raise ApiError("An exercise document must be a JSON object.", code="invalid_document")
        document = {**document, "slug": slug}
    return exercise_create(course=course, document=document, user=user)


def draft_update(*, exercise: Exercise, changes: Any) -> Exercise:
    """Apply the partial document ``changes`` to ``exercise``'s draft (one is made if none).

    changes: top-level document keys (``title``, ``prompt``, ``wrong`` and ``right``
    merge one level; ``null`` inside them removes an entry). The slug cannot change.
    A never-published exercise also takes the change in its live fields, so its
    instructors try what they wrote. Returns the exercise; raises ``ApiError`` 400.
    """
    if isinstance(changes, dict) and changes.get("slug", exercise.slug) != exercise.slug:
        raise ApiError(
            "The slug of an exercise cannot change; import it under a new slug instead.",
            code="slug_fixed",
            fields={"slug": ["cannot change"]},
        )
    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
        document = documents.validate_document(
            documents.merged(documents.to_json(working_document(exercise)), changes)
        )
        return draft_save(exercise=exercise, document=document)


def draft_save(*, exercise: Exercise, document: dict[str, Any]) -> Exercise:
    """Store the validated ``document`` as ``exercise``'s whole draft (the admin's edit).

    A never-published exercise also takes it in its live fields. Returns the exercise.
    """
    if document["slug"] != exercise.slug:
        raise ApiError("The slug of an exercise cannot change.", code="slug_fixed")
    exercise.draft = document
    exercise.edited_in_product = True
    update = ["draft", "edited_in_product", "updated_at"]
    if exercise.version == 0:
        for name, value in documents.fields_from_document(document).items():
            setattr(exercise, name, value)
            update.append(name)
    exercise.save(update_fields=update)
    return exercise


def draft_discard(*, exercise: Exercise) -> Exercise:
    """Drop ``exercise``'s pending draft (a never-published exercise keeps it: it has no other)."""
    if exercise.version == 0:
        raise ConflictError(
            "This exercise was never published: its draft is all there is.", code="never_published"
        )
    exercise.draft = None
    exercise.save(update_fields=["draft", "updated_at"])
    return exercise


def latest_validation(exercise: Exercise, document_hash: str | None = None) -> ValidationJob | None:
    """The newest validation of ``exercise`` (of that ``document_hash`` when given)."""
    jobs = ValidationJob.objects.filter(exercise=exercise)
    if document_hash is not None:
        jobs = jobs.filter(document_hash=document_hash)
    job = jobs.order_by("-created_at", "-id").first()
    return validation_expire_if_stale(job) if job is not None else None


def validation_message(exercise: Exercise, document: dict[str, Any]) -> list[Any]:
    """The task arguments (after the job id) for validating ``document`` of ``exercise``.

    ``[exercise_spec_dict, {"reference", "wrong", "right"}]``: everything the worker
    needs, as for a submission, so it never opens the database.
    """
    fields = documents.fields_from_document(document)
    return [
        specs.spec_dict(fields, version=exercise.version + 1),
        {
            "reference": document["reference"],
            "wrong": document["wrong"],
            "right": document["right"],
        },
    ]


def validation_start(*, exercise: Exercise, user: AbstractBaseUser | None = None) -> ValidationJob:
    """Validate the working document of ``exercise``: statically here, by grading on a worker.

    A static problem (a syntax error in the reference, an unknown check) fails the job
    at once with its message; a question (no code) passes on its static checks. A
    code exercise's job stays ``running`` until a worker posts its report. Raises
    ``ApiError`` 503 (the job then failed) when the broker cannot be reached.
    Returns the job.
    """
    from graders.engine.validation import static_failure_report

    if exercise.draft is not None:
        raw = exercise.draft
    else:
        raw = documents.to_json(documents.document_from_exercise(exercise))
    try:
        document = documents.validate_document(raw)
    except ApiError as exc:
        digest = documents.document_hash(raw if isinstance(raw, dict) else {})
        return _finished_job(exercise, user, digest, static_failure_report(str(exc.detail)))
    digest = documents.document_hash(document)
    if document["kind"] != Exercise.Kind.CODE:
        report = {
            "passed": True,
            "problems": [],
            "solutions": [],
            "duration_ms": 0.0,
            "stage": "static",
            "note": "A question has no code to run; its answer key was checked.",
        }
        return _finished_job(exercise, user, digest, report)
    job = ValidationJob.objects.create(exercise=exercise, document_hash=digest, created_by=user)
    spec, solutions = validation_message(exercise, document)
    # Sent once the job row is committed, so the worker's report always finds it. In
    # autocommit (every request) that is now, and a dead broker is answered at once.
    outcome: list[bool] = []
    job_id = job.id
    transaction.on_commit(lambda: outcome.append(_send_or_fail(job_id, spec, solutions)))
    if outcome == [False]:
        raise ApiError(
            "The grading queue is unreachable; the validation was not started. "
            "Try again in a minute.",
            code="queue_unavailable",
            status_code=503,
        )
    job.refresh_from_db()
    return job


def _send_or_fail(job_id: int, spec: dict[str, Any], solutions: dict[str, Any]) -> bool:
    if _send_validation(job_id, spec, solutions):
        return True
    from graders.engine.validation import static_failure_report

    report = {
        **static_failure_report(
            "The grading queue could not be reached, so nothing was validated; "
            "try again in a minute."
        ),
        "stage": "queue",
    }
    job = ValidationJob.objects.filter(pk=job_id).first()
    if job is not None:
        _finish(job, report)
    return False


def _send_validation(job_id: int, spec: dict[str, Any], solutions: dict[str, Any]) -> bool:
    from actquiz.celery import app, broker_connection

    try:
        with broker_connection() as connection:
            app.send_task(
                VALIDATE_TASK_NAME,
                args=[job_id, spec, solutions],
                queue=settings.ACTQUIZ_GRADING_QUEUE,
                connection=connection,
                retry=True,
                retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
            )
    except Exception:
        logger.warning("could not send validation %s to the broker", job_id, exc_info=True)
        return False
    return True


def _finished_job(
    exercise: Exercise, user: AbstractBaseUser | None, digest: str, report: dict[str, Any]
) -> ValidationJob:
    job = ValidationJob.objects.create(exercise=exercise, document_hash=digest, created_by=user)
    _finish(job, report)
    return job


def _finish(job: ValidationJob, report: dict[str, Any]) -> None:
    job.report = report
    job.status = ValidationJob.Status.PASSED if report["passed"] else ValidationJob.Status.FAILED
    job.finished_at = timezone.now()
    job.save(update_fields=["report", "status", "finished_at"])


def validation_expire_if_stale(job: ValidationJob, *, now: Any = None) -> ValidationJob:
    """Fail ``job`` if no worker reported within ``ACTQUIZ_VALIDATION_TIMEOUT_SECONDS``.

    A worker that died with the task (or a message lost with Redis) would otherwise
    leave it ``running`` forever. A late report still replaces the expiry. Returns the job.
    """
    if job.status != ValidationJob.Status.RUNNING:
        return job
    now = now or timezone.now()
    timeout = settings.ACTQUIZ_VALIDATION_TIMEOUT_SECONDS
    if job.created_at > now - timedelta(seconds=timeout):
        return job
    from graders.engine.validation import static_failure_report

    report = {
        **static_failure_report(
            f"No worker finished this validation within {timeout} s (the workers may be "
            "busy or down); validate again."
        ),
        "stage": "expired",
    }
    updated = ValidationJob.objects.filter(pk=job.pk, status=ValidationJob.Status.RUNNING).update(
        status=ValidationJob.Status.FAILED, report=report, finished_at=now
    )
    if updated:
        job.refresh_from_db()
    return job


def validation_record_result(*, job_id: int, report: Any) -> tuple[ValidationJob, bool]:
    """Store a worker's ``report`` (``graders.engine.validation``) on validation ``job_id``.

    Idempotent: the same report again changes nothing; a different one for a finished
    job is a 409 (except over an expiry, which a late report replaces). Returns
    ``(job, changed)``. Raises ``ApiError`` 400 for a malformed report.
    """
    report = _checked_report(report)
    with transaction.atomic():
        job = ValidationJob.objects.select_for_update().get(pk=job_id)
        if job.status != ValidationJob.Status.RUNNING:
            if job.report == report:
                return job, False
            if (job.report or {}).get("stage") != "expired":
                raise ConflictError(
                    "This validation already has a different result.", code="result_conflict"
                )
        _finish(job, report)
    return job, True


def _checked_report(report: Any) -> dict[str, Any]:
    if not isinstance(report, dict):
        raise ApiError("report must be an object.", fields={"report": ["required"]})
    problems = report.get("problems")
    if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
        raise ApiError("report.problems must be a list of strings.")
    if len(problems) > MAX_REPORT_PROBLEMS:
        raise ApiError("report.problems is too long.")
    if not isinstance(report.get("passed"), bool) or report["passed"] != (not problems):
        raise ApiError("report.passed must be a boolean, true exactly when there are no problems.")
    if not isinstance(report.get("solutions", []), list):
        raise ApiError("report.solutions must be a list.")
    from exercises.services import scrubbed

    return scrubbed(report)


def exercise_publish(
    *, exercise: Exercise, user: AbstractBaseUser | None = None
) -> ExerciseVersion:
    """Publish ``exercise``'s draft as its next version, if exactly that draft passed.

    Creates the immutable ``ExerciseVersion`` (number = version + 1), copies the draft
    into the live fields, clears the draft, bumps ``version`` and, on a first publish,
    sets ``published``. Raises ``ConflictError`` (409) with the reason otherwise: no
    draft, never validated, changed since the last validation, still running, failed
    (``fields["report"]`` carries the problems). Returns the new version.
    """
    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
        if exercise.draft is None:
            raise ConflictError(
                "There is no draft to publish: the live version is the latest.",
                code="nothing_to_publish",
            )
        document = documents.validate_document(exercise.draft)
        digest = documents.document_hash(document)
        _require_passed(exercise, digest)
        number = exercise.version + 1
        version = ExerciseVersion.objects.create(
            exercise=exercise,
            number=number,
            document=documents.to_json(document),
            published_by=user,
        )
        for name, value in documents.fields_from_document(document).items():
            setattr(exercise, name, value)
        exercise.version = number
        exercise.draft = None
        exercise.published = True
        exercise.edited_in_product = True
        exercise.save()
    logger.info("exercise %s published as version %s by %s", exercise.slug, number, user)
    return version


def _require_passed(exercise: Exercise, digest: str) -> None:
    job = latest_validation(exercise, digest)
    if job is None:
        last = latest_validation(exercise)
        if last is None:
            message = "This draft was never validated: validate it, then publish."
            code = "not_validated"
        else:
            message = (
                "The draft changed since its last validation: validate it again, then publish."
            )
            code = "changed_since_validation"
        raise ConflictError(message, code=code)
    if job.status == ValidationJob.Status.RUNNING:
        raise ConflictError(
            "The validation of this draft is still running; publish once it passed.",
            code="validation_running",
        )
    if job.status == ValidationJob.Status.FAILED:
        problems = [str(p) for p in (job.report or {}).get("problems", [])]
        raise ConflictError(
            "The validation of this draft failed: " + " ".join(problems[:3]),
            code="validation_failed",
            fields={"report": problems},
        )
