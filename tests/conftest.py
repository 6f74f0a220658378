"""Shared fixtures: the course root, notebooks executed in-process, the kit's CLI."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder import course

ROOT = Path(__file__).resolve().parent.parent
KIT = [sys.executable, "-m", "autograder.cli"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def execute_in_process(notebook: nbformat.NotebookNode) -> dict:
    """The notebook's code cells (test cells left out) run with exec in a fresh namespace.

    Fast and deterministic: what the checks see is the same as in a kernel, because
    they only call the functions the cells define."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__notebook__"}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not course.is_test_cell(cell):
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                with warnings.catch_warnings():  # the sample code's own warnings are its business
                    warnings.simplefilter("ignore")
                    exec(compile(source, "<cell>", "exec"), namespace)
            except Exception:  # a broken cell is part of what is being graded
                pass
    import matplotlib.pyplot

    matplotlib.pyplot.close("all")
    return namespace


def run_kit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([*KIT, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
