"""The catalogue of named mistakes, and the operations they are slips of.

A check's reference is written once with the operations of :data:`OPERATIONS`, through an
:class:`Ops` (``ops.softmax(scores)``, ``ops.mask_fill(scores, ops.hide_future(n))``...). Each
catalogued mistake says which operation it gets wrong and how (its :class:`Slip`). Wherever a
reference uses an operation, every mistake about that operation is considered there, with no
registration check by check: :func:`variants` reruns the reference with the slip in place of the
operation (at each place it is used, and at all of them at once) and keeps the results that differ
from the right answer. A wrong answer equal to one of them names the mistake.

Some evidence is not a recomputed number: a warning the student's code raised (softmax without
``dim``), memory from ``torch.empty`` made visible by the probe, or a property that a check
observes (dropout left on in ``eval()``). The first two follow from the operation or the probe;
the last are detectors the property checks pass explicitly.

The package's modules: :mod:`.operations` (the right ways), :mod:`.catalogue` (each mistake's title,
explanation and fix: data, the one place where mistakes are explained; docs/mistakes.md's table is printed
from it by ``attention-kit mistakes``; assignment 09's texts in :mod:`.catalogue_modern`), :mod:`.slips` (how
each mistake is made), :mod:`.families` (the slips tried wherever their kind of operation is used: a reduction over
another axis, a transposed operand, an offset off by one, a scale by another size) and :mod:`.engine` (the
catalogue joined, :class:`Ops`, :func:`variants`).
"""

from .engine import BY_ID, CATALOG, CatalogEntry, Ops, Reference, ReferenceMismatch, uses, variants, warned_mistakes
from .operations import OPERATIONS
from .slips import IMPLICIT_SOFTMAX_DIM, NotApplicable, Slip

__all__ = [
    "BY_ID",
    "CATALOG",
    "IMPLICIT_SOFTMAX_DIM",
    "OPERATIONS",
    "CatalogEntry",
    "NotApplicable",
    "Ops",
    "Reference",
    "ReferenceMismatch",
    "Slip",
    "uses",
    "variants",
    "warned_mistakes",
]
