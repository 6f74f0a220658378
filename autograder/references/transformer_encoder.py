"""Reference solutions of assignment 06: the encoder layer's (given, non-causal) multi-head attention and the
post-norm layer around it."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import LN_EPS, load_attention


def attention(ops, x: torch.Tensor, p: dict, num_heads: int) -> torch.Tensor:
    """The given (non-causal) multi-head attention with the weights ``p``."""
    heads = [
        ops.split_heads(F.linear(x, p[f"{name}.weight"], p.get(f"{name}.bias")), num_heads)
        for name in ("W_query", "W_key", "W_value")
    ]
    queries, keys, values = heads
    weights = ops.softmax(ops.scale(ops.scores(queries, keys), keys.shape[-1]))
    return ops.out_proj(ops.merge_heads(ops.matmul(weights, values)), p["out_proj.weight"], p.get("out_proj.bias"))


def feed_forward(x: torch.Tensor, p: dict) -> torch.Tensor:
    """linear2(ReLU(linear1(x))), both layers with their bias (as the notebook builds them)."""
    return F.linear(F.relu(F.linear(x, p["linear1.weight"], p["linear1.bias"])), p["linear2.weight"], p["linear2.bias"])


def encoder_layer(ops, x: torch.Tensor, p: dict, num_heads: int) -> torch.Tensor:
    """Post-norm: x = norm1(x + attention(x)), then x = norm2(x + ffn(x)) (dropout off)."""

    def norm(name: str):
        return lambda t: F.layer_norm(t, t.shape[-1:], p[f"{name}.weight"], p[f"{name}.bias"], eps=LN_EPS)

    x = ops.sublayer(x, lambda t: attention(ops, t, p, num_heads), norm("norm1"))
    return ops.sublayer(x, lambda t: feed_forward(t, p), norm("norm2"))


# PyTorch's own modules holding the student's weights: what the hidden checks compare with


def torch_feed_forward(params: dict) -> nn.Module:
    d_ff, d_model = params["linear1.weight"].shape
    reference = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
    reference.load_state_dict(
        {
            "0.weight": params["linear1.weight"],
            "0.bias": params["linear1.bias"],
            "2.weight": params["linear2.weight"],
            "2.bias": params["linear2.bias"],
        }
    )
    return reference.eval()


def torch_encoder_layer(params: dict, num_heads: int) -> nn.TransformerEncoderLayer:
    """PyTorch's own post-norm encoder layer, holding the student's weights."""
    d_ff, d_model = params["linear1.weight"].shape
    with torch.random.fork_rng(devices=[]):  # building a module draws random weights: leave the student's RNG alone
        reference = nn.TransformerEncoderLayer(
            d_model, num_heads, dim_feedforward=d_ff, dropout=0.0, activation="relu", batch_first=True, norm_first=False
        )
    load_attention(reference.self_attn, params)
    with torch.no_grad():
        for name in ("linear1", "linear2", "norm1", "norm2"):
            getattr(reference, name).weight.copy_(params[f"{name}.weight"])
            getattr(reference, name).bias.copy_(params[f"{name}.bias"])
    return reference.eval()


def run(reference: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return reference(x)
