"""Running nbgrader's own commands, the way its documentation describes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def env() -> dict:
    """nbgrader shells out to ``alembic`` and starts ``python3`` kernels by name: the
    virtual environment's bin folder must come first on PATH. Its kernels plot as Jupyter's do:
    a ``MPLBACKEND`` set for another program (``Agg``, say) would keep every plot out of the
    notebooks they run, and the generated solutions would lose their figures."""
    bin_dir = str(Path(sys.executable).parent)
    environment = dict(os.environ)
    environment["PATH"] = bin_dir + os.pathsep + environment.get("PATH", "")
    environment.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    environment.pop("MPLBACKEND", None)
    return environment


def run(args: list[str], course_dir: Path, timeout: float = 1800) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in ``course_dir``; raises with nbgrader's own output on failure. The course folder is named
    to nbgrader too: an instructor's ``~/.jupyter/nbgrader_config.py`` may set ``CourseDirectory.root`` (for the
    Formgrader), which would otherwise send a temporary course's output into the real one."""
    executable = shutil.which("nbgrader", path=env()["PATH"]) or "nbgrader"
    result = subprocess.run(
        [executable, *args, f"--CourseDirectory.root={course_dir}"],
        cwd=course_dir,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def new_course(root: Path, target: Path) -> Path:
    """A course folder at ``target`` with this course's config and source notebooks."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "nbgrader_config.py", target / "nbgrader_config.py")
    shutil.copytree(root / "assignments", target / "assignments", dirs_exist_ok=True)
    return target
