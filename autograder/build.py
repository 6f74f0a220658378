"""``attention-kit build``: release/ and solutions/ from assignments/, by nbgrader.

The source notebooks are the one source of truth. ``build`` regenerates the
student and solution notebooks with ``nbgrader generate_assignment`` and
``generate_solution``; ``build --check`` regenerates them in a temporary folder
and names every committed file that differs. Both first check that each source
notebook's graded cells are exactly the kit's checks (ids, order, points).
"""
from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from . import course, nbgrader_app
from .assignments import ASSIGNMENTS

GENERATED = ("release", "solutions")


def source_ids(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "assignments").iterdir() if (p / f"{p.name}.ipynb").exists())


def lint(root: Path) -> list[str]:
    """Problems that would make the notebooks and the kit's checks disagree."""
    problems = []
    for assignment_id in source_ids(root):
        if assignment_id not in ASSIGNMENTS:
            problems.append(f"assignments/{assignment_id}: no checks registered for it in autograder.assignments")
            continue
        checks = ASSIGNMENTS[assignment_id].checks
        notebook = course.read(course.notebook_path(root, "assignments", assignment_id))
        graded = [c for c in notebook.cells if course.is_test_cell(c)]
        cell_ids = [course.nbgrader_meta(c).get("grade_id") for c in graded]
        if cell_ids != [c.grade_id for c in checks]:
            problems.append(f"assignments/{assignment_id}: test cells {cell_ids} do not match the kit's checks "
                            f"{[c.grade_id for c in checks]} (same ids, same order)")
            continue
        for cell, check in zip(graded, checks):
            meta, text = course.nbgrader_meta(cell), "".join(cell.source)
            if float(meta.get("points", -1)) != check.points:
                problems.append(f"{assignment_id}/{check.grade_id}: {meta.get('points')} points in the notebook, "
                                f"{check.points:g} in the kit")
            if check.hidden != ("### BEGIN HIDDEN TESTS" in text):
                problems.append(f"{assignment_id}/{check.grade_id}: hidden checks must sit in a hidden-tests region "
                                "and public ones outside it")
            if f'check("{check.grade_id}")' not in text:
                problems.append(f"{assignment_id}/{check.grade_id}: the cell does not call check(\"{check.grade_id}\")")
    return problems


def generate(root: Path, workdir: Path, ids: list[str] | None = None) -> dict[str, Path]:
    """Run nbgrader on copies of the course, one per assignment, two at a time;
    returns each assignment's course copy."""

    def one(assignment_id: str) -> Path:
        course_dir = nbgrader_app.new_course(root, workdir / assignment_id)
        nbgrader_app.run(["generate_assignment", assignment_id, "--force"], course_dir)
        nbgrader_app.run(["generate_solution", assignment_id, "--force"], course_dir)
        return course_dir

    ids = ids or source_ids(root)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ids, pool.map(one, ids)))


def build(root: Path, ids: list[str] | None = None) -> list[str]:
    """Regenerate release/ and solutions/ in place (all assignments, or ``ids``);
    returns the files written. Generated folders without a source are removed."""
    ids = ids or source_ids(root)
    with tempfile.TemporaryDirectory(prefix="attention-kit-build-") as tmp:
        generated = generate(root, Path(tmp), ids)
        written = []
        for folder in GENERATED:
            for orphan in (root / folder).glob("*"):
                if orphan.is_dir() and orphan.name not in source_ids(root):
                    shutil.rmtree(orphan)
            for assignment_id in ids:
                shutil.rmtree(root / folder / assignment_id, ignore_errors=True)
                shutil.copytree(generated[assignment_id] / folder / assignment_id, root / folder / assignment_id)
                for path in sorted((root / folder / assignment_id).rglob("*.ipynb")):
                    nbformat.write(_stable(nbformat.read(str(path), as_version=4)), str(path))
                    written.append(str(path.relative_to(root)))
    return written


def _stable(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What varies between two runs of the same notebook, removed: execution timestamps,
    and the kernel's splitting of one cell's printing into several stream outputs
    (merged, as nbconvert's CoalesceStreamsPreprocessor does)."""
    CoalesceStreamsPreprocessor().preprocess(notebook, {})
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    return notebook


def stale(root: Path) -> list[str]:
    """Committed generated files that differ from what the sources generate now."""
    with tempfile.TemporaryDirectory(prefix="attention-kit-check-") as tmp:
        generated = generate(root, Path(tmp))
        differing = []
        for folder in GENERATED:
            fresh = {p.relative_to(course_dir): p for course_dir in generated.values()
                     for p in (course_dir / folder).rglob("*.ipynb")}
            committed = {p.relative_to(root): p for p in (root / folder).rglob("*.ipynb")
                         if ".ipynb_checkpoints" not in p.parts}
            for name in sorted(set(fresh) | set(committed)):
                if name not in committed:
                    differing.append(f"{name}: missing (run attention-kit build)")
                elif name not in fresh:
                    differing.append(f"{name}: has no source in assignments/")
                elif _comparable(fresh[name]) != _comparable(committed[name]):
                    differing.append(f"{name}: differs from what its source generates (run attention-kit build)")
    return differing


def _comparable(path: Path) -> str:
    """The notebook without what legitimately varies between runs (see :func:`_stable`),
    nor the bytes of images (fonts and renderers differ between machines)."""
    notebook = _stable(nbformat.read(str(path), as_version=4))
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for mime in list(output.get("data", {})):
                if mime.startswith("image/"):
                    output["data"][mime] = "<image>"
    return json.dumps(notebook, sort_keys=True)
