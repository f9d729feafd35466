"""Jobs run side by side, and children warmed up ahead of their job look cold."""

from __future__ import annotations

import numpy as np

from graders.sandbox import Call, Job, Limits, Sandbox

from .conftest import SIGMOID, expected_sigmoid, sigmoid_inputs

SHORT = Limits(cpu_seconds=2, wall_seconds=2.0, memory_bytes=256 * 1024 * 1024)


def sigmoid_job(code: str = SIGMOID, framework: str = "numpy") -> Job:
    call = Call(name="t1", target="sigmoid", args=(sigmoid_inputs(),))
    return Job(code=code, calls=(call,), framework=framework)


def test_results_come_back_in_the_order_of_the_jobs(sandbox: Sandbox) -> None:
    broken = sigmoid_job("def sigmoid(x):\n    raise ValueError('no')\n")
    right, wrong = sandbox.run_together((sigmoid_job(), broken), SHORT)
    assert right.status == "ok" and right.calls[0].ok
    np.testing.assert_allclose(right.calls[0].value, expected_sigmoid())
    assert wrong.status == "ok" and not wrong.calls[0].ok
    assert "ValueError: no" in wrong.calls[0].error


def test_a_child_that_closes_its_pipes_and_hangs_does_not_hold_up_the_other(
    sandbox: Sandbox,
) -> None:
    # It stops answering but keeps running until its wall clock ends; meanwhile the
    # other child prints more than a pipe holds, which is only read if nobody waits.
    hangs = sigmoid_job(
        "import os\nfor fd in range(3, 64):\n    try:\n        os.close(fd)\n"
        "    except OSError:\n        pass\nos.close(1)\nos.close(2)\n"
        "while True:\n    pass\n"
    )
    chatty = sigmoid_job(SIGMOID + "\nprint('x' * 200_000)\n")
    hung, talked = sandbox.run_together((hangs, chatty), SHORT)
    assert hung.status == "timeout"
    assert talked.status == "ok" and talked.calls[0].ok
    assert talked.output_truncated


INTROSPECT = """
import sys, warnings
import numpy as np
import torch

def sigmoid(x):
    own = sys.modules.get("submission")
    state = [
        float(own is not None and own.__dict__ is globals()),
        float(np.geterr()["under"] == "warn"),
        float(torch.is_grad_enabled()),
        float(torch._C._len_torch_dispatch_stack()),
        float(len([k for k in sys.modules if k.startswith("submission")])),
    ]
    return np.array(state)
"""


def test_a_child_warmed_up_ahead_of_its_job_looks_like_a_cold_one() -> None:
    job = sigmoid_job(INTROSPECT, framework="torch")
    with Sandbox(prefork=False) as cold:
        seen_cold = cold.run(job, SHORT)
    with Sandbox() as warm:
        warm.run(job, SHORT)  # leaves a child forked and warmed up for the next job
        seen_warm = warm.run(job, SHORT)
    assert seen_cold.status == seen_warm.status == "ok"
    # Its own module, the harness's error state, gradients on, no dispatch mode left.
    assert seen_cold.calls[0].value.tolist() == [1.0, 1.0, 1.0, 0.0, 1.0]
    assert seen_warm.calls[0].value.tolist() == seen_cold.calls[0].value.tolist()


def test_more_jobs_than_run_at_once_all_come_back_in_order(sandbox: Sandbox) -> None:
    codes = [SIGMOID.replace("1.0 +", f"{k}.0 +") for k in (1, 2, 3)]
    results = sandbox.run_together(tuple(sigmoid_job(code) for code in codes), SHORT)
    x = sigmoid_inputs()
    for k, result in zip((1, 2, 3), results, strict=True):
        assert result.status == "ok"
        np.testing.assert_allclose(result.calls[0].value, 1.0 / (k + np.exp(-x)))
