"""The instructor's page after grading a class: ``report.html``, one self-contained file.

It is built from the result records that ``grade`` writes (``results/*.json``, the dicts
of :func:`autograder.formats.record`), the assignments' checks and the catalog of
mistakes, never from in-memory submissions: a class of any size can be graded as a
stream and summarised at the end. This module computes what the page says (counts, pass
rates, the mistakes named, the charts of :mod:`.charts`); the templates
``class_report.html.j2`` and ``class_report/*.html.j2`` say it. A new part of the page is a
function appended to :data:`CLASS_SECTIONS` or :data:`ASSIGNMENT_SECTIONS` (see
:mod:`autograder.pages`).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import ledger
from ..assignments import ASSIGNMENTS
from ..framework import PASSED, Assignment, Check
from ..mistakes import BY_ID
from ..similarity import Analysis
from ..similarity import pages as similarity_pages
from . import Rendered, Section, render
from .charts import pass_rate_chart, score_histogram
from .late import late_section

REPORT_NAME = "report.html"
RETEACH = 3  # steps named under "What to re-teach"
RETEACH_MISTAKES = 3  # mistakes named in each of its sentences


def write(
    out: Path, *, seconds: float | None = None, workers: int | None = None, similar: Analysis | None = None
) -> Path:
    """``out/report.html`` from the records in ``out/results`` (and ``out/changes.csv``, what a fixed check moved;
    ``similar``: the similarity analysis of the class, if it was made)."""
    path = out / REPORT_NAME
    graded = Graded(load(out / "results"), ledger.read_changes(out), seconds, workers, out, similar)
    ledger.write_atomically(path, page(graded))
    return path


def load(results: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*.json"))]


@dataclass
class Graded:
    """What the page is made from: the result records, what a regrade changed (``changes.csv``'s rows), how the
    run went, the folder ``grade`` wrote (None when the page is rendered from records alone), and the similarity
    analysis of the class, if it was made."""

    records: list[dict]
    changes: list[dict] = field(default_factory=list)
    seconds: float | None = None
    workers: int | None = None
    out: Path | None = None
    similar: Analysis | None = None


# What the records say ------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One TO-DO: its public check and the hidden checks under it, in notebook order."""

    todo: str
    checks: list[Check]


def steps(assignment: Assignment) -> list[Step]:
    found: list[Step] = []
    for check in assignment.checks:
        if check.hidden and found:
            found[-1].checks.append(check)
        else:
            found.append(Step(check.todo, [check]))
    return found


@dataclass
class MistakeFound:
    id: str
    students: list[str]
    checks: list[str]  # grade ids it was named on, in notebook order


@dataclass
class AssignmentResults:
    """One assignment's records and the figures the page shows."""

    assignment: Assignment
    records: list[dict]
    similar: Analysis | None = None  # the class's similarity analysis, for the wrong answers it shares

    @property
    def graded(self) -> list[dict]:
        """Notebooks that ran; an unreadable file says nothing about a step, so pass rates leave it out."""
        return [r for r in self.records if r["gradable"]]

    def passed(self, checks: list[Check]) -> int:
        """How many graded notebooks passed every one of these checks."""
        ids = {c.grade_id for c in checks}
        return sum(1 for r in self.graded if all(t["status"] == PASSED for t in r["tests"] if t["name"] in ids))

    def mistakes(self) -> list[MistakeFound]:
        """Named mistakes, most students first (catalog order among equals)."""
        students: dict[str, set[str]] = {}
        checks: dict[str, set[str]] = {}
        for record in self.records:
            for test in record["tests"]:
                for tag in test["tags"]:
                    students.setdefault(tag, set()).add(record["student"])
                    checks.setdefault(tag, set()).add(test["name"])
        order = [c.grade_id for c in self.assignment.checks]
        found = [MistakeFound(tag, sorted(students[tag]), [g for g in order if g in checks[tag]]) for tag in students]
        catalog = {mistake_id: rank for rank, mistake_id in enumerate(BY_ID)}
        return sorted(found, key=lambda m: (-len(m.students), catalog.get(m.id, len(catalog)), m.id))

    def reteach(self) -> list[tuple[Step, int, list[MistakeFound]]]:
        """The steps with the lowest pass rates (notebook order among equals) and the mistakes named on them."""
        total = len(self.graded)
        weak = [(self.passed(step.checks), index, step) for index, step in enumerate(steps(self.assignment))]
        weak = sorted((w for w in weak if w[0] < total), key=lambda w: (w[0], w[1]))[:RETEACH]
        found = self.mistakes()
        return [
            (step, passed, [m for m in found if {c.grade_id for c in step.checks} & set(m.checks)])
            for passed, _, step in weak
        ]

    def problems(self) -> list[tuple[str, list[str]]]:
        """(what happened, students): files that could not be graded, then notes on cells, most students first."""
        unreadable: dict[str, list[str]] = {}
        notes: dict[str, list[str]] = {}
        for record in self.records:
            if not record["gradable"]:
                unreadable.setdefault(f"Not graded: {record['output']}", []).append(record["student"])
            for note in record.get("notes", []):
                notes.setdefault(note, []).append(record["student"])
        by_size = sorted(notes.items(), key=lambda item: -len(item[1]))
        return sorted(unreadable.items(), key=lambda item: -len(item[1])) + by_size


def by_assignment(records: list[dict]) -> tuple[list[AssignmentResults], list[dict]]:
    """Records of each known assignment (course order), and those matched to none."""
    known = [AssignmentResults(a, [r for r in records if r.get("assignment") == a.id]) for a in ASSIGNMENTS.values()]
    return [k for k in known if k.records], [r for r in records if r.get("assignment") not in ASSIGNMENTS]


# The page: its parts, top to bottom -------------------------------------------------------------------------------


def page(graded: Graded) -> str:
    """The whole page: a line on the run, then each of :data:`CLASS_SECTIONS`, then each assignment's part."""
    known, _ = by_assignment(graded.records)
    for results in known:
        results.similar = graded.similar
    sections = [section for make in CLASS_SECTIONS if (section := make(graded)) is not None]
    sections += [assignment_section(results) for results in known]
    return render(
        "class_report.html.j2",
        notebooks=len(graded.records),
        seconds=graded.seconds,
        workers=graded.workers,
        sections=sections,
    )


def changes_section(graded: Graded) -> Section | None:
    """What a check fixed since the last grading moved (``changes.csv``): per check, who gained and who lost."""
    if not graded.changes:
        return None
    moved: dict[tuple[str, str], dict[str, list[str]]] = {}
    for row in graded.changes:
        way = "gained" if float(row["new_points"]) > float(row["old_points"]) else "lost"
        moved.setdefault((row["assignment"], row["check"]), {"gained": [], "lost": []})[way].append(row["student"])
    rows = [
        {"assignment": assignment, "check": check, "gained": sorted(who["gained"]), "lost": sorted(who["lost"])}
        for (assignment, check), who in sorted(moved.items())
    ]
    students = len({(row["student"], row["assignment"]) for row in graded.changes})
    return Section("class_report/changes.html.j2", {"rows": rows, "students": students})


def contents_section(graded: Graded) -> Section:
    known, _ = by_assignment(graded.records)
    return Section("class_report/contents.html.j2", {"assignments": [results.assignment for results in known]})


def unmatched_section(graded: Graded) -> Section | None:
    _, unmatched = by_assignment(graded.records)
    return Section("class_report/unmatched.html.j2", {"records": unmatched}) if unmatched else None


def assignment_section(results: AssignmentResults) -> Section:
    """An assignment's part: a summary line, then each of :data:`ASSIGNMENT_SECTIONS`."""
    scores = [r["score"] for r in results.records]
    return Section(
        "class_report/assignment.html.j2",
        {
            "assignment": results.assignment,
            "notebooks": len(scores),
            "ungradable": len(scores) - len(results.graded),
            "mean": statistics.mean(scores),
            "median": statistics.median(scores),
            "parts": [part for make in ASSIGNMENT_SECTIONS if (part := make(results)) is not None],
        },
    )


def reteach_section(results: AssignmentResults) -> Section:
    """The steps fewest notebooks passed, each with the mistakes most often named on it."""
    steps = [
        {
            "todo": step.todo,
            "passed": passed,
            "others": max(0, len(mistakes) - RETEACH_MISTAKES),
            "mistakes": [
                {"id": m.id, "title": _title(m.id), "students": len(m.students)} for m in mistakes[:RETEACH_MISTAKES]
            ],
        }
        for step, passed, mistakes in results.reteach()
    ]
    return Section("class_report/reteach.html.j2", {"total": len(results.graded), "steps": steps})


def scores_section(results: AssignmentResults) -> Section:
    scores = [r["score"] for r in results.records]
    max_score = results.assignment.max_score
    return Section(
        "class_report/scores.html.j2",
        {"chart": score_histogram(scores, max_score), "notebooks": len(scores), "max_score": max_score},
    )


def checks_section(results: AssignmentResults) -> Section:
    """Each check's pass rate, as a chart and as a table of the steps' public and hidden checks."""
    total = len(results.graded)
    rows, chart = [], []
    for step in steps(results.assignment) if total else []:
        rates: list[dict[str, Any]] = [
            {"grade_id": c.grade_id, "hidden": c.hidden, "passed": results.passed([c])} for c in step.checks
        ]
        rows.append(
            {
                "todo": step.todo,
                "public": [rate for rate in rates if not rate["hidden"]],
                "hidden": [rate for rate in rates if rate["hidden"]],
            }
        )
        chart += [(c.todo, c.hidden, rate["passed"], total) for c, rate in zip(step.checks, rates, strict=True)]
    return Section(
        "class_report/checks.html.j2",
        {"total": total, "rows": rows, "chart": pass_rate_chart(chart) if total else None},
    )


def mistakes_section(results: AssignmentResults) -> Section:
    """The named mistakes, most students first, with the catalog's explanation and fix."""
    rows = [
        {"id": m.id, "title": _title(m.id), "students": m.students, "checks": m.checks, "mistake": BY_ID.get(m.id)}
        for m in results.mistakes()
    ]
    return Section("class_report/mistakes.html.j2", {"rows": rows, "assignment_id": results.assignment.id})


def problems_section(results: AssignmentResults) -> Section:
    rows = [{"what": what, "students": sorted(who)} for what, who in results.problems()]
    return Section("class_report/problems.html.j2", {"rows": rows, "assignment_id": results.assignment.id})


def time_section(results: AssignmentResults) -> Section | None:
    timed = [(r["execution_time"], r["student"]) for r in results.records if "execution_time" in r]
    if not timed:
        return None
    slowest, who = max(timed)
    return Section(
        "class_report/time.html.j2",
        {
            "notebooks": len(timed),
            "seconds": sum(t for t, _ in timed),
            "median": statistics.median(t for t, _ in timed),
            "slowest": slowest,
            "who": who,
            "assignment_id": results.assignment.id,
        },
    )


def _title(mistake_id: str) -> str:
    return BY_ID[mistake_id].title if mistake_id in BY_ID else mistake_id


#: The parts of the page above the assignments, in order: each makes a Section from the graded class, or None.
def similarity_section(graded: Graded) -> Rendered | None:
    """The pairs whose work is similar, ranked, for a person to review (:mod:`autograder.similarity`)."""
    return Rendered(similarity_pages.section(graded.similar)) if graded.similar is not None else None


def shared_wrong_answers_section(results: AssignmentResults) -> Rendered | None:
    """Under "what to re-teach": the wrong answers no catalogued mistake explains that several students returned."""
    if results.similar is None:
        return None
    return Rendered(similarity_pages.reteach(results.similar, results.assignment.id))


CLASS_SECTIONS: list[Callable[[Graded], Section | Rendered | None]] = [
    changes_section,
    lambda graded: late_section(graded.records),
    contents_section,
    unmatched_section,
    similarity_section,
]
#: The parts of each assignment's section, in order: each makes a Section from its results, or None.
ASSIGNMENT_SECTIONS: list[Callable[[AssignmentResults], Section | Rendered | None]] = [
    reteach_section,
    shared_wrong_answers_section,
    scores_section,
    checks_section,
    mistakes_section,
    problems_section,
    time_section,
]
