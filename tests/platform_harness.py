"""Gradescope and PrairieLearn emulated in a temporary folder, the way their documentation describes them.

Gradescope (https://gradescope-autograders.readthedocs.io/en/latest/specs/): the zip is unzipped into
``/autograder/source`` and ``setup.sh`` runs once to build the image; per submission, ``run_autograder`` is
copied to ``/autograder``, the upload put in ``/autograder/submission/``, and it runs in ``/autograder``.
PrairieLearn (https://prairielearn.readthedocs.io/en/latest/externalGrading/): the question's ``tests/``
goes to ``/grade/tests``, the upload to ``/grade/student``, the data object to ``/grade/data/data.json``, and
the entrypoint named in ``info.json`` runs, made executable by the grader. Here ``/autograder`` and ``/grade``
are temporary folders (AUTOGRADER_ROOT, GRADE_ROOT) and the image is a fresh virtual environment first on
PATH, made from a Python every user can read (as the platforms' images have), in a folder every user can reach.
Both platforms run the grader as root in Docker without CAP_SYS_ADMIN: ``drop_sys_admin`` runs the job so
(``capsh --drop=cap_sys_admin``), where the sandbox can make no namespace. Used by tests/test_platforms.py,
tests/test_student_side.py (what a student downloads) and benchmarks/grade_throughput.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Image:
    """A grading image: a virtual environment first on PATH, so ``python3`` is its Python."""

    bin: Path

    def env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return {**env, **extra}

    def run(self, command: list, cwd: Path, drop_sys_admin: bool = False, **extra: str) -> subprocess.CompletedProcess:
        wrapper = ["capsh", "--drop=cap_sys_admin", "--", "-c", 'exec "$@"', "job"] if drop_sys_admin else []
        return subprocess.run(
            [*wrapper, *(str(c) for c in command)],
            cwd=cwd,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            timeout=900,
        )


def unzip(bundle: Path, folder: Path) -> Path:
    """As Gradescope unpacks the autograder zip into /autograder/source, with the modes it records (as `unzip`
    keeps them: run_autograder is executable)."""
    with zipfile.ZipFile(bundle) as archive:
        for entry in archive.infolist():
            path = Path(archive.extract(entry, folder))
            if entry.external_attr >> 16:
                path.chmod(stat.S_IMODE(entry.external_attr >> 16))
    return folder


#: Debian's Python, which every user can read (the tests' own may live under /root)
SYSTEM_PYTHON = Path("/usr/bin/python3.11")


def build_image(source: Path, environment: Path) -> Image:
    """setup.sh, once, with python3 of a fresh virtual environment (of Debian's Python where there is one;
    ``environment`` must lie where every user can reach it). torch comes from the package index pip is
    configured with (which finds the CPU build here) instead of PyTorch's CPU index: TORCH_INDEX_URL."""
    if SYSTEM_PYTHON.is_file():
        subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", str(environment)], check=True)
    else:
        venv.create(environment, with_pip=True)
    image = Image(environment / "bin")
    setup = image.run(
        ["bash", "setup.sh"], source, TORCH_INDEX_URL=os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple")
    )
    if setup.returncode != 0:
        raise RuntimeError(f"setup.sh failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}")
    return image


@dataclass(frozen=True)
class Job:
    results: dict  # the results.json the platform reads
    log: str  # what the scripts printed (the instructor's view)
    untouched: bool  # every uploaded file is as the student handed it in


def put(files: dict, folder: Path) -> dict:
    """The upload (file name -> notebook or raw bytes) in ``folder``; returns each file's hash."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            nbformat.write(content, str(folder / name))
    return _hashes(folder, files)


def _hashes(folder: Path, files: dict) -> dict:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files}


def run_gradescope(image: Image, source: Path, root: Path, files: dict, drop_sys_admin: bool = False) -> Job:
    """One submission in its own /autograder: source/, run_autograder, submission/, results/."""
    shutil.copytree(source, root / "source")
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    uploaded = put(files, root / "submission")
    (root / "results").mkdir()
    done = image.run([root / "run_autograder"], root, drop_sys_admin, AUTOGRADER_ROOT=str(root))
    (root / "results" / "stdout").write_text(done.stdout + done.stderr)
    return Job(
        json.loads((root / "results" / "results.json").read_text()),
        done.stdout + done.stderr,
        uploaded == _hashes(root / "submission", files),
    )


def run_prairielearn(image: Image, question: Path, root: Path, files: dict, drop_sys_admin: bool = False) -> Job:
    """One grading job under its own /grade, run by the entrypoint that info.json names."""
    shutil.copytree(question / "tests", root / "tests")
    uploaded = put(files, root / "student")
    (root / "data").mkdir()
    submitted = [
        {"name": name, "contents": base64.b64encode((root / "student" / name).read_bytes()).decode()} for name in files
    ]
    (root / "data" / "data.json").write_text(
        json.dumps({"params": {}, "correct_answers": {}, "submitted_answers": {"_files": submitted}})
    )
    entrypoint = json.loads((question / "info.json").read_text())["externalGradingOptions"]["entrypoint"]
    script = root / Path(entrypoint).relative_to("/grade")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    done = image.run([script], root, drop_sys_admin, GRADE_ROOT=str(root))
    return Job(
        json.loads((root / "results" / "results.json").read_text()),
        done.stdout + done.stderr,
        uploaded == _hashes(root / "student", files),
    )


def grade_id_of(test: dict) -> str:
    """The grade id in a results.json test's name, ``"<TO-DO> [<grade id>]"``."""
    return test["name"].rsplit(" [", 1)[1].rstrip("]")


def download_client_files(question: Path, folder: Path) -> list[str]:
    """What a student takes home from the question's page: every file its ``question.html`` offers with a
    ``<pl-file-download>``, served from ``clientFilesQuestion/`` (the element's default directory)."""
    names = re.findall(r'<pl-file-download file-name="([^"]+)"', (question / "question.html").read_text())
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(question / "clientFilesQuestion" / name, folder / name)
    return names
