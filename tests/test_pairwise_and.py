"""Specification of superposition.pairwise_and: the book's construction for m′ chosen pairwise ANDs."""

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import superposition.pairwise_and as pa
from superposition.pairwise_and import (
    build_pairwise_and,
    chung_lu_pairs,
    count_wrong_bits,
    hub_inputs,
    mixed_inputs,
    planted_inputs,
    smallest_width,
    uniform_inputs,
    uniform_pairs,
)


def truth(pairs, active):
    """Reference: ids of the pairs with both endpoints active, by brute force."""
    on = set(int(a) for a in active)
    return np.array([e for e, (u, v) in enumerate(pairs) if u in on and v in on], dtype=np.int64)


@pytest.fixture(scope="module")
def small():
    m, mp = 14, 30
    pairs = uniform_pairs(m, mp, np.random.default_rng(3))
    net = build_pairwise_and(pairs, m, 4096, 3, np.random.default_rng(4))
    return m, pairs, net


# ---- exact correctness -----------------------------------------------------------------------------
@pytest.mark.parametrize("s", [2, 3])
def test_every_s_sparse_input_of_a_small_instance_is_decoded_exactly(small, s):
    m, pairs, _ = small
    net = build_pairwise_and(pairs, m, 4096, s, np.random.default_rng(5))
    active = np.array(list(itertools.combinations(range(m), s)))
    predicted = net.predict(active)
    for row, got in zip(active, predicted):
        np.testing.assert_array_equal(got, truth(pairs, row))


def test_verifier_counts_zero_wrong_bits_exactly_when_predict_is_right(small):
    m, pairs, net = small
    active = np.array(list(itertools.combinations(range(m), 3)))
    r = count_wrong_bits(net, active)
    assert r.total_wrong == 0
    assert r.n_true.sum() == sum(truth(pairs, row).size for row in active)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.sampled_from([16, 64, 2048]))
@example(seed=900, n=16)  # a one-pair graph with s = 4: planted inputs once looped and raised
def test_verifier_wrong_bits_equal_the_symmetric_difference_of_predict_and_truth(seed, n):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(8, 40))
    mp = int(rng.integers(1, min(60, m * (m - 1) // 2) + 1))
    pairs = uniform_pairs(m, mp, rng)
    s = int(rng.integers(2, 5))
    net = build_pairwise_and(pairs, m, n, s, rng)
    active, _ = mixed_inputs(pairs, m, s, 4, rng)
    r = count_wrong_bits(net, active)
    for i, (row, got) in enumerate(zip(active, net.predict(active))):
        want = truth(pairs, row)
        assert r.wrong[i] == np.setxor1d(got, want).size
        assert r.n_true[i] == want.size


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_generous_width_decodes_random_instances_exactly(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(10, 30))
    pairs = uniform_pairs(m, int(rng.integers(1, 40)), rng)
    net = build_pairwise_and(pairs, m, 4096, 3, rng)
    active, _ = mixed_inputs(pairs, m, 3, 6, rng)
    assert count_wrong_bits(net, active).total_wrong == 0


def test_output_blocks_do_not_change_the_result(small, monkeypatch):
    m, pairs, net = small
    active, _ = mixed_inputs(pairs, m, 3, 10, np.random.default_rng(0))
    full = count_wrong_bits(net, active)
    monkeypatch.setattr(pa, "_ROW_CHUNK", 7)
    chunked = count_wrong_bits(net, active)
    np.testing.assert_array_equal(full.wrong, chunked.wrong)
    np.testing.assert_allclose(full.max_false, chunked.max_false, rtol=1e-5)


def test_output_blocks_do_not_change_predict(small, monkeypatch):
    m, pairs, net = small
    active, _ = mixed_inputs(pairs, m, 3, 10, np.random.default_rng(0))
    full = [list(p) for p in net.predict(active)]
    monkeypatch.setattr(pa, "_ROW_CHUNK", 7)
    assert [list(p) for p in net.predict(active)] == full
    assert any(len(p) for p in full)  # the comparison covers inputs with true outputs


# ---- the factors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sparse_factor_forward_pass_equals_dense_W_equals_C_times_D(seed):
    rng = np.random.default_rng(seed)
    m, mp, n, s = 40, 120, 96, 3
    pairs = uniform_pairs(m, mp, rng)
    net = build_pairwise_and(pairs, m, n, s, rng)
    active = uniform_inputs(m, s, 12, rng)
    W1, W2 = net.dense_weights()
    x = net.embed(active).astype(np.float64)
    h_dense = np.maximum(W1 @ x - net.theta, 0.0)
    y_dense = W2 @ h_dense
    np.testing.assert_allclose(net.hidden(net.embed(active)), h_dense, atol=1e-5)
    np.testing.assert_allclose(net.forward(active), y_dense, atol=1e-4)
    decoded = net.E_out_T.toarray() @ y_dense > net.tau
    assert [list(np.flatnonzero(c)) for c in decoded.T] == [list(p) for p in net.predict(active)]


def test_input_code_has_unit_norm_columns_and_B_is_zero_one(small):
    _, _, net = small
    norms = np.sqrt(np.asarray(net.E_in_T.multiply(net.E_in_T).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    assert set(np.unique(net.B.data)) == {1.0}


def test_each_pair_is_read_from_its_L_copies_with_total_weight_one_over_two_minus_theta(small):
    _, _, net = small
    np.testing.assert_allclose(np.asarray(net.R.sum(axis=1)).ravel(), 1.0 / (2.0 - net.theta), rtol=1e-5)


def test_every_neuron_of_a_pair_holds_both_endpoints(small):
    _, pairs, net = small
    for e in range(pairs.shape[0]):
        ks = net.R[e].indices
        assert np.all(net.B[ks][:, pairs[e]].toarray() == 1)


def test_edges_are_routed_through_their_higher_degree_endpoint():
    pairs = np.array([[0, 1], [0, 2], [0, 3], [3, 4]])
    net = build_pairwise_and(pairs, 5, 64, 2, np.random.default_rng(0))
    np.testing.assert_array_equal(net.centre, [0, 0, 0, 3])


def test_parameter_counts_report_factor_nonzeros_and_dense_sizes(small):
    _, pairs, net = small
    pc = net.parameter_counts()
    assert pc["C1"] == net.B.nnz and pc["D2"] == net.R.nnz and pc["C2"] == net.E_out_T.nnz
    assert pc["dense_W1"] == pc["dense_W2"] == net.n**2
    assert pc["factors_total"] == pc["D1"] + pc["C1"] + pc["D2"] + pc["C2"]
    assert pc["D2"] <= net.L * pairs.shape[0]


def test_switching_off_every_error_source_leaves_only_exact_and_gates(small):
    m, pairs, net = small
    active, _ = mixed_inputs(pairs, m, 3, 20, np.random.default_rng(1))
    r = count_wrong_bits(net, active, input_superposition=False, output_superposition=False, co_occurrence=False)
    assert r.total_wrong == 0
    np.testing.assert_allclose(r.min_true[np.isfinite(r.min_true)], 1.0, rtol=1e-5)
    assert r.max_false.max() <= 1e-6


def test_co_occurrence_makes_a_neuron_fire_on_two_unrelated_active_features():
    # pairs (0,1) and (2,3) share every neuron when n = 1: the ReLU fires on 0 and 2 alone.
    pairs = np.array([[0, 1], [2, 3]])
    net = build_pairwise_and(pairs, 4, 1, 2, np.random.default_rng(0), L=2)
    active = np.array([[0, 2]])
    on = count_wrong_bits(net, active, input_superposition=False, output_superposition=False)
    off = count_wrong_bits(net, active, input_superposition=False, output_superposition=False, co_occurrence=False)
    assert on.total_wrong == 2 and off.total_wrong == 0


# ---- generators ------------------------------------------------------------------------------------
def test_uniform_pairs_are_distinct_sorted_and_in_range():
    p = uniform_pairs(50, 600, np.random.default_rng(0))
    assert p.shape == (600, 2) and np.all(p[:, 0] < p[:, 1]) and p.max() < 50
    assert np.unique(p[:, 0] * 50 + p[:, 1]).size == 600


def test_chung_lu_pairs_have_heavier_hubs_than_uniform_pairs():
    rng = np.random.default_rng(0)
    u = np.bincount(uniform_pairs(2000, 8000, rng).ravel()).max()
    c = chung_lu_pairs(2000, 8000, rng).ravel()
    assert np.unique(c.reshape(-1, 2), axis=0).shape[0] == 8000
    assert np.bincount(c).max() > 5 * u


def test_uniform_inputs_have_s_distinct_features():
    a = uniform_inputs(30, 5, 200, np.random.default_rng(0))
    assert a.shape == (200, 5) and all(len(set(r)) == 5 for r in a) and a.max() < 30


def test_planted_inputs_switch_on_at_least_s_over_2_outputs():
    rng = np.random.default_rng(0)
    pairs = uniform_pairs(500, 400, rng)
    a = planted_inputs(pairs, 500, 4, 100, rng)
    assert all(len(set(r)) == 4 for r in a)
    assert all(truth(pairs, r).size >= 2 for r in a)


def test_planted_inputs_on_a_one_pair_graph_plant_the_pair_and_pad_with_random_features():
    pairs = np.array([[9, 13]])
    a = planted_inputs(pairs, 27, 4, 50, np.random.default_rng(0))
    assert a.shape == (50, 4) and all(len(set(r)) == 4 for r in a) and a.max() < 27
    assert all({9, 13} <= set(r.tolist()) for r in a)
    assert len(np.unique(a[:, 2:])) > 5  # the padding is random, not a fixed filler


def test_planted_inputs_on_a_star_plant_one_pair_when_no_two_pairs_are_disjoint():
    pairs = np.array([[0, v] for v in range(1, 6)])  # a star: every two pairs share feature 0
    a = planted_inputs(pairs, 12, 6, 40, np.random.default_rng(1))
    assert all(len(set(r)) == 6 for r in a)
    assert all(truth(pairs, r).size >= 1 for r in a)


def test_planted_inputs_plant_s_over_2_disjoint_pairs_when_they_exist_even_if_rare():
    # a path 0-1-2-3: only (0,1) and (2,3) are disjoint; random draws rarely find them
    pairs = np.array([[0, 1], [1, 2], [2, 3]])
    a = planted_inputs(pairs, 4, 4, 20, np.random.default_rng(2))
    assert all(sorted(r.tolist()) == [0, 1, 2, 3] for r in a)


def test_uniform_inputs_with_s_equal_m_are_permutations():
    a = uniform_inputs(6, 6, 30, np.random.default_rng(0))
    assert all(sorted(r.tolist()) == list(range(6)) for r in a)


def test_hub_inputs_on_a_tiny_graph_have_distinct_features():
    pairs = np.array([[0, 1], [0, 2]])
    a = hub_inputs(pairs, 8, 5, 30, np.random.default_rng(0))
    assert all(len(set(r)) == 5 for r in a) and a.max() < 8
    assert np.all(a[:, 0] == 0)


def test_greedy_matching_returns_disjoint_pairs_and_stops_at_k():
    pairs = np.array([[0, 1], [1, 2], [2, 3], [4, 5]])
    np.testing.assert_array_equal(pa.greedy_matching(pairs), [0, 2, 3])
    np.testing.assert_array_equal(pa.greedy_matching(pairs, 2), [0, 2])


def test_hub_inputs_are_a_high_degree_feature_and_its_neighbours():
    rng = np.random.default_rng(0)
    pairs = chung_lu_pairs(1000, 3000, rng)
    a = hub_inputs(pairs, 1000, 4, 100, rng)
    deg = np.bincount(pairs.ravel(), minlength=1000)
    edges = set(map(tuple, np.sort(pairs, axis=1).tolist()))
    assert all(len(set(r)) == 4 for r in a)
    for r in a:
        if deg[r[0]] >= 3:
            assert all(tuple(sorted((int(r[0]), int(v)))) in edges for v in r[1:])
    assert np.median(deg[a[:, 0]]) > 3 * np.median(deg[deg > 0])


def test_mixed_inputs_label_each_kind():
    pairs = uniform_pairs(100, 200, np.random.default_rng(0))
    a, kinds = mixed_inputs(pairs, 100, 4, 5, np.random.default_rng(1))
    assert a.shape == (15, 4) and list(kinds) == ["uniform"] * 5 + ["planted"] * 5 + ["hub"] * 5


def test_smallest_width_returns_a_width_that_passes_and_records_its_trials():
    pairs = uniform_pairs(60, 80, np.random.default_rng(0))
    res = smallest_width(pairs, 60, 3, builds=2, per_kind=4, n_lo=16, n_hi=4096)
    assert res["tried"][res["n_min"]] == 0
    assert all(v > 0 for n, v in res["tried"].items() if n < res["n_min"])


# ---- bad input -------------------------------------------------------------------------------------
GOOD = np.array([[0, 1], [1, 2]])


@pytest.mark.parametrize(
    "pairs, m, n, s, name",
    [
        (np.array([[0, 1], [1, 0]]), 5, 8, 2, "pairs"),  # repeated (either orientation)
        (np.array([[0, 1], [2, 2]]), 5, 8, 2, "pairs"),  # self pair
        (np.array([[0, 1], [1, 5]]), 5, 8, 2, "pairs"),  # index >= m
        (np.array([[0, -1]]), 5, 8, 2, "pairs"),
        (np.zeros((2, 3), int), 5, 8, 2, "pairs"),
        (GOOD, 5, 0, 2, "n"),
        (GOOD, 5, 8, 1, "s"),
        (GOOD, 1, 8, 2, "m"),
    ],
)
def test_bad_construction_arguments_raise_value_error_naming_the_parameter(pairs, m, n, s, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        build_pairwise_and(pairs, m, n, s, np.random.default_rng(0))


@pytest.mark.parametrize("active", [[[0, 5]], [[0, 0]], [[-1, 2]]])
def test_bad_active_sets_raise_value_error_naming_active(active):
    net = build_pairwise_and(GOOD, 5, 8, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="^active"):
        net.predict(np.array(active))
    with pytest.raises(ValueError, match="^active"):
        count_wrong_bits(net, np.array(active))


def test_unseeded_rng_is_refused():
    with pytest.raises(TypeError, match=r"^rng\b"):
        build_pairwise_and(GOOD, 5, 8, 2, None)


def test_dense_weights_refuse_a_huge_width():
    net = build_pairwise_and(GOOD, 5, 5000, 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="sparse factors"):
        net.dense_weights()


# ---- the plain-matrix export -------------------------------------------------------------------------
@pytest.mark.parametrize("graph, n", [("uniform", 96), ("uniform", 4096), ("heavy", 300)])
def test_predicting_through_the_export_equals_net_predict(graph, n):
    rng = np.random.default_rng(11)
    m, mp, s = 60, 200, 4
    pairs = uniform_pairs(m, mp, rng) if graph == "uniform" else chung_lu_pairs(m, mp, rng)
    net = build_pairwise_and(pairs, m, n, s, rng)
    active, _ = mixed_inputs(pairs, m, s, 20, rng)  # random, planted and hub inputs
    got = pa.predict_mlp(net.as_mlp(), active)
    want = net.predict(active)
    assert [list(g) for g in got] == [list(w) for w in want]
    assert sum(len(w) for w in want) > 0


def test_export_describes_the_documented_shapes():
    rng = np.random.default_rng(0)
    pairs = uniform_pairs(30, 50, rng)
    net = build_pairwise_and(pairs, 30, 64, 3, rng)
    mlp = net.as_mlp()
    assert mlp["E_in"].shape == (64, 30) and mlp["E_out"].shape == (64, 50)
    assert [pa._shape_of(W) for W in mlp["weights"]] == [(64, 64), (64, 64)]
    assert [b.shape for b in mlp["biases"]] == [(64,), (64,)] and mlp["tau"] == net.tau


def test_export_forward_pass_equals_the_network_output_vector():
    rng = np.random.default_rng(1)
    pairs = uniform_pairs(40, 90, rng)
    net = build_pairwise_and(pairs, 40, 128, 3, rng)
    active = uniform_inputs(40, 3, 10, rng)
    np.testing.assert_allclose(pa.mlp_forward(net.as_mlp(), active), net.forward(active), atol=1e-5)
    vals = pa.mlp_output_values(net.as_mlp(), active, np.array([0, 5]))
    np.testing.assert_allclose(vals, (net.E_out_T[[0, 5]] @ net.forward(active)).T, atol=1e-5)


def test_a_dense_export_with_two_hidden_layers_is_evaluated_layer_by_layer():
    # x = E_in f; h1 = ReLU(W1 x + b1); h2 = ReLU(W2 h1 + b2); y = W3 h2 + b3
    E_in = np.eye(3, dtype=np.float32)
    W1, b1 = np.ones((1, 3), np.float32), np.array([-1.0], np.float32)  # fires when ≥ 2 features are on
    W2, b2 = np.array([[2.0]], np.float32), np.array([0.0], np.float32)
    W3, b3 = np.array([[1.0]], np.float32), np.array([0.0], np.float32)
    mlp = {"E_in": E_in, "weights": [W1, W2, W3], "biases": [b1, b2, b3], "E_out": np.ones((1, 1)), "tau": 1.0}
    assert [list(p) for p in pa.predict_mlp(mlp, np.array([[0, 1], [0, 2]]))] == [[0], [0]]
    assert [list(p) for p in pa.predict_mlp(mlp, np.array([[0]]))] == [[]]


def test_a_malformed_export_is_refused_naming_the_entry():
    net = build_pairwise_and(GOOD, 5, 8, 2, np.random.default_rng(0))
    mlp = net.as_mlp()
    with pytest.raises(ValueError, match=r"^mlp must have the key 'tau'"):
        pa.predict_mlp({k: v for k, v in mlp.items() if k != "tau"}, np.array([[0, 1]]))
    bad = dict(mlp, biases=[np.zeros(3), np.zeros(8)])
    with pytest.raises(ValueError, match=r"^mlp\['weights'\]\[0\]"):
        pa.predict_mlp(bad, np.array([[0, 1]]))


# ---- constructions ---------------------------------------------------------------------------------
def _digest(net):
    import hashlib

    h = hashlib.sha256()
    for a in (net.B.indices, net.B.indptr, net.R.data, net.R.indices, net.E_in_T.data, net.E_in_T.indices,
              net.E_out_T.indices):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def test_construction_v1_builds_exactly_the_first_edition_network_for_the_same_seed():
    # digest recorded from the first edition's build_pairwise_and (before `construction` existed)
    rng = np.random.default_rng(123)
    pairs = chung_lu_pairs(200, 900, rng)
    net = build_pairwise_and(pairs, 200, 300, 4, rng, construction="v1")
    assert _digest(net) == "d68e2fb074b80a25" and (net.tau, net.theta) == (0.6, 1.15)


def test_the_default_v2_wires_the_same_neurons_and_asks_for_a_larger_vote():
    pairs = uniform_pairs(100, 300, np.random.default_rng(0))
    v1 = build_pairwise_and(pairs, 100, 256, 4, np.random.default_rng(1), construction="v1")
    v2 = build_pairwise_and(pairs, 100, 256, 4, np.random.default_rng(1))
    assert v2.options["construction"] == "v2" and (v2.tau, v2.theta) == (0.8, 1.05)
    assert (v1.B != v2.B).nnz == 0 and np.array_equal(v1.chunk_neuron, v2.chunk_neuron)
    assert build_pairwise_and(pairs, 100, 256, 4, np.random.default_rng(1), tau=0.7).tau == 0.7


def test_an_unknown_construction_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"^construction must be one of \['v1', 'v2'\]"):
        build_pairwise_and(GOOD, 5, 8, 2, np.random.default_rng(0), construction="v3")


# ---- rounding --------------------------------------------------------------------------------------
def test_rounding_to_b_bits_leaves_at_most_2_to_the_b_minus_1_levels_per_array():
    rng = np.random.default_rng(0)
    pairs = uniform_pairs(50, 200, rng)
    net = build_pairwise_and(pairs, 50, 256, 4, rng)
    q = pa.round_weights(net, 3)
    for a in (q["E_in"], q["weights"][0][1], q["weights"][1][1], q["E_out"]):
        assert np.unique(np.abs(a.data)).size <= 2 ** 2 - 1 + 1
    np.testing.assert_allclose(pa.round_weights(net, 32)["E_in"].toarray(), net.as_mlp()["E_in"].toarray(), rtol=1e-6)


def test_the_smallest_exact_bits_keep_the_predictions_and_one_bit_fewer_does_not():
    rng = np.random.default_rng(1)
    pairs = uniform_pairs(60, 300, rng)
    net = build_pairwise_and(pairs, 60, 1024, 4, rng)
    active, _ = mixed_inputs(pairs, 60, 4, 20, rng)
    b = pa.smallest_exact_bits(net, active)
    assert b is not None and b >= 2
    want = [list(p) for p in net.predict(active)]
    assert [list(p) for p in pa.predict_mlp(pa.round_weights(net, b), active)] == want
    if b > 2:
        assert [list(p) for p in pa.predict_mlp(pa.round_weights(net, b - 1), active)] != want


def test_rounding_refuses_one_bit():
    with pytest.raises(ValueError, match=r"^bits\b"):
        pa.round_weights(build_pairwise_and(GOOD, 5, 8, 2, np.random.default_rng(0)), 1)


# ---- gated hub blocks ------------------------------------------------------------------------------
def star(delta):
    """One hub (feature 0) joined to each of ``delta`` leaves."""
    return np.array([[0, j] for j in range(1, delta + 1)])


@pytest.fixture(scope="module")
def hub_star():
    delta, s, w = 40, 3, 3  # p = 7 and w·p = 21 < 40: cells from lines over F_7
    net = build_pairwise_and(star(delta), delta + 1, 2000, s, np.random.default_rng(5), hub_degree=delta,
                             hub_cells=w)
    active = np.array(list(itertools.combinations(range(delta + 1), s)))
    return net, active, s, w


def test_exact_values_in_slices_equal_the_formula_in_one_piece(hub_star):
    net, active, s, w = hub_star  # 10 660 inputs, more than one slice of the hidden layer at n = 2000
    F = np.zeros((net.m, len(active)), np.float32)
    F[active.T, np.arange(len(active))] = 1.0
    whole = net.R @ np.maximum(net.B @ F - net.bias[:, None], 0.0)
    np.testing.assert_array_equal(net.exact_values(active), whole)


def test_a_hub_block_is_silent_on_every_input_with_the_hub_off(hub_star):
    net, active, s, w = hub_star
    off = active[(active != 0).all(axis=1)]
    assert np.abs(net.exact_values(off)).max() == 0.0


def test_an_open_hub_block_reads_at_most_s_minus_1_over_w_on_every_false_output(hub_star):
    net, active, s, w = hub_star
    on = active[(active == 0).any(axis=1)]
    vals = net.exact_values(on)  # row e is the pair (0, e + 1)
    truth_ = np.zeros_like(vals, bool)
    for col, row in enumerate(on):
        truth_[row[row > 0] - 1, col] = True
    alpha = 2 * net.tau / (1 + (s - 1) / w)  # the readout scale that centres τ between false and true
    assert vals[truth_].min() >= alpha - 1e-6
    assert vals[~truth_].max() <= alpha * (s - 1) / w + 1e-6
    assert vals[~truth_].max() >= alpha / w - 1e-6  # the bound is reached: leaves do share cells


def test_two_leaves_of_a_hub_share_at_most_one_cell(hub_star):
    net, *_ = hub_star
    cells = net.B[net.n - net.n_blocks:net.n - 1, 1:].toarray()  # block cells × leaves (reference neuron last)
    overlap = cells.T @ cells
    assert (np.diag(overlap) == 3).all() and (overlap - np.diag(np.diag(overlap))).max() == 1


def test_a_network_with_default_hub_blocks_decodes_every_3_sparse_input_of_a_star_exactly():
    delta = 100  # p = 11 and 8·11 = 88 < 100: eight cells per leaf
    net = build_pairwise_and(star(delta), delta + 1, 3000, 3, np.random.default_rng(6), hub_degree=delta)
    assert net.n_blocks == 8 * 11 + 1
    active = np.array(list(itertools.combinations(range(delta + 1), 3)))
    assert count_wrong_bits(net, active).total_wrong == 0


def test_hub_block_cost_counts_cells_plus_one_reference_neuron():
    assert list(pa.hub_block_cost([40, 3190])) == [41, 8 * 59 + 1]  # identity cells; lines over F_59
    assert list(pa.hub_block_cost([40], w=3)) == [3 * 7 + 1]


def test_the_blocks_take_exactly_their_cost_from_the_width(hub_star):
    net, *_ = hub_star
    assert net.n_blocks == int(pa.hub_block_cost([40], w=3)[0]) and list(net.hubs) == [0]
    assert np.allclose(net.bias[:net.n - net.n_blocks], net.theta)


def test_a_width_that_cannot_hold_the_hub_blocks_is_refused_naming_n():
    with pytest.raises(pa.WidthTooSmall, match=r"^n must exceed the 41 neurons"):
        build_pairwise_and(star(40), 41, 41, 3, np.random.default_rng(0), hub_degree=40)
    assert issubclass(pa.WidthTooSmall, ValueError)


def test_predicting_through_the_export_equals_net_predict_with_hub_blocks():
    rng = np.random.default_rng(12)
    m, mp, s = 300, 1200, 4
    pairs = chung_lu_pairs(m, mp, rng)
    net = build_pairwise_and(pairs, m, 1500, s, rng, hub_degree=20)
    assert net.n_blocks > 0
    active, _ = mixed_inputs(pairs, m, s, 20, rng, kinds=pa.INPUT_KINDS)
    got = pa.predict_mlp(net.as_mlp(), active)
    want = net.predict(active)
    assert [list(g) for g in got] == [list(w) for w in want]
    assert sum(len(w) for w in want) > 0


def test_switching_off_co_occurrence_is_refused_on_a_network_with_hub_blocks(hub_star):
    net, active, *_ = hub_star
    with pytest.raises(ValueError, match="co_occurrence"):
        count_wrong_bits(net, active[:4], co_occurrence=False)


def test_the_cost_model_charges_blocks_and_relieves_the_shared_load_as_the_threshold_falls():
    rng = np.random.default_rng(0)
    pairs = chung_lu_pairs(2000, 20000, rng)
    t = pa.hub_cost_model(pairs, 2000, 8000)
    assert t["hubs"][-1] == 0 and t["block_neurons"][-1] == 0 and t["delta_star"][-1] == t["no_hubs"]
    assert (np.diff(t["block_neurons"]) <= 0).all() and (np.diff(t["kappa"]) >= 0).all()
    finite = np.isfinite(t["rate"])
    assert np.allclose(t["rate"][finite], 12 * t["kappa"][finite] / (8000 - t["block_neurons"][finite]))
    assert t["rate"][list(t["delta_star"]).index(t["choice"])] == t["rate"].min()


def test_the_cost_model_gives_a_large_star_a_block_and_a_uniform_graph_none():
    rng = np.random.default_rng(1)
    u = uniform_pairs(1000, 3000, rng)
    assert pa.hub_cost_model(u, 1000, 4000)["choice"] == pa.hub_cost_model(u, 1000, 4000)["no_hubs"]
    big = np.concatenate([u, [[1000, j] for j in range(1000)]])  # a new feature joined to every other one
    t = pa.hub_cost_model(big, 1001, 4000)
    assert t["choice"] <= 1000 < t["no_hubs"]


def test_auto_threshold_builds_no_block_on_a_uniform_graph_and_keeps_the_network():
    pairs = uniform_pairs(200, 600, np.random.default_rng(2))
    a = build_pairwise_and(pairs, 200, 800, 4, np.random.default_rng(3), hub_degree="auto")
    b = build_pairwise_and(pairs, 200, 800, 4, np.random.default_rng(3), hub_degree=None)
    assert a.n_blocks == 0 and (a.B != b.B).nnz == 0 and (a.R != b.R).nnz == 0


def test_near_miss_inputs_hold_one_endpoint_and_neighbours_of_the_other_but_not_the_other():
    pairs = uniform_pairs(50, 400, np.random.default_rng(4))  # every degree is well above s
    assert np.bincount(pairs.ravel()).min() >= 5
    nbrs = {v: set() for v in range(50)}
    for u, v in pairs:
        nbrs[int(u)].add(int(v))
        nbrs[int(v)].add(int(u))
    rows = pa.near_miss_inputs(pairs, 50, 4, 30, np.random.default_rng(5))
    assert rows.shape == (30, 4) and all(len(set(r)) == 4 for r in rows)
    for r in rows:
        a, rest = int(r[0]), set(int(x) for x in r[1:])
        assert any(rest <= nbrs[c] for c in nbrs[a] - rest)  # some false output (a, c) with c's neighbours on


def test_mixed_inputs_refuse_an_unknown_kind_naming_kinds():
    pairs = uniform_pairs(20, 30, np.random.default_rng(0))
    with pytest.raises(ValueError, match="^kinds"):
        mixed_inputs(pairs, 20, 3, 2, np.random.default_rng(0), kinds=("uniform", "adversarial"))
