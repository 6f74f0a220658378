"""What a student receives is enough, and holds no kit: the released folder in a bare environment.

A fresh virtual environment gets only torch, numpy, matplotlib, ipykernel, nbclient and nbformat
(nothing of this repository). In it, for every assignment, a copy of the released folder runs as
Jupyter runs it (a kernel started in the notebook's folder): filled with the reference answers,
every check cell passes; filled with a catalogued mistake, the check cells it breaks fail and name
it. ``python attention_check.py`` in the folder says the same from a terminal. The kit itself
cannot be imported there.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.assignments import ASSIGNMENTS

from . import samples
from .conftest import ROOT

pytestmark = pytest.mark.xdist_group("student_side")  # one student environment per session

STUDENT_PACKAGES = ["torch==2.13.0", "numpy", "matplotlib", "ipykernel", "nbclient", "nbformat"]

#: runs in the student's environment: execute notebooks as Jupyter does, each in its own folder
EXECUTE = """
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
for path in map(Path, sys.argv[1:]):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(notebook, path)
"""


def _first_public_mistake(assignment_id: str) -> samples.Mutation:
    """The first sample mistake whose diagnosis a public check shows."""
    public = {c.grade_id for c in ASSIGNMENTS[assignment_id].checks if not c.hidden}
    return next(m for m in samples.all_mutations()
                if m.assignment == assignment_id and m.mistake and m.breaks & public)


@dataclass
class Folder:
    path: Path
    notebook: Path
    mutation: samples.Mutation | None


@pytest.fixture(scope="session")
def student_python(tmp_path_factory) -> Path:
    """A fresh environment with only what a student installs."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                *STUDENT_PACKAGES], capture_output=True, text=True, timeout=1200)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return python


@pytest.fixture(scope="session")
def folders(student_python, tmp_path_factory) -> dict[tuple[str, str], Folder]:
    """Copies of every released folder, filled with the reference answers or with one catalogued mistake,
    executed in the student's environment."""
    made = {}
    for assignment_id in sorted(ASSIGNMENTS):
        for kind, mutation in (("reference", None), ("mistake", _first_public_mistake(assignment_id))):
            path = tmp_path_factory.mktemp(f"{assignment_id}-{kind}")
            shutil.copytree(ROOT / "release" / assignment_id, path, dirs_exist_ok=True)
            notebook = samples.write(samples.filled(ROOT, assignment_id, mutation), path / f"{assignment_id}.ipynb")
            made[assignment_id, kind] = Folder(path, notebook, mutation)
    notebooks = [str(f.notebook) for f in made.values()]
    runs = [subprocess.Popen([str(student_python), "-c", EXECUTE, *notebooks[half::2]], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for half in (0, 1)]  # two kernels at a time: two cores
    for run in runs:
        assert run.wait(timeout=1800) == 0, run.stderr.read().decode()[-3000:]
    return made


def _check_cells(path: Path) -> dict[str, str]:
    """grade id -> what the executed check cell shows (its printed line, or its error)."""
    shown = {}
    for cell in nbformat.read(str(path), as_version=4).cells:
        if course.is_test_cell(cell) and "check(" in cell.source:  # a hidden one is only its placeholder here
            shown[course.nbgrader_meta(cell)["grade_id"]] = "\n".join(
                o.get("text", "") or "\n".join([o.get("ename", ""), o.get("evalue", "")]) for o in cell.outputs)
    return shown


IDS = sorted(ASSIGNMENTS)


def test_the_kit_cannot_be_imported_where_students_work(student_python, folders):
    folder = folders[IDS[0], "reference"].path
    result = subprocess.run([str(student_python), "-c", "import autograder"], cwd=folder, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "No module named 'autograder'" in result.stderr


@pytest.mark.parametrize("assignment_id", IDS)
def test_with_the_reference_answers_every_check_cell_passes(folders, assignment_id):
    shown = _check_cells(folders[assignment_id, "reference"].notebook)
    public = [c.grade_id for c in ASSIGNMENTS[assignment_id].checks if not c.hidden]
    assert sorted(shown) == sorted(public)  # the hidden ones are not in what students receive
    assert {g: text for g, text in shown.items() if not text.startswith(f"PASSED {g} ")} == {}


@pytest.mark.parametrize("assignment_id", IDS)
def test_a_catalogued_mistake_fails_its_check_cells_and_is_named(folders, assignment_id):
    folder = folders[assignment_id, "mistake"]
    shown = _check_cells(folder.notebook)
    failed = {g for g, text in shown.items() if not text.startswith(f"PASSED {g} ")}
    assert failed == set(folder.mutation.breaks) & set(shown)
    for grade_id in failed:
        assert f"Likely mistake ({folder.mutation.mistake})" in shown[grade_id], shown[grade_id]
        assert "expected" in shown[grade_id] and "Fix:" in shown[grade_id]


@pytest.mark.parametrize("assignment_id", IDS)
def test_one_command_in_the_folder_checks_the_whole_notebook(student_python, folders, assignment_id):
    for kind, code in (("reference", 0), ("mistake", 1)):
        folder = folders[assignment_id, kind]
        result = subprocess.run([str(student_python), "attention_check.py"], cwd=folder.path, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == code, result.stdout + result.stderr
        assert f"{assignment_id}.ipynb ({assignment_id}):" in result.stdout
        if folder.mutation:
            assert f"Likely mistake ({folder.mutation.mistake})" in result.stdout
