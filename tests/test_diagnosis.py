"""The catalog of mistakes, through the doors a person uses.

Every sample mistake (the reference solution with one line changed) goes through
``attention-kit check --json`` and ``attention-kit grade``: the catalogued mistake
must be named (in ``tags``) on exactly the checks it breaks and on no other; the
correct alternative implementations must pass everything with no diagnosis. The samples are those of each
assignment's class, graded once by each door (tests/graded_classes.py, shared with tests/test_nbgrader_e2e.py).
"""

from __future__ import annotations

import pytest

from autograder import coverage
from autograder.assignments import ASSIGNMENTS
from autograder.mistakes import CATALOG

from . import samples
from .conftest import ROOT, run_kit
from .graded_classes import course_of

MUTATIONS = samples.all_mutations()


def _name(m: samples.Mutation) -> str:
    return f"{m.assignment}__{m.name}"


#: each sample with its assignment's xdist group: the worker that grades the class once reads its results
PER_SAMPLE = [pytest.param(m, id=_name(m), marks=pytest.mark.xdist_group(m.assignment)) for m in MUTATIONS]
PER_ASSIGNMENT = [pytest.param(a, marks=pytest.mark.xdist_group(a)) for a in sorted(ASSIGNMENTS)]


def _tags(report: dict) -> dict[str, list[str]]:
    return {t["name"]: t["tags"] for t in report["tests"] if t["tags"]}


@pytest.mark.parametrize("mutation", PER_SAMPLE)
def test_grade_names_the_mistake_on_exactly_the_checks_it_breaks(courses, tmp_path_factory, mutation):
    report = course_of(mutation.assignment, courses, tmp_path_factory).kit_result(mutation.name)
    failed = {t["name"] for t in report["tests"] if t["status"] != "passed"}
    assert failed == set(mutation.breaks)
    expected = {g: [mutation.mistake] for g in mutation.breaks} if mutation.mistake else {}
    assert _tags(report) == expected


@pytest.mark.parametrize("mutation", PER_SAMPLE)
def test_check_names_the_mistake_on_the_public_checks_it_breaks(courses, tmp_path_factory, mutation):
    report = course_of(mutation.assignment, courses, tmp_path_factory).kit_checked().reports[mutation.name]
    hidden = {c.grade_id for c in ASSIGNMENTS[mutation.assignment].checks if c.hidden}
    public_breaks = set(mutation.breaks) - hidden
    assert {t["name"] for t in report["tests"] if t["status"] == "failed"} == public_breaks
    expected = {g: [mutation.mistake] for g in public_breaks} if mutation.mistake else {}
    assert _tags(report) == expected
    for test in report["tests"]:
        if test["tags"]:
            assert f"Likely mistake ({mutation.mistake})" in test["output"]


def test_every_catalogued_mistake_is_detected_somewhere_and_has_a_sample():
    catalog = {m.id for m in CATALOG}
    detected = {mistake for mistake, checks in coverage.detected(ROOT).items() if checks}
    sampled = {m.mistake for m in MUTATIONS if m.mistake}
    assert detected == catalog, f"never detected: {catalog - detected}"
    assert sampled == catalog, f"no sample submission: {catalog - sampled}"


@pytest.mark.parametrize("assignment_id", PER_ASSIGNMENT)
def test_every_sample_mistake_is_named_only_where_the_catalog_says_it_can_be(courses, tmp_path_factory, assignment_id):
    """What ``attention-kit mistakes`` lists for each mistake covers every check where a sample names it."""
    where = coverage.detected(ROOT)
    graded = course_of(assignment_id, courses, tmp_path_factory)
    for name in (m.name for m in MUTATIONS if m.assignment == assignment_id):
        for test in graded.kit_result(name)["tests"]:
            for tag in test["tags"]:
                assert test["name"] in where[tag], (name, test["name"], tag)


def test_there_are_correct_alternatives_for_every_assignment():
    assert {m.assignment for m in MUTATIONS if not m.breaks} == set(ASSIGNMENTS)


def test_readme_coverage_table_is_what_the_kit_prints():
    table = run_kit("mistakes", "--by-assignment").stdout.strip()
    assert table.count("\n") == len(ASSIGNMENTS) + 1
    readme = (ROOT / "README.md").read_text()
    assert table in readme, (
        "README's coverage table is stale: paste what `attention-kit mistakes --by-assignment` prints"
    )
    assert all(f"`{m.id}`" in readme for m in CATALOG), "a catalogued mistake missing from README's catalogue table"
    assert f"has {len(CATALOG)} mistakes" in " ".join(readme.split())


def test_docs_mistakes_lists_the_catalog_as_the_kit_prints_it():
    table = run_kit("mistakes").stdout.strip()
    assert table.count("\n") == len(CATALOG) + 1
    assert all(f"| `{m.id}` |" in table for m in CATALOG)
    assert table in (ROOT / "docs" / "mistakes.md").read_text(), (
        "docs/mistakes.md's table is stale: paste what `attention-kit mistakes` prints"
    )
