"""Array arguments the trusted side reads back itself: the evidence for ``no_mutation``.

Every child gets one memfd the worker created for it (passed at spawn, next to its
pipes). For a call with ``return_args`` the worker writes the call's top-level array
arguments into that memfd before it sends the job, and the harness calls the student's
function on NumPy views over a shared mapping of it (torch tensors made with
``torch.from_numpy`` share the same memory). An in-place change therefore lands in the
worker's own file; after the run the worker reads the bytes back with ``pread`` and
rebuilds the arrays. Nothing the child reports enters that reading: a patched harness
can only hand the student's function a copy, which is a function that does not modify
its caller's data.

The worker seals the memfd's size before the job is sent, so a child can write within
the arrays but cannot grow the file (memory outside every rlimit) or shrink it.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass, replace

import numpy as np

from graders.sandbox.types import CallResult, Job
from graders.sandbox.wire import ALLOWED_DTYPES

# Each array starts on a cache line, so the child's views are aligned for any dtype.
ALIGNMENT = 64
_SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW


@dataclass(frozen=True)
class Slot:
    """Where one array argument lives in the memfd: call index, position, bytes."""

    call: int
    position: int
    offset: int
    dtype: str
    shape: tuple[int, ...]
    nbytes: int


def create() -> int:
    """A new empty memfd for one child (close-on-exec, sealable); returns its fd."""
    return os.memfd_create("actquiz-inputs", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)


def layout(job: Job) -> tuple[tuple[Slot, ...], int]:
    """The slots of ``job``'s shared arguments and the memfd size they need.

    Only calls with ``return_args`` share their top-level ``np.ndarray`` arguments;
    empty arrays have no bytes to change and travel in the job as before.
    """
    slots: list[Slot] = []
    size = 0
    for index, call in enumerate(job.calls):
        if not call.return_args:
            continue
        for position, value in enumerate(call.args):
            if type(value) is not np.ndarray or value.nbytes == 0:
                continue
            if value.dtype.str not in ALLOWED_DTYPES:
                continue
            offset = -(-size // ALIGNMENT) * ALIGNMENT
            slot = Slot(index, position, offset, value.dtype.str, value.shape, value.nbytes)
            slots.append(slot)
            size = offset + value.nbytes
    return tuple(slots), size


def fill(fd: int, job: Job, slots: tuple[Slot, ...], size: int) -> None:
    """Write the shared arguments into ``fd`` (sized ``size``) and seal its size."""
    os.ftruncate(fd, size)
    for slot in slots:
        value = job.calls[slot.call].args[slot.position]
        data = np.ascontiguousarray(value).reshape(-1).view(np.uint8)
        written = 0
        while written < slot.nbytes:
            written += os.pwrite(fd, memoryview(data)[written:], slot.offset + written)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, _SEALS)


def read_back(fd: int, job: Job, slots: tuple[Slot, ...], size: int) -> dict[str, tuple]:
    """The shared arguments as they are in ``fd`` now, per call name.

    Each call with ``return_args`` maps to a tuple as long as its arguments: the array
    read from the memfd at a shared position, None elsewhere.
    """
    data = bytearray()
    while len(data) < size:
        chunk = os.pread(fd, size - len(data), len(data))
        if not chunk:
            raise OSError("the inputs memfd is shorter than its sealed size")
        data += chunk
    after: dict[str, list] = {
        call.name: [None] * len(call.args) for call in job.calls if call.return_args
    }
    for slot in slots:
        count = slot.nbytes // np.dtype(slot.dtype).itemsize
        array = np.frombuffer(data, slot.dtype, count, slot.offset).reshape(slot.shape).copy()
        after[job.calls[slot.call].name][slot.position] = array
    return {name: tuple(values) for name, values in after.items()}


def with_caller_args(calls: tuple[CallResult, ...], after: dict[str, tuple]) -> tuple:
    """``calls`` with ``caller_args_after`` set from the worker's own reading."""
    return tuple(
        replace(call, caller_args_after=after[call.name]) if call.name in after else call
        for call in calls
    )
