"""Tolerances by dtype and the element-wise comparison students see in their feedback."""

from __future__ import annotations

import numpy as np

from graders.engine.tolerance import (
    Tolerance,
    compare_arrays,
    default_tolerance,
    dtype_problem,
    tolerance_for,
)


def test_a_float32_answer_to_a_float64_input_is_judged_at_float64_tolerance() -> None:
    tol = tolerance_for(np.dtype("float64"), np.dtype("float32"))
    assert tol == Tolerance(rtol=1e-6, atol=1e-9)
    assert tolerance_for(np.dtype("float32"), np.dtype("float64")) == Tolerance(1e-4, 1e-6)


def test_values_off_by_5e_5_fail_whether_returned_as_float32_or_float64() -> None:
    expected = np.array([0.2689414213699951, 0.5, 0.7310585786300049])
    for got in (expected + 5e-5, (expected + 5e-5).astype(np.float32)):
        assert not compare_arrays(expected, got, tolerance_for(expected.dtype, got.dtype)).ok


def test_float64_answers_get_the_strict_float64_tolerance() -> None:
    assert default_tolerance(np.dtype("float64")) == Tolerance(rtol=1e-6, atol=1e-9)


def test_a_test_can_override_the_default_tolerance() -> None:
    tol = tolerance_for(np.dtype("float64"), np.dtype("float64"), {"atol": 0.0, "rtol": 1e-3})
    assert tol == Tolerance(rtol=1e-3, atol=0.0)


def test_it_accepts_a_float32_answer_that_is_only_float32_accurate() -> None:
    expected = np.array([0.2689414213699951, 0.5, 0.7310585786300049])
    got = expected.astype(np.float32)
    tol = tolerance_for(expected.dtype, got.dtype)
    assert compare_arrays(expected, got, tol).ok


def test_it_rejects_a_float64_answer_rounded_to_four_decimals() -> None:
    expected = np.array([0.2689414213699951, 0.5, 0.7310585786300049])
    result = compare_arrays(expected, np.round(expected, 4), default_tolerance(expected.dtype))
    assert not result.ok
    assert result.mismatches == 2


def test_the_message_names_the_worst_element_and_its_error() -> None:
    expected = np.array([1.0, 2.0, 3.0, 4.0])
    got = np.array([1.0, 2.5, 3.0, 4.1])
    result = compare_arrays(expected, got, Tolerance(1e-6, 1e-9))
    assert result.worst_index == (1,)
    assert "index [1]: expected 2, got 2.5" in result.message
    assert "2 of 4 elements differ" in result.message


def test_nan_in_the_expected_output_needs_nan_in_the_answer() -> None:
    expected = np.array([np.nan, 0.5])
    assert compare_arrays(expected, np.array([np.nan, 0.5]), Tolerance(1e-6, 1e-9)).ok
    result = compare_arrays(expected, np.array([0.0, 0.5]), Tolerance(1e-6, 1e-9))
    assert not result.ok and result.worst_index == (0,)


def test_nan_where_a_finite_value_is_expected_is_the_worst_error() -> None:
    expected = np.array([0.5, 1.0, 0.0])
    got = np.array([0.6, np.nan, 0.0])
    result = compare_arrays(expected, got, Tolerance(1e-6, 1e-9))
    assert result.worst_index == (1,)


def test_infinities_must_match_in_sign() -> None:
    expected = np.array([np.inf, -np.inf])
    assert compare_arrays(expected, np.array([np.inf, -np.inf]), Tolerance(1e-6, 1e-9)).ok
    assert not compare_arrays(expected, np.array([np.inf, np.inf]), Tolerance(1e-6, 1e-9)).ok
    assert not compare_arrays(np.array([1e308]), np.array([np.inf]), Tolerance(1e-6, 1e-9)).ok


def test_it_rejects_a_broadcastable_but_different_shape() -> None:
    result = compare_arrays(np.zeros(3), np.zeros((1, 3)), Tolerance(1e-6, 1e-9))
    assert not result.ok
    assert "expected shape (3,), got shape (1, 3)" in result.message


def test_empty_arrays_of_the_right_shape_match() -> None:
    assert compare_arrays(np.zeros((0, 4)), np.zeros((0, 4)), Tolerance(1e-6, 1e-9)).ok


def test_boolean_masks_compare_exactly() -> None:
    result = compare_arrays(np.array([True, False]), np.array([True, True]), Tolerance(1, 1))
    assert not result.ok and result.worst_index == (1,)
    assert "expected False, got True" in result.message


def test_numpy_exercises_accept_integer_answers_but_not_booleans_for_numbers() -> None:
    expected = np.array([0.0, 1.0])
    assert dtype_problem(expected, np.array([0, 1]), "numeric") is None
    assert "boolean" in dtype_problem(expected, np.array([False, True]), "numeric").render()


def test_torch_exercises_require_the_same_dtype() -> None:
    problem = dtype_problem(np.zeros(2, np.float32), np.zeros(2, np.float64), "same")
    assert problem.render("en") == "the output should have dtype float32, yours has float64"


def test_a_mask_must_be_boolean() -> None:
    assert (
        "boolean array" in dtype_problem(np.zeros(2, bool), np.zeros(2, np.int64), "bool").render()
    )


def test_a_float16_answer_to_a_float64_input_is_refused_rather_than_judged_loosely() -> None:
    problem = dtype_problem(np.zeros(2), np.zeros(2, np.float16), "numeric")
    assert problem.render().startswith("the output is float16")
    assert dtype_problem(np.zeros(2, np.float16), np.zeros(2, np.float16), "numeric") is None
