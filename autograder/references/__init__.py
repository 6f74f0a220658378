"""The kit's reference solutions, written with the operations of :mod:`autograder.mistakes`, one module per
assignment that has them (02-09, named as the assignment's module); here the parts the notebooks *give*.

Each function takes an :class:`~autograder.mistakes.Ops` first and computes what a TO-DO asks for
on given inputs. The worked values (:mod:`autograder.worked_values.masks_and_cross_attention`,
:mod:`autograder.worked_values.efficient_attention`) are these functions run with ``Ops()`` on seeded
inputs, and the checks run them again to find which catalogued mistake a wrong answer shows. They
live apart from the checks so that the worked values can be computed from them without a cycle, and
one module per assignment so that a platform bundle of one assignment holds its own only (and what they
import: 05's multi-head attention is built on 04's causal attention). A reference imports from
:mod:`autograder.authoring` and from other references, never from an assignment's checks.

Parts the notebooks *give* (splitting heads, the feed-forward network, the layer norms) are plain
code: a student cannot get them wrong, so no mistake is looked for there.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..authoring import OPERATIONS

LN_EPS = 1e-5  # nn.LayerNorm's and nn.TransformerDecoderLayer's default


# --- Given in the notebooks -----------------------------------------------------------------------------------------

#: the right head split and merge of assignment 05 (the notebooks give them here, so no mistake is looked for there)
split_heads, merge_heads = OPERATIONS["split_heads"], OPERATIONS["merge_heads"]


def linear(x: torch.Tensor, p: dict, name: str) -> torch.Tensor:
    return F.linear(x, p[f"{name}.weight"], p.get(f"{name}.bias"))


def feed_forward(x: torch.Tensor, p: dict) -> torch.Tensor:
    return linear(F.relu(linear(x, p, "linear1")), p, "linear2")


def sinusoids(num_positions: int, d_model: int) -> torch.Tensor:
    """The sinusoidal positional encoding of assignment 06 (given in notebook 08)."""
    angles = torch.arange(num_positions)[:, None] / 10000 ** (torch.arange(0, d_model, 2) / d_model)
    pe = torch.zeros(num_positions, d_model)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(angles), torch.cos(angles)
    return pe


# --- PyTorch's own attention holding the student's weights ---------------------------------------------------------

ATTENTION_NAMES = ("W_query", "W_key", "W_value", "out_proj")


def load_attention(target: nn.MultiheadAttention, params: dict) -> None:
    """Copy W_query, W_key, W_value and out_proj into PyTorch's nn.MultiheadAttention (a missing bias as zeros),
    the one way every hidden check compares a student's attention layer with PyTorch's."""

    def bias(name: str, size: int) -> torch.Tensor:
        value = params.get(f"{name}.bias")
        return torch.zeros(size) if value is None else value

    with torch.no_grad():
        weights = [params[f"{name}.weight"] for name in ATTENTION_NAMES[:3]]
        if target.in_proj_weight is not None:
            target.in_proj_weight.copy_(torch.cat(weights))
        else:
            for projection, weight in zip(
                (target.q_proj_weight, target.k_proj_weight, target.v_proj_weight), weights, strict=True
            ):
                projection.copy_(weight)
        target.in_proj_bias.copy_(
            torch.cat([bias(name, w.shape[0]) for name, w in zip(ATTENTION_NAMES[:3], weights, strict=True)])
        )
        target.out_proj.weight.copy_(params["out_proj.weight"])
        target.out_proj.bias.copy_(bias("out_proj", params["out_proj.weight"].shape[0]))
