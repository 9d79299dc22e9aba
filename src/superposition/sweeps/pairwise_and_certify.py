"""Chapter 4 sweep: certificates — a network checked on every input with at most ``s_max`` active features.

For each instance (uniform graph, construction and thresholds as listed) it runs
:func:`superposition.adversary.certify_small_inputs` and records the wrong bits over all outputs and
the extreme decoded values (the margins to τ).

Run: ``nice python -m superposition.sweeps.pairwise_and_certify`` (``--tiny`` for a seconds-long grid).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..adversary import certify_small_inputs
from ..pairwise_and import build_pairwise_and, uniform_pairs
from . import log
from ._runner import run_points, sweep_main

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


def run(cfg: dict, out: Path | None = None, scheduler: str | None = "none", workers: int | None = None) -> tuple:
    """Certify every instance of ``cfg`` (see :func:`superposition.sweeps._runner.run_points`); return
    ``(results, meta)`` (failed instances left out)."""
    pts = [{"seed": cfg["seed"], **inst} for inst in cfg["instances"]]
    res, meta = run_points(_instance_point, pts, out, scheduler=scheduler, workers=workers, label="ch4_certify")
    return [r for r in res if r is not None], meta


def main(argv: list[str] | None = None) -> int:
    return sweep_main(__doc__, "pairwise_and_certify", "ch4_certify", FULL, TINY, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
