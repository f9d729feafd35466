"""The OpenAPI schema: served, documented locally, and true to what the API answers.

The fuzzing test drives every operation in the schema with generated requests (valid
and malformed) as a student, an instructor and the grader service, and fails on any
server error or any response the schema does not describe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import AbstractBaseUser
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from exercises.models import Exercise
from tests.tokens import issue_token

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_schema_lists_every_api_operation(client: Any) -> None:
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/exercises/",
        "/api/v1/exercises/{slug}/submissions/",
        "/api/v1/submissions/{submission_id}/result/",
        "/api/v1/courses/{slug}/gradebook/",
        "/api/v1/exercises/{slug}/regrade/",
        "/api/v1/regrades/{regrade_id}/",
    ):
        assert path in paths
    submit = paths["/api/v1/exercises/{slug}/submissions/"]["post"]
    assert "202" in submit["responses"] and "429" in submit["responses"]


def test_the_docs_pages_are_served_without_a_cdn(client: Any) -> None:
    for url in ("/api/v1/docs/", "/api/v1/docs/redoc/"):
        page = client.get(url).content.decode()

        assert "/static/drf_spectacular_sidecar/" in page
        assert "cdn." not in page and "unpkg" not in page


def test_the_api_index_points_at_the_schema_and_the_docs(client: Any) -> None:
    body = client.get("/api/v1/").json()

    assert body["links"]["schema"].endswith("/api/v1/schema/")
    assert body["links"]["docs"].endswith("/api/v1/docs/")
    assert body["links"]["exercises"].endswith("/api/v1/exercises/")
    assert body["links"]["lti_login"].endswith("/lti/login/")
    assert body["links"]["lti_launch"].endswith("/lti/launch/")
    assert body["links"]["lti_deep_link"].endswith("/lti/deep-link/")
    assert body["links"]["lti_jwks"].endswith("/lti/jwks/")
    assert body["links"]["health"].endswith("/healthz")


def test_the_schema_describes_the_lti_endpoints_and_the_health_check(client: Any) -> None:
    description = client.get("/api/v1/schema/?format=json").json()["info"]["description"]

    for path in ("/lti/login/", "/lti/launch/", "/lti/deep-link/", "/lti/jwks/", "/healthz"):
        assert path in description
    assert "X-Total-Count" in description


@pytest.fixture
def api_schema(transactional_db: None) -> Any:
    # Transactional: the WSGI handler closes the database connection after each
    # request, as in production, and a connection inside a test transaction cannot
    # be reopened.
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def role_tokens(
    add_exercise: Callable[..., Exercise],
    student: AbstractBaseUser,
    instructor: AbstractBaseUser,
    grader: AbstractBaseUser,
    client_for: Callable[[AbstractBaseUser | None], APIClient],
) -> dict[str, str]:
    for slug in ("sigmoid-numpy", "why-nonlinearity", "activation-values", "dying-relu-explain"):
        add_exercise(slug)
    # Something to read, review and report on for the id-taking operations.
    client_for(student).post(
        "/api/v1/exercises/sigmoid-numpy/submissions/",
        {"code": "def sigmoid(x):\n    return x\n"},
        format="json",
    )
    return {
        role: issue_token(user)
        for role, user in (("student", student), ("instructor", instructor), ("grader", grader))
    }


@pytest.mark.django_db(transaction=True)
@fuzzed.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_breaks_the_api_or_its_schema(
    case: Any, role_tokens: dict[str, str]
) -> None:
    for token in role_tokens.values():
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
