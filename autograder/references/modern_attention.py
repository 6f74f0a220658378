"""Reference solutions of assignment 09: rotary position embeddings, grouped-query attention with its KV cache's
size, sliding-window causal attention."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..authoring import Ops, projections, student_linear
from .causal_attention import attend


def rope(ops, x: torch.Tensor, positions: torch.Tensor, base: float = 10000.0) -> torch.Tensor:
    """x of shape (..., tokens, d) with each token's pairs turned by its position times the pairs' frequencies."""
    return ops.rotate(x, positions[:, None] * ops.rope_frequencies(x.shape[-1], base)[None, :])


def rope_score(ops, q: torch.Tensor, k: torch.Tensor, m: int, n: int) -> torch.Tensor:
    """The dot product of query vector q rotated to position m and key vector k rotated to position n."""
    return rope(ops, q[None], torch.tensor([m]))[0] @ rope(ops, k[None], torch.tensor([n]))[0]


def grouped_query(ops, state: dict, x: torch.Tensor, num_heads: int, num_kv_heads: int) -> torch.Tensor:
    """Causal grouped-query attention with rotary embeddings, on the student's projections of x."""
    p, positions = projections(state, x), torch.arange(x.shape[1])
    queries = rope(ops, ops.split_heads(p["queries"], num_heads), positions)
    keys = rope(ops, ops.split_heads(p["keys"], num_kv_heads), positions)
    values = ops.split_heads(p["values"], num_kv_heads)
    values = ops.unrotated_values(values, lambda: rope(ops, values, positions))
    group_size = num_heads // num_kv_heads
    context = attend(ops, queries, ops.repeat_kv(keys, group_size), ops.repeat_kv(values, group_size))
    return ops.out_proj(ops.merge_heads(context), *student_linear(state, "out_proj"))


def window_attention(ops, queries, keys, values, window: int) -> torch.Tensor:
    """Causal attention in which each query sees the last ``window`` tokens, itself included."""
    scores = ops.scale(ops.scores(queries, keys), keys.shape[-1])
    hidden = ops.window_hidden(queries.shape[-2], window)
    return ops.matmul(ops.softmax(ops.mask_fill(scores, hidden)), values)


def torch_grouped_query(state: dict, x: torch.Tensor, num_heads: int, num_kv_heads: int) -> torch.Tensor:
    """PyTorch's causal attention with ``enable_gqa`` (it repeats the key/value heads itself) on the student's
    projections of x, rotated by the kit's RoPE."""
    right, p, positions = Ops(), projections(state, x), torch.arange(x.shape[1])
    queries = rope(right, right.split_heads(p["queries"], num_heads), positions)
    keys = rope(right, right.split_heads(p["keys"], num_kv_heads), positions)
    values = right.split_heads(p["values"], num_kv_heads)
    context = F.scaled_dot_product_attention(queries, keys, values, is_causal=True, enable_gqa=True)
    return F.linear(right.merge_heads(context), *student_linear(state, "out_proj"))
