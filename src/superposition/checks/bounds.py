"""Exercise checks for the chapter backed by :mod:`superposition.bounds` (Chapter 3, the lower bound).

Each check runs the student's function and the reference kernel on fixed cases
and, on a mismatch, runs the likely wrong variants listed below to name the
mistake (natural log instead of log2, forgetting the bias parameters in
:math:`n^2+n`, mixing up :math:`m'` and :math:`\\binom m2`, ...).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

from .. import bounds as _b
from ._core import CheckPassed, Mistake, check_against_reference

__all__ = ["check_log2_pair_families", "check_min_neurons", "check_max_features"]

_LN2 = math.log(2.0)


def _log2_comb(n, k):
    n = np.asarray(n, dtype=float)
    k = np.asarray(k, dtype=float)
    return (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)) / _LN2


# ---------------------------------------------------------------- Exercise 3.1
_PAIR_CASES = [
    {"m": 6, "m_prime": 3},
    {"m": 10, "m_prime": 7},
    {"m": 30, "m_prime": 100},
    {"m": 1000, "m_prime": 5000},
]

_PAIR_MISTAKES = [
    Mistake(
        "you used the natural log (np.log / gammaln without dividing by ln 2); the family size is counted in bits, "
        "so divide by np.log(2)",
        lambda m, m_prime: _b.log2_pair_families(m, m_prime) * _LN2,
    ),
    Mistake(
        "you chose m' of the m *features*, C(m, m'); a member of the family is a set of m' *pairs*, chosen from "
        "the C(m, 2) = m(m-1)/2 pairs",
        lambda m, m_prime: _log2_comb(m, m_prime),
    ),
    Mistake(
        "you counted ordered pairs, m(m-1) or m**2 of them; a pair {i, j} is unordered: there are C(m, 2) = m(m-1)/2",
        lambda m, m_prime: _log2_comb(m * (m - 1), m_prime),
    ),
    Mistake(
        "you counted ordered pairs, m(m-1) or m**2 of them; a pair {i, j} is unordered: there are C(m, 2) = m(m-1)/2",
        lambda m, m_prime: _log2_comb(m * m, m_prime),
    ),
    Mistake(
        "you counted ordered lists of pairs (an extra m'! factor); a member is a *set* of pairs",
        lambda m, m_prime: _b.log2_pair_families(m, m_prime) + _b.log2_permutations(m_prime),
    ),
    Mistake(
        "you returned the approximation m' log2(e C(m,2) / m'); the exercise asks for the exact value",
        lambda m, m_prime: _b.approx_log2_pair_families(m, m_prime),
    ),
    Mistake(
        "you returned log2 C(m, 2), the bits of a single pair; the family has C(C(m, 2), m') members",
        lambda m, m_prime: math.log2(math.comb(m, 2)),
    ),
]


def check_log2_pair_families(candidate) -> CheckPassed:
    """Exercise 3.1: ``candidate(m, m_prime)`` must return :math:`\\log_2\\binom{\\binom m2}{m'}`."""
    return check_against_reference(
        "Exercise 3.1 (bits to name a pair family)",
        candidate,
        _b.log2_pair_families,
        _PAIR_CASES,
        mistakes=_PAIR_MISTAKES,
        rtol=1e-6,
        success="Naming a set of m' pairs costs about m' log2(e C(m,2)/m') bits.",
    )


# ---------------------------------------------------------------- Exercise 3.2
_NEURON_CASES = [
    {"log2_family": 12.0, "bits_per_parameter": 1.0, "layers": 1},
    {"log2_family": 1000.0, "bits_per_parameter": 8.0, "layers": 1},
    {"log2_family": 1.0e6, "bits_per_parameter": 4.0, "layers": 3},
    {"log2_family": float(_b.log2_permutations(10**5)), "bits_per_parameter": 8.0, "layers": 2},
    {"log2_family": 0.5, "bits_per_parameter": 8.0, "layers": 1},
]


def _n_sq_only(log2_family, bits_per_parameter, layers):
    return max(1, math.ceil(math.sqrt(log2_family / (bits_per_parameter * layers)) - 1e-12))


_NEURON_MISTAKES = [
    Mistake(
        "you forgot the biases: a layer R^n -> R^n has n**2 weights *plus n biases*, so solve L (n**2 + n) b >= log2|F|",
        _n_sq_only,
    ),
    Mistake(
        "you ignored the number of layers L: the L layers share the bits, L (n**2 + n) b >= log2|F|",
        lambda log2_family, bits_per_parameter, layers: _b.min_neurons(log2_family, bits_per_parameter, 1),
    ),
    Mistake(
        "you ignored the bits per parameter b: P parameters of b bits give 2**(b P) settings",
        lambda log2_family, bits_per_parameter, layers: _b.min_neurons(log2_family, 1.0, layers),
    ),
    Mistake(
        "you returned the real-valued root; a width is a whole number of neurons: round *up* (math.ceil)",
        lambda log2_family, bits_per_parameter, layers: (
            math.sqrt(1 + 4 * log2_family / (bits_per_parameter * layers)) - 1
        )
        / 2,
    ),
    Mistake(
        "you rounded down (or to nearest); the smallest width that is enough needs rounding *up*",
        lambda log2_family, bits_per_parameter, layers: max(
            1, math.floor((math.sqrt(1 + 4 * log2_family / (bits_per_parameter * layers)) - 1) / 2)
        ),
    ),
    Mistake(
        "log2_family is already a number of bits: do not take log2 of it again",
        lambda log2_family, bits_per_parameter, layers: _b.min_neurons(
            math.log2(max(log2_family, 1.0)), bits_per_parameter, layers
        ),
    ),
]


def check_min_neurons(candidate) -> CheckPassed:
    """Exercise 3.2: ``candidate(log2_family, bits_per_parameter, layers)`` must return the smallest width."""
    return check_against_reference(
        "Exercise 3.2 (the neuron lower bound)",
        candidate,
        _b.min_neurons,
        _NEURON_CASES,
        mistakes=_NEURON_MISTAKES,
        rtol=0,
        atol=0,
        success="n >= sqrt(log2|F| / (b L)), up to the bias term.",
    )


# ---------------------------------------------------------------- Exercise 3.3
_CAPACITY_CASES = [
    {"n": 10, "bits_per_parameter": 8.0},
    {"n": 100, "bits_per_parameter": 8.0},
    {"n": 1000, "bits_per_parameter": 4.0},
    {"n": 1, "bits_per_parameter": 1.0},
]


def _capacity_with(n, bits_per_parameter, *, budget_fn, log_fn=None, first_over=False):
    budget = budget_fn(n) * bits_per_parameter
    log_fn = log_fn or (lambda k: gammaln(k + 1.0) / _LN2)
    lo, hi = 1, int(2 * budget + 8)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if log_fn(mid) <= budget * (1 + 1e-12):
            lo = mid
        else:
            hi = mid
    return hi if first_over else lo


_CAPACITY_MISTAKES = [
    Mistake(
        "you forgot the biases: the budget is (n**2 + n) b bits, not n**2 b",
        lambda n, bits_per_parameter: _capacity_with(n, bits_per_parameter, budget_fn=lambda v: v * v),
    ),
    Mistake(
        "you compared ln(m'!) (gammaln) with a budget in bits; divide gammaln by np.log(2) to get log2(m'!)",
        lambda n, bits_per_parameter: _capacity_with(
            n, bits_per_parameter, budget_fn=lambda v: v * v + v, log_fn=lambda k: gammaln(k + 1.0)
        ),
    ),
    Mistake(
        "off by one: you returned the first m' that does *not* fit; return the largest m' that does",
        lambda n, bits_per_parameter: _capacity_with(
            n, bits_per_parameter, budget_fn=lambda v: v * v + v, first_over=True
        ),
    ),
    Mistake(
        "you used the asymptotic formula b n**2 / log2(n); the exercise asks to solve log2(m'!) <= (n**2+n) b exactly",
        lambda n, bits_per_parameter: int(bits_per_parameter * n * n / math.log2(n)) if n > 1 else 1,
    ),
    Mistake(
        "you used m' log2 m' in place of log2(m'!); the permutation family has exactly m'! members",
        lambda n, bits_per_parameter: _capacity_with(
            n,
            bits_per_parameter,
            budget_fn=lambda v: v * v + v,
            log_fn=lambda k: k * math.log2(k) if k > 1 else 0.0,
        ),
    ),
]


def _capacity_reference(n, bits_per_parameter):
    return _b.max_features(n, bits_per_parameter)


def check_max_features(candidate) -> CheckPassed:
    """Exercise 3.3: ``candidate(n, bits_per_parameter)`` must return the permutation-family capacity of one layer."""
    return check_against_reference(
        "Exercise 3.3 (capacity of n neurons)",
        candidate,
        _capacity_reference,
        _CAPACITY_CASES,
        mistakes=_CAPACITY_MISTAKES,
        rtol=0,
        atol=0,
        success="n neurons compute at most about b n^2 / log2(b n^2) features of the permutation family.",
    )
