"""The catalog of named mistakes: what a wrong answer most likely came from.

A mistake is claimed only on evidence: the student's numbers match what the
known-wrong variant of the reference produces on the very same inputs (and that
variant differs from the right answer there), or a recorded warning shows it.
Otherwise the check just says what differs.

The catalog below is the one place where mistakes are named and explained. Each
assignment module registers, with :func:`detect`, on which of its checks a
mistake can occur and how to recognise it there; ``Mistake.checks`` lists them.
The README's table is printed from here (``attention-kit mistakes``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

Detector = Callable[["Evidence"], bool]


@dataclass
class Evidence:
    """What a check knows when an answer is wrong."""

    got: torch.Tensor
    expected: torch.Tensor
    case: dict
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Mistake:
    id: str
    title: str
    explanation: str
    fix: str

    @property
    def checks(self) -> list[str]:
        """The grade ids this mistake is detected on (registered by the assignments)."""
        from . import assignments  # noqa: F401  (importing registers every detector)

        return [grade_id for grade_id, found in DETECTORS.items() if any(m == self.id for m, _ in found)]


#: grade id -> [(mistake id, detector)], filled by the assignment modules through :func:`detect`
DETECTORS: dict[str, list[tuple[str, Detector]]] = {}


def detect(mistake_id: str, *grade_ids: str, detector: Detector) -> None:
    """Register that ``mistake_id`` can occur on these checks and how to recognise it."""
    if mistake_id not in BY_ID:
        raise KeyError(f"{mistake_id!r} is not in the catalog of mistakes")
    for grade_id in grade_ids:
        DETECTORS.setdefault(grade_id, []).append((mistake_id, detector))


def variant(wrong_answer: Callable[..., torch.Tensor], atol: float = 1e-4) -> Detector:
    """Detect a mistake by recomputing the wrong answer from the check's inputs.

    The wrong answer may even have another shape than the right one (context
    vectors of the inputs instead of the values have d_in columns, not d_out)."""

    def detect(evidence: Evidence) -> bool:
        try:
            wrong = wrong_answer(**evidence.case).to(torch.float64)
        except (RuntimeError, TypeError, KeyError, IndexError, ValueError):
            return False  # this variant cannot even be computed on these inputs
        if wrong.shape == evidence.expected.shape and torch.allclose(wrong, evidence.expected, atol=atol,
                                                                     equal_nan=True):
            return False  # on these inputs the mistake gives the right answer: no evidence
        return wrong.shape == evidence.got.shape and bool(torch.allclose(evidence.got, wrong, atol=atol,
                                                                         equal_nan=True))

    return detect


def advice(found: list["Mistake"]) -> str:
    """How a diagnosis reads, wherever it is shown."""
    return "\n".join(f"Likely mistake ({m.id}): {m.explanation}\n  Fix: {m.fix}" for m in found)


def overflowed(scores_key: str = "scores") -> Detector:
    """Non-finite weights where a naive exp/sum overflows on the same scores."""

    def detect_overflow(evidence: Evidence) -> bool:
        scores = evidence.case[scores_key]
        naive = torch.exp(scores) / torch.exp(scores).sum(dim=-1, keepdim=True)
        return bool(torch.isfinite(evidence.expected).all() and not torch.isfinite(naive).all()
                    and not torch.isfinite(evidence.got).all())

    return detect_overflow


def accumulated_into_uninitialised(evidence: Evidence) -> bool:
    """The answer is off by exactly the filler the probe put in ``torch.empty``'s memory."""
    from .probes import UNINITIALISED

    return bool(torch.allclose(evidence.got - evidence.expected,
                               torch.full_like(evidence.got, UNINITIALISED), atol=1e-2))


def warned(fragment: str) -> Detector:
    """The student's code raised a warning containing ``fragment`` (e.g. an implicit softmax dim)."""
    return lambda evidence: any(fragment in w for w in evidence.warnings)


CATALOG: list[Mistake] = [
    # Normalising scores into weights
    Mistake("softmax_dim0", "softmax over dimension 0",
            "You applied softmax down each column (dim=0), so every column sums to 1 instead of every row. "
            "Row i holds the weights of query i, so it is the rows that must sum to 1.",
            "Use torch.softmax(scores, dim=-1) (the last dimension: across each row)."),
    Mistake("softmax_no_dim", "softmax called without a dimension",
            "softmax(scores) without dim makes PyTorch guess the dimension (and warn about it); the guess depends "
            "on how many dimensions the tensor has, so the same code breaks as soon as a batch dimension appears.",
            "Always name it: softmax(scores, dim=-1)."),
    Mistake("sum_instead_of_softmax", "normalised by the sum instead of softmax",
            "You divided the scores by their sum. That also gives weights that add up to 1, but it is not softmax: "
            "softmax exponentiates first, which makes every weight positive and favours the largest scores.",
            "Use torch.softmax(scores, dim=-1), or exp(scores) divided by the sum of exp(scores)."),
    Mistake("softmax_instead_of_sum", "softmax where the step asks for the sum",
            "This step asks for the simplest normalisation, each score divided by the sum of all scores; "
            "you used softmax, which exponentiates first.",
            "Return scores / scores.sum()."),
    Mistake("naive_softmax_overflow", "naive softmax overflows on large scores",
            "exp(x) of a large score (about 89 or more in float32) is inf, and inf / inf is nan: a hand-written "
            "exp(x) / sum(exp(x)) breaks exactly where torch.softmax does not (it subtracts the maximum first).",
            "Use torch.softmax(scores, dim=-1), or subtract scores.max() before exponentiating."),
    # Context vectors
    Mistake("empty_accumulator", "context vector accumulated into torch.empty",
            "torch.empty returns uninitialised memory: whatever bytes were there before. Adding the weighted inputs "
            "to it gives a right answer only when that memory happens to be zero.",
            "Start the sum from torch.zeros(...) (or torch.zeros_like(inputs[0]))."),
    Mistake("weights_on_inputs", "weights applied to the inputs instead of the values",
            "You multiplied the attention weights with the inputs x. With trainable weights, the context vector is "
            "the weighted sum of the value vectors (x @ W_value), not of the inputs.",
            "Use attn_weights @ values."),
    Mistake("weighted_sum_wrong_axis", "weighted values summed over the wrong axis",
            "weighted_values[i, j] is value j scaled by query i's weight for it. Output i is the sum over j (the "
            "values), dim=1; summing over dim=0 adds up the same value across different queries.",
            "Sum over the values: weighted_values.sum(dim=1)."),
    # Scores and scaling
    Mistake("keys_queries_swapped", "keys @ queries.T instead of queries @ keys.T",
            "Row i of the scores must belong to query i: scores = queries @ keys.T. keys @ queries.T is its "
            "transpose, so after softmax each row mixes the scores of different queries.",
            "Write queries @ keys.T (or keys.transpose(-2, -1) with batches)."),
    Mistake("no_scaling", "scores not divided by sqrt(d_k)",
            "Scaled dot-product attention divides the scores by sqrt(d_k), the key dimension, before softmax. "
            "Without it, large dot products push softmax towards one-hot weights with tiny gradients.",
            "Use torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1)."),
    Mistake("scale_sqrt_d_in", "scaled by sqrt(d_in) instead of sqrt(d_k)",
            "You divided by the square root of the input dimension. The scale comes from the dimension of the "
            "vectors in the dot product: the keys' (and queries') dimension d_k = d_out.",
            "Divide by keys.shape[-1] ** 0.5."),
    Mistake("scale_d_k", "scaled by d_k instead of sqrt(d_k)",
            "You divided by d_k itself. The dot product of two d_k-dimensional vectors has a variance that grows "
            "like d_k, so its standard deviation grows like sqrt(d_k): that is what the scores are divided by.",
            "Divide by keys.shape[-1] ** 0.5, not by keys.shape[-1]."),
    Mistake("scale_sqrt_seq_len", "scaled by sqrt of the sequence length",
            "You divided by the square root of the number of tokens. The scale depends on the vector dimension "
            "d_k, not on how many tokens there are.",
            "Divide by keys.shape[-1] ** 0.5 (the last dimension of the keys)."),
    # Causal masks and dropout
    Mistake("mask_after_softmax_no_renorm", "mask applied after softmax without renormalising",
            "Zeroing the weights above the diagonal after softmax leaves rows that no longer sum to 1.",
            "Divide each masked row by its sum, or mask the scores with -inf before softmax."),
    Mistake("mask_fill_zero", "scores masked with 0 instead of -inf",
            "A masked score of 0 still gets weight exp(0) = 1 in softmax, so future tokens keep some attention. "
            "Only -inf becomes a weight of exactly 0.",
            "Use scores.masked_fill(mask, -torch.inf)."),
    Mistake("mask_diagonal", "mask hides the diagonal too",
            "Your mask also hides each token from itself (triu without diagonal=1). A token may attend to itself "
            "and to earlier tokens; only later tokens are hidden.",
            "Use torch.triu(torch.ones(n, n), diagonal=1) for the positions to hide."),
    Mistake("mask_one_future", "mask lets one future token through",
            "Your mask is shifted by one: each token can still see the token right after it.",
            "Hide exactly the positions j > i: torch.triu(..., diagonal=1) (or keep torch.tril(...) with diagonal=0)."),
    Mistake("triu_tril_swapped", "triu and tril swapped",
            "You hid the past instead of the future: tokens attend to later tokens and not to earlier ones.",
            "tril keeps the lower triangle (the past, visible); triu(diagonal=1) marks the future (hidden)."),
    Mistake("dropout_at_eval", "dropout active in evaluation mode",
            "Dropout must only act while training. In eval() mode the module must be deterministic.",
            "Use an nn.Dropout module (it switches off in eval()), not F.dropout with training=True."),
    Mistake("dropout_on_scores", "dropout applied to the scores instead of the weights",
            "Dropout belongs on the attention weights, after softmax; dropping scores before softmax changes "
            "which tokens are attended to in a different way.",
            "Apply self.dropout(attn_weights) after the softmax."),
    # Multi-head attention
    Mistake("heads_no_transpose", "heads split with view but not transposed",
            "After view(b, num_tokens, num_heads, head_dim) the heads must move before the tokens with "
            "transpose(1, 2); otherwise the matrix products mix tokens and heads.",
            "queries = queries.view(b, n, h, d).transpose(1, 2) (likewise keys and values)."),
    Mistake("heads_merged_wrong_order", "heads merged in the wrong order",
            "When merging, transpose back to (b, num_tokens, num_heads, head_dim) before view(b, num_tokens, d_out); "
            "viewing straight from (b, num_heads, num_tokens, head_dim) scrambles tokens and heads.",
            "context.transpose(1, 2).contiguous().view(b, num_tokens, d_out)."),
    Mistake("missing_out_proj", "output projection missing",
            "Multi-head attention ends with a linear layer (out_proj) that mixes the heads' outputs.",
            "Return self.out_proj(context_vec)."),
    # Transformer encoder
    Mistake("pe_sin_cos_swapped", "positional encoding with sin and cos swapped",
            "Even dimensions use sin and odd dimensions use cos: PE[pos, 2i] = sin(...), PE[pos, 2i+1] = cos(...).",
            "Put torch.sin on the even columns (0::2) and torch.cos on the odd columns (1::2)."),
    Mistake("pe_wrong_exponent", "positional encoding with the wrong frequency exponent",
            "The frequencies are 1 / 10000^(2i / d_model), where 2i is the even dimension index; using i / d_model "
            "gives the wrong wavelengths.",
            "Use torch.arange(0, d_model, 2) / d_model as the exponent."),
    Mistake("pre_norm_instead_of_post", "layer norm before the residual (pre-norm) where post-norm is asked",
            "This exercise asks for post-norm: x = LayerNorm(x + sublayer(x)). You normalised the input of the "
            "sub-layer instead (x + sublayer(LayerNorm(x))).",
            "Add the residual first, then normalise: self.norm1(x + self.dropout(self.attn(x)))."),
    Mistake("missing_residual", "residual connection missing",
            "Each sub-layer's output is added to its input before the layer norm: LayerNorm(x + sublayer(x)). "
            "Without the x +, the layer loses the information it was given.",
            "Use self.norm(x + self.dropout(sublayer(x)))."),
]

BY_ID: dict[str, Mistake] = {m.id: m for m in CATALOG}


def diagnose(grade_id: str, got: torch.Tensor, expected: torch.Tensor, case: dict,
             warnings: list[str] | None = None) -> list[Mistake]:
    """The catalog entries whose evidence the student's answer matches on this check."""
    evidence = Evidence(got.to(torch.float64), expected.to(torch.float64),
                        {k: v for k, v in case.items()}, list(warnings or []))
    found = [mistake_id for mistake_id, detector in DETECTORS.get(grade_id, []) if _safely(detector, evidence)]
    return [BY_ID[mistake_id] for mistake_id in dict.fromkeys(found)]


def _safely(detector: Detector, evidence: Evidence) -> bool:
    try:
        return bool(detector(evidence))
    except (RuntimeError, TypeError, KeyError, IndexError, ValueError):
        return False  # shapes too far from the reference to compare: no evidence
