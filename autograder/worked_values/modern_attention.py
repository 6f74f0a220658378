"""Assignment 09: rotary position embeddings, grouped-query attention and its KV cache, sliding windows.

The course material has no worked example for these topics: every number here is the kit's own, computed when this
module is imported by the kit's reference solutions (:mod:`autograder.references.modern_attention`) with torch on
CPU from fixed seeds; ``attention-kit build`` writes them into the public checks' data. The notebook prints the same
numbers right after the code that computes them, and ``tests/test_quoted_values.py`` checks that every number its
text quotes is one of these, to the precision printed.
"""

import torch

from ..authoring import Ops, new_linear, seeded_state
from ..references import modern_attention as references
from . import seeded

_ops = Ops()


# Step 1: 5 tokens of dimension 4, torch.randn(5, 4) after torch.manual_seed(9), rotated at positions 0..4.
ROPE_SEED = 9
ROPE_INPUT = seeded(ROPE_SEED, lambda: torch.randn(5, 4))
ROPE_POSITIONS = torch.arange(5)
ROPE_OUTPUT = references.rope(_ops, ROPE_INPUT, ROPE_POSITIONS)

# The relative property: a query and a key of dimension 8 (torch.randn(8) twice after torch.manual_seed(10)),
# their score at positions (m, n) with m - n = 3 at four places of the text, then with m - n = 1.
SCORE_SEED = 10
SCORE_QUERY, SCORE_KEY = seeded(SCORE_SEED, lambda: [torch.randn(8) for _ in range(2)])
SAME_OFFSET = ((3, 0), (5, 2), (10, 7), (100, 97))
OTHER_OFFSET = (4, 3)
OFFSET_SCORES = torch.stack([references.rope_score(_ops, SCORE_QUERY, SCORE_KEY, m, n) for m, n in SAME_OFFSET])
OTHER_SCORE = references.rope_score(_ops, SCORE_QUERY, SCORE_KEY, *OTHER_OFFSET)

# Step 2: GroupedQueryAttention(d_in=8, d_out=8, num_heads=4, num_kv_heads=2) built after torch.manual_seed(123)
# (W_query 8 -> 8, W_key and W_value 8 -> 4, no bias, then out_proj 8 -> 8 with a bias, in this order), fed
# torch.rand(2, 6, 8) after torch.manual_seed(5).
D_IN, D_OUT, NUM_HEADS, NUM_KV_HEADS, MODEL_SEED, TOKENS_SEED = 8, 8, 4, 2, 123, 5
KV_DIM = D_OUT // NUM_HEADS * NUM_KV_HEADS
GQA_STATE = seeded_state(
    MODEL_SEED,
    [
        ("W_query", new_linear(D_IN, D_OUT)),
        ("W_key", new_linear(D_IN, KV_DIM)),
        ("W_value", new_linear(D_IN, KV_DIM)),
        ("out_proj", new_linear(D_OUT, D_OUT, bias=True)),
    ],
)
TOKENS = seeded(TOKENS_SEED, lambda: torch.rand(2, 6, D_IN))
GQA_OUTPUT = references.grouped_query(_ops, GQA_STATE, TOKENS, NUM_HEADS, NUM_KV_HEADS)

# The KV cache of a model shaped like Llama 3 8B (32 layers, 32 query heads of dimension 128, 8 key/value heads)
# holding 8192 tokens of one sequence in 16-bit numbers (2 bytes), with 32 (multi-head), 8 (grouped) and 1
# (multi-query) key/value heads.
LAYERS, HEAD_DIM, CONTEXT, BYTES_PER = 32, 128, 8192, 2
CACHE_KV_HEADS = (32, 8, 1)
CACHE_BYTES = [_ops.kv_cache_bytes(LAYERS, h, HEAD_DIM, CONTEXT, 1, BYTES_PER) for h in CACHE_KV_HEADS]

# Step 3: sliding windows. The mask of 6 tokens with a window of 3, and attention over queries, keys and values of
# 6 tokens of dimension 4 (torch.randn(1, 6, 4) three times after torch.manual_seed(77)) with that window.
WINDOW_TOKENS, WINDOW = 6, 3
WINDOW_MASK = _ops.window_hidden(WINDOW_TOKENS, WINDOW)
QKV_SEED = 77
QUERIES, KEYS, VALUES = seeded(QKV_SEED, lambda: [torch.randn(1, WINDOW_TOKENS, 4) for _ in range(3)])
WINDOW_OUTPUT = references.window_attention(_ops, QUERIES, KEYS, VALUES, WINDOW)
