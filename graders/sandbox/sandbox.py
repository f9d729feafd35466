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
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Self

from graders.sandbox import shared_inputs, wire
from graders.sandbox.lockdown import LAYERS
from graders.sandbox.results import exit_verdict, read_frames
from graders.sandbox.types import CallResult, Job, Limits, RunResult
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
# Resident children (for ``Job.resident``): how many distinct codes are kept, and how
# many jobs one serves before it is replaced (whatever it grew stays bounded).
RESIDENTS_KEPT = 4
RESIDENT_MAX_JOBS = 1000
# Children one run_together call runs at once: a grading's reference and submission.
MAX_TOGETHER = 2


class SandboxError(RuntimeError):
    """The sandbox could not judge the job (not the student's fault); retry later."""


class SandboxUnavailable(SandboxError):
    """A required isolation layer is missing on this machine."""


@dataclass
class _Resident:
    """A long-lived child serving the jobs of one trusted code (see ``Job.resident``)."""

    key: tuple[str, str]
    child: Child
    pid: int
    jobs: int = 0


@dataclass
class _Running:
    """One child with its job written: what it sent so far and how it ended."""

    job: Job
    limits: Limits
    child: Child
    pid: int
    slots: tuple[shared_inputs.Slot, ...]
    shared_bytes: int
    started: float
    open_fds: set[int]
    result: bytearray = field(default_factory=bytearray)
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    output_total: int = 0
    killed_for: str | None = None
    resident: _Resident | None = None
    # Set once the pipes close (a resident: once its status frame is in): when, and the
    # decoded frames (calls, final, problem).
    ended: float = 0.0
    frames: tuple[list[CallResult], dict[str, Any] | None, str | None] | None = None

    @property
    def deadline(self) -> float:
        return self.started + self.limits.wall_seconds

    @property
    def timer(self) -> float:
        """When this child next needs attention: its deadline, or the end of its grace."""
        return self.deadline if self.killed_for is None else self.deadline + KILL_GRACE

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
    ``prefork`` keeps children forked, locked down and warmed up ahead of their jobs.
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
        # Children forked ahead of their jobs: as many as the last call ran together.
        self._pending: list[Child] = []
        self._residents: OrderedDict[tuple[str, str], _Resident] = OrderedDict()

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
        return self.run_together((job,), limits)[0]

    def run_together(
        self, jobs: tuple[Job, ...], limits: Limits = DEFAULT_LIMITS
    ) -> list[RunResult]:
        """Run ``jobs`` side by side, each in its own fresh child under ``limits``.

        For jobs that do not depend on each other (a reference and a submission): on a
        machine with a core per job they take the time of the slowest instead of the
        sum. At most ``MAX_TOGETHER`` run at once (the rest wait for the next wave), so
        one call's memory and CPU stay within that many times one job's. Returns one
        ``RunResult`` per job, in order; raises as ``run``.
        """
        results: list[RunResult] = []
        for start in range(0, len(jobs), MAX_TOGETHER):
            results += self._run_wave(tuple(jobs[start : start + MAX_TOGETHER]), limits)
        return results

    def _run_wave(self, jobs: tuple[Job, ...], limits: Limits) -> list[RunResult]:
        with self._lock:
            for attempt in (1, 2):
                self._ensure_started()
                try:
                    return self._run_once(jobs, limits)
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
            for child in self._pending + [r.child for r in self._residents.values()]:
                child.close()  # our copies of the parent's pre-forked children's pipes
            self._pending = []
            self._residents.clear()
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
        for child in self._pending + [r.child for r in self._residents.values()]:
            child.close()
        self._pending = []
        self._residents.clear()
        self._zygote.stop()

    # -- one job ----------------------------------------------------------------------

    def _run_once(self, jobs: tuple[Job, ...], limits: Limits) -> list[RunResult]:
        residents: dict[int, _Resident] = {}
        for index, job in enumerate(jobs):
            key = (job.code, job.framework)
            if job.resident and all(r.key != key for r in residents.values()):
                residents[index] = self._resident_for(key)
        fresh = [index for index in range(len(jobs)) if index not in residents]
        children, self._pending = self._pending[: len(fresh)], self._pending[len(fresh) :]
        children += [self._zygote.spawn() for _ in range(len(fresh) - len(children))]
        try:
            pids = [self._zygote.child_pid(child, SPAWN_TIMEOUT) for child in children]
            self._zygote.watch(set(pids) | {r.pid for r in self._residents.values()})
            running: dict[int, _Running] = {}
            for index, child, pid in zip(fresh, children, pids, strict=True):
                running[index] = self._start(jobs[index], limits, child, pid)
            for index, resident in residents.items():
                running[index] = self._start_resident(jobs[index], limits, resident)
            if self.prefork:
                # Fork, lock down and warm up the next children while these run; a
                # worker's next jobs are most often for the same framework.
                while len(self._pending) < len(fresh):
                    self._pending.append(self._zygote.spawn(warm=jobs[-1].framework))
            return self._collect([running[index] for index in range(len(jobs))])
        except BaseException:
            # A resident cut off mid-job would hand its leftovers to the next job.
            for resident in residents.values():
                self._drop_resident(resident)
            raise
        finally:
            for child in children:
                child.close()

    def _start(self, job: Job, limits: Limits, child: Child, pid: int) -> _Running:
        """Hand ``job`` to the locked-down ``child``; its wall clock starts now."""
        slots, shared_bytes = shared_inputs.layout(job)
        payload = encode_job(job, limits, slots, shared_bytes)
        self._await_locked(child)
        shared_inputs.fill(child.inputs_fd, job, slots, shared_bytes)
        started = time.monotonic()
        try:
            _write_all(child.job_w, payload)
        except BrokenPipeError:
            raise ZygoteLost("the pre-forked child was gone") from None
        os.close(child.job_w)
        child.job_w = -1
        open_fds = {child.result_r, child.out_r, child.err_r}
        return _Running(job, limits, child, pid, slots, shared_bytes, started, open_fds)

    def _resident_for(self, key: tuple[str, str]) -> _Resident:
        """The resident child for ``key`` (code, framework), started if there is none."""
        resident = self._residents.get(key)
        if resident is not None:
            self._residents.move_to_end(key)
            return resident
        child = self._zygote.spawn(resident=True)
        resident = _Resident(key, child, self._zygote.child_pid(child, SPAWN_TIMEOUT))
        self._await_locked(child)
        self._residents[key] = resident
        while len(self._residents) > RESIDENTS_KEPT:
            self._drop_resident(next(iter(self._residents.values())))
        return resident

    def _drop_resident(self, resident: _Resident) -> None:
        if self._residents.get(resident.key) is resident:
            del self._residents[resident.key]
        self._zygote.kill(resident.pid)
        resident.child.close()

    def _start_resident(self, job: Job, limits: Limits, resident: _Resident) -> _Running:
        """Send ``job`` to its resident child. Its arguments travel in the frame: a
        resident runs trusted code, whose effect on its inputs is never judged."""
        payload = encode_job(job, limits)
        started = time.monotonic()
        try:
            _write_all(resident.child.job_w, wire.JOB_LENGTH.pack(len(payload)) + payload)
        except BrokenPipeError:
            raise ZygoteLost("a resident child was gone") from None
        resident.jobs += 1
        child = resident.child
        open_fds = {child.result_r, child.out_r, child.err_r}
        return _Running(
            job, limits, child, resident.pid, (), 0, started, open_fds, resident=resident
        )

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

    def _collect(self, running: list[_Running]) -> list[RunResult]:
        """Read every child's pipes until each has ended, killing a child at its limits.

        No child waits on another: one that closed its pipes but still needs its exit
        report keeps its place in the loop while the others' pipes are read.
        """
        control = self._zygote.fileno()
        owner = {fd: run for run in running for fd in run.open_fds}
        results: dict[int, RunResult] = {}
        while len(results) < len(running):
            now = time.monotonic()
            for index, run in enumerate(running):
                if index in results:
                    continue
                if run.killed_for is None and now >= run.deadline:
                    run.killed_for = "timeout"
                    self._zygote.kill(run.pid)
                if now >= run.deadline + KILL_GRACE:
                    raise ZygoteLost("a killed child did not go away")
                if not run.open_fds and self._settled(run):
                    results[index] = self._finish(run)
            pending = [run for index, run in enumerate(running) if index not in results]
            if not pending:
                break
            fds = [fd for run in pending for fd in run.open_fds]
            wait = max(min(run.timer for run in pending) - now, 0.0)
            ready, _, _ = select.select([*fds, control], [], [], wait)
            for fd in ready:
                if fd == control:
                    self._zygote.read_one()
                    continue
                run = owner[fd]
                data = os.read(fd, READ_CHUNK)
                if data and fd == run.child.result_r:
                    self._take_result(run, data)
                    if run.resident is not None and wire.ends_with_status(run.result):
                        run.open_fds.clear()  # its job is done; the pipes stay open
                elif data:
                    self._take_output(run, fd == run.child.out_r, data)
                else:
                    run.open_fds.discard(fd)
                if not run.open_fds and run.frames is None:
                    run.ended = time.monotonic()
                    names = [call.name for call in run.job.calls]
                    run.frames = read_frames(bytes(run.result), names)
        return [results[index] for index in range(len(running))]

    def _settled(self, run: _Running) -> bool:
        """A child with closed pipes can be judged: killed, its word complete, or exited."""
        assert run.frames is not None
        _, final, problem = run.frames
        return (
            run.killed_for is not None
            or final is not None
            or problem is not None
            or self._zygote.exit_report(run.pid) is not None
        )

    def _finish(self, run: _Running) -> RunResult:
        """The verdict of a settled child, which is then killed if it is still there."""
        # The caller's memory as the worker itself sees it once the child is done.
        caller_args = shared_inputs.read_back(
            run.child.inputs_fd, run.job, run.slots, run.shared_bytes
        )
        verdict = self._verdict(run)
        verdict = replace(verdict, calls=shared_inputs.with_caller_args(verdict.calls, caller_args))
        resident = run.resident
        if resident is not None:
            # Kept only while all is well; anything else and a fresh one takes over.
            if verdict.status != "ok" or run.output_total or resident.jobs >= RESIDENT_MAX_JOBS:
                self._drop_resident(resident)
            return verdict
        # Whatever the child did after its last frame (a replaced ``finish``, threads
        # still running), it ends with its job: one message, no waiting for the exit.
        self._zygote.kill(run.pid)
        return verdict

    def _take_result(self, run: _Running, data: bytes) -> None:
        run.result += data
        if (
            len(run.result) > run.limits.result_bytes + RESULT_HEADER_SLACK
            and run.killed_for is None
        ):
            run.killed_for = "result_limit"
            self._zygote.kill(run.pid)
            run.result.clear()

    def _take_output(self, run: _Running, is_stdout: bool, data: bytes) -> None:
        run.keep_output(is_stdout, data, run.limits.output_bytes)
        output_kill = max(OUTPUT_KILL_FACTOR * run.limits.output_bytes, OUTPUT_KILL_MINIMUM)
        if run.output_total > output_kill and run.killed_for is None:
            run.killed_for = "output_limit"
            self._zygote.kill(run.pid)

    def _verdict(self, got: _Running) -> RunResult:
        """Decide the run's status: a parent's kill first, then the child's own word."""
        assert got.frames is not None
        calls, final, problem = got.frames
        limits = got.limits
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
            ended = self._zygote.exit_report(got.pid)
            assert ended is not None  # _settled
            status, message = exit_verdict(*ended, limits)
        return RunResult(
            status=status,
            message=message,
            calls=tuple(calls),
            stdout=got.stdout.decode("utf-8", "replace"),
            stderr=got.stderr.decode("utf-8", "replace"),
            output_truncated=got.output_total > len(got.stdout) + len(got.stderr),
            wall_ms=(got.ended - got.started) * 1000.0,
        )
