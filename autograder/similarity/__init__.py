"""Who shared their work: a similarity report for a class, from code and from shared wrong answers.

:mod:`.regions` reads each notebook's solution cells, :mod:`.normalise` makes disguised copies alike,
:mod:`.fingerprints` winnows them (copydetect) into an inverted index, :mod:`.answers` groups the wrong answers the
grader recorded, :mod:`.pairs` scores each pair and :mod:`.pages` writes what a person reads. Similarity is
evidence for a person to review, never a penalty by itself.
"""

from __future__ import annotations

from pathlib import Path

from .. import grading, ledger
from .pairs import Analysis, analyse

__all__ = ["Analysis", "analyse", "from_results", "from_submissions", "summary"]


def from_results(records: list[dict], out: Path, root: Path) -> Analysis:
    """After ``grade``: the graded notebooks (each record names its file), with their wrong answers; writes the
    CSV and the pages into ``out``."""
    from . import pages

    submissions = [
        (Path(r["graded_with"]["file"]), r["student"], r.get("assignment"))
        for r in records
        if r.get("graded_with", {}).get("file")
    ]
    analysis = analyse(submissions, records, root)
    pages.write(analysis, out)
    return analysis


def from_submissions(found: list[grading.Found], out: Path, root: Path, graded: list[Path]) -> Analysis:
    """``attention-kit similarity``: the notebooks ``grade`` would grade (:func:`grading.find_submissions`); the
    answer evidence from the results recorded for those very files in ``graded``: the folder ``grade`` wrote into
    (its ``--out``), and an nbgrader course's ``attention-kit/`` (the kit's result of each notebook that
    ``nbgrader autograde`` graded)."""
    from . import pages

    by_file = {str(f.path.resolve()): f.student for f in found}
    records = {}
    for folder in graded:
        for _, record in ledger.load(folder).values():
            student = by_file.get(record["graded_with"].get("file"))
            if student is not None and ledger.current(record, Path(record["graded_with"]["file"])):
                records[record["graded_with"]["file"]] = {**record, "student": student}
    analysis = analyse([(f.path, f.student, f.assignment) for f in found], list(records.values()), root)
    pages.write(analysis, out)
    return analysis


def summary(analysis: Analysis, out: Path) -> str:
    """What the terminal says: how much was compared, the flagged pairs, and where the pages are."""
    from .pages import CSV_NAME, PAGE_NAME

    compared = sum(len(group) for group in analysis.notebooks.values())
    lines = [
        f"Similarity: {compared} notebooks, {analysis.examined} pairs examined in {analysis.seconds:.1f} s; "
        f"{len(analysis.flagged)} pairs flagged for a person to review (evidence, never a penalty by itself)."
    ]
    lines += [
        f"  {p.score:.2f}  {p.assignment}  {p.a.student} and {p.b.student}: {'; '.join(p.reasons())}"
        for p in analysis.flagged
    ]
    lines.append(f"Wrote {out / CSV_NAME} and {out / PAGE_NAME}.")
    return "\n".join(lines)
