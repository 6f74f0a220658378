"""attention_check: the self-check that comes with every attention-kit assignment.

This file sits in each assignment folder, next to the notebook and to
``<assignment>.checks.json``. It holds no answer. The expected numbers of the
public checks, and the numbers that each known mistake gives on the same inputs,
are data in the ``.checks.json`` file, computed when the assignment was built. What
this file does is generic: call your functions on the worked inputs, compare the
numbers, and say what differs and why.

    In a notebook (the check cells):   from attention_check import check; check("scores_loop")
    From a terminal, in the folder:    python attention_check.py [NOTEBOOK.ipynb]

It needs torch, plus IPython from a terminal (Jupyter brings it). The course's
grader runs these same functions for the public checks, so a check grades the
same in your notebook, from your terminal and when the course grades it (where
hidden checks on fresh inputs are added).

The file is a verbatim copy of the kit's ``autograder/attention_check.py``. The notebook carries a
copy of it and of its data too: its first code cell writes them beside it when they are missing.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

# ====================================================================== plain-number messages
# Only JSON crosses between a student's code and a grader: tensors travel as nested lists
# with their dtype, errors as their type name and text. Nothing a submission sends is unpickled.

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: a probe never needs to send more numbers than this; larger answers are reported, not sent
MAX_TENSOR_ELEMENTS = 200_000


def encode(value: Any) -> Any:
    """A probe's result as JSON-ready data (tensors become tagged lists)."""
    import torch

    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        if tensor.is_complex() or tensor.numel() > MAX_TENSOR_ELEMENTS:
            return {"__type__": "Tensor", "repr": f"tensor of shape {tuple(tensor.shape)}, dtype {tensor.dtype}"}
        return {"__tensor__": _finite_or_tagged(tensor.tolist()), "dtype": str(tensor.dtype).removeprefix("torch."),
                "shape": list(tensor.shape)}
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if hasattr(value, "__array__") and hasattr(value, "shape"):
        return encode(torch.as_tensor(value.__array__()))
    return {"__type__": type(value).__name__, "repr": _short_repr(value)}


def _finite_or_tagged(values: Any) -> Any:
    """JSON has no inf or nan: they travel as tagged floats."""
    if isinstance(values, list):
        return [_finite_or_tagged(item) for item in values]
    if isinstance(values, float) and not math.isfinite(values):
        return {"__float__": repr(values)}
    return values


def decode(data: Any) -> Any:
    """Inverse of :func:`encode`: tagged lists become tensors again."""
    import torch

    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    if "__tensor__" in data:
        dtype = getattr(torch, str(data.get("dtype", "float32")), torch.float32)
        if not isinstance(dtype, torch.dtype):
            dtype = torch.float32
        return torch.tensor(_restore_floats(data["__tensor__"]), dtype=dtype).reshape(data.get("shape", [-1]))
    if "__float__" in data:
        return float(data["__float__"])
    if "__error__" in data:
        return StudentError(data["__error__"], str(data.get("message", "")), str(data.get("where", "")))
    if "__type__" in data:
        return Opaque(str(data["__type__"]), str(data.get("repr", "")))
    return {key: decode(item) for key, item in data.items()}


def _restore_floats(values: Any) -> Any:
    if isinstance(values, list):
        return [_restore_floats(item) for item in values]
    if isinstance(values, dict) and "__float__" in values:
        return float(values["__float__"])
    return values


def dumps(data: Any) -> bytes:
    return json.dumps(data, allow_nan=True).encode("utf-8")


def loads(raw: bytes) -> Any:
    return json.loads(raw.decode("utf-8"))


def error(kind: str, message: str, where: str = "") -> dict:
    """What a probe sends back when the student's code raised or was missing."""
    return {"__error__": kind, "message": message[:2000], "where": where[:2000]}


class StudentError:
    """The student's code raised (or a name was missing); carried back as data."""

    def __init__(self, kind: str, message: str, where: str = ""):
        self.kind, self.message, self.where = kind, message, where

    def __repr__(self) -> str:
        return f"{self.kind}: {self.message}" if self.message else self.kind


class Opaque:
    """A value that is not numbers (a function, a module, a string of text...)."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a student's __repr__ may raise
        text = f"<{type(value).__name__}>"
    return text[:200]


# ====================================================================== probes
# A probe calls the student's code on the inputs it is given and returns plain data. It holds
# no expected value and decides nothing.

#: what ``torch.empty`` memory holds during a check's call (see :func:`call`)
UNINITIALISED = 7777.0


def call(ns: dict, name: str, args: list, kwargs: dict | None = None, seed: int | None = None,
         reveal_uninitialised: bool = False) -> Any:
    """Call the student's function ``name(*args, **kwargs)``; optionally seed torch first.

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
    compute = lambda: func(*decode(args), **decode(kwargs or {}))  # noqa: E731
    if reveal_uninitialised:
        return _guarded(lambda: _with_visible_uninitialised_memory(compute))
    return _guarded(compute)


def _with_visible_uninitialised_memory(compute: Callable[[], Any]) -> Any:
    import torch

    originals = torch.empty, torch.empty_like

    def empty(*size, **kwargs):
        return originals[0](*size, **kwargs).fill_(UNINITIALISED)

    def empty_like(tensor, **kwargs):
        return originals[1](tensor, **kwargs).fill_(UNINITIALISED)

    torch.empty, torch.empty_like = empty, empty_like
    try:
        return compute()
    finally:
        torch.empty, torch.empty_like = originals


def module(ns: dict, cls: str, init_args: list, init_kwargs: dict | None = None, seed: int | None = None,
           forward_args: list | None = None, state: dict | None = None, train: bool = False) -> Any:
    """Build the student's ``nn.Module`` class (after ``torch.manual_seed(seed)``) and run it.

    Returns the output of ``forward(*forward_args)`` (if given) and the module's
    ``state_dict``, so that a check can read the student's weights. ``state``, if given,
    is loaded first (``strict=True``).
    """
    import torch

    klass = ns.get(cls)
    if klass is None:
        return error("NameError", f"`{cls}` is not defined: run the cell that defines the class, and keep its name.")

    def run():
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
            try:  # a forward that raises still hands back the weights, so that a check can explain the error
                with torch.no_grad():
                    result["output"] = instance(*decode(forward_args))
            except Exception as exc:
                result["output"] = error(type(exc).__name__, str(exc), _where(exc))
        return result

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
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).name != "attention_check.py" and "autograder" not in f.filename]
    if not frames:
        return ""
    frame = frames[-1]
    return f"line {frame.lineno}: {frame.line}" if frame.line else f"line {frame.lineno}"


# ====================================================================== results

PASSED, FAILED, NOT_RUN = "passed", "failed", "not_run"


class CheckFailed(AssertionError):
    """A check's verdict: the answer is wrong. ``tags`` name diagnosed mistakes."""

    def __init__(self, message: str, tags: Iterable[str] = (), answer: str | None = None):
        super().__init__(message)
        self.message = message
        self.tags = list(tags)
        self.answer = answer  # the wrong numbers' digest (:func:`answer_digest`), for the similarity report


@dataclass
class Result:
    """The outcome of one check, as every door reports it."""

    grade_id: str
    todo: str
    points: float
    hidden: bool
    status: str
    message: str
    tags: list[str] = field(default_factory=list)
    answer: str | None = None  # a wrong answer's digest

    @property
    def score(self) -> float:
        return self.points if self.status == PASSED else 0.0

    def as_test(self) -> dict:
        """One entry of a Gradescope-style ``tests`` list."""
        return {"name": self.grade_id, "score": self.score, "max_score": self.points, "status": self.status,
                "output": self.message, "tags": list(self.tags),
                "visibility": "after_published" if self.hidden else "visible",
                **({"extra_data": {"answer": self.answer}} if self.answer else {})}


def run_check(grade_id: str, todo: str, points: float, hidden: bool, run: Callable[["Student"], str],
              student: "Student") -> Result:
    """Run one check against a student handle; never raises for a bad answer."""
    student.grade_id, student.warnings = grade_id, []
    try:
        message, status, tags, answer = run(student), PASSED, [], None
    except CheckFailed as failure:
        status, message, tags, answer = FAILED, failure.message, failure.tags, failure.answer
    except Exception as exc:  # an answer so odd that comparing it failed
        status, tags = FAILED, []
        message = f"Your answer could not be checked ({type(exc).__name__}: {exc})."
    return Result(grade_id, todo, points, hidden, status, message, tags, answer)


# ====================================================================== the student handle

class Student:
    """Ask the student's code for numbers; its errors become :class:`CheckFailed`.

    In a notebook the probes run in the same kernel (:class:`InKernel`); the course's
    grader sends the same probes to a sandboxed process. A check cannot tell the two apart.
    """

    #: the grade id of the check being run (set by :func:`run_check`)
    grade_id: str = ""
    #: warnings the student's code raised during the last probe
    warnings: list[str] = []
    #: the last call filled ``torch.empty``'s memory with :data:`UNINITIALISED`
    revealed_uninitialised: bool = False
    #: set by :meth:`raises`: hand the student's error back instead of failing
    _keep_errors: bool = False

    def call(self, name: str, *args: Any, seed: int | None = None, reveal_uninitialised: bool = False,
             **kwargs: Any) -> Any:
        """``name(*args, **kwargs)`` in the student's namespace (tensors in, tensors out)."""
        self.revealed_uninitialised = reveal_uninitialised
        data = self._probe("call", {"name": name, "args": encode(list(args)), "kwargs": encode(kwargs),
                                    "seed": seed, "reveal_uninitialised": reveal_uninitialised})
        return self._answer(name, data)

    def module(self, cls: str, *init_args: Any, seed: int | None = None, forward: tuple | None = None,
               state: dict | None = None, train: bool = False, **init_kwargs: Any) -> dict:
        """Build ``cls(*init_args, **init_kwargs)``; returns ``{"state": ..., "output": ...}``."""
        data = self._probe("module", {
            "cls": cls, "init_args": encode(list(init_args)), "init_kwargs": encode(init_kwargs), "seed": seed,
            "forward_args": None if forward is None else encode(list(forward)),
            "state": None if state is None else encode(state), "train": train})
        return self._answer(cls, data)

    def raises(self, method: str, name: str, *args: Any, **kwargs: Any) -> StudentError | None:
        """What the student's code raised in ``self.<method>(name, *args, **kwargs)`` ("call" or "module"),
        as data, or None if it returned. For checks that expect an error (a constructor refusing bad sizes).
        Code that is not written yet, missing, or timed out still fails the check, as it would anywhere else."""
        self._keep_errors = True
        try:
            answer = getattr(self, method)(name, *args, **kwargs)
        finally:
            self._keep_errors = False
        if not isinstance(answer, StudentError):
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


# ====================================================================== comparing numbers, naming mistakes

@dataclass(frozen=True)
class Mistake:
    """A named mistake as a learner reads it: what went wrong, why, and how to fix it."""

    id: str
    title: str
    explanation: str
    fix: str


def advice(found: Iterable[Mistake]) -> str:
    """How a diagnosis reads, wherever it is shown."""
    return "\n".join(f"Likely mistake ({m.id}): {m.explanation}\n  Fix: {m.fix}" for m in found)


def as_tensor(got: Any, what: str):
    """The student's answer as a float64 tensor, or a clear failure."""
    import torch

    if isinstance(got, StudentError):
        raise CheckFailed(raised(what, got))
    if isinstance(got, torch.Tensor):
        return got.detach().to(torch.float64)
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        return torch.tensor(float(got), dtype=torch.float64)
    if isinstance(got, list):
        try:
            return torch.tensor(got, dtype=torch.float64)
        except (TypeError, ValueError):
            pass
    if got is None:
        raise CheckFailed(f"{what}: your code returned None. Did you forget a `return` statement?")
    kind = got.type_name if isinstance(got, Opaque) else type(got).__name__
    raise CheckFailed(f"{what}: expected a tensor of numbers, got a {kind}.")


def fmt(tensor) -> str:
    """A tensor printed to four decimals, as the notebooks print it."""
    import torch

    shown = tensor.detach().to(torch.float32)
    return repr(shown.tolist()) if shown.dim() == 0 else _rows(shown)


def _rows(tensor) -> str:
    def number(x: float) -> str:
        return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.4e}"

    def render(t) -> str:
        if t.dim() == 1:
            return "[" + ", ".join(number(float(x)) for x in t) + "]"
        return "[" + ",\n ".join(render(row) for row in t) + "]"

    if tensor.numel() > 64:
        return f"(a tensor of shape {tuple(tensor.shape)})"
    return render(tensor)


def close(a, b, atol: float, rtol: float = 0.0, equal_nan: bool = False) -> bool:
    import torch

    a, b = a.to(torch.float64), b.to(torch.float64)
    return a.shape == b.shape and bool(torch.allclose(a, b, atol=atol, rtol=rtol, equal_nan=equal_nan))


def same_layout(got, expected):
    """Accept singleton dimensions the prose does not care about ((1, 3) for (3,))."""
    if got.shape != expected.shape and got.numel() == expected.numel() and got.squeeze().shape == expected.squeeze().shape:
        return got.reshape(expected.shape)
    return got


def where_it_differs(got, expected, atol: float, rtol: float) -> str:
    import torch

    diff = torch.where(got == expected, 0.0, (got - expected).abs())  # equal infinities differ by 0, not nan
    tolerance = atol + rtol * torch.nan_to_num(expected.abs(), posinf=0.0)  # an inf expected value has no slack
    wrong = diff > tolerance
    worst = int(torch.argmax(diff))
    at = f" at index {position(worst, diff.shape)}" if diff.dim() else ""
    summary = f"Largest difference {float(diff.flatten()[worst]):.4g}{at}"
    if got.dim() >= 2:
        rows = sorted({int(i) for i in torch.nonzero(wrong.reshape(-1, wrong.shape[-1]).any(-1)).flatten()})
        total = wrong.reshape(-1, wrong.shape[-1]).shape[0]
        return f"{len(rows)} of {total} rows differ (rows {rows[:8]}, counting from 0). {summary}."
    return f"{int(wrong.sum())} of {wrong.numel()} values differ. {summary}."


def position(flat: int, shape) -> list[int]:
    """The index of the ``flat``-th element of a tensor of this shape (``torch.unravel_index`` imports sympy,
    a third of a second, on first use)."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.insert(0, i)
    return index


def raised(what: str, failure: StudentError) -> str:
    """A learner-readable sentence for an error raised inside code a check ran (a module's forward)."""
    if failure.kind == "NotImplementedError":
        return f"{what}: not written yet: replace `raise NotImplementedError()` with your code."
    where = f" ({failure.where})" if failure.where else ""
    return f"{what}: your code raised {failure.kind}: {failure.message}{where}"


def error_signature(kind: str, message: str) -> tuple:
    """What two errors of the same slip share: the exception's type and the sizes that clashed
    (an in-place and an out-of-place operation word the same clash differently)."""
    import re

    return kind, tuple(sorted(int(n) for n in re.findall(r"\d+", message)))


#: a known wrong answer on the check's own inputs (a tensor, or the signature of the error it
#: raises), and the mistake that gives it
Variant = tuple[Mistake, Any]
#: a test on the evidence that names a mistake the numbers alone cannot (a warning, marked memory...)
Detector = tuple[Mistake, Callable[[Any, Any, list], bool]]


def compare(got: Any, expected, *, what: str, student: Student, atol: float = 1e-4, rtol: float = 0.0,
            hint: str | None = None, variants: Iterable[Variant] = (), detectors: Iterable[Detector] = (),
            warned: Iterable[tuple[Mistake, str]] = ()) -> str:
    """Pass (return a short message) when ``got`` matches ``expected``, else explain what differs.

    A mistake is named only on evidence: the answer equals a known wrong ``variant`` computed on
    the same inputs, or a ``detector`` recognises it (marked memory...), or the student's code raised
    the warning that gives a ``warned`` mistake away (softmax without ``dim``): that one fails the
    check even when the numbers happen to be right, since the same code breaks on other shapes.
    """
    import torch

    if isinstance(got, StudentError):
        signature = error_signature(got.kind, got.message)
        found = list({m.id: m for m, wrong in variants if wrong == signature}.values())
        if found:
            raise CheckFailed(f"{raised(what, got)}\n{advice(found)}", tags=[m.id for m in found])
        raise CheckFailed(raised(what, got))
    got_t = same_layout(as_tensor(got, what), expected)
    expected = expected.detach().to(torch.float64)
    warned = list(warned) if student.warnings else []
    if close(got_t, expected, atol, rtol):
        refuse_warned(student, warned, what)
        return f"{what}: correct."
    if got_t.shape != expected.shape:
        problem = f"{what}: expected shape {tuple(expected.shape)}, got {tuple(got_t.shape)}."
    elif (~torch.isfinite(got_t) & torch.isfinite(expected)).any():  # -inf where -inf is expected is fine
        bad = "nan" if torch.isnan(got_t).any() else "inf"
        problem = f"{what}: your result contains {bad}.\n  expected: {fmt(expected)}\n  got:      {fmt(got_t)}"
    else:
        problem = (f"{what}: the values differ.\n  expected: {fmt(expected)}\n  got:      {fmt(got_t)}\n"
                   f"  {where_it_differs(got_t, expected, atol, rtol)}")
    found = [m for m, wrong in variants if not isinstance(wrong, tuple) and close(got_t, wrong, atol, rtol,
                                                                                  equal_nan=True)]
    found += [m for m, recognise in detectors if _safely(recognise, got_t, expected, student.warnings)]
    found += [m for m, fragment in warned if any(fragment in w for w in student.warnings)]
    found = list({m.id: m for m in found}.values())
    answer = answer_digest(got_t, atol)
    if found:
        raise CheckFailed(f"{problem}\n{advice(found)}", tags=[m.id for m in found], answer=answer)
    raise CheckFailed(f"{problem}\n  Hint: {hint}" if hint else problem, answer=answer)


def answer_digest(got, atol: float) -> str:
    """A wrong answer's fingerprint: its shape and its numbers on a grid ten times the tolerance, hashed, so that
    the same wrong numbers computed another way (a loop or a matrix product) give the same digest."""
    import hashlib

    import torch

    step = max(atol, 1e-6) * 10
    grid = torch.nan_to_num(got.detach().to(torch.float64) / step, nan=2.0 ** 60, posinf=2.0 ** 61,
                            neginf=-2.0 ** 61).round() + 0.0  # + 0.0: -0.0 and 0.0 are one value
    return hashlib.sha256(repr((tuple(got.shape), grid.flatten().tolist())).encode()).hexdigest()[:16]


def _safely(recognise: Callable[[Any, Any, list], bool], got, expected, warned: list) -> bool:
    try:
        return bool(recognise(got, expected, warned))
    except (RuntimeError, TypeError, KeyError, IndexError, ValueError):
        return False  # shapes too far from the reference to compare: no evidence


def refuse_warned(student: Student, warned: list[tuple[Mistake, str]], what: str) -> None:
    """Right numbers, and a warning that gives a mistake away: fail, naming it."""
    for mistake, fragment in warned:
        seen = next((w for w in student.warnings if fragment in w), None)
        if seen is not None:
            raise CheckFailed(f"{what}: the numbers happen to be right here, but PyTorch warned:\n  \"{seen}\"\n"
                              f"{advice([mistake])}", tags=[mistake.id])


def accumulated_into_uninitialised(got, expected, warnings_seen: list) -> bool:
    """The answer is off by exactly the filler the probe put in ``torch.empty``'s memory."""
    import torch

    return bool(torch.allclose(got - expected, torch.full_like(got, UNINITIALISED), atol=1e-2))


# ====================================================================== public checks, as data
# A public check is a list of steps: probes that ask the student's code for numbers, and
# comparisons of what came back with numbers computed when the assignment was built.

class PublicCheck:
    """Runs the steps of one public check (from ``<assignment>.checks.json``) against a student."""

    def __init__(self, steps: list[dict], mistakes: dict[str, Mistake]):
        self.steps, self.mistakes = steps, mistakes

    def __call__(self, student: Student) -> str:
        answer, passed = None, []
        for step in self.steps:
            (kind, spec), = step.items()
            outcome = getattr(self, f"_{kind}")(student, spec, answer)
            if kind in {"call", "module"}:
                answer = outcome
            elif isinstance(outcome, str):
                passed.append(outcome)
        return " ".join(passed)

    def _call(self, student: Student, spec: dict, answer: Any) -> Any:
        return student.call(spec["name"], *decode(spec.get("args", [])), seed=spec.get("seed"),
                            reveal_uninitialised=spec.get("reveal_uninitialised", False),
                            **decode(spec.get("kwargs", {})))

    def _module(self, student: Student, spec: dict, answer: Any) -> Any:
        args, kwargs = decode(spec.get("args", [])), decode(spec.get("kwargs", {}))
        state = decode(spec.get("state"))
        if spec.get("load"):  # the worked weights, under the names the student's module gives them
            built = student.module(spec["cls"], *args, seed=spec.get("seed"), **kwargs)
            state = load_worked_weights(_state_of(built, spec["cls"]), decode(spec["load"]["values"]),
                                        spec["load"].get("aliases", {}), spec["load"]["owner"])
        forward = decode(spec["forward"]) if spec.get("forward") is not None else None
        return student.module(spec["cls"], *args, seed=spec.get("seed"), forward=forward, state=state,
                              train=spec.get("train", False), **kwargs)

    def _items(self, student: Student, spec: dict, answer: Any) -> None:
        require_items(answer, spec["count"], spec["message"])

    def _keys(self, student: Student, spec: dict, answer: Any) -> None:
        require_keys(answer, spec["keys"], spec["message"])

    def _parameters(self, student: Student, spec: dict, answer: Any) -> None:
        require_parameters(answer, spec["owner"], spec["names"], spec["shape"], decode(spec.get("equal") or {}),
                           spec.get("unequal", ""))

    def _expect(self, student: Student, spec: dict, answer: Any) -> str:
        got = answer
        for key in spec.get("pick", []):
            got = _pick(got, key, spec["what"])
        mistakes = self.mistakes
        variants = [(mistakes[m], tuple(map(_frozen, value["raises"])) if isinstance(value, dict) else value)
                    for m, value in decode(spec.get("variants", []))]
        detectors = [(mistakes[spec["uninitialised"]], accumulated_into_uninitialised)] if spec.get(
            "uninitialised") else []
        return compare(got, decode(spec["value"]), what=spec["what"], student=student, atol=spec.get("atol", 1e-4),
                       rtol=spec.get("rtol", 0.0), hint=spec.get("hint"), variants=variants, detectors=detectors,
                       warned=[(mistakes[m], fragment) for m, fragment in spec.get("warned", [])])


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


def require_parameters(answer: Any, owner: str, names: Iterable[str], shape: Iterable[int], equal: dict | None = None,
                       unequal: str = "") -> dict:
    """The module's state holds exactly the named parameters, of the given shape (and values); returns it."""
    state, names, shape = _state_of(answer, owner), list(names), tuple(shape)
    if sorted(state) != sorted(names):
        raise CheckFailed(f"`{owner}` should have exactly the parameters {', '.join(names)}; it has "
                          f"{', '.join(sorted(state)) or 'none'}. The checks read the weights by these names: "
                          "keep the names the notebook asks for (and no bias).")
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
        hits = []
        for candidate in (name, *aliases.get(name, [])):
            hits = [key for key in state if key == candidate or key.endswith("." + candidate)]
            if hits:
                break
        if not hits:
            found = ", ".join(sorted(state)) or "none"
            raise CheckFailed(f"{owner}: the grader found no parameter named `{name}` in your module (it has: "
                              f"{found}). Keep the attribute names the notebook asks for, so that the worked "
                              "example's weights can be loaded into your layers.")
        for key in hits:
            if not _is_tensor(state[key]) or tuple(state[key].shape) != tuple(value.shape):
                size = tuple(state[key].shape) if _is_tensor(state[key]) else _kind(state[key])
                raise CheckFailed(f"{owner}: `{key}` has shape {size}, expected {tuple(value.shape)}. "
                                  "nn.Linear(in_features, out_features) stores its weight as (out_features, "
                                  "in_features).")
            loaded[key] = value
            worked.add(key)
    for key in state:
        if key in worked or not _is_tensor(state[key]):
            continue
        shared = next((m for m in worked if _is_tensor(state[m]) and state[m].shape == state[key].shape
                       and bool(torch.equal(state[m], state[key]))), None)
        if shared is not None:  # the same parameter under a second name (a layer also held in an nn.Sequential)
            loaded[key] = loaded[shared]
        elif key.endswith("bias"):
            loaded[key] = torch.zeros_like(state[key])
    return loaded


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


# ====================================================================== an assignment's public checks

@dataclass
class Checks:
    """One assignment's checks as ``<assignment>.checks.json`` describes them."""

    assignment: str
    title: str
    checks: list[dict]
    mistakes: dict[str, Mistake]

    @classmethod
    def read(cls, path: Path) -> "Checks":
        return cls.from_data(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_data(cls, data: dict) -> "Checks":
        mistakes = {key: Mistake(key, **value) for key, value in data["mistakes"].items()}
        return cls(data["assignment"], data["title"], data["checks"], mistakes)

    def run(self, student: Student, *, hidden_note: str = "Hidden check: not run locally; it runs when the "
                                                          "notebook is graded.") -> list[Result]:
        results = []
        for spec in self.checks:
            if spec["hidden"]:
                results.append(Result(spec["grade_id"], spec["todo"], spec["points"], True, NOT_RUN, hidden_note))
            else:
                results.append(self.run_one(spec, student))
        return results

    def run_one(self, spec: dict, student: Student) -> Result:
        return run_check(spec["grade_id"], spec["todo"], spec["points"], False,
                         PublicCheck(spec["steps"], self.mistakes), student)


def _checks_beside_me() -> list[Checks]:
    return [Checks.read(path) for path in sorted(Path(__file__).resolve().parent.glob("*.checks.json"))]


# ====================================================================== in a notebook

class CheckFailedInNotebook(AssertionError):
    """Raised by a failing check cell; Jupyter shows only the explanation, no traceback."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


def check(grade_id: str) -> None:
    """Run the public check ``grade_id`` on this notebook's functions: a line if it passes, the reason if not."""
    for checks in _checks_beside_me():
        spec = next((s for s in checks.checks if s["grade_id"] == grade_id), None)
        if spec is not None and not spec["hidden"]:
            announce(checks.run_one(spec, InKernel(_notebook_namespace())))
            return
    raise CheckFailedInNotebook(f"No check named {grade_id!r} in the {_data_files()} beside attention_check.py: "
                                "keep the check cells as they came, and the notebook in its assignment folder.")


def announce(result: Result) -> None:
    """How a check cell shows its result (nbgrader gives points to a cell that does not raise)."""
    points = f"{result.points:g} point{'s' if result.points != 1 else ''}"
    if result.status == PASSED:
        print(f"PASSED {result.grade_id} ({points}): {result.message}")
        return
    raise CheckFailedInNotebook(f"FAILED {result.grade_id} ({points})\n{result.message}")


def _data_files() -> str:
    names = [p.name for p in sorted(Path(__file__).resolve().parent.glob("*.checks.json"))]
    return ", ".join(names) or "(missing) .checks.json file"


def _notebook_namespace() -> dict:
    try:
        from IPython import get_ipython
    except ImportError:  # a plain Python script
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    return shell.user_ns if shell is not None else sys._getframe(2).f_globals


# ====================================================================== reading a notebook

def nbgrader_meta(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def source_of(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def is_test_cell(cell: dict) -> bool:
    """A check cell: graded and not a solution (nbgrader's definition), or any cell that runs a check."""
    if cell.get("cell_type") != "code":
        return False
    meta = nbgrader_meta(cell)
    if meta.get("grade") and not meta.get("solution"):
        return True
    return "attention_check import" in source_of(cell) or "autograder.notebook" in source_of(cell)


#: grade id of the given cell that writes this file and its data beside a notebook opened without them
CHECKER_FILES_CELL = "checker-files"


def runs_before_checking(cell: dict) -> bool:
    """A code cell a checker runs to get the notebook's functions: every one but the check cells, and the
    cell that writes the checker's files (a checker already has them; run elsewhere it would write them there)."""
    return (cell.get("cell_type") == "code" and not is_test_cell(cell)
            and nbgrader_meta(cell).get("grade_id") != CHECKER_FILES_CELL)


def cell_label(cells: list, index: int) -> str:
    """How a report names a cell: its number and whose it is."""
    if not 0 <= index < len(cells):
        return f"cell {index + 1}"
    meta = nbgrader_meta(cells[index])
    kind = "your answer" if meta.get("solution") else "a given cell" if meta else "a cell you added"
    return f"cell {index + 1} ({kind})"


def notes_on_cells(problems: Iterable[tuple[int, str, str]], cells: list) -> list[str]:
    """Notes on cells that raised while the notebook ran: ``(index, error kind, message)`` each.

    A TO-DO not written yet is left to the checks to explain, and so are the given cells that
    fail only because they need it (a NameError after it), counted in one note."""
    problems = list(problems)
    unfinished = any(kind == "NotImplementedError" for _, kind, _ in problems)
    notes, knock_on = [], 0
    for index, kind, message in problems:
        if kind == "NotImplementedError":
            continue
        if unfinished and kind == "NameError":
            knock_on += 1
            continue
        notes.append(f"{cell_label(cells, index)}: {kind}" + (f": {message}" if message else ""))
    if knock_on:
        counted = "1 given cell" if knock_on == 1 else f"{knock_on} given cells"
        notes.append(f"{counted} could not run because a TO-DO above {'it' if knock_on == 1 else 'them'} is not "
                     "written yet.")
    return notes


# ====================================================================== the report a learner reads

MARK = {PASSED: "PASS", FAILED: "FAIL", NOT_RUN: "not run"}


def table(name: str, assignment: str, results: list[Result], notes: Iterable[str] = ()) -> str:
    """One line per check, then what failed and why, then notes on running the notebook."""
    notes = list(notes)
    score = sum(r.score for r in results)
    hidden_points = sum(r.points for r in results if r.status == NOT_RUN)
    run_points = sum(r.points for r in results) - hidden_points
    title = f"{name} ({assignment}): {score:g}/{run_points:g} points"
    if hidden_points:
        title += f" on the checks run here; {hidden_points:g} more points of hidden checks run when it is graded"
    width = max((len(r.todo) for r in results), default=5)
    lines = [title, "", f"{'TO-DO':<{width}}  points  result   message", "-" * (width + 40)]
    for r in results:
        first_line = r.message.splitlines()[0] if r.message else ""
        lines.append(f"{r.todo:<{width}}  {r.points:>6g}  {MARK[r.status]:<7}  {first_line}")
    failures = [r for r in results if r.status == FAILED and "\n" in r.message]
    if failures:
        lines += ["", "What went wrong:"]
        for r in failures:
            lines.append(f"- {r.grade_id}:")
            lines += ["    " + line if line else line for line in r.message.splitlines()]
    if notes:
        lines += ["", "Notes on running your notebook:"] + [f"- {note}" for note in notes]
    return "\n".join(lines)


# ====================================================================== from a terminal

def run_notebook(cells: list) -> tuple[dict, list[tuple[int, str, str]]]:
    """Run the notebook's code cells (:func:`runs_before_checking`), in order, in a fresh IPython shell.

    Returns the notebook's namespace and the cells that raised. Plots are drawn off-screen."""
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    problems = []
    for index, cell in enumerate(cells):
        if not runs_before_checking(cell):
            continue
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            outcome = shell.run_cell(source_of(cell), store_history=False, silent=True)
        failure = outcome.error_before_exec or outcome.error_in_exec
        if failure is not None:
            problems.append((index, type(failure).__name__, str(failure)[:500]))
    return shell.user_ns, problems


def declared_assignment(notebook: dict) -> str | None:
    """The assignment id a released notebook carries in its metadata (kept when the file is renamed)."""
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    kit = metadata.get("attention_kit") if isinstance(metadata, dict) else None
    return kit.get("assignment") if isinstance(kit, dict) else None


def notebooks_of(folder: Path, checks: list[Checks]) -> list[Path]:
    """The folder's notebooks of these assignments: by the id in their metadata, so that a renamed copy
    ("Copy of 01_simplified_attention.ipynb") is found, or else by their file name; the original names first."""
    ids = {c.assignment for c in checks}
    found = []
    for path in sorted(folder.glob("*.ipynb"), key=lambda p: (p.stem not in ids, p.name)):
        try:
            declared = declared_assignment(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, ValueError):
            declared = None
        if declared in ids or path.stem in ids:
            found.append(path)
    return found


def self_check(path: Path, checks: list[Checks]) -> tuple[str, int]:
    """The report and exit code (0 all public checks pass, 1 some fail, 2 cannot check) of one notebook."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return f"{path.name}: cannot be checked: it is not a readable notebook ({type(exc).__name__}).", 2
    declared = declared_assignment(notebook)
    mine = next((c for c in checks if c.assignment == declared), checks[0] if len(checks) == 1 else None)
    if mine is None:
        return (f"{path.name}: cannot be checked: it is not one of this folder's assignments "
                f"({', '.join(c.assignment for c in checks) or 'none'}).", 2)
    namespace, problems = run_notebook(cells)
    results = mine.run(InKernel(namespace))
    report = table(path.name, mine.assignment, results, notes_on_cells(problems, cells))
    return report, 1 if any(r.status == FAILED for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    """``python attention_check.py [NOTEBOOK ...]``: check the notebooks (default: this folder's notebooks of
    its assignments, renamed or not)."""
    argv = sys.argv[1:] if argv is None else argv
    if any(arg in {"-h", "--help"} for arg in argv):
        print(__doc__)
        return 0
    checks = _checks_beside_me()
    paths = [Path(a) for a in argv] or notebooks_of(Path(__file__).resolve().parent, checks)
    if not paths:
        print(f"No notebook of {', '.join(c.assignment for c in checks) or 'this assignment'} beside "
              "attention_check.py: give its path (python attention_check.py NOTEBOOK.ipynb). In Colab, run the "
              "notebook's check cells instead (the notebook is not on the machine's disk there).")
        return 2
    codes = []
    for path in paths:
        report, code = self_check(path, checks)
        print(report + "\n")
        codes.append(code)
    return max(codes)


if __name__ == "__main__":
    sys.exit(main())
