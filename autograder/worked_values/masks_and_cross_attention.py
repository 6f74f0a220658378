"""Assignment 07: padding masks, fully masked rows, causal + padding, cross-attention, a decoder layer.

The course material has no worked example for these topics: every number here is the kit's own. The
inputs are built from fixed seeds (and from seed 001's six word vectors, the course's running example),
and the values are computed when this module is imported, by the kit's reference solutions
(:mod:`autograder.references`) with torch on CPU; ``attention-kit build`` writes them into the public
checks' data. The notebook prints the same numbers right after the code that computes them, and
``tests/test_quoted_values.py`` checks that every number its text quotes is one of these, to the
precision printed.
"""

import torch

from ..authoring import Ops
from ..references import masks_and_cross_attention as references
from .inputs import INPUTS

_ops = Ops()


def _seeded_linears(seed: int, *shapes: tuple[int, int, bool]) -> list[dict]:
    """The weights (and biases) of nn.Linear(d_in, d_out, bias) layers built in this order after
    torch.manual_seed(seed), as the notebook builds them; the caller's random numbers are left alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = [torch.nn.Linear(d_in, d_out, bias=bias) for d_in, d_out, bias in shapes]
    return [{key: value.detach() for key, value in layer.state_dict().items()} for layer in layers]


def _padded(sentences, max_len: int, left: bool = False) -> torch.Tensor:
    batch = torch.zeros(len(sentences), max_len, sentences[0].shape[-1])
    for i, sentence in enumerate(sentences):
        if left:
            batch[i, max_len - len(sentence) :] = sentence
        else:
            batch[i, : len(sentence)] = sentence
    return batch


# Step 1: three sentences of seed 001's word vectors, padded with zero vectors to the longest one.
# "Your journey starts with one step", "Your journey starts with", "one step"
SENTENCES = (INPUTS, INPUTS[:4], INPUTS[4:])
LENGTHS = torch.tensor([len(s) for s in SENTENCES])
MAX_LEN = int(LENGTHS.max())
PADDED = _padded(SENTENCES, MAX_LEN)
KEY_PADDING_MASK = _ops.padding_mask(LENGTHS, MAX_LEN)

# Step 2: W_query, W_key, W_value = nn.Linear(3, 6, bias=False) each, in this order after torch.manual_seed(123);
# the projections split into 3 heads of size 2 (as many heads as sentences: a mask on the wrong axis goes unnoticed).
D_IN, D_OUT, NUM_HEADS, SEED = 3, 6, 3, 123
QKV_WEIGHTS = {
    name: layer["weight"]
    for name, layer in zip(
        ("W_query", "W_key", "W_value"), _seeded_linears(SEED, *[(D_IN, D_OUT, False)] * 3), strict=True
    )
}


def heads_of(x: torch.Tensor) -> dict:
    """queries, keys and values of a batch of word vectors, split into heads."""
    return {
        f"{kind}": references.split_heads(x @ QKV_WEIGHTS[name].T, NUM_HEADS)
        for kind, name in (("queries", "W_query"), ("keys", "W_key"), ("values", "W_value"))
    }


PADDED_HEADS = heads_of(PADDED)
PADDED_CONTEXT = references.attention(_ops, **PADDED_HEADS, key_padding_mask=KEY_PADDING_MASK)

# Step 3: a row of scores with two padding keys, a row with every key hidden, a row with none.
SAFE_SEED = 3
with torch.random.fork_rng(devices=[]):
    torch.manual_seed(SAFE_SEED)
    SAFE_SCORES = torch.randn(3, 5)
SAFE_SCORES[0, 3:] = -torch.inf
SAFE_SCORES[1, :] = -torch.inf
SAFE_WEIGHTS = references.safe_softmax(_ops, SAFE_SCORES)

# Step 4: the same sentences padded on the left (as for generation), with a causal mask as well.
LEFT_PADDED = _padded(SENTENCES, MAX_LEN, left=True)
LEFT_MASK = KEY_PADDING_MASK.flip(-1)
LEFT_HEADS = heads_of(LEFT_PADDED)
LEFT_CONTEXT = references.causal_padded_attention(_ops, **LEFT_HEADS, key_padding_mask=LEFT_MASK)

# Step 5: two translation pairs. memory: stand-ins for the encoder's output of two English sentences (6 and 2
# tokens, padded to 6); target: the decoder's input, two German translations so far (4 and 3 tokens, padded to 4).
# Both are torch.randn after torch.manual_seed(7), memory first.
D_MODEL, DEC_HEADS, D_FF, PAIRS_SEED = 6, 2, 24, 7
with torch.random.fork_rng(devices=[]):
    torch.manual_seed(PAIRS_SEED)
    MEMORY = torch.randn(2, 6, D_MODEL)
    TARGET = torch.randn(2, 4, D_MODEL)
MEMORY_MASK = _ops.padding_mask(torch.tensor([6, 2]), 6)
TARGET_MASK = _ops.padding_mask(torch.tensor([4, 3]), 4)

# CrossAttention(6, 2) built after torch.manual_seed(123): W_query, W_key, W_value (no bias), out_proj, in this order.
_CROSS = _seeded_linears(SEED, *[(D_MODEL, D_MODEL, False)] * 3, (D_MODEL, D_MODEL, True))
CROSS_WEIGHTS = {
    f"{name}.{key}": value
    for name, layer in zip(("W_query", "W_key", "W_value", "out_proj"), _CROSS, strict=True)
    for key, value in layer.items()
}
CROSS_OUTPUT = references.cross_attention(_ops, TARGET, MEMORY, CROSS_WEIGHTS, DEC_HEADS, MEMORY_MASK)

# Step 6: DecoderLayer(6, 2, 24) built after torch.manual_seed(123) in the notebook's order: self_attn (W_query,
# W_key, W_value, out_proj), cross_attn (the same), the feed-forward network (linear1, linear2), then the layer norms.
_ATTN_NAMES = ("W_query", "W_key", "W_value", "out_proj")
_DECODER = _seeded_linears(
    SEED,
    *[(D_MODEL, D_MODEL, False)] * 3,
    (D_MODEL, D_MODEL, True),
    *[(D_MODEL, D_MODEL, False)] * 3,
    (D_MODEL, D_MODEL, True),
    (D_MODEL, D_FF, True),
    (D_FF, D_MODEL, True),
)
_DECODER_NAMES = [
    *(f"self_attn.{n}" for n in _ATTN_NAMES),
    *(f"cross_attn.{n}" for n in _ATTN_NAMES),
    "linear1",
    "linear2",
]
DECODER_WEIGHTS = {
    f"{name}.{key}": value for name, layer in zip(_DECODER_NAMES, _DECODER, strict=True) for key, value in layer.items()
}
DECODER_WEIGHTS.update(
    {
        f"norm{i}.{key}": value
        for i in (1, 2, 3)
        for key, value in (("weight", torch.ones(D_MODEL)), ("bias", torch.zeros(D_MODEL)))
    }
)
DECODER_OUTPUT = references.decoder_layer(_ops, TARGET, MEMORY, DECODER_WEIGHTS, DEC_HEADS, TARGET_MASK, MEMORY_MASK)
