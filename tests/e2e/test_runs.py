"""Runs on the visible tests through the real worker: graded in the sandbox, posted back
with the grader token, read by the student; no submission, no attempt.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model

from exercises.models import Course, Exercise, Membership, Submission
from tests.e2e.conftest import Pipeline
from tests.tokens import issue_token

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PRINTING_WRONG_SIGMOID = """import numpy as np

def sigmoid(x):
    print("called with", x.shape)
    return 1 / (1 + np.exp(x))
"""


def start_run(pipeline: Pipeline, token: str, slug: str, body: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        f"{pipeline.base_url}/api/v1/exercises/{slug}/runs/",
        json=body,
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()


def wait_for_run(pipeline: Pipeline, token: str, url: str, within: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        body = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=30).json()
        if body["status"] != "queued":
            return body
        if pipeline.worker.process.poll() is not None:
            pytest.fail(f"the worker exited:\n{pipeline.worker.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"run still queued after {within}s:\n{pipeline.worker.log_tail()}")
        time.sleep(0.2)


def test_a_run_shows_the_visible_tests_and_the_printed_output_and_counts_no_attempt(
    pipeline: Pipeline,
) -> None:
    created = start_run(
        pipeline, pipeline.student_token, "sigmoid-numpy", {"code": PRINTING_WRONG_SIGMOID}
    )

    body = wait_for_run(pipeline, pipeline.student_token, created["url"])

    assert body["status"] == "done", body
    exercise = Exercise.objects.get(slug="sigmoid-numpy")
    visible = [t["name"] for t in exercise.spec["tests"] if not t.get("hidden")]
    assert [t["name"] for t in body["tests"]] == visible
    assert not any(t.get("hidden") for t in body["tests"])
    assert body["score"] < body["max_score"]
    failed = next(t for t in body["tests"] if t["name"] == "course_values")
    assert not failed["passed"] and "expected" in failed["message"]
    assert "called with (3,)" in body["output"]["stdout"]
    assert not Submission.objects.exists()


def test_an_instructor_dry_runs_the_draft_on_every_test_through_the_worker(
    pipeline: Pipeline,
) -> None:
    teacher = get_user_model().objects.create_user("e2e-teacher")
    Membership.objects.create(
        user=teacher, course=Course.objects.get(slug="e2e"), role=Membership.Role.INSTRUCTOR
    )
    token = issue_token(teacher)
    exercise = Exercise.objects.get(slug="sigmoid-numpy")
    exercise.draft = {
        "kind": "code",
        "framework": "numpy",
        "entry_point": "sigmoid",
        "reference": exercise.reference_code,
        "points": 4,
        "spec": {
            "tests": [
                {"name": "shown", "check": "values", "points": 1, "args": [{"values": [1.0]}]},
                {
                    "name": "secret",
                    "check": "values",
                    "points": 3,
                    "hidden": True,
                    "args": [{"values": [2.0, -2.0]}],
                },
            ]
        },
    }
    exercise.save(update_fields=["draft"])

    created = start_run(
        pipeline, token, "sigmoid-numpy", {"code": PRINTING_WRONG_SIGMOID, "draft": True}
    )
    body = wait_for_run(pipeline, token, created["url"])

    assert body["status"] == "done" and body["draft"] is True
    assert [t["name"] for t in body["tests"]] == ["shown", "secret"]
    assert (body["score"], body["max_score"]) == (0, 4)
    assert not Submission.objects.exists()
