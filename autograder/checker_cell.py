"""The given cell that carries a notebook's checker files, so that a released notebook works alone.

Opened without ``attention_check.py`` and ``<id>.checks.json`` beside it (in Colab, downloaded alone,
handed out by PrairieLearn or Gradescope), a notebook's check cells would fail on their import. So its
first code cell holds both files, compressed and base64-encoded, and writes them into the kernel's folder
when they are missing or differ, saying so in one line. The files are in the cell's source, not in the
notebook's metadata, because Colab's kernel cannot read the notebook file. They hold no answer (the
leak tests decode and scan them). ``attention-kit build`` writes the cell into the source notebook, so
that nbgrader releases it as a locked given cell and puts it back when grading; ``build --check`` names
it when it is out of date. Checkers skip it (``checker.cells.runs_before_checking``).
"""

from __future__ import annotations

import base64
import json
import re
import zlib

import nbformat

from .checker.cells import CHECKER_FILES_CELL, nbgrader_meta

BASE64_PER_LINE = 100

#: the cell's code; a backslash ending a line here continues it, so the cell's lines stay whole
CODE = '''# @title Run this cell first: it writes {names}, which the check cells need, beside this notebook \
if they are missing (they hold no answer).
def _write_checker_files(packed):
    """The files this notebook's check cells read, written into the kernel's folder if missing or different."""
    import base64, json, pathlib, zlib

    files = json.loads(zlib.decompress(base64.b64decode(packed)))
    written = [name for name, text in files.items()
               if not pathlib.Path(name).is_file() or pathlib.Path(name).read_bytes() != text.encode()]
    for name in written:
        pathlib.Path(name).write_bytes(files[name].encode())
    if written:
        print(f"Wrote {{' and '.join(written)}} into {{pathlib.Path.cwd()}}: \
the check cells need them (they hold no answer).")


_write_checker_files("""
{payload}
""")
del _write_checker_files
'''
PAYLOAD = re.compile(r'_write_checker_files\("""\n([A-Za-z0-9+/=\n]+)"""\)')


def source(files: dict[str, str]) -> str:
    """The cell's code for these files (name -> text)."""
    packed = base64.b64encode(zlib.compress(json.dumps(files, sort_keys=True).encode(), 9)).decode()
    lines = [packed[i : i + BASE64_PER_LINE] for i in range(0, len(packed), BASE64_PER_LINE)]
    return CODE.format(names=" and ".join(files), payload="\n".join(lines))


def files_in(code: str) -> dict[str, str]:
    """The files a checker-files cell's code carries (what it would write)."""
    found = PAYLOAD.search(code)
    if found is None:
        raise ValueError("not a checker-files cell: no packed files in it")
    return json.loads(zlib.decompress(base64.b64decode(found.group(1))))


def without_payload(code: str) -> str:
    """The cell's code with its packed files left out: what stays when only the files change."""
    return PAYLOAD.sub('_write_checker_files("""<packed files>""")', code)


def find(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    return next((c for c in notebook.cells if nbgrader_meta(c).get("grade_id") == CHECKER_FILES_CELL), None)


def put(notebook: nbformat.NotebookNode, files: dict[str, str]) -> bool:
    """Give the notebook its checker-files cell for these files, as its first code cell (a locked given cell,
    its code folded away in JupyterLab and Colab); returns whether the notebook changed."""
    code = source(files)
    cell = find(notebook)
    if cell is not None:
        changed = cell.source != code
        cell.source = code
        return changed
    cell = nbformat.v4.new_code_cell(
        code,
        metadata={
            "cellView": "form",  # Colab: shows the title line only
            "jupyter": {"source_hidden": True},
            "nbgrader": {
                "grade": False,
                "grade_id": CHECKER_FILES_CELL,
                "locked": True,
                "schema_version": 3,
                "solution": False,
                "task": False,
            },
        },
    )
    cell.id = CHECKER_FILES_CELL
    first_code = next((i for i, c in enumerate(notebook.cells) if c.cell_type == "code"), len(notebook.cells))
    notebook.cells.insert(first_code, cell)
    return True
