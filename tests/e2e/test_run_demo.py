"""``./run demo`` as a newcomer uses it: start, submit through the API, Ctrl-C, nothing left."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# A terminal delivers Ctrl-C to a shell whose SIGINT is at its default. A test run
# started in the background inherits SIGINT *ignored*, and bash cannot trap a signal
# that was ignored when it started, so restore the default before exec'ing ./run.
RESTORE_CTRL_C_THEN_RUN_DEMO = (
    "import os, signal; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv('./run', ['./run', 'demo'])"
)
CORRECT_RELU = "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0).astype(x.dtype)\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, read from /proc (children of children included)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, int]]:
    port = free_port()
    log = tmp_path / "demo.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
        "ACTQUIZ_GRADING_QUEUE": f"demo-test-{uuid.uuid4().hex[:8]}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", RESTORE_CTRL_C_THEN_RUN_DEMO], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    yield process, log, port
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_the_demo_grades_a_submission_and_ctrl_c_stops_everything_it_started(
    demo: tuple[subprocess.Popen[bytes], Path, int],
) -> None:
    process, log, port = demo
    deadline = time.monotonic() + 300
    while "ActQuiz is running at" not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)
    output = log.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    token = re.search(r"student\s+username \S+\s+password \S+\s+token (\w+)", output).group(1)
    headers = {"Authorization": f"Token {token}"}
    base = f"http://127.0.0.1:{port}/api/v1"

    created = requests.post(
        f"{base}/exercises/relu-numpy/submissions/",
        json={"code": CORRECT_RELU},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 202, created.text
    body = created.json()
    while body["status"] not in ("graded", "failed"):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)
        body = requests.get(created.json()["url"], headers=headers, timeout=30).json()
    assert body["status"] == "graded"
    assert body["score"] == body["max_score"]

    started = descendants(process.pid)
    assert len(started) >= 3  # web, worker (+ pool and sandbox), sweeper
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    assert process.wait(timeout=60) == 0

    stop_deadline = time.monotonic() + 30
    while any(alive(pid) for pid in started) and time.monotonic() < stop_deadline:
        time.sleep(0.2)
    assert not [pid for pid in started if alive(pid)]
