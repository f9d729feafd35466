"""``no_mutation`` judged from the worker's own memory, attacked by a child that lies.

The source rules keep ``sys`` and frames away from students, but they are a teaching
rule, not a boundary; these tests switch them off (as a student who found a way around
them would) and patch the harness from inside the child. The input still lives in the
worker's shared memory, so an in-place change is seen whatever the child reports.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.engine import code as engine_code
from graders.sandbox import Call, Job, Sandbox

CATALOG = Path(__file__).resolve().parents[2] / "exercises" / "catalog"
BY_SLUG = {e["slug"]: e for e in engine.load_catalog(CATALOG)}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


@pytest.fixture
def no_source_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_code, "source_problem", lambda tree, framework: None)


def mutation_test(slug: str, code: str, sandbox: Sandbox) -> dict:
    """The verdict's entry for the exercise's no_mutation test."""
    spec = ExerciseSpec.from_dict(BY_SLUG[slug])
    submission = Submission(seed=7, code=textwrap.dedent(code))
    verdict = engine.grade(spec, submission, sandbox=sandbox).to_dict()
    assert verdict["status"] == "graded", verdict
    (test,) = [t for t in verdict["tests"] if t["name"] == "input_not_modified"]
    return test


# Each one overwrites its input and then tells the harness (or the report) otherwise.
LIARS = {
    "pristine-copy-reported": (
        "relu-numpy",
        """
        import sys
        import numpy as np

        harness = sys.modules["graders.sandbox.harness"]
        sent = []
        report = harness._plain_structure

        def claim(value, notes):
            return sent[0] if sent else report(value, notes)

        harness._plain_structure = claim

        def relu(x):
            sent[:] = [x.copy()]
            x[x < 0] = 0
            return x
        """,
    ),
    "array-equal-patched": (
        "relu-numpy",
        """
        import numpy as np

        np.array_equal = lambda *args, **kwargs: True
        np.count_nonzero = lambda *args, **kwargs: 0

        def relu(x):
            x[x < 0] = 0
            return x
        """,
    ),
    "report-replaced": (
        "sigmoid-numpy",
        """
        import sys
        import numpy as np

        harness = sys.modules["graders.sandbox.harness"]
        sent = []
        real_send = harness.send

        def send(header, buffers=None):
            if "args_after" in header and sent:
                buffers = list(buffers or [])
                header["args_after"] = harness.wire.encode_tree(tuple(sent), buffers)
            real_send(header, buffers)

        harness.send = send

        def sigmoid(x):
            sent[:] = [x.copy()]
            x[...] = 1 / (1 + np.exp(-x))
            return x.copy()
        """,
    ),
    "args-after-dropped": (
        "softmax-numpy",
        """
        import sys
        import numpy as np

        harness = sys.modules["graders.sandbox.harness"]
        real_send = harness.send

        def send(header, buffers=None):
            header.pop("args_after", None)
            real_send(header, buffers)

        harness.send = send

        def softmax(x):
            x -= x.max(axis=-1, keepdims=True)
            np.exp(x, out=x)
            x /= x.sum(axis=-1, keepdims=True)
            return x.copy()
        """,
    ),
    "torch-harness-patched": (
        "sigmoid-torch",
        """
        import sys
        import torch

        harness = sys.modules["graders.sandbox.harness"]
        sent = []
        report = harness._plain_structure

        def claim(value, notes):
            return sent[0] if sent else report(value, notes)

        harness._plain_structure = claim

        def sigmoid(x):
            sent[:] = [x.detach().numpy().copy()]
            x.neg_().exp_().add_(1).reciprocal_()
            return x.clone()
        """,
    ),
}


@pytest.mark.parametrize("key", sorted(LIARS))
def test_a_mutation_hidden_from_the_report_still_fails_no_mutation(
    key: str, worker_sandbox: Sandbox, no_source_rules: None
) -> None:
    slug, code = LIARS[key]
    test = mutation_test(slug, code, worker_sandbox)
    assert not test["passed"], test
    assert "overwritten" in test["message"] or "in place" in test["message"], test


HONEST = {
    "relu-numpy": "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0)\n",
    "sigmoid-numpy": "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n",
    "sigmoid-torch": "import torch\n\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))\n",
}


@pytest.mark.parametrize("slug", sorted(HONEST))
def test_a_function_that_leaves_its_input_alone_passes_no_mutation(
    slug: str, worker_sandbox: Sandbox
) -> None:
    assert mutation_test(slug, HONEST[slug], worker_sandbox)["passed"]


def test_a_function_that_restores_its_input_before_returning_passes(
    worker_sandbox: Sandbox,
) -> None:
    code = """
    import numpy as np

    def relu(x):
        saved = x.copy()
        x[x < 0] = 0
        out = x.copy()
        x[...] = saved
        return out
    """
    assert mutation_test("relu-numpy", code, worker_sandbox)["passed"]


def test_the_worker_reads_the_callers_memory_back_itself(worker_sandbox: Sandbox) -> None:
    code = """
    import sys

    harness = sys.modules["graders.sandbox.harness"]
    harness._plain_structure = lambda value, notes: value

    def scale(x, factor):
        x *= factor
        return x.sum()
    """
    x = np.arange(6.0).reshape(2, 3)
    call = Call(name="m", target="scale", args=(x, 2.0), return_args=True)
    result = worker_sandbox.run(Job(code=textwrap.dedent(code), calls=(call,))).calls[0]
    assert result.ok
    seen, factor = result.caller_args_after
    assert factor is None
    np.testing.assert_array_equal(seen, 2 * np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x, np.arange(6.0).reshape(2, 3))
