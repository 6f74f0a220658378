#!/usr/bin/env python3
"""Throughput of the kit's graders against stock ``nbgrader autograde`` on the same class.

Generates N submissions (default 40) by cycling through every assignment's sample
class (reference solutions, blank notebooks, sample mistakes, tampered notebooks)
and adds broken ones (a cell that raises, an invalid file), then grades them four
ways: ``attention-kit grade``; ``nbgrader autograde`` with this course's
configuration (the kit's sandboxed grader inside nbgrader); ``nbgrader autograde``
with nbgrader's defaults (a kernel per notebook that runs the test cells), each
nbgrader grading the whole class in one command (``nbgrader autograde "*"``); and
each assignment's exported Gradescope bundle in the emulated harness (``setup.sh``
once, then ``run_autograder`` per submission, one after another, as one container
would). It checks that all give every notebook the same points per check, and
prints seconds per submission and the ratios to stock nbgrader. The Gradescope harness installs torch into one
image per assignment (minutes each): ``--skip-gradescope`` leaves it out, and the figures come in a few minutes.

    .venv/bin/python benchmarks/grade_throughput.py [--count 40] [--workers 2] [--skip-gradescope]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import nbgrader_app  # noqa: E402
from autograder.assignments import ASSIGNMENTS  # noqa: E402
from tests import samples  # noqa: E402
from tests.platform_harness import build_image, grade_id_of, run_gradescope, unzip  # noqa: E402


def make_class(course: Path, count: int) -> dict[str, str]:
    """``count`` submissions in nbgrader's layout; returns student -> assignment."""
    classes = [[(a, s) for s in samples.sample_class(ROOT, a)] for a in sorted(ASSIGNMENTS)]
    pool = [pair for turn in itertools.zip_longest(*classes) for pair in turn if pair]  # assignments interleaved
    broken = []
    for assignment_id in sorted(ASSIGNMENTS):
        raising = samples.solution(ROOT, assignment_id)
        raising.cells.insert(1, nbformat.v4.new_code_cell("raise RuntimeError('a cell that crashes')"))
        broken.append((assignment_id, samples.Sample("raises", raising, frozenset())))
    chosen = list(itertools.islice(itertools.cycle(broken[:1] + pool + broken[1:]), count - 1))
    students = {}
    for number, (assignment_id, sample) in enumerate(chosen):
        student = f"s{number:02d}_{sample.name}"
        samples.write(sample.notebook, course / "submitted" / student / assignment_id / f"{assignment_id}.ipynb")
        students[student] = assignment_id
    bad = course / "submitted" / "s99_not_json" / chosen[0][0]
    bad.mkdir(parents=True)
    (bad / f"{chosen[0][0]}.ipynb").write_text("{ not json")
    students["s99_not_json"] = chosen[0][0]
    return students


#: the block of the course's config that makes autograde run the kit's grader; stock nbgrader is the config without it
KIT_BLOCK = "# Autograde: nbgrader's own steps, with the kit's sandboxed grader"


def nbgrader_scores(course: Path, students: dict[str, str], stock: bool) -> tuple[float, dict]:
    """``nbgrader autograde`` of every assignment in a copy of the course (the course's config, or stock)."""
    copy = course.with_name(f"{course.name}-{'stock' if stock else 'configured'}")
    shutil.copytree(course, copy, ignore=shutil.ignore_patterns("kit-graded"))
    if stock:
        config = (copy / "nbgrader_config.py").read_text()
        (copy / "nbgrader_config.py").write_text(config[: config.index(KIT_BLOCK)])
    started = time.perf_counter()
    for assignment_id in sorted(set(students.values())):
        nbgrader_app.run(["generate_assignment", assignment_id, "--force"], copy)
    generated = time.perf_counter()
    # One command for the whole class ("*": every assignment), as for one assignment's whole class. nbgrader reports
    # the invalid file as an error and goes on; its exit code is then 1.
    subprocess.run(["nbgrader", "autograde", "*", "--create"], cwd=copy, env=nbgrader_app.env(), capture_output=True)
    seconds = time.perf_counter() - generated
    scores = {}
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gradebook:
        for student, assignment_id in students.items():
            try:
                notebook = gradebook.find_submission_notebook(assignment_id, assignment_id, student)
                scores[student] = {g.name: g.score for g in notebook.grades}
            except Exception:  # no grades: nbgrader could not read the file
                scores[student] = {}
    print(f"  (nbgrader generate_assignment took {generated - started:.1f} s, not counted)")
    return seconds, scores


def kit_scores(course: Path, workers: int) -> tuple[float, dict]:
    out = course / "kit-graded"
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            str(course / "submitted"),
            "--out",
            str(out),
            "--workers",
            str(workers),
            "--course",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        env=nbgrader_app.env(),
    )
    seconds = time.perf_counter() - started
    scores = {}
    for path in (out / "results").glob("*.json"):
        result = json.loads(path.read_text())
        scores[result["student"]] = {t["name"]: t["score"] for t in result["tests"]}
    return seconds, scores


def gradescope_scores(course: Path, students: dict[str, str], tmp: Path) -> tuple[float, dict]:
    """Each assignment's bundle and its setup.sh (a bundle's kit holds its own assignment only); then each
    submission's folder handed to run_autograder in its own /autograder, one after another."""
    sources = {}
    for assignment_id in sorted(set(students.values())):
        bundle = tmp / f"{assignment_id}.zip"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "autograder.cli",
                "export",
                "gradescope",
                assignment_id,
                "--out",
                str(bundle),
                "--course",
                str(ROOT),
            ],
            check=True,
            capture_output=True,
        )
        sources[assignment_id] = unzip(bundle, tmp / assignment_id)
    started = time.perf_counter()
    images = {
        assignment_id: build_image(source, tmp / f"image-{assignment_id}") for assignment_id, source in sources.items()
    }
    set_up = time.perf_counter()
    scores = {}
    for student, assignment_id in students.items():
        folder = course / "submitted" / student / assignment_id
        job = run_gradescope(
            images[assignment_id],
            sources[assignment_id],
            tmp / "jobs" / student,
            {path.name: path.read_bytes() for path in folder.iterdir()},
        )
        scores[student] = {grade_id_of(t): t["score"] for t in job.results["tests"]}
    seconds = time.perf_counter() - set_up
    print(
        f"  (Gradescope's setup.sh of every bundle took {set_up - started:.1f} s, exporting the bundles before "
        "them, not counted)"
    )
    return seconds, scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--skip-gradescope",
        action="store_true",
        help="leave out the emulated Gradescope harness (one image per assignment, each installing "
        "torch); default: include it",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each line as it comes, also into a pipe or a log file
    with tempfile.TemporaryDirectory(prefix="attention-kit-bench-") as tmp:
        course = nbgrader_app.new_course(ROOT, Path(tmp) / "course")
        students = make_class(course, args.count)
        n = len(students)
        print(f"{n} submissions over {len(set(students.values()))} assignments")
        runs = {
            f"attention-kit grade --workers {args.workers}": lambda: kit_scores(course, args.workers),
            "nbgrader autograde (course config: the kit's sandbox)": lambda: nbgrader_scores(course, students, False),
            "nbgrader autograde (nbgrader defaults: a kernel each)": lambda: nbgrader_scores(course, students, True),
        }
        if not args.skip_gradescope:
            runs["Gradescope harness (run_autograder per submission)"] = lambda: gradescope_scores(
                course, students, Path(tmp) / "gradescope"
            )
        graders = {}
        for name, grade in runs.items():
            print(f"{name} ...")
            graders[name] = grade()
            print(f"  {graders[name][0]:.1f} s")
        stock_seconds, stock = graders["nbgrader autograde (nbgrader defaults: a kernel each)"]
        print(f"\n{'grader':<58} {'total':>8} {'per submission':>15} {'vs stock nbgrader':>18}")
        for name, (seconds, _) in graders.items():
            print(f"{name:<58} {seconds:>7.1f}s {seconds / n:>14.3f}s {stock_seconds / seconds:>17.1f}x")
        disagreements = {}
        for name, (_, scores) in graders.items():
            for student in students:
                if scores.get(student, {}) != stock.get(student, {}):
                    disagreements[name, student] = (scores.get(student), stock.get(student))
        for (name, student), (ours, theirs) in disagreements.items():
            print(f"  DIFFERENT POINTS for {student} from {name}: {ours}, stock nbgrader {theirs}")
        print(
            "same points per check for every submission from every grader"
            if not disagreements
            else f"{len(disagreements)} gradings differ from stock nbgrader"
        )
        return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
