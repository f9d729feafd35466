"""The plain data that crosses the sandbox boundary: what to run, and what came back.

Everything here is a frozen dataclass so a job cannot be changed after it was handed
to the sandbox, and a result cannot be changed after the sandbox rebuilt it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

MIB = 1024 * 1024

Framework = Literal["numpy", "torch"]

STATUSES = (
    "ok",
    "syntax_error",
    "missing_entry_point",
    "forbidden",
    "timeout",
    "memory",
    "output_limit",
    "crash",
    "exception",
)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one job.

    ``memory_bytes`` is the allowance *above* the zygote's own address space (numpy and
    torch alone take about 600 MiB of virtual memory). ``output_bytes`` is how much of
    stdout and stderr together is kept; ``result_bytes`` caps the returned arrays.
    """

    cpu_seconds: int = 5
    wall_seconds: float = 10.0
    memory_bytes: int = 512 * MIB
    output_bytes: int = 64 * 1024
    result_bytes: int = 64 * MIB


@dataclass(frozen=True)
class Call:
    """One invocation of the student's module, described as data (see graders/README.md)."""

    name: str
    target: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    construct: tuple[tuple[Any, ...], dict[str, Any]] | None = None
    method: str | None = None
    tensors: bool = False
    upstream: np.ndarray | None = None
    return_args: bool = False
    return_parameters: bool = False
    load_parameters: np.ndarray | None = None


@dataclass(frozen=True)
class Job:
    """A whole module of (untrusted) source code plus the calls to make into it."""

    code: str
    calls: tuple[Call, ...] = ()
    framework: Framework = "numpy"
    forbidden: tuple[str, ...] = ()
    # Trusted code only (a reference solution): the job may run in a long-lived child
    # that already ran this same code, and whatever one job leaves there the next sees.
    resident: bool = False


@dataclass(frozen=True)
class CallResult:
    """The outcome of one ``Call``, rebuilt on the trusted side from plain bytes."""

    name: str
    ok: bool
    value: Any = None
    value_type: str = ""
    grads: tuple[np.ndarray | None, ...] = ()
    args_after: tuple[Any, ...] | None = None
    # Set by the worker, never by the child: the top-level array arguments read back from
    # the worker's own shared memory after the run (None where an argument is not one).
    caller_args_after: tuple[np.ndarray | None, ...] | None = None
    parameters: dict[str, np.ndarray] | None = None
    modules: tuple[tuple[str, str], ...] | None = None
    error: str | None = None
    error_kind: str | None = None
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """The outcome of one job: an overall status plus whatever calls completed."""

    status: str
    message: str = ""
    calls: tuple[CallResult, ...] = ()
    stdout: str = ""
    stderr: str = ""
    output_truncated: bool = False
    wall_ms: float = 0.0
