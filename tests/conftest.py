"""Shared fixtures: the course root, notebooks executed in-process, the kit's CLI, one browser."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from autograder import course

ROOT = Path(__file__).resolve().parent.parent
KIT = [sys.executable, "-m", "autograder.cli"]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def execute_in_process(notebook: nbformat.NotebookNode) -> dict:
    """The notebook's code cells (test cells left out) run with exec in a fresh namespace.

    Fast and deterministic: what the checks see is the same as in a kernel, because
    they only call the functions the cells define."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__notebook__"}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not course.is_test_cell(cell):
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                with warnings.catch_warnings():  # the sample code's own warnings are its business
                    warnings.simplefilter("ignore")
                    exec(compile(source, "<cell>", "exec"), namespace)
            except Exception:  # a broken cell is part of what is being graded
                pass
    import matplotlib.pyplot

    matplotlib.pyplot.close("all")
    return namespace


def run_kit(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, **(env or {}), "PATH": path}
    return subprocess.run([*KIT, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots of the browser tests (gitignored)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One Chromium, driven by Playwright, for every browser test of the session (a fresh profile).

    Debian's Chromium is used because Playwright's own browser download is not reachable; where
    either is missing the browser tests are skipped with the reason."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium on PATH: install it with `apt-get install -y chromium` (python3 tasks.py test "
                    "does when it runs as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium, args=CHROMIUM_ARGS,
            headless=True, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact and say where it is."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
