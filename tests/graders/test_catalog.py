"""The catalog proves itself: for every code exercise the reference and every other known
correct solution score full marks and every known-wrong solution scores less, graded
through the real sandbox. A test in the
catalog that silently stopped checking would let some wrong solution reach full marks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.sandbox import Sandbox

CATALOG = Path(__file__).resolve().parents[2] / "exercises" / "catalog"
CODE_EXERCISES = [e for e in engine.load_catalog(CATALOG) if e["kind"] == "code"]
WRONG = [(e["slug"], name) for e in CODE_EXERCISES for name in sorted(e["wrong_solutions"])]
RIGHT = [(e["slug"], name) for e in CODE_EXERCISES for name in sorted(e["right_solutions"])]
BY_SLUG = {e["slug"]: e for e in CODE_EXERCISES}

pytestmark = pytest.mark.slow

# Two seeds per solution, so the hidden random inputs vary as they do between students.
SEEDS = (20240601, 7)


@pytest.fixture(scope="module")
def catalog_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def test_the_catalog_has_all_eighteen_code_exercises() -> None:
    slugs = {e["slug"] for e in CODE_EXERCISES}
    assert len([s for s in slugs if s.endswith("-numpy")]) == 12
    assert len([s for s in slugs if s.endswith("-torch")]) == 6


@pytest.mark.parametrize("slug", sorted(BY_SLUG))
@pytest.mark.parametrize("seed", SEEDS)
def test_the_reference_scores_full_marks(slug: str, seed: int, catalog_sandbox: Sandbox) -> None:
    exercise = BY_SLUG[slug]
    spec = ExerciseSpec.from_dict(exercise)
    verdict = engine.grade(
        spec, Submission(code=exercise["reference_code"], seed=seed), sandbox=catalog_sandbox
    )
    failed = {t.name: t.message for t in verdict.tests if not t.passed}
    assert verdict.status == "graded", verdict.error
    assert failed == {}
    assert verdict.score == verdict.max_score == float(exercise["points"])


@pytest.mark.parametrize(("slug", "right"), RIGHT)
@pytest.mark.parametrize("seed", SEEDS)
def test_every_other_correct_solution_scores_full_marks(
    slug: str, right: str, seed: int, catalog_sandbox: Sandbox
) -> None:
    exercise = BY_SLUG[slug]
    spec = ExerciseSpec.from_dict(exercise)
    code = exercise["right_solutions"][right]
    verdict = engine.grade(spec, Submission(code=code, seed=seed), sandbox=catalog_sandbox)
    failed = {t.name: t.message for t in verdict.tests if not t.passed}
    assert verdict.status == "graded", verdict.error
    assert failed == {}
    assert verdict.score == verdict.max_score


@pytest.mark.parametrize(("slug", "wrong"), WRONG)
@pytest.mark.parametrize("seed", SEEDS)
def test_every_wrong_solution_scores_less(
    slug: str, wrong: str, seed: int, catalog_sandbox: Sandbox
) -> None:
    exercise = BY_SLUG[slug]
    spec = ExerciseSpec.from_dict(exercise)
    code = exercise["wrong_solutions"][wrong]
    verdict = engine.grade(spec, Submission(code=code, seed=seed), sandbox=catalog_sandbox)
    assert verdict.status == "graded", verdict.error
    assert verdict.score < verdict.max_score
