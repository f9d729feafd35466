"""The course policy rules (exercises/grading_policy.py), one by one, with their edges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from exercises import grading_policy
from exercises.grading_policy import Policy

UTC = ZoneInfo("UTC")
DUE = datetime(2026, 12, 10, 14, 59, tzinfo=UTC)


@dataclass
class Attempt:
    id: int
    created_at: datetime
    score: float | None = 10.0
    status: str = "graded"
    reviewed_score: float | None = None
    needs_review: bool = False
    exercise_version: int = 1


def attempts(*specs: tuple[timedelta, float | None]) -> list[Attempt]:
    """Attempts submitted at DUE + offset with the given raw scores."""
    return [
        Attempt(id=n, created_at=DUE + offset, score=score)
        for n, (offset, score) in enumerate(specs, start=1)
    ]


def credited(policy: Policy, items: list[Attempt], kind: str = "code") -> list[float | None]:
    return [a.credited_score for a in grading_policy.credit_attempts(policy, kind, items)]


def test_an_attempt_on_or_before_the_due_date_is_not_late() -> None:
    assert grading_policy.days_late(DUE, DUE) == 0
    assert grading_policy.days_late(DUE - timedelta(days=3), DUE) == 0
    assert grading_policy.days_late(DUE, None) == 0


def test_every_started_day_after_the_due_date_counts_as_a_day_late() -> None:
    assert grading_policy.days_late(DUE + timedelta(minutes=1), DUE) == 1
    assert grading_policy.days_late(DUE + timedelta(days=1), DUE) == 1
    assert grading_policy.days_late(DUE + timedelta(days=1, seconds=1), DUE) == 2


def test_the_late_penalty_takes_its_percent_per_started_day() -> None:
    policy = Policy(due_at=DUE, late_penalty_percent_per_day=10)
    items = attempts(
        (timedelta(hours=-1), 10.0), (timedelta(hours=2), 10.0), (timedelta(hours=25), 10.0)
    )
    assert credited(policy, items) == [10.0, 9.0, 8.0]


def test_a_late_penalty_never_takes_the_score_below_zero() -> None:
    policy = Policy(due_at=DUE, late_penalty_percent_per_day=30)
    items = attempts((timedelta(days=3, hours=1), 10.0), (timedelta(days=40), 10.0))
    assert credited(policy, items) == [0.0, 0.0]


def test_no_credit_after_the_due_date_makes_a_late_attempt_zero_but_not_an_early_one() -> None:
    policy = Policy(due_at=DUE, no_credit_after_due=True)
    items = attempts((timedelta(seconds=0), 10.0), (timedelta(seconds=1), 10.0))
    assert credited(policy, items) == [10.0, 0.0]


def test_the_retry_penalty_lowers_each_further_choice_attempt_down_to_zero() -> None:
    policy = Policy(retry_penalty_percent=40)
    items = attempts(*[(timedelta(days=-1), 5.0)] * 4)
    assert credited(policy, items, kind="choice") == [5.0, 3.0, 1.0, 0.0]


def test_the_retry_penalty_applies_only_to_choice_questions() -> None:
    policy = Policy(retry_penalty_percent=40)
    items = attempts(*[(timedelta(days=-1), 5.0)] * 3)
    assert credited(policy, items, kind="numeric") == [5.0, 5.0, 5.0]


def test_late_and_retry_penalties_multiply() -> None:
    policy = Policy(due_at=DUE, late_penalty_percent_per_day=10, retry_penalty_percent=25)
    items = attempts((timedelta(days=-1), 0.0), (timedelta(days=-1), 0.0), (timedelta(days=2), 10))
    assert credited(policy, items, kind="choice")[2] == 4.0


def test_an_attempt_not_graded_yet_or_failed_earns_nothing_and_never_counts() -> None:
    items = attempts((timedelta(days=-2), 6.0), (timedelta(days=-1), None))
    items[1].status = "queued"
    items.append(Attempt(id=3, created_at=DUE, score=None, status="failed"))
    credits = grading_policy.credit_attempts(Policy(counted_attempt="last"), "code", items)
    assert [c.credited_score for c in credits] == [6.0, None, None]
    counted = grading_policy.counted_score(Policy(counted_attempt="last"), credits)
    assert counted.score == 6.0 and counted.attempt.number == 1


def test_a_reviewed_score_replaces_the_automatic_one_before_penalties() -> None:
    items = attempts((timedelta(hours=1), 2.0))
    items[0].reviewed_score = 8.0
    assert credited(Policy(due_at=DUE, late_penalty_percent_per_day=50), items) == [4.0]


@pytest.mark.parametrize(
    ("rule", "expected_score", "expected_attempt"),
    [("best", 9.0, 2), ("last", 4.0, 4), ("last_before_due", 3.0, 3)],
)
def test_the_counted_attempt_follows_the_rule(
    rule: str, expected_score: float, expected_attempt: int
) -> None:
    policy = Policy(due_at=DUE, counted_attempt=rule)
    items = attempts(
        (timedelta(days=-3), 5.0),
        (timedelta(days=-2), 9.0),
        (timedelta(days=-1), 9.0),
        (timedelta(days=1), 4.0),
    )
    items[2].score = 3.0
    counted = grading_policy.counted_score(
        policy, grading_policy.credit_attempts(policy, "code", items)
    )
    assert (counted.score, counted.attempt.number) == (expected_score, expected_attempt)


def test_best_takes_the_earliest_of_equal_scores() -> None:
    items = attempts((timedelta(days=-2), 7.0), (timedelta(days=-1), 7.0))
    counted = grading_policy.counted_score(
        Policy(), grading_policy.credit_attempts(Policy(), "code", items)
    )
    assert counted.attempt.number == 1


def test_best_compares_credited_scores_not_raw_ones() -> None:
    policy = Policy(due_at=DUE, late_penalty_percent_per_day=50)
    items = attempts((timedelta(days=-1), 6.0), (timedelta(days=1), 10.0))
    counted = grading_policy.counted_score(
        policy, grading_policy.credit_attempts(policy, "code", items)
    )
    assert (counted.score, counted.attempt.number) == (6.0, 1)


def test_last_before_due_counts_nothing_when_every_attempt_was_late() -> None:
    policy = Policy(due_at=DUE, counted_attempt="last_before_due")
    items = attempts((timedelta(hours=1), 10.0))
    counted = grading_policy.counted_score(
        policy, grading_policy.credit_attempts(policy, "code", items)
    )
    assert counted.score is None and counted.attempt is None


def test_no_attempts_count_nothing() -> None:
    counted = grading_policy.counted_score(Policy(), [])
    assert (counted.score, counted.provisional) == (None, False)


def test_a_counted_attempt_waiting_for_review_is_provisional_until_reviewed() -> None:
    items = attempts((timedelta(days=-2), 3.0), (timedelta(days=-1), 4.0))
    items[1].needs_review = True
    policy = Policy(counted_attempt="last")
    counted = grading_policy.counted_score(
        policy, grading_policy.credit_attempts(policy, "text", items)
    )
    assert (counted.score, counted.provisional) == (4.0, True)
    items[1].reviewed_score = 5.0
    counted = grading_policy.counted_score(
        policy, grading_policy.credit_attempts(policy, "text", items)
    )
    assert (counted.score, counted.provisional) == (5.0, False)


def test_an_attempt_waiting_for_review_that_does_not_count_leaves_the_score_final() -> None:
    items = attempts((timedelta(days=-2), 8.0), (timedelta(days=-1), 4.0))
    items[1].needs_review = True
    credits = grading_policy.credit_attempts(Policy(), "text", items)
    assert grading_policy.counted_score(Policy(), credits).provisional is False


def test_a_submission_before_the_opening_is_refused_with_the_time_and_zone() -> None:
    policy = Policy(opens_at=DUE)
    refusal = grading_policy.refusal(policy, now=DUE - timedelta(seconds=1), attempts_used=0)
    assert refusal.code == "not_open"
    assert "2026-12-10 14:59 UTC (UTC+00:00)" in refusal.message
    assert grading_policy.refusal(policy, now=DUE, attempts_used=0) is None


def test_the_attempt_limit_refuses_the_next_attempt_and_says_nothing_was_lost() -> None:
    policy = Policy(attempt_limit=2)
    assert grading_policy.refusal(policy, now=DUE, attempts_used=1) is None
    refusal = grading_policy.refusal(policy, now=DUE, attempts_used=2)
    assert refusal.code == "attempt_limit_reached"
    assert "all 2 attempts" in refusal.message and "not stored" in refusal.message
    assert grading_policy.attempts_left(policy, 1) == 1
    assert grading_policy.attempts_left(policy, 5) == 0
    assert grading_policy.attempts_left(Policy(), 5) is None


def test_a_late_submission_is_not_refused() -> None:
    policy = Policy(due_at=DUE, no_credit_after_due=True)
    assert grading_policy.refusal(policy, now=DUE + timedelta(days=9), attempts_used=0) is None


def test_the_late_notice_says_what_a_late_submission_loses() -> None:
    policy = Policy(due_at=DUE, late_penalty_percent_per_day=15)
    notice = grading_policy.late_notice(policy, DUE + timedelta(days=1, hours=1))
    assert "2 days late" in notice and "loses 30 %" in notice
    assert grading_policy.late_notice(policy, DUE) is None
    no_credit = Policy(due_at=DUE, no_credit_after_due=True)
    assert "earns no credit" in grading_policy.late_notice(no_credit, DUE + timedelta(hours=1))
    assert grading_policy.late_notice(Policy(due_at=DUE), DUE + timedelta(hours=1)) is None


def test_dates_show_in_the_site_time_zone_with_its_name(settings: object) -> None:
    from django.utils import timezone

    settings.TIME_ZONE = "Asia/Seoul"
    timezone.activate(ZoneInfo("Asia/Seoul"))
    try:
        assert grading_policy.format_when(DUE) == "2026-12-10 23:59 KST (UTC+09:00)"
    finally:
        timezone.deactivate()


def test_the_standing_sums_up_attempts_dates_and_the_counted_score() -> None:
    policy = Policy(
        opens_at=DUE - timedelta(days=7),
        due_at=DUE,
        late_penalty_percent_per_day=20,
        attempt_limit=3,
    )
    items = attempts((timedelta(days=-1), 5.0), (timedelta(hours=3), 10.0))
    standing = grading_policy.standing(
        policy, kind="code", max_score=10, submissions=items, now=DUE + timedelta(hours=4)
    )
    assert (standing.attempts_used, standing.attempts_left) == (2, 1)
    assert standing.is_open and standing.past_due
    assert standing.counted.score == 8.0
    assert standing.due_at_text.startswith("2026-12-10 14:59")
    assert [a.number for a in standing.penalised_attempts] == [2]


def test_a_valid_policy_has_no_problems() -> None:
    policy = Policy(
        opens_at=DUE - timedelta(days=1),
        due_at=DUE,
        late_penalty_percent_per_day=100,
        attempt_limit=1,
        counted_attempt="last_before_due",
        retry_penalty_percent=0,
    )
    assert grading_policy.policy_problems(policy, "code") == {}
    assert grading_policy.policy_problems(Policy(retry_penalty_percent=50), "choice") == {}


@pytest.mark.parametrize(
    ("policy", "field", "words"),
    [
        (Policy(opens_at=DUE, due_at=DUE), "due_at", "after opens_at"),
        (Policy(opens_at=DUE, due_at=DUE - timedelta(days=1)), "due_at", "after opens_at"),
        (Policy(due_at=datetime(2026, 12, 10, 23, 59)), "due_at", "UTC offset"),
        (Policy(opens_at=datetime(2026, 12, 10, 23, 59)), "opens_at", "UTC offset"),
        (Policy(due_at=DUE, late_penalty_percent_per_day=101), "late_penalty_percent_per_day", "0"),
        (Policy(due_at=DUE, late_penalty_percent_per_day=-1), "late_penalty_percent_per_day", "0"),
        (
            Policy(due_at=DUE, late_penalty_percent_per_day=float("nan")),
            "late_penalty_percent_per_day",
            "percent",
        ),
        (Policy(retry_penalty_percent=120), "retry_penalty_percent", "between 0 and 100"),
        (Policy(attempt_limit=0), "attempt_limit", "between 1 and"),
        (Policy(attempt_limit=10**12), "attempt_limit", "between 1 and"),
        (Policy(counted_attempt="worst"), "counted_attempt", "one of best"),
        (Policy(late_penalty_percent_per_day=10), "late_penalty_percent_per_day", "due date"),
        (Policy(no_credit_after_due=True), "no_credit_after_due", "due date"),
        (Policy(counted_attempt="last_before_due"), "counted_attempt", "due date"),
        (Policy(retry_penalty_percent=10), "retry_penalty_percent", "only to choice"),
    ],
)
def test_an_invalid_policy_names_its_field(policy: Policy, field: str, words: str) -> None:
    problems = grading_policy.policy_problems(policy, "code")
    assert field in problems and words in " ".join(problems[field])
