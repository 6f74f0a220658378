"""Notebooks whose nbgrader metadata a student broke, each with the same answers as an intact notebook.

Every kind of damage that stops stock ``nbgrader autograde`` or costs points there: copied test and answer
cells, a flag flipped, a cell type changed, grade ids the course does not know, a missing or old schema
version, cells reordered, JSON that nbformat reads only once repaired; and a file that cannot be read at all.
Each is written as the text of the file handed in. A broken notebook must earn what its intact twin earns
(``fails``: the checks its answers fail); the unreadable one fails every check.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import course

from . import all_mutations, mutate, solution


@dataclass(frozen=True)
class Broken:
    name: str
    text: str  # the file handed in
    fails: frozenset[str]

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.text, encoding="utf-8")
        return path


def _cells(nb, predicate) -> list:
    return [c for c in nb.cells if predicate(course.nbgrader_meta(c))]


def _test(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def _answer(meta: dict) -> bool:
    return bool(meta.get("solution"))


def _given(meta: dict) -> bool:
    return bool(meta.get("locked")) and not meta.get("grade") and not meta.get("solution")


def duplicated_tests(nb) -> None:
    """Each test cell duplicated right after itself (same grade id), the copy's source ``pass``."""
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if _test(course.nbgrader_meta(cell)):
            cells.append(nbformat.from_dict({**copy.deepcopy(cell), "source": "pass", "id": f"{cell.id}-copy"}))
    nb.cells = cells


def copied_answer(nb) -> None:
    first = _cells(nb, _answer)[0]
    nb.cells.insert(nb.cells.index(first) + 1, nbformat.from_dict({**copy.deepcopy(first), "id": "answer-copy"}))


def flags(predicate: Callable[[dict], bool], flag: str) -> Callable:
    def flip(nb) -> None:
        for cell in _cells(nb, predicate):
            cell.metadata.nbgrader[flag] = not cell.metadata.nbgrader.get(flag)

    return flip


def types_changed(nb) -> None:
    """The first test cell made markdown, the first answer cell raw."""
    for cell, kind in ((_cells(nb, _test)[0], "markdown"), (_cells(nb, _answer)[0], "raw")):
        cell.cell_type = kind
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def unknown_ids(nb) -> None:
    """A student's own cell with answer metadata, and a copy of a test cell renamed, both unknown to the course."""
    test = copy.deepcopy(_cells(nb, _test)[0])
    test.metadata.nbgrader.update(grade_id="my_extra_check", points=5)
    test.id = "extra-check"
    notes = nbformat.v4.new_code_cell(
        "my_notes = 1",
        metadata={
            "nbgrader": {
                "grade": False,
                "grade_id": "my-notes",
                "locked": False,
                "schema_version": 3,
                "solution": True,
                "task": False,
            }
        },
    )
    nb.cells[1:1] = [notes, test]


def schema(version: int | None) -> Callable:
    def set_version(nb) -> None:
        for cell in nb.cells:
            if version is None:
                cell.metadata.get("nbgrader", {}).pop("schema_version", None)
            elif "nbgrader" in cell.metadata:
                cell.metadata.nbgrader["schema_version"] = version

    return set_version


def reordered(nb) -> None:
    """The test cells moved to the end, in reverse order."""
    tests = _cells(nb, _test)
    nb.cells = [c for c in nb.cells if c not in tests] + tests[::-1]


DAMAGE = {
    "meta_duplicated_tests": duplicated_tests,
    "meta_copied_answer": copied_answer,
    "meta_grade_flag_off": flags(_test, "grade"),
    "meta_solution_flag_off": flags(_answer, "solution"),
    "meta_locked_flipped": flags(_given, "locked"),
    "meta_cell_types_changed": types_changed,
    "meta_unknown_grade_ids": unknown_ids,
    "meta_schema_missing": schema(None),
    "meta_schema_old": schema(1),
    "meta_reordered": reordered,
}


def _needs_repair(nb) -> str:
    """JSON nbformat reads only once repaired: the version as text, markdown cells without metadata, code cells
    without outputs."""
    data = json.loads(nbformat.writes(nb))
    data["nbformat"] = "4"
    for cell in data["cells"]:
        cell.pop("metadata" if cell["cell_type"] == "markdown" else "outputs", None)
    return json.dumps(data, indent=1)


def broken_class(root: Path, assignment_id: str) -> list[Broken]:
    """The first sample mistake of the assignment, damaged in each way above (its answers fail ``fails``), and a
    file that is not JSON (fails everything)."""
    from autograder.assignments import ASSIGNMENTS

    mistake = next(m for m in all_mutations() if m.assignment == assignment_id and m.breaks and m.mistake)
    intact = mutate(solution(root, assignment_id), mistake)
    made = []
    for name, damage in DAMAGE.items():
        nb = copy.deepcopy(intact)
        damage(nb)
        made.append(Broken(name, json.dumps(nb, indent=1), mistake.breaks))
    made.append(Broken("meta_json_needs_repair", _needs_repair(intact), mistake.breaks))
    everything = frozenset(c.grade_id for c in ASSIGNMENTS[assignment_id].checks)
    made.append(Broken("meta_unreadable", '{"cells": [', everything))
    return made
