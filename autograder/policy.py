"""The course's policy file, ``course.toml`` at the course root: due dates, extensions, the late rule, weights.

One file is the one source for every door: ``attention-kit grade`` applies it to each result, nbgrader's late
submission plugin (:mod:`autograder.nbgrader_late`) reads it during ``nbgrader autograde``, and
``export-grades`` takes the LMS's column names from it. A file that is not valid is refused whole, with the line
and the reason (:class:`PolicyError`), before anything is graded: no grade may rest on half a policy. Read with
the standard library's TOML reader and time zones from ``zoneinfo`` (the ``tzdata`` package supplies the zones
where the system has no tz database). Every key is documented in docs/lms.md.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if sys.version_info >= (3, 11):
    import tomllib  # novermin (3.11+; the tomli package below on 3.10)
else:  # Python 3.10 (Gradescope's image): the same parser, as a package
    import tomli as tomllib

POLICY_FILE = "course.toml"
RULE_KEYS = {"penalty_percent", "per", "max_penalty_percent", "grace_minutes", "not_accepted_after_days"}
ASSIGNMENT_KEYS = {"due", "weight", "lms_name", "late"}
EXTENSION_KEYS = {"student", "assignment", "due", "hours", "reason"}
TOP_KEYS = {"timezone", "late", "assignments", "extensions"}
UNITS = {"day": 86400, "hour": 3600}


class PolicyError(ValueError):
    """A course.toml that cannot be used, with where (line) and why."""


@dataclass(frozen=True)
class LateRule:
    """How late work loses points: ``penalty_percent`` of the earned points per started ``per`` after the due date
    (late by more than ``grace_minutes``), at most ``max_penalty_percent``; after ``not_accepted_after_days`` it
    is not accepted (all its points)."""

    penalty_percent: float = 0.0
    per: str = "day"
    max_penalty_percent: float = 100.0
    grace_minutes: float = 0.0
    not_accepted_after_days: float | None = None


@dataclass(frozen=True)
class Extension:
    student: str
    assignment: str
    due: dt.datetime | None = None  # a new due date, or
    hours: float = 0.0  # extra hours after the assignment's
    reason: str = ""


@dataclass(frozen=True)
class AssignmentPolicy:
    id: str
    due: dt.datetime | None = None
    weight: float | None = None
    lms_name: str | None = None  # the assignment's column as the LMS names it, e.g. Canvas's "Attention (4711)"
    late: LateRule = field(default_factory=LateRule)


@dataclass(frozen=True)
class Policy:
    assignments: dict[str, AssignmentPolicy] = field(default_factory=dict)
    extensions: dict[tuple[str, str], Extension] = field(default_factory=dict)
    source: Path | None = None

    def due(self, student: str, assignment_id: str) -> tuple[dt.datetime | None, Extension | None]:
        """The student's due date for the assignment (its extension included) and the extension, if any."""
        assignment = self.assignments.get(assignment_id)
        extension = self.extensions.get((student, assignment_id))
        due = assignment.due if assignment else None
        if extension is not None:
            due = extension.due or (due + dt.timedelta(hours=extension.hours) if due else None)
        return due, extension


NO_POLICY = Policy()


def load(root: Path, known: set[str] | frozenset[str]) -> Policy:
    """``root/course.toml`` (no file: :data:`NO_POLICY`, every submission on time); ``known``: the course's
    assignment ids."""
    path = root / POLICY_FILE
    return parse(path.read_text(encoding="utf-8"), known, path) if path.is_file() else NO_POLICY


def parse(text: str, known: set[str] | frozenset[str], source: Path | None = None) -> Policy:
    """The policy in ``text``; raises :class:`PolicyError` naming the first problem's line and key."""
    name = source.name if source else POLICY_FILE
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends with "(at line L, column C)"
        raise PolicyError(f"{name}: not valid TOML: {exc}") from None
    reader = _Reader(text, name)
    reader.keys(data, TOP_KEYS, ())
    zone = _zone(reader, data.get("timezone"))
    course_rule = _rule(reader, data.get("late", {}), LateRule(), ("late",))
    assignments = {}
    for assignment_id, table in reader.table(data.get("assignments", {}), ("assignments",)).items():
        where = ("assignments", assignment_id)
        if assignment_id not in known:
            reader.fail(where, f"no assignment {assignment_id!r} in this course (it has {', '.join(sorted(known))})")
        reader.table(table, where)
        reader.keys(table, ASSIGNMENT_KEYS, where)
        weight = table.get("weight")
        if weight is not None:
            reader.number(weight, (*where, "weight"), low=0)
        lms_name = table.get("lms_name")
        if lms_name is not None and not isinstance(lms_name, str):
            reader.fail((*where, "lms_name"), "must be a string")
        assignments[assignment_id] = AssignmentPolicy(
            assignment_id,
            _date(reader, table.get("due"), zone, (*where, "due")),
            weight,
            lms_name,
            _rule(reader, table.get("late", {}), course_rule, (*where, "late")),
        )
    extensions = {}
    for index, entry in enumerate(reader.array(data.get("extensions", []), ("extensions",))):
        extension = _extension(reader, entry, index, zone, assignments)
        if (extension.student, extension.assignment) in extensions:
            reader.fail(("extensions", index), f"a second extension for {extension.student}'s {extension.assignment}")
        extensions[extension.student, extension.assignment] = extension
    return Policy(assignments, extensions, source)


def _zone(reader: _Reader, name) -> ZoneInfo | None:
    if name is None:
        return None
    if not isinstance(name, str):
        reader.fail(("timezone",), 'must be a time zone name such as "Europe/Berlin"')
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        reader.fail(("timezone",), f'unknown time zone {name!r} (names are the tz database\'s, e.g. "Europe/Berlin")')


def _rule(reader: _Reader, table, base: LateRule, where: tuple) -> LateRule:
    reader.table(table, where)
    reader.keys(table, RULE_KEYS, where)
    values: dict[str, Any] = {}  # LateRule's fields, each checked as it is read
    for key in ("penalty_percent", "max_penalty_percent"):
        if key in table:
            values[key] = reader.number(table[key], (*where, key), low=0, high=100)
    for key in ("grace_minutes", "not_accepted_after_days"):
        if key in table:
            values[key] = reader.number(table[key], (*where, key), low=0)
    if "per" in table:
        if table["per"] not in UNITS:
            reader.fail((*where, "per"), f'must be "day" or "hour", not {table["per"]!r}')
        values["per"] = table["per"]
    return replace(base, **values)


def _extension(reader: _Reader, entry, index: int, zone, assignments: dict[str, AssignmentPolicy]) -> Extension:
    where = ("extensions", index)
    reader.table(entry, where)
    reader.keys(entry, EXTENSION_KEYS, where)
    for key in ("student", "assignment"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            reader.fail((*where, key) if key in entry else where, f"an extension needs a {key} (a string)")
    if entry["assignment"] not in assignments:
        reader.fail((*where, "assignment"), f"no [assignments.{entry['assignment']}] in this file to extend")
    if ("due" in entry) == ("hours" in entry):
        reader.fail(where, "an extension gives either a new due date (due) or extra hours (hours), one of the two")
    if "hours" in entry and assignments[entry["assignment"]].due is None:
        reader.fail((*where, "hours"), f"{entry['assignment']} has no due date to add hours to")
    reason = entry.get("reason", "")
    if not isinstance(reason, str):
        reader.fail((*where, "reason"), "must be a string")
    hours = reader.number(entry["hours"], (*where, "hours"), low=0) if "hours" in entry else 0.0
    due = _date(reader, entry.get("due"), zone, (*where, "due"))
    return Extension(entry["student"], entry["assignment"], due, hours, reason)


def _date(reader: _Reader, value, zone: ZoneInfo | None, where: tuple) -> dt.datetime | None:
    """A TOML date-time: with its UTC offset, or local time in the file's ``timezone``."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        example = "2026-10-05T23:59:00"
        reader.fail(
            where,
            f"must be a TOML date and time without quotes, such as {example}, not {value!r}"
            + (" (a date needs a time of day)" if isinstance(value, dt.date) else ""),
        )
    if value.tzinfo is None:
        if zone is None:
            reader.fail(where, "has no UTC offset: add one (2026-10-05T23:59:00+02:00) or set timezone at the top")
        value = value.replace(tzinfo=zone)
    return value


class _Reader:
    """Checks values of the parsed file and says where a bad one is: its key path and its line."""

    def __init__(self, text: str, name: str):
        self.lines, self.name = text.splitlines(), name

    def fail(self, where: tuple, message: str) -> NoReturn:
        key = ".".join(str(part) if not isinstance(part, int) else f"[{part}]" for part in where).replace(".[", "[")
        raise PolicyError(f"{self.name}, line {self.line(where)}: {key}: {message}")

    def keys(self, table: dict, allowed: set[str], where: tuple) -> None:
        for key in table:
            if key not in allowed:
                self.fail((*where, key), f"unknown key (known here: {', '.join(sorted(allowed))})")

    def table(self, value, where: tuple) -> dict:
        if not isinstance(value, dict):
            self.fail(where, "must be a table")
        return value

    def array(self, value, where: tuple) -> list:
        if not isinstance(value, list):
            self.fail(where, "must be an array of tables ([[extensions]])")
        return value

    def number(self, value, where: tuple, low: float, high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (high and value > high):
            bounds = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            self.fail(where, f"must be a number {bounds}, not {value!r}")
        return float(value)

    def line(self, where: tuple) -> int:
        """The line that sets ``where`` (else the inline table or the header of the table holding it; else 1): a
        small scan of headers and keys, enough for the files this module reads."""
        header: tuple = ()
        counts: dict[tuple, int] = {}
        best = 1
        for number, raw in enumerate(self.lines, start=1):
            line = raw.split("#", 1)[0].strip()
            found = re.fullmatch(r"(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
            if found:
                header = tuple(_parts(found[2]))
                if found[1] == "[[":
                    counts[header] = counts.get(header, -1) + 1
                    header = (*header, counts[header])
                if header == where[: len(header)] and len(header) <= len(where):
                    best = number
                continue
            key = re.match(r"([\w\"'.\- ]+?)\s*=", line)
            path = (*header, *_parts(key[1])) if key else None
            if path == where:
                return number
            if path and path == where[: len(path)]:  # an inline table holding it
                best = number
        return best


def _parts(dotted: str) -> list[str]:
    return [part.strip().strip("\"'") for part in dotted.split(".")]
