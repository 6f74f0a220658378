"""The course policy under ``nbgrader autograde``: nbgrader's own late-submission step, fed from course.toml.

nbgrader computes a submission's lateness from the due date in its gradebook (plus any extension recorded
there) and calls its late-submission plugin only for work it finds late (``AssignLatePenalties``, nbgrader
#233). Under the course's config, :func:`sync_due_dates` writes course.toml's due dates into the gradebook before
any student is graded (and refuses an invalid course.toml there, so nothing is graded), and
:class:`CoursePolicyPenalty` computes the penalty from the same course.toml with the same code as
``attention-kit grade`` (:mod:`autograder.lateness`): the student's extension, the grace period, the cap and
"not accepted". nbgrader stores it as the notebook's ``late_submission_penalty``, recomputed from the raw score
on every autograde.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters.base import NbGraderException
from nbgrader.plugins import LateSubmissionPlugin

from . import lateness, policy
from .assignments import ASSIGNMENTS


def course_policy(root: Path) -> policy.Policy:
    return policy.load(root, frozenset(ASSIGNMENTS))


def course_root(configurable) -> Path:
    """The course folder of the nbgrader app a configurable belongs to (its ``coursedir``), else the folder
    nbgrader runs in."""
    while configurable is not None:
        coursedir = getattr(configurable, "coursedir", None)
        if coursedir is not None:
            return Path(coursedir.root)
        configurable = getattr(configurable, "parent", None)
    return Path.cwd()


def sync_due_dates(converter) -> None:
    """Give each assignment of course.toml its due date in the gradebook, so that nbgrader asks the plugin about
    every submission handed in after it; an invalid course.toml stops the run before any student."""
    coursedir = converter.coursedir
    try:
        rules = course_policy(Path(coursedir.root))
    except policy.PolicyError as exc:
        message = f"{exc}. No submission was graded."
        converter.log.error(message)
        raise NbGraderException(message) from None
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for assignment in rules.assignments.values():
            if assignment.due is None:
                continue
            try:
                recorded = gradebook.find_assignment(assignment.id)
            except MissingEntry:
                continue
            due = assignment.due.astimezone(dt.timezone.utc).replace(tzinfo=None)  # nbgrader keeps naive UTC
            if recorded.duedate != due:
                recorded.duedate = due
                gradebook.db.commit()
                converter.log.info("Due date of %s from course.toml: %s UTC", assignment.id, due)


class CoursePolicyPenalty(LateSubmissionPlugin):
    """The penalty course.toml sets for this notebook: a percentage of its score (nbgrader's raw score for the
    notebook), per the course's late rule and the student's extension."""

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        step = self.parent  # nbgrader's AssignLatePenalties, with the open gradebook and the assignment's id
        submission = step.gradebook.find_submission(step.assignment_id, student_id)
        submitted = submission.timestamp.replace(tzinfo=dt.timezone.utc) if submission.timestamp else None
        late = lateness.assess(course_policy(course_root(step)), student_id, step.assignment_id, submitted)
        if late is None:
            return None
        self.log.info("%s's %s: %s", student_id, step.assignment_id, late.why())
        return late.penalty(score)
