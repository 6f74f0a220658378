"""Gradescope and PrairieLearn, emulated: the exported bundles' real scripts, run the way each platform documents.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the zip is unzipped into
ROOT/source, ``setup.sh`` runs once (into a fresh virtual environment first on PATH: the image), then per
submission ``run_autograder`` is copied to ROOT, the upload put in ROOT/submission/, and it runs in ROOT with
AUTOGRADER_ROOT=ROOT. PrairieLearn (https://prairielearn.readthedocs.io/en/latest/externalGrading/): the
question's tests/ goes to GRADE_ROOT/tests, the upload to GRADE_ROOT/student, data.json to GRADE_ROOT/data, and
the entrypoint named in info.json runs from under GRADE_ROOT, in the same environment.

Each results.json is checked against the platform's documented schema (written out below) and against the
points per check that ``attention-kit grade`` gives the same notebooks.
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import venv
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from numbers import Real
from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS, COURSE, module_name
from autograder.kit_sources import PER_ASSIGNMENT
from autograder.platforms import withhold

from . import hostile, samples
from .conftest import ROOT, run_kit
from .notebooks import A01, mutated, reference, with_cell, write
from .platform_harness import Image, build_image, grade_id_of, run_gradescope, run_prairielearn, unzip
from .samples import broken_metadata

pytestmark = pytest.mark.xdist_group("platforms")  # one worker: setup.sh runs once

NOTEBOOK = f"{A01}.ipynb"
TIMEOUT = "16"  # seconds per notebook (8 per cell), in the bundles and in `attention-kit grade`
CHEAT = "import torch\ntorch.allclose = lambda *args, **kwargs: True\n"
MISTAKE = mutated("softmax_dim0")

# graded by `attention-kit grade` too: both platforms must give each the same points per check
KIT_GRADED = {
    "reference": reference(),
    "blank": samples.blank(ROOT, A01),
    "mistake": MISTAKE,
    "allclose_cheat": with_cell(CHEAT, 2, MISTAKE),
    "loops": with_cell("import time\nwhile True:\n    time.sleep(0.1)", position=60),  # stopped, not burning a core
    "exits": with_cell("import os\nos._exit(0)", position=20),
}


@dataclass(frozen=True)
class Case:
    files: dict  # file name -> notebook or raw bytes, as uploaded
    graded_as: str | None  # the KIT_GRADED notebook whose points it gets; None: 0 on every check
    says: str  # what the student is told about the submission as a whole


CASES = {
    **{name: Case({NOTEBOOK: notebook}, name, "points") for name, notebook in KIT_GRADED.items()},
    "two_notebooks_one_named": Case(
        {NOTEBOOK: MISTAKE, "scratch.ipynb": reference()}, "mistake", "not graded: scratch.ipynb"
    ),
    "two_notebooks": Case(
        {"copy1.ipynb": reference(), "copy2.ipynb": reference()}, None, f"hand in only your {NOTEBOOK}"
    ),
    "no_notebook": Case({}, None, f"nothing was handed in.\nWhat to do: upload your {NOTEBOOK}"),
    "not_a_notebook": Case(
        {"answers.txt": b"my answers"}, None, "no Jupyter notebook (.ipynb) was handed in, only answers.txt"
    ),
    "broken_notebook": Case({NOTEBOOK: b"{ not json"}, None, "not valid JSON"),
    "other_assignment": Case(
        {"02_qkv_self_attention.ipynb": samples.blank(ROOT, "02_qkv_self_attention")},
        None,
        f"this notebook is assignment 02_qkv_self_attention, and this autograder grades {A01}",
    ),
    # the mistake's notebook with its nbgrader metadata broken: graded on its answers, the repair named
    **{
        broken.name: Case({NOTEBOOK: broken.text.encode()}, "mistake", "Repaired: ")
        for broken in broken_metadata.broken_class(ROOT, A01)
        if broken.name in ("meta_duplicated_tests", "meta_json_needs_repair")
    },
}
NOTES = {"loops": "CellTimeout", "exits": "stopped the notebook's process"}  # and what they are told about a cell
CHECKS = ASSIGNMENTS[A01].by_id
FULL = sum(check.points for check in CHECKS.values())


@pytest.fixture(scope="session")
def gradescope_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    result = run_kit("export", "gradescope", A01, "--out", out, "--timeout", TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def source(gradescope_zip, tmp_path_factory) -> Path:
    return unzip(gradescope_zip, tmp_path_factory.mktemp("gradescope") / "source")


@pytest.fixture(scope="session")
def image(source):
    """The grading image, in a folder every user can reach (pytest's temporary folder is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="attention-kit-image-"))
    folder.chmod(0o755)
    yield build_image(source, folder / "venv")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def kit_points(tmp_path_factory) -> dict:
    """``attention-kit grade`` on the same notebooks: grade id -> points, per notebook."""
    folder, out = tmp_path_factory.mktemp("kit-class"), tmp_path_factory.mktemp("kit-graded")
    for name, notebook in KIT_GRADED.items():
        write(notebook, folder / f"{name}.ipynb")
    result = run_kit("grade", folder, "--out", out, "--timeout", TIMEOUT, "--course", ROOT, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    graded = {name: json.loads((out / "results" / f"{name}__{A01}.json").read_text()) for name in KIT_GRADED}
    return {name: {t["name"]: t["score"] for t in r["tests"]} for name, r in graded.items()}


def run_all(run, image: Image, bundle: Path, tmp: Path) -> dict:
    """Every case, two at a time, each in its own root (as each platform runs its own container)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {name: pool.submit(run, image, bundle, tmp / name, case.files) for name, case in CASES.items()}
        return {name: job.result() for name, job in jobs.items()}


@pytest.fixture(scope="session")
def gradescope_jobs(image, source, tmp_path_factory) -> dict:
    return run_all(run_gradescope, image, source, tmp_path_factory.mktemp("autograder"))


@pytest.fixture(scope="session")
def question(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pl") / "question"
    result = run_kit("export", "prairielearn", A01, "--out", out, "--timeout", TIMEOUT, "--image", "course/grader")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def prairielearn_jobs(image, question, tmp_path_factory) -> dict:
    return run_all(run_prairielearn, image, question, tmp_path_factory.mktemp("grade"))


# -- Gradescope's documented format, written out -------------------------------------------------------------

GRADESCOPE_KEYS = {
    "score",
    "execution_time",
    "output",
    "output_format",
    "test_output_format",
    "test_name_format",
    "visibility",
    "stdout_visibility",
    "extra_data",
    "tests",
    "leaderboard",
}
GRADESCOPE_TEST_KEYS = {
    "score",
    "max_score",
    "status",
    "name",
    "name_format",
    "number",
    "output",
    "output_format",
    "tags",
    "visibility",
    "extra_data",
}
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_format(result: dict) -> None:
    assert set(result) <= GRADESCOPE_KEYS, set(result) - GRADESCOPE_KEYS
    assert isinstance(result["score"], Real) and isinstance(result.get("execution_time", 0), int)
    assert isinstance(result["output"], str) and result["output"]
    for test in result["tests"]:
        assert set(test) <= GRADESCOPE_TEST_KEYS, set(test) - GRADESCOPE_TEST_KEYS
        assert {"name", "score", "max_score", "status", "output", "tags", "visibility"} <= set(test)
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert all(isinstance(tag, str) for tag in test["tags"])
        assert test["status"] in {"passed", "failed"} and test["visibility"] in GRADESCOPE_VISIBILITY
        assert 0 <= test["score"] <= test["max_score"]
        assert (test["status"] == "passed") == (test["score"] == test["max_score"] > 0)
    assert result["score"] == sum(t["score"] for t in result["tests"])
    if result["tests"]:
        assert {grade_id_of(t) for t in result["tests"]} == set(CHECKS), "one test per check"


# -- PrairieLearn's documented format, written out -----------------------------------------------------------

PRAIRIELEARN_KEYS = {"gradable", "score", "message", "output", "images", "tests", "format_errors"}
PRAIRIELEARN_TEST_KEYS = {"name", "description", "points", "max_points", "message", "output", "images"}


def assert_prairielearn_format(result: dict) -> None:
    assert len(json.dumps(result)) < 1_000_000  # "this file should be limited to 1 MB"
    assert set(result) <= PRAIRIELEARN_KEYS, set(result) - PRAIRIELEARN_KEYS
    assert isinstance(result["gradable"], bool) and isinstance(result["message"], str) and result["message"]
    assert isinstance(result["score"], Real) and 0.0 <= result["score"] <= 1.0
    for test in result["tests"]:
        assert set(test) <= PRAIRIELEARN_TEST_KEYS, set(test) - PRAIRIELEARN_TEST_KEYS
        assert {"name", "points", "max_points", "message", "output"} <= set(test)
        assert all(isinstance(test[key], str) for key in ("name", "message", "output"))
        assert 0 <= test["points"] <= test["max_points"]
    if result["tests"]:
        assert {grade_id_of(t) for t in result["tests"]} == set(CHECKS), "one test per check"
    if result["gradable"]:
        points = sum(t["points"] for t in result["tests"]), sum(t["max_points"] for t in result["tests"])
        assert result["score"] == pytest.approx(points[0] / points[1])
    else:
        assert result["format_errors"] and all(isinstance(e, str) for e in result["format_errors"])


# -- the tests -----------------------------------------------------------------------------------------------


def test_the_zip_has_setup_and_run_autograder_at_its_root(gradescope_zip):
    with zipfile.ZipFile(gradescope_zip) as bundle:
        modes = {info.filename: info.external_attr >> 16 for info in bundle.infolist()}
    assert {"setup.sh", "run_autograder", f"course/assignments/{A01}/{NOTEBOOK}"} <= set(modes)
    assert all(modes[script] & stat.S_IXUSR for script in ("setup.sh", "run_autograder"))
    assert [name for name in modes if name.endswith(".whl")], "the kit travels inside the zip"


def test_setup_installs_the_cpu_build_of_torch_and_the_kit_without_nbgrader(image, source):
    probe = image.run(
        [
            "python3",
            "-c",
            "import importlib.util, torch, autograder; print(torch.version.cuda, "
            "importlib.util.find_spec('nbgrader'), autograder.__file__)",
        ],
        source,
    )
    cuda, nbgrader, kit = probe.stdout.split()
    assert (cuda, nbgrader) == ("None", "None"), probe.stdout + probe.stderr
    assert Path(kit).is_relative_to(image.bin.parent), "graded by the kit installed from the zip's wheel"


def test_the_student_notebook_in_the_bundle_holds_no_answers(source):
    bundled = (source / "course" / "assignments" / A01 / NOTEBOOK).read_bytes()
    assert bundled == (ROOT / "release" / A01 / NOTEBOOK).read_bytes()


def expected_points(case: Case, kit_points: dict) -> dict:
    return kit_points[case.graded_as] if case.graded_as else dict.fromkeys(CHECKS, 0.0)


@pytest.mark.parametrize("name", list(CASES))
def test_gradescope_results(gradescope_jobs, kit_points, name):
    job, case = gradescope_jobs[name], CASES[name]
    assert_gradescope_format(job.results)
    assert {grade_id_of(t): t["score"] for t in job.results["tests"]} == expected_points(case, kit_points), job.log
    assert case.says in job.results["output"] and NOTES.get(name, "") in job.results["output"], job.results["output"]
    assert job.untouched, "the student's files are never changed"


def test_gradescope_shows_hidden_checks_once_grades_are_published(gradescope_jobs):
    tests = gradescope_jobs["mistake"].results["tests"]
    assert {grade_id_of(t): t["visibility"] for t in tests} == {
        grade_id: "after_published" if check.hidden else "visible" for grade_id, check in CHECKS.items()
    }
    assert "softmax_dim0" in {tag for t in tests for tag in t["tags"]}, "the diagnosis travels"


@pytest.mark.parametrize("name", list(CASES))
def test_prairielearn_results(prairielearn_jobs, kit_points, name):
    job, case = prairielearn_jobs[name], CASES[name]
    assert_prairielearn_format(job.results)
    assert job.results["gradable"] == (case.graded_as is not None)  # a bad upload costs no attempt
    assert {grade_id_of(t): t["points"] for t in job.results["tests"]} == expected_points(case, kit_points), job.log
    told = job.results["message"] + "\n" + job.results["output"]
    assert case.says in told and NOTES.get(name, "") in told, told
    assert job.untouched, "the student's files are never changed"


def test_prairielearn_hidden_checks_give_no_numbers_away(prairielearn_jobs):
    tests = {grade_id_of(t): t for t in prairielearn_jobs["mistake"].results["tests"]}
    hidden = [test for grade_id, test in tests.items() if CHECKS[grade_id].hidden]
    assert hidden and all(t["output"] == "" and not re.search(r"\d\.\d", t["message"]) for t in hidden)
    assert "Likely mistake: softmax over dimension 0" in tests["all_weights_hidden"]["message"]
    assert "expected" in tests["all_weights"]["output"], "public checks explain in full"


def test_patching_torch_allclose_gains_nothing_on_either_platform(gradescope_jobs, prairielearn_jobs, kit_points):
    mistake = sum(kit_points["mistake"].values())
    assert mistake < FULL
    assert gradescope_jobs["allclose_cheat"].results["score"] == mistake
    assert prairielearn_jobs["allclose_cheat"].results["score"] == pytest.approx(mistake / FULL)


def test_the_question_folder_is_what_prairielearn_documents(question, source):
    info = json.loads((question / "info.json").read_text())
    assert info["type"] == "v3" and info["gradingMethod"] == "External" and re.fullmatch(r"[0-9a-f-]{36}", info["uuid"])
    options = info["externalGradingOptions"]
    assert options["enabled"] is True and options["image"] == "course/grader" and 0 < options["timeout"] <= 600
    assert (question / Path(options["entrypoint"]).relative_to("/grade")).is_file()
    html = (question / "question.html").read_text()
    assert f'<pl-file-upload file-names="{NOTEBOOK}">' in html and "<pl-external-grader-results>" in html
    assert (
        f'<pl-file-download file-name="{NOTEBOOK}">' in html and (question / "clientFilesQuestion" / NOTEBOOK).is_file()
    )
    assert (question / "image" / "Dockerfile").read_text().count("\nFROM prairielearn/grader-python\n") == 1
    assert (question / "image" / "setup.sh").read_bytes() == (source / "setup.sh").read_bytes(), "one installer"
    assert [p.name for p in (question / "image").glob("*.whl")] == [p.name for p in source.glob("*.whl")]


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_results_are_written_even_when_the_grader_cannot_start(platform, source, question, tmp_path):
    """python3 without the kit (as if setup.sh had not run): the script still writes a result that says so."""
    venv.create(tmp_path / "bare", with_pip=False)
    bare = Image(tmp_path / "bare" / "bin")
    if platform == "gradescope":
        results = run_gradescope(bare, source, tmp_path / "root", {NOTEBOOK: reference()}).results
        assert_gradescope_format(results)
        assert results["score"] == 0 and "stopped before it could grade" in results["output"]
    else:
        results = run_prairielearn(bare, question, tmp_path / "root", {NOTEBOOK: reference()}).results
        assert_prairielearn_format(results)
        assert results["gradable"] is False and "stopped before it could grade" in results["message"]


def test_export_names_an_unknown_assignment(tmp_path):
    result = run_kit("export", "gradescope", "07_not_here", "--out", tmp_path / "x.zip")
    assert result.returncode == 2 and "no assignment '07_not_here'" in result.stdout
    assert not (tmp_path / "x.zip").exists()


def test_the_kit_runs_on_python_3_10():
    """Gradescope's Ubuntu 22.04 image has Python 3.10; only 3.11 is here, so the proof is static."""
    vermin = Path(sys.executable).parent / "vermin"
    result = subprocess.run(
        [str(vermin), "-t=3.10-", "--no-tips", "--violations", str(ROOT / "autograder")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- sealed in a default Docker container: root without CAP_SYS_ADMIN, so no namespace ----------------------------


def installed_kit(image: Image) -> Path:
    found = image.run(
        ["python3", "-c", "import autograder, os; print(os.path.dirname(autograder.__file__))"], image.bin
    )
    return Path(found.stdout.strip())


def test_the_bundle_holds_the_exported_assignment_only(source, image):
    """Its wheel and the kit installed from it: assignment 01's checks, worked values and references (it has
    none), no other assignment's; and once installed, the wheel is root's only."""
    assert [importlib.import_module(f"autograder.assignments.{module_name(a)}").ASSIGNMENT for a in COURSE] == list(
        ASSIGNMENTS.values()
    ), "the registry names each assignment's module, in course order"
    (wheel,) = source.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        listed = {name for name in archive.namelist() if name.startswith("autograder/")}
    installed = {
        f"autograder/{p.relative_to(installed_kit(image)).as_posix()}" for p in installed_kit(image).rglob("*.py")
    }
    for files in (listed, installed):
        per_assignment = {name for name in files if name.split("/")[1] in PER_ASSIGNMENT}
        assert {f"autograder/{folder}/simplified_attention.py" for folder in ("assignments", "worked_values")} <= files
        others = {
            f"autograder/{folder}/{name}.py"
            for folder in PER_ASSIGNMENT
            for name in COURSE.values()
            if name != "simplified_attention"
        }
        assert not others & per_assignment, sorted(per_assignment)
        assert "autograder/references/causal_attention.py" not in files, "04's causal attention is not 01's to hold"
    assert stat.S_IMODE(wheel.stat().st_mode) & 0o077 == 0


@pytest.fixture(scope="module")
def listener():
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


QUOTED = hostile.a_line_of_the_checks()


@pytest.fixture(scope="module")
def sealed_jobs(image, source, question, listener, tmp_path_factory) -> dict:
    """The hostile notebooks on both platforms, run as each runs them by default: as root without CAP_SYS_ADMIN."""
    kit = installed_kit(image)
    secrets = hostile.secret_files(kit, *source.glob("*.whl"))
    port = listener.getsockname()[1]
    runs = {"gradescope": (run_gradescope, source, "8642.7"), "prairielearn": (run_prairielearn, question, "8642.8")}
    tmp = tmp_path_factory.mktemp("sealed")
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {
            (platform, name): pool.submit(run, image, bundle, tmp / platform / name, {NOTEBOOK: notebook}, True)
            for platform, (run, bundle, marker) in runs.items()
            for name, notebook in {
                **hostile.notebooks(secrets, port, marker),
                "quotes": hostile.quoting(QUOTED),
            }.items()
        }
        done = {key: job.result() for key, job in jobs.items()}
    return {"jobs": done, "stray": {platform: hostile.stray(marker) for platform, (_, _, marker) in runs.items()}}


def told(platform: str, results: dict) -> str:
    return results["output"] if platform == "gradescope" else results["message"] + "\n" + results["output"]


@pytest.mark.parametrize("name", list(hostile.SAYS))
@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_without_namespaces_a_hostile_cell_gets_nothing(sealed_jobs, kit_points, platform, name):
    job = sealed_jobs["jobs"][platform, name]
    points = {grade_id_of(t): t["score" if platform == "gradescope" else "points"] for t in job.results["tests"]}
    assert points == kit_points["reference"], job.log
    hostile.assert_says(name, told(platform, job.results))
    assert "Sandbox: partly isolated" in job.log and "no new root" in job.log, "it ran without namespaces"
    assert not hostile.leaked(json.dumps(job.results), hostile.hidden_lines())


def test_without_namespaces_no_connection_is_made_and_no_daemon_outlives_the_job(sealed_jobs, listener):
    with pytest.raises(BlockingIOError):
        listener.accept()
    assert sealed_jobs["stray"] == {"gradescope": [], "prairielearn": []}


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_a_line_of_the_checks_in_a_result_is_withheld_and_logged(sealed_jobs, platform):
    job = sealed_jobs["jobs"][platform, "quotes"]
    shown = json.dumps(job.results)
    assert QUOTED not in shown and withhold.WITHHELD in shown, shown
    assert "Withheld from the student" in job.log and QUOTED in job.log
