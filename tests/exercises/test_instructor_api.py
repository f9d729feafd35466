"""Instructor tools over the API: a course's submissions, the review queue, regrading."""

from __future__ import annotations

import pytest

from exercises import services
from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(student, other_student, sigmoid, course):
    made = {}
    for user, score, review in ((student, 4.0, True), (other_student, 10.0, False)):
        submission = services.submission_create(
            user=user, exercise=sigmoid, code=SIGMOID_OK, course=course
        )
        services.submission_record_result(
            submission_id=submission.id,
            grading_attempt=1,
            verdict=verdict_for(sigmoid, score, needs_review=review),
        )
        made[user.username] = submission
    return made


def test_an_instructor_lists_every_submission_of_the_course(client_for, instructor, graded):
    listed = client_for(instructor).get("/api/v1/courses/act101/submissions/").json()
    assert {s["user"] for s in listed} == {"alice", "bob"}
    assert all("verdict" in s for s in listed)


def test_the_review_queue_holds_only_unreviewed_answers_that_need_it(
    client_for, instructor, graded
):
    client = client_for(instructor)
    queue = client.get("/api/v1/courses/act101/submissions/?needs_review=1").json()
    assert [s["user"] for s in queue] == ["alice"]
    client.post(f"/api/v1/submissions/{graded['alice'].id}/review/", {"score": 6.0}, format="json")
    assert client.get("/api/v1/courses/act101/submissions/?needs_review=1").json() == []


def test_the_course_list_filters_by_student(client_for, instructor, graded):
    listed = client_for(instructor).get("/api/v1/courses/act101/submissions/?student=bob").json()
    assert [s["score"] for s in listed] == [10.0]


@pytest.mark.parametrize(("who", "status"), [("student", 403), ("outsider", 404)])
def test_students_and_strangers_cannot_list_a_courses_submissions(
    request, client_for, graded, who, status
):
    user = request.getfixturevalue(who)
    assert client_for(user).get("/api/v1/courses/act101/submissions/").status_code == status


def test_an_instructor_regrades_a_submission_and_the_old_result_is_superseded(
    client_for, instructor, grader, graded, sigmoid
):
    submission = graded["bob"]
    response = client_for(instructor).post(f"/api/v1/submissions/{submission.id}/regrade/")
    assert response.status_code == 202
    assert response.json()["grading_attempt"] == 2
    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED
    late = client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": 1, "verdict": verdict_for(sigmoid, 10.0)},
        format="json",
    )
    assert late.status_code == 409


def test_a_student_cannot_regrade_their_own_submission(client_for, student, graded):
    response = client_for(student).post(f"/api/v1/submissions/{graded['alice'].id}/regrade/")
    assert response.status_code == 403
    assert Submission.objects.get(pk=graded["alice"].id).grading_attempt == 1
