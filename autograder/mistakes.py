"""The catalog of named mistakes, and the operations they are slips of.

A check's reference is written once with the operations of :data:`OPERATIONS`, through an
:class:`Ops` (``ops.softmax(scores)``, ``ops.mask_fill(scores, ops.hide_future(n))``...). Each
catalogued mistake says which operation it gets wrong and how (its :class:`Slip`). Wherever a
reference uses an operation, every mistake about that operation is considered there, with no
registration check by check: :func:`variants` reruns the reference with the slip in place of the
operation (at each place it is used, and at all of them at once) and keeps the results that differ
from the right answer. A wrong answer equal to one of them names the mistake.

Some evidence is not a recomputed number: a warning the student's code raised (softmax without
``dim``), memory from ``torch.empty`` made visible by the probe, or a property that a check
observes (dropout left on in ``eval()``). The first two follow from the operation or the probe;
the last are detectors the property checks pass explicitly.

The catalog is the one place where mistakes are named and explained; docs/mistakes.md's table is
printed from here (``attention-kit mistakes``).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
import torch.nn.functional as F

from .checker.comparison import Mistake, close, error_signature

# ----------------------------------------------------------------------------------------- the operations

#: name -> the right way; a reference calls them through :class:`Ops`
OPERATIONS: dict[str, Callable] = {}


def operation(func: Callable) -> Callable:
    OPERATIONS[func.__name__] = func
    return func


@operation
def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Scores into weights along ``dim`` (the keys' axis: each query's weights sum to 1)."""
    return torch.softmax(x, dim=dim)


@operation
def normalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Scores divided by their sum: the simplest normalisation (assignment 01)."""
    return x / x.sum(dim=dim, keepdim=True)


@operation
def renormalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Masked weights divided by their row sums again, so that each row sums to 1."""
    return x / x.sum(dim=dim, keepdim=True)


@operation
def scores(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Row i holds query i's dot products with every key."""
    return queries @ keys.transpose(-2, -1)


@operation
def scale(scores: torch.Tensor, d_k: int, d_in: int | None = None) -> torch.Tensor:
    """Divide by sqrt(d_k), the keys' dimension (``d_in`` only serves the slip that uses it)."""
    return scores / d_k ** 0.5


@operation
def hide_future(n: int) -> torch.Tensor:
    """True where a query may not look: the keys after it."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


@operation
def keep_past(n: int) -> torch.Tensor:
    """1 where a query may look (itself and the keys before it), 0 elsewhere."""
    return torch.tril(torch.ones(n, n))


@operation
def mask_fill(scores: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """Hidden scores become -inf, so that softmax gives them a weight of exactly 0 (in place on a copy, so
    that shapes that do not fit fail as the notebooks' ``masked_fill_`` fails)."""
    return scores.clone().masked_fill_(hidden, float("-inf"))


@operation
def values_of(values: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
    """What the attention weights are applied to: the values (``inputs`` only serves the slip)."""
    return values


@operation
def sum_weighted(weighted_values: torch.Tensor) -> torch.Tensor:
    """weighted_values[i, j] is value j scaled by query i's weight: output i sums over j."""
    return weighted_values.sum(dim=1)


@operation
def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(b, tokens, d_out) -> (b, heads, tokens, head_dim)."""
    b, n, d = x.shape
    return x.view(b, n, num_heads, d // num_heads).transpose(1, 2)


@operation
def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(b, heads, tokens, head_dim) -> (b, tokens, d_out)."""
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


@operation
def out_proj(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """The linear layer that mixes the heads' outputs."""
    return F.linear(x, weight, bias)


@operation
def sublayer(x: torch.Tensor, layer: Callable, norm: Callable) -> torch.Tensor:
    """A post-norm residual block: norm(x + layer(x))."""
    return norm(x + layer(x))


@operation
def positional_encoding(num_positions: int, d_model: int) -> torch.Tensor:
    """The sinusoidal encoding, written out with loops and ``math`` (apart from any vector code)."""
    return _sinusoids(num_positions, d_model)


@operation
def padding_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """True at the padding positions of each sentence (PyTorch's convention for ``key_padding_mask``)."""
    return torch.arange(max_len)[None, :] >= lengths[:, None]


@operation
def on_keys(key_padding_mask: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """A (batch, num_keys) padding mask shaped to hide keys in scores of shape (batch, ..., queries, keys)."""
    batch, num_keys = key_padding_mask.shape
    return key_padding_mask.view(batch, *[1] * (scores.dim() - 2), num_keys)


@operation
def without_fully_masked(weights: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """Weights of a row whose every score is -inf (nan after softmax) set to 0: that query has nothing to attend to."""
    return weights.masked_fill(torch.isneginf(scores).all(dim=-1, keepdim=True), 0.0)


@operation
def cross_source(memory: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """What cross-attention computes keys and values from: the encoder's output (``x`` only serves the slip)."""
    return memory


@operation
def cross_hidden(num_queries: int, num_keys: int) -> torch.Tensor:
    """What cross-attention hides: nothing, every decoder token may look at every encoder token."""
    return torch.zeros(num_queries, num_keys, dtype=torch.bool)


@operation
def rescale_sum(running_sum: torch.Tensor, old_max: torch.Tensor, new_max: torch.Tensor) -> torch.Tensor:
    """An online softmax's running sum of exp(score - max), brought to a new running maximum."""
    return running_sum * torch.exp(old_max - new_max)


@operation
def rescale_output(output: torch.Tensor, old_max: torch.Tensor, new_max: torch.Tensor) -> torch.Tensor:
    """Tiled attention's accumulated (unnormalised) output, brought to a new running maximum."""
    return output * torch.exp(old_max - new_max)


@operation
def block_hidden(num_queries: int, key_start: int, key_stop: int) -> torch.Tensor:
    """True where query i may not look at key ``key_start + j`` of a block of keys: a later position."""
    return torch.arange(key_start, key_stop)[None, :] > torch.arange(num_queries)[:, None]


@operation
def attended(cached: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
    """What a new token attends to: the cached keys (or values) with its own appended first."""
    return torch.cat([cached, new], dim=-2)


@operation
def positions(start: int, count: int) -> torch.Tensor:
    """The positions of ``count`` new tokens that follow ``start`` cached ones."""
    return torch.arange(start, start + count)


def _sinusoids(num_positions: int, d_model: int, *, swapped: bool = False, exponent: str = "2i") -> torch.Tensor:
    table = [[0.0] * d_model for _ in range(num_positions)]
    for pos in range(num_positions):
        for column in range(d_model):
            pair = column // 2
            power = {"2i": 2 * pair, "i": pair, "column": column}[exponent]
            angle = pos / math.pow(10000.0, power / d_model)
            use_sin = (column % 2 == 0) != swapped
            table[pos][column] = math.sin(angle) if use_sin else math.cos(angle)
    return torch.tensor(table, dtype=torch.float64)


class ReferenceMismatch(AssertionError):
    """A check's reference disagrees with its expected value: a bug of the kit, which its tests catch."""


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


def _needs(value):
    if value is None:
        raise NotApplicable
    return value


# ----------------------------------------------------------------------------------------- the catalog

@dataclass(frozen=True)
class Slip:
    """A mistake written as an operation done wrong: ``op`` computed by ``wrong`` instead."""

    op: str
    wrong: Callable


@dataclass(frozen=True)
class CatalogEntry(Mistake):
    """A mistake, what it is a slip of, and the warning that gives it away (if any)."""

    slips: tuple[Slip, ...] = ()
    warning: str | None = None

    @property
    def ops(self) -> set[str]:
        return {s.op for s in self.slips}


def entry(id: str, title: str, explanation: str, fix: str, *slips: tuple[str, Callable],
          warning: str | None = None) -> CatalogEntry:
    return CatalogEntry(id, title, explanation, fix, tuple(Slip(op, wrong) for op, wrong in slips), warning)


#: the start of the warning PyTorch raises for softmax(x) without dim
IMPLICIT_SOFTMAX_DIM = "Implicit dimension choice for softmax"

CATALOG: list[CatalogEntry] = [
    # Normalising scores into weights
    entry("softmax_dim0", "softmax over dimension 0",
          "You applied softmax over dimension 0 (down each column), so it is not each query's weights that sum to "
          "1. The weights of a query lie along the last dimension, the keys.",
          "Use torch.softmax(scores, dim=-1) (the last dimension: across each row).",
          ("softmax", lambda x, dim=-1: torch.softmax(x, dim=0))),
    entry("softmax_no_dim", "softmax called without a dimension",
          "softmax(scores) without dim makes PyTorch guess the dimension (and warn about it); the guess depends "
          "on how many dimensions the tensor has, so the same code breaks as soon as a batch dimension appears.",
          "Always name it: softmax(scores, dim=-1).",
          ("softmax", lambda x, dim=-1: torch.softmax(x, dim=_implicit_softmax_dim(x))),
          warning=IMPLICIT_SOFTMAX_DIM),
    entry("sum_instead_of_softmax", "normalised by the sum instead of softmax",
          "You divided the scores by their sum. That also gives weights that add up to 1, but it is not softmax: "
          "softmax exponentiates first, which makes every weight positive and favours the largest scores.",
          "Use torch.softmax(scores, dim=-1), or exp(scores) divided by the sum of exp(scores).",
          ("softmax", lambda x, dim=-1: x / x.sum(dim=dim, keepdim=True))),
    entry("softmax_instead_of_sum", "softmax where the step asks for the sum",
          "This step asks for the simplest normalisation, each score divided by the sum of all scores; "
          "you used softmax, which exponentiates first.",
          "Return scores / scores.sum().",
          ("normalise", lambda x, dim=-1: torch.softmax(x, dim=dim))),
    entry("naive_softmax_overflow", "naive softmax overflows on large scores",
          "exp(x) of a large score (about 89 or more in float32) is inf, and inf / inf is nan: a hand-written "
          "exp(x) / sum(exp(x)) breaks exactly where torch.softmax does not (it subtracts the maximum first).",
          "Use torch.softmax(scores, dim=-1), or subtract scores.max() before exponentiating.",
          ("softmax", lambda x, dim=-1: torch.exp(x.float()) / torch.exp(x.float()).sum(dim=dim, keepdim=True))),
    entry("normalised_wrong_axis", "divided by the sums of the wrong axis",
          "Each query's weights (a row) must sum to 1, so each row is divided by its own sum. Dividing by the "
          "column sums (sum over dim=0) makes the columns sum to 1 instead.",
          "Divide by x.sum(dim=-1, keepdim=True).",
          ("normalise", lambda x, dim=-1: x / x.sum(dim=0, keepdim=True)),
          ("renormalise", lambda x, dim=-1: x / x.sum(dim=0, keepdim=True))),
    # Context vectors
    entry("empty_accumulator", "context vector accumulated into torch.empty",
          "torch.empty returns uninitialised memory: whatever bytes were there before. Adding the weighted inputs "
          "to it gives a right answer only when that memory happens to be zero.",
          "Start the sum from torch.zeros(...) (or torch.zeros_like(inputs[0]))."),
    entry("weights_on_inputs", "weights applied to the inputs instead of the values",
          "You multiplied the attention weights with the inputs x. With trainable weights, the context vector is "
          "the weighted sum of the value vectors (x @ W_value), not of the inputs.",
          "Use attn_weights @ values.",
          ("values_of", lambda values, inputs=None: _needs(inputs))),
    entry("weighted_sum_wrong_axis", "weighted values summed over the wrong axis",
          "weighted_values[i, j] is value j scaled by query i's weight for it. Output i is the sum over j (the "
          "values), dim=1; summing over dim=0 adds up the same value across different queries.",
          "Sum over the values: weighted_values.sum(dim=1).",
          ("sum_weighted", lambda weighted_values: weighted_values.sum(dim=0))),
    # Scores and scaling
    entry("keys_queries_swapped", "keys @ queries.T instead of queries @ keys.T",
          "Row i of the scores must belong to query i: scores = queries @ keys.T. keys @ queries.T is its "
          "transpose, so after softmax each row mixes the scores of different queries.",
          "Write queries @ keys.T (or keys.transpose(-2, -1) with batches).",
          ("scores", lambda queries, keys: keys @ queries.transpose(-2, -1))),
    entry("no_scaling", "scores not divided by sqrt(d_k)",
          "Scaled dot-product attention divides the scores by sqrt(d_k), the key dimension, before softmax. "
          "Without it, large dot products push softmax towards one-hot weights with tiny gradients.",
          "Use torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1).",
          ("scale", lambda scores, d_k, d_in=None: scores)),
    entry("scale_sqrt_d_in", "scaled by sqrt(d_in) instead of sqrt(d_k)",
          "You divided by the square root of the input dimension. The scale comes from the dimension of the "
          "vectors in the dot product: the keys' (and queries') dimension d_k = d_out.",
          "Divide by keys.shape[-1] ** 0.5.",
          ("scale", lambda scores, d_k, d_in=None: scores / _needs(d_in) ** 0.5)),
    entry("scale_d_k", "scaled by d_k instead of sqrt(d_k)",
          "You divided by d_k itself. The dot product of two d_k-dimensional vectors has a variance that grows "
          "like d_k, so its standard deviation grows like sqrt(d_k): that is what the scores are divided by.",
          "Divide by keys.shape[-1] ** 0.5, not by keys.shape[-1].",
          ("scale", lambda scores, d_k, d_in=None: scores / d_k)),
    entry("scale_sqrt_seq_len", "scaled by sqrt of the sequence length",
          "You divided by the square root of the number of tokens. The scale depends on the vector dimension "
          "d_k, not on how many tokens there are.",
          "Divide by keys.shape[-1] ** 0.5 (the last dimension of the keys).",
          ("scale", lambda scores, d_k, d_in=None: scores / scores.shape[-1] ** 0.5)),
    # Causal masks and dropout
    entry("mask_after_softmax_no_renorm", "mask applied after softmax without renormalising",
          "Zeroing the weights above the diagonal after softmax leaves rows that no longer sum to 1.",
          "Divide each masked row by its sum, or mask the scores with -inf before softmax.",
          ("renormalise", lambda x, dim=-1: x)),
    entry("mask_fill_zero", "scores masked with 0 instead of -inf",
          "A masked score of 0 still gets weight exp(0) = 1 in softmax, so future tokens keep some attention. "
          "Only -inf becomes a weight of exactly 0.",
          "Use scores.masked_fill(mask, -torch.inf).",
          ("mask_fill", lambda scores, hidden: scores.clone().masked_fill_(hidden, 0.0))),
    entry("mask_diagonal", "mask hides the diagonal too",
          "Your mask also hides each token from itself (triu without diagonal=1). A token may attend to itself "
          "and to earlier tokens; only later tokens are hidden.",
          "Use torch.triu(torch.ones(n, n), diagonal=1) for the positions to hide.",
          ("hide_future", lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=0)),
          ("keep_past", lambda n: torch.tril(torch.ones(n, n), diagonal=-1))),
    entry("mask_one_future", "mask lets one future token through",
          "Your mask is shifted by one: each token can still see the token right after it.",
          "Hide exactly the positions j > i: torch.triu(..., diagonal=1) (or keep torch.tril(...) with diagonal=0).",
          ("hide_future", lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=2)),
          ("keep_past", lambda n: torch.tril(torch.ones(n, n), diagonal=1))),
    entry("triu_tril_swapped", "triu and tril swapped",
          "You hid the past instead of the future: tokens attend to later tokens and not to earlier ones.",
          "tril keeps the lower triangle (the past, visible); triu(diagonal=1) marks the future (hidden).",
          ("hide_future", lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=-1)),
          ("hide_future", lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=1)),
          ("keep_past", lambda n: torch.triu(torch.ones(n, n)))),
    entry("dropout_at_eval", "dropout active in evaluation mode",
          "Dropout must only act while training. In eval() mode the module must be deterministic.",
          "Use an nn.Dropout module (it switches off in eval()), not F.dropout with training=True."),
    entry("dropout_on_scores", "dropout applied to the scores instead of the weights",
          "Dropout belongs on the attention weights, after softmax; dropping scores before softmax changes "
          "which tokens are attended to in a different way.",
          "Apply self.dropout(attn_weights) after the softmax."),
    # Multi-head attention
    entry("heads_no_transpose", "heads split with view but not transposed",
          "After view(b, num_tokens, num_heads, head_dim) the heads must move before the tokens with "
          "transpose(1, 2); otherwise the matrix products mix tokens and heads.",
          "queries = queries.view(b, n, h, d).transpose(1, 2) (likewise keys and values).",
          ("split_heads", lambda x, num_heads: x.reshape(x.shape[0], num_heads, x.shape[1], -1)),
          ("split_heads", lambda x, num_heads: x.reshape(*x.shape[:2], num_heads, -1))),
    entry("heads_merged_wrong_order", "heads merged in the wrong order",
          "When merging, transpose back to (b, num_tokens, num_heads, head_dim) before view(b, num_tokens, d_out); "
          "viewing straight from (b, num_heads, num_tokens, head_dim) scrambles tokens and heads.",
          "context.transpose(1, 2).contiguous().view(b, num_tokens, d_out).",
          ("merge_heads", lambda x: x.reshape(x.shape[0], x.shape[2], -1))),
    entry("missing_out_proj", "output projection missing",
          "Multi-head attention ends with a linear layer (out_proj) that mixes the heads' outputs.",
          "Return self.out_proj(context_vec).",
          ("out_proj", lambda x, weight, bias: x)),
    # Transformer encoder
    entry("pe_sin_cos_swapped", "positional encoding with sin and cos swapped",
          "Even dimensions use sin and odd dimensions use cos: PE[pos, 2i] = sin(...), PE[pos, 2i+1] = cos(...).",
          "Put torch.sin on the even columns (0::2) and torch.cos on the odd columns (1::2).",
          ("positional_encoding", lambda n, d: _sinusoids(n, d, swapped=True))),
    entry("pe_wrong_exponent", "positional encoding with the wrong frequency exponent",
          "The frequencies are 1 / 10000^(2i / d_model), where 2i is the even dimension index; using i / d_model "
          "gives the wrong wavelengths.",
          "Use torch.arange(0, d_model, 2) / d_model as the exponent.",
          ("positional_encoding", lambda n, d: _sinusoids(n, d, exponent="i")),
          ("positional_encoding", lambda n, d: _sinusoids(n, d, exponent="column"))),
    entry("pre_norm_instead_of_post", "layer norm before the residual (pre-norm) where post-norm is asked",
          "This exercise asks for post-norm: x = LayerNorm(x + sublayer(x)). You normalised the input of the "
          "sub-layer instead (x + sublayer(LayerNorm(x))).",
          "Add the residual first, then normalise: self.norm1(x + self.dropout(self.attn(x))).",
          ("sublayer", lambda x, layer, norm: x + layer(norm(x)))),
    entry("missing_residual", "residual connection missing",
          "Each sub-layer's output is added to its input before the layer norm: LayerNorm(x + sublayer(x)). "
          "Without the x +, the layer loses the information it was given.",
          "Use self.norm(x + self.dropout(sublayer(x))).",
          ("sublayer", lambda x, layer, norm: norm(layer(x)))),
    # Padding, fully masked rows, cross-attention and the decoder
    entry("padding_mask_inverted", "padding mask True at the real tokens",
          "A key padding mask is True where a position is padding (the positions to hide), as PyTorch's "
          "key_padding_mask is. Yours is True at the real tokens, so attention hides the words and looks at the "
          "padding.",
          "Mark the padding: torch.arange(max_len)[None, :] >= lengths[:, None].",
          ("padding_mask", lambda lengths, max_len: torch.arange(max_len)[None, :] < lengths[:, None])),
    entry("padding_mask_on_queries", "padding mask applied to the queries instead of the keys",
          "The padding mask must hide padding *keys*: the last axis of the scores, so that no query looks at a "
          "padding token. You put it on the query axis, which blanks the rows of the padding queries (nan after "
          "softmax) and lets every real token attend to the padding.",
          "Put the mask's token axis on the keys: key_padding_mask[:, None, None, :] for scores of shape "
          "(batch, heads, queries, keys).",
          ("on_keys", _on_queries)),
    entry("padding_mask_wrong_batch_axis", "padding mask broadcast over the wrong dimension",
          "A (batch, num_keys) mask must line up with the batch axis of the scores. Without enough new axes, "
          "broadcasting lines it up from the right: sentence i's mask lands on head i (or on query i), and "
          "each sentence is masked with another sentence's padding. It only runs without an error when the "
          "sizes happen to agree.",
          "Index it as key_padding_mask[:, None, None, :] for scores of shape (batch, heads, queries, keys).",
          ("on_keys", lambda key_padding_mask, scores: key_padding_mask),
          ("on_keys", lambda key_padding_mask, scores: key_padding_mask[:, None, :])),
    entry("fully_masked_nan", "nan from rows with every key masked",
          "When every key of a row is masked, softmax divides 0 by 0 and the whole row becomes nan; the nan then "
          "spreads through every later layer (and into the loss and its gradients).",
          "Set the weights of such rows to 0: weights.masked_fill(torch.isneginf(scores).all(dim=-1, "
          "keepdim=True), 0.0) (your safe_softmax).",
          ("without_fully_masked", lambda weights, scores: weights)),
    entry("cross_attention_self_keys", "cross-attention keys and values taken from the decoder",
          "In cross-attention only the queries come from the decoder's tokens; the keys and values come from the "
          "encoder's output (the memory). Taking them from the decoder makes it self-attention: the decoder never "
          "looks at the source sentence.",
          "keys = self.W_key(memory) and values = self.W_value(memory); queries = self.W_query(x).",
          ("cross_source", lambda memory, x: x)),
    entry("cross_attention_causal", "causal mask applied in cross-attention",
          "The causal mask hides a decoder token's *own* future tokens, so it belongs to the decoder's "
          "self-attention. In cross-attention every decoder token may look at the whole source sentence: the "
          "encoder's output has no future to hide.",
          "In cross-attention use only the memory's padding mask (padded_attention), no causal mask.",
          ("cross_hidden", lambda num_queries, num_keys: torch.triu(
              torch.ones(num_queries, num_keys, dtype=torch.bool), diagonal=1))),
    # Efficient attention: online softmax, tiled attention, a KV cache
    entry("online_sum_not_rescaled", "running sum not rescaled when the maximum changes",
          "The running sum holds exp(score - m) with the maximum m known so far. When a block brings a larger "
          "maximum, the old terms must be brought to the new one: multiplied by exp(m_old - m_new). Without it "
          "the sum is too large and the weights too small.",
          "running_sum = running_sum * torch.exp(running_max - new_max) + torch.exp(block - new_max).sum(...).",
          ("rescale_sum", lambda running_sum, old_max, new_max: running_sum)),
    entry("online_output_not_rescaled", "accumulated output not rescaled when the maximum changes",
          "The accumulated output holds the values weighted by exp(score - m) with the maximum m known so far. "
          "When a block brings a larger maximum, what was accumulated must be multiplied by exp(m_old - m_new), "
          "as the running sum is; otherwise the earlier blocks weigh too much.",
          "output = output * torch.exp(running_max - new_max) + weights @ values_block.",
          ("rescale_output", lambda output, old_max, new_max: output)),
    entry("causal_block_offset", "causal mask of a block placed as if the block started at key 0",
          "In a block of keys that starts at position start, key j of the block is token start + j. You compared "
          "the queries with the block's own indices 0, 1, ..., so every block after the first hides the wrong keys "
          "and lets queries see their future.",
          "Hide key start + j from query i when start + j > i: torch.arange(start, stop)[None, :] > "
          "torch.arange(num_queries)[:, None].",
          ("block_hidden", _local_block_hidden)),
    entry("cache_updated_after_attention", "KV cache updated after the attention instead of before",
          "The new token must attend to itself too, so its key and value go into the cache before the attention. "
          "Attending first and appending afterwards leaves the token blind to itself (the first token attends "
          "to nothing at all).",
          "Append the new key and value to the cache first, then attend over the whole cache.",
          ("attended", lambda cached, new: cached)),
    entry("cache_position_offset", "new tokens encoded at position 0 instead of their own position",
          "A generated token's position is the number of tokens before it (the length of the cache), not 0. "
          "Slicing the positional encoding with [:num_new_tokens], as the full forward pass does, gives every new "
          "token the encoding of position 0.",
          "Use the positions after the cache: pe[cached_length:cached_length + num_new_tokens].",
          ("positions", lambda start, count: torch.arange(count))),
]

BY_ID: dict[str, CatalogEntry] = {m.id: m for m in CATALOG}
assert all(s.op in OPERATIONS for m in CATALOG for s in m.slips), "a slip of an unknown operation"


# ----------------------------------------------------------------------------------------- references and variants

class Ops:
    """The operations a reference is written with.

    Every call is recorded (which operations a reference uses, in order), and ``slip`` can
    replace one operation: at its ``at``-th use, or at every use when ``at`` is None.
    """

    def __init__(self, slip: Slip | None = None, at: int | None = None):
        self.slip, self.at, self.uses = slip, at, []

    def __getattr__(self, name: str) -> Callable:
        if name not in OPERATIONS:
            raise AttributeError(f"{name!r} is not an operation of autograder.mistakes")

        def run(*args, **kwargs):
            index = self.uses.count(name)
            self.uses.append(name)
            if self.slip is not None and self.slip.op == name and self.at in (None, index):
                return self.slip.wrong(*args, **kwargs)
            return OPERATIONS[name](*args, **kwargs)

        return run


#: what a reference is: a function of the operations that returns the check's right answer
Reference = Callable[[Ops], torch.Tensor]


def uses(reference: Reference) -> Counter:
    """How many times the reference uses each operation."""
    recorder = Ops()
    reference(recorder)
    return Counter(recorder.uses)


def variants(reference: Reference, expected: torch.Tensor, atol: float = 1e-4, rtol: float = 0.0,
             consistent: bool = True) -> Iterator[tuple[CatalogEntry, object]]:
    """The known wrong answers on the reference's own inputs, lazily: each catalogued slip of an
    operation the reference uses, at each place it is used and at all of them.

    A variant equal to the right answer is no evidence and is left out. A variant whose computation
    raises is kept as the signature of its error: code that raises the same error likely has that
    mistake (a head split without transpose can make the attention's shapes clash).
    """
    recorder = Ops()
    right = reference(recorder).detach().to(torch.float64)
    counts, expected = Counter(recorder.uses), expected.detach().to(torch.float64)
    if consistent and not close(right, expected, max(atol, 1e-4), max(rtol, 1e-4), equal_nan=True):
        raise ReferenceMismatch(f"the check's reference gives {right.tolist()}, not its expected value")
    for mistake in CATALOG:
        for slip in mistake.slips:
            count = counts.get(slip.op, 0)
            for at in ([None] if count == 1 else [*range(count), None]) if count else []:
                try:
                    wrong = reference(Ops(slip, at))
                except NotApplicable:
                    continue
                except (RuntimeError, ValueError, IndexError, TypeError) as exc:
                    yield mistake, error_signature(type(exc).__name__, str(exc))
                    continue
                wrong = wrong.detach().to(torch.float64)
                if not close(wrong, expected, atol, rtol, equal_nan=True):
                    yield mistake, wrong


def warned_mistakes(reference: Reference) -> list[CatalogEntry]:
    """Mistakes a warning gives away, about an operation this reference uses."""
    used = set(uses(reference))
    return [m for m in CATALOG if m.warning and m.ops & used]

