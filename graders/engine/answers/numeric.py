"""Numeric questions: one fixed number, or a per-student variant with several blanks.

``[spec]`` keys:

- ``answer``: the expected number (fixed questions).
- ``variant``: instead of ``answer``, the name of a generator in
  ``variants.GENERATORS`` (e.g. ``"activation-values"``); ``variant_prompt = {en, ko}``
  is the Markdown template its numbers are rendered into.
- ``atol`` (default ``1e-3``) and ``rtol`` (default ``0``): an answer passes when
  ``|got - expected| <= atol + rtol * |expected|``.
- ``mistakes`` (fixed questions): ``[{value, hint = {en, ko}}]``, a wrong answer a known
  mistake produces and the hint that names it.
"""

from __future__ import annotations

import math
from typing import Any

from graders.engine.answers.common import Feedback, as_number, bilingual, listing
from graders.engine.answers.errors import InvalidAnswer
from graders.engine.answers.number_text import read_number, shown
from graders.engine.answers.variants import GENERATORS, Part, Problem, render
from graders.engine.types import ExerciseSpec, Submission, Verdict

DEFAULT_ATOL = 1e-3
DEFAULT_RTOL = 0.0


def check_spec(spec: dict[str, Any]) -> None:
    """Raise ``ValueError`` if a numeric ``[spec]`` is inconsistent (for the catalog test).

    Args:
        spec: the ``[spec]`` table of a numeric exercise.
    """
    if ("answer" in spec) == ("variant" in spec):
        raise ValueError("a numeric spec has either 'answer' or 'variant'")
    atol, rtol = _tolerance(spec)
    if not (atol >= 0 and rtol >= 0 and atol + rtol > 0):
        raise ValueError("atol and rtol must be >= 0, and not both 0")
    if "variant" in spec:
        if spec["variant"] not in GENERATORS:
            raise ValueError(f"unknown variant generator {spec['variant']!r}")
        bilingual(spec.get("variant_prompt"), "variant_prompt")
        return
    as_number(spec["answer"], "answer")
    for mistake in spec.get("mistakes", []):
        as_number(mistake.get("value"), "mistake value")
        bilingual(mistake.get("hint"), "mistake hint")
        if _close(float(mistake["value"]), float(spec["answer"]), atol, rtol):
            raise ValueError(f"mistake {mistake['value']} is within tolerance of the answer")


def problem(spec: ExerciseSpec, seed: int) -> Problem:
    """The question this seed gets: drawn for variants, the one fixed blank otherwise.

    Args:
        spec: a numeric exercise.
        seed: the submission's seed.

    Returns:
        The problem whose parts are graded.
    """
    if "variant" in spec.spec:
        return GENERATORS[spec.spec["variant"]](spec.slug, seed)
    mistakes = tuple(
        (float(m["value"]), bilingual(m["hint"], "mistake hint"))
        for m in spec.spec.get("mistakes", [])
    )
    blank = Part("answer", {"en": "answer", "ko": "답"}, float(spec.spec["answer"]), mistakes)
    return Problem(params={}, parts=(blank,))


def variant(spec: ExerciseSpec, seed: int) -> dict[str, Any] | None:
    """The per-student parameters and prompt, or ``None`` for a fixed question.

    Args:
        spec: a numeric exercise.
        seed: the seed stored with the student's attempt.

    Returns:
        ``{"generator", "params", "prompt": {en, ko}, "parts": [{id, en, ko}]}``;
        never the expected values, which are recomputed from the seed when grading.
    """
    if "variant" not in spec.spec:
        return None
    drawn = problem(spec, seed)
    return {
        "generator": spec.spec["variant"],
        "params": drawn.params,
        "prompt": render(bilingual(spec.spec["variant_prompt"], "variant_prompt"), drawn),
        "parts": [{"id": p.id, **p.label} for p in drawn.parts],
    }


def validate(spec: ExerciseSpec, answer: Any) -> None:
    """Raise ``InvalidAnswer`` unless ``answer`` has the shape this question takes.

    Args:
        spec: a numeric exercise.
        answer: a fixed question takes a finite number, as JSON or as typed text
            (``"1/4"``, ``"0,25"``: see ``number_text``); a variant takes
            ``{part_id: number, text or None}`` naming every part (``None``: left blank).
    """
    if "variant" not in spec.spec:
        read_number(answer, "The answer")
        return
    part_ids = [p.id for p in problem(spec, 0).parts]
    if not isinstance(answer, dict):
        raise InvalidAnswer(
            f"The answer must map each of {', '.join(part_ids)} to a number, "
            f"not {type(answer).__name__}."
        )
    unknown = [k for k in answer if k not in part_ids]
    if unknown:
        raise InvalidAnswer(f"Unknown part(s): {listing(unknown)}.")
    missing = [p for p in part_ids if p not in answer]
    if missing:
        raise InvalidAnswer(
            f"Missing part(s): {', '.join(missing)} (send null to leave one blank)."
        )
    for part_id in part_ids:
        if answer[part_id] is not None:
            read_number(answer[part_id], f"The answer for {part_id!r}")


def grade(spec: ExerciseSpec, submission: Submission) -> Verdict:
    """Grade a validated numeric answer within the spec's tolerance.

    Args:
        spec: a numeric exercise.
        submission: its ``answer`` has passed ``validate``; its ``seed`` picks the variant.

    Returns:
        The verdict: one test per blank, points split evenly. Messages never reveal the
        expected value (a student may try again); known mistakes add a named hint.
    """
    atol, rtol = _tolerance(spec.spec)
    drawn = problem(spec, submission.seed)
    answers = submission.answer if "variant" in spec.spec else {"answer": submission.answer}
    per_part = spec.points / len(drawn.parts)
    feedback = Feedback()
    read_as: dict[str, float] = {}
    for part in drawn.parts:
        typed = answers[part.id]
        if typed is None:
            feedback.add_test(
                part.id, 0.0, per_part, {"en": "Left blank.", "ko": "답을 입력하지 않았습니다."}
            )
            continue
        got = read_number(typed, "The answer")
        read_as[part.id] = got
        echo = _echo(typed, got)
        if _close(got, part.expected, atol, rtol):
            correct = {"en": "Correct.", "ko": "정답입니다."}
            feedback.add_test(part.id, per_part, per_part, _with_echo(echo, correct))
            continue
        wrong = _wrong_message(part, atol, rtol)
        feedback.add_test(part.id, 0.0, per_part, _with_echo(echo, wrong))
        for value, hint in part.mistakes:
            if _close(got, value, atol, rtol) and not _close(value, part.expected, atol, rtol):
                feedback.add_hint(hint)
    extra: dict[str, Any] = {"tolerance": {"atol": atol, "rtol": rtol}, "read_as": read_as}
    if "variant" in spec.spec:
        extra["variant"] = {"generator": spec.spec["variant"], "params": drawn.params}
    return feedback.verdict(spec, submission, extra=extra)


def _echo(typed: Any, got: float) -> dict[str, str]:
    # Saying how the answer was read lets a student see "1/4" became 0.25, not 14.
    text = typed.strip() if isinstance(typed, str) else shown(float(typed))
    return {
        "en": f"Your answer {text} was read as {shown(got)}.",
        "ko": f"입력한 답 {text}을(를) {shown(got)}(으)로 읽었습니다.",
    }


def _with_echo(echo: dict[str, str], message: dict[str, str]) -> dict[str, str]:
    return {lang: f"{echo[lang]} {message[lang]}" for lang in ("en", "ko")}


def _wrong_message(part: Part, atol: float, rtol: float) -> dict[str, str]:
    within = f"{atol:g}" if rtol == 0 else f"{atol:g} + {rtol:g} x |expected|"
    return {
        "en": f"{part.label['en']}: not within {within} of the correct value.",
        "ko": f"{part.label['ko']}: 정답과의 차이가 허용 오차 {within}보다 큽니다.",
    }


def _tolerance(spec: dict[str, Any]) -> tuple[float, float]:
    return float(spec.get("atol", DEFAULT_ATOL)), float(spec.get("rtol", DEFAULT_RTOL))


def _close(got: float, expected: float, atol: float, rtol: float) -> bool:
    return math.isfinite(got) and abs(got - expected) <= atol + rtol * abs(expected)
