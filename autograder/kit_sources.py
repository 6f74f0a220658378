"""The kit's files that grade one assignment: what its platform bundle holds of the per-assignment folders, what
its check fingerprint hashes, and what a platform's last defence keeps out of the results."""

from __future__ import annotations

import ast
from pathlib import Path

from .assignments import COURSE, module_name

KIT = Path(__file__).resolve().parent
#: the folders with a module per assignment: its checks, worked values and references
PER_ASSIGNMENT = ("assignments", "worked_values", "references")


def needed_modules(assignment_id: str, kit: Path = KIT) -> set[Path]:
    """The assignment's checks and every module of the kit they import, directly or through others."""
    if assignment_id not in COURSE:
        return set()
    return modules_imported_by(kit / "assignments" / f"{module_name(assignment_id)}.py")


def modules_imported_by(module: Path) -> set[Path]:
    """The module and every module of the kit it imports, directly or through others (a package with its
    ``__init__.py``)."""
    needed, todo = set(), [module]
    while todo:
        path = todo.pop()
        if path.is_file() and path not in needed:
            needed.add(path)
            todo += _imported(path)
    return needed


def secret_modules(assignment_id: str, kit: Path = KIT) -> set[Path]:
    """Of :func:`needed_modules`, the hidden checks and the references (with the helpers they share with other
    assignments). Not the worked values, which the notebook prints and the public checks' data holds, nor the
    generic grader's code, which is no secret."""
    return {
        path
        for path in needed_modules(assignment_id, kit)
        if path.parent.name in ("assignments", "references")
        and path.parent.parent == kit
        and path.name != "__init__.py"
    }


def _imported(path: Path) -> list[Path]:
    """The files a module's relative imports may name (``from .x import y``: x.py, or package x's __init__.py and
    its y.py)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            package = path.parents[node.level - 1]
            target = package.joinpath(*node.module.split(".")) if node.module else package
            found += [
                target.with_suffix(".py"),
                target / "__init__.py",
                *(target / f"{alias.name}.py" for alias in node.names),
            ]
    return found
