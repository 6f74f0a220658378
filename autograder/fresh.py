"""Numbers the checks make: fresh inputs for hidden checks (other shapes, fixed seeds, so pasted
numbers fail), and the weights of the worked examples' seeded layers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

import torch


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def rand(seed: int, *shape: int) -> torch.Tensor:
    """Uniform [0, 1) values, like the course's embeddings."""
    return torch.rand(*shape, generator=generator(seed))


def randn(seed: int, *shape: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    return torch.randn(*shape, generator=generator(seed)) * scale + shift


def seeded_state(seed: int, layers: list[tuple[str, Callable[[], torch.nn.Module]]]) -> dict[str, torch.Tensor]:
    """The parameters of layers built in this order right after ``torch.manual_seed(seed)``, as a worked
    example's module builds them, named ``<layer>.<parameter>``; the caller's random numbers are left alone."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        built = [(name, make()) for name, make in layers]
    return {f"{name}.{key}": value.detach() for name, layer in built for key, value in layer.state_dict().items()}


def new_linear(d_in: int, d_out: int, bias: bool = False) -> Callable[[], torch.nn.Linear]:
    return lambda: torch.nn.Linear(d_in, d_out, bias=bias)


class Tolerance(TypedDict):
    """``expect_tensor``'s tolerance keywords, kept together and passed as ``**tolerance``."""

    atol: float
    rtol: float


#: tolerance of hidden checks: float32 arithmetic done another way (einsum, loops) differs by ~1e-6
HIDDEN_TOL: Tolerance = {"atol": 1e-4, "rtol": 1e-4}
