"""One real sandbox shared by every test here, the way a worker shares it across jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest

from graders.sandbox import Call, Job, Limits, RunResult, Sandbox

# Planted in the worker's environment before the zygote starts: no child may see it.
PLANTED_SECRET = "actquiz-planted-secret-7f3a9c"
PLANTED_NAME = "ACTQUIZ_TEST_PLANTED_SECRET"

QUICK = Limits(cpu_seconds=2, wall_seconds=4.0, memory_bytes=256 * 1024 * 1024)

SIGMOID = """
import numpy as np

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))
"""


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    os.environ[PLANTED_NAME] = PLANTED_SECRET
    try:
        with Sandbox() as box:
            yield box
    finally:
        os.environ.pop(PLANTED_NAME, None)


def sigmoid_inputs() -> np.ndarray:
    return np.linspace(-6.0, 6.0, 101)


def expected_sigmoid() -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-sigmoid_inputs()))


def run_code(
    sandbox: Sandbox,
    code: str,
    *,
    target: str = "sigmoid",
    args: tuple = (),
    limits: Limits = QUICK,
    framework: str = "numpy",
    forbidden: tuple[str, ...] = (),
) -> RunResult:
    """Run ``code`` with one call of ``target`` (default: sigmoid on the usual inputs)."""
    call = Call(name="t1", target=target, args=args or (sigmoid_inputs(),))
    return sandbox.run(
        Job(code=code, calls=(call,), framework=framework, forbidden=forbidden), limits
    )
