"""``pytest autograder --submission NOTEBOOK``: one pytest test per check, as GitHub Classroom or CI calls it.

The same checks as every other door: the reference passes every test with the full score, a sample mistake fails
exactly the checks it breaks, each failure saying why and naming the mistake."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from autograder.assignments import ASSIGNMENTS

from .conftest import ROOT
from .notebooks import A01, mutated, reference, write
from .samples import broken_metadata


def run_pytest(notebook, *options: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "autograder",
            "--submission",
            str(notebook),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            *options,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_reference_passes_every_check_with_the_full_score(tmp_path):
    result = run_pytest(write(reference(), tmp_path / "mine.ipynb"))
    checks = ASSIGNMENTS[A01].checks
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{len(checks)} passed" in result.stdout
    assert f"attention-kit score: {sum(c.points for c in checks):g}/{sum(c.points for c in checks):g}" in result.stdout


def test_a_mistake_fails_exactly_its_checks_and_says_why(tmp_path):
    result = run_pytest(write(mutated("softmax_dim0"), tmp_path / "mine.ipynb"))
    assert result.returncode == 1
    failed = set(re.findall(r"FAILED autograder/test_submission\.py::test_check\[(\w+)\]", result.stdout))
    assert failed == {"all_weights", "all_weights_hidden"}
    assert "Likely mistake (softmax_dim0)" in result.stdout


def test_public_only_leaves_the_hidden_checks_out(tmp_path):
    result = run_pytest(write(reference(), tmp_path / "mine.ipynb"), "--public-only")
    assert result.returncode == 0
    assert f"{sum(1 for c in ASSIGNMENTS[A01].checks if not c.hidden)} passed" in result.stdout


@pytest.mark.parametrize("name", ["meta_duplicated_tests", "meta_grade_flag_off"])
def test_a_notebook_with_broken_metadata_is_graded_on_its_answers_and_the_repair_is_named(name, tmp_path):
    """The same reading step as every door: the broken notebook fails exactly what its intact twin fails (see
    test_nbgrader_e2e.py for the same notebooks under nbgrader and attention-kit grade)."""
    broken = next(b for b in broken_metadata.broken_class(ROOT, A01) if b.name == name)
    result = run_pytest(broken.write(tmp_path / "mine.ipynb"))
    failed = set(re.findall(r"FAILED autograder/test_submission\.py::test_check\[(\w+)\]", result.stdout))
    assert failed == set(broken.fails), result.stdout[-3000:]
    assert "attention-kit note: Repaired: " in result.stdout
