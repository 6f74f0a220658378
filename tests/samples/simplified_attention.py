"""Sample submissions of assignment 01: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import simplified_attention as worked

from . import mutation, pasted

MUTATIONS = [
    mutation(
        "softmax_dim0",
        [("return torch.softmax(attn_scores, dim=-1)", "return torch.softmax(attn_scores, dim=0)")],
        breaks={"all_weights", "all_weights_hidden"},
        mistake="softmax_dim0",
        description="softmax over the columns of the 6x6 scores",
    ),
    mutation(
        "sum_instead_of_softmax",
        [("return torch.softmax(scores, dim=-1)", "return scores / scores.sum()")],
        breaks={"softmax_torch", "softmax_torch_hidden"},
        mistake="sum_instead_of_softmax",
        description="the torch.softmax step divides by the sum",
    ),
    mutation(
        "softmax_instead_of_sum",
        [("return scores / scores.sum()", "return torch.softmax(scores, dim=-1)")],
        breaks={"normalize_by_sum", "normalize_by_sum_hidden"},
        mistake="softmax_instead_of_sum",
        description="softmax where the step asks for the sum",
    ),
    mutation(
        "naive_softmax_overflow",
        [("return torch.softmax(scores, dim=-1)", "return torch.exp(scores) / torch.exp(scores).sum()")],
        breaks={"softmax_torch_hidden"},
        mistake="naive_softmax_overflow",
        description="exp/sum where torch.softmax is asked: overflows on large scores",
    ),
    mutation(
        "empty_accumulator",
        [("context_vec = torch.zeros(inputs.shape[1])", "context_vec = torch.empty(inputs.shape[1])")],
        breaks={"context_loop", "context_loop_hidden"},
        mistake="empty_accumulator",
        description="the context vector is accumulated into torch.empty, as seed 000 does",
    ),
    mutation(
        "scores_size_of_worked_example",
        [("scores = torch.zeros(inputs.shape[0])", "scores = torch.zeros(6)")],
        breaks={"scores_loop_hidden"},
        mistake="worked_example_shape",
        description="the scores written into torch.zeros(6): the worked example's number of tokens",
    ),
    mutation(
        "pasted_numbers",
        [
            (
                "scores = torch.zeros(inputs.shape[0])\n    for i, x_i in enumerate(inputs):\n"
                "        scores[i] = torch.dot(x_i, query)\n    return scores",
                pasted(worked.ATTN_SCORES_2),
            ),
            ("return torch.softmax(attn_scores, dim=-1)", pasted(worked.ATTN_WEIGHTS)),
            (
                "context_vec = torch.zeros(inputs.shape[1])\n    for i, x_i in enumerate(inputs):\n"
                "        context_vec += attn_weights[i] * x_i\n    return context_vec",
                pasted(worked.CONTEXT_VEC_2),
            ),
        ],
        breaks={"scores_loop_hidden", "all_weights_hidden", "context_loop_hidden"},
        description="the worked values pasted in place of code in three TO-DOs",
    ),
    # Correct answers written another way: they must pass every check with no diagnosis.
    mutation(
        "alternative_einsum_and_matmul",
        [
            ("return inputs @ query", "return torch.einsum('td,d->t', inputs, query)"),
            ("return inputs @ inputs.T", "return torch.matmul(inputs, inputs.transpose(0, 1))"),
        ],
        breaks=set(),
        description="einsum and torch.matmul instead of @",
    ),
    mutation(
        "alternative_stable_softmax",
        [
            (
                "return torch.softmax(scores, dim=-1)",
                "shifted = scores - scores.max()\n    return torch.exp(shifted) / torch.exp(shifted).sum()",
            ),
            ("return torch.softmax(attn_scores, dim=-1)", "return torch.nn.functional.softmax(attn_scores, dim=1)"),
        ],
        breaks=set(),
        description="a numerically stable hand-written softmax; F.softmax over dim=1",
    ),
    mutation(
        "alternative_loops_and_names",
        [
            (
                "return inputs @ inputs.T",
                "n = len(inputs)\n    out = torch.zeros(n, n)\n    for i in range(n):\n"
                "        for j in range(n):\n            out[i, j] = (inputs[i] * inputs[j]).sum()\n    return out",
            ),
            (
                "context_vec = torch.zeros(inputs.shape[1])\n    for i, x_i in enumerate(inputs):\n"
                "        context_vec += attn_weights[i] * x_i\n    return context_vec",
                "z = torch.zeros_like(inputs[0])\n    for weight, row in zip(attn_weights, inputs):\n"
                "        z = z + weight * row\n    return z",
            ),
        ],
        breaks=set(),
        description="explicit loops and other variable names",
    ),
]
