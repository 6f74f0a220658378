"""Every door's words for the same results: each a small function of :class:`CheckResult` (or of a graded
:class:`~autograder.pipeline.Submission`, a list of them and its notes).

- the terminal table (the student's ``python attention_check.py``, ``attention-kit check``, a platform's log):
  :func:`table`, worded by the student's checker (:mod:`autograder.checker.formats`);
- the kit's result record (``results/<student>__<id>.json``, ``check --json``): :func:`record`, read back by the
  class report, the ledger and grades.csv (:func:`csv_row`);
- Gradescope's ``results.json`` tests: :func:`gradescope_test`; PrairieLearn's: :func:`prairielearn_test`;
- nbgrader's graded notebook, a test cell's output: :func:`nbgrader_cell_output`, the words of a check cell
  (:func:`autograder.checker.formats.cell_verdict`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import nbformat

from .checker import formats as student_side
from .checker.results import PASSED, CheckResult
from .mistakes import BY_ID

if TYPE_CHECKING:
    from .pipeline import Submission

MARK = student_side.MARK


def table(sub: Submission) -> str:
    """The student's view, as their own ``python attention_check.py`` prints it: one line per check, then what
    failed and why."""
    if not sub.gradable:
        return f"{sub.path.name}: cannot be checked: {sub.problem}"
    assert sub.assignment is not None  # gradable: identified
    return student_side.table(sub.path.name, sub.assignment.id, sub.results, sub.notes)


def record(sub: Submission) -> dict:
    """The kit's result record: ``{"score", "max_score", "tests": [...]}`` (:func:`record_test`) plus who, what,
    any notes and the grading time."""
    return {
        "score": sub.score,
        "max_score": sub.max_score,
        "student": sub.student_id,
        "assignment": sub.assignment.id if sub.assignment else None,
        "gradable": sub.gradable,
        "output": sub.problem or "\n".join(sub.notes),
        "tests": [record_test(r) for r in sub.results],
        "notes": list(sub.notes),
        "execution_time": round(sub.seconds, 3),  # Gradescope's key, in seconds
    }


def record_test(result: CheckResult) -> dict:
    """A check in the kit's record: Gradescope's entry, named by its grade id alone (what the class report, the
    ledger and grades.csv key on) and with the kit's third status, ``not_run`` (a hidden check outside grading)."""
    return {**gradescope_test(result), "name": result.grade_id, "status": result.status}


def gradescope_test(result: CheckResult) -> dict:
    """One entry of Gradescope's ``tests``: ``"<TO-DO> [<grade id>]"``, passed or failed, shown to the student
    at once (a public check) or once grades are published (a hidden one)."""
    return {
        "name": f"{result.todo} [{result.grade_id}]",
        "score": result.score,
        "max_score": result.points,
        "status": "passed" if result.status == PASSED else "failed",
        "output": result.message,
        "tags": list(result.tags),
        "visibility": "after_published" if result.hidden else "visible",
        **({"extra_data": {"answer": result.answer}} if result.answer else {}),  # the similarity report's evidence
    }


def prairielearn_test(result: CheckResult) -> dict:
    """One entry of PrairieLearn's ``tests``. PrairieLearn shows it at once, and allows further attempts, so a
    hidden check says only whether it passed and which mistake it names, never the numbers it expected."""
    passed = result.status == PASSED
    if result.hidden:
        mistakes = [BY_ID[tag].title if tag in BY_ID else tag for tag in result.tags]
        message = ("Passed on fresh inputs." if passed else "Failed on fresh inputs.") + "".join(
            f" Likely mistake: {m}." for m in mistakes
        )
        description, output = "Hidden check: your code on fresh inputs.", ""
    else:
        first, _, rest = result.message.partition("\n")
        message, output = first, result.message if rest else ""  # output: the full explanation, when there is more
        description = "Public check: the values the notebook prints."
    return {
        "name": f"{result.todo} [{result.grade_id}]",
        "description": description,
        "points": result.score,
        "max_points": result.points,
        "message": message,
        "output": output,
    }


#: grades.csv's columns for the late rule (``autograder/lateness.py``): score is raw_score less late_penalty
LATE_FIELDS = ["raw_score", "late_penalty", "lateness"]


def csv_row(graded: dict, check_ids: list[str]) -> dict:
    """A grades.csv row from a submission's :func:`record`: who, what, the score, any problem, the late penalty
    (if any), each check's points."""
    by_id = {test["name"]: test["score"] for test in graded["tests"]}
    row = {
        "student": graded["student"],
        "assignment": graded["assignment"] or "",
        "score": graded["score"],
        "max_score": graded["max_score"],
        "problem": "" if graded["gradable"] else graded["output"],
        "raw_score": graded.get("raw_score", graded["score"]),
        "late_penalty": graded.get("late_penalty", 0.0),
        "lateness": (graded.get("lateness") or {}).get("why", ""),
    }
    row.update({grade_id: by_id.get(grade_id, 0.0) for grade_id in check_ids})
    return row


def nbgrader_cell_output(result: CheckResult) -> nbformat.NotebookNode:
    """The output a test cell of the graded notebook shows: what it would show had it run the check itself (a
    passed check prints its line; a failed one raises, and nbgrader gives a cell that raised no points)."""
    text = student_side.cell_verdict(result)
    if result.status == PASSED:
        return nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": text + "\n"})
    return nbformat.from_dict(
        {"output_type": "error", "ename": "CheckFailedInNotebook", "evalue": text, "traceback": text.splitlines()}
    )
