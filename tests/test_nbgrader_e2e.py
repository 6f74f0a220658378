"""Real nbgrader on a temporary course, for every assignment.

For each assignment: ``nbgrader generate_assignment`` and ``autograde`` on the
reference solution, the blank student notebook, the wrong submissions the issues
name (below), pasted worked values and two tampered notebooks; then the kit's own
``grade`` and ``check`` on the very same files must give the same points per
check, and ``generate_feedback`` and ``export`` must work and carry the kit's
explanations. (Every other sample goes through the kit's doors in
test_diagnosis.py and test_checks_inprocess.py; nbgrader costs seconds a notebook.)
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import nbgrader_app

from . import samples
from autograder.assignments import ASSIGNMENTS

from .conftest import ROOT, run_kit

pytestmark = pytest.mark.nbgrader

UNDER_NBGRADER = {
    "01_simplified_attention": {"softmax_dim0", "pasted_numbers"},
    "02_qkv_self_attention": {"softmax_dim0", "weighted_sum_wrong_axis", "softmax_no_dim", "pasted_numbers"},
    "03_scaled_dot_product_attention": {"no_scaling", "scale_sqrt_d_in", "keys_queries_swapped", "pasted_numbers"},
    "04_causal_attention": {"mask_diagonal", "module_mask_fill_zero", "mask_after_softmax_no_renorm", "pasted_numbers"},
    "05_multi_head_attention": {"heads_no_transpose", "missing_out_proj", "pasted_numbers"},
    "06_transformer_encoder": {"pe_sin_cos_swapped", "pe_wrong_exponent", "pre_norm_instead_of_post",
                               "missing_residual", "pasted_numbers"},
}


@dataclass
class Autograded:
    course: Path
    assignment_id: str
    class_: dict[str, samples.Sample]
    scores: dict[str, dict[str, float]]  # student -> grade id -> points nbgrader gave

    def submitted(self, student: str) -> Path:
        return self.course / "submitted" / student / self.assignment_id / f"{self.assignment_id}.ipynb"


def _params():
    return [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in sorted(ASSIGNMENTS)]


@pytest.fixture(scope="session")
def courses(tmp_path_factory) -> dict[str, Autograded]:
    """Each assignment's course, autograded once per session (filled on first use)."""
    return {}


@pytest.fixture(params=_params())
def autograded(request, courses, tmp_path_factory) -> Autograded:
    if request.param not in courses:
        courses[request.param] = autograde(request.param, tmp_path_factory)
    return courses[request.param]


def autograde(assignment_id: str, tmp_path_factory) -> Autograded:
    course = nbgrader_app.new_course(ROOT, tmp_path_factory.mktemp(assignment_id))
    nbgrader_app.run(["generate_assignment", assignment_id, "--force"], course)
    class_ = {s.name: s for s in samples.sample_class(ROOT, assignment_id, UNDER_NBGRADER[assignment_id])}
    assert set(UNDER_NBGRADER[assignment_id]) <= set(class_), "a sample named above no longer exists"
    for sample in class_.values():
        samples.write(sample.notebook, course / "submitted" / sample.name / assignment_id / f"{assignment_id}.ipynb")
    nbgrader_app.run(["autograde", assignment_id, "--create"], course)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in class_:
            notebook = gradebook.find_submission_notebook(assignment_id, assignment_id, student)
            scores[student] = {grade.name: grade.score for grade in notebook.grades}
    return Autograded(course, assignment_id, class_, scores)


def failing(points: dict[str, float]) -> set[str]:
    return {grade_id for grade_id, score in points.items() if score == 0}


def test_reference_solution_gets_full_marks(autograded):
    checks = ASSIGNMENTS[autograded.assignment_id].checks
    assert autograded.scores["reference"] == {c.grade_id: c.points for c in checks}


def test_blank_notebook_gets_zero_on_every_check(autograded):
    assert set(autograded.scores["blank"]) == {c.grade_id for c in ASSIGNMENTS[autograded.assignment_id].checks}
    assert sum(autograded.scores["blank"].values()) == 0


def test_each_sample_loses_exactly_the_points_of_its_checks(autograded):
    wrong = {name: failing(autograded.scores[name]) ^ set(sample.fails)
             for name, sample in autograded.class_.items() if failing(autograded.scores[name]) != set(sample.fails)}
    assert not wrong, f"checks that nbgrader graded differently from what the sample declares: {wrong}"


def test_tampered_test_cells_are_restored(autograded):
    if "tests_edited" not in autograded.class_:
        pytest.skip("this assignment has no sample mistake to tamper with")
    for name in ("tests_edited", "tests_deleted"):
        assert failing(autograded.scores[name]) == set(autograded.class_[name].fails), name


def test_kit_grade_agrees_with_nbgrader_on_every_check(autograded, tmp_path):
    result = run_kit("grade", autograded.course / "submitted", "--out", tmp_path, "--course", ROOT)
    assert result.returncode == 0, result.stderr
    for student, nbgrader_points in autograded.scores.items():
        kit = json.loads((tmp_path / "results" / f"{student}__{autograded.assignment_id}.json").read_text())
        assert {t["name"]: t["score"] for t in kit["tests"]} == nbgrader_points, student
    with open(tmp_path / "grades.csv") as handle:
        rows = {row["student"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {student: sum(points.values()) for student, points in autograded.scores.items()}


def test_kit_check_agrees_with_nbgrader_on_public_checks(autograded):
    students = sorted(autograded.class_)
    result = run_kit("check", "--json", *(autograded.submitted(s) for s in students))
    reports = json.loads(result.stdout)
    assert result.returncode == 1  # the blank notebook fails its public checks
    for student, report in zip(students, reports):
        public = {t["name"]: t["score"] for t in report["tests"] if t["status"] != "not_run"}
        hidden = {t["name"] for t in report["tests"] if t["status"] == "not_run"}
        assert hidden == {c.grade_id for c in ASSIGNMENTS[autograded.assignment_id].checks if c.hidden}
        assert public == {g: p for g, p in autograded.scores[student].items() if g not in hidden}, student


def test_feedback_and_export_carry_the_kit_s_explanations(autograded):
    nbgrader_app.run(["generate_feedback", autograded.assignment_id], autograded.course)
    nbgrader_app.run(["export"], autograded.course)
    for student in autograded.class_:
        page = autograded.course / "feedback" / student / autograded.assignment_id / f"{autograded.assignment_id}.html"
        assert page.exists(), student
    diagnosed = next(m for m in samples.all_mutations() if m.assignment == autograded.assignment_id
                     and m.mistake and m.name in autograded.class_)
    page = (autograded.course / "feedback" / diagnosed.name / autograded.assignment_id /
            f"{autograded.assignment_id}.html").read_text()
    assert f"Likely mistake ({diagnosed.mistake})" in page
    with open(autograded.course / "grades.csv") as handle:
        exported = [row for row in csv.DictReader(handle) if row["assignment"] == autograded.assignment_id]
    assert {row["student_id"] for row in exported} == set(autograded.class_)
    assert {row["student_id"]: float(row["raw_score"]) for row in exported} == {
        s: sum(p.values()) for s, p in autograded.scores.items()}
