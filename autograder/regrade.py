"""``attention-kit regrade-changes ASSIGNMENT``: after a check was fixed, nbgrader regrades exactly the
submissions graded with other checks, and the kit says what moved.

``nbgrader autograde`` regrades a submission only when its timestamp changed, or every one with ``--force``: it
never notices a fixed check. Under the course's config the kit keeps, for each notebook nbgrader autograded, its
result and the fingerprint of the checks it was graded with (``attention-kit/results/``, see
``nbgrader_reading.keep_result``). This finds the results older than today's checks, runs nbgrader's autograde
with ``--force`` on exactly those students, and writes ``attention-kit/changes.csv`` (the earlier results are
kept in ``attention-kit/history/``), as ``attention-kit grade`` does for its own runs.
"""

from __future__ import annotations

from pathlib import Path

from . import ledger, nbgrader_app
from .course import RECORDS


def stale(root: Path, assignment_id: str) -> list[str]:
    """The students whose autograded ``assignment_id`` was graded with checks other than today's."""
    today = ledger.fingerprint(assignment_id)
    return sorted(
        result["student"]
        for _, result in ledger.load(root / RECORDS).values()
        if result["assignment"] == assignment_id and result["graded_with"].get("checks") != today
    )


def regrade_changes(root: Path, assignment_id: str) -> tuple[list[str], list[dict]]:
    """Regrade the stale submissions with nbgrader (no other student is touched); returns who was regraded and the
    rows of changes.csv."""
    students = stale(root, assignment_id)
    if students:
        recorded = {
            result["student"]
            for _, result in ledger.load(root / RECORDS).values()
            if result["assignment"] == assignment_id
        }
        folder = root / "submitted"  # nbgrader's default; a course that moved it has its students in the records
        handed_in = {p.name for p in folder.iterdir() if (p / assignment_id).is_dir()} if folder.is_dir() else set()
        others = sorted((recorded | handed_in) - set(students))
        nbgrader_app.run(
            [
                "autograde",
                assignment_id,
                "--force",
                *([f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []),
            ],
            root,
        )
    out = root / RECORDS
    rows = ledger.changes(out, [result for _, result in ledger.load(out).values()])
    ledger.write_changes(out, rows)
    return students, rows
