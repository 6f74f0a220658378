"""The catalogue's texts for the families of slips (:mod:`.families`: a reduction over the wrong axis, a matrix
product's operand transposed or swapped, an offset off by one, a scale by the wrong size) and for a size copied from
the worked example; kept apart from :mod:`.catalogue` only for its length. :data:`.catalogue.MISTAKES` lists them
last, so that a catalogued mistake that explains an answer more precisely is named first."""

FAMILY_MISTAKES: list[dict[str, str]] = [
    {
        "id": "reduction_wrong_axis",
        "title": "reduction over the wrong axis",
        "explanation": (
            "A sum, maximum or softmax here runs over the wrong dimension. Each query's scores and weights lie "
            "along the last dimension (the keys), so a reduction that belongs to one query must run along it; "
            "over another axis it mixes the numbers of different queries (or heads, or sentences)."
        ),
        "fix": "Name the axis of the keys: dim=-1 (with keepdim=True where the result is broadcast back).",
    },
    {
        "id": "matmul_operand_transposed",
        "title": "matrix product with an operand transposed or the two swapped",
        "explanation": (
            "In a @ b, row i of the result combines row i of a with the columns of b. A transposed operand, or "
            "the two operands in the other order, multiplies the wrong rows and columns: each output row then "
            "mixes the numbers of other tokens, or the shapes no longer fit."
        ),
        "fix": (
            "Write the product in the order of the formula, with the rows belonging to the queries first: "
            "queries @ keys.transpose(-2, -1) for the scores, weights @ values for the output."
        ),
    },
    {
        "id": "offset_off_by_one",
        "title": "mask or position off by one",
        "explanation": (
            "A mask or a position is shifted by one: a query sees one key too many or too few (its own position "
            "or the next one), or a token is given the position of its neighbour."
        ),
        "fix": (
            "Key j is hidden from query i exactly when j > i, and a new token's position is the number of tokens "
            "before it: check the comparison (> or >=) and the start of each range."
        ),
    },
    {
        "id": "scale_wrong_size",
        "title": "scaled by the wrong size",
        "explanation": (
            "The scores are divided by the square root of a size that is not the dimension of the keys: the "
            "number of tokens, of heads or of sentences, or the input's dimension. The scale belongs to the "
            "length of the vectors in each dot product, d_k, and to nothing else."
        ),
        "fix": "Divide by keys.shape[-1] ** 0.5 (in multi-head attention, the head's dimension).",
    },
    {
        "id": "worked_example_shape",
        "title": "a size taken from the worked example",
        "explanation": (
            "Your result has the shape of the worked example, not of the input it was given: this size is the "
            "worked example's (a number such as 6 written into torch.empty(6, 6) or a loop), so your code only "
            "works on that one input."
        ),
        "fix": "Use the input's shape: inputs.shape[0], scores.shape[-1], x.shape[1]... instead of a number.",
    },
]
