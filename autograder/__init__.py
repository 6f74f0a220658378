"""attention-kit: attention-mechanism exercises and their autograder.

The pieces, in the order a submission meets them:

- ``probes`` and ``wire``: what runs next to the student's code. A probe calls the
  student's function on inputs it is given and sends back plain numbers.
- ``framework``, ``compare``, ``mistakes``, ``worked_values`` and ``assignments``:
  the checks. They live in the grader's process, own every expected value and
  decide pass or fail.
- ``student``: the handle a check uses to reach the student's code, either in the
  same kernel (nbgrader test cells) or in a sandboxed process (``sandbox``).
- ``pipeline``: load notebook -> restore checks -> execute -> collect -> diagnose
  -> report, used by ``attention-kit check``/``grade`` and by ``pytest autograder``.
"""

__version__ = "0.1.0"
