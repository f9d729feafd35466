"""Structured feedback: every student-facing sentence is a message id with parameters.

The engine never writes a sentence for a student directly. A check builds a
``Message(id, params)``; the verdict stores the id and the parameters next to the
English rendering (``TestResult.message``, ``Verdict.hints``, ``error["message"]``), and
whoever shows the verdict renders it again in the viewer's language with
``render_verdict(verdict, lang)``. So an old verdict reads in Korean after the student
switches, and an instructor reads the same verdict in English.

A parameter value is plain JSON data, or:

- a nested message, ``{"id": ..., "params": {...}}`` (rendered first, in the same language);
- a list of nested messages or texts (rendered and joined with "; ");
- a text in both languages, ``{"en": ..., "ko": ...}`` (catalog data such as case labels).

``MESSAGES[id] = {"en": ..., "ko": ...}`` holds ``str.format`` templates. Ids are grouped
by the module that defines them (``checks.py``, ``hints.py``, ``titles.py``); every id
has both languages (a test in tests/graders/engine proves it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from graders.engine.feedback.checks import CHECK_MESSAGES
from graders.engine.feedback.hints import HINT_MESSAGES
from graders.engine.feedback.titles import TEST_TITLES, title_id

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"

MESSAGES: dict[str, dict[str, str]] = {**CHECK_MESSAGES, **HINT_MESSAGES, **TEST_TITLES}

# The id whose one parameter is a text given in both languages: feedback written as
# catalog data (a choice's explanation, a rubric idea) travels through it.
TEXT_ID = "text"
MESSAGES[TEXT_ID] = {"en": "{text}", "ko": "{text}"}


@dataclass(frozen=True)
class Message:
    """One student-facing sentence: a key of ``MESSAGES`` and its parameters.

    Parameters may be other Messages, lists of them, ``{"en", "ko"}`` texts or plain
    JSON data (see the module docstring).
    """

    id: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """This message in ``lang`` ("en" or "ko"; anything else gives English)."""
        return render(self.id, self.params, lang)

    def to_dict(self) -> dict[str, Any]:
        """``{"id", "params"}`` as plain JSON, nested messages included."""
        return {"id": self.id, "params": _plain(self.params)}

    @classmethod
    def text(cls, en: str, ko: str) -> Message:
        """A message whose text comes from data in both languages, not from ``MESSAGES``."""
        return cls(TEXT_ID, {"text": {"en": en, "ko": ko}})


def msg(message_id: str, **params: Any) -> Message:
    """Shorthand for ``Message(message_id, params)``; raises KeyError for an unknown id."""
    if message_id not in MESSAGES:
        raise KeyError(f"unknown message id {message_id!r}")
    return Message(message_id, params)


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # a NumPy scalar
        return value.item()
    return value


def language(lang: str | None) -> str:
    """``lang`` if it is one of LANGUAGES, else the default ("en")."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _param(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            return render(value["id"], value.get("params") or {}, lang)
        if "en" in value:
            return str(value.get(lang) or value["en"])
        return value
    if isinstance(value, list):
        return "; ".join(str(_param(v, lang)) for v in value)
    return value


def render(message_id: str, params: dict[str, Any] | None, lang: str) -> str:
    """The text of ``message_id`` in ``lang`` with ``params`` filled in.

    message_id: a key of MESSAGES; params: its parameters (see the module docstring);
    lang: "en" or "ko" (anything else gives English).
    Returns the text; raises KeyError for an unknown id or a missing parameter.
    """
    texts = MESSAGES[message_id]
    template = texts.get(language(lang)) or texts[DEFAULT_LANGUAGE]
    values = {k: _param(v, lang) for k, v in (params or {}).items()}
    return template.format(**values)


def _render_stored(item: dict[str, Any], id_key: str, params_key: str, lang: str) -> str | None:
    """A stored (id, params) pair rendered in ``lang``; None if absent or unknown."""
    message_id = item.get(id_key)
    if not isinstance(message_id, str) or message_id not in MESSAGES:
        return None
    params = item.get(params_key)
    try:
        return render(message_id, params if isinstance(params, dict) else {}, lang)
    except (KeyError, IndexError, ValueError, TypeError):
        # A verdict stored by another version of the engine may lack a parameter this
        # version's template needs: its stored English text is still right.
        return None


def render_verdict(verdict: dict[str, Any], lang: str) -> dict[str, Any]:
    """A copy of a stored verdict with every student-facing text in ``lang``.

    verdict: a verdict dict (``Verdict.to_dict()``, possibly stored long ago);
    lang: "en" or "ko" (anything else gives English).
    Returns a new dict: each test's ``message`` and ``title``, the ``hints`` and the
    error's ``message`` rendered from their ids; texts without an id (verdicts stored
    before ids existed) stay as they are. Hidden tests are not masked here: masking is the
    viewer's access rule.
    """
    lang = language(lang)
    out = copy.deepcopy(verdict)
    out["lang"] = lang
    tests = out.get("tests")
    for test in tests if isinstance(tests, list) else []:
        if not isinstance(test, dict):
            continue
        text = _render_stored(test, "message_id", "params", lang)
        if text is not None:
            test["message"] = text
        title = _render_stored(test, "title_id", "title_params", lang)
        if title is None and isinstance(test.get("name"), str):
            title = _render_stored({"id": title_id(test["name"])}, "id", "params", lang)
        if title is not None:
            test["title"] = title
    stored_hints = out.get("hint_messages")
    if isinstance(stored_hints, list) and stored_hints:
        hints = []
        for index, hint in enumerate(stored_hints):
            text = _render_stored(hint, "id", "params", lang) if isinstance(hint, dict) else None
            if text is None:
                old = out.get("hints") or []
                text = old[index] if index < len(old) else ""
            hints.append(text)
        out["hints"] = hints
    error = out.get("error")
    if isinstance(error, dict):
        text = _render_stored(error, "message_id", "params", lang)
        if text is not None:
            error["message"] = text
    return out


__all__ = [
    "LANGUAGES",
    "MESSAGES",
    "Message",
    "language",
    "msg",
    "render",
    "render_verdict",
]
