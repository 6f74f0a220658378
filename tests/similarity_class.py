"""Classes of assignments 01, 04 and 07 for the similarity report: independent students, disguised copies, a shared
uncatalogued wrong answer.

Test material (the tests and ``benchmarks/similarity.py`` build it). An independent student's notebook is made TO-DO
by TO-DO from a pool of ways to write it (:mod:`tests.similarity_pools`, the reference and the sample submissions'
correct alternatives), now and then a catalogued mistake of the samples or a TO-DO left undone; no two independent
students hand in the same notebook. Five students write some TO-DOs their own way; others copy them, disguised.
"""

from __future__ import annotations

import ast
import copy
import random
import re
from dataclasses import dataclass, field

import nbformat

from autograder import course

from . import samples
from .conftest import ROOT
from .similarity_pools import A01, OWN, SPELLINGS, UNCATALOGUED

ASSIGNMENTS = tuple(OWN)
MISTAKES_USED = 1  # catalogued mistakes independent students make, per assignment (each is graded once, in process)


def renamed(source: str) -> str:
    """Every variable the student named renamed (function names and arguments kept)."""
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return re.sub(r"(?<!\.)\b\w+\b", lambda m: f"my_{m.group(0)}" if m.group(0) in names else m.group(0), source)


def reformatted(source: str) -> str:
    """Other spacing, a docstring and comments."""
    lines = source.splitlines()
    indent = re.match(r"\s*", lines[1]).group(0)
    body = [lines[0], f'{indent}"""My own solution."""'] + [
        f"{line}  # step {i}" if line.strip() else line for i, line in enumerate(lines[1:])
    ]
    return "\n".join(body).replace(" = ", "=").replace(", ", " ,  ") + "\n\n# done\n"


def reordered(source: str) -> str:
    """The first two statements in the other order, when they do not depend on each other."""
    lines = source.splitlines()
    first = re.match(r"    (\w+) = ", lines[1])
    if first and re.match(r"    \w+ = ", lines[2]) and not re.search(rf"\b{first.group(1)}\b", lines[2]):
        lines[1], lines[2] = lines[2], lines[1]
    return "\n".join(lines) + "\n"


def with_dead_line(source: str) -> str:
    """A line that does nothing, at the top of a function."""
    lines = source.splitlines()
    return "\n".join([lines[0], "    unused = 0", *lines[1:]]) + "\n" if lines[0].startswith("def ") else source


def respelled(source: str) -> str:
    """``@`` for ``torch.matmul``, ``F.softmax`` for ``torch.softmax``, ``.T`` for ``.t()``."""
    source = re.sub(r"torch\.matmul\(([\w.]+(?:\([^()]*\))?), ([\w.]+(?:\([^()]*\))?)\)", r"(\1 @ \2)", source)
    return source.replace("torch.softmax(", "torch.nn.functional.softmax(").replace(".t()", ".T")


DISGUISES = (renamed, reformatted, reordered, with_dead_line, respelled)
#: who copies whom, and how: a trio and four pairs, each disguised another way
COPIES = {
    "ada_renamed": ("ada", renamed),
    "ada_reformatted": ("ada", reformatted),
    "bea_reordered": ("bea", reordered),
    "cyd_respelled": ("cyd", respelled),
    "dan_dead_line": ("dan", with_dead_line),
    "eve_renamed_reformatted": ("eve", lambda s: reformatted(renamed(s))),
}


def student(assignment: str, cells: dict[str, str], mutation: samples.Mutation | None = None) -> nbformat.NotebookNode:
    """The notebook handed in: the reference (or a sample mistake), with these solution cells."""
    notebook = copy.deepcopy(_filled(assignment, mutation))
    for cell in notebook.cells:
        grade_id = course.nbgrader_meta(cell).get("grade_id")
        if grade_id in cells:
            cell.source = cells[grade_id]
    return notebook


_FILLED: dict = {}


def _filled(assignment: str, mutation: samples.Mutation | None) -> nbformat.NotebookNode:
    key = (assignment, mutation.name if mutation else None)
    if key not in _FILLED:
        _FILLED[key] = samples.filled(ROOT, assignment, mutation)
    return _FILLED[key]


def solution_cells(assignment: str, mutation: samples.Mutation | None = None) -> dict[str, str]:
    return {
        course.nbgrader_meta(c)["grade_id"]: c.source
        for c in _filled(assignment, mutation).cells
        if course.nbgrader_meta(c).get("solution")
    }


@dataclass
class Pools:
    """One assignment's ways to write each TO-DO: correct ones, catalogued mistakes (one cell each), undone."""

    correct: dict[str, list[str]]
    mistakes: list[dict[str, str]]
    undone: dict[str, str]


def pools(assignment: str) -> Pools:
    reference = solution_cells(assignment)
    correct = {gid: [source] for gid, source in reference.items()}
    mistakes = []
    for mutation in (m for m in samples.all_mutations() if m.assignment == assignment):
        changed = {g: s for g, s in solution_cells(assignment, mutation).items() if s != reference[g]}
        if not mutation.breaks and not mutation.mistake:
            for gid, source in changed.items():
                correct[gid].append(source)
        elif mutation.mistake and len(changed) == 1 and len(mistakes) < MISTAKES_USED:
            mistakes.append(changed)
    for gid, spellings in SPELLINGS[assignment].items():
        correct[gid] += spellings
    undone = {
        course.nbgrader_meta(c)["grade_id"]: c.source
        for c in samples.blank(ROOT, assignment).cells
        if course.nbgrader_meta(c).get("solution")
    }
    return Pools(correct, mistakes, undone)


@dataclass
class Classroom:
    """One assignment's class: notebooks by student, the pairs that copied, the pair sharing an uncatalogued wrong
    answer, and the wrong cells of each student who has any (their answers are what the grader would record)."""

    assignment: str
    notebooks: dict[str, nbformat.NotebookNode]
    copied: set[frozenset[str]]
    answer_pair: frozenset[str]
    wrong: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def independent(self) -> list[str]:
        involved = set().union(*self.copied, self.answer_pair)
        return [s for s in self.notebooks if s not in involved]


def classroom(assignment: str, independent: int = 60, seed: int = 20) -> Classroom:
    """``independent`` students' own work, the five originals and their six copies, the uncatalogued pair."""
    chance = random.Random(seed)
    found = pools(assignment)
    seen: set[tuple[str, ...]] = set()
    notebooks: dict[str, nbformat.NotebookNode] = {}
    wrong: dict[str, dict[str, str]] = {}
    while len(notebooks) < independent:
        cells = {gid: chance.choice(spellings) for gid, spellings in found.correct.items()}
        mishap = chance.random()
        if mishap < 0.15 and found.mistakes:
            mistake = chance.choice(found.mistakes)
            cells.update(mistake)
        elif mishap < 0.25:
            undone = chance.choice(sorted(found.undone))
            cells[undone] = found.undone[undone]
        key = tuple(cells[g] for g in sorted(cells))
        if key in seen:
            continue
        seen.add(key)
        name = f"student{len(notebooks):03d}"
        notebooks[name] = student(assignment, cells)
        if mishap < 0.15 and found.mistakes:
            wrong[name] = mistake
    originals = {}
    for name, own in OWN[assignment].items():
        originals[name] = {gid: chance.choice(spellings) for gid, spellings in found.correct.items()} | own
        notebooks[name] = student(assignment, originals[name])
    for name, (original, disguise) in COPIES.items():
        notebooks[name] = student(
            assignment,
            {g: disguise(s) if g in OWN[assignment][original] else s for g, s in originals[original].items()},
        )
    copied = {frozenset((copier, original)) for copier, (original, _) in COPIES.items()}
    copied.add(frozenset(("ada_renamed", "ada_reformatted")))
    for number, own in enumerate(UNCATALOGUED[assignment], 1):
        name = f"uncatalogued_{number}"
        notebooks[name] = student(assignment, {g: chance.choice(s) for g, s in found.correct.items()} | own)
        wrong[name] = own
    return Classroom(
        assignment, notebooks, copied, frozenset(wrong.keys() & {"uncatalogued_1", "uncatalogued_2"}), wrong
    )


def large_class(size: int, seed: int = 0) -> dict[str, nbformat.NotebookNode]:
    """``size`` notebooks of 01 for the benchmark: independent students and the copies of five originals."""
    return classroom(A01, independent=size - 2 - len(OWN[A01]) - len(COPIES), seed=seed).notebooks
