"""``attention-kit export``: what an instructor uploads to Gradescope or PrairieLearn for one assignment.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a zip with ``setup.sh`` and
``run_autograder`` at its root, the kit's wheel, and ``course/assignments/<id>/<id>.ipynb``.

PrairieLearn (https://prairielearn.readthedocs.io/en/latest/externalGrading/ and .../question/): a question
folder: ``info.json`` (``gradingMethod: External`` and its ``externalGradingOptions``), ``question.html``
(``pl-file-download`` of the release folder's files, ``pl-file-upload``, ``pl-external-grader-results``),
``clientFilesQuestion/`` (the release folder: the notebook, ``attention_check.py`` and ``<id>.checks.json``,
each offered by a ``pl-file-download``), ``tests/`` (the entrypoint ``run`` and ``course/...``; PrairieLearn
copies it to ``/grade/tests``), and ``image/`` (a ``Dockerfile`` based on ``prairielearn/grader-python``,
``setup.sh`` and the wheel) to build the grading image from.

``course/assignments/<id>/<id>.ipynb`` is the student's notebook from ``release/``: its given cells are the
source's (the grader restores them from it, as ``RestoreGivenCells`` does from a course folder), and it holds
no answers. Both bundles install with the same ``setup.sh``: torch, pinned to the version the kit runs
with here, CPU build, then the wheel, built from the kit's source tree at export time.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import stat
import tempfile
import uuid
import zipfile
from pathlib import Path

from .. import course
from ..assignments import ASSIGNMENTS
from . import gradescope, prairielearn
from .wheel import WheelError, build_wheel

PYTORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
FILES = Path(__file__).resolve().parent / "files"
ENTRYPOINT = "run"
STARTUP_SECONDS = 60  # a grading container's start (Python, torch, the sandbox) on top of the notebook's time
PRAIRIELEARN_MAX_TIMEOUT = 600  # externalGradingOptions.timeout "cannot exceed 600 seconds"


class ExportError(Exception):
    """Something the instructor must fix before exporting; the message says what."""


def export(
    platform: str,
    assignment_id: str,
    out: Path,
    *,
    root: Path,
    timeout: float = 120.0,
    image: str = "attention-kit-grader",
) -> Path:
    if assignment_id not in ASSIGNMENTS:
        raise ExportError(f"no assignment {assignment_id!r} in the kit; it has {', '.join(ASSIGNMENTS)}")
    notebook = course.notebook_path(root, "release", assignment_id)
    if not notebook.is_file():
        raise ExportError(f"{notebook} is missing: run `attention-kit build {assignment_id}` first")
    job_seconds = round(timeout) + STARTUP_SECONDS
    if platform == "prairielearn" and job_seconds > PRAIRIELEARN_MAX_TIMEOUT:
        raise ExportError(
            f"PrairieLearn stops a grading job after {PRAIRIELEARN_MAX_TIMEOUT} s at most: "
            f"use --timeout {PRAIRIELEARN_MAX_TIMEOUT - STARTUP_SECONDS} or less"
        )
    values = {
        "ASSIGNMENT": assignment_id,
        "TITLE": ASSIGNMENTS[assignment_id].title,
        "TIMEOUT": f"{timeout:g}",
        "TORCH": torch_pin(),
        "TORCH_INDEX_URL": PYTORCH_CPU_INDEX,
        "IMAGE": image,
        "JOB_SECONDS": str(job_seconds),
    }
    with tempfile.TemporaryDirectory(prefix="attention-kit-wheel-") as tmp:
        try:
            wheel = build_wheel(Path(tmp), assignment_id)
        except WheelError as exc:
            raise ExportError(str(exc)) from exc
        values["WHEEL"] = wheel.name
        if platform == "gradescope":
            return gradescope_zip(Path(out), notebook, wheel, values)
        return prairielearn_question(Path(out), notebook, wheel, values)


def gradescope_zip(out: Path, notebook: Path, wheel: Path, values: dict) -> Path:
    if out.is_dir():
        raise ExportError(
            f"{out} is a folder; Gradescope's autograder is a zip file: name it, e.g. {out / 'autograder.zip'}"
        )
    given = gradescope.COURSE.relative_to("source") / course_notebook(values["ASSIGNMENT"])
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for script in ("setup.sh", "run_autograder"):
            _add(bundle, script, fill(script, values).encode(), executable=True)
        _add(bundle, wheel.name, wheel.read_bytes())
        _add(bundle, str(given), notebook.read_bytes())
    return out


def prairielearn_question(out: Path, notebook: Path, wheel: Path, values: dict) -> Path:
    assignment_id = values["ASSIGNMENT"]
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; PrairieLearn's question is a folder")
    info = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"attention-kit/{assignment_id}")),  # stable across exports
        "title": values["TITLE"],
        "topic": "Attention",
        "tags": ["attention-kit", assignment_id],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": values["IMAGE"],
            "entrypoint": f"/grade/{prairielearn.TESTS}/{ENTRYPOINT}",
            "timeout": int(values["JOB_SECONDS"]),
        },
    }
    files = {
        "info.json": json.dumps(info, indent=2) + "\n",
        "question.html": fill("question.html", values),
        f"{prairielearn.TESTS}/{ENTRYPOINT}": fill(ENTRYPOINT, values),
        "image/Dockerfile": fill("Dockerfile", values),
        "image/setup.sh": fill("setup.sh", values),
    }
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    (out / prairielearn.TESTS / ENTRYPOINT).chmod(0o755)
    for handout in handout_files(notebook):  # what question.html offers the student
        (out / "clientFilesQuestion").mkdir(exist_ok=True)
        shutil.copyfile(handout, out / "clientFilesQuestion" / handout.name)
    (out / prairielearn.COURSE / course_notebook(assignment_id)).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(notebook, out / prairielearn.COURSE / course_notebook(assignment_id))
    for old in (out / "image").glob("*.whl"):
        old.unlink()
    shutil.copyfile(wheel, out / "image" / wheel.name)
    return out


def handout_files(notebook: Path) -> list[Path]:
    """The release folder a student works in: the notebook, the checker its check cells import, its data."""
    assignment_id = notebook.stem
    files = [notebook, notebook.with_name("attention_check.py"), notebook.with_name(f"{assignment_id}.checks.json")]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise ExportError(f"{', '.join(missing)} missing: run `attention-kit build {assignment_id}` first")
    return files


def course_notebook(assignment_id: str) -> Path:
    return Path("assignments") / assignment_id / f"{assignment_id}.ipynb"


def torch_pin() -> str:
    """The torch the kit runs with here (without a local label such as ``+cpu``): graded as tested."""
    return "torch==" + importlib.metadata.version("torch").split("+")[0]


def fill(template: str, values: dict) -> str:
    """A file of ``files/`` with each ``@NAME@`` replaced; a name left unreplaced is a bug, caught here."""
    text = (FILES / template).read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise ValueError(f"{template}: no value for {', '.join(sorted(set(left)))}")
    return text


def _add(bundle: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    entry.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(entry, data)
