"""Course policy: what each attempt earns, which attempt counts, where a student stands.

Plain functions over one exercise's policy in a course (``Policy``, read from a
``CourseExercise``) and one student's submissions there, oldest first; no queries.

The rules:
- Late penalty: ``late_penalty_percent_per_day`` for every *started* day after the
  due date (one minute late is one day late, 24 h and 1 minute is two), as Canvas
  and Moodle count it; a student can tell from the clock alone what a late attempt
  loses. Never more than 100 %. ``no_credit_after_due`` makes any late attempt 0.
- Retry penalty (choice questions only): attempt ``n`` in the course earns
  ``100 - (n - 1) * retry_penalty_percent`` percent, never below 0.
- Both penalties multiply: attempt 3 at 25 % per retry (50 %) two days late at 10 %
  per day (80 %) earns 40 % of its raw score. The raw score is the effective one (an
  instructor's review replaces the automatic score).
- The counted attempt: ``best`` (highest credited score, the earliest on a tie),
  ``last`` (the latest graded attempt) or ``last_before_due`` (the latest graded one
  submitted by the due date; without a due date, the latest). Attempts still being
  graded, or failed through our fault, earn nothing yet and are never counted.
- A counted score is provisional while its attempt waits for an instructor's review.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

SECONDS_PER_DAY = 24 * 60 * 60
BEST = "best"
LAST = "last"
LAST_BEFORE_DUE = "last_before_due"
COUNTED_ATTEMPTS = (BEST, LAST, LAST_BEFORE_DUE)
GRADED = "graded"
# Far above any real course's limit, and within every database's integer column.
MAX_ATTEMPT_LIMIT = 10_000


class SubmissionLike(Protocol):
    """What the policy reads of a submission (``exercises.models.Submission`` fits)."""

    id: int
    status: str
    score: float | None
    reviewed_score: float | None
    needs_review: bool
    created_at: datetime
    exercise_version: int


@dataclass(frozen=True)
class Policy:
    """One exercise's rules in one course; the defaults are "no rules, best counts"."""

    opens_at: datetime | None = None
    due_at: datetime | None = None
    late_penalty_percent_per_day: float = 0.0
    no_credit_after_due: bool = False
    attempt_limit: int | None = None
    counted_attempt: str = BEST
    retry_penalty_percent: float = 0.0

    @classmethod
    def of(cls, offering: Any) -> Policy:
        """Return the policy of ``offering`` (a ``CourseExercise``); the default for None."""
        if offering is None:
            return cls()
        return cls(
            opens_at=offering.opens_at,
            due_at=offering.due_at,
            late_penalty_percent_per_day=offering.late_penalty_percent_per_day,
            no_credit_after_due=offering.no_credit_after_due,
            attempt_limit=offering.attempt_limit,
            counted_attempt=offering.counted_attempt,
            retry_penalty_percent=offering.retry_penalty_percent,
        )


@dataclass(frozen=True)
class AttemptCredit:
    """What one attempt earns under the policy."""

    submission_id: int
    # The student's Nth submission of this exercise in this course (1-based).
    number: int
    submitted_at: datetime
    status: str
    version: int
    # The effective score before penalties; None until graded.
    raw_score: float | None
    # After the late and retry penalties; None until graded.
    credited_score: float | None
    days_late: int
    late_percent: float
    retry_percent: float
    provisional: bool

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def penalised(self) -> bool:
        return self.late_percent > 0 or self.retry_percent > 0


@dataclass(frozen=True)
class CountedScore:
    """The score that counts for a student, and the attempt it comes from."""

    score: float | None
    attempt: AttemptCredit | None
    provisional: bool


@dataclass(frozen=True)
class Refusal:
    """Why a submission may not be made now (the API answers 409 with it)."""

    code: str
    message: str


@dataclass(frozen=True)
class Standing:
    """A student's standing on one exercise in a course, for the pages and the API."""

    policy: Policy
    max_score: float
    attempts: list[AttemptCredit]
    counted: CountedScore
    attempts_used: int
    attempts_left: int | None
    is_open: bool
    past_due: bool
    opens_at_text: str = ""
    due_at_text: str = ""
    retry_applies: bool = False

    @property
    def penalised_attempts(self) -> list[AttemptCredit]:
        """The graded attempts that earned less than their raw score, oldest first."""
        return [a for a in self.attempts if a.penalised and a.raw_score is not None]


def format_when(moment: datetime) -> str:
    """Return ``moment`` in the site's time zone (``TIME_ZONE``) with its name and offset.

    E.g. ``2026-12-10 23:59 KST (UTC+09:00)``: a date without its zone is ambiguous
    for a student abroad.
    """
    local = timezone.localtime(moment)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def days_late(submitted_at: datetime, due_at: datetime | None) -> int:
    """Return the started days between ``due_at`` and ``submitted_at`` (0 if on time)."""
    if due_at is None or submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at).total_seconds() / SECONDS_PER_DAY)


def late_percent(policy: Policy, submitted_at: datetime) -> float:
    """Return the percent a submission made at ``submitted_at`` loses for being late."""
    days = days_late(submitted_at, policy.due_at)
    if days == 0:
        return 0.0
    if policy.no_credit_after_due:
        return 100.0
    return min(100.0, days * policy.late_penalty_percent_per_day)


def retry_percent(policy: Policy, kind: str, number: int) -> float:
    """Return the percent attempt ``number`` loses for retrying (choice questions only)."""
    if kind != "choice" or number <= 1:
        return 0.0
    return min(100.0, (number - 1) * policy.retry_penalty_percent)


def _credited(raw: float, late: float, retry: float) -> float:
    # Rounded so that 10 points at 80 % show as 8, not 8.000000000000002.
    return round(max(0.0, raw * (100.0 - late) / 100.0 * (100.0 - retry) / 100.0), 6)


def credit_attempts(
    policy: Policy, kind: str, submissions: Iterable[SubmissionLike]
) -> list[AttemptCredit]:
    """Return what each of ``submissions`` earns, in order.

    Args:
        policy: the exercise's policy in the course.
        kind: the exercise kind (``choice`` questions get the retry penalty).
        submissions: one student's submissions of the exercise in the course,
            oldest first; the Nth is attempt N.

    Returns:
        One ``AttemptCredit`` per submission.
    """
    credits = []
    for number, submission in enumerate(submissions, start=1):
        late = late_percent(policy, submission.created_at)
        retry = retry_percent(policy, kind, number)
        raw = None
        if submission.status == GRADED:
            raw = (
                submission.reviewed_score
                if submission.reviewed_score is not None
                else submission.score
            )
        credits.append(
            AttemptCredit(
                submission_id=submission.id,
                number=number,
                submitted_at=submission.created_at,
                status=submission.status,
                version=submission.exercise_version,
                raw_score=raw,
                credited_score=None if raw is None else _credited(raw, late, retry),
                days_late=days_late(submission.created_at, policy.due_at),
                late_percent=late,
                retry_percent=retry,
                provisional=raw is not None
                and submission.needs_review
                and submission.reviewed_score is None,
            )
        )
    return credits


def counted_score(policy: Policy, attempts: list[AttemptCredit]) -> CountedScore:
    """Return the score that counts among ``attempts`` (from ``credit_attempts``)."""
    graded = [attempt for attempt in attempts if attempt.credited_score is not None]
    if policy.counted_attempt == LAST_BEFORE_DUE:
        graded = [attempt for attempt in graded if not attempt.late]
    if not graded:
        return CountedScore(score=None, attempt=None, provisional=False)
    if policy.counted_attempt == BEST:
        # max() keeps the first of equal scores: the earliest attempt that reached it.
        chosen = max(graded, key=lambda attempt: attempt.credited_score or 0.0)
    else:
        chosen = graded[-1]
    return CountedScore(score=chosen.credited_score, attempt=chosen, provisional=chosen.provisional)


def attempts_left(policy: Policy, attempts_used: int) -> int | None:
    """Return how many attempts remain (None: no limit)."""
    if policy.attempt_limit is None:
        return None
    return max(0, policy.attempt_limit - attempts_used)


def refusal(policy: Policy, *, now: datetime, attempts_used: int) -> Refusal | None:
    """Return why a student may not submit now, or None if they may.

    Submitting after the due date is allowed: the penalty applies to what it earns.
    """
    if policy.opens_at is not None and now < policy.opens_at:
        return Refusal(
            "not_open",
            f"This exercise opens at {format_when(policy.opens_at)}; "
            "nothing was stored, submit again then.",
        )
    if policy.attempt_limit is not None and attempts_used >= policy.attempt_limit:
        return Refusal(
            "attempt_limit_reached",
            f"You have used all {policy.attempt_limit} attempts allowed for this exercise; "
            "this submission was not stored and your earlier attempts and score are unchanged.",
        )
    return None


def late_notice(policy: Policy, submitted_at: datetime) -> str | None:
    """Return what a submission made at ``submitted_at`` loses for lateness, in words."""
    days = days_late(submitted_at, policy.due_at)
    if days == 0 or policy.due_at is None:
        return None
    due = format_when(policy.due_at)
    if policy.no_credit_after_due:
        return f"The due date ({due}) has passed: this submission is graded but earns no credit."
    percent = late_percent(policy, submitted_at)
    if percent == 0:
        return None
    unit = "day" if days == 1 else "days"
    return (
        f"The due date ({due}) has passed: this submission is {days} {unit} late "
        f"and loses {percent:g} % of its score."
    )


def standing(
    policy: Policy,
    *,
    kind: str,
    max_score: float,
    submissions: Iterable[SubmissionLike],
    now: datetime,
) -> Standing:
    """Return a student's standing on one exercise in a course.

    Args:
        policy: the exercise's policy in the course.
        kind: the exercise kind.
        max_score: the exercise's points.
        submissions: the student's submissions of it in the course, oldest first.
        now: the current time (aware).

    Returns:
        Attempts with their credit, the counted score, attempts used and left, whether
        it is open and past due, and the dates in the site's time zone.
    """
    attempts = credit_attempts(policy, kind, submissions)
    return Standing(
        policy=policy,
        max_score=max_score,
        attempts=attempts,
        counted=counted_score(policy, attempts),
        attempts_used=len(attempts),
        attempts_left=attempts_left(policy, len(attempts)),
        is_open=policy.opens_at is None or now >= policy.opens_at,
        past_due=policy.due_at is not None and now > policy.due_at,
        opens_at_text=format_when(policy.opens_at) if policy.opens_at else "",
        due_at_text=format_when(policy.due_at) if policy.due_at else "",
        retry_applies=kind == "choice" and policy.retry_penalty_percent > 0,
    )


def policy_problems(policy: Policy, kind: str) -> dict[str, list[str]]:
    """Return what is wrong with ``policy`` for an exercise of ``kind``, by field.

    An empty dict means the policy is valid: aware dates, the due date after the
    opening, percents within 0..100, a positive attempt limit, a known counted
    attempt, penalties only where they can apply.
    """
    problems: dict[str, list[str]] = {}

    def add(name: str, text: str) -> None:
        problems.setdefault(name, []).append(text)

    for name in ("opens_at", "due_at"):
        moment = getattr(policy, name)
        if moment is not None and timezone.is_naive(moment):
            add(name, "must include a UTC offset, e.g. 2026-12-10T23:59:00+09:00")
    if (
        policy.opens_at is not None
        and policy.due_at is not None
        and "opens_at" not in problems
        and "due_at" not in problems
        and policy.due_at <= policy.opens_at
    ):
        add("due_at", "must be after opens_at")
    for name in ("late_penalty_percent_per_day", "retry_penalty_percent"):
        value = getattr(policy, name)
        if not (math.isfinite(value) and 0 <= value <= 100):
            add(name, "must be a percent between 0 and 100")
    if policy.attempt_limit is not None and not 1 <= policy.attempt_limit <= MAX_ATTEMPT_LIMIT:
        add("attempt_limit", f"must be between 1 and {MAX_ATTEMPT_LIMIT}, or null for no limit")
    if policy.counted_attempt not in COUNTED_ATTEMPTS:
        add("counted_attempt", f"must be one of {', '.join(COUNTED_ATTEMPTS)}")
    if policy.due_at is None:
        if policy.late_penalty_percent_per_day:
            add("late_penalty_percent_per_day", "needs a due date (due_at)")
        if policy.no_credit_after_due:
            add("no_credit_after_due", "needs a due date (due_at)")
        if policy.counted_attempt == LAST_BEFORE_DUE:
            add("counted_attempt", "last_before_due needs a due date (due_at)")
    if policy.retry_penalty_percent and kind != "choice":
        add("retry_penalty_percent", "applies only to choice questions")
    return problems
