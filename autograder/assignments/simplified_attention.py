"""Checks of assignment 01: simplified self-attention without trainable weights.

Each TO-DO is a function the student writes. Its public check calls it on the
seed's "Your journey starts with one step" inputs and compares with the seed's
printed values; its hidden check calls it on fresh inputs of another shape and
compares with PyTorch's own operations, so pasted numbers earn nothing there.
"""
from __future__ import annotations

import torch

from ..compare import expect_tensor
from ..framework import Assignment
from ..mistakes import accumulated_into_uninitialised, detect, overflowed, variant
from ..samples import mutation, pasted
from ..worked_values import simplified_attention as worked
from .fresh import HIDDEN_TOL, rand, randn

ASSIGNMENT = Assignment("01_simplified_attention", "Simplified self-attention without trainable weights")
check = ASSIGNMENT.check

X2 = worked.INPUTS[worked.QUERY_INDEX]
EXACT_WEIGHTS_2 = torch.softmax(worked.INPUTS @ X2, dim=-1)  # unrounded input for the context steps
EXACT_WEIGHTS = torch.softmax(worked.INPUTS @ worked.INPUTS.T, dim=-1)


def _scores_of_one_query(student, function: str) -> str:
    case = {"inputs": worked.INPUTS, "query": X2}
    got = student.call(function, *case.values())
    return expect_tensor(got, worked.ATTN_SCORES_2, what="Scores of query x^2", student=student, case=case)


def _scores_of_one_query_hidden(student, function: str) -> str:
    case = {"inputs": rand(101, 5, 4), "query": rand(102, 4)}
    got = student.call(function, *case.values())
    return expect_tensor(got, case["inputs"] @ case["query"], what="Scores on fresh inputs (5 tokens of dimension 4)",
                         student=student, case=case, **HIDDEN_TOL)


@check("scores_loop", points=1, todo="Scores of x^2 with a loop of dot products")
def check_scores_loop(student):
    return _scores_of_one_query(student, "attention_scores_loop")


@check("scores_loop_hidden", points=1, todo="Scores with a loop (fresh inputs)", hidden=True)
def check_scores_loop_hidden(student):
    return _scores_of_one_query_hidden(student, "attention_scores_loop")


@check("scores_matmul", points=1, todo="Scores of x^2 with one matrix product")
def check_scores_matmul(student):
    return _scores_of_one_query(student, "attention_scores_matmul")


@check("scores_matmul_hidden", points=1, todo="Scores with a matrix product (fresh inputs)", hidden=True)
def check_scores_matmul_hidden(student):
    return _scores_of_one_query_hidden(student, "attention_scores_matmul")


@check("normalize_by_sum", points=1, todo="Weights: scores divided by their sum")
def check_normalize_by_sum(student):
    case = {"scores": worked.ATTN_SCORES_2}
    got = student.call("normalize_by_sum", *case.values())
    return expect_tensor(got, worked.ATTN_WEIGHTS_2_BY_SUM, what="Scores of x^2 divided by their sum",
                         student=student, case=case)


@check("normalize_by_sum_hidden", points=1, todo="Divide by the sum (fresh scores)", hidden=True)
def check_normalize_by_sum_hidden(student):
    case = {"scores": rand(103, 7) + 0.5}
    got = student.call("normalize_by_sum", *case.values())
    return expect_tensor(got, case["scores"] / case["scores"].sum(), what="Normalised fresh scores (7 values)",
                         student=student, case=case, **HIDDEN_TOL)


def _softmax_of_scores_2(student, function: str) -> str:
    case = {"scores": worked.ATTN_SCORES_2}
    got = student.call(function, *case.values())
    return expect_tensor(got, worked.ATTN_WEIGHTS_2, what="Softmax of the scores of x^2", student=student, case=case)


@check("softmax_naive", points=1, todo="Naive softmax: exp(x) / sum(exp(x))")
def check_softmax_naive(student):
    return _softmax_of_scores_2(student, "softmax_naive")


@check("softmax_naive_hidden", points=1, todo="Naive softmax (fresh scores)", hidden=True)
def check_softmax_naive_hidden(student):
    case = {"scores": randn(104, 7, scale=2.0)}
    got = student.call("softmax_naive", *case.values())
    return expect_tensor(got, torch.softmax(case["scores"], dim=0), what="Naive softmax of fresh scores (7 values)",
                         student=student, case=case, **HIDDEN_TOL)


@check("softmax_torch", points=1, todo="Attention weights with torch.softmax")
def check_softmax_torch(student):
    return _softmax_of_scores_2(student, "attention_weights")


@check("softmax_torch_hidden", points=1, todo="torch.softmax on large fresh scores", hidden=True)
def check_softmax_torch_hidden(student):
    case = {"scores": randn(105, 7, scale=5.0, shift=100.0)}  # exp(100) overflows float32
    got = student.call("attention_weights", *case.values())
    return expect_tensor(got, torch.softmax(case["scores"], dim=0),
                         what="Weights of large fresh scores (around 100, where exp overflows)",
                         student=student, case=case, **HIDDEN_TOL)


def _context_of_query_2(student, function: str) -> str:
    case = {"inputs": worked.INPUTS, "weights": EXACT_WEIGHTS_2}
    got = student.call(function, *case.values(), reveal_uninitialised=True)
    return expect_tensor(got, worked.CONTEXT_VEC_2, what="Context vector z^2", student=student, case=case)


def _context_hidden(student, function: str) -> str:
    case = {"inputs": rand(106, 5, 4), "weights": torch.softmax(randn(107, 5), dim=0)}
    got = student.call(function, *case.values(), reveal_uninitialised=True)
    return expect_tensor(got, case["weights"] @ case["inputs"], what="Context vector of fresh inputs (5 tokens, dim 4)",
                         student=student, case=case, **HIDDEN_TOL)


@check("context_loop", points=1, todo="Context vector z^2 with a loop")
def check_context_loop(student):
    return _context_of_query_2(student, "context_vector_loop")


@check("context_loop_hidden", points=1, todo="Context vector with a loop (fresh inputs)", hidden=True)
def check_context_loop_hidden(student):
    return _context_hidden(student, "context_vector_loop")


@check("context_weighted_sum", points=1, todo="Context vector z^2 as one weighted sum")
def check_context_weighted_sum(student):
    return _context_of_query_2(student, "context_vector")


@check("context_weighted_sum_hidden", points=1, todo="Weighted sum (fresh inputs)", hidden=True)
def check_context_weighted_sum_hidden(student):
    return _context_hidden(student, "context_vector")


@check("all_scores", points=1, todo="All scores: inputs @ inputs.T")
def check_all_scores(student):
    case = {"inputs": worked.INPUTS}
    got = student.call("all_attention_scores", *case.values())
    return expect_tensor(got, worked.ATTN_SCORES, what="6x6 attention scores", student=student, case=case)


@check("all_scores_hidden", points=1, todo="All scores (fresh inputs)", hidden=True)
def check_all_scores_hidden(student):
    case = {"inputs": rand(108, 5, 4)}
    got = student.call("all_attention_scores", *case.values())
    return expect_tensor(got, case["inputs"] @ case["inputs"].T, what="Scores of fresh inputs (5 tokens, dim 4)",
                         student=student, case=case, **HIDDEN_TOL)


@check("all_weights", points=1, todo="All weights: softmax of each row")
def check_all_weights(student):
    case = {"scores": worked.ATTN_SCORES}
    got = student.call("all_attention_weights", *case.values())
    return expect_tensor(got, worked.ATTN_WEIGHTS, what="6x6 attention weights", student=student, case=case,
                         hint="each row i holds the weights of query i and must sum to 1.")


@check("all_weights_hidden", points=1, todo="All weights (fresh, large scores)", hidden=True)
def check_all_weights_hidden(student):
    case = {"scores": randn(109, 5, 5, scale=4.0, shift=95.0)}
    got = student.call("all_attention_weights", *case.values())
    return expect_tensor(got, torch.softmax(case["scores"], dim=-1), what="Weights of fresh 5x5 scores (around 95)",
                         student=student, case=case, **HIDDEN_TOL)


@check("all_context", points=1, todo="All context vectors: weights @ inputs")
def check_all_context(student):
    case = {"weights": EXACT_WEIGHTS, "inputs": worked.INPUTS}
    got = student.call("all_context_vectors", *case.values())
    return expect_tensor(got, worked.CONTEXT_VECS, what="6x3 context vectors", student=student, case=case)


@check("all_context_hidden", points=1, todo="All context vectors (fresh inputs)", hidden=True)
def check_all_context_hidden(student):
    case = {"weights": torch.softmax(randn(110, 5, 5), dim=-1), "inputs": rand(111, 5, 4)}
    got = student.call("all_context_vectors", *case.values())
    return expect_tensor(got, case["weights"] @ case["inputs"], what="Context vectors of fresh inputs (5 tokens, dim 4)",
                         student=student, case=case, **HIDDEN_TOL)


# Where each catalogued mistake can show up in this assignment, and how to recognise it.
detect("softmax_dim0", "all_weights", "all_weights_hidden", detector=variant(lambda scores: torch.softmax(scores, dim=0)))
detect("sum_instead_of_softmax", "softmax_naive", "softmax_naive_hidden", "softmax_torch", "softmax_torch_hidden",
       "all_weights", "all_weights_hidden",
       detector=variant(lambda scores: scores / scores.sum(dim=-1, keepdim=True)))
detect("softmax_instead_of_sum", "normalize_by_sum", "normalize_by_sum_hidden",
       detector=variant(lambda scores: torch.softmax(scores, dim=-1)))
detect("naive_softmax_overflow", "softmax_torch_hidden", "all_weights_hidden", detector=overflowed())
detect("empty_accumulator", "context_loop", "context_loop_hidden", detector=accumulated_into_uninitialised)

# Sample submissions: the reference solution with one mistake each (see autograder.samples).
MUTATIONS = [
    mutation("softmax_dim0", [("return torch.softmax(attn_scores, dim=-1)", "return torch.softmax(attn_scores, dim=0)")],
             breaks={"all_weights", "all_weights_hidden"}, mistake="softmax_dim0",
             description="softmax over the columns of the 6x6 scores"),
    mutation("sum_instead_of_softmax", [("return torch.softmax(scores, dim=-1)", "return scores / scores.sum()")],
             breaks={"softmax_torch", "softmax_torch_hidden"}, mistake="sum_instead_of_softmax",
             description="the torch.softmax step divides by the sum"),
    mutation("softmax_instead_of_sum", [("return scores / scores.sum()", "return torch.softmax(scores, dim=-1)")],
             breaks={"normalize_by_sum", "normalize_by_sum_hidden"}, mistake="softmax_instead_of_sum",
             description="softmax where the step asks for the sum"),
    mutation("naive_softmax_overflow",
             [("return torch.softmax(scores, dim=-1)", "return torch.exp(scores) / torch.exp(scores).sum()")],
             breaks={"softmax_torch_hidden"}, mistake="naive_softmax_overflow",
             description="exp/sum where torch.softmax is asked: overflows on large scores"),
    mutation("empty_accumulator",
             [("context_vec = torch.zeros(inputs.shape[1])", "context_vec = torch.empty(inputs.shape[1])")],
             breaks={"context_loop", "context_loop_hidden"}, mistake="empty_accumulator",
             description="the context vector is accumulated into torch.empty, as seed 000 does"),
    mutation("pasted_numbers", [
        ("scores = torch.zeros(inputs.shape[0])\n    for i, x_i in enumerate(inputs):\n"
         "        scores[i] = torch.dot(x_i, query)\n    return scores", pasted(worked.ATTN_SCORES_2)),
        ("return torch.softmax(attn_scores, dim=-1)", pasted(worked.ATTN_WEIGHTS)),
        ("context_vec = torch.zeros(inputs.shape[1])\n    for i, x_i in enumerate(inputs):\n"
         "        context_vec += attn_weights[i] * x_i\n    return context_vec", pasted(worked.CONTEXT_VEC_2)),
    ], breaks={"scores_loop_hidden", "all_weights_hidden", "context_loop_hidden"},
        description="the worked values pasted in place of code in three TO-DOs"),
    # Correct answers written another way: they must pass every check with no diagnosis.
    mutation("alternative_einsum_and_matmul", [
        ("return inputs @ query", "return torch.einsum('td,d->t', inputs, query)"),
        ("return inputs @ inputs.T", "return torch.matmul(inputs, inputs.transpose(0, 1))"),
    ], breaks=set(), description="einsum and torch.matmul instead of @"),
    mutation("alternative_stable_softmax", [
        ("return torch.softmax(scores, dim=-1)",
         "shifted = scores - scores.max()\n    return torch.exp(shifted) / torch.exp(shifted).sum()"),
        ("return torch.softmax(attn_scores, dim=-1)", "return torch.nn.functional.softmax(attn_scores, dim=1)"),
    ], breaks=set(), description="a numerically stable hand-written softmax; F.softmax over dim=1"),
    mutation("alternative_loops_and_names", [
        ("return inputs @ inputs.T", "n = len(inputs)\n    out = torch.zeros(n, n)\n    for i in range(n):\n"
         "        for j in range(n):\n            out[i, j] = (inputs[i] * inputs[j]).sum()\n    return out"),
        ("context_vec = torch.zeros(inputs.shape[1])\n    for i, x_i in enumerate(inputs):\n"
         "        context_vec += attn_weights[i] * x_i\n    return context_vec",
         "z = torch.zeros_like(inputs[0])\n    for weight, row in zip(attn_weights, inputs):\n"
         "        z = z + weight * row\n    return z"),
    ], breaks=set(), description="explicit loops and other variable names"),
]
