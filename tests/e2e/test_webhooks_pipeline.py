"""A webhook end to end: the real worker grades, a real Celery worker delivers, retried after a 500."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model

import webhooks.tasks  # noqa: F401  (registers the task with the app the worker runs)
from actquiz.celery import app as celery_app
from exercises.models import Course, Membership
from tests.e2e.conftest import Pipeline
from tests.tokens import issue_token
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookDelivery

SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"


@pytest.fixture
def webhook_worker(pipeline: Pipeline, settings: Any) -> Iterator[str]:
    queue = f"webhooks-e2e-{uuid.uuid4().hex[:10]}"
    settings.ACTQUIZ_WEBHOOK_QUEUE = queue
    settings.ACTQUIZ_WEBHOOK_ALLOW_PRIVATE = True
    settings.ACTQUIZ_WEBHOOK_RETRY_BACKOFF = 0.2
    settings.ACTQUIZ_WEBHOOK_RETRY_BACKOFF_MAX = 1
    with start_worker(
        celery_app, queues=[queue], pool="solo", concurrency=1, perform_ping_check=False,
        shutdown_timeout=30, loglevel="WARNING",
    ):  # fmt: skip
        yield queue
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)


def test_a_graded_submission_reaches_the_receiver_signed_once_accepted_after_a_500(
    pipeline: Pipeline, webhook_worker: str
) -> None:
    import requests

    teacher = get_user_model().objects.create_user("e2e-teacher")
    Membership.objects.create(
        user=teacher, course=Course.objects.get(slug="e2e"), role=Membership.Role.INSTRUCTOR
    )
    receiver = Receiver(statuses=[500])
    try:
        created = requests.post(
            f"{pipeline.base_url}/api/v1/courses/e2e/webhooks/",
            json={"url": receiver.url, "events": ["submission.graded"]},
            headers={"Authorization": f"Token {issue_token(teacher)}"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        receiver.secret = created.json()["secret"]

        submitted = pipeline.submit("sigmoid-numpy", SIGMOID)
        graded = pipeline.wait_final(submitted.json()["id"])
        deadline = time.monotonic() + 120
        while not WebhookDelivery.objects.filter(state="delivered").exists():
            assert time.monotonic() < deadline, [r.headers for r in receiver.received]
            time.sleep(0.2)
    finally:
        receiver.close()

    assert graded["status"] == "graded"
    assert len(receiver.received) == 2 and all(r.authentic for r in receiver.received)
    body = json.loads(receiver.received[-1].body)
    assert body["data"]["submission"]["score"] == graded["score"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2
    assert [a.http_status for a in delivery.attempt_log.all()] == [200, 500]
