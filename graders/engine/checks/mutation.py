"""``no_mutation``: the function must leave its array arguments as they were.

Test keys: ``args``/``kwargs`` (input descriptions). The verdict rests on the worker's
own reading of the caller's memory: the sandbox hands the student's function views over
shared memory the worker owns and reads the array arguments back after the run
(``CallResult.caller_args_after``, see ``graders/sandbox/shared_inputs.py``). The child's
own account (``args_after``) can only fail the test: it still shows changes the memory
cannot, such as a tensor whose ``.data`` was swapped for another one.

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
        sent = ctx.memo["args"]
        seen = result.caller_args_after
        if seen is None or len(seen) != len(sent):
            return result_for(test, False, msg("mutation.unreadable"))
        claimed = result.args_after
        if claimed is None or len(claimed) != len(sent):
            claimed = (None,) * len(sent)
        for position, before in enumerate(sent):
            if type(before) is not np.ndarray:
                continue
            changed = changed_elements(before, seen[position]) if before.size else None
            if changed is None and claimed[position] is not None:
                changed = changed_elements(before, claimed[position])
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
