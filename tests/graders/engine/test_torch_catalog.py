"""The PyTorch exercises prove themselves through the real sandbox (the shared ``sandbox``
fixture): each reference scores full marks without a hint, each known-wrong solution fails
the test meant to catch it and gets the hint meant to teach it, and other correct solutions
are not penalised."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders.engine import ExerciseSpec, Submission, grade, load_catalog
from graders.sandbox import Sandbox

pytestmark = pytest.mark.slow

CATALOG = Path(__file__).resolve().parents[3] / "exercises" / "catalog"
TORCH_EXERCISES = {e["slug"]: e for e in load_catalog(CATALOG) if e["slug"].endswith("-torch")}
SEEDS = (1, 20240611, 987654321)


def verdict(sandbox: Sandbox, slug: str, code: str, seed: int = 1) -> dict:
    spec = ExerciseSpec.from_dict(TORCH_EXERCISES[slug])
    return grade(spec, Submission(seed=seed, code=code), sandbox=sandbox).to_dict()


def failed_tests(result: dict) -> set[str]:
    return {t["name"] for t in result["tests"] if not t["passed"]}


def test_all_six_torch_exercises_are_in_the_catalog() -> None:
    assert set(TORCH_EXERCISES) == {
        "sigmoid-torch",
        "relu-torch",
        "leaky-relu-torch",
        "softmax-torch",
        "relu-autograd-torch",
        "mlp-torch",
    }
    for entry in TORCH_EXERCISES.values():
        checks = {t["check"] for t in entry["spec"]["tests"]}
        assert checks & {"torch_grad", "torch_mlp_grad"}, f"{entry['slug']} checks no gradient"


@pytest.mark.parametrize("slug", sorted(TORCH_EXERCISES))
@pytest.mark.parametrize("seed", SEEDS)
def test_the_reference_scores_full_marks_for_any_seed(
    sandbox: Sandbox, slug: str, seed: int
) -> None:
    result = verdict(sandbox, slug, TORCH_EXERCISES[slug]["reference_code"], seed)
    assert result["status"] == "graded", result["error"]
    assert result["score"] == result["max_score"] == TORCH_EXERCISES[slug]["points"], failed_tests(
        result
    )
    assert result["hints"] == []


WRONG = sorted((slug, name) for slug, e in TORCH_EXERCISES.items() for name in e["wrong_solutions"])


# (slug, wrong file) -> (tests that must fail, hints that must be shown); that it scores
# less than full marks follows. A forbidden built-in is refused before any test runs.
CAUGHT_BY = {
    ("sigmoid-torch", "numpy_round_trip.py"): (
        {"gradient_matches_reference", "gradcheck_float64"},
        {"detached_graph"},
    ),
    ("sigmoid-torch", "detached_data.py"): ({"gradient_matches_reference"}, {"detached_graph"}),
    ("sigmoid-torch", "sign_flip.py"): ({"course_example"}, {"sigmoid_sign_flip"}),
    ("sigmoid-torch", "float64_output.py"): ({"course_example"}, {"torch_dtype_changed"}),
    ("sigmoid-torch", "naive_overflow.py"): (
        {"gradient_finite_at_extremes"},
        {"gradient_overflow"},
    ),
    ("relu-torch", "detached_data.py"): ({"gradient_matches_reference"}, {"detached_graph"}),
    ("relu-torch", "mutates_input.py"): ({"input_not_modified"}, {"torch_mutating_input"}),
    ("relu-torch", "float64_mask.py"): ({"course_example"}, {"torch_dtype_changed"}),
    ("relu-torch", "mask_multiply.py"): ({"special_values"}, {"nan_at_infinity"}),
    ("relu-torch", "abs_instead.py"): ({"course_example", "random_3d_batch"}, set()),
    ("leaky-relu-torch", "wrong_default_slope.py"): ({"default_slope"}, {"wrong_default_slope"}),
    ("leaky-relu-torch", "ignores_slope.py"): (
        {"explicit_slope_keyword", "explicit_slope_positional"},
        set(),
    ),
    ("leaky-relu-torch", "numpy_round_trip.py"): ({"gradient_default_slope"}, {"detached_graph"}),
    ("leaky-relu-torch", "plain_relu.py"): ({"default_slope"}, set()),
    ("softmax-torch", "no_max_trick.py"): (
        {"large_logits", "slices_sum_to_one"},
        {"softmax_overflow"},
    ),
    ("softmax-torch", "ignores_dim.py"): ({"along_dim_0", "random_3d_along_dim_1"}, set()),
    ("softmax-torch", "global_sum.py"): ({"rows_of_a_batch"}, set()),
    ("softmax-torch", "float64_output.py"): ({"course_example"}, {"torch_dtype_changed"}),
    ("softmax-torch", "numpy_round_trip.py"): ({"gradient_matches_reference"}, {"detached_graph"}),
    ("relu-autograd-torch", "backward_no_mask.py"): (
        {"backward_matches_reference", "gradcheck_float64"},
        {"backward_without_derivative"},
    ),
    ("relu-autograd-torch", "backward_mask_only.py"): (
        {"backward_matches_reference", "gradcheck_float64"},
        {"backward_without_upstream"},
    ),
    ("relu-autograd-torch", "backward_returns_none.py"): (
        {"backward_matches_reference", "gradcheck_float64"},
        {"backward_returned_none"},
    ),
    ("relu-autograd-torch", "backward_one_at_zero.py"): (
        {"backward_is_zero_at_zero"},
        {"backward_one_at_zero"},
    ),
    ("relu-autograd-torch", "forward_float32.py"): (
        {"forward_float64_keeps_dtype"},
        {"torch_dtype_changed"},
    ),
    ("mlp-torch", "softmax_at_end.py"): (
        {"returns_logits_not_probabilities"},
        {"activation_on_logits"},
    ),
    ("mlp-torch", "relu_after_output.py"): (
        {"returns_logits_not_probabilities"},
        {"activation_on_logits"},
    ),
    ("mlp-torch", "no_activation.py"): (
        {"forward_matches_own_weights"},
        {"missing_hidden_activation"},
    ),
    ("mlp-torch", "detached_hidden.py"): ({"input_gradient_flows"}, {"detached_graph"}),
    ("mlp-torch", "fixed_hidden_size.py"): ({"two_linear_layers_with_right_shapes"}, set()),
}
FORBIDDEN = [
    ("sigmoid-torch", "builtin_sigmoid.py"),
    ("relu-torch", "builtin_relu.py"),
    ("leaky-relu-torch", "builtin_leaky_relu.py"),
    ("softmax-torch", "builtin_softmax.py"),
    ("relu-autograd-torch", "builtin_relu.py"),
]


def test_every_wrong_solution_has_a_stated_reason_to_fail() -> None:
    assert set(WRONG) == set(CAUGHT_BY) | set(FORBIDDEN)


@pytest.mark.parametrize(("slug", "name"), sorted(CAUGHT_BY))
def test_each_mistake_is_caught_by_its_test_and_named_by_its_hint(
    sandbox: Sandbox, slug: str, name: str
) -> None:
    must_fail, must_hint = CAUGHT_BY[(slug, name)]
    result = verdict(sandbox, slug, TORCH_EXERCISES[slug]["wrong_solutions"][name])
    assert result["status"] == "graded", result["error"]
    assert result["score"] < result["max_score"]
    assert must_fail <= failed_tests(result)
    assert must_hint <= set(result["extra"]["hint_names"])


@pytest.mark.parametrize(("slug", "name"), FORBIDDEN)
def test_a_forbidden_builtin_scores_zero_and_is_named(
    sandbox: Sandbox, slug: str, name: str
) -> None:
    result = verdict(sandbox, slug, TORCH_EXERCISES[slug]["wrong_solutions"][name])
    assert result["score"] == 0
    assert result["error"]["kind"] == "forbidden"


# Correct solutions written differently from the references: none may lose a point.
OTHER_CORRECT = {
    "sigmoid-torch": """
import torch
import torch.nn.functional as F

def sigmoid(x):
    # sigmoid(x) = exp(-softplus(-x)); softplus is linear past its threshold, so no overflow.
    return torch.exp(-F.softplus(-x))
""",
    "relu-torch": """
import torch
from torch import nn

class ReLU(nn.Module):
    def forward(self, x):
        return torch.clamp(x, min=0)
""",
    "leaky-relu-torch": """
import torch
from torch import nn

class LeakyReLU(nn.Module):
    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.slope = negative_slope

    def forward(self, x):
        return torch.maximum(x, torch.zeros_like(x)) + self.slope * torch.minimum(x, torch.zeros_like(x))
""",
    "softmax-torch": """
import torch

def softmax(x, dim=-1):
    return torch.exp(x - torch.logsumexp(x, dim=dim, keepdim=True))
""",
    "relu-autograd-torch": """
import torch

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        mask = x > 0
        ctx.save_for_backward(mask)
        return torch.where(mask, x, torch.zeros_like(x))

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        return torch.where(mask, grad_output, torch.zeros_like(grad_output))
""",
    "mlp-torch": """
import torch.nn.functional as F
from torch import nn

class MLP(nn.Module):
    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(in_features, hidden_features), nn.Linear(hidden_features, out_features)])

    def forward(self, x):
        return self.layers[1](F.relu(self.layers[0](x)))
""",
}


@pytest.mark.parametrize("slug", sorted(OTHER_CORRECT))
def test_a_differently_written_correct_solution_scores_full_marks(
    sandbox: Sandbox, slug: str
) -> None:
    result = verdict(sandbox, slug, OTHER_CORRECT[slug], seed=77)
    assert result["score"] == result["max_score"], [
        t["message"] for t in result["tests"] if not t["passed"]
    ]


def test_a_student_who_patches_gradcheck_still_fails_the_gradient_check(sandbox: Sandbox) -> None:
    cheat = """
import torch

# Whatever the student's process says about gradcheck cannot reach the grader.
torch.autograd.gradcheck = lambda *args, **kwargs: True

class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        return 2 * grad_output
"""
    result = verdict(sandbox, "relu-autograd-torch", cheat)
    assert "gradcheck_float64" in failed_tests(result)


def test_a_numpy_array_returned_from_a_torch_exercise_is_refused(sandbox: Sandbox) -> None:
    code = """
import numpy as np

def sigmoid(x):
    return 1 / (1 + np.exp(-x.detach().numpy()))
"""
    result = verdict(sandbox, "sigmoid-torch", code)
    course = next(t for t in result["tests"] if t["name"] == "course_example")
    assert not course["passed"]
    assert "expected a torch.Tensor" in course["message"]


def test_a_hidden_test_failure_shows_no_input_values(sandbox: Sandbox) -> None:
    result = verdict(
        sandbox,
        "leaky-relu-torch",
        TORCH_EXERCISES["leaky-relu-torch"]["wrong_solutions"]["ignores_slope.py"],
    )
    hidden = next(t for t in result["tests"] if t["name"] == "explicit_slope_positional")
    assert hidden["hidden"] and not hidden["passed"]
    assert "[" not in hidden["message"] and "expected" not in hidden["message"]


# Other spellings of the forbidden built-ins; each must be refused like the plain one.
BUILTIN_IN_DISGUISE = [
    ("sigmoid-torch", "def sigmoid(x):\n    return torch.ops.aten.sigmoid.default(x)"),
    ("sigmoid-torch", "def sigmoid(x):\n    return torch._C._special.special_expit(x)"),
    ("sigmoid-torch", "def sigmoid(x):\n    return torch.nn.functional.logsigmoid(x).exp()"),
    ("softmax-torch", "def softmax(x, dim=-1):\n    return torch.ops.aten._softmax(x, dim, False)"),
    (
        "softmax-torch",
        "def softmax(x, dim=-1):\n    return torch.nn.functional.softmin(-x, dim=dim)",
    ),
    (
        "relu-torch",
        (
            "class ReLU(torch.nn.Module):\n    def forward(self, x):\n"
            "        return torch.nn.functional.threshold(x, 0, 0)"
        ),
    ),
    (
        "leaky-relu-torch",
        (
            "class LeakyReLU(torch.nn.Module):\n    def __init__(self, negative_slope=0.01):\n"
            "        super().__init__()\n        self.s = negative_slope\n    def forward(self, x):\n"
            "        return torch.ops.aten.leaky_relu(x, self.s)"
        ),
    ),
]


@pytest.mark.parametrize(("slug", "body"), BUILTIN_IN_DISGUISE)
def test_another_spelling_of_a_forbidden_builtin_is_refused(
    sandbox: Sandbox, slug: str, body: str
) -> None:
    result = verdict(sandbox, slug, "import torch\n\n" + body + "\n")
    assert result["score"] == 0
    assert result["error"]["kind"] == "forbidden"
