"""The Chapter 5 sweep runs end to end on a tiny grid and writes what the chapter loads."""

import json

from superposition.sweeps import deep_depth


def test_depth_sweep_writes_first_wrong_layers_spread_and_capacity(tmp_path):
    out = tmp_path / "ch5_depth.json"
    assert deep_depth.main(["--tiny", "--out", str(out), "--scheduler", "none"]) == 0
    data = json.loads(out.read_text())
    assert data["command"].endswith("--tiny")
    res = data["results"]
    n_depth = sum(len(v) for v in deep_depth.TINY["depth_grid"].values()) * 2
    assert len(res["depth"]) == n_depth
    for row in res["depth"]:
        fw = row["first_wrong_random"]
        wrong = row["wrong_bits_random"]
        assert (fw is None and not any(wrong)) or (wrong[fw] > 0 and not any(wrong[:fw]))
    assert set(res["spread"]) == {"on", "off"}
    assert len(res["spread"]["on"]["rms"]) == deep_depth.TINY["spread"]["depth"] + 1
    assert len(res["capacity"]) == len(deep_depth.TINY["capacity_settings"]) * len(deep_depth.TINY["capacity_d"])
    assert res["long"]["depth"] == deep_depth.TINY["long"]["depth"]
    assert data["meta"]["scheduler"] == "none"
    assert all(r["m_max"] == 0 or r["m_max"] in r["grid"] for r in res["capacity"])
    for r in res["capacity"]:
        passed = [m for m, ok in r["scan"] if ok]
        assert r["m_max"] == (max(passed) if passed else 0)
        assert r["first_failure"] == next((m for m, ok in r["scan"] if not ok), None)
