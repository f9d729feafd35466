"""The Celery tasks: grade a submission, a run or an exercise draft; write back over HTTP.

The message carries everything (the exercise spec with its reference code, the
student's code or answer, the seed), so a worker never opens the database: it needs
only the broker, the API URL and the grader token. A first delivery reports "started"
only if its grading takes a while (``start_reports``); a redelivered one reports before
it grades, so the web tier's delivery cap counts it first. Retry policy lives here:

- web tier unreachable -> the client retries a few times, then the task re-schedules
  itself with exponential backoff, carrying the finished verdict so the student's code
  is not run again;
- 409 (a newer grading attempt exists) or another 4xx -> stop, nothing to retry;
- the engine or sandbox broke (not the student's fault) -> post a ``failed`` verdict,
  which leaves the submission eligible for grading again.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_process_init, worker_process_shutdown
from django.conf import settings

from graders import client
from graders.start_reports import StartReporter

logger = logging.getLogger(__name__)

GRADE_TASK_NAME = "graders.tasks.grade_submission"
RUN_TASK_NAME = "graders.tasks.run_tests"
VALIDATE_TASK_NAME = "graders.tasks.validate_exercise"
# Submission statuses the started endpoint reports once a result is stored.
FINISHED_STATUSES = ("graded", "failed")
# A validation grades many solutions; it stops this long before the soft time limit so
# its report (naming what was not graded) still goes out.
VALIDATION_MARGIN_SECONDS = 20

# The background load of the text model runs this much nicer than grading (19 is lowest).
TEXT_MODEL_NICENESS = 10

_sandbox: Any = None
# Reports "started" only for a first delivery whose grading takes a while.
start_reporter = StartReporter()
_sandbox_lock = threading.Lock()


def worker_sandbox() -> Any:
    """Return this process's ``graders.sandbox.Sandbox``, starting it on first use.

    One per worker process: the warm zygote (numpy and torch imported) costs about
    1.5 s to start and is then reused by every job this process runs. Returns the
    entered sandbox.
    """
    global _sandbox
    with _sandbox_lock:
        if _sandbox is None:
            # Imported here so the web tier, which only sends tasks by name, and the
            # worker's parent process never import torch (not fork-safe with OpenMP).
            from graders.sandbox import Sandbox

            sandbox = Sandbox(allow_missing_layers=settings.ACTQUIZ_SANDBOX_ALLOW_MISSING_LAYERS)
            sandbox.__enter__()
            _sandbox = sandbox
        return _sandbox


def close_worker_sandbox(**_: Any) -> None:
    """Stop this process's sandbox (its zygote) if one was started; safe to repeat."""
    global _sandbox
    with _sandbox_lock:
        sandbox, _sandbox = _sandbox, None
    if sandbox is not None:
        try:
            sandbox.__exit__(None, None, None)
        except Exception:
            logger.warning("closing the sandbox failed", exc_info=True)


def warm_worker_sandbox(**_: Any) -> None:
    """Start this pool process's sandbox now, so the first student does not wait ~2 s.

    Runs in each pool process (never the worker's parent, which must not import
    torch), on its main thread: the zygote dies with the thread that started it
    (PR_SET_PDEATHSIG), so a helper thread would take it down when it ends.
    ``CELERY_WORKER_PROC_ALIVE_TIMEOUT`` leaves room for a slow start. A failure is
    logged and left to the first task, which tries again and reports it in a
    ``failed`` verdict.
    """
    try:
        worker_sandbox()
    except Exception:
        logger.exception("the sandbox could not start; the first task will try again")


def warm_text_model(**_: Any) -> threading.Thread:
    """Load the embedding model for text answers in the background of this pool process.

    Loading takes ~10 s and the first encoding ~0.4 s; without this the first text
    answer after a worker starts waits for both. A background thread keeps the pool
    process accepting code submissions meanwhile; a text answer that arrives during
    the load waits for it (``default_model`` is locked) rather than loading twice.
    Connected after ``warm_worker_sandbox``, so the zygote is started first, from a
    process that has not loaded the model's threads yet. Returns the thread.
    """

    def load() -> None:
        # Loading is ~10 s of CPU; at full priority it slows a restarted worker's grading
        # for as long. Niceness is per thread on Linux: only this thread (and the threads
        # it starts) yields to grading.
        me = threading.get_native_id()
        try:
            lower = min(19, os.getpriority(os.PRIO_PROCESS, me) + TEXT_MODEL_NICENESS)
            os.setpriority(os.PRIO_PROCESS, me, lower)
        except OSError:
            logger.debug("could not lower the priority of the model loading thread")
        try:
            import torch
        except ImportError:
            pass  # no torch, no model: default_model says so
        else:
            # Text encoding then runs on the grading thread itself, at its priority,
            # not on intra-op threads this low-priority thread would have started.
            torch.set_num_threads(1)
        from graders.engine.answers.similarity import warm_default_model

        try:
            model = warm_default_model()
        except Exception:
            logger.exception("warming the embedding model failed; text answers will retry")
            return
        logger.info("embedding model for text answers: %s", getattr(model, "name", model))

    thread = threading.Thread(target=load, name="warm-text-model", daemon=True)
    thread.start()
    return thread


if settings.ACTQUIZ_SANDBOX_WARM_START:
    worker_process_init.connect(warm_worker_sandbox, weak=False)
if settings.ACTQUIZ_TEXT_MODEL_WARM_START:
    worker_process_init.connect(warm_text_model, weak=False)
worker_process_shutdown.connect(close_worker_sandbox, weak=False)
atexit.register(close_worker_sandbox)


def api_config() -> client.ApiConfig:
    """Build the result-API client configuration from Django settings.

    Reads ``ACTQUIZ_API_URL``, ``ACTQUIZ_GRADER_TOKEN`` and the ``ACTQUIZ_RESULT_*``
    knobs; returns a ``client.ApiConfig``.
    """
    return client.ApiConfig(
        base_url=settings.ACTQUIZ_API_URL,
        token=settings.ACTQUIZ_GRADER_TOKEN,
        timeout_seconds=settings.ACTQUIZ_RESULT_HTTP_TIMEOUT,
        attempts=settings.ACTQUIZ_RESULT_HTTP_ATTEMPTS,
        backoff_seconds=settings.ACTQUIZ_RESULT_HTTP_BACKOFF,
    )


def failed_verdict(exercise: dict[str, Any], seed: int | None, message: str) -> dict[str, Any]:
    """Return a ``failed`` verdict dict: the submission could not be judged, not the student's fault.

    ``exercise`` is the spec dict from the message (its slug and points are used),
    ``seed`` the submission's seed, ``message`` what the student and instructor see.
    """
    return {
        "exercise": str(exercise.get("slug", "")),
        "status": "failed",
        "score": 0.0,
        "max_score": float(exercise.get("points") or 0.0),
        "tests": [],
        "error": {"kind": "internal", "message": message},
        "seed": seed,
        "hints": [],
        "needs_review": False,
        "extra": {},
    }


def grade_to_verdict(exercise: dict[str, Any], submission: dict[str, Any]) -> dict[str, Any]:
    """Grade one submission with the engine in this process's sandbox.

    ``exercise`` is ``ExerciseSpec.to_dict()``, ``submission`` ``{"seed", "code",
    "answer"}``. Returns the verdict as a dict; never raises for an engine failure
    (that becomes a ``failed`` verdict).
    """
    seed = submission.get("seed")
    try:
        from graders import engine

        spec = engine.ExerciseSpec.from_dict(exercise)
        work = engine.Submission(
            seed=int(seed or 0),
            code=submission.get("code"),
            answer=submission.get("answer"),
            keep_output=bool(submission.get("keep_output", False)),
        )
        verdict = engine.grade(spec, work, sandbox=worker_sandbox()).to_dict()
    except Exception:
        logger.exception("grading %s failed inside the grader", exercise.get("slug"))
        # A zygote that misbehaved once may keep misbehaving: start afresh next time.
        close_worker_sandbox()
        return failed_verdict(
            exercise, seed, "The grader failed on our side; this submission will be graded again."
        )
    if verdict.get("status") == "failed":
        # The engine judged the grader (sandbox or reference) broken, not the student.
        close_worker_sandbox()
    return verdict


def _deliver(
    task: Task,
    post: Any,
    *,
    what: str,
    retry_kwargs: dict[str, Any],
    max_retries: int | None = None,
) -> str:
    """Post finished work with ``post()``; on a transient failure re-schedule ``task``.

    The retry carries ``retry_kwargs`` (the finished verdict or report included), so the
    student's code is not run again. Returns ``"delivered"``, ``"superseded"`` (a newer
    grading attempt exists) or ``"refused"`` (the web tier will never take it).
    """
    try:
        post()
    except client.SupersededAttempt:
        logger.info("%s superseded", what)
        return "superseded"
    except client.PermanentDeliveryError as exc:
        logger.error("%s refused by the web tier: %s", what, exc)
        return "refused"
    except client.TransientDeliveryError as exc:
        countdown = client.backoff_delay(
            task.request.retries,
            base=settings.ACTQUIZ_RESULT_RETRY_BACKOFF,
            cap=settings.ACTQUIZ_RESULT_RETRY_BACKOFF_MAX,
        )
        logger.warning(
            "web tier unreachable for %s, retry %s in %.1fs: %s",
            what,
            task.request.retries + 1,
            countdown,
            exc,
        )
        raise task.retry(
            exc=exc,
            countdown=countdown,
            max_retries=settings.ACTQUIZ_RESULT_MAX_RETRIES if max_retries is None else max_retries,
            args=(),
            kwargs=retry_kwargs,
        ) from exc
    return "delivered"


def redelivered(request: Any) -> bool:
    """Whether the broker handed this message out before (kombu marks a restored one).

    A job handed back by a worker that died, was stopped or lost Redis may have run the
    student's code already; it reports its start before grading again, so the delivery
    cap counts it first.
    """
    return bool((request.delivery_info or {}).get("redelivered"))


def _report_start_first(
    submission_id: int, grading_attempt: int, config: client.ApiConfig
) -> str | None:
    """Report the start of grading and wait for the answer; returns why to stop, or None."""
    try:
        started = client.post_started(submission_id, grading_attempt, config=config)
    except client.SupersededAttempt:
        logger.info("submission %s attempt %s superseded", submission_id, grading_attempt)
        return "superseded"
    except client.PermanentDeliveryError as exc:
        # Also the delivery cap: the submission stopped the grader too often.
        logger.error("submission %s refused by the web tier: %s", submission_id, exc)
        return "refused"
    except client.TransientDeliveryError as exc:
        # "started" is only progress information: grade anyway, the result post
        # retries until the web tier is back.
        logger.warning("could not report start of submission %s: %s", submission_id, exc)
        return None
    if started.get("status") in FINISHED_STATUSES:
        # The worker died (or lost the broker) between posting the result and
        # acknowledging the message: grading again would run the code twice for nothing.
        logger.info(
            "submission %s attempt %s already %s; not graded again",
            submission_id,
            grading_attempt,
            started["status"],
        )
        return "already-finished"
    return None


def _start_report(
    submission_id: int, grading_attempt: int, config: client.ApiConfig
) -> Callable[[], None]:
    # One quick try: a lost report only leaves the submission shown queued a little longer.
    quick = replace(config, attempts=1)

    def report() -> None:
        client.post_started(submission_id, grading_attempt, config=quick)

    return report


@shared_task(bind=True, name=GRADE_TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def grade_submission(
    self: Task,
    submission_id: int,
    grading_attempt: int,
    exercise: dict[str, Any],
    submission: dict[str, Any],
    verdict: dict[str, Any] | None = None,
) -> str:
    """Grade ``submission_id`` and post the verdict to the web tier.

    ``grading_attempt`` is echoed to the API so a superseded attempt is refused;
    ``exercise`` and ``submission`` are as in ``grade_to_verdict``; ``verdict`` is only
    set on a retry whose grading already finished. Returns a short outcome word.
    """
    config = api_config()
    if verdict is None:
        if redelivered(self.request):
            stop = _report_start_first(submission_id, grading_attempt, config)
            if stop is not None:
                return stop
            grading = contextlib.nullcontext()
        else:
            grading = start_reporter.grading(
                _start_report(submission_id, grading_attempt, config),
                after_seconds=settings.ACTQUIZ_STARTED_REPORT_AFTER_SECONDS,
            )
        began = time.perf_counter()
        with grading:
            verdict = grade_to_verdict(exercise, submission)
        # Worker-side grading time, for the end-to-end benchmark's breakdown; it is
        # part of the verdict, so a retried delivery re-posts the identical body.
        verdict.setdefault("extra", {})["grading_ms"] = round(
            (time.perf_counter() - began) * 1000, 1
        )
        # One record per grading actually run: bench/load.py counts them per
        # submission to find any graded twice.
        logger.info(
            "graded submission %s attempt %s: %s",
            submission_id,
            grading_attempt,
            verdict.get("status"),
            extra={"event": "submission_graded", "grading_attempt": grading_attempt},
        )
    outcome = _deliver(
        self,
        lambda: client.post_result(submission_id, grading_attempt, verdict, config=config),
        what=f"submission {submission_id} attempt {grading_attempt}",
        retry_kwargs={
            "submission_id": submission_id,
            "grading_attempt": grading_attempt,
            "exercise": exercise,
            "submission": submission,
            "verdict": verdict,
        },
    )
    if outcome != "delivered":
        return outcome
    return str(verdict.get("status", "graded"))


# A run is a student's try, not an attempt: delivered at most once (early ack), so code
# that kills its worker is not run again; the page says a lost run may be run again.
@shared_task(bind=True, name=RUN_TASK_NAME, acks_late=False)
def run_tests(
    self: Task,
    run_id: int,
    exercise: dict[str, Any],
    submission: dict[str, Any],
    verdict: dict[str, Any] | None = None,
) -> str:
    """Grade run ``run_id`` on the tests in ``exercise`` and post the verdict back.

    ``exercise`` is the spec the web tier chose (a student's run carries only the
    visible tests), ``submission`` ``{"seed", "code", "answer"}``; the printed output is
    kept. ``verdict`` is set only on a retry whose grading already finished. Returns a
    short outcome word.
    """
    config = api_config()
    if verdict is None:
        began = time.perf_counter()
        verdict = grade_to_verdict(exercise, {**submission, "keep_output": True})
        verdict.setdefault("extra", {})["grading_ms"] = round(
            (time.perf_counter() - began) * 1000, 1
        )
    outcome = _deliver(
        self,
        lambda: client.post_run_result(run_id, verdict, config=config),
        what=f"run {run_id}",
        retry_kwargs={
            "run_id": run_id,
            "exercise": exercise,
            "submission": submission,
            "verdict": verdict,
        },
        # A run nobody waits for any more is not worth delivering for long.
        max_retries=min(settings.ACTQUIZ_RESULT_MAX_RETRIES, 5),
    )
    if outcome != "delivered":
        return outcome
    return str(verdict.get("status", "graded"))


def validation_report(exercise: dict[str, Any], solutions: dict[str, Any]) -> dict[str, Any]:
    """Grade an exercise draft's own solutions in this process's sandbox.

    ``exercise`` is ``ExerciseSpec.to_dict()`` of the draft, ``solutions``
    ``{"reference", "wrong", "right"}``. Returns the report of
    ``graders.engine.validation.validate_exercise``; a grader fault becomes a failed
    report saying so, never an exception.
    """
    from graders.engine.validation import Solutions, static_failure_report, validate_exercise

    budget = max(10.0, float(settings.CELERY_TASK_SOFT_TIME_LIMIT) - VALIDATION_MARGIN_SECONDS)
    try:
        return validate_exercise(
            exercise,
            Solutions.from_dict(solutions),
            sandbox=worker_sandbox(),
            budget_seconds=budget,
        )
    except Exception as exc:
        logger.exception("validating %s failed inside the grader", exercise.get("slug"))
        close_worker_sandbox()
        return {
            **static_failure_report(
                f"The grader failed on our side ({type(exc).__name__}); validate again."
            ),
            "stage": "grader",
        }


@shared_task(bind=True, name=VALIDATE_TASK_NAME, acks_late=True, reject_on_worker_lost=True)
def validate_exercise(
    self: Task,
    job_id: int,
    exercise: dict[str, Any],
    solutions: dict[str, Any],
    report: dict[str, Any] | None = None,
) -> str:
    """Validate an exercise draft and post the report to the web tier.

    ``job_id`` is the ``ValidationJob``; ``exercise`` and ``solutions`` are as in
    ``validation_report``; ``report`` is only set on a retry whose grading finished.
    Returns ``"passed"``, ``"failed"`` or why nothing was stored.
    """
    config = api_config()
    if report is None:
        report = validation_report(exercise, solutions)
    outcome = _deliver(
        self,
        lambda: client.post_validation_result(job_id, report, config=config),
        what=f"validation {job_id}",
        retry_kwargs={
            "job_id": job_id,
            "exercise": exercise,
            "solutions": solutions,
            "report": report,
        },
    )
    if outcome != "delivered":
        return outcome
    return "passed" if report.get("passed") else "failed"
