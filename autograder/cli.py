"""``attention-kit``: its commands and options (what each does is in :mod:`autograder.commands`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, commands, lms_export


def parser() -> argparse.ArgumentParser:
    """The command line: a description per subcommand, a help text (with its default) per option."""
    top = argparse.ArgumentParser(prog="attention-kit", description=__doc__)
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {description}")

    p = command(
        "build",
        "regenerate release/ and solutions/ from assignments/ with nbgrader",
        "Checks that each source notebook's test cells are the kit's checks, writes the checker files "
        "beside each source notebook, runs nbgrader generate_assignment and generate_solution, and "
        "registers each assignment in the course's gradebook.db (as `course init` does).",
    )
    p.add_argument("assignments", nargs="*", help="only these assignment ids (default: all)")
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing: exit 1 and name every generated file that is out of date (default: off)",
    )
    p.add_argument(
        "--course",
        help="the course folder (default: the nearest folder up from here holding nbgrader_config.py and assignments/)",
    )

    p = command(
        "course",
        "set up a course folder for nbgrader",
        "`course init` registers every assignment in the course's gradebook.db (which is not committed), "
        "so that nbgrader's release_assignment, collect and autograde work in a fresh clone.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser(
        "init",
        help="register every assignment in the course's gradebook",
        description="Register every assignment of assignments/ in the course's gradebook.db "
        "(nbgrader generate_assignment into a temporary folder: release/ is left "
        "as committed).",
    )
    init.add_argument(
        "--course",
        help="the course folder (default: the nearest folder up from here holding nbgrader_config.py and assignments/)",
    )

    p = command(
        "check",
        "run a notebook and its public checks, as a student would",
        "Prints the student's table (or JSON). Exit 0 when every public check passes, 1 when one fails, "
        "2 when a notebook cannot be checked. Hidden checks are not run.",
    )
    p.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK", help="the notebooks to check")
    p.add_argument(
        "--json",
        action="store_true",
        help="print a Gradescope-style results object (a list of them for several notebooks) instead "
        "of the table (default: off)",
    )
    p.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole notebook (default 60)")
    p.add_argument(
        "--course",
        help="the course folder whose source notebooks repair and restore the given cells "
        "(default: the nearest folder up from here holding nbgrader_config.py and "
        "assignments/)",
    )

    p = command(
        "grade",
        "grade notebooks with every check, hidden ones included",
        "Writes OUT/grades.csv, a Gradescope-style JSON and a feedback page per submission, and "
        "OUT/report.html, and prints a class report.",
    )
    p.add_argument(
        "submissions",
        nargs="+",
        type=Path,
        help="notebooks, folders of notebooks (the student is the file name), or nbgrader's submitted/",
    )
    p.add_argument("--workers", type=int, default=2, help="notebooks graded at once (default 2)")
    p.add_argument("--out", type=Path, default=Path("graded"), help="the folder to write into (default graded)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook (default 120)")
    p.add_argument(
        "--course",
        help="the course folder whose source notebooks restore the given cells (default: "
        "the nearest folder up from here holding nbgrader_config.py and assignments/)",
    )
    p.add_argument(
        "--open", action="store_true", help="open OUT/report.html in the default browser at the end (default: off)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="regrade every submission (default: off, only those with no result in OUT, a changed file, "
        "or changed checks)",
    )
    p.add_argument(
        "--timestamps",
        type=Path,
        metavar="CSV",
        help="when each submission was handed in, for the late rule of the course's course.toml: a CSV "
        "with the columns student, assignment, time (default: none; nbgrader's timestamp.txt beside "
        "a submission is read first, and a submission with neither is taken as on time)",
    )

    p = command(
        "similarity",
        "a similarity report of a class: shared code and shared wrong answers",
        "Writes OUT/similarity.csv, OUT/similarity.html and a page per flagged pair in OUT/similarity/. "
        "Similarity is evidence for a person to review, never a penalty by itself.",
    )
    p.add_argument(
        "submissions",
        nargs="+",
        type=Path,
        help="notebooks, folders of notebooks (the student is the file name), or nbgrader's submitted/",
    )
    p.add_argument("--out", type=Path, default=Path("graded"), help="the folder to write into (default graded)")
    p.add_argument(
        "--graded",
        type=Path,
        help="the folder `grade` wrote the results of these notebooks into, for "
        "the answer evidence (default: OUT; an nbgrader course's "
        "attention-kit/ is always read too)",
    )
    p.add_argument(
        "--course",
        help="the course folder whose released and solution notebooks are taken out of the "
        "comparison (default: the nearest folder up from here holding "
        "nbgrader_config.py and assignments/)",
    )

    p = command(
        "regrade-changes",
        "in an nbgrader course: regrade the submissions graded with checks changed since",
        "Finds the autograded submissions whose kit check fingerprint is older than the kit's, reruns "
        "nbgrader autograde --force on exactly those, and writes attention-kit/changes.csv.",
    )
    p.add_argument("assignment", help="the assignment id, e.g. 01_simplified_attention")
    p.add_argument(
        "--course",
        help="the course folder (default: the nearest folder up from here holding nbgrader_config.py and assignments/)",
    )

    p = command(
        "export-grades",
        "write the grades as a file an LMS gradebook imports (Canvas, Moodle, Blackboard)",
        "Reads the results of `grade --out DIR`, or an nbgrader course's gradebook.db, and writes one row "
        "per student and one column per assignment (the final score, late penalty taken), named as "
        "course.toml's lms_name says. See docs/lms.md for each format.",
    )
    p.add_argument(
        "--format",
        choices=lms_export.FORMATS,
        default="csv",
        help="the LMS whose import format to write (default csv, a plain table)",
    )
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=Path("graded"),
        help="the --out folder of `attention-kit grade`, or an nbgrader course folder holding "
        "gradebook.db (default graded)",
    )
    p.add_argument(
        "--roster",
        type=Path,
        help="a CSV mapping the kit's student ids (column student) to the LMS's: first_name, last_name, "
        "name, email, username, id_number, canvas_id, sis_user_id, sis_login_id, section (default: "
        "none, every graded student, identified by the kit's id)",
    )
    p.add_argument(
        "--per-check",
        action="store_true",
        help="add one column per TO-DO of each assignment, as 'assignment: TO-DO' (default: off)",
    )
    p.add_argument(
        "--missing",
        choices=["zero", "blank"],
        default="blank",
        help="what a roster student without a grade gets (default blank: the LMS's grade is left alone)",
    )
    p.add_argument("--out", type=Path, required=True, help="the file to write (required)")
    p.add_argument(
        "--course",
        help="the course folder whose course.toml names the LMS's columns (default: the "
        "nearest folder up from here holding nbgrader_config.py and assignments/)",
    )

    p = command(
        "mistakes",
        "print the catalog of named mistakes as a Markdown table",
        "Every mistake the kit can name, what it catches, and the checks where it is detected: the "
        "table of docs/mistakes.md.",
    )
    p.add_argument(
        "--by-assignment",
        action="store_true",
        help="print instead, per assignment, how many checks can name a mistake and which: the README's coverage table "
        "(default: the catalogue, each mistake with its checks)",
    )
    p.add_argument(
        "--course",
        help="the course folder (its reference solutions show what each check can detect; "
        "default: the nearest folder up from here holding nbgrader_config.py)",
    )

    p = command(
        "export",
        "an autograder for Gradescope (a zip) or PrairieLearn (a question folder)",
        "Runs from a checkout of the kit's repository (or a course made from one): it builds the kit's "
        "wheel from the source tree and takes the student notebook from release/<id>/. Export every "
        "assignment, and export again after changing one.",
    )
    p.add_argument("platform", choices=["gradescope", "prairielearn"], help="the platform to export for")
    p.add_argument("assignment", help="the assignment id, e.g. 01_simplified_attention")
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="gradescope: the zip to write; prairielearn: the question folder (required)",
    )
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per notebook (default 120)")
    p.add_argument(
        "--image",
        default="attention-kit-grader",
        help="prairielearn: the grading image's name on Docker Hub (default attention-kit-grader)",
    )
    p.add_argument(
        "--course",
        help="the course folder (default: the nearest folder up from here holding nbgrader_config.py and assignments/)",
    )
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return {
        "build": commands.cmd_build,
        "course": commands.cmd_course,
        "check": commands.cmd_check,
        "grade": commands.cmd_grade,
        "mistakes": commands.cmd_mistakes,
        "export": commands.cmd_export,
        "regrade-changes": commands.cmd_regrade_changes,
        "export-grades": commands.cmd_export_grades,
        "similarity": commands.cmd_similarity,
    }[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
