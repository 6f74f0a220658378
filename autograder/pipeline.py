"""Grading one notebook, one small step at a time (like nbgrader's preprocessors).

    LoadNotebook -> IdentifyAssignment -> RepairCells -> RestoreGivenCells -> Execute -> CollectResults -> Diagnose

Each step takes the :class:`Submission` and returns it; a step that finds the
notebook ungradable sets ``problem`` and the later steps pass it through, so bad
input becomes a graded result with a reason, never an exception in the batch.
Every door grades through one :class:`Contract`, setting only what differs.
"""

from __future__ import annotations

import json
import re
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import course, repair
from .assignments import ASSIGNMENTS
from .checker.cells import cell_label, notes_on_cells, runs_before_checking
from .checker.results import HIDDEN_NOT_RUN
from .framework import Assignment, CheckResult, not_run, run_check, ungradable
from .sandbox import Execution, ExecutionReport, Limits, RemoteStudent, Sandbox

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


@dataclass
class Submission:
    path: Path
    student_id: str  # who handed it in (in the checks, `student` is the probe handle that asks for numbers)
    notebook: nbformat.NotebookNode | None = None
    assignment: Assignment | None = None
    cells: list[tuple[int, str]] = field(default_factory=list)
    execution: ExecutionReport | None = None
    execution_handle: Execution | None = None
    results: list[CheckResult] = field(default_factory=list)
    problem: str | None = None
    repairs: list[str] = field(default_factory=list)  # what was wrong with its metadata, and put right
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0  # how long grading it took

    @property
    def gradable(self) -> bool:
        return self.problem is None

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return self.assignment.max_score if self.assignment else 0.0

    def cell_label(self, index: int) -> str:
        return cell_label(self.notebook.cells if self.notebook is not None else [], index)


class LoadNotebook:
    """Read the file as an nbformat 4 notebook, or say why it is not one."""

    def __call__(self, sub: Submission) -> Submission:
        if sub.notebook is not None or not sub.gradable:  # handed over read already (by nbgrader), or known unreadable
            return sub
        try:
            raw = sub.path.read_bytes()
        except OSError as exc:
            sub.problem = f"cannot read the file: {exc.strerror or exc}"
            return sub
        if not raw.strip():
            sub.problem = "the file is empty"
        elif len(raw) > MAX_NOTEBOOK_BYTES:
            sub.problem = f"the file is {len(raw) // 2**20} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB limit"
        else:
            sub.notebook, sub.problem, sub.repairs = _parse(raw)
        return sub


def _parse(raw: bytes) -> tuple[nbformat.NotebookNode | None, str | None, list[str]]:
    """The notebook, or why it is not one, and what had to be put back for nbformat to read it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text, so it is not a notebook", []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"the file is not valid JSON (line {exc.lineno}): not a notebook, or a damaged one", []
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, "the file is JSON but not a Jupyter notebook (it has no cells)", []
    mended = repair.readable(data)
    try:
        notebook = nbformat.reads(json.dumps(data) if mended else text, as_version=4)
    except Exception as exc:  # nbformat raises several types for unreadable versions
        return None, f"nbformat cannot read this notebook ({type(exc).__name__}: {str(exc)[:120]})", []
    if not isinstance(notebook.get("cells"), list):
        return None, "the notebook has no list of cells", []
    return notebook, None, mended


class IdentifyAssignment:
    """Which of the kit's assignments this is: metadata first, then grade ids.

    ``expected`` is the assignment the submission was handed in for (nbgrader's
    folder layout says it); an unreadable file then still scores 0 on each check."""

    def __init__(self, expected: str | None = None):
        self.expected = expected

    def __call__(self, sub: Submission) -> Submission:
        if sub.problem is not None:  # not gradable
            if self.expected in ASSIGNMENTS:
                sub.assignment = ASSIGNMENTS[self.expected]
                sub.results = [ungradable(c, sub.problem) for c in sub.assignment.checks]
            return sub
        assert sub.notebook is not None  # LoadNotebook read it: the submission is gradable
        found = assignment_of(sub.notebook)
        if found is None:
            sub.problem = "this is not an attention-kit assignment (no known assignment id or check in it)"
        else:
            sub.assignment = ASSIGNMENTS[found]
        return sub


CHECK_CALL = re.compile(r"""check\(\s*["']([\w.-]+)["']""")


def assignment_of(notebook: dict) -> str | None:
    """The kit's assignment a notebook (JSON read as a dict) declares in its metadata, else the one whose grade ids
    and check calls it holds most of; None when it holds none."""
    declared = (notebook.get("metadata") or {}).get("attention_kit", {}).get("assignment")
    if declared in ASSIGNMENTS:
        return declared
    ids = set()
    for cell in notebook.get("cells") or []:
        ids.add(course.nbgrader_meta(cell).get("grade_id"))
        ids.update(CHECK_CALL.findall("".join(cell.get("source", ""))))
    overlap = {a_id: len(ids & set(a.by_id)) for a_id, a in ASSIGNMENTS.items()}
    best = max(overlap, key=overlap.__getitem__)
    return best if overlap[best] else None


class RepairCells:
    """Broken nbgrader metadata (copied cells, flipped flags, changed types, unknown grade ids, old schema
    versions) is repaired from the course's source notebook, and each repair is named (:mod:`repair`)."""

    def __init__(self, root: Path | None = None):
        self.root = root

    def __call__(self, sub: Submission) -> Submission:
        if not sub.gradable:
            return sub
        assert sub.notebook is not None and sub.assignment is not None  # gradable: read and identified
        sub.repairs += repair.repair(sub.notebook, repair.Layout.of(self.root, sub.assignment))
        sub.notes += repair_notes(sub.repairs)
        return sub


def repair_notes(repairs: list[str]) -> list[str]:
    """How a repair reads among a submission's notes (in its result, feedback page and table)."""
    return [f"Repaired: {repair}." for repair in repairs]


class RestoreGivenCells:
    """With a course folder (instructor grading, or a checkout of the kit), the given read-only cells are restored
    from the source notebook, as nbgrader's OverwriteCells does, so that editing or deleting them changes nothing.
    Then the cells to run are chosen: not the test cells (checks come from the kit, never from the notebook).
    """

    def __init__(self, root: Path | None = None):
        self.root = root

    def __call__(self, sub: Submission) -> Submission:
        if not sub.gradable:
            return sub
        assert sub.notebook is not None and sub.assignment is not None  # gradable: read and identified
        source = course.notebook_path(self.root, "assignments", sub.assignment.id) if self.root else None
        if source is not None and source.exists():  # a course folder (a kit installed alone has none)
            sub.notebook.cells = self._restore_given(list(sub.notebook.cells), source)
        sub.cells = cells_to_run(sub.notebook)
        return sub

    def _restore_given(self, cells: list, path: Path) -> list:
        source = course.read(path)
        given = {
            course.nbgrader_meta(c).get("grade_id"): c
            for c in source.cells
            if course.nbgrader_meta(c).get("locked") and not course.nbgrader_meta(c).get("grade")
        }
        cells = [given.get(course.nbgrader_meta(c).get("grade_id"), c) for c in cells]
        return repair.restore_missing(
            cells, [(course.nbgrader_meta(c).get("grade_id"), c) for c in source.cells], set(given)
        )


def cells_to_run(notebook: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """(index, source) of the notebook's code cells but the test cells and the cell that writes the checker's
    files (:func:`runs_before_checking`): what runs in the sandbox."""
    return [(i, "".join(c.get("source", ""))) for i, c in enumerate(notebook.cells) if runs_before_checking(c)]


class Execute:
    """Run the notebook's cells in a sandboxed child of the warm zygote.

    ``hide`` lists files and folders the child must not read (when grading: the
    course's sources and solutions, the other submissions, the kit's expected values).
    """

    def __init__(self, sandbox: Sandbox, limits: Limits, hide: Sequence[Path] = (), capture: bool = False):
        self.sandbox, self.limits, self.hide, self.capture = sandbox, limits, [str(p) for p in hide], capture

    def __call__(self, sub: Submission) -> Submission:
        if sub.gradable:
            sub.execution_handle = self.sandbox.execute(sub.cells, self.limits, self.hide, self.capture)
            sub.execution = sub.execution_handle.report
        return sub


#: what the sandboxed child imports of the kit (already loaded in the warm zygote); the rest is hidden from it
CHILD_SIDE = {
    "__init__.py",
    "channel.py",
    "isolation.py",
    "leftovers.py",
    "syscall_filter.py",
    "worker.py",
    "checker/__init__.py",
    "checker/wire.py",
    "checker/probes.py",
    "checker/recording.py",
}


def secrets(root: Path, submissions: Sequence[Path] = ()) -> list[Path]:
    """What a submission's process must not read while it is graded: the course's sources, solutions, gradebook
    and the kit's results kept under nbgrader, the other submissions, and every part of the kit the child does
    not run (checks, references, expected values, and their compiled copies in __pycache__).

    A folder of submissions that other users share (world-writable, like /tmp), the root or the home folder is not
    hidden whole (without namespaces that would change its modes for everyone): its notebooks are."""
    import autograder

    kit = Path(autograder.__file__).resolve().parent
    course_files = [
        root / name
        for name in ("assignments", "solutions", "submitted", "autograded", "feedback", "gradebook.db", course.RECORDS)
    ]
    needed = (kit, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve())
    folders = {p.resolve() for p in submissions if p.is_dir()}
    folders = {f for f in folders if not any(f == n or f in n.parents for n in needed)}  # never the kit or Python
    shared = {f for f in folders if f in (Path("/"), Path.home().resolve()) or f.stat().st_mode & stat.S_IWOTH}
    notebooks = sorted(p for f in shared for p in f.glob("*.ipynb"))
    return [*course_files, *sorted(folders - shared), *notebooks, *_not_child_side(kit, kit)]


def _not_child_side(kit: Path, folder: Path) -> list[Path]:
    """The files and folders of ``folder`` that are not :data:`CHILD_SIDE`; a folder holding some of it is looked
    into (the checker's wire and probes run in the child, its comparisons and doors do not)."""
    found = []
    for path in sorted(folder.iterdir()):
        name = path.relative_to(kit).as_posix()
        if path.is_dir() and any(part.startswith(name + "/") for part in CHILD_SIDE):
            found += _not_child_side(kit, path)
        elif name not in CHILD_SIDE:
            found.append(path)
    return found


class CollectResults:
    """Run the assignment's checks against the child; hidden ones only when grading."""

    def __init__(self, hidden: bool):
        self.hidden = hidden

    def __call__(self, sub: Submission) -> Submission:
        if not sub.gradable:
            return sub
        # gradable: identified, and Execute started its process
        assert sub.assignment is not None and sub.execution_handle is not None
        student = RemoteStudent(sub.execution_handle)
        try:
            for check in sub.assignment.checks:
                if check.hidden and not self.hidden:
                    sub.results.append(not_run(check, HIDDEN_NOT_RUN))
                else:
                    sub.results.append(run_check(check, student))
        finally:
            sub.execution_handle.close()
        return sub


class Diagnose:
    """Notebook-level notes: protections the sandbox could not apply, cells left out, cells that raised (worded
    as a student's self-check words them), what the notebook left running."""

    def __call__(self, sub: Submission) -> Submission:
        if not sub.gradable or sub.execution is None:
            return sub
        if sub.execution.isolation:
            sub.notes.append(f"Sandbox: {sub.execution.isolation}.")
        for index in sub.execution.skipped:
            sub.notes.append(
                f"{sub.cell_label(index)} stopped the notebook's process, so the notebook was "
                "run again without it and graded on the rest."
            )
        problems = [(p.index, p.kind, p.message) for p in sub.execution.problems]
        assert sub.notebook is not None  # gradable: read
        sub.notes += notes_on_cells(problems, sub.notebook.cells)
        sub.notes += _leftover_notes(sub.execution.leftover)
        return sub


#: what a notebook may leave running after its last cell: one, several, what became of them
LEFTOVERS = {
    "processes": ("process", "processes", "stopped before the checks ran"),
    "threads": ("thread", "threads", "ended with the notebook's process when its grading finished"),
}


def _leftover_notes(leftover: dict) -> list[str]:
    notes = []
    for what, (one, several, fate) in LEFTOVERS.items():
        count = leftover.get(what, 0)
        if count:
            notes.append(
                f"The notebook left {count} {one if count == 1 else several} running after its last cell ({fate})."
            )
    return notes


class RequireAssignment:
    """Another assignment's notebook (or none of the kit's) scores 0 on this assignment's checks, with both
    names, instead of being graded on its own checks (a platform's autograder is for one assignment)."""

    def __init__(self, assignment_id: str):
        self.assignment = ASSIGNMENTS[assignment_id]

    def __call__(self, sub: Submission) -> Submission:
        if sub.assignment is self.assignment:
            return sub
        if sub.problem is None:  # gradable: a notebook of another assignment
            assert sub.assignment is not None  # gradable: identified
            sub.problem = (
                f"this notebook is assignment {sub.assignment.id}, and this autograder grades {self.assignment.id}"
            )
        sub.assignment = self.assignment
        sub.results = [ungradable(check, sub.problem) for check in self.assignment.checks]
        return sub


@dataclass(frozen=True)
class Contract:
    """How every door grades: the same reading, repair, limits, hidden paths and diagnosis. A door sets only what
    truly differs: whether hidden checks run, which course folder repairs and restores cells, the assignment
    the notebook was handed in for (``required``: only that one), what to hide and whether to keep outputs."""

    limits: Limits
    hidden: bool = True
    root: Path | None = None
    assignment: str | None = None
    required: bool = False
    hide: tuple[Path, ...] = ()
    capture: bool = False

    def __post_init__(self) -> None:
        if self.required and self.assignment is None:
            raise ValueError("a contract that requires an assignment names it")

    def reading(self) -> list:
        """From a file to the cells to run."""
        return [
            LoadNotebook(),
            IdentifyAssignment(self.assignment),
            *([RequireAssignment(self.assignment)] if self.required and self.assignment is not None else []),
            RepairCells(self.root),
            RestoreGivenCells(self.root),
        ]

    def grading(self, sandbox: Sandbox) -> list:
        """From the cells to the results: run them in the sandbox, run the checks, note what happened."""
        return [Execute(sandbox, self.limits, list(self.hide), self.capture), CollectResults(self.hidden), Diagnose()]

    def grade(
        self, path: Path, student_id: str, sandbox: Sandbox, notebook: nbformat.NotebookNode | None = None
    ) -> Submission:
        """The whole pipeline for one notebook (read from ``path``, or handed over as ``notebook``)."""
        return run(Submission(Path(path), student_id, notebook=notebook), self.reading() + self.grading(sandbox))


def run(submission: Submission, steps: list) -> Submission:
    """The steps in order; the time they took is added to the submission's grading time."""
    started = time.monotonic()
    for step in steps:
        submission = step(submission)
    submission.seconds += time.monotonic() - started
    return submission
