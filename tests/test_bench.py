"""The benchmark machinery (superposition.bench), on tiny sizes.

The full benchmark is not run here (`make bench` runs it); these tests run `--quick`, which goes through
every record group with tiny sizes, and test the pieces the numbers rest on: peak memory read from the
operating system, missing kernels reported instead of crashing, targets, and the Markdown table.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from superposition import bench

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "superposition.bench", "--out", str(out), "--quick"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "bench.json").read_text()), (out / "bench.md").read_text()


REQUIRED = [
    "matmul_gflops", "spmm_gflops", "coherence_gflops", "coherence_ratio_to_matmul", "coherence_peak_mb",
    "coherence_speedup_vs_gram", "coherence_speedup_vs_python_loop", "uand_exact_inputs_per_s_m3000",
    "uand_exact_max_m_30s", "pairwise_and_verify_s_m1e6", "pairwise_and_verify_peak_mb_m1e6",
    "pairwise_and_forward_gflops",
]


def test_record_names_include_every_required_record_and_two_per_chapter():
    names = bench.record_names(ROOT)
    assert set(REQUIRED) <= set(names)
    chapters = bench.chapter_notebooks(ROOT)
    assert chapters, "_toc.yml lists no chapter notebook"
    for nb in chapters:
        assert f"chapter_{nb.stem}_s" in names and f"chapter_{nb.stem}_peak_mb" in names


def test_quick_json_has_every_record_with_value_unit_reference(quick_run):
    records, _ = quick_run
    assert [k for k in records if not k.startswith("_")] == bench.record_names(ROOT)
    for name, rec in records.items():
        if name.startswith("_"):
            continue
        assert {"value", "unit", "reference", "target", "met"} <= set(rec), name
        assert rec["unit"] and rec["reference"], name
        if rec["value"] is None:
            assert rec["reason"], f"{name} is null without a reason"
        else:
            assert isinstance(rec["value"], (int, float)), name
        if rec["target"] is not None and rec["value"] is not None:
            assert rec["met"] == bench.target_met(rec["value"], rec["target"]), name


def test_quick_json_states_the_targets_of_the_issue(quick_run):
    records, _ = quick_run
    expect = {"coherence_ratio_to_matmul": (">=", 0.5), "coherence_peak_mb": ("<=", 300),
              "pairwise_and_verify_s_m1e6": ("<=", 60), "pairwise_and_verify_peak_mb_m1e6": ("<=", 1024)}
    for name, (op, val) in expect.items():
        assert records[name]["target"] == {"op": op, "value": val}
    for name in records:
        if name.startswith("chapter_"):
            assert records[name]["target"]["value"] == (60 if name.endswith("_s") else 1024)


def test_quick_reference_records_are_measured_and_positive(quick_run):
    records, _ = quick_run
    for name in ("matmul_gflops", "spmm_gflops", "memory_bandwidth_gbs", "python_baseline_peak_mb"):
        assert records[name]["value"] > 0, name


def test_quick_meta_describes_the_machine_from_the_run(quick_run):
    records, _ = quick_run
    meta = records["_meta"]
    assert meta["mode"] == "quick"
    mach = meta["machine"]
    assert mach["logical_cpus"] >= 1 and mach["numpy"] and mach["cpu_model"]
    assert mach["blas"]["name"], "numpy's BLAS configuration was not captured"
    assert "--quick" in meta["command"]


def test_markdown_table_matches_json(quick_run):
    records, md = quick_run
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    names = [k for k in records if not k.startswith("_")]
    assert len(rows) == len(names)
    for line, name in zip(rows, names):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert cells[0] == f"`{name}`"
        assert cells[1] == bench.format_value(records[name]["value"])
        assert cells[2] == records[name]["unit"]
        assert cells[4] == {True: "yes", False: "**no**", None: ""}[records[name]["met"]]


def test_peak_memory_comes_from_the_os_per_subprocess():
    small = bench.run_worker("allocate", {"mb": 1}, timeout=60)
    big = bench.run_worker("allocate", {"mb": 300}, timeout=60)
    assert small.ok and big.ok
    # Touching 300 MiB shows up in the worker's own high-water mark.
    assert big["peak_mb"] - small["peak_mb"] > 250
    assert small["peak_mb"] < 200


def test_worker_peak_does_not_inherit_the_parents_size():
    # Linux folds the pre-exec peak into ru_maxrss, so a worker forked from a big parent (a long pytest
    # run) would report the parent's size there; the worker's own VmHWM must not.
    np = pytest.importorskip("numpy")
    ballast = np.ones(400 * 2**20 // 8)  # 400 MiB resident in this (parent) process
    small = bench.run_worker("allocate", {"mb": 1}, timeout=60)
    del ballast
    assert small.ok
    assert small["peak_mb"] < 200, small


def test_chapter_peak_is_the_kernels_peak_from_the_os(quick_run):
    records, _ = quick_run
    chapters = [k for k in records if k.startswith("chapter_") and k.endswith("_peak_mb")]
    assert chapters
    for name in chapters:
        # A kernel that imported numpy: tens of MiB, read from RUSAGE_CHILDREN once it was reaped.
        assert 20 < records[name]["value"] < 1024, name


def test_timeout_kills_the_worker_and_says_so():
    res = bench.run_worker("notebook", {"path": "/nonexistent.ipynb"}, timeout=0.0)
    assert res["status"] == "timeout" and "time cap" in res.reason


def test_missing_kernel_is_reported_not_raised(tmp_path):
    res = bench.run_worker("nonexistent_worker_is_an_error", {}, timeout=60)
    assert res["status"] == "error"
    with pytest.raises(bench.MissingKernel, match="kernel not landed"):
        bench._kernel("representation", "no_such_function_anywhere")
    with pytest.raises(bench.MissingKernel, match="does not exist"):
        bench._kernel("no_such_module_anywhere", "f")


def test_record_with_missing_value_has_reason_and_no_verdict():
    rec = bench._record("coherence_peak_mb", None, reason="kernel not landed")
    assert rec["value"] is None and rec["met"] is None and rec["reason"] == "kernel not landed"
    timed_out = bench._record("pairwise_and_verify_s_m1e6", None, reason="exceeded the time cap", met=False)
    assert timed_out["met"] is False


@pytest.mark.parametrize("value,op,target,met", [(0.6, ">=", 0.5, True), (0.4, ">=", 0.5, False),
                                                 (60.0, "<=", 60, True), (61.0, "<=", 60, False)])
def test_target_met(value, op, target, met):
    assert bench.target_met(value, {"op": op, "value": target}) is met


def test_reference_coherence_baselines_agree_on_a_small_case():
    import numpy as np

    rng = np.random.default_rng(0)
    E = rng.standard_normal((20, 30))
    E /= np.linalg.norm(E, axis=0)
    G = E.T @ E
    expect = np.abs(G - np.diag(np.diag(G))).max()
    assert bench.gram_max_coherence(E) == pytest.approx(expect)
    assert bench.loop_max_coherence(E) == pytest.approx(expect)


def test_committed_results_are_complete_records():
    path = ROOT / "book" / "data" / "bench.json"
    records = json.loads(path.read_text())
    assert set(REQUIRED) <= set(records)
    assert records["_meta"]["mode"] == "full"
    for name, rec in records.items():
        if not name.startswith("_"):
            assert {"value", "unit", "reference"} <= set(rec), name
            assert rec["value"] is not None or rec.get("reason"), name
