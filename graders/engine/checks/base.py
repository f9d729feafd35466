"""The Check protocol every test kind implements, and helpers the checks share.

A code exercise's ``[spec]`` lists tests (``[[spec.tests]]``), each
``{name, check, points, hidden, ...check-specific keys}``. For each test the engine looks
up ``CHECKS[test["check"]]``, asks it for the sandbox Calls it needs (the same calls run
in the student's Job and in the reference's Job), then asks it to judge the results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from graders.engine.arrays import format_array
from graders.engine.feedback import Message, msg
from graders.engine.inputs import build_all
from graders.engine.types import ExerciseSpec, TestResult
from graders.engine.verdicts import test_result

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult


class ReferenceFailure(Exception):
    """The reference solution did not produce what a check needs: the exercise is broken."""


@dataclass
class CheckContext:
    """What a check may know while building and judging one test.

    ``rng`` is derived from the submission seed and the test name; ``hints`` collects
    ``(name, text)`` of the hints (see ``graders.engine.hints``) the check wants shown;
    ``memo`` keeps what ``calls`` built (the inputs) for ``judge``, which gets the same
    context object.
    """

    spec: ExerciseSpec
    rng: np.random.Generator
    entry_point: str
    framework: str
    test_name: str
    seed: int
    hints: list[tuple[str, Message]] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    isolated: list[tuple[str, ...]] = field(default_factory=list)

    def isolate(self, names: list[str]) -> None:
        """Run the calls ``names`` in a fresh child of their own, in an order the child
        cannot predict, so that nothing it kept from other calls can shape their values."""
        self.isolated.append(tuple(names))

    def call_name(self, suffix: str) -> str:
        """A call name unique across the job: the test name, a slash, then ``suffix``."""
        return f"{self.test_name}/{suffix}"

    def add_hint(self, name: str, **details: Any) -> None:
        """Ask for the hint ``name`` (a key of ``hints.HINTS``) to appear in the verdict.

        name: the hint's name; details: values for the placeholders in its message.
        """
        from graders.engine.hints import hint_message

        entry = (name, hint_message(name, **details))
        if entry not in self.hints:
            self.hints.append(entry)


class Check(Protocol):
    """One kind of test. Implementations are registered with ``checks.register(name)``."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        """The sandbox Calls this test needs (names prefixed with the test name)."""
        ...

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        """Judge the student's results of this test's calls; missing names never ran."""
        ...


def make_call(
    name: str, target: str, args: tuple = (), kwargs: dict | None = None, **options: Any
) -> Call:
    """Build a sandbox Call.

    name: the unique call name; target: the module-level name to call;
    args, kwargs: plain data arguments; options: other Call fields (``return_args``,
    ``construct``, ``method``, ``tensors``, ``upstream``, ``return_parameters``).
    Returns a ``graders.sandbox.Call``.
    """
    # Imported here so the pure parts of the engine (tolerances, inputs, judging)
    # load and test without the sandbox package.
    from graders.sandbox import Call

    return Call(name=name, target=target, args=tuple(args), kwargs=dict(kwargs or {}), **options)


def build_inputs(test: dict, ctx: CheckContext) -> tuple[tuple, dict]:
    """The test's concrete ``args`` and ``kwargs`` (see ``graders.engine.inputs``).

    test: the test dict; ctx: the check context (its rng draws random inputs).
    Returns ``(args, kwargs)``.
    """
    return build_all(test.get("args", []), test.get("kwargs", {}), ctx.rng)


def describe_call(entry_point: str, args: tuple, kwargs: dict[str, Any]) -> str:
    """``entry_point(args..., key=value)`` with arrays truncated, for visible feedback."""
    parts = [format_array(a) for a in args] + [f"{k}={format_array(v)}" for k, v in kwargs.items()]
    return f"{entry_point}({', '.join(parts)})"


class CheckFlavour:
    """How a check calls the entry point, reads its answer and words its feedback.

    The generic checks (``values``, ``no_mutation``, ``property``, ...) and their ``torch_*``
    twins share one implementation each and differ only in their flavour: this one calls a
    plain function (its array arguments become tensors in a torch exercise) and accepts any
    array of numbers; ``torch_common.TORCH`` calls whatever ``entry_kind`` says and wants a
    ``torch.Tensor`` back.
    """

    # The call name (after the test name) of a check that makes only one call.
    single_call = "call"
    values_passed = "values.passed"
    mutation_hint = "mutating_input"
    # A message id with the parameters ``position`` and ``changed``.
    mutated = "mutation.changed"

    def call(
        self, test: dict, ctx: CheckContext, suffix: str, args: tuple, kwargs: dict, **options: Any
    ) -> Call:
        """A Call of the entry point named ``<test name>/<suffix>``.

        test: the test dict; ctx: the check context; args, kwargs: the call arguments;
        options: further Call fields (``return_args``, ``upstream``, ...). Returns the Call.
        """
        if ctx.framework == "torch":
            options["tensors"] = True
        return make_call(ctx.call_name(suffix), ctx.entry_point, args, kwargs, **options)

    def one_call(
        self, test: dict, ctx: CheckContext, args: tuple, kwargs: dict, **options: Any
    ) -> Call:
        """The Call of a check that makes only one, named ``single_call`` (see ``call``)."""
        return self.call(test, ctx, self.single_call, args, kwargs, **options)

    def one_result(
        self, test: dict, student: dict[str, CallResult], ctx: CheckContext
    ) -> tuple[CallResult | None, Message | None]:
        """The student's result of that one call, and why it is unusable.

        test: the test dict (a hidden test's error text is left out); student: the
        student's CallResults; ctx: the check context. Returns ``(result, problem)``;
        problem is None when the result is usable.
        """
        result = student.get(ctx.call_name(self.single_call))
        return result, self.problem(result, bool(test.get("hidden", False)))

    def problem(self, result: CallResult | None, hidden: bool) -> Message | None:
        """Why the student's call gave no usable value (see ``call_problem``), or None."""
        return call_problem(result, hidden)

    def describe(self, test: dict, ctx: CheckContext, args: tuple, kwargs: dict) -> str:
        """How a visible test's call reads in Python, for feedback."""
        return describe_call(ctx.entry_point, args, kwargs)

    def compared_as(self, ctx: CheckContext) -> str:
        """The framework whose dtype policy ``compare_output`` applies."""
        return ctx.framework

    def not_numbers(self, out: np.ndarray | None) -> Message:
        """The message for an output that is not an array of numbers (None: not an array)."""
        return msg("output.not_numbers")

    def on_mismatch(
        self, test: dict, call: Call, got: Any, expected: Any, ctx: CheckContext
    ) -> None:
        """Ask for hints about a wrong output (none for plain functions)."""


PLAIN = CheckFlavour()


def result_for(
    test: dict, passed: bool, message: Message, points: float | None = None
) -> TestResult:
    """A TestResult for ``test``: full points when passed, none otherwise (or ``points``).

    test: the test dict; passed: whether it passed; message: feedback for the student;
    points: a partial score. Returns the TestResult (see ``verdicts.test_result``).
    """
    return test_result(test, passed, message, points)


def reference_value(reference: dict[str, CallResult], name: str) -> Any:
    """The reference's return value for call ``name``.

    reference: the reference's CallResults by name; name: the call name.
    Returns the value; raises ReferenceFailure when the call is missing or failed.
    """
    result = reference.get(name)
    if result is None:
        raise ReferenceFailure(f"the reference never ran call {name!r}")
    if not result.ok:
        raise ReferenceFailure(f"the reference failed call {name!r}: {result.error}")
    return result.value


def call_problem(result: CallResult | None, hidden: bool) -> Message | None:
    """Why the student's call gave no usable value, or None when it returned normally.

    result: the student's CallResult (None: the call never ran); hidden: whether the
    test is hidden (then the error text, which may quote inputs, is left out).
    Returns a message for the student, or None.
    """
    if result is None:
        return msg("call.never_ran")
    if result.ok:
        return None
    if result.error_kind == "unsupported_return":
        return msg("call.unsupported_return", error=result.error or "")
    error = result.error or "an error"
    if hidden:
        return msg("call.raised_hidden", exception=exception_name(error))
    return msg("call.raised", error=error)


def exception_name(error: str) -> str:
    """The exception type from an error text ("ValueError: ..." or a trimmed traceback).

    error: the CallResult's error text. Returns e.g. "ValueError", or "an error".
    """
    lines = [line for line in error.strip().splitlines() if line.strip()]
    # NumPy's messages run over several lines (np.int's ends with a URL), so the type is
    # the last line that starts like "SomeError: ...", not whatever the last line holds.
    named = [m.group(1) for line in lines if (m := _EXCEPTION_LINE.match(line))]
    if named:
        return named[-1]
    if not lines:
        return "an error"
    name = lines[-1].split(":", 1)[0].strip()
    plain = name.replace(".", "").replace("_", "").isalnum() and name not in ("http", "https")
    return name if plain else "an error"


_EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Interrupt|Exit|Iteration))(?::|$)"
)
