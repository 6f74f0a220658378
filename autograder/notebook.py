"""The door inside a notebook: the test cells call :func:`check`.

Under nbgrader (and when a student runs a test cell) the check runs in the
notebook's own kernel, on the notebook's globals. A pass prints one line to
stdout; a failure raises, so nbgrader gives the cell 0 points, and shows the
learner what differs and why, without a Python traceback through the kit.
"""
from __future__ import annotations

import sys

from .assignments import find_check
from .framework import PASSED, run_check
from .student import LocalStudent


class CheckFailedInNotebook(AssertionError):
    """Raised by a failing test cell; IPython shows only the explanation."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def check(grade_id: str) -> None:
    """Run the kit's check ``grade_id`` on this notebook's functions."""
    _, the_check = find_check(grade_id)
    result = run_check(the_check, LocalStudent(_notebook_namespace()))
    points = f"{the_check.points:g} point{'s' if the_check.points != 1 else ''}"
    if result.status == PASSED:
        print(f"PASSED {grade_id} ({points}): {result.message}")
        return
    raise CheckFailedInNotebook(f"FAILED {grade_id} ({points})\n{result.message}")


def _notebook_namespace() -> dict:
    try:
        from IPython import get_ipython
    except ImportError:  # a plain Python script
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    return shell.user_ns if shell is not None else sys._getframe(2).f_globals
