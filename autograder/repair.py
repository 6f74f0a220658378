"""A notebook whose nbgrader metadata a student broke is read as what its answers earn.

Students copy and paste cells, flip a cell's ``grade``/``solution``/``locked`` flag in the property
inspector, change a cell's type, open it in an editor that drops keys nbformat requires. Stock nbgrader
then stops the whole class ("old version of the nbgrader metadata format ... nbgrader update", a
duplicate grade id) or scores every check 0 (nbgrader #1699, #416, #1941). Every door of the kit reads
a notebook through :func:`readable` and :func:`repair` first, so such a notebook is graded on its
answers, and each repair is named (in the student's report, and in nbgrader's log under autograde).

The authority is the course's source notebook (:class:`Layout`): what each grade id is (test, answer,
given or text cell), its type and its nbgrader metadata. Nothing a student wrote is dropped but copies
of test and given cells, whose content the course restores anyway.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from . import course
from .framework import Assignment

SCHEMA_VERSION = 3  # nbgrader 0.9's metadata format
#: how a report names each key of a cell's nbgrader metadata
KEYS = {
    "grade": "grade flag",
    "solution": "solution flag",
    "locked": "locked flag",
    "task": "task flag",
    "points": "points",
    "schema_version": "metadata version",
    "grade_id": "grade id",
}
BOOKKEEPING = ("checksum", "cell_type")  # nbgrader's own keys, which it recomputes: kept as they are


def readable(data: dict) -> list[str]:
    """Put back in ``data`` (a notebook's JSON) the keys nbformat 4 needs, with the notes of what was missing."""
    notes = []
    if data.get("nbformat") in (None, "4", 4.0) and isinstance(data.get("cells"), list):
        if data.get("nbformat") != 4:
            notes.append("the notebook did not say its format version (nbformat 4): read as version 4")
        data["nbformat"] = 4
        data.setdefault("nbformat_minor", 4)
    if not isinstance(data.get("metadata"), dict):
        data["metadata"] = {}
        notes.append("the notebook had no metadata: an empty one was put in")
    mended = 0
    for cell in data.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        before = copy.deepcopy(cell)
        if cell.get("cell_type") not in ("code", "markdown", "raw"):
            cell["cell_type"] = "code" if "outputs" in cell else "markdown"
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
        if not isinstance(cell.get("source"), (str, list)):
            cell["source"] = ""
        if cell["cell_type"] == "code":
            if not isinstance(cell.get("outputs"), list):
                cell["outputs"] = []
            cell.setdefault("execution_count", None)
        mended += cell != before
    if mended:
        notes.append(
            f"{mended} cell{'s' if mended > 1 else ''} lacked keys a notebook cell needs (type, metadata, "
            "source or outputs): put back"
        )
    return notes


@dataclass(frozen=True)
class Layout:
    """What each grade id of an assignment is, from its source notebook (or, without one, from its checks)."""

    cells: dict  # grade id -> the source cell (type and nbgrader metadata are what count)
    complete: bool  # every graded, answer and given cell is known (else only the checks)

    @classmethod
    def of(cls, root: Path | None, assignment: Assignment) -> Layout:
        path = course.notebook_path(root, "assignments", assignment.id) if root is not None else None
        if path is not None and path.exists():
            source = course.read(path)
            return cls(
                {
                    course.nbgrader_meta(c)["grade_id"]: c
                    for c in source.cells
                    if course.nbgrader_meta(c).get("grade_id")
                },
                complete=True,
            )
        return cls({c.grade_id: new_test_cell(c.grade_id, c.points) for c in assignment.checks}, complete=False)


def new_test_cell(grade_id: str, points: float, source: str = "") -> nbformat.NotebookNode:
    """A test cell as nbgrader's metadata format describes one."""
    return nbformat.v4.new_code_cell(
        source,
        metadata={
            "nbgrader": {
                "grade": True,
                "grade_id": grade_id,
                "locked": True,
                "points": points,
                "schema_version": SCHEMA_VERSION,
                "solution": False,
                "task": False,
            }
        },
    )


def role(meta: dict) -> str:
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("solution"):
        return "answer"
    return "given" if meta.get("locked") else "text"


def repair(nb: nbformat.NotebookNode, layout: Layout) -> list[str]:
    """Give each cell with a known grade id the source's nbgrader metadata and type; keep one cell per grade id
    (copies of test and given cells are dropped, copies of answers run as the student's own cells); a grade id
    the assignment does not have becomes an ordinary cell. Returns what was repaired, one sentence per kind."""
    found: dict[str, list[str]] = {}  # what was wrong -> the grade ids it was wrong on
    kept, seen = [], set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            kept.append(cell)
            continue
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        source = layout.cells.get(grade_id)
        if source is None:
            if layout.complete or not isinstance(meta, dict) or role(meta) == "test":
                del cell.metadata["nbgrader"]
                if grade_id or meta:
                    found.setdefault("unknown", []).append(str(grade_id))
            kept.append(cell)
            continue
        assert isinstance(grade_id, str)  # it named a source cell
        kind = role(course.nbgrader_meta(source))
        if grade_id in seen:
            found.setdefault(f"{kind}|duplicated", []).append(grade_id)
            if kind == "answer":  # the student's own work: it runs, as an ordinary cell
                del cell.metadata["nbgrader"]
                kept.append(cell)
            continue
        seen.add(grade_id)
        for what in _restore(cell, source):
            found.setdefault(f"{kind}|{what}", []).append(grade_id)
        kept.append(cell)
    nb.cells = kept
    return [_sentence(what, sorted(set(ids), key=ids.index)) for what, ids in found.items()]


def _sentence(what: str, ids: list[str]) -> str:
    """One repair, worded for a report: ``test cell all_weights was duplicated: the copy was ignored``."""
    several = len(ids) > 1
    names = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
    if what == "unknown":
        return (
            f"{'cells' if several else 'a cell'} with grade id{'s' if several else ''} {names}, which this "
            f"assignment does not have, {'were' if several else 'was'} graded as ordinary cells"
        )
    kind, change = what.split("|")
    cells = f"{kind} cell{'s' if several else ''} {names}"
    if change == "duplicated":
        fate = (
            ("run" if several else "runs") + " as an ordinary cell"
            if kind == "answer"
            else ("were" if several else "was") + " ignored"
        )
        return f"{cells} {'were' if several else 'was'} duplicated: the cop{'ies' if several else 'y'} {fate}"
    return f"{cells} had {'their' if several else 'its'} {change} changed: restored"


def _restore(cell: nbformat.NotebookNode, source: nbformat.NotebookNode) -> list[str]:
    """The source's nbgrader metadata and cell type on ``cell``, where they differ (nbgrader's bookkeeping
    kept); the names of what differed."""
    raw = cell.metadata["nbgrader"]
    wanted: dict[str, Any] = dict(course.nbgrader_meta(source))
    meta = raw if isinstance(raw, dict) else {}
    changed = [KEYS.get(key, key) for key in wanted if meta.get(key) != wanted[key]]
    if set(meta) - set(wanted) - set(BOOKKEEPING):
        changed.append("metadata keys")
    if changed or raw is not meta:
        cell.metadata["nbgrader"] = {**{k: meta[k] for k in BOOKKEEPING if k in meta}, **copy.deepcopy(wanted)}
    if cell.cell_type != source.cell_type:
        changed.append("cell type")
        cell.cell_type = source.cell_type
        if source.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return changed


def restore_missing(cells: list, source: Sequence[tuple[str | None, object]], wanted: AbstractSet[str | None]) -> list:
    """``cells`` with each source cell in ``wanted`` that is missing put back after the nearest cell that precedes
    it in the source. ``source``: (grade id, cell to insert) in the source's order."""
    order = [grade_id for grade_id, _ in source]
    present = {course.nbgrader_meta(c).get("grade_id") for c in cells}
    for position, (grade_id, cell) in enumerate(source):
        if grade_id not in wanted or grade_id in present:
            continue
        ids = [course.nbgrader_meta(c).get("grade_id") for c in cells]
        before = [ids.index(g) for g in order[:position] if g in ids]
        cells.insert(max(before, default=-1) + 1, cell)
        present.add(grade_id)
    return cells
