"""Grading code end to end through the real sandbox: every way a submission can go wrong
ends in a verdict, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.sandbox import Sandbox

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exercises() -> dict[str, dict]:
    return {e["slug"]: e for e in engine.load_catalog(CATALOG)}


def spec_of(exercises: dict[str, dict], slug: str) -> ExerciseSpec:
    return ExerciseSpec.from_dict(exercises[slug])


def grade(exercises: dict, slug: str, code: str, sandbox: Sandbox, seed: int = 42):
    return engine.grade(spec_of(exercises, slug), Submission(code=code, seed=seed), sandbox=sandbox)


def test_the_reference_scores_full_marks_with_no_hints(exercises, sandbox) -> None:
    verdict = grade(
        exercises, "sigmoid-numpy", exercises["sigmoid-numpy"]["reference_code"], sandbox
    )
    assert verdict.status == "graded"
    assert verdict.score == verdict.max_score == 10
    assert verdict.hints == ()
    assert verdict.seed == 42


def test_a_syntax_error_is_graded_zero_with_the_line(exercises, sandbox) -> None:
    verdict = grade(exercises, "relu-numpy", "def relu(x)\n    return x\n", sandbox)
    assert verdict.status == "graded" and verdict.score == 0
    assert verdict.error["kind"] == "syntax_error"
    assert "line 1" in verdict.error["message"]
    assert all(not t.passed for t in verdict.tests)


def test_an_infinite_loop_is_graded_zero_as_a_timeout(exercises, sandbox) -> None:
    code = "def relu(x):\n    while True:\n        pass\n"
    verdict = grade(exercises, "relu-numpy", code, sandbox)
    assert verdict.status == "graded" and verdict.score == 0
    assert verdict.error["kind"] == "timeout"


def test_a_forbidden_call_is_graded_zero_and_named(exercises, sandbox) -> None:
    code = "import numpy as np\n\ndef tanh(x):\n    return np.tanh(x)\n"
    verdict = grade(exercises, "tanh-numpy", code, sandbox)
    assert verdict.status == "graded" and verdict.score == 0
    assert verdict.error["kind"] == "forbidden"
    assert "tanh" in verdict.error["message"]


def test_a_missing_entry_point_is_graded_zero(exercises, sandbox) -> None:
    verdict = grade(exercises, "step-numpy", "def stepp(x):\n    return x\n", sandbox)
    assert verdict.status == "graded" and verdict.score == 0
    assert verdict.error["kind"] == "missing_entry_point"


def test_empty_code_is_graded_zero_without_running(exercises, sandbox) -> None:
    verdict = grade(exercises, "step-numpy", "   \n", sandbox)
    assert verdict.status == "graded" and verdict.error["kind"] == "empty"


def test_the_starter_code_scores_zero_with_the_exception_shown(exercises, sandbox) -> None:
    verdict = grade(exercises, "softmax-numpy", exercises["softmax-numpy"]["starter_code"], sandbox)
    assert verdict.status == "graded" and verdict.score == 0
    visible = next(t for t in verdict.tests if not t.hidden)
    assert "NotImplementedError" in visible.message


def test_a_broken_reference_fails_the_grading_not_the_student(exercises, sandbox) -> None:
    spec = ExerciseSpec.from_dict(
        {
            **exercises["relu-numpy"],
            "reference_code": "def relu(x):\n    raise ValueError('oops')\n",
        }
    )
    code = exercises["relu-numpy"]["reference_code"]
    verdict = engine.grade(spec, Submission(code=code, seed=1), sandbox=sandbox)
    assert verdict.status == "failed"
    assert verdict.error["kind"] == "reference"
    assert "reference solution failed" in verdict.error["message"]


def test_partial_credit_is_the_sum_of_the_passed_tests(exercises, sandbox) -> None:
    code = "def relu(x):\n    x[x < 0] = 0\n    return x\n"
    verdict = grade(exercises, "relu-numpy", code, sandbox)
    failed = [t.name for t in verdict.tests if not t.passed]
    assert failed == ["input_not_modified"]
    assert verdict.score == 8
    assert verdict.score == sum(t.points for t in verdict.tests)
    assert verdict.extra["hint_names"] == ["mutating_input"]


def test_softmax_without_the_max_trick_gets_the_named_hint(exercises, sandbox) -> None:
    code = exercises["softmax-numpy"]["wrong_solutions"]["no_max_shift.py"]
    verdict = grade(exercises, "softmax-numpy", code, sandbox)
    failed = {t.name: t for t in verdict.tests if not t.passed}
    assert "large_logits" in failed
    assert "subtract the maximum" in " ".join(verdict.hints)
    assert verdict.score < verdict.max_score


def test_softmax_shifted_by_the_global_max_gets_its_own_hint(exercises, sandbox) -> None:
    code = exercises["softmax-numpy"]["wrong_solutions"]["global_max.py"]
    verdict = grade(exercises, "softmax-numpy", code, sandbox)
    assert verdict.extra["hint_names"] == ["softmax_global_max"]


def test_tanh_grad_written_as_one_minus_x_gets_its_hint(exercises, sandbox) -> None:
    verdict = grade(exercises, "tanh-grad-numpy", "def tanh_grad(x):\n    return 1 - x\n", sandbox)
    assert "tanh_grad_one_minus_x" in verdict.extra["hint_names"]


def test_a_mirrored_sigmoid_gets_the_sign_flip_hint(exercises, sandbox) -> None:
    code = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(x))\n"
    verdict = grade(exercises, "sigmoid-numpy", code, sandbox)
    assert "sigmoid_sign_flip" in verdict.extra["hint_names"]


def test_a_wrong_default_alpha_is_named_with_its_value(exercises, sandbox) -> None:
    code = exercises["leaky-relu-numpy"]["wrong_solutions"]["default_alpha_0_1.py"]
    verdict = grade(exercises, "leaky-relu-numpy", code, sandbox)
    assert any("your negative slope is 0.1" in h for h in verdict.hints)
    explicit = next(t for t in verdict.tests if t.name == "explicit_alpha")
    assert explicit.passed


def test_right_values_with_overflow_warnings_get_a_hint_not_a_penalty(exercises, sandbox) -> None:
    code = "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    verdict = grade(exercises, "sigmoid-numpy", code, sandbox)
    assert verdict.score == verdict.max_score
    assert "numerical_warning" in verdict.extra["hint_names"]
    assert any("overflow encountered in exp" in h for h in verdict.hints)


def test_a_python_loop_passes_but_is_told_its_slowdown(exercises, sandbox) -> None:
    code = (
        "import numpy as np\n\n"
        "def relu(x):\n"
        "    out = np.empty_like(x)\n"
        "    flat, dst = x.reshape(-1), out.reshape(-1)\n"
        "    for i in range(flat.size):\n"
        "        dst[i] = flat[i] if flat[i] > 0 else 0.0\n"
        "    return out\n"
    )
    verdict = grade(exercises, "relu-numpy", code, sandbox)
    assert verdict.score == verdict.max_score
    assert "slow_loop" in verdict.extra["hint_names"]


def test_the_same_seed_replays_the_same_verdict(exercises, sandbox) -> None:
    code = exercises["softmax-numpy"]["wrong_solutions"]["ignores_axis.py"]
    first = grade(exercises, "softmax-numpy", code, sandbox, seed=987)
    again = grade(exercises, "softmax-numpy", code, sandbox, seed=987)
    assert [t.message for t in first.tests] == [t.message for t in again.tests]
    assert first.score == again.score


def test_the_verdict_is_json_ready(exercises, sandbox) -> None:
    import json

    verdict = grade(
        exercises, "dead-relu-numpy", exercises["dead-relu-numpy"]["reference_code"], sandbox
    )
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["exercise"] == "dead-relu-numpy" and data["score"] == 10.0
    assert {"name", "passed", "points", "max_points", "message", "hidden"} <= set(data["tests"][0])


def test_a_return_value_that_lies_about_equality_scores_nothing(exercises, sandbox) -> None:
    code = (
        "class Liar:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def __sub__(self, other):\n"
        "        return 0.0\n"
        "    __rsub__ = __sub__\n"
        "    def __abs__(self):\n"
        "        return 0.0\n\n"
        "def relu(x):\n"
        "    return Liar()\n"
    )
    verdict = grade(exercises, "relu-numpy", code, sandbox)
    assert verdict.status == "graded" and verdict.score == 0
    course = next(t for t in verdict.tests if t.name == "course_values")
    assert "not an array of numbers" in course.message


def test_hidden_messages_in_a_real_verdict_carry_no_hidden_input(exercises, sandbox) -> None:
    from graders.engine.code import plan_calls

    spec = spec_of(exercises, "relu-numpy")
    submission = Submission(
        code=exercises["relu-numpy"]["wrong_solutions"]["absolute_value.py"], seed=5
    )
    verdict = engine.grade(spec, submission, sandbox=sandbox)
    hidden = {t.name: t.message for t in verdict.tests if t.hidden}
    assert "values are wrong (outside the tolerance)" in hidden["random_batch"]
    for test, _, calls in plan_calls(spec, submission):
        if not test.get("hidden"):
            continue
        for value in calls[0].args[0].reshape(-1)[:50]:
            if value != 0:
                assert f"{value:.4g}" not in hidden[test["name"]]


@pytest.mark.parametrize(
    ("slug", "body"),
    [
        ("sigmoid-numpy", "def sigmoid(x):\n    return x\n"),
        ("sigmoid-numpy", "import numpy as np\ndef sigmoid(x):\n    return np.full_like(x, 0.5)\n"),
        (
            "softmax-numpy",
            (
                "import numpy as np\ndef softmax(x, axis=-1):\n"
                "    return np.ones_like(x) / x.shape[axis]\n"
            ),
        ),
    ],
)
def test_a_submission_that_ignores_its_input_earns_nothing(exercises, sandbox, slug, body):
    verdict = grade(exercises, slug, body, sandbox)
    assert verdict.status == "graded"
    assert verdict.score == 0
    gated = [t for t in verdict.tests if t.message_id == "values_first"]
    assert gated and all(t.points == 0 for t in gated)
