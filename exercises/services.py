"""Every write ActQuiz makes: submissions, results, reviews, catalog loading, requeueing.

Views, commands and tasks stay thin and call these functions. Errors a client caused
are raised as ``actquiz.exceptions.ApiError`` subclasses (a 4xx with a message).
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from actquiz.exceptions import ApiError, ConflictError, PayloadTooLarge
from exercises import access, grading_policy, long_poll, regrade_progress, specs
from exercises.models import Course, CourseExercise, Exercise, ExerciseVariant, Submission
from exercises.signals import score_changed, submission_graded

logger = logging.getLogger(__name__)

GRADE_TASK_NAME = "graders.tasks.grade_submission"
# Seeds stay below 2**31 so they fit every integer type a consumer might use.
SEED_BOUND = 2**31
# A failed grading (our fault, not the student's) is retried by the sweep this often.
MAX_GRADING_ATTEMPTS = 3
# A student at the pending cap is told to retry after about one grading run.
PENDING_RETRY_AFTER_SECONDS = 5


def variant_for(*, user: AbstractBaseUser, exercise: Exercise) -> ExerciseVariant:
    """Return ``user``'s variant of ``exercise``, drawing its seed on first use.

    The seed picks the per-student numbers of variant questions; it never changes
    afterwards.
    """
    variant, _ = ExerciseVariant.objects.get_or_create(
        user=user, exercise=exercise, defaults={"seed": secrets.randbelow(SEED_BOUND)}
    )
    return variant


def _check_text(value: str, field: str) -> None:
    # PostgreSQL text and jsonb cannot hold NUL, and a lone surrogate cannot be
    # encoded at all: both would otherwise surface as a 500 when the row is saved.
    if "\x00" in value:
        raise ApiError(f"{field} contains a NUL character.", fields={field: ["NUL character"]})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ApiError(
            f"{field} contains characters that are not valid Unicode.",
            fields={field: ["invalid Unicode"]},
        ) from exc


def check_json_value(value: Any, field: str, depth: int = 0) -> None:
    if depth > 20:
        raise ApiError(f"{field} is nested too deeply.", fields={field: ["nested too deeply"]})
    if isinstance(value, str):
        _check_text(value, field)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ApiError(f"{field} contains a non-finite number.", fields={field: ["not finite"]})
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key), field)
            check_json_value(item, field, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json_value(item, field, depth + 1)


def validated_code(code: Any) -> str:
    if not isinstance(code, str):
        raise ApiError("code must be a string.", fields={"code": ["must be a string"]})
    # A file saved by a Windows editor may start with a byte-order mark, which
    # Python rejects as an invalid character; it carries no meaning, so drop it.
    code = code.removeprefix("\ufeff")
    if not code.strip():
        raise ApiError("code is empty.", code="empty", fields={"code": ["empty"]})
    _check_text(code, "code")
    limit = settings.ACTQUIZ_MAX_CODE_BYTES
    if len(code.encode("utf-8")) > limit:
        raise PayloadTooLarge(f"code is larger than {limit} bytes.", fields={"code": ["too large"]})
    return code


def _validated_answer(exercise: Exercise, answer: Any) -> Any:
    import json

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
        validate_answer(ExerciseSpec.from_dict(specs.spec_dict(exercise)), answer)
    except InvalidAnswer as exc:
        raise ApiError(str(exc), code="invalid_answer", fields={"answer": [str(exc)]}) from exc
    return answer


@dataclass(frozen=True)
class _SubmitterCounts:
    pending: int  # the user's submissions waiting to be graded, any exercise
    used: int  # attempts at this exercise in this course (the policy's limit)
    next_attempt: int  # the number of this exercise's next attempt, any course


def _submitter_counts(
    user: AbstractBaseUser, exercise: Exercise, course: Course | None
) -> _SubmitterCounts:
    # One read of the user's submissions answers every check of a new submission.
    this_exercise = Q(exercise=exercise)
    counts = Submission.objects.filter(user=user).aggregate(
        pending=Count(
            "pk", filter=Q(status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING])
        ),
        used=Count("pk", filter=this_exercise & Q(course=course)),
        last_attempt=Max("attempt", filter=this_exercise),
    )
    return _SubmitterCounts(
        pending=counts["pending"],
        used=counts["used"],
        next_attempt=(counts["last_attempt"] or 0) + 1,
    )


def submission_create(
    *,
    user: AbstractBaseUser,
    exercise: Exercise,
    code: Any = None,
    answer: Any = None,
    course: Course | None = None,
    offering: CourseExercise | None = None,
) -> Submission:
    """Store a submission and enqueue its grading once the row is committed.

    ``code`` is for code exercises, ``answer`` (JSON) for the other kinds; ``course``
    is the course it was made in, ``offering`` that course's ``CourseExercise`` when the
    caller has read it already. Raises ``ApiError`` (400/413) for bad input and
    ``ConflictError`` (409, nothing stored) when the course policy refuses it: before
    the exercise opens, or with every allowed attempt used (instructors of the course
    are exempt). After the due date it is stored; the policy's penalty applies to what
    it earns. Returns the new ``queued`` submission.
    """
    if exercise.kind == Exercise.Kind.CODE:
        if answer is not None:
            raise ApiError(
                "This is a code exercise: send code, not answer.",
                code="wrong_kind",
                fields={"answer": ["not accepted for code exercises"]},
            )
        code = validated_code(code)
    else:
        if code is not None:
            raise ApiError(
                f"This is a {exercise.kind} question: send answer, not code.",
                code="wrong_kind",
                fields={"code": [f"not accepted for {exercise.kind} questions"]},
            )
        answer = _validated_answer(exercise, answer)
    with transaction.atomic():
        # The user's row lock makes count-then-insert one step across every web process
        # (PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway), so
        # simultaneous submissions cannot all slip under the cap.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        counts = _submitter_counts(user, exercise, course)
        _check_pending_cap(counts.pending)
        _check_course_policy(user, exercise, course, offering, counts.used)
        try:
            submission = _insert_submission(
                user, exercise, code, answer, course, counts.next_attempt
            )
        except IntegrityError as exc:
            # Unreachable under the lock; the unique attempt number is the last guard.
            raise ConflictError("Too many simultaneous submissions; try again.") from exc
    return submission


def _check_pending_cap(pending: int) -> None:
    if pending >= settings.ACTQUIZ_MAX_PENDING_PER_USER:
        # One student must not fill the grading queue for everyone else.
        raise ApiError(
            f"You already have {pending} submissions waiting to be graded; "
            "submit again when they are done.",
            code="too_many_pending",
            status_code=429,
            retry_after=PENDING_RETRY_AFTER_SECONDS,
        )


def _check_course_policy(
    user: AbstractBaseUser,
    exercise: Exercise,
    course: Course | None,
    offering: CourseExercise | None,
    used: int,
) -> None:
    # Runs under the user's row lock, so the ``used`` attempts cannot be overtaken by a
    # simultaneous submission of the same student.
    if course is None or access.is_exempt_from_course_policy(user, course):
        return
    if offering is None:
        offering = CourseExercise.objects.filter(course=course, exercise=exercise).first()
    refused = grading_policy.refusal(
        grading_policy.Policy.of(offering), now=timezone.now(), attempts_used=used
    )
    if refused is not None:
        raise ConflictError(refused.message, code=refused.code)


def _submission_seed(exercise: Exercise, variant: ExerciseVariant) -> int:
    # Hidden random inputs of a code exercise are drawn fresh for every submission, so
    # resubmitting cannot tune code to one set of inputs; the seed is stored with the
    # submission so a verdict replays. A variant question keeps the student's numbers.
    if exercise.kind == Exercise.Kind.CODE:
        return secrets.randbelow(SEED_BOUND)
    return variant.seed


def _insert_submission(
    user: AbstractBaseUser,
    exercise: Exercise,
    code: str | None,
    answer: Any,
    course: Course | None,
    attempt: int,
) -> Submission:
    # The caller's transaction holds the user's row lock: the attempt counter and the
    # variant are read and written by one submission of this student at a time.
    variant = _variant(user, exercise)
    submission = Submission.objects.create(
        user=user,
        exercise=exercise,
        exercise_version=exercise.version,
        course=course,
        code=code or "",
        answer=answer,
        seed=_submission_seed(exercise, variant),
        max_score=exercise.points,
        attempt=attempt,
    )
    # The row just inserted is what a fetch would return: send it as it is.
    transaction.on_commit(lambda: _send_grading([submission]))
    return submission


def _variant(user: AbstractBaseUser, exercise: Exercise) -> ExerciseVariant:
    """``user``'s variant of ``exercise``, drawn first if there is none."""
    variant = ExerciseVariant.objects.filter(user=user, exercise=exercise).first()
    return variant if variant is not None else variant_for(user=user, exercise=exercise)


def grading_message(submission: Submission, *, spec: dict[str, Any] | None = None) -> list[Any]:
    """Return the Celery task arguments for ``submission``.

    ``[submission_id, grading_attempt, exercise_spec_dict, {"seed", "code", "answer"}]``:
    everything the worker needs, so it never opens the database. ``spec`` is
    ``specs.spec_dict(submission.exercise)`` when the caller already built it.
    """
    return [
        submission.id,
        submission.grading_attempt,
        spec if spec is not None else specs.spec_dict(submission.exercise),
        {
            "seed": submission.seed,
            "code": submission.code if submission.exercise.kind == Exercise.Kind.CODE else None,
            "answer": submission.answer,
        },
    ]


def enqueue_grading(submission_id: int) -> bool:
    """Send the grading task for ``submission_id`` to the broker, by task name.

    The web tier never imports the task (or torch). A dead broker is not an error
    for the student: the submission stays ``queued`` with no ``enqueued_at`` and the
    requeue sweep sends it later. Returns whether the broker accepted the task.
    """
    return enqueue_grading_many([submission_id]) == 1


def enqueue_grading_many(
    submission_ids: list[int], *, priority: int | None = None, batch_size: int = 200
) -> int:
    """Send the grading tasks of many submissions, ``batch_size`` per broker connection.

    Like ``enqueue_grading``: only ``queued`` submissions are sent, and a dead broker
    leaves the rest to the sweep. ``priority`` (Redis: 0 first, 9 last) lets a
    regrade wait behind students' new submissions. Each sent submission records the
    exercise version (and points) its message carries: the version that grades it.
    Returns how many tasks the broker accepted.
    """
    sent = 0
    for start in range(0, len(submission_ids), batch_size):
        batch = submission_ids[start : start + batch_size]
        submissions = list(
            Submission.objects.select_related("exercise").filter(
                pk__in=batch, status=Submission.Status.QUEUED
            )
        )
        accepted = _send_grading(submissions, priority=priority)
        sent += accepted
        if accepted < len(submissions):
            break
    return sent


def _send_grading(submissions: list[Submission], *, priority: int | None = None) -> int:
    """Send ``submissions`` (queued, exercise loaded) over one broker connection and
    record each one sent; returns how many the broker accepted."""
    from actquiz.celery import app, broker_connection

    accepted: list[tuple[Submission, dict[str, Any]]] = []
    spec_of: dict[int, dict[str, Any]] = {}
    try:
        # One connection per batch, kept for the next send of this process (a
        # connection that failed is dropped, so a Redis restart costs one send).
        with broker_connection() as connection:
            for submission in submissions:
                spec = spec_of.get(submission.exercise_id)
                if spec is None:
                    spec = spec_of[submission.exercise_id] = specs.spec_dict(submission.exercise)
                app.send_task(
                    GRADE_TASK_NAME,
                    args=grading_message(submission, spec=spec),
                    queue=settings.ACTQUIZ_GRADING_QUEUE,
                    connection=connection,
                    priority=priority,
                    retry=True,
                    retry_policy=settings.CELERY_TASK_PUBLISH_RETRY_POLICY,
                )
                accepted.append((submission, spec))
    except Exception:
        logger.warning(
            "could not enqueue %d submissions (first %s); the sweep will retry",
            len(submissions) - len(accepted),
            submissions[0].pk if submissions else None,
            exc_info=True,
        )
    _mark_enqueued(accepted)
    return len(accepted)


def _mark_enqueued(accepted: list[tuple[Submission, dict[str, Any]]]) -> None:
    now = timezone.now()
    by_version: dict[tuple[int, float], Q] = {}
    for submission, spec in accepted:
        # Only the attempt that was sent: a newer one must still be sent itself.
        current = Q(pk=submission.pk, grading_attempt=submission.grading_attempt)
        key = (int(spec["version"]), float(spec["points"]))
        by_version[key] = by_version[key] | current if key in by_version else current
    for (version, points), rows in by_version.items():
        Submission.objects.filter(rows).update(
            enqueued_at=now, exercise_version=version, max_score=points
        )


def _locked_current(
    submission_id: int, grading_attempt: int, check: Callable[[Submission], None] | None
) -> Submission:
    # Only the submission's row is locked (of=self): results for one exercise must not
    # queue behind each other on the exercise's row.
    submission = get_object_or_404(
        Submission.objects.select_for_update(of=("self",)).select_related("exercise"),
        pk=submission_id,
    )
    if check is not None:
        check(submission)
    if grading_attempt != submission.grading_attempt:
        raise ConflictError(
            f"Grading attempt {grading_attempt} is superseded; the current one is "
            f"{submission.grading_attempt}.",
            code="superseded",
        )
    return submission


def submission_start(
    *,
    submission_id: int,
    grading_attempt: int,
    check: Callable[[Submission], None] | None = None,
) -> Submission:
    """Mark a submission ``running`` because a worker began grading it (one delivery).

    Every call counts a delivery: a submission whose worker died mid-grading comes
    back from the broker and reports its start again before it runs. (A delivery that
    finishes quickly reports only its result, which counts it.) Past ``ACTQUIZ_MAX_DELIVERIES`` it has
    stopped the grader too often; it is failed with that reason and a
    ``ConflictError`` (409) tells the worker not to run it. Also 409 if
    ``grading_attempt`` is not the current one. A finished submission changes
    nothing. ``check(submission)`` runs on the locked row first and may raise (the
    caller's permission check). Raises ``Http404`` for an unknown id. Returns the
    submission.
    """
    with transaction.atomic():
        submission = _locked_current(submission_id, grading_attempt, check)
        if submission.status not in (Submission.Status.QUEUED, Submission.Status.RUNNING):
            return submission
        now = timezone.now()
        if submission.deliveries >= settings.ACTQUIZ_MAX_DELIVERIES:
            _fail_for_deliveries(submission, now)
        else:
            if submission.status == Submission.Status.QUEUED:
                long_poll.announce_changed("submission", submission.id)
            submission.deliveries += 1
            submission.status = Submission.Status.RUNNING
            # The running deadline counts from the latest delivery.
            submission.started_at = now
            submission.save(update_fields=["deliveries", "status", "started_at"])
            return submission
    raise ConflictError(
        f"This submission stopped the grader {submission.deliveries} times; it is not run again.",
        code="too_many_deliveries",
    )


def _fail_for_deliveries(submission: Submission, now: Any) -> None:
    long_poll.announce_changed("submission", submission.id)
    item = regrade_progress.open_regrade_item(submission)
    if item is not None:
        regrade_progress.regrade_item_finish(item, new_score=None, failed=True)
        if submission.verdict is not None:
            regrade_progress.keep_previous_result(submission, item, now)
            return
    message = (
        f"This submission stopped the grader {submission.deliveries} times, so it was not "
        "graded. Check it for code that exhausts memory or runs away, then submit again."
    )
    error = {"kind": "too_many_deliveries", "message": message}
    submission.status = Submission.Status.FAILED
    submission.score = None
    submission.error = error
    submission.verdict = {
        "exercise": submission.exercise.slug,
        "status": "failed",
        "score": 0.0,
        "max_score": submission.max_score,
        "tests": [],
        "error": error,
        "seed": submission.seed,
        "hints": [],
        "needs_review": False,
        "extra": {"deliveries": submission.deliveries},
    }
    submission.started_at = submission.started_at or now
    submission.finished_at = now
    submission.save(
        update_fields=["status", "score", "error", "verdict", "started_at", "finished_at"]
    )


def scrubbed(value: Any) -> Any:
    # Student code controls exception messages and output that end up in the
    # verdict; NUL and lone surrogates would make PostgreSQL refuse the row, and a
    # worker would retry that 500 forever.
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {scrubbed(str(key)): scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item) for item in value]
    return value


def _with_trusted_points(verdict: dict[str, Any], max_score: float) -> dict[str, Any]:
    # The points come from the exercise version the submission was queued for (set by
    # the web tier), never from the posted verdict: a worker cannot raise them.
    trusted = {**verdict, "max_score": max_score}
    if verdict.get("status") == "graded":
        trusted["score"] = min(max(float(verdict["score"]), 0.0), max_score)
    return trusted


def submission_record_result(
    *,
    submission_id: int,
    grading_attempt: int,
    verdict: dict[str, Any],
    check: Callable[[Submission], None] | None = None,
) -> tuple[Submission, bool]:
    """Store a worker's ``verdict`` (the engine's ``Verdict.to_dict()``) on a submission.

    Idempotent: the same verdict again changes nothing. Raises ``ConflictError``
    (409) for a superseded ``grading_attempt`` or a different verdict for an attempt
    that already has one. A result a running regrade waits for finishes its item; a
    ``failed`` one there keeps the result the submission had before the regrade.
    ``check`` is as for ``submission_start``. Returns ``(submission, changed)``.
    """
    verdict = scrubbed(verdict)
    with transaction.atomic():
        submission = _locked_current(submission_id, grading_attempt, check)
        verdict = _with_trusted_points(verdict, submission.max_score)
        if submission.status in (Submission.Status.GRADED, Submission.Status.FAILED):
            if submission.verdict == verdict:
                return submission, False
            raise ConflictError(
                "This grading attempt already has a different result.", code="result_conflict"
            )
        now = timezone.now()
        long_poll.announce_changed("submission", submission.id)
        graded = verdict["status"] == "graded"
        item = regrade_progress.open_regrade_item(submission)
        if item is not None:
            regrade_progress.regrade_item_finish(
                item, new_score=verdict["score"] if graded else None, failed=not graded
            )
            if not graded and submission.verdict is not None:
                regrade_progress.keep_previous_result(submission, item, now)
                return submission, True
        if submission.status == Submission.Status.QUEUED:
            # A delivery that finished before it reported its start.
            submission.deliveries += 1
        submission.status = Submission.Status.GRADED if graded else Submission.Status.FAILED
        submission.score = verdict["score"] if graded else None
        submission.tests = verdict.get("tests") or []
        submission.error = verdict.get("error")
        submission.hints = verdict.get("hints") or []
        # A regrade does not send a reviewed answer back to the review queue: the
        # instructor's score still stands.
        submission.needs_review = (
            bool(verdict.get("needs_review", False)) and submission.reviewed_score is None
        )
        submission.verdict = verdict
        submission.started_at = submission.started_at or now
        submission.finished_at = now
        submission.save(
            update_fields=[
                "status",
                "score",
                "tests",
                "error",
                "hints",
                "needs_review",
                "verdict",
                "deliveries",
                "started_at",
                "finished_at",
            ]
        )
    if graded:
        submission_graded.send(sender=Submission, submission=submission)
    score_changed.send(sender=Submission, submission=submission)
    return submission, True


def submission_requeue(*, submission_id: int, fresh_deliveries: bool = True) -> Submission:
    """Start a new grading attempt for a submission and enqueue it after commit.

    Bumping ``grading_attempt`` makes any result still on its way from an older
    attempt a 409. ``fresh_deliveries`` (a regrade someone asked for) resets the
    delivery count; the sweep passes ``False`` so a submission that keeps killing its
    worker still reaches the cap. Returns the submission, ``queued`` again.
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission_id)
        submission.grading_attempt += 1
        submission.status = Submission.Status.QUEUED
        submission.enqueued_at = None
        submission.started_at = None
        submission.finished_at = None
        if fresh_deliveries:
            submission.deliveries = 0
        submission.save(
            update_fields=[
                "grading_attempt",
                "status",
                "enqueued_at",
                "started_at",
                "finished_at",
                "deliveries",
            ]
        )
        transaction.on_commit(lambda: enqueue_grading(submission_id))
    return submission


def stale_submission_ids(*, now: Any = None) -> list[int]:
    """Return ids of submissions that will not be graded unless sent again.

    - queued but never accepted by the broker (it was down) for a while;
    - queued or running, sent long ago, with no result: the message was lost
      (Redis restarted without persistence, or every delivery died);
    - running past the task time limit plus a margin since its delivery began: its
      worker is gone (the time limit would have ended the task);
    - failed through our fault, finished a minute ago, with attempts left.
    """
    now = now or timezone.now()
    unsent = Q(
        status=Submission.Status.QUEUED,
        enqueued_at__isnull=True,
        created_at__lt=now - timedelta(seconds=settings.ACTQUIZ_REQUEUE_UNSENT_AFTER_SECONDS),
    )
    lost_after = timedelta(
        seconds=2 * settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        + settings.CELERY_TASK_TIME_LIMIT
    )
    lost = Q(
        status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING],
        enqueued_at__lt=now - lost_after,
    )
    stuck_running = Q(
        status=Submission.Status.RUNNING,
        started_at__lt=now - timedelta(seconds=settings.ACTQUIZ_REQUEUE_RUNNING_AFTER_SECONDS),
    )
    retry_failed = Q(
        status=Submission.Status.FAILED,
        grading_attempt__lt=MAX_GRADING_ATTEMPTS,
        deliveries__lt=settings.ACTQUIZ_MAX_DELIVERIES,
        finished_at__lt=now - timedelta(seconds=60),
    )
    return list(
        Submission.objects.filter(unsent | lost | stuck_running | retry_failed)
        .order_by("created_at")
        .values_list("id", flat=True)
    )


def submission_requeue_stale(*, now: Any = None) -> list[int]:
    """Requeue every submission ``stale_submission_ids`` finds; returns their ids."""
    ids = stale_submission_ids(now=now)
    for submission_id in ids:
        submission_requeue(submission_id=submission_id, fresh_deliveries=False)
    regrade_progress.regrade_jobs_settle()
    return ids


def exercise_upsert_from_catalog(data: dict[str, Any]) -> tuple[Exercise, str]:
    """Create or update the ``Exercise`` for one ``load_catalog()`` entry.

    The version is bumped only when the graded content changed; the known solutions
    (``wrong/``, ``right/``) are kept up to date without a bump, since they change no
    verdict. An exercise created or edited in the product is never overwritten by a
    file. Returns the exercise and what happened: ``"created"``, ``"updated"``,
    ``"unchanged"`` or ``"kept"`` (edited in the product).
    """
    fields = specs.fields_from_catalog(data)
    digest = specs.content_hash(fields)
    solutions = {
        "wrong_solutions": dict(data.get("wrong_solutions") or {}),
        "right_solutions": dict(data.get("right_solutions") or {}),
    }
    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().filter(slug=fields["slug"]).first()
        if exercise is None:
            exercise = Exercise.objects.create(**fields, **solutions, content_hash=digest)
            return exercise, "created"
        if exercise.edited_in_product:
            return exercise, "kept"
        if exercise.content_hash == digest:
            stale = [name for name, value in solutions.items() if getattr(exercise, name) != value]
            for name in stale:
                setattr(exercise, name, solutions[name])
            if stale:
                exercise.save(update_fields=stale)
            return exercise, "unchanged"
        for name, value in {**fields, **solutions}.items():
            # Publishing is the instructor's call once the exercise exists.
            if name != "published":
                setattr(exercise, name, value)
        exercise.content_hash = digest
        exercise.version += 1
        exercise.save()
    return exercise, "updated"


POLICY_FIELDS = (
    "opens_at",
    "due_at",
    "late_penalty_percent_per_day",
    "no_credit_after_due",
    "attempt_limit",
    "counted_attempt",
    "retry_penalty_percent",
)


def course_exercise_set_policy(
    *, offering: CourseExercise, changes: dict[str, Any]
) -> CourseExercise:
    """Change the course policy of one exercise in a course (``offering``).

    ``changes`` holds any of ``POLICY_FIELDS``; the others keep their value. The
    resulting policy is checked as a whole (``grading_policy.policy_problems``); an
    invalid one raises ``ApiError`` (400) naming each field, and nothing is saved.
    Returns the saved offering.
    """
    unknown = sorted(set(changes) - set(POLICY_FIELDS))
    if unknown:
        raise ApiError(
            f"Unknown field(s): {', '.join(unknown)}.",
            fields={name: ["unknown field"] for name in unknown},
        )
    current = {name: getattr(offering, name) for name in POLICY_FIELDS}
    merged = grading_policy.Policy(**{**current, **changes})
    problems = grading_policy.policy_problems(merged, offering.exercise.kind)
    if problems:
        name, texts = next(iter(problems.items()))
        raise ApiError(f"{name} {texts[0]}.", code="invalid_policy", fields=problems)
    for name in POLICY_FIELDS:
        setattr(offering, name, getattr(merged, name))
    offering.save(update_fields=list(POLICY_FIELDS))
    # Every student's counted score may have moved (a new due date, another counted
    # attempt): one signal per student, with their latest submission, lets the LMS
    # passback send the current state.
    latest_ids = (
        Submission.objects.filter(course=offering.course, exercise=offering.exercise)
        .order_by()
        .values("user_id")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    for submission in Submission.objects.filter(pk__in=list(latest_ids)).select_related("user"):
        score_changed.send(sender=Submission, submission=submission)
    return offering
