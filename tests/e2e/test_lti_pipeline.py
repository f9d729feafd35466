"""An LMS launch to a grade in the LMS, through every real part.

A Moodle-like platform on loopback (real keys and JWTs), the OIDC login and launch,
the student's submission graded by the real grading worker, and the passback task run
by a real Celery worker on its own ``lms`` queue.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import redis
import requests
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command

import lms.tasks  # noqa: F401  (registers the task with the app the worker runs)
from actquiz.celery import app as celery_app
from exercises.models import Exercise
from lms.models import PassbackAttempt
from tests.e2e.conftest import Pipeline
from tests.lms.platform import FakeMoodle

STUDENT = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"


@pytest.fixture
def lms_worker(pipeline: Pipeline, settings: Any) -> Iterator[str]:
    queue = f"lms-e2e-{uuid.uuid4().hex[:10]}"
    settings.ACTQUIZ_LMS_QUEUE = queue
    settings.ACTQUIZ_LMS_RETRY_BACKOFF = 0.2
    settings.ACTQUIZ_LMS_RETRY_BACKOFF_MAX = 1
    with start_worker(
        celery_app, queues=[queue], pool="solo", concurrency=1, perform_ping_check=False,
        shutdown_timeout=30, loglevel="WARNING",
    ):  # fmt: skip
        yield queue
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)


@pytest.fixture
def moodle(pipeline: Pipeline, settings: Any) -> Iterator[FakeMoodle]:
    settings.ACTQUIZ_PUBLIC_URL = pipeline.base_url
    platform = FakeMoodle()
    out = StringIO()
    call_command("lti_register", *platform.register_args(), "--json", stdout=out)
    platform.tool_urls = json.loads(out.getvalue())
    platform.redirect_uris = platform.tool_urls["redirect_uris"]
    platform.tool_jwks_url = platform.tool_urls["jwks_url"]
    yield platform
    platform.close()


def _wait(condition: Any, what: str, within: float = 240) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {within}s")
        time.sleep(0.2)


def test_a_launched_students_graded_submission_reaches_the_lms_exactly_once(
    pipeline: Pipeline, moodle: FakeMoodle, lms_worker: str
) -> None:
    browser = requests.Session()
    moodle.next_claims = moodle.resource_link_claims(
        sub="1042", roles=STUDENT, custom={"exercise": "sigmoid-numpy"}
    )
    login = browser.post(
        moodle.tool_urls["login_url"],
        data=moodle.login_params(moodle.tool_urls["launch_url"]),
        allow_redirects=False,
        timeout=10,
    )
    action, fields = moodle.authorize(login.headers["Location"])
    page = browser.post(action, data=fields, timeout=30)
    assert page.status_code == 200 and "/exercises/sigmoid-numpy/" in page.url
    course_slug = page.url.rstrip("/").split("/courses/")[1].split("/")[0]

    # The platform fails the first score post; the retry must still deliver it once.
    moodle.score_statuses = [500]
    submitted = browser.post(
        f"{pipeline.base_url}/api/v1/exercises/sigmoid-numpy/submissions/",
        json={"code": SIGMOID, "course": course_slug},
        headers={"X-CSRFToken": browser.cookies["csrftoken"], "Referer": page.url},
        timeout=30,
    )
    assert submitted.status_code == 202, submitted.text
    submission_url = submitted.json()["url"]

    def graded() -> bool:
        body = browser.get(submission_url, timeout=30).json()
        return body["status"] in ("graded", "failed")

    _wait(graded, "the grading worker")
    _wait(lambda: moodle.scores, "the score in the LMS")
    _wait(lambda: PassbackAttempt.objects.filter(ok=True).exists(), "the delivery to be recorded")

    points = Exercise.objects.get(slug="sigmoid-numpy").points
    assert len(moodle.scores) == 1
    score = moodle.scores[0]
    assert score["userId"] == "1042"
    assert score["scoreGiven"] == points
    assert score["scoreMaximum"] == points
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    statuses = PassbackAttempt.objects.filter(url__contains="/scores").order_by("at", "id")
    assert [attempt.http_status for attempt in statuses] == [500, 200]
