"""Numeric questions: a fixed answer within tolerance, and per-student variants."""

from __future__ import annotations

import math
import re

import pytest

from graders.engine.answers import InvalidAnswer, grade_answer, validate_answer, variant
from graders.engine.types import Submission
from tests.graders.engine.answer_specs import catalog_spec


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def softmax_at(values: list[float], i: int) -> float:
    return math.exp(values[i]) / sum(math.exp(v) for v in values)


def correct_values(seed: int) -> dict[str, float]:
    """The answers a student computes by hand from the numbers their prompt shows."""
    params = variant(catalog_spec("activation-values"), seed)["params"]
    return {
        "sigmoid": sigmoid(params["a"]),
        "tanh": math.tanh(params["b"]),
        "softmax": softmax_at(params["v"], params["i"]),
    }


def grade(slug: str, answer: object, seed: int = 11):
    return grade_answer(catalog_spec(slug), Submission(seed=seed, answer=answer))


@pytest.mark.parametrize("answer", [0.25, 0.2504, 0.2496, 1 / 4])
def test_it_accepts_the_largest_sigmoid_slope_within_tolerance(answer: float) -> None:
    verdict = grade("sigmoid-grad-max", answer)
    assert verdict.score == verdict.max_score == 2
    assert verdict.hints == ()


def test_it_rejects_a_slope_just_outside_the_tolerance() -> None:
    verdict = grade("sigmoid-grad-max", 0.252)
    assert verdict.score == 0
    assert "not within 0.001" in verdict.tests[0].message
    # The message echoes the student's 0.252, never the expected 0.25.
    assert "read as 0.252" in verdict.tests[0].message
    assert not re.search(r"\b0\.25\b", verdict.tests[0].message)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(0.5, "sigmoid-value-not-slope"), (1, "tanh-slope"), (0.0, "slope-limit-not-max")],
)
def test_it_names_the_known_mistake_behind_a_wrong_slope(answer: float, hint: str) -> None:
    verdict = grade("sigmoid-grad-max", answer)
    assert verdict.score == 0
    assert len(verdict.hints) == 1 and verdict.hints[0].startswith(hint)
    assert verdict.extra["ko"]["hints"][0].startswith(hint)


@pytest.mark.parametrize(
    "answer",
    ["a quarter", True, None, float("nan"), float("inf"), -float("inf"), [0.25], {"answer": 0.25}],
)
def test_it_rejects_a_malformed_numeric_answer(answer: object) -> None:
    with pytest.raises(InvalidAnswer):
        validate_answer(catalog_spec("sigmoid-grad-max"), answer)


def test_it_rejects_an_integer_too_large_for_a_float() -> None:
    with pytest.raises(InvalidAnswer, match="too large"):
        validate_answer(catalog_spec("sigmoid-grad-max"), 10**400)


def test_the_variant_is_the_same_every_time_for_one_seed() -> None:
    spec = catalog_spec("activation-values")
    assert variant(spec, 424242) == variant(spec, 424242)


def test_the_variant_differs_across_seeds() -> None:
    spec = catalog_spec("activation-values")
    drawn = {str(variant(spec, seed)["params"]) for seed in range(20)}
    assert len(drawn) == 20


def test_the_variant_prompt_shows_the_students_own_numbers_in_both_languages() -> None:
    shown = variant(catalog_spec("activation-values"), 5)
    params = shown["params"]
    for lang in ("en", "ko"):
        assert f"a = {params['a']:.1f}" in shown["prompt"][lang]
        assert f"sigmoid({params['a']:.1f})" in shown["prompt"][lang]
        assert f"tanh({params['b']:.1f})" in shown["prompt"][lang]
    assert "나의 숫자" in shown["prompt"]["ko"]
    assert [p["id"] for p in shown["parts"]] == ["sigmoid", "tanh", "softmax"]


def test_the_variant_never_carries_the_expected_values() -> None:
    shown = variant(catalog_spec("activation-values"), 5)
    expected = correct_values(5)
    text = repr(shown)
    assert all(f"{value:.4f}" not in text for value in expected.values())


def test_a_fixed_question_has_no_variant() -> None:
    assert variant(catalog_spec("sigmoid-grad-max"), 5) is None
    assert variant(catalog_spec("why-nonlinearity"), 5) is None


@pytest.mark.parametrize("seed", [0, 1, 99, 123456789, -5])
def test_it_gives_full_marks_for_the_values_computed_from_the_shown_numbers(seed: int) -> None:
    answer = {part: round(value, 3) for part, value in correct_values(seed).items()}
    verdict = grade("activation-values", answer, seed=seed)
    assert verdict.score == verdict.max_score == 3
    assert (
        verdict.extra["variant"]["params"]
        == variant(catalog_spec("activation-values"), seed)["params"]
    )


def test_another_students_answers_do_not_fit_this_students_numbers() -> None:
    answer = correct_values(1)
    assert grade("activation-values", answer, seed=2).score < 3


def test_it_gives_partial_credit_per_value_and_accepts_a_blank() -> None:
    answer = correct_values(3)
    answer["tanh"] = None
    answer["softmax"] += 0.01
    verdict = grade("activation-values", answer, seed=3)
    assert verdict.score == pytest.approx(1)
    results = {t.name: t for t in verdict.tests}
    assert results["sigmoid"].passed
    assert results["tanh"].message == "Left blank."
    assert "not within 0.001" in results["softmax"].message


def test_it_names_a_sign_flip_in_sigmoid() -> None:
    params = variant(catalog_spec("activation-values"), 8)["params"]
    answer = correct_values(8)
    answer["sigmoid"] = sigmoid(-params["a"])
    verdict = grade("activation-values", answer, seed=8)
    assert verdict.score == pytest.approx(2)
    assert any(h.startswith("sigmoid-sign-flip") for h in verdict.hints)


def test_it_names_softmax_computed_without_the_exponential() -> None:
    seed = next(
        s
        for s in range(100)
        if sum(variant(catalog_spec("activation-values"), s)["params"]["v"]) > 1
    )
    params = variant(catalog_spec("activation-values"), seed)["params"]
    answer = correct_values(seed)
    answer["softmax"] = params["v"][params["i"]] / sum(params["v"])
    verdict = grade("activation-values", answer, seed=seed)
    assert any(h.startswith("softmax-without-exp") for h in verdict.hints)


def test_it_names_sigmoid_given_where_tanh_was_asked() -> None:
    params = variant(catalog_spec("activation-values"), 4)["params"]
    answer = correct_values(4)
    answer["tanh"] = sigmoid(params["b"])
    verdict = grade("activation-values", answer, seed=4)
    assert any(h.startswith("tanh-vs-sigmoid") for h in verdict.hints)


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (0.73, "must map each of sigmoid, tanh, softmax"),
        ({"sigmoid": 0.7, "tanh": 0.1}, "Missing part"),
        ({"sigmoid": 0.7, "tanh": 0.1, "softmax": 0.2, "relu": 1.0}, "Unknown part"),
        ({"sigmoid": "0.7 or so", "tanh": 0.1, "softmax": 0.2}, "not a number"),
        ({"sigmoid": float("nan"), "tanh": 0.1, "softmax": 0.2}, "finite"),
        ({"sigmoid": False, "tanh": 0.1, "softmax": 0.2}, "must be a number"),
    ],
)
def test_it_rejects_a_malformed_variant_answer(answer: object, fragment: str) -> None:
    with pytest.raises(InvalidAnswer, match=fragment):
        grade("activation-values", answer)
