"""``no_mutation``: the function must leave its array arguments as they were.

Test keys: ``args``/``kwargs`` (input descriptions). The call returns its arguments as
they are after the call; the trusted side compares them with what it sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graders.engine.checks import register
from graders.engine.checks.base import CheckContext, call_problem, make_call, result_for
from graders.engine.checks.values import call_options
from graders.engine.inputs import build_all
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


@register("no_mutation")
class NoMutationCheck:
    """Every ndarray argument must be bit-for-bit unchanged after the call."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs = build_all(test.get("args", []), test.get("kwargs", {}), ctx.rng)
        ctx.memo["args"] = args
        name = ctx.call_name("call")
        return [
            make_call(
                name,
                ctx.entry_point,
                args,
                kwargs,
                return_args=True,
                **call_options(ctx),
            )
        ]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        result = student.get(ctx.call_name("call"))
        problem = call_problem(result, bool(test.get("hidden", False)))
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
                ctx.add_hint("mutating_input")
                return result_for(
                    test,
                    False,
                    f"your function changed its argument {position + 1} in place ({changed}); "
                    "the caller's array must stay as it was",
                )
        return result_for(test, True, "the input is left unchanged")


def changed_elements(before: np.ndarray, after: object) -> str | None:
    """How ``after`` differs from ``before``, or None when they are identical.

    before: the array sent; after: the same argument read back after the call.
    Returns a short description (count of changed elements, or a changed shape/dtype).
    """
    if type(after) is not np.ndarray:
        return f"it became a {type(after).__name__}"
    if after.shape != before.shape or after.dtype != before.dtype:
        return f"its shape or dtype changed to {after.shape} {after.dtype.name}"
    same = (
        (after == before) | (np.isnan(after) & np.isnan(before))
        if before.dtype.kind == "f"
        else after == before
    )
    count = int(np.count_nonzero(~same))
    return f"{count} of {before.size} elements were overwritten" if count else None
