"""Reference solutions of assignment 07: padding, fully masked rows, cross-attention, a decoder layer."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import (  # noqa: F401  (split_heads: the worked values'; ATTENTION_NAMES: the checks')
    ATTENTION_NAMES,
    LN_EPS,
    feed_forward,
    linear,
    load_attention,
    merge_heads,
    split_heads,
)


def attention(
    ops, queries, keys, values, hidden=None, key_padding_mask=None, safe=False, scores_of=None
) -> torch.Tensor:
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
    return ops.matmul(weights, values)


def safe_softmax(ops, scores: torch.Tensor) -> torch.Tensor:
    return ops.without_fully_masked(ops.softmax(scores), scores)


def causal_padded_attention(ops, queries, keys, values, key_padding_mask=None) -> torch.Tensor:
    return attention(
        ops,
        queries,
        keys,
        values,
        hidden=ops.hide_future(queries.shape[-2]),
        key_padding_mask=key_padding_mask,
        safe=True,
    )


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
    context = attention(
        ops, queries, keys, values, hidden=hidden, key_padding_mask=memory_key_padding_mask, scores_of=plain_scores
    )
    return ops.out_proj(merge_heads(context), p["out_proj.weight"], p.get("out_proj.bias"))


def plain_scores(queries, keys) -> torch.Tensor:
    """Cross-attention's scores, computed by the student's padded_attention. Swapping queries and keys there is named
    by padded_attention's own checks; in cross-attention it raises the very error that keys taken from the decoder
    raise (the memory's padding mask meets the decoder's length), so it is not looked for here."""
    return queries @ keys.transpose(-2, -1)


def prefixed(p: dict, prefix: str) -> dict:
    return {key[len(prefix) :]: value for key, value in p.items() if key.startswith(prefix)}


def decoder_layer(
    ops, x, memory, p: dict, num_heads: int, tgt_key_padding_mask=None, memory_key_padding_mask=None
) -> torch.Tensor:
    """Post-norm: masked self-attention, cross-attention and the feed-forward network, each as norm(x + sublayer(x))
    (dropout off). ``p`` names the weights as nn.TransformerDecoderLayer's parts: self_attn.*, cross_attn.*,
    linear1/linear2, norm1/norm2/norm3."""

    def norm(name: str):
        return lambda t: F.layer_norm(t, t.shape[-1:], p[f"{name}.weight"], p[f"{name}.bias"], eps=LN_EPS)

    x = ops.sublayer(
        x,
        lambda t: causal_self_attention(ops, t, prefixed(p, "self_attn."), num_heads, tgt_key_padding_mask),
        norm("norm1"),
    )
    x = ops.sublayer(
        x,
        lambda t: cross_attention(ops, t, memory, prefixed(p, "cross_attn."), num_heads, memory_key_padding_mask),
        norm("norm2"),
    )
    return ops.sublayer(x, lambda t: feed_forward(t, p), norm("norm3"))


# PyTorch's own modules and functions, holding the student's weights: what the hidden checks compare with

NORM_NAMES = ("norm1", "norm2", "norm3")


def torch_attention(case: dict, hidden: torch.Tensor | None = None, causal: bool = False) -> torch.Tensor:
    """PyTorch's scaled_dot_product_attention; its boolean attn_mask is True where a query may look."""
    return F.scaled_dot_product_attention(
        case["queries"], case["keys"], case["values"], attn_mask=None if hidden is None else ~hidden, is_causal=causal
    )


def torch_cross_attention(params: dict, x, memory, num_heads: int, mask) -> torch.Tensor:
    d_model, d_memory = params["W_key.weight"].shape
    with torch.random.fork_rng(devices=[]):  # building a module draws random weights: leave the student's RNG alone
        reference = nn.MultiheadAttention(d_model, num_heads, kdim=d_memory, vdim=d_memory, batch_first=True)
    load_attention(reference, params)
    with torch.no_grad():
        return reference.eval()(x, memory, memory, key_padding_mask=mask, need_weights=False)[0]


def torch_decoder_layer(params: dict, num_heads: int) -> nn.TransformerDecoderLayer:
    """PyTorch's own post-norm decoder layer, holding the student's weights."""
    d_ff, d_model = params["linear1.weight"].shape
    with torch.random.fork_rng(devices=[]):
        reference = nn.TransformerDecoderLayer(
            d_model, num_heads, dim_feedforward=d_ff, dropout=0.0, activation="relu", batch_first=True, norm_first=False
        )
    load_attention(reference.self_attn, prefixed(params, "self_attn."))
    load_attention(reference.multihead_attn, prefixed(params, "cross_attn."))
    with torch.no_grad():
        for name in ("linear1", "linear2", *NORM_NAMES):
            getattr(reference, name).weight.copy_(params[f"{name}.weight"])
            getattr(reference, name).bias.copy_(params[f"{name}.bias"])
    return reference.eval()
