"""The trusted side: ``Sandbox`` owns one zygote and turns a ``Job`` into a ``RunResult``.

One ``Sandbox`` per worker process, reused across jobs. It starts the zygote lazily,
keeps one child pre-forked and locked down so a job only pays for running, enforces
the wall-clock limit and the output caps, and rebuilds results from plain bytes.
If the zygote dies it is restarted and the job retried once.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Self

from graders.sandbox import shared_inputs, wire
from graders.sandbox.lockdown import LAYERS
from graders.sandbox.results import exit_verdict, read_frames
from graders.sandbox.types import Job, Limits, RunResult
from graders.sandbox.wire import LOCKED
from graders.sandbox.zygote_client import Child, ZygoteClient, ZygoteLost

logger = logging.getLogger("graders.sandbox")

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


@dataclass
class _Collected:
    result: bytearray = field(default_factory=bytearray)
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    killed_for: str | None = None

    def keep_output(self, is_stdout: bool, data: bytes, keep: int) -> None:
        room = max(0, keep - (len(self.stdout) + len(self.stderr)))
        (self.stdout if is_stdout else self.stderr).extend(data[:room])
        self.output_total += len(data)


def encode_job(
    job: Job,
    limits: Limits,
    shared: tuple[shared_inputs.Slot, ...] = (),
    shared_bytes: int = 0,
) -> bytes:
    """Serialise ``job`` and ``limits`` into the single frame a child reads; returns bytes.

    ``shared`` (from ``shared_inputs.layout``) names the arguments that travel in the
    child's memfd instead: the frame carries None and their place in the memfd.
    """
    buffers: list[memoryview] = []
    calls = []
    for index, call in enumerate(job.calls):
        construct = (tuple(call.construct[0]), dict(call.construct[1])) if call.construct else None
        slots = [slot for slot in shared if slot.call == index]
        in_memfd = {slot.position for slot in slots}
        args = tuple(None if i in in_memfd else arg for i, arg in enumerate(call.args))
        calls.append(
            {
                "name": call.name,
                "target": call.target,
                "args": wire.encode_tree(args, buffers),
                "shared_args": [
                    [slot.position, slot.offset, slot.dtype, list(slot.shape)] for slot in slots
                ],
                "kwargs": wire.encode_tree(dict(call.kwargs), buffers),
                "construct": wire.encode_tree(construct, buffers),
                "method": call.method,
                "tensors": bool(call.tensors),
                "upstream": wire.encode_tree(call.upstream, buffers),
                "return_args": bool(call.return_args),
                "return_parameters": bool(call.return_parameters),
                "load_parameters": wire.encode_tree(call.load_parameters, buffers),
            }
        )
    header = {
        "code": job.code,
        "framework": job.framework,
        "forbidden": list(job.forbidden),
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_bytes,
        "result_bytes": limits.result_bytes,
        "shared_bytes": shared_bytes,
        "calls": calls,
    }
    return wire.pack(header, buffers)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


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
        self._zygote = ZygoteClient()
        self._owner_pid = os.getpid()
        self._pending: Child | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def zygote_pid(self) -> int | None:
        """The zygote's pid while it runs, else None."""
        return self._zygote.process.pid if self._zygote.alive() and self._zygote.process else None

    def start(self) -> None:
        """Start the zygote if needed; raises ``SandboxUnavailable`` if a layer is missing."""
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
                except ZygoteLost as exc:
                    logger.warning(
                        "sandbox zygote lost (%s); restarting (attempt %d)", exc, attempt
                    )
                    self._stop()
            raise SandboxError("the sandbox failed twice in a row")

    # -- zygote lifecycle -------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._owner_pid != os.getpid():
            # Inherited across fork (e.g. a prefork worker pool): that zygote is not ours.
            self._zygote.forget()
            if self._pending is not None:
                self._pending.close()  # our copies of the parent's pre-forked child's pipes
                self._pending = None
            self._owner_pid = os.getpid()
        if self._zygote.alive():
            return
        self._stop()
        try:
            ready = self._zygote.start(START_TIMEOUT)
        except ZygoteLost as exc:
            self._stop()
            raise SandboxError(f"the sandbox zygote did not start: {exc}") from None
        self._check_layers(ready)
        self.zygote_vm_bytes = int(ready.get("vm_bytes", 0))

    def _check_layers(self, ready: dict[str, Any]) -> None:
        missing: dict[str, str] = dict(ready.get("missing", {}))
        if ready.get("threads", 1) != 1:
            threads = ready.get("threads")
            missing["single_thread"] = f"the zygote runs {threads} threads; children could hang"
        refused = {k: v for k, v in missing.items() if k not in self.allow_missing_layers}
        if refused:
            self._stop()
            details = "; ".join(f"{layer}: {reason}" for layer, reason in refused.items())
            raise SandboxUnavailable(
                f"refusing to run untrusted code without these sandbox layers: {details}. "
                f"Pass Sandbox(allow_missing_layers=frozenset({sorted(refused)!r})) "
                "to accept the risk."
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
        self._zygote.stop()

    # -- one job ----------------------------------------------------------------------

    def _run_once(self, job: Job, limits: Limits) -> RunResult:
        slots, shared_bytes = shared_inputs.layout(job)
        payload = encode_job(job, limits, slots, shared_bytes)
        child, self._pending = self._pending or self._zygote.spawn(), None
        try:
            pid = self._zygote.child_pid(child, SPAWN_TIMEOUT)
            self._zygote.watch(pid)
            self._await_locked(child)
            shared_inputs.fill(child.inputs_fd, job, slots, shared_bytes)
            started = time.monotonic()
            try:
                _write_all(child.job_w, payload)
            except BrokenPipeError:
                raise ZygoteLost("the pre-forked child was gone") from None
            os.close(child.job_w)
            child.job_w = -1
            if self.prefork:
                # Fork and lock down the next child while this one runs.
                self._pending = self._zygote.spawn()
            deadline = started + limits.wall_seconds
            collected = self._collect(child, pid, limits, deadline)
            wall_ms = (time.monotonic() - started) * 1000.0
            # The caller's memory as the worker itself sees it once the child is done.
            caller_args = shared_inputs.read_back(child.inputs_fd, job, slots, shared_bytes)
            names = [call.name for call in job.calls]
            verdict = self._verdict(collected, pid, names, limits, deadline, wall_ms)
            verdict = replace(
                verdict, calls=shared_inputs.with_caller_args(verdict.calls, caller_args)
            )
            # Whatever the child did after its last frame (a replaced ``finish``, threads
            # still running), it ends with its job: one message, no waiting for the exit.
            self._zygote.kill(pid)
            return verdict
        finally:
            child.close()

    def _await_locked(self, child: Child) -> None:
        """Wait for the child's lock-down marker.

        The marker is written before the child reads its job, so only the harness can
        send it; anything else in its place is a sandbox failure, not the student's.
        """
        received = bytearray()
        deadline = time.monotonic() + SPAWN_TIMEOUT
        while received[: len(LOCKED)] != LOCKED:
            remaining = max(deadline - time.monotonic(), 0)
            ready, _, _ = select.select([child.result_r], [], [], remaining)
            data = os.read(child.result_r, 4096) if ready else b""
            if not data:
                break
            received += data
        if received == LOCKED:
            return
        if not received:
            raise ZygoteLost("a child died before finishing its lock-down")
        detail = received.decode("utf-8", "replace")[:2000]
        raise SandboxError(f"the sandbox child could not lock itself down: {detail}")

    def _collect(self, child: Child, pid: int, limits: Limits, deadline: float) -> _Collected:
        """Read the child's pipes until they close, killing it at a limit."""
        got = _Collected()
        open_fds = {child.result_r, child.out_r, child.err_r}
        control = self._zygote.fileno()
        output_kill = max(OUTPUT_KILL_FACTOR * limits.output_bytes, OUTPUT_KILL_MINIMUM)
        result_kill = limits.result_bytes + RESULT_HEADER_SLACK
        hard_deadline = deadline + KILL_GRACE
        while open_fds:
            now = time.monotonic()
            if got.killed_for is None and now >= deadline:
                got.killed_for = "timeout"
                self._zygote.kill(pid)
            if now >= hard_deadline:
                raise ZygoteLost("a killed child did not go away")
            wait = (deadline if got.killed_for is None else hard_deadline) - now
            ready, _, _ = select.select([*open_fds, control], [], [], max(wait, 0.0))
            for fd in ready:
                if fd == control:
                    self._zygote.read_one()
                    continue
                data = os.read(fd, READ_CHUNK)
                if not data:
                    open_fds.discard(fd)
                elif fd == child.result_r:
                    got.result += data
                    if len(got.result) > result_kill and got.killed_for is None:
                        got.killed_for = "result_limit"
                        self._zygote.kill(pid)
                        got.result.clear()
                else:
                    got.keep_output(fd == child.out_r, data, limits.output_bytes)
                    if got.output_total > output_kill and got.killed_for is None:
                        got.killed_for = "output_limit"
                        self._zygote.kill(pid)
        return got

    def _verdict(
        self,
        got: _Collected,
        pid: int,
        call_names: list[str],
        limits: Limits,
        deadline: float,
        wall_ms: float,
    ) -> RunResult:
        """Decide the run's status: a parent's kill first, then the child's own word."""
        calls, final, problem = read_frames(bytes(got.result), call_names)
        timeout = ("timeout", f"time limit of {limits.wall_seconds:g} s exceeded")
        if got.killed_for == "timeout":
            status, message = timeout
        elif got.killed_for == "output_limit":
            status = "output_limit"
            message = f"the submission printed more than {got.output_total // 1024} KiB"
        elif got.killed_for == "result_limit":
            status = "output_limit"
            message = f"the returned values exceed the {limits.result_bytes} byte limit"
        elif final is not None:
            status, message = final["status"], final["message"]
        elif problem is not None:
            status, message = "crash", problem
        else:
            ended = self._zygote.await_exit(pid, deadline, KILL_GRACE)
            status, message = timeout if ended is None else exit_verdict(*ended, limits)
        return RunResult(
            status=status,
            message=message,
            calls=tuple(calls),
            stdout=got.stdout.decode("utf-8", "replace"),
            stderr=got.stderr.decode("utf-8", "replace"),
            output_truncated=got.output_total > len(got.stdout) + len(got.stderr),
            wall_ms=wall_ms,
        )
