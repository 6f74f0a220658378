"""What notebooks 07, 08 and 09 say about PyTorch (and about the sizes they quote) is true of the installed PyTorch.

Their prose makes claims about PyTorch's own behaviour: the two conventions of its boolean masks, where the ``nan`` of
a fully masked row comes from, which masking keeps the gradients finite, where its decoder layer has dropout, what the
peak-memory measure cannot see, what a first block hidden whole does to the online softmax, and how the timing treats
the thread count; which heads ``enable_gqa`` shares, how the two rotary layouts relate, how large a KV cache grows.
Each claim runs here, so that a PyTorch upgrade that changes one fails a test instead of leaving a
notebook wrong.
"""

from __future__ import annotations

import ast
import inspect

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from autograder import course
from autograder.mistakes import BY_ID, OPERATIONS

from .conftest import ROOT

A07, A08, A09 = "07_masks_and_cross_attention", "08_efficient_attention", "09_modern_attention"


def printed_by(assignment_id: str, cell_id: str) -> str:
    """What one cell of the solution notebook printed when nbgrader ran it."""
    cells = course.read(course.notebook_path(ROOT, "solutions", assignment_id)).cells
    (cell,) = [c for c in cells if c.get("id") == cell_id]
    return "".join(o.get("text", "") for o in cell.outputs)


def zero_after_softmax(scores: torch.Tensor) -> torch.Tensor:
    """The safe softmax that notebook 07 asks for: rows with every score -inf zeroed after the softmax."""
    return torch.softmax(scores, dim=-1).masked_fill(torch.isneginf(scores).all(dim=-1, keepdim=True), 0.0)


def test_key_padding_mask_hides_where_true_and_sdpa_attn_mask_attends_where_true():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 4)
    padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    attention = nn.MultiheadAttention(4, 1, bias=False, batch_first=True).eval()
    expected = attention(x, x, x, key_padding_mask=padding, need_weights=False)[0]
    q, k, v = (x @ w.T for w in attention.in_proj_weight.chunk(3))

    def sdpa(mask):
        return attention.out_proj(F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, :]))

    assert torch.allclose(sdpa(~padding), expected, atol=1e-6)
    assert not torch.allclose(sdpa(padding), expected, atol=1e-6)


def test_the_decoder_layer_takes_a_padding_mask_for_its_tokens_and_one_for_the_memory():
    arguments = inspect.signature(nn.TransformerDecoderLayer.forward).parameters
    assert {"tgt_key_padding_mask", "memory_key_padding_mask"} <= set(arguments)
    assert "key_padding_mask" not in arguments


def test_softmax_makes_nan_of_a_fully_masked_row_by_subtracting_its_maximum():
    row = torch.full((5,), -torch.inf)
    assert (row - row.max()).isnan().all() and torch.softmax(row, dim=-1).isnan().all()
    assert "tensor([nan, nan, nan, nan, nan])" in printed_by(A07, "given-17")


def test_sdpa_gives_a_fully_masked_row_zeros_and_multihead_attention_nan():
    torch.manual_seed(1)
    q, k, v = torch.randn(1, 3, 2), torch.randn(1, 5, 2), torch.randn(1, 5, 2)
    may_attend = torch.ones(1, 3, 5, dtype=torch.bool)
    may_attend[0, 1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=may_attend)
    assert torch.equal(out[0, 1], torch.zeros(2)) and out.isfinite().all()
    x = torch.randn(1, 4, 4)
    attention = nn.MultiheadAttention(4, 2, batch_first=True).eval()
    with torch.no_grad():
        hidden_all = attention(x, x, x, key_padding_mask=torch.ones(1, 4, dtype=torch.bool), need_weights=False)[0]
    assert hidden_all.isnan().all()


def test_masked_fill_keeps_the_gradients_finite_and_an_additive_mask_does_not():
    torch.manual_seed(3)
    q, k, v = torch.randn(3, 2, requires_grad=True), torch.randn(5, 2, requires_grad=True), torch.randn(5, 2)
    hidden = torch.zeros(3, 5, dtype=torch.bool)
    hidden[0, 3:] = hidden[1] = True
    finite = {}
    for name, masked in (
        ("masked_fill", lambda s: s.masked_fill(hidden, -torch.inf)),
        ("additive", lambda s: s + torch.zeros(3, 5).masked_fill(hidden, -torch.inf)),
    ):
        q.grad = k.grad = None
        outputs = zero_after_softmax(masked(q @ k.T)) @ v
        outputs.sum().backward()
        assert outputs.isfinite().all()
        finite[name] = bool(q.grad.isfinite().all() and k.grad.isfinite().all())
    assert finite == {"masked_fill": True, "additive": False}
    assert (
        printed_by(A07, "given-gradient").split()
        == (
            "masked_fill: finite gradients of q and k: True additive -inf mask: finite gradients of q and k: False"
        ).split()
    )


def test_pytorch_decoder_layer_drops_out_inside_its_attentions_and_its_feed_forward_network():
    """With the residual dropouts (the ones ours has) off, training mode still drops; eval mode does not."""
    torch.manual_seed(4)
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.5, batch_first=True)
    layer.dropout1 = layer.dropout2 = layer.dropout3 = nn.Identity()
    target, memory = torch.randn(1, 3, 8), torch.randn(1, 4, 8)

    def varies() -> bool:
        return not torch.equal(layer(target, memory), layer(target, memory))

    assert varies()
    layer.self_attn.dropout = layer.multihead_attn.dropout = 0.0
    assert varies()  # the feed-forward network's dropout, after the activation
    assert "dropout(self.activation(self.linear1(x)))" in inspect.getsource(nn.TransformerDecoderLayer._ff_block)
    layer.eval()
    assert not varies()


def notebook_function(assignment_id: str, cell_id: str, name: str):
    """One function defined in a given cell of a source notebook, run alone (not the rest of the cell)."""
    cells = course.read(course.notebook_path(ROOT, "assignments", assignment_id)).cells
    (source,) = [c.source for c in cells if c.get("id") == cell_id]
    (definition,) = [node for node in ast.parse(source).body if getattr(node, "name", None) == name]
    namespace = {"torch": torch}
    exec(compile(ast.Module([ast.parse("import timeit").body[0], definition], []), cell_id, "exec"), namespace)
    return namespace[name]


def test_the_timing_warms_up_repeats_on_one_thread_and_gives_the_thread_count_back():
    milliseconds = notebook_function(A08, "given-22", "milliseconds")
    before, seen = torch.get_num_threads(), []
    milliseconds(lambda: seen.append(torch.get_num_threads()))
    assert seen == [1] * 3 and torch.get_num_threads() == before  # a warm-up call, then 2 timed ones

    def fails():
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        milliseconds(fails)
    assert torch.get_num_threads() == before


def test_scaled_dot_product_attention_builds_the_scores_inside_where_peak_memory_cannot_see():
    n, d = 1024, 32
    q, k, v = torch.randn(n, d), torch.randn(n, d), torch.randn(n, d)
    with torch.profiler.profile(profile_memory=True) as profiler:
        F.scaled_dot_product_attention(q, k, v)
    biggest = max(event.cpu_memory_usage for event in profiler.key_averages())
    assert biggest >= n * n * 4  # the n x n scores: 4 MiB
    assert "scaled_dot_product_attention 128 KiB" in printed_by(A08, "given-15")  # only its n x d output is seen


def test_a_first_block_hidden_whole_makes_the_online_softmax_nan_and_torch_softmax_not():
    first, second = printed_by(A08, "given-masked-block").strip().splitlines()
    assert first == "tensor([[nan, nan, nan, nan, nan, nan, nan, nan]])"
    assert "nan" not in second and second.startswith("tensor([[0.0000, 0.0000, 0.0000, 0.0000, 0.")


def test_sdpa_with_enable_gqa_repeats_each_key_value_head_in_place_as_repeat_interleave_does():
    torch.manual_seed(5)
    q, k, v = torch.randn(1, 4, 3, 2), torch.randn(1, 2, 3, 2), torch.randn(1, 2, 3, 2)
    grouped = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)

    def repeated(how):
        return F.scaled_dot_product_attention(q, how(k), how(v), is_causal=True)

    assert torch.allclose(grouped, repeated(lambda t: t.repeat_interleave(2, dim=1)), atol=1e-6)
    assert not torch.allclose(grouped, repeated(lambda t: t.repeat(1, 2, 1, 1)), atol=1e-6)


def test_the_two_rotary_layouts_differ_on_the_same_weights_and_agree_once_the_dimensions_are_reordered():
    (interleaved,) = [s.wrong for s in BY_ID["rope_interleaved"].slips]
    torch.manual_seed(6)
    x, angles = torch.randn(3, 8), torch.arange(3)[:, None] * OPERATIONS["rope_frequencies"](8)[None, :]
    halves = OPERATIONS["rotate"]
    assert not torch.allclose(halves(x, angles), interleaved(x, angles), atol=1e-4)
    pairs_first = torch.cat([torch.arange(0, 8, 2), torch.arange(1, 8, 2)])  # interleaved order -> halves order
    assert torch.allclose(halves(x[:, pairs_first], angles), interleaved(x, angles)[:, pairs_first], atol=1e-6)


def test_a_multi_head_cache_of_131072_tokens_outgrows_the_weights_of_the_8b_model():
    cache = float(OPERATIONS["kv_cache_bytes"](32, 32, 128, 131072, 1, 2))
    assert cache == 64 * 2**30 and cache > 8.0e9 * 2
    cells = course.read(course.notebook_path(ROOT, "assignments", A09)).cells
    (read,) = [c.source for c in cells if c.get("id") == "md-20"]
    assert "64 GiB" in read and "16 GB" in read
