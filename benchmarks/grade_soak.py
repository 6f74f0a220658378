#!/usr/bin/env python3
"""A whole course in one run: ``attention-kit grade --workers 2`` on 1,600 generated submissions.

200 students x 8 assignments in nbgrader's layout. Every block of 40 submissions holds
the same mix (shuffled once): reference solutions, blank notebooks, sample mistakes and
correct alternatives, partly finished notebooks, edited or deleted test cells, files
that are not notebooks, a cell that crashes, a loop, and a notebook that leaves a
process, a thread and files behind. So the first 40 are a fair sample of the whole run,
and a grader that slows down or grows as it goes shows it.

Prints seconds per submission for the first 40 (until each of them is graded) and for the whole run (both
counted from the first result, so the sandbox's start-up is reported apart), the grader's peak memory
(VmHWM of the ``attention-kit grade`` process) and its resident memory along the way, and
what is left afterwards: processes, scratch folders, /tmp and /dev/shm entries.

    .venv/bin/python benchmarks/grade_soak.py [--students 200] [--workers 2] [--timeout 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course, isolation  # noqa: E402
from autograder.assignments import ASSIGNMENTS  # noqa: E402

BLOCK = 40
MIX = (
    ["reference"] * 7
    + ["blank"] * 6
    + ["mistake"] * 16
    + ["tests_edited", "tests_deleted"]
    + ["partial"] * 4
    + ["not_json", "empty", "crash", "loop", "litter"]
)
random.Random(11).shuffle(MIX)
LITTER_NAME = "ak-soak-litter"
LITTER = f"""
import os, subprocess, sys, threading, time
with open(f"/tmp/{LITTER_NAME}-{{os.getpid()}}", "w") as left:
    left.write("left behind?")
with open("/dev/shm/{LITTER_NAME}", "w") as left:
    left.write("left behind?")
threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", "{LITTER_NAME}"], start_new_session=True)
"""


def sample_notebooks(assignment_id: str) -> dict[str, nbformat.NotebookNode]:
    """The assignment's sample submissions by name ("reference", "blank", each sample mistake or
    correct alternative, "tests_edited", "tests_deleted"): the one place that knows where they live."""
    from tests import samples

    return {sample.name: sample.notebook for sample in samples.sample_class(ROOT, assignment_id)}


def submission(kind: str, student: int, notebooks: dict[str, nbformat.NotebookNode]) -> str:
    """The text of one submission of the given kind."""
    if kind in ("not_json", "empty"):
        return "{ not json" if kind == "not_json" else ""
    mistakes = sorted(set(notebooks) - {"reference", "blank", "tests_edited", "tests_deleted"})
    if kind == "mistake":
        return nbformat.writes(notebooks[mistakes[student % len(mistakes)]])
    if kind in ("reference", "blank", "tests_edited", "tests_deleted"):
        return nbformat.writes(notebooks[kind])
    notebook = nbformat.from_dict(notebooks["reference"])
    if kind == "partial":
        return nbformat.writes(_partly_finished(notebook, notebooks["blank"]))
    extra = {"crash": "raise RuntimeError('a cell that crashes')", "loop": "while True:\n    pass", "litter": LITTER}[
        kind
    ]
    notebook.cells.insert(len(notebook.cells) // 2, nbformat.v4.new_code_cell(extra))
    return nbformat.writes(notebook)


def _partly_finished(reference: nbformat.NotebookNode, blank: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The reference with its second half of answers put back to the blank TO-DOs."""
    todo = {
        course.nbgrader_meta(c).get("grade_id"): c.source
        for c in blank.cells
        if course.nbgrader_meta(c).get("solution")
    }
    answers = [c for c in reference.cells if course.nbgrader_meta(c).get("grade_id") in todo]
    for cell in answers[len(answers) // 2 :]:
        cell.source = todo[course.nbgrader_meta(cell)["grade_id"]]
    return reference


def make_course(folder: Path, students: int) -> list[str]:
    """``students`` x every assignment in nbgrader's layout; returns each submission's kind, in grading order."""
    kinds = []
    ids = sorted(ASSIGNMENTS)
    notebooks = {a: sample_notebooks(a) for a in ids}
    for number in range(students * len(ids)):
        student, assignment_id = number // len(ids), ids[number % len(ids)]
        kind = MIX[number % BLOCK]
        path = folder / "submitted" / f"s{student:04d}" / assignment_id / f"{assignment_id}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(submission(kind, student, notebooks[assignment_id]))
        kinds.append(kind)
    return kinds


def grade(
    folder: Path, workers: int, timeout: float, total: int
) -> tuple[dict[str, float], list[tuple[int, int, int]]]:
    """Run the grader; returns when each result file appeared (seconds from the start) and
    (results so far, VmRSS kB, VmHWM kB) samples of the grader's memory."""
    results = folder / "graded" / "results"
    log = open(folder / "grade.log", "w")
    started = time.monotonic()
    grader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            str(folder / "submitted"),
            "--out",
            str(folder / "graded"),
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--course",
            str(ROOT),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    appeared, memory = {}, []

    def look() -> int:
        now = time.monotonic() - started
        for name in os.listdir(results) if results.exists() else []:
            appeared.setdefault(name, now)
        return len(appeared)

    while grader.poll() is None:
        done = look()
        status = _status(grader.pid)
        if status:
            memory.append((done, status["VmRSS"], status["VmHWM"]))
        time.sleep(0.2)
    log.close()
    done = look()
    if grader.returncode != 0 or done != total:
        sys.exit(f"the grader exited with {grader.returncode} after {done}/{total} results; see {folder / 'grade.log'}")
    return appeared, memory


def _status(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM") if key in fields}


def leftovers() -> set[str]:
    """What graded notebooks, or the grader, could leave on this machine: processes of the sandbox's
    uids, of this checkout's zygote or of the litter notebook; scratch folders, and files of those
    uids or named like the litter notebook's, in /tmp and /dev/shm."""
    found = set()
    for task in Path("/proc").glob("[0-9]*/task/[0-9]*"):
        try:
            uid = int((task / "status").read_text().split("\nUid:")[1].split()[0])
            command = (task.parent.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, IndexError):
            continue  # ended while we looked
        zygote = sys.executable in command and "autograder.worker" in command
        if uid >= isolation.FIRST_UID or zygote or LITTER_NAME in command:
            found.add(f"process {task.parent.parent.name} (uid {uid}): {command[:60]}")
    for folder in ("/tmp", "/dev/shm"):
        for entry in os.scandir(folder):
            try:
                uid = entry.stat(follow_symlinks=False).st_uid
            except OSError:
                continue
            if uid >= isolation.FIRST_UID or entry.name.startswith((LITTER_NAME, "attention-kit-scratch-")):
                found.add(f"{folder}/{entry.name}")
    return found


def report(
    kinds: list[str], appeared: dict[str, float], memory: list[tuple[int, int, int]], folder: Path, before: set[str]
) -> bool:
    """The first 40 are the first block in grading order, timed until each of them is graded: counting the first 40
    results instead would leave out the block's loop (stopped after half the timeout) whenever the other worker
    grades 40 notebooks meanwhile, and make the start look faster than the run."""
    n = len(appeared)
    in_order = [appeared[name] for name in sorted(appeared)]  # s0000__01..., in grading order
    start = min(in_order)
    first = (max(in_order[:BLOCK]) - start) / BLOCK
    whole = (max(in_order) - start) / n
    peak = max(hwm for _, _, hwm in memory) / 1024
    print(f"\n{n} submissions graded in {max(in_order):.1f} s (first result after {start:.1f} s: start-up)")
    print(f"seconds per submission: first {BLOCK} {first:.3f}, whole run {whole:.3f} (ratio {whole / first:.2f})")
    print(
        f"grader's memory: peak {peak:.0f} MB (VmHWM); resident "
        + ", ".join(f"{rss / 1024:.0f} MB after {done}" for done, rss, _ in _milestones(memory, n))
    )
    full = _full_marks(folder, kinds)
    print(f"reference solutions with full marks: {full[0]}/{full[1]}")
    left = sorted(leftovers() - before)
    print(
        f"left behind (processes, threads, scratch folders, /tmp and /dev/shm entries): {len(left)}"
        + "".join(f"\n  {item}" for item in left[:10])
    )
    met = {
        "whole run within 1.2x of the first 40": whole <= 1.2 * first,
        "peak memory under 1 GB": peak < 1024,
        "nothing left behind": not left,
        "references all full marks": full[0] == full[1],
    }
    for target, ok in met.items():
        print(f"{'met ' if ok else 'MISSED'}  {target}")
    return all(met.values())


def _milestones(memory: list[tuple[int, int, int]], total: int) -> list[tuple[int, int, int]]:
    """The memory samples nearest to 40, a quarter, half and all of the results."""
    marks = sorted({BLOCK, total // 4, total // 2, total})
    return [min(memory, key=lambda sample: abs(sample[0] - mark)) for mark in marks]


def _full_marks(folder: Path, kinds: list[str]) -> tuple[int, int]:
    results = sorted((folder / "graded" / "results").glob("*.json"))  # s0000__01..., in grading order
    references = [
        json.loads(path.read_text()) for path, kind in zip(results, kinds, strict=True) if kind == "reference"
    ]
    return sum(r["score"] == r["max_score"] > 0 for r in references), len(references)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per notebook (a loop costs half)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attention-kit-soak-") as tmp:
        before = leftovers()
        kinds = make_course(Path(tmp), args.students)
        print(
            f"{len(kinds)} submissions ({args.students} students x {len(ASSIGNMENTS)} assignments); per block of "
            f"{BLOCK}: " + ", ".join(f"{MIX.count(k)} {k}" for k in dict.fromkeys(sorted(MIX)))
        )
        print(f"$ attention-kit grade submitted/ --workers {args.workers} --timeout {args.timeout:g}", flush=True)
        appeared, memory = grade(Path(tmp), args.workers, args.timeout, len(kinds))
        return 0 if report(kinds, appeared, memory, Path(tmp), before) else 1


if __name__ == "__main__":
    sys.exit(main())
