"""A check fixed after release regrades only what it changes, and says what moved.

A class of two assignments is graded with the kit, then again with a copy of the kit in which one hidden check
of assignment 01 is fixed: its fresh scores no longer lie around 100, where a naive softmax overflows (what an
instructor's fix of a check's inputs or tolerance does; the copy is a real kit, imported first through
PYTHONPATH or by running from its folder). Only assignment 01 is regraded;
changes.csv lists exactly the students whose points moved; history/ holds the earlier results; report.html
opens with what changed. The same through nbgrader: ``attention-kit regrade-changes``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import nbgrader_app

from . import samples
from .conftest import ROOT, run_kit
from .notebooks import A01

pytestmark = pytest.mark.xdist_group("regrade")  # the class is graded twice by one worker, not by both

A02 = "02_qkv_self_attention"
CHANGED = "softmax_torch_hidden"


OVERFLOWS = "naive_softmax_overflow"  # the sample mistake that fails the check before the fix, and passes after


@pytest.fixture(scope="module")
def changed_kit(tmp_path_factory) -> Path:
    """A copy of the kit whose check ``softmax_torch_hidden`` draws its fresh scores around 0 instead of 100."""
    folder = tmp_path_factory.mktemp("kit")
    shutil.copytree(ROOT / "autograder", folder / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    module = folder / "autograder" / "assignments" / "simplified_attention.py"
    before = "scores = randn(105, 7, scale=5.0, shift=100.0)"
    assert module.read_text().count(before) == 1
    module.write_text(module.read_text().replace(before, "scores = randn(105, 7, scale=5.0, shift=0.0)"))
    return folder


def grade_with(kit: Path, submissions: Path, out: Path) -> str:
    """``attention-kit grade`` run from the kit copy's folder, so that the copy is the kit imported."""
    env = {
        **os.environ,
        "PYTHONPATH": str(kit),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(submissions), "--out", str(out), "--course", str(ROOT)],
        cwd=kit,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def results(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))}


@pytest.fixture(scope="module")
def graded_twice(changed_kit, tmp_path_factory):
    """The class graded by the kit, then by the copy with the changed check: (first results, out, output)."""
    submissions, out = tmp_path_factory.mktemp("class"), tmp_path_factory.mktemp("graded")
    reference = samples.solution(ROOT, A01)
    class_ = {
        f"{A01}_reference": reference,
        f"{A01}_blank": samples.blank(ROOT, A01),
        f"{A02}_reference": samples.solution(ROOT, A02),
        f"{A02}_blank": samples.blank(ROOT, A02),
    }
    class_.update(
        {f"{A01}_{m.name}": samples.mutate(reference, m) for m in samples.all_mutations() if m.assignment == A01}
    )
    for name, notebook in class_.items():
        samples.write(notebook, submissions / f"{name}.ipynb")
    first = run_kit("grade", submissions, "--out", out, "--course", ROOT)
    assert first.returncode == 0, first.stdout + first.stderr
    before = results(out)
    return before, out, grade_with(changed_kit, submissions, out), submissions


def test_only_the_assignment_whose_check_changed_is_regraded(graded_twice):
    before, out, output, _ = graded_twice
    after = results(out)
    regraded = {name for name in after if after[name] != before[name]}
    assert regraded == {name for name in before if before[name]["assignment"] == A01}
    assert f"Graded {len(regraded)}, read back {len(after) - len(regraded)} current results" in output


def points(results: dict[str, dict]) -> dict[tuple[str, str, str], float]:
    return {(r["student"], r["assignment"], t["name"]): t["score"] for r in results.values() for t in r["tests"]}


def test_changes_csv_lists_exactly_the_students_whose_points_moved(graded_twice):
    before, out, _, _ = graded_twice
    old, new = points(before), points(results(out))
    moved = {(*key, old[key], new[key]) for key in old if old[key] != new[key]}
    assert moved == {(f"{A01}_{OVERFLOWS}", A01, CHANGED, 0.0, 1.0)}  # the fix helps exactly that mistake
    with open(out / "changes.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {
        (r["student"], r["assignment"], r["check"], float(r["old_points"]), float(r["new_points"])) for r in rows
    } == moved
    report = (out / "report.html").read_text()
    changes = report.split("<section id='changes'>", 1)[1].split("</section>", 1)[0]
    assert "What changed since the last grading" in changes
    assert f"feedback/{A01}_{OVERFLOWS}__{A01}.html" in changes


def test_history_keeps_the_earlier_results(graded_twice):
    before, out, _, _ = graded_twice
    kept = {p.name: json.loads(p.read_text()) for p in (out / "history").glob("*/*.json")}
    assert kept == {name: result for name, result in before.items() if result["assignment"] == A01}


def test_a_rerun_with_the_same_checks_grades_nothing_and_keeps_what_changed(graded_twice, changed_kit):
    _, out, _, submissions = graded_twice
    changes = (out / "changes.csv").read_text()
    assert "nothing to grade" in grade_with(changed_kit, submissions, out)
    assert (out / "changes.csv").read_text() == changes


@pytest.mark.nbgrader
def test_regrade_changes_reruns_nbgrader_on_exactly_the_submissions_graded_with_the_old_check(changed_kit, tmp_path):
    """An nbgrader course: three students autograded with the kit, a fourth later with the changed kit; then
    ``attention-kit regrade-changes`` (changed kit) reruns nbgrader on exactly the first three and writes
    changes.csv; the gradebook holds the new points."""
    course_dir = nbgrader_app.new_course(ROOT, tmp_path / "course")
    nbgrader_app.run(["generate_assignment", A01, "--force"], course_dir)
    reference = samples.solution(ROOT, A01)
    mistake = next(m for m in samples.all_mutations() if m.assignment == A01 and m.name == OVERFLOWS)
    class_ = {
        "ann": reference,
        "bob": samples.blank(ROOT, A01),
        "cy": samples.mutate(reference, mistake),
        "dee": reference,
    }
    for student, notebook in class_.items():
        if student != "dee":
            samples.write(notebook, course_dir / "submitted" / student / A01 / f"{A01}.ipynb")
    nbgrader_app.run(["autograde", A01, "--create"], course_dir)
    samples.write(class_["dee"], course_dir / "submitted" / "dee" / A01 / f"{A01}.ipynb")  # handed in late
    changed = {**os.environ, "PYTHONPATH": str(changed_kit)}
    run_with(changed, ["nbgrader", "autograde", A01, "--create"], course_dir)
    dee = (course_dir / "autograded" / "dee" / A01 / f"{A01}.ipynb").stat().st_mtime_ns

    output = run_with(changed, [sys.executable, "-m", "autograder.cli", "regrade-changes", A01], course_dir)
    assert f"Regraded 3 submissions of {A01} with nbgrader autograde: ann, bob, cy." in output
    assert (course_dir / "autograded" / "dee" / A01 / f"{A01}.ipynb").stat().st_mtime_ns == dee
    with open(course_dir / "attention-kit" / "changes.csv", newline="") as handle:
        rows = {
            (r["student"], r["check"], float(r["old_points"]), float(r["new_points"])) for r in csv.DictReader(handle)
        }
    assert rows == {("cy", CHANGED, 0.0, 1.0)}  # the fix helps cy's mistake; ann passes and bob fails either way
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_grade(CHANGED, A01, A01, s).score for s in class_}
    assert scores == {"ann": 1.0, "bob": 0.0, "cy": 1.0, "dee": 1.0}
    assert "nothing to regrade" in run_with(
        changed, [sys.executable, "-m", "autograder.cli", "regrade-changes", A01], course_dir
    )


def run_with(env: dict, command: list[str], cwd: Path) -> str:
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr
