"""Checks of assignment 06: from attention to a transformer encoder block.

Seed 003 places attention inside the transformer: token embeddings, sinusoidal positional
encoding, and an encoder layer whose two sub-layers (multi-head attention and a feed-forward
network) are each wrapped in a residual connection followed by layer normalisation (post-norm).
The student writes the positional encoding, the feed-forward network and the encoder layer.

Design decision (issue 5): multi-head attention is written and graded in assignment 05, so this
notebook *gives* a non-causal ``MultiHeadAttention`` (the class of assignment 05 without the causal
mask, plus an optional padding mask). A student may paste their own class in a new cell below it,
keeping the attribute names ``W_query``, ``W_key``, ``W_value`` and ``out_proj``.

The feed-forward and encoder layers have random weights, and a correct layer that creates its
sub-modules in another order gets other ones. So the public checks load the worked example's
weights (the layers of the notebook, built in its order after ``torch.manual_seed(123)``) into the
student's module, under the student's own parameter names, and compare its output on the
notebook's sentence with the worked output. The hidden checks take the student's own weights on
fresh batches of other sizes, copy them into PyTorch's modules (``nn.Linear``/``nn.ReLU``,
``nn.TransformerEncoderLayer(norm_first=False)``) and compare the outputs. The positional encoding
is compared with the worked values (public) and with the formula written again with loops and
``math`` (hidden). A last hidden check tests a property instead of values: without positional
encoding, permuting the tokens permutes the encoder's outputs; with it, it does not.
"""

from __future__ import annotations

import torch
from torch import nn

from ..authoring import (
    HIDDEN_TOL,
    OPERATIONS,
    Assignment,
    CheckFailed,
    as_tensor,
    call,
    close,
    expect,
    expect_tensor,
    module,
    new_linear,
    parameter,
    randn,
    seeded_state,
)
from ..references.transformer_encoder import encoder_layer, feed_forward, run, torch_encoder_layer, torch_feed_forward
from ..worked_values import transformer_encoder as worked

ASSIGNMENT = Assignment("06_transformer_encoder", "From attention to a transformer encoder block")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check

D_MODEL, NUM_HEADS, D_FF, SEED = worked.D_MODEL, worked.NUM_HEADS, worked.D_FF, 123
#: the notebook's encoder input: the sentence's token embeddings plus their positional encoding, as a batch of one
EXAMPLE_X = (worked.TOKEN_EMBEDDINGS + OPERATIONS["positional_encoding"](6, D_MODEL).float()).unsqueeze(0)
#: the worked example's layers, built in the notebook's order after torch.manual_seed(123)
WORKED_FFN = seeded_state(
    SEED, [("linear1", new_linear(D_MODEL, D_FF, bias=True)), ("linear2", new_linear(D_FF, D_MODEL, bias=True))]
)
WORKED_ENCODER = seeded_state(
    SEED,
    [
        *((name, new_linear(D_MODEL, D_MODEL)) for name in ("W_query", "W_key", "W_value")),
        ("out_proj", new_linear(D_MODEL, D_MODEL, bias=True)),
        ("linear1", new_linear(D_MODEL, D_FF, bias=True)),
        ("linear2", new_linear(D_FF, D_MODEL, bias=True)),
        ("norm1", lambda: nn.LayerNorm(D_MODEL)),
        ("norm2", lambda: nn.LayerNorm(D_MODEL)),
    ],
)
NORM_ALIASES = {
    f"{norm}.{name}": [f"{norm}.{alias}"]
    for norm in ("norm1", "norm2")
    for name, alias in (("weight", "scale"), ("bias", "shift"))
}


# --- Positional encoding ------------------------------------------------------------------------------------------


@public("enc_pe", points=1, todo="Sinusoidal positional encoding")
def check_pe():
    return [
        call("positional_encoding", 4, 6),
        expect(worked.PE_4x6, what="positional_encoding(4, 6)", reference=lambda ops: ops.positional_encoding(4, 6)),
    ]


@hidden("enc_pe_hidden", points=1, todo="Positional encoding (other sizes)")
def check_pe_hidden(student):
    for num_positions, d_model in ((7, 10), (50, 16)):
        expect_tensor(
            student.answer("positional_encoding", num_positions, d_model),
            student=student,
            **HIDDEN_TOL,
            what=f"positional_encoding({num_positions}, {d_model})",
            reference=lambda ops: ops.positional_encoding(num_positions, d_model),
        )
    return "positional_encoding(7, 10) and positional_encoding(50, 16): correct."


# --- The student's weights, copied into PyTorch's modules (hidden checks) ----------------------------------------


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
    hint = (
        " (self.self_attn = MultiHeadAttention(...) with W_query, W_key, W_value and out_proj; "
        "self.ffn = FeedForward(...) with linear1 and linear2; self.norm1 and self.norm2)"
    )
    params = {}
    for projection in ("W_query", "W_key", "W_value", "out_proj"):
        params[f"{projection}.weight"] = parameter(state, f"{projection}.weight", (d_model, d_model), owner, hint=hint)
        params[f"{projection}.bias"] = parameter(state, f"{projection}.bias", (d_model,), owner, optional=True)
    params.update(_ffn_params(state, d_model, d_ff, owner, hint))
    for norm in ("norm1", "norm2"):  # nn.LayerNorm (weight, bias) or a hand-written one (scale, shift)
        for name in ("weight", "bias"):
            params[f"{norm}.{name}"] = parameter(
                state, f"{norm}.{name}", (d_model,), owner, aliases=tuple(NORM_ALIASES[f"{norm}.{name}"]), hint=hint
            )
    return params


# --- Feed-forward network and encoder layer -----------------------------------------------------------------------

FFN_HINT = "FFN(x) = linear2(ReLU(linear1(x))): the ReLU goes between the two linear layers, and nothing else is added."
ENCODER_HINT = (
    "post-norm: x = norm1(x + dropout(self_attn(x))), then x = norm2(x + dropout(ffn(x))); no causal mask "
    "in an encoder."
)


@public("enc_ffn", points=1, todo="Position-wise feed-forward network")
def check_ffn():
    load = {"values": WORKED_FFN, "owner": f"FeedForward({D_MODEL}, {D_FF})"}
    return [
        module("FeedForward", D_MODEL, D_FF, seed=SEED, forward=(EXAMPLE_X,), load=load),
        expect(
            None,
            pick=("output",),
            what="FeedForward(6, 24) on the sentence, holding the worked example's weights",
            hint=FFN_HINT,
            reference=lambda ops: feed_forward(EXAMPLE_X, WORKED_FFN),
        ),
    ]


@hidden("enc_ffn_hidden", points=1, todo="Feed-forward network (fresh batch)")
def check_ffn_hidden(student):
    x, d_model, d_ff = randn(601, 2, 5, 8), 8, 32
    answer = student.module("FeedForward", d_model, d_ff, seed=602, forward=(x,))
    params = _ffn_params(answer["state"], d_model, d_ff, f"FeedForward({d_model}, {d_ff})")
    return expect_tensor(
        answer.get("output"),
        run(torch_feed_forward(params), x),
        student=student,
        hint=FFN_HINT,
        what="FeedForward(8, 32) on a fresh batch of 2 x 5 tokens (compared with nn.Linear/nn.ReLU "
        "holding your weights)",
        reference=lambda ops: feed_forward(x, params),
        **HIDDEN_TOL,
    )


@public("enc_layer", points=1, todo="Post-norm encoder layer")
def check_layer():
    load = {"values": WORKED_ENCODER, "aliases": NORM_ALIASES, "owner": f"EncoderLayer({D_MODEL}, {NUM_HEADS}, {D_FF})"}
    return [
        module("EncoderLayer", D_MODEL, NUM_HEADS, D_FF, seed=SEED, forward=(EXAMPLE_X,), load=load),
        expect(
            None,
            pick=("output",),
            what="EncoderLayer(6, 2, 24) on the sentence, holding the worked example's weights",
            hint=ENCODER_HINT,
            reference=lambda ops: encoder_layer(ops, EXAMPLE_X, WORKED_ENCODER, NUM_HEADS),
        ),
    ]


@hidden("enc_layer_hidden", points=1, todo="Encoder layer (fresh batch, 4 heads)")
def check_layer_hidden(student):
    x, d_model, num_heads, d_ff = randn(603, 2, 5, 8), 8, 4, 32
    answer = student.module("EncoderLayer", d_model, num_heads, d_ff, seed=604, forward=(x,))
    params = _encoder_params(answer["state"], d_model, d_ff)
    return expect_tensor(
        answer.get("output"),
        run(torch_encoder_layer(params, num_heads), x),
        student=student,
        what="EncoderLayer(8, 4, 32) on a fresh batch of 2 x 5 tokens (compared with "
        "nn.TransformerEncoderLayer holding your weights)",
        hint=ENCODER_HINT,
        reference=lambda ops: encoder_layer(ops, x, params, num_heads),
        **HIDDEN_TOL,
    )


PERMUTATION = [3, 0, 4, 1, 2]


@hidden("enc_permutation_hidden", points=1, todo="Word order: permutations with and without positions")
def check_permutation_hidden(student):
    x, perm, d_model, num_heads, d_ff, seed = randn(605, 1, 5, 8), PERMUTATION, 8, 2, 32, 606

    def encode(inputs: torch.Tensor):
        return student.module("EncoderLayer", d_model, num_heads, d_ff, seed=seed, forward=(inputs,)).get("output")

    what = "EncoderLayer(8, 2, 32) on 5 fresh tokens"
    outputs = as_tensor(encode(x), what)
    if outputs.shape != x.shape:
        raise CheckFailed(
            f"{what}: expected shape {tuple(x.shape)} (the shape of its input), got {tuple(outputs.shape)}."
        )
    expect_tensor(
        encode(x[:, perm]),
        outputs[:, perm],
        what="Without positional encoding: EncoderLayer on the 5 tokens in another order "
        f"(order {perm}) should give the same outputs in that order",
        student=student,
        **HIDDEN_TOL,
        hint="an encoder layer has no notion of word order: each token may attend to every token. "
        "A causal mask, or anything that depends on a token's index, breaks this.",
    )

    pe = student.call("positional_encoding", 5, d_model)
    if not isinstance(pe, torch.Tensor) or tuple(pe.shape) != (5, d_model):
        shape = tuple(pe.shape) if isinstance(pe, torch.Tensor) else type(pe).__name__
        raise CheckFailed(f"positional_encoding(5, 8) should return a 5 x 8 tensor, got {shape}.")
    pe = pe.to(torch.float32)
    with_positions, permuted = as_tensor(encode(x + pe), what), as_tensor(encode(x[:, perm] + pe), what)
    if close(permuted, with_positions[:, perm], atol=1e-4):
        raise CheckFailed(
            "With positional encoding added, permuting the tokens still only permutes the outputs: "
            "the encoder still cannot tell word order. positional_encoding(5, 8) must give each "
            "position its own row (sin and cos of pos / 10000^(2i/d_model))."
        )
    return (
        "Without positional encoding, permuting the tokens permutes the outputs; with it, the outputs change: correct."
    )
