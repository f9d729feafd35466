"""Hostile numbers in JSON bodies: every write endpoint answers a clear 400, never a 500.

Python's ``json`` module reads ``NaN`` and ``Infinity`` literals, turns ``1e999`` into
an infinity and reads integers of any size; none of them fits a database column or
means anything in a score, an attempt number or an answer.
"""

from __future__ import annotations

from typing import Any

import pytest

from exercises import services
from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK, verdict_for

pytestmark = pytest.mark.django_db

HOSTILE_NUMBERS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e999",
    str(2**63),
    str(-(2**63) - 1),
    "99999999999999999999",
    "9" * 400,
    "9" * 5000,
]

CODE = '"import numpy as np\\ndef sigmoid(x):\\n    return x\\n"'


@pytest.fixture
def graded(student, grader, sigmoid, course, client_for) -> Submission:
    submission = services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    response = client_for(grader).post(
        f"/api/v1/submissions/{submission.id}/result/",
        {"grading_attempt": 1, "verdict": verdict_for(sigmoid, 10.0)},
        format="json",
    )
    assert response.status_code == 200
    return submission


@pytest.fixture
def queued(student, sigmoid, course) -> Submission:
    return services.submission_create(
        user=student, exercise=sigmoid, code=SIGMOID_OK, course=course
    )


def _post_raw(client: Any, url: str, body: str) -> Any:
    return client.post(url, data=body.encode(), content_type="application/json")


def _assert_refused(response: Any, number: str) -> None:
    assert response.status_code == 400, (number[:40], response.status_code, response.content)
    body = response.json()
    assert body["error"]["code"] == "parse_error"
    assert "number" in body["error"]["message"].lower()


@pytest.mark.parametrize("number", HOSTILE_NUMBERS, ids=lambda n: n[:24])
def test_a_submission_with_a_hostile_number_is_refused_and_nothing_is_stored(
    client_for, student, sigmoid, add_exercise, number
):
    add_exercise("activation-values")
    client = client_for(student)
    for url, body in [
        ("/api/v1/exercises/sigmoid-numpy/submissions/", f'{{"code": {CODE}, "x": {number}}}'),
        ("/api/v1/exercises/activation-values/submissions/", f'{{"answer": {number}}}'),
        ("/api/v1/exercises/activation-values/submissions/", f'{{"answer": [{number}]}}'),
    ]:
        _assert_refused(_post_raw(client, url, body), number)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("number", HOSTILE_NUMBERS, ids=lambda n: n[:24])
def test_a_worker_report_with_a_hostile_number_is_refused_and_the_submission_waits(
    client_for, grader, queued, sigmoid, number
):
    client = client_for(grader)
    started = f"/api/v1/submissions/{queued.id}/started/"
    result = f"/api/v1/submissions/{queued.id}/result/"
    verdict = verdict_for(sigmoid, 10.0)
    _assert_refused(_post_raw(client, started, f'{{"grading_attempt": {number}}}'), number)
    for field in ("score", "max_score"):
        body = {"grading_attempt": 1, "verdict": {**verdict, field: "@"}}
        raw = _json(body).replace('"@"', number)
        _assert_refused(_post_raw(client, result, raw), number)
    deep = _json({"grading_attempt": 1, "verdict": {**verdict, "extra": {"a": ["@"]}}})
    _assert_refused(_post_raw(client, result, deep.replace('"@"', number)), number)
    queued.refresh_from_db()
    assert (queued.status, queued.score) == ("queued", None)


@pytest.mark.parametrize("number", HOSTILE_NUMBERS, ids=lambda n: n[:24])
def test_a_review_with_a_hostile_score_is_refused_and_the_score_stays(
    client_for, instructor, graded, number
):
    response = _post_raw(
        client_for(instructor),
        f"/api/v1/submissions/{graded.id}/review/",
        f'{{"score": {number}, "comment": "x"}}',
    )
    _assert_refused(response, number)
    graded.refresh_from_db()
    assert (graded.reviewed_score, graded.effective_score) == (None, 10.0)


@pytest.mark.parametrize("number", HOSTILE_NUMBERS, ids=lambda n: n[:24])
def test_a_regrade_with_a_hostile_body_is_never_a_server_error(
    client_for, instructor, graded, number
):
    response = _post_raw(
        client_for(instructor),
        f"/api/v1/submissions/{graded.id}/regrade/",
        f'{{"reason": {number}}}',
    )
    assert response.status_code < 500, response.content


@pytest.mark.parametrize("attempt", [2**31, 2**62, 2**63 - 1])
def test_an_attempt_number_beyond_the_column_is_a_conflict_not_a_server_error(
    client_for, grader, queued, sigmoid, attempt
):
    client = client_for(grader)
    started = client.post(
        f"/api/v1/submissions/{queued.id}/started/", {"grading_attempt": attempt}, format="json"
    )
    result = client.post(
        f"/api/v1/submissions/{queued.id}/result/",
        {"grading_attempt": attempt, "verdict": verdict_for(sigmoid, 10.0)},
        format="json",
    )
    assert (started.status_code, result.status_code) == (409, 409)
    queued.refresh_from_db()
    assert queued.status == "queued"


@pytest.mark.parametrize("number", [str(2**63), "99999999999999999999", "9" * 400])
def test_an_id_beyond_the_column_in_a_url_or_a_filter_is_a_json_4xx(
    client_for, instructor, course, number
):
    client = client_for(instructor)
    for url in [
        f"/api/v1/submissions/{number}/",
        f"/api/v1/courses/{course.slug}/submissions/?student={number}",
        f"/api/v1/courses/{course.slug}/submissions/?exercise={number}",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 404), (url[:60], response.status_code)
        assert response["Content-Type"].startswith("application/json")
    for url in [f"/api/v1/submissions/{number}/review/", f"/api/v1/submissions/{number}/result/"]:
        response = client.post(url, {"score": 1}, format="json")
        assert response.status_code in (403, 404), (url[:60], response.status_code)


def test_ordinary_large_and_precise_numbers_still_pass(client_for, instructor, graded):
    response = client_for(instructor).post(
        f"/api/v1/submissions/{graded.id}/review/",
        data=b'{"score": 9.999999999999999e0, "comment": "x"}',
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["reviewed_score"] == pytest.approx(10.0)


def _json(value: Any) -> str:
    import json

    return json.dumps(value)
