"""Checks of assignment 07: padding masks, fully masked rows, causal + padding, cross-attention, a decoder layer.

The functions take tensors laid out as in multi-head attention, (batch, heads, tokens, head_dim), and a key padding
mask (batch, num_keys) that is True at padding, PyTorch's convention. Public checks call them on the worked example
(seed 001's word vectors in three sentences of 6, 4 and 2 tokens, projected by seeded layers into 3 heads) and
compare with the kit's worked values. Hidden checks use other batch sizes, lengths, head counts and padding values
and compare with PyTorch: ``scaled_dot_product_attention`` with a boolean ``attn_mask`` (which also gives zero rows
where every key is hidden), ``nn.MultiheadAttention`` with ``kdim``/``vdim`` and ``key_padding_mask`` holding the
student's weights, and ``nn.TransformerDecoderLayer(norm_first=False)`` holding the student's weights (the layer
norms' weights randomised first, so that swapping them is seen). A hidden case whose sizes let a misplaced mask
broadcast silently (as many heads as sentences, as many queries as keys) comes first, so that the mistake is named.

``CrossAttention``'s constructor is given (its attribute names and the order in which it builds its layers), so the
seed decides its weights and the public check compares its output with the worked value. ``DecoderLayer`` is the
student's whole class; its public check loads the worked example's weights under the student's own parameter names,
as assignment 06 does.
"""

from __future__ import annotations

import torch

from ..authoring import HIDDEN_TOL, Assignment, call, expect, expect_tensor, generator, module, parameter, randn
from ..references import masks_and_cross_attention as references
from ..worked_values import masks_and_cross_attention as worked

ASSIGNMENT = Assignment("07_masks_and_cross_attention", "Masks and cross-attention: batches, padding and decoders")
public, hidden = ASSIGNMENT.public, ASSIGNMENT.check

NORM_ALIASES = {
    f"{norm}.{name}": [f"{norm}.{alias}"]
    for norm in references.NORM_NAMES
    for name, alias in (("weight", "scale"), ("bias", "shift"))
}


def padding(lengths: list[int], max_len: int, left: bool = False) -> torch.Tensor:
    mask = torch.arange(max_len)[None, :] >= torch.tensor(lengths)[:, None]
    return mask.flip(-1) if left else mask


def heads(seed: int, batch: int, num_heads: int, tokens: int, head_dim: int) -> dict:
    """Fresh queries, keys and values of shape (batch, heads, tokens, head_dim)."""
    q, k, v = randn(seed, 3, batch, num_heads, tokens, head_dim).unbind(0)
    return {"queries": q, "keys": k, "values": v}


# --- Step 1: the key padding mask ---------------------------------------------------------------------------------


@public("pad_mask", points=1, todo="Key padding mask from the sentence lengths")
def check_pad_mask():
    lengths, max_len = worked.LENGTHS, worked.MAX_LEN
    return [
        call("make_key_padding_mask", lengths, max_len),
        expect(
            worked.KEY_PADDING_MASK,
            what="make_key_padding_mask(tensor([6, 4, 2]), 6)",
            reference=lambda ops: ops.padding_mask(lengths, max_len),
            hint="True at the padding positions: position j of sentence i is padding when j >= lengths[i].",
        ),
    ]


@hidden("pad_mask_hidden", points=1, todo="Key padding mask (other lengths)")
def check_pad_mask_hidden(student):
    lengths, max_len = torch.tensor([3, 7, 1, 5]), 9
    return expect_tensor(
        student.answer("make_key_padding_mask", lengths, max_len),
        padding([3, 7, 1, 5], max_len),
        what="make_key_padding_mask(tensor([3, 7, 1, 5]), 9)",
        student=student,
        reference=lambda ops: ops.padding_mask(lengths, max_len),
        **HIDDEN_TOL,
    )


# --- Step 2: attention that never looks at padding ----------------------------------------------------------------

PAD_HINT = (
    "hide the padding keys: scores.masked_fill(key_padding_mask[:, None, None, :], -torch.inf), then scale "
    "and softmax as usual."
)


@public("pad_attention", points=1, todo="Attention with a key padding mask")
def check_pad_attention():
    case = worked.PADDED_HEADS
    return [
        call("padded_attention", *case.values(), worked.KEY_PADDING_MASK),
        expect(
            worked.PADDED_CONTEXT,
            what="padded_attention on the padded batch (3 sentences, 3 heads)",
            reference=lambda ops: references.attention(ops, **case, key_padding_mask=worked.KEY_PADDING_MASK),
            hint=PAD_HINT,
        ),
    ]


@hidden("pad_attention_hidden", points=1, todo="Attention with a key padding mask vs PyTorch")
def check_pad_attention_hidden(student):
    """Padding positions hold random values (not zeros): only the mask may keep them out."""
    message = ""
    for (batch, num_heads, tokens, head_dim, lengths), seed in (
        ((2, 2, 5, 4, [5, 2]), 701),
        ((3, 4, 7, 3, [7, 1, 4]), 702),
        ((2, 1, 4, 2, None), 703),
    ):
        case = heads(seed, batch, num_heads, tokens, head_dim)
        mask = None if lengths is None else padding(lengths, tokens)
        what = f"padded_attention on {batch}x{num_heads}x{tokens}x{head_dim} queries, keys and values, " + (
            "key_padding_mask=None" if mask is None else f"sentence lengths {lengths}"
        )
        message = expect_tensor(
            student.answer("padded_attention", *case.values(), mask),
            references.torch_attention(case, None if mask is None else mask[:, None, None, :]),
            what=what,
            student=student,
            hint=PAD_HINT + " With key_padding_mask=None, hide nothing.",
            reference=lambda ops: references.attention(ops, **case, key_padding_mask=mask),
            **HIDDEN_TOL,
        )
    return message


# --- Step 3: rows with every key masked ---------------------------------------------------------------------------


@public("safe_softmax", points=1, todo="Softmax that gives 0 (not nan) where every key is masked")
def check_safe_softmax():
    scores = worked.SAFE_SCORES
    return [
        call("safe_softmax", scores),
        expect(
            worked.SAFE_WEIGHTS,
            what="safe_softmax of the 3x5 scores",
            atol=1e-4,
            reference=lambda ops: references.safe_softmax(ops, scores),
            hint="row 1 has every score at -inf: its weights must all be 0; the other rows are softmax.",
        ),
    ]


@hidden("safe_softmax_hidden", points=1, todo="Safe softmax (fresh scores) vs torch.softmax")
def check_safe_softmax_hidden(student):
    scores = randn(711, 2, 4, 6, scale=2.0)
    hidden_keys = torch.rand(2, 4, 6, generator=generator(712)) < 0.4
    hidden_keys[0, 1], hidden_keys[1, 3] = True, True  # two rows with every key hidden
    scores = scores.masked_fill(hidden_keys, -torch.inf)
    expected = torch.softmax(scores, dim=-1).masked_fill(hidden_keys.all(dim=-1, keepdim=True), 0.0)
    return expect_tensor(
        student.answer("safe_softmax", scores),
        expected,
        student=student,
        what="safe_softmax of fresh 2x4x6 scores, some -inf, two rows entirely",
        **HIDDEN_TOL,
        reference=lambda ops: references.safe_softmax(ops, scores),
    )


# --- Step 4: causal + padding ---------------------------------------------------------------------------------------

CAUSAL_PAD_HINT = (
    "hide a key when it is in the query's future OR is padding (torch.triu(..., diagonal=1) | "
    "key_padding_mask[:, None, None, :]), then use your safe_softmax."
)


@public("causal_pad_attention", points=1, todo="Causal attention with a key padding mask")
def check_causal_pad_attention():
    case = worked.LEFT_HEADS
    return [
        call("causal_padded_attention", *case.values(), worked.LEFT_MASK),
        expect(
            worked.LEFT_CONTEXT,
            what="causal_padded_attention on the left-padded batch (3 sentences, 3 heads)",
            reference=lambda ops: references.causal_padded_attention(ops, **case, key_padding_mask=worked.LEFT_MASK),
            hint=CAUSAL_PAD_HINT,
        ),
    ]


@hidden("causal_pad_attention_hidden", points=1, todo="Causal attention with padding vs PyTorch")
def check_causal_pad_attention_hidden(student):
    """Left and right padding; PyTorch's attention gives zero rows where every key is hidden, as safe_softmax does."""
    message = ""
    for (batch, num_heads, tokens, head_dim, lengths, left), seed in (
        ((2, 2, 6, 4, [6, 3], True), 721),
        ((3, 1, 5, 8, [5, 2, 4], False), 722),
        ((1, 2, 4, 3, None, False), 723),
    ):
        case = heads(seed, batch, num_heads, tokens, head_dim)
        mask = None if lengths is None else padding(lengths, tokens, left)
        future = torch.triu(torch.ones(tokens, tokens, dtype=torch.bool), diagonal=1)
        expected = (
            references.torch_attention(case, causal=True)
            if mask is None
            else references.torch_attention(case, future | mask[:, None, None, :])
        )
        side = "left" if left else "right"
        what = f"causal_padded_attention on {batch}x{num_heads}x{tokens}x{head_dim} queries, keys and values, " + (
            "key_padding_mask=None" if mask is None else f"sentence lengths {lengths} padded on the {side}"
        )
        message = expect_tensor(
            student.answer("causal_padded_attention", *case.values(), mask),
            expected,
            what=what,
            student=student,
            hint=CAUSAL_PAD_HINT,
            reference=lambda ops: references.causal_padded_attention(ops, **case, key_padding_mask=mask),
            **HIDDEN_TOL,
        )
    return message


# --- Step 5: cross-attention ----------------------------------------------------------------------------------------

CROSS_HINT = (
    "queries from x (the decoder's tokens), keys and values from memory (the encoder's output), the "
    "memory's padding mask and no causal mask: padded_attention on the heads, then out_proj."
)


@public("cross_attention", points=1, todo="Cross-attention: queries from the decoder, keys and values from the encoder")
def check_cross_attention():
    forward = (worked.TARGET, worked.MEMORY, worked.MEMORY_MASK)
    return [
        module("CrossAttention", worked.D_MODEL, worked.DEC_HEADS, seed=worked.SEED, forward=forward),
        expect(
            worked.CROSS_OUTPUT,
            pick=("output",),
            hint=CROSS_HINT,
            what="CrossAttention(6, 2) on the 2 German targets (4 tokens) and 2 English memories (6 tokens)",
            reference=lambda ops: references.cross_attention(
                ops, *forward[:2], worked.CROSS_WEIGHTS, worked.DEC_HEADS, forward[2]
            ),
        ),
    ]


def attention_params(state: dict, prefix: str, d_model: int, d_memory: int, owner: str) -> dict:
    """The student's W_query, W_key, W_value and out_proj (biases zero where there are none)."""
    hint = f" ({prefix}W_query, {prefix}W_key, {prefix}W_value and {prefix}out_proj, nn.Linear layers)"
    params = {}
    for name in references.ATTENTION_NAMES:
        d_in = d_memory if name in ("W_key", "W_value") else d_model
        params[f"{name}.weight"] = parameter(state, f"{prefix}{name}.weight", (d_model, d_in), owner, hint=hint)
        params[f"{name}.bias"] = parameter(state, f"{prefix}{name}.bias", (d_model,), owner, optional=True)
    return params


@hidden("cross_attention_hidden", points=1, todo="Cross-attention vs nn.MultiheadAttention (other lengths)")
def check_cross_attention_hidden(student):
    message = ""
    for (batch, tgt, src, d_model, num_heads, d_memory, lengths), seed in (
        ((2, 5, 5, 8, 2, None, [5, 3]), 731),
        ((3, 4, 7, 6, 3, 5, [7, 2, 5]), 732),
    ):
        x, memory = randn(seed, batch, tgt, d_model), randn(seed + 100, batch, src, d_memory or d_model)
        mask = padding(lengths, src)
        size = f"CrossAttention({d_model}, {num_heads}" + (f", d_memory={d_memory})" if d_memory else ")")
        answer = student.module(
            "CrossAttention",
            d_model,
            num_heads,
            **({"d_memory": d_memory} if d_memory else {}),
            seed=seed,
            forward=(x, memory, mask),
        )
        params = attention_params(answer["state"], "", d_model, d_memory or d_model, size)
        message = expect_tensor(
            answer.get("output"),
            references.torch_cross_attention(params, x, memory, num_heads, mask),
            what=f"{size} on {batch}x{tgt} decoder tokens and {batch}x{src} memory tokens "
            f"(memory lengths {lengths}), compared with nn.MultiheadAttention holding your "
            "weights",
            student=student,
            hint=CROSS_HINT,
            **HIDDEN_TOL,
            reference=lambda ops: references.cross_attention(ops, x, memory, params, num_heads, mask),
        )
    return message


# --- Step 6: a post-norm decoder layer -----------------------------------------------------------------------------

DECODER_HINT = (
    "post-norm: x = norm1(x + dropout(self_attn(x, tgt_key_padding_mask))), then x = norm2(x + "
    "dropout(cross_attn(x, memory, memory_key_padding_mask))), then x = norm3(x + dropout(ffn(x)))."
)


@public("decoder_layer", points=1, todo="Post-norm decoder layer")
def check_decoder_layer():
    owner = f"DecoderLayer({worked.D_MODEL}, {worked.DEC_HEADS}, {worked.D_FF})"
    forward = (worked.TARGET, worked.MEMORY, worked.TARGET_MASK, worked.MEMORY_MASK)
    load = {"values": worked.DECODER_WEIGHTS, "aliases": NORM_ALIASES, "owner": owner}
    return [
        module(
            "DecoderLayer", worked.D_MODEL, worked.DEC_HEADS, worked.D_FF, seed=worked.SEED, forward=forward, load=load
        ),
        expect(
            worked.DECODER_OUTPUT,
            pick=("output",),
            hint=DECODER_HINT,
            what=f"{owner} on the 2 translation pairs, holding the worked example's weights",
            reference=lambda ops: references.decoder_layer(
                ops,
                worked.TARGET,
                worked.MEMORY,
                worked.DECODER_WEIGHTS,
                worked.DEC_HEADS,
                worked.TARGET_MASK,
                worked.MEMORY_MASK,
            ),
        ),
    ]


def decoder_params(state: dict, d_model: int, d_ff: int, owner: str) -> dict:
    hint = (
        " (self.self_attn = CausalSelfAttention(...), self.cross_attn = CrossAttention(...), self.ffn = "
        "FeedForward(...) with linear1 and linear2; self.norm1, self.norm2 and self.norm3)"
    )
    params = {f"self_attn.{k}": v for k, v in attention_params(state, "self_attn.", d_model, d_model, owner).items()}
    params.update(
        {f"cross_attn.{k}": v for k, v in attention_params(state, "cross_attn.", d_model, d_model, owner).items()}
    )
    for name, shape in (("linear1", (d_ff, d_model)), ("linear2", (d_model, d_ff))):
        params[f"{name}.weight"] = parameter(state, f"{name}.weight", shape, owner, hint=hint)
        params[f"{name}.bias"] = parameter(state, f"{name}.bias", shape[:1], owner, optional=True)
    for key, aliases in NORM_ALIASES.items():
        params[key] = parameter(state, key, (d_model,), owner, aliases=tuple(aliases), hint=hint)
    return params


def with_random_norms(state: dict, seed: int) -> dict:
    """The student's weights with every layer norm's scale and shift drawn at random (they start at 1 and 0, which
    would hide norms used in the wrong place)."""
    norms = [key for key in state if key.count(".") and key.split(".")[-2] in references.NORM_NAMES]
    drawn = {
        key: randn(seed + i, *state[key].shape, scale=0.5, shift=1.0 if key.endswith(("weight", "scale")) else 0.0)
        for i, key in enumerate(norms)
    }
    return {**state, **drawn}


@hidden("decoder_layer_hidden", points=1, todo="Decoder layer vs nn.TransformerDecoderLayer")
def check_decoder_layer_hidden(student):
    batch, tgt, src, d_model, num_heads, d_ff = 3, 5, 7, 8, 4, 16
    x, memory = randn(741, batch, tgt, d_model), randn(742, batch, src, d_model)
    tgt_mask, memory_mask = padding([5, 3, 4], tgt), padding([7, 2, 6], src)
    owner = f"DecoderLayer({d_model}, {num_heads}, {d_ff})"
    built = student.module("DecoderLayer", d_model, num_heads, d_ff, seed=743)
    state = with_random_norms(built["state"], 744)
    answer = student.module(
        "DecoderLayer", d_model, num_heads, d_ff, state=state, forward=(x, memory, tgt_mask, memory_mask)
    )
    params = decoder_params(state, d_model, d_ff, owner)
    with torch.no_grad():
        expected = references.torch_decoder_layer(params, num_heads)(
            x,
            memory,
            tgt_mask=torch.triu(torch.ones(tgt, tgt, dtype=torch.bool), diagonal=1),
            tgt_key_padding_mask=tgt_mask,
            memory_key_padding_mask=memory_mask,
        )
    return expect_tensor(
        answer.get("output"),
        expected,
        student=student,
        hint=DECODER_HINT,
        **HIDDEN_TOL,
        what=f"{owner} on {batch}x{tgt} decoder tokens and {batch}x{src} memory tokens with padding "
        "(compared with nn.TransformerDecoderLayer holding your weights)",
        reference=lambda ops: references.decoder_layer(ops, x, memory, params, num_heads, tgt_mask, memory_mask),
    )
