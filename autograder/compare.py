"""The hidden checks' comparison: the student's numbers against a reference, with the diagnosis.

The wording and the decision are the shared ones of :func:`autograder.checker.comparison.compare`. What the
kit adds is the diagnosis by construction: a check passes its reference (written with
:class:`autograder.mistakes.Ops`), and every catalogued mistake about an operation that the
reference uses is considered on the check's own inputs, only when the answer is wrong.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import torch

from . import mistakes
from .checker.comparison import Detector, Mistake, accumulated_into_uninitialised, as_tensor, close, compare
from .checker.handle import Student
from .checker.public_checks import no_parameter, parameter_keys, wrong_shape
from .checker.results import CheckFailed

__all__ = ["as_tensor", "close", "expect_tensor", "nameable", "nameable_mistakes", "parameter", "worked_example"]

#: the set that :func:`nameable_mistakes` collects into, in this thread (None: nothing collects)
_NAMEABLE: ContextVar[set[str] | None] = ContextVar("nameable", default=None)


@contextlib.contextmanager
def nameable_mistakes() -> Iterator[set[str]]:
    """Collect into the set it yields every mistake that the comparisons run inside the block could name, whether
    they pass or not: the diagnosis's reach. :mod:`autograder.coverage` maps a hidden check's reach this way, by
    running it on the reference solution. Only this thread's comparisons count (grading runs checks in threads)."""
    found: set[str] = set()
    token = _NAMEABLE.set(found)
    try:
        yield found
    finally:
        _NAMEABLE.reset(token)


#: the answers of the worked example of the assignment whose hidden check runs, in this thread (computed on demand)
_WORKED_ANSWERS: ContextVar[Callable[[], list] | None] = ContextVar("worked_answers", default=None)


@contextlib.contextmanager
def worked_example(answers: Callable[[], list]) -> Iterator[None]:
    """Inside the block, a wrong answer with the shape of one of ``answers()`` (the worked example's, which the
    public checks expect) where the fresh input asks for another names the worked-example-shape mistake: a size
    written as a number copied from the worked example. The worked answer itself is no such evidence (its numbers
    were pasted: no code ran on the fresh input)."""
    token = _WORKED_ANSWERS.set(answers)
    try:
        yield
    finally:
        _WORKED_ANSWERS.reset(token)


def _worked_shape_detector(answers: Callable[[], list]) -> Detector:
    def recognise(got, expected, _warnings) -> bool:
        worked = [a for a in answers() if isinstance(a, torch.Tensor) and a.shape == got.shape]
        return got.shape != expected.shape and bool(worked) and not any(close(got, a, 1e-3) for a in worked)

    return mistakes.BY_ID["worked_example_shape"], recognise


def nameable(found: Iterable[Mistake]) -> None:
    """Count these mistakes in the diagnosis's reach (:func:`nameable_mistakes`): a comparison could name them."""
    reach = _NAMEABLE.get()
    if reach is not None:
        reach.update(m.id for m in found)


def expect_tensor(
    got: Any,
    expected: torch.Tensor | None = None,
    *,
    what: str,
    student: Student,
    reference: Callable[[mistakes.Ops], torch.Tensor] | None = None,
    atol: float = 1e-4,
    rtol: float = 0.0,
    hint: str | None = None,
    detectors: Iterable[Detector] = (),
    own_expected: bool = False,
) -> str:
    """Pass (a short message) when ``got`` matches ``expected`` (default: the reference's answer),
    else explain what differs and name the catalogued mistakes the evidence shows.

    ``own_expected``: a property check compares the student's outputs with their own earlier ones, so
    the reference (the right answer) need not equal ``expected`` there."""
    if expected is None:
        if reference is None:
            raise TypeError("expect_tensor needs the expected tensor or a reference")
        expected = reference(mistakes.Ops())

    def evidence() -> Iterable:
        if reference is not None:
            yield from mistakes.variants(reference, expected, atol, rtol, consistent=not own_expected)

    def recognisers() -> Iterable[Detector]:
        yield from detectors
        if student.revealed_uninitialised:
            yield mistakes.BY_ID["empty_accumulator"], accumulated_into_uninitialised
        worked_answers = _WORKED_ANSWERS.get()
        if worked_answers is not None:
            yield _worked_shape_detector(worked_answers)

    def warned() -> Iterable:
        if reference is not None:
            yield from ((m, m.warning) for m in mistakes.warned_mistakes(reference))

    if _NAMEABLE.get() is not None:
        nameable(m for source in (evidence(), recognisers(), warned()) for m, _ in source)
    return compare(
        got,
        expected,
        what=what,
        student=student,
        atol=atol,
        rtol=rtol,
        hint=hint,
        variants=evidence(),
        detectors=recognisers(),
        warned=warned(),
    )


def parameter(
    state: dict,
    name: str,
    shape: tuple | None,
    owner: str,
    *,
    aliases: tuple = (),
    optional: bool = False,
    hint: str = "",
) -> torch.Tensor:
    """The parameter of the student's ``state_dict`` whose name ends in ``name`` (or an alias), of the given shape
    (any shape if None), or a failure that tells the learner which names to keep.

    Checks that copy a student's weights into PyTorch's own modules read them through here; it finds them as the
    public checks' ``load_worked_weights`` does (:mod:`autograder.checker.public_checks`), in the same words. A
    missing optional parameter (a bias of a layer built with ``bias=False``) is zero, as in the student's code."""
    if not isinstance(state, dict):
        raise CheckFailed(f"{owner}: the grader received no parameters from your module.")
    hits = parameter_keys(state, name, aliases)
    if not hits:
        if optional:
            assert shape is not None, "a missing optional parameter is zeros: its shape is needed"
            return torch.zeros(shape)
        raise no_parameter(state, name, owner, f"{hint}, so that your weights can be copied into PyTorch's own layers.")
    tensors = [state[key] for key in hits]
    if any(not isinstance(t, torch.Tensor) for t in tensors) or any(
        t.shape != tensors[0].shape or not torch.equal(t, tensors[0]) for t in tensors[1:]
    ):
        raise CheckFailed(
            f"{owner}: several different parameters are named like `{name}` ({', '.join(hits)}); "
            "keep one of each, with the names the notebook asks for."
        )
    if shape is not None and tuple(tensors[0].shape) != tuple(shape):
        raise wrong_shape(owner, hits[0], tuple(tensors[0].shape), tuple(shape))
    return tensors[0].detach().to(torch.float32)
