"""Sample submissions of assignment 02: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import qkv_self_attention as worked

from . import mutation, pasted

_SOFTMAX = "return torch.softmax(attn_scores, dim=-1)"
_SUM = "return weighted_values.sum(dim=1)"
_PIPELINE_RETURN = "return sum_weighted_values(weight_values(attn_weights, values))"
_PIPELINE_CHECKS = {"qkv_self_attention", "qkv_self_attention_hidden"}
MUTATIONS = [
    mutation(
        "softmax_dim0",
        [(_SOFTMAX, "return torch.softmax(attn_scores, dim=0)")],
        breaks={"qkv_weights", "qkv_weights_hidden"} | _PIPELINE_CHECKS,
        mistake="softmax_dim0",
        description="softmax down the columns of the scores",
    ),
    mutation(
        "weighted_sum_wrong_axis",
        [(_SUM, "return weighted_values.sum(dim=0)")],
        breaks={"qkv_outputs", "qkv_outputs_hidden"} | _PIPELINE_CHECKS,
        mistake="weighted_sum_wrong_axis",
        description="the weighted values summed over the queries (dim=0) instead of the values",
    ),
    mutation(
        "softmax_no_dim",
        [(_SOFTMAX, "return torch.nn.functional.softmax(attn_scores)")],
        breaks={"qkv_weights", "qkv_weights_hidden"} | _PIPELINE_CHECKS,
        mistake="softmax_no_dim",
        description="softmax without dim, as seed 004 writes it: right numbers on 2-D, and a warning",
    ),
    mutation(
        "keys_queries_swapped",
        [("return queries @ keys.T", "return keys @ queries.T")],
        breaks={"qkv_scores_hidden", "qkv_self_attention_hidden"},
        mistake="keys_queries_swapped",
        description="keys @ queries.T: the worked scores are symmetric, so only fresh inputs show it",
    ),
    mutation(
        "weights_on_inputs",
        [(_PIPELINE_RETURN, "return sum_weighted_values(weight_values(attn_weights, x))")],
        breaks=_PIPELINE_CHECKS,
        mistake="weights_on_inputs",
        description="the attention weights applied to the inputs instead of the values",
    ),
    mutation(
        "pasted_numbers",
        [
            ("return queries @ keys.T", pasted(worked.ATTN_SCORES)),
            (
                _SOFTMAX,
                "return torch.tensor([[6.3379e-02, 4.6831e-01, 4.6831e-01],\n"
                "                         [6.0337e-06, 9.8201e-01, 1.7986e-02],\n"
                "                         [2.9539e-04, 8.8054e-01, 1.1917e-01]])",
            ),
            (_SUM, pasted(worked.OUTPUTS)),
        ],
        breaks={"qkv_scores_hidden", "qkv_weights_hidden", "qkv_outputs_hidden", "qkv_self_attention_hidden"},
        description="the printed numbers pasted in place of code in three TO-DOs",
    ),
    # Correct alternatives: they must pass every check with no diagnosis.
    mutation(
        "einsum_and_matmul",
        [
            ("keys = x @ w_key", "keys = torch.einsum('nd,de->ne', x, w_key)"),
            ("return queries @ keys.T", "return torch.matmul(queries, keys.transpose(0, 1))"),
            ("return values * attn_weights.unsqueeze(-1)", "return torch.einsum('ij,jd->ijd', attn_weights, values)"),
            (_SUM, "return torch.einsum('ijd->id', weighted_values)"),
        ],
        breaks=set(),
        description="einsum and torch.matmul instead of @ and broadcasting",
    ),
    mutation(
        "explicit_loops",
        [
            (
                "return values * attn_weights.unsqueeze(-1)",
                "weighted = torch.zeros(attn_weights.shape[0], values.shape[0], values.shape[1])\n"
                "    for i in range(attn_weights.shape[0]):\n"
                "        for j in range(values.shape[0]):\n"
                "            weighted[i, j] = attn_weights[i, j] * values[j]\n"
                "    return weighted",
            ),
            (
                _SUM,
                "outputs = torch.zeros(weighted_values.shape[0], weighted_values.shape[2])\n"
                "    for j in range(weighted_values.shape[1]):\n"
                "        outputs += weighted_values[:, j]\n"
                "    return outputs",
            ),
        ],
        breaks=set(),
        description="loops over queries and values instead of broadcasting and sum",
    ),
    mutation(
        "explicit_dim_1_and_axis",
        [
            (_SOFTMAX, "return torch.nn.functional.softmax(attn_scores, dim=1)"),
            (_SUM, "return torch.sum(weighted_values, axis=1)"),
        ],
        breaks=set(),
        description="softmax with dim=1 (the last dimension of 2-D scores) and sum with axis=1",
    ),
    mutation(
        "renamed_and_inlined",
        [
            ("def attention_scores(queries, keys):", "def attention_scores(q, k):"),
            ("return queries @ keys.T", "return q @ k.T"),
            ("def weight_values(attn_weights, values):", "def weight_values(w, v):"),
            ("return values * attn_weights.unsqueeze(-1)", "return w[:, :, None] * v[None, :, :]"),
            (_PIPELINE_RETURN, "return torch.softmax((x @ w_query) @ (x @ w_key).T, dim=-1) @ (x @ w_value)"),
        ],
        breaks=set(),
        description="other parameter names, indexing with None, and the pipeline as one expression",
    ),
]
