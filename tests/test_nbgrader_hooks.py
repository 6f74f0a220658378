"""The course config's metadata check gives nbgrader's verdicts, on good and corrupted metadata alike."""
from __future__ import annotations

import copy
import logging

import nbformat
import pytest
from nbgrader.preprocessors import CheckCellMetadata

from autograder.nbgrader_hooks import CheckCellMetadataOnce

from .conftest import ROOT

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
