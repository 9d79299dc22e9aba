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

import argparse
import math
import time

from ..uand import smallest_working_width
from . import DATA_DIR, log, write_sweep

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


def run(cfg: dict) -> list:
    """Run the smallest-width searches of ``cfg``; return one record per ``(s, ε, seed, m)``."""
    out = []
    for r in cfg["runs"]:
        k_start = None
        for m in cfg["m"]:
            t0 = time.perf_counter()
            res = smallest_working_width(
                m, r["s"], r["eps"], k_start=k_start, superposed=True, coverage=cfg["coverage"],
                code_nnz=cfg["code_nnz"], n_inputs=cfg["n_inputs"], exact_max_m=cfg["exact_max_m"],
                n_sample=cfg["n_sample"], seed=r["seed"], readout=cfg["readout"], ties=cfg["ties"])
            n_min = res["n_min"]
            out.append({"m": m, "s": r["s"], "eps": r["eps"], "seed": r["seed"], "n_min": n_min,
                        "evaluated": res["evaluated"], "seconds": round(time.perf_counter() - t0, 1)})
            log(f"superposed s={r['s']} eps={r['eps']:.3f} seed={r['seed']} m={m}: n_min={n_min} "
                f"({time.perf_counter() - t0:.0f} s)")
            if n_min is not None:  # n_min grows with m: start the next search one octave below
                k_start = max(0, round(4 * math.log2(n_min)) - 4)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m superposition.sweeps.uand_superposed",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="run a seconds-long grid (for tests)")
    parser.add_argument("--out", default=None, help="output JSON (default book/data/ch2_uand_superposed.json)")
    args = parser.parse_args(argv)
    cfg = TINY if args.tiny else FULL
    out = args.out or (DATA_DIR / "ch2_uand_superposed.json")
    started = time.time()
    results = run(cfg)
    path = write_sweep(out, "ch2_uand_superposed", cfg, results, started,
                       "python -m superposition.sweeps.uand_superposed")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
