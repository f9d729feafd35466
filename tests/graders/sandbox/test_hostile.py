"""Real hostile submissions against one shared zygote: each ends in a clean verdict, nothing escapes.

The tests run in file order; the last one proves that after the whole battery the same
zygote still grades a correct submission correctly.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import numpy as np
import pytest

from graders.sandbox import Call, Job, Limits, Sandbox
from tests.graders.sandbox.conftest import (
    PLANTED_NAME,
    PLANTED_SECRET,
    QUICK,
    SIGMOID,
    expected_sigmoid,
    run_code,
    sigmoid_inputs,
)

pytestmark = pytest.mark.slow


def wrap(body: str, *, imports: str = "") -> str:
    """A module whose ``sigmoid`` runs ``body`` (indented into the function)."""
    return f"import numpy as np\n{imports}\n\ndef sigmoid(x):\n{textwrap.indent(textwrap.dedent(body), '    ')}\n"


@pytest.fixture(scope="module")
def zygote_pid(sandbox: Sandbox) -> int:
    sandbox.start()
    assert sandbox.zygote_pid is not None
    return sandbox.zygote_pid


def test_the_battery_starts_with_every_layer_on(sandbox: Sandbox, zygote_pid: int) -> None:
    assert set(sandbox.layers) == {
        "rlimits",
        "netns",
        "ipcns",
        "uid",
        "no_new_privs",
        "landlock",
        "seccomp",
    }


def test_it_stops_an_infinite_loop_as_a_timeout(sandbox: Sandbox) -> None:
    result = run_code(
        sandbox, wrap("while True:\n    pass"), limits=Limits(cpu_seconds=1, wall_seconds=5)
    )
    assert result.status == "timeout"
    assert result.calls == ()


def test_it_stops_a_loop_that_ignores_signals(sandbox: Sandbox) -> None:
    body = """
    for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGALRM):
        signal.signal(sig, signal.SIG_IGN)
    n = 0
    while True:
        n += 1
    """
    result = run_code(
        sandbox, wrap(body, imports="import signal"), limits=Limits(cpu_seconds=1, wall_seconds=5)
    )
    assert result.status == "timeout"


def test_it_stops_a_sleeping_submission_at_the_wall_clock_limit(sandbox: Sandbox) -> None:
    result = run_code(
        sandbox, wrap("time.sleep(60)", imports="import time"), limits=Limits(wall_seconds=1.0)
    )
    assert result.status == "timeout"
    assert "1 s" in result.message


def test_it_reports_a_memory_bomb_as_the_memory_limit(sandbox: Sandbox) -> None:
    result = run_code(sandbox, wrap("b = bytearray(10**11)\nreturn x"))
    assert result.status == "memory"


def test_it_reports_a_torch_memory_bomb_as_the_memory_limit(sandbox: Sandbox) -> None:
    result = run_code(
        sandbox, wrap("t = torch.ones(10**11)\nreturn x", imports="import torch"), framework="torch"
    )
    assert result.status == "memory"


def test_it_reports_gradual_memory_growth_as_the_memory_limit(sandbox: Sandbox) -> None:
    body = """
    hoard = []
    while True:
        hoard.append(np.ones(2**21))
    """
    result = run_code(sandbox, wrap(body))
    assert result.status == "memory"


def test_it_stops_a_fork_bomb(sandbox: Sandbox) -> None:
    body = """
    while True:
        os.fork()
    """
    result = run_code(sandbox, wrap(body, imports="import os"))
    assert result.status == "forbidden"
    assert "SIGSYS" in result.message


def test_it_stops_os_system_before_the_command_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    marker = Path("/tmp") / f"actquiz-pwned-{uuid.uuid4().hex}"
    result = run_code(sandbox, wrap(f"os.system('touch {marker}')\nreturn x", imports="import os"))
    assert result.status == "forbidden"
    assert not marker.exists()


def test_it_stops_subprocess(sandbox: Sandbox) -> None:
    body = "return np.array([float(len(subprocess.check_output(['id'])))])"
    result = run_code(sandbox, wrap(body, imports="import subprocess"))
    assert result.status == "forbidden"
    assert result.calls == ()


def test_it_reports_a_ctypes_segfault_as_a_crash(sandbox: Sandbox) -> None:
    result = run_code(sandbox, wrap("ctypes.string_at(0)", imports="import ctypes"))
    assert result.status == "crash"
    assert "SIGSEGV" in result.message


def test_a_fake_perfect_score_before_os_exit_is_a_crash_with_no_results(sandbox: Sandbox) -> None:
    body = """
    print('{"score": 10.0, "max_score": 10.0, "status": "graded"}', flush=True)
    os._exit(0)
    """
    result = run_code(sandbox, wrap(body, imports="import os"))
    assert result.status == "crash"
    assert result.calls == ()
    assert "exit code 0" in result.message


def test_sys_exit_inside_the_call_fails_that_call(sandbox: Sandbox) -> None:
    result = run_code(sandbox, wrap("sys.exit(0)", imports="import sys"))
    assert result.status == "ok"
    assert result.calls[0].ok is False
    assert result.calls[0].error_kind == "exception"
    assert "SystemExit" in (result.calls[0].error or "")


def test_huge_stdout_is_truncated_and_ends_the_run(sandbox: Sandbox) -> None:
    body = """
    while True:
        print("A" * 10000)
    """
    limits = Limits(cpu_seconds=5, wall_seconds=10, output_bytes=4096)
    result = run_code(sandbox, wrap(body), limits=limits)
    assert result.status == "output_limit"
    assert result.output_truncated
    assert len(result.stdout) + len(result.stderr) <= 4096


def test_a_huge_return_value_is_refused(sandbox: Sandbox) -> None:
    limits = Limits(result_bytes=1024 * 1024)
    result = run_code(sandbox, wrap("return np.ones(10**6)"), limits=limits)
    assert result.calls[0].ok is False
    assert result.calls[0].error_kind == "unsupported_return"
    assert result.calls[0].value is None


def test_raw_bytes_flooding_the_result_pipe_end_the_run(sandbox: Sandbox) -> None:
    body = """
    chunk = b"AQW1" + b"\\xff" * 65536
    while True:
        os.write(4, chunk)
    """
    limits = Limits(result_bytes=1024 * 1024)
    result = run_code(sandbox, wrap(body, imports="import os"), limits=limits)
    assert result.status == "output_limit"
    assert result.calls == ()


def test_an_object_array_of_numbers_arrives_as_float64_with_a_note(sandbox: Sandbox) -> None:
    result = run_code(sandbox, wrap("return np.array([0.5, 1, True], dtype=object)"))
    call = result.calls[0]
    assert call.ok and call.value.dtype == np.float64
    assert call.value.tolist() == [0.5, 1.0, 1.0]
    assert any("object array" in w for w in call.warnings)


def test_an_object_dtype_return_is_refused(sandbox: Sandbox) -> None:
    result = run_code(sandbox, wrap("return np.array([object(), 1.0], dtype=object)"))
    assert result.calls[0].error_kind == "unsupported_return"
    assert "object" in (result.calls[0].error or "")


def test_an_ndarray_subclass_with_a_lying_eq_arrives_as_a_plain_array(sandbox: Sandbox) -> None:
    code = """
import numpy as np

class Liar(np.ndarray):
    def __eq__(self, other):
        return True
    def __sub__(self, other):
        return np.zeros_like(np.asarray(other))
    def __array_finalize__(self, obj):
        pass

def sigmoid(x):
    return np.zeros_like(x).view(Liar)
"""
    result = run_code(sandbox, code)
    value = result.calls[0].value
    assert type(value) is np.ndarray
    assert result.calls[0].value_type == "Liar"
    assert not np.allclose(value, expected_sigmoid())


def test_monkeypatching_allclose_and_builtins_changes_nothing_outside(sandbox: Sandbox) -> None:
    body = """
    np.allclose = lambda *a, **k: True
    np.testing.assert_allclose = lambda *a, **k: None
    torch.allclose = lambda *a, **k: True
    builtins.abs = lambda v: 0
    builtins.isinstance = lambda *a: True
    return np.zeros_like(x)
    """
    result = run_code(sandbox, wrap(body, imports="import builtins\nimport torch"))
    assert np.allclose(np.zeros(3), np.zeros(3)) and not np.allclose(np.zeros(3), np.ones(3))
    # Whatever the patched harness managed to send, it is never the right answer.
    values = [call.value for call in result.calls if call.ok]
    assert all(not np.allclose(value, expected_sigmoid()) for value in values)


def test_the_environment_holds_no_secrets(sandbox: Sandbox) -> None:
    body = """
    print(sorted(os.environ.items()))
    return x
    """
    result = run_code(sandbox, wrap(body, imports="import os"))
    assert result.status == "ok"
    assert PLANTED_SECRET not in result.stdout
    assert PLANTED_NAME not in result.stdout
    assert "DATABASE_URL" not in result.stdout and "SECRET_KEY" not in result.stdout


@pytest.mark.parametrize(
    "path",
    [
        str(Path(__file__).resolve().parents[3] / "graders" / "sandbox" / "sandbox.py"),
        str(Path(__file__).resolve().parents[3] / "requirements.txt"),
        "/proc/1/environ",
        "/proc/self/environ",
        "/etc/passwd",
    ],
)
def test_project_files_and_proc_cannot_be_read(sandbox: Sandbox, path: str) -> None:
    body = f"""
    try:
        data = open({path!r}, "rb").read()
        print("READ", len(data))
    except OSError as exc:
        print("DENIED", type(exc).__name__)
    return x
    """
    result = run_code(sandbox, wrap(body))
    assert result.status == "ok"
    assert "DENIED" in result.stdout
    assert "READ" not in result.stdout


@pytest.mark.parametrize("directory", ["/tmp", ".", "/dev/shm"])
def test_files_cannot_be_written(sandbox: Sandbox, directory: str) -> None:
    name = f"actquiz-written-{uuid.uuid4().hex}"
    body = f"""
    try:
        with open(os.path.join({directory!r}, {name!r}), "w") as f:
            f.write("pwned")
        print("WROTE")
    except OSError as exc:
        print("DENIED", type(exc).__name__)
    return x
    """
    result = run_code(sandbox, wrap(body, imports="import os"))
    assert "DENIED" in result.stdout and "WROTE" not in result.stdout
    for place in ("/tmp", "/", os.getcwd(), "/dev/shm"):
        assert not (Path(place) / name).exists()


@pytest.mark.parametrize("port", [6379, 5432, 8000])
def test_tcp_to_local_services_is_stopped(sandbox: Sandbox, port: int) -> None:
    body = f"""
    s = socket.create_connection(("127.0.0.1", {port}), timeout=1)
    s.sendall(b"FLUSHALL\\r\\n")
    return x
    """
    result = run_code(sandbox, wrap(body, imports="import socket"))
    assert result.status == "forbidden"
    assert result.calls == ()


def test_a_raw_socket_syscall_through_ctypes_is_stopped(sandbox: Sandbox) -> None:
    body = """
    libc = ctypes.CDLL(None)
    fd = libc.syscall(41, 2, 1, 0)
    print("SOCKET", fd)
    return x
    """
    result = run_code(sandbox, wrap(body, imports="import ctypes"))
    assert result.status == "forbidden"
    assert "SOCKET" not in result.stdout


def test_a_unix_socket_connection_is_stopped(sandbox: Sandbox) -> None:
    body = """
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("/var/run/postgresql/.s.PGSQL.5432")
    return x
    """
    result = run_code(sandbox, wrap(body, imports="import socket"))
    assert result.status == "forbidden"


def test_killing_the_zygote_fails_and_it_survives(sandbox: Sandbox, zygote_pid: int) -> None:
    body = """
    for target in (os.getppid(), 1):
        try:
            os.kill(target, signal.SIGKILL)
            print("KILLED", target)
        except OSError as exc:
            print("DENIED", type(exc).__name__)
    # kill(-1) reports success even when every target refused, so only survival counts.
    os.kill(-1, signal.SIGKILL)
    return x
    """
    result = run_code(sandbox, wrap(body, imports="import os\nimport signal"))
    assert result.status == "ok"
    assert result.stdout.count("DENIED") == 2
    assert sandbox.zygote_pid is not None
    assert sandbox.zygote_pid == zygote_pid
    # The child pre-forked during that job is another nobody process: it must survive too.
    assert run_code(sandbox, SIGMOID).status == "ok"


def test_gc_and_frame_introspection_find_no_reference_or_expected_output(sandbox: Sandbox) -> None:
    body = """
    expected = 1.0 / (1.0 + np.exp(-x))
    found = []
    for obj in gc.get_objects():
        if isinstance(obj, str) and "def sigmoid" in obj and "gc.get_objects" not in obj:
            found.append(obj)
    frame = sys._getframe()
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, np.ndarray) and value is not x and value.shape == x.shape:
                if value is not expected and np.allclose(value, expected):
                    found.append("array")
        frame = frame.f_back
    print("FOUND", len(found))
    return np.zeros_like(x)
    """
    result = run_code(sandbox, wrap(body, imports="import gc\nimport sys"))
    assert result.status == "ok"
    assert "FOUND 0" in result.stdout


def test_closing_the_pipes_and_sleeping_is_still_a_timeout(sandbox: Sandbox) -> None:
    body = """
    for fd in (1, 2, 4):
        os.close(fd)
    time.sleep(60)
    """
    result = run_code(
        sandbox, wrap(body, imports="import os\nimport time"), limits=Limits(wall_seconds=1.0)
    )
    assert result.status == "timeout"


def test_clearing_the_parent_death_signal_is_stopped(sandbox: Sandbox) -> None:
    body = """
    ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
    time.sleep(60)
    """
    result = run_code(sandbox, wrap(body, imports="import ctypes\nimport time"))
    assert result.status == "forbidden"


def test_a_forged_lock_down_failure_is_just_a_malformed_result(sandbox: Sandbox) -> None:
    body = """
    os.write(4, b"lock-down failed: please regrade me later")
    os._exit(0)
    """
    result = run_code(sandbox, wrap(body, imports="import os"))
    assert result.status == "crash"


def test_results_of_calls_finished_before_a_timeout_are_kept(sandbox: Sandbox) -> None:
    code = (
        "import time\n\ndef sigmoid(x):\n    if x[0] > 0:\n        time.sleep(60)\n    return x\n"
    )
    calls = (
        Call(name="quick", target="sigmoid", args=(-np.ones(2),)),
        Call(name="stuck", target="sigmoid", args=(np.ones(2),)),
    )
    result = sandbox.run(Job(code=code, calls=calls), Limits(wall_seconds=1.0))
    assert result.status == "timeout"
    assert [call.name for call in result.calls] == ["quick"]
    np.testing.assert_array_equal(result.calls[0].value, -np.ones(2))


def test_after_the_battery_a_correct_submission_still_gets_correct_values(
    sandbox: Sandbox, zygote_pid: int
) -> None:
    calls = tuple(
        Call(name=f"case{i}", target="sigmoid", args=(sigmoid_inputs() * (i + 1),))
        for i in range(15)
    )
    result = sandbox.run(Job(code=SIGMOID, calls=calls), QUICK)
    assert result.status == "ok"
    assert [call.name for call in result.calls] == [call.name for call in calls]
    for call, sent in zip(result.calls, calls, strict=True):
        assert call.ok
        np.testing.assert_allclose(call.value, 1.0 / (1.0 + np.exp(-sent.args[0])))
    assert sandbox.zygote_pid == zygote_pid
