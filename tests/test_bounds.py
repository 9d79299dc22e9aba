"""Specification of the Chapter 3 kernels (superposition.bounds)."""

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superposition.bounds import (
    approx_log2_pair_families,
    count_functions,
    count_realised,
    enumerate_one_layer,
    log2_pair_families,
    log2_permutations,
    max_features,
    min_exact_bits,
    min_neurons,
    min_parameters,
    pair_and_margin,
    pair_family_targets,
    quantize,
    sparse_domain,
    stirling_log2_permutations,
    sufficient_bits,
    superposed_pair_and_network,
)


# ---------------------------------------------------------------- family sizes
@pytest.mark.parametrize("m", [0, 1, 2, 5, 10, 20, 100, 1000])
def test_log2_permutations_matches_factorial(m):
    assert log2_permutations(m) == pytest.approx(math.log2(math.factorial(m)), rel=1e-13, abs=1e-12)


def test_log2_permutations_accepts_arrays_and_keeps_shape():
    out = log2_permutations(np.array([[1, 2], [3, 4]]))
    assert out.shape == (2, 2)
    assert out[1, 1] == pytest.approx(math.log2(24))


def test_log2_permutations_huge_m_is_finite_and_near_stirling():
    val = log2_permutations(10**12)
    assert np.isfinite(val)
    assert val / stirling_log2_permutations(10**12) == pytest.approx(1.0, abs=1e-11)


@pytest.mark.parametrize("m,k", [(4, 0), (4, 3), (4, 6), (10, 7), (50, 100), (300, 44850 // 2), (1000, 999)])
def test_log2_pair_families_matches_comb(m, k):
    exact = math.log2(math.comb(math.comb(m, 2), k))
    assert log2_pair_families(m, k) == pytest.approx(exact, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("k", [1, 10, 1000])
def test_log2_pair_families_exact_at_a_billion_features(k):
    """At m = 1e9 the naive gammaln difference cancels to 0; the kernel must not."""
    exact = math.log2(math.comb(10**9 * (10**9 - 1) // 2, k))
    assert log2_pair_families(10**9, k) == pytest.approx(exact, rel=1e-11)


def test_log2_pair_families_broadcasts():
    out = log2_pair_families(np.array([10, 20])[:, None], np.array([1, 2, 3]))
    assert out.shape == (2, 3)
    assert out[1, 2] == pytest.approx(math.log2(math.comb(190, 3)))


def test_pair_family_is_symmetric_in_m_prime():
    n_pairs = math.comb(30, 2)
    assert log2_pair_families(30, 100) == pytest.approx(log2_pair_families(30, n_pairs - 100))


def test_permutation_bits_increase_with_m():
    vals = log2_permutations(np.arange(1, 2000))
    assert np.all(np.diff(vals) > 0)


def test_pair_bits_increase_up_to_half_of_the_pairs():
    m = 40
    vals = log2_pair_families(m, np.arange(0, math.comb(m, 2) // 2 + 1))
    assert np.all(np.diff(vals) > 0)


def test_stirling_ratio_tends_to_one():
    m = np.array([1e2, 1e4, 1e6, 1e8])
    gap = np.abs(log2_permutations(m) / stirling_log2_permutations(m) - 1)
    assert np.all(np.diff(gap) < 0) and gap[-1] < 1e-7


def test_three_term_stirling_error_is_below_the_next_term():
    """log2 m! - Stirling(3 terms) lies in (0, 1/(12 m ln 2)]."""
    m = np.arange(10, 5000)
    err = log2_permutations(m) - stirling_log2_permutations(m, terms=3)
    assert np.all(err > 0)
    assert np.all(err <= 1 / (12 * m * np.log(2)) + 1e-9)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.5])
def test_pair_family_is_theta_m_prime_log_m_prime_along_m_prime_equal_m_to_alpha(alpha):
    """log2|F| / (m' log2 m') -> (2 - alpha) / alpha when m' = m**alpha, alpha < 2."""
    ms = np.array([1e3, 1e5, 1e7, 1e9])
    kp = np.floor(ms**alpha)
    ratio = log2_pair_families(ms, kp) / (kp * np.log2(kp))
    target = (2 - alpha) / alpha
    errors = np.abs(ratio - target)
    assert np.all(np.diff(errors) < 0)
    assert errors[-1] / target < 0.08


def test_pair_approximation_brackets_the_exact_value():
    m, k = 1000, np.array([1, 10, 1000, 100000])
    exact = log2_pair_families(m, k)
    upper = approx_log2_pair_families(m, k)
    assert np.all(exact <= upper + 1e-9)
    assert np.all(upper - exact <= k * np.log2(np.e) + 1e-9)


# ---------------------------------------------------------------- bits -> parameters, neurons, capacity
def test_min_parameters_is_the_ceiling_of_bits_over_b():
    assert min_parameters(math.log2(math.factorial(10)), 8) == math.ceil(math.log2(math.factorial(10)) / 8)
    assert min_parameters(16.0, 8) == 2  # exact boundary, no float overshoot
    assert min_parameters(np.array([0.0, 1.0, 8.5]), 1).tolist() == [0, 1, 9]


@given(st.floats(0, 1e12), st.floats(0.1, 64), st.integers(1, 20))
@settings(max_examples=200, deadline=None)
def test_min_neurons_is_the_smallest_width_with_enough_bits(log2_family, bits, layers):
    n = min_neurons(log2_family, bits, layers)
    assert n >= 1
    assert layers * (n * n + n) * bits >= log2_family * (1 - 1e-12)
    if n > 1:
        assert layers * ((n - 1) ** 2 + (n - 1)) * bits < log2_family * (1 + 1e-12)


def test_min_neurons_counts_the_biases():
    """n^2 + n parameters per layer: 12 bits at 1 bit each need n = 3 (9 + 3), not 4."""
    assert min_neurons(12.0, 1) == 3
    assert min_neurons(12.1, 1) == 4


def test_min_neurons_falls_with_depth_and_bits():
    lf = log2_permutations(10**6)
    assert min_neurons(lf, 8, 1) > min_neurons(lf, 8, 4) > min_neurons(lf, 32, 4)


def test_min_neurons_grows_like_sqrt_m_prime_log_m_prime():
    mp = np.array([1e4, 1e6, 1e8, 1e10])
    n = min_neurons(log2_permutations(mp), 1.0)
    ratio = n / np.sqrt(mp * np.log2(mp))
    assert np.all(np.abs(ratio - 1) < 0.08)
    assert np.all(np.diff(np.abs(ratio - 1)) < 0)


@given(st.integers(1, 5000), st.floats(0.5, 32), st.integers(1, 4))
@settings(max_examples=150, deadline=None)
def test_max_features_permutations_is_the_largest_allowed(n, bits, layers):
    k = max_features(n, bits, layers)
    budget = layers * (n * n + n) * bits
    assert log2_permutations(k) <= budget * (1 + 1e-12)
    assert log2_permutations(k + 1) > budget


@given(st.integers(1, 300), st.floats(0.5, 16), st.integers(2, 200))
@settings(max_examples=150, deadline=None)
def test_max_features_pairs_is_the_largest_allowed(n, bits, m):
    k = max_features(n, bits, m=m)
    n_pairs = m * (m - 1) // 2
    budget = (n * n + n) * bits
    assert 0 <= k <= n_pairs
    assert log2_pair_families(m, k) <= budget * (1 + 1e-12)
    if k < n_pairs:
        assert log2_pair_families(m, k + 1) > budget


def test_max_features_is_inverse_of_min_neurons():
    for mp in [10, 1000, 123456]:
        n = min_neurons(log2_permutations(mp), 8)
        assert max_features(n, 8) >= mp > max_features(n - 1, 8) if n > 1 else True


def test_capacity_is_order_n_squared_over_log_n():
    """m' log2 m' ~ b n^2 so m' ~ b n^2 / log2(b n^2): the ratio tends to 1."""
    n = np.array([10, 100, 1000, 10000, 100000])
    b = 8.0
    k = max_features(n, b)
    ratio = k / (b * (n * n + n) / np.log2(b * (n * n + n)))
    assert np.all(np.diff(ratio) < 0) and np.all(ratio > 1)
    assert ratio[-1] < 1.25  # the approach to 1 is slow: log log corrections


def test_capacity_matches_the_refined_prediction():
    """Solving m' log2(m'/e) = B once more: m' ~ B / (log2(B / log2 B) - log2 e), closer and closer."""
    n = np.array([100, 1000, 10000, 100000])
    budget = 8.0 * (n * n + n)
    pred = budget / (np.log2(budget / np.log2(budget)) - np.log2(np.e))
    err = np.abs(max_features(n, 8.0) / pred - 1)
    assert np.all(np.diff(err) < 0) and err[0] < 0.05 and err[-1] < 0.01


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call,param",
    [
        (lambda: log2_pair_families(10, 46), "m_prime"),
        (lambda: log2_pair_families(1, 0), "m"),
        (lambda: log2_permutations(-1), "m"),
        (lambda: log2_permutations(2.5), "m"),
        (lambda: min_parameters(10.0, 0), "bits_per_parameter"),
        (lambda: min_parameters(-1.0, 8), "log2_family"),
        (lambda: min_neurons(10.0, -2.0), "bits_per_parameter"),
        (lambda: min_neurons(10.0, 8, layers=0), "layers"),
        (lambda: max_features(0, 8), "n"),
        (lambda: max_features(10, 0), "bits_per_parameter"),
        (lambda: max_features(10, 8, m=1), "m"),
        (lambda: enumerate_one_layer(7, 1), "m"),
        (lambda: enumerate_one_layer(3, 1, weights=(0, 0)), "weights"),
        (lambda: quantize([1.0], 1), "bits"),
        (lambda: superposed_pair_and_network(5, 11, 8, rng=0), "m_prime"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_parameter(call, param):
    # anchored on the name as a whole word at the start, so "m" is not satisfied by "must" or "m_prime"
    with pytest.raises(ValueError, match=rf"^{re.escape(param)}\b(?!_)"):
        call()


def test_unseeded_rng_is_a_type_error():
    with pytest.raises(TypeError, match="rng"):
        superposed_pair_and_network(5, 3, 8, rng=None)


def test_boolean_sizes_are_type_errors():
    with pytest.raises(TypeError):
        log2_permutations(True)


# ---------------------------------------------------------------- the exhaustive enumerator
def _slow_functions(m, n, k, s, weights=(-1, 0, 1), biases=(-1, 0, 1)):
    """Brute force: loop over every parameter setting and record the k-output function it computes."""
    domain = np.array([x for x in itertools.product((0, 1), repeat=m) if sum(x) <= s], dtype=float)
    found = set()
    for W in itertools.product(weights, repeat=n * m):
        for b in itertools.product(biases, repeat=n):
            h = np.maximum(domain @ np.array(W, dtype=float).reshape(n, m).T + np.array(b, dtype=float), 0)
            outs = set()
            for v in itertools.product(weights, repeat=n):
                for c in biases:
                    outs.add(tuple((h @ np.array(v, dtype=float) + c > 0).astype(int)))
            found.update(itertools.product(sorted(outs), repeat=k))
    return found


@pytest.mark.parametrize("m,n,k,s", [(1, 1, 1, 1), (2, 1, 1, 2), (2, 1, 2, 2), (2, 2, 1, 2), (3, 1, 2, 2)])
def test_enumerator_matches_brute_force(m, n, k, s):
    enum = enumerate_one_layer(m, n, s=s)
    assert count_functions(enum, k) == len(_slow_functions(m, n, k, s))


def test_enumerator_functions_are_a_subset_of_all_boolean_functions_and_of_the_settings():
    enum = enumerate_one_layer(3, 2)
    n_all = 2 ** enum.domain.shape[0]
    assert len(enum.functions) <= n_all
    assert math.log2(count_functions(enum, 1)) <= enum.log2_settings(1)


def test_more_hidden_neurons_realise_at_least_as_many_functions():
    counts = [count_functions(enumerate_one_layer(3, n), 1) for n in (1, 2, 3)]
    assert counts[0] <= counts[1] <= counts[2]


def test_known_single_output_counts():
    """14 functions of 2 inputs with one ternary hidden ReLU; 220 of 3 inputs with two."""
    assert count_functions(enumerate_one_layer(2, 1), 1) == 14
    assert count_functions(enumerate_one_layer(3, 2), 1) == 220


def test_sparse_domain_counts_inputs():
    assert sparse_domain(5, 2).shape == (1 + 5 + 10, 5)
    assert sparse_domain(4).shape == (16, 4)


def test_pair_family_targets_has_comb_members():
    dom = sparse_domain(4, 2)
    assert pair_family_targets(dom, 2).shape == (15, 2)


def test_pair_realisation_against_brute_force_on_two_inputs_of_three():
    """Check count_realised with a direct search over every network with 1 hidden neuron."""
    m, n, s = 3, 1, 2
    enum = enumerate_one_layer(m, n, s=s)
    targets = pair_family_targets(enum.domain, 2)
    got = count_realised(enum, targets)
    funcs = _slow_functions(m, n, 2, s)
    dom = enum.domain
    pairs = list(itertools.combinations(range(m), 2))
    expect = []
    for a, b in itertools.combinations(pairs, 2):
        want = (tuple(dom[:, a[0]] & dom[:, a[1]]), tuple(dom[:, b[0]] & dom[:, b[1]]))
        expect.append(tuple(tuple(int(v) for v in w) for w in want) in funcs)
    assert got.tolist() == expect


def test_three_hidden_neurons_compute_all_six_ands_of_four_inputs():
    enum = enumerate_one_layer(4, 3, s=2, weights=(0, 1), biases=(-1, 0), out_weights=(-1, 0, 1), out_biases=(-1, 0, 1))
    assert count_realised(enum, pair_family_targets(enum.domain, 6)).all()


def test_two_hidden_neurons_cannot_compute_four_ands_of_four_inputs():
    enum = enumerate_one_layer(4, 2, s=2)
    assert not count_realised(enum, pair_family_targets(enum.domain, 4)).any()


# ---------------------------------------------------------------- the rounding experiment
def test_quantize_uses_at_most_2_to_the_b_minus_1_levels():
    x = np.random.default_rng(0).normal(size=1000)
    q = quantize(x, 4)
    assert np.unique(q).size <= 2**4 - 1
    assert np.max(np.abs(q - x)) <= np.max(np.abs(x)) / 7 / 2 + 1e-12


def test_quantize_is_exact_on_its_own_grid():
    x = np.array([-3.0, -1.0, 0.0, 2.0, 3.0])
    assert np.array_equal(quantize(x, 3), x)


def test_pair_and_network_is_exact_when_d_is_large():
    net = superposed_pair_and_network(12, 20, 512, rng=1)
    assert pair_and_margin(net, 2) > 0


def test_pair_and_network_fails_when_d_is_tiny():
    net = superposed_pair_and_network(12, 20, 2, rng=1)
    assert pair_and_margin(net, 2) < 0


def test_rounding_to_min_bits_keeps_it_exact_and_one_bit_fewer_breaks_it():
    net = superposed_pair_and_network(16, 30, 200, rng=3)
    b = min_exact_bits(net, 2)
    assert pair_and_margin(net, 2, W=quantize(net.W, b), bias=quantize(net.bias, b)) > 0
    if b > 2:
        assert pair_and_margin(net, 2, W=quantize(net.W, b - 1), bias=quantize(net.bias, b - 1)) <= 0


def test_measured_bits_never_exceed_the_guaranteed_bits():
    for seed in range(3):
        net = superposed_pair_and_network(16, 30, 300, rng=seed)
        assert min_exact_bits(net, 2) <= sufficient_bits(net, 2)


def test_guaranteed_bits_really_suffice():
    net = superposed_pair_and_network(16, 30, 300, rng=5)
    b = sufficient_bits(net, 2)
    assert pair_and_margin(net, 2, W=quantize(net.W, b), bias=quantize(net.bias, b)) > 0


def test_min_exact_bits_refuses_an_incorrect_network():
    with pytest.raises(ValueError, match="raise d"):
        min_exact_bits(superposed_pair_and_network(12, 20, 2, rng=1), 2)


@pytest.mark.parametrize("strict", [False, True])
def test_vectorized_index_tuples_match_itertools(strict):
    from superposition.bounds import _multisets

    make = itertools.combinations if strict else itertools.combinations_with_replacement
    for n_items in range(1, 7):
        for size in range(1, 5):
            expected = np.array(list(make(range(n_items), size)), dtype=np.int64).reshape(-1, size)
            assert np.array_equal(_multisets(n_items, size, strict=strict), expected)


def test_explorer_figure_has_two_labelled_panels():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from superposition.bounds import plot_bounds_explorer

    fig = plot_bounds_explorer(m=100, m_prime=50, bits_per_parameter=4.0, layers=2)
    try:
        assert len(fig.axes) == 2
        assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in fig.axes)
    finally:
        plt.close(fig)


def test_explorer_rejects_more_pairs_than_exist():
    from superposition.bounds import plot_bounds_explorer

    with pytest.raises(ValueError, match="m_prime"):
        plot_bounds_explorer(m=10, m_prime=46)


# ---------------------------------------------------------------- second edition: scope of the bound
from superposition import bounds as _bd  # noqa: E402
from superposition.pairwise_and import build_pairwise_and, count_wrong_bits, mixed_inputs, uniform_pairs  # noqa: E402


@given(st.floats(min_value=1.0, max_value=1e12), st.floats(min_value=0.5, max_value=64.0))
@settings(max_examples=60, deadline=None)
def test_total_neuron_bound_is_the_smallest_N_with_N2_plus_N_bits(lf, b):
    N = _bd.min_total_neurons(lf, b)
    assert (N * N + N) * b >= lf * (1 - 1e-9)
    assert N == 1 or ((N - 1) ** 2 + (N - 1)) * b < lf * (1 + 1e-9)
    assert N >= math.sqrt(lf / b) - 1


def test_total_neuron_bound_does_not_depend_on_depth_while_width_does():
    lf = float(_bd.log2_permutations(10**6))
    widths = [_bd.min_neurons(lf, 8, L) for L in (1, 2, 4, 8)]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]
    # L layers of the smallest allowed width never have fewer neurons in total than the depth-free bound
    assert all(L * w >= _bd.min_total_neurons(lf, 8) for L, w in zip((1, 2, 4, 8), widths))


def test_tolerant_bound_with_no_errors_is_the_family_size():
    assert _bd.log2_tolerant_pair_bound(50, 300, 0.0) == pytest.approx(_bd.log2_pair_families(50, 300), rel=1e-12)


def test_tolerant_bound_matches_the_count_of_consistent_members_on_a_tiny_case():
    # m = 5: N = 10 pairs; m' = 3, one slot may be wrong: A = (1 + 3) * (1 + 10)
    assert _bd.log2_tolerant_pair_bound(5, 3, 1 / 3) == pytest.approx(math.log2(math.comb(10, 3) / 44), rel=1e-12)


@pytest.mark.parametrize("m,mp", [(100, 1000), (1000, 50_000), (10_000, 100_000)])
@pytest.mark.parametrize("eps", [0.001, 0.01, 0.1, 0.3])
def test_tolerant_bound_is_at_least_the_closed_form(m, mp, eps):
    full = _bd.log2_pair_families(m, mp)
    closed = (1 - eps) * full - 2 * eps * mp * math.log2(math.e / eps)
    assert _bd.log2_tolerant_pair_bound(m, mp, eps) >= closed - 1e-6 * full


def test_tolerant_bound_falls_as_more_slots_may_be_wrong():
    vals = [_bd.log2_tolerant_pair_bound(200, 2000, e) for e in (0.0, 0.01, 0.05, 0.2)]
    assert vals == sorted(vals, reverse=True) and vals[-1] < vals[0]


def test_zero_network_bound_equals_the_expected_number_of_true_outputs_exactly():
    m, s = 8, 3
    rng = np.random.default_rng(0)
    allp = list(itertools.combinations(range(m), 2))
    pairs = [allp[i] for i in rng.choice(len(allp), 9, replace=False)]
    inputs = list(itertools.combinations(range(m), s))
    counts = np.array([sum(a in x and b in x for a, b in pairs) for x in inputs])
    assert counts.mean() == pytest.approx(_bd.zero_network_error_bound(m, 9, s), rel=1e-12)
    assert (counts > 0).mean() <= _bd.zero_network_error_bound(m, 9, s) + 1e-12


def test_zero_network_bound_at_the_book_size():
    assert _bd.zero_network_error_bound(10_000, 100_000, 4) == pytest.approx(6 * 1e5 / (1e4 * 9999 / 2), rel=1e-12)


def test_round_per_tensor_dense_and_sparse_agree_and_err_by_at_most_half_a_step():
    import scipy.sparse as sp

    rng = np.random.default_rng(1)
    A = rng.standard_normal((30, 40)) * (rng.random((30, 40)) < 0.2)
    for bits in (2, 3, 6, 12):
        dense, step = _bd.round_per_tensor(A, bits)
        sparse, step2 = _bd.round_per_tensor(sp.csr_matrix(A), bits)
        assert step == step2 == pytest.approx(np.abs(A).max() / (2 ** (bits - 1) - 1))
        np.testing.assert_array_equal(dense, sparse.toarray())
        assert np.abs(dense - A).max() <= step / 2 + 1e-15
        assert np.all(dense[A == 0] == 0)
        levels = np.round(dense / step)
        np.testing.assert_allclose(levels * step, dense)
        assert np.abs(levels).max() <= 2 ** (bits - 1) - 1


def test_sparse_active_sets_lists_every_input_once():
    A = _bd.sparse_active_sets(7, 2)
    assert A.shape == (1 + 7 + 21, 2)
    assert len({tuple(sorted(r[r >= 0])) for r in A}) == A.shape[0]


@pytest.fixture(scope="module")
def small_ch4_net():
    m, mp = 60, 90
    pairs = uniform_pairs(m, mp, np.random.default_rng(3))
    return pairs, build_pairwise_and(pairs, m, 1500, 4, np.random.default_rng(4))


def test_as_two_layer_reads_W1_and_W2_of_chapter_4s_network(small_ch4_net):
    _, net = small_ch4_net
    mlp = _bd.as_two_layer(net)
    W1, W2 = net.dense_weights()
    np.testing.assert_allclose(mlp.W1.toarray(), W1, atol=1e-6)
    np.testing.assert_allclose(mlp.W2.toarray(), W2, atol=1e-6)
    assert np.all(mlp.b1 == -net.theta)


@pytest.mark.parametrize("n", [150, 1500])
def test_decode_margins_counts_the_same_wrong_bits_as_chapter_4s_verifier(small_ch4_net, n):
    pairs, _ = small_ch4_net
    net = build_pairwise_and(pairs, 60, n, 4, np.random.default_rng(5))
    act, _ = mixed_inputs(pairs, 60, 4, 32, np.random.default_rng(6))
    assert _bd.decode_margins(net, act).wrong_bits == count_wrong_bits(net, act).total_wrong


def test_decode_margins_sparse_path_equals_a_dense_forward_pass(small_ch4_net):
    pairs, net = small_ch4_net
    mlp = _bd.as_two_layer(net)
    A = _bd.sparse_active_sets(60, 2)[::5]
    got = _bd.decode_margins(mlp, A)
    W1, W2 = net.dense_weights()
    E = mlp.E_in.toarray()
    F = np.zeros((60, A.shape[0]))
    for j, row in enumerate(A):
        F[row[row >= 0], j] = 1
    dec = mlp.readout.toarray() @ (W2 @ np.maximum(W1 @ (E @ F) - net.theta, 0))
    truth = (F[pairs[:, 0]] > 0) & (F[pairs[:, 1]] > 0)
    assert got.wrong_bits == int(((dec > net.tau) != truth).sum())
    assert got.min_true == pytest.approx(dec[truth].min(), abs=1e-5)
    assert got.max_false == pytest.approx(dec[~truth].max(), abs=1e-5)


def test_smallest_exact_bits_is_exact_and_one_bit_less_is_not(small_ch4_net):
    _, net = small_ch4_net
    A = _bd.sparse_active_sets(60, 2)
    b, tried = _bd.smallest_exact_bits(net, A)
    assert tried[b].wrong_bits == 0
    assert all(tried[k].wrong_bits > 0 for k in tried if k < b)


def test_smallest_exact_bits_refuses_a_network_that_is_already_wrong(small_ch4_net):
    pairs, _ = small_ch4_net
    net = build_pairwise_and(pairs, 60, 100, 4, np.random.default_rng(5))
    act, _ = mixed_inputs(pairs, 60, 4, 32, np.random.default_rng(6))
    with pytest.raises(ValueError, match="already gets"):
        _bd.smallest_exact_bits(net, act)


@pytest.mark.parametrize(
    "call,param",
    [
        (lambda: _bd.log2_tolerant_pair_bound(10, 5, 1.5), "eps"),
        (lambda: _bd.log2_tolerant_pair_bound(10, 46, 0.1), "m_prime"),
        (lambda: _bd.zero_network_error_bound(10, 5, 11), "s"),
        (lambda: _bd.round_per_tensor(np.ones(3), 1), "bits"),
        (lambda: _bd.sparse_active_sets(1, 2), "m"),
        (lambda: _bd.decode_margins(_bd.TwoLayerMLP(np.eye(3), np.eye(3), np.zeros(3), np.eye(3), np.eye(1, 3), 0.5,
                                                    np.array([[0, 1]])), np.array([[5, -1]])), "active"),
    ],
)
def test_new_kernels_reject_bad_arguments_naming_the_parameter(call, param):
    with pytest.raises(ValueError, match=rf"^{re.escape(param)}\b(?!_)"):
        call()


def test_as_two_layer_rejects_something_else():
    with pytest.raises(TypeError, match="net"):
        _bd.as_two_layer(object())


def test_fixed_readout_permutations_matches_a_brute_force_over_every_setting_at_k_2():
    # all 3^6 settings of two units, each checked on the zero input and the two single-feature inputs
    vals = (-1, 0, 1)
    inputs = [(0, 0), (1, 0), (0, 1)]
    counts = {(0, 1): 0, (1, 0): 0}
    for w11, w12, b1, w21, w22, b2 in itertools.product(vals, repeat=6):
        out = tuple(
            (int(w11 * x1 + w12 * x2 + b1 > 0), int(w21 * x1 + w22 * x2 + b2 > 0)) for x1, x2 in inputs
        )
        for perm in counts:  # output i = x_{perm[i]}
            if out == tuple((x[perm[0]], x[perm[1]]) for x in inputs):
                counts[perm] += 1
    got = _bd.fixed_readout_permutations(2)
    assert counts == {(0, 1): got["settings_per_member"], (1, 0): got["settings_per_member"]}
    assert got["realised"] == 2 and got["settings"] == 3**6
