"""Sample submissions of assignment 09: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from . import mutation

ROPE_HALVES = (
    "x1, x2 = x[..., :half], x[..., half:]\n    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)"
)
ROPE_EXPONENT = "torch.arange(0, x.shape[-1], 2) / x.shape[-1]"
ROPE_QK = "queries, keys = apply_rope(queries, positions), apply_rope(keys, positions)"
#: the two repeats and the indentation of the line after them (so that replacing them by "" leaves valid code)
KEYS_REPEAT = "keys = keys.repeat_interleave(group_size, dim=1)\n        "
REPEAT = KEYS_REPEAT + "values = values.repeat_interleave(group_size, dim=1)\n        "
ATTEND = (
    "scores = queries @ keys.transpose(2, 3) / self.head_dim ** 0.5\n"
    "        future = torch.triu(torch.ones(num_tokens, num_tokens, dtype=torch.bool), diagonal=1)\n"
    "        weights = torch.softmax(scores.masked_fill(future, -torch.inf), dim=-1)\n"
    "        context = (weights @ values).transpose(1, 2).contiguous().view(b, num_tokens, -1)"
)
KV_PROJECTIONS = (
    "self.W_key = nn.Linear(d_in, num_kv_heads * self.head_dim, bias=False)\n"
    "        self.W_value = nn.Linear(d_in, num_kv_heads * self.head_dim, bias=False)"
)
KV_SPLIT = (
    "keys = self.W_key(x).view(b, num_tokens, self.num_kv_heads, self.head_dim).transpose(1, 2)\n"
    "        values = self.W_value(x).view(b, num_tokens, self.num_kv_heads, self.head_dim).transpose(1, 2)"
)
WINDOW_MASK = "return (distance < 0) | (distance >= window)"
WINDOW_MASK_BODY = (
    "distance = torch.arange(num_tokens)[:, None] - torch.arange(num_tokens)[None, :]  # query i minus key j\n"
    f"    {WINDOW_MASK}"
)
WINDOW_ATTEND = (
    "scores = queries @ keys.transpose(-2, -1) / queries.shape[-1] ** 0.5\n"
    "    hidden = sliding_window_mask(queries.shape[-2], window)\n"
    "    weights = torch.softmax(scores.masked_fill(hidden, -torch.inf), dim=-1)\n"
    "    return weights @ values"
)
CACHE = "return 2 * layers * kv_heads * head_dim * tokens * batch * bytes_per"

#: the worked GroupedQueryAttention has heads of dimension 2, one rotary pair, the same in every layout and exponent
ROPE = {"rope", "rope_hidden", "rope_score", "rope_score_hidden", "gqa_hidden"}
GQA = {"gqa", "gqa_hidden"}
WINDOW = {"window_mask", "window_mask_hidden", "window_attention", "window_attention_hidden"}
CACHE_CHECKS = {"kv_cache_bytes", "kv_cache_bytes_hidden"}

MUTATIONS = [
    # the wrong submissions of the issue, one per catalogued mistake
    mutation(
        "rope_on_values",
        [(ROPE_QK, "queries, keys, values = (apply_rope(t, positions) for t in (queries, keys, values))")],
        breaks=GQA,
        mistake="rope_on_values",
        description="the values are rotated too",
    ),
    mutation(
        "rope_interleaved",
        [
            (
                ROPE_HALVES,
                "even, odd = x[..., 0::2], x[..., 1::2]\n"
                "    return torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1).flatten(-2)",
            )
        ],
        breaks=ROPE,
        mistake="rope_interleaved",
        description="RoFormer's interleaved pairs (2i, 2i + 1) where the notebook asks for split halves",
    ),
    mutation(
        "rope_wrong_exponent",
        [(ROPE_EXPONENT, "torch.arange(x.shape[-1] // 2) / x.shape[-1]")],
        breaks=ROPE,
        mistake="rope_wrong_exponent",
        description="frequencies base^(-i/d) instead of base^(-2i/d)",
    ),
    mutation(
        "kv_heads_tiled",
        [(REPEAT, REPEAT.replace("repeat_interleave(group_size, dim=1)", "repeat(1, group_size, 1, 1)"))],
        breaks=GQA,
        mistake="kv_heads_tiled",
        description="key/value heads tiled (0, 1, 0, 1) with repeat instead of repeated in place",
    ),
    mutation(
        "window_off_by_one",
        [(WINDOW_MASK, WINDOW_MASK.replace(">=", ">"))],
        breaks=WINDOW,
        mistake="window_off_by_one",
        description="each token sees window + 1 tokens",
    ),
    mutation(
        "window_too_narrow",
        [(WINDOW_MASK, "return (distance < 0) | (distance >= window - 1)")],
        breaks=WINDOW,
        mistake="window_off_by_one",
        description="each token sees window - 1 tokens",
    ),
    mutation(
        "window_not_causal",
        [(WINDOW_MASK, "return distance.abs() >= window")],
        breaks=WINDOW,
        mistake="window_not_causal",
        description="a window around each token, future included",
    ),
    mutation(
        "kv_cache_keys_only",
        [(CACHE, CACHE.replace("2 * ", ""))],
        breaks=CACHE_CHECKS,
        mistake="kv_cache_keys_only",
        description="the cache counted without its values",
    ),
    mutation(
        "gqa_projects_every_head",
        [
            (
                KV_PROJECTIONS,
                "self.W_key = nn.Linear(d_in, d_out, bias=False)\n"
                "        self.W_value = nn.Linear(d_in, d_out, bias=False)",
            ),
            (KV_SPLIT, KV_SPLIT.replace("self.num_kv_heads", "self.num_heads")),
            (REPEAT, ""),
        ],
        breaks=GQA,
        description="multi-head attention under GQA's name: a key/value projection per query head",
    ),
    mutation(
        "gqa_no_scaling",
        [(ATTEND, ATTEND.replace(" / self.head_dim ** 0.5", ""))],
        breaks=GQA,
        mistake="no_scaling",
        description="grouped-query attention without 1/sqrt(head_dim)",
    ),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation(
        "alt_rope_complex",
        [
            (
                ROPE_HALVES,
                "turned = torch.complex(x[..., :half], x[..., half:]) * torch.polar(torch.ones_like(angles), angles)\n"
                "    return torch.cat([turned.real, turned.imag], dim=-1)",
            )
        ],
        breaks=set(),
        description="each pair as a complex number times e^(i angle), halves layout",
    ),
    mutation(
        "alt_rope_rotate_half",
        [
            (
                ROPE_HALVES,
                "cos, sin = torch.cat([cos, cos], dim=-1), torch.cat([sin, sin], dim=-1)\n"
                "    rotated_half = torch.cat([-x[..., half:], x[..., :half]], dim=-1)\n"
                "    return x * cos + rotated_half * sin",
            )
        ],
        breaks=set(),
        description="Hugging Face's rotate_half with cos and sin repeated over both halves",
    ),
    mutation(
        "alt_gqa_expand_reshape",
        [
            (
                REPEAT,
                "b, kv_heads, n, head_dim = keys.shape\n"
                "        shape = (b, kv_heads * group_size, n, head_dim)\n"
                "        keys = keys[:, :, None].expand(b, kv_heads, group_size, n, head_dim).reshape(shape)\n"
                "        values = values[:, :, None].expand(b, kv_heads, group_size, n, head_dim).reshape(shape)\n"
                "        ",
            )
        ],
        breaks=set(),
        description="expand + reshape, as Llama's repeat_kv does, instead of repeat_interleave",
    ),
    mutation(
        "alt_gqa_sdpa",
        [
            (REPEAT, ""),
            (
                ATTEND,
                "context = F.scaled_dot_product_attention(queries, keys, values, is_causal=True, enable_gqa=True)\n"
                "        context = context.transpose(1, 2).reshape(b, num_tokens, -1)",
            ),
        ],
        breaks=set(),
        description="PyTorch's attention repeating the key/value heads itself (enable_gqa=True)",
    ),
    mutation(
        "alt_gqa_grouped_einsum",
        [
            (REPEAT, ""),
            (
                ATTEND,
                "grouped = queries.view(b, self.num_kv_heads, group_size, num_tokens, self.head_dim)\n"
                "        scores = torch.einsum('bkgqd,bknd->bkgqn', grouped, keys) / self.head_dim ** 0.5\n"
                "        future = torch.ones(num_tokens, num_tokens, dtype=torch.bool).triu(1)\n"
                "        weights = torch.softmax(scores.masked_fill(future, float('-inf')), dim=-1)\n"
                "        context = torch.einsum('bkgqn,bknd->bqkgd', weights, values).reshape(b, num_tokens, -1)",
            ),
        ],
        breaks=set(),
        description="no repeat at all: the query heads viewed in groups, einsum against their group's keys",
    ),
    mutation(
        "alt_window_loops",
        [
            (
                WINDOW_MASK_BODY,
                "hidden = torch.ones(num_tokens, num_tokens, dtype=torch.bool)\n"
                "    for i in range(num_tokens):\n"
                "        hidden[i, max(0, i - window + 1):i + 1] = False  # the last `window` tokens up to i\n"
                "    return hidden",
            )
        ],
        breaks=set(),
        description="the mask written row by row with a loop",
    ),
    mutation(
        "alt_window_triu_tril",
        [
            (
                WINDOW_MASK_BODY,
                "everything = torch.ones(num_tokens, num_tokens, dtype=torch.bool)\n"
                "    return everything.triu(1) | everything.tril(-window)",
            )
        ],
        breaks=set(),
        description="the future above the diagonal, the far past below the window's diagonal",
    ),
    mutation(
        "alt_window_sdpa",
        [
            (
                WINDOW_ATTEND,
                "may_attend = ~sliding_window_mask(queries.shape[-2], window)  # sdpa: True = may attend\n"
                "    return F.scaled_dot_product_attention(queries, keys, values, attn_mask=may_attend)",
            )
        ],
        breaks=set(),
        description="PyTorch's attention with the inverted mask",
    ),
    mutation(
        "alt_kv_cache_prod",
        [(CACHE, "import math\n    return math.prod([2, layers, kv_heads, head_dim, tokens, batch, bytes_per])")],
        breaks=set(),
        description="math.prod of the sizes",
    ),
]
