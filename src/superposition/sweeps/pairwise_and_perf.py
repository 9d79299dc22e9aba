"""Chapter 4 benchmark: build and verify all m′ outputs of a large instance on one core, time and peak memory.

Run ``python -m superposition.sweeps.pairwise_and_perf`` (about a minute) to regenerate
``book/data/ch4_perf.json``; ``--tiny`` runs a seconds-long version.  Each instance runs in a fresh
subprocess with ``OPENBLAS_NUM_THREADS=1``; its peak resident memory (the whole process, including Python and
numpy) is read by the child at its end as its own high-water mark (``VmHWM``, see
:func:`superposition.bench.peak_rss_mb`), cross-checked with ``RUSAGE_CHILDREN`` in the parent, and the wall time
of graph + build + verification is measured inside it.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from . import log
from ._runner import run_points, sweep_main

FULL = {"instances": [
    {"m": 10000, "m_prime": 1000000, "n": 131072, "s": 4, "per_kind": 64, "seed": 5},
    {"m": 10000, "m_prime": 100000, "n": 22536, "s": 4, "per_kind": 64, "seed": 5},
]}
TINY = {"instances": [{"m": 300, "m_prime": 1000, "n": 2048, "s": 4, "per_kind": 8, "seed": 5}]}

_CHILD = r"""
import json, sys, time
import numpy as np
from superposition.bench import peak_rss_mb
from superposition.pairwise_and import build_pairwise_and, count_wrong_bits, mixed_inputs, uniform_pairs
a = json.loads(sys.argv[1])
t0 = time.perf_counter()
rng = np.random.default_rng(a["seed"])
pairs = uniform_pairs(a["m"], a["m_prime"], rng)
t1 = time.perf_counter()
net = build_pairwise_and(pairs, a["m"], a["n"], a["s"], rng, construction=a.get("construction", "v1"))
t2 = time.perf_counter()
act, kinds = mixed_inputs(pairs, a["m"], a["s"], a["per_kind"], rng)
r = count_wrong_bits(net, act)
t3 = time.perf_counter()
print(json.dumps({"graph_s": t1 - t0, "build_s": t2 - t1, "verify_s": t3 - t2, "total_s": t3 - t0,
                  "inputs": int(act.shape[0]), "wrong_bits": r.total_wrong,
                  "true_outputs": int(r.n_true.sum()), "params": net.parameter_counts(),
                  "peak_rss_self_mib": peak_rss_mb()}))
"""


def run_instance(inst: dict) -> dict:
    """Run one instance in a fresh single-threaded subprocess; return its timings and peak RSS."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(inst)], env=env, capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out.update(inst)
    out["process_wall_s"] = wall
    # the child's own peak (whole process: Python, numpy, data); the RUSAGE_CHILDREN reading is a
    # max over all children so far and is kept only as a cross-check
    out["peak_rss_mib"] = out.pop("peak_rss_self_mib")
    out["peak_rss_children_mib"] = peak_kib / 1024.0
    out["children_reading_is_this_instance"] = peak_kib > before
    return out


def _logged_instance(inst: dict) -> dict:
    res = run_instance(inst)
    log(f"m={inst['m']} m'={inst['m_prime']} n={inst['n']}: {res['total_s']:.1f} s, "
        f"{res['peak_rss_mib']:.0f} MiB, wrong bits {res['wrong_bits']}")
    return res


def run(cfg: dict, out: Path | None = None, scheduler: str | None = "none", workers: int | None = None) -> tuple:
    """Time every instance of ``cfg``, each in its own subprocess on whichever worker runs it; return
    ``(results, meta)`` (failed instances left out)."""
    res, meta = run_points(_logged_instance, cfg["instances"], out, scheduler=scheduler, workers=workers,
                           label="ch4_perf")
    return [r for r in res if r is not None], meta


def main(argv: list[str] | None = None) -> int:
    # a timing benchmark: one instance at a time unless asked otherwise
    return sweep_main(__doc__, "pairwise_and_perf", "ch4_perf", FULL, TINY, run, argv, scheduler="none", nice=False)


if __name__ == "__main__":
    raise SystemExit(main())
