"""The instructor's regrade page through Django's test client: who sees it, what it follows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from exercises import regrading
from exercises.models import Course, Exercise, Membership
from tests.exercises.test_page_views import browser_for, graded

pytestmark = pytest.mark.django_db

PAGE = "/courses/act101/exercises/sigmoid-numpy/regrade/"


def test_an_instructor_gets_the_regrade_control_for_their_course(
    instructor: AbstractBaseUser, student: AbstractBaseUser, sigmoid: Exercise
) -> None:
    response = browser_for(instructor).get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-start-url="/api/v1/exercises/sigmoid-numpy/regrade/"' in page
    assert 'data-course="act101"' in page
    assert '<option value="alice">alice</option>' in page
    assert "<script>" not in page, "the CSP allows no inline script"
    gradebook = browser_for(instructor).get("/courses/act101/gradebook/").content.decode()
    assert f'href="{PAGE}"' in gradebook


def test_the_page_follows_the_running_regrade_of_the_exercise(
    instructor: AbstractBaseUser, student: AbstractBaseUser, sigmoid: Exercise, course: Course
) -> None:
    graded(student, sigmoid, course, 6.0)
    scope = regrading.regrade_scope(exercise=sigmoid, courses=None, course="act101")
    job = regrading.regrade_start(exercise=sigmoid, scope=scope, started_by=instructor)

    page = browser_for(instructor).get(PAGE).content.decode()

    assert f'data-job-url="/api/v1/regrades/{job.pk}/"' in page


@pytest.mark.parametrize("who", ["student", "outsider", "other_instructor", None])
def test_nobody_else_gets_the_regrade_page(
    who: str | None,
    request: pytest.FixtureRequest,
    sigmoid: Exercise,
    other_course: Course,
    make_user: Callable[..., AbstractBaseUser],
) -> None:
    if who == "other_instructor":
        user = make_user("teacher2", course=other_course, role=Membership.Role.INSTRUCTOR)
    elif who is None:
        user = None
    else:
        user = request.getfixturevalue(who)

    response = (browser_for(user) if user else Client()).get(PAGE)

    assert response.status_code == (302 if user is None else 404)


def test_an_exercise_the_course_does_not_offer_has_no_regrade_page(
    instructor: AbstractBaseUser, sigmoid: Exercise
) -> None:
    response = browser_for(instructor).get("/courses/act101/exercises/relu-numpy/regrade/")
    assert response.status_code == 404
