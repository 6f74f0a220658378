"""nbgrader's view of this repository: one course whose folders are the kit's folders.

assignments/<id>/<id>.ipynb  -> nbgrader's source (with the two files its check cells need,
                                attention_check.py and <id>.checks.json, written by `attention-kit build`)
release/<id>/                -> generate_assignment's output (what students receive)
solutions/<id>/              -> generate_solution's output (reference solutions)

`nbgrader autograde` reads each submission with the kit's reading step (broken nbgrader metadata repaired) and
runs it in the kit's sandboxed grader instead of a kernel that would run the test cells after the student's
code (see autograder/nbgrader_hooks.py): the test cells receive the kit's verdicts, everything else of
nbgrader is unchanged.

Your course's own settings are nbgrader's, set here as its documentation sets them (docs/nbgrader-jupyterhub.md):
the course id below, and the exchange (`c.Exchange.root`), which is best left to the JupyterHub's global
nbgrader_config.py that students share.
"""
import os
import sys

from nbgrader.converters import Autograde
from nbgrader.preprocessors import CheckCellMetadata, Execute

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# The id students fetch from: by default the course folder's name (a clone named `attention-kit` is the course
# `attention-kit`; nbgrader's JupyterHub guide names each course's folder after its id). Set your own here.
c.CourseDirectory.course_id = os.path.basename(os.path.dirname(os.path.abspath(__file__)))
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"

# Checks print to stdout only; a kernel that takes longer than this on a tiny
# notebook is stuck, not slow (generate_solution and the Validate button).
c.Execute.timeout = 60

# Autograde: nbgrader's own steps, with the kit's sandboxed grader where the kernel would run (and nbgrader's
# metadata check with its schema compiled once, where nbgrader compiles it for every cell).
KIT_STEPS = {Execute: "autograder.nbgrader_hooks.GradeInSandbox",
             CheckCellMetadata: "autograder.nbgrader_hooks.CheckCellMetadataOnce"}
for steps in ("sanitize_preprocessors", "autograde_preprocessors"):
    c.Autograde[steps] = [KIT_STEPS.get(step, step) for step in Autograde.class_traits()[steps].default()]
# Autograde reads each submitted notebook with the kit's reading step, which repairs what a student broke in its
# nbgrader metadata (copied cells, flipped flags, changed types, old schema versions) before nbgrader's own steps
# see it, so no one notebook stops the class; each repair is logged (autograder/nbgrader_reading.py).
c.Autograde.exporter_class = "autograder.nbgrader_reading.RepairingExporter"
c.GradeInSandbox.timeout = 120  # seconds for one notebook
# Late work: the course's course.toml (due dates, extensions, the late rule; docs/lms.md) is the one source. Its due
# dates are written into the gradebook when autograde starts, and nbgrader's late-submission step asks the kit's
# plugin, which applies the rule exactly as `attention-kit grade` does (autograder/nbgrader_late.py).
c.AssignLatePenalties.plugin_class = "autograder.nbgrader_late.CoursePolicyPenalty"
if sys.argv[1:2] == ["autograde"]:  # start the kit's warm grader now: it imports torch while nbgrader starts up
    from autograder.sandbox import shared

    shared()
