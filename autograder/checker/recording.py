"""Recording what the student's code computes, as plain facts: which torch calls it made and what they produced.

Runs next to the student's code (in the grader's sandboxed child, or in the notebook's kernel), while one probe
calls it. Numbers alone cannot tell a tiled attention from one that builds the whole score matrix; these facts can.
Only shapes, sizes and operation names cross back (the wire format's plain JSON), never an object, and the grader
decides what they mean (:mod:`autograder.computation`). A student who turns the recording off can only lose: a
result the recorder did not see being made, or tensors it never saw, fail the check that asked for the facts.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: calls that combine many values into fewer along a dimension (a softmax normalises over one, so it is one too)
REDUCTIONS = frozenset(
    "amax amin argmax argmin cummax cummin cumprod cumsum log_softmax logcumsumexp logsumexp max mean min nansum "
    "norm prod softmax std sum var".split()
)
#: products whose last operand dimension is summed over
CONTRACTIONS = frozenset({"matmul", "mm", "bmm", "mv", "dot", "inner"})
#: PyTorch's own attention, one call over all the keys
ATTENTION = frozenset({"scaled_dot_product_attention"})
#: calls that take numbers out of torch, where nothing is recorded
LEAVING_TORCH = frozenset({"numpy", "tolist", "__array__"})
#: at most this many facts of each kind: the record stays small whatever the code does
MAX_FACTS = 300
MAX_CALLS = 50_000


class Record:
    """Every torch call's name and the shapes of what it makes, as :func:`recorded` passes them through.

    ``inputs``: the tensors the code was given; views of them (slices, transposes, splits) are not computed."""

    def __init__(self, inputs: Iterable[Any]):
        self.given = {_storage(t) for t in _tensors(inputs)}
        self.made_at: dict[int, weakref.ref] = {}  # storage -> the tensor made there (memory is reused once freed)
        self.made: list[tuple[weakref.ref, int, tuple[int, ...]]] = []
        self.reductions: set[tuple[str, tuple[int, ...]]] = set()
        self.projections: set[int] = set()
        self.unseen: set[tuple[int, ...]] = set()
        self.left_torch: set[str] = set()
        self.calls = 0
        self.readable = True

    def through(self, func: Callable, args: tuple, kwargs: dict) -> Any:
        """Run one torch call, noting what it is and what it made (a fact that cannot be read makes the record
        incomplete, never the student's code fail)."""
        self.calls += 1
        noting = self.calls <= MAX_CALLS and self.readable
        if noting:
            self.readable = _noted(lambda: self._note_call(getattr(func, "__name__", ""), args, kwargs))
        result = func(*args, **kwargs)
        if noting and self.readable:
            self.readable = _noted(lambda: self._note_results(result))
        return result

    def _note_call(self, name: str, args: tuple, kwargs: dict) -> None:
        for tensor in _tensors((args, kwargs)):
            storage = _storage(tensor)
            if tensor.is_floating_point() and tensor.numel() > 1 and not self._seen(storage):
                _add(self.unseen, tuple(tensor.shape))
        first: Any = args[0] if args else kwargs.get("input")
        if name in LEAVING_TORCH:
            self.left_torch.add(name)
        elif name == "linear" and _is_torch_tensor(first) and first.dim() >= 1 and first.shape[-1] > 0:
            _add(self.projections, int(first.numel() // first.shape[-1]))
        elif name in ATTENTION and len(args) > 1 and _is_torch_tensor(args[1]):
            _add(self.reductions, (name, (int(args[1].shape[-2]),)))
        elif name in CONTRACTIONS and _is_torch_tensor(first) and first.dim() >= 1:
            _add(self.reductions, ("matmul", (int(first.shape[-1]),)))
        elif name in REDUCTIONS and _is_torch_tensor(first) and not (len(args) > 1 and _is_torch_tensor(args[1])):
            _add(self.reductions, (name, _reduced_sizes(first, args[1] if len(args) > 1 else kwargs.get("dim"))))

    def _note_results(self, result: Any) -> None:
        for tensor in _tensors(result):
            storage = _storage(tensor)
            if self._seen(storage):
                continue  # a view of something seen already (an input, or what an earlier call made)
            self.made_at[storage] = weakref.ref(tensor)
            if tensor.is_floating_point():
                self.made.append((weakref.ref(tensor), storage, tuple(tensor.shape)))

    def _made(self, storage: int) -> bool:
        ref = self.made_at.get(storage)
        return ref is not None and ref() is not None

    def _seen(self, storage: int) -> bool:
        return storage in self.given or self._made(storage)

    def facts(self, result: Any) -> dict:
        """The record, as plain data: float tensors made (neither views of the inputs nor the result), reductions
        and the sizes they spanned, the rows (vectors) fed to each linear layer, tensors used that the recorder did
        not see made, whether it saw the result made, and calls that took numbers out of torch."""
        returned = {_storage(t) for t in _tensors(result)}
        shapes = {shape for ref, storage, shape in self.made if ref() is None or storage not in returned}
        return {
            "shapes": [list(s) for s in sorted(shapes)[:MAX_FACTS]],
            "reductions": [[name, list(sizes)] for name, sizes in sorted(self.reductions)],
            "projections": sorted(self.projections),
            "unseen": [list(s) for s in sorted(self.unseen)],
            "result_seen": bool(returned) and all(self._made(storage) for storage in returned),
            "left_torch": sorted(self.left_torch),
            "complete": self.calls <= MAX_CALLS and self.readable,
        }


def recorded(compute: Callable[[], Any], inputs: Iterable[Any], facts: dict) -> Callable[[], Any]:
    """``compute`` run with every torch call passing through a :class:`Record` (a ``TorchFunctionMode``: it sees
    functions, methods and operators alike); its facts land in ``facts`` once it returns."""
    from torch.overrides import TorchFunctionMode

    record = Record(inputs)

    class Recording(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            return record.through(func, args, kwargs or {})

    def run() -> Any:
        with Recording():
            result = compute()
        facts.update(record.facts(result))
        return result

    return run


def held_tensors(module: Any) -> list:
    """What a module holds before it is called: its parameters and buffers, and the tensors it and its submodules
    keep as plain attributes (a cache, a mask made in ``__init__``)."""
    attributes = (value for part in module.modules() for value in vars(part).values() if _is_torch_tensor(value))
    return [*module.parameters(), *module.buffers(), *attributes]


def _noted(note: Callable[[], None]) -> bool:
    try:
        note()
    except Exception:  # an argument whose shape or storage cannot be read
        return False
    return True


def _reduced_sizes(tensor: Any, dim: Any) -> tuple[int, ...]:
    """The sizes of the dimensions a reduction spans (all of them when no dimension is given)."""
    shape = tuple(int(n) for n in tensor.shape)
    if dim is None:
        return shape
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    try:
        return tuple(shape[int(d)] for d in dims)
    except (IndexError, TypeError, ValueError):  # a named dimension, or one the call itself will refuse
        return shape


def _add(facts: set, fact: Any) -> None:
    if len(facts) < MAX_FACTS:
        facts.add(fact)


def _is_torch_tensor(value: Any) -> bool:
    import torch

    return isinstance(value, torch.Tensor)


def _tensors(value: Any) -> Iterator[Any]:
    """The tensors in a call's arguments or results (nested in tuples, lists and dicts)."""
    if _is_torch_tensor(value):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def _storage(tensor: Any) -> int:
    """Where a tensor's numbers live: views share it with what they view."""
    try:
        return int(tensor.untyped_storage().data_ptr())
    except (RuntimeError, NotImplementedError):  # a tensor without storage (meta, sparse...)
        return id(tensor)
