"""The course config's metadata check gives nbgrader's verdicts, on good and corrupted metadata alike; an
instructor's error stops autograde before any student."""

from __future__ import annotations

import copy
import logging

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import CheckCellMetadata

from autograder import nbgrader_app
from autograder.nbgrader_hooks import CheckCellMetadataOnce

from . import samples
from .conftest import ROOT
from .notebooks import A01

SOURCE = ROOT / "assignments" / "01_simplified_attention" / "01_simplified_attention.ipynb"


def _graded_cell(nb: nbformat.NotebookNode) -> dict:
    return next(c.metadata["nbgrader"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))


CORRUPTIONS = {
    "as authored": lambda meta: None,
    "points written as text": lambda meta: meta.update(points="two"),
    "an older schema version": lambda meta: meta.update(schema_version=2),
    "a newer schema version": lambda meta: meta.update(schema_version=4),
    "no grade_id": lambda meta: meta.pop("grade_id"),
    "a key nbgrader does not know": lambda meta: meta.update(colour="red"),
    "graded but without points": lambda meta: meta.pop("points"),
}


def _verdict(preprocessor, nb: nbformat.NotebookNode) -> tuple[str, str]:
    try:
        preprocessor.preprocess(copy.deepcopy(nb), {})
    except Exception as failure:  # noqa: BLE001 - the verdict is whatever nbgrader raises
        return type(failure).__name__, str(failure)
    return "valid", ""


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_compiled_metadata_check_agrees_with_nbgrader_s(corruption):
    nb = nbformat.read(SOURCE, as_version=4)
    CORRUPTIONS[corruption](_graded_cell(nb))
    quiet = logging.getLogger("quiet")
    quiet.disabled = True
    ours = _verdict(CheckCellMetadataOnce(log=quiet), nb)
    assert ours == _verdict(CheckCellMetadata(log=quiet), nb)
    assert (ours[0] == "valid") == (corruption == "as authored")


@pytest.mark.nbgrader
def test_an_assignment_missing_from_the_gradebook_stops_autograde_before_any_student(tmp_path):
    """An instructor's error (no generate_assignment, so no gradebook entry) fails at once with what to do, and no
    student is added or graded; a student's broken notebook never does (see test_nbgrader_e2e.py)."""
    course_dir = nbgrader_app.new_course(ROOT, tmp_path / "course")
    for student in ("ann", "bob"):
        samples.write(samples.solution(ROOT, A01), course_dir / "submitted" / student / A01 / f"{A01}.ipynb")
    with pytest.raises(RuntimeError) as failed:
        nbgrader_app.run(["autograde", A01, "--create"], course_dir)
    assert f"has no assignment {A01}: run `nbgrader generate_assignment {A01}`" in str(failed.value)
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        assert gradebook.students == []
    assert not (course_dir / "autograded").exists()
