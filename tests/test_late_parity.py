"""Both doors apply course.toml alike: real ``nbgrader autograde`` (the course's config, its late-submission plugin)
and ``attention-kit grade`` give every student the same penalised score, on a class whose submissions carry
nbgrader's ``timestamp.txt``: early, on time, within the grace period, late, very late (not accepted), and late but
extended. ``export-grades`` then writes the same scores from nbgrader's gradebook as from the kit's results."""

from __future__ import annotations

import csv
import json

import pytest
from nbgrader.api import Gradebook

from autograder import cli, nbgrader_app

from . import samples
from .conftest import ROOT, run_kit

pytestmark = [pytest.mark.nbgrader, pytest.mark.xdist_group("late_parity")]

FIRST = "01_simplified_attention"
POLICY = f"""timezone = "Europe/Berlin"
[late]
penalty_percent = 10
per = "day"
max_penalty_percent = 50
grace_minutes = 15
not_accepted_after_days = 5
[assignments.{FIRST}]
due = 2026-10-05T23:59:00
[[extensions]]
student = "extended"
assignment = "{FIRST}"
hours = 72
reason = "illness"
"""
#: student -> (when nbgrader's exchange stamped the submission, the share of the raw score the late rule takes)
CLASS = {
    "early": ("2026-10-03 10:00:00.000000 UTC", 0.0),
    "on_time": ("2026-10-05 23:59:00 Europe/Berlin", 0.0),
    "in_grace": ("2026-10-05 22:10:00.5 UTC", 0.0),  # 11 minutes late (21:59 UTC is the due date)
    "late": ("2026-10-07 08:00:00.000000 UTC", 0.2),  # a day and 10 hours: two started days
    "late_mistake": ("2026-10-06 21:00:00.000000 UTC", 0.1),  # 23 h late, with a wrong answer
    "very_late": ("2026-10-12 12:00:00.000000 UTC", 1.0),  # more than 5 days: not accepted
    "extended": ("2026-10-07 12:00:00.000000 UTC", 0.0),
}  # late, within its 72 extra hours


@pytest.fixture(scope="module")
def both_doors(tmp_path_factory):
    course = nbgrader_app.new_course(ROOT, tmp_path_factory.mktemp("late_course"))
    (course / "course.toml").write_text(POLICY, encoding="utf-8")
    nbgrader_app.run(["generate_assignment", FIRST, "--force"], course)
    mistake = next(m for m in samples.all_mutations() if m.assignment == FIRST and m.breaks)
    for student, (stamp, _) in CLASS.items():
        notebook = samples.filled(ROOT, FIRST, mistake if student == "late_mistake" else None)
        folder = course / "submitted" / student / FIRST
        samples.write(notebook, folder / f"{FIRST}.ipynb")
        (folder / "timestamp.txt").write_text(stamp)
    nbgrader_app.run(["autograde", FIRST, "--create"], course)
    nbgrader = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert gradebook.find_assignment(FIRST).duedate is not None  # written from course.toml
        for student in CLASS:
            notebook = gradebook.find_submission_notebook(FIRST, FIRST, student)
            nbgrader[student] = (notebook.score, notebook.late_submission_penalty or 0.0)
    out = course / "graded"
    graded = run_kit("grade", course / "submitted", "--course", course, "--out", out)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    kit = {}
    for student in CLASS:
        result = json.loads((out / "results" / f"{student}__{FIRST}.json").read_text(encoding="utf-8"))
        kit[student] = result
    return course, nbgrader, kit


def test_both_doors_give_every_student_the_same_penalised_score(both_doors):
    _, nbgrader, kit = both_doors
    for student in CLASS:
        raw, penalty = nbgrader[student]
        assert kit[student]["raw_score"] == pytest.approx(raw), student
        assert kit[student]["late_penalty"] == pytest.approx(penalty), student
        assert kit[student]["score"] == pytest.approx(max(0.0, raw - penalty)), student


def test_the_penalties_are_the_course_rule_s(both_doors):
    _, nbgrader, kit = both_doors
    assert 0 < nbgrader["late_mistake"][0] < nbgrader["early"][0]  # the wrong answer costs points: a raw score
    for student, (_, share) in CLASS.items():
        raw, penalty = nbgrader[student]
        assert penalty == pytest.approx(raw * share), student
    assert not kit["very_late"]["lateness"]["accepted"] and kit["very_late"]["score"] == 0
    assert kit["extended"]["lateness"]["extension"]["reason"] == "illness"
    assert "within the grace period" in kit["in_grace"]["lateness"]["why"]


def test_exports_from_either_door_agree(both_doors):
    course, _, _ = both_doors
    tables = []
    for source in (course, course / "graded"):  # nbgrader's gradebook.db, then the kit's results
        target = source / "export.csv"
        assert cli.main(["export-grades", "--from", str(source), "--course", str(course), "--out", str(target)]) == 0
        tables.append({row["student"]: float(row[FIRST]) for row in csv.DictReader(open(target, encoding="utf-8"))})
    assert tables[0] == pytest.approx(tables[1]) and set(tables[0]) == set(CLASS)
