"""The parts of a notebook that are the student's own: its solution cells, normalised.

A solution cell is one nbgrader marks ``solution: true``. A notebook whose nbgrader metadata was lost keeps as
solution cells the code cells that differ from every cell of the released notebook (and says so). The given code
(the released notebook's solution cells) and the reference solution are read once per assignment: their k-grams
are removed from every student's fingerprints by :mod:`autograder.similarity.fingerprints`.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import course, pipeline
from .normalise import Token, tokens


@dataclass
class Region:
    """One solution cell of a student's notebook."""

    cell_id: str  # its nbgrader grade id (or its position when it has none)
    source: str
    tokens: tuple[Token, ...]


@dataclass
class Notebook:
    """One submission as the similarity report sees it."""

    student: str
    path: Path
    assignment: str | None
    regions: list[Region] = field(default_factory=list)
    problem: str | None = None  # why it could not be compared
    note: str | None = None  # how its solution cells were found, when not by their metadata


def read(path: Path, student: str, expected: str | None, root: Path) -> Notebook:
    """A submission's solution regions, or why it has none; never raises for a bad file. Read as JSON, without
    nbformat's validation (grading validates; here only the cells' text counts, and a class is read in seconds)."""
    found = Notebook(student, Path(path), expected)
    try:
        notebook = json.loads(Path(path).read_bytes().decode("utf-8"))
        cells = [c for c in notebook["cells"] if isinstance(c, dict)]
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
        found.problem = f"it cannot be read as a notebook ({type(exc).__name__}: {exc})"
        return found
    found.assignment = expected or pipeline.assignment_of({**notebook, "cells": cells})
    code = [(i, c) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    marked = [(i, c) for i, c in code if course.nbgrader_meta(c).get("solution")]
    if not marked and found.assignment:
        given = set(released(root, found.assignment).values())
        marked = [(i, c) for i, c in code if text_of(c).strip() not in given]
        found.note = (
            "its nbgrader metadata is lost: the code cells that differ from the released notebook were compared"
        )
    found.regions = [
        Region(course.nbgrader_meta(c).get("grade_id") or f"cell {i + 1}", text_of(c), tokens(text_of(c)))
        for i, c in marked
        if text_of(c).strip()
    ]
    if not found.regions:
        found.problem = "it has no solution cell with code in it"
    return found


def text_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def generated_cells(path: Path) -> list[dict]:
    """The cells of a notebook the kit generated (empty when it is not there)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return []


def solution_cells(path: Path) -> dict[str, str]:
    """grade id -> source of each solution cell of a generated notebook."""
    return {
        course.nbgrader_meta(c)["grade_id"]: text_of(c).strip()
        for c in generated_cells(path)
        if course.nbgrader_meta(c).get("solution") and course.nbgrader_meta(c).get("grade_id")
    }


@functools.cache
def released(root: Path, assignment: str) -> dict[str, str]:
    """The given code: the solution cells of ``release/<id>/<id>.ipynb``."""
    return solution_cells(root / "release" / assignment / f"{assignment}.ipynb")


@functools.cache
def reference(root: Path, assignment: str) -> dict[str, str]:
    """The reference solution: the solution cells of ``solutions/<id>/<id>.ipynb``."""
    return solution_cells(root / "solutions" / assignment / f"{assignment}.ipynb")


@functools.cache
def cell_of_check(root: Path, assignment: str) -> dict[str, str]:
    """check grade id -> grade id of the solution cell it checks (the nearest one above it)."""
    found: dict[str, str] = {}
    last = None
    for cell in generated_cells(root / "solutions" / assignment / f"{assignment}.ipynb"):
        meta = course.nbgrader_meta(cell)
        if meta.get("solution"):
            last = meta.get("grade_id")
        elif meta.get("grade") and last and meta.get("grade_id"):
            found[meta["grade_id"]] = last
    return found
