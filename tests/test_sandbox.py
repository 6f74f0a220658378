"""The sandbox's own promises, tested on the Sandbox object directly (no notebook file, no grader around it)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from autograder.sandbox import Limits, Sandbox

MARKER = "313.25"  # the stray process sleeps this long: a name to find it by in /proc


def _running(argument: str) -> list[str]:
    """pids of processes whose command line holds ``argument``."""
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if argument in (process / "cmdline").read_bytes().decode(errors="replace").split("\0"):
                found.append(process.name)
        except OSError:
            continue
    return found


@pytest.mark.skipif(os.geteuid() != 0, reason="without root a notebook gets no PID namespace of its own")
def test_closing_the_sandbox_ends_every_process_of_a_notebook_still_running():
    """The grader closes its sandbox while a notebook is mid-cell with a process of its own running: when
    close() returns, the notebook's process and what it started are gone (none handed over to init)."""
    cells = [(0, f"import subprocess, time\nsubprocess.Popen(['sleep', '{MARKER}'])\ntime.sleep(60)")]
    sandbox = Sandbox()

    def grade() -> None:
        try:
            sandbox.execute(cells, Limits.for_notebook(90))
        except (OSError, RuntimeError):  # the sandbox was closed under it: what this test does on purpose
            pass

    runner = threading.Thread(target=grade)
    runner.start()
    deadline = time.monotonic() + 60
    while not _running(MARKER) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running(MARKER), "the notebook's process did not start its stray process"
    sandbox.close()
    assert not _running(MARKER)
    runner.join(timeout=30)
