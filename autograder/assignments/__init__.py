"""The kit's assignments, by id. Each module registers its checks in notebook order.

A platform bundle holds one assignment's module only (``attention-kit export``): the registry holds the
assignments whose modules are present."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from ..framework import Assignment, Check

#: the course's assignments in order, each with the name of its modules; add a new assignment here
COURSE = {
    "01_simplified_attention": "simplified_attention",
    "02_qkv_self_attention": "qkv_self_attention",
    "03_scaled_dot_product_attention": "scaled_dot_product",
    "04_causal_attention": "causal_attention",
    "05_multi_head_attention": "multi_head_attention",
    "06_transformer_encoder": "transformer_encoder",
    "07_masks_and_cross_attention": "masks_and_cross_attention",
    "08_efficient_attention": "efficient_attention",
    "09_modern_attention": "modern_attention",
}
MODULES = tuple(import_module(f"{__name__}.{name}") for name in COURSE.values() if find_spec(f"{__name__}.{name}"))

ASSIGNMENTS: dict[str, Assignment] = {module.ASSIGNMENT.id: module.ASSIGNMENT for module in MODULES}


def module_name(assignment_id: str) -> str:
    """The name of the modules of an assignment's checks, worked values and references (``simplified_attention``)."""
    return COURSE[assignment_id]


def find_check(grade_id: str) -> tuple[Assignment, Check]:
    """The assignment and check behind a test cell's grade id (unique across the kit)."""
    for assignment in ASSIGNMENTS.values():
        if grade_id in assignment.by_id:
            return assignment, assignment.by_id[grade_id]
    raise KeyError(f"no check named {grade_id!r} in this kit")
