#!/usr/bin/env python3
"""Throughput of ``attention-kit grade`` against ``nbgrader autograde`` on the same class,
and the time per submission inside the emulated Gradescope harness.

Generates N submissions (default 40) by cycling through every assignment's sample
class (reference solutions, blank notebooks, sample mistakes, tampered notebooks)
and adds broken ones (a cell that raises, an invalid file), grades them with both
tools and with each assignment's exported Gradescope bundle (``setup.sh`` once, then
``run_autograder`` per submission, one after another, as one container would), checks
that all give every notebook the same points per check, and prints seconds per
submission and the ratio.

    .venv/bin/python benchmarks/grade_throughput.py [--count 40] [--workers 2]
"""
from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import nbgrader_app, samples  # noqa: E402
from autograder.assignments import ASSIGNMENTS  # noqa: E402
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


def nbgrader_scores(course: Path, students: dict[str, str]) -> tuple[float, dict]:
    started = time.perf_counter()
    for assignment_id in sorted(set(students.values())):
        nbgrader_app.run(["generate_assignment", assignment_id, "--force"], course)
    generated = time.perf_counter()
    for assignment_id in sorted(set(students.values())):
        # nbgrader reports the invalid file as an error and goes on; its exit code is then 1
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", assignment_id, "--create"], cwd=course,
                       env=nbgrader_app.env(), capture_output=True)
    seconds = time.perf_counter() - generated
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
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
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(course / "submitted"), "--out", str(out),
                    "--workers", str(workers), "--course", str(ROOT)], check=True, capture_output=True,
                   env=nbgrader_app.env())
    seconds = time.perf_counter() - started
    scores = {}
    for path in (out / "results").glob("*.json"):
        result = json.loads(path.read_text())
        scores[result["student"]] = {t["name"]: t["score"] for t in result["tests"]}
    return seconds, scores


def gradescope_scores(course: Path, students: dict[str, str], tmp: Path) -> tuple[float, dict]:
    """Each assignment's bundle; setup.sh once (every bundle installs the same kit); then each submission's
    folder handed to run_autograder in its own /autograder, one after another."""
    sources = {}
    for assignment_id in sorted(set(students.values())):
        bundle = tmp / f"{assignment_id}.zip"
        subprocess.run([sys.executable, "-m", "autograder.cli", "export", "gradescope", assignment_id, "--out",
                        str(bundle), "--course", str(ROOT)], check=True, capture_output=True)
        sources[assignment_id] = unzip(bundle, tmp / assignment_id)
    started = time.perf_counter()
    image = build_image(sources[min(sources)], tmp / "image")
    set_up = time.perf_counter()
    scores = {}
    for student, assignment_id in students.items():
        folder = course / "submitted" / student / assignment_id
        job = run_gradescope(image, sources[assignment_id], tmp / "jobs" / student,
                             {path.name: path.read_bytes() for path in folder.iterdir()})
        scores[student] = {grade_id_of(t): t["score"] for t in job.results["tests"]}
    seconds = time.perf_counter() - set_up
    print(f"  (Gradescope setup.sh took {set_up - started:.1f} s, exporting the bundles before it, not counted)")
    return seconds, scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attention-kit-bench-") as tmp:
        course = nbgrader_app.new_course(ROOT, Path(tmp) / "course")
        students = make_class(course, args.count)
        print(f"{len(students)} submissions over {len(set(students.values()))} assignments")
        kit_seconds, kit = kit_scores(course, args.workers)
        print(f"attention-kit grade --workers {args.workers}: {kit_seconds:.1f} s")
        gs_seconds, gs = gradescope_scores(course, students, Path(tmp) / "gradescope")
        print(f"Gradescope harness (run_autograder): {gs_seconds:.1f} s")
        nb_seconds, nb = nbgrader_scores(course, students)
        print(f"nbgrader autograde:               {nb_seconds:.1f} s")
        disagreements = {(s, grader): (kit.get(s), theirs.get(s)) for grader, theirs in
                         (("nbgrader", nb), ("Gradescope harness", gs)) for s in students
                         if kit.get(s, {}) != theirs.get(s, {})}
        for (student, grader), (ours, theirs) in disagreements.items():
            print(f"  DIFFERENT POINTS for {student}: kit {ours} {grader} {theirs}")
        n = len(students)
        print(f"\nseconds per submission: attention-kit {kit_seconds / n:.3f}, nbgrader {nb_seconds / n:.3f}, "
              f"Gradescope harness {gs_seconds / n:.3f}")
        print(f"ratio (nbgrader / attention-kit): {nb_seconds / kit_seconds:.1f}x")
        print(f"ratio (Gradescope harness / attention-kit): {gs_seconds / kit_seconds:.1f}x")
        print("same points per check for every submission" if not disagreements else
              f"{len({student for student, _ in disagreements})} submissions graded differently")
        return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
