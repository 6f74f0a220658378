"""One pytest test per check of the submitted notebook (see ``pytest_plugin``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from . import course, pipeline
from .framework import PASSED, run_check
from .sandbox import Limits, RemoteStudent, Sandbox


def _identified(config) -> pipeline.Submission | None:
    path = config.getoption("submission")
    if not path:
        return None
    sub = pipeline.Submission(Path(path), Path(path).stem)
    for step in (pipeline.LoadNotebook(), pipeline.IdentifyAssignment(), pipeline.RestoreChecks(course.course_root())):
        sub = step(sub)
    return sub


def pytest_generate_tests(metafunc) -> None:
    if "check" not in metafunc.fixturenames:
        return
    sub = _identified(metafunc.config)
    if sub is None or not sub.gradable:
        metafunc.parametrize("check", [None], ids=["notebook"])
        return
    public_only = metafunc.config.getoption("public_only")
    checks = [c for c in sub.assignment.checks if not (public_only and c.hidden)]
    metafunc.parametrize("check", checks, ids=[c.grade_id for c in checks])


@pytest.fixture(scope="session")
def executed(pytestconfig):
    sub = _identified(pytestconfig)
    if sub is None:
        pytest.skip("no notebook to grade: pass --submission path/to/notebook.ipynb")
    if not sub.gradable:
        yield sub, None
        return
    limits = Limits(total_seconds=pytestconfig.getoption("notebook_timeout"))
    with Sandbox() as sandbox:
        sub = pipeline.Execute(sandbox, limits)(sub)
        yield sub, RemoteStudent(sub.execution_handle)
        sub.execution_handle.close()


def test_check(check, executed, record_property):
    sub, student = executed
    if student is None:
        pytest.fail(f"{sub.path} cannot be graded: {sub.problem}", pytrace=False)
    record_property("points", check.points)
    result = run_check(check, student)
    if result.status != PASSED:
        pytest.fail(result.message, pytrace=False)
