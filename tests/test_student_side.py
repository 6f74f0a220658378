"""What a student receives is enough, and holds no kit: the released folder in a bare environment.

A fresh virtual environment sees only torch, numpy, matplotlib, ipykernel, nbclient and nbformat and what they
require (nothing of this repository; tests/bare_environment.py links their installed files instead of reinstalling
them). In it, for every assignment, a copy of the released folder runs as
Jupyter runs it (a kernel started in the notebook's folder): filled with the reference answers,
every check cell passes; filled with a catalogued mistake, the check cells it breaks fail and name
it. ``python attention_check.py`` in the folder says the same from a terminal. The kit itself
cannot be imported there. The notebook alone in an empty folder (as in Colab), under its own name or
renamed, writes its checker files and its check cells show the same (on the first assignment: the cell's code is
the same in every notebook, and tests/test_leaks.py proves that each released notebook packs exactly its folder's
files); so does the notebook with the files a PrairieLearn question offers for download.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import build, checker_cell, course
from autograder.assignments import ASSIGNMENTS

from . import bare_environment, samples
from .conftest import ROOT, run_kit
from .platform_harness import download_client_files

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
    return next(m for m in samples.all_mutations() if m.assignment == assignment_id and m.mistake and m.breaks & public)


@dataclass
class Folder:
    path: Path
    notebook: Path
    mutation: samples.Mutation | None


@pytest.fixture(scope="session")
def student_python(tmp_path_factory) -> Path:
    """A fresh environment that sees only what a student installs (the files already installed here, linked)."""
    return bare_environment.create(tmp_path_factory.mktemp("student"), STUDENT_PACKAGES)


#: how each copy is made: (kind, filled with a mistake, beside the released files, the notebook's file name)
COPIES = [
    ("reference", False, True, "{}.ipynb"),
    ("mistake", True, True, "{}.ipynb"),
    ("reference alone", False, False, "{}.ipynb"),
    ("mistake alone renamed", True, False, "Copy of {}.ipynb"),
]
PRAIRIELEARN = sorted(ASSIGNMENTS)[0]  # one question: the download is the same for every assignment
ALONE = sorted(ASSIGNMENTS)[0]  # the notebooks alone: one assignment (see the module's docstring)


@pytest.fixture(scope="session")
def prairielearn_download(tmp_path_factory) -> Path:
    """The files a student downloads from the exported PrairieLearn question's page."""
    question = tmp_path_factory.mktemp("question")
    exported = run_kit("export", "prairielearn", PRAIRIELEARN, "--out", question)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    folder = tmp_path_factory.mktemp("prairielearn-download")
    assert sorted(download_client_files(question, folder)) == sorted(
        [f"{PRAIRIELEARN}.ipynb", *build.student_files(PRAIRIELEARN)]
    )
    return folder


@pytest.fixture(scope="session")
def folders(student_python, prairielearn_download, tmp_path_factory) -> dict[tuple[str, str], Folder]:
    """Copies of every released notebook, filled with the reference answers or with one catalogued mistake,
    in a copy of its released folder or alone in an empty one (see COPIES), and the PrairieLearn download
    filled with the reference answers, executed in the student's environment."""
    made = {}
    for assignment_id in sorted(ASSIGNMENTS):
        for kind, with_mistake, beside_its_files, name in COPIES:
            if not beside_its_files and assignment_id != ALONE:
                continue
            mutation = _first_public_mistake(assignment_id) if with_mistake else None
            path = tmp_path_factory.mktemp(f"{assignment_id}-{kind.replace(' ', '-')}")
            if beside_its_files:
                shutil.copytree(ROOT / "release" / assignment_id, path, dirs_exist_ok=True)
            notebook = samples.write(samples.filled(ROOT, assignment_id, mutation), path / name.format(assignment_id))
            made[assignment_id, kind] = Folder(path, notebook, mutation)
    notebook = samples.write(samples.filled(ROOT, PRAIRIELEARN), prairielearn_download / f"{PRAIRIELEARN}.ipynb")
    made[PRAIRIELEARN, "prairielearn"] = Folder(prairielearn_download, notebook, None)
    notebooks = [str(f.notebook) for f in made.values()]
    runs = [
        subprocess.Popen(
            [str(student_python), "-c", EXECUTE, *notebooks[half::2]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for half in (0, 1)
    ]  # two kernels at a time: two cores
    for run in runs:
        assert run.wait(timeout=1800) == 0, run.stderr.read().decode()[-3000:]
    return made


def _check_cells(path: Path) -> dict[str, str]:
    """grade id -> what the executed check cell shows (its printed line, or its error)."""
    shown = {}
    for cell in nbformat.read(str(path), as_version=4).cells:
        if course.is_test_cell(cell) and "check(" in cell.source:  # a hidden one is only its placeholder here
            shown[course.nbgrader_meta(cell)["grade_id"]] = "".join(  # a kernel may split one print in pieces
                o.get("text", "") or "\n".join([o.get("ename", ""), o.get("evalue", "")]) for o in cell.outputs
            )
    return shown


def _checker_files_output(path: Path) -> str:
    """What the notebook's checker-files cell printed."""
    cell = checker_cell.find(nbformat.read(str(path), as_version=4))
    return "".join(o.get("text", "") for o in cell.outputs)


def _files_of(folder: Path) -> dict[str, bytes]:
    """The folder's files but its notebooks (an import leaves a __pycache__ folder)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix != ".ipynb"}


IDS = sorted(ASSIGNMENTS)


def test_the_kit_cannot_be_imported_where_students_work(student_python, folders):
    folder = folders[IDS[0], "reference"].path
    result = subprocess.run(
        [str(student_python), "-c", "import autograder"], cwd=folder, capture_output=True, text=True
    )
    assert result.returncode != 0 and "No module named 'autograder'" in result.stderr


@pytest.mark.parametrize("assignment_id", IDS)
def test_with_the_reference_answers_every_check_cell_passes(folders, assignment_id):
    folder = folders[assignment_id, "reference"]
    shown = _check_cells(folder.notebook)
    public = [c.grade_id for c in ASSIGNMENTS[assignment_id].checks if not c.hidden]
    assert sorted(shown) == sorted(public)  # the hidden ones are not in what students receive
    assert {g: text for g, text in shown.items() if not text.startswith(f"PASSED {g} ")} == {}
    assert _checker_files_output(folder.notebook) == ""  # beside its files, it writes nothing
    assert _files_of(folder.path) == _files_of(ROOT / "release" / assignment_id)


def test_a_notebook_alone_writes_its_checker_files_and_checks_as_in_its_folder(folders):
    for alone, beside in (("reference alone", "reference"), ("mistake alone renamed", "mistake")):
        folder = folders[ALONE, alone]
        assert _check_cells(folder.notebook) == _check_cells(folders[ALONE, beside].notebook), alone
        written = " and ".join(sorted(build.student_files(ALONE)))
        assert _checker_files_output(folder.notebook) == (
            f"Wrote {written} into {folder.path}: the check cells need them (they hold no answer).\n"
        )
        assert _files_of(folder.path) == _files_of(ROOT / "release" / ALONE)


def test_a_prairielearn_download_runs_every_check_cell(folders):
    """The files question.html offers are the whole release folder: the check cells pass with them, and the
    notebook's checker-files cell finds nothing to write."""
    folder = folders[PRAIRIELEARN, "prairielearn"]
    assert _check_cells(folder.notebook) == _check_cells(folders[PRAIRIELEARN, "reference"].notebook)
    assert all(text.startswith("PASSED ") for text in _check_cells(folder.notebook).values())
    assert _checker_files_output(folder.notebook) == ""


@pytest.mark.parametrize("assignment_id", IDS)
def test_a_catalogued_mistake_fails_its_check_cells_and_is_named(folders, assignment_id):
    folder = folders[assignment_id, "mistake"]
    shown = _check_cells(folder.notebook)
    failed = {g for g, text in shown.items() if not text.startswith(f"PASSED {g} ")}
    assert failed == set(folder.mutation.breaks) & set(shown)
    for grade_id in failed:
        assert f"Likely mistake ({folder.mutation.mistake})" in shown[grade_id], shown[grade_id]
        assert "expected" in shown[grade_id] and "Fix:" in shown[grade_id]


def _terminal_check(student_python: Path, folder: Folder, assignment_id: str, code: int) -> None:
    result = subprocess.run(
        [str(student_python), "attention_check.py"], cwd=folder.path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == code, result.stdout + result.stderr
    assert result.stdout.startswith(f"{folder.notebook.name} ({assignment_id}):")
    if folder.mutation:
        assert f"Likely mistake ({folder.mutation.mistake})" in result.stdout


@pytest.mark.parametrize("assignment_id", IDS)
def test_one_command_in_the_folder_checks_the_whole_notebook(student_python, folders, assignment_id):
    for kind, code in (("reference", 0), ("mistake", 1)):
        _terminal_check(student_python, folders[assignment_id, kind], assignment_id, code)


def test_one_command_finds_a_renamed_notebook_beside_the_files_it_wrote(student_python, folders):
    """By the assignment id in the notebook's metadata (finding it is the same for every assignment)."""
    _terminal_check(student_python, folders[ALONE, "mistake alone renamed"], ALONE, 1)
