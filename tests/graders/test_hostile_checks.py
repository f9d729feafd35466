"""Checks that a student could talk into points, attacked with real hostile code.

Everything the child reports about itself (its parameters, its class, its arguments after
the call) is the student's claim. Each test here grades a submission that lies, through a
long-lived sandbox and ``engine.grade(...).to_dict()`` exactly as a worker's task does.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
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
