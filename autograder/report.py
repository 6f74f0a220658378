"""What a person reads: a text table, a Gradescope-style JSON, a CSV row, an HTML page."""
from __future__ import annotations

import html
import re

from . import attention_check
from .attention_check import MARK
from .pipeline import Submission


def gradescope(sub: Submission) -> dict:
    """``{"score", "max_score", "tests": [...]}`` plus who, what, any notes and the grading time."""
    output = sub.problem or "\n".join(sub.notes)
    return {
        "score": sub.score,
        "max_score": sub.max_score,
        "student": sub.student,
        "assignment": sub.assignment.id if sub.assignment else None,
        "gradable": sub.gradable,
        "output": output,
        "tests": [r.as_test() for r in sub.results],
        "notes": list(sub.notes),
        "execution_time": round(sub.seconds, 3),  # Gradescope's key, in seconds
    }


def table(sub: Submission) -> str:
    """The student's view, as their own ``python attention_check.py`` prints it: one line per check, then what
    failed and why."""
    if not sub.gradable:
        return f"{sub.path.name}: cannot be checked: {sub.problem}"
    return attention_check.table(sub.path.name, sub.assignment.id, sub.results, sub.notes)


#: grades.csv's columns for the late rule (``autograder/lateness.py``): score is raw_score less late_penalty
LATE_FIELDS = ["raw_score", "late_penalty", "lateness"]


def csv_row(result: dict, check_ids: list[str]) -> dict:
    """A grades.csv row from a submission's :func:`gradescope` results (and its late penalty, if any)."""
    by_id = {test["name"]: test["score"] for test in result["tests"]}
    row = {"student": result["student"], "assignment": result["assignment"] or "", "score": result["score"],
           "max_score": result["max_score"], "problem": "" if result["gradable"] else result["output"],
           "raw_score": result.get("raw_score", result["score"]), "late_penalty": result.get("late_penalty", 0.0),
           "lateness": (result.get("lateness") or {}).get("why", "")}
    row.update({grade_id: by_id.get(grade_id, 0.0) for grade_id in check_ids})
    return row


def result_stem(student: str, assignment_id: str | None) -> str:
    """The file name (without suffix) of a submission's result record and feedback page."""
    return f"{student}__{assignment_id or 'ungradable'}"


#: how a diagnosis reads in a check's message (``mistakes.advice``): the mistake's id, explanation and fix
DIAGNOSIS = re.compile(r"^Likely mistake \(([\w.-]+)\): (.*)\n\s+Fix: (.*)$", re.MULTILINE)


def message_html(message: str) -> str:
    """A check's message as the notebook shows it, each diagnosis set apart in a highlighted box."""
    e = html.escape
    parts, start = [], 0
    for found in DIAGNOSIS.finditer(message):
        parts.append(_preformatted(message[start:found.start()]))
        parts.append(f"<div class='diagnosis' data-mistake='{e(found[1])}'><p><b>Likely mistake "
                     f"(<code>{e(found[1])}</code>)</b>: {e(found[2])}</p><p><b>Fix:</b> {e(found[3])}</p></div>")
        start = found.end()
    return "".join(parts) + _preformatted(message[start:])


def _preformatted(text: str) -> str:
    text = text.strip("\n")
    return f"<pre>{html.escape(text)}</pre>" if text else ""


def feedback_html(sub: Submission) -> str:
    """A page a student can read on its own: score, each check, each explanation, each diagnosis set apart."""
    e = html.escape
    head = (f"<p class='back'><a href='../report.html'>&larr; class report</a></p>"
            f"<h1>{e(sub.assignment.title if sub.assignment else 'Notebook')}</h1>")
    if not sub.gradable:
        body = f"<p class='problem'>This notebook could not be graded: {e(sub.problem)}</p>"
    else:
        rows = "".join(
            f"<tr class='{r.status}' data-check='{e(r.grade_id)}'><td>{e(r.todo)}</td>"
            f"<td>{r.score:g} / {r.points:g}</td>"
            f"<td>{MARK[r.status]}</td><td>{message_html(r.message)}</td></tr>" for r in sub.results)
        notes = "".join(f"<li>{e(n)}</li>" for n in sub.notes)
        body = (f"<p>Score: <b class='score'>{sub.score:g} / {sub.max_score:g}</b></p>"
                f"<table><tr><th>TO-DO</th><th>points</th><th>result</th><th>why</th></tr>{rows}</table>"
                + (f"<h2>Running your notebook</h2><ul>{notes}</ul>" if notes else ""))
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto} td,th{border-bottom:1px solid #ddd;"
             "padding:.3em;vertical-align:top;text-align:left} pre{white-space:pre-wrap;margin:0} "
             ".passed td:nth-child(3){color:#176117} .failed td:nth-child(3){color:#a11;font-weight:bold} "
             ".diagnosis{border-left:.4em solid #b8860b;background:#fff6d5;padding:.2em .6em;margin:.4em 0} "
             ".diagnosis p{margin:.2em 0}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(sub.student)}: feedback</title>"
            f"<style>{style}</style></head><body>{head}<p>Student: {e(sub.student)}</p>{body}</body></html>")
