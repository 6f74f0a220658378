"""What a person reads: similarity.csv, the report section, the re-teach addition and a page per flagged pair.

Every page is rendered from this package's Jinja2 templates with autoescape on: a student's code and name are text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import ledger
from . import answers, regions
from .pairs import FLAGGED, Analysis, Pair

CSV_NAME = "similarity.csv"
PAGE_NAME = "similarity.html"
SHOWN = 100  # flagged pairs in the report's table (every one has its page and its row in the CSV)
COLUMNS = ["assignment", "student A", "student B", "score", "code evidence", "answer evidence"]

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder.similarity", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def write(analysis: Analysis, out: Path) -> Path:
    """``out/similarity.csv``, ``out/similarity.html`` and ``out/similarity/<assignment>/<a>__<b>.html``;
    returns the page."""
    ledger.write_atomically(out / CSV_NAME, table(analysis))
    for pair in analysis.flagged:
        ledger.write_atomically(out / pair.page, pair_page(pair))
    page = out / PAGE_NAME
    ledger.write_atomically(
        page, TEMPLATES.get_template("page.html.j2").render(title="Similar work", body=section(analysis))
    )
    return page


def table(analysis: Analysis) -> str:
    """One row per pair worth a look, the strongest first."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    for p in analysis.pairs:
        writer.writerow([p.assignment, p.a.student, p.b.student, f"{p.score:.3f}", f"{p.code:.3f}", f"{p.answer:.3f}"])
    return text.getvalue()


def section(analysis: Analysis) -> jinja2.runtime.Markup:
    """The report's section: the flagged pairs ranked, with their reasons and pages, and what was not compared."""
    return jinja2.runtime.Markup(
        TEMPLATES.get_template("section.html.j2").render(
            analysis=analysis,
            flagged=analysis.flagged,
            shown=SHOWN,
            listed=len(analysis.pairs),
            threshold=FLAGGED,
            compared=sum(len(group) for group in analysis.notebooks.values()),
            assignments=len(analysis.notebooks),
            problems=analysis.problems(),
        )
    )


@dataclass
class Example:
    answer: answers.SharedAnswer
    student: str
    cell: str  # the representative solution cell ('' when it could not be read)


def reteach(analysis: Analysis | None, assignment: str) -> jinja2.runtime.Markup:
    """For "what to re-teach": each wrong answer no catalogued mistake explains that several students returned,
    with how many, who, and one of their solution cells."""
    if analysis is None:
        return jinja2.runtime.Markup("")
    cell_of = regions.cell_of_check(analysis.root, assignment)
    notebooks = {n.student: n for n in analysis.notebooks.get(assignment, [])}
    shown = []
    for shared in answers.unnamed(analysis.shared, assignment):
        student = shared.students[0]
        found = notebooks.get(student)
        cell = next((r.source for r in (found.regions if found else []) if r.cell_id == cell_of.get(shared.check)), "")
        shown.append(Example(shared, student, cell))
    return jinja2.runtime.Markup(TEMPLATES.get_template("reteach.html.j2").render(shared=shown))


@dataclass
class Line:
    text: str
    matched: bool


@dataclass
class Row:
    cell: str
    sides: tuple[list[Line], list[Line]]


def pair_page(pair: Pair) -> str:
    """Both notebooks' solution cells side by side, cell by cell, with the lines that match highlighted."""
    cells = list(dict.fromkeys([r.cell_id for r in pair.a.regions] + [r.cell_id for r in pair.b.regions]))
    rows = [Row(cell, (_lines(pair.a, cell, pair.matched[0]), _lines(pair.b, cell, pair.matched[1]))) for cell in cells]
    depth = "../" * pair.page.count("/")
    body = TEMPLATES.get_template("pair.html.j2").render(pair=pair, rows=rows, back=f"{depth}{PAGE_NAME}")
    return TEMPLATES.get_template("page.html.j2").render(
        title=f"{pair.a.student} and {pair.b.student}", body=jinja2.runtime.Markup(body)
    )


def _lines(notebook, cell: str, matched: set[tuple[int, int]]) -> list[Line]:
    for index, region in enumerate(notebook.regions):
        if region.cell_id == cell:
            return [Line(text, (index, number) in matched) for number, text in enumerate(region.source.splitlines(), 1)]
    return [Line("(no such cell)", False)]
