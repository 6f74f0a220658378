"""The graded class as ``export-grades`` reads it: from ``attention-kit grade``'s results or nbgrader's gradebook.

Either source gives the same :class:`Grade` per student and assignment: the final score (late penalty taken),
the points possible and each check's points; nbgrader's gradebook also knows its students' names and emails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import ledger
from .assignments import ASSIGNMENTS


@dataclass(frozen=True)
class Grade:
    student: str
    assignment: str
    score: float  # final: the raw score less the late penalty
    max_score: float
    checks: dict[str, float] = field(default_factory=dict)  # grade id -> points


@dataclass(frozen=True)
class Person:
    """A student as the LMS knows them (a roster row, or nbgrader's gradebook)."""

    student: str  # the kit's id: the notebook's name, or nbgrader's student id
    first_name: str = ""
    last_name: str = ""
    name: str = ""  # as the LMS shows it, when the roster gives it
    email: str = ""
    username: str = ""
    id_number: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def from_results(out: Path) -> list[Grade]:
    """The results of ``attention-kit grade --out OUT`` (those matched to an assignment)."""
    grades = []
    for _, result in ledger.load(out).values():
        if result.get("assignment"):
            grades.append(
                Grade(
                    result["student"],
                    result["assignment"],
                    float(result["score"]),
                    float(result["max_score"]),
                    {t["name"]: float(t["score"]) for t in result["tests"]},
                )
            )
    return grades


def from_gradebook(course: Path) -> tuple[list[Grade], dict[str, Person]]:
    """nbgrader's ``gradebook.db`` in ``course``: every autograded submission (as nbgrader's export computes the
    score: raw less the late penalty, at least 0) and every student it knows."""
    from nbgrader.api import Gradebook  # the instructor's extra: only this source needs nbgrader

    grades, people = [], {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            people[student.id] = Person(
                student.id, student.first_name or "", student.last_name or "", email=student.email or ""
            )
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                checks = {
                    grade.name: float(grade.score) for notebook in submission.notebooks for grade in notebook.grades
                }
                score = max(0.0, submission.score - (submission.late_submission_penalty or 0.0))
                grades.append(Grade(submission.student.id, assignment.name, score, float(assignment.max_score), checks))
    return grades, people


def assignment_order(grades: list[Grade]) -> list[str]:
    """The graded assignments, in the kit's order (others after, by name)."""
    graded = {grade.assignment for grade in grades}
    return [a for a in ASSIGNMENTS if a in graded] + sorted(graded - set(ASSIGNMENTS))
