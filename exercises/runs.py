"""Runs: a student's try on the visible tests, and an instructor's dry run of a draft.

A run goes through the same workers and sandbox as a submission (a Celery task sent by
name; the worker never opens the database and posts the verdict back with the grader
token), but it is not a submission: no attempt is counted, no score is kept, nothing
reaches the gradebook or the LMS.

- A student's run sends the worker only the visible tests, so a hidden test is never
  run and nothing of it (inputs, messages, points) can show in the result.
- An instructor's dry run (``draft=True``) grades the exercise's draft document, or the
  current exercise when no draft is pending, on every test: the author page's "Try a
  solution".
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from actquiz.exceptions import ApiError, ConflictError, PayloadTooLarge
from exercises import long_poll, specs
from exercises.models import Course, Exercise, Run
from exercises.services import SEED_BOUND, check_json_value, scrubbed, validated_code, variant_for

logger = logging.getLogger(__name__)

RUN_TASK_NAME = "graders.tasks.run_tests"
# A run still queued after this long was lost (a worker died, the broker restarted):
# it no longer holds one of the user's places, and its poll says so.
RUN_EXPIRES_AFTER = timedelta(minutes=2)
RUN_RETRY_AFTER_SECONDS = 3


def _points(spec: dict[str, Any]) -> float:
    # A code run is worth the tests it carries (the engine sums them the same way).
    if spec["kind"] != "code":
        return float(spec["points"])
    return float(sum(float(t.get("points", 1.0)) for t in spec["spec"].get("tests", [])))


def _visible_only(spec: dict[str, Any]) -> dict[str, Any]:
    # Hidden tests never leave the web tier for a student's run: what is not run cannot
    # be revealed by its message, its points or the student's printed output.
    tests = [t for t in spec["spec"].get("tests", []) if not t.get("hidden", False)]
    visible = {**spec, "spec": {**spec["spec"], "tests": tests}}
    return {**visible, "points": _points(visible)}


def _draft_spec(exercise: Exercise) -> dict[str, Any]:
    if exercise.draft is None:
        return specs.spec_dict(exercise)
    document = exercise.draft
    if not isinstance(document, dict):
        raise ApiError("The draft is not an exercise document.", code="invalid_draft")
    try:
        fields = specs.fields_from_catalog({**document, "slug": exercise.slug})
        return specs.spec_dict(fields, version=exercise.version)
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(
            f"The draft cannot be graded yet: {exc.__class__.__name__} {exc}.",
            code="invalid_draft",
        ) from exc


def run_spec(exercise: Exercise, *, draft: bool) -> dict[str, Any]:
    """Return the exercise spec a run sends to the worker (``ExerciseSpec.to_dict()``).

    ``draft`` (an instructor's dry run): the draft document, or the current exercise,
    with every test. Otherwise the current exercise with its visible tests only.
    Raises ``ApiError`` (400) for a draft that cannot be graded.
    """
    if draft:
        spec = _draft_spec(exercise)
        return {**spec, "points": _points(spec)}
    return _visible_only(specs.spec_dict(exercise))


def _validated_answer(spec: dict[str, Any], answer: Any) -> Any:
    from graders.engine import ExerciseSpec
    from graders.engine.answers import InvalidAnswer, validate_answer

    if answer is None:
        raise ApiError("answer is missing.", fields={"answer": ["required"]})
    check_json_value(answer, "answer")
    limit = settings.ACTQUIZ_MAX_ANSWER_BYTES
    if len(json.dumps(answer).encode("utf-8")) > limit:
        raise PayloadTooLarge(
            f"answer is larger than {limit} bytes.", fields={"answer": ["too large"]}
        )
    try:
        validate_answer(ExerciseSpec.from_dict(spec), answer)
    except InvalidAnswer as exc:
        raise ApiError(str(exc), code="invalid_answer", fields={"answer": [str(exc)]}) from exc
    return answer


def _checked_work(spec: dict[str, Any], code: Any, answer: Any, *, draft: bool) -> tuple[str, Any]:
    if spec["kind"] == "code":
        if answer is not None:
            raise ApiError(
                "This is a code exercise: send code, not answer.",
                code="wrong_kind",
                fields={"answer": ["not accepted for code exercises"]},
            )
        if not spec["spec"].get("tests"):
            raise ApiError(
                "This exercise has no visible tests to run; submit to have it graded.",
                code="no_visible_tests",
            )
        return validated_code(code), None
    if not draft:
        # Trying an answer for free would tell which one is right without an attempt.
        raise ApiError(
            f"Only code exercises have tests to run; submit your answer to this "
            f"{spec['kind']} question instead.",
            code="not_runnable",
        )
    if code is not None:
        raise ApiError(
            f"This is a {spec['kind']} question: send answer, not code.",
            code="wrong_kind",
            fields={"code": [f"not accepted for {spec['kind']} questions"]},
        )
    return "", _validated_answer(spec, answer)


def _check_pending_runs(user: AbstractBaseUser) -> None:
    recent = timezone.now() - RUN_EXPIRES_AFTER
    pending = Run.objects.filter(
        user=user, status=Run.Status.QUEUED, created_at__gte=recent
    ).count()
    if pending >= settings.ACTQUIZ_MAX_PENDING_RUNS_PER_USER:
        raise ApiError(
            f"You already have {pending} runs waiting for a grader; wait for them to finish.",
            code="too_many_pending",
            status_code=429,
            retry_after=RUN_RETRY_AFTER_SECONDS,
        )


def run_create(
    *,
    user: AbstractBaseUser,
    exercise: Exercise,
    course: Course | None,
    code: Any = None,
    answer: Any = None,
    draft: bool = False,
) -> Run:
    """Store a run and send it to the workers once the row is committed.

    ``draft`` is an instructor's dry run (the caller checked ``access.can_try_draft``).
    Raises ``ApiError`` (400/413/429) for bad input or too many pending runs. Returns the
    new ``queued`` run; no submission is created and no attempt is counted.
    """
    spec = run_spec(exercise, draft=draft)
    code, answer = _checked_work(spec, code, answer, draft=draft)
    seed = (
        secrets.randbelow(SEED_BOUND)
        if spec["kind"] == "code"
        else variant_for(user=user, exercise=exercise).seed
    )
    with transaction.atomic():
        # One user's runs are counted and inserted one at a time (see submission_create).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _check_pending_runs(user)
        run = Run.objects.create(
            user=user,
            exercise=exercise,
            course=course,
            draft=draft,
            code=code,
            answer=answer,
            seed=seed,
            max_score=float(spec["points"]),
        )
        message = [run.id, spec, {"seed": seed, "code": code or None, "answer": answer}]
        transaction.on_commit(lambda: enqueue_run(message))
    return run


def enqueue_run(message: list[Any]) -> bool:
    """Send the run task (``[run_id, spec, work]``) to the grading queue, by name.

    A run is not worth a sweep: if the broker refuses it, the run is failed at once
    with a message saying to try again. Returns whether the broker accepted it.
    """
    from actquiz.celery import app, broker_connection

    try:
        with broker_connection() as connection:
            app.send_task(
                RUN_TASK_NAME,
                args=message,
                queue=settings.ACTQUIZ_GRADING_QUEUE,
                connection=connection,
                retry=True,
                retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
            )
    except Exception:
        logger.warning("could not send run %s to the graders", message[0], exc_info=True)
        error = {
            "kind": "not_sent",
            "message": "The graders could not be reached; run again in a moment.",
        }
        long_poll.announce_changed("run", message[0])
        Run.objects.filter(pk=message[0], status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED,
            verdict={"status": "failed", "tests": [], "error": error, "hints": []},
            finished_at=timezone.now(),
        )
        return False
    return True


def run_expired(run: Run, *, now: Any = None) -> bool:
    """Return whether ``run`` is still queued long after it was sent (it was lost)."""
    now = now or timezone.now()
    return run.status == Run.Status.QUEUED and run.created_at < now - RUN_EXPIRES_AFTER


def run_record_result(*, run_id: int, verdict: dict[str, Any]) -> tuple[Run, bool]:
    """Store a worker's ``verdict`` (the engine's ``Verdict.to_dict()``) on a run.

    Idempotent: the same verdict again changes nothing; a different one for a finished
    run is a ``ConflictError`` (409). The points are the run's, never the verdict's.
    Returns ``(run, changed)``.
    """
    verdict = scrubbed(verdict)
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        trusted = {**verdict, "max_score": run.max_score}
        if verdict.get("status") == "graded":
            trusted["score"] = min(max(float(verdict.get("score") or 0.0), 0.0), run.max_score)
        if run.status != Run.Status.QUEUED:
            if run.verdict == trusted:
                return run, False
            raise ConflictError("This run already has a different result.", code="result_conflict")
        run.status = Run.Status.DONE if trusted.get("status") == "graded" else Run.Status.FAILED
        run.verdict = trusted
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "verdict", "finished_at"])
        long_poll.announce_changed("run", run.id)
    return run, True
