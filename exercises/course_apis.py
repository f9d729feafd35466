"""The instructor's course APIs: an exercise's course policy, the gradebook CSV, analytics.

Thin views, as in ``apis.py``: check access, call a service or selector, serialize.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import dateparse, timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from exercises import access, analytics, api_schema, grading_policy, selectors, services
from exercises.gradebook_csv import gradebook_csv
from exercises.models import CourseExercise

MIN_YEAR, MAX_YEAR = 1970, 9000


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An ISO-8601 date and time that must carry its UTC offset (or null)."""

    default_error_messages = {
        "invalid": "must be an ISO-8601 date and time, e.g. 2026-12-10T23:59:00+09:00",
        "naive": "must include a UTC offset, e.g. 2026-12-10T23:59:00+09:00",
        "range": f"must be between the years {MIN_YEAR} and {MAX_YEAR}",
    }

    def to_internal_value(self, data: Any) -> datetime:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            moment = dateparse.parse_datetime(data.strip())
        except ValueError:
            moment = None
        if moment is None:
            self.fail("invalid")
        if timezone.is_naive(moment):
            self.fail("naive")
        try:
            year = moment.astimezone(UTC).year
        except (OverflowError, ValueError):
            year = 0
        # Far-off years overflow once shifted to another zone for display.
        if not MIN_YEAR <= year <= MAX_YEAR:
            self.fail("range")
        return moment

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


class PolicySchema(serializers.Serializer):
    opens_at = AwareDateTimeField(allow_null=True, required=False)
    due_at = AwareDateTimeField(allow_null=True, required=False)
    late_penalty_percent_per_day = serializers.FloatField(
        required=False, help_text="Percent lost per started day after due_at (0..100)."
    )
    no_credit_after_due = serializers.BooleanField(required=False)
    attempt_limit = serializers.IntegerField(
        allow_null=True, required=False, help_text="At least 1; null for no limit."
    )
    counted_attempt = serializers.ChoiceField(
        choices=list(grading_policy.COUNTED_ATTEMPTS), required=False
    )
    retry_penalty_percent = serializers.FloatField(
        required=False, help_text="Choice questions: percent less per further attempt (0..100)."
    )


class PolicyOutputSchema(PolicySchema):
    course = serializers.CharField()
    exercise = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    max_score = serializers.FloatField()
    time_zone = serializers.CharField()
    opens_at_text = serializers.CharField(allow_blank=True)
    due_at_text = serializers.CharField(allow_blank=True)


POLICY_GET = api_schema.operation(ok=PolicyOutputSchema, operation_id="course_exercise_policy")
POLICY_PATCH = api_schema.operation(
    ok=PolicyOutputSchema, request=PolicySchema, operation_id="course_exercise_policy_update"
)


def _local_iso(moment: datetime | None) -> str | None:
    # In the site's time zone, so an instructor reads back the wall time they meant.
    return timezone.localtime(moment).isoformat() if moment else None


def policy_data(offering: CourseExercise) -> dict[str, Any]:
    """Return the JSON of one exercise's policy in its course."""
    policy = grading_policy.Policy.of(offering)
    return {
        "course": offering.course.slug,
        "exercise": offering.exercise.slug,
        "title": offering.exercise.title,
        "kind": offering.exercise.kind,
        "max_score": offering.exercise.points,
        "opens_at": _local_iso(policy.opens_at),
        "due_at": _local_iso(policy.due_at),
        "late_penalty_percent_per_day": policy.late_penalty_percent_per_day,
        "no_credit_after_due": policy.no_credit_after_due,
        "attempt_limit": policy.attempt_limit,
        "counted_attempt": policy.counted_attempt,
        "retry_penalty_percent": policy.retry_penalty_percent,
        "time_zone": settings.TIME_ZONE,
        "opens_at_text": grading_policy.format_when(policy.opens_at) if policy.opens_at else "",
        "due_at_text": grading_policy.format_when(policy.due_at) if policy.due_at else "",
    }


class CourseExercisePolicyApi(APIView):
    @POLICY_GET
    def get(self, request: Request, slug: str, exercise_slug: str) -> Response:
        """One exercise's policy in the course (instructors of the course)."""
        return Response(
            policy_data(access.access_course_offering(request.user, slug, exercise_slug))
        )

    @POLICY_PATCH
    def patch(self, request: Request, slug: str, exercise_slug: str) -> Response:
        """Change any of the policy's fields; the whole policy is checked before saving."""
        offering = access.access_course_offering(request.user, slug, exercise_slug)
        body = PolicySchema(data=request.data)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError("The body must be a JSON object of policy fields.")
        unknown = sorted(set(request.data) - set(PolicySchema().fields))
        if unknown:
            raise serializers.ValidationError({name: ["unknown field"] for name in unknown})
        body.is_valid(raise_exception=True)
        offering = services.course_exercise_set_policy(
            offering=offering, changes=dict(body.validated_data)
        )
        return Response(policy_data(offering))


class CsvRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; the view writes the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return data.encode("utf-8") if isinstance(data, str) else b""


GRADEBOOK_CSV = extend_schema(
    operation_id="course_gradebook_csv",
    responses={
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR,
            description="UTF-8 with a byte-order mark: one row per student, a column per "
            "exercise titled 'Title (max N)', a total; provisional cells read "
            "'7 (provisional)'.",
        ),
        **{
            (code, "application/json"): OpenApiResponse(api_schema.ErrorSchema, description=text)
            for code, text in api_schema.ERROR_STATUSES.items()
        },
    },
)


class GradebookCsvApi(APIView):
    renderer_classes = [JSONRenderer, CsvRenderer]

    @GRADEBOOK_CSV
    def get(self, request: Request, slug: str) -> HttpResponse:
        """The gradebook as a CSV download (instructors of the course)."""
        course = access.access_managed_course(request.user, slug)
        response = HttpResponse(
            gradebook_csv(selectors.gradebook(course)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{course.slug}-gradebook.csv"'
        return response

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON like everywhere else in the API, whatever the client accepts.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class HistogramBinSchema(serializers.Serializer):
    lower = serializers.FloatField()
    upper = serializers.FloatField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class TestRateSchema(serializers.Serializer):
    name = serializers.CharField()
    attempts = serializers.IntegerField()
    passed = serializers.IntegerField()
    pass_rate = serializers.FloatField()


class FailingTestSchema(serializers.Serializer):
    name = serializers.CharField()
    failures = serializers.IntegerField()


class HintCountSchema(serializers.Serializer):
    hint = serializers.CharField()
    count = serializers.IntegerField()


class TimelineAttemptSchema(serializers.Serializer):
    attempt = serializers.IntegerField()
    submission = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    submitted_at_text = serializers.CharField()
    status = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    credited_score = serializers.FloatField(allow_null=True)
    late = serializers.BooleanField()
    provisional = serializers.BooleanField()
    version = serializers.IntegerField()


class TimelineSchema(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    counted_score = serializers.FloatField(allow_null=True)
    attempts = TimelineAttemptSchema(many=True)


class AnalyticsSchema(serializers.Serializer):
    course = serializers.CharField()
    exercise = serializers.CharField()
    title = serializers.CharField()
    max_score = serializers.FloatField()
    students = serializers.IntegerField()
    attempted = serializers.IntegerField()
    histogram = HistogramBinSchema(many=True, help_text="Students' counted scores, 10 bins.")
    tests = TestRateSchema(many=True)
    failing_tests = FailingTestSchema(many=True)
    hints = HintCountSchema(many=True)
    median_attempts_to_full_marks = serializers.FloatField(allow_null=True)
    students_with_full_marks = serializers.IntegerField()
    timelines = TimelineSchema(many=True)


ANALYTICS = api_schema.operation(ok=AnalyticsSchema, operation_id="course_exercise_analytics")


class ExerciseAnalyticsApi(APIView):
    @ANALYTICS
    def get(self, request: Request, slug: str, exercise_slug: str) -> Response:
        """Histogram, pass rate per test, failing tests, hints, timelines (instructors)."""
        offering = access.access_course_offering(request.user, slug, exercise_slug)
        return Response(analytics.exercise_analytics(offering))
