"""``GET ...?wait=S``: a detail request that waits for the status to change."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from exercises import long_poll, services
from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(student, sigmoid, course) -> Submission:
    return services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )


def timed_get(client: Any, url: str) -> tuple[Any, float]:
    began = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - began


@pytest.mark.parametrize("wait", ["abc", "-1", "10.5", "nan", "inf", "1e999"])
def test_a_wait_that_is_not_a_number_of_seconds_up_to_ten_is_refused(
    client_for, student, submission, wait
):
    response = client_for(student).get(f"/api/v1/submissions/{submission.id}/?wait={wait}")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["wait"]


def test_a_run_refuses_a_bad_wait_too(client_for, student, sigmoid, course):
    created = client_for(student).post(
        f"/api/v1/exercises/{sigmoid.slug}/runs/", {"code": SIGMOID_OK}, format="json"
    )
    response = client_for(student).get(f"{created.json()['url']}?wait=x")

    assert response.status_code == 400


def test_a_long_poll_on_a_pending_submission_answers_its_status_when_the_wait_ends(
    client_for, student, submission
):
    response = client_for(student).get(f"/api/v1/submissions/{submission.id}/?wait=0.2")

    assert response.status_code == 200
    assert response.json()["status"] == "queued"


def test_a_long_poll_on_a_graded_submission_answers_at_once(
    client_for, grader, student, submission, sigmoid
):
    client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": 1, "verdict": verdict_for(sigmoid, 7.5)},
        format="json",
    )

    response, took = timed_get(client_for(student), f"/api/v1/submissions/{submission.id}/?wait=10")

    assert response.json()["score"] == 7.5
    assert took < 5


def test_with_no_waiting_slot_a_long_poll_answers_at_once(
    client_for, student, submission, settings
):
    settings.ACTQUIZ_LONG_POLL_SLOTS = 0

    response, took = timed_get(client_for(student), f"/api/v1/submissions/{submission.id}/?wait=10")

    assert response.json()["status"] == "queued"
    assert took < 5


@pytest.mark.parametrize("report", ["started", "result"])
def test_a_worker_report_announces_the_change_to_waiting_requests(
    client_for, grader, submission, sigmoid, django_capture_on_commit_callbacks, report
):
    subscription = long_poll._redis().pubsub(ignore_subscribe_messages=True)
    subscription.subscribe(long_poll._channel("submission", submission.id))
    body = {"grading_attempt": 1}
    if report == "result":
        body["verdict"] = verdict_for(sigmoid, 10)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(grader).post(
            f"/api/v1/submissions/{submission.id}/{report}/", body, format="json"
        )
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    message = None
    # The first read may be the (ignored) subscribe confirmation, answered as None.
    while message is None and time.monotonic() < deadline:
        message = subscription.get_message(timeout=1)
    subscription.close()
    assert message is not None


def test_a_waiting_request_wakes_when_the_change_is_announced(
    django_capture_on_commit_callbacks,
):
    done = threading.Event()

    def grade_later() -> None:
        time.sleep(0.3)
        done.set()
        with django_capture_on_commit_callbacks(execute=True):
            long_poll.announce_changed("submission", 987654321)

    threading.Thread(target=grade_later).start()
    began = time.monotonic()
    long_poll.wait_for_change("submission", 987654321, 10, done.is_set)

    assert done.is_set()
    assert time.monotonic() - began < 5


def test_an_unknown_until_is_refused_naming_the_field(client_for, student, submission):
    response = client_for(student).get(f"/api/v1/submissions/{submission.id}/?wait=1&until=graded")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["until"]


@pytest.mark.django_db(transaction=True)
def test_until_finished_answers_the_verdict_not_the_start(
    client_for, grader, student, sigmoid, course
):
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    grader_client = client_for(grader)

    def grade_later() -> None:
        time.sleep(0.3)
        grader_client.post(
            f"/api/v1/submissions/{submission.id}/started/", {"grading_attempt": 1}, format="json"
        )
        time.sleep(0.3)
        grader_client.post(
            f"/api/v1/submissions/{submission.id}/result/",
            {"grading_attempt": 1, "verdict": verdict_for(sigmoid, 10)},
            format="json",
        )

    worker = threading.Thread(target=grade_later)
    worker.start()
    response, _ = timed_get(
        client_for(student), f"/api/v1/submissions/{submission.id}/?wait=8&until=finished"
    )
    worker.join()
    assert response.status_code == 200
    assert response.json()["status"] == "graded"
    assert response.json()["score"] == 10.0
