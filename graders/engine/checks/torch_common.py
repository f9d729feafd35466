"""What the PyTorch checks share: how to call the student's entry point, and how to read it.

``TORCH`` is the flavour (see ``base.CheckFlavour``) that turns the generic ``values``,
``no_mutation`` and ``property`` checks into ``torch_values``, ``torch_no_mutation`` and
``torch_property``.

A torch exercise's ``[spec]`` says what its entry point is with ``entry_kind``:

- ``"function"`` (default): ``entry_point(*args, **kwargs)``, e.g. ``softmax(x, dim=0)``.
- ``"module"``: an ``nn.Module`` class, built per call as
  ``entry_point(*init_args, **init_kwargs)`` (test keys) and then called on the args.
- ``"autograd_function"``: a ``torch.autograd.Function``, called as ``entry_point.apply(*args)``.

Array arguments always cross as tensors of the same dtype (``Call.tensors``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from graders.engine.checks.base import (
    CheckContext,
    CheckFlavour,
    build_inputs,
    call_problem,
    describe_call,
    make_call,
)
from graders.engine.checks.torch_hints import nan_at_infinite_input, negative_slope_mistake
from graders.engine.feedback import Message, msg

if TYPE_CHECKING:
    from graders.sandbox import Call, CallResult

ENTRY_KINDS = ("function", "module", "autograd_function")

# What the sandbox reports as the Python type of a returned tensor; nn.Parameter is a
# Tensor subclass a module might legitimately hand back.
TENSOR_TYPES = ("Tensor", "Parameter")


def entry_kind(ctx: CheckContext) -> str:
    """The exercise's ``entry_kind``.

    ctx: the check context. Returns one of ENTRY_KINDS; raises ValueError for another.
    """
    kind = str(ctx.spec.spec.get("entry_kind", "function"))
    if kind not in ENTRY_KINDS:
        raise ValueError(f"entry_kind must be one of {ENTRY_KINDS}, not {kind!r}")
    return kind


def entry_call(
    test: dict,
    ctx: CheckContext,
    suffix: str,
    args: tuple,
    kwargs: dict,
    **options: Any,
) -> Call:
    """A Call into the student's entry point, whatever kind of object it is.

    test: the test dict (``init_args``/``init_kwargs`` build a module); ctx: the check
    context; suffix: the call's name within the test; args, kwargs: the call arguments;
    options: further Call fields (``upstream``, ``return_args``, ``return_parameters``).
    Returns the Call, with ``tensors=True``.
    """
    kind = entry_kind(ctx)
    if kind == "module":
        options["construct"] = (
            tuple(test.get("init_args", ())),
            dict(test.get("init_kwargs", {})),
        )
    elif kind == "autograd_function":
        options["method"] = "apply"
    return make_call(ctx.call_name(suffix), ctx.entry_point, args, kwargs, tensors=True, **options)


def describe_entry_call(test: dict, ctx: CheckContext, args: tuple, kwargs: dict) -> str:
    """How a visible test's call reads in Python, e.g. ``LeakyReLU(0.2)(x=[...])``.

    test, ctx: as for ``entry_call``; args, kwargs: the call arguments.
    Returns the text, with arrays truncated.
    """
    kind = entry_kind(ctx)
    if kind == "module":
        init = [repr(a) for a in test.get("init_args", ())]
        init += [f"{k}={v!r}" for k, v in dict(test.get("init_kwargs", {})).items()]
        head = f"{ctx.entry_point}({', '.join(init)})"
    elif kind == "autograd_function":
        head = f"{ctx.entry_point}.apply"
    else:
        head = ctx.entry_point
    return describe_call(head, args, kwargs)


def tensor_problem(result: CallResult | None, hidden: bool) -> Message | None:
    """Why the student's call gave no tensor, or None when it returned one.

    result: the student's CallResult (None: it never ran); hidden: leave error text out.
    Returns a message for the student, or None.
    """
    problem = call_problem(result, hidden)
    if problem:
        return problem
    if result.value_type not in TENSOR_TYPES or type(result.value) is not np.ndarray:
        return msg("torch.not_tensor", type=result.value_type or "value")
    return None


class TorchFlavour(CheckFlavour):
    """Calls the entry point as its ``entry_kind`` says and wants a ``torch.Tensor`` back."""

    single_call = "forward"
    values_passed = "torch.values.passed"
    mutation_hint = "torch_mutating_input"
    mutated = "torch.mutation.changed"

    def call(
        self, test: dict, ctx: CheckContext, suffix: str, args: tuple, kwargs: dict, **options: Any
    ) -> Call:
        return entry_call(test, ctx, suffix, args, kwargs, **options)

    def problem(self, result: CallResult | None, hidden: bool) -> Message | None:
        return tensor_problem(result, hidden)

    def describe(self, test: dict, ctx: CheckContext, args: tuple, kwargs: dict) -> str:
        return describe_entry_call(test, ctx, args, kwargs)

    def compared_as(self, ctx: CheckContext) -> str:
        return "torch"

    def not_numbers(self, out: np.ndarray | None) -> Message:
        return msg("torch.output.not_numbers", dtype=out.dtype.name if out is not None else "?")

    def on_mismatch(
        self, test: dict, call: Call, got: np.ndarray, expected: np.ndarray, ctx: CheckContext
    ) -> None:
        """Name a changed dtype, NaN at an infinite input, or a module's wrong default slope."""
        _, x = first_array(call.args)
        if got.dtype != expected.dtype and expected.dtype == x.dtype:
            ctx.add_hint("torch_dtype_changed", got=got.dtype.name, expected=expected.dtype.name)
        if nan_at_infinite_input(x, got, expected):
            ctx.add_hint("nan_at_infinity")
        built_with_defaults = not test.get("init_args") and not test.get("init_kwargs")
        if entry_kind(ctx) == "module" and built_with_defaults:
            slopes = negative_slope_mistake(x, got, expected)
            if slopes:
                ctx.add_hint("wrong_default_slope", **slopes)


TORCH = TorchFlavour()


def differentiated_input(test: dict, ctx: CheckContext) -> tuple[tuple, dict, int, np.ndarray]:
    """The test's arguments and the first array among them (the one gradients are about).

    test: the test dict; ctx: the check context (its rng draws random inputs).
    Returns ``(args, kwargs, position, x)``; raises ValueError if no argument is an array.
    """
    args, kwargs = build_inputs(test, ctx)
    position, x = first_array(args)
    return args, kwargs, position, x


def first_array(args: tuple) -> tuple[int, np.ndarray]:
    """The position and value of the first ndarray argument (the one gradients are about).

    args: the call arguments. Returns ``(index, array)``; raises ValueError if none.
    """
    for i, a in enumerate(args):
        if type(a) is np.ndarray:
            return i, a
    raise ValueError("a torch gradient test needs an array argument")


def grad_of(result: CallResult, position: int) -> np.ndarray | None:
    """The gradient the student's call left on argument ``position``.

    result: a CallResult of a call made with ``upstream``; position: the argument index.
    Returns the plain ndarray, or None when no gradient reached it (a detached graph).
    """
    if position >= len(result.grads):
        return None
    grad = result.grads[position]
    return grad if type(grad) is np.ndarray else None
