"""Checks of assignment 05: multi-head attention.

The wrapper of causal heads is checked on the worked example, then head by head
against PyTorch's causal ``scaled_dot_product_attention`` with the student's own
weights. The efficient ``MultiHeadAttention`` is checked on the worked example,
then against ``torch.nn.MultiheadAttention`` carrying the student's weights for
several head counts; its heads must match the wrapper's when both get the same
per-head weights, and a ``d_out`` that cannot be split evenly must be refused.
The shape exercise (``split_heads``/``merge_heads``) is checked on a small numbered
tensor, where a missing transpose is easy to see, and on fresh tensors.
"""
from __future__ import annotations

import re

import torch
import torch.nn.functional as F

from ..compare import expect_tensor
from ..framework import Assignment, CheckFailed
from ..mistakes import detect, variant
from ..samples import mutation, pasted
from ..worked_values import multi_head_attention as worked
from ..worked_values.simplified_attention import INPUTS
from .causal_attention import HIDE, attend, linear, output_of, projections
from .fresh import HIDDEN_TOL, rand, randn

ASSIGNMENT = Assignment("05_multi_head_attention", "Multi-head attention")
check = ASSIGNMENT.check

BATCH = torch.stack((INPUTS, INPUTS))  # 2 x 6 x 3, as in the notebook


# ---------------------------------------------------------------- references and known wrong variants

def split(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    b, num_tokens, d_out = x.shape
    return x.view(b, num_tokens, num_heads, d_out // num_heads).transpose(1, 2)


def split_without_transpose(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    b, num_tokens, d_out = x.shape
    return x.reshape(b, num_heads, num_tokens, d_out // num_heads)


def merge(x: torch.Tensor) -> torch.Tensor:
    b, num_heads, num_tokens, head_dim = x.shape
    return x.transpose(1, 2).reshape(b, num_tokens, num_heads * head_dim)


def merge_without_transpose(x: torch.Tensor) -> torch.Tensor:
    b, num_heads, num_tokens, head_dim = x.shape
    return x.reshape(b, num_tokens, num_heads * head_dim)


def multi_head(queries, keys, values, out_weight, out_bias, num_heads, *, split_heads=split, merge_heads=merge,
               out_proj=True, **wrong):
    """Multi-head causal attention on projected queries/keys/values, optionally with a known mistake."""
    q, k, v = (split_heads(t, num_heads) for t in (queries, keys, values))
    context = merge_heads(attend(q, k, v, **wrong))
    return F.linear(context, out_weight, out_bias) if out_proj else context


def mha_case(state: dict, x: torch.Tensor, num_heads: int) -> dict:
    """What the detectors recompute mistakes from: the student's projections of x and output layer."""
    out_weight, out_bias = linear(state, "out_proj")
    return {**projections(state, x), "out_weight": out_weight, "out_bias": out_bias, "num_heads": num_heads}


def head_prefixes(state: dict, num_heads: int) -> list[str]:
    """The state_dict prefixes of the wrapper's heads ("heads.0.", "heads.1.", ...), in order."""
    prefixes = [key[: -len("W_query.weight")] for key in state if key.endswith("W_query.weight")]
    prefixes = sorted(prefixes, key=lambda p: [int(n) for n in re.findall(r"\d+", p)])
    if len(prefixes) != num_heads or any(not re.search(r"\d+\.$", p) for p in prefixes):
        raise CheckFailed(f"The grader expected {num_heads} heads (CausalAttention modules in an nn.ModuleList, each "
                          f"with W_query, W_key, W_value) and found {len(prefixes)} in your state_dict: "
                          f"{sorted(state)[:8]}.")
    return prefixes


# ---------------------------------------------------------------- the wrapper

@check("mha_wrapper", points=1, todo="MultiHeadAttentionWrapper: two causal heads side by side")
def check_wrapper(student):
    result = student.module("MultiHeadAttentionWrapper", worked.D_IN, worked.D_OUT, worked.CONTEXT_LENGTH, 0.0,
                            worked.NUM_HEADS, seed=worked.SEED, forward=(BATCH,))
    got = output_of(result, "MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2)(batch)")
    return expect_tensor(got, worked.WRAPPER_OUTPUT, what="Context vectors of the 2x6x3 batch (2 heads of size 2)",
                         student=student, hint="build the heads in a list comprehension (the seed decides their "
                                               "weights, in order) and concatenate their outputs on the last "
                                               "dimension.")


@check("mha_wrapper_hidden", points=1, todo="Wrapper with 3 heads vs PyTorch's causal attention", hidden=True)
def check_wrapper_hidden(student):
    x, num_heads = rand(501, 2, 5, 4), 3
    result = student.module("MultiHeadAttentionWrapper", 4, 3, 7, 0.0, num_heads, seed=502, forward=(x,))
    what = "MultiHeadAttentionWrapper(4, 3, 7, 0.0, num_heads=3) on a 2x5x4 batch"
    got = output_of(result, what)
    heads = [projections(result["state"], x, prefix) for prefix in head_prefixes(result["state"], num_heads)]
    expected = torch.cat([F.scaled_dot_product_attention(h["queries"], h["keys"], h["values"], is_causal=True)
                          for h in heads], dim=-1)
    return expect_tensor(got, expected, what=what, student=student, case={"x": x}, **HIDDEN_TOL)


# ---------------------------------------------------------------- the shape exercise

@check("mha_split_heads", points=1, todo="Split into heads: view, then transpose")
def check_split_heads(student):
    case = {"x": worked.SPLIT_EXAMPLE_INPUT, "num_heads": worked.SPLIT_EXAMPLE_HEADS}
    got = student.call("split_heads", *case.values())
    return expect_tensor(got, worked.SPLIT_EXAMPLE, what="The numbered 1x3x4 tensor split into 2 heads",
                         student=student, case=case,
                         hint="the result has shape (b, num_heads, num_tokens, head_dim).")


@check("mha_split_heads_hidden", points=1, todo="Split into heads (fresh tensor, 3 heads)", hidden=True)
def check_split_heads_hidden(student):
    case = {"x": randn(511, 2, 5, 12), "num_heads": 3}
    got = student.call("split_heads", *case.values())
    return expect_tensor(got, split(**case), what="A fresh 2x5x12 tensor split into 3 heads", student=student,
                         case=case, **HIDDEN_TOL)


@check("mha_merge_heads", points=1, todo="Merge the heads: transpose back, then view")
def check_merge_heads(student):
    case = {"x": worked.SPLIT_EXAMPLE}
    got = student.call("merge_heads", *case.values())
    return expect_tensor(got, worked.MERGE_EXAMPLE, what="The 2 heads of the numbered tensor merged again",
                         student=student, case=case,
                         hint="merging must undo split_heads: shape (b, num_tokens, d_out).")


@check("mha_merge_heads_hidden", points=1, todo="Merge the heads (fresh tensor, 3 heads)", hidden=True)
def check_merge_heads_hidden(student):
    case = {"x": randn(512, 2, 3, 5, 4)}
    got = student.call("merge_heads", *case.values())
    return expect_tensor(got, merge(**case), what="3 fresh heads (2x3x5x4) merged", student=student, case=case,
                         **HIDDEN_TOL)


# ---------------------------------------------------------------- the efficient MultiHeadAttention

@check("mha_module", points=1, todo="MultiHeadAttention on the batch of the worked example")
def check_module(student):
    result = student.module("MultiHeadAttention", worked.D_IN, worked.D_OUT, worked.CONTEXT_LENGTH, 0.0,
                            worked.NUM_HEADS, seed=worked.SEED, forward=(BATCH,))
    got = output_of(result, "MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)(batch)")
    return expect_tensor(got, worked.MHA_OUTPUT, what="Context vectors of the 2x6x3 batch (d_out=2, 2 heads)",
                         student=student, case=mha_case(result["state"], BATCH, worked.NUM_HEADS),
                         hint="create W_query, W_key, W_value, then out_proj, in this order (the seed decides "
                              "their weights).")


def torch_multi_head(state: dict, x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """torch.nn.MultiheadAttention carrying the student's weights, with a causal mask."""
    d_out = x.shape[-1]
    (wq, bq), (wk, bk), (wv, bv) = (linear(state, name) for name in ("W_query", "W_key", "W_value"))
    wo, bo = linear(state, "out_proj")
    zeros = torch.zeros(d_out)
    with torch.random.fork_rng(devices=[]):  # building a module draws random weights: leave the student's RNG alone
        reference = torch.nn.MultiheadAttention(d_out, num_heads, bias=True, batch_first=True)
    with torch.no_grad():
        reference.in_proj_weight.copy_(torch.cat([wq, wk, wv]))
        reference.in_proj_bias.copy_(torch.cat([b if b is not None else zeros for b in (bq, bk, bv)]))
        reference.out_proj.weight.copy_(wo)
        reference.out_proj.bias.copy_(bo if bo is not None else zeros)
        reference.eval()
        output, _ = reference(x, x, x, attn_mask=HIDE["future"](x.shape[1]), need_weights=False)
    return output


@check("mha_torch_hidden", points=1, todo="MultiHeadAttention vs torch.nn.MultiheadAttention", hidden=True)
def check_torch_hidden(student):
    """d_in = d_out = 6 (so the weights fit nn.MultiheadAttention), 5 tokens of a context of 8, 1, 2 and 3 heads."""
    message = ""
    for num_heads, seed in ((1, 521), (2, 522), (3, 523)):
        x = rand(seed, 2, 5, 6)
        result = student.module("MultiHeadAttention", 6, 6, 8, 0.0, num_heads, seed=seed, forward=(x,))
        what = f"MultiHeadAttention(6, 6, 8, 0.0, num_heads={num_heads}) on a 2x5x6 batch"
        message = expect_tensor(output_of(result, what), torch_multi_head(result["state"], x, num_heads), what=what,
                                student=student, case=mha_case(result["state"], x, num_heads), **HIDDEN_TOL)
    return message


@check("mha_agrees_wrapper_hidden", points=1, todo="Same heads as the wrapper, given the same weights", hidden=True)
def check_agrees_wrapper_hidden(student):
    """Give the wrapper's head h the rows h*head_dim:(h+1)*head_dim of the efficient module's projections, and make
    out_proj the identity: the efficient module must then return exactly the wrapper's concatenated heads."""
    x, num_heads, head_dim = rand(531, 2, 5, 4), 3, 2
    d_out = num_heads * head_dim
    state = dict(student.module("MultiHeadAttention", 4, d_out, 7, 0.0, num_heads, seed=532)["state"])
    linear(state, "out_proj")  # a clear failure if there is none
    state["out_proj.weight"] = torch.eye(d_out)
    if "out_proj.bias" in state:
        state["out_proj.bias"] = torch.zeros(d_out)
    wrapper_state = dict(student.module("MultiHeadAttentionWrapper", 4, head_dim, 7, 0.0, num_heads, seed=533)["state"])
    for h, prefix in enumerate(head_prefixes(wrapper_state, num_heads)):
        rows = slice(h * head_dim, (h + 1) * head_dim)
        for name in ("W_query", "W_key", "W_value"):
            weight, bias = linear(state, name)
            wrapper_state[f"{prefix}{name}.weight"] = weight[rows]
            if f"{prefix}{name}.bias" in wrapper_state:
                wrapper_state[f"{prefix}{name}.bias"] = bias[rows] if bias is not None else torch.zeros(head_dim)
    what = "MultiHeadAttention(4, 6, 7, 0.0, num_heads=3) with out_proj = identity"
    got = output_of(student.module("MultiHeadAttention", 4, d_out, 7, 0.0, num_heads, state=state, forward=(x,)), what)
    expected = output_of(student.module("MultiHeadAttentionWrapper", 4, head_dim, 7, 0.0, num_heads,
                                        state=wrapper_state, forward=(x,)), what)
    return expect_tensor(got, expected, what=f"{what}, compared with your wrapper's 3 heads of the same weights",
                         student=student, case=mha_case(state, x, num_heads), **HIDDEN_TOL,
                         hint="head h of the efficient module is the slice h*head_dim:(h+1)*head_dim of each "
                              "projection.")


@check("mha_divisible_hidden", points=1, todo="A d_out that does not split into heads is refused", hidden=True)
def check_divisible_hidden(student):
    call = "MultiHeadAttention(d_in=3, d_out=5, context_length=6, dropout=0.0, num_heads=2)"
    error = student.raises("module", "MultiHeadAttention", 3, 5, 6, 0.0, 2)
    if error is None:
        raise CheckFailed(f"{call} was built without complaint, but 5 output dimensions cannot be split into 2 heads "
                          "of equal size. Check in __init__ that d_out % num_heads == 0 and raise an error (for "
                          "example a ValueError) that says why.")
    if not error.message.strip():
        raise CheckFailed(f"{call} raised {error.kind}, but without a message. Say why, e.g. "
                          "\"d_out must be divisible by num_heads\".")
    return f"{call} was refused: {error.kind}: {error.message}"


# ---------------------------------------------------------------- where each catalogued mistake shows up

MODULE_CHECKS = ("mha_module", "mha_torch_hidden", "mha_agrees_wrapper_hidden")
HIDDEN_MODULE_CHECKS = MODULE_CHECKS[1:]


def _wrong_module(**wrong):
    return variant(lambda queries, keys, values, out_weight, out_bias, num_heads:
                   multi_head(queries, keys, values, out_weight, out_bias, num_heads, **wrong))


detect("heads_no_transpose", "mha_split_heads", "mha_split_heads_hidden", detector=variant(split_without_transpose))
detect("heads_no_transpose", *MODULE_CHECKS, detector=_wrong_module(split_heads=split_without_transpose))
detect("heads_merged_wrong_order", "mha_merge_heads", "mha_merge_heads_hidden",
       detector=variant(merge_without_transpose))
detect("heads_merged_wrong_order", *MODULE_CHECKS, detector=_wrong_module(merge_heads=merge_without_transpose))
detect("missing_out_proj", "mha_module", "mha_torch_hidden", detector=_wrong_module(out_proj=False))
detect("no_scaling", *HIDDEN_MODULE_CHECKS, detector=_wrong_module(scale=False))  # head_dim = 1 in the worked example
detect("mask_fill_zero", *MODULE_CHECKS, detector=_wrong_module(fill=0.0))


# ---------------------------------------------------------------- sample submissions

SPLIT = "return x.view(b, num_tokens, num_heads, head_dim).transpose(1, 2)"
MERGE = "return x.transpose(1, 2).contiguous().view(b, num_tokens, num_heads * head_dim)"
OUT = "return self.out_proj(context_vec)"
FILL = "attn_scores.masked_fill_(mask_bool, -torch.inf)"
SOFTMAX = FILL + "\n        attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)"
CHECK_SIZES = ("if d_out % num_heads != 0:\n"
               "            raise ValueError(f\"d_out ({d_out}) must be divisible by num_heads ({num_heads})\")")
WRAPPER_CAT = "return torch.cat([head(x) for head in self.heads], dim=-1)"
MODULE_BROKEN = set(MODULE_CHECKS)

MUTATIONS = [
    # the wrong submissions of the issue, one per catalogued mistake registered above
    mutation("heads_no_transpose", [(SPLIT, "return x.view(b, num_heads, num_tokens, head_dim)")],
             breaks={"mha_split_heads", "mha_split_heads_hidden"} | MODULE_BROKEN, mistake="heads_no_transpose",
             description="heads reshaped with view straight to (b, num_heads, num_tokens, head_dim), no transpose"),
    mutation("heads_merged_wrong_order", [(MERGE, "return x.contiguous().view(b, num_tokens, num_heads * head_dim)")],
             breaks={"mha_merge_heads", "mha_merge_heads_hidden"} | MODULE_BROKEN, mistake="heads_merged_wrong_order",
             description="heads merged with view without transposing back first"),
    mutation("missing_out_proj", [(OUT, "return context_vec")], breaks={"mha_module", "mha_torch_hidden"},
             mistake="missing_out_proj", description="out_proj is created but never applied"),
    mutation("no_scaling", [(SOFTMAX, SOFTMAX.replace(" / keys.shape[-1]**0.5", ""))], breaks=set(HIDDEN_MODULE_CHECKS),
             mistake="no_scaling", description="the scores of the heads are not scaled by sqrt(head_dim) "
                                               "(invisible in the worked example, where head_dim = 1)"),
    mutation("mask_fill_zero", [(FILL, "attn_scores.masked_fill_(mask_bool, 0)")], breaks=MODULE_BROKEN,
             mistake="mask_fill_zero", description="the future scores of the heads are set to 0 instead of -inf"),
    mutation("no_size_check", [(CHECK_SIZES, "pass")], breaks={"mha_divisible_hidden"},
             description="no check that d_out splits into num_heads heads"),
    mutation("pasted_numbers", [(WRAPPER_CAT, pasted(worked.WRAPPER_OUTPUT)), (OUT, pasted(worked.MHA_OUTPUT))],
             breaks={"mha_wrapper_hidden", "mha_torch_hidden", "mha_agrees_wrapper_hidden"},
             description="the worked values pasted in place of both forward methods"),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation("alt_reshape_permute", [
        (SPLIT, "return x.reshape(b, num_tokens, num_heads, -1).permute(0, 2, 1, 3)"),
        (MERGE, "return x.transpose(1, 2).reshape(b, num_tokens, -1)"),
    ], breaks=set(),
        description="reshape and permute instead of view and transpose; reshape instead of contiguous().view"),
    mutation("alt_renamed", [
        ("b, num_tokens, d_out = x.shape\n    head_dim = d_out // num_heads\n    " + SPLIT,
         "batch_size, seq_len, width = x.shape\n    "
         "return x.view(batch_size, seq_len, num_heads, width // num_heads).transpose(1, 2)"),
    ], breaks=set(), description="renamed variables in split_heads"),
    mutation("alt_einsum_matmul_softmax", [
        ("attn_scores = queries @ keys.transpose(2, 3)",
         "attn_scores = torch.einsum('bhqd,bhkd->bhqk', queries, keys)"),
        ("context_vec = merge_heads(attn_weights @ values)",
         "context_vec = merge_heads(torch.matmul(attn_weights, values))"),
        (SOFTMAX, SOFTMAX.replace("torch.softmax", "torch.nn.functional.softmax")),
    ], breaks=set(), description="einsum, torch.matmul and F.softmax"),
    mutation("alt_adding_inf_matrix",
             [(FILL, "attn_scores = attn_scores + "
                     "torch.zeros(num_tokens, num_tokens).masked_fill(mask_bool, -torch.inf)")],
             breaks=set(), description="adding a -inf matrix instead of masked_fill_"),
    mutation("alt_assert", [(CHECK_SIZES, "assert d_out % num_heads == 0, \"d_out must be divisible by num_heads\"")],
             breaks=set(), description="an assert with a message instead of raising ValueError"),
    mutation("alt_concat", [(WRAPPER_CAT, "return torch.concat([head(x) for head in self.heads], dim=2)")],
             breaks=set(), description="torch.concat on dim=2"),
]
