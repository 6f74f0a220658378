"""Sample submissions of assignment 06: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import transformer_encoder as worked

from . import mutation, pasted

PE_SIN = "pe[:, 0::2] = torch.sin(angles)"
PE_COS = "pe[:, 1::2] = torch.cos(angles)"
PE_BODY = (
    "position = torch.arange(num_positions, dtype=torch.float32).unsqueeze(1)  # (num_positions, 1)\n"
    "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)  # 2i = 0, 2, 4, ...\n"
    "    angles = position / 10000 ** (two_i / d_model)  # (num_positions, d_model // 2)\n"
    "    pe = torch.zeros(num_positions, d_model)\n"
    f"    {PE_SIN}\n"
    f"    {PE_COS}\n"
    "    return pe"
)
ATTN_SUBLAYER = "x = self.norm1(x + self.dropout(self.self_attn(x, key_padding_mask)))"
FFN_SUBLAYER = "x = self.norm2(x + self.dropout(self.ffn(x)))"

MUTATIONS = [
    mutation(
        "pe_sin_cos_swapped",
        [(PE_SIN, "pe[:, 0::2] = torch.cos(angles)"), (PE_COS, "pe[:, 1::2] = torch.sin(angles)")],
        breaks={"enc_pe", "enc_pe_hidden"},
        mistake="pe_sin_cos_swapped",
        description="cos on the even dimensions and sin on the odd ones",
    ),
    mutation(
        "pe_wrong_exponent",
        [
            (
                "two_i = torch.arange(0, d_model, 2, dtype=torch.float32)",
                "two_i = torch.arange(0, d_model // 2, dtype=torch.float32)",
            )
        ],
        breaks={"enc_pe", "enc_pe_hidden"},
        mistake="pe_wrong_exponent",
        description="exponent i/d_model instead of 2i/d_model",
    ),
    mutation(
        "pre_norm_instead_of_post",
        [
            (ATTN_SUBLAYER, "x = x + self.dropout(self.self_attn(self.norm1(x), key_padding_mask))"),
            (FFN_SUBLAYER, "x = x + self.dropout(self.ffn(self.norm2(x)))"),
        ],
        breaks={"enc_layer", "enc_layer_hidden"},
        mistake="pre_norm_instead_of_post",
        description="layer norm on each sub-layer's input (pre-norm, as in GPT-2) where post-norm is asked",
    ),
    mutation(
        "missing_residual",
        [(ATTN_SUBLAYER, "x = self.norm1(self.dropout(self.self_attn(x, key_padding_mask)))")],
        breaks={"enc_layer", "enc_layer_hidden"},
        mistake="missing_residual",
        description="no residual connection around the attention sub-layer",
    ),
    mutation(
        "missing_residual_ffn",
        [(FFN_SUBLAYER, "x = self.norm2(self.dropout(self.ffn(x)))")],
        breaks={"enc_layer", "enc_layer_hidden"},
        mistake="missing_residual",
        description="no residual connection around the feed-forward sub-layer",
    ),
    mutation(
        "pasted_numbers",
        [(PE_BODY, pasted(worked.PE_4x6))],
        breaks={"enc_pe_hidden", "enc_permutation_hidden"},
        description="the printed 4 x 6 encoding pasted in place of code",
    ),
    # Correct alternatives: they must pass every check with no diagnosis.
    mutation(
        "pe_loop_math",
        [
            (
                PE_BODY,
                "pe = torch.zeros(num_positions, d_model)\n"
                "    for pos in range(num_positions):\n"
                "        for i in range(0, d_model, 2):\n"
                "            pe[pos, i] = math.sin(pos / (10000 ** (i / d_model)))\n"
                "            pe[pos, i + 1] = math.cos(pos / (10000 ** (i / d_model)))\n"
                "    return pe",
            )
        ],
        breaks=set(),
        description="correct: two loops and math.sin/math.cos",
    ),
    mutation(
        "pe_exp_log",
        [
            (
                "angles = position / 10000 ** (two_i / d_model)",
                "angles = position * torch.exp(-math.log(10000.0) * two_i / d_model)",
            )
        ],
        breaks=set(),
        description="correct: the frequencies as exp(-log(10000) * 2i / d_model)",
    ),
    mutation(
        "pe_stack_interleave",
        [
            (
                PE_BODY,
                "position = torch.arange(num_positions).float()[:, None]\n"
                "    freq = 1.0 / torch.pow(10000.0, torch.arange(0, d_model, 2).float() / d_model)\n"
                "    angle = position * freq[None, :]\n"
                "    return torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(num_positions, d_model)",
            )
        ],
        breaks=set(),
        description="correct: sin and cos stacked, then interleaved with reshape",
    ),
    mutation(
        "ffn_sequential",
        [
            (
                "self.linear2 = nn.Linear(d_ff, d_model)",
                "self.linear2 = nn.Linear(d_ff, d_model)\n"
                "        self.net = nn.Sequential(self.linear1, nn.ReLU(), self.linear2)",
            ),
            ("return self.linear2(torch.relu(self.linear1(x)))", "return self.net(x)"),
        ],
        breaks=set(),
        description="correct: the same two layers, called through an nn.Sequential",
    ),
    mutation(
        "ffn_functional_relu",
        [
            (
                "return self.linear2(torch.relu(self.linear1(x)))",
                "hidden = F.relu(self.linear1(x))\n        return self.linear2(hidden)",
            )
        ],
        breaks=set(),
        description="correct: F.relu and a named intermediate",
    ),
    mutation(
        "encoder_two_dropouts_qkv_bias",
        [
            (
                "self.self_attn = MultiHeadAttention(d_model, d_model, num_heads, dropout=dropout)",
                "self.self_attn = MultiHeadAttention(d_model, d_model, num_heads, dropout=dropout, qkv_bias=True)",
            ),
            (
                "self.dropout = nn.Dropout(dropout)  # on each sub-layer's output",
                "self.dropout1 = nn.Dropout(dropout)\n        self.dropout2 = nn.Dropout(dropout)",
            ),
            (
                ATTN_SUBLAYER,
                "attended = self.self_attn(x, key_padding_mask=key_padding_mask)\n"
                "        x = self.norm1(x + self.dropout1(attended))",
            ),
            (FFN_SUBLAYER, "x = self.norm2(x + self.dropout2(self.ffn(x)))"),
        ],
        breaks=set(),
        description="correct: one dropout per sub-layer, and biases on the query/key/value projections",
    ),
]
