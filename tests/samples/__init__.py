"""Sample submissions made from the reference solutions by one-line edits: test material.

Each :class:`Mutation` is a mistake a student makes, written as text replacements in the
solution notebook, with the checks it must break and the mistake the kit must name; or a correct
alternative that must earn full marks with no mistake named. The tests prove every door grades
them the same, the demo grades them and the benchmarks time them. A replacement whose text is not
found exactly once fails loudly, so a mutation cannot silently stop matching its notebook.

One module per assignment (named like the assignment's module in ``autograder.assignments``)
lists its ``MUTATIONS``. Nothing here ships with the kit.
"""
from __future__ import annotations

import copy
import dataclasses
import importlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder import course


@dataclass(frozen=True)
class Mutation:
    name: str
    edits: tuple[tuple[str, str], ...]
    breaks: frozenset[str]  # grade ids that must fail
    mistake: str | None = None  # catalog id that must be named (on the broken checks only)
    description: str = ""
    assignment: str = ""  # filled in by all_mutations()


def mutation(name: str, edits: list[tuple[str, str]], *, breaks: set[str], mistake: str | None = None,
             description: str = "") -> Mutation:
    return Mutation(name, tuple(edits), frozenset(breaks), mistake, description)


def pasted(worked_value) -> str:
    """What a student who copies the printed numbers writes instead of the code."""
    return f"return torch.tensor({_rounded(worked_value.tolist())})"


def _rounded(values):
    return [_rounded(v) for v in values] if isinstance(values, list) else round(values, 4)


def all_mutations() -> list[Mutation]:
    """Every assignment's sample submissions, tagged with their assignment id."""
    from autograder.assignments import MODULES

    found = []
    for module in MODULES:
        samples = importlib.import_module(f"{__name__}.{module.__name__.rsplit('.', 1)[1]}")
        found += [dataclasses.replace(m, assignment=module.ASSIGNMENT.id) for m in samples.MUTATIONS]
    return found


def solution(root: Path, assignment_id: str) -> nbformat.NotebookNode:
    return course.read(course.notebook_path(root, "solutions", assignment_id))


def blank(root: Path, assignment_id: str) -> nbformat.NotebookNode:
    return course.read(course.notebook_path(root, "release", assignment_id))


def mutate(notebook: nbformat.NotebookNode, mutation: Mutation) -> nbformat.NotebookNode:
    """The notebook with the mutation's edits applied (each text must occur exactly once)."""
    notebook = copy.deepcopy(notebook)
    for old, new in mutation.edits:
        hits = [cell for cell in notebook.cells if old in cell.source]
        count = sum(cell.source.count(old) for cell in hits)
        if count != 1:
            raise ValueError(f"mutation {mutation.name}: {old[:40]!r}... occurs {count} times, not once")
        hits[0].source = hits[0].source.replace(old, new)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def write(notebook: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


@dataclass
class Sample:
    """A notebook of the sample class and the checks it must fail."""

    name: str
    notebook: nbformat.NotebookNode
    fails: frozenset[str]


def sample_class(root: Path, assignment_id: str, only: set[str] | None = None) -> list[Sample]:
    """Reference, blank, the sample mistakes (all, or those named in ``only``), and two tampered
    copies of the first one that names a mistake: its failing checks' test cells edited to ``pass``
    or deleted (the restored checks must still fail)."""
    from autograder.assignments import ASSIGNMENTS

    all_ids = frozenset(c.grade_id for c in ASSIGNMENTS[assignment_id].checks)
    reference = solution(root, assignment_id)
    mutations = [m for m in all_mutations() if m.assignment == assignment_id and (only is None or m.name in only)]
    class_ = [Sample("reference", reference, frozenset()), Sample("blank", blank(root, assignment_id), all_ids)]
    class_ += [Sample(m.name, mutate(reference, m), m.breaks) for m in mutations]
    broken = next((m for m in mutations if m.breaks and m.mistake), None)
    if broken is not None:
        wrong = mutate(reference, broken)
        class_.append(Sample("tests_edited", _with_test_cells(wrong, broken.breaks, "pass"), broken.breaks))
        class_.append(Sample("tests_deleted", _with_test_cells(wrong, broken.breaks, None), broken.breaks))
    return class_


def _with_test_cells(notebook: nbformat.NotebookNode, grade_ids: frozenset[str], source: str | None):
    notebook = copy.deepcopy(notebook)
    kept = []
    for cell in notebook.cells:
        if course.nbgrader_meta(cell).get("grade_id") in grade_ids and course.is_test_cell(cell):
            if source is None:
                continue
            cell.source = source
        kept.append(cell)
    notebook.cells = kept
    return notebook
