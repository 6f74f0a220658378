"""Checks, assignments and results: the vocabulary every door shares.

A check is a small function with a grade id, its points and a TO-DO name. It gets
a :class:`~autograder.student.Student` handle, asks it for numbers, compares them
with what it expects and either returns a short "what is right" message or raises
:class:`CheckFailed` with what is wrong and why. Timeouts, isolation and
reporting belong to the runner, not to the check.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

PASSED, FAILED, NOT_RUN = "passed", "failed", "not_run"


class CheckFailed(AssertionError):
    """A check's verdict: the answer is wrong. ``tags`` name diagnosed mistakes."""

    def __init__(self, message: str, tags: Iterable[str] = ()):
        super().__init__(message)
        self.message = message
        self.tags = list(tags)


@dataclass(frozen=True)
class Check:
    grade_id: str
    points: float
    todo: str
    hidden: bool
    run: Callable[..., str]


@dataclass
class Assignment:
    """One notebook's checks, in notebook order."""

    id: str
    title: str
    checks: list[Check] = field(default_factory=list)

    def check(self, grade_id: str, *, points: float, todo: str, hidden: bool = False):
        """Decorator that registers a check under the grade id of its test cell."""

        def register(func: Callable[..., str]) -> Callable[..., str]:
            if grade_id in self.by_id:
                raise ValueError(f"{self.id}: two checks named {grade_id!r}")
            self.checks.append(Check(grade_id, points, todo, hidden, func))
            return func

        return register

    @property
    def by_id(self) -> dict[str, Check]:
        return {c.grade_id: c for c in self.checks}

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)


@dataclass
class CheckResult:
    grade_id: str
    todo: str
    points: float
    hidden: bool
    status: str
    message: str
    tags: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.points if self.status == PASSED else 0.0

    def as_test(self) -> dict:
        """One entry of a Gradescope-style ``tests`` list."""
        return {
            "name": self.grade_id,
            "score": self.score,
            "max_score": self.points,
            "status": self.status,
            "output": self.message,
            "tags": list(self.tags),
            "visibility": "after_published" if self.hidden else "visible",
        }


def run_check(check: Check, student) -> CheckResult:
    """Run one check against a student handle; never raises for a bad answer."""
    student.grade_id, student.warnings = check.grade_id, []
    try:
        message = check.run(student)
        status, tags = PASSED, []
    except CheckFailed as failure:
        status, message, tags = FAILED, failure.message, failure.tags
    except Exception as exc:  # an answer so odd that comparing it failed
        status, tags = FAILED, []
        message = f"Your answer could not be checked ({type(exc).__name__}: {exc})."
    return CheckResult(check.grade_id, check.todo, check.points, check.hidden, status, message, tags)


def not_run(check: Check, reason: str) -> CheckResult:
    return CheckResult(check.grade_id, check.todo, check.points, check.hidden, NOT_RUN, reason)


def ungradable(check: Check, reason: str) -> CheckResult:
    """A check that scores 0 because the notebook could not be run at all."""
    return CheckResult(check.grade_id, check.todo, check.points, check.hidden, FAILED, f"not graded: {reason}")
