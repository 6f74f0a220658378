"""Shared fixtures: the course root, the kit's CLI, one browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KIT = [sys.executable, "-m", "autograder.cli"]

#: The xdist groups, longest first (measured: docs/development.md, "Suite time"); then each assignment's nbgrader
#: course (tests/test_nbgrader_e2e.py), then the ungrouped tests. tasks.py runs the suite with
#: ``--no-loadscope-reorder``, so the two workers take the groups in this order: the longest start at once, the
#: short ones fill in at the end. (xdist's own order is by number of tests, whatever they cost.)
LONGEST_FIRST = ["platforms", "student_side", "docs", "sealing", "browser", "adversarial", "rerun", "regrade"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from autograder.assignments import ASSIGNMENTS

    order = [*LONGEST_FIRST, *sorted(ASSIGNMENTS)]

    def rank(item: pytest.Item) -> int:
        marker = item.get_closest_marker("xdist_group")
        group = marker and (marker.args[0] if marker.args else marker.kwargs.get("name"))
        return order.index(group) if group in order else len(order)

    items.sort(key=rank)  # stable: each group's and each module's tests keep their order


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def courses() -> dict:
    """Each assignment's nbgrader course with its sample class, graded once per session (tests/graded_classes.py)."""
    return {}


def run_kit(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, **(env or {}), "PATH": path}
    return subprocess.run([*KIT, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots of the browser tests (gitignored)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One Chromium, driven by Playwright, for every browser test of the session (a fresh profile).

    Debian's Chromium is used because Playwright's own browser download is not reachable; where
    either is missing the browser tests are skipped with the reason."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip(
            "no chromium on PATH: install it with `apt-get install -y chromium` (python3 tasks.py test "
            "does when it runs as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact and say where it is."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    """The mistake x assignment matrix of test_mistake_coverage.py: places mutated / caught / named."""
    matrix: dict = {}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for key, value in getattr(report, "user_properties", []):
            if key == "mistake_matrix":
                matrix.update(value)
    if not matrix:
        return
    ids = sorted({a for row in matrix.values() for a in row})
    terminalreporter.write_sep("-", "mistakes written into the solutions: places mutated / caught / named")
    terminalreporter.write_line(f"{'mistake':<30}" + "".join(f"{a[:2]:>10}" for a in ids))
    for mistake, row in sorted(matrix.items()):
        cells = ["/".join(map(str, row[a])) if a in row else "-" for a in ids]
        terminalreporter.write_line(f"{mistake:<30}" + "".join(f"{c:>10}" for c in cells))
