"""Where the course's files are: the folder holding ``nbgrader_config.py``."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from .checker.cells import is_test_cell, nbgrader_meta  # noqa: F401  (the course's vocabulary)

#: the folder of an nbgrader course where the kit keeps its own results of `nbgrader autograde` (and their history)
RECORDS = "attention-kit"


def course_root(explicit: str | os.PathLike | None = None) -> Path:
    """``explicit``, else the nearest folder up from here with an ``nbgrader_config.py``,
    else the checkout this package lives in."""
    if explicit:
        return Path(explicit).resolve()
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "nbgrader_config.py").exists() and (folder / "assignments").is_dir():
            return folder
    return Path(__file__).resolve().parent.parent


def notebook_path(root: Path, folder: str, assignment_id: str) -> Path:
    return root / folder / assignment_id / f"{assignment_id}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
