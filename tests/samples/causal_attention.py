"""Sample submissions of assignment 04: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import causal_attention as worked

from . import mutation, pasted

MODULE_MASK = "torch.triu(torch.ones(context_length, context_length), diagonal=1)"
MODULE_FILL = "attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)"
MODULE_SCORES = "attn_scores = queries @ keys.transpose(1, 2)"
MODULE_SOFTMAX = (
    "attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)\n"
    "        attn_weights = self.dropout(attn_weights)"
)
MODULE_DROPOUT = "attn_weights = self.dropout(attn_weights)"
RENORM = "return masked_simple / masked_simple.sum(dim=-1, keepdim=True)"
SCORES_FILL = "return attn_scores.masked_fill(mask.bool(), -torch.inf)"
WEIGHTS_SOFTMAX = "return torch.softmax(masked / d_k**0.5, dim=-1)"
TRIL = "return torch.tril(torch.ones(context_length, context_length))"
DROPOUT = "dropout = torch.nn.Dropout(p)\n    return dropout(x)"

MODULE_BROKEN = {"causal_module", "causal_module_hidden"}

MUTATIONS = [
    # the wrong submissions of the issue
    mutation(
        "mask_diagonal",
        [(MODULE_MASK, "torch.triu(torch.ones(context_length, context_length))")],
        breaks=MODULE_BROKEN,
        mistake="mask_diagonal",
        description="the module's mask comes from triu without diagonal=1: the diagonal is hidden too",
    ),
    mutation(
        "mask_fill_zero",
        [(SCORES_FILL, "return attn_scores.masked_fill(mask.bool(), 0)")],
        breaks={"causal_masked_scores", "causal_masked_scores_hidden", "causal_weights", "causal_weights_hidden"},
        mistake="mask_fill_zero",
        description="the future scores are set to 0 instead of -inf",
    ),
    mutation(
        "normalised_wrong_axis",
        [(RENORM, RENORM.replace("dim=-1", "dim=0"))],
        breaks={"causal_renorm", "causal_renorm_hidden"},
        mistake="normalised_wrong_axis",
        description="the masked weights renormalised by their column sums",
    ),
    mutation(
        "mask_after_softmax_no_renorm",
        [(RENORM, "return masked_simple")],
        breaks={"causal_renorm", "causal_renorm_hidden"},
        mistake="mask_after_softmax_no_renorm",
        description="the weights are masked after softmax and the rows are not renormalised",
    ),
    # one per catalogued mistake registered above
    mutation(
        "triu_tril_swapped",
        [(TRIL, "return torch.triu(torch.ones(context_length, context_length))")],
        breaks={"causal_tril_mask", "causal_tril_mask_hidden"},
        mistake="triu_tril_swapped",
        description="triu where the mask of visible positions asks for tril",
    ),
    mutation(
        "module_triu_tril_swapped",
        [(MODULE_MASK, "torch.tril(torch.ones(context_length, context_length), diagonal=-1)")],
        breaks=MODULE_BROKEN | {"causal_no_leak_hidden"},
        mistake="triu_tril_swapped",
        description="the module hides the past instead of the future",
    ),
    mutation(
        "mask_one_future",
        [(MODULE_MASK, "torch.triu(torch.ones(context_length, context_length), diagonal=2)")],
        breaks=MODULE_BROKEN | {"causal_no_leak_hidden"},
        mistake="mask_one_future",
        description="the module's mask lets each token see the next one",
    ),
    mutation(
        "module_mask_fill_zero",
        [(MODULE_FILL, MODULE_FILL.replace("-torch.inf", "0"))],
        breaks=MODULE_BROKEN | {"causal_no_leak_hidden"},
        mistake="mask_fill_zero",
        description="the module fills the future scores with 0",
    ),
    mutation(
        "no_scaling",
        [(WEIGHTS_SOFTMAX, "return torch.softmax(masked, dim=-1)")],
        breaks={"causal_weights", "causal_weights_hidden"},
        mistake="no_scaling",
        description="the causal weights are not scaled by sqrt(d_k)",
    ),
    mutation(
        "module_no_scaling",
        [(MODULE_SOFTMAX, MODULE_SOFTMAX.replace(" / keys.shape[-1]**0.5", ""))],
        breaks=MODULE_BROKEN,
        mistake="no_scaling",
        description="the module does not scale the scores",
    ),
    mutation(
        "keys_queries_swapped",
        [(MODULE_SCORES, "attn_scores = keys @ queries.transpose(1, 2)")],
        breaks=MODULE_BROKEN,
        mistake="keys_queries_swapped",
        description="keys @ queries.T in the module",
    ),
    mutation(
        "dropout_at_eval",
        [(MODULE_DROPOUT, "attn_weights = torch.nn.functional.dropout(attn_weights, p=self.dropout.p, training=True)")],
        breaks={"causal_eval_hidden"},
        mistake="dropout_at_eval",
        description="F.dropout with training=True: dropout stays on in eval()",
    ),
    mutation(
        "dropout_on_scores",
        [(MODULE_SCORES, "attn_scores = self.dropout(queries @ keys.transpose(1, 2))"), (MODULE_DROPOUT + "\n", "")],
        breaks={"causal_train_dropout_hidden"},
        mistake="dropout_on_scores",
        description="dropout on the scores, before the mask and softmax",
    ),
    mutation(
        "pasted_numbers",
        [
            (RENORM, pasted(worked.MASKED_WEIGHTS)),
            (WEIGHTS_SOFTMAX, pasted(worked.MASKED_WEIGHTS)),
            ("return dropout(x)", pasted(worked.DROPOUT_ONES)),
        ],
        breaks={"causal_renorm_hidden", "causal_weights_hidden", "causal_dropout_hidden"},
        description="the worked values pasted in place of code in three TO-DOs",
    ),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation(
        "alt_tril_method",
        [(TRIL, "return torch.ones(context_length, context_length).tril()")],
        breaks=set(),
        description="Tensor.tril() instead of torch.tril",
    ),
    mutation(
        "alt_renorm_dim1",
        [(RENORM, "return masked_simple / masked_simple.sum(dim=1, keepdim=True)")],
        breaks=set(),
        description="row sums with dim=1",
    ),
    mutation(
        "alt_adding_inf_matrix",
        [
            (
                SCORES_FILL,
                "return attn_scores + torch.triu(torch.full((num_tokens, num_tokens), -torch.inf), diagonal=1)",
            )
        ],
        breaks=set(),
        description="adding a matrix of -inf above the diagonal instead of masked_fill",
    ),
    mutation(
        "alt_functional_softmax",
        [(WEIGHTS_SOFTMAX, "return torch.nn.functional.softmax(masked / torch.sqrt(torch.tensor(d_k)), dim=1)")],
        breaks=set(),
        description="F.softmax over dim=1 and torch.sqrt",
    ),
    mutation(
        "alt_functional_dropout",
        [(DROPOUT, "return torch.nn.functional.dropout(x, p=p, training=True)")],
        breaks=set(),
        description="F.dropout with training=True",
    ),
    mutation(
        "alt_einsum_matmul_where",
        [
            (MODULE_SCORES, "scores = torch.einsum('bqd,bkd->bqk', queries, keys)"),
            (MODULE_FILL, "attn_scores = torch.where(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf, scores)"),
            (MODULE_SOFTMAX, MODULE_SOFTMAX.replace("torch.softmax", "torch.nn.functional.softmax")),
            ("context_vec = attn_weights @ values", "context_vec = torch.matmul(attn_weights, values)"),
        ],
        breaks=set(),
        description="einsum, torch.where instead of masked_fill_, F.softmax and torch.matmul",
    ),
    mutation(
        "alt_bool_mask_buffer",
        [(MODULE_MASK, "torch.ones(context_length, context_length, dtype=torch.bool).triu(diagonal=1)")],
        breaks=set(),
        description="the mask buffer stored as booleans",
    ),
]
