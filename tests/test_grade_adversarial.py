"""``attention-kit grade`` against submissions that try to break or fool it.

One batch, graded together with a correct notebook that must still get full
marks: each hostile notebook gets the score its answers deserve and a message
saying what happened, and no submission file is changed.
"""
from __future__ import annotations

import hashlib
import json
import os

import pytest


from . import samples
from .conftest import ROOT, run_kit
from .notebooks import A01, mutated, reference, with_cell, write

FULL, WEIGHTS_WRONG = 20.0, 18.0  # softmax_dim0 breaks all_weights and all_weights_hidden

TAMPER = """
import torch, torch.testing
torch.allclose = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
torch.Tensor.__eq__ = lambda self, other: True
"""
REDEFINE_CHECKS = """
def check(*args, **kwargs):
    print("PASSED")
try:
    import autograder.notebook
    autograder.notebook.check = check
except Exception:
    pass
"""

# name -> (notebook or raw bytes, expected score, text expected in the notes or problem)
CASES = {
    "correct": (reference(), FULL, ""),
    "infinite_loop": (with_cell("while True:\n    pass", position=60), FULL, "CellTimeout"),
    "os_exit": (with_cell("import os\nos._exit(0)", position=20), FULL, "stopped the notebook's process"),
    "memory_bomb": (with_cell("hoard = []\nwhile True:\n    hoard.append(torch.ones(2**26))", position=2), FULL,
                    "RuntimeError"),
    "print_flood": (with_cell("print('x' * 50_000_000)", position=2), FULL, "OutputLimitExceeded"),
    "monkeypatched_torch": (with_cell(TAMPER, 2, mutated("softmax_dim0")), WEIGHTS_WRONG, ""),
    "redefined_checks": (with_cell(REDEFINE_CHECKS, 2, mutated("softmax_dim0")), WEIGHTS_WRONG, ""),
    "tests_deleted": (next(s.notebook for s in samples.sample_class(ROOT, A01) if s.name == "tests_deleted"),
                      FULL - 2, ""),
    "tests_edited": (next(s.notebook for s in samples.sample_class(ROOT, A01) if s.name == "tests_edited"),
                     FULL - 2, ""),
    "pasted_numbers": (mutated("pasted_numbers"), FULL - 3, ""),
    # sealed when grading as root; otherwise the report must say the files could not be hidden
    "reads_solutions": (with_cell("print(open('%s').read())" % (ROOT / "solutions" / A01 / f"{A01}.ipynb"), 2),
                        FULL, "Permission denied" if os.geteuid() == 0 else "not hidden"),
    "not_json": (b"{ this is not json", 0.0, "not valid JSON"),
    "empty_file": (b"", 0.0, "the file is empty"),
    "not_utf8": ("caf\xe9 notebook".encode("latin-1"), 0.0, "not UTF-8"),
    "json_not_notebook": (b'{"name": "alice", "answers": [1, 2, 3]}', 0.0, "not a Jupyter notebook"),
    "unreadable_nbformat": (b'{"nbformat": 99, "nbformat_minor": 0, "cells": [], "metadata": {}}', 0.0, "nbformat"),
    "other_assignment": (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', 0.0,
                         "not an attention-kit assignment"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for name, (content, _, _) in CASES.items():
        path = folder / f"{name}.ipynb"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            write(content, path)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    out = tmp_path_factory.mktemp("graded")
    result = run_kit("grade", folder, "--out", out, "--workers", "2", "--timeout", "30", "--course", ROOT, timeout=900)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    results = {name: json.loads((out / "results" / f"{name}__{_assignment(name)}.json").read_text()) for name in CASES}
    return result, results, before, after, out


def _assignment(name: str) -> str:
    return A01 if not isinstance(CASES[name][0], bytes) else "ungradable"


def test_the_batch_finishes(graded):
    result = graded[0]
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("name", list(CASES))
def test_each_submission_gets_the_score_it_deserves_with_a_message(graded, name):
    _, results, _, _, _ = graded
    _, expected_score, message = CASES[name]
    assert results[name]["score"] == expected_score, results[name]
    assert message in results[name]["output"], results[name]["output"]


def test_no_submission_file_is_changed_or_removed(graded):
    _, _, before, after, _ = graded
    assert before == after


def test_grades_csv_has_one_row_per_submission_and_one_column_per_check(graded):
    import csv

    with open(graded[4] / "grades.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["student"] for r in rows) == sorted(CASES)
    assert {"scores_loop", "all_weights_hidden"} <= set(rows[0])
    assert all((graded[4] / "feedback" / f"{n}__{_assignment(n)}.html").exists() for n in CASES)
