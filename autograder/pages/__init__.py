"""The HTML pages a grading run writes, rendered from Jinja2 templates (``autograder/templates/``).

Jinja2 is what nbconvert and nbgrader render their pages with; here autoescaping is on for every
template, so a student id, a message or a note is text on the page, never markup. Python computes
the data (counts, rates, charts, links); the templates hold all the markup.

A page is a list of :class:`Section`: a template and the data it is rendered with. To add a part to
the class report (:mod:`autograder.pages.class_report`):

1. write ``templates/class_report/<name>.html.j2``, using only the data it is given (the macros of
   ``macros.html.j2`` link students to their feedback pages);
2. write a function that computes that data and returns ``Section("class_report/<name>.html.j2",
   {...})``, or None when there is nothing to show. It takes the :class:`~.class_report.Graded` class
   (records, changes, the output folder) for a part above the assignments, or one assignment's
   :class:`~.class_report.AssignmentResults` for a part inside each assignment's section;
3. append the function to ``CLASS_SECTIONS`` or ``ASSIGNMENT_SECTIONS`` of that module (their order is
   the page's), and unit-test it as ``tests/test_pages.py`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from ..ledger import result_stem

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("autograder", "templates"),
    autoescape=True,  # every template, whatever its name: what a student wrote is never markup
    undefined=jinja2.StrictUndefined,  # a misspelt field fails the page, not blanks it
    trim_blocks=True,
    lstrip_blocks=True,
)


FOLD_AFTER = 12  # longer lists of students fold away (a class may have hundreds)


def feedback_href(student: str, assignment_id: str | None) -> str:
    """A submission's feedback page, relative to the class report (``feedback/`` beside ``report.html``)."""
    return f"feedback/{quote(result_stem(student, assignment_id))}.html"


def plural(count: int, noun: str) -> str:
    """``3 students``, ``1 student``."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


ENVIRONMENT.globals.update(feedback_href=feedback_href, fold_after=FOLD_AFTER)
ENVIRONMENT.filters.update(plural=plural, points="{:g}".format)  # points: 2, 0.5, 12.25


@dataclass(frozen=True)
class Section:
    """One part of a page: a template under ``autograder/templates/`` and the data it is rendered with."""

    template: str
    data: dict = field(default_factory=dict)

    def render(self) -> Markup:
        return Markup(render(self.template, **self.data))


@dataclass(frozen=True)
class Rendered:
    """A part rendered by its own templates (the similarity report's, :mod:`autograder.similarity.pages`)."""

    html: Markup

    def render(self) -> Markup:
        return self.html


def render(template: str, **data) -> str:
    return ENVIRONMENT.get_template(template).render(**data)
