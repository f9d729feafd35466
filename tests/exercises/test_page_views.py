"""The HTML pages through Django's test client: who sees which page, and what never leaks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from exercises import services
from exercises.models import Course, Exercise, Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


def browser_for(user: AbstractBaseUser | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def graded(user: AbstractBaseUser, exercise: Exercise, course: Course, score: float) -> Submission:
    submission = services.submission_create(
        user=user, exercise=exercise, code=SIGMOID_OK, course=course
    )
    services.submission_record_result(
        submission_id=submission.id,
        grading_attempt=submission.grading_attempt,
        verdict=verdict_for(exercise, score),
    )
    return Submission.objects.get(pk=submission.pk)


def test_it_sends_an_anonymous_visitor_to_the_login_page() -> None:
    response = browser_for(None).get("/courses/act101/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_the_login_page_logs_a_student_in(student: AbstractBaseUser) -> None:
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": "pw-123456"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Activation functions" in client.get("/").content.decode()


def test_the_course_page_shows_the_students_best_score(
    student: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    graded(student, sigmoid, course, 4.0)
    graded(student, sigmoid, course, 7.5)
    page = browser_for(student).get("/courses/act101/").content.decode()
    assert "7.5 / 10" in page
    assert "Sigmoid in NumPy" in page


def test_a_student_does_not_see_unpublished_exercises(
    student: AbstractBaseUser, instructor: AbstractBaseUser, add_exercise: Callable[..., Exercise]
) -> None:
    add_exercise("relu-numpy", published=False)
    assert "relu-numpy" not in browser_for(student).get("/courses/act101/").content.decode()
    assert browser_for(student).get("/courses/act101/exercises/relu-numpy/").status_code == 404
    assert browser_for(instructor).get("/courses/act101/exercises/relu-numpy/").status_code == 200


def test_a_non_member_gets_a_404_for_the_course(
    outsider: AbstractBaseUser, sigmoid: Exercise
) -> None:
    client = browser_for(outsider)
    assert client.get("/courses/act101/").status_code == 404
    assert client.get("/courses/act101/exercises/sigmoid-numpy/").status_code == 404


def test_the_exercise_page_never_shows_the_reference_solution(
    student: AbstractBaseUser, sigmoid: Exercise
) -> None:
    page = browser_for(student).get("/courses/act101/exercises/sigmoid-numpy/").content.decode()
    assert sigmoid.reference_code.strip()
    assert sigmoid.reference_code.strip().splitlines()[-1].strip() not in page
    assert "def sigmoid" in page


def test_a_choice_page_never_shows_the_answer_or_explanations(
    student: AbstractBaseUser, add_exercise: Callable[..., Exercise]
) -> None:
    exercise = add_exercise("why-nonlinearity")
    page = browser_for(student).get("/courses/act101/exercises/why-nonlinearity/").content.decode()
    for choice in exercise.spec["choices"]:
        assert f'value="{choice["id"]}"' in page
        if "why" in choice:
            assert choice["why"]["en"][:40] not in page


def test_a_numeric_variant_page_shows_the_students_own_numbers(
    student: AbstractBaseUser,
    other_student: AbstractBaseUser,
    add_exercise: Callable[..., Exercise],
) -> None:
    add_exercise("activation-values")
    mine = browser_for(student).get("/courses/act101/exercises/activation-values/")
    theirs = browser_for(other_student).get("/courses/act101/exercises/activation-values/")
    assert 'data-testid="variant-prompt"' in mine.content.decode()
    assert mine.context["variant"]["params"] != theirs.context["variant"]["params"]


def test_prompt_markdown_is_sanitised(student: AbstractBaseUser, sigmoid: Exercise) -> None:
    sigmoid.prompt = "Hello <script>alert('x')</script> <img src=x onerror=alert(1)> **bold**"
    sigmoid.save(update_fields=["prompt"])
    page = browser_for(student).get("/courses/act101/exercises/sigmoid-numpy/").content.decode()
    assert "<strong>bold</strong>" in page
    assert "alert(" not in page and "onerror" not in page


def test_a_student_cannot_open_another_students_submission(
    student: AbstractBaseUser, other_student: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    submission = graded(other_student, sigmoid, course, 10.0)
    assert browser_for(student).get(f"/submissions/{submission.pk}/").status_code == 404
    own = browser_for(other_student).get(f"/submissions/{submission.pk}/").content.decode()
    assert "review-form" not in own


def test_an_instructor_gets_the_review_form_on_a_students_submission(
    student: AbstractBaseUser, instructor: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    submission = graded(student, sigmoid, course, 10.0)
    page = browser_for(instructor).get(f"/submissions/{submission.pk}/").content.decode()
    assert 'id="review-form"' in page
    assert f"/api/v1/submissions/{submission.pk}/review/" in page


def test_the_gradebook_is_for_instructors_only(
    student: AbstractBaseUser, instructor: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    graded(student, sigmoid, course, 6.0)
    assert browser_for(student).get("/courses/act101/gradebook/").status_code == 404
    response = browser_for(instructor).get("/courses/act101/gradebook/")
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert row["username"] == "alice"
    assert row["cells"][0]["best_score"] == 6.0 and row["cells"][0]["attempts"] == 1


def test_the_submission_list_filters_by_waiting_for_review(
    student: AbstractBaseUser, instructor: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    plain = graded(student, sigmoid, course, 10.0)
    waiting = graded(student, sigmoid, course, 3.0)
    Submission.objects.filter(pk=waiting.pk).update(needs_review=True)
    response = browser_for(instructor).get("/courses/act101/submissions/?review=1")
    listed = [s.pk for s in response.context["submissions"]]
    assert listed == [waiting.pk] and plain.pk not in listed


def test_the_submission_api_gives_korean_feedback_with_hidden_tests_masked(
    student: AbstractBaseUser,
    sigmoid: Exercise,
    course: Course,
    client_for: Callable[[AbstractBaseUser | None], Any],
) -> None:
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    tests = [
        {"name": "shown", "passed": False, "points": 0, "max_points": 5, "message": "m", "hidden": False},
        {"name": "secret", "passed": False, "points": 0, "max_points": 5, "message": "x=[3]", "hidden": True},
    ]  # fmt: skip
    extra = {
        "ko": {"messages": {"shown": "보이는 메시지", "secret": "x=[3] 기대값"}, "hints": ["힌트"]}
    }
    services.submission_record_result(
        submission_id=submission.id,
        grading_attempt=submission.grading_attempt,
        verdict=verdict_for(sigmoid, 0.0, tests=tests, extra=extra, hints=["hint"]),
    )
    body = client_for(student).get(f"/api/v1/submissions/{submission.id}/").json()
    assert body["feedback_ko"]["messages"]["shown"] == "보이는 메시지"
    assert "x=[3]" not in body["feedback_ko"]["messages"]["secret"]
    assert body["feedback_ko"]["hints"] == ["힌트"]


def test_pages_forbid_inline_and_foreign_scripts(
    student: AbstractBaseUser, sigmoid: Exercise
) -> None:
    for response in (
        Client().get("/login/"),
        browser_for(student).get("/courses/act101/exercises/sigmoid-numpy/"),
    ):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_a_wrong_password_gets_a_clear_message(student: AbstractBaseUser) -> None:
    response = Client().post("/login/", {"username": "alice", "password": "not-it"})
    assert response.status_code == 200
    assert "That username and password do not match" in response.content.decode()
