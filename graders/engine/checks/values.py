"""``values``: the output equals the reference's (values, shape, dtype policy).

Test keys: ``args`` and ``kwargs`` (input descriptions, see ``graders.engine.inputs``)
for a single case, or ``cases = [{label, args, kwargs}, ...]`` for several (batch and
axis handling); optional ``dtype`` policy, ``rtol``, ``atol``.

``torch_values`` (``torch_values.py``) is this check with ``torch_common.TORCH`` as its flavour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graders.engine.arrays import format_array
from graders.engine.checks import register
from graders.engine.checks.base import (
    PLAIN,
    CheckContext,
    CheckFlavour,
    reference_value,
    result_for,
)
from graders.engine.compare import compare_output, hidden_summary
from graders.engine.feedback import Message, msg
from graders.engine.inputs import build_all
from graders.engine.tolerance import Comparison
from graders.engine.types import TestResult
from graders.engine.verdicts import test_result

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


def cases_of(test: dict) -> list[dict]:
    """The cases of a values-style test: ``cases`` or the single ``args``/``kwargs``.

    test: the test dict. Returns a list of ``{label, args, kwargs}`` descriptions.
    """
    if "cases" in test:
        return [dict(c) for c in test["cases"]]
    return [{"label": "", "args": test.get("args", []), "kwargs": test.get("kwargs", {})}]


@register("values")
class ValuesCheck:
    """Every case's output must match the reference's within the dtype tolerance."""

    flavour: CheckFlavour = PLAIN

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        calls, labels = [], []
        for i, case in enumerate(cases_of(test)):
            args, kwargs = build_all(case.get("args", []), case.get("kwargs", {}), ctx.rng)
            calls.append(self.flavour.call(test, ctx, f"case{i}", args, kwargs))
            label = case.get("label", "")
            labels.append(label if isinstance(label, dict) else str(label))
        ctx.memo["calls"], ctx.memo["labels"] = calls, labels
        return calls

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        first_failure, shares, right, total = None, [], 0, 0
        for call, label in zip(ctx.memo["calls"], ctx.memo["labels"], strict=True):
            comparison: list[Comparison] = []
            failure = judge_call(
                call, label, test, student, reference, ctx, self.flavour, comparison
            )
            size = comparison[0].size if comparison else 0
            wrong = comparison[0].mismatches if comparison else 0
            if failure is None:
                expected = reference.get(call.name)
                size = int(getattr(getattr(expected, "value", None), "size", 0) or 0)
            shares.append(1.0 if failure is None else (1 - wrong / size if size else 0.0))
            right, total = right + size - wrong, total + size
            first_failure = first_failure or failure
        # What the engine needs to decide whether partial points stand (see code.py).
        ctx.memo["elements"] = (right, total)
        if first_failure is None:
            return result_for(test, True, msg(self.flavour.values_passed))
        share = sum(shares) / len(shares)
        return test_result(test, False, first_failure, points=share * float(test.get("points", 1)))


def judge_call(
    call: Call,
    label: str,
    test: dict,
    student: dict[str, CallResult],
    reference: dict[str, CallResult],
    ctx: CheckContext,
    flavour: CheckFlavour = PLAIN,
    comparison_out: list[Comparison] | None = None,
) -> Message | None:
    """Judge one call of a values-style test.

    call: the Call that ran; label: the case's label ("" if none); test, student,
    reference, ctx: as for ``Check.judge``; flavour: how the call was made and is read;
    comparison_out: if given, receives the element-wise Comparison of an output that
    could be compared (right shape and dtype).
    Returns the failure message, or None when the output matches.
    """
    hidden = bool(test.get("hidden", False))
    expected = reference_value(reference, call.name)
    problem = flavour.problem(student.get(call.name), hidden)
    if problem:
        if not hidden:
            described = flavour.describe(test, ctx, call.args, call.kwargs)
            problem = msg("values.call_problem", call=described, problem=problem)
        return _where(label, problem)
    got = student[call.name].value
    comparison = compare_output(expected, got, test, flavour.compared_as(ctx))
    if comparison.ok:
        return None
    # Only a comparison of the values themselves counts wrong elements (a wrong shape or
    # dtype has none counted and earns no share).
    if comparison_out is not None and comparison.size > 0 and comparison.mismatches > 0:
        comparison_out.append(comparison)
    flavour.on_mismatch(test, call, got, expected, ctx)
    if hidden:
        return _where(label, hidden_summary(comparison))
    return _where(
        label,
        msg(
            "values.mismatch",
            call=flavour.describe(test, ctx, call.args, call.kwargs),
            expected=format_array(expected),
            got=format_array(got),
            detail=comparison.detail,
        ),
    )


def _where(label: str | dict, message: Message) -> Message:
    """``message`` after a case's label (a text, or ``{"en", "ko"}`` from the catalog)."""
    return msg("case.where", label=label, message=message) if label else message
