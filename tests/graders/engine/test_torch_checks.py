"""The torch checks judge plain results: these tests hand them the arrays a student's
code would have produced (no sandbox), to pin down each verdict and hint exactly."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from graders.engine.checks import CHECKS, CheckContext
from graders.engine.inputs import rng_for
from graders.engine.types import ExerciseSpec
from graders.engine.types import TestResult as Outcome
from graders.sandbox import Call, CallResult

Forward = Callable[[np.ndarray], np.ndarray]
Backward = Callable[[np.ndarray, np.ndarray], "np.ndarray | None"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-x.astype(np.float64)))).astype(x.dtype)


def sigmoid_backward(x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
    s = sigmoid(x).astype(np.float64)
    return (upstream * s * (1 - s)).astype(x.dtype)


def exercise(entry_kind: str = "function", entry_point: str = "sigmoid") -> ExerciseSpec:
    return ExerciseSpec(
        slug="t-torch",
        kind="code",
        points=1,
        spec={"entry_kind": entry_kind, "tests": []},
        framework="torch",
        entry_point=entry_point,
    )


def plan(test: dict, spec: ExerciseSpec, seed: int = 5) -> tuple[CheckContext, list[Call]]:
    ctx = CheckContext(
        spec=spec,
        rng=rng_for(seed, test["name"]),
        entry_point=str(spec.entry_point),
        framework="torch",
        test_name=test["name"],
        seed=seed,
    )
    return ctx, CHECKS[test["check"]].calls(test, ctx)


def run(
    call: Call,
    forward: Forward,
    backward: Backward | None = None,
    value_type: str = "Tensor",
    parameters: dict[str, np.ndarray] | None = None,
) -> CallResult:
    """What a sandbox child would send back for ``call`` if the code computed ``forward``."""
    x = call.args[0]
    grads: tuple = ()
    if call.upstream is not None:
        grads = (backward(x, call.upstream) if backward else None,)
    return CallResult(
        name=call.name,
        ok=True,
        value=forward(x),
        value_type=value_type,
        grads=grads,
        args_after=call.args if call.return_args else None,
        caller_args_after=call.args if call.return_args else None,
        parameters=parameters,
        modules=(("fc1", "Linear"), ("fc2", "Linear")) if parameters else None,
    )


def judge(
    test: dict,
    spec: ExerciseSpec,
    student: tuple[Forward, Backward | None],
    reference: tuple[Forward, Backward | None] = (sigmoid, sigmoid_backward),
    **options: object,
) -> tuple[Outcome, list[str]]:
    ctx, calls = plan(test, spec)
    mine = {c.name: run(c, *student, **options) for c in calls}
    theirs = {c.name: run(c, *reference) for c in calls} if reference[0] else {}
    result = CHECKS[test["check"]].judge(test, mine, theirs, ctx)
    return result, [name for name, _ in ctx.hints]


def values_test(values: list, dtype: str = "float32", hidden: bool = False) -> dict:
    return {
        "name": "t",
        "check": "torch_values",
        "points": 2,
        "hidden": hidden,
        "args": [{"values": values, "dtype": dtype}],
    }


def test_it_gives_full_points_when_the_tensor_matches_the_reference() -> None:
    result, hints = judge(values_test([-1.0, 0.0, 1.0]), exercise(), (sigmoid, None))
    assert result.passed and result.points == 2
    assert hints == []


def test_it_rejects_float64_output_for_a_float32_input_and_says_so() -> None:
    def float64_sigmoid(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x.astype(np.float64)))

    result, hints = judge(values_test([-1.0, 0.0, 1.0]), exercise(), (float64_sigmoid, None))
    assert not result.passed and result.points == 0
    assert "float32" in result.message and "float64" in result.message
    assert hints == ["torch_dtype_changed"]


def test_it_rejects_a_numpy_array_where_a_tensor_is_expected() -> None:
    result, _ = judge(values_test([0.5]), exercise(), (sigmoid, None), value_type="ndarray")
    assert not result.passed
    assert "expected a torch.Tensor" in result.message


def test_a_visible_failure_shows_input_expected_and_worst_element() -> None:
    def mirrored(x: np.ndarray) -> np.ndarray:
        return sigmoid(-x)

    result, _ = judge(values_test([-1.0, 0.0, 1.0]), exercise(), (mirrored, None))
    assert "sigmoid([-1, 0, 1] float32)" in result.message
    assert "expected: [0.2689, 0.5, 0.7311] float32" in result.message
    assert "worst is at index" in result.message


def test_a_hidden_failure_names_what_failed_but_never_the_data() -> None:
    def mirrored(x: np.ndarray) -> np.ndarray:
        return sigmoid(-x)

    test = values_test([-1.25, 0.5, 3.75], hidden=True)
    result, _ = judge(test, exercise(), (mirrored, None))
    assert not result.passed and result.hidden
    assert "values are wrong" in result.message
    for secret in ("1.25", "3.75", "0.2689", "0.5"):
        assert secret not in result.message


def test_nan_at_an_infinite_input_is_explained_as_inf_times_zero() -> None:
    def relu(x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, 0).astype(x.dtype)

    def mask_multiply(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (x * (x > 0)).astype(x.dtype)

    test = values_test([-np.inf, -1.0, 2.0, np.inf], dtype="float64")
    result, hints = judge(
        test, exercise("module", "ReLU"), (mask_multiply, None), reference=(relu, None)
    )
    assert not result.passed and "got nan" in result.message
    assert hints == ["nan_at_infinity"]


def grad_test(values: list, dtype: str = "float32") -> dict:
    return {
        "name": "g",
        "check": "torch_grad",
        "points": 1,
        "hidden": False,
        "args": [{"values": values, "dtype": dtype}],
    }


def test_it_accepts_a_gradient_equal_to_the_reference() -> None:
    result, hints = judge(grad_test([-2.0, 0.0, 3.0]), exercise(), (sigmoid, sigmoid_backward))
    assert result.passed and hints == []


def test_a_gradient_call_carries_a_random_upstream_of_the_inputs_shape_and_dtype() -> None:
    _, calls = plan(grad_test([1.0, 2.0]), exercise())
    (call,) = calls
    assert call.tensors and call.upstream is not None
    assert call.upstream.shape == (2,) and call.upstream.dtype == np.float32


def test_it_names_a_detached_graph_when_no_gradient_reaches_the_input() -> None:
    result, hints = judge(grad_test([-2.0, 0.0, 3.0]), exercise(), (sigmoid, None))
    assert not result.passed
    assert "graph is cut" in result.message
    assert hints == ["detached_graph"]


def test_it_hints_at_the_chain_rule_when_backward_ignores_the_upstream_gradient() -> None:
    def derivative_only(x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        return sigmoid_backward(x, np.ones_like(upstream))

    result, hints = judge(grad_test([-2.0, 0.5, 3.0]), exercise(), (sigmoid, derivative_only))
    assert not result.passed
    assert hints == ["backward_without_upstream"]


def test_it_hints_at_overflow_when_the_gradient_is_nan_where_it_should_be_finite() -> None:
    def overflowing(x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        return np.where(x < -50, np.nan, sigmoid_backward(x, upstream)).astype(x.dtype)

    result, hints = judge(grad_test([-1000.0, 1.0]), exercise(), (sigmoid, overflowing))
    assert not result.passed
    assert "gradient_overflow" in hints


def gradcheck_test() -> dict:
    return {
        "name": "gc",
        "check": "torch_gradcheck",
        "points": 1,
        "hidden": True,
        "args": [{"shape": [3, 4], "dist": "uniform", "low": -3, "high": 3, "dtype": "float64"}],
    }


def test_gradcheck_accepts_a_backward_consistent_with_the_forward() -> None:
    result, _ = judge(gradcheck_test(), exercise(), (sigmoid, sigmoid_backward))
    assert result.passed


def test_gradcheck_catches_a_backward_that_disagrees_with_the_students_own_forward() -> None:
    def doubled(x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        return 2 * sigmoid_backward(x, upstream)

    result, _ = judge(gradcheck_test(), exercise(), (sigmoid, doubled))
    assert not result.passed
    assert "numerical derivative" in result.message


def test_gradcheck_fails_a_forward_and_backward_that_are_nan_everywhere() -> None:
    def nan_forward(x: np.ndarray) -> np.ndarray:
        return np.full_like(x, np.nan)

    def nan_backward(x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        return np.full_like(x, np.nan)

    result, _ = judge(gradcheck_test(), exercise(), (nan_forward, nan_backward))
    assert not result.passed
    assert "NaN" in result.message


def test_gradcheck_ignores_the_reference_entirely() -> None:
    def broken(x: np.ndarray) -> np.ndarray:
        return np.zeros_like(x)

    result, _ = judge(
        gradcheck_test(), exercise(), (sigmoid, sigmoid_backward), reference=(broken, None)
    )
    assert result.passed


def test_gradcheck_probes_each_side_in_a_child_that_never_saw_the_point() -> None:
    ctx, calls = plan(gradcheck_test(), exercise())
    # One backward call plus a +eps and a -eps forward call per random direction.
    assert len(calls) == 1 + 2 * 4
    x = calls[0].args[0]
    assert x.dtype == np.float64 and np.all(np.abs(x) >= 1e-3)
    plus, minus = (set(group) for group in ctx.isolated)
    assert calls[0].name not in plus | minus
    assert len(plus) == len(minus) == 4 and not plus & minus
    # Dense directions: no two probes share all but one element.
    assert all(np.count_nonzero(c.args[0] == x) == 0 for c in calls[1:])


def test_hidden_inputs_replay_from_the_seed_and_differ_between_seeds() -> None:
    def drawn(seed: int) -> list[np.ndarray]:
        _, calls = plan(gradcheck_test(), exercise(), seed=seed)
        return [calls[0].args[0], calls[0].upstream]

    first, again, other = drawn(11), drawn(11), drawn(12)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_gradcheck_keeps_inputs_clear_of_a_kink_at_zero() -> None:
    def relu(x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    def relu_backward(x: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        return upstream * (x > 0)

    test = gradcheck_test()
    test["args"] = [{"values": [[-1e-9, 0.0, 1e-9, 2.0]], "dtype": "float64"}]
    result, _ = judge(test, exercise(), (relu, relu_backward), reference=(relu, relu_backward))
    assert result.passed


def leaky(slope: float) -> Forward:
    return lambda x: np.where(x > 0, x, slope * x).astype(x.dtype)


def test_a_module_exercise_constructs_the_class_with_the_tests_arguments() -> None:
    test = values_test([-1.0, 1.0]) | {"init_kwargs": {"negative_slope": 0.2}}
    _, (call,) = plan(test, exercise("module", "LeakyReLU"))
    assert call.target == "LeakyReLU"
    assert call.construct == ((), {"negative_slope": 0.2})


def test_an_autograd_function_is_called_through_apply() -> None:
    _, (call,) = plan(grad_test([1.0]), exercise("autograd_function", "ReLUFunction"))
    assert call.method == "apply" and call.construct is None


def test_it_names_the_wrong_default_slope_of_a_leaky_relu() -> None:
    test = values_test([-2.0, -1.0, 0.0, 1.0, 2.0])
    result, hints = judge(
        test, exercise("module", "LeakyReLU"), (leaky(0.1), None), reference=(leaky(0.01), None)
    )
    assert not result.passed
    assert hints == ["wrong_default_slope"]


def test_the_slope_hint_stays_quiet_when_the_module_was_built_with_arguments() -> None:
    test = values_test([-2.0, 1.0]) | {"init_args": [0.3]}
    _, hints = judge(
        test, exercise("module", "LeakyReLU"), (leaky(0.1), None), reference=(leaky(0.3), None)
    )
    assert hints == []


def test_it_reports_an_input_changed_in_place() -> None:
    test = {
        "name": "m",
        "check": "torch_no_mutation",
        "points": 1,
        "args": [{"values": [-1.0, 2.0]}],
    }
    ctx, (call,) = plan(test, exercise())
    overwritten = CallResult(
        name=call.name,
        ok=True,
        value=np.array([0.0, 2.0]),
        value_type="Tensor",
        caller_args_after=(np.array([0.0, 2.0]),),
    )
    result = CHECKS["torch_no_mutation"].judge(test, {call.name: overwritten}, {}, ctx)
    assert not result.passed and "in place" in result.message
    assert [name for name, _ in ctx.hints] == ["torch_mutating_input"]


def test_a_property_test_fails_nan_outputs_without_asking_the_reference() -> None:
    test = {
        "name": "p",
        "check": "torch_property",
        "points": 1,
        "property": "sums_to_one",
        "args": [{"values": [[1000.0, 999.0]], "dtype": "float32"}],
    }

    def overflowing_softmax(x: np.ndarray) -> np.ndarray:
        return np.full_like(x, np.nan)

    result, _ = judge(
        test, exercise(entry_point="softmax"), (overflowing_softmax, None), reference=(None, None)
    )
    assert not result.passed and "NaN" in result.message


MLP_SHAPES = {"fc1.weight": (8, 4), "fc1.bias": (8,), "fc2.weight": (3, 8), "fc2.bias": (3,)}
MlpForward = Callable[[dict[str, np.ndarray]], Forward]


def loaded(shapes: dict[str, tuple], pool: np.ndarray) -> dict[str, np.ndarray]:
    """What a child's parameters hold after it loaded the grader's pool in order."""
    weights, offset = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        weights[name] = pool[offset : offset + size].reshape(shape)
        offset += size
    return weights


def mlp_forward(activation: Forward = lambda z: z, hidden: Forward | None = None) -> MlpForward:
    relu = hidden or (lambda h: np.maximum(h, 0))

    def build(p: dict[str, np.ndarray]) -> Forward:
        def forward(x: np.ndarray) -> np.ndarray:
            h = relu(x @ p["fc1.weight"].T + p["fc1.bias"])
            return activation(h @ p["fc2.weight"].T + p["fc2.bias"]).astype(np.float32)

        return forward

    return build


def mlp_test(check: str) -> dict:
    return {
        "name": "mlp",
        "check": check,
        "points": 1,
        "hidden": False,
        "init_args": [4, 8, 3],
        "args": [{"shape": [5, 4], "dist": "uniform", "low": -2, "high": 2, "dtype": "float32"}],
    }


def judge_mlp(
    check: str,
    build: MlpForward,
    backward: Callable[[dict], Backward] | None = None,
    shapes: dict[str, tuple] = MLP_SHAPES,
    reported: dict[str, np.ndarray] | None = None,
):
    """Judge a child that loaded the grader's pool into ``shapes`` and reported ``reported``
    (default: those parameters as loaded)."""
    test = mlp_test(check)
    ctx, (call,) = plan(test, exercise("module", "MLP"))
    weights = loaded(shapes, call.load_parameters)
    grad = backward(weights) if backward else None
    mine = {call.name: run(call, build(weights), grad, parameters=reported or weights)}
    result = CHECKS[check].judge(test, mine, {}, ctx)
    return result, [name for name, _ in ctx.hints]


def test_the_mlp_forward_is_judged_with_the_graders_own_weights() -> None:
    result, _ = judge_mlp("torch_mlp_forward", mlp_forward())
    assert result.passed


def test_a_module_that_reports_fake_parameters_earns_nothing() -> None:
    zeros = {name: np.zeros(shape, np.float32) for name, shape in MLP_SHAPES.items()}
    for check in ("torch_mlp_structure", "torch_mlp_forward", "torch_mlp_logits"):
        result, _ = judge_mlp(
            check, lambda _p: lambda x: np.zeros((x.shape[0], 3), np.float32), reported=zeros
        )
        assert not result.passed, check


def test_a_softmax_after_the_last_layer_costs_only_the_logits_test() -> None:
    def softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    forward = mlp_forward(activation=softmax)
    result, hints = judge_mlp("torch_mlp_logits", forward)
    assert not result.passed and "softmax" in result.message
    assert hints == ["activation_on_logits"]
    for check in ("torch_mlp_structure", "torch_mlp_forward"):
        assert judge_mlp(check, forward)[0].passed, check


def test_two_linear_layers_without_relu_are_named_as_collapsing() -> None:
    result, hints = judge_mlp("torch_mlp_forward", mlp_forward(hidden=lambda h: h))
    assert not result.passed
    assert hints == ["missing_hidden_activation"]


def test_a_hard_coded_hidden_width_is_reported_with_the_expected_shapes() -> None:
    wide = {"fc1.weight": (32, 4), "fc1.bias": (32,), "fc2.weight": (3, 32), "fc2.bias": (3,)}
    result, _ = judge_mlp("torch_mlp_structure", mlp_forward(), shapes=wide)
    assert not result.passed
    assert "Linear(4, 8) and Linear(8, 3)" in result.message and "(32, 4)" in result.message


def test_the_mlp_input_gradient_is_compared_with_backprop_through_the_graders_weights() -> None:
    def backward(p: dict) -> Backward:
        w1, b1, w2 = (p[k].astype(np.float64) for k in ("fc1.weight", "fc1.bias", "fc2.weight"))
        return lambda x, v: (((v @ w2) * (x @ w1.T + b1 > 0)) @ w1).astype(np.float32)

    result, _ = judge_mlp("torch_mlp_grad", mlp_forward(), backward)
    assert result.passed
    result, hints = judge_mlp("torch_mlp_grad", mlp_forward(), None)
    assert not result.passed and hints == ["detached_graph"]
