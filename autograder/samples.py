"""Sample submissions made from the reference solutions by one-line edits.

Each :class:`Mutation` is a mistake a student makes, written as text replacements
in the solution notebook, with the checks it must break and the mistake the kit
must name. The demo grades them, the tests prove every door grades them the same,
and the benchmark times them. A replacement whose text is not found exactly once
fails loudly, so a mutation cannot silently stop matching its notebook.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import course
from .worked_values import simplified_attention as simplified


@dataclass(frozen=True)
class Mutation:
    name: str
    assignment: str
    edits: tuple[tuple[str, str], ...]
    breaks: frozenset[str]  # grade ids that must fail
    mistake: str | None = None  # catalog id that must be named (on the broken checks only)
    description: str = ""


def _mutation(name, assignment, edits, breaks, mistake=None, description=""):
    return Mutation(name, assignment, tuple(edits), frozenset(breaks), mistake, description)


def _pasted(worked_value) -> str:
    """What a student who copies the printed numbers writes instead of the code."""
    rounded = [[round(x, 4) for x in row] for row in worked_value.tolist()] if worked_value.dim() == 2 \
        else [round(x, 4) for x in worked_value.tolist()]
    return f"return torch.tensor({rounded})"


A01 = "01_simplified_attention"

MUTATIONS: list[Mutation] = [
    _mutation("softmax_dim0", A01,
              [("return torch.softmax(attn_scores, dim=-1)", "return torch.softmax(attn_scores, dim=0)")],
              {"all_weights", "all_weights_hidden"}, "softmax_dim0",
              "softmax over the columns of the 6x6 scores"),
    _mutation("sum_instead_of_softmax", A01,
              [("return torch.softmax(scores, dim=-1)", "return scores / scores.sum()")],
              {"softmax_torch", "softmax_torch_hidden"}, "sum_instead_of_softmax",
              "the torch.softmax step divides by the sum"),
    _mutation("softmax_instead_of_sum", A01,
              [("return scores / scores.sum()", "return torch.softmax(scores, dim=-1)")],
              {"normalize_by_sum", "normalize_by_sum_hidden"}, "softmax_instead_of_sum",
              "softmax where the step asks for the sum"),
    _mutation("naive_softmax_overflow", A01,
              [("return torch.softmax(scores, dim=-1)", "return torch.exp(scores) / torch.exp(scores).sum()")],
              {"softmax_torch_hidden"}, "naive_softmax_overflow",
              "exp/sum where torch.softmax is asked: overflows on large scores"),
    _mutation("empty_accumulator", A01,
              [("context_vec = torch.zeros(inputs.shape[1])", "context_vec = torch.empty(inputs.shape[1])")],
              {"context_loop", "context_loop_hidden"}, "empty_accumulator",
              "the context vector is accumulated into torch.empty, as seed 000 does"),
    _mutation("pasted_numbers", A01, [
        ("scores = torch.zeros(inputs.shape[0])\n    for i, x_i in enumerate(inputs):\n"
         "        scores[i] = torch.dot(x_i, query)\n    return scores", _pasted(simplified.ATTN_SCORES_2)),
        ("return torch.softmax(attn_scores, dim=-1)", _pasted(simplified.ATTN_WEIGHTS)),
        ("context_vec = torch.zeros(inputs.shape[1])\n    for i, x_i in enumerate(inputs):\n"
         "        context_vec += attn_weights[i] * x_i\n    return context_vec", _pasted(simplified.CONTEXT_VEC_2)),
    ], {"scores_loop_hidden", "all_weights_hidden", "context_loop_hidden"}, None,
        "the worked values pasted in place of code in three TO-DOs"),
]

BY_NAME: dict[str, Mutation] = {m.name: m for m in MUTATIONS}


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
