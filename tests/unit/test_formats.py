"""Every door's words for the same results (autograder.formats): the same scores and the same checks in each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import formats
from autograder.checker.notebook_door import CheckFailedInNotebook, announce
from autograder.checker.results import FAILED, NOT_RUN, PASSED, Check, CheckResult
from autograder.framework import Assignment
from autograder.mistakes import BY_ID
from autograder.pipeline import Submission

MISTAKE = next(iter(BY_ID))
RESULTS = [
    CheckResult("scores", "TO-DO 1: scores", 2.0, False, PASSED, "scores: correct."),
    CheckResult(
        "weights",
        "TO-DO 2: weights",
        3.0,
        False,
        FAILED,
        "weights: the values differ.\n  expected: [1.0000]\n  got:      [2.0000]",
        [MISTAKE],
    ),
    CheckResult("weights_fresh", "TO-DO 2: weights", 4.0, True, FAILED, "fresh: expected [0.1234]", [MISTAKE]),
    CheckResult("context_fresh", "TO-DO 3: context", 1.0, True, PASSED, "context: correct."),
]
SCORES = {"scores": 2.0, "weights": 0.0, "weights_fresh": 0.0, "context_fresh": 1.0}


@pytest.fixture
def sub() -> Submission:
    assignment = Assignment("01_demo", "Demo", [Check(r.grade_id, r.points, r.todo, r.hidden, str) for r in RESULTS])
    return Submission(
        Path("alice.ipynb"),
        "alice",
        assignment=assignment,
        results=list(RESULTS),
        notes=["cell 3 (a cell you added): ValueError: x"],
        seconds=1.23456,
    )


def grade_id_in(name: str) -> str:
    return re.fullmatch(r".+ \[(\w+)\]", name)[1]


def test_the_record_gradescope_prairielearn_and_csv_agree_on_every_check(sub):
    record = formats.record(sub)
    assert {t["name"]: t["score"] for t in record["tests"]} == SCORES
    assert {grade_id_in(t["name"]): t["score"] for t in map(formats.gradescope_test, RESULTS)} == SCORES
    assert {grade_id_in(t["name"]): t["points"] for t in map(formats.prairielearn_test, RESULTS)} == SCORES
    row = formats.csv_row(record, list(SCORES))
    assert {k: row[k] for k in SCORES} == SCORES
    assert (record["score"], record["max_score"], row["score"], row["max_score"]) == (3.0, 10.0, 3.0, 10.0)
    assert (record["student"], record["assignment"], row["problem"], record["execution_time"]) == (
        "alice",
        "01_demo",
        "",
        1.235,
    )


def test_gradescope_and_the_record_differ_only_in_the_name_and_the_third_status():
    not_run = CheckResult("x_hidden", "TO-DO 1: x", 1.0, True, NOT_RUN, "Hidden check: not run locally.")
    for result in [*RESULTS, not_run]:
        gradescope, kept = formats.gradescope_test(result), formats.record_test(result)
        assert gradescope["status"] == ("passed" if result.status == PASSED else "failed")
        assert (kept["name"], kept["status"]) == (result.grade_id, result.status)
        assert {**gradescope, "name": kept["name"], "status": kept["status"]} == kept
        assert gradescope["visibility"] == ("after_published" if result.hidden else "visible")
        assert gradescope["max_score"] == result.points and gradescope["tags"] == result.tags


def test_prairielearn_quotes_no_number_of_a_hidden_check():
    hidden = formats.prairielearn_test(RESULTS[2])
    assert "0.1234" not in str(hidden)
    assert hidden["message"] == f"Failed on fresh inputs. Likely mistake: {BY_ID[MISTAKE].title}."
    public = formats.prairielearn_test(RESULTS[1])
    assert public["message"] == "weights: the values differ." and public["output"] == RESULTS[1].message


def test_the_table_counts_what_ran_and_says_what_failed(sub):
    sub.results[2:] = [
        CheckResult(r.grade_id, r.todo, r.points, True, NOT_RUN, "Hidden check: not run locally.") for r in RESULTS[2:]
    ]
    lines = formats.table(sub).splitlines()
    assert lines[0] == (
        "alice.ipynb (01_demo): 2/5 points on the checks run here; 5 more points of hidden checks run when it is graded"
    )
    rows = {line.split("  ")[0]: line for line in lines if line.startswith("TO-DO ")}
    assert re.search(r"\b2\s+PASS\s+scores: correct\.$", rows["TO-DO 1: scores"])
    assert lines[lines.index("What went wrong:") + 1 :][:3] == [
        "- weights:",
        "    weights: the values differ.",
        "      expected: [1.0000]",
    ]
    assert lines[-1] == "- cell 3 (a cell you added): ValueError: x"


def test_an_ungradable_submission_reads_as_one_line_and_scores_nothing():
    sub = Submission(Path("bob.ipynb"), "bob", problem="it is not a notebook")
    assert formats.table(sub) == "bob.ipynb: cannot be checked: it is not a notebook"
    record = formats.record(sub)
    assert (record["score"], record["tests"], record["gradable"]) == (0, [], False)
    assert formats.csv_row(record, ["scores"]) == {
        "student": "bob",
        "assignment": "",
        "score": 0,
        "max_score": 0.0,
        "problem": "it is not a notebook",
        "raw_score": 0,
        "late_penalty": 0.0,
        "lateness": "",
        "scores": 0.0,
    }


def test_nbgrader_cell_output_is_what_the_check_cell_shows(capsys):
    passed, failed = formats.nbgrader_cell_output(RESULTS[0]), formats.nbgrader_cell_output(RESULTS[1])
    announce(RESULTS[0])
    assert (
        passed.output_type == "stream"
        and passed.text == capsys.readouterr().out == "PASSED scores (2 points): scores: correct.\n"
    )
    with pytest.raises(CheckFailedInNotebook) as raised:
        announce(RESULTS[1])
    assert failed.output_type == "error" and failed.evalue == str(raised.value)
    assert (
        failed.traceback
        == raised.value._render_traceback_()
        == ["FAILED weights (3 points)", *RESULTS[1].message.splitlines()]
    )
