"""Reference solutions of assignment 04: causal attention on projected inputs (which 05's heads use too)."""

from __future__ import annotations


def masked_scores(ops, attn_scores, num_tokens=None):
    """The scores with -inf where a query may not look (``num_tokens``: the input's length, as the module reads it)."""
    return ops.mask_fill(attn_scores, ops.hide_future(num_tokens or attn_scores.shape[-1]))


def causal_weights(ops, attn_scores, d_k, num_tokens=None):
    return ops.softmax(ops.scale(masked_scores(ops, attn_scores, num_tokens), d_k))


def attend(ops, queries, keys, values, inputs=None, num_tokens=None):
    """Causal attention on projected queries/keys/values of shape (..., tokens, d)."""
    weights = causal_weights(ops, ops.scores(queries, keys), keys.shape[-1], num_tokens)
    return ops.matmul(weights, ops.values_of(values, inputs=inputs))


def renormalised(ops, attn_weights):
    """Weights masked after softmax, each row divided by its new sum."""
    return ops.renormalise(attn_weights * ops.keep_past(attn_weights.shape[-1]))
