"""Delivery under worker loss, with real workers on real Redis.

Each test here runs its own ``celery worker`` on a fresh queue of its own (the web tier
sends there for the test), so it can kill or stop that worker without touching the
session's shared one.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.utils import timezone

from exercises import services
from exercises.models import Submission
from tests.e2e.conftest import GRADER_TOKEN, Pipeline, Worker, start_worker, stop_worker
from tests.e2e.tcp_proxy import TcpProxy
from tests.e2e.test_grading_pipeline import CORRECT

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Runs until the sandbox's wall clock ends it: a worker is busy with it meanwhile.
ENDLESS = "import time\nwhile True:\n    time.sleep(0.05)\n"
# Keeps a worker busy for a few seconds, then is a right answer.
SLOW_CORRECT = "import time\ntime.sleep(3)\n" + CORRECT["sigmoid-numpy"]

StartWorker = Callable[[int], Worker]


@pytest.fixture
def own_worker(
    pipeline: Pipeline, redis_url: str, api_proxy: TcpProxy, tmp_path: Path
) -> Iterator[StartWorker]:
    """Send this test's submissions to a fresh queue; start workers on it on demand."""
    queue = f"grading-e2e-own-{uuid.uuid4().hex[:10]}"
    saved = settings.ACTQUIZ_GRADING_QUEUE
    settings.ACTQUIZ_GRADING_QUEUE = queue
    started: list[Worker] = []

    def start(concurrency: int = 1) -> Worker:
        worker = start_worker(
            queue=queue,
            redis_url=redis_url,
            api_url=f"http://127.0.0.1:{api_proxy.port}",
            log_path=tmp_path / f"celery-{len(started)}.log",
            concurrency=concurrency,
        )
        started.append(worker)
        return worker

    yield start
    settings.ACTQUIZ_GRADING_QUEUE = saved
    for worker in started:
        if worker.process.poll() is None:
            stop_worker(worker)
    redis.Redis.from_url(redis_url).delete(queue)


def wait_for(condition: Callable[[], bool], worker: Worker, what: str, within: float = 240) -> None:
    """Poll ``condition`` with a generous deadline (not a timing check)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {within}s; log:\n{worker.log_tail()}")
        time.sleep(0.1)


def row(submission_id: int) -> Submission:
    return Submission.objects.get(pk=submission_id)


def kill_pool(worker: Worker) -> None:
    """SIGKILL the worker's pool processes, as the kernel's OOM killer would."""
    for pid in worker.pool_pids():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_submission_that_kills_its_worker_each_time_ends_failed_after_the_cap(
    pipeline: Pipeline, own_worker: StartWorker
) -> None:
    worker = own_worker(1)
    submission_id = pipeline.submit("sigmoid-numpy", ENDLESS).json()["id"]

    for delivery in range(1, settings.ACTQUIZ_MAX_DELIVERIES + 1):
        wait_for(
            lambda delivery=delivery: row(submission_id).deliveries == delivery,
            worker,
            f"delivery {delivery}",
        )
        # The grading is under way in the pool process: its death hands the job back.
        kill_pool(worker)

    body = pipeline.wait_final(submission_id)

    assert body["status"] == "failed", body
    assert f"stopped the grader {settings.ACTQUIZ_MAX_DELIVERIES} times" in str(body["error"])
    assert row(submission_id).deliveries == settings.ACTQUIZ_MAX_DELIVERIES
    # The sweep does not send it round again.
    assert submission_id not in services.stale_submission_ids(
        now=timezone.now() + timedelta(hours=1)
    )


def test_a_job_whose_worker_process_dies_is_handed_back_and_graded(
    pipeline: Pipeline, own_worker: StartWorker
) -> None:
    worker = own_worker(1)
    submission_id = pipeline.submit("sigmoid-numpy", SLOW_CORRECT).json()["id"]
    wait_for(lambda: row(submission_id).deliveries == 1, worker, "the first delivery")

    kill_pool(worker)
    body = pipeline.wait_final(submission_id)

    assert body["status"] == "graded", body
    assert body["score"] == body["max_score"]
    assert row(submission_id).deliveries == 2


def test_a_worker_told_to_stop_finishes_the_job_it_is_grading_first(
    pipeline: Pipeline, own_worker: StartWorker
) -> None:
    worker = own_worker(1)
    submission_id = pipeline.submit("sigmoid-numpy", SLOW_CORRECT).json()["id"]
    wait_for(lambda: row(submission_id).status == "running", worker, "the start of grading")

    worker.process.send_signal(signal.SIGTERM)
    exit_code = worker.process.wait(timeout=240)

    assert exit_code == 0, worker.log_tail()
    final = row(submission_id)
    assert final.status == "graded", final.error
    assert final.score == final.max_score
    assert final.deliveries == 1


def test_a_submission_stuck_running_is_sent_again_and_the_old_attempt_is_refused(
    pipeline: Pipeline, own_worker: StartWorker
) -> None:
    pipeline.broker.down()
    submission_id = pipeline.submit("sigmoid-numpy", CORRECT["sigmoid-numpy"]).json()["id"]
    pipeline.broker.up()
    # A worker began attempt 1 and then vanished without a trace.
    grader = {"Authorization": f"Token {GRADER_TOKEN}"}
    started = requests.post(
        f"{pipeline.base_url}/api/v1/submissions/{submission_id}/started/",
        json={"grading_attempt": 1},
        headers=grader,
        timeout=30,
    )
    assert started.status_code == 200, started.text
    assert submission_id not in services.stale_submission_ids()

    later = timezone.now() + timedelta(seconds=settings.ACTQUIZ_REQUEUE_RUNNING_AFTER_SECONDS + 1)
    assert services.submission_requeue_stale(now=later) == [submission_id]
    worker = own_worker(1)
    body = pipeline.wait_final(submission_id)
    late = requests.post(
        f"{pipeline.base_url}/api/v1/submissions/{submission_id}/result/",
        json={"grading_attempt": 1, "verdict": row(submission_id).verdict},
        headers=grader,
        timeout=30,
    )

    assert body["status"] == "graded", worker.log_tail()
    assert row(submission_id).grading_attempt == 2
    assert late.status_code == 409, late.text


def test_a_sleeping_submission_does_not_hold_up_a_normal_one_with_two_processes(
    pipeline: Pipeline, own_worker: StartWorker
) -> None:
    worker = own_worker(2)
    slow_id = pipeline.submit("sigmoid-numpy", ENDLESS).json()["id"]
    wait_for(lambda: row(slow_id).status == "running", worker, "the start of the slow one")

    normal_id = pipeline.submit("relu-numpy", CORRECT["relu-numpy"]).json()["id"]
    normal = pipeline.wait_final(normal_id)

    assert normal["status"] == "graded", normal
    assert normal["score"] == normal["max_score"]
    # Graded while the endless one still held the other process.
    assert row(slow_id).status == "running"
    slow = pipeline.wait_final(slow_id)
    assert slow["status"] == "graded"
    assert row(normal_id).finished_at < row(slow_id).finished_at
