"""The grader's side of the sandbox: start the zygote, run notebooks, send probes.

A :class:`Sandbox` owns one warm zygote process. :meth:`Sandbox.execute` forks a
child for one notebook, feeds it the cells and watches the clock;
:class:`RemoteStudent` is the handle the checks use to ask that child for numbers.
When a child dies (``os._exit``, a crash, a hard time-out) it is started again
without the cell that killed it, so the notebook is graded on what it completed.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import channel, leftovers
from .checker.handle import Student
from .checker.wire import error


@dataclass(frozen=True)
class Limits:
    cell_seconds: float = 30.0
    call_seconds: float = 10.0
    total_seconds: float = 120.0
    memory_mb: int = 3072
    output_kb: int = 1024
    file_mb: int = 16
    processes: int = 64  # processes and threads at once: torch's own threads fit, a fork bomb does not
    restarts: int = 3

    @classmethod
    def for_notebook(cls, seconds: float) -> Limits:
        """``seconds`` for a whole notebook; one cell may use half of it, so a stuck cell leaves time for the rest."""
        return cls(total_seconds=seconds, cell_seconds=min(30.0, seconds / 2), call_seconds=min(10.0, seconds / 2))

    def for_child(self) -> dict:
        return {
            "cell_seconds": self.cell_seconds,
            "call_seconds": self.call_seconds,
            "memory_mb": self.memory_mb,
            "output_kb": self.output_kb,
            "file_mb": self.file_mb,
            "processes": self.processes,
        }


@dataclass
class CellProblem:
    index: int
    kind: str
    message: str

    def describe(self, label: str) -> str:
        return f"{label}: {self.kind}" + (f": {self.message}" if self.message else "")


@dataclass
class ExecutionReport:
    """What happened while the notebook's cells ran."""

    isolation: str = ""  # the protections that could not be applied, if any
    problems: list[CellProblem] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # cells left out after they killed the process
    #: cell index -> what the cell showed (nbformat outputs as the child sent them), when asked for
    outputs: dict[int, list] = field(default_factory=dict)
    leftover: dict = field(default_factory=dict)  # threads and processes still running after the last cell


class Sandbox:
    """One warm zygote (torch imported once) that forks a child per notebook."""

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        env = dict(
            os.environ,
            MPLBACKEND="Agg",
            PYTHONWARNINGS="ignore",
            IPYTHONDIR=_private_dir("ipython"),
            MPLCONFIGDIR=os.environ.get("MPLCONFIGDIR", _private_dir("matplotlib")),
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "autograder.worker", str(child.fileno())],
            pass_fds=[child.fileno()],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        child.close()
        self._ctrl, self._lock, self._ready = parent, threading.Lock(), False
        self._ctrl.settimeout(120)

    def fork(self) -> tuple[int, socket.socket]:
        ours, theirs = socket.socketpair()
        with self._lock:
            if not self._ready:  # the zygote imports torch while its owner goes on; wait for it the first time
                if self._ctrl.recv(1) != b"R":
                    raise RuntimeError("the grading sandbox did not start")
                self._ready = True
            socket.send_fds(self._ctrl, [b"F"], [theirs.fileno()])
            pid = int.from_bytes(_exactly(self._ctrl, 4), "big")
        theirs.close()
        return pid, ours

    def execute(
        self, cells: list[tuple[int, str]], limits: Limits, hide: Sequence[str] = (), capture: bool = False
    ) -> Execution:
        """Run the cells in a new child; ``capture`` keeps what each cell shows (text, plots, errors)."""
        execution = Execution(self, cells, limits, list(hide), capture)
        execution.start()
        return execution

    def close(self) -> None:
        try:
            self._ctrl.close()
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SHARED: Sandbox | None = None


def shared() -> Sandbox:
    """The process's one warm zygote for an embedding program (nbgrader's autograde), started on first use and
    closed when the process ends. Starting it early (the course config does, for ``nbgrader autograde``) lets it
    import torch while the program starts up."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Sandbox()
        atexit.register(_SHARED.close)
    return _SHARED


class Execution:
    """One notebook in one (restartable) child process."""

    def __init__(
        self, sandbox: Sandbox, cells: list[tuple[int, str]], limits: Limits, hide: list[str], capture: bool = False
    ):
        self.sandbox, self.cells, self.limits, self.hide, self.capture = sandbox, cells, limits, hide, capture
        self.report = ExecutionReport()
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.restarts = 0

    def start(self) -> None:
        """Run the cells; if the process dies in a cell, run again without that cell."""
        deadline = time.monotonic() + self.limits.total_seconds
        while True:
            died_in = self._run_cells(deadline)
            if died_in is None:
                return
            if self.restarts >= self.limits.restarts or time.monotonic() >= deadline:
                self._stop()
                return
            self.restarts += 1
            self.report.skipped.append(died_in)

    def _run_cells(self, deadline: float) -> int | None:
        """Returns the index of the cell the process died in, or None when all ran."""
        self._stop()
        self.pid, self.sock = self.sandbox.fork()
        runnable = [(i, src) for i, src in self.cells if i not in self.report.skipped]
        channel.send(
            self.sock,
            {"cells": runnable, "limits": self.limits.for_child(), "hide": self.hide, "capture": self.capture},
        )
        self.report.outputs.clear()  # a rerun without a fatal cell shows the outputs of the rerun
        current = None
        while True:
            remaining = deadline - time.monotonic()
            try:
                event = channel.recv(self.sock, timeout=max(remaining, 0.01))
            except TimeoutError:
                self._note(current, "TimeLimit", f"the notebook did not finish within {self.limits.total_seconds:g} s")
                return current if current is not None else -1
            except channel.ChannelClosed:
                self._note(
                    current, "ProcessDied", "the notebook's process ended here (os._exit, a crash, or too much memory)"
                )
                return current if current is not None else -1
            try:
                kind, current = self._take(event, current)
            except (AttributeError, KeyError, TypeError, ValueError):  # not what the kit's child sends
                self._note(current, "ProcessDied", "the notebook's process sent the grader a garbled message")
                return current if current is not None else -1
            if kind == "executed":
                return None

    def _take(self, event: dict, current: int | None) -> tuple[str | None, int | None]:
        """Record one event from the child; returns its kind and the cell running now."""
        kind = event.get("event")
        if kind == "isolation":
            self.report.isolation = str(event["status"])
        elif kind == "cell_start":
            current = int(event["index"])
        elif kind == "cell_done":
            current = None
            if isinstance(event.get("outputs"), list):
                self.report.outputs[int(event["index"])] = event["outputs"]
            if event.get("error"):
                self._note(int(event["index"]), str(event["error"]["kind"]), str(event["error"]["message"]))
        elif kind == "executed":
            self.report.leftover = {
                what: int(count) for what, count in (event.get("leftover") or {}).items() if count is not None
            }
        return kind, current

    def _note(self, index: int | None, kind: str, message: str) -> None:
        if index is not None:
            self.report.problems.append(CellProblem(index, kind, message))

    def ask(self, probe: str, kwargs: dict) -> Any:
        """Send one probe; restart the child (without fatal cells) if it is gone."""
        if self.sock is None:
            if self.restarts >= self.limits.restarts:
                return _lost("the notebook's process had stopped and could not be restarted")
            self.restarts += 1
            if self._run_cells(time.monotonic() + self.limits.total_seconds) is not None:
                self._stop()
                return _lost("the notebook could not be run again")
        assert self.sock is not None  # connected, or connected again by _run_cells
        try:
            channel.send(self.sock, {"probe": probe, "kwargs": kwargs})
            return channel.recv(self.sock, timeout=self.limits.call_seconds + 5)
        except TimeoutError:
            self._stop()
            return _lost(f"the call did not return within {self.limits.call_seconds:g} s and was stopped")
        except (channel.ChannelClosed, OSError):
            self._stop()
            return _lost("the notebook's process ended during the call (os._exit, a crash, or too much memory)")

    def _stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.pid is not None:
            for kill in (lambda: os.killpg(self.pid, signal.SIGKILL), lambda: os.kill(self.pid, signal.SIGKILL)):
                try:
                    kill()
                except (ProcessLookupError, PermissionError):
                    pass
            leftovers.end_processes_of_child(self.pid)  # what left its group (setsid), where no PID namespace ends it
            self.pid = None

    def close(self) -> None:
        if self.sock is not None:
            try:
                channel.send(self.sock, {"quit": True})
            except OSError:
                pass
        self._stop()


class RemoteStudent(Student):
    """A student handle whose probes run in the sandboxed child."""

    def __init__(self, execution: Execution):
        self.execution = execution

    def _probe(self, probe: str, kwargs: dict) -> Any:
        return self.execution.ask(probe, kwargs)


def _lost(message: str) -> dict:
    return {"__result__": error("ProcessDied", message), "warnings": []}


def _exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise RuntimeError("the grading sandbox stopped")
        data += chunk
    return data


def _private_dir(name: str) -> str:
    import tempfile

    path = os.path.join(tempfile.gettempdir(), f"attention-kit-{os.getuid()}", name)
    os.makedirs(path, exist_ok=True)
    return path
