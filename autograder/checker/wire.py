"""Plain-number messages: only JSON crosses between a student's code and a grader.

Tensors travel as nested lists with their dtype, errors as their type name and text. Nothing a submission
sends is unpickled. Runs in the sandboxed child (probes' answers) and in the grader (reading them).
"""

from __future__ import annotations

import json
import math
from typing import Any

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
        return {
            "__tensor__": _finite_or_tagged(tensor.tolist()),
            "dtype": str(tensor.dtype).removeprefix("torch."),
            "shape": list(tensor.shape),
        }
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
