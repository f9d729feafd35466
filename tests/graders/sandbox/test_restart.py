"""A worker's sandbox outlives its zygote: a dead zygote is restarted and the job retried."""

from __future__ import annotations

import os
import signal
import time

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
        for _ in range(500):  # SIGKILL is asynchronous: wait until the zygote is gone
            if sandbox.zygote_pid is None:
                break
            time.sleep(0.01)
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


def test_a_sandbox_inherited_across_fork_starts_its_own_zygote_and_leaves_the_parents() -> None:
    with Sandbox() as sandbox:
        assert run_code(sandbox, SIGMOID).status == "ok"
        parent_zygote = sandbox.zygote_pid
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            # A prefork worker pool does this: the child process inherits the object.
            try:
                result = run_code(sandbox, SIGMOID)
                ok = result.status == "ok" and sandbox.zygote_pid not in (None, parent_zygote)
                sandbox.close()
                os.write(write_fd, b"ok" if ok else b"bad")
            finally:
                os._exit(0)
        os.close(write_fd)
        answer = os.read(read_fd, 16)
        os.close(read_fd)
        os.waitpid(pid, 0)
        assert answer == b"ok"
        assert sandbox.zygote_pid == parent_zygote
        assert run_code(sandbox, SIGMOID).status == "ok"
