"""Grading many notebooks at once: find them, grade what is left in parallel, write the results."""

from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from . import formats, lateness, ledger, pipeline
from .assignments import ASSIGNMENTS
from .deadlines import Deadlines
from .pages.feedback import feedback_page
from .pipeline import Submission
from .policy import NO_POLICY
from .sandbox import Limits, Sandbox


@dataclass(frozen=True)
class Found:
    path: Path
    student: str
    assignment: str | None = None  # known from nbgrader's layout, even when the file is unreadable


def find_submissions(targets: list[Path]) -> list[Found]:
    """Notebooks named directly, in a flat folder, or in nbgrader's ``submitted/<student>/<assignment>/``. In
    nbgrader's layout, as nbgrader grades it: the notebook named after the assignment (a student's extra copies,
    "Copy of ...", are not graded), and a folder without it is graded as a notebook that is missing."""
    found: list[Found] = []
    for target in targets:
        if target.is_file():
            found.append(Found(target, target.stem))
        elif target.is_dir():
            flat = sorted(p for p in target.glob("*.ipynb") if p.is_file())
            nested = sorted({p.parent for p in target.glob("*/*/*.ipynb") if ".ipynb_checkpoints" not in p.parts})
            found += [Found(p, p.stem) for p in flat]
            found += [Found(folder / f"{folder.name}.ipynb", folder.parent.name, folder.name) for folder in nested]
        else:
            found.append(Found(target, target.stem))  # graded as unreadable, with its reason
    return found


@dataclass
class Outcome:
    results: list[dict]  # every submission's result, in input order (but one whose result could not be written)
    graded: int  # how many were graded in this run (the others were read back)


def grade_all(
    found: list[Found],
    *,
    limits: Limits,
    workers: int,
    root: Path,
    out: Path,
    targets: Sequence[Path] = (),
    force: bool = False,
    deadlines: Deadlines | None = None,
) -> Outcome:
    """Grade every notebook that has no current result in ``out``, hidden checks included, with one warm sandbox.

    A submission's feedback page and result (the dict in ``results/<student>__<assignment>.json``, with what it
    was graded with) are written atomically as soon as it is graded, and grades.csv is rewritten as results
    arrive, so a run that dies leaves everything it finished; a rerun reads those back (:func:`ledger.current`)
    and grades only the rest, or all with ``force``. Only results are kept in memory, so a whole course fits.
    ``deadlines``: the course policy, which settles every result's late penalty from its raw score, read back or
    new (a changed due date or extension moves penalties without regrading; changes.csv says what moved)."""
    deadlines = deadlines or Deadlines(NO_POLICY)
    out.mkdir(parents=True, exist_ok=True)
    ledger.remove_partial(out)
    earlier = ledger.load(out)
    results: list[dict | None] = [None] * len(found)
    left = []
    for index, item in enumerate(found):
        known = earlier.get(str(item.path.resolve()))
        if known is not None and not force and ledger.current(known[1], item.path):
            results[index] = deadlines.apply(out, known[1], _folder(item))
        else:
            left.append(index)
    sheet = GradeSheet(out, results)
    if left:
        folders = [*targets, *(item.path.parent for item in found), out]  # out: the other students' results
        contract = pipeline.Contract(limits, root=root, hide=tuple(pipeline.secrets(root, folders)))
        progress, stopping = progress_line(len(left)), threading.Event()
        with Sandbox() as sandbox:

            def one(index: int) -> None:
                item = found[index]
                handed_in = dataclasses.replace(
                    contract, assignment=item.assignment, required=item.assignment in ASSIGNMENTS
                )  # as nbgrader grades it
                try:
                    sub = handed_in.grade(item.path, item.student, sandbox)
                except Exception as exc:  # a bug of the grader's must cost one notebook, not the batch
                    sub = Submission(
                        item.path,
                        item.student,
                        problem=f"the grader failed on this notebook ({type(exc).__name__}: {exc})",
                    )
                if stopping.is_set():  # interrupted (Ctrl-C) while it ran: its grading may be cut short
                    return
                try:
                    results[index] = write_submission(
                        sub,
                        out,
                        earlier.get(str(item.path.resolve())),
                        lambda result: deadlines.apply(out, result, _folder(item)),
                    )
                except OSError as exc:  # a full disk, say: this result is lost (a rerun grades it), not the batch
                    print(f"could not write the result of {item.path}: {exc}", file=sys.stderr)
                    return
                progress.update()
                sheet.update()

            pool = ThreadPoolExecutor(max_workers=max(1, workers))
            try:
                list(pool.map(one, left))
            finally:
                stopping.set()
                pool.shutdown(wait=True, cancel_futures=True)
        progress.close()
    sheet.write()
    done = [result for result in results if result is not None]  # None: its result could not be written
    ledger.write_changes(out, ledger.changes(out, done) + lateness.changes(done))
    return Outcome(done, len(left))


def write_submission(
    sub: Submission, out: Path, earlier: tuple[Path, dict] | None = None, settle=lambda result: result
) -> dict:
    """One feedback page and one Gradescope-style JSON, each written atomically, the result last (its presence
    means the submission is graded); returns the JSON's content. ``earlier``: the result it replaces; ``settle``:
    what the course policy makes of its score, before it is written."""
    stem = ledger.result_stem(sub.student_id, sub.assignment.id if sub.assignment else None)
    ledger.write_atomically(out / "feedback" / f"{stem}.html", feedback_page(sub))
    result = ledger.write_result(out, stem, settle(formats.record(sub)), sub.path, earlier)
    if earlier is not None and earlier[0].stem != stem:  # a resubmission of another assignment
        (out / "feedback" / f"{earlier[0].stem}.html").unlink(missing_ok=True)
    return result


def _folder(item: Found) -> Path | None:
    """The submission's own folder in nbgrader's layout (where its timestamp.txt is), else None."""
    return item.path.parent if item.assignment is not None else None


class GradeSheet:
    """grades.csv, rewritten atomically from the results known so far: at most once a second while grading
    (a run that dies leaves a usable gradebook of what it finished), and at the end."""

    INTERVAL = 1.0

    def __init__(self, out: Path, results: list[dict | None]):
        self.out, self.results = out, results
        self.lock = threading.Lock()
        self.written = 0.0

    def update(self) -> None:
        if time.monotonic() - self.written >= self.INTERVAL:
            self.write()

    def write(self) -> None:
        with self.lock:
            write_grades([r for r in self.results if r is not None], self.out)
            self.written = time.monotonic()


def write_grades(results: list[dict], out: Path) -> None:
    """grades.csv: one row per submission, one column per check of the assignments graded."""
    graded = {r["assignment"] for r in results}
    check_ids = [c.grade_id for a in ASSIGNMENTS.values() if a.id in graded for c in a.checks]
    text = io.StringIO(newline="")
    writer = csv.DictWriter(
        text, fieldnames=["student", "assignment", "score", "max_score", "problem", *formats.LATE_FIELDS, *check_ids]
    )
    writer.writeheader()
    for result in results:
        writer.writerow(formats.csv_row(result, check_ids))
    ledger.write_atomically(out / "grades.csv", text.getvalue())


def class_summary(results: list[dict]) -> str:
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
            passed = sum(
                1 for r in graded for test in r["tests"] if test["name"] == check.grade_id and test["score"] > 0
            )
            lines.append(f"  {check.grade_id:<30} {passed:>3}/{len(graded)}")
    return "\n".join(lines)


def progress_line(total: int, stream=sys.stderr) -> tqdm:
    """done / total, rate and time left, redrawn on one line of a terminal by tqdm; nothing when ``stream`` is
    not a terminal (tests, CI and pipes capture the output). Safe to advance from the grading threads."""
    size = shutil.get_terminal_size()  # tqdm's own reading of a terminal that does not say its size is 0 x 0
    return tqdm(
        total=total,
        file=stream,
        disable=not stream.isatty(),
        unit=" notebooks",
        ncols=size.columns,
        nrows=size.lines,
        bar_format="graded {n_fmt}/{total_fmt}  {rate_fmt}  about {remaining} left",
    )
