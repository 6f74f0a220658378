"""Fresh inputs for hidden checks: other shapes, fixed seeds, so pasted numbers fail."""
from __future__ import annotations

import torch


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def rand(seed: int, *shape: int) -> torch.Tensor:
    """Uniform [0, 1) values, like the course's embeddings."""
    return torch.rand(*shape, generator=generator(seed))


def randn(seed: int, *shape: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
    return torch.randn(*shape, generator=generator(seed)) * scale + shift


#: tolerance of hidden checks: float32 arithmetic done another way (einsum, loops) differs by ~1e-6
HIDDEN_TOL = {"atol": 1e-4, "rtol": 1e-4}
