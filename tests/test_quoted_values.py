"""The numbers that notebooks 07, 08 and 09 quote in their text are the kit's worked values, and what the code prints.

These notebooks have no course material behind them: their worked values are computed by the kit
(``autograder/worked_values/``) from fixed seeds. Each "you should see" block of their text must hold exactly those
numbers, to the precision printed, and must be what the solution notebook (run by nbgrader when it was built) printed
under the code; so neither the prose, nor the notebook's code, nor the kit's values can drift from the others.
"""

from __future__ import annotations

import math
import re

import pytest
import torch

from autograder import course
from autograder.worked_values import efficient_attention as w08
from autograder.worked_values import masks_and_cross_attention as w07
from autograder.worked_values import modern_attention as w09

from .conftest import ROOT

A07, A08, A09 = "07_masks_and_cross_attention", "08_efficient_attention", "09_modern_attention"

#: (assignment, markdown cell) -> the worked values its "you should see" block prints, in order
QUOTED = {
    (A07, "md-03"): lambda: [w07.LENGTHS, w07.PADDED[2]],
    (A07, "md-05"): lambda: [w07.KEY_PADDING_MASK],
    (A07, "md-11"): lambda: [torch.tensor(w07.PADDED_CONTEXT.shape), w07.PADDED_CONTEXT[2, 0]],
    (A07, "md-16"): lambda: [torch.softmax(w07.SAFE_SCORES, dim=-1)],
    (A07, "md-20"): lambda: [w07.SAFE_WEIGHTS],
    (A07, "md-23"): lambda: [w07.LEFT_MASK],
    (A07, "md-26"): lambda: [w07.LEFT_CONTEXT[2, 0]],
    (A07, "md-35"): lambda: [w07.CROSS_OUTPUT[1]],
    (A07, "md-40"): lambda: [torch.tensor(w07.DECODER_OUTPUT.shape), w07.DECODER_OUTPUT[1, :3]],
    (A08, "md-05"): lambda: [w08.ONLINE_SOFTMAX, True],
    (A08, "md-09"): lambda: [w08.FLASH_OUTPUT, True],
    (A08, "md-12"): lambda: [w08.FLASH_CAUSAL_OUTPUT, True],
    (A08, "md-18"): lambda: [w08.CACHED_OUTPUT, True],
    (A09, "md-05"): lambda: [w09.ROPE_OUTPUT, True, True],
    (A09, "md-08"): lambda: [
        torch.tensor([m, n, m - n, score])
        for (m, n), score in zip(
            (*w09.SAME_OFFSET, w09.OTHER_OFFSET),
            (*w09.OFFSET_SCORES.tolist(), float(w09.OTHER_SCORE)),
            strict=True,
        )
    ],
    (A09, "md-12"): lambda: [*(torch.tensor(weight.shape) for weight in w09.GQA_STATE.values()), w09.GQA_OUTPUT[0]],
    (A09, "md-17"): lambda: [
        torch.tensor([kv_heads, size / 2**20, w09.CONTEXT])
        for kv_heads, size in zip(w09.CACHE_KV_HEADS, w09.CACHE_BYTES, strict=True)
    ],
    (A09, "md-22"): lambda: [w09.WINDOW_MASK],
    (A09, "md-25"): lambda: [w09.WINDOW_OUTPUT, True, True],
}
#: numbers quoted in a sentence rather than in a block: the hand-worked online softmax
IN_PROSE = {(A08, "md-03"): lambda: [s for _, s in w08.SMALL_RUNNING for _ in range(2)]}
#: blocks quoted from what the solution printed, not from worked values: the peak memory of the kit's solution
PRINTED = [(A08, "md-memory-read")]

FENCED = re.compile(r"```\n(.*?)```", re.S)
TOKEN = re.compile(r"-?inf|nan|True|False|-?\d+\.\d+|-?\d+")


def markdown(assignment_id: str, cell_id: str) -> str:
    cells = course.read(course.notebook_path(ROOT, "assignments", assignment_id)).cells
    return next(c.source for c in cells if c.get("id") == cell_id)


WORDS = {"True": 1.0, "False": 0.0}


def numbers(text: str) -> list[float]:
    return [WORDS[t] if t in WORDS else float(t) for t in TOKEN.findall(text)]


def flat(values) -> list[float]:
    return [float(x) for v in values for x in (torch.as_tensor(v).double().flatten().tolist())]


def same(quoted: float, value: float, decimals: int = 4) -> bool:
    if math.isnan(value) or math.isinf(value):
        return math.isnan(quoted) if math.isnan(value) else quoted == value
    return abs(quoted - value) <= 0.5 * 10**-decimals + 1e-9


def printed(assignment_id: str) -> str:
    """Everything the solution notebook printed when nbgrader ran it."""
    cells = course.read(course.notebook_path(ROOT, "solutions", assignment_id)).cells
    return "".join(o.get("text", "") for c in cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("where", sorted(QUOTED), ids="/".join)
def test_a_quoted_block_holds_the_worked_values_and_is_what_the_code_prints(where):
    (block,) = FENCED.findall(markdown(*where))
    quoted, expected = numbers(block), flat(QUOTED[where]())
    assert len(quoted) == len(expected) and all(map(same, quoted, expected)), (quoted, expected)
    assert block.strip() in printed(where[0])


@pytest.mark.parametrize("where", PRINTED, ids="/".join)
def test_a_quoted_printout_is_what_the_solution_printed(where):
    (block,) = FENCED.findall(markdown(*where))
    assert block.strip() in printed(where[0])


@pytest.mark.parametrize("where", sorted(IN_PROSE), ids="/".join)
def test_numbers_worked_out_in_the_prose_are_the_worked_values(where):
    quoted = [float(x) for x in re.findall(r"\d+\.\d{4}", markdown(*where))]
    assert quoted and all(map(same, quoted, IN_PROSE[where]()))


def test_every_quoted_tensor_of_these_notebooks_is_checked():
    for assignment_id in (A07, A08, A09):
        for cell in course.read(course.notebook_path(ROOT, "assignments", assignment_id)).cells:
            if cell.cell_type == "markdown" and any("tensor(" in b for b in FENCED.findall(cell.source)):
                assert (assignment_id, cell.get("id")) in QUOTED, cell.get("id")
