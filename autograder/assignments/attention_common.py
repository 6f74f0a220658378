"""Helpers shared by the checks of the assignments with query, key and value weights (02 and 03).

Two things the generic machinery of :mod:`autograder.mistakes` does not cover:

* **softmax without a dimension** (``softmax_no_dim``). On a 2-D tensor PyTorch's implicit
  choice happens to be the last dimension, so the numbers are right; on 1-D or 3-D
  (batched) scores it is dimension 0. The kit's policy: a check whose answer came with
  PyTorch's "Implicit dimension choice for softmax" warning fails, and names the mistake,
  even when the numbers are right (:func:`refuse_implicit_softmax_dim`). If the numbers
  are wrong too, the ``warned`` detector names it through the usual diagnosis.
* **a wrong answer of another shape** (:func:`variant_any_shape`): context vectors computed
  from the inputs instead of the values have d_in columns instead of d_out; ``variant``
  only compares answers of the expected shape.
"""
from __future__ import annotations

from typing import Callable

import torch

from ..framework import CheckFailed
from ..mistakes import BY_ID, Detector, Evidence

#: the start of the warning PyTorch raises for softmax(x) without dim
IMPLICIT_SOFTMAX_DIM = "Implicit dimension choice for softmax"


def refuse_implicit_softmax_dim(student, what: str) -> None:
    """Fail (tagged ``softmax_no_dim``) if the last probe warned about an implicit softmax dimension."""
    warning = next((w for w in student.warnings if IMPLICIT_SOFTMAX_DIM in w), None)
    if warning is None:
        return
    mistake = BY_ID["softmax_no_dim"]
    raise CheckFailed(
        f"{what}: the numbers happen to be right here, but your code called softmax without a dimension "
        f"and PyTorch warned:\n  \"{warning}\"\n"
        f"Likely mistake ({mistake.id}): {mistake.explanation}\n  Fix: {mistake.fix}",
        tags=[mistake.id])


def variant_any_shape(wrong_answer: Callable[..., torch.Tensor], atol: float = 1e-4) -> Detector:
    """Like :func:`mistakes.variant`, for wrong answers whose shape differs from the right one."""

    def detect(evidence: Evidence) -> bool:
        try:
            wrong = wrong_answer(**evidence.case).to(torch.float64)
        except (RuntimeError, TypeError, KeyError, IndexError, ValueError):
            return False
        if wrong.shape == evidence.expected.shape and torch.allclose(wrong, evidence.expected, atol=atol):
            return False  # no evidence: on these inputs the mistake gives the right answer
        return wrong.shape == evidence.got.shape and bool(torch.allclose(evidence.got, wrong, atol=atol))

    return detect
