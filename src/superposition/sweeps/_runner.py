"""The shared driver of every sweep: run the points of a grid serially, on a local Dask cluster, or on any
``dask.distributed`` scheduler, resumably.

Every sweep module lists its points (small JSON-able dicts) and a top-level function ``point -> result``;
:func:`run_points` does the rest:

* ``--scheduler none`` runs the points in this process, in order; the default (``--scheduler local``) starts a
  :class:`distributed.LocalCluster` with one single-threaded worker process per core; ``--scheduler ADDRESS``
  (e.g. ``tcp://10.0.0.5:8786``) connects to a running scheduler (SSH, Kubernetes, dask-jobqueue, …).
* Seeds are derived from the point itself (its parameters and its index in the grid), never from the worker or
  the order of completion, so the results are identical whichever scheduler runs them.
* Each finished point is appended to ``<out>.partial.jsonl`` as soon as it completes; a rerun with the same
  ``--out`` skips the points found there.  The partial file is removed once the sweep's JSON is written.
* A point that raises is reported with its parameters (and left out of the partial file, so a rerun retries it);
  the others carry on.  The written JSON lists the failures under ``failed``.
* The dashboard link is printed when there is one; progress is a ``tqdm`` bar, or Dask's own progress bar when
  the scheduler is a remote address.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import data_path, log, write_sweep

__all__ = ["add_scheduler_argument", "open_client", "run_points", "finish_sweep", "point_key", "sweep_main"]

#: BLAS threads per worker: one, as in the single-core runs and on Binder.
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def add_scheduler_argument(parser) -> None:
    """Add ``--scheduler`` and ``--workers`` to an argparse parser."""
    parser.add_argument("--scheduler", default="local",
                        help="'local' (default: a LocalCluster, one single-threaded worker per core), 'none' "
                             "(serial, in this process) or the address of a dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--workers", type=int, default=None,
                        help="workers of the local cluster (default: the number of cores)")


def point_key(point: dict) -> str:
    """The canonical text of a point (sorted JSON): how finished points are recognised on a rerun."""
    return json.dumps(point, sort_keys=True, default=str)


def open_client(scheduler: str = "local", workers: int | None = None, timeout: float = 10.0):
    """A ``distributed.Client`` for ``scheduler`` ('local' or an address), or ``None`` for 'none'.

    Raises ``SystemExit`` with a message naming the address when no scheduler answers there.
    """
    if scheduler is None or scheduler == "none":
        return None
    os.environ.update(_ONE_THREAD)  # inherited by the local workers
    from distributed import Client, LocalCluster

    if scheduler == "local":
        n = workers or os.cpu_count() or 1
        if n < 1:
            raise ValueError(f"workers must be >= 1, got {n}")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0")
        return Client(cluster)
    try:
        return Client(scheduler, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SystemExit(f"cannot connect to the dask scheduler at {scheduler!r}: {exc}. Start one with "
                         f"`dask scheduler` (and workers with `dask worker {scheduler}`), or use "
                         f"--scheduler local / none.") from None


def _describe(client, scheduler: str) -> dict:
    if client is None:
        return {"scheduler": "none", "workers": 1}
    info = client.scheduler_info()
    return {"scheduler": "local" if scheduler == "local" else scheduler, "workers": len(info.get("workers", {}))}


def _read_partial(path: Path) -> dict:
    done = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:  # a line cut by a kill: that point is run again
                    continue
                done[rec["key"]] = rec["result"]
    return done


def _dask_progress(client, futures):
    """Dask's text progress bar for ``futures``, drawn from a background thread while the points are collected."""
    import threading

    from distributed.diagnostics.progressbar import TextProgressBar

    def draw():
        try:
            TextProgressBar(futures, scheduler=client.scheduler.address, complete=True)
        except Exception:  # noqa: BLE001 - a progress bar must never stop the sweep
            pass

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    return thread


def _call(fn, point):
    """Run one point; return ("ok", result) or ("error", text) so a failure never kills the sweep."""
    try:
        return "ok", fn(point)
    except Exception:  # noqa: BLE001 - reported with the point's parameters
        return "error", traceback.format_exc(limit=4)


def run_points(fn, points: list[dict], out, *, scheduler: str = "local", workers: int | None = None,
               client=None, label: str = "sweep"):
    """Run ``fn(point)`` for every point; return ``(results, meta)``.

    Parameters
    ----------
    fn : top-level (picklable) function of one point returning a JSON-able result.
    points : list of JSON-able dicts; each must carry everything its seed derives from.
    out : the sweep's output JSON; finished points go to ``<out>.partial.jsonl`` as they complete.
    scheduler, workers : as for :func:`open_client` (ignored when ``client`` is given).

    Returns
    -------
    results : list, ``results[i]`` is the result of ``points[i]`` (``None`` if it failed).
    meta : ``{"scheduler": …, "workers": …, "points": …, "resumed": …, "failed_points": [{"point": …,
        "error": …}, …]}`` for :func:`write_sweep`.
    """
    from tqdm import tqdm

    partial = Path(str(out) + ".partial.jsonl")
    partial.parent.mkdir(parents=True, exist_ok=True)
    done = _read_partial(partial)
    keys = [point_key(p) for p in points]
    results = [done.get(k) for k in keys]
    todo = [i for i, k in enumerate(keys) if k not in done]
    if done:
        log(f"{label}: resuming, {len(points) - len(todo)} of {len(points)} points already in {partial}")
    failed = []
    own = client is None and scheduler not in (None, "none")
    if own:
        client = open_client(scheduler, workers)
    meta = _describe(client, scheduler)
    if client is not None and client.dashboard_link:
        log(f"{label}: dask dashboard at {client.dashboard_link}")
    log(f"{label}: {len(todo)} points on {meta['workers']} worker(s) (scheduler {meta['scheduler']})")

    def finish(i, status, value, fh):
        if status == "ok":
            results[i] = value
            fh.write(json.dumps({"key": keys[i], "result": value}) + "\n")
            fh.flush()
        else:
            failed.append({"point": points[i], "error": value})
            log(f"{label}: point {points[i]} failed:\n{value}")

    try:
        with open(partial, "a") as fh, tqdm(total=len(todo), desc=label, unit="point", mininterval=1.0) as bar:
            if client is None:
                for i in todo:
                    finish(i, *_call(fn, points[i]), fh)
                    bar.update()
            else:
                from distributed import as_completed

                futures = {client.submit(_call, fn, points[i], key=f"{label}-{i}-{keys[i]}", pure=False): i
                           for i in todo}
                drawer = None
                if scheduler not in ("local", None) and futures:  # a remote cluster: Dask's own progress bar
                    drawer = _dask_progress(client, list(futures))
                    bar.disable = True
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        status, value = fut.result()
                    except Exception as exc:  # noqa: BLE001 - e.g. the task's workers kept dying
                        status, value = "error", f"{type(exc).__name__}: {exc}"
                    finish(i, status, value, fh)
                    bar.update()
                if drawer is not None:
                    drawer.join(timeout=2)  # let it draw 100 %
    finally:
        if own:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    meta.update(points=len(points), resumed=len(points) - len(todo), failed_points=failed)
    if failed:
        log(f"{label}: {len(failed)} point(s) failed (listed under meta.failed_points); rerun to retry them")
    return results, meta


def finish_sweep(out, meta) -> None:
    """Remove the partial file of ``out`` once the sweep's JSON is written with no failure (nothing left to
    resume); with failures it stays, so a rerun skips the finished points and retries the failed ones."""
    partial = Path(str(out) + ".partial.jsonl")
    if not meta.get("failed_points") and partial.exists():
        partial.unlink()


def sweep_main(doc: str, module: str, name: str, full: dict, tiny: dict,
               run: Callable[[dict, Path, str | None, int | None], tuple[Any, dict]],
               argv: Sequence[str] | None = None, *, scheduler: str | None = "local", nice: bool = True,
               grid_extra: dict | None = None) -> int:
    """The command line every sweep shares: ``python -m superposition.sweeps.<module> [--tiny] [--out FILE]
    [--scheduler ...] [--workers N]``.

    ``run(cfg, out, scheduler, workers) -> (results, meta)`` runs the grid ``full`` (``tiny`` with ``--tiny``);
    the results are written to ``out`` (default ``book/data/<name>.json``) by :func:`write_sweep` with the command
    that regenerates them, and the partial file is removed when no point failed (:func:`finish_sweep`).
    ``scheduler`` is the default of ``--scheduler``; ``None`` for a sweep that manages its own workers (no
    ``--scheduler`` option, ``run`` gets ``None``). ``grid_extra`` is recorded with the grid.
    """
    prog = f"python -m superposition.sweeps.{module}"
    parser = argparse.ArgumentParser(prog=prog, description=doc.strip().split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="run a seconds-long version (for tests)")
    parser.add_argument("--out", default=None, help=f"output JSON (default book/data/{name}.json)")
    if scheduler is not None:
        add_scheduler_argument(parser)
        parser.set_defaults(scheduler=scheduler)
    args = parser.parse_args(argv)
    cfg = tiny if args.tiny else full
    started = time.time()
    out = Path(args.out) if args.out else data_path(f"{name}.json")
    results, meta = run(cfg, out, getattr(args, "scheduler", None), getattr(args, "workers", None))
    write_sweep(out, name, {**cfg, **(grid_extra or {})}, results, started,
                ("nice " if nice else "") + prog + (" --tiny" if args.tiny else ""), meta)
    finish_sweep(out, meta)
    log(f"wrote {out}")
    return 0
