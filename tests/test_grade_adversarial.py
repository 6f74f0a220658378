"""``attention-kit grade`` against submissions that try to break or fool it.

One batch, graded together with a correct notebook that must still get full
marks: each hostile notebook gets the score its answers deserve and a message
saying what happened, and no submission file is changed. When grading as root,
notebooks also try what a student on a shared grading server would: a fork bomb,
the network, the host's files, privileges, and processes that outlive them.
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from autograder import isolation

from . import samples
from .conftest import KIT, ROOT, run_kit
from .notebooks import A01, mutated, reference, with_cell

pytestmark = pytest.mark.xdist_group("adversarial")  # the hostile batch is graded once

FULL, WEIGHTS_WRONG = 20.0, 18.0  # softmax_dim0 breaks all_weights and all_weights_hidden

TAMPER = """
import torch, torch.testing
torch.allclose = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
torch.Tensor.__eq__ = lambda self, other: True
"""
REDEFINE_CHECKS = """
def check(*args, **kwargs):
    print("PASSED")
try:
    import autograder.notebook
    autograder.notebook.check = check
except Exception:
    pass
"""

# name -> (notebook or raw bytes, expected score, text(s) or patterns expected in the notes or problem)
CASES = {
    "correct": (reference(), FULL, ""),
    "infinite_loop": (with_cell("while True:\n    pass", position=60), FULL, "CellTimeout"),
    "os_exit": (with_cell("import os\nos._exit(0)", position=20), FULL, "stopped the notebook's process"),
    "memory_bomb": (
        with_cell("hoard = []\nwhile True:\n    hoard.append(torch.ones(2**26))", position=2),
        FULL,
        "RuntimeError",
    ),
    "print_flood": (with_cell("print('x' * 50_000_000)", position=2), FULL, "OutputLimitExceeded"),
    "monkeypatched_torch": (with_cell(TAMPER, 2, mutated("softmax_dim0")), WEIGHTS_WRONG, ""),
    "redefined_checks": (with_cell(REDEFINE_CHECKS, 2, mutated("softmax_dim0")), WEIGHTS_WRONG, ""),
    "tests_deleted": (
        next(s.notebook for s in samples.sample_class(ROOT, A01) if s.name == "tests_deleted"),
        FULL - 2,
        "",
    ),
    "tests_edited": (
        next(s.notebook for s in samples.sample_class(ROOT, A01) if s.name == "tests_edited"),
        FULL - 2,
        "",
    ),
    "pasted_numbers": (mutated("pasted_numbers"), FULL - 3, ""),
    # as root the course's files are not even there; otherwise the report must say the notebook was not isolated
    "reads_solutions": (
        with_cell("print(open('%s').read())" % (ROOT / "solutions" / A01 / f"{A01}.ipynb"), 2),
        FULL,
        "No such file or directory" if os.geteuid() == 0 else "not isolated",
    ),
    "not_json": (b"{ this is not json", 0.0, "not valid JSON"),
    "empty_file": (b"", 0.0, "the file is empty"),
    "not_utf8": ("caf\xe9 notebook".encode("latin-1"), 0.0, "not UTF-8"),
    "json_not_notebook": (b'{"name": "alice", "answers": [1, 2, 3]}', 0.0, "not a Jupyter notebook"),
    "unreadable_nbformat": (b'{"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}', 0.0, "nbformat"),
    "other_assignment": (
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}',
        0.0,
        "not an attention-kit assignment",
    ),
}

# Filled in when the batch is written: a port the test listens on, and the folder of the class.
PORT, CLASS = "@PORT@", "@CLASS@"
STRAY_PROCESS, STRAY_THREAD = "ak-stray-proc", "ak-stray-thread"  # names the test looks for afterwards
LINGER = f"""
import ctypes, os, threading, time

def linger(name):
    ctypes.CDLL(None).prctl(15, name)  # PR_SET_NAME: what the test looks for
    while True:
        time.sleep(0.1)

threading.Thread(target=linger, args=({STRAY_THREAD.encode()!r},), daemon=True).start()
daemon = os.fork()
if daemon == 0:  # a daemon: a session of its own, its parent gone
    os.setsid()
    if os.fork() == 0:
        linger({STRAY_PROCESS.encode()!r})
    os._exit(0)
os.waitpid(daemon, 0)
"""
WRITE_OUTSIDE = f"""
import os, tempfile
with open(os.path.join(tempfile.gettempdir(), "mine.txt"), "w") as private:
    private.write("the private temporary folder is the notebook's own")
refused = []
for path in ["{ROOT}/pwned.txt", "{CLASS}/pwned.txt", "/root/pwned.txt"]:
    try:
        with open(path, "w") as outside:
            outside.write("pwned")
    except OSError as error:
        refused.append(f"{{path}}: {{error.strerror}}")
raise PermissionError("; ".join(refused))
"""
UNSHARE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for flags in (0x10000000, 0x40000000, 0x00020000):  # a user, network and mount namespace of its own
    if libc.unshare(flags) == 0:
        raise RuntimeError(f"unshare({flags:#x}) succeeded")
raise PermissionError(ctypes.get_errno(), "unshare: " + os.strerror(ctypes.get_errno()))
"""
# What a notebook could do to the machine itself unless the grader runs as root and confines it.
AS_ROOT = {
    "fork_bomb": (
        with_cell("import os\nwhile True:\n    os.fork()"),
        FULL,
        "ProcessLimit: the notebook tried to start too many processes",
    ),
    "connects_to_local_port": (
        with_cell(f"import socket\nsocket.create_connection(('127.0.0.1', {PORT}), 10)"),
        FULL,
        "PermissionError: [Errno 13] Permission denied",
    ),  # no socket but AF_UNIX
    "reads_shadow": (with_cell("print(open('/etc/shadow').read())"), FULL, "Permission denied: '/etc/shadow'"),
    "reads_other_submission": (
        with_cell(f"print(open('{CLASS}/correct.ipynb').read())"),
        FULL,
        "No such file or directory",
    ),
    "writes_outside_tmp": (
        with_cell(WRITE_OUTSIDE),
        FULL,
        # the repository is read-only, or hidden where it lies under the notebook's private /tmp
        (
            re.compile(rf"{re.escape(str(ROOT))}/pwned\.txt: (Read-only file system|Permission denied)"),
            "/pwned.txt: No such file or directory",
            "/root/pwned.txt: Read-only file system",
        ),
    ),
    "leaves_process_and_thread": (
        with_cell(LINGER),
        FULL,
        (
            "left 1 process running after its last cell (stopped before the checks ran)",
            "left 1 thread running after its last cell",
        ),
    ),
    "setuid_root": (with_cell("import os\nos.setuid(0)"), FULL, "PermissionError: [Errno 1] Operation not permitted"),
    "unshare": (with_cell(UNSHARE), FULL, "PermissionError: [Errno 1] unshare: Operation not permitted"),
    # modules the zygote never imported, read from Python's prefix (under /root here) after the drop
    "imports_more_modules": (
        with_cell("import colorsys, sqlite3, statistics, tomllib, wave, torch.utils.benchmark"),
        FULL,
        "",
    ),
}
if os.geteuid() == 0:
    CASES.update(AS_ROOT)


@pytest.fixture(scope="module")
def listener():
    """A TCP port on this machine that no notebook may reach."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


@pytest.fixture(scope="module")
def graded(tmp_path_factory, listener):
    folder = tmp_path_factory.mktemp("class")
    for name, (content, _, _) in CASES.items():
        path = folder / f"{name}.ipynb"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = nbformat.writes(content).replace(PORT, str(listener.getsockname()[1]))
            path.write_text(text.replace(CLASS, str(folder)))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    out = tmp_path_factory.mktemp("graded")
    result = run_kit("grade", folder, "--out", out, "--workers", "2", "--timeout", "30", "--course", ROOT, timeout=900)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    results = {name: json.loads((out / "results" / f"{name}__{_assignment(name)}.json").read_text()) for name in CASES}
    return result, results, before, after, out


def _assignment(name: str) -> str:
    return A01 if not isinstance(CASES[name][0], bytes) else "ungradable"


def test_the_batch_finishes(graded):
    result = graded[0]
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("name", list(CASES))
def test_each_submission_gets_the_score_it_deserves_with_a_message(graded, name):
    _, results, _, _, _ = graded
    _, expected_score, messages = CASES[name]
    assert results[name]["score"] == expected_score, results[name]
    output = results[name]["output"]
    for message in [messages] if isinstance(messages, str) else messages:
        assert message.search(output) if isinstance(message, re.Pattern) else message in output, output


def test_no_submission_file_is_changed_or_removed(graded):
    _, _, before, after, _ = graded
    assert before == after


def test_only_results_are_printed_when_the_output_is_not_a_terminal(graded):
    assert graded[0].stderr == ""


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="these protections need a grader running as root")


@needs_root
@pytest.mark.parametrize("name", ["correct", "imports_more_modules"])
def test_every_protection_was_applied_and_the_notebook_ran_unhindered(graded, name):
    assert graded[1][name]["output"] == ""  # else a note names what the sandbox could not apply, or what failed


@needs_root
def test_no_connection_reached_the_port_the_notebook_tried(graded, listener):
    with pytest.raises(BlockingIOError):
        listener.accept()


@needs_root
def test_nothing_was_written_outside_the_private_temporary_folder(graded):
    assert not (ROOT / "pwned.txt").exists() and not Path("/root/pwned.txt").exists()  # the class folder:
    # test_no_submission_file_is_changed_or_removed


@needs_root
def test_no_process_or_thread_a_notebook_started_outlives_the_batch(graded):
    names = set()
    for task in Path("/proc").glob("[0-9]*/task/[0-9]*"):
        try:
            names.add((task / "comm").read_text().strip())
        except OSError:
            continue  # ended while we looked
    assert not {STRAY_PROCESS, STRAY_THREAD} & names
    # A sandboxed process handed over to init has outlived its grader. Another module's batch may be closing its
    # sandbox at this very moment (pytest-xdist), and a process being killed is still listed for a few
    # milliseconds: what counts is one that is still there a moment later.
    orphans = _sandboxed_orphans()
    deadline = time.monotonic() + 3
    while orphans and time.monotonic() < deadline:
        time.sleep(0.1)
        orphans &= _sandboxed_orphans()
    assert not orphans


def _sandboxed_orphans() -> set[tuple[str, str]]:
    """(pid, start time) of each process running as a sandbox uid whose parent is init."""
    found = set()
    for process in Path("/proc").glob("[0-9]*"):
        try:
            status = dict(line.split(":", 1) for line in (process / "status").read_text().splitlines() if ":" in line)
            started = (process / "stat").read_text().rsplit(")", 1)[1].split()[19]
        except (OSError, IndexError):
            continue  # ended while we looked
        uid, parent = int(status["Uid"].split()[0]), int(status["PPid"])
        if isolation.FIRST_UID <= uid < isolation.FIRST_UID + 2**22 and parent == 1:
            found.add((process.name, started))
    return found


def test_grades_csv_has_one_row_per_submission_and_one_column_per_check(graded):
    import csv

    with open(graded[4] / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["student"] for r in rows) == sorted(CASES)
    assert {"scores_loop", "all_weights_hidden"} <= set(rows[0])
    assert all((graded[4] / "feedback" / f"{n}__{_assignment(n)}.html").exists() for n in CASES)


#: root mapped to an ordinary user in a user namespace of its own, where (``refused``) the grader's child may make
#: no user namespace: a user namespace allowed one namespace below it, which the ordinary user's takes
AS_A_USER = {
    "allowed": ["unshare", "--user", "--map-user=1000", "--map-group=1000"],
    "refused": [
        "unshare",
        "--user",
        "--map-root-user",
        "sh",
        "-c",
        'echo 1 > /proc/sys/user/max_user_namespaces && exec unshare --user --map-user=1000 --map-group=1000 "$@"',
        "--",
    ],
}


def grade_as_a_user(folder: Path, namespaces: str, terminal_fd: int | None = None):
    """``attention-kit grade`` as an instructor runs it on a laptop: as an ordinary user (when the tests run
    as root: root mapped away in a user namespace of its own)."""
    as_user = AS_A_USER[namespaces] if os.geteuid() == 0 else []
    if as_user and (not shutil.which("unshare") or subprocess.run([*as_user, "true"]).returncode != 0):
        pytest.skip("no user namespaces to run the grader as an ordinary user")
    (folder / "mine.ipynb").write_text(nbformat.writes(with_cell("import os\nprint(os.geteuid())")))
    result = subprocess.run(
        [*as_user, *KIT, "grade", folder / "mine.ipynb", "--out", folder / "out", "--course", ROOT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=terminal_fd or subprocess.PIPE,
        text=True,
        timeout=300,
    )
    return result, json.loads((folder / "out" / "results" / f"mine__{A01}.json").read_text())


@pytest.fixture(scope="module")
def on_a_laptop(tmp_path_factory):
    """As an ordinary user with stderr on a terminal."""
    terminal, its_end = pty.openpty()
    result, graded = grade_as_a_user(tmp_path_factory.mktemp("laptop"), "allowed", its_end)
    os.close(its_end)
    shown = os.read(terminal, 65536).decode()
    os.close(terminal)
    assert result.returncode == 0, shown[-2000:]
    return result.stdout, shown, graded


def test_progress_is_shown_on_a_terminal_only(on_a_laptop):
    printed, shown, _ = on_a_laptop
    assert "graded 1/1" in shown and "notebooks/s" in shown and "left" in shown, shown
    assert "graded 1/1" not in printed


def test_without_root_the_notebook_is_sealed_in_a_user_namespace(on_a_laptop):
    graded = on_a_laptop[2]
    assert graded["score"] == FULL and graded["output"] == "", graded["output"]  # no protection left out


def test_where_the_kernel_refuses_user_namespaces_the_report_names_every_protection_not_applied(tmp_path):
    result, graded = grade_as_a_user(tmp_path, "refused")
    assert result.returncode == 0, result.stderr[-2000:]
    assert graded["score"] == FULL
    note = next(line for line in graded["output"].splitlines() if line.startswith("Sandbox: "))
    assert note.startswith("Sandbox: not isolated (user namespaces are refused by this kernel")
    for protection in (
        "the course's files and the other submissions",
        "the grader's own user",
        "any number of processes (which may outlive it)",
        "write outside its temporary folder",
    ):
        assert protection in note
    assert "network" not in note, "the system-call filter refuses sockets without any namespace"
