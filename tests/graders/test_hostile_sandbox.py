"""Holes in the sandbox and the wire, each attacked through the worker's code path.

One long-lived ``Sandbox`` serves every test, as ``graders.tasks.worker_sandbox`` does
(a sandbox the CLI closes after one file would hide lingering children), and every
submission goes through the engine exactly as a worker's task (``engine.code.run_and_judge``:
the worker's path after the source rules, which would refuse most of this code before it
runs and are tested on their own below).
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graders import engine
from graders.engine import ExerciseSpec, Submission
from graders.engine import code as engine_code
from graders.sandbox import Sandbox
from graders.sandbox.sandbox import RESIDENTS_KEPT

CATALOG = Path(__file__).resolve().parents[2] / "exercises" / "catalog"
SIGMOID_SPEC = next(e for e in engine.load_catalog(CATALOG) if e["slug"] == "sigmoid-numpy")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worker_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as box:
        yield box


def grade(sandbox: Sandbox, code: str) -> dict:
    """The verdict dict a worker would post for ``code`` on sigmoid-numpy, had the code
    passed the rules the worker reads off the source first (most of this battery would
    be refused there; here it reaches the sandbox, which must hold on its own)."""
    spec = ExerciseSpec.from_dict(SIGMOID_SPEC)
    submission = Submission(seed=7, code=textwrap.dedent(code))
    return engine_code.run_and_judge(spec, submission, sandbox).to_dict()


def worker_grade(sandbox: Sandbox, code: str) -> dict:
    """The verdict dict a worker posts for ``code`` on sigmoid-numpy (rules included)."""
    spec = ExerciseSpec.from_dict(SIGMOID_SPEC)
    verdict = engine.grade(spec, Submission(seed=7, code=textwrap.dedent(code)), sandbox=sandbox)
    return verdict.to_dict()


def zygote_children(sandbox: Sandbox) -> list[int]:
    zygote = sandbox.zygote_pid
    assert zygote is not None
    found: list[int] = []
    for task in os.listdir(f"/proc/{zygote}/task"):
        with open(f"/proc/{zygote}/task/{task}/children") as children:
            found += [int(pid) for pid in children.read().split()]
    return found


def threads_of(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return 0


def wait_until(condition: Callable[[], bool], attempts: int = 200) -> bool:
    """Poll ``condition`` (children are reaped asynchronously); no timing is asserted."""
    import time

    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.05)
    return condition()


SHM_ATTEMPT = """
import ctypes
import numpy as np

libc = ctypes.CDLL(None)
libc.shmget(0x5eed, 512 * 1024 * 1024, 0o1666)

def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""

MSG_ATTEMPT = """
import ctypes
import numpy as np

libc = ctypes.CDLL(None)
queue = libc.msgget(0x5eed, 0o1666)

def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""

SEM_ATTEMPT = """
import ctypes
import numpy as np

libc = ctypes.CDLL(None)
libc.semget(0x5eed, 1, 0o1666)

def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""


@pytest.mark.parametrize("code", [SHM_ATTEMPT, MSG_ATTEMPT, SEM_ATTEMPT], ids=["shm", "msg", "sem"])
def test_system_v_ipc_is_refused_and_leaves_nothing_on_the_host(
    worker_sandbox: Sandbox, code: str
) -> None:
    before = Path("/proc/sysvipc/shm").read_text() + Path("/proc/sysvipc/msg").read_text()
    verdict = grade(worker_sandbox, code)
    assert verdict["status"] == "graded"
    assert verdict["score"] == 0
    assert verdict["error"]["kind"] == "forbidden"
    after = Path("/proc/sysvipc/shm").read_text() + Path("/proc/sysvipc/msg").read_text()
    assert "5eed" not in after.lower() and str(0x5EED) not in after.replace(before, "")


def test_the_children_live_in_an_ipc_namespace_of_their_own(worker_sandbox: Sandbox) -> None:
    grade(worker_sandbox, SHM_ATTEMPT)
    zygote = worker_sandbox.zygote_pid
    assert "ipcns" in worker_sandbox.layers
    assert os.readlink(f"/proc/{zygote}/ns/ipc") != os.readlink("/proc/self/ns/ipc")


@pytest.mark.parametrize("code", [SHM_ATTEMPT, MSG_ATTEMPT, SEM_ATTEMPT], ids=["shm", "msg", "sem"])
def test_the_worker_refuses_ctypes_before_anything_runs(worker_sandbox: Sandbox, code: str) -> None:
    verdict = worker_grade(worker_sandbox, code)
    assert verdict["score"] == 0
    assert verdict["error"]["kind"] == "forbidden"
    assert "module ctypes is not available in the grader" in verdict["error"]["message"]


LINGERING = """
import sys
import threading
import time
import numpy as np

harness = sys.modules["graders.sandbox.harness"]

def spin():
    while True:
        time.sleep(0.01)

for _ in range(40):
    threading.Thread(target=spin, daemon=True).start()

def keep_running(code=0):
    for fd in (1, 2, 4):
        try:
            __import__("os").close(fd)
        except OSError:
            pass
    while True:
        time.sleep(0.01)

harness.finish = keep_running

def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""


def test_a_child_that_replaces_finish_and_starts_threads_is_gone_after_its_job(
    worker_sandbox: Sandbox,
) -> None:
    for _ in range(3):
        verdict = grade(worker_sandbox, LINGERING)
        assert verdict["status"] == "graded"
    # Each of them started 40 threads. What may remain is only what the sandbox keeps
    # between jobs, all single-threaded: children forked ahead (two at most: a grading
    # runs the reference and the submission together) and the references' residents.
    most = 2 + RESIDENTS_KEPT
    assert wait_until(
        lambda: (
            len(zygote_children(worker_sandbox)) <= most
            and all(threads_of(pid) <= 1 for pid in zygote_children(worker_sandbox))
        )
    )


def forged_frame(header: dict, payload_bytes: int = 0) -> str:
    """A module that writes its own frame (and ``payload_bytes`` zeros) to the result pipe."""
    return f"""
import json
import os
import struct

header = {header!r}
body = json.dumps(header).encode()
frame = b"AQW1" + struct.pack("<I", len(body)) + body + bytes({payload_bytes})
view = memoryview(frame)
while view:
    view = view[os.write(4, view):]
os._exit(0)
"""


def call_name() -> str:
    spec = ExerciseSpec.from_dict(SIGMOID_SPEC)
    plan = engine.code.plan_calls(spec, Submission(seed=7, code="x"))
    return plan[0][2][0].name


def test_a_400_digit_duration_is_the_students_zero_not_a_grader_failure(
    worker_sandbox: Sandbox,
) -> None:
    header = {"type": "call", "name": call_name(), "ok": True, "seconds": 10**400, "buffers": []}
    verdict = grade(worker_sandbox, forged_frame(header))
    assert verdict["status"] == "graded"
    assert verdict["score"] == 0
    assert "malformed" in verdict["error"]["message"]


def test_a_buffer_referenced_a_thousand_times_is_refused(worker_sandbox: Sandbox) -> None:
    array = {"nd": 0, "dtype": "<f8", "shape": [1 << 17]}
    header = {
        "type": "call",
        "name": call_name(),
        "ok": True,
        "value": {"tuple": [array] * 1000},
        "buffers": [8 << 17],
    }
    verdict = grade(worker_sandbox, forged_frame(header, 8 << 17))
    assert verdict["status"] == "graded"
    assert verdict["score"] == 0
    assert "more than once" in verdict["error"]["message"]


def test_an_array_of_shape_eight_to_the_k_makes_a_small_verdict(worker_sandbox: Sandbox) -> None:
    code = """
    import numpy as np

    def sigmoid(x):
        return np.zeros((8,) * 7)
    """
    verdict = grade(worker_sandbox, code)
    assert verdict["status"] == "graded"
    assert verdict["score"] == 0
    assert len(json.dumps(verdict)) < 256 * 1024


def test_a_lone_surrogate_in_an_error_still_makes_utf8_json(worker_sandbox: Sandbox) -> None:
    code = """
    def sigmoid(x):
        raise ValueError("bad \\ud800 value")
    """
    verdict = grade(worker_sandbox, code)
    assert verdict["status"] == "graded"
    text = json.dumps(verdict, ensure_ascii=False)
    text.encode("utf-8")
    assert "bad" in text


def test_after_the_battery_the_same_sandbox_grades_a_right_solution_fully(
    worker_sandbox: Sandbox,
) -> None:
    code = """
    import numpy as np

    def sigmoid(x):
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x)
        pos = x >= 0
        out[pos] = 1 / (1 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1 + ex)
        return out
    """
    verdict = grade(worker_sandbox, code)
    assert verdict["score"] == verdict["max_score"]
