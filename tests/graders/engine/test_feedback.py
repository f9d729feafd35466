"""Structured feedback: every message has both languages and a verdict renders in either."""

from __future__ import annotations

import string

from graders.engine.feedback import MESSAGES, Message, msg, render, render_verdict
from graders.engine.hints import HINTS
from graders.engine.types import TestResult, Verdict


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_english_and_korean_with_the_same_placeholders() -> None:
    for message_id, texts in MESSAGES.items():
        assert texts["en"].strip() and texts["ko"].strip(), message_id
        assert _fields(texts["en"]) == _fields(texts["ko"]), message_id


def test_every_named_hint_has_a_text() -> None:
    assert all(f"hint.{name}" in MESSAGES for name in HINTS)


def test_a_nested_message_renders_in_the_same_language() -> None:
    inner = msg("hidden.wrong", mismatches=2, size=10)
    outer = msg("grad.differs_hidden", detail=inner)
    assert render(outer.id, outer.to_dict()["params"], "ko") == (
        "기울기가 정답과 다릅니다: 값 10개 중 2개가 틀렸습니다 (허용 오차 밖)"
    )
    assert outer.render("fr") == outer.render("en")


def test_a_stored_verdict_reads_in_korean_and_keeps_its_english_copy() -> None:
    message = msg("property.outside", count=3, low=0.0, high=1.0)
    test = TestResult(
        name="outputs_are_probabilities",
        passed=False,
        points=0.0,
        max_points=1.0,
        message=message.render(),
        message_id=message.id,
        params=message.to_dict()["params"],
    )
    hint = msg("hint.wrong_default_alpha", alpha=0.1)
    verdict = Verdict(
        exercise="x",
        status="graded",
        score=0.0,
        max_score=1.0,
        tests=(test,),
        hints=(hint.render(),),
        hint_messages=(hint.to_dict(),),
    ).to_dict()
    korean = render_verdict(verdict, "ko")
    assert korean["tests"][0]["message"] == "출력 3개가 [0, 1] 밖에 있습니다"
    assert korean["tests"][0]["title"] == "출력이 확률 (0에서 1 사이)"
    assert "0.1" in korean["hints"][0] and "기본값" in korean["hints"][0]
    assert verdict["tests"][0]["message"] == "3 outputs lie outside [0, 1]"


def test_an_old_verdict_without_ids_is_shown_as_it_was_stored() -> None:
    old = {"tests": [{"name": "t", "message": "kept"}], "hints": ["as is"], "error": None}
    assert render_verdict(old, "ko")["tests"][0]["message"] == "kept"
    assert render_verdict(old, "ko")["hints"] == ["as is"]


def test_a_text_from_catalog_data_renders_in_the_viewers_language() -> None:
    assert Message.text("Correct.", "정답입니다.").render("ko") == "정답입니다."
