"""Assignment 06: from attention to a transformer encoder block.

Seed 003 places attention inside the transformer (input embeddings, positional
encoding, an encoder layer of multi-head attention and a feed-forward network);
it prints no numbers. The numbers below are the ones issue 5 asks the notebook to
print, computed with torch 2.13.0 and rounded to four decimals.
"""

import torch

# Issue 5 (seeds 000-002's sentence): a tiny vocabulary, the sorted distinct words of the sentence.
WORDS = ["Your", "journey", "starts", "with", "one", "step"]
VOCAB = {"Your": 0, "journey": 1, "one": 2, "starts": 3, "step": 4, "with": 5}
TOKEN_IDS = torch.tensor([0, 1, 3, 5, 2, 4])  # "Your journey starts with one step"

# Issue 5: d_model of the worked example, its number of heads and the feed-forward width (4 x d_model, as in
# Vaswani et al., where d_model = 512 and d_ff = 2048).
D_MODEL, NUM_HEADS, D_FF = 6, 2, 24

# Issue 5: the sentence's token embeddings, nn.Embedding(6, 6) built right after torch.manual_seed(123)
# (rows in sentence order: Your, journey, starts, with, one, step).
TOKEN_EMBEDDINGS = torch.tensor(
    [
        [0.3374, -0.1778, -0.3035, -0.5880, 0.3486, 0.6603],  # Your
        [-0.2196, -0.3792, 0.7671, -1.1925, 0.6984, -1.4097],  # journey
        [-0.1690, 0.9178, -0.3885, -0.9343, -0.4991, -1.0867],  # starts
        [0.2662, -0.5850, -0.3430, -0.6821, -0.9887, -1.7018],  # with
        [0.1794, 1.8951, 0.4954, 0.2692, -0.0770, -1.0205],  # one
        [0.9624, 0.2492, -0.4845, -2.0929, 0.0983, -0.0935],
    ]  # step
)

# Issue 5 / Vaswani et al. formula: PE[pos, 2i] = sin(pos / 10000^(2i/d_model)), PE[pos, 2i+1] = cos(same angle),
# for 4 positions and d_model = 6.
PE_4x6 = torch.tensor(
    [
        [0.0000, 1.0000, 0.0000, 1.0000, 0.0000, 1.0000],
        [0.8415, 0.5403, 0.0464, 0.9989, 0.0022, 1.0000],
        [0.9093, -0.4161, 0.0927, 0.9957, 0.0043, 1.0000],
        [0.1411, -0.9900, 0.1388, 0.9903, 0.0065, 1.0000],
    ]
)
