"""attention-kit: attention-mechanism exercises and their autograder.

The pieces, in the order a submission meets them (docs/design.md, docs/development.md):

- ``pipeline``: read the notebook, know its assignment, repair its nbgrader metadata (``repair``), restore the
  given cells, run it in the sandbox, run the checks, diagnose; every door (``cli``, ``nbgrader_hooks``,
  ``pytest_plugin``, ``platforms``) grades through its one ``Contract``.
- ``sandbox``, ``worker``, ``isolation``, ``syscall_filter``, ``leftovers``, ``channel``: the student's code runs
  in a sealed child of a warm zygote and answers probes with plain numbers (``checker.probes``, ``checker.wire``).
- ``checker``: the student's checker, one module per job (wire, probes, results, handle, comparison,
  public_checks, cells, formats, notebook_door, command_line); ``checker_file`` joins it into the released
  ``attention_check.py``, ``checker_cell`` packs that into each notebook's first cell.
- ``authoring`` (all an assignment module imports), ``framework``, ``compare``, ``mistakes``, ``assignments``,
  ``worked_values``, ``references``: the checks. They live in the grader's process, own every expected value and
  decide pass or fail.
- ``formats``: every door's words for the same results (terminal table, the kit's record, Gradescope,
  PrairieLearn, nbgrader's cell output, grades.csv).
- ``grading``, ``ledger``, ``report``, ``pages``: a class graded, resumably, with feedback pages and a class report
  (Jinja2 templates in ``templates/``); ``policy``, ``deadlines``, ``lateness``: the course's due dates and late rule;
  ``grade_records``, ``lms_export``: the grades as an LMS imports them.
"""

__version__ = "0.1.0"
