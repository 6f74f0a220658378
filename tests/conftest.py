"""Shared fixtures: the course root, notebooks executed in-process, the kit's CLI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.coverage import namespace_of as execute_in_process  # noqa: F401  (the tests' in-process kernel)

ROOT = Path(__file__).resolve().parent.parent
KIT = [sys.executable, "-m", "autograder.cli"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def run_kit(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([*KIT, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def pytest_terminal_summary(terminalreporter) -> None:
    """The mistake x assignment matrix of test_mistake_coverage.py: places mutated / caught / named."""
    matrix: dict = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "mistake_matrix":
                matrix.update(value)
    if not matrix:
        return
    ids = sorted({a for row in matrix.values() for a in row})
    terminalreporter.write_sep("-", "mistakes written into the solutions: places mutated / caught / named")
    terminalreporter.write_line(f"{'mistake':<30}" + "".join(f"{a[:2]:>10}" for a in ids))
    for mistake, row in sorted(matrix.items()):
        cells = ["/".join(map(str, row[a])) if a in row else "-" for a in ids]
        terminalreporter.write_line(f"{mistake:<30}" + "".join(f"{c:>10}" for c in cells))
