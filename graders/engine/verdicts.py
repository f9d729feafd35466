"""One constructor per kind of verdict and test result, so every one carries its ids.

- ``graded_verdict``: the tests were judged; the score is the sum of their points.
- ``zero_verdict``: the student's work earned nothing before or instead of the tests
  (empty code, a syntax error, a timeout); ``status="graded"``, score 0.
- ``failed_verdict``: the grader could not judge through no fault of the student;
  ``status="failed"``, the submission may be graded again.
"""

from __future__ import annotations

from typing import Any

from graders.engine.feedback import MESSAGES, Message
from graders.engine.feedback.titles import default_title, title_id
from graders.engine.types import TestResult, Verdict


def error_of(kind: str, message: Message) -> dict[str, Any]:
    """A verdict's ``error``: its kind, English message, message id and parameters."""
    data = message.to_dict()
    return {
        "kind": kind,
        "message": message.render("en"),
        "message_id": data["id"],
        "params": data["params"],
    }


def test_result(
    test: dict, passed: bool, message: Message, points: float | None = None
) -> TestResult:
    """A TestResult for ``test``: full points when passed, none otherwise (or ``points``).

    test: the test dict; passed: whether it passed; message: feedback for the student;
    points: a partial score, when the test gives one. Returns the TestResult.
    """
    max_points = float(test.get("points", 1.0))
    earned = (
        (max_points if passed else 0.0) if points is None else min(max(points, 0.0), max_points)
    )
    name = str(test["name"])
    data = message.to_dict()
    title = title_id(name)
    return TestResult(
        name=name,
        passed=passed,
        points=float(earned),
        max_points=max_points,
        message=message.render("en"),
        hidden=bool(test.get("hidden", False)),
        message_id=data["id"],
        params=data["params"],
        title=MESSAGES[title]["en"] if title in MESSAGES else default_title(name)[0],
        title_id=title if title in MESSAGES else "",
    )


def graded_verdict(
    base: dict[str, Any],
    tests: tuple[TestResult, ...],
    hints: list[tuple[str, Message]],
    extra: dict[str, Any],
) -> Verdict:
    """A judged verdict: the score is the sum of the tests' points.

    base: ``exercise``, ``max_score``, ``seed``; tests: the results; hints:
    ``(name, Message)`` once each; extra: details for ``Verdict.extra``.
    """
    return Verdict(
        **base,
        status="graded",
        score=round(sum(t.points for t in tests), 9),
        tests=tests,
        hints=tuple(m.render("en") for _, m in hints),
        hint_messages=tuple(m.to_dict() for _, m in hints),
        extra={**extra, "hint_names": [name for name, _ in hints]},
    )


def zero_verdict(
    base: dict[str, Any], kind: str, message: Message, tests: tuple[TestResult, ...] = ()
) -> Verdict:
    """A verdict of 0 on the student's work (its ``error`` says why)."""
    return Verdict(**base, status="graded", score=0.0, tests=tests, error=error_of(kind, message))


def failed_verdict(base: dict[str, Any], kind: str, message: Message) -> Verdict:
    """The grader could not judge: not the student's fault, grade again later."""
    return Verdict(**base, status="failed", score=0.0, error=error_of(kind, message))
