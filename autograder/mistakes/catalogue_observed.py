"""The catalogue's texts for assignment 08's shortcuts, which give the right numbers and are named from what the
code was observed to compute (:mod:`autograder.computation`), not from a slip; kept apart from :mod:`.catalogue` only
for its length. :data:`.catalogue.MISTAKES` lists them after 08's other mistakes."""

OBSERVED_MISTAKES: list[dict[str, str]] = [
    {
        "id": "softmax_over_all_keys",
        "title": "softmax, maximum or sum taken over all the keys at once",
        "explanation": (
            "The online softmax and the tiled attention read the scores one block at a time and keep only "
            "running statistics (maximum, sum, output). You reduced over all the keys at once (torch.softmax, "
            "or a max or sum of a whole row): the ordinary softmax, which needs the whole row in memory."
        ),
        "fix": "Loop over blocks of block_size keys; update the running statistics from each block only.",
    },
    {
        "id": "full_score_matrix",
        "title": "tiled attention built the whole score matrix",
        "explanation": (
            "Tiling exists so that the scores of all queries against all keys are never held at once: only "
            "one block of keys' scores (queries x block_size) at a time, merged into a running maximum, sum "
            "and output. Building the whole matrix gives the same numbers with none of the saving."
        ),
        "fix": "Compute the scores of one block of keys at a time, inside the loop over blocks.",
    },
    {
        "id": "attention_library_call",
        "title": "PyTorch's attention called instead of the tiles",
        "explanation": (
            "F.scaled_dot_product_attention computes attention over all the keys in one call: the numbers "
            "are right, but the step asks you to write the tiled algorithm (running maximum, sum and output) "
            "that such kernels implement."
        ),
        "fix": "Loop over blocks of keys and values and merge each block into the running statistics.",
    },
    {
        "id": "cache_recomputes_prefix",
        "title": "KV cache step recomputes the keys and values of the whole prefix",
        "explanation": (
            "The point of the cache is that earlier tokens' keys and values do not change: each step projects "
            "only the new token (one position) and attends over the keys and values the cache keeps. Projecting "
            "all the tokens so far again gives the same numbers at the cost of the uncached model."
        ),
        "fix": "Project x_new only; append its key and value to the cache, then attend over the cache.",
    },
]
