"""Shared helpers of the course-edition tests: the book's chapters, running notebooks, the built site."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from superposition.student import chapters

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_CHAPTER = FIXTURES / "01_fixture.ipynb"

#: Every chapter listed in _toc.yml (the real chapters are covered as soon as they are listed).
CHAPTERS = chapters(REPO)


def chapter_id(path: Path) -> str:
    return path.stem


def execute(nb, cwd: Path, *, allow_errors: bool = True):
    """Run ``nb`` top to bottom in a fresh ``python3`` kernel started in ``cwd`` (one BLAS thread); return it."""
    from nbclient import NotebookClient

    saved = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update({k: "1" for k in saved})
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        for key, val in saved.items():
            if val is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = val
    return nb


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def text_output(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
        parts.append("".join(out.get("data", {}).get("text/markdown", "")))
    return "".join(parts)


def read(path: Path):
    return nbformat.read(path, as_version=4)


def site_dir() -> Path:
    """The built HTML site: ``$BOOK_HTML_DIR`` or ``_build/html`` (``make test`` builds it before pytest)."""
    return Path(os.environ.get("BOOK_HTML_DIR", REPO / "_build" / "html")).resolve()
