"""Assignment 08: online softmax, tiled (FlashAttention-style) attention, a KV cache.

The course material has no worked example for these topics: every number here is the kit's own. The
inputs are built from fixed seeds and the values are computed when this module is imported, by the kit's
reference solutions (:mod:`autograder.references`) with torch on CPU; ``attention-kit build`` writes them
into the public checks' data. The notebook prints the same numbers right after the code that computes
them, and ``tests/test_quoted_values.py`` checks that every number its text quotes is one of these, to
the precision printed.
"""

import torch

from ..authoring import Ops
from ..references import efficient_attention as references
from . import seeded

_ops = Ops()


# Step 1: a hand-sized row, in blocks of 2 (the maximum grows from the first block to the second).
SMALL_ROW = torch.tensor([1.0, 3.0, 2.0, 5.0])
SMALL_BLOCK = 2
# The running maximum and sum after each block: (3, e^(1-3) + e^(3-3)),
# then (5, that sum * e^(3-5) + e^(2-5) + e^(5-5)).
SMALL_RUNNING = [(float(m), float(s)) for m, s in references.running_statistics(_ops, SMALL_ROW, SMALL_BLOCK)]

# Two rows of 10 scores whose later values tend to be larger (so the maximum changes from block to block):
# torch.randn(2, 10) after torch.manual_seed(8), plus 0, 1/3, 2/3, ..., 3; blocks of 4 (4 + 4 + 2).
SCORES_SEED, BLOCK_SIZE = 8, 4
SCORES = seeded(SCORES_SEED, lambda: torch.randn(2, 10)) + torch.arange(10) / 3
ONLINE_SOFTMAX = references.online_softmax(_ops, SCORES, BLOCK_SIZE)

# Step 2: queries, keys and values of 10 tokens of dimension 4 (one sentence): torch.randn(1, 10, 4) three times
# after torch.manual_seed(88); blocks of 4 keys.
QKV_SEED = 88
QUERIES, KEYS, VALUES = seeded(QKV_SEED, lambda: [torch.randn(1, 10, 4) for _ in range(3)])
FLASH_OUTPUT = references.flash_attention(_ops, QUERIES, KEYS, VALUES, BLOCK_SIZE)
FLASH_CAUSAL_OUTPUT = references.flash_attention(_ops, QUERIES, KEYS, VALUES, BLOCK_SIZE, causal=True)

# Step 3: KVCacheAttention(4, 4, context_length=8) built after torch.manual_seed(123) (W_query, W_key, W_value,
# no bias, in this order), fed two sequences of 5 tokens, torch.rand(2, 5, 4) after torch.manual_seed(5).
D_IN, D_OUT, CONTEXT_LENGTH, MODEL_SEED, TOKENS_SEED = 4, 4, 8, 123, 5
KV_WEIGHTS = seeded(
    MODEL_SEED,
    lambda: {
        f"{name}.weight": torch.nn.Linear(D_IN, D_OUT, bias=False).weight.detach()
        for name in ("W_query", "W_key", "W_value")
    },
)
TOKENS = seeded(TOKENS_SEED, lambda: torch.rand(2, 5, D_IN))
PE = references.sinusoids(CONTEXT_LENGTH, D_IN)
CACHED_OUTPUT = references.cached_attention(_ops, TOKENS, KV_WEIGHTS, PE)
