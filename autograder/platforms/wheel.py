"""The kit's wheel for one assignment: what a platform bundle installs (docs/sealing.md).

It holds the grader and, of the folders with a module per assignment (checks, worked values, references),
only the exported assignment's modules and those they import: a student's code that got at the installed kit
would find that assignment's checks only, never another's, nor the references of the course.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ..kit_sources import PER_ASSIGNMENT, needed_modules


class WheelError(Exception):
    """The wheel could not be built; the message says why."""


def build_wheel(out: Path, assignment_id: str) -> Path:
    """Built by pip from a copy of the kit's source tree (so nothing is written into the course repository, and
    an editable install exports the same as any other), other assignments' modules left out."""
    import autograder

    kit = Path(autograder.__file__).resolve().parent
    if not (kit.parent / "pyproject.toml").is_file():
        raise WheelError(
            f"export builds the kit's wheel from its source tree, and {kit.parent} has no "
            "pyproject.toml: run it from a checkout of the course repository"
        )
    copy = out / "source"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(kit.parent / name, copy / name)
    kept = needed_modules(assignment_id, kit)

    def left_out(folder: str, names: list[str]) -> set[str]:
        per_assignment = Path(folder).parent == kit and Path(folder).name in PER_ASSIGNMENT
        return {
            n
            for n in names
            if n == "__pycache__"
            or n.endswith(".pyc")
            or per_assignment
            and n.endswith(".py")
            and n != "__init__.py"
            and Path(folder, n) not in kept
        }

    shutil.copytree(kit, copy / "autograder", ignore=left_out)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "--wheel-dir",
            str(out / "dist"),
            str(copy),
        ],
        capture_output=True,
        text=True,
    )
    wheels = sorted((out / "dist").glob("*.whl"))
    if built.returncode != 0 or len(wheels) != 1:
        raise WheelError(f"pip could not build the kit's wheel:\n{built.stdout[-2000:]}\n{built.stderr[-2000:]}")
    return wheels[0]
