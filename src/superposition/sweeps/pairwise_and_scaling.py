"""Chapter 4 sweep: smallest zero-error width of the pairwise-AND construction against m′.

Run ``nice python -m superposition.sweeps.pairwise_and_scaling`` (about 8 minutes on one core) to
regenerate ``book/data/ch4_scaling.json``; ``--tiny`` runs a seconds-long version of the same code.

For every point (graph kind, m, m′) of the grid: one graph (seeded), the smallest width ``n_min``
on the geometric grid 2^(k/8) with zero wrong bits on ``builds`` independent builds × 3·``per_kind``
inputs (uniform, planted, hub; s active), the nonzeros of the sparse factors at ``n_min``, and a
reliability check: ``reliability_builds`` fresh builds (fresh inputs) at 1, 1.25 and 1.5 × ``n_min``,
counting the builds that had any wrong bit.  The ``variants`` part compares construction settings
at one point (the baseline of the reference prototype against the book's defaults).
"""

from __future__ import annotations

import time

import numpy as np

from ..pairwise_and import build_pairwise_and, chung_lu_pairs, count_wrong_bits, mixed_inputs, smallest_width, uniform_pairs
from . import log
from ._runner import run_points, sweep_main

FULL = {
    "s": 4,
    "builds": 2,
    "per_kind": 64,
    "reliability_builds": 5,
    "points": [
        # (graph kind, series, m, m')
        ["uniform", "m'=m", 1000, 1000], ["uniform", "m'=m", 3000, 3000], ["uniform", "m'=m", 10000, 10000],
        ["uniform", "m'=m", 30000, 30000], ["uniform", "m'=m", 100000, 100000],
        ["uniform", "m'=m^1.25", 1000, 5623], ["uniform", "m'=m^1.25", 3000, 22206],
        ["uniform", "m'=m^1.25", 10000, 100000], ["uniform", "m'=m^1.25", 20000, 237841],
        ["uniform", "m'=m^1.5", 1000, 31623], ["uniform", "m'=m^1.5", 300, 5196],
        ["chung_lu", "m'=m^1.25", 3000, 22206], ["chung_lu", "m'=m^1.25", 10000, 100000],
    ],
    "variants": {"m": 10000, "m_prime": 100000, "settings": {
        "baseline (θ=1, τ=0.6, L=12)": {"theta": 1.0, "tau": 0.6, "L": 12},
        "θ=1.25, τ=0.7": {"theta": 1.25, "tau": 0.7},
        "θ=1.25, τ=0.6, L=16": {"theta": 1.25, "tau": 0.6, "L": 16},
        "book default (θ=1.15, τ=0.6, L=12)": {},
    }},
    "seed": 0,
}

TINY = {
    "s": 4, "builds": 2, "per_kind": 8, "reliability_builds": 2,
    "points": [["uniform", "m'=m", 200, 200], ["chung_lu", "m'=m", 200, 200]],
    "variants": {"m": 200, "m_prime": 300, "settings": {"baseline (θ=1, τ=0.6, L=12)": {"theta": 1.0}, "book default (θ=1.15, τ=0.6, L=12)": {}}},
    "seed": 0,
}


CONSTRUCTION = "v1"  # the construction the committed data were computed with


def make_graph(kind: str, m: int, m_prime: int, seed) -> np.ndarray:
    """The seeded graph of one sweep point ("uniform" or "chung_lu")."""
    rng = np.random.default_rng(seed)
    return uniform_pairs(m, m_prime, rng) if kind == "uniform" else chung_lu_pairs(m, m_prime, rng)


def reliability(pairs, m, s, n, builds, per_kind, seed, **options) -> int:
    """Number of fresh builds (fresh inputs) at width n with at least one wrong bit."""
    bad = 0
    for b in range(builds):
        rng = np.random.default_rng([seed, 777, b, n])
        net = build_pairwise_and(pairs, m, n, s, rng, **({"construction": CONSTRUCTION} | options))
        act, _ = mixed_inputs(pairs, m, s, per_kind, rng)
        bad += count_wrong_bits(net, act).total_wrong > 0
    return int(bad)


def scaling_point(p: dict) -> dict:
    """One point of the grid (``p["part"] == "points"``) or one construction variant (``"variants"``);
    every seed derives from the point's index ``i`` and ``p["seed"]``."""
    s, seed = p["s"], p["seed"]
    if p["part"] == "variants":
        pairs = make_graph("uniform", p["m"], p["m_prime"], [seed, 99])
        t0 = time.perf_counter()
        res = smallest_width(pairs, p["m"], s, builds=p["builds"], per_kind=p["per_kind"], seed=seed,
                             n_lo=32, n_hi=min(max(4096, 4 * p["m_prime"]), 160000),
                             **({"construction": CONSTRUCTION} | p["options"]))
        log(f"variant {p['name']}: n_min={res['n_min']} ({time.perf_counter() - t0:.1f} s)")
        return {"name": p["name"], "options": p["options"], "n_min": res["n_min"], "tried": res["tried"]}
    i, kind, series, m, mp = p["i"], p["kind"], p["series"], p["m"], p["m_prime"]
    t0 = time.perf_counter()
    pairs = make_graph(kind, m, mp, [seed, i])
    deg = np.bincount(pairs.ravel(), minlength=m)
    res = smallest_width(pairs, m, s, builds=p["builds"], per_kind=p["per_kind"], seed=seed + i,
                         n_lo=32, n_hi=min(max(4096, 4 * mp), 160000), construction=CONSTRUCTION)
    n_min = res["n_min"]
    row = {"kind": kind, "series": series, "m": m, "m_prime": mp, "avg_degree": 2 * mp / m,
           "max_degree": int(deg.max()), "n_min": n_min, "tried": res["tried"]}
    if n_min is not None:
        net = build_pairwise_and(pairs, m, n_min, s, np.random.default_rng([seed, i, 1]),
                                 construction=CONSTRUCTION)
        row["params"] = net.parameter_counts()
        row["features_per_neuron"] = float(net.neuron_features().mean())
        if n_min <= 20000:
            d1, d2 = net.effective_density()
            row["density_W1"], row["density_W2"] = d1, d2
        del net
        row["reliability"] = {
            str(f): reliability(pairs, m, s, int(round(f * n_min)), p["reliability_builds"], p["per_kind"],
                                seed + i)
            for f in (1.0, 1.25, 1.5)
        }
    row["seconds"] = round(time.perf_counter() - t0, 1)
    log(f"{kind} {series} m={m} m'={mp}: n_min={n_min} ({row['seconds']} s)")
    return row


def points(cfg: dict) -> list:
    """The sweep's points: the grid (index i), then the variants, in the order of the results."""
    common = {k: cfg[k] for k in ("s", "builds", "per_kind", "reliability_builds", "seed")}
    pts = [{"part": "points", "i": i, "kind": kind, "series": series, "m": m, "m_prime": mp, **common}
           for i, (kind, series, m, mp) in enumerate(cfg["points"])]
    v = cfg["variants"]
    pts += [{"part": "variants", "name": name, "options": opts, "m": v["m"], "m_prime": v["m_prime"], **common}
            for name, opts in v["settings"].items()]
    return pts


def run(cfg: dict, out=None, scheduler: str = "none", workers=None) -> tuple:
    """Run every point of ``cfg`` (see :func:`superposition.sweeps._runner.run_points`); return
    ``(results, meta)`` with results ``{"points": [...], "variants": [...]}`` (failed points left out)."""
    pts = points(cfg)
    res, meta = run_points(scaling_point, pts, out, scheduler=scheduler, workers=workers, label="ch4_scaling")
    out = {"points": [], "variants": []}
    for p, r in zip(pts, res):
        if r is not None:
            out[p["part"]].append(r)
    return out, meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "pairwise_and_scaling", "ch4_scaling", FULL, TINY, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
