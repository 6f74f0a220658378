"""Assignment 04: causal attention (masking the future, dropout, a CausalAttention module).

Seed 001 lists causal attention among its four variants; its setup (the inputs of
simplified_attention.INPUTS, d_in=3, d_out=2) is continued here in the form that
"Build a Large Language Model (From Scratch)", chapter 3, made standard. The issue
of assignments 04 and 05 quotes the rows below; the full matrices were recomputed
with torch 2.13.0 on CPU and agree with every quoted row to 4 decimals.
"""

import torch

from .inputs import INPUTS  # noqa: F401  (the inputs of this assignment too)

inf = float("inf")

D_IN, D_OUT = 3, 2  # seed 001 In[18]: d_in = inputs.shape[1], d_out = 2
CONTEXT_LENGTH = 6  # the six tokens of "Your journey starts with one step"

# Issue 04/05: SelfAttention_v2 (nn.Linear, bias=False; W_query, W_key, W_value in that order)
# built after torch.manual_seed(789). Row 1 [-0.0739, 0.0713] is quoted in the issue.
SA_V2_SEED = 789
SA_V2_OUTPUT = torch.tensor(
    [[-0.0739, 0.0713], [-0.0748, 0.0703], [-0.0749, 0.0702], [-0.0760, 0.0685], [-0.0763, 0.0679], [-0.0754, 0.0693]]
)

# Issue 04/05: its attention weights, softmax(queries @ keys.T / sqrt(d_k)); row 1 quoted in the issue.
ATTN_WEIGHTS = torch.tensor(
    [
        [0.1921, 0.1646, 0.1652, 0.1550, 0.1721, 0.1510],
        [0.2041, 0.1659, 0.1662, 0.1496, 0.1665, 0.1477],
        [0.2036, 0.1659, 0.1662, 0.1498, 0.1664, 0.1480],
        [0.1869, 0.1667, 0.1668, 0.1571, 0.1661, 0.1564],
        [0.1830, 0.1669, 0.1670, 0.1588, 0.1658, 0.1585],
        [0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529],
    ]
)

# Issue 04/05: the simple mask, torch.tril(torch.ones(6, 6)).
MASK_SIMPLE = torch.tril(torch.ones(CONTEXT_LENGTH, CONTEXT_LENGTH))

# Issue 04/05: the weights masked and each row renormalised; row 2 [0.5517, 0.4483, 0, 0, 0, 0] is quoted.
# Masking the scores with -inf before softmax gives the same matrix (the "both ways").
MASKED_WEIGHTS = torch.tensor(
    [
        [1.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000],
        [0.5517, 0.4483, 0.0000, 0.0000, 0.0000, 0.0000],
        [0.3800, 0.3097, 0.3103, 0.0000, 0.0000, 0.0000],
        [0.2758, 0.2460, 0.2462, 0.2319, 0.0000, 0.0000],
        [0.2175, 0.1983, 0.1984, 0.1888, 0.1971, 0.0000],
        [0.1935, 0.1663, 0.1666, 0.1542, 0.1666, 0.1529],
    ]
)

# Issue 04/05: the (unscaled) scores queries @ keys.T with -inf above the diagonal; row 2 [0.4656, 0.1723, -inf, ...].
MASKED_SCORES = torch.tensor(
    [
        [0.2899, -inf, -inf, -inf, -inf, -inf],
        [0.4656, 0.1723, -inf, -inf, -inf, -inf],
        [0.4594, 0.1703, 0.1731, -inf, -inf, -inf],
        [0.2642, 0.1024, 0.1036, 0.0186, -inf, -inf],
        [0.2183, 0.0874, 0.0882, 0.0177, 0.0786, -inf],
        [0.3408, 0.1270, 0.1290, 0.0198, 0.1290, 0.0078],
    ]
)

# Issue 04/05: nn.Dropout(0.5) on torch.ones(6, 6) after torch.manual_seed(123); row 1 [2, 2, 0, 2, 2, 0] is quoted.
DROPOUT_SEED, DROPOUT_RATE = 123, 0.5
DROPOUT_ONES = torch.tensor(
    [
        [2.0, 2.0, 0.0, 2.0, 2.0, 0.0],
        [0.0, 0.0, 0.0, 2.0, 0.0, 2.0],
        [2.0, 2.0, 2.0, 2.0, 0.0, 2.0],
        [0.0, 2.0, 2.0, 0.0, 0.0, 2.0],
        [0.0, 2.0, 0.0, 2.0, 0.0, 2.0],
        [0.0, 2.0, 2.0, 2.0, 2.0, 0.0],
    ]
)

# Issue 04/05: CausalAttention(d_in, d_out, 6, 0.0) after torch.manual_seed(123) on
# batch = torch.stack((inputs, inputs)), shape 2x6x3; the first rows [-0.4519, 0.2216], [-0.5874, 0.0058],
# [-0.6300, -0.0632] are quoted in the issue.
CAUSAL_SEED = 123
CAUSAL_CONTEXT_VECS = torch.tensor(
    [
        [-0.4519, 0.2216],
        [-0.5874, 0.0058],
        [-0.6300, -0.0632],
        [-0.5675, -0.0843],
        [-0.5526, -0.0981],
        [-0.5299, -0.1081],
    ]
).repeat(2, 1, 1)  # both items of the batch are the same six tokens
