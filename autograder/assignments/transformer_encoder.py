"""Checks of assignment 06: from attention to a transformer encoder block.

Seed 003 places attention inside the transformer: token embeddings, sinusoidal
positional encoding, and an encoder layer whose two sub-layers (multi-head
attention and a feed-forward network) are each wrapped in a residual connection
followed by layer normalisation (post-norm). The student writes the positional
encoding, the feed-forward network and the encoder layer.

Design decision (issue 5): multi-head attention is written and graded in
assignment 05, so this notebook *gives* a non-causal ``MultiHeadAttention`` (the
class of assignment 05 without the causal mask, plus an optional padding mask).
A student may paste their own class in a new cell below it, keeping the attribute
names ``W_query``, ``W_key``, ``W_value`` and ``out_proj``. Giving it keeps the
new ideas (positions, feed-forward, residual + norm) apart from the old ones, and
keeps an attention bug from assignment 05 from costing every point here.

The feed-forward and encoder checks are about modules with random weights. They
do not compare with numbers printed in the notebook (a correct layer that creates
its sub-modules in another order gets other weights): they take the student's own
weights (``student.module(...)["state"]``), copy them into PyTorch's modules
(``nn.Linear``/``nn.ReLU``, ``nn.TransformerEncoderLayer(norm_first=False)``) and
compare the outputs. The public ones use the notebook's sentence as input, the
hidden ones fresh batches of other sizes. The positional encoding is compared with
the worked values (public) and with the formula written again with loops and
``math`` (hidden). A last hidden check tests a property instead of values: without
positional encoding, permuting the tokens permutes the encoder's outputs; with it,
it does not.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..compare import as_tensor, close, expect_tensor, parameter
from ..framework import Assignment, CheckFailed
from ..mistakes import detect, variant
from ..samples import mutation, pasted
from ..worked_values import transformer_encoder as worked
from .fresh import HIDDEN_TOL, randn

ASSIGNMENT = Assignment("06_transformer_encoder", "From attention to a transformer encoder block")
check = ASSIGNMENT.check

LN_EPS = 1e-5  # nn.LayerNorm's and nn.TransformerEncoderLayer's default


# --- Positional encoding ------------------------------------------------------------------------------------------

def reference_pe(num_positions: int, d_model: int, *, swapped: bool = False, exponent: str = "2i") -> torch.Tensor:
    """The sinusoidal encoding written out with loops and ``math`` (independent of the solution's vector code).

    ``swapped`` and ``exponent`` give the catalogued wrong versions: cos on the even dimensions and sin on the odd
    ones; the pair index i (``"i"``) or the column index (``"column"``) in place of 2i in the exponent."""
    table = [[0.0] * d_model for _ in range(num_positions)]
    for pos in range(num_positions):
        for column in range(d_model):
            pair = column // 2
            power = {"2i": 2 * pair, "i": pair, "column": column}[exponent]
            angle = pos / math.pow(10000.0, power / d_model)
            use_sin = (column % 2 == 0) != swapped
            table[pos][column] = math.sin(angle) if use_sin else math.cos(angle)
    return torch.tensor(table, dtype=torch.float64)


#: the notebook's encoder input: the sentence's token embeddings plus their positional encoding, as a batch of one
EXAMPLE_X = (worked.TOKEN_EMBEDDINGS + reference_pe(6, worked.D_MODEL).float()).unsqueeze(0)


@check("enc_pe", points=1, todo="Sinusoidal positional encoding")
def check_pe(student):
    case = {"num_positions": 4, "d_model": 6}
    got = student.call("positional_encoding", *case.values())
    return expect_tensor(got, worked.PE_4x6, what="positional_encoding(4, 6)", student=student, case=case)


@check("enc_pe_hidden", points=1, todo="Positional encoding (other sizes)", hidden=True)
def check_pe_hidden(student):
    for num_positions, d_model in ((7, 10), (50, 16)):
        case = {"num_positions": num_positions, "d_model": d_model}
        got = student.call("positional_encoding", *case.values())
        expect_tensor(got, reference_pe(num_positions, d_model),
                                what=f"positional_encoding({num_positions}, {d_model})", student=student, case=case,
                                **HIDDEN_TOL)
    return "positional_encoding(7, 10) and positional_encoding(50, 16): correct."


# --- The student's weights, copied into PyTorch's modules ---------------------------------------------------------

def _ffn_params(state: dict, d_model: int, d_ff: int, owner: str, prefix_hint: str = "") -> dict:
    hint = prefix_hint or " (self.linear1 and self.linear2)"
    return {
        "linear1.weight": parameter(state, "linear1.weight", (d_ff, d_model), owner, hint=hint),
        "linear1.bias": parameter(state, "linear1.bias", (d_ff,), owner, optional=True),
        "linear2.weight": parameter(state, "linear2.weight", (d_model, d_ff), owner, hint=hint),
        "linear2.bias": parameter(state, "linear2.bias", (d_model,), owner, optional=True),
    }


def _encoder_params(state: dict, d_model: int, d_ff: int) -> dict:
    owner = "EncoderLayer"
    hint = (" (self.self_attn = MultiHeadAttention(...) with W_query, W_key, W_value and out_proj; "
            "self.ffn = FeedForward(...) with linear1 and linear2; self.norm1 and self.norm2)")
    params = {}
    for projection in ("W_query", "W_key", "W_value", "out_proj"):
        params[f"{projection}.weight"] = parameter(state, f"{projection}.weight", (d_model, d_model), owner, hint=hint)
        params[f"{projection}.bias"] = parameter(state, f"{projection}.bias", (d_model,), owner, optional=True)
    params.update(_ffn_params(state, d_model, d_ff, owner, hint))
    for norm in ("norm1", "norm2"):  # nn.LayerNorm (weight, bias) or a hand-written one (scale, shift)
        params[f"{norm}.weight"] = parameter(state, f"{norm}.weight", (d_model,), owner, aliases=(f"{norm}.scale",),
                                          hint=hint)
        params[f"{norm}.bias"] = parameter(state, f"{norm}.bias", (d_model,), owner, aliases=(f"{norm}.shift",),
                                        hint=hint)
    return params


def torch_feed_forward(params: dict) -> nn.Module:
    d_ff, d_model = params["linear1.weight"].shape
    reference = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
    reference.load_state_dict({"0.weight": params["linear1.weight"], "0.bias": params["linear1.bias"],
                               "2.weight": params["linear2.weight"], "2.bias": params["linear2.bias"]})
    return reference.eval()


def torch_encoder_layer(params: dict, num_heads: int) -> nn.TransformerEncoderLayer:
    """PyTorch's own post-norm encoder layer, holding the student's weights."""
    d_ff, d_model = params["linear1.weight"].shape
    reference = nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward=d_ff, dropout=0.0, activation="relu",
                                           batch_first=True, norm_first=False)
    with torch.no_grad():
        attention = reference.self_attn
        attention.in_proj_weight.copy_(torch.cat([params[f"{w}.weight"] for w in ("W_query", "W_key", "W_value")]))
        attention.in_proj_bias.copy_(torch.cat([params[f"{w}.bias"] for w in ("W_query", "W_key", "W_value")]))
        attention.out_proj.weight.copy_(params["out_proj.weight"])
        attention.out_proj.bias.copy_(params["out_proj.bias"])
        for name in ("linear1", "linear2", "norm1", "norm2"):
            getattr(reference, name).weight.copy_(params[f"{name}.weight"])
            getattr(reference, name).bias.copy_(params[f"{name}.bias"])
    return reference.eval()


def _run(reference: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return reference(x)


# --- Wrong wirings of the encoder layer, with torch functional ops (for the detectors) ----------------------------

def _attention(x: torch.Tensor, p: dict, num_heads: int) -> torch.Tensor:
    b, n, d = x.shape
    head_dim = d // num_heads

    def heads(name: str) -> torch.Tensor:
        return F.linear(x, p[f"{name}.weight"], p[f"{name}.bias"]).view(b, n, num_heads, head_dim).transpose(1, 2)

    queries, keys, values = heads("W_query"), heads("W_key"), heads("W_value")
    weights = torch.softmax(queries @ keys.transpose(-2, -1) / math.sqrt(head_dim), dim=-1)
    context = (weights @ values).transpose(1, 2).reshape(b, n, d)
    return F.linear(context, p["out_proj.weight"], p["out_proj.bias"])


def _feed_forward(x: torch.Tensor, p: dict) -> torch.Tensor:
    return F.linear(F.relu(F.linear(x, p["linear1.weight"], p["linear1.bias"])), p["linear2.weight"], p["linear2.bias"])


def _norm(x: torch.Tensor, p: dict, name: str) -> torch.Tensor:
    return F.layer_norm(x, x.shape[-1:], p[f"{name}.weight"], p[f"{name}.bias"], eps=LN_EPS)


def wired(x: torch.Tensor, params: dict, num_heads: int, *, pre_norm: bool = False, attn_residual: bool = True,
          ffn_residual: bool = True) -> torch.Tensor:
    """The encoder layer with the student's weights, wired right (the defaults) or in a catalogued wrong way."""
    with torch.no_grad():
        if pre_norm:  # x + sublayer(LayerNorm(x)), as in GPT-2
            x = x + _attention(_norm(x, params, "norm1"), params, num_heads)
            return x + _feed_forward(_norm(x, params, "norm2"), params)
        attended = _attention(x, params, num_heads)
        x = _norm(x + attended if attn_residual else attended, params, "norm1")
        fed = _feed_forward(x, params)
        return _norm(x + fed if ffn_residual else fed, params, "norm2")


# --- Feed-forward network and encoder layer -----------------------------------------------------------------------

def _feed_forward_check(student, x: torch.Tensor, d_model: int, d_ff: int, seed: int, what: str, tol: dict) -> str:
    answer = student.module("FeedForward", d_model, d_ff, seed=seed, forward=(x,))
    params = _ffn_params(answer["state"], d_model, d_ff, f"FeedForward({d_model}, {d_ff})")
    expected = _run(torch_feed_forward(params), x)
    return expect_tensor(answer.get("output"), expected, what=what, student=student, case={"x": x, "params": params},
                         hint="FFN(x) = linear2(ReLU(linear1(x))): the ReLU goes between the two linear layers, "
                              "and nothing else is added.", **tol)


@check("enc_ffn", points=1, todo="Position-wise feed-forward network")
def check_ffn(student):
    return _feed_forward_check(student, EXAMPLE_X, worked.D_MODEL, worked.D_FF, seed=123,
                               what="FeedForward(6, 24) on the sentence (compared with nn.Linear/nn.ReLU holding "
                                    "your weights)", tol={})


@check("enc_ffn_hidden", points=1, todo="Feed-forward network (fresh batch)", hidden=True)
def check_ffn_hidden(student):
    return _feed_forward_check(student, randn(601, 2, 5, 8), 8, 32, seed=602,
                               what="FeedForward(8, 32) on a fresh batch of 2 x 5 tokens (compared with "
                                    "nn.Linear/nn.ReLU holding your weights)", tol=HIDDEN_TOL)


def _encoder_check(student, x: torch.Tensor, d_model: int, num_heads: int, d_ff: int, seed: int, what: str,
                   tol: dict) -> str:
    answer = student.module("EncoderLayer", d_model, num_heads, d_ff, seed=seed, forward=(x,))
    params = _encoder_params(answer["state"], d_model, d_ff)
    expected = _run(torch_encoder_layer(params, num_heads), x)
    return expect_tensor(answer.get("output"), expected, what=what, student=student,
                         case={"x": x, "params": params, "num_heads": num_heads},
                         hint="post-norm: x = norm1(x + dropout(self_attn(x))), then x = norm2(x + dropout(ffn(x))); "
                              "no causal mask in an encoder.", **tol)


@check("enc_layer", points=1, todo="Post-norm encoder layer")
def check_layer(student):
    return _encoder_check(student, EXAMPLE_X, worked.D_MODEL, worked.NUM_HEADS, worked.D_FF, seed=123,
                          what="EncoderLayer(6, 2, 24) on the sentence (compared with nn.TransformerEncoderLayer "
                               "holding your weights)", tol={})


@check("enc_layer_hidden", points=1, todo="Encoder layer (fresh batch, 4 heads)", hidden=True)
def check_layer_hidden(student):
    return _encoder_check(student, randn(603, 2, 5, 8), 8, 4, 32, seed=604,
                          what="EncoderLayer(8, 4, 32) on a fresh batch of 2 x 5 tokens (compared with "
                               "nn.TransformerEncoderLayer holding your weights)", tol=HIDDEN_TOL)


PERMUTATION = [3, 0, 4, 1, 2]


@check("enc_permutation_hidden", points=1, todo="Word order: permutations with and without positions", hidden=True)
def check_permutation_hidden(student):
    x, perm, d_model, num_heads, d_ff, seed = randn(605, 1, 5, 8), PERMUTATION, 8, 2, 32, 606

    def encode(inputs: torch.Tensor):
        return student.module("EncoderLayer", d_model, num_heads, d_ff, seed=seed, forward=(inputs,)).get("output")

    what = "EncoderLayer(8, 2, 32) on 5 fresh tokens"
    outputs = as_tensor(encode(x), what)
    if outputs.shape != x.shape:
        raise CheckFailed(f"{what}: expected shape {tuple(x.shape)} (the shape of its input), "
                          f"got {tuple(outputs.shape)}.")
    expect_tensor(encode(x[:, perm]), outputs[:, perm],
                  what="Without positional encoding: EncoderLayer on the 5 tokens in another order "
                       f"(order {perm}) should give the same outputs in that order", student=student, **HIDDEN_TOL,
                  hint="an encoder layer has no notion of word order: each token may attend to every token. "
                       "A causal mask, or anything that depends on a token's index, breaks this.")

    pe = student.call("positional_encoding", 5, d_model)
    if not isinstance(pe, torch.Tensor) or tuple(pe.shape) != (5, d_model):
        shape = tuple(pe.shape) if isinstance(pe, torch.Tensor) else type(pe).__name__
        raise CheckFailed(f"positional_encoding(5, 8) should return a 5 x 8 tensor, got {shape}.")
    pe = pe.to(torch.float32)
    with_positions, permuted = as_tensor(encode(x + pe), what), as_tensor(encode(x[:, perm] + pe), what)
    if close(permuted, with_positions[:, perm], atol=1e-4):
        raise CheckFailed("With positional encoding added, permuting the tokens still only permutes the outputs: "
                          "the encoder still cannot tell word order. positional_encoding(5, 8) must give each "
                          "position its own row (sin and cos of pos / 10000^(2i/d_model)).")
    return ("Without positional encoding, permuting the tokens permutes the outputs; with it, the outputs change: "
            "correct.")


# Where each catalogued mistake can show up in this assignment, and how to recognise it.
detect("pe_sin_cos_swapped", "enc_pe", "enc_pe_hidden",
       detector=variant(lambda num_positions, d_model: reference_pe(num_positions, d_model, swapped=True)))
for _exponent in ("i", "column"):
    detect("pe_wrong_exponent", "enc_pe", "enc_pe_hidden",
           detector=variant(lambda num_positions, d_model, _e=_exponent: reference_pe(num_positions, d_model,
                                                                                       exponent=_e)))
detect("pre_norm_instead_of_post", "enc_layer", "enc_layer_hidden",
       detector=variant(lambda x, params, num_heads: wired(x, params, num_heads, pre_norm=True)))
for _attn_residual, _ffn_residual in ((False, True), (True, False), (False, False)):
    detect("missing_residual", "enc_layer", "enc_layer_hidden",
           detector=variant(lambda x, params, num_heads, _a=_attn_residual, _f=_ffn_residual:
                            wired(x, params, num_heads, attn_residual=_a, ffn_residual=_f)))


# Sample submissions: the reference solution with one mistake each (see autograder.samples).
PE_SIN = "pe[:, 0::2] = torch.sin(angles)"
PE_COS = "pe[:, 1::2] = torch.cos(angles)"
PE_BODY = ("position = torch.arange(num_positions, dtype=torch.float32).unsqueeze(1)  # (num_positions, 1)\n"
           "    two_i = torch.arange(0, d_model, 2, dtype=torch.float32)  # 2i = 0, 2, 4, ...\n"
           "    angles = position / 10000 ** (two_i / d_model)  # (num_positions, d_model // 2)\n"
           "    pe = torch.zeros(num_positions, d_model)\n"
           f"    {PE_SIN}\n"
           f"    {PE_COS}\n"
           "    return pe")
ATTN_SUBLAYER = "x = self.norm1(x + self.dropout(self.self_attn(x, key_padding_mask)))"
FFN_SUBLAYER = "x = self.norm2(x + self.dropout(self.ffn(x)))"

MUTATIONS = [
    mutation("pe_sin_cos_swapped", [(PE_SIN, "pe[:, 0::2] = torch.cos(angles)"),
                                    (PE_COS, "pe[:, 1::2] = torch.sin(angles)")],
             breaks={"enc_pe", "enc_pe_hidden"}, mistake="pe_sin_cos_swapped",
             description="cos on the even dimensions and sin on the odd ones"),
    mutation("pe_wrong_exponent", [("two_i = torch.arange(0, d_model, 2, dtype=torch.float32)",
                                    "two_i = torch.arange(0, d_model // 2, dtype=torch.float32)")],
             breaks={"enc_pe", "enc_pe_hidden"}, mistake="pe_wrong_exponent",
             description="exponent i/d_model instead of 2i/d_model"),
    mutation("pre_norm_instead_of_post", [
        (ATTN_SUBLAYER, "x = x + self.dropout(self.self_attn(self.norm1(x), key_padding_mask))"),
        (FFN_SUBLAYER, "x = x + self.dropout(self.ffn(self.norm2(x)))"),
    ], breaks={"enc_layer", "enc_layer_hidden"}, mistake="pre_norm_instead_of_post",
        description="layer norm on each sub-layer's input (pre-norm, as in GPT-2) where post-norm is asked"),
    mutation("missing_residual",
             [(ATTN_SUBLAYER, "x = self.norm1(self.dropout(self.self_attn(x, key_padding_mask)))")],
             breaks={"enc_layer", "enc_layer_hidden"}, mistake="missing_residual",
             description="no residual connection around the attention sub-layer"),
    mutation("missing_residual_ffn", [(FFN_SUBLAYER, "x = self.norm2(self.dropout(self.ffn(x)))")],
             breaks={"enc_layer", "enc_layer_hidden"}, mistake="missing_residual",
             description="no residual connection around the feed-forward sub-layer"),
    mutation("pasted_numbers", [(PE_BODY, pasted(worked.PE_4x6))],
             breaks={"enc_pe_hidden", "enc_permutation_hidden"},
             description="the printed 4 x 6 encoding pasted in place of code"),
    # Correct alternatives: they must pass every check with no diagnosis.
    mutation("pe_loop_math", [(PE_BODY,
        "pe = torch.zeros(num_positions, d_model)\n"
        "    for pos in range(num_positions):\n"
        "        for i in range(0, d_model, 2):\n"
        "            pe[pos, i] = math.sin(pos / (10000 ** (i / d_model)))\n"
        "            pe[pos, i + 1] = math.cos(pos / (10000 ** (i / d_model)))\n"
        "    return pe")], breaks=set(), description="correct: two loops and math.sin/math.cos"),
    mutation("pe_exp_log", [("angles = position / 10000 ** (two_i / d_model)",
                             "angles = position * torch.exp(-math.log(10000.0) * two_i / d_model)")],
             breaks=set(), description="correct: the frequencies as exp(-log(10000) * 2i / d_model)"),
    mutation("pe_stack_interleave", [(PE_BODY,
        "position = torch.arange(num_positions).float()[:, None]\n"
        "    freq = 1.0 / torch.pow(10000.0, torch.arange(0, d_model, 2).float() / d_model)\n"
        "    angle = position * freq[None, :]\n"
        "    return torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1).reshape(num_positions, d_model)")],
             breaks=set(), description="correct: sin and cos stacked, then interleaved with reshape"),
    mutation("ffn_sequential", [
        ("self.linear2 = nn.Linear(d_ff, d_model)",
         "self.linear2 = nn.Linear(d_ff, d_model)\n        self.net = nn.Sequential(self.linear1, nn.ReLU(), self.linear2)"),
        ("return self.linear2(torch.relu(self.linear1(x)))", "return self.net(x)"),
    ], breaks=set(), description="correct: the same two layers, called through an nn.Sequential"),
    mutation("ffn_functional_relu", [("return self.linear2(torch.relu(self.linear1(x)))",
                                      "hidden = F.relu(self.linear1(x))\n        return self.linear2(hidden)")],
             breaks=set(), description="correct: F.relu and a named intermediate"),
    mutation("encoder_two_dropouts_qkv_bias", [
        ("self.self_attn = MultiHeadAttention(d_model, d_model, num_heads, dropout=dropout)",
         "self.self_attn = MultiHeadAttention(d_model, d_model, num_heads, dropout=dropout, qkv_bias=True)"),
        ("self.dropout = nn.Dropout(dropout)  # on each sub-layer's output",
         "self.dropout1 = nn.Dropout(dropout)\n        self.dropout2 = nn.Dropout(dropout)"),
        (ATTN_SUBLAYER, "attended = self.self_attn(x, key_padding_mask=key_padding_mask)\n"
                        "        x = self.norm1(x + self.dropout1(attended))"),
        (FFN_SUBLAYER, "x = self.norm2(x + self.dropout2(self.ffn(x)))"),
    ], breaks=set(), description="correct: one dropout per sub-layer, and biases on the query/key/value projections"),
]
