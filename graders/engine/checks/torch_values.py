"""Forward-pass checks for PyTorch exercises: values, input mutation, properties.

- ``torch_values``: the output is a tensor with the reference's values, shape and dtype
  (the reference keeps the input's dtype, so a float32 input needs a float32 output);
  ``cases = [{label, args, kwargs}, ...]`` checks several inputs in one test.
- ``torch_no_mutation``: the input tensor is unchanged after the call.
- ``torch_property``: a property of the output (keys as for ``property``:
  ``property = "range" | "sums_to_one" | "monotonic"``, ``low``, ``high``, ``axis``).

Test keys: ``args``/``kwargs`` (input descriptions, see ``graders.engine.inputs``),
``init_args``/``init_kwargs`` for module exercises, optional ``rtol``/``atol``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graders.engine.checks import register
from graders.engine.checks.base import (
    CheckContext,
    format_array,
    reference_value,
    result_for,
)
from graders.engine.checks.mutation import changed_elements
from graders.engine.checks.properties import PROPERTY_NAMES, property_failure
from graders.engine.checks.torch_common import (
    build_inputs,
    describe_entry_call,
    entry_call,
    entry_kind,
    first_array,
    tensor_problem,
)
from graders.engine.checks.torch_hints import (
    nan_at_infinite_input,
    negative_slope_mistake,
)
from graders.engine.checks.values import cases_of
from graders.engine.compare import compare_output, hidden_summary
from graders.engine.inputs import build_all
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


@register("torch_values")
class TorchValuesCheck:
    """Every case's output tensor must match the reference's within the dtype's tolerance."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        cases = []
        for i, case in enumerate(cases_of(test)):
            args, kwargs = build_all(case.get("args", []), case.get("kwargs", {}), ctx.rng)
            call = entry_call(test, ctx, f"case{i}", args, kwargs)
            cases.append((call, str(case.get("label", ""))))
        ctx.memo["cases"] = cases
        return [call for call, _ in cases]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        hidden = bool(test.get("hidden", False))
        for call, label in ctx.memo["cases"]:
            failure = self.judge_case(test, call, student, reference, ctx)
            if failure:
                prefix = f"{label}: " if label else ""
                return result_for(test, False, prefix + failure)
        return result_for(test, True, "" if hidden else "the output matches the reference")

    def judge_case(
        self,
        test: dict,
        call: Call,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> str | None:
        """The failure message for one case, or None when its output matches."""
        hidden = bool(test.get("hidden", False))
        expected = reference_value(reference, call.name)
        where = "" if hidden else describe_entry_call(test, ctx, call.args, call.kwargs)
        problem = tensor_problem(student.get(call.name), hidden)
        if problem:
            return f"{where}: {problem}" if where else problem
        got = student[call.name].value
        comparison = compare_output(expected, got, test, "torch")
        if comparison.ok:
            return None
        _, x = first_array(call.args)
        if got.dtype != expected.dtype and expected.dtype == x.dtype:
            ctx.add_hint("torch_dtype_changed", got=got.dtype.name, expected=expected.dtype.name)
        if nan_at_infinite_input(x, got, expected):
            ctx.add_hint("nan_at_infinity")
        built_with_defaults = not test.get("init_args") and not test.get("init_kwargs")
        if entry_kind(ctx) == "module" and built_with_defaults:
            slopes = negative_slope_mistake(x, got, expected)
            if slopes:
                ctx.add_hint("wrong_default_slope", **slopes)
        if hidden:
            return hidden_summary(comparison)
        return (
            f"{where}\nexpected: {format_array(expected)}\n"
            f"got:      {format_array(got)}\n{comparison.message}"
        )


@register("torch_no_mutation")
class TorchNoMutationCheck:
    """Every tensor argument must be bit-for-bit unchanged after the forward call."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs = build_inputs(test, ctx)
        ctx.memo["args"] = args
        return [entry_call(test, ctx, "forward", args, kwargs, return_args=True)]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        result = student.get(ctx.call_name("forward"))
        problem = tensor_problem(result, bool(test.get("hidden", False)))
        if problem:
            return result_for(test, False, problem)
        after = result.args_after
        if after is None or len(after) != len(ctx.memo["args"]):
            return result_for(test, False, "the arguments could not be read back after the call")
        for position, (before, now) in enumerate(zip(ctx.memo["args"], after, strict=True)):
            if type(before) is not np.ndarray:
                continue
            changed = changed_elements(before, now)
            if changed:
                ctx.add_hint("torch_mutating_input")
                return result_for(
                    test,
                    False,
                    f"your code changed its tensor argument {position + 1} in place ({changed}); "
                    "the caller's tensor must stay as it was",
                )
        return result_for(test, True, "the input is left unchanged")


@register("torch_property")
class TorchPropertyCheck:
    """The output tensor must have the named property; the reference is not consulted."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs = build_inputs(test, ctx)
        return [entry_call(test, ctx, "forward", args, kwargs)]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        result = student.get(ctx.call_name("forward"))
        problem = tensor_problem(result, bool(test.get("hidden", False)))
        if problem:
            return result_for(test, False, problem)
        out = result.value
        if out.dtype.kind not in "iuf":
            return result_for(
                test, False, f"expected a tensor of numbers, got dtype {out.dtype.name}"
            )
        failure = property_failure(test, out.astype(np.float64))
        if failure:
            return result_for(test, False, failure)
        bounds = {"low": test.get("low"), "high": test.get("high"), "axis": test.get("axis", -1)}
        return result_for(test, True, PROPERTY_NAMES[test["property"]].format(**bounds))
