"""Sample submissions of assignment 07: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from . import mutation

MASK = "return torch.arange(max_len)[None, :] >= lengths[:, None]"
PAD_FILL = "scores = scores.masked_fill(key_padding_mask[:, None, None, :], -torch.inf)"
PAD_BODY = (
    "scores = queries @ keys.transpose(-2, -1) / keys.shape[-1] ** 0.5\n"
    "    if key_padding_mask is not None:\n"
    f"        {PAD_FILL}\n"
    "    weights = torch.softmax(scores, dim=-1)\n"
    "    return weights @ values"
)
SAFE_BODY = (
    "weights = torch.softmax(scores, dim=-1)\n"
    "    fully_masked = torch.isneginf(scores).all(dim=-1, keepdim=True)\n"
    "    return weights.masked_fill(fully_masked, 0.0)"
)
CAUSAL = "hidden = torch.triu(torch.ones(num_queries, num_keys, dtype=torch.bool), diagonal=1)"
CAUSAL_PAD = "hidden = hidden | key_padding_mask[:, None, None, :]"
CAUSAL_SOFTMAX = "weights = safe_softmax(scores)"
CROSS_KEYS = "keys = split_heads(self.W_key(memory), self.num_heads)"
CROSS_VALUES = "values = split_heads(self.W_value(memory), self.num_heads)"
CROSS_ATTEND = "context = padded_attention(queries, keys, values, memory_key_padding_mask)"
CROSS_BODY = (
    "queries = split_heads(self.W_query(x), self.num_heads)\n"
    f"        {CROSS_KEYS}\n"
    f"        {CROSS_VALUES}\n"
    f"        {CROSS_ATTEND}\n"
    "        return self.out_proj(merge_heads(context))"
)
DEC_SELF = "x = self.norm1(x + self.dropout(self.self_attn(x, tgt_key_padding_mask)))"
DEC_CROSS = "x = self.norm2(x + self.dropout(self.cross_attn(x, memory, memory_key_padding_mask)))"
DEC_FFN = "x = self.norm3(x + self.dropout(self.ffn(x)))"

PAD = {"pad_attention", "pad_attention_hidden"}
CAUSAL_PAD_CHECKS = {"causal_pad_attention", "causal_pad_attention_hidden"}
CROSS = {"cross_attention", "cross_attention_hidden"}
DECODER = {"decoder_layer", "decoder_layer_hidden"}

MUTATIONS = [
    # the wrong submissions of the issue, and one per catalogued mistake the notebook can show
    mutation(
        "padding_mask_inverted",
        [(MASK, "return torch.arange(max_len)[None, :] < lengths[:, None]")],
        breaks={"pad_mask", "pad_mask_hidden"},
        mistake="padding_mask_inverted",
        description="the mask is True at the real tokens",
    ),
    mutation(
        "padding_mask_on_queries",
        [(PAD_FILL, PAD_FILL.replace("[:, None, None, :]", "[:, None, :, None]"))],
        breaks=PAD | CROSS | DECODER,
        mistake="padding_mask_on_queries",
        description="the padding mask hides padding queries (rows) instead of padding keys (columns)",
    ),
    mutation(
        "causal_padding_on_queries",
        [(CAUSAL_PAD, CAUSAL_PAD.replace("[:, None, None, :]", "[:, None, :, None]"))],
        breaks=CAUSAL_PAD_CHECKS | DECODER,
        mistake="padding_mask_on_queries",
        description="with the causal mask, the padding mask is put on the query axis",
    ),
    mutation(
        "padding_mask_wrong_batch_axis",
        [(PAD_FILL, PAD_FILL.replace("[:, None, None, :]", "[:, None, :]"))],
        breaks=PAD | CROSS | DECODER,
        mistake="padding_mask_wrong_batch_axis",
        description="one new axis only: sentence i's mask lands on head i",
    ),
    mutation(
        "fully_masked_nan",
        [(SAFE_BODY, "return torch.softmax(scores, dim=-1)")],
        breaks={"safe_softmax", "safe_softmax_hidden"} | CAUSAL_PAD_CHECKS,
        mistake="fully_masked_nan",
        description="safe_softmax is plain softmax: nan where every key is masked",
    ),
    mutation(
        "causal_padded_plain_softmax",
        [(CAUSAL_SOFTMAX, "weights = torch.softmax(scores, dim=-1)")],
        breaks=CAUSAL_PAD_CHECKS,
        mistake="fully_masked_nan",
        description="causal + padding with torch.softmax: the rows of left padding become nan",
    ),
    mutation(
        "mask_diagonal",
        [(CAUSAL, CAUSAL.replace("diagonal=1", "diagonal=0"))],
        breaks=CAUSAL_PAD_CHECKS | DECODER,
        mistake="mask_diagonal",
        description="the causal mask also hides each token from itself",
    ),
    mutation(
        "mask_fill_zero",
        [(PAD_FILL, PAD_FILL.replace("-torch.inf", "0"))],
        breaks=PAD | CROSS | DECODER,
        mistake="mask_fill_zero",
        description="padding scores set to 0, not -inf",
    ),
    mutation(
        "cross_attention_self_keys",
        [(CROSS_KEYS, CROSS_KEYS.replace("memory", "x")), (CROSS_VALUES, CROSS_VALUES.replace("memory", "x"))],
        breaks=CROSS | DECODER,
        mistake="cross_attention_self_keys",
        description="keys and values projected from the decoder's tokens",
    ),
    mutation(
        "decoder_cross_attends_to_itself",
        [(DEC_CROSS, DEC_CROSS.replace("(x, memory,", "(x, x,"))],
        breaks=DECODER,
        mistake="cross_attention_self_keys",
        description="the decoder layer passes its own tokens as the memory of the cross-attention",
    ),
    mutation(
        "cross_attention_causal",
        [(CROSS_ATTEND, CROSS_ATTEND.replace("padded_attention", "causal_padded_attention"))],
        breaks=CROSS | DECODER,
        mistake="cross_attention_causal",
        description="cross-attention with the causal mask of self-attention",
    ),
    mutation(
        "pre_norm_instead_of_post",
        [
            (DEC_SELF, "x = x + self.dropout(self.self_attn(self.norm1(x), tgt_key_padding_mask))"),
            (DEC_CROSS, "x = x + self.dropout(self.cross_attn(self.norm2(x), memory, memory_key_padding_mask))"),
            (DEC_FFN, "x = x + self.dropout(self.ffn(self.norm3(x)))"),
        ],
        breaks=DECODER,
        mistake="pre_norm_instead_of_post",
        description="pre-norm sub-layers where post-norm is asked",
    ),
    mutation(
        "missing_residual",
        [(DEC_CROSS, "x = self.norm2(self.dropout(self.cross_attn(x, memory, memory_key_padding_mask)))")],
        breaks=DECODER,
        mistake="missing_residual",
        description="no residual around the cross-attention",
    ),
    mutation(
        "pasted_numbers",
        [
            (
                MASK,
                "return torch.tensor([[False, False, False, False, False, False],\n"
                "                         [False, False, False, False, True, True],\n"
                "                         [False, False, True, True, True, True]])",
            )
        ],
        breaks={"pad_mask_hidden"},
        description="the printed mask pasted in place of code",
    ),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation(
        "alt_mask_loop",
        [
            (
                MASK,
                "mask = torch.zeros(len(lengths), max_len, dtype=torch.bool)\n"
                "    for i, length in enumerate(lengths):\n"
                "        mask[i, int(length):] = True\n"
                "    return mask",
            )
        ],
        breaks=set(),
        description="a loop over the sentences",
    ),
    mutation(
        "alt_padding_where_einsum",
        [
            (
                PAD_BODY,
                "import math\n"
                "    import torch.nn.functional as F\n"
                "    scores = torch.einsum('bhqd,bhkd->bhqk', queries, keys) / math.sqrt(keys.size(-1))\n"
                "    if key_padding_mask is not None:\n"
                "        b, n = key_padding_mask.shape\n"
                "        scores = torch.where(key_padding_mask.view(b, 1, 1, n), float('-inf'), scores)\n"
                "    return torch.matmul(F.softmax(scores, dim=3), values)",
            )
        ],
        breaks=set(),
        description="einsum, view, torch.where, F.softmax and torch.matmul",
    ),
    mutation(
        "alt_additive_mask_sdpa",
        [
            (
                PAD_BODY,
                "import torch.nn.functional as F\n"
                "    if key_padding_mask is None:\n"
                "        return F.scaled_dot_product_attention(queries, keys, values)\n"
                "    bias = torch.zeros(key_padding_mask.shape).masked_fill(key_padding_mask, -torch.inf)\n"
                "    return F.scaled_dot_product_attention(queries, keys, values, attn_mask=bias[:, None, None, :])",
            )
        ],
        breaks=set(),
        description="PyTorch's attention with an additive -inf mask",
    ),
    mutation(
        "alt_safe_nan_to_num",
        [(SAFE_BODY, "return torch.softmax(scores, dim=-1).nan_to_num(0.0)")],
        breaks=set(),
        description="the nan of fully masked rows replaced by 0",
    ),
    mutation(
        "alt_safe_by_hand",
        [
            (
                SAFE_BODY,
                "row_max = scores.amax(dim=-1, keepdim=True)\n"
                "    row_max = torch.where(torch.isinf(row_max), torch.zeros_like(row_max), row_max)\n"
                "    exps = torch.exp(scores - row_max)\n"
                "    sums = exps.sum(dim=-1, keepdim=True)\n"
                "    return exps / torch.where(sums == 0, torch.ones_like(sums), sums)",
            )
        ],
        breaks=set(),
        description="exp and sum by hand, a zero sum left as a zero row",
    ),
    mutation(
        "alt_causal_allowed_tril",
        [
            (CAUSAL, "allowed = torch.tril(torch.ones(num_queries, num_keys)).bool()"),
            (CAUSAL_PAD, "allowed = allowed & ~key_padding_mask.unsqueeze(1).unsqueeze(2)"),
            ("scores = scores.masked_fill(hidden, -torch.inf)", "scores = scores.masked_fill(~allowed, float('-inf'))"),
        ],
        breaks=set(),
        description="a mask of the allowed keys (tril and not padding), inverted to fill",
    ),
    mutation(
        "alt_cross_attention_torch_heads",
        [
            (
                CROSS_BODY,
                "import torch.nn.functional as F\n"
                "        b, n_x, d = x.shape\n"
                "        n_m, h = memory.shape[1], self.num_heads\n"
                "        q = self.W_query(x).reshape(b, n_x, h, d // h).permute(0, 2, 1, 3)\n"
                "        k = self.W_key(memory).reshape(b, n_m, h, d // h).permute(0, 2, 1, 3)\n"
                "        v = self.W_value(memory).reshape(b, n_m, h, d // h).permute(0, 2, 1, 3)\n"
                "        mask = None if memory_key_padding_mask is None"
                " else ~memory_key_padding_mask[:, None, None, :]\n"
                "        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"
                "        return self.out_proj(out.permute(0, 2, 1, 3).reshape(b, n_x, d))",
            )
        ],
        breaks=set(),
        description="reshape/permute and PyTorch's attention with a boolean attn_mask",
    ),
    mutation(
        "alt_decoder_two_dropouts_qkv_bias",
        [
            (
                "self.self_attn = CausalSelfAttention(d_model, num_heads)",
                "self.self_attn = CausalSelfAttention(d_model, num_heads, qkv_bias=True)",
            ),
            (
                "self.dropout = nn.Dropout(dropout)",
                "self.drop1, self.drop2, self.drop3 = (nn.Dropout(dropout) for _ in range(3))",
            ),
            (DEC_SELF, "x = self.norm1(x + self.drop1(self.self_attn(x, key_padding_mask=tgt_key_padding_mask)))"),
            (
                DEC_CROSS,
                "attended = self.cross_attn(x, memory, memory_key_padding_mask=memory_key_padding_mask)\n"
                "        x = self.norm2(x + self.drop2(attended))",
            ),
            (DEC_FFN, "x = self.norm3(x + self.drop3(self.ffn(x)))"),
        ],
        breaks=set(),
        description="one dropout per sub-layer, keyword arguments, biases on the self-attention",
    ),
]
