"""The kit's assignments, by id. Each module registers its checks in notebook order."""
from __future__ import annotations

from ..framework import Assignment, Check
from . import (causal_attention, efficient_attention, masks_and_cross_attention, multi_head_attention, qkv_self_attention,
               scaled_dot_product, simplified_attention, transformer_encoder)

#: in course order; add a new assignment's module here
MODULES = (simplified_attention, qkv_self_attention, scaled_dot_product, causal_attention, multi_head_attention, transformer_encoder,
           masks_and_cross_attention, efficient_attention)

ASSIGNMENTS: dict[str, Assignment] = {module.ASSIGNMENT.id: module.ASSIGNMENT for module in MODULES}


def find_check(grade_id: str) -> tuple[Assignment, Check]:
    """The assignment and check behind a test cell's grade id (unique across the kit)."""
    for assignment in ASSIGNMENTS.values():
        if grade_id in assignment.by_id:
            return assignment, assignment.by_id[grade_id]
    raise KeyError(f"no check named {grade_id!r} in this kit")
