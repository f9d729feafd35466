"""OpenAPI declarations of the REST API's bodies (request and response shapes).

The views keep their strict hand-written checks (exercises/serializers.py) because
they answer with our error shape and field-by-field messages; these serializers
declare the same shapes for drf-spectacular, so /api/v1/schema/ documents every
operation, its bodies and its error statuses. Fields the server may add later are
allowed: clients must ignore keys they do not know.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from exercises import list_filters, long_poll, pagination
from exercises.models import Exercise
from exercises.serializers import ExerciseDetailSerializer, ExerciseListSerializer


class ErrorDetailSchema(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(required=False)


class ErrorSchema(serializers.Serializer):
    error = ErrorDetailSchema()


class SubmissionCreateSchema(serializers.Serializer):
    code = serializers.CharField(
        required=False, help_text="Python source, for code exercises (at most 64 KiB)."
    )
    answer = serializers.JSONField(
        required=False, help_text="The answer, for choice, numeric and text questions."
    )
    course = serializers.SlugField(required=False, help_text="Submit within this course.")


class SubmissionAcceptedSchema(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.URLField()
    notice = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="Set when the due date has passed: what the course policy takes.",
    )


class SubmissionReviewSchema(serializers.Serializer):
    score = serializers.FloatField()
    items = serializers.DictField(
        child=serializers.FloatField(), help_text="The instructor's points per item, by name."
    )
    comment = serializers.CharField(allow_blank=True)
    reviewer = serializers.CharField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)


class SubmissionSchema(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    exercise = serializers.CharField()
    exercise_version = serializers.IntegerField(allow_null=True)
    course = serializers.CharField(allow_null=True)
    user = serializers.CharField()
    status = serializers.ChoiceField(choices=["queued", "running", "graded", "failed"])
    score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField(allow_null=True)
    effective_score = serializers.FloatField(allow_null=True)
    tests = serializers.ListField(child=serializers.JSONField())
    error = serializers.JSONField(allow_null=True)
    hints = serializers.JSONField(allow_null=True)
    plot = serializers.JSONField(
        allow_null=True, help_text="The student's function against the reference, as data."
    )
    needs_review = serializers.BooleanField()
    reviewed_score = serializers.FloatField(allow_null=True)
    review_comment = serializers.CharField(allow_null=True, allow_blank=True)
    review = SubmissionReviewSchema(
        allow_null=True, help_text="How an instructor reviewed it; null until reviewed."
    )
    attempt = serializers.IntegerField(allow_null=True)
    grading_attempt = serializers.IntegerField()
    code = serializers.CharField(allow_null=True, allow_blank=True)
    answer = serializers.JSONField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class GradingAttemptSchema(serializers.Serializer):
    grading_attempt = serializers.IntegerField(min_value=1)


class ResultSchema(GradingAttemptSchema):
    verdict = serializers.DictField(help_text="The engine's verdict (graders/engine/types.py).")


class StartedAcceptedSchema(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ResultAcceptedSchema(StartedAcceptedSchema):
    score = serializers.FloatField(allow_null=True)
    changed = serializers.BooleanField()


class ReviewSchema(serializers.Serializer):
    score = serializers.FloatField(
        required=False, help_text="The total (0..max_score). Send this or items."
    )
    items = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text=(
            "Points per test or rubric item, by name (each 0..its max_points); items "
            "not named keep the grader's points and the total follows."
        ),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class RegradeAcceptedSchema(StartedAcceptedSchema):
    grading_attempt = serializers.IntegerField()
    regrade = serializers.IntegerField(help_text="The regrade job that covers the submission.")
    regrade_url = serializers.URLField()
    regrade_started = serializers.BooleanField(
        help_text="False when a running regrade already covered it (nothing new was queued)."
    )


class RegradeStartSchema(serializers.Serializer):
    course = serializers.SlugField(
        required=False, help_text="Only this course's submissions (one you teach)."
    )
    user = serializers.JSONField(
        required=False, help_text="Only this student's submissions: a username or a user id."
    )
    submission = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this submission (an id)."
    )


class RegradeChangeSchema(serializers.Serializer):
    submission = serializers.IntegerField()
    user = serializers.CharField()
    old_score = serializers.FloatField(allow_null=True)
    new_score = serializers.FloatField(allow_null=True)


class RegradeFailureSchema(serializers.Serializer):
    submission = serializers.IntegerField()
    user = serializers.CharField()
    old_score = serializers.FloatField(
        allow_null=True, help_text="Kept: grading failed on our side."
    )


class RegradeJobSchema(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    exercise = serializers.CharField()
    course = serializers.CharField(allow_null=True)
    scope = serializers.CharField()
    status = serializers.ChoiceField(choices=["running", "done"])
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    changed = serializers.IntegerField()
    failed = serializers.IntegerField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    changes = RegradeChangeSchema(many=True)
    failures = RegradeFailureSchema(many=True)


class RunCreateSchema(SubmissionCreateSchema):
    draft = serializers.BooleanField(
        required=False,
        help_text=(
            "Instructors of a course with the exercise: dry run the draft document (or the "
            "current exercise) on every test; also takes an answer for questions."
        ),
    )


class RunOutputSchema(serializers.Serializer):
    stdout = serializers.CharField(allow_blank=True, help_text="What the code printed.")
    truncated = serializers.BooleanField()


class RunSchema(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    exercise = serializers.CharField()
    course = serializers.CharField(allow_null=True)
    draft = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["queued", "done", "failed"])
    expired = serializers.BooleanField(help_text="Still queued long after it was sent: lost.")
    score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField(help_text="The points of the tests that were run.")
    tests = serializers.ListField(
        child=serializers.JSONField(), help_text="The visible tests only (every test: draft)."
    )
    error = serializers.JSONField(allow_null=True)
    hints = serializers.JSONField(allow_null=True)
    plot = serializers.JSONField(allow_null=True, help_text="Student against reference.")
    output = RunOutputSchema(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class RunResultSchema(serializers.Serializer):
    verdict = serializers.DictField(help_text="The engine's verdict (graders/engine/types.py).")


class RunResultAcceptedSchema(StartedAcceptedSchema):
    changed = serializers.BooleanField()


class CourseSchema(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    role = serializers.CharField(allow_null=True)


ERROR_STATUSES = {
    400: "The request body or a parameter is invalid.",
    401: "No or an unknown token.",
    403: "Authenticated, but not allowed.",
    404: "No such object, or not visible to the caller.",
    405: "Method not allowed.",
    406: "Only JSON is served.",
    409: "Conflicts with the object's state (e.g. a superseded grading attempt).",
    413: "The body is too large.",
    415: "The body is not JSON.",
    429: "Rate limited; see Retry-After.",
}


def operation(
    *,
    ok: Any,
    ok_status: int = 200,
    request: Any = None,
    extra_statuses: dict[int, str] | None = None,
    **kwargs: Any,
) -> Any:
    """``extend_schema`` for one operation: its success body plus every error status."""
    responses: dict[int, Any] = {ok_status: ok}
    for code, text in {**ERROR_STATUSES, **(extra_statuses or {})}.items():
        responses[code] = OpenApiResponse(ErrorSchema, description=text)
    return extend_schema(request=request, responses=responses, **kwargs)


def _query(name: str, text: str) -> OpenApiParameter:
    return OpenApiParameter(name, str, OpenApiParameter.QUERY, required=False, description=text)


EXERCISE_LIST = operation(
    ok=ExerciseListSerializer(many=True),
    operation_id="exercise_list",
    parameters=[
        _query("course", "Only this course's exercises, in course order."),
        *list_filters.EXERCISE_PARAMETERS,
        *pagination.parameters(pagination.LIST_PAGE),
    ],
)
EXERCISE_DETAIL = operation(ok=ExerciseDetailSerializer, operation_id="exercise_detail")
EXERCISE_SUBMISSION_LIST = operation(
    ok=SubmissionSchema(many=True),
    operation_id="exercise_submission_list",
    parameters=[
        *list_filters.EXERCISE_SUBMISSION_PARAMETERS,
        *pagination.parameters(pagination.SUBMISSION_PAGE),
    ],
)
SUBMIT = operation(
    ok=SubmissionAcceptedSchema,
    ok_status=202,
    request=SubmissionCreateSchema,
    operation_id="submission_create",
)
SUBMISSION_LIST = operation(
    ok=SubmissionSchema(many=True),
    operation_id="submission_list",
    parameters=[
        *list_filters.SUBMISSION_PARAMETERS,
        *pagination.parameters(pagination.SUBMISSION_PAGE),
    ],
)


def _wait(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "wait",
        {"type": "number", "minimum": 0, "maximum": long_poll.MAX_WAIT_SECONDS},
        OpenApiParameter.QUERY,
        required=False,
        description=f"Long poll: while the {what} is pending, answer as soon as its status "
        "changes, or after this many seconds (a bound: under load it may answer at once).",
    )


_UNTIL = OpenApiParameter(
    "until",
    {"type": "string", "enum": list(long_poll.UNTIL_CHOICES), "default": "change"},
    OpenApiParameter.QUERY,
    required=False,
    description="With wait: `change` (default) answers at any status change (queued to "
    "running too); `finished` only once the submission is graded or failed, so a client "
    "that wants the result needs one request.",
)

SUBMISSION_DETAIL = operation(
    ok=SubmissionSchema,
    operation_id="submission_detail",
    parameters=[_wait("submission"), _UNTIL],
)
SUBMISSION_STARTED = operation(
    ok=StartedAcceptedSchema, request=GradingAttemptSchema, operation_id="submission_started"
)
SUBMISSION_RESULT = operation(
    ok=ResultAcceptedSchema, request=ResultSchema, operation_id="submission_result"
)
SUBMISSION_REVIEW = operation(
    ok=SubmissionSchema, request=ReviewSchema, operation_id="submission_review"
)
SUBMISSION_REGRADE = operation(
    ok=RegradeAcceptedSchema, ok_status=202, request=None, operation_id="submission_regrade"
)
EXERCISE_REGRADE = operation(
    ok=RegradeJobSchema,
    ok_status=202,
    request=RegradeStartSchema,
    operation_id="exercise_regrade",
    description=(
        "Grade again, in the background, every submission to the exercise that the "
        "caller may regrade (instructors: their courses'; superusers: all), or only "
        "one course's, one student's or one submission. One regrade of an exercise "
        "runs at a time: 409 names the running one."
    ),
)
REGRADE_DETAIL = operation(ok=RegradeJobSchema, operation_id="regrade_detail")
COURSE_LIST = operation(
    ok=CourseSchema(many=True),
    operation_id="course_list",
    parameters=pagination.parameters(pagination.LIST_PAGE),
)
GRADEBOOK = operation(
    ok=OpenApiResponse(description="Students, exercises and the counted score of each cell."),
    operation_id="course_gradebook",
)
COURSE_SUBMISSIONS = operation(
    ok=SubmissionSchema(many=True),
    operation_id="course_submission_list",
    parameters=[
        *list_filters.COURSE_SUBMISSION_PARAMETERS,
        *pagination.parameters(pagination.COURSE_SUBMISSION_PAGE),
    ],
)
RUN_CREATE = operation(
    ok=SubmissionAcceptedSchema, ok_status=202, request=RunCreateSchema, operation_id="run_create"
)
RUN_DETAIL = operation(ok=RunSchema, operation_id="run_detail", parameters=[_wait("run")])
RUN_RESULT = operation(
    ok=RunResultAcceptedSchema, request=RunResultSchema, operation_id="run_result"
)


# Authoring (exercises/authoring_apis.py).


class BilingualTextSchema(serializers.Serializer):
    en = serializers.CharField()
    ko = serializers.CharField()


class ExerciseDocumentSchema(serializers.Serializer):
    """The exercise document: a catalog folder as JSON (exercises/documents.py)."""

    slug = serializers.SlugField(max_length=100)
    kind = serializers.ChoiceField(choices=Exercise.Kind.choices)
    framework = serializers.CharField(
        required=False, allow_blank=True, help_text="numpy or torch (code exercises)."
    )
    entry_point = serializers.CharField(required=False, allow_blank=True)
    signature = serializers.CharField(required=False, allow_blank=True)
    points = serializers.FloatField()
    time_limit_seconds = serializers.FloatField(required=False)
    memory_limit_mb = serializers.IntegerField(required=False)
    concepts = serializers.ListField(child=serializers.CharField(), required=False)
    title = BilingualTextSchema()
    prompt = BilingualTextSchema(help_text="Markdown, English and Korean.")
    spec = serializers.DictField(help_text="The [spec] table: tests, checks, tolerances, hints.")
    starter = serializers.CharField(required=False, allow_blank=True)
    reference = serializers.CharField(required=False, allow_blank=True)
    wrong = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="Known-wrong solutions."
    )
    right = serializers.DictField(
        child=serializers.CharField(), required=False, help_text="Other correct solutions."
    )


class ValidationSchema(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField()
    exercise = serializers.CharField()
    status = serializers.ChoiceField(choices=["running", "passed", "failed"])
    document_hash = serializers.CharField()
    current = serializers.BooleanField(help_text="Whether it validated the current draft.")
    report = serializers.DictField(
        help_text="passed, problems (sentences), solutions (per solution and seed)."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class AuthoringSchema(serializers.Serializer):
    slug = serializers.CharField()
    url = serializers.URLField()
    published = serializers.BooleanField()
    version = serializers.IntegerField(help_text="The live version; 0: never published.")
    has_draft = serializers.BooleanField()
    edited_in_product = serializers.BooleanField()
    document = serializers.DictField(help_text="The working document (draft, else live).")
    document_hash = serializers.CharField()
    validation = ValidationSchema(allow_null=True)
    validate_url = serializers.URLField()
    publish_url = serializers.URLField()
    versions_url = serializers.URLField()


class VersionSchema(serializers.Serializer):
    exercise = serializers.CharField()
    number = serializers.IntegerField()
    url = serializers.URLField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_null=True)


class VersionDetailSchema(VersionSchema):
    document = serializers.DictField()


class ValidationReportSchema(serializers.Serializer):
    report = serializers.DictField(help_text="graders.engine.validation's report.")


class ValidationAcceptedSchema(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    changed = serializers.BooleanField()


EXERCISE_CREATE = operation(
    ok=AuthoringSchema,
    ok_status=201,
    request=ExerciseDocumentSchema,
    operation_id="course_exercise_create",
)
EXERCISE_PATCH = operation(
    ok=AuthoringSchema, request=ExerciseDocumentSchema, operation_id="exercise_draft_update"
)
EXERCISE_DRAFT = operation(ok=AuthoringSchema, operation_id="exercise_draft")
EXERCISE_DRAFT_DISCARD = operation(ok=AuthoringSchema, operation_id="exercise_draft_discard")
EXERCISE_EXPORT = operation(
    ok=ExerciseDocumentSchema,
    operation_id="exercise_export",
    parameters=[_query("draft", "1: the working draft instead of the live version.")],
)
EXERCISE_VALIDATE = operation(
    ok=ValidationSchema,
    ok_status=202,
    request=None,
    operation_id="exercise_validate",
    extra_statuses={503: "The grading queue is unreachable; nothing was validated."},
)
EXERCISE_PUBLISH = operation(ok=VersionSchema, request=None, operation_id="exercise_publish")
EXERCISE_VERSIONS = operation(
    ok=VersionSchema(many=True),
    operation_id="exercise_version_list",
    parameters=pagination.parameters(pagination.LIST_PAGE),
)
EXERCISE_VERSION = operation(ok=VersionDetailSchema, operation_id="exercise_version")
VALIDATION_DETAIL = operation(ok=ValidationSchema, operation_id="validation_detail")
VALIDATION_RESULT = operation(
    ok=ValidationAcceptedSchema, request=ValidationReportSchema, operation_id="validation_result"
)


class MarkupPreviewRequestSchema(serializers.Serializer):
    text = serializers.CharField(
        allow_blank=True, help_text="Markdown with $inline$ and $$display$$ maths."
    )


class MarkupPreviewSchema(serializers.Serializer):
    html = serializers.CharField(help_text="The sanitised HTML students would see.")


MARKUP_PREVIEW = operation(
    ok=MarkupPreviewSchema,
    request=MarkupPreviewRequestSchema,
    operation_id="markup_preview",
)
