"""The docs, run as written: every ``bash`` block of the README and of ``docs/``, in a fresh clone of this repository.

One clone per session (``git clone`` of the committed HEAD into a temporary home, so ``~`` in the docs is that
home), the venv's bin first on PATH, each page's blocks in one ``bash -euo pipefail`` in page order: the JupyterHub
checklist (``course init``, release to an exchange of the home's, a student's fetch and submit, collect, autograde,
feedback), the customizing page (a plain nbgrader assignment built beside the kit's), the platforms page (an
export for each). Then: the instructor's round ends with a graded submission in nbgrader's gradebook, and the plain
assignment is graded by nbgrader's own kernel in the same course. A block marked
``<!-- not run by the suite: why -->`` is skipped; the marks are few and say why.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import course
from autograder.assignments import ASSIGNMENTS

from .conftest import ROOT

pytestmark = [pytest.mark.nbgrader, pytest.mark.xdist_group("docs")]

#: pages with commands, in the order they run (the JupyterHub checklist sets the course up)
ORDER = [
    "docs/nbgrader-jupyterhub.md",
    "docs/term.md",
    "docs/customizing.md",
    "docs/gradescope-prairielearn.md",
    "docs/development.md",
    "README.md",
]
PAGES = sorted({*ORDER, *(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))})
#: pages other helpers write; linked from here before they exist in this branch
BLOCK = re.compile(
    r"(?:<!-- not run by the suite: (?P<why>[^>]+?) -->\n)?^```(?P<lang>\w*)\n(?P<body>.*?)^```$", re.S | re.M
)
PLAIN = "quiz"  # the plain nbgrader assignment of docs/customizing.md


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    skipped: str | None  # why the suite does not run it


def blocks(page: str) -> list[Block]:
    return [Block(m["lang"], m["body"], m["why"]) for m in BLOCK.finditer((ROOT / page).read_text())]


def bash(page: str) -> list[str]:
    return [b.body for b in blocks(page) if b.lang == "bash" and not b.skipped]


@dataclass(frozen=True)
class Clone:
    home: Path
    course: Path
    ran: dict[str, subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Clone:
    """A fresh clone at ~/attention-kit, with the plain assignment's source notebook, and every page's commands run."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout: the docs are tested on a clone of the committed HEAD")
    home = tmp_path_factory.mktemp("home")
    course_dir = home / "attention-kit"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(course_dir)], check=True)
    write_plain_assignment(course_dir / "assignments" / PLAIN / f"{PLAIN}.ipynb")
    env = {**os.environ, "HOME": str(home), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = {
        page: subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + "\n".join(bash(page))],
            cwd=course_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        for page in ORDER
        if bash(page)
    }
    return Clone(home, course_dir, ran)


def write_plain_assignment(path: Path) -> None:
    """An nbgrader assignment as its Create Assignment toolbar makes one: a solution cell and a 2-point test cell."""

    def meta(grade_id: str, **fields) -> dict:
        return {
            "nbgrader": {
                "grade": False,
                "grade_id": grade_id,
                "locked": False,
                "schema_version": 3,
                "solution": False,
                "task": False,
                **fields,
            }
        }

    notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    notebook.cells = [
        nbformat.v4.new_markdown_cell("Write `double(x)`."),
        nbformat.v4.new_code_cell(
            "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
            metadata=meta("double", solution=True),
        ),
        nbformat.v4.new_code_cell(
            "assert double(3) == 6", metadata=meta("test_double", grade=True, locked=True, points=2)
        ),
    ]
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, str(path))


@pytest.mark.parametrize("page", [p for p in ORDER if bash(p)])
def test_every_command_of_the_page_runs_as_written(clone, page):
    result = clone.ran[page]
    assert result.returncode == 0, f"{page}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def test_every_page_with_commands_is_run_and_only_bash_blocks_are_commands():
    assert {p for p in PAGES if bash(p)} <= set(ORDER)
    for page in PAGES:
        assert {b.lang for b in blocks(page)} <= {"bash", "text", "powershell"}, f"{page}: a block of another kind"


def test_the_few_blocks_not_run_say_why():
    skipped = {page: [b for b in blocks(page) if b.skipped] for page in PAGES}
    assert sum(map(len, skipped.values())) <= 4, (
        skipped
    )  # the quick start, two slow ones run once elsewhere, an install
    assert all(len(b.skipped) > 20 for found in skipped.values() for b in found)


def test_the_readme_s_quick_start_is_the_two_commands():
    (quick_start,) = [b for b in blocks("README.md") if b.lang == "bash"]
    assert [line.split("#")[0].strip() for line in quick_start.body.splitlines()] == [
        "python3 tasks.py demo",
        "python3 tasks.py test",
    ]


def test_links_lead_to_pages_and_no_path_leaves_the_repository():
    for page in PAGES:
        text = (ROOT / page).read_text()
        assert "/work/" not in text and "../shared" not in text and "seeds/" not in text, page
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not target.startswith("http"):
                assert ((ROOT / page).parent / target).exists(), f"{page}: {target} does not exist"


def test_the_instructor_s_round_ends_with_a_graded_submission_in_nbgrader_s_gradebook(clone):
    assignment = "01_simplified_attention"
    with Gradebook(f"sqlite:///{clone.course / 'gradebook.db'}") as gradebook:
        assert {a.name for a in gradebook.assignments} == {*ASSIGNMENTS, PLAIN}  # course init registered them all
        submission = gradebook.find_submission_notebook(assignment, assignment, getpass.getuser())
        grades = {grade.name: grade for grade in submission.grades}
        assert set(grades) == {c.grade_id for c in ASSIGNMENTS[assignment].checks}
        assert all(grade.auto_score == 0 for grade in grades.values())  # the released notebook, handed in blank
        assert submission.max_score == ASSIGNMENTS[assignment].max_score
    feedback = clone.home / "student" / assignment / "feedback"
    assert list(feedback.rglob(f"{assignment}.html")), "the student fetched no feedback"
    assert (clone.course / "graded" / "report.html").exists()


def test_a_plain_nbgrader_assignment_is_graded_by_nbgrader_s_own_kernel(clone):
    released = course.read(clone.course / "release" / PLAIN / f"{PLAIN}.ipynb")
    assert "BEGIN SOLUTION" not in "".join(c.source for c in released.cells)
    for student, body in {"right": "return 2 * x", "wrong": "return x + 2"}.items():
        notebook = nbformat.from_dict(released)
        notebook.cells[1].source = f"def double(x):\n    {body}"
        path = clone.course / "submitted" / student / PLAIN / f"{PLAIN}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, str(path))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    graded = subprocess.run(
        ["nbgrader", "autograde", PLAIN], cwd=clone.course, env=env, capture_output=True, text=True, timeout=300
    )
    assert graded.returncode == 0, graded.stdout + graded.stderr
    with Gradebook(f"sqlite:///{clone.course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission_notebook(PLAIN, PLAIN, s).score for s in ("right", "wrong")}
    assert scores == {"right": 2, "wrong": 0}
    wrong = course.read(clone.course / "autograded" / "wrong" / PLAIN / f"{PLAIN}.ipynb")
    assert wrong.cells[2].outputs[0].ename == "AssertionError"  # nbgrader's kernel ran the test cell
