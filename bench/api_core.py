"""Latency of the web tier's own work, in process; prints one JSON object.

On a fresh database (SQLite in a temp dir, or a scratch PostgreSQL database whose
name ends in ``_bench`` given as DATABASE_URL) and
the real Redis at REDIS_URL (a private queue, deleted afterwards), times N rounds of:

- submit:  POST /api/v1/exercises/sigmoid-numpy/submissions/ (validate, insert,
           commit, send the task to Redis)
- started: POST .../started/ as the grader account
- result:  POST .../result/ with a full verdict
- read:    GET /api/v1/submissions/{id}/ as the student
- gradebook: GET /api/v1/courses/{slug}/gradebook/ once the N submissions exist

No worker runs: the numbers are the web tier's share of one submission's life.

Usage: .venv/bin/python bench/api_core.py [--n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_env import use_plain_http_production_settings

ROOT = Path(__file__).resolve().parents[1]


def timed(samples: list[float], call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``call(*args, **kwargs)``, append its wall time in ms to ``samples``; returns it."""
    started = time.perf_counter()
    result = call(*args, **kwargs)
    samples.append((time.perf_counter() - started) * 1000)
    return result


def summary(samples: list[float]) -> dict[str, float]:
    """Median and 95th percentile of ``samples`` (ms), rounded."""
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def main() -> None:
    """Set up a database, run the rounds, print the JSON report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    options = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}")
    os.environ["ACTQUIZ_SUBMISSION_RATE"] = "100000/min"
    os.environ["ACTQUIZ_GRADING_QUEUE"] = f"bench-{uuid.uuid4().hex[:10]}"
    use_plain_http_production_settings()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from apitokens.services import token_create
    from exercises.models import Course, CourseExercise, Exercise, Membership

    name = str(settings.DATABASES["default"]["NAME"])
    if not name.endswith(("bench.sqlite3", "_bench")):
        sys.exit("DATABASE_URL must name a scratch database ending in _bench: this bench writes")
    call_command("migrate", verbosity=0)
    call_command("load_catalog", verbosity=0)
    course = Course.objects.create(slug="bench", title="Bench")
    exercise = Exercise.objects.get(slug="sigmoid-numpy")
    CourseExercise.objects.create(course=course, exercise=exercise)
    users = get_user_model()
    student = users.objects.create_user("bench-student")
    Membership.objects.create(user=student, course=course)
    grader = users.objects.create_user("bench-grader")
    grader.groups.add(Group.objects.get_or_create(name=settings.ACTQUIZ_GRADER_GROUP)[0])

    def client(user: Any) -> APIClient:
        api = APIClient()
        secret = token_create(user=user, name="bench", expires_at=None).secret
        api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return api

    as_student, as_grader = client(student), client(grader)
    code = (ROOT / "exercises/catalog/sigmoid-numpy/reference.py").read_text(encoding="utf-8")
    samples: dict[str, list[float]] = {"submit": [], "started": [], "result": [], "read": []}
    for _ in range(options.n):
        response = timed(
            samples["submit"],
            as_student.post,
            "/api/v1/exercises/sigmoid-numpy/submissions/",
            {"code": code},
            format="json",
        )
        assert response.status_code == 202, response.content
        sid = response.json()["id"]
        timed(
            samples["started"],
            as_grader.post,
            f"/api/v1/submissions/{sid}/started/",
            {"grading_attempt": 1},
            format="json",
        )
        verdict = {
            "exercise": "sigmoid-numpy",
            "status": "graded",
            "score": 10.0,
            "max_score": 10.0,
            "tests": [
                {"name": f"t{i}", "passed": True, "points": 1.0, "max_points": 1.0, "message": ""}
                for i in range(10)
            ],
            "error": None,
            "hints": [],
        }
        result = timed(
            samples["result"],
            as_grader.post,
            f"/api/v1/submissions/{sid}/result/",
            {"grading_attempt": 1, "verdict": verdict},
            format="json",
        )
        assert result.status_code == 200, result.content
        timed(samples["read"], as_student.get, f"/api/v1/submissions/{sid}/")
    teacher = users.objects.create_user("bench-teacher")
    Membership.objects.create(user=teacher, course=course, role="instructor")
    as_teacher = client(teacher)
    gradebook: list[float] = []
    for _ in range(20):
        timed(gradebook, as_teacher.get, "/api/v1/courses/bench/gradebook/")
    queued = redis.Redis.from_url(settings.REDIS_URL).delete(settings.ACTQUIZ_GRADING_QUEUE)
    report = {
        "n": options.n,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "loadavg_at_start": os.getloadavg()[0],
        **{name: summary(values) for name, values in samples.items()},
        f"gradebook_{options.n}_submissions": summary(gradebook),
        "tasks_sent_to_redis": bool(queued),
    }
    print(json.dumps(report, indent=2))
    tmp.cleanup()


if __name__ == "__main__":
    main()
