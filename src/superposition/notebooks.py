"""Notebook housekeeping: execute a chapter in a fresh kernel and save it in place.

Usage::

    python -m superposition.notebooks execute book/01_representation.ipynb [more.ipynb ...]

nbval compares every stored output with a fresh run, so a chapter must be saved
exactly as a fresh top-to-bottom run produces it.  This runs each notebook with
one BLAS thread (as Binder and the benchmarks do), from the notebook's folder,
with a per-cell timeout, and reports the wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

__all__ = ["execute_notebook"]


def execute_notebook(path: str | os.PathLike, *, timeout: int = 600) -> float:
    """Execute the notebook at ``path`` in a fresh ``python3`` kernel and save it; return seconds taken."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    env_backup = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    for key in env_backup:
        os.environ[key] = "1"
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
            store_widget_state=True,
        )
        start = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - start
    finally:
        for key, val in env_backup.items():
            if val is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = val
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m superposition.notebooks", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("execute", help="execute notebooks in place")
    ex.add_argument("paths", nargs="+")
    ex.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    for p in args.paths:
        seconds = execute_notebook(p, timeout=args.timeout)
        print(f"{p}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
