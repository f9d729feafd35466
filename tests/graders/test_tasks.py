"""The grading task run in-process (eagerly) against a real loopback result API.

These cover the task's retry policy; the real worker process, broker and sandbox are
exercised end to end in tests/e2e/.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator

import pytest

from exercises import specs
from graders import client, tasks
from graders.tasks import close_worker_sandbox, grade_submission
from tests.graders.scripted_api import ScriptedApi

# Not a valid ExerciseSpec (no kind, no spec): the engine cannot even build it, which
# is the grader's fault, never the student's.
BROKEN_EXERCISE = {"slug": "sigmoid-numpy", "points": 10}
SUBMISSION = {"seed": 42, "code": "def sigmoid(x):\n    return x\n", "answer": None}


@pytest.fixture
def api(settings: object) -> Iterator[ScriptedApi]:
    server = ScriptedApi([])
    settings.ACTQUIZ_API_URL = server.url
    settings.ACTQUIZ_GRADER_TOKEN = "grader-token"
    settings.ACTQUIZ_RESULT_HTTP_ATTEMPTS = 2
    settings.ACTQUIZ_RESULT_HTTP_BACKOFF = 0.01
    settings.ACTQUIZ_RESULT_RETRY_BACKOFF = 0.01
    settings.ACTQUIZ_RESULT_MAX_RETRIES = 3
    yield server
    server.close()


def run_task(exercise: dict, attempt: int = 1) -> str:
    return grade_submission.apply(args=(5, attempt, exercise, SUBMISSION)).get()


@pytest.fixture
def redelivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """The message comes back from the broker (an eager task cannot be marked so)."""
    monkeypatch.setattr(tasks, "redelivered", lambda request: True)


def paths(api: ScriptedApi) -> list[str]:
    return [request["path"] for request in api.requests]


def test_it_reports_a_grader_fault_as_a_failed_verdict_not_a_student_zero(api: ScriptedApi) -> None:
    outcome = run_task(BROKEN_EXERCISE, attempt=3)

    assert outcome == "failed"
    # Quicker than the start report's delay: the result alone is posted.
    assert paths(api) == ["/api/v1/submissions/5/result/"]
    posted = api.requests[0]["json"]
    assert posted["grading_attempt"] == 3
    assert posted["verdict"]["status"] == "failed"
    assert posted["verdict"]["max_score"] == 10.0
    assert posted["verdict"]["error"]["kind"] == "internal"
    assert api.requests[0]["authorization"] == "Token grader-token"


def test_a_grading_that_outlasts_the_delay_reports_its_start_while_it_runs(
    api: ScriptedApi, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ACTQUIZ_STARTED_REPORT_AFTER_SECONDS = 0.05
    seen_while_grading: list[list[str]] = []

    def slow_grading(exercise: dict, submission: dict) -> dict:
        time.sleep(0.5)
        seen_while_grading.append(paths(api))
        return tasks.failed_verdict(exercise, submission["seed"], "slow")

    monkeypatch.setattr(tasks, "grade_to_verdict", slow_grading)

    run_task(BROKEN_EXERCISE)

    assert seen_while_grading == [["/api/v1/submissions/5/started/"]]
    assert paths(api) == ["/api/v1/submissions/5/started/", "/api/v1/submissions/5/result/"]


def test_it_does_not_grade_an_attempt_the_web_tier_says_is_superseded(
    api: ScriptedApi, redelivery: None
) -> None:
    api.replies = [(409, {"error": {"code": "conflict", "message": "attempt 2 is current"}})]

    outcome = run_task(BROKEN_EXERCISE)

    assert outcome == "superseded"
    assert paths(api) == ["/api/v1/submissions/5/started/"]


def test_a_redelivered_job_whose_result_is_stored_is_not_graded_again(
    api: ScriptedApi, redelivery: None
) -> None:
    # The worker died (or lost the broker) after posting the result, before the ack:
    # the broker hands the message out again and the web tier says it is graded.
    api.replies = [(200, {"id": 5, "status": "graded"})]

    outcome = run_task(BROKEN_EXERCISE)

    assert outcome == "already-finished"
    assert paths(api) == ["/api/v1/submissions/5/started/"]


def test_it_stops_when_the_web_tier_refuses_the_grader_token(
    api: ScriptedApi, redelivery: None
) -> None:
    api.replies = [(403, {"error": {"code": "permission_denied", "message": "not a grader"}})]

    outcome = run_task(BROKEN_EXERCISE)

    assert outcome == "refused"
    assert paths(api) == ["/api/v1/submissions/5/started/"]


def test_it_keeps_the_verdict_and_retries_delivery_while_the_web_tier_is_down(
    api: ScriptedApi,
) -> None:
    # The result fails twice per task run (two HTTP attempts each), so the task
    # re-schedules itself once and the third result POST lands.
    api.replies = [(503, {}), (502, {}), (200, {"status": "failed"})]

    outcome = run_task(BROKEN_EXERCISE)

    assert outcome == "failed"
    assert paths(api) == ["/api/v1/submissions/5/result/"] * 3
    # The retry carried the finished verdict: grading did not start a second time.
    results = [r["json"] for r in api.requests]
    assert results[0] == results[2]


def test_it_grades_even_when_the_start_notice_cannot_be_delivered(
    api: ScriptedApi, redelivery: None
) -> None:
    api.replies = [(503, {}), (503, {}), (200, {"status": "failed"})]

    outcome = run_task(BROKEN_EXERCISE)

    assert outcome == "failed"
    assert paths(api)[-1] == "/api/v1/submissions/5/result/"


def test_it_gives_up_after_the_configured_number_of_retries(api: ScriptedApi) -> None:
    api.replies = [(503, {})] * 20

    with pytest.raises(client.TransientDeliveryError, match="failed 2 times"):
        run_task(BROKEN_EXERCISE)

    # 1 run + 3 retries, two HTTP attempts each.
    assert paths(api).count("/api/v1/submissions/5/result/") == 8


@pytest.fixture
def sigmoid_exercise(settings: object) -> dict:
    from graders.engine import load_catalog

    [entry] = [
        e for e in load_catalog(settings.ACTQUIZ_CATALOG_DIR) if e["slug"] == "sigmoid-numpy"
    ]
    return specs.spec_dict(specs.fields_from_catalog(entry))


@pytest.mark.slow
def test_it_grades_in_the_sandbox_and_posts_the_engines_verdict(
    api: ScriptedApi, sigmoid_exercise: dict
) -> None:
    reference = sigmoid_exercise["reference_code"]
    submission = {"seed": 7, "code": reference, "answer": None}
    try:
        outcome = grade_submission.apply(args=(11, 1, sigmoid_exercise, submission)).get()
    finally:
        close_worker_sandbox()

    assert outcome == "graded"
    verdict = api.requests[-1]["json"]["verdict"]
    assert verdict["exercise"] == "sigmoid-numpy"
    assert verdict["score"] == verdict["max_score"] == sigmoid_exercise["points"]
    assert verdict["tests"] and all(test["passed"] for test in verdict["tests"])
    assert verdict["seed"] == 7
    assert verdict["extra"]["grading_ms"] > 0


@pytest.mark.slow
def test_a_hostile_submission_is_a_zero_verdict_not_a_worker_crash(
    api: ScriptedApi, sigmoid_exercise: dict
) -> None:
    hostile = "import os\nos.system('touch /tmp/pwned')\ndef sigmoid(x):\n    return x\n"
    submission = {"seed": 7, "code": hostile, "answer": None}
    try:
        outcome = grade_submission.apply(args=(12, 1, sigmoid_exercise, submission)).get()
    finally:
        close_worker_sandbox()

    assert outcome == "graded"
    verdict = api.requests[-1]["json"]["verdict"]
    assert verdict["score"] == 0
    assert verdict["error"]["message"]


def test_a_worker_process_loads_the_text_model_when_it_starts_not_on_the_first_answer() -> None:
    from celery.signals import worker_process_init

    from graders.engine.answers import similarity
    from graders.tasks import warm_text_model, warm_worker_sandbox

    receivers = [
        ref() if isinstance(ref, weakref.ReferenceType) else ref
        for _, ref in worker_process_init.receivers
    ]
    assert warm_text_model in receivers
    # The zygote starts before the model loads its threads into the process.
    assert receivers.index(warm_worker_sandbox) < receivers.index(warm_text_model)
    warm_text_model().join(timeout=120)
    assert similarity._default is not None
    assert similarity.default_model() is similarity._default


def test_the_text_model_loads_at_a_lower_priority_than_grading(monkeypatch) -> None:
    import os
    import threading

    from graders.engine.answers import similarity
    from graders.tasks import TEXT_MODEL_NICENESS, warm_text_model

    seen = {}

    def note_priority() -> str:
        seen["loader"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return "model"

    monkeypatch.setattr(similarity, "warm_default_model", note_priority)
    warm_text_model().join(timeout=120)
    grading = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen["loader"] == min(19, grading + TEXT_MODEL_NICENESS) > grading
