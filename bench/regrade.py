"""Time to regrade N graded submissions of one exercise on a real worker; prints JSON.

Starts its own web tier (gunicorn) on a fresh database (SQLite by default, or the
empty PostgreSQL database given with --database-url), one real Celery worker on a
private queue, and uses Redis at REDIS_URL. It stores N graded sigmoid-numpy
submissions of the demo course (students x attempts, half of them off by one part in
ten million), tightens the tolerance of the course examples (a new version), and as
the demo instructor POSTs one regrade of the course, then polls the job until done.

- post_ms:       the POST round trip: scope query, bulk UPDATE and INSERT, commit,
                 and sending every task to Redis (all inside the web request)
- queued_after_post: tasks waiting in Redis when the POST returned
- wall_s:        POST until the job's GET says done (every result written back)
- per_second:    submissions regraded per second over wall_s
- changed:       scores the new version changed (half of N expected)

Usage: .venv/bin/python bench/regrade.py [--n 1000] [--concurrency 1] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.end_to_end import ROOT, free_port, manage, start, stop

SLUG = "sigmoid-numpy"
ATTEMPTS_PER_STUDENT = 5
EXACT = (ROOT / "exercises/catalog/sigmoid-numpy/reference.py").read_text()


def almost(code: str) -> str:
    """The reference scaled by (1 - 1e-7): full marks until the tolerance is tightened."""
    return code + "\n\n_exact = sigmoid\n\n\ndef sigmoid(x):\n    return _exact(x) * (1 - 1e-7)\n"


def seed_submissions(env: dict[str, str], n: int) -> None:
    """Store ``n`` graded submissions straight in the database, then tighten the exercise."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from exercises.models import Course, Exercise, Membership, Submission

    exercise = Exercise.objects.get(slug=SLUG)
    course = Course.objects.get(slug="demo")
    students = -(-n // ATTEMPTS_PER_STUDENT)
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench-{i:04d}") for i in range(students)]
    )
    Membership.objects.bulk_create([Membership(user=user, course=course) for user in users])
    rows = []
    for index in range(n):
        user = users[index // ATTEMPTS_PER_STUDENT]
        verdict = {"exercise": SLUG, "status": "graded", "score": 10.0, "max_score": 10.0}
        rows.append(
            Submission(
                user=user,
                exercise=exercise,
                exercise_version=exercise.version,
                course=course,
                code=EXACT if index % 2 == 0 else almost(EXACT),
                seed=index,
                status=Submission.Status.GRADED,
                score=10.0,
                max_score=10.0,
                verdict={**verdict, "tests": [], "hints": [], "error": None},
                attempt=index % ATTEMPTS_PER_STUDENT + 1,
            )
        )
    Submission.objects.bulk_create(rows, batch_size=500)
    spec = exercise.spec
    for test in spec["tests"]:
        if test["name"] == "course_values":
            test["rtol"], test["atol"] = 1e-9, 0.0
    exercise.spec = spec
    exercise.version += 1
    exercise.edited_in_product = True
    exercise.save(update_fields=["spec", "version", "edited_in_product"])


def wait_until_up(base: str) -> None:
    deadline = time.time() + 60
    while True:
        try:
            requests.get(f"{base}/api/v1/", timeout=10)
            return
        except requests.RequestException:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="submissions to regrade")
    parser.add_argument("--concurrency", type=int, default=1, help="worker processes")
    parser.add_argument("--database-url", help="an empty database (default: fresh SQLite)")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="actquiz-bench-regrade-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    queue = f"bench-regrade-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "actquiz.settings",
        "DEBUG": "1",
        "DATABASE_URL": options.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "ACTQUIZ_GRADING_QUEUE": queue,
        "ACTQUIZ_API_URL": base,
        "LOG_LEVEL": "WARNING",
    }
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_catalog", "-v", "0")
    creds = json.loads(manage(env, "demo_setup", "--json"))
    env["ACTQUIZ_GRADER_TOKEN"] = creds["grader"]["token"]
    teacher = {"Authorization": f"Token {creds['instructor']['token']}"}
    seed_submissions(env, options.n)

    broker = redis.Redis.from_url(env["REDIS_URL"])
    lists = [queue, f"{queue}\x06\x169"]
    web = start(
        [sys.executable, "-m", "gunicorn", "actquiz.wsgi", "-b", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4"],
        env, workdir / "web.log",
    )  # fmt: skip
    worker = start(
        [sys.executable, "-m", "celery", "-A", "actquiz", "worker", "-Q", queue,
         "--concurrency", str(options.concurrency), "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING"],
        env, workdir / "worker.log",
    )  # fmt: skip
    try:
        wait_until_up(base)
        # The worker's sandbox starts (~2 s) before the clock does.
        time.sleep(5)
        began = time.time()
        response = requests.post(
            f"{base}/api/v1/exercises/{SLUG}/regrade/",
            json={"course": "demo"},
            headers=teacher,
            timeout=600,
        )
        posted = time.time()
        queued = sum(int(broker.llen(name)) for name in lists)
        if response.status_code != 202:
            sys.exit(f"regrade refused: {response.status_code} {response.text}")
        job: dict[str, Any] = response.json()
        while job["status"] != "done":
            if time.time() - began > 3600:
                sys.exit(f"regrade not done within an hour: {job['done']}/{job['total']}")
            time.sleep(0.5)
            job = requests.get(job["url"], headers=teacher, timeout=60).json()
        finished = time.time()
        wall = finished - began
        print(
            json.dumps(
                {
                    "n": options.n,
                    "exercise": SLUG,
                    "database": "postgresql" if options.database_url else "sqlite",
                    "worker_processes": options.concurrency,
                    "cores": os.cpu_count(),
                    "post_ms": round((posted - began) * 1000, 1),
                    "queued_after_post": queued,
                    "wall_s": round(wall, 1),
                    "per_second": round(options.n / wall, 2),
                    "total": job["total"],
                    "done": job["done"],
                    "changed": job["changed"],
                    "failed": job["failed"],
                },
                indent=2,
            )
        )
    finally:
        stop(worker)
        stop(web)
        broker.delete(*lists)


if __name__ == "__main__":
    main()
