"""Real nbgrader, with this course's configuration, on a temporary copy of the course, for every assignment.

``nbgrader generate_assignment`` and ``nbgrader autograde`` (unchanged command lines) grade a class of
sample submissions: the reference solution, the blank notebook, every sample mistake and correct
alternative, tampered test cells, and students who try to cheat (a ``run_cell`` wrapper, patched
comparisons, a redefined ``check``, a fake checker module, doctored self-check files handed in
beside the notebook); for the first assignment also one notebook for each way a student breaks its nbgrader
metadata, and a file that is not JSON (none of which may stop the class: ``tests/samples/broken_metadata.py``).
With the course's config, autograde runs each notebook in the kit's sandbox:
the reference gets full marks, the blank notebook 0, each sample exactly the points it declares,
and each cheat exactly what its honest notebook gets. ``attention-kit grade`` and ``check`` give
the same points per check on the very same files; the graded notebooks keep the student's own
outputs; manual grading, ``generate_feedback`` and ``export`` work and carry the kit's diagnoses;
nbgrader's ``validate`` (the Validate button) runs the released check cells.
"""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from nbgrader.api import Gradebook

from autograder import course, nbgrader_app
from autograder.assignments import ASSIGNMENTS

from . import samples
from .conftest import ROOT
from .graded_classes import BROKEN_ON, Autograded, course_of
from .samples import broken_metadata

pytestmark = pytest.mark.nbgrader


def _params():
    return [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in sorted(ASSIGNMENTS)]


@pytest.fixture(params=_params())
def autograded(request, courses, tmp_path_factory) -> Autograded:
    return course_of(request.param, courses, tmp_path_factory)


def failing(points: dict[str, float]) -> set[str]:
    return {grade_id for grade_id, score in points.items() if not score}


def test_reference_solution_gets_full_marks(autograded):
    checks = ASSIGNMENTS[autograded.assignment_id].checks
    assert autograded.scores["reference"] == {c.grade_id: c.points for c in checks}


def test_blank_notebook_gets_zero_on_every_check(autograded):
    assert set(autograded.scores["blank"]) == {c.grade_id for c in ASSIGNMENTS[autograded.assignment_id].checks}
    assert sum(autograded.scores["blank"].values()) == 0


def test_each_sample_loses_exactly_the_points_of_its_checks(autograded):
    wrong = {
        name: failing(autograded.scores[name]) ^ set(sample.fails)
        for name, sample in autograded.class_.items()
        if failing(autograded.scores[name]) != set(sample.fails)
    }
    assert not wrong, f"checks that nbgrader graded differently from what the sample declares: {wrong}"


def test_cheats_score_what_their_honest_notebook_scores(autograded):
    cheats = [name for name in autograded.class_ if name.startswith("cheat_")]
    assert len(cheats) == 6
    for name in cheats:
        assert failing(autograded.scores[name]) == set(autograded.class_[name].fails), name


def test_tampered_test_cells_are_restored_and_fail(autograded):
    for name in ("tests_edited", "tests_deleted"):
        assert failing(autograded.scores[name]) == set(autograded.class_[name].fails), name
    graded_ids = {course.nbgrader_meta(c).get("grade_id") for c in autograded.autograded("tests_deleted").cells}
    assert set(autograded.class_["tests_deleted"].fails) <= graded_ids  # the deleted cells came back


def test_the_graded_notebook_keeps_what_the_student_s_cells_showed(autograded):
    reference, blank = autograded.autograded("reference"), autograded.autograded("blank")
    given = [c for c in reference.cells if c.cell_type == "code" and not course.is_test_cell(c)]
    assert any(o.output_type == "stream" for c in given for o in c.outputs)  # printed text
    if "plt.show()" in "".join(c.source for c in given):
        assert any("image/png" in o.get("data", {}) for c in given for o in c.outputs)  # plots
    errors = [
        o for c in blank.cells if not course.is_test_cell(c) for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert any(o.ename == "NotImplementedError" for o in errors)  # the blank notebook's own errors
    for cell in reference.cells:
        if course.is_test_cell(cell):
            assert cell.outputs[0].text.startswith(f"PASSED {course.nbgrader_meta(cell)['grade_id']} ")


def test_kit_grade_agrees_with_nbgrader_on_every_check(autograded):
    for student, nbgrader_points in autograded.scores.items():
        kit = autograded.kit_result(student)
        assert {t["name"]: t["score"] for t in kit["tests"]} == nbgrader_points, student
    with open(autograded.kit_graded() / "grades.csv") as handle:
        rows = {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {student: sum(points.values()) for student, points in autograded.scores.items()}


def test_kit_check_agrees_with_nbgrader_on_public_checks(autograded):
    checked = autograded.kit_checked()
    assert checked.returncode in (1, 2)  # the blank notebook fails its public checks (2: a file is not a notebook)
    for student, report in checked.reports.items():
        if not report["gradable"]:  # not a notebook: check cannot tell its assignment, nbgrader's layout can
            assert not any(autograded.scores[student].values()), student
            continue
        public = {t["name"]: t["score"] for t in report["tests"] if t["status"] != "not_run"}
        hidden = {t["name"] for t in report["tests"] if t["status"] == "not_run"}
        assert hidden == {c.grade_id for c in ASSIGNMENTS[autograded.assignment_id].checks if c.hidden}
        assert public == {g: p for g, p in autograded.scores[student].items() if g not in hidden}, student


@pytest.mark.xdist_group(BROKEN_ON)
def test_broken_metadata_stops_no_one_and_each_repair_is_logged(courses, tmp_path_factory):
    """Every broken notebook has its gradebook row with what its answers earn (nbgrader exited 0: see autograde),
    each repair is named in nbgrader's log under the student and in the kit's result, and no submitted file was
    changed."""
    autograded = course_of(BROKEN_ON, courses, tmp_path_factory)
    broken = {n: b for n, b in autograded.class_.items() if isinstance(b, broken_metadata.Broken)}
    assert len(broken) == len(broken_metadata.DAMAGE) + 2
    for name, notebook in broken.items():
        assert failing(autograded.scores[name]) == set(notebook.fails), name
        assert autograded.submitted(name).read_text(encoding="utf-8") == notebook.text, name
    log = autograded.log
    assert f"Repaired meta_duplicated_tests's {BROKEN_ON}: test cells " in log
    assert "were duplicated: the copies were ignored" in log
    assert f"Repaired meta_grade_flag_off's {BROKEN_ON}: test cells " in log and "grade flag changed" in log
    assert f"meta_unreadable's {BROKEN_ON} cannot be graded (it scores 0): the file is not valid JSON" in log
    kept = autograded.course / "attention-kit" / "results" / f"meta_duplicated_tests__{BROKEN_ON}.json"
    assert any(
        note.startswith("Repaired: test cells ") and "duplicated" in note  # the kit's record of it
        for note in json.loads(kept.read_text())["notes"]
    )
    unreadable = autograded.autograded("meta_unreadable")
    assert all(
        "not graded: the file is not valid JSON" in "".join(o.get("evalue", "") for o in c.outputs)
        for c in unreadable.cells
        if course.is_test_cell(c)
    )


def test_manual_grading_feedback_and_export_work(autograded):
    assignment_id, student = autograded.assignment_id, "blank"
    first = ASSIGNMENTS[assignment_id].checks[0].grade_id
    with Gradebook(f"sqlite:///{autograded.course / 'gradebook.db'}") as gradebook:  # an instructor's override
        grade = gradebook.find_grade(first, assignment_id, assignment_id, student)
        grade.manual_score = 0.5
        gradebook.db.commit()
    diagnosed = next(
        m
        for m in samples.all_mutations()
        if m.assignment == assignment_id and m.mistake and m.name in autograded.class_
    )
    for name in ("reference", student, diagnosed.name):
        nbgrader_app.run(["generate_feedback", assignment_id, "--student", name], autograded.course)
        assert (autograded.course / "feedback" / name / assignment_id / f"{assignment_id}.html").exists(), name
    nbgrader_app.run(["export"], autograded.course)
    page = (autograded.course / "feedback" / diagnosed.name / assignment_id / f"{assignment_id}.html").read_text()
    assert f"Likely mistake ({diagnosed.mistake})" in page
    with open(autograded.course / "grades.csv") as handle:
        exported = {
            row["student_id"]: float(row["raw_score"])
            for row in csv.DictReader(handle)
            if row["assignment"] == assignment_id
        }
    expected = {s: sum(p.values()) for s, p in autograded.scores.items()}
    expected[student] += 0.5
    assert exported == expected


@pytest.mark.xdist_group(min(ASSIGNMENTS))
def test_nbgrader_validate_runs_the_released_check_cells(courses, tmp_path_factory, tmp_path):
    """What the Validate button runs: the released notebook, in its folder, with its own check cells (on the first
    assignment; every released check cell runs without the kit in test_student_side.py)."""
    assignment_id = min(ASSIGNMENTS)
    autograded = course_of(assignment_id, courses, tmp_path_factory)
    folder = shutil.copytree(autograded.course / "release" / assignment_id, tmp_path / assignment_id)
    notebook = folder / f"{assignment_id}.ipynb"
    samples.write(samples.filled(ROOT, assignment_id), notebook)
    passed = nbgrader_app.run(["validate", str(notebook)], autograded.course)
    assert "Success! Your notebook passes all the tests." in passed.stdout + passed.stderr
    broken = next(
        m
        for m in samples.all_mutations()
        if m.assignment == assignment_id
        and m.mistake
        and m.breaks & {c.grade_id for c in ASSIGNMENTS[assignment_id].checks if not c.hidden}
    )
    samples.write(samples.filled(ROOT, assignment_id, broken), notebook)
    failed = nbgrader_app.run(["validate", str(notebook)], autograded.course)
    assert "VALIDATION FAILED" in failed.stdout + failed.stderr
    assert f"Likely mistake ({broken.mistake})" in failed.stdout + failed.stderr
