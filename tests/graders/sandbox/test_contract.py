"""The data contract of ``Sandbox.run``: calls described as data, plain arrays back, clear verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from graders.sandbox import Call, Job, Sandbox
from tests.graders.sandbox.conftest import (
    QUICK,
    SIGMOID,
    expected_sigmoid,
    run_code,
    sigmoid_inputs,
)

pytestmark = pytest.mark.slow

TORCH_MODULE = """
import torch
from torch import nn

def sigmoid(x):
    return 1 / (1 + torch.exp(-x))

def scale_(x):
    x.mul_(2)
    return x

def detached(x):
    return (x * 2).detach()

class Sigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * (1 - y)

class Net(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))

def collapse(weights, biases):
    w = weights[0]
    b = biases[0]
    for wi, bi in zip(weights[1:], biases[1:]):
        b = b @ wi.T + bi
        w = wi @ w
    return w, b
"""


def torch_job(*calls: Call, forbidden: tuple[str, ...] = ()) -> Job:
    return Job(code=TORCH_MODULE, calls=calls, framework="torch", forbidden=forbidden)


def test_a_numpy_sigmoid_comes_back_as_a_plain_float64_array(sandbox: Sandbox) -> None:
    result = run_code(sandbox, SIGMOID)
    assert result.status == "ok"
    call = result.calls[0]
    assert call.ok and call.value_type == "ndarray"
    assert type(call.value) is np.ndarray and call.value.dtype == np.float64
    np.testing.assert_allclose(call.value, expected_sigmoid())


def test_tensor_inputs_keep_their_dtype_and_come_back_as_arrays(sandbox: Sandbox) -> None:
    x = sigmoid_inputs().astype(np.float32)
    result = sandbox.run(
        torch_job(Call(name="s", target="sigmoid", args=(x,), tensors=True)), QUICK
    )
    call = result.calls[0]
    assert call.ok and call.value_type == "Tensor"
    assert call.value.dtype == np.float32
    np.testing.assert_allclose(call.value, 1 / (1 + np.exp(-x)), rtol=1e-6)


def test_upstream_gradients_flow_through_a_custom_autograd_function(sandbox: Sandbox) -> None:
    x = np.linspace(-3, 3, 7)
    upstream = np.linspace(0.5, 1.5, 7)
    call = Call(
        name="g", target="Sigmoid", method="apply", args=(x,), tensors=True, upstream=upstream
    )
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    s = 1 / (1 + np.exp(-x))
    assert result.ok
    np.testing.assert_allclose(result.grads[0], upstream * s * (1 - s))


def test_a_detached_output_has_no_gradient(sandbox: Sandbox) -> None:
    x = np.ones(3)
    call = Call(name="d", target="detached", args=(x,), tensors=True, upstream=np.ones(3))
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    assert result.ok and result.grads == (None,)


def test_return_args_shows_an_input_mutated_in_place(sandbox: Sandbox) -> None:
    x = np.ones(4)
    call = Call(name="m", target="scale_", args=(x,), tensors=True, return_args=True)
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    np.testing.assert_allclose(result.args_after[0], 2 * np.ones(4))
    np.testing.assert_allclose(x, np.ones(4))


def test_a_constructed_module_returns_its_parameters_and_structure(sandbox: Sandbox) -> None:
    call = Call(
        name="net",
        target="Net",
        construct=((3, 2), {}),
        args=(np.ones((5, 3), dtype=np.float32),),
        tensors=True,
        return_parameters=True,
    )
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    assert result.ok and result.value.shape == (5, 2)
    assert set(result.parameters) == {"fc.weight", "fc.bias"}
    assert result.parameters["fc.weight"].shape == (2, 3)
    assert result.modules == (("", "Net"), ("fc", "Linear"), ("act", "Tanh"))
    w, b = result.parameters["fc.weight"], result.parameters["fc.bias"]
    np.testing.assert_allclose(result.value, np.tanh(np.ones((5, 3)) @ w.T + b), rtol=1e-5)


def test_load_parameters_overwrites_every_parameter_in_order_from_the_pool(
    sandbox: Sandbox,
) -> None:
    pool = np.arange(1, 20, dtype=np.float32) / 10
    call = Call(
        name="net",
        target="Net",
        construct=((3, 2), {}),
        args=(np.ones((1, 3), dtype=np.float32),),
        tensors=True,
        load_parameters=pool,
    )
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    w, b = pool[:6].reshape(2, 3), pool[6:8]
    np.testing.assert_allclose(result.value, np.tanh(np.ones((1, 3)) @ w.T + b), rtol=1e-6)


def test_a_module_too_big_for_the_pool_is_a_clear_call_error(sandbox: Sandbox) -> None:
    call = Call(
        name="net",
        target="Net",
        construct=((3, 2), {}),
        args=(np.ones((1, 3), dtype=np.float32),),
        tensors=True,
        load_parameters=np.zeros(4, dtype=np.float32),
    )
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    assert not result.ok and "too many parameters" in result.error


def test_lists_of_arrays_become_lists_of_tensors_and_tuples_come_back(sandbox: Sandbox) -> None:
    rng = np.random.default_rng(1)
    w1, w2 = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
    b1, b2 = rng.normal(size=4), rng.normal(size=2)
    call = Call(name="c", target="collapse", args=([w1, w2], [b1, b2]), tensors=True)
    result = sandbox.run(torch_job(call), QUICK).calls[0]
    assert result.ok and result.value_type == "tuple"
    w, b = result.value
    np.testing.assert_allclose(w, w2 @ w1)
    np.testing.assert_allclose(b, b1 @ w2.T + b2)


@pytest.mark.parametrize(
    ("expression", "value_type", "expected"),
    [
        ("0.5", "float", np.array(0.5)),
        ("[1.0, 2.0]", "list", np.array([1.0, 2.0])),
        ("np.float32(1.5)", "float32", np.array(1.5, dtype=np.float32)),
        ("None", "NoneType", None),
    ],
)
def test_non_array_returns_are_converted_to_plain_values(
    sandbox: Sandbox, expression: str, value_type: str, expected: object
) -> None:
    code = f"import numpy as np\ndef sigmoid(x):\n    return {expression}\n"
    call = run_code(sandbox, code).calls[0]
    assert call.ok and call.value_type == value_type
    if expected is None:
        assert call.value is None
    else:
        assert type(call.value) is np.ndarray and call.value.dtype == expected.dtype
        np.testing.assert_array_equal(call.value, expected)


def test_a_bfloat16_tensor_is_converted_to_float32_with_a_note(sandbox: Sandbox) -> None:
    code = "import torch\ndef sigmoid(x):\n    return torch.ones(3, dtype=torch.bfloat16)\n"
    call = run_code(sandbox, code, framework="torch").calls[0]
    assert call.ok and call.value.dtype == np.float32
    assert any("bfloat16" in note for note in call.warnings)


def test_a_dict_return_is_refused_with_a_clear_message(sandbox: Sandbox) -> None:
    call = run_code(sandbox, "def sigmoid(x):\n    return {'y': x}\n").calls[0]
    assert not call.ok and call.error_kind == "unsupported_return"
    assert "dict" in call.error


def test_numerical_warnings_are_reported(sandbox: Sandbox) -> None:
    code = "import numpy as np\ndef sigmoid(x):\n    return np.exp(x * 1000.0)\n"
    call = run_code(sandbox, code).calls[0]
    assert call.ok
    assert any("overflow" in text for text in call.warnings)


def test_a_syntax_error_names_line_and_column(sandbox: Sandbox) -> None:
    result = run_code(sandbox, "import numpy as np\n\ndef sigmoid(x)\n    return x\n")
    assert result.status == "syntax_error"
    assert "line 3" in result.message and "column" in result.message


def test_a_missing_entry_point_is_named(sandbox: Sandbox) -> None:
    result = run_code(sandbox, "def sigmod(x):\n    return x\n")
    assert result.status == "missing_entry_point"
    assert "sigmoid" in result.message


def test_an_exception_shows_only_the_students_frames(sandbox: Sandbox) -> None:
    code = "import numpy as np\n\ndef helper(x):\n    return np.reshape(x, (7, 7))\n\ndef sigmoid(x):\n    return helper(x)\n"
    call = run_code(sandbox, code).calls[0]
    assert call.error_kind == "exception"
    assert 'File "submission.py", line 7, in sigmoid' in call.error
    assert 'File "submission.py", line 4, in helper' in call.error
    assert "ValueError" in call.error
    assert (
        "site-packages" not in call.error
        and "/work" not in call.error
        and "/root" not in call.error
    )


def test_an_exception_while_importing_is_the_module_status(sandbox: Sandbox) -> None:
    result = run_code(sandbox, "import numpy as np\nraise RuntimeError('boom')\n")
    assert result.status == "exception"
    assert "RuntimeError: boom" in result.message


def test_calls_run_in_order_and_later_calls_survive_an_earlier_failure(sandbox: Sandbox) -> None:
    code = "import numpy as np\ndef sigmoid(x):\n    if x[0] > 0:\n        raise ValueError('positive')\n    return x\n"
    calls = (
        Call(name="bad", target="sigmoid", args=(np.ones(2),)),
        Call(name="good", target="sigmoid", args=(-np.ones(2),)),
    )
    result = sandbox.run(Job(code=code, calls=calls), QUICK)
    assert [c.name for c in result.calls] == ["bad", "good"]
    assert not result.calls[0].ok and result.calls[1].ok


@pytest.mark.parametrize(
    "body",
    [
        "return torch.sigmoid(x)",
        "return getattr(torch, 'sig' + 'moid')(x)",
        "return x.sigmoid()",
        "return torch.special.expit(x)",
        "return torch.nn.functional.sigmoid(x)",
        "return torch.nn.Sigmoid()(x)",
        "return torch.ops.aten.sigmoid(x)",
        "return torch._C.TensorBase.sigmoid(x)",
        "return x.clone().sigmoid_()",
    ],
)
def test_forbidden_sigmoid_spellings_are_all_caught(sandbox: Sandbox, body: str) -> None:
    code = f"import torch\n\ndef sigmoid(x):\n    {body}\n"
    job = Job(
        code=code,
        calls=(Call(name="s", target="sigmoid", args=(np.ones(3),), tensors=True),),
        framework="torch",
        forbidden=("torch.sigmoid", "torch.nn.Sigmoid"),
    )
    result = sandbox.run(job, QUICK)
    assert result.status == "forbidden"
    assert "torch.sigmoid" in result.message or "torch.nn.Sigmoid" in result.message


def test_an_aliased_forbidden_import_is_caught_before_running(sandbox: Sandbox) -> None:
    code = "print('ran')\nfrom numpy import tanh as th\n\ndef tanh(x):\n    return th(x)\n"
    result = run_code(sandbox, code, target="tanh", forbidden=("numpy.tanh",))
    assert result.status == "forbidden"
    assert "numpy.tanh" in result.message and "line 2" in result.message
    assert "ran" not in result.stdout


def test_a_forbidden_call_caught_by_the_student_still_counts(sandbox: Sandbox) -> None:
    code = (
        "import torch\n\ndef sigmoid(x):\n    try:\n        return getattr(torch, 'sig' + 'moid')(x)\n"
        "    except BaseException:\n        return 1 / (1 + torch.exp(-x))\n"
    )
    job = Job(
        code=code,
        calls=(Call(name="s", target="sigmoid", args=(np.ones(3),), tensors=True),),
        framework="torch",
        forbidden=("torch.sigmoid",),
    )
    result = sandbox.run(job, QUICK)
    assert result.status == "forbidden"


def test_the_reference_may_use_what_the_student_may_not(sandbox: Sandbox) -> None:
    code = "import torch\n\ndef sigmoid(x):\n    return torch.sigmoid(x)\n"
    job = Job(
        code=code,
        calls=(Call(name="s", target="sigmoid", args=(np.zeros(2),), tensors=True),),
        framework="torch",
    )
    result = sandbox.run(job, QUICK)
    assert result.status == "ok"
    np.testing.assert_allclose(result.calls[0].value, [0.5, 0.5])


def test_a_hand_written_sigmoid_passes_the_guard_with_gradients(sandbox: Sandbox) -> None:
    x = np.linspace(-2, 2, 5)
    call = Call(name="s", target="sigmoid", args=(x,), tensors=True, upstream=np.ones(5))
    result = sandbox.run(torch_job(call, forbidden=("torch.sigmoid", "torch.nn.Sigmoid")), QUICK)
    assert result.status == "ok"
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(result.calls[0].value, s)
    np.testing.assert_allclose(result.calls[0].grads[0], s * (1 - s))


def test_warnings_printed_while_importing_name_no_library_paths(sandbox: Sandbox) -> None:
    # numpy raises this one from inside its own files, so the default format names them.
    code = "import numpy as np\nnp.mean(np.array([]))\n\ndef sigmoid(x):\n    return x\n"
    result = run_code(sandbox, code)
    assert result.status == "ok"
    assert "RuntimeWarning: Mean of empty slice" in result.stderr
    assert "site-packages" not in result.stderr and "/work" not in result.stderr


def test_empty_and_zero_dimensional_inputs_reach_the_student_with_their_shape(
    sandbox: Sandbox,
) -> None:
    code = "def ident(x):\n    return x\n"
    for sent in (np.zeros((0, 4)), np.array(3.0)):
        result = run_code(sandbox, code, target="ident", args=(sent,))
        assert result.status == "ok", result.message
        assert result.calls[0].value.shape == sent.shape


def test_forbidding_a_module_the_child_cannot_import_does_not_break_the_job(
    sandbox: Sandbox,
) -> None:
    result = run_code(sandbox, SIGMOID, forbidden=("scipy.special.expit", "nosuchmodule.f"))
    assert result.status == "ok", result.message
    np.testing.assert_allclose(result.calls[0].value, expected_sigmoid())
