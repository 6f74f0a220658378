"""Notebooks the tests build from the reference solution of assignment 01."""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder import checker_cell

from . import samples
from .conftest import ROOT

A01 = "01_simplified_attention"


def reference() -> nbformat.NotebookNode:
    return samples.solution(ROOT, A01)


def with_cell(source: str, position: int = 2, notebook: nbformat.NotebookNode | None = None) -> nbformat.NotebookNode:
    """The notebook with an extra code cell (a student's own) at ``position``, counted without the folded
    checker-files cell (2: after the given imports)."""
    notebook = nbformat.from_dict(notebook if notebook is not None else reference())
    checker_files = checker_cell.find(notebook)
    before = checker_files is not None and notebook.cells.index(checker_files) < position
    notebook.cells.insert(position + before, nbformat.v4.new_code_cell(source))
    return notebook


def mutated(name: str) -> nbformat.NotebookNode:
    return samples.mutate(
        reference(), next(m for m in samples.all_mutations() if m.name == name and m.assignment == A01)
    )


def write(notebook: nbformat.NotebookNode, path: Path) -> Path:
    return samples.write(notebook, path)
