"""Fixtures for the Django core: real catalog exercises, a course, users with tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from rest_framework.test import APIClient

from exercises import services
from exercises.models import Course, CourseExercise, Exercise, Membership
from tests.tokens import issue_token

SIGMOID_OK = """import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
"""


@pytest.fixture(scope="session")
def catalog() -> dict[str, dict[str, Any]]:
    from graders.engine import load_catalog

    return {entry["slug"]: entry for entry in load_catalog(settings.ACTQUIZ_CATALOG_DIR)}


@pytest.fixture
def course(db: None) -> Course:
    return Course.objects.create(slug="act101", title="Activation functions")


@pytest.fixture
def other_course(db: None) -> Course:
    return Course.objects.create(slug="act201", title="Another course")


@pytest.fixture
def add_exercise(catalog: dict[str, dict[str, Any]], course: Course) -> Callable[..., Exercise]:
    """Load catalog exercise ``slug`` and offer it in ``course`` (default: act101)."""

    def add(slug: str, *, published: bool = True, to: Course | None = None) -> Exercise:
        exercise, _ = services.exercise_upsert_from_catalog(catalog[slug])
        if exercise.published != published:
            exercise.published = published
            exercise.save(update_fields=["published"])
        CourseExercise.objects.get_or_create(
            course=to or course, exercise=exercise, defaults={"position": exercise.id}
        )
        return exercise

    return add


@pytest.fixture
def sigmoid(add_exercise: Callable[..., Exercise]) -> Exercise:
    return add_exercise("sigmoid-numpy")


@pytest.fixture
def make_user(db: None) -> Callable[..., AbstractBaseUser]:
    def make(
        username: str,
        *,
        course: Course | None = None,
        role: str = Membership.Role.STUDENT,
        staff: bool = False,
        superuser: bool = False,
        grader: bool = False,
    ) -> AbstractBaseUser:
        user = get_user_model().objects.create_user(username=username, password="pw-123456")
        if staff or superuser:
            user.is_staff = True
            user.is_superuser = superuser
            user.save(update_fields=["is_staff", "is_superuser"])
        if course is not None:
            Membership.objects.create(user=user, course=course, role=role)
        if grader:
            group, _ = Group.objects.get_or_create(name=settings.ACTQUIZ_GRADER_GROUP)
            user.groups.add(group)
        return user

    return make


@pytest.fixture
def student(make_user: Callable[..., AbstractBaseUser], course: Course) -> AbstractBaseUser:
    return make_user("alice", course=course)


@pytest.fixture
def other_student(make_user: Callable[..., AbstractBaseUser], course: Course) -> AbstractBaseUser:
    return make_user("bob", course=course)


@pytest.fixture
def instructor(make_user: Callable[..., AbstractBaseUser], course: Course) -> AbstractBaseUser:
    return make_user("teacher", course=course, role=Membership.Role.INSTRUCTOR)


@pytest.fixture
def outsider(make_user: Callable[..., AbstractBaseUser]) -> AbstractBaseUser:
    return make_user("mallory")


@pytest.fixture
def staff(make_user: Callable[..., AbstractBaseUser]) -> AbstractBaseUser:
    """``is_staff`` without any membership: it grants nothing (only superusers see all)."""
    return make_user("staffer", staff=True)


@pytest.fixture
def superuser(make_user: Callable[..., AbstractBaseUser]) -> AbstractBaseUser:
    return make_user("admin", superuser=True)


@pytest.fixture
def grader(make_user: Callable[..., AbstractBaseUser]) -> AbstractBaseUser:
    return make_user("grader", grader=True)


@pytest.fixture
def client_for() -> Callable[[AbstractBaseUser | None], APIClient]:
    """An API client authenticated with an API token of the user (anonymous for None)."""
    secrets: dict[int, str] = {}

    def make(user: AbstractBaseUser | None) -> APIClient:
        client = APIClient()
        if user is not None:
            if user.pk not in secrets:
                secrets[user.pk] = issue_token(user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {secrets[user.pk]}")
        return client

    return make


@pytest.fixture
def submit(
    client_for: Callable[[AbstractBaseUser | None], APIClient],
) -> Callable[..., Any]:
    """POST a JSON submission body for ``user`` to exercise ``slug``; returns the response."""

    def post(user: AbstractBaseUser | None, slug: str, body: Any) -> Any:
        return client_for(user).post(f"/api/v1/exercises/{slug}/submissions/", body, format="json")

    return post


def verdict_for(exercise: Exercise, score: float, **extra: Any) -> dict[str, Any]:
    """A verdict as the engine would produce it for ``exercise``."""
    verdict = {
        "exercise": exercise.slug,
        "status": "graded",
        "score": score,
        "max_score": exercise.points,
        "tests": [
            {
                "name": "course_example",
                "passed": score > 0,
                "points": score,
                "max_points": exercise.points,
                "message": "",
                "hidden": False,
            }
        ],
        "error": None,
        "seed": 1,
        "hints": [],
        "needs_review": False,
        "extra": {},
    }
    verdict.update(extra)
    return verdict
