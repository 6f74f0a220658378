"""Asking the student's code for numbers: the handle a check uses, whichever process the code runs in.

Its errors become :class:`~autograder.checker.results.CheckFailed` with a learner-readable sentence.
"""

from __future__ import annotations

from typing import Any

from .probes import run_probe
from .results import CheckFailed
from .wire import StudentError, decode, dumps, encode, loads


class Student:
    """Ask the student's code for numbers; its errors become :class:`CheckFailed`.

    In a notebook the probes run in the same kernel (:class:`InKernel`); the course's
    grader sends the same probes to a sandboxed process. A check cannot tell the two apart.
    """

    #: the grade id of the check being run (set by :func:`run_check`)
    grade_id: str = ""
    #: warnings the student's code raised during the last probe
    warnings: list[str] = []
    #: what the student's code computed during the last probe that asked to observe it (plain facts, see
    #: :mod:`.recording`), or None
    computation: dict | None = None
    #: the last call filled ``torch.empty``'s memory with :data:`UNINITIALISED`
    revealed_uninitialised: bool = False
    #: set by :meth:`raises`: hand the student's error back instead of failing
    _keep_errors: bool = False

    def call(
        self,
        name: str,
        *args: Any,
        seed: int | None = None,
        reveal_uninitialised: bool = False,
        observe: bool = False,
        **kwargs: Any,
    ) -> Any:
        """``name(*args, **kwargs)`` in the student's namespace (tensors in, tensors out); ``observe`` also records
        what it computes (:attr:`computation`)."""
        self.revealed_uninitialised = reveal_uninitialised
        data = self._probe(
            "call",
            {
                "name": name,
                "args": encode(list(args)),
                "kwargs": encode(kwargs),
                "seed": seed,
                "reveal_uninitialised": reveal_uninitialised,
                "observe": observe,
            },
        )
        return self._answer(name, data)

    def module(
        self,
        cls: str,
        *init_args: Any,
        seed: int | None = None,
        forward: tuple | None = None,
        state: dict | None = None,
        train: bool = False,
        observe: bool = False,
        **init_kwargs: Any,
    ) -> dict:
        """Build ``cls(*init_args, **init_kwargs)``; returns ``{"state": ..., "output": ...}``; ``observe`` records
        what its forward pass computes (:attr:`computation`)."""
        data = self._probe(
            "module",
            {
                "cls": cls,
                "init_args": encode(list(init_args)),
                "init_kwargs": encode(init_kwargs),
                "seed": seed,
                "forward_args": None if forward is None else encode(list(forward)),
                "state": None if state is None else encode(state),
                "train": train,
                "observe": observe,
            },
        )
        return self._answer(cls, data)

    def raises(self, method: str, name: str, *args: Any, **kwargs: Any) -> StudentError | None:
        """What the student's code raised in ``self.<method>(name, *args, **kwargs)`` ("call" or "module"),
        as data, or None if it returned. For checks that expect an error (a constructor refusing bad sizes).
        Code that is not written yet, missing, or timed out still fails the check, as it would anywhere else."""
        answer = self._keeping_errors(method, name, *args, **kwargs)
        return answer if isinstance(answer, StudentError) else None

    def answer(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``call``, but an error the code raised comes back as data for the comparison, which names the mistake
        whose computation raises the same error (a reduction over the wrong axis whose shapes clash). Code that is
        not written yet, missing, or timed out still fails the check."""
        return self._keeping_errors("call", name, *args, **kwargs)

    def _keeping_errors(self, method: str, name: str, *args: Any, **kwargs: Any) -> Any:
        self._keep_errors = True
        try:
            answer = getattr(self, method)(name, *args, **kwargs)
        finally:
            self._keep_errors = False
        if isinstance(answer, StudentError) and (
            answer.kind in {"NotImplementedError", "CellTimeout", "Timeout", "ProcessDied"}
            or (answer.kind == "NameError" and answer.message.startswith(f"`{name}`"))
        ):
            raise CheckFailed(explain_error(name, answer))
        return answer

    def _probe(self, probe: str, kwargs: dict) -> Any:
        raise NotImplementedError

    def _answer(self, name: str, data: Any) -> Any:
        if not isinstance(data, dict) or "__result__" not in data:
            raise CheckFailed(f"`{name}`: the grader received no answer from your notebook.")
        self.warnings = [str(w) for w in data.get("warnings") or []][:20]
        self.computation = data.get("computation")
        answer = decode(data["__result__"])
        if isinstance(answer, StudentError) and not self._keep_errors:
            raise CheckFailed(explain_error(name, answer))
        return answer


class InKernel(Student):
    """Probes run in this process, on ``ns`` (the notebook's globals), through the same JSON as a sandbox."""

    def __init__(self, ns: dict):
        self.ns = ns

    def _probe(self, probe: str, kwargs: dict) -> Any:
        return loads(dumps(run_probe(self.ns, probe, kwargs)))


def explain_error(name: str, failure: StudentError) -> str:
    """A learner-readable sentence for an exception raised by the student's code."""
    where = f" ({failure.where})" if failure.where else ""
    if failure.kind == "NotImplementedError":
        return f"`{name}` is not written yet: replace `raise NotImplementedError()` with your code."
    if failure.kind == "NameError" and failure.message.startswith(f"`{name}`"):
        return failure.message
    if failure.kind in {"CellTimeout", "Timeout"}:
        return f"`{name}` did not finish in time{where}: look for a loop that never ends."
    if failure.kind == "ProcessDied":
        return f"`{name}` could not be called: {failure.message}"
    return f"`{name}` raised {failure.kind}: {failure.message}{where}"
