"""Chapter 5 sweep: depth reached and capacity of the deep circuit networks, with and without correction.

Run ``nice python -m superposition.sweeps.deep_depth`` (about fifteen minutes on one core) to regenerate
``book/data/ch5_depth.json``; ``--tiny`` runs a seconds-long version of the same code.  Every circuit is
drawn from the monotone family (``superposition.deep.MONOTONE``: and-or and copy pairs).

* ``depth``: for every (d, m, correction) of the grid, one random circuit of depth ``max_depth``
  and its vote network (seeded); the first layer with a wrong bit on ``batch`` random inputs and,
  separately, on ``batch`` gate-switching inputs (``None`` = right at every layer).
* ``long``: one circuit of depth ``long.depth`` at one size, with correction.
* ``spread``: at one size, per layer, the largest read of an off feature, the smallest read of an on
  feature and the RMS deviation from the boolean value, with and without correction.
* ``capacity``: for every d and every setting (the vote construction with L copies, with or without
  correction, and the unit construction with correction), a scan up a geometric grid of m: does one
  build run ``capacity_depth`` layers with zero wrong bits on ``batch`` random and ``batch`` switching
  inputs?  The scan stops after ``patience`` failures in a row; ``m_max`` is the largest passing m and
  ``first_failure`` the first failing one.  For the vote construction with ``attack_copies`` copies, a
  greedy white-box attack on the network at ``m_max`` (its worst margin; negative = a wrong bit).
"""

from __future__ import annotations

import time

import numpy as np

from ..deep import (MONOTONE, build_deep_network, count_wrong_bits, greedy_attack, largest_width,
                    random_sparse_circuit, readout_spread)
from . import log
from ._runner import run_points, sweep_main

FULL = {
    "s": 4, "batch": 128, "max_depth": 64, "seed": 0, "kinds": list(MONOTONE),
    "depth_grid": {"1024": [512, 1024, 2048, 4096], "4096": [2048, 4096, 8192, 16384]},
    "long": {"d": 4096, "m": 8192, "depth": 256},
    "spread": {"d": 4096, "m": 8192, "depth": 64},
    "capacity_depth": 16, "capacity_d": [256, 512, 1024, 2048, 4096, 8192, 16384], "m_ratio": 2 ** 0.25,
    "capacity_settings": [
        {"construction": "vote", "copies": L, "error_correction": True} for L in (3, 4, 5, 6, 8)
    ] + [{"construction": "vote", "copies": 5, "error_correction": False},
         {"construction": "unit", "copies": 1, "error_correction": True}],
    "attack_copies": 5, "patience": 3,
    "attack": {"pool": 32, "restarts": 2},
}

TINY = {
    "s": 4, "batch": 16, "max_depth": 8, "seed": 0, "kinds": list(MONOTONE),
    "depth_grid": {"256": [64, 512]},
    "long": {"d": 256, "m": 128, "depth": 16},
    "spread": {"d": 256, "m": 128, "depth": 8},
    "capacity_depth": 4, "capacity_d": [128, 256], "m_ratio": 2.0,
    "capacity_settings": [{"construction": "vote", "copies": 4, "error_correction": True},
                          {"construction": "unit", "copies": 1, "error_correction": True}],
    "attack_copies": 4, "patience": 2,
    "attack": {"pool": 8, "restarts": 1},
}


def m_grid(d: int, ratio: float) -> list[int]:
    """Even widths from d/16 to 16d on a geometric grid of the given ratio."""
    out, x = [], d / 16
    while x <= 16 * d:
        m = int(round(x / 2)) * 2
        if m >= 2 and (not out or m > out[-1]):
            out.append(m)
        x *= ratio
    return out


def first_wrong(net, act):
    bad = np.flatnonzero(count_wrong_bits(net, act))
    return int(bad[0]) if bad.size else None


def depth_point(p: dict) -> dict:
    """One (d, m, correction) point: the first wrong layer on random and on switching inputs."""
    s, batch, seed, d, m, ec = p["s"], p["batch"], p["seed"], p["d"], p["m"], p["error_correction"]
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, d, m])
    circ = random_sparse_circuit(m, p["max_depth"], s, rng, kinds=tuple(p["kinds"]))
    net = build_deep_network(circ, d, s, np.random.default_rng([seed, d, m, 1]), error_correction=ec)
    rin, sw = circ.random_inputs(batch, rng), circ.switching_inputs(batch, rng)
    row = {"d": d, "m": m, "depth": p["max_depth"], "error_correction": ec,
           "first_wrong_random": first_wrong(net, rin), "first_wrong_switching": first_wrong(net, sw),
           "wrong_bits_random": count_wrong_bits(net, rin).tolist(),
           "seconds": round(time.perf_counter() - t0, 2)}
    log(f"depth d={d} m={m} ec={ec}: {row['first_wrong_random']} / {row['first_wrong_switching']}")
    return row


def spread_point(p: dict) -> dict:
    """Per layer, the read spread of one network (with or without correction) on random inputs."""
    s, batch, seed = p["s"], p["batch"], p["seed"]
    rng = np.random.default_rng([seed, 5])
    circ = random_sparse_circuit(p["m"], p["depth"], s, rng, kinds=tuple(p["kinds"]))
    net = build_deep_network(circ, p["d"], s, np.random.default_rng([seed, 6]), error_correction=p["error_correction"])
    return {k: v.tolist() for k, v in readout_spread(net, circ.random_inputs(batch, rng)).items()}


def scan_widths(d: int, depth: int, s: int, grid: list, patience: int, *, batch: int, seed: int, kinds,
                **options) -> list:
    """Scan the grid upwards: for each m, whether one seeded circuit and network (seeded as in
    :func:`superposition.deep.largest_width`) has zero wrong bits on ``batch`` random and ``batch``
    switching inputs; stop after ``patience`` failures in a row, or before the first m whose network would
    exceed the memory limit of :func:`superposition.deep.build_deep_network`.  Returns
    ``[(m, passed), ...]``."""
    out, fails = [], 0
    for m in grid:
        try:
            ok = largest_width(d, depth, s, m_grid=[m], batch=batch, seed=seed, kinds=kinds, **options) == m
        except ValueError as err:  # the network would exceed the memory limit: the scan ends here
            if "would need" not in str(err):
                raise
            break
        out.append((int(m), bool(ok)))
        fails = 0 if ok else fails + 1
        if fails >= patience:
            break
    return out


def capacity_point(p: dict) -> dict:
    """For one d and one setting: the first failing m of the grid and the largest passing m before
    ``patience`` failures in a row (one build per m), and an attack at the largest passing m."""
    s, batch, seed, d, ec = p["s"], p["batch"], p["seed"], p["d"], p["error_correction"]
    construction, L = p["construction"], p["copies"]
    grid = m_grid(d, p["m_ratio"])
    t0 = time.perf_counter()
    scan = scan_widths(d, p["capacity_depth"], s, grid, p["patience"], batch=batch, seed=seed,
                       kinds=tuple(p["kinds"]), error_correction=ec, construction=construction, copies=L)
    passed = [m for m, ok in scan if ok]
    m_ok = max(passed) if passed else 0
    row = {"d": d, "construction": construction, "copies": L, "error_correction": ec, "m_max": m_ok,
           "first_failure": next((m for m, ok in scan if not ok), None), "scan": scan, "grid": grid,
           "stopped_by_memory": sum(not ok for _, ok in scan[-p["patience"]:]) < p["patience"]
           and len(scan) < len(grid)}
    if m_ok:
        rng = np.random.default_rng([seed, int(m_ok), int(d)])
        circ = random_sparse_circuit(m_ok, p["capacity_depth"], s, rng, kinds=tuple(p["kinds"]))
        net = build_deep_network(circ, d, s, rng, error_correction=ec, construction=construction, copies=L)
        row["params"] = net.parameter_counts()
        if ec and construction == "vote" and L == p["attack_copies"]:
            _, margin = greedy_attack(net, np.random.default_rng([seed, 9]), **p["attack"])
            row["attack_margin"] = margin
    row["seconds"] = round(time.perf_counter() - t0, 2)
    log(f"capacity d={d} {construction} L={L} ec={ec}: m_max={m_ok}, first failure {row['first_failure']} "
        f"({row['seconds']} s)")
    return row


_PARTS = {"depth": depth_point, "long": depth_point, "spread": spread_point, "capacity": capacity_point}


def deep_point(p: dict):
    """One point of any part of the sweep (``p["part"]``); every seed derives from the point."""
    return _PARTS[p["part"]](p)


def points(cfg: dict) -> list:
    """The sweep's points in the order of the results: the depth grid, the long run, the spread, the
    capacity per d and setting."""
    common = {k: cfg[k] for k in ("s", "batch", "seed", "kinds")}
    pts = [{"part": "depth", "d": int(dk), "m": m, "error_correction": ec, "max_depth": cfg["max_depth"], **common}
           for dk, ms in cfg["depth_grid"].items() for m in ms for ec in (True, False)]
    lg = cfg["long"]
    pts.append({"part": "long", "d": lg["d"], "m": lg["m"], "error_correction": True, "max_depth": lg["depth"],
                **common})
    pts += [{"part": "spread", "error_correction": ec, **cfg["spread"], **common} for ec in (True, False)]
    pts += [{"part": "capacity", "d": d, **setting, "m_ratio": cfg["m_ratio"], "attack_copies": cfg["attack_copies"],
             "patience": cfg["patience"],
             "capacity_depth": cfg["capacity_depth"], "attack": cfg["attack"], **common}
            for d in cfg["capacity_d"] for setting in cfg["capacity_settings"]]
    return pts


def run(cfg: dict, out=None, scheduler: str = "none", workers=None) -> tuple:
    """Run every point (see :func:`superposition.sweeps._runner.run_points`); return ``(results, meta)``
    with results ``{"depth": [...], "long": {...}, "spread": {"on": ..., "off": ...}, "capacity": [...]}``."""
    pts = points(cfg)
    res, meta = run_points(deep_point, pts, out, scheduler=scheduler, workers=workers, label="ch5_depth")
    results = {"depth": [], "long": None, "spread": {}, "capacity": []}
    for p, r in zip(pts, res):
        if r is None:
            continue
        if p["part"] == "spread":
            results["spread"]["on" if p["error_correction"] else "off"] = r
        elif p["part"] == "long":
            results["long"] = r
        else:
            results[p["part"]].append(r)
    return results, meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "deep_depth", "ch5_depth", FULL, TINY, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
