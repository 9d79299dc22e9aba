"""U-AND kernels: brute-force agreement, the case analysis, seeded statistics, and bad arguments."""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from superposition.uand import (
    best_linear_and,
    build_targeted_and,
    build_uand,
    centred_offset,
    clean_max_error,
    coverage_for_p,
    evaluate_width,
    p_for_coverage,
    plant_gates,
    plot_error_histograms,
    predicted_mean_errors,
    predicted_noise_std,
    predicted_superposed_mean_errors,
    rectified_bias,
    sample_active,
    smallest_working_width,
    sparse_code_embedding,
    targeted_error,
    targeted_readout,
    tolerated_noise_std,
    uand_error,
    uand_hidden,
    uand_preactivation,
    uand_readout,
    uand_sampled_neither,
    uand_touching_readouts,
    width_grid,
)


def _unit_columns(rng, d, m):
    E = rng.normal(size=(d, m))
    return E / np.linalg.norm(E, axis=0)


def _brute_force(net, active, embedding=None):
    """Readouts of every pair (triu order) by explicit loops over pairs, from net.wiring."""
    W = net.wiring.astype(float)
    m = net.m
    pairs = list(itertools.combinations(range(m), 2))
    out = np.zeros((len(active), len(pairs)))
    E = None if embedding is None else (embedding.toarray() if sp.issparse(embedding) else embedding)
    for b, act in enumerate(active):
        if E is None:
            x = np.zeros(m)
            x[act] = 1.0
            pre = W @ x
        else:
            pre = (W @ E.T) @ E[:, act].sum(axis=1)
        h = np.maximum(pre - 1.0, 0.0)
        for q, (i, j) in enumerate(pairs):
            both = net.wiring[:, i] & net.wiring[:, j]
            out[b, q] = (h[both].mean() if both.any() else 0.0) - net.offset
    return out, np.array(pairs)


def _targets(active, pairs):
    t = np.zeros((len(active), len(pairs)))
    for b, act in enumerate(active):
        a = set(act.tolist())
        t[b] = [1.0 if (i in a and j in a) else 0.0 for i, j in pairs]
    return t


@pytest.mark.parametrize("readout", ["plain", "centred"])
@pytest.mark.parametrize("kind", ["clean", "dense", "sparse"])
def test_readout_matches_brute_force(kind, readout):
    rng = np.random.default_rng(11)
    m, n, p, s = 24, 150, 0.3, 4
    emb = None
    if kind == "dense":
        emb = _unit_columns(rng, 16, m)
    elif kind == "sparse":
        emb = sparse_code_embedding(m, 20, 4, rng)
    net = build_uand(m, n, p, rng, embedding=emb, readout=readout, s=s)
    active = sample_active(m, s, 6, rng)
    expected, pairs = _brute_force(net, active, emb)
    np.testing.assert_allclose(uand_readout(net, active), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(uand_readout(net, active, pairs), expected, rtol=1e-5, atol=1e-6)
    sub = pairs[::7][:, ::-1]  # reversed order within a pair is the same pair
    np.testing.assert_allclose(uand_readout(net, active, sub), expected[:, ::7], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("readout", ["plain", "centred"])
@pytest.mark.parametrize("kind", ["clean", "sparse"])
@pytest.mark.parametrize("block", [16, 1024])
def test_exact_error_matches_brute_force(kind, block, readout):
    rng = np.random.default_rng(5)
    m, n, p, s = 40, 200, 0.25, 3
    emb = sparse_code_embedding(m, 30, 4, rng) if kind == "sparse" else None
    net = build_uand(m, n, p, rng, embedding=emb, readout=readout, s=s)
    active = sample_active(m, s, 7, rng)
    out, pairs = _brute_force(net, active, emb)
    target = _targets(active, pairs)
    err = np.abs(out - target)
    rep = uand_error(net, active, block=block)
    assert rep.method == "exact"
    assert rep.max_error == pytest.approx(err.max(), abs=1e-5)
    np.testing.assert_allclose(rep.max_per_input, err.max(axis=1), atol=1e-5)
    touch = np.array([[(i in set(a)) or (j in set(a)) for i, j in pairs] for a in active.tolist()])
    assert rep.mean_touching == pytest.approx(err[touch].mean(), rel=1e-5)
    assert rep.mean_by_case["neither"] == pytest.approx(out[~touch].mean(), rel=1e-5)
    assert rep.max_by_case["neither"] == pytest.approx(np.abs(out[~touch]).max(), abs=1e-5)
    assert rep.n_wrong == int(((out > 0.5) != (target > 0.5)).sum())
    assert rep.n_pairs == out.size
    assert rep.wrong_rate == pytest.approx(rep.n_wrong / out.size)


def test_every_sparse_input_of_a_small_case_matches_the_case_analysis():
    """All C(9,3) inputs: both-on readout = 1 + mean #other active; one-on = mean #other active; neither = mean (#active − 1)⁺."""
    rng = np.random.default_rng(3)
    m, n, p, s = 9, 60, 0.5, 3
    net = build_uand(m, n, p, rng, readout="plain")
    W = net.wiring
    active = np.array(list(itertools.combinations(range(m), s)))
    pairs = np.array(list(itertools.combinations(range(m), 2)))
    out = uand_readout(net, active, pairs)
    rep = uand_error(net, active)
    worst = 0.0
    for b, act in enumerate(active):
        a = set(act.tolist())
        for q, (i, j) in enumerate(pairs):
            nij = np.flatnonzero(W[:, i] & W[:, j])
            if nij.size == 0:
                expected = 0.0
            else:
                others = W[np.ix_(nij, [x for x in act if x not in (i, j)])].sum(axis=1)
                if i in a and j in a:
                    expected = np.mean(1 + others)  # h = 1 + X
                elif i in a or j in a:
                    expected = np.mean(others)  # h = X
                else:
                    expected = np.mean(np.maximum(others - 1, 0))  # h = (X − 1)⁺
            assert out[b, q] == pytest.approx(expected)
            worst = max(worst, abs(expected - float(i in a and j in a)))
    assert rep.max_error == pytest.approx(worst)
    # With clean inputs a covered true pair never reads below 1 (h >= 1 on every neuron wired to both).
    t = uand_touching_readouts(net, active)
    assert np.all(t.both[t.coverage_both > 0] >= 1.0 - 1e-12)


def test_mean_errors_match_predictions():
    """Seeded statistical check: mean errors (s−2)p, (s−1)p and s p − 1 + (1−p)^s ≈ C(s,2) p²."""
    rng = np.random.default_rng(2024)
    m, n, s = 2000, 4096, 4
    p = p_for_coverage(n, 48)
    net = build_uand(m, n, p, rng, readout="plain")
    active = sample_active(m, s, 60, rng)
    rep = uand_error(net, active, method="sample", rng=rng, n_sample=4000)
    pred = predicted_mean_errors(s, p)
    assert rep.mean_by_case["both"] == pytest.approx(pred["both"], rel=0.15)
    assert rep.mean_by_case["one"] == pytest.approx(pred["one"], rel=0.05)
    assert rep.mean_by_case["neither"] == pytest.approx(pred["neither"], rel=0.15)
    assert pred["neither"] == pytest.approx(math.comb(s, 2) * p**2, rel=3 * p)


def test_sampled_method_agrees_with_exact_on_touching_pairs():
    rng = np.random.default_rng(8)
    net = build_uand(300, 1024, p_for_coverage(1024, 32), rng, readout="plain")
    active = sample_active(300, 3, 10, rng)
    ex = uand_error(net, active)
    sa = uand_error(net, active, method="sample", rng=np.random.default_rng(1), n_sample=500)
    assert sa.max_by_case["one"] == ex.max_by_case["one"]
    assert sa.max_by_case["both"] == ex.max_by_case["both"]
    assert sa.mean_touching == pytest.approx(ex.mean_touching)
    assert sa.max_by_case["neither"] <= ex.max_by_case["neither"] + 1e-6
    assert sa.max_error <= ex.max_error + 1e-9
    assert "sample" in sa.method


def test_sampled_neither_pairs_avoid_active_features():
    """Every sampled readout is the readout of some pair of inactive features of its input."""
    rng = np.random.default_rng(9)
    m, s = 14, 5
    net = build_uand(m, 300, 0.4, rng, readout="plain")
    active = sample_active(m, s, 6, rng)
    vals = uand_sampled_neither(net, active, 200, np.random.default_rng(0))
    assert vals.shape == (6, 200)
    for b, act in enumerate(active):
        free = [j for j in range(m) if j not in set(act.tolist())]
        allowed = uand_readout(net, active[b : b + 1], np.array(list(itertools.combinations(free, 2))))[0]
        assert np.all(np.isclose(vals[b][:, None], allowed[None, :]).any(axis=1))


def test_sampled_neither_finds_the_only_inactive_pair_when_almost_all_features_are_active():
    """m − s = 2: a rejection sampler over all m features almost never draws the one valid pair."""
    rng = np.random.default_rng(4)
    m = 200
    net = build_uand(m, 60, 0.5, rng, readout="plain")
    active = np.array([[j for j in range(m) if j not in (17, 150)]])
    vals = uand_sampled_neither(net, active, 50, np.random.default_rng(1))
    only = uand_readout(net, active, np.array([[17, 150]]))[0, 0]
    np.testing.assert_allclose(vals, only)


def test_centred_readout_is_the_default_and_plain_minus_its_offset():
    m, n, s = 200, 512, 2
    p = p_for_coverage(n, 48)
    centred = build_uand(m, n, p, 3, s=s)
    plain = build_uand(m, n, p, 3, readout="plain")
    assert centred.readout == "centred" and plain.readout == "plain" and plain.offset == 0.0
    np.testing.assert_array_equal(centred.wiring_sparse.toarray(), plain.wiring_sparse.toarray())
    active = sample_active(m, s, 4, 0)
    pairs = np.array([[0, 1], [2, 3], [5, 9]])
    np.testing.assert_allclose(uand_readout(centred, active, pairs), uand_readout(plain, active, pairs) - centred.offset)


def test_centred_offset_comes_from_the_construction_not_the_inputs():
    """Same (m, n, p, s, d0) → same offset, whatever the wiring draw; it grows with s and with noise."""
    m, n, s = 300, 1024, 3
    p = p_for_coverage(n, 48)
    nets = [build_uand(m, n, p, seed, s=s) for seed in range(3)]
    assert len({net.offset for net in nets}) == 1
    assert nets[0].offset == pytest.approx(centred_offset(m, n, p, s))
    assert 0 < centred_offset(m, n, p, 2) < nets[0].offset
    assert centred_offset(m, n, p, s, d0=n) > nets[0].offset
    # Half of the one-active quantile: between half the mean error (s−1)p/2 and the largest readout s−1.
    assert (s - 1) * p / 2 < nets[0].offset < (s - 1) / 2


def test_centred_offset_halves_the_one_sided_error():
    """With clean inputs the plain errors lie in [0, e_max]; the centred ones in about [−c, e_max − c]."""
    m, n, s = 400, 1024, 2
    p = p_for_coverage(n, 48)
    active = sample_active(m, s, 10, 5)
    plain = uand_error(build_uand(m, n, p, 6, readout="plain"), active)
    centred = uand_error(build_uand(m, n, p, 6, s=s), active)
    assert centred.max_error == pytest.approx(max(plain.max_error - centred_offset(m, n, p, s),
                                                  centred_offset(m, n, p, s)), abs=1e-6)
    assert centred.max_error < 0.7 * plain.max_error


def test_clean_max_error_is_the_centred_offset_quantile_and_grows_with_the_inputs():
    m, n, s = 300, 1024, 3
    p = p_for_coverage(n, 48)
    assert clean_max_error(m, n, p, s) == pytest.approx(2 * centred_offset(m, n, p, s), abs=1e-12)
    e1, e40 = clean_max_error(m, n, p, s), clean_max_error(m, n, p, s, n_inputs=40)
    assert (s - 1) * p < e1 <= e40 < s - 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_max_error_predicts_the_measured_worst_one_active_pair(seed):
    """The worst one-active readout over 20 inputs lies within a few lattice steps 1/L of the prediction."""
    m, n, s, batch = 500, 2048, 2, 20
    p = p_for_coverage(n, 48)
    touch = uand_touching_readouts(build_uand(m, n, p, seed, readout="plain"), sample_active(m, s, batch, seed + 10))
    assert abs(np.nanmax(touch.one) - clean_max_error(m, n, p, s, n_inputs=batch)) < 3 / 48


def test_tolerated_noise_std_solves_clean_max_plus_rectified_bias_equals_eps():
    m, n, s, batch = 30000, 25000, 2, 40
    p = p_for_coverage(n, 48)
    e_clean = clean_max_error(m, n, p, s, batch)
    eps = np.array([0.3, 0.5, 1.0])
    sig = tolerated_noise_std(m, n, p, s, eps, batch)
    assert sig.shape == eps.shape and np.all(np.diff(sig) > 0)
    for e_, s0 in zip(eps, sig):
        assert e_clean + predicted_superposed_mean_errors(s, p, s0)["one"] - (s - 1) * p == pytest.approx(e_, abs=1e-9)
    # small p: the rectified bias is about (1 - p)^(s-1) sigma / sqrt(2 pi), so sigma0 is nearly linear in eps
    approx = math.sqrt(2 * math.pi) * (eps - e_clean) / (1 - p) ** (s - 1)
    np.testing.assert_allclose(sig, approx, rtol=0.05)
    assert np.all(sig <= approx + 1e-12)  # the X >= 1 neurons only add bias
    assert isinstance(tolerated_noise_std(m, n, p, s, 0.5, batch), float)
    assert tolerated_noise_std(m, n, p, s, 0.9 * e_clean, batch) == 0.0  # the clean worst case alone exceeds eps


@pytest.mark.parametrize("seed", [101, 202])
def test_centred_uand_reaches_045_at_n384_m1000_on_fresh_inputs(seed):
    """The chapter's headline: m = 1000, s = 2, coverage 48, clean inputs, max over all pairs <= 0.45 at n = 384."""
    m, n, s = 1000, 384, 2
    rng = np.random.default_rng(seed)
    net = build_uand(m, n, p_for_coverage(n, 48), rng, s=s)
    rep = uand_error(net, sample_active(m, s, 40, rng), method="exact")
    assert rep.max_error <= 0.45


def test_wiring_density_and_coverage():
    rng = np.random.default_rng(1)
    net = build_uand(500, 2000, 0.1, rng, readout="plain")
    assert net.wiring.shape == (2000, 500) and net.wiring.dtype == bool
    assert net.wiring.mean() == pytest.approx(0.1, rel=0.02)
    pairs = np.array([[0, 1], [2, 3], [10, 400]])
    cov = net.coverage(pairs)
    np.testing.assert_array_equal(cov, [(net.wiring[:, i] & net.wiring[:, j]).sum() for i, j in pairs])
    assert coverage_for_p(2000, 0.1) == pytest.approx(20.0)
    assert p_for_coverage(2000, 20.0) == pytest.approx(0.1)


def test_first_layer_is_wiring_times_embedding_transpose():
    rng = np.random.default_rng(4)
    E = _unit_columns(rng, 12, 30)
    net = build_uand(30, 50, 0.3, rng, embedding=E, readout="plain")
    W = net.first_layer()
    np.testing.assert_allclose(W, net.wiring @ E.T, atol=1e-5)
    active = sample_active(30, 3, 4, rng)
    x = E[:, active].sum(axis=2).T
    np.testing.assert_allclose(uand_preactivation(net, active), x @ W.T, atol=1e-4)
    np.testing.assert_allclose(uand_hidden(net, active), np.maximum(x @ W.T - 1, 0), atol=1e-4)
    assert net.superposed and net.d0 == 12


def test_superposition_noise_matches_prediction():
    """Pre-activation noise std ≈ sqrt(p m s / d0) (seeded)."""
    rng = np.random.default_rng(6)
    m, d0, n, s = 4000, 1000, 1000, 3
    p = p_for_coverage(n, 16)
    E = sparse_code_embedding(m, d0, 16, rng)
    net = build_uand(m, n, p, rng, embedding=E, readout="plain")
    clean = type(net)(m=m, n=n, p=p, wiring_sparse=net.wiring_sparse)
    active = sample_active(m, s, 30, rng)
    noise = uand_preactivation(net, active) - uand_preactivation(clean, active)
    assert noise.std() == pytest.approx(predicted_noise_std(p, m, s, d0), rel=0.1)


def test_sparse_code_embedding_has_unit_columns_and_interference_variance():
    rng = np.random.default_rng(0)
    E = sparse_code_embedding(2000, 400, 16, rng)
    assert E.shape == (400, 2000) and E.nnz == 16 * 2000
    np.testing.assert_allclose(np.sqrt(E.multiply(E).sum(axis=0)), 1.0, atol=1e-6)
    G = (E[:, :300].T @ E[:, 300:600]).toarray()
    assert G.var() == pytest.approx(1 / 400, rel=0.1)


def test_predictions_and_small_formulas():
    assert predicted_mean_errors(3, 0.1) == pytest.approx({"both": 0.1, "one": 0.2, "neither": 0.3 - 1 + 0.9**3})
    assert rectified_bias(1.0) == pytest.approx(1 / math.sqrt(2 * math.pi))
    assert predicted_noise_std(0.1, 1000, 3, 300) == pytest.approx(1.0)
    best = best_linear_and()
    assert best["max_error"] == pytest.approx(0.25, abs=1e-9)
    assert best["weight"] == pytest.approx(0.5) and best["offset"] == pytest.approx(-0.25)
    assert [width_grid(k) for k in (0, 4, 40)] == [1, 2, 1024]


def test_sample_active_rows_are_distinct_sorted_subsets():
    a = sample_active(10, 10, 5, np.random.default_rng(0))
    np.testing.assert_array_equal(a, np.tile(np.arange(10), (5, 1)))
    b = sample_active(10**6, 4, 1000, np.random.default_rng(1))
    assert np.all(np.diff(b, axis=1) > 0)


def test_targeted_and_brute_force_and_planted_inputs():
    rng = np.random.default_rng(12)
    m, n, q = 40, 300, 12
    gates = np.array([[0, 1], [2, 5], [5, 9], [10, 30], [7, 8]])
    net = build_targeted_and(m, gates, n, q, rng)
    W = net.wiring
    for g, (i, j) in enumerate(gates):
        assert W[net.gate_neurons[g], i].all() and W[net.gate_neurons[g], j].all()
    active = plant_gates(gates, m, 4, 20, rng)
    f = np.zeros((20, m))
    f[np.arange(20)[:, None], active] = 1
    h = np.maximum(f @ W.T.astype(float) - 1, 0)
    expected = np.stack([h[:, net.gate_neurons[g]].mean(axis=1) for g in range(len(gates))], axis=1)
    np.testing.assert_allclose(targeted_readout(net, active), expected, rtol=1e-5, atol=1e-6)
    res = targeted_error(net, active)
    assert res["n_true"] >= 20  # every planted input switches on at least one gate
    assert res["n"] == 20 * len(gates)


def test_smallest_working_width_brackets_a_failure_and_a_success():
    res = smallest_working_width(40, 2, 0.5, coverage=16.0, n_inputs=6, exact_max_m=40, seed=0)
    n_min = res["n_min"]
    assert n_min is not None
    by_n = {e["n"]: e for e in res["evaluated"]}
    assert by_n[n_min]["ok"] and by_n[n_min]["max_error"] <= 0.5
    smaller = [e for e in res["evaluated"] if e["n"] < n_min]
    assert smaller and not max(smaller, key=lambda e: e["n"])["ok"]
    rec = evaluate_width(40, 2, n_min, coverage=16.0, n_inputs=6, exact_max_m=40, seed=0)
    assert rec["max_error"] == by_n[n_min]["max_error"]  # seeded: the same network again


def _fake_widths(monkeypatch, errors):
    """Make smallest_working_width see a prescribed max error at each grid width."""
    import superposition.uand as uand_mod

    def fake(m, s, n, **kwargs):
        return {"n": n, "max_error": errors(n)}

    monkeypatch.setattr(uand_mod, "evaluate_width", fake)


def test_width_search_fails_a_tie_by_default_and_reports_it(monkeypatch):
    # max error 0.6 below n = 512, exactly 0.5 at 512 ... 723, 0.4 from 724 on
    _fake_widths(monkeypatch, lambda n: 0.6 if n < 512 else (0.5 if n < 724 else 0.4))
    strict = smallest_working_width(100, 2, 0.5, k_start=32)
    closed = smallest_working_width(100, 2, 0.5, k_start=32, ties="pass")
    assert strict["n_min"] == 724 and not strict["tie"]
    assert closed["n_min"] == 512 and closed["tie"]
    assert strict["n_ties"] >= 1 and all(e["tie"] == (e["max_error"] == 0.5) for e in strict["evaluated"])


def test_width_search_reports_failing_widths_above_its_result(monkeypatch):
    # passes at 256 and from 431 on, fails at 304 and 362: not monotone in n
    _fake_widths(monkeypatch, lambda n: 0.4 if n == 256 or n >= 431 else 0.6)
    res = smallest_working_width(100, 2, 0.5, k_start=32, confirm=3)
    assert res["n_min"] == 256
    assert res["non_monotone"] == [304, 362]


def test_width_search_rejects_an_unknown_tie_rule():
    with pytest.raises(ValueError, match=r"^ties\b"):
        smallest_working_width(100, 2, 0.5, ties="closed")


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: build_uand(10, 5, 0.0, 0, readout="plain"), "p"),
        (lambda: build_uand(10, 5, 1.5, 0, readout="plain"), "p"),
        (lambda: build_uand(10, 0, 0.5, 0, readout="plain"), "n"),
        (lambda: build_uand(1, 5, 0.5, 0, readout="plain"), "m"),
        (lambda: build_uand(10, 5, 0.5, 0, embedding=np.ones((4, 9)) / 2, readout="plain"), "embedding"),
        (lambda: build_uand(10, 5, 0.5, 0, embedding=np.ones((4, 10)), readout="plain"), "embedding"),
        (lambda: build_uand(10, 5, 0.5, 0), "s"),
        (lambda: build_uand(10, 5, 0.5, 0, s=10), "s"),
        (lambda: build_uand(10, 5, 0.5, 0, readout="centered"), "readout"),
        (lambda: sample_active(5, 6, 1, 0), "s"),
        (lambda: uand_readout(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 1, 2]])), "active"),
        (lambda: uand_readout(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 12]])), "active"),
        (lambda: uand_readout(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([1, 2])), "active"),
        (lambda: uand_readout(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 2]]), np.array([[3, 3]])), "pairs"),
        (lambda: uand_readout(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 2]]), np.array([1, 2, 3])), "pairs"),
        (lambda: uand_error(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 2]]), method="sample"), "rng"),
        (lambda: uand_error(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 2]]), method="fast"), "method"),
        (lambda: uand_error(build_uand(10, 5, 0.5, 0, readout="plain"), np.array([[1, 2]]), threshold=1.0), "threshold"),
        (lambda: predicted_mean_errors(1, 0.1), "s"),
        (lambda: p_for_coverage(10, 20), "coverage"),
        (lambda: build_targeted_and(10, np.array([[1, 2], [2, 1]]), 20, 3, 0), "gates"),
        (lambda: build_targeted_and(10, np.array([[1, 2]]), 20, 30, 0), "q"),
        (lambda: clean_max_error(100, 256, 0.4, 2, n_inputs=0), "n_inputs"),
        (lambda: tolerated_noise_std(100, 256, 0.4, 2, 0.0), "eps"),
        (lambda: tolerated_noise_std(100, 256, 0.4, 2, [0.5, -1.0]), "eps"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


def test_all_pairs_readout_refuses_huge_requests():
    net = build_uand(20000, 4, 0.01, 0, readout="plain")
    with pytest.raises(ValueError, match="pass pairs"):
        uand_readout(net, np.array([[1, 2]] * 2))


@pytest.mark.parametrize("superposed", [False, True])
def test_plot_error_histograms_draws_three_cases(superposed):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plot_error_histograms(m=200, n=512, s=3, superposed=superposed, seed=0, batch=5)
    ax = fig.axes[0]
    assert len(ax.get_legend().get_texts()) == 3
    assert "readout units" in ax.get_xlabel()
    plt.close(fig)
