"""The handle a check uses to reach a student's code.

Both doors speak the same JSON (see :mod:`wire`): :class:`LocalStudent` runs probes
in the kernel the test cell runs in (nbgrader), ``sandbox.RemoteStudent`` sends them
to a sandboxed process (``attention-kit check``/``grade``, ``pytest autograder``).
A check therefore cannot tell the two apart, and grades the same either way.
"""
from __future__ import annotations

from typing import Any

from . import probes, wire
from .framework import CheckFailed


class Student:
    """Ask the student's code for numbers; student errors become :class:`CheckFailed`."""

    #: the grade id of the check being run (set by ``framework.run_check``)
    grade_id: str = ""
    #: warnings the student's code raised during the last probe
    warnings: list[str] = []
    #: set by :meth:`raises`: hand the student's error back instead of failing
    _keep_errors: bool = False

    def call(self, name: str, *args: Any, seed: int | None = None, reveal_uninitialised: bool = False,
             **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` in the student's namespace (tensors in, tensors out)."""
        data = self._probe("call", {"name": name, "args": wire.encode(list(args)), "kwargs": wire.encode(kwargs),
                                    "seed": seed, "reveal_uninitialised": reveal_uninitialised})
        return self._answer(name, data)

    def module(self, cls: str, *init_args: Any, seed: int | None = None, forward: tuple | None = None,
               state: dict | None = None, train: bool = False, **init_kwargs: Any) -> dict:
        """Build ``cls(*init_args, **init_kwargs)``; returns ``{"state": ..., "output": ...}``."""
        data = self._probe("module", {
            "cls": cls, "init_args": wire.encode(list(init_args)), "init_kwargs": wire.encode(init_kwargs),
            "seed": seed, "forward_args": None if forward is None else wire.encode(list(forward)),
            "state": None if state is None else wire.encode(state), "train": train})
        return self._answer(cls, data)

    def raises(self, method: str, name: str, *args: Any, **kwargs: Any) -> wire.StudentError | None:
        """What the student's code raised in ``self.<method>(name, *args, **kwargs)`` ("call" or "module"),
        as data, or None if it returned. For checks that expect an error (a constructor refusing bad sizes).
        Code that is not written yet, missing, or timed out still fails the check, as it would anywhere else."""
        self._keep_errors = True
        try:
            answer = getattr(self, method)(name, *args, **kwargs)
        finally:
            self._keep_errors = False
        if not isinstance(answer, wire.StudentError):
            return None
        if answer.kind in {"NotImplementedError", "CellTimeout", "Timeout", "ProcessDied"} or (
                answer.kind == "NameError" and answer.message.startswith(f"`{name}`")):
            raise CheckFailed(explain_error(name, answer))
        return answer

    def _probe(self, probe: str, kwargs: dict) -> Any:
        raise NotImplementedError

    def _answer(self, name: str, data: Any) -> Any:
        if not isinstance(data, dict) or "__result__" not in data:
            raise CheckFailed(f"`{name}`: the grader received no answer from your notebook.")
        self.warnings = [str(w) for w in data.get("warnings") or []][:20]
        answer = wire.decode(data["__result__"])
        if isinstance(answer, wire.StudentError) and not self._keep_errors:
            raise CheckFailed(explain_error(name, answer))
        return answer


class LocalStudent(Student):
    """Probes run in this process, on ``ns`` (the notebook's globals)."""

    def __init__(self, ns: dict):
        self.ns = ns

    def _probe(self, probe: str, kwargs: dict) -> Any:
        return wire.loads(wire.dumps(probes.run_probe(self.ns, probe, kwargs)))


def explain_error(name: str, error: wire.StudentError) -> str:
    """A learner-readable sentence for an exception raised by the student's code."""
    where = f" ({error.where})" if error.where else ""
    if error.kind == "NotImplementedError":
        return f"`{name}` is not written yet: replace `raise NotImplementedError()` with your code."
    if error.kind == "NameError" and error.message.startswith(f"`{name}`"):
        return error.message
    if error.kind in {"CellTimeout", "Timeout"}:
        return f"`{name}` did not finish in time{where}: look for a loop that never ends."
    if error.kind == "ProcessDied":
        return f"`{name}` could not be called: {error.message}"
    return f"`{name}` raised {error.kind}: {error.message}{where}"
