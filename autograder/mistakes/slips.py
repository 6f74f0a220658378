"""How each catalogued mistake is made: the operation it gets wrong and the wrong way it computes it (a slip), and
the warning that gives a mistake away. The texts that explain them are data, in :mod:`.catalogue`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .operations import sinusoid_table


@dataclass(frozen=True)
class Slip:
    """A mistake written as an operation done wrong: ``op`` computed by ``wrong`` instead."""

    op: str
    wrong: Callable


class NotApplicable(Exception):
    """A slip that cannot happen in this call (it needs an input the reference does not have)."""


def _implicit_softmax_dim(x: torch.Tensor) -> int:
    """The dimension PyTorch picks (with a warning) for softmax(x) without dim."""
    return 0 if x.dim() in (0, 1, 3) else 1


def _on_queries(key_padding_mask: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    if scores.dim() < 3:
        raise NotApplicable
    batch, num_keys = key_padding_mask.shape
    return key_padding_mask.view(batch, *[1] * (scores.dim() - 3), num_keys, 1)


def _local_block_hidden(num_queries: int, key_start: int, key_stop: int) -> torch.Tensor:
    return torch.arange(key_stop - key_start)[None, :] > torch.arange(num_queries)[:, None]


def _interleaved_rotate(x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Rotary embeddings in the interleaved layout (RoFormer's): dimension 2i is paired with 2i + 1."""
    even, odd, cos, sin = x[..., 0::2], x[..., 1::2], torch.cos(angles), torch.sin(angles)
    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)


def _distances(n: int) -> torch.Tensor:
    return torch.arange(n)[:, None] - torch.arange(n)[None, :]


def _needs(value):
    if value is None:
        raise NotApplicable
    return value


#: the start of the warning PyTorch raises for softmax(x) without dim
IMPLICIT_SOFTMAX_DIM = "Implicit dimension choice for softmax"

#: mistake id -> the warning that gives it away (the code raised it while the check ran)
WARNINGS = {"softmax_no_dim": IMPLICIT_SOFTMAX_DIM}

#: mistake id -> its slips, (operation, the wrong way); a mistake without slips is found by other evidence
SLIPS: dict[str, tuple[tuple[str, Callable], ...]] = {
    # Normalising scores into weights
    "softmax_dim0": (("softmax", lambda x, dim=-1: torch.softmax(x, dim=0)),),
    "softmax_no_dim": (("softmax", lambda x, dim=-1: torch.softmax(x, dim=_implicit_softmax_dim(x))),),
    "sum_instead_of_softmax": (("softmax", lambda x, dim=-1: x / x.sum(dim=dim, keepdim=True)),),
    "softmax_instead_of_sum": (("normalise", lambda x, dim=-1: torch.softmax(x, dim=dim)),),
    "naive_softmax_overflow": (
        ("softmax", lambda x, dim=-1: torch.exp(x.float()) / torch.exp(x.float()).sum(dim=dim, keepdim=True)),
    ),
    "normalised_wrong_axis": (
        ("normalise", lambda x, dim=-1: x / x.sum(dim=0, keepdim=True)),
        ("renormalise", lambda x, dim=-1: x / x.sum(dim=0, keepdim=True)),
    ),
    # Context vectors
    "weights_on_inputs": (("values_of", lambda values, inputs=None: _needs(inputs)),),
    "weighted_sum_wrong_axis": (("sum_weighted", lambda weighted_values: weighted_values.sum(dim=0)),),
    # Scores and scaling
    "keys_queries_swapped": (("scores", lambda queries, keys: keys @ queries.transpose(-2, -1)),),
    "no_scaling": (("scale", lambda scores, d_k, d_in=None: scores),),
    "scale_sqrt_d_in": (("scale", lambda scores, d_k, d_in=None: scores / _needs(d_in) ** 0.5),),
    "scale_d_k": (("scale", lambda scores, d_k, d_in=None: scores / d_k),),
    "scale_sqrt_seq_len": (("scale", lambda scores, d_k, d_in=None: scores / scores.shape[-1] ** 0.5),),
    # Causal masks and dropout
    "mask_after_softmax_no_renorm": (("renormalise", lambda x, dim=-1: x),),
    "mask_fill_zero": (("mask_fill", lambda scores, hidden: scores.clone().masked_fill_(hidden, 0.0)),),
    "mask_diagonal": (
        ("hide_future", lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=0)),
        ("keep_past", lambda n: torch.tril(torch.ones(n, n), diagonal=-1)),
    ),
    "mask_one_future": (
        ("hide_future", lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=2)),
        ("keep_past", lambda n: torch.tril(torch.ones(n, n), diagonal=1)),
    ),
    "triu_tril_swapped": (
        ("hide_future", lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=-1)),
        ("hide_future", lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=1)),
        ("keep_past", lambda n: torch.triu(torch.ones(n, n))),
    ),
    # Multi-head attention
    "heads_no_transpose": (
        ("split_heads", lambda x, num_heads: x.reshape(x.shape[0], num_heads, x.shape[1], -1)),
        ("split_heads", lambda x, num_heads: x.reshape(*x.shape[:2], num_heads, -1)),
    ),
    "heads_merged_wrong_order": (("merge_heads", lambda x: x.reshape(x.shape[0], x.shape[2], -1)),),
    "missing_out_proj": (("out_proj", lambda x, weight, bias: x),),
    # Transformer encoder
    "pe_sin_cos_swapped": (("positional_encoding", lambda n, d: sinusoid_table(n, d, swapped=True)),),
    "pe_wrong_exponent": (
        ("positional_encoding", lambda n, d: sinusoid_table(n, d, exponent="i")),
        ("positional_encoding", lambda n, d: sinusoid_table(n, d, exponent="column")),
    ),
    "pre_norm_instead_of_post": (("sublayer", lambda x, layer, norm: x + layer(norm(x))),),
    "missing_residual": (("sublayer", lambda x, layer, norm: norm(layer(x))),),
    # Padding, fully masked rows, cross-attention and the decoder
    "padding_mask_inverted": (
        ("padding_mask", lambda lengths, max_len: torch.arange(max_len)[None, :] < lengths[:, None]),
    ),
    "padding_mask_on_queries": (("on_keys", _on_queries),),
    "padding_mask_wrong_batch_axis": (
        ("on_keys", lambda key_padding_mask, scores: key_padding_mask),
        ("on_keys", lambda key_padding_mask, scores: key_padding_mask[:, None, :]),
    ),
    "fully_masked_nan": (("without_fully_masked", lambda weights, scores: weights),),
    "cross_attention_self_keys": (("cross_source", lambda memory, x: x),),
    "cross_attention_causal": (
        (
            "cross_hidden",
            lambda num_queries, num_keys: torch.triu(torch.ones(num_queries, num_keys, dtype=torch.bool), diagonal=1),
        ),
    ),
    # Efficient attention: online softmax, tiled attention, a KV cache
    "online_sum_not_rescaled": (("rescale_sum", lambda running_sum, old_max, new_max: running_sum),),
    "online_output_not_rescaled": (("rescale_output", lambda output, old_max, new_max: output),),
    "causal_block_offset": (("block_hidden", _local_block_hidden),),
    "cache_updated_after_attention": (("attended", lambda cached, new: cached),),
    "cache_position_offset": (("positions", lambda start, count: torch.arange(count)),),
    # Modern attention: rotary embeddings, grouped-query attention, sliding windows
    "rope_on_values": (("unrotated_values", lambda values, rotated: rotated()),),
    "rope_interleaved": (("rotate", _interleaved_rotate),),
    "rope_wrong_exponent": (("rope_frequencies", lambda dim, base=10000.0: base ** (-torch.arange(dim // 2) / dim)),),
    "kv_heads_tiled": (("repeat_kv", lambda x, group_size: x.repeat(1, group_size, 1, 1)),),
    "window_off_by_one": (
        ("window_hidden", lambda n, window: (_distances(n) < 0) | (_distances(n) > window)),
        ("window_hidden", lambda n, window: (_distances(n) < 0) | (_distances(n) >= window - 1)),
    ),
    "window_not_causal": (
        ("window_hidden", lambda n, window: _distances(n) >= window),
        ("window_hidden", lambda n, window: _distances(n).abs() >= window),
    ),
    "kv_cache_keys_only": (
        (
            "kv_cache_bytes",
            lambda layers, kv_heads, head_dim, tokens, batch, bytes_per: torch.tensor(
                float(layers * kv_heads * head_dim * tokens * batch * bytes_per), dtype=torch.float64
            ),
        ),
    ),
}
