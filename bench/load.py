"""Load test of the real stack; prints one JSON object.

Starts everything itself on a fresh PostgreSQL database: gunicorn with the production
settings (DEBUG off), one Celery worker with ``--worker-processes`` grading processes
(default: one per core) on a private queue, Redis at ``REDIS_URL``. Then
``--students`` students, each logged in through the login page, load the exercise
page and submit through the API, mixed NumPy and PyTorch exercises, right and wrong
answers (the catalog's own), and poll until the verdict is there. Every score is
checked: a right answer must get the exercise's points, a wrong one less.

Modes:
  --mode steady --rate R --seconds S   R submissions per second for S seconds
  --mode burst --count N               N submissions at once (one per student, round robin)

Reported: submissions, graded, lost (no verdict within --timeout), wrong_scores,
throughput (graded per second, from the first POST to the last verdict), latency in
ms from the POST to the API reporting ``graded`` (p50/p95/p99), the POST alone and
the exercise page load (p50/p95), and the web and grading processes used.

Usage: .venv/bin/python bench/load.py --mode steady --rate 4 --seconds 30 [--students 20]
       .venv/bin/python bench/load.py --mode burst --count 200
Environment: REDIS_URL (default redis://127.0.0.1:6379/0), LOAD_DATABASE_SERVER
(default postgres://postgres@127.0.0.1:5432; a database is created there and dropped).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "exercises" / "catalog"
PYTHON = sys.executable
# NumPy and PyTorch, cheap and expensive speed probes alike.
EXERCISES = ("sigmoid-numpy", "relu-numpy", "softmax-numpy", "tanh-numpy", "relu-torch")
PASSWORD = "load-test-pass-42"

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


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 1)


def solutions() -> list[dict[str, Any]]:
    """Right and wrong answers from the catalog, with the score each must get."""
    import tomllib

    chosen = []
    for slug in EXERCISES:
        folder = CATALOG / slug
        points = float(tomllib.loads((folder / "exercise.toml").read_text())["points"])
        for kind in ("right", "wrong"):
            for path in sorted((folder / kind).glob("*.py"))[:2]:
                chosen.append(
                    {
                        "slug": slug,
                        "code": path.read_text(),
                        "right": kind == "right",
                        "points": points,
                    }
                )
    return chosen


class Stack:
    """gunicorn + one Celery worker on a fresh PostgreSQL database, DEBUG off."""

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
        self.redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        self.processes: list[subprocess.Popen[bytes]] = []
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

    def _start(self, name: str, command: list[str]) -> None:
        log = (self.workdir / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self) -> None:
        self._start(
            "gunicorn",
            [PYTHON, "-m", "gunicorn", "actquiz.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.web_workers)],
        )  # fmt: skip
        self._start(
            "worker",
            [PYTHON, "-m", "celery", "-A", "actquiz", "worker", "-Q", self.queue,
             "--concurrency", str(self.worker_processes), "--without-gossip",
             "--without-mingle", "-n", f"{self.queue}@%h", "--loglevel", "WARNING"],
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
            time.sleep(0.3)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        import redis

        redis.Redis.from_url(self.redis_url).delete(self.queue)
        try:
            self._psql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except Exception as exc:  # noqa: BLE001 - a leftover database is reported, not fatal
            print(f"could not drop {self.database}: {exc}", file=sys.stderr)
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class Student:
    username: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Outcome:
    slug: str
    right: bool
    points: float
    post_ms: float | None = None
    page_ms: float | None = None
    end_to_end_ms: float | None = None
    status: str = "unsent"
    score: float | None = None
    finished_at: float | None = None
    started_at: float | None = None
    error: str = ""


class Load:
    def __init__(self, stack: Stack, *, timeout: float, poll: float) -> None:
        self.stack = stack
        self.timeout = timeout
        self.poll = poll
        self.course = stack.credentials["course"]
        self.students = [Student(s["username"], s["token"]) for s in stack.students]
        self.answers = solutions()

    def log_in_everyone(self) -> None:
        def log_in(student: Student) -> None:
            session = student.session
            session.get(f"{self.stack.url}/login/", timeout=30)
            response = session.post(
                f"{self.stack.url}/login/",
                data={"username": student.username, "password": PASSWORD,
                      "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                headers={"Referer": f"{self.stack.url}/login/"},
                allow_redirects=False, timeout=60,
            )  # fmt: skip
            if response.status_code != 302:
                raise RuntimeError(f"login of {student.username}: HTTP {response.status_code}")

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(log_in, self.students))

    def one(self, index: int) -> Outcome:
        student = self.students[index % len(self.students)]
        answer = self.answers[index % len(self.answers)]
        outcome = Outcome(answer["slug"], answer["right"], answer["points"])
        url = self.stack.url
        headers = {"Authorization": f"Token {student.token}"}
        try:
            with student.lock:  # a requests.Session is not shared between threads
                began = time.perf_counter()
                page = student.session.get(
                    f"{url}/courses/{self.course}/exercises/{answer['slug']}/", timeout=60
                )
                outcome.page_ms = (time.perf_counter() - began) * 1000
            if page.status_code != 200:
                raise RuntimeError(f"page HTTP {page.status_code}")
            began = time.perf_counter()
            outcome.started_at = time.monotonic()
            response = requests.post(
                f"{url}/api/v1/exercises/{answer['slug']}/submissions/",
                json={"code": answer["code"], "course": self.course},
                headers=headers,
                timeout=60,
            )
            outcome.post_ms = (time.perf_counter() - began) * 1000
            if response.status_code != 202:
                raise RuntimeError(f"submit HTTP {response.status_code}: {response.text[:200]}")
            detail = response.json()["url"]
            deadline = time.monotonic() + self.timeout
            # Polls back off (x1.5 up to 1 s): 100 students polling every 50 ms would
            # be most of the load on the web tier in a burst.
            pause = self.poll
            while time.monotonic() < deadline:
                body = requests.get(detail, headers=headers, timeout=60).json()
                if body["status"] in ("graded", "failed"):
                    outcome.end_to_end_ms = (time.perf_counter() - began) * 1000
                    outcome.finished_at = time.monotonic()
                    outcome.status, outcome.score = body["status"], body["score"]
                    return outcome
                time.sleep(pause)
                pause = min(pause * 1.5, 1.0)
            outcome.status = "lost"
        except (requests.RequestException, RuntimeError, ValueError, KeyError) as exc:
            outcome.status, outcome.error = "error", str(exc)[:200]
        return outcome

    def steady(self, rate: float, seconds: float) -> list[Outcome]:
        count = max(1, round(rate * seconds))
        with ThreadPoolExecutor(max_workers=min(256, max(8, int(rate * 4) + 8))) as pool:
            futures = []
            start = time.monotonic()
            for index in range(count):
                delay = start + index / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(self.one, index))
            return [future.result() for future in futures]

    def burst(self, count: int) -> list[Outcome]:
        with ThreadPoolExecutor(max_workers=min(count, 128)) as pool:
            return list(pool.map(self.one, range(count)))


def report(outcomes: list[Outcome], stack: Stack, options: argparse.Namespace) -> dict[str, Any]:
    graded = [o for o in outcomes if o.status == "graded"]
    wrong = [
        o for o in graded
        if (o.right and abs((o.score or 0) - o.points) > 1e-6)
        or (not o.right and (o.score or 0) >= o.points)
    ]  # fmt: skip
    starts = [o.started_at for o in outcomes if o.started_at is not None]
    ends = [o.finished_at for o in graded if o.finished_at is not None]
    span = (max(ends) - min(starts)) if ends and starts else None
    end_to_end = [o.end_to_end_ms for o in graded if o.end_to_end_ms is not None]
    posts = [o.post_ms for o in outcomes if o.post_ms is not None]
    pages = [o.page_ms for o in outcomes if o.page_ms is not None]
    by_exercise: dict[str, list[float]] = {}
    for o in graded:
        by_exercise.setdefault(o.slug, []).append(o.end_to_end_ms or 0)
    return {
        "mode": options.mode,
        "rate_per_s": options.rate if options.mode == "steady" else None,
        "seconds": options.seconds if options.mode == "steady" else None,
        "students": len(stack.students),
        "web_workers": stack.web_workers,
        "grading_processes": stack.worker_processes,
        "cores": os.cpu_count(),
        # Other work on the machine shares these cores: the 1-minute load at the end.
        "load_average_1m": round(os.getloadavg()[0], 2),
        "submissions": len(outcomes),
        "graded": len(graded),
        "failed": sum(o.status == "failed" for o in outcomes),
        "lost": sum(o.status == "lost" for o in outcomes),
        "errors": sorted({o.error for o in outcomes if o.error})[:5],
        "wrong_scores": len(wrong),
        "throughput_per_s": round(len(graded) / span, 2) if span else None,
        "latency_ms": {
            "p50": percentile(end_to_end, 0.5),
            "p95": percentile(end_to_end, 0.95),
            "p99": percentile(end_to_end, 0.99),
            "mean": round(statistics.fmean(end_to_end), 1) if end_to_end else None,
        },
        "submit_post_ms": {"p50": percentile(posts, 0.5), "p95": percentile(posts, 0.95)},
        "exercise_page_ms": {"p50": percentile(pages, 0.5), "p95": percentile(pages, 0.95)},
        "latency_p50_ms_by_exercise": {
            slug: percentile(values, 0.5) for slug, values in sorted(by_exercise.items())
        },
    }


def scrape_metrics(stack: Stack) -> dict[str, float]:
    """A few series from the stack's own GET /metrics, as a cross-check of the counts."""
    text = requests.get(f"{stack.url}/metrics", timeout=30).text
    wanted = {}
    for line in text.splitlines():
        match = re.match(r'actquiz_verdicts_total\{kind="(\w+)",status="(\w+)"\} (\S+)', line)
        if match:
            wanted[f"verdicts_{match[1]}_{match[2]}"] = float(match[3])
        if line.startswith("actquiz_worker_last_heartbeat_age_seconds"):
            wanted["workers_beating"] = wanted.get("workers_beating", 0) + 1
    return wanted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("steady", "burst"), default="steady")
    parser.add_argument("--rate", type=float, default=4.0, help="steady: submissions per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="steady: duration")
    parser.add_argument("--count", type=int, default=100, help="burst: submissions")
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn processes")
    parser.add_argument(
        "--worker-processes", type=int, default=os.cpu_count() or 1, help="grading processes"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait per verdict")
    parser.add_argument("--poll", type=float, default=0.05, help="first pause between polls")
    options = parser.parse_args()
    random.seed(1)

    stack = Stack(web_workers=options.web_workers, worker_processes=options.worker_processes)
    try:
        stack.prepare(options.students)
        stack.start()
        load = Load(stack, timeout=options.timeout, poll=options.poll)
        load.log_in_everyone()
        # Warm-up: every grading process has started its sandbox (zygote, torch).
        load.burst(options.worker_processes * 2)
        outcomes = load.steady(options.rate, options.seconds) if options.mode == "steady" else (
            load.burst(options.count)
        )  # fmt: skip
        result = report(outcomes, stack, options)
        result["metrics"] = scrape_metrics(stack)
    finally:
        stack.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
