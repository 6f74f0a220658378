"""The student's layers, read from the state_dict their module returned: the weights of an ``nn.Linear`` and the
queries, keys and values it projects. What a hidden check and a reference start from when a student's weights
decide the right answer (04, 05, 08)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .checker.results import CheckFailed
from .compare import parameter

QKV = ("W_query", "W_key", "W_value")


def student_linear(state: dict, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The weight and bias of the student's ``nn.Linear`` called ``name`` in a state_dict."""
    hint = f" ({name.split('.')[-1]} as an nn.Linear)"
    weight = parameter(state, f"{name}.weight", None, "Your module", hint=hint)
    if weight.dim() != 2:
        raise CheckFailed(f"Your module: `{name}.weight` should be the 2-D weight of an nn.Linear.")
    bias = state.get(f"{name}.bias")
    return weight, (bias.detach().float() if isinstance(bias, torch.Tensor) else None)


def project(state: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    weight, bias = student_linear(state, name)
    return F.linear(x, weight, bias)


def projections(state: dict, x: torch.Tensor, prefix: str = "") -> dict:
    """The student's queries, keys and values of ``x``, and ``x`` itself (what the references start from)."""
    return {
        "queries": project(state, f"{prefix}W_query", x),
        "keys": project(state, f"{prefix}W_key", x),
        "values": project(state, f"{prefix}W_value", x),
        "inputs": x,
    }
