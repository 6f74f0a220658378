"""The public checks' data round trip: what an assignment computes (``Assignment.public_data``), written as JSON
(the ``.checks.json`` a student receives) and read back by the checker's ``Checks``, gives the same verdicts on a
solution and on a catalogued mistake as the data before the trip, and as the kit's own run of the same checks."""

from __future__ import annotations

import json

import pytest

from autograder import public
from autograder.assignments import ASSIGNMENTS
from autograder.checker.handle import InKernel
from autograder.checker.public_checks import Checks
from autograder.checker.wire import dumps, loads
from autograder.coverage import namespace_of
from autograder.framework import run_check

from .. import samples
from ..conftest import ROOT

ASSIGNMENT = "01_simplified_attention"
MUTATION = next(m for m in samples.all_mutations() if m.assignment == ASSIGNMENT and m.mistake)


@pytest.fixture(scope="module", params=["solution", "mistake"])
def student(request):
    notebook = samples.solution(ROOT, ASSIGNMENT)
    if request.param == "mistake":
        notebook = samples.mutate(notebook, MUTATION)
    return request.param, InKernel(namespace_of(notebook))


def verdicts(checks: Checks, student) -> list[tuple]:
    return [(r.grade_id, r.status, r.message, r.tags) for r in checks.run(student) if not r.hidden]


def test_the_data_reads_back_as_written():
    assignment = ASSIGNMENTS[ASSIGNMENT]
    data = assignment.public_data()
    assert data is assignment.public_data(), "computed once"
    written = (ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.checks.json").read_text()
    assert written == public.render(assignment)
    assert json.loads(written) == loads(dumps(data))
    assert [c["grade_id"] for c in data["checks"]] == [c.grade_id for c in assignment.checks]


def test_the_round_trip_keeps_every_verdict(student):
    kind, student = student
    assignment = ASSIGNMENTS[ASSIGNMENT]
    before = verdicts(Checks.from_data(assignment.public_data()), student)
    assert before == verdicts(assignment.released(), student)
    assert before == verdicts(Checks.read(ROOT / "release" / ASSIGNMENT / f"{ASSIGNMENT}.checks.json"), student)
    kit = [run_check(check, student) for check in assignment.checks if not check.hidden]
    assert before == [(r.grade_id, r.status, r.message, r.tags) for r in kit]
    failed = {grade_id: tags for grade_id, status, _, tags in before if status != "passed"}
    if kind == "solution":
        assert not failed
    else:  # the verdicts compared are not all passes: the mistake fails its public checks and is named there
        assert failed and set(failed) <= set(MUTATION.breaks)
        assert all(tags == [MUTATION.mistake] for tags in failed.values()), failed
