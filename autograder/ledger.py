"""What each result was graded with, so that a rerun grades only what is left and says what a fixed check moved.

A result in ``OUT/results/`` records the submission file's hash and its assignment's *check fingerprint* (the
kit's version, the assignment's checks and worked values, and the code every check shares). On a rerun a result
is read back when both still hold; otherwise the submission is graded again. When only the fingerprint changed
(a check fixed after release), the earlier result is kept in ``OUT/history/<old fingerprint>/`` and
``OUT/changes.csv`` lists every check whose points moved.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
from pathlib import Path

import autograder

from .assignments import ASSIGNMENTS
from .kit_sources import KIT, modules_imported_by, needed_modules

CHANGES = "changes.csv"
CHANGE_FIELDS = ["student", "assignment", "check", "old_points", "new_points", "old_message", "new_message"]


@functools.cache
def fingerprint(assignment_id: str | None) -> str:
    """A hash of what grades ``assignment_id``: the kit's version, its checks (grade id, points, TO-DO), the source
    of its checks and of every module of the kit they import (worked values, references, shared helpers), and the
    shared checking code (the authoring API and all it imports: a change there may move any check's points)."""
    digest = hashlib.sha256(autograder.__version__.encode())
    files = modules_imported_by(KIT / "authoring.py") | needed_modules(assignment_id or "")
    if assignment_id in ASSIGNMENTS:
        for check in ASSIGNMENTS[assignment_id].checks:
            digest.update(f"{check.grade_id}:{check.points!r}:{check.hidden}:{check.todo}\n".encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(KIT)).encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()[:16]


def result_stem(student: str, assignment_id: str | None) -> str:
    """The file name (without suffix) of a submission's result record and feedback page."""
    return f"{student}__{assignment_id or 'ungradable'}"


def file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def graded_with(path: Path, assignment_id: str | None) -> dict:
    return {"file": str(path.resolve()), "sha256": file_hash(path), "checks": fingerprint(assignment_id)}


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it: a reader (or a rerun after a kill) sees the old
    file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def remove_partial(out: Path) -> None:
    """What a killed run left half-written."""
    for folder in (out, out / "results", out / "feedback"):
        for partial in folder.glob(".*.partial"):
            partial.unlink(missing_ok=True)


def read(path: Path) -> dict | None:
    """A complete result (one that says what it was graded with), or None."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) and isinstance(result.get("graded_with"), dict) else None


def load(out: Path) -> dict[str, tuple[Path, dict]]:
    """The complete results in ``out/results``, by the submission file they graded: (result file, result)."""
    found = {}
    for path in sorted((out / "results").glob("*.json")):
        result = read(path)
        if result is not None:
            found[result["graded_with"].get("file")] = (path, result)
    return found


def current(result: dict, path: Path) -> bool:
    """Whether ``result`` still holds for the file at ``path``: same content, same checks."""
    recorded = result["graded_with"]
    return recorded.get("sha256") == file_hash(path) and recorded.get("checks") == fingerprint(result.get("assignment"))


def write_result(out: Path, stem: str, result: dict, path: Path, earlier: tuple[Path, dict] | None) -> dict:
    """``out/results/<stem>.json``: ``result`` with what it was graded with (``path``'s hash, the checks'
    fingerprint), written atomically. ``earlier`` (the result file it replaces, and its content) goes to history/
    when the checks changed since; when the file is the same, the new result names it as ``previous``, so that
    :func:`changes` can say what the changed checks moved."""
    result["graded_with"] = graded_with(path, result["assignment"])
    if earlier is not None:
        old_file, old = earlier
        same_file = old["graded_with"].get("sha256") == result["graded_with"]["sha256"]
        if old["graded_with"].get("checks") != result["graded_with"]["checks"]:
            kept = keep_in_history(out, old_file, old)
            if same_file:
                result["graded_with"]["previous"] = kept
        elif same_file and old["graded_with"].get("previous"):
            result["graded_with"]["previous"] = old["graded_with"]["previous"]
    write_atomically(out / "results" / f"{stem}.json", json.dumps(result, indent=2))
    if earlier is not None and earlier[0].name != f"{stem}.json":  # now another assignment's (a resubmission)
        earlier[0].unlink(missing_ok=True)
    return result


def keep_in_history(out: Path, result_file: Path, result: dict) -> str:
    """Copy a result graded with other checks to ``history/<its fingerprint>/``; returns where, under history/."""
    kept = f"{result['graded_with'].get('checks')}/{result_file.name}"
    if not (out / "history" / kept).exists():
        write_atomically(out / "history" / kept, result_file.read_text(encoding="utf-8"))
    return kept


def changes(out: Path, results: list[dict]) -> list[dict]:
    """One row per check whose points moved between a result and the one it replaced after a check changed."""
    rows = []
    for result in results:
        previous = result.get("graded_with", {}).get("previous")
        if not previous or not (out / "history" / previous).is_file():
            continue
        old_file = out / "history" / previous
        old = {t["name"]: t for t in json.loads(old_file.read_text(encoding="utf-8"))["tests"]}
        for test in result["tests"]:
            before = old.get(test["name"])
            if before is not None and before["score"] != test["score"]:
                rows.append(
                    {
                        "student": result["student"],
                        "assignment": result["assignment"],
                        "check": test["name"],
                        "old_points": before["score"],
                        "new_points": test["score"],
                        "old_message": _first_line(before["output"]),
                        "new_message": _first_line(test["output"]),
                    }
                )
    return rows


def write_changes(out: Path, rows: list[dict]) -> None:
    """``changes.csv`` when something moved (and none left from before when nothing did)."""
    if not rows:
        (out / CHANGES).unlink(missing_ok=True)
        return
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CHANGE_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(out / CHANGES, text.getvalue())


def read_changes(out: Path) -> list[dict]:
    path = out / CHANGES
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""
