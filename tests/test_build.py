"""The generated notebooks: in sync with their sources, and holding what they should."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import zlib

import nbformat
import pytest

from autograder import build, checker_cell, course
from autograder.assignments import ASSIGNMENTS

from .conftest import ROOT, run_kit

IDS = build.source_ids(ROOT)
MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS")


def cells(folder: str, assignment_id: str):
    return course.read(course.notebook_path(ROOT, folder, assignment_id)).cells


def test_every_source_notebook_has_its_checks_and_every_assignment_a_source():
    assert IDS == sorted(ASSIGNMENTS)
    assert build.lint(ROOT) == []


def test_committed_release_and_solutions_match_their_sources():
    result = run_kit("build", "--check", timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"match assignments/ ({len(IDS)} assignments)" in result.stdout


@pytest.mark.parametrize("assignment_id", IDS)
def test_release_holds_no_solution_and_no_hidden_test(assignment_id):
    release = cells("release", assignment_id)
    assert not [c.source for c in release if MARKERS.search(c.source)]
    hidden = [c for c in release if course.nbgrader_meta(c).get("grade_id", "").endswith("_hidden")]
    assert hidden and all("check(" not in c.source for c in hidden)
    answers = [c for c in release if course.nbgrader_meta(c).get("solution")]
    assert answers and all("raise NotImplementedError()" in c.source for c in answers)
    assert all(not c.get("outputs") for c in release if c.cell_type == "code")


@pytest.mark.parametrize("assignment_id", IDS)
def test_solutions_hold_every_solution_and_every_check(assignment_id):
    source, solution = cells("assignments", assignment_id), cells("solutions", assignment_id)
    assert [c.source for c in solution] == [c.source for c in source]


@pytest.mark.parametrize("assignment_id", IDS)
def test_the_reference_ran_in_a_real_kernel_with_every_check_passing_and_nothing_on_stderr(assignment_id):
    """generate_solution executed the solution notebook in a kernel: its outputs are the proof."""
    solution = cells("solutions", assignment_id)
    outputs = [o for c in solution if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    for cell in solution:
        if course.is_test_cell(cell):
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert f"PASSED {course.nbgrader_meta(cell)['grade_id']}" in text


def test_a_notice_about_the_machine_is_not_part_of_a_generated_notebook():
    """matplotlib's notice that it is building its font cache (printed when that takes over 5 s, on a loaded
    machine with a cold cache) would otherwise make a solution notebook differ from its committed copy."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()")])
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=build.FONT_CACHE_NOTICE),
        nbformat.v4.new_output("stream", name="stdout", text="weights\n"),
    ]
    assert [o.text for o in build._stable(notebook).cells[0].outputs] == ["weights\n"]


def test_kernels_that_generate_the_notebooks_plot_whatever_backend_the_suite_uses(monkeypatch):
    """A test process that ran notebooks in-process (with the Agg backend) must not pass Agg on to the kernels
    nbgrader starts: with it, plt.show() shows nothing and every solution notebook with a plot loses it."""
    from autograder import coverage, nbgrader_app

    monkeypatch.delenv("MPLBACKEND", raising=False)
    coverage.namespace_of(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import matplotlib.pyplot as plt")])
    )
    assert "MPLBACKEND" not in os.environ
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert "MPLBACKEND" not in nbgrader_app.env()


def test_stored_numbers_are_compared_tightly_and_a_mistakes_output_to_another_cpus_rounding():
    """build --check passes on a machine whose kernels round an ill-conditioned mistake's output differently,
    and still finds an expected value that moved in its fifth digit."""
    committed = {"expect": {"value": [0.5, 2.0], "variants": [["sum_instead_of_softmax", [-32.62171936]]]}}
    other_cpu = {"expect": {"value": [0.5, 2.0], "variants": [["sum_instead_of_softmax", [-32.62072754]]]}}
    moved = {"expect": {"value": [0.50001, 2.0], "variants": [["sum_instead_of_softmax", [-32.62171936]]]}}
    assert build._same_numbers(other_cpu, committed)
    assert not build._same_numbers(moved, committed)


def test_build_check_names_a_checker_files_cell_out_of_date_however_its_files_were_compressed(tmp_path):
    assignment_id = IDS[0]
    shutil.copytree(ROOT / "assignments" / assignment_id, tmp_path / "assignments" / assignment_id)
    path = course.notebook_path(tmp_path, "assignments", assignment_id)
    assert build.stale_in_sources(tmp_path) == []

    def rewrite(edit) -> list[str]:
        notebook = course.read(path)
        cell = checker_cell.find(notebook)
        files = checker_cell.files_in(cell.source)
        packed = base64.b64encode(zlib.compress(json.dumps(edit(files)).encode(), 1)).decode()
        cell.source = checker_cell.PAYLOAD.sub(lambda _: f'_write_checker_files("""\n{packed}\n""")', cell.source)
        nbformat.write(notebook, str(path))
        return build.stale_in_sources(tmp_path)

    assert rewrite(lambda files: files) == []  # another compressor, the same files
    stale = [
        f"assignments/{assignment_id}/{assignment_id}.ipynb: its checker-files cell differs from what the "
        "kit's checks give (run attention-kit build)"
    ]
    assert rewrite(lambda files: {**files, "attention_check.py": files["attention_check.py"] + "# edited\n"}) == stale
    notebook = course.read(path)
    notebook.cells.remove(checker_cell.find(notebook))
    nbformat.write(notebook, str(path))
    assert build.stale_in_sources(tmp_path) == stale
