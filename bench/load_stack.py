"""The stack bench/load.py measures, started and broken on purpose by the benchmark.

gunicorn with the production settings (DEBUG off), one Celery worker with N grading
processes on a private queue, the requeue sweep, and a Redis server of its own on a
private port (append-only, as compose runs it), on a fresh PostgreSQL database. The
fault methods do to it what production does: a grading process SIGKILLed (the OOM
killer), the whole worker SIGKILLed and started again (its host lost), Redis and
gunicorn stopped and started again (a deploy, a crash and restart).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PASSWORD = "load-test-pass-42"
# The requeue sweep's period here (compose runs it every 30 s).
SWEEP_EVERY_SECONDS = 10

CREATE_STUDENTS = """
import json, sys
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from apitokens import services
from exercises.models import Course, Membership
course = Course.objects.get(slug=sys.argv[1])
hashed = make_password(sys.argv[3])
out = []
for index in range(int(sys.argv[2])):
    user = get_user_model().objects.create(username=f"load{index:04d}", password=hashed)
    Membership.objects.create(user=user, course=course, role="student")
    token = services.token_create(user=user, name="load", expires_at=None).secret
    out.append({"username": user.username, "token": token})
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


class Stack:
    """gunicorn + one Celery worker + the sweep + a private Redis, on a fresh database."""

    def __init__(self, *, web_workers: int, worker_processes: int) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="actquiz-load-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web_workers = web_workers
        self.worker_processes = worker_processes
        server = os.environ.get("LOAD_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
        self.server = server.rstrip("/")
        self.database = f"actquiz_load_{uuid.uuid4().hex[:10]}"
        self.queue = f"grading-load-{uuid.uuid4().hex[:10]}"
        # Never the shared Redis: the benchmark restarts this one.
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.incarnations: dict[str, int] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "actquiz.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": f"{self.server}/{self.database}",
            "STATIC_ROOT": str(self.workdir / "static"),
            "REDIS_URL": self.redis_url,
            "ACTQUIZ_CACHE_PREFIX": f"load-{uuid.uuid4().hex[:8]}",
            "ACTQUIZ_GRADING_QUEUE": self.queue,
            "ACTQUIZ_API_URL": self.url,
            # The load is many students; the per-student limits are not what is measured.
            "ACTQUIZ_SUBMISSION_RATE": "100000/min",
            "ACTQUIZ_MAX_PENDING_PER_USER": "100000",
            "LOG_LEVEL": "WARNING",
            # The worker's records are JSON: the benchmark counts gradings per submission.
            "LOG_FORMAT": "json",
            "OMP_NUM_THREADS": "1",
        }
        self.credentials: dict[str, Any] = {}
        self.students: list[dict[str, str]] = []

    def _psql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as connection:
            connection.execute(statement)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
            text=True, check=False, timeout=600,
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def prepare(self, students: int) -> None:
        self.start_redis()
        self._psql(f'CREATE DATABASE "{self.database}"')
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("load_catalog", "-v", "0")
        self.credentials = json.loads(self.manage("demo_setup", "--json"))
        self.env["ACTQUIZ_GRADER_TOKEN"] = self.credentials["grader"]["token"]
        self.manage("collectstatic", "--no-input", "-v", "0")
        script = self.workdir / "students.py"
        script.write_text(CREATE_STUDENTS)
        out = self.manage(
            "shell", "-c",
            f"import sys; sys.argv = ['x', {self.credentials['course']!r}, '{students}', "
            f"{PASSWORD!r}]; exec(open({str(script)!r}).read())",
        )  # fmt: skip
        self.students = json.loads(out.strip().splitlines()[-1])

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        number = self.incarnations.get(name, 0) + 1
        self.incarnations[name] = number
        log = (self.workdir / f"{name}.{number}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes[name] = process
        return process

    def logs(self, name: str) -> list[Path]:
        return sorted(self.workdir.glob(f"{name}.*.log"))

    def start_redis(self) -> None:
        folder = self.workdir / "redis"
        folder.mkdir(exist_ok=True)
        self._spawn(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
             "--dir", str(folder)],
        )  # fmt: skip
        if not wait_for_port(self.redis_port, 30):
            raise RuntimeError(f"redis-server did not start; logs in {self.workdir}")

    def start_web(self) -> None:
        self._spawn(
            "gunicorn",
            [PYTHON, "-m", "gunicorn", "actquiz.wsgi", "-c", "python:actquiz.gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.web_workers)],
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer; logs in {self.workdir}")
            time.sleep(0.2)

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [PYTHON, "-m", "celery", "-A", "actquiz", "worker", "-Q", self.queue,
             "--concurrency", str(self.worker_processes), "--without-gossip",
             "--without-mingle", "-n", f"{self.queue}@%h", "--loglevel", "INFO"],
        )  # fmt: skip

    def start(self) -> None:
        self.start_web()
        self.start_worker()
        self._spawn(
            "sweeper",
            [PYTHON, "manage.py", "requeue", "--every", str(SWEEP_EVERY_SECONDS)],
        )  # fmt: skip

    def _stop(self, name: str, sig: int = signal.SIGTERM, within: float = 60) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    # Faults. Each returns what it did, for the report's "faults" list.

    def kill_grading_process(self) -> dict[str, Any]:
        """SIGKILL one of the worker's pool processes (what the OOM killer does)."""
        worker = self.processes["worker"]
        path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        try:
            children = [int(pid) for pid in path.read_text().split()]
        except OSError:
            children = []
        if not children:
            return {"fault": "kill-grading-process", "skipped": "no pool process found"}
        victim = random.choice(children)
        os.kill(victim, signal.SIGKILL)
        return {"fault": "kill-grading-process", "pid": victim}

    def kill_worker(self) -> dict[str, Any]:
        """SIGKILL the whole worker (main and pool processes), then start a new one."""
        worker = self.processes["worker"]
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        began = time.monotonic()
        self.start_worker()
        return {"fault": "kill-worker", "pid": worker.pid, "restart_s": _since(began)}

    def restart_redis(self, down_seconds: float = 2.0) -> dict[str, Any]:
        """Stop Redis (SIGTERM, as a restart does), leave it down a moment, start it."""
        began = time.monotonic()
        self._stop("redis")
        time.sleep(down_seconds)
        self.start_redis()
        return {"fault": "restart-redis", "down_s": _since(began)}

    def restart_web(self) -> dict[str, Any]:
        """Stop gunicorn (SIGTERM: in-flight requests finish), then start it again."""
        began = time.monotonic()
        self._stop("gunicorn")
        self.start_web()
        return {"fault": "restart-web", "down_s": _since(began)}

    def close(self) -> None:
        for name in ("sweeper", "gunicorn", "worker", "redis"):
            self._stop(name, within=30)
        try:
            self._psql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001 - a leftover database is reported, not fatal
            print(f"could not drop {self.database}: {exc}", file=sys.stderr)
        if os.environ.get("LOAD_KEEP_LOGS"):
            print(f"logs kept in {self.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _since(began: float) -> float:
    return round(time.monotonic() - began, 2)


def gradings_per_submission(stack: Stack) -> dict[int, int] | None:
    """How many times the workers ran each submission's grading, from their JSON logs.

    Counts the ``submission_graded`` records graders.tasks writes once per grading run;
    None when the logs hold no such record at all (logging broke: nothing to count).
    """
    counts: dict[int, int] = {}
    for path in stack.logs("worker"):
        for line in path.read_text(errors="replace").splitlines():
            if '"submission_graded"' not in line:
                continue
            try:
                entry = json.loads(line[line.index("{") :])
            except ValueError:
                continue  # a line cut short by a SIGKILL
            if entry.get("event") == "submission_graded":
                submission_id = int(entry["submission_id"])
                counts[submission_id] = counts.get(submission_id, 0) + 1
    return counts or None
