"""attention_check: the self-check that comes with every attention-kit assignment.

This file sits in each assignment folder, next to the notebook and to
``<assignment>.checks.json``. It holds no answer. The expected numbers of the
public checks, and the numbers that each known mistake gives on the same inputs,
are data in the ``.checks.json`` file, computed when the assignment was built. What
this file does is generic: call your functions on the worked inputs, compare the
numbers, and say what differs and why.

    In a notebook (the check cells):   from attention_check import check; check("scores_loop")
    From a terminal, in the folder:    python attention_check.py [NOTEBOOK.ipynb]

It needs torch, plus IPython from a terminal (Jupyter brings it). The course's
grader runs these same functions for the public checks, so a check grades the
same in your notebook, from your terminal and when the course grades it (where
hidden checks on fresh inputs are added).

The file is joined by ``attention-kit build`` from the modules of the kit's ``autograder/checker/``
package. The notebook carries a copy of it and of its data too: its first code cell writes them
beside it when they are missing.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

from .cells import notes_on_cells, runs_before_checking, source_of
from .formats import table
from .handle import InKernel
from .public_checks import Checks, checks_beside_me
from .results import FAILED


def run_notebook(cells: list) -> tuple[dict, list[tuple[int, str, str]]]:
    """Run the notebook's code cells (:func:`runs_before_checking`), in order, in a fresh IPython shell.

    Returns the notebook's namespace and the cells that raised. Plots are drawn off-screen."""
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    problems = []
    for index, cell in enumerate(cells):
        if not runs_before_checking(cell):
            continue
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            outcome = shell.run_cell(source_of(cell), store_history=False, silent=True)
        failure = outcome.error_before_exec or outcome.error_in_exec
        if failure is not None:
            problems.append((index, type(failure).__name__, str(failure)[:500]))
    return shell.user_ns, problems


def declared_assignment(notebook: dict) -> str | None:
    """The assignment id a released notebook carries in its metadata (kept when the file is renamed)."""
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    kit = metadata.get("attention_kit") if isinstance(metadata, dict) else None
    return kit.get("assignment") if isinstance(kit, dict) else None


def notebooks_of(folder: Path, checks: list[Checks]) -> list[Path]:
    """The folder's notebooks of these assignments: by the id in their metadata, so that a renamed copy
    ("Copy of 01_simplified_attention.ipynb") is found, or else by their file name; the original names first."""
    ids = {c.assignment for c in checks}
    found = []
    for path in sorted(folder.glob("*.ipynb"), key=lambda p: (p.stem not in ids, p.name)):
        try:
            declared = declared_assignment(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError):
            declared = None
        if declared in ids or path.stem in ids:
            found.append(path)
    return found


def self_check(path: Path, checks: list[Checks]) -> tuple[str, int]:
    """The report and exit code (0 all public checks pass, 1 some fail, 2 cannot check) of one notebook."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return f"{path.name}: cannot be checked: it is not a readable notebook ({type(exc).__name__}).", 2
    declared = declared_assignment(notebook)
    mine = next((c for c in checks if c.assignment == declared), checks[0] if len(checks) == 1 else None)
    if mine is None:
        return (
            f"{path.name}: cannot be checked: it is not one of this folder's assignments "
            f"({', '.join(c.assignment for c in checks) or 'none'}).",
            2,
        )
    namespace, problems = run_notebook(cells)
    results = mine.run(InKernel(namespace))
    report = table(path.name, mine.assignment, results, notes_on_cells(problems, cells))
    return report, 1 if any(r.status == FAILED for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    """``python attention_check.py [NOTEBOOK ...]``: check the notebooks (default: this folder's notebooks of
    its assignments, renamed or not)."""
    argv = sys.argv[1:] if argv is None else argv
    if any(arg in {"-h", "--help"} for arg in argv):
        print(__doc__)
        return 0
    checks = checks_beside_me()
    paths = [Path(a) for a in argv] or notebooks_of(Path(__file__).resolve().parent, checks)
    if not paths:
        print(
            f"No notebook of {', '.join(c.assignment for c in checks) or 'this assignment'} beside "
            "attention_check.py: give its path (python attention_check.py NOTEBOOK.ipynb). In Colab, run the "
            "notebook's check cells instead (the notebook is not on the machine's disk there)."
        )
        return 2
    codes = []
    for path in paths:
        report, code = self_check(path, checks)
        print(report + "\n")
        codes.append(code)
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
