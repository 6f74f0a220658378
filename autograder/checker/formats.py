"""How a learner reads results: the terminal table, and a check cell's verdict line.

These are the student's side of :mod:`autograder.formats`, which words the same results for every other door.
"""

from __future__ import annotations

from collections.abc import Iterable

from .results import FAILED, NOT_RUN, PASSED, CheckResult

MARK = {PASSED: "PASS", FAILED: "FAIL", NOT_RUN: "not run"}


def table(name: str, assignment: str, results: list[CheckResult], notes: Iterable[str] = ()) -> str:
    """One line per check, then what failed and why, then notes on running the notebook."""
    notes = list(notes)
    score = sum(r.score for r in results)
    hidden_points = sum(r.points for r in results if r.status == NOT_RUN)
    run_points = sum(r.points for r in results) - hidden_points
    title = f"{name} ({assignment}): {score:g}/{run_points:g} points"
    if hidden_points:
        title += f" on the checks run here; {hidden_points:g} more points of hidden checks run when it is graded"
    width = max((len(r.todo) for r in results), default=5)
    lines = [title, "", f"{'TO-DO':<{width}}  points  result   message", "-" * (width + 40)]
    for r in results:
        first_line = r.message.splitlines()[0] if r.message else ""
        lines.append(f"{r.todo:<{width}}  {r.points:>6g}  {MARK[r.status]:<7}  {first_line}")
    failures = [r for r in results if r.status == FAILED and "\n" in r.message]
    if failures:
        lines += ["", "What went wrong:"]
        for r in failures:
            lines.append(f"- {r.grade_id}:")
            lines += ["    " + line if line else line for line in r.message.splitlines()]
    if notes:
        lines += ["", "Notes on running your notebook:"] + [f"- {note}" for note in notes]
    return "\n".join(lines)


def cell_verdict(result: CheckResult) -> str:
    """What a check cell shows: ``PASSED id (n points): message``, or ``FAILED id (n points)`` and why below."""
    points = f"{result.points:g} point{'s' if result.points != 1 else ''}"
    if result.status == PASSED:
        return f"PASSED {result.grade_id} ({points}): {result.message}"
    return f"FAILED {result.grade_id} ({points})\n{result.message}"
