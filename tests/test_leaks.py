"""Nothing a student receives holds an answer.

Students receive ``release/<id>/`` whole (nbgrader's ``release_assignment`` and ``fetch_assignment``
copy the folder). No line of a solution region or of a hidden test cell may appear in any file
there, nor in the files packed into a released notebook's checker-files cell, unless the released
notebook itself shows it (a function's signature around a TO-DO); the packed files are the folder's
own; the generic checker imports nothing of the kit; the check data holds no hidden check.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from autograder import build, checker_cell, checker_file, course
from autograder.assignments import ASSIGNMENTS

from .conftest import ROOT

IDS = sorted(ASSIGNMENTS)
REGION = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def normalised(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def secret_lines(notebook: nbformat.NotebookNode) -> set[str]:
    """Lines (16 characters or more) of the solution regions and hidden test regions of a source notebook."""
    lines = set()
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            if REGION.search(line):
                inside = "BEGIN" in line
            elif inside and len(normalised(line)) >= 16:
                lines.add(normalised(line))
    return lines


def lines_of(text: str) -> set[str]:
    return {normalised(line) for line in text.replace("\\n", "\n").splitlines()}


def released_lines(path: Path) -> set[str]:
    return lines_of(path.read_text(encoding="utf-8", errors="replace"))


def packed_files(notebook: Path) -> dict[str, str]:
    """The files a released notebook's checker-files cell writes when it is opened alone."""
    return checker_cell.files_in(checker_cell.find(course.read(notebook)).source)


def released_texts() -> dict[str, str]:
    """Every file under release/, and every file packed into a released notebook."""
    texts = {}
    for path in sorted((ROOT / "release").rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".ipynb":
                texts.update(
                    {f"{path.relative_to(ROOT)} (packed {name})": text for name, text in packed_files(path).items()}
                )
    return texts


def test_the_scan_sees_secret_lines_at_all():
    """The scan below is only as good as what it looks for: every assignment has solution and hidden lines."""
    for assignment_id in IDS:
        assert len(secret_lines(course.read(course.notebook_path(ROOT, "assignments", assignment_id)))) > 5


def test_the_scan_sees_a_secret_line_packed_into_a_checker_files_cell():
    secrets = secret_lines(course.read(course.notebook_path(ROOT, "assignments", IDS[0])))
    secret = sorted(secrets)[0]
    code = checker_cell.source({"attention_check.py": f"x = 1\n    {secret}\n"})
    assert secret not in lines_of(code) and secret in lines_of(checker_cell.files_in(code)["attention_check.py"])


@pytest.mark.parametrize("assignment_id", IDS)
def test_no_file_under_release_holds_a_line_of_a_solution_or_hidden_test(assignment_id):
    secrets = secret_lines(course.read(course.notebook_path(ROOT, "assignments", assignment_id)))
    shown = released_lines(course.notebook_path(ROOT, "release", assignment_id))
    texts = released_texts()
    assert len([name for name in texts if "(packed " in name]) == 2 * len(IDS)  # the scan sees the packed files
    leaks = {name: sorted((secrets - shown) & lines_of(text)) for name, text in texts.items()}
    assert {name: lines for name, lines in leaks.items() if lines} == {}


@pytest.mark.parametrize("assignment_id", IDS)
def test_a_released_folder_is_the_notebook_the_generic_checker_and_its_data(assignment_id):
    folder = ROOT / "release" / assignment_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{assignment_id}.ipynb", *build.student_files(assignment_id)]
    )
    assert (folder / "attention_check.py").read_text() == checker_file.text()
    notebook = folder / f"{assignment_id}.ipynb"
    assert packed_files(notebook) == {name: (folder / name).read_text() for name in build.student_files(assignment_id)}


def test_the_generic_checker_imports_nothing_of_the_kit():
    tree = ast.parse(checker_file.text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {"." * node.level + (node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if name.startswith(("autograder", "."))]
    assert imported <= {
        "__future__",
        "collections.abc",
        "contextlib",
        "hashlib",  # a wrong answer's digest, for the similarity report
        "io",
        "json",
        "math",
        "sys",
        "traceback",
        "warnings",
        "re",
        "dataclasses",
        "pathlib",
        "typing",
        "os",
        "torch",
        "torch.overrides",  # recording what an observed call computes (checker/recording.py)
        "weakref",  # ... without keeping its tensors alive
        "IPython",
        "IPython.core.interactiveshell",
    }, imported


@pytest.mark.parametrize("assignment_id", IDS)
def test_the_check_data_holds_public_steps_only(assignment_id):
    data = json.loads((ROOT / "release" / assignment_id / f"{assignment_id}.checks.json").read_text())
    hidden = {c.grade_id for c in ASSIGNMENTS[assignment_id].checks if c.hidden}
    assert {c["grade_id"] for c in data["checks"] if "steps" in c} == {
        c.grade_id for c in ASSIGNMENTS[assignment_id].checks if not c.hidden
    }
    assert all(set(c) == {"grade_id", "todo", "points", "hidden"} for c in data["checks"] if c["grade_id"] in hidden)
    released_notebook = (ROOT / "release" / assignment_id / f"{assignment_id}.ipynb").read_text()
    assert not re.search(r"autograder\b", released_notebook)  # the released check cells use attention_check
