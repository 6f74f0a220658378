"""``report.html`` and the feedback pages of a graded sample class, read in a real browser.

One class per session, graded once through the CLI: two assignments' reference
solutions, blank notebooks, a few sample mistakes (with the tampered copies the
sample class adds), a notebook whose cell ends its process, and an unreadable file.
Every expected number is taken from the result records the grader wrote.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape

from autograder.assignments import ASSIGNMENTS
from autograder.mistakes import BY_ID

from . import samples
from .conftest import ROOT, run_kit, screenshot

pytestmark = pytest.mark.xdist_group("browser")
browser_test = pytest.mark.browser

SAMPLED = {  # assignment -> the sample mistakes in the class
    "01_simplified_attention": {"softmax_dim0", "sum_instead_of_softmax", "empty_accumulator"},
    "04_causal_attention": {"mask_diagonal", "module_mask_fill_zero", "no_scaling"},
}
EXITS = "exits_early"  # a student whose notebook ends its own process in one cell
UNREADABLE = "unreadable"
OPENED = "opened.txt"  # what the browser was asked to open


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Path:
    """The sample class, graded by ``attention-kit grade --out``."""
    submitted = tmp_path_factory.mktemp("class") / "submitted"
    for assignment_id, names in SAMPLED.items():
        for sample in samples.sample_class(ROOT, assignment_id, names):
            samples.write(sample.notebook, submitted / sample.name / assignment_id / f"{assignment_id}.ipynb")
    first = next(iter(SAMPLED))
    exits = samples.solution(ROOT, first)
    exits.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(0)"))
    samples.write(exits, submitted / EXITS / first / f"{first}.ipynb")
    unreadable = submitted / UNREADABLE / first / f"{first}.ipynb"
    unreadable.parent.mkdir(parents=True)
    unreadable.write_text('{"cells": [ not JSON')
    out = tmp_path_factory.mktemp("graded")
    # --open hands the page to the browser named by $BROWSER (Python's webbrowser): here, one that notes the address.
    browser = f"{sys.executable} -c \"import pathlib, sys; pathlib.Path('{out / OPENED}').write_text(sys.argv[1])\" %s"
    result = run_kit(
        "grade", submitted, "--out", out, "--workers", "2", "--course", ROOT, "--open", env={"BROWSER": browser}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def records(graded: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((graded / "results").glob("*.json"))]


def mistakes_in(graded: Path) -> dict[str, dict[str, set[str]]]:
    """assignment -> mistake id -> students, as the result records tell it."""
    found: dict[str, dict[str, set[str]]] = {}
    for record in records(graded):
        for test in record["tests"]:
            for tag in test["tags"]:
                found.setdefault(record["assignment"], {}).setdefault(tag, set()).add(record["student"])
    return found


def test_report_is_one_self_contained_file(graded):
    text = (graded / "report.html").read_text()
    inside = r"""(?!["']?(?:data:|#|feedback/))"""  # embedded data, an anchor, a feedback page next to it
    outside = re.findall(rf"<script|<link|<iframe|<object|@import|url\(|(?:src|href)\s*=\s*{inside}", text)
    assert not outside, f"references outside the file: {outside}"
    images = re.findall(r"<img [^>]*src='([^']*)'", text)
    assert len(images) == 2 * len(SAMPLED)  # a histogram and a pass-rate chart per assignment
    assert all(src.startswith("data:image/png;base64,iVBORw0KGgo") for src in images)  # PNG signature


def test_open_hands_the_report_to_the_browser(graded):
    assert (graded / OPENED).read_text() == (graded / "report.html").resolve().as_uri()


def test_report_names_the_stopped_cell_and_the_unreadable_file(graded):
    by_student = {r["student"]: r for r in records(graded)}
    text = (graded / "report.html").read_text()
    assert escape(by_student[UNREADABLE]["output"]) in text
    assert by_student[EXITS]["notes"], "the notebook that ends its process has a note saying so"
    assert all(escape(note) in text for note in by_student[EXITS]["notes"])


def test_what_to_reteach_starts_with_a_step_fewest_notebooks_passed(graded):
    text = (graded / "report.html").read_text()
    for assignment_id in SAMPLED:
        ran = [r for r in records(graded) if r["assignment"] == assignment_id and r["gradable"]]
        steps: list[tuple[str, set[str]]] = []  # a TO-DO's name, its public check and the hidden ones under it
        for check in ASSIGNMENTS[assignment_id].checks:
            if check.hidden and steps:
                steps[-1][1].add(check.grade_id)
            else:
                steps.append((check.todo, {check.grade_id}))
        passed = {
            todo: sum(all(t["status"] == "passed" for t in r["tests"] if t["name"] in ids) for r in ran)
            for todo, ids in steps
        }
        first = re.search(rf"<section id='{assignment_id}'>.*?<ol class='reteach'><li><b>(.*?)</b>", text, re.S)
        assert first, f"{assignment_id}: no step to re-teach"
        assert passed[html.unescape(first[1])] == min(passed.values()) < len(ran), assignment_id


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


@browser_test
def test_every_plot_loads(graded, page):
    page.goto((graded / "report.html").as_uri())
    widths = page.eval_on_selector_all("img", "images => images.map(image => image.complete && image.naturalWidth)")
    screenshot(page, "class_report")
    assert len(widths) == 2 * len(SAMPLED) and all(width > 0 for width in widths), widths


@browser_test
def test_mistake_tables_list_the_class_s_mistakes_with_their_counts(graded, page):
    expected = mistakes_in(graded)
    for assignment_id, names in SAMPLED.items():
        declared = {m.mistake for m in samples.all_mutations() if m.assignment == assignment_id and m.name in names}
        assert declared <= set(expected[assignment_id]), "the sample mistakes were named in the results"
    page.goto((graded / "report.html").as_uri())
    for assignment_id in SAMPLED:
        rows = page.locator(f"section[id='{assignment_id}'] table.mistakes tr[data-mistake]")
        shown = {
            row.get_attribute("data-mistake"): (
                int(row.locator("td.count").inner_text()),
                set(row.locator("a.student").all_inner_texts()),
            )
            for row in rows.all()
        }
        assert shown == {m: (len(who), who) for m, who in expected[assignment_id].items()}, assignment_id
        counts = [count for count, _ in shown.values()]
        assert counts == sorted(counts, reverse=True), "most frequent first"


@browser_test
def test_a_student_link_opens_their_feedback_page_and_it_links_back(graded, page):
    assignment_id = next(iter(SAMPLED))
    page.goto((graded / "report.html").as_uri())
    link = page.locator(f"section[id='{assignment_id}'] table.mistakes a.student").first
    student = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.url == (graded / "feedback" / f"{student}__{assignment_id}.html").as_uri()
    assert page.locator("h1").inner_text() == ASSIGNMENTS[assignment_id].title
    page.get_by_role("link", name="class report").click()
    page.wait_for_load_state()
    assert page.url == (graded / "report.html").as_uri()


@browser_test
def test_feedback_page_shows_score_explanations_and_diagnosis(graded, page):
    assignment_id = next(iter(SAMPLED))
    student = "softmax_dim0"
    record = json.loads((graded / "results" / f"{student}__{assignment_id}.json").read_text())
    page.goto((graded / "feedback" / f"{student}__{assignment_id}.html").as_uri())
    screenshot(page, "feedback_page")
    assert page.locator(".score").inner_text() == f"{record['score']:g} / {record['max_score']:g}"
    failed = [t for t in record["tests"] if t["status"] == "failed"]
    assert failed and any(t["tags"] for t in failed)
    for test in failed:
        row = page.locator(f"tr[data-check='{test['name']}']")
        assert " ".join(test["output"].split()) in " ".join(row.inner_text().split()), test["name"]
        for tag in test["tags"]:
            diagnosis = row.locator(f".diagnosis[data-mistake='{tag}']")
            assert diagnosis.is_visible()
            text = diagnosis.inner_text()
            assert f"Likely mistake ({tag})" in text and BY_ID[tag].explanation in text and BY_ID[tag].fix in text
            assert diagnosis.evaluate("box => getComputedStyle(box).borderLeftStyle") == "solid", "set apart"
