"""A fresh virtual environment that sees exactly some installed distributions and what they require, nothing else.

Installing torch into a new environment is minutes of unpacking; the files are already installed in the suite's
own environment. So the new environment gets one ``.pth`` file naming a folder of links: one link per top-level
file or folder (and ``.dist-info``) of each distribution in the requirement closure, pointing at this
environment's installed copy. What the new environment can import is that closure, as ``pip install`` of the
same requirements would give it (the same versions); the kit, nbgrader, pytest and the rest are not in it unless
a listed distribution requires them. Used by tests/test_student_side.py (what a student installs).
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` name (requirement strings) and all they require, without extras."""
    found: dict[str, metadata.Distribution] = {}
    wanted = [Requirement(name) for name in names]
    while wanted:
        requirement = wanted.pop()
        key = canonicalize_name(requirement.name)
        if key in found:
            continue
        found[key] = distribution = metadata.distribution(requirement.name)
        assert requirement.specifier.contains(distribution.version, prereleases=True), (requirement, distribution)
        for needed in map(Requirement, distribution.requires or []):
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                wanted.append(needed)
    return list(found.values())


def top_level(distribution: metadata.Distribution) -> set[Path]:
    """The files and folders the distribution installed directly in site-packages (its RECORD's first parts)."""
    site = Path(str(distribution.locate_file("")))
    firsts = {Path(str(f)).parts[0] for f in distribution.files or []}
    return {site / first for first in firsts if first not in ("..", "__pycache__") and not first.endswith(".pth")}


def create(folder: Path, names: list[str]) -> Path:
    """A new virtual environment in ``folder`` whose ``import`` finds only ``closure(names)``; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    links = folder / "site"
    links.mkdir()
    for distribution in closure(names):
        for path in top_level(distribution):
            if path.exists() and not (links / path.name).exists():
                (links / path.name).symlink_to(path)
    (site_packages,) = (folder / "venv" / "lib").glob("python3*/site-packages")
    (site_packages / "installed-packages.pth").write_text(f"{links}\n")
    return folder / "venv" / "bin" / "python"
