"""The child's lock-down, applied right after fork, in the order that makes each step possible.

Order: new session, parent-death signal, close every inherited descriptor but the job
pipes, rlimits, uid drop, no-new-privs, Landlock, seccomp last (its filter would block
the calls that set up the earlier layers). The empty network namespace is entered by
the zygote itself at start-up, so every child inherits it for free.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import resource
import signal
import sys
import sysconfig
from dataclasses import dataclass

from graders.sandbox import landlock, seccomp_policy
from graders.sandbox.seccomp_policy import CompiledFilter

LAYERS = ("rlimits", "netns", "ipcns", "uid", "no_new_privs", "landlock", "seccomp")

NOBODY_UID = 65534
NOBODY_GID = 65534
OPEN_FILES = 64

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWNET = 0x40000000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_libc = ctypes.CDLL(None, use_errno=True)


class LockdownError(RuntimeError):
    """A layer that should be on could not be applied; the child must not run the job."""


@dataclass(frozen=True)
class Plan:
    """What the zygote prepared for every child: which layers to apply and their inputs."""

    layers: frozenset[str]
    landlock_fd: int | None
    seccomp: CompiledFilter | None
    zygote_pid: int


def _prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise LockdownError(f"prctl({option}) failed: {os.strerror(err)}")


def _set_limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


def keep_only_fds(fds: dict[int, int]) -> None:
    """Move descriptors to fixed numbers and close every other one.

    ``fds`` maps each wanted target number to the descriptor currently holding it.
    """
    # Park every source above all targets first, so a dup2 never clobbers a source.
    parked = {target: fcntl.fcntl(source, fcntl.F_DUPFD, 256) for target, source in fds.items()}
    for target, spare in parked.items():
        os.dup2(spare, target, inheritable=True)
    top = max(fds)
    for fd in range(top):
        if fd not in fds:
            try:
                os.close(fd)
            except OSError:
                pass
    # CPython uses close_range(2) here: one system call however many fds are open.
    os.closerange(top + 1, 2**31 - 1)


def apply_process_layers(plan: Plan) -> None:
    """Session, parent-death signal and the job-independent rlimits (call after keep_only_fds)."""
    os.setsid()
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != plan.zygote_pid:
        os._exit(70)  # the zygote died between fork and prctl
    if "rlimits" in plan.layers:
        _set_limit(resource.RLIMIT_CORE, 0)
        _set_limit(resource.RLIMIT_FSIZE, 0)
        _set_limit(resource.RLIMIT_NOFILE, OPEN_FILES)
        _set_limit(resource.RLIMIT_MEMLOCK, 0)
        _set_limit(resource.RLIMIT_MSGQUEUE, 0)


def _drop_uid(plan: Plan) -> None:
    if os.geteuid() != 0:
        return  # already unprivileged: the worker's own uid
    os.setgroups([])
    os.setresgid(NOBODY_GID, NOBODY_GID, NOBODY_GID)
    os.setresuid(NOBODY_UID, NOBODY_UID, NOBODY_UID)
    if os.getresuid() != (NOBODY_UID,) * 3 or os.getresgid() != (NOBODY_GID,) * 3:
        raise LockdownError("could not drop to the unprivileged uid")
    # The kernel clears the parent-death signal on a credential change: set it again.
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != plan.zygote_pid:
        os._exit(70)


def _landlock(plan: Plan) -> None:
    if plan.landlock_fd is None:
        raise LockdownError("no Landlock ruleset was built")
    landlock.restrict_self(plan.landlock_fd)


def _seccomp(plan: Plan) -> None:
    if plan.seccomp is None:
        raise LockdownError("no seccomp filter was compiled")
    plan.seccomp.load()


def apply_identity_layers(plan: Plan) -> None:
    """Drop to the unprivileged uid, set no-new-privs, then Landlock and seccomp (last)."""
    os.chdir("/")
    if "uid" in plan.layers:
        _drop_uid(plan)
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)
    if "landlock" in plan.layers:
        _landlock(plan)
    if plan.landlock_fd is not None:
        os.close(plan.landlock_fd)
    if "seccomp" in plan.layers:
        _seccomp(plan)


def probe(plan: Plan) -> dict[str, str]:
    """Apply every layer in a throw-away child; return ``{layer: error}`` for failures."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        failures: dict[str, str] = {}
        steps = (
            ("rlimits", lambda: apply_job_limits(cpu_seconds=5, address_space=None)),
            ("uid", lambda: _drop_uid(plan)),
            ("no_new_privs", lambda: _prctl(_PR_SET_NO_NEW_PRIVS, 1)),
            ("landlock", lambda: _landlock(plan)),
            ("seccomp", lambda: _seccomp(plan)),
        )
        for name, step in steps:
            try:
                step()
            except BaseException as exc:  # noqa: BLE001 - report every failure, raise none
                failures[name] = repr(exc)
        os.write(write_fd, json.dumps(failures).encode())
        os._exit(0)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as report:
        data = report.read()
    os.waitpid(pid, 0)
    return json.loads(data) if data else {"probe": "the probe child died"}


def build_plan() -> tuple[Plan, dict[str, str]]:
    """Prepare every layer once, in the zygote: returns the plan and ``{layer: why missing}``.

    Enters the empty network namespace and a private IPC namespace, builds the Landlock ruleset (read-only: the
    venv and the standard library), compiles the seccomp filter, then probes them all
    in a throw-away child.
    """
    missing: dict[str, str] = {}
    try:
        enter_empty_network_namespace()
    except OSError as exc:
        missing["netns"] = f"cannot create a network namespace: {exc}"
    try:
        enter_private_ipc_namespace()
    except OSError as exc:
        missing["ipcns"] = f"cannot create an IPC namespace: {exc}"
    landlock_fd = None
    paths = sysconfig.get_paths()
    roots = {sys.prefix, paths["stdlib"], paths["platstdlib"]}
    roots |= {os.path.realpath(path) for path in roots}
    try:
        landlock_fd = landlock.build_ruleset(sorted(p for p in roots if os.path.isdir(p)))
    except OSError as exc:
        missing["landlock"] = str(exc)
    compiled = None
    try:
        compiled = seccomp_policy.compile_filter()
    except (OSError, ImportError, RuntimeError) as exc:
        missing["seccomp"] = f"libseccomp unavailable: {exc}"
    zygote = os.getpid()
    trial = Plan(
        layers=frozenset(LAYERS), landlock_fd=landlock_fd, seccomp=compiled, zygote_pid=zygote
    )
    for layer, error in probe(trial).items():
        missing.setdefault(layer, error)
    layers = frozenset(layer for layer in LAYERS if layer not in missing)
    return Plan(
        layers=layers, landlock_fd=landlock_fd, seccomp=compiled, zygote_pid=zygote
    ), missing


def apply_job_limits(*, cpu_seconds: int, address_space: int | None) -> None:
    """Lower the CPU and address-space limits for one job (lowering needs no privilege).

    ``cpu_seconds`` is the job's allowance on top of what the child already used;
    ``address_space`` is the absolute byte limit, or None to leave it unlimited.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    # soft == hard: the kernel sends SIGKILL at the limit, so ignoring SIGXCPU is useless.
    _set_limit(resource.RLIMIT_CPU, used + max(1, cpu_seconds))
    if address_space is not None:
        _set_limit(resource.RLIMIT_AS, address_space)


def address_space_bytes() -> int:
    """Return the calling process's current virtual memory size in bytes."""
    with open("/proc/self/statm", "rb") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def enter_empty_network_namespace() -> None:
    """Move the calling process (the zygote) into a fresh network namespace with no interfaces."""
    flags = _CLONE_NEWNET if os.geteuid() == 0 else _CLONE_NEWUSER | _CLONE_NEWNET
    if _libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare: {os.strerror(err)}")


def enter_private_ipc_namespace() -> None:
    """Move the zygote into a fresh IPC namespace: System V segments, queues and semaphores
    of its children live there, never on the host's, and vanish with the namespace.

    Seccomp already refuses the SysV calls; this is the second wall behind it. Without
    root it works inside the user namespace ``enter_empty_network_namespace`` made.
    """
    if _libc.unshare(_CLONE_NEWIPC) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare: {os.strerror(err)}")
