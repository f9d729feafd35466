"""Compare a whole output (an array or a tuple of arrays) with the reference's.

This is where the dtype policy meets the tolerances: NumPy exercises accept any numeric
dtype and compare floats at the reference's dtype's tolerance; PyTorch ones must keep the
expected dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders.engine.arrays import as_array
from graders.engine.feedback import Message, msg
from graders.engine.tolerance import (
    Comparison,
    compare_arrays,
    dtype_problem,
    tolerance_for,
)


def default_policy(framework: str | None) -> str:
    """The dtype policy a framework's exercises use unless a test says otherwise.

    framework: "numpy" or "torch". Returns "numeric" for NumPy, "same" for torch.
    """
    return "same" if framework == "torch" else "numeric"


def compare_output(expected: Any, got: Any, test: dict, framework: str | None) -> Comparison:
    """Compare the student's return value with the reference's.

    expected: the reference value (ndarray, scalar or tuple of them);
    got: the student's value as it came back from the sandbox;
    test: the test dict (``dtype`` policy, ``rtol``, ``atol`` overrides);
    framework: the exercise framework (picks the default dtype policy).
    Returns a Comparison whose message may show data (use ``hidden_summary`` for hidden tests).
    """
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            what = _kind(got)
            return Comparison(
                ok=False, detail=msg("compare.tuple_length", expected=len(expected), what=what)
            )
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            part = compare_output(e, g, test, framework)
            if not part.ok:
                return Comparison(
                    ok=False,
                    detail=msg("compare.output_index", index=i, detail=part.detail),
                    worst_index=part.worst_index,
                    expected_value=part.expected_value,
                    got_value=part.got_value,
                    abs_error=part.abs_error,
                    allowed_error=part.allowed_error,
                    mismatches=part.mismatches,
                    size=part.size,
                )
        return Comparison(ok=True)
    exp = as_array(expected)
    if exp is None:
        raise TypeError(f"reference output is not an array: {type(expected).__name__}")
    arr = as_array(got)
    if arr is None:
        return Comparison(ok=False, detail=msg("compare.not_array", kind=_kind(got)))
    policy = str(test.get("dtype", default_policy(framework)))
    problem = dtype_problem(exp, arr, policy)
    if problem:
        return Comparison(ok=False, detail=problem)
    return compare_arrays(exp, arr, tolerance_for(exp.dtype, arr.dtype, test))


def hidden_summary(comparison: Comparison) -> Message:
    """What failed, in words that reveal no input or output data (for hidden tests).

    comparison: a failed Comparison. Returns the message.
    """
    detail = comparison.detail or Message.text(comparison.message, comparison.message)
    if comparison.worst_index is None:
        # Shape, dtype and type problems carry no data values; keep only the reason.
        return detail
    counts = {"mismatches": comparison.mismatches, "size": comparison.size}
    e, g = comparison.expected_value, comparison.got_value
    if e is not None and g is not None and np.isfinite(e) and not np.isfinite(g):
        return msg("hidden.nonfinite", **counts)
    if e is not None and g is not None and not np.isfinite(e):
        return msg("hidden.should_be_special", **counts)
    return msg("hidden.wrong", **counts)


def _kind(value: Any) -> Message | str:
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return msg("compare.tuple_of", count=len(value))
    return type(value).__name__
