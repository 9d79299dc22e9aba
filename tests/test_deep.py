"""Specification of superposition.deep (Chapter 5): sparse circuits computed layer after layer."""

import itertools

import numpy as np
import pytest

from superposition.deep import (
    MONOTONE,
    build_deep_network,
    count_wrong_bits,
    false_fire_probability,
    first_wrong_layer,
    greedy_attack,
    largest_width,
    random_sparse_circuit,
    readout_spread,
    run_mlp,
)


def _all_inputs(m, k):
    return np.array(list(itertools.combinations(range(m), k)), dtype=np.int64)


@pytest.fixture(scope="module", params=["vote", "unit"])
def small(request):
    rng = np.random.default_rng(5)
    circ = random_sparse_circuit(12, 4, 2, rng)
    return circ, build_deep_network(circ, 512, 2, rng, construction=request.param)


def test_circuit_never_gains_active_features():
    rng = np.random.default_rng(0)
    circ = random_sparse_circuit(64, 10, 6, rng)
    states = circ.evaluate_dense(circ.switching_inputs(200, rng))
    counts = np.stack([s.sum(axis=1) for s in states])
    assert (np.diff(counts, axis=0) <= 0).all()


def test_gates_read_a_matched_pair_and_every_feature_feeds_one_or_two_gates():
    rng = np.random.default_rng(1)
    circ = random_sparse_circuit(32, 3, 2, rng)
    for a, b, g, part in zip(circ.in_a, circ.in_b, circ.gate, circ.partner):
        assert np.array_equal(b[g != 0], part[a[g != 0]]) and np.array_equal(b[g == 0], a[g == 0])
        uses = np.bincount(a, minlength=32) + np.bincount(b[g != 0], minlength=32)
        assert set(np.unique(uses).tolist()) <= {1, 2}


def test_evaluate_layer_zero_is_the_input():
    rng = np.random.default_rng(2)
    circ = random_sparse_circuit(20, 2, 3, rng)
    act = circ.random_inputs(5, rng)
    assert all(np.array_equal(out, row) for out, row in zip(circ.evaluate(act, layer=0), act))


def test_evaluate_matches_gate_definitions():
    rng = np.random.default_rng(3)
    circ = random_sparse_circuit(16, 1, 2, rng)
    act = _all_inputs(16, 2)
    f0, f1 = circ.evaluate_dense(act)
    a, b, g = f0[:, circ.in_a[0]], f0[:, circ.in_b[0]], circ.gate[0]
    expect = {0: a, 1: a & b, 2: a | b, 3: a & ~b}
    for code, val in expect.items():
        assert np.array_equal(f1[:, g == code], val[:, g == code])


def test_network_is_exact_on_every_input_of_a_small_circuit(small):
    circ, net = small
    for k in (1, 2):
        act = _all_inputs(circ.m, k)
        truth = circ.evaluate_dense(act)
        for layer in range(circ.depth + 1):
            assert np.array_equal(net.predict_dense(act, layer), truth[layer]), (k, layer)


def test_predict_has_the_format_of_evaluate(small):
    circ, net = small
    act = _all_inputs(circ.m, 2)[:7]
    got, want = net.predict(act, layer=2), circ.evaluate(act, layer=2)
    assert len(got) == len(want) and all(np.array_equal(x, y) for x, y in zip(got, want))


@pytest.mark.parametrize("construction", ["vote", "unit"])
@pytest.mark.parametrize("ec", [True, False])
def test_exported_mlp_equals_predict(ec, construction):
    rng = np.random.default_rng(7)
    circ = random_sparse_circuit(64, 3, 3, rng)
    net = build_deep_network(circ, 256, 3, rng, error_correction=ec, construction=construction)
    act = np.concatenate([circ.random_inputs(40, rng), circ.switching_inputs(40, rng)])
    for layer in (1, 3):
        mlp = net.as_mlp(layer)
        assert all(w.shape == (256, 256) if not isinstance(w, tuple) else (w[0] @ w[1]).shape == (256, 256)
                   for w in mlp["weights"][1:])
        got = run_mlp(mlp, act)
        want = net.predict(act, layer)
        assert all(np.array_equal(x, y) for x, y in zip(got, want))


def test_correction_keeps_switching_inputs_right_where_plain_gates_fail():
    rng = np.random.default_rng(11)
    circ = random_sparse_circuit(256, 8, 4, rng)
    act = circ.switching_inputs(128, rng)
    with_ec = build_deep_network(circ, 2048, 4, np.random.default_rng(12), error_correction=True, construction="unit")
    without = build_deep_network(circ, 2048, 4, np.random.default_rng(12), error_correction=False, construction="unit")
    assert count_wrong_bits(with_ec, act).sum() == 0
    assert count_wrong_bits(without, act).sum() > 0


def test_vote_correction_keeps_a_circuit_twice_as_wide_as_the_network_right_where_plain_gates_fail():
    rng = np.random.default_rng(13)
    circ = random_sparse_circuit(8192, 4, 4, rng, kinds=MONOTONE)
    act = np.concatenate([circ.random_inputs(64, rng), circ.switching_inputs(64, rng)])
    with_ec = build_deep_network(circ, 4096, 4, np.random.default_rng(14), error_correction=True)
    without = build_deep_network(circ, 4096, 4, np.random.default_rng(14), error_correction=False)
    assert count_wrong_bits(with_ec, act).sum() == 0
    assert count_wrong_bits(without, act).sum() > 0


def test_vote_correction_never_loses_an_on_feature_of_a_monotone_circuit_even_when_overloaded():
    rng = np.random.default_rng(15)
    circ = random_sparse_circuit(8192, 6, 4, rng, kinds=MONOTONE)
    act = np.concatenate([circ.random_inputs(32, rng), circ.switching_inputs(32, rng)])
    net = build_deep_network(circ, 512, 4, np.random.default_rng(16))
    truth = circ.evaluate_dense(act)
    wrong = 0
    for layer, yhat in net.reads(act):
        assert (yhat[truth[layer]] > net.tau).all()
        wrong += int(((yhat > net.tau) != truth[layer]).sum())
    assert wrong > 0  # overloaded: false ones appear, but never a lost one


def test_first_wrong_layer_is_none_when_all_right_and_the_first_bad_layer_otherwise():
    rng = np.random.default_rng(11)
    circ = random_sparse_circuit(256, 8, 4, rng)
    act = circ.switching_inputs(128, rng)
    net = build_deep_network(circ, 2048, 4, np.random.default_rng(12), error_correction=False, construction="unit")
    wrong = count_wrong_bits(net, act)
    assert first_wrong_layer(net, act) == int(np.flatnonzero(wrong)[0])
    net_ec = build_deep_network(circ, 2048, 4, np.random.default_rng(12))
    assert first_wrong_layer(net_ec, act) is None


def test_readout_spread_of_a_clean_network_stays_within_the_threshold(small):
    circ, net = small
    sp_ = readout_spread(net, _all_inputs(circ.m, 2))
    assert (sp_["off_max"] < net.tau).all() and (sp_["on_min"] > net.tau).all()


def test_greedy_attack_returns_a_valid_set_whose_margin_it_reports():
    rng = np.random.default_rng(4)
    circ = random_sparse_circuit(128, 6, 4, rng)
    net = build_deep_network(circ, 1024, 4, rng, error_correction=False)
    worst, margin = greedy_attack(net, np.random.default_rng(0), pool=16, restarts=2)
    assert worst.shape == (4,) and len(set(worst.tolist())) == 4
    wrong = count_wrong_bits(net, worst[None, :]).sum()
    assert (margin < 0) == (wrong > 0)


def test_largest_width_is_a_grid_point_or_zero():
    got = largest_width(256, 4, 2, m_grid=[16, 32, 64], batch=16)
    assert got in (0, 16, 32, 64)


def test_parameter_counts_report_width_d_at_every_layer(small):
    circ, net = small
    pc = net.parameter_counts()
    assert pc["neurons"] == pc["hidden_layers"] * 512 and pc["width"] == 512 and pc["nonzero_weights"] > 0
    assert pc["hidden_layers"] in (circ.depth, 2 * circ.depth)


@pytest.mark.parametrize("kwargs, name", [
    (dict(m=7, depth=2, s=2), "m"),
    (dict(m=8, depth=0, s=2), "depth"),
    (dict(m=8, depth=2, s=9), "s"),
    (dict(m=8, depth=2, s=2, kinds=(1, -1, 0)), "kinds"),
])
def test_random_sparse_circuit_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        random_sparse_circuit(rng=0, **kwargs)


def test_build_deep_network_rejects_bad_arguments():
    circ = random_sparse_circuit(16, 2, 2, 0)
    with pytest.raises(ValueError, match="d"):
        build_deep_network(circ, 4, 2, 0)
    with pytest.raises(ValueError, match="s"):
        build_deep_network(circ, 64, 3, 0)
    with pytest.raises(ValueError, match="copies"):
        build_deep_network(circ, 64, 2, 0, copies=0)
    with pytest.raises(ValueError, match="construction"):
        build_deep_network(circ, 64, 2, 0, construction="dense")
    with pytest.raises(TypeError, match="error_correction"):
        build_deep_network(circ, 64, 2, 0, error_correction="yes")
    with pytest.raises(TypeError, match="circuit"):
        build_deep_network("circuit", 64, 2, 0)


def test_predict_rejects_bad_active_sets_and_layers(small):
    circ, net = small
    with pytest.raises(ValueError, match="active"):
        net.predict(np.array([[0, 12]]))
    with pytest.raises(ValueError, match="active"):
        net.predict(np.array([[1, 1]]))
    with pytest.raises(ValueError, match="active"):
        net.predict(np.array([[0, 1, 2]]))
    with pytest.raises(ValueError, match="layer"):
        net.predict(np.array([[0, 1]]), layer=circ.depth + 1)
    with pytest.raises(ValueError, match="layer"):
        net.as_mlp(0)


def test_false_fire_probability_is_a_poisson_tail_that_depends_on_m_over_d_squared():
    from scipy.stats import poisson

    lam = 1.5 * 4 * 8192 * 5**3 / 4096**2
    assert np.isclose(false_fire_probability(8192, 4096, 4, 5), poisson.sf(4, lam))
    assert np.isclose(false_fire_probability(4 * 8192, 2 * 4096, 4, 5), false_fire_probability(8192, 4096, 4, 5))
    assert false_fire_probability(8192, 4096, 4, 5) < false_fire_probability(16384, 4096, 4, 5)
