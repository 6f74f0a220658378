"""The authoring API: the one module an assignment's checks import from (docs/customizing.md).

An assignment module (``autograder/assignments/<name>.py``) imports from here and from its own reference
solutions (``autograder/references/<name>.py``) and worked values (``autograder/worked_values/<name>.py``), nothing
else of the kit; the references and worked values import from here and from the references. So the engine can
change its modules without touching an assignment, and ``tests/unit/test_imports.py`` keeps it so.

What it offers:

- the registry of checks: :class:`Assignment` (``ASSIGNMENT.public``, ``ASSIGNMENT.check``) and
  :class:`CheckFailed`, what a hidden check raises with what is wrong;
- a public check's steps, which become data in ``<assignment>.checks.json``: :func:`call`, :func:`module`,
  :func:`expect`, :func:`items`, :func:`keys`, :func:`parameters`;
- a hidden check's comparison with the diagnosis: :func:`expect_tensor`, :func:`as_tensor`, :func:`close`,
  :func:`parameter`, and the shape rules the public steps share, ``require_*``;
- rules about how the student's code computed, from what an observed probe recorded: :func:`expect_computation`;
- the operations a reference is written with (:class:`Ops`, :data:`OPERATIONS`) and the catalogue's mistakes by id
  (:data:`BY_ID`, for a check's detectors);
- fresh inputs for hidden checks and the seeded layers of worked examples (:mod:`autograder.fresh`);
- the student's layers read from their state_dict (:mod:`autograder.student_layers`).
"""

from __future__ import annotations

from .checker.public_checks import require_items, require_keys, require_parameters
from .checker.results import CheckFailed
from .compare import as_tensor, close, expect_tensor, parameter
from .computation import Computation, expect_computation
from .framework import Assignment
from .fresh import HIDDEN_TOL, Tolerance, generator, new_linear, rand, randn, seeded_state
from .mistakes import BY_ID, OPERATIONS, Ops
from .public import call, expect, items, keys, module, parameters
from .student_layers import QKV, project, projections, student_linear

__all__ = [
    "BY_ID",
    "HIDDEN_TOL",
    "OPERATIONS",
    "QKV",
    "Tolerance",
    "Assignment",
    "CheckFailed",
    "Computation",
    "Ops",
    "as_tensor",
    "call",
    "close",
    "expect",
    "expect_computation",
    "expect_tensor",
    "generator",
    "items",
    "keys",
    "module",
    "new_linear",
    "parameter",
    "parameters",
    "project",
    "projections",
    "rand",
    "randn",
    "require_items",
    "require_keys",
    "require_parameters",
    "seeded_state",
    "student_linear",
]
