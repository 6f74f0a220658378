"""Every catalogued mistake is named wherever it can happen, not only where a sample was written for it.

Each mistake that can be written as a source edit is applied to every place in every solution region
where it applies, one place at a time, as a student would slip; so is each family of mistakes, at every place
of its kind of operation (a reduction, a matrix product, a mask offset, a scale, a size). Each such mutant must fail
at least one check, and every failing check must name that mistake (or an accepted synonym: two names for
answers that are the same numbers). The matrix (mistake x assignment: places mutated, caught,
named) is printed at the end of the test session. The correct alternatives keep earning full marks
with no mistake named (test_checks_inprocess.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from autograder import coverage
from autograder.assignments import ASSIGNMENTS
from autograder.checker.handle import InKernel
from autograder.framework import PASSED, run_check
from autograder.mistakes import BY_ID

from . import samples
from .conftest import ROOT

REGION = re.compile(r"(### BEGIN SOLUTION\n)(.*?)(\n\s*### END SOLUTION)", re.S)


@dataclass(frozen=True)
class Edit:
    """A slip as a source edit: ``pattern`` replaced by ``replacement`` on lines that contain ``where`` (or across
    the lines of a solution region, for a slip that spans two lines)."""

    pattern: str
    replacement: str
    where: str = ""
    across_lines: bool = False


EDITS: dict[str, list[Edit]] = {
    "softmax_dim0": [Edit(r"dim=-1", "dim=0", where="softmax(")],
    "normalised_wrong_axis": [Edit(r"(/ \w+\.sum\(dim=)-1(, keepdim=True\))", r"\g<1>0\2")],
    "mask_fill_zero": [Edit(r"-torch\.inf", "0", where="masked_fill")],
    "triu_tril_swapped": [Edit(r"\btril\(", "triu("), Edit(r"\btriu\(", "tril(")],
    "mask_diagonal": [Edit(r"diagonal=1\b", "diagonal=0", where="triu")],
    "mask_one_future": [Edit(r"diagonal=1\b", "diagonal=2", where="triu")],
    "no_scaling": [Edit(r"\s*/\s*[\w.]+(\[-1\])?\s*\*\*\s*0\.5", "")],
    "scale_d_k": [Edit(r"(/\s*[\w.]+(\[-1\])?)\s*\*\*\s*0\.5", r"\1")],
    "keys_queries_swapped": [Edit(r"queries @ keys(\.T|\.transpose\(\d, \d\))", r"keys @ queries\1")],
    "heads_no_transpose": [Edit(r"(\.view\([^)]*\))\.transpose\(1, 2\)", r"\1")],
    "heads_merged_wrong_order": [Edit(r"\.transpose\(1, 2\)(?=\.contiguous\(\)\.view)", "")],
    "missing_out_proj": [Edit(r"self\.out_proj\((\w+)\)", r"\1")],
    "missing_residual": [Edit(r"(norm\d\()x \+ ", r"\1")],
    "softmax_no_dim": [Edit(r"torch\.softmax\((.*), dim=-1\)", r"torch.nn.functional.softmax(\1)")],
    "sum_instead_of_softmax": [Edit(r"torch\.softmax\((\w+), dim=-1\)", r"\1 / \1.sum(dim=-1, keepdim=True)")],
    "weighted_sum_wrong_axis": [Edit(r"\.sum\(dim=1\)", ".sum(dim=0)", where="weighted_values")],
    "mask_after_softmax_no_renorm": [Edit(r"return (\w+) / \1\.sum\(dim=-1, keepdim=True\)", r"return \1")],
    "weights_on_inputs": [Edit(r"(attn_weights @ )values\b", r"\1x"), Edit(r"(\(attn_weights, )values\)", r"\1x)")],
    "pe_sin_cos_swapped": [
        Edit(r"torch\.sin\((\w+)\)(.*?)torch\.cos\(\1\)", r"torch.cos(\1)\2torch.sin(\1)", across_lines=True)
    ],
    "pe_wrong_exponent": [Edit(r"arange\(0, d_model, 2", "arange(0, d_model // 2")],
    "padding_mask_inverted": [Edit(r"\[None, :\] >= ", "[None, :] < ")],
    "padding_mask_on_queries": [Edit(r"\[:, None, None, :\]", "[:, None, :, None]")],
    "padding_mask_wrong_batch_axis": [Edit(r"\[:, None, None, :\]", "[:, None, :]")],
    "fully_masked_nan": [
        Edit(r"return weights\.masked_fill\(fully_masked, 0\.0\)", "return weights"),
        Edit(r"= safe_softmax\(scores\)", "= torch.softmax(scores, dim=-1)"),
    ],
    "cross_attention_self_keys": [
        Edit(r"self\.W_(key|value)\(memory\)", r"self.W_\1(x)"),
        Edit(r"self\.cross_attn\(x, memory,", "self.cross_attn(x, x,"),
    ],
    "cross_attention_causal": [Edit(r"= padded_attention\(", "= causal_padded_attention(")],
    "online_sum_not_rescaled": [Edit(r"running_sum \* torch\.exp\(running_max - new_max\)", "running_sum")],
    "online_output_not_rescaled": [Edit(r"output \* torch\.exp\(running_max - new_max\)", "output")],
    "causal_block_offset": [Edit(r"torch\.arange\(start, stop\)", "torch.arange(stop - start)")],
    "cache_updated_after_attention": [
        Edit(
            r"(\n\s*self\.cached_keys = [^\n]*\n\s*self\.cached_values = [^\n]*)((\n\s*)scores = [^\n]*\n\s*weights = "
            r"[^\n]*)\n\s*return (weights @ self\.cached_values)",
            r"\2\3output = \4\1\3return output",
            across_lines=True,
        )
    ],
    "cache_position_offset": [Edit(r"self\.pe\[position:position \+ 1\]", "self.pe[:x_new.shape[1]]")],
    "rope_on_values": [
        Edit(
            r"(queries, keys) = (apply_rope\(queries, (\w+)\), apply_rope\(keys, \3\))",
            r"\1, values = \2, apply_rope(values, \3)",
        )
    ],
    "rope_interleaved": [
        Edit(
            r"x\[\.\.\., :half\], x\[\.\.\., half:\](.*?)torch\.cat\((\[.*?\]), dim=-1\)",
            r"x[..., 0::2], x[..., 1::2]\1torch.stack(\2, dim=-1).flatten(-2)",
            across_lines=True,
        )
    ],
    "rope_wrong_exponent": [Edit(r"arange\(0, ([\w.\[\]-]+), 2\)", r"arange(\1 // 2)", where="frequencies")],
    "kv_heads_tiled": [Edit(r"\.repeat_interleave\((\w+), dim=1\)", r".repeat(1, \1, 1, 1)")],
    "window_off_by_one": [
        Edit(r"distance >= window", "distance > window"),
        Edit(r"distance >= window", "distance >= window - 1"),
    ],
    "window_not_causal": [Edit(r"\(distance < 0\) \| ", "")],
    "kv_cache_keys_only": [Edit(r"return 2 \* ", "return ")],
    # families: every place of their kind of operation in the solutions
    "reduction_wrong_axis": [Edit(r"(\.(?:sum|max)\(dim=)-1(, keepdim=True\))", r"\g<1>0\2")],
    "matmul_operand_transposed": [
        Edit(r"\b(attn_weights|weights) @ ", r"\1.mT @ "),
        Edit(r"\b(attn_weights|weights) @ (\w+)$", r"\2 @ \1", where="return "),
    ],
    "offset_off_by_one": [
        Edit(r"\] > torch\.arange\(num_queries\)", "] >= torch.arange(num_queries)"),
        Edit(r"self\.pe\[position:position \+ 1\]", "self.pe[position + 1:position + 2]"),
    ],
    "scale_wrong_size": [Edit(r"(\w+)\.shape\[-1\](\s*\*\*\s*0\.5)", r"\1.shape[-2]\2")],
    # (04's torch.tril(torch.ones(6, 6)) is not tried: its answer is the worked mask itself, as pasted numbers are)
    "worked_example_shape": [Edit(r"torch\.zeros\(inputs\.shape\[0\]\)", "torch.zeros(6)")],
}

#: the same numbers under two names, where the slip allows both readings (a family's slip that a catalogued mistake
#: names more precisely at that place: the catalogued name wins)
SYNONYMS: dict[str, set[str]] = {
    "reduction_wrong_axis": {"normalised_wrong_axis"},
    "scale_wrong_size": {"scale_sqrt_seq_len", "no_scaling"},
    # the same error: swapped or transposed operands make the shapes clash as these slips do (08's cache step, 07's
    # cross-attention), and the catalogued name wins
    "matmul_operand_transposed": {"keys_queries_swapped", "cache_updated_after_attention", "cross_attention_self_keys"},
}
#: places where the edit is no slip of the mistake: mistake -> the code that makes it so there
EQUIVALENT = {
    "softmax_dim0": "def attention_weights(scores):",  # 01: a 1-D row, whose only dimension is 0 (nothing changes)
    "matmul_operand_transposed": "def context_vector(inputs, attn_weights):",  # 01: a vector, with no transpose
}


def places(source: str, edit: Edit) -> list[str]:
    """The solution with ``edit`` made at one place, for each place in a solution region where it applies."""
    mutants = []
    for region in REGION.finditer(source):
        if edit.across_lines:
            for hit in re.finditer(edit.pattern, region.group(2), re.S):
                at = region.start(2) + hit.start()
                mutants.append(source[:at] + hit.expand(edit.replacement) + source[at + len(hit.group(0)) :])
            continue
        lines, start = region.group(2).split("\n"), region.start(2)
        for line in lines:
            if edit.where in line:
                for hit in re.finditer(edit.pattern, line):
                    at = start + hit.start()
                    mutants.append(source[:at] + hit.expand(edit.replacement) + source[at + len(hit.group(0)) :])
            start += len(line) + 1
    return mutants


def mutants(assignment_id: str, mistake: str) -> list:
    """(cell index, mutated notebook) for each place of each edit of this mistake in the reference solution."""
    reference = samples.solution(ROOT, assignment_id)
    made = []
    for index, cell in enumerate(reference.cells):
        if EQUIVALENT.get(mistake, "\0") in cell.source:
            continue
        for edit in EDITS[mistake]:
            for source in places(cell.source, edit):
                notebook = samples.copy.deepcopy(reference)
                notebook.cells[index].source = source
                made.append((index, notebook))
    return made


@pytest.mark.parametrize("mistake", sorted(EDITS))
def test_every_place_a_mistake_can_be_made_fails_and_names_it(mistake, record_property):
    accepted = {mistake} | SYNONYMS.get(mistake, set())
    row, unnamed = {}, []
    for assignment_id, assignment in sorted(ASSIGNMENTS.items()):
        counts = [0, 0, 0]  # places mutated, caught, named on every failing check
        for index, notebook in mutants(assignment_id, mistake):
            student = InKernel(coverage.namespace_of(notebook))
            failed = [r for r in (run_check(c, student) for c in assignment.checks) if r.status != PASSED]
            named = all(accepted & set(r.tags) for r in failed)
            counts = [counts[0] + 1, counts[1] + bool(failed), counts[2] + bool(failed and named)]
            if not failed or not named:
                unnamed.append(
                    f"{assignment_id} cell {index}: "
                    + (
                        "no check failed"
                        if not failed
                        else "; ".join(
                            f"{r.grade_id} named {r.tags or 'nothing'}" for r in failed if not accepted & set(r.tags)
                        )
                    )
                )
        if counts[0]:
            row[assignment_id] = counts
    record_property("mistake_matrix", {mistake: row})
    assert row, f"no solution region has a place where {mistake} can be written"
    assert not unnamed, "\n".join(unnamed)


def test_every_edit_names_a_catalogued_mistake():
    assert set(EDITS) <= set(BY_ID) and all(s <= set(BY_ID) for s in SYNONYMS.values())
