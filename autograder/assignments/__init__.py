"""The kit's assignments, by id. Each module registers its checks in notebook order.

A platform bundle holds one assignment's module only (``attention-kit export``): the registry holds the
assignments whose modules are present."""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from ..framework import Assignment, Check

#: in course order; add a new assignment's module here
NAMES = ("simplified_attention", "qkv_self_attention", "scaled_dot_product", "causal_attention",
         "multi_head_attention", "transformer_encoder", "masks_and_cross_attention", "efficient_attention")
MODULES = tuple(import_module(f"{__name__}.{name}") for name in NAMES if find_spec(f"{__name__}.{name}"))

ASSIGNMENTS: dict[str, Assignment] = {module.ASSIGNMENT.id: module.ASSIGNMENT for module in MODULES}


def module_name(assignment_id: str) -> str:
    """The name of the modules of an assignment's checks, worked values and references (``simplified_attention``)."""
    return next(m.__name__.rsplit(".", 1)[1] for m in MODULES if m.ASSIGNMENT.id == assignment_id)


def find_check(grade_id: str) -> tuple[Assignment, Check]:
    """The assignment and check behind a test cell's grade id (unique across the kit)."""
    for assignment in ASSIGNMENTS.values():
        if grade_id in assignment.by_id:
            return assignment, assignment.by_id[grade_id]
    raise KeyError(f"no check named {grade_id!r} in this kit")
