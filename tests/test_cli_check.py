"""``attention-kit check``: what a student sees, and its exit codes (0 pass, 1 fail, 2 cannot check)."""

from __future__ import annotations

import json
import time

from autograder.assignments import ASSIGNMENTS

from .conftest import ROOT, run_kit
from .notebooks import A01, reference, with_cell, write


def test_reference_solution_passes_and_hidden_checks_are_not_run(tmp_path):
    result = run_kit("check", write(reference(), tmp_path / "mine.ipynb"))
    assert result.returncode == 0, result.stdout
    assert "10/10 points on the checks run here" in result.stdout
    assert "10 more points of hidden checks run when it is graded" in result.stdout
    assert "PASS" in result.stdout and "FAIL" not in result.stdout


def test_blank_notebook_fails_with_what_to_do():
    result = run_kit("check", ROOT / "release" / A01 / f"{A01}.ipynb")
    assert result.returncode == 1
    assert (
        "`attention_scores_loop` is not written yet: replace `raise NotImplementedError()` with your code."
        in result.stdout
    )


def test_json_is_a_gradescope_results_object_named_by_grade_id(tmp_path):
    result = run_kit("check", "--json", write(reference(), tmp_path / "mine.ipynb"))
    report = json.loads(result.stdout)
    assert {"score", "max_score", "tests"} <= set(report)
    assert report["score"] == 10 and report["max_score"] == 20
    checks = ASSIGNMENTS[A01].checks
    assert [t["name"] for t in report["tests"]] == [c.grade_id for c in checks]
    assert {t["status"] for t in report["tests"] if t["name"].endswith("_hidden")} == {"not_run"}
    assert all({"name", "score", "max_score", "status", "output", "tags"} <= set(t) for t in report["tests"])


def test_wrong_answer_is_explained_with_expected_got_rows_and_the_mistake(tmp_path):
    from .notebooks import mutated

    result = run_kit("check", write(mutated("softmax_dim0"), tmp_path / "mine.ipynb"))
    assert result.returncode == 1
    assert "6x6 attention weights: the values differ." in result.stdout
    assert "expected: [[0.2098, 0.2006" in result.stdout
    assert "rows differ" in result.stdout
    assert "Likely mistake (softmax_dim0)" in result.stdout and "dim=-1" in result.stdout


def test_a_cell_that_raises_is_reported_and_the_rest_still_graded(tmp_path):
    result = run_kit(
        "check", write(with_cell("raise ValueError('my own mistake')", position=0), tmp_path / "mine.ipynb")
    )
    assert result.returncode == 0, result.stdout
    assert "cell 1 (a cell you added): ValueError: my own mistake" in result.stdout


def test_a_notebook_that_loops_forever_is_stopped_by_the_time_limit(tmp_path):
    started = time.monotonic()
    result = run_kit("check", "--timeout", "8", write(with_cell("while True:\n    pass"), tmp_path / "mine.ipynb"))
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stdout
    assert "CellTimeout: stopped after 4 s" in result.stdout


def test_a_file_that_is_not_a_notebook_cannot_be_checked(tmp_path):
    path = tmp_path / "notes.ipynb"
    path.write_text("these are my notes, not a notebook")
    result = run_kit("check", path)
    assert result.returncode == 2
    assert "cannot be checked: the file is not valid JSON" in result.stdout


def test_a_notebook_of_another_course_cannot_be_checked(tmp_path):
    import nbformat

    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    result = run_kit("check", write(other, tmp_path / "other.ipynb"))
    assert result.returncode == 2
    assert "not an attention-kit assignment" in result.stdout
