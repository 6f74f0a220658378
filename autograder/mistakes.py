"""The catalog of named mistakes, and the operations they are slips of.

A check's reference is written once with the operations of :data:`OPERATIONS`, through an
:class:`Ops` (``ops.softmax(scores)``, ``ops.mask_fill(scores, ops.hide_future(n))``...). Each
catalogued mistake says which operation it gets wrong and how (its :class:`Slip`). Wherever a
reference uses an operation, every mistake about that operation is considered there, with no
registration check by check: :func:`variants` reruns the reference with the slip in place of the
operation (at each place it is used, and at all of them at once) and keeps the results that differ
from the right answer. A wrong answer equal to one of them names the mistake.

Some evidence is not a recomputed number: a warning the student's code raised (softmax without
``dim``), memory from ``torch.empty`` made visible by the probe, or a property that a check
observes (dropout left on in ``eval()``). The first two follow from the operation or the probe;
the last are detectors the property checks pass explicitly.

The catalog is the one place where mistakes are named and explained; the README's table is
printed from here (``attention-kit mistakes``).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterator

import torch
import torch.nn.functional as F

from .attention_check import Mistake, close, error_signature

# ----------------------------------------------------------------------------------------- the operations

#: name -> the right way; a reference calls them through :class:`Ops`
OPERATIONS: dict[str, Callable] = {}


def operation(func: Callable) -> Callable:
    OPERATIONS[func.__name__] = func
    return func


@operation
def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Scores into weights along ``dim`` (the keys' axis: each query's weights sum to 1)."""
    return torch.softmax(x, dim=dim)


@operation
def normalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Scores divided by their sum: the simplest normalisation (assignment 01)."""
    return x / x.sum(dim=dim, keepdim=True)


@operation
def renormalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Masked weights divided by their row sums again, so that each row sums to 1."""
    return x / x.sum(dim=dim, keepdim=True)


@operation
def scores(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """Row i holds query i's dot products with every key."""
    return queries @ keys.transpose(-2, -1)


@operation
def scale(scores: torch.Tensor, d_k: int, d_in: int | None = None) -> torch.Tensor:
    """Divide by sqrt(d_k), the keys' dimension (``d_in`` only serves the slip that uses it)."""
    return scores / d_k ** 0.5


@operation
def hide_future(n: int) -> torch.Tensor:
    """True where a query may not look: the keys after it."""
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


@operation
def keep_past(n: int) -> torch.Tensor:
    """1 where a query may look (itself and the keys before it), 0 elsewhere."""
    return torch.tril(torch.ones(n, n))


@operation
def mask_fill(scores: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
    """Hidden scores become -inf, so that softmax gives them a weight of exactly 0 (in place on a copy, so
    that shapes that do not fit fail as the notebooks' ``masked_fill_`` fails)."""
    return scores.clone().masked_fill_(hidden, float("-inf"))


@operation
def values_of(values: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
    """What the attention weights are applied to: the values (``inputs`` only serves the slip)."""
    return values


@operation
def sum_weighted(weighted_values: torch.Tensor) -> torch.Tensor:
    """weighted_values[i, j] is value j scaled by query i's weight: output i sums over j."""
    return weighted_values.sum(dim=1)


@operation
def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(b, tokens, d_out) -> (b, heads, tokens, head_dim)."""
    b, n, d = x.shape
    return x.view(b, n, num_heads, d // num_heads).transpose(1, 2)


@operation
def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(b, heads, tokens, head_dim) -> (b, tokens, d_out)."""
    b, h, n, d = x.shape
    return x.transpose(1, 2).reshape(b, n, h * d)


@operation
def out_proj(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """The linear layer that mixes the heads' outputs."""
    return F.linear(x, weight, bias)


@operation
def sublayer(x: torch.Tensor, layer: Callable, norm: Callable) -> torch.Tensor:
    """A post-norm residual block: norm(x + layer(x))."""
    return norm(x + layer(x))


@operation
def positional_encoding(num_positions: int, d_model: int) -> torch.Tensor:
    """The sinusoidal encoding, written out with loops and ``math`` (apart from any vector code)."""
    return _sinusoids(num_positions, d_model)


def _sinusoids(num_positions: int, d_model: int, *, swapped: bool = False, exponent: str = "2i") -> torch.Tensor:
    table = [[0.0] * d_model for _ in range(num_positions)]
    for pos in range(num_positions):
        for column in range(d_model):
            pair = column // 2
            power = {"2i": 2 * pair, "i": pair, "column": column}[exponent]
            angle = pos / math.pow(10000.0, power / d_model)
            use_sin = (column % 2 == 0) != swapped
            table[pos][column] = math.sin(angle) if use_sin else math.cos(angle)
    return torch.tensor(table, dtype=torch.float64)


class ReferenceMismatch(AssertionError):
    """A check's reference disagrees with its expected value: a bug of the kit, which its tests catch."""


class NotApplicable(Exception):
    """A slip that cannot happen in this call (it needs an input the reference does not have)."""


def _implicit_softmax_dim(x: torch.Tensor) -> int:
    """The dimension PyTorch picks (with a warning) for softmax(x) without dim."""
    return 0 if x.dim() in (0, 1, 3) else 1


def _needs(value):
    if value is None:
        raise NotApplicable
    return value


# ----------------------------------------------------------------------------------------- the catalog

@dataclass(frozen=True)
class Slip:
    """A mistake written as an operation done wrong: ``op`` computed by ``wrong`` instead."""

    op: str
    wrong: Callable


@dataclass(frozen=True)
class CatalogEntry(Mistake):
    """A mistake, what it is a slip of, and the warning that gives it away (if any)."""

    slips: tuple[Slip, ...] = ()
    warning: str | None = None

    @property
    def ops(self) -> set[str]:
        return {s.op for s in self.slips}


def entry(id: str, title: str, explanation: str, fix: str, *slips: tuple[str, Callable],
          warning: str | None = None) -> CatalogEntry:
    return CatalogEntry(id, title, explanation, fix, tuple(Slip(op, wrong) for op, wrong in slips), warning)


#: the start of the warning PyTorch raises for softmax(x) without dim
IMPLICIT_SOFTMAX_DIM = "Implicit dimension choice for softmax"

CATALOG: list[CatalogEntry] = [
    # Normalising scores into weights
    entry("softmax_dim0", "softmax over dimension 0",
          "You applied softmax over dimension 0 (down each column), so it is not each query's weights that sum to "
          "1. The weights of a query lie along the last dimension, the keys.",
          "Use torch.softmax(scores, dim=-1) (the last dimension: across each row).",
          ("softmax", lambda x, dim=-1: torch.softmax(x, dim=0))),
    entry("softmax_no_dim", "softmax called without a dimension",
          "softmax(scores) without dim makes PyTorch guess the dimension (and warn about it); the guess depends "
          "on how many dimensions the tensor has, so the same code breaks as soon as a batch dimension appears.",
          "Always name it: softmax(scores, dim=-1).",
          ("softmax", lambda x, dim=-1: torch.softmax(x, dim=_implicit_softmax_dim(x))),
          warning=IMPLICIT_SOFTMAX_DIM),
    entry("sum_instead_of_softmax", "normalised by the sum instead of softmax",
          "You divided the scores by their sum. That also gives weights that add up to 1, but it is not softmax: "
          "softmax exponentiates first, which makes every weight positive and favours the largest scores.",
          "Use torch.softmax(scores, dim=-1), or exp(scores) divided by the sum of exp(scores).",
          ("softmax", lambda x, dim=-1: x / x.sum(dim=dim, keepdim=True))),
    entry("softmax_instead_of_sum", "softmax where the step asks for the sum",
          "This step asks for the simplest normalisation, each score divided by the sum of all scores; "
          "you used softmax, which exponentiates first.",
          "Return scores / scores.sum().",
          ("normalise", lambda x, dim=-1: torch.softmax(x, dim=dim))),
    entry("naive_softmax_overflow", "naive softmax overflows on large scores",
          "exp(x) of a large score (about 89 or more in float32) is inf, and inf / inf is nan: a hand-written "
          "exp(x) / sum(exp(x)) breaks exactly where torch.softmax does not (it subtracts the maximum first).",
          "Use torch.softmax(scores, dim=-1), or subtract scores.max() before exponentiating.",
          ("softmax", lambda x, dim=-1: torch.exp(x.float()) / torch.exp(x.float()).sum(dim=dim, keepdim=True))),
    entry("normalised_wrong_axis", "divided by the sums of the wrong axis",
          "Each query's weights (a row) must sum to 1, so each row is divided by its own sum. Dividing by the "
          "column sums (sum over dim=0) makes the columns sum to 1 instead.",
          "Divide by x.sum(dim=-1, keepdim=True).",
          ("normalise", lambda x, dim=-1: x / x.sum(dim=0, keepdim=True)),
          ("renormalise", lambda x, dim=-1: x / x.sum(dim=0, keepdim=True))),
    # Context vectors
    entry("empty_accumulator", "context vector accumulated into torch.empty",
          "torch.empty returns uninitialised memory: whatever bytes were there before. Adding the weighted inputs "
          "to it gives a right answer only when that memory happens to be zero.",
          "Start the sum from torch.zeros(...) (or torch.zeros_like(inputs[0]))."),
    entry("weights_on_inputs", "weights applied to the inputs instead of the values",
          "You multiplied the attention weights with the inputs x. With trainable weights, the context vector is "
          "the weighted sum of the value vectors (x @ W_value), not of the inputs.",
          "Use attn_weights @ values.",
          ("values_of", lambda values, inputs=None: _needs(inputs))),
    entry("weighted_sum_wrong_axis", "weighted values summed over the wrong axis",
          "weighted_values[i, j] is value j scaled by query i's weight for it. Output i is the sum over j (the "
          "values), dim=1; summing over dim=0 adds up the same value across different queries.",
          "Sum over the values: weighted_values.sum(dim=1).",
          ("sum_weighted", lambda weighted_values: weighted_values.sum(dim=0))),
    # Scores and scaling
    entry("keys_queries_swapped", "keys @ queries.T instead of queries @ keys.T",
          "Row i of the scores must belong to query i: scores = queries @ keys.T. keys @ queries.T is its "
          "transpose, so after softmax each row mixes the scores of different queries.",
          "Write queries @ keys.T (or keys.transpose(-2, -1) with batches).",
          ("scores", lambda queries, keys: keys @ queries.transpose(-2, -1))),
    entry("no_scaling", "scores not divided by sqrt(d_k)",
          "Scaled dot-product attention divides the scores by sqrt(d_k), the key dimension, before softmax. "
          "Without it, large dot products push softmax towards one-hot weights with tiny gradients.",
          "Use torch.softmax(attn_scores / keys.shape[-1] ** 0.5, dim=-1).",
          ("scale", lambda scores, d_k, d_in=None: scores)),
    entry("scale_sqrt_d_in", "scaled by sqrt(d_in) instead of sqrt(d_k)",
          "You divided by the square root of the input dimension. The scale comes from the dimension of the "
          "vectors in the dot product: the keys' (and queries') dimension d_k = d_out.",
          "Divide by keys.shape[-1] ** 0.5.",
          ("scale", lambda scores, d_k, d_in=None: scores / _needs(d_in) ** 0.5)),
    entry("scale_d_k", "scaled by d_k instead of sqrt(d_k)",
          "You divided by d_k itself. The dot product of two d_k-dimensional vectors has a variance that grows "
          "like d_k, so its standard deviation grows like sqrt(d_k): that is what the scores are divided by.",
          "Divide by keys.shape[-1] ** 0.5, not by keys.shape[-1].",
          ("scale", lambda scores, d_k, d_in=None: scores / d_k)),
    entry("scale_sqrt_seq_len", "scaled by sqrt of the sequence length",
          "You divided by the square root of the number of tokens. The scale depends on the vector dimension "
          "d_k, not on how many tokens there are.",
          "Divide by keys.shape[-1] ** 0.5 (the last dimension of the keys).",
          ("scale", lambda scores, d_k, d_in=None: scores / scores.shape[-1] ** 0.5)),
    # Causal masks and dropout
    entry("mask_after_softmax_no_renorm", "mask applied after softmax without renormalising",
          "Zeroing the weights above the diagonal after softmax leaves rows that no longer sum to 1.",
          "Divide each masked row by its sum, or mask the scores with -inf before softmax.",
          ("renormalise", lambda x, dim=-1: x)),
    entry("mask_fill_zero", "scores masked with 0 instead of -inf",
          "A masked score of 0 still gets weight exp(0) = 1 in softmax, so future tokens keep some attention. "
          "Only -inf becomes a weight of exactly 0.",
          "Use scores.masked_fill(mask, -torch.inf).",
          ("mask_fill", lambda scores, hidden: scores.clone().masked_fill_(hidden, 0.0))),
    entry("mask_diagonal", "mask hides the diagonal too",
          "Your mask also hides each token from itself (triu without diagonal=1). A token may attend to itself "
          "and to earlier tokens; only later tokens are hidden.",
          "Use torch.triu(torch.ones(n, n), diagonal=1) for the positions to hide.",
          ("hide_future", lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=0)),
          ("keep_past", lambda n: torch.tril(torch.ones(n, n), diagonal=-1))),
    entry("mask_one_future", "mask lets one future token through",
          "Your mask is shifted by one: each token can still see the token right after it.",
          "Hide exactly the positions j > i: torch.triu(..., diagonal=1) (or keep torch.tril(...) with diagonal=0).",
          ("hide_future", lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=2)),
          ("keep_past", lambda n: torch.tril(torch.ones(n, n), diagonal=1))),
    entry("triu_tril_swapped", "triu and tril swapped",
          "You hid the past instead of the future: tokens attend to later tokens and not to earlier ones.",
          "tril keeps the lower triangle (the past, visible); triu(diagonal=1) marks the future (hidden).",
          ("hide_future", lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=-1)),
          ("hide_future", lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=1)),
          ("keep_past", lambda n: torch.triu(torch.ones(n, n)))),
    entry("dropout_at_eval", "dropout active in evaluation mode",
          "Dropout must only act while training. In eval() mode the module must be deterministic.",
          "Use an nn.Dropout module (it switches off in eval()), not F.dropout with training=True."),
    entry("dropout_on_scores", "dropout applied to the scores instead of the weights",
          "Dropout belongs on the attention weights, after softmax; dropping scores before softmax changes "
          "which tokens are attended to in a different way.",
          "Apply self.dropout(attn_weights) after the softmax."),
    # Multi-head attention
    entry("heads_no_transpose", "heads split with view but not transposed",
          "After view(b, num_tokens, num_heads, head_dim) the heads must move before the tokens with "
          "transpose(1, 2); otherwise the matrix products mix tokens and heads.",
          "queries = queries.view(b, n, h, d).transpose(1, 2) (likewise keys and values).",
          ("split_heads", lambda x, num_heads: x.reshape(x.shape[0], num_heads, x.shape[1], -1)),
          ("split_heads", lambda x, num_heads: x.reshape(*x.shape[:2], num_heads, -1))),
    entry("heads_merged_wrong_order", "heads merged in the wrong order",
          "When merging, transpose back to (b, num_tokens, num_heads, head_dim) before view(b, num_tokens, d_out); "
          "viewing straight from (b, num_heads, num_tokens, head_dim) scrambles tokens and heads.",
          "context.transpose(1, 2).contiguous().view(b, num_tokens, d_out).",
          ("merge_heads", lambda x: x.reshape(x.shape[0], x.shape[2], -1))),
    entry("missing_out_proj", "output projection missing",
          "Multi-head attention ends with a linear layer (out_proj) that mixes the heads' outputs.",
          "Return self.out_proj(context_vec).",
          ("out_proj", lambda x, weight, bias: x)),
    # Transformer encoder
    entry("pe_sin_cos_swapped", "positional encoding with sin and cos swapped",
          "Even dimensions use sin and odd dimensions use cos: PE[pos, 2i] = sin(...), PE[pos, 2i+1] = cos(...).",
          "Put torch.sin on the even columns (0::2) and torch.cos on the odd columns (1::2).",
          ("positional_encoding", lambda n, d: _sinusoids(n, d, swapped=True))),
    entry("pe_wrong_exponent", "positional encoding with the wrong frequency exponent",
          "The frequencies are 1 / 10000^(2i / d_model), where 2i is the even dimension index; using i / d_model "
          "gives the wrong wavelengths.",
          "Use torch.arange(0, d_model, 2) / d_model as the exponent.",
          ("positional_encoding", lambda n, d: _sinusoids(n, d, exponent="i")),
          ("positional_encoding", lambda n, d: _sinusoids(n, d, exponent="column"))),
    entry("pre_norm_instead_of_post", "layer norm before the residual (pre-norm) where post-norm is asked",
          "This exercise asks for post-norm: x = LayerNorm(x + sublayer(x)). You normalised the input of the "
          "sub-layer instead (x + sublayer(LayerNorm(x))).",
          "Add the residual first, then normalise: self.norm1(x + self.dropout(self.attn(x))).",
          ("sublayer", lambda x, layer, norm: x + layer(norm(x)))),
    entry("missing_residual", "residual connection missing",
          "Each sub-layer's output is added to its input before the layer norm: LayerNorm(x + sublayer(x)). "
          "Without the x +, the layer loses the information it was given.",
          "Use self.norm(x + self.dropout(sublayer(x))).",
          ("sublayer", lambda x, layer, norm: norm(layer(x)))),
]

BY_ID: dict[str, CatalogEntry] = {m.id: m for m in CATALOG}
assert all(s.op in OPERATIONS for m in CATALOG for s in m.slips), "a slip of an unknown operation"


# ----------------------------------------------------------------------------------------- references and variants

class Ops:
    """The operations a reference is written with.

    Every call is recorded (which operations a reference uses, in order), and ``slip`` can
    replace one operation: at its ``at``-th use, or at every use when ``at`` is None.
    """

    def __init__(self, slip: Slip | None = None, at: int | None = None):
        self.slip, self.at, self.uses = slip, at, []

    def __getattr__(self, name: str) -> Callable:
        if name not in OPERATIONS:
            raise AttributeError(f"{name!r} is not an operation of autograder.mistakes")

        def run(*args, **kwargs):
            index = self.uses.count(name)
            self.uses.append(name)
            if self.slip is not None and self.slip.op == name and self.at in (None, index):
                return self.slip.wrong(*args, **kwargs)
            return OPERATIONS[name](*args, **kwargs)

        return run


#: what a reference is: a function of the operations that returns the check's right answer
Reference = Callable[[Ops], torch.Tensor]


def uses(reference: Reference) -> Counter:
    """How many times the reference uses each operation."""
    recorder = Ops()
    reference(recorder)
    return Counter(recorder.uses)


def variants(reference: Reference, expected: torch.Tensor, atol: float = 1e-4, rtol: float = 0.0,
             consistent: bool = True) -> Iterator[tuple[CatalogEntry, object]]:
    """The known wrong answers on the reference's own inputs, lazily: each catalogued slip of an
    operation the reference uses, at each place it is used and at all of them.

    A variant equal to the right answer is no evidence and is left out. A variant whose computation
    raises is kept as the signature of its error: code that raises the same error likely has that
    mistake (a head split without transpose can make the attention's shapes clash).
    """
    recorder = Ops()
    right = reference(recorder).detach().to(torch.float64)
    counts, expected = Counter(recorder.uses), expected.detach().to(torch.float64)
    if consistent and not close(right, expected, max(atol, 1e-4), max(rtol, 1e-4), equal_nan=True):
        raise ReferenceMismatch(f"the check's reference gives {right.tolist()}, not its expected value")
    for mistake in CATALOG:
        for slip in mistake.slips:
            count = counts.get(slip.op, 0)
            for at in ([None] if count == 1 else [*range(count), None]) if count else []:
                try:
                    wrong = reference(Ops(slip, at))
                except NotApplicable:
                    continue
                except (RuntimeError, ValueError, IndexError, TypeError) as exc:
                    yield mistake, error_signature(type(exc).__name__, str(exc))
                    continue
                wrong = wrong.detach().to(torch.float64)
                if not close(wrong, expected, atol, rtol, equal_nan=True):
                    yield mistake, wrong


def warned_mistakes(reference: Reference) -> list[CatalogEntry]:
    """Mistakes a warning gives away, about an operation this reference uses."""
    used = set(uses(reference))
    return [m for m in CATALOG if m.warning and m.ops & used]

