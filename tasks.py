#!/usr/bin/env python3
"""The two commands of the README, each doing its own set-up.

    python3 tasks.py demo   # check the build, a student's self-check, grade a sample class with the kit and nbgrader
    python3 tasks.py test   # the whole test suite (what .ci/run calls)

Set-up: a virtual environment in .venv with the CPU build of torch installed
first (a bare ``torch`` requirement would pull a multi-GB CUDA build), then the kit
and its dependencies. It is redone only when pyproject.toml changes. torch comes from
PyTorch's CPU index; when that cannot be reached, from pip's configured index (said
so); ``TORCH_INDEX_URL`` overrides both. A CUDA build is refused unless
``ATTENTION_KIT_ALLOW_CUDA=1``. ``test`` also
installs Debian's Chromium for the browser tests when it is missing and it runs as
root (as CI does); otherwise those tests are skipped with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
TORCH = "torch==2.13.0"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
FAIL_FAST = ["--timeout", "20", "--retries", "0"]  # an unreachable index fails the step at once, not after minutes


def set_up() -> None:
    stamp = VENV / ".attention-kit-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + TORCH.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (BIN / "attention-kit").exists():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    install_torch(str(BIN / "python"))
    subprocess.run([*pip, "numpy"], check=True)
    print("Installing attention-kit and its dependencies ...", flush=True)
    subprocess.run([*pip, "-e", f"{ROOT}[nbgrader,test]"], check=True)
    # Build matplotlib's font cache now, not in a student's first plotting cell (it would print to stderr).
    subprocess.run([str(BIN / "python"), "-c", "import matplotlib.pyplot"], check=True, env=_env())
    stamp.write_text(wanted)


def install_torch(python: str) -> None:
    """The CPU build of torch into ``python``'s environment, refused before downloading if pip would bring a CUDA
    build (unless allowed); then says which build it got."""
    index, source = torch_index()
    print(f"Installing {TORCH} from {source} ...", flush=True)
    refuse_cuda(torch_plan(python, index))
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *FAIL_FAST, *index, TORCH],
        check=True,
    )
    version, cuda = json.loads(
        subprocess.run(
            [python, "-c", "import json, torch; print(json.dumps([torch.__version__, torch.version.cuda]))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    refuse_cuda([{"name": "torch", "version": version, "cuda": cuda}])
    print(f"torch {version}, torch.version.cuda = {cuda} ({'CUDA' if cuda else 'CPU'} build)", flush=True)


def torch_index(cpu_index: str = CPU_INDEX) -> tuple[list[str], str]:
    """pip's index options for torch, and where they point, in words."""
    chosen = os.environ.get("TORCH_INDEX_URL")
    if chosen:
        return ["--index-url", chosen], f"TORCH_INDEX_URL ({chosen})"
    try:
        urllib.request.urlopen(f"{cpu_index.rstrip('/')}/torch/", timeout=20).close()
    except urllib.error.HTTPError:
        pass  # it answered: pip will say what it lacks
    except OSError as exc:  # URLError included: no route, no name, refused, timed out
        print(
            f"PyTorch's CPU index ({cpu_index}) cannot be reached ({getattr(exc, 'reason', exc)}): falling back "
            "to pip's configured index. Set TORCH_INDEX_URL to choose one.",
            flush=True,
        )
        return [], "pip's configured index"
    return ["--index-url", cpu_index], f"PyTorch's CPU index ({cpu_index})"


def torch_plan(python: str, index: list[str]) -> list[dict]:
    """What pip would install for torch from ``index`` (``pip install --dry-run --report``: metadata only)."""
    resolved = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--disable-pip-version-check",
            "--report",
            "-",
            *FAIL_FAST,
            *index,
            TORCH,
        ],
        capture_output=True,
        text=True,
    )
    if resolved.returncode != 0:
        raise SystemExit(
            f"pip cannot install {TORCH} from {index[-1] if index else 'its configured index'}:\n"
            f"{resolved.stderr.strip()[-2000:]}"
        )
    return [
        {**item["metadata"], "url": item["download_info"]["url"]} for item in json.loads(resolved.stdout)["install"]
    ]


def refuse_cuda(packages: list[dict]) -> None:
    """A CUDA build of torch (a ``+cu`` version, nvidia-* packages, or torch.version.cuda set) stops the set-up
    unless ATTENTION_KIT_ALLOW_CUDA=1: the kit runs on the CPU build, and the CUDA one is gigabytes."""
    cuda = [
        f"{p['name']} {p['version']}"
        for p in packages
        if p.get("cuda") or "+cu" in p["version"] or p["name"].lower().startswith("nvidia-")
    ]
    if cuda and os.environ.get("ATTENTION_KIT_ALLOW_CUDA") != "1":
        raise SystemExit(
            f"a CUDA build of torch ({', '.join(cuda)}) is what pip found; the kit needs the CPU build. "
            "Point TORCH_INDEX_URL at a CPU index, or set ATTENTION_KIT_ALLOW_CUDA=1 to accept it."
        )


def install_chromium() -> None:
    """Playwright drives Debian's Chromium (its own browser download is not reachable)."""
    if shutil.which("chromium") or not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    print("Installing chromium for the browser tests (apt-get) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    if subprocess.run(install, env=env).returncode != 0:  # a fresh machine has no package lists yet
        subprocess.run(["apt-get", "update", "-q"], env=env)
        if subprocess.run(install, env=env).returncode != 0:
            print("Could not install chromium: the browser tests will be skipped.", flush=True)


def _env() -> dict:
    """nbgrader shells out to alembic and jupyter: the venv's bin must come first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return env


def demo(out: Path) -> int:
    """The kit's main job end to end, as the commands a course runs (each printed before it runs)."""
    python, first = str(BIN / "python"), "01_simplified_attention"
    course = out / "course"

    def step(title: str, command: list, cwd: Path = ROOT, expect: tuple = (0,)) -> None:
        print(f"\n== {title}\n$ {' '.join(map(str, command))}", flush=True)
        code = subprocess.run(list(map(str, command)), cwd=cwd, env=_env()).returncode
        if code not in expect:
            raise SystemExit(f"the command above exited with {code}")

    step(
        "Build: release/ and solutions/ (and the checker students get) are what assignments/ generates",
        ["attention-kit", "build", "--check"],
    )
    step(
        "A student's folder, as nbgrader releases it, with softmax over the wrong dimension in one TO-DO",
        [python, "-m", "tests.samples", "student", out / "student", "softmax_dim0"],
    )
    step(
        "The student checks the whole notebook from a terminal in that folder (no kit installed there)",
        [python, "attention_check.py"],
        cwd=out / "student",
        expect=(1,),
    )  # 1: a check fails, as it should
    step(
        "A sample class: every assignment's reference, blank notebook, sample mistakes, tampered test cells, "
        "and a file that is not a notebook",
        [python, "-m", "tests.samples", "class", out / "submitted"],
    )
    step(
        "The instructor grades the class with the kit (scores, diagnoses, feedback pages, report.html)",
        ["attention-kit", "grade", out / "submitted", "--out", out / "graded"],
    )
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "assignments", course / "assignments", dirs_exist_ok=True)
    for notebook in (out / "submitted").glob(f"*/{first}/"):
        shutil.copytree(notebook, course / "submitted" / notebook.parent.name / first, dirs_exist_ok=True)
    print(f"\n== ... or with nbgrader, whose autograde runs the kit's sandboxed grader (course folder: {course})")
    step(
        "nbgrader generate_assignment",
        ["nbgrader", "generate_assignment", first, "--force", "--log-level=WARN"],
        cwd=course,
    )
    step(
        "nbgrader autograde (the file that is not a notebook scores 0 with the reason; the whole class is graded)",
        ["nbgrader", "autograde", first, "--create", "--log-level=ERROR"],
        cwd=course,
    )
    step("nbgrader export", ["nbgrader", "export", "--log-level=WARN"], cwd=course)
    print((course / "grades.csv").read_text())
    print(f"Class report: {out / 'graded' / 'report.html'}")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    set_up()
    if argv[0] == "demo":
        return demo(Path(argv[1]) if len(argv) > 1 else Path(tempfile.mkdtemp(prefix="attention-kit-demo-")))
    install_chromium()
    # Two workers (this machine has two cores); each xdist group (an assignment's nbgrader course, a platform image,
    # ...) stays on one worker, and the groups start longest first (tests/conftest.py: LONGEST_FIRST).
    command = [
        str(BIN / "python"),
        "-m",
        "pytest",
        "-n",
        "2",
        "--dist",
        "loadgroup",
        "--no-loadscope-reorder",
        *argv[1:],
    ]
    return subprocess.run(command, cwd=ROOT, env=_env()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
