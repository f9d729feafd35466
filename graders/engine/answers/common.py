"""Small pieces every answer kind shares: number checks, bilingual text, the verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from graders.engine.answers.errors import InvalidAnswer
from graders.engine.feedback import Message
from graders.engine.types import ExerciseSpec, Submission, TestResult, Verdict

LANGUAGES = ("en", "ko")


def as_number(value: Any, what: str) -> float:
    """Return ``value`` as a finite float, or raise ``InvalidAnswer``.

    Args:
        value: what the student sent; only JSON numbers count (a bool or a string
            such as ``"0.25"`` is refused, so the browser cannot send one by accident).
        what: how the message names the field, e.g. ``"the answer"``.

    Returns:
        The value as a float.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAnswer(f"{what} must be a number, not {type(value).__name__}.")
    try:
        number = float(value)
    except OverflowError:
        raise InvalidAnswer(f"{what} is too large to be a number.") from None
    if not math.isfinite(number):
        raise InvalidAnswer(f"{what} must be a finite number (not NaN or infinity).")
    return number


def listing(keys: Any, limit: int = 5) -> str:
    """Name a few of a student's unknown keys safely: each cut to 40 characters, at most
    ``limit`` of them, so a hostile answer cannot blow up the error message."""
    names = sorted(str(k)[:40] for k in keys)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(repr(n) for n in names[:limit]) + more


def bilingual(entry: Any, where: str) -> dict[str, str]:
    """Return ``{"en": ..., "ko": ...}`` from a catalog table, or raise ``ValueError``.

    Args:
        entry: a table such as ``{en = "...", ko = "..."}`` from ``exercise.toml``.
        where: names the table in the error, for the catalog author.

    Returns:
        The two texts.
    """
    if not isinstance(entry, dict) or any(
        not isinstance(entry.get(lang), str) or not entry[lang].strip() for lang in LANGUAGES
    ):
        raise ValueError(f"{where} needs non-empty 'en' and 'ko' texts")
    return {lang: entry[lang] for lang in LANGUAGES}


@dataclass
class Feedback:
    """Test results and hints collected in English and Korean while grading.

    ``TestResult.message`` and ``Verdict.hints`` carry the English text (the contract
    has one string each); the Korean text goes to ``Verdict.extra["ko"]``.
    """

    tests: list[TestResult] = field(default_factory=list)
    messages_ko: dict[str, str] = field(default_factory=dict)
    hints_en: list[str] = field(default_factory=list)
    hints_ko: list[str] = field(default_factory=list)

    def add_test(
        self, name: str, points: float, max_points: float, message: dict[str, str]
    ) -> None:
        """Record one test.

        Args:
            name: the test's name, unique within the verdict.
            points: points earned (0 <= points <= max_points).
            max_points: what the test is worth.
            message: ``{"en": ..., "ko": ...}`` shown to the student.
        """
        points = min(max(points, 0.0), max_points)
        passed = max_points > 0 and math.isclose(points, max_points)
        # Carried as a catalog message too, so every viewer (and manage.py grade --lang)
        # renders it in their language like a code verdict's.
        text = Message.text(message["en"], message["ko"]).to_dict()
        self.tests.append(
            TestResult(
                name=name,
                passed=passed,
                points=float(points),
                max_points=float(max_points),
                message=message["en"],
                message_id=text["id"],
                params=text["params"],
            )
        )
        self.messages_ko[name] = message["ko"]

    def add_hint(self, hint: dict[str, str]) -> None:
        """Record a named hint, ``{"en": ..., "ko": ...}``, once."""
        if hint["en"] not in self.hints_en:
            self.hints_en.append(hint["en"])
            self.hints_ko.append(hint["ko"])

    def verdict(
        self,
        spec: ExerciseSpec,
        submission: Submission,
        *,
        needs_review: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Verdict:
        """Build the verdict: the score is the sum of the tests' points.

        Args:
            spec: the exercise graded.
            submission: the submission graded (its seed is recorded).
            needs_review: flag the verdict for an instructor.
            extra: kind-specific details merged into ``Verdict.extra``.

        Returns:
            A ``"graded"`` verdict.
        """
        details: dict[str, Any] = {
            "kind": spec.kind,
            "ko": {"messages": dict(self.messages_ko), "hints": list(self.hints_ko)},
        }
        details.update(extra or {})
        return Verdict(
            exercise=spec.slug,
            status="graded",
            # Rounded so that thirds of a point add back up to the whole exercise.
            score=min(round(sum(t.points for t in self.tests), 9), float(spec.points)),
            max_score=float(spec.points),
            tests=tuple(self.tests),
            error=None,
            seed=submission.seed,
            hints=tuple(self.hints_en),
            needs_review=needs_review,
            extra=details,
            hint_messages=tuple(
                Message.text(en, ko).to_dict()
                for en, ko in zip(self.hints_en, self.hints_ko, strict=True)
            ),
        )
