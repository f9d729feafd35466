"""An exercise document proves itself in the real sandbox (graders.engine.validation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graders import engine
from graders.engine.catalog import load_exercise
from graders.engine.validation import Solutions, validate_exercise
from graders.sandbox import Sandbox

pytestmark = pytest.mark.slow

GELU = load_exercise(
    Path(__file__).resolve().parents[3] / "exercises" / "demo_drafts" / "gelu-numpy"
)
SPEC = engine.ExerciseSpec.from_dict(GELU).to_dict()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def solutions(**changes: object) -> Solutions:
    base = {
        "reference": GELU["reference_code"],
        "wrong": GELU["wrong_solutions"],
        "right": GELU["right_solutions"],
    }
    return Solutions.from_dict({**base, **changes})


def test_the_demo_gelu_draft_passes(sandbox: Sandbox) -> None:
    report = validate_exercise(SPEC, solutions(), sandbox=sandbox)

    assert report["passed"], report["problems"]
    graded = {(s["name"], s["seed"]) for s in report["solutions"]}
    assert len(graded) == 2 * (1 + len(GELU["wrong_solutions"]) + len(GELU["right_solutions"]))


def test_a_right_solution_that_is_not_names_the_failing_test(sandbox: Sandbox) -> None:
    exact = (
        "import math\nimport numpy as np\n\n\ndef gelu(x):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))\n"
    )
    report = validate_exercise(SPEC, solutions(right={"exact_erf.py": exact}), sandbox=sandbox)

    assert not report["passed"]
    [problem] = report["problems"]
    assert problem.startswith("right solution right/exact_erf.py scores ")
    assert "test course_values failed" in problem


def test_a_wrong_solution_no_test_catches_is_reported(sandbox: Sandbox) -> None:
    report = validate_exercise(
        SPEC, solutions(wrong={"same.py": GELU["reference_code"]}), sandbox=sandbox
    )

    assert report["problems"] == [
        "wrong solution wrong/same.py scores full marks: no test catches it"
    ]


def test_a_reference_that_raises_stops_the_validation_with_its_error(sandbox: Sandbox) -> None:
    broken = "import numpy as np\n\n\ndef gelu(x):\n    return undefined_name * x\n"
    report = validate_exercise(SPEC, solutions(reference=broken), sandbox=sandbox)

    assert report["problems"][0].startswith("the reference could not be graded")
    assert "NameError" in report["problems"][0]
    assert (
        report["problems"][1]
        == "the other solutions were not graded, because the reference was not."
    )
