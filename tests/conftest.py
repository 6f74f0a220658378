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
