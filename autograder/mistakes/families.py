"""Families of mistakes: slips that apply wherever their kind of operation is used, not only where a catalogued
mistake was registered. Each family is the right operation called with a wrong argument: a reduction over
another axis, a matrix product with an operand transposed or the two swapped, a mask or position offset by one,
a scale by another size. The texts that explain them are data, in :mod:`.catalogue`, like every mistake's.

A family's alternatives at one use of an operation are the arguments to change, computed from the arguments the
reference passed (:data:`FAMILIES`). A catalogued mistake that explains the same answer wins over the family
(:func:`autograder.mistakes.engine.variants`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from .operations import KINDS, OPERATIONS

#: what an alternative is: the changed arguments, by parameter name
Changes = dict[str, object]


def _other_axes(arguments: dict) -> list[Changes]:
    x, dim = next(iter(arguments.values())), arguments["dim"]
    return [{"dim": axis} for axis in range(x.dim()) if axis != dim % x.dim()]


def _operands(arguments: dict) -> list[Changes]:
    """The operands swapped, or one of them transposed (a vector has no transpose: ``.T`` leaves it as it is)."""
    (first, a), (second, b) = list(arguments.items())[:2]
    transposed = [{name: t.mT} for name, t in ((first, a), (second, b)) if t.dim() >= 2]
    return [{first: b, second: a}, *transposed]


def _off_by_one(arguments: dict) -> list[Changes]:
    return [{"offset": arguments["offset"] - 1}, {"offset": arguments["offset"] + 1}]


def _other_sizes(arguments: dict) -> list[Changes]:
    """The sizes at hand: the input dimension, and each size of the scores from the last (keys, queries, heads,
    batch). By role, not by value, so that the same choice means the same slip at every use (a loop's last block
    of keys is smaller); a choice equal to d_k gives the right answer and is no evidence."""
    scores, d_k, d_in = arguments["scores"], arguments["d_k"], arguments.get("d_in")
    return [{"d_k": size} for size in (d_k if d_in is None else d_in, *reversed(scores.shape))]


#: family (catalogue id) -> (the kind of operation it applies to, its alternatives at one use)
FAMILIES: dict[str, tuple[str, Callable[[dict], list[Changes]]]] = {
    "reduction_wrong_axis": ("reduction", _other_axes),
    "matmul_operand_transposed": ("product", _operands),
    "offset_off_by_one": ("offset", _off_by_one),
    "scale_wrong_size": ("size", _other_sizes),
}
assert {kind for kind, _ in FAMILIES.values()} == set(KINDS.values()), "a kind of operation with no family"


@functools.cache
def _signature(op: str) -> inspect.Signature:
    return inspect.signature(OPERATIONS[op])


def alternatives(family: str, op: str, args: tuple, kwargs: dict) -> list[Changes]:
    """The family's wrong arguments at this use of ``op`` (none when the operation is not of the family's kind)."""
    kind, changes = FAMILIES[family]
    if KINDS.get(op) != kind:
        return []
    bound = _signature(op).bind(*args, **kwargs)
    bound.apply_defaults()
    return changes(dict(bound.arguments))


def called_with(op: str, args: tuple, kwargs: dict, changes: Changes):
    """``op`` run with some of its arguments changed."""
    bound = _signature(op).bind(*args, **kwargs)
    bound.apply_defaults()
    bound.arguments.update(changes)
    return OPERATIONS[op](*bound.args, **bound.kwargs)
