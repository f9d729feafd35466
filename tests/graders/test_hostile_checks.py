"""Checks that a student could talk into points, attacked with real hostile code.

Everything the child reports about itself (its parameters, its class, its arguments after
the call) is the student's claim. Each test here grades a submission that lies, through a
long-lived sandbox and ``engine.grade(...).to_dict()`` exactly as a worker's task does.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.engine.feedback import render_verdict
from graders.sandbox import Sandbox

CATALOG = Path(__file__).resolve().parents[2] / "exercises" / "catalog"
BY_SLUG = {e["slug"]: e for e in engine.load_catalog(CATALOG)}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def grade(sandbox: Sandbox, slug: str, code: str, seed: int = 7) -> dict:
    """The verdict dict a worker would post for ``code`` on the exercise ``slug``."""
    spec = ExerciseSpec.from_dict(BY_SLUG[slug])
    verdict = engine.grade(spec, Submission(seed=seed, code=textwrap.dedent(code)), sandbox=sandbox)
    return verdict.to_dict()


def passed(verdict: dict) -> set[str]:
    return {t["name"] for t in verdict["tests"] if t["passed"]}


FAKE_PARAMETERS_MLP = """
import torch
from torch import nn

class MLP(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.sizes = (in_features, hidden_features, out_features)

    def named_parameters(self, *args, **kwargs):
        i, h, o = self.sizes
        fake = {"fc1.weight": (h, i), "fc1.bias": (h,), "fc2.weight": (o, h), "fc2.bias": (o,)}
        return iter([(name, torch.zeros(shape)) for name, shape in fake.items()])

    def forward(self, x):
        return torch.zeros(x.shape[0], self.sizes[2]) * x.sum()
"""


def test_an_mlp_with_no_layers_that_reports_fake_parameters_scores_zero(
    worker_sandbox: Sandbox,
) -> None:
    verdict = grade(worker_sandbox, "mlp-torch", FAKE_PARAMETERS_MLP)
    assert verdict["status"] == "graded"
    assert verdict["score"] == 0
    assert "two_linear_layers_with_right_shapes" not in passed(verdict)


def test_an_mlp_that_keeps_its_own_weights_instead_of_the_graders_scores_zero(
    worker_sandbox: Sandbox,
) -> None:
    code = """
    import torch
    from torch import nn

    class MLP(nn.Module):
        def __init__(self, i, h, o):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(i, h), nn.Linear(h, o)
            self.mine = [p.detach().clone() for p in self.parameters()]

        def forward(self, x):
            w1, b1, w2, b2 = self.mine
            return torch.relu(x @ w1.T + b1) @ w2.T + b2
    """
    verdict = grade(worker_sandbox, "mlp-torch", code)
    assert verdict["score"] == 0


PLAIN_CLASS_RELU = """
import torch

class ReLUFunction:
    @staticmethod
    def apply(x):
        return x.clamp(min=0)
"""

FUNCTION_WITH_ITS_OWN_APPLY = """
import torch

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output

    @staticmethod
    def apply(x):
        return x.clamp(min=0)
"""

REBOUND_AFTER_THE_CLASS = """
import torch

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output

class Plain:
    @staticmethod
    def apply(x):
        return x.clamp(min=0)

ReLUFunction = Plain
"""

GRADIENT_TESTS = {
    "backward_matches_reference",
    "backward_is_zero_at_zero",
    "backward_random_batch",
    "gradcheck_float64",
}


@pytest.mark.parametrize(
    "code",
    [PLAIN_CLASS_RELU, FUNCTION_WITH_ITS_OWN_APPLY, REBOUND_AFTER_THE_CLASS],
    ids=["plain-class", "own-apply", "rebound"],
)
def test_gradients_autograd_computed_for_a_non_function_earn_nothing(
    worker_sandbox: Sandbox, code: str
) -> None:
    verdict = grade(worker_sandbox, "relu-autograd-torch", code)
    assert verdict["status"] == "graded"
    assert passed(verdict).isdisjoint(GRADIENT_TESTS)
    assert verdict["score"] <= 3
    messages = " ".join(t["message"] for t in verdict["tests"] if t["name"] in GRADIENT_TESTS)
    assert "torch.autograd.Function" in messages or "apply" in messages


NO_MASK_BACKWARD = """
import torch

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output
"""

# Remembers every input and bends the values near one it has seen, so that finite
# differences around it agree with a backward that forgot the mask.
REMEMBERS_EARLIER_CALLS = """
import torch

SEEN = []

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        for old in SEEN:
            close = old.shape == x.shape and float((old - x).abs().max()) < 1e-4
            if close:
                return old.clamp(min=0) + (x - old)
        SEEN.append(x.detach().clone())
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output
"""

# Waits for a probe's mirror image (x + d after x - d) and answers so that the central
# difference equals its own backward's slope of 1.
PAIRS_MIRRORED_PROBES = """
import torch

SEEN = []

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        for old, out in SEEN:
            if old.shape == x.shape and float((old - x).abs().max()) < 1e-4:
                return out + (x - old)
        y = x.clamp(min=0)
        SEEN.append((x.detach().clone(), y.detach().clone()))
        return y

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output
"""


@pytest.mark.parametrize(
    "code", [REMEMBERS_EARLIER_CALLS, PAIRS_MIRRORED_PROBES], ids=["remembers", "pairs"]
)
def test_a_forward_that_keeps_state_between_calls_does_not_fool_the_gradient_check(
    worker_sandbox: Sandbox, code: str
) -> None:
    honest = grade(worker_sandbox, "relu-autograd-torch", NO_MASK_BACKWARD)
    cheat = grade(worker_sandbox, "relu-autograd-torch", code)
    assert "gradcheck_float64" not in passed(cheat)
    assert cheat["score"] <= honest["score"]


# Each of these scored full marks with a forbidden function in disguise; the worker now
# reads the code first and refuses it with the rule it breaks.
DISGUISES = {
    "tensorbase": (
        "sigmoid-torch",
        """
        import torch

        def sigmoid(x):
            return torch._C.TensorBase.sigmoid(x)
        """,
        "torch._C",
    ),
    "jit-operation": (
        "sigmoid-torch",
        """
        import torch

        op = torch._C._jit_get_operation("aten::sigmoid")

        def sigmoid(x):
            return op(x)
        """,
        "torch._C",
    ),
    "dispatch-guard-popped": (
        "sigmoid-torch",
        """
        import torch
        from torch.utils._python_dispatch import _pop_mode

        def sigmoid(x):
            _pop_mode()
            return torch.sigmoid(x)
        """,
        "torch.utils._python_dispatch",
    ),
    "multiarray-umath": (
        "tanh-numpy",
        """
        import numpy as np

        def tanh(x):
            return np.core._multiarray_umath.tanh(x)
        """,
        "numpy.core",
    ),
    "torch-ops-in-numpy": (
        "tanh-numpy",
        """
        import numpy as np
        import torch

        def tanh(x):
            return torch.ops.aten.tanh(torch.from_numpy(x)).numpy()
        """,
        "torch cannot be used here",
    ),
    "torch-in-sigmoid-numpy": (
        "sigmoid-numpy",
        """
        import torch

        def sigmoid(x):
            return torch.sigmoid(torch.as_tensor(x)).numpy()
        """,
        "torch cannot be used here",
    ),
    "string-built-getattr": (
        "sigmoid-torch",
        """
        import torch

        def sigmoid(x):
            return getattr(torch, "sig" + "moid")(x)
        """,
        "getattr with a computed attribute name",
    ),
    "dunder-import": (
        "sigmoid-torch",
        """
        def sigmoid(x):
            return __import__("torch").sigmoid(x)
        """,
        "__import__ is not allowed",
    ),
    "importlib": (
        "sigmoid-torch",
        """
        import importlib

        def sigmoid(x):
            return importlib.import_module("torch").sigmoid(x)
        """,
        "module importlib is not available",
    ),
    "harness-patched": (
        "sigmoid-numpy",
        """
        import sys
        import numpy as np

        sys.modules["graders.sandbox.harness"]._plain_structure = lambda value, notes: value

        def sigmoid(x):
            x[...] = 1 / (1 + np.exp(-x))
            return x
        """,
        "module sys is not available",
    ),
}


@pytest.mark.parametrize("key", sorted(DISGUISES))
def test_a_forbidden_function_in_disguise_is_refused_with_the_rule_it_breaks(
    worker_sandbox: Sandbox, key: str
) -> None:
    slug, code, says = DISGUISES[key]
    verdict = grade(worker_sandbox, slug, code)
    assert verdict["status"] == "graded"
    assert verdict["score"] == 0
    assert verdict["error"]["kind"] == "forbidden"
    assert says in verdict["error"]["message"]
    assert "line" in verdict["error"]["message"]


def test_f_glu_is_a_forbidden_sigmoid(worker_sandbox: Sandbox) -> None:
    code = """
    import torch
    import torch.nn.functional as F

    def sigmoid(x):
        return F.glu(torch.cat([torch.ones_like(x), x], dim=-1), dim=-1)
    """
    verdict = grade(worker_sandbox, "sigmoid-torch", code)
    assert verdict["score"] == 0
    assert verdict["error"]["kind"] == "forbidden"


def test_a_module_missing_from_the_sandbox_is_named_as_not_available(
    worker_sandbox: Sandbox,
) -> None:
    code = """
    from scipy.special import expit

    def sigmoid(x):
        return expit(x)
    """
    verdict = grade(worker_sandbox, "sigmoid-numpy", code)
    assert "module scipy is not available in the grader" in verdict["error"]["message"]
    assert "fileinput" not in json.dumps(verdict)
    korean = render_verdict(verdict, "ko")
    assert "scipy" in korean["error"]["message"] and "채점기" in korean["error"]["message"]


def test_a_right_sigmoid_returned_as_an_object_array_loses_a_share_not_everything(
    worker_sandbox: Sandbox,
) -> None:
    code = """
    import math
    import numpy as np

    def _stable(v):
        if v >= 0:
            return 1 / (1 + math.exp(-v))
        e = math.exp(v)
        return e / (1 + e)

    _ufunc = np.frompyfunc(_stable, 1, 1)

    def sigmoid(x):
        return _ufunc(x)
    """
    verdict = grade(worker_sandbox, "sigmoid-numpy", code)
    assert verdict["max_score"] / 2 < verdict["score"] < verdict["max_score"]
    assert "object_array" in verdict["extra"]["hint_names"]
    assert any("array of Python objects" in t["message"] for t in verdict["tests"])
