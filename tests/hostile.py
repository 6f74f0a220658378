"""Notebooks that try to get at what the grader hides, for every door and every sandbox (docs/sealing.md).

Each is the reference solution of assignment 01 plus one cell a student could write: read the hidden checks,
references and worked values (by import spec, by walking the import path, by ``/proc/self`` paths, by the paths
the test knows), connect to a port the test listens on, leave a daemon behind (``setsid nohup``), or quote a
line of the checks. Each hostile cell raises with what it got, so the note on that cell says it; the answers
are untouched, so each notebook earns full marks.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import nbformat

from autograder.pipeline import CHILD_SIDE  # the child's own files

from .conftest import ROOT
from .notebooks import A01, reference, with_cell

#: the kit's folders of checks, references and worked values, and compiled copies, as the grader hides them
KIT_SECRETS = ("assignments", "references", "worked_values", "__pycache__")
#: the modules of assignment 01's checks and worked values, as a student would look them up by name
MODULES = (
    "autograder.assignments.simplified_attention",
    "autograder.references",
    "autograder.fresh",
    "autograder.worked_values.simplified_attention",
    "autograder.worked_values.inputs",
)

READS = """
import importlib.util, json, os, sys
paths = json.loads(@PATHS@)
for name in @MODULES@:
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        spec = None
    if spec is not None and spec.origin:
        paths.append(spec.origin)
for entry in sys.path:  # site-packages, or wherever the kit is imported from
    kit = os.path.join(entry or ".", "autograder")
    for folder, _, files in os.walk(kit):
        paths += [os.path.join(folder, f) for f in files
                  if os.path.relpath(os.path.join(folder, f), kit).replace(os.sep, "/") not in @CHILD_SIDE@]
tries = [prefix + path for path in paths for prefix in ("", "/proc/self/root", "/proc/self/cwd/../../../..")]
read = []
for path in tries:
    try:
        with open(path, "rb") as handle:
            text = handle.read(200).decode(errors="replace")
        if text:  # a file the sandbox covered with an empty one reads as nothing
            read.append(path + ": " + text)
    except OSError:
        pass
raise PermissionError(f"read {len(read)} of the grader's files " + " | ".join(read)[:400])
"""
CONNECTS = """
import socket, time
started = time.monotonic()
try:
    socket.create_connection(("127.0.0.1", @PORT@), 10).close()
    outcome = "connected"
except OSError as error:
    outcome = f"{type(error).__name__}: {error.strerror}"
raise ConnectionError(f"{outcome} after {time.monotonic() - started:.0f} s")
"""
DAEMON = """
import subprocess
subprocess.Popen(["setsid", "nohup", "sleep", "@MARKER@"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""
#: what each hostile cell's note says in every sandbox (the notebook's score is full in every case)
SAYS = {
    "reads": re.compile(r"PermissionError: read 0 of the grader's files"),
    "connects": re.compile(r"ConnectionError: PermissionError: Permission denied after 0 s"),
    "daemon": re.compile(r"left 1 process running after its last cell"),
}


def notebooks(secret_paths: list[Path], port: int, marker: str) -> dict[str, nbformat.NotebookNode]:
    """The hostile notebooks: name -> notebook."""
    reads = (
        READS.replace("@PATHS@", repr(json.dumps([str(p) for p in secret_paths])))
        .replace("@MODULES@", repr(MODULES))
        .replace("@CHILD_SIDE@", repr(sorted(CHILD_SIDE)))
    )
    return {
        "reads": with_cell(reads),
        "connects": with_cell(CONNECTS.replace("@PORT@", str(port))),
        "daemon": with_cell(DAEMON.replace("@MARKER@", marker)),
    }


def secret_files(kit: Path, *more: Path) -> list[Path]:
    """Every file of the kit's checks, references, worked values and compiled copies, and ``more`` (files or
    folders: the course's sources, other submissions, results)."""
    found = [p for name in KIT_SECRETS for p in sorted((kit / name).rglob("*")) if p.is_file()]
    found += [p for extra in more for p in ([extra] if extra.is_file() else sorted(extra.rglob("*"))) if p.is_file()]
    assert len(found) > 10, found
    return found


def hidden_lines(assignment_id: str = A01) -> set[str]:
    """Lines (16 characters or more) of the assignment's checks and of the kit's references that the student's
    notebook does not show itself: none may appear in anything the student receives."""
    modules = [
        ROOT / "autograder" / "assignments" / "simplified_attention.py",
        *sorted((ROOT / "autograder" / "references").glob("*.py")),
    ]
    lines = {line.strip() for module in modules for line in module.read_text().splitlines()}
    shown = {line.strip() for cell in reference().cells for line in cell.source.splitlines()}
    return {line for line in lines - shown if len(line) >= 16 and not line.startswith(("import ", "from "))}


def a_line_of_the_checks() -> str:
    """One line of assignment 01's checks that the student's notebook does not show."""
    module = ROOT / "autograder" / "assignments" / "simplified_attention.py"
    return sorted(hidden_lines() & {line.strip() for line in module.read_text().splitlines()}, key=len)[-1]


def leaked(text: str, lines: set[str]) -> list[str]:
    return sorted(line for line in lines if line in text)


def stray(marker: str) -> list[int]:
    """Processes still running ``sleep MARKER`` (a daemon a notebook left), after a moment for the kill to land."""
    time.sleep(0.2)
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", marker.encode()]:
                found.append(int(pid))
        except OSError:
            continue
    return found


def quoting(line: str) -> nbformat.NotebookNode:
    """A notebook whose cell raises with ``line`` (a line of the checks), as if it had read it somewhere."""
    return with_cell(f"raise ValueError({line!r})")


def assert_says(kind: str, text: str) -> None:
    assert SAYS[kind].search(text), text
