"""The engine that names mistakes by construction: the catalogue joined from its texts and slips, the
:class:`Ops` a reference runs through, and the reruns of a reference with each slip in place (:func:`variants`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from ..checker.comparison import Mistake, close, error_signature
from .catalogue import MISTAKES
from .families import FAMILIES, alternatives, called_with
from .operations import KINDS, OPERATIONS
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
    unknown = (set(SLIPS) | set(WARNINGS) | set(FAMILIES)) - set(ids)
    assert not unknown, f"slips, warnings or families of mistakes the catalogue does not explain: {sorted(unknown)}"
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


@dataclass(frozen=True)
class Alternative:
    """A family's slip of one operation: its ``choice``-th wrong argument (:mod:`.families`)."""

    family: str
    op: str
    choice: int


class Ops:
    """The operations a reference is written with.

    Every call is recorded (which operations a reference uses, in order, and how many wrong arguments each
    family has for it), and ``slip`` can replace one operation: at its ``at``-th use, or at every use when
    ``at`` is None.
    """

    def __init__(self, slip: Slip | Alternative | None = None, at: int | None = None):
        self.slip, self.at = slip, at
        self.uses: list[str] = []
        #: operation -> the most wrong arguments its family has at one of its uses (recorded without a slip)
        self.widths: Counter = Counter()

    def __getattr__(self, name: str) -> Callable:
        if name not in OPERATIONS:
            raise AttributeError(f"{name!r} is not an operation of autograder.mistakes")

        def run(*args, **kwargs):
            index = self.uses.count(name)
            self.uses.append(name)
            slip = self.slip if self.slip is not None and self.slip.op == name and self.at in (None, index) else None
            if isinstance(slip, Slip):
                return slip.wrong(*args, **kwargs)
            if isinstance(slip, Alternative):
                options = alternatives(slip.family, name, args, kwargs)
                if slip.choice < len(options):
                    return called_with(name, args, kwargs, options[slip.choice])
                if self.at is not None:
                    raise NotApplicable
            if self.slip is None and name in KINDS:
                width = len(alternatives(FAMILY_OF[KINDS[name]], name, args, kwargs))
                self.widths[name] = max(self.widths[name], width)
            return OPERATIONS[name](*args, **kwargs)

        return run


#: kind of operation -> the family of mistakes tried wherever it is used
FAMILY_OF = {kind: family for family, (kind, _) in FAMILIES.items()}


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

    Then each family's wrong arguments (:mod:`.families`) at each place an operation of its kind is used, and at
    all of them (a slip inside a loop repeats at every turn); a family's answer that a catalogued mistake already
    gives is left to the catalogued mistake, which says more.

    A variant equal to the right answer is no evidence and is left out. A variant whose computation
    raises is kept as the signature of its error: code that raises the same error likely has that
    mistake (a head split without transpose can make the attention's shapes clash).
    """
    recorder = Ops()
    right = reference(recorder).detach().to(torch.float64)
    counts, expected = Counter(recorder.uses), expected.detach().to(torch.float64)
    if consistent and not close(right, expected, max(atol, 1e-4), max(rtol, 1e-4), equal_nan=True):
        raise ReferenceMismatch(f"the check's reference gives {right.tolist()}, not its expected value")
    catalogued: list = []
    for mistake in CATALOG:
        for slip in mistake.slips:
            for found in _reruns(reference, slip, counts.get(slip.op, 0), expected, atol, rtol):
                catalogued.append(found)
                yield mistake, found
    for family, (kind, _) in FAMILIES.items():
        for op in sorted(op for op in counts if KINDS.get(op) == kind):
            for choice in range(recorder.widths[op]):
                for found in _reruns(reference, Alternative(family, op, choice), counts[op], expected, atol, rtol):
                    if not any(_same(found, known, atol, rtol) for known in catalogued):
                        yield BY_ID[family], found


def _reruns(reference: Reference, slip: Slip | Alternative, count: int, expected, atol: float, rtol: float):
    """The reference's answers with ``slip`` at each of the ``count`` uses of its operation and at all of them,
    or the signatures of the errors they raise; answers equal to the right one are left out."""
    for at in ([None] if count == 1 else [*range(count), None]) if count else []:
        try:
            wrong = reference(Ops(slip, at))
        except NotApplicable:
            continue
        except (RuntimeError, ValueError, IndexError, TypeError) as exc:
            yield error_signature(type(exc).__name__, str(exc))
            continue
        wrong = wrong.detach().to(torch.float64)
        if not close(wrong, expected, atol, rtol, equal_nan=True):
            yield wrong


def _same(a, b, atol: float, rtol: float) -> bool:
    """Two variants that are the same evidence: equal error signatures, or equal numbers."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return a == b
    return close(a, b, atol, rtol, equal_nan=True)


def warned_mistakes(reference: Reference) -> list[CatalogEntry]:
    """Mistakes a warning gives away, about an operation this reference uses."""
    used = set(uses(reference))
    return [m for m in CATALOG if m.warning and m.ops & used]
