"""Public checks as data: the steps an assignment lists, and the ``.checks.json`` they become.

A public check is written in its assignment module as a list of steps::

    @ASSIGNMENT.public("causal_tril_mask", points=1, todo="Lower-triangular mask with torch.tril")
    def tril_mask():
        return [call("causal_mask_simple", 6),
                expect(worked.MASK_SIMPLE, what="6x6 mask", reference=lambda ops: ops.keep_past(6))]

When the assignment is built, each ``expect`` step is turned into numbers: the expected value
(the worked value printed in the course material, or the reference's answer) and the answers
that every catalogued mistake gives on the same inputs (:func:`autograder.mistakes.variants`).
What comes out holds no code: students receive it with the generic ``attention_check.py``,
and the kit runs the same data through the same code (:meth:`autograder.framework.Assignment.released`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from . import mistakes
from .checker.wire import encode

FORMAT = 1


@dataclass
class Step:
    def data(self, context: dict) -> dict:
        raise NotImplementedError


@dataclass
class Call(Step):
    name: str
    args: tuple
    kwargs: dict
    seed: int | None = None
    reveal_uninitialised: bool = False

    def data(self, context: dict) -> dict:
        context["revealed"] = self.reveal_uninitialised
        return {
            "call": {
                "name": self.name,
                "args": encode(list(self.args)),
                "kwargs": encode(self.kwargs),
                "seed": self.seed,
                "reveal_uninitialised": self.reveal_uninitialised,
            }
        }


@dataclass
class Module(Step):
    cls: str
    args: tuple
    kwargs: dict
    seed: int | None = None
    forward: tuple | None = None
    state: dict | None = None
    train: bool = False
    load: dict | None = None

    def data(self, context: dict) -> dict:
        context["revealed"] = False
        spec = {
            "cls": self.cls,
            "args": encode(list(self.args)),
            "kwargs": encode(self.kwargs),
            "seed": self.seed,
            "forward": None if self.forward is None else encode(list(self.forward)),
            "state": None if self.state is None else encode(self.state),
            "train": self.train,
        }
        if self.load is not None:
            spec["load"] = {
                "values": encode(self.load["values"]),
                "aliases": self.load.get("aliases", {}),
                "owner": self.load["owner"],
            }
        return {"module": spec}


@dataclass
class Expect(Step):
    value: torch.Tensor | None
    what: str
    reference: Callable[[mistakes.Ops], torch.Tensor] | None = None
    pick: tuple = ()
    hint: str | None = None
    atol: float = 1e-4
    rtol: float = 0.0

    def data(self, context: dict) -> dict:
        if self.value is not None:
            expected = self.value
        elif self.reference is not None:
            expected = self.reference(mistakes.Ops())
        else:
            raise TypeError("expect needs the expected value or a reference")
        found = []
        if self.reference is not None:
            for mistake, wrong in mistakes.variants(self.reference, expected, self.atol, self.rtol):
                outcome = {"raises": [wrong[0], list(wrong[1])]} if isinstance(wrong, tuple) else encode(wrong)
                if [mistake.id, outcome] not in found:
                    found.append([mistake.id, outcome])
            context["mistakes"].update(m for m, _ in found)
        warned = [[m.id, m.warning] for m in mistakes.warned_mistakes(self.reference)] if self.reference else []
        context["mistakes"].update(m for m, _ in warned)
        uninitialised = "empty_accumulator" if context.get("revealed") else None
        if uninitialised:
            context["mistakes"].add(uninitialised)
        return {
            "expect": {
                "pick": list(self.pick),
                "value": encode(expected.detach()),
                "what": self.what,
                "hint": self.hint,
                "atol": self.atol,
                "rtol": self.rtol,
                "variants": found,
                "warned": warned,
                "uninitialised": uninitialised,
            }
        }


@dataclass
class Plain(Step):
    """A step that is its own data (a shape or naming rule with its message)."""

    kind: str
    spec: dict = field(default_factory=dict)

    def data(self, context: dict) -> dict:
        return {self.kind: encode(self.spec)}


# ----------------------------------------------------------------------------------------- what assignments write


def call(name: str, *args: Any, seed: int | None = None, reveal_uninitialised: bool = False, **kwargs: Any) -> Call:
    """Call the student's function ``name`` on these inputs."""
    return Call(name, args, kwargs, seed, reveal_uninitialised)


def module(
    cls: str,
    *args: Any,
    seed: int | None = None,
    forward: tuple | None = None,
    state: dict | None = None,
    train: bool = False,
    load: dict | None = None,
    **kwargs: Any,
) -> Module:
    """Build the student's module (after ``torch.manual_seed(seed)``), optionally load a state or the worked
    weights (``load={"values": ..., "aliases": ..., "owner": ...}``), and run ``forward``."""
    return Module(cls, args, kwargs, seed, forward, state, train, load)


def expect(
    value: torch.Tensor | None,
    *,
    what: str,
    reference: Callable | None = None,
    pick: tuple = (),
    hint: str | None = None,
    atol: float = 1e-4,
    rtol: float = 0.0,
) -> Expect:
    """Compare the last answer (or ``answer[pick...]``) with ``value`` (default: what ``reference`` gives)."""
    return Expect(value, what, reference, tuple(pick), hint, atol, rtol)


def items(count: int, message: str) -> Plain:
    """The last answer must be a sequence of ``count`` items."""
    return Plain("items", {"count": count, "message": message})


def keys(names: list[str], message: str) -> Plain:
    """The last answer must be a dict with exactly these keys."""
    return Plain("keys", {"keys": list(names), "message": message})


def parameters(owner: str, names: tuple, shape: tuple, equal: dict | None = None, unequal: str = "") -> Plain:
    """The last module's state_dict must hold exactly these parameters, of this shape (and these values)."""
    return Plain(
        "parameters", {"owner": owner, "names": list(names), "shape": list(shape), "equal": equal, "unequal": unequal}
    )


# ----------------------------------------------------------------------------------------- the file students get


def checks_data(assignment) -> dict:
    """``<assignment>.checks.json``: every check's name and points, the public ones' steps, and the
    catalogued mistakes they can name, computed from the assignment's own checks (each ``expect`` reruns its
    reference with every slip: :meth:`Assignment.public_data` keeps what it gives)."""
    named: set[str] = set()
    checks = []
    for check in assignment.checks:
        entry = {"grade_id": check.grade_id, "todo": check.todo, "points": check.points, "hidden": check.hidden}
        if not check.hidden:
            context = {"mistakes": named}
            entry["steps"] = [step.data(context) for step in assignment.public_steps[check.grade_id]()]
        checks.append(entry)
    catalog = {
        key: {"title": m.title, "explanation": m.explanation, "fix": m.fix}
        for key, m in ((key, mistakes.BY_ID[key]) for key in sorted(named))
    }
    return {
        "format": FORMAT,
        "assignment": assignment.id,
        "title": assignment.title,
        "mistakes": catalog,
        "checks": checks,
    }


def render(assignment) -> str:
    """The file's text: one line per check, so that a change reads as a diff of the checks it touches."""
    data = assignment.public_data()
    head = {key: value for key, value in data.items() if key != "checks"}
    lines = [json.dumps(check, allow_nan=False, sort_keys=True) for check in data["checks"]]
    body = json.dumps(head, allow_nan=False, indent=1, sort_keys=True)[:-2]
    return body + ',\n "checks": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
