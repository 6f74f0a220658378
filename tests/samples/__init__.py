"""Sample submissions made from the reference solutions by one-line edits: test material.

Each :class:`Mutation` is a mistake a student makes, written as text replacements in the
solution notebook, with the checks it must break and the mistake the kit must name; or a correct
alternative that must earn full marks with no mistake named. The tests prove every door grades
them the same, the demo grades them and the benchmarks time them. A replacement whose text is not
found exactly once fails loudly, so a mutation cannot silently stop matching its notebook.

One module per assignment (named like the assignment's module in ``autograder.assignments``)
lists its ``MUTATIONS``. Nothing here ships with the kit (a wrong answer is an answer key by
difference): the tests, the demo (``python3 tasks.py demo``, through ``python -m tests.samples``)
and the benchmarks use it from a checkout of the repository, and none of them ships either.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
from dataclasses import dataclass, field
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


def mutation(
    name: str, edits: list[tuple[str, str]], *, breaks: set[str], mistake: str | None = None, description: str = ""
) -> Mutation:
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


def filled(root: Path, assignment_id: str, mutation: Mutation | None = None) -> nbformat.NotebookNode:
    """The notebook a student received, with each TO-DO filled in from the reference solution (or from the
    reference with ``mutation``'s mistake): what a student hands in, with no hidden test cell in it."""
    answers = mutate(solution(root, assignment_id), mutation) if mutation else solution(root, assignment_id)
    by_id = {course.nbgrader_meta(c).get("grade_id"): c.source for c in answers.cells}
    notebook = blank(root, assignment_id)
    for cell in notebook.cells:
        if course.nbgrader_meta(cell).get("solution"):
            cell.source = by_id[course.nbgrader_meta(cell)["grade_id"]]
    return notebook


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


def write(notebook: nbformat.NotebookNode, path: Path, files: dict[str, str] | None = None) -> Path:
    """The notebook at ``path`` (and ``files`` handed in beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    for name, text in (files or {}).items():
        (path.parent / name).write_text(text)
    return path


@dataclass
class Sample:
    """A notebook of the sample class, the checks it must fail, and files handed in beside it."""

    name: str
    notebook: nbformat.NotebookNode
    fails: frozenset[str]
    files: dict[str, str] = field(default_factory=dict)


# Cells with which a student tries to pass checks without the answers (each measured to fool an in-kernel grader).
RUN_CELL_WRAPPER = """\
shell = get_ipython()
_run_cell, _run_cell_async = shell.run_cell, shell.run_cell_async
def run_cell(raw_cell, *args, **kwargs):
    return _run_cell("pass" if "check" in raw_cell else raw_cell, *args, **kwargs)
async def run_cell_async(raw_cell, *args, **kwargs):
    return await _run_cell_async("pass" if "check" in raw_cell else raw_cell, *args, **kwargs)
shell.run_cell, shell.run_cell_async = run_cell, run_cell_async
"""
CHEATS = {
    "run_cell_wrapper": RUN_CELL_WRAPPER,
    "patched_comparisons": "import torch, torch.testing\ntorch.allclose = lambda *a, **k: True\n"
    "torch.equal = lambda *a, **k: True\ntorch.testing.assert_close = lambda *a, **k: None\n",
    "redefined_check": "def check(*args, **kwargs):\n    print('PASSED')\n",
    "fake_checker_module": "import sys, types\nfake = types.ModuleType('attention_check')\n"
    "fake.check = lambda *args, **kwargs: print('PASSED')\nsys.modules['attention_check'] = fake\n"
    "sys.modules['autograder'] = types.ModuleType('autograder')\n"
    "sys.modules['autograder.notebook'] = fake\n",
}


def cheats(root: Path, assignment_id: str) -> list[Sample]:
    """The first named sample mistake with each cheat added, the blank notebook with the run_cell wrapper, and the
    mistake handed in with a doctored copy of the released self-check files beside it: each must score exactly as
    the honest notebook does."""
    from autograder.assignments import ASSIGNMENTS

    broken = next(m for m in all_mutations() if m.assignment == assignment_id and m.breaks and m.mistake)
    wrong = mutate(solution(root, assignment_id), broken)
    everything = frozenset(c.grade_id for c in ASSIGNMENTS[assignment_id].checks)
    made = [Sample(f"cheat_{name}", _with_cell(wrong, source), broken.breaks) for name, source in CHEATS.items()]
    made.append(
        Sample("cheat_blank_run_cell_wrapper", _with_cell(blank(root, assignment_id), RUN_CELL_WRAPPER), everything)
    )
    doctored = {
        "attention_check.py": "def check(*args, **kwargs):\n    print('PASSED')\n",
        f"{assignment_id}.checks.json": '{"checks": []}',
    }
    made.append(Sample("cheat_doctored_self_check_files", wrong, broken.breaks, doctored))
    return made


def _with_cell(notebook: nbformat.NotebookNode, source: str) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(notebook)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(source))
    return notebook


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
