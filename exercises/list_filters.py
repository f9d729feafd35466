"""Query-string filters of the API's lists, read strictly: a bad value is a clear 400.

Each reader takes the request and a parameter name and returns ``None`` when the
parameter is absent (or empty), so a filter left out filters nothing. The filter
sets (``SubmissionFilters``, ``ExerciseFilters``) are what the selectors apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request

from actquiz.exceptions import ApiError
from exercises.models import Exercise, Submission

_TRUE = ("1", "true")
_FALSE = ("0", "false")


def _raw(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value if value else None


def text(request: Request, name: str) -> str | None:
    """Return the parameter as given, or None."""
    return _raw(request, name)


def choice(request: Request, name: str, choices: Iterable[str]) -> str | None:
    """Return the parameter if it is one of ``choices``; else raise ``ApiError``."""
    value = _raw(request, name)
    allowed = list(choices)
    if value is not None and value not in allowed:
        raise ApiError(
            f"{name} must be one of {', '.join(allowed)}.", fields={name: ["not a known value"]}
        )
    return value


def boolean(request: Request, name: str) -> bool | None:
    """Return ``1``/``true`` as True and ``0``/``false`` as False; else raise ``ApiError``."""
    value = _raw(request, name)
    if value is None:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ApiError(f"{name} must be 1 or 0 (true or false).", fields={name: ["not a boolean"]})


def moment(request: Request, name: str) -> datetime | None:
    """Return an ISO-8601 date-time with a UTC offset, in UTC; else raise ``ApiError``.

    A time without an offset is refused rather than guessed: the server's zone is not
    the client's, and a silently shifted window would hide or repeat submissions.
    """
    value = _raw(request, name)
    if value is None:
        return None
    example = "e.g. 2026-03-01T09:00:00+09:00 or 2026-03-01T00:00:00Z"
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ApiError(
            f"{name} must be an ISO-8601 date-time with a UTC offset ({example}).",
            fields={name: ["not an ISO-8601 date-time"]},
        )
    if parsed.utcoffset() is None:
        raise ApiError(f"{name} needs a UTC offset ({example}).", fields={name: ["no UTC offset"]})
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ApiError(
            f"{name} is outside the calendar.", fields={name: ["out of range"]}
        ) from None


@dataclass(frozen=True)
class SubmissionFilters:
    status: str | None = None
    exercise: str | None = None
    course: str | None = None
    user: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    needs_review: bool | None = None


def submission_filters(request: Request) -> SubmissionFilters:
    """Read the submission filters of any submission list (see ``SUBMISSION_PARAMETERS``)."""
    filters = SubmissionFilters(
        status=choice(request, "status", Submission.Status.values),
        exercise=text(request, "exercise"),
        course=text(request, "course"),
        user=text(request, "user"),
        since=moment(request, "since"),
        until=moment(request, "until"),
        needs_review=boolean(request, "needs_review"),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise ApiError("since must not be after until.", fields={"since": ["after until"]})
    return filters


@dataclass(frozen=True)
class ExerciseFilters:
    kind: str | None = None
    framework: str | None = None
    concept: str | None = None
    published: bool | None = None


# ``none``: exercises without a framework (questions).
FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "none": ""}


def exercise_filters(request: Request) -> ExerciseFilters:
    """Read the filters of the exercise list (see ``EXERCISE_PARAMETERS``)."""
    framework = choice(request, "framework", FRAMEWORKS)
    return ExerciseFilters(
        kind=choice(request, "kind", Exercise.Kind.values),
        framework=None if framework is None else FRAMEWORKS[framework],
        concept=text(request, "concept"),
        published=boolean(request, "published"),
    )


def _param(name: str, text: str, schema: dict[str, object] | type = str) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=text)


_BOOLEAN = {"type": "string", "enum": ["1", "0", "true", "false"]}
_DATE_TIME = {"type": "string", "format": "date-time"}

_STATUS = _param(
    "status",
    "Only submissions in this state.",
    {"type": "string", "enum": Submission.Status.values},
)
_SINCE = _param(
    "since", "Only submissions made at or after this ISO-8601 time (with a UTC offset).", _DATE_TIME
)
_UNTIL = _param(
    "until", "Only submissions made before this ISO-8601 time (with a UTC offset).", _DATE_TIME
)
_COURSE = _param("course", "Only submissions made in this course (a slug).")
_EXERCISE = _param("exercise", "Only submissions to this exercise (a slug).")
_USER = _param(
    "user",
    "Only this user's submissions: a username or a user id. Another user than the "
    "caller: instructors only (the courses they teach).",
)
_NEEDS_REVIEW = _param(
    "needs_review",
    "1: only answers waiting for an instructor's score (each student's latest attempt); "
    "0: all others.",
    _BOOLEAN,
)

# /submissions/ and /exercises/{slug}/submissions/ (the latter without ``exercise``).
SUBMISSION_PARAMETERS = [_STATUS, _EXERCISE, _COURSE, _USER, _SINCE, _UNTIL, _NEEDS_REVIEW]
EXERCISE_SUBMISSION_PARAMETERS = [_STATUS, _COURSE, _USER, _SINCE, _UNTIL, _NEEDS_REVIEW]
COURSE_SUBMISSION_PARAMETERS = [
    _STATUS,
    _EXERCISE,
    _USER,
    _param("student", "Only this student's submissions (a username); the same as user."),
    _SINCE,
    _UNTIL,
    _param(
        "needs_review",
        "1: the review queue, oldest first: each student's latest attempt at each "
        "exercise while it waits for an instructor's score; 0: all others.",
        _BOOLEAN,
    ),
]
EXERCISE_PARAMETERS = [
    _param(
        "kind", "Only exercises of this kind.", {"type": "string", "enum": Exercise.Kind.values}
    ),
    _param(
        "framework",
        "Only code exercises in this framework; none: questions without one.",
        {"type": "string", "enum": list(FRAMEWORKS)},
    ),
    _param("concept", "Only exercises teaching this concept (e.g. gradients)."),
    _param(
        "published",
        "1: only published exercises; 0: only unpublished ones (authors see those).",
        _BOOLEAN,
    ),
]
