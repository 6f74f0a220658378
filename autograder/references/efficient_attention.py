"""Reference solutions of assignment 08: online softmax, tiled attention, a KV cache."""

from __future__ import annotations

import torch

from . import linear, sinusoids  # noqa: F401  (sinusoids: the checks' and worked values')


def running_statistics(ops, scores: torch.Tensor, block_size: int):
    """The running maximum and sum of exp(score - maximum) over the last dimension, after each block."""
    running_max = torch.full((*scores.shape[:-1], 1), -torch.inf, dtype=scores.dtype)
    running_sum = torch.zeros_like(running_max)
    for start in range(0, scores.shape[-1], block_size):
        block = scores[..., start : start + block_size]
        new_max = torch.maximum(running_max, ops.reduce_max(block))
        running_sum = ops.rescale_sum(running_sum, running_max, new_max) + ops.reduce_sum(torch.exp(block - new_max))
        running_max = new_max
        yield running_max, running_sum


def online_softmax(ops, scores: torch.Tensor, block_size: int) -> torch.Tensor:
    """Softmax over the last dimension, its maximum and sum gathered in one pass over blocks."""
    *_, (running_max, running_sum) = running_statistics(ops, scores, block_size)
    return torch.exp(scores - running_max) / running_sum


def flash_attention(ops, queries, keys, values, block_size: int, causal: bool = False) -> torch.Tensor:
    """Attention over blocks of keys and values with a running maximum, sum and output (FlashAttention's forward
    pass); no score matrix larger than (queries x block_size) is formed."""
    num_queries, num_keys = queries.shape[-2], keys.shape[-2]
    running_max = torch.full((*queries.shape[:-1], 1), -torch.inf, dtype=queries.dtype)
    running_sum = torch.zeros_like(running_max)
    output = torch.zeros_like(queries)
    for start in range(0, num_keys, block_size):
        stop = min(start + block_size, num_keys)
        scores = ops.scale(ops.scores(queries, keys[..., start:stop, :]), keys.shape[-1])
        if causal:
            scores = ops.mask_fill(scores, ops.block_hidden(num_queries, start, stop))
        new_max = torch.maximum(running_max, ops.reduce_max(scores))
        weights = torch.exp(scores - new_max)
        running_sum = ops.rescale_sum(running_sum, running_max, new_max) + ops.reduce_sum(weights)
        output = ops.rescale_output(output, running_max, new_max) + ops.matmul(weights, values[..., start:stop, :])
        running_max = new_max
    return output / running_sum


def cached_attention(ops, x: torch.Tensor, p: dict, pe: torch.Tensor) -> torch.Tensor:
    """The notebook's KVCacheAttention fed the tokens of ``x`` one at a time: each new token, at its position,
    attends to the cache holding every token so far, itself included."""
    batch, num_tokens, _ = x.shape
    d_out = p["W_key.weight"].shape[0]
    cached_keys = cached_values = x.new_zeros(batch, 0, d_out)
    outputs = []
    for t in range(num_tokens):
        token = x[:, t : t + 1] + pe[ops.positions(cached_keys.shape[-2], 1)]
        query, key, value = (linear(token, p, name) for name in ("W_query", "W_key", "W_value"))
        keys, values = ops.attended(cached_keys, key), ops.attended(cached_values, value)
        cached_keys, cached_values = torch.cat([cached_keys, key], dim=-2), torch.cat([cached_values, value], dim=-2)
        weights = ops.softmax(ops.scale(ops.scores(query, keys), d_out))
        outputs.append(ops.matmul(weights, values))
    return torch.cat(outputs, dim=1)
