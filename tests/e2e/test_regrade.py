"""Regrading on the real worker: a new version of an exercise, regraded with live progress.

Two students solve sigmoid-numpy, one exactly and one with a tiny relative error the
default tolerance forgives. The instructor tightens the tolerance of the course
examples (a new version) and regrades the course: the job reaches ``done`` with one
changed score, the gradebook shows it, and the submission records the new version.
Once through the API, once in Chromium on the regrade page.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model

from exercises.models import Course, Exercise, Membership
from tests.e2e.conftest import Pipeline
from tests.e2e.test_pages import (  # noqa: F401 (fixtures)
    INSTRUCTOR,
    Site,
    chromium,
    no_leftover_connections,
    site,
)
from tests.tokens import issue_token

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXACT_SIGMOID = """import numpy as np

def sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""
# Off by one part in ten million: within the float64 default (rtol 1e-6), not 1e-9.
ALMOST_SIGMOID = EXACT_SIGMOID.replace(
    "return np.where(x >= 0, 1 / (1 + z), z / (1 + z))",
    "return np.where(x >= 0, 1 / (1 + z), z / (1 + z)) * (1 - 1e-7)",
)
# The tightened test is worth this many points.
COURSE_VALUES_POINTS = 2.0
REGRADE_WAIT = 240


def tighten_course_values(slug: str = "sigmoid-numpy") -> int:
    """Publish-like change: the course examples must now match to 1e-9; returns the version."""
    exercise = Exercise.objects.get(slug=slug)
    spec = exercise.spec
    for test in spec["tests"]:
        if test["name"] == "course_values":
            test["rtol"], test["atol"] = 1e-9, 0.0
    exercise.spec = spec
    exercise.version += 1
    exercise.edited_in_product = True
    exercise.save(update_fields=["spec", "version", "edited_in_product"])
    return exercise.version


def second_student(pipeline: Pipeline) -> str:
    user = get_user_model().objects.create_user("e2e-student-2")
    Membership.objects.create(user=user, course=Course.objects.get(slug="e2e"))
    return issue_token(user)


def post(pipeline: Pipeline, token: str, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{pipeline.base_url}{path}",
        json=body,
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )


def get(pipeline: Pipeline, token: str, url: str) -> dict[str, Any]:
    if url.startswith("/"):
        url = f"{pipeline.base_url}{url}"
    response = requests.get(url, headers={"Authorization": f"Token {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def wait_graded(pipeline: Pipeline, token: str, submission_id: int) -> dict[str, Any]:
    """Poll a submission until graded or failed; a generous deadline, not a timing check."""
    deadline = time.monotonic() + REGRADE_WAIT
    body = get(pipeline, token, f"/api/v1/submissions/{submission_id}/")
    while body["status"] not in ("graded", "failed"):
        if time.monotonic() > deadline:
            pytest.fail(f"still {body['status']}; worker log:\n{pipeline.worker.log_tail()}")
        time.sleep(0.2)
        body = get(pipeline, token, f"/api/v1/submissions/{submission_id}/")
    return body


def graded_pair(pipeline: Pipeline, teacher: str) -> tuple[int, int]:
    """The first student's exact sigmoid and the second's almost-right one, both graded 10."""
    # A fresh token: the browser fixture sets the student's password, which ends old tokens.
    first = issue_token(get_user_model().objects.get(username="e2e-student"))
    exact = post(
        pipeline, first, "/api/v1/exercises/sigmoid-numpy/submissions/", {"code": EXACT_SIGMOID}
    ).json()["id"]
    other = second_student(pipeline)
    almost = post(
        pipeline,
        other,
        "/api/v1/exercises/sigmoid-numpy/submissions/",
        {"code": ALMOST_SIGMOID},
    ).json()["id"]
    assert wait_graded(pipeline, teacher, exact)["score"] == 10.0
    assert wait_graded(pipeline, teacher, almost)["score"] == 10.0
    return exact, almost


def instructor_token() -> str:
    user = get_user_model().objects.create_user("e2e-api-teacher")
    Membership.objects.create(
        user=user, course=Course.objects.get(slug="e2e"), role=Membership.Role.INSTRUCTOR
    )
    return issue_token(user)


def test_a_tightened_tolerance_regrades_the_course_on_the_real_worker(pipeline: Pipeline) -> None:
    teacher = instructor_token()
    exact, almost = graded_pair(pipeline, teacher)
    version = tighten_course_values()

    started = post(pipeline, teacher, "/api/v1/exercises/sigmoid-numpy/regrade/", {"course": "e2e"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert (job["status"], job["total"]) == ("running", 2)

    deadline = time.monotonic() + REGRADE_WAIT
    while job["status"] != "done":
        if time.monotonic() > deadline:
            pytest.fail(f"regrade still {job}; worker log:\n{pipeline.worker.log_tail()}")
        time.sleep(0.3)
        job = get(pipeline, teacher, job["url"])

    assert (job["done"], job["changed"], job["failed"]) == (2, 1, 0)
    assert job["changes"] == [
        {
            "submission": almost,
            "user": "e2e-student-2",
            "old_score": 10.0,
            "new_score": 10.0 - COURSE_VALUES_POINTS,
        }
    ]
    book = get(pipeline, teacher, "/api/v1/courses/e2e/gradebook/")
    cells = {row["username"]: row["exercises"]["sigmoid-numpy"] for row in book["students"]}
    assert cells["e2e-student-2"]["best_score"] == 10.0 - COURSE_VALUES_POINTS
    assert cells["e2e-student"]["best_score"] == 10.0
    for submission_id in (exact, almost):
        regraded = get(pipeline, teacher, f"/api/v1/submissions/{submission_id}/")
        assert (regraded["status"], regraded["exercise_version"]) == ("graded", version)


def test_the_regrade_page_shows_live_progress_and_the_changed_score(
    site: Site,  # noqa: F811 (the fixture imported above)
    pipeline: Pipeline,
) -> None:
    _, almost = graded_pair(pipeline, instructor_token())
    tighten_course_values()

    site.log_in(*INSTRUCTOR)
    site.open("/courses/e2e/gradebook/")
    site.find("a.regrade-link[href$='/exercises/sigmoid-numpy/regrade/']").click()
    site.wait(lambda d: "/exercises/sigmoid-numpy/regrade/" in d.current_url, "no regrade page")
    site.find("#regrade-start").click()

    site.wait(
        lambda d: site.find("#regrade-status").get_attribute("data-status") == "done",
        "the regrade did not finish on the page",
        timeout=REGRADE_WAIT,
    )
    assert site.text("[data-testid=regrade-done]") == "2 / 2"
    assert site.text("#regrade-changed") == "1"
    assert site.text("#regrade-failed") == "0"
    bar = site.find("#regrade-bar")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("2", "2")
    [row] = site.find_all("#regrade-changes tbody tr")
    assert row.get_attribute("data-submission") == str(almost)
    assert row.text.split()[-3:] == ["e2e-student-2", "10", "8"]
    assert site.console_errors() == []

    site.open("/courses/e2e/gradebook/")
    cell = site.find("tr[data-student='e2e-student-2'] td[data-exercise='sigmoid-numpy']")
    assert cell.text.startswith("8")
