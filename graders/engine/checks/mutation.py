"""``no_mutation``: the function must leave its array arguments as they were.

Test keys: ``args``/``kwargs`` (input descriptions). The call returns its arguments as
they are after the call; the trusted side compares them with what it sent.

``torch_no_mutation`` (``torch_values.py``) is this check with ``torch_common.TORCH`` as its flavour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graders.engine.checks import register
from graders.engine.checks.base import (
    PLAIN,
    CheckContext,
    CheckFlavour,
    build_inputs,
    result_for,
)
from graders.engine.feedback import Message, msg
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


@register("no_mutation")
class NoMutationCheck:
    """Every ndarray argument must be bit-for-bit unchanged after the call."""

    flavour: CheckFlavour = PLAIN

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs = build_inputs(test, ctx)
        ctx.memo["args"] = args
        return [self.flavour.one_call(test, ctx, args, kwargs, return_args=True)]

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
        after = result.args_after
        if after is None or len(after) != len(ctx.memo["args"]):
            return result_for(test, False, msg("mutation.unreadable"))
        for position, (before, now) in enumerate(zip(ctx.memo["args"], after, strict=True)):
            if type(before) is not np.ndarray:
                continue
            changed = changed_elements(before, now)
            if changed:
                ctx.add_hint(self.flavour.mutation_hint)
                message = msg(self.flavour.mutated, position=position + 1, changed=changed)
                return result_for(test, False, message)
        return result_for(test, True, msg("mutation.unchanged"))


def changed_elements(before: np.ndarray, after: object) -> Message | None:
    """How ``after`` differs from ``before``, or None when they are identical.

    before: the array sent; after: the same argument read back after the call.
    Returns a short description (count of changed elements, or a changed shape/dtype).
    """
    if type(after) is not np.ndarray:
        return msg("mutation.became_type", type=type(after).__name__)
    if after.shape != before.shape or after.dtype != before.dtype:
        return msg("mutation.shape_changed", shape=str(after.shape), dtype=after.dtype.name)
    same = (
        (after == before) | (np.isnan(after) & np.isnan(before))
        if before.dtype.kind == "f"
        else after == before
    )
    count = int(np.count_nonzero(~same))
    return msg("mutation.overwritten", count=count, size=int(before.size)) if count else None
