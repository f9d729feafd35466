"""Enqueueing on the real Redis broker: after commit, by task name, and surviving a dead broker.

Each test sends to its own queue name, so no worker of another test run takes the
messages and nothing is left behind in the shared Redis.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.utils import timezone

from actquiz.celery import app as celery_app
from exercises import services
from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def queue(settings: Any) -> Iterator[tuple[str, redis.Redis]]:
    name = f"test-grading-{uuid.uuid4().hex[:12]}"
    settings.ACTQUIZ_GRADING_QUEUE = name
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"these tests need Redis at REDIS_URL={settings.REDIS_URL}: {exc}")
    yield name, client
    client.delete(name)


@pytest.fixture
def dead_broker() -> Iterator[None]:
    saved = celery_app.conf.broker_url
    # Port 1 on loopback refuses connections at once: a broker that is down.
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    celery_app.conf.broker_url = saved


def sent_tasks(queue: tuple[str, redis.Redis]) -> list[dict[str, Any]]:
    name, client = queue
    tasks = []
    for raw in client.lrange(name, 0, -1):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        tasks.append({"task": envelope["headers"]["task"], "args": args})
    return tasks


def test_a_submission_reaches_the_grading_queue_only_after_commit(
    django_capture_on_commit_callbacks, queue, submit, student, sigmoid
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
        assert sent_tasks(queue) == []
    for callback in callbacks:
        callback()
    [task] = sent_tasks(queue)
    submission = Submission.objects.get(pk=response.json()["id"])
    assert task["task"] == "graders.tasks.grade_submission"
    submission_id, grading_attempt, exercise, work = task["args"]
    assert (submission_id, grading_attempt) == (submission.id, 1)
    assert exercise["slug"] == "sigmoid-numpy"
    assert exercise["entry_point"] == "sigmoid"
    # The worker never opens the database: the reference travels in the message.
    assert "def sigmoid" in exercise["reference_code"]
    assert exercise["spec"]["tests"]
    assert work == {"seed": submission.seed, "code": SIGMOID_OK, "answer": None}
    assert submission.enqueued_at is not None


def test_a_dead_broker_keeps_the_submission_queued_and_answers_202(
    django_capture_on_commit_callbacks, queue, dead_broker, submit, student, sigmoid
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code == 202
    submission = Submission.objects.get(pk=response.json()["id"])
    assert (submission.status, submission.enqueued_at) == ("queued", None)


def test_the_sweep_sends_a_submission_the_dead_broker_never_got(
    django_capture_on_commit_callbacks, queue, student, sigmoid, course
):
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submission = services.submission_create(
                user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
            )
    finally:
        celery_app.conf.broker_url = saved
    assert services.stale_submission_ids() == []  # too fresh to be called lost
    with django_capture_on_commit_callbacks(execute=True):
        requeued = services.submission_requeue_stale(now=timezone.now() + timedelta(minutes=1))
    assert requeued == [submission.id]
    [task] = sent_tasks(queue)
    assert task["args"][:2] == [submission.id, 2]
    submission.refresh_from_db()
    assert (submission.grading_attempt, submission.status) == (2, "queued")
    assert submission.enqueued_at is not None


def test_an_answer_question_travels_with_its_answer_and_no_code(
    django_capture_on_commit_callbacks, queue, submit, student, add_exercise
):
    add_exercise("cross-entropy-logits")
    with django_capture_on_commit_callbacks(execute=True):
        submit(student, "cross-entropy-logits", {"answer": "softmax"})
    [task] = sent_tasks(queue)
    assert task["args"][2]["kind"] == "choice"
    assert task["args"][3]["code"] is None
    assert task["args"][3]["answer"] == "softmax"


def _our_broker_sockets_killed(client: redis.Redis) -> int:
    """Close, on the Redis side, every connection this process holds (a Redis restart
    as this process sees it; other clients of the shared Redis are left alone)."""
    import os

    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    port = int(client.connection_pool.connection_kwargs.get("port", 6379))
    ours = []
    with open("/proc/self/net/tcp") as rows:
        for row in rows.read().splitlines()[1:]:
            fields = row.split()
            if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) == port:
                ours.append(f"127.0.0.1:{int(fields[1].rsplit(':', 1)[1], 16)}")
    killer = redis.Redis.from_url(f"redis://127.0.0.1:{port}/0")
    try:
        return sum(int(killer.execute_command("CLIENT", "KILL", "ADDR", addr)) for addr in ours)
    finally:
        killer.close()


def test_submissions_after_the_broker_dropped_the_kept_connection_are_still_sent(
    django_capture_on_commit_callbacks, queue, submit, student, sigmoid
):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    assert _our_broker_sockets_killed(queue[1]) >= 1
    with django_capture_on_commit_callbacks(execute=True):
        second = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        third = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    assert sorted(task["args"][0] for task in sent_tasks(queue)) == [first, second, third]
    assert all(s.enqueued_at is not None for s in Submission.objects.filter(pk__in=[second, third]))
