"""The catalogue's texts for the mistakes of assignment 09 (rotary embeddings, grouped-query attention, sliding
windows), kept apart from :mod:`.catalogue` only for its length; :data:`.catalogue.MISTAKES` lists them last."""

MODERN_MISTAKES: list[dict[str, str]] = [
    {
        "id": "rope_on_values",
        "title": "rotary embedding applied to the values too",
        "explanation": (
            "Rotary embeddings make the score of a query and a key depend on how far apart they are; that is "
            "what rotating both of them does. The values are what the weights average: rotating them changes "
            "each token's content by its position, which no model with RoPE does."
        ),
        "fix": "Rotate the queries and the keys only: queries, keys = apply_rope(queries, ...), apply_rope(keys, ...).",
    },
    {
        "id": "rope_interleaved",
        "title": "rotary pairs interleaved instead of split in halves",
        "explanation": (
            "This notebook pairs dimension i with dimension i + d/2 (the split-halves layout of Llama and "
            "Hugging Face's rotate_half). You paired neighbours, 2i with 2i + 1 (the interleaved layout of the "
            "RoFormer paper). Both are rotations, but they turn different pairs, so the numbers differ, and "
            "weights trained with one layout do not work with the other."
        ),
        "fix": "Split the last dimension in halves, x1, x2 = x[..., :d // 2], x[..., d // 2:]; turn (x1[i], x2[i]).",
    },
    {
        "id": "rope_wrong_exponent",
        "title": "rotary frequencies with exponent i/d instead of 2i/d",
        "explanation": (
            "Pair i turns by base^(-2i/d) per position, so that the frequencies span from 1 down to about "
            "1/base across the d/2 pairs. With base^(-i/d) the slowest pair still turns fast, and the angles "
            "are not the ones every RoPE model uses."
        ),
        "fix": "frequencies = base ** (-torch.arange(0, d, 2) / d) (the even numbers 0, 2, 4, ... over d).",
    },
    {
        "id": "kv_heads_tiled",
        "title": "key/value heads repeated in the wrong order",
        "explanation": (
            "Query heads come in groups of g consecutive heads: the first g share key/value head 0, the next g "
            "share head 1, and so on. x.repeat(1, g, 1, 1) tiles the key/value heads (0, 1, 0, 1, ...) "
            "instead, so most query heads read another group's keys and values. repeat_interleave repeats "
            "each head g times in place (0, 0, 1, 1, ...), as Llama's repeat_kv and "
            "scaled_dot_product_attention(enable_gqa=True) do."
        ),
        "fix": "keys = keys.repeat_interleave(group_size, dim=1) (and the same for the values).",
    },
    {
        "id": "window_off_by_one",
        "title": "sliding window one token too wide or too narrow",
        "explanation": (
            "With a window of W, token i sees the W tokens i - W + 1, ..., i: itself and the W - 1 before it. "
            "Your mask lets it see one token more or one fewer: the distance i - j must be hidden from W on "
            "(distance >= W), not from W + 1 on, nor from W - 1 on."
        ),
        "fix": "hidden = (distance < 0) | (distance >= window), with distance = i - j.",
    },
    {
        "id": "window_not_causal",
        "title": "sliding window without the causal mask",
        "explanation": (
            "A sliding window limits how far back a token looks; it does not lift the causal rule. Your mask "
            "hides the tokens too far in the past but lets each token see tokens after it (its future)."
        ),
        "fix": "Hide both: the keys after the query (distance < 0) and those too far before it (distance >= window).",
    },
    {
        "id": "kv_cache_keys_only",
        "title": "KV cache counted without the values",
        "explanation": (
            "The cache holds a key vector AND a value vector for every layer, key/value head and token: twice "
            "the numbers of the keys alone. Counting one of them halves the memory the cache needs."
        ),
        "fix": "bytes = 2 * layers * kv_heads * head_dim * tokens * batch * bytes_per_number.",
    },
]
