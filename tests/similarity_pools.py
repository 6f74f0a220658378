"""Test material for the similarity report: how students write each TO-DO of assignments 01, 04 and 07.

``SPELLINGS``: more correct ways to write a TO-DO, beside the reference and the sample submissions' correct
alternatives (:mod:`tests.samples`): independent students pick one per TO-DO. ``OWN``: five students' own ways of
writing some TO-DOs (each correct, unlike any spelling of the pool): the originals that others copy.
``UNCATALOGUED``: two different codes for one wrong answer that no catalogued mistake explains.
"""

from __future__ import annotations

A01 = "01_simplified_attention"
A04 = "04_causal_attention"
A07 = "07_masks_and_cross_attention"

SPELLINGS = {
    A01: {
        "answer-04": [
            "def attention_scores_loop(inputs, query):\n    return torch.stack([row @ query for row in inputs])\n",
            "def attention_scores_loop(inputs, query):\n    out = []\n    for token in inputs:\n"
            "        out.append(torch.sum(token * query))\n    return torch.tensor(out)\n",
        ],
        "answer-08": [
            "def attention_scores_matmul(inputs, query):\n    return torch.matmul(inputs, query)\n",
            "def attention_scores_matmul(inputs, query):\n    return torch.einsum('nd,d->n', inputs, query)\n",
        ],
        "answer-11": ["def normalize_by_sum(scores):\n    return scores / torch.sum(scores)\n"],
        "answer-14": ["def softmax_naive(scores):\n    e = scores.exp()\n    return e / e.sum()\n"],
        "answer-19": ["def attention_weights(scores):\n    return scores.softmax(dim=0)\n"],
        "answer-22": [
            "def context_vector_loop(inputs, attn_weights):\n"
            "    return sum(attn_weights[i] * inputs[i] for i in range(len(inputs)))\n"
        ],
        "answer-25": [
            "def context_vector(inputs, attn_weights):\n    return (attn_weights[:, None] * inputs).sum(0)\n"
        ],
        "answer-28": [
            "def all_attention_scores(inputs):\n    return torch.matmul(inputs, inputs.T)\n",
            "def all_attention_scores(inputs):\n    return torch.einsum('id,jd->ij', inputs, inputs)\n",
        ],
        "answer-31": ["def all_attention_weights(attn_scores):\n    return attn_scores.softmax(dim=-1)\n"],
        "answer-36": [
            "def all_context_vectors(attn_weights, inputs):\n    return torch.matmul(attn_weights, inputs)\n"
        ],
    },
    A04: {
        "answer-08": [
            "def causal_mask_simple(context_length):\n    return torch.ones(context_length, context_length).tril()\n",
            "def causal_mask_simple(context_length):\n"
            "    mask = torch.zeros(context_length, context_length)\n"
            "    for i in range(context_length):\n        mask[i, :i + 1] = 1\n    return mask\n",
        ],
        "answer-11": [
            "def mask_and_renormalize(attn_weights):\n"
            "    return torch.tril(attn_weights) / torch.tril(attn_weights).sum(dim=-1, keepdim=True)\n",
            "def mask_and_renormalize(attn_weights):\n"
            "    masked = attn_weights.masked_fill(torch.ones_like(attn_weights).triu(1).bool(), 0.0)\n"
            "    return masked / masked.sum(-1, keepdim=True)\n",
        ],
        "answer-14": [
            "def mask_future_scores(attn_scores):\n    n = attn_scores.shape[0]\n"
            "    return attn_scores.masked_fill(torch.triu(torch.ones(n, n, dtype=torch.bool), 1), "
            "float('-inf'))\n"
        ],
        "answer-17": [
            "def causal_attention_weights(attn_scores, d_k):\n    scaled = attn_scores / d_k ** 0.5\n"
            "    return torch.softmax(mask_future_scores(scaled), dim=-1)\n"
        ],
        "answer-22": ["def apply_dropout(x, p):\n    return torch.nn.functional.dropout(x, p=p, training=True)\n"],
    },
    A07: {
        "answer-06": [
            "def make_key_padding_mask(lengths, max_len):\n"
            "    positions = torch.arange(max_len).unsqueeze(0)\n"
            "    return positions >= lengths.unsqueeze(1)\n"
        ],
        "answer-12": [
            "def padded_attention(queries, keys, values, key_padding_mask):\n    d = queries.shape[-1]\n"
            "    scores = torch.matmul(queries, keys.transpose(-2, -1)) / d ** 0.5\n"
            "    if key_padding_mask is not None:\n"
            "        scores = scores.masked_fill(key_padding_mask.unsqueeze(1).unsqueeze(2), float('-inf'))\n"
            "    return torch.matmul(torch.softmax(scores, dim=-1), values)\n"
        ],
        "answer-21": [
            "def safe_softmax(scores):\n    fully = torch.isinf(scores).all(-1, keepdim=True)\n"
            "    return torch.where(fully, torch.zeros_like(scores), torch.softmax(scores, -1))\n"
        ],
    },
}

OWN = {
    A01: {
        "ada": {
            "answer-04": "def attention_scores_loop(inputs, query):\n    n_tokens = inputs.shape[0]\n"
            "    result = torch.empty(n_tokens)\n    idx = 0\n    while idx < n_tokens:\n"
            "        result[idx] = (inputs[idx] * query).sum()\n        idx += 1\n    return result\n",
            "answer-22": "def context_vector_loop(inputs, attn_weights):\n    total = torch.zeros_like(inputs[0])\n"
            "    weighted = [w * row for w, row in zip(attn_weights, inputs)]\n    for term in weighted:\n"
            "        total = total + term\n    return total\n",
            "answer-14": "def softmax_naive(scores):\n    exps = torch.exp(scores)\n    denom = exps.sum(dim=0)\n"
            "    return exps / denom\n",
        },
        "bea": {
            "answer-28": "def all_attention_scores(inputs):\n    keys = inputs.clone()\n    queries = inputs.clone()\n"
            "    scale = 1.0\n    return torch.matmul(queries, keys.t()) * scale\n",
            "answer-31": "def all_attention_weights(attn_scores):\n"
            "    top = attn_scores.max(dim=-1, keepdim=True).values\n"
            "    shifted = attn_scores - top\n    weights = torch.softmax(shifted, dim=-1)\n"
            "    return weights\n",
        },
        "cyd": {
            "answer-08": "def attention_scores_matmul(inputs, query):\n    column = query.unsqueeze(1)\n"
            "    product = torch.matmul(inputs, column)\n    return product.squeeze(1)\n",
            "answer-25": "def context_vector(inputs, attn_weights):\n    weights_col = attn_weights.unsqueeze(-1)\n"
            "    scaled = weights_col * inputs\n    return scaled.sum(dim=0)\n",
            "answer-36": "def all_context_vectors(attn_weights, inputs):\n"
            "    out = torch.einsum('ij,jd->id', attn_weights, inputs)\n    return out\n",
        },
        "dan": {
            "answer-11": "def normalize_by_sum(scores):\n    denominator = torch.sum(scores, dim=0)\n"
            "    return torch.div(scores, denominator)\n",
            "answer-36": "def all_context_vectors(attn_weights, inputs):\n"
            "    rows = [sum(w * row for w, row in zip(weights_row, inputs))\n"
            "            for weights_row in attn_weights]\n    return torch.stack(rows)\n",
        },
        "eve": {
            "answer-04": "def attention_scores_loop(inputs, query):\n    values = []\n"
            "    for position in range(inputs.shape[0]):\n        token = inputs[position]\n"
            "        values.append(float(torch.dot(token, query)))\n    return torch.tensor(values)\n",
            "answer-11": "def normalize_by_sum(scores):\n    total = 0.0\n    for value in scores:\n"
            "        total += value\n    return scores / total\n",
            "answer-31": "def all_attention_weights(attn_scores):\n"
            "    rows = [torch.softmax(row, dim=0) for row in attn_scores]\n"
            "    return torch.stack(rows, dim=0)\n",
        },
    },
    A04: {
        "ada": {
            "answer-14": "def mask_future_scores(attn_scores):\n    size = attn_scores.size(0)\n"
            "    future = torch.ones(size, size).triu(1).bool()\n    out = attn_scores.clone()\n"
            "    out[future] = float('-inf')\n    return out\n",
            "answer-11": "def mask_and_renormalize(attn_weights):\n    keep = torch.ones_like(attn_weights).tril()\n"
            "    kept = attn_weights * keep\n    totals = kept.sum(-1, keepdim=True)\n"
            "    return kept / totals\n",
        },
        "bea": {
            "answer-17": "def causal_attention_weights(attn_scores, d_k):\n    scale = d_k ** 0.5\n"
            "    hidden = mask_future_scores(attn_scores)\n"
            "    return torch.softmax(hidden / scale, dim=-1)\n",
            "answer-08": "def causal_mask_simple(context_length):\n    rows = torch.arange(context_length)\n"
            "    cols = torch.arange(context_length)\n"
            "    return (cols[None, :] <= rows[:, None]).float()\n",
        },
        "cyd": {
            "answer-28": "class CausalAttention(nn.Module):\n"
            "    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):\n"
            "        super().__init__()\n        self.d_out = d_out\n"
            "        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
            "        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
            "        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
            "        self.dropout = nn.Dropout(dropout)\n"
            "        self.register_buffer('mask', torch.ones(context_length, context_length).triu(1))\n\n"
            "    def forward(self, x):\n        n = x.shape[1]\n        q = self.W_query(x)\n"
            "        k = self.W_key(x)\n        v = self.W_value(x)\n"
            "        logits = torch.matmul(q, k.transpose(1, 2)) / k.shape[-1] ** 0.5\n"
            "        logits = logits.masked_fill(self.mask[:n, :n] == 1, float('-inf'))\n"
            "        return torch.matmul(self.dropout(torch.softmax(logits, dim=-1)), v)\n",
            "answer-22": "def apply_dropout(x, p):\n    layer = nn.Dropout(p=p)\n    layer.train()\n"
            "    return layer(x)\n",
        },
        "dan": {
            "answer-14": "def mask_future_scores(attn_scores):\n    length = attn_scores.shape[-1]\n"
            "    above = torch.ones(length, length, dtype=torch.bool).triu(diagonal=1)\n"
            "    return torch.where(above, torch.full_like(attn_scores, -torch.inf), attn_scores)\n",
            "answer-08": "def causal_mask_simple(context_length):\n"
            "    return torch.stack([torch.arange(context_length) <= i for i in range(context_length)])"
            ".float()\n",
        },
        "eve": {
            "answer-11": "def mask_and_renormalize(attn_weights):\n    lower = attn_weights.tril()\n"
            "    row_totals = lower.sum(dim=-1).unsqueeze(-1)\n    return lower / row_totals\n",
            "answer-17": "def causal_attention_weights(attn_scores, d_k):\n"
            "    blocked = mask_future_scores(attn_scores)\n"
            "    return torch.exp(blocked / d_k ** 0.5 - (blocked / d_k ** 0.5).amax(-1, keepdim=True))"
            " / torch.exp(blocked / d_k ** 0.5 - (blocked / d_k ** 0.5).amax(-1, keepdim=True))"
            ".sum(-1, keepdim=True)\n",
        },
    },
    A07: {
        "ada": {
            "answer-06": "def make_key_padding_mask(lengths, max_len):\n    batch = lengths.shape[0]\n"
            "    mask = torch.zeros(batch, max_len, dtype=torch.bool)\n    for b in range(batch):\n"
            "        mask[b, int(lengths[b]):] = True\n    return mask\n",
            "answer-21": "def safe_softmax(scores):\n"
            "    any_visible = (scores != float('-inf')).any(dim=-1, keepdim=True)\n"
            "    probs = torch.softmax(scores, dim=-1)\n"
            "    return torch.where(any_visible, probs, torch.zeros_like(probs))\n",
        },
        "bea": {
            "answer-12": "def padded_attention(queries, keys, values, key_padding_mask):\n"
            "    scale = keys.size(-1) ** -0.5\n    raw = queries @ keys.transpose(-2, -1)\n"
            "    scores = raw * scale\n    if key_padding_mask is not None:\n"
            "        scores = scores.masked_fill(key_padding_mask[:, None, None, :], float('-inf'))\n"
            "    return torch.softmax(scores, dim=-1) @ values\n",
            "answer-06": "def make_key_padding_mask(lengths, max_len):\n    idx = torch.arange(max_len)\n"
            "    lim = lengths.view(-1, 1)\n    return idx.view(1, -1) >= lim\n",
        },
        "cyd": {
            "answer-27": "def causal_padded_attention(queries, keys, values, key_padding_mask):\n"
            "    logits = torch.matmul(queries, keys.transpose(-2, -1)) * keys.shape[-1] ** -0.5\n"
            "    rows = logits.shape[-2]\n    cols = logits.shape[-1]\n"
            "    blocked = torch.ones(rows, cols, dtype=torch.bool).triu(1)\n"
            "    if key_padding_mask is not None:\n"
            "        blocked = blocked | key_padding_mask.unsqueeze(1).unsqueeze(1)\n"
            "    logits = logits.masked_fill(blocked, float('-inf'))\n"
            "    return torch.matmul(safe_softmax(logits), values)\n",
            "answer-21": "def safe_softmax(scores):\n    dead = torch.isneginf(scores).all(dim=-1)\n"
            "    out = torch.softmax(scores, dim=-1)\n    out[dead] = 0.0\n    return out\n",
        },
        "dan": {
            "answer-21": "def safe_softmax(scores):\n    hidden = torch.isneginf(scores)\n"
            "    probs = torch.softmax(scores.masked_fill(hidden.all(-1, keepdim=True), 0.0), dim=-1)\n"
            "    return probs * (~hidden).any(-1, keepdim=True)\n",
            "answer-06": "def make_key_padding_mask(lengths, max_len):\n"
            "    return torch.stack([torch.arange(max_len) >= n for n in lengths])\n",
        },
        "eve": {
            "answer-12": "def padded_attention(queries, keys, values, key_padding_mask):\n"
            "    scores = torch.einsum('...qd,...kd->...qk', queries, keys) / queries.shape[-1] ** 0.5\n"
            "    if key_padding_mask is not None:\n"
            "        scores = scores.masked_fill(key_padding_mask[:, None, None, :], -torch.inf)\n"
            "    attn = scores.softmax(dim=-1)\n"
            "    return torch.einsum('...qk,...kd->...qd', attn, values)\n",
            "answer-06": "def make_key_padding_mask(lengths, max_len):\n"
            "    grid = torch.arange(max_len).expand(len(lengths), max_len)\n"
            "    return grid >= lengths.reshape(-1, 1)\n",
        },
    },
}

UNCATALOGUED = {
    A01: (
        {"answer-19": "def attention_weights(scores):\n    return torch.softmax(2 * scores, dim=-1)\n"},
        {
            "answer-19": "def attention_weights(scores):\n    doubled = scores + scores\n"
            "    e = torch.exp(doubled - doubled.max())\n    return e / e.sum()\n"
        },
    ),
    A04: (
        {
            "answer-11": "def mask_and_renormalize(attn_weights):\n"
            "    kept = attn_weights * torch.tril(torch.ones_like(attn_weights))\n"
            "    return kept / kept.max(dim=-1, keepdim=True).values\n"
        },
        {
            "answer-11": "def mask_and_renormalize(attn_weights):\n    lower = torch.tril(attn_weights)\n"
            "    top = lower.amax(-1, keepdim=True)\n    return lower / top\n"
        },
    ),
    A07: (
        {
            "answer-06": "def make_key_padding_mask(lengths, max_len):\n"
            "    return torch.arange(max_len)[None, :] > lengths[:, None]\n"
        },
        {
            "answer-06": "def make_key_padding_mask(lengths, max_len):\n"
            "    mask = torch.zeros(len(lengths), max_len, dtype=torch.bool)\n"
            "    for row, n in enumerate(lengths):\n        mask[row, n + 1:] = True\n    return mask\n"
        },
    ),
}
