"""Grading on the platforms courses already use: Gradescope and PrairieLearn.

Both run one container per submission and hand the grader a folder of uploaded
files. ``export`` writes what the instructor uploads (a Gradescope autograder zip,
a PrairieLearn question folder); inside it, thin entrypoints call ``handin`` (find
the notebook, grade it with the kit's pipeline in its sandbox, hidden checks
included) and map the result to each platform's documented results.json
(``gradescope``, ``prairielearn``).
"""
