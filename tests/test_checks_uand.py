"""Chapter 2 exercise checks: the reference passes, each listed mistake is named."""

import math

import numpy as np
import pytest

from superposition.checks import CheckFailed, CheckPassed
from superposition.checks.uand import (
    check_break_even,
    check_best_offset,
    check_expected_errors,
    check_one_active_error,
    check_pair_readout,
    check_uand_hidden,
)


def good_hidden(wiring, active):
    return np.maximum(wiring[:, active].sum(axis=1) - 1, 0)


def good_readout(wiring, h, i, j):
    both = wiring[:, i] & wiring[:, j]
    return h[both].mean() if both.any() else 0.0


def good_expected(s, p):
    return (s - 2) * p, (s - 1) * p, s * p - 1 + (1 - p) ** s


def good_break_even(n):
    m = 2
    while math.comb(m, 2) <= n:
        m += 1
    return m


@pytest.mark.parametrize(
    "check, fn",
    [
        (check_uand_hidden, good_hidden),
        (check_pair_readout, good_readout),
        (check_expected_errors, good_expected),
        (check_break_even, good_break_even),
    ],
)
def test_reference_solutions_pass(check, fn):
    assert isinstance(check(fn), CheckPassed)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda wiring, active: wiring[:, active].sum(axis=1) - 1, "forgetting the ReLU"),
        (lambda wiring, active: np.maximum(wiring[:, active].sum(axis=1) - 2, 0), "bias is off by one"),
        (lambda wiring, active: wiring[:, active].sum(axis=1), "bias is missing"),
        (lambda wiring, active: np.maximum(wiring.sum(axis=1) - 1, 0), "every wired feature"),
        (lambda wiring, active: (wiring[:, active].sum(axis=1) >= 2) * 1.0, "step instead of a ReLU"),
    ],
)
def test_hidden_mistakes_are_named(fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_uand_hidden(fn)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda wiring, h, i, j: h[wiring[:, i] & wiring[:, j]].sum() / len(h), "all n neurons"),
        (lambda wiring, h, i, j: h[wiring[:, i] | wiring[:, j]].mean(), r"i \*or\* j"),
        (lambda wiring, h, i, j: h[wiring[:, i]].mean(), "wired to i only"),
        (lambda wiring, h, i, j: h[wiring[:, i] & wiring[:, j]].sum(), "summing instead of averaging"),
    ],
)
def test_readout_mistakes_are_named(fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_pair_readout(fn)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda s, p: ((s - 1) * p, s * p, s * p - 1 + (1 - p) ** s), "off-by-one"),
        (lambda s, p: ((s - 2) * p, (s - 1) * p, math.comb(s, 2) * p**2), "small-p approximation"),
        (lambda s, p: ((s - 2) * p, (s - 1) * p, s * p - 1), "forgetting the ReLU"),
    ],
)
def test_expected_error_mistakes_are_named(fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_expected_errors(fn)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda n: next(m for m in range(2, 10**6) if m * (m - 1) > n), "ordered pairs"),
        (lambda n: next(m for m in range(2, 10**6) if m * m > n), "m² pairs"),
        (lambda n: next(m for m in range(2, 10**6) if math.comb(m, 2) >= n), "off-by-one"),
        (lambda n: next(m for m in range(2, 10**6) if math.comb(m, 2) > n) - 1, "last m"),
    ],
)
def test_break_even_mistakes_are_named(fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_break_even(fn)


def test_unknown_mistake_gets_generic_message():
    with pytest.raises(CheckFailed, match="differs from the reference"):
        check_expected_errors(lambda s, p: (0.0, 0.0, 0.0))


def test_checks_are_exported_from_the_package():
    import superposition.checks as checks

    for name in ("check_uand_hidden", "check_pair_readout", "check_expected_errors", "check_break_even"):
        assert name in checks.__all__ and callable(getattr(checks, name))


def test_pair_readout_check_catches_nan_for_an_uncovered_pair():
    def nan_when_uncovered(wiring, h, i, j):
        both = np.asarray(wiring)[:, i] & np.asarray(wiring)[:, j]
        return float(np.mean(np.asarray(h)[both])) if both.any() else float("nan")

    with pytest.raises(AssertionError, match="NaN"):
        check_pair_readout(nan_when_uncovered)


def good_one_active(s, p, sigma):
    return (s - 1) * p + (1 - p) ** (s - 1) * sigma / math.sqrt(2 * math.pi)


def test_one_active_error_reference_passes_and_is_exported():
    import superposition.checks as checks

    assert isinstance(check_one_active_error(good_one_active), CheckPassed)
    assert "check_one_active_error" in checks.__all__


def test_one_active_error_accepts_the_exact_density_integral():
    """sigma * phi(0) written through scipy's normal density is the same number."""
    from scipy.stats import norm

    assert isinstance(check_one_active_error(lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma * norm.pdf(0)),
                      CheckPassed)


@pytest.mark.parametrize(
    "fn, hint",
    [
        (lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma, r"dropped the factor 1/√\(2π\)"),
        (lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma / 2, "not σ/2"),
        (lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma * math.sqrt(2 / math.pi), r"not E\|Z\|"),
        (lambda s, p, sigma: (s - 1) * p + (1 - p) ** (s - 1) * sigma**2 / math.sqrt(2 * math.pi), "variance σ²"),
        (lambda s, p, sigma: (s - 1) * p + sigma / math.sqrt(2 * math.pi), "bias to every neuron"),
        (lambda s, p, sigma: s * p + (1 - p) ** s * sigma / math.sqrt(2 * math.pi), "off-by-one"),
        (lambda s, p, sigma: (1 - p) ** (s - 1) * sigma / math.sqrt(2 * math.pi), "clean-input error"),
    ],
)
def test_one_active_error_mistakes_are_named(fn, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_one_active_error(fn)


def test_one_active_error_unknown_mistake_is_not_named():
    with pytest.raises(CheckFailed, match="differs from the reference"):
        check_one_active_error(lambda s, p, sigma: (s - 1) * p + 0.3 * sigma)


def test_best_offset_reference_passes():
    assert isinstance(check_best_offset(lambda errors: (0.5 * (min(errors) + max(errors)),
                                                         0.5 * (max(errors) - min(errors)))), CheckPassed)
