"""One student's hand-in as a platform passes it over: a folder of uploaded files, for one assignment.

Gradescope puts the upload in ``/autograder/submission/``, PrairieLearn in
``/grade/student/``. Here the notebook is found in that folder, graded by the kit's
pipeline (given cells restored, hidden checks included, the notebook run in the
sandbox), and anything that stops grading becomes a reason and a thing to do, never
an exception: no notebook, several, another assignment's, a file that is not one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from .. import formats
from ..assignments import ASSIGNMENTS, COURSE
from ..framework import ungradable
from ..pipeline import Contract, Submission, run, secrets
from ..sandbox import Limits, Sandbox
from .withhold import withhold

CLUTTER = (".ipynb_checkpoints", "__MACOSX")  # what editors and zip tools add to an upload


@dataclass
class Handin:
    """A graded hand-in, with what the student is told about it as a whole."""

    sub: Submission
    advice: str = ""  # what to do when it could not be graded
    notes: list[str] = field(default_factory=list)  # files left out, cells that failed, ...

    @property
    def summary(self) -> str:
        if not self.sub.gradable:
            return f"Your submission could not be graded: {self.sub.problem}.\nWhat to do: {self.advice}"
        return f"{self.sub.path.name}: {self.sub.score:g}/{self.sub.max_score:g} points."


@dataclass(frozen=True)
class Pick:
    notebook: Path | None
    problem: str = ""
    advice: str = ""
    note: str = ""


def pick_notebook(folder: Path, assignment_id: str) -> Pick:
    """The one notebook to grade; with several, the one named after the assignment."""
    expected = f"{assignment_id}.ipynb"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not _clutter(p, folder)) if folder.is_dir() else []
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    if len(notebooks) == 1:
        return Pick(notebooks[0])
    if not notebooks:
        found = (
            f"no Jupyter notebook (.ipynb) was handed in, only {_names(files, folder)}"
            if files
            else "nothing was handed in"
        )
        return Pick(None, found, upload(assignment_id))
    named = [p for p in notebooks if p.name == expected]
    if len(named) == 1:
        others = _names([p for p in notebooks if p != named[0]], folder)
        return Pick(named[0], note=f"Graded {_names(named, folder)}; also handed in and not graded: {others}.")
    return Pick(
        None,
        f"{len(notebooks)} notebooks were handed in ({_names(notebooks, folder)}) and the grader "
        f"cannot tell which one to grade",
        f"hand in only your {expected}.",
    )


def upload(assignment_id: str) -> str:
    return f"upload your {assignment_id}.ipynb, the notebook of this assignment filled in and saved in Jupyter."


def _clutter(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    return any(part in CLUTTER for part in parts) or path.name.startswith("._")


def _names(paths: list[Path], folder: Path) -> str:
    return ", ".join(str(p.relative_to(folder)) for p in paths)


def grade_folder(
    folder: Path, assignment_id: str, *, course_dir: Path, limits: Limits, hide: Sequence[Path] = ()
) -> Handin:
    """Grade what was handed in; the sandbox starts only when there is a notebook to run."""
    pick = pick_notebook(folder, assignment_id)
    if pick.notebook is None:
        assignment = ASSIGNMENTS[assignment_id]
        sub = Submission(folder, "student", assignment=assignment, problem=pick.problem)
        sub.results = [ungradable(check, pick.problem) for check in assignment.checks]
        return Handin(sub, pick.advice)
    contract = Contract(limits, root=course_dir, assignment=assignment_id, required=True, hide=tuple(hide))
    sub = run(Submission(pick.notebook, "student"), contract.reading())
    _name_another_assignment(sub, assignment_id)
    if sub.gradable:
        with Sandbox() as sandbox:
            sub = run(sub, contract.grading(sandbox))
    notes = [pick.note] if pick.note else []
    notes += [note for note in sub.notes if not _about_isolation(sub, note)]
    return Handin(sub, upload(assignment_id), notes)


def _name_another_assignment(sub: Submission, assignment_id: str) -> None:
    """A notebook of another of the course's assignments, which this bundle does not hold (it holds its own
    assignment only): named as such, rather than as no assignment of the kit."""
    declared = sub.notebook.metadata.get("attention_kit", {}).get("assignment") if sub.notebook is not None else None
    if sub.problem and declared in COURSE and declared not in ASSIGNMENTS:
        sub.problem = f"this notebook is assignment {declared}, and this autograder grades {assignment_id}"
        sub.results = [ungradable(check, sub.problem) for check in ASSIGNMENTS[assignment_id].checks]


def _about_isolation(sub: Submission, note: str) -> bool:
    """What the container let the sandbox apply is the instructor's business (see grade_job)."""
    return note.startswith("Sandbox: ")


def always_write(path: Path, grade: Callable[[], dict], failed: dict, secrets: AbstractSet[str] = frozenset()) -> int:
    """Write ``grade()``'s results, or ``failed`` if grading raised (the traceback goes to the log, which the
    platform shows the instructor); atomically, so a grader stopped mid-write leaves no half file. No string
    holding one of ``secrets`` (lines of the checks and references) is written whole (:mod:`.withhold`)."""
    results = failed
    try:
        results = withhold(grade(), secrets)
    except Exception:
        traceback.print_exc(file=sys.stdout)
    finally:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(results, indent=2))
        os.replace(partial, path)
    return 0


def arguments(argv: list[str] | None, description: str) -> argparse.Namespace:
    """What the bundle's script passes: the assignment it was exported for and the time per notebook."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--assignment", required=True, choices=sorted(ASSIGNMENTS))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for the notebook")
    return parser.parse_args(argv)


def grade_job(root: Path, upload: Path, course: Path, args: argparse.Namespace) -> Handin:
    """Grade one platform job: the folder ``upload`` under ``root``, given cells restored from the notebook
    in ``course``, with all of ``root`` hidden from the notebook. The instructor's log goes to stdout."""
    handin = grade_folder(
        root / upload,
        args.assignment,
        course_dir=root / course,
        limits=Limits.for_notebook(args.timeout),
        hide=secrets(root / course, [root]),
    )
    print(formats.table(handin.sub))
    if handin.sub.execution:
        print(f"\nSandbox: {handin.sub.execution.isolation}")
    return handin
