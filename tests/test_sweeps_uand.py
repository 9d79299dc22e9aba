"""Chapter 2 sweeps run end to end on a tiny grid and write the documented JSON."""

import json

from superposition.sweeps import load_sweep, uand_superposed, uand_width


def test_width_sweep_tiny(tmp_path):
    out = tmp_path / "ch2_uand_width.json"
    assert uand_width.main(["--tiny", "--scheduler", "none", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["name"] == "ch2_uand_width"
    assert data["command"] == "python -m superposition.sweeps.uand_width --tiny"
    assert set(data["results"]) == {"grid", "coverage", "nmin"}
    g = data["grid"]["grid"]
    assert len(data["results"]["grid"]) == len(g["s"]) * len(g["m"]) * len(g["n"])
    row = data["results"]["grid"][0]
    for key in ("m", "s", "n", "p", "max_error", "mean_touching", "wrong_rate", "method"):
        assert key in row
    assert {r["method"] for r in data["results"]["grid"]} == {"exact", "touching+sample(100/input)"}
    for rec in data["results"]["nmin"]:
        assert rec["n_min"] is None or any(e["ok"] and e["n"] == rec["n_min"] for e in rec["evaluated"])
    assert {r["readout"] for r in data["results"]["nmin"]} == {"centred", "plain"}
    for rec in data["results"]["nmin"]:
        assert all(e["readout"] == rec["readout"] for e in rec["evaluated"])
        assert all(not e["ok"] for e in rec["evaluated"] if e["tie"])  # the sweep counts ties as failures
        assert all(e["n"] > (rec["n_min"] or 0) and not e["ok"] for e in rec["evaluated"]
                   if e["n"] in rec["non_monotone"])
    assert load_sweep("ch2_uand_width", tmp_path)["meta"]["wall_seconds"] >= 0


def test_superposed_sweep_tiny(tmp_path):
    out = tmp_path / "ch2_uand_superposed.json"
    assert uand_superposed.main(["--tiny", "--scheduler", "none", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["name"] == "ch2_uand_superposed"
    assert len(data["results"]) == len(data["grid"]["m"]) * len(data["grid"]["runs"])
    for rec in data["results"]:
        assert all(e["superposed"] for e in rec["evaluated"])
        assert rec["n_min"] is not None
