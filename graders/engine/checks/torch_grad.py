"""Gradient checks for PyTorch exercises, judged only from plain data.

- ``torch_grad``: the gradient autograd computes through the student's code, for a
  random upstream gradient, equals the one it computes through the reference's.
- ``torch_gradcheck``: the student's gradient agrees with central differences of the
  student's own forward pass, in float64 (what ``torch.autograd.gradcheck`` checks).
  A ``gradcheck`` run inside the student's process would hand back a bool the student
  controls, so here the child only returns forward values and ``.grad`` arrays and the
  differencing happens on the trusted side.

Test keys: ``args``/``kwargs`` (input descriptions; the first array argument is the one
differentiated), ``init_args``/``init_kwargs`` for modules, optional ``upstream_shape``
(defaults to the input's shape, right for elementwise functions and softmax),
``rtol``/``atol``. For ``torch_gradcheck`` also ``eps`` (default 1e-6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from graders.engine.arrays import format_array
from graders.engine.checks import register
from graders.engine.checks.base import CheckContext, ReferenceFailure, reference_value, result_for
from graders.engine.checks.torch_common import (
    describe_entry_call,
    differentiated_input,
    entry_call,
    entry_kind,
    first_array,
    grad_of,
    tensor_problem,
)
from graders.engine.checks.torch_hints import backward_mistake
from graders.engine.compare import compare_output, hidden_summary
from graders.engine.feedback import Message, msg
from graders.engine.tolerance import Tolerance, compare_arrays
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

# torch.autograd.gradcheck's own defaults for float64.
GRADCHECK_RTOL = 1e-3
GRADCHECK_ATOL = 1e-5
GRADCHECK_EPS = 1e-6
RANDOM_DIRECTIONS = 4


def upstream_for(test: dict, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random upstream gradient (the ``v`` in ``v^T J``) for one call.

    test: the test dict (``upstream_shape`` overrides the input's shape); x: the input
    differentiated; rng: the test's Generator. Returns a standard-normal array of x's dtype.
    """
    shape = tuple(test.get("upstream_shape", x.shape))
    return rng.standard_normal(shape).astype(x.dtype)


def gradient_problem(result: CallResult, position: int, ctx: CheckContext) -> Message | None:
    """Why the call has no usable gradient for argument ``position``, or None.

    result: the student's CallResult (already known to be a tensor); position: the
    argument index; ctx: the check context (the hint goes there). Returns a message, or None.
    """
    if grad_of(result, position) is not None:
        return None
    if entry_kind(ctx) == "autograd_function":
        # Function.forward runs without a graph, so a missing gradient can only come
        # from backward returning None (or from a forward output that is not used).
        ctx.add_hint("backward_returned_none")
        return msg("grad.backward_none")
    ctx.add_hint("detached_graph")
    return msg("grad.detached")


def backward_call(test: dict, ctx: CheckContext, args: tuple, kwargs: dict, position: int) -> Call:
    """The call that runs autograd from a random upstream gradient, named ``backward``.

    test: the test dict; ctx: the check context (``position`` and the upstream drawn are
    kept in ``ctx.memo``); args, kwargs: the call arguments; position: the index of the
    argument differentiated. Returns the Call.
    """
    upstream = upstream_for(test, args[position], ctx.rng)
    ctx.memo.update(position=position, upstream=upstream)
    return entry_call(test, ctx, "backward", args, kwargs, upstream=upstream)


def student_backward(
    student: dict[str, CallResult], ctx: CheckContext, hidden: bool
) -> tuple[CallResult | None, Message | None]:
    """The student's ``backward`` call and why it gave no tensor or no gradient.

    student: the student's CallResults; ctx: the check context (hints go there);
    hidden: leave error text out. Returns ``(result, problem)``; problem is None when the
    call returned a tensor and a gradient reached the differentiated argument.
    """
    result = student.get(ctx.call_name("backward"))
    problem = tensor_problem(result, hidden) or gradient_problem(result, ctx.memo["position"], ctx)
    return result, problem


@register("torch_grad")
class TorchGradCheck:
    """The student's input gradient must match the reference's for the same upstream."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs, position, _ = differentiated_input(test, ctx)
        ctx.memo.update(args=args, kwargs=kwargs)
        return [backward_call(test, ctx, args, kwargs, position)]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        hidden = bool(test.get("hidden", False))
        name, position = ctx.call_name("backward"), ctx.memo["position"]
        reference_value(reference, name)
        expected = grad_of(reference[name], position)
        if expected is None:
            raise ReferenceFailure(f"the reference left no gradient for call {name!r}")
        where = (
            "" if hidden else describe_entry_call(test, ctx, ctx.memo["args"], ctx.memo["kwargs"])
        )
        result, problem = student_backward(student, ctx, hidden)
        if problem:
            if where:
                problem = msg("grad.where", call=where, message=problem)
            return result_for(test, False, problem)
        got = grad_of(result, position)
        comparison = compare_output(expected, got, test, "torch")
        if comparison.ok:
            return result_for(test, True, msg("grad.passed"))
        same_shape = got.shape == expected.shape
        if same_shape and np.any(np.isfinite(expected) & ~np.isfinite(got.astype(np.float64))):
            ctx.add_hint("gradient_overflow")
        _, x = first_array(ctx.memo["args"])
        mistake = backward_mistake(x, ctx.memo["upstream"], got, expected)
        if mistake:
            ctx.add_hint(mistake)
        if hidden:
            return result_for(
                test, False, msg("grad.differs_hidden", detail=hidden_summary(comparison))
            )
        message = msg(
            "grad.mismatch",
            call=where,
            upstream=format_array(ctx.memo["upstream"]),
            expected=format_array(expected),
            got=format_array(got),
            detail=comparison.detail,
        )
        return result_for(test, False, message)


def gradcheck_input(x: np.ndarray, eps: float) -> np.ndarray:
    """``x`` moved at least ``1000 * eps`` away from 0.

    ReLU-like exercises have a kink at 0, where central differences measure the average
    of the two one-sided slopes and no backward can agree; keeping every element clear
    of it (a shift of at most 1e-3) makes the check fair without changing what it tests.
    x: the drawn input; eps: the differencing step. Returns a new array.
    """
    margin = 1000 * eps
    return np.where(np.abs(x) < margin, np.where(x < 0, -margin, margin), x).astype(x.dtype)


def directions_for(x: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """The directions ``u`` along which the gradient is checked.

    x: the input; rng: the test's Generator. Returns RANDOM_DIRECTIONS unit-norm random
    arrays of x's dtype (one wrong element of a gradient shows in every one of them).
    One-hot directions would let a child that saw two probes work out the point itself.
    """
    directions = []
    for _ in range(RANDOM_DIRECTIONS):
        u = rng.standard_normal(x.shape)
        directions.append((u / np.linalg.norm(u)).astype(x.dtype))
    return directions


@register("torch_gradcheck")
class TorchGradcheckCheck:
    """The student's backward must agree with central differences of their own forward."""

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs, position, x = differentiated_input(test, ctx)
        eps = float(test.get("eps", GRADCHECK_EPS))
        x = gradcheck_input(x, eps)

        def with_x(value: np.ndarray) -> tuple:
            return args[:position] + (value,) + args[position + 1 :]

        # The upstream is drawn before the directions: the rng order fixes which inputs a
        # seed replays.
        calls = [backward_call(test, ctx, with_x(x), kwargs, position)]
        directions = directions_for(x, ctx.rng)
        plus = [
            entry_call(test, ctx, f"plus{k}", with_x(x + eps * u), kwargs)
            for k, u in enumerate(directions)
        ]
        minus = [
            entry_call(test, ctx, f"minus{k}", with_x(x - eps * u), kwargs)
            for k, u in enumerate(directions)
        ]
        # A forward that remembers the point it was asked about (or pairs a probe with its
        # mirror) could bend its values to agree with any backward: each side of the
        # differences runs in a child that never saw the point nor the other side.
        ctx.isolate([call.name for call in plus])
        ctx.isolate([call.name for call in minus])
        ctx.memo.update(directions=directions, eps=eps, x=x)
        return calls + plus + minus

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        hidden = bool(test.get("hidden", False))
        position, eps = ctx.memo["position"], ctx.memo["eps"]
        upstream, directions, x = ctx.memo["upstream"], ctx.memo["directions"], ctx.memo["x"]
        result, problem = student_backward(student, ctx, hidden)
        if problem:
            return result_for(test, False, problem)
        if result.value.dtype != x.dtype:
            message = msg("gradcheck.dtype", dtype=x.dtype.name, got=result.value.dtype.name)
            return result_for(test, False, message)
        grad = grad_of(result, position).astype(np.float64)
        analytic, numeric = [], []
        for k, u in enumerate(directions):
            outputs = []
            for side in (f"plus{k}", f"minus{k}"):
                side_result = student.get(ctx.call_name(side))
                problem = tensor_problem(side_result, hidden)
                if problem:
                    return result_for(test, False, msg("gradcheck.near", problem=problem))
                outputs.append(side_result.value.astype(np.float64))
            if outputs[0].shape != upstream.shape or outputs[1].shape != upstream.shape:
                return result_for(test, False, msg("gradcheck.shape", shape=str(upstream.shape)))
            numeric.append(float(np.sum(upstream * (outputs[0] - outputs[1])) / (2 * eps)))
            analytic.append(float(np.sum(grad * u)))
        tol = Tolerance(
            float(test.get("rtol", GRADCHECK_RTOL)), float(test.get("atol", GRADCHECK_ATOL))
        )
        if not np.all(np.isfinite(numeric)):
            # NaN would "match" NaN in compare_arrays; a forward that is not finite near the
            # test point has no derivative to agree with.
            return result_for(test, False, msg("gradcheck.not_finite"))
        comparison = compare_arrays(np.asarray(numeric), np.asarray(analytic), tol)
        if comparison.ok:
            return result_for(test, True, msg("gradcheck.passed"))
        if not np.all(np.isfinite(analytic)):
            ctx.add_hint("gradient_overflow")
        summary = msg(
            "gradcheck.disagrees",
            dtype=x.dtype.name,
            mismatches=comparison.mismatches,
            count=len(directions),
        )
        if hidden:
            return result_for(test, False, summary)
        index = comparison.worst_index[0] if comparison.worst_index else 0
        message = msg(
            "gradcheck.disagrees_worst",
            summary=summary,
            index=index,
            analytic=analytic[index],
            numeric=numeric[index],
        )
        return result_for(test, False, message)
