"""nbgrader's view of this repository: one course whose folders are the kit's folders.

assignments/<id>/<id>.ipynb  -> nbgrader's source
release/<id>/<id>.ipynb      -> generate_assignment's output (student notebooks)
solutions/<id>/<id>.ipynb    -> generate_solution's output (reference solutions)
"""
c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "attention-kit"
c.CourseDirectory.source_directory = "assignments"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.solution_directory = "solutions"

# Checks print to stdout only; a kernel that takes longer than this on a tiny
# notebook is stuck, not slow.
c.Execute.timeout = 60
