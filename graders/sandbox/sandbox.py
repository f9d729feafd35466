"""The trusted side: ``Sandbox`` owns one zygote and turns a ``Job`` into a ``RunResult``.

One ``Sandbox`` per worker process, reused across jobs. It starts the zygote lazily,
keeps one child pre-forked and locked down so a job only pays for running, enforces
the wall-clock limit and the output caps, and rebuilds results from plain bytes.
If the zygote dies it is restarted and the job retried once.
"""

from __future__ import annotations

import json
import logging
import os
import select
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from graders.sandbox import wire
from graders.sandbox.lockdown import LAYERS
from graders.sandbox.results import exit_verdict, read_frames
from graders.sandbox.types import CallResult, Job, Limits, RunResult
from graders.sandbox.wire import LOCKED

logger = logging.getLogger("graders.sandbox")

PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from graders.sandbox.zygote import main; main(sys.argv[2:])"
START_TIMEOUT = 180.0
SPAWN_TIMEOUT = 30.0
KILL_GRACE = 5.0
READ_CHUNK = 1 << 16
# Past this many bytes of stdout+stderr (kept or not) the run ends as "output_limit".
OUTPUT_KILL_FACTOR = 4
OUTPUT_KILL_MINIMUM = 256 * 1024
RESULT_HEADER_SLACK = 1 << 20
DEFAULT_LIMITS = Limits()


class SandboxError(RuntimeError):
    """The sandbox could not judge the job (not the student's fault); retry later."""


class SandboxUnavailable(SandboxError):
    """A required isolation layer is missing on this machine."""


class _ZygoteLost(Exception):
    """The zygote (or a pre-forked child) went away; the job may be retried once."""


class _NoAnswer(_ZygoteLost):
    """No awaited message arrived before the deadline."""


@dataclass
class _Child:
    request_id: int
    job_w: int
    result_r: int
    out_r: int
    err_r: int
    pid: int | None = None

    def close(self) -> None:
        for fd in (self.job_w, self.result_r, self.out_r, self.err_r):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.job_w = self.result_r = self.out_r = self.err_r = -1


@dataclass
class _Collected:
    result: bytearray = field(default_factory=bytearray)
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    killed_for: str | None = None


def _scrubbed_environment() -> dict[str, str]:
    # Only what the numeric libraries need: nothing from the worker's environment
    # (database URLs, API tokens) may reach a process every child can read.
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/nonexistent"}
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    ):
        env[name] = "1"
    return env


def encode_job(job: Job, limits: Limits) -> bytes:
    """Serialise ``job`` and ``limits`` into the single frame a child reads; returns bytes."""
    buffers: list[memoryview] = []
    calls = []
    for call in job.calls:
        calls.append(
            {
                "name": call.name,
                "target": call.target,
                "args": wire.encode_tree(tuple(call.args), buffers),
                "kwargs": wire.encode_tree(dict(call.kwargs), buffers),
                "construct": wire.encode_tree(
                    (tuple(call.construct[0]), dict(call.construct[1])) if call.construct else None,
                    buffers,
                ),
                "method": call.method,
                "tensors": bool(call.tensors),
                "upstream": wire.encode_tree(call.upstream, buffers),
                "return_args": bool(call.return_args),
                "return_parameters": bool(call.return_parameters),
            }
        )
    header = {
        "code": job.code,
        "framework": job.framework,
        "forbidden": list(job.forbidden),
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_bytes,
        "result_bytes": limits.result_bytes,
        "calls": calls,
    }
    return wire.pack(header, buffers)


class Sandbox:
    """A pool of one warm zygote; ``run(job, limits)`` is safe to call repeatedly.

    ``allow_missing_layers`` names layers (see ``lockdown.LAYERS``) the operator accepts
    running without on this machine; without it a missing layer refuses to start.
    ``prefork`` keeps the next child forked and locked down ahead of time.
    """

    def __init__(
        self, *, allow_missing_layers: frozenset[str] = frozenset(), prefork: bool = True
    ) -> None:
        unknown = set(allow_missing_layers) - set(LAYERS)
        if unknown:
            raise ValueError(f"unknown sandbox layers: {sorted(unknown)}; known: {list(LAYERS)}")
        self.allow_missing_layers = frozenset(allow_missing_layers)
        self.prefork = prefork
        self.layers: tuple[str, ...] = ()
        self.zygote_vm_bytes = 0
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._owner_pid = os.getpid()
        self._next_id = 0
        self._spawned: dict[int, int] = {}
        self._exits: dict[int, tuple[int, float]] = {}
        self._watched: set[int] = set()
        self._pending: _Child | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the zygote if it is not running; raises ``SandboxUnavailable`` if a layer is missing."""
        with self._lock:
            self._ensure_started()

    def close(self) -> None:
        """Stop the zygote and every child; the object may be started again later."""
        with self._lock:
            self._stop()

    def run(self, job: Job, limits: Limits = DEFAULT_LIMITS) -> RunResult:
        """Run ``job`` in a fresh locked-down child under ``limits``.

        Returns the ``RunResult``; raises ``SandboxError`` when the sandbox itself fails
        twice in a row (the student's code cannot cause that).
        """
        with self._lock:
            for attempt in (1, 2):
                self._ensure_started()
                try:
                    return self._run_once(job, limits)
                except _ZygoteLost as exc:
                    logger.warning(
                        "sandbox zygote lost (%s); restarting (attempt %d)", exc, attempt
                    )
                    self._stop()
            raise SandboxError("the sandbox failed twice in a row")

    # -- zygote lifecycle -------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._owner_pid != os.getpid():
            # Inherited across fork (e.g. a prefork worker pool): that zygote is not ours.
            self._process, self._control, self._pending = None, None, None
            self._owner_pid = os.getpid()
        if self._process is not None and self._process.poll() is None:
            return
        self._stop()
        parent_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = subprocess.Popen(
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
                env=_scrubbed_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                cwd="/",
            )
        finally:
            zygote_end.close()
        self._control = parent_end
        try:
            ready = self._receive(
                time.monotonic() + START_TIMEOUT, until=lambda m: m.get("op") == "ready"
            )
        except _ZygoteLost as exc:
            self._stop()
            raise SandboxError(f"the sandbox zygote did not start: {exc}") from None
        self._check_layers(ready)
        self.zygote_vm_bytes = int(ready.get("vm_bytes", 0))

    def _check_layers(self, ready: dict[str, Any]) -> None:
        missing: dict[str, str] = ready.get("missing", {})
        if ready.get("threads", 1) != 1:
            missing["single_thread"] = (
                f"the zygote runs {ready.get('threads')} threads; forked children could hang"
            )
        refused = {
            layer: reason
            for layer, reason in missing.items()
            if layer not in self.allow_missing_layers
        }
        if refused:
            self._stop()
            details = "; ".join(f"{layer}: {reason}" for layer, reason in refused.items())
            raise SandboxUnavailable(
                f"refusing to run untrusted code without these sandbox layers: {details}. "
                f"Pass Sandbox(allow_missing_layers=frozenset({sorted(refused)!r})) to accept the risk."
            )
        for layer, reason in missing.items():
            logger.critical(
                "SANDBOX LAYER OFF: %s (%s); allowed by allow_missing_layers", layer, reason
            )
        self.layers = tuple(ready.get("layers", ()))

    def _stop(self) -> None:
        if self._pending is not None:
            self._pending.close()
            self._pending = None
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        self._spawned.clear()
        self._exits.clear()
        self._watched.clear()

    # -- control channel --------------------------------------------------------------

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("op") == "spawned":
            self._spawned[int(message["id"])] = int(message["pid"])
        elif message.get("op") == "exit":
            pid = int(message["pid"])
            # Only exits of the running job matter; older ones are dropped so memory stays flat.
            if pid in self._watched:
                self._exits[pid] = (int(message["status"]), float(message["cpu"]))

    def _read_control(self) -> dict[str, Any]:
        assert self._control is not None
        try:
            data = self._control.recv(65536)
        except OSError as exc:
            raise _ZygoteLost(f"control channel failed: {exc}") from None
        if not data:
            raise _ZygoteLost("the zygote exited")
        message = json.loads(data)
        self._handle(message)
        return message

    def _receive(self, deadline: float, until: Any) -> dict[str, Any]:
        assert self._control is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _NoAnswer("the zygote did not answer in time")
            ready, _, _ = select.select([self._control], [], [], remaining)
            if ready:
                message = self._read_control()
                if until(message):
                    return message

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        assert self._control is not None
        try:
            socket.send_fds(self._control, [json.dumps(message).encode()], fds or [])
        except OSError as exc:
            raise _ZygoteLost(f"control channel failed: {exc}") from None

    # -- children ---------------------------------------------------------------------

    def _spawn(self) -> _Child:
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self._next_id += 1
        child = _Child(self._next_id, job_w, result_r, out_r, err_r)
        try:
            self._send({"op": "spawn", "id": child.request_id}, [job_r, result_w, out_w, err_w])
        except _ZygoteLost:
            child.close()
            raise
        finally:
            for fd in (job_r, result_w, out_w, err_w):
                os.close(fd)
        return child

    def _child_pid(self, child: _Child) -> int:
        if child.request_id not in self._spawned:
            self._receive(
                time.monotonic() + SPAWN_TIMEOUT, until=lambda m: m.get("id") == child.request_id
            )
        return self._spawned.pop(child.request_id)

    def _run_once(self, job: Job, limits: Limits) -> RunResult:
        payload = encode_job(job, limits)
        child, self._pending = self._pending or self._spawn(), None
        pid = -1
        try:
            pid = self._child_pid(child)
            self._watched = {pid}
            self._await_locked(child)
            started = time.monotonic()
            try:
                self._write_all(child.job_w, payload)
            except BrokenPipeError:
                raise _ZygoteLost("the pre-forked child was gone") from None
            os.close(child.job_w)
            child.job_w = -1
            if self.prefork:
                # Fork and lock down the next child while this one runs.
                self._pending = self._spawn()
            deadline = started + limits.wall_seconds
            collected = self._collect(child, pid, limits, deadline)
            wall_ms = (time.monotonic() - started) * 1000.0
            names = [call.name for call in job.calls]
            return self._verdict(collected, pid, names, limits, deadline, wall_ms)
        finally:
            child.close()
            self._exits.pop(pid, None)
            self._watched = set()

    def _await_locked(self, child: _Child) -> None:
        """Wait for the child's lock-down marker.

        The marker is written before the child reads its job, so only the harness can
        send it; anything else in its place is a sandbox failure, not the student's.
        """
        received = bytearray()
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while len(received) < len(LOCKED) or received[: len(LOCKED)] != LOCKED:
            ready, _, _ = select.select(
                [child.result_r], [], [], max(deadline - time.monotonic(), 0)
            )
            data = os.read(child.result_r, 4096) if ready else b""
            if not data:
                break
            received += data
        if received == LOCKED:
            return
        if not received:
            raise _ZygoteLost("a child died before finishing its lock-down")
        detail = received.decode("utf-8", "replace")[:2000]
        raise SandboxError(f"the sandbox child could not lock itself down: {detail}")

    @staticmethod
    def _write_all(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]

    def _kill(self, pid: int) -> None:
        self._send({"op": "kill", "pid": pid})

    def _collect(self, child: _Child, pid: int, limits: Limits, deadline: float) -> _Collected:
        assert self._control is not None
        got = _Collected()
        open_fds = {child.result_r, child.out_r, child.err_r}
        output_kill = max(OUTPUT_KILL_FACTOR * limits.output_bytes, OUTPUT_KILL_MINIMUM)
        result_kill = limits.result_bytes + RESULT_HEADER_SLACK
        hard_deadline = deadline + KILL_GRACE
        while open_fds:
            now = time.monotonic()
            if got.killed_for is None and now >= deadline:
                got.killed_for = "timeout"
                self._kill(pid)
            if now >= hard_deadline:
                raise _ZygoteLost("a killed child did not go away")
            wait = (deadline if got.killed_for is None else hard_deadline) - now
            ready, _, _ = select.select([*open_fds, self._control], [], [], max(wait, 0.0))
            for fd in ready:
                if fd is self._control:
                    self._read_control()
                    continue
                data = os.read(fd, READ_CHUNK)
                if not data:
                    open_fds.discard(fd)
                elif fd == child.result_r:
                    got.result += data
                    if len(got.result) > result_kill and got.killed_for is None:
                        got.killed_for = "result_limit"
                        self._kill(pid)
                        got.result.clear()
                else:
                    self._keep_output(got, fd == child.out_r, data, limits.output_bytes)
                    if got.output_total > output_kill and got.killed_for is None:
                        got.killed_for = "output_limit"
                        self._kill(pid)
        return got

    @staticmethod
    def _keep_output(got: _Collected, is_stdout: bool, data: bytes, keep: int) -> None:
        room = max(0, keep - (len(got.stdout) + len(got.stderr)))
        (got.stdout if is_stdout else got.stderr).extend(data[:room])
        got.output_total += len(data)

    def _verdict(
        self,
        got: _Collected,
        pid: int,
        call_names: list[str],
        limits: Limits,
        deadline: float,
        wall_ms: float,
    ) -> RunResult:
        calls: list[CallResult] = []
        final: dict[str, Any] | None = None
        problem: str | None = None
        calls, final, problem = read_frames(bytes(got.result), call_names)
        if got.killed_for == "timeout":
            status, message = "timeout", f"time limit of {limits.wall_seconds:g} s exceeded"
        elif got.killed_for == "output_limit":
            status, message = (
                "output_limit",
                f"the submission printed more than {got.output_total // 1024} KiB",
            )
        elif got.killed_for == "result_limit":
            status, message = (
                "output_limit",
                f"the returned values exceed the {limits.result_bytes} byte limit",
            )
        elif final is not None:
            status, message = final["status"], final["message"]
        elif problem is not None:
            status, message = "crash", problem
        else:
            ended = self._await_exit(pid, deadline)
            if ended is None:
                status, message = "timeout", f"time limit of {limits.wall_seconds:g} s exceeded"
            else:
                status, message = exit_verdict(*ended, limits)
        return RunResult(
            status=status,
            message=message,
            calls=tuple(calls),
            stdout=got.stdout.decode("utf-8", "replace"),
            stderr=got.stderr.decode("utf-8", "replace"),
            output_truncated=got.output_total > len(got.stdout) + len(got.stderr),
            wall_ms=wall_ms,
        )

    def _await_exit(self, pid: int, deadline: float) -> tuple[int, float] | None:
        """Wait for the zygote's report that child ``pid`` exited.

        The child closed its pipes without a final frame: it is exiting, or it closed
        them on purpose and keeps running, in which case the wall limit still applies.
        Returns ``(wait_status, cpu_seconds)``, or None when the wall limit came first
        (the child is then killed).
        """

        def exited(message: dict[str, Any]) -> bool:
            return message.get("op") == "exit" and message.get("pid") == pid

        if pid not in self._exits:
            try:
                self._receive(deadline, until=exited)
            except _NoAnswer:
                self._kill(pid)
                self._receive(deadline + KILL_GRACE, until=exited)
                return None
        return self._exits[pid]
