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


# The named hints each known mistake must trigger (the catalog's wrong solutions).
HINT_TABLE: dict[tuple[str, str], str] = {
    ("sigmoid-numpy", "sign_flip"): "sigmoid_sign_flip",
    ("sigmoid-numpy", "precedence"): "sigmoid_precedence",
    ("tanh-grad-numpy", "one_minus_x"): "tanh_grad_one_minus_x",
    ("tanh-grad-numpy", "missing_square"): "tanh_grad_missing_square",
    ("tanh-grad-numpy", "one_minus_x_squared"): "tanh_grad_x_squared",
    ("sigmoid-grad-numpy", "applied_to_input"): "sigmoid_grad_of_input",
    ("relu-grad-numpy", "one_at_zero"): "one_at_zero",
    ("step-numpy", "greater_or_equal"): "one_at_zero",
    ("leaky-relu-numpy", "default_alpha_0_1"): "wrong_default_alpha",
    ("dead-relu-numpy", "any_row"): "dead_if_any_row",
    ("linear-collapse-numpy", "summed_biases"): "collapse_summed_biases",
    ("softmax-numpy", "global_max"): "softmax_global_max",
    ("softmax-numpy", "no_max_shift"): "softmax_overflow",
    ("softmax-numpy", "max_without_keepdims"): "softmax_keepdims",
    ("sigmoid-numpy", "overwrites_input"): "mutating_input",
}
# Hints that would mislead on these mistakes.
MISLEADING: dict[tuple[str, str], str] = {
    ("sigmoid-numpy", "precedence"): "overflow",
    ("softmax-numpy", "max_without_keepdims"): "softmax_overflow",
}


@pytest.mark.parametrize(("slug", "wrong"), sorted(HINT_TABLE))
def test_each_named_hint_fires_on_the_mistake_it_names(
    slug: str, wrong: str, catalog_sandbox: Sandbox
) -> None:
    exercise = BY_SLUG[slug]
    code = exercise["wrong_solutions"][f"{wrong}.py"]
    verdict = engine.grade(
        ExerciseSpec.from_dict(exercise),
        Submission(code=code, seed=SEEDS[0]),
        sandbox=catalog_sandbox,
    )
    names = verdict.extra["hint_names"]
    assert HINT_TABLE[(slug, wrong)] in names
    assert MISLEADING.get((slug, wrong)) not in names


@pytest.mark.parametrize("slug", sorted({slug for slug, _ in HINT_TABLE}))
def test_no_named_hint_fires_on_a_right_solution(slug: str, catalog_sandbox: Sandbox) -> None:
    exercise = BY_SLUG[slug]
    spec = ExerciseSpec.from_dict(exercise)
    for code in [exercise["reference_code"], *exercise["right_solutions"].values()]:
        verdict = engine.grade(spec, Submission(code=code, seed=SEEDS[1]), sandbox=catalog_sandbox)
        named = set(HINT_TABLE.values()) | set(MISLEADING.values())
        assert named.isdisjoint(verdict.extra["hint_names"])


# Submissions that ignore their input: each must earn nothing on every function exercise.
TRIVIAL = {
    "numpy": {
        "identity": "def {name}(x, *args, **kwargs):\n    return x\n",
        "zeros": (
            "import numpy as np\n\ndef {name}(x, *args, **kwargs):\n"
            "    return np.zeros_like(np.asarray(x, dtype=float))\n"
        ),
        "half": (
            "import numpy as np\n\ndef {name}(x, *args, **kwargs):\n"
            "    return np.full_like(np.asarray(x, dtype=float), 0.5)\n"
        ),
        "ones": (
            "import numpy as np\n\ndef {name}(x, *args, **kwargs):\n"
            "    return np.ones_like(np.asarray(x, dtype=float))\n"
        ),
        "uniform": (
            "import numpy as np\n\ndef {name}(x, *args, **kwargs):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    return np.ones_like(x) / max(1, x.shape[-1] if x.ndim else 1)\n"
        ),
    },
    "torch": {
        "identity": "def {name}(x, *args, **kwargs):\n    return x\n",
        "zeros": "import torch\n\ndef {name}(x, *args, **kwargs):\n    return torch.zeros_like(x)\n",
        "half": (
            "import torch\n\ndef {name}(x, *args, **kwargs):\n    return torch.full_like(x, 0.5)\n"
        ),
        "uniform": (
            "import torch\n\ndef {name}(x, *args, **kwargs):\n"
            "    return torch.ones_like(x) / max(1, x.shape[-1] if x.dim() else 1)\n"
        ),
    },
}
FUNCTION_EXERCISES = sorted(
    slug for slug, e in BY_SLUG.items() if e["spec"].get("entry_kind", "function") == "function"
)


@pytest.mark.parametrize("slug", FUNCTION_EXERCISES)
def test_a_submission_that_ignores_its_input_earns_nothing(
    slug: str, catalog_sandbox: Sandbox
) -> None:
    exercise = BY_SLUG[slug]
    spec = ExerciseSpec.from_dict(exercise)
    for kind, template in TRIVIAL[exercise["framework"]].items():
        code = template.format(name=exercise["entry_point"])
        verdict = engine.grade(spec, Submission(code=code, seed=SEEDS[0]), sandbox=catalog_sandbox)
        assert verdict.score == 0, (kind, {t.name: t.points for t in verdict.tests if t.points})


@pytest.mark.parametrize(
    ("slug", "wrong"),
    [("step-numpy", "greater_or_equal.py"), ("relu-grad-numpy", "one_at_zero.py")],
)
def test_one_wrong_value_at_zero_costs_a_proportionate_share(
    slug: str, wrong: str, catalog_sandbox: Sandbox
) -> None:
    exercise = BY_SLUG[slug]
    code = exercise["wrong_solutions"][wrong]
    verdict = engine.grade(
        ExerciseSpec.from_dict(exercise),
        Submission(code=code, seed=SEEDS[0]),
        sandbox=catalog_sandbox,
    )
    assert verdict.max_score / 2 < verdict.score < verdict.max_score
    partly = [t for t in verdict.tests if not t.passed and 0 < t.points < t.max_points]
    assert partly, "no test gave a share for the right elements"
