"""nbgrader's vocabulary: which cells are checks, which run before checking, how a report names a cell."""

from __future__ import annotations

from collections.abc import Iterable


def nbgrader_meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_test_cell(cell: dict) -> bool:
    """A check cell: graded and not a solution (nbgrader's definition), or any cell that runs a check."""
    if cell.get("cell_type") != "code":
        return False
    meta = nbgrader_meta(cell)
    if meta.get("grade") and not meta.get("solution"):
        return True
    return "attention_check import" in source_of(cell) or "autograder.notebook" in source_of(cell)


#: grade id of the given cell that writes this file and its data beside a notebook opened without them
CHECKER_FILES_CELL = "checker-files"


def runs_before_checking(cell: dict) -> bool:
    """A code cell a checker runs to get the notebook's functions: every one but the check cells, and the
    cell that writes the checker's files (a checker already has them; run elsewhere it would write them there)."""
    return (
        cell.get("cell_type") == "code"
        and not is_test_cell(cell)
        and nbgrader_meta(cell).get("grade_id") != CHECKER_FILES_CELL
    )


def cell_label(cells: list, index: int) -> str:
    """How a report names a cell: its number and whose it is."""
    if not 0 <= index < len(cells):
        return f"cell {index + 1}"
    meta = nbgrader_meta(cells[index])
    kind = "your answer" if meta.get("solution") else "a given cell" if meta else "a cell you added"
    return f"cell {index + 1} ({kind})"


def notes_on_cells(problems: Iterable[tuple[int, str, str]], cells: list) -> list[str]:
    """Notes on cells that raised while the notebook ran: ``(index, error kind, message)`` each.

    A TO-DO not written yet is left to the checks to explain, and so are the given cells that
    fail only because they need it (a NameError after it), counted in one note."""
    problems = list(problems)
    unfinished = any(kind == "NotImplementedError" for _, kind, _ in problems)
    notes, knock_on = [], 0
    for index, kind, message in problems:
        if kind == "NotImplementedError":
            continue
        if unfinished and kind == "NameError":
            knock_on += 1
            continue
        notes.append(f"{cell_label(cells, index)}: {kind}" + (f": {message}" if message else ""))
    if knock_on:
        counted = "1 given cell" if knock_on == 1 else f"{knock_on} given cells"
        notes.append(
            f"{counted} could not run because a TO-DO above {'it' if knock_on == 1 else 'them'} is not written yet."
        )
    return notes
