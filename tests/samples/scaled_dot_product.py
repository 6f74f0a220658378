"""Sample submissions of assignment 03: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import scaled_dot_product as worked

from . import mutation, pasted

_WEIGHTS = ("sdpa_weights", "sdpa_weights_hidden")

_SCALED = "return torch.softmax(attn_scores / d_k**0.5, dim=-1)"
_TAIL = (
    "\n\n        attn_scores = queries @ keys.T\n"
    "        attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)\n"
    "        context_vec = attn_weights @ values\n"
    "        return context_vec"
)
V1_TAIL = "values = x @ self.W_value" + _TAIL  # the forward of SelfAttention from its last projection on
V2_TAIL = "values = self.W_value(x)" + _TAIL  # the same in SelfAttention_v2


def _in(tail: str, old: str, new: str) -> tuple[str, str]:
    """An edit of one line of a module's forward (the tail makes the text unique in the notebook)."""
    assert tail.count(old) == 1, old
    return tail, tail.replace(old, new)


_COPY = (
    'return {\n        "W_query.weight": state_v1["W_query"].T,\n        "W_key.weight": state_v1["W_key"].T,\n'
    '        "W_value.weight": state_v1["W_value"].T,\n    }'
)
_V1 = {"sdpa_module", "sdpa_module_hidden"}
_V2 = {"sdpa_module_v2", "sdpa_module_v2_hidden"}
_W = set(_WEIGHTS)
MUTATIONS = [
    mutation(
        "no_scaling",
        [(_SCALED, "return torch.softmax(attn_scores, dim=-1)")],
        breaks=_W,
        mistake="no_scaling",
        description="softmax of the raw scores, not divided by sqrt(d_k)",
    ),
    mutation(
        "no_scaling_in_module",
        [_in(V1_TAIL, "attn_scores / keys.shape[-1]**0.5", "attn_scores")],
        breaks=_V1,
        mistake="no_scaling",
        description="SelfAttention without the 1/sqrt(d_k) scaling",
    ),
    mutation(
        "scale_sqrt_d_in",
        [_in(V1_TAIL, "keys.shape[-1]**0.5", "x.shape[-1]**0.5")],
        breaks=_V1,
        mistake="scale_sqrt_d_in",
        description="SelfAttention scales by sqrt(d_in), the input dimension",
    ),
    mutation(
        "keys_queries_swapped",
        [_in(V2_TAIL, "queries @ keys.T", "keys @ queries.T")],
        breaks=_V2,
        mistake="keys_queries_swapped",
        description="SelfAttention_v2 computes the scores as keys @ queries.T",
    ),
    mutation(
        "scale_d_k",
        [(_SCALED, "return torch.softmax(attn_scores / d_k, dim=-1)")],
        breaks=_W,
        mistake="scale_d_k",
        description="the scores divided by d_k instead of sqrt(d_k)",
    ),
    mutation(
        "scale_sqrt_seq_len",
        [("d_k = keys.shape[-1]", "d_k = keys.shape[0]")],
        breaks=_W,
        mistake="scale_sqrt_seq_len",
        description="d_k read from the number of keys (tokens), not their size",
    ),
    mutation(
        "weights_on_inputs",
        [_in(V1_TAIL, "attn_weights @ values", "attn_weights @ x")],
        breaks=_V1,
        mistake="weights_on_inputs",
        description="SelfAttention mixes the inputs instead of the values",
    ),
    mutation(
        "softmax_dim0",
        [_in(V2_TAIL, "dim=-1)", "dim=0)")],
        breaks=_V2,
        mistake="softmax_dim0",
        description="SelfAttention_v2 normalises the columns of the scores",
    ),
    mutation(
        "softmax_no_dim",
        [(_SCALED, "return torch.nn.functional.softmax(attn_scores / d_k**0.5)")],
        breaks=_W,
        mistake="softmax_no_dim",
        description="softmax without dim: right numbers here, and a warning",
    ),
    mutation(
        "no_transpose_on_copy",
        [
            ('"W_query.weight": state_v1["W_query"].T', '"W_query.weight": state_v1["W_query"]'),
            ('"W_key.weight": state_v1["W_key"].T', '"W_key.weight": state_v1["W_key"]'),
            ('"W_value.weight": state_v1["W_value"].T', '"W_value.weight": state_v1["W_value"]'),
        ],
        breaks={"sdpa_copy_weights", "sdpa_copy_weights_hidden"},
        description="the weights copied without the transpose nn.Linear needs",
    ),
    mutation(
        "pasted_numbers",
        [
            (_SCALED, pasted(worked.ATTN_WEIGHTS_2)),
            (V1_TAIL, "values = x @ self.W_value\n        " + pasted(worked.SELF_ATTENTION_OUTPUT)),
        ],
        breaks={"sdpa_weights_hidden", "sdpa_module_hidden"},
        description="the printed numbers pasted in place of code in two TO-DOs",
    ),
    # Correct alternatives: they must pass every check with no diagnosis.
    mutation(
        "einsum_and_matmul",
        [
            _in(V1_TAIL, "queries @ keys.T", "torch.einsum('qd,kd->qk', queries, keys)"),
            _in(V2_TAIL, "attn_weights @ values", "torch.matmul(attn_weights, values)"),
        ],
        breaks=set(),
        description="einsum for the scores of SelfAttention, torch.matmul in SelfAttention_v2",
    ),
    mutation(
        "transpose_and_math_sqrt",
        [
            (
                _SCALED,
                "import math\n    return torch.nn.functional.softmax(attn_scores * (1 / math.sqrt(d_k)), dim=-1)",
            ),
            _in(V1_TAIL, "keys.T", "keys.transpose(-2, -1)"),
            _in(V2_TAIL, "keys.T", "keys.mT"),
        ],
        breaks=set(),
        description="multiplying by 1/math.sqrt(d_k), transpose(-2, -1) and .mT instead of .T",
    ),
    mutation(
        "torch_sdpa_in_module",
        [
            (
                V2_TAIL,
                "values = self.W_value(x)\n"
                "        return torch.nn.functional.scaled_dot_product_attention(queries, keys, values)",
            ),
        ],
        breaks=set(),
        description="SelfAttention_v2 calls PyTorch's scaled_dot_product_attention",
    ),
    mutation(
        "explicit_loops",
        [
            (
                V1_TAIL,
                "values = x @ self.W_value\n"
                "        d_k = keys.shape[1]\n"
                "        context = torch.zeros(x.shape[0], values.shape[1])\n"
                "        for i in range(x.shape[0]):\n"
                "            scores = torch.zeros(x.shape[0])\n"
                "            for j in range(x.shape[0]):\n"
                "                scores[j] = torch.dot(queries[i], keys[j]) / d_k**0.5\n"
                "            weights = torch.softmax(scores, dim=0)\n"
                "            for j in range(x.shape[0]):\n"
                "                context[i] += weights[j] * values[j]\n"
                "        return context",
            ),
        ],
        breaks=set(),
        description="SelfAttention with loops over queries and keys (softmax of a 1-D row, dim=0)",
    ),
    mutation(
        "renamed_and_reordered",
        [
            (
                "def scaled_attention_weights(attn_scores, keys):\n    ### BEGIN SOLUTION\n    d_k = keys.shape[-1]\n"
                "    return torch.softmax(attn_scores / d_k**0.5, dim=-1)",
                "def scaled_attention_weights(s, k):\n    ### BEGIN SOLUTION\n"
                "    return torch.softmax(s / k.size(-1)**0.5, -1)",
            ),
            (
                "    def __init__(self, d_in, d_out):\n        super().__init__()\n        ### BEGIN SOLUTION\n"
                "        self.W_query = nn.Linear(d_in, d_out, bias=False)\n"
                "        self.W_key   = nn.Linear(d_in, d_out, bias=False)\n"
                "        self.W_value = nn.Linear(d_in, d_out, bias=False)",
                "    def __init__(self, n_in, n_out):\n        super().__init__()\n        ### BEGIN SOLUTION\n"
                "        self.W_value = nn.Linear(n_in, n_out, bias=False)\n"
                "        self.W_key = nn.Linear(n_in, n_out, bias=False)\n"
                "        self.W_query = nn.Linear(n_in, n_out, bias=False)",
            ),
            (_COPY, 'return {f"{name}.weight": w.t().clone() for name, w in state_v1.items()}'),
        ],
        breaks=set(),
        description="other parameter names, layers created in another order, a dict comprehension",
    ),
]
