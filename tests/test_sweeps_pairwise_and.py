"""The Chapter 4 sweeps run end to end on a tiny grid and write what the chapter loads."""

import json

from superposition.sweeps import pairwise_and_perf, pairwise_and_scaling, pairwise_and_sources


def test_scaling_sweep_writes_n_min_params_and_reliability(tmp_path):
    out = tmp_path / "ch4_scaling.json"
    assert pairwise_and_scaling.main(["--tiny", "--scheduler", "none", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["command"].endswith("--tiny")
    pts = data["results"]["points"]
    assert len(pts) == len(pairwise_and_scaling.TINY["points"])
    for p in pts:
        assert p["n_min"] is not None and p["tried"][str(p["n_min"])] == 0
        assert p["params"]["dense_W1"] == p["n_min"] ** 2
        assert set(p["reliability"]) == {"1.0", "1.25", "1.5"}
    assert [v["name"] for v in data["results"]["variants"]] == list(pairwise_and_scaling.TINY["variants"]["settings"])


def test_sources_sweep_records_every_switch_for_every_width(tmp_path):
    out = tmp_path / "ch4_sources.json"
    assert pairwise_and_sources.main(["--tiny", "--scheduler", "none", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["results"]
    widths = pairwise_and_sources.TINY["settings"][0]["n"]
    assert len(rows) == len(widths) * len(pairwise_and_sources.SWITCHES)
    assert {r["switch"] for r in rows} == set(pairwise_and_sources.SWITCHES)
    assert all(set(r["wrong"]) == {"uniform", "planted", "hub"} for r in rows)


def test_perf_benchmark_measures_time_and_peak_memory_of_a_subprocess(tmp_path):
    out = tmp_path / "ch4_perf.json"
    assert pairwise_and_perf.main(["--tiny", "--scheduler", "none", "--out", str(out)]) == 0
    (res,) = json.loads(out.read_text())["results"]
    assert res["inputs"] == 3 * pairwise_and_perf.TINY["instances"][0]["per_kind"]
    assert res["peak_rss_mib"] > 10 and res["total_s"] > 0
    assert res["wrong_bits"] >= 0


def test_robustness_sweep_records_random_wrong_bits_attack_and_certificates(tmp_path):
    from superposition.sweeps import pairwise_and_robust

    out = tmp_path / "ch4_robust.json"
    assert pairwise_and_robust.main(["--tiny", "--out", str(out), "--scheduler", "none"]) == 0
    res = json.loads(out.read_text())["results"]
    cfg = pairwise_and_robust.TINY
    assert len(res["attack"]) == sum(len(w) for w in cfg["attack"]["widths"].values())
    for row in res["attack"]:
        assert 0 <= row["switched_on"] <= row["targets"] == cfg["attack"]["targets"]
        assert row["budget"]["restarts"] == cfg["attack"]["budget"]["restarts"]
    assert [c["inputs"] for c in res["certify"]] == [1 + 20 + 190]


def test_certificate_sweep_checks_every_small_input_and_records_the_margins(tmp_path):
    from superposition.sweeps import pairwise_and_certify

    out = tmp_path / "ch4_certify.json"
    assert pairwise_and_certify.main(["--tiny", "--out", str(out), "--scheduler", "none"]) == 0
    (row,) = json.loads(out.read_text())["results"]
    assert row["inputs"] == 1 + 20 + 190 and row["tau"] == 0.7
    assert (row["wrong_bits"] == 0) == (row["max_false"] <= row["tau"] < row["min_true"])


def test_hub_sweep_records_n_min_and_the_blocks_of_each_setting(tmp_path):
    from superposition.sweeps import pairwise_and_hubs

    out = tmp_path / "ch4_hubs.json"
    assert pairwise_and_hubs.main(["--tiny", "--out", str(out), "--scheduler", "none"]) == 0
    rows = json.loads(out.read_text())["results"]
    assert [r["name"] for r in rows] == [name for _, name, _ in pairwise_and_hubs.TINY["runs"]]
    for r in rows:
        assert r["n_min"] is not None and r["tried"][str(r["n_min"])] == 0
        assert (r["hubs"] > 0) == (r["options"]["hub_degree"] is not None) and r["block_neurons"] < r["n_min"]
