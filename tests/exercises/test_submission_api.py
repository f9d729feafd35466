"""Submitting through the HTTP API: the happy path and every kind of bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from exercises.models import Submission
from tests.exercises.conftest import SIGMOID_OK

pytestmark = pytest.mark.django_db


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_it_queues_a_code_submission_and_answers_202(submit, student, sigmoid):
    response = submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["url"].endswith(f"/api/v1/submissions/{body['id']}/")
    stored = Submission.objects.get(pk=body["id"])
    assert stored.code == SIGMOID_OK
    assert stored.course.slug == "act101"
    assert (stored.attempt, stored.grading_attempt) == (1, 1)
    assert stored.exercise_version == sigmoid.version
    assert stored.max_score == sigmoid.points


def test_it_counts_attempts_per_student_and_exercise(submit, student, other_student, sigmoid):
    for _ in range(3):
        submit(student, "sigmoid-numpy", {"code": SIGMOID_OK})
    submit(other_student, "sigmoid-numpy", {"code": SIGMOID_OK})
    attempts = Submission.objects.filter(user=student).values_list("attempt", flat=True)
    assert sorted(attempts) == [1, 2, 3]
    assert Submission.objects.get(user=other_student).attempt == 1


def test_it_draws_fresh_hidden_inputs_for_every_code_submission(submit, student, sigmoid):
    ids = [submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).json()["id"] for _ in range(3)]
    seeds = {Submission.objects.get(pk=pk).seed for pk in ids}
    assert len(seeds) > 1


def test_a_variant_question_keeps_the_students_numbers_across_submissions(
    submit, student, add_exercise
):
    add_exercise("activation-values")
    answer = {"sigmoid": 0.5, "tanh": 0.0, "softmax": 0.5}
    ids = [submit(student, "activation-values", {"answer": answer}).json()["id"] for _ in range(2)]
    seeds = {Submission.objects.get(pk=pk).seed for pk in ids}
    assert len(seeds) == 1


def test_it_queues_a_valid_choice_answer(submit, student, add_exercise):
    add_exercise("cross-entropy-logits")
    response = submit(student, "cross-entropy-logits", {"answer": "logits"})
    assert response.status_code == 202
    assert Submission.objects.get(pk=response.json()["id"]).answer == "logits"


def test_it_answers_404_for_an_unknown_exercise(submit, student, sigmoid):
    assert_error(submit(student, "no-such-exercise", {"code": SIGMOID_OK}), 404, "not_found")


def test_it_hides_an_unpublished_exercise_from_students(submit, student, add_exercise):
    add_exercise("relu-numpy", published=False)
    assert_error(submit(student, "relu-numpy", {"code": "def relu(x): return x"}), 404)
    assert not Submission.objects.exists()


def test_it_lets_an_instructor_try_an_unpublished_exercise(submit, instructor, add_exercise):
    add_exercise("relu-numpy", published=False)
    assert submit(instructor, "relu-numpy", {"code": "def relu(x): return x"}).status_code == 202


def test_it_refuses_an_exercise_of_a_course_the_student_is_not_in(
    submit, student, add_exercise, other_course
):
    add_exercise("relu-numpy", to=other_course)
    assert_error(submit(student, "relu-numpy", {"code": "def relu(x): return x"}), 404)


def test_it_refuses_a_course_the_student_cannot_submit_in(submit, student, sigmoid, other_course):
    body = {"code": SIGMOID_OK, "course": "act201"}
    assert_error(submit(student, "sigmoid-numpy", body), 404)


@pytest.mark.parametrize("code", ["", "   \n\t  "])
def test_it_rejects_empty_code(submit, student, sigmoid, code):
    assert_error(submit(student, "sigmoid-numpy", {"code": code}), 400, "empty")


def test_it_rejects_a_body_without_code_or_answer(submit, student, sigmoid):
    assert_error(submit(student, "sigmoid-numpy", {}), 400, "empty")


def test_it_rejects_code_over_64_kib_with_413(submit, student, sigmoid):
    code = "x = 1\n" + "#" * (64 * 1024)
    assert_error(submit(student, "sigmoid-numpy", {"code": code}), 413, "too_large")
    assert not Submission.objects.exists()


def test_it_accepts_code_just_under_the_limit(submit, student, sigmoid):
    code = SIGMOID_OK + "#" * (64 * 1024 - len(SIGMOID_OK.encode()) - 1) + "\n"
    assert submit(student, "sigmoid-numpy", {"code": code}).status_code == 202


def test_it_rejects_a_request_body_over_the_cap_with_413(client_for, student, sigmoid):
    body = json.dumps({"code": "#" * (2 * 1024 * 1024)})
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/", body, content_type="application/json"
    )
    assert_error(response, 413)


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        ("code=print(1)", "application/x-www-form-urlencoded"),
        ("print(1)", "text/plain"),
        ("<code>print(1)</code>", "application/xml"),
    ],
)
def test_it_rejects_a_body_that_is_not_json_with_415(
    client_for, student, sigmoid, payload, content_type
):
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/", payload, content_type=content_type
    )
    assert_error(response, 415, "unsupported_media_type")
    assert not Submission.objects.exists()


def test_it_rejects_multipart_uploads_with_415(client_for, student, sigmoid):
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/", {"code": SIGMOID_OK}, format="multipart"
    )
    assert_error(response, 415)


@pytest.mark.parametrize(
    "raw",
    [
        '{"code": "x = 1"',  # truncated
        '{"code": NaN}',
        "\xff\xfe garbage",
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_it_rejects_malformed_json_with_400(client_for, student, sigmoid, raw):
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/",
        raw.encode("latin-1"),
        content_type="application/json",
    )
    assert_error(response, 400)


@pytest.mark.parametrize("body", [["code"], "print(1)", 42, None])
def test_it_rejects_a_body_that_is_not_an_object(submit, student, sigmoid, body):
    assert_error(submit(student, "sigmoid-numpy", body), 400)


def test_it_rejects_unknown_fields(submit, student, sigmoid):
    error = assert_error(submit(student, "sigmoid-numpy", {"code": SIGMOID_OK, "score": 10}), 400)
    assert "score" in error["fields"]


@pytest.mark.parametrize("code", [123, ["import numpy"], {"a": 1}, True])
def test_it_rejects_code_that_is_not_a_string(submit, student, sigmoid, code):
    assert_error(submit(student, "sigmoid-numpy", {"code": code}), 400)


def test_it_rejects_code_with_a_nul_character(submit, student, sigmoid):
    assert_error(submit(student, "sigmoid-numpy", {"code": "x = 1\x00"}), 400)


def test_it_rejects_code_with_a_lone_surrogate(client_for, student, sigmoid):
    raw = b'{"code": "x = \\ud800"}'
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/", raw, content_type="application/json"
    )
    assert_error(response, 400)
    assert not Submission.objects.exists()


def test_it_rejects_an_answer_for_a_code_exercise(submit, student, sigmoid):
    error = assert_error(submit(student, "sigmoid-numpy", {"answer": "logits"}), 400, "wrong_kind")
    assert "answer" in error["fields"]


def test_it_rejects_code_for_a_choice_question(submit, student, add_exercise):
    add_exercise("cross-entropy-logits")
    response = submit(student, "cross-entropy-logits", {"code": "print('logits')"})
    assert_error(response, 400, "wrong_kind")


@pytest.mark.parametrize(
    ("slug", "answer"),
    [
        ("cross-entropy-logits", "not-a-choice"),
        ("cross-entropy-logits", ["logits"]),
        ("cross-entropy-logits", None),
        ("zero-centered", "tanh"),
        ("activation-values", "0.5"),
        ("activation-values", {"sigmoid": "high"}),
        ("dying-relu-explain", ""),
        ("dying-relu-explain", {"text": "dead"}),
    ],
)
def test_it_rejects_a_malformed_answer_with_400(submit, student, add_exercise, slug, answer):
    add_exercise(slug)
    assert_error(submit(student, slug, {"answer": answer}), 400)
    assert not Submission.objects.exists()


def test_it_rejects_an_answer_with_a_nul_character(submit, student, add_exercise):
    add_exercise("dying-relu-explain")
    response = submit(student, "dying-relu-explain", {"answer": "dead neurons\x00"})
    assert_error(response, 400)


def test_it_requires_authentication(submit, sigmoid):
    response = submit(None, "sigmoid-numpy", {"code": SIGMOID_OK})
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_it_throttles_a_flood_of_submissions(submit, student, sigmoid, settings):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "submissions": "3/min"}
    original = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [
            submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).status_code for _ in range(5)
        ]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = original
    assert statuses == [202, 202, 202, 429, 429]
    assert Submission.objects.count() == 3


def test_unknown_api_urls_answer_json_404(client_for, student):
    response = client_for(student).get("/api/v1/nothing-here/")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("bad_slug", ["", "a" * 51, 7, "act 101", "act\u0000"])
def test_it_rejects_a_course_that_is_not_a_slug(submit, student, sigmoid, bad_slug):
    body = {"code": SIGMOID_OK, "course": bad_slug}
    assert_error(submit(student, "sigmoid-numpy", body), 400)


@pytest.mark.parametrize("raw", ["1" + "0" * 400, "1e400", "-1e400"])
def test_it_rejects_numbers_no_float_can_hold(client_for, student, add_exercise, raw):
    add_exercise("sigmoid-grad-max")
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-grad-max/submissions/",
        f'{{"answer": {raw}}}',
        content_type="application/json",
    )
    assert_error(response, 400)


def test_a_deeply_nested_answer_is_rejected(submit, student, add_exercise):
    add_exercise("output-activation")
    nested: list = []
    for _ in range(40):
        nested = [nested]
    assert_error(submit(student, "output-activation", {"answer": nested}), 400)


def test_a_wrong_method_gets_the_json_error_body(client_for, student, sigmoid):
    response = client_for(student).delete("/api/v1/exercises/sigmoid-numpy/")
    assert_error(response, 405)


def test_a_malformed_submission_id_is_a_json_404(client_for, student):
    assert_error(client_for(student).get("/api/v1/submissions/abc/"), 404)


def test_it_rejects_a_course_with_a_lone_surrogate(client_for, student, sigmoid):
    response = client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/",
        b'{"code": "x = 1", "course": "\\ud800"}',
        content_type="application/json",
    )
    assert_error(response, 400)


def test_a_leading_byte_order_mark_is_dropped_from_code(submit, student, sigmoid):
    response = submit(student, "sigmoid-numpy", {"code": "\ufeff" + SIGMOID_OK})
    assert response.status_code == 202
    assert Submission.objects.get(pk=response.json()["id"]).code == SIGMOID_OK


def test_it_refuses_more_pending_submissions_than_the_cap(submit, student, sigmoid, settings):
    settings.ACTQUIZ_MAX_PENDING_PER_USER = 2
    statuses = [
        submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).status_code for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    Submission.objects.filter(user=student).update(status=Submission.Status.GRADED, score=1.0)
    assert submit(student, "sigmoid-numpy", {"code": SIGMOID_OK}).status_code == 202
