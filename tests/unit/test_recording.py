"""Observing what the student's code computes (autograder.checker.recording, read by autograder.computation):
the facts a probe records, through the same JSON as every answer, and what the grader makes of them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.checker.handle import InKernel
from autograder.checker.results import CheckFailed
from autograder.computation import Computation, expect_computation, observed
from autograder.mistakes import BY_ID


def tiled_sum(scores, block_size):
    """Row sums one block at a time, through views of the input (slices) and new tensors."""
    total = torch.zeros(scores.shape[:-1] + (1,))
    for block in torch.split(scores, block_size, dim=-1):
        total = total + block.exp().sum(dim=-1, keepdim=True)
    return total / 2


def whole_softmax(scores, block_size):
    return torch.softmax(scores, dim=-1)


def turned_off(scores, block_size):
    """The softmax with torch's function handling off, so that no mode sees it; the result made where it is seen."""
    with torch._C.DisableTorchFunction():
        weights = torch.softmax(scores, dim=-1)
    return weights * 1.0


def through_numpy(scores, block_size):
    return torch.from_numpy(np.exp(scores.numpy()))


class Projector(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(6, 8, bias=False)
        self.register_buffer("offset", torch.ones(6), persistent=False)

    def forward(self, x):
        return self.layer(x + self.offset)


def observe(function, scores=None, block_size=8):
    student = InKernel({"f": function})
    student.call("f", torch.randn(3, 40) if scores is None else scores, block_size, observe=True)
    return student


def test_a_tiled_computation_is_recorded_as_blocks_and_views_of_the_input_are_not_computed():
    computation = observed(observe(tiled_sum), "tiled_sum")
    assert ("sum", (8,)) in computation.reductions and not computation.spanning(40)
    assert (3, 8) in computation.shapes  # each block's exp, made by the code
    assert (3, 40) not in computation.shapes  # the input and its slices are given, not computed
    assert (3, 1) in computation.shapes  # the running total; the result (also (3, 1)) is left out, not this


def test_a_reduction_over_the_whole_row_is_recorded_with_its_size():
    assert observed(observe(whole_softmax), "whole_softmax").spanning(40) == ["softmax"]


def test_linear_layers_record_how_many_rows_they_were_fed_and_what_the_module_holds_is_given():
    student = InKernel({"Projector": Projector})
    student.module("Projector", seed=0, forward=(torch.randn(3, 5, 6),), observe=True)
    computation = observed(student, "Projector")
    assert computation.projections == (15,)
    assert (3, 5, 6) in computation.shapes  # x + offset; the buffer itself was held before the call


@pytest.mark.parametrize(
    ("function", "says"), [(turned_off, "could not observe"), (through_numpy, "took numbers out of torch")]
)
def test_code_that_hides_its_computation_fails_with_a_message(function, says):
    student = observe(function)
    with pytest.raises(CheckFailed, match=says):
        expect_computation(student, "hidden", [])


def test_a_missing_record_fails_and_a_broken_rule_names_its_mistake():
    student = observe(whole_softmax)
    student.computation = None  # what a grader reads when no record came back
    with pytest.raises(CheckFailed, match="no record"):
        expect_computation(student, "whole_softmax", [])
    rule = (BY_ID["softmax_over_all_keys"], lambda c: "over all 40 keys" if c.spanning(40) else None)
    with pytest.raises(CheckFailed, match="over all 40 keys") as failure:
        expect_computation(observe(whole_softmax), "whole_softmax", [rule])
    assert failure.value.tags == ["softmax_over_all_keys"]
    assert expect_computation(observe(tiled_sum), "tiled_sum", [rule]).endswith("computed as the step asks.")


def test_the_record_stays_small_whatever_the_code_does():
    def many_shapes(scores, block_size):
        made = [torch.zeros(n) + 1 for n in range(2, 1000)]  # a thousand shapes
        return made[0] * 2

    student = observe(many_shapes)
    assert isinstance(student.computation, dict) and len(student.computation["shapes"]) <= 300
    assert isinstance(observed(student, "many_shapes"), Computation)
