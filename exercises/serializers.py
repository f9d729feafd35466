"""JSON shapes of the API: what goes out, and checks on what comes in."""

from __future__ import annotations

import math
import re
from typing import Any

from django.urls import reverse
from rest_framework import serializers
from rest_framework.request import Request

from actquiz.exceptions import ApiError
from exercises import verdict_language
from exercises.models import Course, Exercise, RegradeJob, Run, Submission

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,50}")
SUBMISSION_BODY_KEYS = frozenset({"code", "answer", "course"})
RUN_BODY_KEYS = frozenset({"code", "answer", "course", "draft"})
VERDICT_STATUSES = ("graded", "failed")
HIDDEN_TEST_MESSAGE = verdict_language.HIDDEN_TEST_MESSAGE["en"]
HIDDEN_TEST_MESSAGE_KO = verdict_language.HIDDEN_TEST_MESSAGE["ko"]


class ExerciseListSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Exercise
        fields = [
            "slug",
            "url",
            "title",
            "title_ko",
            "kind",
            "framework",
            "points",
            "published",
            "version",
            "concepts",
        ]

    def get_url(self, exercise: Exercise) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:exercise-detail", args=[exercise.slug])
        )


class ExerciseDetailSerializer(ExerciseListSerializer):
    """One exercise as a student sees it: never the reference code or the hidden spec.

    ``context`` must carry ``public_spec`` and ``variant`` computed by the view.
    """

    spec = serializers.SerializerMethodField()
    variant = serializers.SerializerMethodField()

    class Meta(ExerciseListSerializer.Meta):
        fields = [
            *ExerciseListSerializer.Meta.fields,
            "prompt",
            "prompt_ko",
            "entry_point",
            "signature",
            "starter_code",
            "time_limit_seconds",
            "memory_limit_mb",
            "spec",
            "variant",
        ]

    def get_spec(self, exercise: Exercise) -> dict[str, Any]:
        return self.context["public_spec"]

    def get_variant(self, exercise: Exercise) -> dict[str, Any] | None:
        return self.context["variant"]


def _feedback_ko(submission: Submission, *, full: bool) -> dict[str, Any]:
    # The engine keeps the Korean test messages and hints in the verdict's extra; the
    # pages show them when a student reads in Korean. Hidden tests stay masked.
    extra = (
        (submission.verdict or {}).get("extra") if isinstance(submission.verdict, dict) else None
    )
    korean = extra.get("ko") if isinstance(extra, dict) else None
    if not isinstance(korean, dict):
        return {"messages": {}, "hints": []}
    messages = korean.get("messages") if isinstance(korean.get("messages"), dict) else {}
    hidden = {
        test.get("name")
        for test in submission.tests or []
        if isinstance(test, dict) and test.get("hidden")
    }
    if not full:
        messages = {
            name: HIDDEN_TEST_MESSAGE_KO if name in hidden else message
            for name, message in messages.items()
        }
    hints = korean.get("hints") if isinstance(korean.get("hints"), list) else []
    return {"messages": dict(messages), "hints": list(hints)}


def _review_data(submission: Submission) -> dict[str, Any] | None:
    if submission.reviewed_score is None:
        return None
    reviewer = submission.reviewed_by
    return {
        "score": submission.reviewed_score,
        "items": dict(submission.reviewed_items or {}),
        "comment": submission.review_comment,
        "reviewer": (reviewer.get_full_name() or reviewer.get_username()) if reviewer else None,
        "reviewed_at": submission.reviewed_at,
    }


def submission_data(submission: Submission, request: Request, *, full: bool) -> dict[str, Any]:
    """Return the JSON of ``submission`` for ``request``'s user.

    ``full`` (instructors, staff) also shows hidden tests' messages and the raw verdict.
    Messages, test titles, hints and the error are in the viewer's language (``lang``).
    """
    shown = verdict_language.localised(
        tests=submission.tests or [],
        hints=submission.hints or [],
        error=submission.error,
        verdict=submission.verdict,
        lang=verdict_language.viewer_language(),
        mask_hidden=not full,
    )
    data: dict[str, Any] = {
        "id": submission.id,
        "url": request.build_absolute_uri(reverse("api:submission-detail", args=[submission.id])),
        "exercise": submission.exercise.slug,
        "exercise_version": submission.exercise_version,
        "course": submission.course.slug if submission.course else None,
        "user": submission.user.get_username(),
        "status": submission.status,
        "score": submission.score,
        "max_score": submission.max_score,
        "effective_score": submission.effective_score,
        "tests": shown["tests"],
        "error": shown["error"],
        "hints": shown["hints"],
        "lang": shown["lang"],
        # The student's function against the reference (visible inputs only).
        "plot": (submission.verdict or {}).get("plot")
        if isinstance(submission.verdict, dict)
        else None,
        # Korean versions of the test messages and hints, when the grader wrote them.
        "feedback_ko": _feedback_ko(submission, full=full),
        "needs_review": submission.needs_review,
        "reviewed_score": submission.reviewed_score,
        "review_comment": submission.review_comment,
        # Who reviewed it, when, and the points per item: the owner sees it too.
        "review": _review_data(submission),
        "attempt": submission.attempt,
        "grading_attempt": submission.grading_attempt,
        "code": submission.code if submission.exercise.kind == Exercise.Kind.CODE else None,
        "answer": submission.answer,
        "created_at": submission.created_at,
        "started_at": submission.started_at,
        "finished_at": submission.finished_at,
    }
    if full:
        data["seed"] = submission.seed
        data["verdict"] = submission.verdict
    return data


def course_data(course: Course, role: str | None) -> dict[str, Any]:
    """Return the JSON of ``course`` with the caller's ``role`` in it (None for staff)."""
    return {"slug": course.slug, "title": course.title, "role": role}


def submission_body(data: Any) -> dict[str, Any]:
    """Check the shape of a submission request body; returns it as a dict.

    Raises ``ApiError`` (400) for a body that is not an object or has unknown keys;
    the content of ``code``/``answer`` is checked by the service.
    """
    if not isinstance(data, dict):
        raise ApiError('The body must be a JSON object such as {"code": "..."}.')
    unknown = sorted(set(data) - SUBMISSION_BODY_KEYS)
    if unknown:
        raise ApiError(
            f"Unknown field(s): {', '.join(unknown)}.",
            fields={key: ["unknown field"] for key in unknown},
        )
    if "code" not in data and "answer" not in data:
        raise ApiError(
            'Send {"code": "..."} for a code exercise or {"answer": ...} for a question.',
            code="empty",
        )
    course = data.get("course")
    if course is not None and not (isinstance(course, str) and SLUG_RE.fullmatch(course)):
        raise ApiError("course must be a course slug.", fields={"course": ["not a slug"]})
    return data


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ApiError(f"{field} must be a finite number.", fields={field: ["not a number"]})
    return float(value)


def _check_test(test: Any, index: int) -> None:
    field = f"verdict.tests[{index}]"
    if not isinstance(test, dict):
        raise ApiError(f"{field} must be an object.", fields={field: ["not an object"]})
    if not isinstance(test.get("name"), str):
        raise ApiError(f"{field}.name must be a string.", fields={field: ["name"]})
    if not isinstance(test.get("passed"), bool):
        raise ApiError(f"{field}.passed must be a boolean.", fields={field: ["passed"]})
    _number(test.get("points"), f"{field}.points")
    _number(test.get("max_points"), f"{field}.max_points")


def verdict_body(data: Any) -> tuple[int, dict[str, Any]]:
    """Check a worker's result body ``{"grading_attempt", "verdict"}``.

    Returns ``(grading_attempt, verdict)``; raises ``ApiError`` (400) naming the
    first problem. The verdict is the engine's ``Verdict.to_dict()``.
    """
    if not isinstance(data, dict):
        raise ApiError("The body must be a JSON object.")
    attempt = grading_attempt_body(data)
    return attempt, checked_verdict(data.get("verdict"))


def run_result_body(data: Any) -> dict[str, Any]:
    """Check a worker's run result body ``{"verdict"}``; returns the verdict."""
    if not isinstance(data, dict):
        raise ApiError("The body must be a JSON object.")
    return checked_verdict(data.get("verdict"))


def checked_verdict(verdict: Any) -> dict[str, Any]:
    """Check the shape of an engine verdict posted by a worker; returns it.

    Raises ``ApiError`` (400) naming the first problem.
    """
    if not isinstance(verdict, dict):
        raise ApiError("verdict must be an object.", fields={"verdict": ["required"]})
    if verdict.get("status") not in VERDICT_STATUSES:
        raise ApiError(
            "verdict.status must be 'graded' or 'failed'.", fields={"verdict.status": ["invalid"]}
        )
    score = _number(verdict.get("score", 0), "verdict.score")
    max_score = _number(verdict.get("max_score"), "verdict.max_score")
    if not 0 <= score <= max_score + 1e-9:
        raise ApiError(
            "verdict.score must be between 0 and max_score.", fields={"verdict.score": ["range"]}
        )
    tests = verdict.get("tests", [])
    if not isinstance(tests, list):
        raise ApiError("verdict.tests must be a list.", fields={"verdict.tests": ["not a list"]})
    for index, test in enumerate(tests):
        _check_test(test, index)
    error = verdict.get("error")
    if error is not None and not isinstance(error, dict):
        raise ApiError("verdict.error must be null or an object.", fields={"verdict.error": ["?"]})
    if not isinstance(verdict.get("hints", []), list):
        raise ApiError("verdict.hints must be a list.", fields={"verdict.hints": ["not a list"]})
    return verdict


def run_body(data: Any) -> dict[str, Any]:
    """Check the shape of a run request body; returns it as a dict.

    ``{"code"}`` or ``{"answer"}``, optionally ``"course"`` and ``"draft"`` (a boolean).
    Raises ``ApiError`` (400) for anything else; the code or answer is checked later.
    """
    if not isinstance(data, dict):
        raise ApiError('The body must be a JSON object such as {"code": "..."}.')
    unknown = sorted(set(data) - RUN_BODY_KEYS)
    if unknown:
        raise ApiError(
            f"Unknown field(s): {', '.join(unknown)}.",
            fields={key: ["unknown field"] for key in unknown},
        )
    if not isinstance(data.get("draft", False), bool):
        raise ApiError("draft must be true or false.", fields={"draft": ["not a boolean"]})
    return submission_body({k: v for k, v in data.items() if k != "draft"}) | {
        "draft": bool(data.get("draft", False))
    }


# The printed output shown with a run is cut here (the sandbox keeps more).
RUN_OUTPUT_CHARS = 4000


def _run_output(verdict: dict[str, Any]) -> dict[str, Any] | None:
    extra = verdict.get("extra") if isinstance(verdict.get("extra"), dict) else {}
    output = extra.get("output")
    if not isinstance(output, dict) or not isinstance(output.get("stdout"), str):
        return None
    text = output["stdout"]
    return {
        "stdout": text[:RUN_OUTPUT_CHARS],
        "truncated": bool(output.get("truncated")) or len(text) > RUN_OUTPUT_CHARS,
    }


def run_data(run: Run, request: Request, *, expired: bool) -> dict[str, Any]:
    """Return the JSON of ``run`` for its owner: status and the verdict of what was run.

    A student's run holds only the visible tests (hidden ones were never sent), so it
    needs no masking; ``expired`` says a queued run was lost and will not finish.
    """
    verdict = run.verdict if isinstance(run.verdict, dict) else {}
    shown = verdict_language.localised(
        tests=verdict.get("tests") or [],
        hints=verdict.get("hints") or [],
        error=verdict.get("error"),
        verdict=verdict,
        lang=verdict_language.viewer_language(),
        mask_hidden=False,
    )
    return {
        "id": run.id,
        "url": request.build_absolute_uri(reverse("api:run-detail", args=[run.id])),
        "exercise": run.exercise.slug,
        "course": run.course.slug if run.course else None,
        "draft": run.draft,
        "status": run.status,
        "expired": expired,
        "score": verdict.get("score") if run.status == Run.Status.DONE else None,
        "max_score": run.max_score,
        "tests": shown["tests"],
        "error": shown["error"],
        "hints": shown["hints"],
        "lang": shown["lang"],
        "plot": verdict.get("plot"),
        "output": _run_output(verdict),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def grading_attempt_body(data: Any) -> int:
    """Return ``data["grading_attempt"]`` as a positive integer; raises ``ApiError`` (400)."""
    if not isinstance(data, dict):
        raise ApiError("The body must be a JSON object.")
    attempt = data.get("grading_attempt")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
        raise ApiError(
            "grading_attempt must be a positive integer.",
            fields={"grading_attempt": ["required"]},
        )
    return attempt


def review_body(data: Any) -> dict[str, Any]:
    """Check an instructor's review body ``{"score" | "items", "comment"?}``.

    Returns ``{"score", "items", "comment"}`` (the one not sent is None); raises
    ``ApiError`` (400). Whether the items exist and fit is checked by the service.
    """
    if not isinstance(data, dict):
        raise ApiError("The body must be a JSON object.")
    score = None if data.get("score") is None else _number(data["score"], "score")
    items = data.get("items")
    if items is not None:
        if not isinstance(items, dict) or not items:
            raise ApiError(
                'items must be an object of points per item, such as {"gradient-zero": 1}.',
                fields={"items": ["not an object"]},
            )
        items = {str(name): _number(points, f"items.{name}") for name, points in items.items()}
    if score is None and items is None:
        raise ApiError(
            'Send "score" (the total) or "items" (points per item).',
            fields={"score": ["required"]},
        )
    comment = data.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 10_000:
        raise ApiError(
            "comment must be a string of at most 10000 characters.",
            fields={"comment": ["invalid"]},
        )
    return {"score": score, "items": items, "comment": comment}


REGRADE_BODY_KEYS = frozenset({"course", "user", "submission"})


def regrade_body(data: Any) -> dict[str, Any]:
    """Check a regrade request body: optional ``course`` (slug), ``user``, ``submission``.

    ``user`` is a username or a user id, ``submission`` a submission id; an empty or
    missing body regrades every submission the caller may regrade. Returns the
    filters as ``regrading.regrade_scope`` keyword arguments; raises ``ApiError``.
    """
    if data is None or (hasattr(data, "keys") and not data):
        return {}
    if not isinstance(data, dict):
        raise ApiError('The body must be a JSON object such as {"course": "act101"}.')
    unknown = sorted(set(data) - REGRADE_BODY_KEYS)
    if unknown:
        raise ApiError(
            f"Unknown field(s): {', '.join(unknown)}.",
            fields={key: ["unknown field"] for key in unknown},
        )
    filters: dict[str, Any] = {}
    course = data.get("course")
    if course is not None:
        if not (isinstance(course, str) and SLUG_RE.fullmatch(course)):
            raise ApiError("course must be a course slug.", fields={"course": ["not a slug"]})
        filters["course"] = course
    user = data.get("user")
    if user is not None:
        valid_id = isinstance(user, int) and not isinstance(user, bool) and user > 0
        valid_name = isinstance(user, str) and 0 < len(user) <= 150 and "\x00" not in user
        if not (valid_id or valid_name):
            raise ApiError("user must be a username or a user id.", fields={"user": ["not a user"]})
        filters["user"] = user
    submission = data.get("submission")
    if submission is not None:
        if isinstance(submission, bool) or not isinstance(submission, int) or submission < 1:
            raise ApiError(
                "submission must be a submission id.", fields={"submission": ["not an id"]}
            )
        filters["submission"] = submission
    return filters


def regrade_data(job: RegradeJob, request: Request, *, outcomes: dict[str, Any]) -> dict[str, Any]:
    """Return the JSON of a regrade ``job`` with its ``outcomes`` (changed and failed)."""
    return {
        "id": job.pk,
        "url": request.build_absolute_uri(reverse("api:regrade-detail", args=[job.pk])),
        "exercise": job.exercise.slug,
        "course": job.course.slug if job.course else None,
        "scope": job.scope,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "changed": job.changed,
        "failed": job.failed,
        "created_by": job.created_by.get_username() if job.created_by else None,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "changes": outcomes["changes"],
        "failures": outcomes["failures"],
    }
