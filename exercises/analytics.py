"""Reads for an exercise's analytics in a course: how the students did, test by test.

Counts come from the course's students' submissions there (instructors' tries are
left out). The histogram bins each student's counted score (by the course policy);
pass rates and failing tests count every graded attempt; "attempts to full marks"
is the number of the first attempt whose raw score reached the exercise's points.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from exercises import grading_policy
from exercises.grading_policy import Policy
from exercises.models import CourseExercise, Membership, Submission
from exercises.progress import SubmissionRow

HISTOGRAM_BINS = 10
# The most frequent failing tests and hints shown.
TOP = 10
FULL_MARKS_TOLERANCE = 1e-9


def _score_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def histogram(scores: list[float], max_score: float, bins: int = HISTOGRAM_BINS) -> list[dict]:
    """Return ``bins`` equal bins over ``0..max_score`` with how many ``scores`` fall in each.

    Each bin holds ``[lower, upper)``; the last one also holds ``max_score`` itself.
    Returns ``[{"lower", "upper", "label", "count"}]``.
    """
    width = max_score / bins if max_score > 0 else 1.0
    counts = [0] * bins
    for score in scores:
        index = min(bins - 1, max(0, int(score / width))) if width else 0
        counts[index] += 1
    return [
        {
            "lower": round(i * width, 6),
            "upper": round((i + 1) * width, 6),
            "label": f"{_score_text(i * width)}–{_score_text((i + 1) * width)}",
            "count": counts[i],
        }
        for i in range(bins)
    ]


@dataclass(frozen=True)
class ChartBar:
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label: str
    count: int


@dataclass(frozen=True)
class HistogramChart:
    """The geometry of the histogram's inline SVG (the template draws it)."""

    width: int
    height: int
    plot_left: int
    plot_bottom: int
    plot_top: int
    plot_right: int
    bars: list[ChartBar]
    max_count: int
    description: str


def histogram_chart(bins: list[dict], *, width: int = 640, height: int = 260) -> HistogramChart:
    """Lay out ``bins`` (from ``histogram``) as bars in a ``width`` x ``height`` SVG."""
    left, right, top, bottom = 40, width - 10, 16, height - 44
    max_count = max((b["count"] for b in bins), default=0)
    slot = (right - left) / max(1, len(bins))
    bars = []
    for index, item in enumerate(bins):
        bar_height = (bottom - top) * item["count"] / max_count if max_count else 0.0
        x = left + index * slot + 2
        bars.append(
            ChartBar(
                x=round(x, 1),
                y=round(bottom - bar_height, 1),
                width=round(slot - 4, 1),
                height=round(bar_height, 1),
                label_x=round(x + (slot - 4) / 2, 1),
                label=item["label"],
                count=item["count"],
            )
        )
    description = "; ".join(
        f"{b['label']} points: {b['count']} student{'s' if b['count'] != 1 else ''}" for b in bins
    )
    return HistogramChart(
        width=width,
        height=height,
        plot_left=left,
        plot_bottom=bottom,
        plot_top=top,
        plot_right=right,
        bars=bars,
        max_count=max_count,
        description=description,
    )


def _timeline_entry(credit: grading_policy.AttemptCredit) -> dict[str, Any]:
    return {
        "attempt": credit.number,
        "submission": credit.submission_id,
        "submitted_at": credit.submitted_at.isoformat(),
        "submitted_at_text": grading_policy.format_when(credit.submitted_at),
        "status": credit.status,
        "score": credit.raw_score,
        "credited_score": credit.credited_score,
        "late": credit.late,
        "provisional": credit.provisional,
        "version": credit.version,
    }


def exercise_analytics(offering: CourseExercise) -> dict[str, Any]:
    """Return the analytics of one exercise in its course (``offering``).

    Keys: ``course``, ``exercise``, ``title``, ``max_score``, ``students`` (enrolled),
    ``attempted`` (students with a submission), ``histogram`` (bins of counted
    scores), ``tests`` (per test: attempts, passed, pass rate), ``failing_tests`` and
    ``hints`` (most frequent first), ``median_attempts_to_full_marks`` (None if nobody
    got there), ``students_with_full_marks``, and ``timelines`` (per student, every
    attempt with its time, score, credited score and exercise version).
    """
    course, exercise = offering.course, offering.exercise
    policy = Policy.of(offering)
    members = (
        Membership.objects.filter(course=course, role=Membership.Role.STUDENT)
        .select_related("user")
        .order_by("user__username")
    )
    users = {m.user_id: m.user for m in members}
    per_student: dict[int, list[Submission]] = {}
    for submission in (
        Submission.objects.filter(course=course, exercise=exercise, user_id__in=list(users))
        .only("tests", "hints", *SubmissionRow._fields)
        .order_by("created_at", "id")
    ):
        per_student.setdefault(submission.user_id, []).append(submission)

    counted_scores: list[float] = []
    to_full_marks: list[int] = []
    passed: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    hints: Counter[str] = Counter()
    timelines = []
    for user_id, user in users.items():
        mine = per_student.get(user_id, [])
        if not mine:
            continue
        credits = grading_policy.credit_attempts(policy, exercise.kind, mine)
        counted = grading_policy.counted_score(policy, credits)
        if counted.score is not None:
            counted_scores.append(counted.score)
        first_full = next(
            (
                c.number
                for c in credits
                if c.raw_score is not None and c.raw_score >= exercise.points - FULL_MARKS_TOLERANCE
            ),
            None,
        )
        if first_full is not None:
            to_full_marks.append(first_full)
        for submission in mine:
            if submission.status != Submission.Status.GRADED:
                continue
            for test in submission.tests or []:
                name = str(test.get("name", "")) if isinstance(test, dict) else ""
                if not name:
                    continue
                tried[name] += 1
                if test.get("passed"):
                    passed[name] += 1
            for hint in submission.hints or []:
                if isinstance(hint, str) and hint:
                    hints[hint] += 1
        timelines.append(
            {
                "username": user.username,
                "name": user.get_full_name(),
                "counted_score": counted.score,
                "attempts": [_timeline_entry(c) for c in credits],
            }
        )
    tests = [
        {
            "name": name,
            "attempts": tried[name],
            "passed": passed[name],
            "pass_rate": passed[name] / tried[name],
        }
        for name in tried
    ]
    failing = sorted(
        ({"name": name, "failures": tried[name] - passed[name]} for name in tried),
        key=lambda item: (-item["failures"], item["name"]),
    )
    return {
        "course": course.slug,
        "exercise": exercise.slug,
        "title": exercise.title,
        "max_score": exercise.points,
        "students": len(users),
        "attempted": len(timelines),
        "histogram": histogram(counted_scores, exercise.points),
        "tests": tests,
        "failing_tests": [item for item in failing if item["failures"] > 0][:TOP],
        "hints": [{"hint": hint, "count": count} for hint, count in hints.most_common(TOP)],
        "median_attempts_to_full_marks": statistics.median(to_full_marks)
        if to_full_marks
        else None,
        "students_with_full_marks": len(to_full_marks),
        "timelines": timelines,
    }
