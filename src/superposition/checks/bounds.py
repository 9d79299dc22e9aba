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
from . import _core
from ._core import CheckFailed, CheckPassed, Mistake, check_against_reference, outputs_match

__all__ = [
    "check_log2_pair_families",
    "check_min_neurons",
    "check_max_features",
    "check_zero_network_error",
    "check_min_total_neurons",
    "check_fraction_computable",
    "check_settings_per_member",
]

_LN2 = math.log(2.0)


def _log2_comb(n, k):
    n = np.asarray(n, dtype=float)
    k = np.asarray(k, dtype=float)
    return (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)) / _LN2


def _check(exercise, candidate, reference, cases, *, mistakes, params, **kwargs) -> CheckPassed:
    """:func:`check_against_reference`, naming a mistake only if it reproduces the answer on *every* case.

    The student's function is first run on all cases.  A ``TypeError`` from calling it with the
    exercise's parameter names becomes "name your parameters (...)".  Only the mistakes whose output
    equals the student's on every case are passed on, so a diagnosis is never a coincidence of one case.
    """
    if _core._RECORDERS or not callable(candidate):
        return check_against_reference(exercise, candidate, reference, cases, mistakes=mistakes, **kwargs)
    outputs = []
    for case in cases:
        try:
            outputs.append(candidate(**dict(case)))
        except NotImplementedError:
            outputs = None
            break
        except TypeError as exc:
            text = str(exc)
            if "argument" in text and ("keyword" in text or "positional" in text):
                raise CheckFailed(
                    f"{exercise}: name your parameters ({params}): the check calls your function as "
                    f"f({', '.join(p + '=...' for p in params.split(', '))}). Python said: {text}"
                ) from None
            outputs = None
            break
        except Exception:  # noqa: BLE001 - the shared machinery reports the student's exception
            outputs = None
            break
    kept = []
    if outputs is not None:
        rtol, atol = kwargs.get("rtol", 1e-6), kwargs.get("atol", 1e-9)
        for mistake in mistakes:
            try:
                same = all(
                    outputs_match(got, mistake.implementation(**dict(case)), rtol=rtol, atol=atol)
                    for got, case in zip(outputs, cases)
                )
            except Exception:  # noqa: BLE001 - a variant that cannot run does not match
                same = False
            if same:
                kept.append(mistake)
    return check_against_reference(exercise, candidate, reference, cases, mistakes=kept, **kwargs)


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
    return _check(
        "Exercise 3.1 (bits to name a pair family)",
        candidate,
        _b.log2_pair_families,
        _PAIR_CASES,
        mistakes=_PAIR_MISTAKES,
        params="m, m_prime",
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
    # exactly on a boundary: 3 layers * (10**2 + 10) * 2 bits = 660 bits; n = 10 is enough (>=, not >)
    {"log2_family": 660.0, "bits_per_parameter": 2.0, "layers": 3},
    # separates L (n**2 + n) from L n**2 + n (biases counted once per network): n = 20 vs 21
    {"log2_family": 3 * 420.0, "bits_per_parameter": 1.0, "layers": 3},
]


def _smallest_n(ok):
    n = 1
    while not ok(n):
        n += 1
    return n


def _n_sq_only(log2_family, bits_per_parameter, layers):
    return max(1, math.ceil(math.sqrt(log2_family / (bits_per_parameter * layers)) - 1e-12))


_NEURON_MISTAKES = [
    Mistake(
        "you used a strict inequality: a width is enough when L (n**2 + n) b >= log2|F|, so equality is enough",
        lambda log2_family, bits_per_parameter, layers: _smallest_n(
            lambda n: layers * (n * n + n) * bits_per_parameter > log2_family
        ),
    ),
    Mistake(
        "you counted the biases once per network (L n**2 + n); every layer has its own n biases: L (n**2 + n)",
        lambda log2_family, bits_per_parameter, layers: _smallest_n(
            lambda n: (layers * n * n + n) * bits_per_parameter >= log2_family * (1 - 1e-12)
        ),
    ),
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
    return _check(
        "Exercise 3.2 (the neuron lower bound)",
        candidate,
        _b.min_neurons,
        _NEURON_CASES,
        mistakes=_NEURON_MISTAKES,
        params="log2_family, bits_per_parameter, layers",
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
    {"n": 3, "bits_per_parameter": 2.0},
    {"n": 30, "bits_per_parameter": 1.0},
    {"n": 10, "bits_per_parameter": 2.0},  # separates Stirling (51) from "first m' that does not fit" (52)
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
        "you used Stirling's approximation m' log2(m'/e) in place of log2(m'!); it is below log2(m'!), so it lets "
        "too many features fit: compute log2(m'!) exactly with gammaln(m' + 1) / np.log(2)",
        lambda n, bits_per_parameter: _capacity_with(
            n,
            bits_per_parameter,
            budget_fn=lambda v: v * v + v,
            log_fn=lambda k: k * math.log2(k / math.e) if k > 0 else 0.0,
        ),
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
    return _check(
        "Exercise 3.3 (capacity of n neurons)",
        candidate,
        _capacity_reference,
        _CAPACITY_CASES,
        mistakes=_CAPACITY_MISTAKES,
        params="n, bits_per_parameter",
        rtol=0,
        atol=0,
        success="n neurons compute at most about b n^2 / log2(b n^2) features of the permutation family.",
    )


# ---------------------------------------------------------------- Exercise 3.4
_ZERO_CASES = [
    {"m": 10_000, "m_prime": 100_000, "s": 4},
    {"m": 100, "m_prime": 50, "s": 3},
    {"m": 1000, "m_prime": 2000, "s": 2},
    {"m": 20, "m_prime": 190, "s": 5},
]

_ZERO_MISTAKES = [
    Mistake(
        "you used C(m, s), the number of inputs; a fixed pair is inside a random s-set with chance C(s,2)/C(m,2)",
        lambda m, m_prime, s: m_prime / math.comb(m, s),
    ),
    Mistake(
        "you used s**2 / m**2 (ordered pairs with repeats); the chance is C(s,2)/C(m,2) = s(s-1)/(m(m-1))",
        lambda m, m_prime, s: m_prime * s * s / (m * m),
    ),
    Mistake(
        "you forgot the m' pairs: the zero network errs when *any* of the m' pairs is active (union bound)",
        lambda m, m_prime, s: s * (s - 1) / (m * (m - 1)),
    ),
]


def check_zero_network_error(candidate) -> CheckPassed:
    """Exercise 3.4: ``candidate(m, m_prime, s)`` must return the union bound C(s,2) m'/C(m,2)."""
    return _check(
        "Exercise 3.4 (the all-zero network)",
        candidate,
        _b.zero_network_error_bound,
        _ZERO_CASES,
        mistakes=_ZERO_MISTAKES,
        params="m, m_prime, s",
        rtol=1e-9,
        success="The network that outputs 0 is right on about 99% of random inputs: 'right with high probability "
        "on random inputs' is too weak an error model for a lower bound.",
    )


# ---------------------------------------------------------------- Exercise 3.5
_TOTAL_CASES = [
    {"log2_family": 1.0e6, "bits_per_parameter": 8.0, "layers": 1},
    {"log2_family": 1.0e6, "bits_per_parameter": 8.0, "layers": 4},
    {"log2_family": 1.0e8, "bits_per_parameter": 4.0, "layers": 16},
    {"log2_family": 12.0, "bits_per_parameter": 1.0, "layers": 2},
]


def _total_reference(log2_family, bits_per_parameter, layers):
    return _b.min_total_neurons(log2_family, bits_per_parameter)


_TOTAL_MISTAKES = [
    Mistake(
        "you returned the width of each layer, sqrt(log2|F| / (b L)); the question is about all neurons together, "
        "and the total count N of a network of any depth has at most N**2 + N parameters",
        lambda log2_family, bits_per_parameter, layers: _b.min_neurons(log2_family, bits_per_parameter, layers),
    ),
    Mistake(
        "you multiplied the per-layer width by L; that is the total of a network whose layers all have the "
        "smallest width, not a bound that holds at every depth",
        lambda log2_family, bits_per_parameter, layers: layers
        * _b.min_neurons(log2_family, bits_per_parameter, layers),
    ),
    Mistake(
        "you forgot the biases: N neurons have at most N**2 weights *plus N biases*",
        lambda log2_family, bits_per_parameter, layers: _smallest_n(
            lambda n: n * n * bits_per_parameter >= log2_family * (1 - 1e-12)
        ),
    ),
]


def check_min_total_neurons(candidate) -> CheckPassed:
    """Exercise 3.5: ``candidate(log2_family, bits_per_parameter, layers)`` must ignore ``layers``."""
    return _check(
        "Exercise 3.5 (total neurons at any depth)",
        candidate,
        _total_reference,
        _TOTAL_CASES,
        mistakes=_TOTAL_MISTAKES,
        params="log2_family, bits_per_parameter, layers",
        rtol=0,
        atol=0,
        success="Depth lowers the width each layer needs, never the total number of neurons.",
    )


# ---------------------------------------------------------------- Exercise 3.6
_FRACTION_CASES = [
    {"log2_family": 100.0, "bits": 90.0},
    {"log2_family": 1.0e4, "bits": 9.99e3},
    {"log2_family": 10.0, "bits": 20.0},
    {"log2_family": 50.0, "bits": 50.0},
]


def _fraction_reference(log2_family, bits):
    return min(1.0, 2.0 ** (bits - log2_family))


_FRACTION_MISTAKES = [
    Mistake(
        "a fraction is at most 1: when the settings outnumber the members, every member may be computable",
        lambda log2_family, bits: 2.0 ** (bits - log2_family),
    ),
    Mistake(
        "the ratio is upside down: at most 2**bits members are computable, a fraction 2**bits / |F| of the family",
        lambda log2_family, bits: min(1.0, 2.0 ** (log2_family - bits)),
    ),
]


def check_fraction_computable(candidate) -> CheckPassed:
    """Exercise 3.6: ``candidate(log2_family, bits)`` must return min(1, 2**bits / |F|)."""
    return _check(
        "Exercise 3.6 (most members)",
        candidate,
        _fraction_reference,
        _FRACTION_CASES,
        mistakes=_FRACTION_MISTAKES,
        params="log2_family, bits",
        rtol=1e-9,
        atol=0,
        success="With t bits fewer than log2|F|, at most a 2**-t fraction of the members can be computed.",
    )


# ---------------------------------------------------------------- Exercise 3.7
_PERM_CASES = [{"k": 1}, {"k": 2}, {"k": 3}, {"k": 4}]


def _settings_per_member_reference(k):
    return _b.fixed_readout_permutations(k)["settings_per_member"]


_PERM_MISTAKES = [
    Mistake(
        "you let the bias be anything; with beta = -1 the unit can never fire on a single feature, and with beta = 1 "
        "it fires on the zero input: the bias must be 0",
        lambda k: 2 ** (k * (k - 1)) * 3**k,
    ),
    Mistake(
        "you let the other weights be anything in {-1, 0, 1}; a weight of +1 on another feature makes the unit fire "
        "on that feature too, so the k - 1 other weights are in {-1, 0}",
        lambda k: 3 ** (k * (k - 1)),
    ),
    Mistake(
        "you counted the settings of one unit; the k units are set independently, so multiply over the k units",
        lambda k: 2 ** (k - 1),
    ),
    Mistake(
        "you counted all settings of the class, 3**(k (k + 1)); the question is how many compute one given permutation",
        lambda k: 3 ** (k * (k + 1)),
    ),
]


def check_settings_per_member(candidate) -> CheckPassed:
    """Exercise 3.7: ``candidate(k)`` must return the number of settings computing one permutation (by enumeration)."""
    return _check(
        "Exercise 3.7 (a fixed-readout permutation class, by hand)",
        candidate,
        _settings_per_member_reference,
        _PERM_CASES,
        mistakes=_PERM_MISTAKES,
        params="k",
        rtol=0,
        atol=0,
        success="Every one of the k! permutations is computed by 2**(k (k - 1)) settings: the class has far more "
        "settings than members, so counting is satisfied with room to spare at this size.",
    )
