"""Pages for students and instructors: thin views over access rules and selectors.

Every page reads through ``exercises.access`` (what this user may see) and renders a
template; every write (submitting, reviewing) goes from the page's JavaScript to the
REST API, so the pages and the API cannot disagree about validation or access.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from exercises import access, analytics, reviews, selectors, services
from exercises.course_apis import policy_data
from exercises.course_sections import course_sections
from exercises.models import Exercise, Membership, RegradeJob
from exercises.progress import course_progress, student_standing

LOGIN_URL = "pages:login"
# How many earlier submissions the exercise page lists.
HISTORY_LENGTH = 20
# How many submissions the course's submission list shows.
SUBMISSION_PAGE_LENGTH = 200
API_ROOT = "/api/v1"


@require_GET
@login_required(login_url=LOGIN_URL)
def home(request: HttpRequest) -> HttpResponse:
    """List the courses the signed-in user belongs to.

    Args:
        request: the page request.

    Returns:
        The course list page.
    """
    courses = [
        {"course": course, "instructor": access.can_manage_course(request.user, course)}
        for course in access.courses_visible_to(request.user).order_by("title")
    ]
    return render(request, "exercises/home.html", {"courses": courses})


@require_GET
@login_required(login_url=LOGIN_URL)
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Show a course's exercises with the user's best score and status on each.

    Args:
        request: the page request.
        slug: the course slug; a course the user is not in is a 404.

    Returns:
        The course page.
    """
    course = access.access_course(request.user, slug)
    exercises = access.course_exercises_visible_to(request.user, course)
    progress = course_progress(request.user, course, exercises)
    context = {
        "course": course,
        "progress": progress,
        "sections": course_sections(progress),
        "instructor": access.can_manage_course(request.user, course),
    }
    return render(request, "exercises/course.html", context)


@require_GET
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def exercise_detail(request: HttpRequest, course_slug: str, slug: str) -> HttpResponse:
    """Show one exercise with the form that submits an answer through the REST API.

    Args:
        request: the page request.
        course_slug: the course the exercise is taken in.
        slug: the exercise slug; one the course does not offer, or the user may not
            see (unpublished, for a student), is a 404.

    Returns:
        The exercise page: prompt, signature, editor or answer form, earlier submissions.
    """
    course = access.access_course(request.user, course_slug)
    exercise = access.access_course_exercise(request.user, course, slug)
    variant = None
    seed = None
    if exercise.kind in (Exercise.Kind.NUMERIC, Exercise.Kind.CHOICE):
        seed = services.variant_for(user=request.user, exercise=exercise).seed
        variant = selectors.exercise_variant(exercise, seed)
    history = [
        s
        for s in selectors.user_submissions(request.user, exercise_slug=exercise.slug)
        if s.course_id in (None, course.id)
    ][:HISTORY_LENGTH]
    context = {
        "course": course,
        "exercise": exercise,
        "question": selectors.public_spec(exercise, seed),
        "variant": variant,
        "history": history,
        "instructor": access.can_manage_course(request.user, course),
        "can_submit": access.can_submit_in(request.user, exercise, course),
        "submit_url": f"{API_ROOT}/exercises/{exercise.slug}/submissions/",
        "run_url": f"{API_ROOT}/exercises/{exercise.slug}/runs/",
        "submissions_api": f"{API_ROOT}/submissions/",
        "standing": student_standing(request.user, course, exercise),
    }
    return render(request, "exercises/exercise.html", context)


@require_GET
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def exercise_policy(request: HttpRequest, course_slug: str, slug: str) -> HttpResponse:
    """Show an instructor the form that edits one exercise's policy in the course.

    Args:
        request: the page request.
        course_slug: the course; only its instructors may see the page, others get a 404.
        slug: the exercise slug; one the course does not offer is a 404.

    Returns:
        The policy page; its form saves through ``PATCH`` on the policy API.
    """
    access.access_managed_course(request.user, course_slug, conceal=True)
    offering = access.access_course_offering(request.user, course_slug, slug)
    course = offering.course
    context = {
        "course": course,
        "exercise": offering.exercise,
        "policy": policy_data(offering),
        "policy_api": f"{API_ROOT}/courses/{course.slug}/exercises/{slug}/",
    }
    return render(request, "exercises/policy.html", context)


@require_GET
@login_required(login_url=LOGIN_URL)
def exercise_analytics(request: HttpRequest, course_slug: str, slug: str) -> HttpResponse:
    """Show an instructor how the course did on one exercise.

    Args:
        request: the page request.
        course_slug: the course; only its instructors may see the page, others get a 404.
        slug: the exercise slug; one the course does not offer is a 404.

    Returns:
        The analytics page: score histogram (inline SVG), pass rate per test, the most
        frequent failing tests and hints, median attempts to full marks, per-student
        timelines.
    """
    access.access_managed_course(request.user, course_slug, conceal=True)
    offering = access.access_course_offering(request.user, course_slug, slug)
    data = analytics.exercise_analytics(offering)
    context = {
        "course": offering.course,
        "exercise": offering.exercise,
        "data": data,
        "chart": analytics.histogram_chart(data["histogram"]),
        "api_url": f"{API_ROOT}/courses/{offering.course.slug}/exercises/{slug}/analytics/",
    }
    return render(request, "exercises/analytics.html", context)


@require_GET
@login_required(login_url=LOGIN_URL)
def gradebook(request: HttpRequest, slug: str) -> HttpResponse:
    """Show an instructor the course gradebook: students x exercises, best score, attempts.

    Args:
        request: the page request.
        slug: the course slug; only its instructors (and superusers) may see it, others get a 404.

    Returns:
        The gradebook page.
    """
    course = access.access_managed_course(request.user, slug, conceal=True)
    book = selectors.gradebook(course)
    rows = [
        {
            "username": student["username"],
            "name": student["name"],
            "user_id": student["user_id"],
            "total": student["total"],
            "total_provisional": student["total_provisional"],
            "cells": [
                {"exercise": exercise, **student["exercises"][exercise["slug"]]}
                for exercise in book["exercises"]
            ],
        }
        for student in book["students"]
    ]
    context = {
        "course": course,
        "book": book,
        "rows": rows,
        "list_url": reverse("pages:course_submissions", args=[course.slug]),
        "csv_url": reverse("api:course-gradebook-csv", args=[course.slug]),
    }
    return render(request, "exercises/gradebook.html", context)


@require_GET
@login_required(login_url=LOGIN_URL)
def course_submissions(request: HttpRequest, slug: str) -> HttpResponse:
    """List a course's submissions for its instructor, filtered by student or exercise.

    Args:
        request: the page request; ``?student=<user id>``, ``?exercise=<slug>`` and
            ``?review=1`` (the review queue: each student's latest attempt waiting
            for review, oldest first) narrow the list.
        slug: the course slug; only its instructors (and superusers) may see it.

    Returns:
        The submission list page.
    """
    course = access.access_managed_course(request.user, slug, conceal=True)
    filters: dict[str, Any] = {}
    student = request.GET.get("student", "")
    user_id = int(student) if student.isdigit() else None
    if user_id is not None:
        filters["student"] = (
            Membership.objects.filter(course=course, user_id=user_id).select_related("user").first()
        )
    exercise = request.GET.get("exercise", "")
    if exercise:
        filters["exercise"] = exercise
    review = request.GET.get("review") == "1"
    if review:
        filters["review"] = True
    submissions = selectors.course_submissions(
        course,
        exercise_slug=exercise or None,
        user_id=user_id,
        needs_review=review,
        limit=SUBMISSION_PAGE_LENGTH,
    )
    context = {
        "course": course,
        "submissions": submissions,
        "filters": filters,
        "queue_length": selectors.review_queue(course).count(),
    }
    return render(request, "exercises/course_submissions.html", context)


@require_GET
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one submission: the code or answer, the verdict, and (instructors) the review form.

    Args:
        request: the page request.
        pk: the submission id; one the user may not see is a 404.

    Returns:
        The submission page; the verdict itself is fetched from the REST API.
    """
    submission = access.access_submission(request.user, pk)
    can_review = access.can_review_submission(request.user, submission)
    next_in_queue = None
    if can_review and submission.course is not None:
        next_in_queue = selectors.review_queue_next(submission.course, submission)
    overrides = submission.reviewed_items or {}
    review_items = [
        {"name": name, **item, "value": overrides.get(name, item["points"])}
        for name, item in reviews.review_items_of(submission).items()
    ]
    context = {
        "submission": submission,
        "exercise": submission.exercise,
        "question": selectors.public_spec(submission.exercise, submission.seed),
        "can_review": can_review,
        "review_items": review_items if can_review else [],
        "next_in_queue": next_in_queue,
        "submission_url": f"{API_ROOT}/submissions/{submission.pk}/",
        "review_url": f"{API_ROOT}/submissions/{submission.pk}/review/",
    }
    return render(request, "exercises/submission.html", context)


@require_GET
@ensure_csrf_cookie
@login_required(login_url=LOGIN_URL)
def exercise_regrade(request: HttpRequest, course_slug: str, slug: str) -> HttpResponse:
    """Show an instructor the regrade control of one exercise in their course, with progress.

    Args:
        request: the page request.
        course_slug: the course; only its instructors (and superusers) may see the page.
        slug: an exercise the course offers; anything else is a 404.

    Returns:
        The regrade page; starting and following a regrade go through the REST API.
    """
    course = access.access_managed_course(request.user, course_slug, conceal=True)
    exercise = access.access_course_exercise(request.user, course, slug)
    jobs = access.regrades_visible_to(request.user).filter(exercise=exercise)
    job = (
        jobs.filter(status=RegradeJob.Status.RUNNING).first()
        or jobs.filter(course=course).order_by("-created_at", "-id").first()
    )
    students = (
        Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user")
        .order_by("user__username")
    )
    context = {
        "course": course,
        "exercise": exercise,
        "students": [membership.user for membership in students],
        "start_url": f"{API_ROOT}/exercises/{exercise.slug}/regrade/",
        "job_url": f"{API_ROOT}/regrades/{job.pk}/" if job else "",
        "gradebook_url": reverse("pages:gradebook", args=[course.slug]),
    }
    return render(request, "exercises/regrade.html", context)
