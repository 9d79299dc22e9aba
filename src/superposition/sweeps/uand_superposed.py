"""Chapter 2 sweep: smallest working width of U-AND with inputs in superposition.

Run ``python -m superposition.sweeps.uand_superposed`` (about 12 minutes on one core) to
regenerate ``book/data/ch2_uand_superposed.json``; ``--tiny`` runs a seconds-long version.

Inputs arrive as ``x = Σ_{a active} e_a`` in ``d0 = n`` dimensions (the residual stream as wide as
the layer), with a sparse random code of ``code_nnz`` entries ``±1/sqrt(code_nnz)`` per feature
(interference variance ``1/d0``, like dense random unit vectors).  For each ``(s, ε, m)`` the
smallest width on the grid ``2^(k/4)`` whose network is ε-accurate (max norm) on ``n_inputs``
random test inputs is found by doubling and bisection (with the plain readout of the post, and a
max error exactly ε counted as a pass, as the recorded run did); every evaluated width is stored with its
errors and pass/fail, so the chapter can show where the construction stops working.
"""

from __future__ import annotations

import math
import time

from ..uand import smallest_working_width
from . import log
from ._runner import run_points, sweep_main

FULL = {
    "runs": [
        {"s": 2, "eps": 0.5, "seed": 0},
        {"s": 3, "eps": 0.5, "seed": 0},
        {"s": 2, "eps": 1 / 3, "seed": 0},
        {"s": 2, "eps": 0.5, "seed": 1},
    ],
    "m": [1000, 2000, 3000, 5000, 10000, 20000, 30000],
    "coverage": 48.0,
    "code_nnz": 32,
    "n_inputs": 40,
    "exact_max_m": 2000,
    "n_sample": 1000,
    "readout": "plain",
    "ties": "pass",
}

TINY = {
    "runs": [{"s": 2, "eps": 0.5, "seed": 0}],
    "m": [40, 80],
    "coverage": 16.0,
    "code_nnz": 8,
    "n_inputs": 6,
    "exact_max_m": 40,
    "n_sample": 100,
    "readout": "plain",
    "ties": "pass",
}


def superposed_series(p: dict) -> list:
    """One point: the smallest-width searches of one run ``(s, ε, seed)`` over all m (one series, since each
    m's search starts one octave below the previous n_min); one record per m."""
    out = []
    k_start = None
    for m in p["m"]:
        t0 = time.perf_counter()
        res = smallest_working_width(
            m, p["s"], p["eps"], k_start=k_start, superposed=True, coverage=p["coverage"],
            code_nnz=p["code_nnz"], n_inputs=p["n_inputs"], exact_max_m=p["exact_max_m"],
            n_sample=p["n_sample"], seed=p["seed"], readout=p["readout"], ties=p["ties"])
        n_min = res["n_min"]
        out.append({"m": m, "s": p["s"], "eps": p["eps"], "seed": p["seed"], "n_min": n_min,
                    "evaluated": res["evaluated"], "seconds": round(time.perf_counter() - t0, 1)})
        log(f"superposed s={p['s']} eps={p['eps']:.3f} seed={p['seed']} m={m}: n_min={n_min} "
            f"({time.perf_counter() - t0:.0f} s)")
        if n_min is not None:  # n_min grows with m: start the next search one octave below
            k_start = max(0, round(4 * math.log2(n_min)) - 4)
    return out


def points(cfg: dict) -> list:
    """One point per run ``(s, ε, seed)``, carrying the m grid and the settings."""
    common = {k: cfg[k] for k in ("m", "coverage", "code_nnz", "n_inputs", "exact_max_m", "n_sample", "readout",
                                  "ties")}
    return [{**r, **common} for r in cfg["runs"]]


def run(cfg: dict, out=None, scheduler: str = "none", workers=None) -> tuple:
    """Run the smallest-width searches of ``cfg``; return ``(records, meta)``, one record per
    ``(s, ε, seed, m)`` (failed runs left out)."""
    res, meta = run_points(superposed_series, points(cfg), out, scheduler=scheduler, workers=workers,
                           label="ch2_uand_superposed")
    return [rec for r in res if r is not None for rec in r], meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "uand_superposed", "ch2_uand_superposed", FULL, TINY, run, argv, nice=False)


if __name__ == "__main__":
    raise SystemExit(main())
