"""Benchmarks: speed and memory of the book's kernels, Binder budgets of the chapters, scale records.

Usage::

    python -m superposition.bench --out DIR            # the full benchmark (a few minutes on one core)
    python -m superposition.bench --out DIR --quick    # tiny sizes: exercises the machinery in seconds
    python -m superposition.bench --out DIR --only matmul,coherence

It writes ``DIR/bench.json`` and ``DIR/bench.md``.  ``bench.json`` maps each record name to::

    {"value": number or null, "unit": "...", "reference": "what it is compared with",
     "target": {"op": "<=" or ">=", "value": number} or null, "met": true/false/null,
     "reason": "why value is null" (only when it is), "details": {...} (sizes, raw timings)}

plus one reserved key, ``"_meta"`` (not a record): the machine (CPU model, cores, memory, numpy/scipy
versions and numpy's BLAS configuration, read by this module at run time), the git commit, the
date, the command line and the load average before and after the run.  ``bench.md`` is the same
records as a Markdown table.

How things are measured
-----------------------
* Every kernel runs in a **fresh subprocess** (``python -m superposition.bench --worker NAME``) with one
  BLAS thread (``OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1``).
* **Peak memory comes from the operating system**: each worker reads its own high-water resident set
  size, ``VmHWM`` in ``/proc/self/status``, after its work and returns it with its result.  ``VmHWM``
  belongs to the address space the worker got at ``exec``, so it is that process's peak alone.  The
  ``ru_maxrss`` that ``os.wait4`` reports when the parent reaps the worker is *not* used for this on
  Linux: the kernel folds the pre-``exec`` peak into it, so a worker forked from a large process (a
  pytest run holding 170 MiB) would report at least that parent's size.  It is kept in the result
  (``ru_maxrss_mb``) and used only for a worker that was killed before it could report.
  The peak includes the Python interpreter with numpy and scipy imported (record
  ``python_baseline_peak_mb``).
* A chapter notebook is executed by nbclient inside a fresh worker; a ``post_run_cell`` hook in the
  Jupyter kernel reads the kernel's own ``VmHWM`` after every cell, and the kernel's peak is the last
  of these (read after the notebook's last cell).
* Inputs of a kernel that are not part of what is measured (the 20 000 × 1 000 embedding of the
  coherence record) are made by another worker and handed over as a ``.npy`` file, so that their
  construction does not count towards the kernel's peak.
* A record whose kernel has not landed yet (module or function missing, or a stub raising
  ``NotImplementedError``) is written with ``value: null`` and a ``reason``; the run does not stop.

Flop conventions (stated again in each record's ``reference``)
--------------------------------------------------------------
* GEMM ``n × n × n``: ``2 n³``.
* ``max_coherence`` of a ``d × m`` matrix: ``m (m − 1) d``, one length-``d`` dot product (2d flops) per
  unordered pair, i.e. the useful work, whatever the implementation computes.
* Sparse products: ``2 · nnz · (right-hand sides)``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import math
import os
import platform
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "SIZES",
    "MissingKernel",
    "WorkerResult",
    "run_worker",
    "chapter_notebooks",
    "record_names",
    "run_benchmark",
    "write_results",
    "markdown_table",
    "format_value",
    "target_met",
    "machine_info",
    "kernel_limits",
    "main",
]

BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# ---------------------------------------------------------------------------------------------
# Sizes: full and quick
# ---------------------------------------------------------------------------------------------

SIZES = {
    "full": {
        "matmul_n": 2048,
        "spmm": {"rows": 30_000, "cols": 30_000, "nnz_per_row": 8, "rhs": 64, "sweep": [10_000, 100_000, 300_000]},
        "stream_floats": 2**25,
        "coherence": {"m": 20_000, "d": 1_000},
        "coherence_gram": {"m": 4_000, "d": 1_000},
        "coherence_loop": {"m": 300, "d": 1_000},
        "uand": {"m": 3_000, "n": 8_192, "coverage": 48, "s": 3, "inputs": 100},
        "uand_search": {"cap_s": 30.0, "cap_mb": 1024.0, "factor": 2.0, "resolution": 1.1, "max_m": 200_000,
                        "max_probes": 6},
        "pairwise": {"m": 10_000, "m_prime": 1_000_000, "s": 4, "inputs": 192},
        "pairwise_series": [10_000, 100_000],
        "pairwise_forward": {"m": 10_000, "m_prime": 100_000, "s": 4, "batch": 63},
        "chapter_timeout_s": 240,
        "worker_timeout_s": 900,
    },
    "quick": {
        "matmul_n": 256,
        "spmm": {"rows": 20_000, "cols": 20_000, "nnz_per_row": 8, "rhs": 16, "sweep": [2_000]},
        "stream_floats": 2**20,
        "coherence": {"m": 1_000, "d": 64},
        "coherence_gram": {"m": 400, "d": 64},
        "coherence_loop": {"m": 40, "d": 64},
        "uand": {"m": 150, "n": 512, "coverage": 16, "s": 3, "inputs": 10},
        "uand_search": {"cap_s": 1.0, "cap_mb": 1024.0, "factor": 2.0, "resolution": 1.5, "max_m": 2_000,
                        "max_probes": 4},
        "pairwise": {"m": 300, "m_prime": 2_000, "s": 4, "inputs": 24},
        "pairwise_series": [500],
        "pairwise_forward": {"m": 300, "m_prime": 2_000, "s": 4, "batch": 16},
        "chapter_timeout_s": 120,
        "worker_timeout_s": 120,
    },
}

# ---------------------------------------------------------------------------------------------
# Record catalogue: name -> (unit, reference, target)
# ---------------------------------------------------------------------------------------------

_STATIC_RECORDS = {
    "matmul_gflops": (
        "GFLOP/s",
        "float32 GEMM 2048×2048×2048 (2n³ flops), one BLAS thread, in the same process as max_coherence (best of "
        "5 before and 5 after it; a standalone worker if that one fails): the practical limit for dense kernels",
        None,
    ),
    "spmm_gflops": (
        "GFLOP/s",
        "CSR sparse × dense float32 product, 3·10⁴ × 3·10⁴ with 8 random nnz per row, 64 right-hand sides "
        "(2·nnz·rhs flops; the dense operand, 7 MiB, is the size of the pairwise-AND forward pass's), best of 5: "
        "the practical limit for sparse kernels (details: a size sweep; larger operands fall out of cache)",
        None,
    ),
    "memory_bandwidth_gbs": (
        "GB/s",
        "numpy float32 a+b→c over arrays far larger than cache (12 bytes moved per element), best of 5: "
        "the practical limit for memory-bound kernels",
        None,
    ),
    "python_baseline_peak_mb": (
        "MiB",
        "peak RSS of a worker that only imports numpy, scipy and superposition; every `*_peak_mb` record includes it",
        None,
    ),
    "coherence_gflops": (
        "GFLOP/s",
        "max_coherence(E) at m = 20 000, d = 1 000 (E = random_embedding(m, d, 'gaussian') read from disk), best of "
        "2; useful flops m(m−1)d (one length-d dot product per pair); compare matmul_gflops",
        None,
    ),
    "coherence_ratio_to_matmul": (
        "ratio",
        "coherence_gflops / matmul_gflops (same run, one BLAS thread)",
        (">=", 0.5),
    ),
    "coherence_peak_mb": (
        "MiB",
        "peak RSS (from the OS) of the worker holding E (float64) and running max_coherence",
        ("<=", 300.0),
    ),
    "coherence_speedup_vs_gram": (
        "×",
        "time of the full-Gram reference (G = EᵀE, zero the diagonal, max |G|) / time of max_coherence, "
        "same E (m = 4 000, d = 1 000, float64), best of 3",
        None,
    ),
    "coherence_speedup_vs_python_loop": (
        "×",
        "time of a Python loop over all pairs (one np.dot each) / time of max_coherence, same small E "
        "(m = 300, d = 1 000)",
        None,
    ),
    "uand_exact_inputs_per_s_m3000": (
        "inputs/s",
        "uand_error(net, active, method='exact') over all C(m,2) pairs, clean inputs, s=3, n=8192, "
        "p=√(48/n); inputs / wall time of the evaluation (the build excluded)",
        None,
    ),
    "uand_exact_max_m_30s": (
        "features m",
        "largest m whose build + exact all-pairs evaluation of 100 inputs takes ≤ 30 s and ≤ 1 GiB peak; "
        "every probe a full run killed at the cap; doubling/bisection guided by the measured growth in m, to 10%",
        None,
    ),
    "pairwise_and_verify_s_m1e6": (
        "s",
        "build_pairwise_and + count_wrong_bits over all m′ outputs of 192 inputs (64 uniform, 64 planted, 64 hub), "
        "m = 10⁴, m′ = 10⁶ uniform random pairs, s = 4, n = 1.5 × the prototype's fitted smallest width; "
        "graph generation excluded",
        ("<=", 60.0),
    ),
    "pairwise_and_verify_peak_mb_m1e6": (
        "MiB",
        "peak RSS (from the OS) of the worker of pairwise_and_verify_s_m1e6 (graph, build, verify)",
        ("<=", 1024.0),
    ),
    "pairwise_and_forward_gflops": (
        "GFLOP/s",
        "net.predict on 63 inputs (forward pass + decode of all m′ outputs), m = 10⁴, m′ = 10⁵; flops "
        "2·batch·(nnz(E_inᵀ) + nnz(B) + nnz(R) + 2·nnz(E_out)); compare spmm_gflops",
        None,
    ),
}

_CHAPTER_S = ("s", "wall time to execute the notebook top to bottom in a fresh kernel (nbclient), one BLAS thread",
              ("<=", 60.0))
_CHAPTER_MB = ("MiB", "peak RSS (from the OS) of the notebook's kernel, one BLAS thread", ("<=", 1024.0))


def _repo_root() -> Path:
    """The repository root: the folder holding ``_toc.yml``, searched from the cwd, then from this file."""
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for p in (start, *start.parents):
            if (p / "_toc.yml").is_file():
                return p
    raise FileNotFoundError("could not find _toc.yml above the current folder or the package")


def chapter_notebooks(root: Path | None = None) -> list[Path]:
    """The chapter notebooks of ``_toc.yml``: ``.ipynb`` files of the parts whose caption mentions 'Chapter'.

    If no part is captioned so, every notebook of the table of contents except appendix pages.
    """
    import yaml

    root = Path(root) if root is not None else _repo_root()
    toc = yaml.safe_load((root / "_toc.yml").read_text())

    def files(entries):
        for e in entries or []:
            if "file" in e:
                yield e["file"]
            yield from files(e.get("sections"))

    parts = toc.get("parts") or [{"caption": "", "chapters": toc.get("chapters", [])}]
    chosen = [f for part in parts if "chapter" in str(part.get("caption", "")).lower()
              for f in files(part.get("chapters"))]
    if not chosen:
        chosen = [f for part in parts for f in files(part.get("chapters")) if "appendix" not in f]
    out = []
    for f in chosen:
        p = root / (f if f.endswith(".ipynb") else f + ".ipynb")
        if p.is_file():
            out.append(p)
    return out


def _chapter_key(path: Path) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", path.stem)


def record_names(root: Path | None = None) -> list[str]:
    """Every record name of a run, in table order (the chapter records come from ``_toc.yml``)."""
    names = list(_STATIC_RECORDS)
    for nb in chapter_notebooks(root):
        k = _chapter_key(nb)
        names += [f"chapter_{k}_s", f"chapter_{k}_peak_mb"]
    return names


def _spec(name: str):
    if name in _STATIC_RECORDS:
        return _STATIC_RECORDS[name]
    if name.startswith("chapter_") and name.endswith("_peak_mb"):
        return _CHAPTER_MB
    if name.startswith("chapter_") and name.endswith("_s"):
        return _CHAPTER_S
    raise KeyError(name)


def target_met(value: float | None, target: dict | None) -> bool | None:
    """Whether ``value`` meets ``target`` (``{"op": "<=" | ">=", "value": x}``); None without a value or target."""
    if target is None or value is None:
        return None
    return bool(value <= target["value"]) if target["op"] == "<=" else bool(value >= target["value"])


def _record(name: str, value=None, *, reason: str | None = None, details: dict | None = None,
            reference: str | None = None, met: bool | None = None) -> dict:
    """One record with its catalogue unit, reference and target; ``met`` derived unless given (e.g. a timeout)."""
    unit, ref, tgt = _spec(name)
    target = None if tgt is None else {"op": tgt[0], "value": tgt[1]}
    if value is not None:
        value = float(value)
        if not math.isfinite(value):
            reason = reason or f"non-finite value {value!r}"
            value = None
    rec = {"value": value, "unit": unit, "reference": reference or ref, "target": target,
           "met": target_met(value, target) if met is None or value is not None else met}
    if value is None:
        rec["reason"] = reason or "not measured"
    if details:
        rec["details"] = details
    return rec


# ---------------------------------------------------------------------------------------------
# Running a worker in a fresh subprocess; peak memory from the OS
# ---------------------------------------------------------------------------------------------


class MissingKernel(ImportError):
    """A kernel the benchmark needs has not landed (module or function missing)."""


class WorkerResult(dict):
    """The JSON a worker returned, plus ``status``, ``wall_s`` and ``peak_mb`` (the worker's ``VmHWM``)."""

    @property
    def ok(self) -> bool:
        return self.get("status") == "ok"

    @property
    def reason(self) -> str:
        return self.get("reason", self.get("status", "unknown"))


def run_worker(
    name: str, config: dict | None = None, *, timeout: float = 600.0, cwd: str | Path | None = None
) -> WorkerResult:
    """Run worker ``name`` with ``config`` in a fresh Python process; return its result and its peak memory.

    ``peak_mb`` is the worker's own high-water RSS (:func:`peak_rss_mb`, MiB), which it reads after its
    work; for a killed worker it is the ``ru_maxrss`` of ``os.wait4``, an upper bound that on Linux also
    counts the parent's size at ``fork``.
    ``status`` is ``"ok"``, ``"missing"`` (kernel not landed), ``"error"``, or ``"timeout"`` (the child was
    killed after ``timeout`` seconds).
    """
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        result_path = Path(tmp) / "result.json"
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        env = dict(os.environ, **BLAS_ENV)
        cmd = [sys.executable, "-m", "superposition.bench", "--worker", name,
               "--config", json.dumps(config or {}), "--result", str(result_path)]
        with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
            start = time.perf_counter()
            # Own session, so that a timeout also ends what the worker started (a notebook's kernel).
            proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env, cwd=cwd, start_new_session=True)
            timed_out = False
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid == proc.pid:
                    break
                if time.perf_counter() - start > timeout:
                    timed_out = True
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.02)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        res = WorkerResult()
        if timed_out:
            res.update(status="timeout", reason=f"exceeded the time cap of {timeout:g} s (worker killed)")
        elif result_path.is_file():
            res.update(json.loads(result_path.read_text()))
        else:
            tail = err_path.read_text(errors="replace").strip().splitlines()[-5:]
            res.update(status="error", reason=f"worker exited with code {proc.returncode}: " + " | ".join(tail))
        res["wall_s"] = wall
        res["ru_maxrss_mb"] = usage.ru_maxrss / 1024.0
        # A killed worker wrote no result, so only the OS's (upper-bound) reading is left.
        res["peak_mb"] = res.get("self_peak_mb", res["ru_maxrss_mb"])
        return res


def peak_rss_mb() -> float:
    """This process's high-water resident set size in MiB: ``VmHWM`` of ``/proc/self/status``.

    Unlike ``getrusage(RUSAGE_SELF).ru_maxrss``, ``VmHWM`` starts afresh at ``exec`` and so does not
    include the peak of the process this one was forked from.  Without ``/proc`` it falls back to
    ``ru_maxrss`` (KiB on Linux), an upper bound.
    """
    with contextlib.suppress(OSError):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _kernel(module: str, *names: str):
    """``superposition.<module>.<first of names that exists>``, or MissingKernel naming what was tried."""
    import importlib

    try:
        mod = importlib.import_module(f"superposition.{module}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("superposition"):
            raise MissingKernel(f"kernel not landed: module superposition.{module} does not exist") from exc
        raise
    for n in names:
        if hasattr(mod, n):
            return getattr(mod, n)
    raise MissingKernel(f"kernel not landed: superposition.{module} has none of {', '.join(names)}")


def _best_time(fn, reps: int) -> float:
    best = math.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ---------------------------------------------------------------------------------------------
# Workers (run inside the fresh subprocess).  Each returns a JSON-able dict.
# ---------------------------------------------------------------------------------------------


def _w_baseline(cfg):
    import numpy  # noqa: F401
    import scipy.sparse  # noqa: F401

    import superposition  # noqa: F401

    return {}


def _w_allocate(cfg):
    """Touch ``mb`` MiB (used by the tests of the peak-memory machinery)."""
    import numpy as np

    a = np.ones(int(cfg["mb"] * 2**20 // 8))
    return {"sum": float(a[:: 4096].sum())}


def _w_matmul(cfg):
    return _gemm_rate(int(cfg["n"]))


def _spmm_rate(rows: int, cols: int, k: int, rhs: int, seed: int = 1) -> dict:
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    indptr = np.arange(0, rows * k + 1, k, dtype=np.int32)
    indices = np.sort(rng.integers(0, cols, size=(rows, k), dtype=np.int32), axis=1).ravel()
    data = rng.standard_normal(rows * k, dtype=np.float32)
    A = sp.csr_matrix((data, indices, indptr), shape=(rows, cols))
    X = rng.standard_normal((cols, rhs), dtype=np.float32)
    A @ X
    t = _best_time(lambda: A @ X, 5)
    return {"rows": rows, "nnz": int(A.nnz), "rhs": rhs, "seconds": t, "gflops": 2.0 * A.nnz * rhs / t / 1e9,
            "operand_mb": cols * rhs * 4 / 2**20}


def _w_spmm(cfg):
    """CSR (rows × cols, ``nnz_per_row`` random columns) times a dense float32 (cols × rhs); plus a size sweep."""
    k, rhs = int(cfg["nnz_per_row"]), int(cfg["rhs"])
    out = _spmm_rate(int(cfg["rows"]), int(cfg["cols"]), k, rhs)
    out["sweep"] = sorted([_spmm_rate(r, r, k, rhs) for r in cfg.get("sweep", [])] + [dict(out)],
                          key=lambda x: x["rows"])
    return out


def _w_stream(cfg):
    import numpy as np

    n = int(cfg["n"])
    a = np.ones(n, dtype=np.float32)
    b = np.ones(n, dtype=np.float32)
    c = np.empty(n, dtype=np.float32)
    np.add(a, b, out=c)
    t = _best_time(lambda: np.add(a, b, out=c), 5)
    return {"seconds": t, "gbs": 12.0 * n / t / 1e9, "n": n}


def _w_embed(cfg):
    """Make the embedding the coherence worker reads (so its construction is not in that worker's peak)."""
    import numpy as np

    random_embedding = _kernel("representation", "random_embedding")
    E = random_embedding(int(cfg["m"]), int(cfg["d"]), "gaussian", np.random.default_rng(int(cfg.get("seed", 0))))
    np.save(cfg["path"], E)
    return {"shape": list(E.shape), "dtype": str(E.dtype)}


def _gemm_rate(n: int, reps: int = 5) -> dict:
    import numpy as np

    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n), dtype=np.float32)
    B = rng.standard_normal((n, n), dtype=np.float32)
    C = np.empty((n, n), dtype=np.float32)
    np.matmul(A, B, out=C)
    t = _best_time(lambda: np.matmul(A, B, out=C), reps)
    return {"seconds": t, "gflops": 2.0 * n**3 / t / 1e9, "n": n}


def _w_coherence(cfg):
    """max_coherence on E read from disk (best of ``reps``), bracketed by GEMM in the same process.

    The GEMM arrays are freed before E is loaded and E is freed before the second GEMM, so the
    process's peak is that of max_coherence with E resident.
    """
    import gc

    import numpy as np

    max_coherence = _kernel("representation", "max_coherence")
    g_before = _gemm_rate(int(cfg["matmul_n"]))
    gc.collect()
    E = np.load(cfg["path"])
    d, m = E.shape
    times, c = [], None
    for _ in range(int(cfg.get("reps", 2))):
        t0 = time.perf_counter()
        c = float(max_coherence(E))
        times.append(time.perf_counter() - t0)
    t = min(times)
    dtype, input_mb = str(E.dtype), E.nbytes / 2**20
    del E
    gc.collect()
    g_after = _gemm_rate(int(cfg["matmul_n"]))
    return {"seconds": t, "all_seconds": times, "gflops": m * (m - 1) * d / t / 1e9, "coherence": c, "m": m, "d": d,
            "dtype": dtype, "input_mb": input_mb, "gemm_before": g_before, "gemm_after": g_after,
            "matmul_gflops": max(g_before["gflops"], g_after["gflops"])}


def gram_max_coherence(E: np.ndarray) -> float:
    """Benchmark-local reference: the largest off-diagonal ``|⟨e_i, e_j⟩|`` of unit columns via the full Gram."""
    import numpy as np

    G = E.T @ E
    np.fill_diagonal(G, 0.0)
    return float(np.abs(G).max())


def loop_max_coherence(E: np.ndarray) -> float:
    """Benchmark-local reference: the same by a Python loop over all pairs (one ``np.dot`` per pair)."""
    import numpy as np

    cols = [np.ascontiguousarray(E[:, i]) for i in range(E.shape[1])]
    best = 0.0
    for i in range(len(cols)):
        ci = cols[i]
        for j in range(i + 1, len(cols)):
            v = abs(float(np.dot(ci, cols[j])))
            if v > best:
                best = v
    return best


def _w_coherence_baselines(cfg):
    import numpy as np

    random_embedding = _kernel("representation", "random_embedding")
    max_coherence = _kernel("representation", "max_coherence")
    out = {}
    for key, ref in (("gram", gram_max_coherence), ("loop", loop_max_coherence)):
        m, d = int(cfg[key]["m"]), int(cfg[key]["d"])
        E = random_embedding(m, d, "gaussian", np.random.default_rng(2))
        reps = 3 if key == "gram" else 1
        c_ref = ref(E)
        t_ref = _best_time(lambda ref=ref, E=E: ref(E), reps)
        c_ker = float(max_coherence(E))
        t_ker = _best_time(lambda E=E: max_coherence(E), 3)
        out[key] = {"m": m, "d": d, "reference_s": t_ref, "kernel_s": t_ker, "speedup": t_ref / t_ker,
                    "reference_value": c_ref, "kernel_value": c_ker, "agree": bool(abs(c_ref - c_ker) < 1e-4)}
    return out


def _uand_setup(cfg):
    import numpy as np

    build_uand = _kernel("uand", "build_uand")
    uand_error = _kernel("uand", "uand_error")
    sample_active = _kernel("uand", "sample_active")
    m, n, s = int(cfg["m"]), int(cfg["n"]), int(cfg["s"])
    p = math.sqrt(float(cfg["coverage"]) / n)
    rng = np.random.default_rng(int(cfg.get("seed", 3)))
    t0 = time.perf_counter()
    net = build_uand(m, n, p, rng, s=s)
    build_s = time.perf_counter() - t0
    active = sample_active(m, s, int(cfg["inputs"]), rng)
    return net, active, uand_error, build_s, p


def _w_uand(cfg):
    """Build a clean-input U-AND and time the exact all-pairs evaluation of ``inputs`` inputs."""
    net, active, uand_error, build_s, p = _uand_setup(cfg)
    t0 = time.perf_counter()
    rep = uand_error(net, active, method="exact")
    eval_s = time.perf_counter() - t0
    k = active.shape[0]
    m, n = int(cfg["m"]), int(cfg["n"])
    # Dense work of an all-pairs evaluation over the upper triangle of pair blocks: the coverage
    # BᵀB (n·m² flops) and, per input, the fired-neuron product B_Fᵀ diag(h_F) B_F (|F|·m² flops).
    fired = None
    with contextlib.suppress(MissingKernel):
        hidden = _kernel("uand", "uand_hidden")
        fired = int((hidden(net, active) > 0).sum())
    gemm_flops = float(n) * m * m + (float(fired) * m * m if fired is not None else 0.0)
    out = {"m": m, "n": n, "p": p, "s": int(cfg["s"]), "inputs": k,
           "build_s": build_s, "eval_s": eval_s, "per_input_s": eval_s / k, "inputs_per_s": k / eval_s,
           "max_error": float(rep.max_error), "n_pairs": int(rep.n_pairs),
           "fired_per_input": fired / k if fired is not None else None, "gemm_flops": gemm_flops,
           "gemm_gflops_effective": gemm_flops / eval_s / 1e9}
    if cfg.get("profile") and fired:
        out["profile"] = _uand_gemm_profile(m, n, fired / k, k, eval_s)
    return out


def _uand_gemm_profile(m: int, n: int, fired: float, inputs: int, eval_s: float) -> dict:
    """Time the dense products of a blocked all-pairs evaluation, on their own, with the evaluator's shapes.

    The evaluator (``uand_error(method="exact")``, see its docstring) walks the upper triangle of
    ``block × block`` pair blocks; per block pair it forms the coverage ``B_Iᵀ B_J`` (inner dimension n) once
    and, per input, the fired-neuron product (inner dimension |F|, the fired neurons).  Timing one such GEMM
    of each shape and multiplying by the number of block pairs gives the time the products need; the rest
    of the evaluation is elementwise passes over the m² pair blocks and Python overhead.
    """
    import inspect

    import numpy as np

    block = 1024
    with contextlib.suppress(Exception):
        block = int(inspect.signature(_kernel("uand", "uand_error")).parameters["block"].default)
    b = min(block, m)
    nb = -(-m // b)
    pairs_of_blocks = nb * (nb + 1) // 2
    rng = np.random.default_rng(0)
    f = max(int(round(fired)), 1)
    A = rng.random((b, n), dtype=np.float32)
    Bm = rng.random((n, b), dtype=np.float32)
    t_cov = _best_time(lambda: A @ Bm, 3)
    X = rng.random((b, f), dtype=np.float32)
    Y = rng.random((f, b), dtype=np.float32)
    t_fire = _best_time(lambda: X @ Y, 5)
    gemm_s = pairs_of_blocks * (t_cov + inputs * t_fire)
    return {"block": b, "block_pairs": pairs_of_blocks, "fired_per_input": f,
            "coverage_gemm_gflops": 2.0 * b * n * b / t_cov / 1e9, "fired_gemm_gflops": 2.0 * b * f * b / t_fire / 1e9,
            "gemm_s": gemm_s, "gemm_share": gemm_s / eval_s}


def _pairwise_api():
    build = _kernel("pairwise_and", "build_pairwise_and")
    graph = _kernel("pairwise_and", "uniform_pairs")
    inputs = _kernel("pairwise_and", "mixed_inputs")
    verify = _kernel("pairwise_and", "count_wrong_bits")
    return build, graph, inputs, verify


def pairwise_width(m: int, m_prime: int) -> int:
    """Width used by the benchmark: 1.5 × the prototype's fit of the smallest working width,
    n_min ≈ 8.84·√(m′ ln m′) + 771·m′/m (shared/reference/constructions.md §B.4; 1.5× is its safe width)."""
    return int(math.ceil(1.5 * (8.84 * math.sqrt(m_prime * math.log(m_prime)) + 771.0 * m_prime / m)))


def _w_pairwise_verify(cfg):
    """Graph (timed apart), then build + verify all m′ outputs of 192 inputs (uniform, planted, hub)."""
    import numpy as np

    build, graph, inputs, verify = _pairwise_api()
    m, mp, s, k = int(cfg["m"]), int(cfg["m_prime"]), int(cfg["s"]), int(cfg["inputs"])
    rng = np.random.default_rng(int(cfg.get("seed", 4)))
    t0 = time.perf_counter()
    pairs = graph(m, mp, rng)
    graph_s = time.perf_counter() - t0
    n = pairwise_width(m, mp)
    t0 = time.perf_counter()
    net = build(pairs, m, n, s, rng)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    active, _kinds = inputs(pairs, m, s, k // 3, rng)
    report = verify(net, active)
    verify_s = time.perf_counter() - t0
    counts = {k: int(v) for k, v in net.parameter_counts().items()}
    flops = 2.0 * _forward_nnz(counts) * active.shape[0]  # the verifier runs the same products as predict
    return {"m": m, "m_prime": mp, "n": n, "s": s, "inputs": int(active.shape[0]), "graph_s": graph_s,
            "build_s": build_s, "verify_s": verify_s, "seconds": build_s + verify_s,
            "wrong_bits": int(report.total_wrong), "verify_gflops": flops / verify_s / 1e9,
            "factors_nnz": counts.get("factors_total")}


def _forward_nnz(counts: dict) -> int:
    """Nonzeros one input touches in ``predict``: D1 = E_inᵀ, C1 = B, D2 = R once, E_out twice (compress, decode)."""
    return int(counts["D1"] + counts["C1"] + counts["D2"] + 2 * counts["C2"])


def _w_pairwise_forward(cfg):
    """Time ``net.predict`` on one batch: forward pass and decoding of all m′ outputs (sparse products)."""
    import numpy as np

    build, graph, inputs, verify = _pairwise_api()
    m, mp, s, batch = int(cfg["m"]), int(cfg["m_prime"]), int(cfg["s"]), int(cfg["batch"])
    rng = np.random.default_rng(int(cfg.get("seed", 5)))
    pairs = graph(m, mp, rng)
    n = pairwise_width(m, mp)
    net = build(pairs, m, n, s, rng)
    active, _kinds = inputs(pairs, m, s, max(batch // 3, 1), rng)
    net.predict(active)
    t = _best_time(lambda: net.predict(active), 3)
    b = int(active.shape[0])
    counts = {k: int(v) for k, v in net.parameter_counts().items()}
    per_input = _forward_nnz(counts)
    # The same five sparse products on the same operands, timed alone: how much of predict they are.
    products_s = None
    with contextlib.suppress(AttributeError, TypeError, ValueError):
        x = net.embed(active)
        z = net.E_in_T @ x
        h = net.hidden(x)
        o = net.R @ h
        y = net.output(h)
        products_s = sum(_best_time(f, 3) for f in (lambda: net.E_in_T @ x, lambda: net.B @ z, lambda: net.R @ h,
                                                     lambda: net.E_out_T.T @ o, lambda: net.E_out_T @ y))
    return {"m": m, "m_prime": mp, "n": n, "batch": b, "seconds": t, "inputs_per_s": b / t,
            "flops_per_input": 2.0 * per_input, "gflops": 2.0 * per_input * b / t / 1e9, "parameter_counts": counts,
            "sparse_products_s": products_s, "share_in_sparse_products": products_s / t if products_s else None}


_HOOK = """from superposition.bench import peak_rss_mb as _bench_peak_rss_mb
_bench_peaks = {}
def _bench_post_run_cell(result):
    _bench_peaks[result.execution_count] = _bench_peak_rss_mb()
get_ipython().events.register("post_run_cell", _bench_post_run_cell)"""
_DUMP = "import json as _bench_json\nprint('BENCH-PEAKS' + _bench_json.dumps(_bench_peaks))"


def _w_notebook(cfg):
    """Execute a notebook in a fresh kernel; the kernel's peak is its own ``VmHWM`` after the last cell.

    Two cells are added around the notebook's own: one registers a ``post_run_cell`` hook that notes the
    kernel's ``VmHWM`` after every cell, the last prints them.  (The kernel's ``ru_maxrss``, read by this
    worker from ``RUSAGE_CHILDREN`` after the kernel is reaped, is kept as ``kernel_ru_maxrss_mb`` and used
    only if those readings are missing; it also counts this worker's size at ``fork``.)  With nbclient's per-cell
    timestamps this gives the cells that cost the most time and raise the peak most (``details`` of the chapter
    records).
    """
    import datetime

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(cfg["path"])
    nb = nbformat.read(path, as_version=4)
    own = list(nb.cells)
    nb.cells = [nbformat.v4.new_code_cell(_HOOK), *own, nbformat.v4.new_code_cell(_DUMP)]
    client = NotebookClient(nb, timeout=int(cfg.get("cell_timeout", 600)), kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}, record_timing=True)
    t0 = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        evalue = str(getattr(exc, "evalue", ""))[:300]
        raise RuntimeError(f"a cell raised {getattr(exc, 'ename', '?')}: {evalue}") from None
    seconds = time.perf_counter() - t0
    reaped_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    if reaped_peak <= 0:
        raise RuntimeError("the kernel was not reaped, so its peak memory is unknown")
    peaks = {}
    for o in nb.cells[-1].get("outputs", []):
        if o.get("output_type") == "stream" and "BENCH-PEAKS" in o.get("text", ""):
            peaks = {int(k): v for k, v in json.loads(o["text"].split("BENCH-PEAKS", 1)[1]).items()}
    kernel_peak = max(peaks.values()) if peaks else reaped_peak
    cells, prev = [], peaks.get(nb.cells[0].get("execution_count"))  # the kernel's peak before the notebook
    for i, c in enumerate(own):
        if c.cell_type != "code":
            continue
        ex = c.metadata.get("execution", {})
        dt = None
        with contextlib.suppress(KeyError, ValueError, TypeError):
            t_in = datetime.datetime.fromisoformat(ex["iopub.execute_input"].replace("Z", "+00:00"))
            t_out = datetime.datetime.fromisoformat(ex["shell.execute_reply"].replace("Z", "+00:00"))
            dt = (t_out - t_in).total_seconds()
        peak = peaks.get(c.get("execution_count"))
        first = next((ln for ln in c.source.splitlines() if ln.strip() and not ln.startswith("#")), "")[:80]
        cells.append({"cell": i, "seconds": dt, "peak_mb_after": peak,
                      "peak_rise_mb": (peak - prev) if peak is not None and prev is not None else None,
                      "first_line": first})
        if peak is not None:
            prev = peak
    slowest = sorted((c for c in cells if c["seconds"] is not None), key=lambda c: -c["seconds"])[:3]
    hungriest = sorted((c for c in cells if c["peak_rise_mb"]), key=lambda c: -c["peak_rise_mb"])[:3]
    return {"seconds": seconds, "kernel_peak_mb": kernel_peak, "kernel_ru_maxrss_mb": reaped_peak, "cells": len(own),
            "slowest_cells": slowest, "peak_raising_cells": hungriest}


WORKERS = {
    "baseline": _w_baseline,
    "allocate": _w_allocate,
    "matmul": _w_matmul,
    "spmm": _w_spmm,
    "stream": _w_stream,
    "embed": _w_embed,
    "coherence": _w_coherence,
    "coherence_baselines": _w_coherence_baselines,
    "uand": _w_uand,
    "pairwise_verify": _w_pairwise_verify,
    "pairwise_forward": _w_pairwise_forward,
    "notebook": _w_notebook,
}


def _worker_main(name: str, config: str, result: str) -> int:
    cfg = json.loads(config)
    try:
        out = dict(WORKERS[name](cfg))
        out["status"] = "ok"
    except MissingKernel as exc:
        out = {"status": "missing", "reason": str(exc)}
    except NotImplementedError as exc:
        out = {"status": "missing", "reason": f"kernel not landed: stub raises NotImplementedError({exc})"}
    except Exception as exc:  # reported in the record, not raised: one broken kernel must not stop the run
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        out = {"status": "error",
               "reason": f"{type(exc).__name__}: {exc} (at {Path(tb.filename).name}:{tb.lineno})"[:600]}
    out["self_peak_mb"] = peak_rss_mb()  # after the work: the high-water mark only grows
    Path(result).write_text(json.dumps(out))
    return 0


# ---------------------------------------------------------------------------------------------
# Record groups (run in the parent; each measures through fresh workers)
# ---------------------------------------------------------------------------------------------


def _fail(names, res: WorkerResult, what: str, met=None) -> dict:
    reason = f"{what}: {res.reason}"
    return {nm: _record(nm, None, reason=reason, met=met) for nm in names}


def bench_reference(ctx: dict[str, Any]) -> dict:
    """matmul_gflops, spmm_gflops, memory_bandwidth_gbs, python_baseline_peak_mb."""
    z = ctx["sizes"]
    out = {}
    r = run_worker("matmul", {"n": z["matmul_n"]}, timeout=ctx["timeout"])
    out["matmul_gflops"] = (_record("matmul_gflops", r["gflops"], details={"n": r["n"], "seconds": r["seconds"]})
                            if r.ok else _fail(["matmul_gflops"], r, "matmul")["matmul_gflops"])
    r = run_worker("spmm", z["spmm"], timeout=ctx["timeout"])
    spmm_keys = ("rows", "nnz", "rhs", "seconds", "operand_mb", "sweep")
    out["spmm_gflops"] = (_record("spmm_gflops", r["gflops"], details={k: r[k] for k in spmm_keys})
                          if r.ok else _fail(["spmm_gflops"], r, "spmm")["spmm_gflops"])
    r = run_worker("stream", {"n": z["stream_floats"]}, timeout=ctx["timeout"])
    stream_details = {"n": r["n"], "seconds": r["seconds"]} if r.ok else {}
    out["memory_bandwidth_gbs"] = (_record("memory_bandwidth_gbs", r["gbs"], details=stream_details)
                                   if r.ok else _fail(["memory_bandwidth_gbs"], r, "stream")["memory_bandwidth_gbs"])
    r = run_worker("baseline", {}, timeout=ctx["timeout"])
    out["python_baseline_peak_mb"] = (_record("python_baseline_peak_mb", r["peak_mb"]) if r.ok else
                                      _fail(["python_baseline_peak_mb"], r, "baseline")["python_baseline_peak_mb"])
    return out


def bench_coherence(ctx: dict[str, Any]) -> dict:
    """coherence_gflops, coherence_ratio_to_matmul, coherence_peak_mb, coherence_speedup_vs_{gram,python_loop}."""
    z = ctx["sizes"]
    main = ["coherence_gflops", "coherence_ratio_to_matmul", "coherence_peak_mb"]
    out = {}
    with tempfile.TemporaryDirectory(prefix="bench-coh-") as tmp:
        cfg = dict(z["coherence"], path=str(Path(tmp) / "E.npy"), matmul_n=z["matmul_n"])
        r = run_worker("embed", cfg, timeout=ctx["timeout"])
        if r.ok:
            r = run_worker("coherence", cfg, timeout=ctx["timeout"])
    if r.ok:
        det = {k: r[k] for k in ("m", "d", "seconds", "all_seconds", "coherence", "dtype", "input_mb")}
        out["coherence_gflops"] = _record("coherence_gflops", r["gflops"], details=det)
        # GEMM measured in the same process as max_coherence, before and after it, replaces the standalone one.
        standalone = ctx["records"].get("matmul_gflops", {})
        out["matmul_gflops"] = _record("matmul_gflops", r["matmul_gflops"], details={
            "n": r["gemm_before"]["n"], "measured_in": "the max_coherence worker, before and after it (best of 10)",
            "before_gflops": r["gemm_before"]["gflops"], "after_gflops": r["gemm_after"]["gflops"],
            "standalone_gflops": standalone.get("value")})
        ctx["records"]["matmul_gflops"] = out["matmul_gflops"]
        mm = r["matmul_gflops"]
        out["coherence_ratio_to_matmul"] = (
            _record("coherence_ratio_to_matmul", r["gflops"] / mm) if mm else
            _record("coherence_ratio_to_matmul", None, reason="matmul_gflops not measured"))
        out["coherence_peak_mb"] = _record("coherence_peak_mb", r["peak_mb"], details={"input_mb": r["input_mb"]})
    else:
        out.update(_fail(main, r, "max_coherence"))
    r = run_worker("coherence_baselines", {"gram": z["coherence_gram"], "loop": z["coherence_loop"]},
                   timeout=ctx["timeout"])
    for key, name in (("gram", "coherence_speedup_vs_gram"), ("loop", "coherence_speedup_vs_python_loop")):
        if r.ok:
            b = r[key]
            out[name] = (_record(name, b["speedup"], details=b) if b["agree"] else
                         _record(name, None, reason=f"max_coherence disagrees with the reference: {b}", details=b))
        else:
            out.update(_fail([name], r, "max_coherence baselines"))
    return out


def bench_uand(ctx: dict[str, Any]) -> dict:
    """uand_exact_inputs_per_s_m3000 and uand_exact_max_m_30s (time-capped doubling then bisection)."""
    z = ctx["sizes"]
    u, srch = z["uand"], z["uand_search"]
    cap_s, cap_mb = srch["cap_s"], srch["cap_mb"]
    out = {}
    full = run_worker("uand", dict(u, profile=True), timeout=max(ctx["timeout"], 3 * cap_s))
    if not full.ok:
        return _fail(["uand_exact_inputs_per_s_m3000", "uand_exact_max_m_30s"], full, "U-AND exact evaluation")
    det = {k: full.get(k) for k in ("m", "n", "p", "s", "inputs", "build_s", "eval_s", "max_error", "n_pairs",
                                    "fired_per_input", "profile")}
    det["peak_mb"] = full["peak_mb"]
    out["uand_exact_inputs_per_s_m3000"] = _record("uand_exact_inputs_per_s_m3000", full["inputs_per_s"], details=det)

    # Every probe is a full run (all inputs) killed at the cap: the evaluator shares work between inputs, so
    # timing a few inputs and extrapolating would be wrong.
    probes = []  # every measured point: m, seconds (build + evaluation), peak, ok

    def record_probe(m: int, r: WorkerResult) -> bool:
        if r.get("status") == "timeout":
            probes.append({"m": m, "seconds": None, "peak_mb": r["peak_mb"], "ok": False,
                           "note": f"killed at the {cap_s:g} s cap"})
            return False
        if not r.ok:
            raise RuntimeError(r.reason)
        t = r["build_s"] + r["eval_s"]
        ok = t <= cap_s and r["peak_mb"] <= cap_mb
        probes.append({"m": m, "seconds": t, "peak_mb": r["peak_mb"], "ok": ok})
        return ok

    def probe(m: int) -> bool:
        return record_probe(m, run_worker("uand", dict(u, m=m), timeout=cap_s + 2.0))

    def guess(lo: int, hi: int | None) -> int:
        """Next m: where the growth law fitted to the two largest timed points reaches 0.85·cap, kept inside
        the bracket (lo, hi) (at most ``factor²·lo`` while there is no upper end); else doubling, or bisection."""
        timed = sorted((p["m"], p["seconds"]) for p in probes if p["seconds"])
        m_next = None
        if len(timed) >= 1:
            (m1, t1), (m2, t2) = (timed[-2], timed[-1]) if len(timed) >= 2 else ((timed[-1][0] / 2, timed[-1][1] / 4),
                                                                                 timed[-1])
            k = min(max(math.log(t2 / t1) / math.log(m2 / m1), 1.0), 3.0) if t2 > t1 and m2 > m1 else 2.0
            ref_m, ref_t = max(((m_, t_) for m_, t_ in timed if m_ <= lo), default=(m2, t2))
            m_next = ref_m * (0.85 * cap_s / ref_t) ** (1.0 / k)
        upper = hi if hi is not None else lo * srch["factor"] ** 2
        if m_next is None or not (lo * 1.02 < m_next < upper / 1.02):
            m_next = math.sqrt(lo * upper) if hi is not None else lo * srch["factor"]
        return int(round(m_next / 10.0) * 10)

    m0 = u["m"]
    try:
        lo, hi = None, None
        stopped = None
        if record_probe(m0, full):
            lo = m0
        else:
            hi, m = m0, m0
            while lo is None:
                m = int(m / srch["factor"])
                if m < 4:
                    raise RuntimeError("no m passes the cap")
                if probe(m):
                    lo = m
                else:
                    hi = m
        for _ in range(srch["max_probes"]):
            if hi is not None and hi / lo <= srch["resolution"]:
                break
            m = guess(lo, hi)
            if m > srch["max_m"]:
                stopped = f"search ceiling m = {srch['max_m']} reached"
                break
            if m in (lo, hi):
                break
            if probe(m):
                lo = m
            else:
                hi = m
        else:
            stopped = f"{srch['max_probes']} probes used"
        if hi is not None and hi / lo <= srch["resolution"]:
            stopped = None
    except RuntimeError as exc:
        out["uand_exact_max_m_30s"] = _record("uand_exact_max_m_30s", None, reason=f"search failed: {exc}",
                                              details={"probes": probes})
        return out
    best = next(p for p in probes if p["m"] == lo and p["ok"])
    out["uand_exact_max_m_30s"] = _record(
        "uand_exact_max_m_30s", lo,
        details={"cap_s": cap_s, "cap_mb": cap_mb, "n": u["n"], "s": u["s"], "inputs": u["inputs"],
                 "first_failing_m": hi, "stopped_early": stopped, "seconds_at_max": best["seconds"],
                 "peak_mb_at_max": best["peak_mb"],
                 "probes": sorted(probes, key=lambda p: p["m"])})
    return out


def bench_pairwise(ctx: dict[str, Any]) -> dict:
    """pairwise_and_verify_s_m1e6, pairwise_and_verify_peak_mb_m1e6, pairwise_and_forward_gflops."""
    z = ctx["sizes"]
    out = {}
    pw = z["pairwise"]
    series = []
    for mp in z["pairwise_series"]:
        r = run_worker("pairwise_verify", dict(pw, m_prime=mp), timeout=ctx["timeout"])
        if r.ok:
            series.append({"m_prime": mp, "seconds": r["seconds"], "peak_mb": r["peak_mb"], "n": r["n"],
                           "wrong_bits": r["wrong_bits"]})
    r = run_worker("pairwise_verify", pw, timeout=ctx["timeout"])
    names = ["pairwise_and_verify_s_m1e6", "pairwise_and_verify_peak_mb_m1e6"]
    if r.ok:
        det = {k: r.get(k) for k in ("m", "m_prime", "n", "s", "inputs", "graph_s", "build_s", "verify_s", "wrong_bits",
                                     "verify_gflops", "factors_nnz")}
        series.append({"m_prime": r["m_prime"], "seconds": r["seconds"], "peak_mb": r["peak_mb"], "n": r["n"],
                       "wrong_bits": r["wrong_bits"]})
        det["series"] = series
        out[names[0]] = _record(names[0], r["seconds"], details=det)
        out[names[1]] = _record(names[1], r["peak_mb"], details={"m_prime": r["m_prime"], "n": r["n"]})
    else:
        out.update(_fail(names, r, "pairwise AND build + verify", met=False if r.get("status") == "timeout" else None))
    r = run_worker("pairwise_forward", z["pairwise_forward"], timeout=ctx["timeout"])
    if r.ok:
        det = {k: r[k] for k in ("m", "m_prime", "n", "batch", "seconds", "inputs_per_s", "flops_per_input",
                                  "parameter_counts", "sparse_products_s", "share_in_sparse_products")}
        sp_ = ctx["records"].get("spmm_gflops", {}).get("value")
        det["ratio_to_spmm"] = r["gflops"] / sp_ if sp_ else None
        out["pairwise_and_forward_gflops"] = _record("pairwise_and_forward_gflops", r["gflops"], details=det)
    else:
        out.update(_fail(["pairwise_and_forward_gflops"], r, "pairwise AND forward pass"))
    return out


_STANDIN = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "standin", "metadata": {}, "outputs": [],
               "source": "import numpy as np\nx = np.ones(2**20).sum()"}],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def bench_chapters(ctx: dict[str, Any]) -> dict:
    """chapter_<nb>_s and chapter_<nb>_peak_mb for each chapter notebook of _toc.yml (quick: a stand-in notebook)."""
    out = {}
    nbs = chapter_notebooks(ctx["root"])
    standin = None
    if ctx["quick"]:
        tmp = tempfile.mkdtemp(prefix="bench-nb-")
        p = Path(tmp) / "standin.ipynb"
        p.write_text(json.dumps(_STANDIN))
        standin = run_worker("notebook", {"path": str(p), "cell_timeout": 60}, timeout=ctx["chapter_timeout"])
        p.unlink()
        os.rmdir(tmp)
    for nb in nbs:
        k = _chapter_key(nb)
        names = [f"chapter_{k}_s", f"chapter_{k}_peak_mb"]
        if standin is not None:
            r, note = standin, "quick mode: a one-cell stand-in notebook, not the chapter"
        else:
            r = run_worker("notebook", {"path": str(nb), "cell_timeout": ctx["chapter_timeout"]},
                           timeout=ctx["chapter_timeout"])
            note = None
        if r.ok:
            rel = str(nb.relative_to(ctx["root"]))
            out[names[0]] = _record(names[0], r["seconds"], details={"notebook": rel, "cells": r["cells"],
                                                                      "slowest_cells": r.get("slowest_cells")},
                                    reference=(_CHAPTER_S[1] + f"; {note}") if note else None)
            out[names[1]] = _record(names[1], r["kernel_peak_mb"],
                                    details={"notebook": rel, "peak_raising_cells": r.get("peak_raising_cells")},
                                    reference=(_CHAPTER_MB[1] + f"; {note}") if note else None)
        else:
            out.update(_fail(names, r, f"executing {nb.name}", met=False if r.get("status") == "timeout" else None))
    return out


GROUPS = {
    "reference": bench_reference,
    "coherence": bench_coherence,
    "uand": bench_uand,
    "pairwise": bench_pairwise,
    "chapters": bench_chapters,
}


# ---------------------------------------------------------------------------------------------
# Machine description, limits, output
# ---------------------------------------------------------------------------------------------


def machine_info() -> dict:
    """CPU model, cores, memory, OS, Python, numpy/scipy versions and numpy's BLAS configuration (read, not typed)."""
    import numpy as np
    import scipy

    info = {"platform": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "logical_cpus": os.cpu_count(),
            "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None}
    with contextlib.suppress(OSError):
        txt = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", txt, re.M)
        info["cpu_model"] = m.group(1).strip() if m else platform.processor()
        flags = re.search(r"^flags\s*:\s*(.+)$", txt, re.M)
        if flags:
            fl = set(flags.group(1).split())
            info["simd"] = [f for f in ("avx2", "fma", "avx512f") if f in fl]
    with contextlib.suppress(OSError):
        mem = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        info["memory_gib"] = round(int(mem.group(1)) / 2**20, 1) if mem else None
    with contextlib.suppress(Exception):
        cfg = np.show_config(mode="dicts")
        deps = cfg.get("Build Dependencies", {})
        info["blas"] = {k: deps.get("blas", {}).get(k) for k in ("name", "version", "openblas configuration")}
        info["simd_numpy"] = cfg.get("SIMD Extensions", {}).get("found")
    info["blas_threads_env"] = dict(BLAS_ENV)
    return info


def _git_commit(root: Path) -> dict:
    out = {}
    with contextlib.suppress(Exception):
        out["commit"] = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                       check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "src"], cwd=root,
                               capture_output=True, text=True).stdout.splitlines()
        # Measured code that is not (or not as measured) in the commit: modified or untracked source files.
        out["src_not_committed"] = sorted(line[3:] for line in dirty if line[3:].endswith(".py"))
    return out


def kernel_limits(records: dict) -> dict:
    """What bounds each kernel, derived from the measured records: name -> {"limit": ..., "evidence": ...}.

    * ``max_coherence``: its useful flop rate against GEMM (compute-bound when at least half of GEMM).
    * pairwise AND forward pass: its flop rate against CSR SpMM measured in the same run.
    * U-AND exact evaluator: the share of its time its dense products need, timed alone with its shapes
      (compute-bound when at least half); and how the time for 100 inputs grows with m over the search.
    * pairwise AND build + verify at m′ = 10⁶: how the time splits between construction and verification.
    """

    def v(name):
        r = records.get(name) or {}
        return r.get("value")

    out = {}
    mm, spmm, coh = v("matmul_gflops"), v("spmm_gflops"), v("coherence_gflops")
    if coh and mm:
        ratio = coh / mm
        limit = "compute-bound (GEMM)" if ratio >= 0.5 else "below the GEMM roofline (overhead-bound)"
        out["max_coherence"] = {"limit": limit, "evidence": f"{coh:.1f} GFLOP/s useful = {ratio:.0%} of float32 GEMM "
                                f"({mm:.1f} GFLOP/s) in the same run"}
    fwd = v("pairwise_and_forward_gflops")
    if fwd and spmm:
        ratio = fwd / spmm
        forward = records.get("pairwise_and_forward_gflops") or {}
        share = (forward.get("details") or {}).get("share_in_sparse_products")
        bound = share >= 0.6 if share is not None else ratio >= 0.5
        limit = "sparse-product-bound (SpMM)" if bound else "overhead outside the sparse products"
        dense_txt = f", {fwd / mm:.0%} of GEMM" if mm else ""
        share_txt = ""
        if share is not None:
            share_txt = f"; the five sparse products alone take {min(share, 1):.0%} of its time"
            share_txt += (", so it runs at the rate scipy's CSR/CSC kernels reach on these shapes" if bound else
                          ": the rest is Python and array overhead between them")
        out["pairwise_and_forward"] = {"limit": limit, "evidence": f"{fwd:.2f} GFLOP/s = {ratio:.0%} of the reference "
                                       f"CSR SpMM ({spmm:.2f} GFLOP/s) in the same run{dense_txt}{share_txt}"}
    ua = records.get("uand_exact_max_m_30s") or {}
    probes = [p for p in (ua.get("details") or {}).get("probes", []) if p.get("seconds")]
    det = (records.get("uand_exact_inputs_per_s_m3000") or {}).get("details") or {}
    prof = det.get("profile")
    if prof:
        share = min(prof["gemm_share"], 1.0)
        slope_txt = ""
        if len(probes) >= 2:
            import numpy as np

            ms = np.array([p["m"] for p in probes], float)
            ts = np.array([p["seconds"] for p in probes], float)
            slope_txt = f" Over the search its time grows as m^{float(np.polyfit(np.log(ms), np.log(ts), 1)[0]):.2f}."
        limit = ("compute-bound (GEMM) on O(m²) work per input" if share >= 0.5 else
                 "bound by the passes over the m² pair blocks outside GEMM (memory and overhead), O(m²) per input")
        out["uand_exact"] = {
            "limit": limit,
            "evidence": f"At m = {det['m']}, its dense products, timed alone with its shapes, take {share:.0%} of "
                        f"the evaluation: the coverage blocks run at {prof['coverage_gemm_gflops']:.0f} GFLOP/s and "
                        f"the per-input fired-neuron products (inner dimension {prof['fired_per_input']}, the fired "
                        f"neurons) at {prof['fired_gemm_gflops']:.0f} GFLOP/s"
                        + (f", against {mm:.0f} GFLOP/s for a square GEMM" if mm else "") + f".{slope_txt}"}
    pv = (records.get("pairwise_and_verify_s_m1e6") or {}).get("details") or {}
    if pv.get("verify_s") is not None:
        b, vt = pv["build_s"], pv["verify_s"]
        peak = v("pairwise_and_verify_peak_mb_m1e6")
        peak_txt = f"; peak {peak:.0f} MiB" if peak else ""
        rate_txt, ratio = "", None
        sweep = ((records.get("spmm_gflops") or {}).get("details") or {}).get("sweep") or []
        if pv.get("verify_gflops") and sweep:
            operand = pv["n"] * 64 * 4 / 2**20  # an n × 64 float32 block of inputs
            near = min(sweep, key=lambda q: abs(math.log(q["operand_mb"] / operand)))
            ratio = pv["verify_gflops"] / near["gflops"]
            rate_txt = (f"; the verification's sparse products run at {pv['verify_gflops']:.2f} GFLOP/s, "
                        f"{ratio:.0%} of the reference SpMM with a dense operand of similar size "
                        f"({near['gflops']:.2f} GFLOP/s at {near['operand_mb']:.0f} MiB; the network's is "
                        f"{operand:.0f} MiB)")
        if b > vt:
            limit = "construction (build_pairwise_and)"
        elif ratio is None or ratio >= 0.5:
            limit = "sparse-product-bound (SpMM at operand sizes " + (
                "beyond the caches, where it is bound by memory latency)" if pv["n"] * 64 * 4 > 32 * 2**20 else
                "of this network)")
        else:
            limit = "verification overhead beyond its sparse products"
        out["pairwise_and_verify"] = {
            "limit": limit,
            "evidence": f"At m′ = {pv['m_prime']:,}, n = {pv['n']:,}: build {b:.1f} s, verification of {pv['inputs']} "
                        f"inputs {vt:.1f} s{peak_txt}{rate_txt}"}
    return out


def format_value(value: object) -> str:
    """The value as shown in the Markdown table: 3 significant digits, integers whole, '—' for null."""
    if value is None:
        return "—"
    if float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):d}"
    return f"{value:.3g}"


def _format_target(t) -> str:
    if not t:
        return ""
    return f"{'≤' if t['op'] == '<=' else '≥'} {format_value(t['value'])}"


def markdown_table(records: dict) -> str:
    """The records as one Markdown table: record | value | unit | target | met | reference (reason if null)."""
    rows = ["| record | value | unit | target | met | reference |", "|---|---|---|---|---|---|"]
    for name, r in records.items():
        if name.startswith("_"):
            continue
        met = {True: "yes", False: "**no**", None: ""}[r.get("met")]
        ref = r["reference"] + (f" — not measured: {r['reason']}" if r.get("value") is None else "")
        ref = ref.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{name}` | {format_value(r['value'])} | {r['unit']} | {_format_target(r.get('target'))} "
                    f"| {met} | {ref} |")
    return "\n".join(rows) + "\n"


def write_results(records: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write ``bench.json`` and ``bench.md`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jpath, mpath = out_dir / "bench.json", out_dir / "bench.md"
    jpath.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    meta = records.get("_meta", {})
    mach = meta.get("machine", {})
    head = (f"# Benchmark results\n\nMeasured {meta.get('date', '?')} with `{meta.get('command', '?')}` "
            f"({meta.get('mode', '?')} mode) on {mach.get('cpu_model', '?')}, {mach.get('logical_cpus', '?')} logical "
            f"CPUs, one BLAS thread; commit {meta.get('git', {}).get('commit', '?')[:12]}.\n\n")
    mpath.write_text(head + markdown_table(records))
    return jpath, mpath


def run_benchmark(*, quick: bool = False, only: list[str] | None = None, root: Path | None = None,
                  log: Callable[[str], object] = print, command: str = "run_benchmark()") -> dict:
    """Run the record groups (all, or ``only``) and return the records plus ``_meta``.

    Every record name of :func:`record_names` is present in the result; a group left out by ``only``
    or one that crashed leaves its records ``null`` with a reason.
    """
    root = Path(root) if root is not None else _repo_root()
    mode = "quick" if quick else "full"
    z = SIZES[mode]
    ctx = {"sizes": z, "quick": quick, "root": root, "records": {}, "timeout": z["worker_timeout_s"],
           "chapter_timeout": z["chapter_timeout_s"]}
    t_start = time.perf_counter()
    load_before = os.getloadavg()
    timings = {}
    for gname, fn in GROUPS.items():
        if only and gname not in only:
            continue
        t0 = time.perf_counter()
        try:
            recs = fn(ctx)
        except Exception as exc:  # a bug in one group must not lose the others
            recs = {}
            log(f"[bench] group {gname} crashed: {type(exc).__name__}: {exc}")
            ctx.setdefault("crashed", {})[gname] = f"{type(exc).__name__}: {exc}"
        ctx["records"].update(recs)
        timings[gname] = time.perf_counter() - t0
        for name, r in recs.items():
            log(f"[bench] {name:42s} {format_value(r['value']):>10s} {r['unit']}"
                + (f"  ({r['reason'][:100]})" if r["value"] is None else ""))
    records = {}
    for name in record_names(root):
        if name in ctx["records"]:
            records[name] = ctx["records"][name]
        else:
            group = next((g for g in GROUPS if only and g not in only), None)
            reason = ctx.get("crashed") and "; ".join(f"group {g} crashed: {e}" for g, e in ctx["crashed"].items())
            records[name] = _record(name, None, reason=reason or (f"group not run (--only {','.join(only)})"
                                                                  if group else "not produced by any group"))
    if quick:
        for r in records.values():
            r["reference"] += " [quick mode: tiny sizes, see details; not a measurement of the stated sizes]"
    records["_meta"] = {
        "mode": mode, "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": machine_info(), "git": _git_commit(root), "sizes": z,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "group_seconds": {k: round(v, 1) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - t_start, 1),
        "limits": kernel_limits(records),
    }
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m superposition.bench",
                                     description="Benchmarks of the book's kernels and chapters.")
    parser.add_argument("--out", type=Path, help="folder for bench.json and bench.md")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds): tests the machinery only")
    parser.add_argument("--only", help=f"comma-separated groups among {','.join(GROUPS)}")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker_main(args.worker, args.config or "{}", args.result)
    if args.out is None:
        parser.error("--out is required")
    only = [g.strip() for g in args.only.split(",")] if args.only else None
    if only and set(only) - set(GROUPS):
        parser.error(f"unknown group(s) {sorted(set(only) - set(GROUPS))}; choose among {', '.join(GROUPS)}")
    command = "python -m superposition.bench " + " ".join(argv if argv is not None else sys.argv[1:])
    records = run_benchmark(quick=args.quick, only=only, command=command)
    jpath, mpath = write_results(records, args.out)
    print(f"[bench] wrote {jpath} and {mpath} in {records['_meta']['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
