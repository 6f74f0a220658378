"""The student's side of the sandbox: a warm zygote and the children it forks.

``python -m autograder.worker FD`` starts the zygote: it imports torch, IPython
and matplotlib once, then forks one child per notebook on request. A child
locks itself in (:mod:`isolation`), applies its limits, executes the notebook's
cells one by one and then answers probes until the grader is done with it. This module and what it imports hold no
expected value and make no decision: they compute and send numbers back.
"""

from __future__ import annotations

import errno
import io
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from contextlib import contextmanager

from . import channel, isolation, leftovers
from .checker.probes import run_probe
from .checker.wire import encode, error


class CellTimeout(BaseException):
    """Raised inside student code when its time is up (not an ``Exception``: a bare
    ``except Exception`` in a student's loop cannot swallow it)."""


class OutputLimitExceeded(BaseException):
    """Raised inside student code that printed more than the grader keeps."""


class Budget:
    """How much a notebook may print, shared by its stdout and stderr."""

    def __init__(self, limit: int):
        self.limit, self.written, self.exceeded = limit, 0, False

    def spend(self, size: int) -> None:
        self.written += size
        if self.written > self.limit and not self.exceeded:
            self.exceeded = True
            raise OutputLimitExceeded(f"the notebook printed more than {self.limit // 1024} KB")


class CappedStream(io.TextIOBase):
    """Stands in for stdout or stderr: stops a flood, and keeps what it was given when the grader wants the
    cells' outputs (for the graded notebook that nbgrader shows)."""

    def __init__(self, name: str, budget: Budget, outputs: CellOutputs | None):
        self.name, self.budget, self.outputs = name, budget, outputs

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.budget.spend(len(text))
        if self.outputs is not None:
            self.outputs.stream(self.name, text)
        return len(text)


class CellOutputs:
    """What a cell shows in a notebook, as nbformat outputs: printed text, rich displays (plots), the value of its
    last expression and its error. Installed on the shell when the grader asks for outputs."""

    def __init__(self) -> None:
        self.outputs: list[dict] = []

    def install(self, shell) -> None:
        from IPython.core.displaypub import DisplayPublisher

        outputs = self

        class Publisher(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
                outputs.outputs.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

            def clear_output(self, wait=False):
                outputs.outputs.clear()

        def result(value=None):
            if value is not None:
                data, metadata = shell.display_formatter.format(value)
                outputs.outputs.append({"output_type": "execute_result", "data": data, "metadata": metadata})

        shell.display_pub = Publisher(shell=shell)
        shell.display_trap.hook = result
        shell._showtraceback = lambda etype, evalue, stb: outputs.outputs.append(
            {"output_type": "error", "ename": etype.__name__, "evalue": str(evalue)[:2000], "traceback": stb[-20:]}
        )
        import matplotlib.pyplot
        from matplotlib_inline.backend_inline import configure_inline_support

        inline = "module://matplotlib_inline.backend_inline"  # plots become PNG outputs, as in Jupyter
        matplotlib.pyplot.switch_backend(inline)
        configure_inline_support(shell, inline)

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def take(self) -> list[dict]:
        taken, self.outputs[:] = list(self.outputs), []
        return taken


class OwnerOnlySocket(socket.socket):
    """The grader's socket, for the process that received it only: a copy of the child that the
    notebook forked (a fork bomb makes dozens) ends as soon as it is back in the kit's code,
    instead of talking to the grader over the same connection."""

    def __init__(self, fd: int):
        super().__init__(fileno=fd)
        self.owner = os.getpid()

    def sendall(self, *args):
        self._owner_only()
        return super().sendall(*args)

    def recv(self, *args):
        self._owner_only()
        return super().recv(*args)

    def _owner_only(self) -> None:
        if os.getpid() != self.owner:
            os._exit(0)


def preload() -> None:
    """What every child would otherwise import again: paid once, in the zygote."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib.pyplot  # noqa: F401
    import matplotlib_inline.backend_inline  # noqa: F401  (plots of a graded notebook, when its outputs are kept)
    import torch  # noqa: F401

    _shell()  # the singleton every child inherits, created before any privilege is dropped


def zygote(ctrl_fd: int) -> None:
    preload()
    scratch = tempfile.mkdtemp(prefix="attention-kit-scratch-")  # each child's working folder lives here
    os.chmod(scratch, 0o711)  # children running as users of their own reach their folders, and list nothing
    try:
        serve(socket.socket(fileno=ctrl_fd), scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def serve(ctrl: socket.socket, scratch: str) -> None:
    """Fork one child per request until the grader closes the control socket; then end every child still
    running and wait until all are gone, so that nothing a notebook started outlives the grader's sandbox."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    namespaces = isolation.PidNamespaces()
    children = Children()
    ctrl.sendall(b"R")
    try:
        while True:
            try:
                message, fds, _, _ = socket.recv_fds(ctrl, 16, 1)
            except OSError:
                return
            if not message or not fds:
                return
            namespaces.prepare()
            pid = os.fork()
            if pid == 0:
                ctrl.close()
                namespaces.close()
                children.forget()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    child(fds[0], scratch)
                finally:
                    os._exit(0)
            os.close(fds[0])
            children.add(pid)
            ctrl.sendall(pid.to_bytes(4, "big"))
    finally:
        children.end_all()


class Children:
    """The zygote's children that may still run, each held by a pidfd (a pid could be reused once the kernel
    has reaped its process; a pidfd always names the same process)."""

    def __init__(self) -> None:
        self.pids: dict[int, int] = {}  # pidfd -> pid

    def add(self, pid: int) -> None:
        self._forget_ended()
        try:
            self.pids[os.pidfd_open(pid)] = pid
        except ProcessLookupError:  # already over
            pass

    def forget(self) -> None:
        """In a new child: its siblings are not its business."""
        for fd in self.pids:
            os.close(fd)
        self.pids = {}

    def end_all(self, seconds: float = 10.0) -> None:
        """Kill every child still running, with its process group, and wait for all of them. As root a child is
        PID 1 of its own namespace, which the kernel empties before the child itself ends, and without a PID
        namespace the processes of its uid are ended after it: when this returns, no process of any notebook is
        left (none is handed over to init while the grader thinks the sandbox closed)."""
        running = list(self.pids.values())
        for fd, pid in self.pids.items():
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
                os.killpg(pid, signal.SIGKILL)  # still its group: the child is alive, so its pid is not reused
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + seconds
        while self.pids and time.monotonic() < deadline:
            self._forget_ended(timeout=max(deadline - time.monotonic(), 0))
        self.forget()
        for pid in running:
            leftovers.end_processes_of_child(pid)

    def _forget_ended(self, timeout: float = 0) -> None:
        if not self.pids:
            return
        ended, _, _ = select.select(list(self.pids), [], [], timeout)  # a pidfd is readable once its process ended
        for fd in ended:
            os.close(fd)
            del self.pids[fd]


def child(job_fd: int, scratch: str) -> None:
    os.setpgid(0, 0)  # the grader stops the child and anything it started as one group
    sock = OwnerOnlySocket(job_fd)
    spec = channel.recv(sock)
    limits = spec["limits"]
    status, scratch = isolation.enter(spec.get("hide") or [], scratch, int(limits["processes"]))
    sock.owner = os.getpid()  # not root: PID 1 of a new PID namespace, forked by enter(), carries on
    shell = _shell()
    outputs = CellOutputs() if spec.get("capture") else None
    if outputs is not None:
        outputs.install(shell)
    _confine(limits, scratch, outputs)
    channel.send(sock, {"event": "isolation", "status": status})
    os.register_at_fork(after_in_child=lambda: _end_at_first_error(shell))
    for index, source in spec["cells"]:
        channel.send(sock, {"event": "cell_start", "index": index})
        try:
            with _time_limit(limits["cell_seconds"]):
                outcome = shell.run_cell(source, store_history=False)
            failure = outcome.error_before_exec or outcome.error_in_exec
        except (CellTimeout, OutputLimitExceeded) as exc:  # raised outside the cell's own code
            failure = exc
        if _refused_a_new_process(failure):
            leftovers.stop_other_processes()  # a fork bomb's copies would keep the cap full for the next cells
        done = {"event": "cell_done", "index": index, "error": _describe(failure)}
        if outputs is not None:
            done["outputs"] = encode(outputs.take())
        channel.send(sock, done)
    channel.send(sock, {"event": "executed", "leftover": leftovers.stop_leftovers()})
    while True:
        request = channel.recv(sock)
        if not isinstance(request, dict) or request.get("quit"):
            return
        try:
            with _time_limit(limits["call_seconds"]):
                answer = run_probe(shell.user_ns, str(request.get("probe")), dict(request.get("kwargs") or {}))
        except CellTimeout:
            answer = {"__result__": error("Timeout", "the call did not return in time"), "warnings": []}
        except OutputLimitExceeded as exc:
            answer = {"__result__": error("OutputLimitExceeded", str(exc)), "warnings": []}
        channel.send(sock, answer)


def _confine(limits: dict, scratch: str, outputs: CellOutputs | None) -> None:
    """Resource limits, a working folder of its own, and a stdout that cannot flood anything."""
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    file_size = int(limits["file_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails instead of killing
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    budget = Budget(int(limits["output_kb"]) * 1024)
    sys.stdout, sys.stderr = CappedStream("stdout", budget, outputs), CappedStream("stderr", budget, outputs)
    os.environ["TMPDIR"] = tempfile.tempdir = tempfile.mkdtemp(prefix="child-", dir=scratch)
    os.chdir(tempfile.tempdir)
    import torch

    torch.set_num_threads(1)


def _end_at_first_error(shell) -> None:
    """In a copy of the child that the notebook forked: an error that reaches the cell machinery
    ends the copy at once. A fork bomb's copies then stop at their first refused fork instead of
    formatting tracebacks nobody reads, so the notebook's own process is not starved."""
    shell.showtraceback = lambda *args, **kwargs: os._exit(1)


def _shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    # Tracebacks as plain text: coloured ones make stack_data build a new pygments lexer, compiling some 500
    # regular expressions, for each frame of each error (about 0.07 s an error, a blank notebook has a dozen)
    config.InteractiveShell.colors = "nocolor"
    shell = InteractiveShell.instance(config=config)
    return shell


@contextmanager
def _time_limit(seconds: float):
    """Raise :class:`CellTimeout` in the running code after ``seconds``, and again
    every half second after that (a student's ``except:`` cannot hold it off)."""

    def expire(signum, frame):
        raise CellTimeout(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _describe(failure: BaseException | None) -> dict | None:
    if failure is None:
        return None
    if _refused_a_new_process(failure):
        cap = resource.getrlimit(resource.RLIMIT_NPROC)[0]
        at_most = f": at most {cap} may run at once" if cap != resource.RLIM_INFINITY else ""
        return {
            "kind": "ProcessLimit",
            "message": f"the notebook tried to start too many processes or threads{at_most}",
        }
    return {"kind": type(failure).__name__, "message": str(failure)[:500]}


def _refused_a_new_process(failure: BaseException | None) -> bool:
    """``os.fork`` or ``Thread.start`` at the cap on processes and threads."""
    return (
        isinstance(failure, BlockingIOError)
        and failure.errno == errno.EAGAIN
        or isinstance(failure, RuntimeError)
        and "can't start new thread" in str(failure)
    )


if __name__ == "__main__":
    zygote(int(sys.argv[1]))
    os._exit(0)  # nothing is left to flush: skip tearing torch down, which the grader would wait for
