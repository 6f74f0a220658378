"""Checks of assignment 01: simplified self-attention without trainable weights.

Each TO-DO is a function the student writes. Its public check calls it on the seed's
"Your journey starts with one step" inputs and compares with the seed's printed values; its
hidden check calls it on fresh inputs of another shape and compares with PyTorch's own
operations, so pasted numbers earn nothing there. Each reference is written with
:class:`~autograder.mistakes.Ops`, so the catalogued mistakes about its operations are
recognised wherever they can happen.
"""

from __future__ import annotations

import torch

from ..authoring import HIDDEN_TOL, Assignment, call, expect, expect_tensor, rand, randn
from ..worked_values import simplified_attention as worked

ASSIGNMENT = Assignment("01_simplified_attention", "Simplified self-attention without trainable weights")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check

X2 = worked.INPUTS[worked.QUERY_INDEX]
EXACT_WEIGHTS_2 = torch.softmax(worked.INPUTS @ X2, dim=-1)  # unrounded input for the context steps
EXACT_WEIGHTS = torch.softmax(worked.INPUTS @ worked.INPUTS.T, dim=-1)


def _scores_of_one_query(function: str) -> list:
    return [
        call(function, worked.INPUTS, X2),
        expect(worked.ATTN_SCORES_2, what="Scores of query x^2", reference=lambda ops: ops.matmul(worked.INPUTS, X2)),
    ]


def _scores_of_one_query_hidden(student, function: str) -> str:
    inputs, query = rand(101, 5, 4), rand(102, 4)
    return expect_tensor(
        student.answer(function, inputs, query),
        inputs @ query,
        student=student,
        what="Scores on fresh inputs (5 tokens of dimension 4)",
        reference=lambda ops: ops.matmul(inputs, query),
        **HIDDEN_TOL,
    )


@public("scores_loop", points=1, todo="Scores of x^2 with a loop of dot products")
def check_scores_loop():
    return _scores_of_one_query("attention_scores_loop")


@hidden("scores_loop_hidden", points=1, todo="Scores with a loop (fresh inputs)")
def check_scores_loop_hidden(student):
    return _scores_of_one_query_hidden(student, "attention_scores_loop")


@public("scores_matmul", points=1, todo="Scores of x^2 with one matrix product")
def check_scores_matmul():
    return _scores_of_one_query("attention_scores_matmul")


@hidden("scores_matmul_hidden", points=1, todo="Scores with a matrix product (fresh inputs)")
def check_scores_matmul_hidden(student):
    return _scores_of_one_query_hidden(student, "attention_scores_matmul")


@public("normalize_by_sum", points=1, todo="Weights: scores divided by their sum")
def check_normalize_by_sum():
    return [
        call("normalize_by_sum", worked.ATTN_SCORES_2),
        expect(
            worked.ATTN_WEIGHTS_2_BY_SUM,
            what="Scores of x^2 divided by their sum",
            reference=lambda ops: ops.normalise(worked.ATTN_SCORES_2),
        ),
    ]


@hidden("normalize_by_sum_hidden", points=1, todo="Divide by the sum (fresh scores)")
def check_normalize_by_sum_hidden(student):
    scores = rand(103, 7) + 0.5
    return expect_tensor(
        student.answer("normalize_by_sum", scores),
        scores / scores.sum(),
        student=student,
        what="Normalised fresh scores (7 values)",
        reference=lambda ops: ops.normalise(scores),
        **HIDDEN_TOL,
    )


def _softmax_of_scores_2(function: str) -> list:
    return [
        call(function, worked.ATTN_SCORES_2),
        expect(
            worked.ATTN_WEIGHTS_2,
            what="Softmax of the scores of x^2",
            reference=lambda ops: ops.softmax(worked.ATTN_SCORES_2),
        ),
    ]


@public("softmax_naive", points=1, todo="Naive softmax: exp(x) / sum(exp(x))")
def check_softmax_naive():
    return _softmax_of_scores_2("softmax_naive")


@hidden("softmax_naive_hidden", points=1, todo="Naive softmax (fresh scores)")
def check_softmax_naive_hidden(student):
    scores = randn(104, 7, scale=2.0)
    return expect_tensor(
        student.answer("softmax_naive", scores),
        torch.softmax(scores, dim=0),
        student=student,
        what="Naive softmax of fresh scores (7 values)",
        reference=lambda ops: ops.softmax(scores),
        **HIDDEN_TOL,
    )


@public("softmax_torch", points=1, todo="Attention weights with torch.softmax")
def check_softmax_torch():
    return _softmax_of_scores_2("attention_weights")


@hidden("softmax_torch_hidden", points=1, todo="torch.softmax on large fresh scores")
def check_softmax_torch_hidden(student):
    scores = randn(105, 7, scale=5.0, shift=100.0)  # exp(100) overflows float32
    return expect_tensor(
        student.answer("attention_weights", scores),
        torch.softmax(scores, dim=0),
        student=student,
        what="Weights of large fresh scores (around 100, where exp overflows)",
        reference=lambda ops: ops.softmax(scores),
        **HIDDEN_TOL,
    )


def _context_of_query_2(function: str) -> list:
    return [
        call(function, worked.INPUTS, EXACT_WEIGHTS_2, reveal_uninitialised=True),
        expect(
            worked.CONTEXT_VEC_2,
            what="Context vector z^2",
            reference=lambda ops: ops.matmul(EXACT_WEIGHTS_2, worked.INPUTS),
        ),
    ]


def _context_hidden(student, function: str) -> str:
    inputs, weights = rand(106, 5, 4), torch.softmax(randn(107, 5), dim=0)
    got = student.call(function, inputs, weights, reveal_uninitialised=True)
    return expect_tensor(
        got,
        weights @ inputs,
        student=student,
        what="Context vector of fresh inputs (5 tokens, dim 4)",
        reference=lambda ops: ops.matmul(weights, inputs),
        **HIDDEN_TOL,
    )


@public("context_loop", points=1, todo="Context vector z^2 with a loop")
def check_context_loop():
    return _context_of_query_2("context_vector_loop")


@hidden("context_loop_hidden", points=1, todo="Context vector with a loop (fresh inputs)")
def check_context_loop_hidden(student):
    return _context_hidden(student, "context_vector_loop")


@public("context_weighted_sum", points=1, todo="Context vector z^2 as one weighted sum")
def check_context_weighted_sum():
    return _context_of_query_2("context_vector")


@hidden("context_weighted_sum_hidden", points=1, todo="Weighted sum (fresh inputs)")
def check_context_weighted_sum_hidden(student):
    return _context_hidden(student, "context_vector")


@public("all_scores", points=1, todo="All scores: inputs @ inputs.T")
def check_all_scores():
    return [
        call("all_attention_scores", worked.INPUTS),
        expect(
            worked.ATTN_SCORES,
            what="6x6 attention scores",
            reference=lambda ops: ops.scores(worked.INPUTS, worked.INPUTS),
        ),
    ]


@hidden("all_scores_hidden", points=1, todo="All scores (fresh inputs)")
def check_all_scores_hidden(student):
    inputs = rand(108, 5, 4)
    return expect_tensor(
        student.answer("all_attention_scores", inputs),
        inputs @ inputs.T,
        student=student,
        what="Scores of fresh inputs (5 tokens, dim 4)",
        reference=lambda ops: ops.scores(inputs, inputs),
        **HIDDEN_TOL,
    )


@public("all_weights", points=1, todo="All weights: softmax of each row")
def check_all_weights():
    return [
        call("all_attention_weights", worked.ATTN_SCORES),
        expect(
            worked.ATTN_WEIGHTS,
            what="6x6 attention weights",
            reference=lambda ops: ops.softmax(worked.ATTN_SCORES),
            hint="each row i holds the weights of query i and must sum to 1.",
        ),
    ]


@hidden("all_weights_hidden", points=1, todo="All weights (fresh, large scores)")
def check_all_weights_hidden(student):
    scores = randn(109, 5, 5, scale=4.0, shift=95.0)
    return expect_tensor(
        student.answer("all_attention_weights", scores),
        torch.softmax(scores, dim=-1),
        student=student,
        what="Weights of fresh 5x5 scores (around 95)",
        reference=lambda ops: ops.softmax(scores),
        **HIDDEN_TOL,
    )


@public("all_context", points=1, todo="All context vectors: weights @ inputs")
def check_all_context():
    return [
        call("all_context_vectors", EXACT_WEIGHTS, worked.INPUTS),
        expect(
            worked.CONTEXT_VECS,
            what="6x3 context vectors",
            reference=lambda ops: ops.matmul(EXACT_WEIGHTS, worked.INPUTS),
        ),
    ]


@hidden("all_context_hidden", points=1, todo="All context vectors (fresh inputs)")
def check_all_context_hidden(student):
    weights, inputs = torch.softmax(randn(110, 5, 5), dim=-1), rand(111, 5, 4)
    return expect_tensor(
        student.answer("all_context_vectors", weights, inputs),
        weights @ inputs,
        student=student,
        what="Context vectors of fresh inputs (5 tokens, dim 4)",
        reference=lambda ops: ops.matmul(weights, inputs),
        **HIDDEN_TOL,
    )
