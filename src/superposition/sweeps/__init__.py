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

__all__ = ["DATA_DIR", "write_sweep", "load_sweep", "log"]


def _data_dir() -> Path:
    """``$SUPERPOSITION_DATA_DIR``; else ``book/data`` of the checkout this package is installed from (editable
    install); else ``book/data`` under the working directory (a regular install run from a repository root)."""
    if os.environ.get("SUPERPOSITION_DATA_DIR"):
        return Path(os.environ["SUPERPOSITION_DATA_DIR"])
    checkout = Path(__file__).resolve().parents[3] / "book" / "data"
    return checkout if checkout.is_dir() else Path.cwd() / "book" / "data"


#: Where the book's precomputed sweeps are read and written (see :func:`_data_dir`).
DATA_DIR = _data_dir()


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


def write_sweep(path, name: str, grid: dict, results, started: float, command: str) -> Path:
    """Write a sweep's results with its metadata to ``path`` (JSON) and return the path."""
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
        },
    }
    path.write_text(json.dumps(_plain(payload), indent=1) + "\n")
    return path


def load_sweep(name: str, data_dir=None) -> dict:
    """Load ``book/data/<name>.json`` (as written by :func:`write_sweep`)."""
    base = DATA_DIR if data_dir is None else Path(data_dir)
    path = base / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no sweep {name!r} at {path}: pass data_dir= (the book/data folder of a checkout) "
                                "or set SUPERPOSITION_DATA_DIR")
    return json.loads(path.read_text())


def log(msg: str) -> None:
    """Progress line on stderr (sweeps run in the background)."""
    print(msg, file=sys.stderr, flush=True)
