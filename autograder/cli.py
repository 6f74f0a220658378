"""``attention-kit``: build, course, check, grade, regrade-changes, export-grades, mistakes, export."""

from __future__ import annotations

import argparse
import json
import sys
import time
import webbrowser
from pathlib import Path

from . import __version__, course, deadlines, formats, grading, lms_export, pipeline, policy, similarity
from .assignments import ASSIGNMENTS
from .framework import FAILED
from .pages import class_report
from .sandbox import Limits, Sandbox

EXIT_OK, EXIT_FAILED, EXIT_UNCHECKABLE = 0, 1, 2


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
        "build": cmd_build,
        "course": cmd_course,
        "check": cmd_check,
        "grade": cmd_grade,
        "mistakes": cmd_mistakes,
        "export": cmd_export,
        "regrade-changes": cmd_regrade_changes,
        "export-grades": cmd_export_grades,
        "similarity": cmd_similarity,
    }[args.command](args)


def cmd_build(args) -> int:
    from . import build  # nbgrader's: an instructor's extra, not needed to grade

    root = course.course_root(args.course)
    problems = build.lint(root)
    if problems:
        print("The source notebooks and the kit's checks disagree:", *problems, sep="\n- ")
        return EXIT_FAILED
    if args.check:
        differing = build.stale(root)
        if differing:
            print("Generated notebooks are out of date:", *differing, sep="\n- ")
            return EXIT_FAILED
        print(f"release/ and solutions/ match assignments/ ({len(build.source_ids(root))} assignments).")
        return EXIT_OK
    unknown = set(args.assignments) - set(build.source_ids(root))
    if unknown:
        print(f"No source notebook for {', '.join(sorted(unknown))} in {root / 'assignments'}")
        return EXIT_UNCHECKABLE
    for path in build.build(root, args.assignments or None):
        print(f"wrote {path}")
    return register(root, args.assignments or None)


def cmd_course(args) -> int:
    """``course init``: the gradebook a fresh clone lacks, so that nbgrader can release, collect and autograde."""
    return register(course.course_root(args.course))


def register(root: Path, ids: list[str] | None = None) -> int:
    from . import build  # nbgrader's: an instructor's extra

    print(f"registered {', '.join(build.register(root, ids))} in {root / 'gradebook.db'}")
    return EXIT_OK


def cmd_check(args) -> int:
    """Exit 0 when every public check passes, 1 when one fails, 2 when a notebook cannot be checked."""
    root = course.course_root(args.course)
    contract = pipeline.Contract(
        Limits.for_notebook(args.timeout),
        hidden=False,
        root=root,
        hide=tuple(pipeline.secrets(root, [path.parent for path in args.notebooks])),
    )
    with Sandbox() as sandbox:
        subs = [contract.grade(path, path.stem, sandbox) for path in args.notebooks]
    if args.json:
        results = [formats.record(sub) for sub in subs]
        print(json.dumps(results[0] if len(results) == 1 else results, indent=2))
        for sub in subs:
            if not sub.gradable:
                print(f"cannot check {sub.path}: {sub.problem}", file=sys.stderr)
    else:
        print("\n\n".join(formats.table(sub) for sub in subs))
    if any(not sub.gradable for sub in subs):
        return EXIT_UNCHECKABLE
    return EXIT_FAILED if any(r.status == FAILED for sub in subs for r in sub.results) else EXIT_OK


def cmd_grade(args) -> int:
    root = course.course_root(args.course)
    found = grading.find_submissions(args.submissions)
    if not found:
        print("No notebooks found in", *args.submissions)
        return EXIT_UNCHECKABLE
    try:  # the course's rules are read whole before anything is graded
        rules = deadlines.Deadlines(
            policy.load(root, frozenset(ASSIGNMENTS)),
            deadlines.read_times(args.timestamps) if args.timestamps else None,
        )
    except (ValueError, OSError) as exc:
        print(f"Nothing was graded: {exc}")
        return EXIT_UNCHECKABLE
    started = time.monotonic()
    outcome = grading.grade_all(
        found,
        limits=Limits.for_notebook(args.timeout),
        workers=args.workers,
        root=root,
        out=args.out,
        targets=args.submissions,
        force=args.force,
        deadlines=rules,
    )
    similar = similarity.from_results(outcome.results, args.out, root)
    page = class_report.write(
        args.out, seconds=time.monotonic() - started if outcome.graded else None, workers=args.workers, similar=similar
    )
    print(grading.class_summary(outcome.results))
    print(f"\n{similarity.summary(similar, args.out)}")
    print(f"\n{_what_was_graded(outcome, args.out)}")
    if rules.summary():
        print(rules.summary())
    changed = args.out / "changes.csv"
    print(
        f"Wrote {args.out / 'grades.csv'}, {len(outcome.results)} results in {args.out / 'results'}, "
        f"feedback pages in {args.out / 'feedback'}, the class report {page}"
        + (f" and what the changed checks moved, {changed}" if changed.exists() else "")
        + "."
    )
    if args.open and not webbrowser.open(page.resolve().as_uri()):
        print(f"No browser to open {page} in.")
    return EXIT_OK


def _what_was_graded(outcome: grading.Outcome, out: Path) -> str:
    if not outcome.graded:
        return f"nothing to grade: every result in {out / 'results'} is current."
    read_back = len(outcome.results) - outcome.graded
    return f"Graded {outcome.graded}" + (f", read back {read_back} current results" if read_back else "") + "."


def cmd_similarity(args) -> int:
    found = grading.find_submissions(args.submissions)
    if not found:
        print("No notebooks found in", *args.submissions)
        return EXIT_UNCHECKABLE
    root = course.course_root(args.course)
    analysis = similarity.from_submissions(found, args.out, root, [args.graded or args.out, root / course.RECORDS])
    print(similarity.summary(analysis, args.out))
    return EXIT_OK


def cmd_regrade_changes(args) -> int:
    from . import regrade  # nbgrader's: an instructor's extra, not needed to grade

    root = course.course_root(args.course)
    if args.assignment not in ASSIGNMENTS:
        print(f"No assignment {args.assignment} in this kit (it has {', '.join(sorted(ASSIGNMENTS))}).")
        return EXIT_UNCHECKABLE
    try:
        students, rows = regrade.regrade_changes(root, args.assignment)
    except RuntimeError as failed:  # nbgrader's own output says why
        print(failed)
        return EXIT_FAILED
    if not students:
        print(f"nothing to regrade: every autograded {args.assignment} was graded with today's checks.")
    else:
        print(
            f"Regraded {len(students)} submission{'s' if len(students) != 1 else ''} of {args.assignment} with "
            f"nbgrader autograde: {', '.join(students)}."
        )
    moved = len({(r["student"], r["assignment"]) for r in rows})
    print(
        f"{len(rows)} check result{'s' if len(rows) != 1 else ''} of {moved} student"
        f"{'s' if moved != 1 else ''} moved: see {root / course.RECORDS / 'changes.csv'}"
        if rows
        else "No points moved."
    )
    return EXIT_OK


def cmd_export_grades(args) -> int:
    from . import grade_records

    try:
        rules = policy.load(course.course_root(args.course), frozenset(ASSIGNMENTS))
        roster = lms_export.read_roster(args.roster) if args.roster else None
        known = {}
        if (args.source / "gradebook.db").is_file():
            grades, known = grade_records.from_gradebook(args.source)
        elif (args.source / "results").is_dir():
            grades = grade_records.from_results(args.source)
        else:
            print(f"No grades in {args.source}: give the --out folder of `attention-kit grade` or an nbgrader course")
            return EXIT_UNCHECKABLE
        if roster is not None and known:  # names and emails the roster leaves out, from nbgrader's gradebook
            roster = {s: lms_export.fill_in(person, known.get(s)) for s, person in roster.items()}
        written = lms_export.export(
            args.format,
            grades,
            roster=roster,
            known=known,
            policy=rules,
            per_check=args.per_check,
            missing=args.missing,
        )
    except (ValueError, OSError) as exc:
        print(f"cannot export: {exc}")
        return EXIT_UNCHECKABLE
    lms_export.write(written, args.out)
    if written.left_out:
        print(f"Not on the roster, left out: {', '.join(written.left_out)}", file=sys.stderr)
    print(
        f"wrote {args.out} ({args.format})"
        + (
            f"; {len(written.left_out)} graded students not on the roster were left out (listed above)"
            if written.left_out
            else ""
        )
    )
    return EXIT_OK


def cmd_mistakes(args) -> int:
    from .coverage import markdown_table

    print(markdown_table(course.course_root(args.course)))
    return EXIT_OK


def cmd_export(args) -> int:
    from .platforms import export

    try:
        written = export.export(
            args.platform,
            args.assignment,
            args.out,
            root=course.course_root(args.course),
            timeout=args.timeout,
            image=args.image,
        )
    except export.ExportError as exc:
        print(f"cannot export: {exc}")
        return EXIT_UNCHECKABLE
    print(f"wrote {written}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
