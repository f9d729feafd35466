"""Grade a code submission: build every test's calls, run the student's and the
reference's module in separate sandbox children, judge each test in the trusted process.
"""

from __future__ import annotations

import ast
import logging
import math
import random
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.engine.checks import CHECKS, CheckContext, ReferenceFailure
from graders.engine.feedback import Message, msg
from graders.engine.hints import (
    HINTS,
    Evidence,
    detect_hints,
    hint_message,
    without_suppressed,
)
from graders.engine.inputs import rng_for
from graders.engine.plot import plan_plot, plot_data
from graders.engine.reference_cache import ReferenceCache
from graders.engine.source_rules import Problem, autograd_function_problem, source_problem
from graders.engine.types import ExerciseSpec, Submission, TestResult, Verdict
from graders.engine.verdicts import failed_verdict, graded_verdict, test_result, zero_verdict
from graders.sandbox.convert import OBJECT_ARRAY_NOTE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graders.sandbox import Call, CallResult, Limits, RunResult, Sandbox

log = logging.getLogger(__name__)

MIB = 1024 * 1024
# The largest source a student may hand in; longer code is refused before any sandbox starts.
MAX_CODE_BYTES = 100_000
# One per process: a worker grading many submissions runs each fixed reference call once.
REFERENCE_CACHE = ReferenceCache()
# The order of isolated calls must not be predictable from the seed, which a student sees.
_SHUFFLE = random.SystemRandom()


def limits_for(spec: ExerciseSpec) -> Limits:
    """The sandbox limits for one run of ``spec``'s code.

    spec: the exercise (``time_limit_seconds``, ``memory_limit_mb``).
    Returns ``Limits``: whole CPU seconds rounded up, a wall clock of twice that plus
    slack for a loaded machine, and the memory allowance in bytes.
    """
    from graders.sandbox import Limits

    cpu = max(1, math.ceil(spec.time_limit_seconds))
    return Limits(
        cpu_seconds=cpu,
        wall_seconds=2.0 * cpu + 2.0,
        memory_bytes=int(spec.memory_limit_mb) * MIB,
    )


def grade_code(spec: ExerciseSpec, submission: Submission, sandbox: Sandbox) -> Verdict:
    """Grade ``submission`` against the code exercise ``spec``.

    spec: a code exercise with ``reference_code``; submission: the student's code and
    seed; sandbox: a started ``graders.sandbox.Sandbox``.
    Returns the Verdict. Nothing the student writes makes this raise: their errors
    give ``status="graded"`` with score 0; a broken reference or sandbox gives
    ``status="failed"``.
    """
    max_score = float(sum(float(t.get("points", 1.0)) for t in spec.spec.get("tests", [])))
    base = {"exercise": spec.slug, "max_score": max_score, "seed": submission.seed}
    code = submission.code
    if not isinstance(code, str) or not code.strip():
        return zero_verdict(base, "empty", msg("error.empty"))
    if len(code.encode("utf-8", "replace")) > MAX_CODE_BYTES:
        return zero_verdict(base, "too_long", msg("error.too_long", limit=MAX_CODE_BYTES))
    tree = _parsed(code)
    if tree is not None:
        problem = source_problem(tree, str(spec.framework))
        if problem is not None:
            return _refused(spec, base, problem)
    return run_and_judge(spec, submission, sandbox)


def run_and_judge(spec: ExerciseSpec, submission: Submission, sandbox: Sandbox) -> Verdict:
    """Run ``submission`` (non-empty code that passed the source rules) and judge it.

    The part of ``grade_code`` after the trusted side read the code; the hostile battery
    also calls it directly, to show the sandbox holds for code those rules would stop.
    Arguments and result as for ``grade_code``.
    """
    max_score = float(sum(float(t.get("points", 1.0)) for t in spec.spec.get("tests", [])))
    base = {"exercise": spec.slug, "max_score": max_score, "seed": submission.seed}
    code = submission.code
    tree = _parsed(code)
    try:
        plan = plan_calls(spec, submission)
    except Exception as exc:  # a malformed spec is the author's fault, never the student's
        log.exception("could not build the calls for %s", spec.slug)
        return failed_verdict(base, "spec", msg("error.spec", detail=str(exc)))
    from graders.sandbox import Job

    calls = tuple(call for _, _, test_calls in plan for call in test_calls)
    try:
        plot = plan_plot(spec, submission, plan)
    except Exception:  # a plot is a courtesy: a spec it cannot use only loses the plot
        log.exception("could not plan the plot for %s", spec.slug)
        plot = None
    if plot is not None and plot.extra:
        # Last, so a student's call that stops the run can never cost a test.
        calls = (*calls, plot.call)
    limits = limits_for(spec)
    forbidden = tuple(spec.spec.get("forbidden", ()))
    cached, to_run, keys = REFERENCE_CACHE.lookup(spec.reference_code or "", spec.framework, calls)
    groups = [group for _, ctx, _ in plan for group in ctx.isolated]
    isolated = {name for group in groups for name in group}
    by_name = {call.name: call for call in calls}

    def student_job(job_calls: Iterable[Call]) -> Job:
        return Job(code=code, calls=tuple(job_calls), framework=spec.framework, forbidden=forbidden)

    jobs = [student_job(c for c in calls if c.name not in isolated)]
    if to_run:
        # The reference is the exercise's own code: it may run in a child kept for it.
        reference_job = Job(
            code=spec.reference_code or "",
            calls=to_run,
            framework=spec.framework,
            forbidden=(),
            resident=True,
        )
        jobs.insert(0, reference_job)
    # The reference and the submission run side by side, each in its own child.
    try:
        runs = sandbox.run_together(tuple(jobs), limits)
    except Exception as exc:
        log.exception("sandbox failed on %s", spec.slug)
        return _sandbox_failed(base, exc)
    student_run = runs[-1]
    reference = dict(cached)
    if to_run:
        reference_run = runs[0]
        if reference_run.status != "ok":
            detail = f"{reference_run.status}: {reference_run.message}"
            return failed_verdict(base, "reference", msg("error.reference", detail=detail))
        REFERENCE_CACHE.store(keys, reference_run.calls)
        reference.update((r.name, r) for r in reference_run.calls)
    if groups and student_run.status == "ok":
        group_jobs = []
        for group in groups:
            order = list(group)
            _SHUFFLE.shuffle(order)
            group_jobs.append(student_job(by_name[name] for name in order))
        try:
            group_runs = sandbox.run_together(tuple(group_jobs), limits)
        except Exception as exc:
            log.exception("sandbox failed on a submission to %s", spec.slug)
            return _sandbox_failed(base, exc)
        # A group that fails (a timeout, a crash) only loses its own calls' tests.
        for group_run in group_runs:
            student_run = _merged(student_run, group_run)
    if student_run.status != "ok":
        verdict = _run_failed(spec, base, student_run)
    else:
        not_own_backward = None
        if tree is not None and spec.spec.get("entry_kind") == "autograd_function":
            not_own_backward = autograd_function_problem(tree, str(spec.entry_point))
        verdict = _judge_all(spec, base, plan, student_run, reference, not_own_backward)
        if plot is not None:
            student = {r.name: r for r in student_run.calls}
            verdict = replace(verdict, plot=plot_data(plot, student, reference))
    return with_output(verdict, student_run) if submission.keep_output else verdict


# The printed output a run keeps (the sandbox keeps up to its output limit).
MAX_KEPT_OUTPUT = 8000


def with_output(verdict: Verdict, run: RunResult) -> Verdict:
    """``verdict`` with what the student's code printed in ``extra["output"]``.

    verdict: the graded verdict; run: the student's sandbox run. Returns a new Verdict
    whose ``extra["output"]`` is ``{"stdout", "truncated"}`` (cut at MAX_KEPT_OUTPUT).
    """
    stdout = run.stdout or ""
    output = {
        "stdout": stdout[:MAX_KEPT_OUTPUT],
        "truncated": bool(run.output_truncated) or len(stdout) > MAX_KEPT_OUTPUT,
    }
    return replace(verdict, extra={**verdict.extra, "output": output})


def _merged(main: RunResult, more: RunResult) -> RunResult:
    """``main`` with the calls of an isolated run added, and both runs' wall time."""
    return replace(main, calls=main.calls + more.calls, wall_ms=main.wall_ms + more.wall_ms)


def _parsed(code: str) -> ast.Module | None:
    """The student's module parsed on the trusted side; None if it does not parse (the
    sandbox then reports the syntax error with its line)."""
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _refused(spec: ExerciseSpec, base: dict[str, Any], problem: Problem) -> Verdict:
    """A verdict of 0 for code that breaks a source rule; nothing of it ran."""
    message = msg("source.refused", rule=problem.message, line=problem.line)
    reason = msg("run.forbidden")
    tests = tuple(
        test_result(t, False, msg("test.not_run", reason=reason))
        for t in spec.spec.get("tests", [])
    )
    return zero_verdict(base, "forbidden", message, tests)


def plan_calls(
    spec: ExerciseSpec, submission: Submission
) -> list[tuple[dict, CheckContext, list[Call]]]:
    """Every test of ``spec`` with its context and the calls it needs.

    spec: a code exercise; submission: supplies the seed for the random inputs.
    Returns ``[(test, ctx, calls), ...]``; raises ValueError when two calls share a name.
    """
    plan, seen = [], set()
    for test in spec.spec.get("tests", []):
        ctx = CheckContext(
            spec=spec,
            rng=rng_for(submission.seed, str(test["name"])),
            entry_point=str(spec.entry_point),
            framework=str(spec.framework),
            test_name=str(test["name"]),
            seed=int(submission.seed),
        )
        calls = CHECKS[test["check"]].calls(test, ctx)
        for call in calls:
            if call.name in seen:
                raise ValueError(f"call name {call.name!r} is used twice")
            seen.add(call.name)
        plan.append((test, ctx, calls))
    return plan


def _sandbox_failed(base: dict[str, Any], exc: Exception) -> Verdict:
    """The verdict when the sandbox itself raised, on the reference or the student's run."""
    return failed_verdict(base, "sandbox", msg("error.sandbox", detail=str(exc)))


def _run_failed(spec: ExerciseSpec, base: dict[str, Any], run: RunResult) -> Verdict:
    """A verdict of 0 for a run that never reached the tests (syntax error, timeout, ...)."""
    reason = msg(f"run.{run.status}" if run.status in RUN_FAILURES else "run.unknown")
    # The sandbox's own message (line of a syntax error, the forbidden name) is data.
    message = msg("run.with_detail", reason=reason, detail=run.message) if run.message else reason
    tests = tuple(
        test_result(t, False, msg("test.not_run", reason=reason))
        for t in spec.spec.get("tests", [])
    )
    return zero_verdict(base, run.status, message, tests)


RUN_FAILURES = (
    "syntax_error",
    "missing_entry_point",
    "forbidden",
    "timeout",
    "memory",
    "output_limit",
    "crash",
    "exception",
)


def _judge_all(
    spec: ExerciseSpec,
    base: dict[str, Any],
    plan: list[tuple[dict, CheckContext, list[Call]]],
    student_run: RunResult,
    reference: dict[str, CallResult],
    not_own_backward: Message | None = None,
) -> Verdict:
    student = {r.name: r for r in student_run.calls}
    detectors = list(spec.spec.get("hints", []))
    results: list[TestResult] = []
    hints: list[tuple[str, Message]] = []
    check_errors: list[str] = []
    for test, ctx, calls in plan:
        names = {c.name for c in calls}
        mine = {n: r for n, r in student.items() if n in names}
        theirs = {n: r for n, r in reference.items() if n in names}
        try:
            result = CHECKS[test["check"]].judge(test, mine, theirs, ctx)
        except ReferenceFailure as exc:
            message = msg("error.reference_in_test", test=str(test["name"]), detail=str(exc))
            return failed_verdict(base, "reference", message)
        except Exception as exc:
            # The student's output was too strange for the check; it fails this test
            # rather than the whole grading, and the engine error is kept for us.
            log.exception("check %s crashed on %s", test["check"], test["name"])
            check_errors.append(f"{test['name']}: {type(exc).__name__}: {exc}")
            result = test_result(test, False, msg("check.unexpected_form"))
        if result.points > 0 and _object_arrays(calls, mine):
            result = _with_object_deduction(test, result)
            ctx.add_hint("object_array")
        if not_own_backward is not None and test["check"] in GRADIENT_CHECKS:
            # Autograd would differentiate any forward; only a Function's own backward
            # earns the gradient tests.
            result = test_result(test, False, not_own_backward)
            ctx.hints.clear()
        results.append(result)
        hints.extend(ctx.hints)
        evidence = Evidence(test=test, calls=calls, student=mine, reference=theirs)
        if not result.passed:
            hints.extend(_on_failure(test, detectors, evidence))
        elif test["check"] not in CHECKS_WITHOUT_VALUES:
            hints.extend(_warnings(test, calls, mine))
    results = _partial_when_nearly_right(plan, results)
    results = _values_first(plan, results)
    results = _nothing_for_nothing(plan, results, student, reference)
    # One hint per name: the first test that triggered it says enough.
    unique: list[tuple[str, Message]] = []
    for name, message in hints:
        if name not in {n for n, _ in unique}:
            unique.append((name, message))
    extra: dict[str, Any] = {"wall_ms": round(student_run.wall_ms, 1)}
    if check_errors:
        extra["check_errors"] = check_errors
    return graded_verdict(base, tuple(results), without_suppressed(unique), extra)


GRADIENT_CHECKS = ("torch_grad", "torch_gradcheck")

# Tests that say something about the output without comparing its values: a function
# that ignores its input or returns a constant would pass them for nothing.
CHECKS_AFTER_VALUES = (
    "property",
    "no_mutation",
    "torch_property",
    "torch_no_mutation",
    # Self-consistency: the identity agrees with its own backward too.
    "torch_gradcheck",
)
VALUES_CHECKS = ("values", "torch_values")


# Partial points for the right elements of a failed values test stand only when this
# share of all the values tests' elements is right: a mistake confined to a few inputs
# (a wrong value at 0) costs its share, while a constant or the input handed back, right
# on about half of the elements by chance, earns nothing.
NEARLY_RIGHT = 0.75


# What a test keeps of its points when its values came back as an object array.
OBJECT_ARRAY_SHARE = 0.8


def _object_arrays(calls: list[Call], student: dict[str, CallResult]) -> bool:
    """Whether the child converted an object array returned by one of ``calls``."""
    return any(
        OBJECT_ARRAY_NOTE in (student[c.name].warnings or ()) for c in calls if c.name in student
    )


def _with_object_deduction(test: dict, result: TestResult) -> TestResult:
    """``result`` with OBJECT_ARRAY_SHARE of its points and the deduction named."""
    original = Message(result.message_id, result.params) if result.message_id else None
    points = result.points * OBJECT_ARRAY_SHARE
    message = msg(
        "values.object_array",
        detail=original or Message.text(result.message, result.message),
        points=round(points, 2),
        max_points=result.max_points,
    )
    return test_result(test, result.passed, message, points=points)


def _partial_when_nearly_right(
    plan: list[tuple[dict, CheckContext, list[Call]]], results: list[TestResult]
) -> list[TestResult]:
    """The results, with partial points of failed values tests kept only when the output
    is right on at least NEARLY_RIGHT of all elements the values tests compared."""
    counts = [ctx.memo["elements"] for _, ctx, _ in plan if "elements" in ctx.memo]
    total = sum(t for _, t in counts)
    if total and sum(r for r, _ in counts) / total >= NEARLY_RIGHT:
        return results
    return [
        replace(result, points=0.0) if not result.passed and result.points > 0 else result
        for (test, ctx, _), result in zip(plan, results, strict=True)
    ]


def _nothing_for_nothing(
    plan: list[tuple[dict, CheckContext, list[Call]]],
    results: list[TestResult],
    student: dict[str, CallResult],
    reference: dict[str, CallResult],
) -> list[TestResult]:
    """Every test at 0 when the values tests show a function that ignores its input: the
    same constant for every input, or each input handed back, where the reference's
    outputs say otherwise (a coincidence such as ones for a depth of 0 earns nothing)."""
    pairs = [
        (call, student[call.name].value, reference[call.name].value)
        for test, _, calls in plan
        if test["check"] in VALUES_CHECKS
        for call in calls
        if call.name in student and call.name in reference and student[call.name].ok
    ]
    if len(pairs) < 2:
        return results
    reason = None
    constants = [_constant(got) for _, got, _ in pairs]
    constant = all(c is not None for c in constants) and len(set(constants)) == 1
    if constant and not all(_constant(exp) == constants[0] for _, _, exp in pairs):
        reason = msg("values.ignores_input", what=msg("values.a_constant"))
    handed_back = all(bool(call.args) and _same(got, call.args[0]) for call, got, _ in pairs)
    if (
        reason is None
        and handed_back
        and not all(_same(exp, call.args[0]) for call, _, exp in pairs)
    ):
        reason = msg("values.ignores_input", what=msg("values.its_input"))
    if reason is None:
        return results
    return [
        test_result(test, False, reason) if result.points > 0 else result
        for (test, _, _), result in zip(plan, results, strict=True)
    ]


def _constant(value: Any) -> float | None:
    """The one number every element of ``value`` (an array or a tuple of them) holds."""
    parts = value if isinstance(value, tuple) else (value,)
    seen: set[float] = set()
    for part in parts:
        if type(part) is not np.ndarray or part.size == 0 or part.dtype.kind not in "biuf":
            return None
        flat = part.astype(np.float64).ravel()
        if not np.all(flat == flat[0]):
            return None
        seen.add(float(flat[0]))
    return seen.pop() if len(seen) == 1 else None


def _same(value: Any, arg: Any) -> bool:
    """Whether ``value`` is ``arg`` handed back (same numbers and shapes, lists as tuples)."""
    if isinstance(arg, (list, tuple)):
        return (
            isinstance(value, tuple)
            and len(value) == len(arg)
            and all(_same(v, a) for v, a in zip(value, arg, strict=True))
        )
    if type(value) is not np.ndarray or type(arg) is not np.ndarray:
        return False
    return value.shape == arg.shape and bool(
        np.array_equal(value.astype(np.float64), arg.astype(np.float64), equal_nan=True)
    )


def _values_first(
    plan: list[tuple[dict, CheckContext, list[Call]]], results: list[TestResult]
) -> list[TestResult]:
    """Property and mutation points count only once some test of the values earned points.

    plan: the tests as planned; results: their results, in the same order.
    Returns the results, with those tests set to 0 when every values test scored nothing.
    """
    judged_values = [
        r
        for (test, _, _), r in zip(plan, results, strict=True)
        if test["check"] not in CHECKS_AFTER_VALUES and r.max_points > 0
    ]
    if not judged_values or any(r.points > 0 for r in judged_values):
        return results
    gated = []
    for (test, _, _), result in zip(plan, results, strict=True):
        if test["check"] in CHECKS_AFTER_VALUES and result.points > 0:
            result = test_result(test, False, msg("values_first"))
        gated.append(result)
    return gated


def _on_failure(test: dict, detectors: list[str], evidence: Evidence) -> list[tuple[str, Message]]:
    """Hints for a failed test: its own ``hint_on_fail`` plus every detector that fires."""
    found = []
    name = test.get("hint_on_fail")
    if name in HINTS:
        found.append((name, hint_message(name)))
    try:
        found.extend(detect_hints(detectors, evidence))
    except Exception:
        log.exception("a hint detector crashed on %s", test["name"])
    return found


# A passed mutation test says nothing about the values, so its warnings are not
# reported as "your values were right".
CHECKS_WITHOUT_VALUES = ("no_mutation", "torch_no_mutation")

# Underflow to 0 (exp(-1000)) is the right answer, not a sign of a fragile formula.
WARNINGS_WORTH_A_HINT = ("overflow", "invalid value", "divide by zero")


def _warnings(
    test: dict, calls: list[Call], student: dict[str, CallResult]
) -> list[tuple[str, Message]]:
    """A hint when a passed test's calls raised numerical warnings (never a penalty)."""
    for call in calls:
        result = student.get(call.name)
        for warning in result.warnings if result is not None else ():
            if any(kind in warning for kind in WARNINGS_WORTH_A_HINT):
                message = hint_message("numerical_warning", test=test["name"], warning=warning)
                return [("numerical_warning", message)]
    return []
