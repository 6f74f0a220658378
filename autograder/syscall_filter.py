"""The notebook's system-call filter (seccomp): what its process may not ask the kernel for, with or without
namespaces (docs/sealing.md)."""

from __future__ import annotations

import ctypes
import os
import platform

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
AF_UNIX = 1
NEW_NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET

libc = ctypes.CDLL(None, use_errno=True)


#: per processor: the audit architecture, then the system calls refused (unshare, setns, the mount
#: family, bpf, userfaultfd, perf_event_open, io_uring_setup), socket, clone and clone3
SYSCALLS = {
    "x86_64": (
        0xC000003E,
        (272, 308, 165, 166, 155, 161, 428, 429, 430, 431, 432, 433, 442, 321, 323, 298, 425),
        41,
        56,
        435,
    ),
    "aarch64": (
        0xC00000B7,
        (97, 268, 40, 39, 41, 51, 428, 429, 430, 431, 432, 433, 442, 280, 282, 241, 425),
        198,
        220,
        435,
    ),
}
RET_KILL_PROCESS, RET_ERRNO, RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
LD_ABS_W, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
EPERM, EACCES, ENOSYS = 1, 13, 38


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def install() -> None:
    """A seccomp filter: no new namespace (unshare, setns, clone with CLONE_NEW*), no mount, none of
    the kernel interfaces container runtimes keep from untrusted code, and no socket but AF_UNIX (no network,
    with or without a network namespace: a connection fails at once, with EACCES). Refused calls fail with
    EPERM; clone3 with ENOSYS, so the C library falls back to clone, whose flags the filter can read."""
    machine = platform.machine()
    if machine not in SYSCALLS:
        raise OSError(0, f"no system-call filter for {machine} processors")
    arch, refused, socket, clone, clone3 = SYSCALLS[machine]
    program = [(LD_ABS_W, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, RET_KILL_PROCESS), (LD_ABS_W, 0, 0, 0)]
    if machine == "x86_64":
        program += [(JGE, 0, 1, 0x40000000), (RET, 0, 0, RET_ERRNO | EPERM)]  # the x32 ABI
    for number in refused:
        program += [(JEQ, 0, 1, number), (RET, 0, 0, RET_ERRNO | EPERM)]
    program += [
        (JEQ, 0, 4, socket),
        (LD_ABS_W, 0, 0, 16),
        (JEQ, 1, 0, AF_UNIX),
        (RET, 0, 0, RET_ERRNO | EACCES),
        (RET, 0, 0, RET_ALLOW),
    ]
    program += [
        (JEQ, 0, 1, clone3),
        (RET, 0, 0, RET_ERRNO | ENOSYS),
        (JEQ, 0, 3, clone),
        (LD_ABS_W, 0, 0, 16),
        (JSET, 0, 1, NEW_NAMESPACE_FLAGS),
        (RET, 0, 0, RET_ERRNO | EPERM),
        (RET, 0, 0, RET_ALLOW),
    ]
    filters = (_Filter * len(program))(*(_Filter(*instruction) for instruction in program))
    fprog = _Program(len(program), filters)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"a system-call filter: {os.strerror(ctypes.get_errno())}")
