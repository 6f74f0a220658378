"""Gradescope's side: the bundle's ``run_autograder`` calls ``python3 -m autograder.platforms.gradescope``.

As Gradescope's autograder specification says
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): the zip is unpacked into
``/autograder/source``, the student's upload is in ``/autograder/submission``, and the grader writes
``/autograder/results/results.json``: ``score``, ``execution_time`` (seconds), ``output`` (shown to the
student about the whole submission) and ``tests``, each with ``name``, ``score``, ``max_score``,
``status`` ("passed" or "failed"), ``output``, ``tags`` and ``visibility`` ("visible", or
"after_published": shown once the instructor publishes grades). What is printed lands in
``/autograder/results/stdout``, which only the instructor sees. ``AUTOGRADER_ROOT`` moves ``/autograder``
(Gradescope never sets it; the tests emulate the harness in a temporary folder with it).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..formats import gradescope_test
from .handin import Handin, always_write, arguments, grade_job
from .withhold import secret_lines

COURSE = Path("source") / "course"  # in the zip: course/assignments/<id>/<id>.ipynb, the answer-free notebook
FAILED_RESULTS = {
    "score": 0.0,
    "tests": [],
    "output": "The autograder failed on this submission; the course staff can see why in its log. "
    "Your files are kept: submit again, and if this happens again, tell the course staff.",
}


def root() -> Path:
    return Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))


def results(handin: Handin, seconds: float) -> dict:
    sub = handin.sub
    lines = [handin.summary]
    hidden_points = sum(r.points for r in sub.results if r.hidden)
    if sub.gradable and hidden_points:
        lines.append(
            f"{hidden_points:g} of the points are hidden checks (your code on fresh inputs): "
            "their results show once grades are published."
        )
    return {
        "score": sub.score,
        "execution_time": round(seconds),
        "output": "\n".join(lines + handin.notes),
        "tests": [gradescope_test(r) for r in sub.results],
    }


def main(argv: list[str] | None = None) -> int:
    args, where, started = arguments(argv, __doc__.splitlines()[0]), root(), time.monotonic()
    return always_write(
        where / "results" / "results.json",
        lambda: results(grade_job(where, Path("submission"), COURSE, args), time.monotonic() - started),
        FAILED_RESULTS,
        secret_lines(args.assignment, where / COURSE),
    )


if __name__ == "__main__":
    raise SystemExit(main())
