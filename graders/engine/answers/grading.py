"""Dispatch on the exercise kind: validate, grade, variant, spec check."""

from __future__ import annotations

from typing import Any

from graders.engine.answers import choice, numeric, text
from graders.engine.answers.errors import InvalidAnswer
from graders.engine.answers.similarity import SimilarityModel, Unavailable, default_model
from graders.engine.types import ExerciseSpec, Submission, Verdict

ANSWER_KINDS = ("choice", "numeric", "text")

# Marks "load the bundled embedding model if it can be loaded" for grade_answer.
DEFAULT_MODEL = object()


def validate_answer(spec: ExerciseSpec, answer: Any) -> None:
    """Raise ``InvalidAnswer`` unless ``answer`` has the shape ``spec`` asks for.

    Args:
        spec: a choice, numeric or text exercise.
        answer: the decoded JSON the student sent.

    Raises:
        InvalidAnswer: with a message for the student (the API answers 400 with it).
        ValueError: ``spec`` is not an answer kind (a caller's mistake, not the student's).
    """
    _module(spec).validate(spec, answer)


def grade_answer(
    spec: ExerciseSpec,
    submission: Submission,
    *,
    similarity: SimilarityModel | Unavailable | None | object = DEFAULT_MODEL,
) -> Verdict:
    """Grade a choice, numeric or text answer.

    Args:
        spec: the exercise.
        submission: ``answer`` is graded; ``seed`` picks a numeric variant.
        similarity: text only: the embedding model to suggest a score with; by
            default the bundled one when it loads, ``None`` for the rubric alone.

    Returns:
        A ``"graded"`` verdict whose score is the sum of its tests' points.

    Raises:
        InvalidAnswer: the answer is malformed (see ``validate_answer``).
    """
    module = _module(spec)
    module.validate(spec, submission.answer)
    if module is text:
        if similarity is DEFAULT_MODEL:
            similarity = default_model()
        elif similarity is None:
            similarity = Unavailable("similarity was turned off")
        return text.grade(spec, submission, similarity)  # type: ignore[arg-type]
    return module.grade(spec, submission)


def variant(spec: ExerciseSpec, seed: int) -> dict[str, Any] | None:
    """The per-student parameters and rendered prompt, or ``None`` if all see the same.

    Args:
        spec: any exercise.
        seed: the seed stored with the student's attempt.

    Returns:
        For a numeric variant: ``{"generator", "params", "prompt": {en, ko},
        "parts": [{id, en, ko}]}`` (never the expected values); otherwise ``None``.
    """
    if spec.kind == "numeric":
        return numeric.variant(spec, seed)
    return None


def check_spec(spec: ExerciseSpec) -> None:
    """Raise ``ValueError`` if an answer exercise's ``[spec]`` is inconsistent.

    Args:
        spec: a choice, numeric or text exercise from the catalog.
    """
    module = _module(spec)
    if not spec.points > 0:
        raise ValueError("points must be positive")
    if module is text:
        text.check_spec(spec.spec, spec.points)
    else:
        module.check_spec(spec.spec)


def public_spec(spec: ExerciseSpec, seed: int | None = None) -> dict[str, Any]:
    """The part of an answer exercise's ``[spec]`` a student's browser may receive.

    An allowlist, so a key added to the catalog later stays private until listed here.

    Args:
        spec: a choice, numeric or text exercise.
        seed: the student's variant seed: choices (and matching items) come in that
            student's shuffled order (``choice.shuffled``); ``None`` keeps the
            catalog's order (an instructor's view of the question).

    Returns:
        ``mode``, ``choices`` and ``items`` reduced to ``{id, en, ko}``, and the
        tolerances and length limit the student is told about; never the answer key,
        the rubric, the model answer or the feedback for wrong picks.
    """
    _module(spec)
    visible: dict[str, Any] = {}
    for key in ("mode", "atol", "rtol", "max_chars", "variant"):
        if key in spec.spec:
            visible[key] = spec.spec[key]
    for key in ("choices", "items"):
        if key in spec.spec:
            entries = spec.spec[key]
            if seed is not None:
                entries = choice.shuffled(entries, spec.slug, seed, key)
            visible[key] = [
                {field: entry[field] for field in ("id", "en", "ko")} for entry in entries
            ]
    return visible


def _module(spec: ExerciseSpec) -> Any:
    modules = {"choice": choice, "numeric": numeric, "text": text}
    if spec.kind not in modules:
        raise ValueError(f"{spec.slug}: kind {spec.kind!r} is not an answer kind")
    return modules[spec.kind]


__all__ = [
    "ANSWER_KINDS",
    "InvalidAnswer",
    "check_spec",
    "grade_answer",
    "public_spec",
    "validate_answer",
    "variant",
]
