"""The access matrix: every route of the site, every method, every role, one expected status.

``MATRIX`` holds one dict per route, keyed by the route's name as ``reverse()`` takes
it (``"api:submission-review"``; a route without a name is keyed by its pattern).
``test_every_route_has_a_row`` walks the URL resolver (``actquiz.urls``) and fails for
any route without a row, so a new endpoint cannot ship without its access rules
being written down here. Routes left out on purpose are in ``NOT_IN_MATRIX`` with
the reason.

How to add a row, for a new route ``api:thing-detail``:

    "api:thing-detail": {
        "kind": API,                      # API (token) or PAGE (session, HTML)
        "kwargs": lambda w: {"slug": w.sigmoid.slug},   # reverse() kwargs from the world
        "GET": {"instructor": 200, "superuser": 200, "student_a": 403,
                "anonymous": 401, "*": 404},
        "POST": {"body": {"title": "New"},               # optional JSON body
                 "instructor": 201, "superuser": 201, "anonymous": 401, "*": 404},
    },

- Each method the route serves gets a mapping role -> status; ``"*"`` stands for
  every role not named. ``LOGIN`` means "302 to the login page".
- Methods a row does not name (of GET, POST, PUT, PATCH, DELETE) must be refused:
  405 for everyone, except that the API answers 401 to an anonymous caller first.
  A row may set ``"other_methods"`` to a status mapping when the route differs.
- For API views the test also checks that every method the view class defines has
  an entry, so a new ``patch()`` on an existing view needs one too.
- Every call runs in a savepoint that is rolled back, so rows may write freely;
  ``w`` (the ``World``) names the objects a row may point at: two courses, their
  exercises, a student's code submission (queued), her text answer (graded, waiting
  for review), her run and API token, a finished regrade, and an LMS link with a
  grade delivery.

Roles: ``student_a`` and ``student_b`` (students of act101), ``instructor`` (of
act101), ``other_instructor`` (of act201 only), ``non_member``, ``grader`` (the
workers' service account, in the ``graders`` group), ``superuser``, ``staff``
(``is_staff`` and no membership: it must see nothing, a regression guard) and
``anonymous``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apitokens.models import ApiToken
from exercises import runs, services
from exercises.models import (
    Course,
    Exercise,
    Membership,
    RegradeJob,
    Run,
    Submission,
    ValidationJob,
)
from lms.models import GradeSync, LtiContext, LtiUser, Registration, ResourceLink
from tests.exercises.authoring_fixtures import gelu_document
from tests.exercises.conftest import SIGMOID_OK, verdict_for
from tests.tokens import issue_token
from webhooks.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

API = "api"
PAGE = "page"
LOGIN = "login"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = (
    "student_a",
    "student_b",
    "instructor",
    "other_instructor",
    "non_member",
    "grader",
    "superuser",
    "staff",
    "anonymous",
)

# Left out on purpose: the admin keeps its own permission system (superusers only,
# tested in test_admin_lets_in_superusers_only); the schema and its docs pages are
# public, static and generated (tests/exercises/test_api_schema.py).
NOT_IN_MATRIX = {
    "admin": "the Django admin: superusers only, see test_admin_lets_in_superusers_only",
    "api-schema": "the public OpenAPI schema, see test_api_schema.py",
    "api-docs": "the public Swagger page, see test_api_schema.py",
    "api-redoc": "the public ReDoc page, see test_api_schema.py",
}

# Course members who do not manage act101, and those outside it.
MEMBERS = ("student_a", "student_b")
OUTSIDERS = ("other_instructor", "non_member", "grader", "staff")

# Authoring endpoints: instructors of act101 and superusers; students 403; others 404.
AUTHORS_ONLY_200 = {
    "instructor": 200,
    "superuser": 200,
    **dict.fromkeys(MEMBERS, 403),
    "anonymous": 401,
    "*": 404,
}

# A course's webhooks send its students' scores out: its instructors only.
WEBHOOK_MANAGERS_200 = {
    "instructor": 200,
    "student_a": 403,
    "student_b": 403,
    "superuser": 403,
    "anonymous": 401,
    "*": 404,
}
MATRIX: dict[str, dict[str, Any]] = {
    # The API's front door and the health check are open to anyone.
    "api-index": {"kind": API, "GET": {"*": 200}, "other_methods": {"*": 405}},
    "healthz": {"kind": PAGE, "GET": {"*": 200}},
    # Not by role: a bearer token or an allowed address (the test client calls from
    # loopback, which is allowed by default; tests/exercises/test_metrics_and_logs.py
    # covers the refusals).
    "metrics": {"kind": PAGE, "GET": {"*": 200}},
    "^api/": {
        "kind": API,
        "path": "/api/v1/no-such-endpoint/",
        "GET": {"*": 404},
        "POST": {"*": 404},
        "PUT": {"*": 404},
        "PATCH": {"*": 404},
        "DELETE": {"*": 404},
    },
    # Exercises: a member of a course offering it; a student only when published.
    "api:exercise-list": {"kind": API, "GET": {"anonymous": 401, "*": 200}},
    "api:exercise-detail": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "GET": {
            "student_a": 200,
            "student_b": 200,
            "instructor": 200,
            "superuser": 200,
            "anonymous": 401,
            "*": 404,
        },
        "PATCH": {"body": {"title": {"en": "Sigmoid, edited"}}, **AUTHORS_ONLY_200},
    },
    "api:exercise-submissions": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "GET": {
            "student_a": 200,
            "student_b": 200,
            "instructor": 200,
            "superuser": 200,
            "anonymous": 401,
            "*": 404,
        },
        "POST": {
            "body": {"code": SIGMOID_OK},
            "student_a": 202,
            "student_b": 202,
            "instructor": 202,
            "superuser": 202,
            "anonymous": 401,
            "*": 404,
        },
    },
    # Submissions: the owner, the course's instructors, superusers. 404 for others.
    "api:submission-list": {"kind": API, "GET": {"anonymous": 401, "*": 200}},
    "api:submission-detail": {
        "kind": API,
        "kwargs": lambda w: {"submission_id": w.code_by_a.id},
        "GET": {
            "student_a": 200,
            "instructor": 200,
            "superuser": 200,
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:submission-started": {
        "kind": API,
        "kwargs": lambda w: {"submission_id": w.code_by_a.id},
        "POST": {"body": {"grading_attempt": 1}, "grader": 200, "anonymous": 401, "*": 403},
    },
    "api:submission-result": {
        "kind": API,
        "kwargs": lambda w: {"submission_id": w.code_by_a.id},
        "POST": {
            "body": lambda w: {"grading_attempt": 1, "verdict": verdict_for(w.sigmoid, 10.0)},
            "grader": 200,
            "anonymous": 401,
            "*": 403,
        },
    },
    "api:submission-review": {
        "kind": API,
        "kwargs": lambda w: {"submission_id": w.essay_by_a.id},
        "POST": {
            "body": {"score": 4.0, "comment": "Clear."},
            "instructor": 200,
            "superuser": 200,
            "student_a": 403,
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:submission-regrade": {
        "kind": API,
        "kwargs": lambda w: {"submission_id": w.code_by_a.id},
        "POST": {
            "instructor": 202,
            "superuser": 202,
            "student_a": 403,
            "anonymous": 401,
            "*": 404,
        },
    },
    # Regrades: instructors of a course offering the exercise; a job is followed by
    # its starter, the course's instructors and superusers.
    "api:exercise-regrade": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "POST": {
            "body": {},
            "instructor": 202,
            "superuser": 202,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:regrade-detail": {
        "kind": API,
        "kwargs": lambda w: {"regrade_id": w.regrade.id},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": 401, "*": 404},
    },
    # Runs (tries on the visible tests): started like a submission, read by their
    # starter only, whatever the role; the verdict comes from a grader account.
    "api:exercise-runs": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "POST": {
            "body": {"code": SIGMOID_OK},
            **dict.fromkeys(MEMBERS, 202),
            "instructor": 202,
            "superuser": 202,
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:run-detail": {
        "kind": API,
        "kwargs": lambda w: {"run_id": w.run_by_a.id},
        "GET": {"student_a": 200, "anonymous": 401, "*": 404},
    },
    "api:run-result": {
        "kind": API,
        "kwargs": lambda w: {"run_id": w.run_by_a.id},
        "POST": {
            "body": lambda w: {"verdict": verdict_for(w.sigmoid, 10.0)},
            "grader": 200,
            "anonymous": 401,
            "*": 403,
        },
    },
    # API tokens: every account but the grader service manages its own, only.
    "apitokens:token-list": {
        "kind": API,
        "GET": {"grader": 403, "anonymous": 401, "*": 200},
        "POST": {"body": {"name": "matrix"}, "grader": 403, "anonymous": 401, "*": 201},
    },
    "apitokens:token-detail": {
        "kind": API,
        "kwargs": lambda w: {"token_id": w.token_of_a.id},
        "GET": {"student_a": 200, "grader": 403, "anonymous": 401, "*": 404},
        "DELETE": {"student_a": 200, "grader": 403, "anonymous": 401, "*": 404},
    },
    # Webhooks: only the course's instructors; its students are refused, others see nothing.
    "webhooks:webhook-list": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": WEBHOOK_MANAGERS_200,
        "POST": {
            "body": {"url": "https://hooks.example.test/new"},
            **WEBHOOK_MANAGERS_200,
            "instructor": 201,
        },
    },
    "webhooks:webhook-detail": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug, "webhook_id": w.webhook.id},
        "GET": WEBHOOK_MANAGERS_200,
        "PATCH": {"body": {"active": False}, **WEBHOOK_MANAGERS_200},
        "DELETE": WEBHOOK_MANAGERS_200,
    },
    "webhooks:webhook-deliveries": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug, "webhook_id": w.webhook.id},
        "GET": WEBHOOK_MANAGERS_200,
    },
    "webhooks:webhook-resend": {
        "kind": API,
        "kwargs": lambda w: {
            "slug": w.course.slug,
            "webhook_id": w.webhook.id,
            "delivery_id": w.webhook_delivery.id,
        },
        "POST": {**WEBHOOK_MANAGERS_200, "instructor": 202},
    },
    # Authoring: instructors of a course offering the exercise (and superusers) export,
    # edit, validate and publish it; students are refused, outsiders see nothing.
    "api:exercise-draft": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "GET": AUTHORS_ONLY_200,
        "DELETE": AUTHORS_ONLY_200,
    },
    "api:markup-preview": {
        "kind": API,
        "POST": {
            "body": {"text": "$x^2$"},
            "instructor": 200,
            "other_instructor": 200,
            "superuser": 200,
            "anonymous": 401,
            "*": 403,
        },
    },
    "api:exercise-export": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "GET": AUTHORS_ONLY_200,
    },
    "api:exercise-validate": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "POST": {**AUTHORS_ONLY_200, "instructor": 202, "superuser": 202},
    },
    "api:exercise-publish": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        # No draft is pending: the authors learn that (409), nobody else may ask.
        "POST": {**AUTHORS_ONLY_200, "instructor": 409, "superuser": 409},
    },
    "api:exercise-versions": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug},
        "GET": AUTHORS_ONLY_200,
    },
    "api:exercise-version": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.sigmoid.slug, "number": 1},
        # Catalog exercises have no published version rows: 404 for the authors too.
        "GET": {**AUTHORS_ONLY_200, "instructor": 404, "superuser": 404},
    },
    "api:validation-detail": {
        "kind": API,
        "kwargs": lambda w: {"job_id": w.validation.id},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": 401, "*": 404},
    },
    "api:validation-result": {
        "kind": API,
        "kwargs": lambda w: {"job_id": w.validation.id},
        "POST": {
            "body": {"report": {"passed": True, "problems": [], "solutions": []}},
            "grader": 200,
            "anonymous": 401,
            "*": 403,
        },
    },
    "api:course-exercises": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug},
        "POST": {
            "body": lambda w: {**gelu_document(), "slug": "gelu-matrix"},
            "instructor": 201,
            "superuser": 201,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    # Courses: members see them; only those who manage one see its results.
    "api:course-list": {"kind": API, "GET": {"anonymous": 401, "*": 200}},
    "api:course-submissions": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {
            "instructor": 200,
            "superuser": 200,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:course-gradebook": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {
            "instructor": 200,
            "superuser": 200,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:course-gradebook-csv": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {
            "instructor": 200,
            "superuser": 200,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:course-exercise-policy": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug, "exercise_slug": w.sigmoid.slug},
        "GET": {
            "instructor": 200,
            "superuser": 200,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
        "PATCH": {
            "body": {"attempt_limit": 5},
            "instructor": 200,
            "superuser": 200,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    "api:course-exercise-analytics": {
        "kind": API,
        "kwargs": lambda w: {"slug": w.course.slug, "exercise_slug": w.sigmoid.slug},
        "GET": {
            "instructor": 200,
            "superuser": 200,
            **dict.fromkeys(MEMBERS, 403),
            "anonymous": 401,
            "*": 404,
        },
    },
    # Pages: read only (writes go through the API); a page one may not see is a 404.
    "pages:home": {"kind": PAGE, "GET": {"anonymous": LOGIN, "*": 200}},
    "pages:login": {
        "kind": PAGE,
        "GET": {"anonymous": 200, "*": 302},
        "POST": {"anonymous": 200, "*": 302},
    },
    "pages:logout": {"kind": PAGE, "POST": {"*": LOGIN}},
    "pages:course": {
        "kind": PAGE,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {
            **dict.fromkeys(MEMBERS, 200),
            "instructor": 200,
            "superuser": 200,
            "anonymous": LOGIN,
            "*": 404,
        },
    },
    "pages:exercise": {
        "kind": PAGE,
        "kwargs": lambda w: {"course_slug": w.course.slug, "slug": w.sigmoid.slug},
        "GET": {
            **dict.fromkeys(MEMBERS, 200),
            "instructor": 200,
            "superuser": 200,
            "anonymous": LOGIN,
            "*": 404,
        },
    },
    "pages:exercise_policy": {
        "kind": PAGE,
        "kwargs": lambda w: {"course_slug": w.course.slug, "slug": w.sigmoid.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:exercise_analytics": {
        "kind": PAGE,
        "kwargs": lambda w: {"course_slug": w.course.slug, "slug": w.sigmoid.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:gradebook": {
        "kind": PAGE,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:exercise_regrade": {
        "kind": PAGE,
        "kwargs": lambda w: {"course_slug": w.course.slug, "slug": w.sigmoid.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:exercise_author": {
        "kind": PAGE,
        "kwargs": lambda w: {"course_slug": w.course.slug, "slug": w.sigmoid.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:exercise_new": {
        "kind": PAGE,
        "kwargs": lambda w: {"course_slug": w.course.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:course_submissions": {
        "kind": PAGE,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "pages:submission": {
        "kind": PAGE,
        "kwargs": lambda w: {"pk": w.essay_by_a.id},
        "GET": {
            "student_a": 200,
            "instructor": 200,
            "superuser": 200,
            "anonymous": LOGIN,
            "*": 404,
        },
    },
    # LTI protocol endpoints are authorised by signed messages, not by who is signed
    # in: without a valid message everyone gets the same refusal.
    "lms:login": {"kind": PAGE, "GET": {"*": 400}, "POST": {"*": 400}},
    "lms:launch": {"kind": PAGE, "POST": {"*": 400}},
    "lms:deep_link_launch": {"kind": PAGE, "POST": {"*": 400}},
    "lms:deep_link_respond": {"kind": PAGE, "POST": {"*": 400}},
    "lms:jwks": {"kind": PAGE, "GET": {"*": 200}},
    # The instructor's LMS page and its two actions.
    "lms:course": {
        "kind": PAGE,
        "kwargs": lambda w: {"slug": w.course.slug},
        "GET": {"instructor": 200, "superuser": 200, "anonymous": LOGIN, "*": 404},
    },
    "lms:send_again": {
        "kind": PAGE,
        "kwargs": lambda w: {"slug": w.course.slug, "sync_id": w.grade_sync.id},
        "POST": {"instructor": 302, "superuser": 302, "anonymous": LOGIN, "*": 404},
    },
    "lms:sync_roster": {
        "kind": PAGE,
        "kwargs": lambda w: {"slug": w.course.slug, "context_id": w.lti_context.id},
        "POST": {"instructor": 302, "superuser": 302, "anonymous": LOGIN, "*": 404},
    },
}


def _walk(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            if inner:
                full = f"{namespace}{inner}"
                if full in NOT_IN_MATRIX:
                    continue
                yield from _walk(pattern.url_patterns, f"{full}:")
            else:
                yield from _walk(pattern.url_patterns, namespace)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern.callback
        else:
            yield str(pattern.pattern), pattern.callback


def site_routes() -> dict[str, Any]:
    """Every route of ``actquiz.urls`` (but ``NOT_IN_MATRIX``) -> its view callback."""
    return {
        key: callback
        for key, callback in _walk(get_resolver().url_patterns)
        if key not in NOT_IN_MATRIX
    }


def test_every_route_has_a_row() -> None:
    routes = site_routes()
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, (
        f"Routes without a row in the access matrix: {missing}. Add one dict per route "
        f"to MATRIX in {__file__} (see its docstring): who may call each method, and "
        "with which status."
    )
    stale = sorted(set(MATRIX) - set(routes))
    assert not stale, f"Rows for routes that no longer exist: {stale}; remove them."


def test_every_method_an_api_view_serves_has_an_entry() -> None:
    undeclared = []
    for key, callback in site_routes().items():
        view_class = getattr(callback, "cls", None)
        if not (isinstance(view_class, type) and issubclass(view_class, APIView)):
            continue
        for method in METHODS:
            if hasattr(view_class, method.lower()) and method not in MATRIX[key]:
                undeclared.append(f"{key} {method}")
    assert not undeclared, f"Add these methods to their rows in MATRIX: {undeclared}"


@dataclass
class World:
    course: Course
    other_course: Course
    sigmoid: Exercise
    essay: Exercise
    code_by_a: Submission
    essay_by_a: Submission
    run_by_a: Run
    regrade: RegradeJob
    validation: ValidationJob
    token_of_a: ApiToken
    webhook: Webhook
    webhook_delivery: WebhookDelivery
    lti_context: LtiContext
    grade_sync: GradeSync
    users: dict[str, AbstractBaseUser | None]


@pytest.fixture
def world(
    add_exercise: Callable[..., Exercise],
    make_user: Callable[..., AbstractBaseUser],
    course: Course,
    other_course: Course,
) -> World:
    sigmoid = add_exercise("sigmoid-numpy")
    essay = add_exercise("dying-relu-explain")
    add_exercise("relu-numpy", published=False)
    add_exercise("tanh-numpy", to=other_course)
    instructor_role = Membership.Role.INSTRUCTOR
    users: dict[str, AbstractBaseUser | None] = {
        "student_a": make_user("alice", course=course),
        "student_b": make_user("bob", course=course),
        "instructor": make_user("teacher", course=course, role=instructor_role),
        "other_instructor": make_user("t2", course=other_course, role=instructor_role),
        "non_member": make_user("mallory"),
        "grader": make_user("grader", grader=True),
        "superuser": make_user("root", superuser=True),
        "staff": make_user("staffer", staff=True),
        "anonymous": None,
    }
    alice = users["student_a"]
    code_by_a = services.submission_create(
        user=alice, exercise=sigmoid, code=SIGMOID_OK, course=course
    )
    essay_by_a = services.submission_create(
        user=alice, exercise=essay, answer="ReLU outputs zero for negative input.", course=course
    )
    services.submission_record_result(
        submission_id=essay_by_a.id,
        grading_attempt=1,
        verdict=verdict_for(essay, 2.0, needs_review=True),
    )
    run_by_a = runs.run_create(user=alice, exercise=sigmoid, course=course, code=SIGMOID_OK)
    # Finished, so that it does not hold back a new regrade of the exercise.
    regrade = RegradeJob.objects.create(
        exercise=sigmoid,
        scope="course act101",
        course=course,
        status=RegradeJob.Status.DONE,
        created_by=users["instructor"],
    )
    validation = ValidationJob.objects.create(
        exercise=sigmoid, document_hash="0" * 64, created_by=users["instructor"]
    )
    issue_token(alice)
    token_of_a = ApiToken.objects.filter(user=alice).get()
    webhook = Webhook.objects.create(
        course=course,
        url="https://hooks.example.test/actquiz",
        events=["score.changed"],
        secret="whsec_matrix",
    )
    registration = Registration.objects.create(
        issuer="https://lms.example.test",
        client_id="matrix",
        auth_login_url="https://lms.example.test/auth",
        auth_token_url="https://lms.example.test/token",
        key_set_url="https://lms.example.test/jwks",
    )
    lti_context = LtiContext.objects.create(
        registration=registration, context_id="ctx-1", course=course
    )
    link = ResourceLink.objects.create(context=lti_context, resource_link_id="rl-1", exercise=essay)
    lti_user = LtiUser.objects.create(registration=registration, sub="alice-sub", user=alice)
    grade_sync = GradeSync.objects.create(resource_link=link, lti_user=lti_user)
    return World(
        course=course,
        other_course=other_course,
        sigmoid=sigmoid,
        essay=essay,
        code_by_a=code_by_a,
        essay_by_a=essay_by_a,
        run_by_a=run_by_a,
        regrade=regrade,
        validation=validation,
        token_of_a=token_of_a,
        webhook=webhook,
        webhook_delivery=WebhookDelivery.objects.create(
            webhook=webhook, event="score.changed", payload={}
        ),
        lti_context=lti_context,
        grade_sync=grade_sync,
        users=users,
    )


@pytest.fixture
def private_lms_queue(settings: Any) -> Iterator[None]:
    """ "Send again" really talks to the broker: keep its message off the shared queue."""
    import redis

    queue = f"matrix-lms-{id(settings)}"
    settings.ACTQUIZ_LMS_QUEUE = queue
    settings.ACTQUIZ_WEBHOOK_QUEUE = queue
    yield
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)


def expected_status(row: dict[str, Any], method: str, role: str) -> int | str:
    entry = row.get(method)
    if entry is None:
        entry = row.get("other_methods")
    if entry is None:
        refused = 401 if row["kind"] == API and role == "anonymous" else 405
        return refused
    return entry[role] if role in entry else entry["*"]


@pytest.fixture(scope="module")
def shared_client() -> APIClient:
    # One client for the module: each new client loads the middleware again, and
    # WhiteNoise then scans every static file (most of a second per client).
    return APIClient()


@dataclass(frozen=True)
class Credentials:
    token: str
    session: str


def sign_in(client: APIClient, user: AbstractBaseUser | None) -> Credentials | None:
    """Return a token and a session key for ``user`` (both, as a browser script has)."""
    if user is None:
        return None
    # A fresh cookie jar: logging in over another user's session would end that one.
    client.cookies = SimpleCookie()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    return Credentials(issue_token(user), session)


def act_as(client: APIClient, credentials: Credentials | None) -> APIClient:
    client.cookies = SimpleCookie()
    client.credentials()
    if credentials is not None:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = credentials.session
        client.credentials(HTTP_AUTHORIZATION=f"Token {credentials.token}")
    return client


def observed(response: Any) -> int | str:
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith(reverse("pages:login")):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_role_gets_the_expected_status_on_each_method(
    route: str, world: World, private_lms_queue: None, shared_client: APIClient
) -> None:
    row = MATRIX[route]
    signed_in = {role: sign_in(shared_client, user) for role, user in world.users.items()}
    url = (
        row["path"]
        if "path" in row
        else reverse(route, kwargs=row.get("kwargs", lambda w: {})(world))
    )
    wrong = []
    for method in METHODS:
        entry = row.get(method) or {}
        body = entry.get("body")
        if callable(body):
            body = body(world)
        for role in ROLES:
            with transaction.atomic():
                client = act_as(shared_client, signed_in[role])
                if body is None:
                    response = client.generic(method, url)
                else:
                    response = client.generic(
                        method, url, json.dumps(body), content_type="application/json"
                    )
                transaction.set_rollback(True)
            want = expected_status(row, method, role)
            got = observed(response)
            if got != want:
                wrong.append(f"{method} {url} as {role}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_admin_lets_in_superusers_only(world: World, shared_client: APIClient) -> None:
    for role, status in (("superuser", 200), ("staff", 302), ("instructor", 302)):
        client = act_as(shared_client, sign_in(shared_client, world.users[role]))
        assert client.get("/admin/").status_code == status, role
