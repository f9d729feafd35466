"""Numeric answers as people type them: read by one strict rule, echoed in the verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.engine.answers import InvalidAnswer, validate_answer
from graders.engine.answers.number_text import read_number

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"


@pytest.fixture(scope="module")
def sigmoid_grad_max() -> ExerciseSpec:
    entries = {e["slug"]: e for e in engine.load_catalog(CATALOG)}
    return ExerciseSpec.from_dict(entries["sigmoid-grad-max"])


@pytest.mark.parametrize(
    "typed",
    ["0.25", ".25", "1/4", "1 / 4", "0,25", "2.5e-1", "25E-2", " 0.25 ", "０．２５", "+.25"],
)
def test_every_usual_way_of_writing_a_quarter_reads_as_0_25(typed: str) -> None:
    assert read_number(typed, "The answer") == pytest.approx(0.25)


def test_the_unicode_minus_sign_and_negative_fractions_read_as_negative() -> None:
    assert read_number("\u22120.5", "The answer") == -0.5
    assert read_number("-1/2", "The answer") == -0.5


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("14 or so", "is not a number"),
        ("1,000", "could be a thousand or a decimal"),
        ("1/0", "divides by zero"),
        ("nan", "is not a number"),
        ("inf", "is not a number"),
        ("1e999", "finite"),
        ("1_000", "is not a number"),
        ("", "empty"),
        ("2**-2", "is not a number"),
        ("1" * 100, "too long"),
    ],
)
def test_text_that_is_not_plainly_a_number_is_refused_with_a_reason(typed: str, words: str) -> None:
    with pytest.raises(InvalidAnswer, match=words):
        read_number(typed, "The answer")


def test_json_numbers_still_work_and_booleans_do_not() -> None:
    assert read_number(0.25, "The answer") == 0.25
    with pytest.raises(InvalidAnswer):
        read_number(True, "The answer")


def test_a_typed_fraction_is_graded_as_its_value_and_echoed(sigmoid_grad_max) -> None:
    validate_answer(sigmoid_grad_max, "1/4")

    verdict = engine.grade(sigmoid_grad_max, Submission(seed=1, answer="1/4")).to_dict()

    assert verdict["score"] == verdict["max_score"]
    assert "Your answer 1/4 was read as 0.25." in verdict["tests"][0]["message"]
    assert "0.25(으)로 읽었습니다" in verdict["extra"]["ko"]["messages"]["answer"]
    assert verdict["extra"]["read_as"] == {"answer": 0.25}


def test_a_decimal_comma_is_not_read_as_twenty_five(sigmoid_grad_max) -> None:
    verdict = engine.grade(sigmoid_grad_max, Submission(seed=1, answer="0,25")).to_dict()

    assert verdict["score"] == verdict["max_score"]
    assert "read as 0.25" in verdict["tests"][0]["message"]


def test_text_that_is_not_a_number_is_refused_before_grading(sigmoid_grad_max) -> None:
    with pytest.raises(InvalidAnswer, match="not a number"):
        validate_answer(sigmoid_grad_max, "a quarter")
