"""Checks of assignment 03: scaled dot-product attention with trainable weights.

Seed 001's second half: the six words of assignment 01, ``torch.manual_seed(123)``,
``d_in=3``, ``d_out=2``. Public checks compare with the seed's printed numbers (the
``SelfAttention_v2`` and weight-copy checks load the seed's weights, transposed).
Hidden checks build the student's modules with other sizes, read the weights they
created from their ``state_dict`` and compare the output with PyTorch's own
``scaled_dot_product_attention`` on the same projections.

The notebook teaches 2-D inputs (one sentence, ``keys.T``); batches come with the
causal attention of assignment 04, so no check here feeds a batch. softmax without
``dim`` fails the softmax checks even with the right numbers, as in assignment 02
(see :mod:`.attention_common`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..compare import expect_tensor
from ..framework import Assignment, CheckFailed
from ..mistakes import detect, variant, warned
from ..samples import mutation, pasted
from ..worked_values import scaled_dot_product as worked
from .attention_common import IMPLICIT_SOFTMAX_DIM, refuse_implicit_softmax_dim
from .fresh import HIDDEN_TOL, generator, rand, randn

ASSIGNMENT = Assignment("03_scaled_dot_product_attention", "Scaled dot-product attention with trainable weights")
check = ASSIGNMENT.check


def _seed_weights() -> dict[str, torch.Tensor]:
    """W_query, W_key, W_value as seed 001 draws them after torch.manual_seed(123) (without touching the global RNG)."""
    g = generator(worked.SEED)
    return {name: torch.rand(worked.D_IN, worked.D_OUT, generator=g) for name in ("W_query", "W_key", "W_value")}


SEED_WEIGHTS = _seed_weights()
KEYS = worked.INPUTS @ SEED_WEIGHTS["W_key"]
EXACT_SCORES_2 = (worked.INPUTS[worked.QUERY_INDEX] @ SEED_WEIGHTS["W_query"]) @ KEYS.T  # unrounded ATTN_SCORES_2
V1_NAMES = ("W_query", "W_key", "W_value")
V2_NAMES = ("W_query.weight", "W_key.weight", "W_value.weight")


# ----------------------------------------------------------------------------------------------------------
# Scaled softmax weights


def _weights_check(student, case: dict, expected: torch.Tensor, what: str, tol: dict) -> str:
    got = student.call("scaled_attention_weights", *case.values())
    message = expect_tensor(got, expected, what=what, student=student, case=case,
                            hint="divide the scores by sqrt(d_k), d_k = keys.shape[-1], then softmax over dim=-1.",
                            **tol)
    refuse_implicit_softmax_dim(student, what)
    return message


@check("sdpa_weights", points=1, todo="Scaled weights: softmax(scores / sqrt(d_k))")
def check_weights(student):
    case = {"scores": EXACT_SCORES_2, "keys": KEYS}
    return _weights_check(student, case, worked.ATTN_WEIGHTS_2, "Scaled attention weights of journey", {})


@check("sdpa_weights_hidden", points=1, todo="Scaled weights (fresh 5x5 scores, d_k=3)", hidden=True)
def check_weights_hidden(student):
    queries, keys = randn(301, 5, 3, scale=1.5), randn(302, 5, 3, scale=1.5)
    case = {"scores": queries @ keys.T, "keys": keys}
    expected = F.scaled_dot_product_attention(queries, keys, torch.eye(5))  # values = identity: the output is the weights
    return _weights_check(student, case, expected, "Scaled weights of fresh 5x5 scores (keys of dimension 3)",
                          HIDDEN_TOL)


# ----------------------------------------------------------------------------------------------------------
# The modules


def _module_state(student, cls: str, *init_args, seed: int | None, forward: tuple | None = None,
                  state: dict | None = None, names: tuple, shape: tuple) -> dict:
    """Build the student's module; fail clearly if its parameters are not the ones the notebook asks for."""
    answer = student.module(cls, *init_args, seed=seed, forward=forward, state=state)
    got = answer.get("state") if isinstance(answer, dict) else None
    if not isinstance(got, dict):
        raise CheckFailed(f"`{cls}`: the grader could not read the module's parameters.")
    if sorted(got) != sorted(names):
        raise CheckFailed(f"`{cls}({', '.join(map(str, init_args))})` should have exactly the parameters "
                          f"{', '.join(names)}; it has {', '.join(sorted(got)) or 'none'}. The checks read the weights "
                          "by these names: keep the names the notebook asks for (and no bias).")
    for name in names:
        tensor = got[name]
        if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) != shape:
            size = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
            raise CheckFailed(f"`{cls}({', '.join(map(str, init_args))})`: {name} should have shape {shape}, "
                              f"got {size}.")
    return answer


def _context(x, w_query, w_key, w_value, *, scale="sqrt_d_k", swap=False, softmax_dim=-1, on_inputs=False):
    """Self-attention from (d_in, d_out) weights, or one of its known-wrong variants."""
    queries, keys, values = x @ w_query, x @ w_key, x @ w_value
    scores = keys @ queries.mT if swap else queries @ keys.mT
    d_k, d_in, num_tokens = keys.shape[-1], x.shape[-1], x.shape[-2]
    divisor = {"sqrt_d_k": d_k ** 0.5, "none": 1.0, "sqrt_d_in": d_in ** 0.5, "d_k": d_k,
               "sqrt_seq_len": num_tokens ** 0.5}[scale]
    weights = torch.softmax(scores / divisor, dim=softmax_dim)
    return weights @ (x if on_inputs else values)


def _reference(case: dict) -> torch.Tensor:
    queries, keys, values = (case["x"] @ case[w] for w in ("w_query", "w_key", "w_value"))
    return F.scaled_dot_product_attention(queries, keys, values)


def _expect_context(student, got, expected, case: dict, what: str, tol: dict) -> str:
    message = expect_tensor(got, expected, what=what, student=student, case=case,
                            hint="context = softmax(queries @ keys.T / sqrt(d_k), dim=-1) @ values, "
                                 "with d_k = keys.shape[-1].", **tol)
    refuse_implicit_softmax_dim(student, what)
    return message


@check("sdpa_module", points=1, todo="SelfAttention module (nn.Parameter weights)")
def check_module(student):
    answer = _module_state(student, "SelfAttention", worked.D_IN, worked.D_OUT, seed=worked.SEED,
                           forward=(worked.INPUTS,), names=V1_NAMES, shape=(worked.D_IN, worked.D_OUT))
    state = answer["state"]
    if not all(torch.allclose(state[n].to(torch.float32), SEED_WEIGHTS[n], atol=1e-6) for n in V1_NAMES):
        raise CheckFailed("SelfAttention(3, 2) after torch.manual_seed(123): its weights are not the worked example's. "
                          "Create them in this order, W_query, W_key, W_value, each "
                          "nn.Parameter(torch.rand(d_in, d_out)), and draw no other random numbers in __init__.")
    case = {"x": worked.INPUTS, "w_query": SEED_WEIGHTS["W_query"], "w_key": SEED_WEIGHTS["W_key"],
            "w_value": SEED_WEIGHTS["W_value"]}
    return _expect_context(student, answer.get("output"), worked.SELF_ATTENTION_OUTPUT, case,
                           "6x2 context vectors of SelfAttention(3, 2)", {})


@check("sdpa_module_hidden", points=1, todo="SelfAttention (d_in=4, d_out=3, 5 fresh tokens)", hidden=True)
def check_module_hidden(student):
    x = rand(303, 5, 4)
    answer = _module_state(student, "SelfAttention", 4, 3, seed=304, forward=(x,), names=V1_NAMES, shape=(4, 3))
    state = answer["state"]
    case = {"x": x, "w_query": state["W_query"], "w_key": state["W_key"], "w_value": state["W_value"]}
    return _expect_context(student, answer.get("output"), _reference(case), case,
                           "Context vectors of SelfAttention(4, 3) on 5 fresh tokens", HIDDEN_TOL)


@check("sdpa_module_v2", points=1, todo="SelfAttention_v2 module (nn.Linear layers)")
def check_module_v2(student):
    shape = (worked.D_OUT, worked.D_IN)
    _module_state(student, "SelfAttention_v2", worked.D_IN, worked.D_OUT, seed=worked.SEED, names=V2_NAMES, shape=shape)
    state = {f"{n}.weight": SEED_WEIGHTS[n].T.contiguous() for n in V1_NAMES}
    answer = _module_state(student, "SelfAttention_v2", worked.D_IN, worked.D_OUT, seed=worked.SEED, state=state,
                           forward=(worked.INPUTS,), names=V2_NAMES, shape=shape)
    case = {"x": worked.INPUTS, "w_query": SEED_WEIGHTS["W_query"], "w_key": SEED_WEIGHTS["W_key"],
            "w_value": SEED_WEIGHTS["W_value"]}
    return _expect_context(student, answer.get("output"), worked.SELF_ATTENTION_OUTPUT, case,
                           "6x2 context vectors of SelfAttention_v2(3, 2) holding the weights of SelfAttention", {})


@check("sdpa_module_v2_hidden", points=1, todo="SelfAttention_v2 (d_in=6, d_out=4, 7 fresh tokens)", hidden=True)
def check_module_v2_hidden(student):
    x = randn(305, 7, 6, scale=2.0)  # nn.Linear's weights are small: spread inputs make the scores differ
    answer = _module_state(student, "SelfAttention_v2", 6, 4, seed=306, forward=(x,), names=V2_NAMES, shape=(4, 6))
    state = answer["state"]
    case = {"x": x, "w_query": state["W_query.weight"].mT, "w_key": state["W_key.weight"].mT,
            "w_value": state["W_value.weight"].mT}
    return _expect_context(student, answer.get("output"), _reference(case), case,
                           "Context vectors of SelfAttention_v2(6, 4) on 7 fresh tokens", HIDDEN_TOL)


# ----------------------------------------------------------------------------------------------------------
# Copying the weights


def _copy_check(student, state_v1: dict, size: str, tol: dict) -> str:
    got = student.call("v1_to_v2_state", state_v1)
    if not isinstance(got, dict):
        kind = got.type_name if hasattr(got, "type_name") else type(got).__name__
        raise CheckFailed(f"v1_to_v2_state should return a dictionary (a state dict), got a {kind}.")
    if sorted(got) != sorted(V2_NAMES):
        raise CheckFailed(f"v1_to_v2_state should return the keys {', '.join(V2_NAMES)} (the names in "
                          f"SelfAttention_v2's state_dict()); it returned {', '.join(sorted(got)) or 'no key'}.")
    hint = "nn.Linear computes x @ weight.T, so its weight is the transpose of the (d_in, d_out) matrix."
    return " ".join(expect_tensor(got[f"{n}.weight"], state_v1[n].T, what=f"{n}.weight for {size}", student=student,
                                  case={"state_v1": state_v1}, hint=hint, **tol) for n in V1_NAMES)


@check("sdpa_copy_weights", points=1, todo="Copy the weights from SelfAttention to SelfAttention_v2")
def check_copy_weights(student):
    return _copy_check(student, dict(SEED_WEIGHTS), "the (3, 2) weights of sa_v1", {})


@check("sdpa_copy_weights_hidden", points=1, todo="Copy the weights (fresh 4x4 weights)", hidden=True)
def check_copy_weights_hidden(student):
    state_v1 = {n: rand(307 + i, 4, 4) for i, n in enumerate(V1_NAMES)}  # square: a missing transpose keeps the shape
    return _copy_check(student, state_v1, "fresh (4, 4) weights", HIDDEN_TOL)


# Where each catalogued mistake can show up in this assignment, and how to recognise it.
_WEIGHTS = ("sdpa_weights", "sdpa_weights_hidden")
_MODULES = ("sdpa_module", "sdpa_module_hidden", "sdpa_module_v2", "sdpa_module_v2_hidden")
detect("no_scaling", *_WEIGHTS, detector=variant(lambda scores, keys: torch.softmax(scores, dim=-1)))
detect("scale_d_k", *_WEIGHTS, detector=variant(lambda scores, keys: torch.softmax(scores / keys.shape[-1], dim=-1)))
detect("scale_sqrt_seq_len", *_WEIGHTS,
       detector=variant(lambda scores, keys: torch.softmax(scores / keys.shape[0] ** 0.5, dim=-1)))
detect("softmax_dim0", *_WEIGHTS,
       detector=variant(lambda scores, keys: torch.softmax(scores / keys.shape[-1] ** 0.5, dim=0)))
detect("softmax_no_dim", *_WEIGHTS, *_MODULES, detector=warned(IMPLICIT_SOFTMAX_DIM))
for _mistake, _scale in (("no_scaling", "none"), ("scale_sqrt_d_in", "sqrt_d_in"), ("scale_d_k", "d_k"),
                         ("scale_sqrt_seq_len", "sqrt_seq_len")):
    detect(_mistake, *_MODULES, detector=variant(lambda _scale=_scale, **case: _context(**case, scale=_scale)))
detect("keys_queries_swapped", *_MODULES, detector=variant(lambda **case: _context(**case, swap=True)))
detect("softmax_dim0", *_MODULES, detector=variant(lambda **case: _context(**case, softmax_dim=0)))
detect("weights_on_inputs", *_MODULES, detector=variant(lambda **case: _context(**case, on_inputs=True)))


# Sample submissions: the reference solution with one mistake each (see autograder.samples).
_SCALED = "return torch.softmax(attn_scores / d_k**0.5, dim=-1)"
_TAIL = ("\n\n        attn_scores = queries @ keys.T\n"
         "        attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)\n"
         "        context_vec = attn_weights @ values\n"
         "        return context_vec")
V1_TAIL = "values = x @ self.W_value" + _TAIL  # the forward of SelfAttention from its last projection on
V2_TAIL = "values = self.W_value(x)" + _TAIL  # the same in SelfAttention_v2


def _in(tail: str, old: str, new: str) -> tuple[str, str]:
    """An edit of one line of a module's forward (the tail makes the text unique in the notebook)."""
    assert tail.count(old) == 1, old
    return tail, tail.replace(old, new)


_COPY = ('return {\n        "W_query.weight": state_v1["W_query"].T,\n        "W_key.weight": state_v1["W_key"].T,\n'
         '        "W_value.weight": state_v1["W_value"].T,\n    }')
_V1 = {"sdpa_module", "sdpa_module_hidden"}
_V2 = {"sdpa_module_v2", "sdpa_module_v2_hidden"}
_W = set(_WEIGHTS)
MUTATIONS = [
    mutation("no_scaling", [(_SCALED, "return torch.softmax(attn_scores, dim=-1)")], breaks=_W, mistake="no_scaling",
             description="softmax of the raw scores, not divided by sqrt(d_k)"),
    mutation("no_scaling_in_module", [_in(V1_TAIL, "attn_scores / keys.shape[-1]**0.5", "attn_scores")], breaks=_V1,
             mistake="no_scaling", description="SelfAttention without the 1/sqrt(d_k) scaling"),
    mutation("scale_sqrt_d_in", [_in(V1_TAIL, "keys.shape[-1]**0.5", "x.shape[-1]**0.5")], breaks=_V1,
             mistake="scale_sqrt_d_in", description="SelfAttention scales by sqrt(d_in), the input dimension"),
    mutation("keys_queries_swapped", [_in(V2_TAIL, "queries @ keys.T", "keys @ queries.T")], breaks=_V2,
             mistake="keys_queries_swapped", description="SelfAttention_v2 computes the scores as keys @ queries.T"),
    mutation("scale_d_k", [(_SCALED, "return torch.softmax(attn_scores / d_k, dim=-1)")], breaks=_W,
             mistake="scale_d_k", description="the scores divided by d_k instead of sqrt(d_k)"),
    mutation("scale_sqrt_seq_len", [("d_k = keys.shape[-1]", "d_k = keys.shape[0]")], breaks=_W,
             mistake="scale_sqrt_seq_len", description="d_k read from the number of keys (tokens), not their size"),
    mutation("weights_on_inputs", [_in(V1_TAIL, "attn_weights @ values", "attn_weights @ x")], breaks=_V1,
             mistake="weights_on_inputs", description="SelfAttention mixes the inputs instead of the values"),
    mutation("softmax_dim0", [_in(V2_TAIL, "dim=-1)", "dim=0)")], breaks=_V2, mistake="softmax_dim0",
             description="SelfAttention_v2 normalises the columns of the scores"),
    mutation("softmax_no_dim", [(_SCALED, "return torch.nn.functional.softmax(attn_scores / d_k**0.5)")], breaks=_W,
             mistake="softmax_no_dim", description="softmax without dim: right numbers here, and a warning"),
    mutation("no_transpose_on_copy", [('"W_query.weight": state_v1["W_query"].T', '"W_query.weight": state_v1["W_query"]'),
                                      ('"W_key.weight": state_v1["W_key"].T', '"W_key.weight": state_v1["W_key"]'),
                                      ('"W_value.weight": state_v1["W_value"].T', '"W_value.weight": state_v1["W_value"]')],
             breaks={"sdpa_copy_weights", "sdpa_copy_weights_hidden"},
             description="the weights copied without the transpose nn.Linear needs"),
    mutation("pasted_numbers", [
        (_SCALED, pasted(worked.ATTN_WEIGHTS_2)),
        (V1_TAIL, "values = x @ self.W_value\n        " + pasted(worked.SELF_ATTENTION_OUTPUT)),
    ], breaks={"sdpa_weights_hidden", "sdpa_module_hidden"},
        description="the printed numbers pasted in place of code in two TO-DOs"),
    # Correct alternatives: they must pass every check with no diagnosis.
    mutation("einsum_and_matmul", [
        _in(V1_TAIL, "queries @ keys.T", "torch.einsum('qd,kd->qk', queries, keys)"),
        _in(V2_TAIL, "attn_weights @ values", "torch.matmul(attn_weights, values)"),
    ], breaks=set(), description="einsum for the scores of SelfAttention, torch.matmul in SelfAttention_v2"),
    mutation("transpose_and_math_sqrt", [
        (_SCALED, "import math\n    return torch.nn.functional.softmax(attn_scores * (1 / math.sqrt(d_k)), dim=-1)"),
        _in(V1_TAIL, "keys.T", "keys.transpose(-2, -1)"),
        _in(V2_TAIL, "keys.T", "keys.mT"),
    ], breaks=set(), description="multiplying by 1/math.sqrt(d_k), transpose(-2, -1) and .mT instead of .T"),
    mutation("torch_sdpa_in_module", [
        (V2_TAIL, "values = self.W_value(x)\n"
                  "        return torch.nn.functional.scaled_dot_product_attention(queries, keys, values)"),
    ], breaks=set(), description="SelfAttention_v2 calls PyTorch's scaled_dot_product_attention"),
    mutation("explicit_loops", [
        (V1_TAIL, "values = x @ self.W_value\n"
                  "        d_k = keys.shape[1]\n"
                  "        context = torch.zeros(x.shape[0], values.shape[1])\n"
                  "        for i in range(x.shape[0]):\n"
                  "            scores = torch.zeros(x.shape[0])\n"
                  "            for j in range(x.shape[0]):\n"
                  "                scores[j] = torch.dot(queries[i], keys[j]) / d_k**0.5\n"
                  "            weights = torch.softmax(scores, dim=0)\n"
                  "            for j in range(x.shape[0]):\n"
                  "                context[i] += weights[j] * values[j]\n"
                  "        return context"),
    ], breaks=set(), description="SelfAttention with loops over queries and keys (softmax of a 1-D row, dim=0)"),
    mutation("renamed_and_reordered", [
        ("def scaled_attention_weights(attn_scores, keys):\n    ### BEGIN SOLUTION\n    d_k = keys.shape[-1]\n"
         "    return torch.softmax(attn_scores / d_k**0.5, dim=-1)",
         "def scaled_attention_weights(s, k):\n    ### BEGIN SOLUTION\n    return torch.softmax(s / k.size(-1)**0.5, -1)"),
        ("    def __init__(self, d_in, d_out):\n        super().__init__()\n        ### BEGIN SOLUTION\n"
         "        self.W_query = nn.Linear(d_in, d_out, bias=False)\n"
         "        self.W_key   = nn.Linear(d_in, d_out, bias=False)\n"
         "        self.W_value = nn.Linear(d_in, d_out, bias=False)",
         "    def __init__(self, n_in, n_out):\n        super().__init__()\n        ### BEGIN SOLUTION\n"
         "        self.W_value = nn.Linear(n_in, n_out, bias=False)\n"
         "        self.W_key = nn.Linear(n_in, n_out, bias=False)\n"
         "        self.W_query = nn.Linear(n_in, n_out, bias=False)"),
        (_COPY, 'return {f"{name}.weight": w.t().clone() for name, w in state_v1.items()}'),
    ], breaks=set(), description="other parameter names, layers created in another order, a dict comprehension"),
]
