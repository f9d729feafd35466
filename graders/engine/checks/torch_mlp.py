"""Checks for the MLP exercise, judged from the student's own weights.

The student's module initialises its weights randomly, so its output cannot be
compared with the reference's. Instead each call returns the module's parameters and
structure (``Call.return_parameters``), and the trusted side recomputes
``relu(x @ W1.T + b1) @ W2.T + b2`` from those weights.

- ``torch_mlp_structure``: two ``nn.Linear`` layers of shapes in->hidden->out, with
  biases, and an output of shape ``(batch, out_features)``.
- ``torch_mlp_forward``: the output equals the formula from the module's own weights.
- ``torch_mlp_logits``: no softmax, sigmoid or ReLU after the last layer.
- ``torch_mlp_grad``: the gradient with respect to ``x`` reaches the input and equals
  ``((v @ W2) * (x @ W1.T + b1 > 0)) @ W1`` for the upstream gradient ``v``.

Test keys: ``args`` (one input description, shape ``(batch, in_features)``),
``init_args = [in_features, hidden_features, out_features]``, optional ``rtol``/``atol``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from graders.engine.arrays import format_array
from graders.engine.checks import register
from graders.engine.checks.base import CheckContext, result_for
from graders.engine.checks.torch_common import (
    TORCH,
    describe_entry_call,
    differentiated_input,
    grad_of,
)
from graders.engine.feedback import Message, msg
from graders.engine.tolerance import Tolerance, compare_arrays, dtype_problem
from graders.engine.types import TestResult

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

# Float32 matrix products accumulate rounding error across the hidden layer, so the
# absolute tolerance is a little looser than the elementwise float32 default.
MLP_RTOL = 1e-4
MLP_ATOL = 1e-5


@dataclass(frozen=True)
class MlpWeights:
    """The two layers' weights and biases, as float64 arrays."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def hidden_pre(self, x: np.ndarray) -> np.ndarray:
        """The first layer's output before the ReLU, for input x (float64)."""
        return x @ self.w1.T + self.b1

    def logits(self, x: np.ndarray) -> np.ndarray:
        """relu(x @ W1.T + b1) @ W2.T + b2: what the MLP must return for x."""
        return np.maximum(self.hidden_pre(x), 0) @ self.w2.T + self.b2


def sizes(test: dict) -> tuple[int, int, int]:
    """``(in_features, hidden_features, out_features)`` from the test's ``init_args``."""
    in_f, hidden_f, out_f = (int(n) for n in test["init_args"])
    return in_f, hidden_f, out_f


def find_layers(
    parameters: dict[str, np.ndarray] | None, test: dict
) -> tuple[MlpWeights | None, Message | None]:
    """Pick out W1, b1, W2, b2 from a module's named parameters by their shapes.

    parameters: ``named_parameters()`` as returned by the sandbox (None if absent);
    test: the test dict (its ``init_args`` give the expected sizes).
    Returns ``(weights, "")`` or ``(None, reason)`` with a reason a student can act on.
    """
    in_f, hidden_f, out_f = sizes(test)
    wanted = f"Linear({in_f}, {hidden_f}) and Linear({hidden_f}, {out_f})"
    if not parameters:
        return None, msg("mlp.no_parameters", wanted=wanted)
    matrices = {n: p for n, p in parameters.items() if type(p) is np.ndarray and p.ndim == 2}
    if len(matrices) != 2:
        found = f"{len(matrices)} weight matrices"
        return None, msg("mlp.layers", wanted=wanted, found=found)
    by_shape = {p.shape: n for n, p in matrices.items()}
    first, second = by_shape.get((hidden_f, in_f)), by_shape.get((out_f, hidden_f))
    if first is None or second is None:
        found = ", ".join(str(p.shape) for p in matrices.values())
        wanted = f"{wanted}, weights of shapes {(hidden_f, in_f)} and {(out_f, hidden_f)}"
        return None, msg("mlp.layers", wanted=wanted, found=f"weights of shapes {found}")
    biases = []
    for weight_name, size in ((first, hidden_f), (second, out_f)):
        bias = (
            parameters.get(weight_name[: -len("weight")] + "bias")
            if weight_name.endswith("weight")
            else None
        )
        if type(bias) is not np.ndarray or bias.shape != (size,):
            layer = weight_name.rsplit(".", 1)[0]
            return None, msg("mlp.layers", wanted=wanted, found=f"{layer} without a bias")
        biases.append(bias)
    extra = sorted(set(parameters) - {first, second} - {first[:-6] + "bias", second[:-6] + "bias"})
    if extra:
        return None, msg("mlp.layers", wanted=wanted, found=f"extra parameters {extra}")
    weights = MlpWeights(
        matrices[first].astype(np.float64),
        biases[0].astype(np.float64),
        matrices[second].astype(np.float64),
        biases[1].astype(np.float64),
    )
    return weights, None


def module_output(
    result: CallResult, x: np.ndarray, test: dict
) -> tuple[np.ndarray | None, Message | None]:
    """The student's output if the tensor returned has x's dtype and shape ``(batch, out)``.

    result: the student's CallResult, known to hold a tensor; x: the input sent; test: the
    test dict. Returns ``(output, "")`` or ``(None, reason)``.
    """
    out = result.value
    wrong_dtype = dtype_problem(x, out, "same")
    if wrong_dtype:
        return None, wrong_dtype
    shape = (x.shape[0], sizes(test)[2])
    if out.shape != shape:
        message = msg("mlp.output_shape", batch=str(x.shape), shape=str(shape), got=str(out.shape))
        return None, message
    return out, None


def softmax_rows(z: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, stable (for diagnosing a softmax at the end)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def final_activation(out: np.ndarray, logits: np.ndarray) -> str | None:
    """Which activation the student applied after the last layer, if any.

    out: the student's output (float64); logits: the logits from their own weights.
    Returns ``"softmax"``, ``"sigmoid"``, ``"relu"`` or None.
    """
    tol = Tolerance(MLP_RTOL, MLP_ATOL)
    candidates = {
        "softmax": softmax_rows(logits),
        "sigmoid": 1 / (1 + np.exp(-logits)),
        "relu": np.maximum(logits, 0),
    }
    for name, candidate in candidates.items():
        if name == "relu" and not np.any(logits < 0):
            continue
        if compare_arrays(candidate, out, tol).ok:
            return name
    return None


@dataclass(frozen=True)
class MlpRun:
    """A usable forward call: its result, its output (right dtype and shape), the two layers."""

    result: CallResult
    out: np.ndarray
    weights: MlpWeights


class _MlpCheck:
    """Shared calls and judging: one forward call returning the module's parameters.

    ``judge`` fails the test when the call gave no usable output (an error, a wrong dtype or
    shape, layers that are not the MLP's); otherwise the subclass's ``judge_mlp`` decides.
    """

    with_upstream = False

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs, _, x = differentiated_input(test, ctx)
        options: dict = {"return_parameters": True}
        if self.with_upstream:
            upstream = ctx.rng.standard_normal((x.shape[0], sizes(test)[2])).astype(x.dtype)
            options["upstream"] = upstream
            ctx.memo["upstream"] = upstream
        ctx.memo.update(args=args, kwargs=kwargs, x=x)
        return [TORCH.one_call(test, ctx, args, kwargs, **options)]

    def judge(
        self,
        test: dict,
        student: dict[str, CallResult],
        reference: dict[str, CallResult],
        ctx: CheckContext,
    ) -> TestResult:
        result, problem = TORCH.one_result(test, student, ctx)
        if problem:
            return result_for(test, False, problem)
        out, reason = module_output(result, ctx.memo["x"], test)
        if out is None:
            return result_for(test, False, reason)
        weights, reason = find_layers(result.parameters, test)
        if weights is None:
            return result_for(test, False, reason)
        return self.judge_mlp(test, ctx, MlpRun(result, out, weights))

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        """Judge the student's call, known to be usable (see ``MlpRun``)."""
        raise NotImplementedError

    def tolerance(self, test: dict) -> Tolerance:
        return Tolerance(float(test.get("rtol", MLP_RTOL)), float(test.get("atol", MLP_ATOL)))


@register("torch_mlp_structure")
class TorchMlpStructureCheck(_MlpCheck):
    """Two nn.Linear layers with the right shapes and biases, and the right output shape."""

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        linears = [name for name, cls in (run.result.modules or ()) if cls == "Linear"]
        if len(linears) != 2:
            found = f"{len(linears)} nn.Linear submodules"
            return result_for(test, False, msg("mlp.layers", wanted="", found=found))
        in_f, hidden_f, out_f = sizes(test)
        wanted = f"Linear({in_f}, {hidden_f}) and Linear({hidden_f}, {out_f})"
        return result_for(test, True, msg("mlp.layers_passed", wanted=wanted))


@register("torch_mlp_forward")
class TorchMlpForwardCheck(_MlpCheck):
    """The output equals relu(x @ W1.T + b1) @ W2.T + b2 from the module's own weights."""

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        out, weights = run.out, run.weights
        hidden = bool(test.get("hidden", False))
        x = ctx.memo["x"].astype(np.float64)
        expected = weights.logits(x)
        comparison = compare_arrays(expected, out.astype(np.float64), self.tolerance(test))
        if comparison.ok:
            return result_for(test, True, msg("mlp.forward_passed"))
        activation = final_activation(out.astype(np.float64), expected)
        if activation:
            ctx.add_hint("activation_on_logits", activation=activation)
        linear_only = x @ weights.w1.T @ weights.w2.T + weights.b1 @ weights.w2.T + weights.b2
        if compare_arrays(linear_only, out.astype(np.float64), self.tolerance(test)).ok:
            ctx.add_hint("missing_hidden_activation")
        if hidden:
            counts = {"mismatches": comparison.mismatches, "size": comparison.size}
            return result_for(test, False, msg("mlp.forward_hidden", **counts))
        call = describe_entry_call(test, ctx, ctx.memo["args"], ctx.memo["kwargs"])
        message = msg(
            "mlp.forward_mismatch",
            call=call,
            expected=format_array(expected.astype(out.dtype)),
            got=format_array(out),
            detail=comparison.detail,
        )
        return result_for(test, False, message)


@register("torch_mlp_logits")
class TorchMlpLogitsCheck(_MlpCheck):
    """No activation after the last layer: nn.CrossEntropyLoss wants raw logits."""

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        out, weights = run.out, run.weights
        logits = weights.logits(ctx.memo["x"].astype(np.float64))
        activation = final_activation(out.astype(np.float64), logits)
        if activation:
            ctx.add_hint("activation_on_logits", activation=activation)
            return result_for(test, False, msg("mlp.logits_failed", activation=activation))
        return result_for(test, True, msg("mlp.logits_passed"))


@register("torch_mlp_grad")
class TorchMlpGradCheck(_MlpCheck):
    """The gradient with respect to x flows back through both layers and the ReLU."""

    with_upstream = True

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        weights = run.weights
        hidden = bool(test.get("hidden", False))
        got = grad_of(run.result, 0)
        if got is None:
            ctx.add_hint("detached_graph")
            return result_for(test, False, msg("mlp.grad_detached"))
        x, upstream = ctx.memo["x"].astype(np.float64), ctx.memo["upstream"].astype(np.float64)
        expected = ((upstream @ weights.w2) * (weights.hidden_pre(x) > 0)) @ weights.w1
        comparison = compare_arrays(expected, got.astype(np.float64), self.tolerance(test))
        if comparison.ok:
            return result_for(test, True, msg("mlp.grad_passed"))
        if hidden:
            message = msg("mlp.grad_hidden", mismatches=comparison.mismatches)
            return result_for(test, False, message)
        message = msg(
            "mlp.grad_mismatch",
            expected=format_array(expected.astype(got.dtype)),
            got=format_array(got),
            detail=comparison.detail,
        )
        return result_for(test, False, message)
