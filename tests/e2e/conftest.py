"""Real parts for end-to-end tests: Redis, a Celery worker process, the live web server.

The worker is a separate ``celery worker`` process on its own queue (a fresh name per
run, so it cannot take another run's jobs and nobody else's worker takes ours). It
reaches the web tier and the web tier reaches Redis through ``TcpProxy`` relays, so a
test can stage an outage of either. The worker is given an unreachable
``DATABASE_URL``: grading must work with no database at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from actquiz.celery import app as celery_app
from exercises.models import Course, CourseExercise, Exercise, Membership
from tests.e2e.tcp_proxy import TcpProxy
from tests.tokens import issue_token

ROOT = Path(__file__).resolve().parents[2]
# The grader token is fixed for the run so one worker process serves every test,
# while the database (and the account holding the token) is rebuilt per test.
GRADER_TOKEN = "e2e" + uuid.uuid4().hex[:37]
FINAL_STATUSES = ("graded", "failed")


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = settings.REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"end-to-end tests need Redis at REDIS_URL={url} (./run tests starts one): {exc}"
        )
    return url


@pytest.fixture(scope="session")
def grading_queue(redis_url: str) -> Iterator[str]:
    name = f"grading-e2e-{uuid.uuid4().hex[:10]}"
    yield name
    # Leave nothing behind in the shared Redis.
    redis.Redis.from_url(redis_url).delete(name)


@pytest.fixture(scope="session")
def broker_proxy(redis_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(redis_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def web_broker(broker_proxy: TcpProxy, redis_url: str, grading_queue: str) -> Iterator[None]:
    """Point the web tier (this process) at Redis through the proxy, on our queue."""
    parts = urlsplit(redis_url)
    proxied = urlunsplit(parts._replace(netloc=f"127.0.0.1:{broker_proxy.port}"))
    saved = (celery_app.conf.broker_url, celery_app.conf.task_default_queue)
    saved_queue = settings.ACTQUIZ_GRADING_QUEUE
    _reset_broker_connections()
    celery_app.conf.broker_url = proxied
    celery_app.conf.task_default_queue = grading_queue
    settings.ACTQUIZ_GRADING_QUEUE = grading_queue
    yield
    _reset_broker_connections()
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = saved
    settings.ACTQUIZ_GRADING_QUEUE = saved_queue


def _reset_broker_connections() -> None:
    # Celery caches connections and producers; drop them so the new URL is used.
    celery_app.pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def api_proxy(live_server: Any) -> Iterator[TcpProxy]:
    parts = urlsplit(live_server.url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 80)
    yield proxy
    proxy.close()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def pool_pids(self) -> list[int]:
        """The pids of this worker's pool processes (the children of its main process)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []


def start_worker(
    *,
    queue: str,
    redis_url: str,
    api_url: str,
    log_path: Path,
    concurrency: int = 1,
    heartbeat: bool = False,
    quiet: bool = False,
    wrapper: tuple[str, ...] = (),
    **extra_env: str,
) -> Worker:
    """Start a real ``celery worker`` process on ``queue`` (its own session) and return it.

    ``heartbeat`` keeps Celery's worker heartbeats on, ``quiet`` leaves out the banner
    Celery prints on stdout; ``wrapper`` is a command the
    worker runs under (``ip netns exec NAME``); ``extra_env`` adds environment variables.
    """
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "actquiz.settings",
        "REDIS_URL": redis_url,
        "ACTQUIZ_GRADING_QUEUE": queue,
        "ACTQUIZ_API_URL": api_url,
        "ACTQUIZ_GRADER_TOKEN": GRADER_TOKEN,
        # Port 9 (discard) refuses: if the worker ever opened the database, it would fail.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/no_database_for_workers",
        # Short delivery backoff so an outage test recovers in seconds, not minutes.
        "ACTQUIZ_RESULT_HTTP_ATTEMPTS": "2",
        "ACTQUIZ_RESULT_HTTP_BACKOFF": "0.2",
        "ACTQUIZ_RESULT_RETRY_BACKOFF": "0.5",
        "ACTQUIZ_RESULT_RETRY_BACKOFF_MAX": "2",
        "ACTQUIZ_RESULT_MAX_RETRIES": "100",
        **extra_env,
    }
    command = [
        *wrapper, sys.executable, "-m", "celery", *(["--quiet"] if quiet else []),
        "-A", "actquiz", "worker",
        "-Q", queue, "--concurrency", str(concurrency), "--pool", "prefork",
        "--without-gossip", "--without-mingle",
        *([] if heartbeat else ["--without-heartbeat"]),
        "-n", f"{queue}@%h", "--loglevel", "INFO",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return Worker(process, log_path)


def stop_worker(worker: Worker) -> None:
    """Warm-stop ``worker`` (SIGTERM), then kill its whole session if it lingers."""
    worker.process.terminate()
    try:
        worker.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.process.pid, 9)
        worker.process.wait(timeout=10)


@pytest.fixture(scope="session")
def worker(
    redis_url: str,
    grading_queue: str,
    api_proxy: TcpProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Worker]:
    worker = start_worker(
        queue=grading_queue,
        redis_url=redis_url,
        api_url=f"http://127.0.0.1:{api_proxy.port}",
        log_path=tmp_path_factory.mktemp("worker") / "celery.log",
    )
    yield worker
    stop_worker(worker)


@dataclass
class Pipeline:
    """The running system as a student sees it, plus the switches for outages."""

    base_url: str
    student_token: str
    worker: Worker
    broker: TcpProxy
    web: TcpProxy

    def submit(self, slug: str, code: str) -> requests.Response:
        return requests.post(
            f"{self.base_url}/api/v1/exercises/{slug}/submissions/",
            json={"code": code},
            headers={"Authorization": f"Token {self.student_token}"},
            timeout=30,
        )

    def get(self, submission_id: int) -> dict[str, Any]:
        response = requests.get(
            f"{self.base_url}/api/v1/submissions/{submission_id}/",
            headers={"Authorization": f"Token {self.student_token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def wait_until(
        self, submission_id: int, done: Callable[[dict[str, Any]], bool], within: float = 240
    ) -> dict[str, Any]:
        """Poll the submission until ``done(body)``; a generous deadline, not a timing check."""
        deadline = time.monotonic() + within
        body = self.get(submission_id)
        while not done(body):
            if self.worker.process.poll() is not None:
                pytest.fail(f"the worker exited:\n{self.worker.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"submission {submission_id} still {body['status']} after {within}s;"
                    f" worker log:\n{self.worker.log_tail()}"
                )
            time.sleep(0.2)
            body = self.get(submission_id)
        return body

    def wait_final(self, submission_id: int) -> dict[str, Any]:
        return self.wait_until(submission_id, lambda body: body["status"] in FINAL_STATUSES)


def create_course_and_student() -> str:
    """Load the catalog, create the grader (holding GRADER_TOKEN), a course with every
    exercise and a student in it; returns the student's API token."""
    call_command("load_catalog", verbosity=0)
    users = get_user_model()
    grader = users.objects.create_user("e2e-grader")
    grader.groups.add(Group.objects.get_or_create(name=settings.ACTQUIZ_GRADER_GROUP)[0])
    issue_token(grader, secret=GRADER_TOKEN)

    course = Course.objects.create(slug="e2e", title="End to end")
    for exercise in Exercise.objects.all():
        CourseExercise.objects.create(course=course, exercise=exercise)
    student = users.objects.create_user("e2e-student")
    Membership.objects.create(user=student, course=course, role=Membership.Role.STUDENT)
    return issue_token(student)


@pytest.fixture
def pipeline(
    live_server: Any,
    web_broker: None,
    worker: Worker,
    broker_proxy: TcpProxy,
    api_proxy: TcpProxy,
) -> Iterator[Pipeline]:
    token = create_course_and_student()
    broker_proxy.up()
    api_proxy.up()
    yield Pipeline(live_server.url, token, worker, broker_proxy, api_proxy)
    broker_proxy.up()
    api_proxy.up()
