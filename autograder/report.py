"""What a person reads in a browser: a check's message and a student's feedback page (the other doors' words
are in :mod:`autograder.formats`), and the name of a submission's files."""
from __future__ import annotations

import html
import re

from .checker.formats import MARK
from .pipeline import Submission


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
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(sub.student_id)}: feedback</title>"
            f"<style>{style}</style></head><body>{head}<p>Student: {e(sub.student_id)}</p>{body}</body></html>")
