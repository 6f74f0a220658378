"""The instructor's page after grading a class: ``report.html``, one self-contained file.

It is built from the result records that ``grade`` writes (``results/*.json``, the dicts
of :func:`autograder.report.gradescope`), the assignments' checks and the catalog of
mistakes, never from in-memory submissions: a class of any size can be graded as a
stream and summarised at the end. Plots are PNGs embedded as data URIs and drawn for
print (hatching, markers and numbers, not colour alone), so the page reads offline,
on paper or attached to an email.
"""
from __future__ import annotations

import base64
import io
import json
import statistics
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import quote

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from . import ledger, report
from .assignments import ASSIGNMENTS
from .framework import PASSED, Assignment, Check
from .mistakes import BY_ID
from .similarity import pages as similarity_pages

REPORT_NAME = "report.html"
RETEACH = 3  # steps named under "What to re-teach"
RETEACH_MISTAKES = 3  # mistakes named in each of its sentences
FOLD_AFTER = 12  # longer lists of students fold away (a class may have hundreds)


def write(out: Path, *, seconds: float | None = None, workers: int | None = None, similar=None) -> Path:
    """``out/report.html`` from the records in ``out/results`` (and ``out/changes.csv``, what a fixed check moved;
    ``similar``: the :class:`autograder.similarity.Analysis` of the class)."""
    path = out / REPORT_NAME
    page = render(load(out / "results"), seconds=seconds, workers=workers, changes=ledger.read_changes(out),
                  similar=similar)
    ledger.write_atomically(path, page)
    return path


def load(results: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*.json"))]


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

    @property
    def graded(self) -> list[dict]:
        """Notebooks that ran; an unreadable file says nothing about a step, so pass rates leave it out."""
        return [r for r in self.records if r["gradable"]]

    def passed(self, checks: list[Check]) -> int:
        """How many graded notebooks passed every one of these checks."""
        ids = {c.grade_id for c in checks}
        return sum(1 for r in self.graded
                   if all(t["status"] == PASSED for t in r["tests"] if t["name"] in ids))

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
        return [(step, passed, [m for m in found if {c.grade_id for c in step.checks} & set(m.checks)])
                for passed, _, step in weak]

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


# Plots ---------------------------------------------------------------------------------------------------------


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(scores: list[float], max_score: float) -> str:
    """Notebooks per score, each bar labelled with its count; full marks is a dashed line right of its bar."""
    figure = Figure(figsize=(7.5, 3.2), layout="constrained")
    axes = figure.subplots()
    width = max(1.0, max_score / 25)  # one bar per point, or 25 bars for long assignments
    edges = [-width / 2 + i * width for i in range(int(max_score / width) + 2)]
    counts, edges, _ = axes.hist(scores, bins=edges, facecolor="#d0d0d0", edgecolor="black", hatch="///")
    for count, left, right in zip(counts, edges, edges[1:]):
        if count:
            axes.text((left + right) / 2, count, f"{count:g}", ha="center", va="bottom")
    top = max(counts) * 1.25
    axes.axvline(edges[-1], color="black", linestyle="--", linewidth=1.5)
    axes.text(edges[-1], top * 0.97, f"full marks: {max_score:g} points ", ha="right", va="top")
    axes.set_ylim(0, top)
    axes.set_xlim(edges[0] - width / 2, edges[-1] + width / 2)
    axes.set_xlabel(f"score (points out of {max_score:g})")
    axes.set_ylabel("notebooks")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(int(max_score), 20)))
    return _png(figure)


def pass_rate_chart(rows: list[tuple[str, bool, int, int]]) -> str:
    """(label, hidden, passed, total) per check, top to bottom in notebook order; percentages and counts written."""
    figure = Figure(figsize=(9, 0.9 + 0.3 * len(rows)), layout="constrained")
    axes = figure.subplots()
    for y, (_, hidden, passed, total) in enumerate(rows):
        share = 100 * passed / total if total else 0
        axes.barh(y, share, height=0.7, facecolor="#a0a0a0" if hidden else "white", edgecolor="black",
                  hatch="..." if hidden else "///")
        axes.text(share + 1, y, f"{share:.0f}%  ({passed}/{total})", va="center", fontsize=8)
        if y and not hidden:
            axes.axhline(y - 0.5, color="black", linewidth=0.5)
    axes.set_yticks(range(len(rows)), [f"hidden: {label}" if hidden else label for label, hidden, _, _ in rows],
                    fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 125)
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel("graded notebooks that passed the check (%)")
    axes.legend(handles=[Patch(facecolor="white", edgecolor="black", hatch="///", label="public check"),
                         Patch(facecolor="#a0a0a0", edgecolor="black", hatch="...", label="hidden check")],
                loc="lower left", bbox_to_anchor=(0, 1), ncols=2, fontsize=8, frameon=False)
    return _png(figure)


# The page ------------------------------------------------------------------------------------------------------


def feedback_link(student: str, assignment_id: str | None) -> str:
    name = f"{report.result_stem(student, assignment_id)}.html"
    return f"<a class='student' href='feedback/{quote(name)}'>{escape(student)}</a>"


def students_list(students: list[str], assignment_id: str | None) -> str:
    links = ", ".join(feedback_link(s, assignment_id) for s in students)
    if len(students) <= FOLD_AFTER:
        return links
    return f"<details><summary>{len(students)} students</summary>{links}</details>"


def render(records: list[dict], *, seconds: float | None = None, workers: int | None = None,
           changes: list[dict] = (), similar=None) -> str:
    known, unmatched = by_assignment(records)
    run = f"{len(records)} notebook{'s' if len(records) != 1 else ''}"
    if seconds is not None:
        run += f" graded in {seconds:.1f} s" + (f" with {workers} workers" if workers else "")
    contents = "".join(f"<li><a href='#{escape(a.assignment.id)}'>{escape(a.assignment.title)}</a></li>" for a in known)
    body = [f"<h1>Class report</h1><p>{run}.</p>", changes_section(changes), f"<nav><ul>{contents}</ul></nav>"]
    if unmatched:
        rows = "".join(f"<tr><td>{feedback_link(r['student'], None)}</td><td>{escape(r['output'])}</td></tr>"
                       for r in unmatched)
        body.append("<section><h2>Notebooks not matched to any assignment</h2>"
                    f"<table><tr><th>student</th><th>why</th></tr>{rows}</table></section>")
    body += [assignment_section(a, similar) for a in known]
    body.append(similarity_pages.section(similar) if similar is not None else "")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Class report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>")


def changes_section(changes: list[dict]) -> str:
    """What a check fixed since the last grading moved (``changes.csv``): per check, who gained and who lost."""
    if not changes:
        return ""
    moved: dict[tuple[str, str], dict[str, list[str]]] = {}
    for row in changes:
        way = "gained" if float(row["new_points"]) > float(row["old_points"]) else "lost"
        moved.setdefault((row["assignment"], row["check"]), {"gained": [], "lost": []})[way].append(row["student"])
    rows = "".join(
        f"<tr data-check='{escape(check)}'><td>{escape(assignment)}</td><td><code>{escape(check)}</code></td>"
        + "".join(f"<td class='count'>{len(who[way])}</td><td>{students_list(sorted(who[way]), assignment)}</td>"
                  for way in ("gained", "lost")) + "</tr>"
        for (assignment, check), who in sorted(moved.items()))
    students = len({(r["student"], r["assignment"]) for r in changes})
    return ("<section id='changes'><h2>What changed since the last grading</h2>"
            f"<p>Checks changed since these notebooks were last graded moved the points of {_students(students)} "
            "(each row of <code>changes.csv</code> says from what to what; the earlier results are kept in "
            "<code>history/</code>).</p><table class='changes'><tr><th>assignment</th><th>check</th>"
            f"<th>gained</th><th>who</th><th>lost</th><th>who</th></tr>{rows}</table></section>")


def assignment_section(results: AssignmentResults, similar=None) -> str:
    a, graded = results.assignment, results.graded
    scores = [r["score"] for r in results.records]
    summary = f"{len(results.records)} notebooks"
    if len(graded) < len(results.records):
        summary += f", {len(results.records) - len(graded)} of them could not be graded (scored 0)"
    summary += (f". Mean {statistics.mean(scores):.1f}, median {statistics.median(scores):g} "
                f"of {a.max_score:g} points.")
    parts = [f"<section id='{escape(a.id)}'><h2>{escape(a.title)} <small>({escape(a.id)})</small></h2><p>{summary}</p>",
             reteach_section(results), similarity_pages.reteach(similar, a.id),
             "<h3>Scores</h3>",
             f"<img class='plot' src='{score_histogram(scores, a.max_score)}' alt='Histogram of the scores of "
             f"{len(scores)} notebooks out of {a.max_score:g} points'>",
             checks_section(results), mistakes_section(results), problems_section(results), time_section(results),
             "</section>"]
    return "".join(parts)


def reteach_section(results: AssignmentResults) -> str:
    total = len(results.graded)
    items = []
    for step, passed, mistakes in results.reteach():
        share = f"{100 * passed / total:.0f}%"
        if mistakes:
            named = ", ".join(f"{escape(_title(m.id))} (<code>{escape(m.id)}</code>, {_students(len(m.students))})"
                              for m in mistakes[:RETEACH_MISTAKES])
            others = len(mistakes) - RETEACH_MISTAKES
            why = f"most often {named}" + (f", and {others} other named mistake{'s' if others > 1 else ''}"
                                           if others > 0 else "")
        else:
            why = "no catalogued mistake was named there, so the students' feedback pages say what differs"
        items.append(f"<li><b>{escape(step.todo)}</b>: {passed} of {total} graded notebooks ({share}) passed every "
                     f"check of this step; {why}.</li>")
    if not items:
        text = "<p>Every graded notebook passed every step.</p>" if total else "<p>No notebook could be graded.</p>"
    else:
        text = f"<ol class='reteach'>{''.join(items)}</ol>"
    return f"<h3>What to re-teach</h3>{text}"


def checks_section(results: AssignmentResults) -> str:
    total = len(results.graded)
    if not total:
        return "<h3>How often each check passed</h3><p>No notebook could be graded.</p>"

    def rate(check: Check) -> str:
        passed = results.passed([check])
        return (f"<span class='check'><code>{escape(check.grade_id)}</code>: {passed}/{total} "
                f"({100 * passed / total:.0f}%)</span>")

    rows, chart = [], []
    for step in steps(results.assignment):
        public = [c for c in step.checks if not c.hidden]
        hidden = [c for c in step.checks if c.hidden]
        rows.append(f"<tr><td>{escape(step.todo)}</td><td>{'<br>'.join(map(rate, public)) or '-'}</td>"
                    f"<td>{'<br>'.join(map(rate, hidden)) or '-'}</td></tr>")
        chart += [(c.todo, c.hidden, results.passed([c]), total) for c in step.checks]
    return (f"<h3>How often each check passed</h3><p>Of the {total} graded notebooks, in notebook order.</p>"
            f"<img class='plot' src='{pass_rate_chart(chart)}' alt='Share of graded notebooks passing each "
            f"check, public and hidden, in notebook order'>"
            "<table class='checks'><tr><th>TO-DO</th><th>public check</th><th>hidden checks</th></tr>"
            f"{''.join(rows)}</table>")


def mistakes_section(results: AssignmentResults) -> str:
    found = results.mistakes()
    if not found:
        return "<h3>Mistakes named</h3><p>No catalogued mistake was named in this assignment.</p>"
    rows = []
    for m in found:
        mistake = BY_ID.get(m.id)
        explained = (f"{escape(mistake.explanation)}<p class='fix'><b>Fix:</b> {escape(mistake.fix)}</p>" if mistake
                     else "(not in this kit's catalog)")
        rows.append(f"<tr data-mistake='{escape(m.id)}'><td><b>{escape(_title(m.id))}</b><br>"
                    f"<code>{escape(m.id)}</code></td><td class='count'>{len(m.students)}</td>"
                    f"<td>{', '.join(f'<code>{escape(c)}</code>' for c in m.checks)}</td><td>{explained}</td>"
                    f"<td>{students_list(m.students, results.assignment.id)}</td></tr>")
    return ("<h3>Mistakes named</h3><table class='mistakes'><tr><th>mistake</th><th>students</th>"
            f"<th>found on</th><th>explanation and fix</th><th>who</th></tr>{''.join(rows)}</table>")


def problems_section(results: AssignmentResults) -> str:
    found = results.problems()
    title = "<h3>Not graded, and cells that failed or were stopped</h3>"
    if not found:
        return title + "<p>Every notebook was graded and every cell ran.</p>"
    rows = "".join(f"<tr><td>{escape(what)}</td><td class='count'>{len(who)}</td>"
                   f"<td>{students_list(sorted(who), results.assignment.id)}</td></tr>" for what, who in found)
    return (title + "<table class='problems'><tr><th>what happened</th><th>students</th><th>who</th></tr>"
            f"{rows}</table>")


def time_section(results: AssignmentResults) -> str:
    timed = [(r["execution_time"], r["student"]) for r in results.records if "execution_time" in r]
    if not timed:
        return ""
    slowest, who = max(timed)
    return (f"<h3>Grading time</h3><p>{len(timed)} notebooks took {sum(t for t, _ in timed):.1f} s of the "
            f"graders' time: median {statistics.median(t for t, _ in timed):.2f} s a notebook, slowest "
            f"{slowest:.2f} s ({feedback_link(who, results.assignment.id)}).</p>")


def _title(mistake_id: str) -> str:
    return BY_ID[mistake_id].title if mistake_id in BY_ID else mistake_id


def _students(count: int) -> str:
    return f"{count} student{'s' if count != 1 else ''}"


STYLE = """
body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em;line-height:1.4;color:#111}
h2{border-bottom:2px solid #111;margin-top:2.5em} h2 small{font-weight:normal;color:#444}
table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border-bottom:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}
th{border-bottom:2px solid #111} td.count{text-align:right;font-weight:bold}
.plot{max-width:100%;height:auto;display:block;margin:.5em 0}
.check{white-space:nowrap} .fix{margin:.3em 0 0} ol.reteach li{margin:.3em 0}
code{font-size:.95em} details summary{cursor:pointer}
@media print{h2{break-before:page} a{color:inherit}}
"""
