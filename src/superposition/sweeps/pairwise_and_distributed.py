"""Chapter 4 at scale: one large verification spread over Dask workers, and the speed-up of a sweep's points.

Run ``nice python -m superposition.sweeps.pairwise_and_distributed`` (a few minutes on two cores) to regenerate
``book/data/ch4_distributed.json``; ``--tiny`` runs a seconds-long version.

Two records:

* ``verify``: for each instance, the network is built once in this process (time and this process's peak memory),
  then all m′ outputs are checked on 3·``per_kind`` inputs (uniform, planted, hub) by
  :func:`superposition.distributed.verify_distributed` on a ``LocalCluster`` of ``workers`` single-threaded
  workers: wall time, wrong bits, and every worker's own peak resident memory (``VmHWM``, read on the worker).
  For instances marked ``serial_baseline`` the same check also runs in this process on one core
  (:func:`superposition.pairwise_and.count_wrong_bits`), under the same load, and must agree.
* ``speedup``: the points of one setting of the chapter 4 sources sweep
  (:func:`superposition.sweeps.pairwise_and_sources.sources_point`) on 1 worker, then on 2 workers: wall times and
  their ratio, and whether the results are identical.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from . import log
from ._runner import open_client, run_points, sweep_main

FULL = {
    "verify": [
        # add larger instances after this one (smallest first: this process's peak memory, VmHWM, only grows,
        # so each reading is that instance's own), e.g. m=30000, m'=3000000, n=393216
        {"m": 10000, "m_prime": 1000000, "n": 131072, "s": 4, "per_kind": 64, "seed": 5, "workers": 2,
         "serial_baseline": True},
    ],
    "speedup": {"s": 4, "per_kind": 64, "seed": 0, "i": 0,
                "setting": {"label": "sparse: m=10⁴, m′=10⁴", "m": 10000, "m_prime": 10000},
                "n": [1024, 1448, 2048, 2896, 4096, 5793]},
}

TINY = {
    "verify": [{"m": 300, "m_prime": 3000, "n": 2048, "s": 4, "per_kind": 8, "seed": 5, "workers": 2,
                "serial_baseline": True}],
    "speedup": {"s": 4, "per_kind": 8, "seed": 0, "i": 0, "setting": {"label": "tiny", "m": 200, "m_prime": 300},
                "n": [128, 256, 512, 1024]},
}


def verify_instance(inst: dict) -> dict:
    """Build one network here, verify it on a fresh LocalCluster; time, wrong bits and peak memory per process."""
    from ..bench import peak_rss_mb
    from ..distributed import verify_distributed
    from ..pairwise_and import build_pairwise_and, count_wrong_bits, mixed_inputs, uniform_pairs

    t0 = time.perf_counter()
    rng = np.random.default_rng(inst["seed"])
    pairs = uniform_pairs(inst["m"], inst["m_prime"], rng)
    net = build_pairwise_and(pairs, inst["m"], inst["n"], inst["s"], rng)
    act, _ = mixed_inputs(pairs, inst["m"], inst["s"], inst["per_kind"], rng)
    build_s = time.perf_counter() - t0
    params = net.parameter_counts()
    client = open_client("local", inst["workers"])
    try:
        t1 = time.perf_counter()
        r = verify_distributed(net, act, client)
        verify_s = time.perf_counter() - t1
        per_worker = client.run(peak_rss_mb)
    finally:
        cluster = client.cluster
        client.close()
        cluster.close()
    serial_s = None
    if inst.get("serial_baseline"):  # the same check in this process, one core, under the same load
        t2 = time.perf_counter()
        r0 = count_wrong_bits(net, act)
        serial_s = time.perf_counter() - t2
        if not np.array_equal(r0.wrong, r.wrong):
            raise AssertionError("the distributed verification disagrees with count_wrong_bits")
    out = dict(inst, build_s=build_s, verify_s=verify_s, serial_verify_s=serial_s, inputs=int(act.shape[0]), wrong_bits=r.total_wrong,
               true_outputs=int(r.n_true.sum()), params=params, driver_peak_rss_mib=peak_rss_mb(),
               worker_peak_rss_mib=sorted(per_worker.values()))
    log(f"verify m={inst['m']} m'={inst['m_prime']} n={inst['n']}: build {build_s:.1f} s, verify {verify_s:.1f} s "
        f"on {inst['workers']} workers, wrong bits {r.total_wrong}, peaks {out['worker_peak_rss_mib']} MiB")
    return out


def speedup(cfg: dict, out) -> dict:
    """Wall time of the same sweep points on a LocalCluster of 1 and of 2 workers."""
    from .pairwise_and_sources import sources_point

    pts = [{k: cfg[k] for k in ("s", "per_kind", "seed", "i", "setting")} | {"n": n} for n in cfg["n"]]
    walls, results = {}, {}
    for w in (1, 2):
        client = open_client("local", w)  # started before the clock
        try:
            partial = str(out) + f".speedup{w}"
            t0 = time.perf_counter()
            res, _ = run_points(sources_point, pts, partial, client=client, label=f"speedup-{w}")
            walls[w] = time.perf_counter() - t0
        finally:
            cluster = client.cluster
            client.close()
            cluster.close()
        os.remove(partial + ".partial.jsonl")
        results[w] = res
        log(f"speedup: {len(pts)} points on {w} worker(s): {walls[w]:.1f} s")
    return {"points": len(pts), "setting": cfg["setting"], "n": cfg["n"], "wall_1_worker_s": walls[1],
            "wall_2_workers_s": walls[2], "speedup": walls[1] / walls[2],
            "identical_results": _strip(results[1]) == _strip(results[2])}


def _strip(rows):
    return [[{k: v for k, v in row.items() if k != "seconds"} for row in rs] for rs in rows]


def run(cfg: dict, out: Path, scheduler: None = None, workers: None = None) -> tuple:
    """The verification records and the speed-up measurement of ``cfg``; return ``(results, meta)``."""
    results = {"verify": [verify_instance(inst) for inst in cfg["verify"]], "speedup": speedup(cfg["speedup"], out)}
    return results, {"scheduler": "local", "workers": "1-2 (see the records)",
                     "load_average_at_end": list(os.getloadavg()), "cpus": os.cpu_count()}


def main(argv: list[str] | None = None) -> int:
    # no --scheduler: the records start their own LocalClusters of 1 and 2 workers
    return sweep_main(__doc__, "pairwise_and_distributed", "ch4_distributed", FULL, TINY, run, argv, scheduler=None)


if __name__ == "__main__":
    raise SystemExit(main())
