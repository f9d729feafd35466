"""The plot in a verdict: the student's function against the reference, as data.

An exercise asks for one with ``plot`` in its ``[spec]``:

- ``plot = "curve"`` (element-wise functions and their derivatives): both functions are
  called once more, in their sandbox children, on ``PLOT_POINTS`` evenly spaced inputs
  over ``plot_range`` (default -6..6), with the options of the first visible values test
  (its keyword arguments, a module's constructor arguments);
- ``plot = "distribution"`` (softmax): the input, the student's and the reference's
  output of the first visible values test's first case, which already ran.

The trusted process builds ``Verdict.plot`` from what came back:
``{"kind": "curve", "label", "x", "student", "reference", "mismatch"}`` or
``{"kind": "distribution", "label", "input", "student", "reference", "mismatch"}``,
lists of plain floats (``None`` for NaN or infinity, and ``student`` is ``None`` when the
student's call gave nothing usable) with ``mismatch`` marking the points that disagree.
Sizes are bounded, so a verdict stays small. Only visible inputs are used: a plot never
shows anything of a hidden test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.engine.checks import CHECKS, CheckContext
from graders.engine.inputs import build_all, rng_for

if TYPE_CHECKING:
    from graders.engine.types import ExerciseSpec, Submission
    from graders.sandbox import Call, CallResult

PLOT_KINDS = ("curve", "distribution")
PLOT_POINTS = 121
DEFAULT_RANGE = (-6.0, 6.0)
# A distribution longer than this is not drawn (a bar chart of hundreds says nothing).
MAX_DISTRIBUTION = 64
VALUE_CHECKS = ("values", "torch_values")
PLOT_TEST_NAME = "__plot__"
SHOWN_DECIMALS = 6
# Points closer than this (relative and absolute) are drawn as agreeing.
RTOL, ATOL = 1e-4, 1e-6


@dataclass(frozen=True)
class PlotPlan:
    """What a plot needs: its kind, label, the extra call (curves) or the test's call."""

    kind: str
    label: str
    call: Call
    extra: bool


def _first_visible_values_test(
    plan: list[tuple[dict, CheckContext, list[Call]]],
) -> tuple[dict, CheckContext, list[Call]] | None:
    for test, ctx, calls in plan:
        if test.get("check") in VALUE_CHECKS and not test.get("hidden", False) and calls:
            return test, ctx, calls
    return None


def plan_plot(
    spec: ExerciseSpec,
    submission: Submission,
    plan: list[tuple[dict, CheckContext, list[Call]]],
) -> PlotPlan | None:
    """The plot ``spec`` asks for, given the planned tests; None when it asks for none.

    spec: the exercise; submission: supplies the seed; plan: ``code.plan_calls``'s result.
    Returns a PlotPlan; its call is new (run after every test's calls) for a curve, and
    the visible test's first call for a distribution.
    """
    kind = spec.spec.get("plot")
    if kind not in PLOT_KINDS:
        return None
    found = _first_visible_values_test(plan)
    if found is None:
        return None
    test, _, calls = found
    first = calls[0]
    label = f"{spec.entry_point}(x)"
    if kind == "distribution":
        return PlotPlan(kind=kind, label=label, call=first, extra=False)
    low, high = (float(v) for v in spec.spec.get("plot_range", DEFAULT_RANGE))
    dtype = np.asarray(first.args[0]).dtype if first.args else np.dtype("float64")
    x = np.linspace(low, high, PLOT_POINTS).astype(dtype if dtype.kind == "f" else "float64")
    ctx = CheckContext(
        spec=spec,
        rng=rng_for(submission.seed, PLOT_TEST_NAME),
        entry_point=str(spec.entry_point),
        framework=str(spec.framework),
        test_name=PLOT_TEST_NAME,
        seed=int(submission.seed),
    )
    cases = test.get("cases") or [test]
    _, kwargs = build_all([], dict(cases[0].get("kwargs", {})), ctx.rng)
    call = CHECKS[test["check"]].flavour.call(test, ctx, "curve", (x,), kwargs)
    return PlotPlan(kind=kind, label=label, call=call, extra=True)


def _numbers(value: Any, size: int) -> list[float | None] | None:
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        return None
    if array.size != size:
        return None
    return [float(v) if math.isfinite(v) else None for v in array.tolist()]


def _mismatch(student: list[float | None] | None, reference: list[float | None]) -> list[bool]:
    if student is None:
        return [True] * len(reference)
    out = []
    for mine, theirs in zip(student, reference, strict=True):
        if mine is None or theirs is None:
            out.append(mine is not theirs)
        else:
            out.append(abs(mine - theirs) > ATOL + RTOL * abs(theirs))
    return out


def plot_data(
    plot: PlotPlan, student: dict[str, CallResult], reference: dict[str, CallResult]
) -> dict[str, Any] | None:
    """``Verdict.plot`` from the sandbox results (see the module docstring), or None.

    plot: the plan; student, reference: every CallResult by name. Returns None when the
    reference gave nothing drawable (the plot is a courtesy, never a reason to fail).
    """
    theirs = reference.get(plot.call.name)
    if theirs is None or not theirs.ok:
        return None
    first = np.asarray(plot.call.args[0], dtype=np.float64).reshape(-1) if plot.call.args else None
    if first is None or first.size == 0:
        return None
    if plot.kind == "distribution" and first.size > MAX_DISTRIBUTION:
        return None
    size = int(first.size)
    expected = _numbers(theirs.value, size)
    if expected is None:
        return None
    mine = student.get(plot.call.name)
    got = _numbers(mine.value, size) if mine is not None and mine.ok else None
    inputs = [float(v) if math.isfinite(v) else None for v in first.tolist()]
    return {
        "kind": plot.kind,
        "label": plot.label,
        "x" if plot.kind == "curve" else "input": _shown(inputs),
        "student": _shown(got) if got is not None else None,
        "reference": _shown(expected),
        "mismatch": _mismatch(got, expected),
    }


def _shown(values: list[float | None]) -> list[float | None]:
    # Drawn, not judged (mismatch used every digit): six decimals are below a pixel and
    # keep the verdict, which every result post and page load carries, a third the size.
    return [None if v is None else round(v, SHOWN_DECIMALS) for v in values]
