"""Reference solutions of assignment 05: a wrapper of causal heads and the efficient multi-head attention, both
built on 04's causal attention."""

from __future__ import annotations

import re

import torch

from ..authoring import OPERATIONS, QKV, CheckFailed, projections, student_linear
from . import load_attention
from .causal_attention import attend


def wrapper(ops, state: dict, x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Causal heads side by side, their outputs concatenated."""
    return torch.cat(
        [attend(ops, **projections(state, x, prefix)) for prefix in head_prefixes(state, num_heads)], dim=-1
    )


def multi_head(ops, queries, keys, values, inputs, out_weight, out_bias, num_heads):
    """Multi-head causal attention on projected queries/keys/values."""
    q, k, v = (ops.split_heads(t, num_heads) for t in (queries, keys, values))
    context = ops.merge_heads(attend(ops, q, k, v, inputs=inputs, num_tokens=inputs.shape[1]))
    return ops.out_proj(context, out_weight, out_bias)


def mha_case(state: dict, x: torch.Tensor, num_heads: int) -> dict:
    """What the reference starts from: the student's projections of x and output layer."""
    out_weight, out_bias = student_linear(state, "out_proj")
    return {**projections(state, x), "out_weight": out_weight, "out_bias": out_bias, "num_heads": num_heads}


def head_prefixes(state: dict, num_heads: int) -> list[str]:
    """The state_dict prefixes of the wrapper's heads ("heads.0.", "heads.1.", ...), in order."""
    prefixes = [key[: -len("W_query.weight")] for key in state if key.endswith("W_query.weight")]
    prefixes = sorted(prefixes, key=lambda p: [int(n) for n in re.findall(r"\d+", p)])
    if len(prefixes) != num_heads or any(not re.search(r"\d+\.$", p) for p in prefixes):
        raise CheckFailed(
            f"The grader expected {num_heads} heads (CausalAttention modules in an nn.ModuleList, each "
            f"with W_query, W_key, W_value) and found {len(prefixes)} in your state_dict: "
            f"{sorted(state)[:8]}."
        )
    return prefixes


def torch_multi_head(state: dict, x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """torch.nn.MultiheadAttention carrying the student's weights, with a causal mask."""
    for name in (*QKV, "out_proj"):
        student_linear(state, name)  # a clear failure where a projection is missing or is no nn.Linear
    with torch.random.fork_rng(devices=[]):  # building a module draws random weights: leave the student's RNG alone
        reference = torch.nn.MultiheadAttention(x.shape[-1], num_heads, bias=True, batch_first=True)
    load_attention(reference, state)
    with torch.no_grad():
        causal = OPERATIONS["hide_future"](x.shape[1])
        output, _ = reference.eval()(x, x, x, attn_mask=causal, need_weights=False)
    return output
