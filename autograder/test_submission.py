"""One pytest test per check of the submitted notebook (see ``pytest_plugin``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import course, pipeline
from .framework import PASSED, run_check
from .sandbox import Limits, RemoteStudent, Sandbox


def _contract(config) -> pipeline.Contract:
    """The grading contract every door shares; this door sets whether hidden checks run and the time."""
    root, path = course.course_root(), Path(config.getoption("submission"))
    return pipeline.Contract(
        Limits.for_notebook(config.getoption("notebook_timeout")),
        hidden=not config.getoption("public_only"),
        root=root,
        hide=tuple(pipeline.secrets(root, [path.parent])),
    )


def _identified(config) -> pipeline.Submission | None:
    path = config.getoption("submission")
    if not path:
        return None
    return pipeline.run(pipeline.Submission(Path(path), Path(path).stem), _contract(config).reading())


def pytest_generate_tests(metafunc) -> None:
    if "check" not in metafunc.fixturenames:
        return
    sub = _identified(metafunc.config)
    if sub is None or not sub.gradable:
        metafunc.parametrize("check", [None], ids=["notebook"])
        return
    hidden = _contract(metafunc.config).hidden
    assert sub.assignment is not None  # gradable: identified
    checks = [c for c in sub.assignment.checks if hidden or not c.hidden]
    metafunc.parametrize("check", checks, ids=[c.grade_id for c in checks])


@pytest.fixture(scope="session")
def executed(pytestconfig):
    """The notebook run once in the sandbox, with the contract's diagnosis (repairs, cells that failed) noted for
    the closing summary; each check then asks it for numbers."""
    sub = _identified(pytestconfig)
    if sub is None:
        pytest.skip("no notebook to grade: pass --submission path/to/notebook.ipynb")
    if not sub.gradable:
        yield sub, None
        return
    with Sandbox() as sandbox:
        # the contract's steps but the checks, which this door runs one per pytest test
        steps = [s for s in _contract(pytestconfig).grading(sandbox) if not isinstance(s, pipeline.CollectResults)]
        sub = pipeline.run(sub, steps)
        pytestconfig.stash[NOTES] = sub.notes
        assert sub.execution_handle is not None  # gradable: Execute started its process
        yield sub, RemoteStudent(sub.execution_handle)
        sub.execution_handle.close()


NOTES = pytest.StashKey[list]()


def test_check(check, executed, record_property):
    sub, student = executed
    if student is None:
        pytest.fail(f"{sub.path} cannot be graded: {sub.problem}", pytrace=False)
    record_property("points", check.points)
    result = run_check(check, student)
    if result.status != PASSED:
        pytest.fail(result.message, pytrace=False)
