"""Checks and assignments: the vocabulary every door shares.

A check is a small function with a grade id, its points and a TO-DO name. It gets a
:class:`~autograder.checker.handle.Student` handle, asks it for numbers, compares them with
what it expects and either returns a short "what is right" message or raises
:class:`CheckFailed` with what is wrong and why. Timeouts, isolation and reporting belong to
the runner, not to the check.

There are two kinds. A **hidden** check is Python in the kit (fresh inputs, PyTorch as the
reference). A **public** check is a list of steps (:mod:`autograder.public`) that becomes data
in ``<assignment>.checks.json``, so that students run it without the kit; the kit runs the very
same data, through the very same code, so every door grades it alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from .checker.handle import Student
from .checker.public_checks import Checks, PublicCheck
from .checker.results import FAILED, NOT_RUN, PASSED, Check, CheckFailed, CheckResult, not_run, run_check, ungradable
from .checker.wire import decode, dumps, loads
from .compare import worked_example
from .public import checks_data

__all__ = [
    "FAILED",
    "NOT_RUN",
    "PASSED",
    "Assignment",
    "Check",
    "CheckFailed",
    "CheckResult",
    "not_run",
    "run_check",
    "ungradable",
]


@dataclass
class Assignment:
    """One notebook's checks, in notebook order."""

    id: str
    title: str
    checks: list[Check] = field(default_factory=list)
    #: grade id -> the function that lists a public check's steps
    public_steps: dict[str, Callable[[], list]] = field(default_factory=dict)
    #: what :meth:`public_data` and :meth:`released` computed, until a check is added
    _public_data: dict | None = field(default=None, init=False, repr=False, compare=False)
    _released: Checks | None = field(default=None, init=False, repr=False, compare=False)

    def check(self, grade_id: str, *, points: float, todo: str, hidden: bool = True):
        """Decorator that registers a hidden check (Python, run by the kit only)."""

        def register(func: Callable[[Student], str]) -> Callable[[Student], str]:
            self._add(Check(grade_id, points, todo, hidden, functools.partial(self._run_hidden, func)))
            return func

        return register

    def public(self, grade_id: str, *, points: float, todo: str):
        """Decorator that registers a public check: the function returns its steps."""

        def register(steps: Callable[[], list]) -> Callable[[], list]:
            self.public_steps[grade_id] = steps
            self._add(Check(grade_id, points, todo, False, functools.partial(self._run_public, grade_id)))
            return steps

        return register

    def _add(self, check: Check) -> None:
        if check.grade_id in self.by_id:
            raise ValueError(f"{self.id}: two checks named {check.grade_id!r}")
        self.checks.append(check)
        self._public_data = None
        self._released = None

    def public_data(self) -> dict:
        """``<assignment>.checks.json``'s data: every check's name and points, the public ones' steps, and the
        catalogued mistakes they can name (:func:`autograder.public.checks_data`, computed once)."""
        if self._public_data is None:
            self._public_data = checks_data(self)
        return self._public_data

    def released(self) -> Checks:
        """The public checks exactly as a student's ``attention_check.py`` reads them: the data through JSON and
        back, so that the kit runs the same data through the same code as students (computed once)."""
        if self._released is None:
            self._released = Checks.from_data(loads(dumps(self.public_data())))
        return self._released

    def _run_hidden(self, check: Callable[[Student], str], student: Student) -> str:
        with worked_example(self.worked_answers):
            return check(student)

    def worked_answers(self) -> list:
        """The answers the public checks expect: the worked example's, whose shapes a hidden check's fresh inputs
        change (a wrong answer of one of these shapes there has a size copied from the worked example)."""
        return [
            decode(step["expect"]["value"])
            for check in self.public_data()["checks"]
            for step in check.get("steps", [])
            if "expect" in step
        ]

    def _run_public(self, grade_id: str, student: Student) -> str:
        checks = self.released()
        spec = next(s for s in checks.checks if s["grade_id"] == grade_id)
        return PublicCheck(spec["steps"], checks.mistakes)(student)

    @property
    def by_id(self) -> dict[str, Check]:
        return {c.grade_id: c for c in self.checks}

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)
