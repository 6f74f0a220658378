"""Grading how the student's code computes, where its numbers cannot tell: the facts the sandboxed child recorded.

A probe asked to ``observe`` sends back plain facts about the torch calls the student's code made
(:mod:`autograder.checker.recording`); here, in the grader, a check reads them and decides. The record must be
there and must have seen the result being made: code that turns the recording off, or computes outside torch,
fails with a message, and can only lose points by it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .checker.comparison import Mistake, advice
from .checker.handle import Student
from .checker.results import CheckFailed
from .compare import nameable


@dataclass(frozen=True)
class Computation:
    """What one call of the student's code computed, as recorded next to it."""

    #: shapes of the floating-point tensors it made: neither views of its inputs nor its result
    shapes: tuple[tuple[int, ...], ...]
    #: each reduction (softmax, sum, max..., a matrix product's inner sum, PyTorch's attention over its keys) and
    #: the sizes of the dimensions it spanned
    reductions: tuple[tuple[str, tuple[int, ...]], ...]
    #: how many rows (vectors) each linear layer was fed at once: batch x positions
    projections: tuple[int, ...]

    def spanning(self, size: int) -> list[str]:
        """The reductions that spanned a dimension of ``size``."""
        return sorted({name for name, sizes in self.reductions if size in sizes})


#: a rule about a computation: the message that teaches what went wrong, or None when it holds
Rule = Callable[[Computation], "str | None"]


def expect_computation(student: Student, what: str, rules: Iterable[tuple[Mistake, Rule]]) -> str:
    """Pass (a short message) when the last observed call's record holds every rule, else fail with the first
    broken rule's message, naming its mistake."""
    rules = list(rules)
    nameable(mistake for mistake, _ in rules)
    computation = observed(student, what)
    for mistake, rule in rules:
        problem = rule(computation)
        if problem:
            raise CheckFailed(f"{what}: {problem}\n{advice([mistake])}", tags=[mistake.id])
    return f"{what}: computed as the step asks."


def observed(student: Student, what: str) -> Computation:
    """The record of the last observed call, or a failure saying why the grader could not see the computation."""
    facts = student.computation
    unseen = "the grader could not observe how your code computed its result"
    if not isinstance(facts, dict) or not facts.get("complete"):
        raise CheckFailed(
            f"{what}: {unseen} (no record of its torch calls came back). Compute with torch, in the "
            "function itself, and leave torch's function handling as it is."
        )
    if facts.get("left_torch"):
        raise CheckFailed(
            f"{what}: your code took numbers out of torch ({', '.join(map(str, facts['left_torch']))}): "
            "this step is about how the computation is organised, so do all of it with torch tensors."
        )
    if not facts.get("result_seen") or facts.get("unseen"):
        raise CheckFailed(
            f"{what}: {unseen}: some of its tensors were made while torch's function handling was "
            "turned off, or outside the function. Compute everything inside the function, with torch."
        )
    try:
        return Computation(
            tuple(tuple(int(n) for n in shape) for shape in facts.get("shapes", [])),
            tuple((str(name), tuple(int(n) for n in sizes)) for name, sizes in facts.get("reductions", [])),
            tuple(int(n) for n in facts.get("projections", [])),
        )
    except (TypeError, ValueError) as exc:
        raise CheckFailed(f"{what}: {unseen} (its record was not readable).") from exc
