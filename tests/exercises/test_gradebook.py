"""The gradebook by the course policy: JSON, the CSV download and the page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone

from exercises import reviews, selectors, services
from exercises.models import Course, CourseExercise, Exercise, Membership, Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db

CSV_URL = "/api/v1/courses/act101/gradebook.csv"


def graded(
    user: AbstractBaseUser,
    exercise: Exercise,
    course: Course,
    score: float,
    *,
    needs_review: bool = False,
    at: Any = None,
) -> Submission:
    if exercise.kind == Exercise.Kind.CODE:
        body = {"code": SIGMOID_OK}
    else:
        body = {"answer": "Negative inputs give zero gradient, so the unit stops learning."}
    submission = services.submission_create(user=user, exercise=exercise, course=course, **body)
    services.submission_record_result(
        submission_id=submission.id,
        grading_attempt=1,
        verdict=verdict_for(exercise, score, needs_review=needs_review),
    )
    if at is not None:
        Submission.objects.filter(pk=submission.pk).update(created_at=at)
    return Submission.objects.get(pk=submission.pk)


@pytest.fixture
def korean_student(make_user: Callable[..., AbstractBaseUser], course: Course) -> AbstractBaseUser:
    user = make_user("minji", course=course)
    user.first_name, user.last_name = "민지", "김"
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def text_question(add_exercise: Callable[..., Exercise]) -> Exercise:
    return add_exercise("dying-relu-explain")


def test_a_late_attempt_counts_with_its_penalty_and_the_total_follows(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    due = timezone.now() - timedelta(days=2)
    CourseExercise.objects.filter(course=course, exercise=sigmoid).update(
        due_at=due, late_penalty_percent_per_day=25, counted_attempt="last"
    )
    graded(student, sigmoid, course, 6.0, at=due - timedelta(hours=1))
    graded(student, sigmoid, course, 10.0, at=due + timedelta(hours=3))
    book = selectors.gradebook(course)
    cell = book["students"][0]["exercises"]["sigmoid-numpy"]
    assert cell["best_score"] == 10.0, "the raw best stays as it was"
    assert (cell["counted_score"], cell["counted_attempt"], cell["late"]) == (7.5, 2, True)
    assert book["students"][0]["total"] == 7.5
    assert book["exercises"][0]["counted_attempt"] == "last"


def test_a_provisional_score_is_flagged_and_kept_out_of_the_final_total(
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    text_question: Exercise,
    course: Course,
) -> None:
    graded(student, sigmoid, course, 9.0)
    waiting = graded(student, text_question, course, 3.0, needs_review=True)
    row = selectors.gradebook(course)["students"][0]
    assert row["exercises"][text_question.slug]["provisional"] is True
    assert (row["total"], row["total_provisional"]) == (9.0, 3.0)

    reviews.submission_review(submission=waiting, reviewer=instructor, score=4.0)
    row = selectors.gradebook(course)["students"][0]
    assert row["exercises"][text_question.slug]["provisional"] is False
    assert (row["total"], row["total_provisional"]) == (13.0, 0.0)


def test_the_gradebook_json_keeps_its_keys_and_adds_the_policys(
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    client_for: Callable,
) -> None:
    body = client_for(instructor).get("/api/v1/courses/act101/gradebook/").json()
    assert {"course", "exercises", "max_total", "students"} <= set(body)
    row = body["students"][0]
    assert {"user_id", "username", "exercises", "total", "total_provisional", "name"} <= set(row)
    assert {"best_score", "max_score", "attempts", "counted_score", "provisional"} <= set(
        row["exercises"]["sigmoid-numpy"]
    )


def test_the_csv_has_a_bom_korean_names_titles_with_their_max_and_totals(
    student: AbstractBaseUser,
    korean_student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    text_question: Exercise,
    course: Course,
    client_for: Callable,
) -> None:
    graded(korean_student, sigmoid, course, 8.5)
    graded(korean_student, text_question, course, 2.0, needs_review=True)
    response = client_for(instructor).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="act101-gradebook.csv"'
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    points = f"{text_question.points:g}"
    assert rows[0] == [
        "username",
        "name",
        "Sigmoid in NumPy (max 10)",
        f"{text_question.title} (max {points})",
        f"Total (max {10 + text_question.points:g})",
        "Provisional",
    ]
    by_user = {row[0]: row for row in rows[1:]}
    assert by_user["minji"] == ["minji", "민지 김", "8.5", "2 (provisional)", "8.5", "2"]
    assert by_user["alice"] == ["alice", "", "", "", "0", "0"]
    assert len(rows) == 3, "one row per student, the instructor is not one"


def test_a_formula_looking_name_is_plain_text_in_the_csv(
    make_user: Callable[..., AbstractBaseUser],
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    client_for: Callable,
) -> None:
    user = make_user("eve", course=course)
    user.first_name = "=HYPERLINK(1)"
    user.save(update_fields=["first_name"])
    text = client_for(instructor).get(CSV_URL).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


def test_the_csv_is_for_instructors_of_the_course_only(
    student: AbstractBaseUser,
    outsider: AbstractBaseUser,
    make_user: Callable[..., AbstractBaseUser],
    other_course: Course,
    sigmoid: Exercise,
    client_for: Callable,
) -> None:
    elsewhere = make_user("teacher2", course=other_course, role=Membership.Role.INSTRUCTOR)
    response = client_for(student).get(CSV_URL)
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    assert client_for(outsider).get(CSV_URL).status_code == 404
    assert client_for(elsewhere).get(CSV_URL).status_code == 404


def test_a_client_asking_for_text_csv_gets_it(
    instructor: AbstractBaseUser, student: AbstractBaseUser, sigmoid: Exercise, client_for: Callable
) -> None:
    response = client_for(instructor).get(CSV_URL, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    refused = client_for(student).get(CSV_URL, HTTP_ACCEPT="text/csv")
    assert refused.status_code == 403 and refused.json()["error"]["code"]


def test_the_gradebook_page_shows_titles_provisional_marks_totals_and_the_csv_button(
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    sigmoid: Exercise,
    text_question: Exercise,
    course: Course,
) -> None:
    graded(student, sigmoid, course, 9.0)
    graded(student, text_question, course, 3.0, needs_review=True)
    client = Client()
    client.force_login(instructor)
    page = client.get("/courses/act101/gradebook/").content.decode()
    assert 'Sigmoid in NumPy</a> <span class="muted">(max 10)</span>' in page
    assert 'class="cell-score provisional"' in page
    assert 'data-testid="total">9<' in page
    assert 'data-testid="total-provisional">3<' in page
    assert f'href="{CSV_URL}"' in page
