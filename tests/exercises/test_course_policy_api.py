"""The course policy through the API and the pages: editing it, enforcing it, showing it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone

from exercises import services
from exercises.models import Course, CourseExercise, Exercise, Membership, Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db

POLICY_URL = "/api/v1/courses/act101/exercises/sigmoid-numpy/"


def set_policy(exercise: Exercise, course: Course, **fields: Any) -> None:
    CourseExercise.objects.filter(course=course, exercise=exercise).update(**fields)


def backdate(submission_id: int, when: Any) -> None:
    Submission.objects.filter(pk=submission_id).update(created_at=when)


def test_an_instructor_reads_the_default_policy(
    instructor: AbstractBaseUser, sigmoid: Exercise, client_for: Callable[..., Any]
) -> None:
    body = client_for(instructor).get(POLICY_URL).json()
    assert body["exercise"] == "sigmoid-numpy" and body["course"] == "act101"
    assert body["opens_at"] is None and body["due_at"] is None
    assert body["counted_attempt"] == "best" and body["attempt_limit"] is None
    assert body["time_zone"] == "UTC"


def test_an_instructor_sets_dates_with_offsets_and_reads_them_back_in_the_site_zone(
    instructor: AbstractBaseUser, sigmoid: Exercise, course: Course, client_for: Callable
) -> None:
    response = client_for(instructor).patch(
        POLICY_URL,
        {
            "opens_at": "2026-12-01T09:00:00+09:00",
            "due_at": "2026-12-10T23:59:00+09:00",
            "late_penalty_percent_per_day": 10,
            "attempt_limit": 3,
            "counted_attempt": "last_before_due",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["due_at"] == "2026-12-10T14:59:00+00:00"
    assert body["due_at_text"] == "2026-12-10 14:59 UTC (UTC+00:00)"
    offering = CourseExercise.objects.get(course=course, exercise=sigmoid)
    assert (offering.attempt_limit, offering.late_penalty_percent_per_day) == (3, 10.0)
    # A partial change keeps everything else.
    body = client_for(instructor).patch(POLICY_URL, {"attempt_limit": None}, format="json").json()
    assert body["attempt_limit"] is None and body["counted_attempt"] == "last_before_due"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_at": "2026-12-10T23:59:00"}, "due_at"),
        ({"due_at": "next friday"}, "due_at"),
        ({"due_at": 1765000000}, "due_at"),
        ({"due_at": "0001-01-01T00:00:00+05:00"}, "due_at"),
        ({"due_at": "9999-12-31T23:59:59-05:00"}, "due_at"),
        ({"opens_at": "2026-12-11T00:00:00Z", "due_at": "2026-12-10T00:00:00Z"}, "due_at"),
        (
            {"due_at": "2026-12-10T00:00:00Z", "late_penalty_percent_per_day": 150},
            "late_penalty_percent_per_day",
        ),
        (
            {"due_at": "2026-12-10T00:00:00Z", "late_penalty_percent_per_day": -5},
            "late_penalty_percent_per_day",
        ),
        ({"late_penalty_percent_per_day": 10}, "late_penalty_percent_per_day"),
        ({"retry_penalty_percent": 20}, "retry_penalty_percent"),
        ({"attempt_limit": 0}, "attempt_limit"),
        ({"attempt_limit": "three"}, "attempt_limit"),
        ({"counted_attempt": "worst"}, "counted_attempt"),
        ({"points": 100}, "points"),
    ],
)
def test_an_invalid_policy_is_refused_field_by_field_and_nothing_changes(
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    client_for: Callable,
    body: dict[str, Any],
    field: str,
) -> None:
    response = client_for(instructor).patch(POLICY_URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"], error
    offering = CourseExercise.objects.get(course=course, exercise=sigmoid)
    assert offering.due_at is None and offering.late_penalty_percent_per_day == 0


def test_a_body_that_is_not_an_object_is_a_400(
    instructor: AbstractBaseUser, sigmoid: Exercise, client_for: Callable
) -> None:
    response = client_for(instructor).patch(POLICY_URL, [1, 2], format="json")
    assert response.status_code == 400 and "error" in response.json()


def test_only_instructors_of_the_course_read_or_change_its_policy(
    student: AbstractBaseUser,
    outsider: AbstractBaseUser,
    make_user: Callable[..., AbstractBaseUser],
    other_course: Course,
    sigmoid: Exercise,
    client_for: Callable,
) -> None:
    elsewhere = make_user("teacher2", course=other_course, role=Membership.Role.INSTRUCTOR)
    assert client_for(student).get(POLICY_URL).status_code == 403
    assert (
        client_for(student).patch(POLICY_URL, {"attempt_limit": 9}, format="json").status_code
        == 403
    )
    assert client_for(outsider).get(POLICY_URL).status_code == 404
    assert client_for(elsewhere).get(POLICY_URL).status_code == 404
    assert client_for(None).get(POLICY_URL).status_code in (401, 403)


def test_an_exercise_the_course_does_not_offer_has_no_policy(
    instructor: AbstractBaseUser, sigmoid: Exercise, client_for: Callable
) -> None:
    response = client_for(instructor).get("/api/v1/courses/act101/exercises/no-such/")
    assert response.status_code == 404


def test_a_submission_before_the_exercise_opens_is_refused_and_not_stored(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, submit: Callable
) -> None:
    set_policy(sigmoid, course, opens_at=timezone.now() + timedelta(days=2))
    response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_open" and "opens at" in error["message"]
    assert "UTC" in error["message"]
    assert not Submission.objects.exists()


def test_the_attempt_limit_refuses_one_more_and_keeps_the_earlier_attempts(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, submit: Callable
) -> None:
    set_policy(sigmoid, course, attempt_limit=2)
    for _ in range(2):
        assert submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).status_code == 202
    response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "attempt_limit_reached"
    assert "all 2 attempts" in error["message"] and "not stored" in error["message"]
    assert Submission.objects.filter(user=student).count() == 2


def test_attempts_in_another_course_do_not_use_up_this_courses_limit(
    student: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    other_course: Course,
    add_exercise: Callable,
) -> None:
    add_exercise("sigmoid-numpy", to=other_course)
    Membership.objects.create(user=student, course=other_course)
    set_policy(sigmoid, course, attempt_limit=1)
    services.submission_create(user=student, exercise=sigmoid, code=SIGMOID_OK, course=other_course)
    services.submission_create(user=student, exercise=sigmoid, code=SIGMOID_OK, course=course)
    assert Submission.objects.filter(user=student, course=course).count() == 1


def test_instructors_of_the_course_are_exempt_from_dates_and_limits(
    instructor: AbstractBaseUser, sigmoid: Exercise, course: Course, submit: Callable
) -> None:
    set_policy(sigmoid, course, opens_at=timezone.now() + timedelta(days=2), attempt_limit=1)
    for _ in range(2):
        response = submit(instructor, "sigmoid-numpy", {"code": SIGMOID_OK, "course": "act101"})
        assert response.status_code == 202


def test_a_late_submission_is_accepted_and_told_its_penalty(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, submit: Callable
) -> None:
    set_policy(
        sigmoid,
        course,
        due_at=timezone.now() - timedelta(hours=30),
        late_penalty_percent_per_day=25,
    )
    response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code == 202
    assert "2 days late" in response.json()["notice"] and "50 %" in response.json()["notice"]


def test_a_submission_after_the_due_date_without_credit_is_accepted_and_says_so(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course, submit: Callable
) -> None:
    set_policy(
        sigmoid, course, due_at=timezone.now() - timedelta(minutes=5), no_credit_after_due=True
    )
    response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code == 202
    assert "earns no credit" in response.json()["notice"]
    on_time = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK, "course": "act101"})
    assert on_time.json()["notice"] and Submission.objects.count() == 2


def test_a_submission_on_time_has_no_notice(
    student: AbstractBaseUser, sigmoid: Exercise, submit: Callable
) -> None:
    assert submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["notice"] is None


def _graded(user: AbstractBaseUser, exercise: Exercise, course: Course, score: float) -> Submission:
    submission = services.submission_create(
        user=user, exercise=exercise, code=SIGMOID_OK, course=course
    )
    services.submission_record_result(
        submission_id=submission.id, grading_attempt=1, verdict=verdict_for(exercise, score)
    )
    return submission


def test_the_student_sees_the_policy_and_a_late_penalty_on_the_exercise_page(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    due = timezone.now() - timedelta(hours=5)
    set_policy(sigmoid, course, due_at=due, late_penalty_percent_per_day=20, attempt_limit=4)
    late = _graded(student, sigmoid, course, 10.0)
    client = Client()
    client.force_login(student)
    page = client.get("/courses/act101/exercises/sigmoid-numpy/").content.decode()
    assert "1 of 4 used, 3 left" in page
    assert "20 % of the score per started day late" in page
    assert "Attempt 1, 1 day late: 10 → 8 (late −20 %)" in page
    assert 'data-testid="counted-score">8 / 10' in page
    assert late.pk


def test_the_course_page_shows_due_dates_attempts_left_and_counted_scores(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    due = timezone.now() + timedelta(days=3)
    set_policy(sigmoid, course, due_at=due, attempt_limit=2, counted_attempt="last")
    _graded(student, sigmoid, course, 9.0)
    _graded(student, sigmoid, course, 6.0)
    client = Client()
    client.force_login(student)
    page = client.get("/courses/act101/").content.decode()
    assert "2 of 2 (0 left)" in page
    assert re.search(r'data-testid="counted-score"[^>]*>6 / 10<', page)
    assert f"{timezone.localtime(due):%Y-%m-%d %H:%M} UTC" in page
    assert "/policy/" not in page, "students get no policy form"


def test_an_instructor_gets_the_policy_form_from_the_course_page(
    instructor: AbstractBaseUser, student: AbstractBaseUser, sigmoid: Exercise
) -> None:
    teacher = Client()
    teacher.force_login(instructor)
    course_page = teacher.get("/courses/act101/").content.decode()
    assert "/courses/act101/exercises/sigmoid-numpy/policy/" in course_page
    page = teacher.get("/courses/act101/exercises/sigmoid-numpy/policy/")
    assert page.status_code == 200
    assert 'id="policy-form"' in page.content.decode()
    assert POLICY_URL in page.content.decode()
    learner = Client()
    learner.force_login(student)
    assert learner.get("/courses/act101/exercises/sigmoid-numpy/policy/").status_code == 404
