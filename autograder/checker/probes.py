"""Probes: call the student's code on the inputs given and return plain data.

A probe holds no expected value and decides nothing. It runs next to the student's code: in the notebook's
kernel, or in the grader's sandboxed child.
"""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .recording import held_tensors, recorded
from .wire import decode, encode, error

#: what ``torch.empty`` memory holds during a check's call (see :func:`call`)
UNINITIALISED = 7777.0


def call(
    ns: dict,
    name: str,
    args: list,
    kwargs: dict | None = None,
    seed: int | None = None,
    reveal_uninitialised: bool = False,
    observe: bool = False,
) -> Any:
    """Call the student's function ``name(*args, **kwargs)``; optionally seed torch first.

    ``observe`` records what the call computes (:mod:`.recording`): the answer's ``computation`` holds the facts.

    ``reveal_uninitialised`` makes ``torch.empty``/``empty_like`` return memory filled with
    :data:`UNINITIALISED` during the call. Correct code never reads such memory before writing
    it; code that accumulates into it is then wrong every time, not only when the allocator
    happens to hand out zeros.
    """
    import torch

    func = ns.get(name)
    if func is None:
        return error("NameError", f"`{name}` is not defined: run the cell that defines it, and keep its name.")
    if not callable(func):
        return error("TypeError", f"`{name}` should be a function, but it is a {type(func).__name__}.")
    if seed is not None:
        torch.manual_seed(seed)
    given, named = decode(args), decode(kwargs or {})
    compute = lambda: func(*given, **named)  # noqa: E731
    if reveal_uninitialised:
        return _guarded(lambda: _with_visible_uninitialised_memory(compute))
    if observe:
        return _observed(lambda facts: recorded(compute, (given, named), facts))
    return _guarded(compute)


def _observed(run: Callable[[dict], Callable[[], Any]]) -> dict:
    """The guarded answer of ``run(facts)()``, with the facts recorded while it ran (none if it raised first)."""
    facts: dict = {}
    answer = _guarded(run(facts))
    answer["computation"] = facts
    return answer


def _with_visible_uninitialised_memory(compute: Callable[[], Any]) -> Any:
    import torch

    originals = torch.empty, torch.empty_like

    def empty(*size, **kwargs):
        return originals[0](*size, **kwargs).fill_(UNINITIALISED)

    def empty_like(input, **kwargs):  # torch's name for the parameter
        return originals[1](input, **kwargs).fill_(UNINITIALISED)

    torch.empty, torch.empty_like = empty, empty_like
    try:
        return compute()
    finally:
        torch.empty, torch.empty_like = originals


def module(
    ns: dict,
    cls: str,
    init_args: list,
    init_kwargs: dict | None = None,
    seed: int | None = None,
    forward_args: list | None = None,
    state: dict | None = None,
    train: bool = False,
    observe: bool = False,
) -> Any:
    """Build the student's ``nn.Module`` class (after ``torch.manual_seed(seed)``) and run it.

    Returns the output of ``forward(*forward_args)`` (if given) and the module's
    ``state_dict``, so that a check can read the student's weights. ``state``, if given,
    is loaded first (``strict=True``). ``observe`` records what the forward pass computes, as :func:`call` does.
    """
    import torch

    klass = ns.get(cls)
    if klass is None:
        return error("NameError", f"`{cls}` is not defined: run the cell that defines the class, and keep its name.")

    def run(facts: dict | None = None):
        if seed is not None:
            torch.manual_seed(seed)
        instance = klass(*decode(init_args), **decode(init_kwargs or {}))
        if not isinstance(instance, torch.nn.Module):
            raise TypeError(f"{cls} should subclass torch.nn.Module")
        if state is not None:
            instance.load_state_dict(decode(state), strict=True)
        instance.train(train)
        result: dict[str, Any] = {"state": dict(instance.state_dict())}
        if forward_args is not None:
            given = decode(forward_args)
            forward = lambda: instance(*given)  # noqa: E731
            if facts is not None:  # what the module held before the call is given too, not computed by it
                forward = recorded(forward, (given, held_tensors(instance)), facts)
            try:  # a forward that raises still hands back the weights, so that a check can explain the error
                with torch.no_grad():
                    result["output"] = forward()
            except Exception as exc:
                result["output"] = error(type(exc).__name__, str(exc), _where(exc))
        return result

    if observe:
        return _observed(lambda facts: lambda: run(facts))
    return _guarded(run)


PROBES: dict[str, Callable[..., Any]] = {"call": call, "module": module}


def run_probe(ns: dict, probe: str, kwargs: dict) -> Any:
    """What every door runs next to the student's code: in the notebook's kernel or in a sandbox."""
    if probe not in PROBES:
        return {"__result__": error("ProbeError", f"unknown probe {probe!r}"), "warnings": []}
    answer = PROBES[probe](ns, **kwargs)
    if isinstance(answer, dict) and "__result__" in answer:
        return answer
    return {"__result__": answer, "warnings": []}  # refused before the student's code ran


def _guarded(compute: Callable[[], Any]) -> Any:
    """Run the student's code; return its encoded result and the warnings it raised.

    Warnings are recorded rather than printed: on stderr they would cost points under
    nbgrader, and a check may want to explain them (softmax without ``dim``).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = encode(compute())
        except BaseException as exc:  # the student's code may raise anything, SystemExit included
            if type(exc).__name__ in {"CellTimeout"}:
                raise
            result = error(type(exc).__name__, str(exc), _where(exc))
    return {"__result__": result, "warnings": sorted({str(w.message)[:300] for w in caught})}


def _where(exc: BaseException) -> str:
    """The innermost frame of the student's own code (a notebook cell), if any."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if Path(f.filename).name != "attention_check.py" and "autograder" not in f.filename
    ]
    if not frames:
        return ""
    frame = frames[-1]
    return f"line {frame.lineno}: {frame.line}" if frame.line else f"line {frame.lineno}"
