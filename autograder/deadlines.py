"""When each submission was handed in, and the course policy applied to ``attention-kit grade``'s results.

A submission's time comes from nbgrader's ``timestamp.txt`` beside it (nbgrader's layout,
``submitted/<student>/<assignment>/``), else from the ``--timestamps`` CSV (student, assignment, time), else it
is taken as on time and the summary says so once. Times are read as nbgrader reads them
(``nbgrader.utils.parse_utc``, with the same library, python-dateutil), so both doors see the same instant.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import dateutil.parser
import dateutil.tz

from . import lateness, ledger
from .policy import Policy

TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's, written by `nbgrader submit` and kept by `collect`
CSV_FIELDS = ("student", "assignment", "time")


def parse_time(text: str) -> dt.datetime:
    """A submission time as nbgrader reads it: ``2026-10-05 23:59:00.123456 UTC`` (its exchange's format: a
    zone name, or a number nbgrader takes as seconds east of UTC, after date and time) or any date and time
    python-dateutil reads; no zone means UTC. Raises ValueError."""
    parts = text.strip().split(" ")
    if len(parts) == 3:
        zone: int | dt.tzinfo | None
        try:
            zone = int(parts[2])
        except ValueError:
            zone = dateutil.tz.gettz(parts[2])
        moment = dateutil.parser.parse(" ".join([*parts[:2], "TZ"]), tzinfos={"TZ": zone})
    else:
        moment = dateutil.parser.parse(text.strip())
    return moment.astimezone(dt.timezone.utc) if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def read_times(path: Path) -> dict[tuple[str, str], dt.datetime]:
    """The ``--timestamps`` CSV: (student, assignment) -> time; raises ValueError naming the line of a bad row."""
    times = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = csv.DictReader(handle)
        if rows.fieldnames is None or not set(CSV_FIELDS) <= set(rows.fieldnames):
            raise ValueError(f"{path}: the first line must name the columns {', '.join(CSV_FIELDS)}")
        for row in rows:
            try:
                times[row["student"], row["assignment"]] = parse_time(row["time"] or "")
            except (ValueError, OverflowError):
                raise ValueError(f"{path}, line {rows.line_num}: {row['time']!r} is not a date and time") from None
    return times


class Deadlines:
    """The course policy and the submission times, applied to each result of a ``grade`` run."""

    def __init__(self, policy: Policy, times: dict[tuple[str, str], dt.datetime] | None = None):
        self.policy, self.times = policy, times or {}
        self.untimed: set[tuple[str, str]] = set()  # due dates with no submission time: taken as on time
        self.unreadable: dict[Path, str] = {}  # timestamp.txt files that could not be read, and why

    def submitted(self, student: str, assignment_id: str, folder: Path | None) -> dt.datetime | None:
        stamp = folder / TIMESTAMP_FILE if folder is not None else None
        if stamp is not None and stamp.is_file():
            try:
                return parse_time(stamp.read_text(encoding="utf-8"))
            except (ValueError, OverflowError, OSError) as exc:
                self.unreadable[stamp] = str(exc)
        return self.times.get((student, assignment_id))

    def apply(self, out: Path, result: dict, folder: Path | None) -> dict:
        """Settle ``result``'s penalty from its raw score (see :func:`lateness.settle`) and rewrite its record in
        ``out/results`` when that changed it. ``folder``: the submission's folder in nbgrader's layout, or None."""
        assignment_id, student = result.get("assignment"), result["student"]
        when = self.submitted(student, assignment_id, folder) if assignment_id in self.policy.assignments else None
        late = lateness.assess(self.policy, student, assignment_id, when)
        if late is not None and when is None:
            assert assignment_id is not None  # it has a due date
            self.untimed.add((student, assignment_id))
        if lateness.settle(result, late) and "graded_with" in result:
            stem = ledger.result_stem(student, assignment_id)
            ledger.write_atomically(out / "results" / f"{stem}.json", json.dumps(result, indent=2))
        return result

    def summary(self) -> str:
        """What the run could not know, said once."""
        lines = [f"could not read {path}: {why} (taken as on time)" for path, why in sorted(self.unreadable.items())]
        if self.untimed:
            lines.append(
                f"{len(self.untimed)} submission{'s' if len(self.untimed) != 1 else ''} with a due date had "
                f"no submission time (no {TIMESTAMP_FILE}, not in --timestamps): taken as on time."
            )
        return "\n".join(lines)
