#!/usr/bin/env python3
"""The two commands of the README, each doing its own set-up.

    python3 tasks.py demo   # build the notebooks, self-check, grade sample submissions, print the report
    python3 tasks.py test   # the whole test suite (what .ci/run calls)

Set-up: a virtual environment in .venv with the CPU build of torch installed
first (a bare ``torch`` requirement would pull a multi-GB CUDA build), then the kit
and its dependencies. It is redone only when pyproject.toml changes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
TORCH = "torch==2.13.0"


def set_up() -> None:
    stamp = VENV / ".attention-kit-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + TORCH.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (BIN / "attention-kit").exists():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    print(f"Installing {TORCH} (CPU) and numpy ...", flush=True)
    subprocess.run([*pip, TORCH, "numpy"], check=True)
    print("Installing attention-kit and its dependencies ...", flush=True)
    subprocess.run([*pip, "-e", f"{ROOT}[nbgrader,test]"], check=True)
    # Build matplotlib's font cache now, not in a student's first plotting cell (it would print to stderr).
    subprocess.run([str(BIN / "python"), "-c", "import matplotlib.pyplot"], check=True, env=_env())
    stamp.write_text(wanted)


def _env() -> dict:
    """nbgrader shells out to alembic and jupyter: the venv's bin must come first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    set_up()
    if argv[0] == "demo":
        command = [str(BIN / "attention-kit"), "demo", *argv[1:]]
    else:
        # Two workers (this machine has two cores); each assignment's nbgrader course stays on one worker.
        command = [str(BIN / "python"), "-m", "pytest", "-n", "2", "--dist", "loadgroup", *argv[1:]]
    return subprocess.run(command, cwd=ROOT, env=_env()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
