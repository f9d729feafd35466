"""The rules the worker reads off the source: what they refuse, and what they let through."""

from __future__ import annotations

import ast
import textwrap

import pytest

from graders.engine.source_rules import autograd_function_problem, source_problem


def problem(code: str, framework: str = "numpy") -> str | None:
    found = source_problem(ast.parse(textwrap.dedent(code)), framework)
    return None if found is None else found.message.render("en")


@pytest.mark.parametrize(
    "code",
    [
        "import numpy as np\nfrom math import exp\ndef f(x):\n    return np.exp(x)\n",
        "import numpy as np\ndef f(x):\n    return getattr(np, 'exp')(x)\n",
        "from __future__ import annotations\nimport numpy\nfrom typing import Any\n",
    ],
)
def test_ordinary_numpy_code_passes(code: str) -> None:
    assert problem(code) is None


def test_torch_code_may_use_numpy_and_public_torch() -> None:
    code = (
        "import numpy as np\nimport torch\nfrom torch import nn\nimport torch.nn.functional as F\n"
    )
    assert problem(code, "torch") is None


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("import os\n", "module os is not available"),
        ("from numpy.core import _multiarray_umath\n", "numpy.core"),
        ("import numpy as np\ny = np._core.umath.tanh\n", "numpy._core"),
        ("def f(x):\n    return f.__globals__\n", "__globals__"),
        ("def f(x):\n    return eval('x')\n", "eval is not allowed"),
        ("import numpy as np\nname = 'exp'\ny = getattr(np, name)\n", "computed attribute"),
        ("import numpy as np\ny = getattr(np, '_core')\n", "_core"),
        ("from . import helper\n", "not available"),
        ("import warnings\nw = warnings._showwarnmsg\n", "warnings._showwarnmsg"),
        ("try:\n    1 / 0\nexcept Exception as e:\n    t = e.__traceback__\n", "__traceback__"),
    ],
)
def test_each_rule_is_named_in_its_message(code: str, says: str) -> None:
    found = problem(code)
    assert found is not None and says in found


FUNCTION = """
{imports}

class ReLUFunction({base}):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        return g
"""


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("import torch", "torch.autograd.Function"),
        ("from torch.autograd import Function", "Function"),
        ("from torch.autograd import Function as Fn", "Fn"),
        ("import torch.autograd as ag", "ag.Function"),
        ("import torch\nfrom torch import autograd", "autograd.Function"),
    ],
)
def test_a_function_subclass_is_recognised_however_it_is_imported(imports: str, base: str) -> None:
    tree = ast.parse(FUNCTION.format(imports=imports, base=base))
    assert autograd_function_problem(tree, "ReLUFunction") is None


@pytest.mark.parametrize(
    ("imports", "base"),
    [
        ("import torch", "object"),
        ("import torch\nFunction = object", "Function"),
        ("import torch\nclass Function: pass", "Function"),
        ("import torch\ntorch = None", "torch.autograd.Function"),
    ],
)
def test_anything_else_is_not_a_function_subclass(imports: str, base: str) -> None:
    tree = ast.parse(FUNCTION.format(imports=imports, base=base))
    found = autograd_function_problem(tree, "ReLUFunction")
    assert found is not None and "torch.autograd.Function" in found.render("en")
