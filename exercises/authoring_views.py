"""The author's pages: a new exercise for a course, and the editor of one exercise.

Thin like every page: access through ``exercises.access``, and every write (saving the
draft, a dry run, validating, publishing) goes from the page's JavaScript to the
authoring API, so the page can do nothing the API would refuse.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from exercises import access
from exercises.models import Exercise

LOGIN_URL = "pages:login"


def _api(name: str, *args: object) -> str:
    return reverse(f"api:{name}", args=args)


def _choices() -> dict[str, list[str]]:
    # Imported here: the checks' registry belongs to the grading engine, which the
    # pages read only for its names.
    from graders.engine.checks import CHECKS
    from graders.engine.hints import HINTS

    return {"checks": sorted(CHECKS), "hints": sorted(HINTS)}


@require_GET
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def exercise_new(request: HttpRequest, course_slug: str) -> HttpResponse:
    """Let an instructor start a draft: a copy of one of the course's exercises, or a document.

    Args:
        request: the page request.
        course_slug: the course the new exercise joins; only its instructors see the page.

    Returns:
        The page; creating the draft goes through ``POST /api/v1/courses/{course}/exercises/``.
    """
    course = access.access_managed_course(request.user, course_slug, conceal=True)
    exercises = [
        exercise
        for exercise in access.course_exercises_visible_to(request.user, course)
        if access.can_edit_exercise(request.user, exercise)
    ]
    context = {
        "course": course,
        "exercises": exercises,
        "create_url": _api("course-exercises", course.slug),
        "author_url_template": reverse("pages:exercise_author", args=[course.slug, "SLUG"]),
    }
    return render(request, "exercises/exercise_new.html", context)


@require_GET
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def exercise_author(request: HttpRequest, course_slug: str, slug: str) -> HttpResponse:
    """The author page of one exercise: edit the draft, dry run, validate, publish.

    Args:
        request: the page request.
        course_slug: a course the user teaches that offers the exercise.
        slug: the exercise; anything the user may not author is a 404.

    Returns:
        The page; it loads the draft from ``GET /api/v1/exercises/{slug}/draft/``.
    """
    course = access.access_managed_course(request.user, course_slug, conceal=True)
    exercise: Exercise = access.access_course_exercise(request.user, course, slug)
    if not access.can_edit_exercise(request.user, exercise):
        raise Http404("Not a page for you.")
    context = {
        "course": course,
        "exercise": exercise,
        "choices": _choices(),
        "urls": {
            "draft": _api("exercise-draft", exercise.slug),
            "patch": _api("exercise-detail", exercise.slug),
            "runs": _api("exercise-runs", exercise.slug),
            "validate": _api("exercise-validate", exercise.slug),
            "publish": _api("exercise-publish", exercise.slug),
            "versions": _api("exercise-versions", exercise.slug),
            "export": _api("exercise-export", exercise.slug) + "?draft=1",
            "preview": _api("markup-preview"),
            "student_page": reverse("pages:exercise", args=[course.slug, exercise.slug]),
        },
    }
    return render(request, "exercises/author.html", context)
