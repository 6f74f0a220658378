"""Grading many notebooks at once: find them, grade them in parallel, write the results."""
from __future__ import annotations

import csv
import json
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


def grade_all(found: list[Found], *, limits: Limits, workers: int, root: Path, targets: list[Path] = ()) -> list[Submission]:
    """Grade every notebook, hidden checks included, with one warm sandbox; results keep the input order."""
    hide = pipeline.secrets(root, [*targets, *(item.path.parent for item in found)])
    with Sandbox() as sandbox:
        def one(item: Found) -> Submission:
            return pipeline.grade(item.path, item.student, sandbox=sandbox, limits=limits, hidden=True, root=root,
                                  hide=hide, assignment=item.assignment)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return list(pool.map(one, found))


def write_results(submissions: list[Submission], out: Path) -> None:
    """grades.csv, one Gradescope-style JSON and one feedback page per submission."""
    out.mkdir(parents=True, exist_ok=True)
    check_ids = [c.grade_id for a in ASSIGNMENTS.values() for c in a.checks
                 if any(s.assignment is a for s in submissions)]
    with open(out / "grades.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "assignment", "score", "max_score", "problem", *check_ids])
        writer.writeheader()
        for sub in submissions:
            writer.writerow(report.csv_row(sub, check_ids))
    for sub in submissions:
        stem = report.result_stem(sub.student, sub.assignment.id if sub.assignment else None)
        (out / "results").mkdir(exist_ok=True)
        (out / "feedback").mkdir(exist_ok=True)
        (out / "results" / f"{stem}.json").write_text(json.dumps(report.gradescope(sub), indent=2))
        (out / "feedback" / f"{stem}.html").write_text(report.feedback_html(sub))


def class_report(submissions: list[Submission]) -> str:
    """The instructor's summary: one line per submission, then how each check went."""
    width = max((len(s.student) for s in submissions), default=7)
    a_width = max((len(s.assignment.id) for s in submissions if s.assignment), default=10)
    lines = [f"{'student':<{width}}  {'assignment':<{a_width}} score   notes", "-" * (width + a_width + 40)]
    for sub in sorted(submissions, key=lambda s: (s.assignment.id if s.assignment else "~", s.student)):
        assignment = sub.assignment.id if sub.assignment else "-"
        score = f"{sub.score:g}/{sub.max_score:g}" if sub.gradable else "0"
        tags = sorted({t for r in sub.results for t in r.tags})
        note = sub.problem or (f"mistakes: {', '.join(tags)}" if tags else "")
        if sub.notes and not sub.problem:
            note = (note + "; " if note else "") + sub.notes[0]
        lines.append(f"{sub.student:<{width}}  {assignment:<{a_width}} {score:<7} {note[:110]}")
    for assignment in ASSIGNMENTS.values():
        graded = [s for s in submissions if s.assignment is assignment and s.gradable]
        if not graded:
            continue
        lines += ["", f"{assignment.id}: how often each check passed ({len(graded)} notebooks)"]
        for check in assignment.checks:
            passed = sum(1 for s in graded for r in s.results if r.grade_id == check.grade_id and r.score > 0)
            lines.append(f"  {check.grade_id:<30} {passed:>3}/{len(graded)}")
    return "\n".join(lines)
