"""Checks of assignment 03: scaled dot-product attention with trainable weights.

Seed 001's second half: the six words of assignment 01, ``torch.manual_seed(123)``, ``d_in=3``,
``d_out=2``. Public checks compare with the seed's printed numbers (the ``SelfAttention_v2`` and
weight-copy checks load the seed's weights, transposed). Hidden checks build the student's modules
with other sizes, read the weights they created from their ``state_dict`` and compare the output
with PyTorch's own ``scaled_dot_product_attention`` on the same projections.

The notebook teaches 2-D inputs (one sentence, ``keys.T``); batches come with the causal attention
of assignment 04, so no check here feeds a batch. softmax without ``dim`` fails the softmax checks
even with the right numbers, as everywhere.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..authoring import (
    HIDDEN_TOL,
    Assignment,
    call,
    expect,
    expect_tensor,
    generator,
    keys,
    module,
    parameters,
    rand,
    randn,
    require_keys,
    require_parameters,
)
from ..references.scaled_dot_product import context
from ..worked_values import scaled_dot_product as worked

ASSIGNMENT = Assignment("03_scaled_dot_product_attention", "Scaled dot-product attention with trainable weights")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check


def _seed_weights() -> dict[str, torch.Tensor]:
    """W_query, W_key, W_value as seed 001 draws them after torch.manual_seed(123) (without touching the global RNG)."""
    g = generator(worked.SEED)
    return {name: torch.rand(worked.D_IN, worked.D_OUT, generator=g) for name in ("W_query", "W_key", "W_value")}


SEED_WEIGHTS = _seed_weights()
KEYS = worked.INPUTS @ SEED_WEIGHTS["W_key"]
EXACT_SCORES_2 = (worked.INPUTS[worked.QUERY_INDEX] @ SEED_WEIGHTS["W_query"]) @ KEYS.T  # unrounded ATTN_SCORES_2
V1_NAMES = ("W_query", "W_key", "W_value")
V2_NAMES = ("W_query.weight", "W_key.weight", "W_value.weight")
SEED_CASE = {
    "x": worked.INPUTS,
    "w_query": SEED_WEIGHTS["W_query"],
    "w_key": SEED_WEIGHTS["W_key"],
    "w_value": SEED_WEIGHTS["W_value"],
}


def _reference(case: dict) -> torch.Tensor:
    queries, keys, values = (case["x"] @ case[w] for w in ("w_query", "w_key", "w_value"))
    return F.scaled_dot_product_attention(queries, keys, values)


CONTEXT_HINT = "context = softmax(queries @ keys.T / sqrt(d_k), dim=-1) @ values, with d_k = keys.shape[-1]."
WEIGHTS_HINT = "divide the scores by sqrt(d_k), d_k = keys.shape[-1], then softmax over dim=-1."


def _expect_context(student, got, expected, case: dict, what: str) -> str:
    return expect_tensor(
        got,
        expected,
        what=what,
        student=student,
        hint=CONTEXT_HINT,
        reference=lambda ops: context(ops, **case),
        **HIDDEN_TOL,
    )


# ----------------------------------------------------------------------------------------------------------
# Scaled softmax weights

WEIGHTS_WHAT = "Scaled attention weights of journey"


@public("sdpa_weights", points=1, todo="Scaled weights: softmax(scores / sqrt(d_k))")
def check_weights():
    return [
        call("scaled_attention_weights", EXACT_SCORES_2, KEYS),
        expect(
            worked.ATTN_WEIGHTS_2,
            what=WEIGHTS_WHAT,
            hint=WEIGHTS_HINT,
            reference=lambda ops: ops.softmax(ops.scale(EXACT_SCORES_2, KEYS.shape[-1])),
        ),
    ]


@hidden("sdpa_weights_hidden", points=1, todo="Scaled weights (fresh 5x5 scores, d_k=3)")
def check_weights_hidden(student):
    queries, keys_ = randn(301, 5, 3, scale=1.5), randn(302, 5, 3, scale=1.5)
    scores, what = queries @ keys_.T, "Scaled weights of fresh 5x5 scores (keys of dimension 3)"
    expected = F.scaled_dot_product_attention(queries, keys_, torch.eye(5))  # values = identity: output = weights
    return expect_tensor(
        student.answer("scaled_attention_weights", scores, keys_),
        expected,
        what=what,
        student=student,
        hint=WEIGHTS_HINT,
        reference=lambda ops: ops.softmax(ops.scale(scores, keys_.shape[-1])),
        **HIDDEN_TOL,
    )


# ----------------------------------------------------------------------------------------------------------
# The modules

V1_WHAT = "6x2 context vectors of SelfAttention(3, 2)"
V2_WHAT = "6x2 context vectors of SelfAttention_v2(3, 2) holding the weights of SelfAttention"
NOT_THE_SEED_WEIGHTS = (
    "SelfAttention(3, 2) after torch.manual_seed(123): its weights are not the worked example's. "
    "Create them in this order, W_query, W_key, W_value, each "
    "nn.Parameter(torch.rand(d_in, d_out)), and draw no other random numbers in __init__."
)


@public("sdpa_module", points=1, todo="SelfAttention module (nn.Parameter weights)")
def check_module():
    return [
        module("SelfAttention", worked.D_IN, worked.D_OUT, seed=worked.SEED, forward=(worked.INPUTS,)),
        parameters(
            "SelfAttention(3, 2)",
            V1_NAMES,
            (worked.D_IN, worked.D_OUT),
            equal=SEED_WEIGHTS,
            unequal=NOT_THE_SEED_WEIGHTS,
        ),
        expect(
            worked.SELF_ATTENTION_OUTPUT,
            pick=("output",),
            what=V1_WHAT,
            hint=CONTEXT_HINT,
            reference=lambda ops: context(ops, **SEED_CASE),
        ),
    ]


@hidden("sdpa_module_hidden", points=1, todo="SelfAttention (d_in=4, d_out=3, 5 fresh tokens)")
def check_module_hidden(student):
    x = rand(303, 5, 4)
    answer = student.module("SelfAttention", 4, 3, seed=304, forward=(x,))
    state = require_parameters(answer, "SelfAttention(4, 3)", V1_NAMES, (4, 3))
    case = {"x": x, "w_query": state["W_query"], "w_key": state["W_key"], "w_value": state["W_value"]}
    return _expect_context(
        student,
        answer.get("output"),
        _reference(case),
        case,
        "Context vectors of SelfAttention(4, 3) on 5 fresh tokens",
    )


@public("sdpa_module_v2", points=1, todo="SelfAttention_v2 module (nn.Linear layers)")
def check_module_v2():
    shape, seed_state = (worked.D_OUT, worked.D_IN), {f"{n}.weight": SEED_WEIGHTS[n].T.contiguous() for n in V1_NAMES}
    return [
        module("SelfAttention_v2", worked.D_IN, worked.D_OUT, seed=worked.SEED),
        parameters("SelfAttention_v2(3, 2)", V2_NAMES, shape),
        module(
            "SelfAttention_v2", worked.D_IN, worked.D_OUT, seed=worked.SEED, state=seed_state, forward=(worked.INPUTS,)
        ),
        expect(
            worked.SELF_ATTENTION_OUTPUT,
            pick=("output",),
            what=V2_WHAT,
            hint=CONTEXT_HINT,
            reference=lambda ops: context(ops, **SEED_CASE),
        ),
    ]


@hidden("sdpa_module_v2_hidden", points=1, todo="SelfAttention_v2 (d_in=6, d_out=4, 7 fresh tokens)")
def check_module_v2_hidden(student):
    x = randn(305, 7, 6, scale=2.0)  # nn.Linear's weights are small: spread inputs make the scores differ
    answer = student.module("SelfAttention_v2", 6, 4, seed=306, forward=(x,))
    state = require_parameters(answer, "SelfAttention_v2(6, 4)", V2_NAMES, (4, 6))
    case = {
        "x": x,
        "w_query": state["W_query.weight"].mT,
        "w_key": state["W_key.weight"].mT,
        "w_value": state["W_value.weight"].mT,
    }
    return _expect_context(
        student,
        answer.get("output"),
        _reference(case),
        case,
        "Context vectors of SelfAttention_v2(6, 4) on 7 fresh tokens",
    )


# ----------------------------------------------------------------------------------------------------------
# Copying the weights

COPY_KEYS = (
    f"v1_to_v2_state should return the keys {', '.join(V2_NAMES)} (the names in SelfAttention_v2's state_dict())."
)
COPY_HINT = "nn.Linear computes x @ weight.T, so its weight is the transpose of the (d_in, d_out) matrix."


@public("sdpa_copy_weights", points=1, todo="Copy the weights from SelfAttention to SelfAttention_v2")
def check_copy_weights():
    return [call("v1_to_v2_state", dict(SEED_WEIGHTS)), keys(list(V2_NAMES), COPY_KEYS)] + [
        expect(
            SEED_WEIGHTS[n].T,
            pick=(f"{n}.weight",),
            what=f"{n}.weight for the (3, 2) weights of sa_v1",
            hint=COPY_HINT,
            reference=lambda ops, n=n: SEED_WEIGHTS[n].T,
        )
        for n in V1_NAMES
    ]


@hidden("sdpa_copy_weights_hidden", points=1, todo="Copy the weights (fresh 4x4 weights)")
def check_copy_weights_hidden(student):
    state_v1 = {n: rand(307 + i, 4, 4) for i, n in enumerate(V1_NAMES)}  # square: a missing transpose keeps the shape
    got = student.call("v1_to_v2_state", state_v1)
    require_keys(got, V2_NAMES, COPY_KEYS)

    def copied(n: str) -> str:
        return expect_tensor(
            got[f"{n}.weight"],
            state_v1[n].T,
            what=f"{n}.weight for fresh (4, 4) weights",
            student=student,
            hint=COPY_HINT,
            reference=lambda ops: state_v1[n].T,
            **HIDDEN_TOL,
        )

    return " ".join(copied(n) for n in V1_NAMES)
