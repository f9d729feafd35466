"""Choice questions: single, select-all-that-apply and matching, graded and validated."""

from __future__ import annotations

import pytest

from graders.engine.answers import InvalidAnswer, grade_answer, public_spec, validate_answer
from graders.engine.types import ExerciseSpec, Submission
from tests.graders.engine.answer_specs import catalog_spec


def grade(slug: str, answer: object):
    return grade_answer(catalog_spec(slug), Submission(seed=7, answer=answer))


def test_it_gives_full_marks_for_the_right_single_choice() -> None:
    verdict = grade("why-nonlinearity", "collapse")
    assert verdict.status == "graded"
    assert verdict.score == verdict.max_score == 2
    assert verdict.tests[0].passed
    assert verdict.extra["ko"]["messages"]["answer"] == "정답입니다."


def test_it_explains_why_a_wrong_single_choice_is_wrong() -> None:
    verdict = grade("cross-entropy-logits", "softmax")
    assert verdict.score == 0
    assert not verdict.tests[0].passed
    assert "applies log-softmax itself" in verdict.tests[0].message
    assert "log-softmax를 적용합니다" in verdict.extra["ko"]["messages"]["answer"]


def test_it_gives_full_marks_when_exactly_the_true_statements_are_picked() -> None:
    verdict = grade("zero-centered", ["tanh-centred", "sigmoid-same-sign", "tanh-odd"])
    assert verdict.score == verdict.max_score == 3


def test_it_gives_partial_credit_for_some_true_statements() -> None:
    verdict = grade("zero-centered", ["tanh-centred", "tanh-odd"])
    assert verdict.score == pytest.approx(2)
    assert "2 of 3" in verdict.tests[0].message


def test_each_wrong_pick_cancels_one_right_pick() -> None:
    verdict = grade("zero-centered", ["tanh-centred", "tanh-odd", "relu-centred"])
    assert verdict.score == pytest.approx(1)
    assert "(0 to +inf)" in verdict.tests[0].message


def test_picking_every_statement_earns_nothing() -> None:
    spec = catalog_spec("zero-centered")
    everything = [c["id"] for c in spec.spec["choices"]]
    assert grade("zero-centered", everything).score == 0


def test_an_empty_selection_is_a_valid_answer_worth_nothing() -> None:
    assert grade("zero-centered", []).score == 0


def test_it_gives_full_marks_for_a_correct_matching() -> None:
    verdict = grade(
        "output-activation", {"binary": "sigmoid", "multiclass": "softmax", "hidden": "relu"}
    )
    assert verdict.score == verdict.max_score == 3
    assert [t.name for t in verdict.tests] == ["binary", "multiclass", "hidden"]


def test_a_matching_item_accepts_any_of_its_listed_choices() -> None:
    verdict = grade(
        "output-activation",
        {"binary": "sigmoid", "multiclass": "softmax", "hidden": "leaky-relu"},
    )
    assert verdict.score == 3


def test_it_scores_each_matching_item_on_its_own_and_explains_the_wrong_one() -> None:
    verdict = grade(
        "output-activation", {"binary": "sigmoid", "multiclass": "sigmoid", "hidden": None}
    )
    assert verdict.score == pytest.approx(1)
    results = {t.name: t for t in verdict.tests}
    assert results["binary"].passed
    assert "independent probability" in results["multiclass"].message
    assert results["hidden"].message == "No choice given."


@pytest.mark.parametrize(
    ("slug", "answer", "fragment"),
    [
        ("why-nonlinearity", ["collapse"], "must be a choice id"),
        ("why-nonlinearity", "linear", "unknown choice"),
        ("why-nonlinearity", 1, "must be a choice id"),
        ("why-nonlinearity", None, "must be a choice id"),
        ("zero-centered", "tanh-odd", "must be a list"),
        ("zero-centered", ["tanh-odd", "tanh-odd"], "more than once"),
        ("zero-centered", ["tanh-odd", "nope"], "unknown choice"),
        ("zero-centered", [{"id": "tanh-odd"}], "must be a choice id"),
        ("output-activation", ["sigmoid", "softmax", "relu"], "must map each item"),
        ("output-activation", {"binary": "sigmoid", "multiclass": "softmax"}, "Missing item"),
        (
            "output-activation",
            {"binary": "sigmoid", "multiclass": "softmax", "hidden": "relu", "extra": "relu"},
            "Unknown item",
        ),
        (
            "output-activation",
            {"binary": "gelu", "multiclass": "softmax", "hidden": "relu"},
            "unknown choice",
        ),
    ],
)
def test_it_rejects_a_malformed_choice_answer(slug: str, answer: object, fragment: str) -> None:
    spec = catalog_spec(slug)
    with pytest.raises(InvalidAnswer, match=fragment):
        validate_answer(spec, answer)
    with pytest.raises(InvalidAnswer):
        grade_answer(spec, Submission(seed=1, answer=answer))


def test_the_public_spec_shows_the_choices_but_not_the_key_or_the_explanations() -> None:
    visible = public_spec(catalog_spec("output-activation"))
    assert visible["mode"] == "matching"
    assert [c["id"] for c in visible["choices"]][:2] == ["sigmoid", "softmax"]
    assert "answer" not in visible
    assert all(set(item) == {"id", "en", "ko"} for item in visible["items"])
    assert all(set(choice) == {"id", "en", "ko"} for choice in visible["choices"])


def test_thirds_of_a_point_add_up_to_the_whole_exercise() -> None:
    spec = catalog_spec("output-activation")
    spec = ExerciseSpec.from_dict({**spec.to_dict(), "points": 2})
    right = {"binary": "sigmoid", "multiclass": "softmax", "hidden": "relu"}
    verdict = grade_answer(spec, Submission(seed=1, answer=right))
    assert verdict.score == verdict.max_score == 2
    assert all(t.passed for t in verdict.tests)


def test_a_flood_of_unknown_items_gets_a_short_error() -> None:
    flood = {f"item-{n}-" + "x" * 500: "relu" for n in range(1000)}
    with pytest.raises(InvalidAnswer) as caught:
        validate_answer(catalog_spec("output-activation"), flood)
    assert "and 995 more" in caught.value.message
    assert len(caught.value.message) < 400


def test_a_student_sees_the_choices_in_an_order_drawn_from_their_seed() -> None:
    spec = catalog_spec("why-nonlinearity")
    orders = {seed: [c["id"] for c in public_spec(spec, seed)["choices"]] for seed in range(12)}
    assert orders[5] == [c["id"] for c in public_spec(spec, 5)["choices"]]
    assert len({tuple(order) for order in orders.values()}) > 1
    assert {order.index("collapse") for order in orders.values()} == {0, 1, 2, 3}
    assert all(sorted(order) == sorted(orders[0]) for order in orders.values())


def test_the_right_answer_is_not_the_first_choice_in_the_catalog() -> None:
    for slug in ("cross-entropy-logits", "exploding-gradient", "regression-output"):
        spec = catalog_spec(slug)
        assert spec.spec["choices"][0]["id"] != spec.spec["answer"]


def test_grading_goes_by_the_choice_picked_not_its_position() -> None:
    spec = catalog_spec("why-nonlinearity")
    for seed in range(6):
        shown = [c["id"] for c in public_spec(spec, seed)["choices"]]
        verdict = grade_answer(spec, Submission(seed=seed, answer="collapse"))
        assert verdict.score == verdict.max_score
        assert verdict.extra["choice_order"] == shown
        wrong = next(c for c in shown if c != "collapse")
        assert grade_answer(spec, Submission(seed=seed, answer=wrong)).score == 0


def test_matching_items_are_shuffled_too_and_graded_by_id() -> None:
    spec = catalog_spec("output-activation")
    items = {tuple(i["id"] for i in public_spec(spec, seed)["items"]) for seed in range(12)}
    assert len(items) > 1
    right = {"hidden": "relu", "binary": "sigmoid", "multiclass": "softmax"}
    assert grade_answer(spec, Submission(seed=7, answer=right)).score == spec.points
