"""The review queue and reviews: the latest attempt only, points per rubric item, what the
student sees of the review, and the LMS hearing of the new score."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from exercises import services
from exercises.models import Course, Exercise, Submission
from exercises.signals import score_changed
from tests.exercises.conftest import verdict_for

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/courses/act101/submissions/?needs_review=1"


@pytest.fixture
def essay(add_exercise: Callable[..., Exercise]) -> Exercise:
    """The catalog's dying-ReLU question: five rubric ideas of 1 point each."""
    return add_exercise("dying-relu-explain")


def rubric_verdict(exercise: Exercise, covered: set[str]) -> dict[str, Any]:
    """A text verdict as the engine writes it: one test per rubric idea."""
    tests = [
        {
            "name": idea["id"],
            "passed": idea["id"] in covered,
            "points": float(idea["points"]) if idea["id"] in covered else 0.0,
            "max_points": float(idea["points"]),
            "message": f"Idea: {idea['en']}",
            "hidden": False,
        }
        for idea in exercise.spec["rubric"]
    ]
    score = sum(test["points"] for test in tests)
    return verdict_for(exercise, score, tests=tests, needs_review=True)


@pytest.fixture
def answer(essay: Exercise, course: Course) -> Callable[..., Submission]:
    """``answer(user, covered)``: a graded text answer waiting for review."""

    def make(user: AbstractBaseUser, covered: set[str] = frozenset({"outputs-zero"})) -> Submission:
        submission = services.submission_create(
            user=user, exercise=essay, answer="ReLU gives zero for negatives.", course=course
        )
        services.submission_record_result(
            submission_id=submission.id,
            grading_attempt=1,
            verdict=rubric_verdict(essay, set(covered)),
        )
        submission.refresh_from_db()
        return submission

    return make


def review(client: Any, submission: Submission, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/submissions/{submission.id}/review/", body, format="json")


def test_the_queue_lists_only_each_students_latest_attempt(
    client_for, instructor, student, other_student, answer
):
    first = answer(student)
    latest = answer(student)
    bobs = answer(other_student)

    queue = client_for(instructor).get(QUEUE).json()

    assert [s["id"] for s in queue] == [latest.id, bobs.id]
    assert first.id not in {s["id"] for s in queue}


def test_a_newer_attempt_still_being_graded_takes_the_older_one_off_the_queue(
    client_for, instructor, student, answer, essay, course
):
    answer(student)
    services.submission_create(user=student, exercise=essay, answer="Second try.", course=course)

    assert client_for(instructor).get(QUEUE).json() == []


def test_points_per_item_set_the_reviewed_score(client_for, instructor, student, answer):
    submission = answer(student, {"outputs-zero"})

    response = review(
        client_for(instructor),
        submission,
        {"items": {"gradient-zero": 1, "never-updates": 0.5}, "comment": "Nearly there."},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["reviewed_score"] == 2.5 and body["effective_score"] == 2.5
    assert body["review"]["items"] == {"gradient-zero": 1.0, "never-updates": 0.5}
    assert body["review"]["reviewer"] == "teacher"
    assert body["review"]["reviewed_at"] is not None
    assert client_for(instructor).get(QUEUE).json() == []


def test_an_explicit_score_still_sets_the_total_and_clears_item_points(
    client_for, instructor, student, answer
):
    submission = answer(student)
    client = client_for(instructor)
    review(client, submission, {"items": {"remedy": 1}})

    response = review(client, submission, {"score": 4, "comment": "Good."})

    assert response.status_code == 200
    assert response.json()["review"]["score"] == 4.0
    assert response.json()["review"]["items"] == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": {"no-such-idea": 1}}, "items.no-such-idea"),
        ({"items": {"cause": 1.5}}, "items.cause"),
        ({"items": {"cause": -1}}, "items.cause"),
        ({"items": {"cause": "one"}}, "items.cause"),
        ({"items": []}, "items"),
        ({"items": {"cause": 1}, "score": 3}, "score"),
        ({"comment": "No score."}, "score"),
        ({"score": 6}, "score"),
    ],
)
def test_a_bad_review_is_a_400_naming_the_field_and_changes_nothing(
    client_for, instructor, student, answer, body, field
):
    submission = answer(student)

    response = review(client_for(instructor), submission, body)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    submission.refresh_from_db()
    assert submission.reviewed_score is None and submission.needs_review


def test_an_unknown_item_is_refused_with_the_names_that_exist(
    client_for, instructor, student, answer
):
    response = review(client_for(instructor), answer(student), {"items": {"typo": 1}})

    assert "typo" in response.json()["error"]["message"]
    assert "gradient-zero" in response.json()["error"]["message"]


def test_the_student_reads_who_reviewed_the_answer_when_and_how(
    client_for, instructor, student, answer
):
    submission = answer(student)
    review(
        client_for(instructor),
        submission,
        {"items": {"cause": 1, "outputs-zero": 0}, "comment": "Say why it cannot recover."},
    )

    seen = client_for(student).get(f"/api/v1/submissions/{submission.id}/").json()

    assert seen["effective_score"] == 1.0
    assert seen["review"]["items"] == {"cause": 1.0, "outputs-zero": 0.0}
    assert seen["review"]["comment"] == "Say why it cannot recover."
    assert seen["review"]["reviewer"] == "teacher"
    listed = client_for(student).get("/api/v1/submissions/").json()
    assert listed[0]["review"]["score"] == 1.0


def test_an_unreviewed_answer_has_no_review(client_for, student, answer):
    submission = answer(student)
    seen = client_for(student).get(f"/api/v1/submissions/{submission.id}/").json()
    assert seen["review"] is None and seen["needs_review"] is True


def test_a_review_tells_the_lms_the_score_changed(client_for, instructor, student, answer):
    submission = answer(student)
    heard: list[tuple[int, float | None]] = []

    def listener(sender: Any, submission: Submission, **kwargs: Any) -> None:
        heard.append((submission.id, submission.effective_score))

    score_changed.connect(listener)
    try:
        review(client_for(instructor), submission, {"items": {"cause": 1}})
    finally:
        score_changed.disconnect(listener)

    assert heard == [(submission.id, 2.0)]


def page(user: AbstractBaseUser, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_queue_page_lists_the_latest_attempts_and_starts_at_the_oldest(
    instructor, student, other_student, answer
):
    superseded = answer(student)
    bobs = answer(other_student)
    latest = answer(student)

    html = page(instructor, "/courses/act101/submissions/?review=1")

    assert f'href="/submissions/{superseded.id}/"' not in html
    assert f'href="/submissions/{latest.id}/"' in html
    assert f'id="review-start" href="/submissions/{bobs.id}/"' in html


def test_the_review_form_has_an_input_per_item_and_goes_on_to_the_next_answer(
    instructor, student, other_student, answer
):
    alices = answer(student, {"outputs-zero", "cause"})
    bobs = answer(other_student)

    html = page(instructor, f"/submissions/{alices.id}/")

    assert html.count('class="review-item"') == 5
    assert 'data-item="cause" data-graded="1.0"' in html
    assert f'data-next-url="/submissions/{bobs.id}/"' in html
    assert 'id="review-save-next"' in html
    # The last one in the queue wraps round to the first still waiting.
    assert f'data-next-url="/submissions/{alices.id}/"' in page(
        instructor, f"/submissions/{bobs.id}/"
    )


def test_the_students_history_marks_a_reviewed_answer(
    client_for, instructor, student, answer, essay
):
    submission = answer(student)
    review(client_for(instructor), submission, {"score": 3})

    html = page(student, f"/courses/act101/exercises/{essay.slug}/")

    assert 'data-testid="reviewed"' in html and "reviewed by teacher" in html
