"""Short text answers: a rubric of key ideas, plus an optional similarity suggestion.

``[spec]`` keys:

- ``rubric``: ``[{id, points, en, ko, hint = {en, ko}, all_of = [[synonyms], ...]}]``;
  ``en``/``ko`` state the idea, ``hint`` nudges a student who missed it without
  giving it away, ``all_of`` is matched as described in ``rubric.py``. The idea points
  add up to the exercise's ``points``.
- ``misconceptions`` (optional): ``[{all_of, hint = {en, ko}}]``: a named hint, no penalty.
- ``model_answer``: ``{en, ko}``, compared with the answer by the embedding model.
- ``max_chars`` (default 2000): longer answers are refused as malformed.
- ``keyword_density`` (default 0.7): an answer whose word characters are more than
  this share rubric terms is treated as a keyword list and earns no rubric points.
- ``similarity_floor`` / ``similarity_full`` (defaults 0.5 / 0.9): the suggested
  points rise linearly from 0 at the floor to all points at ``full``.

Every text verdict has ``needs_review=True``: the rubric score stands until an
instructor grades it, and the instructor's grade wins.
"""

from __future__ import annotations

from typing import Any

from graders.engine.answers.common import Feedback, bilingual
from graders.engine.answers.errors import InvalidAnswer
from graders.engine.answers.rubric import find_idea, normalise, sentences, term_density
from graders.engine.answers.similarity import SimilarityModel, Unavailable, hangul_share
from graders.engine.types import ExerciseSpec, Submission, Verdict

DEFAULT_MAX_CHARS = 2000
DEFAULT_KEYWORD_DENSITY = 0.7
DEFAULT_SIMILARITY_FLOOR = 0.5
DEFAULT_SIMILARITY_FULL = 0.9
# Below this share of Hangul letters the English-trained model is trusted.
_RELIABLE_HANGUL_SHARE = 0.3


def check_spec(spec: dict[str, Any], points: float) -> None:
    """Raise ``ValueError`` if a text ``[spec]`` is inconsistent (for the catalog test).

    Args:
        spec: the ``[spec]`` table of a text exercise.
        points: the exercise's points, which the rubric must add up to.
    """
    rubric = spec.get("rubric")
    if not isinstance(rubric, list) or not rubric:
        raise ValueError("rubric must be a non-empty list of ideas")
    ids = [idea.get("id") for idea in rubric]
    if len(set(ids)) != len(ids) or not all(isinstance(i, str) and i for i in ids):
        raise ValueError("rubric ideas need unique, non-empty string ids")
    for idea in rubric:
        bilingual(idea, f"idea {idea['id']!r}")
        bilingual(idea.get("hint"), f"idea {idea['id']!r} hint")
        _check_groups(idea.get("all_of"), f"idea {idea['id']!r}")
        if not float(idea.get("points", 0)) > 0:
            raise ValueError(f"idea {idea['id']!r} needs positive points")
    if abs(sum(float(idea["points"]) for idea in rubric) - float(points)) > 1e-9:
        raise ValueError("the rubric's points must add up to the exercise's points")
    for n, misconception in enumerate(spec.get("misconceptions", [])):
        _check_groups(misconception.get("all_of"), f"misconception {n}")
        bilingual(misconception.get("hint"), f"misconception {n} hint")
    bilingual(spec.get("model_answer"), "model_answer")


def validate(spec: ExerciseSpec, answer: Any) -> None:
    """Raise ``InvalidAnswer`` unless ``answer`` is a non-empty string short enough.

    Args:
        spec: a text exercise.
        answer: the student's text.
    """
    if not isinstance(answer, str):
        raise InvalidAnswer(f"The answer must be text, not {type(answer).__name__}.")
    if not normalise(answer):
        raise InvalidAnswer("The answer is empty.")
    limit = int(spec.spec.get("max_chars", DEFAULT_MAX_CHARS))
    if len(answer) > limit:
        raise InvalidAnswer(f"The answer is longer than {limit} characters.")


def grade(
    spec: ExerciseSpec, submission: Submission, model: SimilarityModel | Unavailable
) -> Verdict:
    """Grade a validated text answer against the rubric and flag it for review.

    Args:
        spec: a text exercise.
        submission: its ``answer`` has passed ``validate``.
        model: the similarity model, or why there is none (then the rubric alone).

    Returns:
        The verdict: one test per rubric idea, ``needs_review=True``, and in
        ``extra``: ``rubric`` (matched and missing ideas, keyword density),
        ``similarity`` (the suggestion or why there is none) and ``grading``.
    """
    answer_sentences = sentences(normalise(submission.answer))
    rubric = spec.spec["rubric"]
    terms = [term for idea in rubric for group in idea["all_of"] for term in group]
    density = term_density(answer_sentences, terms)
    limit = float(spec.spec.get("keyword_density", DEFAULT_KEYWORD_DENSITY))
    found = {idea["id"]: find_idea(answer_sentences, idea["all_of"]) for idea in rubric}
    keyword_list = density > limit and sum(m is not None for m in found.values()) >= 2

    feedback = Feedback()
    for idea in rubric:
        points = float(idea["points"])
        if keyword_list:
            feedback.add_test(idea["id"], 0.0, points, _KEYWORD_LIST)
        elif found[idea["id"]] is not None:
            message = {"en": f"Covered: {idea['en']}", "ko": f"설명함: {idea['ko']}"}
            feedback.add_test(idea["id"], points, points, message)
        else:
            message = {
                "en": f"Not yet explained. {idea['hint']['en']}",
                "ko": f"아직 설명하지 않았습니다. {idea['hint']['ko']}",
            }
            feedback.add_test(idea["id"], 0.0, points, message)
    for misconception in spec.spec.get("misconceptions", []):
        if find_idea(answer_sentences, misconception["all_of"]) is not None:
            feedback.add_hint(misconception["hint"])
    if keyword_list:
        feedback.add_hint(_KEYWORD_LIST_HINT)

    suggestion = _suggest(spec, submission.answer, model)
    extra = {
        "rubric": {
            "matched": [i for i, m in found.items() if m is not None],
            "missing": [i for i, m in found.items() if m is None],
            "term_density": round(density, 3),
            "keyword_list": keyword_list,
        },
        "similarity": suggestion,
        "grading": "rubric+similarity" if suggestion["available"] else "rubric only",
    }
    return feedback.verdict(spec, submission, needs_review=True, extra=extra)


def _suggest(
    spec: ExerciseSpec, answer: str, model: SimilarityModel | Unavailable
) -> dict[str, Any]:
    if isinstance(model, Unavailable):
        return {
            "available": False,
            "reason": f"{model.reason}; graded on the rubric alone",
        }
    references = bilingual(spec.spec["model_answer"], "model_answer")
    scores = model.similarity(answer, [references["en"], references["ko"]])
    best = max(range(len(scores)), key=scores.__getitem__)
    floor = float(spec.spec.get("similarity_floor", DEFAULT_SIMILARITY_FLOOR))
    full = float(spec.spec.get("similarity_full", DEFAULT_SIMILARITY_FULL))
    share = min(max((scores[best] - floor) / (full - floor), 0.0), 1.0)
    return {
        "available": True,
        "model": model.name,
        "score": round(scores[best], 3),
        "compared_with": ("en", "ko")[best],
        "suggested_points": round(share * spec.points * 2) / 2,
        "reliable": hangul_share(answer) < _RELIABLE_HANGUL_SHARE,
    }


_KEYWORD_LIST = {
    "en": "The answer reads as a list of keywords, so no rubric points were given; "
    "an instructor will review it.",
    "ko": "답이 키워드 나열로 보여 루브릭 점수를 주지 않았습니다. 강사가 검토합니다.",
}
_KEYWORD_LIST_HINT = {
    "en": "keyword-list: explain in full sentences how the ideas connect.",
    "ko": "keyword-list: 개념들이 어떻게 이어지는지 완전한 문장으로 설명하세요.",
}


def _check_groups(groups: Any, where: str) -> None:
    if (
        not isinstance(groups, list)
        or not groups
        or not all(
            isinstance(g, list) and g and all(isinstance(t, str) and normalise(t) for t in g)
            for g in groups
        )
    ):
        raise ValueError(f"{where}: all_of must be a non-empty list of non-empty term lists")
