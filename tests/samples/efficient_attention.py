"""Sample submissions of assignment 08: the reference solution with one mistake each, and correct
alternatives that must earn full marks with no mistake named (see :mod:`tests.samples`)."""

from __future__ import annotations

from autograder.worked_values import efficient_attention as worked

from . import mutation, pasted

ONLINE_SUM = (
    "running_sum = running_sum * torch.exp(running_max - new_max) + torch.exp(block - new_max).sum(dim=-1, "
    "keepdim=True)"
)
ONLINE_BODY = (
    "running_max = torch.full(scores.shape[:-1] + (1,), -torch.inf)\n"
    "    running_sum = torch.zeros(scores.shape[:-1] + (1,))\n"
    "    for start in range(0, scores.shape[-1], block_size):\n"
    "        block = scores[..., start:start + block_size]\n"
    "        new_max = torch.maximum(running_max, block.max(dim=-1, keepdim=True).values)\n"
    f"        {ONLINE_SUM}\n"
    "        running_max = new_max\n"
    "    return torch.exp(scores - running_max) / running_sum"
)
FLASH_SCORES = "scores = queries @ keys[..., start:stop, :].transpose(-2, -1) / queries.shape[-1] ** 0.5"
FLASH_MASK = "future = torch.arange(start, stop)[None, :] > torch.arange(num_queries)[:, None]"
FLASH_SUM = "running_sum = running_sum * torch.exp(running_max - new_max) + weights.sum(dim=-1, keepdim=True)"
FLASH_OUT = "output = output * torch.exp(running_max - new_max) + weights @ values[..., start:stop, :]"
FLASH_BODY = (
    "num_queries, num_keys = queries.shape[-2], keys.shape[-2]\n"
    "    running_max = torch.full(queries.shape[:-1] + (1,), -torch.inf)\n"
    "    running_sum = torch.zeros(queries.shape[:-1] + (1,))\n"
    "    output = torch.zeros_like(queries)\n"
    "    for start in range(0, num_keys, block_size):\n"
    "        stop = min(start + block_size, num_keys)\n"
    f"        {FLASH_SCORES}\n"
    "        if causal:\n"
    f"            {FLASH_MASK}\n"
    "            scores = scores.masked_fill(future, -torch.inf)\n"
    "        new_max = torch.maximum(running_max, scores.max(dim=-1, keepdim=True).values)\n"
    "        weights = torch.exp(scores - new_max)\n"
    f"        {FLASH_SUM}\n"
    f"        {FLASH_OUT}\n"
    "        running_max = new_max\n"
    "    return output / running_sum"
)
KV_POSITION = "x_new = x_new + self.pe[position:position + 1]"
KV_UPDATE = (
    "self.cached_keys = torch.cat([self.cached_keys, key], dim=1)\n"
    "        self.cached_values = torch.cat([self.cached_values, value], dim=1)\n"
)
KV_PROJECT = "query, key, value = self.W_query(x_new), self.W_key(x_new), self.W_value(x_new)"
KV_ATTEND = (
    "scores = query @ self.cached_keys.transpose(1, 2) / key.shape[-1] ** 0.5\n"
    "        weights = torch.softmax(scores, dim=-1)\n"
    "        return weights @ self.cached_values"
)

ONLINE = {"online_softmax", "online_softmax_hidden"}
FLASH = {"flash_attention", "flash_attention_hidden"}
FLASH_CAUSAL = {"flash_causal", "flash_causal_hidden"}
KV = {"kv_cache", "kv_cache_hidden"}

MUTATIONS = [
    # the wrong submissions of the issue, one per catalogued mistake
    mutation(
        "online_sum_not_rescaled",
        [(ONLINE_SUM, ONLINE_SUM.replace(" * torch.exp(running_max - new_max)", ""))],
        breaks=ONLINE,
        mistake="online_sum_not_rescaled",
        description="the running sum keeps terms of the old maximum",
    ),
    mutation(
        "flash_sum_not_rescaled",
        [(FLASH_SUM, FLASH_SUM.replace(" * torch.exp(running_max - new_max)", ""))],
        breaks=FLASH | FLASH_CAUSAL,
        mistake="online_sum_not_rescaled",
        description="tiled attention: the running sum is not rescaled",
    ),
    mutation(
        "online_output_not_rescaled",
        [(FLASH_OUT, FLASH_OUT.replace(" * torch.exp(running_max - new_max)", ""))],
        breaks=FLASH | FLASH_CAUSAL,
        mistake="online_output_not_rescaled",
        description="tiled attention: the accumulated output is not rescaled",
    ),
    mutation(
        "causal_block_offset",
        [(FLASH_MASK, "future = torch.arange(stop - start)[None, :] > torch.arange(num_queries)[:, None]")],
        breaks=FLASH_CAUSAL,
        mistake="causal_block_offset",
        description="the causal mask of each block compares the queries with the block's own indices",
    ),
    mutation(
        "flash_no_scaling",
        [(FLASH_SCORES, FLASH_SCORES.replace(" / queries.shape[-1] ** 0.5", ""))],
        breaks=FLASH | FLASH_CAUSAL,
        mistake="no_scaling",
        description="tiled attention without 1/sqrt(d)",
    ),
    mutation(
        "cache_updated_after_attention",
        [
            (
                KV_UPDATE + "        " + KV_ATTEND,
                KV_ATTEND.replace("return weights @ self.cached_values", "output = weights @ self.cached_values")
                + "\n        "
                + KV_UPDATE
                + "        return output",
            )
        ],
        breaks=KV,
        mistake="cache_updated_after_attention",
        description="the new key and value are appended after the attention: a token never sees itself",
    ),
    mutation(
        "cache_position_offset",
        [(KV_POSITION, "x_new = x_new + self.pe[:x_new.shape[1]]")],
        breaks=KV,
        mistake="cache_position_offset",
        description="every new token gets the positional encoding of position 0",
    ),
    # families of mistakes, named wherever their kind of operation is used
    mutation(
        "online_sum_wrong_axis",
        [(ONLINE_SUM, ONLINE_SUM.replace(".sum(dim=-1, keepdim=True)", ".sum(dim=0, keepdim=True)"))],
        breaks=ONLINE,
        mistake="reduction_wrong_axis",
        description="the running sum adds up each block over dimension 0 instead of the last (its shapes clash)",
    ),
    mutation(
        "flash_weights_transposed",
        [(FLASH_OUT, FLASH_OUT.replace("weights @ values", "weights.mT @ values"))],
        breaks=FLASH | FLASH_CAUSAL,
        mistake="matmul_operand_transposed",
        description="the block's weights transposed before they meet the values (its shapes clash)",
    ),
    mutation(
        "flash_mask_hides_the_diagonal",
        [(FLASH_MASK, FLASH_MASK.replace("] > torch.arange", "] >= torch.arange"))],
        breaks=FLASH_CAUSAL,
        mistake="offset_off_by_one",
        description="the block's causal mask compares with >=: each query is hidden from itself",
    ),
    mutation(
        "flash_scaled_by_the_queries",
        [(FLASH_SCORES, FLASH_SCORES.replace("queries.shape[-1]", "queries.shape[-2]"))],
        breaks=FLASH | FLASH_CAUSAL,
        mistake="scale_wrong_size",
        description="the scores divided by the square root of the number of queries",
    ),
    mutation(
        "pasted_numbers",
        [("return torch.exp(scores - running_max) / running_sum", pasted(worked.ONLINE_SOFTMAX))],
        breaks={"online_softmax_hidden"},
        description="the printed weights pasted in place of code",
    ),
    # shortcuts: the same numbers without the algorithm the step teaches, seen by observing the computation
    mutation(
        "online_torch_softmax",
        [(ONLINE_BODY, "return torch.softmax(scores, dim=-1)")],
        breaks={"online_softmax_hidden"},
        mistake="softmax_over_all_keys",
        description="the online softmax as torch.softmax over the whole row",
    ),
    mutation(
        "flash_library_attention",
        [(FLASH_BODY, "return F.scaled_dot_product_attention(queries, keys, values, is_causal=causal)")],
        breaks={"flash_attention_hidden", "flash_causal_hidden"},
        mistake="attention_library_call",
        description="the tiled attention as one call of PyTorch's attention",
    ),
    mutation(
        "flash_full_score_matrix",
        [
            (
                FLASH_BODY,
                "scores = queries @ keys.transpose(-2, -1) / queries.shape[-1] ** 0.5\n"
                "    if causal:\n"
                "        future = torch.ones(scores.shape[-2:], dtype=torch.bool).triu(diagonal=1)\n"
                "        scores = scores.masked_fill(future, -torch.inf)\n"
                "    return torch.softmax(scores, dim=-1) @ values",
            )
        ],
        breaks={"flash_attention_hidden", "flash_causal_hidden"},
        mistake="full_score_matrix",
        description="the tiled attention as the whole score matrix and one softmax",
    ),
    mutation(
        "cache_recomputes_prefix",
        [
            (
                KV_PROJECT,
                "self.tokens = x_new if position == 0 else torch.cat([self.tokens, x_new], dim=1)\n"
                "        query = self.W_query(x_new)\n"
                "        keys, values = self.W_key(self.tokens), self.W_value(self.tokens)  # the whole prefix again\n"
                "        key, value = keys[:, -1:], values[:, -1:]",
            )
        ],
        breaks={"kv_cache_hidden"},
        mistake="cache_recomputes_prefix",
        description="each step projects every token so far, not only the new one",
    ),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation(
        "alt_online_one_score_at_a_time",
        [
            (
                ONLINE_BODY,
                "running_max = torch.full_like(scores[..., :1], float('-inf'))\n"
                "    running_sum = torch.zeros_like(scores[..., :1])\n"
                "    for j in range(scores.shape[-1]):  # blocks of one score\n"
                "        x = scores[..., j:j + 1]\n"
                "        new_max = torch.max(running_max, x)\n"
                "        running_sum = running_sum * (running_max - new_max).exp() + (x - new_max).exp()\n"
                "        running_max = new_max\n"
                "    return (scores - running_max).exp() / running_sum",
            )
        ],
        breaks=set(),
        description="one score at a time, Tensor.exp and torch.max of two tensors",
    ),
    mutation(
        "alt_online_amax_first_block",
        [
            (
                ONLINE_BODY,
                "blocks = torch.split(scores, block_size, dim=-1)\n"
                "    running_max = blocks[0].amax(dim=-1, keepdim=True)\n"
                "    running_sum = torch.exp(blocks[0] - running_max).sum(dim=-1, keepdim=True)\n"
                "    for block in blocks[1:]:\n"
                "        new_max = torch.maximum(running_max, block.amax(dim=-1, keepdim=True))\n"
                "        running_sum = running_sum * torch.exp(running_max - new_max)"
                " + torch.exp(block - new_max).sum(-1, True)\n"
                "        running_max = new_max\n"
                "    return torch.exp(scores - running_max) / running_sum",
            )
        ],
        breaks=set(),
        description="torch.split into blocks, the first block starting the statistics",
    ),
    mutation(
        "alt_online_logsumexp_merge",
        [
            (
                ONLINE_BODY,
                "log_total = torch.full(scores.shape[:-1] + (1,), -torch.inf)\n"
                "    for block in reversed(torch.split(scores, block_size, dim=-1)):  # any order: logaddexp commutes\n"
                "        log_total = torch.logaddexp(log_total, torch.logsumexp(block, dim=-1, keepdim=True))\n"
                "    return torch.exp(scores - log_total)",
            )
        ],
        breaks=set(),
        description="block logsumexps merged by torch.logaddexp, the blocks taken last to first",
    ),
    mutation(
        "alt_flash_logsumexp_merge",
        [
            (
                FLASH_BODY,
                "log_total = torch.full(queries.shape[:-1] + (1,), -torch.inf)\n"
                "    output = torch.zeros_like(queries)\n"
                "    blocks = zip(torch.split(keys, block_size, dim=-2), torch.split(values, block_size, dim=-2))\n"
                "    rows = torch.arange(queries.shape[-2])[:, None]\n"
                "    for start, (k, v) in zip(range(0, keys.shape[-2], block_size), blocks):\n"
                "        scores = queries @ k.transpose(-2, -1) / queries.shape[-1] ** 0.5\n"
                "        if causal:\n"
                "            future = torch.arange(start, start + k.shape[-2]) > rows\n"
                "            scores = scores.masked_fill(future, -torch.inf)\n"
                "        new_total = torch.logaddexp(log_total, torch.logsumexp(scores, dim=-1, keepdim=True))\n"
                "        output = output * torch.exp(log_total - new_total) + torch.exp(scores - new_total) @ v\n"
                "        log_total = new_total\n"
                "    return output",
            )
        ],
        breaks=set(),
        description="tiled attention keeping the log of the running sum, merged by torch.logaddexp, torch.split",
    ),
    mutation(
        "alt_flash_query_tiles_einsum",
        [
            (
                FLASH_BODY,
                "d = queries.shape[-1]\n"
                "    num_queries, num_keys = queries.shape[-2], keys.shape[-2]\n"
                "    outputs = []\n"
                "    for q_start in range(0, num_queries, block_size):  # tiles of queries too, as on a GPU\n"
                "        q = queries[..., q_start:q_start + block_size, :]\n"
                "        m = torch.full(q.shape[:-1] + (1,), float('-inf'))\n"
                "        l = torch.zeros_like(m)\n"
                "        o = torch.zeros_like(q)\n"
                "        for k_start in range(0, num_keys, block_size):\n"
                "            if causal and k_start > q_start + q.shape[-2] - 1:\n"
                "                break  # every key of this block and the next ones is in the future\n"
                "            k = keys[..., k_start:k_start + block_size, :]\n"
                "            v = values[..., k_start:k_start + block_size, :]\n"
                "            s = torch.einsum('...qd,...kd->...qk', q, k) / d ** 0.5\n"
                "            if causal:\n"
                "                rows = torch.arange(q_start, q_start + q.shape[-2])[:, None]\n"
                "                cols = torch.arange(k_start, k_start + k.shape[-2])[None, :]\n"
                "                s = torch.where(cols > rows, float('-inf'), s)\n"
                "            m_new = torch.maximum(m, s.amax(-1, keepdim=True))\n"
                "            p = torch.exp(s - m_new)\n"
                "            scale = torch.exp(m - m_new)\n"
                "            l = l * scale + p.sum(-1, keepdim=True)\n"
                "            o = o * scale + torch.einsum('...qk,...kd->...qd', p, v)\n"
                "            m = m_new\n"
                "        outputs.append(o / l)\n"
                "    return torch.cat(outputs, dim=-2)",
            )
        ],
        breaks=set(),
        description="tiles of queries and of keys, einsum, future blocks skipped",
    ),
    mutation(
        "alt_flash_triu_offset",
        [(FLASH_MASK, "future = torch.ones(num_queries, stop - start, dtype=torch.bool).triu(diagonal=1 - start)")],
        breaks=set(),
        description="the block's causal mask as triu with the diagonal shifted by the block start",
    ),
    mutation(
        "alt_kv_cache_sdpa",
        [
            (KV_POSITION, "x_new = x_new + self.pe[position]"),
            (
                KV_UPDATE + "        " + KV_ATTEND,
                "self.cached_keys = torch.cat((self.cached_keys, key), dim=-2)\n"
                "        self.cached_values = torch.cat((self.cached_values, value), dim=-2)\n"
                "        return F.scaled_dot_product_attention(query, self.cached_keys, "
                "self.cached_values)",
            ),
        ],
        breaks=set(),
        description="PyTorch's attention over the cache, the encoding of one position by an integer index",
    ),
]
