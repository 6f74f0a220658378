"""The student's checker: the code every released folder's ``attention_check.py`` holds, one module per job.

``attention-kit build`` joins these modules, in the order of :data:`MODULES`, into that single self-contained
file (:mod:`autograder.checker_file`); the kit imports them from here. Each module imports only the ones
before it, nothing of the rest of the kit, and nothing but the standard library, torch and (from a terminal)
IPython. The sandboxed child imports only ``wire``, ``recording`` and ``probes``.
"""

#: the modules in the order they import each other (each only from those before it), as the joined file holds them
MODULES = (
    "wire",
    "recording",
    "probes",
    "results",
    "handle",
    "comparison",
    "public_checks",
    "cells",
    "formats",
    "notebook_door",
    "command_line",
)
