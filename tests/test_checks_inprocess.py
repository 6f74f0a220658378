"""Every check, on every reference solution and every sample mistake, in-process (fast).

The same functions the nbgrader test cells call: the reference passes everything
with no diagnosis; each sample mistake fails exactly the checks it declares, names
its catalogued mistake on each of them and on no other check; correct alternative
implementations (samples that break nothing) pass with no diagnosis at all.
"""

from __future__ import annotations

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.checker.handle import InKernel
from autograder.coverage import namespace_of
from autograder.framework import PASSED, run_check

from . import samples
from .conftest import ROOT


def grade_in_process(notebook, assignment):
    student = InKernel(namespace_of(notebook))
    return {check.grade_id: run_check(check, student) for check in assignment.checks}


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_reference_solution_passes_every_check(assignment_id):
    results = grade_in_process(samples.solution(ROOT, assignment_id), ASSIGNMENTS[assignment_id])
    failed = {g: r.message for g, r in results.items() if r.status != PASSED}
    assert not failed
    assert all(not r.tags for r in results.values())


@pytest.mark.parametrize("assignment_id", sorted(ASSIGNMENTS))
def test_blank_notebook_fails_every_check_with_a_reason(assignment_id):
    results = grade_in_process(samples.blank(ROOT, assignment_id), ASSIGNMENTS[assignment_id])
    assert all(r.status != PASSED for r in results.values())
    assert all("not written yet" in r.message or "not defined" in r.message for r in results.values())


@pytest.mark.parametrize("mutation", samples.all_mutations(), ids=lambda m: f"{m.assignment}:{m.name}")
def test_sample_mistake_breaks_exactly_its_checks_and_is_named_there(mutation):
    notebook = samples.mutate(samples.solution(ROOT, mutation.assignment), mutation)
    results = grade_in_process(notebook, ASSIGNMENTS[mutation.assignment])
    failed = {g for g, r in results.items() if r.status != PASSED}
    assert failed == set(mutation.breaks), {g: results[g].message for g in failed ^ set(mutation.breaks)}
    tagged = {g for g, r in results.items() if r.tags}
    if mutation.mistake is None:
        assert not tagged, {g: results[g].tags for g in tagged}
    else:
        assert tagged == set(mutation.breaks), {g: results[g].tags for g in tagged ^ set(mutation.breaks)}
        assert all(results[g].tags == [mutation.mistake] for g in mutation.breaks), {g: results[g].tags for g in tagged}
