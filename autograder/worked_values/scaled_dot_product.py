"""Assignment 03: scaled dot-product attention with trainable weights.

Seed 001, second half ("Self-attention with trainable weights"), on the same six
embedded words as assignment 01 (``simplified_attention.INPUTS``, not restated).
"""

import torch

from .inputs import INPUTS, QUERY_INDEX  # noqa: F401  (the inputs of this assignment too)

# Seed 001 In[18]: d_in = inputs.shape[1], d_out = 2, torch.manual_seed(123), then W_query, W_key, W_value
# drawn in that order with torch.rand(d_in, d_out).
D_IN = 3
D_OUT = 2
SEED = 123

# Seed 001 In[18]: x_2 projected with each weight matrix.
QUERY_2 = torch.tensor([0.4306, 1.4551])
KEY_2 = torch.tensor([0.4433, 1.1419])
VALUE_2 = torch.tensor([0.3951, 1.0037])

# Seed 001 In[30]: query_2 @ key_2.
ATTN_SCORE_22 = torch.tensor(1.8524)

# Seed 001 In[31]: query_2 @ keys.T, the scores of query 2 with all keys.
ATTN_SCORES_2 = torch.tensor([1.2705, 1.8524, 1.8111, 1.0795, 0.5577, 1.5440])

# Seed 001 In[32]: torch.softmax(attn_scores_2 / d_k**0.5, dim=-1) with d_k = keys.shape[-1] = 2.
ATTN_WEIGHTS_2 = torch.tensor([0.1500, 0.2264, 0.2199, 0.1311, 0.0906, 0.1820])

# Seed 001 In[33]: attn_weights_2 @ values.
CONTEXT_VEC_2 = torch.tensor([0.3061, 0.8210])

# Seed 001 In[37]: torch.manual_seed(123); SelfAttention(d_in, d_out)(inputs). Row 2 is CONTEXT_VEC_2.
SELF_ATTENTION_OUTPUT = torch.tensor(
    [[0.2996, 0.8053], [0.3061, 0.8210], [0.3058, 0.8203], [0.2948, 0.7939], [0.2927, 0.7891], [0.2990, 0.8040]]
)
