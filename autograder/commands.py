"""What each ``attention-kit`` command does (its options are in :mod:`autograder.cli`): build, course, check, grade,
similarity, regrade-changes, export-grades, mistakes, export."""

from __future__ import annotations

import json
import sys
import time
import webbrowser
from pathlib import Path

from . import course, deadlines, formats, grading, lms_export, pipeline, policy, similarity
from .assignments import ASSIGNMENTS
from .framework import FAILED
from .pages import class_report
from .sandbox import Limits, Sandbox

EXIT_OK, EXIT_FAILED, EXIT_UNCHECKABLE = 0, 1, 2


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
        known: dict[str, grade_records.Person] = {}  # students the gradebook names
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
    from .coverage import coverage_table, markdown_table

    table = coverage_table if args.by_assignment else markdown_table
    print(table(course.course_root(args.course)))
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
