"""Forward-pass checks for PyTorch exercises: values, input mutation, properties.

- ``torch_values``: the output is a tensor with the reference's values, shape and dtype
  (the reference keeps the input's dtype, so a float32 input needs a float32 output).
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
from graders.engine.checks.torch_hints import add_torch_hint, negative_slope_mistake
from graders.engine.compare import compare_output, hidden_summary
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


@register("torch_values")
class TorchValuesCheck:
    """The output tensor must match the reference's within the dtype's tolerance."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs = build_inputs(test, ctx)
        ctx.memo["args"], ctx.memo["kwargs"] = args, kwargs
        return [entry_call(test, ctx, "forward", args, kwargs)]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        hidden = bool(test.get("hidden", False))
        name = ctx.call_name("forward")
        expected = reference_value(reference, name)
        where = (
            ""
            if hidden
            else describe_entry_call(test, ctx, ctx.memo["args"], ctx.memo["kwargs"]) + ": "
        )
        result = student.get(name)
        problem = tensor_problem(result, hidden)
        if problem:
            return result_for(test, False, where + problem)
        got = result.value
        comparison = compare_output(expected, got, test, "torch")
        if comparison.ok:
            return result_for(test, True, "" if hidden else "the output matches the reference")
        _, x = first_array(ctx.memo["args"])
        if got.dtype != expected.dtype and expected.dtype == x.dtype:
            add_torch_hint(
                ctx, "torch_dtype_changed", got=got.dtype.name, expected=expected.dtype.name
            )
        built_with_defaults = not test.get("init_args") and not test.get("init_kwargs")
        if entry_kind(ctx) == "module" and built_with_defaults:
            slopes = negative_slope_mistake(x, got, expected)
            if slopes:
                add_torch_hint(ctx, "wrong_default_slope", **slopes)
        if hidden:
            return result_for(test, False, hidden_summary(comparison))
        return result_for(
            test,
            False,
            f"{where.rstrip(': ')}\nexpected: {format_array(expected)}\n"
            f"got:      {format_array(got)}\n{comparison.message}",
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
                add_torch_hint(ctx, "torch_mutating_input")
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
