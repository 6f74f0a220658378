"""Each assignment's sample class in a real nbgrader course, graded once per session by every door that grades a
class: ``nbgrader autograde`` (the course's config), ``attention-kit grade`` and ``attention-kit check --json``
on the very same files. tests/test_nbgrader_e2e.py compares the doors; tests/test_diagnosis.py reads the mistakes
they name. Both mark their tests with the assignment's xdist group, so one worker grades each class once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder import course, nbgrader_app
from autograder.assignments import ASSIGNMENTS

from . import samples
from .conftest import ROOT, run_kit
from .samples import broken_metadata

BROKEN_ON = min(ASSIGNMENTS)  # the assignment whose class also holds the notebooks with broken metadata


@dataclass
class KitCheck:
    returncode: int
    reports: dict[str, dict]  # student -> what ``check --json`` reported on their notebook


@dataclass
class Autograded:
    course: Path
    assignment_id: str
    class_: dict[str, samples.Sample | broken_metadata.Broken]
    scores: dict[str, dict[str, float]]  # student -> grade id -> points nbgrader gave
    log: str  # what nbgrader autograde printed
    _kit: dict = field(default_factory=dict, repr=False)  # the kit's gradings of the class, made on first use

    def submitted(self, student: str) -> Path:
        return self.course / "submitted" / student / self.assignment_id / f"{self.assignment_id}.ipynb"

    def autograded(self, student: str) -> nbformat.NotebookNode:
        return course.read(self.course / "autograded" / student / self.assignment_id / f"{self.assignment_id}.ipynb")

    def kit_graded(self) -> Path:
        """``attention-kit grade`` of the submitted class (nbgrader's layout): its output folder."""
        if "grade" not in self._kit:
            out = self.course.parent / "kit-graded"
            result = run_kit("grade", self.course / "submitted", "--out", out, "--course", ROOT, timeout=900)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            self._kit["grade"] = out
        return self._kit["grade"]

    def kit_result(self, student: str) -> dict:
        return json.loads((self.kit_graded() / "results" / f"{student}__{self.assignment_id}.json").read_text())

    def kit_checked(self) -> KitCheck:
        """``attention-kit check --json`` of every submitted notebook, in one command."""
        if "check" not in self._kit:
            students = sorted(self.class_)
            result = run_kit("check", "--json", *(self.submitted(s) for s in students), timeout=900)
            self._kit["check"] = KitCheck(
                result.returncode, dict(zip(students, json.loads(result.stdout), strict=True))
            )
        return self._kit["check"]


def course_of(assignment_id: str, courses: dict, tmp_path_factory) -> Autograded:
    """The assignment's autograded course, from the session's ``courses`` (made on first use)."""
    if assignment_id not in courses:
        courses[assignment_id] = autograde(assignment_id, tmp_path_factory)
    return courses[assignment_id]


def autograde(assignment_id: str, tmp_path_factory) -> Autograded:
    course_dir = nbgrader_app.new_course(ROOT, tmp_path_factory.mktemp(assignment_id) / "course")
    nbgrader_app.run(["generate_assignment", assignment_id, "--force"], course_dir)
    class_ = {s.name: s for s in samples.sample_class(ROOT, assignment_id) + samples.cheats(ROOT, assignment_id)}
    for sample in class_.values():
        path = course_dir / "submitted" / sample.name / assignment_id / f"{assignment_id}.ipynb"
        samples.write(sample.notebook, path, sample.files)
    if assignment_id == BROKEN_ON:
        broken = {b.name: b for b in broken_metadata.broken_class(ROOT, assignment_id)}
        for name, notebook in broken.items():
            notebook.write(course_dir / "submitted" / name / assignment_id / f"{assignment_id}.ipynb")
        class_.update(broken)
    graded = nbgrader_app.run(["autograde", assignment_id, "--create"], course_dir)  # raises unless exit code 0
    scores = {}
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        for student in class_:
            notebook = gradebook.find_submission_notebook(assignment_id, assignment_id, student)
            scores[student] = {grade.name: grade.score for grade in notebook.grades}
    return Autograded(course_dir, assignment_id, class_, scores, graded.stdout + graded.stderr)
