"""Chapter 4 sweep: the three sources of error of the pairwise-AND construction, switched off one at a time.

Run ``nice python -m superposition.sweeps.pairwise_and_sources`` (about 3 minutes on one core) to
regenerate ``book/data/ch4_sources.json``; ``--tiny`` runs a seconds-long version of the same code.

For each setting (m, m′) and width n of the grid: one build, 3·``per_kind`` inputs (uniform, planted,
hub; s active) and, for each switch configuration of :func:`superposition.pairwise_and.count_wrong_bits`
(all sources on; input cross-talk off; output cross-talk off; co-occurrence off; all off), the wrong
bits per input kind, the largest decoded value of a false output and the smallest of a true output.
"""

from __future__ import annotations

import time

import numpy as np

from ..pairwise_and import build_pairwise_and, count_wrong_bits, mixed_inputs, uniform_pairs
from . import log
from ._runner import run_points, sweep_main

SWITCHES = {
    "all sources": {},
    "no input cross-talk": {"input_superposition": False},
    "no output cross-talk": {"output_superposition": False},
    "no co-occurrence": {"co_occurrence": False},
    "none": {"input_superposition": False, "output_superposition": False, "co_occurrence": False},
}

FULL = {
    "s": 4,
    "per_kind": 64,
    "settings": [
        {"label": "sparse: m=10⁴, m′=10⁴", "m": 10000, "m_prime": 10000, "n": [1024, 1448, 2048, 2896, 4096, 5793]},
        {"label": "medium: m=10⁴, m′=10⁵", "m": 10000, "m_prime": 100000,
         "n": [4096, 5793, 8192, 11585, 16384, 23170]},
        {"label": "dense: m=10³, m′=31 623", "m": 1000, "m_prime": 31623,
         "n": [4096, 8192, 16384, 23170, 32768, 46341]},
    ],
    "seed": 0,
}

TINY = {"s": 4, "per_kind": 8, "settings": [{"label": "tiny", "m": 200, "m_prime": 300, "n": [128, 512]}], "seed": 0}


def sources_point(p: dict) -> list:
    """One (setting, n) point: its build, inputs and the rows of every switch (seeds from the point)."""
    s, i, n, st = p["s"], p["i"], p["n"], p["setting"]
    pairs = uniform_pairs(st["m"], st["m_prime"], np.random.default_rng([p["seed"], i]))
    rows = []
    t0 = time.perf_counter()
    rng = np.random.default_rng([p["seed"], i, n])
    net = build_pairwise_and(pairs, st["m"], n, s, rng, construction="v1")  # the committed data's construction
    act, kinds = mixed_inputs(pairs, st["m"], s, p["per_kind"], rng)
    for name, sw in SWITCHES.items():
        r = count_wrong_bits(net, act, **sw)
        fin = np.isfinite(r.min_true)
        rows.append({
            "setting": st["label"], "m": st["m"], "m_prime": st["m_prime"], "n": n, "switch": name,
            "wrong": {k: int(r.wrong[kinds == k].sum()) for k in ("uniform", "planted", "hub")},
            "false_pos": int(r.false_pos.sum()), "false_neg": int(r.false_neg.sum()),
            "max_false": float(r.max_false.max()),
            "min_true": float(r.min_true[fin].min()) if fin.any() else None,
        })
    log(f"{st['label']} n={n}: {time.perf_counter() - t0:.1f} s")
    return rows


def points(cfg: dict) -> list:
    """The sweep's points, one per (setting, width), in the order of the results."""
    return [{"s": cfg["s"], "per_kind": cfg["per_kind"], "seed": cfg["seed"], "i": i, "n": n,
             "setting": {k: st[k] for k in ("label", "m", "m_prime")}}
            for i, st in enumerate(cfg["settings"]) for n in st["n"]]


def run(cfg: dict, out=None, scheduler: str = "none", workers=None) -> tuple:
    """Run every point of ``cfg`` (see :func:`superposition.sweeps._runner.run_points`); return
    ``(rows, meta)``; failed points are listed in ``meta["failed_points"]``."""
    res, meta = run_points(sources_point, points(cfg), out, scheduler=scheduler, workers=workers,
                                   label="ch4_sources")
    return [row for r in res if r is not None for row in r], meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "pairwise_and_sources", "ch4_sources", FULL, TINY, run, argv, grid_extra={"switches": SWITCHES})


if __name__ == "__main__":
    raise SystemExit(main())
