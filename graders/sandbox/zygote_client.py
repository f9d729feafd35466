"""The trusted side of the zygote: start it, talk to it, get children from it.

Used only by ``Sandbox``. Messages are JSON over a SOCK_SEQPACKET socketpair; child
pipes travel as SCM_RIGHTS descriptors, so the zygote never sees a job's bytes.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graders.sandbox import shared_inputs

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from graders.sandbox.zygote import main; main(sys.argv[2:])"
)
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


class ZygoteLost(Exception):
    """The zygote (or a pre-forked child) went away; the job may be retried once."""


class NoAnswer(ZygoteLost):
    """No awaited message arrived before the deadline."""


@dataclass
class Child:
    """The parent's ends of one child's pipes."""

    request_id: int
    job_w: int
    result_r: int
    out_r: int
    err_r: int
    inputs_fd: int  # the memfd the child maps its shared arguments from (shared_inputs)

    def close(self) -> None:
        """Close every pipe end (and the memfd) still open; safe to repeat."""
        for fd in (self.job_w, self.result_r, self.out_r, self.err_r, self.inputs_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.job_w = self.result_r = self.out_r = self.err_r = self.inputs_fd = -1


def scrubbed_environment() -> dict[str, str]:
    """The zygote's whole environment: what the numeric libraries need and nothing else."""
    # Nothing from the worker's environment (database URLs, API tokens) may reach a
    # process whose memory every child can read.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}
    env.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    return env


class ZygoteClient:
    """One zygote process and its control channel."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._next_id = 0
        self._spawned: dict[int, int] = {}
        self._exits: dict[int, tuple[int, float]] = {}
        self._watched: set[int] = set()

    def alive(self) -> bool:
        """True while the zygote process runs."""
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float) -> dict[str, Any]:
        """Start the zygote and wait for its ``ready`` message (returned); raises ZygoteLost."""
        parent_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-B",
                    "-c",
                    _BOOT,
                    PROJECT_ROOT,
                    str(os.getpid()),
                    str(zygote_end.fileno()),
                ],
                pass_fds=[zygote_end.fileno()],
                env=scrubbed_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                cwd="/",
            )
        finally:
            zygote_end.close()
        self._control = parent_end
        return self.receive(time.monotonic() + timeout, lambda m: m.get("op") == "ready")

    def stop(self) -> None:
        """Close the channel (the zygote then kills its children and exits) and reap it."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        self._spawned.clear()
        self._exits.clear()
        self._watched.clear()

    def forget(self) -> None:
        """Drop a zygote inherited across fork without disturbing it (it is the parent's).

        Closing our copy of the channel only drops this process's reference; the
        parent's copy and its zygote carry on.
        """
        if self._control is not None:
            self._control.close()  # close(2), not shutdown(2): the parent's copy lives on
        self.process, self._control = None, None
        self._spawned.clear()
        self._exits.clear()
        self._watched.clear()

    # -- messages ---------------------------------------------------------------------

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("op") == "spawned":
            self._spawned[int(message["id"])] = int(message["pid"])
        elif message.get("op") == "exit":
            pid = int(message["pid"])
            # Only the running job's exit matters; others are dropped so memory stays flat.
            if pid in self._watched:
                self._exits[pid] = (int(message["status"]), float(message["cpu"]))

    def read_one(self) -> dict[str, Any]:
        """Read and record one message (call when the channel is readable); return it."""
        assert self._control is not None
        try:
            data = self._control.recv(65536)
        except OSError as exc:
            raise ZygoteLost(f"control channel failed: {exc}") from None
        if not data:
            raise ZygoteLost("the zygote exited")
        message = json.loads(data)
        self._handle(message)
        return message

    def receive(self, deadline: float, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Read messages until ``until(message)``; return that one. Raises NoAnswer at ``deadline``."""
        assert self._control is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoAnswer("the zygote did not answer in time")
            ready, _, _ = select.select([self._control], [], [], remaining)
            if ready:
                message = self.read_one()
                if until(message):
                    return message

    def fileno(self) -> int:
        """The control channel's descriptor, for ``select``."""
        assert self._control is not None
        return self._control.fileno()

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        assert self._control is not None
        try:
            socket.send_fds(self._control, [json.dumps(message).encode()], fds or [])
        except OSError as exc:
            raise ZygoteLost(f"control channel failed: {exc}") from None

    # -- children ---------------------------------------------------------------------

    def spawn(self, warm: str | None = None, resident: bool = False) -> Child:
        """Ask for a new locked-down child; returns its pipes (the pid comes later).

        ``warm`` ("numpy" or "torch") has the child run that framework's warm-up job
        before it reads its own: only for a child forked ahead of its job. A
        ``resident`` child reads length-prefixed jobs until its job pipe closes.
        """
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        inputs_fd = shared_inputs.create()
        self._next_id += 1
        child = Child(self._next_id, job_w, result_r, out_r, err_r, inputs_fd)
        try:
            self._send(
                {"op": "spawn", "id": child.request_id, "warm": warm, "resident": resident},
                [job_r, result_w, out_w, err_w, inputs_fd],
            )
        except ZygoteLost:
            child.close()
            raise
        finally:
            for fd in (job_r, result_w, out_w, err_w):
                os.close(fd)
        return child

    def child_pid(self, child: Child, timeout: float) -> int:
        """The pid of ``child``, waiting up to ``timeout`` seconds for the zygote's answer."""
        if child.request_id not in self._spawned:
            self.receive(time.monotonic() + timeout, lambda m: m.get("id") == child.request_id)
        return self._spawned.pop(child.request_id)

    def watch(self, pids: set[int]) -> None:
        """Keep the exit reports of ``pids`` (the running jobs' children) and no others."""
        self._watched = set(pids)
        self._exits.clear()

    def kill(self, pid: int) -> None:
        """SIGKILL child ``pid`` (the zygote uses a pidfd: a recycled pid cannot be hit)."""
        self._send({"op": "kill", "pid": pid})

    def exit_report(self, pid: int) -> tuple[int, float] | None:
        """``(wait_status, cpu_seconds)`` of watched child ``pid`` once it exited, else None."""
        return self._exits.get(pid)
