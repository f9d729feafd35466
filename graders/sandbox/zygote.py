"""The zygote: a warm process with numpy and torch loaded that forks one child per job.

Started by ``Sandbox`` as ``python -I -B -c ...`` with a scrubbed environment. It
holds no reference code, expected outputs or secrets (every child can read its
memory), and it never sees a job: the parent sends it only pipe descriptors, the
forked child reads the job from its own pipe.

Control protocol (SOCK_SEQPACKET, JSON messages):
  parent -> zygote  {"op": "spawn", "id": n, "warm": "numpy" | "torch" | null} + 5 fds
                    (job r, result w, stdout w, stderr w, the inputs memfd: see
                    shared_inputs); "warm" names the warm-up job the child runs first;
                    "resident": true makes a child that serves job after job
                    {"op": "kill", "pid": pid}
  zygote -> parent  {"op": "ready", "layers": [...], "missing": {...}, "vm_bytes": n}
                    {"op": "spawned", "id": n, "pid": pid}
                    {"op": "exit", "pid": pid, "status": wait_status, "cpu": seconds}
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import select
import signal
import socket
from typing import Any

# The worker starts this process with OMP/BLAS thread variables already set to 1, so
# importing numpy (through these modules) here is safe for fork.
from graders.sandbox import harness, lockdown

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

# Standard-library modules a submission may import. After the uid drop the child cannot
# read the pyenv tree under /root, so anything not imported here is unavailable to it.
PRELOADED = (
    "math",
    "cmath",
    "random",
    "statistics",
    "functools",
    "itertools",
    "collections",
    "collections.abc",
    "typing",
    "dataclasses",
    "abc",
    "copy",
    "operator",
    "numbers",
    "decimal",
    "fractions",
    "warnings",
    "traceback",
    "re",
    "string",
    "enum",
    "heapq",
    "bisect",
    "time",
    "secrets",
    "contextlib",
    "inspect",
    "types",
    "textwrap",
    "struct",
    "array",
    "json",
    "unittest",
    "unittest.mock",
    "pprint",
    "weakref",
    "gc",
    "encodings.idna",
    "encodings.ascii",
    "encodings.latin_1",
    "encodings.utf_16",
    "encodings.utf_32",
    "encodings.unicode_escape",
    "encodings.raw_unicode_escape",
    "socket",
)


def _prepare_numerics(framework_warmup: bool) -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    import numpy as np

    for name in PRELOADED:
        __import__(name)
    np.random.default_rng(0).random(3)
    np.tanh(np.linspace(-1, 1, 8))
    if framework_warmup:
        import torch
        from torch.nn import functional

        # GNU OpenMP is not fork-safe once it has run a parallel region with threads.
        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        x = torch.linspace(-2, 2, 16, dtype=torch.float64, requires_grad=True)
        y = functional.softmax(torch.sigmoid(x) * torch.tanh(x) + torch.relu(x), dim=0)
        y.backward(torch.ones_like(y))
        torch.nn.Linear(3, 2)(torch.ones(1, 3)).sum().backward()
        torch.from_numpy(np.ones(3)).numpy()
        torch.special.expit(x.detach())


def _warm_up_jobs() -> dict[str, bytes]:
    """Per framework, the frame of a small job like a grading's, for ``harness._warm_up``.

    Trusted code on a fixed input: it walks the paths a real job takes (decode, compile,
    load, convert, call, backward, encode) so their pages are copied before the job.
    """
    import numpy as np

    from graders.sandbox.sandbox import encode_job
    from graders.sandbox.types import Call, Job, Limits

    x = np.linspace(-2.0, 2.0, 64)
    jobs = {
        "numpy": Job(
            code="import numpy as np\n\ndef f(x):\n    return 1.0 / (1.0 + np.exp(-x))\n",
            calls=(Call(name="warm", target="f", args=(x,)),),
        ),
        "torch": Job(
            code="import torch\n\ndef f(x):\n    return torch.tanh(x) * torch.sigmoid(x)\n",
            framework="torch",
            calls=(Call(name="warm", target="f", args=(x,), tensors=True, upstream=np.ones(64)),),
        ),
    }
    return {framework: encode_job(job, Limits()) for framework, job in jobs.items()}


_MADV_COLLAPSE = 25
_HUGE_PAGE = 1 << 21


def _collapse_heap_into_huge_pages() -> int:
    """Back the zygote's anonymous memory with 2 MiB pages where the kernel allows it.

    Importing torch leaves ~150 MiB of anonymous memory; fork copies one page-table
    entry per 4 KiB page of it and the child's exit tears them down again. With huge
    pages that is 512 times fewer entries, which roughly halves fork + exit. Returns the
    number of ranges collapsed (0 on kernels without MADV_COLLAPSE: nothing breaks).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    collapsed = 0
    with open("/proc/self/maps") as maps:
        lines = maps.readlines()
    for line in lines:
        fields = line.split()
        path = fields[5] if len(fields) > 5 else ""
        if "w" not in fields[1] or "p" not in fields[1] or path not in ("", "[heap]"):
            continue
        low, high = (int(value, 16) for value in fields[0].split("-"))
        start = (low + _HUGE_PAGE - 1) & ~(_HUGE_PAGE - 1)
        end = high & ~(_HUGE_PAGE - 1)
        if end > start and libc.madvise(start, end - start, _MADV_COLLAPSE) == 0:
            collapsed += 1
    return collapsed


def _thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


class Zygote:
    """The zygote's event loop: spawn requests, kill requests, reaping children."""

    def __init__(self, control: socket.socket, plan: Any) -> None:
        self.control = control
        self.plan = plan
        self.warm_up_jobs = _warm_up_jobs()
        self.poller = select.poll()
        self.poller.register(control.fileno(), select.POLLIN)
        self.children: dict[int, int] = {}  # pidfd -> pid
        self.null_fd = os.open(os.devnull, os.O_RDONLY)

    def send(self, message: dict[str, Any]) -> None:
        self.control.send(json.dumps(message).encode())

    def serve(self) -> None:
        """Handle messages until the parent closes the control socket."""
        try:
            while True:
                for fd, _events in self.poller.poll():
                    if fd == self.control.fileno():
                        if not self._handle_control():
                            return
                    else:
                        self._reap(fd)
        except (BrokenPipeError, ConnectionResetError):
            return  # the worker went away: nobody is left to report to
        finally:
            self._shutdown()

    def _handle_control(self) -> bool:
        data, fds, _flags, _addr = socket.recv_fds(self.control, 65536, 8)
        if not data:
            return False
        message = json.loads(data)
        if message.get("op") == "spawn" and len(fds) == 5:
            warm_up = self.warm_up_jobs.get(message.get("warm"))
            self._spawn(message["id"], fds, warm_up, bool(message.get("resident")))
        elif message.get("op") == "kill":
            self._kill(int(message["pid"]))
        for fd in fds if message.get("op") != "spawn" else ():
            os.close(fd)
        return True

    def _spawn(
        self, request_id: int, fds: list[int], warm_up: bytes | None, resident: bool
    ) -> None:
        memory_base = lockdown.address_space_bytes()
        pid = os.fork()
        if pid == 0:
            try:
                harness.child_main(self.plan, (*fds, self.null_fd), memory_base, warm_up, resident)
            finally:
                os._exit(73)
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        self.children[pidfd] = pid
        self.poller.register(pidfd, select.POLLIN)
        self.send({"op": "spawned", "id": request_id, "pid": pid})

    def _kill(self, pid: int) -> None:
        for pidfd, child in self.children.items():
            if child == pid:
                # A pidfd cannot hit a recycled pid: the child is not reaped until _reap.
                # SIGKILL ends every thread of the child; its process group (it is a
                # session leader, and its pid stays reserved until _reap) covers anything
                # it might have started despite seccomp.
                try:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def _reap(self, pidfd: int) -> None:
        pid = self.children.pop(pidfd)
        self.poller.unregister(pidfd)
        os.close(pidfd)
        _, status, usage = os.wait4(pid, 0)
        self.send(
            {"op": "exit", "pid": pid, "status": status, "cpu": usage.ru_utime + usage.ru_stime}
        )

    def _shutdown(self) -> None:
        for pidfd in list(self.children):
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except OSError:
                pass


def _set_parent_death_signal(parent_pid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the worker
    if os.getppid() != parent_pid:
        os._exit(0)


def main(argv: list[str]) -> None:
    """Run the zygote. ``argv``: the worker's pid, the control socket's fd."""
    parent_pid, control_fd = int(argv[0]), int(argv[1])
    _set_parent_death_signal(parent_pid)
    control = socket.socket(fileno=control_fd)
    _prepare_numerics(framework_warmup=True)
    plan, missing = lockdown.build_plan()

    # Everything allocated so far lives for the zygote's lifetime: keeping it out of the
    # collector means a child's GC pass does not copy these pages on write.
    gc.freeze()
    _collapse_heap_into_huge_pages()
    control.send(
        json.dumps(
            {
                "op": "ready",
                "layers": sorted(plan.layers),
                "missing": missing,
                "threads": _thread_count(),
                "vm_bytes": lockdown.address_space_bytes(),
            }
        ).encode()
    )
    Zygote(control, plan).serve()
