"""Chapter 4 sweep: gated hub blocks and the vote, on the graphs of the scaling sweep.

For each graph (the scaling sweep's seeded uniform, dense and heavy-tailed graphs) and each setting
(construction, hub threshold δ*, votes), the smallest grid width with zero wrong bits on ``builds``
builds × ``per_kind`` inputs of each of the four kinds (uniform, planted, hub, near-miss), and the hub
blocks of the network at that width.

Run: ``nice python -m superposition.sweeps.pairwise_and_hubs`` (``--tiny`` for a seconds-long grid).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..pairwise_and import INPUT_KINDS, build_pairwise_and, smallest_width
from . import log
from ._runner import run_points, sweep_main
from .pairwise_and_scaling import make_graph

# graphs: (name, kind, m, m', index i of the scaling sweep, whose graph seed is [seed, i])
GRAPHS = {
    "uniform": ["uniform", 10000, 100000, 7],
    "heavy-tailed": ["chung_lu", 10000, 100000, 12],
    "dense": ["uniform", 1000, 31623, 9],
    "demo": ["uniform", 3000, 22206, 6],
}
HEAVY = {
    "v1": {"construction": "v1"},
    "v2, no blocks": {"hub_degree": None},
    "v2, δ* = 100": {"hub_degree": 100},
    "v2, δ* = 200": {"hub_degree": 200},
    "v2, δ* = 400": {"hub_degree": 400},
    "v2, δ* = 800": {"hub_degree": 800},
    "v2, δ* from the cost model": {"hub_degree": "auto"},
}
OTHER = {
    "v1": {"construction": "v1"},
    "v2": {},
    "v2 votes at τ = 0.7": {"tau": 0.7},
}
FULL = {"s": 4, "builds": 3, "per_kind": 96, "seed": 0,
        "runs": [["heavy-tailed", name, opts] for name, opts in HEAVY.items()]
        + [[g, name, opts] for g in ("uniform", "dense", "demo") for name, opts in OTHER.items()]}
TINY = {"s": 4, "builds": 2, "per_kind": 8, "seed": 0,
        "graphs": {"tiny": ["chung_lu", 300, 1200, 0]},
        "runs": [["tiny", "v2, no blocks", {"hub_degree": None}], ["tiny", "v2, δ* = 20", {"hub_degree": 20}]]}


def hubs_point(graph, kind, m, m_prime, index, name, options, s, builds, per_kind, seed) -> dict:
    """n_min of one setting on one graph, and the blocks of a network built at n_min."""
    t0 = time.perf_counter()
    pairs = make_graph(kind, m, m_prime, [seed, index])
    res = smallest_width(pairs, m, s, builds=builds, per_kind=per_kind, seed=seed, n_lo=min(2000, m_prime // 4),
                         n_hi=min(8 * m_prime, 160000), kinds=INPUT_KINDS, **options)
    row = {"graph": graph, "kind": kind, "m": m, "m_prime": m_prime, "name": name, "options": options,
           "max_degree": int(np.bincount(pairs.ravel(), minlength=m).max()),
           "n_min": res["n_min"], "tried": res["tried"]}
    if res["n_min"] is not None:
        net = build_pairwise_and(pairs, m, res["n_min"], s, np.random.default_rng([seed, 0, res["n_min"]]), **options)
        row["hubs"], row["block_neurons"] = int(net.hubs.size), int(net.n_blocks)
        row["hub_degree"], row["hub_threshold"] = net.options["hub_degree"], net.options["hub_threshold"]
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def _point(p: dict) -> dict:
    row = hubs_point(**p)
    log(f"hubs {row['graph']} {row['name']}: n_min={row['n_min']} ({row['seconds']} s)")
    return row


def points(cfg: dict) -> list:
    graphs = cfg.get("graphs", GRAPHS)
    common = {k: cfg[k] for k in ("s", "builds", "per_kind", "seed")}
    return [{"graph": g, "kind": graphs[g][0], "m": graphs[g][1], "m_prime": graphs[g][2], "index": graphs[g][3],
             "name": name, "options": opts, **common} for g, name, opts in cfg["runs"]]


def run(cfg: dict, out: Path | None = None, scheduler: str | None = "none", workers: int | None = None) -> tuple:
    """Run every point of ``cfg`` (see :func:`superposition.sweeps._runner.run_points`); return
    ``(results, meta)`` (failed points left out)."""
    res, meta = run_points(_point, points(cfg), out, scheduler=scheduler, workers=workers, label="ch4_hubs")
    return [r for r in res if r is not None], meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "pairwise_and_hubs", "ch4_hubs", FULL, TINY, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
