"""The plot in a verdict and the printed output of a run, graded through the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.engine.plot import MAX_DISTRIBUTION, PLOT_POINTS
from graders.sandbox import Sandbox

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"

pytestmark = pytest.mark.slow

MIRRORED_SIGMOID = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(x))\n"


@pytest.fixture(scope="module")
def exercises() -> dict[str, dict]:
    return {e["slug"]: e for e in engine.load_catalog(CATALOG)}


def grade(exercises: dict, slug: str, code: str, sandbox: Sandbox, **work: object) -> dict:
    spec = ExerciseSpec.from_dict(exercises[slug])
    verdict = engine.grade(spec, Submission(code=code, seed=7, **work), sandbox=sandbox)
    return verdict.to_dict()


@pytest.mark.parametrize(
    "slug",
    [
        "step-numpy",
        "sigmoid-numpy",
        "sigmoid-torch",
        "tanh-numpy",
        "relu-numpy",
        "relu-torch",
        "leaky-relu-numpy",
        "leaky-relu-torch",
        "sigmoid-grad-numpy",
        "tanh-grad-numpy",
        "relu-grad-numpy",
    ],
)
def test_every_element_wise_exercise_plots_the_reference_as_a_curve_that_matches_itself(
    exercises, sandbox, slug
) -> None:
    verdict = grade(exercises, slug, exercises[slug]["reference_code"], sandbox)

    plot = verdict["plot"]
    assert plot["kind"] == "curve"
    assert len(plot["x"]) == len(plot["student"]) == len(plot["reference"]) == PLOT_POINTS
    assert (plot["x"][0], plot["x"][-1]) == (-6.0, 6.0)
    assert not any(plot["mismatch"])
    assert verdict["score"] == verdict["max_score"]


def test_a_mirrored_sigmoid_is_drawn_disagreeing_everywhere_but_at_zero(exercises, sandbox):
    plot = grade(exercises, "sigmoid-numpy", MIRRORED_SIGMOID, sandbox)["plot"]

    disagreeing = [x for x, bad in zip(plot["x"], plot["mismatch"], strict=True) if bad]
    assert len(disagreeing) >= PLOT_POINTS - 3
    assert all(abs(x) > 0.05 for x in disagreeing)
    assert plot["student"][0] == pytest.approx(1 - plot["reference"][0])


def test_softmax_shows_the_distribution_of_the_first_visible_example(exercises, sandbox):
    wrong = "import numpy as np\n\ndef softmax(x, axis=-1):\n    return x / x.sum()\n"

    plot = grade(exercises, "softmax-numpy", wrong, sandbox)["plot"]

    assert plot["kind"] == "distribution"
    assert plot["input"] == [2.0, 1.0, 0.1]
    assert sum(plot["reference"]) == pytest.approx(1.0)
    assert any(plot["mismatch"])
    assert len(plot["input"]) <= MAX_DISTRIBUTION


def test_a_function_that_fails_on_the_plot_inputs_loses_only_the_plot(exercises, sandbox):
    code = (
        "import numpy as np\n\n"
        "def sigmoid(x):\n"
        "    if x.size > 100:\n"
        "        raise ValueError('too big')\n"
        "    z = np.exp(-np.abs(x))\n"
        "    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))\n"
    )

    verdict = grade(exercises, "sigmoid-numpy", code, sandbox)

    assert verdict["plot"]["student"] is None
    assert all(verdict["plot"]["mismatch"])
    passed = {t["name"] for t in verdict["tests"] if t["passed"]}
    assert {"course_values", "second_course_example"} <= passed


def test_a_plot_never_carries_non_finite_numbers(exercises, sandbox):
    code = "import numpy as np\n\ndef sigmoid(x):\n    return np.log(x)\n"

    plot = grade(exercises, "sigmoid-numpy", code, sandbox)["plot"]

    json.dumps(plot, allow_nan=False)
    assert None in plot["student"]


def test_a_run_keeps_what_the_code_printed_and_a_graded_submission_does_not(exercises, sandbox):
    code = MIRRORED_SIGMOID.replace("    return", "    print('shape', x.shape)\n    return")

    run = grade(exercises, "sigmoid-numpy", code, sandbox, keep_output=True)
    graded = grade(exercises, "sigmoid-numpy", code, sandbox)

    assert "shape (3,)" in run["extra"]["output"]["stdout"]
    assert "output" not in graded["extra"]


def test_code_that_never_loads_still_shows_what_it_printed_in_a_run(exercises, sandbox):
    code = "print('hello before the crash')\nraise RuntimeError('boom')\n"

    verdict = grade(exercises, "sigmoid-numpy", code, sandbox, keep_output=True)

    assert verdict["score"] == 0
    assert "hello before the crash" in verdict["extra"]["output"]["stdout"]
    assert verdict["plot"] is None
