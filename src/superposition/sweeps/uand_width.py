"""Chapter 2 sweep: width against error for U-AND with clean inputs.

Run ``python -m superposition.sweeps.uand_width`` (about 10 minutes on one core) to regenerate
``book/data/ch2_uand_width.json``; ``--tiny`` runs a seconds-long version of the same code.

Three parts, all with clean (one-hot) inputs, exactly ``s`` active features per input,
``n_inputs`` random test inputs per network, and wiring probability ``p = sqrt(L/n)``:

* ``grid``: every ``(s, m, n)`` of the grid at coverage ``L = 48``: max error (max norm over all
  pairs and test inputs), mean error over pairs touching an active feature, threshold-decoding
  error rate.  Exact over all pairs for ``m <= exact_max_m``, else exact on touching pairs and
  sampled on the others.
* ``coverage``: at one ``(m, s)`` and two widths, the same numbers for several coverages ``L``
  (that is, several ``p``).
* ``nmin``: the width on the grid ``2^(k/4)`` that doubling and bisection find ε-accurate, for each
  ``(readout, s, ε, m)``, with the centred and the plain readout; ties (max error exactly ε) and
  failing widths above ``n_min`` (non-monotone outcomes) are recorded.
* ``grid`` and ``coverage`` use the plain readout.
"""

from __future__ import annotations

import math
import time

from ..uand import evaluate_width, smallest_working_width
from . import log
from ._runner import run_points, sweep_main

FULL = {
    "grid": {"s": [2, 3, 4, 5], "m": [100, 1000, 10000], "n": [2**k for k in range(8, 17)], "coverage": 48.0},
    "coverage": {"m": 3000, "s": 3, "n": [4096, 16384], "L": [8, 16, 24, 32, 48, 64, 96, 128]},
    "nmin": {"s": [2, 3], "eps": [0.5, 1 / 3], "m": [30, 100, 300, 1000, 3000, 10000, 30000], "coverage": 48.0,
             "readout": ["centred", "plain"], "ties": "fail", "confirm": 2},
    "n_inputs": 40,
    "exact_max_m": 3000,
    "n_sample": 1000,
    "seed": 0,
}

TINY = {
    "grid": {"s": [2, 3], "m": [30, 60], "n": [64, 256], "coverage": 16.0},
    "coverage": {"m": 60, "s": 3, "n": [128], "L": [8, 16]},
    "nmin": {"s": [2], "eps": [0.5], "m": [30, 60], "coverage": 16.0, "readout": ["centred", "plain"],
             "ties": "fail", "confirm": 2},
    "n_inputs": 8,
    "exact_max_m": 40,
    "n_sample": 100,
    "seed": 0,
}


def width_point(p: dict):
    """One point: a ``grid`` (s, m, n) or ``coverage`` (n, L) evaluation of the plain readout, or one ``nmin``
    series (readout, s, ε) over all m (a series is one point: each m's search starts from the previous n_min).
    Seeds come from ``p``."""
    common = {k: p[k] for k in ("n_inputs", "exact_max_m", "n_sample", "seed")}
    if p["part"] == "grid":
        s, m, n = p["s"], p["m"], p["n"]
        t0 = time.perf_counter()
        res = evaluate_width(m, s, n, coverage=p["coverage"], readout="plain", **common)
        res["seconds"] = round(time.perf_counter() - t0, 2)
        log(f"grid s={s} m={m} n={n}: max {res['max_error']:.3f} mean {res['mean_touching']:.3f} "
            f"({res['seconds']} s)")
        return res
    if p["part"] == "coverage":
        n, L = p["n"], p["L"]
        res = evaluate_width(p["m"], p["s"], n, coverage=L, readout="plain", **common)
        log(f"coverage n={n} L={L}: max {res['max_error']:.3f} mean {res['mean_touching']:.3f}")
        return res
    return nmin_series(p["s"], p["eps"], p["m"], readout=p["readout"], coverage=p["coverage"], ties=p["ties"],
                       confirm=p["confirm"], **common)


def nmin_series(s, eps, ms, **kwargs) -> list:
    """Width searches (:func:`smallest_working_width`) for one ``(s, ε, readout)`` over increasing ``m``.

    Each search after the first starts one octave below the previous ``n_min``.  Returns one record per
    ``m`` with ``n_min``, ``tie``, ``non_monotone``, ``n_ties``, ``evaluated`` and ``seconds``.
    """
    records = []
    k_start = None
    for m in ms:
        if s > m - 2:
            continue
        t0 = time.perf_counter()
        res = smallest_working_width(m, s, eps, k_start=k_start, **kwargs)
        n_min = res["n_min"]
        records.append({"m": m, "s": s, "eps": eps, "readout": kwargs.get("readout", "centred"), **res,
                        "seconds": round(time.perf_counter() - t0, 1)})
        log(f"nmin {kwargs.get('readout')} s={s} eps={eps:.3f} m={m}: n_min={n_min} tie={res['tie']} "
            f"non-monotone={res['non_monotone']} ({time.perf_counter() - t0:.0f} s)")
        if n_min is not None:  # the next m starts one octave below this n_min
            k_start = max(0, round(4 * math.log2(n_min)) - 4)
    return records


def points(cfg: dict) -> list:
    """The sweep's points in the order of the results: grid, coverage, then the n_min series."""
    common = {k: cfg[k] for k in ("n_inputs", "exact_max_m", "n_sample", "seed")}
    g, c, nm = cfg["grid"], cfg["coverage"], cfg["nmin"]
    pts = [{"part": "grid", "s": s, "m": m, "n": n, "coverage": g["coverage"], **common}
           for s in g["s"] for m in g["m"] for n in g["n"]]
    pts += [{"part": "coverage", "m": c["m"], "s": c["s"], "n": n, "L": L, **common} for n in c["n"] for L in c["L"]]
    pts += [{"part": "nmin", "readout": readout, "s": s, "eps": eps, "m": nm["m"], "coverage": nm["coverage"],
             "ties": nm["ties"], "confirm": nm["confirm"], **common}
            for readout in nm["readout"] for s in nm["s"] for eps in nm["eps"]]
    return pts


def run(cfg: dict, out=None, scheduler: str = "none", workers=None) -> tuple:
    """Run the three parts of the sweep on the grid ``cfg``; return ``(results, meta)`` (failed points left out)."""
    pts = points(cfg)
    res, meta = run_points(width_point, pts, out, scheduler=scheduler, workers=workers, label="ch2_uand_width")
    results = {"grid": [], "coverage": [], "nmin": []}
    for p, r in zip(pts, res):
        if r is not None:
            results[p["part"]] += r if p["part"] == "nmin" else [r]
    return results, meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "uand_width", "ch2_uand_width", FULL, TINY, run, argv, nice=False)


if __name__ == "__main__":
    raise SystemExit(main())
