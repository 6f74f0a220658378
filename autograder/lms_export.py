"""``attention-kit export-grades``: the graded class as the file an LMS's gradebook imports.

Canvas (the gradebook's Import: Student, ID, SIS User ID, SIS Login ID, Section, one column per assignment, then
a "Points Possible" row), Moodle (Import grades from CSV, students keyed on email, ID number or username),
Blackboard (Grade Center upload: Last Name, First Name, Username, Student ID, one column per Grade Center item,
every field quoted) and a plain CSV. The standard library's ``csv`` module writes them: it quotes what needs
quoting (commas, quotes, line breaks in names) as RFC 4180 says, which every LMS reads, and needs no other
dependency. A roster maps the kit's student ids to the LMS's; students on it without a grade get 0 or a blank
(``missing``); graded students not on it are left out and listed, never guessed. docs/lms.md has each format.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

from .assignments import ASSIGNMENTS
from .grade_records import Grade, Person, assignment_order
from .policy import NO_POLICY, Policy

FORMATS = ("canvas", "moodle", "blackboard", "csv")
ROSTER_FIELDS = tuple(f.name for f in dataclasses.fields(Person))
MOODLE_KEYS = (("email", "Email address"), ("id_number", "ID number"), ("username", "Username"))


class ExportError(ValueError):
    """A roster or a class that cannot be exported in the format asked for, with the reason."""


@dataclass(frozen=True)
class Column:
    """One grade column: an assignment's score, or (``--per-check``) the points of one of its TO-DOs."""

    assignment: str
    title: str  # what the LMS names it
    points: float
    grade_ids: tuple[str, ...] = ()  # empty: the assignment's score

    def value(self, grade: Grade) -> float:
        return sum(grade.checks.get(g, 0.0) for g in self.grade_ids) if self.grade_ids else grade.score


@dataclass
class Export:
    text: str
    encoding: str  # utf-8-sig: with a byte order mark, as Canvas writes its own exports
    left_out: list[str]  # graded students not on the roster


def read_roster(path: Path) -> dict[str, Person]:
    """A roster CSV: a ``student`` column (the kit's id) and any of :data:`ROSTER_FIELDS`."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = csv.DictReader(handle)
        names = rows.fieldnames or []
        if "student" not in names:
            raise ExportError(f"{path}: the first line must name a 'student' column (the kit's student ids)")
        unknown = [name for name in names if name not in ROSTER_FIELDS]
        if unknown:
            raise ExportError(f"{path}: unknown column {', '.join(unknown)} (known: {', '.join(ROSTER_FIELDS)})")
        people = {}
        for row in rows:
            person = Person(**{key: (value or "").strip() for key, value in row.items()})
            if not person.student:
                raise ExportError(f"{path}, line {rows.line_num}: no student id")
            if person.student in people:
                raise ExportError(f"{path}, line {rows.line_num}: {person.student} is on the roster twice")
            people[person.student] = person
    return people


def fill_in(person: Person, known: Person | None) -> Person:
    """A roster row with the fields it leaves blank taken from what the source knows (nbgrader's gradebook)."""
    if known is None:
        return person
    return dataclasses.replace(
        person,
        **{key: getattr(known, key) for key in ROSTER_FIELDS if not getattr(person, key) and getattr(known, key)},
    )


def export(
    fmt: str,
    grades: list[Grade],
    *,
    roster: dict[str, Person] | None = None,
    known: dict[str, Person] | None = None,
    policy: Policy = NO_POLICY,
    per_check: bool = False,
    missing: str = "blank",
) -> Export:
    """The file for ``fmt``. ``roster``: who is exported (None: every graded student, with what ``known`` says
    of them); ``missing``: "zero" or "blank" for a roster student without a grade."""
    graded = {(g.student, g.assignment): g for g in grades}
    students = sorted({g.student for g in grades})
    people = list(roster.values()) if roster is not None else [(known or {}).get(s, Person(s)) for s in students]
    if roster is None:
        people = [
            p if p.username or p.sis_login_id else dataclasses.replace(p, username=p.student, sis_login_id=p.student)
            for p in people
        ]
    left_out = sorted(set(students) - {p.student for p in people})
    columns = _columns(grades, policy, per_check, fmt)
    blank = "" if missing == "blank" else _number(0.0)
    table = [
        [
            _number(c.value(graded[p.student, c.assignment])) if (p.student, c.assignment) in graded else blank
            for c in columns
        ]
        for p in people
    ]
    rows = WRITERS[fmt](people, columns, table, policy)
    text = io.StringIO(newline="")
    csv.writer(text, quoting=csv.QUOTE_ALL if fmt == "blackboard" else csv.QUOTE_MINIMAL).writerows(rows)
    return Export(text.getvalue(), "utf-8-sig" if fmt == "canvas" else "utf-8", left_out)


def write(export_: Export, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=export_.encoding) as handle:
        handle.write(export_.text)


def _columns(grades: list[Grade], policy: Policy, per_check: bool, fmt: str) -> list[Column]:
    max_scores = {g.assignment: g.max_score for g in grades}
    columns = []
    for assignment_id in assignment_order(grades):
        configured = policy.assignments.get(assignment_id)
        name = configured.lms_name if configured and configured.lms_name else assignment_id
        points = max_scores[assignment_id]
        title = f"{name} [Total Pts: {_number(points)} Score]" if fmt == "blackboard" and "|" not in name else name
        columns.append(Column(assignment_id, title, points))
        if per_check and assignment_id in ASSIGNMENTS:
            todos: dict[str, list] = {}
            for check in ASSIGNMENTS[assignment_id].checks:
                todos.setdefault(check.todo, []).append(check)
            for todo, checks in todos.items():
                points = sum(c.points for c in checks)
                label = f"{assignment_id}: {todo}"
                columns.append(
                    Column(
                        assignment_id,
                        f"{label} [Total Pts: {_number(points)} Score]" if fmt == "blackboard" else label,
                        points,
                        tuple(c.grade_id for c in checks),
                    )
                )
    return columns


def _canvas(people: list[Person], columns: list[Column], table: list[list[str]], policy: Policy) -> list[list[str]]:
    """Canvas matches a student by ID, SIS User ID or SIS Login ID, and an assignment by the Canvas id in
    parentheses at the end of its column's name (set it with ``lms_name`` in course.toml)."""
    for person in people:
        if not (person.canvas_id or person.sis_user_id or person.sis_login_id):
            raise ExportError(
                f"Canvas matches students by ID, SIS User ID or SIS Login ID: the roster gives none "
                f"for {person.student} (columns canvas_id, sis_user_id, sis_login_id)"
            )
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *(c.title for c in columns)],
        ["Points Possible", "", "", "", "", *(_number(c.points) for c in columns)],
    ]
    for person, values in zip(people, table, strict=True):
        rows.append(
            [_sortable_name(person), person.canvas_id, person.sis_user_id, person.sis_login_id, person.section, *values]
        )
    return rows


def _moodle(people: list[Person], columns: list[Column], table: list[list[str]], policy: Policy) -> list[list[str]]:
    """Moodle's CSV import maps one column to its users (email address, ID number or username, the first the
    roster gives for everyone) and each other column to a grade item; a blank cell leaves the grade alone."""
    key = next(((field, header) for field, header in MOODLE_KEYS if all(getattr(p, field) for p in people)), None)
    if key is None:
        raise ExportError(
            "Moodle identifies students by email address, ID number or username: the roster must "
            "give one of the columns email, id_number, username for every student"
        )
    rows = [["First name", "Last name", key[1], *(c.title for c in columns)]]
    rows += [[p.first_name, p.last_name, getattr(p, key[0]), *values] for p, values in zip(people, table, strict=True)]
    return rows


def _blackboard(people: list[Person], columns: list[Column], table: list[list[str]], policy: Policy) -> list[list[str]]:
    """Blackboard's Grade Center matches a student by Username and a column by the ``|ID`` ending its header
    (give it with ``lms_name``); a header without one makes a new column. Names are not uploaded."""
    rows = [["Last Name", "First Name", "Username", "Student ID", *(c.title for c in columns)]]
    rows += [
        [p.last_name, p.first_name, p.username or p.student, p.id_number, *values]
        for p, values in zip(people, table, strict=True)
    ]
    return rows


def _plain(people: list[Person], columns: list[Column], table: list[list[str]], policy: Policy) -> list[list[str]]:
    """One row per student, one column per assignment, the total, and the weighted percentage when course.toml
    weighs every exported assignment."""
    scores = [c for c in columns if not c.grade_ids]
    configured = [policy.assignments.get(c.assignment) for c in scores]
    weights = {
        c.assignment: a.weight
        for c, a in zip(scores, configured, strict=True)
        if a is not None and a.weight is not None
    }
    weighted = bool(scores) and len(weights) == len(scores)
    rows = [
        [
            "student",
            "first_name",
            "last_name",
            "email",
            *(c.title for c in columns),
            "total",
            "max_total",
            *(["weighted_percent"] if weighted else []),
        ]
    ]
    for person, values in zip(people, table, strict=True):
        earned = {c.assignment: float(v) for c, v in zip(columns, values, strict=True) if not c.grade_ids and v != ""}
        row = [
            person.student,
            person.first_name,
            person.last_name,
            person.email,
            *values,
            _number(sum(earned.values())),
            _number(sum(c.points for c in scores)),
        ]
        if weighted:
            shares = [weights[c.assignment] * earned.get(c.assignment, 0.0) / c.points for c in scores if c.points]
            row.append(_number(100 * sum(shares) / (sum(weights.values()) or 1.0)))
        rows.append(row)
    return rows


WRITERS = {"canvas": _canvas, "moodle": _moodle, "blackboard": _blackboard, "csv": _plain}


def _sortable_name(person: Person) -> str:
    if person.name:
        return person.name
    if person.last_name or person.first_name:
        return ", ".join(part for part in (person.last_name, person.first_name) if part)
    return person.student


def _number(value: float) -> str:
    """Points as a person writes them: 7, 7.5, 7.25 (at most four decimals)."""
    return f"{value:.4f}".rstrip("0").rstrip(".") if value == value else ""
