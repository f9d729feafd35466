"""Checks for the MLP exercise, judged against weights the grader chose.

The child is asked to overwrite every parameter of the module it built with numbers from a
pool the trusted side drew (``Call.load_parameters``), in ``named_parameters()`` order. The
trusted side rebuilds the layers from its own copy of the pool and the parameter shapes the
call reports, and checks the output against them. Whatever the child claims about its
parameters, points come only from outputs that equal a computation over the grader's
numbers: a module with no layers that reports fake parameters explains nothing.

The output is explained as a chain of linear layers (input -> ... -> output, chained by
shape), with a ReLU or nothing between them and possibly one final activation. Each test
charges one part of that explanation, so one mistake costs one test:

- ``torch_mlp_structure``: two ``nn.Linear`` layers in->hidden->out with biases, and an
  output the grader's weights explain (the child's own count of ``nn.Linear`` submodules
  can only cost this test, never earn it).
- ``torch_mlp_forward``: a ReLU between the layers (any final activation is the logits
  test's business).
- ``torch_mlp_logits``: no softmax, log-softmax, sigmoid or ReLU after the last layer.
- ``torch_mlp_grad``: the gradient with respect to ``x`` reaches the input and equals
  backpropagation through the explained computation, for an upstream gradient ``v``.

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
# Enough numbers for any module of a few small layers; a bigger one cannot be loaded.
POOL_SIZE = 4096
FINAL_ACTIVATIONS = ("softmax", "log_softmax", "sigmoid", "relu")


def sizes(test: dict) -> tuple[int, int, int]:
    """``(in_features, hidden_features, out_features)`` from the test's ``init_args``."""
    in_f, hidden_f, out_f = (int(n) for n in test["init_args"])
    return in_f, hidden_f, out_f


def weight_pool(rng: np.random.Generator) -> np.ndarray:
    """The numbers the child loads into the module: float32, uniform in [-0.6, 0.6]."""
    return rng.uniform(-0.6, 0.6, POOL_SIZE).astype(np.float32)


def pooled_parameters(
    reported: dict[str, np.ndarray] | None, pool: np.ndarray
) -> dict[str, np.ndarray] | None:
    """The module's parameters as the grader loaded them: reported names and shapes, the
    grader's own numbers (the reported values are ignored). None if the pool is too small."""
    parameters, offset = {}, 0
    for name, value in (reported or {}).items():
        if type(value) is not np.ndarray:
            return None
        size = int(value.size)
        if offset + size > pool.size:
            return None
        parameters[name] = pool[offset : offset + size].reshape(value.shape).astype(np.float64)
        offset += size
    return parameters


@dataclass(frozen=True)
class Layer:
    """One linear layer of the grader's numbers: ``x @ weight.T + bias`` (float64)."""

    name: str
    weight: np.ndarray
    bias: np.ndarray


def chain_layers(
    parameters: dict[str, np.ndarray], test: dict
) -> tuple[list[Layer] | None, Message | None]:
    """The linear layers leading from ``in_features`` to ``out_features``, in order.

    Every 2-D parameter ``*weight`` must have a ``*bias`` of its row count, and the layers
    must chain by shape. Returns ``(layers, None)`` or ``(None, reason)``.
    """
    in_f, hidden_f, out_f = sizes(test)
    wanted = f"Linear({in_f}, {hidden_f}) and Linear({hidden_f}, {out_f})"
    if not parameters:
        return None, msg("mlp.no_parameters", wanted=wanted)
    layers = []
    for name, value in parameters.items():
        if value.ndim != 2:
            continue
        bias = parameters.get(name[: -len("weight")] + "bias") if name.endswith("weight") else None
        if bias is None or bias.shape != (value.shape[0],):
            layer = name.rsplit(".", 1)[0]
            return None, msg("mlp.layers", wanted=wanted, found=f"{layer} without a bias")
        layers.append(Layer(name.rsplit(".", 1)[0], value, bias))
    used = {n for layer in layers for n in parameters if n.rsplit(".", 1)[0] == layer.name}
    extra = sorted(set(parameters) - used)
    if extra:
        return None, msg("mlp.layers", wanted=wanted, found=f"extra parameters {extra}")
    chain, width, left = [], in_f, list(layers)
    while left:
        following = [layer for layer in left if layer.weight.shape[1] == width]
        if len(following) != 1:
            break
        chain.append(following[0])
        left.remove(following[0])
        width = following[0].weight.shape[0]
    if left or width != out_f or not chain:
        found = ", ".join(str(layer.weight.shape) for layer in layers) or "none"
        return None, msg("mlp.layers", wanted=wanted, found=f"weights of shapes {found}")
    return chain, None


@dataclass(frozen=True)
class Explanation:
    """How the output came out of the layers: ReLU between them or not, a final activation."""

    layers: tuple[Layer, ...]
    hidden_relu: bool
    final: str | None

    def _steps(self, x: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        pre, h = [], x
        for k, layer in enumerate(self.layers):
            z = h @ layer.weight.T + layer.bias
            pre.append(z)
            last = k == len(self.layers) - 1
            h = z if last or not self.hidden_relu else np.maximum(z, 0)
        return pre, h

    def output(self, x: np.ndarray) -> np.ndarray:
        """The explained module's output for x (float64)."""
        _, logits = self._steps(x)
        return apply_final(self.final, logits)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The last layer's output, before any final activation."""
        return self._steps(x)[1]

    def input_grad(self, x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        """d(sum(upstream * output)) / dx, by backpropagation through the explanation."""
        pre, logits = self._steps(x)
        g = final_backward(self.final, logits, upstream)
        for k in range(len(self.layers) - 1, -1, -1):
            if k < len(self.layers) - 1 and self.hidden_relu:
                g = g * (pre[k] > 0)
            g = g @ self.layers[k].weight
        return g


def softmax_rows(z: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, stable."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def apply_final(name: str | None, z: np.ndarray) -> np.ndarray:
    """``name`` (one of FINAL_ACTIVATIONS, or None for none) applied to the logits z."""
    if name == "softmax":
        return softmax_rows(z)
    if name == "log_softmax":
        return np.log(softmax_rows(z))
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "relu":
        return np.maximum(z, 0)
    return z


def final_backward(name: str | None, z: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The gradient with respect to the logits z of ``sum(v * apply_final(name, z))``."""
    if name == "softmax":
        s = softmax_rows(z)
        return s * (v - np.sum(v * s, axis=-1, keepdims=True))
    if name == "log_softmax":
        return v - softmax_rows(z) * np.sum(v, axis=-1, keepdims=True)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return v * s * (1 - s)
    if name == "relu":
        return v * (z > 0)
    return v


def explain(
    out: np.ndarray, layers: list[Layer], x: np.ndarray, tol: Tolerance
) -> Explanation | None:
    """The first explanation of ``out`` (float64) by the grader's layers, or None."""
    for hidden_relu in (True, False):
        if not hidden_relu and len(layers) < 2:
            break
        for final in (None, *FINAL_ACTIVATIONS):
            candidate = Explanation(tuple(layers), hidden_relu, final)
            if compare_arrays(candidate.output(x), out, tol).ok:
                return candidate
    return None


@dataclass(frozen=True)
class MlpRun:
    """A usable forward call: its result, output, the grader's layers and their explanation."""

    result: CallResult
    out: np.ndarray
    x: np.ndarray
    layers: tuple[Layer, ...]
    explanation: Explanation | None


def module_output(
    result: CallResult, x: np.ndarray, test: dict
) -> tuple[np.ndarray | None, Message | None]:
    """The student's output if the tensor returned has x's dtype and shape ``(batch, out)``."""
    out = result.value
    wrong_dtype = dtype_problem(x, out, "same")
    if wrong_dtype:
        return None, wrong_dtype
    shape = (x.shape[0], sizes(test)[2])
    if out.shape != shape:
        message = msg("mlp.output_shape", batch=str(x.shape), shape=str(shape), got=str(out.shape))
        return None, message
    return out, None


class _MlpCheck:
    """Shared calls and judging: one forward call with the grader's weights loaded.

    ``judge`` fails the test when the call gave no usable output (an error, a wrong dtype or
    shape, no layers that chain from input to output); otherwise ``judge_mlp`` decides.
    """

    with_upstream = False

    def calls(self, test: dict, ctx: CheckContext) -> list[Call]:
        args, kwargs, _, x = differentiated_input(test, ctx)
        pool = weight_pool(ctx.rng)
        options: dict = {"return_parameters": True, "load_parameters": pool}
        if self.with_upstream:
            upstream = ctx.rng.standard_normal((x.shape[0], sizes(test)[2])).astype(x.dtype)
            options["upstream"] = upstream
            ctx.memo["upstream"] = upstream
        ctx.memo.update(args=args, kwargs=kwargs, x=x, pool=pool)
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
        x = ctx.memo["x"]
        out, reason = module_output(result, x, test)
        if out is None:
            return result_for(test, False, reason)
        parameters = pooled_parameters(result.parameters, ctx.memo["pool"])
        if parameters is None:
            detail = f"it has more than {POOL_SIZE} numbers in its parameters"
            return result_for(test, False, msg("mlp.not_loadable", detail=detail))
        layers, reason = chain_layers(parameters, test)
        if layers is None:
            return result_for(test, False, reason)
        x64 = x.astype(np.float64)
        explanation = explain(out.astype(np.float64), layers, x64, self.tolerance(test))
        run = MlpRun(result, out, x64, tuple(layers), explanation)
        if explanation is not None and explanation.final is not None:
            ctx.add_hint("activation_on_logits", activation=explanation.final)
        if explanation is not None and not explanation.hidden_relu:
            ctx.add_hint("missing_hidden_activation")
        return self.judge_mlp(test, ctx, run)

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        """Judge the student's call, known to be usable (see ``MlpRun``)."""
        raise NotImplementedError

    def tolerance(self, test: dict) -> Tolerance:
        return Tolerance(float(test.get("rtol", MLP_RTOL)), float(test.get("atol", MLP_ATOL)))

    def unexplained(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        """The output is no computation of the grader's weights: the expected logits shown."""
        expected = Explanation(run.layers, True, None).output(run.x)
        comparison = compare_arrays(expected, run.out.astype(np.float64), self.tolerance(test))
        if test.get("hidden", False):
            counts = {"mismatches": comparison.mismatches, "size": comparison.size}
            return result_for(test, False, msg("mlp.forward_hidden", **counts))
        call = describe_entry_call(test, ctx, ctx.memo["args"], ctx.memo["kwargs"])
        message = msg(
            "mlp.forward_mismatch",
            call=call,
            expected=format_array(expected.astype(run.out.dtype)),
            got=format_array(run.out),
            detail=comparison.detail,
        )
        return result_for(test, False, message)


@register("torch_mlp_structure")
class TorchMlpStructureCheck(_MlpCheck):
    """Two nn.Linear layers with the right shapes and biases, used by the output."""

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        if run.explanation is None:
            return self.unexplained(test, ctx, run)
        in_f, hidden_f, out_f = sizes(test)
        wanted = f"Linear({in_f}, {hidden_f}) and Linear({hidden_f}, {out_f})"
        shapes = [layer.weight.shape for layer in run.layers]
        if shapes != [(hidden_f, in_f), (out_f, hidden_f)]:
            found = "layers of weight shapes " + ", ".join(str(s) for s in shapes)
            return result_for(test, False, msg("mlp.layers", wanted=wanted, found=found))
        # The child's own list of submodules can only cost points: a module that hides a
        # third layer gains nothing by it.
        linears = [name for name, cls in (run.result.modules or ()) if cls == "Linear"]
        if run.result.modules is not None and len(linears) > 2:
            found = f"{len(linears)} nn.Linear submodules"
            return result_for(test, False, msg("mlp.layers", wanted=wanted, found=found))
        return result_for(test, True, msg("mlp.layers_passed", wanted=wanted))


@register("torch_mlp_forward")
class TorchMlpForwardCheck(_MlpCheck):
    """The layers' outputs go through a ReLU between them (the final activation aside)."""

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        if run.explanation is None:
            return self.unexplained(test, ctx, run)
        if not run.explanation.hidden_relu:
            return result_for(test, False, msg("mlp.hidden_relu_missing"))
        return result_for(test, True, msg("mlp.forward_passed"))


@register("torch_mlp_logits")
class TorchMlpLogitsCheck(_MlpCheck):
    """No activation after the last layer: nn.CrossEntropyLoss wants raw logits."""

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        if run.explanation is None:
            return self.unexplained(test, ctx, run)
        if run.explanation.final is not None:
            return result_for(
                test, False, msg("mlp.logits_failed", activation=run.explanation.final)
            )
        return result_for(test, True, msg("mlp.logits_passed"))


@register("torch_mlp_grad")
class TorchMlpGradCheck(_MlpCheck):
    """The gradient with respect to x flows back through the computation the output shows."""

    with_upstream = True

    def judge_mlp(self, test: dict, ctx: CheckContext, run: MlpRun) -> TestResult:
        if run.explanation is None:
            return self.unexplained(test, ctx, run)
        hidden = bool(test.get("hidden", False))
        got = grad_of(run.result, 0)
        if got is None:
            ctx.add_hint("detached_graph")
            return result_for(test, False, msg("mlp.grad_detached"))
        upstream = ctx.memo["upstream"].astype(np.float64)
        expected = run.explanation.input_grad(run.x, upstream)
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
