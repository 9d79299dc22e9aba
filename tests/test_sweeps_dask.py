"""The sweeps' Dask runner: same results on any scheduler, resumable, failures and bad addresses reported."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from superposition.sweeps import _runner, pairwise_and_sources

BIN = Path(sys.executable).parent


def _strip_timing(obj):
    if isinstance(obj, dict):
        return {k: _strip_timing(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_strip_timing(v) for v in obj]
    return obj


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1, stopped at the end."""
    d = tmp_path_factory.mktemp("cluster")
    sched_file = d / "scheduler.json"
    # the workers import this module's point functions by name, as they would a sweep module's
    path = os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=path)
    common = ["--no-dashboard"]
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--scheduler-file", str(sched_file), *common], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.time() + 60
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        for k in range(2):
            procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--host",
                                           "127.0.0.1", "--name", f"w{k}", *common], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_tiny_sweep_is_identical_serially_and_on_two_workers(cluster, tmp_path):
    serial, dist = tmp_path / "serial.json", tmp_path / "dist.json"
    assert pairwise_and_sources.main(["--tiny", "--scheduler", "none", "--out", str(serial)]) == 0
    assert pairwise_and_sources.main(["--tiny", "--scheduler", cluster, "--out", str(dist)]) == 0
    a, b = json.loads(serial.read_text()), json.loads(dist.read_text())
    assert _strip_timing(a["results"]) == _strip_timing(b["results"])
    assert (a["meta"]["scheduler"], a["meta"]["workers"]) == ("none", 1)
    assert (b["meta"]["scheduler"], b["meta"]["workers"]) == (cluster, 2)


def _square_or_die(p):
    """A point function that kills its own worker process the first time it meets point ``p["die"]``."""
    marker = Path(p["marker"])
    if p["i"] == p["die"] and not marker.exists():
        partial = Path(p["out"] + ".partial.jsonl")
        marker.write_text(partial.read_text() if partial.exists() else "")  # the points finished before the kill
        os._exit(1)
    time.sleep(0.05)
    return {"i": p["i"], "square": p["i"] ** 2, "draw": float(np.random.default_rng(p["i"]).random())}


def test_a_killed_worker_loses_no_finished_point(cluster, tmp_path):
    out = str(tmp_path / "kill.json")
    pts = [{"i": i, "die": 6, "marker": str(tmp_path / "killed"), "out": out} for i in range(10)]
    results, meta = _runner.run_points(_square_or_die, pts, out, scheduler=cluster, label="kill")
    before = [json.loads(line)["key"] for line in (tmp_path / "killed").read_text().splitlines()]
    assert meta["failed_points"] == []
    assert [r["square"] for r in results] == [i * i for i in range(10)]
    assert [r["draw"] for r in results] == [float(np.random.default_rng(i).random()) for i in range(10)]
    final = [json.loads(line)["key"] for line in Path(out + ".partial.jsonl").read_text().splitlines()]
    assert set(before) <= set(final) and len(final) == 10


def _fail_on_three(p):
    if p["i"] == 3 and not p.get("fixed"):
        raise RuntimeError("point three breaks")
    return p["i"] * 10


def test_a_failed_point_is_reported_with_its_parameters_and_a_rerun_skips_finished_points(tmp_path):
    out = tmp_path / "fail.json"
    pts = [{"i": i} for i in range(5)]
    results, meta = _runner.run_points(_fail_on_three, pts, out, scheduler="none")
    assert results == [0, 10, 20, None, 40]
    [failure] = meta["failed_points"]
    assert failure["point"] == {"i": 3} and "point three breaks" in failure["error"]
    calls = []

    def fixed(p):
        calls.append(p["i"])
        return p["i"] * 10

    results, meta = _runner.run_points(fixed, pts, out, scheduler="none")
    assert results == [0, 10, 20, 30, 40] and calls == [3] and meta["resumed"] == 4


def test_a_bad_scheduler_address_fails_naming_it():
    with pytest.raises(SystemExit, match=r"tcp://127\.0\.0\.1:9"):
        _runner.open_client("tcp://127.0.0.1:9", timeout=2)


def test_a_verification_spread_over_workers_counts_the_same_wrong_bits(cluster):
    from distributed import Client

    from superposition.distributed import verify_distributed
    from superposition.pairwise_and import build_pairwise_and, count_wrong_bits, mixed_inputs, uniform_pairs

    rng = np.random.default_rng(5)
    pairs = uniform_pairs(300, 3000, rng)
    net = build_pairwise_and(pairs, 300, 700, 4, rng)  # narrow: many wrong bits to compare
    act, _ = mixed_inputs(pairs, 300, 4, 20, rng)
    want = count_wrong_bits(net, act)
    with Client(cluster, timeout="30s") as client:
        got = verify_distributed(net, act, client, n_blocks=3, batch=16)
    assert want.total_wrong > 0
    for k in ("wrong", "false_pos", "false_neg", "n_true"):
        np.testing.assert_array_equal(getattr(got, k), getattr(want, k))
    np.testing.assert_allclose(got.max_false, want.max_false, atol=1e-5)
    np.testing.assert_allclose(got.min_true, want.min_true, atol=1e-5)


def test_distributed_record_tiny_writes_verification_and_speedup(tmp_path):
    from superposition.sweeps import pairwise_and_distributed

    out = tmp_path / "dist.json"
    assert pairwise_and_distributed.main(["--tiny", "--out", str(out)]) == 0
    res = json.loads(out.read_text())["results"]
    [v] = res["verify"]
    assert v["inputs"] == 3 * v["per_kind"] and len(v["worker_peak_rss_mib"]) == v["workers"]
    assert res["speedup"]["identical_results"] and res["speedup"]["speedup"] > 0
    assert not list(tmp_path.glob("*.partial.jsonl"))


def test_the_data_directory_is_found_from_a_repository_folder_or_the_environment(tmp_path, monkeypatch):
    from superposition import sweeps

    repo = Path(__file__).resolve().parents[1]
    monkeypatch.delenv(sweeps.DATA_ENV, raising=False)
    assert sweeps.find_data_dir(repo / "book") == repo / "book" / "data"
    monkeypatch.setenv(sweeps.DATA_ENV, str(tmp_path))
    assert sweeps.find_data_dir(repo) == tmp_path


def test_without_a_data_directory_the_error_says_how_to_choose_one(monkeypatch):
    from superposition import sweeps

    monkeypatch.setattr(sweeps, "DATA_DIR", None)
    with pytest.raises(FileNotFoundError, match="SUPERPOSITION_DATA_DIR"):
        sweeps.load_sweep("ch4_scaling")
