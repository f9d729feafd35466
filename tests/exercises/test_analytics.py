"""Exercise analytics in a course: the numbers, the JSON API and the page with its plot."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from exercises import analytics, services
from exercises.models import Course, Exercise, Membership, Submission

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/courses/act101/exercises/sigmoid-numpy/analytics/"
PAGE_URL = "/courses/act101/exercises/sigmoid-numpy/analytics/"


def graded(
    user: AbstractBaseUser, exercise: Exercise, course: Course, tests: list[tuple[str, bool]]
) -> Submission:
    """A graded attempt whose score is the share of ``tests`` passed (10 points each run)."""
    submission = services.submission_create(
        user=user, exercise=exercise, code="def sigmoid(x):\n    return x\n", course=course
    )
    passed = sum(1 for _, ok in tests if ok)
    score = exercise.points * passed / len(tests)
    verdict = {
        "exercise": exercise.slug,
        "status": "graded",
        "score": score,
        "max_score": exercise.points,
        "tests": [
            {"name": name, "passed": ok, "points": 1.0 if ok else 0.0, "max_points": 1.0}
            for name, ok in tests
        ],
        "error": None,
        "hints": [] if score == exercise.points else ["Use np.exp for the exponential."],
        "needs_review": False,
    }
    services.submission_record_result(
        submission_id=submission.id, grading_attempt=1, verdict=verdict
    )
    return submission


@pytest.fixture
def results(
    student: AbstractBaseUser,
    other_student: AbstractBaseUser,
    make_user: Callable[..., AbstractBaseUser],
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
) -> dict[str, Any]:
    carol = make_user("carol", course=course)
    make_user("dave", course=course)  # enrolled, never submitted
    # alice: full marks on her 3rd attempt; bob: on his 1st; carol never.
    graded(student, sigmoid, course, [("shape", True), ("values", False), ("large", False)])
    graded(student, sigmoid, course, [("shape", True), ("values", True), ("large", False)])
    graded(student, sigmoid, course, [("shape", True), ("values", True), ("large", True)])
    graded(other_student, sigmoid, course, [("shape", True), ("values", True), ("large", True)])
    graded(carol, sigmoid, course, [("shape", False), ("values", False), ("large", False)])
    # An instructor's try is not a student's result.
    graded(instructor, sigmoid, course, [("shape", False), ("values", False), ("large", False)])
    return {"carol": carol}


def test_the_histogram_bins_scores_with_the_maximum_in_the_last_bin() -> None:
    bins = analytics.histogram([0.0, 0.5, 1.0, 9.99, 10.0], 10.0)
    assert len(bins) == 10
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[0]["label"] == "0–1" and bins[-1]["label"] == "9–10"
    assert [b["count"] for b in analytics.histogram([], 5.0)] == [0] * 10


def test_the_analytics_count_students_tests_hints_and_attempts_to_full_marks(
    results: dict[str, Any], sigmoid: Exercise, course: Course
) -> None:
    from exercises.models import CourseExercise

    data = analytics.exercise_analytics(CourseExercise.objects.get(course=course, exercise=sigmoid))
    assert (data["students"], data["attempted"]) == (4, 3)
    counts = {b["label"]: b["count"] for b in data["histogram"]}
    assert counts["9–10"] == 2 and counts["0–1"] == 1
    rates = {t["name"]: (t["passed"], t["attempts"]) for t in data["tests"]}
    assert rates == {"shape": (4, 5), "values": (3, 5), "large": (2, 5)}
    assert data["failing_tests"][0] == {"name": "large", "failures": 3}
    assert data["hints"] == [{"hint": "Use np.exp for the exponential.", "count": 3}]
    # alice needed 3 attempts, bob 1: the median is 2.
    assert (data["median_attempts_to_full_marks"], data["students_with_full_marks"]) == (2, 2)
    alice = next(t for t in data["timelines"] if t["username"] == "alice")
    assert [a["attempt"] for a in alice["attempts"]] == [1, 2, 3]
    assert [a["version"] for a in alice["attempts"]] == [sigmoid.version] * 3
    assert alice["attempts"][0]["submitted_at_text"].endswith("UTC (UTC+00:00)")
    assert "teacher" not in {t["username"] for t in data["timelines"]}


def test_the_analytics_api_is_for_instructors_of_the_course(
    results: dict[str, Any],
    instructor: AbstractBaseUser,
    student: AbstractBaseUser,
    outsider: AbstractBaseUser,
    client_for: Callable,
) -> None:
    response = client_for(instructor).get(API_URL)
    assert response.status_code == 200
    assert response.json()["median_attempts_to_full_marks"] == 2
    assert client_for(student).get(API_URL).status_code == 403
    assert client_for(outsider).get(API_URL).status_code == 404
    missing = "/api/v1/courses/act101/exercises/nope/analytics/"
    assert client_for(instructor).get(missing).status_code == 404


def test_the_analytics_page_draws_the_histogram_as_an_accessible_svg(
    results: dict[str, Any], instructor: AbstractBaseUser, student: AbstractBaseUser
) -> None:
    client = Client()
    client.force_login(instructor)
    page = client.get(PAGE_URL).content.decode()
    svg = re.search(r'<svg id="histogram".*?</svg>', page, flags=re.DOTALL).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="histogram-svg-title histogram-svg-desc"' in svg
    assert "9–10 points: 2 students" in svg
    assert svg.count('<rect class="bar"') == 10
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]*height="([\d.]+)"', svg)]
    assert max(heights) > 0 and heights.count(0.0) == 8
    assert 'data-test="large"' in page
    assert 'data-student="alice"' in page
    learner = Client()
    learner.force_login(student)
    assert learner.get(PAGE_URL).status_code == 404


def test_the_gradebook_links_each_exercise_to_its_analytics(
    instructor: AbstractBaseUser, student: AbstractBaseUser, sigmoid: Exercise
) -> None:
    client = Client()
    client.force_login(instructor)
    page = client.get("/courses/act101/gradebook/").content.decode()
    assert f'href="{PAGE_URL}"' in page


def test_an_exercise_nobody_tried_has_empty_analytics(
    instructor: AbstractBaseUser, student: AbstractBaseUser, sigmoid: Exercise, client_for: Callable
) -> None:
    body = client_for(instructor).get(API_URL).json()
    assert body["attempted"] == 0 and body["median_attempts_to_full_marks"] is None
    assert body["tests"] == [] and sum(b["count"] for b in body["histogram"]) == 0
    client = Client()
    client.force_login(instructor)
    assert client.get(PAGE_URL).status_code == 200
    assert Membership.objects.filter(role="student").count() == 1
