"""A released notebook works alone: its checker-files cell, and the terminal checker finding a renamed notebook.

Fast, in-process halves of what tests/test_student_side.py proves end to end in a student's bare environment.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import nbformat
import pytest

from autograder import checker_cell, course, pipeline
from autograder.assignments import ASSIGNMENTS
from autograder.checker.cells import CHECKER_FILES_CELL
from autograder.checker.command_line import notebooks_of, run_notebook

from .conftest import ROOT

IDS = sorted(ASSIGNMENTS)


def released(assignment_id: str) -> nbformat.NotebookNode:
    return course.read(course.notebook_path(ROOT, "release", assignment_id))


def released_files(assignment_id: str) -> dict[str, str]:
    """The checker and its data beside the released notebook."""
    folder = ROOT / "release" / assignment_id
    return {name: (folder / name).read_text() for name in ("attention_check.py", f"{assignment_id}.checks.json")}


def run_the_cell(code: str) -> tuple[str, dict]:
    """The cell run as a kernel runs it, in the current folder: what it printed, and the names it left."""
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        exec(compile(code, "<cell>", "exec"), namespace)
    return printed.getvalue(), {k for k in namespace if k != "__builtins__"}


@pytest.mark.parametrize("assignment_id", IDS)
def test_the_first_code_cell_is_the_locked_folded_checker_files_cell(assignment_id):
    cells = released(assignment_id).cells
    first_code = next(c for c in cells if c.cell_type == "code")
    meta = course.nbgrader_meta(first_code)
    assert meta["grade_id"] == CHECKER_FILES_CELL
    assert meta["locked"] and not meta["grade"] and not meta["solution"] and meta.get("checksum")
    assert first_code.metadata["jupyter"] == {"source_hidden": True} and first_code.metadata["cellView"] == "form"
    assert first_code.source.startswith("# @title Run this cell first: it writes ")
    assert len(first_code.source.splitlines()[0]) < 250  # one line of explanation
    assert checker_cell.files_in(first_code.source) == released_files(assignment_id)


def test_alone_it_writes_the_missing_files_once_says_so_and_touches_nothing_else(tmp_path, monkeypatch):
    assignment_id = IDS[0]
    files = released_files(assignment_id)
    code = checker_cell.find(released(assignment_id)).source
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my notes.txt").write_text("mine")

    printed, left = run_the_cell(code)
    assert printed == (
        f"Wrote {' and '.join(sorted(files))} into {tmp_path}: the check cells need them (they hold no answer).\n"
    )
    assert left == set()  # nothing left in the student's namespace
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {**files, "my notes.txt": "mine"}

    written = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert run_the_cell(code)[0] == ""  # present and the same: nothing written
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == written

    (tmp_path / "attention_check.py").write_text("# an older checker\n")
    assert (
        run_the_cell(code)[0] == f"Wrote attention_check.py into {tmp_path}: the check cells need them (they "
        "hold no answer).\n"
    )
    assert (tmp_path / "attention_check.py").read_text() == files["attention_check.py"]


def test_checkers_never_run_the_checker_files_cell(tmp_path, monkeypatch):
    """A checker has the files already; run from another folder, the cell would write them there."""
    notebook = released(IDS[0])
    index = notebook.cells.index(checker_cell.find(notebook))
    assert index not in [i for i, _ in pipeline.cells_to_run(notebook)]
    monkeypatch.chdir(tmp_path)
    namespace, problems = run_notebook([notebook.cells[index]])
    assert problems == [] and list(tmp_path.iterdir()) == [] and "_write_checker_files" not in namespace


def test_the_terminal_checker_finds_its_notebook_renamed_by_the_id_in_its_metadata(tmp_path):
    mine, other = IDS[0], IDS[1]
    for name, assignment_id in ((f"Copy of {mine}.ipynb", mine), (f"{mine} (1).ipynb", mine), ("x.ipynb", other)):
        shutil.copyfile(course.notebook_path(ROOT, "release", assignment_id), tmp_path / name)
    (tmp_path / "broken.ipynb").write_text("{not json")
    notebook = nbformat.v4.new_notebook()  # no metadata, but its assignment's name
    nbformat.write(notebook, str(tmp_path / f"{mine}.ipynb"))
    checks = [ASSIGNMENTS[mine].released()]
    assert [p.name for p in notebooks_of(tmp_path, checks)] == [
        f"{mine}.ipynb",
        f"{mine} (1).ipynb",
        f"Copy of {mine}.ipynb",
    ]
    assert notebooks_of(tmp_path, [ASSIGNMENTS[other].released()]) == [tmp_path / "x.ipynb"]
