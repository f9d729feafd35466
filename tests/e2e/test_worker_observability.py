"""A real worker as an operator watches it: JSON log records and heartbeats in /metrics."""

from __future__ import annotations

import json
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client

from tests.e2e.conftest import Pipeline, create_course_and_student, start_worker, stop_worker
from tests.exercises.test_metrics_and_logs import sample

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SIGMOID = Path(__file__).resolve().parents[2] / "exercises/catalog/sigmoid-numpy/reference.py"


def test_a_json_logging_worker_writes_one_object_per_record_and_its_heartbeat_is_scraped(
    live_server: Any, web_broker: None, redis_url: str, settings: Any, tmp_path: Path
) -> None:
    queue = f"grading-e2e-logs-{uuid.uuid4().hex[:10]}"
    settings.ACTQUIZ_GRADING_QUEUE = queue
    token = create_course_and_student()
    worker = start_worker(
        queue=queue,
        redis_url=redis_url,
        api_url=live_server.url,
        log_path=tmp_path / "celery.log",
        heartbeat=True,
        quiet=True,
        LOG_FORMAT="json",
        # Python prints this warning (tests run as root) before any logging exists.
        PYTHONWARNINGS="ignore:You're running the worker with superuser privileges",
    )
    try:
        pipeline = Pipeline(live_server.url, token, worker, None, None)  # type: ignore[arg-type]
        response = pipeline.submit("sigmoid-numpy", SIGMOID.read_text())
        assert response.status_code == 202, response.text
        submission_id = response.json()["id"]
        assert pipeline.wait_final(submission_id)["status"] == "graded"

        name = f"{queue}@{socket.gethostname()}"
        deadline = time.monotonic() + 120
        while (
            age := sample(
                Client().get("/metrics").content.decode(),
                "actquiz_worker_last_heartbeat_age_seconds",
                worker=name,
            )
        ) is None:
            assert time.monotonic() < deadline, f"no heartbeat of {name}:\n{worker.log_tail()}"
            time.sleep(0.5)
        assert age >= 0
        # What it wrote while running (a stopping worker prints a plain goodbye line).
        written = worker.log_path.read_text()
    finally:
        stop_worker(worker)
        redis.Redis.from_url(redis_url).delete(queue)

    lines = [line for line in written.splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            pytest.fail(f"a log line that is not one JSON object: {line!r}")
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    graded = [r for r in records if r.get("event") == "submission_graded"]
    assert [r["submission_id"] for r in graded] == [submission_id]
    assert any(r["logger"] == "celery.apps.worker" and "ready" in r["message"] for r in records)
