"""Assignment 01: simplified self-attention without trainable weights.

Seeds 000, 001 and 002 all work on the same six embedded words and print the
same numbers (to four decimals) at each step.
"""

import torch

from .inputs import INPUTS, QUERY_INDEX, WORDS  # noqa: F401  (shared with later assignments)

# Seed 000 In[16], seed 001 In[4], seed 002 In[3]: scores of x^2 with every input.
ATTN_SCORES_2 = torch.tensor([0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865])

# Seed 001 In[5], seed 002 In[5]: the scores divided by their sum.
ATTN_WEIGHTS_2_BY_SUM = torch.tensor([0.1455, 0.2278, 0.2249, 0.1285, 0.1077, 0.1656])

# Seed 000 In[17], seed 001 In[9], seed 002 In[6] (naive softmax) and In[7] (torch.softmax).
ATTN_WEIGHTS_2 = torch.tensor([0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581])

# Seed 000 In[18], seed 001 In[19]: the context vector z^2.
CONTEXT_VEC_2 = torch.tensor([0.4419, 0.6515, 0.5683])

# Seed 000 In[19], seed 001 In[9], seed 002 In[8]: inputs @ inputs.T.
ATTN_SCORES = torch.tensor(
    [
        [0.9995, 0.9544, 0.9422, 0.4753, 0.4576, 0.6310],
        [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865],
        [0.9422, 1.4754, 1.4570, 0.8296, 0.7154, 1.0605],
        [0.4753, 0.8434, 0.8296, 0.4937, 0.3474, 0.6565],
        [0.4576, 0.7070, 0.7154, 0.3474, 0.6654, 0.2935],
        [0.6310, 1.0865, 1.0605, 0.6565, 0.2935, 0.9450],
    ]
)

# Seed 000 In[20], seed 002 In[11]: softmax of each row.
ATTN_WEIGHTS = torch.tensor(
    [
        [0.2098, 0.2006, 0.1981, 0.1242, 0.1220, 0.1452],
        [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581],
        [0.1390, 0.2369, 0.2326, 0.1242, 0.1108, 0.1565],
        [0.1435, 0.2074, 0.2046, 0.1462, 0.1263, 0.1720],
        [0.1526, 0.1958, 0.1975, 0.1367, 0.1879, 0.1295],
        [0.1385, 0.2184, 0.2128, 0.1420, 0.0988, 0.1896],
    ]
)

# Seed 000 In[23], seed 001 In[10], seed 002 In[12]: all context vectors.
CONTEXT_VECS = torch.tensor(
    [
        [0.4421, 0.5931, 0.5790],
        [0.4419, 0.6515, 0.5683],
        [0.4431, 0.6496, 0.5671],
        [0.4304, 0.6298, 0.5510],
        [0.4671, 0.5910, 0.5266],
        [0.4177, 0.6503, 0.5645],
    ]
)
