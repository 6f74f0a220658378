"""Checks of assignment 02: self-attention with query, key and value weights.

The hand-computable example of seeds 003 and 004: three inputs of dimension 4 and integer
weights. Public checks compare with seed 004's printed numbers; hidden checks run the same
functions on fresh 2-D inputs (5 tokens, other dimensions, other weights) and compare with
PyTorch's own operations. Everything stays 2-D, as taught.

softmax without ``dim``: on 2-D scores PyTorch's implicit choice is the right one, so the numbers
alone cannot tell. Like every check whose reference runs a softmax, these fail when the student's
code raised PyTorch's implicit-dimension warning, and name the mistake (see
:attr:`autograder.mistakes.CatalogEntry.warning`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..authoring import (
    HIDDEN_TOL,
    Assignment,
    Tolerance,
    call,
    expect,
    expect_tensor,
    items,
    rand,
    randn,
    require_items,
)
from ..references.qkv_self_attention import self_attention
from ..worked_values import qkv_self_attention as worked

ASSIGNMENT = Assignment("02_qkv_self_attention", "Self-attention with query, key and value weights")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check

#: the worked example's weights, not rounded: the input of the steps after the softmax
EXACT_WEIGHTS = torch.softmax(worked.ATTN_SCORES, dim=-1)
EXACT_WEIGHTED_VALUES = worked.VALUES * EXACT_WEIGHTS.unsqueeze(-1)
#: numbers printed in scientific notation (5 significant digits) are compared relatively
SCIENTIFIC_TOL: Tolerance = {"atol": 1e-6, "rtol": 1e-4}
WORKED_CASE = {"x": worked.INPUTS, "w_key": worked.W_KEY, "w_query": worked.W_QUERY, "w_value": worked.W_VALUE}


def _hidden_case(seed: int) -> dict:
    """5 fresh tokens of dimension 6 and fresh (6, 4) weights, in the notebook's argument order."""
    return {
        "x": rand(seed, 5, 6),
        "w_key": randn(seed + 1, 6, 4),
        "w_query": randn(seed + 2, 6, 4),
        "w_value": randn(seed + 3, 6, 4),
    }


# ----------------------------------------------------------------------------------------------------------
# Step 3: keys, queries and values

PROJECTIONS = (
    ("Keys", "keys = x @ w_key", "w_key"),
    ("Queries", "queries = x @ w_query", "w_query"),
    ("Values", "values = x @ w_value", "w_value"),
)
THREE_TENSORS = "keys_queries_values should return three tensors, (keys, queries, values)."


@public("qkv_projections", points=1, todo="Keys, queries and values: x @ each weight matrix")
def check_projections():
    expected = (worked.KEYS, worked.QUERIES, worked.VALUES)
    return [call("keys_queries_values", *WORKED_CASE.values()), items(3, THREE_TENSORS)] + [
        expect(
            value,
            pick=(i,),
            what=f"{name} of the 3 inputs",
            reference=lambda ops, w=w: worked.INPUTS @ WORKED_CASE[w],
            hint=f"return (keys, queries, values) in this order, with {formula}.",
        )
        for i, ((name, formula, w), value) in enumerate(zip(PROJECTIONS, expected, strict=True))
    ]


@hidden("qkv_projections_hidden", points=1, todo="Keys, queries and values (fresh inputs and weights)")
def check_projections_hidden(student):
    case = _hidden_case(201)
    got = student.call("keys_queries_values", *case.values())
    require_items(got, 3, THREE_TENSORS)
    return " ".join(
        expect_tensor(
            answer,
            case["x"] @ case[w],
            what=f"{name} of 5 fresh tokens (dimension 6, weights 6x4)",
            student=student,
            hint=f"return (keys, queries, values) in this order, with {formula}.",
            **HIDDEN_TOL,
        )
        for (name, formula, w), answer in zip(PROJECTIONS, got, strict=True)
    )


# ----------------------------------------------------------------------------------------------------------
# Step 4: attention scores


@public("qkv_scores", points=1, todo="Attention scores: queries @ keys.T")
def check_scores():
    return [
        call("attention_scores", worked.QUERIES, worked.KEYS),
        expect(
            worked.ATTN_SCORES,
            what="3x3 attention scores",
            reference=lambda ops: ops.scores(worked.QUERIES, worked.KEYS),
        ),
    ]


@hidden("qkv_scores_hidden", points=1, todo="Attention scores (fresh queries and keys)")
def check_scores_hidden(student):
    queries, keys = randn(206, 5, 4), randn(207, 5, 4)
    return expect_tensor(
        student.answer("attention_scores", queries, keys),
        torch.matmul(queries, keys.mT),
        what="Scores of 5 fresh queries with 5 fresh keys (dimension 4)",
        student=student,
        reference=lambda ops: ops.scores(queries, keys),
        hint="row i holds the scores of query i with every key.",
        **HIDDEN_TOL,
    )


# ----------------------------------------------------------------------------------------------------------
# Step 5: softmax

WEIGHTS_WHAT = "3x3 attention weights"


@public("qkv_weights", points=1, todo="Attention weights: softmax of each row (dim=-1)")
def check_weights():
    return [
        call("attention_weights", worked.ATTN_SCORES),
        expect(
            worked.ATTN_WEIGHTS,
            what=WEIGHTS_WHAT,
            reference=lambda ops: ops.softmax(worked.ATTN_SCORES),
            hint="each row i holds the weights of query i and must sum to 1.",
            **SCIENTIFIC_TOL,
        ),
    ]


@hidden("qkv_weights_hidden", points=1, todo="Attention weights (fresh 5x5 scores)")
def check_weights_hidden(student):
    scores, what = randn(208, 5, 5, scale=3.0), "Weights of fresh 5x5 scores"
    return expect_tensor(
        student.answer("attention_weights", scores),
        F.softmax(scores, dim=-1),
        what=what,
        student=student,
        reference=lambda ops: ops.softmax(scores),
        **HIDDEN_TOL,
    )


# ----------------------------------------------------------------------------------------------------------
# Step 6: weighted values

WEIGHTED_HINT = "weighted_values[i, j] is value j (a row of values) times attn_weights[i, j]."


@public("qkv_weighted_values", points=1, todo="Weighted values: each value scaled by its weight (3x3x3)")
def check_weighted_values():
    return [
        call("weight_values", EXACT_WEIGHTS, worked.VALUES),
        expect(
            worked.WEIGHTED_VALUES,
            what="3x3x3 weighted values",
            hint=WEIGHTED_HINT,
            reference=lambda ops: EXACT_WEIGHTED_VALUES,
            **SCIENTIFIC_TOL,
        ),
    ]


@hidden("qkv_weighted_values_hidden", points=1, todo="Weighted values (fresh weights and values)")
def check_weighted_values_hidden(student):
    weights, values = F.softmax(randn(209, 5, 5), dim=-1), randn(210, 5, 4)
    return expect_tensor(
        student.answer("weight_values", weights, values),
        torch.einsum("ij,jd->ijd", weights, values),
        what="5x5x4 weighted values of fresh weights and values",
        student=student,
        reference=lambda ops: values * weights.unsqueeze(-1),
        hint=WEIGHTED_HINT,
        **HIDDEN_TOL,
    )


# ----------------------------------------------------------------------------------------------------------
# Step 7: outputs


@public("qkv_outputs", points=1, todo="Outputs: the weighted values summed over the values")
def check_outputs():
    return [
        call("sum_weighted_values", EXACT_WEIGHTED_VALUES),
        expect(worked.OUTPUTS, what="The 3 outputs", reference=lambda ops: ops.sum_weighted(EXACT_WEIGHTED_VALUES)),
    ]


@hidden("qkv_outputs_hidden", points=1, todo="Outputs (fresh weighted values)")
def check_outputs_hidden(student):
    weighted = randn(211, 5, 5, 4)
    return expect_tensor(
        student.answer("sum_weighted_values", weighted),
        torch.sum(weighted, dim=1),
        what="Outputs of fresh 5x5x4 weighted values",
        student=student,
        reference=lambda ops: ops.sum_weighted(weighted),
        **HIDDEN_TOL,
    )


# ----------------------------------------------------------------------------------------------------------
# All steps together

PIPELINE_WHAT = "The 3 outputs of self_attention"


@public("qkv_self_attention", points=1, todo="Self-attention from inputs to outputs")
def check_self_attention():
    return [
        call("self_attention", *WORKED_CASE.values()),
        expect(worked.OUTPUTS, what=PIPELINE_WHAT, reference=lambda ops: self_attention(ops, **WORKED_CASE)),
    ]


@hidden("qkv_self_attention_hidden", points=1, todo="Self-attention (fresh inputs and weights)")
def check_self_attention_hidden(student):
    case, what = _hidden_case(212), "Outputs of 5 fresh tokens (dimension 6, weights 6x4)"
    queries, keys, values = (case["x"] @ case[w] for w in ("w_query", "w_key", "w_value"))
    expected = F.scaled_dot_product_attention(queries, keys, values, scale=1.0)  # this assignment does not scale
    return expect_tensor(
        student.answer("self_attention", *case.values()),
        expected,
        what=what,
        student=student,
        reference=lambda ops: self_attention(ops, **case),
        **HIDDEN_TOL,
    )
