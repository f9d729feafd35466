"""The REST API under /api/v1/: thin views that check access, call a service, serialize."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from actquiz import metrics
from actquiz.exceptions import ApiError
from actquiz.throttles import SharedScopedRateThrottle
from exercises import (
    access,
    api_schema,
    authoring_apis,
    list_filters,
    long_poll,
    pagination,
    progress,
    regrading,
    reviews,
    runs,
    selectors,
    serializers,
    services,
)
from exercises.models import (
    CourseExercise,
    Exercise,
    Membership,
    RegradeJob,
    Run,
    Submission,
)

SETTLED_SUBMISSION = (Submission.Status.GRADED, Submission.Status.FAILED)


class ExerciseListApi(APIView):
    @api_schema.EXERCISE_LIST
    def get(self, request: Request) -> Response:
        """List the exercises the caller may see, by slug; ``?course=slug`` keeps one
        course's, in course order. Filters: kind, framework, concept, published."""
        exercises = selectors.exercises_matching(
            access.exercises_visible_to(request.user), list_filters.exercise_filters(request)
        )
        course_slug = request.query_params.get("course")
        if course_slug:
            course = access.access_course(request.user, course_slug)
            exercises = selectors.in_course_order(exercises, course)
        return pagination.paginated(
            request,
            exercises,
            lambda page: (
                serializers.ExerciseListSerializer(
                    page, many=True, context={"request": request}
                ).data
            ),
            default_limit=pagination.LIST_PAGE,
        )


def _submission_page(
    request: Request, submissions: QuerySet[Submission], *, full: bool, default_limit: int
) -> Response:
    return pagination.paginated(
        request,
        submissions,
        lambda page: [serializers.submission_data(s, request, full=full) for s in page],
        default_limit=default_limit,
    )


def _listed_submissions(request: Request, filters: list_filters.SubmissionFilters) -> Response:
    """The caller's own submissions, or (instructors) another user's they may see.

    Another user's rows are all visible through teaching or as a superuser, so they
    carry the full feedback; the caller's own carry what a student sees.
    """
    submissions = access.submissions_listed_for(request.user, of=filters.user)
    own = filters.user is None or filters.user in (
        request.user.get_username(),
        str(request.user.pk),
    )
    return _submission_page(
        request,
        selectors.submissions_matching(submissions, filters),
        full=not own,
        default_limit=pagination.SUBMISSION_PAGE,
    )


class ExerciseDetailApi(APIView):
    @api_schema.EXERCISE_DETAIL
    def get(self, request: Request, slug: str) -> Response:
        """Show one exercise with the caller's variant; never its reference or hidden spec."""
        exercise = access.access_exercise(request.user, slug)
        variant = services.variant_for(user=request.user, exercise=exercise)
        context = {
            "request": request,
            "public_spec": selectors.public_spec(exercise, variant.seed),
            "variant": selectors.exercise_variant(exercise, variant.seed),
        }
        return Response(serializers.ExerciseDetailSerializer(exercise, context=context).data)

    @api_schema.EXERCISE_PATCH
    def patch(self, request: Request, slug: str) -> Response:
        """Edit the draft with a partial exercise document (authors); the live version stays."""
        return authoring_apis.exercise_patch(request, slug)


class ExerciseSubmissionsApi(APIView):
    throttle_scope = "submissions"

    def get_throttles(self) -> list[Any]:
        # Only creating a submission costs a grading run; reading is not throttled.
        return [SharedScopedRateThrottle()] if self.request.method == "POST" else []

    @api_schema.EXERCISE_SUBMISSION_LIST
    def get(self, request: Request, slug: str) -> Response:
        """List the caller's own submissions to exercise ``slug``, newest first (filters as
        for /submissions/)."""
        access.access_exercise(request.user, slug)
        filters = replace(list_filters.submission_filters(request), exercise=slug)
        return _listed_submissions(request, filters)

    @api_schema.SUBMIT
    def post(self, request: Request, slug: str) -> Response:
        """Submit ``{"code"}`` or ``{"answer"}`` (and optionally ``"course"``); 202 when queued."""
        body = _submission_body(request, slug)
        exercise, offering = _submit_route(request, slug, body.get("course"))
        submission = services.submission_create(
            user=request.user,
            exercise=exercise,
            code=body.get("code"),
            answer=body.get("answer"),
            course=offering.course if offering is not None else None,
            offering=offering,
        )
        url = request.build_absolute_uri(reverse("api:submission-detail", args=[submission.id]))
        # A late submission is stored and graded; the notice says what the policy takes.
        notice = progress.submission_notice(submission, offering=offering)
        return Response(
            {"id": submission.id, "status": submission.status, "url": url, "notice": notice},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


def _submission_body(request: Request, slug: str) -> dict[str, Any]:
    try:
        return serializers.submission_body(request.data)
    except ApiError:
        access.access_exercise(request.user, slug)  # an exercise nobody shows is a 404 first
        raise


def _submit_route(
    request: Request, slug: str, course_slug: str | None
) -> tuple[Exercise, CourseExercise | None]:
    """The exercise ``slug`` and the course offering a submission goes through (or None).

    One query when the caller may submit through a course; otherwise the full checks
    run, so a refusal is the same 404 or 403 either way.
    """
    offering = access.offering_to_submit_in(request.user, slug, course_slug)
    if offering is not None:
        return offering.exercise, offering
    exercise = access.access_exercise(request.user, slug)
    return exercise, _submission_offering(request, exercise, course_slug)


def _submission_offering(
    request: Request, exercise: Exercise, slug: str | None
) -> CourseExercise | None:
    """The course offering a submission is made through (its course loaded), or None."""
    offerings = access.offerings_to_submit_in(request.user, exercise).order_by("course_id")
    if slug is not None:
        offering = offerings.filter(course__slug=slug).first()
        if offering is None:
            raise NotFound(f"You cannot submit to {exercise.slug} in course {slug!r}.")
        return offering
    offering = offerings.first()
    if offering is not None:
        return offering
    if access.can_submit_without_course(request.user):
        return None
    raise PermissionDenied(f"{exercise.slug} is not open for submissions.")


class ExerciseRunsApi(APIView):
    throttle_scope = "runs"
    throttle_classes = [SharedScopedRateThrottle]

    @api_schema.RUN_CREATE
    def post(self, request: Request, slug: str) -> Response:
        """Run ``{"code"}`` on the visible tests (no attempt counted); 202 with the run's url.

        ``"draft": true`` (instructors of a course with the exercise): a dry run of the
        draft document, or of the current exercise, on every test; it also takes answers.
        """
        exercise = access.access_exercise(request.user, slug)
        body = serializers.run_body(request.data)
        if body["draft"]:
            if not access.can_try_draft(request.user, exercise):
                raise PermissionDenied("Only an instructor of this exercise may dry run its draft.")
            course = access.courses_to_submit_in(request.user, exercise).order_by("id").first()
        else:
            offering = _submission_offering(request, exercise, body.get("course"))
            course = offering.course if offering is not None else None
        run = runs.run_create(
            user=request.user,
            exercise=exercise,
            course=course,
            code=body.get("code"),
            answer=body.get("answer"),
            draft=body["draft"],
        )
        url = request.build_absolute_uri(reverse("api:run-detail", args=[run.id]))
        return Response(
            {"id": run.id, "status": run.status, "url": url},
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )


class RunDetailApi(APIView):
    @api_schema.RUN_DETAIL
    def get(self, request: Request, run_id: int) -> Response:
        """Show a run to the user who started it: status, then the visible tests' verdict.

        ``?wait=S`` (up to 10): while it is queued, answer as soon as it is done or
        failed, or after S seconds.
        """
        visible = access.runs_visible_to(request.user).select_related("exercise", "course")
        run = get_object_or_404(visible, pk=run_id)
        wait = long_poll.wait_seconds(request)
        if wait and run.status == Run.Status.QUEUED and not runs.run_expired(run):
            long_poll.wait_for_change(
                "run",
                run.id,
                wait,
                lambda: Run.objects.filter(pk=run.id).exclude(status=Run.Status.QUEUED).exists(),
            )
            run = get_object_or_404(visible, pk=run_id)
        return Response(serializers.run_data(run, request, expired=runs.run_expired(run)))


class RunResultApi(APIView):
    @api_schema.RUN_RESULT
    def post(self, request: Request, run_id: int) -> Response:
        """A worker's verdict for a run: ``{"verdict"}``; idempotent, 409 if it differs."""
        if not access.is_grader_account(request.user):
            raise PermissionDenied("Only a grader account may report grading.")
        run = get_object_or_404(Run.objects.select_related("exercise"), pk=run_id)
        if not access.can_post_run_results(request.user, run):
            raise PermissionDenied("This grader account does not grade this course.")
        verdict = serializers.run_result_body(request.data)
        if verdict.get("exercise") not in (None, run.exercise.slug):
            raise ApiError("This verdict is for another exercise.", code="wrong_exercise")
        run, changed = runs.run_record_result(run_id=run.id, verdict=verdict)
        return Response({"id": run.id, "status": run.status, "changed": changed})


class SubmissionListApi(APIView):
    @api_schema.SUBMISSION_LIST
    def get(self, request: Request) -> Response:
        """List the caller's own submissions, newest first; ``?user=`` (instructors) another
        user's in the courses they teach. Filters: status, exercise, course, since, until,
        needs_review."""
        return _listed_submissions(request, list_filters.submission_filters(request))


class SubmissionDetailApi(APIView):
    @api_schema.SUBMISSION_DETAIL
    def get(self, request: Request, submission_id: int) -> Response:
        """Show a submission: status, score, per-test feedback.

        ``?wait=S`` (up to 10): while it is queued or running, answer as soon as its
        status changes (it starts running, is graded or fails), or after S seconds;
        with ``&until=finished`` only once it is graded or failed.
        """
        submission = access.access_submission(request.user, submission_id)
        wait = long_poll.wait_seconds(request)
        until = long_poll.wait_until(request)
        if wait and submission.status not in SETTLED_SUBMISSION:
            waited = Submission.objects.filter(pk=submission.id)
            if until == "finished":
                waited = waited.filter(status__in=SETTLED_SUBMISSION)
            else:
                waited = waited.exclude(status=submission.status)
            long_poll.wait_for_change("submission", submission.id, wait, waited.exists)
            submission = access.access_submission(request.user, submission_id)
        full = access.can_see_hidden_feedback(request.user, submission)
        return Response(serializers.submission_data(submission, request, full=full))


class _GraderApi(APIView):
    def _may_post_for(self, request: Request) -> Callable[[Submission], None]:
        """Refuse a non-grader now; return the check of the submission's course, which
        runs on the row the service locks (so the submission is read once)."""
        if not access.is_grader_account(request.user):
            raise PermissionDenied("Only a grader account may report grading.")

        def check(submission: Submission) -> None:
            if not access.can_post_results(request.user, submission):
                raise PermissionDenied("This grader account does not grade this course.")

        return check


class SubmissionStartedApi(_GraderApi):
    @api_schema.SUBMISSION_STARTED
    def post(self, request: Request, submission_id: int) -> Response:
        """A worker began grading: ``{"grading_attempt"}``; 409 if superseded."""
        check = self._may_post_for(request)
        attempt = serializers.grading_attempt_body(request.data)
        submission = services.submission_start(
            submission_id=submission_id, grading_attempt=attempt, check=check
        )
        return Response({"id": submission.id, "status": submission.status})


class SubmissionResultApi(_GraderApi):
    @api_schema.SUBMISSION_RESULT
    def post(self, request: Request, submission_id: int) -> Response:
        """A worker's verdict: ``{"grading_attempt", "verdict"}``; idempotent, 409 if superseded."""
        may_post = self._may_post_for(request)
        attempt, verdict = serializers.verdict_body(request.data)

        def check(submission: Submission) -> None:
            may_post(submission)
            if verdict.get("exercise") not in (None, submission.exercise.slug):
                raise ApiError("This verdict is for another exercise.", code="wrong_exercise")

        submission, changed = services.submission_record_result(
            submission_id=submission_id, grading_attempt=attempt, verdict=verdict, check=check
        )
        exercise = submission.exercise
        if changed:
            metrics.record_verdict(
                kind=exercise.kind,
                status=submission.status,
                seconds=(submission.finished_at - submission.created_at).total_seconds()
                if submission.finished_at
                else None,
                deliveries=submission.deliveries,
            )
        return Response(
            {
                "id": submission.id,
                "status": submission.status,
                "score": submission.score,
                "changed": changed,
            }
        )


class SubmissionReviewApi(APIView):
    @api_schema.SUBMISSION_REVIEW
    def post(self, request: Request, submission_id: int) -> Response:
        """An instructor reviews a graded submission of their course.

        ``{"score"}`` sets the total, or ``{"items": {name: points}}`` sets points per
        test or rubric item and the total follows; ``"comment"`` is for the student.
        """
        submission = access.access_reviewable_submission(request.user, submission_id)
        body = serializers.review_body(request.data)
        submission = reviews.submission_review(submission=submission, reviewer=request.user, **body)
        return Response(serializers.submission_data(submission, request, full=True))


class CourseListApi(APIView):
    @api_schema.COURSE_LIST
    def get(self, request: Request) -> Response:
        """List the caller's courses with their role in each."""
        roles = dict(Membership.objects.filter(user=request.user).values_list("course_id", "role"))
        courses = access.courses_visible_to(request.user).order_by("slug")
        return pagination.paginated(
            request,
            courses,
            lambda page: [serializers.course_data(c, roles.get(c.id)) for c in page],
            default_limit=pagination.LIST_PAGE,
        )


class GradebookApi(APIView):
    @api_schema.GRADEBOOK
    def get(self, request: Request, slug: str) -> Response:
        """The course gradebook (instructors and staff): best score and attempts per cell."""
        course = access.access_managed_course(request.user, slug)
        return Response(selectors.gradebook(course))


class CourseSubmissionsApi(APIView):
    @api_schema.COURSE_SUBMISSIONS
    def get(self, request: Request, slug: str) -> Response:
        """A course's submissions for its instructors, newest first.

        Filters: status, exercise, ``user`` (or ``student``), since, until, and
        ``needs_review=1``: the review queue, oldest first (each student's latest
        attempt at an exercise while it waits for an instructor's score).
        """
        course = access.access_managed_course(request.user, slug)
        filters = list_filters.submission_filters(request)
        filters = replace(
            filters, course=None, user=filters.user or list_filters.text(request, "student")
        )
        if filters.needs_review:
            submissions = selectors.review_queue(course)
            filters = replace(filters, needs_review=None)
        else:
            submissions = Submission.objects.filter(course=course)
        return _submission_page(
            request,
            selectors.submissions_matching(submissions, filters),
            full=True,
            default_limit=pagination.COURSE_SUBMISSION_PAGE,
        )


class _RegradeThrottled(APIView):
    throttle_scope = "regrades"

    def get_throttles(self) -> list[Any]:
        # Starting a regrade costs grading runs; following one (polling) does not.
        return [SharedScopedRateThrottle()] if self.request.method == "POST" else []


def _regrade_response(request: Request, job: RegradeJob, **kwargs: Any) -> Response:
    data = serializers.regrade_data(job, request, outcomes=selectors.regrade_outcomes(job))
    return Response(data, **kwargs)


class SubmissionRegradeApi(_RegradeThrottled):
    @api_schema.SUBMISSION_REGRADE
    def post(self, request: Request, submission_id: int) -> Response:
        """Grade a submission again (instructors of its course, superusers); 202 when queued.

        It runs as a one-submission regrade job (``regrade_url``). Asking again while
        that job (or a regrade of the whole exercise) still waits for this submission
        answers 202 with that job and queues nothing; 409 while a regrade of the
        exercise that does not cover it runs.
        """
        submission = access.access_reviewable_submission(request.user, submission_id)
        job, started = regrading.regrade_submission(submission=submission, started_by=request.user)
        submission.refresh_from_db(fields=["status", "grading_attempt"])
        url = request.build_absolute_uri(reverse("api:regrade-detail", args=[job.pk]))
        return Response(
            {
                "id": submission.id,
                "status": submission.status,
                "grading_attempt": submission.grading_attempt,
                "regrade": job.pk,
                "regrade_url": url,
                "regrade_started": started,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class ExerciseRegradeApi(_RegradeThrottled):
    @api_schema.EXERCISE_REGRADE
    def post(self, request: Request, slug: str) -> Response:
        """Start a regrade of exercise ``slug``; 202 with the job to follow."""
        exercise = access.access_exercise(request.user, slug)
        if not access.can_regrade_exercise(request.user, exercise):
            raise PermissionDenied("Only instructors of a course offering it may regrade it.")
        filters = serializers.regrade_body(request.data)
        courses = (
            None
            if access.can_regrade_everywhere(request.user)
            else access.courses_to_regrade_in(request.user, exercise)
        )
        scope = regrading.regrade_scope(exercise=exercise, courses=courses, **filters)
        job = regrading.regrade_start(exercise=exercise, scope=scope, started_by=request.user)
        response = _regrade_response(request, job, status=status.HTTP_202_ACCEPTED)
        response["Location"] = response.data["url"]
        return response


class RegradeDetailApi(APIView):
    @api_schema.REGRADE_DETAIL
    def get(self, request: Request, regrade_id: int) -> Response:
        """Follow a regrade: status, total, done, changed, failed and the changed scores."""
        job = get_object_or_404(
            access.regrades_visible_to(request.user).select_related(
                "exercise", "course", "created_by"
            ),
            pk=regrade_id,
        )
        return _regrade_response(request, job)
