"""The concept exercises of the catalog prove themselves: valid specs, and known answers
that earn exactly the score their samples record."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from graders.engine.answers import ANSWER_KINDS, check_spec, grade_answer
from graders.engine.catalog import load_exercise
from graders.engine.types import ExerciseSpec, Submission
from tests.graders.engine.answer_specs import CATALOG, CONCEPT_SLUGS, catalog_spec


def samples(slug: str) -> list[dict]:
    with (CATALOG / slug / "samples.toml").open("rb") as handle:
        return tomllib.load(handle)["sample"]


@pytest.mark.parametrize("slug", CONCEPT_SLUGS)
def test_each_concept_exercise_loads_with_a_consistent_spec(slug: str) -> None:
    data = load_exercise(CATALOG / slug)
    assert data["slug"] == slug
    assert data["kind"] in ANSWER_KINDS
    for field in ("title", "prompt"):
        assert data[field]["en"].strip() and data[field]["ko"].strip()
    check_spec(ExerciseSpec.from_dict(data))


@pytest.mark.parametrize("slug", CONCEPT_SLUGS)
def test_each_concept_exercise_has_a_full_marks_sample_and_a_lower_one(slug: str) -> None:
    points = catalog_spec(slug).points
    recorded = samples(slug)
    assert any(s.get("score") == points for s in recorded)
    assert any(s.get("score", s.get("max_score", points)) < points for s in recorded)


@pytest.mark.parametrize(
    ("slug", "index"),
    [(slug, i) for slug in CONCEPT_SLUGS for i in range(len(samples(slug)))],
)
def test_each_sample_earns_the_recorded_score(slug: str, index: int) -> None:
    sample = samples(slug)[index]
    verdict = grade_answer(
        catalog_spec(slug),
        Submission(seed=sample.get("seed", 1), answer=sample["answer"]),
        similarity=None,
    )
    assert verdict.status == "graded"
    if "score" in sample:
        assert verdict.score == pytest.approx(sample["score"])
    assert verdict.score >= sample.get("min_score", 0) - 1e-9
    assert verdict.score <= sample.get("max_score", verdict.max_score) + 1e-9
    for hint in sample.get("hints", []):
        assert any(h.startswith(hint) for h in verdict.hints), verdict.hints


@pytest.mark.parametrize("slug", CONCEPT_SLUGS)
def test_a_broken_answer_key_is_caught_by_the_spec_check(slug: str) -> None:
    spec = catalog_spec(slug)
    broken = dict(spec.spec)
    if "rubric" in broken:
        broken["rubric"] = broken["rubric"][1:]  # the points no longer add up
    elif "variant" in broken:
        broken["variant"] = "no-such-generator"
    elif "choices" in broken:
        broken["answer"] = {"x": "y"} if broken.get("mode") == "matching" else "no-such-choice"
    else:
        broken["answer"] = "0.25"
    with pytest.raises(ValueError):
        check_spec(ExerciseSpec.from_dict({**spec.to_dict(), "spec": broken}))


def test_the_answers_package_imports_no_django() -> None:
    script = (
        "import sys\n"
        "import graders.engine.answers\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django']\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        cwd=CATALOG.parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
