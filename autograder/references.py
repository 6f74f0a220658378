"""The kit's reference solutions of assignments 07 and 08, written with the operations of :mod:`.mistakes`.

Each function takes an :class:`~autograder.mistakes.Ops` first and computes what a TO-DO asks for
on given inputs. The worked values (:mod:`autograder.worked_values.masks_and_cross_attention`,
:mod:`autograder.worked_values.efficient_attention`) are these functions run with ``Ops()`` on seeded
inputs, and the checks run them again to find which catalogued mistake a wrong answer shows. They
live apart from the checks so that the worked values can be computed from them without a cycle.

Parts the notebooks *give* (splitting heads, the feed-forward network, the layer norms) are plain
code: a student cannot get them wrong, so no mistake is looked for there.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .mistakes import OPERATIONS

LN_EPS = 1e-5  # nn.LayerNorm's and nn.TransformerDecoderLayer's default


# --- Given in the notebooks -----------------------------------------------------------------------------------------

#: the right head split and merge of assignment 05 (the notebooks give them here, so no mistake is looked for there)
split_heads, merge_heads = OPERATIONS["split_heads"], OPERATIONS["merge_heads"]


def linear(x: torch.Tensor, p: dict, name: str) -> torch.Tensor:
    return F.linear(x, p[f"{name}.weight"], p.get(f"{name}.bias"))


def feed_forward(x: torch.Tensor, p: dict) -> torch.Tensor:
    return linear(F.relu(linear(x, p, "linear1")), p, "linear2")


def sinusoids(num_positions: int, d_model: int) -> torch.Tensor:
    """The sinusoidal positional encoding of assignment 06 (given in notebook 08)."""
    angles = torch.arange(num_positions)[:, None] / 10000 ** (torch.arange(0, d_model, 2) / d_model)
    pe = torch.zeros(num_positions, d_model)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angles), torch.cos(angles)
    return pe


# --- Assignment 07: padding, fully masked rows, cross-attention, a decoder layer ------------------------------------

def attention(ops, queries, keys, values, hidden=None, key_padding_mask=None, safe=False,
              scores_of=None) -> torch.Tensor:
    """Scaled dot-product attention hiding ``hidden`` (broadcast to the scores) and the padding keys; ``safe``:
    rows with every key hidden get zero weights (instead of nan). ``scores_of``: how the scores are computed
    (default: ``ops.scores``, where queries and keys may be swapped)."""
    scores = ops.scale((scores_of or ops.scores)(queries, keys), keys.shape[-1])
    if key_padding_mask is not None:
        padding = ops.on_keys(key_padding_mask, scores)
        hidden = padding if hidden is None else hidden | padding
    if hidden is not None:
        scores = ops.mask_fill(scores, hidden)
    weights = ops.softmax(scores)
    if safe:
        weights = ops.without_fully_masked(weights, scores)
    return weights @ values


def safe_softmax(ops, scores: torch.Tensor) -> torch.Tensor:
    return ops.without_fully_masked(ops.softmax(scores), scores)


def causal_padded_attention(ops, queries, keys, values, key_padding_mask=None) -> torch.Tensor:
    return attention(ops, queries, keys, values, hidden=ops.hide_future(queries.shape[-2]),
                     key_padding_mask=key_padding_mask, safe=True)


def causal_self_attention(ops, x, p: dict, num_heads: int, key_padding_mask=None) -> torch.Tensor:
    """The notebook's given CausalSelfAttention (weights ``p``), around the student's causal_padded_attention."""
    q, k, v = (split_heads(linear(x, p, name), num_heads) for name in ("W_query", "W_key", "W_value"))
    return linear(merge_heads(causal_padded_attention(ops, q, k, v, key_padding_mask)), p, "out_proj")


def cross_attention(ops, x, memory, p: dict, num_heads: int, memory_key_padding_mask=None) -> torch.Tensor:
    """Queries from the decoder's tokens ``x``, keys and values from the encoder's output ``memory``."""
    queries = split_heads(linear(x, p, "W_query"), num_heads)
    keys = split_heads(linear(ops.cross_source(memory, x), p, "W_key"), num_heads)
    values = split_heads(linear(ops.cross_source(memory, x), p, "W_value"), num_heads)
    hidden = ops.cross_hidden(queries.shape[-2], keys.shape[-2])
    context = attention(ops, queries, keys, values, hidden=hidden, key_padding_mask=memory_key_padding_mask,
                        scores_of=plain_scores)
    return ops.out_proj(merge_heads(context), p["out_proj.weight"], p.get("out_proj.bias"))


def plain_scores(queries, keys) -> torch.Tensor:
    """Cross-attention's scores, computed by the student's padded_attention. Swapping queries and keys there is named
    by padded_attention's own checks; in cross-attention it raises the very error that keys taken from the decoder
    raise (the memory's padding mask meets the decoder's length), so it is not looked for here."""
    return queries @ keys.transpose(-2, -1)


def prefixed(p: dict, prefix: str) -> dict:
    return {key[len(prefix):]: value for key, value in p.items() if key.startswith(prefix)}


def decoder_layer(ops, x, memory, p: dict, num_heads: int, tgt_key_padding_mask=None,
                  memory_key_padding_mask=None) -> torch.Tensor:
    """Post-norm: masked self-attention, cross-attention and the feed-forward network, each as norm(x + sublayer(x))
    (dropout off). ``p`` names the weights as nn.TransformerDecoderLayer's parts: self_attn.*, cross_attn.*,
    linear1/linear2, norm1/norm2/norm3."""
    def norm(name: str):
        return lambda t: F.layer_norm(t, t.shape[-1:], p[f"{name}.weight"], p[f"{name}.bias"], eps=LN_EPS)

    x = ops.sublayer(x, lambda t: causal_self_attention(ops, t, prefixed(p, "self_attn."), num_heads,
                                                        tgt_key_padding_mask), norm("norm1"))
    x = ops.sublayer(x, lambda t: cross_attention(ops, t, memory, prefixed(p, "cross_attn."), num_heads,
                                                  memory_key_padding_mask), norm("norm2"))
    return ops.sublayer(x, lambda t: feed_forward(t, p), norm("norm3"))


# --- Assignment 08: online softmax, tiled attention, a KV cache ------------------------------------------------------

def running_statistics(ops, scores: torch.Tensor, block_size: int):
    """The running maximum and sum of exp(score - maximum) over the last dimension, after each block."""
    running_max = torch.full((*scores.shape[:-1], 1), -torch.inf, dtype=scores.dtype)
    running_sum = torch.zeros_like(running_max)
    for start in range(0, scores.shape[-1], block_size):
        block = scores[..., start:start + block_size]
        new_max = torch.maximum(running_max, block.amax(dim=-1, keepdim=True))
        running_sum = ops.rescale_sum(running_sum, running_max, new_max) + torch.exp(block - new_max).sum(
            dim=-1, keepdim=True)
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
        new_max = torch.maximum(running_max, scores.amax(dim=-1, keepdim=True))
        weights = torch.exp(scores - new_max)
        running_sum = ops.rescale_sum(running_sum, running_max, new_max) + weights.sum(dim=-1, keepdim=True)
        output = ops.rescale_output(output, running_max, new_max) + weights @ values[..., start:stop, :]
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
        token = x[:, t:t + 1] + pe[ops.positions(cached_keys.shape[-2], 1)]
        query, key, value = (linear(token, p, name) for name in ("W_query", "W_key", "W_value"))
        keys, values = ops.attended(cached_keys, key), ops.attended(cached_values, value)
        cached_keys, cached_values = torch.cat([cached_keys, key], dim=-2), torch.cat([cached_values, value], dim=-2)
        weights = ops.softmax(ops.scale(ops.scores(query, keys), d_out))
        outputs.append(weights @ values)
    return torch.cat(outputs, dim=1)
