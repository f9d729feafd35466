"""The authoring API: exercise documents, drafts, validations, publishing, versions.

Thin views over ``exercises.authoring``; who may do what is decided in
``exercises.access`` (instructors of a course that offers the exercise, superusers).
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from actquiz.exceptions import ApiError, PayloadTooLarge
from actquiz.throttles import SharedScopedRateThrottle
from exercises import access, api_schema, authoring, documents, markup, pagination
from exercises.models import Exercise, ExerciseVersion, ValidationJob


def authorable_exercise(request: Request, slug: str) -> Exercise:
    """The exercise ``slug`` if the caller may author it: 404 if unseen, 403 if only seen."""
    exercise = get_object_or_404(access.exercises_visible_to(request.user), slug=slug)
    if not access.can_edit_exercise(request.user, exercise):
        raise PermissionDenied("Only instructors of a course that offers this exercise edit it.")
    return exercise


def _url(request: Request, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(f"api:{name}", args=args))


def validation_data(request: Request, job: ValidationJob) -> dict[str, Any]:
    """The JSON of a validation job: status, the report, and whether it is of the current draft."""
    exercise = job.exercise
    current = documents.document_hash(authoring.working_document(exercise))
    return {
        "id": job.id,
        "url": _url(request, "validation-detail", job.id),
        "exercise": exercise.slug,
        "status": job.status,
        "document_hash": job.document_hash,
        "current": job.document_hash == current,
        "report": job.report or {},
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def authoring_data(request: Request, exercise: Exercise) -> dict[str, Any]:
    """What an author's page needs: the working document, its hash, its latest validation."""
    document = authoring.working_document(exercise)
    digest = documents.document_hash(document)
    job = authoring.latest_validation(exercise, digest)
    return {
        "slug": exercise.slug,
        "url": _url(request, "exercise-draft", exercise.slug),
        "published": exercise.published,
        "version": exercise.version,
        "has_draft": exercise.draft is not None,
        "edited_in_product": exercise.edited_in_product,
        "document": documents.to_json(document),
        "document_hash": digest,
        "validation": validation_data(request, job) if job is not None else None,
        "validate_url": _url(request, "exercise-validate", exercise.slug),
        "publish_url": _url(request, "exercise-publish", exercise.slug),
        "versions_url": _url(request, "exercise-versions", exercise.slug),
    }


def version_data(request: Request, version: ExerciseVersion, *, full: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "exercise": version.exercise.slug,
        "number": version.number,
        "url": _url(request, "exercise-version", version.exercise.slug, version.number),
        "published_at": version.published_at,
        "published_by": version.published_by.get_username() if version.published_by else None,
    }
    if full:
        data["document"] = version.document
    return data


class CourseExercisesApi(APIView):
    @api_schema.EXERCISE_CREATE
    def post(self, request: Request, slug: str) -> Response:
        """Create a draft exercise from a document in course ``slug`` (its instructors); 201."""
        course = get_object_or_404(access.courses_visible_to(request.user), slug=slug)
        if not access.can_manage_course(request.user, course):
            raise PermissionDenied("Only instructors of this course add exercises to it.")
        exercise = authoring.exercise_create(
            course=course, document=request.data, user=request.user
        )
        data = authoring_data(request, exercise)
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


def exercise_patch(request: Request, slug: str) -> Response:
    """PATCH /api/v1/exercises/{slug}/: edit the draft with a partial document."""
    exercise = authorable_exercise(request, slug)
    exercise = authoring.draft_update(exercise=exercise, changes=request.data)
    return Response(authoring_data(request, exercise))


class ExerciseDraftApi(APIView):
    @api_schema.EXERCISE_DRAFT
    def get(self, request: Request, slug: str) -> Response:
        """The working document (the draft, else the live version) and its latest validation."""
        return Response(authoring_data(request, authorable_exercise(request, slug)))

    @api_schema.EXERCISE_DRAFT_DISCARD
    def delete(self, request: Request, slug: str) -> Response:
        """Discard the pending draft; the live version stays."""
        exercise = authoring.draft_discard(exercise=authorable_exercise(request, slug))
        return Response(authoring_data(request, exercise))


class ExerciseExportApi(APIView):
    @api_schema.EXERCISE_EXPORT
    def get(self, request: Request, slug: str) -> Response:
        """The exercise document of the live version (``?draft=1``: the working draft)."""
        exercise = authorable_exercise(request, slug)
        if request.query_params.get("draft") == "1":
            document = authoring.working_document(exercise)
        else:
            document = documents.document_from_exercise(exercise)
        return Response(documents.to_json(document))


class ExerciseValidateApi(APIView):
    @api_schema.EXERCISE_VALIDATE
    def post(self, request: Request, slug: str) -> Response:
        """Validate the working draft on the workers; 202 with the job to poll."""
        exercise = authorable_exercise(request, slug)
        job = authoring.validation_start(exercise=exercise, user=request.user)
        data = validation_data(request, job)
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class ExercisePublishApi(APIView):
    @api_schema.EXERCISE_PUBLISH
    def post(self, request: Request, slug: str) -> Response:
        """Publish the draft as the next version; 409 unless exactly this draft passed."""
        exercise = authorable_exercise(request, slug)
        version = authoring.exercise_publish(exercise=exercise, user=request.user)
        return Response(version_data(request, version, full=False))


class ExerciseVersionsApi(APIView):
    @api_schema.EXERCISE_VERSIONS
    def get(self, request: Request, slug: str) -> Response:
        """The published versions of an exercise, newest first."""
        exercise = authorable_exercise(request, slug)
        versions = exercise.versions.select_related("exercise", "published_by")
        return pagination.paginated(
            request,
            versions,
            lambda page: [version_data(request, v, full=False) for v in page],
            default_limit=pagination.LIST_PAGE,
        )


class ExerciseVersionApi(APIView):
    @api_schema.EXERCISE_VERSION
    def get(self, request: Request, slug: str, number: int) -> Response:
        """One published version with its document, as it was published."""
        exercise = authorable_exercise(request, slug)
        version = get_object_or_404(
            exercise.versions.select_related("exercise", "published_by"), number=number
        )
        return Response(version_data(request, version, full=True))


def _authorable_job(request: Request, job_id: int) -> ValidationJob:
    job = ValidationJob.objects.select_related("exercise").filter(pk=job_id).first()
    # 404 for anyone who may not author the exercise: ids must not reveal others' work.
    if job is None or not access.can_edit_exercise(request.user, job.exercise):
        raise NotFound("No such validation.")
    return authoring.validation_expire_if_stale(job)


class ValidationDetailApi(APIView):
    @api_schema.VALIDATION_DETAIL
    def get(self, request: Request, job_id: int) -> Response:
        """A validation: ``status`` running, passed or failed, and the report's problems."""
        return Response(validation_data(request, _authorable_job(request, job_id)))


class ValidationResultApi(APIView):
    @api_schema.VALIDATION_RESULT
    def post(self, request: Request, job_id: int) -> Response:
        """A worker's report ``{"report"}``; idempotent, 409 for a different second report."""
        if not access.can_post_validation_results(request.user):
            raise PermissionDenied("Only the grader service reports validations.")
        if not ValidationJob.objects.filter(pk=job_id).exists():
            raise NotFound("No such validation.")
        if not isinstance(request.data, dict):
            raise ApiError("The body must be a JSON object.")
        job, changed = authoring.validation_record_result(
            job_id=job_id, report=request.data.get("report")
        )
        return Response({"id": job.id, "status": job.status, "changed": changed})


class MarkupPreviewApi(APIView):
    throttle_scope = "previews"
    throttle_classes = [SharedScopedRateThrottle]

    @api_schema.MARKUP_PREVIEW
    def post(self, request: Request) -> Response:
        """Render ``{"text"}`` (a prompt's Markdown and maths) as students would see it."""
        if not access.can_author_somewhere(request.user):
            raise PermissionDenied("Only instructors preview prompts.")
        text = request.data.get("text") if isinstance(request.data, dict) else None
        if not isinstance(text, str):
            raise ApiError('The body must be {"text": "..."}.', fields={"text": ["required"]})
        if len(text) > documents.MAX_TEXT_CHARS:
            raise PayloadTooLarge(f"A prompt has at most {documents.MAX_TEXT_CHARS} characters.")
        return Response({"html": markup.render_markdown(text)})
