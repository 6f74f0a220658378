"""The last defence of promise 1 on the platforms: no line of the assignment's checks or references in what the
student is shown.

The notebook's process cannot read those files (docs/sealing.md), so this should never find anything. But what a
notebook prints cannot be filtered by content in general; this catches the one thing that must never pass: a
line (16 characters or more) of the exported assignment's checks or references, copied into a result. A string
of results.json that holds one is cut at the first such line and ends with :data:`WITHHELD`; the instructor's
log names what was withheld.
"""

from __future__ import annotations

import json
from collections.abc import Set as AbstractSet
from pathlib import Path

from .. import course
from ..kit_sources import secret_modules

WITHHELD = "this output was withheld"
MIN_LENGTH = 16


def secret_lines(assignment_id: str, course_dir: Path) -> set[str]:
    """Lines of the assignment's checks and references (and of the modules they share with other assignments), but
    imports and lines of the student's own notebook (``course_dir``'s, which the grader restores the given cells
    from)."""
    lines = {line.strip() for path in secret_modules(assignment_id) for line in path.read_text().splitlines()}
    given = course.notebook_path(course_dir, "assignments", assignment_id)
    notebook = json.loads(given.read_text()) if given.is_file() else {"cells": []}
    shown = {line.strip() for cell in notebook["cells"] for line in "".join(cell.get("source", "")).splitlines()}
    return {line for line in lines - shown if len(line) >= MIN_LENGTH and not line.startswith(("import ", "from "))}


def withhold(results: dict, secrets: AbstractSet[str]) -> dict:
    """``results`` with every string that holds a secret line cut at that line; what was cut is printed."""

    def clean(value, where: str):
        if isinstance(value, dict):
            return {key: clean(item, f"{where}.{key}") for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item, f"{where}[{index}]") for index, item in enumerate(value)]
        if not isinstance(value, str):
            return value
        lines = value.split("\n")
        hit = next((i for i, line in enumerate(lines) if any(secret in line for secret in secrets)), None)
        if hit is None:
            return value
        print(
            f"Withheld from the student: {where} held a line of the assignment's checks or references:\n"
            + "\n".join(lines[hit : hit + 5])
        )
        return "\n".join(lines[:hit] + [WITHHELD])

    return clean(results, "results")
