"""engine.grade sends each kind to its grader; code needs a sandbox, questions do not."""

from __future__ import annotations

from pathlib import Path

from graders import engine
from graders.engine import ExerciseSpec, Submission

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"
EXERCISES = {e["slug"]: e for e in engine.load_catalog(CATALOG)}


def test_a_numeric_question_is_graded_without_a_sandbox() -> None:
    spec = ExerciseSpec.from_dict(EXERCISES["sigmoid-grad-max"])
    verdict = engine.grade(spec, Submission(seed=3, answer=0.25))
    assert verdict.status == "graded"
    assert verdict.score == verdict.max_score


def test_a_malformed_answer_is_a_zero_verdict_that_says_why_not_a_grader_failure() -> None:
    spec = ExerciseSpec.from_dict(EXERCISES["sigmoid-grad-max"])
    verdict = engine.grade(spec, Submission(seed=3, answer="a quarter"))
    assert verdict.status == "graded"
    assert verdict.score == 0
    assert verdict.error is not None and verdict.error["kind"] == "invalid_answer"
    assert verdict.error["message"]


def test_a_code_exercise_without_a_sandbox_fails_and_says_why() -> None:
    spec = ExerciseSpec.from_dict(EXERCISES["relu-numpy"])
    verdict = engine.grade(spec, Submission(seed=3, code="def relu(x):\n    return x\n"))
    assert verdict.status == "failed"
    assert verdict.error["kind"] == "sandbox"
    assert verdict.error["message"] == "no sandbox was given"


def test_code_exercises_have_no_per_student_variant() -> None:
    assert engine.variant(ExerciseSpec.from_dict(EXERCISES["softmax-numpy"]), 5) is None


def test_a_numeric_variant_is_reproducible_from_the_seed() -> None:
    spec = ExerciseSpec.from_dict(EXERCISES["activation-values"])
    assert engine.variant(spec, 77) == engine.variant(spec, 77)
