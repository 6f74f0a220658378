"""Comparing the student's numbers with the expected ones, and naming a mistake only on evidence.

The wording and the decision every check shares, public or hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .handle import Student
from .probes import UNINITIALISED
from .results import CheckFailed
from .wire import Opaque, StudentError


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
    if (
        got.shape != expected.shape
        and got.numel() == expected.numel()
        and got.squeeze().shape == expected.squeeze().shape
    ):
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
    index: list[int] = []
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


def compare(
    got: Any,
    expected,
    *,
    what: str,
    student: Student,
    atol: float = 1e-4,
    rtol: float = 0.0,
    hint: str | None = None,
    variants: Iterable[Variant] = (),
    detectors: Iterable[Detector] = (),
    warned: Iterable[tuple[Mistake, str]] = (),
) -> str:
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
        problem = (
            f"{what}: the values differ.\n  expected: {fmt(expected)}\n  got:      {fmt(got_t)}\n"
            f"  {where_it_differs(got_t, expected, atol, rtol)}"
        )
    found = [
        m for m, wrong in variants if not isinstance(wrong, tuple) and close(got_t, wrong, atol, rtol, equal_nan=True)
    ]
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
    grid = torch.nan_to_num(got.detach().to(torch.float64) / step, nan=2.0**60, posinf=2.0**61, neginf=-(2.0**61))
    grid = grid.round() + 0.0  # + 0.0: -0.0 and 0.0 are one value
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
            raise CheckFailed(
                f'{what}: the numbers happen to be right here, but PyTorch warned:\n  "{seen}"\n{advice([mistake])}',
                tags=[mistake.id],
            )


def accumulated_into_uninitialised(got, expected, warnings_seen: list) -> bool:
    """The answer is off by exactly the filler the probe put in ``torch.empty``'s memory."""
    import torch

    return bool(torch.allclose(got - expected, torch.full_like(got, UNINITIALISED), atol=1e-2))
