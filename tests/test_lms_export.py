"""`attention-kit export-grades`: each LMS's documented import format (columns, their order, the points-possible
row, quoting, encoding) on a class with a roster, a student without a submission, a graded student not on the
roster, and names with non-ASCII characters and commas. docs/lms.md cites where each format is documented."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from autograder import cli, commands, lms_export
from autograder.assignments import ASSIGNMENTS

FIRST, SECOND = "01_simplified_attention", "02_qkv_self_attention"
ROSTER = (
    "student,first_name,last_name,email,username,id_number,canvas_id,sis_user_id,sis_login_id,section\n"
    'ada,Ada,"Lovelace, Countess",ada@uni.example,alovelace,1001,501,S1001,alovelace,Sec 1\n'
    "zoe,Zoë,Ørsted,zoe@uni.example,zorsted,1002,502,S1002,zorsted,Sec 2\n"
    'max,Max,"O""Neil",max@uni.example,moneil,1003,503,S1003,moneil,Sec 1\n'
)  # max handed nothing in


def record(student: str, assignment: str, fraction: float, penalty: float = 0.0) -> dict:
    """A result record as `grade` writes it: each check's points, the raw score less the late penalty."""
    checks = ASSIGNMENTS[assignment].checks
    tests = [
        {"name": c.grade_id, "score": c.points * fraction, "max_score": c.points, "output": "", "tags": []}
        for c in checks
    ]
    raw = sum(t["score"] for t in tests)
    return {
        "student": student,
        "assignment": assignment,
        "score": raw - penalty,
        "raw_score": raw,
        "late_penalty": penalty,
        "max_score": sum(c.points for c in checks),
        "gradable": True,
        "output": "",
        "tests": tests,
        "graded_with": {"file": f"/submitted/{student}/{assignment}.ipynb"},
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("graded")
    results = [
        record("ada", FIRST, 1.0, penalty=1.5),
        record("ada", SECOND, 0.5),
        record("zoe", FIRST, 0.75),
        record("intruder", FIRST, 1.0),
    ]  # not on the roster
    (out / "results").mkdir()
    for result in results:
        (out / "results" / f"{result['student']}__{result['assignment']}.json").write_text(json.dumps(result))
    (out / "roster.csv").write_text(ROSTER, encoding="utf-8")
    course = out / "course"
    course.mkdir()
    (course / "course.toml").write_text(
        f'[assignments.{FIRST}]\nlms_name = "Attention, part 1 (4711)"\n'
        f'[assignments.{SECOND}]\nlms_name = "QKV |88123"\n'
    )
    return out


def export(graded: Path, fmt: str, *options: str, capsys=None) -> tuple[bytes, str]:
    target = graded / f"{fmt}-{len(options)}.csv"
    code = cli.main(
        [
            "export-grades",
            "--format",
            fmt,
            "--from",
            str(graded),
            "--roster",
            str(graded / "roster.csv"),
            "--course",
            str(graded / "course"),
            "--out",
            str(target),
            *options,
        ]
    )
    assert code == commands.EXIT_OK
    return target.read_bytes(), capsys.readouterr().err if capsys else ""


def rows(data: bytes, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def max_score(assignment: str) -> str:
    return lms_export._number(sum(c.points for c in ASSIGNMENTS[assignment].checks))


def test_canvas(graded, capsys):
    """Canvas's gradebook import: UTF-8 with a byte order mark (as its own export), Student, ID, SIS User ID, SIS
    Login ID, Section, then each assignment named as Canvas names it (its id in parentheses), a Points Possible
    row second; the student with no submission blank, the one not on the roster left out and named."""
    data, stderr = export(graded, "canvas", capsys=capsys)
    assert data.startswith(b"\xef\xbb\xbf")
    table = rows(data, "utf-8-sig")
    assert table[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Attention, part 1 (4711)",
        "QKV |88123",
    ]
    assert table[1] == ["Points Possible", "", "", "", "", max_score(FIRST), max_score(SECOND)]
    full = float(max_score(FIRST))
    assert table[2] == [
        "Lovelace, Countess, Ada",
        "501",
        "S1001",
        "alovelace",
        "Sec 1",
        lms_export._number(full - 1.5),
        lms_export._number(float(max_score(SECOND)) / 2),
    ]
    assert table[3][:5] == ["Ørsted, Zoë", "502", "S1002", "zorsted", "Sec 2"] and table[3][6] == ""
    assert table[4] == ['O"Neil, Max', "503", "S1003", "moneil", "Sec 1", "", ""]
    assert b'"Lovelace, Countess, Ada"' in data and b'"O""Neil, Max"' in data  # commas and quotes quoted
    assert "intruder" in stderr and b"intruder" not in data


def test_moodle(graded, capsys):
    """Moodle's CSV grade import: UTF-8, names, one identifier column (email address, the first the roster gives
    for everyone), one column per grade item; --missing zero gives 0 where nothing was handed in."""
    data, _ = export(graded, "moodle", "--missing", "zero", capsys=capsys)
    assert not data.startswith(b"\xef\xbb\xbf")
    table = rows(data)
    assert table[0] == ["First name", "Last name", "Email address", "Attention, part 1 (4711)", "QKV |88123"]
    assert table[2][:3] == ["Zoë", "Ørsted", "zoe@uni.example"] and table[2][4] == "0"
    assert table[3] == ["Max", 'O"Neil', "max@uni.example", "0", "0"]
    assert len(table) == 4  # no row for the student not on the roster


def test_blackboard(graded, capsys):
    """Blackboard's Grade Center upload: every field quoted, Last Name, First Name, Username, Student ID, then each
    column (matched by the |ID ending its header; one without an id gets Blackboard's [Total Pts: ...] form and is
    created)."""
    data, _ = export(graded, "blackboard", capsys=capsys)
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == (
        f'"Last Name","First Name","Username","Student ID",'
        f'"Attention, part 1 (4711) [Total Pts: {max_score(FIRST)} Score]","QKV |88123"'
    )
    assert lines[1].startswith('"Lovelace, Countess","Ada","alovelace","1001",')
    assert lines[3] == '"O""Neil","Max","moneil","1003","",""'


def test_per_check_columns(graded, capsys):
    """--per-check: after each assignment's score, one column per TO-DO ("assignment: TO-DO") with its points."""
    data, _ = export(graded, "csv", "--per-check", capsys=capsys)
    table = rows(data)
    todos = list(dict.fromkeys(c.todo for c in ASSIGNMENTS[FIRST].checks))
    header = table[0]
    first = header.index("Attention, part 1 (4711)")
    assert header[first + 1 : first + 1 + len(todos)] == [f"{FIRST}: {todo}" for todo in todos]
    zoe = table[2]
    points = {todo: sum(c.points for c in ASSIGNMENTS[FIRST].checks if c.todo == todo) for todo in todos}
    assert [float(v) for v in zoe[first + 1 : first + 1 + len(todos)]] == pytest.approx(
        [points[t] * 0.75 for t in todos]
    )


def test_a_bad_roster_is_refused_with_the_reason(graded, tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,email,shoe_size\nada,a@x,42\n")
    assert (
        cli.main(["export-grades", "--from", str(graded), "--roster", str(roster), "--out", str(tmp_path / "x.csv")])
        == commands.EXIT_UNCHECKABLE
    )
    assert "unknown column shoe_size" in capsys.readouterr().out
    roster.write_text("student,email\nada,a@x\nada,b@x\n")
    assert (
        cli.main(["export-grades", "--from", str(graded), "--roster", str(roster), "--out", str(tmp_path / "x.csv")])
        == commands.EXIT_UNCHECKABLE
    )
    assert "line 3: ada is on the roster twice" in capsys.readouterr().out
    roster.write_text("student,first_name\nada,Ada\n")  # Canvas cannot match a student without an id
    assert (
        cli.main(
            [
                "export-grades",
                "--format",
                "canvas",
                "--from",
                str(graded),
                "--roster",
                str(roster),
                "--out",
                str(tmp_path / "x.csv"),
            ]
        )
        == commands.EXIT_UNCHECKABLE
    )
    assert "SIS Login ID" in capsys.readouterr().out and not (tmp_path / "x.csv").exists()


def test_the_plain_csv_weighs_assignments_as_course_toml_says(graded, tmp_path, capsys):
    """weighted_percent: each assignment's share of its points, weighted (ada: all of 01 with 1.5 points taken,
    half of 02; weights 1 and 3)."""
    (tmp_path / "course.toml").write_text(f"[assignments.{FIRST}]\nweight = 1\n[assignments.{SECOND}]\nweight = 3\n")
    target = tmp_path / "plain.csv"
    assert (
        cli.main(
            [
                "export-grades",
                "--from",
                str(graded),
                "--roster",
                str(graded / "roster.csv"),
                "--course",
                str(tmp_path),
                "--out",
                str(target),
            ]
        )
        == commands.EXIT_OK
    )
    ada = next(csv.DictReader(open(target, encoding="utf-8")))
    first, second = float(max_score(FIRST)), float(max_score(SECOND))
    assert float(ada["weighted_percent"]) == pytest.approx(100 * ((first - 1.5) / first + 3 * 0.5) / 4, abs=1e-4)
    assert float(ada["total"]) == pytest.approx(first - 1.5 + second / 2)
    assert float(ada["max_total"]) == pytest.approx(first + second)
