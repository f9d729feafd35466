"""Choice questions: one choice, several choices, or matching items to choices.

``[spec]`` keys (see the package docstring for the answer shapes):

- ``mode``: ``"single"`` (default), ``"multiple"`` or ``"matching"``.
- ``choices``: ``[{id, en, ko, why?}]``; ``why = {en, ko}`` explains a wrong pick.
- ``items`` (matching only): ``[{id, en, ko, why?}]``; ``why = {choice_id = {en, ko}}``
  explains picking that choice for that item.
- ``answer``: single: a choice id; multiple: a list of choice ids; matching: a table
  ``{item_id = choice_id or [choice ids that are all accepted]}``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from graders.engine.answers.common import Feedback, bilingual, listing
from graders.engine.answers.errors import InvalidAnswer
from graders.engine.types import ExerciseSpec, Submission, Verdict

MODES = ("single", "multiple", "matching")


def shuffled(entries: list[dict[str, Any]], slug: str, seed: int, what: str) -> list[Any]:
    """``entries`` (choices or items) in the order this student sees them.

    The order comes from SHA-256 of ``(slug, seed, what, id)``, like the numeric
    variants: stable for one student (the seed of their ``ExerciseVariant``), on any
    machine and library version, and different between students, so the position of
    the right answer says nothing. Answers name choices by id, so grading never
    depends on the order.

    Args:
        entries: the catalog's ``choices`` or ``items`` (dicts with an ``id``).
        slug: the exercise, so one student's questions are not shuffled alike.
        seed: the student's variant seed.
        what: ``"choices"`` or ``"items"``.

    Returns:
        The same entries, reordered.
    """

    def key(entry: dict[str, Any]) -> bytes:
        return hashlib.sha256(f"{slug}\x00{seed}\x00{what}\x00{entry['id']}".encode()).digest()

    return sorted(entries, key=key)


def check_spec(spec: dict[str, Any]) -> None:
    """Raise ``ValueError`` if a choice ``[spec]`` is inconsistent (for the catalog test).

    Args:
        spec: the ``[spec]`` table of a choice exercise.
    """
    mode = spec.get("mode", "single")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    ids = _ids(spec.get("choices"), "choices")
    for choice in spec["choices"]:
        bilingual(choice, f"choice {choice['id']!r}")
        if mode != "matching" and "why" in choice:
            bilingual(choice["why"], f"choice {choice['id']!r} why")
    answer = spec.get("answer")
    if mode == "single":
        if answer not in ids:
            raise ValueError("answer must be one of the choice ids")
    elif mode == "multiple":
        if not isinstance(answer, list) or not answer or not set(answer) <= set(ids):
            raise ValueError("answer must be a non-empty list of choice ids")
        if len(set(answer)) != len(answer):
            raise ValueError("answer lists a choice twice")
    else:
        items = _ids(spec.get("items"), "items")
        if not isinstance(answer, dict) or set(answer) != set(items):
            raise ValueError("answer must map every item id to its choice id(s)")
        for item in spec["items"]:
            bilingual(item, f"item {item['id']!r}")
            accepted = _accepted(answer[item["id"]])
            if not accepted or not accepted <= set(ids):
                raise ValueError(f"answer for item {item['id']!r} names unknown choices")
            for choice_id, why in item.get("why", {}).items():
                if choice_id not in ids:
                    raise ValueError(f"item {item['id']!r} explains unknown choice {choice_id!r}")
                bilingual(why, f"item {item['id']!r} why {choice_id!r}")


def validate(spec: ExerciseSpec, answer: Any) -> None:
    """Raise ``InvalidAnswer`` unless ``answer`` has the shape this question takes.

    Args:
        spec: a choice exercise.
        answer: single: a choice id (str); multiple: a list of distinct choice ids
            (possibly empty); matching: ``{item_id: choice_id or None}`` naming every item.
    """
    mode = spec.spec.get("mode", "single")
    ids = {c["id"] for c in spec.spec["choices"]}
    if mode == "single":
        _check_choice_id(answer, ids, "The answer")
    elif mode == "multiple":
        if not isinstance(answer, list):
            raise InvalidAnswer(
                f"The answer must be a list of choice ids, not {type(answer).__name__}."
            )
        for picked in answer:
            _check_choice_id(picked, ids, "Each picked choice")
        if len(set(answer)) != len(answer):
            raise InvalidAnswer("The answer picks the same choice more than once.")
    else:
        items = [item["id"] for item in spec.spec["items"]]
        if not isinstance(answer, dict):
            raise InvalidAnswer(
                f"The answer must map each item id to a choice id, not {type(answer).__name__}."
            )
        unknown = [k for k in answer if k not in items]
        if unknown:
            raise InvalidAnswer(f"Unknown item id(s): {listing(unknown)}.")
        missing = [item for item in items if item not in answer]
        if missing:
            raise InvalidAnswer(
                f"Missing item id(s): {', '.join(missing)} (send null for no answer)."
            )
        for item in items:
            if answer[item] is not None:
                _check_choice_id(answer[item], ids, f"The choice for {item!r}")


def grade(spec: ExerciseSpec, submission: Submission) -> Verdict:
    """Grade a validated choice answer.

    Args:
        spec: a choice exercise.
        submission: its ``answer`` has passed ``validate``.

    Returns:
        The verdict: single, one test; multiple, one test whose points are
        ``max(0, right picks - wrong picks) * points / number of right choices``;
        matching, one test per item with the points split evenly.
    """
    mode = spec.spec.get("mode", "single")
    feedback = Feedback()
    if mode == "single":
        _grade_single(spec, submission.answer, feedback)
    elif mode == "multiple":
        _grade_multiple(spec, submission.answer, feedback)
    else:
        _grade_matching(spec, submission.answer, feedback)
    order = [c["id"] for c in shuffled(spec.spec["choices"], spec.slug, submission.seed, "choices")]
    return feedback.verdict(spec, submission, extra={"mode": mode, "choice_order": order})


def _grade_single(spec: ExerciseSpec, answer: str, feedback: Feedback) -> None:
    choice = _choice(spec, answer)
    if answer == spec.spec["answer"]:
        feedback.add_test("answer", spec.points, spec.points, _CORRECT)
        return
    message = {"en": "Not this one.", "ko": "이 답은 아닙니다."}
    if "why" in choice:
        message = {lang: f"{message[lang]} {choice['why'][lang]}" for lang in message}
    feedback.add_test("answer", 0.0, spec.points, message)


def _grade_multiple(spec: ExerciseSpec, answer: list[str], feedback: Feedback) -> None:
    right = set(spec.spec["answer"])
    hits = [c for c in answer if c in right]
    wrong = [c for c in answer if c not in right]
    per_choice = spec.points / len(right)
    points = max(0, len(hits) - len(wrong)) * per_choice
    en = [f"{len(hits)} of {len(right)} correct statements picked."]
    ko = [f"맞는 보기 {len(right)}개 중 {len(hits)}개를 골랐습니다."]
    if wrong:
        en.append(f"{len(wrong)} picked statement(s) are wrong and each cancels one correct pick:")
        ko.append(
            f"고른 보기 중 {len(wrong)}개는 틀렸고, 틀린 보기마다 맞힌 보기 하나가 상쇄됩니다:"
        )
        for choice_id in wrong:
            # The statement as the student read it; its id is internal.
            choice = _choice(spec, choice_id)
            why = choice.get("why", {"en": "", "ko": ""})
            said = {lang: str(choice.get(lang, "")).rstrip(".") for lang in ("en", "ko")}
            en.append(f'"{said["en"]}" is not true. {why["en"]}'.strip())
            ko.append(f'"{said["ko"]}"는 맞지 않습니다. {why["ko"]}'.strip())
    if len(hits) < len(right):
        en.append("Some true statements were not picked.")
        ko.append("고르지 않은 맞는 보기가 있습니다.")
    feedback.add_test("selection", points, spec.points, {"en": " ".join(en), "ko": " ".join(ko)})


def _grade_matching(spec: ExerciseSpec, answer: dict[str, str | None], feedback: Feedback) -> None:
    items = spec.spec["items"]
    per_item = spec.points / len(items)
    for item in items:
        picked = answer[item["id"]]
        if picked is not None and picked in _accepted(spec.spec["answer"][item["id"]]):
            feedback.add_test(item["id"], per_item, per_item, _CORRECT)
            continue
        if picked is None:
            message = {"en": "No choice given.", "ko": "답을 고르지 않았습니다."}
        else:
            message = {"en": "Not this one.", "ko": "이 답은 아닙니다."}
            why = item.get("why", {}).get(picked)
            if why:
                message = {lang: f"{message[lang]} {why[lang]}" for lang in message}
        feedback.add_test(item["id"], 0.0, per_item, message)


_CORRECT = {"en": "Correct.", "ko": "정답입니다."}


def _choice(spec: ExerciseSpec, choice_id: str) -> dict[str, Any]:
    return next(c for c in spec.spec["choices"] if c["id"] == choice_id)


def _accepted(key: str | list[str]) -> set[str]:
    return {key} if isinstance(key, str) else set(key)


def _check_choice_id(value: Any, ids: set[str], what: str) -> None:
    if not isinstance(value, str):
        raise InvalidAnswer(f"{what} must be a choice id (a string), not {type(value).__name__}.")
    if value not in ids:
        raise InvalidAnswer(f"{what} names an unknown choice {value[:40]!r}.")


def _ids(entries: Any, where: str) -> list[str]:
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where} must be a non-empty list")
    ids = [e.get("id") if isinstance(e, dict) else None for e in entries]
    if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
        raise ValueError(f"{where} need unique, non-empty string ids")
    return ids
