"""GET /metrics for Prometheus (shared counters, protected) and JSON logs naming the submission."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.test import Client

from exercises import services
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


def scrape(**extra) -> tuple[int, str]:
    response = Client().get("/metrics", **extra)
    return response.status_code, response.content.decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', metric))
        if metric.split("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


def test_a_scrape_counts_requests_by_route_and_shows_queue_and_submissions(
    client_for, student, grader, sigmoid, course
):
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    for _ in range(3):
        client_for(student).get(f"/api/v1/submissions/{submission.id}/")
    client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": 1, "verdict": verdict_for(sigmoid, 10.0)},
        format="json",
    )

    status, text = scrape()

    assert status == 200
    route = "/api/v1/submissions/<int:submission_id>/"
    assert sample(text, "actquiz_http_requests_total", route=route, method="GET", status="200") == 3
    assert sample(text, "actquiz_http_request_duration_seconds_count", route=route) == 3
    assert sample(text, "actquiz_http_request_duration_seconds_bucket", route=route, le="+Inf") == 3
    assert sample(text, "actquiz_verdicts_total", kind="code", status="graded") == 1
    assert sample(text, "actquiz_grading_latency_seconds_count", kind="code") == 1
    assert sample(text, "actquiz_submissions", status="graded") == 1
    assert sample(text, "actquiz_submissions", status="queued") == 0
    assert sample(text, "actquiz_grading_queue_depth") is not None


def test_metrics_are_refused_to_other_addresses_unless_they_hold_the_token(settings):
    assert scrape(REMOTE_ADDR="203.0.113.9")[0] == 403
    settings.ACTQUIZ_METRICS_ALLOW = ["203.0.113.0/24"]
    assert scrape(REMOTE_ADDR="203.0.113.9")[0] == 200
    settings.ACTQUIZ_METRICS_ALLOW = []
    settings.ACTQUIZ_METRICS_TOKEN = "scrape-secret"
    assert scrape(REMOTE_ADDR="127.0.0.1")[0] == 403
    assert scrape(HTTP_AUTHORIZATION="Bearer wrong")[0] == 403
    status, text = scrape(HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert status == 200 and "actquiz_up 1" in text


def test_metrics_answer_without_redis_leaving_its_series_out(settings):
    import actquiz.metrics

    settings.ACTQUIZ_CACHE_URL = "redis://127.0.0.1:9/1"
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    actquiz.metrics._client = None
    try:
        status, text = scrape()
    finally:
        actquiz.metrics._client = None
    assert status == 200
    assert "actquiz_up 1" in text and "actquiz_grading_queue_depth" not in text
    assert sample(text, "actquiz_submissions", status="queued") == 0


def test_json_logs_name_the_submission_a_refused_request_was_about(
    client_for, student, sigmoid, course
):
    from actquiz.logs import JsonFormatter

    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client_for(student).post(
            f"/api/v1/submissions/{submission.id}/result/", {"grading_attempt": 1}, format="json"
        )
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 403
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entries, "nothing was logged"
    entry = entries[-1]
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert entry["submission_id"] == submission.id
    assert entry["path"] == f"/api/v1/submissions/{submission.id}/result/"
    assert "Forbidden" in entry["message"]
