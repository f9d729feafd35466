"""A stored verdict in the viewer's language, for the API and the pages.

The engine stores every sentence as a message id with parameters next to its English
text (graders/engine/feedback); this renders them again in the language of the
request (the ``actquiz_lang`` cookie, else Accept-Language, as LocaleMiddleware picks
it), so an old verdict reads in Korean after the student switches, and an instructor
reads the same verdict in English. Answer questions (choice, numeric, text) keep their
Korean texts in ``extra.ko``; those are used for Korean.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from graders.engine.feedback import render_verdict

HIDDEN_TEST_MESSAGE = {
    "en": "Hidden test: details are not shown.",
    "ko": "숨겨진 테스트입니다: 자세한 내용은 보이지 않습니다.",
}


def viewer_language() -> str:
    """The language of the current request: "ko" or "en"."""
    return "ko" if (translation.get_language() or "").startswith("ko") else "en"


def localised(
    *,
    tests: list[Any],
    hints: list[Any],
    error: Any,
    verdict: Any,
    lang: str,
    mask_hidden: bool,
) -> dict[str, Any]:
    """``tests``, ``hints`` and ``error`` rendered in ``lang``, hidden tests masked.

    tests, hints, error: as stored on a submission or run; verdict: the stored verdict
    (its ``hint_messages`` and ``extra.ko``); lang: "en" or "ko"; mask_hidden: replace
    a hidden test's message (students: it may quote the hidden inputs).
    Returns ``{"tests", "hints", "error", "lang"}``.
    """
    stored = verdict if isinstance(verdict, dict) else {}
    rendered = render_verdict(
        {
            "tests": [dict(t) if isinstance(t, dict) else t for t in tests],
            "hints": list(hints),
            "hint_messages": stored.get("hint_messages") or [],
            "error": dict(error) if isinstance(error, dict) else error,
        },
        lang,
    )
    extra = stored.get("extra") if isinstance(stored.get("extra"), dict) else {}
    korean = extra.get("ko") if isinstance(extra.get("ko"), dict) else {}
    out_tests = []
    for test in rendered["tests"]:
        if not isinstance(test, dict):
            out_tests.append(test)
            continue
        if lang == "ko" and not test.get("message_id"):
            messages = korean.get("messages") if isinstance(korean.get("messages"), dict) else {}
            test["message"] = messages.get(test.get("name"), test.get("message", ""))
        if mask_hidden and test.get("hidden"):
            test["message"] = HIDDEN_TEST_MESSAGE[lang]
            test.pop("params", None)
        out_tests.append(test)
    out_hints = rendered["hints"]
    if lang == "ko" and not stored.get("hint_messages") and isinstance(korean.get("hints"), list):
        out_hints = list(korean["hints"]) or out_hints
    return {"tests": out_tests, "hints": out_hints, "error": rendered["error"], "lang": lang}
