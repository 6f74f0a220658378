"""The softmax-without-dim policy of the assignments that teach softmax on 2-D scores (02 and 03).

On a 2-D tensor PyTorch's implicit choice happens to be the last dimension, so the numbers
are right; on 1-D or 3-D (batched) scores it is dimension 0. A check whose answer came with
PyTorch's "Implicit dimension choice for softmax" warning fails, and names the mistake, even
when the numbers are right. (If the numbers are wrong too, the warning names it through the
usual diagnosis: :attr:`autograder.mistakes.CatalogEntry.warning`.)
"""
from __future__ import annotations

from ..attention_check import refuse_warning
from ..mistakes import BY_ID, IMPLICIT_SOFTMAX_DIM
from ..public import no_warning


def refuse_implicit_softmax_dim(student, what: str) -> None:
    """Fail (tagged ``softmax_no_dim``) if the last probe warned about an implicit softmax dimension."""
    refuse_warning(student, IMPLICIT_SOFTMAX_DIM, BY_ID["softmax_no_dim"], what)


def no_implicit_softmax_dim(what: str):
    """The same rule as a public check's step."""
    return no_warning(IMPLICIT_SOFTMAX_DIM, "softmax_no_dim", what)
