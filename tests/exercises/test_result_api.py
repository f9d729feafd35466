"""Workers reporting through the API: started, results, idempotency and superseded attempts."""

from __future__ import annotations

from typing import Any

import pytest

from exercises import services
from exercises.models import Membership, Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(student, sigmoid, course) -> Submission:
    return services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )


def post_result(client: Any, submission: Submission, verdict: dict, attempt: int = 1) -> Any:
    return client.post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": attempt, "verdict": verdict},
        format="json",
    )


def post_started(client: Any, submission: Submission, attempt: int = 1) -> Any:
    return client.post(
        f"/api/v1/submissions/{submission.id}/started/",
        {"grading_attempt": attempt},
        format="json",
    )


def test_a_started_report_marks_the_submission_running(client_for, grader, submission):
    response = post_started(client_for(grader), submission)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.status == "running"
    assert submission.started_at is not None


def test_a_result_makes_the_score_visible_to_the_student(
    client_for, grader, student, submission, sigmoid
):
    post_started(client_for(grader), submission)
    response = post_result(client_for(grader), submission, verdict_for(sigmoid, 7.5))
    assert response.status_code == 200
    shown = client_for(student).get(f"/api/v1/submissions/{submission.id}/").json()
    assert shown["status"] == "graded"
    assert shown["score"] == 7.5
    assert shown["max_score"] == 10.0
    assert shown["tests"][0]["name"] == "course_example"
    assert shown["finished_at"] is not None


def test_a_result_without_a_start_report_counts_its_delivery_once(
    client_for, grader, submission, sigmoid
):
    # A quick grading posts only its result; a slow one reported its start first.
    verdict = verdict_for(sigmoid, 10.0)
    assert post_result(client_for(grader), submission, verdict).status_code == 200
    post_result(client_for(grader), submission, verdict)
    submission.refresh_from_db()
    assert (submission.status, submission.deliveries) == ("graded", 1)
    assert submission.started_at is not None

    slow = services.submission_create(
        user=submission.user, exercise=sigmoid, code=SIGMOID_OK, course=submission.course
    )
    post_started(client_for(grader), slow)
    post_result(client_for(grader), slow, verdict)
    slow.refresh_from_db()
    assert (slow.status, slow.deliveries) == ("graded", 1)


def test_a_worker_cannot_raise_the_points_of_an_exercise(
    client_for, grader, student, submission, sigmoid
):
    inflated = {**verdict_for(sigmoid, 1000), "max_score": 1000.0}

    response = post_result(client_for(grader), submission, inflated)

    assert response.status_code == 200
    shown = client_for(student).get(f"/api/v1/submissions/{submission.id}/").json()
    assert (shown["score"], shown["max_score"]) == (10.0, 10.0)
    assert post_result(client_for(grader), submission, inflated).json()["changed"] is False


def test_the_same_result_twice_changes_nothing(client_for, grader, submission, sigmoid):
    verdict = verdict_for(sigmoid, 10.0)
    first = post_result(client_for(grader), submission, verdict)
    submission.refresh_from_db()
    finished = submission.finished_at
    second = post_result(client_for(grader), submission, verdict)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["changed"], second.json()["changed"]) == (True, False)
    submission.refresh_from_db()
    assert submission.finished_at == finished
    assert submission.score == 10.0


def test_a_different_result_for_a_finished_attempt_is_a_conflict(
    client_for, grader, submission, sigmoid
):
    post_result(client_for(grader), submission, verdict_for(sigmoid, 10.0))
    response = post_result(client_for(grader), submission, verdict_for(sigmoid, 0.0))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "result_conflict"
    submission.refresh_from_db()
    assert submission.score == 10.0


def test_a_result_for_a_superseded_attempt_is_refused_with_409(
    client_for, grader, submission, sigmoid
):
    services.submission_requeue(submission_id=submission.id)
    response = post_result(client_for(grader), submission, verdict_for(sigmoid, 10.0), attempt=1)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "superseded"
    submission.refresh_from_db()
    assert (submission.status, submission.score) == ("queued", None)
    assert (
        post_result(client_for(grader), submission, verdict_for(sigmoid, 4.0), 2).status_code == 200
    )


def test_a_started_report_for_a_superseded_attempt_is_refused_with_409(
    client_for, grader, submission
):
    services.submission_requeue(submission_id=submission.id)
    assert post_started(client_for(grader), submission, attempt=1).status_code == 409


def test_a_late_started_report_does_not_reopen_a_graded_submission(
    client_for, grader, submission, sigmoid
):
    post_result(client_for(grader), submission, verdict_for(sigmoid, 10.0))
    assert post_started(client_for(grader), submission).status_code == 200
    submission.refresh_from_db()
    assert submission.status == "graded"


def test_a_failed_verdict_marks_the_submission_failed_without_a_score(
    client_for, grader, submission, sigmoid
):
    verdict = verdict_for(
        sigmoid, 0.0, status="failed", error={"kind": "sandbox", "message": "no zygote"}
    )
    assert post_result(client_for(grader), submission, verdict).status_code == 200
    submission.refresh_from_db()
    assert (submission.status, submission.score) == ("failed", None)
    assert submission.error["kind"] == "sandbox"


@pytest.mark.parametrize("who", ["student", "instructor", "staff", "superuser", "outsider"])
def test_only_a_grader_account_may_post_results(request, client_for, submission, sigmoid, who):
    user = request.getfixturevalue(who)
    response = post_result(client_for(user), submission, verdict_for(sigmoid, 10.0))
    assert response.status_code == 403
    assert post_started(client_for(user), submission).status_code == 403
    submission.refresh_from_db()
    assert submission.status == "queued"


def test_an_anonymous_caller_may_not_post_results(client_for, submission, sigmoid):
    response = post_result(client_for(None), submission, verdict_for(sigmoid, 10.0))
    assert response.status_code in (401, 403)


def test_a_course_grader_membership_covers_only_that_course(
    client_for, make_user, course, other_course, submission, sigmoid
):
    own = make_user("course-grader", course=course, role=Membership.Role.GRADER)
    foreign = make_user("other-grader", course=other_course, role=Membership.Role.GRADER)
    assert (
        post_result(client_for(foreign), submission, verdict_for(sigmoid, 1.0)).status_code == 403
    )
    assert post_result(client_for(own), submission, verdict_for(sigmoid, 1.0)).status_code == 200


def test_a_result_for_an_unknown_submission_is_404(client_for, grader, sigmoid):
    response = client_for(grader).post(
        "/api/v1/submissions/999999/result/",
        {"grading_attempt": 1, "verdict": verdict_for(sigmoid, 1.0)},
        format="json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "mutate",
    [
        lambda v: v.update(status="done"),
        lambda v: v.update(score="10"),
        lambda v: v.update(score=11.0),
        lambda v: v.update(score=-1.0),
        lambda v: v.update(max_score=None),
        lambda v: v.update(tests="all passed"),
        lambda v: v.update(tests=[{"name": "x"}]),
        lambda v: v.update(error="boom"),
        lambda v: v.update(exercise="relu-numpy"),
    ],
)
def test_a_malformed_verdict_is_refused_with_400(client_for, grader, submission, sigmoid, mutate):
    verdict = verdict_for(sigmoid, 5.0)
    mutate(verdict)
    assert post_result(client_for(grader), submission, verdict).status_code == 400
    submission.refresh_from_db()
    assert submission.status == "queued"


@pytest.mark.parametrize("attempt", [None, 0, "1", True, 1.5])
def test_a_result_without_a_valid_grading_attempt_is_refused(
    client_for, grader, submission, sigmoid, attempt
):
    response = client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": attempt, "verdict": verdict_for(sigmoid, 5.0)},
        format="json",
    )
    assert response.status_code == 400


def test_student_controlled_text_with_nul_in_a_verdict_is_stored(
    client_for, grader, student, submission, sigmoid
):
    verdict = verdict_for(
        sigmoid, 0.0, error={"kind": "exception", "message": "ValueError: \x00boom\x00"}
    )
    assert post_result(client_for(grader), submission, verdict).status_code == 200
    assert post_result(client_for(grader), submission, verdict).json()["changed"] is False
    shown = client_for(student).get(f"/api/v1/submissions/{submission.id}/").json()
    assert "boom" in shown["error"]["message"]
    assert "\x00" not in shown["error"]["message"]


def test_hidden_test_messages_are_shown_to_instructors_but_not_students(
    client_for, grader, student, instructor, submission, sigmoid
):
    verdict = verdict_for(sigmoid, 0.0)
    verdict["tests"].append(
        {
            "name": "random_batch",
            "passed": False,
            "points": 0.0,
            "max_points": 1.0,
            "message": "expected 0.7310586 at index (3, 2)",
            "hidden": True,
        }
    )
    post_result(client_for(grader), submission, verdict)
    url = f"/api/v1/submissions/{submission.id}/"
    student_view = client_for(student).get(url).json()["tests"][1]
    teacher_view = client_for(instructor).get(url).json()["tests"][1]
    assert "0.7310586" not in student_view["message"]
    assert student_view["passed"] is False
    assert "0.7310586" in teacher_view["message"]
