"""Regrade jobs: scopes, one at a time, progress as results arrive, failures keep scores.

Through the HTTP API as instructors use it; the worker's side is played by posting
results as the grader account. Tasks go to a private queue on the real Redis.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from rest_framework.test import APIClient

from exercises import services
from exercises.models import Course, Exercise, Membership, RegradeJob, Submission
from exercises.regrading import REGRADE_PRIORITY
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db

PRIORITY_SEPARATOR = "\x06\x16"


@pytest.fixture
def queue(settings: Any) -> Iterator[Callable[[], list[list[Any]]]]:
    """A private grading queue; the returned function lists the task args sent to it."""
    name = f"test-regrade-{uuid.uuid4().hex[:12]}"
    settings.ACTQUIZ_GRADING_QUEUE = name
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    lists = [name, f"{name}{PRIORITY_SEPARATOR}{REGRADE_PRIORITY}"]

    def sent() -> list[list[Any]]:
        tasks = []
        for key in lists:
            for raw in client.lrange(key, 0, -1):
                envelope = json.loads(raw)
                args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
                tasks.append(args)
        return tasks

    yield sent
    client.delete(*lists)


@pytest.fixture
def graded_work(
    make_user: Callable[..., AbstractBaseUser],
    sigmoid: Exercise,
    course: Course,
    other_course: Course,
    add_exercise: Callable[..., Exercise],
) -> dict[str, Submission]:
    """Graded sigmoid submissions: alice 10 and 4 and bob 7 in act101, carol 9 in act201."""
    add_exercise("sigmoid-numpy", to=other_course)
    alice = make_user("alice", course=course)
    bob = make_user("bob", course=course)
    carol = make_user("carol", course=other_course)
    made = {}
    for key, user, where, score in (
        ("alice1", alice, course, 10.0),
        ("alice2", alice, course, 4.0),
        ("bob", bob, course, 7.0),
        ("carol", carol, other_course, 9.0),
    ):
        submission = services.submission_create(
            user=user, exercise=sigmoid, code=SIGMOID_OK, course=where
        )
        services.submission_record_result(
            submission_id=submission.id,
            grading_attempt=1,
            verdict=verdict_for(sigmoid, score),
        )
        made[key] = submission
    return made


@pytest.fixture
def teacher(make_user: Callable[..., AbstractBaseUser], course: Course) -> AbstractBaseUser:
    return make_user("teacher", course=course, role=Membership.Role.INSTRUCTOR)


def start(client: APIClient, body: dict[str, Any] | None = None, slug: str = "sigmoid-numpy"):
    return client.post(f"/api/v1/exercises/{slug}/regrade/", body or {}, format="json")


def post_result(
    client: APIClient, submission_id: int, exercise: Exercise, score: float, **extra: Any
) -> Any:
    attempt = Submission.objects.get(pk=submission_id).grading_attempt
    return client.post(
        f"/api/v1/submissions/{submission_id}/result/",
        {"grading_attempt": attempt, "verdict": verdict_for(exercise, score, **extra)},
        format="json",
    )


def test_an_instructor_regrades_their_course_and_follows_it_to_done(
    client_for, teacher, grader, graded_work, sigmoid, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = start(client_for(teacher))

    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["total"], job["done"], job["course"]) == ("running", 3, 0, "act101")
    assert response["Location"] == job["url"]
    # Every submission of the course is queued again, once, under a new grading attempt;
    # carol's, in another course, is not touched.
    sent = sorted((args[0], args[1]) for args in queue())
    mine = [graded_work[key].id for key in ("alice1", "alice2", "bob")]
    assert sent == [(pk, 2) for pk in sorted(mine)]
    assert Submission.objects.get(pk=graded_work["carol"].id).grading_attempt == 1

    worker = client_for(grader)
    post_result(worker, graded_work["alice1"].id, sigmoid, 8.0)
    post_result(worker, graded_work["alice2"].id, sigmoid, 4.0)
    middle = client_for(teacher).get(job["url"]).json()
    assert (middle["status"], middle["done"], middle["changed"]) == ("running", 2, 1)
    post_result(worker, graded_work["bob"].id, sigmoid, 10.0)

    final = client_for(teacher).get(job["url"]).json()
    assert (final["status"], final["done"], final["changed"], final["failed"]) == (
        "done",
        3,
        2,
        0,
    )
    assert final["finished_at"] is not None
    assert sorted((c["user"], c["old_score"], c["new_score"]) for c in final["changes"]) == [
        ("alice", 10.0, 8.0),
        ("bob", 7.0, 10.0),
    ]
    book = client_for(teacher).get("/api/v1/courses/act101/gradebook/").json()
    scores = {row["username"]: row["exercises"]["sigmoid-numpy"] for row in book["students"]}
    assert scores["alice"]["best_score"] == 8.0 and scores["bob"]["best_score"] == 10.0


def test_a_second_regrade_of_the_exercise_waits_for_the_first(
    client_for, teacher, grader, graded_work, sigmoid, superuser
):
    first = start(client_for(teacher)).json()

    again = start(client_for(teacher), {"user": "bob"})
    by_superuser = start(client_for(superuser))

    assert again.status_code == 409 and by_superuser.status_code == 409
    assert again.json()["error"]["code"] == "regrade_running"
    assert (
        f"Regrade {first['id']} of sigmoid-numpy is still running"
        in (again.json()["error"]["message"])
    )
    for key in ("alice1", "alice2", "bob"):
        post_result(client_for(grader), graded_work[key].id, sigmoid, 5.0)
    assert start(client_for(teacher), {"user": "bob"}).status_code == 202


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"user": "alice"}, {"alice1", "alice2"}),
        ({"course": "act101", "user": "bob"}, {"bob"}),
        ({"submission": "alice2"}, {"alice2"}),
    ],
)
def test_a_regrade_covers_one_student_or_one_submission(
    client_for, teacher, graded_work, body, expected
):
    if body.get("submission"):
        body = {"submission": graded_work[body["submission"]].id}
    job = start(client_for(teacher), body).json()

    regraded = {
        key for key, s in graded_work.items() if Submission.objects.get(pk=s.id).grading_attempt > 1
    }
    assert regraded == expected
    assert job["total"] == len(expected)


def test_a_student_is_named_by_user_id_too(client_for, teacher, graded_work):
    job = start(client_for(teacher), {"user": graded_work["bob"].user_id}).json()
    assert job["total"] == 1 and job["scope"].startswith("bob's")


@pytest.mark.parametrize(
    "body",
    [
        {"course": "act201"},  # a course the teacher does not teach
        {"user": "carol"},  # a student of that other course
        {"user": "nobody-at-all"},
        {"submission": 999_999},
    ],
)
def test_an_instructor_cannot_reach_beyond_their_courses(client_for, teacher, graded_work, body):
    response = start(client_for(teacher), body)

    assert response.status_code == 404
    assert not RegradeJob.objects.exists()
    assert Submission.objects.get(pk=graded_work["carol"].id).grading_attempt == 1


@pytest.mark.parametrize(
    "body",
    [{"courses": "act101"}, {"user": True}, {"submission": "12"}, {"course": "no slug!"}, [1]],
)
def test_a_malformed_regrade_body_is_a_400(client_for, teacher, graded_work, body):
    response = client_for(teacher).post(
        "/api/v1/exercises/sigmoid-numpy/regrade/", body, format="json"
    )
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(("who", "status"), [("student", 403), ("outsider", 404)])
def test_students_and_strangers_cannot_start_a_regrade(
    request, client_for, graded_work, who, status, make_user, course
):
    user = make_user("dave", course=course) if who == "student" else request.getfixturevalue(who)
    assert start(client_for(user)).status_code == status
    assert not RegradeJob.objects.exists()


def test_a_superuser_regrades_every_course_and_others_cannot_follow_it(
    client_for, superuser, teacher, graded_work, make_user, other_course
):
    job = start(client_for(superuser)).json()
    other_teacher = make_user("teacher2", course=other_course, role=Membership.Role.INSTRUCTOR)

    assert job["total"] == 4 and job["course"] is None
    assert client_for(superuser).get(job["url"]).status_code == 200
    # Limited to no course: only its starter and superusers follow it.
    assert client_for(teacher).get(job["url"]).status_code == 404
    assert client_for(other_teacher).get(job["url"]).status_code == 404


def test_a_co_instructor_follows_a_regrade_of_their_course_and_others_do_not(
    client_for, teacher, graded_work, make_user, course, other_course
):
    job = start(client_for(teacher)).json()
    colleague = make_user("colleague", course=course, role=Membership.Role.INSTRUCTOR)
    stranger = make_user("teacher2", course=other_course, role=Membership.Role.INSTRUCTOR)
    student = Submission.objects.get(pk=graded_work["bob"].id).user

    assert client_for(colleague).get(job["url"]).status_code == 200
    assert client_for(stranger).get(job["url"]).status_code == 404
    assert client_for(student).get(job["url"]).status_code == 404


def test_a_failed_regrade_keeps_the_students_score(
    client_for, teacher, grader, graded_work, sigmoid
):
    submission = graded_work["bob"]
    job = start(client_for(teacher), {"submission": submission.id}).json()
    failed = verdict_for(sigmoid, 0.0, status="failed", tests=[])
    attempt = Submission.objects.get(pk=submission.id).grading_attempt

    response = client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": attempt, "verdict": failed},
        format="json",
    )

    assert response.status_code == 200
    kept = client_for(teacher).get(f"/api/v1/submissions/{submission.id}/").json()
    assert (kept["status"], kept["score"]) == ("graded", 7.0)
    final = client_for(teacher).get(job["url"]).json()
    assert (final["status"], final["failed"], final["changed"]) == ("done", 1, 0)
    assert final["failures"] == [{"submission": submission.id, "user": "bob", "old_score": 7.0}]


def test_a_submission_that_keeps_killing_the_worker_keeps_its_old_score(
    client_for, teacher, grader, graded_work, settings
):
    submission = graded_work["alice1"]
    job = start(client_for(teacher), {"submission": submission.id}).json()
    attempt = Submission.objects.get(pk=submission.id).grading_attempt
    worker = client_for(grader)
    statuses = [
        worker.post(
            f"/api/v1/submissions/{submission.id}/started/",
            {"grading_attempt": attempt},
            format="json",
        ).status_code
        for _ in range(settings.ACTQUIZ_MAX_DELIVERIES + 1)
    ]

    assert statuses[-1] == 409
    kept = Submission.objects.get(pk=submission.id)
    assert (kept.status, kept.score) == (Submission.Status.GRADED, 10.0)
    assert client_for(teacher).get(job["url"]).json()["failed"] == 1


def test_a_regrade_lost_on_the_way_is_sent_again_by_the_sweep_and_completes(
    client_for, teacher, grader, graded_work, sigmoid, settings
):
    submission = graded_work["bob"]
    job = start(client_for(teacher), {"submission": submission.id}).json()
    # The broker never took it (it was down): the sweep sends it under a new attempt.
    later = timezone.now() + timedelta(seconds=settings.ACTQUIZ_REQUEUE_UNSENT_AFTER_SECONDS + 5)
    assert services.submission_requeue_stale(now=later) == [submission.id]

    post_result(client_for(grader), submission.id, sigmoid, 3.0)

    final = client_for(teacher).get(job["url"]).json()
    assert (final["status"], final["done"], final["changed"]) == ("done", 1, 1)
    assert final["changes"][0]["new_score"] == 3.0


def test_a_regrade_waiting_for_a_deleted_student_is_settled_by_the_sweep(
    client_for, teacher, graded_work
):
    job = start(client_for(teacher), {"user": "bob"}).json()
    Submission.objects.get(pk=graded_work["bob"].id).user.delete()

    services.submission_requeue_stale()

    assert RegradeJob.objects.get(pk=job["id"]).status == RegradeJob.Status.DONE


def test_a_regrade_grades_with_the_new_version_and_the_submission_records_it(
    client_for, teacher, grader, graded_work, sigmoid, queue, django_capture_on_commit_callbacks
):
    Exercise.objects.filter(pk=sigmoid.pk).update(version=sigmoid.version + 1, points=5)
    submission = graded_work["bob"]

    with django_capture_on_commit_callbacks(execute=True):
        start(client_for(teacher), {"submission": submission.id})
    [args] = queue()
    post_result(client_for(grader), submission.id, sigmoid, 5.0)

    assert args[2]["version"] == sigmoid.version + 1
    regraded = client_for(teacher).get(f"/api/v1/submissions/{submission.id}/").json()
    assert regraded["exercise_version"] == sigmoid.version + 1
    assert (regraded["score"], regraded["max_score"]) == (5.0, 5.0)


def test_a_reviewed_answer_stays_out_of_the_review_queue_after_a_regrade(
    client_for, teacher, grader, graded_work, sigmoid
):
    submission = graded_work["alice2"]
    client_for(teacher).post(
        f"/api/v1/submissions/{submission.id}/review/", {"score": 6.0}, format="json"
    )
    start(client_for(teacher), {"submission": submission.id})

    post_result(client_for(grader), submission.id, sigmoid, 5.0, needs_review=True)

    regraded = client_for(teacher).get(f"/api/v1/submissions/{submission.id}/").json()
    assert (regraded["needs_review"], regraded["effective_score"]) == (False, 6.0)


def test_thirty_regrades_of_one_submission_queue_one_task_and_the_next_is_throttled(
    client_for, teacher, graded_work, queue, django_capture_on_commit_callbacks
):
    submission = graded_work["bob"]
    client = client_for(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(f"/api/v1/submissions/{submission.id}/regrade/") for _ in range(30)]
    throttled = client.post(f"/api/v1/submissions/{submission.id}/regrade/")

    assert {a.status_code for a in answers} == {202}
    bodies = [a.json() for a in answers]
    assert {b["regrade"] for b in bodies} == {bodies[0]["regrade"]}
    assert [b["regrade_started"] for b in bodies] == [True] + [False] * 29
    assert {b["grading_attempt"] for b in bodies} == {2}
    assert len(queue()) == 1
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1


def test_a_submission_regrade_during_a_regrade_of_other_students_is_a_409(
    client_for, teacher, graded_work
):
    start(client_for(teacher), {"user": "alice"})

    response = client_for(teacher).post(f"/api/v1/submissions/{graded_work['bob'].id}/regrade/")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "regrade_running"


def test_a_regrade_with_nothing_to_grade_is_done_at_once(client_for, superuser, add_exercise):
    add_exercise("relu-numpy")

    job = start(client_for(superuser), slug="relu-numpy").json()

    assert (job["status"], job["total"], job["done"]) == ("done", 0, 0)
