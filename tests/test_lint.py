"""The code's habits, kept by the suite: ruff's lint and format, and mypy on the package (configured in
pyproject.toml). Each test fails with the findings, as the tool prints them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

#: what ruff looks at: the package, its tests, the benchmarks and the README's commands
CODE = ["autograder", "tests", "benchmarks", "tasks.py"]


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "--no-fix", *CODE], ["ruff", "format", "--check", *CODE], ["mypy"]],
    ids=["ruff check", "ruff format", "mypy"],
)
def test_no_findings(command):
    done = run(*command)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout[-6000:]}{done.stderr[-3000:]}"
