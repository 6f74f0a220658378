"""tasks.py's torch step: PyTorch's CPU index, else pip's configured index (said so), TORCH_INDEX_URL over both, and
no CUDA build unless asked.

pip really resolves (``--dry-run --report``: metadata only, nothing installed into the suite's environment) against
package indexes served on 127.0.0.1 by this test: each holds a torch wheel of metadata only. pip's own configuration
is switched off, so the indexes it uses are the ones the step chose. An unreachable index is a closed port on
loopback (127.0.0.1:9).
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

import tasks

UNREACHABLE = "http://127.0.0.1:9/"


def torch_wheel(folder: Path, version: str) -> str:
    """A wheel of torch ``version`` holding only its metadata (pip's resolver reads nothing else)."""
    name = f"torch-{version}-py3-none-any.whl"
    info = f"torch-{version}.dist-info"
    with zipfile.ZipFile(folder / name, "w") as wheel:
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n")
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")
    return name


@pytest.fixture
def index(tmp_path_factory):
    """Start a simple index (PEP 503) on loopback holding one torch wheel; returns a function version -> its URL."""
    servers = []

    def serve(version: str) -> str:
        folder = tmp_path_factory.mktemp("index")
        (folder / "torch").mkdir()
        name = torch_wheel(folder / "torch", version)
        link = name.replace("+", "%2B")
        (folder / "torch" / "index.html").write_text(f'<html><body><a href="{link}">{name}</a></body></html>')
        handler = functools.partial(_Quiet, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield serve
    for server in servers:
        server.shutdown()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(autouse=True)
def pip_unconfigured(monkeypatch):
    """pip without this machine's configuration (files and PIP_* variables): only the indexes a test names."""
    for name in [n for n in os.environ if n.startswith("PIP_")] + ["TORCH_INDEX_URL", "ATTENTION_KIT_ALLOW_CUDA"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # pip reads no configuration file at all
    monkeypatch.setenv("PIP_INDEX_URL", UNREACHABLE)  # overridden where a test configures an index


def plan(cpu_index: str, capsys) -> tuple[list[dict], str]:
    """The torch step up to installing: the index chosen, pip's resolution from it, the CUDA check."""
    started = time.monotonic()
    index, source = tasks.torch_index(cpu_index)
    packages = tasks.torch_plan(sys.executable, index)
    tasks.refuse_cuda(packages)
    assert time.monotonic() - started < 60
    return packages, source + capsys.readouterr().out


def test_an_unreachable_cpu_index_falls_back_to_pip_s_configured_index_and_says_so(index, monkeypatch, capsys):
    configured = index("2.13.0+cpu")
    monkeypatch.setenv("PIP_INDEX_URL", configured)
    (torch,), said = plan(UNREACHABLE, capsys)
    assert f"PyTorch's CPU index ({UNREACHABLE}) cannot be reached" in said
    assert "falling back to pip's configured index" in said
    assert torch["version"] == "2.13.0+cpu" and torch["url"].startswith(configured)


def test_the_cpu_index_is_used_when_it_answers(index, capsys):
    cpu = index("2.13.0+cpu")
    (torch,), said = plan(cpu, capsys)
    assert said == f"PyTorch's CPU index ({cpu})"
    assert torch["url"].startswith(cpu)


def test_torch_index_url_overrides_both(index, monkeypatch, capsys):
    chosen = index("2.13.0+cpu")
    monkeypatch.setenv("TORCH_INDEX_URL", chosen)
    (torch,), said = plan(index("2.13.0+cpu"), capsys)
    assert said == f"TORCH_INDEX_URL ({chosen})"
    assert torch["url"].startswith(chosen)


def test_an_unreachable_torch_index_url_fails_fast_with_pip_s_reason(monkeypatch, capsys):
    monkeypatch.setenv("TORCH_INDEX_URL", UNREACHABLE)
    with pytest.raises(SystemExit, match=f"pip cannot install torch==2.13.0 from {UNREACHABLE}"):
        plan(UNREACHABLE, capsys)


def test_a_cuda_build_is_refused_unless_asked(index, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_INDEX_URL", index("2.13.0+cu130"))
    with pytest.raises(SystemExit, match=r"a CUDA build of torch \(torch 2.13.0\+cu130\).*ATTENTION_KIT_ALLOW_CUDA=1"):
        plan(UNREACHABLE, capsys)
    monkeypatch.setenv("ATTENTION_KIT_ALLOW_CUDA", "1")
    (torch,), _ = plan(UNREACHABLE, capsys)
    assert torch["version"] == "2.13.0+cu130"
    monkeypatch.delenv("ATTENTION_KIT_ALLOW_CUDA")
    with pytest.raises(SystemExit, match="nvidia-cublas-cu12"):  # PyPI's CUDA build: a plain version, nvidia-* wheels
        tasks.refuse_cuda([torch, {"name": "nvidia-cublas-cu12", "version": "12.8"}])
