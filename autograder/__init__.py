"""attention-kit: attention-mechanism exercises and their autograder.

The pieces, in the order a submission meets them (docs/design.md, docs/development.md):

- ``pipeline``: read the notebook, know its assignment, repair its nbgrader metadata (``repair``), restore the
  given cells, run it in the sandbox, run the checks, diagnose; every door (``cli``, ``nbgrader_hooks``,
  ``pytest_plugin``, ``platforms``) grades through its one ``Contract``.
- ``sandbox``, ``worker``, ``isolation``, ``syscall_filter``, ``leftovers``, ``channel``: the student's code runs
  in a sealed child of a warm zygote and answers probes with plain numbers (``attention_check`` holds the probes).
- ``framework``, ``compare``, ``mistakes``, ``assignments``, ``worked_values``, ``references``: the checks. They
  live in the grader's process, own every expected value and decide pass or fail.
- ``grading``, ``ledger``, ``report``, ``pages``: a class graded, resumably, with feedback pages and a class report.
"""

__version__ = "0.1.0"
