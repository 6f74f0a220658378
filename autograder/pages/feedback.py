"""A submission's feedback page (``feedback/<student>__<assignment>.html``): a page a student can read on its own."""

from __future__ import annotations

import re

from ..checker.formats import MARK
from ..pipeline import Submission
from . import render

#: how a diagnosis reads in a check's message (``mistakes.advice``): the mistake's id, explanation and fix
DIAGNOSIS = re.compile(r"^Likely mistake \(([\w.-]+)\): (.*)\n\s+Fix: (.*)$", re.MULTILINE)


def feedback_page(sub: Submission) -> str:
    """Score, each check, each explanation, each diagnosis set apart in a box (``feedback.html.j2``)."""
    checks = [
        {
            "status": r.status,
            "grade_id": r.grade_id,
            "todo": r.todo,
            "score": r.score,
            "points": r.points,
            "mark": MARK[r.status],
            "message": message_parts(r.message),
        }
        for r in sub.results
    ]
    return render(
        "feedback.html.j2",
        student=sub.student_id,
        title=sub.assignment.title if sub.assignment else "Notebook",
        problem=sub.problem,
        score=sub.score,
        max_score=sub.max_score,
        checks=checks,
        notes=sub.notes,
    )


def message_parts(message: str) -> list[dict]:
    """A check's message as the notebook shows it, cut into text (``{"text"}``) and the diagnoses in it
    (``{"mistake", "explanation", "fix"}``), in order; blank text between them is left out."""
    parts, start = [], 0
    for found in DIAGNOSIS.finditer(message):
        parts.append({"text": message[start : found.start()].strip("\n")})
        parts.append({"mistake": found[1], "explanation": found[2], "fix": found[3]})
        start = found.end()
    parts.append({"text": message[start:].strip("\n")})
    return [part for part in parts if part.get("text", True)]
