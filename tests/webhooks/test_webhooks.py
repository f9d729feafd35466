"""Webhooks as a course's instructors and their receivers see them: signed, retried, logged."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from rest_framework.test import APIClient

from exercises.models import Exercise, Submission
from tests.exercises.conftest import verdict_for
from tests.webhooks.receiver import Receiver
from webhooks import services
from webhooks.models import WebhookDelivery
from webhooks.signing import REPLAY_WINDOW_SECONDS, verify

pytestmark = pytest.mark.django_db

Client = Callable[[AbstractBaseUser | None], APIClient]


def register(client: APIClient, url: str, **extra: Any) -> Any:
    return client.post("/api/v1/courses/act101/webhooks/", {"url": url, **extra}, format="json")


def graded_submission(
    client_for: Client, student: AbstractBaseUser, grader: AbstractBaseUser, exercise: Exercise
) -> Submission:
    created = client_for(student).post(
        f"/api/v1/exercises/{exercise.slug}/submissions/",
        {"code": "def sigmoid(x):\n    return x\n"},
        format="json",
    )
    submission = Submission.objects.get(pk=created.json()["id"])
    result = client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": submission.grading_attempt, "verdict": verdict_for(exercise, 4.0)},
        format="json",
    )
    assert result.status_code == 200, result.content
    return submission


def test_only_the_courses_instructors_register_webhooks_and_the_secret_shows_once(
    client_for: Client,
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    private_queue: str,
    receiver: Receiver,
) -> None:
    created = register(client_for(instructor), receiver.url, events=["submission.graded"])
    refused = register(client_for(student), receiver.url)
    listed = client_for(instructor).get("/api/v1/courses/act101/webhooks/")

    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["events"] == ["submission.graded"]
    assert refused.status_code == 403
    assert [w["url"] for w in listed.json()] == [receiver.url]
    assert "secret" not in listed.json()[0]


def test_unsafe_urls_are_refused_with_a_400(
    client_for: Client, instructor: AbstractBaseUser, settings: Any
) -> None:
    settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE = False
    client = client_for(instructor)

    for url in (
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://localhost:8000/",
        "https://user:pw@example.org/",
    ):
        response = register(client, url)
        assert response.status_code == 400, url
    bad_event = register(client, "https://example.org/hook", events=["grade.stolen"])
    assert bad_event.status_code == 400


def test_a_graded_submission_is_delivered_signed_and_retried_after_a_500(
    client_for: Client,
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    private_queue: str,
    receiver: Receiver,
) -> None:
    created = register(client_for(instructor), receiver.url).json()
    receiver.secret = created["secret"]
    receiver.statuses = [500]
    submission = graded_submission(client_for, student, grader, sigmoid)
    graded = WebhookDelivery.objects.get(event="submission.graded")
    assert WebhookDelivery.objects.filter(event="score.changed").count() == 1

    first = services.delivery_attempt(delivery_id=graded.id)
    second = services.delivery_attempt(delivery_id=graded.id)

    assert (first.state, first.retry) == ("pending", True)
    assert (second.state, second.retry) == ("delivered", False)
    got = [r for r in receiver.received if r.headers["X-ActQuiz-Event"] == "submission.graded"]
    assert len(got) == 2 and all(r.authentic for r in got)
    assert got[0].headers["X-ActQuiz-Delivery"] == got[1].headers["X-ActQuiz-Delivery"]
    body = json.loads(got[1].body)
    assert body["type"] == "submission.graded" and body["course"] == "act101"
    assert body["data"]["submission"]["id"] == submission.id
    assert body["data"]["submission"]["score"] == 4.0
    deliveries = client_for(instructor).get(
        f"/api/v1/courses/act101/webhooks/{created['id']}/deliveries/?state=delivered"
    )
    log = deliveries.json()[0]["attempt_log"]
    assert [a["http_status"] for a in log] == [200, 500]
    assert log[1]["body_excerpt"] == "receiver is down"


def test_a_captured_delivery_replayed_after_the_window_is_refused_by_the_receiver(
    client_for: Client,
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    private_queue: str,
    receiver: Receiver,
) -> None:
    receiver.secret = register(client_for(instructor), receiver.url).json()["secret"]
    graded_submission(client_for, student, grader, sigmoid)
    services.delivery_attempt(delivery_id=WebhookDelivery.objects.get(event="score.changed").id)
    captured = receiver.received[0]
    sent_at = int(captured.headers["X-ActQuiz-Timestamp"])
    headers = {
        "timestamp": captured.headers["X-ActQuiz-Timestamp"],
        "signature_header": captured.headers["X-ActQuiz-Signature"],
    }

    assert captured.authentic and abs(sent_at - time.time()) < REPLAY_WINDOW_SECONDS
    assert verify(receiver.secret, **headers, body=captured.body, now=sent_at + 60)
    assert not verify(
        receiver.secret, **headers, body=captured.body, now=sent_at + REPLAY_WINDOW_SECONDS + 1
    )
    assert not verify(receiver.secret, **headers, body=captured.body + b" ", now=sent_at)
    assert not verify("whsec_wrong", **headers, body=captured.body, now=sent_at)
    data = json.loads(captured.body)["data"]
    assert (data["score"], data["max_score"], data["grading_progress"]) == (
        4.0,
        float(sigmoid.points),
        "FullyGraded",
    )


def test_a_receiver_that_refuses_fails_the_delivery_and_send_again_retries_it(
    client_for: Client,
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    private_queue: str,
    receiver: Receiver,
) -> None:
    created = register(client_for(instructor), receiver.url, events=["score.changed"]).json()
    receiver.secret = created["secret"]
    receiver.statuses = [410]
    graded_submission(client_for, student, grader, sigmoid)
    delivery = WebhookDelivery.objects.get()

    outcome = services.delivery_attempt(delivery_id=delivery.id)
    resent = client_for(instructor).post(
        f"/api/v1/courses/act101/webhooks/{created['id']}/deliveries/{delivery.id}/resend/"
    )
    again = services.delivery_attempt(delivery_id=delivery.id)

    assert (outcome.state, outcome.retry) == ("failed", False)
    assert resent.status_code == 202 and resent.json()["state"] == "pending"
    assert again.state == "delivered"
    assert [r.headers["X-ActQuiz-Delivery"] for r in receiver.received] == [
        str(delivery.event_id)
    ] * 2


def test_a_private_address_is_refused_at_delivery_once_private_addresses_are_off(
    client_for: Client,
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    private_queue: str,
    receiver: Receiver,
    settings: Any,
) -> None:
    register(client_for(instructor), receiver.url, events=["score.changed"])
    graded_submission(client_for, student, grader, sigmoid)
    settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE = False

    outcome = services.delivery_attempt(delivery_id=WebhookDelivery.objects.get().id)

    assert (outcome.state, outcome.retry) == ("failed", False)
    assert "non-public" in outcome.reason and receiver.received == []


def test_a_broken_webhook_never_stops_grading(
    client_for: Client,
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    grader: AbstractBaseUser,
    sigmoid: Exercise,
    settings: Any,
) -> None:
    settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE = True
    # A dead broker: the delivery cannot be queued, the grade still lands.
    settings.ACTQUIZ_WEBHOOK_QUEUE = "webhooks-unused"
    register(client_for(instructor), "http://127.0.0.1:9/nobody-listens")
    from actquiz.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    try:
        submission = graded_submission(client_for, student, grader, sigmoid)
    finally:
        app.conf.broker_url = saved
        app.pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    submission.refresh_from_db()
    assert submission.status == "graded" and submission.score == 4.0
    assert WebhookDelivery.objects.filter(state="pending").count() == 2
