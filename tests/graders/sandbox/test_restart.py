"""A worker's sandbox outlives its zygote: a dead zygote is restarted and the job retried."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from graders.sandbox import Sandbox
from tests.graders.sandbox.conftest import SIGMOID, expected_sigmoid, run_code

pytestmark = pytest.mark.slow


def test_a_killed_zygote_is_restarted_and_the_job_still_graded() -> None:
    with Sandbox() as sandbox:
        assert run_code(sandbox, SIGMOID).status == "ok"
        first = sandbox.zygote_pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        result = run_code(sandbox, SIGMOID)
        assert result.status == "ok"
        np.testing.assert_allclose(result.calls[0].value, expected_sigmoid())
        assert sandbox.zygote_pid not in (None, first)


def test_a_closed_sandbox_starts_again_on_the_next_job() -> None:
    sandbox = Sandbox()
    try:
        assert run_code(sandbox, SIGMOID).status == "ok"
        sandbox.close()
        assert sandbox.zygote_pid is None
        assert run_code(sandbox, SIGMOID).status == "ok"
    finally:
        sandbox.close()
