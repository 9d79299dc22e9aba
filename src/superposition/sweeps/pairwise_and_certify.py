"""Chapter 4 sweep: certificates — a network checked on every input with at most ``s_max`` active features.

For each instance (uniform graph, construction and thresholds as listed) it runs
:func:`superposition.adversary.certify_small_inputs` and records the wrong bits over all outputs and
the extreme decoded values (the margins to τ).

Run: ``nice python -m superposition.sweeps.pairwise_and_certify`` (``--tiny`` for a seconds-long grid).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ..adversary import certify_small_inputs
from ..pairwise_and import build_pairwise_and, uniform_pairs
from . import data_path, log, write_sweep
from ._runner import add_scheduler_argument, finish_sweep, run_points

FULL = {"instances": [{"m": 500, "m_prime": 10000, "n": 9000, "s_max": 2, "construction": "v2", "tau": 0.7}],
        "seed": 0}
TINY = {"instances": [{"m": 20, "m_prime": 40, "n": 64, "s_max": 2, "construction": "v2", "tau": 0.7}], "seed": 0}


def certify_point(m, m_prime, n, s_max, construction, tau, seed) -> dict:
    """Build one network (design sparsity max(2, s_max)) and check every ≤ s_max-sparse input."""
    t0 = time.perf_counter()
    pairs = uniform_pairs(m, m_prime, np.random.default_rng([seed, m, m_prime]))
    net = build_pairwise_and(pairs, m, n, max(2, s_max), np.random.default_rng([seed, n]),
                             construction=construction, tau=tau)
    c = certify_small_inputs(net, pairs, s_max)
    return {"m": m, "m_prime": m_prime, "n": n, "s_max": s_max, "construction": construction, "tau": c.tau,
            "theta": net.theta, "inputs": c.inputs, "wrong_bits": c.wrong_bits, "wrong_inputs": c.wrong_inputs,
            "max_false": c.max_false, "min_true": c.min_true, "seconds": round(time.perf_counter() - t0, 1)}


def _instance_point(p: dict) -> dict:
    row = certify_point(**p)
    log(f"certify {row}")
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m superposition.sweeps.pairwise_and_certify",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="run a seconds-long version (for tests)")
    parser.add_argument("--out", default=None, help="output JSON (default book/data/ch4_certify.json)")
    add_scheduler_argument(parser)
    args = parser.parse_args(argv)
    cfg = TINY if args.tiny else FULL
    started = time.time()
    out = args.out or data_path("ch4_certify.json")
    pts = [{"seed": cfg["seed"], **inst} for inst in cfg["instances"]]
    res, meta = run_points(_instance_point, pts, out, scheduler=args.scheduler, workers=args.workers,
                           label="ch4_certify")
    write_sweep(out, "ch4_certify", cfg, [r for r in res if r is not None], started,
                "nice python -m superposition.sweeps.pairwise_and_certify" + (" --tiny" if args.tiny else ""), meta)
    finish_sweep(out, meta)
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
