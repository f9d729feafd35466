"""Time of the instructor's reads by the course policy; prints one JSON object.

On a fresh database (SQLite in a temp dir, or a scratch PostgreSQL database whose
name ends in ``_bench`` given as DATABASE_URL): a course of S students and E catalog
exercises, each with a due date and a late penalty, every student with A graded
attempts per exercise (some late, a tenth waiting for review, 8 tests each). Then
times, as the course's instructor, R rounds of:

- gradebook_json: GET /api/v1/courses/{course}/gradebook/
- gradebook_csv:  GET /api/v1/courses/{course}/gradebook.csv
- gradebook_page: GET /courses/{course}/gradebook/
- analytics_json: GET /api/v1/courses/{course}/exercises/{slug}/analytics/
- analytics_page: GET /courses/{course}/exercises/{slug}/analytics/
- gradebook_selector: ``selectors.gradebook`` alone (queries and the policy, no JSON)

Usage: .venv/bin/python bench/gradebook.py [--students 300] [--exercises 10]
       [--attempts 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_env import use_plain_http_production_settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Set up the course, run the rounds, print the JSON report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--exercises", type=int, default=10)
    parser.add_argument("--attempts", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}")
    use_plain_http_production_settings()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone
    from rest_framework.test import APIClient

    from exercises.models import Course, CourseExercise, Exercise, Membership, Submission

    name = str(settings.DATABASES["default"]["NAME"])
    if not name.endswith(("bench.sqlite3", "_bench")):
        sys.exit("DATABASE_URL must name a scratch database ending in _bench: this bench writes")
    call_command("migrate", verbosity=0)
    call_command("load_catalog", verbosity=0)
    rng = random.Random(8)
    now = timezone.now()
    course = Course.objects.create(slug="bench", title="Bench")
    exercises = list(Exercise.objects.filter(kind="code").order_by("slug")[: options.exercises])
    for position, exercise in enumerate(exercises):
        CourseExercise.objects.create(
            course=course,
            exercise=exercise,
            position=position,
            due_at=now - timedelta(days=1),
            late_penalty_percent_per_day=10,
        )
    users = get_user_model()
    students = users.objects.bulk_create(
        [users(username=f"student{i:04d}", first_name="학생") for i in range(options.students)]
    )
    Membership.objects.bulk_create([Membership(user=u, course=course) for u in students])
    teacher = users.objects.create_user("bench-teacher")
    Membership.objects.create(user=teacher, course=course, role=Membership.Role.INSTRUCTOR)
    tests = [f"test_{i}" for i in range(8)]
    rows = []
    for student in students:
        for exercise in exercises:
            for attempt in range(1, options.attempts + 1):
                passed = [rng.random() < 0.3 + 0.2 * attempt for _ in tests]
                rows.append(
                    Submission(
                        user=student,
                        exercise=exercise,
                        exercise_version=exercise.version,
                        course=course,
                        code="pass",
                        seed=1,
                        status=Submission.Status.GRADED,
                        score=exercise.points * sum(passed) / len(tests),
                        max_score=exercise.points,
                        tests=[{"name": n, "passed": p} for n, p in zip(tests, passed)],
                        hints=[] if all(passed) else ["Check the sign of the exponent."],
                        needs_review=rng.random() < 0.1,
                        attempt=attempt,
                    )
                )
    Submission.objects.bulk_create(rows, batch_size=2000)
    # Spread the attempts over the three days around the due date.
    with transaction.atomic():
        for submission_id in Submission.objects.values_list("id", flat=True):
            Submission.objects.filter(pk=submission_id).update(
                created_at=now - timedelta(hours=rng.uniform(-24, 48))
            )

    api = APIClient()
    api.force_authenticate(teacher)
    page = Client()
    page.force_login(teacher)
    slug = exercises[0].slug
    calls = {
        "gradebook_json": (api, "/api/v1/courses/bench/gradebook/"),
        "gradebook_csv": (api, "/api/v1/courses/bench/gradebook.csv"),
        "gradebook_page": (page, "/courses/bench/gradebook/"),
        "analytics_json": (api, f"/api/v1/courses/bench/exercises/{slug}/analytics/"),
        "analytics_page": (page, f"/courses/bench/exercises/{slug}/analytics/"),
    }
    report: dict[str, Any] = {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "students": options.students,
        "exercises": len(exercises),
        "submissions": len(rows),
    }
    for label, (client, url) in calls.items():
        samples = []
        for _ in range(options.rounds):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        report[label] = {
            "median_ms": round(statistics.median(samples), 1),
            "max_ms": round(max(samples), 1),
            "bytes": len(response.content),
        }
    from exercises import selectors

    samples = []
    for _ in range(options.rounds):
        started = time.perf_counter()
        selectors.gradebook(course)
        samples.append((time.perf_counter() - started) * 1000)
    report["gradebook_selector"] = {"median_ms": round(statistics.median(samples), 1)}
    report["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
