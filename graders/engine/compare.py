"""Compare a whole output (an array or a tuple of arrays) with the reference's.

This is where the dtype policy meets the tolerances: NumPy exercises accept any numeric
dtype and compare floats at the less precise of the two; PyTorch ones must keep the
expected dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders.engine.checks.base import as_array
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
            count = len(got) if isinstance(got, tuple) else None
            what = f"a tuple of {count}" if count is not None else _kind(got)
            return Comparison(
                ok=False,
                message=f"expected a tuple of {len(expected)} outputs, got {what}",
            )
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            part = compare_output(e, g, test, framework)
            if not part.ok:
                return Comparison(
                    ok=False,
                    message=f"output [{i}]: {part.message}",
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
        return Comparison(ok=False, message=f"expected an array, got {_kind(got)}")
    policy = str(test.get("dtype", default_policy(framework)))
    problem = dtype_problem(exp, arr, policy)
    if problem:
        return Comparison(ok=False, message=problem)
    return compare_arrays(exp, arr, tolerance_for(exp.dtype, arr.dtype, test))


def hidden_summary(comparison: Comparison) -> str:
    """What failed, in words that reveal no input or output data (for hidden tests).

    comparison: a failed Comparison. Returns a sentence.
    """
    message = comparison.message
    if comparison.worst_index is None:
        # Shape, dtype and type problems carry no data values; keep only the reason.
        return message.split(":", 1)[0] if message.startswith("output [") else message
    e, g = comparison.expected_value, comparison.got_value
    if e is not None and g is not None and np.isfinite(e) and not np.isfinite(g):
        return f"{comparison.mismatches} of {comparison.size} values are NaN or infinite where a finite value is expected"
    if e is not None and g is not None and not np.isfinite(e):
        return f"{comparison.mismatches} of {comparison.size} values should be NaN or infinite but are not (or have the wrong sign)"
    return f"{comparison.mismatches} of {comparison.size} values are wrong (outside the tolerance)"


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return type(value).__name__
