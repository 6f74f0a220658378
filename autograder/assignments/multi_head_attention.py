"""Checks of assignment 05: multi-head attention.

The wrapper of causal heads is checked on the worked example, then head by head against PyTorch's
causal ``scaled_dot_product_attention`` with the student's own weights. The efficient
``MultiHeadAttention`` is checked on the worked example, then against ``torch.nn.MultiheadAttention``
carrying the student's weights for several head counts; its heads must match the wrapper's when both
get the same per-head weights, and a ``d_out`` that cannot be split evenly must be refused. The shape
exercise (``split_heads``/``merge_heads``) is checked on a small numbered tensor, where a missing
transpose is easy to see, and on fresh tensors.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..authoring import (
    HIDDEN_TOL,
    OPERATIONS,
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
from ..references.multi_head_attention import head_prefixes, mha_case, multi_head, torch_multi_head, wrapper
from ..worked_values import multi_head_attention as worked
from ..worked_values.multi_head_attention import INPUTS

ASSIGNMENT = Assignment("05_multi_head_attention", "Multi-head attention")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check

BATCH = torch.stack((INPUTS, INPUTS))  # 2 x 6 x 3, as in the notebook
SIZES = (worked.D_IN, worked.D_OUT, worked.CONTEXT_LENGTH, 0.0, worked.NUM_HEADS)
#: the worked example's weights: heads of CausalAttention (W_query, W_key, W_value each), then the efficient module
WRAPPER_STATE = seeded_state(
    worked.SEED,
    [(f"heads.{h}.{name}", new_linear(worked.D_IN, worked.D_OUT)) for h in range(worked.NUM_HEADS) for name in QKV],
)
MHA_STATE = seeded_state(
    worked.SEED,
    [
        *((name, new_linear(worked.D_IN, worked.D_OUT)) for name in QKV),
        ("out_proj", new_linear(worked.D_OUT, worked.D_OUT, bias=True)),
    ],
)


# ---------------------------------------------------------------- the wrapper


@public("mha_wrapper", points=1, todo="MultiHeadAttentionWrapper: two causal heads side by side")
def check_wrapper():
    return [
        module("MultiHeadAttentionWrapper", *SIZES, seed=worked.SEED, forward=(BATCH,)),
        expect(
            worked.WRAPPER_OUTPUT,
            pick=("output",),
            what="Context vectors of the 2x6x3 batch (2 heads of size 2)",
            reference=lambda ops: wrapper(ops, WRAPPER_STATE, BATCH, worked.NUM_HEADS),
            hint="build the heads in a list comprehension (the seed decides their weights, in order) and "
            "concatenate their outputs on the last dimension.",
        ),
    ]


@hidden("mha_wrapper_hidden", points=1, todo="Wrapper with 3 heads vs PyTorch's causal attention")
def check_wrapper_hidden(student):
    x, num_heads = rand(501, 2, 5, 4), 3
    result = student.module("MultiHeadAttentionWrapper", 4, 3, 7, 0.0, num_heads, seed=502, forward=(x,))
    state = result["state"]
    heads = [projections(state, x, prefix) for prefix in head_prefixes(state, num_heads)]
    expected = torch.cat(
        [F.scaled_dot_product_attention(h["queries"], h["keys"], h["values"], is_causal=True) for h in heads], dim=-1
    )
    return expect_tensor(
        result.get("output"),
        expected,
        student=student,
        **HIDDEN_TOL,
        what="MultiHeadAttentionWrapper(4, 3, 7, 0.0, num_heads=3) on a 2x5x4 batch",
        reference=lambda ops: wrapper(ops, state, x, num_heads),
    )


# ---------------------------------------------------------------- the shape exercise


@public("mha_split_heads", points=1, todo="Split into heads: view, then transpose")
def check_split_heads():
    x, heads = worked.SPLIT_EXAMPLE_INPUT, worked.SPLIT_EXAMPLE_HEADS
    return [
        call("split_heads", x, heads),
        expect(
            worked.SPLIT_EXAMPLE,
            what="The numbered 1x3x4 tensor split into 2 heads",
            reference=lambda ops: ops.split_heads(x, heads),
            hint="the result has shape (b, num_heads, num_tokens, head_dim).",
        ),
    ]


@hidden("mha_split_heads_hidden", points=1, todo="Split into heads (fresh tensor, 3 heads)")
def check_split_heads_hidden(student):
    x = randn(511, 2, 5, 12)
    return expect_tensor(
        student.answer("split_heads", x, 3),
        OPERATIONS["split_heads"](x, 3),
        student=student,
        what="A fresh 2x5x12 tensor split into 3 heads",
        reference=lambda ops: ops.split_heads(x, 3),
        **HIDDEN_TOL,
    )


@public("mha_merge_heads", points=1, todo="Merge the heads: transpose back, then view")
def check_merge_heads():
    return [
        call("merge_heads", worked.SPLIT_EXAMPLE),
        expect(
            worked.MERGE_EXAMPLE,
            what="The 2 heads of the numbered tensor merged again",
            reference=lambda ops: ops.merge_heads(worked.SPLIT_EXAMPLE),
            hint="merging must undo split_heads: shape (b, num_tokens, d_out).",
        ),
    ]


@hidden("mha_merge_heads_hidden", points=1, todo="Merge the heads (fresh tensor, 3 heads)")
def check_merge_heads_hidden(student):
    x = randn(512, 2, 3, 5, 4)
    return expect_tensor(
        student.answer("merge_heads", x),
        OPERATIONS["merge_heads"](x),
        student=student,
        what="3 fresh heads (2x3x5x4) merged",
        reference=lambda ops: ops.merge_heads(x),
        **HIDDEN_TOL,
    )


# ---------------------------------------------------------------- the efficient MultiHeadAttention


@public("mha_module", points=1, todo="MultiHeadAttention on the batch of the worked example")
def check_module():
    return [
        module("MultiHeadAttention", *SIZES, seed=worked.SEED, forward=(BATCH,)),
        expect(
            worked.MHA_OUTPUT,
            pick=("output",),
            what="Context vectors of the 2x6x3 batch (d_out=2, 2 heads)",
            reference=lambda ops: multi_head(ops, **mha_case(MHA_STATE, BATCH, worked.NUM_HEADS)),
            hint="create W_query, W_key, W_value, then out_proj, in this order (the seed decides their weights).",
        ),
    ]


@hidden("mha_torch_hidden", points=1, todo="MultiHeadAttention vs torch.nn.MultiheadAttention")
def check_torch_hidden(student):
    """d_in = d_out = 6 (so the weights fit nn.MultiheadAttention), 5 tokens of a context of 8, 1, 2 and 3 heads."""
    message = ""
    for num_heads, seed in ((1, 521), (2, 522), (3, 523)):
        x = rand(seed, 2, 5, 6)
        result = student.module("MultiHeadAttention", 6, 6, 8, 0.0, num_heads, seed=seed, forward=(x,))
        case = mha_case(result["state"], x, num_heads)
        message = expect_tensor(
            result.get("output"),
            torch_multi_head(result["state"], x, num_heads),
            what=f"MultiHeadAttention(6, 6, 8, 0.0, num_heads={num_heads}) on a 2x5x6 batch",
            student=student,
            reference=lambda ops: multi_head(ops, **case),
            **HIDDEN_TOL,
        )
    return message


@hidden("mha_agrees_wrapper_hidden", points=1, todo="Same heads as the wrapper, given the same weights")
def check_agrees_wrapper_hidden(student):
    """Give the wrapper's head h the rows h*head_dim:(h+1)*head_dim of the efficient module's projections, and make
    out_proj the identity: the efficient module must then return exactly the wrapper's concatenated heads."""
    x, num_heads, head_dim = rand(531, 2, 5, 4), 3, 2
    d_out = num_heads * head_dim
    state = dict(student.module("MultiHeadAttention", 4, d_out, 7, 0.0, num_heads, seed=532)["state"])
    student_linear(state, "out_proj")  # a clear failure if there is none
    state["out_proj.weight"] = torch.eye(d_out)
    if "out_proj.bias" in state:
        state["out_proj.bias"] = torch.zeros(d_out)
    wrapper_state = dict(student.module("MultiHeadAttentionWrapper", 4, head_dim, 7, 0.0, num_heads, seed=533)["state"])
    for h, prefix in enumerate(head_prefixes(wrapper_state, num_heads)):
        rows = slice(h * head_dim, (h + 1) * head_dim)
        for name in QKV:
            weight, bias = student_linear(state, name)
            wrapper_state[f"{prefix}{name}.weight"] = weight[rows]
            if f"{prefix}{name}.bias" in wrapper_state:
                wrapper_state[f"{prefix}{name}.bias"] = bias[rows] if bias is not None else torch.zeros(head_dim)
    what = "MultiHeadAttention(4, 6, 7, 0.0, num_heads=3) with out_proj = identity"
    got = student.module("MultiHeadAttention", 4, d_out, 7, 0.0, num_heads, state=state, forward=(x,)).get("output")
    expected = as_tensor(
        student.module(
            "MultiHeadAttentionWrapper", 4, head_dim, 7, 0.0, num_heads, state=wrapper_state, forward=(x,)
        ).get("output"),
        what,
    )
    case = mha_case(state, x, num_heads)
    return expect_tensor(
        got,
        expected,
        what=f"{what}, compared with your wrapper's 3 heads of the same weights",
        student=student,
        reference=lambda ops: multi_head(ops, **case),
        own_expected=True,
        hint="head h of the efficient module is the slice h*head_dim:(h+1)*head_dim of each projection.",
        **HIDDEN_TOL,
    )


@hidden("mha_divisible_hidden", points=1, todo="A d_out that does not split into heads is refused")
def check_divisible_hidden(student):
    call_text = "MultiHeadAttention(d_in=3, d_out=5, context_length=6, dropout=0.0, num_heads=2)"
    error = student.raises("module", "MultiHeadAttention", 3, 5, 6, 0.0, 2)
    if error is None:
        raise CheckFailed(
            f"{call_text} was built without complaint, but 5 output dimensions cannot be split into 2 "
            "heads of equal size. Check in __init__ that d_out % num_heads == 0 and raise an error (for "
            "example a ValueError) that says why."
        )
    if not error.message.strip():
        raise CheckFailed(
            f"{call_text} raised {error.kind}, but without a message. Say why, e.g. "
            '"d_out must be divisible by num_heads".'
        )
    return f"{call_text} was refused: {error.kind}: {error.message}"
