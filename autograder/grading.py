"""Grading many notebooks at once: find them, grade them in parallel, write the results."""
from __future__ import annotations

import csv
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import pipeline, report
from .assignments import ASSIGNMENTS
from .pipeline import Submission
from .sandbox import Limits, Sandbox


@dataclass(frozen=True)
class Found:
    path: Path
    student: str
    assignment: str | None = None  # known from nbgrader's layout, even when the file is unreadable


def find_submissions(targets: list[Path]) -> list[Found]:
    """Notebooks named directly, in a flat folder, or in nbgrader's ``submitted/<student>/<assignment>/``."""
    found: list[Found] = []
    for target in targets:
        if target.is_file():
            found.append(Found(target, target.stem))
        elif target.is_dir():
            flat = sorted(p for p in target.glob("*.ipynb") if p.is_file())
            nested = sorted(p for p in target.glob("*/*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            found += [Found(p, p.stem) for p in flat]
            found += [Found(p, p.parent.parent.name, p.parent.name) for p in nested]
        else:
            found.append(Found(target, target.stem))  # graded as unreadable, with its reason
    return found


def grade_all(found: list[Found], *, limits: Limits, workers: int, root: Path, out: Path,
              targets: list[Path] = ()) -> list[dict]:
    """Grade every notebook, hidden checks included, with one warm sandbox.

    Each submission's results and feedback page are written as soon as it is graded, and
    only its results (the dict in ``results/<student>__<assignment>.json``) is kept, so a
    whole course fits in constant memory. Returns those results in input order; grades.csv
    is written from them at the end."""
    out.mkdir(parents=True, exist_ok=True)  # the other submissions' results: hidden from each notebook too
    hide = pipeline.secrets(root, [*targets, *(item.path.parent for item in found), out])
    progress = Progress(len(found))
    with Sandbox() as sandbox:
        def one(item: Found) -> dict:
            try:
                sub = pipeline.grade(item.path, item.student, sandbox=sandbox, limits=limits, hidden=True,
                                     root=root, hide=hide, assignment=item.assignment)
            except Exception as exc:  # a bug of the grader's must cost one notebook, not the batch
                sub = Submission(item.path, item.student, problem=f"the grader failed on this notebook "
                                                                  f"({type(exc).__name__}: {exc})")
            result = write_submission(sub, out)
            progress.advance()
            return result

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            results = list(pool.map(one, found))
    progress.finish()
    write_grades(results, out)
    return results


def write_submission(sub: Submission, out: Path) -> dict:
    """One Gradescope-style JSON and one feedback page; returns the JSON's content."""
    stem = report.result_stem(sub.student, sub.assignment.id if sub.assignment else None)
    result = report.gradescope(sub)
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    (out / "results" / f"{stem}.json").write_text(json.dumps(result, indent=2))
    (out / "feedback" / f"{stem}.html").write_text(report.feedback_html(sub))
    return result


def write_grades(results: list[dict], out: Path) -> None:
    """grades.csv: one row per submission, one column per check of the assignments graded."""
    out.mkdir(parents=True, exist_ok=True)
    graded = {r["assignment"] for r in results}
    check_ids = [c.grade_id for a in ASSIGNMENTS.values() if a.id in graded for c in a.checks]
    with open(out / "grades.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "assignment", "score", "max_score", "problem", *check_ids])
        writer.writeheader()
        for result in results:
            writer.writerow(report.csv_row(result, check_ids))


def class_report(results: list[dict]) -> str:
    """The instructor's summary: one line per submission, then how each check went."""
    width = max((len(r["student"]) for r in results), default=7)
    a_width = max((len(r["assignment"]) for r in results if r["assignment"]), default=10)
    lines = [f"{'student':<{width}}  {'assignment':<{a_width}} score   notes", "-" * (width + a_width + 40)]
    for result in sorted(results, key=lambda r: (r["assignment"] or "~", r["student"])):
        score = f"{result['score']:g}/{result['max_score']:g}" if result["gradable"] else "0"
        note = result["output"]  # the problem when it could not be graded
        if result["gradable"]:
            tags = sorted({tag for test in result["tests"] for tag in test["tags"]})
            note = "; ".join(([f"mistakes: {', '.join(tags)}"] if tags else []) + note.splitlines()[:1])
        lines.append(f"{result['student']:<{width}}  {result['assignment'] or '-':<{a_width}} {score:<7} {note[:110]}")
    for assignment in ASSIGNMENTS.values():
        graded = [r for r in results if r["assignment"] == assignment.id and r["gradable"]]
        if not graded:
            continue
        lines += ["", f"{assignment.id}: how often each check passed ({len(graded)} notebooks)"]
        for check in assignment.checks:
            passed = sum(1 for r in graded for test in r["tests"]
                         if test["name"] == check.grade_id and test["score"] > 0)
            lines.append(f"  {check.grade_id:<30} {passed:>3}/{len(graded)}")
    return "\n".join(lines)


class Progress:
    """done / total, rate and time left, redrawn on one line of a terminal; nothing when stderr is
    not a terminal (tests, CI and pipes capture the output)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.done = total, stream, 0
        self.shown = stream.isatty()
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            if not self.shown:
                return
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            left = (self.total - self.done) / rate
            self.stream.write(f"\rgraded {self.done}/{self.total}  {rate:.2f} notebooks/s  "
                              f"about {_duration(left)} left\x1b[K")
            self.stream.flush()

    def finish(self) -> None:
        if self.shown and self.done:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
