"""Checks of assignment 08: online softmax, tiled (FlashAttention-style) attention, a KV cache.

Public checks call the student's functions on the worked example (seeded scores, queries, keys and values, blocks
of 4) and compare with the kit's worked values. Hidden checks use other shapes and block sizes that do not divide
the length (and one larger than it), and compare with PyTorch: ``torch.softmax`` and
``scaled_dot_product_attention`` with and without ``is_causal``. The scores of the online softmax grow along each
row, so that the running maximum changes from block to block, where a missing rescale shows.

``KVCacheAttention``'s constructor, its full (uncached) forward pass and the loop that feeds it one token at a time
are given; the student writes ``step``. Its public check builds it with the worked example's seed; the hidden check
builds it with other sizes and compares every step's output with PyTorch's causal attention recomputed from scratch
on the student's own projections of the tokens plus their positional encoding.

The numbers cannot tell the algorithm from its shortcuts (``torch.softmax``, ``scaled_dot_product_attention``, the
whole score matrix, a cache that recomputes the prefix give them too), so each hidden check also observes one call
of the student's code (:func:`expect_computation`): what it reduced over, which tensors it built, how many rows its
projections saw. Its sizes are all different (3 rows, 12 queries, 40 keys, features 4, blocks of 8), so that a size
in the record says which axis it is.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..authoring import (
    BY_ID,
    HIDDEN_TOL,
    Assignment,
    Computation,
    call,
    expect,
    expect_computation,
    expect_tensor,
    module,
    rand,
    randn,
    student_linear,
)
from ..references import efficient_attention as references
from ..worked_values import efficient_attention as worked

ASSIGNMENT = Assignment("08_efficient_attention", "Efficient attention: online softmax, tiles and a KV cache")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check


# --- Step 1: online softmax ---------------------------------------------------------------------------------------

ONLINE_HINT = (
    "keep a running maximum m and a running sum s of exp(score - m); for each block, m_new = max(m, "
    "block max), s = s * exp(m - m_new) + sum(exp(block - m_new)); at the end, exp(scores - m) / s."
)


@public("online_softmax", points=1, todo="Online softmax: running maximum and sum over blocks")
def check_online_softmax():
    scores, block_size = worked.SCORES, worked.BLOCK_SIZE
    return [
        call("online_softmax", scores, block_size),
        expect(
            worked.ONLINE_SOFTMAX,
            what="online_softmax of the 2x10 scores in blocks of 4",
            hint=ONLINE_HINT,
            reference=lambda ops: references.online_softmax(ops, scores, block_size),
        ),
    ]


#: the observed calls' sizes, all different so that a size in the record says which axis it is: rows of scores (or
#: the batch), queries, keys, features, block
ROWS, QUERIES, KEYS, FEATURES, BLOCK = 3, 12, 40, 4, 8


@hidden("online_softmax_hidden", points=1, todo="Online softmax vs torch.softmax (other sizes and blocks)")
def check_online_softmax_hidden(student):
    """Rows rise along their length (the maximum keeps changing); one row holds scores near 1000, where exp overflows
    unless the maximum is subtracted. The last call is observed: no reduction may span all its keys."""
    message = ""
    cases = (((3, 11), 4, 801), ((2, 3, 9), 2, 802), ((7,), 3, 803), ((2, 5), 8, 804), ((ROWS, KEYS), BLOCK, 805))
    for shape, block_size, seed in cases:
        scores = randn(seed, *shape, scale=2.0) + torch.arange(shape[-1]) / 2
        if shape == (3, 11):
            scores[1] += 1000.0
        what = f"online_softmax of fresh {'x'.join(map(str, shape))} scores in blocks of {block_size}"
        message = expect_tensor(
            student.answer("online_softmax", scores, block_size, observe=shape == (ROWS, KEYS)),
            torch.softmax(scores, dim=-1),
            what=what,
            student=student,
            hint=ONLINE_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.online_softmax(ops, scores, block_size),
        )
    return (
        message + "\n" + expect_computation(student, what, [(BY_ID["softmax_over_all_keys"], _reduced_over_all_keys)])
    )


def _reduced_over_all_keys(computation: Computation) -> str | None:
    over_all = computation.spanning(KEYS)
    if not over_all:
        return None
    return (
        f"your code computed {' and '.join(over_all)} over all {KEYS} keys of a row at once: the point of the online "
        f"algorithm is to read one block of {BLOCK} keys at a time and keep only running statistics."
    )


# --- Step 2: tiled attention, FlashAttention's forward pass ----------------------------------------------------------

FLASH_HINT = (
    "for each block of keys and values: scores of all queries against the block (scaled), new running "
    "maximum, rescale the running sum AND the accumulated output by exp(m - m_new), add the block's "
    "exp(scores - m_new) (and its product with the values); divide by the running sum at the end."
)
CAUSAL_HINT = (
    "in the block of keys start..stop, key j is at position start + j: hide it from query i when start + j > i."
)


def _flash_public(causal: bool) -> list:
    q, k, v, block_size = worked.QUERIES, worked.KEYS, worked.VALUES, worked.BLOCK_SIZE
    value = worked.FLASH_CAUSAL_OUTPUT if causal else worked.FLASH_OUTPUT
    return [
        call("flash_attention", q, k, v, block_size, causal=causal),
        expect(
            value,
            what=f"flash_attention of the 10 tokens in blocks of 4 keys, causal={causal}",
            hint=CAUSAL_HINT if causal else FLASH_HINT,
            reference=lambda ops: references.flash_attention(ops, q, k, v, block_size, causal),
        ),
    ]


def _flash_hidden(student, causal: bool, cases: tuple) -> str:
    """The last call, of sizes all different, is observed: no library attention, no tensor larger than a tile, no
    reduction over all the keys."""
    message = ""
    for (shape, num_keys, block_size), seed in (*cases, (((ROWS, QUERIES, FEATURES), KEYS, BLOCK), 818)):
        q = randn(seed, *shape)
        k, v = randn(seed + 1, *shape[:-2], num_keys, shape[-1]), randn(seed + 2, *shape[:-2], num_keys, shape[-1])
        what = (
            f"flash_attention of fresh {'x'.join(map(str, shape))} queries and {num_keys} keys in blocks of "
            f"{block_size}, causal={causal}"
        )
        message = expect_tensor(
            student.answer(
                "flash_attention", q, k, v, block_size, causal=causal, observe=shape == (ROWS, QUERIES, FEATURES)
            ),
            F.scaled_dot_product_attention(q, k, v, is_causal=causal),
            what=f"{what} (compared with scaled_dot_product_attention)",
            student=student,
            hint=CAUSAL_HINT if causal else FLASH_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.flash_attention(ops, q, k, v, block_size, causal),
        )
    rules = [
        (BY_ID["attention_library_call"], _called_attention),
        (BY_ID["full_score_matrix"], _built_more_than_a_tile),
        (BY_ID["softmax_over_all_keys"], _reduced_over_all_keys),
    ]
    return message + "\n" + expect_computation(student, what, rules)


def _called_attention(computation: Computation) -> str | None:
    if "scaled_dot_product_attention" not in computation.spanning(KEYS):
        return None
    return (
        f"your code called F.scaled_dot_product_attention over all {KEYS} keys: the numbers are PyTorch's, "
        "and this step is about writing the tiles yourself."
    )


def _built_more_than_a_tile(computation: Computation) -> str | None:
    """A tensor with a query axis and a key axis, or larger than every block's scores times the features."""
    tile = ROWS * QUERIES * BLOCK * FEATURES
    too_big = [s for s in computation.shapes if {QUERIES, KEYS} <= set(s) or math.prod(s) > tile]
    if not too_big:
        return None
    shape = max(too_big, key=math.prod)
    held = f"a {QUERIES} x {KEYS} score matrix" if {QUERIES, KEYS} <= set(shape) else "the scores of several blocks"
    return (
        f"your tiled attention built {held} (a tensor of shape {tuple(shape)}): the point of tiling is to never hold "
        f"more than one {QUERIES} x {BLOCK} block of scores."
    )


@public("flash_attention", points=1, todo="Tiled attention over blocks of keys and values")
def check_flash_attention():
    return _flash_public(causal=False)


@hidden("flash_attention_hidden", points=1, todo="Tiled attention vs scaled_dot_product_attention (other blocks)")
def check_flash_attention_hidden(student):
    return _flash_hidden(
        student, False, ((((2, 3, 11, 4), 11, 4), 811), (((1, 5, 8), 9, 4), 814), (((1, 6, 3), 6, 16), 817))
    )


@public("flash_causal", points=1, todo="Tiled attention with the causal mask")
def check_flash_causal():
    return _flash_public(causal=True)


@hidden("flash_causal_hidden", points=1, todo="Tiled causal attention vs scaled_dot_product_attention (other blocks)")
def check_flash_causal_hidden(student):
    return _flash_hidden(
        student, True, ((((2, 2, 11, 4), 11, 4), 821), (((1, 13, 6), 13, 5), 824), (((3, 6, 2), 6, 16), 827))
    )


# --- Step 3: a KV cache --------------------------------------------------------------------------------------------

KV_HINT = (
    "in step: the new token's position is the number of cached tokens; add its positional encoding, project "
    "it, append its key and value to the cache, then attend with its query over the whole cache."
)


@public("kv_cache", points=1, todo="KV cache: one token at a time")
def check_kv_cache():
    sizes = (worked.D_IN, worked.D_OUT, worked.CONTEXT_LENGTH)
    return [
        module("KVCacheAttention", *sizes, seed=worked.MODEL_SEED, forward=(worked.TOKENS,)),
        expect(
            worked.CACHED_OUTPUT,
            pick=("output",),
            hint=KV_HINT,
            what="KVCacheAttention(4, 4, 8) fed 2 sequences of 5 tokens one token at a time",
            reference=lambda ops: references.cached_attention(ops, worked.TOKENS, worked.KV_WEIGHTS, worked.PE),
        ),
    ]


@hidden("kv_cache_hidden", points=1, todo="KV cache vs causal attention recomputed from scratch")
def check_kv_cache_hidden(student):
    d_in, d_out, context_length, batch, tokens = 6, 8, 12, 3, 7
    x = rand(831, batch, tokens, d_in)
    answer = student.module("KVCacheAttention", d_in, d_out, context_length, seed=832, forward=(x,), observe=True)
    weights = {f"{name}.weight": student_linear(answer["state"], name)[0] for name in ("W_query", "W_key", "W_value")}
    pe = references.sinusoids(context_length, d_in)
    queries, keys, values = (
        F.linear(x + pe[:tokens], weights[f"{name}.weight"]) for name in ("W_query", "W_key", "W_value")
    )
    what = f"KVCacheAttention({d_in}, {d_out}, {context_length}) fed {batch} sequences of {tokens} tokens one at a time"
    message = expect_tensor(
        answer.get("output"),
        F.scaled_dot_product_attention(queries, keys, values, is_causal=True),
        what=f"{what} (compared with causal attention over all of them at once)",
        student=student,
        hint=KV_HINT,
        **HIDDEN_TOL,
        reference=lambda ops: references.cached_attention(ops, x, weights, pe),
    )
    rule = (BY_ID["cache_recomputes_prefix"], lambda computation: _recomputed_prefix(computation, batch, d_in))
    return message + "\n" + expect_computation(student, f"{what}, observed", [rule])


def _recomputed_prefix(computation: Computation, batch: int, d_in: int) -> str | None:
    """More than one position per sequence fed to a projection, or tokens of width d_in gathered together."""
    gathered = [math.prod(s) // d_in for s in computation.shapes if s and s[-1] == d_in]
    rows = max([*computation.projections, *gathered], default=batch)
    if rows <= batch:
        return None
    return (
        f"a step handled {rows // batch} tokens of each sequence at once (the new token and the ones before it): "
        "a KV cache computes the query, key and value of the new token only, one position per step, and attends "
        "over the keys and values it keeps."
    )
