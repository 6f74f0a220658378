"""Checks of assignment 02: self-attention with query, key and value weights.

The hand-computable example of seeds 003 and 004: three inputs of dimension 4 and
integer weights. Public checks compare with seed 004's printed numbers; hidden
checks run the same functions on fresh 2-D inputs (5 tokens, other dimensions, other
weights) and compare with PyTorch's own operations. Everything stays 2-D, as taught.

softmax without ``dim``: on 2-D scores PyTorch's implicit choice is the right one, so
the numbers alone cannot tell. The checks of every step that runs a softmax fail when
the student's code raised PyTorch's implicit-dimension warning, and name the mistake
(see :mod:`.attention_common`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..compare import expect_tensor
from ..framework import Assignment, CheckFailed
from ..mistakes import detect, variant, warned
from ..samples import mutation, pasted
from ..worked_values import qkv_self_attention as worked
from .attention_common import IMPLICIT_SOFTMAX_DIM, refuse_implicit_softmax_dim
from .fresh import HIDDEN_TOL, rand, randn

ASSIGNMENT = Assignment("02_qkv_self_attention", "Self-attention with query, key and value weights")
check = ASSIGNMENT.check

#: the worked example's weights, not rounded: the input of the steps after the softmax
EXACT_WEIGHTS = torch.softmax(worked.ATTN_SCORES, dim=-1)
EXACT_WEIGHTED_VALUES = worked.VALUES * EXACT_WEIGHTS.unsqueeze(-1)
#: numbers printed in scientific notation (5 significant digits) are compared relatively
SCIENTIFIC_TOL = {"atol": 1e-6, "rtol": 1e-4}


def _hidden_case(seed: int) -> dict:
    """5 fresh tokens of dimension 6 and fresh (6, 4) weights, in the notebook's argument order."""
    return {"x": rand(seed, 5, 6), "w_key": randn(seed + 1, 6, 4), "w_query": randn(seed + 2, 6, 4),
            "w_value": randn(seed + 3, 6, 4)}


# ----------------------------------------------------------------------------------------------------------
# Step 3: keys, queries and values


def _projections(student, case: dict, expected: tuple, size: str, tol: dict) -> str:
    got = student.call("keys_queries_values", *case.values())
    if not isinstance(got, (list, tuple)) or len(got) != 3:
        kind = f"a sequence of {len(got)} items" if isinstance(got, (list, tuple)) else type(got).__name__
        raise CheckFailed(f"keys_queries_values should return three tensors, (keys, queries, values); "
                          f"it returned {kind}.")
    names = (("Keys", "keys = x @ w_key"), ("Queries", "queries = x @ w_query"), ("Values", "values = x @ w_value"))
    messages = [expect_tensor(g, e, what=f"{name} of {size}", student=student, case=case,
                              hint=f"return (keys, queries, values) in this order, with {formula}.", **tol)
                for (name, formula), g, e in zip(names, got, expected)]
    return " ".join(messages)


@check("qkv_projections", points=1, todo="Keys, queries and values: x @ each weight matrix")
def check_projections(student):
    case = {"x": worked.INPUTS, "w_key": worked.W_KEY, "w_query": worked.W_QUERY, "w_value": worked.W_VALUE}
    return _projections(student, case, (worked.KEYS, worked.QUERIES, worked.VALUES), "the 3 inputs", {})


@check("qkv_projections_hidden", points=1, todo="Keys, queries and values (fresh inputs and weights)", hidden=True)
def check_projections_hidden(student):
    case = _hidden_case(201)
    expected = tuple(case["x"] @ case[w] for w in ("w_key", "w_query", "w_value"))
    return _projections(student, case, expected, "5 fresh tokens (dimension 6, weights 6x4)", HIDDEN_TOL)


# ----------------------------------------------------------------------------------------------------------
# Step 4: attention scores


@check("qkv_scores", points=1, todo="Attention scores: queries @ keys.T")
def check_scores(student):
    case = {"queries": worked.QUERIES, "keys": worked.KEYS}
    got = student.call("attention_scores", *case.values())
    return expect_tensor(got, worked.ATTN_SCORES, what="3x3 attention scores", student=student, case=case)


@check("qkv_scores_hidden", points=1, todo="Attention scores (fresh queries and keys)", hidden=True)
def check_scores_hidden(student):
    case = {"queries": randn(206, 5, 4), "keys": randn(207, 5, 4)}
    got = student.call("attention_scores", *case.values())
    return expect_tensor(got, torch.matmul(case["queries"], case["keys"].mT),
                         what="Scores of 5 fresh queries with 5 fresh keys (dimension 4)", student=student, case=case,
                         hint="row i holds the scores of query i with every key.", **HIDDEN_TOL)


# ----------------------------------------------------------------------------------------------------------
# Step 5: softmax


@check("qkv_weights", points=1, todo="Attention weights: softmax of each row (dim=-1)")
def check_weights(student):
    case = {"scores": worked.ATTN_SCORES}
    what = "3x3 attention weights"
    got = student.call("attention_weights", *case.values())
    message = expect_tensor(got, worked.ATTN_WEIGHTS, what=what, student=student, case=case,
                            hint="each row i holds the weights of query i and must sum to 1.", **SCIENTIFIC_TOL)
    refuse_implicit_softmax_dim(student, what)
    return message


@check("qkv_weights_hidden", points=1, todo="Attention weights (fresh 5x5 scores)", hidden=True)
def check_weights_hidden(student):
    case = {"scores": randn(208, 5, 5, scale=3.0)}
    what = "Weights of fresh 5x5 scores"
    got = student.call("attention_weights", *case.values())
    message = expect_tensor(got, F.softmax(case["scores"], dim=-1), what=what, student=student, case=case,
                            **HIDDEN_TOL)
    refuse_implicit_softmax_dim(student, what)
    return message


# ----------------------------------------------------------------------------------------------------------
# Step 6: weighted values


@check("qkv_weighted_values", points=1, todo="Weighted values: each value scaled by its weight (3x3x3)")
def check_weighted_values(student):
    case = {"attn_weights": EXACT_WEIGHTS, "values": worked.VALUES}
    got = student.call("weight_values", *case.values())
    return expect_tensor(got, worked.WEIGHTED_VALUES, what="3x3x3 weighted values", student=student, case=case,
                         hint="weighted_values[i, j] is value j (a row of values) times attn_weights[i, j].",
                         **SCIENTIFIC_TOL)


@check("qkv_weighted_values_hidden", points=1, todo="Weighted values (fresh weights and values)", hidden=True)
def check_weighted_values_hidden(student):
    case = {"attn_weights": F.softmax(randn(209, 5, 5), dim=-1), "values": randn(210, 5, 4)}
    expected = torch.einsum("ij,jd->ijd", case["attn_weights"], case["values"])
    got = student.call("weight_values", *case.values())
    return expect_tensor(got, expected, what="5x5x4 weighted values of fresh weights and values", student=student,
                         case=case, hint="weighted_values[i, j] is value j (a row of values) times attn_weights[i, j].",
                         **HIDDEN_TOL)


# ----------------------------------------------------------------------------------------------------------
# Step 7: outputs


@check("qkv_outputs", points=1, todo="Outputs: the weighted values summed over the values")
def check_outputs(student):
    case = {"weighted_values": EXACT_WEIGHTED_VALUES}
    got = student.call("sum_weighted_values", *case.values())
    return expect_tensor(got, worked.OUTPUTS, what="The 3 outputs", student=student, case=case)


@check("qkv_outputs_hidden", points=1, todo="Outputs (fresh weighted values)", hidden=True)
def check_outputs_hidden(student):
    case = {"weighted_values": randn(211, 5, 5, 4)}
    got = student.call("sum_weighted_values", *case.values())
    return expect_tensor(got, torch.sum(case["weighted_values"], dim=1), what="Outputs of fresh 5x5x4 weighted values",
                         student=student, case=case, **HIDDEN_TOL)


# ----------------------------------------------------------------------------------------------------------
# All steps together


def _self_attention(x, w_key, w_query, w_value, *, swap=False, softmax_dim=-1, sum_dim=1, on_inputs=False):
    """The reference pipeline, or one of its known-wrong variants."""
    keys, queries, values = x @ w_key, x @ w_query, x @ w_value
    scores = keys @ queries.mT if swap else queries @ keys.mT
    weights = torch.softmax(scores, dim=softmax_dim)
    return ((x if on_inputs else values) * weights.unsqueeze(-1)).sum(dim=sum_dim)


@check("qkv_self_attention", points=1, todo="Self-attention from inputs to outputs")
def check_self_attention(student):
    case = {"x": worked.INPUTS, "w_key": worked.W_KEY, "w_query": worked.W_QUERY, "w_value": worked.W_VALUE}
    what = "The 3 outputs of self_attention"
    got = student.call("self_attention", *case.values())
    message = expect_tensor(got, worked.OUTPUTS, what=what, student=student, case=case)
    refuse_implicit_softmax_dim(student, what)
    return message


@check("qkv_self_attention_hidden", points=1, todo="Self-attention (fresh inputs and weights)", hidden=True)
def check_self_attention_hidden(student):
    case = _hidden_case(212)
    what = "Outputs of 5 fresh tokens (dimension 6, weights 6x4)"
    queries, keys, values = (case["x"] @ case[w] for w in ("w_query", "w_key", "w_value"))
    expected = F.scaled_dot_product_attention(queries, keys, values, scale=1.0)  # this assignment does not scale
    got = student.call("self_attention", *case.values())
    message = expect_tensor(got, expected, what=what, student=student, case=case, **HIDDEN_TOL)
    refuse_implicit_softmax_dim(student, what)
    return message


# Where each catalogued mistake can show up in this assignment, and how to recognise it.
_PIPELINE = ("qkv_self_attention", "qkv_self_attention_hidden")
detect("softmax_dim0", "qkv_weights", "qkv_weights_hidden", detector=variant(lambda scores: torch.softmax(scores, dim=0)))
detect("softmax_dim0", *_PIPELINE, detector=variant(lambda **case: _self_attention(**case, softmax_dim=0)))
detect("softmax_no_dim", "qkv_weights", "qkv_weights_hidden", *_PIPELINE, detector=warned(IMPLICIT_SOFTMAX_DIM))
detect("keys_queries_swapped", "qkv_scores", "qkv_scores_hidden",
       detector=variant(lambda queries, keys: keys @ queries.mT))
detect("keys_queries_swapped", *_PIPELINE, detector=variant(lambda **case: _self_attention(**case, swap=True)))
detect("weighted_sum_wrong_axis", "qkv_outputs", "qkv_outputs_hidden",
       detector=variant(lambda weighted_values: weighted_values.sum(dim=0)))
detect("weighted_sum_wrong_axis", *_PIPELINE, detector=variant(lambda **case: _self_attention(**case, sum_dim=0)))
detect("weights_on_inputs", *_PIPELINE, detector=variant(lambda **case: _self_attention(**case, on_inputs=True)))

# Sample submissions: the reference solution with one mistake each (see autograder.samples).
_SOFTMAX = "return torch.softmax(attn_scores, dim=-1)"
_SUM = "return weighted_values.sum(dim=1)"
_PIPELINE_RETURN = "return sum_weighted_values(weight_values(attn_weights, values))"
_PIPELINE_CHECKS = {"qkv_self_attention", "qkv_self_attention_hidden"}
MUTATIONS = [
    mutation("softmax_dim0", [(_SOFTMAX, "return torch.softmax(attn_scores, dim=0)")],
             breaks={"qkv_weights", "qkv_weights_hidden"} | _PIPELINE_CHECKS, mistake="softmax_dim0",
             description="softmax down the columns of the scores"),
    mutation("weighted_sum_wrong_axis", [(_SUM, "return weighted_values.sum(dim=0)")],
             breaks={"qkv_outputs", "qkv_outputs_hidden"} | _PIPELINE_CHECKS, mistake="weighted_sum_wrong_axis",
             description="the weighted values summed over the queries (dim=0) instead of the values"),
    mutation("softmax_no_dim", [(_SOFTMAX, "return torch.nn.functional.softmax(attn_scores)")],
             breaks={"qkv_weights", "qkv_weights_hidden"} | _PIPELINE_CHECKS, mistake="softmax_no_dim",
             description="softmax without dim, as seed 004 writes it: right numbers on 2-D, and a warning"),
    mutation("keys_queries_swapped", [("return queries @ keys.T", "return keys @ queries.T")],
             breaks={"qkv_scores_hidden", "qkv_self_attention_hidden"}, mistake="keys_queries_swapped",
             description="keys @ queries.T: the worked scores are symmetric, so only fresh inputs show it"),
    mutation("weights_on_inputs", [(_PIPELINE_RETURN, "return sum_weighted_values(weight_values(attn_weights, x))")],
             breaks=_PIPELINE_CHECKS, mistake="weights_on_inputs",
             description="the attention weights applied to the inputs instead of the values"),
    mutation("pasted_numbers", [
        ("return queries @ keys.T", pasted(worked.ATTN_SCORES)),
        (_SOFTMAX, "return torch.tensor([[6.3379e-02, 4.6831e-01, 4.6831e-01],\n"
                   "                         [6.0337e-06, 9.8201e-01, 1.7986e-02],\n"
                   "                         [2.9539e-04, 8.8054e-01, 1.1917e-01]])"),
        (_SUM, pasted(worked.OUTPUTS)),
    ], breaks={"qkv_scores_hidden", "qkv_weights_hidden", "qkv_outputs_hidden", "qkv_self_attention_hidden"},
        description="the printed numbers pasted in place of code in three TO-DOs"),
    # Correct alternatives: they must pass every check with no diagnosis.
    mutation("einsum_and_matmul", [
        ("keys = x @ w_key", "keys = torch.einsum('nd,de->ne', x, w_key)"),
        ("return queries @ keys.T", "return torch.matmul(queries, keys.transpose(0, 1))"),
        ("return values * attn_weights.unsqueeze(-1)", "return torch.einsum('ij,jd->ijd', attn_weights, values)"),
        (_SUM, "return torch.einsum('ijd->id', weighted_values)"),
    ], breaks=set(), description="einsum and torch.matmul instead of @ and broadcasting"),
    mutation("explicit_loops", [
        ("return values * attn_weights.unsqueeze(-1)",
         "weighted = torch.zeros(attn_weights.shape[0], values.shape[0], values.shape[1])\n"
         "    for i in range(attn_weights.shape[0]):\n"
         "        for j in range(values.shape[0]):\n"
         "            weighted[i, j] = attn_weights[i, j] * values[j]\n"
         "    return weighted"),
        (_SUM, "outputs = torch.zeros(weighted_values.shape[0], weighted_values.shape[2])\n"
               "    for j in range(weighted_values.shape[1]):\n"
               "        outputs += weighted_values[:, j]\n"
               "    return outputs"),
    ], breaks=set(), description="loops over queries and values instead of broadcasting and sum"),
    mutation("explicit_dim_1_and_axis", [
        (_SOFTMAX, "return torch.nn.functional.softmax(attn_scores, dim=1)"),
        (_SUM, "return torch.sum(weighted_values, axis=1)"),
    ], breaks=set(), description="softmax with dim=1 (the last dimension of 2-D scores) and sum with axis=1"),
    mutation("renamed_and_inlined", [
        ("def attention_scores(queries, keys):", "def attention_scores(q, k):"),
        ("return queries @ keys.T", "return q @ k.T"),
        ("def weight_values(attn_weights, values):", "def weight_values(w, v):"),
        ("return values * attn_weights.unsqueeze(-1)", "return w[:, :, None] * v[None, :, :]"),
        (_PIPELINE_RETURN, "return torch.softmax((x @ w_query) @ (x @ w_key).T, dim=-1) @ (x @ w_value)"),
    ], breaks=set(), description="other parameter names, indexing with None, and the pipeline as one expression"),
]
