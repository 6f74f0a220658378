#!/usr/bin/env python3
"""Time of the similarity report on a class of one assignment (default 600 notebooks of 01).

The class is the tests' (:func:`tests.similarity_class.large_class`): independent students, each notebook made
TO-DO by TO-DO from a pool of ways to write it, and five originals copied with disguises; every student's cells
are made their own text (a comment), so that nothing normalised is reused from another student. Prints the
seconds ``attention-kit similarity`` took (reading, normalising, the index, scoring, writing the CSV and the
pages) and the pairs the index examined, of all the pairs a comparison of every pair would examine.

    .venv/bin/python benchmarks/similarity.py [--count 600]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course, grading, similarity  # noqa: E402
from tests import samples  # noqa: E402
from tests.similarity_class import large_class  # noqa: E402


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--count", type=int, default=600, help="notebooks in the class (default 600)")
    count = options.parse_args().count
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "class"
        for student, notebook in large_class(count).items():
            for cell in notebook.cells:  # each student's cells their own text: nothing normalised is reused
                if course.nbgrader_meta(cell).get("solution"):
                    cell.source += f"\n# {student}\n"
            samples.write(notebook, folder / f"{student}.ipynb")
        import copydetect.utils  # noqa: F401  (its import, pyplot's, is not the report's work)

        started = time.monotonic()
        analysis = similarity.from_submissions(
            grading.find_submissions([folder]), Path(scratch) / "out", ROOT, [Path(scratch) / "out"]
        )
        seconds = time.monotonic() - started
    every = count * (count - 1) // 2
    print(
        f"{count} notebooks: {seconds:.1f} s (analysis {analysis.seconds:.1f} s, the rest writing the CSV and "
        f"{len(analysis.flagged)} pair pages); {analysis.examined} pairs examined of the {every} pairs of the class"
    )


if __name__ == "__main__":
    main()
