"""Input descriptions become arguments; random ones replay exactly from the seed."""

from __future__ import annotations

import numpy as np
import pytest

from graders.engine.inputs import InputSpecError, build, build_all, rng_for


def test_the_same_seed_and_test_give_the_same_hidden_inputs() -> None:
    desc = {"shape": [5, 3], "dist": "normal", "scale": 2.0}
    first = build(desc, rng_for(1234, "random_batch"))
    again = build(desc, rng_for(1234, "random_batch"))
    np.testing.assert_array_equal(first, again)


def test_another_seed_gives_other_hidden_inputs() -> None:
    desc = {"shape": [50]}
    assert not np.array_equal(build(desc, rng_for(1, "t")), build(desc, rng_for(2, "t")))


def test_tests_of_one_submission_draw_independent_inputs() -> None:
    desc = {"shape": [50]}
    assert not np.array_equal(build(desc, rng_for(1, "a")), build(desc, rng_for(1, "b")))


def test_fixed_values_keep_their_dtype_and_special_floats() -> None:
    x = build({"values": [float("-inf"), 0.0, float("nan")], "dtype": "float32"}, rng_for(0, "t"))
    assert x.dtype == np.float32
    assert np.isneginf(x[0]) and np.isnan(x[2])


def test_uniform_inputs_stay_in_range_and_zeros_are_planted() -> None:
    desc = {"shape": [1000], "dist": "uniform", "low": 1.0, "high": 2.0, "zeros": 0.3}
    x = build(desc, rng_for(5, "t"))
    nonzero = x[x != 0]
    assert np.all((nonzero >= 1.0) & (nonzero < 2.0))
    assert 200 < np.count_nonzero(x == 0) < 400


def test_sorted_inputs_never_decrease() -> None:
    x = build({"shape": [100], "sorted": True}, rng_for(5, "t"))
    assert np.all(np.diff(x) >= 0)


def test_lists_integers_and_plain_values_are_built_for_calls() -> None:
    args, kwargs = build_all(
        [{"list": [{"shape": [2, 3]}, {"shape": [3]}]}, {"integer": [2, 4]}],
        {"alpha": 0.2},
        rng_for(9, "t"),
    )
    assert [a.shape for a in args[0]] == [(2, 3), (3,)]
    assert args[1] in (2, 3, 4)
    assert kwargs == {"alpha": 0.2}


def test_it_rejects_an_unknown_dtype() -> None:
    with pytest.raises(InputSpecError, match="dtype"):
        build({"values": [1], "dtype": "complex128"}, rng_for(0, "t"))


def test_it_rejects_a_bare_list_argument() -> None:
    with pytest.raises(InputSpecError, match="wrap a list"):
        build([1.0, 2.0], rng_for(0, "t"))
