"""The engine that names mistakes by construction: the catalogue joined from its texts and slips, the
:class:`Ops` a reference runs through, and the reruns of a reference with each slip in place (:func:`variants`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from ..checker.comparison import Mistake, close, error_signature
from .catalogue import MISTAKES
from .operations import OPERATIONS
from .slips import SLIPS, WARNINGS, NotApplicable, Slip


@dataclass(frozen=True)
class CatalogEntry(Mistake):
    """A mistake, what it is a slip of, and the warning that gives it away (if any)."""

    slips: tuple[Slip, ...] = ()
    warning: str | None = None

    @property
    def ops(self) -> set[str]:
        return {s.op for s in self.slips}


def _joined() -> list[CatalogEntry]:
    """Each mistake's texts with its slips and warning; a slip or warning of no catalogued mistake is a kit bug."""
    ids = [text["id"] for text in MISTAKES]
    unknown = (set(SLIPS) | set(WARNINGS)) - set(ids)
    assert not unknown, f"slips or warnings of mistakes the catalogue does not explain: {sorted(unknown)}"
    assert len(set(ids)) == len(ids), "a mistake named twice in the catalogue"
    return [
        CatalogEntry(
            text["id"],
            text["title"],
            text["explanation"],
            text["fix"],
            tuple(Slip(op, wrong) for op, wrong in SLIPS.get(text["id"], ())),
            WARNINGS.get(text["id"]),
        )
        for text in MISTAKES
    ]


CATALOG: list[CatalogEntry] = _joined()
BY_ID: dict[str, CatalogEntry] = {m.id: m for m in CATALOG}
assert all(s.op in OPERATIONS for m in CATALOG for s in m.slips), "a slip of an unknown operation"


class ReferenceMismatch(AssertionError):
    """A check's reference disagrees with its expected value: a bug of the kit, which its tests catch."""


class Ops:
    """The operations a reference is written with.

    Every call is recorded (which operations a reference uses, in order), and ``slip`` can
    replace one operation: at its ``at``-th use, or at every use when ``at`` is None.
    """

    def __init__(self, slip: Slip | None = None, at: int | None = None):
        self.slip, self.at = slip, at
        self.uses: list[str] = []

    def __getattr__(self, name: str) -> Callable:
        if name not in OPERATIONS:
            raise AttributeError(f"{name!r} is not an operation of autograder.mistakes")

        def run(*args, **kwargs):
            index = self.uses.count(name)
            self.uses.append(name)
            if self.slip is not None and self.slip.op == name and self.at in (None, index):
                return self.slip.wrong(*args, **kwargs)
            return OPERATIONS[name](*args, **kwargs)

        return run


#: what a reference is: a function of the operations that returns the check's right answer
Reference = Callable[[Ops], torch.Tensor]


def uses(reference: Reference) -> Counter:
    """How many times the reference uses each operation."""
    recorder = Ops()
    reference(recorder)
    return Counter(recorder.uses)


def variants(
    reference: Reference, expected: torch.Tensor, atol: float = 1e-4, rtol: float = 0.0, consistent: bool = True
) -> Iterator[tuple[CatalogEntry, object]]:
    """The known wrong answers on the reference's own inputs, lazily: each catalogued slip of an
    operation the reference uses, at each place it is used and at all of them.

    A variant equal to the right answer is no evidence and is left out. A variant whose computation
    raises is kept as the signature of its error: code that raises the same error likely has that
    mistake (a head split without transpose can make the attention's shapes clash).
    """
    recorder = Ops()
    right = reference(recorder).detach().to(torch.float64)
    counts, expected = Counter(recorder.uses), expected.detach().to(torch.float64)
    if consistent and not close(right, expected, max(atol, 1e-4), max(rtol, 1e-4), equal_nan=True):
        raise ReferenceMismatch(f"the check's reference gives {right.tolist()}, not its expected value")
    for mistake in CATALOG:
        for slip in mistake.slips:
            count = counts.get(slip.op, 0)
            for at in ([None] if count == 1 else [*range(count), None]) if count else []:
                try:
                    wrong = reference(Ops(slip, at))
                except NotApplicable:
                    continue
                except (RuntimeError, ValueError, IndexError, TypeError) as exc:
                    yield mistake, error_signature(type(exc).__name__, str(exc))
                    continue
                wrong = wrong.detach().to(torch.float64)
                if not close(wrong, expected, atol, rtol, equal_nan=True):
                    yield mistake, wrong


def warned_mistakes(reference: Reference) -> list[CatalogEntry]:
    """Mistakes a warning gives away, about an operation this reference uses."""
    used = set(uses(reference))
    return [m for m in CATALOG if m.warning and m.ops & used]
