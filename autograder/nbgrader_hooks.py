"""``nbgrader autograde``, graded by the kit's sandboxed grader.

The course's ``nbgrader_config.py`` puts :class:`GradeInSandbox` where nbgrader's autograde would
run its ``Execute`` preprocessor. Everything else of nbgrader stays as it is: it sanitises the submission,
restores the given and test cells from its gradebook, and after this step saves the grades
(``SaveAutoGrades``), so that the gradebook, formgrader, manual grading, ``generate_feedback`` and
``export`` work as usual.

What changes is where the notebook runs and who decides. The student's cells run in a child of the
kit's warm zygote (sandboxed, time- and memory-limited), never in a kernel that then runs the test
cells; the checks, public and hidden, run in this process exactly as ``attention-kit grade`` runs
them. Each test cell then receives the kit's verdict as its output: the pass line, or the failure as
an error (which nbgrader scores 0). The student's own cells keep what they showed (text, plots,
errors), so the graded notebook reads as before. One warm grader serves the whole run, and it reads
ahead: while nbgrader handles one notebook, the next ones already run in the sandbox (:class:`ReadAhead`).
Submissions reach nbgrader read and repaired as every door reads them (``nbgrader_reading.RepairingExporter``).
"""

from __future__ import annotations

import os
import traceback
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import nbformat
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, Execute, NbGraderPreprocessor
from traitlets import Float, Integer

from . import pipeline, repair
from .assignments import ASSIGNMENTS
from .checker.cells import is_test_cell, nbgrader_meta
from .formats import nbgrader_cell_output
from .nbgrader_reading import RepairingExporter, keep_result, submissions, submitted
from .sandbox import Limits, shared


class GradeInSandbox(NbGraderPreprocessor):
    """Run the submission's cells in the kit's sandbox and put the kit's verdict in each test cell."""

    timeout = Float(120.0, help="Seconds for one whole notebook (one cell may use half of it).").tag(config=True)
    workers = Integer(2, help="Notebooks graded at once, ahead of nbgrader (1: none ahead).").tag(config=True)

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        graded = resources["nbgrader"]
        student, assignment = graded["student"], graded["assignment"]
        if assignment not in ASSIGNMENTS:  # a plain nbgrader assignment of the course: its own kernel
            return Execute(parent=self).preprocess(nb, resources)
        restore_deleted_test_cells(nb, graded)
        grader = Grader(Path.cwd(), Limits.for_notebook(self.timeout))  # nbgrader runs from the course folder
        problem = RepairingExporter.unreadable.get((student, assignment))
        try:
            sub = None if problem else ReadAhead.of(self.parent, grader, self.workers).take(student, assignment, nb)
            if sub is None:  # nothing read ahead for it, or nbgrader restored it otherwise: grade what it hands over
                sub = grader.grade(None if problem else nb, student, assignment, problem=problem)
        except Exception as exc:  # a bug of the grader's must cost one notebook, not the class
            self.log.error(traceback.format_exc())
            sub = grader.grade(
                None, student, assignment, problem=f"the grader failed on this notebook ({type(exc).__name__}: {exc})"
            )
        if not sub.repairs:  # graded as nbgrader hands it over: repaired when the submitted file was read
            sub.repairs = RepairingExporter.repairs.get((student, assignment), [])
            sub.notes[:0] = pipeline.repair_notes(sub.repairs)
        if sub.execution is not None and sub.execution.isolation:  # the instructor's business (docs/sealing.md)
            self.log.warning("Sandbox of %s: %s", student, sub.execution.isolation)
        record(nb, sub)
        keep_result(sub, submitted(self.parent, graded))
        return nb, resources


@dataclass(frozen=True)
class Grader:
    """How nbgrader's notebooks are graded: the kit's pipeline in the shared sandbox, outputs kept."""

    root: Path
    limits: Limits

    def grade(
        self,
        nb: nbformat.NotebookNode | None,
        student: str,
        assignment: str,
        path: Path | None = None,
        problem: str | None = None,
    ) -> pipeline.Submission:
        """The notebook nbgrader hands over (``nb``), or a submitted file read ahead (``path``, repaired and given
        cells restored from the course's source notebooks, as nbgrader restores them from its gradebook), or a
        file that cannot be graded (``problem``: 0 on every check, with the reason)."""
        contract = pipeline.Contract(
            self.limits,
            root=self.root if path else None,
            assignment=assignment,
            required=True,
            hide=tuple(pipeline.secrets(self.root)),
            capture=True,
        )
        sub = pipeline.Submission(path or self.root / student / assignment, student, notebook=nb, problem=problem)
        return pipeline.run(sub, contract.reading() + contract.grading(shared()))


class ReadAhead:
    """The notebooks nbgrader will hand over next, graded in the background on the other cores.

    nbgrader autograde handles one notebook at a time; while it sanitises, saves and writes one, the next
    ones already run in the sandbox, ``workers`` at once (as ``attention-kit grade --workers`` does). A result
    read ahead is used only when the cells nbgrader hands over are exactly the cells that ran; otherwise (a
    deleted given or test cell, an instructor's edit since generate_assignment) the notebook is graded again as
    nbgrader hands it over, so the points are always those of nbgrader's notebook.
    """

    _current: ReadAhead | None = None

    def __init__(self, converter, grader: Grader, workers: int):
        self.converter, self.grader, self.window = converter, grader, 2 * workers
        self.queue = deque(_queue(converter) if workers > 1 else [])
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.started: dict[tuple[str, str], Future] = {}
        self._fill()

    @classmethod
    def of(cls, exporter, grader: Grader, workers: int) -> ReadAhead:
        """This nbgrader run's read-ahead (one per converter: a formgrader server runs several), made from the
        converter's list of submissions at its first notebook."""
        converter = getattr(exporter, "parent", None)
        if cls._current is None or cls._current.converter is not converter:
            cls._current = cls(converter, grader, workers)
        return cls._current

    def take(self, student: str, assignment: str, nb: nbformat.NotebookNode) -> pipeline.Submission | None:
        future = self.started.pop((student, assignment), None)
        self._fill()
        if future is None:
            return None
        sub = future.result()
        ran = sub.cells if sub.gradable else None
        return sub if ran == pipeline.cells_to_run(nb) else None

    def _fill(self) -> None:
        while self.queue and len(self.started) < self.window:
            student, assignment, path = self.queue.popleft()
            self.started[student, assignment] = self.pool.submit(self.grader.grade, None, student, assignment, path)


def _queue(converter) -> list[tuple[str, str, Path]]:
    """(student, assignment, notebook) that nbgrader's converter will grade, in its order."""
    queue = []
    for student, assignment, folder in submissions(converter):
        if os.path.exists(converter._format_dest(assignment, student)) and not converter.force:
            continue  # nbgrader skips what it graded before
        if assignment not in ASSIGNMENTS:
            continue  # a plain nbgrader assignment: nbgrader's kernel runs it (GradeInSandbox.preprocess)
        queue += [
            (student, assignment, Path(p)) for p in sorted(converter.assignments[folder]) if Path(p).stem == assignment
        ]
    return queue


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's check of the cells' nbgrader metadata, with nbgrader's schema compiled once per notebook.

    nbgrader validates each cell with ``jsonschema.validate``, which first checks the schema itself against JSON
    Schema's meta-schema: for every cell, twice per notebook (sanitising and autograding), about a tenth of what
    ``nbgrader autograde`` costs once the notebooks run in the sandbox. Same schema, same checks, same errors."""

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        try:
            _MetadataValidatorCompiled().validate_nb(nb)
        except ValidationError as invalid:  # as nbgrader's CheckCellMetadata reports it
            self.log.error(traceback.format_exc())
            message = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(message)
            raise ValidationError(message) from invalid
        return nb, resources


class _SchemaCompiled(BaseMetadataValidator):
    """Validates the metadata with a validator built once from nbgrader's schema."""

    schema: dict  # nbgrader's schema, which BaseMetadataValidator loads

    def __init__(self) -> None:
        super().__init__()
        self._validator = jsonschema.validators.validator_for(self.schema)(self.schema)

    def validate_cell(self, cell: nbformat.NotebookNode) -> None:
        # nbgrader's own checks first (the schema version), against a schema that admits anything and is cheap
        # to check; then nbgrader's schema, with the validator built once
        schema = self.schema
        self.schema = {"$schema": schema["$schema"]}
        try:
            super().validate_cell(cell)
        finally:
            self.schema = schema
        if "nbgrader" in cell.metadata:
            error = jsonschema.exceptions.best_match(self._validator.iter_errors(cell.metadata["nbgrader"]))
            if error is not None:
                raise error


class _MetadataValidatorCompiled(MetadataValidator, _SchemaCompiled):
    """nbgrader's metadata validator (its checks above the schema's included) with the schema compiled once."""


def restore_deleted_test_cells(nb: nbformat.NotebookNode, graded: dict) -> None:
    """Put each test cell the student deleted back, from nbgrader's gradebook, after the nearest cell that
    precedes it in the source notebook (so that it is graded, and fails).

    nbgrader's own ``OverwriteCells.add_missing_cells`` assumes the cell before a test cell is an answer or
    another test cell, and fails on a notebook where it is a given cell."""
    present = {nbgrader_meta(cell).get("grade_id") for cell in nb.cells if is_test_cell(cell)}
    assignment = ASSIGNMENTS.get(graded["assignment"])
    if assignment is not None and {c.grade_id for c in assignment.checks} <= present:
        return
    with Gradebook(graded["db_url"]) as gradebook:
        source = gradebook.find_notebook(graded["notebook"], graded["assignment"])
        tests = {
            cell.name: cell.max_score
            for cell in source.grade_cells
            if cell.name not in {c.name for c in source.solution_cells}
        }
        cells = [
            (c.name, repair.new_test_cell(c.name, tests[c.name], c.source) if c.name in tests else None)
            for c in source.source_cells
        ]
    nb.cells = repair.restore_missing(list(nb.cells), cells, set(tests))


def record(nb: nbformat.NotebookNode, sub: pipeline.Submission) -> None:
    """What each code cell of the graded notebook shows: the student's outputs, or the kit's verdict."""
    results = {r.grade_id: r for r in sub.results}
    execution = sub.execution
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_test_cell(cell):
            result = results.get(nbgrader_meta(cell).get("grade_id", ""))  # no grade id: no check
            missing = _note(f"Not graded: {sub.problem or 'no such check'}.")
            cell.outputs = [nbgrader_cell_output(result)] if result else [missing]
        elif execution is not None and index in execution.skipped:
            cell.outputs = [
                _note(
                    "This cell stopped the notebook's process (os._exit, a crash, or too much memory), "
                    "so the notebook was run again without it and graded on the rest."
                )
            ]
        else:
            cell.outputs = sanitized(execution.outputs.get(index, []) if execution is not None else [])
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count


def _note(text: str) -> nbformat.NotebookNode:
    return _output("error", ename="NotGraded", evalue=text, traceback=[text])


def _output(kind: str, **fields) -> nbformat.NotebookNode:
    """An nbformat output built from fields this module checked (nbformat's own constructor validates each one
    against the schema, which costs more than grading; nbgrader's metadata check and writer come after)."""
    if kind in {"display_data", "execute_result"}:
        fields.setdefault("metadata", {})
    return nbformat.from_dict({"output_type": kind, **fields})


def sanitized(outputs: list) -> list[nbformat.NotebookNode]:
    """The child's outputs as nbformat outputs, keeping only well-formed text (it is the student's process
    that sent them)."""
    kept = []
    for output in outputs if isinstance(outputs, list) else []:
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind == "stream" and output.get("name") in {"stdout", "stderr"} and isinstance(output.get("text"), str):
            kept.append(_output("stream", name=output["name"], text=output["text"]))
        elif kind in {"display_data", "execute_result"} and isinstance(output.get("data"), dict):
            data = {mime: value for mime, value in output["data"].items() if isinstance(value, str)}
            metadata = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
            if data:
                kept.append(_output(kind, data=data, metadata=_plain(metadata)))
        elif kind == "error":
            traceback = [line for line in output.get("traceback", []) if isinstance(line, str)]
            kept.append(
                _output(
                    "error",
                    ename=str(output.get("ename", "Error")),
                    evalue=str(output.get("evalue", "")),
                    traceback=traceback,
                )
            )
    return kept


def _plain(metadata: dict) -> dict:
    """Display metadata that is plain JSON data (image sizes and the like)."""
    return {str(k): v for k, v in metadata.items() if isinstance(v, (str, int, float, bool, list, dict))}
