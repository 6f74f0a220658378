"""One check's outcome, the one shape every door reports, and running a check so that it never raises."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .handle import Student

PASSED, FAILED, NOT_RUN = "passed", "failed", "not_run"


class CheckFailed(AssertionError):
    """A check's verdict: the answer is wrong. ``tags`` name diagnosed mistakes."""

    def __init__(self, message: str, tags: Iterable[str] = (), answer: str | None = None):
        super().__init__(message)
        self.message = message
        self.tags = list(tags)
        self.answer = answer  # the wrong numbers' digest (``comparison.answer_digest``), for the similarity report


@dataclass(frozen=True)
class Check:
    """A check: its grade id, points and TO-DO, whether it is hidden, and what it runs against a student."""

    grade_id: str
    points: float
    todo: str
    hidden: bool
    run: Callable[[Student], str]


@dataclass
class CheckResult:
    """The outcome of one check, as every door reports it (:mod:`autograder.formats` words it for each)."""

    grade_id: str
    todo: str
    points: float
    hidden: bool
    status: str
    message: str
    tags: list[str] = field(default_factory=list)
    answer: str | None = None  # a wrong answer's digest

    @property
    def score(self) -> float:
        return self.points if self.status == PASSED else 0.0


def run_check(check: Check, student: Student) -> CheckResult:
    """Run one check against a student handle; never raises for a bad answer."""
    student.grade_id, student.warnings = check.grade_id, []
    try:
        message, status, tags, answer = check.run(student), PASSED, [], None
    except CheckFailed as failure:
        status, message, tags, answer = FAILED, failure.message, failure.tags, failure.answer
    except Exception as exc:  # an answer so odd that comparing it failed
        status, tags, answer = FAILED, [], None
        message = f"Your answer could not be checked ({type(exc).__name__}: {exc})."
    return CheckResult(check.grade_id, check.todo, check.points, check.hidden, status, message, tags, answer)


def not_run(check: Check, reason: str) -> CheckResult:
    """A check left out (a hidden check outside grading), with why."""
    return CheckResult(check.grade_id, check.todo, check.points, check.hidden, NOT_RUN, reason)


def ungradable(check: Check, reason: str) -> CheckResult:
    """A check that scores 0 because the notebook could not be run at all."""
    return CheckResult(check.grade_id, check.todo, check.points, check.hidden, FAILED, f"not graded: {reason}")


#: what a hidden check says where only the public checks run (the notebook, the student's terminal, ``check``)
HIDDEN_NOT_RUN = "Hidden check: not run locally; it runs when the notebook is graded."
