"""Public checks as data: the steps of ``<assignment>.checks.json`` run against a student, and the
requirements a step states (items, keys, parameters, the worked weights loaded under the student's names)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .comparison import Mistake, accumulated_into_uninitialised, close, compare
from .handle import Student
from .results import HIDDEN_NOT_RUN, NOT_RUN, Check, CheckFailed, CheckResult, run_check
from .wire import Opaque, decode


class PublicCheck:
    """Runs the steps of one public check (from ``<assignment>.checks.json``) against a student."""

    def __init__(self, steps: list[dict], mistakes: dict[str, Mistake]):
        self.steps, self.mistakes = steps, mistakes

    def __call__(self, student: Student) -> str:
        answer, passed = None, []
        for index, step in enumerate(self.steps):
            ((kind, spec),) = step.items()
            if kind == "call":
                outcome = self._call(student, spec, answer, compared=self._compared_next(index))
            else:
                outcome = getattr(self, f"_{kind}")(student, spec, answer)
            if kind in {"call", "module"}:
                answer = outcome
            elif isinstance(outcome, str):
                passed.append(outcome)
        return " ".join(passed)

    def _compared_next(self, index: int) -> bool:
        """Whether the step after ``index`` compares the whole answer (so that it can name the error it raised)."""
        following = self.steps[index + 1] if index + 1 < len(self.steps) else {}
        return "expect" in following and not following["expect"].get("pick")

    def _call(self, student: Student, spec: dict, answer: Any, compared: bool = False) -> Any:
        """The student's function on the step's inputs; ``compared``: an error it raises goes to the comparison
        that follows (:meth:`Student.answer`)."""
        return (student.answer if compared else student.call)(
            spec["name"],
            *decode(spec.get("args", [])),
            seed=spec.get("seed"),
            reveal_uninitialised=spec.get("reveal_uninitialised", False),
            **decode(spec.get("kwargs", {})),
        )

    def _module(self, student: Student, spec: dict, answer: Any) -> Any:
        args, kwargs = decode(spec.get("args", [])), decode(spec.get("kwargs", {}))
        state = decode(spec.get("state"))
        if spec.get("load"):  # the worked weights, under the names the student's module gives them
            built = student.module(spec["cls"], *args, seed=spec.get("seed"), **kwargs)
            state = load_worked_weights(
                _state_of(built, spec["cls"]),
                decode(spec["load"]["values"]),
                spec["load"].get("aliases", {}),
                spec["load"]["owner"],
            )
        forward = decode(spec["forward"]) if spec.get("forward") is not None else None
        return student.module(
            spec["cls"],
            *args,
            seed=spec.get("seed"),
            forward=forward,
            state=state,
            train=spec.get("train", False),
            **kwargs,
        )

    def _items(self, student: Student, spec: dict, answer: Any) -> None:
        require_items(answer, spec["count"], spec["message"])

    def _keys(self, student: Student, spec: dict, answer: Any) -> None:
        require_keys(answer, spec["keys"], spec["message"])

    def _parameters(self, student: Student, spec: dict, answer: Any) -> None:
        require_parameters(
            answer,
            spec["owner"],
            spec["names"],
            spec["shape"],
            decode(spec.get("equal") or {}),
            spec.get("unequal", ""),
        )

    def _expect(self, student: Student, spec: dict, answer: Any) -> str:
        got = answer
        for key in spec.get("pick", []):
            got = _pick(got, key, spec["what"])
        mistakes = self.mistakes
        variants = [
            (mistakes[m], tuple(map(_frozen, value["raises"])) if isinstance(value, dict) else value)
            for m, value in decode(spec.get("variants", []))
        ]
        detectors = (
            [(mistakes[spec["uninitialised"]], accumulated_into_uninitialised)] if spec.get("uninitialised") else []
        )
        return compare(
            got,
            decode(spec["value"]),
            what=spec["what"],
            student=student,
            atol=spec.get("atol", 1e-4),
            rtol=spec.get("rtol", 0.0),
            hint=spec.get("hint"),
            variants=variants,
            detectors=detectors,
            warned=[(mistakes[m], fragment) for m, fragment in spec.get("warned", [])],
        )


def require_items(answer: Any, count: int, message: str) -> None:
    """The answer is a sequence of ``count`` items (a function that returns a tuple)."""
    if not isinstance(answer, (list, tuple)) or len(answer) != count:
        kind = f"a sequence of {len(answer)} items" if isinstance(answer, (list, tuple)) else f"a {_kind(answer)}"
        raise CheckFailed(f"{message} It returned {kind}.")


def require_keys(answer: Any, keys: Iterable[str], message: str) -> None:
    """The answer is a dict with exactly these keys (a state dict)."""
    if not isinstance(answer, dict):
        raise CheckFailed(f"{message} It returned a {_kind(answer)}.")
    if sorted(answer) != sorted(keys):
        raise CheckFailed(f"{message} It returned {', '.join(sorted(answer)) or 'no key'}.")


def require_parameters(
    answer: Any, owner: str, names: Iterable[str], shape: Iterable[int], equal: dict | None = None, unequal: str = ""
) -> dict:
    """The module's state holds exactly the named parameters, of the given shape (and values); returns it."""
    state, names, shape = _state_of(answer, owner), list(names), tuple(shape)
    if sorted(state) != sorted(names):
        raise CheckFailed(
            f"`{owner}` should have exactly the parameters {', '.join(names)}; it has "
            f"{', '.join(sorted(state)) or 'none'}. The checks read the weights by these names: "
            "keep the names the notebook asks for (and no bias)."
        )
    for name in names:
        tensor = state[name]
        if not _is_tensor(tensor) or tuple(tensor.shape) != shape:
            size = tuple(tensor.shape) if _is_tensor(tensor) else _kind(tensor)
            raise CheckFailed(f"`{owner}`: {name} should have shape {shape}, got {size}.")
    if equal and not all(close(state[n], value, atol=1e-6) for n, value in equal.items()):
        raise CheckFailed(unequal)
    return state


def load_worked_weights(state: dict, values: dict, aliases: dict, owner: str) -> dict:
    """The student's state_dict with the worked example's weights put under the student's own names.

    A worked weight is found under a name that ends in its name (``ffn.linear1.weight`` for
    ``linear1.weight``) or one of its aliases, and under any other name of the same parameter; a bias
    the worked example does not have is set to zero (no bias); anything else of the student's (a
    buffer) is kept.
    """
    import torch

    loaded, worked = dict(state), set()
    for name, value in values.items():
        hits = parameter_keys(state, name, aliases.get(name, []))
        if not hits:
            raise no_parameter(
                state, name, owner, ", so that the worked example's weights can be loaded into your layers."
            )
        for key in hits:
            if not _is_tensor(state[key]) or tuple(state[key].shape) != tuple(value.shape):
                size = tuple(state[key].shape) if _is_tensor(state[key]) else _kind(state[key])
                raise wrong_shape(owner, key, size, tuple(value.shape))
            loaded[key] = value
            worked.add(key)
    for key in state:
        if key in worked or not _is_tensor(state[key]):
            continue
        shared = next(
            (
                m
                for m in worked
                if _is_tensor(state[m])
                and state[m].shape == state[key].shape
                and bool(torch.equal(state[m], state[key]))
            ),
            None,
        )
        if shared is not None:  # the same parameter under a second name (a layer also held in an nn.Sequential)
            loaded[key] = loaded[shared]
        elif key.endswith("bias"):
            loaded[key] = torch.zeros_like(state[key])
    return loaded


def parameter_keys(state: dict, name: str, aliases: Iterable[str] = ()) -> list[str]:
    """The keys of a state_dict that hold parameter ``name``: the name itself or a key ending in ``.name``, else
    the same for its first alias found (``ffn.linear1.weight`` for ``linear1.weight``)."""
    for candidate in (name, *aliases):
        hits = [key for key in state if key == candidate or key.endswith("." + candidate)]
        if hits:
            return hits
    return []


def no_parameter(state: dict, name: str, owner: str, why: str) -> CheckFailed:
    """The failure of a check that found no parameter named ``name``; ``why`` ends the advice to keep the names."""
    found = ", ".join(sorted(state)) or "none"
    return CheckFailed(
        f"{owner}: the grader found no parameter named `{name}` in your module (it has: {found}). "
        f"Keep the attribute names the notebook asks for{why}"
    )


def wrong_shape(owner: str, key: str, size: Any, expected: tuple) -> CheckFailed:
    return CheckFailed(
        f"{owner}: `{key}` has shape {size}, expected {expected}. nn.Linear(in_features, "
        "out_features) stores its weight as (out_features, in_features)."
    )


def _state_of(answer: Any, owner: str) -> dict:
    state = answer.get("state") if isinstance(answer, dict) else None
    if not isinstance(state, dict):
        raise CheckFailed(f"`{owner}`: the grader could not read the module's parameters.")
    return state


def _pick(got: Any, key: Any, what: str) -> Any:
    """``got[key]``: the output of a module, one item of a returned tuple, one entry of a dict."""
    if isinstance(key, int) and isinstance(got, (list, tuple)) and key < len(got):
        return got[key]
    if isinstance(key, str) and isinstance(got, dict) and key in got:
        return got[key]
    if key == "output":
        raise CheckFailed(f"{what}: your module's forward returned nothing the grader could read.")
    raise CheckFailed(f"{what}: the grader found no `{key}` in what your code returned.")


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _is_tensor(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _kind(value: Any) -> str:
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


@dataclass
class Checks:
    """One assignment's checks as ``<assignment>.checks.json`` describes them."""

    assignment: str
    title: str
    checks: list[dict]
    mistakes: dict[str, Mistake]

    @classmethod
    def read(cls, path: Path) -> Checks:
        return cls.from_data(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_data(cls, data: dict) -> Checks:
        mistakes = {key: Mistake(key, **value) for key, value in data["mistakes"].items()}
        return cls(data["assignment"], data["title"], data["checks"], mistakes)

    def run(self, student: Student) -> list[CheckResult]:
        """Every public check against the student; the hidden ones are not run here (the grader runs them)."""
        return [
            CheckResult(spec["grade_id"], spec["todo"], spec["points"], True, NOT_RUN, HIDDEN_NOT_RUN)
            if spec["hidden"]
            else self.run_one(spec, student)
            for spec in self.checks
        ]

    def run_one(self, spec: dict, student: Student) -> CheckResult:
        return run_check(self.check(spec), student)

    def check(self, spec: dict) -> Check:
        """One public check of the data, as a :class:`Check`."""
        return Check(spec["grade_id"], spec["points"], spec["todo"], False, PublicCheck(spec["steps"], self.mistakes))


def checks_beside_me() -> list[Checks]:
    """The ``.checks.json`` data beside this file (a released folder's; the kit's package has none)."""
    return [Checks.read(path) for path in sorted(Path(__file__).resolve().parent.glob("*.checks.json"))]
