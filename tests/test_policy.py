"""course.toml: what a valid file means, what an invalid one is told (line and reason), the late rule's arithmetic,
and a changed due date recomputing penalties from the raw score on a rerun of `attention-kit grade` (changes.csv).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil

import pytest

from autograder import lateness, policy
from autograder.assignments import ASSIGNMENTS
from autograder.deadlines import parse_time

from . import samples
from .conftest import ROOT, run_kit

KNOWN = frozenset(ASSIGNMENTS)
FIRST = "01_simplified_attention"
UTC = dt.UTC


def parse(text: str) -> policy.Policy:
    return policy.parse(text, KNOWN)


def test_the_example_file_is_valid_and_means_what_its_comments_say():
    example = policy.parse((ROOT / "course.example.toml").read_text(encoding="utf-8"), KNOWN)
    first = example.assignments[FIRST]
    assert first.due == dt.datetime(2026, 10, 5, 21, 59, tzinfo=UTC)  # 23:59 in Berlin's summer time
    assert first.late == policy.LateRule(10, "day", 50, 15, 7)
    assert example.assignments["02_qkv_self_attention"].late.per == "hour"  # its own rule, the rest inherited
    assert example.assignments["02_qkv_self_attention"].late.grace_minutes == 15
    due, extension = example.due("alice", FIRST)
    assert due - first.due == dt.timedelta(hours=48) and extension.reason == "illness"
    assert example.due("bob", FIRST) == (first.due, None)


HEADER = f'timezone = "Europe/Berlin"\n[assignments.{FIRST}]\n'


@pytest.mark.parametrize(
    "text, line, message",
    [
        (HEADER + "due = 2026-13-05T23:59:00\n", 3, "not valid TOML"),  # no 13th month: the TOML reader says where
        (HEADER + 'due = "next monday"\n', 3, f"assignments.{FIRST}.due: must be a TOML date and time"),
        (HEADER + "due = 2026-10-05\n", 3, "a date needs a time of day"),
        (f"[assignments.{FIRST}]\ndue = 2026-10-05T23:59:00\n", 2, "has no UTC offset"),
        ('timezone = "Mars/Olympus"\n', 1, "unknown time zone 'Mars/Olympus'"),
        ("[assignments.99_no_such_thing]\ndue = 2026-10-05T23:59:00Z\n", 1, "no assignment '99_no_such_thing'"),
        ("[late]\npenalty_percent = -5\n", 2, "late.penalty_percent: must be a number from 0 to 100, not -5"),
        ("[late]\n\ngrace_minutes = -1\n", 3, "late.grace_minutes: must be a number at least 0"),
        ('[late]\nper = "week"\n', 2, 'must be "day" or "hour", not \'week\''),
        ("[late]\npenalty_pct = 10\n", 2, "late.penalty_pct: unknown key"),
        ("deadline = 2026-10-05T23:59:00Z\n", 1, "deadline: unknown key"),
        (HEADER + 'due = 2026-10-05T23:59:00\nlate = { per = "fortnight" }\n', 4, "late.per: must be"),
        (
            HEADER + 'due = 2026-10-05T23:59:00\n[[extensions]]\nstudent = "ada"\nassignment = "' + FIRST + '"\n'
            "hours = -3\n",
            7,
            "extensions[0].hours: must be a number at least 0",
        ),
        (
            HEADER
            + 'due = 2026-10-05T23:59:00\n[[extensions]]\nstudent = "ada"\nassignment = "02_qkv_self_attention"\n'
            "hours = 3\n",
            6,
            "no [assignments.02_qkv_self_attention] in this file to extend",
        ),
        (
            HEADER + 'due = 2026-10-05T23:59:00\n[[extensions]]\nstudent = "ada"\nassignment = "' + FIRST + '"\n',
            4,
            "either a new due date (due) or extra hours (hours)",
        ),
    ],
)
def test_an_invalid_file_is_refused_with_its_line_and_reason(text, line, message):
    with pytest.raises(policy.PolicyError) as refused:
        parse(text)
    assert f"line {line}" in str(refused.value) and message in str(refused.value), str(refused.value)


RULE = policy.LateRule(
    penalty_percent=10, per="day", max_penalty_percent=50, grace_minutes=15, not_accepted_after_days=7
)
MINUTE, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    "seconds_late, percent, accepted",
    [
        (0, 0, True),
        (15 * MINUTE, 0, True),  # within the grace period: nothing
        (16 * MINUTE, 10, True),  # past it, counted from the due date: one started day
        (DAY, 10, True),
        (DAY + 1, 20, True),
        (4 * DAY + 1, 50, True),  # the cap
        (7 * DAY, 50, True),
        (7 * DAY + 1, 100, False),  # not accepted after 7 days
    ],
)
def test_the_late_rule(seconds_late, percent, accepted):
    assert lateness.penalty_percent(RULE, seconds_late) == (percent, accepted)


def test_hours_and_no_cap():
    rule = policy.LateRule(penalty_percent=5, per="hour", max_penalty_percent=100)
    assert lateness.penalty_percent(rule, 3 * HOUR + 1) == (20, True)
    assert lateness.penalty_percent(rule, 40 * HOUR) == (100, True)


def test_extensions_move_the_due_date_for_their_student_only():
    rules = parse(
        f"[late]\npenalty_percent = 10\n[assignments.{FIRST}]\ndue = 2026-10-05T12:00:00Z\n"
        f'[[extensions]]\nstudent = "ada"\nassignment = "{FIRST}"\nhours = 24\n'
        f'[[extensions]]\nstudent = "bo"\nassignment = "{FIRST}"\ndue = 2026-10-09T12:00:00Z\n'
    )
    handed_in = dt.datetime(2026, 10, 6, 11, 0, tzinfo=UTC)  # 23 hours after the due date
    assert lateness.assess(rules, "cy", FIRST, handed_in).percent == 10
    assert lateness.assess(rules, "ada", FIRST, handed_in).percent == 0
    assert lateness.assess(rules, "bo", FIRST, handed_in + dt.timedelta(days=3)).percent == 0
    late = lateness.assess(rules, "ada", FIRST, handed_in + dt.timedelta(hours=2))
    assert late.percent == 10 and "extended" in late.why() and late.penalty(8) == 0.8
    assert lateness.assess(rules, "ada", "02_qkv_self_attention", handed_in) is None  # no due date: no rule


def test_penalties_are_recomputed_from_the_raw_score_never_stacked():
    result = {"score": 8.0}
    rules = parse(f"[late]\npenalty_percent = 25\n[assignments.{FIRST}]\ndue = 2026-10-05T12:00:00Z\n")
    late = lateness.assess(rules, "ada", FIRST, dt.datetime(2026, 10, 6, 0, 0, tzinfo=UTC))
    assert lateness.settle(result, late) and result["score"] == 6 and result["raw_score"] == 8
    assert not lateness.settle(result, late) and result["score"] == 6  # the same policy again: nothing moves
    assert lateness.settle(result, None) and result["score"] == 8 and result["late_penalty"] == 0


def test_submission_times_are_read_as_nbgrader_reads_them():
    from nbgrader.utils import parse_utc

    for text in [
        "2026-10-05 21:59:00.123456 UTC",
        "2026-10-05 23:59:00 Europe/Berlin",
        "2026-10-05T21:59:00",
        "2026-10-05T23:59:00+02:00",
        "2026-10-05 23:59:00 7200",
    ]:
        assert parse_time(text) == parse_utc(text).replace(tzinfo=UTC), text


# -- a rerun of `attention-kit grade` after the due date moved ------------------------------------------------------


def test_a_changed_due_date_moves_penalties_without_regrading(tmp_path):
    """Two students, one late by a day and a half; moving the due date a day later (and granting the other an
    extension) halves the one penalty on a rerun that grades nothing, and changes.csv and the report say why."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "assignments" / FIRST, course / "assignments" / FIRST)
    solution = samples.solution(ROOT, FIRST)
    for student, handed_in in [("ada", "2026-10-07 00:00:00 UTC"), ("bo", "2026-10-05 11:00:00 UTC")]:
        folder = course / "submitted" / student / FIRST
        samples.write(solution, folder / f"{FIRST}.ipynb")
        (folder / "timestamp.txt").write_text(handed_in)
    rule = "[late]\npenalty_percent = 10\n"
    (course / "course.toml").write_text(f"{rule}[assignments.{FIRST}]\ndue = 2026-10-05T12:00:00Z\n")
    out = tmp_path / "graded"
    first = run_kit("grade", course / "submitted", "--course", course, "--out", out)
    assert first.returncode == 0, first.stdout + first.stderr
    before = {row["student"]: row for row in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    raw = float(before["ada"]["raw_score"])
    assert raw > 0 and float(before["ada"]["late_penalty"]) == pytest.approx(raw * 0.2)  # two started days
    assert float(before["ada"]["score"]) == pytest.approx(raw * 0.8) and "1 d 12 h late" in before["ada"]["lateness"]
    assert float(before["bo"]["score"]) == float(before["bo"]["raw_score"]) and "on time" in before["bo"]["lateness"]

    (course / "course.toml").write_text(
        f"{rule}[assignments.{FIRST}]\ndue = 2026-10-06T12:00:00Z\n"
        f'[[extensions]]\nstudent = "bo"\nassignment = "{FIRST}"\nhours = 24\n'
        f'reason = "a funeral"\n'
    )
    second = run_kit("grade", course / "submitted", "--course", course, "--out", out)
    assert second.returncode == 0 and "nothing to grade" in second.stdout, second.stdout + second.stderr
    after = {row["student"]: row for row in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert float(after["ada"]["raw_score"]) == raw and float(after["ada"]["score"]) == pytest.approx(raw * 0.9)
    moved = list(csv.DictReader(open(out / "changes.csv", encoding="utf-8")))
    assert [(r["student"], r["check"]) for r in moved] == [("ada", lateness.PENALTY_CHECK)]
    assert float(moved[0]["old_points"]) == pytest.approx(-raw * 0.2)
    assert float(moved[0]["new_points"]) == pytest.approx(-raw * 0.1)
    assert "2026-10-05T12:00" in moved[0]["old_message"] and "2026-10-06T12:00" in moved[0]["new_message"]
    record = json.loads((out / "results" / f"bo__{FIRST}.json").read_text(encoding="utf-8"))
    assert record["lateness"]["extension"]["reason"] == "a funeral"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Late submissions" in page and "a funeral" in page and "late penalty" in page

    (course / "course.toml").write_text("[late]\npenalty_percent = -10\n")
    refused = run_kit("grade", course / "submitted", "--course", course, "--out", out)
    assert refused.returncode == 2 and "Nothing was graded" in refused.stdout and "line 2" in refused.stdout
