"""Where each catalogued mistake is detected: the checks that can name it, found by construction.

A check can name a mistake when its reference uses an operation the mistake is a slip of and the
slip changes the answer on the check's inputs, or when a warning or a detector of the check points
at it. For a public check this is in its data; for a hidden check it is collected
(:func:`compare.nameable_mistakes`) while the check runs on the reference solution, in this process
(:func:`namespace_of`; so this needs the course's ``solutions/``). ``attention-kit mistakes``
prints the result as docs/mistakes.md's table.
"""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from collections import defaultdict
from pathlib import Path

import nbformat

from . import compare, course
from .assignments import ASSIGNMENTS
from .checker.cells import runs_before_checking, source_of
from .checker.handle import InKernel
from .framework import run_check
from .mistakes import CATALOG
from .mistakes.catalogue_families import FAMILY_MISTAKES


def namespace_of(notebook: nbformat.NotebookNode) -> dict:
    """The notebook's code cells (:func:`runs_before_checking`) run with exec in a fresh namespace: what a check sees
    of a kernel, since it only calls the functions the cells define. For trusted notebooks only: it is how
    ``attention-kit mistakes`` runs the hidden checks on the course's reference solutions (no sandbox, no kernel),
    and how the test suite runs the checks quickly. A submitted notebook is never run this way."""
    import matplotlib

    matplotlib.use("Agg")  # this process only: an MPLBACKEND in its environment would reach every kernel it starts
    namespace: dict = {"__name__": "__notebook__"}
    for cell in notebook.cells:
        if runs_before_checking(cell):
            source = "\n".join(
                line for line in source_of(cell).splitlines() if not line.lstrip().startswith(("%", "!"))
            )
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")  # the notebook's own warnings and printing are its business
                    exec(compile(source, "<cell>", "exec"), namespace)
            except Exception:  # a broken cell is part of what is being graded
                pass
    import matplotlib.pyplot

    matplotlib.pyplot.close("all")
    return namespace


def _named_by_public(data: dict) -> dict[str, set[str]]:
    found: defaultdict[str, set[str]] = defaultdict(set)
    for check in data["checks"]:
        for step in check.get("steps", []):
            ((kind, spec),) = step.items()
            if kind == "expect":
                found[check["grade_id"]].update(m for m, _ in spec["variants"] + spec["warned"])
                if spec["uninitialised"]:
                    found[check["grade_id"]].add(spec["uninitialised"])
    return found


def _named_by_hidden(root: Path, assignment) -> dict[str, set[str]]:
    student = InKernel(namespace_of(course.read(course.notebook_path(root, "solutions", assignment.id))))
    found = {}
    for check in assignment.checks:
        if check.hidden:
            with compare.nameable_mistakes() as named:
                run_check(check, student)
            found[check.grade_id] = named
    return found


@functools.cache
def detected(root: Path) -> dict[str, list[str]]:
    """Mistake id -> the grade ids (in course order) where it can be named."""
    by_check: dict[str, set[str]] = {}
    for assignment in ASSIGNMENTS.values():
        by_check.update(_named_by_public(assignment.public_data()))
        by_check.update(_named_by_hidden(root, assignment))
    order = [c.grade_id for a in ASSIGNMENTS.values() for c in a.checks]
    return {m.id: [g for g in order if m.id in by_check.get(g, ())] for m in CATALOG}


def markdown_table(root: Path) -> str:
    """docs/mistakes.md's table: each mistake, what it catches, and every check where it is detected."""
    from .assignments import find_check

    lines = ["| id | what it catches | assignments | checks where it is detected |", "|---|---|---|---|"]
    for m, checks in zip(CATALOG, detected(root).values(), strict=True):
        assignments = ", ".join(sorted({find_check(c)[0].id[:2] for c in checks}))
        named = ", ".join(f"`{c}`" for c in checks)
        lines.append(f"| `{m.id}` | {m.title}: {m.explanation.split('. ')[0].rstrip('.')}. | {assignments} | {named} |")
    return "\n".join(lines)


def coverage_table(root: Path) -> str:
    """The README's coverage table: per assignment, its checks and how many of them can name a mistake, and the
    mistakes named there (catalogued ones, then the families that reach it)."""
    from .assignments import find_check

    families = [m["id"] for m in FAMILY_MISTAKES]
    named_in: dict[str, set[str]] = {}
    for mistake, checks in detected(root).items():
        for check in checks:
            named_in.setdefault(find_check(check)[0].id, set()).add(mistake)
    lines = ["| assignment | checks that can name a mistake | catalogued mistakes named | families named |"]
    lines.append("|---|---|---|---|")
    for assignment in ASSIGNMENTS.values():
        ids = named_in.get(assignment.id, set())
        naming = {c for m in ids for c in detected(root)[m] if find_check(c)[0] is assignment}
        catalogued = sum(1 for m in ids if m not in families)
        family_names = ", ".join(f"`{m}`" for m in families if m in ids) or "-"
        lines.append(
            f"| `{assignment.id}` | {len(naming)} of {len(assignment.checks)} | {catalogued} | {family_names} |"
        )
    return "\n".join(lines)
