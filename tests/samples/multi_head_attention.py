"""Sample submissions of assignment 05: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import multi_head_attention as worked

from . import mutation, pasted

MODULE_CHECKS = ("mha_module", "mha_torch_hidden", "mha_agrees_wrapper_hidden")
HIDDEN_MODULE_CHECKS = MODULE_CHECKS[1:]

SPLIT = "return x.view(b, num_tokens, num_heads, head_dim).transpose(1, 2)"
MERGE = "return x.transpose(1, 2).contiguous().view(b, num_tokens, num_heads * head_dim)"
OUT = "return self.out_proj(context_vec)"
FILL = "attn_scores.masked_fill_(mask_bool, -torch.inf)"
SOFTMAX = FILL + "\n        attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)"
CHECK_SIZES = (
    "if d_out % num_heads != 0:\n"
    '            raise ValueError(f"d_out ({d_out}) must be divisible by num_heads ({num_heads})")'
)
WRAPPER_CAT = "return torch.cat([head(x) for head in self.heads], dim=-1)"
MODULE_BROKEN = set(MODULE_CHECKS)

MUTATIONS = [
    # the wrong submissions of the issue, one per catalogued mistake registered above
    mutation(
        "heads_no_transpose",
        [(SPLIT, "return x.view(b, num_heads, num_tokens, head_dim)")],
        breaks={"mha_split_heads", "mha_split_heads_hidden"} | MODULE_BROKEN,
        mistake="heads_no_transpose",
        description="heads reshaped with view straight to (b, num_heads, num_tokens, head_dim), no transpose",
    ),
    mutation(
        "heads_merged_wrong_order",
        [(MERGE, "return x.contiguous().view(b, num_tokens, num_heads * head_dim)")],
        breaks={"mha_merge_heads", "mha_merge_heads_hidden"} | MODULE_BROKEN,
        mistake="heads_merged_wrong_order",
        description="heads merged with view without transposing back first",
    ),
    mutation(
        "missing_out_proj",
        [(OUT, "return context_vec")],
        breaks={"mha_module", "mha_torch_hidden"},
        mistake="missing_out_proj",
        description="out_proj is created but never applied",
    ),
    mutation(
        "no_scaling",
        [(SOFTMAX, SOFTMAX.replace(" / keys.shape[-1]**0.5", ""))],
        breaks=set(HIDDEN_MODULE_CHECKS),
        mistake="no_scaling",
        description="the scores of the heads are not scaled by sqrt(head_dim) "
        "(invisible in the worked example, where head_dim = 1)",
    ),
    mutation(
        "mask_fill_zero",
        [(FILL, "attn_scores.masked_fill_(mask_bool, 0)")],
        breaks=MODULE_BROKEN,
        mistake="mask_fill_zero",
        description="the future scores of the heads are set to 0 instead of -inf",
    ),
    mutation(
        "no_size_check",
        [(CHECK_SIZES, "pass")],
        breaks={"mha_divisible_hidden"},
        description="no check that d_out splits into num_heads heads",
    ),
    mutation(
        "pasted_numbers",
        [(WRAPPER_CAT, pasted(worked.WRAPPER_OUTPUT)), (OUT, pasted(worked.MHA_OUTPUT))],
        breaks={"mha_wrapper_hidden", "mha_torch_hidden", "mha_agrees_wrapper_hidden"},
        description="the worked values pasted in place of both forward methods",
    ),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation(
        "alt_reshape_permute",
        [
            (SPLIT, "return x.reshape(b, num_tokens, num_heads, -1).permute(0, 2, 1, 3)"),
            (MERGE, "return x.transpose(1, 2).reshape(b, num_tokens, -1)"),
        ],
        breaks=set(),
        description="reshape and permute instead of view and transpose; reshape instead of contiguous().view",
    ),
    mutation(
        "alt_renamed",
        [
            (
                "b, num_tokens, d_out = x.shape\n    head_dim = d_out // num_heads\n    " + SPLIT,
                "batch_size, seq_len, width = x.shape\n    "
                "return x.view(batch_size, seq_len, num_heads, width // num_heads).transpose(1, 2)",
            ),
        ],
        breaks=set(),
        description="renamed variables in split_heads",
    ),
    mutation(
        "alt_einsum_matmul_softmax",
        [
            (
                "attn_scores = queries @ keys.transpose(2, 3)",
                "attn_scores = torch.einsum('bhqd,bhkd->bhqk', queries, keys)",
            ),
            (
                "context_vec = merge_heads(attn_weights @ values)",
                "context_vec = merge_heads(torch.matmul(attn_weights, values))",
            ),
            (SOFTMAX, SOFTMAX.replace("torch.softmax", "torch.nn.functional.softmax")),
        ],
        breaks=set(),
        description="einsum, torch.matmul and F.softmax",
    ),
    mutation(
        "alt_adding_inf_matrix",
        [(FILL, "attn_scores = attn_scores + torch.zeros(num_tokens, num_tokens).masked_fill(mask_bool, -torch.inf)")],
        breaks=set(),
        description="adding a -inf matrix instead of masked_fill_",
    ),
    mutation(
        "alt_assert",
        [(CHECK_SIZES, 'assert d_out % num_heads == 0, "d_out must be divisible by num_heads"')],
        breaks=set(),
        description="an assert with a message instead of raising ValueError",
    ),
    mutation(
        "alt_concat",
        [(WRAPPER_CAT, "return torch.concat([head(x) for head in self.heads], dim=2)")],
        breaks=set(),
        description="torch.concat on dim=2",
    ),
]
