"""Checks judged on hand-made CallResults: what a student reads for each kind of mistake."""

from __future__ import annotations

import numpy as np
import pytest

from graders.engine.checks import CHECKS, CheckContext
from graders.engine.inputs import rng_for
from graders.engine.types import ExerciseSpec
from graders.sandbox import CallResult

SPEC = ExerciseSpec(
    slug="sigmoid-numpy", kind="code", points=1, spec={}, framework="numpy", entry_point="sigmoid"
)


def context(test: dict, seed: int = 11) -> CheckContext:
    return CheckContext(
        spec=SPEC,
        rng=rng_for(seed, test["name"]),
        entry_point="sigmoid",
        framework="numpy",
        test_name=test["name"],
        seed=seed,
    )


def plan(test: dict) -> tuple[CheckContext, list]:
    ctx = context(test)
    return ctx, CHECKS[test["check"]].calls(test, ctx)


def sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


def answered(calls: list, fn) -> dict[str, CallResult]:
    return {c.name: CallResult(name=c.name, ok=True, value=fn(*c.args)) for c in calls}


def test_a_visible_failure_shows_the_input_expected_got_and_worst_element() -> None:
    test = {
        "name": "course",
        "check": "values",
        "points": 2,
        "args": [{"values": [-1.0, 0.0, 1.0]}],
    }
    ctx, calls = plan(test)
    result = CHECKS["values"].judge(
        test, answered(calls, lambda x: sigmoid(-x)), answered(calls, sigmoid), ctx
    )
    # The right element's share; the engine keeps it only for a nearly right submission.
    assert not result.passed and result.points == pytest.approx(2 / 3) and result.max_points == 2
    assert "sigmoid([-1, 0, 1] float64)" in result.message
    assert "expected: [0.2689, 0.5, 0.7311] float64" in result.message
    assert "got:      [0.7311, 0.5, 0.2689] float64" in result.message
    assert "2 of 3 elements differ" in result.message


def test_a_hidden_failure_names_what_failed_but_never_the_data() -> None:
    test = {
        "name": "random",
        "check": "values",
        "points": 1,
        "hidden": True,
        "args": [{"shape": [6], "scale": 3.0}],
    }
    ctx, calls = plan(test)
    student = answered(calls, lambda x: np.round(sigmoid(x), 2))
    result = CHECKS["values"].judge(test, student, answered(calls, sigmoid), ctx)
    assert not result.passed and result.hidden
    assert "values are wrong" in result.message
    for value in calls[0].args[0]:
        assert f"{value:.4g}" not in result.message
        assert f"{sigmoid(value):.3g}" not in result.message


def test_a_hidden_nan_failure_says_nan_without_data() -> None:
    test = {"name": "random", "check": "values", "hidden": True, "args": [{"shape": [4]}]}
    ctx, calls = plan(test)
    student = answered(calls, lambda x: np.full_like(x, np.nan))
    result = CHECKS["values"].judge(test, student, answered(calls, sigmoid), ctx)
    assert result.message == "4 of 4 values are NaN or infinite where a finite value is expected"


def test_a_student_exception_in_a_hidden_test_shows_only_its_type() -> None:
    test = {"name": "random", "check": "values", "hidden": True, "args": [{"shape": [4]}]}
    ctx, calls = plan(test)
    student = {
        calls[0].name: CallResult(
            name=calls[0].name,
            ok=False,
            error="ValueError: bad value 0.1234",
            error_kind="exception",
        )
    }
    result = CHECKS["values"].judge(test, student, answered(calls, sigmoid), ctx)
    assert result.message == "your function raised ValueError"


def test_a_hidden_traceback_is_reduced_to_the_exception_type() -> None:
    test = {"name": "random", "check": "values", "hidden": True, "args": [{"shape": [4]}]}
    ctx, calls = plan(test)
    trace = (
        "Traceback (most recent call last):\n"
        '  File "submission.py", line 2, in sigmoid\n'
        "    return x[7]\n"
        "IndexError: index 7 is out of bounds for axis 0 with size 4"
    )
    name = calls[0].name
    student = {name: CallResult(name=name, ok=False, error=trace, error_kind="exception")}
    result = CHECKS["values"].judge(test, student, answered(calls, sigmoid), ctx)
    assert result.message == "your function raised IndexError"


def test_returning_a_list_of_outputs_instead_of_an_array_fails_cleanly() -> None:
    test = {"name": "course", "check": "values", "args": [{"values": [0.0]}]}
    ctx, calls = plan(test)
    student = {calls[0].name: CallResult(name=calls[0].name, ok=True, value=(np.array([0.5]),))}
    result = CHECKS["values"].judge(test, student, answered(calls, sigmoid), ctx)
    assert not result.passed
    assert "expected an array, got a tuple of 1" in result.message


def test_stability_feedback_names_the_probe_that_failed() -> None:
    test = {"name": "edges", "check": "stability", "probes": ["large", "empty"]}
    ctx, calls = plan(test)

    def naive(x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(x) / (1 + np.exp(x))

    result = CHECKS["stability"].judge(test, answered(calls, naive), answered(calls, sigmoid), ctx)
    assert not result.passed
    assert result.message.startswith("large magnitudes (+-1000): sigmoid(")


def test_a_function_that_overwrites_its_input_fails_no_mutation_with_a_hint() -> None:
    test = {"name": "mutation", "check": "no_mutation", "args": [{"values": [-1.0, 2.0, -3.0]}]}
    ctx, calls = plan(test)
    call = calls[0]
    assert call.return_args
    student = {
        call.name: CallResult(
            name=call.name,
            ok=True,
            value=np.array([0.0, 2.0, 0.0]),
            caller_args_after=(np.array([0.0, 2.0, 0.0]),),
        )
    }
    result = CHECKS["no_mutation"].judge(test, student, {}, ctx)
    assert not result.passed
    assert "2 of 3 elements were overwritten" in result.message
    assert [name for name, _ in ctx.hints] == ["mutating_input"]


def test_no_mutation_believes_the_workers_memory_over_the_childs_report() -> None:
    test = {"name": "mutation", "check": "no_mutation", "args": [{"values": [-1.0, 2.0, -3.0]}]}
    ctx, calls = plan(test)
    call = calls[0]
    student = {
        call.name: CallResult(
            name=call.name,
            ok=True,
            value=np.array([0.0, 2.0, 0.0]),
            args_after=(np.array([-1.0, 2.0, -3.0]),),
            caller_args_after=(np.array([0.0, 2.0, 0.0]),),
        )
    }
    result = CHECKS["no_mutation"].judge(test, student, {}, ctx)
    assert not result.passed
    assert "2 of 3 elements were overwritten" in result.message


def test_no_mutation_fails_a_change_only_the_child_reports() -> None:
    test = {"name": "mutation", "check": "no_mutation", "args": [{"values": [-1.0, 2.0]}]}
    ctx, calls = plan(test)
    call = calls[0]
    student = {
        call.name: CallResult(
            name=call.name,
            ok=True,
            value=np.array([0.0, 2.0]),
            args_after=(np.array([[-1.0, 2.0]]),),
            caller_args_after=(np.array([-1.0, 2.0]),),
        )
    }
    assert not CHECKS["no_mutation"].judge(test, student, {}, ctx).passed


def test_no_mutation_without_the_workers_reading_fails() -> None:
    test = {"name": "mutation", "check": "no_mutation", "args": [{"values": [-1.0, 2.0]}]}
    ctx, calls = plan(test)
    call = calls[0]
    claimed = CallResult(
        name=call.name, ok=True, value=np.array([0.0, 2.0]), args_after=(np.array([-1.0, 2.0]),)
    )
    assert not CHECKS["no_mutation"].judge(test, {call.name: claimed}, {}, ctx).passed


def test_an_untouched_input_passes_no_mutation_even_with_nan() -> None:
    test = {"name": "mutation", "check": "no_mutation", "args": [{"values": [np.nan, 2.0]}]}
    ctx, calls = plan(test)
    call = calls[0]
    student = {
        call.name: CallResult(
            name=call.name,
            ok=True,
            value=np.array([np.nan, 2.0]),
            args_after=(np.array([np.nan, 2.0]),),
            caller_args_after=(np.array([np.nan, 2.0]),),
        )
    }
    assert CHECKS["no_mutation"].judge(test, student, {}, ctx).passed


def test_softmax_rows_must_sum_to_one() -> None:
    test = {
        "name": "sums",
        "check": "property",
        "property": "sums_to_one",
        "axis": -1,
        "hidden": True,
        "args": [{"shape": [3, 4]}],
    }
    ctx, calls = plan(test)
    good = answered(calls, lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True))
    bad = answered(calls, lambda x: np.exp(x) / np.exp(x).sum())
    assert CHECKS["property"].judge(test, good, {}, ctx).passed
    result = CHECKS["property"].judge(test, bad, {}, ctx)
    assert not result.passed and "do not sum to 1 along axis -1" in result.message


def test_outputs_outside_the_range_fail_the_range_property() -> None:
    test = {
        "name": "range",
        "check": "property",
        "property": "range",
        "low": 0.0,
        "high": 1.0,
        "args": [{"values": [-2.0, 0.0, 2.0]}],
    }
    ctx, calls = plan(test)
    result = CHECKS["property"].judge(test, answered(calls, np.tanh), {}, ctx)
    assert result.message == "1 outputs lie outside [0, 1]"


def test_a_slow_but_right_function_passes_and_gets_a_slowdown_hint() -> None:
    test = {"name": "speed", "check": "speed", "points": 0, "args": [{"shape": [1000]}]}
    ctx, calls = plan(test)
    name = calls[0].name
    x = calls[0].args[0]
    student = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.9)}
    reference = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.003)}
    assert len(calls) == 2 and calls[1].args[0] is x
    result = CHECKS["speed"].judge(test, student, reference, ctx)
    assert result.passed
    assert [name for name, _ in ctx.hints] == ["slow_loop"]
    assert "300x slower" in ctx.hints[0][1].render()


def test_one_slow_run_of_two_is_not_taken_for_a_loop() -> None:
    test = {"name": "speed", "check": "speed", "points": 0, "args": [{"shape": [10000]}]}
    ctx, calls = plan(test)
    x = calls[0].args[0]
    student = {
        calls[0].name: CallResult(name=calls[0].name, ok=True, value=sigmoid(x), seconds=0.05),
        calls[1].name: CallResult(name=calls[1].name, ok=True, value=sigmoid(x), seconds=5e-5),
    }
    reference = {
        calls[0].name: CallResult(name=calls[0].name, ok=True, value=sigmoid(x), seconds=4e-5)
    }
    assert CHECKS["speed"].judge(test, student, reference, ctx).passed
    assert ctx.hints == []


def test_a_loop_against_a_careful_reference_still_gets_the_slowdown_hint() -> None:
    # 270 ns per element is a Python loop even when the reference is only 4x faster.
    test = {"name": "speed", "check": "speed", "points": 0, "args": [{"shape": [10000]}]}
    ctx, calls = plan(test)
    name, x = calls[0].name, calls[0].args[0]
    student = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.0027)}
    reference = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.0007)}
    assert CHECKS["speed"].judge(test, student, reference, ctx).passed
    assert [name for name, _ in ctx.hints] == ["slow_loop"]


def test_a_loop_on_a_fast_machine_still_gets_the_slowdown_hint() -> None:
    # 80 ns per element: a list comprehension on a fast core, 100x the reference.
    test = {"name": "speed", "check": "speed", "points": 0, "args": [{"shape": [10000]}]}
    ctx, calls = plan(test)
    name, x = calls[0].name, calls[0].args[0]
    student = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.0008)}
    reference = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=8e-6)}
    assert CHECKS["speed"].judge(test, student, reference, ctx).passed
    assert [name for name, _ in ctx.hints] == ["slow_loop"]


def test_a_vectorised_function_on_a_slow_machine_gets_no_slowdown_hint() -> None:
    test = {"name": "speed", "check": "speed", "points": 0, "args": [{"shape": [10000]}]}
    ctx, calls = plan(test)
    name, x = calls[0].name, calls[0].args[0]
    student = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.002)}
    reference = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.001)}
    assert CHECKS["speed"].judge(test, student, reference, ctx).passed
    assert ctx.hints == []


def test_a_fast_function_gets_no_slowdown_hint() -> None:
    test = {"name": "speed", "check": "speed", "points": 0, "args": [{"shape": [1000]}]}
    ctx, calls = plan(test)
    name, x = calls[0].name, calls[0].args[0]
    student = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.004)}
    reference = {name: CallResult(name=name, ok=True, value=sigmoid(x), seconds=0.003)}
    assert CHECKS["speed"].judge(test, student, reference, ctx).passed
    assert ctx.hints == []
