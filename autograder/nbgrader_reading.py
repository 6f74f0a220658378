"""How ``nbgrader autograde`` reads a course's submissions under the course config, and what the kit keeps.

nbgrader stops the whole class on one notebook whose metadata a student broke, and cannot read a file nbformat
needs repaired: :class:`RepairingExporter` reads each submission with the kit's reading step instead. An
instructor's error (an assignment missing from the gradebook) stops the run at once, before any student.
:func:`keep_result` keeps the kit's result of each graded notebook with what it was graded with, for
``attention-kit regrade-changes`` (``autograder/regrade.py``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters.base import NbGraderException

from . import formats, ledger, nbgrader_late, pipeline
from .assignments import ASSIGNMENTS
from .course import RECORDS
from .sandbox import Limits

#: the kit's records of what nbgrader autograde graded, in the course folder (``attention-kit regrade-changes``)


def submitted(exporter, graded: dict) -> Path:
    """The file the student handed in, where nbgrader's course directory says it is."""
    coursedir = getattr(getattr(exporter, "parent", None), "coursedir", None)
    folder = (
        coursedir.format_path(coursedir.submitted_directory, graded["student"], graded["assignment"])
        if coursedir is not None
        else Path.cwd() / "submitted" / graded["student"] / graded["assignment"]
    )
    return Path(folder) / f"{graded['notebook']}.ipynb"


def keep_result(sub: pipeline.Submission, submitted: Path) -> None:
    """The kit's result for this notebook in ``attention-kit/results/``, with the file and the checks it was
    graded with, so that a check fixed later regrades exactly the notebooks it concerns and says what moved."""
    out = Path.cwd() / RECORDS
    stem = ledger.result_stem(sub.student_id, sub.assignment.id if sub.assignment else None)
    earlier = ledger.read(out / "results" / f"{stem}.json")
    ledger.write_result(
        out, stem, formats.record(sub), submitted, (out / "results" / f"{stem}.json", earlier) if earlier else None
    )


class RepairingExporter(NotebookExporter):
    """How ``nbgrader autograde`` reads a submitted notebook: with the kit's reading step, before any of nbgrader's
    steps sees it.

    nbgrader stops the whole class on one notebook whose metadata a student broke (an old or missing schema
    version, which its DeduplicateIds also leaves behind on a copied cell) and cannot read a file nbformat needs
    repaired. Here each submission is read and repaired as every door of the kit reads it (:mod:`repair`), each
    repair logged under the student's name; a file that cannot be read at all is handed on as a notebook that
    says why, and :class:`GradeInSandbox` scores it 0 with that reason. The student's file is never written.
    Only the sanitising pass reads students' files; autograde's second pass reads nbgrader's own copy."""

    unreadable: dict[tuple[str, str], str] = {}  # (student, assignment) -> why its file cannot be graded
    repairs: dict[tuple[str, str], list[str]] = {}  # (student, assignment) -> what its reading repaired

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        _require_assignments_in_gradebook(self.parent)
        if getattr(self.parent, "coursedir", None) is not None:  # course.toml's due dates, before any student
            nbgrader_late.sync_due_dates(self.parent)

    def from_file(self, file_stream, resources: dict | None = None, **kw) -> tuple[nbformat.NotebookNode, dict]:
        graded = (resources or {}).get("nbgrader", {})
        if (
            os.environ.get("NBGRADER_EXECUTION") == "autograde"
            or "assignment" not in graded
            or graded["assignment"] not in ASSIGNMENTS
        ):  # a plain nbgrader assignment: nbgrader reads it
            return super().from_file(file_stream, resources, **kw)
        student, assignment = graded["student"], graded["assignment"]
        contract = pipeline.Contract(Limits(), root=Path.cwd(), assignment=assignment, required=True)
        sub = pipeline.run(pipeline.Submission(Path(file_stream.name), student), contract.reading())
        for note in sub.repairs:
            self.log.warning("Repaired %s's %s: %s", student, assignment, note)
        self.unreadable.pop((student, assignment), None)
        self.repairs[student, assignment] = sub.repairs
        if sub.problem is None:  # gradable
            return self.from_notebook_node(sub.notebook, resources, **kw)
        self.log.warning("%s's %s cannot be graded (it scores 0): %s", student, assignment, sub.problem)
        self.unreadable[student, assignment] = sub.problem
        stand_in = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell(f"The submitted notebook could not be graded: {sub.problem}.")]
        )
        return self.from_notebook_node(stand_in, resources, **kw)


def _require_assignments_in_gradebook(converter) -> None:
    """An instructor's error stops autograde at once, before any student is touched: an assignment missing from
    the gradebook (nbgrader would add each student, fail on each one and exit 1 only at the end)."""
    assignments = {assignment for _, assignment, _ in submissions(converter)}
    if not assignments:
        return
    course = converter.coursedir
    with Gradebook(course.db_url, course.course_id) as gradebook:
        missing = sorted(a for a in assignments if not _known(gradebook, a))
    if missing:
        message = (
            f"The gradebook ({course.db_url}) has no assignment {', '.join(missing)}: run `nbgrader "
            f"generate_assignment {missing[0]}` in this course folder first. No submission was graded."
        )
        converter.log.error(message)
        raise NbGraderException(message)


def _known(gradebook: Gradebook, assignment: str) -> bool:
    try:
        gradebook.find_assignment(assignment)
    except MissingEntry:
        return False
    return True


def submissions(converter) -> list[tuple[str, str, str]]:
    """(student, assignment, folder) in the order nbgrader's converter will process them (nbgrader 0.9's
    ``assignments`` and path formats); empty when the converter is not that."""
    try:
        course = converter.coursedir
        pattern = course.format_path(
            course.submitted_directory, "(?P<student_id>.*)", "(?P<assignment_id>.*)", escape=True
        )
        found = []
        for folder in sorted(converter.assignments):
            match = re.match(pattern, folder)
            if match is None:  # a folder outside nbgrader's layout: not that converter
                return []
            ids = match.groupdict()
            found.append((ids["student_id"], ids["assignment_id"], folder))
        return found
    except (AttributeError, TypeError, KeyError, re.error):
        return []
