"""The worked example values of the course material, one module per assignment.

Every number here is printed in a seed notebook (``shared/seeds/``); each constant
cites the seed and the cell it comes from. Checks compare with these constants
only: no expected number is written anywhere else.
"""

from collections.abc import Callable
from typing import TypeVar

import torch

T = TypeVar("T")


def seeded(seed: int, make: Callable[[], T]) -> T:
    """What ``make()`` draws right after torch.manual_seed(seed) (the kit's own worked examples, 08 and 09); the
    caller's random numbers are left alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make()
