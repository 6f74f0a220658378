"""Write sample material where the demo (``python3 tasks.py demo``) or an instructor trying the kit from a
checkout wants it.

    python -m tests.samples class DIR            every assignment's sample class (and its cheats) in nbgrader's
                                                 submitted/ layout, plus a file that is not a notebook
    python -m tests.samples student DIR MISTAKE  a copy of the first assignment's released folder, its notebook
                                                 filled in with one catalogued mistake (as a student hands it in)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from autograder.assignments import ASSIGNMENTS

from . import all_mutations, cheats, filled, sample_class, write

ROOT = Path(__file__).resolve().parents[2]


def write_class(folder: Path) -> None:
    for assignment_id in sorted(ASSIGNMENTS):
        for sample in sample_class(ROOT, assignment_id) + cheats(ROOT, assignment_id):
            write(sample.notebook, folder / sample.name / assignment_id / f"{assignment_id}.ipynb", sample.files)
    first = min(ASSIGNMENTS)
    broken = folder / "not_a_notebook" / first / f"{first}.ipynb"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_text('{"cells": [ this is not JSON')


def write_student(folder: Path, mistake: str) -> None:
    first = min(ASSIGNMENTS)
    shutil.copytree(ROOT / "release" / first, folder, dirs_exist_ok=True)
    mutation = next(m for m in all_mutations() if m.assignment == first and m.mistake == mistake)
    write(filled(ROOT, first, mutation), folder / f"{first}.ipynb")


def main(argv: list[str]) -> int:
    if argv[:1] == ["class"] and len(argv) == 2:
        write_class(Path(argv[1]))
    elif argv[:1] == ["student"] and len(argv) == 3:
        write_student(Path(argv[1]), argv[2])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
