"""Precomputed sweeps: parameter grids too large to run while a chapter executes.

Each module here is run as ``python -m superposition.sweeps.<name>`` and writes a small JSON file
into ``book/data/`` that the chapter loads; ``--tiny`` runs the same code on a tiny grid (what the
unit tests do) and ``--out`` chooses another file.  Every file records the grid it ran, the command
that regenerates it, the package versions and the wall time.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["DATA_DIR", "DATA_ENV", "find_data_dir", "data_path", "write_sweep", "load_sweep", "log"]

#: Environment variable that names the data directory explicitly (overrides the search below).
DATA_ENV = "SUPERPOSITION_DATA_DIR"


def find_data_dir(start=None) -> Path | None:
    """The book's data directory: ``$SUPERPOSITION_DATA_DIR`` if set, else ``book/data`` of the first
    repository (a folder holding ``_toc.yml``) at or above ``start`` (default: the working directory, so a
    chapter running in ``book/`` and a sweep run from the repository root both find it), else ``book/data`` next to
    an editable install of this package; ``None`` when none exists."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    here = Path.cwd() if start is None else Path(start)
    for d in [here, *here.resolve().parents]:
        if (d / "_toc.yml").is_file() and (d / "book" / "data").is_dir():
            return d / "book" / "data"
    editable = Path(__file__).resolve().parents[3] / "book" / "data"
    return editable if editable.is_dir() else None


#: The data directory found at import (see :func:`find_data_dir`); ``None`` outside a checkout without the variable.
DATA_DIR = find_data_dir()


def data_path(filename: str) -> Path:
    """``DATA_DIR / filename``, or a clear error saying how to choose the directory."""
    if DATA_DIR is None:
        raise FileNotFoundError(f"cannot find the book's data directory for {filename!r}: run from the repository "
                                f"(a folder with _toc.yml and book/data), set {DATA_ENV}=DIR, or pass --out FILE")
    return Path(DATA_DIR) / filename


def _plain(obj):
    """Convert numpy scalars and arrays to JSON-friendly Python objects."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def write_sweep(path, name: str, grid: dict, results, started: float, command: str, meta=None) -> Path:
    """Write a sweep's results with its metadata to ``path`` (JSON) and return the path.

    ``meta`` (optional dict, e.g. the scheduler and worker count of :mod:`._runner`) is merged into ``meta``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "name": name,
        "command": command,
        "grid": grid,
        "results": results,
        "meta": {
            "wall_seconds": round(time.time() - started, 1),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "machine": platform.machine(),
            "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
            **(meta or {}),
        },
    }
    path.write_text(json.dumps(_plain(payload), indent=1) + "\n")
    return path


def load_sweep(name: str, data_dir=None) -> dict:
    """Load ``book/data/<name>.json`` (as written by :func:`write_sweep`)."""
    path = data_path(f"{name}.json") if data_dir is None else Path(data_dir) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no sweep {name!r} at {path}: pass data_dir= (the book/data folder of a checkout) "
                                f"or set {DATA_ENV}")
    return json.loads(path.read_text())


def log(msg: str) -> None:
    """Progress line on stderr (sweeps run in the background)."""
    print(msg, file=sys.stderr, flush=True)
