"""Landlock through raw syscalls (ctypes): a read-only filesystem view, no TCP, scoped signals.

The ruleset is built once in the zygote and only *applied* in each child, which costs
about 40 microseconds. Landlock is unprivileged and stacks, so a child can only ever
narrow it further.
"""

from __future__ import annotations

import ctypes
import os
import struct

_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1

ACCESS_FS_READ_FILE = 1 << 2
ACCESS_FS_READ_DIR = 1 << 3
ACCESS_NET_BIND_TCP = 1 << 0
ACCESS_NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

# ABI 6 is the first with signal scoping, which is what stops `kill(getppid())` and
# signals to sibling children that run under the same unprivileged uid.
REQUIRED_ABI = 6

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class LandlockError(OSError):
    """Landlock is missing, too old, or refused a rule."""


def _syscall(number: int, *args: object) -> int:
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise LandlockError(err, f"landlock syscall {number}: {os.strerror(err)}")
    return int(result)


def abi_version() -> int:
    """Return the kernel's Landlock ABI version, or 0 when Landlock is unavailable."""
    try:
        return _syscall(
            _SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
        )
    except LandlockError:
        return 0


def _handled_fs(abi: int) -> int:
    # Every filesystem right this ABI knows: what is handled and not granted is denied.
    bits = 13
    if abi >= 2:
        bits = 14  # REFER
    if abi >= 3:
        bits = 15  # TRUNCATE
    if abi >= 5:
        bits = 16  # IOCTL_DEV
    return (1 << bits) - 1


def build_ruleset(read_only_paths: list[str]) -> int:
    """Create a ruleset allowing only reads beneath ``read_only_paths``.

    ``read_only_paths`` are directories (the venv, the standard library). TCP bind and
    connect are handled with no rule, so both are denied; signals and abstract Unix
    sockets are scoped to the sandboxed process. Returns the ruleset fd (inheritable).
    """
    abi = abi_version()
    if abi < REQUIRED_ABI:
        raise LandlockError(0, f"Landlock ABI {abi} found, {REQUIRED_ABI} or newer required")
    attr = struct.pack(
        "<QQQ",
        _handled_fs(abi),
        ACCESS_NET_BIND_TCP | ACCESS_NET_CONNECT_TCP,
        SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL,
    )
    attr_buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset_fd = _syscall(
        _SYS_CREATE_RULESET, attr_buf, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0)
    )
    for path in read_only_paths:
        path_fd = os.open(path, os.O_PATH | os.O_CLOEXEC | os.O_DIRECTORY)
        try:
            rule = struct.pack("<Qi", ACCESS_FS_READ_FILE | ACCESS_FS_READ_DIR, path_fd)
            rule_buf = ctypes.create_string_buffer(rule, len(rule))
            _syscall(
                _SYS_ADD_RULE,
                ctypes.c_int(ruleset_fd),
                ctypes.c_int(_RULE_PATH_BENEATH),
                rule_buf,
                ctypes.c_uint32(0),
            )
        finally:
            os.close(path_fd)
    os.set_inheritable(ruleset_fd, True)
    return ruleset_fd


def restrict_self(ruleset_fd: int) -> None:
    """Apply the ruleset ``ruleset_fd`` to the calling process (needs no-new-privs first)."""
    _syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset_fd), ctypes.c_uint32(0))
