"""The six embedded words every assignment starts from (its own worked values are apart, one module each,
so that a platform bundle of one assignment holds no other assignment's values)."""

import torch

# Seeds 000 In[14], 001 In[4], 002 In[2]: "Your journey starts with one step", embedded in 3-D.
WORDS = ["Your", "journey", "starts", "with", "one", "step"]
INPUTS = torch.tensor(
    [
        [0.43, 0.15, 0.89],  # Your     (x^1)
        [0.55, 0.87, 0.66],  # journey  (x^2)
        [0.57, 0.85, 0.64],  # starts   (x^3)
        [0.22, 0.58, 0.33],  # with     (x^4)
        [0.77, 0.25, 0.10],  # one      (x^5)
        [0.05, 0.80, 0.55],
    ]  # step     (x^6)
)
QUERY_INDEX = 1  # the query is x^2, "journey"
