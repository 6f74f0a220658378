"""The class report's "Late submissions" section: per assignment, who was late, by how much, what it cost, and
the extensions granted, from the lateness each result records (``autograder/lateness.py``). Its template is
``templates/class_report/late.html.j2``."""

from __future__ import annotations

import datetime as dt

from ..assignments import ASSIGNMENTS
from ..lateness import describe
from . import Section


def late_section(records: list[dict]) -> Section | None:
    """The section's data; None when no result has a due date (a course without course.toml)."""
    timed = [r for r in records if r.get("lateness")]
    if not timed:
        return None
    assignments = []
    for assignment_id in [a for a in ASSIGNMENTS if any(r["assignment"] == a for r in timed)]:
        mine = sorted((r for r in timed if r["assignment"] == assignment_id), key=lambda r: r["student"])
        late = [_late_row(r) for r in mine if r["lateness"]["seconds_late"] > 0]
        extensions = [
            {
                "student": r["student"],
                "due": _when(r["lateness"]["due"]),
                "reason": r["lateness"]["extension"]["reason"],
            }
            for r in mine
            if r["lateness"]["extension"]
        ]
        assignments.append({"id": assignment_id, "late": late, "extensions": extensions})
    untimed = sum(1 for r in timed if r["lateness"]["submitted"] is None)
    return Section("class_report/late.html.j2", {"assignments": assignments, "untimed": untimed})


def _late_row(result: dict) -> dict:
    record = result["lateness"]
    return {
        "student": result["student"],
        "due": _when(record["due"]),
        "extended": bool(record["extension"]),
        "submitted": _when(record["submitted"]),
        "late_by": describe(record["seconds_late"]),
        "accepted": record["accepted"],
        "penalty": f"{record['penalty']:g}",
        "percent": f"{record['percent']:g}",
        "score": f"{result['score']:g}",
        "max_score": f"{result['max_score']:g}",
    }


def _when(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M %Z").strip()
