"""The pytest door: ``pytest autograder --submission NOTEBOOK``.

This plugin (registered through the ``pytest11`` entry point) adds the options and
a closing score line; ``autograder/test_submission.py`` turns each of the
assignment's checks into one pytest test, so GitHub Classroom and CI pipelines
get one pass/fail per check and a non-zero exit when any fails.
"""

from __future__ import annotations


def pytest_addoption(parser) -> None:
    group = parser.getgroup("attention-kit")
    group.addoption("--submission", default=None, help="the notebook to grade with the attention-kit checks")
    group.addoption("--public-only", action="store_true", help="skip hidden checks (as `attention-kit check` does)")
    group.addoption("--notebook-timeout", type=float, default=120.0, help="seconds for the whole notebook")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    earned = possible = 0.0
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        points = dict(report.user_properties).get("points")
        if points is not None and report.when == "call":
            possible += points
            earned += points if report.passed else 0.0
    from .test_submission import NOTES

    for note in config.stash.get(NOTES, []):
        terminalreporter.write_line(f"attention-kit note: {note}")
    if possible:
        terminalreporter.write_line(f"attention-kit score: {earned:g}/{possible:g}")
