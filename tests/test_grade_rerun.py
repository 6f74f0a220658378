"""``attention-kit grade`` over a term: a run that dies loses nothing, a rerun grades only what is left.

A class of 140 notebooks of assignment 01 is graded once without interruption, and once killed at several
points (before the first result with SIGTERM, mid-way with SIGKILL of its process group, later with Ctrl-C, and as if
killed while grades.csv and a result were being written) and rerun each time with the same command: the last
rerun ends with the very files of the uninterrupted run (times aside), and each rerun graded only the rest.
A rerun of a finished run grades nothing and starts no sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import cli, grading

from . import samples
from .conftest import KIT, ROOT
from .notebooks import A01

pytestmark = pytest.mark.xdist_group("rerun")  # one worker grades the class uninterrupted, once

CLASS_SIZE = 140  # room for the kills below (after 50 results, then 40 more) and a rest to rerun


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """CLASS_SIZE notebooks: the reference, the blank notebook and each sample mistake of assignment 01, in turn."""
    folder = tmp_path_factory.mktemp("class")
    reference = samples.solution(ROOT, A01)
    kinds = [reference, samples.blank(ROOT, A01)] + [
        samples.mutate(reference, m) for m in samples.all_mutations() if m.assignment == A01
    ]
    for number in range(CLASS_SIZE):
        samples.write(kinds[number % len(kinds)], folder / f"student{number:03d}.ipynb")
    return folder


def start(submissions: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.Popen(
        [*KIT, "grade", str(submissions), "--out", str(out), "--workers", "2", "--course", str(ROOT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def finish(run: subprocess.Popen) -> str:
    output, _ = run.communicate(timeout=900)
    assert run.returncode == 0, output[-3000:]
    return output


def results_in(out: Path) -> int:
    return len(list((out / "results").glob("*.json"))) if (out / "results").exists() else 0


def kill_when(run: subprocess.Popen, ready, sig: int) -> None:
    """Send ``sig`` to the grader's whole process group (the grader and its sandbox) once ``ready()``."""
    deadline = time.monotonic() + 600
    while not ready() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be killed"
    os.killpg(run.pid, sig)
    run.communicate(timeout=120)


def graded_count(output: str) -> int:
    return 0 if "nothing to grade" in output else int(output.split("\nGraded ", 1)[1].split(maxsplit=1)[0].strip(".,"))


def files(out: Path) -> dict[str, object]:
    """Every file a run leaves, by path: results without their grading time; report.html and similarity.html only by
    name (they say how long the run and the analysis took)."""
    found = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = str(path.relative_to(out))
        if path.parent.name == "results":
            result = json.loads(path.read_text())
            result.pop("execution_time")
            found[name] = result
        else:
            found[name] = None if path.name in ("report.html", "similarity.html") else path.read_text()
    return found


@pytest.fixture(scope="module")
def uninterrupted(submissions, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    assert graded_count(finish(start(submissions, out))) == CLASS_SIZE
    return out


def test_a_killed_run_loses_nothing_and_a_rerun_grades_only_the_rest(submissions, uninterrupted, tmp_path):
    out = tmp_path / "graded"
    run = start(submissions, out)
    kill_when(run, out.exists, signal.SIGTERM)  # the grader is starting its sandbox: no result yet
    assert results_in(out) == 0

    run = start(submissions, out)
    kill_when(run, lambda: results_in(out) >= 50, signal.SIGKILL)
    done = results_in(out)
    assert done >= 50
    with open(out / "grades.csv") as sheet:  # what it finished is already in the gradebook
        rows = sheet.read().splitlines()[1:]
    assert 0 < len(rows) <= done

    run = start(submissions, out)
    kill_when(run, lambda: results_in(out) >= done + 40, signal.SIGINT)  # Ctrl-C
    done = results_in(out)
    # killed while grades.csv and a result were being written: what each write leaves before its rename
    (out / ".grades.csv.partial").write_text("student,assignment,score\nstudent000,01_sim")
    (out / "results" / f".student{CLASS_SIZE - 1:03d}__{A01}.json.partial").write_text('{"score": 2')

    output = finish(start(submissions, out))
    assert graded_count(output) == CLASS_SIZE - done
    assert files(out) == files(uninterrupted)


def test_a_rerun_of_a_finished_run_grades_nothing_and_starts_no_sandbox(
    submissions, uninterrupted, tmp_path, monkeypatch, capsys
):
    out = shutil.copytree(uninterrupted, tmp_path / "graded")
    (out / "grades.csv").unlink()
    (out / "report.html").unlink()

    def no_sandbox():
        raise AssertionError("a sandbox was started")

    monkeypatch.setattr(grading, "Sandbox", no_sandbox)
    assert cli.main(["grade", str(submissions), "--out", str(out), "--course", str(ROOT)]) == 0
    assert "nothing to grade" in capsys.readouterr().out
    assert files(out) == files(uninterrupted)  # grades.csv and report.html written again from the results
