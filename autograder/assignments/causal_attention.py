"""Checks of assignment 04: causal attention.

The step functions work on the 2-D scores and weights of the notebook's
SelfAttention_v2 (seed 789): the public checks compare with the worked values,
the hidden ones use fresh scores. The ``CausalAttention`` module is checked on the
batch of the worked example, then against PyTorch's
``scaled_dot_product_attention(..., is_causal=True)`` with the student's own
projection weights, and for three properties that outputs alone can hide: the
future never leaks, dropout is off in ``eval()`` mode, and in training mode dropout
zeroes attention weights (not scores) and scales the others by 1 / (1 - p).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..compare import as_tensor, expect_tensor, parameter
from ..framework import Assignment, CheckFailed
from ..mistakes import Evidence, detect, variant
from ..samples import mutation, pasted
from ..worked_values import causal_attention as worked
from ..worked_values.simplified_attention import INPUTS
from .fresh import HIDDEN_TOL, rand, randn

ASSIGNMENT = Assignment("04_causal_attention", "Causal attention: hiding the future")
check = ASSIGNMENT.check

BATCH = torch.stack((INPUTS, INPUTS))  # 2 x 6 x 3, as in the notebook
NEG_INF = float("-inf")


def _self_attention_v2_scores() -> tuple[torch.Tensor, torch.Tensor]:
    """The unrounded scores and weights of the notebook's SelfAttention_v2 (built after manual_seed(789))."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(worked.SA_V2_SEED)
        W_query, W_key, _ = [torch.nn.Linear(worked.D_IN, worked.D_OUT, bias=False) for _ in range(3)]
    with torch.no_grad():
        queries, keys = W_query(INPUTS), W_key(INPUTS)
        scores = queries @ keys.T
    return scores, torch.softmax(scores / keys.shape[-1] ** 0.5, dim=-1)


SCORES, WEIGHTS = _self_attention_v2_scores()


# ---------------------------------------------------------------- references and known wrong variants

#: which positions a mask hides (True = hidden), the right one and the catalogued wrong ones
HIDE = {
    "future": lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1),
    "diagonal": lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool)),  # triu without diagonal=1
    "one_future": lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=2),
    "past": lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=-1),  # tril and triu swapped
}


def attend(queries, keys, values, *, hide="future", fill=NEG_INF, scale=True, swapped=False, before=None):
    """Causal attention on projected queries/keys/values ((..., n, d)), optionally with a known mistake.

    ``before`` keeps only the outputs of the tokens before that position (the no-leak check)."""
    scores = keys @ queries.transpose(-2, -1) if swapped else queries @ keys.transpose(-2, -1)
    scores = scores.masked_fill(HIDE[hide](scores.shape[-1]), fill)
    if scale:
        scores = scores / keys.shape[-1] ** 0.5
    context = torch.softmax(scores, dim=-1) @ values
    return context if before is None else context[..., :before, :]


def linear(state: dict, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The weight and bias of the student's ``nn.Linear`` called ``name`` in a state_dict."""
    hint = f" ({name.split('.')[-1]} as an nn.Linear)"
    weight = parameter(state, f"{name}.weight", None, "Your module", hint=hint)
    if weight.dim() != 2:
        raise CheckFailed(f"Your module: `{name}.weight` should be the 2-D weight of an nn.Linear.")
    bias = state.get(f"{name}.bias")
    return weight, (bias.detach().float() if isinstance(bias, torch.Tensor) else None)


def project(state: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    weight, bias = linear(state, name)
    return F.linear(x, weight, bias)


def projections(state: dict, x: torch.Tensor, prefix: str = "") -> dict:
    """The student's queries, keys and values of ``x`` (the case the detectors recompute mistakes from)."""
    return {"queries": project(state, f"{prefix}W_query", x), "keys": project(state, f"{prefix}W_key", x),
            "values": project(state, f"{prefix}W_value", x)}


def output_of(result: dict, what: str) -> torch.Tensor:
    return as_tensor(result.get("output") if isinstance(result, dict) else result, what)


def ignore_shared_nan(got: torch.Tensor, expected: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero the positions where both are nan: checks of one property leave other bugs to the other checks."""
    if got.shape != expected.shape:
        return got, expected
    both = torch.isnan(got) & torch.isnan(expected)
    return got.masked_fill(both, 0.0), expected.masked_fill(both, 0.0)


# ---------------------------------------------------------------- the mask, step by step (2-D)

@check("causal_tril_mask", points=1, todo="Lower-triangular mask with torch.tril")
def check_tril_mask(student):
    case = {"context_length": worked.CONTEXT_LENGTH}
    got = student.call("causal_mask_simple", *case.values())
    return expect_tensor(got, worked.MASK_SIMPLE, what="6x6 mask", student=student, case=case,
                         hint="ones on and below the diagonal (what each token may see), zeros above it.")


@check("causal_tril_mask_hidden", points=1, todo="Mask of another length", hidden=True)
def check_tril_mask_hidden(student):
    case = {"context_length": 9}
    got = student.call("causal_mask_simple", *case.values())
    return expect_tensor(got, torch.tril(torch.ones(9, 9)), what="9x9 mask", student=student, case=case, **HIDDEN_TOL)


def _renormalised(attn_weights: torch.Tensor) -> torch.Tensor:
    masked = attn_weights * torch.tril(torch.ones_like(attn_weights))
    return masked / masked.sum(dim=-1, keepdim=True)


@check("causal_renorm", points=1, todo="Mask the weights and renormalise the rows")
def check_renorm(student):
    case = {"attn_weights": WEIGHTS}
    got = student.call("mask_and_renormalize", *case.values())
    return expect_tensor(got, worked.MASKED_WEIGHTS, what="Masked, renormalised 6x6 weights", student=student,
                         case=case, hint="each row must sum to 1 again after the mask.")


@check("causal_renorm_hidden", points=1, todo="Mask and renormalise (fresh weights)", hidden=True)
def check_renorm_hidden(student):
    case = {"attn_weights": torch.softmax(randn(411, 7, 7, scale=2.0), dim=-1)}
    got = student.call("mask_and_renormalize", *case.values())
    return expect_tensor(got, _renormalised(case["attn_weights"]), what="Masked, renormalised fresh 7x7 weights",
                         student=student, case=case, **HIDDEN_TOL)


@check("causal_masked_scores", points=1, todo="Scores masked with -inf above the diagonal")
def check_masked_scores(student):
    case = {"attn_scores": SCORES}
    got = student.call("mask_future_scores", *case.values())
    return expect_tensor(got, worked.MASKED_SCORES, what="Masked 6x6 scores", student=student, case=case)


@check("causal_masked_scores_hidden", points=1, todo="Scores masked with -inf (fresh scores)", hidden=True)
def check_masked_scores_hidden(student):
    case = {"attn_scores": randn(412, 5, 5)}
    got = student.call("mask_future_scores", *case.values())
    expected = case["attn_scores"].masked_fill(HIDE["future"](5), NEG_INF)
    return expect_tensor(got, expected, what="Masked fresh 5x5 scores", student=student, case=case, **HIDDEN_TOL)


def _causal_weights(attn_scores, d_k, *, fill=NEG_INF, scale=True):
    masked = attn_scores.masked_fill(HIDE["future"](attn_scores.shape[-1]), fill)
    return torch.softmax(masked / d_k ** 0.5 if scale else masked, dim=-1)


@check("causal_weights", points=1, todo="Causal weights: masked scores, then softmax")
def check_causal_weights(student):
    case = {"attn_scores": SCORES, "d_k": worked.D_OUT}
    got = student.call("causal_attention_weights", *case.values())
    return expect_tensor(got, worked.MASKED_WEIGHTS, what="Causal 6x6 attention weights", student=student, case=case,
                         hint="they must equal the masked, renormalised weights above.")


@check("causal_weights_hidden", points=1, todo="Causal weights (fresh scores)", hidden=True)
def check_causal_weights_hidden(student):
    case = {"attn_scores": randn(413, 7, 7, scale=1.5), "d_k": 4}
    got = student.call("causal_attention_weights", *case.values())
    return expect_tensor(got, _causal_weights(**case), what="Causal weights of fresh 7x7 scores (d_k = 4)",
                         student=student, case=case, **HIDDEN_TOL)


# ---------------------------------------------------------------- dropout

@check("causal_dropout", points=1, todo="Dropout (p=0.5) on a matrix of ones")
def check_dropout(student):
    case = {"x": torch.ones(6, 6), "p": worked.DROPOUT_RATE}
    got = student.call("apply_dropout", *case.values(), seed=worked.DROPOUT_SEED)
    return expect_tensor(got, worked.DROPOUT_ONES, what="Dropout(0.5) of torch.ones(6, 6) after torch.manual_seed(123)",
                         student=student, case=case,
                         hint="use torch.nn.Dropout(p) (a new module is in training mode), so the same seed drops "
                              "the same positions.")


@check("causal_dropout_hidden", points=1, todo="Dropout on fresh values", hidden=True)
def check_dropout_hidden(student):
    """Any dropout will do here: every value is either dropped (0) or kept and scaled by 1 / (1 - p)."""
    x, p = rand(414, 12, 10) + 0.5, 0.3
    what = "Dropout(0.3) of fresh 12x10 values"
    got = as_tensor(student.call("apply_dropout", x, p, seed=415), what)
    expected = torch.where(got == 0, 0.0, x.double() / (1 - p)) if got.shape == x.shape else x / (1 - p)
    message = expect_tensor(got, expected, what=f"{what} (zeros kept where you dropped)", student=student,
                            case={"x": x, "p": p}, **HIDDEN_TOL,
                            hint="a value that is kept must be scaled by 1 / (1 - p).")
    dropped = float((got == 0).double().mean())
    if not 0.15 <= dropped <= 0.45:
        raise CheckFailed(f"{what}: {dropped:.0%} of the values were dropped; with p = 0.3 about 30% should be.")
    return message


# ---------------------------------------------------------------- the CausalAttention module

@check("causal_module", points=1, todo="CausalAttention on the batch of the worked example")
def check_module(student):
    result = student.module("CausalAttention", worked.D_IN, worked.D_OUT, worked.CONTEXT_LENGTH, 0.0,
                            seed=worked.CAUSAL_SEED, forward=(BATCH,))
    got = output_of(result, "CausalAttention(3, 2, 6, 0.0)(batch)")
    return expect_tensor(got, worked.CAUSAL_CONTEXT_VECS, what="Context vectors of the 2x6x3 batch",
                         student=student, case=projections(result["state"], BATCH),
                         hint="create W_query, W_key, W_value in this order (the seed decides their weights).")


@check("causal_module_hidden", points=1, todo="CausalAttention vs PyTorch's causal attention", hidden=True)
def check_module_hidden(student):
    """Other batch sizes, lengths (shorter than context_length) and sizes, against scaled_dot_product_attention."""
    message = ""
    for (batch, tokens, d_in, d_out, context_length), seed in (((3, 4, 5, 3, 7), 421), ((1, 7, 3, 4, 7), 422)):
        x = rand(seed, batch, tokens, d_in)
        result = student.module("CausalAttention", d_in, d_out, context_length, 0.0, seed=seed, forward=(x,))
        what = f"CausalAttention({d_in}, {d_out}, {context_length}, 0.0) on a {batch}x{tokens}x{d_in} batch"
        case = projections(result["state"], x)
        expected = F.scaled_dot_product_attention(case["queries"], case["keys"], case["values"], is_causal=True)
        message = expect_tensor(output_of(result, what), expected, what=what, student=student, case=case, **HIDDEN_TOL,
                                hint="slice the mask to the number of tokens: self.mask[:num_tokens, :num_tokens].")
    return message


@check("causal_no_leak_hidden", points=1, todo="The future never leaks into the past", hidden=True)
def check_no_leak_hidden(student):
    """Change the tokens from position j on: the outputs of the tokens before j must not move."""
    j, x = 4, rand(431, 2, 7, 4)
    changed = x.clone()
    changed[:, j:] = rand(432, 2, 3, 4) + 1.0
    first = student.module("CausalAttention", 4, 3, 7, 0.0, seed=433, forward=(x,))
    second = student.module("CausalAttention", 4, 3, 7, 0.0, state=first["state"], forward=(changed,))
    what = f"Outputs of tokens 0..{j - 1} after changing tokens {j}..6"
    got, expected = ignore_shared_nan(output_of(second, what)[:, :j], output_of(first, what)[:, :j])
    return expect_tensor(got, expected, what=f"{what} (they must stay as they were)", student=student,
                         case={**projections(first["state"], changed), "before": j}, **HIDDEN_TOL,
                         hint="a token may only attend to itself and to the tokens before it.")


def _dropout_changed_the_output(evidence: Evidence) -> bool:
    """The eval check changes nothing but the dropout rate: any difference is dropout acting in eval()."""
    return evidence.got.shape == evidence.expected.shape


@check("causal_eval_hidden", points=1, todo="No dropout in eval() mode", hidden=True)
def check_eval_hidden(student):
    x = rand(441, 2, 5, 4)
    with_dropout = student.module("CausalAttention", 4, 3, 5, 0.5, seed=442, forward=(x,), train=False)
    without = student.module("CausalAttention", 4, 3, 5, 0.0, state=with_dropout["state"], forward=(x,), train=False)
    what = "In eval() mode, the output with dropout=0.5"
    got, expected = ignore_shared_nan(output_of(with_dropout, what), output_of(without, what))
    return expect_tensor(got, expected, what=f"{what} (it must equal the output with dropout=0.0)", student=student,
                         case={"x": x, "dropout": 0.5}, **HIDDEN_TOL)


def _dropped_before_softmax(evidence: Evidence) -> bool:
    """Rows still summing to 1 (or nan from dropped -inf scores) although training changed them."""
    got, weights = evidence.got, evidence.case["weights"]
    if got.shape != weights.shape:
        return False
    if (torch.isnan(got) & ~torch.isnan(weights)).any():
        return True  # dropout on scores that were already -inf: -inf * 0 is nan
    rows = ~torch.isnan(weights).any(-1)
    return bool(rows.any() and torch.allclose(got[rows].sum(-1), torch.ones_like(got[rows].sum(-1)), atol=1e-4)
                and not torch.allclose(got, weights, atol=1e-4, equal_nan=True))


@check("causal_train_dropout_hidden", points=1, todo="Dropout on the attention weights while training", hidden=True)
def check_train_dropout_hidden(student):
    """With one-hot inputs and W_value = identity, the output *is* the matrix of attention weights: in training it
    must be those weights with some zeroed and the rest scaled by 1 / (1 - p)."""
    n, p = 6, 0.5
    x = torch.eye(n).unsqueeze(0)  # one sentence, so that a failure can print the whole 6x6 matrix
    built = student.module("CausalAttention", n, n, n, p, seed=451)
    state = dict(built["state"])
    for name, weight in (("W_query", randn(452, n, n)), ("W_key", randn(453, n, n)), ("W_value", torch.eye(n))):
        linear(state, name)  # a clear failure if the layer is missing
        state[f"{name}.weight"] = weight
        if f"{name}.bias" in state:
            state[f"{name}.bias"] = torch.zeros(n)
    what = "Attention weights of one-hot inputs (W_value = identity)"
    weights = output_of(student.module("CausalAttention", n, n, n, 0.0, state=state, forward=(x,)), what)
    trained = output_of(student.module("CausalAttention", n, n, n, p, seed=454, state=state, forward=(x,), train=True),
                        what)
    expected = torch.where(trained == 0, 0.0, weights / (1 - p)) if trained.shape == weights.shape else weights
    got, expected = ignore_shared_nan(trained, expected)
    message = expect_tensor(got, expected, what=f"{what} in training mode with dropout=0.5", student=student,
                            case={"weights": weights, "p": p}, **HIDDEN_TOL,
                            hint="apply self.dropout to the attention weights, after the softmax.")
    if not ((trained == 0) & (weights > 0)).any():
        raise CheckFailed(f"{what}: in training mode with dropout=0.5 no attention weight was dropped.")
    return message


# ---------------------------------------------------------------- where each catalogued mistake shows up

MODULE_CHECKS = ("causal_module", "causal_module_hidden")
LEAKS = ("causal_no_leak_hidden",)

detect("triu_tril_swapped", "causal_tril_mask", "causal_tril_mask_hidden",
       detector=variant(lambda context_length: torch.triu(torch.ones(context_length, context_length))))
detect("mask_after_softmax_no_renorm", "causal_renorm", "causal_renorm_hidden",
       detector=variant(lambda attn_weights: attn_weights * torch.tril(torch.ones_like(attn_weights))))
detect("mask_fill_zero", "causal_masked_scores", "causal_masked_scores_hidden",
       detector=variant(lambda attn_scores: attn_scores.masked_fill(HIDE["future"](attn_scores.shape[-1]), 0.0)))
detect("mask_fill_zero", "causal_weights", "causal_weights_hidden",
       detector=variant(lambda attn_scores, d_k: _causal_weights(attn_scores, d_k, fill=0.0)))
detect("no_scaling", "causal_weights", "causal_weights_hidden",
       detector=variant(lambda attn_scores, d_k: _causal_weights(attn_scores, d_k, scale=False)))

for mistake_id, grade_ids, wrong in (
        ("mask_diagonal", MODULE_CHECKS, {"hide": "diagonal"}),
        ("mask_one_future", MODULE_CHECKS + LEAKS, {"hide": "one_future"}),
        ("triu_tril_swapped", MODULE_CHECKS + LEAKS, {"hide": "past"}),
        ("mask_fill_zero", MODULE_CHECKS + LEAKS, {"fill": 0.0}),
        ("keys_queries_swapped", MODULE_CHECKS, {"swapped": True}),
        ("no_scaling", MODULE_CHECKS, {"scale": False})):
    detect(mistake_id, *grade_ids,
           detector=variant(lambda queries, keys, values, before=None, _wrong=wrong:
                            attend(queries, keys, values, before=before, **_wrong)))
detect("dropout_at_eval", "causal_eval_hidden", detector=_dropout_changed_the_output)
detect("dropout_on_scores", "causal_train_dropout_hidden", detector=_dropped_before_softmax)


# ---------------------------------------------------------------- sample submissions

MODULE_MASK = "torch.triu(torch.ones(context_length, context_length), diagonal=1)"
MODULE_FILL = "attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)"
MODULE_SCORES = "attn_scores = queries @ keys.transpose(1, 2)"
MODULE_SOFTMAX = ("attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)\n"
                  "        attn_weights = self.dropout(attn_weights)")
MODULE_DROPOUT = "attn_weights = self.dropout(attn_weights)"
RENORM = "return masked_simple / masked_simple.sum(dim=-1, keepdim=True)"
SCORES_FILL = "return attn_scores.masked_fill(mask.bool(), -torch.inf)"
WEIGHTS_SOFTMAX = "return torch.softmax(masked / d_k**0.5, dim=-1)"
TRIL = "return torch.tril(torch.ones(context_length, context_length))"
DROPOUT = "dropout = torch.nn.Dropout(p)\n    return dropout(x)"

MODULE_BROKEN = {"causal_module", "causal_module_hidden"}

MUTATIONS = [
    # the wrong submissions of the issue
    mutation("mask_diagonal", [(MODULE_MASK, "torch.triu(torch.ones(context_length, context_length))")],
             breaks=MODULE_BROKEN, mistake="mask_diagonal",
             description="the module's mask comes from triu without diagonal=1: the diagonal is hidden too"),
    mutation("mask_fill_zero", [(SCORES_FILL, "return attn_scores.masked_fill(mask.bool(), 0)")],
             breaks={"causal_masked_scores", "causal_masked_scores_hidden", "causal_weights", "causal_weights_hidden"},
             mistake="mask_fill_zero", description="the future scores are set to 0 instead of -inf"),
    mutation("mask_after_softmax_no_renorm", [(RENORM, "return masked_simple")],
             breaks={"causal_renorm", "causal_renorm_hidden"}, mistake="mask_after_softmax_no_renorm",
             description="the weights are masked after softmax and the rows are not renormalised"),
    # one per catalogued mistake registered above
    mutation("triu_tril_swapped", [(TRIL, "return torch.triu(torch.ones(context_length, context_length))")],
             breaks={"causal_tril_mask", "causal_tril_mask_hidden"}, mistake="triu_tril_swapped",
             description="triu where the mask of visible positions asks for tril"),
    mutation("module_triu_tril_swapped",
             [(MODULE_MASK, "torch.tril(torch.ones(context_length, context_length), diagonal=-1)")],
             breaks=MODULE_BROKEN | {"causal_no_leak_hidden"}, mistake="triu_tril_swapped",
             description="the module hides the past instead of the future"),
    mutation("mask_one_future", [(MODULE_MASK, "torch.triu(torch.ones(context_length, context_length), diagonal=2)")],
             breaks=MODULE_BROKEN | {"causal_no_leak_hidden"}, mistake="mask_one_future",
             description="the module's mask lets each token see the next one"),
    mutation("module_mask_fill_zero", [(MODULE_FILL, MODULE_FILL.replace("-torch.inf", "0"))],
             breaks=MODULE_BROKEN | {"causal_no_leak_hidden"}, mistake="mask_fill_zero",
             description="the module fills the future scores with 0"),
    mutation("no_scaling", [(WEIGHTS_SOFTMAX, "return torch.softmax(masked, dim=-1)")],
             breaks={"causal_weights", "causal_weights_hidden"}, mistake="no_scaling",
             description="the causal weights are not scaled by sqrt(d_k)"),
    mutation("module_no_scaling", [(MODULE_SOFTMAX, MODULE_SOFTMAX.replace(" / keys.shape[-1]**0.5", ""))],
             breaks=MODULE_BROKEN, mistake="no_scaling", description="the module does not scale the scores"),
    mutation("keys_queries_swapped", [(MODULE_SCORES, "attn_scores = keys @ queries.transpose(1, 2)")],
             breaks=MODULE_BROKEN, mistake="keys_queries_swapped", description="keys @ queries.T in the module"),
    mutation("dropout_at_eval", [(MODULE_DROPOUT, "attn_weights = torch.nn.functional.dropout("
                                                  "attn_weights, p=self.dropout.p, training=True)")],
             breaks={"causal_eval_hidden"}, mistake="dropout_at_eval",
             description="F.dropout with training=True: dropout stays on in eval()"),
    mutation("dropout_on_scores", [(MODULE_SCORES, "attn_scores = self.dropout(queries @ keys.transpose(1, 2))"),
                                   (MODULE_DROPOUT + "\n", "")],
             breaks={"causal_train_dropout_hidden"}, mistake="dropout_on_scores",
             description="dropout on the scores, before the mask and softmax"),
    mutation("pasted_numbers", [(RENORM, pasted(worked.MASKED_WEIGHTS)),
                                (WEIGHTS_SOFTMAX, pasted(worked.MASKED_WEIGHTS)),
                                ("return dropout(x)", pasted(worked.DROPOUT_ONES))],
             breaks={"causal_renorm_hidden", "causal_weights_hidden", "causal_dropout_hidden"},
             description="the worked values pasted in place of code in three TO-DOs"),
    # correct alternatives: they must pass everything, with no diagnosis
    mutation("alt_tril_method", [(TRIL, "return torch.ones(context_length, context_length).tril()")], breaks=set(),
             description="Tensor.tril() instead of torch.tril"),
    mutation("alt_renorm_dim1", [(RENORM, "return masked_simple / masked_simple.sum(dim=1, keepdim=True)")],
             breaks=set(), description="row sums with dim=1"),
    mutation("alt_adding_inf_matrix",
             [(SCORES_FILL, "return attn_scores + torch.triu(torch.full((num_tokens, num_tokens), -torch.inf), "
                            "diagonal=1)")],
             breaks=set(), description="adding a matrix of -inf above the diagonal instead of masked_fill"),
    mutation("alt_functional_softmax", [(WEIGHTS_SOFTMAX, "return torch.nn.functional.softmax(masked / "
                                                          "torch.sqrt(torch.tensor(d_k)), dim=1)")],
             breaks=set(), description="F.softmax over dim=1 and torch.sqrt"),
    mutation("alt_functional_dropout", [(DROPOUT, "return torch.nn.functional.dropout(x, p=p, training=True)")],
             breaks=set(), description="F.dropout with training=True"),
    mutation("alt_einsum_matmul_where", [
        (MODULE_SCORES, "scores = torch.einsum('bqd,bkd->bqk', queries, keys)"),
        (MODULE_FILL, "attn_scores = torch.where(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf, scores)"),
        (MODULE_SOFTMAX, MODULE_SOFTMAX.replace("torch.softmax", "torch.nn.functional.softmax")),
        ("context_vec = attn_weights @ values", "context_vec = torch.matmul(attn_weights, values)"),
    ], breaks=set(), description="einsum, torch.where instead of masked_fill_, F.softmax and torch.matmul"),
    mutation("alt_bool_mask_buffer", [(MODULE_MASK, "torch.ones(context_length, context_length, dtype=torch.bool)"
                                                    ".triu(diagonal=1)")],
             breaks=set(), description="the mask buffer stored as booleans"),
]
