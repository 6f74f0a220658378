"""Ending what a notebook started: as PID 1 of its own PID namespace, every other process there; without one,
every process of its uid (root gives each child a uid of its own). Run by the child after its last cell, and by
a root grader once the child is stopped (a daemon has left the child's process group by then)."""

from __future__ import annotations

import os
import signal
import threading
import time

from .isolation import FIRST_UID


def stop_other_processes() -> int:
    """Stop every other process of the notebook's PID namespace and collect them; returns how many
    were running. As PID 1 of a namespace of its own every process is the notebook's; elsewhere, those
    of its uid are (a uid of its own: root's child without a PID namespace)."""
    if os.getpid() != 1:
        return end_processes_of(os.getuid()) if _own_uid(os.getuid()) else 0
    running = len(_other_processes())
    for _ in range(200):  # a thread of the notebook's may still be starting some: until none is left, 2 s at most
        try:
            os.kill(-1, signal.SIGKILL)  # from PID 1: every other process of this namespace
        except ProcessLookupError:
            pass
        time.sleep(0.005)
        _collect()
        if not _other_processes():
            break
    return running


def _other_processes() -> list[str]:
    return [pid for pid in os.listdir("/proc") if pid.isdigit() and pid != "1" and not _zombie(pid)]


def _collect() -> None:
    """PID 1's duty: collect its children that ended, orphans included (until then they count against the cap)."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def stop_leftovers() -> dict:
    """After the last cell: how many threads and processes the notebook left running; the processes
    are stopped now (in a PID namespace or under a uid of its own; elsewhere they cannot be told apart)."""
    return {
        "threads": threading.active_count() - 1,
        "processes": stop_other_processes() if os.getpid() == 1 or _own_uid(os.getuid()) else None,
    }


def _own_uid(uid: int) -> bool:
    """A uid root gave this child alone (not FIRST_UID itself: a user namespace's one uid, the grader's outside)."""
    return FIRST_UID < uid < FIRST_UID + 2**22 and os.geteuid() == uid


def end_processes_of(uid: int) -> int:
    """Kill every process of ``uid`` but this one, until none is left (2 s at most: one may be forking);
    returns how many there were. Run by the notebook's own process (``kill(-1)`` reaches its uid's processes
    only) or by a root grader once the notebook is done (by then its processes may have left its group)."""
    mine = [pid for pid in _processes_of(uid) if pid != os.getpid()]
    for _ in range(400):
        left = [pid for pid in _processes_of(uid) if pid != os.getpid()]
        if not left:
            break
        if os.getuid() == uid:
            _signal(-1)
        for pid in left:
            _signal(pid)
        time.sleep(0.005)
        _collect()
    return len(mine)


def end_processes_of_child(pid: int) -> None:
    """The grader's side, as root: the child ``pid`` is done; end every process of its uid."""
    if os.geteuid() == 0:
        end_processes_of(FIRST_UID + pid)


def _processes_of(uid: int) -> list[int]:
    """Live processes whose real uid is ``uid`` (from their status: /proc/PID itself is root's once a process
    changed its uid)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as status:
                uids = next(line for line in status if line.startswith("Uid:")).split()
        except (OSError, StopIteration):
            continue  # ended while we looked
        if int(uids[1]) == uid and not _zombie(pid):
            found.append(int(pid))
    return found


def _signal(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True  # already gone
