"""PrairieLearn's side: the question's entrypoint (``/grade/tests/run``) calls
``python3 -m autograder.platforms.prairielearn``.

As PrairieLearn's external grading documentation says
(https://prairielearn.readthedocs.io/en/latest/externalGrading/): the job's files are under ``/grade``
(``student/``: the upload, ``tests/``: the question's ``tests`` folder, ``data/data.json``), and the grader
creates ``/grade/results/`` and writes ``results.json``: ``score`` in [0, 1], ``message``, ``output`` and
``tests`` with ``name``, ``points``, ``max_points``, ``message`` and ``output``, which
``<pl-external-grader-results>`` renders. ``gradable: false`` (with ``format_errors``) marks an invalid
upload: no points awarded or lost, no attempt used. ``GRADE_ROOT`` moves ``/grade`` for the tests.

PrairieLearn shows every test as soon as it is graded and allows further attempts, so a hidden check says
only whether it passed and which mistake it names (:func:`autograder.formats.prairielearn_test`).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..formats import prairielearn_test
from .handin import Handin, always_write, arguments, grade_job
from .withhold import secret_lines

TESTS = "tests"  # the question's tests/ folder, copied to /grade/tests
COURSE = Path(TESTS) / "course"  # course/assignments/<id>/<id>.ipynb, the answer-free notebook
FAILED_RESULTS = {
    "gradable": False,
    "score": 0.0,
    "message": "The autograder failed on this submission.",
    "format_errors": [
        "The autograder failed on this submission; the course staff can see why in "
        "its log. Submit again, and if this happens again, tell the course staff."
    ],
    "output": "",
    "tests": [],
}


def root() -> Path:
    return Path(os.environ.get("GRADE_ROOT", "/grade"))


def results(handin: Handin) -> dict:
    sub = handin.sub
    graded = {
        "gradable": sub.gradable,
        "score": sub.score / sub.max_score,
        "message": handin.summary,
        "output": "\n".join(handin.notes),
        "tests": [prairielearn_test(r) for r in sub.results],
    }
    if not sub.gradable:
        graded["format_errors"] = [handin.summary]
    return graded


def main(argv: list[str] | None = None) -> int:
    args, where = arguments(argv, __doc__.split("\n\n")[0]), root()
    return always_write(
        where / "results" / "results.json",
        lambda: results(grade_job(where, Path("student"), COURSE, args)),
        FAILED_RESULTS,
        secret_lines(args.assignment, where / COURSE),
    )


if __name__ == "__main__":
    raise SystemExit(main())
