"""What the checks of several assignments compute with: causal attention on projected inputs (04, 05) and the
weights of a student's ``nn.Linear`` (04, 05, 08). Apart from each assignment's checks, so that a platform
bundle of one assignment holds no other assignment's checks."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..compare import parameter
from ..framework import CheckFailed

QKV = ("W_query", "W_key", "W_value")


def masked_scores(ops, attn_scores, num_tokens=None):
    """The scores with -inf where a query may not look (``num_tokens``: the input's length, as the module reads it)."""
    return ops.mask_fill(attn_scores, ops.hide_future(num_tokens or attn_scores.shape[-1]))


def causal_weights(ops, attn_scores, d_k, num_tokens=None):
    return ops.softmax(ops.scale(masked_scores(ops, attn_scores, num_tokens), d_k))


def attend(ops, queries, keys, values, inputs=None, num_tokens=None):
    """Causal attention on projected queries/keys/values of shape (..., tokens, d)."""
    weights = causal_weights(ops, ops.scores(queries, keys), keys.shape[-1], num_tokens)
    return weights @ ops.values_of(values, inputs=inputs)


def linear(state: dict, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The weight and bias of the student's ``nn.Linear`` called ``name`` in a state_dict."""
    hint = f" ({name.split('.')[-1]} as an nn.Linear)"
    weight = parameter(state, f"{name}.weight", None, "Your module", hint=hint)
    if weight.dim() != 2:
        raise CheckFailed(f"Your module: `{name}.weight` should be the 2-D weight of an nn.Linear.")
    bias = state.get(f"{name}.bias")
    return weight, (bias.detach().float() if isinstance(bias, torch.Tensor) else None)


def project(state: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    weight, bias = linear(state, name)
    return F.linear(x, weight, bias)


def projections(state: dict, x: torch.Tensor, prefix: str = "") -> dict:
    """The student's queries, keys and values of ``x``, and ``x`` itself (what the references start from)."""
    return {"queries": project(state, f"{prefix}W_query", x), "keys": project(state, f"{prefix}W_key", x),
            "values": project(state, f"{prefix}W_value", x), "inputs": x}
