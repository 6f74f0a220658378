"""The check cells' door: ``from attention_check import check; check("grade_id")`` in a notebook's kernel."""

from __future__ import annotations

import sys
from pathlib import Path

from .formats import cell_verdict
from .handle import InKernel
from .public_checks import checks_beside_me
from .results import PASSED, CheckResult


class CheckFailedInNotebook(AssertionError):
    """Raised by a failing check cell; Jupyter shows only the explanation, no traceback."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def check(grade_id: str) -> None:
    """Run the public check ``grade_id`` on this notebook's functions: a line if it passes, the reason if not."""
    for checks in checks_beside_me():
        spec = next((s for s in checks.checks if s["grade_id"] == grade_id), None)
        if spec is not None and not spec["hidden"]:
            announce(checks.run_one(spec, InKernel(notebook_namespace())))
            return
    raise CheckFailedInNotebook(
        f"No check named {grade_id!r} in the {_data_files()} beside attention_check.py: "
        "keep the check cells as they came, and the notebook in its assignment folder."
    )


def announce(result: CheckResult) -> None:
    """How a check cell shows its result (nbgrader gives points to a cell that does not raise)."""
    if result.status == PASSED:
        print(cell_verdict(result))
        return
    raise CheckFailedInNotebook(cell_verdict(result))


def _data_files() -> str:
    names = [p.name for p in sorted(Path(__file__).resolve().parent.glob("*.checks.json"))]
    return ", ".join(names) or "(missing) .checks.json file"


def notebook_namespace() -> dict:
    """The globals of the notebook (or script) that called ``check``: the caller of this function's caller."""
    try:
        from IPython import get_ipython
    except ImportError:  # a plain Python script
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    return shell.user_ns if shell is not None else sys._getframe(2).f_globals
