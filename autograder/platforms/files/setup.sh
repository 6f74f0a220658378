#!/usr/bin/env bash
# Installs the attention-kit grader into the first python3 on PATH. Gradescope runs it once, as root, when
# it builds the autograder image (https://gradescope-autograders.readthedocs.io/en/latest/specs/); the
# PrairieLearn grading image's Dockerfile runs it too.
#
# First the CPU build of torch, pinned (a bare `torch` requirement pulls a multi-GB CUDA build), then the kit
# from the wheel next to this script, with torch held to the build just installed.
#   TORCH_INDEX_URL  where that torch comes from (default: PyTorch's CPU index, @TORCH_INDEX_URL@)
set -euo pipefail
cd "$(dirname "$0")"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_BREAK_SYSTEM_PACKAGES=1  # Ubuntu 24.04's python3 is "externally managed" (PEP 668); this image is ours
pip_install() { python3 -m pip install --no-input "$@"; }

if ! python3 -m pip --version >/dev/null 2>&1; then  # no pip: a uv-made venv (PrairieLearn), a bare Ubuntu
  python3 -m ensurepip --upgrade || { apt-get update && apt-get install -y python3-pip; }
fi
echo "Installing @TORCH@ (CPU build) with $(command -v python3) ($(python3 --version))"
pip_install --index-url "${TORCH_INDEX_URL:-@TORCH_INDEX_URL@}" "@TORCH@"
constraint="$(mktemp)"
python3 -c "import torch; print(f'torch=={torch.__version__}')" > "$constraint"
pip_install --constraint "$constraint" ./@WHEEL@
chmod go-rwx ./@WHEEL@  # it holds the hidden checks: no user but root may read it (docs/sealing.md)
rm -f "$constraint"
python3 - <<'CHECK'
import torch
if torch.version.cuda:
    raise SystemExit(f"a CUDA build of torch got installed ({torch.__version__}): the grader needs the CPU build")
from autograder.sandbox import Sandbox
Sandbox().close()  # it starts; and matplotlib's font cache is built now, not in a student's plotting cell
print(f"attention-kit grader ready: torch {torch.__version__}")
CHECK
