"""Runs on the visible tests, and instructors' dry runs, through the HTTP API.

The messages go to a private queue on the real Redis broker; what a worker would post
back is posted here with the grader account (the real worker path is in tests/e2e).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from django.utils import timezone

from exercises.models import Run, Submission
from tests.exercises.conftest import SIGMOID_OK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(settings: Any) -> Iterator[tuple[str, redis.Redis]]:
    name = f"test-runs-{uuid.uuid4().hex[:12]}"
    settings.ACTQUIZ_GRADING_QUEUE = name
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    yield name, client
    client.delete(name)


def sent(queue: tuple[str, redis.Redis]) -> list[dict[str, Any]]:
    name, client = queue
    tasks = []
    for raw in client.lrange(name, 0, -1):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        tasks.append({"task": envelope["headers"]["task"], "args": args})
    return tasks


def run(client_for: Any, user: Any, slug: str, body: Any) -> Any:
    return client_for(user).post(f"/api/v1/exercises/{slug}/runs/", body, format="json")


def run_verdict(slug: str, tests: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    verdict = {
        "exercise": slug,
        "status": "graded",
        "score": sum(t["points"] for t in tests),
        "max_score": sum(t["max_points"] for t in tests),
        "tests": tests,
        "error": None,
        "seed": 1,
        "hints": [],
        "needs_review": False,
        "extra": {"output": {"stdout": "x is [-1. 0. 1.]\n", "truncated": False}},
    }
    verdict.update(extra)
    return verdict


def test_a_run_is_queued_with_only_the_visible_tests_and_records_no_submission(
    client_for, student, sigmoid, queue
):
    response = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK})

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["url"].endswith(f"/api/v1/runs/{body['id']}/")
    assert not Submission.objects.exists()
    (task,) = sent(queue)
    assert task["task"] == "graders.tasks.run_tests"
    run_id, spec, work = task["args"]
    assert run_id == body["id"] and work["code"] == SIGMOID_OK
    sent_names = [t["name"] for t in spec["spec"]["tests"]]
    visible = [t["name"] for t in sigmoid.spec["tests"] if not t.get("hidden")]
    assert sent_names == visible
    assert "random_batch" not in sent_names
    assert spec["points"] == sum(t["points"] for t in sigmoid.spec["tests"] if not t.get("hidden"))


def test_the_owner_reads_the_visible_verdict_with_the_printed_output(
    client_for, student, grader, sigmoid, queue
):
    run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    tests = [{"name": "course_values", "passed": True, "points": 2, "max_points": 2}]

    posted = client_for(grader).post(
        f"/api/v1/runs/{run_id}/result/",
        {"verdict": run_verdict("sigmoid-numpy", tests, max_score=99)},
        format="json",
    )
    shown = client_for(student).get(f"/api/v1/runs/{run_id}/").json()

    assert posted.status_code == 200, posted.content
    assert shown["status"] == "done"
    assert [t["name"] for t in shown["tests"]] == ["course_values"]
    # The points are the run's (the visible tests'), never what the verdict claims.
    assert (shown["score"], shown["max_score"]) == (2, 6)
    assert shown["output"] == {"stdout": "x is [-1. 0. 1.]\n", "truncated": False}
    assert not Submission.objects.exists()


def test_no_one_but_the_owner_reads_a_run(
    client_for, student, other_student, instructor, sigmoid, queue
):
    run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]

    for someone in (other_student, instructor, None):
        response = client_for(someone).get(f"/api/v1/runs/{run_id}/")
        assert response.status_code in (401, 404)


def test_only_a_grader_account_posts_a_run_result(client_for, student, sigmoid, queue):
    run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    tests = [{"name": "course_values", "passed": True, "points": 2, "max_points": 2}]

    response = client_for(student).post(
        f"/api/v1/runs/{run_id}/result/",
        {"verdict": run_verdict("sigmoid-numpy", tests)},
        format="json",
    )

    assert response.status_code == 403
    assert Run.objects.get(pk=run_id).status == "queued"


def test_a_result_posted_twice_is_accepted_once_and_a_different_one_is_a_conflict(
    client_for, student, grader, sigmoid, queue
):
    run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    tests = [{"name": "course_values", "passed": True, "points": 2, "max_points": 2}]
    body = {"verdict": run_verdict("sigmoid-numpy", tests)}
    url = f"/api/v1/runs/{run_id}/result/"

    first = client_for(grader).post(url, body, format="json").json()
    again = client_for(grader).post(url, body, format="json").json()
    tests[0]["passed"] = False
    other = client_for(grader).post(
        url, {"verdict": run_verdict("sigmoid-numpy", tests)}, format="json"
    )

    assert (first["changed"], again["changed"]) == (True, False)
    assert other.status_code == 409


def test_a_broken_result_body_is_a_400(client_for, student, grader, sigmoid, queue):
    run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]

    for body in ({}, {"verdict": []}, {"verdict": {"status": "perfect"}}, []):
        response = client_for(grader).post(f"/api/v1/runs/{run_id}/result/", body, format="json")
        assert response.status_code == 400, body


def test_a_question_cannot_be_run_for_free(client_for, student, add_exercise, queue):
    add_exercise("why-nonlinearity")

    response = run(client_for, student, "why-nonlinearity", {"answer": "a"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_runnable"
    assert sent(queue) == []


def test_bad_run_bodies_get_clear_400s(client_for, student, sigmoid, queue):
    for body, code in (
        ({"code": "   "}, "empty"),
        ({"answer": 1}, "wrong_kind"),
        ({"code": SIGMOID_OK, "draft": "yes"}, None),
        ({"code": SIGMOID_OK, "extra": 1}, None),
        ([], None),
    ):
        response = run(client_for, student, "sigmoid-numpy", body)
        assert response.status_code == 400, body
        if code:
            assert response.json()["error"]["code"] == code
    assert not Run.objects.exists()


def test_a_student_may_not_dry_run_the_draft(client_for, student, sigmoid, queue):
    response = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK, "draft": True})

    assert response.status_code == 403
    assert sent(queue) == []


def test_staff_without_a_membership_may_not_dry_run(client_for, staff, sigmoid, queue):
    response = run(client_for, staff, "sigmoid-numpy", {"code": SIGMOID_OK, "draft": True})

    assert response.status_code in (403, 404)


def test_an_instructor_dry_runs_the_draft_document_on_every_test(
    client_for, instructor, sigmoid, queue
):
    document = {
        "kind": "code",
        "framework": "numpy",
        "entry_point": "sigmoid",
        "title": {"en": "Sigmoid", "ko": "시그모이드"},
        "prompt": {"en": "p", "ko": "p"},
        "reference": sigmoid.reference_code,
        "points": 10,
        "spec": {
            "tests": [
                {"name": "shown", "check": "values", "points": 1, "args": [{"values": [0.0]}]},
                {
                    "name": "secret",
                    "check": "values",
                    "points": 3,
                    "hidden": True,
                    "args": [{"values": [2.0]}],
                },
            ]
        },
    }
    sigmoid.draft = document
    sigmoid.save(update_fields=["draft"])

    response = run(client_for, instructor, "sigmoid-numpy", {"code": SIGMOID_OK, "draft": True})

    assert response.status_code == 202, response.content
    (task,) = sent(queue)
    _, spec, _ = task["args"]
    assert [t["name"] for t in spec["spec"]["tests"]] == ["shown", "secret"]
    assert spec["points"] == 4
    assert Run.objects.get().draft is True


def test_without_a_draft_a_dry_run_grades_the_current_exercise_on_every_test(
    client_for, instructor, sigmoid, queue
):
    run(client_for, instructor, "sigmoid-numpy", {"code": SIGMOID_OK, "draft": True})

    (task,) = sent(queue)
    names = [t["name"] for t in task["args"][1]["spec"]["tests"]]
    assert names == [t["name"] for t in sigmoid.spec["tests"]]


def test_an_instructor_dry_runs_an_answer_to_a_question(
    client_for, instructor, add_exercise, queue
):
    add_exercise("why-nonlinearity")

    accepted = run(
        client_for, instructor, "why-nonlinearity", {"answer": "collapse", "draft": True}
    )
    refused = run(client_for, instructor, "why-nonlinearity", {"answer": "nope", "draft": True})

    assert accepted.status_code == 202, accepted.content
    (task,) = sent(queue)
    assert task["args"][2]["answer"] == "collapse"
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_answer"


def test_pending_runs_are_capped_per_user(client_for, student, sigmoid, queue, settings):
    settings.ACTQUIZ_MAX_PENDING_RUNS_PER_USER = 2
    statuses = [
        run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).status_code
        for _ in range(3)
    ]

    assert statuses == [202, 202, 429]


def test_a_lost_run_is_reported_expired_and_frees_its_place(
    client_for, student, sigmoid, queue, settings
):
    settings.ACTQUIZ_MAX_PENDING_RUNS_PER_USER = 1
    run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    Run.objects.filter(pk=run_id).update(created_at=timezone.now() - timedelta(minutes=5))

    shown = client_for(student).get(f"/api/v1/runs/{run_id}/").json()
    again = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK})

    assert shown["status"] == "queued" and shown["expired"] is True
    assert again.status_code == 202


def test_runs_are_throttled(client_for, student, sigmoid, queue, settings):
    from rest_framework.throttling import ScopedRateThrottle

    settings.ACTQUIZ_MAX_PENDING_RUNS_PER_USER = 100
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**original, "runs": "3/min"}
    try:
        statuses = [
            run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).status_code
            for _ in range(4)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert statuses == [202, 202, 202, 429]


def test_a_dead_broker_fails_the_run_at_once_with_a_message(client_for, student, sigmoid, queue):
    from actquiz.celery import app as celery_app

    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        run_id = run(client_for, student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"]
    finally:
        celery_app.conf.broker_url = saved

    shown = client_for(student).get(f"/api/v1/runs/{run_id}/").json()
    assert shown["status"] == "failed"
    assert "again" in shown["error"]["message"]


def test_the_schema_documents_the_run_endpoints(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]

    assert "202" in paths["/api/v1/exercises/{slug}/runs/"]["post"]["responses"]
    assert "200" in paths["/api/v1/runs/{run_id}/"]["get"]["responses"]
    assert "409" in paths["/api/v1/runs/{run_id}/result/"]["post"]["responses"]
