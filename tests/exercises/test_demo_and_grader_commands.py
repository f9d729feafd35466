"""``manage.py grader_account`` and ``manage.py demo_setup``, checked through the API they enable."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from exercises.models import Course, Exercise, Submission

pytestmark = pytest.mark.django_db


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def demo_credentials() -> dict:
    out = io.StringIO()
    call_command("demo_setup", json=True, stdout=out)
    return json.loads(out.getvalue())


def test_the_grader_account_adopts_the_token_the_workers_are_configured_with(settings) -> None:
    settings.ACTQUIZ_GRADER_TOKEN = "w" * 40
    call_command("grader_account", stderr=io.StringIO())
    out = io.StringIO()

    call_command("grader_account", print_token=True, stdout=out)

    assert out.getvalue().strip() == "w" * 40


def test_the_grader_account_refuses_a_token_of_the_wrong_length(settings) -> None:
    settings.ACTQUIZ_GRADER_TOKEN = "short"

    with pytest.raises(CommandError, match="20 to 200"):
        call_command("grader_account")


def test_the_grader_account_may_post_results_but_a_student_may_not() -> None:
    call_command("load_catalog", verbosity=0)
    creds = demo_credentials()
    student = token_client(creds["student"]["token"])
    created = student.post(
        "/api/v1/exercises/relu-numpy/submissions/",
        {"code": "def relu(x):\n    return x\n"},
        format="json",
    )
    assert created.status_code == 202, created.content
    submission = Submission.objects.get(pk=created.json()["id"])
    verdict = {
        "exercise": "relu-numpy",
        "status": "graded",
        "score": 0.0,
        "max_score": submission.max_score,
        "tests": [],
        "error": None,
        "hints": [],
    }
    body = {"grading_attempt": submission.grading_attempt, "verdict": verdict}

    refused = student.post(f"/api/v1/submissions/{submission.id}/result/", body, format="json")
    accepted = token_client(creds["grader"]["token"]).post(
        f"/api/v1/submissions/{submission.id}/result/", body, format="json"
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200, accepted.content
    assert student.get(f"/api/v1/submissions/{submission.id}/").json()["status"] == "graded"


def test_demo_setup_offers_every_catalog_exercise_to_the_demo_student() -> None:
    call_command("load_catalog", verbosity=0)

    creds = demo_credentials()

    listed = token_client(creds["student"]["token"]).get("/api/v1/exercises/").json()
    published = Exercise.objects.filter(published=True).count()
    assert len(listed) == published > 0
    assert Course.objects.get(slug=creds["course"]).offerings.count() == Exercise.objects.count()


def test_demo_setup_run_twice_keeps_the_same_tokens() -> None:
    first = demo_credentials()

    second = demo_credentials()

    assert first == second
    assert authenticate(username="demo-student", password=first["student"]["password"])
