"""Checks of assignment 04: causal attention.

The step functions work on the 2-D scores and weights of the notebook's SelfAttention_v2 (seed
789): the public checks compare with the worked values, the hidden ones use fresh scores. The
``CausalAttention`` module is checked on the batch of the worked example, then against PyTorch's
``scaled_dot_product_attention(..., is_causal=True)`` with the student's own projection weights,
and for three properties that outputs alone can hide: the future never leaks, dropout is off in
``eval()`` mode, and in training mode dropout zeroes attention weights (not scores) and scales the
others by 1 / (1 - p).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..authoring import (
    BY_ID,
    HIDDEN_TOL,
    QKV,
    Assignment,
    CheckFailed,
    as_tensor,
    call,
    expect,
    expect_tensor,
    module,
    new_linear,
    projections,
    rand,
    randn,
    seeded_state,
    student_linear,
)
from ..references.causal_attention import attend, causal_weights, masked_scores, renormalised
from ..worked_values import causal_attention as worked
from ..worked_values.causal_attention import INPUTS

ASSIGNMENT = Assignment("04_causal_attention", "Causal attention: hiding the future")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check

BATCH = torch.stack((INPUTS, INPUTS))  # 2 x 6 x 3, as in the notebook
N = worked.CONTEXT_LENGTH


SA_V2_STATE = seeded_state(worked.SA_V2_SEED, [(name, new_linear(worked.D_IN, worked.D_OUT)) for name in QKV])
CAUSAL_STATE = seeded_state(worked.CAUSAL_SEED, [(name, new_linear(worked.D_IN, worked.D_OUT)) for name in QKV])
SCORES = (INPUTS @ SA_V2_STATE["W_query.weight"].T) @ (INPUTS @ SA_V2_STATE["W_key.weight"].T).T
WEIGHTS = torch.softmax(SCORES / worked.D_OUT**0.5, dim=-1)  # the unrounded weights of SelfAttention_v2


# ---------------------------------------------------------------- comparing outputs


def ignore_shared_nan(got: torch.Tensor, expected: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero the positions where both are nan: checks of one property leave other bugs to the other checks."""
    if got.shape != expected.shape:
        return got, expected
    both = torch.isnan(got) & torch.isnan(expected)
    return got.masked_fill(both, 0.0), expected.masked_fill(both, 0.0)


# ---------------------------------------------------------------- the mask, step by step (2-D)


@public("causal_tril_mask", points=1, todo="Lower-triangular mask with torch.tril")
def check_tril_mask():
    return [
        call("causal_mask_simple", N),
        expect(
            worked.MASK_SIMPLE,
            what="6x6 mask",
            reference=lambda ops: ops.keep_past(N),
            hint="ones on and below the diagonal (what each token may see), zeros above it.",
        ),
    ]


@hidden("causal_tril_mask_hidden", points=1, todo="Mask of another length")
def check_tril_mask_hidden(student):
    return expect_tensor(
        student.answer("causal_mask_simple", 9),
        torch.tril(torch.ones(9, 9)),
        what="9x9 mask",
        student=student,
        reference=lambda ops: ops.keep_past(9),
        **HIDDEN_TOL,
    )


@public("causal_renorm", points=1, todo="Mask the weights and renormalise the rows")
def check_renorm():
    return [
        call("mask_and_renormalize", WEIGHTS),
        expect(
            worked.MASKED_WEIGHTS,
            what="Masked, renormalised 6x6 weights",
            reference=lambda ops: renormalised(ops, WEIGHTS),
            hint="each row must sum to 1 again after the mask.",
        ),
    ]


@hidden("causal_renorm_hidden", points=1, todo="Mask and renormalise (fresh weights)")
def check_renorm_hidden(student):
    weights = torch.softmax(randn(411, 7, 7, scale=2.0), dim=-1)
    return expect_tensor(
        student.answer("mask_and_renormalize", weights),
        what="Masked, renormalised fresh 7x7 weights",
        student=student,
        reference=lambda ops: renormalised(ops, weights),
        **HIDDEN_TOL,
    )


@public("causal_masked_scores", points=1, todo="Scores masked with -inf above the diagonal")
def check_masked_scores():
    return [
        call("mask_future_scores", SCORES),
        expect(worked.MASKED_SCORES, what="Masked 6x6 scores", reference=lambda ops: masked_scores(ops, SCORES)),
    ]


@hidden("causal_masked_scores_hidden", points=1, todo="Scores masked with -inf (fresh scores)")
def check_masked_scores_hidden(student):
    scores = randn(412, 5, 5)
    return expect_tensor(
        student.answer("mask_future_scores", scores),
        what="Masked fresh 5x5 scores",
        student=student,
        reference=lambda ops: masked_scores(ops, scores),
        **HIDDEN_TOL,
    )


@public("causal_weights", points=1, todo="Causal weights: masked scores, then softmax")
def check_causal_weights():
    return [
        call("causal_attention_weights", SCORES, worked.D_OUT),
        expect(
            worked.MASKED_WEIGHTS,
            what="Causal 6x6 attention weights",
            reference=lambda ops: causal_weights(ops, SCORES, worked.D_OUT),
            hint="they must equal the masked, renormalised weights above.",
        ),
    ]


@hidden("causal_weights_hidden", points=1, todo="Causal weights (fresh scores)")
def check_causal_weights_hidden(student):
    scores, d_k = randn(413, 7, 7, scale=1.5), 4
    return expect_tensor(
        student.answer("causal_attention_weights", scores, d_k),
        what="Causal weights of fresh 7x7 scores (d_k = 4)",
        student=student,
        reference=lambda ops: causal_weights(ops, scores, d_k),
        **HIDDEN_TOL,
    )


# ---------------------------------------------------------------- dropout


@public("causal_dropout", points=1, todo="Dropout (p=0.5) on a matrix of ones")
def check_dropout():
    return [
        call("apply_dropout", torch.ones(6, 6), worked.DROPOUT_RATE, seed=worked.DROPOUT_SEED),
        expect(
            worked.DROPOUT_ONES,
            what="Dropout(0.5) of torch.ones(6, 6) after torch.manual_seed(123)",
            hint="use torch.nn.Dropout(p) (a new module is in training mode), so the same seed drops the same "
            "positions.",
        ),
    ]


@hidden("causal_dropout_hidden", points=1, todo="Dropout on fresh values")
def check_dropout_hidden(student):
    """Any dropout will do here: every value is either dropped (0) or kept and scaled by 1 / (1 - p)."""
    x, p = rand(414, 12, 10) + 0.5, 0.3
    what = "Dropout(0.3) of fresh 12x10 values"
    got = as_tensor(student.call("apply_dropout", x, p, seed=415), what)
    expected = torch.where(got == 0, 0.0, x.double() / (1 - p)) if got.shape == x.shape else x / (1 - p)
    message = expect_tensor(
        got,
        expected,
        what=f"{what} (zeros kept where you dropped)",
        student=student,
        hint="a value that is kept must be scaled by 1 / (1 - p).",
        **HIDDEN_TOL,
    )
    dropped = float((got == 0).double().mean())
    if not 0.15 <= dropped <= 0.45:
        raise CheckFailed(f"{what}: {dropped:.0%} of the values were dropped; with p = 0.3 about 30% should be.")
    return message


# ---------------------------------------------------------------- the CausalAttention module

MODULE_WHAT = "Context vectors of the 2x6x3 batch"


@public("causal_module", points=1, todo="CausalAttention on the batch of the worked example")
def check_module():
    return [
        module("CausalAttention", worked.D_IN, worked.D_OUT, N, 0.0, seed=worked.CAUSAL_SEED, forward=(BATCH,)),
        expect(
            worked.CAUSAL_CONTEXT_VECS,
            pick=("output",),
            what=MODULE_WHAT,
            reference=lambda ops: attend(ops, **projections(CAUSAL_STATE, BATCH)),
            hint="create W_query, W_key, W_value in this order (the seed decides their weights).",
        ),
    ]


@hidden("causal_module_hidden", points=1, todo="CausalAttention vs PyTorch's causal attention")
def check_module_hidden(student):
    """Other batch sizes, lengths (shorter than context_length) and sizes, against scaled_dot_product_attention."""
    message = ""
    for (batch, tokens, d_in, d_out, context_length), seed in (((3, 4, 5, 3, 7), 421), ((1, 7, 3, 4, 7), 422)):
        x = rand(seed, batch, tokens, d_in)
        result = student.module("CausalAttention", d_in, d_out, context_length, 0.0, seed=seed, forward=(x,))
        case = projections(result["state"], x)
        expected = F.scaled_dot_product_attention(case["queries"], case["keys"], case["values"], is_causal=True)
        message = expect_tensor(
            result.get("output"),
            expected,
            student=student,
            **HIDDEN_TOL,
            what=f"CausalAttention({d_in}, {d_out}, {context_length}, 0.0) on a {batch}x{tokens}x{d_in} batch",
            reference=lambda ops: attend(ops, **case),
            hint="slice the mask to the number of tokens: self.mask[:num_tokens, :num_tokens].",
        )
    return message


@hidden("causal_no_leak_hidden", points=1, todo="The future never leaks into the past")
def check_no_leak_hidden(student):
    """Change the tokens from position j on: the outputs of the tokens before j must not move."""
    j, x = 4, rand(431, 2, 7, 4)
    changed = x.clone()
    changed[:, j:] = rand(432, 2, 3, 4) + 1.0
    first = student.module("CausalAttention", 4, 3, 7, 0.0, seed=433, forward=(x,))
    second = student.module("CausalAttention", 4, 3, 7, 0.0, state=first["state"], forward=(changed,))
    what = f"Outputs of tokens 0..{j - 1} after changing tokens {j}..6"
    got, expected = ignore_shared_nan(
        as_tensor(second.get("output"), what)[:, :j], as_tensor(first.get("output"), what)[:, :j]
    )
    case = projections(first["state"], changed)
    return expect_tensor(
        got,
        expected,
        what=f"{what} (they must stay as they were)",
        student=student,
        reference=lambda ops: attend(ops, **case)[:, :j],
        own_expected=True,
        hint="a token may only attend to itself and to the tokens before it.",
        **HIDDEN_TOL,
    )


@hidden("causal_eval_hidden", points=1, todo="No dropout in eval() mode")
def check_eval_hidden(student):
    x = rand(441, 2, 5, 4)
    with_dropout = student.module("CausalAttention", 4, 3, 5, 0.5, seed=442, forward=(x,), train=False)
    without = student.module("CausalAttention", 4, 3, 5, 0.0, state=with_dropout["state"], forward=(x,), train=False)
    what = "In eval() mode, the output with dropout=0.5"
    got, expected = ignore_shared_nan(
        as_tensor(with_dropout.get("output"), what), as_tensor(without.get("output"), what)
    )
    return expect_tensor(
        got,
        expected,
        what=f"{what} (it must equal the output with dropout=0.0)",
        student=student,
        detectors=[(BY_ID["dropout_at_eval"], _dropout_changed_the_output)],
        **HIDDEN_TOL,
    )


def _dropout_changed_the_output(got, expected, warnings) -> bool:
    """The eval check changes nothing but the dropout rate: any difference is dropout acting in eval()."""
    return got.shape == expected.shape


@hidden("causal_train_dropout_hidden", points=1, todo="Dropout on the attention weights while training")
def check_train_dropout_hidden(student):
    """With one-hot inputs and W_value = identity, the output *is* the matrix of attention weights: in training it
    must be those weights with some zeroed and the rest scaled by 1 / (1 - p)."""
    n, p = 6, 0.5
    x = torch.eye(n).unsqueeze(0)  # one sentence, so that a failure can print the whole 6x6 matrix
    built = student.module("CausalAttention", n, n, n, p, seed=451)
    state = dict(built["state"])
    for name, weight in (("W_query", randn(452, n, n)), ("W_key", randn(453, n, n)), ("W_value", torch.eye(n))):
        student_linear(state, name)  # a clear failure if the layer is missing
        state[f"{name}.weight"] = weight
        if f"{name}.bias" in state:
            state[f"{name}.bias"] = torch.zeros(n)
    what = "Attention weights of one-hot inputs (W_value = identity)"
    weights = as_tensor(student.module("CausalAttention", n, n, n, 0.0, state=state, forward=(x,)).get("output"), what)
    trained = as_tensor(
        student.module("CausalAttention", n, n, n, p, seed=454, state=state, forward=(x,), train=True).get("output"),
        what,
    )
    expected = torch.where(trained == 0, 0.0, weights / (1 - p)) if trained.shape == weights.shape else weights
    got, expected = ignore_shared_nan(trained, expected)
    message = expect_tensor(
        got,
        expected,
        what=f"{what} in training mode with dropout=0.5",
        student=student,
        detectors=[(BY_ID["dropout_on_scores"], _dropped_before_softmax(weights))],
        **HIDDEN_TOL,
        hint="apply self.dropout to the attention weights, after the softmax.",
    )
    if not ((trained == 0) & (weights > 0)).any():
        raise CheckFailed(f"{what}: in training mode with dropout=0.5 no attention weight was dropped.")
    return message


def _dropped_before_softmax(weights: torch.Tensor):
    """Rows still summing to 1 (or nan from dropped -inf scores) although training changed them."""

    def recognise(got, expected, warnings) -> bool:
        if got.shape != weights.shape:
            return False
        if (torch.isnan(got) & ~torch.isnan(weights)).any():
            return True  # dropout on scores that were already -inf: -inf * 0 is nan
        rows = ~torch.isnan(weights).any(-1)
        sums = got[rows].sum(-1)
        return bool(
            rows.any()
            and torch.allclose(sums, torch.ones_like(sums), atol=1e-4)
            and not torch.allclose(got, weights.double(), atol=1e-4, equal_nan=True)
        )

    return recognise
