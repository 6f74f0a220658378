"""A student's path in a real JupyterLab, driven in Chromium.

The released folder of assignment 01 is copied as a student receives it, into a
JupyterLab started on a free local port with a token. In the page the student
writes a wrong answer to a TO-DO (softmax over dim=0), runs the cells above it, the
cell and its check cell, and reads the failure naming ``softmax_dim0``; fixes it,
reruns and reads the pass line; then presses nbgrader's Validate button.

To keep the path short, the copy has the assignment's other TO-DOs filled in from
the reference solution (test material, never shipped); the one under test is left
as released.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import nbgrader
import pytest

from autograder import course

from .conftest import ROOT, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

A01 = "01_simplified_attention"
TODO = "def all_attention_weights"  # the TO-DO cell the student writes in the browser
CHECK = "all_weights"  # the grade id of its check cell (however that cell calls the check)
WRONG = "def all_attention_weights(attn_scores):\n    return torch.softmax(attn_scores, dim=0)"
RIGHT = "def all_attention_weights(attn_scores):\n    return torch.softmax(attn_scores, dim=-1)"
NBGRADER_SERVER_EXTENSIONS = {  # what a student's server runs: Validate, not the instructor's formgrader
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
}


@dataclass
class Lab:
    url: str
    notebook: Path
    cells: int  # how many cells the notebook has
    todo: int  # index of the TO-DO cell under test
    check: int  # index of its check cell
    checker_files: int  # index of the cell that writes the checker's files (folded)


def student_copy(folder: Path) -> Path:
    """The released folder, with every TO-DO but the one under test answered from the reference solution."""
    shutil.copytree(ROOT / "release" / A01, folder)
    path = folder / f"{A01}.ipynb"
    notebook = course.read(path)
    answers = {
        course.nbgrader_meta(c).get("grade_id"): as_written(c.source)
        for c in course.read(course.notebook_path(ROOT, "solutions", A01)).cells
    }
    for cell in notebook.cells:
        meta = course.nbgrader_meta(cell)
        if meta.get("solution") and TODO not in answers[meta["grade_id"]]:
            cell.source = answers[meta["grade_id"]]
    nbformat.write(notebook, str(path))
    return path


def as_written(solution: str) -> str:
    """A reference answer as a student would type it: without nbgrader's solution markers."""
    return "\n".join(line for line in solution.splitlines() if not line.strip().startswith(("### BEGIN", "### END")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, timeout: float = 90):
    """The JSON the server answers at ``url`` once it is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer {url} within {timeout} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    """JupyterLab with nbgrader's Validate, in the student's folder, on a free port with a token."""
    base = tmp_path_factory.mktemp("jupyterlab")
    notebook = student_copy(base / A01)
    port, token, log = free_port(), secrets.token_hex(16), base / "jupyterlab.log"
    # The student's own Jupyter settings and runtime files, away from the machine's; no news toast over the page.
    news = base / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        IPYTHONDIR=str(base / "ipython"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    extensions = [f"--ServerApp.jpserver_extensions={name}={on}" for name, on in NBGRADER_SERVER_EXTENSIONS.items()]
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={notebook.parent}",
                *extensions,
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ],
            cwd=notebook.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        root = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{root}/api/status?token={token}", server, log)
        validate = wait_until_serving(
            f"{root}/nbgrader_version?version={nbgrader.__version__}&token={token}", server, log
        )
        assert validate == {"success": True}, f"nbgrader's Validate server extension is not running: {validate}"
        cells = course.read(notebook).cells
        todo = next(i for i, c in enumerate(cells) if course.nbgrader_meta(c).get("solution") and TODO in c.source)
        check = next(i for i, c in enumerate(cells) if course.nbgrader_meta(c).get("grade_id") == CHECK)
        checker_files = next(
            i for i, c in enumerate(cells) if course.nbgrader_meta(c).get("grade_id") == "checker-files"
        )
        yield Lab(f"{root}/lab/tree/{notebook.name}?token={token}", notebook, len(cells), todo, check, checker_files)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def write_answer(page, lab: Lab, answer: str) -> None:
    """Click into the TO-DO cell, select what is there and type the answer."""
    page.locator(".jp-Notebook .jp-Cell").nth(lab.todo).locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(answer)


def run_todo_to_check(page, lab: Lab) -> None:
    """Run the TO-DO cell, the given cells under it and its check cell as a student does: select, Ctrl+Enter."""
    for index in range(lab.todo, lab.check + 1):
        page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputPrompt").click()
        page.keyboard.press("Control+Enter")


def check_output(page, lab: Lab, expected: str, timeout_ms: float = 60_000) -> str:
    """The check cell's output once it shows ``expected``; the TO-DO cell is scrolled to the top for the screenshot."""
    cells = page.locator(".jp-Notebook .jp-Cell")
    output = cells.nth(lab.check).locator(".jp-OutputArea")
    output.filter(has_text=expected).wait_for(timeout=timeout_ms)
    cells.nth(lab.todo).evaluate("element => element.scrollIntoView({block: 'start'})")
    return output.inner_text()


def test_student_writes_a_todo_reads_the_diagnosis_fixes_it_and_validates(browser, lab):
    page = browser.new_page()
    try:
        page.goto(lab.url)
        cells = page.locator(".jp-Notebook .jp-Cell")
        cells.nth(lab.cells - 1).wait_for(state="attached", timeout=60_000)
        assert cells.count() == lab.cells, "every cell is in the page, in notebook order"
        placeholders = [cells.nth(i).locator(".jp-InputPlaceholder").count() for i in (lab.checker_files, lab.todo)]
        assert placeholders == [1, 0], "the checker-files cell is folded away, the TO-DO is not"
        write_answer(page, lab, WRONG)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Above Selected Cell").click()
        run_todo_to_check(page, lab)
        failure = check_output(page, lab, f"FAILED {CHECK}")
        screenshot(page, "student_1_wrong_answer")
        assert "softmax_dim0" in failure, failure

        write_answer(page, lab, RIGHT)
        run_todo_to_check(page, lab)
        passed = check_output(page, lab, f"PASSED {CHECK}")
        screenshot(page, "student_2_fixed")
        assert "FAILED" not in passed, passed

        page.locator(".validate-button").click()
        verdict = page.locator("#validation-message")
        verdict.wait_for(timeout=180_000)
        screenshot(page, "student_3_validated")
        assert "Success! Your notebook passes all the tests." in verdict.inner_text(), verdict.inner_text()
        saved = course.read(lab.notebook).cells[lab.todo].source
        assert saved == RIGHT, "Validate saved the notebook with the student's answer"
    finally:
        page.close()
