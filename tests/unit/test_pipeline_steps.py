"""Each step of the grading pipeline on its own, on small hand-made inputs (no kernel, no batch).

The whole runs (tests/test_cli_check.py, tests/test_grade_adversarial.py) prove the steps together; these say
which step owns which behaviour, so a regression names its step."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder import pipeline
from autograder.assignments import ASSIGNMENTS
from autograder.checker.cells import runs_before_checking
from autograder.framework import NOT_RUN, PASSED
from autograder.sandbox import CellProblem, ExecutionReport, Limits, Sandbox
from tests import samples

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "01_simplified_attention"
OTHER = "02_qkv_self_attention"


def submission(tmp_path: Path, content: bytes | str | nbformat.NotebookNode) -> pipeline.Submission:
    path = tmp_path / "s.ipynb"
    if isinstance(content, nbformat.NotebookNode):
        nbformat.write(content, path)
    else:
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return pipeline.Submission(path, "s")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe\x00", "not UTF-8"),
        ('{"cells": [', "not valid JSON (line 1)"),
        ('{"a": 1}', "JSON but not a Jupyter notebook"),
    ],
)
def test_load_notebook_says_why_a_file_is_not_a_notebook(tmp_path, content, problem):
    sub = pipeline.LoadNotebook()(submission(tmp_path, content))
    assert not sub.gradable and problem in sub.problem and sub.notebook is None


def test_load_notebook_refuses_an_oversized_file(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_NOTEBOOK_BYTES", 100)
    sub = pipeline.LoadNotebook()(submission(tmp_path, json.dumps({"cells": [], "pad": "x" * 200})))
    assert "over the 0 MB limit" in sub.problem


def test_load_notebook_reads_a_notebook(tmp_path):
    sub = pipeline.LoadNotebook()(submission(tmp_path, samples.blank(ROOT, ASSIGNMENT)))
    assert sub.gradable and sub.notebook.cells


def test_identify_by_metadata_then_by_grade_ids(tmp_path):
    notebook = samples.blank(ROOT, ASSIGNMENT)
    by_metadata = pipeline.IdentifyAssignment()(pipeline.Submission(tmp_path / "a", "a", notebook=notebook))
    assert by_metadata.assignment is ASSIGNMENTS[ASSIGNMENT]
    notebook.metadata.pop("attention_kit", None)
    by_ids = pipeline.IdentifyAssignment()(pipeline.Submission(tmp_path / "b", "b", notebook=notebook))
    assert by_ids.assignment is ASSIGNMENTS[ASSIGNMENT]


def test_identify_a_stranger_notebook_as_none_of_the_kit(tmp_path):
    stranger = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    sub = pipeline.IdentifyAssignment()(pipeline.Submission(tmp_path / "x", "x", notebook=stranger))
    assert sub.assignment is None and "not an attention-kit assignment" in sub.problem


def test_an_unreadable_notebook_handed_in_for_an_assignment_scores_zero_on_each_check(tmp_path):
    sub = pipeline.Submission(tmp_path / "x", "x", problem="the file is empty")
    sub = pipeline.IdentifyAssignment(ASSIGNMENT)(sub)
    checks = ASSIGNMENTS[ASSIGNMENT].checks
    assert [r.grade_id for r in sub.results] == [c.grade_id for c in checks]
    assert sub.score == 0 and all("the file is empty" in r.message for r in sub.results)


def test_require_assignment_names_both_assignments(tmp_path):
    other = samples.blank(ROOT, OTHER)
    sub = pipeline.Submission(tmp_path / "x", "x", notebook=other)
    sub = pipeline.RequireAssignment(ASSIGNMENT)(pipeline.IdentifyAssignment(ASSIGNMENT)(sub))
    assert sub.assignment is ASSIGNMENTS[ASSIGNMENT]
    assert OTHER in sub.problem and ASSIGNMENT in sub.problem
    assert len(sub.results) == len(ASSIGNMENTS[ASSIGNMENT].checks) and sub.score == 0


def test_repair_cells_names_each_repair_among_the_notes(tmp_path):
    notebook = samples.blank(ROOT, ASSIGNMENT)
    test_cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade"))
    notebook.cells.append(nbformat.from_dict(json.loads(json.dumps(test_cell))))  # a duplicated test cell
    sub = pipeline.Submission(tmp_path / "x", "x", notebook=notebook, assignment=ASSIGNMENTS[ASSIGNMENT])
    sub = pipeline.RepairCells(ROOT)(sub)
    assert any("duplicated" in r for r in sub.repairs)
    assert any(n.startswith("Repaired: ") and "duplicated" in n for n in sub.notes)


def test_given_cells_are_restored_and_test_cells_never_run(tmp_path):
    notebook = samples.blank(ROOT, ASSIGNMENT)
    given = next(c for c in notebook.cells if runs_before_checking(c) and c.metadata.get("nbgrader", {}).get("locked"))
    original = given.source
    given.source = "raise SystemExit('edited given cell')"
    sub = pipeline.Submission(tmp_path / "x", "x", notebook=notebook, assignment=ASSIGNMENTS[ASSIGNMENT])
    sub = pipeline.RestoreGivenCells(ROOT)(sub)
    sources = [source for _, source in sub.cells]
    assert original in sources and "edited given cell" not in "".join(sources)
    assert not any("check(" in source and "import" in source for source in sources)  # no test cell runs


def test_diagnose_words_what_happened_while_the_cells_ran(tmp_path):
    notebook = samples.blank(ROOT, ASSIGNMENT)
    sub = pipeline.Submission(tmp_path / "x", "x", notebook=notebook, assignment=ASSIGNMENTS[ASSIGNMENT])
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    sub.execution = ExecutionReport(
        isolation="no network namespace",
        skipped=[first_code],
        problems=[CellProblem(first_code, "NameError", "name 'x' is not defined")],
        leftover={"processes": 2},
    )
    notes = pipeline.Diagnose()(sub).notes
    assert notes[0] == "Sandbox: no network namespace."
    assert any("stopped the notebook's process" in n for n in notes)
    assert any("NameError" in n for n in notes)
    assert any("left 2 processes running" in n for n in notes)


def test_every_step_passes_an_ungradable_submission_through(tmp_path):
    sub = pipeline.Submission(tmp_path / "x", "x", problem="the file is empty")
    for step in (
        pipeline.LoadNotebook(),
        pipeline.RepairCells(ROOT),
        pipeline.RestoreGivenCells(ROOT),
        pipeline.Diagnose(),
    ):
        sub = step(sub)
    assert sub.problem == "the file is empty" and sub.notes == [] and sub.cells == []


@pytest.fixture(scope="module")
def sandbox():
    """One warm zygote for the two steps that need a child process (a few seconds to start)."""
    started = Sandbox()
    yield started
    started.close()


def executed(tmp_path: Path, sandbox: Sandbox, notebook: nbformat.NotebookNode) -> pipeline.Submission:
    sub = pipeline.Submission(tmp_path / "x", "x", notebook=notebook, assignment=ASSIGNMENTS[ASSIGNMENT])
    sub = pipeline.RestoreGivenCells(ROOT)(sub)
    return pipeline.Execute(sandbox, Limits.for_notebook(60))(sub)


def test_execute_runs_the_cells_in_the_sandbox_and_reports_a_cell_that_raised(tmp_path, sandbox):
    notebook = samples.solution(ROOT, ASSIGNMENT)
    notebook.cells.append(nbformat.v4.new_code_cell("raise ValueError('a cell of mine')"))
    sub = executed(tmp_path, sandbox, notebook)
    try:
        assert [(p.index, p.kind) for p in sub.execution.problems] == [(len(notebook.cells) - 1, "ValueError")]
    finally:
        sub.execution_handle.close()


def test_collect_results_grades_every_check_and_runs_hidden_ones_only_when_grading(tmp_path, sandbox):
    checks = ASSIGNMENTS[ASSIGNMENT].checks
    graded = pipeline.CollectResults(hidden=True)(executed(tmp_path, sandbox, samples.solution(ROOT, ASSIGNMENT)))
    assert [r.grade_id for r in graded.results] == [c.grade_id for c in checks]
    assert graded.score == graded.max_score > 0
    local = pipeline.CollectResults(hidden=False)(executed(tmp_path, sandbox, samples.solution(ROOT, ASSIGNMENT)))
    assert {r.status for r, c in zip(local.results, checks, strict=True) if c.hidden} == {NOT_RUN}
    assert {r.status for r, c in zip(local.results, checks, strict=True) if not c.hidden} == {PASSED}
