"""``stability``: named probes at the edges of floating point, compared with the reference.

Test keys: ``probes`` (names from PROBES), optional ``kwargs`` applied to every probe
(e.g. ``{axis = 0}``), and the usual ``rtol``/``atol``/``dtype``. The message names the
probe that failed ("large magnitudes (+-1000)"), so even a hidden stability test tells
the student where to look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graders.engine.checks import register
from graders.engine.checks.base import PLAIN, CheckContext, result_for
from graders.engine.checks.values import judge_call
from graders.engine.feedback import msg
from graders.engine.inputs import build
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

# name -> (label shown to the student, input description)
PROBES: dict[str, tuple[str, dict]] = {
    "large": (
        "large magnitudes (+-1000)",
        {"values": [-1000.0, -500.0, -30.0, 0.0, 30.0, 500.0, 1000.0]},
    ),
    "large_rows": (
        "large logits (around 1000) in a batch",
        {
            "values": [
                [1000.0, 1001.0, 1002.0],
                [-1000.0, -1001.0, -1002.0],
                [1000.0, 0.0, -1000.0],
            ]
        },
    ),
    "tiny": (
        "tiny magnitudes (1e-300, subnormals)",
        {"values": [-1e-300, -1e-30, -5e-324, 0.0, 5e-324, 1e-30, 1e-300]},
    ),
    "inf": ("infinities (+-inf)", {"values": [-np.inf, -1.0, 0.0, 1.0, np.inf]}),
    "neg_inf": ("a -inf logit", {"values": [-np.inf, 0.0, 1.0]}),
    "nan": (
        "NaN in the input (it should come out as NaN)",
        {"values": [np.nan, -1.0, 0.0, 1.0]},
    ),
    "empty": ("an empty array", {"values": [], "dtype": "float64"}),
    "empty_rows": ("an empty batch (shape (0, 4))", {"shape": [0, 4]}),
    "scalar": ("a 0-d array", {"values": 0.5}),
    "float32": ("a float32 input", {"shape": [16], "scale": 3.0, "dtype": "float32"}),
    "float32_large": (
        "large float32 magnitudes (+-100)",
        {"values": [-100.0, -50.0, 0.0, 50.0, 100.0], "dtype": "float32"},
    ),
    "matrix": ("a 2-D input", {"shape": [4, 5], "scale": 3.0}),
}


@register("stability")
class StabilityCheck:
    """Each probe's output must match the reference's; NaN and inf must match too."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        calls, labels = [], []
        kwargs = {k: build(v, ctx.rng) for k, v in test.get("kwargs", {}).items()}
        for name in test["probes"]:
            _, desc = PROBES[name]
            calls.append(PLAIN.call(test, ctx, name, (build(desc, ctx.rng),), kwargs))
            labels.append(msg(f"probe.{name}"))
        ctx.memo["calls"], ctx.memo["labels"] = calls, labels
        return calls

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        failures = []
        for call, label in zip(ctx.memo["calls"], ctx.memo["labels"], strict=True):
            failure = judge_call(call, label, test, student, reference, ctx)
            if failure:
                failures.append((label, failure))
        if failures:
            # The first failure in full; the rest by probe only, to keep feedback short.
            message = failures[0][1]
            if len(failures) > 1:
                others = [label for label, _ in failures[1:]]
                message = msg("stability.failures", first=message, others=others)
            return result_for(test, False, message)
        return result_for(test, True, msg("stability.passed", labels=ctx.memo["labels"]))
