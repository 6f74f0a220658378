"""Assignment 02: self-attention with query, key and value weights, the hand-computable example.

Seeds 003 (the illustrated tutorial) and 004 (its hands-on notebook) use the same
three inputs and integer weights. Seed 004 prints the exact numbers; seed 003
rounds the softmax for readability, so its weighted values and outputs differ.
"""

import torch

# Seed 004 "Step1: Preparing the inputs" (printed), seed 003 "Step 1: Prepare inputs".
INPUTS = torch.tensor(
    [
        [1.0, 0.0, 1.0, 0.0],  # Input 1
        [0.0, 2.0, 0.0, 2.0],  # Input 2
        [1.0, 1.0, 1.0, 1.0],
    ]  # Input 3
)

# Seed 004 "Step 2: Initialise weights" (printed), seed 003 "Step 2: Initialise weights".
W_KEY = torch.tensor([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
W_QUERY = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
W_VALUE = torch.tensor([[0.0, 2.0, 0.0], [0.0, 3.0, 0.0], [1.0, 0.0, 3.0], [1.0, 1.0, 0.0]])

# Seed 004 "Step 3: Derive key, query and value" (printed Keys, Querys, Values), seed 003 Step 3.
KEYS = torch.tensor([[0.0, 1.0, 1.0], [4.0, 4.0, 0.0], [2.0, 3.0, 1.0]])
QUERIES = torch.tensor([[1.0, 0.0, 2.0], [2.0, 2.0, 2.0], [2.0, 1.0, 3.0]])
VALUES = torch.tensor([[1.0, 2.0, 3.0], [2.0, 8.0, 0.0], [2.0, 6.0, 3.0]])

# Seed 004 "Step 4: Calculate attention scores" (printed), seed 003 Step 4: querys @ keys.T.
# It happens to be symmetric, so it cannot tell queries @ keys.T from keys @ queries.T.
ATTN_SCORES = torch.tensor([[2.0, 4.0, 4.0], [4.0, 16.0, 12.0], [4.0, 12.0, 10.0]])

# Seed 004 "Step 4" cell, second print: softmax of each row (printed in scientific notation, 5 digits).
ATTN_WEIGHTS = torch.tensor(
    [[6.3379e-02, 4.6831e-01, 4.6831e-01], [6.0337e-06, 9.8201e-01, 1.7986e-02], [2.9539e-04, 8.8054e-01, 1.1917e-01]]
)

# Seed 004 "Step 5: Multiply scores with values": weighted_values[i, j] = attn_weights[i, j] * values[j].
WEIGHTED_VALUES = torch.tensor(
    [
        [[6.3379e-02, 1.2676e-01, 1.9014e-01], [9.3662e-01, 3.7465e00, 0.0000e00], [9.3662e-01, 2.8099e00, 1.4049e00]],
        [[6.0337e-06, 1.2067e-05, 1.8101e-05], [1.9640e00, 7.8561e00, 0.0000e00], [3.5972e-02, 1.0792e-01, 5.3958e-02]],
        [[2.9539e-04, 5.9077e-04, 8.8616e-04], [1.7611e00, 7.0443e00, 0.0000e00], [2.3834e-01, 7.1501e-01, 3.5750e-01]],
    ]
)

# Seed 004 "Step 6: Sum weighted values" (printed): the outputs, weighted_values.sum(dim=1).
OUTPUTS = torch.tensor([[1.9366, 6.6831, 1.5951], [2.0000, 7.9640, 0.0540], [1.9997, 7.7599, 0.3584]])

# Seed 003 "Step 5: Calculate softmax": the softmax rounded "for readability".
ROUNDED_WEIGHTS = torch.tensor([[0.0, 0.5, 0.5], [0.0, 1.0, 0.0], [0.0, 0.9, 0.1]])

# Seed 003 "Step 6: Multiply scores with values", laid out value first:
# values[:, None] * rounded_weights.T[:, :, None], so entry [j, i] is value j scaled by query i's weight.
ROUNDED_WEIGHTED_VALUES_VALUE_FIRST = torch.tensor(
    [
        [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        [[1.0, 4.0, 0.0], [2.0, 8.0, 0.0], [1.8, 7.2, 0.0]],
        [[1.0, 3.0, 1.5], [0.0, 0.0, 0.0], [0.2, 0.6, 0.3]],
    ]
)

# Seed 003 "Step 7: Sum weighted values" (its layout sums over dim=0): the outputs of the rounded weights.
ROUNDED_OUTPUTS = torch.tensor([[2.0, 7.0, 1.5], [2.0, 8.0, 0.0], [2.0, 7.8, 0.3]])
