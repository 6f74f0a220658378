"""The operations a reference is written with, each the right way: the catalogued mistakes are slips of them
(:mod:`.slips`), and an :class:`~autograder.mistakes.engine.Ops` runs them. An operation may also say what kind it
is (:data:`KINDS`: a reduction with its ``dim``, a matrix product of two operands, a mask or position with its
``offset``, a scale with its size ``d_k``): a family of mistakes (:mod:`.families`) is tried wherever its kind is
used."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

#: name -> the right way; a reference calls them through :class:`Ops`
OPERATIONS: dict[str, Callable] = {}
#: name -> its kind ("reduction", "product", "offset" or "size"), for the operations a family of mistakes applies to
KINDS: dict[str, str] = {}


def operation(func: Callable | None = None, *, kind: str | None = None):
    """Register ``func`` as an operation (``@operation``), of a kind (``@operation(kind="reduction")``)."""

    def register(func: Callable) -> Callable:
        OPERATIONS[func.__name__] = func
        if kind:
            KINDS[func.__name__] = kind
        return func

    return register(func) if func is not None else register


@operation(kind="reduction")
def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Scores into weights along ``dim`` (the keys' axis: each query's weights sum to 1)."""
    return torch.softmax(x, dim=dim)


@operation(kind="reduction")
def normalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Scores divided by their sum: the simplest normalisation (assignment 01)."""
    return x / x.sum(dim=dim, keepdim=True)


@operation(kind="reduction")
def renormalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Masked weights divided by their row sums again, so that each row sums to 1."""
    return x / x.sum(dim=dim, keepdim=True)


@operation(kind="product")
def scores(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Row i holds query i's dot products with every key."""
    return queries @ keys.transpose(-2, -1)


@operation(kind="size")
def scale(scores: torch.Tensor, d_k: int, d_in: int | None = None) -> torch.Tensor:
    """Divide by sqrt(d_k), the keys' dimension (``d_in`` only serves the slip that uses it)."""
    return scores / d_k**0.5


@operation(kind="offset")
def hide_future(n: int, offset: int = 1) -> torch.Tensor:
    """True where a query may not look: the keys after it (from ``offset`` above the diagonal)."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=offset)


@operation(kind="offset")
def keep_past(n: int, offset: int = 0) -> torch.Tensor:
    """1 where a query may look (itself and the keys before it: up to ``offset`` from the diagonal), 0 elsewhere."""
    return torch.tril(torch.ones(n, n), diagonal=offset)


@operation
def mask_fill(scores: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """Hidden scores become -inf, so that softmax gives them a weight of exactly 0 (in place on a copy, so
    that shapes that do not fit fail as the notebooks' ``masked_fill_`` fails)."""
    return scores.clone().masked_fill_(hidden, float("-inf"))


@operation
def values_of(values: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
    """What the attention weights are applied to: the values (``inputs`` only serves the slip)."""
    return values


@operation(kind="reduction")
def sum_weighted(weighted_values: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """weighted_values[i, j] is value j scaled by query i's weight: output i sums over j (``dim`` 1)."""
    return weighted_values.sum(dim=dim)


@operation(kind="reduction")
def reduce_max(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """The maximum along ``dim``, kept as a dimension of size 1 (an online softmax's block maximum)."""
    return x.amax(dim=dim, keepdim=True)


@operation(kind="reduction")
def reduce_sum(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """The sum along ``dim``, kept as a dimension of size 1 (an online softmax's block sum)."""
    return x.sum(dim=dim, keepdim=True)


@operation(kind="product")
def matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The matrix product a @ b (the weights applied to the values)."""
    return a @ b


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
    return sinusoid_table(num_positions, d_model)


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


@operation(kind="offset")
def block_hidden(num_queries: int, key_start: int, key_stop: int, offset: int = 0) -> torch.Tensor:
    """True where query i may not look at key ``key_start + j`` of a block of keys: a later position (``offset``:
    how many later positions it may still see)."""
    return torch.arange(key_start, key_stop)[None, :] > torch.arange(num_queries)[:, None] + offset


@operation
def attended(cached: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
    """What a new token attends to: the cached keys (or values) with its own appended first."""
    return torch.cat([cached, new], dim=-2)


@operation(kind="offset")
def positions(start: int, count: int, offset: int = 0) -> torch.Tensor:
    """The positions of ``count`` new tokens that follow ``start`` cached ones (shifted by ``offset``)."""
    return torch.arange(start + offset, start + offset + count)


@operation
def rope_frequencies(dim: int, base: float = 10000.0) -> torch.Tensor:
    """Rotary embeddings' angle per position for each of the dim / 2 pairs: base^(-2i / dim)."""
    return base ** (-torch.arange(0, dim, 2) / dim)


@operation
def rotate(x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Rotary embeddings in the split-halves layout (Llama's ``rotate_half``): dimension i is paired with
    i + d/2, and pair i of the token at row t turns by ``angles[t, i]``."""
    half = x.shape[-1] // 2
    x1, x2, cos, sin = x[..., :half], x[..., half:], torch.cos(angles), torch.sin(angles)
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


@operation
def unrotated_values(values: torch.Tensor, rotated: Callable[[], torch.Tensor]) -> torch.Tensor:
    """Rotary embeddings turn the queries and keys only: the values stay as projected (``rotated`` serves the
    slip)."""
    return values


@operation
def repeat_kv(x: torch.Tensor, group_size: int) -> torch.Tensor:
    """(b, kv_heads, tokens, d) -> (b, kv_heads * group_size, tokens, d): each key/value head serves the
    ``group_size`` consecutive query heads of its group."""
    return x.repeat_interleave(group_size, dim=1)


@operation
def window_hidden(n: int, window: int) -> torch.Tensor:
    """True where query i may not look: the keys after it and those ``window`` or more positions before it (it
    sees the last ``window`` tokens, itself included)."""
    distance = torch.arange(n)[:, None] - torch.arange(n)[None, :]
    return (distance < 0) | (distance >= window)


@operation
def kv_cache_bytes(layers: int, kv_heads: int, head_dim: int, tokens: int, batch: int, bytes_per: int) -> torch.Tensor:
    """The KV cache's size: a key and a value vector per layer, key/value head, token and sequence."""
    return torch.tensor(float(2 * layers * kv_heads * head_dim * tokens * batch * bytes_per), dtype=torch.float64)


def sinusoid_table(num_positions: int, d_model: int, *, swapped: bool = False, exponent: str = "2i") -> torch.Tensor:
    """The sinusoidal table in float64, the right one or with a slip (sin and cos swapped, another exponent)."""
    table = [[0.0] * d_model for _ in range(num_positions)]
    for pos in range(num_positions):
        for column in range(d_model):
            pair = column // 2
            power = {"2i": 2 * pair, "i": pair, "column": column}[exponent]
            angle = pos / math.pow(10000.0, power / d_model)
            use_sin = (column % 2 == 0) != swapped
            table[pos][column] = math.sin(angle) if use_sin else math.cos(angle)
    return torch.tensor(table, dtype=torch.float64)
