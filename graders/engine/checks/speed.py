"""``speed``: a large input, timed against the reference; slowness is a hint, not a penalty.

Test keys: ``args``/``kwargs`` (typically ``{shape = [10000]}``: a Python loop's cost per
element already shows at 10^4 elements, where a whole-array function takes microseconds,
so a bigger input only makes every submission dearer), ``slowdown`` (the
factor over the reference that triggers the hint, default 20) and the usual tolerance
keys. The test passes when the values are right; a function that looks like a Python
loop over the elements gets a hint with the measured slowdown: more than ``slowdown``
times slower than the reference, or slower than ``LOOP_SECONDS_PER_ELEMENT`` while at
least ``MIN_SLOWDOWN`` times slower. The function runs twice on the same input and the
faster run counts, so one preemption on a busy machine is not taken for a loop. Timing
only ever feeds hints, because it varies from run to run.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from graders.engine.checks import register
from graders.engine.checks.base import PLAIN, CheckContext, build_inputs, result_for
from graders.engine.checks.values import judge_call
from graders.engine.feedback import msg
from graders.engine.inputs import rng_for
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

# Below this many seconds a slowdown is noise (and not worth a student's attention).
# Measured on 10^4 float64 elements: the fastest CPython loop (a list comprehension over
# ``x.tolist()``) takes 0.73 ms, an index loop 1.0 ms, ``np.vectorize`` 1.9 ms, while a
# stable sigmoid with masks takes 0.16 ms and ten whole-array passes 0.07 ms.
MIN_SECONDS = 0.0005
# A reference that is itself careful (masks for stability) can be within 20x of a
# loop, and a noisy machine shrinks the ratio further. Even the fastest CPython loop
# costs over 70 ns per element, while whole-array NumPy stays under 20 ns.
LOOP_SECONDS_PER_ELEMENT = 5e-8
# ...but on a machine slow for everyone, a small ratio is not a loop.
MIN_SLOWDOWN = 3.0


@register("speed")
class SpeedCheck:
    """Right values on a large input pass; the slowdown over the reference is reported."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        # The large input depends on the test alone, not the submission's seed: it only
        # measures time, and a fixed input lets a worker keep the reference's answer
        # (graders/engine/reference_cache.py) instead of recomputing the large input's values per job.
        fixed = dataclasses.replace(ctx, rng=rng_for(0, ctx.test_name))
        args, kwargs = build_inputs(test, fixed)
        call = PLAIN.call(test, ctx, "large", args, kwargs)
        again = PLAIN.call(test, ctx, "again", args, kwargs)
        ctx.memo.update(call=call, again=again)
        return [call, again]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        call = ctx.memo["call"]
        # Large inputs are never shown, so the values part is judged as a hidden test.
        failure = judge_call(call, "", {**test, "hidden": True}, student, reference, ctx)
        if failure:
            return result_for(test, False, failure)
        names = (call.name, ctx.memo["again"].name)
        mine = min(student[n].seconds if n in student else float("inf") for n in names)
        theirs = min(reference[n].seconds if n in reference else float("inf") for n in names)
        size = sum(getattr(a, "size", 0) for a in call.args)
        slowdown = mine / max(theirs, 1e-6)
        message = msg("speed.passed", size=int(size), seconds=mine, slowdown=slowdown)
        loop_like = slowdown >= float(test.get("slowdown", 20)) or (
            size and mine / size >= LOOP_SECONDS_PER_ELEMENT and slowdown >= MIN_SLOWDOWN
        )
        if mine >= MIN_SECONDS and loop_like:
            ctx.add_hint("slow_loop", seconds=mine, slowdown=slowdown, size=size)
        return result_for(test, True, message)
