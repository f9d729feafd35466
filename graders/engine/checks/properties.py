"""``property``: a mathematical property of the output, judged without the reference.

Test keys: ``args``/``kwargs`` and ``property``:

- ``range``: every output is finite and within ``[low, high]`` (inclusive).
- ``sums_to_one``: the output sums to 1 along ``axis`` (default -1), within ``atol``
  (default 1e-6), and is non-negative.
- ``monotonic``: for a sorted 1-D input, the output never decreases.

``torch_property`` (``torch_values.py``) is this check with ``torch_common.TORCH`` as its flavour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graders.engine.arrays import as_array
from graders.engine.checks import register
from graders.engine.checks.base import PLAIN, CheckContext, CheckFlavour, build_inputs, result_for
from graders.engine.feedback import Message, msg
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

# The properties a ``property`` test may name (``property = "..."``).
PROPERTIES = ("range", "sums_to_one", "monotonic")


@register("property")
class PropertyCheck:
    """The output must have the named property; the reference run is not consulted."""

    flavour: CheckFlavour = PLAIN

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs = build_inputs(test, ctx)
        return [self.flavour.one_call(test, ctx, args, kwargs)]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        result, problem = self.flavour.one_result(test, student, ctx)
        if problem:
            return result_for(test, False, problem)
        out = as_array(result.value)
        if out is None or out.dtype.kind not in "iuf":
            return result_for(test, False, self.flavour.not_numbers(out))
        failure = property_failure(test, out.astype(np.float64))
        if failure:
            return result_for(test, False, failure)
        return result_for(test, True, msg(f"property.{test['property']}.passed", **_bounds(test)))


def _bounds(test: dict) -> dict:
    return {
        "low": test.get("low"),
        "high": test.get("high"),
        "axis": test.get("axis", -1),
    }


def property_failure(test: dict, out: np.ndarray) -> Message | None:
    """Why ``out`` lacks the test's property, or None when it has it.

    test: the test dict (``property`` and its parameters); out: the output as float64.
    Returns a message that names the property but shows no data.
    """
    kind = test["property"]
    if not np.all(np.isfinite(out)):
        return msg("property.not_finite", count=int(np.count_nonzero(~np.isfinite(out))))
    if kind == "range":
        low, high = float(test["low"]), float(test["high"])
        outside = int(np.count_nonzero((out < low) | (out > high)))
        return msg("property.outside", count=outside, low=low, high=high) if outside else None
    if kind == "sums_to_one":
        axis = int(test.get("axis", -1))
        if out.ndim == 0 or out.shape[axis] == 0:
            return msg("property.no_axis")
        if np.any(out < 0):
            return msg("property.negative")
        sums = out.sum(axis=axis)
        worst = float(np.max(np.abs(sums - 1.0)))
        atol = float(test.get("atol", 1e-6))
        return msg("property.not_summing", axis=axis, worst=worst) if worst > atol else None
    if kind == "monotonic":
        drops = int(np.count_nonzero(np.diff(out.reshape(-1)) < 0))
        return msg("property.decreases", count=drops) if drops else None
    raise ValueError(f"unknown property {kind!r}")
