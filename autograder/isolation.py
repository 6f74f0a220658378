"""Locking a notebook's process in before any of its code runs (the student's side of the sandbox).

As root (a grading server, CI), each child of the zygote gets what Gradescope and
PrairieLearn give a submission:

- a PID namespace of its own (the zygote forks it as PID 1 of a fresh one): whatever
  it starts dies with it, and the grader stops the whole tree by killing one process;
- a network namespace of its own (a loopback that is down: every connection fails at
  once) and an IPC namespace (no System V shared memory outlives it);
- a new root holding only the system folders, Python, its packages and the kit, all
  read-only (the kit's expected values covered), its own /proc, and a private /tmp and
  /dev/shm (memory file systems that vanish with it): /root, /home, the course's files
  and the other submissions are simply not there;
- a uid and gid of its own, from a range that owns no file, no supplementary group, no
  capability and no way to gain one (no_new_privs): host files are read as "others";
- a cap on its processes and threads (RLIMIT_NPROC counts them per uid, and the uid is
  its alone), and a system-call filter that refuses new namespaces, mounts and every socket but AF_UNIX.

Where a protection cannot be applied, another takes its place (docs/sealing.md):

- root without CAP_SYS_ADMIN (Gradescope's and PrairieLearn's default Docker containers): no namespace, so
  the files to hide are taken out of "others'" reach (their modes, set by the root child before it drops
  to its own uid), a filter refuses every socket but AF_UNIX (:mod:`.syscall_filter`), and every process
  of the child's uid is ended when the notebook is done (:mod:`.leftovers`);
- not root (an instructor grading as themself): the child makes a user namespace of its own and, inside
  it, the same namespaces and new root as root's children have; where the kernel refuses, the socket
  filter still applies and the status names everything else.

What could not be applied is named in the status :func:`enter` returns.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import stat
import sys
import tempfile

from . import syscall_filter

#: the child's uid and gid are this plus its pid in the zygote's namespace: one per live child
FIRST_UID = 0x7000_0000

NOT_ROOT = (
    "not isolated (user namespaces are refused by this kernel, and grading as root is needed): the "
    "notebook could read the course's files and the other submissions, ran as the grader's own user, "
    "could start any number of processes (which may outlive it) and could write outside its temporary folder"
)

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER = (
    0x00020000,
    0x08000000,
    0x20000000,
    0x40000000,
    0x10000000,
)
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 2, 4, 8, 4096, 8192, 16384, 1 << 18
MNT_DETACH = 2
SYS_MOUNT_SETATTR, AT_FDCWD, AT_RECURSIVE, MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID = 442, -100, 0x8000, 1, 2
LINUX_CAPABILITY_VERSION_3 = 0x20080522
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38

#: top-level folders a notebook's process may read (symbolic links such as /lib -> usr/lib are copied as links)
SYSTEM_FOLDERS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "sys")
DEVICES = ("null", "zero", "full", "random", "urandom")
#: environment variables passed on to a notebook (the grader's may hold tokens)
PASSED_ON = ("PATH", "LANG", "LANGUAGE", "TZ", "MPLBACKEND", "MPLCONFIGDIR", "IPYTHONDIR", "PYTHONWARNINGS")

libc = ctypes.CDLL(None, use_errno=True)


class PidNamespaces:
    """The zygote's side: each child it forks next starts a PID namespace of its own (as root)."""

    def __init__(self) -> None:
        self.fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC) if os.geteuid() == 0 else None

    def prepare(self) -> None:
        """Call right before ``fork``. A kernel that refuses leaves the child in the zygote's
        namespace; the child then notices it is not PID 1 and says so."""
        if self.fd is not None and libc.setns(self.fd, CLONE_NEWPID) == 0:  # back to ours, then a fresh one
            libc.unshare(CLONE_NEWPID)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def enter(hide: list[str], scratch: str, processes: int) -> tuple[str, str]:
    """Apply every protection this process can, before any student code runs.

    ``hide``: paths that must stay unreadable even inside the new root (the kit's expected
    values); ``scratch``: an empty folder of the zygote's, over which the new root is built.
    Returns what could not be applied ("" when nothing is missing, or when not grading and
    not root) and the folder the notebook may write to.
    """
    if os.geteuid() != 0:
        return _enter_as_user(hide, scratch, processes) if hide else ("", scratch)
    uid = FIRST_UID + int(os.readlink("/proc/self"))  # its pid in the zygote's namespace: unique while it lives
    missing = _namespaces()
    try:
        workdir = _new_root(hide, scratch)
    except OSError as exc:
        missing += _withhold(hide)
        missing.append(
            f"it could read the host's world-readable files and write where every user may "
            f"(no new root: {exc.strerror or exc})"
        )
        workdir = tempfile.mkdtemp(prefix="child-", dir=scratch)
        os.chown(workdir, uid, uid)
    _become(uid, processes)  # raises when it cannot: student code never runs as root
    unreadable = sorted(p for p in {sys.prefix, sys.base_prefix} if not os.access(p, os.R_OK | os.X_OK))
    if unreadable:  # without a new root, Python under a private home (/root) is out of its user's reach
        missing.append(
            f"its imports fail: its user cannot read Python's files in {', '.join(unreadable)} "
            "(install Python where every user can read it)"
        )
    return _last_steps(missing, workdir)


def _last_steps(missing: list[str], workdir: str) -> tuple[str, str]:
    """The system-call filter and a clean environment, whatever else could be applied; the status."""
    try:
        syscall_filter.install()
    except OSError as exc:
        missing.append(f"it had network access and could create namespaces of its own ({exc.strerror or exc})")
    _clean_environment(workdir)
    return ("partly isolated: " + "; ".join(missing) if missing else ""), workdir


def _namespaces() -> list[str]:
    """Network and IPC namespaces of its own; what is missing without them. Without a PID namespace the
    notebook's processes are ended by uid (:func:`stop_other_processes`, :func:`end_processes_of`)."""
    missing = [] if os.getpid() == 1 else ["it could see the host's processes (no PID namespace)"]
    if libc.unshare(CLONE_NEWNET) != 0:  # the socket filter refuses the network all the same
        missing.append(f"it could reach the host's abstract UNIX sockets (no network namespace: {_strerror()})")
    if libc.unshare(CLONE_NEWIPC) != 0:
        missing.append(f"its System V shared memory could outlive it ({_strerror()})")
    return missing


def _withhold(hide: list[str]) -> list[str]:
    """Without a new root: take the files to hide out of "others'" reach, which is all the notebook's uid
    (a uid and gid of its own, no supplementary group) is to them. A folder's search bit guards everything
    under it. Lasting: the modes stay so (a platform's container is thrown away; on a server, these are the
    course's private files). Returns what could not be withheld."""
    failed = []
    for path in hide:
        try:
            mode = os.stat(path).st_mode
            if mode & 0o007:
                os.chmod(path, stat.S_IMODE(mode) & ~0o007)
        except FileNotFoundError:
            continue
        except OSError as exc:
            failed.append(f"{path} ({exc.strerror})")
    return [f"it could read {', '.join(failed)}"] if failed else []


def _enter_as_user(hide: list[str], scratch: str, processes: int) -> tuple[str, str]:
    """Not root: a user namespace of its own, in which the child may make the same namespaces and new root as
    root's children; PID 1 of a new PID namespace is a child of this process, which waits for it. Where the
    kernel refuses user namespaces, only the system-call filter (no socket, no namespace) applies."""
    try:
        _user_namespace()
    except OSError as exc:
        status = NOT_ROOT + f" ({exc.strerror or exc})"
        try:
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            syscall_filter.install()
        except OSError as filter_error:
            status += f"; it had network access ({filter_error.strerror or filter_error})"
        return status, scratch
    if libc.unshare(CLONE_NEWPID) == 0:
        _wait_for_pid_one()
    missing = _namespaces()
    if os.getpid() != 1:  # its processes have the grader's uid: they cannot be told apart from the grader's
        missing.append("processes it started could outlive it")
    workdir = scratch
    try:
        workdir = _new_root(hide, scratch)
    except OSError as exc:
        missing.append(f"it could read the course's files and the other submissions ({exc.strerror or exc})")
    _become(FIRST_UID, processes)
    return _last_steps(missing, workdir)


def _user_namespace() -> None:
    """A user namespace whose one uid (and gid), FIRST_UID, is the grader's own outside: the namespace's
    capabilities make mounts and namespaces, never anything outside it."""
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER) != 0:
        raise OSError(ctypes.get_errno(), f"a user namespace: {_strerror()}")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{FIRST_UID} {uid} 1"), ("gid_map", f"{FIRST_UID} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _wait_for_pid_one() -> None:
    """Fork PID 1 of the new PID namespace and return in it; this process waits for it and ends as it did
    (the grader stops both as one process group)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    pid = os.fork()
    if pid == 0:
        return
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        except InterruptedError:
            continue


def _new_root(hide: list[str], scratch: str) -> str:
    """A private mount namespace whose root holds only what running a notebook needs; returns its /tmp.
    If a step fails, what was built is taken down and the process keeps the host's root."""
    if libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), f"a private mount namespace: {_strerror()}")
    os.umask(0o022)  # the folders made below must be traversable by the notebook's user
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    try:
        _fill_root(scratch, hide)
    except OSError:
        libc.umount2(scratch.encode(), MNT_DETACH)
        raise
    os.chdir(scratch)
    _mount(".", "/", None, MS_MOVE)
    os.chroot(".")
    os.chdir("/")
    return "/tmp"


def _fill_root(root: str, hide: list[str]) -> None:
    """System folders, /dev, Python and the kit read-only (``hide`` covered), a private /tmp, a new /proc."""
    os.mkdir(f"{root}/tmp")
    _mount("tmpfs", f"{root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=256m,mode=1777")
    for name in os.listdir("/"):
        if os.path.lexists(f"{root}/{name}"):
            continue
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), f"{root}/{name}")
        elif name in SYSTEM_FOLDERS and os.path.isdir(f"/{name}"):
            _bind_read_only(f"/{name}", f"{root}/{name}")
    _devices(f"{root}/dev")
    for path in _python_paths():
        _bind_read_only(path, root + path)
    for path in map(os.path.realpath, hide):
        target = root + path
        if os.path.isdir(target):
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=000")
        elif os.path.lexists(target):
            _mount(os.devnull, target, None, MS_BIND)
    os.mkdir(f"{root}/proc")
    _mount("proc", f"{root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # this PID namespace's processes only
    _set_read_only(root, recursive=False)


def _devices(dev: str) -> None:
    """/dev with the harmless character devices, and a private /dev/shm."""
    os.mkdir(dev)
    _mount("tmpfs", dev, "tmpfs", MS_NOSUID, "size=64k,mode=755")
    for name in DEVICES:
        open(f"{dev}/{name}", "w").close()
        _mount(f"/dev/{name}", f"{dev}/{name}", None, MS_BIND)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{dev}/{name}")
    os.mkdir(f"{dev}/shm")
    _set_read_only(dev, recursive=False)
    _mount("tmpfs", f"{dev}/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")


def _python_paths() -> list[str]:
    """What the notebook's Python still reads: its prefixes (standard library, site-packages), the
    rest of its import path, the kit, and the caches the zygote was given. Outermost folders only,
    system folders left out."""
    kit = os.path.dirname(os.path.abspath(__file__))
    wanted = {
        sys.prefix,
        sys.exec_prefix,
        sys.base_prefix,
        sys.base_exec_prefix,
        kit,
        *sys.path[1:],
        os.environ.get("MPLCONFIGDIR", ""),
        os.environ.get("IPYTHONDIR", ""),
    }  # sys.path[0]: the grader's cwd
    real = {os.path.realpath(p) for p in wanted if p and os.path.isdir(p)}
    real = {p for p in real if p != "/" and p.split("/")[1] not in SYSTEM_FOLDERS}
    return sorted(p for p in real if not any(p.startswith(other + "/") for other in real))


def _bind_read_only(source: str, target: str) -> None:
    os.makedirs(target, exist_ok=True)
    _mount(source, target, None, MS_BIND | MS_REC)
    _set_read_only(target, recursive=True)


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def _set_read_only(path: str, recursive: bool) -> None:
    attr = _MountAttr(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0, 0, 0)
    if (
        libc.syscall(
            SYS_MOUNT_SETATTR,
            AT_FDCWD,
            path.encode(),
            AT_RECURSIVE if recursive else 0,
            ctypes.byref(attr),
            ctypes.sizeof(attr),
        )
        != 0
    ):
        raise OSError(ctypes.get_errno(), f"making {path} read-only: {_strerror()}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda text: None if text is None else text.encode()  # noqa: E731
    if libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mounting {target}: {_strerror()}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _become(uid: int, processes: int) -> None:
    """An unprivileged user of its own, for good: no group, no capability, none to gain. (In a user namespace
    of its own, the uid is the grader's outside and the groups cannot be dropped, but the namespace's new root
    shows nothing of the grader's but read-only system folders.)"""
    for capability in range(64):  # the bounding set; numbers past the kernel's last one just fail
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    if os.geteuid() == 0:
        os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # clears the effective and permitted capabilities
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    if libc.capset(ctypes.byref(header), ctypes.byref(data)) != 0 or libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
        raise OSError(ctypes.get_errno(), f"dropping privileges: {_strerror()}")
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the zygote gone (grader killed): end too
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if 0 in (*os.getresuid(), *os.getresgid()):
        raise PermissionError("the notebook's process is still root")


def _clean_environment(workdir: str) -> None:
    """The grader's environment may hold tokens: pass on only what running a notebook needs."""
    kept = {k: v for k, v in os.environ.items() if k in PASSED_ON or k.startswith("LC_")}
    os.environ.clear()
    os.environ.update(kept, HOME=workdir, USER="student", LOGNAME="student")


def _strerror() -> str:
    return os.strerror(ctypes.get_errno())
