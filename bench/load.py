"""Load and fault test of the real stack; prints one JSON object.

Starts everything itself (bench/load_stack.py): gunicorn with the production settings
(DEBUG off), one Celery worker with ``--worker-processes`` grading processes (default:
one per core) on a private queue, the requeue sweep, a Redis server of its own on a
private port (append-only, as compose runs it; never the shared one) and a fresh
PostgreSQL database. Then ``--students`` students, each logged in through the login
page, load the exercise page and submit through the API, mixed NumPy and PyTorch
exercises, right and wrong answers (the catalog's own), and wait for the verdict (steady:
long polls, ``?wait=``; a burst: shared pollers). Every score is checked: a right answer
must get the exercise's points, a wrong one less.

Modes:
  --mode steady --rate R --seconds S   R submissions per second for S seconds
  --mode burst --count N               N submissions posted at once, then polled
  --faults [F,F,...]                   during the run: kill-grading-process (SIGKILL a
                                       pool process), kill-worker (SIGKILL the whole
                                       worker, then start it again), restart-redis,
                                       restart-web (gunicorn), spread evenly over the
                                       run by verdicts received; default all but kill-worker
  --baseline                           the same submissions (code and seed) graded by a
                                       fresh interpreter each (``manage.py grade --json``),
                                       --worker-processes at a time, after the run

Reported: submissions, graded, lost (accepted, no verdict within --timeout), errors
(never accepted), duplicates (submissions the workers graded more than once, counted
from the worker's JSON logs), wrong_scores, throughput (graded per second, first POST
to last verdict), latency in ms from the POST to the API reporting ``graded``
(p50/p95/p99), the POST alone and the exercise page load, the faults with their time
from the start of the run, and the baseline.

Usage: .venv/bin/python bench/load.py --mode steady --rate 4 --seconds 30 [--students 20]
       .venv/bin/python bench/load.py --mode burst --count 1000 --faults --baseline
Environment: LOAD_DATABASE_SERVER (default postgres://postgres@127.0.0.1:5432; a database
is created there and dropped), LOAD_KEEP_LOGS=1 keeps the processes' logs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from load_stack import PASSWORD, PYTHON, ROOT, Stack, gradings_per_submission

CATALOG = ROOT / "exercises" / "catalog"
# NumPy and PyTorch, cheap and expensive speed probes alike.
EXERCISES = ("sigmoid-numpy", "relu-numpy", "softmax-numpy", "tanh-numpy", "relu-torch")
FAULTS = ("kill-grading-process", "restart-redis", "restart-web", "kill-grading-process")
FAULT_KINDS = ("kill-grading-process", "kill-worker", "restart-redis", "restart-web")
FINAL = ("graded", "failed")


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return round(ordered[index], 1)


def solutions() -> list[dict[str, Any]]:
    """Right and wrong answers from the catalog, with the score each must get."""
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


def score_is_right(right: bool, points: float, score: float | None) -> bool:
    if right:
        return abs((score or 0) - points) <= 1e-6
    return (score or 0) < points


def never_sent(exc: requests.ConnectionError) -> bool:
    """Whether the connection was refused, so the request never reached the server."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return "NewConnectionError" in type(reason).__name__ or "refused" in str(exc).lower()


def call(
    send: Callable[[], requests.Response], *, within: float, idempotent: bool
) -> requests.Response:
    """Send a request, again while the web tier is down (restarting), for ``within`` s.

    A read is sent again after any connection error; a write only when it was refused
    (never received), so a retry cannot submit twice.
    """
    deadline = time.monotonic() + within
    pause = 0.2
    while True:
        try:
            response = send()
        except requests.ConnectionError as exc:
            if not (idempotent or never_sent(exc)) or time.monotonic() > deadline:
                raise
        except requests.Timeout:
            if not idempotent or time.monotonic() > deadline:
                raise
        else:
            unavailable = idempotent and response.status_code in (502, 503, 504)
            if not unavailable or time.monotonic() > deadline:
                return response
        time.sleep(pause)
        pause = min(pause * 1.5, 2.0)


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
    code: str
    token: str = ""
    detail_url: str = ""
    submission_id: int | None = None
    seed: int | None = None
    post_ms: float | None = None
    page_ms: float | None = None
    end_to_end_ms: float | None = None
    # From the POST leaving to the verdict stored (the server's finished_at): what a
    # client would see without polling's granularity (same machine, same clock).
    stored_ms: float | None = None
    posted_wall: float | None = None
    status: str = "unsent"
    score: float | None = None
    began: float | None = None
    deadline: float = 0.0
    finished_at: float | None = None
    error: str = ""


def stored_after_post_ms(posted_wall: float | None, finished_at: str | None) -> float | None:
    """Milliseconds from ``posted_wall`` (time.time()) to the ISO ``finished_at``."""
    if posted_wall is None or not finished_at:
        return None
    finished = datetime.fromisoformat(finished_at).timestamp()
    return (finished - posted_wall) * 1000


class Load:
    def __init__(self, stack: Stack, *, timeout: float, poll: float, long_poll: float) -> None:
        self.stack = stack
        self.timeout = timeout
        self.poll = poll
        self.long_poll = long_poll
        self.course = stack.credentials["course"]
        self.students = [Student(s["username"], s["token"]) for s in stack.students]
        self.answers = solutions()
        self.finished = 0
        self._finished_lock = threading.Lock()

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

    def _finish(self, outcome: Outcome, status: str) -> None:
        outcome.status = status
        with self._finished_lock:
            self.finished += 1

    def submit(self, index: int) -> Outcome:
        """Load the exercise page, then POST the submission (the student's click)."""
        student = self.students[index % len(self.students)]
        answer = self.answers[index % len(self.answers)]
        outcome = Outcome(
            answer["slug"], answer["right"], answer["points"], answer["code"], student.token
        )
        url = self.stack.url
        try:
            with student.lock:  # a requests.Session is not shared between threads
                began = time.perf_counter()
                page = call(
                    lambda: student.session.get(
                        f"{url}/courses/{self.course}/exercises/{answer['slug']}/", timeout=60
                    ),
                    within=self.timeout,
                    idempotent=True,
                )
                outcome.page_ms = (time.perf_counter() - began) * 1000
            if page.status_code != 200:
                raise RuntimeError(f"page HTTP {page.status_code}")
            outcome.began = time.monotonic()
            outcome.posted_wall = time.time()
            began = time.perf_counter()
            response = call(
                lambda: requests.post(
                    f"{url}/api/v1/exercises/{answer['slug']}/submissions/",
                    json={"code": answer["code"], "course": self.course},
                    headers={"Authorization": f"Token {student.token}"},
                    timeout=60,
                ),
                within=self.timeout,
                idempotent=False,
            )
            outcome.post_ms = (time.perf_counter() - began) * 1000
            if response.status_code != 202:
                raise RuntimeError(f"submit HTTP {response.status_code}: {response.text[:200]}")
            body = response.json()
            outcome.detail_url, outcome.submission_id = body["url"], body["id"]
            outcome.deadline = outcome.began + self.timeout
            outcome.status = "pending"
        except (requests.RequestException, RuntimeError, ValueError, KeyError) as exc:
            outcome.error = str(exc)[:200]
            self._finish(outcome, "error")
        return outcome

    def check(self, outcome: Outcome, *, wait: float = 0.0) -> bool:
        """Poll once (``wait`` > 0: a long poll); True when the outcome is settled."""
        try:
            response = call(
                lambda: requests.get(
                    outcome.detail_url,
                    # One answer per submission: the verdict, not the start of grading.
                    params={"wait": wait, "until": "finished"} if wait else None,
                    headers={"Authorization": f"Token {outcome.token}"},
                    timeout=60,
                ),
                within=max(1.0, outcome.deadline - time.monotonic()),
                idempotent=True,
            )
            body = response.json()
        except (requests.RequestException, ValueError):
            body = {}
        if body.get("status") in FINAL:
            outcome.finished_at = time.monotonic()
            outcome.end_to_end_ms = (outcome.finished_at - (outcome.began or 0)) * 1000
            outcome.score, outcome.seed = body.get("score"), body.get("seed")
            outcome.stored_ms = stored_after_post_ms(outcome.posted_wall, body.get("finished_at"))
            self._finish(outcome, body["status"])
            return True
        if time.monotonic() > outcome.deadline:
            self._finish(outcome, "lost")
            return True
        return False

    def one(self, index: int) -> Outcome:
        """Submit, then wait until settled: long polls (``?wait=``), or with
        ``--long-poll 0`` polls backing off x1.5 up to 1 s."""
        outcome = self.submit(index)
        pause = self.poll
        while outcome.status == "pending":
            began = time.monotonic()
            if self.check(outcome, wait=self.long_poll):
                break
            # A long poll the server answered at once (no waiting slot free) is
            # followed by the client's own backoff, as a plain poll is.
            if time.monotonic() - began < self.long_poll / 2 or not self.long_poll:
                time.sleep(pause)
                pause = min(pause * 1.5, 1.0)
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

    def burst(self, count: int, *, posters: int = 32, pollers: int = 8) -> list[Outcome]:
        """Post ``count`` submissions as fast as the web tier takes them; poll meanwhile.

        A few pollers each go round their share of the pending submissions at most once
        a second: a burst of 1,000 students polling each on their own would measure the
        pollers, not the grading.
        """
        outcomes: list[Outcome] = []
        lock = threading.Lock()
        posting_done = threading.Event()

        def post(index: int) -> None:
            outcome = self.submit(index)
            with lock:
                outcomes.append(outcome)

        def poller(share: int) -> None:
            while True:
                began = time.monotonic()
                with lock:
                    mine = [
                        o for i, o in enumerate(outcomes)
                        if i % pollers == share and o.status == "pending"
                    ]  # fmt: skip
                if not mine and posting_done.is_set():
                    return
                for outcome in mine:
                    self.check(outcome)
                time.sleep(max(0.05, 1.0 - (time.monotonic() - began)))

        poll_threads = [threading.Thread(target=poller, args=(k,)) for k in range(pollers)]
        for thread in poll_threads:
            thread.start()
        with ThreadPoolExecutor(max_workers=min(count, posters)) as pool:
            list(pool.map(post, range(count)))
        posting_done.set()
        for thread in poll_threads:
            thread.join()
        return outcomes


class FaultInjector(threading.Thread):
    """Fires each fault when that share of the run's verdicts is in (1/(n+1), 2/(n+1), ...)."""

    def __init__(self, stack: Stack, load: Load, kinds: list[str], total: int) -> None:
        super().__init__(daemon=True)
        self.stack, self.load, self.kinds, self.total = stack, load, kinds, total
        self.records: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self.stop = threading.Event()

    def run(self) -> None:
        actions = {
            "kill-grading-process": self.stack.kill_grading_process,
            "kill-worker": self.stack.kill_worker,
            "restart-redis": self.stack.restart_redis,
            "restart-web": self.stack.restart_web,
        }
        for number, kind in enumerate(self.kinds, start=1):
            threshold = self.total * number / (len(self.kinds) + 1)
            while self.load.finished < threshold:
                if self.stop.wait(0.1):
                    return
            at = round(time.monotonic() - self.started, 2)
            try:
                record = actions[kind]()
            except Exception as exc:  # noqa: BLE001 - a fault that failed is reported
                record = {"fault": kind, "error": f"{type(exc).__name__}: {exc}"[:300]}
            self.records.append({"at_s": at, "verdicts_before": self.load.finished, **record})


def baseline(stack: Stack, outcomes: list[Outcome], count: int, parallel: int) -> dict[str, Any]:
    """Grade the first ``count`` graded submissions again, each in a fresh interpreter.

    ``manage.py grade SLUG FILE --json --seed SEED`` per submission (Django, the engine
    and a new sandbox started every time), ``parallel`` at a time.
    """
    sample = [o for o in outcomes if o.status == "graded"][:count]
    folder = Path(tempfile.mkdtemp(dir=stack.workdir))

    def grade(item: tuple[int, Outcome]) -> tuple[float, float | None]:
        number, outcome = item
        path = folder / f"{number}.py"
        path.write_text(outcome.code)
        began = time.perf_counter()
        result = subprocess.run(
            [PYTHON, "manage.py", "grade", outcome.slug, str(path), "--json",
             "--seed", str(outcome.seed or 0)],
            cwd=ROOT, env=stack.env, capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        elapsed = (time.perf_counter() - began) * 1000
        try:
            return elapsed, float(json.loads(result.stdout)["score"])
        except (ValueError, KeyError, TypeError):
            return elapsed, None

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(grade, enumerate(sample)))
    span = time.monotonic() - began
    times = [elapsed for elapsed, _ in results]
    graded = [(o, score) for o, (_, score) in zip(sample, results) if score is not None]
    return {
        "how": "manage.py grade SLUG FILE --json --seed SEED, one fresh interpreter each",
        "parallel": parallel,
        "submissions": len(sample),
        "graded": len(graded),
        "wrong_scores": sum(not score_is_right(o.right, o.points, s) for o, s in graded),
        "throughput_per_s": round(len(graded) / span, 2) if span else None,
        "latency_ms": {
            "p50": percentile(times, 0.5),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
        },
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def report(outcomes: list[Outcome], stack: Stack, options: argparse.Namespace) -> dict[str, Any]:
    graded = [o for o in outcomes if o.status == "graded"]
    wrong = [o for o in graded if not score_is_right(o.right, o.points, o.score)]
    starts = [o.began for o in outcomes if o.began is not None]
    ends = [o.finished_at for o in graded if o.finished_at is not None]
    span = (max(ends) - min(starts)) if ends and starts else None
    end_to_end = [o.end_to_end_ms for o in graded if o.end_to_end_ms is not None]
    stored = [o.stored_ms for o in graded if o.stored_ms is not None]
    posts = [o.post_ms for o in outcomes if o.post_ms is not None]
    pages = [o.page_ms for o in outcomes if o.page_ms is not None]
    by_exercise: dict[str, list[float]] = {}
    for o in graded:
        by_exercise.setdefault(o.slug, []).append(o.end_to_end_ms or 0)
    gradings = gradings_per_submission(stack)
    ours = [o.submission_id for o in outcomes if o.submission_id is not None]
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
        "errors": sum(o.status == "error" for o in outcomes),
        "error_messages": sorted({o.error for o in outcomes if o.error})[:5],
        # None: the worker logs held no grading record, so nothing could be counted.
        "duplicates": None
        if gradings is None
        else sum(gradings.get(submission_id, 0) > 1 for submission_id in ours),
        "gradings_run": None if gradings is None else sum(gradings.get(i, 0) for i in ours),
        "wrong_scores": len(wrong),
        "throughput_per_s": round(len(graded) / span, 2) if span else None,
        "latency_ms": {
            "p50": percentile(end_to_end, 0.5),
            "p95": percentile(end_to_end, 0.95),
            "p99": percentile(end_to_end, 0.99),
            "mean": round(statistics.fmean(end_to_end), 1) if end_to_end else None,
        },
        # How the students waited: long polls in steady mode (the response is the
        # verdict's arrival), a few shared pollers going round once a second in a burst.
        "waiting": (
            f"long poll ?wait={options.long_poll:g}&until=finished"
            if options.mode == "steady" and options.long_poll
            else "polls"
        ),
        # latency_ms is as the client saw it; this is from the POST to the verdict
        # stored (the server's clock), however the client waited.
        "stored_after_post_ms": {
            "p50": percentile(stored, 0.5),
            "p95": percentile(stored, 0.95),
            "p99": percentile(stored, 0.99),
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
    wanted: dict[str, float] = {}
    for line in text.splitlines():
        match = re.match(r'actquiz_verdicts_total\{kind="(\w+)",status="(\w+)"\} (\S+)', line)
        if match:
            wanted[f"verdicts_{match[1]}_{match[2]}"] = float(match[3])
        match = re.match(r"actquiz_deliveries_retried_total\{[^}]*\} (\S+)", line)
        if match:
            wanted["deliveries_retried"] = wanted.get("deliveries_retried", 0) + float(match[1])
        if line.startswith("actquiz_worker_last_heartbeat_age_seconds"):
            wanted["workers_beating"] = wanted.get("workers_beating", 0) + 1
    return wanted


def fault_list(text: str) -> list[str]:
    kinds = [kind.strip() for kind in text.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(FAULT_KINDS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown faults {unknown}; known: {FAULT_KINDS}")
    return kinds


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
    parser.add_argument(
        "--faults", type=fault_list, nargs="?", const=list(FAULTS), default=[],
        help=f"faults during the run, comma-separated from {', '.join(FAULT_KINDS)}",
    )  # fmt: skip
    parser.add_argument("--baseline", action="store_true", help="fresh-interpreter baseline")
    parser.add_argument("--baseline-count", type=int, default=40, help="baseline: submissions")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per verdict")
    parser.add_argument("--poll", type=float, default=0.05, help="first pause between polls")
    parser.add_argument(
        "--long-poll", type=float, default=10.0,
        help="steady: each poll waits up to this long for the verdict (?wait=); 0: plain polls",
    )  # fmt: skip
    options = parser.parse_args()
    random.seed(1)

    stack = Stack(web_workers=options.web_workers, worker_processes=options.worker_processes)
    try:
        stack.prepare(options.students)
        stack.start()
        load = Load(
            stack, timeout=options.timeout, poll=options.poll, long_poll=options.long_poll
        )
        load.log_in_everyone()
        # Warm-up: every grading process has started its sandbox (zygote, torch).
        warm_up = [load.one(index) for index in range(options.worker_processes * 2)]
        load.finished = 0
        total = round(options.rate * options.seconds) if options.mode == "steady" else (
            options.count
        )  # fmt: skip
        injector = FaultInjector(stack, load, options.faults, max(1, total))
        injector.start()
        outcomes = load.steady(options.rate, options.seconds) if options.mode == "steady" else (
            load.burst(options.count)
        )  # fmt: skip
        injector.stop.set()
        injector.join()
        result = report(outcomes, stack, options)
        result["warm_up_graded"] = sum(o.status == "graded" for o in warm_up)
        result["faults"] = injector.records
        result["metrics"] = scrape_metrics(stack)
        if options.baseline:
            result["baseline"] = baseline(
                stack, outcomes, options.baseline_count, options.worker_processes
            )
    finally:
        stack.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
