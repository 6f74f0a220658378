"""The hidden checks' door inside a notebook, for an instructor's kernel.

The source and solution notebooks' hidden test cells say ``from autograder.notebook import
check``: when nbgrader runs the solution notebook (``generate_solution``), the kit is installed
and the check runs in that kernel, on the notebook's globals. (Students never have these cells;
their check cells use the ``attention_check.py`` of their assignment folder, and graded notebooks
are never checked in-kernel: the course's ``nbgrader autograde`` runs them in the kit's sandbox.)
"""

from __future__ import annotations

from .assignments import find_check
from .checker.handle import InKernel
from .checker.notebook_door import announce, notebook_namespace
from .checker.results import run_check


def check(grade_id: str) -> None:
    """Run the kit's check ``grade_id`` on this notebook's functions: a line if it passes, the reason if not."""
    _, the_check = find_check(grade_id)
    announce(run_check(the_check, InKernel(notebook_namespace())))
