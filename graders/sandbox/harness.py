"""The child side: lock down, read the job, load the student's module, run the calls.

Runs only in a freshly forked child of the zygote. Everything it sends back goes
through ``wire.pack``: plain arrays and JSON, one frame per call, then a final status
frame. The trusted parent treats a missing or malformed frame as a crash.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import linecache
import mmap
import os
import sys
import time
import types
import warnings
from typing import Any

import numpy as np

from graders.sandbox import lockdown, wire
from graders.sandbox.convert import UnsupportedReturn, to_plain, type_name
from graders.sandbox.forbidden import (
    ForbiddenCall,
    check_source,
    install_dispatch_guard,
    install_hooks,
)
from graders.sandbox.messages import (
    MODULE_FILE,
    exception_text,
    scrub,
    student_traceback,
    syntax_error_text,
)
from graders.sandbox.wire import JOB_LENGTH, LOCKED

STDIN_FD, STDOUT_FD, STDERR_FD, JOB_FD, RESULT_FD, LANDLOCK_FD, INPUTS_FD = range(7)

MAX_WARNINGS = 10


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# True only while the warm-up job runs: its frames are built, then dropped.
_warming_up = False


def send(header: dict[str, Any], buffers: list[memoryview] | None = None) -> None:
    """Write one frame with ``header`` and array ``buffers`` to the result pipe.

    Each call's frame goes out as soon as it is ready, so a run killed later (time,
    memory, output) still reports the calls that finished.
    """
    frame = wire.pack(header, buffers or [])
    if not _warming_up:
        _write_all(RESULT_FD, frame)


def finish(code: int = 0) -> None:
    """Flush and close every pipe (so the parent sees EOF at once), then exit."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - the student may have replaced or broken it
            pass
    for fd in (STDOUT_FD, STDERR_FD, RESULT_FD):
        try:
            os.close(fd)
        except OSError:
            pass
    os._exit(code)


def child_main(
    plan: lockdown.Plan,
    fds: tuple[int, int, int, int, int, int],
    memory_base: int,
    warm_up: bytes | None = None,
    resident: bool = False,
) -> None:
    """Entry point in the forked child; never returns.

    ``plan`` comes from the zygote; ``fds`` are the child's job, result, stdout and
    stderr pipe ends, its inputs memfd (see ``shared_inputs``) and /dev/null;
    ``memory_base`` is the zygote's address-space size; ``warm_up`` is a job frame to
    run, unseen, while the real job has not arrived (see ``_warm_up``); a ``resident``
    child serves job after job (see ``_serve``).
    """
    job_fd, result_fd, out_fd, err_fd, inputs_fd, null_fd = fds
    try:
        keep = {
            STDIN_FD: null_fd,
            STDOUT_FD: out_fd,
            STDERR_FD: err_fd,
            JOB_FD: job_fd,
            RESULT_FD: result_fd,
            INPUTS_FD: inputs_fd,
        }
        if plan.landlock_fd is not None:
            keep[LANDLOCK_FD] = plan.landlock_fd
            plan = dataclasses.replace(plan, landlock_fd=LANDLOCK_FD)
        lockdown.keep_only_fds(keep)
        lockdown.apply_process_layers(plan)
        lockdown.apply_identity_layers(plan)
    except BaseException as exc:  # noqa: BLE001 - any failure here means: do not run the job
        try:
            _write_all(RESULT_FD, f"lock-down failed: {exc!r}".encode()[:4000])
        finally:
            os._exit(71)
    _write_all(RESULT_FD, LOCKED)
    sys.stdin = io.TextIOWrapper(io.FileIO(STDIN_FD, "r", closefd=False))
    sys.stdout = io.TextIOWrapper(
        io.FileIO(STDOUT_FD, "w", closefd=False), errors="replace", line_buffering=True
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(STDERR_FD, "w", closefd=False), errors="replace", line_buffering=True
    )
    warnings.showwarning = _show_warning
    if warm_up is not None:
        _warm_up(warm_up)
    try:
        if resident:
            _serve(plan, memory_base)
        job = _read_job()
        _run_job(job, plan, memory_base)
    except BaseException:  # noqa: BLE001 - the parent reports a missing status as a crash
        finish(72)
    finish(0)


def _show_warning(message: Warning | str, category: type[Warning], *_rest: Any, **_kw: Any) -> None:
    # The default format starts with the library file's absolute path.
    sys.stderr.write(scrub(f"{category.__name__}: {message}") + "\n")


# A resident child's CPU limit covers its whole life; the parent bounds each job by
# its wall clock and replaces the child long before this.
RESIDENT_CPU_SECONDS = 3600


def _serve(plan: lockdown.Plan, memory_base: int) -> None:
    """Run jobs one after another, each an 8-byte length then its frame, until EOF.

    Only the trusted side's own code (a reference solution) is sent here, as jobs with
    ``resident`` set: skipping a fork, a lock-down and a cold start per job is what
    makes a reference's answer cheap. Each job's frames end with its status frame, as
    in a one-job child. Memory is limited as for one job.
    """
    limited = "rlimits" in plan.layers
    applied = False
    while True:
        size = _read_exactly(JOB_LENGTH.size)
        if len(size) < JOB_LENGTH.size:
            finish(0)
        (length,) = JOB_LENGTH.unpack(size)
        data = _read_exactly(length)
        if len(data) < length:
            finish(0)
        job = _decode_job(data)
        if not applied:
            lockdown.apply_job_limits(
                cpu_seconds=RESIDENT_CPU_SECONDS,
                address_space=memory_base + int(job["memory_bytes"]) if limited else None,
            )
            applied = True
        _execute(job)


def _read_exactly(count: int) -> bytes:
    """Up to ``count`` bytes from the job pipe: fewer only at its end."""
    data = bytearray()
    while len(data) < count:
        chunk = os.read(JOB_FD, count - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _warm_up(frame: bytes) -> None:
    """Run a small trusted job whose frames go nowhere, before reading the real one.

    A forked child pays a copy-on-write fault for each page it first writes, and
    reference counts make every object it reads a write: the first torch call in a child
    takes ~2 ms, the same call again ~0.3 ms. A pre-forked child pays that while it
    waits for its job, off the grading's latency. The warm-up forbids nothing (so no
    hook stays installed) and its module is forgotten; the job's CPU limit counts from
    what the child used before it, so the warm-up costs the job nothing.
    """
    global _warming_up
    _warming_up = True
    try:
        _execute(_decode_job(frame))
    except BaseException:  # noqa: BLE001, S110 - a failed warm-up only leaves the child cold
        pass
    finally:
        _warming_up = False
        sys.modules.pop("submission", None)
        linecache.cache.pop(MODULE_FILE, None)


def _read_job() -> dict[str, Any]:
    chunks = []
    while chunk := os.read(JOB_FD, 1 << 20):
        chunks.append(chunk)
    os.close(JOB_FD)
    return _decode_job(b"".join(chunks))


def _decode_job(data: bytes) -> dict[str, Any]:
    frames, clean = wire.unpack(data)
    if not clean or len(frames) != 1:
        raise wire.WireError("malformed job")
    header, buffers = frames[0]
    header["calls"] = [
        {
            key: wire.decode_tree(value, buffers) if key in _TREE_FIELDS else value
            for key, value in call.items()
        }
        for call in header["calls"]
    ]
    if header["shared_bytes"]:
        _place_shared_args(header)
    return header


def _place_shared_args(job: dict[str, Any]) -> None:
    """Make each shared argument a view over the worker's memfd (see ``shared_inputs``).

    The student's function then works on the caller's own memory, which the worker
    reads back after the run: what the function does to its input is seen there.
    """
    mapping = mmap.mmap(INPUTS_FD, int(job["shared_bytes"]))
    for call in job["calls"]:
        args = list(call["args"])
        for position, offset, dtype, shape in call["shared_args"]:
            count = int(np.prod(shape, dtype=np.int64))
            view = np.frombuffer(mapping, dtype, count, offset)
            args[position] = view.reshape(tuple(shape))
        call["args"] = tuple(args)


_TREE_FIELDS = ("args", "kwargs", "construct", "upstream", "load_parameters")


class _Run:
    """State of one job inside the child."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self.violations: list[str] = []
        self.result_bytes_left = int(job["result_bytes"])

    def note_violation(self, name: str) -> None:
        self.violations.append(name)


def _run_job(job: dict[str, Any], plan: lockdown.Plan, memory_base: int) -> None:
    limited = "rlimits" in plan.layers
    lockdown.apply_job_limits(
        cpu_seconds=int(job["cpu_seconds"]),
        address_space=memory_base + int(job["memory_bytes"]) if limited else None,
    )
    _execute(job)


def _execute(job: dict[str, Any]) -> None:
    """Compile, check and load the job's module, then run its calls, sending frames."""
    run = _Run(job)
    code = job["code"]
    try:
        tree = ast.parse(code, MODULE_FILE)
        compiled = compile(tree, MODULE_FILE, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        message = syntax_error_text(exc) if isinstance(exc, SyntaxError) else exception_text(exc)
        send({"type": "status", "status": "syntax_error", "message": message})
        return
    except (MemoryError, RecursionError) as exc:
        send(
            {
                "type": "status",
                "status": "syntax_error",
                "message": f"the module is too complex to compile ({type(exc).__name__})",
            }
        )
        return
    hit = check_source(tree, job["forbidden"])
    if hit:
        send(
            {
                "type": "status",
                "status": "forbidden",
                "message": f"{hit[0]} is not allowed in this exercise (line {hit[1]})",
            }
        )
        return
    install_hooks(job["forbidden"], run.note_violation)
    if job["framework"] == "torch":
        install_dispatch_guard(job["forbidden"], run.note_violation)
    module = _load_module(code, compiled, run)
    if module is None:
        return
    missing = [call["target"] for call in job["calls"] if not hasattr(module, call["target"])]
    if missing:
        send(
            {
                "type": "status",
                "status": "missing_entry_point",
                "message": f"{MODULE_FILE} does not define `{missing[0]}`",
            }
        )
        return
    for call in job["calls"]:
        status = _run_call(module, call, job["framework"], run)
        if status is not None:
            send({"type": "status", **status})
            return
    send({"type": "status", "status": "ok", "message": ""})


def _load_module(code: str, compiled: types.CodeType, run: _Run) -> types.ModuleType | None:
    module = types.ModuleType("submission")
    module.__file__ = MODULE_FILE
    sys.modules["submission"] = module
    # Lets tracebacks show the student's own source lines.
    linecache.cache[MODULE_FILE] = (len(code), None, code.splitlines(keepends=True), MODULE_FILE)
    try:
        # Running untrusted code is this module's job; the child is locked down by now.
        exec(compiled, module.__dict__)  # noqa: S102
    except ForbiddenCall as exc:
        send({"type": "status", "status": "forbidden", "message": str(exc)})
        return None
    except BaseException as exc:  # noqa: BLE001 - the student's module may raise anything
        status = "memory" if _is_memory_error(exc) else "exception"
        send({"type": "status", "status": status, "message": student_traceback(exc)})
        return None
    if run.violations:
        send(
            {
                "type": "status",
                "status": "forbidden",
                "message": f"{run.violations[0]} is not allowed in this exercise",
            }
        )
        return None
    return module


def _is_memory_error(exc: BaseException) -> bool:
    text = str(exc)
    return isinstance(exc, MemoryError) or (
        isinstance(exc, RuntimeError)
        and ("can't allocate memory" in text or "DefaultCPUAllocator" in text)
    )


def _to_torch(value: Any, requires_grad: bool) -> Any:
    import torch

    if isinstance(value, np.ndarray):
        tensor = torch.from_numpy(value)
        if requires_grad and tensor.is_floating_point():
            tensor.requires_grad_(True)
        return tensor
    if isinstance(value, (list, tuple)):
        return type(value)(_to_torch(item, requires_grad) for item in value)
    return value


def _plain_structure(value: Any, notes: list[str]) -> Any:
    """Arguments as they are after the call: same nesting, arrays for tensors."""
    if isinstance(value, (list, tuple)):
        return type(value)(_plain_structure(item, notes) for item in value)
    if value is None or type(value) in (bool, int, float, str):
        return value
    return to_plain(value, notes)


def _grad_of(value: Any, notes: list[str]) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return None if value.grad is None else to_plain(value.grad, notes)
    if isinstance(value, (list, tuple)):
        return tuple(_grad_of(item, notes) for item in value)
    return None


def _invoke(
    module: types.ModuleType, call: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
) -> tuple[Any, Any]:
    target = getattr(module, call["target"])
    instance = None
    if call["construct"] is not None:
        cargs, ckwargs = call["construct"]
        instance = target(*cargs, **ckwargs)
        if call.get("load_parameters") is not None:
            _load_parameters(instance, call["load_parameters"])
        target = instance
    if call["method"]:
        target = getattr(target, call["method"])
    return target(*args, **kwargs), instance


class ParameterLoadError(Exception):
    """The grader's weights could not be copied into the constructed module."""


def _load_parameters(instance: Any, pool: np.ndarray) -> None:
    """Overwrite every parameter, in ``named_parameters()`` order, with the next numbers of
    ``pool``. The trusted side rebuilds the same weights from its own copy of the pool and
    the parameter shapes returned with the call, and judges the output against them."""
    import torch

    named = getattr(instance, "named_parameters", None)
    if named is None:
        raise ParameterLoadError("the module has no named_parameters() to load weights into")
    offset = 0
    with torch.no_grad():
        for name, param in named():
            size = int(param.numel())
            if offset + size > pool.size:
                raise ParameterLoadError(f"the module has too many parameters (at {name!r})")
            chunk = torch.from_numpy(pool[offset : offset + size].reshape(tuple(param.shape)))
            param.copy_(chunk.to(param.dtype))
            offset += size


def _run_call(
    module: types.ModuleType, call: dict[str, Any], framework: str, run: _Run
) -> dict[str, str] | None:
    """Run one call and send its frame. Returns a final status when the job must stop."""
    notes: list[str] = []
    header: dict[str, Any] = {"type": "call", "name": call["name"], "ok": False}
    buffers: list[memoryview] = []
    args, kwargs = list(call["args"]), dict(call["kwargs"])
    upstream = call["upstream"]
    torch_call = framework == "torch" and (call["tensors"] or upstream is not None)
    if torch_call:
        args = [_to_torch(arg, upstream is not None) for arg in args]
        kwargs = {key: _to_torch(value, upstream is not None) for key, value in kwargs.items()}
    stop: dict[str, str] | None = None
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"):
            warnings.simplefilter("always")
            out, instance = _invoke(module, call, args, kwargs)
            header["seconds"] = time.perf_counter() - started
            grads = _backward(out, upstream, args, notes) if upstream is not None else None
        header["value_type"] = type_name(out)
        header["value"] = wire.encode_tree(to_plain(out, notes), buffers)
        if grads is not None:
            header["grads"] = wire.encode_tree(grads, buffers)
        if call["return_args"]:
            header["args_after"] = wire.encode_tree(
                tuple(_plain_structure(arg, notes) for arg in args), buffers
            )
        if call["return_parameters"] and instance is not None:
            header["parameters"] = wire.encode_tree(_parameters(instance, notes), buffers)
            header["modules"] = [
                [name, type(sub).__name__] for name, sub in instance.named_modules()
            ]
        header["ok"] = True
    except ForbiddenCall as exc:
        header, buffers = _failed(header, "forbidden", str(exc)), []
    except ParameterLoadError as exc:
        header, buffers = _failed(header, "exception", str(exc)), []
    except (UnsupportedReturn, wire.WireError) as exc:
        header, buffers = _failed(header, "unsupported_return", scrub(str(exc))), []
    except BaseException as exc:  # noqa: BLE001 - the student's code may raise anything, even SystemExit
        header, buffers = _failed(header, "exception", student_traceback(exc)), []
        if _is_memory_error(exc):
            stop = {"status": "memory", "message": f"memory limit exceeded in `{call['name']}`"}
    else:
        header["warnings"] = _warning_texts(caught)
    header.setdefault("seconds", time.perf_counter() - started)
    if run.violations:
        message = f"{run.violations[0]} is not allowed in this exercise"
        header, buffers = _failed(header, "forbidden", message), []
        stop = {"status": "forbidden", "message": message}
    size = sum(len(b) for b in buffers)
    if size > run.result_bytes_left:
        message = f"the returned values are too large ({size} bytes)"
        header = _failed(header, "unsupported_return", message)
        buffers = []
    run.result_bytes_left -= size if buffers else 0
    if notes:
        header["warnings"] = list(header.get("warnings", [])) + notes
    send(header, buffers)
    return stop


def _failed(header: dict[str, Any], kind: str, message: str) -> dict[str, Any]:
    """The call's header without any values (they refer to buffers no longer sent)."""
    kept = {key: header[key] for key in ("type", "name", "seconds", "value_type") if key in header}
    return {**kept, "ok": False, "error_kind": kind, "error": message}


def _backward(out: Any, upstream: np.ndarray, args: list[Any], notes: list[str]) -> tuple[Any, ...]:
    import torch

    result = out[0] if isinstance(out, tuple) and out else out
    if isinstance(result, torch.Tensor) and result.requires_grad:
        grad = torch.from_numpy(upstream).to(result.dtype)
        if tuple(grad.shape) != tuple(result.shape):
            raise ValueError(
                f"the output has shape {tuple(result.shape)}, expected {tuple(grad.shape)}"
            )
        torch.autograd.backward(result, grad)
    return tuple(_grad_of(arg, notes) for arg in args)


def _parameters(instance: Any, notes: list[str]) -> dict[str, Any]:
    named = getattr(instance, "named_parameters", None)
    if named is None:
        return {}
    return {name: to_plain(param, notes) for name, param in named()}


def _warning_texts(caught: list[warnings.WarningMessage]) -> list[str]:
    texts: list[str] = []
    for item in caught:
        if issubclass(item.category, RuntimeWarning):
            text = scrub(f"{item.category.__name__}: {item.message}")
            if text not in texts:
                texts.append(text)
        if len(texts) >= MAX_WARNINGS:
            break
    return texts
