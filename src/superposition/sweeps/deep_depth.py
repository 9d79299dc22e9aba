"""Chapter 5 sweep: depth reached and capacity of the deep circuit network, with and without correction.

Run ``nice python -m superposition.sweeps.deep_depth`` (a few minutes on one core) to regenerate
``book/data/ch5_depth.json``; ``--tiny`` runs a seconds-long version of the same code.

* ``depth``: for every (d, m, correction) of the grid, one random circuit of depth ``max_depth``
  and its network (seeded); the first layer with a wrong bit on ``batch`` random inputs and,
  separately, on ``batch`` gate-switching inputs (``None`` = right at every layer).
* ``spread``: at one size, per layer, the largest read of an off feature, the smallest read of an on
  feature and the RMS deviation from the boolean value, with and without correction.
* ``capacity``: for every d, the largest m on a geometric grid that runs ``capacity_depth`` layers
  with zero wrong bits on ``batch`` random and ``batch`` switching inputs (one build per m), and a
  greedy white-box attack on the network at that m (its worst margin; negative = a wrong bit).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ..deep import (build_deep_network, count_wrong_bits, greedy_attack, largest_width, random_sparse_circuit,
                    readout_spread)
from . import DATA_DIR, log, write_sweep

FULL = {
    "s": 4, "batch": 128, "max_depth": 64, "seed": 0,
    "depth_grid": {"1024": [128, 256, 512, 1024, 2048], "4096": [512, 1024, 2048, 4096, 8192]},
    "spread": {"d": 4096, "m": 2048, "depth": 64},
    "capacity_depth": 16, "capacity_d": [256, 512, 1024, 2048, 4096], "m_ratio": 2 ** 0.25,
    "attack": {"pool": 32, "restarts": 2},
}

TINY = {
    "s": 4, "batch": 16, "max_depth": 8, "seed": 0,
    "depth_grid": {"256": [64, 512]},
    "spread": {"d": 256, "m": 64, "depth": 8},
    "capacity_depth": 4, "capacity_d": [128, 256], "m_ratio": 2.0,
    "attack": {"pool": 8, "restarts": 1},
}


def m_grid(d: int, ratio: float) -> list[int]:
    """Even widths from d/16 to 4d on a geometric grid of the given ratio."""
    out, x = [], d / 16
    while x <= 4 * d:
        m = int(round(x / 2)) * 2
        if m >= 2 and (not out or m > out[-1]):
            out.append(m)
        x *= ratio
    return out


def first_wrong(net, act):
    bad = np.flatnonzero(count_wrong_bits(net, act))
    return int(bad[0]) if bad.size else None


def run(cfg: dict) -> dict:
    s, batch, seed = cfg["s"], cfg["batch"], cfg["seed"]
    depth_rows = []
    for d_key, ms in cfg["depth_grid"].items():
        d = int(d_key)
        for m in ms:
            for ec in (True, False):
                t0 = time.perf_counter()
                rng = np.random.default_rng([seed, d, m])
                circ = random_sparse_circuit(m, cfg["max_depth"], s, rng)
                net = build_deep_network(circ, d, s, np.random.default_rng([seed, d, m, 1]), error_correction=ec)
                rin, sw = circ.random_inputs(batch, rng), circ.switching_inputs(batch, rng)
                row = {"d": d, "m": m, "error_correction": ec, "first_wrong_random": first_wrong(net, rin),
                       "first_wrong_switching": first_wrong(net, sw),
                       "wrong_bits_random": count_wrong_bits(net, rin).tolist(),
                       "seconds": round(time.perf_counter() - t0, 2)}
                depth_rows.append(row)
                log(f"depth d={d} m={m} ec={ec}: {row['first_wrong_random']} / {row['first_wrong_switching']}")
    sp_cfg = cfg["spread"]
    spread = {}
    for ec in (True, False):
        rng = np.random.default_rng([seed, 5])
        circ = random_sparse_circuit(sp_cfg["m"], sp_cfg["depth"], s, rng)
        net = build_deep_network(circ, sp_cfg["d"], s, np.random.default_rng([seed, 6]), error_correction=ec)
        spread["on" if ec else "off"] = {k: v.tolist() for k, v in readout_spread(net, circ.random_inputs(batch, rng)).items()}
    cap_rows = []
    for d in cfg["capacity_d"]:
        grid = m_grid(d, cfg["m_ratio"])
        for ec in (True, False):
            t0 = time.perf_counter()
            m_ok = largest_width(d, cfg["capacity_depth"], s, m_grid=grid, error_correction=ec, batch=batch, seed=seed)
            row = {"d": d, "error_correction": ec, "m_max": m_ok, "grid": grid,
                   "next_grid_point": next((g for g in grid if g > m_ok), None)}
            if ec and m_ok:
                rng = np.random.default_rng([seed, int(m_ok), int(d)])
                circ = random_sparse_circuit(m_ok, cfg["capacity_depth"], s, rng)
                net = build_deep_network(circ, d, s, rng, error_correction=True)
                _, margin = greedy_attack(net, np.random.default_rng([seed, 9]), **cfg["attack"])
                row["attack_margin"] = margin
                row["params"] = net.parameter_counts()
            row["seconds"] = round(time.perf_counter() - t0, 2)
            cap_rows.append(row)
            log(f"capacity d={d} ec={ec}: m_max={m_ok}")
    return {"depth": depth_rows, "spread": spread, "capacity": cap_rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m superposition.sweeps.deep_depth", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="run a seconds-long version (for tests)")
    parser.add_argument("--out", default=None, help="output JSON (default book/data/ch5_depth.json)")
    args = parser.parse_args(argv)
    cfg = TINY if args.tiny else FULL
    started = time.time()
    results = run(cfg)
    out = args.out or (DATA_DIR / "ch5_depth.json")
    write_sweep(out, "ch5_depth", cfg, results, started,
                "nice python -m superposition.sweeps.deep_depth" + (" --tiny" if args.tiny else ""))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
