"""The catalogue's texts: each named mistake's title, explanation and fix, as a student reads them (in a check's
message, the feedback page and docs/mistakes.md). Plain data, in the catalogue's order (the order the engine tries
the mistakes in and docs/mistakes.md lists them); how each mistake is made is code, in :mod:`.slips`.
"""

from .catalogue_families import FAMILY_MISTAKES
from .catalogue_modern import MODERN_MISTAKES
from .catalogue_observed import OBSERVED_MISTAKES

MISTAKES: list[dict[str, str]] = [
    # Normalising scores into weights
    {
        "id": "softmax_dim0",
        "title": "softmax over dimension 0",
        "explanation": (
            "You applied softmax over dimension 0 (down each column), so it is not each query's weights that "
            "sum to 1. The weights of a query lie along the last dimension, the keys."
        ),
        "fix": "Use torch.softmax(scores, dim=-1) (the last dimension: across each row).",
    },
    {
        "id": "softmax_no_dim",
        "title": "softmax called without a dimension",
        "explanation": (
            "softmax(scores) without dim makes PyTorch guess the dimension (and warn about it); the guess "
            "depends on how many dimensions the tensor has, so the same code breaks as soon as a batch "
            "dimension appears."
        ),
        "fix": "Always name it: softmax(scores, dim=-1).",
    },
    {
        "id": "sum_instead_of_softmax",
        "title": "normalised by the sum instead of softmax",
        "explanation": (
            "You divided the scores by their sum. That also gives weights that add up to 1, but it is not "
            "softmax: softmax exponentiates first, which makes every weight positive and favours the largest "
            "scores."
        ),
        "fix": "Use torch.softmax(scores, dim=-1), or exp(scores) divided by the sum of exp(scores).",
    },
    {
        "id": "softmax_instead_of_sum",
        "title": "softmax where the step asks for the sum",
        "explanation": (
            "This step asks for the simplest normalisation, each score divided by the sum of all scores; you "
            "used softmax, which exponentiates first."
        ),
        "fix": "Return scores / scores.sum().",
    },
    {
        "id": "naive_softmax_overflow",
        "title": "naive softmax overflows on large scores",
        "explanation": (
            "exp(x) of a large score (about 89 or more in float32) is inf, and inf / inf is nan: a hand-"
            "written exp(x) / sum(exp(x)) breaks exactly where torch.softmax does not (it subtracts the "
            "maximum first)."
        ),
        "fix": "Use torch.softmax(scores, dim=-1), or subtract scores.max() before exponentiating.",
    },
    {
        "id": "normalised_wrong_axis",
        "title": "divided by the sums of the wrong axis",
        "explanation": (
            "Each query's weights (a row) must sum to 1, so each row is divided by its own sum. Dividing by "
            "the column sums (sum over dim=0) makes the columns sum to 1 instead."
        ),
        "fix": "Divide by x.sum(dim=-1, keepdim=True).",
    },
    # Context vectors
    {
        "id": "empty_accumulator",
        "title": "context vector accumulated into torch.empty",
        "explanation": (
            "torch.empty returns uninitialised memory: whatever bytes were there before. Adding the weighted "
            "inputs to it gives a right answer only when that memory happens to be zero."
        ),
        "fix": "Start the sum from torch.zeros(...) (or torch.zeros_like(inputs[0])).",
    },
    {
        "id": "weights_on_inputs",
        "title": "weights applied to the inputs instead of the values",
        "explanation": (
            "You multiplied the attention weights with the inputs x. With trainable weights, the context "
            "vector is the weighted sum of the value vectors (x @ W_value), not of the inputs."
        ),
        "fix": "Use attn_weights @ values.",
    },
    {
        "id": "weighted_sum_wrong_axis",
        "title": "weighted values summed over the wrong axis",
        "explanation": (
            "weighted_values[i, j] is value j scaled by query i's weight for it. Output i is the sum over j "
            "(the values), dim=1; summing over dim=0 adds up the same value across different queries."
        ),
        "fix": "Sum over the values: weighted_values.sum(dim=1).",
    },
    # Scores and scaling
    {
        "id": "keys_queries_swapped",
        "title": "keys @ queries.T instead of queries @ keys.T",
        "explanation": (
            "Row i of the scores must belong to query i: scores = queries @ keys.T. keys @ queries.T is its "
            "transpose, so after softmax each row mixes the scores of different queries."
        ),
        "fix": "Write queries @ keys.T (or keys.transpose(-2, -1) with batches).",
    },
    {
        "id": "no_scaling",
        "title": "scores not divided by sqrt(d_k)",
        "explanation": (
            "Scaled dot-product attention divides the scores by sqrt(d_k), the key dimension, before softmax."
            " Without it, large dot products push softmax towards one-hot weights with tiny gradients."
        ),
        "fix": "Use torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1).",
    },
    {
        "id": "scale_sqrt_d_in",
        "title": "scaled by sqrt(d_in) instead of sqrt(d_k)",
        "explanation": (
            "You divided by the square root of the input dimension. The scale comes from the dimension of the"
            " vectors in the dot product: the keys' (and queries') dimension d_k = d_out."
        ),
        "fix": "Divide by keys.shape[-1] ** 0.5.",
    },
    {
        "id": "scale_d_k",
        "title": "scaled by d_k instead of sqrt(d_k)",
        "explanation": (
            "You divided by d_k itself. The dot product of two d_k-dimensional vectors has a variance that "
            "grows like d_k, so its standard deviation grows like sqrt(d_k): that is what the scores are "
            "divided by."
        ),
        "fix": "Divide by keys.shape[-1] ** 0.5, not by keys.shape[-1].",
    },
    {
        "id": "scale_sqrt_seq_len",
        "title": "scaled by sqrt of the sequence length",
        "explanation": (
            "You divided by the square root of the number of tokens. The scale depends on the vector "
            "dimension d_k, not on how many tokens there are."
        ),
        "fix": "Divide by keys.shape[-1] ** 0.5 (the last dimension of the keys).",
    },
    # Causal masks and dropout
    {
        "id": "mask_after_softmax_no_renorm",
        "title": "mask applied after softmax without renormalising",
        "explanation": "Zeroing the weights above the diagonal after softmax leaves rows that no longer sum to 1.",
        "fix": "Divide each masked row by its sum, or mask the scores with -inf before softmax.",
    },
    {
        "id": "mask_fill_zero",
        "title": "scores masked with 0 instead of -inf",
        "explanation": (
            "A masked score of 0 still gets weight exp(0) = 1 in softmax, so future tokens keep some "
            "attention. Only -inf becomes a weight of exactly 0."
        ),
        "fix": "Use scores.masked_fill(mask, -torch.inf).",
    },
    {
        "id": "mask_diagonal",
        "title": "mask hides the diagonal too",
        "explanation": (
            "Your mask also hides each token from itself (triu without diagonal=1). A token may attend to "
            "itself and to earlier tokens; only later tokens are hidden."
        ),
        "fix": "Use torch.triu(torch.ones(n, n), diagonal=1) for the positions to hide.",
    },
    {
        "id": "mask_one_future",
        "title": "mask lets one future token through",
        "explanation": "Your mask is shifted by one: each token can still see the token right after it.",
        "fix": "Hide exactly the positions j > i: torch.triu(..., diagonal=1) "
        "(or keep torch.tril(...) with diagonal=0).",
    },
    {
        "id": "triu_tril_swapped",
        "title": "triu and tril swapped",
        "explanation": "You hid the past instead of the future: tokens attend to later tokens and not to earlier ones.",
        "fix": "tril keeps the lower triangle (the past, visible); triu(diagonal=1) marks the future (hidden).",
    },
    {
        "id": "dropout_at_eval",
        "title": "dropout active in evaluation mode",
        "explanation": "Dropout must only act while training. In eval() mode the module must be deterministic.",
        "fix": "Use an nn.Dropout module (it switches off in eval()), not F.dropout with training=True.",
    },
    {
        "id": "dropout_on_scores",
        "title": "dropout applied to the scores instead of the weights",
        "explanation": (
            "Dropout belongs on the attention weights, after softmax; dropping scores before softmax changes "
            "which tokens are attended to in a different way."
        ),
        "fix": "Apply self.dropout(attn_weights) after the softmax.",
    },
    # Multi-head attention
    {
        "id": "heads_no_transpose",
        "title": "heads split with view but not transposed",
        "explanation": (
            "After view(b, num_tokens, num_heads, head_dim) the heads must move before the tokens with "
            "transpose(1, 2); otherwise the matrix products mix tokens and heads."
        ),
        "fix": "queries = queries.view(b, n, h, d).transpose(1, 2) (likewise keys and values).",
    },
    {
        "id": "heads_merged_wrong_order",
        "title": "heads merged in the wrong order",
        "explanation": (
            "When merging, transpose back to (b, num_tokens, num_heads, head_dim) before view(b, num_tokens, "
            "d_out); viewing straight from (b, num_heads, num_tokens, head_dim) scrambles tokens and heads."
        ),
        "fix": "context.transpose(1, 2).contiguous().view(b, num_tokens, d_out).",
    },
    {
        "id": "missing_out_proj",
        "title": "output projection missing",
        "explanation": "Multi-head attention ends with a linear layer (out_proj) that mixes the heads' outputs.",
        "fix": "Return self.out_proj(context_vec).",
    },
    # Transformer encoder
    {
        "id": "pe_sin_cos_swapped",
        "title": "positional encoding with sin and cos swapped",
        "explanation": (
            "Even dimensions use sin and odd dimensions use cos: PE[pos, 2i] = sin(...), PE[pos, 2i+1] = cos(...)."
        ),
        "fix": "Put torch.sin on the even columns (0::2) and torch.cos on the odd columns (1::2).",
    },
    {
        "id": "pe_wrong_exponent",
        "title": "positional encoding with the wrong frequency exponent",
        "explanation": (
            "The frequencies are 1 / 10000^(2i / d_model), where 2i is the even dimension index; using i / "
            "d_model gives the wrong wavelengths."
        ),
        "fix": "Use torch.arange(0, d_model, 2) / d_model as the exponent.",
    },
    {
        "id": "pre_norm_instead_of_post",
        "title": "layer norm before the residual (pre-norm) where post-norm is asked",
        "explanation": (
            "This exercise asks for post-norm: x = LayerNorm(x + sublayer(x)). You normalised the input of "
            "the sub-layer instead (x + sublayer(LayerNorm(x)))."
        ),
        "fix": "Add the residual first, then normalise: self.norm1(x + self.dropout(self.attn(x))).",
    },
    {
        "id": "missing_residual",
        "title": "residual connection missing",
        "explanation": (
            "Each sub-layer's output is added to its input before the layer norm: LayerNorm(x + sublayer(x))."
            " Without the x +, the layer loses the information it was given."
        ),
        "fix": "Use self.norm(x + self.dropout(sublayer(x))).",
    },
    # Padding, fully masked rows, cross-attention and the decoder
    {
        "id": "padding_mask_inverted",
        "title": "padding mask True at the real tokens",
        "explanation": (
            "A key padding mask is True where a position is padding (the positions to hide), as PyTorch's "
            "key_padding_mask is. Yours is True at the real tokens, so attention hides the words and looks at"
            " the padding."
        ),
        "fix": "Mark the padding: torch.arange(max_len)[None, :] >= lengths[:, None].",
    },
    {
        "id": "padding_mask_on_queries",
        "title": "padding mask applied to the queries instead of the keys",
        "explanation": (
            "The padding mask must hide padding *keys*: the last axis of the scores, so that no query looks "
            "at a padding token. You put it on the query axis, which blanks the rows of the padding queries "
            "(nan after softmax) and lets every real token attend to the padding."
        ),
        "fix": (
            "Put the mask's token axis on the keys: key_padding_mask[:, None, None, :] for scores of shape (batch, "
            "heads, queries, keys)."
        ),
    },
    {
        "id": "padding_mask_wrong_batch_axis",
        "title": "padding mask broadcast over the wrong dimension",
        "explanation": (
            "A (batch, num_keys) mask must line up with the batch axis of the scores. Without enough new "
            "axes, broadcasting lines it up from the right: sentence i's mask lands on head i (or on query "
            "i), and each sentence is masked with another sentence's padding. It only runs without an error "
            "when the sizes happen to agree."
        ),
        "fix": "Index it as key_padding_mask[:, None, None, :] for scores of shape (batch, heads, queries, keys).",
    },
    {
        "id": "fully_masked_nan",
        "title": "nan from rows with every key masked",
        "explanation": (
            "When every key of a row is masked, softmax divides 0 by 0 and the whole row becomes nan; the nan"
            " then spreads through every later layer (and into the loss and its gradients)."
        ),
        "fix": (
            "Set the weights of such rows to 0: weights.masked_fill(torch.isneginf(scores).all(dim=-1, keepdim=True),"
            " 0.0) (your safe_softmax)."
        ),
    },
    {
        "id": "cross_attention_self_keys",
        "title": "cross-attention keys and values taken from the decoder",
        "explanation": (
            "In cross-attention only the queries come from the decoder's tokens; the keys and values come "
            "from the encoder's output (the memory). Taking them from the decoder makes it self-attention: "
            "the decoder never looks at the source sentence."
        ),
        "fix": "keys = self.W_key(memory) and values = self.W_value(memory); queries = self.W_query(x).",
    },
    {
        "id": "cross_attention_causal",
        "title": "causal mask applied in cross-attention",
        "explanation": (
            "The causal mask hides a decoder token's *own* future tokens, so it belongs to the decoder's "
            "self-attention. In cross-attention every decoder token may look at the whole source sentence: "
            "the encoder's output has no future to hide."
        ),
        "fix": "In cross-attention use only the memory's padding mask (padded_attention), no causal mask.",
    },
    # Efficient attention: online softmax, tiled attention, a KV cache
    {
        "id": "online_sum_not_rescaled",
        "title": "running sum not rescaled when the maximum changes",
        "explanation": (
            "The running sum holds exp(score - m) with the maximum m known so far. When a block brings a "
            "larger maximum, the old terms must be brought to the new one: multiplied by exp(m_old - m_new). "
            "Without it the sum is too large and the weights too small."
        ),
        "fix": "running_sum = running_sum * torch.exp(running_max - new_max) + torch.exp(block - new_max).sum(...).",
    },
    {
        "id": "online_output_not_rescaled",
        "title": "accumulated output not rescaled when the maximum changes",
        "explanation": (
            "The accumulated output holds the values weighted by exp(score - m) with the maximum m known so "
            "far. When a block brings a larger maximum, what was accumulated must be multiplied by exp(m_old "
            "- m_new), as the running sum is; otherwise the earlier blocks weigh too much."
        ),
        "fix": "output = output * torch.exp(running_max - new_max) + weights @ values_block.",
    },
    {
        "id": "causal_block_offset",
        "title": "causal mask of a block placed as if the block started at key 0",
        "explanation": (
            "In a block of keys that starts at position start, key j of the block is token start + j. You "
            "compared the queries with the block's own indices 0, 1, ..., so every block after the first "
            "hides the wrong keys and lets queries see their future."
        ),
        "fix": (
            "Hide key start + j from query i when start + j > i: torch.arange(start, stop)[None, :] > "
            "torch.arange(num_queries)[:, None]."
        ),
    },
    {
        "id": "cache_updated_after_attention",
        "title": "KV cache updated after the attention instead of before",
        "explanation": (
            "The new token must attend to itself too, so its key and value go into the cache before the "
            "attention. Attending first and appending afterwards leaves the token blind to itself (the first "
            "token attends to nothing at all)."
        ),
        "fix": "Append the new key and value to the cache first, then attend over the whole cache.",
    },
    {
        "id": "cache_position_offset",
        "title": "new tokens encoded at position 0 instead of their own position",
        "explanation": (
            "A generated token's position is the number of tokens before it (the length of the cache), not 0."
            " Slicing the positional encoding with [:num_new_tokens], as the full forward pass does, gives "
            "every new token the encoding of position 0."
        ),
        "fix": "Use the positions after the cache: pe[cached_length:cached_length + num_new_tokens].",
    },
    *OBSERVED_MISTAKES,
    *MODERN_MISTAKES,
    *FAMILY_MISTAKES,
]
