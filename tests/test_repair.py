"""The reading step every door shares repairs broken nbgrader metadata, so that nbgrader's own checks pass.

In process and fast: each broken notebook of ``samples.broken_metadata`` read through the contract's reading
steps passes nbgrader's DeduplicateIds and metadata check, which stop stock ``nbgrader autograde`` on several of
them; each repair is named. (The same notebooks run through every door in test_nbgrader_e2e.py, test_pytest_door.py
and test_platforms.py.)
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds

from autograder import course, pipeline
from autograder.sandbox import Limits

from . import samples
from .conftest import ROOT
from .notebooks import A01
from .samples import broken_metadata

BROKEN = {b.name: b for b in broken_metadata.broken_class(ROOT, A01)}
QUIET = logging.getLogger("quiet")
QUIET.disabled = True


def read(path: Path) -> pipeline.Submission:
    return pipeline.run(pipeline.Submission(path, path.stem), pipeline.Contract(Limits(), root=ROOT).reading())


def nbgrader_checks(nb: nbformat.NotebookNode) -> None:
    """What stock nbgrader's sanitising does with a notebook's metadata before grading it."""
    nb = copy.deepcopy(nb)
    nb, _ = DeduplicateIds(log=QUIET).preprocess(nb, {})
    CheckCellMetadata(log=QUIET).preprocess(nb, {})


@pytest.mark.parametrize("name", [n for n in BROKEN if n != "meta_unreadable"])
def test_a_repaired_notebook_passes_nbgrader_s_checks_and_keeps_its_answers(name, tmp_path):
    sub = read(BROKEN[name].write(tmp_path / f"{name}.ipynb"))
    assert sub.gradable, sub.problem
    nbgrader_checks(sub.notebook)
    answers = [
        c.source
        for c in samples.mutate(
            samples.solution(ROOT, A01),
            next(m for m in samples.all_mutations() if m.assignment == A01 and m.breaks and m.mistake),
        ).cells
        if course.nbgrader_meta(c).get("solution")
    ]
    ran = "\n".join(source for _, source in sub.cells)
    assert all(answer in ran for answer in answers), "every answer the student wrote still runs"
    assert bool(sub.repairs) == (name != "meta_reordered"), sub.repairs


@pytest.mark.parametrize("name", ["meta_duplicated_tests", "meta_schema_missing", "meta_schema_old"])
def test_stock_nbgrader_stops_on_the_unrepaired_notebook(name):
    """The failure the reading step removes: nbgrader's "old version of the nbgrader metadata format"."""
    with pytest.raises(SchemaTooOldError):
        nbgrader_checks(nbformat.reads(BROKEN[name].text, as_version=4))


def test_each_repair_is_named_as_a_report_says_it(tmp_path):
    nb = samples.mutate(samples.solution(ROOT, A01), samples.all_mutations()[0])
    test = next(c for c in nb.cells if course.nbgrader_meta(c).get("grade_id") == "all_weights")
    nb.cells.insert(nb.cells.index(test) + 1, nbformat.from_dict({**copy.deepcopy(test), "id": "copy", "source": ""}))
    sub = read(broken_metadata.Broken("one_copy", nbformat.writes(nb), frozenset()).write(tmp_path / "one.ipynb"))
    assert sub.repairs == ["test cell all_weights was duplicated: the copy was ignored"]
    assert "Repaired: test cell all_weights was duplicated: the copy was ignored." in sub.notes


def test_the_submitted_file_is_never_written(tmp_path):
    paths = {name: broken.write(tmp_path / f"{name}.ipynb") for name, broken in BROKEN.items()}
    for path in paths.values():
        read(path)
    assert {name: path.read_text(encoding="utf-8") for name, path in paths.items()} == {
        name: broken.text for name, broken in BROKEN.items()
    }
