"""The feedback page and the class report rendered from small hand-made records (no kernel, no browser).

A small class: one passed everything, two failed a check with a diagnosis (one with a hostile id),
one notebook could not be graded, one matched no assignment, and a regrade moved one student's
points. The pages are read back with Python's HTML parser; the browser test (test_class_report.py)
reads the pages of a really graded class.
"""

from __future__ import annotations

import io
import os
import pty
import select
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

from autograder import compare, formats, grading
from autograder.assignments import ASSIGNMENTS
from autograder.checker.comparison import advice
from autograder.checker.handle import InKernel
from autograder.framework import FAILED, PASSED, CheckResult
from autograder.mistakes import BY_ID
from autograder.pages import FOLD_AFTER, class_report, feedback_href
from autograder.pages.feedback import feedback_page
from autograder.pipeline import Submission

ASSIGNMENT = ASSIGNMENTS["01_simplified_attention"]
MISTAKE = BY_ID["softmax_dim0"]
HOSTILE = "<script>alert('x')</script>"


def results(failed: str | None = None, message: str = "") -> list[CheckResult]:
    """Every check of the assignment passed, but ``failed`` (with that message and the mistake named)."""
    return [
        CheckResult(
            c.grade_id,
            c.todo,
            c.points,
            c.hidden,
            FAILED if c.grade_id == failed else PASSED,
            message if c.grade_id == failed else "right",
            [MISTAKE.id] if c.grade_id == failed else [],
        )
        for c in ASSIGNMENT.checks
    ]


FAILED_CHECK = ASSIGNMENT.checks[1].grade_id
WHY = f"Your weights differ from the expected ones by 0.4.\n{advice([MISTAKE])}"


def submission(student: str, **fields) -> Submission:
    return Submission(Path(f"{student}.ipynb"), student, assignment=ASSIGNMENT, **fields)


def record(sub: Submission) -> dict:
    """A result record as ``grade`` writes it."""
    return {**formats.record(sub), "execution_time": 1.5}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def words(self) -> str:
        """The text as a browser shows it, every run of white space one space."""
        return " ".join("".join(self.text).split())

    def having(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def test_feedback_page_shows_the_score_each_check_and_the_diagnosis_set_apart():
    page = feedback_page(submission("ann", results=results(FAILED_CHECK, WHY), notes=["Cell 4 stopped."]))
    parsed = Elements(page)
    rows = [a["data-check"] for a in parsed.having("tr") if "data-check" in a]
    assert rows == [c.grade_id for c in ASSIGNMENT.checks]
    assert parsed.having("tr", data_check=FAILED_CHECK)[0]["class"] == FAILED
    score = ASSIGNMENT.max_score - ASSIGNMENT.checks[1].points
    assert f"<b class='score'>{score:g} / {ASSIGNMENT.max_score:g}</b>" in page
    assert len(parsed.having("div", data_mistake=MISTAKE.id)) == 1
    text = parsed.words()
    assert f"Likely mistake ({MISTAKE.id}): {MISTAKE.explanation}" in text and f"Fix: {MISTAKE.fix}" in text
    assert "Your weights differ from the expected ones by 0.4." in text
    assert "Running your notebook" in text and "Cell 4 stopped." in text
    assert parsed.having("a", href="../report.html")


def test_feedback_page_of_a_notebook_that_could_not_be_graded_says_why():
    page = feedback_page(submission("bob", problem="the file is not JSON"))
    assert "<p class='problem'>This notebook could not be graded: the file is not JSON</p>" in page
    assert "<table>" not in page


def test_feedback_page_escapes_what_the_student_wrote():
    page = feedback_page(
        Submission(
            Path("x.ipynb"),
            HOSTILE,
            assignment=ASSIGNMENT,
            notes=[HOSTILE],
            results=results(FAILED_CHECK, f"{HOSTILE}\n{advice([MISTAKE])}"),
        )
    )
    assert "<script" not in page
    assert page.count("&lt;script&gt;") == 4  # the title, the student line, the message and the note


@pytest.fixture(scope="module")
def class_page() -> str:
    """The class report of a class of five (rendered once: its charts take seconds on a busy machine)."""
    passed = submission("ann", results=results())
    failed = submission("bob", results=results(FAILED_CHECK, WHY))
    ungradable = submission("cy", problem="the file is not JSON")
    records = [
        record(passed),
        record(failed),
        record(ungradable),
        {**record(failed), "student": HOSTILE, "notes": [HOSTILE]},
        {**record(submission("dee", problem=HOSTILE)), "assignment": None},
    ]
    changes = [
        {"student": "ann", "assignment": ASSIGNMENT.id, "check": FAILED_CHECK, "old_points": "0.0", "new_points": "1.0"}
    ]
    return class_report.page(class_report.Graded(records, changes, seconds=12.0, workers=2))


def test_class_report_counts_mistakes_problems_and_what_a_regrade_changed(class_page):
    parsed = Elements(class_page)
    text = parsed.words()
    assert "5 notebooks graded in 12.0 s with 2 workers." in text
    assert "4 notebooks, 1 of them could not be graded (scored 0)." in text
    assert len(parsed.having("tr", data_mistake=MISTAKE.id)) == 1
    assert MISTAKE.explanation in text and MISTAKE.title in text
    links = {a["href"] for a in parsed.having("a", **{"class": "student"})}
    assert {feedback_href("bob", ASSIGNMENT.id), feedback_href("cy", ASSIGNMENT.id)} <= links
    assert "Not graded: the file is not JSON" in text
    assert parsed.having("section", id=ASSIGNMENT.id) and parsed.having("a", href=f"#{ASSIGNMENT.id}")
    assert len([a for a in parsed.having("img") if a["src"].startswith("data:image/png;base64,")]) == 2


def test_class_report_opens_with_what_a_regrade_changed(class_page):
    changes = class_page.split("<section id='changes'>", 1)[1].split("</section>", 1)[0]
    assert "moved the points of 1 student " in " ".join(changes.split())
    assert f"data-check='{FAILED_CHECK}'" in changes and f"href='{feedback_href('ann', ASSIGNMENT.id)}'" in changes


def test_what_to_reteach_names_the_step_that_fewest_passed(class_page):
    step = next(s for s in class_report.steps(ASSIGNMENT) if FAILED_CHECK in {c.grade_id for c in s.checks})
    reteach = " ".join(class_page.split("<ol class='reteach'><li><b>", 1)[1].split())
    assert reteach.startswith(
        f"{step.todo}</b>: 1 of 3 graded notebooks (33%) passed every check of this step; "
        f"most often {MISTAKE.title} (<code>{MISTAKE.id}</code>, 2 students).</li>"
    )


def test_class_report_escapes_student_ids_notes_and_reasons(class_page):
    assert "<script" not in class_page
    hostile = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    assert class_page.count(hostile) == 4  # two links to the student's page, their note, dee's reason
    assert f"href='feedback/%3Cscript%3Ealert%28%27x%27%29%3C/script%3E__{ASSIGNMENT.id}.html'" in class_page
    assert "Notebooks not matched to any assignment" in class_page


def test_with_no_gradable_notebook_the_sections_say_so():
    none_ran = class_report.AssignmentResults(ASSIGNMENT, [record(submission("cy", problem="empty file"))])
    assert "No notebook could be graded." in class_report.reteach_section(none_ran).render()
    assert "No notebook could be graded." in class_report.checks_section(none_ran).render()
    assert class_report.changes_section(class_report.Graded(none_ran.records)) is None


def test_a_long_list_of_students_folds_away():
    failing = [f"s{n:02d}" for n in range(FOLD_AFTER + 1)]
    graded = class_report.AssignmentResults(
        ASSIGNMENT, [record(submission(s, results=results(FAILED_CHECK, WHY))) for s in failing]
    )
    row = class_report.mistakes_section(graded).render().split(f"data-mistake='{MISTAKE.id}'", 1)[1]
    assert f"<details><summary>{len(failing)} students</summary>" in row.split("</tr>", 1)[0]


def _read_all(terminal: int) -> str:
    """What the terminal showed: a pty hands its output over in pieces, so read until it has been quiet a while."""
    shown = b""
    while select.select([terminal], [], [], 1.0)[0]:
        try:
            piece = os.read(terminal, 65536)
        except OSError:  # the writing end is closed and everything has been read
            break
        if not piece:
            break
        shown += piece
    return shown.decode()


def test_progress_line_shows_done_rate_and_time_left_on_a_terminal_only(monkeypatch):
    """On stderr a pseudo-terminal that does not say its size (as test_grade_adversarial.py's run has), and not
    in a pipe."""
    terminal, its_end = pty.openpty()
    piped = io.StringIO()
    with os.fdopen(its_end, "w") as shown:
        monkeypatch.setattr(sys, "stderr", shown)  # tqdm sizes its line by the terminal only on stderr or stdout
        for stream in (shown, piped):
            with grading.progress_line(2, stream) as progress:
                progress.update()
                progress.update()
    line = _read_all(terminal)
    os.close(terminal)
    assert "graded 2/2" in line and "notebooks/s" in line and "left" in line, line
    assert piped.getvalue() == ""


def test_nameable_mistakes_collects_what_a_passing_comparison_could_name_in_its_own_thread():
    scores = torch.tensor([[0.5, 2.0, -1.0], [1.0, 0.0, 3.0]])
    student = InKernel({})

    def compare_softmax() -> str:
        return compare.expect_tensor(
            torch.softmax(scores, dim=-1),
            what="weights",
            student=student,
            reference=lambda ops: ops.softmax(scores, dim=-1),
        )

    with compare.nameable_mistakes() as named:
        compare_softmax()
    assert MISTAKE.id in named
    with compare.nameable_mistakes() as alone:
        other = threading.Thread(target=compare_softmax)
        other.start()
        other.join()
    assert alone == set()
