"""The seccomp filter: compiled to BPF once in the zygote, loaded with one prctl per child.

The policy allows by default and kills the whole process on every system call that
could leave the sandbox: creating processes or sockets, executing programs, tracing
or reading other processes, namespaces, mounts, keys, BPF, io_uring (which would
bypass this filter). Threads stay allowed because numpy and torch may start them.
"""

from __future__ import annotations

import ctypes
import errno
import os

# Process-killing calls. Killing (SIGSYS) rather than failing means a submission cannot
# probe the policy and carry on; the parent reports the signal as a forbidden operation.
KILLED_SYSCALLS = (
    "socket",
    "socketpair",
    "connect",
    "bind",
    "listen",
    "accept",
    "accept4",
    "execve",
    "execveat",
    "fork",
    "vfork",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_open",
    "pidfd_getfd",
    "kcmp",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_by_handle_at",
    "name_to_handle_at",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "personality",
    "fanotify_init",
    "mknod",
    "mknodat",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fspick",
    # System V IPC and POSIX message queues: objects that outlive the job and sit outside
    # every memory limit, so one job could leave data (or pinned memory) for the next.
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semctl",
    "ipc",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedreceive",
    "mq_notify",
    "mq_getsetattr",
)

CLONE_THREAD = 0x00010000
_PR_SET_PDEATHSIG = 1
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class CompiledFilter:
    """A BPF program ready to load; keep the object alive while children use it."""

    def __init__(self, bpf: bytes) -> None:
        if len(bpf) % 8:
            raise ValueError("a BPF program is a whole number of 8-byte instructions")
        self._buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = _SockFprog(len(bpf) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._libc = ctypes.CDLL(None, use_errno=True)

    def load(self) -> None:
        """Install the filter on the calling thread (no-new-privs must already be set)."""
        if (
            self._libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(self._prog), 0, 0)
            != 0
        ):
            err = ctypes.get_errno()
            raise OSError(err, f"seccomp: {os.strerror(err)}")


def compile_filter() -> CompiledFilter:
    """Build the policy with libseccomp and export it as BPF.

    Returns a ``CompiledFilter``; raises ``OSError`` or ``ImportError`` when libseccomp
    is unavailable.
    """
    import pyseccomp as seccomp

    policy = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in KILLED_SYSCALLS:
        try:
            policy.add_rule(seccomp.KILL_PROCESS, name)
        except (OSError, ValueError, RuntimeError):
            continue  # a call this architecture does not have cannot be made either
    # clone without CLONE_THREAD is a new process; with it, a thread (allowed).
    policy.add_rule(
        seccomp.KILL_PROCESS, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_THREAD, 0)
    )
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc
    # fall back to clone, which is checked above.
    policy.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    # The parent-death signal is what ends a child when its zygote dies: keep it set.
    policy.add_rule(seccomp.KILL_PROCESS, "prctl", seccomp.Arg(0, seccomp.EQ, _PR_SET_PDEATHSIG))
    # Lowering one's own limits is harmless; touching another process's is not.
    policy.add_rule(seccomp.KILL_PROCESS, "prlimit64", seccomp.Arg(0, seccomp.NE, 0))
    read_fd, write_fd = os.pipe()
    try:
        with os.fdopen(write_fd, "wb", closefd=True) as sink:
            policy.export_bpf(sink)
        chunks = []
        while chunk := os.read(read_fd, 65536):
            chunks.append(chunk)
    finally:
        os.close(read_fd)
    return CompiledFilter(b"".join(chunks))
