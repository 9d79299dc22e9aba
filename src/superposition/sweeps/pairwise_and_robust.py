"""Chapter 4 sweep: which guarantee each width earns — random inputs, the white-box adversary, certificates.

Part ``attack`` (m = 3000, m′ = 22 206, uniform graph, s = 4): for each construction and width, the
wrong bits of 2 builds on 192 mixed inputs (64 uniform, planted, hub), then the adversary of
:func:`superposition.adversary.attack_outputs` on a random sample of target outputs of the first
build, with the budget recorded.  Part ``certify``: small instances checked on every input with at
most ``s_max`` active features (:func:`superposition.adversary.certify_small_inputs`).

Run: ``nice python -m superposition.sweeps.pairwise_and_robust`` (``--tiny`` for a seconds-long grid).
"""

from __future__ import annotations

import time

import numpy as np

from ..adversary import attack_outputs, certify_small_inputs
from ..pairwise_and import build_pairwise_and, count_wrong_bits, mixed_inputs, uniform_pairs
from . import log
from ._runner import run_points, sweep_main

FULL = {
    "attack": {"m": 3000, "m_prime": 22206, "s": 4, "graph_seed": 11, "builds": 2, "per_kind": 64,
               "targets": 500, "budget": {"restarts": 2, "sweeps": 1, "candidates": 32},
               "widths": {"v1": [14613, 20000, 30000], "v2": [11000, 12500, 14613, 17000, 20000, 24000, 30000]}},
    "certify": [],
    "seed": 0,
}
TINY = {
    "attack": {"m": 200, "m_prime": 400, "s": 4, "graph_seed": 11, "builds": 1, "per_kind": 4, "targets": 10,
               "budget": {"restarts": 1, "sweeps": 1, "candidates": 8}, "widths": {"v1": [300], "v2": [300]}},
    "certify": [{"m": 20, "m_prime": 40, "n": [64], "s_max": 2, "construction": "v2"}],
    "seed": 0,
}


def attack_point(pairs, m, s, n, construction, builds, per_kind, targets, budget, seed) -> dict:
    """Random-input wrong bits (``builds`` builds) and the adversary's result at one width."""
    t0 = time.perf_counter()
    wrong = []
    for b in range(builds):
        rng = np.random.default_rng([seed, b, n])
        net = build_pairwise_and(pairs, m, n, s, rng, construction=construction)
        act, _ = mixed_inputs(pairs, m, s, per_kind, rng)
        wrong.append(count_wrong_bits(net, act).total_wrong)
        if b == 0:
            first = net
    tg = np.random.default_rng([seed, 5, n]).choice(pairs.shape[0], min(targets, pairs.shape[0]), replace=False)
    r = attack_outputs(first, pairs, tg, s, np.random.default_rng([seed, 6, n]), **budget)
    return {"construction": construction, "n": n, "random_wrong": wrong, "targets": int(tg.size),
            "switched_on": int(r.switched_on.sum()), "fraction": r.fraction,
            "max_value": float(r.best_value.max()), "tau": r.tau, "budget": r.budget,
            "seconds": round(time.perf_counter() - t0, 1)}


def certify_point(m, mp, n, s_max, construction, seed) -> dict:
    t0 = time.perf_counter()
    pairs = uniform_pairs(m, mp, np.random.default_rng([seed, m, mp]))
    net = build_pairwise_and(pairs, m, n, max(2, s_max), np.random.default_rng([seed, n]), construction=construction)
    c = certify_small_inputs(net, pairs, s_max)
    return {"m": m, "m_prime": mp, "n": n, "s_max": s_max, "construction": construction, "inputs": c.inputs,
            "wrong_bits": c.wrong_bits, "wrong_inputs": c.wrong_inputs, "max_false": c.max_false,
            "min_true": c.min_true, "tau": c.tau, "seconds": round(time.perf_counter() - t0, 1)}


def robust_point(p: dict) -> dict:
    """One point: an attacked width (``p["part"] == "attack"``) or a certified instance; seeds from the point."""
    if p["part"] == "certify":
        row = certify_point(p["m"], p["m_prime"], p["n"], p["s_max"], p["construction"], p["seed"])
        log(f"certify {row}")
        return row
    pairs = uniform_pairs(p["m"], p["m_prime"], np.random.default_rng(p["graph_seed"]))
    row = attack_point(pairs, p["m"], p["s"], p["n"], p["construction"], p["builds"], p["per_kind"], p["targets"],
                       p["budget"], p["seed"])
    log(f"attack {p['construction']} n={p['n']}: random wrong {row['random_wrong']}, switched on "
        f"{row['switched_on']}/{row['targets']} ({row['seconds']} s)")
    return row


def points(cfg: dict) -> list:
    """The sweep's points: every (construction, width) attacked, then every certified instance."""
    a = cfg["attack"]
    common = {k: a[k] for k in ("m", "m_prime", "s", "graph_seed", "builds", "per_kind", "targets", "budget")}
    pts = [{"part": "attack", "construction": cons, "n": n, "seed": cfg["seed"], **common}
           for cons, widths in a["widths"].items() for n in widths]
    pts += [{"part": "certify", "m": c["m"], "m_prime": c["m_prime"], "n": n, "s_max": c["s_max"],
             "construction": c["construction"], "seed": cfg["seed"]} for c in cfg["certify"] for n in c["n"]]
    return pts


def run(cfg: dict, out=None, scheduler: str = "none", workers=None) -> tuple:
    """Run every point (see :func:`superposition.sweeps._runner.run_points`); return ``(results, meta)``
    with results ``{"attack": [...], "certify": [...]}`` (failed points left out)."""
    pts = points(cfg)
    res, meta = run_points(robust_point, pts, out, scheduler=scheduler, workers=workers, label="ch4_robust")
    out = {"attack": [], "certify": []}
    for p, r in zip(pts, res):
        if r is not None:
            out[p["part"]].append(r)
    return out, meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "pairwise_and_robust", "ch4_robust", FULL, TINY, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
