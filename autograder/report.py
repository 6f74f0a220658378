"""What a person reads: a text table, a Gradescope-style JSON, a CSV row (the HTML pages: :mod:`autograder.pages`)."""
from __future__ import annotations

from . import attention_check
from .pipeline import Submission


def gradescope(sub: Submission) -> dict:
    """``{"score", "max_score", "tests": [...]}`` plus who, what, any notes and the grading time."""
    output = sub.problem or "\n".join(sub.notes)
    return {
        "score": sub.score,
        "max_score": sub.max_score,
        "student": sub.student,
        "assignment": sub.assignment.id if sub.assignment else None,
        "gradable": sub.gradable,
        "output": output,
        "tests": [r.as_test() for r in sub.results],
        "notes": list(sub.notes),
        "execution_time": round(sub.seconds, 3),  # Gradescope's key, in seconds
    }


def table(sub: Submission) -> str:
    """The student's view, as their own ``python attention_check.py`` prints it: one line per check, then what
    failed and why."""
    if not sub.gradable:
        return f"{sub.path.name}: cannot be checked: {sub.problem}"
    return attention_check.table(sub.path.name, sub.assignment.id, sub.results, sub.notes)


def csv_row(result: dict, check_ids: list[str]) -> dict:
    """A grades.csv row from a submission's :func:`gradescope` results."""
    by_id = {test["name"]: test["score"] for test in result["tests"]}
    row = {"student": result["student"], "assignment": result["assignment"] or "", "score": result["score"],
           "max_score": result["max_score"], "problem": "" if result["gradable"] else result["output"]}
    row.update({grade_id: by_id.get(grade_id, 0.0) for grade_id in check_ids})
    return row


def result_stem(student: str, assignment_id: str | None) -> str:
    """The file name (without suffix) of a submission's result record and feedback page."""
    return f"{student}__{assignment_id or 'ungradable'}"
