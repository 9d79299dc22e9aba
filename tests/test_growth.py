"""Specifications of the growth-law comparison (superposition.growth)."""

import numpy as np
import pytest

from superposition.growth import (
    Law,
    affine_power_law,
    compare_laws,
    compare_table,
    local_exponents,
    power_law,
    scaled_law,
)

X = np.array([1e3, 3e3, 1e4, 3e4, 1e5, 3e5])


def sqrt_law():
    return scaled_law("a√x", r"a\sqrt{x}", np.sqrt)


def test_a_power_law_is_recovered_exactly_from_noiseless_data():
    fit = compare_laws(X, 0.7 * X**0.61, [power_law()], n_boot=0)[0]
    assert fit.params == pytest.approx((0.7, 0.61), rel=1e-9)
    assert fit.rms_log == pytest.approx(0.0, abs=1e-9)


def test_an_affine_power_law_is_recovered_from_noiseless_data():
    y = (40.0 * X + 2e5) ** (1 / 1.5)
    fit = compare_laws(X, y, [affine_power_law(1.5)], n_boot=0)[0]
    assert fit.params == pytest.approx((40.0, 2e5), rel=1e-6)


def test_the_true_law_wins_leave_one_out_against_a_wrong_one():
    rng = np.random.default_rng(3)
    y = 2.5 * np.sqrt(X * np.log(X)) * np.exp(rng.normal(0, 0.01, X.size))
    laws = [sqrt_law(), scaled_law("a√(x ln x)", r"a\sqrt{x\ln x}", lambda x: np.sqrt(x * np.log(x)))]
    fits = compare_laws(X, y, laws, n_boot=0)
    assert fits[0].name == "a√(x ln x)"
    assert fits[0].loo_rms_log < fits[1].loo_rms_log


def test_leave_one_out_error_exceeds_in_sample_error_for_a_flexible_law():
    rng = np.random.default_rng(4)
    y = 3 * X**0.5 * np.exp(rng.normal(0, 0.05, X.size))
    fit = compare_laws(X, y, [power_law()], n_boot=0)[0]
    assert fit.loo_rms_log > fit.rms_log


def test_bootstrap_intervals_contain_the_fit_and_shrink_with_less_noise():
    rng = np.random.default_rng(5)
    z = rng.normal(0, 1, X.size)
    widths = []
    for sigma in (0.2, 0.02):
        fit = compare_laws(X, 3 * X**0.5 * np.exp(sigma * z), [power_law()], n_boot=300, seed=1)[0]
        (lo, hi) = fit.params_ci[1]
        assert lo <= fit.params[1] <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 5


def test_the_prediction_at_x_at_comes_with_an_interval_around_it():
    rng = np.random.default_rng(6)
    y = 3 * X**0.5 * np.exp(rng.normal(0, 0.05, X.size))
    fit = compare_laws(X, y, [power_law()], n_boot=300, x_at=1e7)[0]
    assert fit.at == pytest.approx(float(fit.predict([1e7])[0]))
    assert fit.at_ci[0] <= fit.at <= fit.at_ci[1]


def test_the_same_seed_gives_the_same_intervals():
    y = 3 * X**0.55
    a = compare_laws(X, y * np.exp(np.sin(X)), [power_law()], n_boot=100, seed=9)[0]
    b = compare_laws(X, y * np.exp(np.sin(X)), [power_law()], n_boot=100, seed=9)[0]
    assert a.params_ci == b.params_ci


def test_compare_table_lists_every_law_with_its_errors():
    rows = compare_table(compare_laws(X, 3 * X**0.5, [power_law(), sqrt_law()], n_boot=50, x_at=1e6))
    assert {r["law"] for r in rows} == {"a·x^b", "a√x"}
    assert all({"params", "params_ci", "rms_log", "loo_rms_log", "at", "at_ci"} <= set(r) for r in rows)


def test_local_exponents_of_a_power_law_are_its_exponent():
    xm, k = local_exponents(X, 5 * X**0.42)
    assert k == pytest.approx(np.full(X.size - 1, 0.42))
    assert xm == pytest.approx(np.sqrt(X[1:] * X[:-1]))


def test_local_exponents_sort_the_sizes_first():
    order = np.array([3, 0, 5, 1, 4, 2])
    _, k = local_exponents(X[order], (X**0.3)[order])
    assert k == pytest.approx(np.full(X.size - 1, 0.3))


@pytest.mark.parametrize(
    "x, y, message",
    [
        (X[:2], X[:2], r"at least 3 points"),
        (X, X[:-1], r"x and y must be 1-d arrays of the same length"),
        (-X, X, r"x must hold positive"),
        (X, -X, r"y must hold positive"),
    ],
)
def test_bad_series_are_refused_with_the_reason(x, y, message):
    with pytest.raises(ValueError, match=message):
        compare_laws(x, y, [power_law()])


def test_bad_options_name_the_parameter():
    with pytest.raises(ValueError, match=r"^n_boot\b"):
        compare_laws(X, X, [power_law()], n_boot=-1)
    with pytest.raises(ValueError, match=r"^level\b"):
        compare_laws(X, X, [power_law()], level=1.5)
    with pytest.raises(ValueError, match=r"^x_at\b"):
        compare_laws(X, X, [power_law()], x_at=-3)
    with pytest.raises(ValueError, match=r"^laws\b"):
        compare_laws(X, X, [])
    with pytest.raises(TypeError, match=r"^laws\b"):
        compare_laws(X, X, ["sqrt"])
    with pytest.raises(ValueError, match=r"^gamma\b"):
        affine_power_law(0)


def test_local_exponents_refuse_repeated_sizes():
    with pytest.raises(ValueError, match="repeat"):
        local_exponents(np.array([1.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0]))


def test_a_custom_law_can_be_compared():
    law = Law("a·x^(1/3)", r"a\,x^{1/3}", lambda x, a: a * np.cbrt(x), (1.0,), positive=(0,))
    fit = compare_laws(X, 4 * np.cbrt(X), [law], n_boot=0)[0]
    assert fit.params[0] == pytest.approx(4.0)


def test_the_module_examples_run():
    import doctest

    import superposition.growth

    assert doctest.testmod(superposition.growth).failed == 0
