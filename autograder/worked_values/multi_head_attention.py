"""Assignment 05: multi-head attention (a wrapper of causal heads, then the efficient module).

Same setup as assignment 04 (seed 001's inputs, d_in=3, d_out=2, the batch
torch.stack((inputs, inputs))) in the form of "Build a Large Language Model (From
Scratch)", chapter 3. The issue of assignments 04 and 05 quotes the rows below;
the full tensors were recomputed with torch 2.13.0 on CPU and agree with every
quoted row to 4 decimals. Seed 003 gives the idea in words: Q, K and V split
N ways, each split through its own head, the outputs concatenated.
"""

import torch

from .inputs import INPUTS  # noqa: F401  (the inputs of this assignment too)

D_IN, D_OUT, CONTEXT_LENGTH, NUM_HEADS = 3, 2, 6, 2  # seed 001 In[18] (d_in, d_out); issue 05 (2 heads)
SEED = 123  # issue 05: torch.manual_seed(123) before building either module

# Issue 05: MultiHeadAttentionWrapper(d_in, d_out=2, 6, 0.0, num_heads=2) on the 2x6x3 batch: shape 2x6x4,
# first row [-0.4519, 0.2216, 0.4772, 0.1063] (its first two columns are assignment 04's CausalAttention).
WRAPPER_OUTPUT = torch.tensor(
    [
        [-0.4519, 0.2216, 0.4772, 0.1063],
        [-0.5874, 0.0058, 0.5891, 0.3257],
        [-0.6300, -0.0632, 0.6202, 0.3860],
        [-0.5675, -0.0843, 0.5478, 0.3589],
        [-0.5526, -0.0981, 0.5321, 0.3428],
        [-0.5299, -0.1081, 0.5077, 0.3493],
    ]
).repeat(2, 1, 1)  # both items of the batch are the same six tokens

# Issue 05: MultiHeadAttention(d_in, d_out=2, 6, 0.0, num_heads=2) on the same batch: shape 2x6x2,
# first rows [0.3190, 0.4858], [0.2943, 0.3897].
MHA_OUTPUT = torch.tensor(
    [[0.3190, 0.4858], [0.2943, 0.3897], [0.2856, 0.3593], [0.2693, 0.3873], [0.2639, 0.3928], [0.2575, 0.4028]]
).repeat(2, 1, 1)

# Issue 05, "a small exercise on the shapes": 1 sentence of 3 tokens with d_out = 4, split into 2 heads of size 2.
# Numbering the values 0..11 makes visible where each one goes.
SPLIT_EXAMPLE_INPUT = torch.arange(12.0).view(1, 3, 4)  # (b, num_tokens, d_out)
SPLIT_EXAMPLE_HEADS = 2
SPLIT_EXAMPLE = torch.tensor(  # (b, num_heads, num_tokens, head_dim)
    [
        [
            [[0.0, 1.0], [4.0, 5.0], [8.0, 9.0]],  # head 1: the first two columns of every token
            [[2.0, 3.0], [6.0, 7.0], [10.0, 11.0]],
        ]
    ]  # head 2: the last two columns
)
MERGE_EXAMPLE = SPLIT_EXAMPLE_INPUT  # merging the heads again gives back (b, num_tokens, d_out)
