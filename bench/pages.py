"""Server-side cost of the pages on a course of realistic size; prints one JSON object.

Builds a throw-away SQLite database (never the project's), loads the catalog into one
course, enrols ``--students`` students with ``--attempts`` graded submissions on every
exercise, then renders each page ``--n`` times through Django's test client and reports
median and p95 milliseconds plus the number of SQL queries per render. The gradebook is
the page that grows with the course (students x exercises).

Usage: .venv/bin/python bench/pages.py [--students 200] [--attempts 3] [--n 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_env import use_plain_http_production_settings

ROOT = Path(__file__).resolve().parents[1]


def setup_django(database: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    use_plain_http_production_settings()
    import django

    django.setup()


def populate(students: int, attempts: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from exercises.models import Course, CourseExercise, Exercise, Membership, Submission

    call_command("migrate", verbosity=0)
    call_command("load_catalog", verbosity=0)
    course = Course.objects.create(slug="bench", title="Bench course")
    exercises = list(Exercise.objects.order_by("slug"))
    CourseExercise.objects.bulk_create(
        CourseExercise(course=course, exercise=e, position=i) for i, e in enumerate(exercises)
    )
    users = get_user_model()
    teacher = users.objects.create_user("teacher")
    Membership.objects.create(user=teacher, course=course, role=Membership.Role.INSTRUCTOR)
    people = users.objects.bulk_create(users(username=f"s{i:04d}") for i in range(students))
    Membership.objects.bulk_create(
        Membership(user=u, course=course, role=Membership.Role.STUDENT) for u in people
    )
    now = timezone.now()
    rows = [
        Submission(
            user=u, exercise=e, exercise_version=1, course=course, code="pass", seed=1,
            status=Submission.Status.GRADED, score=e.points * (n + 1) / (attempts + 1),
            max_score=e.points, attempt=n + 1, finished_at=now,
            tests=[{"name": "t", "passed": True, "points": 1.0, "max_points": 1.0,
                    "message": "ok", "hidden": False}],
        )
        for u in people for e in exercises for n in range(attempts)
    ]  # fmt: skip
    Submission.objects.bulk_create(rows, batch_size=2000)
    return {
        "teacher": teacher,
        "student": people[0],
        "submission": Submission.objects.filter(user=people[0]).first(),
        "exercises": len(exercises),
        "submissions": len(rows),
    }


def measure(client: Any, url: str, n: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = len(captured)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "queries": queries,
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="actquiz-bench-pages-") as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        from django.test import Client

        data = populate(args.students, args.attempts)
        # The settings allow only 127.0.0.1 and localhost; the test client says "testserver".
        student, teacher = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
        student.force_login(data["student"])
        teacher.force_login(data["teacher"])
        pages = {
            "course (student)": (student, "/courses/bench/"),
            "exercise sigmoid-numpy (student)": (
                student, "/courses/bench/exercises/sigmoid-numpy/"),
            "exercise activation-values (student, variant)": (
                student, "/courses/bench/exercises/activation-values/"),
            "submission (student)": (student, f"/submissions/{data['submission'].pk}/"),
            "gradebook (instructor)": (teacher, "/courses/bench/gradebook/"),
            "submissions waiting for review (instructor)": (
                teacher, "/courses/bench/submissions/?review=1"),
        }  # fmt: skip
        results = {name: measure(client, url, args.n) for name, (client, url) in pages.items()}
    print(
        json.dumps(
            {
                "students": args.students,
                "exercises": data["exercises"],
                "submissions": data["submissions"],
                "renders_per_page": args.n,
                "pages": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
