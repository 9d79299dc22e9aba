"""Unit tests of the Chapter 1 kernels (superposition.representation)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from superposition import representation as rep
from superposition.representation import (
    EMBEDDING_KINDS,
    almost_orthogonal_dim,
    interference,
    jl_distortion,
    jl_min_dim,
    max_coherence,
    pairwise_distortion,
    predicted_interference_std,
    predicted_recovery_error,
    random_coherence_scale,
    random_embedding,
    readout,
    recovery_error_rate,
    sample_active_sets,
    threshold_decode,
    welch_bound,
)


def brute_coherence(E):
    E = np.asarray(E, dtype=np.float64)
    U = E / np.linalg.norm(E, axis=0)
    G = np.abs(U.T @ U)
    np.fill_diagonal(G, -1.0)
    return float(G.max())


# ----------------------------------------------------------------------------- jl_min_dim


@pytest.mark.parametrize(
    "n, eps, expected",
    [
        # ceil(4 ln N / (eps^2/2 - eps^3/3)); scikit-learn truncates and reports one less for these
        (100, 0.1, 3948),
        (1000, 0.1, 5921),
        (10**6, 0.1, 11842),
        (100, 0.2, 1063),
        (1000, 0.5, 332),
        (10**6, 0.5, 664),
    ],
)
def test_jl_min_dim_known_values(n, eps, expected):
    assert jl_min_dim(n, eps) == expected
    assert isinstance(jl_min_dim(n, eps), int)


def test_jl_min_dim_matches_formula_and_broadcasts():
    n = np.array([2, 10, 1000, 10**9])[:, None]
    eps = np.array([0.01, 0.25, 0.5, 0.99])[None, :]
    k = jl_min_dim(n, eps)
    assert k.shape == (4, 4) and k.dtype == np.int64
    exact = 4 * np.log(n) / (eps**2 / 2 - eps**3 / 3)
    assert np.all(k >= exact) and np.all(k - exact < 1)
    # monotone: more points or less distortion never needs fewer dimensions
    assert np.all(np.diff(k, axis=0) >= 0) and np.all(np.diff(k, axis=1) <= 0)


def test_jl_min_dim_accepts_integral_floats_and_lists():
    assert jl_min_dim(1e3, 0.5) == 332
    assert jl_min_dim([100, 1000], [0.1, 0.5]).tolist() == [3948, 332]


@pytest.mark.parametrize("eps", [0, 1, -0.1, 1.5, float("nan"), [0.5, 1.0]])
def test_jl_min_dim_rejects_eps_outside_open_unit_interval(eps):
    with pytest.raises(ValueError, match="eps"):
        jl_min_dim(100, eps)


@pytest.mark.parametrize("n", [1, 0, -5, 2.5, [10, 1]])
def test_jl_min_dim_rejects_bad_n_points(n):
    with pytest.raises(ValueError, match="n_points"):
        jl_min_dim(n, 0.5)


def test_jl_min_dim_rejects_non_numbers():
    with pytest.raises(TypeError, match="n_points"):
        jl_min_dim("100", 0.5)
    with pytest.raises(TypeError, match="eps"):
        jl_min_dim(100, True)


def test_jl_distortion_inverts_jl_min_dim():
    n = np.array([10, 200, 10**5])
    for eps in (0.05, 0.2, 0.5, 0.9):
        k = jl_min_dim(n, eps)
        back = jl_distortion(n, k)
        # k is rounded up, so the guaranteed distortion at k is at most eps, and barely less
        assert np.all(back <= eps + 1e-12)
        assert np.all(jl_distortion(n, k - 1) > eps - 1e-12) or np.all(k == 1)


def test_jl_distortion_is_nan_when_the_bound_is_vacuous():
    assert math.isnan(jl_distortion(100, 10))
    assert 0 < jl_distortion(100, 1000) < 1


def test_almost_orthogonal_dim_and_scale_are_inverse():
    assert almost_orthogonal_dim(10**4, 0.1) == math.ceil(4 * math.log(10**4) / 0.01)
    d = almost_orthogonal_dim(1000, 0.2)
    assert random_coherence_scale(1000, d) <= 0.2 < random_coherence_scale(1000, d - 1)
    with pytest.raises(ValueError, match=r"^m\b"):
        almost_orthogonal_dim(1, 0.1)
    with pytest.raises(ValueError, match=r"^eps\b"):
        almost_orthogonal_dim(10, 1.0)
    with pytest.raises(ValueError, match=r"^d\b"):
        random_coherence_scale(10, 0)


# ----------------------------------------------------------------------------- welch_bound


def test_welch_known_values():
    assert welch_bound(3, 2) == pytest.approx(0.5)  # Mercedes frame: cos = -1/2
    assert welch_bound(4, 3) == pytest.approx(1 / 3)  # tetrahedron: cos = -1/3
    assert welch_bound(10, 10) == 0.0
    assert welch_bound(5, 100) == 0.0
    assert welch_bound(10**4, 1000) == pytest.approx(math.sqrt(9000 / (1000 * 9999)))
    np.testing.assert_allclose(welch_bound(np.array([3, 4]), np.array([2, 3])), [0.5, 1 / 3])


def test_welch_is_attained_by_simplex_and_below_random_coherence():
    # m = d + 1 vectors of a regular simplex attain the bound
    d = 6
    V = np.eye(d + 1) - 1.0 / (d + 1)
    U, S, _ = np.linalg.svd(V)
    E = (U[:, :d] * S[:d]).T  # d x (d+1), same Gram as V
    assert max_coherence(E, block_size=3) == pytest.approx(welch_bound(d + 1, d))
    E = random_embedding(200, 20, "gaussian", 0)
    assert max_coherence(E) >= welch_bound(200, 20)


@pytest.mark.parametrize("m, d, name", [(1, 5, "m"), (10, 0, "d"), (10.5, 5, "m"), (10, 2.5, "d")])
def test_welch_rejects_bad_sizes(m, d, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        welch_bound(m, d)


# ----------------------------------------------------------------------------- random_embedding


@pytest.mark.parametrize("kind", EMBEDDING_KINDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_random_embedding_shape_norms_dtype(kind, dtype):
    E = random_embedding(50, 7, kind, np.random.default_rng(1), dtype=dtype)
    assert E.shape == (7, 50) and E.dtype == dtype
    np.testing.assert_allclose(np.linalg.norm(E.astype(np.float64), axis=0), 1.0, rtol=1e-5)


def test_random_embedding_is_seeded():
    for kind in EMBEDDING_KINDS:
        np.testing.assert_array_equal(random_embedding(30, 5, kind, 4), random_embedding(30, 5, kind, 4))
        assert not np.array_equal(random_embedding(30, 5, kind, 4), random_embedding(30, 5, kind, 5))


def test_rademacher_and_sparse_entries():
    d = 9
    R = random_embedding(100, d, "rademacher", 0)
    np.testing.assert_allclose(np.abs(R), 1 / math.sqrt(d))
    S = random_embedding(100, d, "sparse", 0)
    q = math.ceil(d / 3)
    assert np.all((S != 0).sum(axis=0) == q)
    np.testing.assert_allclose(np.abs(S[S != 0]), 1 / math.sqrt(q))
    assert np.all(random_embedding(20, 1, "sparse", 0) ** 2 == 1.0)  # d = 1: every column is ±1


@pytest.mark.parametrize("kind", EMBEDDING_KINDS)
def test_random_embedding_inner_products_have_mean_0_and_variance_1_over_d(kind):
    d, m = 64, 800
    E = random_embedding(m, d, kind, 7)
    G = E.T @ E
    off = G[~np.eye(m, dtype=bool)]
    # 319 600 (dependent) pairs: mean within a few standard errors of 0, variance within 3 % of 1/d
    assert abs(off.mean()) < 5 / (d**0.5 * m)
    assert off.var() * d == pytest.approx(1.0, rel=0.03)


@pytest.mark.parametrize("kind", EMBEDDING_KINDS)
def test_gaussian_rademacher_sparse_columns_are_isotropic(kind):
    # the mean of e_i e_i^T over many columns approaches I / d
    d = 8
    E = random_embedding(20000, d, kind, 3)
    C = E @ E.T / E.shape[1]
    np.testing.assert_allclose(C, np.eye(d) / d, atol=0.004)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"m": 1, "d": 5}, "m"),
        ({"m": 10, "d": 0}, "d"),
        ({"m": 10.5, "d": 5}, "m"),
        ({"m": 10, "d": 5.5}, "d"),
        ({"m": 10, "d": 5, "kind": "uniform"}, "kind"),
        ({"m": 10, "d": 5, "kind": "Gaussian"}, "kind"),
        ({"m": 10, "d": 5, "dtype": np.int32}, "dtype"),
    ],
)
def test_random_embedding_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        random_embedding(**{"kind": "gaussian", "rng": 0, **kwargs})


def test_random_embedding_requires_seeded_rng_and_refuses_huge():
    with pytest.raises(TypeError, match="rng"):
        random_embedding(10, 5, "gaussian", None)
    with pytest.raises(TypeError, match="rng"):
        random_embedding(10, 5, "gaussian")  # no default seed
    with pytest.raises(ValueError, match="MiB"):
        random_embedding(10**6, 10**4, "gaussian", 0)


# ----------------------------------------------------------------------------- max_coherence


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 64, 1024])
@pytest.mark.parametrize("kind", EMBEDDING_KINDS)
def test_blocked_coherence_equals_full_gram(block_size, kind):
    E = random_embedding(37, 6, kind, 2)
    mu, (i, j) = max_coherence(E, block_size=block_size, return_pair=True)
    assert mu == pytest.approx(brute_coherence(E), rel=1e-6)
    assert i < j and abs(E[:, i] @ E[:, j]) == pytest.approx(mu, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 8),
    m=st.integers(2, 40),
    block_size=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-3, 1e3),
)
def test_blocked_coherence_equals_full_gram_property(d, m, block_size, seed, scale):
    rng = np.random.default_rng(seed)
    E = rng.standard_normal((d, m)) * rng.uniform(0.5, 2.0, size=m) * scale
    if np.any(np.linalg.norm(E, axis=0) == 0):
        return
    assert max_coherence(E, block_size=block_size) == pytest.approx(brute_coherence(E), rel=1e-5, abs=1e-6)


def test_coherence_does_not_count_i_equal_j_and_takes_absolute_value():
    angles = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3])
    E = np.stack([np.cos(angles), np.sin(angles)]) * np.array([1.0, 2.0, 3.0])
    assert max_coherence(E) == pytest.approx(0.5)  # all cosines are -1/2; lengths do not matter
    E2 = np.array([[1.0, -1.0, 0.0], [0.0, 0.01, 1.0]])
    mu, pair = max_coherence(E2, return_pair=True)
    assert pair == (0, 1) and mu == pytest.approx(1 / math.sqrt(1.0001))


def test_coherence_accepts_float32_fortran_and_integer_input():
    E = random_embedding(100, 10, "gaussian", 3)
    ref = brute_coherence(E)
    assert max_coherence(E.astype(np.float32)) == pytest.approx(ref, rel=1e-5)
    assert max_coherence(np.asfortranarray(E), block_size=16) == pytest.approx(ref, rel=1e-6)
    assert max_coherence(np.array([[1, 0, 1], [0, 1, 1]])) == pytest.approx(1 / math.sqrt(2))


def test_coherence_of_orthonormal_columns_is_zero():
    assert max_coherence(np.eye(5), block_size=2) == 0.0


@pytest.mark.parametrize(
    "E, exc, match",
    [
        (np.ones((3, 1)), ValueError, "m >= 2"),
        (np.ones((0, 4)), ValueError, "d >= 1"),
        (np.ones(4), ValueError, "2-d"),
        (np.array([[1.0, 0.0], [0.0, 0.0]]), ValueError, "column 1 is zero"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "finite"),
        (np.array([["a", "b"]]), TypeError, "E must be"),
    ],
)
def test_coherence_rejects_bad_embeddings(E, exc, match):
    with pytest.raises(exc, match=match):
        max_coherence(E)


def test_coherence_rejects_bad_block_size():
    with pytest.raises(ValueError, match="block_size"):
        max_coherence(np.eye(3), block_size=0)
    with pytest.raises(ValueError, match="block_size"):
        max_coherence(np.eye(3), block_size=2.5)


def test_coherence_memory_is_bounded_by_the_block(monkeypatch):
    # every GEMM the kernel issues is at most block_size x block_size, whatever m is
    shapes = []
    real = np.matmul

    def spy(a, b, *args, **kwargs):
        shapes.append((a.shape, b.shape))
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(rep.np, "matmul", spy)
    E = random_embedding(300, 8, "gaussian", 0)
    max_coherence(E, block_size=64)
    monkeypatch.undo()
    assert shapes and all(a[0] <= 64 and b[1] <= 64 for a, b in shapes)
    n_blocks = math.ceil(300 / 64)
    assert len(shapes) == n_blocks * (n_blocks + 1) // 2  # the upper triangle of blocks only


def test_random_coherence_scales_like_sqrt_4_ln_m_over_d():
    # seeded statistical check: measured coherence sits between Welch and sqrt(4 ln m / d)
    for kind in EMBEDDING_KINDS:
        for m, d in ((1000, 100), (3000, 400)):
            mu = max_coherence(random_embedding(m, d, kind, 0))
            assert welch_bound(m, d) < mu
            assert 0.7 * random_coherence_scale(m, d) < mu < 1.15 * random_coherence_scale(m, d)


# ----------------------------------------------------------------------------- distortion


def test_pairwise_distortion_identity_and_known_pair():
    P = np.eye(4)
    np.testing.assert_allclose(pairwise_distortion(np.eye(4), P), 0.0, atol=1e-12)
    # basis points: ||E(e_i - e_j)||^2 / 2 - 1 = -<e_i, e_j>
    E = random_embedding(6, 3, "gaussian", 1)
    G = E.T @ E
    np.testing.assert_allclose(pairwise_distortion(E, np.eye(6)), -G[np.triu_indices(6, 1)], atol=1e-12)


def test_pairwise_distortion_within_jl_guarantee():
    rng = np.random.default_rng(0)
    N, m, eps = 60, 400, 0.5
    P = (rng.random((N, m)) < 0.05).astype(float)
    d = jl_min_dim(N, eps)
    for kind in EMBEDDING_KINDS:
        dist = pairwise_distortion(random_embedding(m, d, kind, 1), P)
        assert dist.shape == (N * (N - 1) // 2,)
        assert np.abs(dist).max() < eps


def test_pairwise_distortion_rejects_bad_points():
    E = np.eye(3)
    with pytest.raises(ValueError, match="points"):
        pairwise_distortion(E, np.ones((2, 4)))
    with pytest.raises(ValueError, match="points"):
        pairwise_distortion(E, np.ones((1, 3)))
    with pytest.raises(ValueError, match="distinct"):
        pairwise_distortion(E, np.ones((2, 3)))


# ----------------------------------------------------------------------------- readout and recovery


def test_sample_active_sets_distinct_in_range_and_uniform():
    A = sample_active_sets(20, 5, 4000, 0)
    assert A.shape == (4000, 5) and A.dtype == np.int64
    assert A.min() >= 0 and A.max() < 20
    assert np.all(np.diff(np.sort(A, axis=1), axis=1) > 0)
    counts = np.bincount(A.ravel(), minlength=20)
    expected = 4000 * 5 / 20
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))
    np.testing.assert_array_equal(np.sort(sample_active_sets(5, 5, 3, 1), axis=1), np.tile(np.arange(5), (3, 1)))


@pytest.mark.parametrize(
    "args, name",
    [((10, 11, 3), "s"), ((10, 0, 3), "s"), ((1, 1, 3), "m"), ((10, 2, 0), "batch"), ((10, 2.5, 3), "s")],
)
def test_sample_active_sets_rejects_bad_sizes(args, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        sample_active_sets(*args, rng=0)


def test_readout_and_interference_on_orthonormal_embedding():
    E = np.eye(5)
    A = np.array([[0, 2], [4, 1]])
    R = readout(E, A)
    expected = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 0, 1]], dtype=float)
    np.testing.assert_array_equal(R, expected)
    np.testing.assert_array_equal(interference(E, A), 0.0)
    np.testing.assert_array_equal(threshold_decode(R), expected.astype(bool))
    assert recovery_error_rate(E, A) == 0.0


def test_readout_matches_dense_formula():
    E = random_embedding(30, 8, "gaussian", 0)
    A = sample_active_sets(30, 3, 7, 1)
    F = np.zeros((7, 30))
    np.put_along_axis(F, A, 1.0, axis=1)
    np.testing.assert_allclose(readout(E, A), (E.T @ E @ F.T).T, atol=1e-12)
    np.testing.assert_allclose(interference(E, A), (E.T @ E @ F.T).T - F, atol=1e-12)


@pytest.mark.parametrize("kind", EMBEDDING_KINDS)
def test_interference_std_is_sqrt_s_over_d(kind):
    m, d, s = 2000, 200, 5
    E = random_embedding(m, d, kind, 0)
    A = sample_active_sets(m, s, 400, 1)
    I = interference(E, A)
    on = np.zeros_like(I, dtype=bool)
    np.put_along_axis(on, A, True, axis=1)
    assert I[~on].std() == pytest.approx(predicted_interference_std(s, d), rel=0.05)
    assert I[on].std() == pytest.approx(predicted_interference_std(s, d, active=True), rel=0.1)
    assert abs(I[~on].mean()) < 0.01


def test_recovery_error_rate_matches_gaussian_prediction_and_chunking():
    m, s = 2000, 4
    A = sample_active_sets(m, s, 600, 2)
    for d, kind in ((80, "gaussian"), (150, "rademacher"), (250, "sparse")):
        E = random_embedding(m, d, kind, 3)
        measured = recovery_error_rate(E, A)
        assert measured == recovery_error_rate(E, A, chunk=7)  # ties at tau do not depend on rounding
        assert measured == recovery_error_rate(np.asfortranarray(E), A, chunk=1)
        predicted = predicted_recovery_error(m, d, s)
        assert abs(measured - predicted) < 0.08 + 0.25 * predicted


def test_predicted_recovery_error_limits():
    assert predicted_recovery_error(10**4, 10**5, 2) < 1e-12
    assert predicted_recovery_error(10**4, 10, 5) > 0.999
    assert predicted_recovery_error(10, 100, 1) == pytest.approx(1 - ndtr(0.5 * 10) ** 9)
    with pytest.raises(ValueError, match="s must be at most m"):
        predicted_recovery_error(10, 10, 11)
    with pytest.raises(ValueError, match="tau"):
        predicted_recovery_error(10, 10, 2, tau=1.0)


def test_readout_rejects_bad_active_sets():
    E = np.eye(4)
    with pytest.raises(ValueError, match="active"):
        readout(E, np.array([[0, 4]]))
    with pytest.raises(ValueError, match="active"):
        readout(E, np.array([[1, 1]]))
    with pytest.raises(ValueError, match="active"):
        readout(E, np.array([0, 1]))
    with pytest.raises(TypeError, match="active"):
        interference(E, np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="tau"):
        recovery_error_rate(E, np.array([[0]]), tau=float("inf"))


def test_threshold_decode_is_strict_and_validates():
    np.testing.assert_array_equal(threshold_decode([0.5, 0.51, -1.0]), [False, True, False])
    # a tie up to rounding decodes as off, whichever side of tau the rounding fell
    np.testing.assert_array_equal(threshold_decode([0.5 + 1e-13, 0.5 - 1e-13]), [False, False])
    with pytest.raises(TypeError, match="readouts"):
        threshold_decode(np.array(["x"]))


# ----------------------------------------------------------------------------- explorer


def test_explorer_figure_draws_and_validates():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for m in (300, 2500):
        fig = rep.plot_representation_explorer(m=m, d=64, s=3, kind="sparse", batch=50)
        assert len(fig.axes) == 2
        plt.close(fig)
    with pytest.raises(ValueError, match="s must be at most m"):
        rep.plot_representation_explorer(m=10, d=5, s=11)
    with pytest.raises(ValueError, match="kind"):
        rep.plot_representation_explorer(kind="dense")


def test_explorer_widget_builds_and_rejects_off_grid_values():
    import matplotlib

    matplotlib.use("Agg")
    import ipywidgets

    w = rep.representation_explorer(m=500, d=64, s=2, kind="rademacher")
    assert isinstance(w, ipywidgets.interactive)
    assert [c.description for c in w.children[:4]] == ["features m", "dimensions d", "active s", "kind"]
    with pytest.raises(ValueError, match="m must be one of"):
        rep.representation_explorer(m=123)
    with pytest.raises(ValueError, match="kind"):
        rep.representation_explorer(kind="dense")


def test_predicted_coherence_is_the_median_of_the_max_of_gaussian_cosines():
    from superposition.representation import predicted_coherence

    m, d = 200, 64
    t = predicted_coherence(m, d)
    rng = np.random.default_rng(0)
    z = np.abs(rng.normal(0, 1 / math.sqrt(d), size=(400, m * (m - 1) // 2))).max(axis=1)
    assert abs(np.mean(z <= t) - 0.5) < 0.08
    assert t < random_coherence_scale(m, d)  # below the union-bound scale
    with pytest.raises(ValueError, match=r"^m\b"):
        predicted_coherence(1, 10)


# ---------------------------------------------------------------------------------------------
# chirp_code, polarization_errors, worst_interference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [3, 5, 7, 13, 29, 31])
def test_chirp_code_coherence_is_exactly_one_over_sqrt_p(p):
    from superposition.representation import chirp_code

    E = chirp_code(p)
    assert E.shape == (2 * p, 2 * p * p)
    np.testing.assert_allclose(np.linalg.norm(E, axis=0), 1.0, atol=1e-12)
    G = np.abs(E.T @ E)
    np.fill_diagonal(G, 0.0)
    assert abs(G.max() - 1 / np.sqrt(p)) < 1e-12  # the formula, from the full Gram matrix
    assert abs(max_coherence(E) - 1 / np.sqrt(p)) < 1e-9  # and from the blocked kernel
    # every cosine is 0 or has modulus at most 1/sqrt(p): the chirps with equal a are orthogonal
    assert np.all(G <= 1 / np.sqrt(p) + 1e-12)


@pytest.mark.parametrize("p", [0, 1, 2, 4, 9, 15])
def test_chirp_code_rejects_non_odd_primes(p):
    from superposition.representation import chirp_code

    with pytest.raises(ValueError, match="p"):
        chirp_code(p)


def test_polarization_errors_bound_inner_products_by_length_distortion():
    from superposition.representation import polarization_errors

    rng = np.random.default_rng(3)
    E = rng.standard_normal((64, 200)) / 8.0  # a Gaussian JL map: columns not normalised
    ip, dist = polarization_errors(E)
    G = E.T @ E
    off = np.abs(G[np.triu_indices(200, 1)]).max()
    assert ip == pytest.approx(off)
    i, j = np.triu_indices(200, 1)
    sq = np.diag(G)
    plus = (sq[i] + sq[j] + 2 * G[i, j]) / 2 - 1
    minus = (sq[i] + sq[j] - 2 * G[i, j]) / 2 - 1
    assert dist == pytest.approx(max(np.abs(plus).max(), np.abs(minus).max(), np.abs(sq - 1).max()))
    assert ip <= dist  # polarization: (|plus| + |minus|) / 2 >= |cross|
    # unit-norm columns: the two coincide
    U = E / np.linalg.norm(E, axis=0)
    a, b = polarization_errors(U)
    assert a == pytest.approx(b)


def test_worst_interference_matches_brute_force():
    from itertools import combinations

    from superposition.representation import worst_interference

    E = random_embedding(9, 4, "gaussian", np.random.default_rng(2))
    for s in (1, 2, 3):
        brute = max(
            (E[:, t] @ E[:, list(S)].sum(axis=1), t, S)
            for t in range(9)
            for S in combinations([j for j in range(9) if j != t], s)
        )
        value, t, S = worst_interference(E, s, return_set=True, block_size=4)
        assert value == pytest.approx(brute[0])  # (s = 1 has ties: the pair (t, j) and (j, t))
        assert t not in S and len(set(S.tolist())) == s
        assert E[:, t] @ E[:, S].sum(axis=1) == pytest.approx(value)
        assert worst_interference(E, s) == pytest.approx(value)


def test_worst_interference_validates_s():
    from superposition.representation import worst_interference

    E = random_embedding(5, 3, "gaussian", 0)
    with pytest.raises(ValueError, match="s"):
        worst_interference(E, 5)
    with pytest.raises(ValueError, match="s"):
        worst_interference(E, 0)
