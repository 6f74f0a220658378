"""Compare a student's numbers with the expected ones and say what differs.

Every failure message answers three questions a learner asks: what did I get,
what should I have got, and where is the difference (shape, which rows, how big).
If the numbers match a known mistake from :mod:`mistakes`, the message names it.
"""
from __future__ import annotations

from typing import Any

import torch

from . import wire
from .framework import CheckFailed
from .mistakes import advice, diagnose


def as_tensor(got: Any, what: str) -> torch.Tensor:
    """The student's answer as a float64 tensor, or a clear failure."""
    if isinstance(got, torch.Tensor):
        return got.detach().to(torch.float64)
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        return torch.tensor(float(got), dtype=torch.float64)
    if isinstance(got, list):
        try:
            return torch.tensor(got, dtype=torch.float64)
        except (TypeError, ValueError):
            pass
    kind = got.type_name if isinstance(got, wire.Opaque) else type(got).__name__
    if got is None:
        raise CheckFailed(f"{what}: your code returned None. Did you forget a `return` statement?")
    raise CheckFailed(f"{what}: expected a tensor of numbers, got a {kind}.")


def fmt(tensor: torch.Tensor) -> str:
    """A tensor printed to four decimals, as the notebooks print it."""
    with torch.no_grad():
        shown = tensor.to(torch.float32)
    text = repr(shown.tolist()) if shown.dim() == 0 else _rows(shown)
    return text


def _rows(tensor: torch.Tensor) -> str:
    def number(x: float) -> str:
        return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.4e}"

    def render(t: torch.Tensor) -> str:
        if t.dim() == 1:
            return "[" + ", ".join(number(float(x)) for x in t) + "]"
        return "[" + ",\n ".join(render(row) for row in t) + "]"

    if tensor.numel() > 64:
        return f"(a tensor of shape {tuple(tensor.shape)})"
    return render(tensor)


def close(a: torch.Tensor, b: torch.Tensor, atol: float, rtol: float = 0.0) -> bool:
    a, b = a.to(torch.float64), b.to(torch.float64)
    if a.shape != b.shape:
        return False
    return bool(torch.allclose(a, b, atol=atol, rtol=rtol, equal_nan=False))


def same_layout(got: torch.Tensor, expected: torch.Tensor) -> torch.Tensor:
    """Accept singleton dimensions the prose does not care about ((1, 3) for (3,))."""
    if got.shape != expected.shape and got.numel() == expected.numel() and got.squeeze().shape == expected.squeeze().shape:
        return got.reshape(expected.shape)
    return got


def expect_tensor(
    got: Any,
    expected: torch.Tensor,
    *,
    what: str,
    student,
    case: dict | None = None,
    atol: float = 1e-4,
    rtol: float = 0.0,
    hint: str | None = None,
) -> str:
    """Pass (return a short message) when ``got`` matches ``expected``, else explain.

    ``case`` holds the inputs the check used; it lets :func:`mistakes.diagnose`
    recompute known wrong answers on them and name the mistake. ``student`` is the
    handle the answer came from (it knows the check's grade id and the warnings).
    """
    got_t = same_layout(as_tensor(got, what), expected)
    expected = expected.detach().to(torch.float64)
    if close(got_t, expected, atol, rtol):
        return f"{what}: correct."

    if got_t.shape != expected.shape:
        problem = f"{what}: expected shape {tuple(expected.shape)}, got {tuple(got_t.shape)}."
    elif (~torch.isfinite(got_t) & torch.isfinite(expected)).any():  # -inf where -inf is expected is fine
        bad = "nan" if torch.isnan(got_t).any() else "inf"
        problem = f"{what}: your result contains {bad}.\n  expected: {fmt(expected)}\n  got:      {fmt(got_t)}"
    else:
        problem = f"{what}: the values differ.\n  expected: {fmt(expected)}\n  got:      {fmt(got_t)}\n  {where_it_differs(got_t, expected, atol, rtol)}"

    found = diagnose(student.grade_id, got_t, expected, case or {}, student.warnings)
    if found:
        raise CheckFailed(f"{problem}\n{advice(found)}", tags=[m.id for m in found])
    raise CheckFailed(f"{problem}\n  Hint: {hint}" if hint else problem)


def where_it_differs(got: torch.Tensor, expected: torch.Tensor, atol: float, rtol: float) -> str:
    diff = torch.where(got == expected, 0.0, (got - expected).abs())  # equal infinities differ by 0, not nan
    tolerance = atol + rtol * torch.nan_to_num(expected.abs(), posinf=0.0)  # an inf expected value has no slack
    wrong = diff > tolerance
    worst = int(torch.argmax(diff))
    index = list(torch.unravel_index(torch.tensor(worst), diff.shape)) if diff.dim() else []
    at = f" at index {[int(i) for i in index]}" if index else ""
    summary = f"Largest difference {float(diff.flatten()[worst]):.4g}{at}"
    if got.dim() >= 2:
        rows = sorted({int(i) for i in torch.nonzero(wrong.reshape(-1, wrong.shape[-1]).any(-1)).flatten()})
        total = wrong.reshape(-1, wrong.shape[-1]).shape[0]
        return f"{len(rows)} of {total} rows differ (rows {rows[:8]}, counting from 0). {summary}."
    return f"{int(wrong.sum())} of {wrong.numel()} values differ. {summary}."


def parameter(state: dict, name: str, shape: tuple | None, owner: str, *, aliases: tuple = (), optional: bool = False,
              hint: str = "") -> torch.Tensor:
    """The parameter of the student's ``state_dict`` whose name ends in ``name`` (or an alias), of the given shape
    (any shape if None), or a failure that tells the learner which names to keep.

    Checks that copy a student's weights into PyTorch's own modules read them through here. A missing optional
    parameter (a bias of a layer built with ``bias=False``) is zero, as it is in the student's computation."""
    if not isinstance(state, dict):
        raise CheckFailed(f"{owner}: the grader received no parameters from your module.")
    hits: list[str] = []
    for candidate in (name, *aliases):
        hits = [key for key in state if key == candidate or key.endswith("." + candidate)]
        if hits:
            break
    if not hits:
        if optional:
            return torch.zeros(shape)
        found = ", ".join(sorted(state)) or "none"
        raise CheckFailed(f"{owner}: the grader found no parameter named `{name}` in your module (it has: {found}). "
                          f"Keep the attribute names the notebook asks for{hint}, so that your weights can be "
                          "copied into PyTorch's own layers.")
    tensors = [state[key] for key in hits]
    if any(not isinstance(t, torch.Tensor) for t in tensors) or any(
            t.shape != tensors[0].shape or not torch.equal(t, tensors[0]) for t in tensors[1:]):
        raise CheckFailed(f"{owner}: several different parameters are named like `{name}` ({', '.join(hits)}); "
                          "keep one of each, with the names the notebook asks for.")
    if shape is not None and tuple(tensors[0].shape) != tuple(shape):
        raise CheckFailed(f"{owner}: `{hits[0]}` has shape {tuple(tensors[0].shape)}, expected {tuple(shape)}. "
                          "nn.Linear(in_features, out_features) stores its weight as (out_features, in_features).")
    return tensors[0].detach().to(torch.float32)
