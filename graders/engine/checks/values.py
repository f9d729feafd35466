"""``values``: the output equals the reference's (values, shape, dtype policy).

Test keys: ``args`` and ``kwargs`` (input descriptions, see ``graders.engine.inputs``)
for a single case, or ``cases = [{label, args, kwargs}, ...]`` for several (batch and
axis handling); optional ``dtype`` policy, ``rtol``, ``atol``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graders.engine.checks import register
from graders.engine.checks.base import (
    CheckContext,
    call_problem,
    format_array,
    make_call,
    reference_value,
    result_for,
)
from graders.engine.compare import compare_output, hidden_summary
from graders.engine.inputs import build_all
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


def cases_of(test: dict) -> list[dict]:
    """The cases of a values-style test: ``cases`` or the single ``args``/``kwargs``.

    test: the test dict. Returns a list of ``{label, args, kwargs}`` descriptions.
    """
    if "cases" in test:
        return [dict(c) for c in test["cases"]]
    return [{"label": "", "args": test.get("args", []), "kwargs": test.get("kwargs", {})}]


def describe_call(entry_point: str, args: tuple, kwargs: dict[str, Any]) -> str:
    """``entry_point(args..., key=value)`` with arrays truncated, for visible feedback."""
    parts = [format_array(a) for a in args] + [f"{k}={format_array(v)}" for k, v in kwargs.items()]
    return f"{entry_point}({', '.join(parts)})"


def call_options(ctx: CheckContext) -> dict[str, Any]:
    """Call options every values-style call needs for the exercise's framework."""
    return {"tensors": True} if ctx.framework == "torch" else {}


@register("values")
class ValuesCheck:
    """Every case's output must match the reference's within the dtype tolerance."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        calls = []
        for i, case in enumerate(cases_of(test)):
            args, kwargs = build_all(case.get("args", []), case.get("kwargs", {}), ctx.rng)
            calls.append(
                make_call(
                    ctx.call_name(f"case{i}"),
                    ctx.entry_point,
                    args,
                    kwargs,
                    **call_options(ctx),
                )
            )
        ctx.memo["calls"] = calls
        ctx.memo["labels"] = [c.get("label", "") for c in cases_of(test)]
        return calls

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        hidden = bool(test.get("hidden", False))
        for call, label in zip(ctx.memo["calls"], ctx.memo["labels"], strict=True):
            failure = judge_call(call, label, test, student, reference, ctx)
            if failure:
                return result_for(test, False, failure)
        return result_for(test, True, "" if hidden else "all outputs match the reference")


def judge_call(
    call: Call,
    label: str,
    test: dict,
    student: dict[str, CallResult],
    reference: dict[str, CallResult],
    ctx: CheckContext,
) -> str | None:
    """Judge one call of a values-style test.

    call: the Call that ran; label: the case's label ("" if none); test, student,
    reference, ctx: as for ``Check.judge``.
    Returns the failure message, or None when the output matches.
    """
    hidden = bool(test.get("hidden", False))
    expected = reference_value(reference, call.name)
    where = f"{label}: " if label else ""
    problem = call_problem(student.get(call.name), hidden)
    if problem:
        if hidden:
            return f"{where}{problem}"
        return f"{where}{describe_call(ctx.entry_point, call.args, call.kwargs)}: {problem}"
    comparison = compare_output(expected, student[call.name].value, test, ctx.framework)
    if comparison.ok:
        return None
    if hidden:
        return f"{where}{hidden_summary(comparison)}"
    return (
        f"{where}{describe_call(ctx.entry_point, call.args, call.kwargs)}\n"
        f"expected: {format_array(expected)}\n"
        f"got:      {format_array(student[call.name].value)}\n"
        f"{comparison.message}"
    )
