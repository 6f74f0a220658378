"""``attention-kit build``: release/ and solutions/ from assignments/, by nbgrader.

The source notebooks are the one source of truth. ``build`` first writes, into each
``assignments/<id>/`` folder, the two files the public check cells need (the generic
``attention_check.py``, joined from :mod:`autograder.checker` by :mod:`autograder.checker_file`, and the data
``<id>.checks.json``, computed from the kit's checks), so
that every nbgrader command finds them where nbgrader looks for an assignment's files: it
releases them to students, runs the solution with them and, when autograding, puts the
originals back over any copy a student handed in. It also packs both files into the source
notebook's checker-files cell (:mod:`autograder.checker_cell`), so that a released notebook opened
alone writes them beside itself. It then regenerates the student and solution notebooks with
``nbgrader generate_assignment`` and ``generate_solution``. ``build --check`` regenerates
everything in a temporary folder and names every committed file that differs. Both first check
that each source notebook's graded cells are exactly the kit's checks (ids, order, points, and the
door each cell uses). A source notebook whose cells call none of the kit's checks is a
plain nbgrader assignment: it is generated as nbgrader generates any, and graded by nbgrader's own
kernel. ``build`` (and ``attention-kit course init``) also registers the assignments in the course's
gradebook, which nbgrader's release, collect and autograde need and a fresh clone does not have.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from . import checker_cell, checker_file, course, nbgrader_app, public
from .assignments import ASSIGNMENTS
from .checker.cells import CHECKER_FILES_CELL

PUBLIC_DOOR, HIDDEN_DOOR = "from attention_check import check", "from autograder.notebook import check"

GENERATED = ("release", "solutions")


def source_ids(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "assignments").iterdir() if (p / f"{p.name}.ipynb").exists())


def kit_ids(root: Path) -> list[str]:
    """The assignments graded by the kit's checks: every source notebook but the plain nbgrader ones."""
    return [i for i in source_ids(root) if not is_plain(root, i)]


def is_plain(root: Path, assignment_id: str) -> bool:
    """A plain nbgrader assignment: no checks of the kit registered for it, and no cell calling one."""
    if assignment_id in ASSIGNMENTS:
        return False
    text = "".join(c.source for c in course.read(course.notebook_path(root, "assignments", assignment_id)).cells)
    return PUBLIC_DOOR not in text and HIDDEN_DOOR not in text


def lint(root: Path) -> list[str]:
    """Problems that would make the notebooks and the kit's checks disagree."""
    problems = []
    for assignment_id in source_ids(root):
        if is_plain(root, assignment_id):
            continue
        if assignment_id not in ASSIGNMENTS:
            problems.append(
                f"assignments/{assignment_id}: its cells call the kit's check(), but no checks are "
                "registered for it in autograder.assignments"
            )
            continue
        checks = ASSIGNMENTS[assignment_id].checks
        notebook = course.read(course.notebook_path(root, "assignments", assignment_id))
        graded = [c for c in notebook.cells if course.is_test_cell(c)]
        cell_ids = [course.nbgrader_meta(c).get("grade_id") for c in graded]
        if cell_ids != [c.grade_id for c in checks]:
            problems.append(
                f"assignments/{assignment_id}: test cells {cell_ids} do not match the kit's checks "
                f"{[c.grade_id for c in checks]} (same ids, same order)"
            )
            continue
        for cell, check in zip(graded, checks, strict=True):
            meta, text = course.nbgrader_meta(cell), "".join(cell.source)
            if float(meta.get("points", -1)) != check.points:
                problems.append(
                    f"{assignment_id}/{check.grade_id}: {meta.get('points')} points in the notebook, "
                    f"{check.points:g} in the kit"
                )
            if check.hidden != ("### BEGIN HIDDEN TESTS" in text):
                problems.append(
                    f"{assignment_id}/{check.grade_id}: hidden checks must sit in a hidden-tests region "
                    "and public ones outside it"
                )
            if f'check("{check.grade_id}")' not in text:
                problems.append(f'{assignment_id}/{check.grade_id}: the cell does not call check("{check.grade_id}")')
            door = HIDDEN_DOOR if check.hidden else PUBLIC_DOOR
            if door not in text:
                problems.append(
                    f"{assignment_id}/{check.grade_id}: the cell must say `{door}` (public checks run "
                    "from the released attention_check.py, hidden ones from the kit)"
                )
    return problems


def student_files(assignment_id: str) -> dict[str, str]:
    """What the public check cells need beside the notebook: the generic checker and its data."""
    return {
        checker_file.NAME: checker_file.text(),
        f"{assignment_id}.checks.json": public.render(ASSIGNMENTS[assignment_id]),
    }


def write_student_files(course_dir: Path, ids: list[str]) -> list[Path]:
    """The student files beside each source notebook, and packed into its checker-files cell (so that the
    released notebook works alone); returns the files written."""
    written = []
    for assignment_id in [i for i in ids if i in ASSIGNMENTS]:
        files = student_files(assignment_id)
        for name, text in files.items():
            (course_dir / "assignments" / assignment_id / name).write_text(text)
            written.append(course_dir / "assignments" / assignment_id / name)
        path = course.notebook_path(course_dir, "assignments", assignment_id)
        notebook = course.read(path)
        if checker_cell.put(notebook, files):
            nbformat.write(notebook, str(path))
            written.append(path)
    return written


def generate(root: Path, workdir: Path, ids: list[str] | None = None) -> dict[str, Path]:
    """Run nbgrader on copies of the course, one per assignment, two at a time;
    returns each assignment's course copy."""

    def one(assignment_id: str) -> Path:
        course_dir = nbgrader_app.new_course(root, workdir / assignment_id)
        write_student_files(course_dir, [assignment_id])
        nbgrader_app.run(["generate_assignment", assignment_id, "--force"], course_dir)
        nbgrader_app.run(["generate_solution", assignment_id, "--force"], course_dir)
        return course_dir

    ids = ids or source_ids(root)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ids, pool.map(one, ids), strict=True))


def build(root: Path, ids: list[str] | None = None) -> list[str]:
    """Regenerate release/ and solutions/ in place (all assignments, or ``ids``);
    returns the files written. Generated folders without a source are removed."""
    ids = ids or source_ids(root)
    written = [str(path.relative_to(root)) for path in write_student_files(root, ids)]
    with tempfile.TemporaryDirectory(prefix="attention-kit-build-") as tmp:
        generated = generate(root, Path(tmp), ids)
        for folder in GENERATED:
            for orphan in (root / folder).glob("*"):
                if orphan.is_dir() and orphan.name not in source_ids(root):
                    shutil.rmtree(orphan)
            for assignment_id in ids:
                shutil.rmtree(root / folder / assignment_id, ignore_errors=True)
                shutil.copytree(generated[assignment_id] / folder / assignment_id, root / folder / assignment_id)
                for path in sorted((root / folder / assignment_id).rglob("*")):
                    if path.suffix == ".ipynb":
                        nbformat.write(_stable(nbformat.read(str(path), as_version=4)), str(path))
                    written.append(str(path.relative_to(root)))
    return written


def register(root: Path, ids: list[str] | None = None) -> list[str]:
    """Register the assignments (all, or ``ids``) in the course's gradebook, as ``nbgrader generate_assignment``
    does, run in the course folder with its config (one nbgrader run for all: ``"*"``); its output goes to a
    temporary folder, so the committed release/ stays as ``build`` wrote it. Returns the ids registered."""
    with tempfile.TemporaryDirectory(prefix="attention-kit-register-") as tmp:
        for pattern in ids or ["*"]:
            nbgrader_app.run(
                [
                    "generate_assignment",
                    pattern,
                    "--force",
                    "--log-level=WARN",
                    f"--CourseDirectory.release_directory={tmp}",
                ],
                root,
            )
    return ids or source_ids(root)


#: what matplotlib prints on stderr when building its font cache takes it over 5 s: about the machine, not the notebook
FONT_CACHE_NOTICE = "Matplotlib is building the font cache; this may take a moment.\n"


def _stable(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What varies between two runs of the same notebook, removed: execution timestamps,
    matplotlib's notice that it is building its font cache, and the kernel's splitting of one
    cell's printing into several stream outputs (merged, as nbconvert's CoalesceStreamsPreprocessor does)."""
    CoalesceStreamsPreprocessor().preprocess(notebook, {})
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stderr":
                output.text = output.text.replace(FONT_CACHE_NOTICE, "")
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if o.output_type != "stream" or o.text]
    return notebook


def stale(root: Path) -> list[str]:
    """Committed generated files that differ from what the sources generate now."""
    differing = stale_in_sources(root)
    with tempfile.TemporaryDirectory(prefix="attention-kit-check-") as tmp:
        generated = generate(root, Path(tmp))
        for folder in GENERATED:
            fresh = {
                p.relative_to(course_dir): p
                for course_dir in generated.values()
                for p in (course_dir / folder).rglob("*")
                if p.is_file()
            }
            committed = {
                p.relative_to(root): p
                for p in (root / folder).rglob("*")
                if p.is_file() and ".ipynb_checkpoints" not in p.parts
            }
            for name in sorted(set(fresh) | set(committed)):
                if name not in committed:
                    differing.append(f"{name}: missing (run attention-kit build)")
                elif name not in fresh:
                    differing.append(f"{name}: has no source in assignments/")
                elif not _same_text(committed[name], fresh[name].read_text()):
                    differing.append(f"{name}: differs from what its source generates (run attention-kit build)")
    return differing


def stale_in_sources(root: Path) -> list[str]:
    """What ``build`` writes into assignments/ (the student files, each notebook's checker-files cell) that
    differs from what the kit's checks give now."""
    differing = []
    for assignment_id in kit_ids(root):
        files = student_files(assignment_id)
        for name, text in files.items():
            path = root / "assignments" / assignment_id / name
            if not path.exists() or not _same_text(path, text):
                differing.append(
                    f"{path.relative_to(root)}: differs from what the kit's checks give (run attention-kit build)"
                )
        path = course.notebook_path(root, "assignments", assignment_id)
        notebook = course.read(path)
        checker_cell.put(notebook, files)
        if not _same_text(path, nbformat.writes(notebook)):
            differing.append(
                f"{path.relative_to(root)}: its {CHECKER_FILES_CELL} cell differs from what the kit's "
                "checks give (run attention-kit build)"
            )
    return differing


def _same_text(path: Path, text: str) -> bool:
    return _same_content(path.name, path.read_text(), text)


def _same_content(name: str, old: str, new: str) -> bool:
    """Notebooks compared without what legitimately varies between runs, and the files packed in their
    checker-files cell compared as files; check data compared as numbers (another CPU may round the last bit
    of a float32 differently); anything else byte for byte."""
    if name.endswith(".ipynb"):
        (old_notebook, old_files), (new_notebook, new_files) = _comparable(old), _comparable(new)
        return (
            old_notebook == new_notebook
            and old_files.keys() == new_files.keys()
            and all(_same_content(packed, old_files[packed], new_files[packed]) for packed in old_files)
        )
    if name.endswith(".checks.json"):
        return _same_numbers(json.loads(old), json.loads(new))
    return old == new


#: relative tolerance of a stored number: an expected value, or a catalogued mistake's output ("variants")
SAME_NUMBER, SAME_VARIANT = 1e-6, 1e-3


def _same_numbers(a, b, tolerance: float = SAME_NUMBER) -> bool:
    """Equal as numbers. A mistake's output is often ill-conditioned (the scores summed instead of a softmax, in
    the tens): the same machine computes it the same way every time, but another CPU's kernels (AVX-512 or
    AVX2) round it differently by up to about 1e-4 relative. It only serves to name a mistake at a check's
    tolerance, so it is compared more loosely than the expected values, which stay within 1e-6."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tolerance * (1 + abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(
            _same_numbers(a[k], b[k], SAME_VARIANT if k == "variants" else tolerance) for k in a
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_numbers(x, y, tolerance) for x, y in zip(a, b, strict=True))
    return a == b


def _comparable(text: str) -> tuple[str, dict[str, str]]:
    """The notebook without what legitimately varies between runs (see :func:`_stable`), nor the bytes of
    images (fonts and renderers differ between machines), nor the packed files of its checker-files cell
    (compressors differ too): those are returned apart, unpacked."""
    notebook = _stable(nbformat.reads(text, as_version=4))
    packed = checker_cell.find(notebook)
    files = checker_cell.files_in(packed.source) if packed is not None else {}
    if packed is not None:
        packed.source = checker_cell.without_payload(packed.source)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for mime in list(output.get("data", {})):
                if mime.startswith("image/"):
                    output["data"][mime] = "<image>"
    return json.dumps(notebook, sort_keys=True), files
