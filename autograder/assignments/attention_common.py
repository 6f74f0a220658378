"""Helpers shared by the checks of the assignments with query, key and value weights (02 and 03).

What the generic machinery of :mod:`autograder.mistakes` does not cover:

* **softmax without a dimension** (``softmax_no_dim``). On a 2-D tensor PyTorch's implicit
  choice happens to be the last dimension, so the numbers are right; on 1-D or 3-D
  (batched) scores it is dimension 0. The kit's policy: a check whose answer came with
  PyTorch's "Implicit dimension choice for softmax" warning fails, and names the mistake,
  even when the numbers are right (:func:`refuse_implicit_softmax_dim`). If the numbers
  are wrong too, the ``warned`` detector names it through the usual diagnosis.
"""
from __future__ import annotations

from ..framework import CheckFailed
from ..mistakes import BY_ID, advice

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
        f"and PyTorch warned:\n  \"{warning}\"\n{advice([mistake])}",
        tags=[mistake.id])
