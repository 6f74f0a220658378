"""Checks of assignment 09: rotary position embeddings, grouped-query attention and its KV cache, sliding windows.

Public checks call the student's functions and module on the worked example and compare with the kit's worked
values. Hidden checks use fresh inputs and sizes and compare with PyTorch where it has the function:
``repeat_interleave`` and ``scaled_dot_product_attention`` with ``enable_gqa=True`` for grouped-query attention
(on the student's own weights), an explicit boolean mask (True = may attend, sdpa's convention) for the sliding
window; with the kit's references otherwise (PyTorch has no rotary embedding). The grouped-query module must hold
``num_kv_heads`` key/value projections, not ``num_heads``: its hidden check reads the shapes of its weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..authoring import HIDDEN_TOL, Assignment, CheckFailed, call, expect, expect_tensor, module, parameter, rand, randn
from ..references import modern_attention as references
from ..worked_values import modern_attention as worked

ASSIGNMENT = Assignment("09_modern_attention", "Attention in today's models: RoPE, grouped queries, sliding windows")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check


# --- Step 1: rotary position embeddings ----------------------------------------------------------------------------

ROPE_HINT = (
    "pair dimension i with i + d/2 (x1 = x[..., :d//2], x2 = x[..., d//2:]); pair i turns by position * "
    "base^(-2i/d): (x1 cos - x2 sin, x1 sin + x2 cos), concatenated in that order."
)


@public("rope", points=1, todo="Rotary position embeddings: turn each pair by its position's angle")
def check_rope():
    x, positions = worked.ROPE_INPUT, worked.ROPE_POSITIONS
    return [
        call("apply_rope", x, positions),
        expect(
            worked.ROPE_OUTPUT,
            what="apply_rope of the 5 tokens of dimension 4 at positions 0..4",
            hint=ROPE_HINT,
            reference=lambda ops: references.rope(ops, x, positions),
        ),
    ]


@hidden("rope_hidden", points=1, todo="Rotary embeddings of fresh heads, at positions that do not start at 0")
def check_rope_hidden(student):
    """Heads of dimension 8 and 16 (several pairs per half), positions far into a text, another base."""
    message = ""
    cases = (((2, 3, 5, 8), 0, 10000.0, 901), ((7, 16), 40, 10000.0, 902), ((4, 6), 3, 500.0, 903))
    for shape, start, base, seed in cases:
        x, positions = randn(seed, *shape), torch.arange(start, start + shape[-2])
        message = expect_tensor(
            student.answer("apply_rope", x, positions, base=base),
            what=f"apply_rope of fresh {'x'.join(map(str, shape))} vectors at positions "
            f"{start}..{start + shape[-2] - 1}, base {base:g}",
            student=student,
            hint=ROPE_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.rope(ops, x, positions, base),
        )
    return message


SCORE_HINT = (
    "rotate q as the token at position m and k as the token at position n (apply_rope on a batch of one token: "
    "q[None] with torch.tensor([m])), then take their dot product."
)


@public("rope_score", points=1, todo="The score of a rotated query and key: it depends on m - n only")
def check_rope_score():
    q, k, (m, n) = worked.SCORE_QUERY, worked.SCORE_KEY, worked.SAME_OFFSET[1]
    return [
        call("rope_score", q, k, m, n),
        expect(
            worked.OFFSET_SCORES[1],
            what=f"rope_score of the query and key of dimension 8 at positions m = {m}, n = {n}",
            hint=SCORE_HINT,
            reference=lambda ops: references.rope_score(ops, q, k, m, n),
        ),
    ]


@hidden("rope_score_hidden", points=1, todo="Scores of fresh vectors: the same for the same distance m - n")
def check_rope_score_hidden(student):
    """Fresh vectors of dimension 12 at pairs of positions with the same offset (the student's scores must agree
    with each other too: the relative property) and with the key after the query."""
    q, k = randn(911, 12), randn(912, 12)
    scores = []
    for m, n in ((9, 4), (25, 20), (2, 6)):
        got = student.call("rope_score", q, k, m, n)
        expect_tensor(
            got,
            what=f"rope_score of fresh vectors of dimension 12 at m = {m}, n = {n}",
            student=student,
            hint=SCORE_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.rope_score(ops, q, k, m, n),
        )
        scores.append(float(got))
    return f"rope_score is right, and the same at (9, 4) and (25, 20): {scores[0]:.4f}, {scores[1]:.4f}."


# --- Step 2: grouped-query attention -------------------------------------------------------------------------------

GQA_HINT = (
    "W_key and W_value project to num_kv_heads * head_dim; split queries into num_heads heads and keys and "
    "values into num_kv_heads; rotate queries and keys (not values) at positions 0..n-1; repeat each key/value "
    "head num_heads // num_kv_heads times with repeat_interleave(dim=1); causal attention, merge the heads, out_proj."
)


@public("gqa", points=1, todo="Grouped-query attention: 4 query heads sharing 2 key/value heads")
def check_gqa():
    sizes = (worked.D_IN, worked.D_OUT, worked.NUM_HEADS, worked.NUM_KV_HEADS)
    return [
        module("GroupedQueryAttention", *sizes, seed=worked.MODEL_SEED, forward=(worked.TOKENS,)),
        expect(
            worked.GQA_OUTPUT,
            pick=("output",),
            what="GroupedQueryAttention(8, 8, num_heads=4, num_kv_heads=2) on the 2x6x8 batch",
            hint="create W_query, W_key, W_value, then out_proj, in this order (the seed decides their weights); "
            + GQA_HINT,
            reference=lambda ops: references.grouped_query(ops, worked.GQA_STATE, worked.TOKENS, 4, 2),
        ),
    ]


def key_value_weights(state: dict, d_in: int, num_heads: int, num_kv_heads: int, head_dim: int) -> None:
    """W_key and W_value project to num_kv_heads heads: the memory GQA saves is in their size."""
    for name in ("W_key", "W_value"):
        weight = parameter(state, f"{name}.weight", None, "GroupedQueryAttention", hint=f" ({name} as an nn.Linear)")
        if tuple(weight.shape) == (num_heads * head_dim, d_in) and num_heads != num_kv_heads:
            raise CheckFailed(
                f"GroupedQueryAttention(num_heads={num_heads}, num_kv_heads={num_kv_heads}): {name} projects to "
                f"{num_heads} heads ({tuple(weight.shape)}), one per query head, so the keys and values are as "
                f"big as in multi-head attention and nothing is saved. It should project to num_kv_heads * "
                f"head_dim = {num_kv_heads * head_dim} numbers per token, shape ({num_kv_heads * head_dim}, {d_in}); "
                "the forward pass repeats those heads for the query heads."
            )
        if tuple(weight.shape) != (num_kv_heads * head_dim, d_in):
            raise CheckFailed(
                f"GroupedQueryAttention: {name}.weight should have shape ({num_kv_heads * head_dim}, {d_in}) "
                f"(num_kv_heads * head_dim outputs, d_in inputs), got {tuple(weight.shape)}."
            )


@hidden("gqa_hidden", points=1, todo="Grouped and multi-query attention vs scaled_dot_product_attention(enable_gqa)")
def check_gqa_hidden(student):
    """3 key/value heads for 6 query heads, then multi-query (1 for 4), heads of dimension 4 (two rotary pairs: one
    pair, at dimension 2, is the same in both layouts), on the student's own weights; PyTorch's
    attention repeats the key/value heads itself (``enable_gqa=True``) from the student's rotated projections."""
    message = ""
    for (d_in, d_out, num_heads, num_kv_heads), seed in (((5, 24, 6, 3), 921), ((6, 16, 4, 1), 922)):
        x, head_dim = rand(seed, 2, 7, d_in), d_out // num_heads
        answer = student.module(
            "GroupedQueryAttention", d_in, d_out, num_heads, num_kv_heads, seed=seed + 1, forward=(x,)
        )
        state = answer["state"]
        key_value_weights(state, d_in, num_heads, num_kv_heads, head_dim)
        message = expect_tensor(
            answer.get("output"),
            references.torch_grouped_query(state, x, num_heads, num_kv_heads),
            what=f"GroupedQueryAttention({d_in}, {d_out}, num_heads={num_heads}, num_kv_heads={num_kv_heads}) on a "
            "fresh 2x7 batch (compared with scaled_dot_product_attention(enable_gqa=True) on your weights)",
            student=student,
            hint=GQA_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.grouped_query(ops, state, x, num_heads, num_kv_heads),
        )
    return message


CACHE_HINT = "a key and a value vector (2) per layer, key/value head, token and sequence, each head_dim numbers."


@public("kv_cache_bytes", points=1, todo="The KV cache's size, in bytes")
def check_kv_cache_bytes():
    sizes = (worked.LAYERS, worked.CACHE_KV_HEADS[1], worked.HEAD_DIM, worked.CONTEXT, 1, worked.BYTES_PER)
    return [
        call("kv_cache_bytes", *sizes),
        expect(
            worked.CACHE_BYTES[1],
            what="kv_cache_bytes of 32 layers, 8 key/value heads of dimension 128, 8192 tokens, 1 sequence, 2 bytes",
            hint=CACHE_HINT,
            reference=lambda ops: ops.kv_cache_bytes(*sizes),
        ),
    ]


@hidden("kv_cache_bytes_hidden", points=1, todo="The KV cache's size for other models and batches")
def check_kv_cache_bytes_hidden(student):
    message = ""
    for sizes in ((40, 8, 128, 4096, 3, 2), (24, 1, 64, 1000, 5, 4), (2, 3, 5, 7, 1, 1)):
        message = expect_tensor(
            student.answer("kv_cache_bytes", *sizes),
            what="kv_cache_bytes(layers={}, kv_heads={}, head_dim={}, tokens={}, batch={}, bytes_per={})".format(
                *sizes
            ),
            student=student,
            hint=CACHE_HINT,
            atol=0.5,
            reference=lambda ops: ops.kv_cache_bytes(*sizes),
        )
    return message


# --- Step 3: sliding-window causal attention -----------------------------------------------------------------------

WINDOW_HINT = (
    "with distance = i - j (query i, key j), hide the future (distance < 0) and the keys `window` or more tokens "
    "back (distance >= window): token i sees i - window + 1, ..., i."
)


@public("window_mask", points=1, todo="The sliding window's mask")
def check_window_mask():
    n, window = worked.WINDOW_TOKENS, worked.WINDOW
    return [
        call("sliding_window_mask", n, window),
        expect(
            worked.WINDOW_MASK,
            what=f"sliding_window_mask({n}, window={window}) (True = hidden)",
            hint=WINDOW_HINT,
            reference=lambda ops: ops.window_hidden(n, window),
        ),
    ]


@hidden("window_mask_hidden", points=1, todo="Sliding window masks of other sizes")
def check_window_mask_hidden(student):
    message = ""
    for n, window in ((9, 4), (5, 1), (4, 7)):
        message = expect_tensor(
            student.answer("sliding_window_mask", n, window),
            what=f"sliding_window_mask({n}, window={window}) (True = hidden)",
            student=student,
            hint=WINDOW_HINT,
            reference=lambda ops: ops.window_hidden(n, window),
        )
    return message


@public("window_attention", points=1, todo="Sliding-window causal attention")
def check_window_attention():
    q, k, v, window = worked.QUERIES, worked.KEYS, worked.VALUES, worked.WINDOW
    return [
        call("sliding_window_attention", q, k, v, window),
        expect(
            worked.WINDOW_OUTPUT,
            what="sliding_window_attention of the 6 tokens with a window of 3",
            hint=WINDOW_HINT,
            reference=lambda ops: references.window_attention(ops, q, k, v, window),
        ),
    ]


@hidden("window_attention_hidden", points=1, todo="Sliding-window attention vs scaled_dot_product_attention")
def check_window_attention_hidden(student):
    """Against PyTorch's attention with an explicit boolean mask, built here: True where query i may attend to key
    j (sdpa's convention, the opposite of the notebook's mask), i.e. 0 <= i - j < window."""
    message = ""
    for shape, window, seed in (((2, 3, 10, 4), 4, 931), ((1, 7, 6), 2, 932), ((1, 5, 8), 9, 933)):
        q, k, v = (randn(seed + i, *shape) for i in range(3))
        distance = torch.arange(shape[-2])[:, None] - torch.arange(shape[-2])[None, :]
        may_attend = (distance >= 0) & (distance < window)
        message = expect_tensor(
            student.answer("sliding_window_attention", q, k, v, window),
            F.scaled_dot_product_attention(q, k, v, attn_mask=may_attend),
            what=f"sliding_window_attention of fresh {'x'.join(map(str, shape))} queries, keys and values with a "
            f"window of {window} (compared with scaled_dot_product_attention and an explicit mask)",
            student=student,
            hint=WINDOW_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.window_attention(ops, q, k, v, window),
        )
    return message
